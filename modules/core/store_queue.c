/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The store's write transactions: per process, SQLite writers take a lock (and across
 * processes the Mutex itsm-store) and commit in groups (store_int.h says how); PostgreSQL
 * writes run concurrently, a transaction each. */
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

/* SQLite write transactions of a process take this lock first, so that they queue here (the
 * group commit's leaders of several databases, or a store without a queue) instead of in
 * SQLite's busy handler, which sleeps for milliseconds; other processes are ordered by
 * process_lock, else by the busy handler.
 *
 * It was first there against a deadlock: apr_dbd's sqlite3 driver holds one process-wide
 * mutex while a statement steps, also while SQLite sleeps in its busy handler, so one
 * connection inside its write transaction waiting for that mutex and another holding it
 * while waiting for the write lock blocked each other until the busy timeout. The store no
 * longer runs statements through that driver on a request's connection (store_rows.c: reads
 * and writes on the native handle, no apr_dbd mutex), so no request thread holds the mutex;
 * only the migrations still use it, at start, while every other thread of the process waits
 * for them outside SQLite (core.c, schema_lock), and a read never waits for the write lock
 * in WAL mode. */
static apr_thread_mutex_t *write_lock;
/* The same across the processes of the server: their writers queue on this kernel lock
 * instead of polling in SQLite's busy handler, which sleeps for milliseconds. NULL: the
 * busy handler alone orders processes. */
static apr_global_mutex_t *process_lock;

