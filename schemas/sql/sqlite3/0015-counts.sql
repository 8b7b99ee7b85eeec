-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 15: counts of tickets kept with the tickets, a party's open tickets by
-- opening time, and the running clocks' due index carrying their warning time.
-- itsm_ticket_count holds, per kind, open or not, month of opening (UTC, "YYYY-MM"), party,
-- priority and state, how many tickets there are, the sum of their opening times, and of the
-- finished ones (finished set) how many and the sum of their times to finish. Triggers on
-- itsm_ticket keep it in the same transaction as every insert, update and delete of a ticket,
-- whatever statement makes it, so it is exact by construction; the store answers
-- GET /{collection}/stats from it when the count asks for nothing it does not hold (grouped by
-- state, priority, party or month, filtered by those, open and month): a month of a million
-- tickets is a few hundred of its rows instead of 27,000 ticket rows. Rows whose count falls
-- to 0 stay (a later ticket reuses them); the store leaves out groups of no ticket.
-- (Every statement may run again over a database that has this schema: a test sets the schema
-- version back to 10 and starts again; the table is then filled anew.)
DROP TRIGGER IF EXISTS itsm_ticket_count_insert;
DROP TRIGGER IF EXISTS itsm_ticket_count_delete;
DROP TRIGGER IF EXISTS itsm_ticket_count_update;
CREATE TABLE IF NOT EXISTS itsm_ticket_count (
    kind VARCHAR(40) NOT NULL,
    is_open INTEGER NOT NULL,
    month VARCHAR(7) NOT NULL,
    party VARCHAR(40) NOT NULL,
    priority VARCHAR(4) NOT NULL,
    state VARCHAR(40) NOT NULL,
    n BIGINT NOT NULL,
    opened_sum BIGINT NOT NULL,
    finished_n BIGINT NOT NULL,
    resolve_sum BIGINT NOT NULL,
    PRIMARY KEY (kind, is_open, month, party, priority, state)
) WITHOUT ROWID;
DELETE FROM itsm_ticket_count;
INSERT INTO itsm_ticket_count (kind, is_open, month, party, priority, state, n, opened_sum,
                               finished_n, resolve_sum)
    SELECT kind, is_open, strftime('%Y-%m', opened, 'unixepoch'), party, priority, state,
           COUNT(*), SUM(opened), COUNT(finished), COALESCE(SUM(finished - opened), 0)
    FROM itsm_ticket GROUP BY 1, 2, 3, 4, 5, 6;
-- (each trigger's statements on one line: a migration file is split at lines ending in ';')
CREATE TRIGGER itsm_ticket_count_insert AFTER INSERT ON itsm_ticket BEGIN
    INSERT INTO itsm_ticket_count (kind, is_open, month, party, priority, state, n, opened_sum, finished_n, resolve_sum) VALUES (NEW.kind, NEW.is_open, strftime('%Y-%m', NEW.opened, 'unixepoch'), NEW.party, NEW.priority, NEW.state, 1, NEW.opened, NEW.finished IS NOT NULL, COALESCE(NEW.finished - NEW.opened, 0)) ON CONFLICT (kind, is_open, month, party, priority, state) DO UPDATE SET n = n + 1, opened_sum = opened_sum + excluded.opened_sum, finished_n = finished_n + excluded.finished_n, resolve_sum = resolve_sum + excluded.resolve_sum; END;
CREATE TRIGGER itsm_ticket_count_delete AFTER DELETE ON itsm_ticket BEGIN
    UPDATE itsm_ticket_count SET n = n - 1, opened_sum = opened_sum - OLD.opened, finished_n = finished_n - (OLD.finished IS NOT NULL), resolve_sum = resolve_sum - COALESCE(OLD.finished - OLD.opened, 0) WHERE kind = OLD.kind AND is_open = OLD.is_open AND month = strftime('%Y-%m', OLD.opened, 'unixepoch') AND party = OLD.party AND priority = OLD.priority AND state = OLD.state; END;
CREATE TRIGGER itsm_ticket_count_update AFTER UPDATE OF kind, is_open, opened, party, priority, state, finished ON itsm_ticket
    WHEN OLD.kind IS NOT NEW.kind OR OLD.is_open IS NOT NEW.is_open OR OLD.opened IS NOT NEW.opened OR OLD.party IS NOT NEW.party OR OLD.priority IS NOT NEW.priority OR OLD.state IS NOT NEW.state OR OLD.finished IS NOT NEW.finished BEGIN
    UPDATE itsm_ticket_count SET n = n - 1, opened_sum = opened_sum - OLD.opened, finished_n = finished_n - (OLD.finished IS NOT NULL), resolve_sum = resolve_sum - COALESCE(OLD.finished - OLD.opened, 0) WHERE kind = OLD.kind AND is_open = OLD.is_open AND month = strftime('%Y-%m', OLD.opened, 'unixepoch') AND party = OLD.party AND priority = OLD.priority AND state = OLD.state; INSERT INTO itsm_ticket_count (kind, is_open, month, party, priority, state, n, opened_sum, finished_n, resolve_sum) VALUES (NEW.kind, NEW.is_open, strftime('%Y-%m', NEW.opened, 'unixepoch'), NEW.party, NEW.priority, NEW.state, 1, NEW.opened, NEW.finished IS NOT NULL, COALESCE(NEW.finished - NEW.opened, 0)) ON CONFLICT (kind, is_open, month, party, priority, state) DO UPDATE SET n = n + 1, opened_sum = opened_sum + excluded.opened_sum, finished_n = finished_n + excluded.finished_n, resolve_sum = resolve_sum + excluded.resolve_sum; END;
-- A party's open tickets in order of opening: the aged view of a participant counts its
-- buckets as ranges of it and lists each bucket's oldest tickets in its order (before, the
-- planner read every party's open tickets of the bucket through itsm_ticket_open_opened and
-- each one's row for its party), as does a participant's list of open tickets by age.
CREATE INDEX IF NOT EXISTS itsm_ticket_party_open_opened ON itsm_ticket (kind, party, is_open, opened, id);
-- The running clocks by due time carry their warning time: the clocks in warning at a time
-- (due later, warning time passed) are a range of this index alone; before, each running clock
-- due later (5,646 of 1,000,000 incidents' clocks) was looked up in the table for its warning
-- time.
DROP INDEX itsm_sla_clock_due;
CREATE INDEX itsm_sla_clock_due ON itsm_sla_clock (kind, settled, due, ticket_id, warn_at);
