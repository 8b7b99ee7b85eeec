# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Integration harness for mod_itsm: a private slapd, database and httpd on free loopback
ports in one temporary directory, started once per session and stopped by pid at the end.

ITSM_TEST_DB picks the store: sqlite3 (default) or pgsql (a private PostgreSQL cluster run
as a non-root user). ITSM_TEST_KEEP=1 keeps the temporary directory for a post-mortem.
ITSM_TEST_MODULE_DIR takes the modules from another build tree; ITSM_TEST_SANITIZE=1 runs
httpd with gcc's ASan and UBSan runtimes preloaded, for modules built with
-fsanitize=address,undefined (tests/run does both with build-asan/).
After each test module the httpd error logs are read: no crit/alert/emerg, no crash, and no
error line unless the module declared it expected (fixture `expect_log`); under the
sanitizers every report fails the run with its content. At the end of the session, after
the last stops, the logs are read once more for crashes and reports.
What httpd's children read is copied into the run's directory (STAGED_TREES), so that the
checkout may be one the test user cannot enter."""
import glob
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3  # noqa: F401  (imported here so a missing module fails at collection)
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import quote

import pytest
import requests
from lxml import etree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = "urn:mod-itsm:xml:1"
NSMAP = {"i": NS}
PASSWORD = "sample"
LDAP_SUFFIX = "dc=itsm,dc=example"
LDAP_READER = "cn=itsm-reader," + LDAP_SUFFIX
TEST_USER = "itsmtest"      # non-root account: httpd children and PostgreSQL run as it
APACHE_MODULES = "/usr/lib/apache2/modules"
STOCK_MODULES = ["mpm_event", "authn_core", "authz_core", "authz_user", "auth_basic",
                 "ldap", "authnz_ldap", "dbd", "mime",
                 # the portal's login (docs/portal.md): form login, sessions in a cookie
                 "auth_form", "request", "session", "session_cookie", "session_crypto",
                 "alias"]
START_WAIT = 30             # seconds any server gets to come up (bound, not an assertion)


# --------------------------------------------------------------------------- utilities

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def poll(fn, timeout=START_WAIT, interval=0.1):
    """fn() until it returns something true or timeout seconds pass; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_pid(pid, timeout=15):
    """SIGTERM pid, then SIGKILL if it does not go within timeout seconds."""
    if not pid or not pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    if not poll(lambda: not pid_alive(pid), timeout):
        os.kill(pid, signal.SIGKILL)
        poll(lambda: not pid_alive(pid), 5)


def is_root():
    return os.geteuid() == 0


def ensure_test_user():
    """The non-root account httpd children and PostgreSQL run as (root only)."""
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(["useradd", "-r", "-m", "-s", "/usr/sbin/nologin", TEST_USER], check=True)
        return pwd.getpwnam(TEST_USER)


def chown_to_test_user(path):
    if is_root():
        pw = ensure_test_user()
        os.chown(path, pw.pw_uid, pw.pw_gid)


def as_test_user():
    """preexec_fn for a subprocess that must not run as root."""
    if not is_root():
        return None
    pw = ensure_test_user()

    def drop():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    return drop


def built_module(name):
    """A libtool-built DSO: <repo>/.libs or <repo>/**/.libs (not the sanitizer build in
    build-asan/), newest first; or from $ITSM_TEST_MODULE_DIR (another build tree, such as
    build-asan/src, or an installed module directory)."""
    alt = os.environ.get("ITSM_TEST_MODULE_DIR")
    if alt:
        hits = glob.glob(os.path.join(alt, name)) + \
            glob.glob(os.path.join(alt, "**", ".libs", name), recursive=True)
        return hits[0] if hits else None
    hits = glob.glob(os.path.join(REPO, ".libs", name)) + \
        glob.glob(os.path.join(REPO, "**", ".libs", name), recursive=True)
    hits = [h for h in set(hits)
            if not os.path.relpath(h, REPO).startswith("build-asan" + os.sep)]
    hits = sorted(hits, key=os.path.getmtime, reverse=True)
    return hits[0] if hits else None


# What httpd's children read (schemas/ with the SQL migrations, configuration files, the
# modules themselves for sanitizer stack traces) is copied once into the run's own
# directory, readable by the test user: the checkout may be one other users cannot enter.
STAGE = {"dir": None}
STAGED_TREES = ["schemas", "conf", "portal", "tests/integration/authz-test.xml"]


def stage_files(base):
    stage = os.path.join(base, "files")
    for rel in STAGED_TREES:
        src, dst = os.path.join(REPO, rel), os.path.join(stage, rel)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
    os.makedirs(os.path.join(stage, "modules"))
    for root, dirs, files in os.walk(stage):
        for n in dirs:
            os.chmod(os.path.join(root, n), 0o755)
        for n in files:
            os.chmod(os.path.join(root, n), 0o644)
    os.chmod(stage, 0o755)
    STAGE["dir"] = stage


def staged(rel):
    """The run's copy of <repo>/rel (one of STAGED_TREES or a file under them)."""
    assert STAGE["dir"], "no run directory yet (the env fixture makes it)"
    return os.path.join(STAGE["dir"], rel)


def find_module(name):
    """The run's copy of a built module (see built_module), as httpd loads it."""
    src = built_module(name)
    if not src or not STAGE["dir"]:
        return src
    dst = os.path.join(STAGE["dir"], "modules", name)
    if not os.path.exists(dst):
        shutil.copy2(src, dst)
        os.chmod(dst, 0o644)
    return dst


# --------------------------------------------------------------------------- slapd

