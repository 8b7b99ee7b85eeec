/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The ticket store on mod_dbd's connections: tickets, journal, links, lists, counts, indexes.
 * All SQL lives in the store's files (this one; store_queue.c: write transactions and group
 * commit; store_migrate.c: migrations; store_rows.c: the reader, which runs the statements
 * on SQLite's native handle and through apr_dbd on PostgreSQL); the SQLite/PostgreSQL
 * differences are the dialect table below and the migration files, nowhere else.
 * Statements are prepared once per connection; every query a person's request makes carries
 * the caller's party scope. Absent values are stored as '' (never NULL) so that the same
 * statements serve both drivers. */
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_global_mutex.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itsm_codec.h"
#include "store_int.h"

static const char *const sqlite_setup[] = {
    /* wait on the write lock instead of the driver's 100 ms sleeps */
    "PRAGMA busy_timeout = " APR_STRINGIFY(ITSM_SQLITE_BUSY_MS),
    "PRAGMA synchronous = NORMAL",  /* safe with WAL: a crash loses at most the last commits */
    "PRAGMA foreign_keys = ON",
    /* No memory map: a connection that finds the WAL changed by another connection since
     * its last transaction unmaps the whole file and maps it anew; with several mod_dbd
     * connections per process that was an munmap (and its TLB shoot-down) per transaction. */
    "PRAGMA mmap_size = 0",
    /* 8 MB of pages per connection (SQLite's default is 2 MB): a list reads index and
     * ticket pages all over a large database, and each page not cached is a pread and a copy
     * (a list of open tickets by group at 1,000,000 incidents: 1,760 -> 530 us of CPU). At
     * DBDMax 16 that is up to 128 MB per process; a connection drops its pages whenever
     * another connection has written since its last transaction, as before. */
    "PRAGMA cache_size = -8192",
    /* Checkpoints: SQLite's own every 1,000 WAL pages on these connections; the process's
     * writer connection checkpoints off the write lock instead (store_queue.c,
     * checkpoint_after), and the WAL starts again from 4,000 pages (16 MB) on. A WAL that
     * grew longer meanwhile (a long read kept it from starting again) gives its file back
     * down to 20 MB when it does. */
    "PRAGMA journal_size_limit = 20971520",
    NULL
};
static const char *const pgsql_setup[] = {
    "SET client_min_messages = warning",    /* a search word that is an english stop word */
    NULL
};

static const dialect_t dialects[] = {
    { "sqlite3", "BEGIN IMMEDIATE", NULL, "BEGIN EXCLUSIVE", "instr",
      "strftime('%%Y-%%m', t.opened, 'unixepoch')", "+", sqlite_setup, search_rank_register, 1,
      1, 1, 1 },
    { "pgsql", "BEGIN", "SELECT pg_advisory_xact_lock(7374776)", "BEGIN", "strpos",
      "to_char(to_timestamp(t.opened) AT TIME ZONE 'UTC', 'YYYY-MM')", "", pgsql_setup, NULL, 0,
      0, 0, 0 },
};

const dialect_t *dialect_of(const apr_dbd_driver_t *driver)
{
    const char *name = apr_dbd_name(driver);
    size_t i;

    for (i = 0; i < sizeof dialects / sizeof dialects[0]; i++)
        if (strcmp(dialects[i].driver, name) == 0)
            return &dialects[i];
    return NULL;
}

enum {
    S_COUNTER_NEXT,
    S_COUNTER_BUMP,
    S_COUNTER_GET,
    S_TICKET_INSERT,
    S_TICKET_INSERT_PLAIN,
    S_TICKET_UPDATE,
    S_TICKET_BUMP,
    S_JOURNAL_INSERT,
    S_JOURNAL_INSERT_PLAIN,
    S_JOURNAL_LIST,
    S_LINK_INSERT,
    S_LINK_DELETE,
    S_OUTBOX_INSERT,
    S_TAGGED,
    S_SLA_OPEN,
    S_SLA_MARK,
    S_FIELD_INSERT,
    S_UNIQUE_CLEAR,
    S_UNIQUE_INSERT,
    S_CLOCK_CLEAR,
    S_CLOCK_INSERT,
    S_AUDIENCE_CLEAR,
    S_AUDIENCE_INSERT,
    S_VERSION_RETIRE,
    S_VERSION_INSERT,
    S_VERSION_LIST,
    S_VERSION_LIST_FIELDS,
    S_VERSION_GET,
    S_TICKET_FINISHED,
    S_FIELD_PUT,
    S_FIELD_DROP,
    S_CLOCK_PUT,
    S_FIELD_OPEN,
    S_COUNT
};

/* Statements of a fixed shape. Queries whose shape follows the request (the party scope,
 * the filters of a list) are composed by the functions under "queries" below from these
 * fragments and whitelisted column names only, every value bound, and prepared once per
 * connection and shape (see prepared()). */
static const char *const statements[S_COUNT] = {
    [S_COUNTER_NEXT] =
        "UPDATE itsm_counter SET next_value = next_value + 1 WHERE kind = %s RETURNING next_value",
    /* the same in two statements (SQLite: see plain_writes) */
    [S_COUNTER_BUMP] = "UPDATE itsm_counter SET next_value = next_value + 1 WHERE kind = %s",
    [S_COUNTER_GET] = "SELECT next_value FROM itsm_counter WHERE kind = %s",
    [S_TICKET_INSERT] =
        "INSERT INTO itsm_ticket (number, kind, party, state, title, priority, assignee, grp, "
        "opened, updated, created_by, version, fields, tags, sla_open, is_open) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, " INT ", " INT ", %s, " INT ", %s, %s, " INT
        ", " INT ") RETURNING id",
    /* the same without RETURNING (SQLite: see plain_writes) */
    [S_TICKET_INSERT_PLAIN] =
        "INSERT INTO itsm_ticket (number, kind, party, state, title, priority, assignee, grp, "
        "opened, updated, created_by, version, fields, tags, sla_open, is_open) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, " INT ", " INT ", %s, " INT ", %s, %s, " INT
        ", " INT ")",
    /* its finished rule is repeated in update_in_tx's count group as written */
    [S_TICKET_UPDATE] =
        "UPDATE itsm_ticket SET finished = CASE WHEN " INT " = 1 THEN NULL WHEN is_open = 1 "
        "THEN " INT " ELSE finished END, party = %s, state = %s, title = %s, priority = %s, "
        "assignee = %s, grp = %s, updated = " INT ", version = " INT ", fields = %s, tags = %s, "
        "sla_open = " INT ", sla_notified = %s, is_open = " INT " WHERE id = " INT
        " AND version = " INT,
    [S_TICKET_BUMP] =
        "UPDATE itsm_ticket SET version = " INT ", updated = " INT " WHERE id = " INT
        " AND version = " INT,
    [S_JOURNAL_INSERT] =
        "INSERT INTO itsm_journal (ticket_id, at, actor, action, changes, note) "
        "VALUES (" INT ", " INT ", %s, %s, %s, %s) RETURNING id",
    [S_JOURNAL_INSERT_PLAIN] =
        "INSERT INTO itsm_journal (ticket_id, at, actor, action, changes, note) "
        "VALUES (" INT ", " INT ", %s, %s, %s, %s)",
    [S_JOURNAL_LIST] =
        "SELECT id, at, actor, action, changes, note FROM itsm_journal "
        "WHERE ticket_id = " INT " ORDER BY id",
    [S_LINK_INSERT] =
        "INSERT INTO itsm_link (from_id, to_id, type, at, actor) "
        "VALUES (" INT ", " INT ", %s, " INT ", %s) ON CONFLICT DO NOTHING",
    [S_LINK_DELETE] =
        "DELETE FROM itsm_link WHERE from_id = " INT " AND to_id = " INT " AND type = %s",
    [S_OUTBOX_INSERT] =
        "INSERT INTO itsm_outbox (ticket_id, recipient, party, party_wide, at, actor, action, "
        "summary, journal_id) VALUES (" INT ", %s, %s, " INT ", " INT ", %s, %s, %s, " INT ")",
    [S_TAGGED] =
        "SELECT " TICKET_COLS " FROM itsm_ticket t WHERE t.kind = %s AND t.tags <> '' "
        "AND STRPOS(t.tags, %s) > 0 "
        "ORDER BY t.id LIMIT 200",
    [S_SLA_OPEN] =
        "SELECT " TICKET_COLS " FROM itsm_ticket t WHERE t.kind = %s AND t.sla_open = 1 "
        "AND t.id > " INT " ORDER BY t.id LIMIT " INT,
    [S_SLA_MARK] =
        "UPDATE itsm_ticket SET sla_open = " INT ", sla_notified = %s WHERE id = " INT
        " AND version = " INT,
    [S_FIELD_INSERT] =
        "INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open) "
        "VALUES (" INT ", %s, %s, %s, " INT ")",
    [S_UNIQUE_CLEAR] = "DELETE FROM itsm_unique WHERE ticket_id = " INT,
    [S_UNIQUE_INSERT] =
        "INSERT INTO itsm_unique (kind, name, value, ticket_id) VALUES (%s, %s, %s, " INT ") "
        "ON CONFLICT DO NOTHING",
    [S_CLOCK_CLEAR] = "DELETE FROM itsm_sla_clock WHERE ticket_id = " INT,
    [S_CLOCK_INSERT] =
        "INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due) "
        "VALUES (" INT ", %s, %s, %s, " INT ", " INT ")",
    [S_AUDIENCE_CLEAR] =
        "DELETE FROM itsm_audience WHERE ticket_id = " INT " AND published = " INT,
    [S_AUDIENCE_INSERT] =
        "INSERT INTO itsm_audience (ticket_id, published, member) VALUES (" INT ", " INT ", %s)",
    [S_VERSION_RETIRE] =
        "UPDATE itsm_version SET current = 0 WHERE ticket_id = " INT " AND current = 1",
    [S_VERSION_INSERT] =
        "INSERT INTO itsm_version (ticket_id, n, at, actor, title, state, fields, "
        "ticket_version, current) VALUES (" INT ", " INT ", " INT ", %s, %s, %s, %s, " INT ", 1)",
    [S_VERSION_LIST] =
        "SELECT n, at, actor, title, state, current FROM itsm_version WHERE ticket_id = " INT
        " ORDER BY n",
    /* the same with each earlier version's fields, for its audience (version_audience_admits) */
    [S_VERSION_LIST_FIELDS] =
        "SELECT n, at, actor, title, state, current, CASE WHEN current = 1 THEN '' ELSE "
        "fields END FROM itsm_version WHERE ticket_id = " INT " ORDER BY n",
    [S_VERSION_GET] =
        "SELECT at, title, state, fields, ticket_version, current, actor FROM itsm_version "
        "WHERE ticket_id = " INT " AND n = " INT,
    /* a ticket created in a final state (an import) finished when it was written */
    [S_TICKET_FINISHED] = "UPDATE itsm_ticket SET finished = " INT " WHERE id = " INT,
    /* an update's field and clock rows: written only where they changed (an unchanged row's
     * entries in the indexes are not rewritten) */
    [S_FIELD_PUT] =
        "INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open) "
        "VALUES (" INT ", %s, %s, %s, " INT ") ON CONFLICT (ticket_id, name) DO UPDATE SET "
        "value = excluded.value, is_open = excluded.is_open WHERE itsm_field_index.value <> "
        "excluded.value OR itsm_field_index.is_open <> excluded.is_open",
    [S_FIELD_DROP] = "DELETE FROM itsm_field_index WHERE ticket_id = " INT " AND name = %s",
    [S_CLOCK_PUT] =
        "INSERT INTO itsm_sla_clock (ticket_id, clock, kind, settled, warn_at, due) "
        "VALUES (" INT ", %s, %s, %s, " INT ", " INT ") ON CONFLICT (ticket_id, clock) DO UPDATE "
        "SET settled = excluded.settled, warn_at = excluded.warn_at, due = excluded.due "
        "WHERE itsm_sla_clock.settled <> excluded.settled OR itsm_sla_clock.warn_at <> "
        "excluded.warn_at OR itsm_sla_clock.due <> excluded.due",
    /* the open flag of a row the ticket's write does not put (ITSM_FIELD_VOTES) */
    [S_FIELD_OPEN] =
        "UPDATE itsm_field_index SET is_open = " INT " WHERE ticket_id = " INT " AND name = %s "
        "AND is_open <> " INT,
};

/* sql with each "name(" replaced by to "(" */
static const char *replace_calls(apr_pool_t *p, const char *sql, const char *name, const char *to)
{
    const char *s = sql, *hit;
    char *out = "";

    while ((hit = strstr(s, name)) != NULL) {
        out = apr_pstrcat(p, out, apr_pstrndup(p, s, (apr_size_t)(hit - s)), to, "(", NULL);
        s = hit + strlen(name);
    }
    return apr_pstrcat(p, out, s, NULL);
}

/* A statement in the dialect: each "STRPOS(" becomes the dialect's function, and
 * "UNINDEXED(x)" an expression of x that the planner does not serve from an index on x
 * (SQLite's unary +; PostgreSQL plans by its statistics). */
const char *dialect_sql(apr_pool_t *p, const dialect_t *d, const char *sql)
{
    return replace_calls(p, replace_calls(p, sql, "STRPOS(", d->strpos), "UNINDEXED(",
                         d->unindexed);
}


#define CACHE_KEY "itsm_store.statements"

/* Whether a Party ID can stand in a scope: the scope lists parties between commas and its
 * parts between newlines (scope_parse), so an ID holding either (the directory's syntax
 * allows them) would read as other parties. Such an ID is left out: less access, not more. */
