# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""KPI clocks of problems (LLSD 8.5) on the shipped conf/itsm-sla.xml: due times of imported
problems (admin1 with <opened> and <state>) per level, across weekends, bank holidays and the
spring clock change; a clock not started has no due time; re-targeting on a level change as
if from the clock's start; the breach sweep announces them.

Computed by hand from PRODUCT.md (Problems) and docs/sla.md:
  root-cause: from the workaround in place (a problem imported in state workaround-in-place
  has it from <opened>) to root cause identified, 5 / 10 / 20 / 60 business days;
  solution: from logging to solution identified, 30 / 45 / 60 / 120 business days;
  one business day = 10 h of the "business" calendar, Mon-Fri 08:00-18:00 Europe/London
  (GMT = UTC until 2026-03-29 01:00Z, then BST = UTC+1), closed on the bank holidays:
  2025-12-25, 2025-12-26, 2026-01-01, 2026-04-03, 2026-04-06, 2026-05-04, 2026-05-25."""
import re
import time

import pytest

from conftest import Client, assert_error, fresh_server, itsm_directives, poll, staged, ticket_xml
from incident_util import list_numbers, ts
from problem_util import act, get, journal_entries, number, patch, targets

# Monday 22 December 2025, 09:00 GMT (= 09:00Z).
XMAS = "2025-12-22T09:00:00Z"
# Thursday 2 April 2026, 17:45 BST (= 16:45Z), the eve of Good Friday.
EASTER = "2026-04-02T16:45:00Z"

# level, opened, root-cause due, solution due
DUE = [
    # L1 root cause 50 h from Mon 22 Dec 09:00: Mon 9 h (9), Tue 23 10 (19), Wed 24 10 (29),
    # Thu 25 and Fri 26 bank holidays, the weekend, Mon 29 10 (39), Tue 30 10 (49),
    # Wed 31 1 h -> 2025-12-31 09:00Z.
    # L1 solution 300 h: Dec 22-24 and 29-31 (59), Thu 1 Jan holiday, Fri 2 Jan (69),
    # four weeks Jan 5-30 (269), Feb 2-4 (299), Thu 5 Feb 1 h -> 2026-02-05 09:00Z.
    ("1", XMAS, "2025-12-31T09:00:00Z", "2026-02-05T09:00:00Z"),
    # L2 root cause 100 h from Thu 2 Apr 17:45 BST: 15 min Thursday (0.25), Good Friday,
    # the weekend, Easter Monday closed, Tue 7 - Fri 10 Apr 40 h (40.25), 13-17 Apr (90.25),
    # Mon 20 Apr 9 h 45 from 08:00 BST -> 17:45 BST = 2026-04-20 16:45Z.
    # L2 solution 450 h: 0.25, Apr 7-10 (40.25), Apr 13-May 1 three weeks (190.25), Mon 4 May
    # bank holiday, May 5-8 (230.25), May 11-22 (330.25), Mon 25 May bank holiday,
    # May 26-29 (370.25), Jun 1-5 (420.25), Jun 8-9 (440.25), Wed 10 Jun 9 h 45 -> 17:45 BST
    # = 2026-06-10 16:45Z.
    ("2", EASTER, "2026-04-20T16:45:00Z", "2026-06-10T16:45:00Z"),
    # L3 root cause 200 h from Mon 22 Dec 09:00: Dec (59), Jan 2 (69), Jan 5-9 (119),
    # 12-16 (169), 19-21 (199), Thu 22 Jan 1 h -> 2026-01-22 09:00Z.
    # L3 solution 600 h: 169 by Jan 16, eight weeks Jan 19 - Mar 13 (569), Mar 16-18 (599),
    # Thu 19 Mar 1 h -> 2026-03-19 09:00Z (still GMT).
    ("3", XMAS, "2026-01-22T09:00:00Z", "2026-03-19T09:00:00Z"),
    # L4 root cause 600 h: as the L3 solution -> 2026-03-19 09:00Z.
    # L4 solution 1200 h: 569 by Mar 13, Mar 16-27 (669), Mar 30 - Apr 2 (709; BST from
    # Mar 29), Good Friday and Easter Monday, Apr 7-10 (749), Apr 13 - May 1 (899), May 4
    # holiday, May 5-8 (939), May 11-22 (1039), May 25 holiday, May 26-29 (1079), Jun 1-12
    # (1179), Jun 15-16 (1199), Wed 17 Jun 1 h from 08:00 BST -> 09:00 BST = 2026-06-17 08:00Z.
    ("4", XMAS, "2026-03-19T09:00:00Z", "2026-06-17T08:00:00Z"),
]


def imported(client, level, opened, state="workaround-in-place", **fields):
    fields.setdefault("title", "Imported problem L%s" % level)
    fields.setdefault("description", "From the previous tool")
    r = client.post("/problems", ticket_xml("problem", level=level, opened=opened, state=state,
                                            **fields), user="admin1")
    assert r.status == 201, r
    return r


def seconds(duration):
    """An xs:duration of hours, minutes and seconds ("-PT1586H54M27S") in seconds."""
    m = re.fullmatch(r"(-?)PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert m, duration
    s = int(m.group(2) or 0) * 3600 + int(m.group(3) or 0) * 60 + int(m.group(4) or 0)
    return -s if m.group(1) else s


def same_but_remaining(a, b):
    """The same targets, their "remaining" within the second between two reads."""
    strip = lambda t: {k: {n: v for n, v in x.items() if n != "remaining"} for k, x in t.items()}
    assert strip(a) == strip(b), (a, b)
    for k in a:
        if "remaining" in a[k] or "remaining" in b[k]:
            assert abs(seconds(a[k]["remaining"]) - seconds(b[k]["remaining"])) <= 1, (a, b)
    return True


@pytest.fixture(autouse=True, scope="module")
def schema_ready(pclient):
    pclient.get("/problems", user="agent1")


@pytest.mark.parametrize("level,opened,root_due,solution_due", DUE)
def test_due_times_by_level(pclient, level, opened, root_due, solution_due):
    r = imported(pclient, level, opened)
    sla = targets(r)
    assert ts(sla["root-cause"]["due"]) == ts(root_due), sla
    assert ts(sla["root-cause"]["started"]) == ts(opened)
    assert ts(sla["solution"]["due"]) == ts(solution_due), sla
    # long overdue by now, both running
    assert sla["root-cause"]["status"] == sla["solution"]["status"] == "breached"
    # the same in GET .../sla and one by one
    n = number(r)
    # (two reads: "remaining" counts from each one's own second, so compare it within one)
    assert same_but_remaining(targets(pclient.get("/problems/%s/sla" % n, user="pm1")),
                              targets(get(pclient, "problems", n)))
    one = pclient.get("/problems/%s/sla/root-cause" % n, user="pm1")
    assert ts(targets(one)["root-cause"]["due"]) == ts(root_due)


def test_root_cause_clock_waits_for_the_workaround(pclient, database):
    # logged under investigation: no workaround yet, so no root-cause due time
    r = imported(pclient, "3", XMAS, state="under-investigation")
    n = number(r)
    sla = targets(r)
    assert sla["root-cause"]["status"] == "not-started" and "due" not in sla["root-cause"]
    assert sla["root-cause"]["target"] == "PT200H"
    assert ts(sla["solution"]["due"]) == ts("2026-03-19T09:00:00Z")
    before = database.snapshot()
    assert_error(pclient.get("/problems/%s/sla/root-cause" % n, user="pm1"), 409,
                 "clock-not-started")
    assert database.snapshot() == before
    # the lists by SLA status: breached by its solution clock alone, also after an update
    listed = lambda status: n in list_numbers(pclient, "problems", "pm1", sla=status)
    assert listed("breached") and not listed("in-sla")
    patch(pclient, "problems", n, user="pm1", service="Settlement")
    assert listed("breached") and not listed("in-sla")
    # the workaround in place starts it, at the action's time
    act(pclient, "problems", n, "record-workaround", user="pm1", workaround="Retry later")
    at = [e[1] for e in journal_entries(pclient, "problems", n) if e[0] == "record-workaround"]
    sla = targets(get(pclient, "problems", n))
    assert ts(sla["root-cause"]["started"]) == at[0]
    assert sla["root-cause"]["status"] == "in-sla" and "due" in sla["root-cause"]
    assert listed("in-sla") and listed("breached")


def test_level_change_retargets_from_the_clocks_start(pclient):
    n = number(imported(pclient, "3", XMAS))
    dues = lambda: {k: ts(v["due"]) for k, v in targets(get(pclient, "problems", n)).items()}
    assert dues() == {"root-cause": ts("2026-01-22T09:00:00Z"),
                      "solution": ts("2026-03-19T09:00:00Z")}
    # to level 1: the L1 targets as if in force from the start (row 1 of DUE)
    patch(pclient, "problems", n, user="pm1", level="1")
    assert dues() == {"root-cause": ts("2025-12-31T09:00:00Z"),
                      "solution": ts("2026-02-05T09:00:00Z")}
    # to level 4 (row 4 of DUE)
    patch(pclient, "problems", n, user="pm1", level="4")
    assert dues() == {"root-cause": ts("2026-03-19T09:00:00Z"),
                      "solution": ts("2026-06-17T08:00:00Z")}
    last = journal_entries(pclient, "problems", n)[-1]
    assert last[3]["level"] == ("1", "4")


def test_stopped_clocks_are_missed_or_met(pclient):
    n = number(imported(pclient, "1", XMAS))
    act(pclient, "problems", n, "identify-root-cause", user="pm1", rootCause="Adapter limit")
    sla = targets(get(pclient, "problems", n))
    assert sla["root-cause"]["status"] == "missed" and "stopped" in sla["root-cause"]
    assert sla["solution"]["status"] == "breached"     # still running
    # a fresh level 4 problem identifies its root cause well within 60 business days
    fresh = number(imported(pclient, "4", time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                          time.gmtime(time.time() - 60))))
    act(pclient, "problems", fresh, "identify-root-cause", user="pm1", rootCause="Found")
    assert targets(get(pclient, "problems", fresh))["root-cause"]["status"] == "met"


def test_a_cancelled_problems_clocks_are_cancelled_not_met(pclient):
    """A problem withdrawn: its running KPI clocks end cancelled, neither met nor missed, in
    its representation and in the lists by SLA status (they read met, or missed, until
    2026-12-07); one stopped before keeps its outcome, one not started stays not started."""
    late = number(imported(pclient, "1", XMAS))       # both clocks running and breached
    act(pclient, "problems", late, "cancel", user="pm1")
    sla = targets(get(pclient, "problems", late))
    assert (sla["root-cause"]["status"], sla["solution"]["status"]) == ("cancelled", "cancelled")
    assert "stopped" in sla["root-cause"] and "due" in sla["root-cause"]
    found = number(imported(pclient, "1", XMAS))
    act(pclient, "problems", found, "identify-root-cause", user="pm1", rootCause="Adapter limit")
    act(pclient, "problems", found, "cancel", user="pm1")
    sla = targets(get(pclient, "problems", found))
    assert (sla["root-cause"]["status"], sla["solution"]["status"]) == ("missed", "cancelled")
    new = number(imported(pclient, "3", XMAS, state="new"))
    act(pclient, "problems", new, "cancel", user="pm1")
    sla = targets(get(pclient, "problems", new))
    assert sla["root-cause"]["status"] == "not-started" and "due" not in sla["root-cause"]
    assert sla["solution"]["status"] == "cancelled"
    # imported cancelled from the old tool: its clock ends cancelled at the import
    old = number(imported(pclient, "2", XMAS, state="cancelled"))
    assert targets(get(pclient, "problems", old))["solution"]["status"] == "cancelled"
    assert {late, found, new, old} <= set(list_numbers(pclient, "problems", "pm1",
                                                      sla="cancelled"))
    assert not {late, found, new} & set(list_numbers(pclient, "problems", "pm1", sla="met"))
    assert late not in list_numbers(pclient, "problems", "pm1", sla="missed")


# ---- the breach sweep covers the problem's clocks

@pytest.fixture(scope="module")
def sweeping(env, slapd, database):
    """A server of its own (a fresh database) whose sweep runs every second."""
    conf = itsm_directives(env)
    conf["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")
    conf["ITSMSLASweepInterval"] = "1"
    h = fresh_server(env, database, "problem-sweep", itsm=conf, processes=("problem",))
    try:
        yield Client(h)
    finally:
        h.stop()


def test_sweep_announces_problem_breaches(sweeping):
    n = number(imported(sweeping, "2", EASTER, group="SDS Team (Callisto)"))
    found = poll(lambda: [e for e in journal_entries(sweeping, "problems", n)
                          if e[2] == "itsm-sla"], timeout=60)
    assert found, "the sweep did not announce the breached KPI clocks"
    action, _, _, changes = found[0]
    assert action == "sla-breach"
    assert {"sla.root-cause", "sla.solution"} <= set(changes), changes
