# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A write the database refuses: a trigger put into the database while the server is stopped
raises an error on every journal insert. The request answers 503 store-unavailable, nothing
is written, and the log line names the database's own reason, on both stores (PostgreSQL's
driver reports the connection's last message, which the rollback used to empty).

The trigger goes in while no server runs, so that the first request meets it (a schema
change under a running server is test_core_read_snapshot.py's)."""
import pytest

from conftest import Client, assert_error, fresh_server, ticket_xml

FAULT = {
    "sqlite3": """CREATE TRIGGER itsm_test_fault BEFORE INSERT ON itsm_journal
                  BEGIN SELECT RAISE(ABORT, 'injected fault for the test'); END;""",
    "pgsql": """CREATE FUNCTION itsm_test_fault() RETURNS trigger LANGUAGE plpgsql AS
                $$BEGIN RAISE EXCEPTION 'injected fault for the test'; END$$;
                CREATE TRIGGER itsm_test_fault BEFORE INSERT ON itsm_journal
                FOR EACH ROW EXECUTE FUNCTION itsm_test_fault();""",
}


def count(client):
    r = client.get("/tests", user="agent1", params={"limit": 500})
    assert r.status == 200 and r.root == "list", r
    return len(r.numbers())


@pytest.fixture(scope="module")
def faulty(env, slapd, database):
    h = fresh_server(env, database, "fault")
    params = h.dbd_params
    c = Client(h)
    r = c.post("/tests", ticket_xml(title="Before the fault"), user="agent1")
    assert r.status == 201, r
    h.stop()
    database.execute(FAULT[database.driver], params)
    h.start()
    yield c, h
    h.stop()


def test_refused_write_is_503_with_the_reason_logged(faulty, expect_log):
    client, h = faulty
    expect_log(r"ITSM00131: store: create: .*injected fault for the test")
    sizes = h.log_size()
    r = client.post("/tests", ticket_xml(title="Refused by the database"), user="agent1")
    assert_error(r, 503, "store-unavailable")
    log = h.log_since(sizes)
    assert "ITSM00131: store: create: " in log and "injected fault for the test" in log, log
    assert count(client) == 1
