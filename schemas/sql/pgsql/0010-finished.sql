-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 10: when a ticket entered a final state of its kind (epoch seconds), for the
-- mean time to resolve of GET /{collection}/stats. Set on the write that moves the ticket from
-- an open state into a final one (or creates it in one), kept while it moves between final
-- states, cleared when it is reopened. NULL for open tickets.
ALTER TABLE itsm_ticket ADD COLUMN finished BIGINT;
-- Tickets already finished: back-filled by the core after the migrations (and after the open
-- flags of schema 5), from the journal: the time of the last entry that changed their state.
-- A finished ticket whose journal holds no change of state (imported finished) stays NULL and
-- is left out of the mean.
