# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Counts kept with the tickets (schema 15, itsm_ticket_count; docs/performance.md): GET
/{collection}/stats grouped by nothing, state, priority, party or month, and filtered by
those, open and a month, is answered from a table of counts that triggers keep in the
transaction of every write of a ticket. Each answer is compared with the same count made over
the tickets themselves (with updated_after at the epoch, a filter that matches every ticket
and that the table does not hold, so the store counts the tickets), and with hand counts of
the tickets the list shows, after imports, state changes, a close, a reopen, a cancel and a
change of priority, for a person of every party and for participants (party isolation)."""
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest

from conftest import NS
from incident_util import act, finish_incident, imp, patch, ts, utcnow

D = timedelta(days=1)
EVERY = "2000-01-01T00:00:00Z"     # updated after: every ticket, counted from the tickets


def seconds(duration):
    if duration is None:
        return None
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration)
    assert m, duration
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 3600 + mi * 60 + s


def stats(client, user, **params):
    """{key: (count, open, mean open age s, mean time to resolve s)}, and the answer's time."""
    r = client.get("/incidents/stats", user=user, params=urlencode(params, quote_via=quote))
    assert r.status == 200 and r.root == "stats", r
    return ({g.get("key"): (int(g.get("count")), int(g.get("open")),
                            seconds(g.get("meanOpenAge")), seconds(g.get("meanTimeToResolve")))
             for g in r.findall("{%s}group" % NS)}, ts(r.doc.get("at")))


def same_as_tickets(client, user, **params):
    """The count from the table equals the count over the tickets: the same groups, counts
    and means (the mean open age moves with the time of each answer)."""
    kept, at1 = stats(client, user, **params)
    counted, at2 = stats(client, user, updated_after=EVERY, **params)
    assert set(kept) == set(counted), (params, kept, counted)
    for k in kept:
        (n1, o1, age1, res1), (n2, o2, age2, res2) = kept[k], counted[k]
        assert (n1, o1, res1) == (n2, o2, res2), (params, k, kept[k], counted[k])
        assert (age1 is None) == (age2 is None), (params, k)
        if age1 is not None:
            assert age2 - age1 == int((at2 - at1).total_seconds()), (params, k, age1, age2)
    return kept


def listed(client, user, month_start, month_end, **params):
    """The incidents opened in [month_start, month_end] the user sees, as ticket elements."""
    out, after = [], None
    while True:
        q = dict(params, opened_after=month_start, opened_before=month_end, limit=500)
        if after:
            q["after"] = after
        r = client.get("/incidents", user=user, params=urlencode(q, quote_via=quote))
        assert r.status == 200 and r.root == "list", r
        out += list(r.doc)
        if r.doc.get("more") != "true":
            return out
        after = r.doc.get("next")


def by_hand(tickets, field):
    return Counter(t.findtext("{%s}%s" % (NS, field)) for t in tickets)


@pytest.fixture(scope="module")
def month(client):
    """Incidents imported into a month of their own long ago, across three parties and four
    priorities, moved through states afterwards; cancelled at the end."""
    opened = (utcnow() - 1000 * D).replace(day=15, hour=12, minute=0, second=0)
    days = (utcnow() - opened).days
    made = {
        "alpe-p1": imp(client, "incidents", days=days, party="ALPE", impact="high", urgency="high"),
        "alpe-p3": imp(client, "incidents", days=days - 1, party="ALPE"),
        "alpe-p4": imp(client, "incidents", days=days - 2, party="ALPE", impact="low"),
        "brmp-p2": imp(client, "incidents", days=days + 1, party="BRMP", impact="high"),
        "brmp-done": imp(client, "incidents", days=days, party="BRMP", state="closed",
                         resolution="old"),
        "mtrw-p3": imp(client, "incidents", days=days - 3, party="MTRW"),
    }
    made = {k: r.ticket()["number"] for k, r in made.items()}
    start = opened.replace(day=1, hour=0)
    end = (start + 32 * D).replace(day=1) - timedelta(seconds=1)
    yield start.strftime("%Y-%m"), start.strftime("%Y-%m-%dT%H:%M:%SZ"), \
        end.strftime("%Y-%m-%dT%H:%M:%SZ"), made
    for n in made.values():
        finish_incident(client, n)


def check_month(client, month):
    m, start, end, _ = month
    for user in ("agent1", "alice", "prov1", "bob"):
        every = listed(client, user, start, end)
        still = listed(client, user, start, end, open="true")
        for by, field in (("priority", "priority"), ("state", "state"), ("party", "party")):
            kept = same_as_tickets(client, user, by=by, month=m)
            assert {k: v[0] for k, v in kept.items()} == by_hand(every, field), (user, by)
            assert {k: v[1] for k, v in kept.items() if v[1]} == by_hand(still, field), (user, by)
        kept = same_as_tickets(client, user, month=m)
        assert kept[None][:2] == (len(every), len(still)), user
        kept = same_as_tickets(client, user, by="priority", month=m, open="true")
        assert {k: v[0] for k, v in kept.items()} == by_hand(still, "priority"), user
    # participants see their own parties' tickets only
    assert set(same_as_tickets(client, "alice", by="party", month=m)) <= {"ALPE"}
    assert set(same_as_tickets(client, "bob", by="party", month=m)) <= {"BRMP"}
    assert set(same_as_tickets(client, "prov1", by="party", month=m)) <= {"ESGS", "ALPE", "MTRW"}


