# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""`httpd -t` (apachectl configtest) fails on every bad file or directory an ITSM directive
names, with the message a start gives: an administrator's `configtest && reload` must not
take a running server down (a graceful restart on a configuration that fails in post_config
ends httpd). Each case runs httpd -t (non-zero exit, the message on its output) and then
starts httpd on the same configuration (refused, the same message)."""
import os
import re
import shutil

import pytest

from conftest import NS, configtest, find_module, is_root, itsm_directives, staged

pytestmark = pytest.mark.restart

def base(env, *parts):
    path = os.path.join(env.base, "configtest", *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def write(env, name, text, mode=0o644):
    path = base(env, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def schema_copy(env, name, mode_of=None):
    """A copy of the staged schemas/ in configtest/name/schemas; mode_of: {relpath: mode}."""
    top = base(env, name)
    dst = os.path.join(top, "schemas")
    if not os.path.exists(dst):
        shutil.copytree(staged("schemas"), dst)
        os.chmod(top, 0o755)
    for rel, mode in (mode_of or {}).items():
        os.chmod(os.path.join(top, rel) if rel else top, mode)
    return dst


def no_sql(env):
    d = schema_copy(env, "no-sql")
    shutil.rmtree(os.path.join(d, "sql"), ignore_errors=True)
    return d


SLA = '<serviceLevels xmlns="%s">%%s</serviceLevels>' % NS
DESKS = '<desks xmlns="%s">%%s</desks>' % NS

# name, change to the default directives (a callable of env gives the value), pattern
BAD = [
    ("sla-missing", {"ITSMSLAFile": "/nonexistent/itsm-sla.xml"},
     r"ITSM00009: ITSMSLAFile: cannot open /nonexistent/itsm-sla.xml"),
    ("sla-directory", {"ITSMSLAFile": lambda env: staged("conf")},
     r"ITSM00009: ITSMSLAFile: cannot read .*conf"),
    ("sla-not-xml", {"ITSMSLAFile": lambda env: write(env, "sla-bad.xml", "<serviceLevels")},
     r"ITSM00009: ITSMSLAFile: .*sla-bad.xml:\d+: not well-formed XML"),
    ("sla-invalid", {"ITSMSLAFile": lambda env: write(env, "sla-invalid.xml",
                                                      SLA % "<colour/>")},
     r"ITSM00009: ITSMSLAFile: .*sla-invalid.xml:\d+: does not validate"),
    ("authz-missing", {"ITSMAuthzFile": "/nonexistent/itsm-authz.xml"},
     r"ITSM00003: ITSMAuthzFile: cannot open /nonexistent/itsm-authz.xml"),
    ("authz-not-xml", {"ITSMAuthzFile": lambda env: write(env, "authz-bad.xml", "<x>")},
     r"ITSM00003: ITSMAuthzFile: .*authz-bad.xml:\d+: not well-formed XML"),
    ("authz-invalid", {"ITSMAuthzFile": lambda env: write(
        env, "authz-invalid.xml",
        '<authorization xmlns="%s"><role name="x" scope="galaxy"/></authorization>' % NS)},
     r"ITSM00003: ITSMAuthzFile: .*authz-invalid.xml:\d+: does not validate"),
    ("desks-missing", {"ITSMDesksFile": "/nonexistent/itsm-desks.xml"},
     r"ITSM00010: ITSMDesksFile: cannot open /nonexistent/itsm-desks.xml"),
    ("desks-invalid", {"ITSMDesksFile": lambda env: write(env, "desks-invalid.xml",
                                                          DESKS % '<desk kind="x"/>')},
     r"ITSM00010: ITSMDesksFile: .*desks-invalid.xml:\d+: does not validate"),
    ("desks-unreadable", {"ITSMDesksFile": lambda env: write(
        env, "desks-0.xml", open(staged("conf/itsm-desks.xml")).read(), mode=0)},
     r"ITSM00010: ITSMDesksFile: cannot open .*desks-0.xml" if not is_root() else None),
    ("schema-dir-missing", {"ITSMSchemaDir": "/nonexistent/schemas"},
     r"ITSM00002: ITSMSchemaDir: /nonexistent/schemas cannot be read: No such file"),
    ("schema-dir-without-sql", {"ITSMSchemaDir": no_sql},
     r"ITSM00002: ITSMSchemaDir: .*no-sql/schemas holds no sql/ directory"),
    ("migrations-unreadable", {"ITSMSchemaDir": lambda env: schema_copy(
        env, "sql-0", {"schemas/sql": 0})},
     r"ITSM00002: ITSMSchemaDir: the SQL migrations: .*sql-0/schemas/sql \(mode 0000.*\) "
     r"cannot be read by"),
    ("migration-file-unreadable", {"ITSMSchemaDir": lambda env: schema_copy(
        env, "sql-file-0", {"schemas/sql/sqlite3/0001-init.sql": 0})},
     r"ITSM00002: ITSMSchemaDir: the SQL migrations: .*0001-init.sql \(mode 0000.*\) "
     r"cannot be read by"),
    ("ca-missing", {"ITSMLDAPCACertFile": "/nonexistent/ca.pem"},
     r"ITSM00151: ITSMLDAPCACertFile /nonexistent/ca.pem cannot be read"),
    ("ca-not-pem", {"ITSMLDAPCACertFile": lambda env: write(env, "ca.txt", "not a cert\n")},
     r"ITSM00151: ITSMLDAPCACertFile .*ca.txt holds no PEM certificate"),
    ("ca-unreadable-by-children", {"ITSMLDAPCACertFile": lambda env: write(
        env, "ca-0.pem", open(env.slapd.ca_file).read(), mode=0)},
     r"ITSM00151: ITSMLDAPCACertFile .*ca-0.pem.*(cannot be read|\(mode 0000)"),
    ("no-ldap-url", {"ITSMLDAPURL": None}, r"ITSM00005: ITSMLDAPURL is not set"),
    ("starttls-with-ldaps", {"ITSMLDAPStartTLS": "on", "ITSMLDAPURL": "ldaps://127.0.0.1:636"},
     r"ITSM00150: ITSMLDAPStartTLS on with the ldaps:// URL ldaps://127.0.0.1:636"),
    # what a child's directory set-up refused (every request 503), refused by httpd -t
    ("ldap-url-without-colon", {"ITSMLDAPURL": "ldap//127.0.0.1:389"},
     r"ITSM00153: ITSMLDAPURL ldap//127.0.0.1:389 is not an LDAP URL"),
    ("ldap-url-http", {"ITSMLDAPURL": "http://127.0.0.1:389"},
     r"ITSM00153: ITSMLDAPURL http://127.0.0.1:389 is not an LDAP URL"),
    ("ldap-url-garbage", {"ITSMLDAPURL": "garbage"},
     r"ITSM00153: ITSMLDAPURL garbage is not an LDAP URL"),
    ("ldap-no-base", {"ITSMLDAPBase": None}, r"ITSM00153: ITSMLDAPBase is not set"),
    ("ldap-bind-dn-without-password", {"ITSMLDAPBindPassword": None},
     r"ITSM00153: ITSMLDAPBindDN is set without ITSMLDAPBindPassword"),
    ("ldap-user-attribute", {"ITSMLDAPUserAttribute": '"u(id"'},
     r"ITSM00153: ITSMLDAPUserAttribute u\(id is no attribute name"),
]
if is_root():
    # root reads a file of mode 0 itself: what must fail is what the children read
    BAD = [c for c in BAD if c[2] is not None]
    BAD.append(("schema-dir-not-enterable", {"ITSMSchemaDir": lambda env: schema_copy(
        env, "closed", {"": 0o700})},
        r"ITSM00002: ITSMSchemaDir: the SQL migrations: the directory .*closed \(mode 0700\) "
        r"on the way to .* cannot be entered by itsmtest"))


# the directives whose start-up errors say where they were written
WHERE = {"ITSMSchemaDir", "ITSMAuthzFile", "ITSMSLAFile", "ITSMDesksFile", "ITSMLDAPCACertFile",
         "ITSMLDAPStartTLS"}


def resolved(env, change):
    conf = itsm_directives(env)
    conf["ITSMDesksFile"] = staged("conf/itsm-desks.xml")
    for k, v in change.items():
        conf[k] = v(env) if callable(v) else v
    return conf


def test_good_configuration_passes(env, make_httpd):
    h = make_httpd("configtest-good", itsm=resolved(env, {}))
    rc, out = configtest(env, h.conf_path)
    assert rc == 0 and "Syntax OK" in out, out


@pytest.mark.parametrize("change,pattern", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_file_fails_configtest_and_start(env, make_httpd, change, pattern):
    h = make_httpd("configtest", itsm=resolved(env, change))
    rc, out = configtest(env, h.conf_path)
    assert rc != 0, "httpd -t passed a bad configuration:\n" + out
    assert "Syntax OK" not in out
    assert re.search(pattern, out), out
    # the line names where the directive was written (an estate has many files)
    where = [d for d, v in change.items() if v is not None and d in WHERE]
    for d in where:
        line = next(l for l in out.splitlines() if re.search(pattern, l))
        assert re.search(r"\(set at %s:\d+\)$" % re.escape(h.conf_path), line), line
        n = int(re.search(r":(\d+)\)$", line).group(1))
        assert open(h.conf_path).read().splitlines()[n - 1].lstrip().startswith(d), (d, n)
    assert h.start(expect_fail=True) is False
    assert re.search(pattern, h.logs()), h.logs()[-3000:]


def test_configtest_guards_a_graceful_restart(env, make_httpd):
    """install.md's `configtest && reload`: the bad file is caught before the reload, and
    the running server keeps serving."""
    good = resolved(env, {})
    h = make_httpd("configtest-reload", itsm=good)
    h.start()
    h.write_config(itsm=dict(good, ITSMSLAFile="/nonexistent/itsm-sla.xml"))
    rc, out = configtest(env, h.conf_path)
    assert rc != 0 and "ITSM00009" in out, out
    import requests
    assert requests.get(h.url + "/itsm/me", auth=("alice", "sample"), timeout=30).status_code \
        == 200


def test_a_kind_no_loaded_module_defines_is_warned_of_with_its_line(env, make_httpd):
    """A misspelt kind in the SLA file or the role table ("incidnet") is ignored as a kind of a
    module not loaded is, but warned of at start-up, with the file, its line and the loaded
    kind it is like; so is a role a grant names that no <role> declares. The server starts."""
    sla = open(staged("conf/itsm-sla.xml")).read().replace('<kind name="incident"',
                                                          '<kind name="incidnet"', 1)
    assert 'name="incidnet"' in sla
    table = open(staged("tests/integration/authz-test.xml")).read().replace(
        "</authorization>", '<grant kind="incidnet" actions="read" roles="resolver"/>\n'
        '<grant kind="incident" actions="read" roles="no-such-role"/>\n</authorization>')
    change = {"ITSMSLAFile": lambda env: write(env, "sla-typo.xml", sla),
              "ITSMAuthzFile": lambda env: write(env, "authz-typo.xml", table)}
    h = make_httpd("configtest-typo", itsm=resolved(env, change))
    rc, out = configtest(env, h.conf_path)
    assert rc == 0 and "Syntax OK" in out, out
    assert re.search(r"\[(itsm:)?warn\].*ITSM00013: ITSMSLAFile .*sla-typo.xml:\d+: kind "
                     r"'incidnet' is no kind of a loaded process module: its targets are "
                     r"ignored; did you mean 'incident'\?", out), out
    assert re.search(r"ITSM00013: ITSMAuthzFile .*authz-typo.xml:\d+: kind 'incidnet' is no "
                     r"kind of a loaded process module: its grants are ignored; did you mean "
                     r"'incident'\?", out), out
    assert re.search(r"ITSM00014: ITSMAuthzFile .*authz-typo.xml:\d+: <grant> names the role "
                     r"'no-such-role', which no <role name=\"no-such-role\"> declares", out), out
    assert "kind 'incident' is no kind" not in out
    h.start()
    assert "ITSM00013" in h.logs()


@pytest.mark.parametrize("location,base,ok", [
    ("/itsm", "/itsmx", False),        # every request 404, nothing logged: refused
    ("/itsm", "/it", False),
    ("/itsm", "/itsm/", True),
    ("/itsm", "/itsm/cases", True),     # a mount below the Location: its requests answer
    ('"/itsm"', "/other", False),
    ('~ "^/itsm"', "/other", True),     # a regex, a wildcard: patterns, not judged
    ("/*/itsm", "/other", True),
])
def test_a_mount_point_outside_its_location_is_refused_with_its_line(env, make_httpd, location,
                                                                     base, ok):
    """ITSMBase in a <Location> whose requests are none of them under it: httpd -t refuses
    it naming the file and line (it passed, and every request was answered 404)."""
    h = make_httpd("configtest-base", itsm=resolved(env, {}),
                   extra="<Location %s>\n  ITSMBase %s\n</Location>" % (location, base))
    rc, out = configtest(env, h.conf_path)
    if ok:
        assert rc == 0 and "Syntax OK" in out, out
        return
    assert rc != 0, out
    assert re.search(r"line \d+ of .*httpd.conf:\s+ITSMBase %s inside <Location /itsm>: no "
                     r"request there has a path under %s" % (re.escape(base), re.escape(base)),
                     out), out


def test_a_bad_file_of_a_virtual_host_names_the_host_and_the_line(env, make_httpd):
    """In an estate of many virtual hosts, the refusal says which one and where its
    directive is (it named the directive alone)."""
    h = make_httpd("configtest-vhost", itsm=resolved(env, {}),
                   extra="<VirtualHost 127.0.0.1:1>\n  ServerName itsm-two.example\n"
                         "  ITSMSLAFile /nonexistent/two-sla.xml\n</VirtualHost>")
    rc, out = configtest(env, h.conf_path)
    assert rc != 0, out
    lines = open(h.conf_path).read().splitlines()
    vhost = next(i for i, l in enumerate(lines, 1) if l.startswith("<VirtualHost 127.0.0.1:1>"))
    path = re.escape(h.conf_path)
    assert re.search(r"ITSM00009: ITSMSLAFile: cannot open /nonexistent/two-sla.xml: [^(]* "
                     r"\(set at %s:%d, in the <VirtualHost> itsm-two.example of %s:%d\)"
                     % (path, vhost + 2, path, vhost), out), out


def test_a_schema_file_missing_is_one_numbered_line(env, make_httpd):
    """A schema directory whose XSD is missing: one ITSM00002 line naming it, without
    libxml2's own "I/O warning" on httpd's stderr or a "\\n" kept at the message's end."""
    d = schema_copy(env, "xsd-missing")
    os.remove(os.path.join(d, "itsm-common.xsd"))
    h = make_httpd("configtest-xsd", itsm=resolved(env, {"ITSMSchemaDir": d}))
    rc, out = configtest(env, h.conf_path)
    assert rc != 0, out
    assert re.search(r"ITSM00002: .*itsm-common.xsd", out), out
    assert "I/O warning" not in out and "\\n" not in out, out
    assert not [line for line in out.splitlines() if line.strip() and "ITSM0" not in line
                and "AH00014" not in line], out


@pytest.mark.parametrize("process", ["problem", "incident"])
def test_a_process_module_without_the_core_is_refused(env, make_httpd, process):
    """A process module loaded without mod_itsm: httpd -t and a start refuse it, naming the
    module to load (it loaded, answered nothing and said nothing)."""
    so = find_module("mod_itsm_%s.so" % process)
    h = make_httpd("no-core-" + process, with_itsm=False,
                   extra="LoadModule itsm_%s_module %s" % (process, so))
    rc, out = configtest(env, h.conf_path)
    assert rc != 0, out
    assert re.search(r"ITSM00055: mod_itsm_%s is loaded without mod_itsm, the core whose "
                     r"process it is: load it too \(LoadModule itsm_module" % process, out), out
    assert h.start(expect_fail=True) is False
