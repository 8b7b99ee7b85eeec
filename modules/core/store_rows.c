/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The store's reader and statement runner on SQLite: its statements run on the connection's
 * native handle (mod_dbd still opens, pools and closes the connections), prepared once per
 * connection, stepped row by row as the caller reads, each column copied only when read.
 * Owns the connection's native statements (finalized before mod_dbd closes it) and the
 * cursors (rows_t) over them; PostgreSQL and the migration's store read through apr_dbd,
 * behind the same cursor type.
 *
 * Why not apr_dbd's sqlite3 driver: its select steps every row at once and copies every
 * column of every row into the pool, and it steps under apr_dbd's one process-wide mutex,
 * so that all threads of a process took turns for every SQLite statement (docs/performance.md,
 * "Native SQLite reader"). */
#include <apr_atomic.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <sqlite3.h>
#include <string.h>

#include "store_int.h"

#define NATIVE_KEY "itsm_store.native"

/* A connection's native statements; lives in the connection's pool and conn_cache. */
struct native_t {
    sqlite3 *db;
    sqlite3_stmt **fixed;       /* the store's fixed statements by number, prepared on first use */
    int nfixed;
    apr_hash_t *shapes;         /* request-made SQL (the apr_dbd text) -> sqlite3_stmt * */
    int open;                   /* cursors of this connection not yet ended */
};

/* A cursor: a native statement being stepped, or apr_dbd's results. A row is the cursor
 * itself (row_t), read while the cursor stands on it. */
struct rows_t {
    itsm_store_t *st;
    apr_pool_t *pool;           /* where read columns are copied */
    sqlite3_stmt *stmt;         /* native; NULL once ended */
    int own;                    /* stmt is a throwaway: finalized when the cursor ends */
    int pending;                /* the first row, stepped at select time, not yet returned */
    int failed;                 /* ended by an error after its first row (st->error says) */
    rows_t *next;               /* st->open: the native cursors not yet ended */
    apr_dbd_results_t *res;     /* apr_dbd */
    apr_dbd_row_t *row;
};

/* apr_dbd_prepare's placeholders as SQLite's: each %<type> (the printf-like types
 * apr_dbd_prepare parses: s, d, u, f, hhd, hd, lld, ld, lf, pDt, ...) becomes ?, %% becomes
 * %, a % before anything else stays. NULL for the blob types (pDb, pDc), which take three
 * more values each: the store binds text only. *nargs: the number of placeholders. */
const char *native_sql(apr_pool_t *p, const char *sql, int *nargs)
{
    char *out = apr_palloc(p, strlen(sql) + 1), *o = out;
    const char *q;

    *nargs = 0;
    for (q = sql; *q; q++) {
        if (q[0] != '%') {
            *o++ = *q;
            continue;
        }
        if (q[1] == '%') {
            *o++ = '%';
            q++;
            continue;
        }
        if (!apr_isalpha(q[1])) {
            *o++ = '%';
            continue;
        }
        /* as apr_dbd_prepare: the letters of a type it knows are consumed, else one */
        switch (q[1]) {
        case 'h':
        case 'l':
            if (q[2] == q[1] && (q[3] == 'd' || q[3] == 'u'))
                q += 2;
            else if (q[2] == 'd' || q[2] == 'u' || (q[1] == 'l' && q[2] == 'f'))
                q++;
            break;
        case 'p':
            if (q[2] == 'D' && q[3] && strchr("tidaszbcn", q[3])) {
                if (q[3] == 'b' || q[3] == 'c')
                    return NULL;
                q += 2;
            }
            break;
        default:
            break;
        }
        q++;
        *o++ = '?';
        ++*nargs;
    }
    *o = '\0';
    return out;
}

/* Finalize the connection's statements before mod_dbd's own cleanup closes it: this
 * cleanup is registered on the connection's pool after mod_dbd's (cleanups run in reverse),
 * and apr_dbd_sqlite3's close (sqlite3_close) fails, the connection leaked, while any
 * statement of it is not finalized. */
static apr_status_t native_finalize(void *data)
{
    native_t *n = data;
    apr_hash_index_t *hi;
    int i;

    for (i = 0; i < n->nfixed; i++)
        sqlite3_finalize(n->fixed[i]);
    for (hi = apr_hash_first(NULL, n->shapes); hi; hi = apr_hash_next(hi))
        sqlite3_finalize(apr_hash_this_val(hi));
    return APR_SUCCESS;
}

