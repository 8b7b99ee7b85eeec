#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""bench/kb-gen.py -- N published knowledge articles and M glossary terms written straight
into the store (bench/run --kb), as copies of one article and one term that bench/run created
through the API first (so that every row is as the store writes it: the ticket, its published
version, its audiences, its field index, its unique key, the search index of the working copy
and of the published version with their itsm_search_row (its everyone and, on SQLite, its
length: schema 20), the glossary's synonyms).

Text: titles of 4-9 words, keywords of 3-6, bodies of 3-6 paragraphs, 120-450 words, drawn
from a vocabulary of VOCAB words with a Zipf distribution (weight 1/rank): the words of the
sample articles (tools/knowledge_sample.py) by frequency first, then made-up words. Glossary
terms of 2-4 words by the same law over the vocabulary's content words (no function word:
FUNCTION_WORDS; KB_TERM_WORDS=all: every word, as before 2026-12-06). Audiences:
80 % all, 15 % one to three parties of the sample directory, 5 % internal. Every value is
seeded (--seed): the same arguments give the same database.

usage: kb-gen.py sqlite3 DB ARTICLES TERMS QUERIES_OUT
       kb-gen.py pgsql DIR ARTICLES TERMS QUERIES_OUT   (TSV files in DIR for psql \\copy)
QUERIES_OUT: one query a line (URL-encoded), the mix bench/lua/search.lua draws from."""
import collections
import os
import random
import re
import sqlite3
import sys
import urllib.parse

VOCAB = 20000
PARTIES = ["ALPE", "BRMP", "ESGS", "MTRW", "NGET", "ELEX"]
# English function words: no glossary term is made of them (the SM Strategy's 1.3 and the
# LLSD 16.2 glossary name things: "Data Integration Platform", "Service Level Agreement"),
# while articles and queries use them as people write. KB_TERM_WORDS=all draws the terms
# from every word as trees before 2026-12-06 did ("For The And", whose phrase an acronym
# expands to reads the positions of nearly every article).
FUNCTION_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each either else every few
for from further had has have having he her here hers him his how however if in into is it its
itself just least less may me might more most must my neither no nor not of off on once only
or other ought our ours out over own per same shall she should since so some such than that
the their theirs them then there these they this those though through thus to too under
until up upon us very via was we were what when where whether which while who whom whose why
will with within without would yet you your yours
""".split())


def vocabulary(repo):
    text = open(os.path.join(repo, "tools", "knowledge_sample.py"), encoding="utf-8").read()
    text = re.sub(r"<[^>]+>", " ", text)
    counts = collections.Counter(w for w in re.findall(r"[a-z]{2,}", text.lower()))
    words = [w for w, _ in counts.most_common()]
    seen = set(words)
    rnd = random.Random(7)
    syll = ["ba", "ce", "di", "fo", "gu", "ka", "le", "mi", "no", "pu", "ra", "se", "ti", "vo",
            "za", "tor", "ment", "ing", "ex", "al", "on", "er", "ic", "ly", "ver", "tra"]
    while len(words) < VOCAB:
        w = "".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Zipf:
    def __init__(self, words, rnd):
        self.words, self.rnd = words, rnd
        acc, self.cum = 0.0, []
        for r in range(len(words)):
            acc += 1.0 / (r + 1)
            self.cum.append(acc)

    def take(self, n):
        return self.rnd.choices(self.words, cum_weights=self.cum, k=n)


def sentence(z, rnd):
    w = z.take(rnd.randint(6, 18))
    return w[0].capitalize() + " " + " ".join(w[1:]) + "."


def article(z, rnd):
    title = " ".join(z.take(rnd.randint(4, 9))).capitalize()
    keywords = " ".join(z.take(rnd.randint(3, 6)))
    paras = []
    total, want = 0, rnd.randint(120, 450)
    while total < want:
        s = " ".join(sentence(z, rnd) for _ in range(rnd.randint(2, 5)))
        total += len(s.split())
        paras.append(s)
    u = rnd.random()
    if u < 0.80:
        audience = "all"
    elif u < 0.95:
        audience = " ".join("party:" + p for p in rnd.sample(PARTIES, rnd.randint(1, 3)))
    else:
        audience = "internal"
    return title, keywords, paras, audience, rnd.choice(["Guides", "Settlement", "Metering",
                                                         "DIP", "Registration"])


def encode_fields(pairs):
    """itsm_codec_fields_encode: name TAB value, a line each (no tab or newline in values)."""
    return "".join("%s\t%s\n" % (k, v) for k, v in pairs)


