# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A link across parties reveals nothing of the other end: the links list hides it and the
journal shows '(not visible)' instead of its number to those who cannot see it."""
from conftest import create_ticket, link_xml


def test_cross_party_link_hidden_from_the_other_party(client):
    mine = create_ticket(client, "alice", title="alice's side").ticket()["number"]
    theirs = create_ticket(client, "bob", title="bob's side").ticket()["number"]
    etag = client.get("/tests/" + mine, user="agent1").etag
    r = client.post("/tests/%s/links" % mine, link_xml("relates-to", theirs), user="agent1",
                    headers={"If-Match": etag})
    assert r.status == 201, r

    def journal_links(user):
        r = client.get("/tests/%s/journal" % mine, user=user)
        assert r.status == 200, r
        return [c.findtext("{urn:mod-itsm:xml:1}new")
                for c in r.doc.iter("{urn:mod-itsm:xml:1}change")
                if c.get("field", "").startswith("link:")]

    assert journal_links("agent1") == [theirs]              # sees every party
    assert journal_links("alice") == ["(not visible)"]      # bob's ticket is not hers
    links = client.get("/tests/%s/links" % mine, user="alice")
    assert links.status == 200 and links.doc.findall("{urn:mod-itsm:xml:1}link") == []
    both = client.get("/tests/%s/links" % mine, user="agent1")
    assert [l.get("number") for l in both.doc.findall("{urn:mod-itsm:xml:1}link")] == [theirs]


def test_removed_cross_party_link_stays_hidden(client):
    """An unlink's journal entry names the former target in <old>: hidden as in <new>."""
    mine = create_ticket(client, "alice", title="alice's side").ticket()["number"]
    theirs = create_ticket(client, "bob", title="bob's side").ticket()["number"]
    etag = client.get("/tests/" + mine, user="agent1").etag
    assert client.post("/tests/%s/links" % mine, link_xml("relates-to", theirs), user="agent1",
                       headers={"If-Match": etag}).status == 201
    etag = client.get("/tests/" + mine, user="agent1").etag
    r = client.delete("/tests/%s/links/relates-to/%s" % (mine, theirs), user="agent1",
                      headers={"If-Match": etag})
    assert r.status == 204, r
    r = client.get("/tests/%s/journal" % mine, user="alice")
    assert r.status == 200, r
    assert theirs not in r.text
    values = [(c.findtext("{urn:mod-itsm:xml:1}old"), c.findtext("{urn:mod-itsm:xml:1}new"))
              for c in r.doc.iter("{urn:mod-itsm:xml:1}change")
              if c.get("field", "").startswith("link:")]
    assert values == [(None, "(not visible)"), ("(not visible)", None)]
    r = client.get("/tests/%s/journal" % mine, user="agent1")
    assert theirs in r.text
