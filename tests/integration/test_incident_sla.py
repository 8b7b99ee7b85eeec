# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""SLA clocks of incidents and cases on the shipped conf/itsm-sla.xml: due times of imported
tickets (admin1 with <opened>) across weekends, bank holidays and both 2026 clock changes,
24x7 P1 targets, targets that run out exactly at 18:00, pause and resume, re-targeting on a
priority change as if from the logging time, keeping the pauses.

The expected instants are computed by hand from the rules of PRODUCT.md "Service levels"
and docs/sla.md:
  business calendar = Mon-Fri 08:00-18:00 Europe/London local time, closed on bank holidays;
  London is GMT (UTC+0) until 2026-03-29 01:00Z, BST (UTC+1) until 2026-10-25 01:00Z, then GMT;
  P1 15 min / 6 h on 24x7; P2 30 min / 10 h, P3 30 min / 50 h, P4 30 min / 200 h on business;
  a clock logged outside business hours starts at the next opening; a target that runs out
  exactly at a closing is due at that closing."""
from datetime import timedelta

import pytest

from conftest import assert_error
from incident_util import (H, LEVELS, M, act, action_time, dues, get, journal_entries,
                           new_case, new_incident, patch, rfc, targets, ts, utcnow,
                           wait_for_next_second, poll)

# name, opened (UTC), priority, response due (UTC), resolution due (UTC)
DUE_TABLE = [
    # Friday 17:45 GMT. P2 response: 15 min Friday (to 18:00), the weekend does not count,
    # 15 min Monday from 08:00 -> Mon 08:15Z. Resolution: 15 min Friday + 9 h 45 Monday.
    ("weekend-P2", "2026-11-13T17:45:00Z", "P2", "2026-11-16T08:15:00Z", "2026-11-16T17:45:00Z"),
    # Saturday: the clock starts Monday 08:00. P3 50 h = Mon..Fri 08:00-18:00 exactly, so
    # due at Friday's closing 18:00, not Monday 08:00.
    ("saturday-P3", "2026-11-14T10:00:00Z", "P3", "2026-11-16T08:30:00Z", "2026-11-20T18:00:00Z"),
    # P1 counts every second (24x7): +15 min, +6 h straight through the Friday evening.
    ("weekend-P1-24x7", "2026-11-13T17:45:00Z", "P1", "2026-11-13T18:00:00Z",
     "2026-11-13T23:45:00Z"),
    # Wed 24 Dec 2025 17:45 GMT: 15 min Wednesday; Thu 25 and Fri 26 are bank holidays,
    # 27/28 the weekend; Monday 29th from 08:00: response 08:15, resolution 17:45.
    ("christmas-2025-P2", "2025-12-24T17:45:00Z", "P2", "2025-12-29T08:15:00Z",
     "2025-12-29T17:45:00Z"),
    # Thu 24 Dec 2026 17:45 GMT: Fri 25 holiday, weekend, Mon 28 (Boxing Day substitute)
    # holiday: Tuesday 29th 08:15 / 17:45. (An import must be in the past: skipped before.)
    ("christmas-2026-P2", "2026-12-24T17:45:00Z", "P2", "2026-12-29T08:15:00Z",
     "2026-12-29T17:45:00Z"),
    # Mon 22 Dec 2025 09:00 P3 (50 h): Mon 9 h, Tue 10 (19), Wed 10 (29), Thu 25 + Fri 26
    # holidays, weekend, Mon 29 10 (39), Tue 30 10 (49), Wed 31 1 h -> 09:00Z.
    ("christmas-2025-P3", "2025-12-22T09:00:00Z", "P3", "2025-12-22T09:30:00Z",
     "2025-12-31T09:00:00Z"),
    # Tue 30 Dec 2025 09:00 P3: Tue 9 h, Wed 31 10 (19), Thu 1 Jan holiday, Fri 2 10 (29),
    # weekend, Mon 5 10 (39), Tue 6 10 (49), Wed 7 1 h -> 09:00Z.
    ("new-year-2026-P3", "2025-12-30T09:00:00Z", "P3", "2025-12-30T09:30:00Z",
     "2026-01-07T09:00:00Z"),
    # Thu 2 Apr 2026 17:45 BST = 16:45Z: 15 min Thursday; Good Friday 3rd, weekend, Easter
    # Monday 6th closed; Tue 7th 08:00 BST = 07:00Z: response 07:15Z, resolution 16:45Z.
    ("easter-2026-P2", "2026-04-02T16:45:00Z", "P2", "2026-04-07T07:15:00Z",
     "2026-04-07T16:45:00Z"),
    # Fri 28 Aug 2026 17:45 BST = 16:45Z, P3: 15 min Friday; weekend; Mon 31 Aug bank holiday;
    # Tue 1 Sep..Fri 4 Sep 40 h (40h15); Mon 7 Sep 9 h 45 -> 17:45 BST = 16:45Z.
    # Response: Tue 1 Sep 08:15 BST = 07:15Z.
    ("summer-bank-holiday-P3", "2026-08-28T16:45:00Z", "P3", "2026-09-01T07:15:00Z",
     "2026-09-07T16:45:00Z"),
    # Clocks go forward Sun 29 Mar 2026 01:00Z. Fri 27 Mar 17:45 GMT (= 17:45Z): 15 min
    # Friday; Monday 30 Mar opens 08:00 BST = 07:00Z: response 07:15Z, resolution 9 h 45
    # later = 16:45Z (17:45 BST).
    ("spring-forward-P2", "2026-03-27T17:45:00Z", "P2", "2026-03-30T07:15:00Z",
     "2026-03-30T16:45:00Z"),
    # Clocks go back Sun 25 Oct 2026 01:00Z. Fri 23 Oct 17:45 BST = 16:45Z: 15 min Friday;
    # Monday 26 Oct opens 08:00 GMT = 08:00Z: response 08:15Z, resolution 17:45Z.
    ("fall-back-P2", "2026-10-23T16:45:00Z", "P2", "2026-10-26T08:15:00Z",
     "2026-10-26T17:45:00Z"),
    # 24x7 across the changes: 6 real hours, whatever the local clocks do.
    ("spring-forward-P1-24x7", "2026-03-28T22:00:00Z", "P1", "2026-03-28T22:15:00Z",
     "2026-03-29T04:00:00Z"),
    ("fall-back-P1-24x7", "2026-10-24T22:00:00Z", "P1", "2026-10-24T22:15:00Z",
     "2026-10-25T04:00:00Z"),
    # Tue 17 Nov 08:00 GMT: 10 business hours end exactly at 18:00 -> due 18:00 that day,
    # not Wednesday 08:00.
    ("P2-ends-at-18:00", "2026-11-17T08:00:00Z", "P2", "2026-11-17T08:30:00Z",
     "2026-11-17T18:00:00Z"),
    # Logged 06:30, before the opening: counts from 08:00, still due 18:00 the same day.
    ("P2-before-opening", "2026-11-18T06:30:00Z", "P2", "2026-11-18T08:30:00Z",
     "2026-11-18T18:00:00Z"),
    # Thu 17:30: the 30-minute response target runs out exactly at 18:00 -> 18:00 Thursday;
    # resolution 30 min Thursday + 9 h 30 Friday -> 17:30Z.
    ("P2-response-at-18:00", "2026-11-19T17:30:00Z", "P2", "2026-11-19T18:00:00Z",
     "2026-11-20T17:30:00Z"),
    # In summer: 08:00 BST = 07:00Z to 18:00 BST = 17:00Z.
    ("P2-ends-at-18:00-BST", "2026-06-10T07:00:00Z", "P2", "2026-06-10T07:30:00Z",
     "2026-06-10T17:00:00Z"),
    # P4 200 h = 20 business days: Mon 2 Nov .. Fri 27 Nov 18:00Z (no holiday between).
    ("P4-20-days", "2026-11-02T08:00:00Z", "P4", "2026-11-02T08:30:00Z",
     "2026-11-27T18:00:00Z"),
]


def _check_status(target, now):
    due = ts(target["due"])
    if "stopped" in target:
        assert target["status"] == ("met" if ts(target["stopped"]) <= due else "missed")
    elif due < now - timedelta(seconds=5):
        assert target["status"] == "breached", target
    elif due > now + timedelta(seconds=5):
        assert target["status"] in ("in-sla", "warning"), target


@pytest.mark.parametrize("coll", ["incidents", "cases"])
@pytest.mark.parametrize("name,opened,priority,response,resolution", DUE_TABLE,
                         ids=[row[0] for row in DUE_TABLE])
def test_import_due_times(client, coll, name, opened, priority, response, resolution):
    if ts(opened) >= utcnow():
        pytest.skip("%s is not yet in the past: it cannot be imported" % opened)
    impact, urgency = LEVELS[priority]
    make = new_incident if coll == "incidents" else new_case
    r = make(client, "admin1", title="Imported " + name, impact=impact, urgency=urgency,
             opened=opened)
    t = r.ticket()
    assert t["opened"] == opened and t["priority"] == priority and t["state"] == "new"
    assert t["createdBy"] == "admin1"
    sla = targets(r)
    assert set(sla) == {"response", "resolution"}
    assert (sla["response"]["due"], sla["resolution"]["due"]) == (response, resolution), sla
    assert {v["calendar"] for v in sla.values()} == {"24x7" if priority == "P1" else "business"}
    now = utcnow()
    for v in sla.values():
        _check_status(v, now)
    # the same on a later GET, and the journal says import
    assert targets(get(client, coll, t["number"])) .keys() == sla.keys()
    assert {k: v["due"] for k, v in targets(get(client, coll, t["number"])).items()} == \
        {"response": response, "resolution": resolution}
    (action, _, actor, changes), = journal_entries(client, coll, t["number"])
    assert (action, actor) == ("import", "admin1")
    finish(client, coll, t["number"])


def finish(client, coll, number):
    """Stop the clocks of an old import, so that no SLA sweep (a test of it runs its own
    server on the same database) writes into a later test's snapshots."""
    act(client, coll, number, "cancel" if coll == "incidents" else "close", user="admin1")


