-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 6: audiences and published versions (kinds declaring
-- ITSM_VISIBLE_AUDIENCE or a publish action, e.g. knowledge articles).
-- The audience of a ticket, one row per entry of its audience field ("all", "party:ID",
-- "market-role:name", "role:NAME"): published 0 for the working copy, written in the
-- transaction of each create and update; published 1 for the latest published version,
-- written by the publish action and removed by the withdraw action. A reader's scope probes
-- it by primary key: t.party IN (...) OR EXISTS (... ticket_id = t.id AND published = ?
-- AND member IN (...)).
CREATE TABLE itsm_audience (
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    published INTEGER NOT NULL,
    member VARCHAR(200) NOT NULL,
    PRIMARY KEY (ticket_id, published, member)
);
-- Which kinds' working audiences itsm_audience holds for every ticket: a kind that starts
-- to declare an audience is back-filled once, at the next start.
CREATE TABLE itsm_audience_indexed (
    kind VARCHAR(40) PRIMARY KEY
);
-- Published versions: the ticket's title, state and fields as they were when the publish
-- action succeeded, numbered 1, 2, ... per ticket; current is 1 on the version readers
-- see (none after a withdraw). ticket_version is the ticket's own version then.
CREATE TABLE itsm_version (
    ticket_id BIGINT NOT NULL REFERENCES itsm_ticket (id),
    n INTEGER NOT NULL,
    at BIGINT NOT NULL,
    actor VARCHAR(100) NOT NULL,
    title VARCHAR(200) NOT NULL,
    state VARCHAR(40) NOT NULL,
    fields TEXT NOT NULL,
    ticket_version INTEGER NOT NULL,
    current INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, n)
);
