-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 18: the open tickets of a resolver group, of an assignee and of an indexed
-- field value in partial indexes, in creation order. A list of a group's open tickets read the kind's open tickets
-- in order and each one's row for its group (1/12 of them matched at 1,000,000 incidents:
-- ~600 ticket rows for a page of 50), and a person's open tickets ("assigned to me, open")
-- read every open ticket of the kind (22,278 rows, 11 ms). is_open is repeated as a key
-- so that, without statistics, SQLite's planner prefers these (three equal terms) to
-- (kind, is_open, id); the statements say "t.is_open = 1" as the predicate, so both planners
-- take them. A ticket is in them only while open: a create writes an entry in each, a close
-- removes it.
CREATE INDEX IF NOT EXISTS itsm_ticket_grp_open ON itsm_ticket (kind, grp, is_open, id) WHERE is_open = 1;
CREATE INDEX IF NOT EXISTS itsm_ticket_assignee_open ON itsm_ticket (kind, assignee, is_open, id) WHERE is_open = 1;
-- The indexed field rows carry their ticket's open flag, written with the ticket's (store.c,
-- index_fields), and a field value's open tickets are a partial index in creation order: a
-- list of open tickets with a field filter over every party read the kind's open tickets and
-- probed each one's field row (~1,000 probes for a page of a value held by 1/20 of them).
-- is_open is a key here too, for the same reason as above.
-- (SQLite has no ADD COLUMN IF NOT EXISTS: a database whose schema is set back before 12
-- runs 12's rebuild of the table first, which leaves the column out.)
ALTER TABLE itsm_field_index ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0;
UPDATE itsm_field_index SET is_open = 1 WHERE ticket_id IN (SELECT id FROM itsm_ticket WHERE is_open = 1);
CREATE INDEX IF NOT EXISTS itsm_field_index_open ON itsm_field_index (kind, name, value, is_open, ticket_id) WHERE is_open = 1;
