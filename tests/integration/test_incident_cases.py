# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Cases raised by participants (/itsm/cases, CS numbers): the minimal raise by alice, triage
(priority and SLA targets from the logged time), request-info / provide-info (pause), routing
and its field rules, every case transition and refusal, cross-party work held open until the
other desk resolves its part (cases and incidents), reopen, P5 without targets, party
isolation, and links between a case and an incident seen from both ends."""
import re

import pytest

from incident_util import (CASE_ALLOWED, CASE_BODY, CASE_STATES, GROUP, H, M, act,
                           action_time, case_in, get, incident_in, journal_entries,
                           list_numbers, new_case, new_incident, patch, rfc, targets, ts,
                           unchanged, utcnow, body, nothing_changed)
from conftest import assert_error, link_xml

DESK = "St Clements Service Desk"


def test_minimal_raise_by_alice(client):
    before = utcnow()
    r = new_case(client, "alice", title="Settlement report missing",
                 description="Our SF report for 19 Nov did not arrive")
    t = r.ticket()
    assert re.fullmatch(r"CS\d{7}", t["number"]), t
    assert t["kind"] == "case" and t["state"] == "new"
    assert t["party"] == "ALPE" and t["createdBy"] == "alice"
    assert before <= ts(t["opened"]) <= utcnow()
    assert "priority" not in t
    sla = r.find("i:sla")
    assert sla is not None and len(sla) == 0, r.text     # no targets until triage
    assert r.headers["Location"].endswith("/itsm/cases/" + t["number"])
    (action, _, actor, _), = journal_entries(client, "cases", t["number"])
    assert (action, actor) == ("create", "alice")


def test_recommended_priority_is_only_a_recommendation(client):
    r = new_case(client, "alice", recommendedPriority="P1", marketRole="Supplier",
                 marketParticipantId="ALPE01", relatedUrl="https://portal.example/x/1")
    t = r.ticket()
    assert t["recommendedPriority"] == "P1" and "priority" not in t
    assert len(r.find("i:sla")) == 0


def test_triage_sets_priority_and_targets_from_opened(client):
    n = new_case(client, "alice").ticket()["number"]
    opened = ts(get(client, "cases", n).findtext("i:opened"))
    r = act(client, "cases", n, "triage", impact="high", urgency="high", desk="service-desk")
    t = r.ticket()
    triaged = action_time(client, "cases", n, "triage")
    assert t["state"] == "in-triage" and t["priority"] == "P1"
    sla = targets(r)
    assert ts(sla["response"]["due"]) == opened + 15 * M        # 24x7, from the logged time
    assert ts(sla["resolution"]["due"]) == opened + 6 * H
    assert sla["response"]["stopped"] == rfc(triaged) and sla["response"]["status"] == "met"
    assert "stopped" not in sla["resolution"]


@pytest.mark.parametrize("fields", [
    {"urgency": "low", "impact": "low"},        # a triaged P1 lowered to P4
    {"priority": "P5"},                         # its targets dropped
    {"impact": "medium"},
])
def test_a_triaged_cases_priority_is_the_desks(client, database, fields):
    """The raiser states impact and urgency when raising a case and recommends a priority;
    once raised, its priority, impact and urgency are triage's: the raiser's PATCH or action
    document changing them is 403, nothing written; the desk changes them."""
    n = new_case(client, "alice").ticket()["number"]
    act(client, "cases", n, "triage", impact="high", urgency="high", desk="service-desk")
    with unchanged(database, client, "cases", n):
        r = patch(client, "cases", n, user="alice", expect=403, code="forbidden", **fields)
        assert "triage" in r.findtext("i:message"), r.text
    assert get(client, "cases", n).findtext("i:priority") == "P1"
    act(client, "cases", n, "request-info")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "provide-info", user="alice", expect=403, code="forbidden",
            **fields)
    t = patch(client, "cases", n, **fields).ticket()        # the desk's to change
    assert t["priority"] != "P1", t


@pytest.mark.parametrize("fields", [{"priority": "P5"}, {"impact": "low", "urgency": "low"}])
def test_a_reopen_takes_no_priority_from_the_raiser(client, database, fields):
    """reopen, the raiser's action on her closed case, carries no priority, impact or
    urgency of hers (403, nothing written); the desk's reopen may, the priority derived."""
    n = new_case(client, "alice").ticket()["number"]
    act(client, "cases", n, "triage", impact="high", urgency="high", desk="service-desk")
    act(client, "cases", n, "close")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "reopen", user="alice", expect=403, code="forbidden", **fields)
    t = act(client, "cases", n, "reopen", **fields).ticket()
    assert t["state"] == "in-triage" and t["priority"] == \
        ("P5" if "priority" in fields else "P4"), t


