# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Kinds seen by an audience, and published versions (the test process's kind "note", TNT,
element <testNote>): a note is seen by its party, by roles that see all, and by the audience
in its field <audience> ("all", "party:ID", "market-role:NAME", "role:NAME"); those who may
not update notes (alice, bob, carol, prov1, res1, res2 here) read only its current published
version, while its editors (km1, admin1) read and change the working copy.

The sample directory: alice and carol are of ALPE (market role Supplier), bob of BRMP
(Supplier), prov1 of ESGS (Supplier Agent, Service Provider; acts for ALPE and MTRW), km1 of
ELEX (knowledge-manager, sees all). res1 holds the roles resolver and cab-member, res2 only
resolver."""
import os

import pytest

from conftest import Client, assert_error, itsm_directives, ticket_xml
from incident_util import feed_for, nothing_changed, tag

EDITOR = "km1"
READERS = ("alice", "bob", "carol", "prov1")


def note(client, user=EDITOR, expect=201, **fields):
    fields.setdefault("title", "Note " + tag())
    r = client.post("/notes", ticket_xml("testNote", **fields), user=user)
    assert r.status == expect, r
    return r.ticket()["number"] if expect == 201 else r


def act(client, number, action, user=EDITOR, expect=200):
    etag = client.get("/notes/" + number, user=EDITOR).etag
    r = client.post("/notes/%s/actions/%s" % (number, action), user=user,
                    headers={"If-Match": etag})
    assert r.status == expect, r
    return r


def edit(client, number, user=EDITOR, expect=200, **fields):
    etag = client.get("/notes/" + number, user=EDITOR).etag
    r = client.patch("/notes/" + number, ticket_xml("testNote", **fields), user=user,
                     headers={"If-Match": etag})
    assert r.status == expect, r
    return r


def status(client, user, number):
    return client.get("/notes/" + number, user=user).status


def listed(client, user, among, **params):
    """The numbers of among that user's list of notes shows (every page)."""
    out, offset = [], 0
    while True:
        r = client.get("/notes", user=user, params=dict(params, limit=500, offset=offset))
        assert r.status == 200 and r.root == "list", r
        out += [n for n in r.numbers() if n in among]
        if r.doc.get("more") != "true":
            return sorted(out)
        offset += 500


def test_audience_decides_who_reads_a_published_note(client):
    audiences = {"all": "all", "alpe": "party:ALPE",
                 "agents": "market-role:Supplier-Agent", "none": None}
    n = {k: note(client, audience=a) for k, a in audiences.items()}
    for k in n:
        act(client, n[k], "publish")
    sees = {
        "alice": {"all", "alpe"},
        "carol": {"all", "alpe"},
        "bob": {"all"},
        "prov1": {"all", "alpe", "agents"},     # acts for ALPE; its party is a Supplier Agent
        EDITOR: set(n),                         # sees all
    }
    for user, keys in sees.items():
        for k, number in n.items():
            assert status(client, user, number) == (200 if k in keys else 404), (user, k)
        assert listed(client, user, n.values()) == sorted(n[k] for k in keys), user


def test_market_roles_match_in_any_case_and_with_spaces_as_hyphens(client):
    number = note(client, audience="market-role:SUPPLIER")
    act(client, number, "publish")
    assert status(client, "alice", number) == 200 and status(client, "bob", number) == 200
    assert status(client, "prov1", number) == 404       # ESGS is no Supplier


def test_the_raising_party_always_reads_it(client):
    number = note(client, party="BRMP", audience="party:ALPE")
    act(client, number, "publish")
    for user in ("bob", "alice", "carol", "prov1"):
        assert status(client, user, number) == 200, user
    bare = note(client, party="BRMP")
    act(client, bare, "publish")
    assert status(client, "bob", bare) == 200
    assert status(client, "alice", bare) == 404


def test_a_reader_never_sees_a_draft(client):
    number = note(client, audience="all", body="not ready")
    for user in READERS:
        assert status(client, user, number) == 404, user
        assert listed(client, user, [number]) == []
        assert client.get("/notes/%s/versions" % number, user=user).status == 404
    working = client.get("/notes/" + number, user=EDITOR)
    assert working.status == 200 and working.ticket()["state"] == "draft"
    assert "publishedVersion" not in working.ticket()
    # as a link target: an editor of tests links to it, a reader cannot
    mine = client.post("/tests", ticket_xml(title="alice's"), user="alice").ticket()["number"]
    etag = client.get("/tests/" + mine, user="alice").etag
    r = client.post("/tests/%s/links" % mine, ticket_xml("link", type="relates-to",
                    target=number), user="alice", headers={"If-Match": etag})
    assert_error(r, 422, "invalid-field")


