# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The SLA sweep (ITSMSLASweepInterval; a dedicated httpd sweeping every second): a breach is
announced once in the journal and the feed to the assignee and the escalation role, never
for P5 or finished tickets, and behind more than a page of running clocks too. Imports with
an <opened> in the past give the breaches; they are finished at the end of the test."""
import time

import pytest

from conftest import Client, itsm_directives, poll, sweep_server
from incident_util import (act, feed_for, finish_incident, get, imp, journal_entries, patch,
                           new_incident, tag, targets)


def sla_entries(client, number):
    return [(a, actor, ch) for a, _, actor, ch in journal_entries(client, "incidents", number)
            if a.startswith("sla-")]


@pytest.mark.restart
def test_sla_sweep_announces_breach_once(env, client, make_httpd):
    conf = itsm_directives(env)
    conf["ITSMSLASweepInterval"] = "1"
    h = make_httpd("sweep", itsm=conf)
    h.start()
    c = Client(h)
    title = "Sweep %s" % tag()
    breach = imp(c, "incidents", minutes=120, impact="high", urgency="high", title=title,
                 state="assigned", assignee="res1").ticket()
    quiet = {
        "P5": imp(c, "incidents", minutes=120, impact="high", urgency="high", priority="P5",
                  assignee="res1").ticket()["number"],
        "resolved": imp(c, "incidents", minutes=120, impact="high", urgency="high",
                        state="resolved", resolution="Fixed in the old tool",
                        assignee="res1").ticket()["number"],
    }
    n = breach["number"]
    try:
        assert breach["priority"] == "P1"
        assert targets(get(c, "incidents", n))["response"]["status"] == "breached"
        assert poll(lambda: sla_entries(c, n), timeout=20, interval=0.25), \
            "no sla-breach within 20 s"
        (action, actor, changes), = sla_entries(c, n)
        assert (action, actor) == ("sla-breach", "itsm-sla")
        assert changes == {"sla.response": (None, "breached")}, changes
        # its followers (incidents: the raiser, admin1 here, and the assignee) and the holder
        # of the escalation role (incident-manager) hear of it
        for user in ("res1", "im1", "admin1"):
            hits = [e for e in feed_for(c, user, n) if e["action"] == "sla-breach"]
            assert len(hits) == 1, (user, feed_for(c, user, n))
            assert hits[0]["actor"] == "itsm-sla" and title in hits[0]["title"]
            assert "response breached" in hits[0]["summary"], hits[0]
        # nobody else: not another desk person, not the incident's party
        for user in ("agent1", "alice"):
            assert [e for e in feed_for(c, user, n) if e["action"] == "sla-breach"] == [], user
        # announced once: a few more sweeps later there is still one entry
        time.sleep(4)
        assert len(sla_entries(c, n)) == 1
        for what, q in quiet.items():
            assert sla_entries(c, q) == [], what
        assert get(c, "incidents", quiet["resolved"]).findtext("i:state") == "resolved"
    finally:
        act(c, "incidents", n, "resolve", user="admin1", resolution="cleanup")
        finish_incident(c, quiet["P5"])


@pytest.mark.restart
def test_sla_sweep_reads_every_page(env, database, make_httpd):
    """The sweep reads tickets with running clocks page by page (500 a query): a breach
    behind more than a page of other running clocks is announced too."""
    from concurrent.futures import ThreadPoolExecutor
    h = sweep_server(env, database, "sweep-pages", make=make_httpd)
    c = Client(h)

    def one(i):
        return new_incident(c, title="Running clock %d" % i).ticket()["number"]

    with ThreadPoolExecutor(8) as pool:
        running = list(pool.map(one, range(510)))
    assert len(set(running)) == 510
    n = imp(c, "incidents", minutes=120, impact="high", urgency="high", state="assigned",
            assignee="res1", title="Behind a page %s" % tag()).ticket()["number"]
    assert poll(lambda: sla_entries(c, n), timeout=30, interval=0.5), \
        "no sla-breach for the ticket after the first page within 30 s"
    assert [a for a, _, _ in sla_entries(c, n)] == ["sla-breach"]
    assert sla_entries(c, running[0]) == []


def test_a_new_priority_with_the_same_target_announces_nothing_again(env, database, make_httpd):
    """A breach is announced once per due time: P3 and P4 share the response target (30
    minutes on the business calendar), so the breached response is not announced again when
    a P3 becomes a P4; its resolution target moves (50 to 200 business hours), and the
    resolution, breached as a P3, is not breached as a P4 20 days after logging."""
    h = sweep_server(env, database, "sweep-retarget", make=make_httpd)
    c = Client(h)
    n = imp(c, "incidents", days=20, impact="medium", urgency="medium", state="assigned",
            assignee="res1", title="Retarget %s" % tag()).ticket()["number"]

    def announced(clock):
        return [ch for a, _, ch in sla_entries(c, n)
                if a == "sla-breach" and "sla." + clock in ch]

    try:
        assert get(c, "incidents", n).findtext("i:priority") == "P3"
        assert poll(lambda: announced("response") and announced("resolution"), timeout=20,
                    interval=0.25), sla_entries(c, n)
        r = patch(c, "incidents", n, priority="P4", impact="low", urgency="medium")
        assert r.findtext("i:priority") == "P4"
        sla = targets(r)
        assert sla["response"]["status"] == "breached", sla
        assert sla["resolution"]["status"] != "breached", sla
        time.sleep(4)                                   # a few sweeps
        assert len(announced("response")) == 1, sla_entries(c, n)
        assert len(announced("resolution")) == 1, sla_entries(c, n)
        # back to P3: the resolution's due time moves back, its breach is announced anew
        patch(c, "incidents", n, priority="P3", impact="medium", urgency="medium")
        assert poll(lambda: len(announced("resolution")) == 2, timeout=20, interval=0.25), \
            sla_entries(c, n)
        assert len(announced("response")) == 1, sla_entries(c, n)
    finally:
        finish_incident(c, n)
