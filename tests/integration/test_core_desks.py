# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The directory of external desks (ITSMDesksFile, conf/itsm-desks.xml): GET /itsm/desks
lists it (empty without the directive), and a bad file refuses to start. How cases and
incidents use it is test_incident_external_desks.py."""
import os

import pytest
from lxml import etree

from conftest import NS, Client, assert_refuses_to_start
from incident_util import DESKS_FILE, desks_server, tag


@pytest.fixture(scope="module")
def desks_httpd(env, slapd, database):
    with desks_server(env) as h:
        yield h


def shipped_desks():
    doc = etree.parse(DESKS_FILE)
    return [(d.get("name"), d.get("kind"), d.get("owner"), d.get("provider"))
            for d in doc.getroot().findall("{%s}desk" % NS)]


def test_desks_listed(desks_httpd):
    c = Client(desks_httpd)
    r = c.get("/desks", user="alice")
    assert r.status == 200 and r.root == "desks", r
    got = [(d.get("name"), d.get("kind"), d.get("owner"), d.get("provider"))
           for d in r.findall("i:desk")]
    assert got == shipped_desks()
    assert len(got) == 11 and ("Electralink Service Desk", "service-desk", "Electralink",
                               "Electralink") in got
    assert all((d.text or "").strip() for d in r.findall("i:desk"))


def test_desks_empty_without_directive(client):
    r = client.get("/desks", user="alice")
    assert r.status == 200 and r.root == "desks" and r.findall("i:desk") == [], r


BAD_DESKS = {
    "no-kind": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A Desk">x</desk></desks>',
    "bad-kind": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="call-centre">x</desk>'
                '</desks>',
    "duplicate": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="help-desk">x</desk>'
                 '<desk name="A" kind="service-desk">y</desk></desks>',
    "malformed": '<desks xmlns="urn:mod-itsm:xml:1"><desk name="A" kind="help-desk">',
    "wrong-root": '<authorization xmlns="urn:mod-itsm:xml:1"/>',
    "missing-file": None,
}


@pytest.mark.restart
@pytest.mark.parametrize("name", list(BAD_DESKS))
def test_bad_desks_file_refuses_to_start(env, make_httpd, name):
    path = os.path.join(env.base, "desks-%s-%s.xml" % (name, tag()))
    if BAD_DESKS[name] is not None:
        with open(path, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + BAD_DESKS[name])
    assert_refuses_to_start(env, make_httpd, "bad-desks-" + name, {"ITSMDesksFile": path},
                            r"ITSM00010.*ITSMDesksFile")


def test_the_desks_page_names_every_desk(desks_httpd):
    """The portal's page of the directory shows each desk's name, kind, owner and provider
    (the generic page showed "Desk" and the description alone, while a route takes the name)."""
    import html
    from portal_util import Browser, text
    b = Browser(desks_httpd)
    b.login("agent1")
    page = html.unescape(text(b.page("/itsm/desks").text))
    for name, kind, owner, provider in shipped_desks():
        assert name in page and kind in page, name
        assert (owner or "") in page and (provider or "") in page, name
