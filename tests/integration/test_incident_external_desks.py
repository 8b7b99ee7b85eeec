# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Cross-party work of mod_itsm_incident against the directory of desks (ITSMDesksFile): an
<externalDesk> must be in the directory when there is one (case and incident create, patch,
route), each refusal changing nothing; any desk is accepted without a directory."""
import pytest

from conftest import Client, assert_error
from incident_util import (act, desks_server, new_case, new_incident, nothing_changed, patch,
                           schema_ready, unchanged)  # noqa: F401 (autouse fixture)


@pytest.fixture(scope="module")
def desks_httpd(env, slapd, database):
    with desks_server(env) as h:
        yield h


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
