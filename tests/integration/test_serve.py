# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""tools/serve twice on one port: the second is refused with a clear message while the first
keeps serving, and when the first stops, its httpd and slapd stop with it. A tools/serve
killed without its trap (SIGKILL of its process group) leaves nothing running: its watchdog
stops httpd and slapd, and the next tools/serve on that port starts."""
import os
import shutil
import signal
import subprocess

import pytest

from conftest import is_root, pid_alive, poll
from serve_util import Serve, gone

pytestmark = pytest.mark.restart


@pytest.fixture
def root():
    if not is_root():
        pytest.skip("tools/serve keeps its state in /var/lib/mod_itsm-serve (run as root)")


def test_second_serve_on_one_port_is_refused(env, root):
    first = Serve(env, "first")
    try:
        first.wait_running()
        pids = first.pids()

        second = subprocess.run(first.argv, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "another tools/serve already serves port %d" % first.port in second.stderr, \
            second.stderr
        assert all(pid_alive(p) for p in pids)
        assert first.me().status_code == 200, first.me().text

        first.stop()
        assert gone(pids, first.port, first.ldap_port), \
            "tools/serve left its slapd or httpd behind"
    finally:
        first.end()
        shutil.rmtree(first.state, ignore_errors=True)


def test_serve_killed_without_its_trap_leaves_nothing_running(env, root):
    first = Serve(env, "first")
    again = None
    try:
        first.wait_running()
        pids = first.pids()

        os.killpg(first.proc.pid, signal.SIGKILL)   # the shell and httpd; slapd runs apart
        first.proc.wait(30)
        # the watchdog says so once both are gone
        assert poll(lambda: "its watchdog stopped httpd and slapd" in first.output(), 60), \
            first.output()[-3000:]
        assert gone(pids, first.port, first.ldap_port), \
            "a killed tools/serve left its slapd or httpd behind"

        again = Serve(env, "again", first.port, first.ldap_port)
        again.wait_running()
        assert "another tools/serve" not in again.output(), again.output()[-3000:]
        assert again.me().status_code == 200, again.me().text
        pids = again.pids()
        again.stop()
        assert gone(pids, first.port, first.ldap_port)
    finally:
        for s in (first, again):
            if s:
                s.end()
        shutil.rmtree(first.state, ignore_errors=True)
