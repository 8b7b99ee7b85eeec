-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 24: itsm_search_indexed says which index holds a kind's rows, as on
-- SQLite. PostgreSQL keeps one index: its GIN index over the tsvector serves a prefix
-- query (`word:*`) from the index's own ordered entries, so prefix is always 0 here.
ALTER TABLE itsm_search_indexed ADD COLUMN IF NOT EXISTS prefix INTEGER NOT NULL DEFAULT 0;
