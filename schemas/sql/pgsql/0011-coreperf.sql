-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 11: fewer and cheaper index writes per ticket write, counts from an index.
-- The tickets with a running SLA clock (sla_open = 1, the only value any statement asks for)
-- in partial indexes: a ticket without a running clock (most of them, and every ticket of a
-- kind without clocks) has no entry to write, move or read past.
DROP INDEX itsm_ticket_sla_open;
CREATE INDEX itsm_ticket_sla_open ON itsm_ticket (id) WHERE sla_open = 1;
DROP INDEX itsm_ticket_running;
CREATE INDEX itsm_ticket_running ON itsm_ticket (kind, id) WHERE sla_open = 1;
-- a party's tickets with a running clock (a participant's list by SLA status), which the
-- planner otherwise reads through all of the party's tickets
CREATE INDEX itsm_ticket_party_running ON itsm_ticket (kind, party, id) WHERE sla_open = 1;
-- The opening-time index carries every column a count groups by or sums (GET
-- /{collection}/stats, the aged view), so a count over a range of opening times (a month)
-- can be an index-only scan.
DROP INDEX itsm_ticket_opened;
CREATE INDEX itsm_ticket_opened ON itsm_ticket (kind, opened, id)
    INCLUDE (is_open, finished, priority, state, grp, assignee, party);
-- (SQLite also keeps its field and clock rows WITHOUT ROWID; PostgreSQL's heap and primary
-- key index stay as they are.)