def test_an_import_of_a_cancelled_incident_has_cancelled_clocks(client):
    """An incident cancelled in the old tool: its clocks end cancelled at the import, neither
    met nor missed (they read as stopped at the import: met or missed by its time)."""
    r = new_incident(client, "admin1", impact="high", urgency="high", state="cancelled",
                     opened="2026-11-13T17:45:00Z")
    assert r.findtext("i:state") == "cancelled"
    assert {k: v["status"] for k, v in targets(r).items()} == \
        {"response": "cancelled", "resolution": "cancelled"}


def test_import_p5_has_no_targets(client):
    r = new_incident(client, "admin1", impact="high", urgency="high", priority="P5",
                     opened="2026-11-13T17:45:00Z")
    assert r.findtext("i:priority") == "P5" and targets(r) == {}


@pytest.mark.parametrize("coll,user", [("incidents", "agent1"), ("incidents", "im1"),
                                       ("cases", "alice"), ("cases", "agent1")])
def test_import_refused_without_import_role_403(client, database, coll, user):
    before = database.snapshot()
    make = new_incident if coll == "incidents" else new_case
    r = make(client, user, expect=403, opened="2026-11-13T17:00:00Z")
    assert_error(r, 403, "forbidden")
    assert database.snapshot() == before


@pytest.mark.parametrize("opened", ["2099-01-01T00:00:00Z", "yesterday", "2026-13-01T00:00:00Z"])
def test_import_bad_opened(client, database, opened):
    before = database.snapshot()
    r = client.post("/incidents", b'<incident xmlns="urn:mod-itsm:xml:1"><title>x</title>'
                    b'<impact>low</impact><urgency>low</urgency><opened>'
                    + opened.encode() + b'</opened></incident>', user="admin1")
    assert r.status in (400, 422), r
    assert_error(r, r.status, "invalid-field" if r.status == 422 else "schema-invalid")
    assert database.snapshot() == before


