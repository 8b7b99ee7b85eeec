-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 13: the tickets that carry a tag (an open major incident: ",major,") in a
-- partial index. A public view (the major-incident banner, which every portal page shows)
-- read every ticket of its kind to find the few with a tag: at 20,000 incidents that was
-- 7 ms per page, at a million a scan of the million. A process clears its tags when the
-- reason ends (the incident module when the incident is stood down or finished), so the
-- index holds only the tickets a view lists. The statement repeats the predicate
-- (t.tags <> '') so that both planners take the index.
CREATE INDEX IF NOT EXISTS itsm_ticket_tagged ON itsm_ticket (kind, id) WHERE tags <> '';