class Slapd:
    """tools/slapd-run in TMP/slapd; stop()/start() may be called mid-test. It offers StartTLS
    on url and TLS from the first byte on ldaps_url, with a server certificate for 127.0.0.1
    signed by the throwaway test CA in ca_file (made by slapd-run at first start)."""

    def __init__(self, base):
        self.dir = os.path.join(base, "slapd")
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.ldaps_port = free_port()
        self.ldaps_url = "ldaps://127.0.0.1:%d" % self.ldaps_port
        self.ca_file = os.path.join(self.dir, "tls", "ca.crt")
        self.tool = os.path.join(REPO, "tools", "slapd-run")
        self.pid = None

    def start(self):
        if not os.access(self.tool, os.X_OK):
            pytest.fail("tools/slapd-run is missing: the LDAP fixture cannot start")
        r = subprocess.run([self.tool, "--dir", self.dir, "--port", str(self.port),
                            "--ldaps-port", str(self.ldaps_port)],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            pytest.fail("slapd-run failed (%d):\n%s%s" % (r.returncode, r.stdout, r.stderr))
        out = r.stdout.strip().split()
        self.pid = int(out[-1]) if out and out[-1].isdigit() else None
        for port in (self.port, self.ldaps_port):
            assert poll(lambda: port_open(port)), "slapd does not listen on %d" % port

    def stop(self):
        subprocess.run([self.tool, "--dir", self.dir, "--stop"], capture_output=True,
                       text=True, timeout=60)
        if self.pid:
            stop_pid(self.pid)
        for port in (self.port, self.ldaps_port):
            assert poll(lambda: not port_open(port), 15), "slapd still listens on %d" % port

    @property
    def running(self):
        return port_open(self.port)

    def search(self, base, filt, *attrs):
        """ldapsearch as the read-only account; LDIF text."""
        r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", self.url, "-D", LDAP_READER,
                            "-w", PASSWORD, "-b", base, filt] + list(attrs),
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout


