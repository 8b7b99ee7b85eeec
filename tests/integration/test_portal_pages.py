# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The portal: one set of URLs, two representations; login through Apache; pages of cases."""
from lxml import etree

from conftest import NS, create_ticket
from incident_util import GROUP, act, case_in, tag
from knowledge_util import act as article_act, article_in, edit
from portal_util import Browser, form_of, forms, raise_form, text


def new_case(client, user="alice", title="Meter reads missing", **fields):
    body = "<case xmlns='%s'><title>%s</title><description>Since Monday</description>%s</case>" % (
        NS, title, "".join("<%s>%s</%s>" % (k, v, k) for k, v in fields.items()))
    r = client.post("/cases", body, user=user)
    assert r.status == 201, r.text
    return r.findtext("i:number")


def test_browser_is_sent_to_login_and_back(httpd):
    b = Browser(httpd)
    r = b.get("/itsm/cases?open=true")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/itsm-login/itsm/cases?open=true")
    r = b.login("alice", back="/itsm/cases?open=true")
    assert r.headers["Location"] == "/itsm/cases?open=true"
    page = b.page("/itsm/cases?open=true")
    assert "My party&#39;s cases" in page.text or "My party's cases" in page.text
    assert "Alice" in page.text


def test_xml_clients_answer_as_before(httpd, client):
    number = new_case(client)
    basic = client.get("/cases/" + number, user="alice")
    assert basic.status == 200 and basic.r.headers["Content-Type"] == "application/xml"
    # a browser's Accept with Basic credentials and an explicit XML Accept: the same XML
    xml = client.get("/cases/" + number, user="alice", headers={"Accept": "application/xml"})
    assert xml.r.content == basic.r.content
    # without credentials and without HTML in Accept: Basic's 401, not the login page
    r = client.get("/cases/" + number, user=None)
    assert r.status == 401 and "Basic" in r.r.headers.get("WWW-Authenticate", "")


def test_case_page_shows_the_document(httpd, client):
    number = new_case(client, marketParticipantId="MPID1")
    b = Browser(httpd)
    b.login("alice")
    page = b.page("/itsm/cases/" + number).text
    words = text(page)
    assert number in words and "Meter reads missing" in words
    assert "Market Participant ID" in words and "MPID1" in words
    assert "History" in words and "alice raised it" in words
    assert "The service desk will look at it" in words
    # the participant may not triage: no such button
    assert not [f for f in forms(page) if f["action"].endswith("/actions/triage")]


def test_a_case_closed_with_guidance_links_its_article(httpd, client):
    """A case closed with a knowledge article names it as a link to the article's page with
    its title, to its raiser and to the desk: the title the reader may read (alice the
    published version's, not a revision's draft). An article alice may not open (retired) is
    its number as text: no link, no title."""
    def closed_with(title):
        kb = article_in(client, "published", audience="party:ALPE", title=title)
        n = case_in(client, "in-triage")                # raised by alice (ALPE)
        act(client, "cases", n, "close", article=kb)
        return kb, n

    title = "Renewing the DIP certificate " + tag()
    kb, n = closed_with(title)
    article_act(client, kb, "revise")
    edit(client, kb, title="Draft of the next version " + tag())
    link = '<dt>Knowledge article</dt><dd><a href="/itsm/articles/%s">%s</a>: %s</dd>'
    for user in ("alice", "agent1"):
        b = Browser(httpd)
        b.login(user)
        page = b.page("/itsm/cases/" + n).text
        assert link % (kb, kb, title) in page, (user, text(page))
        assert b.get("/itsm/articles/" + kb).status_code == 200, user
    title = "Registering a DIP domain " + tag()
    kb, n = closed_with(title)
    article_act(client, kb, "retire")
    alice = Browser(httpd)
    alice.login("alice")
    assert alice.get("/itsm/articles/" + kb).status_code == 404
    page = alice.page("/itsm/cases/" + n).text
    assert "<dt>Knowledge article</dt><dd>%s</dd>" % kb in page
    assert 'href="/itsm/articles/%s"' % kb not in page and title not in page


def test_agent_sees_the_actions_of_the_state(httpd, client):
    number = new_case(client)
    b = Browser(httpd)
    b.login("agent1")
    page = b.page("/itsm/cases/" + number).text
    actions = sorted(f["action"].rsplit("/", 1)[1] for f in forms(page)
                     if "/actions/" in (f["action"] or ""))
    # from "new" the desk may triage, ask for information or close; not route (from
    # in-triage), provide-info (awaiting-info) nor reopen (closed)
    assert actions == ["close", "request-info", "triage"]


def test_raise_a_case_through_the_form(httpd, client):
    b = Browser(httpd)
    b.login("alice")
    f, page = raise_form(b, title="Settlement file late")
    data = dict(f["inputs"], title="Settlement file late", description="Not received at 06:00",
                marketRole="Supplier")
    r = b.post(f["action"], data)
    assert r.status_code == 303
    number = r.headers["Location"].rsplit("/", 1)[1]
    doc = client.get("/cases/" + number, user="alice")
    assert doc.findtext("i:title") == "Settlement file late"
    assert doc.findtext("i:marketRole") == "Supplier"
    assert doc.findtext("i:createdBy") == "alice"


