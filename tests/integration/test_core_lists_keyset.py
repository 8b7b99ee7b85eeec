# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Keyset paging (after=NUMBER, the list's next attribute) in every order and form of a list
(one party, several parties as a union, every party, field filters), its refusals; sorting
on a sortable field of a kind (ITSM_FIELD_SORTABLE, the test process's probe label); the
mean time to resolve of GET /{collection}/stats (the time a ticket entered a final state,
kept while it moves between final states, cleared on reopen). docs/api.md."""
import random
import re
import uuid
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from conftest import NS, assert_error, ticket_xml
from incident_util import act, create, get, new_case, rfc, ts, utcnow

D = timedelta(days=1)
SORTS = ["number", "-number", "opened", "-opened", "updated", "-updated"]


def tag():
    return uuid.uuid4().hex[:10]


def imp(client, opened, **fields):
    """An incident imported by admin1, opened then."""
    fields["opened"] = rfc(opened)
    fields.setdefault("description", "imported")
    fields.setdefault("impact", "low")
    fields.setdefault("urgency", "low")
    fields.setdefault("title", "Keyset %s" % tag())
    return create(client, "incidents", "admin1", **fields).ticket()["number"]


def page(client, coll, user, **params):
    r = client.get("/" + coll, user=user, params=urlencode(params, quote_via=quote))
    assert r.status == 200 and r.root == "list", r
    return r


def by_offset(client, coll, user, **params):
    out, offset = [], 0
    while True:
        r = page(client, coll, user, limit=2, offset=offset, **params)
        out += r.numbers()
        if r.doc.get("more") != "true":
            return out
        offset += len(r.numbers())


def by_keyset(client, coll, user, **params):
    """Every page by after=next; next is the page's last number while more follow."""
    out, after = [], {}
    while True:
        r = page(client, coll, user, limit=2, **dict(params, **after))
        nums = r.numbers()
        out += nums
        if r.doc.get("more") != "true":
            assert r.doc.get("next") is None, r
            return out
        assert r.doc.get("next") == nums[-1], r
        after = {"after": nums[-1]}


@pytest.fixture(scope="module")
def desk(client):
    """Incidents of one category across parties; two pairs opened in the same second (ties
    by number)."""
    cat = "Keyset %s" % tag()
    now = utcnow().replace(microsecond=0)
    made = [
        imp(client, now - 50 * D, party="ALPE", category=cat, service="DIP"),
        imp(client, now - 9 * D, party="MTRW", category=cat, service="Metering"),
        imp(client, now - 50 * D, party="ESGS", category=cat, service="Metering"),
        imp(client, now - 30 * D, party="BRMP", category=cat, service="DIP"),
        imp(client, now - 9 * D, party="ALPE", category=cat, service="DIP"),
        imp(client, now - 70 * D, party="ESGS", category=cat, service="DIP"),
        imp(client, now - 1 * D, party="ALPE", category=cat, service="DIP", state="closed",
            resolution="old"),
    ]
    yield cat, made
    for n in made[:-1]:
        act(client, "incidents", n, "cancel", user="admin1")


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("user,params", [
    ("agent1", {}),                              # every party
    ("alice", {}),                               # one party
    ("prov1", {}),                               # several parties: one query per party
    ("prov1", {"service": "Metering"}),
    ("agent1", {"service": "DIP"}),              # a field filter read from the field index
    ("agent1", {"service": "DIP", "open": "true"}),     # a field filter probed per ticket
])
def test_keyset_pages_are_the_offset_pages(client, desk, user, params, sort):
    cat, made = desk
    want = by_offset(client, "incidents", user, category=cat, sort=sort, **params)
    assert want, "the desk has tickets for %s" % user
    assert by_keyset(client, "incidents", user, category=cat, sort=sort, **params) == want


def test_keyset_order_and_ties(client, desk):
    cat, made = desk
    oldest = [made[i] for i in (5, 0, 2, 3, 1, 4, 6)]   # ties of opening by number
    assert by_keyset(client, "incidents", "agent1", category=cat, sort="opened") == oldest
    assert by_keyset(client, "incidents", "agent1", category=cat, sort="-opened") == oldest[::-1]
    # from a ticket in the middle: the rest after it
    r = page(client, "incidents", "agent1", category=cat, sort="opened", after=made[0], limit=50)
    assert r.numbers() == oldest[2:] and r.doc.get("more") == "false"
    r = page(client, "incidents", "agent1", category=cat, after=made[-1])
    assert r.numbers() == [] and r.doc.get("more") == "false"


@pytest.mark.parametrize("user,params,message", [
    ("agent1", {"after": "INC9999999"}, "after takes"),          # no such ticket
    ("agent1", {"after": "nonsense"}, "after takes"),
    ("bob", {"after": "alice's"}, "after takes"),                 # one bob may not see
    ("agent1", {"after": "a case"}, "after takes"),               # another kind's ticket
    ("agent1", {"after": "mine", "offset": "0"}, "offset"),
    ("agent1", {"after": "mine", "q": "keyset"}, "q"),
])
def test_after_refusals(client, database, desk, user, params, message):
    cat, made = desk
    case = new_case(client, "alice").ticket()["number"]
    subst = {"alice's": made[0], "mine": made[1], "a case": case}
    params = {k: subst.get(v, v) for k, v in params.items()}
    before = database.snapshot()
    r = client.get("/incidents", user=user, params=dict(params, category=cat))
    assert_error(r, 400, "bad-query")
    assert message in r.findtext("i:message"), r
    assert database.snapshot() == before


# ---- sort on a sortable field ----------------------------------------------------------

def probe(client, votes, label=None):
    r = client.post("/probes", ticket_xml("probe", title="Sort %s" % tag(), votes=str(votes),
                                          label=label), user="agent1")
    assert r.status == 201 and r.root == "probe", r
    return r.ticket()["number"]


def test_sort_on_a_sortable_field(client):
    votes = random.randint(10000, 999999)
    p = {k: probe(client, votes, k if not k.startswith("alpha") else "alpha")
         for k in ("beta", "alpha1", "gamma", "alpha2")}
    p["none"] = probe(client, votes)
    order = [p[k] for k in ("none", "alpha1", "alpha2", "beta", "gamma")]  # ties by number
    assert by_offset(client, "probes", "agent1", votes=votes, sort="label") == order
    assert by_keyset(client, "probes", "agent1", votes=votes, sort="label") == order
    assert by_keyset(client, "probes", "agent1", votes=votes, sort="-label") == order[::-1]
    r = page(client, "probes", "agent1", votes=votes, sort="label", after=p["alpha2"])
    assert r.numbers() == [p["beta"], p["gamma"]]


@pytest.mark.parametrize("sort", ["count", "-remark", "votes", "colour", "nosuchfield"])
def test_sort_on_other_fields_is_refused(client, sort):
    r = client.get("/probes", user="agent1", params={"sort": sort})
    assert_error(r, 400, "bad-query")
    assert "sortable field" in r.findtext("i:message"), r


# ---- mean time to resolve --------------------------------------------------------------

def seconds(duration):
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration or "")
    assert m, duration
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 3600 + mi * 60 + s


