"""More of mod_itsm_incident (docs/incident.md, docs/api.md): the Atom feed and its party
isolation, the major-incident banner, the SLA sweep (a dedicated httpd sweeping every second),
the aged view, the list filters, the directory of external desks (ITSMDesksFile), migration
import with a state, the directory checks of group and assignee, and the post-incident review
with its review actions. Every refusal is also checked to change nothing (every table of the
database is the same afterwards).

Tickets whose SLA clocks run and that start old (imports with an <opened> in the past) are
finished (cancelled or resolved) at the end of the test that made them, so that a sweep (the
harness servers run none; test_sla_sweep_announces_breach_once runs its own) never has
anything to write into a later test's before/after snapshot."""
import contextlib
import os
import re
import time
import uuid
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
import requests
from lxml import etree

from conftest import (NS, PASSWORD, REPO, Client, Httpd, assert_error, assert_refuses_to_start,
                      itsm_directives, link_xml,
                      poll, ticket_xml)
from incident_util import (GROUP, H, M, act, body, create, get, journal_entries, list_numbers,
                           new_case, new_incident, patch, rfc, targets, ts, unchanged, utcnow)

ATOM = "http://www.w3.org/2005/Atom"
A = {"a": ATOM}
D = timedelta(days=1)
TITLE_RE = re.compile(r"^(?P<number>[A-Z]{2,5}\d{7}) (?P<action>[a-z-]+) by (?P<actor>\S+): ")
DESKS_FILE = os.path.join(REPO, "conf", "itsm-desks.xml")


def tag():
    """A value no other test uses (service, category, titles)."""
    return uuid.uuid4().hex[:10]


@contextlib.contextmanager
def nothing_changed(database):
    """Every table of the database is the same after the block."""
    before = database.snapshot()
    yield
    assert database.snapshot() == before, "database changed"


def imp(client, coll, days=0, minutes=0, user="admin1", expect=201, **fields):
    """Migration import (admin1 with <opened> so long ago)."""
    fields["opened"] = rfc(utcnow() - days * D - minutes * M)
    if coll == "incidents":
        fields.setdefault("description", "imported from the old tool")
        fields.setdefault("impact", "medium")
        fields.setdefault("urgency", "medium")
    else:
        fields.setdefault("description", "imported from the old tool")
    fields.setdefault("title", "Imported %s" % tag())
    return create(client, coll, user, expect, **fields)


def finish_incident(client, number):
    """Stop the clocks of an incident whatever its open state (cleanup)."""
    r = get(client, "incidents", number)
    if r.findtext("i:state") in ("new", "assigned", "in-progress", "awaiting-info"):
        act(client, "incidents", number, "cancel", user="admin1")


# --------------------------------------------------------------------------- feed

def feed(httpd_or_client, user):
    """GET /itsm/feeds/me with plain requests: the Atom feed is not an itsm.xsd document (the
    harness client insists on application/xml and itsm.xsd). Checks the Atom structure and
    returns (parsed root, [entry dicts])."""
    url = (httpd_or_client.httpd.url if isinstance(httpd_or_client, Client)
           else httpd_or_client.url) + "/itsm/feeds/me"
    r = requests.get(url, auth=(user, PASSWORD), timeout=30)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype == "application/atom+xml", ctype
    doc = etree.fromstring(r.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert doc.tag == "{%s}feed" % ATOM, doc.tag
    for child in ("id", "title", "updated"):
        assert (doc.findtext("a:" + child, namespaces=A) or "").strip(), child
    ts(doc.findtext("a:updated", namespaces=A))
    assert (doc.findtext("a:author/a:name", namespaces=A) or "").strip(), "author/name"
    selfs = [l for l in doc.findall("a:link", namespaces=A) if l.get("rel") == "self"]
    assert len(selfs) == 1 and selfs[0].get("href", "").endswith("/itsm/feeds/me"), selfs
    entries = []
    for e in doc.findall("a:entry", namespaces=A):
        d = {}
        for child in ("id", "title", "updated", "summary"):
            d[child] = e.findtext("a:" + child, namespaces=A)
            assert (d[child] or "").strip(), "entry without %s" % child
        links = e.findall("a:link", namespaces=A)
        assert links and links[0].get("href"), "entry without link href"
        d["href"] = links[0].get("href")
        d["at"] = ts(d["updated"])
        m = TITLE_RE.match(d["title"])
        assert m, d["title"]
        d.update(m.groupdict())
        assert d["href"].endswith("/" + d["number"]), d
        entries.append(d)
    assert len(entries) <= 50
    assert len({e["id"] for e in entries}) == len(entries), "entry ids repeat"
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True), \
        "feed not newest first"
    if entries:
        assert ts(doc.findtext("a:updated", namespaces=A)) == entries[0]["at"]
    return doc, entries