def test_pause_moves_due_on_24x7_and_resume_freezes_it(client):
    n = new_incident(client, impact="high", urgency="high").ticket()["number"]
    opened = ts(get(client, "incidents", n).findtext("i:opened"))
    act(client, "incidents", n, "start")
    r = act(client, "incidents", n, "await-info", note="asked the raiser for logs")
    assert r.findtext("i:state") == "awaiting-info"
    paused_at = action_time(client, "incidents", n, "await-info")
    started = action_time(client, "incidents", n, "start")
    sla = targets(r)
    # the response clock stopped at the first agent action; the resolution clock is paused
    assert sla["response"]["stopped"] == rfc(started) and "paused" not in sla["response"]
    assert sla["resolution"].get("paused") == "true" and "stopped" not in sla["resolution"]
    d1 = dues(get(client, "incidents", n))["resolution"]
    assert d1 >= opened + 6 * H
    # while paused the due time moves later as real time passes (poll, bounded)
    moved = poll(lambda: dues(get(client, "incidents", n))["resolution"] > d1, timeout=10)
    assert moved, "the due time of a paused 24x7 clock does not move"
    r = act(client, "incidents", n, "resume")
    assert r.findtext("i:state") == "in-progress"
    resumed_at = action_time(client, "incidents", n, "resume")
    pause = resumed_at - paused_at
    assert pause >= timedelta(seconds=1)
    sla = targets(r)
    assert "paused" not in sla["resolution"]
    # due = logged + target + the paused time (24x7: all of it counts); the response clock,
    # stopped before the pause, keeps the due it stopped against
    assert ts(sla["resolution"]["due"]) == opened + 6 * H + pause, sla
    assert ts(sla["response"]["due"]) == opened + 15 * M, sla
    assert sla["response"]["status"] == "met"
    # once resumed the due time stays put
    wait_for_next_second(resumed_at)
    assert dues(get(client, "incidents", n)) == {"response": opened + 15 * M,
                                                 "resolution": opened + 6 * H + pause}


