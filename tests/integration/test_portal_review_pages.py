# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Pages of issue 10 built on what the API already answers: the glossary's A-Z bar with the
letters that have no terms shown as such (counts from GET /glossary/stats?by=letter, one
query), the differences between two versions of an article as a page of its own (linked from
the article and the review queue), the triage queue's completeness of each case (the LLSD
4.2 fields), and the first step of "raise a case" ready for the script that offers articles
while typing. Script in their text fields is escaped."""
import re
from xml.sax.saxutils import escape

from conftest import NS
from incident_util import create, tag
from knowledge_util import act as kact, create_article, create_term
from portal_util import Browser, form_of, forms, text
from test_portal_knowledge import ESCAPED, SCRIPT, published


def browser(h, user):
    b = Browser(h)
    b.login(user)
    return b


def bar_html(page):
    return page.split('class="az-list"', 1)[1].split("</ul>", 1)[0]


def letters_of(page):
    """The A-Z bar: letter -> "link" or "empty" (and the link's hidden count text)."""
    bar = bar_html(page)
    out = {}
    for li in re.findall(r"<li[^>]*>.*?</li>", bar):
        letter = re.sub(r"<span class=\"visually-hidden\">.*?</span>", "", li)
        letter = re.sub(r"<[^>]+>", "", letter).strip()
        out[letter] = ("empty" if 'class="az-empty"' in li else "link", text(li).strip())
    return out


def test_glossary_bar_marks_letters_without_terms(kp_httpd, kpclient):
    t = tag().upper().replace("-", "")
    create_term(kpclient, "Quartz %s" % t, definition="A letter with a term")
    stats = kpclient.get("/glossary/stats", user="alice", params={"by": "letter"})
    counts = {g.get("key"): int(g.get("count")) for g in stats.findall("i:group")}
    assert counts.get("Q", 0) >= 1
    alice = browser(kp_httpd, "alice")
    page = alice.page("/itsm/glossary?letter=Q&sort=title&limit=20").text
    bar = letters_of(page)
    assert sorted(bar) == sorted(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ["0-9"])
    for letter, (kind, words) in bar.items():
        if counts.get(letter, 0) > 0:
            assert kind == "link", letter
            n = counts[letter]
            assert words == "%s (%d term%s)" % (letter, n, "" if n == 1 else "s"), words
            assert "/itsm/glossary?letter=%s&amp;sort=title&amp;limit=20" % letter in bar_html(page)
        else:
            # not a link, and said in words (not by its grey alone)
            assert kind == "empty" and words == "%s (no terms)" % letter, (letter, words)
            assert "glossary?letter=%s&amp;" % letter not in bar_html(page)
    assert [k for k, (kind, _) in bar.items() if kind == "empty"], "every letter has terms?"
    # a letter without terms asked for anyway: the page says so, the letter is current
    empty = [k for k, (kind, _) in bar.items() if kind == "empty"][0]
    page = alice.page("/itsm/glossary?letter=%s&sort=title&limit=20" % empty).text
    assert "No terms here." in page
    assert re.search(r'<li class="az-empty"><span aria-current="page">%s<' % re.escape(empty), page)


def edited_article(kpclient, title, first, second):
    """An article published with the paragraphs first, then revised to second (a draft
    under review): (number, published version)."""
    n = published(kpclient, title, body=first)
    kact(kpclient, n, "revise")
    r = kpclient.patch("/articles/" + n, "<article xmlns='%s'><title>%s (2027)</title><body>%s"
                       "</body></article>" % (NS, escape(title), second.replace("<p>", "<p xmlns='%s'>" % NS)),
                       user="km1", headers={"If-Match": "*"})
    assert r.status == 200, r.text
    kact(kpclient, n, "submit")
    doc = kpclient.get("/articles/" + n, user="km1")
    assert doc.findtext("i:state") == "in-review"
    return n, doc.findtext("i:publishedVersion")


def test_version_differences_page_for_a_reviewer(kp_httpd, kpclient):
    word = "ocelot" + tag().lower().replace("-", "")
    n, v = edited_article(kpclient, "Renew %s" % word,
                          "<p>Renew yearly.</p><p>Use the old portal.</p>",
                          "<p>Renew yearly.</p><p>Use the new portal.</p>")
    km = browser(kp_httpd, "km1")
    diff_url = "/itsm/articles/%s/versions/working?diff=%s" % (n, v)
    # linked from the review queue and from the article
    queue = km.page("/itsm/articles?state=in-review&sort=opened&limit=500").text
    assert diff_url.replace("?", "?").replace("&", "&amp;") in queue
    assert diff_url in km.page("/itsm/articles/" + n).text
    page = km.page(diff_url).text
    words = text(page)
    assert "Changes to %s" % n in words
    assert "From version %s to the working copy" % v in words
    # removed and added marked in words and by <del>/<ins>, the same paragraph unmarked
    assert re.search(r'diff-removed"><p class="diff-tag">Removed</p><del><p>Use the old portal.</p></del>', page)
    assert re.search(r'diff-added"><p class="diff-tag">Added</p><ins><p>Use the new portal.</p></ins>', page)
    assert '<div class="diff-block diff-same"><p>Renew yearly.</p></div>' in page
    assert "Renew %s (2027)" % word in words and "Title" in words
    # a reader may not: 403 as the API, shown as a page
    alice = browser(kp_httpd, "alice")
    assert alice.get(diff_url).status_code in (403, 404)
    # a published article has nothing to compare: no link
    m = published(kpclient, "Settled " + word)
    assert "versions/working?diff" not in km.page("/itsm/articles/" + m).text


def test_triage_queue_shows_each_cases_completeness(httpd, client):
    t = tag()
    full = create(client, "cases", "alice", title="Complete " + t, description="All given",
                  marketParticipantId="MPID1", marketRole="Supplier", category="Settlement",
                  relatedUrl="https://example.org/x").ticket()["number"]
    part = create(client, "cases", "alice", title="Partial " + t,
                  description="Only a category", category="Settlement").ticket()["number"]
    b = browser(httpd, "agent1")
    page = b.page("/itsm/cases?state=new&sort=opened&limit=500").text
    assert '<th scope="col">Completeness</th>' in page
    rows = {n: row for row in page.split("<tr>") for n in (full, part) if "/itsm/cases/" + n in row}
    assert "Complete" in text(rows[full]) and "Incomplete" not in rows[full]
    words = text(rows[part])
    assert "Incomplete 4 of 6; missing: Market Participant ID, CRA market role" in words, words
    # the participant's own list has no such column; nor a list of other states
    alice = browser(httpd, "alice")
    assert "Completeness" not in alice.page("/itsm/cases?state=new&sort=opened").text
    assert "Completeness" not in b.page("/itsm/cases?sort=-updated").text


def test_raise_a_case_first_step_is_ready_for_suggestions_while_typing(kp_httpd, kpclient):
    alice = browser(kp_httpd, "alice")
    page = alice.page("/itsm/cases/new").text
    step = form_of(page, "/itsm/cases/new")
    assert step["method"] == "post" and re.fullmatch("[0-9a-f]{40}", step["inputs"]["itsm-csrf"])
    assert not re.search(r'name="itsm-csrf"[^>]*disabled', page)
    assert 'data-suggest="/itsm/articles"' in page and 'data-post="/itsm/cases"' in page
    assert re.search(r'<div id="suggest-live" class="suggestions suggestions-live" aria-live="polite"[^>]*></div>', page)
    assert '<script src="/itsm-static/itsm-suggest.js" defer></script>' in page
    js = alice.get("/itsm-static/itsm-suggest.js")
    assert js.status_code == 200 and "javascript" in js.headers["Content-Type"]
    assert "innerHTML" not in js.text        # text goes in with textContent only
    # the page's policy lets the script and its same-origin fetch run, nothing else
    csp = alice.get("/itsm/cases/new").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    # what the script asks: the first step as a lookup, answered the XML of the search
    # through the browser's session (test_portal_knowledge: counted nothing)
    r = alice.post("/itsm/cases/new", dict(step["inputs"], title="certificate", lookup="1"),
                   headers={"Accept": "application/xml, text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    assert "<list " in r.text and r.headers["Cache-Control"] == "no-store"


def test_script_in_text_is_escaped_on_the_new_page_kinds(httpd, client, kp_httpd, kpclient):
    t = tag()
    create(client, "cases", "alice", title="S %s %s" % (t, SCRIPT), description=SCRIPT,
           category=SCRIPT)
    n, v = edited_article(kpclient, "Esc " + SCRIPT,
                          "<p>old &lt;script&gt;alert('x')&lt;/script&gt;</p>",
                          "<p>new &lt;script&gt;alert('x')&lt;/script&gt;</p>")
    create_term(kpclient, "Zscript %s %s" % (t, SCRIPT), definition=SCRIPT)
    pages = {
        "triage-queue": browser(httpd, "agent1").page("/itsm/cases?state=new&sort=opened&limit=500").text,
        "version-diff": browser(kp_httpd, "km1").page(
            "/itsm/articles/%s/versions/working?diff=%s" % (n, v)).text,
        "glossary-bar": browser(kp_httpd, "alice").page("/itsm/glossary?letter=Z&sort=title&limit=500").text,
    }
    for kind, page in pages.items():
        assert SCRIPT not in page and "<script>" not in page, kind
        assert ESCAPED in page, kind