def test_the_raiser_recommends_a_priority_and_states_impact_and_urgency(client, database):
    """On raising a case the participant may give impact and urgency (its priority follows)
    and a recommendedPriority, not the priority itself (403, nothing written)."""
    t = new_case(client, "alice", impact="high", urgency="low",
                 recommendedPriority="P1").ticket()
    assert (t["impact"], t["urgency"], t["recommendedPriority"]) == ("high", "low", "P1"), t
    with nothing_changed(database):
        r = new_case(client, "alice", expect=403, priority="P1")
        assert "recommendedPriority" in r.findtext("i:message"), r.text


def test_request_info_pauses_provide_info_resumes(client):
    n = new_case(client, "alice").ticket()["number"]
    act(client, "cases", n, "triage", impact="high", urgency="high")
    r = act(client, "cases", n, "request-info", note="Which MPAN?")
    assert r.findtext("i:state") == "awaiting-info"
    assert targets(r)["resolution"].get("paused") == "true"
    paused = action_time(client, "cases", n, "request-info")
    r = act(client, "cases", n, "provide-info", user="alice", description="MPAN 1200012345678")
    assert r.findtext("i:state") == "in-triage"
    resumed = action_time(client, "cases", n, "provide-info")
    opened = ts(r.findtext("i:opened"))
    sla = targets(r)
    assert "paused" not in sla["resolution"]
    assert ts(sla["resolution"]["due"]) == opened + 6 * H + (resumed - paused)
    assert journal_entries(client, "cases", n)[-1][2] == "alice"


# (from, action, body, actor, to)
CASE_TRANSITIONS = [
    ("new", "triage", {"impact": "low", "urgency": "low"}, "agent1", "in-triage"),
    ("in-triage", "triage", {"impact": "high", "urgency": "medium"}, "agent1", "in-triage"),
    ("new", "request-info", {}, "agent1", "awaiting-info"),
    ("in-triage", "request-info", {}, "im1", "awaiting-info"),
    ("awaiting-info", "provide-info", {}, "alice", "in-triage"),
    ("awaiting-info", "provide-info", {}, "carol", "in-triage"),
    ("in-triage", "route", {"route": "incident"}, "agent1", "routed"),
    ("in-triage", "route", {"route": "request"}, "agent1", "routed"),
    ("in-triage", "route", {"route": "group", "group": GROUP}, "agent1", "routed"),
    ("in-triage", "route", {"route": "guidance", "guidance": "KB0000042"}, "agent1", "routed"),
    ("in-triage", "route", {"route": "external", "externalDesk": DESK,
                            "externalReference": "STC-4711"}, "agent1", "routed"),
    ("new", "close", {}, "agent1", "closed"),
    ("in-triage", "close", {}, "agent1", "closed"),
    ("awaiting-info", "close", {}, "admin1", "closed"),
    ("routed", "close", {}, "agent1", "closed"),
    ("closed", "reopen", {}, "alice", "in-triage"),
    ("closed", "reopen", {}, "agent1", "in-triage"),
]


@pytest.mark.parametrize("state,action,fields,user,after", CASE_TRANSITIONS,
                         ids=["%s-%s-%d" % (t[0], t[1], i)
                              for i, t in enumerate(CASE_TRANSITIONS)])
def test_case_transition(client, state, action, fields, user, after):
    n = case_in(client, state)
    r = act(client, "cases", n, action, user=user, **fields)
    t = r.ticket()
    assert t["state"] == after
    for k, v in fields.items():
        assert t[k] == v
    a, at, actor, changes = journal_entries(client, "cases", n)[-1]
    assert (a, actor) == (action, user)
    if after != state:
        assert changes["state"] == (state, after)
    if action == "route" and fields.get("externalDesk"):
        assert t["externalState"] == "open"
    if after == "closed":
        assert t["resolved"] == rfc(at)
    if action == "reopen":
        assert "resolved" not in t
        assert all("stopped" not in v for k, v in targets(r).items() if k == "resolution")


CASE_REFUSALS = [(s, a) for s in CASE_STATES for a in CASE_ALLOWED
                 if s not in CASE_ALLOWED[a]]


@pytest.mark.parametrize("state", CASE_STATES)
def test_case_refused_transitions_409_change_nothing(client, database, state):
    n = case_in(client, state)
    actions = [a for s, a in CASE_REFUSALS if s == state]
    assert actions
    with unchanged(database, client, "cases", n):
        for action in actions:
            act(client, "cases", n, action, user="alice" if action == "provide-info"
                else "agent1", expect=409, code="invalid-transition",
                **CASE_BODY.get(action, {}))


CASE_ROLE_REFUSALS = [
    ("alice", "triage", "new"), ("alice", "request-info", "new"),
    ("alice", "route", "in-triage"), ("alice", "close", "new"), ("carol", "close", "routed"),
    ("prov1", "triage", "new"), ("km1", "triage", "new"), ("res1", "close", "new"),
    ("km1", "provide-info", "awaiting-info"), ("pm1", "reopen", "closed"),
]