# Imported Fri 2026-11-13 17:45Z as P3, then re-prioritised: every due is as if the new
# priority had applied from the logging time (hand-computed as in DUE_TABLE):
#   P3: 15 min Fri + 15 min Mon -> Mon 08:15; 15 min Fri + 49 h 45 = Mon..Thu 40 h + Fri 9 h 45
#   P2: Mon 08:15 / Mon 17:45;  P1 (24x7): Fri 18:00 / Fri 23:45
#   P4: 15 min Fri + 199 h 45 = 19 days (16 Nov .. 10 Dec) + 9 h 45 on Fri 11 Dec -> 17:45Z
RETARGET = [
    ("P2", "2026-11-16T08:15:00Z", "2026-11-16T17:45:00Z", "business"),
    ("P1", "2026-11-13T18:00:00Z", "2026-11-13T23:45:00Z", "24x7"),
    ("P4", "2026-11-16T08:15:00Z", "2026-12-11T17:45:00Z", "business"),
    ("P3", "2026-11-16T08:15:00Z", "2026-11-20T17:45:00Z", "business"),
]


def test_priority_change_retargets_from_logging_time(client, database):
    r = new_incident(client, "admin1", impact="medium", urgency="medium",
                     opened="2026-11-13T17:45:00Z")
    n = r.ticket()["number"]
    assert {k: v["due"] for k, v in targets(r).items()} == {
        "response": "2026-11-16T08:15:00Z", "resolution": "2026-11-20T17:45:00Z"}
    old = "P3"
    for prio, response, resolution, cal in RETARGET:
        impact, urgency = LEVELS[prio]
        r = patch(client, "incidents", n, impact=impact, urgency=urgency)
        assert r.findtext("i:priority") == prio
        sla = targets(r)
        assert (sla["response"]["due"], sla["resolution"]["due"]) == (response, resolution), \
            (prio, sla)
        assert {v["calendar"] for v in sla.values()} == {cal}
        action, _, actor, changes = journal_entries(client, "incidents", n)[-1]
        assert (action, actor) == ("update", "agent1")
        assert changes["priority"] == (old, prio), changes
        old = prio
    # P5 (cross-party) drops the targets; back to the matrix brings them back
    r = patch(client, "incidents", n, priority="P5")
    assert r.findtext("i:priority") == "P5" and targets(r) == {}
    r = patch(client, "incidents", n, priority="P2", impact="high", urgency="medium")
    assert dues(r) == {"response": ts("2026-11-16T08:15:00Z"),
                       "resolution": ts("2026-11-16T17:45:00Z")}
    # a contradicting priority is refused and changes nothing
    before = database.snapshot()
    patch(client, "incidents", n, expect=422, code="invalid-field", priority="P1")
    patch(client, "incidents", n, expect=400, code="schema-invalid", impact="severe")
    assert database.snapshot() == before
    finish(client, "incidents", n)


def test_priority_change_keeps_pauses(client):
    """A live P3 paused for a few seconds, then made P1: the 24x7 resolution due is the
    logging time plus the target plus the whole pause (the response clock, stopped at the
    start before the pause, plus none); back to P3 gives the P3 dues of before."""
    n = new_incident(client, impact="medium", urgency="medium").ticket()["number"]
    opened = ts(get(client, "incidents", n).findtext("i:opened"))
    act(client, "incidents", n, "start")
    act(client, "incidents", n, "await-info")
    paused_at = action_time(client, "incidents", n, "await-info")
    wait_for_next_second(paused_at)
    act(client, "incidents", n, "resume")
    pause = action_time(client, "incidents", n, "resume") - paused_at
    assert pause >= timedelta(seconds=1)
    p3 = dues(get(client, "incidents", n))
    r = patch(client, "incidents", n, impact="high", urgency="high")
    assert r.findtext("i:priority") == "P1"
    assert dues(r) == {"response": opened + 15 * M,      # stopped before the pause
                       "resolution": opened + 6 * H + pause}
    r = patch(client, "incidents", n, impact="medium", urgency="medium")
    assert r.findtext("i:priority") == "P3" and dues(r) == p3


def test_case_sla_from_opened_after_triage(client):
    """An imported case without priority has no targets; triage sets the priority and the
    targets count from the original logged time (Fri 17:45 GMT -> P2 Mon 08:15 / 17:45)."""
    r = new_case(client, "admin1", opened="2026-11-13T17:45:00Z")
    assert r.findtext("i:priority") is None and targets(r) == {}
    n = r.ticket()["number"]
    r = act(client, "cases", n, "triage", impact="high", urgency="medium")
    assert r.findtext("i:state") == "in-triage" and r.findtext("i:priority") == "P2"
    sla = targets(r)
    assert sla["response"]["due"] == "2026-11-16T08:15:00Z"
    assert sla["resolution"]["due"] == "2026-11-16T17:45:00Z"
    # triage is the first response, long after its due: missed
    assert sla["response"]["status"] == "missed" and "stopped" in sla["response"]
    assert sla["resolution"]["status"] == "breached"
    finish(client, "cases", n)
