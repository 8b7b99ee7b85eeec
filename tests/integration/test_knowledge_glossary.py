# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The glossary (/itsm/glossary, kind term, GL numbers; LLSD 16.2): terms with definition and
acronym, unique whatever their case, browsable by initial letter A-Z and 0-9 with paging (10,
20, 50, all), searchable by term or acronym, read by everyone, written by the knowledge roles;
a term's acronym and its title are search synonyms of each other for articles."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import NSMAP, Client, assert_error, fresh_server, sql_runner
from incident_util import list_numbers, nothing_changed, tag
from knowledge_util import AUTHOR, KM, article_in, create_term, term_xml


def test_a_term_carries_its_letter_and_is_read_by_everyone(client):
    t = tag()
    number = create_term(client, "Accepted Bid-Offer Volume %s" % t, acronym="ABO" + t,
                         definition="The volume of a Bid-Offer Pair accepted by the SO.")
    for user in ("alice", "bob", "prov1", "agent1", AUTHOR):
        r = client.get("/glossary/" + number, user=user)
        assert r.status == 200 and r.root == "term", (user, r)
        assert r.findtext("i:letter") == "A"
        assert r.findtext("i:acronym") == "ABO" + t
        assert r.findtext("i:audience") == "all"
    create_term(client, "0-9 %s" % t, user=AUTHOR)     # authors write the glossary too
    r = client.get("/glossary", user="alice", params={"acronym": "ABO" + t})
    assert r.numbers() == [number]


@pytest.mark.parametrize("first,letter", [("zebra", "Z"), ("Éclair", "E"), ("15-minute", "0-9"),
                                          ("(t) index", "0-9"), ("m", "M")])
def test_letters(client, first, letter):
    number = create_term(client, "%s %s" % (first, tag()))
    assert client.get("/glossary/" + number, user="bob").findtext("i:letter") == letter


def test_a_term_is_unique_whatever_its_case_and_spacing(client, database):
    t = tag()
    number = create_term(client, "Acceptance Data %s" % t)
    for same in ("acceptance data %s" % t, "ACCEPTANCE  DATA %s" % t.upper(),
                 "  Acceptance Data %s " % t):
        with nothing_changed(database):
            r = create_term(client, same, expect=409)
        assert_error(r, 409, "duplicate")
        # named by its number and text, not by the key the process derives from it
        assert r.findtext("i:message") == 'There is a term like this already: %s ' \
            '"Acceptance Data %s".' % (number, t), r.text
    # renaming another term onto it is refused the same way; onto itself is fine
    other = create_term(client, "Acceptance Volume %s" % t)
    etag = client.get("/glossary/" + other, user=KM).etag
    with nothing_changed(database):
        r = client.patch("/glossary/" + other, term_xml("ACCEPTANCE DATA %s" % t), user=KM,
                         headers={"If-Match": etag})
    assert_error(r, 409, "duplicate")
    etag = client.get("/glossary/" + number, user=KM).etag
    r = client.patch("/glossary/" + number, term_xml("Acceptance data %s" % t), user=KM,
                     headers={"If-Match": etag})
    assert r.status == 200 and r.findtext("i:title") == "Acceptance data %s" % t


@pytest.mark.parametrize("first,same", [
    ("\u00c9clair window", "\u00e9clair window"),      # Éclair, éclair
    ("\u00d8resund link", "\u00f8resund LINK"),        # Øresund, øresund
    ("\u039f\u0394\u039f\u03a3", "\u03bf\u03b4\u03bf\u03c2"),  # ΟΔΟΣ, οδος: final sigma
    ("\u041f\u0418\u041a", "\u043f\u0438\u043a"),    # ПИК, пик
    ("Acceptance Data", "acceptance\u00a0 data"),      # a no-break space is white space
    ("Clearing run", "Clearing\u200b run\ufeff"),     # shown as nothing: no part of it
])
def test_a_term_is_unique_whatever_its_case_in_any_script(client, database, first, same):
    """The key folds case over Unicode, not over ASCII alone (an exploratory tester's find:
    the second of each pair was 201); the refusal names the term that holds the key."""
    t = tag()
    number = create_term(client, "%s %s" % (first, t))
    with nothing_changed(database):
        r = create_term(client, "%s %s" % (same, t), expect=409)
    assert_error(r, 409, "duplicate")
    assert r.findtext("i:message") == 'There is a term like this already: %s "%s %s".' % (
        number, first, t), r.text
    assert client.get("/glossary/" + number, user="bob").findtext("i:key") \
        == "%s %s" % (same.lower().replace("\u00a0 ", " ").replace("\u03c2", "\u03c3")
                      .replace("\u200b", "").replace("\ufeff", ""), t)


