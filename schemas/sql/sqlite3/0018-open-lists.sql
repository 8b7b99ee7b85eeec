-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 18: the open tickets of a resolver group and of an assignee in partial
-- indexes, in creation order. A list of a group's open tickets read the kind's open tickets
-- in order and each one's row for its group (1/12 of them matched at 1,000,000 incidents:
-- ~600 ticket rows for a page of 50), and a person's open tickets ("assigned to me, open")
-- read every open ticket of the kind (22,278 rows, 11 ms). is_open is repeated as a key
-- so that, without statistics, SQLite's planner prefers these (three equal terms) to
-- (kind, is_open, id); the statements say "t.is_open = 1" as the predicate, so both planners
-- take them. A ticket is in them only while open: a create writes an entry in each, a close
-- removes it.
CREATE INDEX IF NOT EXISTS itsm_ticket_grp_open ON itsm_ticket (kind, grp, is_open, id) WHERE is_open = 1;
CREATE INDEX IF NOT EXISTS itsm_ticket_assignee_open ON itsm_ticket (kind, assignee, is_open, id) WHERE is_open = 1;
