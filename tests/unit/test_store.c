/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The store's group commit on a real SQLite database, driven by many threads as httpd's
 * workers drive it: every create gets its own number and exactly one journal entry, of
 * the writers racing to change one ticket from one version exactly one wins, and a lost
 * race never costs another writer of the same transaction its write; the native reader
 * (store_rows.c) leaves no statement open behind a read, whichever way the read ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_dbd.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "unit_main.h"
#include "itsm_codec.h"
#include "itsm_store.h"
#include "store_int.h"

static const itsm_kind_t test_kind = { .kind = "test" };

#ifndef ITSM_SRCDIR
#define ITSM_SRCDIR "."
#endif

#define THREADS 12
#define ROUNDS 25
static const apr_dbd_driver_t *driver;
static const char *dbfile;
static itsm_write_queue_t *queue;

typedef struct {
    apr_dbd_t *handle;
    apr_pool_t *pool;
    apr_hash_t *cache;
    itsm_store_t *st;
} conn_t;

static apr_status_t conn_close(void *data)
{
    conn_t *c = data;

    apr_dbd_close(driver, c->handle);
    return APR_SUCCESS;
}

/* A connection of its own, closed with the test's pool in teardown. */
static conn_t *conn_open(void)
{
    conn_t *c = apr_pcalloc(pool, sizeof *c);
    const char *err = NULL;

    assert_int_equal(apr_pool_create(&c->pool, pool), APR_SUCCESS);
    assert_int_equal(apr_dbd_open_ex(driver, c->pool, dbfile, &c->handle, &err), APR_SUCCESS);
    apr_pool_cleanup_register(c->pool, c, conn_close, apr_pool_cleanup_null);
    c->cache = apr_hash_make(c->pool);
    assert_int_equal(itsm_store_bind(&c->st, driver, c->handle, c->cache, c->pool, queue,
                                     c->pool, &err), APR_SUCCESS);
    return c;
}

static itsm_journal_t *entry(apr_pool_t *p, const char *action)
{
    itsm_journal_t *j = apr_pcalloc(p, sizeof *j);

    j->at = apr_time_now();
    j->actor = "agent1";
    j->action = action;
    j->changes = apr_array_make(p, 1, sizeof(itsm_change_t));
    j->party = "ELEX";
    j->summary = action;
    return j;
}

static itsm_ticket_t *new_ticket(apr_pool_t *p, const char *title)
{
    itsm_ticket_t *t = apr_pcalloc(p, sizeof *t);

    t->kind = "test";
    t->party = "ELEX";
    t->state = "open";
    t->title = title;
    t->opened = t->updated = apr_time_now();
    t->created_by = "agent1";
    t->fields = apr_table_make(p, 2);
    return t;
}

static int setup(void **state)
{
    apr_array_header_t *kinds;
    apr_dbd_t *handle;
    const char *err = NULL, *dir;

    assert_int_equal(apr_dbd_init(pool), APR_SUCCESS);
    if (apr_dbd_get_driver(pool, "sqlite3", &driver) != APR_SUCCESS)
        fail_msg("apr_dbd's sqlite3 driver is not installed (libaprutil1-dbd-sqlite3)");
    assert_int_equal(apr_temp_dir_get(&dir, pool), APR_SUCCESS);
    dbfile = apr_psprintf(pool, "%s/itsm-test-store-%" APR_PID_T_FMT ".db", dir, getpid());
    apr_file_remove(dbfile, pool);
    assert_int_equal(itsm_store_child_init(pool, NULL), APR_SUCCESS);
    assert_int_equal(itsm_store_queue_create(&queue, pool), APR_SUCCESS);
    kinds = apr_array_make(pool, 1, sizeof(const itsm_kind_t *));
    APR_ARRAY_PUSH(kinds, const itsm_kind_t *) = &test_kind;
    assert_int_equal(apr_dbd_open_ex(driver, pool, dbfile, &handle, &err), APR_SUCCESS);
    if (itsm_store_migrate(driver, handle, ITSM_SRCDIR "/schemas/sql", kinds, NULL, pool,
                           &err)
        != APR_SUCCESS)
        fail_msg("migration: %s", err);
    apr_dbd_close(driver, handle);
    return 0;
}