static int scope_party_ok(const char *id)
{
    const unsigned char *s;

    for (s = (const unsigned char *)id; *s; s++)
        if (*s == ',' || *s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

const char *itsm_store_scope(apr_pool_t *p, int all, const char *party,
                             const apr_array_header_t *acts_for)
{
    const char *s;
    int i;

    if (all)
        return "*";
    s = apr_pstrcat(p, ",", party && scope_party_ok(party) ? party : "", ",", NULL);
    for (i = 0; acts_for && i < acts_for->nelts; i++)
        if (scope_party_ok(APR_ARRAY_IDX(acts_for, i, const char *)))
            s = apr_pstrcat(p, s, APR_ARRAY_IDX(acts_for, i, const char *), ",", NULL);
    return s;
}

const char *itsm_store_error(itsm_store_t *st)
{
    const char *e = st->error_text ? st->error_text
                                   : apr_dbd_error(st->driver, st->handle, st->error);

    return e ? e : "unknown database error";
}

/* v in decimal, in p. By hand: every bound integer of every statement passes here, and
 * apr_psprintf's formatter took ten times the instructions of the digits. */
const char *i64(apr_pool_t *p, apr_int64_t v)
{
    char buf[24], *o = buf + sizeof buf;
    apr_uint64_t u = v < 0 ? 0 - (apr_uint64_t)v : (apr_uint64_t)v;

    *--o = '\0';
    do
        *--o = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--o = '-';
    return apr_pstrmemdup(p, o, (apr_size_t)(buf + sizeof buf - o - 1));
}

const char *secs(apr_pool_t *p, apr_time_t t)
{
    return i64(p, apr_time_sec(t));
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static const char *null_if_empty(const char *s)
{
    return s && *s ? s : NULL;
}

/* A prepared apr_dbd statement (PostgreSQL, and SQLite's migrations) with its n values args:
 * its rows into *res, or (res NULL) run as a write, *changes the rows it changed. */
static apr_status_t run_dbd(itsm_store_t *st, apr_pool_t *p, rows_t **res, int *changes,
                            apr_dbd_prepared_t *stmt, int n, const char **args)
{
    apr_dbd_results_t *dres = NULL;
    int dummy;

    st->cut_short = 0;
    if (res == NULL) {
        st->error = apr_dbd_pquery(st->driver, p, st->handle, changes ? changes : &dummy,
                                   stmt, n, args);
        return st->error ? APR_EGENERAL : APR_SUCCESS;
    }
    st->error = apr_dbd_pselect(st->driver, p, st->handle, &dres, stmt, 0, n, args);
    *res = rows_of(st, p, dres);
    return st->error ? APR_EGENERAL : APR_SUCCESS;
}

/* The store's fixed statement which, as run_dbd says; on SQLite through the native handle. */
static apr_status_t run_fixed(itsm_store_t *st, apr_pool_t *p, rows_t **res, int *changes,
                              int which, int n, const char **args)
{
    struct sqlite3_stmt *native;

    if (res)
        *res = NULL;
    st->error_text = NULL;
    if (st->native)
        return native_fixed(st, which, statements[which], &native, p) != APR_SUCCESS
               ? APR_EGENERAL : native_run(st, p, native, n, args, res, changes);
    return run_dbd(st, p, res, changes, st->stmt[which], n, args);
}

/* Run a statement; *rows receives the affected count. */
static apr_status_t exec(itsm_store_t *st, apr_pool_t *p, int *rows, int which, int n,
                         const char **args)
{
    return run_fixed(st, p, NULL, rows, which, n, args);
}

static apr_status_t select_rows(itsm_store_t *st, apr_pool_t *p, rows_t **res,
                                int which, int n, const char **args)
{
    return run_fixed(st, p, res, NULL, which, n, args);
}

/* The next row of a raw apr_dbd result (the connection set-up, migrations). The pgsql
 * driver keeps its position in *row: NULL before the first call, left alone between calls. */
int dbd_next_row(const apr_dbd_driver_t *driver, apr_pool_t *p, apr_dbd_results_t *res,
                 apr_dbd_row_t **row)
{
    return apr_dbd_get_row(driver, p, res, row, -1) == 0;
}

/* ---- queries of request-made shapes ----------------------------------------------------- */

#define DYN_COUNT_KEY "itsm_store.dynamic"

/* The statement for sql on this connection, prepared on first use. The shapes are bounded:
 * sql is made only of the fragments below, whitelisted column names and %s for values. */
apr_status_t prepared(itsm_store_t *st, const char *sql, apr_dbd_prepared_t **out,
                      apr_pool_t *p)
{
    int *made;
    const char *key;

    *out = apr_hash_get(st->conn_cache, sql, APR_HASH_KEY_STRING);
    if (*out)
        return APR_SUCCESS;
    made = apr_hash_get(st->conn_cache, DYN_COUNT_KEY, APR_HASH_KEY_STRING);
    if (made == NULL) {
        made = apr_pcalloc(st->conn_pool, sizeof *made);
        apr_hash_set(st->conn_cache, DYN_COUNT_KEY, APR_HASH_KEY_STRING, made);
    }
    st->error_text = NULL;
    st->cut_short = 0;
    st->error = apr_dbd_prepare(st->driver, st->conn_pool, st->handle,
                                dialect_sql(p, st->dialect, sql),
                                apr_psprintf(st->conn_pool, "itsm_d%d", ++*made), out);
    if (st->error)
        return APR_EGENERAL;
    key = apr_pstrdup(st->conn_pool, sql);
    apr_hash_set(st->conn_cache, key, APR_HASH_KEY_STRING, *out);
    return APR_SUCCESS;
}

/* sql (a request-made shape) with its n values args: its rows into *res, or (res NULL) run
 * as a write, *changes the rows it changed. */
static apr_status_t run_shape(itsm_store_t *st, apr_pool_t *p, rows_t **res, int *changes,
                              const char *sql, int n, const char **args)
{
    apr_dbd_prepared_t *stmt = NULL;   /* the pgsql driver fills a non-NULL one in */
    struct sqlite3_stmt *native;

    if (res)
        *res = NULL;
    st->error_text = NULL;
    if (st->native)
        return native_shape(st, sql, &native, p) != APR_SUCCESS
               ? APR_EGENERAL : native_run(st, p, native, n, args, res, changes);
    if (prepared(st, sql, &stmt, p) != APR_SUCCESS)
        return APR_EGENERAL;
    return run_dbd(st, p, res, changes, stmt, n, args);
}

apr_status_t select_sql(itsm_store_t *st, apr_pool_t *p, rows_t **res,
                        const char *sql, const apr_array_header_t *args)
{
    return run_shape(st, p, res, NULL, sql, args->nelts, (const char **)args->elts);
}

static void push_once(apr_array_header_t *out, const char *v)
{
    int i;

    for (i = 0; i < out->nelts && strcmp(APR_ARRAY_IDX(out, i, const char *), v); i++)
        ;
    if (i == out->nelts)
        APR_ARRAY_PUSH(out, const char *) = v;
}

/* A scope is "*" or ",ID1,ID2," (itsm_store_scope), optionally followed by the caller's
 * audience (itsm_store_scope_audience): "\n", the versioned kinds read as published (each
 * followed by ' '), then "\n" before each key. */
typedef struct scope_t {
    apr_array_header_t *parties;    /* NULL: every party */
    apr_array_header_t *keys;       /* the caller's audience keys, each once */
    const char *published;          /* " kind kind ": versioned kinds read as published */
    int everyone;                   /* t is the copy's itsm_search_row: its column everyone
                                     * says whether the copy's audience holds "all" */
} scope_t;

/* Push each non-empty piece of s (cut in place at sep) once: apr_strtok's pieces, without its
 * scan of the delimiter set per byte (a scope is parsed on every request). */
static void push_pieces(apr_array_header_t *out, char *s, char sep)
{
    while (s) {
        char *end = strchr(s, sep);

        if (end)
            *end++ = '\0';
        if (*s)
            push_once(out, s);
        s = end;
    }
}

static scope_t scope_parse(apr_pool_t *p, const char *scope)
{
    scope_t sc = { NULL, apr_array_make(p, 4, sizeof(const char *)), " ", 0 };
    char *s = apr_pstrdup(p, scope ? scope : ""), *aud = strchr(s, '\n');

    if (aud) {
        char *keys = strchr(++aud, '\n');

        aud[-1] = '\0';
        if (keys)
            *keys++ = '\0';
        sc.published = apr_pstrcat(p, " ", aud, NULL);
        push_pieces(sc.keys, keys, '\n');
    }
    if (strcmp(s, "*") == 0)
        return sc;
    sc.parties = apr_array_make(p, 4, sizeof(const char *));
    push_pieces(sc.parties, s, ',');
    return sc;
}

const char *itsm_store_scope_audience(apr_pool_t *p, const char *scope,
                                      const apr_array_header_t *keys,
                                      const apr_array_header_t *published)
{
    const char *s = apr_pstrcat(p, scope, "\n", NULL);
    int i;

    for (i = 0; published && i < published->nelts; i++)
        s = apr_pstrcat(p, s, APR_ARRAY_IDX(published, i, const char *), " ", NULL);
    for (i = 0; keys && i < keys->nelts; i++)
        if (!strchr(APR_ARRAY_IDX(keys, i, const char *), '\n'))
            s = apr_pstrcat(p, s, "\n", APR_ARRAY_IDX(keys, i, const char *), NULL);
    return s;
}

void arg(apr_array_header_t *args, const char *v)
{
    APR_ARRAY_PUSH(args, const char *) = v;
}

/* "(%s, ...)" for the values, padded with repeats to 1, 2, 4, 8, ... values so that lists of
 * similar width share a statement; an empty list is ('') ("" is no party and no key). */
const char *in_list(apr_pool_t *p, const apr_array_header_t *values,
                    apr_array_header_t *args)
{
    const char *sql = "(%s";
    int width = 1, i;

    while (width < values->nelts)
        width *= 2;
    for (i = 0; i < width; i++) {
        arg(args, values->nelts ? APR_ARRAY_IDX(values, i < values->nelts ? i : 0, const char *)
                                : "");
        if (i)
            sql = apr_pstrcat(p, sql, ", %s", NULL);
    }
    return apr_pstrcat(p, sql, ")", NULL);
}

/* " AND col IN (%s, ...)" for the parties; "" for every party. A scope without any party
 * matches nothing ("" is no party: tickets always have one). */
static const char *scope_sql(apr_pool_t *p, const apr_array_header_t *parties, const char *col,
                             apr_array_header_t *args)
{
    if (parties == NULL)
        return "";
    return apr_pstrcat(p, " AND ", col, " IN ", in_list(p, parties, args), NULL);
}

const char *scope_parties_sql(apr_pool_t *p, const char *scope, const char *col,
                              apr_array_header_t *args)
{
    return scope_sql(p, scope_parse(p, scope).parties, col, args);
}

int scope_reads_published(apr_pool_t *p, const char *scope, const char *kind)
{
    return strstr(scope_parse(p, scope).published, apr_pstrcat(p, " ", kind, " ", NULL)) != NULL;
}

int has_key(const apr_array_header_t *keys, const char *key)
{
    int i;

    for (i = 0; i < keys->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(keys, i, const char *), key) == 0)
            return 1;
    return 0;
}

/* How a query sees tickets of audience kinds: not at all (party kinds only), by the
 * working copy's audience, by the published version's, or by either (a ticket of any kind). */
enum { AUDIENCE_NONE, AUDIENCE_WORKING, AUDIENCE_PUBLISHED, AUDIENCE_ANY };

/* The scope condition on t: " AND t.party IN (...)", or with an audience, " AND (t.party IN
 * (...) OR EXISTS (an audience row of t naming one of the caller's keys))", every value
 * bound; "" for every party. A read of tickets of any kind (links, the feed: AUDIENCE_ANY)
 * applies to the kinds the caller reads as published what a read of such a kind applies:
 * only a ticket with a current published version, by its published audience. */
static const char *visible_sql(apr_pool_t *p, const scope_t *sc, int audience,
                               apr_array_header_t *args)
{
    static const char *const published[] = {
        [AUDIENCE_WORKING] = " AND a.published = 0",
        [AUDIENCE_PUBLISHED] = " AND a.published = 1", [AUDIENCE_ANY] = "",
    };
    apr_array_header_t *pub = NULL;
    const char *party, *kinds, *sql;
    char *list, *tok, *state;

    if (audience == AUDIENCE_ANY && strcmp(sc->published, " ") != 0) {
        pub = apr_array_make(p, 2, sizeof(const char *));
        list = apr_pstrdup(p, sc->published);
        for (tok = apr_strtok(list, " ", &state); tok; tok = apr_strtok(NULL, " ", &state))
            APR_ARRAY_PUSH(pub, const char *) = tok;
    }
    if (pub && pub->nelts) {
        static const char current[] = "EXISTS (SELECT 1 FROM itsm_version v WHERE "
                                      "v.ticket_id = t.id AND v.current = 1)";
        int versioned;

        /* each in_list binds its values in the order of the text: one per statement */
        kinds = in_list(p, pub, args);
        if (sc->parties == NULL)
            return apr_pstrcat(p, " AND (t.kind NOT IN ", kinds, " OR ", current, ")", NULL);
        sql = apr_pstrcat(p, " AND ((t.kind NOT IN ", kinds, NULL);
        for (versioned = 0; versioned < 2; versioned++) {
            if (versioned) {
                kinds = in_list(p, pub, args);
                sql = apr_pstrcat(p, sql, " OR (t.kind IN ", kinds, " AND ", current, NULL);
            }
            party = in_list(p, sc->parties, args);
            sql = apr_pstrcat(p, sql, " AND (t.party IN ", party, NULL);
            if (sc->keys->nelts) {
                const char *keys = in_list(p, sc->keys, args);

                sql = apr_pstrcat(p, sql, " OR EXISTS (SELECT 1 FROM itsm_audience a WHERE "
                                  "a.ticket_id = t.id AND a.published = ",
                                  versioned ? "1" : "0", " AND a.member IN ", keys, ")", NULL);
            }
            sql = apr_pstrcat(p, sql, "))", NULL);
        }
        return apr_pstrcat(p, sql, ")", NULL);
    }
    if (sc->parties == NULL)
        return "";
    if (audience == AUDIENCE_NONE || sc->keys->nelts == 0)
        return scope_sql(p, sc->parties, "t.party", args);
    party = in_list(p, sc->parties, args);
    return apr_pstrcat(p, " AND (",
                       sc->everyone && has_key(sc->keys, "all") ? "t.everyone = 1 OR " : "",
                       "t.party IN ", party, " OR EXISTS (SELECT 1 FROM itsm_audience "
                       "a WHERE a.ticket_id = t.id", published[audience], " AND a.member IN ",
                       in_list(p, sc->keys, args), "))", NULL);
}

/* The kind named name among st->kinds, NULL if not known to the store. */
const itsm_kind_t *kind_named(const apr_array_header_t *kinds, const char *name)
{
    int i;

    for (i = 0; kinds && i < kinds->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(kinds, i, const itsm_kind_t *)->kind, name) == 0)
            return APR_ARRAY_IDX(kinds, i, const itsm_kind_t *);
    return NULL;
}

/* Whether any kind the store knows is seen by an audience (kind NULL: a ticket of any kind). */
static int audience_kinds(const apr_array_header_t *kinds)
{
    int i;

    for (i = 0; kinds && i < kinds->nelts; i++)
        if (APR_ARRAY_IDX(kinds, i, const itsm_kind_t *)->visibility == ITSM_VISIBLE_AUDIENCE)
            return 1;
    return 0;
}

/* How a query of tickets of kind (NULL: any) within sc sees them: *audience (AUDIENCE_*),
 * and whether it reads the current published versions (readers of a versioned kind). */
static int read_mode(itsm_store_t *st, const char *kind, const scope_t *sc, int *published,
                     apr_pool_t *p)
{
    const itsm_kind_t *k = kind ? kind_named(st->kinds, kind) : NULL;

    *published = k && k->publish_action
                 && strstr(sc->published, apr_pstrcat(p, " ", kind, " ", NULL)) != NULL;
    if (kind == NULL)
        return audience_kinds(st->kinds) ? AUDIENCE_ANY : AUDIENCE_NONE;
    if (k == NULL || k->visibility != ITSM_VISIBLE_AUDIENCE)
        return AUDIENCE_NONE;
    return *published ? AUDIENCE_PUBLISHED : AUDIENCE_WORKING;
}

/* A market role as an audience key names it: lower case, spaces as '-'. */
static const char *market_role_key(apr_pool_t *p, const char *name)
{
    char *s = apr_pstrcat(p, "market-role:", name, NULL), *c;

    for (c = s + 12; *c; c++)
        *c = *c == ' ' ? '-' : (char)apr_tolower(*c);
    return s;
}

apr_status_t itsm_store_audience_parse(apr_pool_t *p, const char *value, int max,
                                       apr_array_header_t **keys, const char **why)
{
    static const char *const kinds[] = { "party:", "market-role:", "role:", NULL };
    char *s = apr_pstrdup(p, value ? value : ""), *tok, *state;
    apr_hash_t *seen = apr_hash_make(p);     /* twins found in constant time: a stored value
                                              * of an older build may hold thousands */
    const char *const *k, *key;

    *keys = apr_array_make(p, 4, sizeof(const char *));
    for (tok = apr_strtok(s, " \t\r\n", &state); tok; tok = apr_strtok(NULL, " \t\r\n", &state)) {
        if (strcmp(tok, "all") == 0)
            key = tok;
        else {
            for (k = kinds; *k && strncmp(tok, *k, strlen(*k)) != 0; k++)
                ;
            if (*k == NULL || tok[strlen(*k)] == '\0' || strlen(tok) > 200) {
                *why = apr_psprintf(p, "'%s' is not an audience: give all, party:ID, "
                                    "market-role:NAME or role:NAME, separated by spaces",
                                    itsm_utf8_clip(p, tok, 60, "..."));
                return APR_EINVAL;
            }
            key = k == kinds + 1 ? market_role_key(p, tok + 12) : tok;
        }
        if (apr_hash_get(seen, key, APR_HASH_KEY_STRING) == NULL) {
            apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
            APR_ARRAY_PUSH(*keys, const char *) = key;
        }
        if (max && (*keys)->nelts > max) {  /* each kept entry is compared with the next */
            *why = apr_psprintf(p, "an audience holds at most %d entries", max);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}
apr_array_header_t *itsm_store_audience_keys(apr_pool_t *p, const itsm_identity_t *who)
{
    apr_array_header_t *keys = apr_array_make(p, 8, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(keys, const char *) = "all";
    if (who->party)
        APR_ARRAY_PUSH(keys, const char *) = apr_pstrcat(p, "party:", who->party, NULL);
    for (i = 0; who->acts_for && i < who->acts_for->nelts; i++)
        APR_ARRAY_PUSH(keys, const char *) =
            apr_pstrcat(p, "party:", APR_ARRAY_IDX(who->acts_for, i, const char *), NULL);
    for (i = 0; who->market_roles && i < who->market_roles->nelts; i++)
        APR_ARRAY_PUSH(keys, const char *) =
            market_role_key(p, APR_ARRAY_IDX(who->market_roles, i, const char *));
    for (i = 0; who->roles && i < who->roles->nelts; i++)
        APR_ARRAY_PUSH(keys, const char *) =
            apr_pstrcat(p, "role:", APR_ARRAY_IDX(who->roles, i, const char *), NULL);
    return keys;
}

/* Rows of t's audience (kind k) as of its working copy (published 0) or its version being
 * published (1); none stored yet. */
static apr_status_t index_audience(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                                   int published, apr_pool_t *p)
{
    apr_array_header_t *keys;
    const char *why;
    apr_status_t rv;
    int i;

    if (k->visibility != ITSM_VISIBLE_AUDIENCE || k->audience_field == NULL)
        return APR_SUCCESS;
    if (itsm_store_audience_parse(p, apr_table_get(t->fields, k->audience_field), 0, &keys, &why)
            != APR_SUCCESS) {
        st->error_text = why;
        return APR_EINVAL;
    }
    for (i = 0, rv = APR_SUCCESS; rv == APR_SUCCESS && i < keys->nelts; i++) {
        const char *args[] = { i64(p, t->id), published ? "1" : "0",
                               APR_ARRAY_IDX(keys, i, const char *) };

        rv = exec(st, p, NULL, S_AUDIENCE_INSERT, 3, args);
    }
    return rv;
}

static int ticket_is_open(const itsm_kind_t *k, const char *state)
{
    const char *const *f;

    for (f = k ? k->final_states : NULL; f && *f; f++)
        if (strcmp(*f, state) == 0)
            return 0;
    return 1;
}

#define INDEXED_VALUE_MAX 200

/* The first INDEXED_VALUE_MAX bytes of v, cut at a character's boundary. */
static const char *indexed_value(apr_pool_t *p, const char *v)
{
    apr_size_t n = itsm_utf8_cut(v, INDEXED_VALUE_MAX);

    return v[n] ? apr_pstrndup(p, v, n) : v;
}

/* Rows of an ITSM_FIELD_VOTES field (its name the first value) of the tickets whose votes
 * which (a condition on itsm_vote's ticket_id) selects: the net helpfulness, each voter's
 * vote on the newest version they voted on, +1 helpful and -1 not (docs/knowledge.md), put
 * where it changed. Only tickets with votes get a row: no row ranks as no votes. */
#define VOTES_NET(which) \
    "INSERT INTO itsm_field_index (ticket_id, kind, name, value, is_open) " \
    "SELECT t.id, t.kind, CAST(%s AS TEXT), CAST(SUM(2 * v.helpful - 1) AS TEXT), t.is_open " \
    "FROM (SELECT ticket_id, login, MAX(n) AS n FROM itsm_vote WHERE " which \
    " GROUP BY ticket_id, login) l " \
    "JOIN itsm_vote v ON v.ticket_id = l.ticket_id AND v.n = l.n AND v.login = l.login " \
    "JOIN itsm_ticket t ON t.id = l.ticket_id GROUP BY t.id, t.kind, t.is_open " \
    "ON CONFLICT (ticket_id, name) DO UPDATE SET value = excluded.value " \
    "WHERE itsm_field_index.value <> excluded.value"

/* Rows of t's indexed fields (fresh: none stored yet; else each row put where its value or
 * the ticket's open flag changed, dropped where the field is now empty). Each row carries
 * the ticket's is_open (schema 18), written in the same transaction as the ticket's. The
 * votes write an ITSM_FIELD_VOTES field's row (VOTES_NET), not the ticket: a write of the
 * ticket moves only its open flag, which lists of open tickets filter on. */
static apr_status_t index_fields(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                                 int fresh, apr_pool_t *p)
{
    const itsm_field_t *fd;
    apr_status_t rv = APR_SUCCESS;

    for (fd = k->fields; rv == APR_SUCCESS && fd && fd->name; fd++) {
        const char *v = apr_table_get(t->fields, fd->name);

        if (!(fd->flags & ITSM_FIELD_INDEXED))
            continue;
        if ((fd->flags & ITSM_FIELD_VOTES) == ITSM_FIELD_VOTES) {
            const char *open = ticket_is_open(k, t->state) ? "1" : "0";
            const char *args[] = { open, i64(p, t->id), fd->name, open };

            if (!fresh)
                rv = exec(st, p, NULL, S_FIELD_OPEN, 4, args);
            continue;
        }
        if (v && *v) {
            const char *args[] = { i64(p, t->id), k->kind, fd->name, indexed_value(p, v),
                                   ticket_is_open(k, t->state) ? "1" : "0" };

            rv = exec(st, p, NULL, fresh ? S_FIELD_INSERT : S_FIELD_PUT, 5, args);
        }
        else if (!fresh) {
            const char *args[] = { i64(p, t->id), fd->name };

            rv = exec(st, p, NULL, S_FIELD_DROP, 2, args);
        }
    }
    return rv;
}

/* Rows of t's unique fields (ITSM_FIELD_UNIQUE; none stored yet for t): APR_EEXIST when
 * another ticket of the kind holds a value, the write's transaction then being refused whole.
 * The primary key of itsm_unique decides, so two writes of one value at once cannot both
 * pass (the check before the write, unique_ok in document.c, gives the friendlier answer). */
static apr_status_t index_unique(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                                 apr_pool_t *p)
{
    const itsm_field_t *fd;
    apr_status_t rv = APR_SUCCESS;

    for (fd = k->fields; rv == APR_SUCCESS && fd && fd->name; fd++) {
        const char *v = (fd->flags & ITSM_FIELD_UNIQUE) ? apr_table_get(t->fields, fd->name)
                                                        : NULL;
        int rows = 0;

        if (v && *v) {
            const char *args[] = { k->kind, fd->name, indexed_value(p, v), i64(p, t->id) };

            rv = exec(st, p, &rows, S_UNIQUE_INSERT, 4, args);
            if (rv == APR_SUCCESS && rows != 1) {
                st->error_text = apr_psprintf(p, "%s %s is not unique", k->kind, fd->name);
                rv = APR_EEXIST;
            }
        }
    }
    return rv;
}

/* Run sql, made of fixed fragments and %s for the values args (NULL: none): the one
 * prepare-and-run of built SQL. Prepared once per connection; on the migration's store (no
 * connection cache) once per migration when it keeps st->migration_stmts, else each time.
 * A kept statement is prepared in the pool of st->migration_stmts, not in p: a back-fill
 * runs each ticket in a pool it clears after it (backfill_tickets), and apr_dbd finalizes
 * a statement with its pool. */
apr_status_t exec_sql(itsm_store_t *st, apr_pool_t *p, const char *sql,
                      const apr_array_header_t *args)
{
    apr_dbd_prepared_t *stmt = NULL;   /* the pgsql driver fills a non-NULL one in */
    apr_hash_t *cache = st->migration_stmts;
    int rows;

    st->error_text = NULL;
    if (st->conn_cache)
        return run_shape(st, p, NULL, NULL, sql, args ? args->nelts : 0,
                         args ? (const char **)args->elts : NULL);
    if ((stmt = cache ? apr_hash_get(cache, sql, APR_HASH_KEY_STRING) : NULL) == NULL) {
        if (backfill_prepare(st, sql, &stmt, cache ? apr_hash_pool_get(cache) : p)
            != APR_SUCCESS)
            return APR_EGENERAL;
        if (cache)
            apr_hash_set(cache, apr_pstrdup(apr_hash_pool_get(cache), sql),
                         APR_HASH_KEY_STRING, stmt);
    }
    st->error = apr_dbd_pquery(st->driver, p, st->handle, &rows, stmt,
                               args ? args->nelts : 0,
                               args ? (const char **)args->elts : NULL);
    return st->error ? APR_EGENERAL : APR_SUCCESS;
}

/* What a create of t computes from t alone, made in the creating request's thread before the
 * transaction so that the one writer of a process (store_queue.c) does not: the fields
 * encoded, the clocks at t->updated (the write's time), the search index's texts. All of it
 * in the request's pool, which outlives the write (its thread waits for it). */
typedef struct {
    const char *fields;
    itsm_ticket_clock_t *clocks;
    int nclocks;
    int searched;               /* texts made (a searchable kind) */
    const char *texts[ITSM_SEARCH_BODY + 1];    /* by weight */
} create_work_t;

static void create_work(create_work_t *out, itsm_store_t *st, const itsm_ticket_t *t,
                        apr_pool_t *p)
{
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);

    memset(out, 0, sizeof *out);
    out->fields = itsm_codec_fields_encode(p, t->fields);
    if (k && st->sla)
        out->nclocks = itsm_ticket_clocks(&out->clocks, st->sla, k, t, t->updated, p);
    if (k && itsm_kind_searchable(k)) {
        search_texts(out->texts, k, t, p);
        out->searched = 1;
    }
}

/* Rows of t's SLA clocks (fresh: none stored yet; else each row put where it changed and the
 * rows of clocks t no longer has dropped); now: the time of the write, at which the status
 * of a paused clock is settled; work: the clocks made at that time already (create_work), or
 * NULL. A clock waiting for its event has no row: no list asks for
 * "not-started" (sla_statuses), so its row would be three b-tree entries written for
 * nothing, at every create of a kind whose clock starts later (a problem's root-cause). */
static apr_status_t index_clocks(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                                 int fresh, apr_time_t now, const create_work_t *work,
                                 apr_pool_t *p)
{
    itsm_ticket_clock_t *clocks = NULL;
    apr_status_t rv = APR_SUCCESS;
    int n = 0, i;
    apr_array_header_t *names;

    if (work) {
        clocks = work->clocks;
        n = work->nclocks;
    }
    else if (st->sla)
        n = itsm_ticket_clocks(&clocks, st->sla, k, t, now, p);
    names = apr_array_make(p, n > 0 ? n : 1, sizeof(const char *));
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        const itsm_ticket_clock_t *c = &clocks[i];

        if (c->started) {
            int running = !c->stopped && !c->paused;
            const char *args[] = {
                i64(p, t->id), c->name, k->kind, running ? "" : c->eval.status_name,
                running ? secs(p, c->eval.warn_at) : "0", running ? secs(p, c->eval.due) : "0"
            };

            rv = exec(st, p, NULL, fresh ? S_CLOCK_INSERT : S_CLOCK_PUT, 6, args);
            arg(names, c->name);
        }
    }
    if (rv == APR_SUCCESS && !fresh) {
        apr_array_header_t *args = apr_array_make(p, names->nelts + 1, sizeof(const char *));

        arg(args, i64(p, t->id));
        rv = names->nelts ? exec_sql(st, p, apr_pstrcat(p, "DELETE FROM itsm_sla_clock WHERE "
                                                        "ticket_id = " INT " AND clock NOT IN ",
                                                        in_list(p, names, args), NULL), args)
                          : exec(st, p, NULL, S_CLOCK_CLEAR, 1, (const char **)args->elts);
    }
    return rv;
}

/* The indexed fields and SLA clocks of t in their side tables (fresh: nothing there yet; else
 * only the rows that changed are written); work: what create_work made of t, or NULL. */
static apr_status_t index_ticket(itsm_store_t *st, const itsm_ticket_t *t, int fresh,
                                 apr_time_t now, const create_work_t *work, apr_pool_t *p)
{
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);
    const char *args[] = { i64(p, t->id) };
    apr_status_t rv = APR_SUCCESS;

    if (k == NULL)
        return APR_SUCCESS;
    if (!fresh && (rv = exec(st, p, NULL, S_UNIQUE_CLEAR, 1, args)) != APR_SUCCESS)
        return rv;
    if (!fresh && k->visibility == ITSM_VISIBLE_AUDIENCE) {
        const char *clear[] = { args[0], "0" };

        if ((rv = exec(st, p, NULL, S_AUDIENCE_CLEAR, 2, clear)) != APR_SUCCESS)
            return rv;
    }
    if ((rv = index_fields(st, k, t, fresh, p)) != APR_SUCCESS
        || (rv = index_unique(st, k, t, p)) != APR_SUCCESS
        || (rv = index_audience(st, k, t, 0, p)) != APR_SUCCESS
        || (rv = search_index(st, k, t, 0, fresh, work && work->searched ? work->texts : NULL,
                              p)) != APR_SUCCESS)
        return rv;
    return index_clocks(st, k, t, fresh, now, work, p);
}

/* The clocks in an SLA status at now, as conditions on the clock table c that the index on
 * (kind, settled, due, ticket_id, warn_at) serves: the running clocks by their times, the
 * settled ones by name. A time-dependent status is "due" or "warn_at" against
 * now; "+" keeps a second time column from being taken for the index. */
typedef struct {
    const char *status;
    const char *running;        /* NULL: the status is only ever settled */
    int nows;                   /* times the running condition binds now */
    const char *set;            /* NULL, or "FROM ... WHERE ..." of the running clocks of kind
                                 * (bound first) in the status for a set, binding now set_nows
                                 * times */
    int set_nows;
    int spread;                 /* a settled status most of the history holds (met, missed):
                                 * listed by probing each ticket, never counted */
} sla_status_sql_t;

/* The clocks in warning (warn_at <= now <= due) as a set: no range of one time answers that
 * two-sided condition (by due it read every clock not yet due: 5,648 entries for 1,414 clocks
 * in warning at 1,000,000 incidents). A clock of class k that reached its warning time is due
 * before now + hi, so each class is one range of itsm_sla_clock_span, now <= due < now + hi
 * (~1,900 entries there; 2,731 with classes of factor 2). CROSS JOIN: the classes drive
 * (SQLite keeps the order written). */
#define SLA_WARNING_SET "FROM " SLA_SPAN_CLASSES " CROSS JOIN itsm_sla_clock c WHERE " \
    "c.kind = %s AND c.settled = '' AND " SLA_SPAN_CLASS " = k.n AND c.due >= " INT \
    " AND c.due < " INT " + k.hi AND c.warn_at <= " INT

static const sla_status_sql_t sla_statuses[] = {
    { "breached", "c.settled = '' AND c.due < " INT, 1, NULL, 0, 0 },
    { "warning", "c.settled = '' AND c.due >= " INT " AND UNINDEXED(c.warn_at) <= " INT, 2,
      SLA_WARNING_SET, 3, 0 },
    /* warn_at <= due (warningPercent is at most 100): a range of due times, warn_at tested
     * on the index's own copy (schema 23: no index of the clocks by warning time) */
    { "in-sla", "c.settled = '' AND c.due > " INT " AND UNINDEXED(c.warn_at) > " INT, 2, NULL,
      0, 0 },
    { "met", NULL, 0, NULL, 0, 1 },
    { "missed", NULL, 0, NULL, 0, 1 },
    /* the clocks of withdrawn tickets: few, counted, a small set by the settled index */
    { "cancelled", NULL, 0, NULL, 0, 0 },
};

/* SLA_SMALL_SET: as a set, of at most SLA_SET_MAX tickets (a list: sla_dense) */
enum { SLA_AS_SET, SLA_PER_ROW, SLA_SMALL_SET };

/* "c.settled = " the status s, in the text where the dialect writes it there (d: SQLite, which
 * prepares a statement again at every new value bound to a parameter that decides whether a
 * partial index serves it, c.settled = ? against schema 19's WHERE settled = '': 0.4M
 * instructions a list of sla=breached, 1.6M for sla=warning), else bound (PostgreSQL, whose
 * generic plan of a bound status probes each ticket's clocks by key where its plans for the
 * named status read the clock table whole: 0.2 ms against 20 ms at 200,000 incidents). The
 * names are those of sla_statuses, never a request's. */
static const char *settled_sql(apr_pool_t *p, const dialect_t *d, const sla_status_sql_t *s,
                               apr_array_header_t *args)
{
    if (d->status_in_text)
        return apr_pstrcat(p, "c.settled = '", s->status, "'", NULL);
    arg(args, s->status);
    return "c.settled = %s";
}

/* The ids of the tickets with a clock in status s at now (at), one index range per part. */
static const char *sla_set_sql(apr_pool_t *p, const dialect_t *d, const char *kind,
                               const sla_status_sql_t *s, const char *at,
                               apr_array_header_t *args)
{
    const char *settled;
    int n;

    arg(args, kind);
    settled = apr_pstrcat(p, "SELECT c.ticket_id FROM itsm_sla_clock c WHERE c.kind = %s AND ",
                          settled_sql(p, d, s, args), NULL);
    if (s->running == NULL)
        return settled;
    arg(args, kind);
    for (n = 0; n < (s->set ? s->set_nows : s->nows); n++)
        arg(args, at);
    if (s->set)
        return apr_pstrcat(p, settled, " UNION ALL SELECT c.ticket_id ", s->set, NULL);
    return apr_pstrcat(p, settled, " UNION ALL SELECT c.ticket_id FROM itsm_sla_clock c "
                       "WHERE c.kind = %s AND ", s->running, NULL);
}

static const sla_status_sql_t *sla_status_sql(const char *status)
{
    size_t i;

    for (i = 0; i < sizeof sla_statuses / sizeof sla_statuses[0]; i++)
        if (strcmp(sla_statuses[i].status, status) == 0)
            return &sla_statuses[i];
    return NULL;
}

int itsm_store_sla_filterable(const char *status)
{
    return sla_status_sql(status) != NULL;
}

/* " AND ..." restricting t to tickets with a clock in f->sla: as a set (the ticket ids of
 * the clocks, each part from an index range) or per row (a probe of the ticket's clocks by
 * their primary key, for scans in the list's order). page: the set alone chooses the page of
 * a list in ticket order (sla_page), so only its first offset + limit + 1 tickets are
 * taken: SQLite keeps the smallest ids as it reads the set rather than an index of every id
 * it holds (1,414 tickets in warning at 1,000,000 incidents: 1.2M instructions less). */
static const char *sla_sql(apr_pool_t *p, const dialect_t *d, const char *kind,
                           const itsm_filter_t *f, int how, int page, apr_array_header_t *args)
{
    const sla_status_sql_t *s = sla_status_sql(f->sla);
    const char *at = secs(p, f->now);
    int n;

    if (s == NULL)
        return " AND 1 = 0";
    if (how == SLA_PER_ROW) {
        /* a clock in a status that time moves is not stopped: its ticket has sla_open */
        for (n = 0; s->running && n < s->nows; n++)
            arg(args, at);
        return apr_pstrcat(p, s->running ? " AND t.sla_open = 1" : "",
                           " AND EXISTS (SELECT 1 FROM itsm_sla_clock c WHERE c.ticket_id = "
                           "t.id AND (", s->running ? "(" : "", s->running ? s->running : "",
                           s->running ? ") OR " : "", settled_sql(p, d, s, args), "))", NULL);
    }
    if (how == SLA_SMALL_SET && page) {
        const char *sql = sla_set_sql(p, d, kind, s, at, args);

        arg(args, apr_itoa(p, f->offset + f->limit + 1));
        /* GROUP BY rather than DISTINCT: SQLite's DISTINCT ordered DESC cost 1.9M more */
        return apr_pstrcat(p, " AND t.id IN (SELECT s.ticket_id FROM (", sql, ") s GROUP BY "
                           "s.ticket_id ORDER BY s.ticket_id", f->descending ? " DESC" : "",
                           " LIMIT " INT ")", NULL);
    }
    return apr_pstrcat(p, " AND t.id IN (", sla_set_sql(p, d, kind, s, at, args), ")", NULL);
}

/* " AND t.col >= CAST(%s ...)" when bound is set. */
static const char *bound_sql(apr_pool_t *p, const char *col, const char *op, apr_time_t bound,
                             apr_array_header_t *args)
{
    if (bound == 0)
        return "";
    arg(args, secs(p, bound));
    return apr_pstrcat(p, " AND t.", col, " ", op, " " INT, NULL);
}

static const char *equal_sql(apr_pool_t *p, const char *col, const char *value,
                             apr_array_header_t *args)
{
    if (value == NULL)
        return "";
    arg(args, value);
    return apr_pstrcat(p, " AND t.", col, " = %s", NULL);
}

/* Whether a list with field filters reads the tickets through an index of their own (state,
 * assignee, group or party, each narrow and in creation order; open within a party scope)
 * and probes the field rows of each by primary key, rather than reading the field index:
 * the rows a field value matches are often spread over the whole history while those
 * tickets are few. Open tickets over every party read the first field's open rows
 * (schema 18: the field rows carry the ticket's open flag), which hold exactly the open
 * tickets of that value (at 1,000,000 incidents: 4.6M instructions of SQLite probing a
 * field row for each of ~1,000 open tickets, 0.3M reading the field's open rows). scoped:
 * the reading is within parties. */
static int fields_probed(const itsm_filter_t *f, int scoped)
{
    return f->nfields
           && ((f->open == 1 && scoped) || f->state || f->assignee || f->group || f->party);
}

/* " AND alias.is_open = 1" for a list of open tickets, "= 0" for one of closed ones
 * (ITSM_OPEN_CLOSED), "" for both. */
static const char *open_sql(apr_pool_t *p, const itsm_filter_t *f, const char *alias)
{
    if (!f->open)
        return "";
    return apr_pstrcat(p, " AND ", alias, f->open == ITSM_OPEN_CLOSED ? ".is_open = 0"
                                                                      : ".is_open = 1", NULL);
}

/* How a list or count reads: its scope, how it sees audiences (AUDIENCE_*), and whether it
 * reads the current published versions (v) of a versioned kind. */
typedef struct reading_t {
    scope_t sc;
    int audience;
    int published;
} reading_t;

static reading_t reading_of(itsm_store_t *st, const char *kind, const char *scope,
                            apr_pool_t *p)
{
    reading_t rd;

    rd.sc = scope_parse(p, scope);
    rd.audience = read_mode(st, kind, &rd.sc, &rd.published, p);
    return rd;
}

/* Whether the tickets of a list are exactly those of its SLA status's set: over every party,
 * filtered on nothing else, in ticket order from its start. */
static int sla_page(const reading_t *rd, const itsm_filter_t *f)
{
    return rd->sc.parties == NULL && rd->audience == AUDIENCE_NONE && !rd->published
           && f->sort == ITSM_SORT_NUMBER && !f->after && !f->state && !f->priority && !f->party
           && !f->assignee && !f->group && !f->open && !f->nfields && !f->opened_from
           && !f->opened_to && !f->updated_from && !f->updated_to && !f->id_from && !f->id_to;
}

/* The text of a sortable field (ITSM_SORT_FIELD) of the ticket t, '' when it has none, or,
 * with id, of the ticket of that id (bound): binds the field's name. */
static const char *field_key_sql(apr_pool_t *p, const char *id, const char *name,
                                 apr_array_header_t *args)
{
    if (id)
        arg(args, id);
    arg(args, name);
    return apr_pstrcat(p, "COALESCE((SELECT s.value FROM itsm_field_index s WHERE "
                       "s.ticket_id = ", id ? INT : "t.id", " AND s.name = %s), '')", NULL);
}

/* Keyset paging: " AND" the tickets after f->after in the list's order, a row-value
 * comparison (SQLite 3.15, PostgreSQL) with the id breaking ties, which the index of the
 * order serves as a range. The anchor's title or field is read by the query itself (its
 * text compared as the database orders it). */
static const char *after_sql(apr_pool_t *p, const itsm_filter_t *f, int scoped,
                             apr_array_header_t *args)
{
    const char *op = f->descending ? " < " : " > ", *id = i64(p, f->after), *sql;

    switch (f->sort) {
    case ITSM_SORT_OPENED:
    case ITSM_SORT_UPDATED:
        arg(args, secs(p, f->sort == ITSM_SORT_OPENED ? f->after_opened : f->after_updated));
        arg(args, id);
        return apr_pstrcat(p, " AND (t.", f->sort == ITSM_SORT_OPENED ? "opened" : "updated",
                           ", t.id)", op, "(" INT ", " INT ")", NULL);
    case ITSM_SORT_TITLE:
        arg(args, id);
        return apr_pstrcat(p, " AND (lower(t.title), t.id)", op, "(SELECT lower(a.title), "
                           "a.id FROM itsm_ticket a WHERE a.id = " INT ")", NULL);
    case ITSM_SORT_FIELD:
        sql = apr_pstrcat(p, " AND (", field_key_sql(p, NULL, f->sort_field, args), ", t.id)",
                          op, "(", NULL);
        sql = apr_pstrcat(p, sql, field_key_sql(p, id, f->sort_field, args), ", " INT ")", NULL);
        arg(args, id);
        return sql;
    default:    /* under a joined field filter, on the field index's own order (order_sql) */
        arg(args, id);
        return apr_pstrcat(p, f->nfields && !fields_probed(f, scoped) ? " AND f0.ticket_id"
                                                                      : " AND t.id",
                           op, INT, NULL);
    }
}

/* "FROM itsm_ticket t ... WHERE ..." of tickets of kind within the reading's scope matching
 * f, its values appended to args. */
static const char *from_where(itsm_store_t *st, apr_pool_t *p, const char *kind,
                              const reading_t *rd, const itsm_filter_t *f,
                              int sla_how, apr_array_header_t *args)
{
    const char *sql = rd->published ? "FROM itsm_ticket t" PUBLISHED_JOIN : "FROM itsm_ticket t";
    int scoped = rd->sc.parties != NULL, probed = fields_probed(f, scoped), i;

    /* the first field's rows drive (of open or closed tickets, its rows of that flag: the
     * ticket's own, the same tickets); the others are probed on the first's ticket id below */
    if (f->nfields && !probed) {
        sql = apr_pstrcat(p, sql, " JOIN itsm_field_index f0 ON f0.ticket_id = t.id AND "
                          "f0.kind = %s AND f0.name = %s AND f0.value = %s", open_sql(p, f, "f0"),
                          NULL);
        arg(args, kind);
        arg(args, f->field[0]);
        arg(args, indexed_value(p, f->value[0]));
    }
    /* one fragment at a time: each appends its values to args in the order of the text */
    arg(args, kind);
    /* Over every party, a small set of tickets with a clock in an SLA status drives the list
     * by primary key, in the order of its ids (no sort); every index of the tickets starts
     * with the kind, which the planner would otherwise take, reading every ticket of the set
     * and sorting them. (Within parties, their index probed for each id of the set reads
     * only their tickets' rows.) */
    sql = apr_pstrcat(p, sql, sla_how == SLA_SMALL_SET && rd->sc.parties == NULL
                              ? " WHERE UNINDEXED(t.kind) = %s" : " WHERE t.kind = %s", NULL);
    sql = apr_pstrcat(p, sql, visible_sql(p, &rd->sc, rd->audience, args), NULL);
    if (rd->published && f->state) {   /* a published version's state */
        arg(args, f->state);
        sql = apr_pstrcat(p, sql, " AND v.state = %s", NULL);
    }
    else
        sql = apr_pstrcat(p, sql, equal_sql(p, "state", f->state, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "priority", f->priority, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "party", f->party, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "assignee", f->assignee, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "grp", f->group, args), NULL);
    /* bounded by opening over open and closed tickets alike: a range of the opening index
     * for each value (schema 23: no index of the kind's tickets by opening alone) */
    sql = apr_pstrcat(p, sql, f->open || (!f->opened_from && !f->opened_to) ? open_sql(p, f, "t")
                              : " AND t.is_open IN (0, 1)", NULL);
    sql = apr_pstrcat(p, sql, bound_sql(p, "opened", ">=", f->opened_from, args), NULL);
    sql = apr_pstrcat(p, sql, bound_sql(p, "opened", "<=", f->opened_to, args), NULL);
    sql = apr_pstrcat(p, sql, bound_sql(p, "updated", ">=", f->updated_from, args), NULL);
    sql = apr_pstrcat(p, sql, bound_sql(p, "updated", "<=", f->updated_to, args), NULL);
    /* a scalar subquery, which no planner turns into a join reading the field's every row
     * (PostgreSQL joined a second field's 50,000 rows to the first's 24,448 and sorted them,
     * 39 ms, where the first's rows in order, each probed, give a page in under a ms); under
     * a joined first field, on its ticket id: each candidate is checked against the others'
     * rows before its ticket row is read */
    for (i = probed ? 0 : 1; i < f->nfields; i++) {
        sql = apr_pstrcat(p, sql, " AND (SELECT fp.value FROM itsm_field_index fp WHERE "
                          "fp.ticket_id = ", probed ? "t.id" : "f0.ticket_id",
                          " AND fp.name = %s) = %s", NULL);
        arg(args, f->field[i]);
        arg(args, indexed_value(p, f->value[i]));
    }
    if (f->sla)
        sql = apr_pstrcat(p, sql, sla_sql(p, st->dialect, kind, f, sla_how, sla_page(rd, f),
                                          args), NULL);
    if (f->after)
        sql = apr_pstrcat(p, sql, after_sql(p, f, scoped, args), NULL);
    return sql;
}

/* The FROM ... WHERE of a search of kind within scope matching f (store_search.c): as a
 * list's, with "FROM itsm_ticket t" replaced by from (the index rows joined to t);
 * *published: the caller reads published versions (v). narrow (may be NULL): the same
 * index rows joined to itsm_search_row as t (id, kind, party, everyone, dl), used when f
 * asks for nothing else; then the published version is not joined either: the index row
 * of a published copy is there exactly while its current published version is
 * (publication()), and a reader holding the key "all" sees a copy whose row says its
 * audience holds it (everyone, schema 20) without a look-up of the audience. */
const char *search_from_where(itsm_store_t *st, apr_pool_t *p, const char *kind,
                              const char *scope, const itsm_filter_t *f, const char *from,
                              const char *narrow, int *published, apr_array_header_t *args)
{
    reading_t rd = reading_of(st, kind, scope, p);
    const char *sql;

    *published = rd.published;
    if (narrow && !f->state && !f->priority && !f->assignee && !f->group && !f->open
        && !f->opened_from && !f->opened_to && !f->updated_from && !f->updated_to && !f->sla
        && !f->after && !fields_probed(f, rd.sc.parties != NULL)) {
        rd.published = 0;
        rd.sc.everyone = 1;
        from = narrow;
    }
    sql = from_where(st, p, kind, &rd, f, SLA_AS_SET, args);
    return apr_pstrcat(p, from, sql + strlen("FROM itsm_ticket t"), NULL);
}

/* ORDER BY of a list; qualified: on t (else on the columns of a union's rows). Under a
 * field filter, creation order is the field index's own order (f0.ticket_id = t.id), which
 * the planner then reads in order instead of sorting every match. */
static const char *order_sql(const itsm_filter_t *f, int qualified, int scoped)
{
    static const char *const cols[][2][2] = {
        [ITSM_SORT_NUMBER] = { { "id", "id DESC" }, { "t.id", "t.id DESC" } },
        [ITSM_SORT_OPENED] = { { "opened, id", "opened DESC, id DESC" },
                               { "t.opened, t.id", "t.opened DESC, t.id DESC" } },
        [ITSM_SORT_UPDATED] = { { "updated, id", "updated DESC, id DESC" },
                                { "t.updated, t.id", "t.updated DESC, t.id DESC" } },
        [ITSM_SORT_TITLE] = { { "lower(title), id", "lower(title) DESC, id DESC" },
                              { "lower(t.title), t.id", "lower(t.title) DESC, t.id DESC" } },
        /* the column list_sql selects */
        [ITSM_SORT_FIELD] = { { "sortkey, id", "sortkey DESC, id DESC" },
                              { "sortkey, t.id", "sortkey DESC, t.id DESC" } },
    };

    if (qualified && f->nfields && !fields_probed(f, scoped) && f->sort == ITSM_SORT_NUMBER)
        return f->descending ? "f0.ticket_id DESC" : "f0.ticket_id";
    return cols[f->sort][qualified][f->descending ? 1 : 0];
}

/* The columns of a list: cols, and for a sort on a field its text as "sortkey". */
static const char *sort_cols(apr_pool_t *p, const char *cols, const itsm_filter_t *f,
                             apr_array_header_t *args)
{
    if (f->sort != ITSM_SORT_FIELD)
        return cols;
    return apr_pstrcat(p, cols, ", ", field_key_sql(p, NULL, f->sort_field, args), " AS sortkey",
                       NULL);
}

/* Scopes of up to this many parties are listed as one ordered, limited query per party
 * whose results are merged: each is served in order by an index on (party, kind, id), where
 * a single query with party IN (...) would sort every ticket of the parties. */
#define SCOPE_UNION_MAX 8

/* The keys a party's query of a union selects: the id and what the list is ordered by
 * (order_sql(f, 0, 0) names them), read from the index the query walks where it holds them. */
static const char *union_keys(apr_pool_t *p, const itsm_filter_t *f, apr_array_header_t *args)
{
    static const char *const keys[] = {
        [ITSM_SORT_NUMBER] = "t.id", [ITSM_SORT_OPENED] = "t.id, t.opened",
        [ITSM_SORT_UPDATED] = "t.id, t.updated", [ITSM_SORT_TITLE] = "t.id, t.title",
        [ITSM_SORT_FIELD] = "t.id",
    };

    return sort_cols(p, keys[f->sort], f, args);
}

/* From this offset on, a list's page is the tickets from the keys of its first one on. */
#define OFFSET_SEEK_MIN 200

/* The keys, in the list's order, that place a ticket of a deep page (f->offset at least
 * OFFSET_SEEK_MIN), NULL to skip the offset's tickets in the list itself: the database steps
 * over them either way, but the list's own query seeks each one's row before it counts it
 * off (0.7k instructions a ticket in SQLite, 0.45k for a query of the keys alone). Sorts
 * on the ticket's own columns; under a joined field filter the order is the field's. */
static const char *offset_keys(const itsm_filter_t *f, int scoped)
{
    if (f->offset < OFFSET_SEEK_MIN || (f->nfields && !fields_probed(f, scoped)))
        return NULL;
    switch (f->sort) {
    case ITSM_SORT_NUMBER:  return "t.id";
    case ITSM_SORT_OPENED:  return "t.opened, t.id";
    case ITSM_SORT_UPDATED: return "t.updated, t.id";
    default:                return NULL;
    }
}

/* Whether a list in creation or opening order over open and closed tickets alike is read as
 * the merge of its closed and its open tickets, each half an ordered range of an index that
 * holds is_open before the id or the opening time (schema 23): no index orders the kind's
 * tickets, or a party's, a group's, an assignee's or a field value's, by id or opening alone
 * any more (one b-tree entry less per ticket written for each). Not where an index of its
 * own orders the list: the ticket's state in creation order over every party (a published
 * version's state is not the ticket's), an SLA status read as a set or per running ticket
 * (sla_sql), open tickets only; a stopped clock's status (met, missed) is tested per ticket
 * of either half. */
static int open_merged(const reading_t *rd, const itsm_filter_t *f, int sla_how)
{
    const sla_status_sql_t *s = f->sla ? sla_status_sql(f->sla) : NULL;

    if ((f->sort != ITSM_SORT_NUMBER && f->sort != ITSM_SORT_OPENED) || f->open
        || (f->sla && (sla_how != SLA_PER_ROW || s == NULL || s->running)))
        return 0;
    return !(f->state && !rd->published);
}

static const char *list_sql(itsm_store_t *st, apr_pool_t *p, const char *kind,
                            const reading_t *rd, const itsm_filter_t *f,
                            int sla_how, apr_array_header_t *args)
{
    const char *sql = "", *window = apr_itoa(p, f->offset + f->limit + 1), *cols, *keys;
    const apr_array_header_t *parties = rd->sc.parties;
    int scoped = parties != NULL, merged = open_merged(rd, f, sla_how), by_party, bounded, i,
        n = 0;
    itsm_filter_t half, of_state;   /* a part's (of a merged list, its closed or open
                                     * tickets); a state's (its half) */
    const char *with = "";

    /* A ticket's state says whether it is open: a list filtered on one reads only that
     * half (the other is empty, and its range would be walked whole), with its state's own
     * index (kind, state, id) in creation order over every party, else on the open-first
     * indexes of the party or of the opening time. */
    if (f->state && !rd->published && !f->open
        && (f->sort == ITSM_SORT_OPENED || parties != NULL || f->party)) {
        of_state = *f;
        of_state.open = ticket_is_open(kind_named(st->kinds, kind), f->state) ? 1
                                                                             : ITSM_OPEN_CLOSED;
        f = &of_state;
    }
    half = *f;
    /* an audience or a published version is one query: tickets of other parties match too */
    by_party = parties != NULL && parties->nelts >= 2 && parties->nelts <= SCOPE_UNION_MAX
               && rd->audience == AUDIENCE_NONE && !rd->published;
    /* a merged list of one part in creation order under field filters: its closed half
     * first, as h0, and the open half within its keys (below). Without field filters the
     * open half's index range yields its window at once, and a materialised h0 would cost
     * 40-70 µs a list at 1,000,000 incidents. */
    bounded = merged && !by_party && f->sort == ITSM_SORT_NUMBER && f->nfields;
    if (!by_party && !merged) {
        cols = sort_cols(p, rd->published ? PUBLISHED_COLS : TICKET_COLS, f, args);
        sql = apr_pstrcat(p, "SELECT ", cols, " ", from_where(st, p, kind, rd, f, sla_how, args),
                          NULL);
        if ((keys = offset_keys(f, scoped)) != NULL) {
            /* the page from the keys of its first ticket, found by a query that skips the
             * offset's tickets on its index alone (each skipped one's row is not sought) */
            sql = apr_pstrcat(p, sql, " AND (", keys, f->descending ? ") <= (SELECT " : ") >= "
                              "(SELECT ", keys, " ", from_where(st, p, kind, rd, f, sla_how, args),
                              " ORDER BY ", order_sql(f, 1, scoped), " LIMIT 1 OFFSET " INT
                              ") ORDER BY ", order_sql(f, 1, scoped), " LIMIT " INT, NULL);
            arg(args, apr_itoa(p, f->offset));
            arg(args, apr_itoa(p, f->limit + 1));
            return sql;
        }
        sql = apr_pstrcat(p, sql, " ORDER BY ", order_sql(f, 1, scoped), " LIMIT " INT " OFFSET " INT,
                          NULL);
        arg(args, apr_itoa(p, f->limit + 1));
        arg(args, apr_itoa(p, f->offset));
        return sql;
    }
    /* Each part's query (a party's, and of a merged list its closed and its open tickets)
     * selects the keys of its first offset + limit + 1 tickets, their merge the page's ids,
     * and only the page's ticket rows are read: merging whole rows read and sorted up to
     * (limit + 1) x parts of them (a provider's three parties at 1,000,000 incidents: 3.1M
     * instructions of SQLite against 0.3M for one party's page). */
    cols = sort_cols(p, rd->published ? PUBLISHED_COLS : TICKET_COLS, f, args);
    for (i = 0; i < (by_party ? parties->nelts : 1); i++) {
        reading_t one = *rd;
        int j;

        if (by_party) {
            one.sc.parties = apr_array_make(p, 1, sizeof(const char *));
            APR_ARRAY_PUSH(one.sc.parties, const char *) = APR_ARRAY_IDX(parties, i, const char *);
        }
        for (j = 0; j < (merged ? 2 : 1); j++) {
            const char *part;

            half.open = merged ? (j ? 1 : ITSM_OPEN_CLOSED) : f->open;
            part = apr_pstrcat(p, "SELECT ", union_keys(p, &half, args), " ",
                               from_where(st, p, kind, &one, &half, sla_how, args), NULL);
            if (bounded && j == 1) {
                /* the open half within the closed half's keys when that one is full: the
                 * page is among the window's first tickets of both, and the open tickets
                 * are few and recent (two field values over the whole history: the open
                 * rows of one walked whole for none of the page) */
                part = apr_pstrcat(p, part, " AND ", fields_probed(&half, scoped) ? "t.id"
                                                                                 : "f0.ticket_id",
                                   f->descending ? " >= (SELECT CASE WHEN COUNT(*) < " INT
                                                   " THEN 0 ELSE MIN(id) END FROM h0)"
                                                 : " <= (SELECT CASE WHEN COUNT(*) < " INT
                                                   " THEN 9223372036854775807 ELSE MAX(id) END "
                                                   "FROM h0)", NULL);
                arg(args, window);
            }
            part = apr_pstrcat(p, part, " ORDER BY ", order_sql(&half, 1, scoped), " LIMIT " INT,
                               NULL);
            arg(args, window);
            if (bounded && j == 0) {
                /* used twice: materialised by SQLite (3.35) and PostgreSQL (12) alike */
                with = apr_pstrcat(p, "WITH h0 AS (", part, ") ", NULL);
                sql = "SELECT id FROM h0";
            }
            else
                sql = apr_pstrcat(p, sql, n ? " UNION ALL " : "", "SELECT * FROM (", part, ") u",
                                  apr_itoa(p, n), NULL);
            n++;
        }
    }
    arg(args, apr_itoa(p, f->limit + 1));
    arg(args, apr_itoa(p, f->offset));
    return apr_pstrcat(p, with, "SELECT ", cols, " FROM itsm_ticket t",
                       rd->published ? PUBLISHED_JOIN : "", " WHERE t.id IN (SELECT w.id FROM (",
                       sql, ") w ORDER BY ", order_sql(f, 0, 0), " LIMIT " INT " OFFSET " INT
                       ") ORDER BY ", f->sort == ITSM_SORT_NUMBER
                       ? (f->descending ? "t.id DESC" : "t.id") : order_sql(f, 1, 1), NULL);
}

/* Run a statement that may answer rows (PRAGMAs do) and discard them. */
void drain_select(itsm_store_t *st, const char *sql, apr_pool_t *p)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;

    if (apr_dbd_select(st->driver, p, st->handle, &res, sql, 0) == 0)
        while (dbd_next_row(st->driver, p, res, &row))
            ;
}

