# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Create, read, list, update and act on tickets of the test-only process (kind "test",
collection "tests", prefix TST, states open <-> closed) through mod_itsm."""
import re
import uuid

import pytest

from conftest import (NUMBER_RE, assert_error, create_ticket, identity, list_numbers,
                      ticket_xml)


def test_service_lists_loaded_collections(client):
    r = client.get("/")
    assert r.status == 200 and r.root == "service", r
    cols = {c.get("name"): c for c in r.findall("i:collection")}
    assert "tests" in cols
    assert cols["tests"].get("kind") == "test" and cols["tests"].get("prefix") == "TST"
    assert "problems" not in cols


@pytest.mark.parametrize("user,party,acts_for,role,all_parties", [
    ("admin1", "ELEX", [], "itsm-admin", "true"),
    ("agent1", "ELEX", [], "service-desk-agent", "true"),
    ("alice", "ALPE", [], "market-participant", "false"),
    ("bob", "BRMP", [], "market-participant", "false"),
    ("prov1", "ESGS", ["ALPE", "MTRW"], "market-participant", "false"),
    ("km1", "ELEX", [], "knowledge-manager", "true"),
])
def test_me(client, user, party, acts_for, role, all_parties):
    r = identity(client, user)
    assert r.findtext("i:login") == user
    assert r.findtext("i:dn").startswith("uid=%s," % user)
    assert r.findtext("i:party") == party
    assert sorted(e.text for e in r.findall("i:actsFor")) == acts_for
    assert role in [e.text for e in r.findall("i:role")]
    assert r.findtext("i:allParties") == all_parties


def test_create_returns_201_location_etag_representation(client):
    r = create_ticket(client, "alice", title="Printer on fire", description="Third floor",
                      priority="P3")
    t = r.ticket()
    assert r.root == "ticket"
    assert re.fullmatch(NUMBER_RE, t["number"]), t
    assert t["state"] == "open" and t["kind"] == "test"
    assert t["party"] == "ALPE"
    assert t["title"] == "Printer on fire" and t["description"] == "Third floor"
    assert t["priority"] == "P3"
    assert t["createdBy"] == "alice"
    assert t["version"] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", t["opened"]), t
    assert r.etag == '"1"'
    assert r.headers["Location"].endswith("/itsm/tests/" + t["number"]), r.headers


def test_read_by_number_with_etag(client):
    t = create_ticket(client, "agent1", title="Read me", party="BRMP").ticket()
    for user in ("agent1", "bob", "admin1", "km1"):
        r = client.get("/tests/" + t["number"], user=user)
        assert r.status == 200, (user, r)
        assert r.etag == '"%s"' % t["version"]
        got = r.ticket()
        for k in ("number", "title", "party", "state", "version", "createdBy"):
            assert got[k] == t[k], k


@pytest.mark.parametrize("path,status", [
    ("/tests/{number}", 200),       # a ticket
    ("/tests?limit=50", 200),       # a list, past the writer's first buffer
    ("/tests/{number}/journal", 200),
    ("/tests/TST9999999", 404),     # an error document
    ("/", 200),
])
def test_head_answers_get_headers_without_body(client, path, status):
    """HEAD gets GET's status and headers (the body's length, its type, no caching) and no
    body; GET's Content-Length is the length of the body it sends, the document whole."""
    number = create_ticket(client, "agent1", title="Head & shoulders <3>",
                           description="\u00e9t\u00e9 \u20ac\n" * 400).ticket()["number"]
    path = path.format(number=number)
    get = client.get(path)
    head = client.request("HEAD", path)
    assert get.status == head.status == status, (get, head)
    body = get.r.content
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<') and body.endswith(b">\n")
    assert int(get.headers["Content-Length"]) == len(body)
    assert head.r.content == b""
    for h in ("Content-Length", "Content-Type", "Cache-Control"):
        assert head.headers.get(h) == get.headers.get(h), h
    assert get.headers["Content-Type"] == "application/xml"
    assert get.headers["Cache-Control"] == "private, no-cache"


def test_read_unknown_number_404(client):
    assert_error(client.get("/tests/TST9999999"), 404, "not-found")
    assert_error(client.get("/tests/not-a-number"), 404, "not-found")


def test_process_not_loaded_404(client):
    for path in ("/problems", "/problems/PRB0000001", "/incidentz"):
        assert_error(client.get(path), 404, "not-found")
    assert_error(client.post("/problems", ticket_xml(title="x")), 404, "not-found")


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/tests"),
    ("DELETE", "/tests/{n}"),
    ("PUT", "/tests/{n}"),
    ("PATCH", "/tests"),
    ("DELETE", "/tests/{n}/journal"),
    ("POST", "/tests/{n}/journal"),
    ("DELETE", "/tests/{n}/links"),
])
def test_method_not_allowed_405(client, method, path):
    n = create_ticket(client).ticket()["number"]
    r = client.request(method, path.format(n=n), body=ticket_xml(title="x"))
    assert_error(r, 405, "method-not-allowed")
    assert r.headers.get("Allow"), r.headers
    assert method not in [m.strip() for m in r.headers["Allow"].split(",")]
    assert client.get("/tests/" + n).status == 200


