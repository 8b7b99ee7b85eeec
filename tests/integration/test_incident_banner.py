# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The major-incident banner of mod_itsm_incident (GET /itsm/major-incidents/active, LLSD 7):
an open major incident shown to every person whatever their party with only the banner's
fields, and dropped when it is stood down, resolved or cancelled."""
import pytest
from lxml import etree

from conftest import assert_error
from incident_util import act, finish_incident, get, new_incident, tag


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
