# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Knowledge articles (mod_itsm_knowledge, LLSD 16): the lifecycle draft -> in-review ->
approved -> published -> retired under the RACI of 16.5 (author1 drafts and submits, km1
reviews, approves, publishes and retires), the body's safe XHTML subset, the published
versions readers see while the next one is drafted, and the reviewers' diff."""
import pytest

from conftest import assert_error
from incident_util import nothing_changed, tag
from knowledge_util import (AUTHOR, BODY, KM, PATH, act, article_in, article_xml,
                            create_article, edit)

STATES = list(PATH)
# action -> the states it is taken from, and where it leads
ALLOWED = {
    "submit": ({"draft"}, "in-review"),
    "reject": ({"in-review", "approved"}, "draft"),
    "approve": ({"in-review"}, "approved"),
    "publish": ({"approved"}, "published"),
    "retire": ({"published"}, "retired"),
    "revise": ({"published", "retired"}, "draft"),
}


def test_km1_and_author1_create_drafts_with_title_and_body(client):
    for user in (KM, AUTHOR):
        r = client.post("/articles", article_xml("What is the DIP?", BODY), user=user)
        assert r.status == 201, r
        assert r.root == "article"
        assert r.findtext("i:state") == "draft"
        assert r.findtext("i:number").startswith("KB")
        assert r.findtext("i:audience") == "internal"
        assert r.find("i:body/i:p/i:em").text == "DIP"
        assert r.findtext("i:publishedVersion") is None


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("state", STATES)
def test_each_transition_from_each_state(client, database, action, state):
    number = article_in(client, state)
    allowed, to = ALLOWED[action]
    if state in allowed:
        r = act(client, number, action)
        assert r.findtext("i:state") == to
    else:
        with nothing_changed(database):
            r = act(client, number, action, expect=409)
        assert_error(r, 409, "invalid-transition")


def test_the_raci_of_16_5(client, database):
    """author1 drafts and submits but does not approve, publish or retire; readers take no
    action; km1 does everything."""
    number = create_article(client, user=AUTHOR)
    act(client, number, "submit", user=AUTHOR)
    for user, action in ((AUTHOR, "approve"), ("agent1", "approve"), ("alice", "reject")):
        with nothing_changed(database):
            assert_error(act(client, number, action, user=user, expect=403), 403, "forbidden")
    act(client, number, "reject", user=KM)
    act(client, number, "submit", user=AUTHOR)
    act(client, number, "approve", user=KM)
    with nothing_changed(database):
        assert_error(act(client, number, "publish", user=AUTHOR, expect=403), 403)
    act(client, number, "publish", user=KM)
    with nothing_changed(database):
        assert_error(act(client, number, "retire", user=AUTHOR, expect=403), 403)
    act(client, number, "revise", user=AUTHOR)      # a new draft of the published article
    # a participant or an agent cannot create an article
    for user in ("alice", "agent1"):
        with nothing_changed(database):
            r = client.post("/articles", article_xml("x", BODY), user=user)
        assert_error(r, 403, "forbidden")


def test_only_drafts_and_articles_in_review_are_edited(client, database):
    for state in STATES:
        number = article_in(client, state)
        if state in ("draft", "in-review"):
            r = edit(client, number, body="<p>Edited.</p>")
            assert r.find("i:body/i:p").text == "Edited."
        else:
            with nothing_changed(database):
                r = edit(client, number, body="<p>Edited.</p>", expect=409)
            assert_error(r, 409, "not-editable")
            # the message names the step there is: an approved article is sent back
            # (reject: revise is from published or retired)
            step = "reject" if state == "approved" else "revise"
            assert "the action %s" % step in r.findtext("i:message"), (state, r.text)


