# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Migration import of mod_itsm_incident's cases and incidents with a state: the journal says
import, the clocks run from the original <opened>, are stopped at the import for a finished
state, and for awaiting-info paused with the response clock stopped, which a resume never
restarts."""
import pytest

from datetime import timedelta

from incident_util import (H, M, act, action_time, create, finish_incident, get,
                           journal_entries, new_case, new_incident, rfc, targets, ts, utcnow,
                           wait_for_next_second)


@pytest.mark.parametrize("coll,state,clocks", [
    ("incidents", "new", "running"),
    ("incidents", "assigned", "running"),
    ("incidents", "in-progress", "running"),
    ("incidents", "awaiting-info", "waiting"),
    ("incidents", "resolved", "stopped"),
    ("incidents", "closed", "stopped"),
    ("incidents", "cancelled", "stopped"),
    ("cases", "in-triage", "running"),
    ("cases", "awaiting-info", "waiting"),
    ("cases", "routed", "running"),
    ("cases", "closed", "stopped"),
])
def test_import_with_state(client, coll, state, clocks):
    opened = utcnow() - 5 * M
    fields = dict(opened=rfc(opened), state=state, impact="high", urgency="high",
                  title="Imported %s" % state, description="from the old tool")
    if coll == "incidents" and state in ("resolved", "closed"):
        fields["resolution"] = "fixed in the old tool"
    r = create(client, coll, "admin1", **fields)
    t = r.ticket()
    n = t["number"]
    try:
        assert (t["state"], t["opened"], t["priority"], t["createdBy"]) == \
            (state, rfc(opened), "P1", "admin1")
        (action, at, actor, changes), = journal_entries(client, coll, n)
        assert (action, actor) == ("import", "admin1")
        assert changes["state"] == (None, state)
        sla = targets(r)
        assert set(sla) == {"response", "resolution"}
        assert ts(sla["response"]["due"]) == opened + 15 * M     # from the original opened
        assert ts(sla["resolution"]["due"]) == opened + 6 * H
        for clock, v in sla.items():
            if clocks == "stopped":
                assert v["stopped"] == rfc(at) and "paused" not in v, (clock, v)
                assert t["resolved"] == rfc(at)
                # withdrawn in the old tool: cancelled, neither met nor missed
                assert v["status"] == ("cancelled" if state == "cancelled" else "met")
            elif clocks == "waiting" and clock == "response":
                # waiting for the raiser means someone asked: the response clock stops at
                # the import, as await-info and request-info stop it
                assert v["stopped"] == rfc(at) and "paused" not in v, (clock, v)
                assert v["status"] == "met"
            elif clocks == "waiting":
                assert v.get("paused") == "true" and "stopped" not in v, (clock, v)
            else:
                assert "paused" not in v and "stopped" not in v, (clock, v)
                assert v["status"] == "in-sla"
    finally:
        if coll == "incidents":
            finish_incident(client, n)
        elif t["state"] != "closed":
            act(client, "cases", n, "close")


@pytest.mark.parametrize("coll,leave,back", [("incidents", "resume", "in-progress"),
                                             ("cases", "provide-info", "in-triage")])
def test_import_awaiting_info_then_resume_keeps_response_met(client, coll, leave, back):
    """An import in state awaiting-info stops the response clock at the import, as await-info
    and request-info do; after the resume it stays stopped and met (it used to run again,
    breaching the response target of a ticket that had long been answered). The resolution
    clock is paused in between and due later by the wait."""
    opened = utcnow() - 5 * M
    make = new_incident if coll == "incidents" else new_case
    r = make(client, "admin1", impact="high", urgency="high", opened=rfc(opened),
             state="awaiting-info")
    n = r.ticket()["number"]
    assert r.findtext("i:state") == "awaiting-info"
    imported = action_time(client, coll, n, "import")
    sla = targets(r)
    assert sla["response"]["stopped"] == rfc(imported) and sla["response"]["status"] == "met"
    assert sla["resolution"].get("paused") == "true" and "stopped" not in sla["resolution"]
    wait_for_next_second(imported)
    r = act(client, coll, n, leave)
    assert r.findtext("i:state") == back
    pause = action_time(client, coll, n, leave) - imported
    assert pause >= timedelta(seconds=1)
    for resp in (r, get(client, coll, n)):
        sla = targets(resp)
        assert sla["response"]["stopped"] == rfc(imported), sla
        assert sla["response"]["status"] == "met", sla
        # stopped at the import, when the pause began: the pause moves not its due
        assert ts(sla["response"]["due"]) == opened + 15 * M, sla
        assert "paused" not in sla["resolution"] and "stopped" not in sla["resolution"], sla
        assert ts(sla["resolution"]["due"]) == opened + 6 * H + pause, sla
    if coll == "incidents":
        finish_incident(client, n)
    else:
        act(client, coll, n, "close")
