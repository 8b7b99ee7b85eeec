# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpfulness votes (POST /{collection}/{number}/votes, versioned kinds), through the test
process's note kind: a reader who may read the current published version marks it helpful or
not, one vote per person and version (a second replaces the first), the counts in the
ticket's document; a version never published, withdrawn, or not visible gets no vote, and
nothing is written."""
import pytest

from conftest import NS, assert_error
from incident_util import nothing_changed, tag

EDITOR = "km1"


def vote_xml(helpful):
    return ('<vote xmlns="%s"><helpful>%s</helpful></vote>' % (NS, helpful)).encode()


def note(client, audience="all"):
    r = client.post("/notes", ('<testNote xmlns="%s"><title>Note %s</title><audience>%s'
                               '</audience></testNote>' % (NS, tag(), audience)).encode(),
                    user=EDITOR)
    assert r.status == 201, r
    return r.ticket()["number"]


def act(client, number, action):
    etag = client.get("/notes/" + number, user=EDITOR).etag
    r = client.post("/notes/%s/actions/%s" % (number, action), user=EDITOR,
                    headers={"If-Match": etag})
    assert r.status == 200, r


def counts(r):
    v = r.find("i:helpfulness")
    return None if v is None else (v.get("version"), v.get("helpful"), v.get("unhelpful"),
                                   v.get("mine"))


def test_one_vote_per_person_and_version(client):
    number = note(client)
    act(client, number, "publish")
    assert counts(client.get("/notes/" + number, user="alice")) == ("1", "0", "0", None)
    r = client.post("/notes/%s/votes" % number, vote_xml("true"), user="alice")
    assert r.status == 200 and counts(r) == ("1", "1", "0", "helpful"), r
    r = client.post("/notes/%s/votes" % number, vote_xml("true"), user="alice")
    assert counts(r) == ("1", "1", "0", "helpful")         # the same person counts once
    client.post("/notes/%s/votes" % number, vote_xml("false"), user="bob")
    r = client.post("/notes/%s/votes" % number, vote_xml("0"), user="alice")
    assert counts(r) == ("1", "0", "2", "unhelpful")       # changed her mind
    assert counts(client.get("/notes/" + number, user="carol")) == ("1", "0", "2", None)
    # a new version starts afresh; the votes of version 1 stay with it
    act(client, number, "publish")
    assert counts(client.get("/notes/" + number, user="alice")) == ("2", "0", "0", None)


def test_no_vote_without_a_published_version_nor_where_one_cannot_read(client, database):
    draft, withdrawn, hidden = note(client), note(client), note(client, audience="party:BRMP")
    act(client, withdrawn, "publish")
    act(client, withdrawn, "withdraw")
    act(client, hidden, "publish")
    for number, user, status, code in ((draft, "alice", 404, "not-found"),
                                       (draft, EDITOR, 409, "not-published"),
                                       (withdrawn, "alice", 404, "not-found"),
                                       (withdrawn, EDITOR, 409, "not-published"),
                                       (hidden, "alice", 404, "not-found"),
                                       ("TNT9999999", "alice", 404, "not-found")):
        with nothing_changed(database):
            r = client.post("/notes/%s/votes" % number, vote_xml("true"), user=user)
        assert_error(r, status, code)


@pytest.mark.parametrize("body,status,code", [
    (b'<vote xmlns="urn:mod-itsm:xml:1"><helpful>maybe</helpful></vote>', 400, "schema-invalid"),
    (b'<vote xmlns="urn:mod-itsm:xml:1"/>', 400, "schema-invalid"),
    (b'<vote xmlns="urn:mod-itsm:xml:1"><helpful>true</helpful>', 400, "malformed-xml"),
])
def test_bad_votes_are_refused_and_nothing_written(client, database, body, status, code):
    number = note(client)
    act(client, number, "publish")
    with nothing_changed(database):
        r = client.post("/notes/%s/votes" % number, body, user="alice")
    assert_error(r, status, code)


def test_votes_only_on_versioned_kinds_and_by_post(client):
    assert_error(client.post("/tests/TST0000001/votes", vote_xml("true"), user="alice"), 404)
    assert client.get("/notes/TNT0000001/votes", user="alice").status == 405