BAD = [
    # (body or fields, status, code, named in the message)
    ({"body": "<script>alert(1)</script>"}, 422, "invalid-field", "<script>"),
    ({"body": '<p onclick="x()">x</p>'}, 422, "invalid-field", "onclick"),
    ({"body": '<p><a href="javascript:alert(1)">x</a></p>'}, 422, "invalid-field", "javascript:"),
    ({"body": '<p><a href="vbscript:x">x</a></p>'}, 422, "invalid-field", "vbscript:"),
    ({"body": '<div style="x">x</div>'}, 422, "invalid-field", "<div>"),
    ({"body": '<p style="color:red">x</p>'}, 422, "invalid-field", "style"),
    ({"body": '<iframe src="https://example.org"/>'}, 422, "invalid-field", "<iframe>"),
    ({"body": "<h1>Top</h1>"}, 422, "invalid-field", "<h1>"),
    ({"body": '<form action="x"><input/></form>'}, 422, "invalid-field", "<form>"),
    ({"body": None}, 422, "invalid-field", "<body>"),
    # a body that says nothing is no body (docs/knowledge.md: required)
    ({"body": ""}, 422, "invalid-field", "<body>"),
    ({"body": "   "}, 422, "invalid-field", "<body>"),
    ({"body": "<p> </p>\n<p></p>"}, 422, "invalid-field", "<body>"),
    ({"body": "<p>&#160;&#x3000;</p>"}, 422, "invalid-field", "<body>"),    # Unicode spaces
    ({"body": BODY, "audience": "everyone"}, 422, "invalid-field", "everyone"),
    ({"body": BODY, "audience": "internal party:ALPE"}, 422, "invalid-field", "internal"),
    ({"body": BODY, "audience": "role:x internal"}, 422, "invalid-field", "internal"),
    # <br> is empty: its text would be indexed and served, and dropped by the pages
    ({"body": "<p>a<br>hidden words</br></p>"}, 422, "invalid-field", "<br>"),
    ({"body": BODY, "readers": "all"}, 422, "invalid-field", "read-only"),
    ({"body": BODY, "state": "published"}, 422, "invalid-field", "state"),
]


@pytest.mark.parametrize("fields,status,code,named", BAD)
def test_bad_articles_are_refused_and_nothing_written(client, database, fields, status, code,
                                                      named):
    fields = dict(fields)
    body = fields.pop("body")
    with nothing_changed(database):
        r = client.post("/articles", article_xml("Bad article", body, **fields), user=KM)
    assert_error(r, status, code)
    assert named in r.findtext("i:message"), r


@pytest.mark.parametrize("body", ["", "   ", "<p>\t</p>"])
def test_an_edit_to_an_empty_body_is_refused_and_nothing_written(client, database, body):
    number = article_in(client, "draft")
    with nothing_changed(database):
        r = edit(client, number, body=body, expect=422)
    assert_error(r, 422, "invalid-field")
    assert "<body>" in r.findtext("i:message"), r
    assert client.get("/articles/" + number, user=KM).find("i:body/i:p/i:em") is not None


def test_an_audience_entry_is_read_whole(client):
    """'internal' alone keeps the article to the knowledge roles; an entry that only holds
    the word (a role named internal-audit) is an entry as any other."""
    r = client.post("/articles", article_xml("Audit " + tag(), BODY,
                                             audience="role:internal-audit party:ALPE"), user=KM)
    assert r.status == 201 and r.findtext("i:audience") == "role:internal-audit party:ALPE", r
    r = client.post("/articles", article_xml("Internal " + tag(), BODY, audience=" internal "),
                    user=KM)
    assert r.status == 201 and r.findtext("i:audience") == "internal", r


@pytest.mark.parametrize("given,stored", [("Internal", "internal"), ("ALL", "all"),
                                          ("All  party:ALPE", "all party:ALPE")])
def test_the_audience_words_are_read_in_any_case(client, given, stored):
    """internal and all as typed (Internal was refused with a message that did not name
    internal)."""
    r = client.post("/articles", article_xml("Words " + tag(), BODY, audience=given), user=KM)
    assert r.status == 201 and r.findtext("i:audience") == stored, r


def test_a_word_that_is_no_audience_is_refused_naming_every_form(client, database):
    with nothing_changed(database):
        r = client.post("/articles", article_xml("Words " + tag(), BODY, audience="everyone"),
                        user=KM)
    assert_error(r, 422, "invalid-field")
    assert "'everyone' is no audience: give internal alone, all, or party:ID" in r.findtext(
        "i:message"), r.text


# audiences whose parties match nobody, refused naming the field sent (<audience>, not the
# read-only <readers> derived from it), with what the message says about the entry
BAD_AUDIENCES = [
    ("party:NOPE", "no party NOPE"),
    ("party:alpe", "party:ALPE"),                   # Party IDs as the directory writes them
    ("party:ALPE,party:BRMP", "not commas"),        # one entry, a party of no such ID
    ("all party:ALPE party:NOPE", "no party NOPE"),
    # a 101st entry (a megabyte of them would be compared pairwise and sent to the directory)
    (" ".join("role:r%d" % i for i in range(101)), "at most 100 entries"),
]


