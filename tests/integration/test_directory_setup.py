# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The directory set-up for an existing slapd (tools/itsm-directory-setup, docs/install.md
"The directory"): applied to a slapd configured as Debian's package configures it (its
postinst renders /usr/share/slapd/slapd.init.ldif into cn=config with slapadd), started on
a free port with its ldapi socket in the run's directory, run as root over ldapi like on the
LDAP server. Then docs/ldap.md's identity examples are applied as written, and mod_itsm
resolves the person they create, binding with the password from the file the set-up read
(ITSMLDAPBindPassword "exec:/bin/cat FILE")."""
import os
import re

import pytest
import requests

from conftest import REPO, StockSlapd, configtest, is_root, itsm_directives

pytestmark = pytest.mark.restart

SUFFIX = "dc=itsm,dc=example"
READER = "cn=itsm-reader," + SUFFIX
SECRET = "reader-Secret 42"


def ldif_blocks(doc, first_line):
    """The ```ldif blocks of a docs/ file whose first line starts with first_line."""
    text = open(os.path.join(REPO, "docs", doc)).read()
    return [b for b in re.findall(r"```ldif\n(.*?)```", text, re.S)
            if b.startswith(first_line)]


@pytest.fixture(scope="module")
def stock(env):
    if not is_root():
        pytest.skip("slapd's cn=config is managed by root over ldapi (run as root)")
    s = StockSlapd(env.base)
    s.start()
    yield s
    s.stop()


def run_setup(env, stock):
    secret = os.path.join(env.base, "ldap-reader.secret")
    with open(secret, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(secret, 0o640)
    return stock.setup(secret), secret


def test_setup_on_a_stock_debian_slapd(env, stock, make_httpd, expect_log):
    expect_log(r"AH01617: user dave: authentication failure")     # the wrong password, below
    r, secret = run_setup(env, stock)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "schema: loaded" in r.stdout and "database: dc=itsm,dc=example in" in r.stdout, \
        r.stdout

    # the database, its indexes and ACL are in cn=config beside the stock one
    conf = stock.root("ldapsearch", "-LLL", "-o", "ldif-wrap=no", "-b", "cn=config",
                      "(olcSuffix=%s)" % SUFFIX).stdout
    for index in ("objectClass eq", "uid eq", "member eq", "itsmPartyId eq", "itsmPartyRef eq"):
        assert "olcDbIndex: %s" % index in conf, conf
    assert re.search(r"olcAccess: \{1\}to \* by dn.exact=\"cn=itsm-reader,dc=itsm,dc=example\""
                     r" read by self read by \* none", conf), conf
    assert stock.root("ldapsearch", "-LLL", "-b", "cn=config",
                      "(olcSuffix=dc=example,dc=org)", "dn").stdout.strip(), \
        "the stock database is gone"

    # a second run changes nothing
    again, _ = run_setup(env, stock)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "schema: already loaded" in again.stdout and "already served" in again.stdout \
        and "left as it is" in again.stdout, again.stdout

    # docs/ldap.md's identity administration, as root over ldapi (docs/install.md)
    for first in ("dn: itsmPartyId=GAMA", "dn: uid=dave", "dn: cn=market-participant"):
        blocks = ldif_blocks("ldap.md", first)
        assert blocks, "docs/ldap.md has no ldif example starting %r" % first
        tool = "ldapmodify" if "changetype:" in blocks[0] else "ldapadd"
        out = stock.root(tool, stdin=blocks[0])
        assert out.returncode == 0, out.stderr

    # the reader reads people but no password; anonymous reads nothing
    seen = stock.search(SUFFIX, "(uid=dave)", who=READER, password=SECRET)
    assert seen.returncode == 0 and "dn: uid=dave" in seen.stdout \
        and "userPassword" not in seen.stdout, seen.stdout + seen.stderr
    anon = stock.search(SUFFIX, "(uid=dave)", who=None, password=None)
    assert "uid=dave" not in anon.stdout, anon.stdout
    wrong = stock.search(SUFFIX, "(uid=dave)", who=READER, password="wrong")
    assert wrong.returncode == 49, wrong.stdout + wrong.stderr       # invalid credentials

    # mod_itsm against it, the bind password read from the file through exec:
    itsm = itsm_directives(env)
    itsm.update({"ITSMLDAPURL": stock.url, "ITSMLDAPBindDN": READER,
                 "ITSMLDAPBindPassword": '"exec:/bin/cat %s"' % secret})
    h = make_httpd("stock-directory", itsm=itsm)
    text = open(h.conf_path).read().replace(env.slapd.url, stock.url) \
        .replace("AuthLDAPBindPassword sample",
                 'AuthLDAPBindPassword "exec:/bin/cat %s"' % secret)
    with open(h.conf_path, "w") as f:
        f.write(text)
    assert SECRET not in text
    h.start()
    me = requests.get(h.url + "/itsm/me", auth=("dave", "sample"), timeout=30)
    assert me.status_code == 200, me.text
    assert "<party>GAMA</party>" in me.text or ">GAMA<" in me.text, me.text
    assert "market-participant" in me.text, me.text
    assert requests.get(h.url + "/itsm/me", auth=("dave", "wrong"),
                        timeout=30).status_code == 401


def test_setup_on_a_slapd_with_back_mdb_loaded_and_no_mdb_database_yet(env):
    """back_mdb loaded (olcModuleLoad: {0}back_mdb) but no mdb database: the set-up adds its
    own (it said "slapd has no back_mdb module loaded": a substring filter on olcModuleLoad,
    which has no substring matching rule, matched nothing)."""
    if not is_root():
        pytest.skip("slapd's cn=config is managed by root over ldapi (run as root)")
    s = StockSlapd(env.base, name="bare-slapd", with_database=False)
    s.start()
    try:
        conf = s.root("ldapsearch", "-LLL", "-b", "cn=config", "(objectClass=olcMdbConfig)", "dn")
        assert conf.returncode == 0 and "dn:" not in conf.stdout, conf.stdout
        r, _ = run_setup(env, s)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "database: dc=itsm,dc=example in" in r.stdout, r.stdout
    finally:
        s.stop()


@pytest.mark.parametrize("value,message", [
    ("exec:/bin/true", "ITSMLDAPBindPassword: /bin/true printed no password"),
    # a program that fails may print anything (an error, half a password): not taken
    ("exec:/bin/cat /nonexistent/secret", "ITSMLDAPBindPassword: /bin/cat failed (its exit "
     "status was not 0)"),
    ('exec:/bin/sh -c \\"echo sample; exit 3\\"', "ITSMLDAPBindPassword: /bin/sh failed"),
    # httpd runs the program as named: no search of PATH
    ("exec:cat /etc/secret", "ITSMLDAPBindPassword exec: names the program 'cat': give its "
     "full path"),
], ids=["prints-nothing", "fails", "prints-and-fails", "no-full-path"])
def test_bind_password_exec_that_prints_nothing_or_fails_is_refused(env, make_httpd, value,
                                                                    message):
    itsm = itsm_directives(env)
    itsm["ITSMLDAPBindPassword"] = '"%s"' % value
    h = make_httpd("exec-nothing", itsm=itsm)
    rc, out = configtest(env, h.conf_path)
    assert rc != 0
    assert message in out, out


@pytest.mark.parametrize("program", [
    # more after the password (a second line, a second later): read while the program runs,
    # so that it does not fail on a pipe httpd closed after the first line
    "echo %s; sleep 1; echo more",
    # a process left in the background holding the output open: taken once the program
    # exits (httpd -t does not wait for that process, which would hold it past the harness's
    # 60 s; its stderr is sent away, or it would hold the harness's capture of httpd's own)
    "echo %s; (sleep 75) 2>/dev/null &",
], ids=["writes-more", "leaves-a-process"])
def test_bind_password_exec_whose_first_line_is_the_password_is_taken(env, make_httpd,
                                                                      program):
    itsm = itsm_directives(env)
    itsm["ITSMLDAPBindPassword"] = '"exec:/bin/sh -c \\"%s\\""' % (
        program % itsm["ITSMLDAPBindPassword"])
    h = make_httpd("exec-taken", itsm=itsm)
    rc, out = configtest(env, h.conf_path)
    assert rc == 0 and "Syntax OK" in out, out
