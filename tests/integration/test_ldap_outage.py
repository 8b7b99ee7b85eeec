# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The directory goes away mid-run: a user mod_ldap still has in its (long) cache passes
Basic authentication, the core's (short) cache has expired, so the core must answer 503
directory-unavailable with Retry-After -- never a crash, never access on a guess -- and
recover by itself when slapd returns."""
import time

from conftest import assert_error, poll, ticket_xml

TTL = 1     # ITSMLDAPCacheTTL of the test configuration


def test_503_while_slapd_down_then_recovery(client, slapd, database, expect_log):
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
            assert_error(r, 503, "directory-unavailable")
            ra = r.headers.get("Retry-After", "")
            assert ra.isdigit() and int(ra) > 0, r.headers
        assert database.snapshot() == before
    finally:
        slapd.start()
    # recovery by itself: bounded poll, not a timed assertion
    ok = poll(lambda: client.get("/tests", user="agent1").status == 200, timeout=30,
              interval=0.5)
    assert ok, "no recovery after slapd came back"
    r = client.get("/tests/" + number, user="alice")
    assert r.status == 200 and r.ticket()["title"] == "before outage"
    r = client.post("/tests", ticket_xml(title="after outage"), user="alice")
    assert r.status == 201, r
