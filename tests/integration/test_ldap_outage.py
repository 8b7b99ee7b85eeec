# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The directory goes away mid-run. A user mod_ldap still has in its (long) cache passes Basic
authentication, the core's (short) cache has expired, so the core must answer 503
directory-unavailable with Retry-After -- never a crash, never access on a guess. A user
mod_ldap no longer holds makes mod_authnz_ldap fail the request with 500 before the core is
reached; the core makes that the same 503 (ITSM00300). Both recover by themselves when slapd
returns. The tests run on a server of their own, started here: its mod_ldap cache holds only
what they put in it, so no entry cached long before by another test expires mid-outage."""
import time

import pytest

from conftest import Client, Httpd, assert_error, poll, ticket_xml

TTL = 1     # ITSMLDAPCacheTTL of the test configuration


@pytest.fixture(scope="module")
def own(env, slapd, database):
    Httpd.serial += 1
    h = Httpd(env, "ldap-outage-%d" % Httpd.serial)
    h.start()
    yield Client(h)
    h.stop()


def assert_outage(r):
    assert_error(r, 503, "directory-unavailable")
    ra = r.headers.get("Retry-After", "")
    assert ra.isdigit() and int(ra) > 0, r.headers


def recovered(client):
    # recovery by itself: bounded poll, not a timed assertion
    ok = poll(lambda: client.get("/tests", user="agent1").status == 200, timeout=30,
              interval=0.5)
    assert ok, "no recovery after slapd came back"


def test_503_while_slapd_down_then_recovery(own, slapd, database, expect_log):
    client = own
    expect_log(r"\[itsm:error\].*(LDAP|ldap|directory)")
    expect_log(r"\[(authnz_)?ldap:error\]")
    # warm mod_ldap's cache for these users
    for user in ("agent1", "alice"):
        assert client.get("/tests", user=user).status == 200
    n = client.post("/tests", ticket_xml(title="before outage"), user="alice")
    assert n.status == 201
    number, etag = n.ticket()["number"], n.etag
    before = database.snapshot()
    slapd.stop()
    try:
        time.sleep(TTL + 1.5)            # the core's identity cache expires
        for method, path, body, user in [
                ("GET", "/tests", None, "agent1"),
                ("GET", "/tests/" + number, None, "alice"),
                ("GET", "/me", None, "alice"),
                ("POST", "/tests", ticket_xml(title="during outage"), "alice"),
                ("PATCH", "/tests/" + number, ticket_xml(title="during outage"), "alice")]:
            r = client.request(method, path, body=body, user=user,
                               headers={"If-Match": etag} if method == "PATCH" else None)
            assert_outage(r)
        assert database.snapshot() == before
    finally:
        slapd.start()
    recovered(client)
    r = client.get("/tests/" + number, user="alice")
    assert r.status == 200 and r.ticket()["title"] == "before outage"
    r = client.post("/tests", ticket_xml(title="after outage"), user="alice")
    assert r.status == 201, r


def test_503_for_a_user_mod_ldap_does_not_hold(own, slapd, database, expect_log):
    """bob has not signed in to this server: mod_ldap must ask the directory, cannot, and
    mod_authnz_ldap fails the request (500) before the core; the answer is the outage's 503,
    logged as ITSM00300, and nothing is written."""
    client = own
    expect_log(r"\[itsm:error\].*ITSM00300.*directory unavailable authenticating bob")
    expect_log(r"\[itsm:error\].*(LDAP|ldap|directory)")
    expect_log(r"\[(authnz_)?ldap:error\]")
    before = database.snapshot()
    slapd.stop()
    try:
        for method, path, body in [("GET", "/tests", None), ("GET", "/me", None),
                                   ("POST", "/tests", ticket_xml(title="during outage"))]:
            r = client.request(method, path, body=body, user="bob")
            assert_outage(r)
            assert r.headers.get("Content-Type", "").startswith("application/xml"), r.headers
        assert database.snapshot() == before
    finally:
        slapd.start()
    recovered(client)
    assert client.get("/me", user="bob").status == 200
    with open(own.httpd.root + "/error.log") as f:
        assert "ITSM00300" in f.read()
