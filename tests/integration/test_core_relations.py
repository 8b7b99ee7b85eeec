# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Grants by relation to the ticket (tests/integration/authz-test.xml): on kind "test" the
assignee and the members of the ticket's resolver group may close it and its raiser may
reopen it whatever their roles; a login named in a probe's <approvers> may read and update
it. A relation never widens the party scope (another party's ticket stays 404), a refusal
writes nothing, and a role table that names relations wrongly stops httpd from starting."""
import os

import pytest

from conftest import (REPO, assert_error, assert_refuses_to_start, create_ticket, journal,
                      ticket_xml)
from incident_util import act, new_incident, unchanged

SDS = "SDS Team (Callisto)"         # res1 is a member (sample directory)
DIP = "DIP Monitoring Team"         # res2 is a member


def ticket(client, user="agent1", **fields):
    r = create_ticket(client, user, **fields)
    return r.ticket()["number"], r.etag


def close(client, user, number, etag):
    return client.post("/tests/%s/actions/close" % number, user=user,
                       headers={"If-Match": etag})


def refused(client, database, status, request):
    """request() is answered status (403 forbidden, 404 not-found) and nothing is written."""
    before = database.snapshot()
    assert_error(request(), status, "forbidden" if status == 403 else "not-found")
    assert database.snapshot() == before


# res1 and res2 hold the same roles (resolver: nothing on kind "test"); alice is a market
# participant of ALPE (no close on "test" by role).
ASSIGNED = [
    # (fields of the ticket, who closes it, allowed)
    ({"assignee": "res1"}, "res1", True),
    ({"assignee": "res1"}, "res2", False),
    ({"group": SDS}, "res1", True),
    ({"group": SDS}, "res2", False),
    ({"group": DIP}, "res2", True),
    ({"group": DIP}, "res1", False),
    ({"assignee": "res2", "group": SDS}, "res1", True),     # either relation will do
    ({"assignee": "res2", "group": SDS}, "res2", True),
    ({"assignee": "alice"}, "alice", True),                 # within her party's scope
    ({"assignee": "res1"}, "alice", False),
    ({}, "res1", False),
]


@pytest.mark.parametrize("fields,user,allowed", ASSIGNED,
                         ids=["%s-%s" % ("+".join("%s=%s" % kv for kv in f.items()) or "none", u)
                              for f, u, _ in ASSIGNED])
def test_close_by_assignee_or_group_member(client, database, fields, user, allowed):
    n, etag = ticket(client, party="ALPE", title="Assigned", **fields)
    if not allowed:
        refused(client, database, 403, lambda: close(client, user, n, etag))
        assert client.get("/tests/" + n).ticket()["state"] == "open"
        return
    r = close(client, user, n, etag)
    assert r.status == 200, r
    assert r.ticket()["state"] == "closed" and r.ticket()["version"] == "2"
    assert journal(client, n).findall("i:entry")[-1].get("actor") == user


def test_relation_grants_only_the_actions_it_names(client, database):
    """The assignee may close, but not update, link or reopen (no grant names them)."""
    n, etag = ticket(client, party="ALPE", assignee="res1", group=SDS)
    for request in (
            lambda: client.patch("/tests/" + n, ticket_xml(title="x"), user="res1",
                                 headers={"If-Match": etag}),
            lambda: client.get("/tests/" + n, user="res1"),
            lambda: client.get("/tests/%s/journal" % n, user="res1")):
        refused(client, database, 403, request)
    r = close(client, "res1", n, etag)
    assert r.status == 200, r
    refused(client, database, 403, lambda: client.post(
        "/tests/%s/actions/reopen" % n, user="res1", headers={"If-Match": r.etag}))


def test_raiser_may_reopen_others_of_the_party_may_not(client, database):
    n, _ = ticket(client, "alice", title="Raised by alice")
    etag = close(client, "agent1", n, client.get("/tests/" + n).etag).etag
    reopen = "/tests/%s/actions/reopen" % n
    # carol: same party, same roles, not the raiser
    refused(client, database, 403, lambda: client.post(reopen, user="carol",
                                                      headers={"If-Match": etag}))
    # bob: another party; the ticket is not his to see, whatever he asks
    refused(client, database, 404, lambda: client.post(reopen, user="bob",
                                                      headers={"If-Match": etag}))
    r = client.post(reopen, user="alice", headers={"If-Match": etag})
    assert r.status == 200, r
    assert r.ticket()["state"] == "open"
    # the raiser's relation names reopen only: close stays with the roles
    refused(client, database, 403, lambda: close(client, "alice", n, r.etag))


OTHER_PARTY = [
    ("ALPE", "bob"),        # bob is of BRMP
    ("BRMP", "alice"),      # alice is of ALPE
    ("BRMP", "prov1"),      # prov1's party ESGS acts for ALPE and MTRW, not BRMP
]


@pytest.mark.parametrize("party,user", OTHER_PARTY, ids=["%s-%s" % c for c in OTHER_PARTY])
def test_other_party_404_whatever_the_relation(client, database, party, user):
    """The assignee of another party's ticket: 404, exactly as a number that does not
    exist; the relation never widens the party scope. The core refuses such an assignment
    (below), so the state is written as a directory change leaves it: the person assigned,
    then moved to another party."""
    before = database.snapshot()
    r = client.post("/tests", ticket_xml(party=party, title="Elsewhere", assignee=user),
                    user="agent1")
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before
    assert r.findtext("i:message").startswith("<assignee>: %s (party " % user), r.text
    assert "does not see tickets of party %s" % party in r.findtext("i:message")
    n, etag = ticket(client, party=party, title="Elsewhere")
    before = database.snapshot()
    r = client.patch("/tests/" + n, ticket_xml(assignee=user), user="agent1",
                     headers={"If-Match": etag})
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before
    database.execute("UPDATE itsm_ticket SET assignee = '%s' WHERE number = '%s'" % (user, n))
    assert client.get("/tests/" + n).ticket()["assignee"] == user
    refused(client, database, 404, lambda: close(client, user, n, etag))
    refused(client, database, 404, lambda: close(client, user, "TST9999999", etag))
    assert_error(client.get("/tests/" + n, user=user), 404, "not-found")


def test_the_other_partys_person_is_named_without_the_party_to_whom_does_not_see_it(
        client, database):
    """alice (a participant of ALPE, who may update tickets of kind "test" of her party)
    names bob as an assignee: refused, and she is not told bob's party."""
    n, etag = ticket(client, user="alice", title="Mine")
    before = database.snapshot()

    def assign(login, user="alice"):
        r = client.patch("/tests/" + n, ticket_xml(assignee=login), user=user,
                         headers={"If-Match": etag})
        assert_error(r, 422, "invalid-field")
        assert database.snapshot() == before
        return r.findtext("i:message")

    # a login that does not exist gets the same answer: she learns no other party's logins
    for login in ("bob", "nosuchperson"):
        assert assign(login) == "<assignee>: %s does not see tickets of party ALPE; " \
            "assign someone who does." % login
    # the desk, who sees every party, is told which it is
    assert assign("nosuchperson", user="agent1") \
        == "<assignee>: there is no person nosuchperson in the directory."


INCIDENT_HANDOVERS = [
    # (who, the request: PATCH or an action, its fields)
    ("prov1", None, {"assignee": "carol"}),
    ("prov1", None, {"group": DIP}),
    ("prov1", None, {"assignee": ""}),              # a clear is a change too
    ("prov1", "start", {"assignee": "carol"}),
    ("res1", None, {"assignee": "carol"}),          # a member of the incident's group
    ("res1", "start", {"group": DIP}),
]


@pytest.mark.parametrize("user,action,fields", INCIDENT_HANDOVERS,
                         ids=["%s-%s-%s" % (u, a or "patch", "+".join(f)) for u, a, f
                              in INCIDENT_HANDOVERS])
def test_incident_assignee_does_not_hand_it_on(client, database, user, action, fields):
    """docs/incident.md: the incident's assignee and its group's members update and work it
    by relation; who works it (assignee, group) stays with the holders of assign (the desk,
    incident management): 403 forbidden, nothing written; the desk may."""
    n = new_incident(client, party="ALPE", impact="low", urgency="low").ticket()["number"]
    act(client, "incidents", n, "assign", assignee="prov1", group=SDS)
    body = '<incident xmlns="urn:mod-itsm:xml:1">%s</incident>' % "".join(
        "<%s>%s</%s>" % (k, v, k) if v else "<%s/>" % k for k, v in fields.items())
    with unchanged(database, client, "incidents", n):
        etag = client.get("/incidents/" + n).etag
        if action:
            r = client.post("/incidents/%s/actions/%s" % (n, action), body, user=user,
                            headers={"If-Match": etag})
        else:
            r = client.patch("/incidents/" + n, body, user=user, headers={"If-Match": etag})
        assert_error(r, 403, "forbidden")
        assert r.findtext("i:message") == "<assignee> and <group> of an incident are set " \
            "by the service desk and incident management (those granted assign on " \
            "incidents)", r.text
    # the rest of the incident is theirs to update, their assignment unchanged
    r = client.patch("/incidents/" + n, '<incident xmlns="urn:mod-itsm:xml:1"><description>'
                     'Feed restarted at 10:02</description><assignee>prov1</assignee>'
                     '</incident>', user=user,
                     headers={"If-Match": client.get("/incidents/" + n).etag})
    assert r.status == 200 and r.findtext("i:description") == "Feed restarted at 10:02", r
    r = client.patch("/incidents/" + n, body, user="agent1",
                     headers={"If-Match": client.get("/incidents/" + n).etag})
    assert r.status == 200, r
    for k, v in fields.items():
        assert r.findtext("i:" + k) == (v or None), r.text


def test_an_import_of_a_finished_ticket_keeps_its_assignee_whoever_it_is(client, database):
    """History as it was: a closed case imported with the assignee it had, who may have moved
    to another party since (bob, BRMP, on an ALPE case); an open one imported so is refused
    as any assignment is."""
    from incident_util import imp
    r = imp(client, "cases", days=30, party="ALPE", state="closed", assignee="bob")
    assert r.ticket()["assignee"] == "bob"
    before = database.snapshot()
    r = imp(client, "cases", days=30, party="ALPE", assignee="bob", expect=422)
    assert "does not see tickets of party ALPE" in r.findtext("i:message"), r.text
    assert database.snapshot() == before


def test_provider_acting_for_the_party_may_close_what_is_assigned_to_them(client):
    n, etag = ticket(client, party="ALPE", title="For the provider", assignee="prov1")
    r = close(client, "prov1", n, etag)
    assert r.status == 200 and r.ticket()["state"] == "closed", r


def test_without_any_relation_grant_roles_alone_refuse_before_the_lookup(client, database):
    """update has no relation grant on kind "test": res1 is refused 403 whether or not the
    ticket exists (nothing is looked up); close has one, so a missing ticket is 404."""
    refused(client, database, 403, lambda: client.patch(
        "/tests/TST9999999", ticket_xml(title="x"), user="res1", headers={"If-Match": '"1"'}))
    refused(client, database, 404, lambda: close(client, "res1", "TST9999999", '"1"'))


def create_probe(client, **fields):
    r = client.post("/probes", ticket_xml("probe", title="Approve me", party="ALPE", **fields),
                    user="agent1")
    assert r.status == 201, r
    return r.ticket()["number"], r.etag


def test_approver_may_read_and_update(client, database):
    """km1 and cm1 have no grant on probes; the approvers field names km1, not cm1."""
    n, etag = create_probe(client, approvers="pm1, km1")
    r = client.get("/probes/" + n, user="km1")
    assert r.status == 200 and r.ticket()["approvers"] == "pm1, km1", r
    assert client.get("/probes/%s/journal" % n, user="km1").status == 200
    r = client.patch("/probes/" + n, ticket_xml("probe", remark="Approved"), user="km1",
                     headers={"If-Match": etag})
    assert r.status == 200 and r.ticket()["remark"] == "Approved", r
    etag = r.etag
    refused(client, database, 403, lambda: client.get("/probes/" + n, user="cm1"))
    refused(client, database, 403, lambda: client.patch(
        "/probes/" + n, ticket_xml("probe", remark="x"), user="cm1", headers={"If-Match": etag}))
    # the relation names read and update only; and a list has no ticket to relate to
    refused(client, database, 403, lambda: client.post(
        "/probes/%s/actions/probe" % n, ticket_xml("probe", other=n), user="km1",
        headers={"If-Match": etag}))
    refused(client, database, 403, lambda: client.get("/probes", user="km1"))


@pytest.mark.parametrize("approvers", ["km10", "km", "pm1 cm1", "KM1x", None])
def test_approver_matches_whole_logins(client, database, approvers):
    n, _ = create_probe(client, approvers=approvers)
    refused(client, database, 403, lambda: client.get("/probes/" + n, user="km1"))


# ---- the shipped defaults (authz-test.xml mirrors conf/itsm-authz.xml for incidents) ----

def test_incident_assignee_works_it_whatever_their_role(client, database):
    """LLSD 5.2: the service provider is Responsible for incident resolution. prov1 (market
    participant of ESGS, acting for ALPE) assigned an incident of ALPE may start and resolve
    it, not close it; carol (market participant of ALPE) is not assigned and may not."""
    n = new_incident(client, party="ALPE", impact="low", urgency="low").ticket()["number"]
    act(client, "incidents", n, "assign", assignee="prov1")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "start", user="carol", expect=403, code="forbidden")
    act(client, "incidents", n, "start", user="prov1")
    r = act(client, "incidents", n, "resolve", user="prov1", resolution="Restarted the feed")
    assert r.findtext("i:state") == "resolved"
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "close", user="prov1", expect=403, code="forbidden")
    # another party's person is no assignee: the desk is told so, and told bob's party
    r = client.patch("/incidents/" + n, '<incident xmlns="urn:mod-itsm:xml:1"><assignee>'
                     'bob</assignee></incident>', user="agent1",
                     headers={"If-Match": client.get("/incidents/" + n).etag})
    assert_error(r, 422, "invalid-field")
    assert r.findtext("i:message") == "<assignee>: bob (party BRMP) does not see tickets " \
        "of party ALPE; assign someone who does.", r.text
    # an incident of a party ESGS does not act for takes no assignment of prov1 (422), and
    # stays invisible to prov1 assigned or not (the state written as if the directory had
    # taken BRMP from ESGS's parties after the assignment)
    m = new_incident(client, party="BRMP", impact="low", urgency="low").ticket()["number"]
    with unchanged(database, client, "incidents", m):
        act(client, "incidents", m, "assign", assignee="prov1", expect=422,
            code="invalid-field")
    database.execute("UPDATE itsm_ticket SET assignee = 'prov1' WHERE number = '%s'" % m)
    with unchanged(database, client, "incidents", m):
        act(client, "incidents", m, "start", user="prov1", expect=404, code="not-found")


