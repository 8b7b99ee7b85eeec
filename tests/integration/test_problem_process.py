# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Problem management (mod_itsm_problem, LLSD 8) on a server with the problem process and
the shipped role table (conf/itsm-authz.xml), without the knowledge process: the problem
statement, every transition and its refusals, the RACI of LLSD 8.6, the known-error flag and
its filter, incidents linked from either end (the workaround shown in the incident, the
incident's raiser told when the problem is resolved), followers, and publish-workaround
refused without a workaround or without the knowledge process (nothing changed)."""
import pytest

from conftest import Client, Httpd, NS, assert_error, itsm_directives, link_xml, staged
from incident_util import H, feed_for, journal, new_case, new_incident, rfc, utcnow
from problem_util import (GROUP, PATH, STATES, act, get, journal_entries, link, new_problem,
                          number, patch, refused, shown, targets, walk)


@pytest.fixture(autouse=True, scope="module")
def schema_ready(pclient):
    """The first request sets the schema up: do it before any 'nothing changed' check."""
    pclient.get("/problems", user="agent1")


def test_service_document_lists_problems(pclient):
    r = pclient.get("/", user="agent1")
    cols = {c.get("name"): c for c in r.findall("i:collection")}
    assert cols["problems"].get("kind") == "problem" and cols["problems"].get("prefix") == "PRB"


def test_agent_logs_a_problem_with_its_statement(pclient):
    r = new_problem(pclient, level="1", service="DIP", urgency="high",
                    scopeAndImpact="Every supplier sending files over 1 MiB",
                    background="Started after the DIP release of 14 November",
                    stakeholders="Suppliers, DIP Monitoring Team", expectedOutcome="No rejections",
                    relatedReferences="CS0001234, supplier ticket 88-1")
    t = r.ticket()
    assert r.headers["Location"].endswith("/itsm/problems/" + t["number"])
    assert t["number"].startswith("PRB") and len(t["number"]) == 10
    assert (t["state"], t["level"], t["party"], t["createdBy"]) == ("new", "1", "ELEX", "agent1")
    assert (t["knownError"], t["incidentCount"], t["recurrences"]) == ("false", "0", "0")
    assert t["scopeAndImpact"] == "Every supplier sending files over 1 MiB"
    # both KPI clocks have their level's target; only the solution clock runs from logging
    sla = targets(r)
    assert set(sla) == {"root-cause", "solution"}
    assert sla["root-cause"]["status"] == "not-started" and "due" not in sla["root-cause"]
    assert sla["root-cause"]["target"] == "PT50H"        # 5 business days of 10 h
    assert sla["solution"]["target"] == "PT300H" and "due" in sla["solution"]


@pytest.mark.parametrize("level", ["0", "5", "-1", "two", ""])
def test_level_outside_1_to_4_is_refused(pclient, database, level):
    before = database.snapshot()
    r = new_problem(pclient, expect=422, level=level)
    assert_error(r, 422, "invalid-field")
    assert "level" in r.findtext("i:message")
    assert database.snapshot() == before


def test_white_space_around_a_typed_value_is_no_part_of_it(pclient):
    """The schema reads <level> as xs:integer (white space collapsed): " 2 " is level 2 on a
    create and a PATCH, as it validated, not a 422 that says it is no whole number."""
    r = new_problem(pclient, level="\n  3  ")
    assert r.findtext("i:level") == "3", r.text
    r = patch(pclient, "problems", number(r), user="pm1", level=" 2 ", urgency=" low ")
    assert (r.findtext("i:level"), r.findtext("i:urgency")) == ("2", "low")
    assert targets(r)["solution"]["target"] == "PT450H"     # level 2: 45 business days


def test_level_is_required(pclient, database):
    before = database.snapshot()
    r = pclient.post("/problems", b'<problem xmlns="urn:mod-itsm:xml:1"><title>No level</title>'
                     b'</problem>', user="agent1")
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before


def test_every_transition_in_order(pclient):
    n = number(new_problem(pclient))
    for action, to, fields in PATH:
        r = act(pclient, "problems", n, action, user="pm1", **fields)
        t = r.ticket()
        assert t["state"] == to, (action, t)
        for k, v in fields.items():
            assert t[k] == v
    t = get(pclient, "problems", n).ticket()
    assert t["knownError"] == "true"
    for stamp in ("workaroundRecorded", "rootCauseIdentified", "solutionIdentified", "resolved"):
        assert t[stamp], stamp
    actions = [a for a, _, _, _ in journal_entries(pclient, "problems", n)]
    assert actions == ["create"] + [a for a, _, _ in PATH]
    # both clocks stopped at their steps
    sla = targets(get(pclient, "problems", n))
    assert sla["root-cause"]["status"] == "met" and "stopped" in sla["root-cause"]
    assert sla["solution"]["status"] == "met" and "stopped" in sla["solution"]


# every action from every state it is not allowed in: 409, nothing changed
ALLOWED = {
    "investigate": {"new"},
    "record-workaround": {"under-investigation", "workaround-in-place",
                          "root-cause-identified", "solution-identified"},
    "identify-root-cause": {"under-investigation", "workaround-in-place"},
    "identify-solution": {"root-cause-identified"},
    "resolve": {"solution-identified"},
    "close": {"resolved"},
    "cancel": {"new", "under-investigation", "workaround-in-place", "root-cause-identified",
               "solution-identified"},
}
BODY = {a: f for a, _, f in PATH}
OUT_OF_ORDER = [(a, s) for a in ALLOWED for s in STATES + ["cancelled"] if s not in ALLOWED[a]]


@pytest.mark.parametrize("action,state", OUT_OF_ORDER)
def test_transition_out_of_order_is_refused(pclient, database, action, state):
    n = number(new_problem(pclient))
    if state == "cancelled":
        act(pclient, "problems", n, "cancel", user="pm1")
    else:
        walk(pclient, n, state)
    refused(pclient, database, n, action, 409, "invalid-transition", **BODY.get(action, {}))


@pytest.mark.parametrize("action,state,field", [
    ("record-workaround", "under-investigation", "workaround"),
    ("identify-root-cause", "workaround-in-place", "rootCause"),
    ("identify-solution", "root-cause-identified", "solution"),
])
def test_step_without_its_text_is_refused(pclient, database, action, state, field):
    n = number(new_problem(pclient))
    walk(pclient, n, state)
    r = refused(pclient, database, n, action, 422, "invalid-field")
    assert field in r.findtext("i:message")


@pytest.mark.parametrize("state", ["workaround-in-place", "root-cause-identified"])
@pytest.mark.parametrize("same", [None, "as is", "spaced"])
def test_revising_the_workaround_takes_a_new_text(pclient, database, state, same):
    """record-workaround on a problem whose workaround is in place revises it: without a
    workaround, or with the one in place (also with other white space only: trailing spaces,
    lines wrapped again), it would record nothing new (an empty journal entry, a new version):
    422 invalid-field, nothing written."""
    n = number(new_problem(pclient))
    walk(pclient, n, state)
    wa = get(pclient, "problems", n).ticket()["workaround"]
    given = {None: {}, "as is": {"workaround": wa},
             "spaced": {"workaround": " " + wa.replace(" ", "\n  ", 1) + "  \n"}}[same]
    r = refused(pclient, database, n, "record-workaround", 422, "invalid-field", **given)
    assert r.findtext("i:message") == "'record-workaround' on a %s problem revises its " \
        "<workaround>: send the new text" % state, r.text
    if same == "spaced":    # a paragraph split is a revision, though the words are the same
        split = wa.replace(" ", "\n\n", 1)
        t = act(pclient, "problems", n, "record-workaround", user="pm1",
                workaround=split).ticket()
        assert (t["state"], t["workaround"]) == (state, split), t
    t = act(pclient, "problems", n, "record-workaround", user="pm1",
            workaround=wa + " Then restart the feed.").ticket()
    assert (t["state"], t["workaround"]) == (state, wa + " Then restart the feed."), t


@pytest.mark.parametrize("action,state,field,text", [
    ("record-workaround", "under-investigation", "workaround", "   "),
    ("record-workaround", "workaround-in-place", "workaround", " \t "),   # no revision to blank
    ("identify-root-cause", "workaround-in-place", "rootCause", "\n"),
    ("identify-solution", "root-cause-identified", "solution", "\n \r\n"),
    ("identify-root-cause", "workaround-in-place", "rootCause", "\u00a0\u2003"),  # Unicode spaces
    ("record-workaround", "under-investigation", "workaround", "\u200b"),      # shown as nothing
    ("identify-root-cause", "workaround-in-place", "rootCause", " \ufeff\u2060 "),
    ("record-workaround", "under-investigation", "workaround", "\u3164\u00ad"),  # fillers
])
def test_step_with_white_space_for_its_text_is_refused(pclient, database, action, state, field,
                                                        text):
    """White space only is no text: 422 invalid-field, nothing written, no journal entry."""
    n = number(new_problem(pclient))
    walk(pclient, n, state)
    before = get(pclient, "problems", n).ticket()
    entries = len(journal_entries(pclient, "problems", n))
    r = refused(pclient, database, n, action, 422, "invalid-field", **{field: text})
    assert field in r.findtext("i:message")
    assert len(journal_entries(pclient, "problems", n)) == entries
    t = get(pclient, "problems", n).ticket()
    assert (t["state"], t.get(field), t["knownError"]) == (state, before.get(field),
                                                           before["knownError"]), t


def test_resolving_with_a_long_solution_keeps_the_incidents_journal_well_formed(pclient):
    """The solution told to the open incidents is clipped on a character, never inside one
    (399 ASCII bytes then five two-byte characters: a cut at 400 bytes split the first)."""
    p = number(new_problem(pclient))
    i = number(new_incident(pclient, title="Told of a long solution"))
    assert link(pclient, "incidents", i, "caused-by", p).status == 201
    walk(pclient, p, "root-cause-identified")
    solution = "a" * 399 + "\u00e9" * 5
    act(pclient, "problems", p, "identify-solution", user="pm1", solution=solution)
    act(pclient, "problems", p, "resolve", user="pm1")
    r = journal(pclient, "incidents", i, user="agent1")       # parsed: well-formed XML
    notes = [e.findtext("i:note", namespaces={"i": NS}) for e in r.findall("i:entry")
             if e.get("action") == "linked-note"]
    assert len(notes) == 1 and notes[0].endswith("a" * 10 + "...") and "\ufffd" not in notes[0]


def test_cancel_stops_the_clocks(pclient):
    n = number(new_problem(pclient))
    walk(pclient, n, "workaround-in-place")
    t = act(pclient, "problems", n, "cancel", user="pm1")
    assert t.ticket()["state"] == "cancelled"
    assert all("stopped" in c for c in targets(t).values())
    # a cancelled problem is not changed any more
    patch(pclient, "problems", n, user="pm1", expect=409, code="invalid-transition",
          service="DIP")


def test_raci_the_desk_logs_the_problem_manager_moves_it(pclient, database):
    n = number(new_problem(pclient))
    before = database.snapshot()
    # the service desk (agent1) raises and updates, but does not investigate (LLSD 8.6)
    assert_error(pclient.post("/problems/%s/actions/investigate" % n, None, user="agent1",
                              headers={"If-Match": get(pclient, "problems", n).etag}), 403,
                 "forbidden")
    # a participant (service provider: C/I) may not raise one
    r = new_problem(pclient, user="alice", expect=403)
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == before
    # the resolver (service SME, A for developing the solution) identifies the solution
    walk(pclient, n, "root-cause-identified")
    r = act(pclient, "problems", n, "identify-solution", user="res1",
            solution="Patch the adapter", solutionTimeframe="next release")
    assert r.ticket()["state"] == "solution-identified"


@pytest.mark.parametrize("field", ["rootCause", "workaround", "solution"])
def test_steps_texts_only_through_their_actions(pclient, database, field):
    n = number(new_problem(pclient))
    walk(pclient, n, "under-investigation")
    before = database.snapshot()
    r = patch(pclient, "problems", n, user="pm1", expect=422, code="invalid-field",
              **{field: "set by PATCH"})
    assert field in r.findtext("i:message")
    assert database.snapshot() == before


@pytest.mark.parametrize("state,action,user,fields", [
    # an investigation that brings a root cause and a workaround: no known error without
    # its steps (their stamps, the root-cause clock)
    ("new", "investigate", "pm1", {"rootCause": "x", "workaround": "y"}),
    # a workaround published that was never recorded
    ("under-investigation", "publish-workaround", "pm1", {"workaround": "y"}),
    # the workaround recorded with a root cause the process never identified
    ("under-investigation", "record-workaround", "pm1", {"workaround": "y", "rootCause": "x"}),
    # the resolver identifies the solution: the root cause and workaround are not theirs
    ("root-cause-identified", "identify-solution", "res1",
     {"solution": "s", "rootCause": "rewritten"}),
    ("root-cause-identified", "identify-solution", "res1",
     {"solution": "s", "workaround": "rewritten"}),
    ("workaround-in-place", "identify-root-cause", "pm1",
     {"rootCause": "x", "solutionTimeframe": "soon"}),
])
def test_an_actions_document_records_only_its_own_text(pclient, database, state, action, user,
                                                        fields):
    n = number(new_problem(pclient))
    walk(pclient, n, state)
    other = [f for f in fields if not (f == "workaround" and action == "record-workaround")
             and not (f == "rootCause" and action == "identify-root-cause")
             and not (f == "solution" and action == "identify-solution")]
    r = refused(pclient, database, n, action, 422, "invalid-field", user=user, **fields)
    assert any(f in r.findtext("i:message") for f in other), r
    assert get(pclient, "problems", n).ticket()["state"] == state


def test_categorising_after_logging_is_problem_managements(pclient, database):
    """LLSD 8.6: the desk raises (and categorises at logging), the SMEs develop the solution;
    the level (the KPI targets: a missed clock re-evaluated against another level) and the
    service are then problem management's to change."""
    n = number(new_problem(pclient, level="1", service="DIP", assignee="res1"))
    for user, fields in (("res1", {"level": "4"}), ("agent1", {"level": "3"}),
                         ("res1", {"service": "Registration"})):
        before = database.snapshot()
        r = patch(pclient, "problems", n, user=user, expect=403, code="forbidden", **fields)
        assert "level" in r.findtext("i:message")
        assert database.snapshot() == before
    # ... nor through an action's document: the resolver's identify-solution
    walk(pclient, n, "root-cause-identified")
    for fields in ({"level": "4"}, {"service": "Registration"}):
        refused(pclient, database, n, "identify-solution", 403, "forbidden", user="res1",
                solution="Patch it", **fields)
    # the rest of the statement stays theirs to update
    assert patch(pclient, "problems", n, user="res1",
                 background="Seen since the release").ticket()["background"] == \
        "Seen since the release"
    t = patch(pclient, "problems", n, user="pm1", level="4", service="Registration").ticket()
    assert (t["level"], t["service"]) == ("4", "Registration")


def test_import_brings_only_a_problem_state_and_stops_its_clocks(pclient, database):
    """An import (itsm-admin, with <opened>) brings the state the problem had in the old
    tool: one of a problem's (422 else, nothing written); one past the solution's
    identification has its clocks stopped, so that the sweep never counts a breach of a
    finished problem."""
    opened = rfc(utcnow() - 30 * 24 * H)
    for state in ("bogus", "in-progress", "awaiting-info"):
        before = database.snapshot()
        r = new_problem(pclient, user="admin1", expect=422, state=state, opened=opened)
        assert_error(r, 422, "invalid-field")
        assert database.snapshot() == before
    t = new_problem(pclient, user="admin1", state="closed", opened=opened)
    sla = targets(t)
    assert sla["solution"]["status"] in ("met", "missed"), sla
    assert sla["root-cause"]["status"] == "not-started", sla
    running = new_problem(pclient, user="admin1", state="under-investigation", opened=opened)
    assert targets(running)["solution"]["status"] in ("in-sla", "warning", "breached")
    # no KPI field is brought at logging, imported or not
    before = database.snapshot()
    new_problem(pclient, expect=422, solutionTimeframe="next release")
    assert database.snapshot() == before


def test_kpi_of_a_clock_not_started_is_refused(pclient, database):
    n = number(new_problem(pclient))
    before = database.snapshot()
    assert_error(pclient.get("/problems/%s/sla/root-cause" % n, user="pm1"), 409,
                 "clock-not-started")
    assert database.snapshot() == before
    one = pclient.get("/problems/%s/sla/solution" % n, user="pm1")
    assert one.status == 200 and set(targets(one)) == {"solution"}
    # once the workaround is in place it runs
    walk(pclient, n, "workaround-in-place")
    one = pclient.get("/problems/%s/sla/root-cause" % n, user="pm1")
    assert one.status == 200 and targets(one)["root-cause"]["status"] == "in-sla"
    assert "due" in targets(one)["root-cause"]
    explained = pclient.get("/problems/%s/sla" % n, user="pm1")
    assert explained.status == 200 and set(targets(explained)) == {"root-cause", "solution"}


def test_known_errors_are_filtered(pclient):
    known = number(new_problem(pclient, title="Known error"))
    walk(pclient, known, "root-cause-identified")
    workaround_only = number(new_problem(pclient, title="Workaround only"))
    walk(pclient, workaround_only, "workaround-in-place")
    r = pclient.get("/problems", user="agent1", params={"knownError": "true", "limit": 500})
    assert r.status == 200, r
    got = r.numbers()
    assert known in got and workaround_only not in got
    r = pclient.get("/problems", user="agent1", params={"knownError": "false", "limit": 500})
    assert workaround_only in r.numbers() and known not in r.numbers()
    # xs:boolean's 1 and 0 filter alike; another value is refused, not an empty list
    assert pclient.get("/problems", user="agent1",
                       params={"knownError": "1", "limit": 500}).numbers() == got
    assert pclient.get("/problems", user="agent1", params={"knownError": "0", "limit": 500}
                       ).numbers() == r.numbers()
    for bad in ("yes", "TRUE", ""):
        assert_error(pclient.get("/problems", user="agent1", params={"knownError": bad}),
                     400, "bad-query")
    # a root cause without a workaround (no workaround known, level 3) is no known error
    no_wa = number(new_problem(pclient, level="3"))
    walk(pclient, no_wa, "under-investigation")
    t = act(pclient, "problems", no_wa, "identify-root-cause", user="pm1",
            rootCause="A race in the scheduler").ticket()
    assert (t["state"], t["knownError"]) == ("root-cause-identified", "false")
    assert targets(get(pclient, "problems", no_wa))["root-cause"]["status"] == "not-started"
    # ... until a workaround is recorded for it (the state does not move back)
    t = act(pclient, "problems", no_wa, "record-workaround", user="pm1",
            workaround="Restart the scheduler").ticket()
    assert (t["state"], t["knownError"]) == ("root-cause-identified", "true")


# ---- incidents caused by a problem

def test_a_cancelled_known_error_is_no_longer_one(pclient):
    """Cancelling a known error withdraws it from the KEDB: knownError false, out of the
    filter and of the suggestions at triage."""
    words = "Bryophyte relay duplicates meter readings"
    n = number(new_problem(pclient, title=words, description="Readings arrive twice"))
    walk(pclient, n, "root-cause-identified")
    inc = new_incident(pclient, title="Meter readings duplicated by the bryophyte relay")
    assert n in [s[0] for s in suggestions(inc)]
    r = act(pclient, "problems", n, "cancel", user="pm1")
    assert r.ticket()["knownError"] == "false"
    got = pclient.get("/problems", user="agent1", params={"knownError": "true", "limit": 500})
    assert got.status == 200 and n not in got.numbers()
    inc = new_incident(pclient, title="Meter readings duplicated by the bryophyte relay")
    assert n not in [s[0] for s in suggestions(inc)]


def test_incidents_link_from_either_end(pclient, database):
    p = number(new_problem(pclient))
    i1 = number(new_incident(pclient, title="Rejected file 1"))
    i2 = number(new_incident(pclient, title="Rejected file 2"))
    # from the incident (the desk) ...
    assert link(pclient, "incidents", i1, "caused-by", p).status == 201
    # ... and from the problem (the problem manager)
    r = link(pclient, "problems", p, "caused-by", i2, user="pm1")
    assert r.status == 201, r
    # the answer names the link as stored: from the incident to the problem
    assert (r.findtext("i:type"), r.findtext("i:target"), r.findtext("i:from")) == \
        ("caused-by", p, i2), r
    assert r.headers["Location"].endswith("/problems/%s/links" % p), r
    got = pclient.get("/problems/%s/links" % p, user="pm1").findall("i:link")
    assert sorted((l.get("number"), l.get("direction")) for l in got) == \
        sorted([(i1, "in"), (i2, "in")])
    assert get(pclient, "problems", p).ticket()["incidentCount"] == "2"
    # many incidents to one problem, one problem per incident
    other = number(new_problem(pclient))
    assert_error(link(pclient, "incidents", i1, "caused-by", other), 409, "link-limit")
    assert_error(link(pclient, "problems", other, "caused-by", i2, user="pm1"), 409,
                 "link-limit")
    # only incidents: a problem is not caused by a problem
    assert_error(link(pclient, "problems", other, "caused-by", p, user="pm1"), 422,
                 "invalid-link")
    # unlinked: counted down
    cur = get(pclient, "incidents", i1)
    r = pclient.delete("/incidents/%s/links/caused-by/%s" % (i1, p), user="agent1",
                       headers={"If-Match": cur.etag})
    assert r.status == 204, r
    assert get(pclient, "problems", p).ticket()["incidentCount"] == "1"
    # a closed or cancelled problem is not changed any more: no unlink either
    act(pclient, "problems", p, "cancel", user="pm1")
    before = database.snapshot()
    cur = get(pclient, "incidents", i2)
    r = pclient.delete("/incidents/%s/links/caused-by/%s" % (i2, p), user="agent1",
                       headers={"If-Match": cur.etag})
    assert_error(r, 409, "invalid-transition")
    assert database.snapshot() == before


@pytest.mark.parametrize("final", ["cancelled", "closed"])
def test_a_finished_problem_takes_no_link_of_any_type(pclient, database, final):
    """A closed or cancelled problem is not changed any more: no link of any type is added
    to it or removed from it where the change writes it (posted on the problem, or caused-by
    from an incident, which the problem hears of): 409, nothing written, no journal entry. A
    link from another ticket that only names it writes that ticket alone."""
    p = number(new_problem(pclient))
    other = number(new_problem(pclient, title="Another problem"))
    inc = number(new_incident(pclient, title="Rejected again"))
    linked = number(new_incident(pclient, title="Linked before the end"))
    assert link(pclient, "problems", p, "relates-to", other, user="pm1").status == 201
    assert link(pclient, "incidents", linked, "caused-by", p).status == 201
    if final == "cancelled":
        act(pclient, "problems", p, "cancel", user="pm1")
    else:
        walk(pclient, p, "closed")
    before = database.snapshot()
    journal_before = journal_entries(pclient, "problems", p)
    cur = get(pclient, "problems", p)
    refusals = [
        pclient.post("/problems/%s/links" % p, link_xml("relates-to", inc), user="pm1",
                     headers={"If-Match": "*"}),
        pclient.post("/problems/%s/links" % p, link_xml("relates-to", other), user="pm1",
                     headers={"If-Match": cur.etag}),
        pclient.delete("/problems/%s/links/relates-to/%s" % (p, other), user="pm1",
                       headers={"If-Match": cur.etag}),
        pclient.post("/problems/%s/links" % p, link_xml("caused-by", inc), user="pm1",
                     headers={"If-Match": cur.etag}),
        link(pclient, "incidents", inc, "caused-by", p),
        pclient.delete("/incidents/%s/links/caused-by/%s" % (linked, p), user="agent1",
                       headers={"If-Match": get(pclient, "incidents", linked).etag}),
    ]
    for r in refusals:
        assert_error(r, 409, "invalid-transition")
    assert "%s is %s" % (p, final) in refusals[0].findtext("i:message"), refusals[0]
    assert database.snapshot() == before
    assert journal_entries(pclient, "problems", p) == journal_before
    assert get(pclient, "problems", p).etag == cur.etag
    # a link from an incident that only names the problem writes the incident alone
    r = link(pclient, "incidents", inc, "relates-to", p)
    assert r.status == 201, r
    assert get(pclient, "problems", p).etag == cur.etag
    assert journal_entries(pclient, "problems", p) == journal_before


def test_finished_incidents_are_still_linked_to_their_problem(pclient):
    """The incident process keeps no such rule: an incident resolved, closed or cancelled
    long before its problem is logged is linked to it (LLSD 8.3's related incidents)."""
    p = number(new_problem(pclient))
    i = number(new_incident(pclient, title="Cancelled before the problem"))
    act(pclient, "incidents", i, "cancel", user="agent1")
    assert link(pclient, "incidents", i, "caused-by", p).status == 201
    assert get(pclient, "problems", p).ticket()["incidentCount"] == "1"


def test_open_incident_shows_the_problems_workaround(pclient):
    p = number(new_problem(pclient, title="DIP adapter drops big files"))
    i = number(new_incident(pclient))
    assert link(pclient, "incidents", i, "caused-by", p).status == 201
    assert shown(get(pclient, "incidents", i, user="agent1")) == \
        [("caused-by", p, "problem", {"title": "DIP adapter drops big files", "state": "new"})]
    walk(pclient, p, "workaround-in-place")
    wa = PATH[1][2]["workaround"]
    got = shown(get(pclient, "incidents", i, user="agent1"))
    assert got[0][3]["workaround"] == wa and got[0][3]["state"] == "workaround-in-place"
    # a finished incident does not show it
    for action, fields in (("resolve", {"resolution": "Re-sent"}), ("close", {})):
        act(pclient, "incidents", i, action, user="agent1", **fields)
    assert shown(get(pclient, "incidents", i, user="agent1")) == []


def test_resolving_a_problem_tells_its_open_incidents(pclient):
    p = number(new_problem(pclient))
    # raised by im1 (an incident manager): their feed hears of it
    open_i = number(new_incident(pclient, user="im1", title="Still open"))
    closed_i = number(new_incident(pclient, user="im1", title="Already closed"))
    for i in (open_i, closed_i):
        assert link(pclient, "incidents", i, "caused-by", p).status == 201
    for action, fields in (("resolve", {"resolution": "Re-sent"}), ("close", {})):
        act(pclient, "incidents", closed_i, action, user="agent1", **fields)
    n_closed = len(journal_entries(pclient, "incidents", closed_i))
    walk(pclient, p, "resolved")
    last = journal_entries(pclient, "incidents", open_i)[-1]
    assert (last[0], last[2]) == ("linked-note", "pm1")
    assert len(journal_entries(pclient, "incidents", closed_i)) == n_closed
    assert any("resolved" in (e["summary"] or "") for e in feed_for(pclient, "im1", open_i))


def test_news_of_a_problem_reaches_only_those_who_may_see_it(pclient):
    """A linked note carries the problem's number and title into each incident's journal and
    its followers' feeds: alice (a participant of ALPE) reads her party's incident, but not
    the ELEX problem behind it, so neither its number nor its title reaches her in the
    incident's journal, as its linked block leaves the problem out for her; agent1 reads
    both. Fails with the journal's note shown as written (tickets.c)."""
    title = "Quietly truncated adapter uploads %s" % id(pclient)   # no common word: the suggestions tests
    p = number(new_problem(pclient, title=title))
    i = number(new_incident(pclient, party="ALPE"))
    assert link(pclient, "incidents", i, "caused-by", p).status == 201
    get(pclient, "problems", p, user="alice", expect=404)
    assert shown(get(pclient, "incidents", i, user="alice")) == []
    walk(pclient, p, "resolved")

    def notes(user):
        r = journal(pclient, "incidents", i, user=user)
        return [e.findtext("i:note", namespaces={"i": NS}) for e in r.findall("i:entry")
                if e.get("action") == "linked-note"]

    assert len(notes("agent1")) == 1 and notes("agent1")[0].startswith(p + ": ")
    assert title in notes("agent1")[0]
    assert notes("alice") == ["(not visible)"]
    # the raiser's feed carries the news (its summary passes the same check as the journal's
    # note; no follower of an incident is kept from its problem under the shipped roles)
    assert any(title in (e["summary"] or "") for e in feed_for(pclient, "agent1", i))


def test_raiser_and_resolver_group_follow_the_problem(pclient):
    n = number(new_problem(pclient, group=GROUP))
    act(pclient, "problems", n, "investigate", user="pm1")
    for who in ("agent1", "res1"):      # the raiser; a member of the resolver group
        assert any(e["number"] == n for e in feed_for(pclient, who, n)), who


# ---- publishing the workaround: refusals without the knowledge process

def test_publish_workaround_without_a_workaround_is_refused(pclient, database):
    n = number(new_problem(pclient))
    walk(pclient, n, "under-investigation")
    refused(pclient, database, n, "publish-workaround", 409, "no-workaround")


def test_publish_workaround_without_the_knowledge_process_is_refused(pclient, database):
    n = number(new_problem(pclient))
    i = number(new_incident(pclient))
    assert link(pclient, "incidents", i, "caused-by", n).status == 201
    walk(pclient, n, "root-cause-identified")
    r = refused(pclient, database, n, "publish-workaround", 409, "knowledge-not-loaded")
    assert "mod_itsm_knowledge" in r.findtext("i:message")
    assert "workaroundPublished" not in get(pclient, "problems", n).ticket()


# ---- suggestions at triage: known errors matching a new case or incident

def suggestions(resp):
    s = resp.find("i:suggestions")
    return [] if s is None else [(e.get("number"), e.get("kind"), e.get("title"))
                                 for e in s.findall("{%s}suggestion" % NS)]


def test_new_tickets_carry_matching_known_errors_for_agents(pclient):
    known = number(new_problem(pclient, title="Quillwort gateway drops settlement files",
                               description="The quillwort gateway truncates large files"))
    walk(pclient, known, "root-cause-identified")
    # the same words, but no known error (no workaround, no root cause yet)
    plain = number(new_problem(pclient, title="Quillwort gateway slow at month end"))
    inc = new_incident(pclient, title="Settlement file lost by the quillwort gateway",
                       description="Our file never arrived")
    got = suggestions(inc)
    assert (known, "problem", "Quillwort gateway drops settlement files") in got, got
    assert plain not in [n for n, _, _ in got]
    i = inc.ticket()["number"]
    assert known in [n for n, _, _ in suggestions(get(pclient, "incidents", i, user="agent1"))]
    # a participant's case: the desk sees the suggestion, the participant does not
    case = pclient.post("/cases", b'<case xmlns="urn:mod-itsm:xml:1"><title>Quillwort gateway '
                        b'rejected our file</title><description>Rejected twice</description>'
                        b'</case>', user="alice")
    assert case.status == 201, case
    c = case.ticket()["number"]
    assert suggestions(case) == []
    assert known in [n for n, _, _ in suggestions(get(pclient, "cases", c, user="agent1"))]
    # once triage has moved the incident on, it carries none
    act(pclient, "incidents", i, "start", user="agent1")
    assert suggestions(get(pclient, "incidents", i, user="agent1")) == []
    # words that match no known error: none
    other = new_incident(pclient, title="Printer out of toner", description="Third floor")
    assert suggestions(other) == []
    # nor words of every text ("the" is in the known error's description): none
    other = new_incident(pclient, title="Zqxv again", description="the same as before")
    assert suggestions(other) == []
    # nor a lone character ("2" of "tray 2": an exploratory tester's printer problem)
    two = known_error(pclient, "Printer tray %d jams" % id(pclient), "Feed tray 2 jams x")
    other = new_incident(pclient, title="Payroll export at 2", description="x")
    assert two not in [n for n, _, _ in suggestions(other)]


def known_error(client, title, description, **fields):
    n = number(new_problem(client, title=title, description=description, **fields))
    walk(client, n, "root-cause-identified")
    return n


def test_suggestions_with_no_known_error_and_within_the_known_errors_span(env, database):
    """The core finds the span of the known errors first (field index): with none it
    searches nothing; else the search walks only the matches from the oldest to the newest
    known error, and finds those at both ends, ranked as before. A server of its own on a
    fresh database, so that the known errors are this test's."""
    name = "suggest%d" % len(env.stoppers)
    itsm = itsm_directives(env)
    itsm["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")
    itsm["DBDParams"] = '"%s"' % database.fresh(name)
    Httpd.serial += 1
    h = Httpd(env, "%s-%d" % (name, Httpd.serial), itsm=itsm, processes=("problem",),
              without=("knowledge",))
    h.start()
    try:
        c = Client(h)
        words = dict(title="Zebrafinch relay outage", description="The relay is down")
        # no problem at all, then matching problems none of which is a known error
        assert suggestions(new_incident(c, **words)) == []
        older = number(new_problem(c, title="Zebrafinch relay outage",
                                   description="The zebrafinch relay is down"))
        assert suggestions(new_incident(c, **words)) == []
        medium = known_error(c, "Zebrafinch relay slow", "Slow answers from the relay")
        weak = known_error(c, "Batch report late",
                           "The nightly report waits for the zebrafinch export")
        strong = known_error(c, "Zebrafinch relay outage at night",
                             "The zebrafinch relay drops its outage alarms")
        newer = number(new_problem(c, title="Zebrafinch relay outage",
                                   description="The zebrafinch relay is down again"))
        expected = [strong, medium, weak]
        assert [n for n, _, _ in suggestions(new_incident(c, **words))] == expected
        # more known errors (none matching): the span takes in the newer problem, which
        # is still no known error
        for i in range(17):
            known_error(c, "Ledger mismatch %d" % i, "Quarter end totals differ")
        assert [n for n, _, _ in suggestions(new_incident(c, **words))] == expected
        # problems that become known errors (outside the span so far) are suggested from
        # then on, with the best of the others
        walk(c, older, "root-cause-identified")
        walk(c, newer, "root-cause-identified")
        got = [n for n, _, _ in suggestions(new_incident(c, **words))]
        assert set(got) == {older, newer, strong}, got
    finally:
        h.stop()


def test_suggestions_a_reader_may_see_are_not_cut_by_those_they_may_not(pclient):
    """The core keeps more candidates with a new case than it shows (document.c), so that
    the known errors of parties a reader cannot see, ranked above the reader's own, do not
    leave the reader with fewer than three: alice (ALPE) raises a case that four of BRMP's
    known errors match better (their words more often) than three of ALPE's; she is shown
    exactly ALPE's three, none of BRMP's, and the desk (who reads every party) the best
    three, BRMP's. Fails with only the best three kept (alice was shown none). Uncommon
    words only: other tests' suggestion searches match any common word."""
    theirs = [known_error(pclient, "Xylocarp vexillum xylocarp vexillum %d" % i,
                          "Xylocarp vexillum xylocarp vexillum", party="BRMP")
              for i in range(4)]
    mine = [known_error(pclient, "Xylocarp pennant %d" % i, "Nacreous pennant", party="ALPE")
            for i in range(3)]
    case = new_case(pclient, title="Xylocarp vexillum", description="Xylocarp vexillum")
    c = case.ticket()["number"]
    for resp in (case, get(pclient, "cases", c, user="alice")):
        got = suggestions(resp)
        assert sorted(n for n, _, _ in got) == sorted(mine), (got, mine, theirs)
        assert all(k == "problem" for _, k, _ in got)
    for n in mine:
        assert get(pclient, "problems", n, user="alice").ticket()["party"] == "ALPE"
    for n in theirs:
        get(pclient, "problems", n, user="alice", expect=404)
    desk = [n for n, _, _ in suggestions(get(pclient, "cases", c, user="agent1"))]
    assert len(desk) == 3 and set(desk) <= set(theirs), (desk, theirs)


def test_an_assignee_in_the_group_hears_of_a_change_once(pclient):
    """A problem's followers are its raiser, its assignee and its group's members: res1,
    assignee and a member of the group, is reached both ways, and her feed shows each change
    once (a notice per journal entry), as does that of res1's fellow follower, the raiser."""
    n = number(new_problem(pclient, level="4", assignee="res1", group=GROUP,
                           title="Heard once"))
    act(pclient, "problems", n, "investigate", user="pm1")
    patch(pclient, "problems", n, user="pm1", description="Seen on two more suppliers")
    assert [e["action"] for e in feed_for(pclient, "res1", n)] == \
        ["update", "investigate", "create"]
    assert [e["action"] for e in feed_for(pclient, "agent1", n)] == ["update", "investigate"]


def test_a_reader_of_problems_is_not_shown_the_incidents_they_may_not_read(pclient):
    """author1 (knowledge author) reads problems but is granted no incident: a problem's
    links and journal named its incidents, each page of them a 403 (the portal tester's
    finding). They are left out of the links and "(not visible)" in the journal; pm1 and
    the desk see them."""
    p = number(new_problem(pclient))
    i = number(new_incident(pclient, title="Rejected file for the author"))
    assert link(pclient, "incidents", i, "caused-by", p).status == 201
    assert pclient.get("/incidents/" + i, user="author1").status in (403, 404)
    r = pclient.get("/problems/%s/links" % p, user="author1")
    assert r.status == 200 and i not in r.text, r.text
    j = pclient.get("/problems/%s/journal" % p, user="author1")
    assert j.status == 200 and i not in j.text and "(not visible)" in j.text, j.text
    for user in ("pm1", "agent1"):
        assert i in pclient.get("/problems/%s/links" % p, user=user).text, user
        assert i in pclient.get("/problems/%s/journal" % p, user=user).text, user