def feed_for(client, user, number):
    return [e for e in feed(client, user)[1] if e["number"] == number]


def test_feed_is_atom_and_case_triage_reaches_the_party_only(client):
    cs = new_case(client, "alice", title="Feed case %s" % tag()).ticket()["number"]
    act(client, "cases", cs, "triage", user="agent1", impact="low", urgency="low",
        note="checked for completeness")
    # the raiser and the other person of her party (ALPE) hear of the triage
    for user in ("alice", "carol"):
        hits = [e for e in feed_for(client, user, cs) if e["action"] == "triage"]
        assert len(hits) == 1, (user, feed_for(client, user, cs))
        e = hits[0]
        assert e["actor"] == "agent1"
        assert e["href"].endswith("/itsm/cases/" + cs), e
        assert "state: new -> in-triage" in e["summary"], e
        assert e["summary"].endswith("checked for completeness"), e
    # carol also heard of alice raising it; alice did not (her own change)
    assert [e["action"] for e in feed_for(client, "carol", cs)] == ["triage", "create"]
    assert [e["action"] for e in feed_for(client, "alice", cs)] == ["triage"]
    # another party (bob, BRMP) and a provider acting for ALPE (prov1, ESGS: not a person
    # of ALPE, not the raiser) never; nor agent1, who made the change
    for user in ("bob", "prov1", "agent1"):
        assert feed_for(client, user, cs) == [], user


@pytest.mark.parametrize("user", ["alice", "carol", "bob", "prov1", "agent1", "im1", "admin1",
                                  "res1"])
def test_feed_never_shows_own_changes(client, user):
    for e in feed(client, user)[1]:
        assert e["actor"] != user, e


def test_feed_of_bob_only_tickets_he_may_see(client):
    """Party isolation of the whole feed: every entry of bob's feed is a ticket of his party."""
    cs = new_case(client, "bob", title="Bob feed case %s" % tag()).ticket()["number"]
    act(client, "cases", cs, "request-info", user="agent1", note="which MPAN?")
    _, entries = feed(client, "bob")
    assert cs in {e["number"] for e in entries}
    coll = {"CS": "cases", "INC": "incidents", "PIA": "review-actions", "TST": "tests"}
    for number in {e["number"] for e in entries}:
        c = coll[re.match(r"[A-Z]+", number).group(0)]
        r = client.get("/%s/%s" % (c, number), user="bob")
        assert r.status == 200 and r.findtext("i:party") == "BRMP", (number, r)


def test_incident_feed_goes_to_the_raiser_not_the_party(client):
    """Incidents are not party-wide: alice raised nothing, so she hears nothing of an incident
    of her party; the desk person who raised it hears of others' changes."""
    n = new_incident(client, user="agent1", party="ALPE", title="Inc feed %s" % tag(),
                     impact="low", urgency="low").ticket()["number"]
    act(client, "incidents", n, "start", user="res1")
    assert [e["action"] for e in feed_for(client, "agent1", n)] == ["start"]
    for user in ("alice", "carol", "bob", "res1"):
        assert feed_for(client, user, n) == [], user
    act(client, "incidents", n, "cancel", user="agent1")


def test_feed_needs_authentication(client):
    r = requests.get(client.httpd.url + "/itsm/feeds/me", timeout=30)
    assert r.status_code == 401
    r = client.post("/feeds/me", b"<x/>", user="alice")
    assert_error(r, 405, "method-not-allowed")


# --------------------------------------------------------------------------- banner

BANNER_FIELDS = {"number", "title", "priority", "service", "impactStatement", "nextSteps",
                 "majorDeclared", "lastNotice", "nextNoticeDue"}
EVERYONE = ["alice", "carol", "bob", "prov1", "km1", "agent1", "res1", "im1"]


