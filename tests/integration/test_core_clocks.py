# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Clocks and timers of the core, through the test-only process's kind "probe": a clock that
starts on an event (the state "working", the action "work") is not-started before it, one with
pauses of its own ("hold", "unhold"), targets by the field "tier" (<class> in ITSMSLAFile, one
in business days), the SLA explanation at .../sla; the clock "deliver" on the target the
probe's own "promise" holds (on the business calendar <ownTarget> names); the timer "check" (due at "checkDue")
announced once by the sweep and again for a new due time; and the incident's next
major-incident notice announced by the sweep once overdue. One server with its own service
levels, its own database and a sweep every second."""
import os
import time

import pytest

from conftest import REPO, Client, assert_error, poll, sweep_server, ticket_xml
from incident_util import (H, M, act, feed_for, journal_entries, list_numbers, new_incident,
                           rfc, tag, ts, utcnow, wait_for_next_second)

pytestmark = pytest.mark.restart

PROBE_LEVELS = """
  <kind name="probe">
    <class name="gold">
      <target clock="fix" duration="PT2H" calendar="24x7"/>
      <target clock="reply" duration="PT2H" calendar="24x7"/>
    </class>
    <class name="silver">
      <target clock="fix" businessDays="3" calendar="business"/>
      <target clock="reply" duration="PT4H" calendar="24x7"/>
    </class>
    <ownTarget clock="deliver" calendar="business"/>
  </kind>
