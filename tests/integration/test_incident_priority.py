# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Logging incidents: the minimal POST of the issue's representation contract, the priority
matrix of LLSD 6.3 cell by cell, P5 for cross-party work, and the bad input of priority,
impact and urgency (each refusal changes nothing)."""
import re

import pytest

from conftest import assert_error
from incident_util import MATRIX, get, journal_entries, new_incident, targets, ts, utcnow

# (impact, urgency, priority) -- PRODUCT.md "Priority": rows are urgency, columns impact
MATRIX_CELLS = [(i, u, p) for (i, u), p in sorted(MATRIX.items())]


def test_minimal_post_by_agent(client):
    before = utcnow()
    r = new_incident(client, "agent1", title="DIP message backlog",
                     description="Messages queue at the DIP adaptor", impact="high",
                     urgency="medium")
    t = r.ticket()
    assert set(t) >= {"number", "state", "priority", "impact", "urgency", "title",
                      "description", "opened", "sla"}
    assert re.fullmatch(r"INC\d{7}", t["number"]), t
    assert t["kind"] == "incident" and t["state"] == "new"
    assert t["priority"] == "P2"
    assert (t["impact"], t["urgency"]) == ("high", "medium")
    assert t["party"] == "ELEX" and t["createdBy"] == "agent1"
    assert before <= ts(t["opened"]) <= utcnow()
    assert r.etag == '"1"'
    assert r.headers["Location"].endswith("/itsm/incidents/" + t["number"])
    sla = targets(r)
    assert set(sla) == {"response", "resolution"}
    for clock, target in (("response", "PT30M"), ("resolution", "PT10H")):
        assert sla[clock]["target"] == target and sla[clock]["calendar"] == "business"
        assert sla[clock]["status"] in ("in-sla", "warning", "breached"), sla
        assert "stopped" not in sla[clock] and "paused" not in sla[clock]
    (action, _, actor, changes), = journal_entries(client, "incidents", t["number"])
    assert (action, actor) == ("create", "agent1")
    assert changes["priority"] == (None, "P2")
    # the same representation on GET
    g = get(client, "incidents", t["number"], user="agent1").ticket()
    for k in ("number", "state", "priority", "impact", "urgency", "opened"):
        assert g[k] == t[k]


@pytest.mark.parametrize("impact,urgency,priority", MATRIX_CELLS)
def test_priority_matrix_cell(client, impact, urgency, priority):
    r = new_incident(client, impact=impact, urgency=urgency)
    assert r.findtext("i:priority") == priority, r
    # giving the priority the matrix gives is accepted too
    r = new_incident(client, impact=impact, urgency=urgency, priority=priority)
    assert r.findtext("i:priority") == priority, r
    sla = targets(r)
    assert set(sla) == {"response", "resolution"}
    cal = "24x7" if priority == "P1" else "business"
    assert {v["calendar"] for v in sla.values()} == {cal}
    expected = {"P1": ("PT15M", "PT6H"), "P2": ("PT30M", "PT10H"),
                "P3": ("PT30M", "PT50H"), "P4": ("PT30M", "PT200H")}[priority]
    assert (sla["response"]["target"], sla["resolution"]["target"]) == expected


@pytest.mark.parametrize("impact,urgency", [("high", "high"), ("low", "low")])
def test_explicit_p5_has_no_targets(client, impact, urgency):
    r = new_incident(client, impact=impact, urgency=urgency, priority="P5")
    assert r.findtext("i:priority") == "P5"
    sla = r.find("i:sla")
    assert sla is not None and len(sla) == 0, r.text
    assert targets(get(client, "incidents", r.ticket()["number"])) == {}


@pytest.mark.parametrize("impact,urgency,priority", [
    ("high", "high", "P2"), ("low", "low", "P1"), ("medium", "medium", "P4"),
    ("high", "medium", "P3"), ("low", "high", "P1"),
])
def test_contradicting_priority_422(client, database, impact, urgency, priority):
    before = database.snapshot()
    r = new_incident(client, expect=422, impact=impact, urgency=urgency, priority=priority)
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before


@pytest.mark.parametrize("fields", [
    {"impact": "critical"}, {"urgency": "urgent"}, {"impact": "HIGH"}, {"impact": ""},
    {"priority": "P6"},
], ids=["impact-critical", "urgency-urgent", "impact-uppercase", "impact-empty", "P6"])
def test_unknown_level_400_schema_invalid(client, database, fields):
    before = database.snapshot()
    r = new_incident(client, expect=400, **fields)
    assert_error(r, 400, "schema-invalid")
    assert database.snapshot() == before


@pytest.mark.parametrize("missing", ["impact", "urgency"])
def test_missing_impact_or_urgency_422(client, database, missing):
    before = database.snapshot()
    r = new_incident(client, expect=422, **{missing: None})
    assert_error(r, 422, "invalid-field")
    assert missing in r.findtext("i:message"), r
    assert database.snapshot() == before


@pytest.mark.parametrize("user", ["alice", "km1", "res1"])
def test_create_refused_by_role_403(client, database, user):
    before = database.snapshot()
    assert_error(new_incident(client, user=user, expect=403), 403, "forbidden")
    assert database.snapshot() == before


@pytest.mark.parametrize("field,value", [
    ("state", "resolved"), ("major", "true"), ("noticeCount", "3"), ("resolved",
                                                                     "2026-01-01T00:00:00Z"),
])
def test_read_only_fields_refused_on_create(client, database, field, value):
    before = database.snapshot()
    r = new_incident(client, expect=422, **{field: value})
    assert_error(r, 422, "invalid-field")
    assert database.snapshot() == before


def test_snapshot_sees_a_change(client, database):
    """The harness's "nothing changed" check can fail: a create shows in the snapshot (rows
    and, on PostgreSQL, sequences), a refused create does not."""
    assert client.get("/incidents").status == 200      # the store exists (set up on first use)
    before = database.snapshot()
    new_incident(client, expect=422, impact=None)
    assert database.snapshot() == before
    n = new_incident(client).ticket()["number"]
    after = database.snapshot()
    assert after != before
    assert set(after) == set(before)
    assert any(n in row for rows in after.values() for row in rows), \
        "the new incident %s is in no table of the snapshot" % n
