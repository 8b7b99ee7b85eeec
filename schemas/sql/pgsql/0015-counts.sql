-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 15: counts of tickets kept with the tickets, a party's open tickets by
-- opening time, the running clocks' due index carrying their warning time (as
-- schemas/sql/sqlite3/0015-counts.sql, which says why).
DROP TRIGGER IF EXISTS itsm_ticket_count_insert_delete ON itsm_ticket;
DROP TRIGGER IF EXISTS itsm_ticket_count_update ON itsm_ticket;
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
);
DELETE FROM itsm_ticket_count;
INSERT INTO itsm_ticket_count (kind, is_open, month, party, priority, state, n, opened_sum,
                               finished_n, resolve_sum)
    SELECT kind, is_open, to_char(to_timestamp(opened) AT TIME ZONE 'UTC', 'YYYY-MM'), party,
           priority, state, COUNT(*), SUM(opened), COUNT(finished),
           COALESCE(SUM(finished - opened), 0)
    FROM itsm_ticket GROUP BY 1, 2, 3, 4, 5, 6;
-- (no line of the function but its last ends in ';': a migration file is split at such lines)
CREATE OR REPLACE FUNCTION itsm_ticket_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN UPDATE itsm_ticket_count SET n = n - 1, opened_sum = opened_sum - OLD.opened, finished_n = finished_n - (CASE WHEN OLD.finished IS NULL THEN 0 ELSE 1 END), resolve_sum = resolve_sum - COALESCE(OLD.finished - OLD.opened, 0) WHERE kind = OLD.kind AND is_open = OLD.is_open AND month = to_char(to_timestamp(OLD.opened) AT TIME ZONE 'UTC', 'YYYY-MM') AND party = OLD.party AND priority = OLD.priority AND state = OLD.state; END IF; IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO itsm_ticket_count AS c (kind, is_open, month, party, priority, state, n, opened_sum, finished_n, resolve_sum) VALUES (NEW.kind, NEW.is_open, to_char(to_timestamp(NEW.opened) AT TIME ZONE 'UTC', 'YYYY-MM'), NEW.party, NEW.priority, NEW.state, 1, NEW.opened, CASE WHEN NEW.finished IS NULL THEN 0 ELSE 1 END, COALESCE(NEW.finished - NEW.opened, 0)) ON CONFLICT (kind, is_open, month, party, priority, state) DO UPDATE SET n = c.n + 1, opened_sum = c.opened_sum + excluded.opened_sum, finished_n = c.finished_n + excluded.finished_n, resolve_sum = c.resolve_sum + excluded.resolve_sum; END IF; RETURN NULL; END $$;
CREATE TRIGGER itsm_ticket_count_insert_delete AFTER INSERT OR DELETE ON itsm_ticket
    FOR EACH ROW EXECUTE FUNCTION itsm_ticket_count_keep();
CREATE TRIGGER itsm_ticket_count_update AFTER UPDATE OF kind, is_open, opened, party, priority, state, finished ON itsm_ticket
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.is_open IS DISTINCT FROM NEW.is_open OR OLD.opened IS DISTINCT FROM NEW.opened OR OLD.party IS DISTINCT FROM NEW.party OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.state IS DISTINCT FROM NEW.state OR OLD.finished IS DISTINCT FROM NEW.finished)
    EXECUTE FUNCTION itsm_ticket_count_keep();
CREATE INDEX IF NOT EXISTS itsm_ticket_party_open_opened ON itsm_ticket (kind, party, is_open, opened, id);
DROP INDEX itsm_sla_clock_due;
CREATE INDEX itsm_sla_clock_due ON itsm_sla_clock (kind, settled, due, ticket_id) INCLUDE (warn_at);