apr_status_t itsm_store_child_init(apr_pool_t *pchild, apr_global_mutex_t *processes)
{
    apr_status_t rv = search_rank_child_init(pchild);

    if (rv == APR_SUCCESS)
        rv = wal_vfs_child_init(pchild);
    process_lock = processes;
    return rv != APR_SUCCESS ? rv
                             : apr_thread_mutex_create(&write_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
}

apr_status_t itsm_store_queue_create(itsm_write_queue_t **out, apr_pool_t *p)
{
    itsm_write_queue_t *q = apr_pcalloc(p, sizeof *q);
    apr_status_t rv = apr_thread_mutex_create(&q->mutex, APR_THREAD_MUTEX_DEFAULT, p);

    q->tail = &q->head;
    q->made = apr_time_now();
    *out = rv == APR_SUCCESS ? q : NULL;
    return rv;
}

/* Without the lock (its creation failed) a second writer could deadlock: refuse instead. */
apr_status_t lock_writes(itsm_store_t *st)
{
    if (!st->dialect->serialize_writes)
        return APR_SUCCESS;
    if (write_lock == NULL) {
        st->error_text = "the store lock was not created (see ITSM00008)";
        return APR_EGENERAL;
    }
    apr_thread_mutex_lock(write_lock);
    if (process_lock && apr_global_mutex_lock(process_lock) != APR_SUCCESS) {
        apr_thread_mutex_unlock(write_lock);
        st->error_text = "the cross-process store lock failed";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

void unlock_writes(const dialect_t *d)
{
    if (d->serialize_writes && write_lock) {
        if (process_lock)
            apr_global_mutex_unlock(process_lock);
        apr_thread_mutex_unlock(write_lock);
    }
}

static apr_status_t begin(itsm_store_t *st)
{
    apr_status_t rv;

    if ((rv = lock_writes(st)) != APR_SUCCESS)
        return rv;
    if ((rv = plain_prepared(st, st->dialect->begin, st->conn_pool)) != APR_SUCCESS)
        unlock_writes(st->dialect);
    else
        pending_reset(st, 1);
    return rv;
}

/* The text of the failure just seen, copied into p before a ROLLBACK replaces it (the pgsql
 * driver reports the connection's last message, which a successful ROLLBACK empties); NULL p:
 * nobody reads it. */
static const char *failure_text(itsm_store_t *st, apr_pool_t *p)
{
    return p ? apr_pstrdup(p, itsm_store_error(st)) : st->error_text;
}

/* Commit when rv is success, after the writes kept for the end (pending_flush), else roll
 * back; returns the first failure, whose text stays readable (itsm_store_error) after the
 * rollback. work: the pool of those writes' statements (a job's: it lasts until the batch's
 * writers wake); p: where a failure's text is copied (NULL: nobody reads it). */
static apr_status_t finish(itsm_store_t *st, apr_status_t rv, apr_pool_t *work, apr_pool_t *p)
{
    int saved = st->error;
    const char *text;

    if (rv == APR_SUCCESS) {
        rv = pending_flush(st, work);
        saved = st->error;
    }
    pending_reset(st, 0);
    if (rv == APR_SUCCESS) {
        rv = plain_prepared(st, "COMMIT", st->conn_pool);
        saved = st->error;
    }
    if (rv != APR_SUCCESS) {
        text = failure_text(st, p);
        plain(st, "ROLLBACK");
        st->error = saved;
        st->error_text = text;
    }
    unlock_writes(st->dialect);
    return rv;
}

void itsm_store_write_stats(itsm_write_queue_t *q, itsm_write_stats_t *out)
{
    apr_thread_mutex_lock(q->mutex);
    out->writes = q->jobs;
    out->transactions = q->batches;
    out->busy = q->busy;
    out->since = q->made;
    apr_thread_mutex_unlock(q->mutex);
}

void itsm_store_queue_writer(itsm_write_queue_t *q, itsm_store_t *writer)
{
    if (!writer->dialect->serialize_writes)
        return;
    apr_thread_mutex_lock(q->mutex);
    q->writer = writer;
    native_writer_hook(writer, q);
    apr_thread_mutex_unlock(q->mutex);
}

/* SQLite's checkpoint (copying the WAL's pages into the database file, two fdatasyncs) ran
 * inside the COMMIT that crossed its mark (1,000 pages), under the write lock: every writer
 * of the server waited for it, which made the creates' p99 (a 4,000-page mark checkpointed a
 * quarter as often, but four times as long). The writer connection's own checkpoint is off
 * (native_writer_hook); a leader that finds the WAL grown by the mark since the last
 * checkpoint, once its batch is answered and the lock handed on, checkpoints on its request's
 * own connection, one leader of the process at a time (its own response waits for it):
 *
 * 1. PASSIVE, without the lock: the pages written since the last checkpoint, while writers
 *    go on adding more;
 * 2. once the WAL is RESTART_PAGES long, RESTART, with the write lock: the few pages added
 *    during 1, then a wait for the readers still reading from the WAL (those that began
 *    before it was wholly copied; later ones read the database file alone), and the next
 *    commit writes the WAL from its beginning again (its file is reused, not grown). This
 *    holds the writers for two fdatasyncs and the wait (4.6 ms median, 14 ms at most on the
 *    bench's VM), hence once in four checkpoints, not at each. The wait is 2 ms at most;
 *    if the readers have not left by then, the WAL goes on, and each later try waits twice
 *    as long as the one before, up to 64 ms, so that reads longer than 2 ms (a list over a
 *    large desk, a first search) delay the rewind without preventing it. A later try comes
 *    1,000 pages on, and once the waits are at 64 ms no sooner than a second after the last
 *    one, so that a read that lasts (an administrator's .backup, a report held open) holds
 *    the writers 64 ms a second at most, not at every 1,000 pages; the WAL grows meanwhile,
 *    as it must while such a read needs its pages, and PRAGMA journal_size_limit (store.c)
 *    gives the file back once it starts again.
 *
 * Without 2 the WAL never started again under a steady load: SQLite rewinds it only when a
 * writer begins while the WAL is wholly copied and no reader uses it, and with writes going
 * on during each passive checkpoint and reads at all times that moment never came. The file
 * grew without bound (1.1 GB after a few minutes of bench/run), and since its length stayed
 * past the mark, nearly every batch's leader checkpointed (150 a second, each with its two
 * fdatasyncs). */
#define CHECKPOINT_PAGES 1000
#define RESTART_PAGES (4 * CHECKPOINT_PAGES)
#define RESTART_WAIT apr_time_from_msec(2)      /* the first try's wait for the readers */
#define RESTART_DOUBLINGS 5     /* 2 ms << 5 = 64 ms */
#define RESTART_SPACING apr_time_from_sec(1)   /* between tries that wait 64 ms */

/* The RESTART of checkpoint_after, its caller holding q->checkpointing. */
static void rewind_wal(itsm_write_queue_t *q, itsm_store_t *st)
{
    int doublings = q->rewinds_missed < RESTART_DOUBLINGS ? q->rewinds_missed
                                                          : RESTART_DOUBLINGS;
    apr_interval_time_t wait = RESTART_WAIT << doublings;
    const char *error_text = st->error_text;   /* the caller's write succeeded or not */

    if (lock_writes(st) != APR_SUCCESS) {
        st->error_text = error_text;
        return;
    }
    if (native_checkpoint(st, wait) == APR_SUCCESS) {
        apr_atomic_set32(&q->wal_pages, 0);
        apr_atomic_set32(&q->wal_mark, 0);
        q->rewinds_missed = 0;
    }
    else {
        q->rewinds_missed++;
        if (doublings == RESTART_DOUBLINGS)
            q->next_rewind = apr_time_now() + RESTART_SPACING;
    }
    unlock_writes(st->dialect);
}

static void checkpoint_after(itsm_write_queue_t *q, itsm_store_t *st)
{
    apr_uint32_t pages = apr_atomic_read32(&q->wal_pages), mark;

    if (q->writer == NULL || pages < CHECKPOINT_PAGES
        || apr_atomic_cas32(&q->checkpointing, 1, 0) != 0)
        return;
    mark = apr_atomic_read32(&q->wal_mark);
    if (pages < mark)           /* the WAL started again since */
        mark = 0;
    if (pages >= mark + CHECKPOINT_PAGES && native_checkpoint(st, 0) == APR_SUCCESS) {
        apr_atomic_set32(&q->wal_mark, pages);
        if (pages >= RESTART_PAGES && apr_time_now() >= q->next_rewind)
            rewind_wal(q, st);
    }
    apr_atomic_set32(&q->checkpointing, 0);
}

/* fn in a transaction of its own. */
static apr_status_t one_tx(itsm_store_t *st, write_fn fn, void *ctx, apr_pool_t *p)
{
    apr_status_t rv = begin(st);

    return rv == APR_SUCCESS ? finish(st, fn(st, ctx, p), p, p) : rv;
}

static void job_done(itsm_store_t *st, write_job_t *job, apr_status_t rv)
{
    job->rv = rv;
    job->error = rv == APR_SUCCESS ? NULL : apr_pstrdup(job->pool, itsm_store_error(st));
}

/* Run the jobs of batch in the open transaction. isolate: each in a savepoint, a failed job
 * rolled back alone; else stop at the first failure (the caller rolls everything back).
 * Returns the first failure that dooms the transaction. */
static apr_status_t run_jobs(itsm_store_t *st, write_job_t *batch, int isolate)
{
    write_job_t *job;
    apr_status_t rv = APR_SUCCESS;
    pending_t before;
    int saved;

    for (job = batch; job && rv == APR_SUCCESS; job = job->next) {
        if (isolate && (rv = plain(st, "SAVEPOINT itsm_job")) != APR_SUCCESS)
            break;
        if (isolate)
            before = st->pending;
        job_done(st, job, job->fn(st, job->ctx, job->pool));
        if (job->rv != APR_SUCCESS) {
            if (!isolate)
                return job->rv;
            saved = st->error;
            rv = plain(st, "ROLLBACK TO itsm_job");
            st->error = rv == APR_SUCCESS ? saved : st->error;
            st->pending = before;   /* the job's numbers and counts go with it */
        }
        if (isolate && rv == APR_SUCCESS)
            rv = plain(st, "RELEASE itsm_job");
    }
    return rv;
}

/* The jobs of batch in one transaction. Most batches succeed whole, so they run without
 * savepoints; if a job fails, the batch is rolled back and run again with a savepoint per
 * job, so that only the failed job is undone. If BEGIN fails, every job fails with it; if
 * a COMMIT fails, nothing was written and each job runs again in a transaction of its own. */
static void run_batch(itsm_store_t *st, write_job_t *batch)
{
    write_job_t *job;
    apr_status_t rv;
    int isolate;

    for (isolate = 0; batch->next && isolate < 2; isolate++) {
        if ((rv = begin(st)) != APR_SUCCESS) {
            for (job = batch; job; job = job->next)
                job_done(st, job, rv);
            return;
        }
        rv = run_jobs(st, batch, isolate);
        for (job = batch; job && job->rv == APR_SUCCESS; job = job->next)
            ;
        if (finish(st, rv, batch->pool, NULL) == APR_SUCCESS)
            return;
        if (job == NULL)
            break;              /* every job succeeded: the COMMIT failed */
    }
    for (job = batch; job; job = job->next)
        job_done(st, job, one_tx(st, job->fn, job->ctx, job->pool));
}

/* Tell the writer of job j its new state (its job done, or its lead). Under the job's own
 * lock, not the queue's: a woken writer takes that lock back as it leaves its wait, and the
 * leader holds it only for the store and the signal, whereas the queue's mutex, taken by
 * every writer that comes and held while the leader wakes a whole batch, made each woken
 * writer sleep once more on it. The job is its writer's (on its stack) and gone once the
 * lock is free. */
static void job_wake(write_job_t *j, int state)
{
    apr_thread_mutex_lock(j->lock);
    j->state = state;
    apr_thread_cond_signal(j->wake);
    apr_thread_mutex_unlock(j->lock);
}

/* Run fn(st, ctx, p) inside a write transaction: directly where the database takes
 * concurrent writers (PostgreSQL), else through the group commit queue above. */
apr_status_t write_tx(itsm_store_t *st, write_fn fn, void *ctx, apr_pool_t *p)
{
    write_job_t job = { .fn = fn, .ctx = ctx, .pool = p, .rv = APR_SUCCESS,
                        .state = JOB_QUEUED };
    write_job_t *batch, *j, *next;
    itsm_write_queue_t *q = st->queue;
    itsm_store_t *on;
    rows_t *mark;
    apr_uint64_t n = 0;
    apr_time_t began;
    int state;

    st->error_text = NULL;
    if (!st->dialect->serialize_writes || q == NULL) {
        return one_tx(st, fn, ctx, p);
    }
    if (apr_thread_mutex_create(&job.lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS
        || apr_thread_cond_create(&job.wake, p) != APR_SUCCESS) {
        st->error_text = "cannot wait for the write queue";
        return APR_ENOMEM;
    }
    apr_thread_mutex_lock(q->mutex);
    state = q->leading ? JOB_QUEUED : JOB_LEAD;
    q->leading = 1;
    *q->tail = &job;
    q->tail = &job.next;
    apr_thread_mutex_unlock(q->mutex);
    if (state == JOB_QUEUED) {
        apr_thread_mutex_lock(job.lock);
        while (job.state == JOB_QUEUED)
            apr_thread_cond_wait(job.wake, job.lock);
        state = job.state;
        apr_thread_mutex_unlock(job.lock);
    }
    if (state == JOB_LEAD) {
        apr_thread_mutex_lock(q->mutex);
        batch = q->head;
        q->head = NULL;
        q->tail = &q->head;
        on = q->writer ? q->writer : st;    /* only the leader uses it, one at a time */
        apr_thread_mutex_unlock(q->mutex);
        mark = on->open;
        began = apr_time_now();
        run_batch(on, batch);
        /* a cursor a job left open lives in that job's pool, gone once its writer wakes */
        rows_close_since(on, mark);
        for (j = batch; j; j = next) {
            next = j->next;     /* a woken writer's job is gone once its lock is free */
            n++;
            if (j != &job)
                job_wake(j, JOB_DONE);
        }
        apr_thread_mutex_lock(q->mutex);
        q->batches++;
        q->jobs += n;
        q->busy += apr_time_now() - began;
        if (q->head)
            job_wake(q->head, JOB_LEAD);
        else
            q->leading = 0;
        apr_thread_mutex_unlock(q->mutex);
    }
    if (state == JOB_LEAD)
        checkpoint_after(q, st);
    if (job.rv != APR_SUCCESS)
        st->error_text = job.error;
    return job.rv;
}