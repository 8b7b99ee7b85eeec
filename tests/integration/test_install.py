# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""docs/install.md followed in a private server root: the files from `make install
DESTDIR=...` with install.md's configure options, the directory made by the installed
itsm-directory-setup (with the SAMPLE data, step 6) on a slapd configured as Debian's package
configures it, Apache's modules enabled as a2enmod does (Debian's default set, then
install.md's), the site file taken from install.md, `httpd -t` on it and on bad variants,
a start, a graceful restart into the one-child block, the sample desk loaded with the
installed seed and the README's requests. Also the layout of the installation and
`make uninstall`."""
import base64
import os
import re
import shutil
import signal
import subprocess

import pytest
import requests

from conftest import (REPO, Client, StockSlapd, configtest, is_root, poll, ticket_xml)

pytestmark = pytest.mark.restart

PREFIX = ["prefix=/usr", "sysconfdir=/etc/mod_itsm", "localstatedir=/var"]   # install.md
DEBIAN_DEFAULT_MODS = ["mpm_event", "access_compat", "alias", "auth_basic", "authn_core",
                       "authn_file", "authz_core", "authz_host", "authz_user", "autoindex",
                       "deflate", "dir", "env", "filter", "mime", "negotiation", "reqtimeout",
                       "setenvif", "status"]
STOCK_AVAILABLE = "/etc/apache2/mods-available"
MODDIR = "/usr/lib/apache2/modules"
RUN_USER = "www-data"
ONE_CHILD = ["StartServers 1", "ThreadsPerChild 64", "MaxRequestWorkers 64"]


def build_dir():
    """The configured tree whose modules the run tests (the sanitizer build's, if so)."""
    alt = os.environ.get("ITSM_TEST_MODULE_DIR")
    return alt if alt and os.path.exists(os.path.join(alt, "Makefile")) else REPO


def make(target, dest):
    r = subprocess.run(["make", "-s", "-C", build_dir(), target, "DESTDIR=" + dest] + PREFIX,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, "make %s failed:\n%s%s" % (target, r.stdout, r.stderr)


def files_under(top):
    return sorted(os.path.relpath(os.path.join(d, f), top)
                  for d, _, fs in os.walk(top) for f in fs)


def install_md_site():
    """The site file of install.md, step 4."""
    text = open(os.path.join(REPO, "docs", "install.md")).read()
    m = re.search(r"Write `/etc/apache2/conf-available/itsm-site.conf`:\n\n```apache\n(.*?)```",
                  text, re.S)
    assert m, "docs/install.md lost the site file of step 4"
    return m.group(1)


def install_md_a2enmod():
    """The module names of install.md's a2enmod lines."""
    text = open(os.path.join(REPO, "docs", "install.md")).read()
    names = []
    for line in re.findall(r"^a2enmod ([^#\n]*)", text, re.M):
        names += line.split()
    assert "itsm" in names and "dbd" in names, names
    return names


@pytest.fixture(scope="module")
def dest(env):
    d = os.path.join(env.base, "destdir")
    make("install", d)
    return d


def test_layout(dest):
    files = files_under(dest)
    mods = [f for f in files if f.startswith(MODDIR[1:] + "/")]
    assert sorted(os.path.basename(f) for f in mods) == [
        "mod_itsm.so", "mod_itsm_incident.so", "mod_itsm_knowledge.so", "mod_itsm_problem.so"]
    for f in ["usr/include/mod_itsm/itsm.h", "usr/include/mod_itsm/itsm_xml.h",
              "etc/apache2/mods-available/itsm.load", "etc/apache2/mods-available/itsm.conf",
              "etc/apache2/mods-available/itsm_incident.load",
              "etc/apache2/mods-available/itsm_problem.load",
              "etc/apache2/mods-available/itsm_knowledge.load",
              "usr/share/mod_itsm/schemas/itsm-problem.xsd",
              "usr/share/mod_itsm/schemas/itsm-knowledge.xsd",
              "usr/share/mod_itsm/sample/knowledge_sample.py",
              "usr/share/mod_itsm/schemas/itsm.xsd",
              "usr/share/mod_itsm/schemas/sql/sqlite3/0001-init.sql",
              "usr/share/mod_itsm/schemas/sql/pgsql/0001-init.sql",
              "usr/share/mod_itsm/schemas/ldap/itsm.ldif", "etc/mod_itsm/itsm-authz.xml",
              "etc/mod_itsm/itsm-sla.xml", "etc/mod_itsm/itsm-desks.xml",
              "usr/sbin/itsm-directory-setup", "usr/share/mod_itsm/sample/seed",
              "usr/share/mod_itsm/sample/sample-directory.ldif",
              "usr/share/doc/mod_itsm/install.md"]:
        assert f in files, "%s not installed; installed: %s" % (f, files)
    assert not [f for f in files if f.endswith(".la")], files
    assert not [f for f in files if re.match(r"usr/include/[^/]+$", f)], files
    assert os.path.isdir(os.path.join(dest, "var/lib/mod_itsm"))
    for f in ("usr/sbin/itsm-directory-setup", "usr/share/mod_itsm/sample/seed"):
        assert os.access(os.path.join(dest, f), os.X_OK), f
    # the installed set-up tool finds the installed schema (under the DESTDIR too)
    usage = subprocess.run([os.path.join(dest, "usr/sbin/itsm-directory-setup"), "--help"],
                           capture_output=True, text=True).stdout
    assert "--schema LDIF     the mod_itsm schema (default %s/usr/sbin/../share/mod_itsm/" \
        "schemas/ldap/itsm.ldif)" % dest in usage, usage


def test_headers_build_a_process_module(env, dest):
    """A third-party process module compiles against the installed SDK headers alone."""
    src = os.path.join(env.base, "thirdparty.c")
    with open(src, "w") as f:
        f.write('#include <itsm.h>\n#include <itsm_events.h>\n'
                'const itsm_process_t *p(void);\n')
    cflags = subprocess.run(["pkg-config", "--cflags", "libxml-2.0", "apr-1", "apr-util-1"],
                            capture_output=True, text=True).stdout.split()
    r = subprocess.run(["gcc", "-fsyntax-only", "-I", os.path.join(dest, "usr/include/mod_itsm"),
                        "-I", "/usr/include/apache2"] + cflags + [src],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_uninstall_leaves_nothing(env):
    d = os.path.join(env.base, "destdir-uninstall")
    make("install", d)
    make("uninstall", d)
    assert files_under(d) == []
    for own in ("usr/include/mod_itsm", "usr/share/mod_itsm", "usr/share/doc/mod_itsm",
                "etc/mod_itsm", "var/lib/mod_itsm"):
        assert not os.path.exists(os.path.join(d, own)), own


# ------------------------------------------------------------- the private server root

def a2enmod(names, dest):
    """The configuration lines a2enmod's symlinks amount to: each module after those its
    .load names in `# Depends:`, its .load and .conf; ours from the DESTDIR."""
    done, lines = set(), []

    def available(name, ext):
        for top in (os.path.join(dest, "etc/apache2/mods-available"), STOCK_AVAILABLE):
            path = os.path.join(top, name + ext)
            if os.path.exists(path):
                return path
        return None

    def enable(name):
        if name in done:
            return
        done.add(name)
        load = available(name, ".load")
        assert load, "no %s.load" % name
        text = open(load).read()
        for deps in re.findall(r"^# Depends:(.*)$", text, re.M):
            for dep in deps.split():
                enable(dep)
        if load.startswith(dest):
            text = text.replace(MODDIR + "/", os.path.join(dest, MODDIR[1:]) + "/")
        lines.append("# %s\n%s" % (load, text))
        conf = available(name, ".conf")
        if conf:
            lines.append("Include %s" % conf)
    for n in names:
        enable(n)
    return "\n".join(lines)


