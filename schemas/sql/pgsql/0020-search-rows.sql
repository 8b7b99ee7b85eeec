-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 20: whether the audience of an index row's copy holds "all" (everyone:
-- a reader holding that key sees it without a look-up of itsm_audience), kept by the store
-- with each index row (store_search.c, search_index), as on SQLite (which also keeps each
-- row's length there for its ranking function; ts_rank_cd reads the row's tsvector).
ALTER TABLE itsm_search_row ADD COLUMN IF NOT EXISTS everyone SMALLINT NOT NULL DEFAULT 0;
UPDATE itsm_search_row r SET everyone = 1 WHERE EXISTS (SELECT 1 FROM itsm_audience a
    WHERE a.ticket_id = r.id AND a.published = r.rid % 2 AND a.member = 'all');