def test_an_accent_is_not_a_case(client):
    """Éclair and Eclair are two terms: the key keeps the accents (the sort key does not)."""
    t = tag()
    accented = create_term(client, "\u00c9clair window %s" % t)
    plain = create_term(client, "Eclair window %s" % t)
    assert accented != plain


def test_a_term_posted_many_times_at_once_is_created_once(client, database):
    """The uniqueness holds under concurrency: the store's unique row (itsm_unique), written
    in the create's transaction, refuses what the check before the write let through."""
    for round_ in range(4):
        t = tag()
        variants = ["Settlement Run %s" % t, "settlement run %s" % t, "SETTLEMENT  RUN %s" % t]

        def one(i):
            return client.post("/glossary", term_xml(variants[i % len(variants)]), user=KM)

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(one, range(16)))
        statuses = sorted(r.status for r in results)
        assert statuses == [201] + [409] * 15, (round_, statuses)
        for r in results:
            if r.status == 409:
                assert_error(r, 409, "duplicate")
        listed = client.get("/glossary", user="alice", params={"q": "settlement run " + t})
        assert listed.status == 200 and len(listed.numbers()) == 1, listed


@pytest.mark.parametrize("body,status,code", [
    (b'<term xmlns="urn:mod-itsm:xml:1"><title>No definition</title></term>', 422,
     "invalid-field"),
    (b'<term xmlns="urn:mod-itsm:xml:1"><title>  </title><definition>d</definition></term>',
     400, "schema-invalid"),
    (b'<term xmlns="urn:mod-itsm:xml:1"><title>L</title><definition>d</definition>'
     b'<letter>B</letter></term>', 422, "invalid-field"),
    # a term of characters shown as nothing is no term (a zero-width space, a Hangul filler)
    ('<term xmlns="urn:mod-itsm:xml:1"><title>\u200b\u3164</title><definition>d</definition>'
     '</term>'.encode(), 422, "invalid-field"),
    (b'<term xmlns="urn:mod-itsm:xml:1"><title>A</title><definition>d</definition>'
     b'<audience>party:ALPE</audience></term>', 422, "invalid-field"),
    (b'<term xmlns="urn:mod-itsm:xml:1"><title>A</title><definition>d</definition>'
     b'<key>a</key></term>', 422, "invalid-field"),
])
def test_bad_terms_are_refused_and_nothing_written(client, database, body, status, code):
    with nothing_changed(database):
        r = client.post("/glossary", body, user=KM)
    assert_error(r, status, code)


def test_readers_do_not_write_the_glossary(client, database):
    for user in ("alice", "agent1"):
        with nothing_changed(database):
            r = client.post("/glossary", term_xml("Nope " + tag()), user=user)
        assert_error(r, 403, "forbidden")


def letter_counts(client):
    """{letter: count} of GET /glossary/stats?by=letter."""
    r = client.get("/glossary/stats", user=KM, params={"by": "letter"})
    assert r.status == 200 and r.root == "stats" and r.doc.get("by") == "letter", r
    return {g.get("key"): int(g.get("count")) for g in r.findall("i:group")}


