# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""XHTML fields (ITSM_TYPE_XHTML) and the differences between published versions, through the
test process's versioned kind "note" (TNT, <testNote>), whose <page> is an XHTML field: the
safe subset is taken as markup and written back in canonical form, as markup; anything else
is refused (422 invalid-field naming the element or attribute) and nothing is written; an
editor compares two versions (or a version and the working copy) paragraph by paragraph."""
import pytest

from conftest import NS, assert_error
from incident_util import nothing_changed, tag

EDITOR = "km1"


def note_xml(title, page=None, audience="all", extra=""):
    body = '<testNote xmlns="%s"><title>%s</title><audience>%s</audience>' % (NS, title, audience)
    if page is not None:
        body += "<page>%s</page>" % page
    return (body + extra + "</testNote>").encode()


def create(client, page, expect=201):
    r = client.post("/notes", note_xml("Page " + tag(), page), user=EDITOR)
    assert r.status == expect, r
    return r


def page_markup(r):
    """The children of <page> as markup, without the namespace declarations."""
    from lxml import etree
    page = r.find("i:page")
    assert page is not None, r
    out = page.text or ""
    for child in page:
        s = etree.tostring(child, encoding="unicode", with_tail=True)
        out += s.replace(' xmlns="%s"' % NS, "")
    return out


def test_xhtml_is_taken_as_markup_and_written_back_canonical(client):
    page = ('<h2>What is the DIP?</h2><p>The <em>Data Integration Platform</em> carries '
            '<strong>market messages</strong>; see <a href="https://example.org/dip">the '
            'guide</a> or <a href="mailto:desk@example.org">the desk</a>.</p>'
            '<ul><li>one</li><li>two &amp; three</li></ul><pre><code>a &lt; b</code></pre>'
            '<table><tr><th>Flow</th><td>MHHS-IF-001</td></tr></table><p>end<br/>line</p>')
    r = create(client, page)
    assert r.find("i:page/i:h2").text == "What is the DIP?"      # markup, in our namespace
    assert page_markup(r) == page
    number = r.ticket()["number"]
    again = client.get("/notes/" + number, user=EDITOR)
    assert page_markup(again) == page
    # the XHTML namespace and an empty element are taken; the stored form drops the one and
    # writes the other in full
    r = create(client, '<p xmlns="http://www.w3.org/1999/xhtml">x</p><p/>')
    assert "<page><p>x</p><p></p></page>" in r.text


REFUSED = [
    ("<script>alert(1)</script>", "<script>"),
    ('<p onclick="steal()">x</p>', "onclick"),
    ('<p onmouseover="steal()">x</p>', "onmouseover"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href=" javascript:alert(1)">x</a>', "href"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<p style="background:url(x)">x</p>', "style"),
    ('<iframe src="https://example.org"></iframe>', "<iframe>"),
    ('<img src="x" />', "<img>"),
    ("<style>p { }</style>", "<style>"),
    ('<a href="https://example.org" target="_blank">x</a>', "target"),
    ("<!-- hidden --><p>x</p>", "comment"),
    ("<?xml-stylesheet href='x'?><p>x</p>", "processing instruction"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "svg"),
]


@pytest.mark.parametrize("page,named", REFUSED)
def test_markup_beyond_the_subset_is_refused_and_nothing_written(client, database, page, named):
    with nothing_changed(database):
        r = create(client, page, expect=422)
    assert_error(r, 422, "invalid-field")
    message = r.findtext("i:message")
    assert "<page>" in message and named in message, message


def test_a_doctype_in_the_document_is_refused_and_nothing_written(client, database):
    body = ('<!DOCTYPE testNote [<!ENTITY x "y">]><testNote xmlns="%s"><title>t</title>'
            '<page><p>&x;</p></page></testNote>' % NS).encode()
    with nothing_changed(database):
        r = client.post("/notes", body, user=EDITOR)
    assert_error(r, 400, "doctype-forbidden")


def test_an_update_with_refused_markup_changes_nothing(client, database):
    r = create(client, "<p>first</p>")
    number = r.ticket()["number"]
    with nothing_changed(database):
        r2 = client.patch("/notes/" + number, note_xml("t", '<p><script>x</script></p>'),
                          user=EDITOR, headers={"If-Match": r.etag})
    assert_error(r2, 422, "invalid-field")
    assert page_markup(client.get("/notes/" + number, user=EDITOR)) == "<p>first</p>"


def act(client, number, action):
    etag = client.get("/notes/" + number, user=EDITOR).etag
    r = client.post("/notes/%s/actions/%s" % (number, action), user=EDITOR,
                    headers={"If-Match": etag})
    assert r.status == 200, r


def edit(client, number, title, page):
    etag = client.get("/notes/" + number, user=EDITOR).etag
    r = client.patch("/notes/" + number, note_xml(title, page), user=EDITOR,
                     headers={"If-Match": etag})
    assert r.status == 200, r


def blocks(field):
    from lxml import etree
    out = []
    for e in field:
        inner = (e.text or "") + "".join(
            etree.tostring(c, encoding="unicode", with_tail=True).replace(' xmlns="%s"' % NS, "")
            for c in e)
        out.append((etree.QName(e).localname, inner))
    return out


def test_versions_differ_by_paragraph(client):
    r = create(client, "<p>One.</p><p>Two.</p><p>Three.</p>")
    number = r.ticket()["number"]
    title = r.findtext("i:title")
    act(client, number, "publish")                                      # version 1
    edit(client, number, title, "<p>One.</p><p>Two, revised.</p><p>Three.</p><p>Four.</p>")
    act(client, number, "publish")                                      # version 2
    edit(client, number, title + " (draft)", "<p>Zero.</p><p>One.</p><p>Two, revised.</p>")

    d = client.get("/notes/%s/versions/2" % number, user=EDITOR, params={"diff": "1"})
    assert d.status == 200 and d.root == "versionDiff", d
    assert (d.doc.get("number"), d.doc.get("from"), d.doc.get("to")) == (number, "1", "2")
    fields = {f.get("name"): f for f in d.findall("i:field")}
    assert set(fields) == {"page"}      # only what changed
    assert blocks(fields["page"]) == [
        ("same", "<p>One.</p>"), ("removed", "<p>Two.</p>"), ("added", "<p>Two, revised.</p>"),
        ("same", "<p>Three.</p>"), ("added", "<p>Four.</p>")]

    # the working copy against the current version: what a reviewer is asked to approve
    d = client.get("/notes/%s/versions/working" % number, user=EDITOR, params={"diff": "2"})
    assert d.status == 200, d
    fields = {f.get("name"): f for f in d.findall("i:field")}
    assert set(fields) == {"title", "page"}
    assert blocks(fields["title"]) == [("removed", title), ("added", title + " (draft)")]
    assert blocks(fields["page"]) == [
        ("added", "<p>Zero.</p>"), ("same", "<p>One.</p>"), ("same", "<p>Two, revised.</p>"),
        ("removed", "<p>Three.</p>"), ("removed", "<p>Four.</p>")]
    # the same version twice: nothing changed
    d = client.get("/notes/%s/versions/1" % number, user=EDITOR, params={"diff": "1"})
    assert d.findall("i:field") == []


def test_readers_get_no_differences_and_no_working_copy(client):
    r = create(client, "<p>One.</p>")
    number = r.ticket()["number"]
    act(client, number, "publish")
    assert client.get("/notes/%s/versions/1" % number, user="alice").status == 200
    assert_error(client.get("/notes/%s/versions/1" % number, user="alice",
                            params={"diff": "1"}), 403, "forbidden")
    assert_error(client.get("/notes/%s/versions/working" % number, user="alice"), 404)
    # an unknown version, a malformed one (a query that asks nothing: 400, as any malformed
    # parameter), a diff without a version
    assert_error(client.get("/notes/%s/versions/9" % number, user=EDITOR,
                            params={"diff": "1"}), 404)
    assert_error(client.get("/notes/%s/versions/1" % number, user=EDITOR,
                            params={"diff": "x"}), 400, "bad-query")
    assert_error(client.get("/notes/%s/versions" % number, user=EDITOR,
                            params={"diff": "1"}), 400, "bad-query")