/* A database's files: the database, its WAL and its shared memory. */
static void remove_database(const char *path)
{
    const char *suffix[] = { "", "-wal", "-shm" };
    size_t i;

    for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++)
        apr_file_remove(apr_pstrcat(pool, path, suffix[i], NULL), pool);
}

static int teardown(void **state)
{
    remove_database(dbfile);
    return 0;
}

/* ---- many creates ---------------------------------------------------------------------- */

typedef struct {
    conn_t *c;
    int n;
    char number[ROUNDS][16];    /* not in the shared pool: APR pools are not thread-safe */
    apr_status_t rv[ROUNDS];
} creator_t;

static void *APR_THREAD_FUNC creator(apr_thread_t *thd, void *data)
{
    creator_t *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < ROUNDS; i++) {
        itsm_ticket_t *t = new_ticket(p, apr_psprintf(p, "creator %d ticket %d", w->n, i));

        w->rv[i] = itsm_store_create(w->c->st, t, "TST", entry(p, "create"), p);
        if (w->rv[i] == APR_SUCCESS)
            apr_cpystrn(w->number[i], t->number, sizeof w->number[i]);
    }
    apr_pool_destroy(p);
    apr_thread_exit(thd, APR_SUCCESS);
    return NULL;
}

static void concurrent_creates_get_distinct_numbers(void **state)
{
    creator_t w[THREADS];
    apr_thread_t *thd[THREADS];
    apr_hash_t *seen = apr_hash_make(pool);
    itsm_write_stats_t s0, s1;
    apr_time_t before = apr_time_now();
    apr_status_t rv;
    int i, k;

    itsm_store_write_stats(queue, &s0);
    for (i = 0; i < THREADS; i++) {
        w[i].c = conn_open();
        w[i].n = i;
        assert_int_equal(apr_thread_create(&thd[i], NULL, creator, &w[i], pool), APR_SUCCESS);
    }
    for (i = 0; i < THREADS; i++)
        apr_thread_join(&rv, thd[i]);
    for (i = 0; i < THREADS; i++)
        for (k = 0; k < ROUNDS; k++) {
            itsm_ticket_t *t;
            apr_array_header_t *journal;

            assert_int_equal(w[i].rv[k], APR_SUCCESS);
            assert_null(apr_hash_get(seen, w[i].number[k], APR_HASH_KEY_STRING));
            apr_hash_set(seen, w[i].number[k], APR_HASH_KEY_STRING, "");
            assert_int_equal(itsm_store_get(w[0].c->st, &t, "test", w[i].number[k], "*", pool),
                             APR_SUCCESS);
            assert_string_equal(t->title, apr_psprintf(pool, "creator %d ticket %d", i, k));
            assert_int_equal(itsm_store_journal(w[0].c->st, &journal, t->id, pool), APR_SUCCESS);
            assert_int_equal(journal->nelts, 1);
        }
    assert_int_equal(apr_hash_count(seen), THREADS * ROUNDS);
    for (k = 1; k <= THREADS * ROUNDS; k++)      /* numbers 1..n, none lost or skipped */
        assert_non_null(apr_hash_get(seen, apr_psprintf(pool, "TST%07d", k), APR_HASH_KEY_STRING));
    itsm_store_write_stats(queue, &s1);
    assert_int_equal(s1.writes - s0.writes, THREADS * ROUNDS);
    assert_true(s1.transactions - s0.transactions >= 1
                && s1.transactions - s0.transactions <= s1.writes - s0.writes);
    /* the batches' time: some, and within the time the creates took (one writer at a time) */
    assert_true(s1.busy > s0.busy);
    assert_true(s1.busy - s0.busy <= apr_time_now() - before);
    assert_true(s1.since <= before);
    print_message("%" APR_UINT64_T_FMT " creates in %" APR_UINT64_T_FMT " transactions\n",
                  s1.writes - s0.writes, s1.transactions - s0.transactions);
}

/* ---- racing updates beside creates ----------------------------------------------------- */

typedef struct {
    conn_t *c;
    int n;
    const itsm_ticket_t *base;  /* the contended ticket as all racers read it */
    apr_status_t update_rv;
    apr_status_t create_rv;
    char created[16];           /* not in the shared pool: APR pools are not thread-safe */
} racer_t;