apr_status_t plain(itsm_store_t *st, const char *sql)
{
    int rows;

    if (st->native)
        return native_plain(st, sql);
    st->error_text = NULL;
    st->error = apr_dbd_query(st->driver, st->handle, &rows, sql);
    return st->error ? APR_EGENERAL : APR_SUCCESS;
}

/* On SQLite a statement run by apr_dbd_query is compiled on every call (a BEGIN and a COMMIT
 * cost about 8,000 instructions each that way); a connection's cached statement is only
 * reset and stepped. A store without a connection cache (the migration's) runs sql plainly. */
apr_status_t plain_prepared(itsm_store_t *st, const char *sql, apr_pool_t *p)
{
    if (st->conn_cache == NULL || !st->dialect->serialize_writes)
        return plain(st, sql);
    return exec_sql(st, p, sql, NULL);
}

apr_status_t itsm_store_bind(itsm_store_t **out, const apr_dbd_driver_t *driver,
                             apr_dbd_t *handle, apr_hash_t *conn_cache, apr_pool_t *conn_pool,
                             itsm_write_queue_t *queue, apr_pool_t *p, const char **err)
{
    itsm_store_t *st = apr_pcalloc(p, sizeof *st);
    int i;

    st->queue = queue;
    st->conn_cache = conn_cache;
    st->conn_pool = conn_pool;
    st->driver = driver;
    st->handle = handle;
    st->dialect = dialect_of(driver);
    if (st->dialect == NULL) {
        *err = apr_psprintf(p, "database driver %s is not supported (sqlite3, pgsql)",
                            apr_dbd_name(driver));
        return APR_ENOTIMPL;
    }
    st->stmt = apr_hash_get(conn_cache, CACHE_KEY, APR_HASH_KEY_STRING);
    if (st->stmt == NULL) {
        apr_dbd_prepared_t **stmt = apr_pcalloc(conn_pool, sizeof(*stmt) * S_COUNT);
        const char *const *q;

        for (q = st->dialect->connection_setup; *q; q++)
            drain_select(st, *q, p);
        if (st->dialect->connection_init && st->dialect->connection_init(st) != APR_SUCCESS) {
            *err = st->error_text;
            return APR_EGENERAL;
        }
        for (i = 0; i < S_COUNT && !st->dialect->native; i++) {
            const char *sql = dialect_sql(p, st->dialect, statements[i]);
            const char *label = apr_psprintf(conn_pool, "itsm_s%d", i);
            int rc = apr_dbd_prepare(driver, conn_pool, handle, sql, label, &stmt[i]);

            if (rc) {
                *err = apr_psprintf(p, "preparing statement %d failed: %s", i,
                                    apr_dbd_error(driver, handle, rc));
                return APR_EGENERAL;
            }
        }
        apr_hash_set(conn_cache, CACHE_KEY, APR_HASH_KEY_STRING, stmt);
        st->stmt = stmt;
    }
    if (st->dialect->native && native_attach(st, S_COUNT, p) != APR_SUCCESS) {
        *err = st->error_text;
        return APR_EGENERAL;
    }
    *out = st;
    return APR_SUCCESS;
}

