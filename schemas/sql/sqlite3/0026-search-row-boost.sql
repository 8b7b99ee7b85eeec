-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 26: the value of a kind's boost field (itsm_search_t.boost_field, e.g. an
-- article's net helpfulness votes) in each of its itsm_search_row rows, beside the length
-- and the audience flag of schema 20: a search ranks each candidate by the value its row
-- holds instead of a look-up of the field's row per candidate (docs/performance.md, "A first
-- word's statement"). Kept by the store with each index row and each vote
-- (store_search.c: search_index, search_boost_rows). NULL: no value (ranked as 0).
-- itsm_search_indexed.boost names the field whose values a kind's rows hold ('': none); a
-- kind whose declaration differs has its rows' values read again at the next start
-- (search_backfill), which fills them the first time. Both tables made anew (SQLite adds no
-- column only if it is missing): a database set back and migrated again fills them again.
DROP TABLE IF EXISTS itsm_search_row_26;
CREATE TABLE itsm_search_row_26 (
    rid INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    everyone INTEGER NOT NULL,
    dl INTEGER,
    boost REAL
);
INSERT INTO itsm_search_row_26 (rid, id, kind, party, everyone, dl)
    SELECT rid, id, kind, party, everyone, dl FROM itsm_search_row;
DROP TABLE itsm_search_row;
ALTER TABLE itsm_search_row_26 RENAME TO itsm_search_row;
DROP TABLE IF EXISTS itsm_search_indexed_26;
CREATE TABLE itsm_search_indexed_26 (
    kind VARCHAR(40) PRIMARY KEY,
    prefix INTEGER NOT NULL DEFAULT 0,
    boost VARCHAR(64) NOT NULL DEFAULT ''
);
INSERT INTO itsm_search_indexed_26 (kind, prefix) SELECT kind, prefix FROM itsm_search_indexed;
DROP TABLE itsm_search_indexed;
ALTER TABLE itsm_search_indexed_26 RENAME TO itsm_search_indexed;
