-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- bench/run --scale --db pgsql: bench/scale-plans.sql for PostgreSQL (EXPLAIN ANALYZE: the
-- plan and its time), run by psql with -v now=... set.
\echo '-- state+priority (agent1)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.state = 'in-progress' AND t.priority = 'P3' ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- participant, open (alice: one party)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- participant, all (alice)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- provider, 3 parties, open (prov1: one ordered query per party, merged)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ESGS') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u0 UNION ALL SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u1 UNION ALL SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('MTRW') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u2 ORDER BY id LIMIT 51 OFFSET 0;
\echo '-- group+assignee'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.assignee = 'res7' AND t.grp = 'Group 07' ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- group, open'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.grp = 'Group 03' AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- indexed fields x2'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND f0.kind = 'incident' AND f0.name = 'service' AND f0.value = 'Service 03' JOIN itsm_field_index f1 ON f1.ticket_id = t.id AND f1.kind = 'incident' AND f1.name = 'category' AND f1.value = 'Category 07' WHERE t.kind = 'incident' ORDER BY f0.ticket_id LIMIT 51 OFFSET 0;
\echo '-- indexed field, open (the open tickets drive, each probes its field row)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND (SELECT fp.value FROM itsm_field_index fp WHERE fp.ticket_id = t.id AND fp.name = 'service') = 'Service 03' ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- sla=breached, its count first (set when at most 2000 clocks, else per row)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT COUNT(*) FROM (SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = 'breached' UNION ALL SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = '' AND c.due < :now LIMIT 2001) x;
\echo '-- sla=breached, per row over the tickets with a running clock (many clocks breached)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.sla_open = 1 AND EXISTS (SELECT 1 FROM itsm_sla_clock c WHERE c.ticket_id = t.id AND ((c.settled = '' AND c.due < :now) OR c.settled = 'breached')) ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- sla=warning, as a set (few clocks in warning)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.id IN (SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = 'warning' UNION ALL SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = '' AND c.due >= :now AND c.warn_at <= :now) ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- participant sla=breached'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.sla_open = 1 AND EXISTS (SELECT 1 FROM itsm_sla_clock c WHERE c.ticket_id = t.id AND ((c.settled = '' AND c.due < :now) OR c.settled = 'breached')) ORDER BY t.id LIMIT 51 OFFSET 0;
\echo '-- open, oldest first'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 ORDER BY t.opened, t.id LIMIT 51 OFFSET 0;
\echo '-- open, page 101'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 5000;
\echo '-- aged view: the counts of every bucket in one pass, then each bucket oldest 100'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT CASE WHEN t.opened >= :now - 1209599 THEN 0 WHEN t.opened >= :now - 2591999 THEN 1 WHEN t.opened >= :now - 5183999 THEN 2 WHEN t.opened >= :now - 7775999 THEN 3 WHEN t.opened >= :now - 10367999 THEN 4 ELSE 5 END, COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 GROUP BY 1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= :now - 2592000 AND t.opened <= :now - 1209600 ORDER BY t.opened, t.id LIMIT 101 OFFSET 0;
\echo '-- participant aged view: the counts in one pass'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT CASE WHEN t.opened >= :now - 1209599 THEN 0 WHEN t.opened >= :now - 2591999 THEN 1 WHEN t.opened >= :now - 5183999 THEN 2 WHEN t.opened >= :now - 7775999 THEN 3 WHEN t.opened >= :now - 10367999 THEN 4 ELSE 5 END, COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 GROUP BY 1;
\echo '-- month by priority'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.priority, COUNT(*), SUM(t.is_open), AVG(CASE WHEN t.is_open = 1 THEN t.opened END) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.opened >= :now - 2592000 AND t.opened <= :now GROUP BY 1 ORDER BY 1;
\echo '-- open by service'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT COALESCE((SELECT g.value FROM itsm_field_index g WHERE g.ticket_id = t.id AND g.name = 'service'), ''), COUNT(*), SUM(t.is_open), AVG(CASE WHEN t.is_open = 1 THEN t.opened END) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 GROUP BY 1 ORDER BY 1;
\echo '-- open, oldest first, the page after a ticket (after=: a row-value range on the index)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND (t.opened, t.id) > (:now - 5184000, 5000) ORDER BY t.opened, t.id LIMIT 51 OFFSET 0;
\echo '-- most recently changed first, after a ticket'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND (t.updated, t.id) < (:now - 864000, 5000) ORDER BY t.updated DESC, t.id DESC LIMIT 51 OFFSET 0;
\echo '-- provider, 3 parties, open, after a ticket (each party''s query starts after it)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ESGS') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u0 UNION ALL SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u1 UNION ALL SELECT * FROM (SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('MTRW') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u2 ORDER BY id LIMIT 51 OFFSET 0;
\echo '-- indexed field, after a ticket'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND f0.kind = 'incident' AND f0.name = 'service' AND f0.value = 'Service 03' WHERE t.kind = 'incident' AND f0.ticket_id > 500000 ORDER BY f0.ticket_id LIMIT 51 OFFSET 0;
\echo '-- the major-incident banner of every portal page (a public view: the tagged tickets)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.tags <> '' AND STRPOS(t.tags, ',major,') > 0 ORDER BY t.id LIMIT 200;
