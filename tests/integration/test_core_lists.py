# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""List filters of the core (GET /itsm/{collection}): party scope, open=, min_age_days=, kind
fields (a whole value, spaces sent as %20 or '+'), sla= by clock status with paging after
the filter, and the bad filter values refused with 400 bad-query changing nothing."""
from urllib.parse import quote, urlencode

import pytest

from conftest import NS, assert_error
from incident_util import (act, finish_incident, imp, new_case, new_incident, nothing_changed,
                           patch, schema_ready, tag)  # noqa: F401 (autouse fixture)


def numbers(client, coll, user, **params):
    """Every number of /{coll} with these filters (all pages), spaces sent as %20 (the '+'
    form is test_filter_value_with_plus_encoded_space)."""
    out, offset = [], 0
    while True:
        q = urlencode(dict(params, limit=500, offset=offset), quote_via=quote)
        r = client.get("/" + coll, user=user, params=q)
        assert r.status == 200 and r.root == "list", r
        nums = [e.findtext("{%s}number" % NS) for e in r.doc]
        out += nums
        if r.doc.get("more") != "true" or not nums:
            return set(out)
        offset += len(nums)


@pytest.fixture(scope="module")
def filtered_cases(client):
    """Cases of ALPE and BRMP with one service at known ages (untriaged: no SLA clocks)."""
    svc = "Svc %s" % tag()
    return svc, {
        "alice-new": new_case(client, "alice", service=svc).ticket()["number"],
        "alice-old": imp(client, "cases", days=40, party="ALPE", service=svc).ticket()["number"],
        "alice-10": imp(client, "cases", days=10, party="ALPE", service=svc,
                        category="Registration").ticket()["number"],
        "alice-closed": imp(client, "cases", days=2, party="ALPE", service=svc,
                            category="Disputes", state="closed").ticket()["number"],
        "bob-new": new_case(client, "bob", service=svc).ticket()["number"],
        "bob-old": imp(client, "cases", days=70, party="BRMP", service=svc).ticket()["number"],
        "other": new_case(client, "alice", service=svc + " 2").ticket()["number"],
    }


@pytest.mark.parametrize("user,params,expect", [
    ("agent1", {}, ["alice-new", "alice-old", "alice-10", "alice-closed", "bob-new", "bob-old"]),
    ("alice", {}, ["alice-new", "alice-old", "alice-10", "alice-closed"]),
    ("carol", {}, ["alice-new", "alice-old", "alice-10", "alice-closed"]),
    ("bob", {}, ["bob-new", "bob-old"]),
    ("agent1", {"open": "true"}, ["alice-new", "alice-old", "alice-10", "bob-new", "bob-old"]),
    ("alice", {"open": "true"}, ["alice-new", "alice-old", "alice-10"]),
    ("agent1", {"min_age_days": "30"}, ["alice-old", "bob-old"]),
    ("agent1", {"min_age_days": "5"}, ["alice-old", "alice-10", "bob-old"]),
    ("agent1", {"min_age_days": "0"},
     ["alice-new", "alice-old", "alice-10", "alice-closed", "bob-new", "bob-old"]),
    ("bob", {"min_age_days": "30"}, ["bob-old"]),
    ("alice", {"min_age_days": "1", "open": "true"}, ["alice-old", "alice-10"]),
    # open=false: the finished tickets alone (a final state of the kind), in every scope
    ("agent1", {"open": "false"}, ["alice-closed"]),
    ("alice", {"open": "false"}, ["alice-closed"]),
    ("carol", {"open": "false"}, ["alice-closed"]),
    ("bob", {"open": "false"}, []),
    ("agent1", {"open": "false", "min_age_days": "1"}, ["alice-closed"]),
    ("agent1", {"open": "false", "min_age_days": "5"}, []),
    ("agent1", {"open": "false", "sort": "-opened"}, ["alice-closed"]),
    ("agent1", {"open": "false", "party": "ALPE"}, ["alice-closed"]),
    ("agent1", {"open": "false", "state": "closed"}, ["alice-closed"]),
    ("agent1", {"open": "false", "state": "new"}, []),
    # two fields (service and category): the sparser drives, on its closed rows
    ("agent1", {"open": "false", "category": "Registration"}, []),
    ("agent1", {"open": "false", "category": "Disputes"}, ["alice-closed"]),
    ("agent1", {"open": "true", "category": "Disputes"}, []),
    ("alice", {"open": "false", "category": "Disputes"}, ["alice-closed"]),
    ("agent1", {"category": "Registration"}, ["alice-10"]),
    ("bob", {"category": "Registration"}, []),
])
def test_case_filters(client, filtered_cases, user, params, expect):
    svc, cases = filtered_cases
    got = numbers(client, "cases", user, service=svc, **params)
    assert got == {cases[k] for k in expect}, (params, {k for k, v in cases.items() if v in got})
    # service matches the whole value, not a prefix or a part of it
    assert cases["other"] not in got


def test_finished_tickets_page_by_after(client):
    """open=false pages like any list: by after= (the next page from the last number), in
    creation order and newest first, with a field and within a party's scope."""
    svc = "Done %s" % tag()
    done = [imp(client, "cases", days=d, party="ALPE", service=svc, state="closed")
            .ticket()["number"] for d in (9, 7, 5, 3)]
    new_case(client, "alice", service=svc)      # open: never on these pages
    for user in ("agent1", "alice"):
        for sort, order in (("number", done), ("-number", done[::-1])):
            seen, after = [], None
            while True:
                params = {"open": "false", "service": svc, "limit": 3, "sort": sort}
                if after:
                    params["after"] = after
                r = client.get("/cases", user=user, params=params)
                assert r.status == 200, r
                seen += r.numbers()
                if r.doc.get("more") != "true":
                    break
                after = r.doc.get("next")
            assert seen == order, (user, sort, seen)


