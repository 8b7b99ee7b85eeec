/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the store (store.c, store_queue.c, store_migrate.c, store_search.c,
 * store_fts5.c, store_rows.c, store_wal.c): the store's handle, its dialect, the group commit queue's
 * types, the reader's cursor, and the helpers its files share. */
#ifndef ITSM_STORE_INT_H
#define ITSM_STORE_INT_H

#include <apr_dbd.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "itsm.h"
#include "itsm_sla.h"
#include "itsm_store.h"

#define TICKET_COLS "t.id, t.number, t.kind, t.party, t.state, t.title, t.priority, t.assignee, " \
                    "t.grp, t.opened, t.updated, t.created_by, t.version, t.fields, t.tags, " \
                    "t.sla_open, t.sla_notified"
/* How long an SQLite connection waits for a lock another connection holds (busy_timeout). */
#define ITSM_SQLITE_BUSY_MS 10000

/* The same columns of a ticket as its current published version v shows it to readers: what
 * the version holds (state, title, fields, when, the ticket's version then) and what no
 * version changes (number, kind, party, opened, created_by). The priority, assignee, group,
 * tags and SLA marks are the working copy's, which may be a draft of the next version: they
 * are empty, as in a version's document (itsm_store_version). Constants, so that the lists'
 * and searches' statements keep their shape and their plans. */
#define PUBLISHED_COLS "t.id, t.number, t.kind, t.party, v.state, v.title, '', '', '', " \
                       "t.opened, v.at, t.created_by, v.ticket_version, v.fields, '', 0, ''"
#define PUBLISHED_JOIN " JOIN itsm_version v ON v.ticket_id = t.id AND v.current = 1"
/* Parameters are passed as text; pgsql types %s as varchar, so numbers are cast. */
#define INT "CAST(%s AS BIGINT)"

/* The classes of a running clock's warning period (due - warn_at) in the index
 * itsm_sla_clock_span (schema 19), the one list of them in C: X(k, b) for each class k from 12
 * to 61 with its bound b = ceil(2^(k/2)) seconds, a period under b and no class before it
 * being of class k; class 62 holds 2^30.5 s and longer. SLA_SPAN_CLASS is the class as SQL,
 * written exactly as the index's expression is (a planner takes an index on an expression
 * only for the same expression, here on the clock table as c): tests/unit/test_schema.c
 * compares it with each store's migration. SLA_SPAN_CLASSES is the table of the classes (n)
 * with their bounds (hi), 62's 2^62. */
#define SLA_SPAN_BOUNDS(X) \
    X(12, 64) X(13, 91) X(14, 128) X(15, 182) X(16, 256) X(17, 363) X(18, 512) X(19, 725) \
    X(20, 1024) X(21, 1449) X(22, 2048) X(23, 2897) X(24, 4096) X(25, 5793) X(26, 8192) \
    X(27, 11586) X(28, 16384) X(29, 23171) X(30, 32768) X(31, 46341) X(32, 65536) X(33, 92682) \
    X(34, 131072) X(35, 185364) X(36, 262144) X(37, 370728) X(38, 524288) X(39, 741456) \
    X(40, 1048576) X(41, 1482911) X(42, 2097152) X(43, 2965821) X(44, 4194304) X(45, 5931642) \
    X(46, 8388608) X(47, 11863284) X(48, 16777216) X(49, 23726567) X(50, 33554432) \
    X(51, 47453133) X(52, 67108864) X(53, 94906266) X(54, 134217728) X(55, 189812532) \
    X(56, 268435456) X(57, 379625063) X(58, 536870912) X(59, 759250125) X(60, 1073741824) \
    X(61, 1518500250)
#define SLA_SPAN_WHEN(k, b) "WHEN c.due - c.warn_at < " #b " THEN " #k " "
#define SLA_SPAN_CLASS "(CASE " SLA_SPAN_BOUNDS(SLA_SPAN_WHEN) "ELSE 62 END)"
#define SLA_SPAN_ROW(k, b) "SELECT " #k " AS n, " #b " AS hi UNION ALL "
#define SLA_SPAN_CLASSES "(" SLA_SPAN_BOUNDS(SLA_SPAN_ROW) \
    "SELECT 62 AS n, 4611686018427387904 AS hi) k"