def test_counts_of_a_month_after_imports(client, month):
    m, _, _, made = month
    check_month(client, month)
    kept = same_as_tickets(client, "agent1", by="party", month=m)
    assert kept["ALPE"][0] >= 3 and kept["BRMP"][0] >= 2 and kept["MTRW"][0] >= 1


def test_counts_follow_every_change_of_a_ticket(client, month):
    m, _, _, made = month
    before, _ = stats(client, "agent1", by="priority", month=m)
    act(client, "incidents", made["alpe-p3"], "start")
    act(client, "incidents", made["alpe-p3"], "resolve", resolution="Fixed")
    act(client, "incidents", made["alpe-p3"], "close")
    act(client, "incidents", made["brmp-done"], "reopen", note="not fixed")
    act(client, "incidents", made["mtrw-p3"], "cancel", user="admin1")
    patch(client, "incidents", made["alpe-p4"], impact="high", urgency="high")  # P4 -> P1
    after, _ = stats(client, "agent1", by="priority", month=m)
    assert after.get("P4", (0,))[0] == before["P4"][0] - 1    # a group of none is left out
    assert after["P1"][0] == before["P1"][0] + 1
    check_month(client, month)
    # by month over the whole history, and the open ones by state: every month of the desk
    for user in ("agent1", "alice"):
        kept = same_as_tickets(client, user, by="month")
        assert kept[m][0] >= 1
        same_as_tickets(client, user, by="state", open="true")
        # the finished ones alone: only final states, none of them open
        done = same_as_tickets(client, user, by="state", open="false")
        assert done and set(done) <= {"resolved", "closed", "cancelled"}, done
        assert all(v[1] == 0 for v in done.values()), done
        same_as_tickets(client, user, by="party", state="closed")


def test_counts_the_table_does_not_hold_are_counted_from_the_tickets(client, month):
    """By group or assignee, and filters on fields or times other than a month: the same
    answer as the count over the tickets (the table is not asked)."""
    m, start, end, _ = month
    for params in ({"by": "group"}, {"by": "assignee", "open": "true"},
                   {"by": "priority", "opened_after": start, "opened_before": end},
                   {"by": "state", "service": "DIP"}):
        kept, _ = stats(client, "agent1", **params)
        counted, _ = stats(client, "agent1", updated_after=EVERY, **params)
        assert {k: v[:2] for k, v in kept.items()} == {k: v[:2] for k, v in counted.items()}
    by_opened, _ = stats(client, "agent1", by="priority", opened_after=start, opened_before=end)
    by_month, _ = stats(client, "agent1", by="priority", month=m)
    assert {k: v[:2] for k, v in by_opened.items()} == {k: v[:2] for k, v in by_month.items()}


def test_counts_through_updates_in_one_batch(client, month):
    """Updates that move a ticket to another group (priority up and down, state, a close and a
    reopen) and updates that leave it in its group (title, description, impact and urgency
    giving the same priority), many of them at once so that the group commit writes them in
    one batch: the table answers as the count over the tickets after each round."""
    m, _, _, made = month
    ours = [imp(client, "incidents", days=(utcnow() - ts(month[1])).days - 1, party=party,
                impact=impact).ticket()["number"]
            for party, impact in (("ALPE", "low"), ("ALPE", "medium"), ("BRMP", "high"),
                                  ("MTRW", "low"), ("MTRW", "medium"), ("ALPE", "high"))]
    made.update(("batch-%d" % i, n) for i, n in enumerate(ours))   # cancelled at the end
    rounds = (
        [("patch", dict(title="Renamed %d" % i)) for i in range(len(ours))],
        [("patch", dict(impact="high", urgency="high")), ("patch", dict(impact="low")),
         ("act", "start"), ("patch", dict(description="more detail")),
         ("patch", dict(impact="medium", urgency="medium")), ("act", "start")],
        [("act", "resolve"), ("patch", dict(impact="high")), ("patch", dict(urgency="low")),
         ("act", "start"), ("act", "start"), ("act", "resolve")],
        [("act", "close"), ("patch", dict(title="Same group")), ("act", "resolve"),
         ("act", "resolve"), ("patch", dict(impact="low", urgency="low")), ("act", "close")],
    )
    for changes in rounds:
        def change(i):
            how, what = changes[i]
            if how == "patch":
                patch(client, "incidents", ours[i], **what)
            elif what == "resolve":
                act(client, "incidents", ours[i], what, resolution="Fixed")
            else:
                act(client, "incidents", ours[i], what)
        with ThreadPoolExecutor(len(ours)) as pool:
            list(pool.map(change, range(len(ours))))
        check_month(client, month)
    act(client, "incidents", ours[0], "reopen", note="not fixed")
    act(client, "incidents", ours[5], "reopen", note="not fixed")
    check_month(client, month)
