-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- bench/kb-pgsql.sql -- load what bench/kb-gen.py wrote for PostgreSQL (TSV files in the
-- current directory) into the store, the search index's tsvector as the store computes it
-- (store_search.c: english and simple, title A, keywords B, body D). Run by bench/run --kb
-- --db pgsql with psql as the application's role.
BEGIN;
\copy itsm_ticket (id, number, kind, party, state, title, priority, assignee, grp, opened, updated, created_by, version, fields, tags, sla_open, sla_notified, is_open) FROM 'itsm_ticket.tsv'
\copy itsm_version (ticket_id, n, at, actor, title, state, fields, ticket_version, current) FROM 'itsm_version.tsv'
\copy itsm_audience (ticket_id, published, member) FROM 'itsm_audience.tsv'
\copy itsm_field_index (ticket_id, kind, name, value, is_open) FROM 'itsm_field_index.tsv'
\copy itsm_unique (kind, name, value, ticket_id) FROM 'itsm_unique.tsv'
\copy itsm_synonym (ticket_id, term, expansion) FROM 'itsm_synonym.tsv'
\copy itsm_search_row (rid, id, kind, party, everyone) FROM 'itsm_search_row.tsv'
CREATE TEMPORARY TABLE kb_search (rid BIGINT, title TEXT, keywords TEXT, body TEXT,
                                  ticket_id BIGINT, published INTEGER);
\copy kb_search FROM 'itsm_search.tsv'
INSERT INTO itsm_search (ticket_id, published, title, keywords, body, doc)
SELECT ticket_id, published, title, keywords, body,
       setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('simple', title), 'A')
       || setweight(to_tsvector('english', keywords), 'B')
       || setweight(to_tsvector('simple', keywords), 'B')
       || setweight(to_tsvector('english', body), 'D') || setweight(to_tsvector('simple', body), 'D')
FROM kb_search;
UPDATE itsm_counter SET next_value = 200000 WHERE kind IN ('article', 'term');
SELECT setval('itsm_ticket_id_seq', (SELECT MAX(id) FROM itsm_ticket));
COMMIT;
ANALYZE;
