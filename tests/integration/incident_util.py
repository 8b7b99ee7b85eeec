# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpers shared by the test_incident_*.py modules and by the test_core_*.py modules that
drive the core through them: cases (/itsm/cases, CS numbers) and incidents (/itsm/incidents,
INC numbers) of mod_itsm_incident, their actions, imports and SLA targets, the Atom feed,
the server with a directory of desks. Every response goes through conftest.Client, so every
body is checked against schemas/itsm.xsd.

Tickets whose SLA clocks run and that start old (imports with an <opened> in the past) are
finished (cancelled or resolved) at the end of the test that made them, so that a sweep (the
harness servers run none; test_core_sweep.py runs its own) never has anything to write into
a later test's before/after snapshot."""
import contextlib
import os
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from lxml import etree

from conftest import (NS, PASSWORD, REPO, Client, Httpd, assert_error, itsm_directives, poll,
                      ticket_xml)

ELEMENT = {"incidents": "incident", "cases": "case"}
GROUP = "SDS Team (Callisto)"           # a resolver group of the sample directory

# LLSD 6.3: (impact, urgency) -> priority
MATRIX = {
    ("high", "high"): "P1", ("medium", "high"): "P2", ("low", "high"): "P3",
    ("high", "medium"): "P2", ("medium", "medium"): "P3", ("low", "medium"): "P4",
    ("high", "low"): "P3", ("medium", "low"): "P4", ("low", "low"): "P4",
}
# impact/urgency giving each priority (one cell of the matrix)
LEVELS = {"P1": ("high", "high"), "P2": ("high", "medium"), "P3": ("medium", "medium"),
          "P4": ("low", "medium")}

# The incident state machine (modules/incident/incident.c): action -> states it is allowed
# from, and the path of actions that brings a new incident into each state.
INCIDENT_STATES = ["new", "assigned", "in-progress", "awaiting-info", "resolved", "closed",
                   "cancelled"]
INCIDENT_ALLOWED = {
    "assign": {"new", "assigned", "in-progress"},
    "start": {"new", "assigned"},
    "await-info": {"assigned", "in-progress"},
    "resume": {"awaiting-info"},
    "resolve": {"new", "assigned", "in-progress", "awaiting-info"},
    "close": {"resolved"},
    "reopen": {"resolved", "closed"},
    "cancel": {"new", "assigned", "in-progress", "awaiting-info"},
}
# a body that satisfies the action's own field rules, so that a refusal is about the state
INCIDENT_BODY = {"assign": {"group": GROUP}, "resolve": {"resolution": "Fixed"}}
INCIDENT_PATH = {
    "new": [],
    "assigned": ["assign"],
    "in-progress": ["start"],
    "awaiting-info": ["start", "await-info"],
    "resolved": ["start", "resolve"],
    "closed": ["start", "resolve", "close"],
    "cancelled": ["cancel"],
}

CASE_STATES = ["new", "in-triage", "awaiting-info", "routed", "closed"]
CASE_ALLOWED = {
    "triage": {"new", "in-triage"},
    "request-info": {"new", "in-triage"},
    "provide-info": {"awaiting-info"},
    "route": {"in-triage"},
    "close": {"new", "in-triage", "awaiting-info", "routed"},
    "reopen": {"closed"},
}
CASE_BODY = {"triage": {"impact": "medium", "urgency": "medium"},
             "route": {"route": "group", "group": GROUP}}
CASE_PATH = {
    "new": [],
    "in-triage": ["triage"],
    "awaiting-info": ["request-info"],
    "routed": ["triage", "route"],
    "closed": ["close"],
}
CASE_ACTOR = {"provide-info": "alice"}      # the raiser answers; everything else the desk


# --------------------------------------------------------------------------- time