def test_filter_value_with_plus_encoded_space(client, filtered_cases):
    """A filter value with a space sent form-encoded ('+', as requests, urllib and browsers
    send it) matches like %20 (regression: ap_args_to_table() alone left the '+')."""
    svc, cases = filtered_cases
    r = client.get("/cases", user="agent1", params={"service": svc, "limit": 500})
    assert "+" in r.r.request.url                   # requests sends the space as '+'
    assert r.status == 200
    assert set(r.numbers()) == numbers(client, "cases", "agent1", service=svc) == \
        {cases[k] for k in ("alice-new", "alice-old", "alice-10", "alice-closed", "bob-new",
                            "bob-old")}
    r = client.get("/cases", user="agent1", params={"service": svc + " 2"})
    assert r.numbers() == [cases["other"]]



def test_field_filters_follow_updates(client):
    """An update writes only the field rows that changed (schema 12): a changed value moves
    the ticket to the new value's list and count, the field it left alone keeps it where it
    was, and so does an update that changes no field."""
    svc, cat = "Svc %s" % tag(), "Cat %s" % tag()
    n = new_case(client, "alice", service=svc, category=cat).ticket()["number"]
    assert numbers(client, "cases", "agent1", service=svc) == {n}
    patch(client, "cases", n, title="Renamed, fields untouched")
    assert numbers(client, "cases", "agent1", service=svc, category=cat) == {n}
    patch(client, "cases", n, service=svc + " moved")
    assert numbers(client, "cases", "agent1", service=svc) == set()
    assert numbers(client, "cases", "agent1", service=svc + " moved", category=cat) == {n}
    r = client.get("/cases/stats", user="agent1", params={"by": "service"})
    assert r.status == 200 and r.root == "stats", r
    got = {g.get("key"): int(g.get("count")) for g in r.findall("{%s}group" % NS)}
    assert got.get(svc + " moved") == 1 and svc not in got, got

# (user, sla status, incidents expected among those of the test's category)
SLA_FILTER = [
    ("agent1", "in-sla", ["fresh", "started", "breached", "warning"]),
    ("agent1", "warning", ["warning"]),
    ("agent1", "breached", ["breached"]),
    ("agent1", "met", ["started", "missed"]),
    ("agent1", "missed", ["missed"]),
    ("alice", "breached", ["breached"]),
    ("alice", "in-sla", ["fresh", "breached"]),
    ("alice", "missed", ["missed"]),
    ("bob", "breached", []),
    ("bob", "warning", ["warning"]),
    ("bob", "met", ["started"]),
    ("bob", "in-sla", ["started", "warning"]),
    ("agent1", "cancelled", ["withdrawn"]),
    ("bob", "cancelled", ["withdrawn"]),
    ("alice", "cancelled", []),
    ("agent1", None, ["fresh", "started", "breached", "warning", "missed", "p5", "withdrawn"]),
]