/* Before anything else of a request runs on the connection: when a cursor was left open by
 * the connection's last user (a bug: see itsm_store_release), its statement still holds a
 * read transaction; reset every busy statement now that the connection is ours alone. */
static void native_reset_busy(native_t *n)
{
    sqlite3_stmt *s = NULL;

    while ((s = sqlite3_next_stmt(n->db, s)) != NULL)
        if (sqlite3_stmt_busy(s))
            sqlite3_reset(s);
    n->open = 0;
}

apr_status_t native_attach(itsm_store_t *st, int nfixed, apr_pool_t *p)
{
    native_t *n = apr_hash_get(st->conn_cache, NATIVE_KEY, APR_HASH_KEY_STRING);

    (void)p;
    if (n == NULL) {
        sqlite3 *db = apr_dbd_native_handle(st->driver, st->handle);

        if (db == NULL) {
            st->error_text = "no native SQLite handle from apr_dbd";
            return APR_EGENERAL;
        }
        n = apr_pcalloc(st->conn_pool, sizeof *n);
        n->db = db;
        n->nfixed = nfixed;
        n->fixed = apr_pcalloc(st->conn_pool, sizeof *n->fixed * (apr_size_t)nfixed);
        n->shapes = apr_hash_make(st->conn_pool);
        apr_pool_cleanup_register(st->conn_pool, n, native_finalize, apr_pool_cleanup_null);
        apr_hash_set(st->conn_cache, NATIVE_KEY, APR_HASH_KEY_STRING, n);
    }
    else if (n->open)
        native_reset_busy(n);
    st->native = n;
    return APR_SUCCESS;
}

/* The failure rc of the connection: st->error and its message, copied into p. */
static apr_status_t failed(itsm_store_t *st, int rc, apr_pool_t *p)
{
    st->error = rc ? rc : SQLITE_ERROR;
    st->error_text = apr_pstrdup(p, sqlite3_errmsg(st->native->db));
    st->cut_short = 0;      /* next_row sets it after */
    return APR_EGENERAL;
}

static apr_status_t prepare(itsm_store_t *st, const char *sql, unsigned flags,
                            sqlite3_stmt **out, apr_pool_t *p)
{
    int nargs, rc;
    const char *text = native_sql(p, dialect_sql(p, st->dialect, sql), &nargs);

    *out = NULL;
    if (text == NULL) {
        st->error = SQLITE_MISUSE;
        st->error_text = "a blob parameter in a store statement";
        return APR_EGENERAL;
    }
    rc = sqlite3_prepare_v3(st->native->db, text, -1, flags, out, NULL);
    return rc == SQLITE_OK ? APR_SUCCESS : failed(st, rc, p);
}

apr_status_t native_fixed(itsm_store_t *st, int which, const char *sql, sqlite3_stmt **out,
                          apr_pool_t *p)
{
    native_t *n = st->native;

    if ((*out = n->fixed[which]) != NULL)
        return APR_SUCCESS;
    if (prepare(st, sql, SQLITE_PREPARE_PERSISTENT, out, p) != APR_SUCCESS)
        return APR_EGENERAL;
    n->fixed[which] = *out;
    return APR_SUCCESS;
}

/* The shapes are bounded as prepared() says (store.c). */
apr_status_t native_shape(itsm_store_t *st, const char *sql, sqlite3_stmt **out, apr_pool_t *p)
{
    native_t *n = st->native;

    if ((*out = apr_hash_get(n->shapes, sql, APR_HASH_KEY_STRING)) != NULL)
        return APR_SUCCESS;
    if (prepare(st, sql, SQLITE_PREPARE_PERSISTENT, out, p) != APR_SUCCESS)
        return APR_EGENERAL;
    apr_hash_set(n->shapes, apr_pstrdup(st->conn_pool, sql), APR_HASH_KEY_STRING, *out);
    return APR_SUCCESS;
}

/* A statement done with: a throwaway finalized, a kept one reset for its next use (which
 * also ends its read transaction, unless a write transaction is open). */
static void stmt_done(sqlite3_stmt *stmt, int own)
{
    if (own)
        sqlite3_finalize(stmt);
    else
        sqlite3_reset(stmt);
}