/* A store's SQL and how the store drives it. The four flags at the end are all set for SQLite
 * and clear for PostgreSQL; each names one property of SQLite that one part of the store
 * answers, so that a reader of that part knows what it depends on, and each would stand
 * alone for another engine:
 *   serialize_writes  one writer per database: writes queue for one transaction at a time
 *                     per process (the group commit, store_queue.c); PostgreSQL locks rows.
 *   counts_by_store   a trigger (as a RETURNING or an INSERT ... SELECT, an UPDATE ... FROM)
 *                     makes SQLite open a statement journal, and with it FTS5 write its
 *                     pending rows out as a segment: the store keeps itsm_ticket_count with
 *                     plain statements of the values at hand. plain_writes() (store.c) is this
 *                     same reason for the ticket's and journal's INSERTs and the counter:
 *                     one flag, two names for its two uses.
 *   native            apr_dbd's sqlite3 driver steps every row at select time under one
 *                     process-wide mutex: statements run on the native handle (store_rows.c).
 *   status_in_text    SQLite prepares a statement anew at every new value bound where a
 *                     partial index's condition depends on it: the SLA status names are
 *                     written into a list's text (settled_sql); PostgreSQL's generic plan
 *                     wants them bound. */
typedef struct dialect_t {
    const char *driver;         /* apr_dbd_name() */
    const char *begin;          /* takes the write lock at once */
    const char *lock_migration; /* run inside the migration transaction, NULL if begin suffices */
    const char *begin_migration;
    const char *strpos;         /* position of needle in haystack: f(haystack, needle) */
    const char *month_opened;   /* "YYYY-MM" (UTC) of t.opened */
    const char *unindexed;      /* prefix of a column whose index must not drive the plan */
    const char *const *connection_setup;    /* statements run once per connection */
    apr_status_t (*connection_init)(itsm_store_t *st);  /* then this, if any */
    int serialize_writes;       /* one write transaction per process at a time, see below */
    int counts_by_store;        /* itsm_ticket_count kept by the store, not by triggers (store.c) */
    int native;                 /* statements run on the native handle (store_rows.c) */
    int status_in_text;         /* SLA status names written in a list's text, not bound (sla_sql) */
} dialect_t;

/* The store's reader (store_rows.c): one cursor type over a statement's rows, stepping a
 * native SQLite statement on a request's SQLite connection, else apr_dbd's results. A row
 * is the cursor standing on it: col() copies the column into the select's pool when read
 * (NULL for SQL NULL). A cursor ends when next_row() answers 0; one left before (an early
 * exit) is ended by rows_close(), or at the latest by itsm_store_release(). */
typedef struct rows_t rows_t;
typedef rows_t row_t;
typedef struct native_t native_t;
struct sqlite3_stmt;

/* Group commit (SQLite): a write is a job, a function run inside a transaction. Writers
 * queue their jobs; one thread at a time leads, taking every job queued so far and running
 * them in one transaction on its own connection, while the others sleep on their own
 * condition variable until their job is done or they are made the next leader. The
 * transaction's fixed costs - the write lock, BEGIN, COMMIT and its WAL append, pages that
 * several jobs touch - are paid once per batch instead of once per write, and the lock
 * passes between threads once per batch. Jobs run on the leader's thread with their own
 * pool; their threads sleep meanwhile, so the pools are never used by two threads at once
 * (an APR built with pool-owner debugging would object all the same). One job's failure
 * is its own: see run_batch. A queue serves one database: the core keeps one per process
 * and mod_dbd configuration. */
typedef apr_status_t (*write_fn)(itsm_store_t *st, void *ctx, apr_pool_t *p);

enum { JOB_QUEUED, JOB_LEAD, JOB_DONE };

typedef struct write_job_t {
    write_fn fn;
    void *ctx;
    apr_pool_t *pool;           /* the writer's pool: the job allocates there */
    apr_status_t rv;
    const char *error;          /* the database's message when rv is a failure */
    apr_thread_mutex_t *lock;   /* guards state (job_wake, store_queue.c) */
    apr_thread_cond_t *wake;
    int state;
    struct write_job_t *next;
} write_job_t;