def test_incident_sla_filter(client):
    """Incidents of one category at known SLA statuses (P1, 24x7), filtered by sla= for
    several users (party isolation), and paged. One test so that the running clocks that
    start old are cancelled before any other test takes a snapshot."""
    cat = "Cat %s" % tag()
    hh = dict(impact="high", urgency="high", category=cat)
    inc = {
        # fresh P1: both clocks in-sla
        "fresh": new_incident(client, party="ALPE", **hh).ticket()["number"],
        # started P1: response met, resolution in-sla
        "started": new_incident(client, party="BRMP", **hh).ticket()["number"],
        # 2 h old, open: response breached (15 min), resolution in-sla (2 h of 6)
        "breached": imp(client, "incidents", minutes=120, party="ALPE", state="in-progress",
                        **hh).ticket()["number"],
        # 12 min old: response warning (80 % of 15 min), resolution in-sla
        "warning": imp(client, "incidents", minutes=12, party="BRMP", **hh).ticket()["number"],
        # imported resolved 2 h after opening: response missed, resolution met
        "missed": imp(client, "incidents", minutes=120, party="ALPE", state="resolved",
                      resolution="old tool", **hh).ticket()["number"],
        # P5: no clocks at all
        "p5": imp(client, "incidents", minutes=120, party="ALPE", priority="P5",
                  **hh).ticket()["number"],
        # imported cancelled: both clocks cancelled, neither met nor missed
        "withdrawn": imp(client, "incidents", minutes=120, party="BRMP", state="cancelled",
                         **hh).ticket()["number"],
    }
    try:
        act(client, "incidents", inc["started"], "start")
        wrong = []
        for user, sla, expect in SLA_FILTER:
            params = {"sla": sla} if sla else {}
            got = numbers(client, "incidents", user, category=cat, **params)
            if got != {inc[k] for k in expect}:
                wrong.append((user, sla, sorted(k for k, v in inc.items() if v in got), expect))
        assert not wrong, wrong
        # paging applies after the status filter
        pages = [client.get("/incidents", user="agent1",
                            params=urlencode({"category": cat, "sla": "in-sla", "limit": 3,
                                              "offset": off}, quote_via=quote))
                 for off in (0, 3)]
        assert [(p.doc.get("more"), len(p.numbers())) for p in pages] == \
            [("true", 3), ("false", 1)]
        assert set(pages[0].numbers()) | set(pages[1].numbers()) == \
            {inc[k] for k in ("fresh", "started", "breached", "warning")}
    finally:
        for k in ("fresh", "started", "breached", "warning", "p5"):
            finish_incident(client, inc[k])


@pytest.mark.parametrize("coll,params", [
    ("cases", {"open": "False"}), ("cases", {"open": "1"}), ("cases", {"open": "TRUE"}),
    ("cases", {"open": "0"}),
    ("cases", {"open": ""}), ("incidents", {"open": "yes"}),
    ("cases", {"min_age_days": "-1"}), ("cases", {"min_age_days": "abc"}),
    ("cases", {"min_age_days": "1.5"}), ("cases", {"min_age_days": ""}),
    ("incidents", {"min_age_days": "100001"}), ("incidents", {"min_age_days": "3d"}),
    ("incidents", {"sla": "late"}), ("incidents", {"sla": "BREACHED"}),
    ("incidents", {"sla": ""}), ("cases", {"sla": "in sla"}),
    ("incidents", {"sla": "not-started"}),      # a clock before its event has no row
    ("review-actions", {"sla": "in-sla"}),      # a kind without clocks
    ("incidents", {"service": "DIP", "category": "Choreography", "contact": "x"}),  # at most 2
])
def test_bad_filter_values_400(client, database, coll, params):
    with nothing_changed(database):
        r = client.get("/" + coll, user="agent1", params=params)
        assert_error(r, 400, "bad-query")


@pytest.mark.parametrize("path,query", [
    ("/incidents", "state=new&state=closed"),           # a list: the second value was ignored
    ("/incidents", "limit=5&limit=500"),
    ("/incidents", "service=DIP&service=DIP"),          # even the same value twice
    ("/incidents/stats", "by=priority&by=state"),
    ("/articles", "q=meter&q=gateway"),                 # a search
])
def test_a_repeated_query_parameter_is_refused(client, database, path, query):
    """A parameter given twice is refused (400 bad-query naming it), not taken once: before,
    ?state=new&state=closed listed the new tickets alone, as if the second were not there."""
    with nothing_changed(database):
        r = client.get(path + "?" + query, user="agent1")
        assert_error(r, 400, "bad-query")
        assert query.split("=")[0] in r.findtext("i:message"), r


@pytest.mark.parametrize("path,query", [
    ("/articles", "q=jabber%00wock"),                   # searched for "jabber"
    ("/articles", "q=%00jabberwock"),                   # "q is empty"
    ("/incidents", "service=DIP%00junk"),               # filtered as "DIP"
    ("/incidents", "state=new%00"),
])
def test_a_nul_in_the_query_is_refused(client, database, path, query):
    """A value holding %00 lost the rest of itself when decoded (a C string ends there), so
    a search or filter answered for less than was asked (and a search finding nothing for
    the cut text counted a gap of it)."""
    with nothing_changed(database):
        r = client.get(path + "?" + query, user="agent1")
        assert_error(r, 400, "bad-query")
        assert "NUL" in r.findtext("i:message"), r
