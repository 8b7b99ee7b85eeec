# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Known errors to the knowledge base, on a server with both the problem and the knowledge
processes (shipped role table): publish-workaround creates a draft article from the problem
(title, the workaround as XHTML, the service) in the problem's transaction, linked both ways;
the open incidents caused by the problem hear of the workaround; incidents linked after the
publication count as recurrences; a second publication is refused."""
import pytest

from conftest import (NS, PASSWORD, Client, as_read, assert_error, fresh_server,
                      itsm_directives, sql_runner, staged)
from incident_util import feed_for, new_incident, tag
from knowledge_util import article_in, article_xml
from problem_util import (PATH, act, get, journal_entries, link, new_problem, number, refused,
                          shown, walk)

WORKAROUND = PATH[1][2]["workaround"]


@pytest.fixture(autouse=True, scope="module")
def schema_ready(kpclient):
    kpclient.get("/problems", user="agent1")


def links(client, coll, n, user="km1"):
    r = client.get("/%s/%s/links" % (coll, n), user=user)
    assert r.status == 200, r
    return [(l.get("type"), l.get("direction"), l.get("number"), l.get("kind"))
            for l in r.findall("i:link")]


def test_publish_workaround_creates_the_article_linked_both_ways(kpclient):
    p = number(new_problem(kpclient, title="DIP rejects large files", service="DIP"))
    # raised by im1: their feed hears of the workaround
    open_i = number(new_incident(kpclient, user="im1", title="File rejected"))
    closed_i = number(new_incident(kpclient, user="im1", title="File rejected, closed"))
    for i in (open_i, closed_i):
        assert link(kpclient, "incidents", i, "caused-by", p).status == 201
    for action, fields in (("resolve", {"resolution": "Re-sent"}), ("close", {})):
        act(kpclient, "incidents", closed_i, action, user="agent1", **fields)
    n_closed = len(journal_entries(kpclient, "incidents", closed_i))
    walk(kpclient, p, "root-cause-identified")
    r = act(kpclient, "problems", p, "publish-workaround", user="pm1")
    t = r.ticket()
    assert t["state"] == "root-cause-identified" and t["workaroundPublished"], t
    out = [l for l in links(kpclient, "problems", p) if l[0] == "documented-in"]
    assert len(out) == 1 and out[0][1] == "out" and out[0][3] == "article", out
    kb = out[0][2]
    assert kb.startswith("KB")
    # the article: a draft for the knowledge manager, from the problem's texts
    a = kpclient.get("/articles/%s" % kb, user="km1")
    assert a.status == 200, a
    at = a.ticket()
    assert at["title"] == "Workaround: DIP rejects large files"
    assert (at["state"], at["createdBy"], at["party"]) == ("draft", "pm1", "ELEX")
    assert at["services"] == "DIP" and p in at["keywords"]
    body = a.find("i:body")
    assert [e.tag for e in body] == ["{%s}p" % NS] and body[0].text == WORKAROUND
    # linked both ways: the article's links name the problem
    assert ("documented-in", "in", p, "problem") in links(kpclient, "articles", kb)
    # one change, the problem's entry; the link journaled on both ends as a link posted
    # through the API is, at the same time by the same actor, each naming the other end
    action, linked = journal_entries(kpclient, "problems", p)[-2:]
    assert action[0] == "publish-workaround" and "workaroundPublished" in action[3]
    assert "link:documented-in" not in action[3]
    assert (linked[0], linked[2], linked[3]) == \
        ("link", "pm1", {"link:documented-in": (None, kb)}), linked
    created, back = journal_entries(kpclient, "articles", kb)
    assert created[0] == "create" and created[2] == "pm1"
    assert (back[0], back[2], back[3]) == ("link", "pm1", {"link:documented-in": (None, p)})
    assert action[1] == linked[1] == created[1] == back[1]
    # the problem's version moved once: its entry and the link's are one change
    assert r.etag == get(kpclient, "problems", p).etag
    assert get(kpclient, "articles", kb, user="km1").etag == '"1"'
    # the open incident hears of the workaround; the closed one does not
    note = journal_entries(kpclient, "incidents", open_i)[-1]
    assert (note[0], note[2]) == ("linked-note", "pm1")
    assert len(journal_entries(kpclient, "incidents", closed_i)) == n_closed
    assert any("workaround published" in (e["summary"] or "")
               for e in feed_for(kpclient, "im1", open_i))
    # and shows it
    got = shown(get(kpclient, "incidents", open_i, user="agent1"))
    assert got[0][1] == p and got[0][3]["workaround"] == WORKAROUND


# The database refuses the article's row (and only it): a trigger on itsm_ticket
REFUSE_ARTICLE = {
    "sqlite3": ("CREATE TRIGGER itsm_test_refuse_article BEFORE INSERT ON itsm_ticket "
                "WHEN NEW.kind = 'article' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
                "DROP TRIGGER itsm_test_refuse_article;"),
    "pgsql": ("CREATE FUNCTION itsm_test_refuse_article() RETURNS trigger LANGUAGE plpgsql AS "
              "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$; "
              "CREATE TRIGGER itsm_test_refuse_article BEFORE INSERT ON itsm_ticket "
              "FOR EACH ROW WHEN (NEW.kind = 'article') "
              "EXECUTE FUNCTION itsm_test_refuse_article();",
              "DROP TRIGGER itsm_test_refuse_article ON itsm_ticket;"),
}


def test_a_refused_article_leaves_the_problem_unchanged(env, slapd, database, make_httpd,
                                                        expect_log):
    """publish-workaround writes the problem, the note to its incidents, the article and the
    link in one transaction: when the database refuses the article's row, which is written
    after the problem's, the action answers 503 and nothing of it stays; once the refusal is
    lifted the same action goes through. Were the problem written in a transaction of its
    own, the failed action would leave it published without an article."""
    itsm = dict(itsm_directives(env), ITSMAuthzFile=staged("conf/itsm-authz.xml"))
    h = fresh_server(env, database, "publish-refused", itsm=itsm, make=make_httpd,
                     processes=("problem",))
    c = Client(h)
    run = sql_runner(database, h.dbd_params, h.db_name)
    articles = "SELECT COUNT(*) FROM itsm_ticket WHERE kind = 'article'"
    p = number(new_problem(c, title="DIP rejects large files", service="DIP"))
    i = number(new_incident(c, user="im1", title="File rejected"))
    assert link(c, "incidents", i, "caused-by", p).status == 201
    walk(c, p, "workaround-in-place")
    refuse, allow = REFUSE_ARTICLE[database.driver]
    database.execute(refuse, h.dbd_params)

    def state():
        """What the action would change, as the API shows it."""
        r = get(c, "problems", p)
        return (r.etag, as_read(r.text), links(c, "problems", p), journal_entries(c, "problems", p),
                journal_entries(c, "incidents", i), feed_for(c, "im1", i))

    before = state()
    rows = database.snapshot(h.dbd_params)
    expect_log(r"ITSM00133: store: update: .*refused by the test")
    r = c.post("/problems/%s/actions/publish-workaround" % p, None, user="pm1",
               headers={"If-Match": before[0]})
    assert_error(r, 503, "store-unavailable")
    assert state() == before
    assert "workaroundPublished" not in get(c, "problems", p).ticket()
    assert run(articles) == ["0"]
    after = database.snapshot(h.dbd_params)
    # PostgreSQL's sequences are not transactional: the rolled-back rows (the article, the
    # journal entries, the outbox) took their ids all the same
    rows.pop("(sequences)", None)
    after.pop("(sequences)", None)
    assert after == rows

    database.execute(allow, h.dbd_params)
    t = act(c, "problems", p, "publish-workaround", user="pm1").ticket()
    assert t["workaroundPublished"], t
    [kb] = [l[2] for l in links(c, "problems", p) if l[0] == "documented-in"]
    assert run(articles) == ["1"]
    assert [e[0] for e in journal_entries(c, "problems", p)[-2:]] == \
        ["publish-workaround", "link"]
    assert [e[0] for e in journal_entries(c, "articles", kb)] == ["create", "link"]
    assert journal_entries(c, "incidents", i)[-1][0] == "linked-note"
    assert any("workaround published" in (e["summary"] or "") for e in feed_for(c, "im1", i))
    assert get(c, "articles", kb, user="km1").ticket()["state"] == "draft"


def test_the_raiser_of_an_article_they_read_as_published_hears_no_draft(kpclient):
    """pm1 raises the workaround's article but may not edit articles: they read them as
    published. An author's later draft (title, body) must not reach pm1's feed, whose entries
    of the article then say only its number, the action and who did it."""
    p = number(new_problem(kpclient, title="Feed probe " + tag(), service="DIP"))
    walk(kpclient, p, "workaround-in-place")
    act(kpclient, "problems", p, "publish-workaround", user="pm1")
    kb = [l for l in links(kpclient, "problems", p) if l[0] == "documented-in"][0][2]
    for action in ("submit", "approve", "publish", "revise"):
        etag = kpclient.get("/articles/" + kb, user="km1").etag
        r = kpclient.post("/articles/%s/actions/%s" % (kb, action), None,
                          user="author1" if action == "revise" else "km1",
                          headers={"If-Match": etag})
        assert r.status == 200, (action, r)
    secret = "secretdraft" + tag()
    etag = kpclient.get("/articles/" + kb, user="km1").etag
    r = kpclient.patch("/articles/" + kb, article_xml("Title " + secret, "<p>%s</p>" % secret),
                       user="author1", headers={"If-Match": etag})
    assert r.status == 200, r
    entries = feed_for(kpclient, "pm1", kb)
    assert entries, "pm1 follows the article they raised"
    assert not [e for e in entries if secret in repr(e)], entries
    assert secret not in kpclient.get("/articles/" + kb, user="pm1").text
    # an editor's feed (km1 follows nothing here) is not the point; the author reads it whole
    assert secret in kpclient.get("/articles/" + kb, user="km1").text


def test_a_draft_articles_number_is_not_in_the_journal_of_those_who_read_it_as_published(
        kpclient):
    """An article linked to a problem by hand (itsm-admin) while still a draft: the desk
    (which sees every party's problems, and reads articles as published) reads the problem's
    journal without its number, as its links and a read of it do not show it either."""
    p = number(new_problem(kpclient))
    r = kpclient.post("/articles", article_xml("Draft " + tag(), "<p>draft</p>"), user="km1")
    assert r.status == 201, r
    kb = r.ticket()["number"]
    assert link(kpclient, "problems", p, "documented-in", kb, user="admin1").status == 201
    assert kb in kpclient.get("/problems/%s/journal" % p, user="admin1").text
    assert kpclient.get("/articles/" + kb, user="agent1").status == 404
    j = kpclient.get("/problems/%s/journal" % p, user="agent1")
    assert j.status == 200 and kb not in j.text and "(not visible)" in j.text, j
    # once published, it is shown
    for action in ("submit", "approve", "publish"):
        etag = kpclient.get("/articles/" + kb, user="km1").etag
        assert kpclient.post("/articles/%s/actions/%s" % (kb, action), None, user="km1",
                             headers={"If-Match": etag}).status == 200
    assert kb in kpclient.get("/problems/%s/journal" % p, user="agent1").text


def test_incidents_linked_after_publication_are_recurrences(kpclient):
    p = number(new_problem(kpclient))
    before = number(new_incident(kpclient))
    assert link(kpclient, "incidents", before, "caused-by", p).status == 201
    walk(kpclient, p, "workaround-in-place")
    act(kpclient, "problems", p, "publish-workaround", user="pm1")
    t = get(kpclient, "problems", p).ticket()
    assert (t["incidentCount"], t["recurrences"]) == ("1", "0")
    for k in range(2):
        i = number(new_incident(kpclient, title="Again %d" % k))
        if k == 0:
            assert link(kpclient, "incidents", i, "caused-by", p).status == 201
        else:
            assert link(kpclient, "problems", p, "caused-by", i, user="pm1").status == 201
    t = get(kpclient, "problems", p).ticket()
    assert (t["incidentCount"], t["recurrences"]) == ("3", "2")
    # an incident unlinked and linked again, from either end, is one recurrence still (an
    # exploratory tester counted three for one incident)
    for user, coll, n, target in (("agent1", "incidents", i, p), ("pm1", "problems", p, i)):
        r = kpclient.delete("/incidents/%s/links/caused-by/%s" % (i, p), user="agent1",
                            headers={"If-Match": get(kpclient, "incidents", i).etag})
        assert r.status == 204, r
        assert link(kpclient, coll, n, "caused-by", target, user=user).status == 201
    t = get(kpclient, "problems", p).ticket()
    assert (t["incidentCount"], t["recurrences"]) == ("3", "2")
    for what in ("", "/journal"):       # the process's own record is not shown
        r = kpclient.get("/problems/%s%s" % (p, what), user="pm1")
        assert r.status == 200 and "problem.recurred" not in r.text, r
    assert i in r.text                  # the journal names the links


def test_second_publication_is_refused(kpclient, database):
    p = number(new_problem(kpclient))
    walk(kpclient, p, "workaround-in-place")
    act(kpclient, "problems", p, "publish-workaround", user="pm1")
    refused(kpclient, database, p, "publish-workaround", 409, "already-published")


def test_publication_is_refused_where_an_article_is_linked_by_hand(kpclient, database):
    """A manager may link an article that documents the problem (documented-in); the
    workaround is then published there: publish-workaround says so, and writes nothing."""
    kb = article_in(kpclient, "published")
    p = number(new_problem(kpclient))
    walk(kpclient, p, "workaround-in-place")
    assert link(kpclient, "problems", p, "documented-in", kb, user="pm1").status == 201
    r = refused(kpclient, database, p, "publish-workaround", 409, "already-published")
    assert r.findtext("i:message") == "%s is documented in an article already (its " \
        "documented-in link): revise that article, or remove the link to publish the " \
        "workaround as a new one" % p, r.text


def test_publication_needs_a_workaround(kpclient, database):
    p = number(new_problem(kpclient))
    walk(kpclient, p, "under-investigation")
    refused(kpclient, database, p, "publish-workaround", 409, "no-workaround")


def test_publication_is_the_problem_managers(kpclient, database):
    # the desk may log problems, not enter workarounds into knowledge management (LLSD 8.6)
    p = number(new_problem(kpclient))
    walk(kpclient, p, "workaround-in-place")
    refused(kpclient, database, p, "publish-workaround", 403, "forbidden", user="agent1")


def test_a_workaround_cut_on_a_character_leaves_the_incidents_journal_well_formed(kpclient):
    """The workaround told to the open incidents is clipped to 400 characters on a
    character's boundary: 399 ASCII bytes then five two-byte characters (cut at 400 bytes,
    the first was split and the incident's journal was no XML any more, its page a 500)."""
    p = number(new_problem(kpclient, title="Workaround cut on a character"))
    i = number(new_incident(kpclient, title="Told of a long workaround"))
    assert link(kpclient, "incidents", i, "caused-by", p).status == 201
    act(kpclient, "problems", p, "investigate", user="pm1")
    workaround = "a" * 399 + "\u00e9" * 5
    act(kpclient, "problems", p, "record-workaround", user="pm1", workaround=workaround)
    act(kpclient, "problems", p, "publish-workaround", user="pm1")
    r = kpclient.get("/incidents/%s/journal" % i, user="agent1")   # parsed: well-formed
    assert r.status == 200, r
    notes = [e.findtext("i:note", namespaces={"i": NS}) or "" for e in r.findall("i:entry")
             if e.get("action") == "linked-note"]
    assert len(notes) == 1, notes
    assert notes[0].endswith("a" * 10 + "...") and "\ufffd" not in notes[0], notes[0][-40:]
    page = kpclient.session.get(kpclient.url("/incidents/%s/journal" % i), timeout=60,
                                auth=("agent1", PASSWORD), headers={"Accept": "text/html"})
    assert page.status_code == 200 and "a" * 10 + "..." in page.text, page.text[:500]


def test_a_long_problem_titles_article_title_is_clipped_to_the_schemas_limit(kpclient):
    """"Workaround: " and a title of 200 characters (two-byte ones among them) make a title
    clipped to the schema's maxLength (200 characters, "..." included), on a character."""
    title = "\u00e9" * 100 + "x" * 100
    p = number(new_problem(kpclient, title=title))
    walk(kpclient, p, "workaround-in-place")
    act(kpclient, "problems", p, "publish-workaround", user="pm1")
    kb = [l[2] for l in links(kpclient, "problems", p) if l[0] == "documented-in"][0]
    a = kpclient.get("/articles/%s" % kb, user="km1")     # validated against the schema
    assert a.status == 200, a
    at = a.ticket()["title"]
    assert len(at) == 200 and at.endswith("...") and "\ufffd" not in at, at
    assert at == ("Workaround: " + title)[:197] + "..."


def test_a_problem_manager_creates_the_article_of_a_known_error_and_no_other(kpclient,
                                                                             database):
    """The shipped role table grants problem managers the article's create through
    publish-workaround alone: a draft article of their own is 403 with nothing written; the
    known error's article is written as before."""
    with_nothing = database.snapshot()
    r = kpclient.post("/articles", article_xml("A draft of my own", "<p>Text.</p>",
                                               audience="all"), user="pm1")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == with_nothing
    p = number(new_problem(kpclient, title="Known error %s" % tag(), service="DIP"))
    walk(kpclient, p, "workaround-in-place")
    t = act(kpclient, "problems", p, "publish-workaround", user="pm1").ticket()
    assert t["workaroundPublished"], t
    assert [l for l in links(kpclient, "problems", p) if l[0] == "documented-in"]
