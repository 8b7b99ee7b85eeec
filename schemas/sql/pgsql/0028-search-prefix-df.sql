-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 28: on SQLite the prefix index keeps its number of rows per word for the
-- ranking's idf. PostgreSQL ranks with ts_rank_cd, which has no idf: nothing to change but
-- the version, which both stores share.
COMMENT ON TABLE itsm_search IS 'mod_itsm search index (schema 7); prefixes served by its GIN index; no counts per word (ts_rank_cd)';
