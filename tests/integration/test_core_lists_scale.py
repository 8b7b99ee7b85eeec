# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Lists, counts and the aged view on the store's indexes (docs/api.md, docs/performance.md):
filters on indexed kind fields (any number), refusals of fields that are not indexed and of
unknown parameters, sort orders, time ranges, paging under a sort, the party scope of one,
several and every party, SLA statuses from the stored due times, and the stats resource.
Each test works on incidents of a category of its own."""
import uuid
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from conftest import NS, assert_error, poll
from incident_util import GROUP, act, create, rfc, ts, utcnow

D = timedelta(days=1)


def tag():
    return uuid.uuid4().hex[:10]


def imp(client, days=0, minutes=0, **fields):
    """An incident imported by admin1, opened so long ago."""
    fields["opened"] = rfc(utcnow() - days * D - timedelta(minutes=minutes))
    fields.setdefault("description", "imported")
    fields.setdefault("impact", "low")
    fields.setdefault("urgency", "low")
    fields.setdefault("title", "Scale %s" % tag())
    return create(client, "incidents", "admin1", **fields).ticket()["number"]


def page(client, user="agent1", **params):
    r = client.get("/incidents", user=user, params=urlencode(params, quote_via=quote))
    assert r.status == 200 and r.root == "list", r
    return r


def every(client, user="agent1", **params):
    out, offset = [], 0
    while True:
        r = page(client, user, limit=2, offset=offset, **params)
        nums = r.numbers()
        out += nums
        if r.doc.get("more") != "true":
            return out
        offset += len(nums)


@pytest.fixture(scope="module")
def desk(client):
    """Incidents of one category across parties, services and ages; the cancelled ones
    stop their clocks (no test leaves a running clock behind for a sweep)."""
    cat = "Scale %s" % tag()
    made = {
        "alpe-old": imp(client, days=200, party="ALPE", category=cat, service="DIP"),
        "alpe-40": imp(client, days=40, party="ALPE", category=cat, service="DIP",
                       subcategory="Reads"),
        "brmp-20": imp(client, days=20, party="BRMP", category=cat, service="DIP"),
        "mtrw-10": imp(client, days=10, party="MTRW", category=cat, service="Metering"),
        "esgs-5": imp(client, days=5, party="ESGS", category=cat, service="Metering"),
        "alpe-done": imp(client, days=3, party="ALPE", category=cat, service="DIP",
                         state="closed", resolution="old"),
    }
    yield cat, made
    for k, n in made.items():
        if k != "alpe-done":
            act(client, "incidents", n, "cancel", user="admin1")


@pytest.mark.parametrize("user,params,expect", [
    ("agent1", {}, ["alpe-old", "alpe-40", "brmp-20", "mtrw-10", "esgs-5", "alpe-done"]),
    ("alice", {}, ["alpe-old", "alpe-40", "alpe-done"]),
    ("bob", {}, ["brmp-20"]),
    # a scope of several parties (ESGS and those it acts for): one ordered query per party
    ("prov1", {}, ["alpe-old", "alpe-40", "mtrw-10", "esgs-5", "alpe-done"]),
    ("prov1", {"service": "Metering"}, ["mtrw-10", "esgs-5"]),
    ("agent1", {"service": "DIP", "subcategory": "Reads"}, ["alpe-40"]),
    ("agent1", {"service": "DIP", "open": "true"}, ["alpe-old", "alpe-40", "brmp-20"]),
    ("agent1", {"party": "ALPE", "open": "true"}, ["alpe-old", "alpe-40"]),
    ("bob", {"party": "ALPE"}, []),
])
def test_filters_in_creation_order(client, desk, user, params, expect):
    cat, made = desk
    assert every(client, user, category=cat, **params) == [made[k] for k in expect]


def test_field_filters_in_any_order(client, desk):
    """Several field filters list the same tickets whichever the request names first (the
    store lets the sparsest value drive: docs/performance.md), in every order and page."""
    cat, made = desk
    for sort in ("number", "-number", "opened"):
        one = every(client, category=cat, service="DIP", sort=sort)
        assert one == every(client, service="DIP", category=cat, sort=sort)
        assert every(client, "prov1", service="Metering", category=cat, sort=sort) == \
            every(client, "prov1", category=cat, service="Metering", sort=sort)
    assert one and set(one) == {made[k] for k in ("alpe-old", "alpe-40", "brmp-20",
                                                  "alpe-done")}
    # two fields without open over every party: exactly the tickets holding both values (a
    # closed one too), in creation order both ways, page by page and after a ticket
    both = [made[k] for k in ("alpe-old", "alpe-40", "brmp-20", "alpe-done")]
    for first, second in ((("category", cat), ("service", "DIP")),
                          (("service", "DIP"), ("category", cat))):
        params = dict((first, second))
        assert every(client, **params) == both
        assert every(client, sort="-number", **params) == both[::-1]
        assert page(client, after=both[1], limit=10, **params).numbers() == both[2:]
        assert page(client, after=both[2], sort="-number", limit=10,
                    **params).numbers() == both[:2][::-1]
    assert every(client, category=cat, service="Metering") == [made["mtrw-10"], made["esgs-5"]]
    assert every(client, category=cat, service="Metering", subcategory="Reads") == []


def test_open_tickets_of_a_group_and_an_assignee(client):
    """A resolver group's and an assignee's open tickets (schema 18's indexes hold the open
    ones only): a close takes a ticket out, a reopen-free cancel too, every scope applies."""
    cat = "Scale %s" % tag()
    made = [imp(client, days=d, party=p, category=cat, group=GROUP, assignee="res1")
            for d, p in ((30, "ALPE"), (20, "BRMP"), (10, "MTRW"), (5, "ALPE"))]
    other = imp(client, days=15, party="ALPE", category=cat)
    for key in ({"group": GROUP}, {"assignee": "res1"}):
        assert every(client, category=cat, open="true", **key) == made
        assert every(client, "alice", category=cat, open="true", **key) == [made[0], made[3]]
        assert every(client, "prov1", category=cat, open="true", **key) == \
            [made[0], made[2], made[3]]
        assert every(client, "bob", category=cat, open="true", **key) == [made[1]]
        assert every(client, "prov1", category=cat, open="true", sort="-opened", **key) == \
            [made[3], made[2], made[0]]
    # a field (the category) and open over every party: the field's open rows (schema 18)
    assert every(client, category=cat, open="true") == made + [other]
    assert every(client, category=cat, open="true", sort="-number") == (made + [other])[::-1]
    assert every(client, "alice", category=cat, open="true") == [made[0], made[3], other]
    act(client, "incidents", made[0], "cancel", user="admin1")
    assert every(client, category=cat, open="true") == made[1:] + [other]
    assert every(client, "alice", category=cat, open="true") == [made[3], other]
    assert every(client, category=cat) == made + [other]
    for key in ({"group": GROUP}, {"assignee": "res1"}):
        assert every(client, category=cat, open="true", **key) == made[1:]
        assert every(client, category=cat, **key) == made
    for n in made[1:] + [other]:
        act(client, "incidents", n, "cancel", user="admin1")
    assert every(client, category=cat, open="true", group=GROUP) == []


def test_lists_over_open_and_closed_tickets_merge_both(client):
    """Lists in creation or opening order over open and closed tickets alike are read as the
    merge of the closed and the open ones (schema 23: no index orders a kind's, a party's, a
    group's, an assignee's or a field value's tickets by id or opening alone): closed and
    open tickets interleaved come back in order both ways, page by page, after a ticket,
    within every scope, and a ticket that closes stays in its place."""
    cat = "Merge %s" % tag()
    made = []
    for k, (d, p) in enumerate(((60, "ALPE"), (50, "BRMP"), (40, "ALPE"), (30, "MTRW"),
                                (20, "ALPE"), (10, "ESGS"), (5, "ALPE"))):
        extra = {"state": "closed", "resolution": "merged"} if k % 2 else {}
        made.append(imp(client, days=d, party=p, category=cat, group=GROUP, assignee="res1",
                        service="DIP", **extra))
    # every incident, newest first: these are the newest
    assert page(client, sort="-number", limit=len(made)).numbers() == made[::-1]
    assert page(client, "alice", sort="-number", limit=4).numbers() == \
        [made[6], made[4], made[2], made[0]]
    parties = {"agent1": None, "alice": {"ALPE"}, "prov1": {"ALPE", "MTRW", "ESGS"},
               "bob": {"BRMP"}}
    party_of = dict(zip(made, ("ALPE", "BRMP", "ALPE", "MTRW", "ALPE", "ESGS", "ALPE")))
    for user, scope in parties.items():
        want = [n for n in made if scope is None or party_of[n] in scope]
        for key in ({}, {"group": GROUP}, {"assignee": "res1"}, {"service": "DIP"},
                    {"group": GROUP, "service": "DIP"}):
            params = dict(key, category=cat)
            assert every(client, user, **params) == want, (user, key)
            assert every(client, user, sort="-number", **params) == want[::-1], (user, key)
            # opened in the order of creation: the opening index's two halves merged alike
            assert every(client, user, sort="opened", **params) == want, (user, key)
            assert every(client, user, sort="-opened", **params) == want[::-1], (user, key)
            if len(want) > 2:
                assert page(client, user, after=want[1], limit=10, **params).numbers() == \
                    want[2:], (user, key)
                assert page(client, user, after=want[-2], sort="-number", limit=10,
                            **params).numbers() == want[:-2][::-1], (user, key)
                assert page(client, user, offset=1, limit=2, **params).numbers() == \
                    want[1:3], (user, key)
                assert page(client, user, after=want[1], sort="opened", limit=10,
                            **params).numbers() == want[2:], (user, key)
            assert every(client, user, open="true", **params) == \
                [n for k, n in enumerate(made) if k % 2 == 0 and n in want], (user, key)
            # a state reads its own half only (closed: final; new: open), in either order
            for state, odd in (("closed", 1), ("new", 0)):
                got = [n for k, n in enumerate(made) if k % 2 == odd and n in want]
                assert every(client, user, state=state, **params) == got, (user, key, state)
                assert every(client, user, state=state, sort="-opened", **params) == \
                    got[::-1], (user, key, state)
    # a range of opening times (40, 30 and 20 days ago) over both values, listed and counted
    span = dict(opened_after=rfc(utcnow() - 45 * D), opened_before=rfc(utcnow() - 15 * D))
    assert every(client, category=cat, **span) == made[2:5]
    assert every(client, category=cat, sort="-opened", **span) == made[2:5][::-1]
    assert {k: v[:2] for k, v in stats(client, category=cat, by="party", **span).items()} == \
        {"ALPE": (2, 2), "MTRW": (1, 0)}
    act(client, "incidents", made[2], "cancel", user="admin1")
    assert every(client, category=cat, group=GROUP) == made
    assert every(client, category=cat, sort="-number") == made[::-1]
    for n in made[0:7:2]:
        if n != made[2]:
            act(client, "incidents", n, "cancel", user="admin1")
    assert every(client, category=cat, assignee="res1") == made


def test_sort_and_paging(client, desk):
    cat, made = desk
    oldest = ["alpe-old", "alpe-40", "brmp-20", "mtrw-10", "esgs-5", "alpe-done"]
    assert every(client, category=cat, sort="opened") == [made[k] for k in oldest]
    assert every(client, category=cat, sort="-opened") == [made[k] for k in oldest[::-1]]
    assert every(client, "prov1", category=cat, sort="-opened") == \
        [made[k] for k in oldest[::-1] if k != "brmp-20"]
    assert every(client, category=cat, sort="-number") == sorted(made.values(), reverse=True)
    # several parties (a union of one query per party) in every order, as every party's list
    # shows their tickets (the title order's union answered 503 before schema 18's change)
    mine = set(every(client, "prov1", category=cat))
    for sort in ("title", "-title", "opened", "-updated", "-number"):
        assert every(client, "prov1", category=cat, sort=sort) == \
            [n for n in every(client, category=cat, sort=sort) if n in mine], sort
    # the most recently changed first (ties newest number first)
    r = page(client, category=cat, sort="-updated", limit=50)
    got = [(ts(e.findtext("{%s}updated" % NS)), e.findtext("{%s}number" % NS)) for e in r.doc]
    assert len(got) == 6 and got == sorted(got, reverse=True), got


@pytest.mark.parametrize("days_after,days_before,expect", [
    (45, None, ["alpe-40", "brmp-20", "mtrw-10", "esgs-5", "alpe-done"]),
    (None, 15, ["alpe-old", "alpe-40", "brmp-20"]),
    (45, 15, ["alpe-40", "brmp-20"]),
    (1, None, []),
])
def test_opened_ranges(client, desk, days_after, days_before, expect):
    cat, made = desk
    params = {}
    if days_after is not None:
        params["opened_after"] = rfc(utcnow() - days_after * D)
    if days_before is not None:
        params["opened_before"] = rfc(utcnow() - days_before * D)
    assert every(client, category=cat, **params) == [made[k] for k in expect]


def test_updated_range(client, desk):
    cat, made = desk
    later = rfc(utcnow() + D)
    assert every(client, category=cat, updated_after=later) == []
    assert set(every(client, category=cat, updated_before=later)) == set(made.values())


@pytest.mark.parametrize("params,message", [
    ({"contact": "x"}, "not indexed"),          # a field of the kind, not indexed
    ({"impactStatement": "x"}, "not indexed"),
    ({"colour": "red"}, "Unknown query parameter"),
    ({"sort": "priority"}, "sort takes"),
    ({"sort": "--opened"}, "sort takes"),
    ({"opened_after": "yesterday"}, "RFC 3339"),
    ({"updated_before": "2026-13-01T00:00:00Z"}, "RFC 3339"),
    ({"opened_before": "2026-01-01T00:00:00Z", "min_age_days": "3"}, "min_age_days"),
])
def test_refused_list_queries(client, database, params, message):
    before = database.snapshot()
    r = client.get("/incidents", user="agent1", params=params)
    assert_error(r, 400, "bad-query")
    assert message in r.findtext("i:message"), r
    assert database.snapshot() == before


def stats(client, user="agent1", **params):
    r = client.get("/incidents/stats", user=user, params=urlencode(params, quote_via=quote))
    assert r.status == 200 and r.root == "stats", r
    assert r.doc.get("collection") == "incidents"
    ts(r.doc.get("at"))
    return {g.get("key"): (int(g.get("count")), int(g.get("open")), g.get("meanOpenAge"))
            for g in r.findall("{%s}group" % NS)}


def test_stats_by_service_state_and_party_scope(client, desk):
    cat, _ = desk
    got = stats(client, category=cat, by="service")
    assert {k: v[:2] for k, v in got.items()} == {"DIP": (4, 3), "Metering": (2, 2)}
    assert got["DIP"][2] and got["DIP"][2].startswith("P")     # xs:duration of the mean age
    assert {k: v[:2] for k, v in stats(client, "alice", category=cat, by="service").items()} \
        == {"DIP": (3, 2)}
    assert {k: v[:2] for k, v in stats(client, "prov1", category=cat, by="party").items()} \
        == {"ALPE": (3, 2), "ESGS": (1, 1), "MTRW": (1, 1)}
    assert {k: v[:2] for k, v in stats(client, category=cat, by="state").items()} \
        == {"new": (5, 5), "closed": (1, 0)}
    # without by: one group of everything matching
    assert {k: v[:2] for k, v in stats(client, category=cat, open="true").items()} \
        == {None: (5, 5)}


def test_stats_by_month_and_priority(client, desk):
    cat, made = desk
    month = (utcnow() - 20 * D).strftime("%Y-%m")
    got = stats(client, category=cat, by="month")
    assert sum(v[0] for v in got.values()) == 6 and month in got
    by_prio = stats(client, category=cat, by="priority", month=month)
    assert sum(v[0] for v in by_prio.values()) == got[month][0]
    assert set(by_prio) <= {"P4"}


@pytest.mark.parametrize("params", [
    {"by": "contact"}, {"by": "title"}, {"by": ""}, {"month": "2026-13"}, {"month": "2026-1"},
    {"month": "26-11"}, {"month": "2026-11", "opened_after": "2026-01-01T00:00:00Z"},
    {"limit": "5"}, {"colour": "red"},
])
def test_stats_refusals(client, params):
    assert_error(client.get("/incidents/stats", user="agent1", params=params), 400, "bad-query")


def test_stats_method_and_authorization(client):
    assert_error(client.post("/incidents/stats", b"<x/>", user="agent1"), 405,
                 "method-not-allowed")
    r = client.get("/tests/stats", user="agent1")
    assert r.status == 200 and r.root == "stats", r


def test_sla_statuses_from_stored_due_times(client):
    """P1 incidents (15 min response, 80 % warning) at known ages; an incident's status
    follows time without any write (the stored due time against the time of the query)."""
    cat = "Sla %s" % tag()
    hh = dict(impact="high", urgency="high", category=cat)
    inc = {"fresh": imp(client, **hh),
           "warning": imp(client, minutes=13, **hh),
           "breached": imp(client, minutes=30, **hh),
           # both clocks overrun (6 h resolution); await-info below stops the response clock
           # and pauses the resolution clock
           "paused": imp(client, minutes=400, state="in-progress", **hh)}
    try:
        for status, expect in [("in-sla", {"fresh", "warning", "breached"}),
                               ("warning", {"warning"}), ("breached", {"breached", "paused"}),
                               ("met", set()), ("missed", set())]:
            assert set(every(client, category=cat, sla=status)) == \
                {inc[k] for k in expect}, status
        assert set(every(client, "alice", category=cat, sla="breached")) == set()
        # paused (awaiting info): the status is settled while the clock stands still
        act(client, "incidents", inc["paused"], "await-info")
        assert set(every(client, category=cat, sla="breached")) == \
            {inc["breached"], inc["paused"]}
    finally:
        for n in inc.values():
            act(client, "incidents", n, "cancel", user="admin1")
    # cancelled: every clock stopped; those still running end cancelled, neither met nor
    # missed (they were met or missed by the time of the cancel until 2026-12-07); the
    # response that await-info stopped late stays missed
    assert set(every(client, category=cat, sla="missed")) == {inc["paused"]}
    assert set(every(client, category=cat, sla="met")) == set()
    assert set(every(client, category=cat, sla="cancelled")) == set(inc.values())
    r = client.get("/incidents/" + inc["breached"], user="agent1")
    assert {t.get("kind"): t.get("status") for t in r.findall("i:sla/i:target")} == \
        {"response": "cancelled", "resolution": "cancelled"}, r.text


def test_sla_warning_lists(client):
    """Clocks in warning (warn_at <= now <= due) from the index of warning periods (schema 19):
    a P1's response (15 min, warning from 11 min 15 s: a period of 225 s) and resolution (6 h,
    warning from 4 h 30 min: 5,400 s), one entering warning during the test, one leaving it
    (breached), a paused clock settled in warning, stopped and not yet warning clocks. The
    list over every party with no other filter keeps only the first ids of the set for its
    page: the same tickets, in both orders and page by page, as the list filtered on the
    category (the whole set)."""
    cat = "Warn %s" % tag()
    hh = dict(impact="high", urgency="high", category=cat, party="ALPE")

    def opened_ago(seconds, **fields):
        fields.update(hh)
        fields["opened"] = rfc(utcnow() - timedelta(seconds=seconds))
        fields.update(description="imported", title="Warn %s" % tag())
        return create(client, "incidents", "admin1", **fields).ticket()["number"]

    inc = {"fresh": opened_ago(60),
           "not-yet": opened_ago(8 * 60),               # response warning in 195 s
           "entering": opened_ago(11 * 60),             # ... in 15 s
           "response": opened_ago(13 * 60),             # response in warning
           "late": opened_ago(14 * 60 + 57),            # ... due in 3 s: then breached
           "breached": opened_ago(30 * 60),
           "resolution": opened_ago(5 * 3600, state="in-progress"),   # resolution in warning
           "paused": opened_ago(5 * 3600, state="in-progress"),
           "closed": opened_ago(13 * 60, state="in-progress")}
    mine = {n: k for k, n in inc.items()}

    def warning(user="agent1", **params):
        return [mine[n] for n in every(client, user, sla="warning", **params) if n in mine]

    try:
        act(client, "incidents", inc["paused"], "await-info")   # paused: settled in warning
        act(client, "incidents", inc["closed"], "cancel", user="admin1")
        first = set(warning(category=cat))
        assert {"response", "resolution", "paused"} <= first, first
        assert first <= {"response", "resolution", "paused", "entering", "late"}, first
        # a clock entering warning (or leaving it) between two requests, without a write
        assert poll(lambda: "entering" in warning(category=cat), timeout=60, interval=1)
        assert poll(lambda: "late" not in warning(category=cat), timeout=30, interval=1)
        expect = ["entering", "response", "resolution", "paused"]       # creation order
        for sort, order in (("number", expect), ("-number", expect[::-1])):
            assert warning(category=cat, sort=sort) == order, sort
            whole = page(client, sla="warning", sort=sort, limit=500).numbers()
            assert len(set(whole)) == len(whole)
            assert [mine[n] for n in whole if n in mine] == order, sort
            assert warning(sort=sort) == order, sort                   # pages of 2
            for offset in (0, 1, len(whole) - 1):
                r = page(client, sla="warning", sort=sort, limit=1, offset=offset)
                assert r.numbers() == whole[offset:offset + 1], (sort, offset)
        assert warning("alice") == expect and warning("bob") == []
        assert "not-yet" not in warning()
    finally:
        for k, n in inc.items():
            if k != "closed":
                act(client, "incidents", n, "cancel", user="admin1")
    assert warning(category=cat) == []


def test_deep_offset_pages(client):
    """A page at offset 200 or more is found from its first ticket's keys (docs/performance.md):
    the same tickets as the list read from the start, in every order; past the end, none."""
    cat = "Deep %s" % tag()
    made = [imp(client, days=40 - i % 37, minutes=i, party=("ALPE", "BRMP")[i % 2],
                category=cat, service=("DIP", "Metering")[i % 3 == 0]) for i in range(230)]
    for sort in ("number", "-number", "opened", "-opened"):
        for user, params in (("agent1", {}), ("alice", {}), ("agent1", {"open": "true"}),
                             ("agent1", {"service": "DIP", "open": "true"})):
            whole = page(client, user, category=cat, sort=sort, limit=500, **params).numbers()
            assert len(whole) >= 70, (user, params)
            for offset in (200, len(whole) - 3, len(whole), len(whole) + 5):
                r = page(client, user, category=cat, sort=sort, limit=20, offset=offset, **params)
                assert r.numbers() == whole[offset:offset + 20], (sort, user, params, offset)
                assert r.doc.get("more") == ("true" if offset + 20 < len(whole) else "false")
    for n in made:
        act(client, "incidents", n, "cancel", user="admin1")