struct itsm_write_queue_t {
    apr_thread_mutex_t *mutex;  /* guards the queue and leading; never held during SQL */
    write_job_t *head, **tail;
    int leading;
    itsm_store_t *writer;       /* NULL: a batch runs on its leader's own connection */
    apr_uint64_t batches, jobs; /* jobs / batches = the mean batch size */
    apr_interval_time_t busy;   /* the batches' time, summed (itsm_write_stats_t) */
    apr_time_t made;
    volatile apr_uint32_t wal_pages;    /* the WAL's length after the writer's last commit */
    volatile apr_uint32_t wal_mark;     /* its length at the last checkpoint */
    int rewinds_missed;         /* RESTART checkpoints given up in a row (checkpointing's) */
    apr_time_t next_rewind;     /* none tried before (checkpointing's) */
    volatile apr_uint32_t checkpointing;    /* 1 while a leader checkpoints */
};

/* What a write transaction on SQLite (store_queue.c, begin to finish) keeps in memory and
 * writes once, just before its COMMIT (pending_flush, store.c), instead of a statement per
 * ticket: each kind's next number (read once, set once), each count group's change
 * (itsm_ticket_count) and the kinds whose search generation moves (search_touch). A group
 * commit's seven creates of a kind wrote seven counter bumps and reads, seven count upserts
 * and seven generation upserts; now one of each (one count upsert per group of the seven:
 * kind, open, month, party, priority, state). A job that fails in its savepoint takes its
 * share back with it (run_jobs). The strings are the jobs' own (their writers wait for the
 * transaction, so their pools outlive it). Outside a transaction (a migration's back-fill),
 * or once PENDING_MAX of a sort are kept, each change is written at once, as on PostgreSQL,
 * whose writes take no group commit. */
#define PENDING_MAX 16
#define PENDING_KEY 6           /* a count group's key: store.c's COUNT_KEY */
enum { PENDING_N, PENDING_OPENED, PENDING_FINISHED, PENDING_RESOLVE, PENDING_SUMS };
typedef struct {
    int on;                     /* within begin ... finish of a SQLite write */
    int n_counter, n_count, n_touch;    /* the entries of counter, count and touch in use */
    struct { const char *kind; apr_int64_t value; } counter[PENDING_MAX];
    struct { const char *key[PENDING_KEY]; apr_int64_t sum[PENDING_SUMS]; } count[PENDING_MAX];
    const char *touch[PENDING_MAX];
} pending_t;

struct itsm_store_t {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    const dialect_t *dialect;
    apr_dbd_prepared_t **stmt;
    int error;
    const char *error_text;     /* set when another thread ran this one's write (group commit) */
    int cut_short;              /* error is a read's failure after its first row (next_row) */
    itsm_write_queue_t *queue;  /* NULL: each write is a transaction of its own */
    apr_hash_t *conn_cache;     /* the connection's statements of request-made shapes */
    apr_pool_t *conn_pool;
    const apr_array_header_t *kinds;    /* const itsm_kind_t *: what writes index */
    const itsm_sla_config_t *sla;
    apr_int64_t search_window;  /* seconds: a search, then a deflection target's ticket */
    int search_ranked;          /* the rank cut-off (ITSMSearchRanked); 0: the default */
    itsm_search_counts_t *counts;   /* the searches' counts not yet written; NULL: at once */
    apr_hash_t *migration_stmts;    /* during a migration's back-fill: SQL -> statement */
    int search_hit;             /* the last itsm_store_search was answered by the cache */
    native_t *native;           /* SQLite with a connection cache: the native statements */
    rows_t *open;               /* native cursors not yet ended, the newest first */
    pending_t pending;          /* the open write transaction's deferred writes */
};

typedef apr_status_t (*backfill_fn)(itsm_store_t *st, const itsm_kind_t *k,
                                    const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p);

/* store.c: the deferred writes (pending_t) of st's write transaction: start keeping them
 * (on) or drop them (off: a ROLLBACK, a COMMIT), and write them (before the COMMIT). */
