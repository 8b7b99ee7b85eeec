# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The core reads the directory over TLS: ldaps:// and StartTLS, the server certificate
verified against ITSMLDAPCACertFile (the harness's slapd has a certificate for 127.0.0.1
signed by a throwaway test CA that tools/slapd-run makes). A certificate the configured CA
did not sign is a directory outage (503 + Retry-After, nothing written), never a grant; a
configuration that cannot work refuses to start."""
import os
import re
import subprocess

import pytest

from conftest import (Client, assert_error, assert_refuses_to_start, itsm_directives,
                      ticket_xml)


def tls_directives(env, url, ca_file, starttls=None):
    conf = itsm_directives(env)
    conf.update({"ITSMLDAPURL": url, "ITSMLDAPCACertFile": ca_file,
                 "ITSMLDAPStartTLS": starttls})
    return conf


@pytest.fixture(scope="module")
def other_ca(env):
    """A CA certificate that signed nothing slapd holds, in a directory httpd's user reads."""
    d = os.path.join(env.base, "other-ca")
    os.makedirs(d, exist_ok=True)
    crt = os.path.join(d, "ca.crt")
    if not os.path.exists(crt):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                        os.path.join(d, "ca.key"), "-out", crt, "-days", "1",
                        "-subj", "/CN=mod_itsm tests: a CA slapd does not use"],
                       check=True, capture_output=True, timeout=60)
        os.chmod(crt, 0o644)
    return crt


TRANSPORTS = [
    ("ldaps", lambda s: (s.ldaps_url, None)),
    ("starttls", lambda s: (s.url, "on")),
]


@pytest.mark.parametrize("name,transport", TRANSPORTS, ids=[t[0] for t in TRANSPORTS])
def test_identity_over_tls_with_the_ca_file(env, slapd, make_httpd, name, transport):
    url, starttls = transport(slapd)
    h = make_httpd("ldap-" + name, itsm=tls_directives(env, url, slapd.ca_file, starttls))
    h.start()
    c = Client(h)
    r = c.get("/me", user="alice")
    assert r.status == 200 and r.root == "identity", r
    assert r.findtext("i:party") == "ALPE"
    assert "market-participant" in [e.text for e in r.findall("i:role")]
    r = c.get("/me", user="prov1")
    assert r.status == 200, r
    assert sorted(e.text for e in r.findall("i:actsFor")) == ["ALPE", "MTRW"]
    # a write names the party: the directory is asked again (existence check) over TLS
    r = c.post("/tests", ticket_xml(title="raised over " + name, party="ALPE"), user="agent1")
    assert r.status == 201, r


@pytest.mark.parametrize("name,transport", TRANSPORTS, ids=[t[0] for t in TRANSPORTS])
def test_certificate_not_signed_by_the_ca_is_an_outage(env, slapd, database, make_httpd,
                                                       other_ca, expect_log, name, transport):
    expect_log(r"ITSM00102: directory unavailable looking up \w+: .*TLS")
    url, starttls = transport(slapd)
    h = make_httpd("ldap-wrong-ca-" + name, itsm=tls_directives(env, url, other_ca, starttls))
    h.start()
    c = Client(h)
    before = database.snapshot()
    for method, path, body, user in [("GET", "/me", None, "alice"),
                                     ("GET", "/tests", None, "agent1"),
                                     ("POST", "/tests", ticket_xml(title="no"), "alice")]:
        r = c.request(method, path, body=body, user=user)
        assert_error(r, 503, "directory-unavailable")
        ra = r.headers.get("Retry-After", "")
        assert ra.isdigit() and int(ra) > 0, r.headers
    assert database.snapshot() == before
    log = h.logs()
    assert "ITSM00102" in log and "TLS" in log and other_ca in log, log[-3000:]
    if starttls:
        assert "StartTLS" in log, log[-3000:]


@pytest.mark.parametrize("listed", [False, True], ids=["alone", "second-of-a-list"])
def test_starttls_with_ldaps_url_refuses_to_start(env, slapd, make_httpd, listed):
    """An ldaps:// URL anywhere in ITSMLDAPURL's list (the first alone was looked at)."""
    url = '"%s %s"' % (slapd.url, slapd.ldaps_url) if listed else slapd.ldaps_url
    assert_refuses_to_start(env, make_httpd, "ldaps-and-starttls-%s" % listed,
                            {"ITSMLDAPURL": url, "ITSMLDAPStartTLS": "on",
                             "ITSMLDAPCACertFile": slapd.ca_file},
                            r"ITSM00150: ITSMLDAPStartTLS on with the ldaps:// URL")