# A slapd as Debian's package configures it (tools/itsm-directory-setup is applied to it)
class StockSlapd:
    """slapd with the cn=config Debian's postinst makes (suffix dc=example,dc=org), paths
    moved into dir; root over ldapi manages cn=config, as on Debian."""

    def __init__(self, base, name="stock-slapd", with_database=True):
        self.with_database = with_database      # False: back_mdb loaded, no mdb database yet
        self.dir = os.path.join(base, name)
        for d in ("run", "data", "slapd.d"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.ldapi = "ldapi://" + quote(os.path.join(self.dir, "ldapi"), safe="")
        self.pid = None

    def start(self):
        pw = subprocess.run(["slappasswd", "-s", "admin"], capture_output=True, text=True,
                            check=True).stdout.strip()
        text = open("/usr/share/slapd/slapd.init.ldif").read().replace("@SUFFIX@", "dc=example,dc=org") \
            .replace("@PASSWORD@", pw).replace("/var/run/slapd", self.dir + "/run") \
            .replace("/var/lib/ldap", self.dir + "/data")
        if not self.with_database:
            text = re.sub(r"\ndn: olcDatabase=mdb,cn=config\n.*?(\n\n|$)", "\n", text, flags=re.S)
        init = os.path.join(self.dir, "init.ldif")
        with open(init, "w") as f:
            f.write(text)
        r = subprocess.run(["slapadd", "-n", "0", "-F", self.dir + "/slapd.d", "-l", init],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        r = subprocess.run(["/usr/sbin/slapd", "-F", self.dir + "/slapd.d", "-h",
                            "%s/ %s" % (self.url, self.ldapi)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        pidfile = os.path.join(self.dir, "run", "slapd.pid")
        assert poll(lambda: os.path.exists(pidfile) and port_open(self.port)), \
            "the stock slapd does not listen"
        self.pid = int(open(pidfile).read().split()[0])

    def stop(self):
        stop_pid(self.pid)

    def setup(self, secret, *more, tool=None):
        """tools/itsm-directory-setup (or tool, e.g. an installed copy) on this slapd; more:
        further arguments."""
        tool = tool or os.path.join(REPO, "tools", "itsm-directory-setup")
        assert os.access(tool, os.X_OK), "%s is not built (make)" % tool
        return subprocess.run([tool, "-H", self.ldapi, "--db-dir", os.path.join(self.dir, "itsm"),
                               "--reader-password-file", secret] + list(more),
                              capture_output=True, text=True, timeout=120)

    def root(self, tool, *args, stdin=None):
        """An ldap tool as root over ldapi (SASL EXTERNAL)."""
        return subprocess.run([tool, "-Q", "-Y", "EXTERNAL", "-H", self.ldapi] + list(args),
                              input=stdin, capture_output=True, text=True, timeout=60)

    def search(self, base, filt, *attrs, who, password):
        argv = ["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", self.url, "-b", base,
                filt] + list(attrs)
        if who:
            argv[2:2] = ["-D", who, "-w", password]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30)


# --------------------------------------------------------------------------- databases

class SqliteDB:
    driver = "sqlite3"

    def __init__(self, base):
        self.dir = os.path.join(base, "db")
        os.mkdir(self.dir)
        chown_to_test_user(self.dir)      # httpd children write the file and its WAL
        self.path = os.path.join(self.dir, "itsm.db")
        self.params = self.path

    def start(self):
        pass

    def stop(self):
        pass

    def fresh(self, name):
        """DBDParams of another, empty database (first-use and migration tests)."""
        return os.path.join(self.dir, name + ".db")

    _DUMP = r"""
import json, os, sqlite3, sys
p = sys.argv[1]
out = {}
if os.path.exists(p):
    c = sqlite3.connect("file:%s?mode=ro" % p, uri=True, timeout=30)
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        out[t] = sorted(repr(r) for r in c.execute('SELECT * FROM "%s"' % t.replace('"', '""')))
print(json.dumps(out))
"""

    def execute(self, sql, params=None):
        """Run SQL statements as the test user on the database (or the one of DBDParams
        params, from fresh()): fault injection."""
        r = subprocess.run([sys.executable, "-c",
                            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); "
                            "c.executescript(sys.argv[2]); c.close()", params or self.path, sql],
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=as_test_user())
        assert r.returncode == 0, r.stderr

    def snapshot(self, params=None):
        """Every row of every table of the database (or the one of DBDParams params, from
        fresh()). Read as the test user so no root-owned WAL/SHM file appears next to it."""
        import json
        r = subprocess.run([sys.executable, "-c", self._DUMP, params or self.path],
                           capture_output=True, text=True, timeout=60,
                           preexec_fn=as_test_user())
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)


class PgDB:
    """A private PostgreSQL cluster owned by the non-root test user."""
    driver = "pgsql"

    def __init__(self, base):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.fail("PostgreSQL is not installed (initdb not found)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = os.path.join(base, "pg")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.port = free_port()
        os.makedirs(self.sock)
        for d in (self.dir, self.sock):
            chown_to_test_user(d)
        self.params = ("host=127.0.0.1 port=%d dbname=itsm user=itsm password=itsm"
                       % self.port)
        self.env = dict(os.environ, PGPASSWORD="itsm", LC_ALL="C.UTF-8")

    def _run(self, *argv, check=True):
        r = subprocess.run(list(argv), capture_output=True, text=True, timeout=120,
                           cwd=self.dir, env=self.env, preexec_fn=as_test_user())
        if check and r.returncode != 0:
            pytest.fail("%s failed (%d):\n%s%s" % (argv[0], r.returncode, r.stdout, r.stderr))
        return r

    def start(self):
        b = self.bin
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._run(b + "/initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                      "-E", "UTF8", "--locale=C.UTF-8")
        self._run(b + "/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "pg.log"),
                  "-w", "-t", str(START_WAIT), "start", "-o",
                  "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off" % (self.port, self.sock))
        exists = self.psql_admin("SELECT 1 FROM pg_roles WHERE rolname='itsm'").strip()
        if not exists:
            self.psql_admin("CREATE ROLE itsm LOGIN PASSWORD 'itsm'")
            self.psql_admin("CREATE DATABASE itsm OWNER itsm")

    def psql_admin(self, sql, db="postgres"):
        return self._run(self.bin + "/psql", "-X", "-q", "-At", "-h", self.sock, "-p",
                         str(self.port), "-U", "postgres", "-d", db, "-c", sql).stdout

    def psql(self, sql):
        """psql as the application role over TCP, like httpd."""
        return self._run(self.bin + "/psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p",
                         str(self.port), "-U", "itsm", "-d", "itsm", "-c", sql).stdout

    def execute(self, sql, params=None):
        """Run SQL statements as the application role on the database (or the one of
        DBDParams params, from fresh()): fault injection."""
        db = re.search(r"dbname=(\S+)", params).group(1) if params else "itsm"
        return self._run(self.bin + "/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                         "-h", "127.0.0.1", "-p", str(self.port), "-U", "itsm", "-d", db,
                         "-c", sql).stdout

    def fresh(self, name):
        """DBDParams of another, empty database (first-use and migration tests)."""
        self.psql_admin("CREATE DATABASE %s OWNER itsm" % name)
        return self.params.replace("dbname=itsm", "dbname=" + name)

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run(self.bin + "/pg_ctl", "-D", self.data, "-w", "-m", "fast", "stop",
                      check=False)

    # Every row of every table and every sequence in one psql run (one process instead of
    # one per table: the refusal tests take two snapshots each). Each table's rows come back
    # as one XML document of its rows as text, ordered, so that equal tables compare equal.
    _SNAPSHOT = (
        "SELECT tablename, query_to_xml(format('SELECT t::text AS r FROM %I t ORDER BY 1', "
        "tablename), false, false, '')::text FROM pg_tables WHERE schemaname = 'public' "
        "UNION ALL SELECT '(sequences)', coalesce(string_agg(sequencename || ' ' || "
        "coalesce(last_value::text, '-'), ' ' ORDER BY sequencename), '') FROM pg_sequences "
        "WHERE schemaname = 'public'")

    def snapshot(self, params=None):
        """Every row of every table and every sequence of the database (or the one of
        DBDParams params, from fresh())."""
        db = re.search(r"dbname=(\S+)", params).group(1) if params else "itsm"
        r = self._run(self.bin + "/psql", "-X", "-q", "-At", "-F", "\x1f", "-R", "\x1e",
                      "-h", "127.0.0.1", "-p", str(self.port), "-U", "itsm", "-d", db,
                      "-c", self._SNAPSHOT)
        out = {}
        for record in r.stdout.rstrip("\n").split("\x1e"):
            if not record:
                continue
            name, _, value = record.partition("\x1f")
            if name == "(sequences)":
                out[name] = value.split(" ")
            else:
                out[name] = [e.text or "" for e in
                             etree.fromstring(value.encode("utf-8")).iter("r")]
        return out


def make_db(base):
    kind = os.environ.get("ITSM_TEST_DB", "sqlite3")
    if kind in ("sqlite", "sqlite3"):
        return SqliteDB(base)
    if kind in ("pgsql", "postgres", "postgresql"):
        return PgDB(base)
    raise pytest.UsageError("ITSM_TEST_DB must be sqlite3 or pgsql, not %r" % kind)


# --------------------------------------------------------------------------- httpd

def itsm_directives(env):
    """The ITSM* directives of the default test configuration, in order. A test passes a
    changed copy to Httpd(..., itsm=...); a value of None drops the directive."""
    return {
        "DBDriver": env.db.driver,
        "DBDParams": '"%s"' % env.db.params,
        "ITSMSchemaDir": staged("schemas"),
        "ITSMAuthzFile": staged("tests/integration/authz-test.xml"),
        "ITSMSLAFile": staged("conf/itsm-sla.xml"),
        # No SLA sweep on the servers of the tests: it writes (journal, outbox, sla marks)
        # without any request, into the before/after snapshots of the refusal tests. A test
        # of the sweep runs its own server with an interval (itsm_directives + override).
        "ITSMSLASweepInterval": "0",
        # The searches' counts likewise: written by the reads of the gaps and the creates
        # that need them (exact), never by the per-child timer into those snapshots. The
        # default delay and 0 are tested on servers of their own (test_search_counts.py);
        # the refused searches are shown uncounted on one with 0 (counting_httpd).
        "ITSMSearchCountDelay": "3600",
        "ITSMLDAPURL": env.slapd.url,
        "ITSMLDAPBase": LDAP_SUFFIX,
        "ITSMLDAPBindDN": LDAP_READER,
        "ITSMLDAPBindPassword": PASSWORD,
        "ITSMLDAPCacheTTL": "1",
        "ITSMLDAPTimeout": "2",
    }


# as conf/mods-available/itsm.conf ships it: under TLS the session cookie is Secure too
TLS_COOKIE = ['<If "%{HTTPS} == \'on\'">',
              "    SessionCookieName itsm-session path=/;HttpOnly;SameSite=Lax;Secure",
              "</If>"]


def portal_auth(env, session_max_age=28800):
    """The authentication of /itsm as conf/mods-available/itsm.conf ships it: Basic for API
    clients (credentials sent, or no HTML in Accept), mod_auth_form with an encrypted
    session cookie for browsers; the login page, its handler and logout; the static files."""
    ldap = ['AuthLDAPURL "%s/ou=people,%s?uid"' % (env.slapd.url, LDAP_SUFFIX),
            "AuthLDAPBindDN %s" % LDAP_READER,
            "AuthLDAPBindPassword %s" % PASSWORD]
    session = ["Session On",
               "SessionCookieName itsm-session path=/;HttpOnly;SameSite=Lax",
               "SessionCryptoPassphrase %s" % PORTAL_PASSPHRASE,
               "SessionMaxAge %d" % session_max_age,
               # the cookie is written again only when its expiry moves by this much
               "SessionExpiryUpdateInterval %d" % min(300, session_max_age // 2)] + TLS_COOKIE
    return {"location": [
        '<If "-n req(\'Authorization\') || ! req(\'Accept\') =~ m#text/html#">',
        "  AuthType Basic",
        "</If>",
        "<Else>",
        "  AuthType form",
        '  AuthFormLoginRequiredLocation "/itsm-login%{REQUEST_URI}?%{QUERY_STRING}"',
        "</Else>",
        "AuthName ITSM",
        "AuthBasicProvider ldap",
        "AuthFormProvider ldap"] + ldap + session,
        "server": [
        "Alias /itsm-static %s" % staged("portal"),
        "<Directory %s>" % staged("portal"),
        "  Require all granted",
        "</Directory>",
        "<Location /itsm-login>",
        "  SetHandler itsm-login",
        "  Require all granted",
        "</Location>",
        "<Location /itsm-auth>",
        "  SetHandler form-login-handler",
        "  AuthType form",
        "  AuthName ITSM",
        "  AuthFormProvider ldap",
        '  AuthFormLoginRequiredLocation "/itsm-login?failed=1&%{QUERY_STRING}"',
        '  AuthFormLoginSuccessLocation "/itsm/"'] + ["  " + l for l in ldap + session] + [
        "  Require all granted",
        "</Location>",
        "<Location /itsm-logout>",
        "  SetHandler itsm-logout"] + ["  " + l for l in session[:3] + TLS_COOKIE] + [
        "  Require all granted",
        "</Location>"]}


PORTAL_PASSPHRASE = "test-only-%d" % os.getpid()


def httpd_config(env, root, port, itsm=None, extra="", location_extra="", with_itsm=True,
                 without=(), processes=(), session_max_age=28800):
    """httpd.conf text. itsm: the ITSM*/DBD* directives (default itsm_directives(env));
    extra: more server-level lines; with_itsm=False: stock modules only (harness check);
    without: names of process modules not to load ("test", "incident", "knowledge");
    processes: more process modules by name ("problem": mod_itsm_problem.so), loaded after
    the others."""
    lines = [
        "ServerRoot %s" % root,
        "ServerName 127.0.0.1",
        "Listen 127.0.0.1:%d" % port,
        "PidFile %s/httpd.pid" % root,
        "DefaultRuntimeDir %s" % root,
        "ErrorLog %s/error.log" % root,
        "TypesConfig /etc/mime.types",
    ]
    for m in STOCK_MODULES:
        lines.append("LoadModule %s_module %s/mod_%s.so" % (m, APACHE_MODULES, m))
    if with_itsm:
        core = find_module("mod_itsm.so")
        test = find_module("mod_itsm_test.so")
        incident = find_module("mod_itsm_incident.so")
        knowledge = find_module("mod_itsm_knowledge.so")
        if not core or not test or not incident or not knowledge:
            pytest.fail("mod_itsm.so / mod_itsm_test.so / mod_itsm_incident.so / "
                        "mod_itsm_knowledge.so not built (run make first)")
        lines.append("LoadModule itsm_module %s" % core)
        for name, path in (("test", test), ("incident", incident), ("knowledge", knowledge)):
            if name not in without:
                lines.append("LoadModule itsm_%s_module %s" % (name, path))
        for name in processes:
            so = find_module("mod_itsm_%s.so" % name)
            if not so:
                pytest.fail("mod_itsm_%s.so not built (run make first)" % name)
            lines.append("LoadModule itsm_%s_module %s" % (name, so))
        lines.append("LogLevel warn itsm:debug")
    else:
        lines.append("LogLevel warn")
    if is_root():
        lines += ["User %s" % TEST_USER, "Group %s" % TEST_USER]
    if env.sanitizer_logs:
        # A child that dropped privileges cannot read its own /proc/self/environ unless it
        # stays dumpable, which httpd does with CoreDumpDirectory; UBSan reads its options
        # there at its first report. (ASan forbids core files itself: disable_coredump.)
        lines.append("CoreDumpDirectory %s" % env.sanitizer_logs)
    lines += [
        "LDAPCacheTTL 600",         # mod_ldap stays warm while slapd is down; ours expires fast
        "LDAPOpCacheTTL 600",
        "Timeout 30",
        "KeepAliveTimeout 5",
        "GracefulShutdownTimeout 10",
        "StartServers 2",           # two children: numbers must stay unique across processes
        "ServerLimit 4",
        "ThreadsPerChild 16",
        "MinSpareThreads 16",
        "MaxSpareThreads 64",
        "MaxRequestWorkers 64",
        "LimitRequestLine 16384",   # as docs/install.md: 10 KiB of search text reaches the suite
    ]
    if with_itsm:
        for k, v in (itsm if itsm is not None else itsm_directives(env)).items():
            if v is not None:
                lines.append("%s %s" % (k, v))
    elif env.db is not None:
        lines += ["DBDriver %s" % env.db.driver, 'DBDParams "%s"' % env.db.params]
    lines.append(extra)
    auth = portal_auth(env, session_max_age)
    lines += auth["server"]
    lines += [
        "<Location /itsm>",
        "  SetHandler itsm" if with_itsm else "",
        # the <If> is the innermost section that matched: the mount point must be named
        "  ITSMBase /itsm" if with_itsm else ""] + ["  " + l for l in auth["location"]] + [
        "  Require valid-user",
        location_extra,
        "</Location>",
        "",
    ]
    return "\n".join(lines)


LOG_BAD = re.compile(r"\[(?:[\w.-]+:)?(?:crit|alert|emerg)\]|segfault|exit signal|"
                     r"AddressSanitizer|runtime error:")
LOG_CRASH = re.compile(r"Segmentation fault|segfault|exit signal|AddressSanitizer|"
                       r"runtime error:")
LOG_ERROR = re.compile(r"\[(?:[\w.-]+:)?error\]")
# httpd's event MPM at a stop: a worker that has just sent a response (the client has it and
# the test may already be stopping the server; likelier under load or the sanitizers'
# slowness) puts the kept-alive (AH03093) or lingering (AH03092) connection back into the
# listener's pollset, which the exiting child has closed. httpd's own race, not an error of
# the modules.
LOG_STOP_RACE = re.compile(r"\(9\)Bad file descriptor: AH0309[23]: "
                           r"process_(socket|lingering_close): apr_pollset_add failure")


def sanitizer_env(env):
    """The environment of an httpd run under the sanitizers (ITSM_TEST_SANITIZE=1, modules
    from the build in build-asan/): gcc's ASan and UBSan runtimes preloaded (httpd itself is
    not instrumented, so the runtime must come first) and the process stopped at the first
    report. ASan writes its reports to <run>/sanitizer/httpd.<pid>; beside ASan, gcc 12's
    UBSan writes to stderr whatever log_path says, which in httpd's children is the error
    log (a "runtime error:" line and its stack). Leak checking is off for httpd: its
    children exit with their pools still held by design, and LeakSanitizer cannot stop the
    threads of a child that dropped privileges."""
    if env.sanitizer_logs is None:
        return None
    if env.sanitizer_environ is not None:
        return env.sanitizer_environ
    libs = []
    for lib in ("libasan.so", "libubsan.so"):
        path = subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True,
                              text=True, check=True).stdout.strip()
        if not os.path.isabs(path) or not os.path.exists(path):
            pytest.exit("ITSM_TEST_SANITIZE: gcc has no %s (install libasan8 and libubsan1)"
                        % lib, returncode=2)
        libs.append(os.path.realpath(path))
    log = "log_path=%s" % os.path.join(env.sanitizer_logs, "httpd")
    env.sanitizer_environ = dict(
        os.environ, LD_PRELOAD=" ".join(libs),
        ASAN_OPTIONS=":".join([log, "halt_on_error=1", "abort_on_error=1", "detect_leaks=0",
                               "allow_user_segv_handler=0"]),
        UBSAN_OPTIONS=":".join([log, "halt_on_error=1", "abort_on_error=1",
                                "print_stacktrace=1"]))
    return env.sanitizer_environ


def sanitizer_reports(env):
    """The sanitizer report files of the run not reported yet, as text with their names."""
    if env.sanitizer_logs is None:
        return []
    out = []
    for path in sorted(glob.glob(os.path.join(env.sanitizer_logs, "*"))):
        if path in env.sanitizer_seen:
            continue
        env.sanitizer_seen.add(path)
        with open(path, errors="replace") as f:
            out.append("--- %s\n%s" % (path, f.read()[-20000:]))
    return out


def configtest(env, conf_path):
    """httpd -t (apachectl configtest) on conf_path: (exit status, what it printed)."""
    r = subprocess.run(["/usr/sbin/apache2", "-f", conf_path, "-t"], capture_output=True,
                       text=True, timeout=60, env=sanitizer_env(env))
    return r.returncode, r.stdout + r.stderr


class Httpd:
    """One httpd in TMP/<name>, run with -DFOREGROUND as our child; stopped by pid."""
    all = []
    serial = 0

    def __init__(self, env, name, **conf):
        self.env = env
        self.root = os.path.join(env.base, name)
        os.makedirs(self.root, exist_ok=True)
        self.port = free_port()
        self.conf_path = os.path.join(self.root, "httpd.conf")
        self.log_path = os.path.join(self.root, "error.log")
        self.stderr_path = os.path.join(self.root, "stderr.log")
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.failed_on_purpose = False  # its log holds the start-up error, by design
        self.checked = {p: 0 for p in (self.stderr_path, self.log_path)}  # read up to here
        self.write_config(**conf)
        Httpd.all.append(self)

    def write_config(self, **conf):
        with open(self.conf_path, "w") as f:
            f.write(httpd_config(self.env, self.root, self.port, **conf))

    def start(self, expect_fail=False):
        """Start; True when it serves. With expect_fail, wait for it to exit instead and
        return False (the caller then reads the logs)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.stderr = open(self.stderr_path, "a")
        self.proc = subprocess.Popen(["/usr/sbin/apache2", "-f", self.conf_path,
                                      "-DFOREGROUND"], stdout=self.stderr,
                                     env=sanitizer_env(self.env),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if expect_fail:     # wait for the exit: the free port may meanwhile be another's
            poll(lambda: self.proc.poll() is not None, 10)
        up = poll(lambda: self.proc.poll() is not None or port_open(self.port))
        if self.proc.poll() is not None:
            self.stderr.close()
            if expect_fail:
                self.failed_on_purpose = True
                return False
            pytest.fail("httpd did not start:\n" + self.logs()[-4000:])
        assert up, "httpd does not listen on %d" % self.port
        if expect_fail:
            self.stop()
            pytest.fail("httpd started although its configuration is bad")
        # listening is not serving: the first request may race child start-up
        poll(lambda: self._answers(), 10)
        return True

    def _answers(self):
        try:
            requests.get(self.url + "/", timeout=5)
            return True
        except requests.RequestException:
            return False

    def stop(self, graceful=True):
        """SIGWINCH (apachectl graceful-stop) by default: it lets the requests in flight
        finish and is bounded by GracefulShutdownTimeout. SIGTERM right after requests can
        crash httpd's event MPM itself (a segfault in the child's main thread while it
        closes connections, seen under ASan), which would read as a crash of ours."""
        if self.proc is not None and self.proc.poll() is None:
            # our child: wait() reaps it, no zombie polling
            self.proc.send_signal(signal.SIGWINCH if graceful else signal.SIGTERM)
            try:
                self.proc.wait(60 if graceful else 20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc is not None:
            self.stderr.close()
        poll(lambda: not port_open(self.port), 15)

    def restart(self, **conf):
        self.stop()
        self.write_config(**conf)
        self.start()

    def logs(self):
        text = ""
        for p in (self.stderr_path, self.log_path):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()
        return text

    def log_size(self):
        return {p: (os.path.getsize(p) if os.path.exists(p) else 0)
                for p in (self.stderr_path, self.log_path)}

    def log_since(self, sizes):
        text = ""
        for p, off in sizes.items():
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    f.seek(off if os.path.getsize(p) >= off else 0)
                    text += f.read()
        return text


# --------------------------------------------------------------------------- client

class XSD:
    _schema = None
    _lock = threading.Lock()

    @classmethod
    def get(cls):
        with cls._lock:
            if cls._schema is None:
                # what a client of the suite validates with, plus the schema the test-only
                # process ships (as a third-party process module's client would add its own)
                files = [os.path.join(REPO, "schemas", "itsm.xsd"),
                         os.path.join(REPO, "tests", "testproc", "itsm-test.xsd")]
                for path in files:
                    if not os.path.exists(path):
                        pytest.fail("%s is missing" % path)
                xs = "http://www.w3.org/2001/XMLSchema"
                top = etree.Element("{%s}schema" % xs, nsmap={"xs": xs},
                                    targetNamespace=NS, elementFormDefault="qualified")
                for path in files:
                    etree.SubElement(top, "{%s}include" % xs, schemaLocation="file://" + path)
                cls._schema = etree.XMLSchema(top)
            return cls._schema


class Response:
    """A requests response plus its parsed, schema-checked XML (doc) when it has a body."""

    def __init__(self, r):
        self.r = r
        self.status = r.status_code
        self.headers = r.headers
        self.text = r.text
        self.doc = None
        ctype = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
        body = r.content
        if not body.strip():
            return
        xml_type = ctype in ("application/xml", "text/xml") or ctype.endswith("+xml")
        if r.status_code == 401 and not xml_type:
            return      # httpd's own Basic challenge page (mod_auth_basic answers before us)
        assert xml_type, "%d response with body of type %r, not XML:\n%s" % (
            r.status_code, ctype, r.text[:500])
        assert ctype == "application/xml", "response Content-Type %r" % ctype
        try:
            doc = etree.fromstring(body, etree.XMLParser(resolve_entities=False,
                                                         no_network=True))
        except etree.XMLSyntaxError as e:
            pytest.fail("response is not well-formed XML (%s):\n%s" % (e, r.text[:500]))
        schema = XSD.get()
        if not schema.validate(doc):
            pytest.fail("%d response does not validate against schemas/itsm.xsd: %s\n%s" % (
                r.status_code, schema.error_log.last_error, r.text[:2000]))
        assert doc.nsmap.get(None) == NS or doc.tag.startswith("{%s}" % NS), doc.tag
        self.doc = doc

    # -- reading the document
    @property
    def root(self):
        return etree.QName(self.doc).localname if self.doc is not None else None

    def find(self, path):
        return self.doc.find(path, NSMAP) if self.doc is not None else None

    def findtext(self, path, default=None):
        return self.doc.findtext(path, default, NSMAP) if self.doc is not None else default

    def findall(self, path):
        return self.doc.findall(path, NSMAP) if self.doc is not None else []

    @property
    def etag(self):
        return self.headers.get("ETag")

    @property
    def error_code(self):
        return self.findtext("i:code") if self.root == "error" else None

    def ticket(self):
        """The ticket of a ticket representation as a dict of child -> text."""
        assert self.doc is not None, "no body (%d)" % self.status
        return {etree.QName(c).localname: c.text for c in self.doc
                if isinstance(c.tag, str)}

    def numbers(self):
        """Ticket numbers in a list, in document order."""
        return [e.text for e in self.doc.iter("{%s}number" % NS)] if self.doc is not None \
            else []

    def __repr__(self):
        return "<%d %s>" % (self.status, self.text[:300])


class Client:
    """HTTP against one httpd; user= picks the Basic login (password `sample`);
    user=None sends no credentials; password= overrides. Every XML body is validated
    against schemas/itsm.xsd before the test sees it."""

    def __init__(self, httpd, prefix="/itsm"):
        self.httpd = httpd
        self.prefix = prefix
        self._local = threading.local()

    @property
    def session(self):
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
        return s

    def url(self, path):
        if path.startswith("http"):
            return path
        return self.httpd.url + self.prefix + path

    def request(self, method, path, user="agent1", body=None, headers=None, password=None,
                content_type="application/xml", params=None):
        h = dict(headers or {})
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            if content_type is not None:
                h.setdefault("Content-Type", content_type)
        auth = None if user is None else (user, PASSWORD if password is None else password)
        r = self.session.request(method, self.url(path), data=body, headers=h, auth=auth,
                                 params=params, timeout=60, allow_redirects=False)
        return Response(r)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


# --------------------------------------------------------------------------- fixtures

class Env:
    """Everything the session started; torn down in reverse order."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="itsm-test-")
        os.chmod(self.base, 0o755)        # the test user traverses it
        stage_files(self.base)
        self.sanitizer_logs = None
        if os.environ.get("ITSM_TEST_SANITIZE", "0") not in ("", "0"):
            self.sanitizer_logs = os.path.join(self.base, "sanitizer")
            os.mkdir(self.sanitizer_logs)
            os.chmod(self.sanitizer_logs, 0o1777)     # root's parent and the test user's children
        self.sanitizer_seen = set()
        self.sanitizer_environ = None
        self.slapd = None
        self.db = None
        self.httpd = None
        self.stoppers = []

    def teardown(self):
        for s in reversed(self.stoppers):
            try:
                s()
            except Exception as e:          # keep stopping the rest
                print("teardown: %s" % e, file=sys.stderr)
        if os.environ.get("ITSM_TEST_KEEP"):
            print("\nkept %s" % self.base, file=sys.stderr)
        else:
            shutil.rmtree(self.base, ignore_errors=True)


_env = {}
_end_problems = []


@pytest.fixture(scope="session")
def env():
    e = _env["current"] = Env()
    yield e
    try:
        for h in Httpd.all:
            if h.proc is not None and h.proc.poll() is None:
                h.stop()
        # the last stops come after the last module's log check: a crash there fails too
        _end_problems.extend("%s: %s" % (h.root, line) for h in Httpd.all
                             for line in h.log_since(h.checked).splitlines()
                             if LOG_CRASH.search(line))
        _end_problems.extend("sanitizer report " + r for r in sanitizer_reports(e))
    finally:
        e.teardown()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """After the session fixtures are gone (env above): what the last stops left fails the
    run here, as a failure in a session teardown is not always reported."""
    if _end_problems:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "httpd crashed or a sanitizer reported at the end of the run:\n" + \
            "\n".join(_end_problems)
        if tr is not None:
            tr.write_line(text, red=True)
        else:
            print(text, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def slapd(env):
    if env.slapd is None:
        s = Slapd(env.base)
        s.start()
        env.slapd = s
        env.stoppers.append(lambda: s.stop() if s.running else None)
    return env.slapd


@pytest.fixture(scope="session")
def database(env):
    if env.db is None:
        d = make_db(env.base)
        env.stoppers.append(d.stop)
        d.start()
        env.db = d
    return env.db


@pytest.fixture(scope="session")
def httpd(env, slapd, database):
    """The main server: mod_itsm + the test process on the default configuration."""
    h = Httpd(env, "httpd")
    h.start()
    env.httpd = h
    yield h
    h.stop()


@pytest.fixture
def make_httpd(env, slapd, database):
    """Another httpd in its own directory and port, e.g. to show a bad configuration fails:
    make_httpd("bad-authz", itsm=conf).start(expect_fail=True). Stopped after the test."""
    made = []

    def make(name, **conf):
        Httpd.serial += 1
        h = Httpd(env, "%s-%d" % (name, Httpd.serial), **conf)
        made.append(h)
        return h
    yield make
    for h in made:
        h.stop()


def fresh_server(env, database, name, itsm=None, make=None, start=True, **conf):
    """A server of its own on a fresh, empty database (first use, migrations, a sweep of its
    own, an injected store fault). itsm: the ITSM* directives to begin with (default
    itsm_directives(env)), DBDParams set to the new database; conf: more Httpd arguments;
    make: make_httpd's function, to have the server stopped after the test (else the caller
    stops it); start=False to fill the database first. The server's dbd_params and db_name
    name the database (db_name for psql -d)."""
    Httpd.serial += 1
    db_name = "%s%d" % (re.sub(r"[^a-z0-9]", "", name.lower()), Httpd.serial)
    params = database.fresh(db_name)
    itsm = dict(itsm if itsm is not None else itsm_directives(env), DBDParams='"%s"' % params)
    h = make(name, itsm=itsm, **conf) if make else \
        Httpd(env, "%s-%d" % (name, Httpd.serial), itsm=itsm, **conf)
    h.dbd_params, h.db_name = params, db_name
    if start:
        h.start()
    return h


def sweep_server(env, database, name, make=None, **directives):
    """fresh_server whose SLA sweep runs every second (the other test servers run none, see
    itsm_directives), so that a test of what the sweep announces waits seconds for it.
    directives: ITSM* directives over itsm_directives(env), e.g. ITSMSLAFile=path; make: as
    for fresh_server. Started; stopped by make_httpd after the test, or else by the caller."""
    itsm = dict(itsm_directives(env), ITSMSLASweepInterval="1", **directives)
    return fresh_server(env, database, name, itsm=itsm, make=make)


def sql_runner(database, params, name):
    """A function running one SQL statement on the database of params; it answers the first
    column of the rows, as text."""
    if database.driver == "sqlite3":
        def run(sql):
            c = sqlite3.connect(params)
            rows = [str(row[0]) for row in c.execute(sql).fetchall()]
            c.commit()
            c.close()
            for path in (params, params + "-wal", params + "-shm"):
                if os.path.exists(path):
                    chown_to_test_user(path)      # httpd's children write them
            return rows
        return run
    psql = [database.bin + "/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h",
            "127.0.0.1", "-p", str(database.port), "-U", "itsm", "-d", name]

    def run(sql):
        r = subprocess.run(psql + ["-c", sql], capture_output=True, text=True,
                           env=database.env, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout.splitlines()
    return run


# FTS5's own bm25() over one index's rows of a kind and copy (published 0 or 1), best first,
# ties by number
FTS5_BM25 = r"""
import json, sqlite3, sys
db, table, kind, pub, match = sys.argv[1:6]
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
print(json.dumps([n for (n,) in c.execute(
    "SELECT t.number FROM {0} s JOIN itsm_ticket t ON t.id = s.rowid / 2 WHERE s.{0} MATCH ? "
    "AND (s.rowid & 1) = ? AND t.kind = ? ORDER BY bm25(s.{0}, 10.0, 4.0, 1.0, 0.0, 0.0), "
    "t.id".format(table), (match, int(pub), kind))]))
"""


# The words whose count of index rows in the prefix index's table (schema 28) differs from
# FTS5's own (fts5vocab), with both counts; a word in no row may keep a row of 0; the row ''
# is the count of the index's rows
FTS5_DF = r"""
import json, sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=30)
c.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, itsm_search_prefix, 'row')")
kept = {t: n for (t, n) in c.execute("SELECT term, n FROM itsm_search_prefix_df WHERE n <> 0")}
fts5 = {t: n for (t, n) in c.execute("SELECT term, doc FROM temp.v")}
fts5[""] = c.execute("SELECT count(*) FROM itsm_search_prefix").fetchone()[0]
print(json.dumps({"words": len(fts5), "differ": sorted(
    [t, kept.get(t), fts5.get(t)] for t in set(kept) | set(fts5) if kept.get(t) != fts5.get(t))}))
"""


def fts5_df(database, params=None):
    """{"words": the words of SQLite's prefix index, "differ": [word, kept count, FTS5's
    count] where the store's count of rows per word (schema 28) is not FTS5's own}."""
    return json.loads(subprocess.run(
        [sys.executable, "-c", FTS5_DF, params or database.path], capture_output=True,
        text=True, timeout=60, preexec_fn=as_test_user(), check=True).stdout)


def fts5_bm25(database, table, kind, published, match, params=None):
    """The numbers FTS5's bm25() ranks first for match (SQLite), read as the test user (on the
    database of params, from fresh(), if given)."""
    return json.loads(subprocess.run(
        [sys.executable, "-c", FTS5_BM25, params or database.path, table, kind, str(published),
         match],
        capture_output=True, text=True, timeout=60, preexec_fn=as_test_user(),
        check=True).stdout)


@pytest.fixture(scope="session")
def client(httpd):
    return Client(httpd)


@pytest.fixture(scope="session")
def counting_httpd(env, slapd, database):
    """The main server's configuration with ITSMSearchCountDelay 0: a search's count is in
    the database when the search is answered, so that a before/after snapshot sees a search
    that was counted (on the other servers counts wait in shared memory for an hour)."""
    h = Httpd(env, "httpd-counting",
              itsm=dict(itsm_directives(env), ITSMSearchCountDelay="0"))
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="session")
def counting_client(counting_httpd):
    return Client(counting_httpd)


def problem_server(env, name, **conf):
    """A started server with the problem process too, on the shipped role table
    (conf/itsm-authz.xml), sharing the main database; conf: more Httpd arguments."""
    itsm = itsm_directives(env)
    itsm["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")
    h = Httpd(env, name, itsm=itsm, processes=("problem",), **conf)
    h.start()
    return h


@pytest.fixture(scope="session")
def problem_httpd(env, slapd, database):
    """The problem process without the knowledge process."""
    h = problem_server(env, "httpd-problem", without=("knowledge",))
    yield h
    h.stop()


@pytest.fixture(scope="session")
def pclient(problem_httpd):
    return Client(problem_httpd)


@pytest.fixture(scope="session")
def kp_httpd(env, slapd, database):
    """The problem and the knowledge processes."""
    h = problem_server(env, "httpd-problem-knowledge")
    yield h
    h.stop()


@pytest.fixture(scope="session")
def kpclient(kp_httpd):
    return Client(kp_httpd)


class LogWatch:
    def __init__(self):
        self.expected = []

    def expect(self, pattern):
        """Error lines matching pattern (a regex) are expected in this module."""
        self.expected.append(re.compile(pattern))


_watch = {}


@pytest.fixture(scope="module", autouse=True)
def error_log_check(request):
    """Read every httpd log after the module: no crash, no crit/alert/emerg, no error line
    the module did not declare with expect_log, and no sanitizer report (ITSM_TEST_SANITIZE)."""
    watch = LogWatch()
    _watch["current"] = watch
    before = {id(h): h.log_size() for h in Httpd.all}
    yield watch
    problems = []
    for h in Httpd.all:
        since, h.checked = before.get(id(h), {p: 0 for p in h.log_size()}), h.log_size()
        if h.failed_on_purpose:
            continue
        text = h.log_since(since)
        for line in text.splitlines():
            if line.startswith("    #") and problems and "runtime error:" in problems[-1]:
                problems[-1] += "\n" + line        # UBSan's stack trace of the report above
            elif LOG_BAD.search(line):
                if any(p.search(line) for p in watch.expected) and "exit signal" not in line \
                        and "segfault" not in line:
                    continue
                problems.append("%s: %s" % (h.root, line))
            elif LOG_ERROR.search(line) and not LOG_STOP_RACE.search(line):
                if not any(p.search(line) for p in watch.expected):
                    problems.append("%s: %s" % (h.root, line))
    reports = sanitizer_reports(_env["current"]) if "current" in _env else []
    if problems or reports:
        pytest.fail("unexpected lines in the httpd error log after %s:\n%s%s" % (
            request.module.__name__, "\n".join(problems[:40]),
            "".join("\nsanitizer report " + r for r in reports)), pytrace=False)


@pytest.fixture
def expect_log():
    """expect_log(r"regex"): error lines matching it are not a failure in this module."""
    return _watch["current"].expect


# --------------------------------------------------------------------------- helpers

def ticket_xml(root="ticket", **fields):
    """<root xmlns=NS><k>v</k>...</root>, text escaped by lxml."""
    e = etree.Element("{%s}%s" % (NS, root), nsmap={None: NS})
    for k, v in fields.items():
        if v is None:
            continue
        c = etree.SubElement(e, "{%s}%s" % (NS, k))
        c.text = v
    return etree.tostring(e, encoding="utf-8", xml_declaration=True)


def link_xml(ltype, target):
    return ticket_xml("link", type=ltype, target=target)


def assert_no_core_code(module, name):
    """The built process module holds no code of the stateful core (the store, the directory,
    the role table, the desks stay in mod_itsm.so, reached through c->svc) and exports its
    module record name."""
    path = built_module(module)
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True,
                         check=True).stdout
    defined = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert name in defined
    for prefix in ("itsm_store_", "itsm_ldap_", "itsm_authz_", "itsm_desks_"):
        assert not [s for s in defined if s.startswith(prefix)], prefix
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    assert "itsm_store_" not in out and "itsm_ldap_" not in out


def assert_refuses_to_start(env, make_httpd, name, change, pattern):
    """An httpd with the default ITSM directives changed by change (a value of None drops
    the directive) refuses to start, and its log says why (matches pattern)."""
    conf = itsm_directives(env)
    conf.update(change)
    h = make_httpd(name, itsm=conf)
    assert h.start(expect_fail=True) is False
    assert re.search(pattern, h.logs()), h.logs()[-3000:]


def as_read(text):
    """A ticket's representation without what the clock moves between two reads (the
    remaining="..." of each service-level target): two reads a second apart of an unchanged
    ticket with a running clock compare equal."""
    return re.sub(r' remaining="[^"]*"', "", text)


def assert_error(resp, status, code=None):
    """resp is an <error> document with that status and code."""
    assert resp.status == status, "expected %d %s, got %r" % (status, code, resp)
    if status == 401 and resp.doc is None:
        return
    assert resp.root == "error", "expected an <error> document, got %r" % resp
    assert resp.findtext("i:status") == str(status), resp
    if code is not None:
        assert resp.error_code == code, "expected code %s, got %r" % (code, resp)
    assert (resp.findtext("i:message") or "").strip(), "error without a message"


NUMBER_RE = r"TST\d{7}"


def create_ticket(client, user="agent1", expect=201, headers=None, **fields):
    """POST /tests with fields (title defaults to a placeholder); asserts the status."""
    fields.setdefault("title", "Test ticket")
    r = client.post("/tests", ticket_xml(**fields), user=user, headers=headers)
    assert r.status == expect, r
    return r


def list_numbers(client, user, **params):
    """Every number the user sees in /tests (all pages of at most 500)."""
    out, offset = [], 0
    while True:
        r = client.get("/tests", user=user, params=dict(params, limit=500, offset=offset))
        assert r.status == 200 and r.root == "list", r
        nums = r.numbers()
        out += nums
        if r.doc.get("more") != "true" or not nums:
            return out
        offset += len(nums)


def journal(client, number, user="agent1"):
    r = client.get("/tests/%s/journal" % number, user=user)
    assert r.status == 200 and r.root == "journal", r
    assert r.doc.get("number") == number
    return r


def identity(client, user):
    r = client.get("/me", user=user)
    assert r.status == 200 and r.root == "identity", r
    return r
