-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 17: on SQLite the store keeps itsm_ticket_count itself, in the transaction
-- of each write of a ticket (store.c, count_add and count_sub), instead of schema 15's
-- triggers. With a trigger on itsm_ticket, SQLite must be able to undo a ticket's INSERT or
-- UPDATE alone and copies every page the statement changes (the ticket row, its 12-15 index
-- entries, the count row) into a statement journal first: ~150k instructions per ticket
-- write, and past 64 KB a temporary file (docs/performance.md). The table and its rows stay
-- as they are: exact when this runs, kept exact by the store from then on.
DROP TRIGGER IF EXISTS itsm_ticket_count_insert;
DROP TRIGGER IF EXISTS itsm_ticket_count_delete;
DROP TRIGGER IF EXISTS itsm_ticket_count_update;
