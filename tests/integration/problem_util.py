# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Helpers of the problem process's tests (tests/integration/test_problem_*.py): requests on
the problem server (the pclient fixture: mod_itsm_problem loaded, the shipped role table),
through incident_util's helpers, which know the problem collection too."""
from conftest import NS, link_xml
import incident_util
from incident_util import act, create, get, journal_entries, patch  # noqa: F401 (re-exported)

incident_util.ELEMENT.setdefault("problems", "problem")

GROUP = incident_util.GROUP     # a resolver group of the sample directory (res1 is in it)

# every transition: action -> (from states, to state, body)
PATH = [
    ("investigate", "under-investigation", {}),
    ("record-workaround", "workaround-in-place",
     {"workaround": "Re-submit the file after 18:00, when the DIP queue is drained."}),
    ("identify-root-cause", "root-cause-identified",
     {"rootCause": "The DIP adapter drops messages over 1 MiB."}),
    ("identify-solution", "solution-identified",
     {"solution": "Raise the adapter's message limit to 16 MiB.",
      "solutionTimeframe": "Release R4, within 3 months"}),
    ("resolve", "resolved", {}),
    ("close", "closed", {}),
]
STATES = ["new"] + [to for _, to, _ in PATH]


def new_problem(client, user="agent1", expect=201, **fields):
    fields.setdefault("title", "Settlement files rejected by the DIP")
    fields.setdefault("description", "Several suppliers' files are rejected without a message")
    fields.setdefault("level", "2")
    return create(client, "problems", user, expect, **fields)


def number(resp):
    return resp.ticket()["number"]


def walk(client, n, upto, user="pm1"):
    """Take the problem n along PATH up to the state upto."""
    for action, to, fields in PATH:
        if get(client, "problems", n).ticket()["state"] == upto:
            return
        act(client, "problems", n, action, user=user, **fields)
    assert get(client, "problems", n).ticket()["state"] == upto


def link(client, coll, n, ltype, target, user="agent1"):
    cur = get(client, coll, n)
    return client.post("/%s/%s/links" % (coll, n), link_xml(ltype, target), user=user,
                       headers={"If-Match": cur.etag})


def targets(resp):
    """{clock: attributes} of the <target>s of an <sla> (the document's root or a child)."""
    sla = resp.doc if resp.root == "sla" else resp.find("i:sla")
    assert sla is not None, resp
    return {t.get("kind"): dict(t.attrib) for t in sla.findall("{%s}target" % NS)}


def shown(resp):
    """The <linked> elements of a representation: [(type, number, kind, {field: text})]."""
    return [(l.get("type"), l.get("number"), l.get("kind"),
             {c.tag.split("}")[1]: c.text for c in l}) for l in resp.findall("i:linked")]


def refused(client, database, n, action, status, code, user="pm1", **fields):
    """The action on problem n is refused with status and code, and nothing is written."""
    before = database.snapshot()
    r = act(client, "problems", n, action, user=user, expect=status, code=code, **fields)
    assert database.snapshot() == before
    return r
