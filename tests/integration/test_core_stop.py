# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Stops of httpd under load and while the SLA sweep pages through many tickets (the core's
child exit path): no child may crash, and nothing a client was told is stored may be lost.

One httpd of its own on a fresh database, ITSMSLASweepInterval 1. A few thousand incidents
with running SLA clocks make every sweep page through them (500 a query). Each round then
builds a backlog for the sweep: the server runs without a sweep while breached incidents
are imported (opened two hours ago: P1, response breached) and nobody announces them; it
is restarted with the sweep, and as soon as the sweep has announced its first breach (it
has paged past the running clocks and is writing the backlog, ticket by ticket) httpd is
stopped: with SIGTERM in rounds 0 and 2 (apachectl stop: the child exits at once, the sweep
in the middle of its backlog), gracefully in round 1 (SIGWINCH, apachectl graceful-stop)
while clients create, list and read. Under tests/run's sanitizer run the same stops run
with the modules built under ASan and UBSan.

No SIGTERM right after requests: there httpd's event MPM (2.4.71) races its own workers
(close_worker_sockets() in the child's main thread reads the socket of a worker that has
just finished with it: SEGV in apr_os_sock_get, seen here on PostgreSQL under ASan), which
no module can prevent. So the SIGTERM rounds stop a server that has had no request since
the harness's probe at its start, and every stop after requests is graceful: the requests
in flight finish, then the child exits through the same path, the sweep still running.

The checks: no "Segmentation fault" or "exit signal" in the error log and no sanitizer
report (also checked by the harness after the module), and every incident whose creation
was answered 201 is readable after the last restart."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import LOG_CRASH, Client, fresh_server, itsm_directives, poll, sanitizer_reports
from incident_util import H, body, create, list_numbers, new_incident, rfc, utcnow

RUNNING = 2000      # incidents whose clocks run and are not due: every sweep reads them
BACKLOG = 600       # breached imports per round: more than a page of the sweep to announce
ROUNDS = 3
CLIENTS = 6
GRACE = "GracefulShutdownTimeout 20"     # bounds a graceful stop (SIGWINCH)


def fill(n, one):
    """one(i) for i in range(n), 8 at a time (the numbers of the incidents made)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def running(c, i):
    """An incident whose clocks run and come due long after the test (P3: a response within
    30 business minutes)."""
    return new_incident(c, title="Running clock %d" % i).ticket()["number"]


def breached(c, rnd, opened):
    """A P1 incident imported by admin1 as opened at opened (two hours ago): response
    breached, not announced while the server importing it runs no sweep."""
    return lambda i: create(c, "incidents", "admin1", title="Backlog %d.%d" % (rnd, i),
                            description="imported from the old tool", impact="high",
                            urgency="high", opened=opened).ticket()["number"]


class Load:
    """CLIENTS threads creating, listing and reading incidents until stopped; a create
    answered 201 is remembered. Errors once the server is going away are expected."""

    def __init__(self, httpd, rnd):
        self.c = Client(httpd)
        self.rnd = rnd
        self.done = threading.Event()
        self.created = []
        self.answered = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(CLIENTS)]

    def run(self, n):
        i = 0
        while not self.done.is_set():
            i += 1
            try:
                if i % 3 == 0:
                    r = self.c.get("/incidents", params={"open": "true", "limit": 50})
                elif i % 3 == 1:
                    r = self.c.post("/incidents", body(
                        "incidents", title="Load %d.%d.%d" % (self.rnd, n, i),
                        description="Raised while the server stops", impact="medium",
                        urgency="medium"))
                else:
                    r = self.c.get("/incidents", params={"limit": 5, "offset": i * 7})
            except (requests.RequestException, AssertionError, pytest.fail.Exception):
                continue        # the server is stopping: reset, refused, partial answer
            with self.lock:
                self.answered += 1
                if r.status == 201:
                    self.created.append(r.ticket()["number"])

    def __enter__(self):
        for t in self.threads:
            t.start()
        assert poll(lambda: self.answered >= CLIENTS, timeout=30), "no request answered"
        return self

    def __exit__(self, *exc):
        self.done.set()
        for t in self.threads:
            t.join(90)


def announced(h, mark):
    """Wait until the sweep has announced a breach since mark: it has read the pages of
    running clocks and is writing the backlog, ticket by ticket (a few hundred a second:
    look often, so that the stop comes while it writes)."""
    assert poll(lambda: "ITSM00112" in h.log_since(mark), timeout=60, interval=0.01), \
        "the sweep announced nothing within 60 s"


@pytest.mark.restart
def test_stops_under_load_and_during_the_sweep(env, database, make_httpd):
    h = fresh_server(env, database, "core-stop", make=make_httpd, extra=GRACE,
                     itsm=dict(itsm_directives(env), ITSMSLASweepInterval="0"))
    quiet = dict(itsm_directives(env), ITSMSLASweepInterval="0", DBDParams='"%s"' % h.dbd_params)
    sweeping = dict(quiet, ITSMSLASweepInterval="1")
    c = Client(h)
    kept = fill(RUNNING, lambda i: running(c, i))
    for rnd in range(ROUNDS):
        kept += fill(BACKLOG, breached(c, rnd, rfc(utcnow() - 2 * H)))
        h.stop(graceful=True)
        h.write_config(itsm=sweeping, extra=GRACE)
        mark = h.log_size()
        h.start()
        if rnd % 2 == 0:
            # SIGTERM while the sweep writes its backlog, no request since the start
            announced(h, mark)
            h.stop()
        else:
            # graceful stop while the sweep writes its backlog and clients are busy
            with Load(h, rnd) as load:
                announced(h, mark)
                h.stop(graceful=True)
            assert load.answered > CLIENTS
            kept += load.created
        crashes = [line for line in h.log_since(mark).splitlines() if LOG_CRASH.search(line)]
        assert crashes == [], "round %d:\n%s" % (rnd, "\n".join(crashes))
        assert sanitizer_reports(env) == [], "round %d" % rnd
        h.write_config(itsm=quiet, extra=GRACE)
        h.start()
    # every create that was answered 201 survived the stops
    missing = set(kept) - set(list_numbers(c, "incidents", "admin1"))
    assert missing == set(), "%d of %d answered creates lost: %s" % (
        len(missing), len(kept), sorted(missing)[:10])
    h.stop(graceful=True)       # right after requests too: not SIGTERM (see above)
