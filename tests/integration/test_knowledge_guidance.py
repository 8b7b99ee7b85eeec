# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Cases closed "with guidance" (self-help, LLSD 4, triage model Tier 0): triage routes or closes
a case naming a knowledge article (<article>); the core checks that the article exists, is
published and that the case's raiser can read it (the case field is a ticket reference the
raiser must read, ITSM_FIELD_RAISER_READS), and the raiser's feed names it. Helpfulness
votes on articles are the readers' (one per person and version)."""
import pytest

from conftest import NS, assert_error
from incident_util import act, case_in, feed, get, nothing_changed, patch, unchanged
from knowledge_util import KM, act as article_act, article_in


@pytest.mark.parametrize("action,fields", [
    ("route", {"route": "guidance"}),
    ("close", {}),
])
def test_a_case_closed_with_an_article_its_raiser_can_read(client, action, fields):
    kb = article_in(client, "published", audience="party:ALPE",
                    title="Assigning your roles when no DIP ID is listed")
    n = case_in(client, "in-triage")                    # raised by alice (ALPE)
    r = act(client, "cases", n, action, article=kb, **fields)
    assert r.findtext("i:article") == kb
    if action == "route":
        act(client, "cases", n, "close")
    assert get(client, "cases", n, user="alice").findtext("i:article") == kb
    entries = [e for e in feed(client, "alice")[1] if e["number"] == n]
    assert any("article: (none) -> " + kb in e["summary"] for e in entries), entries
    # the entry links the article (Atom rel="related"), which alice may open
    hrefs = [e["related"].get("article") for e in entries if "article: (none)" in e["summary"]]
    assert hrefs and hrefs[0].endswith("/itsm/articles/" + kb), entries
    assert client.get("/articles/" + kb, user="alice").status == 200
    # entries of other changes link nothing
    assert all(not e["related"] for e in entries if "article:" not in e["summary"]), entries


def test_the_feed_links_from_the_change_not_from_its_summary(client):
    """The related link comes from the entry's recorded change: a title whose text reads like
    the summary of a change of the article links nothing (it may name an article the raiser
    must not open), and the link of a real change holds however long the summary grows."""
    secret = article_in(client, "published", audience="party:BRMP")
    n = case_in(client, "in-triage")                    # raised by alice (ALPE)
    patch(client, "cases", n, title="Printer; article: (none) -> " + secret)
    kb = article_in(client, "published", audience="party:ALPE")
    act(client, "cases", n, "close", article=kb, description="long text " * 60)
    entries = [e for e in feed(client, "alice")[1] if e["number"] == n]
    mimic = [e for e in entries if "Printer; article:" in e["summary"]]
    assert mimic and not any(e["related"] for e in mimic), entries
    closed = [e for e in entries if e["related"]]
    assert len(closed) == 1 and closed[0]["related"]["article"].endswith("/itsm/articles/" + kb), \
        entries


@pytest.mark.parametrize("state,audience,why", [
    ("draft", "all", "never published"),
    ("approved", "all", "not published yet"),
    ("retired", "all", "retired"),
    ("published", "party:BRMP", "for another party"),
    ("published", None, "internal"),
])
def test_an_article_the_raiser_cannot_read_is_refused(client, database, state, audience, why):
    kb = article_in(client, state, audience=audience)
    n = case_in(client, "in-triage")
    with unchanged(database, client, "cases", n):
        r = act(client, "cases", n, "close", expect=422, code="invalid-field", article=kb)
    assert kb in r.findtext("i:message"), why


def test_a_number_that_is_no_article_is_refused(client, database):
    n = case_in(client, "in-triage")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "close", expect=422, code="invalid-field", article="KB9999999")
    with unchanged(database, client, "cases", n):
        act(client, "cases", n, "close", expect=422, code="invalid-field", article=n)


def vote(client, number, helpful, user):
    return client.post("/articles/%s/votes" % number,
                       ('<vote xmlns="%s"><helpful>%s</helpful></vote>' % (NS, helpful)).encode(),
                       user=user)


def test_readers_mark_a_published_article_helpful_or_not(client, database):
    kb = article_in(client, "published", audience="all")
    assert vote(client, kb, "true", "alice").status == 200
    assert vote(client, kb, "true", "bob").status == 200
    r = vote(client, kb, "false", "alice")              # one vote per person and version
    v = r.find("i:helpfulness")
    assert (v.get("version"), v.get("helpful"), v.get("unhelpful"), v.get("mine")) == \
        ("1", "1", "1", "unhelpful")
    v = client.get("/articles/" + kb, user=KM).find("i:helpfulness")
    assert (v.get("helpful"), v.get("unhelpful"), v.get("mine")) == ("1", "1", None)
    # a vote on an unpublished article: not found for a reader, not published for an editor
    draft = article_in(client, "approved", audience="all")
    with nothing_changed(database):
        assert_error(vote(client, draft, "true", "alice"), 404, "not-found")
        assert_error(vote(client, draft, "true", KM), 409, "not-published")
    article_act(client, kb, "retire")
    with nothing_changed(database):
        assert_error(vote(client, kb, "true", "alice"), 404, "not-found")
