# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpers of the portal's tests: a browser-like session (Accept as a browser sends it, the
login form, the session cookie), and the CSRF token and version read from a page."""
import re
from html.parser import HTMLParser

import requests

from conftest import PASSWORD

BROWSER_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                  "image/webp,*/*;q=0.8")


class Forms(HTMLParser):
    """The forms of a page: action, method and inputs (name -> value), each as a browser
    sends it: a textarea's text, a select's selected option (else its first)."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.textarea = None        # the name of the textarea being read
        self.select = None          # the name of the select being read, and whether an
        self.selected = False       # option of it was marked selected

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": a.get("method", "get"),
                               "id": a.get("id"), "inputs": {}})
        elif tag == "option" and self.select is not None and self.forms:
            value = a.get("value", "")
            if "selected" in a or (not self.selected
                                   and self.select not in self.forms[-1]["inputs"]):
                self.forms[-1]["inputs"][self.select] = value
                self.selected = self.selected or "selected" in a
        elif (tag in ("input", "textarea", "select", "button") and self.forms and a.get("name")
              and "disabled" not in a):     # a browser sends no disabled input
            self.forms[-1]["inputs"][a["name"]] = a.get("value", "")
            if tag == "textarea":
                self.textarea = a["name"]
            elif tag == "select":
                del self.forms[-1]["inputs"][a["name"]]
                self.select, self.selected = a["name"], False

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None and self.forms:
            self.forms[-1]["inputs"][self.textarea] += data


def forms(html):
    p = Forms()
    p.feed(html)
    return p.forms


class Browser:
    """A requests session that behaves as a browser: HTML Accept, cookies, no Basic auth."""

    def __init__(self, httpd):
        self.httpd = httpd
        self.s = requests.Session()
        self.s.headers["Accept"] = BROWSER_ACCEPT

    def url(self, path):
        return path if path.startswith("http") else self.httpd.url + path

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.url(path), timeout=60, **kw)

    def post(self, path, data, **kw):
        kw.setdefault("allow_redirects", False)
        return self.s.post(self.url(path), data=data, timeout=60, **kw)

    def login(self, user, back="/itsm/"):
        """Through the login page as a person would: the page asked for sends to the login
        page, whose form posts to mod_auth_form, which sends back to the page."""
        r = self.get(back)
        assert r.status_code == 302, r.text
        login = r.headers["Location"]
        page = self.get(login)
        assert page.status_code == 200
        form = [f for f in forms(page.text) if "httpd_username" in f["inputs"]][0]
        data = dict(form["inputs"], httpd_username=user, httpd_password=PASSWORD)
        r = self.post(form["action"], data)
        assert r.status_code in (302, 303), r.text
        return r

    def sign_out(self, page="/itsm/me", **kw):
        """Sign out as a person does: the form of the page's header (a POST with its
        token)."""
        f = form_of(self.page(page).text, "/itsm-logout")
        return self.post(f["action"], f["inputs"], **kw)

    def page(self, path):
        r = self.get(path)
        assert r.status_code == 200, (r.status_code, r.text[:2000])
        assert r.headers["Content-Type"].startswith("text/html")
        return r


def form_of(html, action_suffix):
    """The form whose action ends with action_suffix."""
    for f in forms(html):
        if f["action"] and f["action"].endswith(action_suffix):
            return f
    raise AssertionError("no form posting to ...%s in the page" % action_suffix)


def raise_form(b, collection="/itsm/cases", **first):
    """The form that raises a ticket of collection: when the page's first step asks for the
    subject to offer what may answer it (a form posting to .../new), that step is taken with
    the inputs in first; then the form posting to the collection. Returns (form, page)."""
    page = b.page(collection + "/new").text
    step = [f for f in forms(page) if f["action"] == collection + "/new"]
    if step:
        assert step[0]["method"] == "post"
        r = b.post(collection + "/new", dict(step[0]["inputs"], **first))
        assert r.status_code == 200, (r.status_code, r.text[:2000])
        page = r.text
    return form_of(page, collection), page


def text(html):
    """The page's text without tags (for what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def changed_value(page, name, value):
    """Another value for the details form's input name: an option not selected, or the text
    with a word added."""
    sel = re.search(r'<select[^>]* name="%s"[^>]*>(.*?)</select>' % name, page, re.S)
    if sel is None:
        return (value or "") + " changed"
    options = re.findall(r'<option value="([^"]*)"( selected)?', sel.group(1))
    return [v for v, chosen in options if v and not chosen][0]


def details_form_saves(b, path, fixed=frozenset()):
    """The details form of the ticket at path (?edit=details) as b's person gets it: the
    fields in fixed are no inputs of it (shown read-only, in #fixed-details), and every input,
    changed alone and saved, is taken or refused for its value (400, 422), never 403. Returns
    the form's first page."""
    first = b.page(path + "?edit=details").text
    names = [n for n in form_of(first, path)["inputs"] if not n.startswith("itsm-")]
    assert not set(fixed) & set(names), (path, names)
    assert ('id="fixed-details"' in first) == bool(fixed), path
    for name in names:
        page = b.page(path + "?edit=details").text
        f = form_of(page, path)
        r = b.post(f["action"], dict(f["inputs"], **{
            name: changed_value(page, name, f["inputs"][name])}))
        assert r.status_code in (303, 400, 422), (path, name, r.status_code)
        assert "forbidden" not in r.text, (path, name)
    return first