void pending_reset(itsm_store_t *st, int on);
apr_status_t pending_flush(itsm_store_t *st, apr_pool_t *p);
/* kind's search generation moved at the transaction's end: 1 when kept for it, 0 when the
 * caller must write it now. */
int pending_touch(itsm_store_t *st, const char *kind);

/* Shared helpers of store.c. */
const char *dialect_sql(apr_pool_t *p, const dialect_t *d, const char *sql);
const char *i64(apr_pool_t *p, apr_int64_t v);
const char *secs(apr_pool_t *p, apr_time_t t);
const char *col(itsm_store_t *st, row_t *row, int i);
apr_int64_t col_i64(itsm_store_t *st, row_t *row, int i);
apr_status_t prepared(itsm_store_t *st, const char *sql, apr_dbd_prepared_t **out,
                      apr_pool_t *p);
apr_status_t select_sql(itsm_store_t *st, apr_pool_t *p, rows_t **res,
                        const char *sql, const apr_array_header_t *args);
void arg(apr_array_header_t *args, const char *v);
/* " AND col IN (...)" for scope's parties (their values pushed onto args), "" for every
 * party. */
const char *scope_parties_sql(apr_pool_t *p, const char *scope, const char *col,
                              apr_array_header_t *args);
/* Whether scope reads kind as published (a reader of a versioned kind). */
int scope_reads_published(apr_pool_t *p, const char *scope, const char *kind);
const char *in_list(apr_pool_t *p, const apr_array_header_t *values, apr_array_header_t *args);
/* Whether keys (strings) hold key. */
int has_key(const apr_array_header_t *keys, const char *key);
const itsm_kind_t *kind_named(const apr_array_header_t *kinds, const char *name);
apr_status_t backfill_prepare(itsm_store_t *st, const char *sql, apr_dbd_prepared_t **out,
                              apr_pool_t *p);
apr_status_t backfill_tickets(itsm_store_t *st, const itsm_kind_t *k, backfill_fn fn,
                              apr_pool_t *p);
itsm_ticket_t *ticket_from_row(itsm_store_t *st, row_t *row, apr_pool_t *p);
const char *search_from_where(itsm_store_t *st, apr_pool_t *p, const char *kind,
                              const char *scope, const itsm_filter_t *f, const char *from,
                              const char *narrow, int *published, apr_array_header_t *args);

/* store_search.c: the search index of t (kind k) for its working copy (published 0) or its
 * version being published (1), with its synonyms; how: 1 nothing stored yet, 0 replace,
 * -1 remove only; texts: its text by weight (search_texts), NULL: made here. */
apr_status_t search_index(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                          int published, int how, const char *const *texts, apr_pool_t *p);
/* The text of t that the search index holds, by weight: out[ITSM_SEARCH_BODY + 1]. */
void search_texts(const char **out, const itsm_kind_t *k, const itsm_ticket_t *t,
                  apr_pool_t *p);
/* Move kind's search generation (itsm_search_gen) in the current write transaction: every
 * write of a ticket of a searched kind or a synonym source calls it (store_search.c, the
 * result cache). */
apr_status_t search_touch(itsm_store_t *st, const char *kind, apr_pool_t *p);
/* A change of a kind's boost values (helpfulness votes): its searches' answers, not its
 * index, change (store_search.c, search_generation). */
apr_status_t search_touch_boost(itsm_store_t *st, const char *kind, apr_pool_t *p);
/* SQLite: how many tokens the FTS5 indexes' tokenizer (unicode61, under porter) finds in
 * text (0: none, a word the index never holds), -1 when it cannot tell (store_fts5.c). */
int search_fts5_tokens(itsm_store_t *st, const char *text);
/* The boost field's value in the index rows of ticket id (a number's text), after a vote. */
apr_status_t search_boost_rows(itsm_store_t *st, const itsm_kind_t *k, const char *id,
                               apr_pool_t *p);
/* store_fts5.c: the search's ranking function itsm_rank() on st's SQLite connection, and
 * the per-process counts it keeps (once per child; without, it counts as bm25()). */