@pytest.mark.parametrize("user,action,state", CASE_ROLE_REFUSALS,
                         ids=["%s-%s" % (u, a) for u, a, _ in CASE_ROLE_REFUSALS])
def test_case_role_not_allowed_403(client, database, user, action, state):
    n = case_in(client, state)
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, action, user=user, expect=403, code="forbidden",
            **CASE_BODY.get(action, {}))


@pytest.mark.parametrize("fields", [
    {},
    {"route": "external"},
    {"route": "external", "externalReference": "STC-1"},
    {"route": "group"},
    {"route": "guidance"},
    {"externalReference": "STC-1", "route": "incident"},
], ids=["no-route", "external-no-desk", "external-reference-no-desk", "group-no-group",
        "guidance-no-guidance", "reference-without-desk"])
def test_route_field_rules_422(client, database, fields):
    n = case_in(client, "in-triage")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "route", expect=422, code="invalid-field", **fields)


def test_route_value_outside_schema_400(client, database):
    n = case_in(client, "in-triage")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "route", expect=400, code="schema-invalid", route="nowhere")


def test_cross_party_case_stays_open_until_external_part_resolved(client, database):
    n = new_case(client, "alice", title="Meter data from another MDS").ticket()["number"]
    act(client, "cases", n, "triage", impact="low", urgency="low", priority="P5")
    r = act(client, "cases", n, "route", route="external", externalDesk=DESK,
            externalReference="STC-0815")
    t = r.ticket()
    assert (t["state"], t["externalState"], t["externalReference"]) == \
        ("routed", "open", "STC-0815")
    with unchanged(database, client, "cases", n):
        r = act(client, "cases", n, "close", expect=409, code="external-open")
        assert DESK in r.findtext("i:message")
    r = patch(client, "cases", n, externalState="resolved", note="STC fixed their side")
    assert r.findtext("i:externalState") == "resolved"
    r = act(client, "cases", n, "close", note="closed after the other desk resolved")
    assert r.findtext("i:state") == "closed"
    r = act(client, "cases", n, "reopen", user="alice", note="still wrong")
    assert r.findtext("i:state") == "in-triage" and r.findtext("i:resolved") is None
    # a closed case refuses a change; a reopened one takes it
    assert patch(client, "cases", n, description="more detail").status == 200


def test_cross_party_incident_resolve_held(client, database):
    n = incident_in(client, "in-progress")
    r = patch(client, "incidents", n, externalDesk=DESK, externalReference="STC-99")
    assert r.findtext("i:externalState") == "open"
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "resolve", expect=409, code="external-open",
            resolution="done")
    patch(client, "incidents", n, externalState="resolved")
    r = act(client, "incidents", n, "resolve", resolution="Both parts fixed")
    assert r.findtext("i:state") == "resolved"


@pytest.mark.parametrize("coll", ["cases", "incidents"])
def test_external_reference_without_desk_422(client, database, coll):
    n = case_in(client, "new") if coll == "cases" else incident_in(client, "new")
    with unchanged(database, client, coll, n):
        patch(client, coll, n, expect=422, code="invalid-field", externalReference="X-1")
        patch(client, coll, n, expect=422, code="invalid-field", externalState="resolved")


@pytest.mark.parametrize("fields", [{"priority": "P5"},
                                    {"priority": "P5", "impact": "high", "urgency": "high"}])
def test_p5_case_has_no_targets(client, fields):
    n = new_case(client, "alice").ticket()["number"]
    r = act(client, "cases", n, "triage", **fields)
    assert r.findtext("i:priority") == "P5"
    sla = r.find("i:sla")
    assert sla is not None and len(sla) == 0, r.text
    assert len(get(client, "cases", n).find("i:sla")) == 0


def test_triage_contradicting_priority_422(client, database):
    n = case_in(client, "new")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "triage", expect=422, code="invalid-field", priority="P1",
            impact="low", urgency="low")


# --------------------------------------------------------------------------- isolation

@pytest.fixture(scope="module")
def party_cases(client):
    return {"alice": new_case(client, "alice", title="alice's case").ticket()["number"],
            "bob": new_case(client, "bob", title="bob's case").ticket()["number"]}


@pytest.mark.parametrize("user,sees_alice,sees_bob", [
    ("alice", True, False),
    ("carol", True, False),         # same party (ALPE)
    ("prov1", True, False),         # ESGS acts for ALPE (and MTRW), not BRMP
    ("bob", False, True),
    ("agent1", True, True),
    ("km1", True, True),            # read, scope all
])
def test_case_party_isolation(client, party_cases, user, sees_alice, sees_bob):
    seen = set(list_numbers(client, "cases", user))
    for owner, sees in (("alice", sees_alice), ("bob", sees_bob)):
        n = party_cases[owner]
        r = client.get("/cases/" + n, user=user)
        if sees:
            assert r.status == 200 and r.findtext("i:number") == n, (user, r)
            assert n in seen
        else:
            assert_error(r, 404, "not-found")
            assert n not in seen
            assert_error(client.get("/cases/%s/journal" % n, user=user), 404, "not-found")
            assert_error(client.get("/cases/%s/links" % n, user=user), 404, "not-found")


