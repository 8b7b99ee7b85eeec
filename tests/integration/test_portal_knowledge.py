# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The pages of the problem and knowledge processes (itsm-problem.xsl, itsm-knowledge.xsl):
each for the roles that have it, another party's or an invisible ticket 404 exactly like a
missing one, script in text escaped on each page kind, and forms that post the API's
actions (problem actions, links, votes, the article editor, a draft from a knowledge gap),
and the articles offered on the first submit of "raise a case"."""
import re
from xml.sax.saxutils import escape

from conftest import NS
from incident_util import act, bring_to, case_in, patch, tag
from knowledge_util import act as kact, create_article, create_term, edit
from portal_util import Browser, details_form_saves, form_of, forms, raise_form, text
from problem_util import GROUP, link, new_problem, walk

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert"


def published(client, title, body="<p>How to renew the <em>DIP</em> certificate.</p>",
              audience="all", **fields):
    n = create_article(client, title=title, body=body, audience=audience, **fields)
    for action in ("submit", "approve", "publish"):
        kact(client, n, action)
    return n


def browser(h, user):
    b = Browser(h)
    b.login(user)
    return b


def post_form(b, page, suffix, **values):
    f = form_of(page, suffix)
    return b.post(f["action"], dict(f["inputs"], **values))


def actions_of(page):
    return sorted(f["action"].rsplit("/", 1)[1] for f in forms(page)
                  if "/actions/" in (f["action"] or ""))


# ---------------------------------------------------------------------------- problems

def test_problem_pages_and_the_problem_managers_actions(kp_httpd, kpclient):
    n = new_problem(kpclient, title="DIP adapter drops large files " + tag()).ticket()["number"]
    inc = kpclient.post("/incidents", "<incident xmlns='%s'><title>Files dropped</title>"
                        "<impact>low</impact><urgency>low</urgency></incident>" % NS, user="agent1")
    assert inc.status == 201
    inumber = inc.findtext("i:number")
    pm = browser(kp_httpd, "pm1")
    home = pm.page("/itsm/").text
    assert "Known-error base" in home
    lst = text(pm.page("/itsm/problems?sort=-updated").text)
    assert n in lst and "Solution identified (KPI)" in lst and "Within target" in lst
    page = pm.page("/itsm/problems/" + n).text
    words = text(page)
    assert "Start the investigation" in words and "Service level" in words
    assert "Root cause Not started" in words    # the root-cause clock waits for the workaround
    assert actions_of(page) == ["cancel", "investigate"]
    r = post_form(pm, page, "/actions/investigate")
    assert r.status_code == 303 and r.headers["Location"].endswith("/problems/" + n)
    page = pm.page("/itsm/problems/" + n).text
    # the workaround: required; refused without it, then recorded
    r = post_form(pm, page, "/actions/record-workaround")
    assert r.status_code in (400, 422) and "There is a problem" in r.text
    # in the form's words, not the API's ("'record-workaround' needs <workaround> ...")
    assert "Enter the workaround" in r.text and "&lt;workaround&gt;" not in r.text, \
        text(r.text)[:3000]
    assert kpclient.get("/problems/" + n, user="pm1").findtext("i:state") == "under-investigation"
    r = post_form(pm, page, "/actions/record-workaround", workaround="Split files below 1 MiB")
    assert r.status_code == 303
    doc = kpclient.get("/problems/" + n, user="pm1")
    assert doc.findtext("i:state") == "workaround-in-place"
    assert doc.findtext("i:workaround") == "Split files below 1 MiB"
    # link an incident it caused, from the problem's page (POST .../links)
    page = pm.page("/itsm/problems/" + n).text
    r = post_form(pm, page, "/problems/%s/links" % n, target=inumber)
    assert r.status_code == 303, r.text
    page = pm.page("/itsm/problems/" + n).text
    words = text(page)
    assert "Incident caused by this problem" in words and inumber in words
    assert "Split files below 1 MiB" in words
    # the details form (its own page) leaves the workaround to its action
    assert "/problems/%s?edit=details" % n in page
    upd = form_of(pm.page("/itsm/problems/%s?edit=details" % n).text, "/problems/" + n)
    assert "workaround" not in upd["inputs"] and "level" in upd["inputs"]
    # the root cause makes it a known error: in the known-error base
    r = post_form(pm, page, "/actions/identify-root-cause", rootCause="A 1 MiB buffer")
    assert r.status_code == 303
    kedb = text(pm.page("/itsm/problems?knownError=true&sort=-updated").text)
    assert "Known-error base" in kedb and n in kedb and "Split files below 1 MiB" in kedb


def test_the_link_form_is_offered_to_those_who_may_link(kp_httpd, kpclient):
    """A problem's "Link an incident" form is offered to whoever may link it (the problem
    manager), not to its assignee, a resolver who may update it but not link it (the form
    would answer 403); neither page offers a "link" action of its own."""
    n = new_problem(kpclient, title="Linked by the manager " + tag(),
                    assignee="res1").ticket()["number"]
    for user, offered in (("pm1", True), ("res1", False)):
        page = browser(kp_httpd, user).page("/itsm/problems/" + n).text
        assert ('id="link-form"' in page) == offered, user
        assert "/actions/link" not in page and "Change the details" in text(page), user


def test_a_problem_is_given_its_priority_and_assignment_on_its_details_form(kp_httpd, kpclient):
    """A problem's details form offers what a plain update changes besides the statement's
    fields (docs/problem.md): the statement's priority (P1-P5, its hint saying the level sets
    the KPI targets) and the assignee and resolver group, which no action of a problem sets
    (an incident's come from its assign action, and its form offers none of them). Saved,
    they change the problem and its page; an input blanked clears its field; a login the
    directory does not know is refused beside its input, nothing saved. Logging a problem
    takes its priority too."""
    pm = browser(kp_httpd, "pm1")
    n = new_problem(kpclient, title="Assignment " + tag()).ticket()["number"]
    path = "/itsm/problems/" + n
    page = pm.page(path + "?edit=details").text
    f = form_of(page, path)
    assert {"priority", "assignee", "group", "level", "service"} <= set(f["inputs"])
    select = page[page.index('id="update-priority"'):]
    assert re.findall(r'<option value="([^"]*)"', select[:select.index("</select>")]) == \
        ["", "P1", "P2", "P3", "P4", "P5"]
    assert 'aria-describedby="update-priority-hint"' in page
    assert "The level sets the KPI targets" in page
    r = pm.post(f["action"], dict(f["inputs"], priority="P2", assignee="res1", group=GROUP))
    assert r.status_code == 303, text(r.text)[:2000]
    doc = kpclient.get("/problems/" + n, user="pm1")
    assert (doc.findtext("i:priority"), doc.findtext("i:assignee"), doc.findtext("i:group")) == \
        ("P2", "res1", GROUP)
    words = text(pm.page(path).text)
    assert "Who holds it now res1 (%s)" % GROUP in words and "Priority P2" in words
    # the form holds them now; the assignee blanked is cleared, the rest kept
    f = form_of(pm.page(path + "?edit=details").text, path)
    assert (f["inputs"]["priority"], f["inputs"]["assignee"], f["inputs"]["group"]) == \
        ("P2", "res1", GROUP)
    assert pm.post(f["action"], dict(f["inputs"], assignee="")).status_code == 303
    doc = kpclient.get("/problems/" + n, user="pm1")
    assert doc.find("i:assignee") is None and doc.findtext("i:group") == GROUP
    # someone the directory does not know: refused beside the input, the input kept
    f = form_of(pm.page(path + "?edit=details").text, path)
    r = pm.post(f["action"], dict(f["inputs"], assignee="nobody" + tag()))
    assert r.status_code == 422 and 'href="#update-assignee"' in r.text
    assert 'id="update-assignee-error"' in r.text and 'value="nobody' in r.text
    assert kpclient.get("/problems/" + n, user="pm1").find("i:assignee") is None
    # the level is one of four, chosen (it was typed: an exploratory tester's nit), on the
    # details form as when logging one
    select = page[page.index('id="update-level"'):]
    assert re.findall(r'<option value="([^"]*)"', select[:select.index("</select>")]) == \
        ["1", "2", "3", "4"]            # required: no "(none)" that would clear it
    # logging a problem: the statement's priority beside its urgency
    new = pm.page("/itsm/problems/new").text
    select = new[new.rindex("<select", 0, new.index('name="level"')):]
    assert re.findall(r'<option value="([^"]*)"', select[:select.index("</select>")]) == \
        ["", "1", "2", "3", "4"]
    assert 'required="required"' in select[:select.index(">")]     # none chosen yet
    f = form_of(new, "/itsm/problems")
    # a level outside 1-4 sent anyway: refused in the form's words
    r = pm.post(f["action"], dict(f["inputs"], title="Logged " + tag(), description="Seen",
                                  level="5"))
    assert r.status_code == 422 and "&lt;level&gt;" not in r.text, text(r.text)[:3000]
    assert re.search(r"Level[^<]* must be from 1 to 4", r.text), text(r.text)[:3000]
    r = pm.post(f["action"], dict(f["inputs"], title="Logged " + tag(), description="Seen",
                                  level="3", priority="P3"))
    assert r.status_code == 303, text(r.text)[:2000]
    logged = r.headers["Location"].rsplit("/", 1)[1]
    assert kpclient.get("/problems/" + logged, user="pm1").findtext("i:priority") == "P3"
    # an incident's form leaves them to its actions (triage, assign, route)
    agent = browser(kp_httpd, "agent1")
    inc = kpclient.post("/incidents", "<incident xmlns='%s'><title>Form %s</title><impact>low"
                        "</impact><urgency>low</urgency></incident>" % (NS, tag()), user="agent1")
    ipath = "/itsm/incidents/" + inc.findtext("i:number")
    f = form_of(agent.page(ipath + "?edit=details").text, ipath)
    assert not {"priority", "assignee", "group"} & set(f["inputs"])


# who opens the details form of what, and the fields it must show read-only, not as inputs:
# those the process refuses them to change (the problem's level and service are problem
# management's: agent1 and a resolver update a problem, pm1 categorises it; the priority,
# assignee and group of a problem are inputs for the three of them, an incident's for none)
DETAILS_FORMS = [
    ("agent1", "problem", {"level", "service"}),
    ("res1", "problem", {"level", "service"}),
    ("pm1", "problem", set()),
    ("agent1", "incident", set()),
    ("agent1", "case", set()),
    ("alice", "case", {"impact", "urgency"}),      # triage's (docs/incident.md)
    ("author1", "article", set()),
    ("km1", "article", set()),
]


def test_the_history_says_what_a_change_and_a_link_touched(kp_httpd, kpclient):
    """"pm1 linked it" and "pm1 changed it" said neither the incident nor the level (an
    exploratory tester's nit): the history names them, short values in words, texts by name."""
    n = new_problem(kpclient, title="History " + tag(), level="1").ticket()["number"]
    i = kpclient.post("/incidents", "<incident xmlns='%s'><title>Linked %s</title><impact>low"
                      "</impact><urgency>low</urgency></incident>" % (NS, tag()),
                      user="agent1").findtext("i:number")
    assert link(kpclient, "problems", n, "caused-by", i, user="pm1").status == 201
    r = kpclient.delete("/incidents/%s/links/caused-by/%s" % (i, n), user="agent1",
                        headers={"If-Match": kpclient.get("/incidents/" + i).etag})
    assert r.status == 204, r
    assert link(kpclient, "problems", n, "caused-by", i, user="pm1").status == 201
    r = kpclient.get("/problems/" + n, user="pm1")
    r = kpclient.patch("/problems/" + n, "<problem xmlns='%s'><level>4</level><background>"
                       "Seen since\nMonday</background></problem>" % NS, user="pm1",
                       headers={"If-Match": r.etag})
    assert r.status == 200, r
    page = text(browser(kp_httpd, "pm1").page("/itsm/problems/" + n).text)
    assert "pm1 linked %s (caused by)" % i in page, page
    assert "agent1 unlinked %s (caused by)" % i in page, page
    assert "pm1 changed level from 1 to 4, background" in page, page


def test_the_details_form_offers_only_what_the_caller_may_change(kp_httpd, kpclient):
    """Every input of a ticket's details form, changed alone and saved, is taken or refused
    for its value (422), never 403: a field the process keeps from the caller is shown
    read-only with the reason, not offered as an input that fails on save."""
    word = "numbat" + tag().lower().replace("-", "")
    made = {
        "problem": lambda: "problems/" + new_problem(
            kpclient, title="Details of " + word, service="DIP").ticket()["number"],
        "incident": lambda: "incidents/" + kpclient.post(
            "/incidents", "<incident xmlns='%s'><title>Details of %s</title><impact>low</impact>"
            "<urgency>low</urgency></incident>" % (NS, word), user="agent1").findtext("i:number"),
        "case": lambda: "cases/" + kpclient.post(
            "/cases", "<case xmlns='%s'><title>Details of %s</title></case>" % (NS, word),
            user="alice").findtext("i:number"),
        "article": lambda: "articles/" + create_article(kpclient, title="Details of " + word),
    }
    for user, kind, fixed in DETAILS_FORMS:
        page = details_form_saves(browser(kp_httpd, user), "/itsm/" + made[kind](), fixed)
        shown = page[page.index('id="fixed-details"'):page.index("</dl>")] if fixed else ""
        for name in fixed:
            assert "<dt>%s" % name.capitalize() in shown, (user, kind, name, shown)
        if fixed and kind == "problem":
            assert "<dd>2</dd>" in shown and "<dd>DIP</dd>" in shown
            assert "Categorising a problem (its level and service) is problem management" in page


def holder(page):
    """The page's "Who holds it now", as its reader sees it."""
    m = re.search(r"<dt>Who holds it now</dt><dd>(.*?)</dd>", page, re.S)
    assert m, page[:2000]
    return text(m.group(1)).strip()


def test_who_holds_a_problem_and_a_finished_ticket(kp_httpd, kpclient):
    """A problem given no resolver group is problem management's (LLSD 8.6), not the service
    desk's that logged it; with a group or an assignee it is theirs; once finished
    (cancelled, closed) nobody holds it, and the page says whom it was with. A case is the
    desk's until it is closed, the list's row as its page."""
    pm = browser(kp_httpd, "pm1")
    n = new_problem(kpclient, title="Holder " + tag()).ticket()["number"]
    assert holder(pm.page("/itsm/problems/" + n).text) == "Problem management"
    patch(kpclient, "problems", n, user="pm1", group=GROUP)
    assert holder(pm.page("/itsm/problems/" + n).text) == GROUP
    patch(kpclient, "problems", n, user="pm1", assignee="res1")
    assert holder(pm.page("/itsm/problems/" + n).text) == "res1 (%s)" % GROUP
    act(kpclient, "problems", n, "cancel", user="pm1")
    assert holder(pm.page("/itsm/problems/" + n).text) == \
        "Nobody: it is cancelled; last held by res1 (%s)" % GROUP
    bare = new_problem(kpclient, title="Holder " + tag()).ticket()["number"]
    walk(kpclient, bare, "closed")
    assert holder(pm.page("/itsm/problems/" + bare).text) == "Nobody: it is closed"
    case = case_in(kpclient, "new")
    agent = browser(kp_httpd, "agent1")
    assert holder(agent.page("/itsm/cases/" + case).text) == "The service desk"
    bring_to(kpclient, "cases", case, "closed")
    assert holder(agent.page("/itsm/cases/" + case).text) == "Nobody: it is closed"
    row = re.search(r'<tr><td><a href="/itsm/cases/%s">.*?</tr>' % case,
                    agent.page("/itsm/cases?sort=-updated&open=false").text, re.S)
    assert row and "<td>Nobody: it is closed</td>" in row.group(0), row


def test_an_incident_shows_its_problem_and_the_known_errors_it_may_be(kp_httpd, kpclient):
    """The incident's page shows what its problem's link rule shows (title, state in words,
    workaround), under a heading that links to the problem, and a new incident the known
    errors that may match it, each a link: not a run of glued text or an empty row."""
    word = "quokka" + tag().lower().replace("-", "")
    n = new_problem(kpclient, title="Adapter drops %s files" % word).ticket()["number"]
    walk(kpclient, n, "root-cause-identified")
    inc = kpclient.post("/incidents", "<incident xmlns='%s'><title>Adapter drops %s files again"
                        "</title><description>Seen on %s</description><impact>low</impact>"
                        "<urgency>low</urgency></incident>" % (NS, word, word), user="agent1")
    assert inc.status == 201, inc.text
    inumber = inc.findtext("i:number")
    assert [s.get("number") for s in inc.findall("i:suggestions/i:suggestion")][0] == n
    agent = browser(kp_httpd, "agent1")
    page = agent.page("/itsm/incidents/" + inumber).text
    assert "Known errors that may match" in page
    assert '<a href="/itsm/problems/%s">%s</a>: Adapter drops %s files' % (n, n, word) in page
    assert "<dt>Suggestions</dt>" not in page
    assert link(kpclient, "incidents", inumber, "caused-by", n).status == 201
    page = agent.page("/itsm/incidents/" + inumber).text
    assert '<h2>Caused by problem <a href="/itsm/problems/%s">%s</a></h2>' % (n, n) in page
    words = text(page)
    assert "State root cause identified" in words
    assert "Workaround Re-submit the file after 18:00" in words
    assert "<dt>Linked</dt>" not in page


def test_filters_links_and_hints_say_what_they_do(kp_httpd, kpclient):
    """The known-errors filter offers Yes (not "Open"); an article in a state that is
    not edited offers no "Change the details"; a search's page past the last
    match says so; every hint is tied to its input (aria-describedby)."""
    pm = browser(kp_httpd, "pm1")
    page = pm.page("/itsm/problems?sort=-updated").text
    sel = page[page.index('id="filter-knownError"'):]
    sel = sel[:sel.index("</select>")]
    assert '<option value="true">Yes</option>' in sel and "Open" not in sel
    assert '<option value="true">Open</option>' in page     # the open-or-finished filter
    km = browser(kp_httpd, "km1")
    word = "wombat" + tag().lower().replace("-", "")
    n = published(kpclient, "Wombat article " + word, body="<p>About %s.</p>" % word)
    draft = create_article(kpclient, title="Draft " + word, audience="all")
    assert "?edit=details" in km.page("/itsm/articles/" + draft).text
    assert "Save changes" in km.page("/itsm/articles/%s?edit=details" % draft).text
    assert "?edit=details" not in km.page("/itsm/articles/" + n).text
    assert "Save changes" not in km.page("/itsm/articles/%s?edit=details" % n).text
    # nor on a closed problem (its update answers 409 there), as on an open one
    p = new_problem(kpclient, title="Closed " + word).ticket()["number"]
    assert "?edit=details" in pm.page("/itsm/problems/" + p).text
    walk(kpclient, p, "closed")
    assert "?edit=details" not in pm.page("/itsm/problems/" + p).text
    alice = browser(kp_httpd, "alice")
    past = alice.page("/itsm/articles?q=%s&limit=5&offset=100" % word).text
    assert "No more articles match" in text(past) and "No article matches" not in past
    assert "No article matches" in alice.page("/itsm/articles?q=nomatch%s" % word).text
    new = km.page("/itsm/articles/new").text
    hints = re.findall(r'<div class="hint-of" id="([^"]+)">', new)
    assert {"create-body-hint", "create-audience-hint"} <= set(hints)
    for h in hints:
        assert 'aria-describedby="%s"' % h in new, h


def test_every_option_of_every_list_filter_answers_a_list(kp_httpd, kpclient):
    """Each <select> of a list page's filters, each option alone, answers the list: not
    an error page (the "Finished" option once sent open=false, which lists refused; they
    take it now: the finished tickets alone)."""
    new_problem(kpclient)
    pm = browser(kp_httpd, "pm1")
    for path in ("/itsm/problems?sort=-updated", "/itsm/incidents?sort=-updated",
                 "/itsm/cases?sort=-updated"):
        page = pm.page(path).text
        f = form_of(page, path.split("?")[0])
        selects = re.findall(r'<select class="select" id="filter-[^"]+" name="([^"]+)">(.*?)</select>',
                             page)
        assert selects, path
        assert re.findall(r'<option value="([^"]*)"', dict(selects)["open"]) == ["", "true", "false"]
        assert ">Finished</option>" in dict(selects)["open"]
        for name, options in selects:
            for value in re.findall(r'<option value="([^"]*)"', options):
                r = pm.get(path.split("?")[0], params={"sort": "-updated", name: value})
                assert r.status_code == 200 and "Sorry, there is a problem" not in r.text, \
                    (path, name, value, text(r.text)[:300])


def test_a_refusal_naming_a_field_with_no_input_links_to_the_form(kp_httpd, kpclient):
    """A term that exists already is refused on its key, a field the process derives from the
    term (no input): the error summary links to the form, not to an input that is not there;
    a refusal naming an input still links to it."""
    author = browser(kp_httpd, "author1")
    term = "Zed term " + tag()
    for expect in (303, 409):
        page = author.page("/itsm/glossary/new").text
        f = form_of(page, "/itsm/glossary")
        r = author.post(f["action"], dict(f["inputs"], title=term, definition="A definition"))
        assert r.status_code == expect, r.text
    assert 'href="#create-form"' in r.text and 'id="create-form"' in r.text
    assert 'href="#create-key"' not in r.text
    page = author.page("/itsm/glossary/new").text
    f = form_of(page, "/itsm/glossary")
    r = author.post(f["action"], dict(f["inputs"], title="", definition="A definition"))
    assert r.status_code in (400, 422) and 'href="#create-title"' in r.text
    assert 'id="create-title"' in r.text


def test_a_problems_sub_resources_have_pages_of_their_own(kp_httpd, kpclient):
    """GET .../journal, .../links, .../sla and /problems/stats as pages: as the ticket's page
    shows them (history in words, links by type, clocks in words), not rows of run-together
    values."""
    n = new_problem(kpclient, title="Sub-resources " + tag()).ticket()["number"]
    walk(kpclient, n, "workaround-in-place")
    inc = kpclient.post("/incidents", "<incident xmlns='%s'><title>Sub</title><impact>low"
                        "</impact><urgency>low</urgency></incident>" % NS, user="agent1")
    assert link(kpclient, "incidents", inc.findtext("i:number"), "caused-by", n).status == 201
    pm = browser(kp_httpd, "pm1")
    words = text(pm.page("/itsm/problems/%s/journal" % n).text)
    assert "History of " + n in words and "Back to " + n in words
    assert "Record workaround; the status became workaround in place" in words
    words = text(pm.page("/itsm/problems/%s/links" % n).text)
    assert "Incident caused by this problem " + inc.findtext("i:number") in words
    words = text(pm.page("/itsm/problems/%s/sla" % n).text)
    assert "Root cause Within target" in words and "Solution Within target" in words
    assert "Service level of %s" % n in words and "Back to " + n in words
    assert 'href="/itsm/problems/%s"' % n in pm.page("/itsm/problems/%s/sla" % n).text
    words = text(pm.page("/itsm/problems/stats?by=level").text)
    assert "Problems by Level" in words and "Group Tickets Open" in words


def test_participant_does_not_see_elexons_problem(kp_httpd, kpclient):
    n = new_problem(kpclient).ticket()["number"]
    alice = browser(kp_httpd, "alice")
    r = alice.get("/itsm/problems/" + n)
    missing = alice.get("/itsm/problems/PRB9999999")
    assert r.status_code == missing.status_code == 404
    assert r.text.replace(n, "N") == missing.text.replace("PRB9999999", "N")


# --------------------------------------------------------------------------- knowledge

def test_search_article_page_and_vote(kp_httpd, kpclient):
    word = "zebrafish" + tag().lower().replace("-", "")
    n = published(kpclient, "Renewing the DIP certificate " + word,
                  body="<p>Renew the <em>DIP</em> certificate before %s expires.</p>" % word)
    alice = browser(kp_httpd, "alice")
    home = alice.page("/itsm/").text
    search = form_of(home, "/itsm/articles")
    assert "q" in search["inputs"] and "Search the knowledge base" in home
    page = alice.get("/itsm/articles", params={"q": word}).text
    assert "<mark>%s</mark>" % word in page
    assert "/itsm/articles/" + n in page
    page = alice.page("/itsm/articles/" + n).text
    assert "<em>DIP</em>" in page         # the body as markup, not text
    assert "Was this helpful?" in page
    f = form_of(page, "/articles/%s/votes" % n)
    r = alice.post(f["action"], dict(f["inputs"], helpful="true"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/articles/" + n)
    doc = kpclient.get("/articles/" + n, user="alice")
    assert doc.find("i:helpfulness").get("mine") == "helpful"
    assert "You said it was helpful" in alice.page("/itsm/articles/" + n).text
    # a vote without the token changes nothing
    r = alice.post(f["action"], {"helpful": "false"})
    assert r.status_code == 403
    assert kpclient.get("/articles/" + n, user="alice").find("i:helpfulness").get("mine") == "helpful"


def test_an_articles_versions_are_numbered_dated_and_linked(kp_httpd, kpclient):
    """A reader finds the earlier versions from the article, sees each numbered, dated, by
    whom, linked, the current one marked, and a version's page says which it is (an
    exploratory tester found rows all labelled "Version" and no way to them)."""
    first = "Renewing the certificate " + tag()
    n = published(kpclient, first)
    kact(kpclient, n, "revise")
    edit(kpclient, n, title="Renewing the certificate, 2027")
    for action in ("submit", "approve", "publish"):
        kact(kpclient, n, action)
    alice = browser(kp_httpd, "alice")
    page = alice.page("/itsm/articles/" + n).text
    assert 'href="/itsm/articles/%s/versions">Earlier versions' % n in page, page
    assert "This is version" not in page
    page = alice.page("/itsm/articles/%s/versions" % n).text
    assert "<h1>Versions of %s</h1>" % n in page
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      page)
    assert [(link, title, by) for link, title, _, by in rows] == [
        ('<a href="/itsm/articles/%s/versions/1">Version 1</a>' % n, first, "km1"),
        ('<a href="/itsm/articles/%s/versions/2">Version 2</a> (current)' % n,
         "Renewing the certificate, 2027", "km1")], rows
    assert all("<time" in when for _, _, when, _ in rows), rows
    page = alice.page("/itsm/articles/%s/versions/1" % n).text
    assert "This is version 1 of %s, as it was published" % n in page
    assert 'href="/itsm/articles/%s">Read the current version</a>' % n in page
    # an editor's working copy is no published version (a reviewer's finding)
    kact(kpclient, n, "revise")
    page = browser(kp_httpd, "km1").page("/itsm/articles/%s/versions/working" % n).text
    assert "This is version" not in page and "Earlier versions" not in page


def test_my_updates_link_the_article_a_case_was_closed_with(kp_httpd, kpclient):
    """The raiser's feed links the guidance article (Atom rel="related"); so does the page of
    her updates (an exploratory tester found it showed the number as text only)."""
    kb = published(kpclient, "Guidance for a closed case " + tag(), audience="party:ALPE")
    n = case_in(kpclient, "in-triage")                  # raised by alice (ALPE)
    act(kpclient, "cases", n, "close", article=kb)
    page = browser(kp_httpd, "alice").page("/itsm/feeds/me").text
    assert '<p>article: <a href="/itsm/articles/%s">%s</a></p>' % (kb, kb) in page, page


def test_an_article_alice_may_not_read_is_404_like_a_missing_one(kp_httpd, kpclient):
    internal = published(kpclient, "Internal runbook " + tag(), audience="internal")
    draft = create_article(kpclient, title="Draft " + tag(), audience="all")
    alice = browser(kp_httpd, "alice")
    missing = alice.get("/itsm/articles/KB9999999")
    assert missing.status_code == 404
    for n in (internal, draft):
        r = alice.get("/itsm/articles/" + n)
        assert r.status_code == 404
        assert r.text.replace(n, "N") == missing.text.replace("KB9999999", "N")
        # nor can she vote on it (a token of her session, from a form that has one)
        csrf = form_of(raise_form(alice, title="x")[1], "/itsm/cases")["inputs"]["itsm-csrf"]
        r = alice.post("/itsm/articles/%s/votes" % n,
                       {"itsm-csrf": csrf, "helpful": "true"})
        assert r.status_code == 404


def test_the_editor_the_review_queue_and_publishing(kp_httpd, kpclient):
    author = browser(kp_httpd, "author1")
    page = author.page("/itsm/articles/new").text
    f = form_of(page, "/itsm/articles")
    title = "Reading the DIP log " + tag()
    # markup beyond the safe subset is refused beside the body, with the input kept
    r = author.post(f["action"], dict(f["inputs"], title=title,
                                      body="<p>x</p><script>alert(1)</script>"))
    assert r.status_code in (400, 422) and "There is a problem" in r.text
    assert 'id="create-body-error"' in r.text and ESCAPED in r.text
    assert kpclient.get("/articles", user="km1", params={"q": '"%s"' % title}).findall("i:article") == []
    # a slip in the markup is named in an author's words, not the XML parser's
    r = author.post(f["action"], dict(f["inputs"], title=title, body="<p>R&D and\nQ&A</p>"))
    assert r.status_code in (400, 422) and 'id="create-body-error"' in r.text
    assert "(line 1): an &#39;&amp;&#39; that starts no character reference: write " \
        "&amp;amp; for the character" in r.text.replace("&#x27;", "&#39;").replace("'", "&#39;"), r.text
    assert "EntityRef" not in r.text
    r = author.post(f["action"], dict(f["inputs"], title=title, category="Support",
                                      body="<p>Open the <strong>log</strong>.</p>", audience="all"))
    assert r.status_code == 303, r.text
    n = r.headers["Location"].rsplit("/", 1)[1]
    doc = kpclient.get("/articles/" + n, user="km1")
    assert doc.findtext("i:state") == "draft"
    assert doc.find("i:body/i:p/i:strong").text == "log"
    # the edit form (its own page) shows the body as markup, and saves it again
    page = author.page("/itsm/articles/" + n).text
    assert "/articles/%s?edit=details" % n in page
    page = author.page("/itsm/articles/%s?edit=details" % n).text
    assert "&lt;p&gt;Open the &lt;strong&gt;log&lt;/strong&gt;.&lt;/p&gt;" in page
    upd = form_of(page, "/articles/" + n)
    r = author.post(upd["action"], dict(upd["inputs"], body="<p>Open the <em>log</em> first.</p>"))
    assert r.status_code == 303, r.text
    assert kpclient.get("/articles/" + n, user="km1").find("i:body/i:p/i:em").text == "log"
    page = author.page("/itsm/articles/" + n).text
    assert actions_of(page) == ["submit"]
    assert post_form(author, page, "/actions/submit").status_code == 303
    km = browser(kp_httpd, "km1")
    assert "Knowledge review queue" in km.page("/itsm/").text
    queue = km.page("/itsm/articles?state=in-review&sort=opened").text
    assert "Knowledge review queue" in queue and n in queue
    for action in ("approve", "publish"):
        page = km.page("/itsm/articles/" + n).text
        assert action in actions_of(page)
        assert post_form(km, page, "/actions/" + action).status_code == 303
    assert kpclient.get("/articles/" + n, user="alice").findtext("i:title") == title
    # the author may not approve: no such form, and the API's refusal for a forged one
    assert "approve" not in actions_of(author.page("/itsm/articles/" + n).text)


def test_glossary_a_to_z_with_page_sizes(kp_httpd, kpclient):
    t = tag().upper().replace("-", "")
    for i in range(12):
        create_term(kpclient, "Xylo %s %02d" % (t, i), definition="Definition %d" % i)
    alice = browser(kp_httpd, "alice")
    page = alice.page("/itsm/glossary?letter=X&sort=title&limit=10").text
    words = text(page)
    assert "Glossary: X" in words
    for letter in ("A", "M", "Z", "0-9", "X"):     # a link, or no terms under it
        assert ("/itsm/glossary?letter=%s&amp;sort=title&amp;limit=10" % letter in page
                or '<li class="az-empty"><span>%s<' % letter in page), letter
    assert "/itsm/glossary?letter=X&amp;sort=title&amp;limit=10" in page
    assert 'rel="next"' in page
    assert "limit=20" in page and "limit=50" in page and "limit=500" in page and "All" in words
    page = alice.page("/itsm/glossary?letter=X&sort=title&limit=500").text
    assert 'rel="next"' not in page
    assert all("Xylo %s %02d" % (t, i) in page for i in range(12))
    assert "Add a glossary term" not in page      # alice reads the glossary only
    # ?letter=x is X (the API's reading): the title and the bar's current letter say so
    page = alice.page("/itsm/glossary?letter=x&sort=title&limit=10").text
    assert "Glossary: X" in text(page) and "Xylo %s 00" % t in page
    assert re.search(r'<a href="[^"]*letter=X&amp;[^"]*" aria-current="page">X<', page), page
    assert "Add a glossary term" in browser(kp_httpd, "km1").page(
        "/itsm/glossary?letter=X&sort=title&limit=10").text


def test_knowledge_gaps_and_a_draft_from_one(kp_httpd, kpclient):
    gap = "quokka " + tag().lower()
    alice = browser(kp_httpd, "alice")
    alice.get("/itsm/articles", params={"q": gap})
    assert alice.get("/itsm/knowledge-gaps").status_code == 403
    km = browser(kp_httpd, "km1")
    page = km.page("/itsm/knowledge-gaps?limit=500").text
    assert "Knowledge gaps" in page and gap in page
    drafts = [f for f in forms(page) if f["inputs"].get("gap") == gap]
    assert len(drafts) == 1
    r = km.post(drafts[0]["action"], drafts[0]["inputs"])
    assert r.status_code == 303, r.text
    n = r.headers["Location"].rsplit("/", 1)[1]
    doc = kpclient.get("/articles/" + n, user="km1")
    assert doc.findtext("i:title") == gap and doc.findtext("i:state") == "draft"
    # the draft says which gap it answers (docs/knowledge.md: editors see it)
    assert 'Written for the knowledge gap "%s"' % gap in text(km.page("/itsm/articles/" + n).text)
    # the gaps link to it instead of offering a second draft
    page = km.page("/itsm/knowledge-gaps?limit=500").text
    assert not [f for f in forms(page) if f["inputs"].get("gap") == gap]
    assert '<a class="link" href="/itsm/articles/%s">Drafted as %s' % (n, n) in page
    # the old page's form, sent again: refused, naming the article
    r = km.post(drafts[0]["action"], drafts[0]["inputs"])
    assert r.status_code == 409 and "There is a problem" in r.text and n in r.text


def gap_of(kpclient, word):
    """The knowledge gaps whose query holds word."""
    return [g for g in kpclient.get("/knowledge-gaps", user="km1", params={"limit": "500"})
            .findall("i:gap") if word in g.text]


def test_raise_a_case_offers_matching_articles_first(kp_httpd, kpclient):
    word = "narwhal" + tag().lower().replace("-", "")
    n = published(kpclient, "Missing reads and %s" % word)
    alice = browser(kp_httpd, "alice")
    page = alice.page("/itsm/cases/new").text
    step = form_of(page, "/itsm/cases/new")
    # the first submit is a POST (the subject stays out of URLs), with the session's token
    assert step["method"] == "post" and step["inputs"]["suggest"] == "articles"
    assert step["action"] == "/itsm/cases/new" and step["inputs"]["itsm-csrf"]
    f, page = raise_form(alice, title="Reads %s missing" % word, description="Since Monday")
    assert "These articles may answer your question" in page
    assert "/itsm/articles/" + n in page and "<mark>%s</mark>" % word in page
    assert f["inputs"]["title"] == "Reads %s missing" % word       # the input kept
    assert ">Since Monday</textarea>" in page
    # the step's answer is kept by no cache, nor served as the form's GET
    r = alice.post("/itsm/cases/new", dict(step["inputs"], title="Reads %s missing" % word))
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    for again in range(2):
        page = alice.page("/itsm/cases/new").text
        assert form_of(page, "/itsm/cases/new")["method"] == "post", again
        assert word not in page and 'id="suggestions-title"' not in page, again
    # a GET with the old query searches nothing
    page = alice.page("/itsm/cases/new?suggest=articles&title=" + word).text
    assert 'id="suggestions-title"' not in page and form_of(page, "/itsm/cases/new")
    # raised anyway: the case is made, and the search that did not help is counted once
    r = alice.post(f["action"], dict(f["inputs"], description="Since Monday"))
    assert r.status_code == 303 and "/itsm/cases/CS" in r.headers["Location"]
    assert [g for g in gap_of(kpclient, word) if g.get("deflections") == "1"]


def test_lookups_while_typing_count_nothing_until_the_case_is_raised(kp_httpd, kpclient):
    """itsm-suggest.js's lookups (the first step sent with lookup=1, a POST with the
    session's token): the search's own XML as alice may read it, no-store, counted nothing
    however many pauses; refused (403, 400) without the token or without a searchable
    collection and a subject, searching nothing. The case raised from the form
    (searched=articles) counts its subject once: a miss, or a failed deflection."""
    t = tag().lower().replace("-", "")
    found, missing = "dugong" + t, "tapir" + t
    n = published(kpclient, "Settlement runs and %s" % found)
    alice = browser(kp_httpd, "alice")
    step = form_of(alice.page("/itsm/cases/new").text, "/itsm/cases/new")
    xml = {"Accept": "application/xml, text/html"}

    def lookup(form):
        return alice.post("/itsm/cases/new", dict(form, lookup="1"), headers=xml)

    for typed in (found[:4], found, "runs " + found, missing[:7], missing):
        r = lookup(dict(step["inputs"], title=typed))
        assert r.status_code == 200, (typed, r.text)
        assert r.headers["Content-Type"].startswith("application/xml"), typed
        assert r.headers["Cache-Control"] == "no-store" and "<list " in r.text, typed
        assert (("<number>%s</number>" % n) in r.text) == (found in typed), typed
    typing = dict(step["inputs"], title=missing)
    refusals = [
        ({k: v for k, v in typing.items() if k != "itsm-csrf"}, 403, "00400"),
        (dict(typing, **{"itsm-csrf": "0" * 40}), 403, "00400"),
        (dict(typing, suggest="nothing-such"), 400, "00408"),
        (dict(typing, suggest="desks"), 400, "00408"),
        ({k: v for k, v in typing.items() if k != "suggest"}, 400, "00408"),
        (dict(typing, title=""), 400, "00408"),
    ]
    for form, status, number in refusals:
        since = kp_httpd.log_size()
        r = lookup(form)
        assert r.status_code == status and missing not in r.text, (form, r.text)
        assert r.headers["Content-Type"].startswith("application/xml"), form   # as answered
        assert "ITSM%s: " % number in kp_httpd.log_since(since), form
    # km1 may not raise a case: a lookup of hers is refused, her case with searched counts
    # nothing
    km = browser(kp_httpd, "km1")
    km_token = form_of(km.page("/itsm/articles/new").text, "/itsm/articles")["inputs"]["itsm-csrf"]
    r = km.post("/itsm/cases/new", {"itsm-csrf": km_token, "suggest": "articles",
                                    "title": missing, "lookup": "1"}, headers=xml)
    assert r.status_code == 403 and r.headers["Content-Type"].startswith("application/xml")
    r = km.post("/itsm/cases", {"itsm-csrf": km_token, "searched": "articles", "title": missing,
                                "description": "x"})
    assert r.status_code == 403, r.text
    assert gap_of(kpclient, found) == [] and gap_of(kpclient, "tapir" + t[:2]) == []
    # raised from the form the script turned (its suggest input renamed searched); refused
    # first (an impact of 9): counted once, the form shown again posts without searched
    token = step["inputs"]["itsm-csrf"]
    r = alice.post("/itsm/cases", {"itsm-csrf": token, "searched": "articles",
                                   "title": missing, "impact": "9"})
    assert r.status_code in (400, 422) and "There is a problem" in r.text
    again = form_of(r.text, "/itsm/cases")
    assert "searched" not in again["inputs"] and "suggest" not in again["inputs"]
    r = alice.post("/itsm/cases", dict(again["inputs"], title=missing, impact="low",
                                       description="Nothing on it"))
    assert r.status_code == 303 and "/itsm/cases/CS" in r.headers["Location"], r.text
    assert [(g.get("misses"), g.get("deflections")) for g in gap_of(kpclient, "tapir" + t[:2])] \
        == [("1", "0")]
    r = alice.post("/itsm/cases", {"itsm-csrf": token, "searched": "articles",
                                   "title": "runs " + found, "description": "Read it"})
    assert r.status_code == 303, r.text
    assert [(g.get("misses"), g.get("deflections")) for g in gap_of(kpclient, found)] \
        == [("0", "1")]
    # a collection that is not searched: raised, nothing counted
    r = alice.post("/itsm/cases", {"itsm-csrf": token, "searched": "nothing-such",
                                   "title": "tapir other " + t, "description": "x"})
    assert r.status_code == 303, r.text
    assert gap_of(kpclient, "other " + t) == []


# the first step refused: (what, the form given the page's step form, headers, log number)
STEP_REFUSALS = [
    ("no token", lambda f: {k: v for k, v in f.items() if k != "itsm-csrf"}, {}, "00400"),
    ("a wrong token", lambda f: dict(f, **{"itsm-csrf": "0" * 40}), {}, "00400"),
    ("another site's form", lambda f: f, {"Sec-Fetch-Site": "cross-site"}, "00405"),
]


def test_the_first_step_of_raise_a_case_is_refused_without_its_token(kp_httpd, kpclient):
    """Refused as every form post (403, logged), searching nothing; one step sent is one
    search; a refusal of the case's form shows the page again without searching again."""
    word = "axolotl" + tag().lower().replace("-", "")
    alice = browser(kp_httpd, "alice")
    step = form_of(alice.page("/itsm/cases/new").text, "/itsm/cases/new")
    for what, form, headers, number in STEP_REFUSALS:
        since = kp_httpd.log_size()
        r = alice.post("/itsm/cases/new", form(dict(step["inputs"], title=word)),
                       headers=headers)
        assert r.status_code == 403 and word not in r.text, what
        assert "ITSM%s: " % number in kp_httpd.log_since(since), what
    assert gap_of(kpclient, word) == []              # nothing was searched
    # a body that is not a form: 415
    r = alice.post("/itsm/cases/new", "<case/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415
    # sent once: one search (nothing found: a miss)
    f, page = raise_form(alice, title=word)
    assert "No article matched your subject" in page
    assert [g.get("misses") for g in gap_of(kpclient, word)] == ["1"]
    # the case's form refused (no description... nor title): shown again, not searched again
    r = alice.post(f["action"], dict(f["inputs"], title=""))
    assert r.status_code in (400, 422) and "There is a problem" in r.text
    assert [g.get("misses") for g in gap_of(kpclient, word)] == ["1"]


def test_script_in_text_is_escaped_on_every_new_page_kind(kp_httpd, kpclient):
    esc = SCRIPT.replace("&", "&amp;").replace("<", "&lt;")
    pn = new_problem(kpclient, title="P " + SCRIPT, description=SCRIPT).ticket()["number"]
    body = "<p>%s</p>" % esc        # markup as is: the script as text of a paragraph
    an = published(kpclient, "A " + SCRIPT, body=body, category="C" + SCRIPT,
                   keywords="scriptword")
    create_term(kpclient, "Xscript %s %s" % (tag(), SCRIPT), definition=SCRIPT, acronym="X<s>")
    alice = browser(kp_httpd, "alice")
    odd = "wombat" + tag().lower().replace("-", "")
    alice.get("/itsm/articles", params={"q": "<script>%s</script>" % odd})  # a gap
    pm = browser(kp_httpd, "pm1")
    km = browser(kp_httpd, "km1")
    pages = {
        "problem": pm.page("/itsm/problems/" + pn).text,
        "problems": pm.page("/itsm/problems?sort=-updated").text,
        "article": alice.page("/itsm/articles/" + an).text,
        "article-editor": km.page("/itsm/articles/" + an).text,
        "search": alice.get("/itsm/articles", params={"q": "scriptword"}).text,
        "glossary": alice.page("/itsm/glossary?letter=X&sort=title&limit=500").text,
        "suggestions": raise_form(alice, title="A " + SCRIPT)[1],
    }
    for kind, page in pages.items():
        assert SCRIPT not in page and "<script" not in page, kind
        assert ESCAPED in page, kind
    # the gaps keep a search as the core normalised it, shown as text
    kept = [g.text for g in kpclient.get("/knowledge-gaps", user="km1",
                                         params={"limit": "500"}).findall("i:gap")
            if odd in g.text]
    assert kept
    gaps = km.page("/itsm/knowledge-gaps?limit=500").text
    assert escape(kept[0], {"'": "&#39;"}) in gaps and "<script" not in gaps
