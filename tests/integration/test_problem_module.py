# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""mod_itsm_problem as a module: it holds no core code, it loads alone (without the incident,
knowledge and test processes) and before the core, and works there (publish-workaround
refused, nothing else missing); without it its collection is not there."""
from conftest import (Client, assert_error, assert_no_core_code, find_module, itsm_directives,
                      staged, ticket_xml)


def shipped(env):
    conf = itsm_directives(env)
    conf["ITSMAuthzFile"] = staged("conf/itsm-authz.xml")
    return conf


def test_the_module_holds_no_core_code():
    assert_no_core_code("mod_itsm_problem.so", "itsm_problem_module")


def test_loaded_alone_and_before_the_core(env, make_httpd):
    h = make_httpd("problem-alone", itsm=shipped(env), processes=("problem",),
                   without=("test", "incident", "knowledge"))
    text = open(h.conf_path).read()
    core = "LoadModule itsm_module %s\n" % find_module("mod_itsm.so")
    problem = "LoadModule itsm_problem_module %s\n" % find_module("mod_itsm_problem.so")
    assert core in text and problem in text and "itsm_incident_module" not in text
    with open(h.conf_path, "w") as f:
        f.write(problem + text.replace(problem, ""))
    h.start()
    c = Client(h)
    assert [x.get("name") for x in c.get("/").findall("i:collection")] == ["problems"]
    r = c.post("/problems", ticket_xml("problem", title="Alone", description="No incidents",
                                       level="2"), user="agent1")
    assert r.status == 201, r
    n = r.ticket()["number"]
    for action, fields in (("investigate", {}), ("record-workaround", {"workaround": "Retry"})):
        cur = c.get("/problems/" + n, user="pm1")
        r = c.post("/problems/%s/actions/%s" % (n, action),
                   ticket_xml("problem", **fields) if fields else None, user="pm1",
                   headers={"If-Match": cur.etag})
        assert r.status == 200, r
    cur = c.get("/problems/" + n, user="pm1")
    assert_error(c.post("/problems/%s/actions/publish-workaround" % n, None, user="pm1",
                        headers={"If-Match": cur.etag}), 409, "knowledge-not-loaded")
    assert_error(c.get("/incidents"), 404, "not-found")


def test_without_the_module_its_collection_is_not_there(client):
    names = [x.get("name") for x in client.get("/").findall("i:collection")]
    assert "problems" not in names
    assert_error(client.get("/problems/PRB0000001"), 404, "not-found")
