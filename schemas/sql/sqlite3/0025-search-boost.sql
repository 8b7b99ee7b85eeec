-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 25: the generation of a kind's boost values (itsm_search_t.boost_field,
-- e.g. an article's net helpfulness votes) in a column of its own. A vote that changes a
-- value moves it (search_touch_boost): a cached answer of the kind is then stale (its order
-- may change), but the search index is the same, so the ranking function's kept counts stay
-- (they follow gen only). Schema 24's trees kept it in a row of its own named '+' and the
-- kind; those rows are folded in here. The table is made anew (SQLite adds no column only if
-- it is missing): a database set back and migrated again starts the boost generations at 0,
-- which no cached answer outlives (the caches are the processes' own, and migrations run as
-- they start).
DROP TABLE IF EXISTS itsm_search_gen_25;
CREATE TABLE itsm_search_gen_25 (
    kind VARCHAR(40) PRIMARY KEY,
    gen BIGINT NOT NULL,
    boost BIGINT NOT NULL DEFAULT 0
);
INSERT INTO itsm_search_gen_25 (kind, gen) SELECT kind, gen FROM itsm_search_gen
    WHERE kind NOT LIKE '+%';
INSERT INTO itsm_search_gen_25 (kind, gen, boost)
    SELECT substr(kind, 2), 0, gen FROM itsm_search_gen WHERE kind LIKE '+%'
    ON CONFLICT (kind) DO UPDATE SET boost = excluded.boost;
DROP TABLE itsm_search_gen;
ALTER TABLE itsm_search_gen_25 RENAME TO itsm_search_gen;