def test_an_earlier_version_for_fewer_readers_stays_theirs(client):
    """A note first published for BRMP, then for everyone: alice (ALPE) reads the current
    version but neither reads nor lists the first, which was not for her (404 as for a
    version that does not exist); bob, for whom both were, reads both. Fails if a reader of
    the current version read every earlier one."""
    number = note(client, title="For BRMP first", audience="party:BRMP", body="one")
    act(client, number, "publish")
    edit(client, number, title="For everyone now", body="two", audience="all")
    act(client, number, "publish")
    assert client.get("/notes/" + number, user="alice").ticket()["publishedVersion"] == "2"
    assert_error(client.get("/notes/%s/versions/1" % number, user="alice"), 404, "not-found")
    listed = client.get("/notes/%s/versions" % number, user="alice")
    assert [v.get("n") for v in listed.findall("i:version")] == ["2"], listed
    assert client.get("/notes/%s/versions/1" % number, user="bob").ticket()["title"] == \
        "For BRMP first"
    assert [v.get("n") for v in client.get("/notes/%s/versions" % number,
                                           user="bob").findall("i:version")] == ["1", "2"]


# An earlier version's own audience, by each kind of key, and the note's own party: who
# reads (and lists) version 1 once version 2 is for everyone. prov1 (ESGS, a Supplier Agent)
# reads by the parties it acts for (ALPE, MTRW), not by its own.
EARLIER_AUDIENCES = [
    ({"audience": "party:ALPE"}, {"alice", "carol", "prov1"}),
    ({"audience": "market-role:Supplier"}, {"alice", "carol", "bob"}),
    ({"audience": "market-role:Supplier-Agent"}, {"prov1"}),
    ({"audience": "party:MTRW", "party": "BRMP"}, {"bob", "prov1"}),   # bob: the note's party
]


@pytest.mark.parametrize("first,readers", EARLIER_AUDIENCES)
def test_an_earlier_version_is_read_by_its_own_audience(client, first, readers):
    """Each reader of the current version (for everyone) reads and lists version 1 exactly
    when version 1's audience named them (by party, a party they act for, market role) or
    the note is of their party; the others get 404 as for a version that does not exist."""
    number = note(client, title="Earlier " + tag(), body="one", **first)
    act(client, number, "publish")
    edit(client, number, title="For everyone now", body="two", audience="all")
    act(client, number, "publish")
    for user in READERS:
        one = client.get("/notes/%s/versions/1" % number, user=user)
        listed_ns = [v.get("n") for v in client.get("/notes/%s/versions" % number,
                                                     user=user).findall("i:version")]
        if user in readers:
            assert one.status == 200 and one.ticket()["title"].startswith("Earlier"), user
            assert listed_ns == ["1", "2"], user
        else:
            assert_error(one, 404, "not-found")
            assert listed_ns == ["2"], user


