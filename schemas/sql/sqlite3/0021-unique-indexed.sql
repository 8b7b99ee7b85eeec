-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 21: the unique fields (ITSM_FIELD_UNIQUE) whose itsm_unique rows have been
-- written from itsm_field_index once (store.c, backfill), as itsm_field_indexed says it of
-- the indexed fields. Until schema 20 every start of a server process wrote them again, under
-- the write lock: 42 ms at 10,000 glossary terms, seconds at a million tickets with a unique
-- field. Empty here: each unique field is written once more, at the next start, and marked
-- (IF NOT EXISTS: a database set back to an older schema runs this again).
CREATE TABLE IF NOT EXISTS itsm_unique_indexed (
    kind VARCHAR(40) NOT NULL,
    name VARCHAR(64) NOT NULL,
    PRIMARY KEY (kind, name)
);