def test_list_and_filters(client):
    tag = uuid.uuid4().hex[:8]
    made = {}
    for prio in ("P1", "P2", "P1"):
        t = create_ticket(client, "agent1", title="filter %s" % tag, priority=prio).ticket()
        made[t["number"]] = t
    first = sorted(made)[0]
    etag = client.get("/tests/" + first).etag
    r = client.post("/tests/%s/actions/close" % first, headers={"If-Match": etag})
    assert r.status == 200, r

    every = list_numbers(client, "agent1")
    assert set(made) <= set(every)
    p1 = list_numbers(client, "agent1", priority="P1")
    assert {n for n in made if made[n]["priority"] == "P1"} <= set(p1)
    assert not {n for n in made if made[n]["priority"] == "P2"} & set(p1)
    closed = list_numbers(client, "agent1", state="closed")
    assert first in closed
    assert not (set(made) - {first}) & set(closed)
    both = set(list_numbers(client, "agent1", state="open", priority="P1"))
    assert set(made) & both == {n for n in made if n != first and made[n]["priority"] == "P1"}
    r = client.get("/tests", params={"state": "closed", "limit": 500})
    for item in r.doc:
        assert item.findtext("{urn:mod-itsm:xml:1}state") == "closed"


def test_paging_is_stable_without_duplicates(client):
    for i in range(5):
        create_ticket(client, "agent1", title="page %d" % i)
    every = list_numbers(client, "agent1")
    seen = []
    offset = 0
    while True:
        r = client.get("/tests", params={"limit": 3, "offset": offset})
        assert r.status == 200, r
        assert r.doc.get("limit") == "3" and r.doc.get("offset") == str(offset)
        nums = r.numbers()
        assert len(nums) <= 3
        seen += nums
        if r.doc.get("more") != "true":
            break
        assert len(nums) == 3
        offset += 3
    assert len(seen) == len(set(seen)), "duplicates across pages"
    assert seen == every, "pages differ from the full list (order not stable)"


def test_patch_with_if_match(client, database):
    r = create_ticket(client, "alice", title="Before", priority="P4")
    n, etag = r.ticket()["number"], r.etag
    r = client.patch("/tests/" + n, ticket_xml(title="After", note="typo"), user="alice",
                     headers={"If-Match": etag})
    assert r.status == 200, r
    t = r.ticket()
    assert t["title"] == "After" and t["priority"] == "P4" and t["version"] == "2"
    assert r.etag == '"2"' and r.etag != etag
    assert "note" not in t                      # write-only
    r = client.get("/tests/" + n, user="alice")
    assert r.ticket()["title"] == "After" and r.etag == '"2"'

    before = database.snapshot()
    # missing If-Match -> 428, stale -> 412; the ticket is unchanged
    assert_error(client.patch("/tests/" + n, ticket_xml(title="Nope"), user="alice"),
                 428, "precondition-required")
    assert_error(client.patch("/tests/" + n, ticket_xml(title="Nope"), user="alice",
                              headers={"If-Match": etag}), 412, "precondition-failed")
    assert_error(client.patch("/tests/" + n, ticket_xml(title="Nope"), user="alice",
                              headers={"If-Match": '"99"'}), 412, "precondition-failed")
    r = client.get("/tests/" + n, user="alice")
    assert r.ticket()["title"] == "After" and r.etag == '"2"'
    assert database.snapshot() == before

    # If-Match: * matches any existing ticket
    r = client.patch("/tests/" + n, ticket_xml(priority="P2"), user="agent1",
                     headers={"If-Match": "*"})
    assert r.status == 200, r
    assert r.ticket()["priority"] == "P2" and r.ticket()["version"] == "3"


def test_actions_close_reopen_and_invalid_transition(client, database):
    r = create_ticket(client, "agent1", title="Act on me")
    n, etag = r.ticket()["number"], r.etag
    r = client.post("/tests/%s/actions/close" % n, headers={"If-Match": etag})
    assert r.status == 200, r
    assert r.ticket()["state"] == "closed" and r.ticket()["version"] == "2"
    etag = r.etag
    before = database.snapshot()
    assert_error(client.post("/tests/%s/actions/close" % n, headers={"If-Match": etag}),
                 409, "invalid-transition")
    assert_error(client.post("/tests/%s/actions/reopen" % n), 428, "precondition-required")
    assert_error(client.post("/tests/%s/actions/reopen" % n, headers={"If-Match": '"1"'}),
                 412, "precondition-failed")
    assert_error(client.post("/tests/%s/actions/explode" % n, headers={"If-Match": etag}),
                 404, "not-found")
    assert database.snapshot() == before
    # an action may carry fields set with the transition
    r = client.post("/tests/%s/actions/reopen" % n, ticket_xml(note="again", priority="P2"),
                    headers={"If-Match": etag})
    assert r.status == 200, r
    t = r.ticket()
    assert t["state"] == "open" and t["priority"] == "P2" and t["version"] == "3"


def test_import_opened_by_admin_only(client, database):
    r = create_ticket(client, "admin1", title="Imported", opened="2026-01-05T09:00:00Z",
                      party="ALPE")
    t = r.ticket()
    assert t["opened"] == "2026-01-05T09:00:00Z" and t["party"] == "ALPE"
    before = database.snapshot()
    r = create_ticket(client, "agent1", expect=403, title="Imported",
                      opened="2026-01-05T09:00:00Z")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == before


@pytest.mark.parametrize("user,party,expect", [
    ("agent1", "BRMP", "BRMP"),         # scope all: any party
    ("prov1", "ALPE", "ALPE"),          # a party prov1's party acts for
    ("prov1", None, "ESGS"),            # default: own party
    ("carol", None, "ALPE"),
])
def test_create_party(client, user, party, expect):
    t = create_ticket(client, user, party=party).ticket()
    assert t["party"] == expect


@pytest.mark.parametrize("user,party", [
    ("alice", "BRMP"),                  # not hers, not acted for
    ("prov1", "BRMP"),                  # ESGS does not act for BRMP
    ("agent1", "NOSUCHPARTY"),          # unknown party
])
def test_create_party_refused(client, database, user, party):
    before = database.snapshot()
    assert_error(create_ticket(client, user, expect=422, party=party), 422, "invalid-field")
    assert database.snapshot() == before
