# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The harness itself, before anything of mod_itsm: slapd holds the sample directory, the
database answers, and httpd with stock modules only authenticates against the directory."""
import os
import subprocess

import requests

from conftest import Httpd, LDAP_SUFFIX, PASSWORD


def test_slapd_holds_sample_directory(slapd):
    out = slapd.search("ou=people," + LDAP_SUFFIX, "(uid=alice)", "itsmPartyRef")
    assert "itsmPartyId=ALPE" in out
    out = slapd.search("ou=parties," + LDAP_SUFFIX, "(itsmPartyId=ESGS)", "itsmActsFor")
    assert "itsmPartyId=ALPE" in out and "itsmPartyId=BRMP" not in out


def test_database_answers(database):
    if database.driver == "pgsql":
        assert database.psql("SELECT current_user").strip() == "itsm"
        assert database.psql("SHOW listen_addresses").strip() == "127.0.0.1"
    else:
        assert os.path.isdir(os.path.dirname(database.path))
        assert isinstance(database.snapshot(), dict)


def test_stock_httpd_authenticates_against_slapd(env, slapd, database, expect_log):
    expect_log(r"AH01617: user alice: authentication failure")
    expect_log(r"AH01618: user \*\)\(uid=\* not found")
    h = Httpd(env, "stock", with_itsm=False)
    try:
        h.start()
        u = h.url + "/itsm/"
        assert requests.get(u, timeout=10).status_code == 401
        assert requests.get(u, auth=("alice", "wrong"), timeout=10).status_code == 401
        assert requests.get(u, auth=("*)(uid=*", PASSWORD), timeout=10).status_code == 401
        # authenticated: no handler, no file -> 404 from the core of httpd
        assert requests.get(u, auth=("alice", PASSWORD), timeout=10).status_code == 404
    finally:
        h.stop()
