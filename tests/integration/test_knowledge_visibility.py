# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""No article leaks (the peers' most repeated knowledge-base bug): a matrix of audience x
state x person (party and role) x endpoint (read, list, search, links, versions, feed), each
answer checked against one rule: a reader sees an article only when a version of it is
published and current, and its audience (or its party, or a role that sees every party)
admits them; what they may not see is 404 exactly as a number that does not exist.

The sample directory: alice and carol of ALPE (Supplier), bob of BRMP (Supplier), prov1 of
ESGS (Supplier Agent; acts for ALPE), agent1 and im1 of ELEX (service desk: see every party),
res2 of ELEX (resolver: sees every party); km1 and author1 are the editors (ELEX)."""
import pytest

from lxml import etree

from conftest import NSMAP, Client
from incident_util import create, feed, tag
from knowledge_util import AUTHOR, KM, act, article_in, create_article, edit
from portal_util import Browser, text

AUDIENCES = {
    "all": "all",
    "internal": None,                       # the default
    "alpe": "party:ALPE",
    "agents": "market-role:Supplier-Agent",
    "resolvers": "role:resolver",
}
STATES = ["draft", "in-review", "approved", "published", "retired", "revised"]
# who reads what of a published article, by audience (the editors read every working copy)
SEES = {
    "alice": {"all", "alpe"},
    "carol": {"all", "alpe"},
    "bob": {"all"},
    "prov1": {"all", "alpe", "agents"},
    "agent1": set(AUDIENCES),               # sees every party (and ELEX is the owner)
    "im1": set(AUDIENCES),
    "res2": set(AUDIENCES),
}
READERS = sorted(SEES)


def visible(user, audience, state):
    return state in ("published", "revised") and audience in SEES[user]


@pytest.fixture(scope="module")
def matrix(httpd):
    """One article per audience and state, all titled with one shared word."""
    client = Client(httpd)
    word = "zq" + tag()
    out = {}
    for a, value in AUDIENCES.items():
        for state in STATES:
            title = "%s %s %s" % (word, a, state)
            n = article_in(client, "published" if state == "revised" else state,
                           title=title, audience=value, body="<p>%s body</p>" % word)
            if state == "revised":
                act(client, n, "revise", user=AUTHOR)
                edit(client, n, user=AUTHOR, title=title + " draft", audience=value,
                     body="<p>unpublished words %s</p>" % word)
            out[(a, state)] = n
    return word, out


def not_found_like_a_missing_number(client, user, path):
    """path answers 404 with the very document a number that does not exist answers."""
    r = client.get(path, user=user)
    missing = client.get(path.replace(path.split("/")[2], "KB9999999"), user=user)
    assert r.status == 404, (user, path, r)
    assert (r.findtext("i:code"), r.findtext("i:message")) == \
        (missing.findtext("i:code"), missing.findtext("i:message")), (r, missing)


@pytest.mark.parametrize("user", READERS)
def test_read_and_versions(client, matrix, user):
    word, numbers = matrix
    for (a, state), n in numbers.items():
        for path in ("/articles/" + n, "/articles/%s/versions" % n,
                     "/articles/%s/versions/1" % n, "/articles/%s/links" % n):
            if visible(user, a, state):
                r = client.get(path, user=user)
                assert r.status == 200, (user, a, state, path, r)
                assert "unpublished" not in r.text and " draft</" not in r.text, r
            else:
                not_found_like_a_missing_number(client, user, path)


@pytest.mark.parametrize("user", READERS)
def test_list_and_search(client, matrix, user):
    word, numbers = matrix
    expect = sorted(n for (a, state), n in numbers.items() if visible(user, a, state))
    r = client.get("/articles", user=user, params={"limit": 500})
    assert r.status == 200
    listed = [n for n in r.numbers() if n in numbers.values()]
    assert sorted(listed) == expect, user
    assert "unpublished" not in r.text
    r = client.get("/articles", user=user, params={"q": word, "limit": 100})
    assert r.status == 200, r
    assert sorted(r.numbers()) == expect, user
    # the words of an unpublished draft find nothing for a reader
    r = client.get("/articles", user=user, params={"q": "unpublished " + word})
    assert r.status == 200 and r.numbers() == [], (user, r)


def test_editors_see_every_working_copy(client, matrix):
    word, numbers = matrix
    for user in (KM, AUTHOR):
        for (a, state), n in numbers.items():
            r = client.get("/articles/" + n, user=user)
            assert r.status == 200, (user, a, state)
            if state == "revised":
                assert r.findtext("i:state") == "draft"


def test_links_show_an_article_only_to_those_who_may_read_it(client, matrix):
    """A case of alice's related to articles: its links list only those alice may read, and
    a link's number in its journal reads "(not visible)" otherwise."""
    word, numbers = matrix
    case = create(client, "cases", "alice", title="Where is the guide?",
                  description="I cannot find it").ticket()["number"]
    for (a, state), n in numbers.items():
        etag = client.get("/articles/" + n, user=KM).etag
        r = client.post("/articles/%s/links" % n,
                        ('<link xmlns="urn:mod-itsm:xml:1"><type>relates-to</type>'
                         '<target>%s</target></link>' % case).encode(),
                        user=KM, headers={"If-Match": etag})
        assert r.status in (200, 201), r
    for user in ("alice", "agent1", "res2"):
        r = client.get("/cases/%s/links" % case, user=user)
        assert r.status == 200, r
        shown = {n for n in numbers.values() if n in r.text}
        assert shown == {n for (a, s), n in numbers.items() if visible(user, a, s)}, user
        j = client.get("/cases/%s/journal" % case, user=user)
        if j.status == 200:     # the case's journal names only the articles they may read
            shown = {n for n in numbers.values() if n in j.text}
            assert shown <= {n for (a, s), n in numbers.items() if visible(user, a, s)}, user
    assert client.get("/cases/%s/links" % case, user="bob").status == 404


