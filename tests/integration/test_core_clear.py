# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Clearing a field (docs/api.md, Tickets): in a PATCH, an empty element of an optional field
(<assignee/>, <assignee></assignee>, only white space) takes the field out of the ticket, with
what the core derives from it (the list filters, the search index, the journal's change to
nothing, the ETag); an empty required field is refused (422, nothing written); a clear of a
field the ticket lacks changes nothing (no entry, the same ETag); clearing needs the right
changing needs; a create still refuses an empty element."""
import uuid

import pytest

from conftest import NS, as_read, assert_error, create_ticket, journal, list_numbers
from incident_util import act, new_incident, unchanged
from incident_util import list_numbers as numbers_of

GROUP = "SDS Team (Callisto)"       # a resolver group of the sample directory


def doc(root="ticket", *children):
    """<root xmlns=NS>children</root>, each child written as given (an empty one as <x/>)."""
    return ('<%s xmlns="%s">%s</%s>' % (root, NS, "".join(children), root)).encode()


def patch(client, path, body, user="agent1", etag=None):
    if etag is None:
        etag = client.get(path, user=user).etag
    return client.patch(path, body, user=user, headers={"If-Match": etag})


def last_changes(client, path, user="agent1"):
    """(action, {field: (old, new)}) of the ticket's last journal entry."""
    r = client.get(path + "/journal", user=user)
    assert r.status == 200, r
    e = r.findall("i:entry")[-1]
    return e.get("action"), {c.get("field"): (c.findtext("{%s}old" % NS),
                                              c.findtext("{%s}new" % NS))
                             for c in e.findall("{%s}change" % NS)}


# --------------------------------------------------------------------------- the test kind

@pytest.mark.parametrize("empty", ["<assignee/>", "<assignee></assignee>",
                                   "<assignee>  </assignee>"])
def test_unassign(client, empty):
    n = create_ticket(client, assignee="res1", group=GROUP).ticket()["number"]
    path = "/tests/" + n
    assert n in list_numbers(client, "agent1", assignee="res1")
    before = client.get(path)
    r = patch(client, path, doc("ticket", empty), etag=before.etag)
    assert r.status == 200, r
    assert r.find("i:assignee") is None and r.findtext("i:group") == GROUP
    assert r.etag == '"%d"' % (int(before.findtext("i:version")) + 1)
    got = client.get(path)
    assert got.find("i:assignee") is None and got.etag == r.etag
    # the journal shows the clear: the old value, no new one
    assert last_changes(client, path) == ("update", {"assignee": ("res1", None)})
    # the list's assignee column is cleared with it; the group's is kept
    assert n not in list_numbers(client, "agent1", assignee="res1")
    assert n in list_numbers(client, "agent1", group=GROUP)


def test_clear_group_and_description_together(client):
    n = create_ticket(client, group=GROUP, description="Printer on fire",
                      assignee="res1").ticket()["number"]
    path = "/tests/" + n
    r = patch(client, path, doc("ticket", "<group></group>", "<description/>",
                                "<note>handed back to the desk</note>"))
    assert r.status == 200, r
    assert r.find("i:group") is None and r.find("i:description") is None
    assert r.findtext("i:assignee") == "res1"
    action, changes = last_changes(client, path)
    assert changes == {"group": (GROUP, None), "description": ("Printer on fire", None)}
    entry = client.get(path + "/journal").findall("i:entry")[-1]
    assert entry.findtext("{%s}note" % NS) == "handed back to the desk"
    assert n not in list_numbers(client, "agent1", group=GROUP)
    assert n in list_numbers(client, "agent1", assignee="res1")


def test_clear_of_an_absent_field_changes_nothing(client, database):
    n = create_ticket(client).ticket()["number"]
    path = "/tests/" + n
    before = client.get(path)
    entries = len(journal(client, n).findall("i:entry"))
    snap = database.snapshot()
    r = patch(client, path, doc("ticket", "<assignee/>", "<group/>", "<description/>",
                                "<note/>"), etag=before.etag)
    assert r.status == 200, r
    assert r.etag == before.etag and r.findtext("i:version") == before.findtext("i:version")
    assert len(journal(client, n).findall("i:entry")) == entries
    assert database.snapshot() == snap


