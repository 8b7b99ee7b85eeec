-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 14: the search generation of each searchable kind, moved (+1) in the same
-- transaction as every write of a ticket of that kind (store.c, search_touch), so that every
-- httpd child, on every server sharing the database, tells a cached search result from a
-- stale one by one read of this table before it searches (store_search.c, the result cache).
-- IF NOT EXISTS: the migration may run again over a database that has it (schema set back).
CREATE TABLE IF NOT EXISTS itsm_search_gen (
    kind VARCHAR(40) PRIMARY KEY,
    gen BIGINT NOT NULL
);