@pytest.mark.parametrize("audience,says", BAD_AUDIENCES)
def test_an_audience_naming_no_party_is_refused_and_nothing_written(client, database,
                                                                     audience, says):
    with nothing_changed(database):
        r = client.post("/articles", article_xml("Audience " + tag(), BODY, audience=audience),
                        user=KM)
    assert_error(r, 422, "invalid-field")
    message = r.findtext("i:message")
    assert "<audience>" in message and "readers" not in message and says in message, message
    number = article_in(client, "draft", audience="party:ALPE")
    with nothing_changed(database):
        r = edit(client, number, audience=audience, expect=422)
    assert_error(r, 422, "invalid-field")
    assert "<audience>" in r.findtext("i:message"), r


@pytest.mark.parametrize("who", ["alice", "agent1"])
def test_an_article_is_assigned_to_its_editors_only(client, database, who):
    """A person who reads articles as published only (a service user, a desk agent) cannot
    open the draft they would be assigned: refused, nothing written (an exploratory tester
    found alice assigned an internal draft). An author or a manager is taken."""
    number = article_in(client, "draft")
    with nothing_changed(database):
        r = edit(client, number, user=AUTHOR, assignee=who, expect=422)
    assert_error(r, 422, "invalid-field")
    assert "<assignee>: %s does not edit article tickets" % who in r.findtext("i:message"), r
    with nothing_changed(database):
        r = client.post("/articles", article_xml("Assigned " + tag(), BODY, assignee=who),
                        user=KM)
    assert_error(r, 422, "invalid-field")
    for editor in (AUTHOR, KM):
        assert edit(client, number, user=AUTHOR, assignee=editor).findtext("i:assignee") \
            == editor
    # a login the directory does not know is said so (an article is no party's ticket)
    nobody = "nobody" + tag().lower().replace("-", "")
    r = edit(client, number, user=AUTHOR, assignee=nobody, expect=422)
    assert r.findtext("i:message") == \
        "<assignee>: there is no person %s in the directory." % nobody, r


def test_an_audience_of_parties_of_the_directory_is_read_by_them(client):
    many = " ".join(["party:ALPE", "party:BRMP"] + ["role:r%d" % i for i in range(98)])
    assert client.post("/articles", article_xml("Hundred " + tag(), BODY, audience=many),
                       user=KM).status == 201          # 100 entries: the most taken
    number = article_in(client, "published", audience="party:ALPE party:BRMP")
    assert client.get("/articles/" + number, user=KM).findtext("i:audience") == \
        "party:ALPE party:BRMP"
    for user in ("alice", "bob"):
        assert client.get("/articles/" + number, user=user).status == 200
    assert client.get("/articles/" + number, user="prov1").status == 200   # acts for ALPE


def test_versions_refuse_a_parameter_they_do_not_take_and_a_malformed_diff(client):
    """diff only, of a version's number or working: ?foo=1 was ignored, ?diff=abc was 404."""
    number = article_in(client, "published", audience="all")
    base = "/articles/%s/versions" % number
    for user in (KM, "alice"):
        for path in (base, base + "/1"):
            r = client.get(path, user=user, params={"foo": "1"})
            assert_error(r, 400, "bad-query")
            assert "'foo'" in r.findtext("i:message"), r
            assert client.get(path, user=user).status == 200
    for diff in ("", "abc", "0", "-1", "1x"):
        for which in ("1", "working"):
            r = client.get("%s/%s?diff=%s" % (base, which, diff), user=KM)
            assert_error(r, 400, "bad-query")
            assert "diff" in r.findtext("i:message"), r
    assert client.get(base + "/working", user=KM, params={"diff": "1"}).root == "versionDiff"
    assert client.get(base + "/1", user=KM, params={"diff": "working"}).root == "versionDiff"
    assert_error(client.get(base + "/working", user=KM, params={"diff": "7"}), 404, "not-found")