void itsm_store_use_kinds(itsm_store_t *st, const apr_array_header_t *kinds,
                          const itsm_sla_config_t *sla)
{
    st->kinds = kinds;
    st->sla = sla;
}


/* ---- back-fill of the indexes after a migration or a new declaration ---------------------- */


static apr_uint32_t backfill_statements;

/* Prepare sql for this migration under a name of its own: pgsql replaces its one unnamed
 * statement at each prepare, and keeps named ones for the session. */
apr_status_t backfill_prepare(itsm_store_t *st, const char *sql, apr_dbd_prepared_t **out,
                              apr_pool_t *p)
{
    st->error = apr_dbd_prepare(st->driver, p, st->handle, dialect_sql(p, st->dialect, sql),
                                apr_psprintf(p, "itsm_m%u_%" APR_PID_T_FMT,
                                             apr_atomic_inc32(&backfill_statements), getpid()),
                                out);
    return st->error ? APR_EGENERAL : APR_SUCCESS;
}

static apr_status_t backfill_exec(itsm_store_t *st, apr_pool_t *p, const char *sql, int n,
                                  const char **args, int *found)
{
    apr_dbd_prepared_t *stmt = NULL;   /* the pgsql driver fills a non-NULL one in */
    apr_dbd_results_t *res = NULL;
    rows_t *cur;
    row_t *row = NULL;
    int rows;

    if (backfill_prepare(st, sql, &stmt, p) != APR_SUCCESS)
        return APR_EGENERAL;
    if (found == NULL) {
        st->error = apr_dbd_pquery(st->driver, p, st->handle, &rows, stmt, n, args);
        return st->error ? APR_EGENERAL : APR_SUCCESS;
    }
    st->error = apr_dbd_pselect(st->driver, p, st->handle, &res, stmt, 0, n, args);
    if (st->error)
        return APR_EGENERAL;
    *found = 0;
    for (cur = rows_of(st, p, res); next_row(st->driver, p, cur, &row); )
        (*found)++;
    return rows_done(cur);
}

static apr_status_t backfill_fields(itsm_store_t *st, const itsm_kind_t *k,
                                    const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p)
{
    (void)now;
    return index_fields(st, k, t, 1, p);
}

static apr_status_t backfill_clocks(itsm_store_t *st, const itsm_kind_t *k,
                                    const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p)
{
    return index_clocks(st, k, t, 1, now, NULL, p);
}