def test_an_ldaps_url_after_an_ldap_url_is_verified_with_the_ca_file(env, slapd, make_httpd):
    """ITSMLDAPURL "ldap://down ldaps://up": libldap takes the second when the first does not
    answer, and its certificate is verified against ITSMLDAPCACertFile (the handles were set
    up for TLS only when the first URL was ldaps://: the second's handshake failed against
    libldap's default CAs, every request 503). The start warns that the list falls back to
    clear text."""
    from conftest import free_port
    url = '"ldap://127.0.0.1:%d %s"' % (free_port(), slapd.ldaps_url)
    h = make_httpd("ldap-then-ldaps", itsm=tls_directives(env, url, slapd.ca_file))
    h.start()
    r = Client(h).get("/me", user="alice")
    assert r.status == 200 and r.findtext("i:party") == "ALPE", r
    assert re.search(r"ITSM00154: ITSMLDAPURL .* mixes ldaps:// with other URLs", h.logs()), \
        h.logs()[-3000:]
    assert "ITSM00152" not in h.logs()


def test_starttls_takes_on_or_off(env, slapd, make_httpd):
    assert_refuses_to_start(env, make_httpd, "starttls-maybe", {"ITSMLDAPStartTLS": "maybe"},
                            r"ITSMLDAPStartTLS must be On or Off")


def bad_ca_files(env):
    d = os.path.join(env.base, "bad-ca")
    os.makedirs(d, exist_ok=True)
    text = os.path.join(d, "not-a-certificate.pem")
    with open(text, "w") as f:
        f.write("this is not a certificate\n")
    return [("missing", os.path.join(d, "missing.pem"), r"cannot be read"),
            ("directory", d, r"is not a CA bundle"),
            ("no-pem", text, r"holds no PEM certificate")]


@pytest.mark.parametrize("case", ["missing", "directory", "no-pem"])
def test_unusable_ca_file_refuses_to_start(env, slapd, make_httpd, case):
    path, why = {n: (p, w) for n, p, w in bad_ca_files(env)}[case]
    assert_refuses_to_start(env, make_httpd, "ca-" + case,
                            {"ITSMLDAPURL": slapd.ldaps_url, "ITSMLDAPCACertFile": path},
                            r"ITSM00151: ITSMLDAPCACertFile %s %s" % (re.escape(path), why))


def test_ca_file_without_tls_warns_that_the_directory_is_read_in_clear(env, slapd,
                                                                        make_httpd):
    h = make_httpd("ca-clear", itsm=tls_directives(env, slapd.url, slapd.ca_file))
    h.start()
    assert Client(h).get("/me", user="alice").status == 200
    assert "ITSM00152" in h.logs() and "clear text" in h.logs()


def test_virtual_host_merges_the_tls_directives(env, slapd, make_httpd):
    """ITSMLDAPStartTLS and ITSMLDAPCACertFile are merged per virtual host like the other
    ITSMLDAP* directives, and the start-up checks run on each host's merged values: a host
    that turns StartTLS off for its ldaps:// URL serves, one that inherits StartTLS on with
    an ldaps:// URL stops httpd."""
    from conftest import free_port
    port2 = free_port()
    main = tls_directives(env, slapd.url, slapd.ca_file, "on")

    def vhost(*lines):
        return "Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\n%s\n</VirtualHost>" % (
            port2, port2, "\n".join("  " + line for line in lines))

    h = make_httpd("vhost-tls", itsm=main,
                   extra=vhost("ITSMLDAPURL " + slapd.ldaps_url, "ITSMLDAPStartTLS off"))
    h.start()

    class Other:
        url = "http://127.0.0.1:%d" % port2

    for c in (Client(h), Client(Other())):
        r = c.get("/me", user="alice")
        assert r.status == 200 and r.findtext("i:party") == "ALPE", r
    h.stop()
    bad = make_httpd("vhost-tls-bad", itsm=main, extra=vhost("ITSMLDAPURL " + slapd.ldaps_url))
    assert bad.start(expect_fail=True) is False
    assert re.search(r"ITSM00150: ITSMLDAPStartTLS on with the ldaps:// URL %s"
                     % re.escape(slapd.ldaps_url), bad.logs()), bad.logs()[-3000:]
