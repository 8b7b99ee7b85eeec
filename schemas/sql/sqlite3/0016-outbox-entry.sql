-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 16: each notice names the journal entry it announces, so that the feed reads
-- the entry's structured changes (the ticket a field refers to, for the entry's related link)
-- instead of the notice's summary text.
ALTER TABLE itsm_outbox ADD COLUMN journal_id INTEGER;
-- Notices written before: the entry of their ticket written with them (same time, actor and
-- action; the first such entry should one actor have made two alike in one second).
UPDATE itsm_outbox SET journal_id = (SELECT MIN(j.id) FROM itsm_journal j
    WHERE j.ticket_id = itsm_outbox.ticket_id AND j.at = itsm_outbox.at
    AND j.actor = itsm_outbox.actor AND j.action = itsm_outbox.action);
