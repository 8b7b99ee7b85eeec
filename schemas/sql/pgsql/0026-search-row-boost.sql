-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 26: the value of a kind's boost field (itsm_search_t.boost_field, e.g. an
-- article's net helpfulness votes) in each of its itsm_search_row rows, as on SQLite: a
-- search ranks each candidate by the value its row holds instead of a look-up of the
-- field's row per candidate. NULL: no value (ranked as 0). itsm_search_indexed.boost names
-- the field whose values a kind's rows hold ('': none); a kind whose declaration differs has
-- its rows' values read again at the next start (search_backfill), which fills them the
-- first time; a database set back and migrated again is filled again.
ALTER TABLE itsm_search_row ADD COLUMN IF NOT EXISTS boost DOUBLE PRECISION;
ALTER TABLE itsm_search_indexed ADD COLUMN IF NOT EXISTS boost VARCHAR(64) NOT NULL DEFAULT '';
UPDATE itsm_search_indexed SET boost = '';
