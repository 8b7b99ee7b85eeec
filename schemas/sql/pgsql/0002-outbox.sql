-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 2 (PostgreSQL): the notification outbox, written in the transaction of the
-- change it announces; read by the per-user Atom feed.
CREATE TABLE itsm_outbox (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    recipient VARCHAR(100) NOT NULL,
    party VARCHAR(40) NOT NULL,
    party_wide INTEGER NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(40) NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX itsm_outbox_recipient ON itsm_outbox (recipient, id);
CREATE INDEX itsm_outbox_party ON itsm_outbox (party, party_wide, id);