static void *APR_THREAD_FUNC racer(apr_thread_t *thd, void *data)
{
    racer_t *w = data;
    apr_pool_t *p;
    itsm_ticket_t *t;

    apr_pool_create(&p, NULL);
    if (w->n % 2) {
        t = apr_pmemdup(p, w->base, sizeof *t);
        t->title = apr_psprintf(p, "winner %d", w->n);
        t->version = w->base->version + 1;
        w->update_rv = itsm_store_update(w->c->st, t, entry(p, "update"), p);
    }
    else {
        t = new_ticket(p, apr_psprintf(p, "beside %d", w->n));
        w->create_rv = itsm_store_create(w->c->st, t, "TST", entry(p, "create"), p);
        if (w->create_rv == APR_SUCCESS)
            apr_cpystrn(w->created, t->number, sizeof w->created);
    }
    apr_pool_destroy(p);
    apr_thread_exit(thd, APR_SUCCESS);
    return NULL;
}

static void lost_races_fail_alone(void **state)
{
    conn_t *c[THREADS];
    int round, i;

    for (i = 0; i < THREADS; i++)
        c[i] = conn_open();
    for (round = 0; round < ROUNDS; round++) {
        racer_t w[THREADS];
        apr_thread_t *thd[THREADS];
        itsm_ticket_t *base = new_ticket(pool, "contended"), *after;
        apr_array_header_t *journal;
        apr_status_t rv;
        int wins = 0, losses = 0;

        assert_int_equal(itsm_store_create(c[0]->st, base, "TST", entry(pool, "create"), pool),
                         APR_SUCCESS);
        for (i = 0; i < THREADS; i++) {
            w[i] = (racer_t){ c[i], i, base, APR_SUCCESS, APR_SUCCESS, "" };
            assert_int_equal(apr_thread_create(&thd[i], NULL, racer, &w[i], pool), APR_SUCCESS);
        }
        for (i = 0; i < THREADS; i++)
            apr_thread_join(&rv, thd[i]);
        for (i = 0; i < THREADS; i++) {
            if (i % 2) {
                wins += w[i].update_rv == APR_SUCCESS;
                losses += w[i].update_rv == APR_EAGAIN;
                continue;
            }
            assert_int_equal(w[i].create_rv, APR_SUCCESS);
            assert_int_equal(itsm_store_get(c[0]->st, &after, "test", w[i].created, "*", pool),
                             APR_SUCCESS);
            assert_string_equal(after->title, apr_psprintf(pool, "beside %d", i));
        }
        assert_int_equal(wins, 1);
        assert_int_equal(losses, THREADS / 2 - 1);
        assert_int_equal(itsm_store_get(c[0]->st, &after, "test", base->number, "*", pool),
                         APR_SUCCESS);
        assert_int_equal(after->version, 2);
        assert_int_equal(strncmp(after->title, "winner ", 7), 0);
        assert_int_equal(itsm_store_journal(c[0]->st, &journal, base->id, pool), APR_SUCCESS);
        assert_int_equal(journal->nelts, 2);     /* create and the one update */
    }
}

/* ---- the native reader ------------------------------------------------------------------ */

/* apr_dbd_prepare's placeholders, as its own parser reads them (apr-util dbd/apr_dbd.c). */
static void placeholders_as_apr_dbd_prepare(void **state)
{
    static const struct {
        const char *in, *out;
        int nargs;
    } cases[] = {
        { "SELECT 1", "SELECT 1", 0 },
        { "a = %s AND b = CAST(%s AS BIGINT)", "a = ? AND b = CAST(? AS BIGINT)", 2 },
        { "strftime('%%Y-%%m', x)", "strftime('%Y-%m', x)", 0 },
        { "%d %u %f %hd %hhu %ld %lld %lf %pDt %pDz", "? ? ? ? ? ? ? ? ? ?", 10 },
        { "%hx %llf %pX %pDq", "?x ?lf ?X ?Dq", 4 },
        { "50% off, % s, end %", "50% off, % s, end %", 0 },
        { "%s%s", "??", 2 },
    };
    size_t i;
    int n;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(native_sql(pool, cases[i].in, &n), cases[i].out);
        assert_int_equal(n, cases[i].nargs);
    }
    assert_null(native_sql(pool, "x = %pDb", &n));      /* a blob takes three more values */
    assert_null(native_sql(pool, "x = %pDc", &n));
}