def banner(client, user):
    r = client.get("/major-incidents/active", user=user)
    assert r.status == 200 and r.root == "view", r
    assert r.doc.get("name") == "major-incidents/active"
    out = {}
    for b in r.findall("i:banner"):
        fields = {etree.QName(c).localname: c.text for c in b if isinstance(c.tag, str)}
        assert set(fields) <= BANNER_FIELDS, fields
        out[fields["number"]] = fields
    return out


@pytest.fixture
def major(client):
    """An open P2 major incident of party ALPE with everything the banner must not show."""
    secret = "secret description %s" % tag()
    n = new_incident(client, party="ALPE", title="DIP down %s" % tag(), description=secret,
                     impact="high", urgency="medium", service="DIP", contact="ops@alpe",
                     impactStatement="Messages are not delivered",
                     nextSteps="Failover at 11:00").ticket()["number"]
    act(client, "incidents", n, "start")
    act(client, "incidents", n, "declare-major", user="im1")
    act(client, "incidents", n, "notice", user="im1", note="first notice")
    yield n, secret
    finish_incident(client, n)


def test_banner_shows_major_incident_to_everyone_without_private_fields(client, major):
    n, secret = major
    t = get(client, "incidents", n).ticket()
    for user in EVERYONE:
        b = banner(client, user)
        assert n in b, user
        assert b[n] == {"number": n, "title": t["title"], "priority": "P2", "service": "DIP",
                        "impactStatement": "Messages are not delivered",
                        "nextSteps": "Failover at 11:00", "majorDeclared": t["majorDeclared"],
                        "lastNotice": t["lastNotice"], "nextNoticeDue": t["nextNoticeDue"]}
    r = client.get("/major-incidents/active", user="bob")
    for hidden in (secret, "ALPE", "ops@alpe"):
        assert hidden not in r.text
    # bob still cannot read the incident itself
    assert_error(client.get("/incidents/" + n, user="bob"), 404, "not-found")


@pytest.mark.parametrize("how", ["stand-down", "resolve", "cancel"])
def test_banner_drops_incident(client, major, how):
    n, _ = major
    fields = {"resolution": "Failed over"} if how == "resolve" else {}
    act(client, "incidents", n, how, user="im1", **fields)
    for user in ("alice", "bob", "agent1"):
        assert n not in banner(client, user), (how, user)
    if how == "stand-down":
        act(client, "incidents", n, "declare-major", user="im1")
        assert n in banner(client, "bob")


def test_banner_refusals(client, database):
    with nothing_changed(database):
        r = requests.get(client.httpd.url + "/itsm/major-incidents/active", timeout=30)
        assert r.status_code == 401
        assert_error(client.post("/major-incidents/active", b"<x/>", user="im1"), 405,
                     "method-not-allowed")


# --------------------------------------------------------------------------- sweep

def sla_entries(client, number):
    return [(a, actor, ch) for a, _, actor, ch in journal_entries(client, "incidents", number)
            if a.startswith("sla-")]


@pytest.mark.restart
def test_sla_sweep_announces_breach_once(env, client, make_httpd):
    conf = itsm_directives(env)
    conf["ITSMSLASweepInterval"] = "1"
    h = make_httpd("sweep", itsm=conf)
    h.start()
    c = Client(h)
    title = "Sweep %s" % tag()
    breach = imp(c, "incidents", minutes=120, impact="high", urgency="high", title=title,
                 state="assigned", assignee="res1").ticket()
    quiet = {
        "P5": imp(c, "incidents", minutes=120, impact="high", urgency="high", priority="P5",
                  assignee="res1").ticket()["number"],
        "resolved": imp(c, "incidents", minutes=120, impact="high", urgency="high",
                        state="resolved", resolution="Fixed in the old tool",
                        assignee="res1").ticket()["number"],
    }
    n = breach["number"]
    try:
        assert breach["priority"] == "P1"
        assert targets(get(c, "incidents", n))["response"]["status"] == "breached"
        assert poll(lambda: sla_entries(c, n), timeout=20, interval=0.25), \
            "no sla-breach within 20 s"
        (action, actor, changes), = sla_entries(c, n)
        assert (action, actor) == ("sla-breach", "itsm-sla")
        assert changes == {"sla.response": (None, "breached")}, changes
        # the assignee and the holder of the escalation role (incident-manager) hear of it
        for user in ("res1", "im1"):
            hits = [e for e in feed_for(c, user, n) if e["action"] == "sla-breach"]
            assert len(hits) == 1, (user, feed_for(c, user, n))
            assert hits[0]["actor"] == "itsm-sla" and title in hits[0]["title"]
            assert "response breached" in hits[0]["summary"], hits[0]
        # nobody else: not the raiser (there is an assignee), not another desk person
        for user in ("admin1", "agent1", "alice"):
            assert [e for e in feed_for(c, user, n) if e["action"] == "sla-breach"] == [], user
        # announced once: a few more sweeps later there is still one entry
        time.sleep(4)
        assert len(sla_entries(c, n)) == 1
        for what, q in quiet.items():
            assert sla_entries(c, q) == [], what
        assert get(c, "incidents", quiet["resolved"]).findtext("i:state") == "resolved"
    finally:
        act(c, "incidents", n, "resolve", user="admin1", resolution="cleanup")
        finish_incident(c, quiet["P5"])


