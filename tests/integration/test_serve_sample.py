# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""What tools/serve shows of problems and knowledge (issue 9, "done when": tools/serve loads
both modules and shows problems linked to sample incidents, published articles, the glossary
and a few knowledge gaps; README's examples show a search): its sample desk read through the
API as the sample directory's people, README's own requests among them."""
import os
import shutil
import sys

import pytest
import requests

from conftest import NSMAP, REPO, Response, is_root
from serve_util import Serve

sys.path.insert(0, os.path.join(REPO, "tools"))
import knowledge_sample as ks  # noqa: E402  (the sample's own texts: tools/knowledge_sample.py)

pytestmark = pytest.mark.restart


@pytest.fixture(scope="module")
def serve(env):
    if not is_root():
        pytest.skip("tools/serve keeps its state in /var/lib/mod_itsm-serve (run as root)")
    s = Serve(env, "sample")
    try:
        s.wait_running()
        assert "sample data not loaded" not in s.output(), s.output()[-3000:]
        yield s
    finally:
        s.end()
        shutil.rmtree(s.state, ignore_errors=True)


def get(serve, path, user, **params):
    r = Response(requests.get(serve.url + "/itsm" + path, params=params,
                              auth=(user, "sample"), timeout=60))
    assert r.status == 200, (path, user, r)
    return r


def test_problems_behind_sample_incidents_and_their_published_workarounds(serve):
    problems = get(serve, "/problems", "pm1", limit=100).numbers()
    assert len(problems) >= 2, problems
    caused, published = {}, []
    for p in problems:
        links = get(serve, "/problems/%s/links" % p, "pm1").findall("i:link")
        caused[p] = [lk.get("number") for lk in links if lk.get("type") == "caused-by"]
        if "workaroundPublished" in get(serve, "/problems/" + p, "pm1").ticket():
            published.append((p, [lk.get("number") for lk in links
                                  if lk.get("type") == "documented-in"]))
    assert all(n.startswith("INC") for ns in caused.values() for n in ns), caused
    assert sum(1 for ns in caused.values() if ns) >= 2, caused
    # two workarounds published, each an article the desk's agents read (internal: the
    # article process's default audience, docs/problem.md)
    assert len(published) >= 2, published
    for p, articles in published:
        assert len(articles) == 1, (p, articles)
        a = get(serve, "/articles/" + articles[0], "agent1")
        assert a.findtext("i:state") == "published", a
    # README: the known-error database
    assert get(serve, "/problems", "pm1", knownError="true").numbers()


def test_published_articles_a_search_the_glossary_and_gaps(serve):
    seen = {e.findtext("i:title", namespaces=NSMAP) for e in get(serve, "/articles", "alice",
                                                 limit=500).findall("i:article")}
    for_all = {a[0] for a in ks.ARTICLES if a[4] in ("published", "revised") and a[5] == "all"}
    assert for_all <= seen, for_all - seen
    # not published, or internal: not shown to a participant
    hidden = {a[0] for a in ks.ARTICLES if a[4] in ("draft", "in-review", "approved", "retired")
              or a[5] == "internal"}
    assert not hidden & seen, hidden & seen
    # README's search: ranked, each with a snippet marking the words found
    r = get(serve, "/articles", "alice", q="certificate renewal", limit=5)
    items = r.findall("i:article")
    assert items and all(i.find("i:snippet/i:match", NSMAP) is not None for i in items), r
    # an acronym finds its expansion
    assert get(serve, "/articles", "alice", q="DIP").findall("i:article")
    # README's glossary page, and a term of the sample under its letter
    r = get(serve, "/glossary", "alice", letter="A", sort="title", limit=10)
    terms = r.findall("i:term")
    assert terms and all(t.findtext("i:letter", namespaces=NSMAP) == "A" for t in terms), r
    titles = {t.findtext("i:title", namespaces=NSMAP) for t in get(serve, "/glossary", "alice",
                                                                    letter="D",
                                                   limit=500).findall("i:term")}
    assert "Data Integration Platform" in titles, titles
    # README's knowledge gaps: the sample's searches that found nothing
    gaps = {g.text for g in get(serve, "/knowledge-gaps", "km1").findall("i:gap")}
    assert gaps & {q for _, q in ks.GAP_SEARCHES}, gaps