def row_length(sz):
    """The sum of the varints of an itsm_search_docsize.sz (store_search.c, row_length)."""
    total = cur = 0
    for b in sz:
        cur = cur * 128 + (b & 0x7F)
        if b < 0x80:
            total, cur = total + cur, 0
    return total


def queries(z, rnd, acronyms, n=2000):
    out = []
    for i in range(n):
        u = rnd.random()
        if u < 0.55:
            q = " ".join(z.take(rnd.randint(1, 2)))
        elif u < 0.75:
            q = " ".join(z.take(3))
        elif u < 0.85:
            w = z.take(1)[0]
            q = w[:max(3, len(w) - 2)] + "*"
        elif u < 0.93:
            q = '"%s"' % " ".join(z.take(2))
        else:
            q = rnd.choice(acronyms)
        out.append(urllib.parse.quote(q))
    return out


def main():
    driver, target, n_articles, n_terms, qout = sys.argv[1:6]
    n_articles, n_terms = int(n_articles), int(n_terms)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rnd = random.Random(int(os.environ.get("KB_SEED", "42")))
    vocab = vocabulary(repo)
    z = Zipf(vocab, rnd)
    # the terms' words by the same law over the content words (FUNCTION_WORDS above)
    zt = z if os.environ.get("KB_TERM_WORDS") == "all" else \
        Zipf([w for w in vocab if w not in FUNCTION_WORDS], rnd)
    if driver == "sqlite3":
        db = sqlite3.connect(target)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        rows = lambda sql: db.execute(sql).fetchall()   # noqa: E731
    else:
        os.makedirs(target, exist_ok=True)
        files = {}

        def put(table, values):
            f = files.get(table)
            if f is None:
                f = files[table] = open(os.path.join(target, table + ".tsv"), "w",
                                        encoding="utf-8")
            f.write("\t".join(str(v).replace("\\", "\\\\").replace("\t", "\\t")
                              .replace("\n", "\\n") for v in values) + "\n")
    now = int(os.environ.get("KB_NOW", "1796200000"))
    first = int(os.environ.get("KB_FIRST_ID", "1000"))
    acronyms = []
    if driver == "sqlite3":
        tickets, versions, aud, fidx, search, uniq, syn, srow = [], [], [], [], [], [], [], []
        psearch = []
        # the FTS5 index of each kind's rows, as the server recorded it at its start
        # (schema 24: itsm_search_prefix for a kind declaring prefix_index)
        prefixed = {k for (k,) in rows("SELECT kind FROM itsm_search_indexed WHERE prefix = 1")}
        fts = {k: "itsm_search_prefix" if k in prefixed else "itsm_search"
               for k in ("article", "term")}

        def put(table, values):
            {"itsm_ticket": tickets, "itsm_version": versions, "itsm_audience": aud,
             "itsm_field_index": fidx, "itsm_search": search, "itsm_unique": uniq,
             "itsm_synonym": syn, "itsm_search_row": srow,
             "itsm_search_prefix": psearch}[table].append(values)
    else:
        fts = {"article": "itsm_search", "term": "itsm_search"}

    for i in range(n_articles):
        tid = first + i
        title, keywords, paras, audience, category = article(z, rnd)
        body = "".join("<p>%s</p>" % p for p in paras)
        readers = None if audience == "internal" else audience
        pairs = [("body", body), ("category", category), ("services", "DIP"),
                 ("keywords", keywords), ("audience", audience)]
        if readers:
            pairs.append(("readers", readers))
        pairs += [("version.last", "1"), ("version.published", "1")]
        fields = encode_fields(pairs)
        at = now - rnd.randint(0, 3 * 365 * 86400)
        put("itsm_ticket", (tid, "KB%07d" % (100000 + i), "article", "ELEX", "published", title,
                            "", "", "", at, at, "km1", 4, fields, "", 0, "", 1))
        put("itsm_version", (tid, 1, at, "km1", title, "published", fields, 4, 1))
        for pub in (0, 1):
            for m in (readers.split() if readers else []):     # internal: its party only
                put("itsm_audience", (tid, pub, m))
            text = "\n".join(paras)
            put(fts["article"], (tid * 2 + pub, title, keywords + "\n" + category + "\nDIP", text,
                                tid, pub))
            put("itsm_search_row", (tid * 2 + pub, tid, "article", "ELEX",
                                    1 if audience == "all" else 0))
        put("itsm_field_index", (tid, "article", "category", category, 1))
        put("itsm_field_index", (tid, "article", "services", "DIP", 1))
    seen, by_acronym = set(), {}
    tid = first + n_articles
    j = 0
    while j < n_terms:
        words = zt.take(rnd.randint(2, 4))
        key = " ".join(words)
        acronym = "".join(w[0] for w in words).upper()
        # a real glossary's acronyms rarely collide (SM Strategy 1.3: none); a few share one
        if key in seen or len(set(words)) < len(words) or by_acronym.get(acronym, 0) >= 3:
            continue
        seen.add(key)
        by_acronym[acronym] = by_acronym.get(acronym, 0) + 1
        title = " ".join(w.capitalize() for w in words)
        acronyms.append(acronym)
        definition = " ".join(sentence(z, rnd) for _ in range(rnd.randint(1, 3)))
        letter = title[0] if title[0].isalpha() else "0-9"
        fields = encode_fields([("definition", definition), ("acronym", acronym),
                                ("letter", letter), ("key", key), ("audience", "all")])
        put("itsm_ticket", (tid, "GL%07d" % (100000 + j), "term", "ELEX", "active", title,
                            "", "", "", now, now, "km1", 1, fields, "", 0, "", 1))
        put("itsm_audience", (tid, 0, "all"))
        put(fts["term"], (tid * 2, title + "\n" + acronym, "", definition, tid, 0))
        put("itsm_search_row", (tid * 2, tid, "term", "ELEX", 1))
        for name, v in (("acronym", acronym), ("key", key), ("letter", letter)):
            put("itsm_field_index", (tid, "term", name, v, 1))
        put("itsm_unique", ("term", "key", key, tid))
        put("itsm_synonym", (tid, key, acronym.lower()))
        put("itsm_synonym", (tid, acronym.lower(), key))
        tid += 1
        j += 1
    if driver == "sqlite3":
        cols = {"itsm_ticket": "id, number, kind, party, state, title, priority, assignee, grp, "
                               "opened, updated, created_by, version, fields, tags, sla_open, "
                               "sla_notified, is_open",
                "itsm_version": "ticket_id, n, at, actor, title, state, fields, ticket_version, "
                                "current",
                "itsm_audience": "ticket_id, published, member",
                "itsm_field_index": "ticket_id, kind, name, value, is_open",
                "itsm_search": "rowid, title, keywords, body, ticket_id, published",
                "itsm_search_prefix": "rowid, title, keywords, body, ticket_id, published",
                "itsm_unique": "kind, name, value, ticket_id",
                "itsm_synonym": "ticket_id, term, expansion",
                "itsm_search_row": "rid, id, kind, party, everyone"}
        with db:
            for table, data in (("itsm_ticket", tickets), ("itsm_version", versions),
                                ("itsm_audience", aud), ("itsm_field_index", fidx),
                                ("itsm_unique", uniq), ("itsm_synonym", syn),
                                ("itsm_search", search), ("itsm_search_prefix", psearch),
                                ("itsm_search_row", srow)):
                c = cols[table]
                db.executemany("INSERT INTO %s (%s) VALUES (%s)" % (
                    table, c, ", ".join("?" * len(c.split(",")))), data)
            db.execute("UPDATE itsm_counter SET next_value = 200000 WHERE kind IN "
                       "('article', 'term')")
        # each row's length as the store keeps it (schema 20): FTS5's, a varint per column
        db.create_function("itsm_length", 1, row_length, deterministic=True)
        with db:
            for t in ("itsm_search", "itsm_search_prefix"):
                db.execute("UPDATE itsm_search_row SET dl = (SELECT itsm_length(d.sz) FROM "
                           "%s_docsize d WHERE d.id = itsm_search_row.rid) WHERE EXISTS "
                           "(SELECT 1 FROM %s_docsize d WHERE d.id = itsm_search_row.rid)"
                           % (t, t))
        for t in ("itsm_search", "itsm_search_prefix"):
            db.execute("INSERT INTO %s(%s) VALUES ('optimize')" % (t, t))
        # the prefix index's rows per word (schema 28), from FTS5's own counts as the
        # migration makes them
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'itsm_search_prefix_df'"
                      ).fetchone():
            with db:
                db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, "
                           "itsm_search_prefix, 'row')")
                db.execute("DELETE FROM itsm_search_prefix_df")
                db.execute("INSERT INTO itsm_search_prefix_df (term, n) SELECT term, doc "
                           "FROM temp.vocab UNION ALL SELECT '', count(*) FROM "
                           "itsm_search_prefix")
                db.execute("DROP TABLE temp.vocab")
        db.commit()
        db.close()
    else:
        for f in files.values():
            f.close()
    with open(qout, "w") as f:
        f.write("\n".join(queries(z, rnd, acronyms)) + "\n")


if __name__ == "__main__":
    main()