/* The statements of c's connection that hold a read open (stepped, not reset). */
static int busy_statements(conn_t *c, int *all)
{
    sqlite3 *db = apr_dbd_native_handle(driver, c->handle);
    sqlite3_stmt *s = NULL;
    int busy = 0;

    *all = 0;
    while ((s = sqlite3_next_stmt(db, s)) != NULL) {
        busy += sqlite3_stmt_busy(s) != 0;
        ++*all;
    }
    return busy;
}

static int count_rows(itsm_store_t *st, rows_t *res, apr_pool_t *p)
{
    row_t *row = NULL;
    int n = 0;

    while (next_row(st->driver, p, res, &row))
        n += col(st, row, 0) != NULL;
    return n;
}

/* Reads through the store end their statements; a read nested in another's rows gets a
 * statement of its own; a cursor left before its end is ended by rows_close or
 * itsm_store_release. */
static void reads_leave_no_statement_open(void **state)
{
    conn_t *c = conn_open();
    apr_array_header_t *none = apr_array_make(pool, 1, sizeof(const char *)), *journal;
    const char *sql = "SELECT number FROM itsm_ticket WHERE kind = 'test' ORDER BY id";
    itsm_ticket_t *t = new_ticket(pool, "read me"), *got;
    rows_t *outer, *inner;
    row_t *row = NULL;
    int all, all_before, n, total;

    (void)state;
    assert_int_equal(itsm_store_create(c->st, t, "TST", entry(pool, "create"), pool),
                     APR_SUCCESS);
    assert_int_equal(itsm_store_get(c->st, &got, "test", t->number, "*", pool), APR_SUCCESS);
    assert_int_equal(itsm_store_get(c->st, &got, "test", "TST-none", "*", pool), APR_NOTFOUND);
    assert_int_equal(itsm_store_journal(c->st, &journal, t->id, pool), APR_SUCCESS);
    assert_int_equal(busy_statements(c, &all), 0);

    assert_int_equal(select_sql(c->st, pool, &outer, "SELECT COUNT(*) FROM itsm_ticket "
                                "WHERE kind = 'test'", none), APR_SUCCESS);
    assert_true(next_row(c->st->driver, pool, outer, &row));
    total = (int)col_i64(c->st, row, 0);
    assert_false(next_row(c->st->driver, pool, outer, &row));
    assert_true(total > 0);

    /* nested: the same statement again while its first cursor stands on a row */
    assert_int_equal(select_sql(c->st, pool, &outer, sql, none), APR_SUCCESS);
    busy_statements(c, &all_before);
    assert_true(next_row(c->st->driver, pool, outer, &row));
    assert_int_equal(select_sql(c->st, pool, &inner, sql, none), APR_SUCCESS);
    assert_int_equal(busy_statements(c, &all), 2);
    assert_int_equal(all, all_before + 1);              /* the throwaway */
    assert_int_equal(count_rows(c->st, inner, pool), total);
    assert_int_equal(busy_statements(c, &all), 1);
    assert_int_equal(all, all_before);                  /* finalized at its end */
    assert_int_equal(count_rows(c->st, outer, pool), total - 1);
    assert_int_equal(busy_statements(c, &all), 0);

    /* early exits */
    assert_int_equal(select_sql(c->st, pool, &outer, sql, none), APR_SUCCESS);
    assert_true(next_row(c->st->driver, pool, outer, &row));
    rows_close(outer);
    assert_int_equal(busy_statements(c, &all), 0);
    assert_false(next_row(c->st->driver, pool, outer, &row));
    assert_int_equal(select_sql(c->st, pool, &outer, sql, none), APR_SUCCESS);
    assert_int_equal(select_sql(c->st, pool, &inner, sql, none), APR_SUCCESS);
    assert_int_equal(busy_statements(c, &all), 2);
    itsm_store_release(c->st);
    assert_int_equal(busy_statements(c, &all), 0);
    assert_int_equal(all, all_before);
    n = 0;
    while (next_row(c->st->driver, pool, inner, &row))
        n++;
    assert_int_equal(n, 0);
}

/* A read left open keeps its snapshot: a write on the same connection after another
 * connection's write would fail (SQLITE_BUSY_SNAPSHOT). Ended reads keep none: the write
 * after them succeeds and the reads after see it. */