apr_status_t search_rank_register(itsm_store_t *st);
apr_status_t search_rank_child_init(apr_pool_t *pchild);
/* store_wal.c: the writer's VFS, registered in the child (itsm_store_child_init). */
apr_status_t wal_vfs_child_init(apr_pool_t *pchild);
/* t was just created: if its kind is a deflection target, the recent searches of its
 * creator within the window count as failed deflections. */
apr_status_t search_deflected(itsm_store_t *st, const itsm_ticket_t *t, apr_pool_t *p);
/* After the migrations: the search index of a kind that starts to declare search. */
apr_status_t search_backfill(itsm_store_t *st, const itsm_kind_t *k, apr_pool_t *p);

apr_status_t backfill_finished(itsm_store_t *st, apr_pool_t *p);
apr_status_t backfill(itsm_store_t *st, const apr_array_header_t *kinds, int fresh5,
                             apr_pool_t *p);
const dialect_t *dialect_of(const apr_dbd_driver_t *driver);
void drain_select(itsm_store_t *st, const char *sql, apr_pool_t *p);
apr_status_t lock_writes(itsm_store_t *st);
apr_status_t migrate_locked(itsm_store_t *st, const char *dir,
                                   const apr_array_header_t *files,
                                   const apr_array_header_t *kinds, apr_pool_t *p,
                                   const char **err);
/* The next row of res, 0 at its end, which is also where a read that fails after its first
 * row ends: its store's error set, and rows_done(res) says so. A reader of many rows returns
 * rows_done(res) after its loop, so that a failure is never taken for the end of the rows. */
int next_row(const apr_dbd_driver_t *driver, apr_pool_t *p, rows_t *res, row_t **row);
apr_status_t rows_done(const rows_t *res);
int dbd_next_row(const apr_dbd_driver_t *driver, apr_pool_t *p, apr_dbd_results_t *res,
                 apr_dbd_row_t **row);
/* store_rows.c, the rest of the reader. */
rows_t *rows_of(itsm_store_t *st, apr_pool_t *p, apr_dbd_results_t *res);
void rows_close(rows_t *res);
void rows_close_since(itsm_store_t *st, rows_t *mark);
const char *native_sql(apr_pool_t *p, const char *sql, int *nargs);
apr_status_t native_attach(itsm_store_t *st, int nfixed, apr_pool_t *p);
apr_status_t native_fixed(itsm_store_t *st, int which, const char *sql,
                          struct sqlite3_stmt **out, apr_pool_t *p);
apr_status_t native_shape(itsm_store_t *st, const char *sql, struct sqlite3_stmt **out,
                          apr_pool_t *p);
apr_status_t native_run(itsm_store_t *st, apr_pool_t *p, struct sqlite3_stmt *stmt, int n,
                        const char **args, rows_t **res, int *changes);
apr_status_t native_plain(itsm_store_t *st, const char *sql);
/* The writer connection of q (native): SQLite's automatic checkpoint off, its WAL's length
 * after each commit into q->wal_pages instead. */
void native_writer_hook(itsm_store_t *writer, itsm_write_queue_t *q);
/* A checkpoint on st's connection (no cursor of it open): PASSIVE (wait 0) copies the WAL's
 * pages that no reader needs into the database file without waiting; RESTART (the caller
 * holds the write lock) copies the rest, waits for the readers still reading from the WAL
 * (SQLite's waits of this call together at most wait, in 100 µs sleeps) and makes the next
 * commit write the WAL from its beginning. APR_SUCCESS when it ran whole. */
apr_status_t native_checkpoint(itsm_store_t *st, apr_interval_time_t wait);
/* The id of the row the connection's last INSERT wrote (sqlite3_last_insert_rowid). */
apr_int64_t native_last_id(itsm_store_t *st);
apr_status_t plain(itsm_store_t *st, const char *sql);
/* The same through a statement prepared once per connection (BEGIN and COMMIT on SQLite). */
apr_status_t plain_prepared(itsm_store_t *st, const char *sql, apr_pool_t *p);
apr_status_t exec_sql(itsm_store_t *st, apr_pool_t *p, const char *sql,
                      const apr_array_header_t *args);
void unlock_writes(const dialect_t *d);
apr_status_t write_tx(itsm_store_t *st, write_fn fn, void *ctx, apr_pool_t *p);

#endif
