# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""tools/serve twice on one port: the second is refused with a clear message while the first
keeps serving, and when the first stops, its httpd and slapd stop with it."""
import os
import shutil
import signal
import subprocess

import pytest
import requests

from conftest import REPO, free_port, is_root, pid_alive, poll, port_open

pytestmark = pytest.mark.restart


def test_second_serve_on_one_port_is_refused(env):
    if not is_root():
        pytest.skip("tools/serve keeps its state in /var/lib/mod_itsm-serve (run as root)")
    port, ldap_port = free_port(), free_port()
    while ldap_port == port:
        ldap_port = free_port()
    state = "/var/lib/mod_itsm-serve/%d" % port
    assert not os.path.exists(state)
    out_path = os.path.join(env.base, "serve-%d.out" % port)
    serve = [os.path.join(REPO, "tools", "serve"), "--port", str(port), "--ldap-port",
             str(ldap_port)]
    with open(out_path, "w") as out:
        first = subprocess.Popen(serve, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        poll(lambda: first.poll() is not None or "mod_itsm is running" in open(out_path).read(),
             600, 0.5)
        assert first.poll() is None, open(out_path).read()[-3000:]
        slapd_pid = int(open(os.path.join(state, "slapd", "slapd.pid")).read().split()[0])
        httpd_pid = int(open(os.path.join(state, "httpd", "httpd.pid")).read().split()[0])

        second = subprocess.run(serve, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "another tools/serve already serves port %d" % port in second.stderr, \
            second.stderr
        assert pid_alive(slapd_pid) and pid_alive(httpd_pid)
        me = requests.get("http://127.0.0.1:%d/itsm/me" % port, auth=("alice", "sample"),
                          timeout=30)
        assert me.status_code == 200, me.text

        first.send_signal(signal.SIGTERM)
        first.wait(120)
        assert "tools/serve: stopped" in open(out_path).read()
        assert poll(lambda: not pid_alive(slapd_pid) and not pid_alive(httpd_pid), 30), \
            "tools/serve left its slapd or httpd behind"
        assert not port_open(port) and not port_open(ldap_port)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGTERM)
            first.wait(60)
        shutil.rmtree(state, ignore_errors=True)
