# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A database made by an earlier release opens and keeps every ticket, journal entry and
link (docs/performance.md, schemas/sql/*/0005-lists.sql, 0006-audience-versions.sql). The dumps under data/ were written
by the httpd of commit 1460d91 (schema 4): five incidents and two cases of ALPE and BRMP with
services and categories, a started, a closed and a cancelled incident, a triaged case, and two
links. The harness loads the dump of its store into a fresh database, a server opens it
(migrating to the current schema and back-filling the indexed fields and SLA clocks), and the
test reads it as users would."""
import os
import sqlite3
import subprocess
from urllib.parse import quote

import pytest

from conftest import (NS, REPO, Client, chown_to_test_user, fresh_server, itsm_directives,
                      sql_runner, staged, ticket_xml)
from incident_util import GROUP, act, patch
from problem_util import new_problem, targets

DATA = os.path.join(REPO, "tests", "integration", "data")
INCIDENTS = ["INC%07d" % i for i in range(1, 6)]
CASES = ["CS0000001", "CS0000002"]
PARTY = {"INC0000001": "ALPE", "INC0000002": "BRMP", "INC0000003": "ALPE",
         "INC0000004": "BRMP", "INC0000005": "ALPE", "CS0000001": "ALPE", "CS0000002": "BRMP"}


def load_sqlite(database, path, name):
    c = sqlite3.connect(path)
    with open(os.path.join(DATA, "legacy-sqlite3.sql")) as f:
        c.executescript(f.read())
    c.close()
    chown_to_test_user(path)
    return lambda sql: [tuple(str(v) for v in row) for row in sqlite3.connect(path).execute(sql)]


def load_pgsql(database, params, dbname):
    psql = [database.bin + "/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
            "127.0.0.1", "-p", str(database.port), "-U", "itsm", "-d", dbname]
    r = subprocess.run(psql + ["-f", os.path.join(DATA, "legacy-pgsql.sql")],
                       capture_output=True, text=True, env=database.env, timeout=120)
    assert r.returncode == 0, r.stderr

    def query(sql):
        r = subprocess.run(psql + ["-F", "\t", "-c", sql], capture_output=True, text=True,
                           env=database.env, timeout=60)
        assert r.returncode == 0, r.stderr
        return [tuple(line.split("\t")) for line in r.stdout.splitlines() if line]
    return query


@pytest.fixture(scope="module")
def legacy(env, slapd, database):
    h = fresh_server(env, database, "legacy", start=False)
    query = (load_sqlite if database.driver == "sqlite3" else load_pgsql)(database, h.dbd_params,
                                                                          h.db_name)
    before = {
        "tickets": sorted(query("SELECT number, kind, party, state, title, version "
                                "FROM itsm_ticket")),
        "journal": query("SELECT t.number, j.actor, j.action FROM itsm_journal j "
                         "JOIN itsm_ticket t ON t.id = j.ticket_id ORDER BY j.id"),
        "links": sorted(query("SELECT f.number, t.number, l.type FROM itsm_link l "
                              "JOIN itsm_ticket f ON f.id = l.from_id "
                              "JOIN itsm_ticket t ON t.id = l.to_id")),
    }
    assert query("SELECT MAX(version) FROM itsm_schema") == [("4",)]
    h.start()
    yield Client(h), before, query
    h.stop()


def numbers(client, coll, user="agent1", **params):
    r = client.get("/" + coll, user=user, params=dict(params, limit=500))
    assert r.status == 200 and r.root == "list", r
    return set(r.numbers())


def test_every_ticket_journal_entry_and_link_kept(legacy):
    client, before, query = legacy
    assert sorted(query("SELECT number, kind, party, state, title, version "
                        "FROM itsm_ticket")) == before["tickets"]
    for number, kind, party, state, title, version in before["tickets"]:
        coll = {"incident": "incidents", "case": "cases"}[kind]
        r = client.get("/%s/%s" % (coll, number), user="admin1")
        assert r.status == 200, r
        t = r.ticket()
        assert (t["state"], t["title"], t["party"], r.etag) == \
            (state, title, party, '"%s"' % version)
        j = client.get("/%s/%s/journal" % (coll, number), user="admin1")
        assert j.status == 200, j
        assert [(e.get("actor"), e.get("action")) for e in j.findall("i:entry")] == \
            [(actor, action) for n, actor, action in before["journal"] if n == number]
    links = set()
    for number in INCIDENTS + CASES:
        coll = "incidents" if number.startswith("INC") else "cases"
        r = client.get("/%s/%s/links" % (coll, number), user="admin1")
        assert r.status == 200, r
        links |= {(number, l.get("number"), l.get("type"))
                  for l in r.findall("i:link") if l.get("direction") == "out"}
    assert links == set(before["links"])
    # the schema moved on to the last migration shipped, and a migrated database takes writes
    shipped = [f for f in os.listdir(os.path.join(REPO, "schemas", "sql", "sqlite3"))
               if f.endswith(".sql")]
    assert query("SELECT MAX(version) FROM itsm_schema") == \
        [(str(max(int(f.split("-")[0]) for f in shipped)),)]
    # schema 6: no audience or version of the old tickets (party kinds); the audience kind of
    # the test process is marked back-filled
    assert query("SELECT COUNT(*) FROM itsm_audience") == [("0",)]
    assert query("SELECT COUNT(*) FROM itsm_version") == [("0",)]
    assert sorted(query("SELECT kind FROM itsm_audience_indexed")) == \
        [("article",), ("note",), ("term",)]


@pytest.mark.parametrize("user,params,expect", [
    ("agent1", {"service": "DIP"}, {"INC0000001", "INC0000003", "INC0000005"}),
    ("alice", {"service": "DIP"}, {"INC0000001", "INC0000003", "INC0000005"}),
    ("bob", {"service": "DIP"}, set()),
    ("agent1", {"service": "DIP", "category": "Cat0"}, {"INC0000001"}),
    ("agent1", {"category": "Cat1"}, {"INC0000002", "INC0000005"}),
    ("bob", {"category": "Cat1"}, {"INC0000002"}),
    ("agent1", {"open": "true"}, {"INC0000001", "INC0000004", "INC0000005"}),
    ("agent1", {"service": "DIP", "open": "true"}, {"INC0000001", "INC0000005"}),
    ("agent1", {"sla": "met"}, {"INC0000001", "INC0000002", "INC0000003"}),  # cancel stops too
    ("agent1", {"sla": "in-sla"}, {"INC0000001", "INC0000004", "INC0000005"}),
    ("alice", {"sla": "in-sla"}, {"INC0000001", "INC0000005"}),  # a party's running clocks
])
def test_backfilled_indexes_filter(legacy, user, params, expect):
    client, _, _ = legacy
    assert numbers(client, "incidents", user, **params) == expect


def test_backfilled_case_fields_and_counts(legacy):
    client, _, _ = legacy
    assert numbers(client, "cases", "agent1", service="DIP") == {"CS0000001"}
    assert numbers(client, "cases", "agent1", service="Metering") == {"CS0000002"}
    r = client.get("/incidents/stats", user="agent1", params={"by": "service"})
    assert r.status == 200 and r.root == "stats", r
    got = {g.get("key"): (int(g.get("count")), int(g.get("open")))
           for g in r.findall("{%s}group" % NS)}
    assert got == {"DIP": (3, 2), "Metering": (1, 1), "Registration": (1, 0)}, got


def test_backfilled_finish_times(legacy):
    """Schema 9: a finished ticket's finish time is the time of the last journal entry that
    changed its state (INC0000002 resolved then closed, INC0000003 cancelled); open ones have
    none; the stats' mean time to resolve counts them."""
    client, _, query = legacy
    at = query("SELECT MAX(at) FROM itsm_journal WHERE action IN ('close', 'cancel')")[0][0]
    assert query("SELECT number, finished FROM itsm_ticket WHERE finished IS NOT NULL "
                 "ORDER BY number") == [("INC0000002", at), ("INC0000003", at)]
    r = client.get("/incidents/stats", user="agent1")
    assert r.status == 200 and r.root == "stats", r
    assert [g.get("meanTimeToResolve") is not None for g in r.findall("{%s}group" % NS)] \
        == [True]


def test_schema_12_indexes(legacy, database):
    """Schema 12: the tickets with a running clock in partial indexes, the open tickets'
    indexes carrying the columns their counts read, on SQLite the field and clock rows WITHOUT
    ROWID; the migrated tickets are in them (the lists above read them) and a count by month
    of opening answers every ticket. Schema 22 dropped the index of every kind's tickets with
    a running clock by id alone (the sweep pages each kind's on itsm_ticket_running)."""
    client, before, query = legacy
    if database.driver == "sqlite3":
        defs = dict(query("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        partial = "WHERE sla_open = 1"
        assert "WITHOUT ROWID" in defs["itsm_field_index"], defs["itsm_field_index"]
        assert "WITHOUT ROWID" in defs["itsm_sla_clock"], defs["itsm_sla_clock"]
    else:
        defs = dict(query("SELECT indexname, indexdef FROM pg_indexes "
                          "WHERE tablename = 'itsm_ticket'"))
        partial = "WHERE (sla_open = 1)"
    for name in ("itsm_ticket_running", "itsm_ticket_party_running"):
        assert partial in defs[name], (name, defs[name])
    assert "itsm_ticket_sla_open" not in defs
    assert "finished" in defs["itsm_ticket_open_opened"], defs["itsm_ticket_open_opened"]
    assert "opened" in defs["itsm_ticket_party_open"], defs["itsm_ticket_party_open"]
    # the field rows and clocks came through the rebuild
    assert query("SELECT COUNT(*) FROM itsm_field_index WHERE kind = 'incident' "
                 "AND name = 'service'") == [("5",)]
    assert int(query("SELECT COUNT(*) FROM itsm_sla_clock")[0][0]) > 0
    r = client.get("/incidents/stats", user="agent1", params={"by": "month"})
    assert r.status == 200 and r.root == "stats", r
    assert sum(int(g.get("count")) for g in r.findall("{%s}group" % NS)) == len(INCIDENTS)


def test_schema_18_open_field_rows(legacy):
    """Schema 18: the indexed field rows carry their ticket's open flag, set by the migration
    from the migrated tickets (a list of open tickets by a field over every party reads them)."""
    client, before, query = legacy
    assert query("SELECT COUNT(*) FROM itsm_field_index f JOIN itsm_ticket t ON "
                 "t.id = f.ticket_id WHERE f.is_open <> t.is_open") == [("0",)]
    open_rows = int(query("SELECT COUNT(*) FROM itsm_field_index f JOIN itsm_ticket t ON "
                          "t.id = f.ticket_id WHERE t.is_open = 1 AND f.kind = 'incident' AND "
                          "f.name = 'service'")[0][0])
    r = client.get("/incidents", user="agent1", params={"open": "true", "limit": "500",
                                                         "service": "DIP"})
    assert r.status == 200 and r.root == "list", r
    dip = int(query("SELECT COUNT(*) FROM itsm_field_index f JOIN itsm_ticket t ON "
                    "t.id = f.ticket_id WHERE t.is_open = 1 AND f.kind = 'incident' AND "
                    "f.name = 'service' AND f.value = 'DIP'")[0][0])
    assert len(r.numbers()) == dip <= open_rows


def test_schema_16_notices_name_their_journal_entry(legacy):
    """Schema 16: each notice names the journal entry it announces (the feed reads the entry's
    changes, not the summary's text); the notices of the old database are matched to their
    entries, and a notice written now names its own."""
    client, _, query = legacy
    notices = query("SELECT o.id, o.journal_id, j.ticket_id = o.ticket_id AND j.at = o.at "
                    "AND j.actor = o.actor AND j.action = o.action FROM itsm_outbox o "
                    "LEFT JOIN itsm_journal j ON j.id = o.journal_id ORDER BY o.id")
    assert notices and all(match in ("1", "t") for _, _, match in notices), notices
    patch(client, "cases", "CS0000001", title="Legacy case, changed after the migration")
    last = query("SELECT MAX(id) FROM itsm_journal")[0][0]
    written = query("SELECT journal_id FROM itsm_outbox WHERE id > %s" % notices[-1][0])
    assert written and all(j == last for j, in written), (written, last)


def test_counts_of_a_migrated_database_are_its_tickets(legacy):
    """Counts by state come from the count table (schema 15; kept by the store, not by
    triggers, on SQLite since schema 17): on a database migrated from schema 4, whose finish
    times and open flags are back-filled after the migrations, each state's count and open
    count are those of its listed tickets, and the finished ones have a mean time to resolve."""
    client, _, _ = legacy
    r = client.get("/incidents/stats", user="agent1", params={"by": "state"})
    assert r.status == 200 and r.root == "stats", r
    groups = {g.get("key"): g for g in r.findall("{%s}group" % NS)}
    assert groups
    for state, g in groups.items():
        listed = numbers(client, "incidents", "agent1", state=state)
        assert int(g.get("count")) == len(listed), (state, g.attrib, listed)
        assert int(g.get("open")) == len(numbers(client, "incidents", "agent1", state=state,
                                                 open="true")), (state, g.attrib)
    for state in ("closed", "cancelled"):
        assert groups[state].get("meanTimeToResolve") is not None, groups[state].attrib


def test_schema_22_drops_rows_of_clocks_not_started(env, slapd, database, make_httpd):
    """Schema 22: the rows an earlier tree wrote for clocks waiting for their event
    ("not-started": a problem's root-cause clock before its workaround) are dropped, the
    started clocks' rows kept, and the index of running clocks by id alone is gone; the
    problem reads as before (its root-cause clock without a due time) and takes writes."""
    conf = itsm_directives(env)
    conf["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")     # the shipped grants for problems
    h = fresh_server(env, database, "schema22", itsm=conf, make=make_httpd,
                     processes=("problem",))
    c = Client(h)
    n = new_problem(c, title="Schema 22").ticket()["number"]
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    (pid,) = run("SELECT id FROM itsm_ticket WHERE number = '%s'" % n)
    assert run("SELECT clock FROM itsm_sla_clock WHERE ticket_id = %s" % pid) == ["solution"]
    # as a tree before 2026-12-04 left it, the schema set back to 21
    run("INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due) "
        "VALUES (%s, 'root-cause', 'problem', 'not-started', 0, 0)" % pid)
    run("CREATE INDEX itsm_ticket_sla_open ON itsm_ticket (id) WHERE sla_open = 1")
    run("DELETE FROM itsm_schema WHERE version >= 22")
    h.start()
    try:
        # the first request migrates (each process opens the store on first use)
        r = c.get("/problems/" + n, user="agent1")
        assert r.status == 200, r
        clocks = targets(r)
        assert "due" not in clocks["root-cause"] and "due" in clocks["solution"], clocks
        shipped = [f for f in os.listdir(os.path.join(REPO, "schemas", "sql", database.driver))
                   if f.endswith(".sql")]
        assert run("SELECT MAX(version) FROM itsm_schema") == \
            [str(max(int(f.split("-")[0]) for f in shipped))]
        assert run("SELECT clock FROM itsm_sla_clock WHERE ticket_id = %s" % pid) == \
            ["solution"]
        if database.driver == "sqlite3":
            assert run("SELECT COUNT(*) FROM sqlite_master "
                       "WHERE name = 'itsm_ticket_sla_open'") == ["0"]
        else:
            assert run("SELECT COUNT(*) FROM pg_indexes "
                       "WHERE indexname = 'itsm_ticket_sla_open'") == ["0"]
        assert c.patch("/problems/" + n, ticket_xml("problem", level="3"), user="pm1",
                       headers={"If-Match": r.etag}).status == 200
    finally:
        h.stop()        # (make_httpd stops it too, should the test fail before this try)


# The indexes schema 23 drops, as schema 22 had them (each served a list by id alone).
SCHEMA_22_INDEXES = {
    "itsm_ticket_kind": "itsm_ticket (kind, id)",
    "itsm_ticket_party": "itsm_ticket (party, kind, id)",
    "itsm_ticket_opened": "itsm_ticket (kind, opened, id)",
    "itsm_ticket_grp": "itsm_ticket (kind, grp, id)",
    "itsm_ticket_grp_open": "itsm_ticket (kind, grp, is_open, id) WHERE is_open = 1",
    "itsm_ticket_assignee": "itsm_ticket (kind, assignee, id)",
    "itsm_ticket_assignee_open": "itsm_ticket (kind, assignee, is_open, id) WHERE is_open = 1",
    "itsm_field_index_value": "itsm_field_index (kind, name, value, ticket_id)",
    "itsm_field_index_open": "itsm_field_index (kind, name, value, is_open, ticket_id) "
                             "WHERE is_open = 1",
    "itsm_sla_clock_warn": "itsm_sla_clock (kind, settled, warn_at, ticket_id)",
}
SCHEMA_23_INDEXES = ("itsm_ticket_grp_lists", "itsm_ticket_assignee_lists",
                     "itsm_field_index_lists")


def test_schema_23_merges_the_indexes_of_lists_by_id(env, slapd, database, make_httpd):
    """Schema 23: the indexes that ordered a kind's, a party's, a group's, an assignee's and
    a field value's tickets by id or opening alone give way to ones with is_open first
    (lists over both values read the merge of two ranges); a database set back to 22
    migrates, and its problems, open and cancelled, list as before by group, assignee and
    field, by number and by opening, and by SLA status (the clocks' index by warning time
    is gone too), and take writes."""
    conf = itsm_directives(env)
    conf["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")     # the shipped grants for problems
    h = fresh_server(env, database, "schema23", itsm=conf, make=make_httpd,
                     processes=("problem",))
    c = Client(h)
    made = [new_problem(c, title="Schema 23 %d" % k, level=str(1 + k % 4), service="DIP",
                        group=GROUP, assignee="res1").ticket()["number"]
            for k in range(5)]
    for n in made[1::2]:
        act(c, "problems", n, "cancel", user="pm1")
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)

    def indexes():
        if database.driver == "sqlite3":
            return set(run("SELECT name FROM sqlite_master WHERE type = 'index'"))
        return set(run("SELECT indexname FROM pg_indexes"))

    assert not indexes() & set(SCHEMA_22_INDEXES) and set(SCHEMA_23_INDEXES) <= indexes()
    # as schema 22 left it
    for name in SCHEMA_23_INDEXES:
        run("DROP INDEX %s" % name)
    for name, on in SCHEMA_22_INDEXES.items():
        run("CREATE INDEX %s ON %s" % (name, on))
    run("DELETE FROM itsm_schema WHERE version >= 23")
    h.start()
    try:
        # the first request migrates (each process opens the store on first use)
        for params in ("group=" + quote(GROUP), "assignee=res1", "service=DIP", ""):
            r = c.get("/problems", user="agent1", params=params + "&limit=50")
            assert r.status == 200 and r.numbers() == made, (params, r)
            r = c.get("/problems", user="agent1", params=params + "&sort=-number&limit=2")
            assert r.numbers() == made[:-3:-1], (params, r)
            r = c.get("/problems", user="agent1", params=params + "&sort=opened&limit=50")
            assert r.numbers() == made, (params, r)
        assert c.get("/problems", user="agent1", params="service=DIP&open=true").numbers() == \
            made[0::2]
        # the open problems' solution clocks run, far from their warning time
        assert c.get("/problems", user="agent1", params="sla=in-sla").numbers() == made[0::2]
        assert c.get("/problems", user="agent1", params="sla=warning").numbers() == []
        assert not indexes() & set(SCHEMA_22_INDEXES) and set(SCHEMA_23_INDEXES) <= indexes()
        assert int(run("SELECT MAX(version) FROM itsm_schema")[0]) >= 23
        r = c.get("/problems/" + made[0], user="agent1")
        assert c.patch("/problems/" + made[0], ticket_xml("problem", level="3"), user="pm1",
                       headers={"If-Match": r.etag}).status == 200
    finally:
        h.stop()        # (make_httpd stops it too, should the test fail before this try)