def test_browse_by_letter_with_paging(client):
    """23 terms of one letter (tagged by their acronym, so that other tests' terms stay out):
    pages of 10, 20, 50 and all, in the order of the terms whatever their case; the counts
    per letter."""
    before = letter_counts(client)
    t = tag()
    names = ["Q%s %02d" % (t, i) for i in range(23)]
    for i, name in enumerate(reversed(names)):
        create_term(client, name.lower() if i % 2 else name, acronym="Q" + t)
    expected = [n.lower() for n in names]

    def page(limit, offset=0):
        r = client.get("/glossary", user="alice", params={
            "letter": "Q", "acronym": "Q" + t, "sort": "title", "limit": limit,
            "offset": offset})
        assert r.status == 200 and r.root == "list", r
        return [e.findtext("i:title", namespaces=NSMAP).lower() for e in r.findall("i:term")], \
            r.doc.get("more") == "true"

    assert page(10) == (expected[:10], True)
    assert page(10, 20) == (expected[20:], False)
    assert page(20) == (expected[:20], True)
    assert page(50) == (expected, False)
    assert page(500) == (expected, False)
    r = client.get("/glossary", user="alice",
                   params={"letter": "0-9", "sort": "title", "limit": 500})
    assert r.status == 200
    assert all(e.findtext("i:letter", namespaces=NSMAP) == "0-9" for e in r.findall("i:term"))
    # how many per letter, for the A-Z bar: the 23 terms made here under Q, every other
    # letter as it was, and each letter's count as many terms as its list holds
    after = letter_counts(client)
    assert after == dict(before, Q=before.get("Q", 0) + 23)
    letters = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + ["0-9"]
    assert set(after) <= set(letters), after
    assert {x: len(list_numbers(client, "glossary", "alice", letter=x)) for x in letters} \
        == {x: after.get(x, 0) for x in letters}


def test_a_letter_is_read_in_either_case_and_another_value_is_refused(client):
    """?letter=q is the letter Q (a letter typed in lower case found nothing before); a value
    that is no letter of the index is 400 naming the letters, not an empty page."""
    t = tag()
    number = create_term(client, "Quorum " + t, acronym="Q" + t)
    for letter in ("Q", "q"):
        assert list_numbers(client, "glossary", "alice", letter=letter, acronym="Q" + t) \
            == [number]
    for value in ("QQ", "", "é"):
        r = client.get("/glossary", user="alice", params={"letter": value})
        assert_error(r, 400, "bad-query")
        assert "must be one of A, B" in r.findtext("i:message") and "0-9" in r.findtext(
            "i:message"), r.text


def test_the_a_z_puts_accented_letters_with_their_base_letters(client):
    """sort=title orders a letter's terms by their sort key (the key, its accented Latin
    letters as their base letters): Éclair between Earth and Elexon, where the bytes of the
    title put it after every E (the tester's find); letter=E holds É and é, O holds Ø,
    L holds Ł; keyset pages (after=) go the same way."""
    t = tag()
    acronym = "AZ" + t
    order = {
        "E": ["Earth", "\u00c9clair window", "Elexon Central Services", "\u00e9mile"],
        "O": ["Ocean", "\u00d8resund link", "Orsted"],
        "L": ["\u0141\u00f3d\u017a grid", "Lower"],
    }
    for titles in order.values():
        for title in reversed(titles):     # created in the reverse of the order
            create_term(client, "%s %s" % (title, t), acronym=acronym)

    def titles(letter, sort="title", **params):
        r = client.get("/glossary", user="alice", params=dict(
            dict(letter=letter, acronym=acronym, sort=sort, limit=50), **params))
        assert r.status == 200 and r.root == "list", r
        return [e.findtext("i:title", namespaces=NSMAP)[:-len(t) - 1]
                for e in r.findall("i:term")], r

    for letter, expected in order.items():
        assert titles(letter)[0] == expected, letter
        assert titles(letter, "-title")[0] == expected[::-1], letter
    # pages after a term: the order's keys, not the title's
    first, r = titles("E", limit=2)
    assert first == order["E"][:2] and r.doc.get("more") == "true"
    second, r = titles("E", after=r.doc.get("next"), limit=2)
    assert second == order["E"][2:]
    # the sort key is derived and shown; the letters count as listed
    number = create_term(client, "\u00c6ther %s" % t)
    r = client.get("/glossary/" + number, user="bob")
    assert (r.findtext("i:letter"), r.findtext("i:key"), r.findtext("i:sortKey")) \
        == ("A", "\u00e6ther %s" % t, "aether %s" % t)