def test_navigation_in_the_order_of_the_processes_names(httpd):
    """The navigation lists the processes in order of their names (incident, knowledge,
    problem, test), each one's collections in the order it declares them: httpd lists the
    registered processes from a hash whose order changed from one start to the next, and
    people saw their menu reordered after a restart."""
    import re

    def nav():
        b = Browser(httpd)
        b.login("agent1")
        html = b.page("/itsm/").text
        block = html[html.index('<nav class="site-nav"'):]
        block = block[:block.index("</nav>")]
        return re.findall(r'href="/itsm/([a-z-]+)\?', block)

    first = nav()
    process_of = {"cases": "incident", "incidents": "incident", "articles": "knowledge",
                  "glossary": "knowledge", "problems": "problem", "tests": "test",
                  "probes": "test"}
    known = [process_of[c] for c in first if c in process_of]
    assert known == sorted(known) and {"incident", "knowledge", "test"} <= set(known)
    # within a process, the order its kinds are declared in
    assert first.index("cases") < first.index("incidents")
    assert first.index("tests") < first.index("probes")


def test_head_of_a_page_answers_get_headers_without_body(httpd, client):
    """A browser's HEAD of a page: GET's status, type, length and caching, no body; GET's
    Content-Length is the page's length (a page rendered, then the same from the cache)."""
    number = new_case(client, title="Head of a page")
    b = Browser(httpd)
    b.login("alice")
    for path in ("/itsm/cases/" + number, "/itsm/cases?open=true"):
        for _ in range(2):
            get = b.page(path)
            head = b.s.head(b.url(path), allow_redirects=False, timeout=60)
            assert head.status_code == 200 and head.content == b""
            assert int(get.headers["Content-Length"]) == len(get.content)
            for h in ("Content-Length", "Content-Type", "Cache-Control"):
                assert head.headers.get(h) == get.headers.get(h), (path, h)
            assert get.headers["Cache-Control"] == "private, no-cache"


def test_my_updates_link_each_entry_to_its_ticket(httpd, client):
    """The feed's links are absolute (http://host/itsm/cases/...): the page links each entry
    by its path (it linked only addresses starting /itsm, so none)."""
    number = new_case(client, title="Feed links " + tag())
    r = client.patch("/cases/" + number, "<case xmlns='%s'><title>Feed links, read</title>"
                     "</case>" % NS, user="agent1", headers={"If-Match": '"1"'})
    assert r.status == 200, r
    b = Browser(httpd)
    b.login("alice")
    page = b.page("/itsm/feeds/me").text
    assert 'href="/itsm/cases/%s"' % number in page, page[-3000:]


def test_the_sign_in_page_links_nowhere_it_does_not_know(httpd):
    """The sign-in page's header linked "/", nobody's page: it names the service without a
    link (it knows no portal address)."""
    b = Browser(httpd)
    page = b.get("/itsm-login").text
    assert 'href="/"' not in page and "ITSM service desk" in page


def test_route_and_close_forms_offer_the_guidance_article(httpd, client):
    """route (guidance, another desk) and close take an article and an external reference
    (docs/incident.md): their forms offer the inputs, and a case closed through the close
    form names its article (the forms had a note alone: an error summary linked
    #route-article, which was on no page)."""
    kb = article_in(client, "published", audience="party:ALPE", title="Guide " + tag())
    n = case_in(client, "in-triage")
    b = Browser(httpd)
    b.login("agent1")
    page = b.page("/itsm/cases/" + n).text
    route = form_of(page, "/actions/route")
    assert "article" in route["inputs"] and "externalReference" in route["inputs"], route
    close = form_of(page, "/actions/close")
    assert "article" in close["inputs"], close
    r = b.post(close["action"], dict(close["inputs"], article=kb))
    assert r.status_code == 303, r.text[-2000:]
    got = client.get("/cases/" + n, user="agent1")
    assert got.findtext("i:state") == "closed" and got.findtext("i:article") == kb, got


def test_a_routed_case_says_who_holds_it_as_its_next_step_does(httpd, client):
    """A case passed to another party's desk is held by that desk, on its page and in the
    list, and its next step names it (they said "The service desk" beside "Being worked on
    by the team it was passed to"); one routed to a group names the group; one routed as an
    incident is with the service desk, working on it as an incident."""
    b = Browser(httpd)
    b.login("alice")
    routes = {
        "external": (dict(route="external", externalDesk="DCC Service Desk", priority="P5"),
                     "DCC Service Desk (another party's service desk)",
                     "Passed to another party's service desk, DCC Service Desk"),
        "group": (dict(route="group", group=GROUP), GROUP, "Being worked on by " + GROUP),
        "incident": (dict(route="incident"), "The service desk",
                     "The service desk is working on it as an incident"),
    }
    for route, (body, holder, step) in routes.items():
        n = case_in(client, "in-triage", title="Routed %s %s" % (route, tag()))
        r = act(client, "cases", n, "route", **body)
        assert r.findtext("i:state") == "routed", r
        words = text(b.page("/itsm/cases/" + n).text)
        assert "Who holds it now " + holder in words, (route, words)
        assert "Next step " + step in words, (route, words)
        row = [line for line in b.page("/itsm/cases?sort=-updated").text.split("<tr>") if n in line][0]
        assert holder in text(row) and step in text(row), (route, row)
