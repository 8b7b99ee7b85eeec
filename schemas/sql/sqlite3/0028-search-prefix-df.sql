-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 28: the prefix index's number of rows per word (the porter stem, as the
-- index keeps it), which bm25()'s idf needs for each word of a query. FTS5 counts them by
-- walking the word's whole doclist (a word in most of 100,000 articles: about 4 ms of a
-- first search's 7); itsm_rank_prefix() looks them up here instead, in the snapshot of the
-- search it ranks (store_fts5.c, word_rows), so that a first search and the first search
-- after an article's write pay no count for its words. The store keeps it in the transaction
-- of each write of the index (store_search.c, search_terms_count: the words the row gains
-- and loses, read with the index's own tokenizer by itsm_terms()); a kind made anew in the
-- index (search_backfill) has it made anew from FTS5's own counts, as here.
-- Phrases and prefixes are still counted by FTS5 (once per generation, as before).
-- Run again (DELETE FROM itsm_schema WHERE version >= 28, then a restart) to make it anew.
CREATE TABLE IF NOT EXISTS itsm_search_prefix_df (
    term TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
DELETE FROM itsm_search_prefix_df;
CREATE VIRTUAL TABLE temp.itsm_search_prefix_vocab USING fts5vocab(main, itsm_search_prefix, 'row');
INSERT INTO itsm_search_prefix_df (term, n) SELECT term, doc FROM temp.itsm_search_prefix_vocab;
-- the row '' (a word no tokenizer gives): the number of index rows the table counts over,
-- which the ranking compares with the index's own before it trusts the table (an older
-- build's creates and deletes, which leave the table behind, make them differ: then FTS5
-- counts again)
INSERT INTO itsm_search_prefix_df (term, n) SELECT '', count(*) FROM itsm_search_prefix;
DROP TABLE temp.itsm_search_prefix_vocab;
