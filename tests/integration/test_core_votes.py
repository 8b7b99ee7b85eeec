# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpfulness votes (POST /{collection}/{number}/votes, versioned kinds), through the test
process's note kind: a reader who may read the current published version marks it helpful or
not, one vote per person and version (a second replaces the first), the counts in the
ticket's document; a version never published, withdrawn, or not visible gets no vote, and
nothing is written. The note's net votes (ITSM_FIELD_VOTES "netVotes": each voter's vote on
the newest version they voted on, +1 or -1) are kept by the core in the vote's transaction,
back-filled from stored votes, never set by a request, and raise its rank in a search
(itsm_search_t.boost_field)."""
import concurrent.futures

import pytest

from conftest import NS, Client, assert_error, fresh_server, sql_runner, ticket_xml
from incident_util import nothing_changed, tag

EDITOR = "km1"


def vote_xml(helpful):
    return ('<vote xmlns="%s"><helpful>%s</helpful></vote>' % (NS, helpful)).encode()


def note(client, audience="all", title=None):
    r = client.post("/notes", ('<testNote xmlns="%s"><title>%s</title><audience>%s'
                               '</audience></testNote>' % (NS, title or "Note " + tag(),
                                                           audience)).encode(),
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
    r = client.post("/notes/%s/votes" % number, vote_xml(" 0 "), user="alice")
    assert counts(r) == ("1", "0", "2", "unhelpful")       # changed her mind (xs:boolean)
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


def ranked(client, q, user="alice"):
    r = client.get("/notes", user=user, params={"q": q})
    assert r.status == 200 and r.root == "list", r
    return r.numbers()


def two_published_notes(client):
    """Two notes of the same words, published: (the words' tag, the first, the second)."""
    t = tag()
    first, second = note(client, title="Same words " + t), note(client, title="Same words " + t)
    for n in (first, second):
        act(client, n, "publish")
    return t, first, second


def net_votes(run, number):
    return run("SELECT f.value FROM itsm_field_index f JOIN itsm_ticket t ON t.id = f.ticket_id "
               "WHERE t.number = '%s' AND f.name = 'netVotes'" % number)


def test_net_votes_are_kept_with_each_vote_and_raise_the_rank(client, database):
    t, first, second = two_published_notes(client)
    run = sql_runner(database, database.params, "itsm")
    # equal matches rank by number: the first before the second (and the search is cached)
    assert ranked(client, t + " words") == [first, second]
    assert net_votes(run, second) == []
    for user in ("bob", "carol"):
        assert client.post("/notes/%s/votes" % second, vote_xml("true"), user=user).status == 200
    assert net_votes(run, second) == ["2"]
    assert ranked(client, t + " words") == [second, first]      # the vote moved the cache on
    # each voter counts once, by the newest version they voted on: bob's "no" on version 2
    # replaces his "yes" on version 1, carol's "yes" on version 1 still counts
    act(client, second, "publish")
    assert client.post("/notes/%s/votes" % second, vote_xml("false"), user="bob").status == 200
    assert net_votes(run, second) == ["0"]
    assert ranked(client, t + " words") == [first, second]
    assert client.post("/notes/%s/votes" % second, vote_xml("true"), user="res1").status == 200
    assert net_votes(run, second) == ["1"]
    assert ranked(client, t + " words") == [second, first]
    # the editors' search of the working copies reads the same value
    assert ranked(client, t + " words", user=EDITOR) == [second, first]
    # an edit of the note leaves its votes alone
    etag = client.get("/notes/" + second, user=EDITOR).etag
    assert client.patch("/notes/" + second, ticket_xml("testNote", body="more"), user=EDITOR,
                        headers={"If-Match": etag}).status == 200
    assert net_votes(run, second) == ["1"]


VOTERS = ("admin1", "agent1", "im1", "pm1", "cm1", "km1", "author1", "res1", "res2", "alice",
          "carol", "bob", "prov1")


def test_votes_at_once_each_count(client, database):
    """Every voter of a note at the same moment counts in its net votes: on PostgreSQL the
    writers run together, and each vote's sum is taken after the ticket's row is locked, so
    none is written without another's committed vote (without the lock, two concurrent sums
    each miss the other's)."""
    run = sql_runner(database, database.params, "itsm")
    for _ in range(3):
        number = note(client)
        act(client, number, "publish")
        with concurrent.futures.ThreadPoolExecutor(len(VOTERS)) as pool:
            statuses = list(pool.map(lambda u: client.post("/notes/%s/votes" % number,
                                                           vote_xml("true"), user=u).status,
                                     VOTERS))
        assert set(statuses) <= {200, 403, 404}, statuses
        assert statuses.count(200) >= 6, statuses
        assert net_votes(run, number) == [str(statuses.count(200))]


def test_no_request_sets_the_net_votes(client, database):
    number = note(client)
    act(client, number, "publish")
    etag = client.get("/notes/" + number, user=EDITOR).etag
    with nothing_changed(database):
        r = client.patch("/notes/" + number, ticket_xml("testNote", netVotes="50"), user=EDITOR,
                         headers={"If-Match": etag})
        assert r.status in (400, 422), r
        r = client.post("/notes", ticket_xml("testNote", title="Note " + tag(), audience="all",
                                             netVotes="50"), user=EDITOR)
        assert r.status in (400, 422), r
    assert "netVotes" not in client.get("/notes/" + number, user=EDITOR).text


def test_net_votes_of_votes_stored_before_are_back_filled(env, slapd, database, make_httpd):
    """A database whose votes predate the field (as a tree before it left it: no netVotes
    rows, the field not in itsm_field_indexed) gets them at the next start."""
    h = fresh_server(env, database, "netvotes", make=make_httpd)
    c = Client(h)
    t, first, second = two_published_notes(c)
    for user in ("alice", "bob"):
        assert c.post("/notes/%s/votes" % second, vote_xml("true"), user=user).status == 200
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    run("DELETE FROM itsm_field_index WHERE name = 'netVotes'")
    run("DELETE FROM itsm_field_indexed WHERE kind = 'note' AND name = 'netVotes'")
    h.start()
    assert ranked(c, t + " words") == [second, first]
    assert net_votes(run, second) == ["2"] and net_votes(run, first) == []


def test_schema_25_keeps_the_boost_generation_in_a_column_of_its_own(env, slapd, database,
                                                                   make_httpd):
    """Schema 25: a vote that changes a value moves the kind's boost column of
    itsm_search_gen, not a row of its own; a database as schema 24 left it (the boost kept in
    a row named '+' and the kind, no column) has those rows folded in at the next start, and
    a vote after it still renews the cached answers."""
    h = fresh_server(env, database, "boostgen", make=make_httpd)
    c = Client(h)
    t, first, second = two_published_notes(c)
    assert ranked(c, t + " words") == [first, second]       # cached
    assert c.post("/notes/%s/votes" % second, vote_xml("true"), user="bob").status == 200
    assert ranked(c, t + " words") == [second, first]
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    assert run("SELECT boost FROM itsm_search_gen WHERE kind = 'note'") == ["1"]
    assert run("SELECT kind FROM itsm_search_gen WHERE kind LIKE '+%'") == []
    # as schema 24 left it: no column, the boost in a row of its own
    (gen,) = run("SELECT gen FROM itsm_search_gen WHERE kind = 'note'")
    run("CREATE TABLE itsm_search_gen_24 (kind VARCHAR(40) PRIMARY KEY, gen BIGINT NOT NULL)")
    run("INSERT INTO itsm_search_gen_24 (kind, gen) SELECT kind, gen FROM itsm_search_gen")
    run("INSERT INTO itsm_search_gen_24 (kind, gen) VALUES ('+note', 5)")
    run("DROP TABLE itsm_search_gen")
    run("ALTER TABLE itsm_search_gen_24 RENAME TO itsm_search_gen")
    run("DELETE FROM itsm_schema WHERE version >= 25")
    h.start()
    try:
        assert ranked(c, t + " words") == [second, first]      # the first request migrates
        # the '+note' row folded in (5), then moved once by schema 26's reading of the rows'
        # boost values, which the set back ran again
        assert run("SELECT gen || ' ' || boost FROM itsm_search_gen WHERE kind = 'note'") == \
            [gen + " 6"]
        assert run("SELECT kind FROM itsm_search_gen WHERE kind LIKE '+%'") == []
        # alice's "no" and carol's "no" take the second below the first: the answer renewed
        for user in ("alice", "carol"):
            assert c.post("/notes/%s/votes" % second, vote_xml("false"),
                          user=user).status == 200
        assert ranked(c, t + " words") == [first, second]
        assert run("SELECT boost FROM itsm_search_gen WHERE kind = 'note'") == ["8"]
        assert net_votes(run, second) == ["-1"]
        # an older build on the same database (a rolling upgrade) records a vote: the net
        # value, and its '+note' row moved; this build's cached answer is renewed by it, but
        # the index rows it ranks by (schema 26) hold the value it wrote itself
        run("UPDATE itsm_field_index SET value = '3' WHERE name = 'netVotes' AND ticket_id = "
            "(SELECT id FROM itsm_ticket WHERE number = '%s')" % second)
        run("INSERT INTO itsm_search_gen (kind, gen) VALUES ('+note', 1)")
        assert ranked(c, t + " words") == [first, second]
        # what docs/install.md says to do after such an upgrade: the rows read again
        h.stop()
        run("UPDATE itsm_search_indexed SET boost = ''")
        h.start()
        assert ranked(c, t + " words") == [second, first]
    finally:
        h.stop()


def test_schema_26_ranks_by_the_boost_value_the_index_rows_hold(env, slapd, database,
                                                               make_httpd):
    """Schema 26: each index row holds its ticket's boost value (a note's net votes), kept
    with each vote and each write of the row; a database as schema 25 left it (no such
    column, the values only in itsm_field_index) has them read at the next start."""
    h = fresh_server(env, database, "rowboost", make=make_httpd)
    c = Client(h)
    t, first, second = two_published_notes(c)
    for user in ("alice", "bob"):
        assert c.post("/notes/%s/votes" % second, vote_xml("true"), user=user).status == 200
    assert ranked(c, t + " words") == [second, first]
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    boosts = ("SELECT (r.rid %% 2) || ' ' || COALESCE(CAST(r.boost AS INTEGER), -99) FROM "
              "itsm_search_row r JOIN itsm_ticket t ON t.id = r.id WHERE t.number = '%s' "
              "ORDER BY r.rid")
    # both copies' rows (the working copy's and the published one's) hold the net votes
    assert run(boosts % second) == ["0 2", "1 2"]
    assert run(boosts % first) == ["0 -99", "1 -99"]
    assert run("SELECT boost FROM itsm_search_indexed WHERE kind = 'note'") == ["netVotes"]
    # as schema 25 left it: no values in the rows, no field named
    run("UPDATE itsm_search_row SET boost = NULL")
    run("UPDATE itsm_search_indexed SET boost = ''")
    run("DELETE FROM itsm_schema WHERE version >= 26")
    h.start()
    try:
        assert ranked(c, t + " words") == [second, first]      # read again at the start
        assert run("SELECT boost FROM itsm_search_indexed WHERE kind = 'note'") == ["netVotes"]
        assert run(boosts % second) == ["0 2", "1 2"]
        # a vote through this build moves the rows with the field
        for user in ("alice", "bob", "carol"):
            assert c.post("/notes/%s/votes" % first, vote_xml("true"), user=user).status == 200
        assert ranked(c, t + " words") == [first, second]
        # an edit that writes the index rows again keeps the value
        etag = c.get("/notes/" + first, user=EDITOR).etag
        assert c.patch("/notes/" + first, ticket_xml("testNote", body="more"), user=EDITOR,
                       headers={"If-Match": etag}).status == 200
        act(c, first, "publish")
        assert ranked(c, t + " words") == [first, second]
        assert ranked(c, t + " words", user=EDITOR) == [first, second]
        assert run(boosts % first) == ["0 3", "1 3"]
    finally:
        h.stop()