/* End c: its statement reset (its read transaction ends with it, unless a write
 * transaction is open), or finalized if it was a throwaway. */
static void rows_end(rows_t *c)
{
    rows_t **pp;

    if (c->stmt == NULL)
        return;
    stmt_done(c->stmt, c->own);
    c->stmt = NULL;
    c->pending = 0;
    for (pp = &c->st->open; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    c->st->native->open--;
}

/* Run stmt with the n values args, bound as apr_dbd's driver binds them (text, NULL as
 * NULL; the values must live until the cursor ends). res NULL: step to the end (a write),
 * *changes the rows it changed; else the cursor over its rows, its first row stepped now so
 * that a failure is the select's, as it was with apr_dbd. A statement that an open cursor of
 * this connection is stepping (a read nested in another's rows) is not disturbed: a
 * throwaway copy runs instead. */
apr_status_t native_run(itsm_store_t *st, apr_pool_t *p, sqlite3_stmt *stmt, int n,
                        const char **args, rows_t **res, int *changes)
{
    rows_t *c;
    int i, count, rc, own = 0;

    st->error = 0;
    st->error_text = NULL;
    st->cut_short = 0;
    if (sqlite3_stmt_busy(stmt)) {
        rc = sqlite3_prepare_v3(st->native->db, sqlite3_sql(stmt), -1, 0, &stmt, NULL);
        if (rc != SQLITE_OK)
            return failed(st, rc, p);
        own = 1;
    }
    count = sqlite3_bind_parameter_count(stmt);
    for (i = 0; i < count; i++) {
        if (i < n && args[i])
            rc = sqlite3_bind_text(stmt, i + 1, args[i], (int)strlen(args[i]), SQLITE_STATIC);
        else
            rc = sqlite3_bind_null(stmt, i + 1);
        if (rc != SQLITE_OK)
            break;
    }
    if (i == count)
        rc = sqlite3_step(stmt);
    if (res == NULL) {
        while (rc == SQLITE_ROW)
            rc = sqlite3_step(stmt);
        if (changes)
            *changes = sqlite3_changes(st->native->db);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        apr_status_t rv = failed(st, rc, p);

        stmt_done(stmt, own);
        return rv;
    }
    if (res == NULL || rc == SQLITE_DONE) {
        stmt_done(stmt, own);
        if (res)
            *res = apr_pcalloc(p, sizeof **res);    /* no rows */
        return APR_SUCCESS;
    }
    c = apr_pcalloc(p, sizeof *c);
    c->st = st;
    c->pool = p;
    c->stmt = stmt;
    c->own = own;
    c->pending = 1;
    c->next = st->open;
    st->open = c;
    st->native->open++;
    *res = c;
    return APR_SUCCESS;
}

rows_t *rows_of(itsm_store_t *st, apr_pool_t *p, apr_dbd_results_t *res)
{
    rows_t *c = apr_pcalloc(p, sizeof *c);

    c->st = st;
    c->pool = p;
    c->res = res;
    return c;
}

int next_row(const apr_dbd_driver_t *driver, apr_pool_t *p, rows_t *res, row_t **row)
{
    int rc;

    *row = res;
    if (res->res) {
        /* 0 a row, -1 the end, else a driver's failure (pgsql's rows are all in at select
         * time: a failure after a row is SQLite's alone) */
        rc = apr_dbd_get_row(driver, p, res->res, &res->row, -1);
        if (rc > 0) {
            res->failed = res->st->cut_short = 1;
            res->st->error = rc;
            res->st->error_text = NULL;
        }
        return rc == 0;
    }
    if (res->stmt == NULL)
        return 0;
    if (res->pending) {
        res->pending = 0;
        return 1;
    }
    rc = sqlite3_step(res->stmt);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc != SQLITE_DONE) {    /* the rows so far are not the result: rows_done says so */
        failed(res->st, rc, res->pool);
        res->failed = res->st->cut_short = 1;
    }
    rows_end(res);
    return 0;
}

apr_status_t rows_done(const rows_t *res)
{
    return res->failed ? APR_EGENERAL : APR_SUCCESS;
}

int itsm_store_cut_short(const itsm_store_t *st)
{
    return st->cut_short;
}

void rows_close(rows_t *res)
{
    if (res && res->stmt)
        rows_end(res);
}

