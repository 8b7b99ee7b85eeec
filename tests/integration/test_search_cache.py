# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The search result cache (modules/core/store_search.c, "the result cache"; ITSMSearchCache):
a hit answers exactly what the search answers without it; every write that changes an answer
(a publish, a retirement, an edit, an audience change, a new glossary synonym) is seen by the
very next search, also when the write goes through another server on the same database (and
so through another httpd child: the generation is in the database, not in a process); a
cached answer is never served to a caller of another visibility class; search analytics are
counted on a hit as on a miss; the cache holds at most its entries and kilobytes, and 0 turns
it off.

The servers log each search at debug (ITSM00701: hit or miss, and the child's counts). The
searches of a test go through a client of their own: one kept-alive connection (fewer than
httpd's 100 requests per connection), so to one child, whose cache the log then shows."""
import re

import pytest

from conftest import NSMAP, Client, Httpd, assert_refuses_to_start
from incident_util import tag
from knowledge_util import AUTHOR, KM, act, article_in, create_term, edit

LINE = re.compile(r"ITSM00701: search of (\w+): (hit|miss) \(cache: (\d+) hits, (\d+) misses, "
                  r"(\d+) entries, (\d+) bytes\)")


@pytest.fixture(scope="module")
def other(env, slapd, database):
    """A second server on the same database: its writes are another child's, another
    process's, another server's."""
    h = Httpd(env, "httpd-search-cache-other")
    h.start()
    yield h
    h.stop()


def searches(h, since):
    """(hit or miss, entries, bytes) of each search logged since."""
    return [(m.group(2), int(m.group(5)), int(m.group(6)))
            for m in LINE.finditer(h.log_since(since))]


def found(client, q, user="alice", **params):
    r = client.get("/articles", user=user, params=dict(params, q=q))
    assert r.status == 200 and r.root == "list", r
    return r.numbers()


def test_a_hit_answers_what_the_search_answers(client, httpd):
    reader = Client(httpd)
    t = tag()
    numbers = {article_in(client, "published", audience="all",
                          title="Cache meter %s %d" % (t, i),
                          body="<p>The meter %s reads %d.</p>" % (t, i)) for i in range(3)}
    for params in ({}, {"limit": 1, "offset": 1}, {"limit": 2}):
        since = httpd.log_size()
        first = reader.get("/articles", user="alice", params=dict(params, q="meter " + t))
        second = reader.get("/articles", user="alice", params=dict(params, q="meter " + t))
        assert [s[0] for s in searches(httpd, since)] == ["miss", "hit"], params
        assert first.status == second.status == 200
        assert first.text == second.text, params       # rank order, snippets, paging, more
    assert set(found(reader, "meter " + t)) == numbers


def test_analytics_are_counted_on_a_hit_as_on_a_miss(client, httpd):
    reader = Client(httpd)
    word = "cachegap" + tag()
    since = httpd.log_size()
    for _ in range(3):
        assert found(reader, word) == []
    assert [s[0] for s in searches(httpd, since)] == ["miss", "hit", "hit"]
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    gaps = [g for g in r.findall("i:gap") if g.text == word]
    assert len(gaps) == 1 and gaps[0].get("misses") == "3", r


def title(article):
    return article.findtext("i:title", namespaces=NSMAP)


def warm(client, h, q, user="alice"):
    """Search twice: the second answer comes from the cache (checked in the log)."""
    since = h.log_size()
    first = found(client, q, user)
    assert found(client, q, user) == first
    assert [s[0] for s in searches(h, since)][-1] == "hit"
    return first


def test_writes_through_another_server_are_seen_by_the_next_search(httpd, other):
    client, elsewhere = Client(httpd), Client(other)
    t = tag()
    q = "boiler " + t
    old = article_in(client, "published", audience="all", title="Boiler pressure %s" % t)
    assert warm(client, httpd, q) == [old]

    # a publish
    new = article_in(elsewhere, "published", audience="all", title="Boiler reset %s" % t)
    assert set(found(client, q)) == {old, new}
    warm(client, httpd, q)

    # a retirement
    act(elsewhere, new, "retire")
    assert found(client, q) == [old]
    warm(client, httpd, q)

    # an edit of a published article: the editors' search shows the working copy at once,
    # the readers' the new version once it is published
    warm(client, httpd, q, user=KM)
    act(elsewhere, old, "revise", user=AUTHOR)
    edit(elsewhere, old, user=AUTHOR, title="Boiler pressure valve %s" % t, audience="all")
    r = client.get("/articles", user=KM, params={"q": q})     # (and the retired one)
    assert {title(a) for a in r.findall("i:article")} \
        == {"Boiler pressure valve %s" % t, "Boiler reset %s" % t}
    r = client.get("/articles", user="alice", params={"q": q})
    assert [title(a) for a in r.findall("i:article")] == ["Boiler pressure %s" % t]
    for action in ("submit", "approve", "publish"):
        act(elsewhere, old, action)
    r = client.get("/articles", user="alice", params={"q": q})
    assert [title(a) for a in r.findall("i:article")] \
        == ["Boiler pressure valve %s" % t]

    # an audience change: all -> BRMP's party only
    warm(client, httpd, q, user="alice")
    warm(client, httpd, q, user="bob")
    act(elsewhere, old, "revise", user=AUTHOR)
    edit(elsewhere, old, user=AUTHOR, title="Boiler pressure valve %s" % t,
         audience="party:BRMP")
    for action in ("submit", "approve", "publish"):
        act(elsewhere, old, action)
    assert found(client, q, "alice") == []
    assert found(client, q, "bob") == [old]


def test_a_new_glossary_synonym_is_seen_by_the_next_search(client, httpd, other):
    reader = Client(httpd)
    t = tag()
    acronym = "QX" + t.upper()
    n = article_in(client, "published", audience="all",
                   title="The quarterly xenon review %s" % t)
    assert warm(reader, httpd, acronym) == []
    create_term(Client(other), "Quarterly Xenon Review %s" % t, acronym=acronym)
    assert found(reader, acronym) == [n]


def test_the_visibility_matrix_through_the_cache(client, httpd):
    word = "cachevis" + tag()
    audiences = {"all": "all", "alpe": "party:ALPE", "internal": None,
                 "agents": "market-role:Supplier-Agent"}
    sees = {"alice": {"all", "alpe"}, "carol": {"all", "alpe"}, "bob": {"all"},
            "prov1": {"all", "alpe", "agents"}, "agent1": set(audiences)}
    made = {a: article_in(client, "published", audience=v, title="%s %s" % (word, a))
            for a, v in audiences.items()}
    reader = Client(httpd)
    since = httpd.log_size()
    for _ in range(3):          # every person's answer cached while the others search
        for user, audience_set in sees.items():
            assert set(found(reader, word, user)) == {made[a] for a in audience_set}, user
    hits = [s[0] for s in searches(httpd, since)].count("hit")
    assert hits >= 2 * len(sees), hits


def test_the_cache_holds_at_most_its_entries_and_bytes(make_httpd):
    h = make_httpd("search-cache-small", extra="ITSMSearchCache 2")
    h.start()
    c = Client(h)
    t = tag()
    # four articles whose answer is well over 1 KB without their bodies, which a result
    # leaves out (ITSM_FIELD_DETAIL): long keywords, category and services
    long = " ".join("word%d" % i for i in range(30))
    for n in range(4):
        article_in(c, "published", audience="all", title="Small cache %s %d" % (t, n),
                   body="<p>%s</p>" % long, keywords=long, category=long, services=long)
    since = h.log_size()
    for q in ("small", "cache", t, "small"):    # the first is dropped before it comes again
        found(c, q + " " + t)
    logged = searches(h, since)
    assert [s[0] for s in logged] == ["miss"] * 4 and max(s[1] for s in logged) == 2

    h = make_httpd("search-cache-bytes", extra="ITSMSearchCache 100 1")
    h.start()
    c = Client(h)
    since = h.log_size()
    for _ in range(2):                          # the same database: the same article
        found(c, "small cache " + t)
    logged = searches(h, since)
    assert [s[0] for s in logged] == ["miss", "miss"]       # an answer larger than 1 KB
    assert all(s[2] <= 1024 for s in logged)


def test_zero_turns_the_cache_off(make_httpd):
    h = make_httpd("search-cache-off", extra="ITSMSearchCache 0")
    h.start()
    c = Client(h)
    t = tag()
    n = article_in(c, "published", audience="all", title="Uncached %s" % t)
    since = h.log_size()
    for _ in range(3):
        assert found(c, "uncached " + t) == [n]
    assert searches(h, since) == [("miss", 0, 0)] * 3


@pytest.mark.parametrize("value", ["lots", "-1", "1048577", "10 -1", "10 4194305", "10 x"])
def test_a_bad_search_cache_size_refuses_to_start(env, make_httpd, value):
    assert_refuses_to_start(env, make_httpd, "search-cache-bad", {"ITSMSearchCache": value},
                            r"ITSMSearchCache takes a whole number from 0 to (1048576|4194304)")
