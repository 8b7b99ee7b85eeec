# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The session cache (modules/core/session.c, docs/portal.md "The session cache"): a logged-in
browser keeps working across many requests served from the cache, a tampered cookie is
refused (back to the login page) and never served, an expired session goes to the login page
even while cached, sign-out ends the session and drops its entry, and the cache holds no
more than ITSMSessionCache entries while every browser still sees its own session.

The servers here log the cache's trace lines (ITSM00602 hit, ITSM00603 stored, ITSM00604
dropped at sign-out, ITSM00601 replaced) to show which path a request took."""
import re
import time

import pytest

from portal_util import Browser, raise_form, text

TRACE = "LogLevel warn itsm:trace1"


@pytest.fixture(scope="module")
def cached(env, slapd, database):
    from conftest import Httpd
    h = Httpd(env, "httpd-session-cache", extra="ITSMSessionCache 4\n" + TRACE)
    h.start()
    yield h
    h.stop()


def log_of(h, since):
    return h.log_since(since)


def count(log, number):
    return len(re.findall(r"ITSM%s: " % number, log))


def cookie(b):
    return b.s.cookies.get("itsm-session")


def test_a_logged_in_browser_is_served_from_the_cache(cached):
    b = Browser(cached)
    b.login("alice")
    b.page("/itsm/")                  # the first page adds the CSRF nonce: a new cookie
    since = cached.log_size()
    for _ in range(20):
        assert "alice" in text(b.page("/itsm/me").text)
    log = log_of(cached, since)
    assert count(log, "00602") >= 19, log[-3000:]    # hits: mod_session_crypto skipped
    assert count(log, "00603") <= 1
    # the session read from the cache carries the CSRF nonce: a form post is accepted
    form, _ = raise_form(b, title="Cached session", description="Still logged in")
    data = dict(form["inputs"], title="Cached session", description="Still logged in",
                marketRole="Supplier")
    r = b.post(form["action"], data)
    assert r.status_code == 303, r.text[:2000]


def test_a_tampered_cookie_is_refused_and_never_cached(cached, expect_log):
    expect_log(r"AH01842: decrypt session failed|AH01817: error while decoding the session")
    b = Browser(cached)
    b.login("prov1")
    b.page("/itsm/")
    b.page("/itsm/me")                # now cached
    good = cookie(b)
    # one character changed in the middle, and the cookie cut short: both fail
    # mod_session_crypto's MAC, so the login page, twice (never stored, never served).
    # (Characters after the base64 padding are not part of the cookie's bytes: httpd's
    # decoder stops there, mod_session_crypto accepts such a cookie as the same session.)
    i = len(good) // 2
    bad = good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1:]
    for forged in (bad, bad, good[:-8]):
        other = Browser(cached)
        other.s.cookies.set("itsm-session", forged, path="/")
        since = cached.log_size()
        r = other.get("/itsm/me")
        assert r.status_code == 302 and "/itsm-login" in r.headers["Location"], forged
        assert count(log_of(cached, since), "00602") == 0
    # the genuine cookie still works
    assert "prov1" in text(b.page("/itsm/me").text)


def test_an_expired_session_goes_to_login_while_cached(make_httpd):
    h = make_httpd("portal-session-expiry", session_max_age=2, extra=TRACE)
    h.start()
    b = Browser(h)
    b.login("alice", back="/itsm/me")
    b.page("/itsm/me")                # the first page adds the CSRF nonce: a new cookie
    since = h.log_size()
    b.page("/itsm/me")
    b.page("/itsm/me")
    assert count(log_of(h, since), "00602") >= 1
    time.sleep(3.5)         # past SessionMaxAge: the cached session has expired
    r = b.get("/itsm/me")
    assert r.status_code == 302 and r.headers["Location"].endswith("/itsm-login/itsm/me?")


def test_sign_out_ends_the_session_and_drops_it_from_the_cache(cached):
    b = Browser(cached)
    b.login("agent1")
    b.page("/itsm/")
    b.page("/itsm/me")
    since = cached.log_size()
    assert b.get("/itsm-logout").status_code == 200     # the button's page: ends nothing
    assert count(log_of(cached, since), "00604") == 0
    r = b.sign_out()
    assert r.status_code == 200 and "You are signed out" in r.text
    assert count(log_of(cached, since), "00604") == 1
    r = b.get("/itsm/me")
    assert r.status_code == 302 and "/itsm-login" in r.headers["Location"]


def test_the_cache_is_bounded_and_each_browser_keeps_its_own_session(cached):
    users = ["alice", "prov1", "agent1", "carol", "bob", "res1"]
    browsers = {}
    for u in users:
        b = Browser(cached)
        b.login(u)
        b.page("/itsm/")
        browsers[u] = b
    since = cached.log_size()
    for _ in range(3):
        for u, b in browsers.items():
            words = text(b.page("/itsm/me").text)
            assert u in words and not [o for o in users if o != u and " %s " % o in words], u
    log = log_of(cached, since)
    # six sessions in four entries: some were replaced and decrypted again, none mixed up
    assert count(log, "00601") >= 2, log[-3000:]


@pytest.mark.parametrize("value", ["lots", "-1", "1048577"])
def test_a_bad_session_cache_size_refuses_to_start(env, make_httpd, value):
    from conftest import assert_refuses_to_start
    assert_refuses_to_start(env, make_httpd, "session-cache-bad", {"ITSMSessionCache": value},
                            r"ITSMSessionCache takes a whole number from 0 to 1048576")


def test_session_cache_off_decrypts_every_request(make_httpd):
    h = make_httpd("portal-session-off", extra="ITSMSessionCache 0\n" + TRACE)
    h.start()
    b = Browser(h)
    b.login("alice")
    b.page("/itsm/")
    since = h.log_size()
    for _ in range(3):
        assert "alice" in text(b.page("/itsm/me").text)
    log = log_of(h, since)
    assert count(log, "00602") == 0 and count(log, "00603") == 0