@pytest.mark.restart
def test_sla_sweep_reads_every_page(env, database, make_httpd):
    """The sweep reads tickets with running clocks page by page (500 a query): a breach
    behind more than a page of other running clocks is announced too."""
    from concurrent.futures import ThreadPoolExecutor
    conf = itsm_directives(env)
    conf["ITSMSLASweepInterval"] = "1"
    conf["DBDParams"] = '"%s"' % database.fresh("sweeppages%d" % len(env.stoppers))
    h = make_httpd("sweep-pages", itsm=conf)
    h.start()
    c = Client(h)

    def one(i):
        return new_incident(c, title="Running clock %d" % i).ticket()["number"]

    with ThreadPoolExecutor(8) as pool:
        running = list(pool.map(one, range(510)))
    assert len(set(running)) == 510
    n = imp(c, "incidents", minutes=120, impact="high", urgency="high", state="assigned",
            assignee="res1", title="Behind a page %s" % tag()).ticket()["number"]
    assert poll(lambda: sla_entries(c, n), timeout=30, interval=0.5), \
        "no sla-breach for the ticket after the first page within 30 s"
    assert [a for a, _, _ in sla_entries(c, n)] == ["sla-breach"]
    assert sla_entries(c, running[0]) == []


# --------------------------------------------------------------------------- aged view

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


# --------------------------------------------------------------------------- list filters

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
                            state="closed").ticket()["number"],
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
    ("agent1", {"category": "Registration"}, ["alice-10"]),
    ("bob", {"category": "Registration"}, []),
])
def test_case_filters(client, filtered_cases, user, params, expect):
    svc, cases = filtered_cases
    got = numbers(client, "cases", user, service=svc, **params)
    assert got == {cases[k] for k in expect}, (params, {k for k, v in cases.items() if v in got})
    # service matches the whole value, not a prefix or a part of it
    assert cases["other"] not in got


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
    ("agent1", None, ["fresh", "started", "breached", "warning", "missed", "p5"]),
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



@pytest.fixture(autouse=True, scope="module")
def schema_ready(client):
    """The first request sets the schema up: do it before any 'nothing changed' check."""
    client.get("/cases", user="agent1")

@pytest.mark.parametrize("coll,params", [
    ("cases", {"open": "false"}), ("cases", {"open": "1"}), ("cases", {"open": "TRUE"}),
    ("cases", {"open": ""}), ("incidents", {"open": "yes"}),
    ("cases", {"min_age_days": "-1"}), ("cases", {"min_age_days": "abc"}),
    ("cases", {"min_age_days": "1.5"}), ("cases", {"min_age_days": ""}),
    ("incidents", {"min_age_days": "100001"}), ("incidents", {"min_age_days": "3d"}),
    ("incidents", {"sla": "late"}), ("incidents", {"sla": "BREACHED"}),
    ("incidents", {"sla": ""}), ("cases", {"sla": "in sla"}),
    ("review-actions", {"sla": "in-sla"}),      # a kind without clocks
    ("incidents", {"service": "DIP", "category": "Choreography", "contact": "x"}),  # at most 2
])
def test_bad_filter_values_400(client, database, coll, params):
    with nothing_changed(database):
        r = client.get("/" + coll, user="agent1", params=params)
        assert_error(r, 400, "bad-query")


# --------------------------------------------------------------------------- desks

