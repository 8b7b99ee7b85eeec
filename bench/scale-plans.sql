-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- bench/run --scale: EXPLAIN QUERY PLAN of the statements the store composes for the lists,
-- counts and SLA filters the bench measures (modules/core/store.c, from_where and list_sql),
-- with the bench's values in place of the bound parameters. Every list must read an index
-- range in its order (SEARCH ... USING INDEX, no TEMP B-TREE FOR ORDER BY on a large set).
.print '-- state+priority (agent1)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.state = 'in-progress' AND t.priority = 'P3' ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- participant, open (alice: one party)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- participant, all (alice)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- provider, 3 parties, open (prov1: one ordered query of ids per party, merged; then the page's rows (schema 18))'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.id IN (SELECT w.id FROM (SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ESGS') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u0 UNION ALL SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u1 UNION ALL SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('MTRW') AND t.is_open = 1 ORDER BY t.id LIMIT 51) u2) w ORDER BY id LIMIT 51 OFFSET 0) ORDER BY t.id;
.print '-- group+assignee'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.assignee = 'res7' AND t.grp = 'Group 07' ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- group, open'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.grp = 'Group 03' AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- assignee, open (schema 18: the open tickets of an assignee)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.assignee = 'res7' AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- indexed fields x2 (the sparser value drives: the category)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND f0.kind = 'incident' AND f0.name = 'category' AND f0.value = 'Category 07' JOIN itsm_field_index f1 ON f1.ticket_id = f0.ticket_id AND f1.kind = 'incident' AND f1.name = 'service' AND f1.value = 'Service 03' WHERE t.kind = 'incident' ORDER BY f0.ticket_id LIMIT 51 OFFSET 0;
.print '-- indexed field, open (schema 18: the open rows of the field value drive)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND f0.kind = 'incident' AND f0.name = 'service' AND f0.value = 'Service 03' AND f0.is_open = 1 WHERE t.kind = 'incident' AND t.is_open = 1 ORDER BY f0.ticket_id LIMIT 51 OFFSET 0;
.print '-- sla=breached, its count first (set when at most 2000 clocks, else per row)'
EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = 'breached' UNION ALL SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = '' AND c.due < @now LIMIT 2001) x;
.print '-- sla=breached, per row over the tickets with a running clock (many clocks breached)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.sla_open = 1 AND EXISTS (SELECT 1 FROM itsm_sla_clock c WHERE c.ticket_id = t.id AND ((c.settled = '' AND c.due < @now) OR c.settled = 'breached')) ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- sla=warning, as a set (few clocks in warning), read by ticket id in order'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE +t.kind = 'incident' AND t.id IN (SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = 'warning' UNION ALL SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = 'incident' AND c.settled = '' AND c.due >= @now AND +c.warn_at <= @now) ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- participant sla=breached'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.sla_open = 1 AND EXISTS (SELECT 1 FROM itsm_sla_clock c WHERE c.ticket_id = t.id AND ((c.settled = '' AND c.due < @now) OR c.settled = 'breached')) ORDER BY t.id LIMIT 51 OFFSET 0;
.print '-- open, oldest first'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 ORDER BY t.opened, t.id LIMIT 51 OFFSET 0;
.print '-- open, page 101'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 ORDER BY t.id LIMIT 51 OFFSET 5000;
.print '-- aged view: the count of each bucket as a range of the open tickets by opening, then each bucket''s oldest 100'
EXPLAIN QUERY PLAN SELECT (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= CAST(@now - 1209599 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= CAST(@now - 2591999 AS BIGINT) AND t.opened < CAST(@now - 1209599 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= CAST(@now - 5183999 AS BIGINT) AND t.opened < CAST(@now - 2591999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= CAST(@now - 7775999 AS BIGINT) AND t.opened < CAST(@now - 5183999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= CAST(@now - 10367999 AS BIGINT) AND t.opened < CAST(@now - 7775999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened < CAST(@now - 10367999 AS BIGINT));
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND t.opened >= @now - 2592000 AND t.opened <= @now - 1209600 ORDER BY t.opened, t.id LIMIT 101 OFFSET 0;
.print '-- participant aged view: the bucket counts (ranges of the party''s open tickets by opening), a bucket''s oldest'
EXPLAIN QUERY PLAN SELECT (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= CAST(@now - 1209599 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= CAST(@now - 2591999 AS BIGINT) AND t.opened < CAST(@now - 1209599 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= CAST(@now - 5183999 AS BIGINT) AND t.opened < CAST(@now - 2591999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= CAST(@now - 7775999 AS BIGINT) AND t.opened < CAST(@now - 5183999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= CAST(@now - 10367999 AS BIGINT) AND t.opened < CAST(@now - 7775999 AS BIGINT)), (SELECT COUNT(*) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened < CAST(@now - 10367999 AS BIGINT));
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.opened >= @now - 2592000 AND t.opened <= @now - 1209600 ORDER BY t.opened, t.id LIMIT 101 OFFSET 0;
.print '-- month by priority (from the count table, schema 15)'
EXPLAIN QUERY PLAN SELECT t.priority, SUM(t.n), SUM(CASE WHEN t.is_open = 1 THEN t.n ELSE 0 END), SUM(CASE WHEN t.is_open = 1 THEN t.opened_sum END) * 1.0 / NULLIF(SUM(CASE WHEN t.is_open = 1 THEN t.n END), 0), SUM(CASE WHEN t.is_open = 0 THEN t.finished_n END), SUM(CASE WHEN t.is_open = 0 THEN t.resolve_sum END) * 1.0 / NULLIF(SUM(CASE WHEN t.is_open = 0 THEN t.finished_n END), 0) FROM itsm_ticket_count t WHERE t.kind = 'incident' AND t.is_open IN (0, 1) AND t.month = strftime('%Y-%m', @now - 1728000, 'unixepoch') GROUP BY 1 HAVING SUM(t.n) > 0 ORDER BY 1;
.print '-- open by service'
EXPLAIN QUERY PLAN SELECT COALESCE((SELECT g.value FROM itsm_field_index g WHERE g.ticket_id = t.id AND g.name = 'service'), ''), COUNT(*), SUM(t.is_open), AVG(CASE WHEN t.is_open = 1 THEN t.opened END) FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 GROUP BY 1 ORDER BY 1;
.print '-- open, oldest first, the page after a ticket (after=: a row-value range on the index)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.is_open = 1 AND (t.opened, t.id) > (@now - 5184000, 5000) ORDER BY t.opened, t.id LIMIT 51 OFFSET 0;
.print '-- most recently changed first, after a ticket'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND (t.updated, t.id) < (@now - 864000, 5000) ORDER BY t.updated DESC, t.id DESC LIMIT 51 OFFSET 0;
.print '-- provider, 3 parties, open, after a ticket (each party''s query starts after it)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.id IN (SELECT w.id FROM (SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ESGS') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u0 UNION ALL SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('ALPE') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u1 UNION ALL SELECT * FROM (SELECT t.id FROM itsm_ticket t WHERE t.kind = 'incident' AND t.party IN ('MTRW') AND t.is_open = 1 AND t.id > 500000 ORDER BY t.id LIMIT 51) u2) w ORDER BY id LIMIT 51 OFFSET 0) ORDER BY t.id;
.print '-- indexed field, after a ticket'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND f0.kind = 'incident' AND f0.name = 'service' AND f0.value = 'Service 03' WHERE t.kind = 'incident' AND f0.ticket_id > 500000 ORDER BY f0.ticket_id LIMIT 51 OFFSET 0;
.print '-- the major-incident banner of every portal page (a public view: the tagged tickets)'
EXPLAIN QUERY PLAN SELECT t.* FROM itsm_ticket t WHERE t.kind = 'incident' AND t.tags <> '' AND instr(t.tags, ',major,') > 0 ORDER BY t.id LIMIT 200;