static apr_status_t backfill_audience(itsm_store_t *st, const itsm_kind_t *k,
                                      const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p)
{
    (void)now;
    return index_audience(st, k, t, 0, p);
}

/* A stored ticket's derived fields made again by its kind's rules (itsm_kind_t.derive), its
 * fields written where they changed. Its indexes are built anew afterwards (backfill). */
static apr_status_t backfill_derive(itsm_store_t *st, const itsm_kind_t *k,
                                    const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p)
{
    itsm_ticket_t d = *t;
    const char *was = itsm_codec_fields_encode(p, t->fields), *fields;
    apr_array_header_t *args = apr_array_make(p, 2, sizeof(const char *));

    (void)now;
    d.fields = apr_table_copy(p, t->fields);
    k->derive(p, &d);
    fields = itsm_codec_fields_encode(p, d.fields);
    if (strcmp(was, fields) == 0)
        return APR_SUCCESS;
    arg(args, fields);
    arg(args, i64(p, t->id));
    return exec_sql(st, p, "UPDATE itsm_ticket SET fields = %s WHERE id = " INT, args);
}

/* The tickets of k derived by its rules (itsm_kind_t.derivation) once: *derived 1 when the
 * rules the database has seen for k were others (or none), its tickets then derived again
 * and the rules recorded; the caller then builds the kind's field index and unique values
 * anew from the fields so written. */
static apr_status_t backfill_derived(itsm_store_t *st, const itsm_kind_t *k, apr_pool_t *p,
                                     int *derived)
{
    const char *two[] = { k->kind, k->derivation };
    apr_status_t rv;
    int found;

    *derived = 0;
    if (k->derive == NULL || k->derivation == NULL)
        return APR_SUCCESS;
    if (backfill_exec(st, p, "SELECT 1 FROM itsm_derived WHERE kind = %s AND derivation = %s",
                      2, two, &found))
        return APR_EGENERAL;
    if (found)
        return APR_SUCCESS;
    st->migration_stmts = apr_hash_make(p);     /* one UPDATE prepared, not one per ticket */
    rv = backfill_tickets(st, k, backfill_derive, p);
    st->migration_stmts = NULL;
    if (rv != APR_SUCCESS
        || backfill_exec(st, p, "DELETE FROM itsm_derived WHERE kind = %s", 1, two, NULL)
        || backfill_exec(st, p, "INSERT INTO itsm_derived (kind, derivation) VALUES (%s, %s)",
                         2, two, NULL))
        return APR_EGENERAL;
    *derived = 1;
    return APR_SUCCESS;
}

#define BACKFILL_PAGE 500

/* fn for every ticket of kind k, page by page (each page read whole before it is written). */
apr_status_t backfill_tickets(itsm_store_t *st, const itsm_kind_t *k, backfill_fn fn,
                              apr_pool_t *p)
{
    apr_dbd_prepared_t *page = NULL;
    apr_pool_t *sub;
    apr_int64_t after = 0;
    apr_time_t now = apr_time_now();
    apr_status_t rv = APR_SUCCESS;
    int got;

    /* in id order over the whole table, its kind tested on each row: no index orders a
     * kind's tickets by id alone (schema 23), and one that leads with the kind would sort
     * all of them for each page */
    if (backfill_prepare(st, "SELECT " TICKET_COLS " FROM itsm_ticket t WHERE UNINDEXED(t.kind) "
                         "= %s AND t.id > " INT " ORDER BY t.id LIMIT " INT, &page, p)
        != APR_SUCCESS)
        return APR_EGENERAL;
    apr_pool_create(&sub, p);
    do {
        const char *args[] = { k->kind, i64(sub, after), apr_itoa(sub, BACKFILL_PAGE) };
        apr_array_header_t *tickets = apr_array_make(sub, BACKFILL_PAGE, sizeof(itsm_ticket_t *));
        apr_dbd_results_t *res = NULL;
        rows_t *cur;
        row_t *row = NULL;
        int i;

        st->error = apr_dbd_pselect(st->driver, sub, st->handle, &res, page, 0, 3, args);
        if (st->error) {
            rv = APR_EGENERAL;
            break;
        }
        for (cur = rows_of(st, sub, res); next_row(st->driver, sub, cur, &row); )
            APR_ARRAY_PUSH(tickets, itsm_ticket_t *) = ticket_from_row(st, row, sub);
        if (rows_done(cur) != APR_SUCCESS)
            rv = APR_EGENERAL;
        got = tickets->nelts;
        for (i = 0; rv == APR_SUCCESS && i < got; i++) {
            itsm_ticket_t *t = APR_ARRAY_IDX(tickets, i, itsm_ticket_t *);

            rv = fn(st, k, t, now, sub);
            after = t->id;
        }
        apr_pool_clear(sub);
    } while (rv == APR_SUCCESS && got == BACKFILL_PAGE);
    apr_pool_destroy(sub);
    return rv;
}

/* The count table (schema 15) on SQLite is kept here, in the transaction of each write of a
 * ticket row that can move a count (written at its end: pending_t): a create puts the
 * ticket in its group (count_add_new); an update reads the row's group before it writes
 * (count_of) and, if the row as written is in another group, takes it out of the one and
 * puts it in the other (count_change). Triggers did this until schema 17. With a trigger (or RETURNING, so the ticket's INSERT
 * goes without it here) SQLite must be able to undo the ticket's INSERT or UPDATE alone,
 * and so copies every page the statement changes into a statement journal first: the
 * ticket row, its 12-15 index entries and the count row, 14-17 pages; past 64 KB into a
 * temporary file (/var/tmp/etilqs_*, two pwrites per page): 40-45 pwrites per incident
 * create under load, three times its WAL frames (docs/performance.md). PostgreSQL keeps its
 * triggers. Whatever else writes itsm_ticket on SQLite keeps the table too (the back-fill
 * below fills it anew, as do bench/run --scale and schema 15). */
#define COUNT_KEY "kind, is_open, month, party, priority, state"

/* A ticket's group in the count table and what it adds to the group's sums, as texts to
 * bind: the row as it stands (count_of) or as an update writes it (update_in_tx). */
typedef struct {
    const char *kind, *open, *month, *party, *priority, *state;
    const char *opened, *finished, *resolve;    /* opened_sum, finished_n, resolve_sum */
} count_row_t;

/* The count group of ticket id as its row stands, read with a plain SELECT by key. */
static apr_status_t count_of(itsm_store_t *st, apr_int64_t id, count_row_t *c, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 1, sizeof(const char *));
    rows_t *res;
    row_t *row = NULL;
    int found = 0;

    arg(args, i64(p, id));
    if (select_sql(st, p, &res, "SELECT kind, is_open, strftime('%%Y-%%m', opened, 'unixepoch'), "
                   "party, priority, state, opened, finished IS NOT NULL, "
                   "COALESCE(finished - opened, 0) FROM itsm_ticket WHERE id = " INT, args)
        != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        c->kind = col(st, row, 0);
        c->open = col(st, row, 1);
        c->month = col(st, row, 2);
        c->party = col(st, row, 3);
        c->priority = col(st, row, 4);
        c->state = col(st, row, 5);
        c->opened = col(st, row, 6);
        c->finished = col(st, row, 7);
        c->resolve = col(st, row, 8);
        found = 1;
    }
    if (rows_done(res) != APR_SUCCESS)
        return APR_EGENERAL;
    return found ? APR_SUCCESS : APR_NOTFOUND;
}

static int count_same(const count_row_t *a, const count_row_t *b)
{
    const char *const *x = &a->kind, *const *y = &b->kind;
    size_t i;

    for (i = 0; i < sizeof *a / sizeof a->kind; i++)
        if (strcmp(nz(x[i]), nz(y[i])) != 0)
            return 0;
    return 1;
}

/* The group of c with the sums in sum (n, opened_sum, finished_n, resolve_sum) added: an
 * upsert from VALUES (no statement journal). */
static apr_status_t count_write(itsm_store_t *st, const char *const *key,
                                const apr_int64_t *sum, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 10, sizeof(const char *));
    int i;

    for (i = 0; i < PENDING_KEY; i++)
        arg(args, key[i]);
    for (i = 0; i < PENDING_SUMS; i++)
        arg(args, i64(p, sum[i]));
    return exec_sql(st, p, "INSERT INTO itsm_ticket_count (" COUNT_KEY ", n, opened_sum, "
                    "finished_n, resolve_sum) VALUES (%s, " INT ", %s, %s, %s, %s, " INT ", " INT
                    ", " INT ", " INT ") ON CONFLICT (" COUNT_KEY ") DO UPDATE SET n = n + "
                    "excluded.n, opened_sum = opened_sum + excluded.opened_sum, finished_n = "
                    "finished_n + excluded.finished_n, resolve_sum = resolve_sum + "
                    "excluded.resolve_sum", args);
}

/* c's sums times sign (1: into its group, -1: out of it) into sum. */
static void count_sums(apr_int64_t *sum, const count_row_t *c, int sign)
{
    sum[PENDING_N] += sign;
    sum[PENDING_OPENED] += sign * apr_atoi64(c->opened);
    sum[PENDING_FINISHED] += sign * apr_atoi64(c->finished);
    sum[PENDING_RESOLVE] += sign * apr_atoi64(c->resolve);
}

/* c's change (sign as count_sums) kept for the transaction's end: 0 when it must be written
 * now (no transaction, or PENDING_MAX groups kept already). */
static int count_pending(itsm_store_t *st, const count_row_t *c, int sign)
{
    pending_t *pd = &st->pending;
    const char *const key[] = { c->kind, c->open, c->month, c->party, c->priority, c->state };
    int i, j = 0;

    if (!pd->on)
        return 0;
    for (i = 0; i < pd->n_count; i++) {
        for (j = 0; j < PENDING_KEY && strcmp(nz(key[j]), pd->count[i].key[j]) == 0; j++)
            ;
        if (j == PENDING_KEY)
            break;
    }
    if (i == PENDING_MAX)
        return 0;
    if (i == pd->n_count) {
        for (j = 0; j < PENDING_KEY; j++)
            pd->count[i].key[j] = nz(key[j]);
        memset(pd->count[i].sum, 0, sizeof pd->count[i].sum);
        pd->n_count++;
    }
    count_sums(pd->count[i].sum, c, sign);
    return 1;
}

/* The ticket c out of its group (sign -1) or into it (1): kept for the transaction's end, or
 * written now as an upsert of the group's key with the values at hand (neither an UPDATE ...
 * FROM nor an INSERT ... SELECT, which take a statement journal: see plain_writes). */
static apr_status_t count_change(itsm_store_t *st, const count_row_t *c, int sign,
                                 apr_pool_t *p)
{
    const char *const key[] = { c->kind, c->open, c->month, c->party, c->priority, c->state };
    apr_int64_t sum[PENDING_SUMS] = { 0 };

    if (count_pending(st, c, sign))
        return APR_SUCCESS;
    count_sums(sum, c, sign);
    return count_write(st, key, sum, p);
}

void pending_reset(itsm_store_t *st, int on)
{
    st->pending.on = on && st->dialect->counts_by_store;
    st->pending.n_counter = st->pending.n_count = st->pending.n_touch = 0;
}

int pending_touch(itsm_store_t *st, const char *kind)
{
    pending_t *pd = &st->pending;
    int i;

    if (!pd->on)
        return 0;
    for (i = 0; i < pd->n_touch; i++)
        if (strcmp(pd->touch[i], kind) == 0)
            return 1;
    if (i == PENDING_MAX)
        return 0;
    pd->touch[pd->n_touch++] = kind;
    return 1;
}

apr_status_t pending_flush(itsm_store_t *st, apr_pool_t *p)
{
    pending_t *pd = &st->pending;
    apr_status_t rv = APR_SUCCESS;
    int i, j;

    pd->on = 0;                 /* the writes below go out at once */
    for (i = 0; rv == APR_SUCCESS && i < pd->n_counter; i++) {
        apr_array_header_t *args = apr_array_make(p, 2, sizeof(const char *));

        arg(args, i64(p, pd->counter[i].value));
        arg(args, pd->counter[i].kind);
        rv = exec_sql(st, p, "UPDATE itsm_counter SET next_value = " INT " WHERE kind = %s",
                      args);
    }
    for (i = 0; rv == APR_SUCCESS && i < pd->n_count; i++) {
        for (j = 0; j < PENDING_SUMS && pd->count[i].sum[j] == 0; j++)
            ;
        if (j < PENDING_SUMS)   /* a ticket into a group and out of it again: nothing */
            rv = count_write(st, pd->count[i].key, pd->count[i].sum, p);
    }
    for (i = 0; rv == APR_SUCCESS && i < pd->n_touch; i++)
        rv = search_touch(st, pd->touch[i], p);
    return rv;
}

/* A new ticket t into its group: its month (UTC, as strftime('%Y-%m', opened, 'unixepoch')
 * writes it for the rows count_of reads) and sums from the values at hand, its row not read
 * back. open: the ticket's is_open as written; one created in a final state (an import) is
 * finished at its updated time (create_in_tx). */
