# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Link rules and children, through the test-only process: a probe may make "blocks" links
to one test ticket and be the "duplicate-of" one probe no other probe duplicates; its
"linked" callback keeps the blocked number in a field of its own, in the link's transaction.
A task is a child of a probe: the core links it to its parent when it is created, the
probe counts its open tasks (child_changed), and a probe cannot close while a task is open."""
import pytest

from conftest import NS, assert_error, create_ticket, link_xml, ticket_xml


def probe(client, user="agent1", **fields):
    fields.setdefault("title", "Probe")
    r = client.post("/probes", ticket_xml("probe", **fields), user=user)
    assert r.status == 201, r
    return r


def fresh(client, number, user="agent1"):
    r = client.get("/probes/%s" % number, user=user)
    assert r.status == 200, r
    return r


def link(client, number, ltype, target, user="agent1", collection="probes"):
    cur = client.get("/%s/%s" % (collection, number), user=user)
    return client.post("/%s/%s/links" % (collection, number), link_xml(ltype, target),
                       user=user, headers={"If-Match": cur.etag})


def links_of(client, number, user="agent1", collection="probes"):
    r = client.get("/%s/%s/links" % (collection, number), user=user)
    assert r.status == 200, r
    return [dict(l.attrib) for l in r.findall("i:link")]


def journal_entries(client, number, collection="probes", user="agent1"):
    r = client.get("/%s/%s/journal" % (collection, number), user=user)
    assert r.status == 200, r
    return r.findall("i:entry")


# ---- link rules

def test_declared_link_and_its_callback(client):
    p = probe(client).ticket()["number"]
    t = create_ticket(client, title="blocked").ticket()["number"]
    r = link(client, p, "blocks", t)
    assert r.status == 201, r
    # the callback's field is written with the link, and journaled with it
    assert fresh(client, p).ticket()["blocking"] == t
    last = journal_entries(client, p)[-1]
    fields = {c.get("field") for c in last.findall("{%s}change" % NS)}
    assert fields == {"blocking", "link:blocks"} and last.get("action") == "link"
    assert [l["type"] for l in links_of(client, p)] == ["blocks"]


@pytest.mark.parametrize("ltype,target_kind,status,code", [
    ("frobs", "test", 422, "invalid-link"),            # not declared by the probe kind
    ("blocks", "probe", 422, "invalid-link"),          # declared, to another kind
    ("child-of", "probe", 422, "invalid-link"),        # made by the core only
])
def test_links_outside_the_rules_are_refused(client, database, ltype, target_kind, status, code):
    p = probe(client).ticket()["number"]
    target = (probe(client) if target_kind == "probe" else create_ticket(client)).ticket()["number"]
    before = database.snapshot()
    r = link(client, p, ltype, target)
    assert_error(r, status, code)
    assert database.snapshot() == before


def test_relates_to_is_every_kinds(client):
    p = probe(client).ticket()["number"]
    for _ in range(3):
        t = create_ticket(client).ticket()["number"]
        assert link(client, p, "relates-to", t).status == 201


def test_link_counts(client, database):
    p = probe(client).ticket()["number"]
    a, b = (create_ticket(client).ticket()["number"] for _ in range(2))
    assert link(client, p, "blocks", a).status == 201
    before = database.snapshot()
    r = link(client, p, "blocks", b)
    assert_error(r, 409, "link-limit")       # max_out 1
    assert r.findtext("i:message") == ("probe tickets make at most 1 'blocks' link each: "
                                       "remove one first (GET .../links lists them)."), r.text
    assert database.snapshot() == before
    # duplicate-of: one out per probe, one in per target probe
    orig = probe(client).ticket()["number"]
    d1, d2 = (probe(client).ticket()["number"] for _ in range(2))
    assert link(client, d1, "duplicate-of", orig).status == 201
    assert_error(link(client, d2, "duplicate-of", orig), 409, "link-limit")  # max_in 1
    assert link(client, d2, "duplicate-of", d1).status == 201

    # the same link again is no limit reached (nor "remove one first"), from either rule
    for src, dst in ((p, a), (d1, orig)):
        before = database.snapshot()
        r = link(client, src, "blocks" if src == p else "duplicate-of", dst)
        assert_error(r, 409, "conflict")
        assert r.findtext("i:message") == "That link exists already.", r.text
        assert database.snapshot() == before


def test_count_holds_across_parties(client):
    # a probe of alice's party, duplicated by an Elexon probe alice cannot see: the limit on
    # the target still counts that link when alice links hers
    orig = probe(client, "agent1", party="ALPE").ticket()["number"]
    hidden = probe(client, "agent1").ticket()["number"]
    assert link(client, hidden, "duplicate-of", orig).status == 201
    assert [l for l in links_of(client, orig, user="alice") if l["type"] == "duplicate-of"] == []
    mine = probe(client, "alice").ticket()["number"]
    assert_error(link(client, mine, "duplicate-of", orig, user="alice"), 409, "link-limit")


def test_unlink(client):
    p = probe(client).ticket()["number"]
    t = create_ticket(client).ticket()["number"]
    assert link(client, p, "blocks", t).status == 201
    cur = fresh(client, p)
    assert_error(client.delete("/probes/%s/links/blocks/%s" % (p, t)), 428,
                 "precondition-required")
    r = client.delete("/probes/%s/links/blocks/%s" % (p, t), headers={"If-Match": cur.etag})
    assert r.status == 204, r
    assert r.etag == '"%d"' % (int(cur.etag.strip('"')) + 1)
    assert links_of(client, p) == []
    assert "blocking" not in fresh(client, p).ticket()
    last = journal_entries(client, p)[-1]
    assert last.get("action") == "unlink"
    # gone now, and the rule's count is free again
    cur = fresh(client, p)
    assert_error(client.delete("/probes/%s/links/blocks/%s" % (p, t),
                               headers={"If-Match": cur.etag}), 404, "not-found")
    assert link(client, p, "blocks", t).status == 201


def test_unlink_refusals(client, database):
    p = probe(client).ticket()["number"]
    t = create_ticket(client).ticket()["number"]
    cur = fresh(client, p)
    before = database.snapshot()
    assert_error(client.delete("/probes/%s/links/blocks/%s" % (p, t),
                               headers={"If-Match": cur.etag}), 404, "not-found")
    assert_error(client.delete("/probes/%s/links/child-of/%s" % (p, t),
                               headers={"If-Match": cur.etag}), 422, "invalid-link")
    assert_error(client.get("/probes/%s/links/blocks/%s" % (p, t)), 405, "method-not-allowed")
    assert database.snapshot() == before


# ---- children

def task(client, parent, user="agent1", expect=201):
    r = client.post("/tasks", ticket_xml("task", title="Task", probe=parent), user=user)
    assert r.status == expect, r
    return r


def act(client, collection, number, action, user="agent1"):
    cur = client.get("/%s/%s" % (collection, number), user=user)
    return client.post("/%s/%s/actions/%s" % (collection, number, action), user=user,
                       headers={"If-Match": cur.etag})


def test_child_is_linked_and_counted_by_its_parent(client):
    p = probe(client).ticket()["number"]
    t1 = task(client, p).ticket()["number"]
    t2 = task(client, p).ticket()["number"]
    assert fresh(client, p).ticket()["openTasks"] == "2"
    kids = [l for l in links_of(client, p) if l["type"] == "child-of"]
    assert sorted(l["number"] for l in kids) == sorted([t1, t2])
    assert all(l["direction"] == "in" and l["kind"] == "task" for l in kids)
    # the parent's journal says why it changed
    entries = journal_entries(client, p)
    assert [e.get("action") for e in entries] == ["create", "child", "child"]
    assert act(client, "tasks", t1, "done").status == 200
    assert fresh(client, p).ticket()["openTasks"] == "1"
    assert act(client, "tasks", t1, "reopen").status == 200
    assert fresh(client, p).ticket()["openTasks"] == "2"


def test_parent_journal_hides_a_child_of_another_party(client):
    """A child of another party than its parent: the parent's journal names its kind only,
    never its title or number, which the parent's readers may not see."""
    p = probe(client, "agent1", party="ALPE").ticket()["number"]
    r = client.post("/tasks", ticket_xml("task", title="Bramble secret", probe=p, party="BRMP"),
                    user="agent1")
    assert r.status == 201 and r.ticket()["party"] == "BRMP", r
    t = r.ticket()["number"]
    assert act(client, "tasks", t, "done").status == 200
    notes = [e.findtext("{%s}note" % NS) for e in journal_entries(client, p)
             if e.get("action") == "child"]
    assert notes == ["a task of another party was created",
                     "a task of another party: open -> done"], notes
    # the same party's child is named by its number, never its title: a reader of the parent
    # may not be granted the child's kind
    r = client.post("/tasks", ticket_xml("task", title="Alpha task", probe=p, party="ALPE"),
                    user="agent1")
    assert r.status == 201, r
    notes = [e.findtext("{%s}note" % NS) for e in journal_entries(client, p)
             if e.get("action") == "child"]
    assert notes[-1] == "a task was created", notes


def test_open_children_block_their_parent(client, database):
    p = probe(client).ticket()["number"]
    t = task(client, p).ticket()["number"]
    before = database.snapshot()
    r = act(client, "probes", p, "close")
    assert_error(r, 409, "children-open")
    assert t in r.findtext("i:message")
    assert database.snapshot() == before
    assert act(client, "tasks", t, "done").status == 200
    r = act(client, "probes", p, "close")
    assert r.status == 200 and r.ticket()["state"] == "closed", r


def test_child_needs_a_visible_parent(client, database):
    p = probe(client, "agent1").ticket()["number"]
    before = database.snapshot()
    assert_error(task(client, p, user="bob", expect=422), 422, "invalid-field")
    assert_error(task(client, "TPR9999999", expect=422), 422, "invalid-field")
    r = client.post("/tasks", ticket_xml("task", title="orphan"), user="agent1")
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before


def test_child_parent_is_create_only(client):
    p = probe(client).ticket()["number"]
    other = probe(client).ticket()["number"]
    r = task(client, p)
    assert_error(client.patch("/tasks/%s" % r.ticket()["number"],
                              ticket_xml("task", probe=other), user="agent1",
                              headers={"If-Match": r.etag}), 422, "invalid-field")