def localize(text, dest, slapd, secret):
    for doc_path, path in [("/etc/mod_itsm/ldap-reader.secret", secret),
                           ("/etc/mod_itsm/", os.path.join(dest, "etc/mod_itsm") + "/"),
                           ("/usr/share/mod_itsm", os.path.join(dest, "usr/share/mod_itsm")),
                           ("/var/lib/mod_itsm", os.path.join(dest, "var/lib/mod_itsm")),
                           ("ldap://127.0.0.1", slapd.url)]:
        text = text.replace(doc_path, path)
    return text


def server_conf(h, dest, site):
    lines = ["ServerRoot %s" % h.root, "ServerName 127.0.0.1", "Listen 127.0.0.1:%d" % h.port,
             "PidFile %s/httpd.pid" % h.root, "DefaultRuntimeDir %s" % h.root,
             "Mutex file:%s default" % h.root, "ErrorLog %s/error.log" % h.root,
             "LogLevel warn", "GracefulShutdownTimeout 10"]
    if is_root():
        lines += ["User %s" % RUN_USER, "Group %s" % RUN_USER]
    # install.md step 4 writes the portal's session key to /etc/apache2/itsm-session.key;
    # here it lies in the DESTDIR, named the way itsm.conf says (Define ITSM_SESSION_KEYFILE)
    lines.append("Define ITSM_SESSION_KEYFILE %s" % session_key(dest))
    lines.append(a2enmod(DEBIAN_DEFAULT_MODS + install_md_a2enmod(), dest))
    lines.append("# docs/install.md: conf-available/itsm-site.conf\n" + site)
    return "\n".join(lines) + "\n"


