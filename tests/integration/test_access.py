# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Authentication (Apache's Basic against the directory), the role table (403) and party
isolation (404 across parties, the acting-for provider, scope-all roles)."""
import pytest

from conftest import (PASSWORD, assert_error, create_ticket, list_numbers,
                      ticket_xml)
from incident_util import nothing_changed


@pytest.fixture(scope="module")
def tickets(client):
    """One ticket of alice's party (ALPE) and one of bob's (BRMP)."""
    return {
        "alice": create_ticket(client, "alice", title="alice's").ticket()["number"],
        "bob": create_ticket(client, "bob", title="bob's").ticket()["number"],
    }


@pytest.fixture(scope="module", autouse=True)
def auth_failures_expected(error_log_check):
    # mod_auth_basic logs each refused login at level error
    error_log_check.expect(r"\[auth_basic:error\].*AH0161[78]")


@pytest.mark.parametrize("user,password", [
    (None, None),                       # no credentials
    ("alice", "wrong"),                 # wrong password
    ("alice", ""),
    ("nosuchuser", PASSWORD),
    ("*)(uid=*", PASSWORD),             # LDAP filter metacharacters
    ("*", PASSWORD),
    ("admin1)(|(uid=*", PASSWORD),
    ("alice\\2a", PASSWORD),
])
@pytest.mark.parametrize("method,path", [("GET", "/tests"), ("POST", "/tests"),
                                         ("GET", "/me")])
def test_unauthenticated_401(client, database, user, password, method, path):
    before = database.snapshot()
    r = client.request(method, path, user=user, password=password,
                       body=ticket_xml(title="x") if method == "POST" else None)
    assert r.status == 401, r
    assert "Basic" in r.headers.get("WWW-Authenticate", "")
    assert database.snapshot() == before


def test_role_without_permission_403(client, database, tickets):
    before = database.snapshot()
    assert_error(create_ticket(client, "km1", expect=403, title="km"), 403, "forbidden")
    assert database.snapshot() == before
    # km1 may read (scope all) but not change
    r = client.get("/tests/" + tickets["bob"], user="km1")
    assert r.status == 200, r
    assert_error(client.patch("/tests/" + tickets["bob"], ticket_xml(title="km"), user="km1",
                              headers={"If-Match": r.etag}), 403, "forbidden")
    assert database.snapshot() == before


@pytest.mark.parametrize("user,sees_alice,sees_bob", [
    ("alice", True, False),
    ("carol", True, False),             # same party as alice
    ("bob", False, True),
    ("prov1", True, False),             # provider acting for ALPE, not BRMP
    ("agent1", True, True),             # scope all
    ("im1", True, True),
    ("admin1", True, True),
    ("km1", True, True),
])
def test_party_isolation(client, tickets, user, sees_alice, sees_bob):
    listed = set(list_numbers(client, user))
    for owner, sees in (("alice", sees_alice), ("bob", sees_bob)):
        n = tickets[owner]
        r = client.get("/tests/" + n, user=user)
        if sees:
            assert r.status == 200, (user, owner, r)
            assert n in listed
        else:
            assert_error(r, 404, "not-found")   # exactly as a number that does not exist
            assert n not in listed
            assert_error(client.get("/tests/%s/journal" % n, user=user), 404, "not-found")
            assert_error(client.get("/tests/%s/links" % n, user=user), 404, "not-found")


def test_other_party_cannot_change(client, database, tickets):
    n = tickets["alice"]
    etag = client.get("/tests/" + n, user="alice").etag
    before = database.snapshot()
    assert_error(client.patch("/tests/" + n, ticket_xml(title="bob was here"), user="bob",
                              headers={"If-Match": etag}), 404, "not-found")
    assert_error(client.post("/tests/%s/links" % n,
                             ticket_xml("link", type="relates-to", target=tickets["bob"]),
                             user="bob", headers={"If-Match": etag}), 404, "not-found")
    assert database.snapshot() == before
    assert client.get("/tests/" + n, user="alice").ticket()["title"] == "alice's"


def test_party_filter_never_widens(client, tickets):
    """?party= narrows what you see; it never shows another party's tickets."""
    assert tickets["bob"] not in list_numbers(client, "alice", party="BRMP")
    assert tickets["alice"] in list_numbers(client, "prov1", party="ALPE")
    assert tickets["bob"] in list_numbers(client, "agent1", party="BRMP")
    assert tickets["alice"] not in list_numbers(client, "agent1", party="BRMP")