"""


@pytest.fixture(scope="module")
def c(env, slapd, database):
    """The shipped service levels plus the probe's, a fresh database, a sweep every second,
    and the first major-incident notice due a minute after the declaration."""
    with open(os.path.join(REPO, "conf", "itsm-sla.xml")) as f:
        shipped = f.read()
    path = os.path.join(env.base, "itsm-sla-clocks.xml")
    with open(path, "w") as f:
        f.write(shipped.replace("</serviceLevels>", PROBE_LEVELS + "</serviceLevels>"))
    h = sweep_server(env, database, "clocks", ITSMSLAFile=path,
                     ITSMMajorFirstNoticeMinutes="1")
    yield Client(h)
    h.stop()


@pytest.fixture(scope="module")
def major(c):
    """A major incident declared when the module starts: its first notice falls due a
    minute later, while the other tests run."""
    n = new_incident(c, impact="high", urgency="high", assignee="res1",
                     title="Major %s" % tag()).ticket()["number"]
    act(c, "incidents", n, "declare-major", user="im1")
    return n


def create_probe(c, user="agent1", **fields):
    fields.setdefault("title", "Probe %s" % tag())
    r = c.post("/probes", ticket_xml("probe", **fields), user=user)
    assert r.status == 201 and r.root == "probe", r
    return r.ticket()["number"]


def get_probe(c, n, user="agent1"):
    r = c.get("/probes/%s" % n, user=user)
    assert r.status == 200, r
    return r


def probe_act(c, n, action, user="agent1", expect=200):
    r = c.post("/probes/%s/actions/%s" % (n, action), user=user,
               headers={"If-Match": get_probe(c, n).etag})
    assert r.status == expect, (action, r)
    return r


def probe_patch(c, n, user="agent1", **fields):
    r = c.patch("/probes/%s" % n, ticket_xml("probe", **fields), user=user,
                headers={"If-Match": get_probe(c, n).etag})
    assert r.status == 200, r
    return r


def clocks(resp):
    """{clock: attributes} of the <target>s of an <sla> (the document's root or a child)."""
    sla = resp.doc if resp.root == "sla" else resp.find("i:sla")
    assert sla is not None, resp
    return {t.get("kind"): dict(t.attrib) for t in sla.findall("{urn:mod-itsm:xml:1}target")}


def when(c, n, action, nth=-1):
    times = [at for a, at, _, _ in journal_entries(c, "probes", n) if a == action]
    assert times, (n, action)
    return times[nth]


def sweep_entries(c, coll, n):
    return [(a, actor, ch) for a, _, actor, ch in journal_entries(c, coll, n)
            if actor == "itsm-sla"]


def test_event_started_clocks(c, major):
    n = create_probe(c, tier="gold")
    # before the event: a target, no due time, not started
    before = clocks(get_probe(c, n))
    assert set(before) == {"fix", "reply"}, before
    for name in ("fix", "reply"):
        assert before[name]["status"] == "not-started", before
        assert "due" not in before[name] and "started" not in before[name], before
        assert before[name]["target"] == "PT2H" and before[name]["calendar"] == "24x7"
    # GET .../sla explains it too (a ticket with targets, none running yet)
    r = c.get("/probes/%s/sla" % n, user="agent1")
    assert r.status == 200 and r.root == "sla", r
    assert r.doc.get("number") == n, r.text      # whose clocks these are (the portal's page)
    assert {k: v["status"] for k, v in clocks(r).items()} == {"fix": "not-started",
                                                            "reply": "not-started"}
    # no SLA status list holds a ticket whose clocks have not started
    for status in ("in-sla", "warning", "breached", "met", "missed"):
        assert n not in list_numbers(c, "probes", "agent1", sla=status), status
    # "work" is the action that starts reply and enters the state that starts fix
    after = clocks(probe_act(c, n, "work"))
    started = when(c, n, "work")
    for name in ("fix", "reply"):
        assert after[name]["status"] == "in-sla", after
        assert ts(after[name]["started"]) == started
        assert ts(after[name]["due"]) == started + 2 * H
    # ... and once they run, the in-sla list does
    assert n in list_numbers(c, "probes", "agent1", sla="in-sla")
    assert n not in list_numbers(c, "probes", "agent1", sla="breached")


def test_own_pause_moves_only_its_clock(c):
    n = create_probe(c, tier="gold")
    probe_act(c, n, "work")
    held = clocks(probe_act(c, n, "hold"))
    assert held["fix"].get("paused") == "true" and "paused" not in held["reply"], held
    wait_for_next_second(when(c, n, "hold"))
    back = clocks(probe_act(c, n, "unhold"))
    paused_for = when(c, n, "unhold") - when(c, n, "hold")
    assert paused_for.total_seconds() >= 1
    assert "paused" not in back["fix"]
    assert ts(back["reply"]["due"]) == when(c, n, "work") + 2 * H
    assert ts(back["fix"]["due"]) == when(c, n, "work") + 2 * H + paused_for
    # stopped: both met
    done = clocks(probe_act(c, n, "done"))
    assert {k: v["status"] for k, v in done.items()} == {"fix": "met", "reply": "met"}
    assert ts(done["fix"]["stopped"]) == when(c, n, "done")


def test_class_change_retargets(c):
    n = create_probe(c, tier="gold")
    probe_act(c, n, "work")
    start = when(c, n, "work")
    r = clocks(probe_patch(c, n, tier="silver"))
    # three business days of the shipped calendar (10 h each); four real hours
    assert r["fix"]["target"] == "PT30H" and r["fix"]["calendar"] == "business", r
    assert r["reply"]["target"] == "PT4H" and ts(r["reply"]["due"]) == start + 4 * H, r
    assert ts(r["fix"]["started"]) == start
    # a tier without targets: no clocks, and .../sla says so
    n2 = create_probe(c)
    assert clocks(get_probe(c, n2)) == {}
    assert_error(c.get("/probes/%s/sla" % n2, user="agent1"), 422, "no-sla")


def test_sweep_announces_a_due_timer_once(c):
    past = utcnow() - 5 * M
    n = create_probe(c, assignee="res1", checkDue=rfc(past))
    # a finished probe's timer is not announced: armed only once the probe is done (armed
    # while it is open, the sweep may rightly announce it before the probe is finished)
    quiet = create_probe(c, assignee="res1")
    probe_act(c, quiet, "work")
    probe_act(c, quiet, "done")
    probe_patch(c, quiet, checkDue=rfc(past))
    assert poll(lambda: sweep_entries(c, "probes", n), timeout=20, interval=0.25), \
        "no timer-due within 20 s"
    (action, actor, changes), = sweep_entries(c, "probes", n)
    assert action == "timer-due"
    assert changes == {"timer.check": (None, rfc(past))}, changes
    # the assignee and the timer's role (incident-manager) hear of it; the raiser does not
    for user in ("res1", "im1"):
        hits = [e for e in feed_for(c, user, n) if e["action"] == "timer-due"]
        assert len(hits) == 1 and "check due" in hits[0]["summary"], (user, hits)
    assert [e for e in feed_for(c, "agent1", n) if e["action"] == "timer-due"] == []
    # announced once: a few sweeps later still one entry, and none for the finished probe
    time.sleep(4)
    assert len(sweep_entries(c, "probes", n)) == 1
    assert sweep_entries(c, "probes", quiet) == []
    # a new due time arms it again
    again = past - 10 * M
    probe_patch(c, n, checkDue=rfc(again))
    assert poll(lambda: len(sweep_entries(c, "probes", n)) == 2, timeout=20, interval=0.25)
    assert sweep_entries(c, "probes", n)[-1][2] == {"timer.check": (None, rfc(again))}


def test_incident_major_notice_announced(c, major):
    """The incident's next-notice timer: ITSMMajorFirstNoticeMinutes 1 after the declaration
    (in the fixture), the sweep announces it once, to the incident managers and the assignee."""
    def announced():
        return [ch for a, _, ch in sweep_entries(c, "incidents", major) if a == "timer-due"]
    assert poll(announced, timeout=150, interval=0.5), "no next-notice announced"
    (changes,) = announced()
    assert list(changes) == ["timer.next-notice"], changes
    for user in ("im1", "res1"):
        hits = [e for e in feed_for(c, user, major) if e["action"] == "timer-due"]
        assert len(hits) == 1 and "next-notice due" in hits[0]["summary"], (user, hits)
    # the notice sent: the next one is two hours off, nothing more is announced
    act(c, "incidents", major, "notice", user="im1")
    time.sleep(3)
    assert len(announced()) == 1
    act(c, "incidents", major, "stand-down", user="im1")
    act(c, "incidents", major, "cancel", user="admin1")


def test_clocks_of_a_ticket_a_process_creates_start(c):
    # a probe's "spawn" with remark "working" creates a probe in state "working" (gold):
    # its fix clock starts at its creation, as a request's new ticket's would
    n = create_probe(c, remark="working")
    r = probe_act(c, n, "spawn")
    made = [l.get("number") for l in c.get("/probes/%s/links" % n).findall("i:link")
            if l.get("type") == "relates-to"]
    assert len(made) == 1, r
    p = get_probe(c, made[0])
    fix = clocks(p)["fix"]
    assert fix["status"] == "in-sla" and "due" in fix, fix
    assert ts(fix["started"]) == ts(p.ticket()["opened"])
    assert ts(fix["due"]) == ts(p.ticket()["opened"]) + 2 * H
    # the clock started on the action "work" has not
    assert clocks(p)["reply"]["status"] == "not-started" and "due" not in clocks(p)["reply"]
    # one clock alone: GET .../sla/{clock}; a clock not started is refused (409)
    one = c.get("/probes/%s/sla/fix" % made[0])
    assert one.status == 200 and set(clocks(one)) == {"fix"}, one
    assert one.doc.get("number") == made[0], one.text
    assert_error(c.get("/probes/%s/sla/reply" % made[0]), 409, "clock-not-started")
    assert_error(c.get("/probes/%s/sla/nosuch" % made[0]), 404, "not-found")


def import_probe(c, opened, **fields):
    r = c.post("/probes", ticket_xml("probe", title="Promise %s" % tag(), opened=opened, **fields),
               user="admin1")
    assert r.status == 201, r
    return r


def shown(clock):
    """What of a clock's <target> does not move with the time of the read."""
    return {k: v for k, v in clock.items() if k not in ("remaining",)}


def test_own_target_due_retarget_and_sweep(c):
    # logged Thu 17 Apr 2025 15:00 UTC (16:00 BST); 15 business hours of the shipped calendar
    # (Mon-Fri 08:00-18:00 London): 2 h on Thursday, Good Friday, the weekend, Easter Monday,
    # 10 h on Tuesday 22, 3 h on Wednesday 23: 11:00 BST
    r = import_probe(c, "2025-04-17T15:00:00Z", promise="PT15H")
    n = r.ticket()["number"]
    deliver = clocks(r)["deliver"]
    assert deliver["target"] == "PT15H" and deliver["calendar"] == "business", deliver
    assert deliver["due"] == "2025-04-23T10:00:00Z" and deliver["status"] == "breached", deliver
    assert "started" not in deliver         # from the logging, as every clock at opened
    # .../sla and .../sla/deliver explain it as any clock; no tier: fix and reply have none
    whole = c.get("/probes/%s/sla" % n, user="agent1")
    assert whole.status == 200 and set(clocks(whole)) == {"deliver"}, whole
    one = c.get("/probes/%s/sla/deliver" % n, user="agent1")
    assert one.status == 200 and shown(clocks(one)["deliver"]) == shown(deliver), one
    assert n in list_numbers(c, "probes", "agent1", sla="breached")
    # the sweep announces the breach once
    def breaches():
        return [ch for a, _, ch in sweep_entries(c, "probes", n) if a == "sla-breach"]
    assert poll(breaches, timeout=20, interval=0.25), "no sla-breach within 20 s"
    assert breaches() == [{"sla.deliver": (None, "breached")}]
    # a new promise re-targets on the same start, as a priority change does: 25 h end on
    # Thursday 24 at 11:00 BST; the breach is announced anew
    r = clocks(probe_patch(c, n, user="admin1", promise="PT25H"))
    assert r["deliver"]["target"] == "PT25H" and r["deliver"]["due"] == "2025-04-24T10:00:00Z", r
    assert poll(lambda: len(breaches()) == 2, timeout=20, interval=0.25), breaches()
    # a new tier moves the targets of fix and reply (not started here), not deliver's: its
    # breach is not announced again. A probe breached from its import, made after the patch,
    # is announced by a sweep whose page of running tickets was read after it, this probe's
    # row with it (the sweep reads them in order of id, 500 a page).
    probe_patch(c, n, user="admin1", tier="gold")
    later = import_probe(c, "2025-04-17T15:00:00Z", promise="PT15H").ticket()["number"]
    assert poll(lambda: [a for a, _, _ in sweep_entries(c, "probes", later)
                         if a == "sla-breach"], timeout=20, interval=0.25), "no sweep"
    assert len(breaches()) == 2, breaches()
    # a long enough promise is no longer breached, and leaves the breached list
    r = clocks(probe_patch(c, n, user="admin1", promise="PT20000H"))
    assert r["deliver"]["status"] == "in-sla", r
    assert n not in list_numbers(c, "probes", "agent1", sla="breached")
    assert n in list_numbers(c, "probes", "agent1", sla="in-sla")


def test_own_target_without_value_or_in_days(c):
    # no promise: no target, so no clock, as a class without targets
    n = create_probe(c)
    assert "deliver" not in clocks(get_probe(c, n))
    r = c.get("/probes/%s/sla/deliver" % n, user="agent1")
    assert_error(r, 422, "no-sla")
    assert "<promise>" in r.findtext("i:message"), r
    # on a business calendar a day is ambiguous: refused, naming the working day's hours,
    # and nothing written
    before = list_numbers(c, "probes", "agent1")
    r = c.post("/probes", ticket_xml("probe", title="Days %s" % tag(), promise="P2D"),
               user="agent1")
    assert_error(r, 422, "invalid-field")
    assert "<promise>" in r.findtext("i:message") and "PT10H" in r.findtext("i:message"), r
    assert list_numbers(c, "probes", "agent1") == before
    got = get_probe(c, n)
    for bad in ("P1D", " P1D ", "-PT1H", "PT0S", "soon"):
        r = c.patch("/probes/%s" % n, ticket_xml("probe", promise=bad), user="agent1",
                    headers={"If-Match": got.etag})
        assert_error(r, 422, "invalid-field")
        assert "<promise>" in r.findtext("i:message"), (bad, r)
    assert get_probe(c, n).etag == got.etag
    # in hours it is taken, white space around it too (as the field check reads it)
    assert clocks(probe_patch(c, n, promise="PT20H"))["deliver"]["target"] == "PT20H"
    assert clocks(probe_patch(c, n, promise="\n PT21H "))["deliver"]["target"] == "PT21H"
