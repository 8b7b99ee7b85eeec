# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Directory checks of the core: a <group> must be a resolver group and an <assignee> a person
of the LDAP directory (no role, party, reader account or wildcard), on create, patch, assign
and route; each refusal changes nothing."""
import pytest

from conftest import NS, assert_error
from incident_util import (GROUP, act, get, new_case, new_incident, nothing_changed, patch,
                           schema_ready, unchanged)  # noqa: F401 (autouse fixture)


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
    {"assignee": "alice"},                  # a person of ALPE: does not see ELEX's tickets
    {"assignee": "res1", "group": "No Such Team"},
    {"assignee": "ghost", "group": GROUP},
])
def test_directory_checks_422(client, database, fields):
    with nothing_changed(database):
        r = new_incident(client, expect=422, **fields)
        assert_error(r, 422, "invalid-field")
        assert ("does not see tickets of party ELEX" if fields == {"assignee": "alice"}
                else "in the directory") in r.findtext("i:message"), r.text
    n = new_incident(client, impact="low", urgency="low").ticket()["number"]
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "assign", expect=422, code="invalid-field", **fields)
        patch(client, "incidents", n, expect=422, code="invalid-field", **fields)
    act(client, "incidents", n, "cancel")


@pytest.mark.parametrize("fields", [
    {"group": GROUP}, {"group": "DIP Monitoring Team"}, {"group": "Electralink Team"},
    {"assignee": "res1"}, {"assignee": "res2"}, {"assignee": "km1"},   # any role of ELEX
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


def test_names_are_kept_as_the_directory_spells_them(client):
    """The directory matches a uid and a cn ignoring case: a person who logs in as AGENT1 acts
    as agent1 (raiser, journal, /me), and an assignee RES1 or a group in other capitals is
    stored as the directory spells it, so a list filter, the assignee's feed and a statistic
    of the exact name find the ticket."""
    me = client.get("/me", user="AGENT1")
    assert me.status == 200 and me.findtext("i:login") == "agent1", me
    t = new_incident(client, user="AGENT1", impact="low", urgency="low", assignee="RES1",
                     group=GROUP.upper()).ticket()
    assert (t["createdBy"], t["assignee"], t["group"]) == ("agent1", "res1", GROUP), t
    n = t["number"]
    r = client.get("/incidents", user="agent1", params={"assignee": "res1", "group": GROUP,
                                                         "limit": 500})
    assert r.status == 200 and n in r.numbers(), r
    a = act(client, "incidents", n, "assign", user="Agent1", assignee="Res2").ticket()
    assert a["assignee"] == "res2", a
    entries = client.get("/incidents/%s/journal" % n, user="agent1").findall("i:entry")
    assert [e.get("actor") for e in entries] == ["agent1", "agent1"], [e.attrib for e in entries]
    changes = {c.get("field"): c.findtext("{%s}new" % NS)
               for c in entries[-1].findall("{%s}change" % NS)}
    assert changes.get("assignee") == "res2", changes
    patch(client, "incidents", n, group="dip monitoring team")
    assert get(client, "incidents", n).findtext("i:group") == "DIP Monitoring Team"
    # a group's alias cn (listed first in the sample directory) is stored as its DN's name
    patch(client, "incidents", n, group="DIP MONITORING")
    assert get(client, "incidents", n).findtext("i:group") == "DIP Monitoring Team"
    act(client, "incidents", n, "cancel")


def test_the_name_a_ticket_holds_in_other_capitals_is_no_change(client, database):
    """An incident's assignment is the desk's (a resolver may not change it): res2, its
    assignee, sending back the assignee and group it holds in other capitals (as a client that
    kept what it was given typed in) changes the description alone; nothing else is recorded."""
    n = new_incident(client, impact="low", urgency="low", assignee="RES2",
                     group="dip monitoring team").ticket()["number"]
    r = patch(client, "incidents", n, user="res2", assignee="Res2", group="DIP MONITORING TEAM",
              description="Seen again at 02:00")
    t = r.ticket()
    assert (t["assignee"], t["group"], t["description"]) == \
        ("res2", "DIP Monitoring Team", "Seen again at 02:00"), t
    last = client.get("/incidents/%s/journal" % n, user="agent1").findall("i:entry")[-1]
    assert [c.get("field") for c in last.findall("{%s}change" % NS)] == ["description"]
    # another person is a change, the desk's to make
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, user="res2", expect=403, code="forbidden", assignee="RES1")
    act(client, "incidents", n, "cancel")
