# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Configuration: httpd refuses to start on a bad one, with a clear line in its log;
other settings (ITSMMaxBody, module load order) take effect on a restarted server."""
import os

import pytest

from conftest import (NS, assert_error, assert_refuses_to_start,
                      find_module, itsm_directives,
                      ticket_xml, Client, Response)

pytestmark = pytest.mark.restart


def write(env, name, text):
    path = os.path.join(env.base, name)
    with open(path, "w") as f:
        f.write(text)
    return path


AUTHZ = '<authorization xmlns="%s">%%s</authorization>' % NS
BAD_AUTHZ = [
    ("not-well-formed", "<authorization", r"ITSMAuthzFile.*(well-formed|XML)"),
    ("schema-invalid", AUTHZ % '<role name="x" scope="galaxy"/>', r"ITSMAuthzFile.*valid"),
    ("unknown-element", AUTHZ % '<colour/>', r"ITSMAuthzFile.*valid"),
    ("doctype", '<!DOCTYPE authorization>' + AUTHZ % "", r"ITSMAuthzFile.*DOCTYPE"),
    ("unknown-action", AUTHZ % '<grant kind="test" actions="create explode" roles="x"/>',
     r"ITSMAuthzFile.*explode"),
    ("wrong-root", '<list xmlns="%s" collection="x" offset="0" limit="1" more="false"/>' % NS,
     r"ITSMAuthzFile.*(authorization|root)"),
    # through= grants create alone, to roles, through an action the kind has
    ("through-of-read", AUTHZ % '<grant kind="test" actions="read" roles="x" through="test:close"/>',
     r"ITSMAuthzFile.*through.*'read'"),
    ("through-relation", AUTHZ % '<grant kind="test" actions="create" relation="raiser" '
     'through="test:close"/>', r"ITSMAuthzFile.*(relation|create)"),
    ("through-unknown", AUTHZ % '<grant kind="test" actions="create" roles="x" '
     'through="test:explode"/>', r"through 'test:explode'"),
    ("through-malformed", AUTHZ % '<grant kind="test" actions="create" roles="x" '
     'through="close"/>', r"ITSMAuthzFile.*valid"),
    ("through-read", AUTHZ % '<grant kind="test" actions="create" roles="x" '
     'through="test:read"/>', r"through 'test:read'"),
]


@pytest.mark.parametrize("text,pattern", [c[1:] for c in BAD_AUTHZ],
                         ids=[c[0] for c in BAD_AUTHZ])
def test_bad_authz_file_refuses_to_start(env, make_httpd, text, pattern):
    assert_refuses_to_start(env, make_httpd, "bad-authz", {
        "ITSMAuthzFile": write(env, "authz-%s.xml" % abs(hash(text)), text)}, pattern)


@pytest.mark.parametrize("name,change,pattern", [
    ("no-schema-dir", {"ITSMSchemaDir": None}, r"ITSMSchemaDir"),
    ("bad-schema-dir", {"ITSMSchemaDir": "/nonexistent/schemas"}, r"ITSMSchemaDir"),
    ("missing-authz", {"ITSMAuthzFile": "/nonexistent/authz.xml"}, r"ITSMAuthzFile"),
    ("no-ldap-url", {"ITSMLDAPURL": None}, r"ITSMLDAPURL"),
    ("bad-cache-ttl", {"ITSMLDAPCacheTTL": "soon"}, r"ITSMLDAPCacheTTL"),
    ("bad-max-body", {"ITSMMaxBody": "lots"}, r"ITSMMaxBody"),
    ("bad-page-size", {"ITSMPageSize": "0"}, r"ITSMPageSize"),
    ("aged-empty", {"ITSMAgedBuckets": ""}, r"ITSMAgedBuckets"),
    ("aged-repeat", {"ITSMAgedBuckets": "14 14"}, r"ITSMAgedBuckets"),
    ("aged-decreasing", {"ITSMAgedBuckets": "30 14"}, r"ITSMAgedBuckets"),
    ("aged-zero", {"ITSMAgedBuckets": "0 14"}, r"ITSMAgedBuckets"),
    ("aged-word", {"ITSMAgedBuckets": "14 soon"}, r"ITSMAgedBuckets"),
    ("aged-negative", {"ITSMAgedBuckets": "-3"}, r"ITSMAgedBuckets"),
])
def test_bad_directive_refuses_to_start(env, make_httpd, name, change, pattern):
    assert_refuses_to_start(env, make_httpd, name, change, pattern)


def test_max_body_directive(env, make_httpd):
    conf = itsm_directives(env)
    conf["ITSMMaxBody"] = "4096"
    h = make_httpd("maxbody", itsm=conf)
    h.start()
    c = Client(h)
    r = c.post("/tests", ticket_xml(title="small"))
    assert r.status == 201, r
    r = c.post("/tests", ticket_xml(title="big", description="x" * 5000))
    assert_error(r, 413, "body-too-large")
    # chunked, no Content-Length: still bounded
    def chunks():
        yield ('<ticket xmlns="%s"><title>big</title><description>' % NS).encode()
        for _ in range(10):
            yield b"x" * 1000
        yield b"</description></ticket>"
    r = Response(c.session.post(c.url("/tests"), data=chunks(), auth=("agent1", "sample"),
                                headers={"Content-Type": "application/xml"}, timeout=60))
    assert_error(r, 413, "body-too-large")


def test_process_module_loaded_before_core(env, make_httpd):
    """No load-order coupling: the test process may be loaded before mod_itsm."""
    h = make_httpd("order")
    text = open(h.conf_path).read()
    core = "LoadModule itsm_module %s\n" % find_module("mod_itsm.so")
    test = "LoadModule itsm_test_module %s\n" % find_module("mod_itsm_test.so")
    assert core + test in text
    with open(h.conf_path, "w") as f:
        f.write(text.replace(core + test, test + core))
    h.start()
    r = Client(h).get("/")
    assert r.status == 200 and "tests" in [c.get("name") for c in r.findall("i:collection")]


def test_core_without_process_modules(env, make_httpd):
    """Only the core: every collection answers 404, the service document lists none."""
    h = make_httpd("core-only")
    text = open(h.conf_path).read()
    test = "LoadModule itsm_test_module %s\n" % find_module("mod_itsm_test.so")
    incident = "LoadModule itsm_incident_module %s\n" % find_module("mod_itsm_incident.so")
    knowledge = "LoadModule itsm_knowledge_module %s\n" % find_module("mod_itsm_knowledge.so")
    assert test in text and incident in text and knowledge in text
    with open(h.conf_path, "w") as f:
        f.write(text.replace(test, "").replace(incident, "").replace(knowledge, ""))
    h.start()
    c = Client(h)
    r = c.get("/")
    assert r.status == 200 and r.findall("i:collection") == []
    assert_error(c.get("/tests"), 404, "not-found")