def test_published_version_stays_while_the_editor_changes_the_working_copy(client):
    number = note(client, title="First words", audience="all", body="version one")
    act(client, number, "publish")
    edit(client, number, title="Second thoughts", body="version two", audience="party:BRMP")

    seen = client.get("/notes/" + number, user="alice")
    assert seen.status == 200, seen
    t = seen.ticket()
    assert (t["title"], t["body"], t["audience"], t["state"], t["publishedVersion"]) == \
        ("First words", "version one", "all", "published", "1")
    working = client.get("/notes/" + number, user=EDITOR).ticket()
    assert (working["title"], working["body"], working["publishedVersion"]) == \
        ("Second thoughts", "version two", "1")
    r = client.get("/notes", user="alice", params={"limit": 500})
    shown = [i for i in r.findall("i:testNote") if i.findtext("i:number", namespaces={
        "i": "urn:mod-itsm:xml:1"}) == number]
    assert [i.findtext("{urn:mod-itsm:xml:1}title") for i in shown] == ["First words"]

    act(client, number, "publish")          # version 2, for BRMP only
    assert status(client, "alice", number) == 404
    t = client.get("/notes/" + number, user="bob").ticket()
    assert (t["title"], t["body"], t["publishedVersion"]) == ("Second thoughts", "version two", "2")

    versions = client.get("/notes/%s/versions" % number, user=EDITOR)
    assert versions.status == 200 and versions.root == "versions", versions
    rows = [(v.get("n"), v.text, v.get("state"), v.get("current"), v.get("actor"))
            for v in versions.findall("i:version")]
    assert rows == [("1", "First words", "published", "false", EDITOR),
                    ("2", "Second thoughts", "published", "true", EDITOR)]
    one = client.get("/notes/%s/versions/1" % number, user=EDITOR)
    assert one.status == 200 and one.root == "testNote", one
    assert (one.ticket()["title"], one.ticket()["body"], one.ticket()["publishedVersion"]) == \
        ("First words", "version one", "1")
    # a reader of the current version: the published versions whose own audience names
    # them (version 1 was for all); alice, whom version 2 leaves out, none of them
    mine = client.get("/notes/%s/versions" % number, user="bob")
    assert [v.get("n") for v in mine.findall("i:version")] == ["1", "2"]
    assert client.get("/notes/%s/versions/2" % number, user="bob").status == 200
    v1 = client.get("/notes/%s/versions/1" % number, user="bob")
    assert v1.status == 200 and v1.ticket()["title"] == "First words", v1
    for path in ("/notes/%s/versions" % number, "/notes/%s/versions/1" % number):
        assert_error(client.get(path, user="alice"), 404, "not-found")
    assert_error(client.get("/notes/%s/versions/2" % number, user="bob",
                            params={"diff": "1"}), 403, "forbidden")
    assert_error(client.get("/notes/%s/versions/3" % number, user=EDITOR), 404, "not-found")
    assert_error(client.get("/notes/%s/versions/x" % number, user=EDITOR), 404, "not-found")

    journal = client.get("/notes/%s/journal" % number, user=EDITOR)
    changes = [(c.get("field"), c.findtext("i:old", namespaces={"i": "urn:mod-itsm:xml:1"}),
                c.findtext("i:new", namespaces={"i": "urn:mod-itsm:xml:1"}))
               for c in journal.doc.iter("{urn:mod-itsm:xml:1}change")
               if c.get("field") == "publishedVersion"]
    assert changes == [("publishedVersion", None, "1"), ("publishedVersion", "1", "2")]


def test_withdrawn_note_is_gone_for_readers_and_kept_for_editors(client):
    number = note(client, audience="all")
    act(client, number, "publish")
    assert status(client, "bob", number) == 200
    act(client, number, "withdraw")
    assert status(client, "bob", number) == 404
    assert listed(client, "bob", [number]) == []
    working = client.get("/notes/" + number, user=EDITOR).ticket()
    assert working["state"] == "withdrawn" and "publishedVersion" not in working
    versions = client.get("/notes/%s/versions" % number, user=EDITOR)
    assert [(v.get("n"), v.get("current")) for v in versions.findall("i:version")] == \
        [("1", "false")]
    act(client, number, "publish")
    assert client.get("/notes/" + number, user="bob").ticket()["publishedVersion"] == "2"


def test_readers_list_by_state_and_order_only(client):
    number = note(client, audience="all")
    act(client, number, "publish")
    assert listed(client, "alice", [number], state="published", sort="-opened") == [number]
    assert listed(client, "alice", [number], state="draft") == []
    for params in ({"priority": "P1"}, {"sort": "updated"}, {"party": "ELEX"}):
        assert_error(client.get("/notes", user="alice", params=params), 400, "bad-query")
    assert listed(client, EDITOR, [number], sort="updated") == [number]


def test_refusals_change_nothing(client, database):
    number = note(client, audience="all", body="kept")
    act(client, number, "publish")
    etag = client.get("/notes/" + number, user=EDITOR).etag
    with nothing_changed(database):
        for bad in ("everyone", "party:", "role: x", "all market-role"):
            assert_error(client.post("/notes", ticket_xml("testNote", title="x", audience=bad),
                                     user=EDITOR), 422, "invalid-field")
        assert_error(client.patch("/notes/" + number, ticket_xml("testNote", audience="group:x"),
                                  user=EDITOR, headers={"If-Match": etag}), 422, "invalid-field")
        # readers may not change, publish or read the history of the working copy
        assert_error(client.patch("/notes/" + number, ticket_xml("testNote", body="mine"),
                                  user="alice", headers={"If-Match": etag}), 403, "forbidden")
        for action in ("publish", "withdraw"):
            assert_error(client.post("/notes/%s/actions/%s" % (number, action), user="alice",
                                     headers={"If-Match": etag}), 403, "forbidden")
        assert_error(client.get("/notes/%s/journal" % number, user="alice"), 403, "forbidden")
        assert_error(client.get("/notes/stats", user="alice"), 403, "forbidden")
        assert_error(client.post("/notes", ticket_xml("testNote", title="x"), user="alice"),
                     403, "forbidden")
        assert_error(client.post("/notes/%s/actions/withdraw" % number, user=EDITOR,
                                 headers={"If-Match": '"999"'}), 412)


