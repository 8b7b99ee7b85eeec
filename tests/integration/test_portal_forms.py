# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The portal's forms post the API's documents: CSRF refusal, refusals shown beside the
field with the input kept, stale versions, the reply to a request for information, party
isolation, sessions (logout, expiry) and escaping on every page kind."""
import re
import time

from conftest import NS
from portal_util import Browser, details_form_saves, form_of, forms, raise_form, text
from test_portal_pages import new_case

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert"


def journal(client, number):
    r = client.get("/cases/%s/journal" % number, user="agent1")
    assert r.status == 200
    return r.findall("i:entry")


def state_of(client, number, user="agent1"):
    r = client.get("/cases/" + number, user=user)
    return r.findtext("i:state"), r.findtext("i:version")


def test_form_without_or_with_a_wrong_token_is_refused(httpd, client):
    number = new_case(client)
    b = Browser(httpd)
    b.login("agent1")
    page = b.page("/itsm/cases/" + number).text
    f = form_of(page, "/actions/triage")
    before = state_of(client, number), len(journal(client, number))
    for token in (None, "0" * 40, f["inputs"]["itsm-csrf"][:-1] + "x"):
        data = dict(f["inputs"], note="triage it")
        if token is None:
            del data["itsm-csrf"]
        else:
            data["itsm-csrf"] = token
        r = b.post(f["action"], data)
        assert r.status_code == 403
        assert "expired or did not come from this site" in r.text
    # another person's session has another token
    other = Browser(httpd)
    other.login("im1")
    theirs = form_of(other.page("/itsm/cases/" + number).text, "/actions/triage")
    r = b.post(f["action"], dict(f["inputs"], **{"itsm-csrf": theirs["inputs"]["itsm-csrf"]}))
    assert r.status_code == 403
    assert (state_of(client, number), len(journal(client, number))) == before
    # the right token: done
    r = b.post(f["action"], dict(f["inputs"], note="triage it"))
    assert r.status_code == 303
    assert state_of(client, number)[0] == "in-triage"


def test_refusal_is_shown_beside_the_field_with_the_input_kept(httpd, client):
    b = Browser(httpd)
    b.login("alice")
    f = raise_form(b)[0]
    data = dict(f["inputs"], title="", description="Kept description", marketRole="Supplier")
    r = b.post(f["action"], data)
    assert r.status_code in (400, 422)
    page = r.text
    assert "There is a problem" in page
    assert 'id="create-title-error"' in page and "Enter the subject" in page
    assert 'href="#create-title"' in page
    assert "Kept description" in page and 'value="Supplier"' in page
    assert "<title>Error: " in page
    # the refused form's values are on the page: no browser keeps it
    assert r.headers["Cache-Control"] == "no-store", r.headers


def test_a_value_the_schema_refuses_is_shown_in_words_beside_its_input(httpd, database):
    """A 347-character subject: the summary links the subject's input and says what is wrong
    in words, the same words beside it; libxml2's text ("Element '{urn:...}title': [facet
    ...") is not shown to the person; nothing is written."""
    b = Browser(httpd)
    b.login("alice")
    f = raise_form(b)[0]
    before = database.snapshot()
    r = b.post(f["action"], dict(f["inputs"], title="y" * 347, description="Kept description"))
    assert r.status_code == 400
    page = r.text
    said = "Subject is longer than the 200 characters allowed."
    assert '<a href="#create-title">%s</a>' % said in page
    assert 'id="create-title-error"' in page and text(page).count(said) == 2
    assert "Element" not in page and "facet" not in page and "maxLength" not in page
    assert "Kept description" in page and "y" * 347 in page
    assert database.snapshot() == before


def test_stale_version_shows_the_new_state(httpd, client):
    number = new_case(client)
    b = Browser(httpd)
    b.login("agent1")
    f = form_of(b.page("/itsm/cases/" + number).text, "/actions/triage")
    # meanwhile someone else changes the case
    r = client.patch("/cases/" + number, "<case xmlns='%s'><title>Changed elsewhere</title></case>" % NS,
                     user="im1", headers={"If-Match": '"1"'})
    assert r.status == 200
    r = b.post(f["action"], dict(f["inputs"], note="too late"))
    assert r.status_code == 412
    assert "Someone else changed this ticket" in r.text
    # an action's form posts only what was filled in: its input is kept for another try
    assert form_of(r.text, "/actions/triage")["inputs"]["note"] == "too late"
    assert "Changed elsewhere" in r.text
    st, version = state_of(client, number)
    assert st == "new" and version == "2"


