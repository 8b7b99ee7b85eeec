-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 29: the rules by which the stored tickets of a kind had their derived
-- fields made (itsm_kind_t.derivation; a glossary term's key is in lower case over Unicode
-- since 2026-12-07). At the start that finds another, the core derives every ticket of the
-- kind again and builds its field index and unique values anew (store.c, backfill_derived).
-- Empty here: each kind that declares a derivation is derived once more at the next start.
CREATE TABLE IF NOT EXISTS itsm_derived (
    kind VARCHAR(40) PRIMARY KEY,
    derivation VARCHAR(200) NOT NULL
);
