# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The portal's session cookie under TLS: a server with mod_ssl (a throwaway self-signed
certificate made with openssl in the test's directory) and the shipped cookie lines
(conf/mods-available/itsm.conf: Secure under HTTPS); a login through the form must set the
cookie Secure, HttpOnly and SameSite."""
import os
import subprocess

import requests

from conftest import APACHE_MODULES, PASSWORD, REPO, TLS_COOKIE, free_port
from portal_util import BROWSER_ACCEPT, forms


def self_signed(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


def login_cookie(s, base, cert):
    """Log alice in through the login form as a browser does; the session's Set-Cookie."""
    r = s.get(base + "/itsm/", allow_redirects=False, timeout=60, verify=cert)
    assert r.status_code == 302, r.text
    page = s.get(base + r.headers["Location"], timeout=60, verify=cert)
    form = [f for f in forms(page.text) if "httpd_username" in f["inputs"]][0]
    r = s.post(base + form["action"], dict(form["inputs"], httpd_username="alice",
                                           httpd_password=PASSWORD),
               allow_redirects=False, timeout=60, verify=cert)
    assert r.status_code in (302, 303), r.text
    cookies = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    session = [c for c in cookies if c.startswith("itsm-session=")]
    assert session, cookies
    return session[0]


def test_shipped_configuration_has_the_tls_cookie_lines():
    with open(os.path.join(REPO, "conf/mods-available/itsm.conf")) as f:
        shipped = [line.strip() for line in f]
    want = [line.strip() for line in TLS_COOKIE]
    # in each of the three locations that write the session (/itsm, /itsm-auth, /itsm-logout)
    hits = [i for i in range(len(shipped)) if shipped[i:i + 3] == want]
    assert len(hits) == 3, hits


def test_login_under_tls_sets_a_secure_httponly_samesite_cookie(make_httpd, tmp_path):
    cert, key = self_signed(str(tmp_path))
    port = free_port()
    # the virtual host of docs/portal.md ("Under TLS"): the server's <Location>s, on https
    tls = "\n".join([
        "LoadModule socache_shmcb_module %s/mod_socache_shmcb.so" % APACHE_MODULES,
        "LoadModule ssl_module %s/mod_ssl.so" % APACHE_MODULES,
        "Listen 127.0.0.1:%d https" % port,
        "<VirtualHost 127.0.0.1:%d>" % port,
        "    SSLEngine on",
        "    SSLCertificateFile %s" % cert,
        "    SSLCertificateKeyFile %s" % key,
        "    SSLProtocol -all +TLSv1.2 +TLSv1.3",
        "</VirtualHost>",
    ])
    h = make_httpd("portal-tls", extra=tls)
    assert h.start()
    base = "https://127.0.0.1:%d" % port
    # the plain port of the same server: the cookie is not Secure there
    plain = requests.Session()
    plain.headers["Accept"] = BROWSER_ACCEPT
    assert "Secure" not in login_cookie(plain, h.url, None)
    s = requests.Session()
    s.headers["Accept"] = BROWSER_ACCEPT
    # per request: a session's verify loses to REQUESTS_CA_BUNDLE (requests' own rule)
    cookie = login_cookie(s, base, cert)
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
    assert "secure" in attrs and "httponly" in attrs, cookie
    assert attrs.get("samesite", "").lower() == "samesite=lax", cookie
    # and the session works: the page asked for, over TLS
    home = s.get(base + "/itsm/", allow_redirects=False, timeout=60, verify=cert)
    assert home.status_code == 200 and "Signed in as" in home.text
