# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""mod_itsm_knowledge as a module: it holds no core code (the store, the directory and the
role table stay in mod_itsm.so, reached through c->svc), it loads alone (without the incident
process or the test process) and in any order, and without it its collections are not
there."""
from conftest import Client, assert_error, assert_no_core_code, find_module
from knowledge_util import KM, article_xml, create_article


def test_the_module_holds_no_core_code():
    assert_no_core_code("mod_itsm_knowledge.so", "itsm_knowledge_module")


def test_loaded_alone_and_before_the_core(env, make_httpd):
    h = make_httpd("knowledge-alone", without=("test", "incident"))
    text = open(h.conf_path).read()
    core = "LoadModule itsm_module %s\n" % find_module("mod_itsm.so")
    knowledge = "LoadModule itsm_knowledge_module %s\n" % find_module("mod_itsm_knowledge.so")
    assert core + knowledge in text and "itsm_incident_module" not in text
    with open(h.conf_path, "w") as f:
        f.write(text.replace(core + knowledge, knowledge + core))
    h.start()
    c = Client(h)
    r = c.get("/")
    assert sorted(x.get("name") for x in r.findall("i:collection")) == ["articles", "glossary"]
    number = create_article(c, title="Alone")
    assert c.get("/articles/" + number, user=KM).status == 200
    assert c.get("/knowledge-gaps", user=KM).status == 200
    assert_error(c.get("/cases"), 404, "not-found")


def test_without_the_module_its_collections_are_not_there(env, make_httpd):
    h = make_httpd("no-knowledge", without=("knowledge",))
    h.start()
    c = Client(h)
    names = [x.get("name") for x in c.get("/").findall("i:collection")]
    assert "articles" not in names and "glossary" not in names
    assert_error(c.post("/articles", article_xml("x"), user=KM), 404, "not-found")
    assert_error(c.get("/glossary", user="alice"), 404, "not-found")
    assert_error(c.get("/knowledge-gaps", user=KM), 404, "not-found")
