# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Bad input gets its status and XML error and changes nothing (no ticket, no journal entry,
no number used); text with SQL and XML metacharacters is stored and returned verbatim."""
import pytest
import requests

from conftest import NS, assert_error, create_ticket, journal, list_numbers, ticket_xml
from incident_util import new_incident

T = '<ticket xmlns="%s">' % NS

XXE = ('<?xml version="1.0"?>\n<!DOCTYPE ticket [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       + T + '<title>&xxe;</title></ticket>')
XXE_PARAM = ('<?xml version="1.0"?>\n<!DOCTYPE ticket [<!ENTITY % p SYSTEM '
             '"file:///etc/passwd"> %p;]>\n' + T + '<title>x</title></ticket>')
XXE_NET = ('<?xml version="1.0"?>\n<!DOCTYPE ticket SYSTEM "http://127.0.0.1:1/x.dtd">\n'
           + T + '<title>x</title></ticket>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE ticket [\n<!ENTITY l0 "lol">\n'
          + "".join('<!ENTITY l%d "%s">\n' % (i, ("&l%d;" % (i - 1)) * 10)
                    for i in range(1, 10))
          + ']>\n' + T + '<title>&l9;</title></ticket>')

# (id, body, content type, status, code)
CREATE_CASES = [
    ("malformed", T + "<title>x</title>", "application/xml", 400, "malformed-xml"),
    ("malformed-garbage", "this is not xml", "application/xml", 400, "malformed-xml"),
    ("malformed-tag", T + "<title>x</titel></ticket>", "application/xml", 400, "malformed-xml"),
    ("empty-body", "", "application/xml", 400, "malformed-xml"),
    ("unknown-element", T + "<title>x</title><colour>red</colour></ticket>",
     "application/xml", 400, "schema-invalid"),
    ("bad-priority", T + "<title>x</title><priority>P9</priority></ticket>",
     "application/xml", 400, "schema-invalid"),
    ("empty-title", T + "<title></title></ticket>", "application/xml", 400, "schema-invalid"),
    ("title-too-long", T + "<title>%s</title></ticket>" % ("x" * 201), "application/xml",
     400, "schema-invalid"),
    ("wrong-namespace", '<ticket xmlns="urn:other"><title>x</title></ticket>',
     "application/xml", 400, "schema-invalid"),
    ("no-namespace", "<ticket><title>x</title></ticket>", "application/xml", 400,
     "schema-invalid"),
    ("repeated-field", T + "<title>x</title><title>y</title></ticket>", "application/xml",
     422, "invalid-field"),       # the XSD's choice allows repeats; the core refuses them
    ("wrong-root", '<link xmlns="%s"><type>relates-to</type><target>TST0000001</target>'
     '</link>' % NS, "application/xml", 400, "wrong-root"),
    ("doctype", '<?xml version="1.0"?>\n<!DOCTYPE ticket>\n' + T + "<title>x</title></ticket>",
     "application/xml", 400, "doctype-forbidden"),
    ("xxe-file", XXE, "application/xml", 400, "doctype-forbidden"),
    ("xxe-parameter-entity", XXE_PARAM, "application/xml", 400, "doctype-forbidden"),
    ("xxe-network-dtd", XXE_NET, "application/xml", 400, "doctype-forbidden"),
    ("billion-laughs", LAUGHS, "application/xml", 400, "doctype-forbidden"),
    ("text-plain", T + "<title>x</title></ticket>", "text/plain", 415,
     "unsupported-media-type"),
    ("json", '{"title": "x"}', "application/json", 415, "unsupported-media-type"),
    ("form", "title=x", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
    ("no-content-type", T + "<title>x</title></ticket>", None, 415, "unsupported-media-type"),
    ("read-only-number", T + "<title>x</title><number>TST0000001</number></ticket>",
     "application/xml", 422, "invalid-field"),
    ("read-only-state", T + "<title>x</title><state>closed</state></ticket>",
     "application/xml", 422, "invalid-field"),
    ("read-only-version", T + "<title>x</title><version>5</version></ticket>",
     "application/xml", 422, "invalid-field"),
    ("read-only-createdBy", T + "<title>x</title><createdBy>admin1</createdBy></ticket>",
     "application/xml", 422, "invalid-field"),
    ("read-only-updated", T + "<title>x</title><updated>2026-01-01T00:00:00Z</updated>"
     "</ticket>", "application/xml", 422, "invalid-field"),
    ("read-only-kind", T + "<title>x</title><kind>test</kind></ticket>", "application/xml",
     422, "invalid-field"),
    ("missing-title", T + "<description>no title</description></ticket>", "application/xml",
     422, "invalid-field"),
    ("too-large", T + "<title>x</title><description>%s</description></ticket>"
     % ("x" * (1024 * 1024 + 10)), "application/xml", 413, "body-too-large"),
]


@pytest.mark.parametrize("body,ctype,status,code", [c[1:] for c in CREATE_CASES],
                         ids=[c[0] for c in CREATE_CASES])
def test_bad_create_changes_nothing(client, database, body, ctype, status, code):
    seen = list_numbers(client, "agent1")
    before = database.snapshot()
    r = client.post("/tests", body, user="agent1", content_type=ctype)
    assert_error(r, status, code)
    if code == "schema-invalid":
        assert (r.findtext("i:detail") or "").strip(), "schema-invalid without detail"
    assert "root:x:0:0" not in r.text and "/bin/bash" not in r.text
    assert "lollollol" not in r.text
    assert database.snapshot() == before
    assert list_numbers(client, "agent1") == seen


def test_schema_detail_carries_line(client):
    body = T + "\n<title>x</title>\n<colour>red</colour>\n</ticket>"
    r = client.post("/tests", body)
    assert_error(r, 400, "schema-invalid")
    d = r.find("i:detail")
    assert "colour" in d.text
    assert d.get("line") == "3"


@pytest.mark.parametrize("body,message", [
    (T + "<title>%s</title></ticket>" % ("x" * 201), "<title> is longer than the 200 characters allowed."),
    (T + "<title></title></ticket>", "<title> is empty."),
    (T + "<title>x</title><priority>P9</priority></ticket>",
     "<priority> is not one of the values allowed: 'P1', 'P2', 'P3', 'P4', 'P5'."),
    (T + "<title>   </title></ticket>", "<title> is empty (white space alone)."),
    (T + "<title>x</title><opened>yesterday</opened></ticket>",
     "<opened> is not a date and time with its zone (such as 2026-12-07T14:30:00Z)."),
    (T + "<title>x</title><opened>2026-12-07T14:30:00</opened></ticket>",
     "<opened> is not a date and time with its zone (such as 2026-12-07T14:30:00Z)."),
    (T + "<title>x</title><colour>red</colour></ticket>", "The request body does not match the schema."),
    # an attribute's value: libxml2 reports it on its element, with other numbers; the
    # general message, not "<suggestion> is longer than the 201 characters allowed"
    (T + "<title>x</title><suggestions><suggestion number='TST0000001' kind='k' title='%s'/>"
     "</suggestions></ticket>" % ("y" * 201), "The request body does not match the schema."),
], ids=["too-long", "empty", "not-allowed", "blank", "not-a-date", "no-zone", "shape",
        "attribute"])
def test_schema_refusal_names_the_element_in_words(client, body, message):
    """A value the schema refuses is named in the message, in words and without the value
    (a participant reads it in the portal: libxml2's own text stays the detail); an error of
    the document's shape keeps the general message."""
    r = client.post("/tests", body)
    assert_error(r, 400, "schema-invalid")
    assert r.findtext("i:message") == message
    assert "Element '{" in r.findtext("i:detail")


def test_refused_create_uses_no_number(client):
    """Numbers run on after any number of refusals: nothing was consumed."""
    a = create_ticket(client).ticket()["number"]
    for body, ctype, _, _ in [c[1:] for c in CREATE_CASES if c[0] != "too-large"]:
        client.post("/tests", body, content_type=ctype)
    create_ticket(client, "km1", expect=403)
    b = create_ticket(client).ticket()["number"]
    assert int(b[3:]) == int(a[3:]) + 1


@pytest.mark.parametrize("body,ctype,status,code", [
    (T + "<title>x</title><colour>red</colour></ticket>", "application/xml", 400,
     "schema-invalid"),
    (T + "<title>x", "application/xml", 400, "malformed-xml"),
    (XXE, "application/xml", 400, "doctype-forbidden"),
    (LAUGHS, "application/xml", 400, "doctype-forbidden"),
    (T + "<title>x</title></ticket>", "text/plain", 415, "unsupported-media-type"),
    (T + "<number>TST0000001</number></ticket>", "application/xml", 422, "invalid-field"),
    (T + "<opened>2026-01-05T09:00:00Z</opened></ticket>", "application/xml", 422,
     "invalid-field"),
    ('<link xmlns="%s"><type>relates-to</type><target>TST0000001</target></link>' % NS,
     "application/xml", 400, "wrong-root"),
], ids=["schema", "malformed", "xxe", "laughs", "content-type", "number", "opened",
        "wrong-root"])
def test_bad_patch_changes_nothing(client, database, body, ctype, status, code):
    r = create_ticket(client, "agent1", title="Patch target")
    n, etag = r.ticket()["number"], r.etag
    before_journal = journal(client, n).text
    before = database.snapshot()
    r = client.patch("/tests/" + n, body, content_type=ctype, headers={"If-Match": etag})
    assert_error(r, status, code)
    assert "root:x:0:0" not in r.text
    assert database.snapshot() == before
    assert journal(client, n).text == before_journal
    assert client.get("/tests/" + n).etag == etag


@pytest.mark.parametrize("params", [
    {"limit": "abc"}, {"limit": "-1"}, {"limit": "0"}, {"limit": "10x"}, {"offset": "x"},
    {"offset": "-5"},
])
def test_bad_query_400(client, params):
    assert_error(client.get("/tests", params=params), 400, "bad-query")


@pytest.mark.parametrize("path", ["", "/me", "/desks", "/tests/{n}", "/tests/{n}/journal",
                                  "/tests/{n}/links", "/incidents/{i}/sla",
                                  "/incidents/{i}/sla/resolution", "/incidents/aged",
                                  "/feeds/me", "/major-incidents/active"])
def test_a_resource_without_parameters_refuses_one(client, path):
    """docs/api.md: an unknown query parameter is 400 bad-query, on the resources that take
    none as on the lists; the same request without it answers."""
    n = create_ticket(client, "agent1", title="Asked with a query").ticket()["number"]
    i = new_incident(client).ticket()["number"]
    url = path.format(n=n, i=i)
    if url == "/feeds/me":      # an Atom document, not the suite's XML
        assert requests.get(client.httpd.url + "/itsm" + url, auth=("agent1", "sample"),
                            timeout=30).status_code == 200
    else:
        assert client.get(url).status == 200
    for params in ({"x": "1"}, {"limit": "5"}, {"flag": ""}):
        r = client.get(url, params=params)
        assert_error(r, 400, "bad-query")
        assert r.findtext("i:message") == "/itsm%s takes no query parameters ('%s' given)." % (
            url, next(iter(params))), r.text


@pytest.mark.parametrize("params", [
    {"priority": "P1' OR '1'='1"}, {"state": "open' OR '1'='1"},
    {"state": "open'; DROP TABLE itsm_ticket; --"}, {"party": "ALPE' OR '1'='1"},
    {"assignee": "*"}, {"state": "%"},
])
def test_query_metacharacters_match_nothing(client, params):
    """A filter value is a value: either refused as bad-query or matching no ticket."""
    create_ticket(client, "agent1")
    r = client.get("/tests", params=params)
    if r.status == 400:
        assert_error(r, 400, "bad-query")
    else:
        assert r.status == 200 and r.root == "list", r
        assert r.numbers() == []
    assert list_numbers(client, "agent1")


NASTY = [
    "'; DROP TABLE itsm_ticket; --",
    "Robert'); DROP TABLE itsm_journal;--",
    '100% "quoted" _under_score_ \\back\\slash\\',
    "%s %d %n %x {0} $1 ${x} `id`",
    "<b>not markup</b> & &amp; ]]> <!-- -->",
    "Ünïcödé – 日本語 – emoji 🚀 – RTL שלום",
    "line one\nline two\ttabbed",
    "' OR '1'='1",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_metacharacters_stored_verbatim(client, text):
    r = create_ticket(client, "alice", title=text.replace("\n", " ").replace("\t", " "),
                      description=text, note=text)
    t = r.ticket()
    n = t["number"]
    title = text.replace("\n", " ").replace("\t", " ")
    assert t["title"] == title and t["description"] == text
    got = client.get("/tests/" + n, user="alice").ticket()
    assert got["title"] == title and got["description"] == text
    # changed again through PATCH, old -> new verbatim in the journal
    r = client.patch("/tests/" + n, ticket_xml(description=text + " (2)", note=text),
                     user="alice", headers={"If-Match": r.etag})
    assert r.status == 200, r
    assert r.ticket()["description"] == text + " (2)"
    j = journal(client, n, "alice")
    upd = j.findall("i:entry")[-1]
    ch = upd.find("i:change", {"i": NS})
    assert ch.get("field") == "description"
    assert ch.findtext("{%s}old" % NS) == text
    assert ch.findtext("{%s}new" % NS) == text + " (2)"
    assert upd.findtext("{%s}note" % NS) == text
    # the tables are still there and the ticket is listed
    assert n in list_numbers(client, "alice")