const char *col(itsm_store_t *st, row_t *row, int i)
{
    const unsigned char *s;

    if (row->stmt == NULL)
        return apr_dbd_get_entry(st->driver, row->row, i);
    /* text up to its first NUL, as every reader of the store's values takes it (no
     * sqlite3_column_bytes: each sqlite3_column_* call takes the connection's mutex) */
    s = sqlite3_column_text(row->stmt, i);
    return s ? apr_pstrdup(row->pool, (const char *)s) : NULL;
}

apr_int64_t col_i64(itsm_store_t *st, row_t *row, int i)
{
    const char *s;

    if (row->stmt)
        return sqlite3_column_int64(row->stmt, i);
    s = apr_dbd_get_entry(st->driver, row->row, i);
    return s ? apr_atoi64(s) : 0;
}

/* Cursors opened since mark (an earlier st->open) that are still open: ended. */
void rows_close_since(itsm_store_t *st, rows_t *mark)
{
    while (st->open && st->open != mark)
        rows_end(st->open);
}

/* SQLite counts the bytes it allocates under one process-wide mutex, taken by every malloc
 * and free of every connection (Debian's build has no lookaside: a statement's step
 * allocates), so that threads reading on different connections took turns for it. Nothing
 * here reads the counts (sqlite3_memory_used). */
int itsm_store_library_init(void)
{
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *itsm_store_file(const apr_dbd_driver_t *driver, apr_dbd_t *handle)
{
    const dialect_t *d = dialect_of(driver);
    const char *file;

    if (d == NULL || !d->native)
        return NULL;
    file = sqlite3_db_filename(apr_dbd_native_handle(driver, handle), "main");
    return file && *file ? file : NULL;
}

void itsm_store_release(itsm_store_t *st)
{
    if (st && st->native)
        rows_close_since(st, NULL);
}

static int wal_pages(void *ctx, sqlite3 *db, const char *name, int pages)
{
    itsm_write_queue_t *q = ctx;

    (void)db;
    (void)name;
    apr_atomic_set32(&q->wal_pages, pages > 0 ? (apr_uint32_t)pages : 0);
    return SQLITE_OK;
}

void native_writer_hook(itsm_store_t *writer, itsm_write_queue_t *q)
{
    if (writer->native)     /* replaces the hook sqlite3_wal_autocheckpoint set */
        sqlite3_wal_hook(writer->native->db, wal_pages, q);
}

/* A RESTART checkpoint's waits (for the WAL's write lock, for the readers on older
 * snapshots, for every reader still in the WAL) share one deadline: SQLite counts its busy
 * handler's calls per checkpoint, and a sleep lasts longer than asked under load. */
#define RESTART_SLEEP 100

static int restart_wait(void *ctx, int tries)
{
    (void)tries;
    if (apr_time_now() >= *(const apr_time_t *)ctx)
        return 0;
    apr_sleep(RESTART_SLEEP);
    return 1;
}

apr_status_t native_checkpoint(itsm_store_t *st, apr_interval_time_t wait)
{
    apr_time_t deadline;
    sqlite3 *db;
    int rc;

    if (st->native == NULL || st->open != NULL)
        return APR_EBUSY;
    db = st->native->db;
    if (wait <= 0)
        return sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
                   == SQLITE_OK ? APR_SUCCESS : APR_EBUSY;
    deadline = apr_time_now() + wait;
    sqlite3_busy_handler(db, restart_wait, &deadline);
    /* Another process's checkpoint (a passive one of another child) makes SQLite answer
     * SQLITE_BUSY at once, without the busy handler: tried again until the deadline. */
    while ((rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL))
               == SQLITE_BUSY && restart_wait(&deadline, 0))
        ;
    sqlite3_busy_timeout(db, ITSM_SQLITE_BUSY_MS);     /* the connection's own again */
    return rc == SQLITE_OK ? APR_SUCCESS : APR_EBUSY;
}

apr_int64_t native_last_id(itsm_store_t *st)
{
    return (apr_int64_t)sqlite3_last_insert_rowid(st->native->db);
}

apr_status_t native_plain(itsm_store_t *st, const char *sql)
{
    int rc = sqlite3_exec(st->native->db, sql, NULL, NULL, NULL);

    st->error = rc;
    st->error_text = NULL;  /* sqlite3_errmsg, through apr_dbd_error, until the next call */
    return rc == SQLITE_OK ? APR_SUCCESS : APR_EGENERAL;
}