static void a_write_after_reads_sees_the_newest(void **state)
{
    conn_t *a = conn_open(), *b = conn_open();
    apr_array_header_t *none = apr_array_make(pool, 1, sizeof(const char *));
    itsm_ticket_t *t = new_ticket(pool, "first"), *seen, *next;
    rows_t *left;
    row_t *row = NULL;
    int i, all;

    (void)state;
    assert_int_equal(itsm_store_create(a->st, t, "TST", entry(pool, "create"), pool),
                     APR_SUCCESS);
    for (i = 0; i < 20; i++) {
        /* a's reads, one of them left on its first row and ended by the release */
        assert_int_equal(itsm_store_get(a->st, &seen, "test", t->number, "*", pool),
                         APR_SUCCESS);
        assert_int_equal(seen->version, 2 * i + 1);
        assert_int_equal(select_sql(a->st, pool, &left, "SELECT id FROM itsm_ticket", none),
                         APR_SUCCESS);
        assert_true(next_row(a->st->driver, pool, left, &row));
        itsm_store_release(a->st);
        /* b writes, then a writes from what it read */
        next = apr_pmemdup(pool, seen, sizeof *seen);
        next->version = seen->version + 1;
        next->title = apr_psprintf(pool, "b %d", i);
        assert_int_equal(itsm_store_update(b->st, next, entry(pool, "update"), pool),
                         APR_SUCCESS);
        assert_int_equal(itsm_store_get(a->st, &seen, "test", t->number, "*", pool),
                         APR_SUCCESS);
        assert_string_equal(seen->title, next->title);
        next = apr_pmemdup(pool, seen, sizeof *seen);
        next->version = seen->version + 1;
        next->title = apr_psprintf(pool, "a %d", i);
        if (itsm_store_update(a->st, next, entry(pool, "update"), pool) != APR_SUCCESS)
            fail_msg("a's write after its reads: %s", itsm_store_error(a->st));
    }
    assert_int_equal(itsm_store_get(b->st, &seen, "test", t->number, "*", pool), APR_SUCCESS);
    assert_string_equal(seen->title, "a 19");
    assert_int_equal(busy_statements(a, &all) + busy_statements(b, &all), 0);
}

static const char *joined(const apr_array_header_t *a)
{
    return apr_array_pstrcat(pool, a, '|');
}

/* An audience field's entries: each once, market roles as keys (lower case, '-' for ' '),
 * anything else refused with a reason naming it. */
static void audience_entries_parse(void **state)
{
    apr_array_header_t *keys;
    const char *why = NULL;

    (void)state;
    assert_int_equal(itsm_store_audience_parse(pool, " all party:ALPE\tmarket-role:Supplier-AGENT "
                                               "role:knowledge-manager all", 0, &keys, &why),
                     APR_SUCCESS);
    assert_string_equal(joined(keys),
                        "all|party:ALPE|market-role:supplier-agent|role:knowledge-manager");
    assert_int_equal(itsm_store_audience_parse(pool, NULL, 0, &keys, &why), APR_SUCCESS);
    assert_int_equal(keys->nelts, 0);
    assert_int_equal(itsm_store_audience_parse(pool, "all group:x", 0, &keys, &why), APR_EINVAL);
    assert_non_null(strstr(why, "'group:x'"));
    assert_int_equal(itsm_store_audience_parse(pool, "party:", 0, &keys, &why), APR_EINVAL);
    assert_int_equal(itsm_store_audience_parse(pool, "All", 0, &keys, &why), APR_EINVAL);
    /* at most max entries (twins count once); 0: as many as there are (a stored value) */
    assert_int_equal(itsm_store_audience_parse(pool, "all role:a all role:b role:a", 3, &keys,
                                               &why), APR_SUCCESS);
    assert_int_equal(keys->nelts, 3);
    assert_int_equal(itsm_store_audience_parse(pool, "all role:a role:b role:c", 3, &keys, &why),
                     APR_EINVAL);
    assert_non_null(strstr(why, "at most 3 entries"));
    assert_int_equal(itsm_store_audience_parse(pool, "all role:a role:b role:c", 0, &keys, &why),
                     APR_SUCCESS);
    assert_int_equal(keys->nelts, 4);
}

