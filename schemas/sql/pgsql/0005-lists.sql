-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 5: lists, counts and SLA statuses that an index serves.
-- Whether the ticket is in a state its kind declares final (0) or not (1), set on every write
-- and back-filled by the core after this migration from each kind's final states.
ALTER TABLE itsm_ticket ADD COLUMN is_open INTEGER NOT NULL DEFAULT 1;
CREATE INDEX itsm_ticket_state ON itsm_ticket (kind, state, id);
CREATE INDEX itsm_ticket_open ON itsm_ticket (kind, is_open, id);
CREATE INDEX itsm_ticket_party_open ON itsm_ticket (kind, party, is_open, id);
CREATE INDEX itsm_ticket_open_opened ON itsm_ticket (kind, is_open, opened, id);
CREATE INDEX itsm_ticket_opened ON itsm_ticket (kind, opened, id);
CREATE INDEX itsm_ticket_updated ON itsm_ticket (kind, updated, id);
CREATE INDEX itsm_ticket_grp ON itsm_ticket (kind, grp, id);
CREATE INDEX itsm_ticket_running ON itsm_ticket (kind, sla_open, id);
CREATE INDEX itsm_ticket_assignee ON itsm_ticket (kind, assignee, id);
-- The fields a kind declares indexed (ITSM_FIELD_INDEXED), one row per ticket and field,
-- written in the transaction of the ticket's create or update. The value is the field's
-- first 200 bytes (cut at a character boundary).
CREATE TABLE itsm_field_index (
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    kind VARCHAR(40) NOT NULL,
    name VARCHAR(64) NOT NULL,
    value VARCHAR(200) NOT NULL,
    PRIMARY KEY (ticket_id, name)
);
CREATE INDEX itsm_field_index_value ON itsm_field_index (kind, name, value, ticket_id);
-- Which (kind, field) pairs itsm_field_index holds for every ticket: a field a kind starts to
-- declare indexed is back-filled once, at the next start.
CREATE TABLE itsm_field_indexed (
    kind VARCHAR(40) NOT NULL,
    name VARCHAR(64) NOT NULL,
    PRIMARY KEY (kind, name)
);
-- Each SLA clock of a ticket with a target, as of the ticket's last write: settled is the
-- status of a clock that time no longer moves (met, missed; in-sla, warning or breached
-- while paused), '' for a running clock, whose status follows from warn_at and due (epoch
-- seconds) and the time of the query.
CREATE TABLE itsm_sla_clock (
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    clock VARCHAR(40) NOT NULL,
    kind VARCHAR(40) NOT NULL,
    settled VARCHAR(20) NOT NULL,
    warn_at BIGINT NOT NULL,
    due BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, clock)
);
CREATE INDEX itsm_sla_clock_due ON itsm_sla_clock (kind, settled, due, ticket_id);
CREATE INDEX itsm_sla_clock_warn ON itsm_sla_clock (kind, settled, warn_at, ticket_id);
-- Which kinds' clocks itsm_sla_clock holds for every ticket (back-filled once, like fields).
CREATE TABLE itsm_sla_indexed (
    kind VARCHAR(40) PRIMARY KEY
);
