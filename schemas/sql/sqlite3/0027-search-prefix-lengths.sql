-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 27: the prefix index (schema 24) keeps the doclists of the 2- to
-- 6-character prefixes of its words, where it kept those of 2 and 3 characters.
-- FTS5 serves a prefix query from a prefix index of exactly the prefix's length (the
-- query's prefix as the tokenizer gives it: `supplie*` is `suppli*` after the porter
-- stemmer); any other prefix merges the doclists of every word it names over the whole
-- index: `servi*` 6.7 ms, `with*` 16.7 ms at 100,000 articles, against 0.2 ms from a prefix
-- index (docs/performance.md, "Prefixes of four to six characters"). The price is paid by
-- the kinds that declare prefix_index (articles, written seldom): about twice the index
-- work a write and 85 % more index on disk. FTS5 has no ALTER for its options: the index is
-- made anew and its rows copied (about 80 s at 100,000 articles, once, at the first start).
CREATE VIRTUAL TABLE itsm_search_prefix_27 USING fts5(title, keywords, body,
    ticket_id UNINDEXED, published UNINDEXED, tokenize = 'porter unicode61',
    prefix = '2 3 4 5 6');
INSERT INTO itsm_search_prefix_27 (rowid, title, keywords, body, ticket_id, published)
    SELECT rowid, title, keywords, body, ticket_id, published FROM itsm_search_prefix;
DROP TABLE itsm_search_prefix;
ALTER TABLE itsm_search_prefix_27 RENAME TO itsm_search_prefix;