static apr_status_t count_add_new(itsm_store_t *st, const itsm_ticket_t *t, const char *open,
                                  apr_pool_t *p)
{
    int finished = strcmp(open, "0") == 0;
    apr_time_exp_t tm;
    count_row_t c;

    if (!st->dialect->counts_by_store)
        return APR_SUCCESS;
    apr_time_exp_gmt(&tm, t->opened);
    c.kind = t->kind;
    c.open = open;
    c.month = apr_psprintf(p, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    c.party = nz(t->party);
    c.priority = nz(t->priority);
    c.state = t->state;
    c.opened = secs(p, t->opened);
    c.finished = finished ? "1" : "0";
    c.resolve = finished ? i64(p, apr_time_sec(t->updated) - apr_time_sec(t->opened)) : "0";
    return count_change(st, &c, 1, p);
}

/* The whole count table from the tickets, as schema 15 fills it (after a back-fill). */
static apr_status_t count_refill(itsm_store_t *st, apr_pool_t *p)
{
    if (!st->dialect->counts_by_store)
        return APR_SUCCESS;
    return backfill_exec(st, p, "DELETE FROM itsm_ticket_count", 0, NULL, NULL)
           || backfill_exec(st, p, "INSERT INTO itsm_ticket_count (" COUNT_KEY ", n, opened_sum, "
                            "finished_n, resolve_sum) SELECT kind, is_open, strftime('%%Y-%%m', "
                            "opened, 'unixepoch'), party, priority, state, COUNT(*), SUM(opened), "
                            "COUNT(finished), COALESCE(SUM(finished - opened), 0) FROM itsm_ticket "
                            "GROUP BY 1, 2, 3, 4, 5, 6", 0, NULL, NULL)
           ? APR_EGENERAL : APR_SUCCESS;
}

/* After the migration to schema 10 (and the open flags): when the finished tickets finished,
 * as the time of the last journal entry that changed their state (their state being final,
 * that change entered it; of a ticket that went through two final states, the second). A
 * ticket whose journal holds no change of state (imported finished) stays NULL. */
apr_status_t backfill_finished(itsm_store_t *st, apr_pool_t *p)
{
    const char *args[] = { "state\t%", "%\nstate\t%" };

    /* then the counts, which that and the open flags (backfill, before) moved */
    return backfill_exec(st, p, "UPDATE itsm_ticket SET finished = (SELECT MAX(j.at) FROM "
                         "itsm_journal j WHERE j.ticket_id = itsm_ticket.id AND "
                         "(j.changes LIKE %s OR j.changes LIKE %s)) WHERE is_open = 0", 2, args,
                         NULL)
           ? APR_EGENERAL : count_refill(st, p);
}

/* After the migrations: the open flag of the tickets stored before schema 5 (fresh5), and
 * for each kind the indexed fields and SLA clocks not yet held for every ticket. */
apr_status_t backfill(itsm_store_t *st, const apr_array_header_t *kinds, int fresh5,
                             apr_pool_t *p)
{
    apr_dbd_prepared_t *stmt[S_COUNT] = { NULL };
    int i;

    st->stmt = stmt;
    if (backfill_prepare(st, statements[S_FIELD_INSERT], &stmt[S_FIELD_INSERT], p)
        || backfill_prepare(st, statements[S_CLOCK_INSERT], &stmt[S_CLOCK_INSERT], p)
        || backfill_prepare(st, statements[S_AUDIENCE_INSERT], &stmt[S_AUDIENCE_INSERT], p))
        return APR_EGENERAL;
    for (i = 0; i < kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(kinds, i, const itsm_kind_t *);
        const itsm_field_t *fd;
        const char *const *fs;
        const char *sql = "UPDATE itsm_ticket SET is_open = 0 WHERE kind = %s AND state IN (''";
        const char *args[64] = { k->kind };
        int n = 1, found, missing = 0, derived;

        for (fs = k->final_states; fresh5 && fs && *fs && n < 64; fs++) {
            sql = apr_pstrcat(p, sql, ", %s", NULL);
            args[n++] = *fs;
        }
        if (n > 1 && backfill_exec(st, p, apr_pstrcat(p, sql, ")", NULL), n, args, NULL))
            return APR_EGENERAL;
        /* fields derived by other rules than the kind's: derived again, and the field index
         * and unique values made anew below from what they are now (missing, unmarked) */
        if (backfill_derived(st, k, p, &derived) != APR_SUCCESS
            || (derived && (backfill_exec(st, p, "DELETE FROM itsm_unique WHERE kind = %s", 1,
                                          args, NULL)
                            || backfill_exec(st, p, "DELETE FROM itsm_unique_indexed WHERE "
                                             "kind = %s", 1, args, NULL))))
            return APR_EGENERAL;
        missing = derived;
        for (fd = k->fields; fd && fd->name; fd++) {
            const char *two[] = { k->kind, fd->name };

            if (!(fd->flags & ITSM_FIELD_INDEXED))
                continue;
            if (backfill_exec(st, p, "SELECT 1 FROM itsm_field_indexed WHERE kind = %s AND "
                              "name = %s", 2, two, &found))
                return APR_EGENERAL;
            if (!found) {
                missing = 1;
                if (backfill_exec(st, p, "INSERT INTO itsm_field_indexed (kind, name) "
                                  "VALUES (%s, %s)", 2, two, NULL))
                    return APR_EGENERAL;
            }
        }
        if (missing && (backfill_exec(st, p, "DELETE FROM itsm_field_index WHERE kind = %s",
                                      1, args, NULL)
                        || backfill_tickets(st, k, backfill_fields, p)))
            return APR_EGENERAL;
        /* the votes' fields from the votes stored before (the kind's rows went above), in
         * one statement: this is the migration of a database whose votes predate the field */
        for (fd = k->fields; missing && fd && fd->name; fd++) {
            const char *two[] = { fd->name, k->kind };

            if ((fd->flags & ITSM_FIELD_VOTES) == ITSM_FIELD_VOTES
                && backfill_exec(st, p, VOTES_NET("ticket_id IN (SELECT id FROM itsm_ticket "
                                                  "WHERE kind = %s)"), 2, two, NULL))
                return APR_EGENERAL;
        }
        /* the search rows' boost values are read again from the fields (search_backfill) */
        if (missing && backfill_exec(st, p, "UPDATE itsm_search_indexed SET boost = '' WHERE "
                                     "kind = %s", 1, args, NULL))
            return APR_EGENERAL;
        /* the unique values of the tickets stored before schema 9, or before the field was
         * declared unique (the lowest ticket keeps a value held twice), once per field
         * (schema 21: a scan of the field's whole index at every start before) */
        for (fd = k->fields; fd && fd->name; fd++) {
            const char *two[] = { k->kind, fd->name };

            if ((fd->flags & (ITSM_FIELD_INDEXED | ITSM_FIELD_UNIQUE))
                    != (ITSM_FIELD_INDEXED | ITSM_FIELD_UNIQUE))
                continue;
            if (backfill_exec(st, p, "SELECT 1 FROM itsm_unique_indexed WHERE kind = %s AND "
                              "name = %s", 2, two, &found))
                return APR_EGENERAL;
            if (!found
                && (backfill_exec(st, p, "INSERT INTO itsm_unique (kind, name, value, "
                                  "ticket_id) SELECT kind, name, value, MIN(ticket_id) FROM "
                                  "itsm_field_index WHERE kind = %s AND name = %s GROUP BY "
                                  "kind, name, value ON CONFLICT DO NOTHING", 2, two, NULL)
                    || backfill_exec(st, p, "INSERT INTO itsm_unique_indexed (kind, name) "
                                     "VALUES (%s, %s)", 2, two, NULL)))
                return APR_EGENERAL;
        }
        /* the working audiences of a kind that starts to declare one */
        if (k->visibility == ITSM_VISIBLE_AUDIENCE
            && (backfill_exec(st, p, "SELECT 1 FROM itsm_audience_indexed WHERE kind = %s", 1,
                              args, &found)
                || (!found
                    && (backfill_exec(st, p, "INSERT INTO itsm_audience_indexed (kind) "
                                      "VALUES (%s)", 1, args, NULL)
                        || backfill_exec(st, p, "DELETE FROM itsm_audience WHERE published = 0 "
                                         "AND ticket_id IN (SELECT id FROM itsm_ticket WHERE "
                                         "kind = %s)", 1, args, NULL)
                        || backfill_tickets(st, k, backfill_audience, p)))))
            return APR_EGENERAL;
        if (search_backfill(st, k, p) != APR_SUCCESS)
            return APR_EGENERAL;
        if (st->sla == NULL || k->clocks == NULL)
            continue;
        if (backfill_exec(st, p, "SELECT 1 FROM itsm_sla_indexed WHERE kind = %s", 1, args,
                          &found))
            return APR_EGENERAL;
        if (!found && (backfill_exec(st, p, "INSERT INTO itsm_sla_indexed (kind) VALUES (%s)",
                                     1, args, NULL)
                       || backfill_exec(st, p, "DELETE FROM itsm_sla_clock WHERE kind = %s",
                                        1, args, NULL)
                       || backfill_tickets(st, k, backfill_clocks, p)))
            return APR_EGENERAL;
    }
    st->stmt = NULL;
    return APR_SUCCESS;
}

/* ---- tickets --------------------------------------------------------------------------- */

/* Tags are stored ",a,b," so that one is found with strpos(tags, ',a,'). */
static const char *tags_in(apr_pool_t *p, const char *tags)
{
    char *s, *tok, *state;
    const char *out = "";

    if (tags == NULL || *tags == '\0')
        return "";
    s = apr_pstrdup(p, tags);
    for (tok = apr_strtok(s, " ,", &state); tok; tok = apr_strtok(NULL, " ,", &state))
        out = apr_pstrcat(p, out, ",", tok, NULL);
    return *out ? apr_pstrcat(p, out, ",", NULL) : "";
}

static const char *tags_out(apr_pool_t *p, const char *stored)
{
    apr_size_t n = stored ? strlen(stored) : 0;
    char *s, *d;

    if (n < 3)
        return "";
    s = apr_pstrndup(p, stored + 1, n - 2);
    for (d = s; *d; d++)
        if (*d == ',')
            *d = ' ';
    return s;
}

itsm_ticket_t *ticket_from_row(itsm_store_t *st, row_t *row, apr_pool_t *p)
{
    itsm_ticket_t *t = apr_pcalloc(p, sizeof *t);

    t->id = col_i64(st, row, 0);
    t->number = apr_pstrdup(p, col(st, row, 1));
    t->kind = apr_pstrdup(p, col(st, row, 2));
    t->party = apr_pstrdup(p, col(st, row, 3));
    t->state = apr_pstrdup(p, col(st, row, 4));
    t->title = apr_pstrdup(p, col(st, row, 5));
    t->priority = null_if_empty(apr_pstrdup(p, col(st, row, 6)));
    t->assignee = null_if_empty(apr_pstrdup(p, col(st, row, 7)));
    t->group = null_if_empty(apr_pstrdup(p, col(st, row, 8)));
    t->opened = apr_time_from_sec(col_i64(st, row, 9));
    t->updated = apr_time_from_sec(col_i64(st, row, 10));
    t->created_by = apr_pstrdup(p, col(st, row, 11));
    t->version = (int)col_i64(st, row, 12);
    t->fields = itsm_codec_fields_decode(p, col(st, row, 13));
    t->tags = tags_out(p, col(st, row, 14));
    t->sla_open = (int)col_i64(st, row, 15);
    t->sla_notified = apr_pstrdup(p, col(st, row, 16) ? col(st, row, 16) : "");
    return t;
}

/* The first column of the single row a statement answers. */
static apr_status_t select_one(itsm_store_t *st, apr_int64_t *out, int which, int n,
                               const char **args, apr_pool_t *p)
{
    rows_t *res;
    row_t *row;
    int found = 0;

    if (select_rows(st, p, &res, which, n, args) != APR_SUCCESS)
        return APR_EGENERAL;
    row = NULL;
    while (next_row(st->driver, p, res, &row)) {
        *out = col_i64(st, row, 0);
        found = 1;
    }
    return found ? APR_SUCCESS : APR_NOTFOUND;
}

/* On SQLite a create writes no statement that takes a statement journal: no RETURNING (run as
 * a trigger) and no INSERT ... SELECT. Besides the journal itself (see COUNT_KEY's comment),
 * opening one makes FTS5 write the rows pending in its memory out as a segment of their own (its
 * xSavepoint): a problem's search row, written in index_ticket, went to disk at the journal
 * entry's INSERT ... RETURNING or the next create's counter in the batch, so each problem
 * create of a group commit wrote its own FTS5 segment, which automerge then merged again;
 * now a batch's search rows go out once, at its COMMIT. PostgreSQL keeps RETURNING. */
static int plain_writes(const itsm_store_t *st)
{
    return st->dialect->counts_by_store;
}

/* The id of the row the last INSERT on st's connection wrote (SQLite). */
static apr_status_t last_id(itsm_store_t *st, apr_int64_t *id, apr_pool_t *p)
{
    rows_t *res;
    row_t *row = NULL;

    if (st->native) {           /* the handle's own answer: no statement to step */
        *id = native_last_id(st);
        return APR_SUCCESS;
    }
    if (select_sql(st, p, &res, "SELECT last_insert_rowid()",
                   apr_array_make(p, 1, sizeof(const char *))) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        *id = col_i64(st, row, 0);
    return APR_SUCCESS;
}

/* The fixed INSERT which, answering its row's id (RETURNING id) into *id; under plain_writes
 * its twin plain_which without RETURNING, and the connection's last row id. */
static apr_status_t insert_id(itsm_store_t *st, apr_int64_t *id, int which, int plain_which,
                              int n, const char **args, apr_pool_t *p)
{
    apr_status_t rv;

    if (!plain_writes(st))
        return select_one(st, id, which, n, args, p);
    if ((rv = exec(st, p, NULL, plain_which, n, args)) == APR_SUCCESS)
        rv = last_id(st, id, p);
    return rv;
}

/* The kind's next number. */
static apr_status_t counter_next(itsm_store_t *st, const char *kind, apr_int64_t *n,
                                 apr_pool_t *p)
{
    const char *args[] = { kind };
    pending_t *pd = &st->pending;
    int rows = 0, i;
    apr_status_t rv;

    if (!plain_writes(st))
        return select_one(st, n, S_COUNTER_NEXT, 1, args, p);
    for (i = 0; pd->on && i < pd->n_counter; i++)
        if (strcmp(pd->counter[i].kind, kind) == 0) {
            *n = ++pd->counter[i].value;
            return APR_SUCCESS;
        }
    if (pd->on && i < PENDING_MAX) {    /* read once, set at the transaction's end */
        if ((rv = select_one(st, n, S_COUNTER_GET, 1, args, p)) != APR_SUCCESS)
            return rv;
        pd->counter[i].kind = kind;
        pd->counter[i].value = ++*n;
        pd->n_counter++;
        return APR_SUCCESS;
    }
    if ((rv = exec(st, p, &rows, S_COUNTER_BUMP, 1, args)) != APR_SUCCESS)
        return rv;
    return rows == 1 ? select_one(st, n, S_COUNTER_GET, 1, args, p) : APR_NOTFOUND;
}

static apr_status_t journal_insert(itsm_store_t *st, apr_int64_t ticket_id,
                                   const itsm_journal_t *j, apr_pool_t *p)
{
    const char *args[] = {
        i64(p, ticket_id), secs(p, j->at), j->actor, j->action,
        itsm_codec_changes_encode(p, j->changes), nz(j->note)
    };
    const char *notice[] = {
        args[0], "", nz(j->party), j->party_wide ? "1" : "0", args[1], j->actor, j->action,
        nz(j->summary), NULL
    };
    int n = j->recipients ? j->recipients->nelts : 0, i;
    apr_int64_t entry = 0;
    apr_status_t rv = insert_id(st, &entry, S_JOURNAL_INSERT, S_JOURNAL_INSERT_PLAIN, 6, args,
                                p);

    /* the notices name their entry: the feed reads its changes, never the summary's prose */
    notice[8] = i64(p, entry);

    /* one notice per recipient; the first carries the party-wide flag (or stands alone) */
    for (i = 0; rv == APR_SUCCESS && i < (n ? n : j->party_wide); i++) {
        notice[1] = n ? APR_ARRAY_IDX(j->recipients, i, const char *) : "";
        notice[3] = i == 0 && j->party_wide ? "1" : "0";
        rv = exec(st, p, NULL, S_OUTBOX_INSERT, 9, notice);
    }
    return rv;
}

typedef struct {
    itsm_ticket_t *t;
    const char *prefix;
    const itsm_journal_t *j;
    const create_work_t *work;  /* made by the caller (create_work) */
} create_job_t;

static apr_status_t create_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    create_job_t *c = ctx;
    itsm_ticket_t *t = c->t;
    apr_int64_t n = 0;
    apr_status_t rv;
    rv = counter_next(st, t->kind, &n, p);
    if (rv == APR_SUCCESS && (t->number = itsm_number_format(p, c->prefix, n)) == NULL)
        rv = APR_ENOSPC;
    if (rv == APR_SUCCESS) {
        const char *args[] = {
            t->number, t->kind, nz(t->party), t->state, t->title, nz(t->priority),
            nz(t->assignee), nz(t->group), secs(p, t->opened), secs(p, t->updated),
            t->created_by, "1", c->work->fields, tags_in(p, t->tags), t->sla_open ? "1" : "0",
            ticket_is_open(kind_named(st->kinds, t->kind), t->state) ? "1" : "0"
        };

        rv = insert_id(st, &t->id, S_TICKET_INSERT, S_TICKET_INSERT_PLAIN, 16, args, p);
        t->version = 1;
        if (rv == APR_SUCCESS && strcmp(args[15], "0") == 0) {
            const char *fin[] = { args[9], i64(p, t->id) };

            rv = exec(st, p, NULL, S_TICKET_FINISHED, 2, fin);
        }
        if (rv == APR_SUCCESS)
            rv = count_add_new(st, t, args[15], p);
    }
    if (rv == APR_SUCCESS)
        rv = index_ticket(st, t, 1, t->updated, c->work, p);
    if (rv == APR_SUCCESS)
        rv = journal_insert(st, t->id, c->j, p);
    if (rv == APR_SUCCESS)
        rv = search_deflected(st, t, p);
    if (rv == APR_SUCCESS)
        rv = search_touch(st, t->kind, p);
    return rv;
}

apr_status_t itsm_store_create(itsm_store_t *st, itsm_ticket_t *t, const char *prefix,
                               const itsm_journal_t *j, apr_pool_t *p)
{
    create_work_t work;
    create_job_t c = { t, prefix, j, &work };

    create_work(&work, st, t, p);
    return write_tx(st, create_in_tx, &c, p);
}

/* The tickets of kind (NULL: any) numbered numbers within the scope sc, into out
 * (itsm_ticket_t *, in no particular order): one statement. */
static apr_status_t get_numbered(itsm_store_t *st, apr_array_header_t *out, const char *kind,
                                 const apr_array_header_t *numbers, scope_t *sc, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 4, sizeof(const char *));
    const char *sql;
    rows_t *res;
    row_t *row = NULL;
    int published, audience = read_mode(st, kind, sc, &published, p);

    sql = apr_pstrcat(p, "SELECT ", published ? PUBLISHED_COLS : TICKET_COLS,
                      " FROM itsm_ticket t", published ? PUBLISHED_JOIN : "",
                      numbers->nelts == 1 ? " WHERE t.number = %s" : " WHERE t.number IN ",
                      numbers->nelts == 1 ? "" : in_list(p, numbers, args), NULL);
    if (numbers->nelts == 1)
        arg(args, APR_ARRAY_IDX(numbers, 0, const char *));
    sql = apr_pstrcat(p, sql, equal_sql(p, "kind", kind, args), NULL);
    sql = apr_pstrcat(p, sql, visible_sql(p, sc, audience, args), NULL);
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        APR_ARRAY_PUSH(out, itsm_ticket_t *) = ticket_from_row(st, row, p);
    return APR_SUCCESS;
}

apr_status_t itsm_store_get(itsm_store_t *st, itsm_ticket_t **t, const char *kind,
                            const char *number, const char *scope, apr_pool_t *p)
{
    apr_array_header_t *one = apr_array_make(p, 1, sizeof(const char *));
    apr_array_header_t *found = apr_array_make(p, 1, sizeof(itsm_ticket_t *));
    scope_t sc = scope_parse(p, scope);
    int published;

    *t = NULL;
    arg(one, number);
    if (get_numbered(st, found, kind, one, &sc, p) != APR_SUCCESS)
        return APR_EGENERAL;
    if (found->nelts == 0)
        return APR_NOTFOUND;
    *t = APR_ARRAY_IDX(found, found->nelts - 1, itsm_ticket_t *);
    if (kind == NULL) {         /* of a kind the caller reads as published: as such */
        read_mode(st, (*t)->kind, &sc, &published, p);
        if (published)
            return itsm_store_get(st, t, (*t)->kind, number, scope, p);
    }
    return APR_SUCCESS;
}

apr_status_t itsm_store_get_numbers(itsm_store_t *st, apr_hash_t **out, const char *kind,
                                    const apr_array_header_t *numbers, const char *scope,
                                    apr_pool_t *p)
{
    apr_array_header_t *found = apr_array_make(p, numbers->nelts, sizeof(itsm_ticket_t *));
    scope_t sc = scope_parse(p, scope);
    int i;

    *out = apr_hash_make(p);
    if (kind == NULL)           /* a kind read as published needs its name (read_mode) */
        return APR_EINVAL;
    if (numbers->nelts == 0)
        return APR_SUCCESS;
    if (get_numbered(st, found, kind, numbers, &sc, p) != APR_SUCCESS)
        return APR_EGENERAL;
    for (i = 0; i < found->nelts; i++) {
        itsm_ticket_t *t = APR_ARRAY_IDX(found, i, itsm_ticket_t *);

        apr_hash_set(*out, t->number, APR_HASH_KEY_STRING, t);
    }
    return APR_SUCCESS;
}

typedef struct {
    const itsm_ticket_t *t;
    const itsm_journal_t *j;
} update_job_t;

/* A change of one ticket row guarded by its version (the statement's row count), then the
 * journal entry j if any. APR_EAGAIN when the row has moved on: nothing was written. */
static apr_status_t versioned_change(itsm_store_t *st, int which, int n, const char **args,
                                     apr_int64_t id, const itsm_journal_t *j, apr_pool_t *p)
{
    int rows = 0;
    apr_status_t rv = exec(st, p, &rows, which, n, args);

    if (rv == APR_SUCCESS && rows != 1)
        rv = APR_EAGAIN;
    if (rv == APR_SUCCESS && j)
        rv = journal_insert(st, id, j, p);
    return rv;
}

static apr_status_t update_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    update_job_t *u = ctx;
    const itsm_ticket_t *t = u->t;
    const char *open = ticket_is_open(kind_named(st->kinds, t->kind), t->state) ? "1" : "0";
    const char *args[] = {
        open, secs(p, t->updated),      /* finished: set on entering a final state */
        nz(t->party), t->state, t->title, nz(t->priority), nz(t->assignee), nz(t->group),
        secs(p, t->updated), apr_itoa(p, t->version), itsm_codec_fields_encode(p, t->fields),
        tags_in(p, t->tags), t->sla_open ? "1" : "0", nz(t->sla_notified),
        open, i64(p, t->id), apr_itoa(p, t->version - 1)
    };
    count_row_t was, now;
    int counted = 0;
    apr_status_t rv = APR_SUCCESS;

    /* SQLite: the row's count group before, and after as the UPDATE writes it */
    if (st->dialect->counts_by_store) {
        rv = count_of(st, t->id, &was, p);
        counted = rv == APR_SUCCESS;
        if (rv == APR_NOTFOUND)     /* no row: the versioned UPDATE says APR_EAGAIN */
            rv = APR_SUCCESS;
    }
    if (rv == APR_SUCCESS)
        rv = versioned_change(st, S_TICKET_UPDATE, 17, args, t->id, u->j, p);
    if (rv == APR_SUCCESS && counted) {
        now = was;
        now.open = open;
        now.party = args[2];
        now.state = args[3];
        now.priority = args[5];
        /* finished as S_TICKET_UPDATE sets it: none while open, the update's time on leaving
         * the open states, else as it was */
        if (strcmp(open, "1") == 0)
            now.finished = now.resolve = "0";
        else if (strcmp(was.open, "1") == 0) {
            now.finished = "1";
            now.resolve = i64(p, apr_time_sec(t->updated) - apr_atoi64(was.opened));
        }
        /* most updates (a title, an assignee, fields) leave the group as it was */
        if (!count_same(&was, &now) && (rv = count_change(st, &was, -1, p)) == APR_SUCCESS)
            rv = count_change(st, &now, 1, p);
    }
    if (rv == APR_SUCCESS)
        rv = index_ticket(st, t, 0, t->updated, NULL, p);
    return rv == APR_SUCCESS ? search_touch(st, t->kind, p) : rv;
}

apr_status_t itsm_store_update(itsm_store_t *st, const itsm_ticket_t *t,
                               const itsm_journal_t *j, apr_pool_t *p)
{
    update_job_t u = { t, j };

    return write_tx(st, update_in_tx, &u, p);
}

/* Up to this many clocks in a status, a list takes their tickets as a set and sorts it;
 * beyond, it scans the tickets in the list's order and probes each one's clocks: for the
 * statuses time moves, only the tickets with a running clock (sla_open); for met and missed,
 * every ticket (they are most of the history); cancelled, a settled status of few clocks, is
 * counted as the others (its set by the settled index). */
#define SLA_SET_MAX 2000

/* How long a connection keeps sla_dense's answer for a kind and status. The answer chooses
 * a plan, never the result (either plan lists the same tickets); counting the set read up to
 * 2001 clock entries for each list (1.8M instructions for sla=breached at 1,000,000
 * incidents, more than the list itself). */
#define SLA_HOW_TTL apr_time_from_sec(5)

typedef struct sla_how_t {
    apr_time_t at;              /* f->now of the count */
    int how;
} sla_how_t;