@pytest.mark.parametrize("body,field", [
    (doc("ticket", "<title/>"), "title"),
    (doc("ticket", "<title>   </title>"), "title"),
    (doc("ticket", "<assignee/>", "<title></title>"), "title"),
])
def test_clearing_a_required_field_is_refused(client, database, body, field):
    n = create_ticket(client, title="Keeps its title", assignee="res1").ticket()["number"]
    path = "/tests/" + n
    before = client.get(path)
    snap = database.snapshot()
    r = patch(client, path, body, etag=before.etag)
    assert_error(r, 422, "invalid-field")
    assert "<%s>" % field in r.findtext("i:message")
    after = client.get(path)
    assert after.text == before.text and after.etag == before.etag
    assert database.snapshot() == snap          # no journal entry, no index row changed


@pytest.mark.parametrize("body,status,code", [
    # a create still refuses an empty element, as the schema always did
    (doc("ticket", "<title>New</title>", "<assignee/>"), 400, "schema-invalid"),
    (doc("ticket", "<title/>"), 400, "schema-invalid"),
])
def test_create_refuses_an_empty_element(client, database, body, status, code):
    snap = database.snapshot()
    assert_error(client.post("/tests", body), status, code)
    assert database.snapshot() == snap


@pytest.mark.parametrize("body,status,code", [
    # a field no request sets is judged as before: the schema refuses an empty number
    (doc("ticket", "<number/>"), 400, "schema-invalid"),
    (doc("ticket", "<party/>"), 400, "schema-invalid"),
    # a field given twice, once empty
    (doc("ticket", "<assignee>res2</assignee>", "<assignee/>"), 422, "invalid-field"),
    (doc("ticket", "<assignee/>", "<assignee/>"), 422, "invalid-field"),
    # an empty element with an attribute is no clear: the schema refuses the attribute
    (doc("ticket", '<assignee x="1"/>'), 400, "schema-invalid"),
])
def test_patch_refusals_around_a_clear(client, database, body, status, code):
    n = create_ticket(client, assignee="res1").ticket()["number"]
    path = "/tests/" + n
    before = client.get(path)
    snap = database.snapshot()
    assert_error(patch(client, path, body, etag=before.etag), status, code)
    assert client.get(path).text == before.text
    assert database.snapshot() == snap


def test_clear_needs_the_right_to_change(client, database):
    """knowledge managers read test tickets but may not update them: a clear is refused as a
    change is; an action's body sets fields, it does not clear them."""
    n = create_ticket(client, assignee="res1").ticket()["number"]
    path = "/tests/" + n
    snap = database.snapshot()
    assert_error(patch(client, path, doc("ticket", "<assignee/>"), user="km1",
                       etag=client.get(path).etag), 403, "forbidden")
    r = client.post(path + "/actions/close", doc("ticket", "<assignee/>"),
                    headers={"If-Match": client.get(path).etag})
    assert_error(r, 400, "schema-invalid")
    assert database.snapshot() == snap
    assert client.get(path).findtext("i:assignee") == "res1"


# --------------------------------------------------------------------------- typed fields