# ---- the role table at start-up ---------------------------------------------------------

def authz_with(env, name, grant):
    """The test role table with one more <grant>, as a file."""
    with open(os.path.join(REPO, "tests", "integration", "authz-test.xml")) as f:
        text = f.read()
    path = os.path.join(env.base, "authz-%s.xml" % name)
    with open(path, "w") as f:
        f.write(text.replace("</authorization>", grant + "\n</authorization>"))
    return path


BAD_GRANTS = [
    ("unknown-relation", '<grant kind="test" actions="close" relation="owner"/>',
     r"ITSM00003: ITSMAuthzFile: .*authz-unknown-relation\.xml:\d+: does not validate.*"
     r"'owner' is not an element of the set"),
    ("both", '<grant kind="test" actions="close" roles="resolver" relation="assignee"/>',
     r"ITSM00003: ITSMAuthzFile: .*: name exactly one of roles= and relation=, not both"),
    ("neither", '<grant kind="test" actions="close"/>',
     r"ITSM00003: ITSMAuthzFile: .*: name exactly one of roles= and relation=, not neither"),
    ("create", '<grant kind="test" actions="create" relation="raiser"/>',
     r"ITSM00003: ITSMAuthzFile: .*'create' cannot be granted by relation"),
    ("unknown-action", '<grant kind="test" actions="explode" relation="assignee"/>',
     r"ITSM00004: ITSMAuthzFile .*grant of unknown action 'explode' on kind 'test'"),
    ("no-approvers", '<grant kind="test" actions="close" relation="approver"/>',
     r"ITSM00004: ITSMAuthzFile .*relation 'approver' on kind 'test', which names no "
     r"approvers field"),
]


@pytest.mark.restart
@pytest.mark.parametrize("name,grant,pattern", BAD_GRANTS, ids=[c[0] for c in BAD_GRANTS])
def test_bad_relation_grant_refuses_to_start(env, make_httpd, name, grant, pattern):
    assert_refuses_to_start(env, make_httpd, "relations-" + name,
                            {"ITSMAuthzFile": authz_with(env, name, grant)}, pattern)
