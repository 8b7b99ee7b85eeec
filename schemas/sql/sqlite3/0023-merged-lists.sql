-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 23: fewer indexes a ticket write updates. A list in creation or opening
-- order over open and closed tickets alike is read as the merge of two ordered ranges, its
-- closed and its open tickets (store.c, open_merged and list_sql), so an index that holds
-- is_open before the id or the opening time serves both it and the open tickets' list:
--   (kind, id)                          -> itsm_ticket_open (kind, is_open, id), kept
--   (party, kind, id)                   -> itsm_ticket_party_open (kind, party, is_open, id,
--                                          opened), kept
--   (kind, opened, id)                  -> itsm_ticket_open_opened (kind, is_open, opened,
--                                          id, finished), kept
--   (kind, grp, id) and its open part   -> (kind, grp, is_open, id)
--   (kind, assignee, id) and open part  -> (kind, assignee, is_open, id)
--   the field index's (kind, name, value, ticket_id) and its open part
--                                       -> (kind, name, value, is_open, ticket_id)
-- The SLA clocks' index by warning time goes too: a clock in SLA (warn_at > now) is one whose
-- due time is later still (warn_at <= due: warningPercent is at most 100), so "in-sla" reads
-- a range of itsm_sla_clock_due, which holds warn_at (store.c, sla_statuses).
-- Nine b-tree entries less for a problem create with three indexed fields and a running
-- clock (docs/performance.md, "Merged lists"). The new indexes are built before the old
-- ones go.
-- The same text for both dialects (schemas/sql/pgsql/ holds a link to this file).
-- (IF NOT EXISTS, IF EXISTS: a database set back to an older schema runs this again.)
CREATE INDEX IF NOT EXISTS itsm_ticket_grp_lists ON itsm_ticket (kind, grp, is_open, id);
CREATE INDEX IF NOT EXISTS itsm_ticket_assignee_lists ON itsm_ticket (kind, assignee, is_open, id);
CREATE INDEX IF NOT EXISTS itsm_field_index_lists ON itsm_field_index (kind, name, value, is_open, ticket_id);
DROP INDEX IF EXISTS itsm_ticket_kind;
DROP INDEX IF EXISTS itsm_ticket_party;
DROP INDEX IF EXISTS itsm_ticket_opened;
DROP INDEX IF EXISTS itsm_ticket_grp;
DROP INDEX IF EXISTS itsm_ticket_grp_open;
DROP INDEX IF EXISTS itsm_ticket_assignee;
DROP INDEX IF EXISTS itsm_ticket_assignee_open;
DROP INDEX IF EXISTS itsm_field_index_value;
DROP INDEX IF EXISTS itsm_field_index_open;
DROP INDEX IF EXISTS itsm_sla_clock_warn;
