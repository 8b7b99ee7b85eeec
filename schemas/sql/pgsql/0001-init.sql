-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 1 (PostgreSQL): tickets, counters, journal, links.
-- Times are seconds since the epoch (UTC); absent values are '' rather than NULL.
CREATE TABLE itsm_counter (
    kind VARCHAR(40) PRIMARY KEY,
    next_value BIGINT NOT NULL
);
CREATE TABLE itsm_ticket (
    id BIGSERIAL PRIMARY KEY,
    number VARCHAR(20) NOT NULL UNIQUE,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    state VARCHAR(40) NOT NULL,
    title VARCHAR(200) NOT NULL,
    priority VARCHAR(4) NOT NULL DEFAULT '',
    assignee VARCHAR(100) NOT NULL DEFAULT '',
    grp VARCHAR(200) NOT NULL DEFAULT '',
    opened BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    created_by VARCHAR(100) NOT NULL,
    version INTEGER NOT NULL,
    fields TEXT NOT NULL
);
CREATE INDEX itsm_ticket_kind ON itsm_ticket (kind, id);
CREATE INDEX itsm_ticket_party ON itsm_ticket (party, kind, id);
CREATE TABLE itsm_journal (
    id BIGSERIAL PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    at BIGINT NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(40) NOT NULL,
    changes TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX itsm_journal_ticket ON itsm_journal (ticket_id, id);
CREATE TABLE itsm_link (
    id BIGSERIAL PRIMARY KEY,
    from_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    to_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    type VARCHAR(40) NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR(100) NOT NULL,
    UNIQUE (from_id, to_id, type)
);
CREATE INDEX itsm_link_to ON itsm_link (to_id);
