# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Searching articles (GET /itsm/articles?q=, the core's full-text search declared by the
knowledge module: title heaviest, then keywords, category and services, then the body's text,
never its markup) and the knowledge gaps it reveals (GET /itsm/knowledge-gaps, knowledge
managers only), each turned into a draft article in one request. Of two articles that
match alike, the one its readers voted more helpful ranks first (the articles' boost_field,
netVotes, which the core keeps from the votes)."""
import pytest

from conftest import NS, NSMAP, assert_error, fts5_bm25, sql_runner
from incident_util import (assert_a_search_is_counted, create, list_numbers, nothing_changed,
                           tag)
from knowledge_util import AUTHOR, KM, act, article_in, article_xml, edit


def test_ranked_with_snippets_stemming_phrases_and_prefixes(client):
    t = tag()
    in_title = article_in(client, "published", audience="all",
                          title="Renewing certificates %s" % t, body="<p>Steps.</p>")
    in_body = article_in(client, "published", audience="all", title="Annual events %s" % t,
                         body="<p>Every year the <strong>certificate</strong> is renewed.</p>")
    article_in(client, "draft", audience="all", title="Draft certificate %s" % t)
    r = client.get("/articles", user="alice", params={"q": "certificate " + t})
    assert r.status == 200 and r.root == "list", r
    assert r.numbers() == [in_title, in_body]           # the title weighs more
    snippets = [a.find("i:snippet", NSMAP) for a in r.findall("i:article")]
    assert all(s is not None for s in snippets)
    assert "<strong>" not in r.text.split("<snippet>")[2]   # text, not the body's markup
    # the body is read with the article alone: a result shows its snippet (ITSM_FIELD_DETAIL)
    assert r.findall("i:article/i:body") == [] and "<body>" not in r.text
    assert client.get("/articles/" + in_body, user="alice").find("i:body/i:p/i:strong") \
        is not None
    assert any(m.text.lower().startswith("certif") for m in snippets[0].findall("i:match", NSMAP))
    # stemming (renewing/renewed), a phrase, a prefix
    assert set(client.get("/articles", user="bob", params={"q": "renew " + t}).numbers()) \
        == {in_title, in_body}
    assert client.get("/articles", user="bob",
                      params={"q": '"renewing certificates %s"' % t}).numbers() == [in_title]
    assert set(client.get("/articles", user="bob", params={"q": "certif* " + t}).numbers()) \
        == {in_title, in_body}


def test_sqlite_ranks_as_fts5s_bm25(client, database):
    """itsm_rank() (modules/core/store_fts5.c: bm25() with each phrase's row count kept per
    process) orders as bm25() does, also once the counts are kept and after a write."""
    if database.driver != "sqlite3":
        pytest.skip("the ranking function of SQLite")
    t = tag()
    for i in range(6):
        article_in(client, "published", audience="all", title="Valve %s %s" % (t, "seal " * i),
                   body="<p>%s</p>" % " ".join(["gasket"] * (6 - i) + ["filler"] * (3 * i)),
                   keywords="seal" if i % 2 else None)
    for _ in range(2):
        for q, match in (("seal " + t, '"seal" AND "%s"' % t),
                         ("gasket " + t, '"gasket" AND "%s"' % t)):
            # the published copies of articles, as a reader's search ranks them
            bm25 = fts5_bm25(database, "itsm_search_prefix", "article", 1, match)
            # another limit misses the result cache: ranked again, the counts kept
            for limit in (50, 49):
                r = client.get("/articles", user="alice", params={"q": q, "limit": limit})
                assert r.status == 200 and len(bm25) >= 5 and r.numbers() == bm25, (q, bm25)
        article_in(client, "published", audience="all", title="Valve %s seal gasket" % t)


@pytest.fixture(scope="module")
def syntax_articles(client):
    """A word of their own; one article holding every word of the queries below (a and b
    too far apart for FTS5's NEAR, x not in its title), one holding none of them."""
    t = tag()
    words = article_in(client, "published", audience="all", title="Query words %s" % t,
                       body="<p>A first line, then the words: near, title, x, or, 1, drop, "
                            "table, itsm_ticket, and, not; a long way down the page, after "
                            "many more words of no interest at all, b.</p>")
    plain = article_in(client, "published", audience="all", title="Other article %s" % t,
                       body="<p>Nothing else here.</p>")
    return t, words, plain


# FTS syntax and SQL are words (the article holding them all, not the other), or nothing at
# all when q has no word (both articles, by the test's own word alone): never an operator, a
# column filter or a statement
@pytest.mark.parametrize("q,has_words", [
    ('"', False), ("*", False), ("NEAR(a b)", True), ("-", False), (":", False),
    ("title:x", True), ("a' OR '1'='1", True), ("x; DROP TABLE itsm_ticket; --", True),
    ("%", False), ("AND OR NOT", True)])
def test_query_text_is_always_text(client, syntax_articles, q, has_words):
    t, words, plain = syntax_articles
    got = set(list_numbers(client, "articles", "alice", q="%s %s" % (t, q)))
    assert got == ({words} if has_words else {words, plain}), q
    # the query of the word alone answers as before
    assert set(list_numbers(client, "articles", "alice", q=t)) == {words, plain}


# 10 KiB of text: the servers take request lines of 16 KiB (LimitRequestLine, as
# docs/install.md; httpd's default of 8190 bytes would answer its own HTML 414)
@pytest.mark.parametrize("params", [{"q": ""}, {"q": "x" * 8000}, {"q": "word " * 2048},
                                    {"q": " ".join("w%d" % i for i in range(40))}])
def test_bad_queries_are_refused_and_nothing_counted(counting_client, database, params):
    # on a server that writes each count with its search (a good one's shows), none is
    assert_a_search_is_counted(counting_client, database, "articles")
    with nothing_changed(database):
        r = counting_client.get("/articles", user="alice", params=params)
    assert_error(r, 400, "bad-query")


def test_gaps_are_counted_listed_for_knowledge_managers_and_drafted_in_one_request(client):
    word = "nothingmatches" + tag()
    for user in ("alice", "carol", "alice", "bob", "bob"):
        r = client.get("/articles", user=user, params={"q": word})
        assert r.status == 200 and r.numbers() == []
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert r.status == 200 and r.root == "knowledgeGaps", r
    gaps = {g.get("party"): g.get("misses") for g in r.findall("i:gap") if g.text == word}
    assert gaps == {"ALPE": "3", "BRMP": "2"}, r.text       # counted per party
    for user in ("alice", AUTHOR, "agent1"):
        r = client.get("/knowledge-gaps", user=user)
        assert_error(r, 403, "forbidden")
        # the resource is named, not only the grant it takes ('publish' alone misleads)
        assert "/itsm/knowledge-gaps" in r.findtext("i:message"), r.text
    # the gap becomes a draft: its body says what was searched
    r = client.post("/articles", article_xml("Answer to " + word, None, gap=word), user=KM)
    assert r.status == 201 and r.findtext("i:state") == "draft", r
    assert r.findtext("i:gap") == word
    # the query between typographic quotes: a phrase's own quotes do not double them
    assert "Searches for \u201c%s\u201d found no article" % word in r.findtext("i:body/i:p")
    # ... and how often every party asked it (one answer serves them all)
    assert "found no article (5 times)" in r.findtext("i:body/i:p")
    assert "(0 times)" in r.findtext("i:body/i:p")
    once = "onceonly" + tag()
    assert client.get("/articles", user="alice", params={"q": once}).numbers() == []
    r = client.post("/articles", article_xml("Answer to " + once, None, gap=once), user=KM)
    assert r.status == 201 and "found no article (1 time)" in r.findtext("i:body/i:p"), r


def gap_rows(client, word):
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert r.status == 200, r
    return [g for g in r.findall("i:gap") if g.text == word]


def test_a_gap_names_its_draft_which_a_second_draft_is_refused_for_until_retired(client,
                                                                                 database):
    """Once a manager drafts from a gap, the gaps name the article (article="KB...") and a
    second draft of the gap is 409 naming it, nothing written, so that two managers do not
    write the same answer twice; once that article is retired the gap is drafted again."""
    word = "twicegap" + tag()
    for user in ("alice", "bob"):       # one gap per party, the same query
        assert client.get("/articles", user=user, params={"q": word}).numbers() == []
    assert [g.get("article") for g in gap_rows(client, word)] == [None, None]
    r = client.post("/articles", article_xml("Answer to " + word, None, gap=word), user=KM)
    assert r.status == 201, r
    first = r.ticket()["number"]
    assert [g.get("article") for g in gap_rows(client, word)] == [first, first]
    with nothing_changed(database):
        r = client.post("/articles", article_xml("Again " + word, None, gap=word), user=KM)
    assert_error(r, 409, "duplicate")
    assert first in r.findtext("i:message") and word in r.findtext("i:message"), r.text
    for action in ("submit", "approve", "publish"):     # still its article while published
        act(client, first, action)
    assert [g.get("article") for g in gap_rows(client, word)] == [first, first]
    act(client, first, "retire")
    assert [g.get("article") for g in gap_rows(client, word)] == [None, None]
    r = client.post("/articles", article_xml("New answer to " + word, None, gap=word), user=KM)
    assert r.status == 201, r
    second = r.ticket()["number"]
    assert [g.get("article") for g in gap_rows(client, word)] == [second, second]


def test_a_gap_typed_in_other_capitals_and_spacing_is_the_gap(client):
    """<gap> is read as the analytics read a query: a manager who types the gap in other
    capitals or spacing than the list shows drafts from that gap, and the article names it
    in its normal form (the form the list shows)."""
    word = "spacedgap" + tag().replace("-", "")
    assert client.get("/articles", user="alice", params={"q": word + " Error"}).numbers() == []
    assert [g.get("article") for g in gap_rows(client, word + " error")] == [None]
    typed = "  %s   ERROR " % word.upper()
    r = client.post("/articles", article_xml("Answer to " + word, None, gap=typed), user=KM)
    assert r.status == 201 and r.findtext("i:gap") == word + " error", r
    assert "found no article (1 time)" in r.findtext("i:body/i:p"), r
    assert [g.get("article") for g in gap_rows(client, word + " error")] == [r.ticket()["number"]]


@pytest.mark.parametrize("mark", ["\u061f", "\u060c", "\u0964", "\u0e3f", "\u0964\u0964"])
def test_punctuation_of_other_scripts_does_not_empty_a_query(client, mark):
    """The parser takes the letters of every script as words, but some marks of other scripts
    (the Arabic question mark and comma, the Devanagari danda, the baht sign) are punctuation
    to the index: beside a word they separate, as a full stop does, instead of an AND with a
    word no article holds."""
    t = tag()
    a = article_in(client, "published", audience="all", title="Meter reads %s" % t)
    for q in ("%s %s" % (t, mark), t + mark):
        got = client.get("/articles", user="alice", params={"q": q}).numbers()
        assert got == [a], (q, got)


def test_noncharacters_in_a_query_separate_its_words(client):
    """U+FFFE and U+FFFF are no XML characters: a query's words are counted and shown in the
    gaps' document (and the portal's page made from it), which must stay well-formed. They,
    the other noncharacters and the specials separate words as punctuation does."""
    word = "nonchar" + tag()
    for q in (word + "\uffff", "\ufffe" + word + "\ufdd0", word + " \U0010ffff\ufffd"):
        r = client.get("/articles", user="alice", params={"q": q})
        assert r.status == 200 and r.numbers() == [], r
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert r.status == 200 and r.root == "knowledgeGaps", r        # parsed: well-formed
    gaps = [g for g in r.findall("i:gap") if word in (g.text or "")]
    assert [(g.text, g.get("misses")) for g in gaps] == [(word, "3")]


@pytest.mark.parametrize("params", [{"party": "ALPE"}, {"q": "invoice"}, {"limit": "5",
                                                                          "foo": "1"}])
def test_the_gaps_refuse_a_parameter_they_do_not_take(client, params):
    """limit and offset only: ?party=ALPE silently ignored answered every party's gaps."""
    r = client.get("/knowledge-gaps", user=KM, params=params)
    assert_error(r, 400, "bad-query")
    unknown = [k for k in params if k not in ("limit", "offset")][0]
    assert "'%s'" % unknown in r.findtext("i:message"), r
    r = client.get("/knowledge-gaps", user=KM, params={"limit": "5", "offset": "0"})
    assert r.status == 200 and r.root == "knowledgeGaps", r


def test_only_those_who_see_the_gaps_draft_from_one(client, database):
    """An author (no grant to see the gaps) drafting from a gap that exists is refused as
    from one that does not, with nothing written: else the answers would tell which queries
    were counted, and the draft's body how often. The gap a draft was made from is the
    editors' to see: a reader of the published article does not."""
    word = "gapprobe" + tag()
    assert client.get("/articles", user="alice", params={"q": word}).numbers() == []
    assert any(g.text == word for g in client.get("/knowledge-gaps", user=KM,
                                                    params={"limit": 500}).findall("i:gap"))
    for gap in (word, "never searched " + tag()):
        with nothing_changed(database):
            r = client.post("/articles", article_xml("x", None, gap=gap), user=AUTHOR)
        assert_error(r, 403, "forbidden")
    number = article_in(client, "published", gap=word, audience="all")
    assert client.get("/articles/" + number, user=KM).findtext("i:gap") == word
    r = client.get("/articles/" + number, user="alice")
    assert r.status == 200 and r.find("i:gap") is None


def test_a_gap_that_does_not_exist_is_refused_and_nothing_written(client, database):
    with nothing_changed(database):
        r = client.post("/articles", article_xml("x", None, gap="never searched " + tag()),
                        user=KM)
    assert_error(r, 422, "invalid-field")
    assert "knowledge gap" in r.findtext("i:message")


def test_a_case_raised_after_a_search_that_found_articles_is_a_failed_deflection(client):
    t = tag()
    article_in(client, "published", audience="all", title="Meter reads %s" % t)
    r = client.get("/articles", user="bob", params={"q": "meter reads " + t})
    assert r.status == 200 and len(r.numbers()) == 1
    create(client, "cases", "bob", title="Meter reads still missing",
           description="The article did not help")
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    gaps = [g for g in r.findall("i:gap") if g.text == "meter reads " + t]
    assert len(gaps) == 1 and gaps[0].get("deflections") == "1" and gaps[0].get("misses") == "0"


def test_editors_search_within_a_category_readers_by_words(client):
    """docs/knowledge.md's examples: an editor narrows a search by category (the working
    copies' field index); a reader's list of published versions takes no such filter, and
    finds the category's word by q (the category is searched as keywords)."""
    t = tag()
    support = article_in(client, "published", audience="all", category="Support" + t,
                         title="Renewing a certificate " + t)
    article_in(client, "published", audience="all", category="Guides", title="Renewing " + t)
    r = client.get("/articles", user=KM, params={"q": t, "category": "Support" + t})
    assert r.status == 200 and r.numbers() == [support], r
    assert_error(client.get("/articles", user="alice", params={"q": t, "category": "Support" + t}),
                 400, "bad-query")
    assert client.get("/articles", user="alice", params={"q": "support" + t}).numbers() == [support]


def vote(client, number, helpful, user):
    return client.post("/articles/%s/votes" % number,
                       ('<vote xmlns="%s"><helpful>%s</helpful></vote>' % (NS, helpful)).encode(),
                       user=user)


def test_helpful_votes_raise_an_article_in_the_ranking(client, database):
    """Two published articles with the same text: the second ranks after the first (equal
    ranks go by number) until readers vote it helpful, then first; a vote on an unpublished
    article is refused and writes nothing, and no request sets the kept value."""
    t = tag()
    same = dict(audience="all", title="Resetting the meter gateway %s" % t,
                body="<p>Restart the gateway service.</p>")
    first, second = article_in(client, "published", **same), article_in(client, "published", **same)
    q = {"q": "gateway " + t}
    assert client.get("/articles", user="alice", params=q).numbers() == [first, second]
    for user in ("alice", "bob", "carol"):
        assert vote(client, second, "true", user).status == 200
    assert vote(client, first, "false", "bob").status == 200
    assert client.get("/articles", user="alice", params=q).numbers() == [second, first]
    assert client.get("/articles", user=KM, params=q).numbers() == [second, first]
    # no vote on an article never published, nothing written
    draft = article_in(client, "approved", **same)
    with nothing_changed(database):
        assert_error(vote(client, draft, "true", "alice"), 404, "not-found")
        assert_error(vote(client, draft, "true", KM), 409, "not-published")
    # readers vote, nobody writes the count: not a field of the article's document
    with nothing_changed(database):
        edit(client, second, expect=400, netVotes="100")
        r = client.post("/articles", article_xml("Article " + t, netVotes="100"), user=KM)
        assert r.status == 400, r
    assert "netVotes" not in client.get("/articles/" + second, user=KM).text
    # a retired article's row leaves the lists of open tickets with it
    act(client, second, "retire")
    run = sql_runner(database, database.params, "itsm")
    assert run("SELECT f.value || ' ' || CAST(f.is_open AS TEXT) FROM itsm_field_index f "
               "JOIN itsm_ticket t ON t.id = f.ticket_id WHERE t.number = '%s' AND "
               "f.name = 'netVotes'" % second) == ["3 0"]


def test_a_query_longer_than_a_gap_is_not_counted(client):
    """A gap is drafted into an article's <gap> (200 characters) and names its article through
    the field index (200 bytes): a query that finds nothing and is longer (here 201 bytes
    normalised, 200 characters) is no gap, one of 200 bytes is, and is drafted."""
    t = tag().replace("-", "")
    fits = ("nothingfits%s " % t + "w" * 200)[:200]
    longer = fits[:199] + "\u00e9"          # 200 characters, 201 bytes
    for q in (fits, longer):
        r = client.get("/articles", user="alice", params={"q": q})
        assert r.status == 200 and r.numbers() == [], r
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    queries = [g.text for g in r.findall("i:gap")]
    assert fits in queries and longer not in queries
    r = client.post("/articles", article_xml("Answer to a long one", None, gap=fits), user=KM)
    assert r.status == 201 and r.findtext("i:gap") == fits, r
    assert [g.get("article") for g in gap_rows(client, fits)] == [r.findtext("i:number")]


def test_a_case_after_a_long_search_is_no_deflection_of_an_earlier_one(client, database):
    """A search longer than a gap may be that found articles is the person's last search all
    the same: a case raised after it counts no failed deflection, neither of it (it could never
    be drafted) nor of the shorter search before it. A gap row of such a length (counted by an
    older build) is not listed."""
    t = tag().replace("-", "")
    article_in(client, "published", audience="all", title="Meter reads %s" % t)
    short = "meter reads " + t
    longer = " ".join([short] * 10)          # found, as the short one, and 229 bytes
    for q in (short, longer):
        r = client.get("/articles", user="bob", params={"q": q})
        assert r.status == 200 and len(r.numbers()) == 1, (q, r)
    create(client, "cases", "bob", title="Meter reads still missing",
           description="The article did not help")
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert [g.text for g in r.findall("i:gap") if t in (g.text or "")] == [], r.text
    sql_runner(database, database.params, "itsm")(
        "INSERT INTO itsm_search_gap (kind, party, query, misses, deflections, first_seen, "
        "last_seen) VALUES ('article', 'BRMP', '%s', 3, 0, 1, 2)" % longer)   # letters alone
    r = client.get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert [g.text for g in r.findall("i:gap") if t in (g.text or "")] == [], r.text
