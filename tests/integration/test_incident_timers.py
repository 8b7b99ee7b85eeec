# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The incident kind's own process timers (modules/incident/mod_itsm_incident.c,
incident_timers) as the SLA sweep announces them: the post-incident review ("review", due at
reviewDue, to the incident managers while the incident is resolved or closed and its review
not published) and the next major-incident notice ("next-notice", due at nextNoticeDue, to
the incident managers and the incident's followers while it is open). Each is announced once
(a journal entry timer-due by itsm-sla and the feeds of those it names) and never for an
incident that the timer's states or settling field leave out. One server with a sweep every
second, on a database of its own.

Why the due times are moved in the database: both fields are read-only (document.c refuses
them on create, import and update alike), and the module sets them only from the request's
own time: reviewDue at the resolve, ITSMReviewDays (at least 1) after it; nextNoticeDue at
declare-major and notice, ITSMMajorFirstNoticeMinutes or the update interval (at least a
minute) after it. An import in state resolved or closed sets no reviewDue at all (it runs
no resolve action), and no action or service takes a due time from the caller. So no request
gives a due time already past, and waiting a day is not a test. Each incident is brought to
its state through the API, and then one UPDATE moves its due time back by the time the test
cannot wait (as if the actions had happened that long ago); the ticket's version is left
alone, as the passing of time would. The journal still records the due time the action set:
only the due time the sweep compares with the clock is moved. The test of the next notice
announced after a real minute is test_core_clocks.test_incident_major_notice_announced."""
import pytest

from conftest import Client, poll, sql_runner, sweep_server
from incident_util import (D, H, act, feed_for, finish_incident, get, journal_entries,
                           new_incident, rfc, tag, ts, utcnow)

pytestmark = pytest.mark.restart


@pytest.fixture(scope="module")
def c(env, slapd, database):
    h = sweep_server(env, database, "incident-timers")
    yield Client(h)
    h.stop()


@pytest.fixture(scope="module")
def run(c, database):
    return sql_runner(database, c.httpd.dbd_params, c.httpd.db_name)


def major(c, title):
    """A P1 incident raised by agent1, assigned to res1, declared major by im1."""
    n = new_incident(c, impact="high", urgency="high", assignee="res1",
                     title="%s %s" % (title, tag())).ticket()["number"]
    act(c, "incidents", n, "declare-major", user="im1")
    return n


def resolved_major(c, title):
    n = major(c, title)
    act(c, "incidents", n, "resolve", user="im1", resolution="Failed over")
    return n


def move_back(c, run, field, by, numbers):
    """Move the due time in field of each incident back by `by`, in one statement (one
    transaction: a sweep sees all of them moved or none); returns {number: new due}. The
    column fields holds one "name<TAB>value" line per field (modules/core/codec.c), a time
    as the document shows it."""
    moved, cases = {}, []
    for n in numbers:
        old = get(c, "incidents", n).ticket()[field]
        moved[n] = rfc(ts(old) - by)
        cases.append("WHEN '%s' THEN REPLACE(fields, '%s\t%s', '%s\t%s')"
                     % (n, field, old, field, moved[n]))
    run("UPDATE itsm_ticket SET fields = CASE number %s END WHERE number IN (%s)"
        % (" ".join(cases), ", ".join("'%s'" % n for n in numbers)))
    for n in numbers:           # what the server reads now
        assert get(c, "incidents", n).ticket()[field] == moved[n], n
    return moved


def timers_due(c, n):
    """The timer-due entries of the incident's journal: [(actor, changes)]."""
    return [(actor, ch) for a, _, actor, ch in journal_entries(c, "incidents", n)
            if a == "timer-due"]


def heard(c, user, n):
    return [e for e in feed_for(c, user, n) if e["action"] == "timer-due"]


def announced_once(c, n, timer, due, hear, not_hear):
    assert timers_due(c, n) == [("itsm-sla", {"timer." + timer: (None, due)})], n
    for user in hear:
        hits = heard(c, user, n)
        assert len(hits) == 1, (user, n, hits)
        assert hits[0]["actor"] == "itsm-sla", hits[0]
        assert "%s due %s" % (timer, due) in hits[0]["summary"], hits[0]
    for user in not_hear:
        assert heard(c, user, n) == [], (user, n)


def later_sweep(c, run, field, by, n):
    """Wait for a sweep that has passed every incident made before n: move n's due time (n
    was made last, so has the highest id) into the past and wait for its announcement. The
    sweep reads an incident's page after the move and goes through it in order of id,
    writing each announcement before the next ticket, so any announcement of an earlier
    incident by that sweep is written by then."""
    move_back(c, run, field, by, [n])
    assert poll(lambda: timers_due(c, n), timeout=20, interval=0.25), \
        "the sweep did not announce %s within 20 s" % n


def test_review_due_announced_once_to_the_incident_managers(c, run):
    """A resolved and a closed major incident whose review came due: one timer-due entry
    each, in the feed of the incident managers (im1) only, not of the assignee (res1), the
    raiser (agent1) or another (admin1): the timer names no followers. Not announced, then
    or at a later sweep: a review not due yet, a review published before its due time
    passed, a reopened incident (not in the timer's states) whose due time passed."""
    due_resolved = resolved_major(c, "Review due, resolved")
    due_closed = resolved_major(c, "Review due, closed")
    act(c, "incidents", due_closed, "close", user="im1")
    not_yet = resolved_major(c, "Review not due yet")
    published = resolved_major(c, "Review published")
    act(c, "incidents", published, "publish-review", user="im1", review="Certificate expired")
    reopened = resolved_major(c, "Review of a reopened incident")
    act(c, "incidents", reopened, "reopen", user="im1")
    sentinel = resolved_major(c, "Review sentinel")
    for n in (due_resolved, due_closed, not_yet, published, reopened, sentinel):
        assert ts(get(c, "incidents", n).ticket()["reviewDue"]) > utcnow() + 6 * D, n
    quiet = (not_yet, published, reopened)

    # as if they had been resolved eight days ago (ITSMReviewDays: 7 by default)
    moved = move_back(c, run, "reviewDue", 8 * D, [due_resolved, due_closed, published, reopened])
    assert poll(lambda: timers_due(c, due_resolved) and timers_due(c, due_closed),
                timeout=20, interval=0.25), "no review announced within 20 s"
    later_sweep(c, run, "reviewDue", 8 * D, sentinel)
    for n in (due_resolved, due_closed):
        announced_once(c, n, "review", moved[n], hear=["im1"],
                       not_hear=["res1", "agent1", "admin1"])
    for n in quiet:
        assert timers_due(c, n) == [], n
        assert heard(c, "im1", n) == [], n
    assert [get(c, "incidents", n).findtext("i:state") for n in
            (due_resolved, due_closed, not_yet, published, reopened)] == \
        ["resolved", "closed", "resolved", "resolved", "in-progress"]
    finish_incident(c, reopened)


def test_next_notice_announced_once_only_while_open(c, run):
    """An open major incident whose next notice came due: one timer-due entry, in the feed
    of the incident managers (im1) and of its followers (an incident's: the raiser agent1
    and the assignee res1), not of another (admin1). A resolved major incident keeps its
    nextNoticeDue, but its notices are over: a passed due time is not announced, then or at
    a later sweep."""
    open_major = major(c, "Notice due")
    resolved = resolved_major(c, "Notice of a resolved incident")
    sentinel = major(c, "Notice sentinel")
    assert get(c, "incidents", resolved).ticket().get("nextNoticeDue")

    moved = move_back(c, run, "nextNoticeDue", H, [open_major, resolved])
    assert poll(lambda: timers_due(c, open_major), timeout=20, interval=0.25), \
        "no next notice announced within 20 s"
    later_sweep(c, run, "nextNoticeDue", H, sentinel)
    announced_once(c, open_major, "next-notice", moved[open_major],
                   hear=["im1", "res1", "agent1"], not_hear=["admin1"])
    assert timers_due(c, resolved) == []
    assert heard(c, "im1", resolved) == [] and heard(c, "res1", resolved) == []
    for n in (open_major, sentinel):
        act(c, "incidents", n, "stand-down", user="im1")
        finish_incident(c, n)
