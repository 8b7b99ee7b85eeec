# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The incident state machine: every transition (new -> assigned -> in-progress <->
awaiting-info -> resolved -> closed, reopen, cancel), every refusal from a state that does not
allow the action (409 invalid-transition), every role the table does not allow (403), and
the field rules of assign and resolve -- each refusal changing nothing (every table of the
database, the journal and the version are the same afterwards)."""
import pytest

from conftest import assert_error
from incident_util import (GROUP, INCIDENT_ALLOWED, INCIDENT_BODY, INCIDENT_STATES, act,
                           action_time, get, incident_in, journal_entries, new_incident, patch,
                           rfc, targets, unchanged)

# (from state, action, body, resulting state)
TRANSITIONS = [
    ("new", "assign", {"group": GROUP}, "assigned"),
    ("new", "assign", {"assignee": "res1"}, "assigned"),
    ("assigned", "assign", {"assignee": "res2", "group": "DIP Monitoring Team"}, "assigned"),
    ("in-progress", "assign", {"group": "DIP Monitoring Team"}, "in-progress"),
    ("new", "start", {}, "in-progress"),
    ("assigned", "start", {}, "in-progress"),
    ("assigned", "await-info", {}, "awaiting-info"),
    ("in-progress", "await-info", {}, "awaiting-info"),
    ("awaiting-info", "resume", {}, "in-progress"),
    ("new", "resolve", {"resolution": "Duplicate of a known issue"}, "resolved"),
    ("assigned", "resolve", {"resolution": "Restarted the adaptor"}, "resolved"),
    ("in-progress", "resolve", {"resolution": "Restarted the adaptor"}, "resolved"),
    ("awaiting-info", "resolve", {"resolution": "Raiser confirmed it works"}, "resolved"),
    ("resolved", "close", {}, "closed"),
    ("resolved", "reopen", {}, "in-progress"),
    ("closed", "reopen", {}, "in-progress"),
    ("new", "cancel", {}, "cancelled"),
    ("assigned", "cancel", {}, "cancelled"),
    ("in-progress", "cancel", {}, "cancelled"),
    ("awaiting-info", "cancel", {}, "cancelled"),
]

# every (state, action) the table does not allow
REFUSALS = [(s, a) for s in INCIDENT_STATES for a in INCIDENT_ALLOWED
            if s not in INCIDENT_ALLOWED[a]]


@pytest.mark.parametrize("state,action,fields,after", TRANSITIONS,
                         ids=["%s-%s-%d" % (t[0], t[1], i) for i, t in enumerate(TRANSITIONS)])
def test_transition(client, state, action, fields, after):
    n = incident_in(client, state)
    version = int(get(client, "incidents", n).findtext("i:version"))
    r = act(client, "incidents", n, action, user="agent1", **fields)
    t = r.ticket()
    assert t["state"] == after
    assert int(t["version"]) == version + 1 and r.etag == '"%d"' % (version + 1)
    for k, v in fields.items():
        assert t[k] == v, k
    act_, at, actor, changes = journal_entries(client, "incidents", n)[-1]
    assert (act_, actor) == (action, "agent1")
    if after != state:
        assert changes["state"] == (state, after), changes
    assert t["updated"] == rfc(at)
    sla = targets(r)
    if after in ("resolved", "cancelled"):
        assert t["resolved"] == rfc(at)
        for clock in ("response", "resolution"):
            assert "stopped" in sla[clock] and "paused" not in sla[clock]
    if after == "awaiting-info":
        assert sla["resolution"].get("paused") == "true"
    else:
        assert all("paused" not in v for v in sla.values())


@pytest.mark.parametrize("state", INCIDENT_STATES)
def test_refused_transitions_409_change_nothing(client, database, state):
    n = incident_in(client, state)
    actions = [a for s, a in REFUSALS if s == state]
    assert actions
    with unchanged(database, client, "incidents", n):
        for action in actions:
            r = act(client, "incidents", n, action, user="agent1", expect=409,
                    code="invalid-transition", **INCIDENT_BODY.get(action, {}))
            assert state in r.findtext("i:message"), r


# (user, action, state the incident is in): roles the table does not allow
ROLE_REFUSALS = [
    ("alice", "assign", "new"), ("alice", "start", "new"), ("alice", "resolve", "in-progress"),
    ("alice", "cancel", "new"), ("bob", "close", "resolved"),
    ("res1", "assign", "new"), ("res1", "close", "resolved"), ("res1", "reopen", "resolved"),
    ("res1", "cancel", "new"), ("res1", "declare-major", "in-progress"),
    ("km1", "start", "new"), ("km1", "resolve", "in-progress"), ("km1", "assign", "new"),
    ("pm1", "await-info", "in-progress"), ("cm1", "resume", "awaiting-info"),
    ("agent1", "declare-major", "in-progress"), ("agent1", "notice", "in-progress"),
    ("agent1", "stand-down", "in-progress"),
]


@pytest.mark.parametrize("user,action,state", ROLE_REFUSALS,
                         ids=["%s-%s" % (u, a) for u, a, _ in ROLE_REFUSALS])
def test_role_not_allowed_403_changes_nothing(client, database, user, action, state):
    # of alice's party: her refusals are the role table's, not her party scope's (the
    # assignee and group may start and resolve by relation, so for those actions an
    # incident she cannot see is looked up, and is 404)
    n = incident_in(client, state, party="ALPE")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, action, user=user, expect=403, code="forbidden",
            **INCIDENT_BODY.get(action, {}))


@pytest.mark.parametrize("user", ["km1", "pm1", "alice"])
def test_update_refused_by_role_403(client, database, user):
    n = incident_in(client, "new", party="ALPE")    # visible to alice: refused by role
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, user=user, expect=403, code="forbidden", title="x")


def test_resolver_may_work_but_not_assign_or_close(client):
    """res1 (resolver): start, await-info, resume, resolve and update are in the table."""
    n = incident_in(client, "assigned")
    for action, fields, state in (("start", {}, "in-progress"),
                                  ("await-info", {}, "awaiting-info"),
                                  ("resume", {}, "in-progress"),
                                  ("resolve", {"resolution": "Patched"}, "resolved")):
        r = act(client, "incidents", n, action, user="res1", **fields)
        assert r.findtext("i:state") == state
    assert journal_entries(client, "incidents", n)[-1][2] == "res1"
    r = patch(client, "incidents", n, user="res1", nextSteps="Monitor overnight")
    assert r.findtext("i:nextSteps") == "Monitor overnight"


@pytest.mark.parametrize("state,action,fields", [
    ("new", "assign", {}),
    ("in-progress", "assign", {"note": "no group given"}),
    ("in-progress", "resolve", {}),
    ("awaiting-info", "resolve", {"note": "no resolution given"}),
])
def test_action_missing_required_field_422(client, database, state, action, fields):
    n = incident_in(client, state)
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, action, expect=422, code="invalid-field", **fields)


@pytest.mark.parametrize("action", ["explode", "triage", "route"])
def test_unknown_action_404(client, database, action):
    n = incident_in(client, "new")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, action, expect=404, code="not-found")


@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_finished_incident_cannot_be_changed(client, database, state):
    n = incident_in(client, state)
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, expect=409, code="invalid-transition", title="later")


def test_action_needs_if_match(client, database):
    n = incident_in(client, "new")
    with unchanged(database, client, "incidents", n):
        r = client.post("/incidents/%s/actions/start" % n, None)
        assert_error(r, 428, "precondition-required")
        r = client.post("/incidents/%s/actions/start" % n, None, headers={"If-Match": '"99"'})
        assert_error(r, 412, "precondition-failed")


def test_lifecycle_clocks(client):
    """start stops the response clock; resolve needs a resolution and stops the resolution
    clock (status met, stopped= the resolve time); close keeps them; reopen restarts the
    resolution clock (no stopped=, no <resolved>) and leaves the response clock stopped."""
    n = new_incident(client, impact="high", urgency="high").ticket()["number"]
    r = get(client, "incidents", n)
    sla = targets(r)
    assert all("stopped" not in v for v in sla.values())
    r = act(client, "incidents", n, "assign", group=GROUP, assignee="res1")
    started = action_time(client, "incidents", n, "assign")
    assert targets(r)["response"]["stopped"] == rfc(started)
    assert targets(r)["response"]["status"] == "met"
    assert "stopped" not in targets(r)["resolution"]
    act(client, "incidents", n, "start", user="res1")
    act(client, "incidents", n, "resolve", expect=422, code="invalid-field")
    act(client, "incidents", n, "resolve", expect=422, code="invalid-field",
        resolution=" \n\u00a0")                            # white space is no resolution
    r = act(client, "incidents", n, "resolve", user="res1", resolution="Failed over to DR")
    resolved = action_time(client, "incidents", n, "resolve")
    t = r.ticket()
    assert t["state"] == "resolved" and t["resolved"] == rfc(resolved)
    assert t["resolution"] == "Failed over to DR"
    assert "reviewDue" not in t             # not a major incident
    sla = targets(r)
    assert sla["resolution"]["stopped"] == rfc(resolved)
    assert sla["resolution"]["status"] == "met" and sla["response"]["status"] == "met"
    assert sla["response"]["stopped"] == rfc(started)       # the first stop is kept
    r = act(client, "incidents", n, "close", user="im1")
    assert r.findtext("i:state") == "closed"
    assert targets(r)["resolution"]["stopped"] == rfc(resolved)
    r = act(client, "incidents", n, "reopen", note="it failed again")
    t = r.ticket()
    assert t["state"] == "in-progress" and "resolved" not in t
    sla = targets(r)
    assert "stopped" not in sla["resolution"]
    assert sla["resolution"]["status"] in ("in-sla", "warning")
    assert sla["response"]["stopped"] == rfc(started)
    r = act(client, "incidents", n, "resolve", resolution="Root cause fixed")
    assert targets(r)["resolution"]["status"] == "met"
    assert [a for a, _, _, _ in journal_entries(client, "incidents", n)] == [
        "create", "assign", "start", "resolve", "close", "reopen", "resolve"]


def test_cancel_stops_clocks(client):
    n = incident_in(client, "awaiting-info", impact="high", urgency="high")
    r = act(client, "incidents", n, "cancel", note="raised in error")
    cancelled = action_time(client, "incidents", n, "cancel")
    sla = targets(r)
    assert r.findtext("i:state") == "cancelled"
    assert sla["resolution"]["stopped"] == rfc(cancelled)
    assert all("paused" not in v for v in sla.values())
    # the resolution clock was running: cancelled, neither met nor missed; the response,
    # stopped by await-info before, keeps its outcome
    assert sla["resolution"]["status"] == "cancelled"
    assert sla["response"]["status"] == "met"
