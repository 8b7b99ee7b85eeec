-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 11: what a search checks of each candidate row of the search index, in a
-- narrow table (docs/performance.md, "Knowledge base search"): its kind and party, keyed as
-- the index row (rid = ticket_id * 2 + published), so that the rank cut-off and the ranked
-- query test the kind and the caller's visibility without reading the ticket's row. Written
-- with each index row (store_search.c); a ticket's party is kept on both of its rows.
CREATE TABLE itsm_search_row (
    rid BIGINT PRIMARY KEY,
    id BIGINT NOT NULL,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL
);
INSERT INTO itsm_search_row (rid, id, kind, party)
SELECT s.ticket_id * 2 + s.published, t.id, t.kind, t.party
FROM itsm_search s JOIN itsm_ticket t ON t.id = s.ticket_id;
