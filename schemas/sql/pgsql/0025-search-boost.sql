-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 25: the generation of a kind's boost values (itsm_search_t.boost_field,
-- e.g. an article's net helpfulness votes) in a column of its own, as on SQLite. A vote that
-- changes a value moves it (search_touch_boost): a cached answer of the kind is then stale,
-- but the search index is the same. Schema 24's trees kept it in a row of its own named '+'
-- and the kind; those rows are folded in here.
ALTER TABLE itsm_search_gen ADD COLUMN IF NOT EXISTS boost BIGINT NOT NULL DEFAULT 0;
INSERT INTO itsm_search_gen (kind, gen, boost)
    SELECT substr(kind, 2), 0, gen FROM itsm_search_gen WHERE kind LIKE '+%'
    ON CONFLICT (kind) DO UPDATE SET boost = excluded.boost;
DELETE FROM itsm_search_gen WHERE kind LIKE '+%';
