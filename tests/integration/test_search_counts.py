# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The searches' counts off the search's path (modules/core/store_search.c, "analytics";
ITSMSearchCountDelay): a search appends its count (a knowledge gap's miss, or the search a
later case counts as a failed deflection) to a log that the server's children share, and the
log is written in one transaction for many searches: when its oldest count is older than the
delay (by a search or each child's timer), when a read of the gaps or a create of a
deflection target needs it (exact, whichever child answers), and at a child's exit.

The session's servers count with a delay of 3600 s (conftest.itsm_directives: no timer
writes into the before/after snapshots of the refusal tests); the servers here run with the
default delay (1 s) or 0. Each request goes through a client of its own (a connection of its
own, so to either of the two children)."""
import pytest

from conftest import (Client, Httpd, assert_refuses_to_start, fresh_server, itsm_directives,
                      poll)
from incident_util import create, tag
from knowledge_util import KM, article_in


def directives(env, delay):
    conf = itsm_directives(env)
    conf["ITSMSearchCountDelay"] = delay    # None: the directive left out, its default
    return conf


@pytest.fixture(scope="module")
def delayed(env, slapd, database):
    """A server on the session's database with ITSMSearchCountDelay at its default."""
    h = Httpd(env, "httpd-counts-default", itsm=directives(env, None))
    h.start()
    yield h
    h.stop()


def search(h, q, user="alice"):
    r = Client(h).get("/articles", user=user, params={"q": q})
    assert r.status == 200 and r.root == "list", r
    return r.numbers()


def gap(h, query):
    """(misses, deflections) of the gap of query, read through a connection of its own."""
    r = Client(h).get("/knowledge-gaps", user=KM, params={"limit": 500})
    assert r.status == 200, r
    rows = [(g.get("misses"), g.get("deflections")) for g in r.findall("i:gap")
            if g.text == query]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def stored(database, word):
    """Whether a row of itsm_search_gap names word in the database itself."""
    return any(word in row for row in database.snapshot().get("itsm_search_gap", []))


def test_a_gap_is_read_right_after_its_search(delayed):
    word = "countgap" + tag().lower().replace("-", "")
    assert search(delayed, word) == []
    assert gap(delayed, word) == ("1", "0")


@pytest.mark.parametrize("user,narrowing", [("bob", {"state": "draft"}),
                                            (KM, {"open": "false"}),
                                            (KM, {"updated_after": "2000-01-01T00:00:00Z"})])
def test_a_narrowed_search_that_finds_nothing_is_no_gap(delayed, user, narrowing):
    """A reader's state=draft is always empty: the filter emptied the answer, not the
    knowledge base (an exploratory tester's finding). The same words alone are a gap."""
    word = "countnarrow" + tag().lower().replace("-", "")
    r = Client(delayed).get("/articles", user=user, params=dict(narrowing, q=word))
    assert r.status == 200 and r.root == "list" and r.numbers() == [], r
    assert gap(delayed, word) is None
    assert search(delayed, word, user=user) == []
    assert gap(delayed, word) == ("1", "0")


def test_n_searches_then_one_read_give_n_misses(delayed):
    word = "countmany" + tag().lower().replace("-", "")
    for _ in range(7):
        assert search(delayed, word) == []
    assert gap(delayed, word) == ("7", "0")
    for _ in range(3):          # a second batch adds to the row the first wrote
        search(delayed, word)
    assert gap(delayed, word) == ("10", "0")


def test_a_case_after_a_search_that_found_articles_is_a_failed_deflection(delayed, client):
    t = tag()
    article_in(client, "published", audience="all", title="Counted reads %s" % t)
    assert len(search(delayed, "counted reads " + t, user="bob")) == 1
    create(Client(delayed), "cases", "bob", title="Reads still missing",
           description="The article did not help")
    assert gap(delayed, "counted reads " + t) == ("0", "1")
    create(Client(delayed), "cases", "bob", title="Again", description="spent")
    assert gap(delayed, "counted reads " + t) == ("0", "1")


def test_counts_wait_off_the_search_and_the_timer_writes_them(delayed, database):
    word = "counttimer" + tag().lower().replace("-", "")
    since = delayed.log_size()
    search(delayed, word)
    assert not stored(database, word)           # not written by the search itself
    assert poll(lambda: stored(database, word), 10), "the timer did not write the count"
    assert "ITSM00858" in delayed.log_since(since)
    assert gap(delayed, word) == ("1", "0")


