-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 22: the SLA sweep pages through each kind's tickets with a running clock
-- on itsm_ticket_running (kind, id) WHERE sla_open = 1 (store.c, S_SLA_OPEN), so the index
-- of every kind's such tickets by id alone has no reader left: one b-tree entry less for
-- each write of a ticket with a running clock (docs/performance.md, "Sweep by kind").
-- A clock waiting for its event has no row since 2026-12-04 (store.c, index_clocks: no list
-- asks for "not-started"); the rows earlier trees wrote for such clocks go now rather than at
-- each ticket's next write (one pass over itsm_sla_clock: about a second a million clocks,
-- before the DROP INDEX, which on PostgreSQL holds itsm_ticket locked until the commit).
DELETE FROM itsm_sla_clock WHERE settled = 'not-started';
-- (IF EXISTS: a database set back to an older schema runs this again.)
DROP INDEX IF EXISTS itsm_ticket_sla_open;