def test_a_party_is_named_as_the_directory_spells_it(client, database):
    """The directory matches Party IDs ignoring case, the scopes exactly: a ticket raised for
    "alpe" by a role that sees every party would be no ALPE person's. Refused (422), nothing
    written; "ALPE" is taken and alice reads it."""
    with nothing_changed(database):
        r = client.post("/tests", ticket_xml(title="Lower case party", party="alpe"),
                        user="agent1")
    assert_error(r, 422, "invalid-field")
    assert "alpe" in r.findtext("i:message"), r.text
    n = create_ticket(client, title="Upper case party", party="ALPE").ticket()["number"]
    assert client.get("/tests/" + n, user="alice").status == 200


def test_lists_never_leak(client):
    """Every ticket in bob's list belongs to his party; prov1 sees ESGS and the parties it
    acts for only."""
    for user, allowed in (("bob", {"BRMP"}), ("alice", {"ALPE"}),
                          ("prov1", {"ESGS", "ALPE", "MTRW"})):
        r = client.get("/tests", user=user, params={"limit": 500})
        assert r.status == 200
        for item in r.doc:
            assert item.findtext("{urn:mod-itsm:xml:1}party") in allowed, (user, item)


def test_a_party_id_that_would_split_the_scope_gives_no_party(client, slapd):
    """The directory's syntax allows a comma in itsmPartyId, and the core lists a reader's
    parties between commas: a person whose party's ID holds one ("BRMP,X...") is as a person
    without a party, never a reader of the parties its pieces name (bob's BRMP)."""
    import subprocess
    from incident_util import new_case, tag
    t = tag().lower()
    uid, pid = "split" + t, "BRMP,X" + t
    party_dn = "itsmPartyId=BRMP\\,X%s,ou=parties,dc=itsm,dc=example" % t
    person_dn = "uid=%s,ou=people,dc=itsm,dc=example" % uid
    role_dn = "cn=market-participant,ou=roles,dc=itsm,dc=example"

    def ldap(tool, ldif):
        r = subprocess.run([tool, "-x", "-H", slapd.url, "-D", "cn=admin,dc=itsm,dc=example",
                            "-w", PASSWORD], input=ldif, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr

    bobs = new_case(client, user="bob", title="Bramble's own " + t).ticket()["number"]
    ldap("ldapadd", "dn: %s\nobjectClass: itsmParty\nitsmPartyId: %s\no: Split %s\n\n"
         "dn: %s\nobjectClass: inetOrgPerson\nobjectClass: itsmPerson\nuid: %s\ncn: Split\n"
         "sn: Split\nitsmPartyRef: %s\nuserPassword: %s\n" % (party_dn, pid, t, person_dn, uid,
                                                             party_dn, PASSWORD))
    ldap("ldapmodify", "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n"
         % (role_dn, person_dn))
    try:
        r = client.get("/cases", user=uid, params={"limit": 500})
        assert r.status == 200, r
        assert bobs not in r.numbers()
        assert_error(client.get("/cases/" + bobs, user=uid), 404, "not-found")
        assert client.get("/cases/" + bobs, user="bob").status == 200
    finally:
        ldap("ldapmodify", "dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n"
             % (role_dn, person_dn))
        ldap("ldapdelete", "%s\n%s\n" % (person_dn, party_dn))
