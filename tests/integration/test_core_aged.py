# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The aged view (GET /itsm/{collection}/aged, ITSMAgedBuckets): open tickets by age bucket
with the reason each is ageing (the kind's ageing_reason), exactly the open tickets the
user may list, finished ones never; driven through cases and incidents imported by admin1
at known ages."""
import pytest
import requests

from conftest import NS, Client, assert_error, itsm_directives
from incident_util import (GROUP, act, imp, list_numbers, nothing_changed,
                           schema_ready)  # noqa: F401 (autouse fixture)


BUCKETS = [("under 14", 0, 13), ("14-29", 14, 29), ("30-59", 30, 59), ("60-89", 60, 89),
           ("90-119", 90, 119), ("120+", 120, 10 ** 6)]


def bucket_of(days):
    return next(name for name, lo, hi in BUCKETS if lo <= days <= hi)


def aged(client, coll, user):
    r = client.get("/%s/aged" % coll, user=user)
    assert r.status == 200 and r.root == "aged", r
    assert r.doc.get("collection") == coll and r.doc.get("complete") == "true"
    assert [b.get("days") for b in r.findall("i:bucket")] == [b[0] for b in BUCKETS]
    items = {}
    for b in r.findall("i:bucket"):
        its = b.findall("{%s}item" % NS)
        assert int(b.get("count")) == len(its), b.get("days")
        lo, hi = next((lo, hi) for name, lo, hi in BUCKETS if name == b.get("days"))
        for it in its:
            assert lo <= int(it.get("age")) <= hi, (b.get("days"), dict(it.attrib))
            assert it.get("number") not in items
            items[it.get("number")] = dict(it.attrib, bucket=b.get("days"))
    return items


@pytest.fixture(scope="module")
def aged_cases(client):
    """Cases imported by admin1 at several ages (untriaged: no SLA clocks), for ALPE and BRMP,
    with the reason each is ageing."""
    out = {}
    for days, party, state, extra, reason in [
            (3, "ALPE", None, {}, "not yet triaged"),
            (20, "ALPE", "awaiting-info", {}, "awaiting the participant"),
            (45, "ALPE", "routed", {"route": "external", "externalDesk": "DCC Service Desk"},
             "with another party's desk"),
            (75, "BRMP", "in-triage", {}, "with the service desk"),
            (100, "ALPE", "routed", {"route": "group", "group": GROUP}, "with the resolver group"),
            (130, "BRMP", "new", {}, "not yet triaged"),
            (50, "ALPE", "closed", {}, None),           # finished: never in the view
            (200, "BRMP", "closed", {}, None)]:
        fields = dict(extra, party=party)
        if state:
            fields["state"] = state
        n = imp(client, "cases", days=days, **fields).ticket()["number"]
        out[n] = (days, party, state or "new", reason)
    return out


@pytest.mark.parametrize("user", ["admin1", "agent1", "alice", "bob", "km1"])
def test_aged_cases_buckets(client, aged_cases, user):
    items = aged(client, "cases", user)
    visible = {"alice": {"ALPE"}, "bob": {"BRMP"}}.get(user, {"ALPE", "BRMP"})
    for n, (days, party, state, reason) in aged_cases.items():
        if reason is None or party not in visible:
            assert n not in items, (user, n, state, party)
            continue
        it = items[n]
        assert (int(it["age"]), it["bucket"], it["state"], it["reason"]) == \
            (days, bucket_of(days), state, reason), it
        assert "priority" not in it
    # the view holds exactly the open cases the user may list
    assert set(items) == set(list_numbers(client, "cases", user, open="true"))


def test_aged_incidents(client):
    p5 = imp(client, "incidents", days=33, priority="P5", impact="high", urgency="low",
             externalDesk="Electralink Service Desk", party="BRMP").ticket()["number"]
    grp = imp(client, "incidents", days=61, priority="P5", state="in-progress",
              group=GROUP).ticket()["number"]
    done = imp(client, "incidents", days=95, state="closed",
               resolution="old").ticket()["number"]
    items = aged(client, "incidents", "agent1")
    assert (items[p5]["bucket"], items[p5]["age"], items[p5]["priority"], items[p5]["reason"]) \
        == ("30-59", "33", "P5", "with another party's desk")
    assert (items[grp]["bucket"], items[grp]["reason"]) == ("60-89", "with the resolver group")
    assert done not in items
    assert set(items) == set(list_numbers(client, "incidents", "agent1", open="true"))
    bob = aged(client, "incidents", "bob")
    assert p5 in bob and grp not in bob
    act(client, "incidents", grp, "cancel")


def test_aged_refusals(client, database):
    with nothing_changed(database):
        assert_error(client.post("/cases/aged", b"<x/>", user="agent1"), 405,
                     "method-not-allowed")
        r = requests.get(client.httpd.url + "/itsm/cases/aged", timeout=30)
        assert r.status_code == 401


@pytest.mark.restart
def test_aged_buckets_directive(env, make_httpd):
    """ITSMAgedBuckets 7 30 gives the buckets under 7, 7-29 and 30+."""
    conf = itsm_directives(env)
    conf["ITSMAgedBuckets"] = "7 30"
    h = make_httpd("aged-buckets", itsm=conf)
    h.start()
    c = Client(h)
    ages = {imp(c, "cases", days=d, party="ALPE").ticket()["number"]: d for d in (3, 7, 29, 30, 400)}
    r = c.get("/cases/aged", user="agent1")
    assert r.status == 200 and r.root == "aged", r
    buckets = {b.get("days"): {it.get("number") for it in b.findall("{%s}item" % NS)}
               for b in r.findall("i:bucket")}
    assert [b.get("days") for b in r.findall("i:bucket")] == ["under 7", "7-29", "30+"]
    want = {"under 7": {3}, "7-29": {7, 29}, "30+": {30, 400}}
    for name, days in want.items():
        assert {ages[n] for n in buckets[name] if n in ages} == days, name
    for n in ages:
        act(c, "cases", n, "close")