def test_other_party_cannot_act_on_case(client, database, party_cases):
    n = party_cases["alice"]
    with unchanged(database, client, "cases", n):
        for r in (client.patch("/cases/" + n, b'<case xmlns="urn:mod-itsm:xml:1">'
                               b'<title>mine</title></case>', user="bob",
                               headers={"If-Match": "*"}),
                  client.post("/cases/%s/actions/provide-info" % n, None, user="bob",
                              headers={"If-Match": "*"}),
                  client.post("/cases/%s/links" % n, link_xml("relates-to", party_cases["bob"]),
                              user="bob", headers={"If-Match": "*"})):
            assert_error(r, 404, "not-found")


def test_provider_raises_for_party_it_acts_for(client):
    r = new_case(client, "prov1", party="ALPE", title="raised by the provider")
    assert r.findtext("i:party") == "ALPE"
    assert r.findtext("i:number") in list_numbers(client, "cases", "alice")
    assert r.findtext("i:number") not in list_numbers(client, "cases", "bob")


# --------------------------------------------------------------------------- links

def test_case_routed_to_incident_linked_both_ends(client):
    cs = new_case(client, "alice", title="DIP rejects our messages").ticket()["number"]
    act(client, "cases", cs, "triage", impact="high", urgency="medium")
    inc = new_incident(client, party="ALPE", impact="high", urgency="medium",
                       title="DIP rejects ALPE messages").ticket()["number"]
    act(client, "cases", cs, "route", route="incident", note="linked to " + inc)
    r = client.post("/cases/%s/links" % cs, link_xml("relates-to", inc),
                    headers={"If-Match": get(client, "cases", cs).etag})
    assert r.status == 201, r
    out = client.get("/cases/%s/links" % cs)
    assert out.status == 200
    assert [(l.get("type"), l.get("direction"), l.get("number"), l.get("kind"))
            for l in out.findall("i:link")] == [("relates-to", "out", inc, "incident")]
    back = client.get("/incidents/%s/links" % inc, user="im1")
    assert [(l.get("type"), l.get("direction"), l.get("number"), l.get("kind"))
            for l in back.findall("i:link")] == [("relates-to", "in", cs, "case")]
    # the raiser sees both ends (the incident is for her party)
    mine = client.get("/cases/%s/links" % cs, user="alice")
    assert [l.get("number") for l in mine.findall("i:link")] == [inc]
    assert journal_entries(client, "cases", cs)[-1][0] == "link"


def test_who_works_a_case_is_the_desks_to_say(client, database):
    """A participant raises and follows up their case but does not assign it: naming an
    assignee or a resolver group is refused (403) whether or not the name exists, so that
    the answers tell nothing of the directory, and nothing is written; the desk does."""
    for fields in ({"assignee": "bob"}, {"assignee": "nosuch"}, {"group": GROUP},
                   {"group": "nosuchgroup"}):
        with nothing_changed(database):
            r = client.post("/cases", body("cases", title="Mine", description="x", **fields),
                            user="alice")
            assert_error(r, 403, "forbidden")
            assert "service desk" in r.findtext("i:message")
    n = new_case(client).ticket()["number"]
    for fields in ({"assignee": "res1"}, {"group": GROUP}):
        with nothing_changed(database):
            patch(client, "cases", n, user="alice", expect=403, code="forbidden", **fields)
        with nothing_changed(database):
            act(client, "cases", n, "provide-info", user="alice", expect=403, code="forbidden",
                **fields)
    # the rest of the case stays theirs, and the desk assigns
    assert patch(client, "cases", n, user="alice", description="More").status == 200
    t = patch(client, "cases", n, user="agent1", assignee="res1", group=GROUP).ticket()
    assert (t["assignee"], t["group"]) == ("res1", GROUP)
    # the participant's later update keeps the desk's assignment
    assert patch(client, "cases", n, user="alice", description="Even more").status == 200
    # ... and reopening a closed case does not reassign it either
    act(client, "cases", n, "close", user="agent1")
    for fields in ({"assignee": "bob"}, {"assignee": "nosuch"}, {"group": "nosuchgroup"}):
        with nothing_changed(database):
            act(client, "cases", n, "reopen", user="alice", expect=403, code="forbidden",
                **fields)
    assert act(client, "cases", n, "reopen", user="alice").ticket()["assignee"] == "res1"
