-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 7: full-text search, synonyms and search analytics (kinds declaring
-- itsm_kind_t.search; docs/modules.md, Search).
-- The search index: one row per ticket of a searchable kind for its working copy
-- (published 0), and for a versioned kind one more for its current published version
-- (published 1); rowid = ticket_id * 2 + published. Written in the transaction of each
-- create, change, publish and withdraw. Columns by weight (bm25 10, 4, 1): title, keywords,
-- body. English stemming (porter) over unicode61; no stop words, no minimum length.
CREATE VIRTUAL TABLE itsm_search USING fts5(title, keywords, body, ticket_id UNINDEXED,
    published UNINDEXED, tokenize = 'porter unicode61');
-- Which kinds' tickets itsm_search holds: a kind that starts to declare search is
-- back-filled once, at the next start.
CREATE TABLE itsm_search_indexed (
    kind VARCHAR(40) PRIMARY KEY
);
-- Synonyms (kinds declaring a synonym field, the glossary): term and expansion normalised
-- (lower case words, one space), one row each way, of the copy that defines them (a
-- versioned kind's current published version, else the ticket).
CREATE TABLE itsm_synonym (
    ticket_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    term VARCHAR(200) NOT NULL,
    expansion VARCHAR(200) NOT NULL,
    PRIMARY KEY (ticket_id, term, expansion)
);
CREATE INDEX itsm_synonym_term ON itsm_synonym (term, expansion);
-- Search gaps: per searched kind, party of the searcher and normalised query, the searches
-- that found nothing (misses) and the failed deflections (a search that found tickets,
-- followed within the window by a deflection target's ticket raised by the same person).
CREATE TABLE itsm_search_gap (
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    query VARCHAR(1100) NOT NULL,
    misses BIGINT NOT NULL,
    deflections BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (kind, party, query)
);
CREATE INDEX itsm_search_gap_kind ON itsm_search_gap (kind, last_seen);
-- The last search per person and kind that found tickets (a deflection candidate).
CREATE TABLE itsm_search_recent (
    login VARCHAR(100) NOT NULL,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    query VARCHAR(1100) NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (login, kind)
);
