# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Reads never hold a connection's snapshot: on SQLite the store steps its statements on the
connection as the caller reads (store_rows.c), and a statement left before its last row
would keep a read transaction open on a connection that goes back to mod_dbd's pool; that
connection's next requests would read the data of then, and its next write would fail. Here
each child has one connection (DBDMax 1), so every request of a child runs on the same
one, and the two children write in turn."""
from conftest import Client, fresh_server, ticket_xml

ROUNDS = 30


def test_reads_on_one_connection_see_every_write(env, database, make_httpd):
    c = Client(fresh_server(env, database, "one-conn", make=make_httpd,
                            extra="DBDMin 1\nDBDKeep 1\nDBDMax 1"))
    r = c.post("/tests", ticket_xml(title="round 0", description="snapshots"))
    assert r.status == 201, r
    n, etag = r.ticket()["number"], r.etag
    for i in range(1, ROUNDS + 1):
        # reads of several shapes: lists (each reads one row more than it shows), counts,
        # the journal, links, the ticket
        for path, params in (("/tests", {"limit": 1}), ("/tests", {"limit": 1, "state": "new"}),
                             ("/tests/stats", {}), ("/tests/%s/journal" % n, {}),
                             ("/tests/%s/links" % n, {})):
            assert c.get(path, params=params).status == 200, path
        r = c.get("/tests/" + n)
        assert r.status == 200 and r.ticket()["title"] == "round %d" % (i - 1), r
        assert r.etag == etag
        r = c.patch("/tests/" + n, ticket_xml(title="round %d" % i), headers={"If-Match": etag})
        assert r.status == 200, r
        etag = r.etag
        r = c.get("/tests/" + n)
        assert r.ticket()["title"] == "round %d" % i and r.ticket()["version"] == str(i + 1), r
    entries = c.get("/tests/%s/journal" % n).findall("i:entry")
    assert len(entries) == ROUNDS + 1


def test_schema_change_under_a_running_server(env, database, make_httpd):
    """An index added by an administrator while the server runs: the connections' cached
    statements are prepared again by the database itself (SQLite: sqlite3_prepare_v3, no
    more "database schema has changed" once per statement), so no request fails."""
    h = fresh_server(env, database, "schema-change", make=make_httpd)
    c = Client(h)
    r = c.post("/tests", ticket_xml(title="before the index"))
    assert r.status == 201, r
    n = r.ticket()["number"]
    assert c.get("/tests/" + n).status == 200
    assert c.get("/tests", params={"limit": 10}).status == 200
    sizes = h.log_size()
    database.execute("CREATE INDEX itsm_test_by_title ON itsm_ticket (title)", h.dbd_params)
    for _ in range(3):      # more requests than the child has connections in use
        assert c.get("/tests/" + n).status == 200
        assert c.get("/tests", params={"limit": 10}).status == 200
        r = c.post("/tests", ticket_xml(title="after the index"))
        assert r.status == 201, r
    log = h.log_since(sizes)
    assert ":error]" not in log and "schema has changed" not in log, log