def test_a_doctype_is_refused_and_nothing_written(client, database):
    body = b'<!DOCTYPE article [<!ENTITY e "x">]>' + article_xml("x", "<p>&amp;</p>")
    with nothing_changed(database):
        r = client.post("/articles", body, user=KM)
    assert_error(r, 400, "doctype-forbidden")
    with nothing_changed(database):
        r = client.post("/articles", b"<article xmlns='urn:mod-itsm:xml:1'><title>x</title>"
                        b"<body><p>unclosed</body></article>", user=KM)
    assert_error(r, 400, "malformed-xml")


@pytest.mark.parametrize("state", ["draft", "in-review", "approved"])
def test_a_published_version_is_retired_while_its_revision_is_worked(client, database, state):
    """What must come down comes down now: retire from a revision's working copy takes the
    published version out of publication; the revision's edits stay on the retired working
    copy, and revise brings them back as a draft. A never-published article has nothing to
    retire (409, nothing written)."""
    number = create_article(client, title="Old advice", audience="all", body="<p>Do X.</p>")
    for action in PATH["published"]:
        act(client, number, action)
    act(client, number, "revise", user=AUTHOR)
    edit(client, number, user=AUTHOR, title="New advice", body="<p>Do Y.</p>", audience="all")
    for action in {"draft": [], "in-review": ["submit"], "approved": ["submit", "approve"]}[state]:
        act(client, number, action)
    assert client.get("/articles/" + number, user="alice").findtext("i:title") == "Old advice"
    r = act(client, number, "retire")
    assert r.findtext("i:state") == "retired" and r.findtext("i:title") == "New advice", r.text
    assert r.findtext("i:publishedVersion") is None
    assert_error(client.get("/articles/" + number, user="alice"), 404)
    assert number not in client.get("/articles", user="alice").numbers()
    r = act(client, number, "revise", user=AUTHOR)
    assert (r.findtext("i:state"), r.findtext("i:title")) == ("draft", "New advice")
    never = article_in(client, state)
    with nothing_changed(database):
        r = act(client, never, "retire", expect=409)
    assert_error(r, 409, "invalid-transition")
    assert r.findtext("i:message") == "'retire' takes a published version out of " \
        "publication: this %s article has none" % state, r.text


def test_readers_see_the_published_version_while_the_next_is_drafted(client):
    number = create_article(client, title="Certificate renewal", audience="all",
                            body="<p>Renew yearly.</p>")
    assert_error(client.get("/articles/" + number, user="alice"), 404)     # a draft
    for action in PATH["published"]:
        act(client, number, action)
    r = client.get("/articles/" + number, user="alice")
    assert r.status == 200 and r.findtext("i:publishedVersion") == "1", r
    act(client, number, "revise", user=AUTHOR)
    edit(client, number, user=AUTHOR, title="Certificate renewal (2027)",
         body="<p>Renew yearly.</p><p>Use the new portal.</p>", audience="all")
    # the reader still reads version 1, the editor the new draft
    r = client.get("/articles/" + number, user="alice")
    assert r.findtext("i:title") == "Certificate renewal"
    assert r.findtext("i:state") == "published"
    assert len(r.findall("i:body/i:p")) == 1
    assert client.get("/articles/" + number, user=KM).findtext("i:state") == "draft"
    # the reviewer's diff: the draft against the version readers see
    d = client.get("/articles/%s/versions/working" % number, user=KM, params={"diff": "1"})
    assert d.status == 200 and d.root == "versionDiff", d
    fields = {f.get("name"): f for f in d.findall("i:field")}
    assert set(fields) == {"title", "body", "state"}
    assert [c.tag.split("}")[1] for c in fields["body"]] == ["same", "added"]
    for action in ("submit", "approve", "publish"):
        act(client, number, action)
    r = client.get("/articles/" + number, user="alice")
    assert r.findtext("i:publishedVersion") == "2"
    assert r.findtext("i:title") == "Certificate renewal (2027)"
    # version 1 stays readable, to editors and to readers (a published version), never the
    # draft
    v1 = client.get("/articles/%s/versions/1" % number, user=AUTHOR)
    assert v1.status == 200 and v1.findtext("i:title") == "Certificate renewal"
    v1 = client.get("/articles/%s/versions/1" % number, user="alice")
    assert v1.status == 200 and v1.findtext("i:title") == "Certificate renewal"
    assert client.get("/articles/%s/versions/2" % number, user="alice").status == 200
    assert [v.get("n") for v in client.get("/articles/%s/versions" % number,
                                           user="alice").findall("i:version")] == ["1", "2"]
    for which in ("3", "working"):
        assert_error(client.get("/articles/%s/versions/%s" % (number, which), user="alice"), 404)
    vs = client.get("/articles/%s/versions" % number, user=KM)
    assert [v.get("n") for v in vs.findall("i:version")] == ["1", "2"]
    d = client.get("/articles/%s/versions/2" % number, user=KM, params={"diff": "1"})
    fields = {f.get("name"): f for f in d.findall("i:field")}
    assert set(fields) == {"title", "body"}
    # retired: readers lose it, editors keep its versions
    act(client, number, "retire")
    assert_error(client.get("/articles/" + number, user="alice"), 404)
    assert client.get("/articles/%s/versions/2" % number, user=KM).status == 200


