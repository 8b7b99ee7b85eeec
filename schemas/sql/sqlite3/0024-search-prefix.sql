-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 24: a second search index with FTS5 prefix indexes, for the kinds that
-- declare itsm_search_t.prefix_index (docs/modules.md, Search).
-- The same columns and tokenizer as itsm_search (schema 7), and the doclists of every
-- 2- and 3-character prefix of its words kept beside those of the words: a prefix query
-- (`in*`) reads one doclist instead of merging those of every word it names over the whole
-- index, at the price of more index work on each write of the kind's tickets.
CREATE VIRTUAL TABLE IF NOT EXISTS itsm_search_prefix USING fts5(title, keywords, body,
    ticket_id UNINDEXED, published UNINDEXED, tokenize = 'porter unicode61', prefix = '2 3');
-- Which of the two indexes holds a kind's rows (prefix 1: itsm_search_prefix): a kind whose
-- declaration differs is moved at the next start (its rows dropped from both and indexed
-- again). The table made anew (SQLite adds no column only if it is missing): a database set
-- back and migrated again starts every kind at 0, and those declaring prefixes move again.
DROP TABLE IF EXISTS itsm_search_indexed_24;
CREATE TABLE itsm_search_indexed_24 (
    kind VARCHAR(40) PRIMARY KEY,
    prefix INTEGER NOT NULL DEFAULT 0
);
INSERT INTO itsm_search_indexed_24 (kind) SELECT kind FROM itsm_search_indexed;
DROP TABLE itsm_search_indexed;
ALTER TABLE itsm_search_indexed_24 RENAME TO itsm_search_indexed;