def ts(text):
    """RFC 3339 UTC as rendered by the core (whole seconds, Z) -> aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def rfc(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow():
    return datetime.now(timezone.utc).replace(microsecond=0)


H = timedelta(hours=1)
M = timedelta(minutes=1)


# --------------------------------------------------------------------------- requests

def body(coll, **fields):
    return ticket_xml(ELEMENT[coll], **fields)


def create(client, coll, user, expect=201, **fields):
    r = client.post("/" + coll, body(coll, **fields), user=user)
    assert r.status == expect, r
    if expect == 201:
        assert r.root == ELEMENT[coll], r
    return r


def new_incident(client, user="agent1", expect=201, **fields):
    """POST /incidents; title, description, impact and urgency default (medium/medium)."""
    fields.setdefault("title", "Settlement run late")
    fields.setdefault("description", "The overnight settlement run did not finish")
    fields.setdefault("impact", "medium")
    fields.setdefault("urgency", "medium")
    return create(client, "incidents", user, expect, **fields)


def new_case(client, user="alice", expect=201, **fields):
    fields.setdefault("title", "Cannot submit MPAN registration")
    fields.setdefault("description", "The portal rejects the file with no message")
    return create(client, "cases", user, expect, **fields)


def get(client, coll, number, user="admin1", expect=200):
    r = client.get("/%s/%s" % (coll, number), user=user)
    assert r.status == expect, r
    return r


def etag(client, coll, number):
    return get(client, coll, number).etag


def act(client, coll, number, action, user="agent1", expect=200, code=None, **fields):
    """POST .../actions/{action} with the current ETag and the fields as body (if any)."""
    data = body(coll, **fields) if fields else None
    r = client.post("/%s/%s/actions/%s" % (coll, number, action), data, user=user,
                    headers={"If-Match": etag(client, coll, number)})
    if expect == 200:
        assert r.status == 200, (action, r)
        assert r.root == ELEMENT[coll], r
    else:
        assert_error(r, expect, code)
    return r


def patch(client, coll, number, user="agent1", expect=200, code=None, **fields):
    r = client.patch("/%s/%s" % (coll, number), body(coll, **fields), user=user,
                     headers={"If-Match": etag(client, coll, number)})
    if expect == 200:
        assert r.status == 200, r
    else:
        assert_error(r, expect, code)
    return r


def journal(client, coll, number, user="admin1"):
    r = client.get("/%s/%s/journal" % (coll, number), user=user)
    assert r.status == 200 and r.root == "journal", r
    return r


def journal_entries(client, coll, number):
    """[(action, at datetime, actor, {field: (old, new)})] oldest first."""
    out = []
    for e in journal(client, coll, number).findall("i:entry"):
        changes = {c.get("field"): (c.findtext("{%s}old" % NS), c.findtext("{%s}new" % NS))
                   for c in e.findall("{%s}change" % NS)}
        out.append((e.get("action"), ts(e.get("at")), e.get("actor"), changes))
    return out


def action_time(client, coll, number, action, nth=-1):
    """When the nth journal entry of that action happened (the server's clock)."""
    times = [at for a, at, _, _ in journal_entries(client, coll, number) if a == action]
    assert times, "no %s in the journal of %s" % (action, number)
    return times[nth]


def targets(resp):
    """{clock: attributes} of the <sla> of a case/incident representation."""
    sla = resp.find("i:sla")
    assert sla is not None, "no <sla> in %r" % resp
    out = {}
    for t in sla.findall("{%s}target" % NS):
        assert t.get("kind") not in out, resp
        out[t.get("kind")] = dict(t.attrib)
    return out


def dues(resp):
    return {k: ts(v["due"]) for k, v in targets(resp).items()}


def list_numbers(client, coll, user, **params):
    """Every number the user sees in /{coll} (all pages)."""
    out, offset = [], 0
    while True:
        r = client.get("/" + coll, user=user, params=dict(params, limit=500, offset=offset))
        assert r.status == 200 and r.root == "list", r
        nums = [e.findtext("{%s}number" % NS) for e in r.doc]
        out += nums
        if r.doc.get("more") != "true" or not nums:
            return out
        offset += len(nums)


def bring_to(client, coll, number, state):
    """Run the actions that take a new ticket to state; returns the last response."""
    path = (INCIDENT_PATH if coll == "incidents" else CASE_PATH)[state]
    bodies = INCIDENT_BODY if coll == "incidents" else CASE_BODY
    actors = {} if coll == "incidents" else CASE_ACTOR
    r = get(client, coll, number)
    for a in path:
        r = act(client, coll, number, a, user=actors.get(a, "agent1"), **bodies.get(a, {}))
    assert r.findtext("i:state") == state, r
    return r


def incident_in(client, state, **fields):
    n = new_incident(client, **fields).ticket()["number"]
    bring_to(client, "incidents", n, state)
    return n


def case_in(client, state, **fields):
    n = new_case(client, **fields).ticket()["number"]
    bring_to(client, "cases", n, state)
    return n


def wait_for_next_second(since):
    """Poll (bounded) until the wall clock is at least one whole second after since."""
    assert poll(lambda: utcnow() > since, timeout=5, interval=0.05), "clock does not move"


def unchanged(database, client, coll, number):
    """Context: the database (every table) and the ticket's journal are the same after."""
    class Ctx:
        def __enter__(self):
            self.db = database.snapshot()
            self.journal = journal(client, coll, number).text
            self.ticket = get(client, coll, number).text
            return self

        def __exit__(self, et, ev, tb):
            if et is None:
                assert journal(client, coll, number).text == self.journal, "journal changed"
                assert database.snapshot() == self.db, "database changed"
                now = get(client, coll, number)
                assert now.findtext("i:version") == _version(self.ticket)
            return False
    return Ctx()


def _version(text):
    from lxml import etree
    return etree.fromstring(text.encode()).findtext("{%s}version" % NS)


# --------------------------------------------------------------------------- imports, feed, desks

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


def assert_a_search_is_counted(client, database, coll, user="alice"):
    """On counting_client (ITSMSearchCountDelay 0) a search's count is written with it: a
    search of coll that finds nothing is a row of itsm_search_gap once answered, so that
    nothing_changed around a search would see it counted."""
    word = "counted" + tag()
    r = client.get("/" + coll, user=user, params={"q": word})
    assert r.status == 200 and r.root == "list" and r.numbers() == [], r
    assert any(word in row for row in database.snapshot().get("itsm_search_gap", [])), \
        "the search's count is not in the database"


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
        d["related"] = {l.get("title"): l.get("href") for l in links[1:] if l.get("rel") == "related"}
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


@pytest.fixture(autouse=True, scope="module")
def schema_ready(client):
    """The first request sets the schema up: do it before any 'nothing changed' check."""
    client.get("/cases", user="agent1")


@contextlib.contextmanager
def desks_server(env):
    """A second server with ITSMDesksFile conf/itsm-desks.xml (no sweep of its own)."""
    conf = itsm_directives(env)
    conf["ITSMDesksFile"] = DESKS_FILE
    conf["ITSMSLASweepInterval"] = "0"
    Httpd.serial += 1
    h = Httpd(env, "desks-%d" % Httpd.serial, itsm=conf)
    h.start()
    yield h
    h.stop()
