# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Every httpd configuration snippet of the docs parses: each ```apache block of docs/*.md
and README.md goes, after the test server's own directives (so it overrides them), into an
httpd.conf that `httpd -t` must pass. The paths the docs name are those of an installation
(docs/install.md) and are mapped to this run's copies; hosts are not looked up by -t.
A block that is only a piece of a configuration says so in its info string
(```apache fragment) and is not run; a block without a language that holds directives fails
the test, so that none escapes it."""
import glob
import os
import re

import pytest

from conftest import (REPO, chown_to_test_user, configtest, httpd_config, itsm_directives,
                      staged)

BLOCK = re.compile(r"^```([^\n]*)\n(.*?)^```", re.M | re.S)
DIRECTIVE = re.compile(r"^\s*(ITSM\w+|DBD\w+|Auth\w+|LDAP\w+|</?Location|LoadModule|"
                       r"ServerLimit|StartServers|ThreadsPerChild|MaxRequestWorkers)\b", re.M)


def doc_files():
    return sorted(glob.glob(os.path.join(REPO, "docs", "*.md"))) + \
        [os.path.join(REPO, "README.md")]


def blocks():
    """(where, info string, text) of every fenced block of the docs."""
    out = []
    for path in doc_files():
        text = open(path).read()
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append(("%s:%d" % (os.path.relpath(path, REPO), line), m.group(1).strip(),
                        m.group(2)))
    return out


def snippets_to_test():
    return [(where, text) for where, info, text in blocks()
            if info.split()[:1] == ["apache"] and "fragment" not in info.split()[1:]]


def localize(env, text):
    """The installation's paths of the docs -> this run's files."""
    state = os.path.join(env.base, "snippets-state")
    if not os.path.isdir(state):
        os.mkdir(state)
        chown_to_test_user(state)
    secret = os.path.join(env.base, "snippets-reader.secret")
    with open(secret, "w") as f:
        f.write("sample\n")
    os.chmod(secret, 0o640)
    for doc_path, path in [
            ("/etc/mod_itsm/ldap-reader.secret", secret),
            ("/etc/mod_itsm/", staged("conf") + "/"),
            ("/usr/share/mod_itsm/schemas", staged("schemas")),
            ("/var/lib/mod_itsm", state),
            ("/etc/ssl/itsm/directory-ca.pem", env.slapd.ca_file),
            # the portal's certificate (docs/portal.md, "Under TLS"): slapd's test one
            ("/etc/ssl/itsm/portal.crt", os.path.join(os.path.dirname(env.slapd.ca_file),
                                                      "server.crt")),
            ("/etc/ssl/itsm/portal.key", os.path.join(os.path.dirname(env.slapd.ca_file),
                                                      "server.key"))]:
        text = text.replace(doc_path, path)
    return text


def test_docs_have_snippets_to_test():
    where = [w for w, _ in snippets_to_test()]
    assert any(w.startswith("docs/install.md") for w in where), where
    assert len(where) >= 4, where


def test_every_configuration_block_is_tagged():
    untagged = [(where, text) for where, info, text in blocks()
                if not info and DIRECTIVE.search(text)]
    assert not untagged, "blocks with httpd directives but no ```apache tag: %s" % untagged


@pytest.mark.parametrize("where,text", snippets_to_test(), ids=[w for w, _ in snippets_to_test()])
def test_snippet_passes_configtest(env, slapd, database, where, text):
    root = os.path.join(env.base, "snippet-" + re.sub(r"\W", "-", where))
    os.makedirs(root, exist_ok=True)
    conf = os.path.join(root, "httpd.conf")
    snippet = localize(env, text)
    with open(conf, "w") as f:
        f.write(httpd_config(env, root, 1, itsm=itsm_directives(env),
                             extra="# ---- %s\n%s" % (where, snippet)))
    rc, out = configtest(env, conf)
    assert rc == 0 and "Syntax OK" in out, \
        "%s does not pass httpd -t:\n%s\n---\n%s" % (where, out, snippet)