@pytest.fixture(scope="module")
def desks_httpd(env, slapd, database):
    """A second server with ITSMDesksFile conf/itsm-desks.xml (no sweep of its own)."""
    conf = itsm_directives(env)
    conf["ITSMDesksFile"] = DESKS_FILE
    conf["ITSMSLASweepInterval"] = "0"
    Httpd.serial += 1
    h = Httpd(env, "desks-%d" % Httpd.serial, itsm=conf)
    h.start()
    yield h
    h.stop()


def shipped_desks():
    doc = etree.parse(DESKS_FILE)
    return [(d.get("name"), d.get("kind"), d.get("owner"), d.get("provider"))
            for d in doc.getroot().findall("{%s}desk" % NS)]


def test_desks_listed(desks_httpd):
    c = Client(desks_httpd)
    r = c.get("/desks", user="alice")
    assert r.status == 200 and r.root == "desks", r
    got = [(d.get("name"), d.get("kind"), d.get("owner"), d.get("provider"))
           for d in r.findall("i:desk")]
    assert got == shipped_desks()
    assert len(got) == 11 and ("Electralink Service Desk", "service-desk", "Electralink",
                               "Electralink") in got
    assert all((d.text or "").strip() for d in r.findall("i:desk"))


def test_desks_empty_without_directive(client):
    r = client.get("/desks", user="alice")
    assert r.status == 200 and r.root == "desks" and r.findall("i:desk") == [], r


UNKNOWN_DESK = "Acme Widgets Desk"


@pytest.mark.parametrize("what", ["case-create", "incident-create", "incident-patch",
                                  "case-route", "case-patch"])
def test_unknown_desk_422_with_desks_file(desks_httpd, database, what):
    c = Client(desks_httpd)
    if what == "case-create":
        with nothing_changed(database):
            new_case(c, "alice", expect=422, externalDesk=UNKNOWN_DESK)
        return
    if what == "incident-create":
        with nothing_changed(database):
            r = new_incident(c, expect=422, externalDesk=UNKNOWN_DESK, priority="P5")
            assert_error(r, 422, "invalid-field")
            assert UNKNOWN_DESK in r.findtext("i:message")
        return
    if what.startswith("incident"):
        n = new_incident(c, impact="low", urgency="low").ticket()["number"]
        with unchanged(database, c, "incidents", n):
            patch(c, "incidents", n, expect=422, code="invalid-field", externalDesk=UNKNOWN_DESK)
        act(c, "incidents", n, "cancel")
        return
    n = new_case(c, "alice").ticket()["number"]
    if what == "case-route":
        act(c, "cases", n, "triage", impact="low", urgency="low")
        with unchanged(database, c, "cases", n):
            act(c, "cases", n, "route", expect=422, code="invalid-field", route="external",
                externalDesk=UNKNOWN_DESK)
    else:
        with unchanged(database, c, "cases", n):
            patch(c, "cases", n, user="alice", expect=422, code="invalid-field",
                  externalDesk=UNKNOWN_DESK)


@pytest.mark.parametrize("desk", ["DCC Service Desk", "LDSO Help Desk", "EES Service Desk"])
def test_known_desk_accepted(desks_httpd, desk):
    c = Client(desks_httpd)
    n = new_case(c, "alice", externalDesk=desk, externalReference="EXT-1").ticket()
    assert (n["externalDesk"], n["externalState"]) == (desk, "open")
    cs = new_case(c, "bob").ticket()["number"]
    act(c, "cases", cs, "triage", impact="low", urgency="low")
    r = act(c, "cases", cs, "route", route="external", externalDesk=desk, priority="P5")
    assert r.findtext("i:state") == "routed" and r.findtext("i:externalDesk") == desk


def test_any_desk_without_directive(client):
    r = new_case(client, "alice", externalDesk=UNKNOWN_DESK)
    assert r.findtext("i:externalDesk") == UNKNOWN_DESK


BAD_DESKS = {
    "no-kind": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A Desk">x</desk></desks>',
    "bad-kind": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="call-centre">x</desk>'
                '</desks>',
    "duplicate": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="help-desk">x</desk>'
                 '<desk name="A" kind="service-desk">y</desk></desks>',
    "malformed": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="help-desk">',
    "wrong-root": '<authorization xmlns="urn:mod-itsm:xml:1"/>',
    "missing-file": None,
}


