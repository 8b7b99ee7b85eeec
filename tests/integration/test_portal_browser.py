# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The portal in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by python3-selenium) through the participant's and the agent's pages, with axe-core
(tests/node_modules, from tools/deps) injected into every page kind: no WCAG 2.1 A/AA
violation. Screenshots of each page go to the run's directory (screenshots/; ITSM_TEST_KEEP=1
keeps them). They run once, on SQLite without the sanitizers (the pages are the same on every
store; the sanitizer run covers the same C paths through test_portal_pages and _forms)."""
import os
import shutil

import pytest

from conftest import NS, PASSWORD, REPO
from test_portal_pages import new_case

AXE = os.path.join(REPO, "tests", "node_modules", "axe-core", "axe.min.js")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    os.environ.get("ITSM_TEST_DB", "sqlite3") != "sqlite3"
    or os.environ.get("ITSM_TEST_SANITIZE", "0") not in ("", "0"),
    reason="browser tests run once, on SQLite without the sanitizers")


@pytest.fixture(scope="module")
def browser_factory(env):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert os.path.exists(AXE), "axe-core missing: run tools/deps"
    shots = os.path.join(env.base, "screenshots")
    os.makedirs(shots, exist_ok=True)
    made = []

    def make(width=1200, height=900):
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=%d,%d" % (width, height), "--user-data-dir=%s" % os.path.join(
                      env.base, "chromium-%d" % len(made))):
            opts.add_argument(a)
        opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        d.set_page_load_timeout(60)
        d.shots = shots
        made.append(d)
        return d
    yield make
    for d in made:
        d.quit()


def axe_check(d, name):
    """axe-core on the page shown: no violation of WCAG 2.1 A or AA; a screenshot."""
    d.save_screenshot(os.path.join(d.shots, name + ".png"))
    with open(AXE) as f:
        d.execute_script(f.read())
    result = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))"
        ".catch(e => done(['axe failed: ' + e]));")
    assert result == [], "%s: %s" % (name, result)


def submit(d, css):
    """Click the form's button and wait for the next page (bounded, not a timed assertion)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    from selenium.common.exceptions import WebDriverException
    old = d.find_element(By.TAG_NAME, "html")
    try:
        d.find_element(By.CSS_SELECTOR, css).click()
    except WebDriverException as e:
        # chromedriver may look at the clicked node once the navigation it started has
        # replaced the document: the click was done all the same
        if "does not belong to the document" not in str(e):
            raise

    def gone(d):
        try:
            return ec.staleness_of(old)(d)
        except WebDriverException as e:
            if "does not belong to the document" in str(e):
                return True
            raise
    WebDriverWait(d, 30).until(gone)
    WebDriverWait(d, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def login(d, httpd, user, page="/itsm/"):
    from selenium.webdriver.common.by import By
    d.get(httpd.url + page)
    assert "/itsm-login" in d.current_url
    d.find_element(By.ID, "httpd_username").send_keys(user)
    d.find_element(By.ID, "httpd_password").send_keys(PASSWORD)
    submit(d, "form button[type=submit]")
    assert d.current_url == httpd.url + page, d.current_url


def test_participant_raises_and_follows_a_case(httpd, client, browser_factory):
    from selenium.webdriver.common.by import By
    inc = client.post("/incidents", "<incident xmlns='%s'><title>Settlement run delayed</title>"
                      "<impact>high</impact><urgency>high</urgency></incident>" % NS, user="im1")
    r = client.post("/incidents/%s/actions/declare-major" % inc.findtext("i:number"),
                    "<incident xmlns='%s'><impactStatement>Files late</impactStatement></incident>" % NS,
                    user="im1", headers={"If-Match": '"1"'})
    assert r.status == 200
    d = browser_factory()
    d.get(httpd.url + "/itsm/")
    axe_check(d, "login")
    login(d, httpd, "alice")
    assert "Major incident in progress" in d.page_source and "Settlement run delayed" in d.page_source
    axe_check(d, "participant-home")
    submit(d, "a.button[href$='/cases/new']")
    axe_check(d, "raise-a-case")
    # the first submit offers what may answer it (Tier 0); sent again without a subject:
    # the form comes back with the message and the input
    d.find_element(By.ID, "create-description").send_keys("No reads since Monday")
    d.find_element(By.ID, "create-marketRole").send_keys("Supplier")
    submit(d, "#create-form button[type=submit]")
    axe_check(d, "raise-a-case-suggestions")
    submit(d, "#create-form button[type=submit]")
    assert "There is a problem" in d.page_source
    # the error summary has the focus: a screen reader reads it first, the keyboard's next
    # Tab goes to its link
    assert d.switch_to.active_element.get_attribute("class") == "error-summary"
    assert d.find_element(By.ID, "create-description").get_attribute("value") == "No reads since Monday"
    axe_check(d, "raise-a-case-refused")
    d.find_element(By.ID, "create-title").send_keys("Meter reads missing")
    submit(d, "#create-form button[type=submit]")
    assert "/itsm/cases/CS" in d.current_url
    number = d.current_url.rsplit("/", 1)[1]
    assert "The service desk will look at it" in d.page_source
    axe_check(d, "case")
    d.get(httpd.url + "/itsm/cases?sort=-updated")     # "My party's cases" in the navigation
    assert number in d.page_source
    axe_check(d, "my-cases")
    d.get(httpd.url + "/itsm/me")
    axe_check(d, "me")
    d.get(httpd.url + "/itsm/feeds/me")
    axe_check(d, "feed")
    d.get(httpd.url + "/itsm/cases/CS9999999")
    axe_check(d, "not-found")
    # sign-out: the URL opened (a link, a bookmark) only shows the button; the header's
    # button (a form posting the session's token) signs out
    d.get(httpd.url + "/itsm-logout")
    assert "You are signed out" not in d.page_source
    axe_check(d, "sign-out")
    d.get(httpd.url + "/itsm/me")
    assert "/itsm/me" in d.current_url and "My account" in d.page_source
    submit(d, "form.signed-in button[type=submit]")
    assert "You are signed out" in d.page_source
    axe_check(d, "signed-out")
    d.get(httpd.url + "/itsm/me")
    assert "/itsm-login" in d.current_url


def test_agent_triages_from_the_queue(httpd, client, browser_factory):
    from selenium.webdriver.common.by import By
    number = new_case(client, title="Registration query")
    d = browser_factory(width=390, height=844)      # a phone
    login(d, httpd, "agent1", "/itsm/cases?state=new&sort=-opened")
    assert number in d.page_source
    axe_check(d, "triage-queue")
    submit(d, "a[href$='/cases/%s']" % number)
    buttons = [b.text for b in d.find_elements(By.CSS_SELECTOR, "form.action-form button")]
    assert buttons == ["Triage", "Ask the participant for information", "Close"]
    axe_check(d, "agent-case")
    d.find_element(By.ID, "triage-impact").send_keys("medium")
    d.find_element(By.ID, "triage-note").send_keys("Looking at it")
    submit(d, "#triage-form button")
    assert "in triage" in d.page_source.lower()
    assert "Looking at it" in d.page_source
    # the details: read-only on the case's page, changed on a page of their own
    submit(d, "#update-link")
    assert d.current_url.endswith("/itsm/cases/%s?edit=details" % number)
    axe_check(d, "agent-case-change-details")
    title = d.find_element(By.ID, "update-title")
    title.clear()
    title.send_keys("Registration query (changed)")
    submit(d, "#update-form button")
    assert d.current_url.endswith("/itsm/cases/" + number)
    assert "Registration query (changed)" in d.page_source
    d.get(httpd.url + "/itsm/incidents?open=true")
    axe_check(d, "incident-list")
    d.get(httpd.url + "/itsm/incidents/aged")
    axe_check(d, "aged")
    d.get(httpd.url + "/itsm/major-incidents/active")
    axe_check(d, "major-incident-board")
    inc = client.post("/incidents", "<incident xmlns='%s'><title>Portal slow</title>"
                      "<impact>low</impact><urgency>low</urgency></incident>" % NS, user="agent1")
    d.get(httpd.url + "/itsm/incidents/" + inc.findtext("i:number"))
    axe_check(d, "incident")


def test_problem_and_knowledge_pages(kp_httpd, kpclient, browser_factory):
    """The page kinds of itsm-problem.xsl and itsm-knowledge.xsl, with axe-core: an author
    drafts an article that km1 publishes and alice then finds, votes on and looks up in the
    glossary; the problem manager's lists and problem page; the knowledge gaps."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from incident_util import tag
    from knowledge_util import create_term
    from problem_util import new_problem
    word = "kestrel" + tag().lower().replace("-", "")
    create_term(kpclient, "Data Integration Platform " + word, acronym="DIP")
    d = browser_factory()
    login(d, kp_httpd, "author1", "/itsm/articles/new")
    axe_check(d, "article-editor")
    d.find_element(By.ID, "create-title").send_keys("Renewing the certificate " + word)
    d.find_element(By.ID, "create-body").send_keys("<p>Renew it a month <em>before</em> it expires.</p>")
    d.find_element(By.ID, "create-audience").send_keys("all")
    submit(d, "#create-form button[type=submit]")
    assert "/itsm/articles/KB" in d.current_url
    number = d.current_url.rsplit("/", 1)[1]
    axe_check(d, "article-draft")
    submit(d, "#submit-form button")
    d = browser_factory()       # each person in a browser of their own
    login(d, kp_httpd, "km1", "/itsm/articles?state=in-review&sort=opened")
    assert number in d.page_source
    axe_check(d, "review-queue")
    d.get(kp_httpd.url + "/itsm/articles/" + number)
    submit(d, "#approve-form button")
    submit(d, "#publish-form button")
    assert "published" in d.page_source.lower()
    d.get(kp_httpd.url + "/itsm/articles?q=nothingmatches" + word)
    d.get(kp_httpd.url + "/itsm/knowledge-gaps")
    axe_check(d, "knowledge-gaps")
    d = browser_factory()
    login(d, kp_httpd, "alice")
    axe_check(d, "participant-home-search")
    d.find_element(By.ID, "home-q").send_keys(word)
    submit(d, "form[role=search] button")
    assert number in d.page_source and "<mark>" in d.page_source
    axe_check(d, "knowledge-search")
    submit(d, "a[href$='/articles/%s']" % number)
    axe_check(d, "article")
    submit(d, "#vote-form button[value=true]")
    assert "You said it was helpful" in d.page_source
    d.get(kp_httpd.url + "/itsm/glossary?letter=D&sort=title&limit=10")
    assert word in d.page_source
    axe_check(d, "glossary")
    d.get(kp_httpd.url + "/itsm/articles/KB9999999")
    axe_check(d, "article-not-found")
    pn = new_problem(kpclient, title="Adapter drops files " + word).ticket()["number"]
    d = browser_factory()
    login(d, kp_httpd, "pm1", "/itsm/problems?sort=-updated")
    assert pn in d.page_source
    axe_check(d, "problems")
    d.get(kp_httpd.url + "/itsm/problems?knownError=true&sort=-updated")
    axe_check(d, "known-error-base")
    d.get(kp_httpd.url + "/itsm/problems/" + pn)
    submit(d, "#investigate-form button")
    d.find_element(By.ID, "record-workaround-workaround").send_keys("Split the file")
    submit(d, "#record-workaround-form button")
    assert "workaround in place" in d.page_source.lower()
    axe_check(d, "problem")
    # the problem manager's details form: the statement's priority and the assignment too
    submit(d, "#update-link")
    axe_check(d, "pm-problem-change-details")
    Select(d.find_element(By.ID, "update-priority")).select_by_value("P2")
    d.find_element(By.ID, "update-assignee").send_keys("res1")
    submit(d, "#update-form button")
    assert d.current_url.endswith("/itsm/problems/" + pn)
    assert "<dt>Who holds it now</dt><dd>res1" in d.page_source
    assert "<dt>Priority</dt><dd>P2</dd>" in d.page_source
    # the desk's details form of a problem: its level and service read-only (problem
    # management's), the rest inputs that save
    d = browser_factory()
    login(d, kp_httpd, "agent1", "/itsm/problems/" + pn)
    submit(d, "#update-link")
    assert not d.find_elements(By.ID, "update-level") and d.find_elements(By.ID, "fixed-details")
    axe_check(d, "agent-problem-change-details")
    d.find_element(By.ID, "update-background").send_keys("Seen since the R3 release")
    submit(d, "#update-form button")
    assert d.current_url.endswith("/itsm/problems/" + pn)
    assert "Seen since the R3 release" in d.page_source


def test_suggestions_while_typing_and_the_reviewers_pages(kp_httpd, kpclient, browser_factory):
    """Tier 0 while typing (itsm-suggest.js): alice types the subject of a case, the
    published articles that match appear in the live region above the form; she opens one,
    then raises the case anyway, which records that they did not help. km1 reads what a
    revision changes (the differences page) and the glossary's A-Z bar with its letters
    without terms. axe-core on each state."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from incident_util import tag
    from knowledge_util import act as kact, create_article
    word = "pangolin" + tag().lower().replace("-", "")
    n = create_article(kpclient, title="Meter reads late " + word, audience="all",
                       body="<p>Reads of %s arrive the next day.</p><p>Wait a day.</p>" % word)
    for action in ("submit", "approve", "publish"):
        kact(kpclient, n, action)
    d = browser_factory()
    login(d, kp_httpd, "alice", "/itsm/cases/new")

    def typed(subject):
        d.find_element(By.ID, "create-title").send_keys(subject)
        WebDriverWait(d, 30).until(lambda d: d.find_elements(
            By.CSS_SELECTOR, "#suggest-live a[href$='/articles/%s']" % n))

    # a pause that finds nothing counts nothing: the lookups while typing are no searches
    d.find_element(By.ID, "create-title").send_keys("Quagga %s" % word)
    WebDriverWait(d, 30).until(lambda d: "Nothing matched yet" in d.find_element(
        By.ID, "suggest-live").text)
    assert not [g for g in kpclient.get("/knowledge-gaps", user="km1", params={"limit": "500"})
                .findall("i:gap") if word in g.text]
    d.get(kp_httpd.url + "/itsm/cases/new")
    typed("Reads %s late" % word)
    live = d.find_element(By.ID, "suggest-live")
    assert live.get_attribute("aria-live") == "polite"
    assert "These articles may answer your question" in live.text
    assert live.find_elements(By.TAG_NAME, "mark")      # the matched word marked
    form = d.find_element(By.ID, "create-form")
    assert form.get_attribute("method") == "post" and form.get_attribute("action").endswith("/itsm/cases")
    assert d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").text == "Send"
    d.execute_script("document.getElementById('suggest-live').scrollIntoView()")
    axe_check(d, "raise-a-case-typing")
    submit(d, "#suggest-live a[href$='/articles/%s']" % n)
    assert "/itsm/articles/" + n in d.current_url and "Wait a day." in d.page_source
    # it did not help: raised anyway, straight from the form
    d.get(kp_httpd.url + "/itsm/cases/new")
    typed("Late %s reads" % word)
    d.find_element(By.ID, "create-description").send_keys("The article's wait did not help")
    submit(d, "#create-form button[type=submit]")
    assert "/itsm/cases/CS" in d.current_url, d.current_url
    gaps = kpclient.get("/knowledge-gaps", user="km1", params={"limit": "500"})
    assert [(g.text, g.get("misses"), g.get("deflections")) for g in gaps.findall("i:gap")
            if word in g.text] == [("late %s reads" % word, "0", "1")]
    # the reviewer: a revision in review, its differences from the published version
    kact(kpclient, n, "revise")
    r = kpclient.patch("/articles/" + n, "<article xmlns='%s'><body><p xmlns='%s'>Reads of %s "
                       "arrive the next day.</p><p xmlns='%s'>Wait two days.</p></body></article>"
                       % (NS, NS, word, NS), user="km1", headers={"If-Match": "*"})
    assert r.status == 200, r.text
    kact(kpclient, n, "submit")
    d = browser_factory()
    login(d, kp_httpd, "km1", "/itsm/articles?state=in-review&sort=opened")
    submit(d, "a[href$='/articles/%s/versions/working?diff=1']" % n)
    assert "Removed" in d.page_source and "Added" in d.page_source
    assert d.find_elements(By.CSS_SELECTOR, "del") and d.find_elements(By.CSS_SELECTOR, "ins")
    axe_check(d, "version-differences")
    d.get(kp_httpd.url + "/itsm/glossary?letter=Q&sort=title&limit=20")
    assert d.find_elements(By.CSS_SELECTOR, ".az-empty")
    axe_check(d, "glossary-letters-without-terms")