/* A person's keys: all, own and acted-for parties, the party's market roles, roles. */
static void audience_keys_of_a_person(void **state)
{
    itsm_identity_t who = { .uid = "prov1", .party = "ESGS" };

    (void)state;
    who.acts_for = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(who.acts_for, const char *) = "ALPE";
    who.market_roles = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(who.market_roles, const char *) = "Supplier Agent";
    who.roles = apr_array_make(pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(who.roles, const char *) = "market-participant";
    assert_string_equal(joined(itsm_store_audience_keys(pool, &who)),
                        "all|party:ESGS|party:ALPE|market-role:supplier-agent|"
                        "role:market-participant");
}

/* Integers bound to statements, in decimal: the ends of the range, zero, the carries. */
static void integers_in_decimal(void **state)
{
    (void)state;
    assert_string_equal(i64(pool, 0), "0");
    assert_string_equal(i64(pool, 9), "9");
    assert_string_equal(i64(pool, 10), "10");
    assert_string_equal(i64(pool, -1), "-1");
    assert_string_equal(i64(pool, 1764720000), "1764720000");
    assert_string_equal(i64(pool, INT64_MAX), "9223372036854775807");
    assert_string_equal(i64(pool, INT64_MIN), "-9223372036854775808");
    assert_string_equal(secs(pool, apr_time_from_sec(1764720000) + 999999), "1764720000");
}

/* path and what it holds (a symbolic link removed, not followed). */
static void remove_tree(const char *path, apr_pool_t *p)
{
    apr_finfo_t fi;
    apr_dir_t *d;
    apr_status_t rv;

    rv = apr_stat(&fi, path, APR_FINFO_LINK | APR_FINFO_TYPE, p);
    if ((rv == APR_SUCCESS || rv == APR_INCOMPLETE) && fi.filetype == APR_DIR
        && apr_dir_open(&d, path, p) == APR_SUCCESS) {
        /* APR_INCOMPLETE (APR's answer when it cannot fill every field asked): the name is */
        while ((rv = apr_dir_read(&fi, APR_FINFO_NAME, d)) == APR_SUCCESS
               || rv == APR_INCOMPLETE)
            if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0)
                remove_tree(apr_pstrcat(p, path, "/", fi.name, NULL), p);
        apr_dir_close(d);
        apr_dir_remove(path, p);
    }
    else
        apr_file_remove(path, p);
}

static const char *probe_root;  /* migration_comments_ending_in_semicolons's directory */

/* That directory removed after the test, whether it passed or failed midway. */
static int remove_probe_root(void **state)
{
    (void)state;
    if (probe_root)
        remove_tree(probe_root, pool);
    probe_root = NULL;
    return 0;
}

/* A migration's comments never end a statement, even when their sentence ends in ';': the
 * shipped migrations (symbolic links in a directory of its own: links are read through) and
 * one more whose comments end so before, inside and after its statements (comment lines,
 * and comments after code on its line), with a quoted "--" that is no comment, migrate a
 * fresh database, and the table and row the extra one makes are there. A later migration
 * whose last statement no line ends is refused, and none of it is written. */
