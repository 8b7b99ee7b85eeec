# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The page cache (modules/core/portal.c, "the page cache"; ITSMPortalCache): a page served
from the cache is the page rendered again, byte for byte; whatever a page shows changes its
input, so the very next page shows a reply, a banner declared, a change of the person's roles;
a page is never served to another person, another party or another session (its CSRF token);
a page whose transform asked the store for counts (p:stats) is not kept; the cache holds at
most its entries and kilobytes, 0 turns it off, and a bad size stops the server.

The servers log each rendered page at debug (ITSM00801: hit, miss or not kept, and the child's
counts). A Browser is one requests session: its kept-alive connection (fewer than httpd's 100
requests per connection) goes to one child, whose cache the log then shows."""
import re
import subprocess

import pytest
import requests

from conftest import PASSWORD, assert_refuses_to_start, configtest, itsm_directives, poll
from incident_util import act, new_case, new_incident, patch, tag
from portal_util import Browser, raise_form, text

LINE = re.compile(r"ITSM00801: page (\S+): (hit|miss|not kept \(p:stats\)) \(cache: (\d+) hits, "
                  r"(\d+) misses, (\d+) entries, (\d+) bytes\)")


def pages(h, since):
    """(path, hit/miss/not kept, entries, bytes) of each page logged since."""
    return [(m.group(1), m.group(2).split()[0], int(m.group(5)), int(m.group(6)))
            for m in LINE.finditer(h.log_since(since))]


def how(h, since):
    return [p[1] for p in pages(h, since)]


def browser(httpd, user):
    b = Browser(httpd)
    b.login(user)
    b.page("/itsm/")        # the first page puts the CSRF nonce into the session
    return b


def csrf(html):
    return re.findall(r'name="itsm-csrf" value="([0-9a-f]+)"', html)


def test_a_page_again_is_the_same_page(httpd, client):
    """A closed case: its clocks are stopped, so its documents hold no running clock, whose
    "remaining" moves every second during working hours and with it the page's input (a page
    asked again in another second is then rendered again, rightly: docs/portal.md)."""
    number = new_case(client, title="Cached page %s" % tag()).findtext("i:number")
    act(client, "cases", number, "close")
    b = browser(httpd, "alice")
    for path in ("/itsm/cases/" + number, "/itsm/cases?state=closed&limit=50",
                 "/itsm/cases/" + number):
        since = httpd.log_size()
        first = b.page(path)
        second = b.page(path)
        assert first.content == second.content, path
        assert first.headers["Content-Type"] == second.headers["Content-Type"]
        assert first.headers["Cache-Control"] == second.headers["Cache-Control"] == \
            "private, no-cache"
        assert how(httpd, since)[-1] == "hit", pages(httpd, since)
    assert number in text(second.text) and "Alice" in second.text


def test_a_change_shows_on_the_next_page(httpd, client):
    t = tag()
    number = new_case(client, title="Changing %s" % t).findtext("i:number")
    b = browser(httpd, "alice")
    path = "/itsm/cases/" + number
    b.page(path)
    since = httpd.log_size()
    assert b.page(path).text == b.page(path).text
    assert how(httpd, since) == ["hit", "hit"]
    # the desk's reply: the ticket (its version, the journal) changed
    patch(client, "cases", number, user="agent1", note="Looking at it %s" % t)
    since = httpd.log_size()
    assert "Looking at it %s" % t in text(b.page(path).text)
    assert how(httpd, since) == ["miss"]
    # a major incident declared: the banner on every page, this one too
    inc = new_incident(client, user="im1", title="Banner %s" % t, impact="high",
                       urgency="high").findtext("i:number")
    act(client, "incidents", inc, "declare-major", user="im1", impactStatement="Files late")
    assert "Banner %s" % t in b.page(path).text
    # a change of the page's document alone (the title)
    patch(client, "cases", number, user="agent1", title="Renamed %s" % t)
    assert "Renamed %s" % t in b.page(path).text


def test_a_change_of_roles_shows_on_the_next_page(httpd, client, slapd):
    """carol (ALPE, market-participant) becomes a service desk agent and is one no longer: her
    open session's page follows (the roles are read from the directory, ITSMLDAPCacheTTL 1)."""
    number = new_case(client, user="carol", title="Roles %s" % tag()).findtext("i:number")
    b = browser(httpd, "carol")
    path = "/itsm/cases/" + number
    b.page(path)
    before = b.page(path).text
    assert "/actions/triage" not in before

    def member(change):
        ldif = ("dn: cn=service-desk-agent,ou=roles,dc=itsm,dc=example\nchangetype: modify\n"
                "%s: member\nmember: uid=carol,ou=people,dc=itsm,dc=example\n" % change)
        r = subprocess.run(["ldapmodify", "-x", "-H", slapd.url, "-D", "cn=admin,dc=itsm,dc=example",
                            "-w", PASSWORD], input=ldif, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr

    member("add")
    try:
        agent = poll(lambda: "/actions/triage" in (p := b.page(path).text) and p, 30)
        assert agent, "the page never showed the agent's actions"
    finally:
        member("delete")
    again = poll(lambda: "/actions/triage" not in (p := b.page(path).text) and p, 30)
    assert again, "the page still shows the agent's actions"
    assert again == before


def test_no_page_of_another_person_or_session(httpd, client):
    number = new_case(client, title="Whose page %s" % tag()).findtext("i:number")
    path = "/itsm/cases/" + number
    alice, carol, bob = (browser(httpd, u) for u in ("alice", "carol", "bob"))
    a = alice.page(path).text
    assert alice.page(path).text == a
    # carol: the same party, the same roles, the same case; her own page
    c = carol.page(path).text
    assert "Carol Alpha" in c and "Alice Alpha" not in c.split("<main")[0], c[:3000]
    assert number in text(c)
    alice2 = browser(httpd, "alice")        # a second session of the same person
    # another session of alice: its own CSRF token, never the first session's (the form
    # that raises a case, twice in each session: the second time from the cache)
    for _ in range(2):
        f1, p1 = raise_form(alice, title="Token %s" % number)
        f2, p2 = raise_form(alice2, title="Token %s" % number)
    assert csrf(p1) and csrf(p2) and set(csrf(p1)).isdisjoint(csrf(p2))
    # the second session's form posted in the first session: refused
    data = dict(f2["inputs"], title="Token %s" % number, description="x", marketRole="Supplier")
    assert alice.post(f2["action"], data).status_code == 403
    assert alice2.post(f2["action"], data).status_code == 303
    # bob, another party: not found, as without the cache
    r = bob.get(path)
    assert r.status_code == 404 and "Whose page" not in r.text
    # Basic auth: a page of its own (the token of the login alone)
    basic = requests.get(httpd.url + path, auth=("alice", PASSWORD), timeout=60,
                         headers={"Accept": "text/html"})
    assert basic.status_code == 200 and number in text(basic.text)
    assert csrf(basic.text) == csrf(requests.get(httpd.url + path, auth=("alice", PASSWORD),
                                                 timeout=60, headers={"Accept": "text/html"}).text)


def test_a_page_with_counts_is_not_kept(httpd, client):
    b = browser(httpd, "alice")
    since = httpd.log_size()
    for _ in range(2):
        b.page("/itsm/glossary")
    logged = [p for p in pages(httpd, since) if p[0] == "/itsm/glossary"]
    assert [p[1] for p in logged] == ["not", "not"], logged


def test_the_cache_holds_at_most_its_entries_and_bytes(make_httpd, client):
    number = new_case(client, title="Small cache %s" % tag()).findtext("i:number")
    h = make_httpd("portal-cache-small", extra="ITSMPortalCache 1")
    h.start()
    b = browser(h, "alice")
    since = h.log_size()
    for path in ("/itsm/cases/" + number, "/itsm/cases", "/itsm/cases/" + number,
                 "/itsm/cases/" + number):
        b.page(path)
    logged = pages(h, since)
    assert [p[1] for p in logged] == ["miss", "miss", "miss", "hit"], logged
    assert max(p[2] for p in logged) == 1

    h = make_httpd("portal-cache-bytes", extra="ITSMPortalCache 100 1")
    h.start()
    b = browser(h, "alice")
    since = h.log_size()
    first, second = b.page("/itsm/cases/" + number), b.page("/itsm/cases/" + number)
    assert first.content == second.content
    logged = pages(h, since)
    assert [p[1] for p in logged] == ["miss", "miss"], logged     # a page larger than 1 KB
    assert all(p[3] <= 1024 for p in logged)


def test_zero_turns_the_cache_off(make_httpd, client):
    t = tag()
    number = new_case(client, title="Uncached %s" % t).findtext("i:number")
    h = make_httpd("portal-cache-off", extra="ITSMPortalCache 0")
    h.start()
    b = browser(h, "alice")
    since = h.log_size()
    path = "/itsm/cases/" + number
    first, second = b.page(path), b.page(path)
    assert first.content == second.content and "Uncached %s" % t in first.text
    patch(client, "cases", number, user="agent1", note="Seen %s" % t)
    assert "Seen %s" % t in text(b.page(path).text)
    assert pages(h, since) == []


@pytest.mark.parametrize("value", ["lots", "-1", "1048577", "10 -1", "10 4194305", "10 x",
                                   "10 20 30"])
def test_a_bad_page_cache_size_fails_configtest_and_start(env, make_httpd, value):
    pattern = (r"ITSMPortalCache (takes a whole number from 0 to (1048576|4194304)"
               r"|takes 1-2 arguments)")
    conf = itsm_directives(env)
    conf["ITSMPortalCache"] = value
    rc, out = configtest(env, make_httpd("portal-cache-t", itsm=conf).conf_path)
    assert rc != 0 and re.search(pattern, out), out
    assert_refuses_to_start(env, make_httpd, "portal-cache-bad", {"ITSMPortalCache": value},
                            pattern)
