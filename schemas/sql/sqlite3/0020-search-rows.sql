-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 20: what a search reads of each candidate, all in its itsm_search_row
-- (docs/performance.md, "A first search"): besides the copy's kind and party, whether its
-- audience holds "all" (everyone: a reader holding that key sees it without a look-up of
-- itsm_audience) and its length in tokens (dl: what FTS5 keeps in itsm_search_docsize,
-- which itsm_rank() would otherwise read per candidate). Kept by the store with each index
-- row (store_search.c, search_index); dl NULL: not known, itsm_rank() reads the index's.
-- The table is built anew (it may be schema 11's again: a database set back to schema 10).
DROP TABLE IF EXISTS itsm_search_row_20;
CREATE TABLE itsm_search_row_20 (
    rid INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    everyone INTEGER NOT NULL,
    dl INTEGER
);
-- dl: the sum of the varints of the row's itsm_search_docsize.sz (one per column, FTS5's
-- record format), decoded byte by byte: i the byte loaded into b, the one before added
INSERT INTO itsm_search_row_20 (rid, id, kind, party, everyone, dl)
WITH RECURSIVE v(id, h, i, b, cur, tot) AS (
    SELECT id, hex(sz), -1, 0, 0, 0 FROM itsm_search_docsize
    UNION ALL
    SELECT id, h, i + 2,
           (instr('0123456789ABCDEF', substr(h, i + 2, 1)) - 1) * 16
           + instr('0123456789ABCDEF', substr(h, i + 3, 1)) - 1,
           CASE WHEN b >= 128 THEN cur * 128 + b - 128 ELSE 0 END,
           CASE WHEN b >= 128 OR i < 1 THEN tot ELSE tot + cur * 128 + b END
    FROM v WHERE i < length(h)
),
sizes(id, dl) AS (SELECT id, tot FROM v WHERE i > length(h))
SELECT r.rid, r.id, r.kind, r.party,
       EXISTS (SELECT 1 FROM itsm_audience a WHERE a.ticket_id = r.id
               AND a.published = r.rid % 2 AND a.member = 'all'), z.dl
FROM sizes z JOIN itsm_search_row r ON r.rid = z.id;
-- (an index row without sizes: none is known; its length is then read from the index)
INSERT INTO itsm_search_row_20 (rid, id, kind, party, everyone, dl)
SELECT r.rid, r.id, r.kind, r.party,
       EXISTS (SELECT 1 FROM itsm_audience a WHERE a.ticket_id = r.id
               AND a.published = r.rid % 2 AND a.member = 'all'), NULL
FROM itsm_search_row r WHERE NOT EXISTS (SELECT 1 FROM itsm_search_row_20 n WHERE n.rid = r.rid);
DROP TABLE itsm_search_row;
ALTER TABLE itsm_search_row_20 RENAME TO itsm_search_row;