def test_glossary_search_by_term_or_acronym(client):
    t = tag()
    number = create_term(client, "Balancing and Settlement Code %s" % t, acronym="B" + t,
                         definition="The code of the GB wholesale electricity market.")
    for q in ("B" + t, "balancing settlement " + t, '"settlement code %s"' % t):
        r = client.get("/glossary", user="alice", params={"q": q})
        assert r.status == 200, r
        assert r.numbers() == [number], q
        assert r.find("i:term/i:snippet") is not None


def test_an_acronym_finds_articles_that_spell_it_out_and_the_reverse(client):
    t = tag()
    create_term(client, "Widget Integration Gateway %s" % t, acronym="WIG" + t)
    spelled = article_in(client, "published", audience="all",
                         title="Connecting to the Widget Integration Gateway %s" % t)
    short = article_in(client, "published", audience="all", title="WIG%s onboarding" % t)
    r = client.get("/articles", user="alice", params={"q": "WIG" + t})
    assert set(r.numbers()) == {spelled, short}, r
    r = client.get("/articles", user="alice",
                   params={"q": "widget integration gateway %s" % t})
    assert set(r.numbers()) == {spelled, short}, r


def test_a_start_writes_the_unique_terms_of_a_database_once(env, database):
    """The unique values of tickets stored before a field was unique are written at the next
    start from the field index, and the field is marked (schema 21): later starts do not scan
    the index again (at a million tickets that scan held the write lock for seconds)."""
    h = fresh_server(env, database, "uniqueonce")
    c = Client(h)
    t = tag()
    create_term(c, "Balancing Mechanism %s" % t)
    create_term(c, "Bid-Offer Acceptance %s" % t)
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    unique = "SELECT COUNT(*) FROM itsm_unique WHERE kind = 'term'"
    marked = "SELECT name FROM itsm_unique_indexed WHERE kind = 'term'"
    assert run(unique) == ["2"] and run(marked) == ["key"]
    # as if stored before schema 9: no unique row, no mark
    run("DELETE FROM itsm_unique WHERE kind = 'term'")
    run("DELETE FROM itsm_unique_indexed")
    h.start()
    try:
        create_term(c, "balancing mechanism %s" % t, expect=409)   # the store is up
    finally:
        h.stop()
    assert run(unique) == ["2"] and run(marked) == ["key"]
    # marked: a start leaves the field's rows as they are (one deleted by hand here, so that
    # a scan would show by writing it again)
    run("DELETE FROM itsm_unique WHERE kind = 'term' AND value LIKE 'bid%'")
    h.start()
    try:
        create_term(c, "balancing mechanism %s" % t, expect=409)
    finally:
        h.stop()
    assert run(unique) == ["1"]


def older_build(run, number, title, key, sort, letter=None):
    """Term number (title, key and sort key as this build derives them) as a build before
    2026-12 stored it: its key the title in lower case for ASCII letters alone, no sort key,
    its letter 0-9 beyond Latin-1 (letter: the one it has now)."""
    old = "".join(c.lower() if c.isascii() else c for c in title)
    ticket = "(SELECT id FROM itsm_ticket WHERE number = '%s')" % number
    run("UPDATE itsm_ticket SET fields = REPLACE(REPLACE(fields, 'key\t%s\n', 'key\t%s\n'), "
        "'sortKey\t%s\n', '') WHERE number = '%s'" % (key, old, sort, number))
    run("UPDATE itsm_field_index SET value = '%s' WHERE name = 'key' AND ticket_id = %s"
        % (old, ticket))
    run("DELETE FROM itsm_field_index WHERE name = 'sortKey' AND ticket_id = %s" % ticket)
    run("UPDATE itsm_unique SET value = '%s' WHERE ticket_id = %s" % (old, ticket))
    if letter:
        run("UPDATE itsm_ticket SET fields = REPLACE(fields, 'letter\t%s\n', 'letter\t0-9\n') "
            "WHERE number = '%s'" % (letter, number))
        run("UPDATE itsm_field_index SET value = '0-9' WHERE name = 'letter' AND ticket_id = %s"
            % ticket)


