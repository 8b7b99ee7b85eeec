# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A write the database refuses: a trigger put into the database while the server is stopped
raises an error on every journal insert. The request answers 503 store-unavailable, nothing
is written, and the log line names the database's own reason, on both stores (PostgreSQL's
driver reports the connection's last message, which the rollback used to empty).

The trigger goes in while no server runs, so that the first request meets it (a schema
change under a running server is test_core_read_snapshot.py's)."""
import re
from concurrent.futures import ThreadPoolExecutor

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


# A refusal of some creates only: the journal entries of tickets titled "Refused ..."
REFUSE = {
    # and on SQLite every journal entry made a few milliseconds slower (a count to 30,000),
    # so that the creates sent meanwhile queue behind it and share the next transaction: the
    # server alone was sometimes quicker than the test's 16 threads, each create in a
    # transaction of its own for three rounds (seen once in a full run)
    "sqlite3": """CREATE TRIGGER itsm_test_refuse BEFORE INSERT ON itsm_journal
                  WHEN (SELECT title FROM itsm_ticket WHERE id = NEW.ticket_id) LIKE 'Refused%'
                  BEGIN SELECT RAISE(ABORT, 'injected refusal for the test'); END;
                  CREATE TRIGGER itsm_test_slow BEFORE INSERT ON itsm_journal
                  BEGIN SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL
                  SELECT x + 1 FROM n WHERE x < 30000) SELECT x FROM n); END;""",
    "pgsql": """CREATE FUNCTION itsm_test_refuse() RETURNS trigger LANGUAGE plpgsql AS
                $$BEGIN
                    IF (SELECT title FROM itsm_ticket WHERE id = NEW.ticket_id) LIKE 'Refused%'
                    THEN RAISE EXCEPTION 'injected refusal for the test'; END IF;
                    RETURN NEW;
                END$$;
                CREATE TRIGGER itsm_test_refuse BEFORE INSERT ON itsm_journal
                FOR EACH ROW EXECUTE FUNCTION itsm_test_refuse();""",
}


def test_refused_creates_among_concurrent_ones_give_their_numbers_back(env, slapd, database,
                                                                      make_httpd, expect_log):
    """On SQLite the concurrent creates of a process go in one transaction, which keeps each
    kind's next number and the counts of its tickets in memory and writes them once, before
    its COMMIT. Creates that the database refuses inside such a transaction (after their
    number was taken and their count kept) answer 503 and take both back with them: the
    accepted creates are numbered 1 to n without a gap, and the list and the counts say n."""
    h = fresh_server(env, database, "refuse", make=make_httpd, start=False)
    h.start()
    client = Client(h)
    r = client.post("/tests", ticket_xml(title="Before the refusals"), user="agent1")
    assert r.status == 201, r
    h.stop()
    database.execute(REFUSE[database.driver], h.dbd_params)
    h.start()
    expect_log(r"ITSM00131: store: create: .*injected refusal for the test")

    def one(i):
        title = ("Refused %d" if i % 3 == 1 else "Accepted %d") % i
        # a connection each: the event MPM closes idle keep-alive connections while its
        # workers are all busy (here, behind the slowed journal), and a POST sent on one just
        # closed was answered by nothing (RemoteDisconnected, once in a loaded full run)
        r = client.post("/tests", ticket_xml(title=title, description="c"), user="agent1",
                        headers={"Connection": "close"})
        return title, r.status, r.ticket()["number"] if r.status == 201 else r.text

    # A round of 96 creates at 16 at a time; on SQLite again (at most three rounds, the
    # server restarted between them) until the writes went in shared transactions
    # (ITSM00011, logged at a child's exit): under the sanitizers a round was once written
    # one create a transaction, which tests nothing of the shared ones.
    made = 1
    for _ in range(3):
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(one, range(96)))
        refused = [(t, s) for t, s, _ in results if t.startswith("Refused")]
        assert refused and all(s == 503 for _, s in refused), refused
        accepted = [(t, s, n) for t, s, n in results if t.startswith("Accepted")]
        assert all(s == 201 for _, s, _ in accepted), accepted
        assert sorted(int(n[3:]) for _, _, n in accepted) == \
            list(range(made + 1, made + len(accepted) + 1))
        made += len(accepted)
        assert count(client) == made
        r = client.get("/tests/stats", user="agent1")
        assert r.status == 200 and r.root == "stats", r
        assert sum(int(g.get("count")) for g in r.findall("i:group")) == made, r.text
        r = client.post("/tests", ticket_xml(title="After the refusals"), user="agent1")
        assert r.status == 201 and int(r.ticket()["number"][3:]) == made + 1, r
        made += 1
        if database.driver != "sqlite3":
            break
        sizes = h.log_size()
        h.stop()
        batched = re.findall(r"ITSM00011: (\d+) writes in (\d+) transactions", h.log_since(sizes))
        if sum(int(w) for w, _ in batched) > sum(int(t) for _, t in batched):
            break
        h.start()
    if database.driver == "sqlite3":    # the writes went in shared transactions (ITSM00011)
        assert sum(int(w) for w, _ in batched) > sum(int(t) for _, t in batched), batched
