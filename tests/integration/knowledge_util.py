# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpers of the test_knowledge_*.py modules: articles (/itsm/articles, KB numbers) and
glossary terms (/itsm/glossary, GL numbers) of mod_itsm_knowledge, written as raw XML so that
a body's markup goes as markup. km1 is the knowledge manager, author1 the knowledge author
(both of ELEX, the operator's party)."""
from xml.sax.saxutils import escape

from conftest import NS
from incident_util import tag

KM, AUTHOR = "km1", "author1"
BODY = "<p>How to read the <em>DIP</em> message log.</p>"

# the path of actions from a new draft to each state
PATH = {
    "draft": [],
    "in-review": ["submit"],
    "approved": ["submit", "approve"],
    "published": ["submit", "approve", "publish"],
    "retired": ["submit", "approve", "publish", "retire"],
}


def article_xml(title=None, body=BODY, root="article", **fields):
    """<article> with title, body (markup, as is) and other fields (text, escaped)."""
    out = '<%s xmlns="%s">' % (root, NS)
    if title is not None:
        out += "<title>%s</title>" % escape(title)
    if body is not None:
        out += "<body>%s</body>" % body
    for k, v in fields.items():
        if v is not None:
            out += "<%s>%s</%s>" % (k, escape(v), k)
    return (out + "</%s>" % root).encode()


def create_article(client, user=KM, expect=201, title=None, body=BODY, **fields):
    r = client.post("/articles", article_xml(title or "Article " + tag(), body, **fields),
                    user=user)
    assert r.status == expect, r
    return r.ticket()["number"] if expect == 201 else r


def act(client, number, action, user=KM, expect=200, note=None):
    etag = client.get("/articles/" + number, user=KM).etag
    body = article_xml(body=None, note=note) if note else None
    r = client.post("/articles/%s/actions/%s" % (number, action), body, user=user,
                    headers={"If-Match": etag})
    assert r.status == expect, r
    return r


def article_in(client, state, **fields):
    """A new article brought to state by km1."""
    number = create_article(client, **fields)
    for action in PATH[state]:
        act(client, number, action)
    return number


def edit(client, number, user=KM, expect=200, title=None, body=BODY, **fields):
    r0 = client.get("/articles/" + number, user=KM)
    r = client.patch("/articles/" + number,
                     article_xml(title or r0.findtext("i:title"), body, **fields),
                     user=user, headers={"If-Match": r0.etag})
    assert r.status == expect, r
    return r


def term_xml(term, definition="A term of the market.", acronym=None):
    out = '<term xmlns="%s"><title>%s</title><definition>%s</definition>' % (
        NS, escape(term), escape(definition))
    if acronym:
        out += "<acronym>%s</acronym>" % escape(acronym)
    return (out + "</term>").encode()


def create_term(client, term, user=KM, expect=201, **kw):
    r = client.post("/glossary", term_xml(term, **kw), user=user)
    assert r.status == expect, r
    return r.ticket()["number"] if expect == 201 else r