def test_a_start_derives_the_terms_of_an_older_build_again(env, database):
    """Keys stored by a build that lower-cased ASCII alone are derived again at the first
    start of this one (itsm_derived, schema 29), with the field index and the unique keys:
    a term stored then still collides with its other case; two terms that build let in
    (Øresund and øresund) both stay, the lower number holding the key; later starts leave
    the terms alone."""
    h = fresh_server(env, database, "derived")
    c = Client(h)
    t = tag()
    eclair = create_term(c, "\u00c9clair window %s" % t)
    cech = create_term(c, "\u010cech grid %s" % t)
    oresund = create_term(c, "\u00d8resund link %s" % t)
    h.stop()
    run = sql_runner(database, h.dbd_params, h.db_name)
    assert run("SELECT derivation FROM itsm_derived WHERE kind = 'term'") == ["unicode-fold-2"]
    older_build(run, eclair, "\u00c9clair window " + t, "\u00e9clair window " + t,
                "eclair window " + t)
    older_build(run, cech, "\u010cech grid " + t, "\u010dech grid " + t, "cech grid " + t,
                letter="C")
    older_build(run, oresund, "\u00d8resund link " + t, "\u00f8resund link " + t,
                "oresund link " + t)
    run("DELETE FROM itsm_field_indexed WHERE kind = 'term' AND name = 'sortKey'")
    h.start()
    try:
        # as the older build left it (this start found the derivation recorded): a key with
        # a capital beyond ASCII lets the other case in, as that build did
        twin = create_term(c, "\u00f8resund LINK %s" % t)
    finally:
        h.stop()
    run("DELETE FROM itsm_derived")
    h.start()
    try:
        for number, key, sort, letter in [
                (eclair, "\u00e9clair window", "eclair window", "E"),
                (cech, "\u010dech grid", "cech grid", "C"),
                (oresund, "\u00f8resund link", "oresund link", "O")]:
            r = c.get("/glossary/" + number, user="bob")
            assert (r.findtext("i:key"), r.findtext("i:sortKey"), r.findtext("i:letter")) \
                == ("%s %s" % (key, t), "%s %s" % (sort, t), letter), number
        r = create_term(c, "\u00e9CLAIR window %s" % t, expect=409)
        assert r.findtext("i:message") == 'There is a term like this already: %s ' \
            '"\u00c9clair window %s".' % (eclair, t)
        r = create_term(c, "\u00d8RESUND link %s" % t, expect=409)
        assert "already: %s " % oresund in r.findtext("i:message")
        # both holders of one key found by it, in the letter's list too
        listed = c.get("/glossary", user="alice", params={"key": "\u00f8resund link " + t})
        assert listed.numbers() == [oresund, twin]
        listed = c.get("/glossary", user="alice", params={"letter": "C", "sort": "title",
                                                          "limit": 500})
        assert cech in listed.numbers()
    finally:
        h.stop()
    assert run("SELECT derivation FROM itsm_derived WHERE kind = 'term'") == ["unicode-fold-2"]
    assert run("SELECT COUNT(*) FROM itsm_unique WHERE kind = 'term'") == ["3"]
    # derived once: a later start leaves a term's fields as they are (one edited by hand
    # here, so that a derivation would show by writing it again)
    run("UPDATE itsm_ticket SET fields = REPLACE(fields, 'letter\tC\n', 'letter\tX\n') "
        "WHERE number = '%s'" % cech)
    h.start()
    try:
        assert c.get("/glossary/" + cech, user="bob").findtext("i:letter") == "X"
    finally:
        h.stop()