def test_typed_fields_are_cleared(client):
    """The probe carries one field of each type (its schema types are plain strings, so that
    the core's check judges them): an empty element of each clears it, where an empty value
    was refused (a number, a time) or kept as an empty string (a text)."""
    word = "clr" + uuid.uuid4().hex[:10]
    target = create_ticket(client).ticket()["number"]
    fields = {"count": "5", "flag": "true", "when": "2026-11-23T09:00:00Z", "within": "PT2H",
              "watcher": "res1", "team": GROUP, "client": "ALPE", "ref": target,
              "remark": "remark %s" % word, "tier": "gold", "promise": "PT4H",
              "label": word}
    body = doc("probe", "<title>Typed</title>",
               *["<%s>%s</%s>" % (k, v, k) for k, v in fields.items()])
    created = client.post("/probes", body)
    assert created.status == 201, created
    n = created.findtext("i:number")
    path = "/probes/" + n
    assert client.get("/probes", params={"label": word}).numbers() == [n]
    assert n in client.get("/probes", params={"q": word}).numbers()
    r = patch(client, path, doc("probe", *["<%s/>" % k for k in fields]))
    assert r.status == 200, r
    for k in fields:
        assert r.find("i:" + k) is None, k
    assert r.findtext("i:title") == "Typed"
    action, changes = last_changes(client, path)
    assert changes == {k: (created.findtext("i:" + k), None) for k in fields}
    # the field index and the search index are cleared with the fields
    assert client.get("/probes", params={"label": word}).numbers() == []
    assert n not in client.get("/probes", params={"q": word}).numbers()


# --------------------------------------------------------------------------- incidents and cases

def incident(client, **fields):
    body = dict({"title": "Clear me", "impact": "medium", "urgency": "medium"}, **fields)
    r = client.post("/incidents", doc("incident", *["<%s>%s</%s>" % (k, v, k)
                                                     for k, v in body.items()]))
    assert r.status == 201, r
    return r.findtext("i:number")


def incidents(client, **params):
    r = client.get("/incidents", params=dict(params, limit=500))
    assert r.status == 200, r
    return [e.findtext("{%s}number" % NS) for e in r.doc]


def test_incident_unassigned_and_its_category_cleared(client):
    category = "Clear-%s" % uuid.uuid4().hex[:8]
    n = incident(client, assignee="res1", group=GROUP, category=category, contact="Jo")
    path = "/incidents/" + n
    assert n in incidents(client, category=category)
    assert n in incidents(client, assignee="res1")
    r = patch(client, path, doc("incident", "<assignee/>", "<category></category>",
                                "<contact/>"))
    assert r.status == 200, r
    for k in ("assignee", "category", "contact"):
        assert r.find("i:" + k) is None, k
    assert r.findtext("i:group") == GROUP and r.findtext("i:priority") == "P3"
    assert last_changes(client, path, user="admin1") == (
        "update", {"assignee": ("res1", None), "category": (category, None),
                   "contact": ("Jo", None)})
    assert n not in incidents(client, category=category)
    assert n not in incidents(client, assignee="res1")
    assert n in incidents(client, group=GROUP)
    stats = client.get("/incidents/stats", params={"by": "category", "group": GROUP})
    assert category not in [g.get("key") for g in stats.findall("i:group")]


def test_incident_clear_of_an_absent_field_changes_nothing(client, database):
    n = incident(client)
    path = "/incidents/" + n
    before = client.get(path)
    snap = database.snapshot()
    r = patch(client, path, doc("incident", "<assignee/>", "<category/>", "<resolution/>"),
              etag=before.etag)
    assert r.status == 200, r
    assert r.etag == before.etag
    assert database.snapshot() == snap


@pytest.mark.parametrize("field", ["impact", "urgency", "title"])
def test_incident_required_field_is_not_cleared(client, database, field):
    n = incident(client, category="Kept")
    path = "/incidents/" + n
    before = client.get(path)
    snap = database.snapshot()
    r = patch(client, path, doc("incident", "<category/>", "<%s/>" % field), etag=before.etag)
    assert_error(r, 422, "invalid-field")
    assert "<%s>" % field in r.findtext("i:message")
    assert as_read(client.get(path).text) == as_read(before.text)
    assert database.snapshot() == snap