def act_with(client, number, action, body=None, expect=200, **fields):
    """An action whose body sets fields (docs/api.md: set with the transition)."""
    etag = client.get("/articles/" + number, user=KM).etag
    r = client.post("/articles/%s/actions/%s" % (number, action),
                    article_xml(body=body, **fields), user=KM, headers={"If-Match": etag})
    assert r.status == expect, r
    return r


@pytest.mark.parametrize("state,action,first", [("approved", "publish", "reject"),
                                                ("published", "retire", "revise")])
def test_an_action_does_not_edit_an_article_that_is_not_edited(client, database, state,
                                                                action, first):
    """An approved, published or retired article is not edited (409 not-editable), by a PATCH
    nor by the fields of an action's body that leaves it so: publish with a new body
    published text nobody reviewed, retire rewrote the retired working copy."""
    number = article_in(client, state)
    for fields in ({"body": "<p>unreviewed %s</p>" % tag()},
                   {"body": None, "audience": "all"}, {"body": None, "keywords": "new"}):
        with nothing_changed(database):
            r = act_with(client, number, action, expect=409, **fields)
        assert_error(r, 409, "not-editable")
        assert ("'%s' takes the %s article as it is" % (action, state)) in r.findtext(
            "i:message") and first in r.findtext("i:message"), r.text
    # an action that is not allowed from the state says so first
    with nothing_changed(database):
        r = act_with(client, number, "approve", body="<p>x</p>", expect=409)
    assert_error(r, 409, "invalid-transition")
    # the same action without fields, or with the fields as they are, is taken
    r = act_with(client, number, action, body=None, expect=200, title=client.get(
        "/articles/" + number, user=KM).findtext("i:title"))
    assert r.findtext("i:state") == ALLOWED[action][1]
    if action == "publish":
        assert "unreviewed" not in client.get("/articles/%s/versions/1" % number,
                                              user=KM).text


@pytest.mark.parametrize("state,action", [("approved", "reject"), ("retired", "revise")])
def test_an_action_to_a_draft_takes_an_edit_under_its_checks(client, database, state, action):
    """reject and revise make a draft, which is edited: their fields are taken, checked as a
    PATCH's (a blank body refused, nothing written)."""
    number = article_in(client, state)
    with nothing_changed(database):
        r = act_with(client, number, action, body="<p> </p>", expect=422)
    assert_error(r, 422, "invalid-field")
    r = act_with(client, number, action, body="<p>changed on the way back</p>", expect=200)
    assert r.findtext("i:state") == "draft"
    assert r.findtext("i:body/i:p") == "changed on the way back"


def test_an_audience_set_with_an_action_is_checked_and_applied(client, database):
    """Fields set with submit (a draft is edited) follow an edit's rules: the audience is
    checked, and its readers derived from it (they stayed the old audience's: an article
    submitted with audience party:ALPE reached every reader once published)."""
    number = article_in(client, "draft", audience="all")
    with nothing_changed(database):
        r = act_with(client, number, "submit", expect=422, audience="internal all")
    assert_error(r, 422, "invalid-field")
    act_with(client, number, "submit", audience="party:ALPE")
    act(client, number, "approve")
    act(client, number, "publish")
    r = client.get("/articles/" + number, user=KM)
    assert r.findtext("i:audience") == "party:ALPE" and r.findtext("i:readers") == "party:ALPE"
    assert client.get("/articles/" + number, user="alice").status == 200
    assert client.get("/articles/" + number, user="bob").status == 404
