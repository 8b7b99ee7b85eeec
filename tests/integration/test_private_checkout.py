# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""tools/serve and the harness of tests/run from a checkout other users cannot read (issue 8,
point 11): a copy of this built tree, its files closed to group and others (as a umask of 077
leaves them), under a directory of root's of mode 0700. httpd's parent (root) loads the
modules from the checkout; its children run as another user (www-data under tools/serve,
itsmtest under the harness) and read only the copies each tool makes in its own run
directory: the schemas with the SQL migrations, the stylesheets, the portal's static files,
the configuration. Nothing here makes the checkout readable."""
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest
import requests

from conftest import REPO, TEST_USER, Response, ensure_test_user, is_root
from portal_util import Browser
from serve_util import Serve, gone

pytestmark = pytest.mark.restart

SERVE_USER = "www-data"     # tools/serve's RUN_USER
# Not copied: the sanitizer build (a tree of its own, not what tools/serve runs) and .git (a
# worktree's is a file naming the main repository; neither tool reads it).
NOT_COPIED = {"build-asan", ".git"}
# a file or directory the children cannot open: errno 13, httpd's AH00035 and AH00132
PERMISSION_DENIED = re.compile(r"Permission denied|\(13\)|AH00035|AH00132")
LOG_ERRORS = re.compile(r"\[(?:[\w.-]+:)?(?:error|crit|alert|emerg)\]")


def close_to_others(top):
    """What `umask 077` would have made of the checkout: no bit for group or others."""
    for d, dirs, files in os.walk(top):
        for p in [d] + [os.path.join(d, n) for n in dirs + files]:
            st = os.lstat(p)
            if not stat.S_ISLNK(st.st_mode):        # a link's target may lie outside
                os.chmod(p, stat.S_IMODE(st.st_mode) & 0o700)


def can_read(user, path):
    """Whether user (not root) can read path, asked of the kernel as that user."""
    pw = pwd.getpwnam(user)

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return subprocess.run(["/usr/bin/test", "-r", path], preexec_fn=drop, cwd="/",
                          timeout=30).returncode == 0


@pytest.fixture(scope="module")
def checkout():
    """The private copy: <0700 temp dir of root's>/checkout, as built here (mtimes kept, so
    that the make of tools/serve has nothing to do). Removed after the module."""
    if not is_root():
        pytest.skip("httpd's children switch to another user only when it starts as root")
    top = tempfile.mkdtemp(prefix="itsm-private-")      # mode 0700, root's
    try:
        co = os.path.join(top, "checkout")
        shutil.copytree(REPO, co, symlinks=True,
                        ignore=lambda d, names: NOT_COPIED & set(names) if d == REPO else ())
        close_to_others(co)
        ensure_test_user()
        try:
            pwd.getpwnam(SERVE_USER)
        except KeyError:                            # as tools/serve makes it
            subprocess.run(["useradd", "-r", "-s", "/usr/sbin/nologin", SERVE_USER], check=True)
        # the premise: neither user the children run as can read anything of it
        for user in (SERVE_USER, TEST_USER):
            for rel in ("schemas/itsm.xsd", "schemas/sql", "portal/itsm.css",
                        "conf/itsm-authz.xml"):
                assert not can_read(user, os.path.join(co, rel)), (user, rel)
        yield co
    finally:
        shutil.rmtree(top, ignore_errors=True)


def children_of(pid):
    """(pid, uid) of the processes whose parent is pid."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out.append((int(name), os.stat("/proc/" + name).st_uid))
        except (OSError, IndexError, ValueError):
            continue                                # gone meanwhile
    return out


def test_serve_from_a_checkout_others_cannot_read(env, checkout):
    serve = Serve(env, "private", repo=checkout)
    try:
        serve.wait_running()
        out = serve.output()
        assert "sample data not loaded" not in out, out[-3000:]
        slapd_pid, httpd_pid = serve.pids()
        # the children are not root, or this test would prove nothing
        kids = children_of(httpd_pid)
        assert kids and {uid for _, uid in kids} == {pwd.getpwnam(SERVE_USER).pw_uid}, kids
        # the checkout appears in httpd.conf only where root reads it: LoadModule
        with open(os.path.join(serve.state, "httpd", "httpd.conf")) as f:
            named = [line for line in f if checkout in line]
        assert named and all(line.startswith("LoadModule ") for line in named), named

        # the API: migrations applied by a child, the seeded desk read through the store
        r = Response(requests.get(serve.url + "/itsm/incidents", auth=("agent1", "sample"),
                                  timeout=30))
        assert r.status == 200 and r.root == "list" and r.numbers(), r
        assert serve.me().status_code == 200, serve.me().text

        # the portal: login form, a page rendered by the stylesheets, the static files
        b = Browser(serve)
        b.login("alice", back="/itsm/cases")
        page = b.page("/itsm/cases")
        assert "Alice" in page.text, page.text[:2000]
        css = re.search(r'<link[^>]+href="([^"]+\.css)"', page.text)
        assert css, page.text[:2000]
        r = b.get(css.group(1))
        with open(os.path.join(checkout, "portal", "itsm.css"), "rb") as f:
            assert r.status_code == 200 and r.content == f.read(), r.status_code
        assert r.headers.get("Content-Type", "").startswith("text/css"), r.headers

        with open(os.path.join(serve.state, "httpd", "error.log"), errors="replace") as f:
            log = f.read()
        assert not PERMISSION_DENIED.search(log), log[-3000:]
        assert not LOG_ERRORS.search(log), log[-3000:]

        serve.stop()
        assert gone((slapd_pid, httpd_pid), serve.port, serve.ldap_port), \
            "tools/serve left its slapd or httpd behind"
    finally:
        serve.end()
        shutil.rmtree(serve.state, ignore_errors=True)


def test_harness_from_a_checkout_others_cannot_read(checkout):
    """The integration step of tests/run (pytest as it runs it, from the checkout): the
    harness's own checks, and the main server with mod_itsm (its children apply the
    migrations and render a portal page). On the store of this run; the modules are the
    checkout's own, without the sanitizers."""
    environ = dict(os.environ, ITSM_TEST_DB=os.environ.get("ITSM_TEST_DB", "sqlite3"),
                   ITSM_TEST_SANITIZE="0")
    environ.pop("ITSM_TEST_MODULE_DIR", None)
    tests = os.path.join(checkout, "tests", "integration")
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                        os.path.join(tests, "test_00_harness.py"),
                        os.path.join(tests, "test_portal_pages.py") +
                        "::test_case_page_shows_the_document"],
                       cwd=checkout, env=environ, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0 and re.search(r"\b4 passed\b", r.stdout), \
        (r.stdout + r.stderr)[-6000:]