def test_party_kinds_keep_party_isolation(client):
    """An audience kind loaded beside them changes nothing for tickets of party kinds."""
    mine = client.post("/tests", ticket_xml(title="alice only"), user="alice").ticket()["number"]
    assert client.get("/tests/" + mine, user="bob").status == 404
    assert mine not in client.get("/tests", user="bob", params={"limit": 500}).numbers()


def role_table(env):
    """The test role table with resolver seeing only its party (ELEX): res1 and res2 then
    see notes of other parties by their audience alone."""
    src = os.path.join(os.path.dirname(__file__), "authz-test.xml")
    with open(src) as f:
        text = f.read().replace('<role name="resolver" scope="all"/>',
                                '<role name="resolver" scope="party"/>')
    path = os.path.join(env.base, "authz-audience.xml")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_role_audience_is_read_by_role_holders_only(client, env, make_httpd):
    number = note(client, party="BRMP", audience="role:cab-member")
    act(client, number, "publish")
    conf = itsm_directives(env)
    conf["ITSMAuthzFile"] = role_table(env)
    h = make_httpd("audience-roles", itsm=conf)
    h.start()
    other = Client(h)
    assert status(other, "res1", number) == 200         # holds cab-member
    assert_error(other.get("/notes/" + number, user="res2"), 404, "not-found")
    assert status(other, "bob", number) == 200          # the raising party
    assert status(other, "alice", number) == 404
    assert listed(other, "res1", [number]) == [number]
    assert listed(other, "res2", [number]) == []
    assert status(client, "res2", number) == 200        # resolver sees all on the main server


def test_an_editors_only_field_is_shown_to_the_editors_only(client):
    """A field flagged ITSM_FIELD_EDITORS_ONLY (the note's <editorial>) is in no answer to
    those who may not update the kind: not its document, versions, differences, lists,
    searches; nor can they filter on it. Its editors see it everywhere."""
    t = tag()
    secret = "for party:BRMP only " + t
    number = note(client, audience="all", body="words " + t, editorial=secret)
    act(client, number, "publish")
    edit(client, number, body="words again " + t, editorial=secret + " v2")
    act(client, number, "publish")
    paths = [("/notes/" + number, {}), ("/notes/%s/versions/1" % number, {}),
             ("/notes/%s/versions/2" % number, {}), ("/notes/%s/versions" % number, {}),
             ("/notes/%s/versions/2" % number, {"diff": "1"}),
             ("/notes", {"limit": 500}), ("/notes", {"q": t})]
    for user in ("alice", "bob", "res1"):
        for path, params in paths:
            r = client.get(path, user=user, params=params)
            assert r.status in (200, 403, 404), (user, path, r)
            assert secret not in r.text and "editorial" not in r.text, (user, path, r)
        assert_error(client.get("/notes", user=user, params={"editorial": secret}), 400,
                     "bad-query")
    assert client.get("/notes/" + number, user="bob").ticket()["body"] == "words again " + t
    # the editors
    assert client.get("/notes/" + number, user=EDITOR).ticket()["editorial"] == secret + " v2"
    assert client.get("/notes/%s/versions/1" % number,
                      user=EDITOR).ticket()["editorial"] == secret
    d = client.get("/notes/%s/versions/2" % number, user=EDITOR, params={"diff": "1"})
    assert "editorial" in {f.get("name") for f in d.findall("i:field")}
    assert listed(client, EDITOR, [number], editorial=secret + " v2") == [number]
    journal = client.get("/notes/%s/journal" % number, user=EDITOR)
    assert "editorial" in {c.get("field") for c in journal.doc.iter("{urn:mod-itsm:xml:1}change")}
    # the feed's summaries go to followers who need not be editors: never the field
    edit(client, number, user="admin1", body="words thrice " + t, editorial="third " + t)
    entries = feed_for(client, EDITOR, number)
    assert entries and "thrice" in entries[-1]["summary"], entries
    assert not [e for e in entries if "editorial" in e["summary"] or "third" in e["summary"]
                or "party:BRMP" in e["summary"]], entries