def test_a_resolved_incident_keeps_its_resolution(client, database):
    """resolve asks for a resolution: while the incident stands resolved, a PATCH may change
    the resolution but not take it out (422, nothing written); reopened, it may."""
    from incident_util import act
    n = incident(client)
    path = "/incidents/" + n
    act(client, "incidents", n, "start")
    act(client, "incidents", n, "resolve", resolution="Restarted the adapter")
    before = client.get(path)
    snap = database.snapshot()
    for body in ("<resolution/>", "<resolution>  </resolution>"):
        r = patch(client, path, doc("incident", body), etag=before.etag)
        assert_error(r, 422, "invalid-field")
        assert r.findtext("i:message") == "a resolved incident keeps its <resolution>: " \
            "change it, or reopen the incident to take it out", r.text
    assert as_read(client.get(path).text) == as_read(before.text)
    assert database.snapshot() == snap
    r = patch(client, path, doc("incident", "<resolution>Replaced the adapter</resolution>"),
              etag=before.etag)
    assert r.status == 200 and r.findtext("i:resolution") == "Replaced the adapter", r
    act(client, "incidents", n, "reopen")
    r = patch(client, path, doc("incident", "<resolution/>"), etag=client.get(path).etag)
    assert r.status == 200 and r.find("i:resolution") is None, r


def test_case_assignment_is_cleared_only_by_the_desk(client, database):
    """A case's assignee and group are the desk's to set (those granted triage on cases): the
    raiser may not clear them either; the desk may."""
    r = client.post("/cases", doc("case", "<title>Clear my group</title>",
                                  "<description>Files rejected</description>"), user="alice")
    assert r.status == 201, r
    path = "/cases/" + r.findtext("i:number")
    assert patch(client, path, doc("case", "<group>%s</group>" % GROUP)).status == 200
    snap = database.snapshot()
    r = patch(client, path, doc("case", "<group/>"), user="alice")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == snap
    # her own optional field she may clear
    assert patch(client, path, doc("case", "<relatedUrl>https://x.example/</relatedUrl>"),
                 user="alice").status == 200
    r = patch(client, path, doc("case", "<relatedUrl/>"), user="alice")
    assert r.status == 200 and r.find("i:relatedUrl") is None, r
    r = patch(client, path, doc("case", "<group/>"))
    assert r.status == 200 and r.find("i:group") is None, r


def test_a_raiser_may_send_the_desks_values_as_they_are(client, database):
    """itsm_call_keeps: a value kept for the desk counts as changed only when it would read
    otherwise. The raiser's PATCH naming the group her case has already is taken (with a
    change of her own); one naming another group is 403 with nothing written, as is a new
    case she raises with an assignee. (An empty <assignee/> on a create is the schema's
    400: a new ticket states no empty value.)"""
    r = client.post("/cases", doc("case", "<title>Desk values as they are</title>",
                                  "<description>Files rejected</description>"), user="alice")
    assert r.status == 201, r
    path = "/cases/" + r.findtext("i:number")
    assert patch(client, path, doc("case", "<group>%s</group>" % GROUP)).status == 200
    r = patch(client, path, doc("case", "<group>%s</group>" % GROUP,
                                "<relatedUrl>https://x.example/</relatedUrl>"), user="alice")
    assert r.status == 200 and r.findtext("i:group") == GROUP, r
    snap = database.snapshot()
    r = patch(client, path, doc("case", "<group>DIP Monitoring Team</group>"), user="alice")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == snap
    r = client.post("/cases", doc("case", "<title>Assigned by the raiser</title>",
                                  "<description>Files rejected</description>",
                                  "<assignee>carol</assignee>"), user="alice")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == snap