@pytest.mark.restart
@pytest.mark.parametrize("name", list(BAD_DESKS))
def test_bad_desks_file_refuses_to_start(env, make_httpd, name):
    path = os.path.join(env.base, "desks-%s-%s.xml" % (name, tag()))
    if BAD_DESKS[name] is not None:
        with open(path, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + BAD_DESKS[name])
    assert_refuses_to_start(env, make_httpd, "bad-desks-" + name, {"ITSMDesksFile": path},
                            r"ITSM00010.*ITSMDesksFile")


# --------------------------------------------------------------------------- import with state

@pytest.mark.parametrize("coll,state,clocks", [
    ("incidents", "new", "running"),
    ("incidents", "assigned", "running"),
    ("incidents", "in-progress", "running"),
    ("incidents", "awaiting-info", "waiting"),
    ("incidents", "resolved", "stopped"),
    ("incidents", "closed", "stopped"),
    ("incidents", "cancelled", "stopped"),
    ("cases", "in-triage", "running"),
    ("cases", "awaiting-info", "waiting"),
    ("cases", "routed", "running"),
    ("cases", "closed", "stopped"),
])
def test_import_with_state(client, coll, state, clocks):
    opened = utcnow() - 5 * M
    fields = dict(opened=rfc(opened), state=state, impact="high", urgency="high",
                  title="Imported %s" % state, description="from the old tool")
    if coll == "incidents" and state in ("resolved", "closed"):
        fields["resolution"] = "fixed in the old tool"
    r = create(client, coll, "admin1", **fields)
    t = r.ticket()
    n = t["number"]
    try:
        assert (t["state"], t["opened"], t["priority"], t["createdBy"]) == \
            (state, rfc(opened), "P1", "admin1")
        (action, at, actor, changes), = journal_entries(client, coll, n)
        assert (action, actor) == ("import", "admin1")
        assert changes["state"] == (None, state)
        sla = targets(r)
        assert set(sla) == {"response", "resolution"}
        assert ts(sla["response"]["due"]) == opened + 15 * M     # from the original opened
        assert ts(sla["resolution"]["due"]) == opened + 6 * H
        for clock, v in sla.items():
            if clocks == "stopped":
                assert v["stopped"] == rfc(at) and "paused" not in v, (clock, v)
                assert t["resolved"] == rfc(at)
                assert v["status"] == "met"
            elif clocks == "waiting" and clock == "response":
                # waiting for the raiser means someone asked: the response clock stops at
                # the import, as await-info and request-info stop it
                assert v["stopped"] == rfc(at) and "paused" not in v, (clock, v)
                assert v["status"] == "met"
            elif clocks == "waiting":
                assert v.get("paused") == "true" and "stopped" not in v, (clock, v)
            else:
                assert "paused" not in v and "stopped" not in v, (clock, v)
                assert v["status"] == "in-sla"
    finally:
        if coll == "incidents":
            finish_incident(client, n)
        elif t["state"] != "closed":
            act(client, "cases", n, "close")


@pytest.mark.parametrize("coll,user,fields,status,code", [
    ("incidents", "admin1", {"state": "bogus", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "routed", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "in-triage", "opened": True}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "in-progress", "opened": True}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "resolved", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "in-progress"}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "closed"}, 422, "invalid-field"),
    ("incidents", "agent1", {"state": "in-progress"}, 422, "invalid-field"),
    ("incidents", "agent1", {"state": "in-progress", "opened": True}, 403, "forbidden"),
    ("incidents", "im1", {"state": "resolved", "opened": True}, 403, "forbidden"),
    ("cases", "alice", {"state": "closed", "opened": True}, 403, "forbidden"),
    ("incidents", "admin1", {"state": "In Progress", "opened": True}, 400, "schema-invalid"),
])
def test_import_state_refused(client, database, coll, user, fields, status, code):
    fields = dict(fields, title="bad import", description="x", impact="low", urgency="low")
    if fields.get("opened"):
        fields["opened"] = rfc(utcnow() - 2 * H)
    if coll == "cases":
        fields.pop("impact"), fields.pop("urgency")
    with nothing_changed(database):
        r = client.post("/" + coll, body(coll, **fields), user=user)
        assert_error(r, status, code)


