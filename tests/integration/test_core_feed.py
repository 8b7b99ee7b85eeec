# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The Atom feed of changes (GET /itsm/feeds/me, docs/api.md): its Atom structure, who hears
of a change (the raiser, the raiser's party for kinds that declare it, never the actor) and
party isolation of the whole feed; driven through the cases and incidents of
mod_itsm_incident."""
import re

import pytest
import requests

from conftest import assert_error
from incident_util import act, feed, feed_for, new_case, new_incident, tag


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


def probe_changed(client, changer, **fields):
    """A probe raised by alice with fields, then changed by changer: its number and ETag."""
    from conftest import ticket_xml
    r = client.post("/probes", ticket_xml("probe", **fields), user="alice")
    assert r.status == 201, r
    n = r.ticket()["number"]
    ch = client.patch("/probes/%s" % n, ticket_xml("probe", remark="changed by %s" % changer),
                      user=changer, headers={"If-Match": r.etag})
    assert ch.status == 200, ch
    return n, ch.etag


def test_followers_are_the_kinds_policy(client):
    """The probe kind (test process) is followed by its assignee, the members of its resolver
    group and the holders of knowledge-manager, not by its raiser: one policy, declared by
    the kind (itsm_kind_t.followers, follow_role)."""
    n, _ = probe_changed(client, "agent1", title="Followed %s" % tag(), assignee="res1",
                         group="DIP Monitoring Team")
    for user in ("res1", "res2", "km1"):        # assignee, group member, role holder
        assert [e["action"] for e in feed_for(client, user, n)] == ["update", "create"], user
    for user in ("alice", "bob", "im1"):        # the raiser does not follow probes
        assert feed_for(client, user, n) == [], user


def test_approvers_follow_a_kind_that_says_so(client):
    """The probe kind follows its approvers too (ITSM_FOLLOW_APPROVERS): each login its
    <approvers> field names finds the probe's changes in the feed (cm1, who has no grant on
    probes but reads them as an approver), but not a change of their own."""
    from conftest import ticket_xml
    n, etag = probe_changed(client, "pm1", title="Approved %s" % tag(), approvers="cm1, pm1")
    assert [e["action"] for e in feed_for(client, "cm1", n)] == ["update", "create"]
    assert [e["action"] for e in feed_for(client, "pm1", n)] == ["create"]
    ch2 = client.patch("/probes/%s" % n, ticket_xml("probe", remark="by the desk"),
                       user="agent1", headers={"If-Match": etag})
    assert ch2.status == 200, ch2
    assert [e["action"] for e in feed_for(client, "pm1", n)] == ["update", "create"]
    assert [e["action"] for e in feed_for(client, "cm1", n)] == ["update", "update", "create"]
    for user in ("alice", "bob"):
        assert feed_for(client, user, n) == [], user