@pytest.mark.parametrize("user", ["alice", "bob", "prov1"])
def test_the_feed_names_no_article_a_reader_may_not_see(client, matrix, user):
    """Readers follow no article (its raiser and the knowledge managers do); the links made
    to alice's case above reach her feed without naming the articles."""
    word, numbers = matrix
    root, entries = feed(client, user)
    text = etree.tostring(root, encoding="unicode")
    for (a, state), n in numbers.items():
        if not visible(user, a, state):
            assert n not in text, (user, a, state)
    assert "unpublished" not in text


@pytest.mark.parametrize("user", READERS)
def test_readers_never_learn_whom_an_article_is_for(client, matrix, user):
    """<audience> and <readers> (ITSM_FIELD_EDITORS_ONLY) are its editors' only: a reader of
    party A would otherwise learn which other parties an article is for."""
    word, numbers = matrix
    shared = article_in(client, "published", title="%s shared %s" % (word, user),
                        audience="party:ALPE party:BRMP party:ESGS market-role:Supplier",
                        body="<p>%s for some parties</p>" % word)
    paths = ["/articles/%s" % n for (a, s), n in numbers.items() if visible(user, a, s)]
    paths += ["/articles/%s/versions/1" % n for (a, s), n in numbers.items()
              if visible(user, a, s) and s == "published"]
    answers = [client.get(p, user=user) for p in paths]
    answers.append(client.get("/articles", user=user, params={"limit": 500}))
    answers.append(client.get("/articles", user=user, params={"q": word, "limit": 100}))
    if user != "bob":
        answers.append(client.get("/articles/" + shared, user=user))
    for r in answers:
        assert r.status == 200, (user, r)
        for leak in ("<audience", "<readers", "party:", "market-role:", "role:"):
            assert leak not in r.text, (user, leak, r)
    assert {"all", "alpe", "agents"} & {a for (a, s), n in numbers.items()
                                        if visible(user, a, s)}
    root, entries = feed(client, user)
    text = etree.tostring(root, encoding="unicode")
    assert "audience" not in text and "readers" not in text and "party:BRMP" not in text
    # a reader cannot filter on them either (as on a field that does not exist)
    r = client.get("/articles", user=user, params={"audience": "party:BRMP"})
    assert r.status == 400 and r.findtext("i:code") == "bad-query", r
    # the editors see both
    for editor in (KM, AUTHOR):
        r = client.get("/articles/" + shared, user=editor)
        assert r.findtext("i:audience") == "party:ALPE party:BRMP party:ESGS market-role:Supplier"
        assert r.findtext("i:readers")


# what an editor sets on the working copy beside its content: none of it is in a version
WORKFLOW = ("priority", "assignee", "group")


def test_readers_see_no_workflow_value_of_the_working_copy(httpd, client):
    """A published version holds the title, state and fields; the priority, assignee and
    group are the working copy's (who writes the next version, and when). While a revised
    article is a draft with other values, a reader's read, list, search and page show none of
    them, neither the draft's nor the published version's: a version does not hold them."""
    word = "zw" + tag()
    title = "%s published" % word
    published_values = {"priority": "P3", "assignee": AUTHOR, "group": "DIP Monitoring Team"}
    draft_values = {"priority": "P1", "assignee": KM, "group": "Electralink Team"}
    n = article_in(client, "published", title=title, audience="all",
                   body="<p>%s body</p>" % word, **published_values)
    act(client, n, "revise", user=AUTHOR)
    edit(client, n, user=AUTHOR, title=title, audience="all", body="<p>%s body</p>" % word,
         **draft_values)
    working = client.get("/articles/" + n, user=KM).ticket()
    assert {k: working.get(k) for k in WORKFLOW} == draft_values, working
    assert working["state"] == "draft"

    read = client.get("/articles/" + n, user="alice")
    version = client.get("/articles/%s/versions/1" % n, user="alice")
    listed = client.get("/articles", user="alice", params={"limit": 500})
    found = client.get("/articles", user="alice", params={"q": word})
    for r in (read, version, listed, found):
        assert r.status == 200, r
    items = [e for e in listed.findall("i:article") if e.findtext("i:number", None, NSMAP) == n]
    items += found.findall("i:article")
    assert len(items) == 2, (listed, found)
    docs = {"read": read.doc, "version": version.doc, "list": items[0], "search": items[1]}
    for doc in docs.values():
        assert doc.findtext("i:state", None, NSMAP) == "published"
        assert doc.findtext("i:publishedVersion", None, NSMAP) == "1"
    shown = {(what, name): doc.findtext("i:" + name, None, NSMAP)
             for what, doc in docs.items() for name in WORKFLOW}
    assert {k: v for k, v in shown.items() if v is not None} == {}
    # the editors' version 1 is the version, as the reader's is
    mine = client.get("/articles/%s/versions/1" % n, user=KM)
    assert not set(WORKFLOW) & set(mine.ticket()), mine

    alice = Browser(httpd)
    alice.login("alice")
    for path in ("/itsm/articles/" + n, "/itsm/articles?q=" + word):  # (others' titles: no list)
        page = alice.page(path).text
        assert n in page, path
        for value in list(draft_values.values()) + list(published_values.values()):
            assert value not in text(page), (path, value)
