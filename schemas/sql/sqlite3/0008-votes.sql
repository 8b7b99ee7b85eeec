-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 8: helpfulness votes on published versions (versioned kinds: knowledge
-- articles). One row per person and version: a second vote of the same person on the same
-- version replaces the first. helpful is 1 (helpful) or 0 (not helpful).
CREATE TABLE itsm_vote (
    ticket_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    n INTEGER NOT NULL,
    login VARCHAR(100) NOT NULL,
    helpful INTEGER NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, n, login)
);
