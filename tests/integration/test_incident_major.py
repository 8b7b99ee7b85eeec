# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Major incidents: declare and stand down (incident-manager / itsm-admin only), the
communications schedule (first notice due 30 min after declaration, then every 2 h for P1
and 4 h for P2), notice counting and timeliness, and the post-incident review due 7 days
after resolution."""
import pytest

from datetime import timedelta

from conftest import Client, poll
from incident_util import (H, INCIDENT_BODY, M, act, action_time, get, incident_in,
                           journal_entries, new_incident, patch, rfc, ts, unchanged, utcnow)


@pytest.mark.parametrize("user", ["im1", "admin1"])
def test_declare_major_sets_first_notice_due(client, user):
    n = incident_in(client, "in-progress", impact="high", urgency="high")
    r = act(client, "incidents", n, "declare-major", user=user, note="DIP down for all")
    declared = action_time(client, "incidents", n, "declare-major")
    t = r.ticket()
    assert t["major"] == "true" and t["state"] == "in-progress"
    assert t["majorDeclared"] == rfc(declared)
    assert ts(t["nextNoticeDue"]) == declared + 30 * M
    assert (t["noticeCount"], t["noticesLate"]) == ("0", "0")
    assert "lastNotice" not in t and "majorStoodDown" not in t
    action, _, actor, changes = journal_entries(client, "incidents", n)[-1]
    assert (action, actor) == ("declare-major", user)
    assert changes["major"] == (None, "true")


@pytest.mark.parametrize("user", ["agent1", "res1", "alice", "km1"])
def test_declare_major_refused_by_role_403(client, database, user):
    n = incident_in(client, "in-progress", impact="high", urgency="high")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "declare-major", user=user, expect=403, code="forbidden")


@pytest.mark.parametrize("priority,impact,urgency,every", [
    ("P1", "high", "high", 2 * H), ("P2", "high", "medium", 4 * H)])
def test_notices_on_time(client, priority, impact, urgency, every):
    n = incident_in(client, "in-progress", impact=impact, urgency=urgency)
    act(client, "incidents", n, "declare-major", user="im1")
    for count in (1, 2):
        r = act(client, "incidents", n, "notice", user="im1", note="notice %d" % count)
        sent = action_time(client, "incidents", n, "notice")
        t = r.ticket()
        assert t["priority"] == priority
        assert t["noticeCount"] == str(count)
        assert t["noticesLate"] == "0"              # well within 30 min / the interval
        assert t["lastNotice"] == rfc(sent)
        assert ts(t["nextNoticeDue"]) == sent + every, t
        assert journal_entries(client, "incidents", n)[-1][:1] == ("notice",)


def test_a_p2_raised_to_p1_between_notices_takes_the_p1_rate_from_the_last_notice(client):
    """A major P2 whose impact is raised (now P1) after a notice: the next notice is due two
    hours after the last one, not four; lowered again, the due time stays until the next
    notice, which takes the P2 rate."""
    n = incident_in(client, "in-progress", impact="high", urgency="medium")
    act(client, "incidents", n, "declare-major", user="im1")
    act(client, "incidents", n, "notice", user="im1")
    sent = action_time(client, "incidents", n, "notice")
    assert ts(get(client, "incidents", n).ticket()["nextNoticeDue"]) == sent + 4 * H
    t = patch(client, "incidents", n, user="im1", urgency="high").ticket()
    assert t["priority"] == "P1" and ts(t["nextNoticeDue"]) == sent + 2 * H, t
    t = patch(client, "incidents", n, user="im1", urgency="medium").ticket()
    assert t["priority"] == "P2" and ts(t["nextNoticeDue"]) == sent + 2 * H, t
    act(client, "incidents", n, "notice", user="im1")
    again = action_time(client, "incidents", n, "notice")
    assert ts(get(client, "incidents", n).ticket()["nextNoticeDue"]) == again + 4 * H


def test_a_reopened_major_incident_raised_to_p1_keeps_its_first_notice_due(client):
    """Reopened, a major incident's next notice is due 30 minutes after the reopening; raised
    to P1 before that notice, it stays so (the last notice, of before the resolution, sets no
    P1 rate: that would be a due time long past)."""
    n = incident_in(client, "in-progress", impact="high", urgency="medium")
    act(client, "incidents", n, "declare-major", user="im1")
    act(client, "incidents", n, "notice", user="im1")
    act(client, "incidents", n, "resolve", user="im1", resolution="Failed over")
    act(client, "incidents", n, "reopen", user="im1")
    due = get(client, "incidents", n).ticket()["nextNoticeDue"]
    assert ts(due) == action_time(client, "incidents", n, "reopen") + 30 * M
    t = patch(client, "incidents", n, user="im1", urgency="high").ticket()
    assert t["priority"] == "P1" and t["nextNoticeDue"] == due, t


def test_stand_down(client, database):
    n = incident_in(client, "in-progress", impact="high", urgency="high")
    act(client, "incidents", n, "declare-major", user="im1")
    act(client, "incidents", n, "notice", user="im1")
    r = act(client, "incidents", n, "stand-down", user="im1", note="not a major after all")
    stood = action_time(client, "incidents", n, "stand-down")
    t = r.ticket()
    assert t["major"] == "false" and t["majorStoodDown"] == rfc(stood)
    assert "nextNoticeDue" not in t
    assert t["noticeCount"] == "1"                  # the record of what was sent stays
    with unchanged(database, client, "incidents", n):
        for action in ("stand-down", "notice"):
            act(client, "incidents", n, action, user="im1", expect=409,
                code="invalid-transition")
    # declared again: a fresh schedule
    r = act(client, "incidents", n, "declare-major", user="im1")
    again = action_time(client, "incidents", n, "declare-major")
    t = r.ticket()
    assert t["major"] == "true" and "majorStoodDown" not in t
    assert ts(t["nextNoticeDue"]) == again + 30 * M and t["noticeCount"] == "0"


@pytest.mark.parametrize("action", ["notice", "stand-down"])
def test_notice_or_stand_down_on_ordinary_incident_409(client, database, action):
    n = incident_in(client, "in-progress")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, action, user="im1", expect=409, code="invalid-transition")


@pytest.mark.parametrize("state", ["resolved", "closed", "cancelled"])
def test_declare_on_finished_incident_409(client, database, state):
    n = incident_in(client, state, impact="high", urgency="high")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "declare-major", user="im1", expect=409,
            code="invalid-transition")


def test_declare_twice_409(client, database):
    n = incident_in(client, "new", impact="high", urgency="high")
    act(client, "incidents", n, "declare-major", user="im1")
    with unchanged(database, client, "incidents", n):
        act(client, "incidents", n, "declare-major", user="im1", expect=409,
            code="invalid-transition")


@pytest.mark.parametrize("stand_down_first", [False, True])
def test_review_due_seven_days_after_resolution(client, stand_down_first):
    n = incident_in(client, "in-progress", impact="high", urgency="medium")
    act(client, "incidents", n, "declare-major", user="im1")
    if stand_down_first:
        act(client, "incidents", n, "stand-down", user="im1")
    r = act(client, "incidents", n, "resolve", user="im1", **INCIDENT_BODY["resolve"])
    resolved = action_time(client, "incidents", n, "resolve")
    t = r.ticket()
    assert t["resolved"] == rfc(resolved)
    assert ts(t["reviewDue"]) == resolved + timedelta(days=7)
    assert get(client, "incidents", n).ticket()["reviewDue"] == t["reviewDue"]


@pytest.mark.restart
def test_late_notices_counted(env, make_httpd):
    """With the first notice due 1 minute after declaration (ITSMMajorFirstNoticeMinutes 1),
    a notice sent after that minute counts as late; the next one, on time, does not."""
    h = make_httpd("late-notices", extra="ITSMMajorFirstNoticeMinutes 1")
    h.start()
    c = Client(h)
    n = new_incident(c, impact="high", urgency="high").ticket()["number"]
    r = act(c, "incidents", n, "declare-major", user="im1")
    due = ts(r.findtext("i:nextNoticeDue"))
    assert due == action_time(c, "incidents", n, "declare-major") + M
    # wait (polling, bounded) until the due instant has passed on the server's clock
    assert poll(lambda: utcnow() > due + timedelta(seconds=1), timeout=90, interval=0.5)
    r = act(c, "incidents", n, "notice", user="im1")
    sent = action_time(c, "incidents", n, "notice")
    assert sent > due
    t = r.ticket()
    assert (t["noticeCount"], t["noticesLate"]) == ("1", "1")
    assert ts(t["nextNoticeDue"]) == sent + 2 * H
    r = act(c, "incidents", n, "notice", user="im1")
    assert (r.findtext("i:noticeCount"), r.findtext("i:noticesLate")) == ("2", "1")