/* How a list filters on f->sla: as a set when few clocks of the kind are in that status. */
static apr_status_t sla_dense(itsm_store_t *st, const char *kind, const itsm_filter_t *f,
                              apr_pool_t *p, int *how)
{
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    const sla_status_sql_t *s = sla_status_sql(f->sla);
    const char *sql, *key;
    rows_t *res;
    row_t *row = NULL;
    sla_how_t *known = NULL;
    apr_int64_t n = 0;

    *how = SLA_AS_SET;
    if (s == NULL)
        return APR_SUCCESS;
    if (s->spread) {            /* met, missed: most stopped clocks; spread over the history */
        *how = SLA_PER_ROW;
        return APR_SUCCESS;
    }
    key = apr_pstrcat(p, "itsm_store.sla_how\n", kind, "\n", s->status, NULL);
    if (st->conn_cache)     /* the connection's own: one thread at a time uses it */
        known = apr_hash_get(st->conn_cache, key, APR_HASH_KEY_STRING);
    if (known && f->now >= known->at && f->now - known->at < SLA_HOW_TTL) {
        *how = known->how;
        return APR_SUCCESS;
    }
    /* the set counted up to one past the limit */
    sql = apr_pstrcat(p, "SELECT COUNT(*) FROM (",
                      sla_set_sql(p, st->dialect, kind, s, secs(p, f->now), args),
                      " LIMIT " INT ") x", NULL);
    arg(args, apr_itoa(p, SLA_SET_MAX + 1));
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        n = col_i64(st, row, 0);
    if (rows_done(res) != APR_SUCCESS)
        return APR_EGENERAL;
    *how = n > SLA_SET_MAX ? SLA_PER_ROW : SLA_SMALL_SET;
    if (st->conn_cache && st->conn_pool) {
        if (known == NULL) {
            known = apr_palloc(st->conn_pool, sizeof *known);
            apr_hash_set(st->conn_cache, apr_pstrdup(st->conn_pool, key), APR_HASH_KEY_STRING,
                         known);
        }
        known->at = f->now;
        known->how = *how;
    }
    return APR_SUCCESS;
}

/* Entries of a field value's index range that sparsest_first reads: the value whose
 * FIELD_SAMPLE-th ticket (in the list's order, from its start) lies farthest is the sparsest
 * there. */
#define FIELD_SAMPLE 64

/* The i-th field filter's tickets of f, the open ones (open 1) or the closed ones (0), in
 * the list's order from its start (f->after), as one range of the field index; its values
 * appended to args. */
static const char *field_sample_sql(apr_pool_t *p, const char *kind, const itsm_filter_t *f,
                                    int i, int open, int down, apr_array_header_t *args)
{
    const char *sql = apr_pstrcat(p, "SELECT f.ticket_id FROM itsm_field_index f WHERE f.kind = "
                                  "%s AND f.name = %s AND f.value = %s AND f.is_open = ",
                                  open ? "1" : "0", NULL);

    arg(args, kind);
    arg(args, f->field[i]);
    arg(args, indexed_value(p, f->value[i]));
    if (f->after && f->sort == ITSM_SORT_NUMBER) {
        sql = apr_pstrcat(p, sql, down ? " AND f.ticket_id < " INT : " AND f.ticket_id > " INT,
                          NULL);
        arg(args, i64(p, f->after));
    }
    return apr_pstrcat(p, sql, down ? " ORDER BY f.ticket_id DESC" : " ORDER BY f.ticket_id",
                       NULL);
}

/* A list filtered on two or more indexed fields walks the first field's index range and
 * probes each of its tickets for the others (from_where): the sparsest value should drive,
 * and it need not be the first the request names. *out: f, or a copy of f with the field
 * whose value is sparsest near the start of the list moved first (the same tickets match;
 * at 1,000,000 incidents a service (1/20) and a category (1/40) cost 8.0M instructions of
 * SQLite driven by the service, 4.2M by the category). One statement per field, of
 * FIELD_SAMPLE index entries each. */
static apr_status_t sparsest_first(itsm_store_t *st, const char *kind, const itsm_filter_t *f,
                                   int scoped, const itsm_filter_t **out, apr_pool_t *p)
{
    int down = f->sort == ITSM_SORT_NUMBER && f->descending, best = 0, i;
    apr_int64_t best_at = 0;
    itsm_filter_t *copy;

    *out = f;
    if (f->nfields < 2 || fields_probed(f, scoped))
        return APR_SUCCESS;
    for (i = 0; i < f->nfields; i++) {
        apr_array_header_t *args = apr_array_make(p, 12, sizeof(const char *));
        const char *sql;
        rows_t *res;
        row_t *row = NULL;
        apr_int64_t at = -1;    /* no such entry: fewer than FIELD_SAMPLE tickets ahead */

        if (f->open)    /* the value's open or closed rows: the flag's range alone */
            sql = apr_pstrcat(p, field_sample_sql(p, kind, f, i, f->open == 1, down, args),
                              " LIMIT 1 OFFSET " INT, NULL);
        else {
            /* over open and closed tickets: the merge of the value's two ranges (schema 23) */
            sql = apr_pstrcat(p, "SELECT x.ticket_id FROM (SELECT * FROM (",
                              field_sample_sql(p, kind, f, i, 0, down, args), " LIMIT " INT
                              ") a UNION ALL SELECT * FROM (", NULL);
            arg(args, apr_itoa(p, FIELD_SAMPLE));
            sql = apr_pstrcat(p, sql, field_sample_sql(p, kind, f, i, 1, down, args), " LIMIT " INT
                              ") b) x ORDER BY x.ticket_id", down ? " DESC" : "",
                              " LIMIT 1 OFFSET " INT, NULL);
            arg(args, apr_itoa(p, FIELD_SAMPLE));
        }
        arg(args, apr_itoa(p, FIELD_SAMPLE - 1));
        if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
            return APR_EGENERAL;
        while (next_row(st->driver, p, res, &row))
            at = col_i64(st, row, 0);
        if (rows_done(res) != APR_SUCCESS)
            return APR_EGENERAL;
        if (at < 0) {
            best = i;
            break;
        }
        if (i == 0 || (down ? at < best_at : at > best_at)) {
            best = i;
            best_at = at;
        }
    }
    if (best == 0)
        return APR_SUCCESS;
    copy = apr_pmemdup(p, f, sizeof *f);
    copy->field[0] = f->field[best];
    copy->value[0] = f->value[best];
    copy->field[best] = f->field[0];
    copy->value[best] = f->value[0];
    *out = copy;
    return APR_SUCCESS;
}

apr_status_t itsm_store_list(itsm_store_t *st, apr_array_header_t **out, int *more,
                             const char *kind, const char *scope, const itsm_filter_t *f,
                             apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 16, sizeof(const char *));
    const char *sql;
    rows_t *res;
    row_t *row = NULL;
    int how = SLA_AS_SET;
    reading_t rd = reading_of(st, kind, scope, p);
    *out = apr_array_make(p, f->limit > 0 ? f->limit : 1, sizeof(itsm_ticket_t *));
    *more = 0;
    if (f->sla && sla_dense(st, kind, f, p, &how) != APR_SUCCESS)
        return APR_EGENERAL;
    if (sparsest_first(st, kind, f, rd.sc.parties != NULL, &f, p) != APR_SUCCESS)
        return APR_EGENERAL;
    sql = list_sql(st, p, kind, &rd, f, how, args);
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        if ((*out)->nelts < f->limit)
            APR_ARRAY_PUSH(*out, itsm_ticket_t *) = ticket_from_row(st, row, p);
        else
            *more = 1;
    }
    return rows_done(res);
}

/* Grouping keys of itsm_store_count: name -> SQL expression over t (a ticket), and over t
 * as a row of itsm_ticket_count (NULL: the count table does not hold it). */
static const char *const count_keys[][3] = {
    { "state", "t.state", "t.state" }, { "priority", "t.priority", "t.priority" },
    { "party", "t.party", "t.party" }, { "group", "t.grp", NULL },
    { "assignee", "t.assignee", NULL },
};

/* The columns of a count after its key, over tickets t: tickets, open ones, mean opening of
 * the open ones, finished ones, their mean time to finish. */
#define COUNT_TICKETS "COUNT(*), SUM(t.is_open), AVG(CASE WHEN t.is_open = 1 THEN t.opened END), " \
    "COUNT(CASE WHEN t.is_open = 0 THEN t.finished END), " \
    "AVG(CASE WHEN t.is_open = 0 THEN t.finished - t.opened END) "
/* ... the same over the rows t of itsm_ticket_count (schema 15), whose sums divided by their
 * counts are the same numbers as the means of COUNT_TICKETS (AVG of integers: their exact sum
 * over their number) */
#define COUNT_ROWS "SUM(t.n), SUM(CASE WHEN t.is_open = 1 THEN t.n ELSE 0 END), " \
    "SUM(CASE WHEN t.is_open = 1 THEN t.opened_sum END) * 1.0 / " \
    "NULLIF(SUM(CASE WHEN t.is_open = 1 THEN t.n END), 0), " \
    "SUM(CASE WHEN t.is_open = 0 THEN t.finished_n END), " \
    "SUM(CASE WHEN t.is_open = 0 THEN t.resolve_sum END) * 1.0 / " \
    "NULLIF(SUM(CASE WHEN t.is_open = 0 THEN t.finished_n END), 0) "

/* The count of f by key (an expression of count_keys' third column, or t.month) from
 * itsm_ticket_count, NULL when that table cannot answer it: it holds tickets by kind, open
 * or not, month of opening, party, priority and state, so it answers a count within a party
 * scope (no audience, no published versions) that filters on nothing else, and on the
 * opening time only as one whole month. A month of a million tickets is a few hundred of its
 * rows, where the tickets' index would read 27,000 ticket rows. */
static const char *count_rows_sql(apr_pool_t *p, const char *kind, const reading_t *rd,
                                  const itsm_filter_t *f, const char *key,
                                  apr_array_header_t *args)
{
    const char *sql;

    if (key == NULL || rd->audience != AUDIENCE_NONE || rd->published || f->assignee
        || f->group || f->nfields || f->updated_from || f->updated_to || f->sla || f->after
        || ((f->opened_from || f->opened_to) && f->month == NULL))
        return NULL;
    arg(args, kind);
    sql = apr_pstrcat(p, "FROM itsm_ticket_count t WHERE t.kind = %s AND t.is_open ",
                      f->open == ITSM_OPEN_CLOSED ? "= 0" : f->open ? "= 1" : "IN (0, 1)",
                      visible_sql(p, &rd->sc, rd->audience, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "state", f->state, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "priority", f->priority, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "party", f->party, args), NULL);
    sql = apr_pstrcat(p, sql, equal_sql(p, "month", f->month, args), NULL);
    return apr_pstrcat(p, "SELECT ", key, ", " COUNT_ROWS, sql, NULL);
}

apr_status_t itsm_store_count(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                              const char *scope, const itsm_filter_t *f, const char *by,
                              apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 16, sizeof(const char *));
    const char *key = NULL, *rows_key = NULL, *sql;
    rows_t *res;
    row_t *row = NULL;
    size_t i;
    reading_t rd = reading_of(st, kind, scope, p);
    *out = apr_array_make(p, 8, sizeof(itsm_count_t));
    if (by == NULL)
        key = rows_key = "''";
    else if (strcmp(by, "month") == 0) {
        key = st->dialect->month_opened;
        rows_key = "t.month";
    }
    for (i = 0; key == NULL && i < sizeof count_keys / sizeof count_keys[0]; i++)
        if (strcmp(by, count_keys[i][0]) == 0) {
            key = count_keys[i][1];
            rows_key = count_keys[i][2];
        }
    if ((sql = count_rows_sql(p, kind, &rd, f, rows_key, args)) != NULL)
        /* a group whose tickets all moved on keeps its row, with a count of 0 */
        sql = apr_pstrcat(p, sql, by ? " GROUP BY 1 HAVING SUM(t.n) > 0 ORDER BY 1" : "", NULL);
    else {
        if (key == NULL) {      /* an indexed field of the kind (the caller checked) */
            /* probed per ticket by primary key: a join lets a planner read every row of the
             * field to count a few thousand tickets */
            arg(args, by);
            key = "COALESCE((SELECT g.value FROM itsm_field_index g WHERE g.ticket_id = t.id "
                  "AND g.name = %s), '')";
        }
        sql = apr_pstrcat(p, "SELECT ", key, ", " COUNT_TICKETS,
                          from_where(st, p, kind, &rd, f, SLA_AS_SET, args),
                          by ? " GROUP BY 1 ORDER BY 1" : "", NULL);
    }
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_count_t *c = apr_array_push(*out);

        c->key = by ? apr_pstrdup(p, col(st, row, 0) ? col(st, row, 0) : "") : NULL;
        c->count = col_i64(st, row, 1);
        c->open = col_i64(st, row, 2);
        c->mean_opened = apr_time_from_sec(col_i64(st, row, 3));
        c->finished = col_i64(st, row, 4);
        c->mean_resolve = apr_time_from_sec(col_i64(st, row, 5));
    }
    return rows_done(res);
}

/* Counts of the tickets matching f by time of opening: counts[b] those opened in
 * [edges[b], edges[b - 1]) (edges descending; counts[0] from edges[0] on, counts[n] before
 * edges[n - 1]). One statement of n + 1 range counts, each read from an index on
 * (..., opened) without its entries' columns (a COUNT over a range steps the entries and
 * decodes nothing; a CASE per ticket grouped in a sorter cost four times as much). */
apr_status_t itsm_store_count_opened(itsm_store_t *st, apr_int64_t *counts, const char *kind,
                                    const char *scope, const itsm_filter_t *f,
                                    const apr_time_t *edges, int n, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 16, sizeof(const char *));
    const char *sql = "SELECT ";
    rows_t *res;
    row_t *row = NULL;
    reading_t rd = reading_of(st, kind, scope, p);
    int i;

    for (i = 0; i <= n; i++) {
        sql = apr_pstrcat(p, sql, i ? ", " : "", "(SELECT COUNT(*) ",
                          from_where(st, p, kind, &rd, f, SLA_AS_SET, args), NULL);
        if (i < n) {
            arg(args, secs(p, edges[i]));
            sql = apr_pstrcat(p, sql, " AND t.opened >= " INT, NULL);
        }
        if (i > 0) {
            arg(args, secs(p, edges[i - 1]));
            sql = apr_pstrcat(p, sql, " AND t.opened < " INT, NULL);
        }
        sql = apr_pstrcat(p, sql, ")", NULL);
    }
    for (i = 0; i <= n; i++)
        counts[i] = 0;
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        for (i = 0; i <= n; i++)
            counts[i] = col_i64(st, row, i);
    return rows_done(res);
}

apr_status_t itsm_store_journal(itsm_store_t *st, apr_array_header_t **out,
                                apr_int64_t ticket_id, apr_pool_t *p)
{
    const char *args[] = { i64(p, ticket_id) };
    rows_t *res;
    row_t *row;

    *out = apr_array_make(p, 8, sizeof(itsm_journal_t));
    if (select_rows(st, p, &res, S_JOURNAL_LIST, 1, args) != APR_SUCCESS)
        return APR_EGENERAL;
    row = NULL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_journal_t *j = apr_array_push(*out);

        j->seq = (*out)->nelts;
        j->at = apr_time_from_sec(col_i64(st, row, 1));
        j->actor = apr_pstrdup(p, col(st, row, 2));
        j->action = apr_pstrdup(p, col(st, row, 3));
        j->changes = itsm_codec_changes_decode(p, col(st, row, 4));
        j->note = null_if_empty(apr_pstrdup(p, col(st, row, 5)));
    }
    return rows_done(res);
}

/* Add (or with del, remove) the link, made at j->at by j->actor; unless plain, also bump
 * from's version and journal j (plain: the set it is part of writes from itself). */
static apr_status_t link_change(itsm_store_t *st, const itsm_ticket_t *from,
                                const itsm_ticket_t *to, const char *type, int del,
                                const itsm_journal_t *j, int plain, apr_pool_t *p)
{
    const char *bump[] = {
        apr_itoa(p, from->version), secs(p, from->updated), i64(p, from->id),
        apr_itoa(p, from->version - 1)
    };
    const char *link[] = { i64(p, from->id), i64(p, to->id), type, secs(p, j->at), j->actor };
    int rows = 1;
    apr_status_t rv = plain ? APR_SUCCESS : exec(st, p, &rows, S_TICKET_BUMP, 4, bump);

    if (rv == APR_SUCCESS && rows != 1)
        rv = APR_EAGAIN;
    if (rv == APR_SUCCESS)
        rv = del ? exec(st, p, &rows, S_LINK_DELETE, 3, link)
                 : exec(st, p, &rows, S_LINK_INSERT, 5, link);
    if (rv == APR_SUCCESS && rows != 1)
        rv = del ? APR_NOTFOUND : APR_EEXIST;
    if (rv == APR_SUCCESS && !plain)
        rv = journal_insert(st, from->id, j, p);
    if (rv == APR_SUCCESS)      /* its version (and so a search's answer) moved */
        rv = search_touch(st, from->kind, p);
    return rv;
}

/* Publish t (its fields already naming the new version, ITSM_VERSION_PUBLISHED) or, with
 * withdraw, take it out of publication: the current version retired, the published audience
 * replaced. */
static apr_status_t publication(itsm_store_t *st, const itsm_ticket_t *t, int withdraw,
                                const itsm_journal_t *j, apr_pool_t *p)
{
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);
    const char *id = i64(p, t->id);
    const char *retire[] = { id }, *clear[] = { id, "1" };
    const char *n = apr_table_get(t->fields, ITSM_VERSION_PUBLISHED);
    apr_status_t rv = exec(st, p, NULL, S_VERSION_RETIRE, 1, retire);

    if (rv == APR_SUCCESS)
        rv = exec(st, p, NULL, S_AUDIENCE_CLEAR, 2, clear);
    if (rv == APR_SUCCESS && k)
        rv = search_index(st, k, t, 1, withdraw ? -1 : 0, NULL, p);
    if (rv == APR_SUCCESS)
        rv = search_touch(st, t->kind, p);
    if (rv != APR_SUCCESS || withdraw)
        return rv;
    if (n == NULL || k == NULL) {
        st->error_text = "publishing a ticket without a version number or kind";
        return APR_EINVAL;
    }
    {
        const char *version[] = {
            id, n, secs(p, j->at), j->actor, t->title, t->state,
            itsm_codec_fields_encode(p, t->fields), apr_itoa(p, t->version)
        };

        rv = exec(st, p, NULL, S_VERSION_INSERT, 8, version);
    }
    return rv == APR_SUCCESS ? index_audience(st, k, t, 1, p) : rv;
}

/* The entries of a journaled link (itsm_write_t.journaled): on each end the action "link"
 * and the change link:<type> naming the other end, as a link posted through the API. */
static apr_status_t link_journal(itsm_store_t *st, const itsm_write_t *w, apr_pool_t *p)
{
    const itsm_ticket_t *ends[2] = { w->t, w->to };
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < 2 && rv == APR_SUCCESS; i++) {
        itsm_journal_t j = { 0 };

        j.at = w->j->at;
        j.actor = w->j->actor;
        j.action = "link";
        j.changes = apr_array_make(p, 1, sizeof(itsm_change_t));
        itsm_codec_change_add(j.changes, apr_pstrcat(p, "link:", w->type, NULL), NULL,
                              ends[1 - i]->number);
        rv = journal_insert(st, ends[i]->id, &j, p);
    }
    return rv;
}

typedef struct {
    itsm_write_t *ops;
    int n;
    create_work_t *work;        /* of each op that creates, made before the transaction */
} apply_job_t;

static apr_status_t apply_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    apply_job_t *a = ctx;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < a->n && rv == APR_SUCCESS; i++) {
        itsm_write_t *w = &a->ops[i];

        switch (w->op) {
        case ITSM_WRITE_CREATE: {
            create_job_t c = { w->t, w->prefix, w->j, &a->work[i] };

            rv = create_in_tx(st, &c, p);
            break;
        }
        case ITSM_WRITE_UPDATE: {
            update_job_t u = { w->t, w->j };

            rv = update_in_tx(st, &u, p);
            break;
        }
        case ITSM_WRITE_LINK:
        case ITSM_WRITE_UNLINK:
            rv = link_change(st, w->t, w->to, w->type, w->op == ITSM_WRITE_UNLINK, w->j,
                             w->plain, p);
            if (rv == APR_SUCCESS && w->op == ITSM_WRITE_LINK && w->plain && w->journaled)
                rv = link_journal(st, w, p);
            break;
        case ITSM_WRITE_PUBLISH:
        case ITSM_WRITE_WITHDRAW:
            rv = publication(st, w->t, w->op == ITSM_WRITE_WITHDRAW, w->j, p);
            break;
        }
        if (rv != APR_SUCCESS)
            a->ops[0].failed = i;
    }
    return rv;
}

