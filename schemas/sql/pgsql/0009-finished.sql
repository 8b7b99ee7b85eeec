-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 9: when a ticket entered a final state of its kind (epoch seconds), for the
-- mean time to resolve of GET /{collection}/stats. Set on the write that moves the ticket from
-- an open state into a final one (or creates it in one), kept while it moves between final
-- states, cleared when it is reopened. NULL for open tickets.
ALTER TABLE itsm_ticket ADD COLUMN finished BIGINT;
-- Tickets already finished: the time of the last journal entry that changed their state
-- (their current state being final, that change entered it; of a ticket that went through
-- two final states, e.g. resolved then closed, the second). A finished ticket whose journal
-- holds no change of state (imported finished) stays NULL and is left out of the mean.
UPDATE itsm_ticket SET finished = (
    SELECT MAX(j.at) FROM itsm_journal j WHERE j.ticket_id = itsm_ticket.id
       AND (j.changes LIKE 'state' || chr(9) || '%'
            OR j.changes LIKE '%' || chr(10) || 'state' || chr(9) || '%'))
 WHERE is_open = 0;
