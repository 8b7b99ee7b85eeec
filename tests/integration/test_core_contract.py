# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The contract between the core and its process modules: a process built against another
ABI is refused at start-up; a process's own schema is composed into the core's; a process
reaches tickets, links and the directory only through the core's services (the test-only
process's "probe" kind), with the caller's party scope."""
import re
from datetime import datetime, timedelta

import pytest

from conftest import (NS, assert_error, create_ticket, find_module, link_xml, ticket_xml)

SDS = "SDS Team (Callisto)"         # res1 is a member, res2 is not (sample directory)


def test_process_built_against_another_abi_refuses_to_start(make_httpd):
    oldabi = find_module("mod_itsm_oldabi.so")
    assert oldabi, "tests/testproc/mod_itsm_oldabi.so not built"
    h = make_httpd("oldabi", extra="LoadModule itsm_oldabi_module %s" % oldabi)
    assert h.start(expect_fail=True) is False
    logs = h.logs()
    m = re.search(r"ITSM00050: process module 'oldabi' was built against mod_itsm ABI (\d+) .*"
                  r"this core is ABI (\d+)", logs)
    assert m, logs[-3000:]
    assert int(m.group(1)) == int(m.group(2)) - 1


def create_probe(client, user, **fields):
    fields.setdefault("title", "Probe")
    r = client.post("/probes", ticket_xml("probe", **fields), user=user)
    assert r.status == 201 and r.root == "probe", r
    return r


def probe(client, user, created):
    return client.post("/probes/%s/actions/probe" % created.ticket()["number"], user=user,
                       headers={"If-Match": created.etag})


def test_process_schema_is_composed(client):
    # <probe> exists only in tests/testproc/itsm-test.xsd, which the process names
    r = create_probe(client, "agent1")
    assert r.ticket()["state"] == "open" and r.ticket()["number"].startswith("TPR")
    # and the composed schema still refuses what it does not declare
    assert_error(client.post("/probes", ticket_xml("probe", title="x", shade="red"),
                             user="agent1"), 400, "schema-invalid")


def test_probe_reads_another_ticket_its_links_and_the_directory(client):
    target = create_ticket(client, "agent1", title="probed").ticket()["number"]
    p = create_probe(client, "agent1", other=target, assignee="res1", group=SDS)
    r = probe(client, "agent1", p)
    assert r.status == 200, r
    t = r.ticket()
    assert t["otherState"] == "open" and t["otherLinks"] == "0"
    assert t["assigneeInGroup"] == "true"

    # a link on the probed ticket shows through the service; res2 is not in the group
    other = create_ticket(client, "agent1", title="linked").ticket()["number"]
    got = client.get("/tests/%s" % target, user="agent1")
    assert client.post("/tests/%s/links" % target, link_xml("relates-to", other), user="agent1",
                       headers={"If-Match": got.etag}).status == 201
    patched = client.patch("/probes/%s" % t["number"], ticket_xml("probe", assignee="res2"),
                           user="agent1", headers={"If-Match": r.etag})
    assert patched.status == 200, patched
    r = probe(client, "agent1", patched)
    assert r.status == 200, r
    assert r.ticket()["otherLinks"] == "1" and r.ticket()["assigneeInGroup"] == "false"


def test_services_keep_the_callers_party_scope(client):
    alices = create_ticket(client, "alice", title="Alpha's own").ticket()["number"]
    bobs = create_ticket(client, "bob", title="Bramble's own").ticket()["number"]
    # bob's probe of alice's ticket: the service answers "not found", as a GET would
    p = create_probe(client, "bob", other=alices)
    before = client.get("/probes/%s/journal" % p.ticket()["number"], user="bob")
    assert_error(probe(client, "bob", p), 422, "invalid-field")
    after = client.get("/probes/%s/journal" % p.ticket()["number"], user="bob")
    assert len(after.findall("i:entry")) == len(before.findall("i:entry"))
    # his own is fine, and alice's is fine for alice
    p = create_probe(client, "bob", other=bobs)
    assert probe(client, "bob", p).ticket()["otherState"] == "open"
    p = create_probe(client, "alice", other=alices)
    assert probe(client, "alice", p).ticket()["otherState"] == "open"


def test_probe_lists_and_reads_children_through_the_services(client):
    """The list service answers what the kind's list would show the caller (open probes of
    one votes value: agent1 sees every party's, alice and bob their own party's only; a
    closed one drops out) and refuses a field that is not indexed or given twice (the probe
    answers 500 otherwise); the children service answers the probe's tasks the caller may
    read (alice not another party's)."""
    import random
    votes = str(random.randint(100000, 999999))
    target = create_ticket(client, "alice", title="probed").ticket()["number"]
    mine = create_probe(client, "agent1", other=target, votes=votes, party="ALPE")
    other = create_probe(client, "agent1", other=target, votes=votes, party="ALPE")
    bobs = create_probe(client, "bob", other=create_ticket(client, "bob", title="his")
                        .ticket()["number"], votes=votes)
    for party in ("ALPE", "BRMP"):
        assert client.post("/tasks", ticket_xml("task", title="of " + party, party=party,
                                                probe=mine.ticket()["number"]),
                           user="agent1").status == 201
    mine = client.get("/probes/%s" % mine.ticket()["number"], user="agent1")  # its openTasks
    r = probe(client, "agent1", mine)
    assert r.status == 200, r
    assert r.ticket()["sameVotes"] == "3" and r.ticket()["childTasks"] == "2", r.ticket()
    r = probe(client, "alice", r)
    assert r.status == 200, r
    assert r.ticket()["sameVotes"] == "2" and r.ticket()["childTasks"] == "1", r.ticket()
    mine = r
    r = probe(client, "bob", bobs)
    assert r.status == 200, r
    assert r.ticket()["sameVotes"] == "1" and r.ticket()["childTasks"] == "0", r.ticket()
    closed = client.post("/probes/%s/actions/close" % other.ticket()["number"], user="agent1",
                         headers={"If-Match": other.etag})
    assert closed.status == 200, closed
    mine = client.get("/probes/%s" % mine.ticket()["number"], user="agent1")
    assert probe(client, "agent1", mine).ticket()["sameVotes"] == "2"


def test_children_of_a_kind_the_caller_may_not_read_are_left_out(client):
    """The children service answers only children of kinds the caller may read: res1
    (resolver) reads and probes probes but has no grant on tasks, so its probe counts none of
    the two tasks agent1's counts."""
    other = create_probe(client, "agent1").ticket()["number"]
    p = create_probe(client, "agent1", other=other)
    for i in range(2):
        assert client.post("/tasks", ticket_xml("task", title="task %d" % i,
                                                probe=p.ticket()["number"]),
                           user="agent1").status == 201
    p = client.get("/probes/%s" % p.ticket()["number"], user="agent1")
    r = probe(client, "agent1", p)
    assert r.status == 200 and r.ticket()["childTasks"] == "2", r
    assert client.get("/tasks", user="res1").status == 403
    r = probe(client, "res1", r)
    assert r.status == 200 and r.ticket()["childTasks"] == "0", r


@pytest.mark.parametrize("field,value", [("otherState", "open"), ("otherLinks", "1"),
                                         ("assigneeInGroup", "true"), ("childTasks", "1"),
                                         ("sameVotes", "1")])
def test_fields_the_process_sets_are_read_only(client, field, value):
    assert_error(client.post("/probes", ticket_xml("probe", title="x", **{field: value}),
                             user="agent1"), 422, "invalid-field")


def test_top_level_schema_includes_every_schema_the_suite_ships():
    # the core composes its schema from the loaded processes; clients validate with the one
    # top-level file, which must therefore name every schema file shipped in schemas/
    import glob
    import os
    from lxml import etree
    from conftest import REPO
    top = os.path.join(REPO, "schemas", "itsm.xsd")
    named = {i.get("schemaLocation") for i in etree.parse(top).getroot()
             if etree.QName(i).localname == "include"}
    shipped = {os.path.basename(p) for p in glob.glob(os.path.join(REPO, "schemas", "itsm-*.xsd"))}
    assert shipped and shipped == named


# Typed fields (itsm_field_t.type): the probe's XSD types are plain strings, so each refusal
# here is the core's own check. (field, value sent, value stored or None for a 422)
TYPED = [
    ("count", "42", "42"), ("count", "007", "7"), ("count", "4.2", None), ("count", "1001", None),
    ("count", "-1", None),
    ("flag", "1", "true"), ("flag", "false", "false"), ("flag", "yes", None),
    ("when", "2026-07-01T10:30:00+01:00", "2026-07-01T09:30:00Z"), ("when", "tomorrow", None),
    ("when", "2026-02-30T10:00:00Z", None),
    ("within", "P1DT2H", "PT26H"), ("within", "PT90M", "PT1H30M"), ("within", "P1M", None),
    # the target of the probe's clock deliver: a positive duration; in days on 24x7
    ("promise", "P2D", "PT48H"), ("promise", "-PT1H", None), ("promise", "PT0S", None),
    ("promise", "P1M", None),
    ("colour", "green", "green"), ("colour", "Green", None),
    ("watcher", "res1", "res1"), ("watcher", "nobody-here", None),
    ("team", SDS, SDS), ("team", "No Such Team", None),
    ("client", "ALPE", "ALPE"), ("client", "ZZZZ", None),
    ("ref", "TST9999999", None), ("ref", "INC42", None),
    ("remark", "two\nlines", "two\nlines"),
]


@pytest.mark.parametrize("field,value,stored", TYPED,
                         ids=["%s=%s" % (c[0], c[1].replace("\n", "|")) for c in TYPED])
def test_typed_field_values(client, database, field, value, stored):
    before = database.snapshot()
    r = client.post("/probes", ticket_xml("probe", title="typed", **{field: value}),
                    user="agent1")
    if stored is None:
        assert_error(r, 422, "invalid-field")
        assert field in r.findtext("i:message")
        assert database.snapshot() == before        # nothing written, no journal entry
    else:
        assert r.status == 201, r
        assert r.ticket()[field] == stored
        got = client.get("/probes/%s" % r.ticket()["number"], user="agent1")
        assert got.ticket()[field] == stored


def test_own_target_counts_on_24x7_by_default(client):
    """The shipped service levels name no calendar for the probe's clock deliver: its target,
    the probe's own promise, is real time from the logging."""
    r = client.post("/probes", ticket_xml("probe", title="promise", promise="P1DT2H"),
                    user="agent1")
    assert r.status == 201, r
    deliver = {t.get("kind"): t for t in r.find("i:sla")}["deliver"]
    opened = datetime.strptime(r.ticket()["opened"], "%Y-%m-%dT%H:%M:%SZ")
    assert deliver.get("calendar") == "24x7" and deliver.get("target") == "PT26H"
    assert datetime.strptime(deliver.get("due"), "%Y-%m-%dT%H:%M:%SZ") \
        == opened + timedelta(hours=26)


def test_ticket_reference_must_be_visible(client):
    alices = create_ticket(client, "alice", title="Alpha's").ticket()["number"]
    r = client.post("/probes", ticket_xml("probe", title="ref", ref=alices), user="bob")
    assert_error(r, 422, "invalid-field")
    r = client.post("/probes", ticket_xml("probe", title="ref", ref=alices), user="alice")
    assert r.status == 201 and r.ticket()["ref"] == alices, r


def test_typed_update_and_create_only(client):
    r = client.post("/probes", ticket_xml("probe", title="upd", colour="red", count="1"),
                    user="agent1")
    n = r.ticket()["number"]
    assert_error(client.patch("/probes/%s" % n, ticket_xml("probe", colour="blue"),
                              user="agent1", headers={"If-Match": r.etag}), 422, "invalid-field")
    assert_error(client.patch("/probes/%s" % n, ticket_xml("probe", count="many"),
                              user="agent1", headers={"If-Match": r.etag}), 422, "invalid-field")
    ok = client.patch("/probes/%s" % n, ticket_xml("probe", count="0012"), user="agent1",
                      headers={"If-Match": r.etag})
    assert ok.status == 200 and ok.ticket()["count"] == "12", ok
    # the journal records the canonical values
    j = client.get("/probes/%s/journal" % n, user="agent1")
    last = j.findall("i:entry")[-1]
    changes = {c.get("field"): c.findtext("{%s}new" % NS) for c in last.findall("{%s}change" % NS)}
    assert changes.get("count") == "12", j


# A process's own resource: GET /itsm/probe-report[/{number}] (grant: read on probes).

def test_process_resource(client):
    r = client.get("/probe-report", user="agent1", params={"say": "hello world"})
    assert r.status == 200 and r.root == "probeReport", r
    assert r.findtext("i:caller") == "agent1" and r.findtext("i:said") == "hello world"
    assert r.find("i:number") is None
    mine = create_probe(client, "alice").ticket()["number"]
    r = client.get("/probe-report/%s" % mine, user="alice")
    assert r.status == 200, r
    assert (r.findtext("i:number"), r.findtext("i:state")) == (mine, "open")


@pytest.mark.parametrize("method,path,user,status,code", [
    ("GET", "/probe-report/TPR9999999", "agent1", 404, "not-found"),
    ("GET", "/probe-report/a/b", "agent1", 404, "not-found"),
    ("POST", "/probe-report", "agent1", 405, "method-not-allowed"),
    ("DELETE", "/probe-report/x", "agent1", 405, "method-not-allowed"),
    ("GET", "/probe-report", "km1", 403, "forbidden"),      # no grant of read on probes
])
def test_process_resource_refusals(client, method, path, user, status, code):
    r = client.request(method, path, user=user)
    assert_error(r, status, code)
    if status == 405:
        assert r.headers.get("Allow") == "GET"


def test_process_resource_keeps_party_scope(client):
    alices = create_probe(client, "alice").ticket()["number"]
    assert_error(client.get("/probe-report/%s" % alices, user="bob"), 404, "not-found")


# A process creates a ticket of another kind in the transaction of its change
# (services' ticket_create): the probe's action "spawn" creates a test ticket linked to it.

def spawn(client, user, created, **fields):
    return client.post("/probes/%s/actions/spawn" % created.ticket()["number"], user=user,
                       body=ticket_xml("probe", **fields) if fields else None,
                       headers={"If-Match": created.etag})


def test_spawned_ticket_is_created_and_linked_with_the_change(client):
    p = create_probe(client, "alice")
    r = spawn(client, "alice", p)
    assert r.status == 200 and r.ticket()["count"] == "1", r
    links = client.get("/probes/%s/links" % p.ticket()["number"], user="alice")
    out = [l for l in links.findall("i:link") if l.get("type") == "relates-to"]
    assert len(out) == 1 and out[0].get("kind") == "test" and out[0].get("direction") == "out"
    made = client.get("/tests/%s" % out[0].get("number"), user="alice")
    assert made.status == 200, made
    t = made.ticket()
    assert t["title"] == "Spawned by %s" % p.ticket()["number"]
    assert (t["party"], t["createdBy"], t["state"]) == ("ALPE", "alice", "open")
    # the link is journaled on both ends, beside the change's entry and the create's
    def entries(coll, number):
        j = client.get("/%s/%s/journal" % (coll, number), user="alice")
        assert j.status == 200, j
        return [(e.get("action"), e.get("actor"),
                 {c.get("field"): c.findtext("{%s}new" % NS)
                  for c in e.findall("{%s}change" % NS)})
                for e in j.findall("i:entry")]
    pn = p.ticket()["number"]
    made_entries = entries("tests", t["number"])
    assert [e[0] for e in made_entries] == ["create", "link"]
    assert made_entries[1][1:] == ("alice", {"link:relates-to": pn})
    assert [e[0] for e in entries("probes", pn)[-2:]] == ["spawn", "link"]
    assert entries("probes", pn)[-1][1:] == ("alice", {"link:relates-to": t["number"]})
    assert r.etag == '"%d"' % (int(p.etag.strip('"')) + 1)     # one version for the change


@pytest.mark.parametrize("fields,status,code", [
    ({"flag": "true"}, 409, "refused-after-spawn"),     # the process refuses after spawning
    ({"remark": "untitled"}, 422, "invalid-field"),     # the new ticket lacks a title
])
def test_refused_change_creates_nothing(client, database, fields, status, code):
    p = create_probe(client, "alice")
    before = database.snapshot()
    r = spawn(client, "alice", p, **fields)
    assert_error(r, status, code)
    assert database.snapshot() == before        # no ticket, no number used, no link, no entry


def test_spawn_needs_the_grant_of_create_on_the_other_kind(client, database):
    # res1 (resolver) may spawn from a probe, but may not create test tickets
    p = create_probe(client, "agent1")
    before = database.snapshot()
    r = spawn(client, "res1", p)
    assert_error(r, 403, "forbidden")
    assert "test" in r.findtext("i:message")
    assert database.snapshot() == before
