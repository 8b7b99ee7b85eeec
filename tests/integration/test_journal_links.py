# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The journal (who, when, which action, old -> new, note) and typed links seen from both
ends; refused changes leave both untouched."""
import re

import pytest

from conftest import (assert_error, create_ticket, journal, link_xml, ticket_xml)

NS = "{urn:mod-itsm:xml:1}"


def entries(r):
    out = []
    for e in r.findall("i:entry"):
        changes = {c.get("field"): (c.findtext(NS + "old"), c.findtext(NS + "new"))
                   for c in e.findall(NS + "change")}
        out.append(dict(seq=int(e.get("seq")), at=e.get("at"), actor=e.get("actor"),
                        action=e.get("action"), changes=changes,
                        note=e.findtext(NS + "note")))
    return out


def test_journal_records_create_update_action_note(client):
    r = create_ticket(client, "alice", title="Printer on fire", description="3rd floor",
                      priority="P3")
    n, etag = r.ticket()["number"], r.etag
    r = client.patch("/tests/" + n, ticket_xml(title="Printer smoking",
                                               note="customer called back"),
                     user="alice", headers={"If-Match": etag})
    assert r.status == 200, r
    r = client.post("/tests/%s/actions/close" % n, ticket_xml(note="fixed"), user="agent1",
                    headers={"If-Match": r.etag})
    assert r.status == 200, r

    es = entries(journal(client, n, "alice"))
    assert [e["action"] for e in es] == ["create", "update", "close"]
    assert [e["seq"] for e in es] == sorted(e["seq"] for e in es)
    assert len({e["seq"] for e in es}) == 3
    for e in es:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", e["at"]), e

    create, update, close = es
    assert create["actor"] == "alice"
    assert create["changes"]["title"] == (None, "Printer on fire")
    assert create["changes"]["description"] == (None, "3rd floor")
    assert create["changes"]["priority"] == (None, "P3")

    assert update["actor"] == "alice"
    assert update["changes"] == {"title": ("Printer on fire", "Printer smoking")}
    assert update["note"] == "customer called back"

    assert close["actor"] == "agent1"
    assert close["changes"]["state"] == ("open", "closed")
    assert close["note"] == "fixed"


def test_journal_of_invisible_ticket_404(client):
    n = create_ticket(client, "alice").ticket()["number"]
    assert_error(client.get("/tests/%s/journal" % n, user="bob"), 404, "not-found")
    assert_error(client.get("/tests/TST9999999/journal"), 404, "not-found")


def test_refused_changes_add_no_journal_entry(client, database):
    r = create_ticket(client, "alice", title="Untouchable")
    n, etag = r.ticket()["number"], r.etag
    before_journal = journal(client, n).text
    before = database.snapshot()
    path = "/tests/" + n
    refusals = [
        (client.patch(path, ticket_xml(title="x"), user="alice"), 428, "precondition-required"),
        (client.patch(path, ticket_xml(title="x"), user="alice", headers={"If-Match": '"7"'}),
         412, "precondition-failed"),
        (client.patch(path, ticket_xml(title="x"), user="bob", headers={"If-Match": etag}),
         404, "not-found"),
        (client.patch(path, ticket_xml(title="x"), user="km1", headers={"If-Match": etag}),
         403, "forbidden"),
        (client.patch(path, ticket_xml(colour="red"), user="alice", headers={"If-Match": etag}),
         400, "schema-invalid"),
        (client.patch(path, ticket_xml(number="TST0000001"), user="alice",
                      headers={"If-Match": etag}), 422, "invalid-field"),
        (client.patch(path, ticket_xml(state="closed"), user="alice",
                      headers={"If-Match": etag}), 422, "invalid-field"),
        (client.post(path + "/actions/close", user="alice", headers={"If-Match": etag}),
         403, "forbidden"),
        (client.post(path + "/actions/reopen", user="agent1", headers={"If-Match": etag}),
         409, "invalid-transition"),
        (client.post(path + "/links", link_xml("relates-to", "TST9999999"), user="alice",
                     headers={"If-Match": etag}), 422, "invalid-field"),
    ]
    for resp, status, code in refusals:
        assert_error(resp, status, code)
    assert journal(client, n).text == before_journal
    r = client.get(path, user="alice")
    assert r.etag == etag and r.ticket()["title"] == "Untouchable"
    assert database.snapshot() == before


def links_of(client, n, user="agent1"):
    r = client.get("/tests/%s/links" % n, user=user)
    assert r.status == 200 and r.root == "links", r
    assert r.doc.get("number") == n
    return [dict(l.attrib) for l in r.findall("i:link")]


def test_links_from_both_ends(client):
    a = create_ticket(client, "alice", title="source")
    b = create_ticket(client, "carol", title="target").ticket()["number"]
    na = a.ticket()["number"]
    assert links_of(client, na) == [] and links_of(client, b) == []
    assert_error(client.post("/tests/%s/links" % na, link_xml("relates-to", b), user="alice"),
                 428, "precondition-required")
    r = client.post("/tests/%s/links" % na, link_xml("relates-to", b), user="alice",
                    headers={"If-Match": a.etag})
    assert r.status == 201, r

    out = links_of(client, na, "alice")
    assert len(out) == 1
    assert out[0]["type"] == "relates-to" and out[0]["direction"] == "out"
    assert out[0]["number"] == b and out[0]["kind"] == "test" and out[0]["actor"] == "alice"
    inc = links_of(client, b, "carol")
    assert len(inc) == 1
    assert inc[0]["type"] == "relates-to" and inc[0]["direction"] == "in"
    assert inc[0]["number"] == na and inc[0]["actor"] == "alice"
    # the acting-for provider sees it too, bob sees neither end
    assert len(links_of(client, b, "prov1")) == 1
    assert_error(client.get("/tests/%s/links" % b, user="bob"), 404, "not-found")


@pytest.mark.parametrize("owner,target_owner,user", [
    ("alice", None, "alice"),           # target does not exist
    ("alice", "bob", "alice"),          # target of another party
    ("prov1", "bob", "prov1"),          # provider: bob's party is not acted for
])
def test_link_to_unknown_or_invisible_target_422(client, database, owner, target_owner,
                                                 user):
    a = create_ticket(client, owner, title="source")
    target = create_ticket(client, target_owner).ticket()["number"] if target_owner \
        else "TST9999998"
    before = database.snapshot()
    r = client.post("/tests/%s/links" % a.ticket()["number"], link_xml("relates-to", target),
                    user=user, headers={"If-Match": a.etag})
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before
    assert links_of(client, a.ticket()["number"]) == []


def test_link_bad_bodies(client, database):
    a = create_ticket(client, "agent1")
    n = a.ticket()["number"]
    before = database.snapshot()
    cases = [
        (ticket_xml(title="not a link"), 400, "wrong-root"),
        (ticket_xml("link", type="Relates To", target=n), 400, "schema-invalid"),
        (ticket_xml("link", type="relates-to"), 400, "schema-invalid"),
        (ticket_xml("link", type="relates-to", target="nonsense"), 400, "schema-invalid"),
    ]
    for body, status, code in cases:
        r = client.post("/tests/%s/links" % n, body, headers={"If-Match": a.etag})
        assert_error(r, status, code)
    assert database.snapshot() == before


def test_ticket_events_reach_another_module(client):
    """The core runs its ticket_event hook after each committed change; the test process
    module listens and names each event in an X-ITSM-Test-Event header. Reads and refused
    changes run no event."""
    def events(r):
        v = r.headers.get("X-ITSM-Test-Event")
        return [e.strip() for e in v.split(",")] if v else []

    a = create_ticket(client, "agent1", title="events")
    n = a.ticket()["number"]
    assert events(a) == ["created %s create agent1" % n]
    b = create_ticket(client, "agent1", title="event target").ticket()["number"]
    r = client.patch("/tests/" + n, ticket_xml(title="events 2"), headers={"If-Match": a.etag})
    assert r.status == 200 and events(r) == ["changed %s update agent1" % n], r
    stale = client.patch("/tests/" + n, ticket_xml(title="events 3"),
                         headers={"If-Match": a.etag})
    assert_error(stale, 412, "precondition-failed")
    assert events(stale) == []
    r = client.post("/tests/%s/links" % n, link_xml("relates-to", b), headers={"If-Match": r.etag})
    assert r.status == 201 and events(r) == ["linked %s link agent1" % n], r
    r = client.post("/tests/%s/actions/close" % n, None, headers={"If-Match": r.etag})
    assert r.status == 200 and events(r) == ["changed %s close agent1" % n], r
    assert events(client.get("/tests/" + n)) == []
    # another process module's kinds raise the same events
    inc = client.post("/incidents", ticket_xml("incident", title="event", description="d",
                                               impact="low", urgency="low"))
    assert inc.status == 201, inc
    assert events(inc) == ["created %s create agent1" % inc.ticket()["number"]]