static void migration_comments_ending_in_semicolons(void **state)
{
    const char *tmp, *root, *dir, *db, *src = ITSM_SRCDIR "/schemas/sql/sqlite3", *err = NULL;
    apr_array_header_t *kinds = apr_array_make(pool, 1, sizeof(const itsm_kind_t *));
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_dbd_t *handle;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_dir_t *d;
    int rows = 0;
    static const char extra[] =
        "-- a comment whose sentence ends in a semicolon;\n"
        "CREATE TABLE itsm_comment_probe (\n"
        "    -- a comment line inside the statement;\n"
        "    a INTEGER NOT NULL, -- a comment after code, inside the statement;\n"
        "    b INTEGER NOT NULL\n"
        ");\n"
        "  -- an indented one;\n"
        "INSERT INTO itsm_comment_probe (a, b) VALUES (1, 2); -- after the statement's end\n"
        "UPDATE itsm_comment_probe SET b = b + length('it''s -- no comment;') WHERE a = 1;\n"
        "-- and the last line;\n";
    static const char unended[] =
        "CREATE TABLE itsm_unended_probe (a INTEGER);\n"
        "INSERT INTO itsm_unended_probe (a) VALUES (1) -- its end forgotten;\n"
        "-- a comment line;\n";

    (void)state;
    assert_int_equal(apr_temp_dir_get(&tmp, pool), APR_SUCCESS);
    probe_root = root = apr_psprintf(pool, "%s/itsm-test-migrations-%" APR_PID_T_FMT, tmp,
                                     getpid());
    dir = apr_pstrcat(pool, root, "/sqlite3", NULL);
    assert_int_equal(apr_dir_make_recursive(dir, APR_OS_DEFAULT, pool), APR_SUCCESS);
    assert_int_equal(apr_dir_open(&d, src, pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS)
        if (fi.filetype == APR_REG && strstr(fi.name, ".sql"))
            assert_int_equal(symlink(apr_pstrcat(pool, src, "/", fi.name, NULL),
                                     apr_pstrcat(pool, dir, "/", fi.name, NULL)), 0);
    apr_dir_close(d);
    assert_int_equal(apr_file_open(&f, apr_pstrcat(pool, dir, "/9999-comments.sql", NULL),
                                   APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                                   APR_OS_DEFAULT, pool), APR_SUCCESS);
    assert_int_equal(apr_file_write_full(f, extra, sizeof extra - 1, NULL), APR_SUCCESS);
    apr_file_close(f);

    db = apr_pstrcat(pool, root, "/comments.db", NULL);
    APR_ARRAY_PUSH(kinds, const itsm_kind_t *) = &test_kind;
    assert_int_equal(apr_dbd_open_ex(driver, pool, db, &handle, &err), APR_SUCCESS);
    if (itsm_store_migrate(driver, handle, root, kinds, NULL, pool, &err) != APR_SUCCESS)
        fail_msg("migration: %s", err);
    assert_int_equal(apr_dbd_select(driver, pool, handle, &res,
                                    "SELECT a, b FROM itsm_comment_probe", 0), 0);
    while (apr_dbd_get_row(driver, pool, res, &row, -1) == 0) {
        assert_string_equal(apr_dbd_get_entry(driver, row, 0), "1");
        assert_string_equal(apr_dbd_get_entry(driver, row, 1), "21");
        rows++;
    }
    assert_int_equal(rows, 1);
    res = NULL;
    assert_int_equal(apr_dbd_select(driver, pool, handle, &res,
                                    "SELECT MAX(version) FROM itsm_schema", 0), 0);
    row = NULL;
    assert_int_equal(apr_dbd_get_row(driver, pool, res, &row, -1), 0);
    assert_string_equal(apr_dbd_get_entry(driver, row, 0), "9999");
    while (apr_dbd_get_row(driver, pool, res, &row, -1) == 0)
        ;

    /* a migration whose last statement no line ends is refused whole, not cut short */
    assert_int_equal(apr_file_open(&f, apr_pstrcat(pool, dir, "/10000-unended.sql", NULL),
                                   APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                                   APR_OS_DEFAULT, pool), APR_SUCCESS);
    assert_int_equal(apr_file_write_full(f, unended, sizeof unended - 1, NULL), APR_SUCCESS);
    apr_file_close(f);
    err = NULL;
    assert_int_equal(itsm_store_migrate(driver, handle, root, kinds, NULL, pool, &err),
                     APR_EGENERAL);
    assert_non_null(err);
    assert_non_null(strstr(err, "migration 10000-unended.sql ends in a statement that no line"));
    res = NULL;
    assert_int_not_equal(apr_dbd_select(driver, pool, handle, &res,
                                        "SELECT a FROM itsm_unended_probe", 0), 0);
    apr_dbd_close(driver, handle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_creates_get_distinct_numbers),
        cmocka_unit_test(lost_races_fail_alone),
        cmocka_unit_test(placeholders_as_apr_dbd_prepare),
        cmocka_unit_test(reads_leave_no_statement_open),
        cmocka_unit_test(a_write_after_reads_sees_the_newest),
        cmocka_unit_test(audience_entries_parse),
        cmocka_unit_test(audience_keys_of_a_person),
        cmocka_unit_test(integers_in_decimal),
        cmocka_unit_test_teardown(migration_comments_ending_in_semicolons, remove_probe_root),
    };

    return itsm_unit_main(tests, setup, teardown);
}
