-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- bench/run --scale --db pgsql: bench/scale-sqlite3.sql for PostgreSQL (the same tickets),
-- run by psql with -v n=... -v now=... set.
BEGIN;
CREATE TEMP TABLE party (i INTEGER PRIMARY KEY, id TEXT);
INSERT INTO party VALUES (0, 'ALPE'), (1, 'BRMP'), (2, 'MTRW'), (3, 'ESGS'), (4, 'YKDN'),
    (5, 'NWDL'), (6, 'STCL'), (7, 'ELEX');
INSERT INTO party SELECT i, 'PX' || lpad(i::text, 2, '0') FROM generate_series(8, 49) i;
-- n: sequence; r: a hash of n in [0, 1000); age: seconds before (:now)::bigint (3 years down to 0).
-- Open: 60 % of the last 30 days, 3 % of the 150 days before (an aged backlog).
CREATE TEMP TABLE gen AS
SELECT n, (n * 7919 + n / 7) % 1000 AS r,
       CAST((:n - n) * (94608000.0 / :n) AS BIGINT) + (n * 104729) % 3600 AS age
FROM generate_series(1::bigint, :n) n;
CREATE TEMP TABLE t0 AS
SELECT n, r, age, (:now)::bigint - age AS opened,
       CASE WHEN (age < 2592000 AND r < 600) OR (age < 15552000 AND r < 30)
            THEN CASE r % 4 WHEN 0 THEN 'new' WHEN 1 THEN 'assigned'
                            WHEN 2 THEN 'in-progress' ELSE 'awaiting-info' END
            WHEN r % 20 = 7 THEN 'cancelled'
            WHEN age < 432000 THEN 'resolved' ELSE 'closed' END AS state,
       CASE WHEN r % 50 = 3 THEN 'P1' WHEN r % 50 < 8 THEN 'P2' WHEN r % 50 < 23 THEN 'P3'
            WHEN r % 50 < 45 THEN 'P4' ELSE 'P5' END AS priority,
       (n * 31) % 50 AS pi
FROM gen;
INSERT INTO itsm_ticket (id, number, kind, party, state, title, priority, assignee, grp,
                         opened, updated, created_by, version, fields, tags, sla_open, is_open,
                         sla_notified, finished)
SELECT n, 'INC' || lpad(n::text, 7, '0'), 'incident', p.id, state, 'Generated incident ' || n,
       priority, 'res' || (n % 300), 'Group ' || lpad((n % 12)::text, 2, '0'), opened,
       opened + (n % 86400), 'agent1', 1,
       'description' || E'\t' || 'Generated for bench/run --scale' || E'\n' ||
       'impact' || E'\t' || 'medium' || E'\n' || 'urgency' || E'\t' || 'medium' ||
       E'\n' || 'service' || E'\t' || 'Service ' || lpad((n % 20)::text, 2, '0') || E'\n' ||
       'category' || E'\t' || 'Category ' || lpad(((n / 20) % 40)::text, 2, '0') || E'\n' ||
       -- the clock history the SLA rows below summarise: responses 10 min after opening (2 h
       -- when missed), resolutions at half the target (twice when missed), pauses open
       CASE WHEN state = 'new' THEN '' ELSE 'sla.stop.response' || E'\t' ||
            (opened + CASE WHEN r % 10 = 0 THEN 7200 ELSE 600 END)::text || E'\n' END ||
       CASE WHEN state IN ('closed', 'resolved', 'cancelled') THEN 'sla.stop.resolution' ||
            E'\t' || (opened + CASE WHEN r % 7 = 0 THEN 4320000 ELSE 43200 END)::text || E'\n'
            WHEN state = 'awaiting-info' THEN 'sla.pauses' || E'\t' || (opened + 1200)::text ||
            ':0' || E'\n' ELSE '' END,
       '', CASE WHEN state IN ('closed', 'resolved', 'cancelled') OR priority = 'P5' THEN 0
                ELSE 1 END,
       CASE WHEN state IN ('closed', 'cancelled') THEN 0 ELSE 1 END, '',
       -- finished (entered a final state): at the resolution for the closed, a day on for the
       -- cancelled; the schema's triggers count each ticket in itsm_ticket_count as it goes in
       CASE WHEN state = 'closed' THEN opened + CASE WHEN r % 7 = 0 THEN 4320000 ELSE 43200 END
            WHEN state = 'cancelled' THEN opened + 86400 END
FROM t0 JOIN party p ON p.i = t0.pi;
-- the field rows carry their ticket's open flag (schema 18)
INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open)
SELECT n, 'incident', 'service', 'Service ' || lpad((n % 20)::text, 2, '0'),
       CASE WHEN state IN ('closed', 'cancelled') THEN 0 ELSE 1 END FROM t0;
INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open)
SELECT n, 'incident', 'category', 'Category ' || lpad(((n / 20) % 40)::text, 2, '0'),
       CASE WHEN state IN ('closed', 'cancelled') THEN 0 ELSE 1 END FROM t0;
-- clocks (targets of conf/itsm-sla.xml, business hours taken as wall time x 3): the response
-- runs while new, else stopped; the resolution runs while open, paused awaiting info.
INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due)
SELECT n, 'response', 'incident',
       CASE WHEN state = 'new' THEN '' WHEN r % 10 = 0 THEN 'missed' ELSE 'met' END,
       CASE WHEN state = 'new' THEN opened + (CASE priority WHEN 'P1' THEN 675 ELSE 4050 END) ELSE 0 END,
       CASE WHEN state = 'new' THEN opened + (CASE priority WHEN 'P1' THEN 900 ELSE 5400 END) ELSE 0 END
FROM t0 WHERE priority <> 'P5';
INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due)
SELECT n, 'resolution', 'incident',
       CASE WHEN state IN ('closed', 'resolved', 'cancelled')
                 THEN CASE WHEN r % 7 = 0 THEN 'missed' ELSE 'met' END
            WHEN state = 'awaiting-info' THEN CASE WHEN r % 3 = 0 THEN 'breached' ELSE 'in-sla' END
            ELSE '' END,
       CASE WHEN state IN ('new', 'assigned', 'in-progress') THEN opened + tgt * 3 / 4 ELSE 0 END,
       CASE WHEN state IN ('new', 'assigned', 'in-progress') THEN opened + tgt ELSE 0 END
FROM (SELECT t0.*, CASE priority WHEN 'P1' THEN 21600 WHEN 'P2' THEN 108000
                                 WHEN 'P3' THEN 540000 ELSE 2160000 END AS tgt FROM t0) x
WHERE priority <> 'P5';
SELECT setval('itsm_ticket_id_seq', :n);
UPDATE itsm_counter SET next_value = :n WHERE kind = 'incident';
COMMIT;
-- as autovacuum would leave the tables after such a load: the visibility map set (index-only
-- scans then read no table pages) and the count table's row versions of one million trigger
-- updates (schema 15) removed
VACUUM ANALYZE;
