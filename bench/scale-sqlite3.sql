-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- bench/run --scale: @n incidents across 50 parties written straight into a migrated SQLite
-- database (schema 5), with their indexed fields (service, category) and SLA clocks, in one
-- transaction. Deterministic: every value follows from the ticket's sequence number. Run by
-- the sqlite3 shell with @n (tickets) and @now (epoch seconds) set. No journal entries: the
-- lists, counts and the aged view do not read them.
PRAGMA busy_timeout = 60000;
BEGIN IMMEDIATE;
CREATE TEMP TABLE party (i INTEGER PRIMARY KEY, id TEXT);
INSERT INTO party VALUES (0, 'ALPE'), (1, 'BRMP'), (2, 'MTRW'), (3, 'ESGS'), (4, 'YKDN'),
    (5, 'NWDL'), (6, 'STCL'), (7, 'ELEX');
WITH RECURSIVE k(i) AS (SELECT 8 UNION ALL SELECT i + 1 FROM k WHERE i < 49)
INSERT INTO party SELECT i, printf('PX%02d', i) FROM k;
-- n: sequence; r: a hash of n in [0, 1000); age: seconds before @now (3 years down to 0).
-- Open: 60 % of the last 30 days, 3 % of the 150 days before (an aged backlog).
CREATE TEMP TABLE gen AS
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < @n)
SELECT n, (n * 7919 + n / 7) % 1000 AS r,
       CAST((@n - n) * (94608000.0 / @n) AS INTEGER) + (n * 104729) % 3600 AS age
FROM seq;
CREATE TEMP TABLE t0 AS
SELECT n, r, age, @now - age AS opened,
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
SELECT n, printf('INC%07d', n), 'incident', p.id, state, printf('Generated incident %d', n),
       priority, printf('res%d', n % 300), printf('Group %02d', n % 12), opened,
       opened + (n % 86400), 'agent1', 1,
       'description' || char(9) || 'Generated for bench/run --scale' || char(10) ||
       'impact' || char(9) || 'medium' || char(10) || 'urgency' || char(9) || 'medium' ||
       char(10) || 'service' || char(9) || printf('Service %02d', n % 20) || char(10) ||
       'category' || char(9) || printf('Category %02d', (n / 20) % 40) || char(10) ||
       -- the clock history the SLA rows below summarise: responses 10 min after opening (2 h
       -- when missed), resolutions at half the target (twice when missed), pauses open
       CASE WHEN state = 'new' THEN '' ELSE 'sla.stop.response' || char(9) ||
            (opened + CASE WHEN r % 10 = 0 THEN 7200 ELSE 600 END) || char(10) END ||
       CASE WHEN state IN ('closed', 'resolved', 'cancelled') THEN 'sla.stop.resolution' ||
            char(9) || (opened + CASE WHEN r % 7 = 0 THEN 4320000 ELSE 43200 END) || char(10)
            WHEN state = 'awaiting-info' THEN 'sla.pauses' || char(9) || (opened + 1200) ||
            ':0' || char(10) ELSE '' END,
       '', CASE WHEN state IN ('closed', 'resolved', 'cancelled') OR priority = 'P5' THEN 0
                ELSE 1 END,
       CASE WHEN state IN ('closed', 'cancelled') THEN 0 ELSE 1 END, '',
       -- finished (entered a final state): at the resolution for the closed, a day on for the
       -- cancelled (bench/run then fills itsm_ticket_count as schema 15 does: since schema
       -- 17 the server keeps it with its own writes on SQLite, no trigger counts these)
       CASE WHEN state = 'closed' THEN opened + CASE WHEN r % 7 = 0 THEN 4320000 ELSE 43200 END
            WHEN state = 'cancelled' THEN opened + 86400 END
FROM t0 JOIN party p ON p.i = t0.pi;
-- field and clock rows in ticket order, as the server writes them (a ticket's rows at once):
-- the tables are keyed by (ticket_id, name) WITHOUT ROWID (schema 11), and a pass per field
-- would interleave each row into half-split pages all over the table
-- (with their ticket's open flag: schema 18)
INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open)
SELECT n, 'incident', 'category', printf('Category %02d', (n / 20) % 40),
       state NOT IN ('closed', 'cancelled') FROM t0
UNION ALL SELECT n, 'incident', 'service', printf('Service %02d', n % 20),
       state NOT IN ('closed', 'cancelled') FROM t0
ORDER BY 1, 3;
-- clocks (targets of conf/itsm-sla.xml, business hours taken as wall time x 3): the response
-- runs while new, else stopped; the resolution runs while open, paused awaiting info.
INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due)
SELECT n, 'response', 'incident',
       CASE WHEN state = 'new' THEN '' WHEN r % 10 = 0 THEN 'missed' ELSE 'met' END,
       CASE WHEN state = 'new' THEN opened + (CASE priority WHEN 'P1' THEN 675 ELSE 4050 END) ELSE 0 END,
       CASE WHEN state = 'new' THEN opened + (CASE priority WHEN 'P1' THEN 900 ELSE 5400 END) ELSE 0 END
FROM t0 WHERE priority <> 'P5'
UNION ALL
SELECT n, 'resolution', 'incident',
       CASE WHEN state IN ('closed', 'resolved', 'cancelled')
                 THEN CASE WHEN r % 7 = 0 THEN 'missed' ELSE 'met' END
            WHEN state = 'awaiting-info' THEN CASE WHEN r % 3 = 0 THEN 'breached' ELSE 'in-sla' END
            ELSE '' END,
       CASE WHEN state IN ('new', 'assigned', 'in-progress') THEN opened + tgt * 3 / 4 ELSE 0 END,
       CASE WHEN state IN ('new', 'assigned', 'in-progress') THEN opened + tgt ELSE 0 END
FROM (SELECT t0.*, CASE priority WHEN 'P1' THEN 21600 WHEN 'P2' THEN 108000
                                 WHEN 'P3' THEN 540000 ELSE 2160000 END AS tgt FROM t0)
WHERE priority <> 'P5'
ORDER BY 1, 2;
UPDATE itsm_counter SET next_value = @n WHERE kind = 'incident';
COMMIT;