apr_status_t itsm_store_apply(itsm_store_t *st, itsm_write_t *ops, int n, apr_pool_t *p)
{
    apply_job_t a = { ops, n, apr_pcalloc(p, sizeof(create_work_t) * (n > 0 ? n : 1)) };
    int i;

    for (i = 0; i < n; i++)
        if (ops[i].op == ITSM_WRITE_CREATE)
            create_work(&a.work[i], st, ops[i].t, p);
    ops[0].failed = -1;
    return write_tx(st, apply_in_tx, &a, p);
}

apr_status_t itsm_store_links(itsm_store_t *st, apr_array_header_t **out,
                              apr_int64_t ticket_id, const char *scope, apr_pool_t *p)
{
    const char *id = i64(p, ticket_id);
    scope_t sc = scope_parse(p, scope);
    int published, audience = read_mode(st, NULL, &sc, &published, p);
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    const char *sql;
    rows_t *res;
    row_t *row;

    *out = apr_array_make(p, 4, sizeof(itsm_link_t));
    arg(args, id);
    sql = apr_pstrcat(p, "SELECT l.id, l.type, 'out', t.number, t.kind, l.at, l.actor "
                      "FROM itsm_link l JOIN itsm_ticket t ON t.id = l.to_id "
                      "WHERE l.from_id = " INT, visible_sql(p, &sc, audience, args), NULL);
    arg(args, id);
    sql = apr_pstrcat(p, sql, " UNION ALL SELECT l.id, l.type, 'in', t.number, t.kind, l.at, "
                      "l.actor FROM itsm_link l JOIN itsm_ticket t ON t.id = l.from_id "
                      "WHERE l.to_id = " INT, visible_sql(p, &sc, audience, args),
                      " ORDER BY 1", NULL);
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    row = NULL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_link_t *l = apr_array_push(*out);

        l->type = apr_pstrdup(p, col(st, row, 1));
        l->outgoing = strcmp(col(st, row, 2), "out") == 0;
        l->number = apr_pstrdup(p, col(st, row, 3));
        l->kind = apr_pstrdup(p, col(st, row, 4));
        l->at = apr_time_from_sec(col_i64(st, row, 5));
        l->actor = apr_pstrdup(p, col(st, row, 6));
    }
    return rows_done(res);
}

/* Of children, those of a kind the scope reads as published replaced by their published
 * version (itsm_store_get), or left out without one; those of an audience kind read again
 * as itsm_store_get reads them (the query of all children tests either copy's audience,
 * itsm_store_get the copy it answers). */
static apr_status_t children_published(itsm_store_t *st, apr_array_header_t *children,
                                       const scope_t *sc, const char *scope, apr_pool_t *p)
{
    int i, n = 0, published;

    for (i = 0; i < children->nelts; i++) {
        itsm_ticket_t *child = APR_ARRAY_IDX(children, i, itsm_ticket_t *);
        apr_status_t rv = APR_SUCCESS;

        if (read_mode(st, child->kind, sc, &published, p) != AUDIENCE_NONE || published)
            rv = itsm_store_get(st, &child, child->kind, child->number, scope, p);
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
            return rv;
        if (rv == APR_SUCCESS)
            APR_ARRAY_IDX(children, n++, itsm_ticket_t *) = child;
    }
    children->nelts = n;
    return APR_SUCCESS;
}

apr_status_t itsm_store_children(itsm_store_t *st, apr_array_header_t **out,
                                 apr_int64_t parent_id, const char *scope, apr_pool_t *p)
{
    scope_t sc = scope_parse(p, scope);
    int published, audience = read_mode(st, NULL, &sc, &published, p);
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    const char *sql;
    rows_t *res;
    row_t *row = NULL;

    *out = apr_array_make(p, 4, sizeof(itsm_ticket_t *));
    arg(args, i64(p, parent_id));
    arg(args, ITSM_LINK_CHILD);
    sql = apr_pstrcat(p, "SELECT ", TICKET_COLS, " FROM itsm_link l JOIN itsm_ticket t ON "
                      "t.id = l.from_id WHERE l.to_id = " INT " AND l.type = %s",
                      visible_sql(p, &sc, audience, args), " ORDER BY t.id", NULL);
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        APR_ARRAY_PUSH(*out, itsm_ticket_t *) = ticket_from_row(st, row, p);
    if (rows_done(res) != APR_SUCCESS)
        return APR_EGENERAL;
    return children_published(st, *out, &sc, scope, p);
}

/* qsort order of a feed page: newer first, then the later entry. */
static int notice_newer(const void *a, const void *b)
{
    const itsm_notice_t *x = a, *y = b;

    if (x->at != y->at)
        return x->at < y->at ? 1 : -1;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

apr_status_t itsm_store_feed(itsm_store_t *st, apr_array_header_t **out, const char *login,
                             const apr_array_header_t *follows, const char *party,
                             const char *scope, int limit, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    const char *sql = "", *lim = apr_itoa(p, limit);
    rows_t *res;
    row_t *row = NULL;
    scope_t sc = scope_parse(p, scope);
    int published, audience = read_mode(st, NULL, &sc, &published, p), i;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(itsm_notice_t));
    /* One branch per way a notice reaches login (addressed to it, to each role or group it
     * follows, party-wide for its party), each the newest limit rows of its own index range
     * ((recipient, id) or (party, party_wide, id)); one condition ORing them read the whole
     * outbox newest first until it had found limit. A row addressed to login and party-wide
     * is in two branches: UNION keeps it once. The journal entry's changes (for the feed's
     * related link) are joined to the page's rows only. */
    for (i = -1; i <= follows->nelts; i++) {
        const char *who;

        if (i < follows->nelts) {
            arg(args, i < 0 ? login : APR_ARRAY_IDX(follows, i, const char *));
            who = "o.recipient = %s";
        }
        else {
            arg(args, party ? party : "");
            who = "o.party = %s AND o.party_wide = 1";
        }
        arg(args, login);
        sql = apr_pstrcat(p, sql, i < 0 ? "" : " UNION ", "SELECT * FROM (SELECT o.id, o.at, "
                          "o.actor, o.action, o.summary, t.number, t.kind, t.title, o.journal_id "
                          "FROM itsm_outbox o JOIN itsm_ticket t ON t.id = o.ticket_id WHERE ", who,
                          " AND o.actor <> %s", visible_sql(p, &sc, audience, args),
                          " ORDER BY o.id DESC LIMIT ", lim, ") f", apr_itoa(p, i + 1), NULL);
    }
    /* One notice of a change however many ways it reached login (its assignee is in its
     * group too: a row to each): the first row of each journal entry, whose id (the Atom
     * entry's) stays when another way to the reader comes later (joining the group). Every
     * notice of the page is among its branch's newest limit, so the page is whole. Rows of
     * before schema 16 without their entry (journal_id NULL) stand alone. */
    sql = apr_pstrcat(p, "SELECT u.id, u.at, u.actor, u.action, u.summary, u.number, u.kind, "
                      "u.title, j.changes FROM (SELECT w.*, ROW_NUMBER() OVER (PARTITION BY "
                      "COALESCE(w.journal_id, -w.id) ORDER BY w.id) AS nth FROM (", sql,
                      ") w) u LEFT JOIN itsm_journal j ON j.id = u.journal_id WHERE u.nth = 1 "
                      "ORDER BY u.id DESC LIMIT ", lim, NULL);
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_notice_t *n = apr_array_push(*out);

        n->id = col_i64(st, row, 0);
        n->at = apr_time_from_sec(col_i64(st, row, 1));
        n->actor = apr_pstrdup(p, col(st, row, 2));
        n->action = apr_pstrdup(p, col(st, row, 3));
        n->summary = apr_pstrdup(p, col(st, row, 4));
        n->number = apr_pstrdup(p, col(st, row, 5));
        n->kind = apr_pstrdup(p, col(st, row, 6));
        n->title = apr_pstrdup(p, col(st, row, 7));
        n->changes = itsm_codec_changes_decode(p, col(st, row, 8));
    }
    if (rows_done(res) != APR_SUCCESS)
        return APR_EGENERAL;
    /* Newest first by time: an entry's id is taken when its transaction writes, its time when
     * the change was made, so two writers (a request, the sweep) can interleave the two. The
     * newest ids are the newest entries but for such seconds: sorting the page serves. */
    qsort((*out)->elts, (*out)->nelts, sizeof(itsm_notice_t), notice_newer);
    return APR_SUCCESS;
}

/* Every ticket a statement answers, in its order. */
static apr_status_t select_tickets(itsm_store_t *st, apr_array_header_t **out, int which, int n,
                                   const char **args, apr_pool_t *p)
{
    rows_t *res;
    row_t *row = NULL;

    *out = apr_array_make(p, 16, sizeof(itsm_ticket_t *));
    if (select_rows(st, p, &res, which, n, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        APR_ARRAY_PUSH(*out, itsm_ticket_t *) = ticket_from_row(st, row, p);
    return rows_done(res);
}

apr_status_t itsm_store_tagged(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                               const char *tag, apr_pool_t *p)
{
    const char *args[] = { kind, apr_pstrcat(p, ",", tag, ",", NULL) };

    return select_tickets(st, out, S_TAGGED, 2, args, p);
}

apr_status_t itsm_store_sla_open(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                                 apr_int64_t after_id, int limit, apr_pool_t *p)
{
    const char *args[] = { kind, i64(p, after_id), apr_itoa(p, limit) };

    return select_tickets(st, out, S_SLA_OPEN, 3, args, p);
}

static apr_status_t sla_mark_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    update_job_t *m = ctx;
    const itsm_ticket_t *t = m->t;
    const char *args[] = { t->sla_open ? "1" : "0", nz(t->sla_notified), i64(p, t->id),
                           apr_itoa(p, t->version) };

    /* APR_EAGAIN: changed since the sweep read it; the next sweep sees it anew */
    apr_status_t rv = versioned_change(st, S_SLA_MARK, 4, args, t->id, m->j, p);

    return rv == APR_SUCCESS ? search_touch(st, t->kind, p) : rv;
}

apr_status_t itsm_store_sla_mark(itsm_store_t *st, const itsm_ticket_t *t,
                                 const itsm_journal_t *j, apr_pool_t *p)
{
    update_job_t m = { t, j };

    return write_tx(st, sla_mark_in_tx, &m, p);
}

/* Does a reader within sc read every published version of t (kind k) as they read t: of
 * every party, or of t's, or a kind without an audience? */
static int versions_by_ticket(const scope_t *sc, const itsm_kind_t *k, const itsm_ticket_t *t)
{
    return k && (sc->parties == NULL || k->visibility != ITSM_VISIBLE_AUDIENCE
                 || k->audience_field == NULL || has_key(sc->parties, t->party));
}

/* Does the audience in a version's fields (kind k, which has an audience field) name one
 * of the scope's keys? With versions_by_ticket, the rule visible_sql gives the current
 * version in SQL (t of one of the scope's parties, or an audience key shared). An earlier
 * version's audience is only in its stored fields (itsm_audience holds the working copy's
 * and the current version's rows), so it is decided here, on the same scope. */
static int version_audience_admits(apr_pool_t *p, const scope_t *sc, const itsm_kind_t *k,
                                   const apr_table_t *fields)
{
    apr_array_header_t *keys;
    const char *why;
    int i;

    if (itsm_store_audience_parse(p, apr_table_get(fields, k->audience_field), 0, &keys, &why)
        != APR_SUCCESS)
        return 0;
    for (i = 0; i < keys->nelts; i++)
        if (has_key(sc->keys, APR_ARRAY_IDX(keys, i, const char *)))
            return 1;
    return 0;
}

apr_status_t itsm_store_versions(itsm_store_t *st, apr_array_header_t **out,
                                 const itsm_ticket_t *t, const char *scope, apr_pool_t *p)
{
    const char *args[] = { i64(p, t->id) };
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);
    scope_t sc = scope_parse(p, scope);
    int check = !versions_by_ticket(&sc, k, t);
    apr_pool_t *one = NULL;
    rows_t *res;
    row_t *row = NULL;

    *out = apr_array_make(p, 4, sizeof(itsm_version_t));
    if (select_rows(st, p, &res, check ? S_VERSION_LIST_FIELDS : S_VERSION_LIST, 1, args)
        != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_version_t *v;

        if (check && !col_i64(st, row, 5)) {    /* an earlier version: by its own audience,
                                                 * its fields gone with the next (one pool) */
            if (one == NULL)
                apr_pool_create(&one, p);
            else
                apr_pool_clear(one);
            if (k == NULL       /* a kind the store does not know: none */
                || !version_audience_admits(one, &sc, k,
                                            itsm_codec_fields_decode(one, col(st, row, 6))))
                continue;
        }
        v = apr_array_push(*out);
        v->n = (int)col_i64(st, row, 0);
        v->at = apr_time_from_sec(col_i64(st, row, 1));
        v->actor = apr_pstrdup(p, col(st, row, 2));
        v->title = apr_pstrdup(p, col(st, row, 3));
        v->state = apr_pstrdup(p, col(st, row, 4));
        v->current = (int)col_i64(st, row, 5);
    }
    if (one)
        apr_pool_destroy(one);
    return rows_done(res);
}

apr_status_t itsm_store_version(itsm_store_t *st, itsm_ticket_t **out, itsm_version_t *info,
                                const itsm_ticket_t *t, int n, const char *scope,
                                apr_pool_t *p)
{
    const char *args[] = { i64(p, t->id), apr_itoa(p, n) };
    scope_t sc = scope_parse(p, scope);
    rows_t *res;
    row_t *row = NULL;

    *out = NULL;
    if (select_rows(st, p, &res, S_VERSION_GET, 2, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_ticket_t *v = apr_pmemdup(p, t, sizeof *t);

        /* what a version holds, nothing of the working copy's workflow (PUBLISHED_COLS) */
        v->priority = v->assignee = v->group = NULL;
        v->tags = v->sla_notified = "";
        v->sla_open = 0;
        v->updated = apr_time_from_sec(col_i64(st, row, 0));
        v->title = apr_pstrdup(p, col(st, row, 1));
        v->state = apr_pstrdup(p, col(st, row, 2));
        v->fields = itsm_codec_fields_decode(p, col(st, row, 3));
        v->version = (int)col_i64(st, row, 4);
        info->n = n;
        info->at = v->updated;
        info->title = v->title;
        info->state = v->state;
        info->current = (int)col_i64(st, row, 5);
        info->actor = apr_pstrdup(p, col(st, row, 6));
        *out = v;
    }
    if (*out && !info->current) {
        const itsm_kind_t *k = kind_named(st->kinds, t->kind);

        if (!versions_by_ticket(&sc, k, t)
            && (k == NULL || !version_audience_admits(p, &sc, k, (*out)->fields)))
            *out = NULL;        /* as unknown to this reader */
    }
    return *out ? APR_SUCCESS : APR_NOTFOUND;
}

/* ---- helpfulness votes ----------------------------------------------------------------- */

typedef struct vote_job_t {
    const char *kind;
    const char *args[5];
} vote_job_t;

/* The vote, and in its transaction the ticket's ITSM_FIELD_VOTES fields. PostgreSQL's
 * writers run at once (read committed): the ticket's row is locked first, so that two votes
 * on one ticket sum one after the other (each statement after the lock sees the other's
 * committed vote) instead of each writing a sum without the other's; SQLite's writers are
 * one at a time already. A new value may change a search's order: the kind's boost
 * generation moves (search_touch_boost), only when a value changed. */
static apr_status_t vote_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    static const char sql[] =
        "INSERT INTO itsm_vote (ticket_id, n, login, helpful, at) VALUES (" INT ", " INT
        ", %s, " INT ", " INT ") ON CONFLICT (ticket_id, n, login) DO UPDATE SET "
        "helpful = excluded.helpful, at = excluded.at";
    vote_job_t *v = ctx;
    const itsm_kind_t *k = kind_named(st->kinds, v->kind);
    const itsm_field_t *fd;
    apr_status_t rv = APR_SUCCESS;
    int changed = 0;

    if (!st->dialect->serialize_writes)
        rv = run_shape(st, p, NULL, NULL, "SELECT id FROM itsm_ticket WHERE id = " INT
                       " FOR UPDATE", 1, v->args);
    if (rv == APR_SUCCESS)
        rv = run_shape(st, p, NULL, NULL, sql, 5, v->args);
    for (fd = k ? k->fields : NULL; rv == APR_SUCCESS && fd && fd->name; fd++) {
        const char *args[] = { fd->name, v->args[0] };
        int n = 0;

        if ((fd->flags & ITSM_FIELD_VOTES) != ITSM_FIELD_VOTES)
            continue;
        rv = run_shape(st, p, NULL, &n, VOTES_NET("ticket_id = " INT), 2, args);
        changed |= n > 0;
        if (rv == APR_SUCCESS && n > 0 && k->search && k->search->boost_field
            && strcmp(k->search->boost_field, fd->name) == 0)
            rv = search_boost_rows(st, k, v->args[0], p);
    }
    return rv == APR_SUCCESS && changed ? search_touch_boost(st, v->kind, p) : rv;
}

apr_status_t itsm_store_vote(itsm_store_t *st, const itsm_ticket_t *t, int n, const char *login,
                             int helpful, apr_time_t at, apr_pool_t *p)
{
    vote_job_t v = { t->kind, { i64(p, t->id), apr_itoa(p, n), login, helpful ? "1" : "0",
                                i64(p, apr_time_sec(at)) } };

    return write_tx(st, vote_in_tx, &v, p);
}

apr_status_t itsm_store_field_span(itsm_store_t *st, const char *kind, const char *name,
                                   const char *value, apr_int64_t *first, apr_int64_t *last,
                                   apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 12, sizeof(const char *));
    rows_t *res;
    row_t *row = NULL;
    int i;

    *first = *last = 0;
    for (i = 0; i < 4; i++) {
        arg(args, kind);
        arg(args, name);
        arg(args, indexed_value(p, value));
    }
    /* each end of the closed and the open tickets' ranges of the index (schema 23); a
     * range without tickets answers NULL, read as 0 (no ticket has that id) */
#define SPAN_END(fn, open) "(SELECT " fn "(ticket_id) FROM itsm_field_index WHERE kind = %s " \
                           "AND name = %s AND value = %s AND is_open = " open ")"
    if (select_sql(st, p, &res, "SELECT " SPAN_END("MIN", "0") ", " SPAN_END("MIN", "1") ", "
                   SPAN_END("MAX", "0") ", " SPAN_END("MAX", "1"), args) != APR_SUCCESS)
        return APR_EGENERAL;
#undef SPAN_END
    while (next_row(st->driver, p, res, &row)) {
        apr_int64_t closed = col_i64(st, row, 0), open = col_i64(st, row, 1);
        apr_int64_t closed_last = col_i64(st, row, 2), open_last = col_i64(st, row, 3);

        *first = closed && (open == 0 || closed < open) ? closed : open;
        *last = closed_last > open_last ? closed_last : open_last;
    }
    return rows_done(res);
}

apr_status_t itsm_store_votes(itsm_store_t *st, apr_int64_t ticket_id, int n, const char *login,
                              apr_int64_t *helpful, apr_int64_t *unhelpful, int *mine,
                              apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 3, sizeof(const char *));
    rows_t *res;
    row_t *row = NULL;

    *helpful = *unhelpful = 0;
    *mine = -1;
    arg(args, login);
    arg(args, i64(p, ticket_id));
    arg(args, apr_itoa(p, n));
    if (select_sql(st, p, &res, "SELECT COALESCE(SUM(helpful), 0), COUNT(*), "
                   "COALESCE(MAX(CASE WHEN login = %s THEN helpful + 1 ELSE 0 END), 0) "
                   "FROM itsm_vote WHERE ticket_id = " INT " AND n = " INT, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        *helpful = col_i64(st, row, 0);
        *unhelpful = col_i64(st, row, 1) - *helpful;
        *mine = (int)col_i64(st, row, 2) - 1;
    }
    return rows_done(res);
}