def test_a_long_delay_is_exact_for_reads_and_creates_and_written_at_exit(env, make_httpd,
                                                                        delayed, client,
                                                                        database):
    h = make_httpd("counts-long", itsm=directives(env, "3600"))
    h.start()
    word = "countlong" + tag().lower().replace("-", "")
    search(h, word)
    assert gap(h, word) == ("1", "0")            # the read wrote it: no timer in 3600 s
    t = tag()
    article_in(client, "published", audience="all", title="Long delay %s" % t)
    assert len(search(h, "long delay " + t, user="bob")) == 1
    create(Client(h), "cases", "bob", title="Not helped", description="The create wrote it")
    assert gap(h, "long delay " + t) == ("0", "1")
    search(h, word)
    search(h, word)
    h.stop()                                     # the children's exit writes the last two
    assert gap(delayed, word) == ("3", "0")


def test_delay_0_writes_each_count_with_its_search(env, make_httpd, database):
    h = make_httpd("counts-zero", itsm=directives(env, "0"))
    h.start()
    word = "countzero" + tag().lower().replace("-", "")
    search(h, word)
    assert stored(database, word)               # in the database before any read
    search(h, word)
    assert gap(h, word) == ("2", "0")


@pytest.mark.parametrize("value", ["-1", "lots", "3601", "1.5", "1s"])
def test_a_bad_count_delay_refuses_to_start(env, make_httpd, value):
    assert_refuses_to_start(env, make_httpd, "counts-bad", {"ITSMSearchCountDelay": value},
                            r"ITSMSearchCountDelay takes a whole number from 0 to 3600, not '%s'"
                            % value.replace(".", r"\."))


FAULT = {
    "sqlite3": ("CREATE TRIGGER itsm_test_fault BEFORE INSERT ON itsm_search_gap "
                "BEGIN SELECT RAISE(ABORT, 'injected fault for the test'); END;",
                "DROP TRIGGER itsm_test_fault;"),
    "pgsql": ("CREATE OR REPLACE FUNCTION itsm_test_fault() RETURNS trigger LANGUAGE plpgsql AS "
              "$$BEGIN RAISE EXCEPTION 'injected fault for the test'; END$$; "
              "CREATE TRIGGER itsm_test_fault BEFORE INSERT ON itsm_search_gap "
              "FOR EACH ROW EXECUTE FUNCTION itsm_test_fault();",
              "DROP TRIGGER itsm_test_fault ON itsm_search_gap;"),
}


def test_a_failed_write_of_the_counts_is_logged_kept_once_then_dropped(env, database,
                                                                        make_httpd):
    """The database refuses the gaps' rows (a trigger): the searches and the reads are
    answered all the same; a failed batch goes back into the log for one more try, and is
    dropped when that one fails too."""
    h = fresh_server(env, database, "counts-fault", itsm=directives(env, "3600"),
                     make=make_httpd)
    assert search(h, "warmup") == []            # the schema is there for the trigger
    assert gap(h, "warmup") == ("1", "0")       # and the log empty
    add, drop = FAULT[database.driver]
    database.execute(add, h.dbd_params)
    kept = "countkept" + tag().lower().replace("-", "")
    since = h.log_size()
    assert search(h, kept) == []                # the search never fails
    assert gap(h, kept) is None                 # the read answers what the database holds
    log = h.log_since(since)
    assert "ITSM00852" in log and "injected fault for the test" in log, log
    assert "1 rows kept for one more try, 0 dropped" in log, log
    database.execute(drop, h.dbd_params)
    assert gap(h, kept) == ("1", "0")           # the next flush wrote it

    lost = "countlost" + tag().lower().replace("-", "")
    database.execute(add, h.dbd_params)
    search(h, lost)
    assert gap(h, lost) is None
    since = h.log_size()
    assert gap(h, lost) is None                 # its second failure
    assert "0 rows kept for one more try, 1 dropped" in h.log_since(since)
    database.execute(drop, h.dbd_params)
    assert gap(h, lost) is None                 # dropped: nothing left to write
    search(h, lost)
    assert gap(h, lost) == ("1", "0")           # counting goes on
