# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The post-incident review of mod_itsm_incident (LLSD 7): publish-review on a resolved or
closed major incident, on time or late, and its refusals; review actions (/itsm/review-actions,
PIA numbers) agreed in the review, linked to the incident and tracked to closure, with their
refusals. Every refusal changes nothing."""
import re

import pytest

from conftest import assert_error, link_xml, ticket_xml
from incident_util import (D, act, get, journal_entries, list_numbers, new_case, new_incident,
                           nothing_changed, patch, rfc, schema_ready, tag, ts, unchanged,
                           utcnow)  # noqa: F401 (autouse fixture)


def major_in(client, state):
    """A major incident (P1) brought to state."""
    n = new_incident(client, impact="high", urgency="high",
                     title="Major %s %s" % (state, tag())).ticket()["number"]
    act(client, "incidents", n, "start")
    act(client, "incidents", n, "declare-major", user="im1")
    if state in ("resolved", "closed"):
        act(client, "incidents", n, "resolve", user="im1", resolution="Failed over")
    if state == "closed":
        act(client, "incidents", n, "close", user="im1")
    return n


@pytest.mark.parametrize("state", ["resolved", "closed"])
def test_publish_review(client, state):
    n = major_in(client, state)
    r = act(client, "incidents", n, "publish-review", user="im1",
            review="Root cause: expired certificate. Actions agreed.")
    t = r.ticket()
    (action, at, actor, _), = [e for e in journal_entries(client, "incidents", n)
                               if e[0] == "publish-review"]
    assert actor == "im1"
    assert t["state"] == state
    assert t["review"].startswith("Root cause")
    assert t["reviewPublished"] == rfc(at)
    assert t["reviewLate"] == "false"
    assert ts(t["reviewPublished"]) <= ts(t["reviewDue"])


def _ordinary_resolved(client):
    n = new_incident(client, impact="low", urgency="low").ticket()["number"]
    act(client, "incidents", n, "resolve", resolution="done")
    return n


def _published(client):
    n = major_in(client, "resolved")
    act(client, "incidents", n, "publish-review", user="im1", review="done")
    return n


@pytest.mark.parametrize("setup,user,fields,status,code", [
    (lambda c: major_in(c, "in-progress"), "im1", {"review": "early"}, 409,
     "invalid-transition"),
    (_ordinary_resolved, "im1", {"review": "not major"}, 409, "invalid-transition"),
    (_published, "im1", {"review": "again"}, 409, "invalid-transition"),
    (lambda c: major_in(c, "resolved"), "im1", {}, 422, "invalid-field"),
    (lambda c: major_in(c, "resolved"), "im1", {"note": "no review text"}, 422,
     "invalid-field"),
    (lambda c: major_in(c, "resolved"), "im1", {"review": " \u00a0\n"}, 422, "invalid-field"),
    (lambda c: major_in(c, "resolved"), "agent1", {"review": "desk"}, 403, "forbidden"),
    (lambda c: major_in(c, "resolved"), "res1", {"review": "resolver"}, 403, "forbidden"),
    (lambda c: major_in(c, "resolved"), "alice", {"review": "participant"}, 403, "forbidden"),
], ids=["open-major", "not-major", "twice", "no-review", "note-only", "blank-review", "agent1",
        "res1", "alice"])
def test_publish_review_refused(client, database, setup, user, fields, status, code):
    n = setup(client)
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "publish-review", user=user, expect=status, code=code,
            **fields)
    if get(client, "incidents", n).findtext("i:state") == "in-progress":
        act(client, "incidents", n, "cancel")


def ra_body(**fields):
    return ticket_xml("reviewAction", **fields)


def new_action(client, incident, user="im1", expect=201, **fields):
    fields.setdefault("title", "Renew certificates automatically")
    r = client.post("/review-actions", ra_body(incident=incident, **fields), user=user)
    assert r.status == expect, r
    return r


def ra_act(client, number, action, user="im1", expect=200, code=None, **fields):
    et = client.get("/review-actions/" + number, user="im1").etag
    r = client.post("/review-actions/%s/actions/%s" % (number, action),
                    ra_body(**fields) if fields else None, user=user, headers={"If-Match": et})
    if expect == 200:
        assert r.status == 200 and r.root == "reviewAction", r
    else:
        assert_error(r, expect, code)
    return r


def ra_snapshot(database, client, number):
    class Ctx:
        def __enter__(self):
            self.db = database.snapshot()
            self.t = client.get("/review-actions/" + number, user="im1").text

        def __exit__(self, et, ev, tb):
            if et is None:
                assert database.snapshot() == self.db, "database changed"
                assert client.get("/review-actions/" + number, user="im1").text == self.t
            return False
    return Ctx()


def test_review_actions_lifecycle(client, database):
    inc = major_in(client, "resolved")
    act(client, "incidents", inc, "publish-review", user="im1", review="Two actions agreed")
    due = rfc(utcnow() + 14 * D)
    r = new_action(client, inc, due=due, description="Automate renewal")
    t = r.ticket()
    a1 = t["number"]
    assert re.fullmatch(r"PIA\d{7}", a1)
    assert (t["state"], t["incident"], t["due"], t["kind"]) == ("open", inc, due,
                                                                 "review-action")
    assert r.headers["Location"].endswith("/itsm/review-actions/" + a1)
    a2 = new_action(client, inc, title="Add certificate expiry alarm").ticket()["number"]
    # linked to the incident, seen from both ends
    for a in (a1, a2):
        lr = client.post("/incidents/%s/links" % inc, link_xml("relates-to", a), user="im1",
                         headers={"If-Match": get(client, "incidents", inc).etag})
        assert lr.status == 201, lr
    # review actions are children of their incident: the core links each to it (child-of)
    # when it is created, and the incident counts those still open
    links = client.get("/incidents/%s/links" % inc, user="im1")
    assert {(l.get("number"), l.get("kind"), l.get("direction"), l.get("type"))
            for l in links.findall("i:link")} == {
        (a1, "review-action", "out", "relates-to"), (a2, "review-action", "out", "relates-to"),
        (a1, "review-action", "in", "child-of"), (a2, "review-action", "in", "child-of")}
    back = client.get("/review-actions/%s/links" % a1, user="im1")
    assert [(l.get("number"), l.get("direction"), l.get("type"))
            for l in back.findall("i:link")] == [(inc, "out", "child-of"),
                                                 (inc, "in", "relates-to")]
    assert get(client, "incidents", inc).ticket()["openReviewActions"] == "2"
    # complete needs an outcome (and changes nothing without it)
    with ra_snapshot(database, client, a1):
        ra_act(client, a1, "complete", expect=422, code="invalid-field")
        ra_act(client, a1, "complete", expect=422, code="invalid-field", note="no outcome")
        ra_act(client, a1, "complete", expect=422, code="invalid-field", outcome="   ")
        ra_act(client, a1, "reopen", expect=409, code="invalid-transition")
    r = ra_act(client, a1, "complete", user="agent1", outcome="Renewal automated")
    t = r.ticket()
    assert t["state"] == "done" and t["outcome"] == "Renewal automated" and t["completed"]
    assert get(client, "incidents", inc).ticket()["openReviewActions"] == "1"
    with ra_snapshot(database, client, a1):
        ra_act(client, a1, "complete", expect=409, code="invalid-transition",
               outcome="again")
    # done, it keeps its outcome: a PATCH may change it, not take it out
    with ra_snapshot(database, client, a1):
        r = client.patch("/review-actions/" + a1,
                         '<reviewAction xmlns="urn:mod-itsm:xml:1"><outcome/></reviewAction>',
                         user="im1", headers={"If-Match": client.get("/review-actions/" + a1,
                                                                      user="im1").etag})
        assert_error(r, 422, "invalid-field")
        assert "keeps its <outcome>" in r.findtext("i:message")
    # open=true lists only what is still open
    assert set(list_numbers(client, "review-actions", "im1", incident=inc,
                            open="true")) == {a2}
    assert set(list_numbers(client, "review-actions", "im1", incident=inc)) == {a1, a2}
    r = ra_act(client, a1, "reopen")
    assert r.findtext("i:state") == "open" and r.findtext("i:completed") is None
    assert set(list_numbers(client, "review-actions", "im1", incident=inc,
                            open="true")) == {a1, a2}
    acts = [e.get("action") for e in
            client.get("/review-actions/%s/journal" % a1, user="im1").findall("i:entry")]
    assert acts == ["create", "complete", "reopen"], acts


@pytest.mark.parametrize("user,fields,status,code", [
    ("agent1", {}, 403, "forbidden"),           # the desk may complete, not create
    ("res1", {}, 403, "forbidden"),
    ("alice", {}, 403, "forbidden"),
    ("im1", {"incident": None}, 422, "invalid-field"),     # <incident> is required
    ("im1", {"title": None}, 422, "invalid-field"),
    ("im1", {"state": "done"}, 422, "invalid-field"),      # state only with an import
    ("im1", {"completed": "2026-01-01T00:00:00Z"}, 422, "invalid-field"),
    ("im1", {"incident": "not-a-number"}, 400, "schema-invalid"),
    ("im1", {"incident": "INC9999999"}, 422, "invalid-field"),     # no such incident
    ("im1", {"incident": "{case}"}, 422, "invalid-field"),         # a case, not an incident
])
def test_review_action_create_refused(client, database, user, fields, status, code):
    inc = major_in(client, "resolved")
    f = dict({"incident": inc, "title": "An action"}, **fields)
    if f["incident"] == "{case}":
        f["incident"] = new_case(client, "alice").ticket()["number"]
    with nothing_changed(database):
        r = client.post("/review-actions", ra_body(**f), user=user)
        assert_error(r, status, code)


@pytest.mark.parametrize("user,action,fields,status,code", [
    # alice has no role grant on the kind; the owner may complete by relation, so the
    # action is looked up in her scope, where it is not: 404 as for any other party's
    ("alice", "complete", {"outcome": "x"}, 404, "not-found"),
    ("km1", "complete", {"outcome": "x"}, 403, "forbidden"),
    ("res1", "reopen", {}, 403, "forbidden"),
    ("im1", "cancel", {}, 404, "not-found"),
])
def test_review_action_refusals(client, database, user, action, fields, status, code):
    inc = major_in(client, "resolved")
    a = new_action(client, inc).ticket()["number"]
    if action == "reopen":
        ra_act(client, a, "complete", outcome="done")
    with ra_snapshot(database, client, a):
        et = client.get("/review-actions/" + a, user="im1").etag
        r = client.post("/review-actions/%s/actions/%s" % (a, action),
                        ra_body(**fields) if fields else None, user=user,
                        headers={"If-Match": et})
        assert_error(r, status, code)


@pytest.mark.parametrize("published,user", [(True, "im1"), (True, "agent1"), (False, "im1"),
                                            (False, "agent1")])
def test_the_review_is_written_only_by_publish_review(client, database, published, user):
    """docs/incident.md: publish-review records the review text; a PATCH that would change
    it (rewrite or clear), before or after it is published, and another action's document
    carrying it are 422 invalid-field, nothing written; a PATCH sending it as it is passes."""
    n = _published(client) if published else major_in(client, "resolved")
    message = "<review> is recorded with the action publish-review"
    for review in ("Rewritten", "") if published else ("Drafted early",):
        with unchanged(database, client, "incidents", n):
            r = patch(client, "incidents", n, user=user, expect=422, code="invalid-field",
                      review=review)
            assert r.findtext("i:message") == message, r.text
    if published:
        with unchanged(database, client, "incidents", n):
            r = act(client, "incidents", n, "close", user="im1", expect=422,
                    code="invalid-field", review="Closed with another text")
            assert r.findtext("i:message") == message, r.text
        r = patch(client, "incidents", n, user="im1", review="done", description="Kept")
        assert r.findtext("i:review") == "done" and r.findtext("i:description") == "Kept"


def test_a_new_incident_brings_no_review(client, database):
    """A create carrying <review> is 422 (publish-review would otherwise publish a text its
    author never wrote, with an empty body); nothing is written."""
    snap = database.snapshot()
    r = new_incident(client, impact="high", urgency="high", review="Pre-written", expect=422)
    assert_error(r, 422, "invalid-field")
    assert r.findtext("i:message") == "<review> is recorded with the action publish-review"
    assert database.snapshot() == snap
