-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 27: on SQLite the prefix index keeps the prefixes of 2 to 6 characters.
-- PostgreSQL's GIN index over the tsvector serves a prefix query (`word:*`) of any length
-- from its ordered entries: nothing to change but the version, which both stores share.
COMMENT ON TABLE itsm_search IS 'mod_itsm search index (schema 7); prefixes served by its GIN index';
