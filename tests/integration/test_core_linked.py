# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Links declared by the target's kind, shown fields of a linked ticket, telling linked
tickets, and the checks of a ticket a process creates, through the test-only process:

- the test kind declares "tested-by" for links made to it by probes (from_kind): the link
  may be posted on either end, always goes from the probe, at most one per probe; the probe
  shows the test ticket's title, state and description (<linked>) while the probe is open,
  to readers who may see the test ticket;
- the probe's action "tell" tells the open tickets it blocks (service linked_note): each gets
  a journal entry "linked-note" and its followers a notification, in the probe's transaction;
- the probe's action "spawn" creates a test ticket (services' ticket_create) with a link
  type taken from its remark: the link rules hold as for POST .../links, and a kind whose
  numbers are exhausted is named in the refusal."""
import pytest

from conftest import NS, assert_error, create_ticket, link_xml, ticket_xml
from incident_util import feed_for


def probe(client, user="agent1", **fields):
    fields.setdefault("title", "Probe")
    r = client.post("/probes", ticket_xml("probe", **fields), user=user)
    assert r.status == 201, r
    return r.ticket()["number"]


def link(client, collection, number, ltype, target, user="agent1"):
    cur = client.get("/%s/%s" % (collection, number), user=user)
    return client.post("/%s/%s/links" % (collection, number), link_xml(ltype, target),
                       user=user, headers={"If-Match": cur.etag})


def links_of(client, collection, number, user="agent1"):
    r = client.get("/%s/%s/links" % (collection, number), user=user)
    assert r.status == 200, r
    return [dict(l.attrib) for l in r.findall("i:link")]


def entries(client, collection, number, user="agent1"):
    r = client.get("/%s/%s/journal" % (collection, number), user=user)
    assert r.status == 200, r
    return r.findall("i:entry")


def act(client, number, action, user="agent1", **fields):
    cur = client.get("/probes/%s" % number, user=user)
    return client.post("/probes/%s/actions/%s" % (number, action),
                       ticket_xml("probe", **fields) if fields else None, user=user,
                       headers={"If-Match": cur.etag})


def shown(resp):
    return [(l.get("type"), l.get("number"), l.get("kind"),
             {c.tag.split("}")[1]: c.text for c in l}) for l in resp.findall("i:linked")]


# ---- a rule declared by the target's kind, posted from either end

def test_link_declared_by_the_target_from_the_linking_end(client):
    p = probe(client)
    t = create_ticket(client, title="Tested thing", description="what it does").ticket()["number"]
    r = link(client, "probes", p, "tested-by", t)
    assert r.status == 201, r
    assert len(links_of(client, "probes", p)) == 1
    out = links_of(client, "probes", p)[0]
    assert (out["type"], out["direction"], out["number"]) == ("tested-by", "out", t)
    back = links_of(client, "tests", t)[0]
    assert (back["type"], back["direction"], back["number"]) == ("tested-by", "in", p)
    # the probe shows the test ticket's declared fields while it is open
    got = client.get("/probes/%s" % p)
    assert shown(got) == [("tested-by", t, "test", {"title": "Tested thing", "state": "open",
                                                     "description": "what it does"})]


def test_link_declared_by_the_target_posted_on_the_target(client):
    p = probe(client)
    t = create_ticket(client, title="Posted on the target").ticket()["number"]
    r = link(client, "tests", t, "tested-by", p)
    assert r.status == 201, r
    # the answer names the link as stored: from the probe, to the test ticket in the path
    assert (r.findtext("i:type"), r.findtext("i:target"), r.findtext("i:from")) == \
        ("tested-by", t, p), r
    # stored from the probe to the test ticket, whichever end it was posted on
    out = links_of(client, "probes", p)
    assert [(l["type"], l["direction"], l["number"]) for l in out] == [("tested-by", "out", t)]
    # both ends journal it, each naming the other
    for coll, number, other in (("tests", t, p), ("probes", p, t)):
        last = entries(client, coll, number)[-1]
        assert last.get("action") == "link", coll
        changes = {c.get("field"): c.findtext("{%s}new" % NS) for c in last}
        assert changes.get("link:tested-by") == other, (coll, changes)
    assert shown(client.get("/probes/%s" % p))[0][1] == t


def test_declared_limit_holds_from_either_end(client, database):
    p = probe(client)
    t1 = create_ticket(client, title="first").ticket()["number"]
    t2 = create_ticket(client, title="second").ticket()["number"]
    assert link(client, "tests", t1, "tested-by", p).status == 201
    before = database.snapshot()
    assert_error(link(client, "tests", t2, "tested-by", p), 409, "link-limit")
    assert_error(link(client, "probes", p, "tested-by", t2), 409, "link-limit")
    # asked again, from either end: the link exists (it was "link-limit: remove one first")
    assert_error(link(client, "tests", t1, "tested-by", p), 409, "conflict")
    assert_error(link(client, "probes", p, "tested-by", t1), 409, "conflict")
    # the rule is the probe's links to test tickets: not test to test, nor test to probe
    assert_error(link(client, "tests", t2, "tested-by", t1), 422, "invalid-link")
    assert database.snapshot() == before


def test_shown_fields_only_to_readers_of_the_target_and_only_while_open(client):
    # alice (ALPE) raises the probe; the test ticket is Elexon's, which she cannot see
    p = probe(client, user="alice")
    t = create_ticket(client, title="Elexon only").ticket()["number"]
    assert link(client, "probes", p, "tested-by", t).status == 201
    assert shown(client.get("/probes/%s" % p, user="alice")) == []
    assert shown(client.get("/probes/%s" % p, user="agent1"))[0][1] == t
    # the shown values are the target's as they are now
    cur = client.get("/tests/%s" % t)
    r = client.post("/tests/%s/actions/close" % t, None, headers={"If-Match": cur.etag})
    assert r.status == 200, r
    assert shown(client.get("/probes/%s" % p))[0][3]["state"] == "closed"
    # a finished probe shows nothing of it
    assert act(client, p, "close").status == 200
    assert shown(client.get("/probes/%s" % p)) == []
    # lists do not carry it
    lst = client.get("/probes", params={"limit": 500})
    assert lst.status == 200 and not lst.doc.findall(".//{%s}linked" % NS)


def test_linked_is_read_only(client):
    p = probe(client)
    cur = client.get("/probes/%s" % p)
    r = client.patch("/probes/%s" % p, ticket_xml("probe", linked="x"),
                     headers={"If-Match": cur.etag})
    assert r.status in (400, 422), r


# ---- linked_note: the open tickets linked to a ticket are told of its change

def test_linked_note_tells_the_open_linked_tickets(client):
    """Each open ticket linked to the probe gets the note and its raiser a notice; the note's
    text (the probe's news) reaches those who may see the probe: alice reads a probe of her
    party's, not agent1's own (ELEX), whose note and notice read "(not visible)" to her."""
    t = create_ticket(client, user="alice", title="Blocked, raised by alice").ticket()["number"]
    for party, seen in (("ALPE", True), (None, False)):
        p = probe(client, **({"party": party} if party else {}))
        assert link(client, "probes", p, "blocks", t).status == 201
        r = act(client, p, "tell")
        assert r.status == 200 and r.ticket()["count"] == "1", r
        last = entries(client, "tests", t)[-1]
        assert last.get("action") == "linked-note" and last.get("actor") == "agent1"
        assert last.findtext("{%s}note" % NS) == "%s: the probe says hello" % p
        said = entries(client, "tests", t, user="alice")[-1].findtext("{%s}note" % NS)
        assert said == ("%s: the probe says hello" % p if seen else "(not visible)"), said
        # the test ticket's raiser hears of it, with the news where she may see the probe
        heard = [e["summary"] for e in feed_for(client, "alice", t)]
        assert any(("%s: the probe says hello" % p if seen else "(not visible)") == s
                   for s in heard), heard
    # (a finished ticket is not told: test tickets have no final state; the problem
    # process's tests show it with closed incidents)


# ---- ticket_create: the link rules and the numbers of the created kind

def test_created_ticket_link_within_the_rule_counts(client, database):
    p = probe(client)
    r = act(client, p, "spawn", remark="blocks")
    assert r.status == 200, r
    out = [l for l in links_of(client, "probes", p) if l["type"] == "blocks"]
    assert len(out) == 1 and out[0]["kind"] == "test"
    # "blocks" goes to one test ticket at most: a second spawned one is refused
    before = database.snapshot()
    r = act(client, p, "spawn")
    assert_error(r, 409, "link-limit")
    assert database.snapshot() == before


def test_created_ticket_link_of_the_wrong_kind(client, database):
    p = probe(client)
    before = database.snapshot()
    r = act(client, p, "spawn", remark="duplicate-of")     # a probe's link, to a test ticket
    assert_error(r, 422, "invalid-link")
    assert database.snapshot() == before


def test_exhausted_numbers_name_the_created_kind(client, database, expect_log):
    expect_log(r"ITSM00106.*TST numbers are exhausted")
    p = probe(client)
    create_ticket(client)       # the kind's counter exists
    database.execute("UPDATE itsm_counter SET next_value = 10000000 WHERE kind = 'test'")
    try:
        before = database.snapshot()
        r = act(client, p, "spawn")
        assert_error(r, 409, "conflict")
        assert "TST" in r.findtext("i:message") and "test" in r.findtext("i:message")
        # nothing written; PostgreSQL's sequences (journal, outbox ids drawn by the probe's
        # change before the create failed in the same transaction) do not roll back
        after = database.snapshot()
        before.pop("(sequences)", None)
        after.pop("(sequences)", None)
        assert after == before
    finally:
        # far above what the suite numbers, far below the end of the range
        database.execute("UPDATE itsm_counter SET next_value = 5000000 WHERE kind = 'test'")


def test_a_reader_of_the_probe_who_may_not_read_tests_sees_nothing_of_them(client):
    """res1 reads probes but is granted no test ticket (authz-test.xml): the probe's links,
    its journal and its <linked> block leave the test ticket out (the block showed its
    title, state and description by the party scope alone)."""
    p = probe(client, title="Probe read by a resolver")
    t = create_ticket(client, title="A test the resolver may not read").ticket()["number"]
    assert link(client, "probes", p, "tested-by", t).status == 201
    assert client.get("/tests/" + t, user="res1").status in (403, 404)
    r = client.get("/probes/" + p, user="res1")
    assert r.status == 200 and t not in r.text and "may not read" not in r.text, r.text
    assert t not in [l["number"] for l in links_of(client, "probes", p, user="res1")]
    assert all(t not in (e.findtext("{%s}change/{%s}new" % (NS, NS)) or "")
               for e in entries(client, "probes", p, user="res1"))
    # the desk reads both: the block and the link are there
    r = client.get("/probes/" + p, user="agent1")
    assert t in r.text and "may not read" in r.text
    assert t in [l["number"] for l in links_of(client, "probes", p)]