def test_state_is_read_only_after_create(client, database):
    n = new_incident(client).ticket()["number"]
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, user="admin1", expect=422, code="invalid-field",
              state="closed")
    act(client, "incidents", n, "cancel")


# --------------------------------------------------------------------------- directory checks

@pytest.mark.parametrize("fields", [
    {"group": "No Such Team"},
    {"group": "incident-manager"},          # a role, not a resolver group
    {"group": "ELEX"},                      # a party
    {"group": "*"},                         # no wildcard search
    {"group": "SDS Team (Callisto)*"},
    {"assignee": "nobody"},
    {"assignee": "SDS Team (Callisto)"},    # a group, not a person
    {"assignee": "itsm-reader"},            # the directory reader, not a person
    {"assignee": "*"},
    {"assignee": "res1", "group": "No Such Team"},
    {"assignee": "ghost", "group": GROUP},
])
def test_directory_checks_422(client, database, fields):
    with nothing_changed(database):
        r = new_incident(client, expect=422, **fields)
        assert_error(r, 422, "invalid-field")
        assert "in the directory" in r.findtext("i:message")
    n = new_incident(client, impact="low", urgency="low").ticket()["number"]
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "assign", expect=422, code="invalid-field", **fields)
        patch(client, "incidents", n, expect=422, code="invalid-field", **fields)
    act(client, "incidents", n, "cancel")


@pytest.mark.parametrize("fields", [
    {"group": GROUP}, {"group": "DIP Monitoring Team"}, {"group": "Electralink Team"},
    {"assignee": "res1"}, {"assignee": "res2"}, {"assignee": "alice"},
    {"assignee": "res2", "group": "DIP Monitoring Team"},
])
def test_directory_checks_accept(client, fields):
    t = new_incident(client, impact="low", urgency="low", **fields).ticket()
    for k, v in fields.items():
        assert t[k] == v
    n = new_incident(client, impact="low", urgency="low").ticket()["number"]
    a = act(client, "incidents", n, "assign", **fields).ticket()
    assert a["state"] == "assigned" and all(a[k] == v for k, v in fields.items())
    for x in (t["number"], n):
        act(client, "incidents", x, "cancel")


def test_case_route_group_checked(client, database):
    n = new_case(client, "alice").ticket()["number"]
    act(client, "cases", n, "triage", impact="low", urgency="low")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "route", expect=422, code="invalid-field", route="group",
            group="No Such Team")
    r = act(client, "cases", n, "route", route="group", group="DIP Monitoring Team")
    assert r.findtext("i:group") == "DIP Monitoring Team"


# --------------------------------------------------------------------------- post-incident review

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
    (lambda c: major_in(c, "resolved"), "agent1", {"review": "desk"}, 403, "forbidden"),
    (lambda c: major_in(c, "resolved"), "res1", {"review": "resolver"}, 403, "forbidden"),
    (lambda c: major_in(c, "resolved"), "alice", {"review": "participant"}, 403, "forbidden"),
], ids=["open-major", "not-major", "twice", "no-review", "note-only", "agent1", "res1",
        "alice"])
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
    links = client.get("/incidents/%s/links" % inc, user="im1")
    assert {(l.get("number"), l.get("kind"), l.get("direction"))
            for l in links.findall("i:link")} == {(a1, "review-action", "out"),
                                                  (a2, "review-action", "out")}
    back = client.get("/review-actions/%s/links" % a1, user="im1")
    assert [(l.get("number"), l.get("direction")) for l in back.findall("i:link")] == \
        [(inc, "in")]
    # complete needs an outcome (and changes nothing without it)
    with ra_snapshot(database, client, a1):
        ra_act(client, a1, "complete", expect=422, code="invalid-field")
        ra_act(client, a1, "complete", expect=422, code="invalid-field", note="no outcome")
        ra_act(client, a1, "reopen", expect=409, code="invalid-transition")
    r = ra_act(client, a1, "complete", user="agent1", outcome="Renewal automated")
    t = r.ticket()
    assert t["state"] == "done" and t["outcome"] == "Renewal automated" and t["completed"]
    with ra_snapshot(database, client, a1):
        ra_act(client, a1, "complete", expect=409, code="invalid-transition",
               outcome="again")
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
    ("alice", "complete", {"outcome": "x"}, 403, "forbidden"),   # no grant on the kind
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
