-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 9: the values of unique fields (ITSM_FIELD_UNIQUE), one row per ticket and
-- field, written in the transaction of the ticket's create or update beside its
-- itsm_field_index rows (the same value: the first 200 bytes). The primary key makes the
-- uniqueness hold when two writes of the same value run at once: the second one's insert
-- finds the row (ON CONFLICT DO NOTHING writes nothing) and its transaction is refused.
-- The rows of the tickets stored before are written at the next start from itsm_field_index.
CREATE TABLE itsm_unique (
    kind VARCHAR(40) NOT NULL,
    name VARCHAR(64) NOT NULL,
    value VARCHAR(200) NOT NULL,
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    PRIMARY KEY (kind, name, value)
);
CREATE INDEX itsm_unique_ticket ON itsm_unique (ticket_id);