def groups(client, **params):
    r = client.get("/incidents/stats", user="agent1", params=urlencode(params, quote_via=quote))
    assert r.status == 200 and r.root == "stats", r
    return {g.get("key"): (int(g.get("count")), int(g.get("open")),
                           g.get("meanTimeToResolve"))
            for g in r.findall("{%s}group" % NS)}


def took(client, number):
    """Seconds from opened to the ticket's last update (its finish, here)."""
    t = get(client, "incidents", number)
    return int((ts(t.findtext("i:updated")) - ts(t.findtext("i:opened"))).total_seconds())


def test_stats_mean_time_to_resolve(client):
    cat = "Resolve %s" % tag()
    now = utcnow().replace(microsecond=0)
    fixed = imp(client, now - 4 * D, category=cat, service="DIP")
    act(client, "incidents", fixed, "resolve", resolution="Fixed")
    spent = {fixed: took(client, fixed)}
    old = imp(client, now - 2 * D, category=cat, service="Metering", state="closed",
              resolution="old")                 # imported finished: finished when imported
    spent[old] = took(client, old)
    again = imp(client, now - 6 * D, category=cat, service="DIP")
    act(client, "incidents", again, "resolve", resolution="Fixed")
    act(client, "incidents", again, "reopen", note="not fixed")     # clears its finish
    open_one = imp(client, now - 1 * D, category=cat, service="DIP")
    assert 2 * 86400 <= spent[old] and 4 * 86400 <= spent[fixed]
    mean = (spent[fixed] + spent[old]) // 2
    got = groups(client, category=cat)
    assert got[None][:2] == (4, 2) and abs(seconds(got[None][2]) - mean) <= 1, got
    by = groups(client, category=cat, by="service")
    assert by["DIP"][:2] == (3, 2) and seconds(by["DIP"][2]) == spent[fixed], by
    assert by["Metering"] == (1, 0, by["Metering"][2]) \
        and seconds(by["Metering"][2]) == spent[old], by
    # closing a resolved incident keeps when it was resolved
    act(client, "incidents", fixed, "close", user="im1")
    assert seconds(groups(client, category=cat, by="service")["DIP"][2]) == spent[fixed]
    # no finished ticket in a group: no mean
    assert groups(client, category=cat, open="true")[None][2] is None
    for n in (again, open_one):
        act(client, "incidents", n, "cancel", user="admin1")