def test_details_are_changed_on_a_page_of_their_own(httpd, client):
    """The ticket's page shows the details read-only with a link to the form (?edit=details);
    the form's refusal comes back on that page with the message beside the field and the
    input kept, a stale version changes nothing, and a saved change goes back to the page."""
    number = new_case(client, title="Details on their own page")
    b = Browser(httpd)
    b.login("agent1")
    page = b.page("/itsm/cases/" + number).text
    assert 'href="/itsm/cases/%s?edit=details"' % number in page
    assert "Change the details" in text(page)
    assert not [f for f in forms(page) if f["action"] == "/itsm/cases/" + number]
    assert form_of(page, "/actions/triage")     # the actions stay on the ticket's page
    edit = b.page("/itsm/cases/%s?edit=details" % number).text
    assert "<title>Change the details of %s - " % number in edit
    f = form_of(edit, "/itsm/cases/" + number)
    assert f["inputs"]["title"] == "Details on their own page"
    assert f["inputs"]["itsm-version"] == "1" and f["inputs"]["itsm-csrf"]
    assert 'href="/itsm/cases/%s"' % number in edit             # back without saving
    # refused: the same page again, the message beside the field, the input kept
    r = b.post(f["action"], dict(f["inputs"], impact="enormous", description="Kept on refusal"))
    assert r.status_code in (400, 422)
    assert "There is a problem" in r.text and 'id="update-impact-error"' in r.text
    assert 'aria-describedby="update-impact-error"' in r.text and "Kept on refusal" in r.text
    assert "<title>Error: Change the details of %s" % number in r.text
    assert 'id="update-form"' in r.text
    assert state_of(client, number) == ("new", "1")
    # without the token: refused, nothing changed
    data = dict(f["inputs"], title="No token")
    del data["itsm-csrf"]
    assert b.post(f["action"], data).status_code == 403
    # stale: someone else changed it since the form was loaded
    r = client.patch("/cases/" + number, "<case xmlns='%s'><title>Changed elsewhere</title></case>" % NS,
                     user="im1", headers={"If-Match": '"1"'})
    assert r.status == 200
    r = b.post(f["action"], dict(f["inputs"], description="Mine, too late"))
    assert r.status_code == 412
    assert "Someone else changed this ticket" in r.text and 'id="update-form"' in r.text
    assert client.get("/cases/" + number, user="agent1").findtext("i:title") == "Changed elsewhere"
    # the form shows the ticket as it is now, not the input: saved again as shown it keeps the
    # other person's change (the input kept with the new version wrote the old title back)
    f412 = form_of(r.text, "/itsm/cases/" + number)
    assert f412["inputs"]["itsm-version"] == "2"
    assert f412["inputs"]["title"] == "Changed elsewhere", f412["inputs"]
    assert "Mine, too late" not in r.text
    r = b.post(f412["action"], f412["inputs"])
    assert r.status_code == 303
    assert client.get("/cases/" + number, user="agent1").findtext("i:title") == "Changed elsewhere"
    # saved: back to the ticket's page
    f = form_of(b.page("/itsm/cases/%s?edit=details" % number).text, "/itsm/cases/" + number)
    r = b.post(f["action"], dict(f["inputs"], title="Saved from the form"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/itsm/cases/" + number)
    assert client.get("/cases/" + number, user="agent1").findtext("i:title") == "Saved from the form"
    assert state_of(client, number) == ("new", "3")


def test_details_form_clears_an_input_left_blank(httpd, client, database):
    """An optional input blanked and saved clears its field (a PATCH's empty element), as
    the one who blanked it expects; the inputs left as they were change nothing; a required
    input blanked is refused beside it, nothing written."""
    r = client.post("/incidents", "<incident xmlns='%s'><title>Blank me</title>"
                    "<impact>low</impact><urgency>low</urgency><category>Choreography</category>"
                    "<contact>Jo on 0123</contact><nextSteps>Call the supplier</nextSteps>"
                    "</incident>" % NS, user="agent1")
    assert r.status == 201, r.text
    number = r.findtext("i:number")
    b = Browser(httpd)
    b.login("agent1")
    f = form_of(b.page("/itsm/incidents/%s?edit=details" % number).text,
                "/itsm/incidents/" + number)
    assert f["inputs"]["category"] == "Choreography" and f["inputs"]["impact"] == "low"
    assert f["inputs"]["nextSteps"] == "Call the supplier"
    # a required input blanked: refused beside it, nothing written
    snap = database.snapshot()
    r = b.post(f["action"], dict(f["inputs"], title="", category=""))
    assert r.status_code == 422 and 'id="update-title-error"' in r.text, r.text[:3000]
    assert database.snapshot() == snap
    # the optional ones blanked (a text input, a textarea): cleared, the rest kept
    r = b.post(f["action"], dict(f["inputs"], category="", nextSteps=""))
    assert r.status_code == 303, r.text[:3000]
    t = client.get("/incidents/" + number, user="agent1")
    assert t.find("i:category") is None and t.find("i:nextSteps") is None
    assert t.findtext("i:contact") == "Jo on 0123" and t.findtext("i:impact") == "low"
    assert t.findtext("i:version") == "2"
    entry = client.get("/incidents/%s/journal" % number, user="agent1").findall("i:entry")[-1]
    assert {c.get("field"): c.findtext("{%s}old" % NS) for c in entry.findall("{%s}change" % NS)
            if c.find("{%s}new" % NS) is None} == {"category": "Choreography",
                                                   "nextSteps": "Call the supplier"}
    # saved again as it stands: nothing to change, no new version
    f = form_of(b.page("/itsm/incidents/%s?edit=details" % number).text,
                "/itsm/incidents/" + number)
    assert b.post(f["action"], f["inputs"]).status_code == 303
    assert client.get("/incidents/" + number, user="agent1").findtext("i:version") == "2"
    # the post-incident review's text is publish-review's alone: never an input of the form
    assert "review" not in f["inputs"], f["inputs"]


def test_details_form_is_not_offered_without_the_right_to_change(httpd, client):
    """?edit=details for someone who may read the ticket but not change it (a problem
    manager on an incident) is the ticket's page, without a form nor a link to one."""
    r = client.post("/incidents", "<incident xmlns='%s'><title>Read only here</title>"
                    "<impact>low</impact><urgency>low</urgency></incident>" % NS, user="agent1")
    assert r.status == 201, r.text
    number = r.findtext("i:number")
    b = Browser(httpd)
    b.login("pm1")
    page = b.page("/itsm/incidents/%s?edit=details" % number).text
    assert "<title>%s: Read only here - " % number in page
    assert 'id="update-form"' not in page and "?edit=details" not in page
    assert b.page("/itsm/incidents/%s?edit=details" % number).status_code == 200


def test_the_test_kinds_details_form_saves_every_input(httpd, client):
    """The test process (no update callback) fixes no field: its form, for the desk and for a
    participant, saves each input (the processes' own: test_portal_knowledge.py)."""
    for user in ("agent1", "alice"):
        r = client.post("/tests", "<ticket xmlns='%s'><title>Details of a test</title></ticket>" % NS,
                        user=user)
        assert r.status == 201, r.text
        b = Browser(httpd)
        b.login(user)
        details_form_saves(b, "/itsm/tests/" + r.findtext("i:number"))


def test_participant_replies_to_a_request_for_information(httpd, client):
    number = new_case(client)
    r = client.post("/cases/%s/actions/request-info" % number,
                    "<case xmlns='%s'><note>Which meter?</note></case>" % NS,
                    user="agent1", headers={"If-Match": '"1"'})
    assert r.status == 200, r.text
    b = Browser(httpd)
    b.login("alice")
    page = b.page("/itsm/cases/" + number).text
    assert "The service desk is waiting for your reply" in text(page)
    assert "Which meter?" in page
    f = form_of(page, "/actions/provide-info")
    assert "Reply to the service desk" in page
    r = b.post(f["action"], dict(f["inputs"], note="Meter 123"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/itsm/cases/" + number)
    page = b.page("/itsm/cases/" + number).text
    assert "Meter 123" in page
    assert state_of(client, number)[0] == "in-triage"


def test_another_partys_ticket_page_is_not_found(httpd, client):
    number = new_case(client, user="alice")
    b = Browser(httpd)
    b.login("bob")
    r = b.get("/itsm/cases/" + number)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
    assert "Meter reads missing" not in r.text
    # nor may bob post to it
    r = b.post("/itsm/cases/%s/actions/provide-info" % number,
               {"itsm-csrf": "x", "note": "hello"})
    assert r.status_code == 403


def test_logout_ends_the_session(httpd):
    """Sign-out is a POST from the form in every page's header (its CSRF token); a GET of its
    URL (a link, an image on another page) ends nothing and shows the button."""
    b = Browser(httpd)
    b.login("alice")
    page = b.page("/itsm/me").text
    f = form_of(page, "/itsm-logout")
    assert f["method"] == "post" and re.fullmatch("[0-9a-f]{40}", f["inputs"]["itsm-csrf"])
    assert 'href="/itsm-logout"' not in page
    r = b.get("/itsm-logout")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "You are signed out" not in r.text
    assert "<title>Sign out - " in r.text     # no error: the button's page
    button = form_of(r.text, "/itsm-logout")
    assert button["method"] == "post" and button["inputs"] == f["inputs"]
    b.page("/itsm/me")                  # still signed in
    r = b.post(button["action"], button["inputs"])
    assert r.status_code == 200 and "You are signed out" in r.text
    assert r.headers["Cache-Control"] == "no-store"
    r = b.get("/itsm/me")
    assert r.status_code == 302 and "/itsm-login" in r.headers["Location"]
    # nothing to end: the sign-in page, for a GET as for a POST
    for r in (b.get("/itsm-logout"), b.post("/itsm-logout", f["inputs"])):
        assert r.status_code == 200 and "Sign in" in r.text and "itsm-csrf" not in r.text


# a sign-out refused: (what, the form given alice's and bob's tokens, headers, log number)
SIGN_OUT_REFUSALS = [
    ("no token", lambda mine, bobs: {}, {}, "00407"),
    ("a wrong token", lambda mine, bobs: {"itsm-csrf": "0" * 40}, {}, "00407"),
    ("a token too long", lambda mine, bobs: {"itsm-csrf": mine + "0"}, {}, "00407"),
    ("another person's token", lambda mine, bobs: {"itsm-csrf": bobs}, {}, "00407"),
    ("another site's form", lambda mine, bobs: {"itsm-csrf": mine},
     {"Sec-Fetch-Site": "cross-site"}, "00406"),
]


def test_a_sign_out_refused_keeps_the_session(httpd):
    bob = Browser(httpd)
    bob.login("bob")
    bobs = form_of(bob.page("/itsm/me").text, "/itsm-logout")["inputs"]["itsm-csrf"]
    b = Browser(httpd)
    b.login("alice")
    mine = form_of(b.page("/itsm/me").text, "/itsm-logout")["inputs"]["itsm-csrf"]
    for what, form, headers, number in SIGN_OUT_REFUSALS:
        since = httpd.log_size()
        r = b.post("/itsm-logout", form(mine, bobs), headers=headers)
        assert r.status_code == 403, what
        assert r.headers["Cache-Control"] == "no-store", what
        assert "ITSM%s: " % number in httpd.log_since(since), what
        if number == "00407":   # the page of the button again, with what happened
            assert "There is a problem" in r.text and "still signed in" in r.text, what
            assert "<title>Error: Sign out - " in r.text, what
            assert form_of(r.text, "/itsm-logout")["inputs"]["itsm-csrf"] == mine, what
        assert "My account" in b.page("/itsm/me").text, what
    # other methods: 405, naming the two it takes
    for method in ("PUT", "DELETE"):
        r = b.s.request(method, b.url("/itsm-logout"), timeout=60, allow_redirects=False)
        assert r.status_code == 405 and "POST" in r.headers["Allow"], (method, r.headers)
    b.page("/itsm/me")
    assert bob.sign_out().status_code == 200 and b.sign_out().status_code == 200


def test_expired_session_goes_to_login_and_back(make_httpd):
    h = make_httpd("portal-expiry", session_max_age=2)
    h.start()
    b = Browser(h)
    b.login("alice", back="/itsm/me")
    b.page("/itsm/me")
    time.sleep(3.5)         # past SessionMaxAge: the cookie's session has expired
    r = b.get("/itsm/me")
    assert r.status_code == 302 and r.headers["Location"].endswith("/itsm-login/itsm/me?")
    r = b.login("alice", back="/itsm/me")
    assert r.headers["Location"] == "/itsm/me"
    assert "My account" in b.page("/itsm/me").text


def test_a_wrong_password_keeps_the_page_asked_for(httpd, expect_log):
    """A mistyped password: the page after it says so (its title "Error: ..."), and signing in
    from it still goes to the page first asked for, query and all (it went home)."""
    expect_log(r"AH01807: user 'alice': authentication failure")
    b = Browser(httpd)
    r = b.get("/itsm/cases?open=true&sort=-updated")
    assert r.status_code == 302
    login = b.get(r.headers["Location"]).text
    form = [f for f in forms(login) if "httpd_username" in f["inputs"]][0]
    assert form["inputs"]["httpd_location"] == "/itsm/cases?open=true&sort=-updated"
    r = b.post(form["action"], dict(form["inputs"], httpd_username="alice", httpd_password="wrong"))
    assert r.status_code == 302 and "/itsm-login?failed=1&" in r.headers["Location"]
    again = b.get(r.headers["Location"])
    assert again.status_code == 200
    assert "<title>Error: Sign in - " in again.text
    assert "The login or password is not right" in again.text
    form = [f for f in forms(again.text) if "httpd_username" in f["inputs"]][0]
    assert form["inputs"]["httpd_location"] == "/itsm/cases?open=true&sort=-updated"
    assert form["inputs"]["httpd_username"] == ""      # not kept: docs/portal.md says why
    r = b.post(form["action"], dict(form["inputs"], httpd_username="alice", httpd_password="sample"))
    assert r.status_code == 302 and r.headers["Location"] == "/itsm/cases?open=true&sort=-updated"
    assert b.page("/itsm/cases?open=true&sort=-updated").status_code == 200
    # a return address that is not a local path is not carried on either
    page = b.get("/itsm-login?failed=1&to=//evil.example/").text
    assert "evil" not in page and 'action="/itsm-auth"' in page


def test_login_refuses_a_wrong_password_and_another_host(httpd, expect_log):
    expect_log(r"AH01807: user 'alice': authentication failure")
    b = Browser(httpd)
    r = b.post("/itsm-auth", {"httpd_username": "alice", "httpd_password": "wrong",
                              "httpd_location": "/itsm/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/itsm-login?failed=1&")
    assert "The login or password is not right" in b.get(r.headers["Location"]).text
    # a login form posted from elsewhere cannot send the person to another site
    for elsewhere in ("//evil.example/", "https://evil.example/x", "/\\evil.example",
                      "/\t/evil.example/", "/\n/evil.example/", "/ /evil.example/"):
        other = Browser(httpd)
        r = other.post("/itsm-auth", {"httpd_username": "alice", "httpd_password": "sample",
                                      "httpd_location": elsewhere})
        assert r.status_code == 302 and r.headers["Location"] == "/itsm/", elsewhere
        # ... nor through the inline login of any page under AuthType form
        r = Browser(httpd).post("/itsm/", {"httpd_username": "alice",
                                           "httpd_password": "sample",
                                           "httpd_location": elsewhere})
        assert r.status_code in (301, 302) and r.headers["Location"] == "/itsm/", \
            (elsewhere, r.status_code, r.headers.get("Location"))
    r = other.post("/itsm-auth", {"httpd_username": "alice", "httpd_password": "sample",
                                  "httpd_location": "/itsm/cases?open=true"})
    assert r.headers["Location"] == "/itsm/cases?open=true"
    # the login page offers to return only to a path of this site
    # a login posted from another site (login CSRF) is refused before it is tried, on the
    # login handler and inline; the same form from the site itself signs in
    for path in ("/itsm-auth", "/itsm/"):
        r = Browser(httpd).post(path, {"httpd_username": "alice", "httpd_password": "sample",
                                       "httpd_location": "/itsm/"},
                                headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403 and "set-cookie" not in {k.lower() for k in r.headers}, \
            (path, r.status_code, r.headers)
    r = Browser(httpd).post("/itsm-auth", {"httpd_username": "alice", "httpd_password": "sample",
                                           "httpd_location": "/itsm/"},
                            headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 302 and r.headers["Location"] == "/itsm/"
    for to in ("//evil.example/", "/%09/evil.example/"):
        page = b.get("/itsm-login?to=" + to).text
        assert "evil.example" not in page, to


def test_script_in_every_text_field_is_shown_escaped(httpd, client):
    """Every page kind that shows what people typed: case page (fields, description,
    history notes), list, raise-a-case form given back after a refusal, feed, incident page
    and the banner of a major incident."""
    number = new_case(client, title=SCRIPT.replace("<", "&lt;"), organisation="O" + SCRIPT.replace("<", "&lt;"),
                      marketParticipantId="M" + SCRIPT.replace("<", "&lt;"))
    r = client.post("/cases/%s/actions/request-info" % number,
                    "<case xmlns='%s'><note>%s</note></case>" % (NS, SCRIPT.replace("<", "&lt;")),
                    user="agent1", headers={"If-Match": '"1"'})
    assert r.status == 200
    inc = client.post("/incidents", "<incident xmlns='%s'><title>%s</title><impact>high</impact>"
                      "<urgency>high</urgency><description>%s</description></incident>"
                      % (NS, SCRIPT.replace("<", "&lt;"), SCRIPT.replace("<", "&lt;")), user="im1")
    assert inc.status == 201, inc.text
    inumber = inc.findtext("i:number")
    r = client.post("/incidents/%s/actions/declare-major" % inumber,
                    "<incident xmlns='%s'><impactStatement>%s</impactStatement></incident>"
                    % (NS, SCRIPT.replace("<", "&lt;")), user="im1", headers={"If-Match": '"1"'})
    assert r.status == 200, r.text
    alice = Browser(httpd)
    alice.login("alice")
    agent = Browser(httpd)
    agent.login("agent1")
    pages = {
        "case": alice.page("/itsm/cases/" + number).text,
        "list": alice.page("/itsm/cases").text,
        "feed": alice.page("/itsm/feeds/me").text,
        "home-banner": alice.page("/itsm/").text,
        "incident": agent.page("/itsm/incidents/" + inumber).text,
        "view": alice.page("/itsm/major-incidents/active").text,
    }
    f = raise_form(alice, title="Reads late")[0]
    r = alice.post(f["action"], dict(f["inputs"], title="", description=SCRIPT))
    pages["form-again"] = r.text
    for kind, page in pages.items():
        assert SCRIPT not in page and "<script" not in page, kind
        assert ESCAPED in page, kind
    # the banner shows the major incident to everyone; its page opens only to those who may
    # read it (alice, of another party, would follow a link to "Page not found")
    assert inumber in text(pages["home-banner"])
    assert 'href="/itsm/incidents/%s"' % inumber not in pages["home-banner"]
    assert alice.get("/itsm/incidents/" + inumber).status_code == 404
    assert 'href="/itsm/incidents/%s"' % inumber in agent.page("/itsm/").text
    # a major incident of alice's own party: linked for her, and its page opens
    own = client.post("/incidents", "<incident xmlns='%s'><title>ALPE feed down</title>"
                      "<impact>high</impact><urgency>high</urgency><party>ALPE</party>"
                      "</incident>" % NS, user="im1")
    assert own.status == 201, own.text
    onumber = own.findtext("i:number")
    r = client.post("/incidents/%s/actions/declare-major" % onumber,
                    "<incident xmlns='%s'><impactStatement>Feeds</impactStatement></incident>"
                    % NS, user="im1", headers={"If-Match": '"1"'})
    assert r.status == 200, r.text
    home = alice.page("/itsm/").text
    assert 'href="/itsm/incidents/%s"' % onumber in home
    assert 'href="/itsm/incidents/%s"' % inumber not in home
    assert alice.get("/itsm/incidents/" + onumber).status_code == 200
    # a reader without the grant to read incidents (a knowledge author sees every party)
    # is not sent to a 403
    author = Browser(httpd)
    author.login("author1")
    assert 'href="/itsm/incidents/' not in author.page("/itsm/").text


def test_a_textareas_line_breaks_are_the_apis(httpd, client):
    """A browser sends a textarea's line breaks as CRLF; the portal reads them as an XML
    document's (LF): a multi-line description written through the API and saved untouched in
    the details form writes nothing, and a changed one is stored with LF alone."""
    body = ("<case xmlns='%s'><title>Two lines</title><description>first line\nsecond line"
            "</description></case>" % NS)
    r = client.post("/cases", body, user="alice")
    assert r.status == 201, r.text
    number = r.findtext("i:number")
    b = Browser(httpd)
    b.login("agent1")
    path = "/itsm/cases/" + number
    f = form_of(b.page(path + "?edit=details").text, path)
    assert f["inputs"]["description"] == "first line\nsecond line"
    as_sent = {k: v.replace("\n", "\r\n") for k, v in f["inputs"].items()}
    r = b.post(f["action"], as_sent)
    assert r.status_code == 303, (r.status_code, r.text[:2000])
    assert state_of(client, number) == ("new", "1")       # nothing written
    assert len(journal(client, number)) == 1
    f = form_of(b.page(path + "?edit=details").text, path)
    r = b.post(f["action"], dict(f["inputs"], description="one\r\ntwo\rthree\r\n\r\nfour"))
    assert r.status_code == 303, (r.status_code, r.text[:2000])
    got = client.get("/cases/" + number, user="agent1").findtext("i:description")
    assert got == "one\ntwo\nthree\n\nfour", repr(got)
