# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""tools/serve driven by the tests (test_serve.py, test_private_checkout.py): one started on
free ports in a session of its own, its state in /var/lib/mod_itsm-serve/PORT/."""
import os
import signal
import subprocess

import requests

from conftest import REPO, free_port, pid_alive, poll, port_open


class Serve:
    """A tools/serve on a free port, started in a session of its own; repo: the checkout whose
    tools/serve it is (default this one)."""

    def __init__(self, env, name, port=None, ldap_port=None, repo=REPO):
        self.port, self.ldap_port = port or free_port(), ldap_port or free_port()
        while self.ldap_port == self.port:
            self.ldap_port = free_port()
        self.state = "/var/lib/mod_itsm-serve/%d" % self.port
        if port is None:
            assert not os.path.exists(self.state)
        self.url = "http://127.0.0.1:%d" % self.port
        self.argv = [os.path.join(repo, "tools", "serve"), "--port", str(self.port),
                     "--ldap-port", str(self.ldap_port)]
        self.out_path = os.path.join(env.base, "serve-%d-%s.out" % (self.port, name))
        with open(self.out_path, "w") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_running(self):
        poll(lambda: self.proc.poll() is not None or "mod_itsm is running" in self.output(),
             600, 0.5)
        assert self.proc.poll() is None, self.output()[-3000:]

    def pids(self):
        """slapd's and httpd's"""
        return tuple(int(open(os.path.join(self.state, d, d + ".pid")).read().split()[0])
                     for d in ("slapd", "httpd"))

    def me(self):
        return requests.get(self.url + "/itsm/me", auth=("alice", "sample"), timeout=30)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(120)
        assert "tools/serve: stopped" in self.output()

    def end(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(60)


def gone(pids, *ports):
    return poll(lambda: not any(pid_alive(p) for p in pids), 60) \
        and not any(port_open(p) for p in ports)