@pytest.mark.parametrize("blank", [" ", "\u00a0", "\u200b ", "\t\n"])
def test_a_value_of_white_space_alone_is_refused(client, database, blank):
    """A field's value of nothing but white space (a no-break or zero-width space too) is no
    value: a create and an action's document that carry one are 422 (leave the element out),
    a PATCH too unless it is an empty element of ASCII white space, which clears; nothing is
    written. Before, the create stored ' ' in a required field."""
    snap = database.snapshot()
    r = client.post("/tests", doc("ticket", "<title>Blank description</title>",
                                  "<description>%s</description>" % blank))
    assert_error(r, 422, "invalid-field")
    assert r.findtext("i:message") == "<description> holds nothing but white space: leave " \
        "it out", r.text
    r = client.post("/tests", doc("ticket", "<title>%s</title>" % blank))
    ascii_only = blank.strip(" \t\n") == ""
    # the schema's own pattern for a title refuses ASCII white space first
    assert_error(r, *((400, "schema-invalid") if ascii_only else (422, "invalid-field")))
    assert database.snapshot() == snap
    n = create_ticket(client, description="Kept").ticket()["number"]
    path = "/tests/" + n
    before = client.get(path)
    snap = database.snapshot()
    r = patch(client, path, doc("ticket", "<description>%s</description>" % blank),
              etag=before.etag)
    if ascii_only:                      # an empty element: the PATCH's clear
        assert r.status == 200 and r.find("i:description") is None, r
        return
    assert_error(r, 422, "invalid-field")
    assert r.findtext("i:message") == "<description> holds nothing but white space: an " \
        "empty <description/> clears it", r.text
    assert client.get(path).text == before.text and database.snapshot() == snap


def test_an_actions_document_with_a_blank_value_is_refused(client, database):
    """An incident's start carrying <category> of a space alone: 422, nothing written (the
    incident stays new)."""
    n = new_incident(client, impact="low", urgency="low").ticket()["number"]
    with unchanged(database, client, "incidents", n):
        r = act(client, "incidents", n, "start", expect=422, code="invalid-field",
                category=" ")
        assert r.findtext("i:message") == "<category> holds nothing but white space: " \
            "leave it out", r.text


def test_a_blank_required_value_in_a_patch_says_it_is_required(client, database):
    """A PATCH's <title> of a no-break space (the schema's pattern takes it) is 422 saying the
    field is required, not that an empty element would clear it; nothing written."""
    n = create_ticket(client).ticket()["number"]
    path = "/tests/" + n
    before = client.get(path)
    snap = database.snapshot()
    r = patch(client, path, doc("ticket", "<title>\u00a0</title>"), etag=before.etag)
    assert_error(r, 422, "invalid-field")
    assert r.findtext("i:message") == "<title> holds nothing but white space: it is " \
        "required", r.text
    assert client.get(path).text == before.text and database.snapshot() == snap


def test_tokens_are_read_without_their_white_space(client, database):
    """A priority, a link's type and target and a new ticket's party are tokens: the schema
    reads " P2 " as P2, and so does the core (stored P2, found by ?priority=P2; the link made;
    the ticket raised for ALPE), not refused or stored with the spaces."""
    n = create_ticket(client, title="Tokens").ticket()["number"]
    r = patch(client, "/tests/" + n, doc("ticket", "<priority> P2 </priority>"))
    assert r.status == 200 and r.findtext("i:priority") == "P2", r
    assert n in list_numbers(client, "agent1", priority="P2")
    other = create_ticket(client, title="Tokens, the other").ticket()["number"]
    r = client.post("/tests/%s/links" % n,
                    ('<link xmlns="%s"><type> relates-to </type><target>\n%s </target></link>'
                     % (NS, other)).encode(),
                    headers={"If-Match": client.get("/tests/" + n).etag})
    assert r.status in (200, 201), r
    assert [l.get("number") for l in client.get("/tests/%s/links" % n).findall("i:link")] \
        == [other]
    r = client.post("/tests", doc("ticket", "<title>For ALPE</title>", "<party> ALPE </party>"))
    assert r.status == 201 and r.findtext("i:party") == "ALPE", r