def session_key(dest):
    """install.md: head -c 32 /dev/urandom | base64 > .../itsm-session.key, mode 0640."""
    path = os.path.join(dest, "etc/apache2/itsm-session.key")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        os.chmod(path, 0o640)
    return path


def write_conf(h, text):
    with open(h.conf_path, "w") as f:
        f.write(text)


def children(pid):
    r = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return r.stdout.split()


@pytest.fixture(scope="module")
def directory(env, dest):
    """Debian's slapd set up by the installed itsm-directory-setup, with the SAMPLE data."""
    if not is_root():
        pytest.skip("slapd's cn=config is managed by root over ldapi (run as root)")
    s = StockSlapd(env.base, "install-slapd")
    s.start()
    secret = os.path.join(env.base, "install-reader.secret")
    with open(secret, "w") as f:
        f.write("installed-reader-pw\n")
    os.chmod(secret, 0o640)
    share = os.path.join(dest, "usr/share/mod_itsm")
    r = s.setup(secret, "--sample-data", os.path.join(share, "sample/sample-directory.ldif"),
                tool=os.path.join(dest, "usr/sbin/itsm-directory-setup"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SAMPLE directory" in r.stdout, r.stdout
    yield s, secret
    s.stop()


BAD_SITES = [
    # install.md's old snippet: a comment after an argument is an argument
    ("trailing-comment", lambda t: t.replace("/itsm.db\n", "/itsm.db    # writable by www-data\n"),
     r"DBDParams takes one argument"),
    ("sla-missing", lambda t: t.replace("itsm-sla.xml", "itsm-sla.xml.missing"),
     r"ITSM00009: ITSMSLAFile: cannot open .*itsm-sla.xml.missing"),
    ("authz-missing", lambda t: t.replace("itsm-authz.xml", "nothing.xml"),
     r"ITSM00003: ITSMAuthzFile: cannot open .*nothing.xml"),
    ("schema-dir-missing", lambda t: re.sub(r"(ITSMSchemaDir \S+)", r"\1-missing", t),
     r"ITSM00002: ITSMSchemaDir: .*schemas-missing"),
    ("desks-not-xml", lambda t: t.replace("itsm-desks.xml", "ldap-reader-copy"),
     r"ITSM00010: ITSMDesksFile: .*ldap-reader-copy:\d+: not well-formed XML"),
    ("secret-missing", lambda t: t.replace(".secret", ".secret-missing"),
     r"ITSMLDAPBindPassword: /bin/cat failed \(its exit status was not 0\)"),
]


def test_installed_server(env, dest, directory, make_httpd, expect_log):
    slapd, secret = directory
    state = os.path.join(dest, "var/lib/mod_itsm")
    if is_root():      # install.md: a DESTDIR install leaves the owner to the package
        subprocess.run(["install", "-d", "-o", RUN_USER, "-g", RUN_USER, "-m", "0750", state],
                       check=True)
    shutil.copy(secret, os.path.join(dest, "etc/mod_itsm/ldap-reader-copy"))
    site = localize(install_md_site(), dest, slapd, secret)
    h = make_httpd("installed")

    # httpd -t: the good configuration passes, each bad one fails with its message
    write_conf(h, server_conf(h, dest, site))
    rc, out = configtest(h.env, h.conf_path)
    assert rc == 0 and "Syntax OK" in out, out
    for name, change, pattern in BAD_SITES:
        write_conf(h, server_conf(h, dest, change(site)))
        rc, out = configtest(h.env, h.conf_path)
        assert rc != 0 and re.search(pattern, out), "%s: %d\n%s" % (name, rc, out)

    # started first on Debian's MPM settings (two children), then reloaded into the docs'
    # one-child block: no AH00501, one child serves
    before = "\n".join(l for l in site.splitlines() if l.strip() not in ONE_CHILD)
    assert before != site, "install.md's site file lost its one-child block"
    write_conf(h, server_conf(h, dest, before))
    h.start()
    assert poll(lambda: len(children(h.proc.pid)) == 2), children(h.proc.pid)
    write_conf(h, server_conf(h, dest, site))
    h.proc.send_signal(signal.SIGUSR1)          # apachectl graceful
    assert poll(lambda: "resuming normal operations" in h.logs().split("SIGUSR1")[-1]
                and len(children(h.proc.pid)) == 1), (children(h.proc.pid), h.logs()[-2000:])
    assert "AH00501" not in h.logs()
    # itsm.conf's lock for mod_ldap's cache (install.md): flock, its file in the mutex directory
    assert [f for f in os.listdir(h.root) if f.startswith("ldap-cache")], os.listdir(h.root)
    # the core waits for its exec: program; mod_authnz_ldap leaves its one to the MPM
    assert h.logs().count("AH00488") <= 1, h.logs()[-2000:]

    # the sample desk, by the installed seed
    r = subprocess.run([os.path.join(dest, "usr/share/mod_itsm/sample/seed"), h.url + "/itsm"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "incidents" in r.stdout, r.stdout + r.stderr

    # the README's requests
    c = Client(h)
    me = c.get("/me", user="alice")
    assert me.status == 200 and me.root == "identity", me
    assert "ALPE" in me.text, me
    incidents = c.get("/incidents", user="agent1", params={"open": "true"})
    assert incidents.status == 200 and incidents.root == "list" and incidents.numbers(), incidents
    one = c.get("/incidents/" + incidents.numbers()[0], user="agent1")
    assert one.status == 200 and one.ticket()["description"].endswith(
        "[Sample data loaded by tools/seed.]"), one
    case = c.post("/cases", ticket_xml("case", title="Meter reads missing",
                                       description="Since Monday"), user="alice")
    assert case.status == 201, case
    feed = requests.get(h.url + "/itsm/feeds/me", auth=("alice", "sample"), timeout=30)
    assert feed.status_code == 200 and "Atom" in feed.headers.get("Content-Type", "") \
        or "<feed" in feed.text, (feed.status_code, feed.headers, feed.text[:500])
    assert "http://www.w3.org/2005/Atom" in feed.text
    # the database is in the state directory, written by the children
    assert os.path.exists(os.path.join(state, "itsm.db"))