def test_a_one_line_text_is_read_without_the_white_space_at_its_ends(client):
    """A title (a one-line text) typed with spaces or a tab at its ends is stored without them,
    as a user means it: the ticket as read and a PATCH with the same words padded again
    (no change, no journal entry) all read "Printer down"."""
    t = uuid.uuid4().hex[:8]
    r = client.post("/tests", doc("ticket", "<title>  Printer down %s\t</title>" % t))
    assert r.status == 201 and r.findtext("i:title") == "Printer down " + t, r
    n = r.ticket()["number"]
    assert client.get("/tests/" + n).findtext("i:title") == "Printer down " + t
    entries = len(journal(client, n).findall("i:entry"))
    r = patch(client, "/tests/" + n, doc("ticket", "<title> Printer down %s </title>" % t))
    assert r.status == 200 and r.findtext("i:title") == "Printer down " + t, r
    assert len(journal(client, n).findall("i:entry")) == entries


def test_a_text_filter_is_read_as_the_text_is_stored(client):
    """An indexed one-line text is stored without the white space at its ends, and a list's
    filter on it is read so too: ?service=%20DIP... finds the incident of service "DIP..."
    (an empty page before)."""
    service = "DIP " + uuid.uuid4().hex[:8]
    n = new_incident(client, service="  %s " % service).ticket()["number"]
    for value in (service, " %s " % service, "\t" + service):
        assert numbers_of(client, "incidents", "agent1", service=value) == [n], value
    act(client, "incidents", n, "cancel")


def test_the_common_filters_are_read_as_their_fields_store_them(client):
    """?priority=p2 is P2 as ?route=guidance is Guidance (the common filters were compared as
    given: an empty page), padded names and states are read without the white space at their
    ends, and a priority no ticket can have is 400 naming the priorities."""
    r = create_ticket(client, priority="P5", assignee="res1")
    n, opened = r.ticket()["number"], r.findtext("i:opened")
    party, state = r.findtext("i:party"), r.findtext("i:state")
    for params in ({"priority": "P5"}, {"priority": "p5"}, {"priority": " P5 "},
                   {"state": " %s " % state, "assignee": "res1\t", "priority": "p5"},
                   {"party": " %s " % party, "priority": "p5"}):
        assert n in list_numbers(client, "agent1", opened_after=opened, **params), params
    assert n not in list_numbers(client, "agent1", opened_after=opened, priority="p4")
    for value in ("P9", "Pfive"):
        r = client.get("/tests", params={"priority": value})
        assert_error(r, 400, "bad-query")
        assert "priority" in r.findtext("i:message") and "P1" in r.findtext("i:message"), r.text
    # an empty one is no value (?assignee= matched nothing, not the unassigned tickets)
    for name in ("state", "priority", "party", "assignee", "group"):
        r = client.get("/tests", params={name: " "})
        assert_error(r, 400, "bad-query")
        assert r.findtext("i:message") == "%s is empty: leave it out to list every %s." % (
            name, name), r.text


def test_a_time_filter_counts_its_fraction_of_a_second(client):
    """Times are stored to the second; a filter's fraction of a second was dropped, so
    opened_after=10:00:00.5Z listed the ticket of 10:00:00 and opened_before=10:00:00.5Z
    did not. The fraction counts now, zeros as none."""
    r = create_ticket(client)
    n, opened = r.ticket()["number"], r.findtext("i:opened")
    assert opened.endswith("Z") and "." not in opened, opened
    half, zeros = opened[:-1] + ".5Z", opened[:-1] + ".000Z"
    assert n in list_numbers(client, "agent1", opened_after=opened)
    assert n in list_numbers(client, "agent1", opened_after=zeros)
    assert n not in list_numbers(client, "agent1", opened_after=half)
    assert n not in list_numbers(client, "agent1", opened_after=opened[:-1] + ".001Z")
    assert n in list_numbers(client, "agent1", opened_after=opened, opened_before=half)
    assert n not in list_numbers(client, "agent1", opened_after=opened, opened_before=zeros)
    assert n not in list_numbers(client, "agent1", opened_after=opened, opened_before=opened)
