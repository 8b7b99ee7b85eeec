/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The writer's VFS (store_wal.c), on real SQLite files and opened as core.c opens the
 * writer (apr_dbd): what the writer commits, small or larger than one gathered write, after
 * a spill of pages or a rewind of the WAL, is what another connection of the default VFS
 * reads, at the moment of the commit and not before, and what a copy of the files holds at
 * that moment (a crash then); a failed write of the WAL fails the COMMIT and publishes
 * nothing; the file name survives the URI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_dbd.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <sqlite3.h>

#include "unit_main.h"
#include "store_int.h"

/* n rows of s, for INSERT ... SELECT (generate_series is the shell's, not the library's) */
#define ROWS(n) "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " \
                #n ") "

static const char *dir;

/* The unix VFS's pwrite, counted and, while failing is set, failing with ENOSPC (a full
 * disk): installed through the VFS's own system call table. */
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
static pwrite_fn real_pwrite;
static const char *pwrite_name;
static int writes, failing;

static ssize_t counting_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    writes++;
    if (failing) {
        errno = ENOSPC;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

static void hook_pwrite(int on)
{
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");

    if (pwrite_name == NULL) {
        pwrite_name = unix_vfs->xGetSystemCall(unix_vfs, "pwrite64") ? "pwrite64" : "pwrite";
        real_pwrite = (pwrite_fn)unix_vfs->xGetSystemCall(unix_vfs, pwrite_name);
        assert_non_null(real_pwrite);
    }
    assert_int_equal(unix_vfs->xSetSystemCall(unix_vfs, pwrite_name,
                                              on ? (sqlite3_syscall_ptr)counting_pwrite : NULL),
                     SQLITE_OK);
    failing = 0;
    if (on)
        writes = 0;
}
static const apr_dbd_driver_t *driver;
static int have_vfs;            /* this SQLite takes the writer's VFS (else: skipped) */

static int make_dir(void **state)
{
    const char *tmp;

    assert_int_equal(apr_temp_dir_get(&tmp, pool), APR_SUCCESS);
    dir = apr_pstrcat(pool, tmp, "/itsm-wal-XXXXXX", NULL);
    assert_non_null(mkdtemp((char *)dir));
    assert_int_equal(apr_dbd_init(pool), APR_SUCCESS);
    assert_int_equal(apr_dbd_get_driver(pool, "sqlite3", &driver), APR_SUCCESS);
    assert_int_equal(wal_vfs_child_init(pool), APR_SUCCESS);
    have_vfs = strcmp(itsm_store_writer_params("/x", pool), "/x") != 0;
    return 0;
}

static int remove_dir(void **state)
{
    apr_dir_t *d;
    apr_finfo_t e;

    if (apr_dir_open(&d, dir, pool) == APR_SUCCESS) {
        while (apr_dir_read(&e, APR_FINFO_NAME, d) == APR_SUCCESS)
            if (strcmp(e.name, ".") && strcmp(e.name, ".."))
                apr_file_remove(apr_pstrcat(pool, dir, "/", e.name, NULL), pool);
        apr_dir_close(d);
    }
    apr_dir_remove(dir, pool);
    return 0;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : sqlite3_errstr(rc));
}

static sqlite3_int64 one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    sqlite3_int64 v;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The process's writer as core.c opens it (first: SQL run on it before its set-up), and a
 * reader of the default VFS, as mod_dbd's connections are. */
static void open_writer(const char *file, const char *first, sqlite3 **writer,
                        sqlite3 **reader)
{
    apr_dbd_t *handle;
    const char *err = NULL;
    char *vfs = NULL;

    if (!have_vfs)
        skip();
    assert_int_equal(itsm_store_writer_open(driver, file, pool, &handle, &err), APR_SUCCESS);
    *writer = apr_dbd_native_handle(driver, handle);
    assert_int_equal(sqlite3_file_control(*writer, "main", SQLITE_FCNTL_VFSNAME, &vfs),
                     SQLITE_OK);
    assert_string_equal(vfs, "itsm-wal/unix");
    sqlite3_free(vfs);
    if (first)
        exec(*writer, first);
    exec(*writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                  "PRAGMA wal_autocheckpoint = 0;"
                  "CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, b BLOB)");
    assert_int_equal(sqlite3_open(file, reader), SQLITE_OK);
}

static void open_pair(const char *file, sqlite3 **writer, sqlite3 **reader)
{
    open_writer(file, NULL, writer, reader);
}

/* What the files hold this moment, as a crash would leave them: the database and its WAL
 * copied (not the shared memory, which a new process rebuilds from the WAL) and opened. */
static sqlite3 *crash_copy(const char *file, const char *name)
{
    const char *copy = apr_pstrcat(pool, dir, "/", name, NULL);
    sqlite3 *db;

    assert_int_equal(apr_file_copy(file, copy, APR_FPROT_FILE_SOURCE_PERMS, pool),
                     APR_SUCCESS);
    assert_int_equal(apr_file_copy(apr_pstrcat(pool, file, "-wal", NULL),
                                   apr_pstrcat(pool, copy, "-wal", NULL),
                                   APR_FPROT_FILE_SOURCE_PERMS, pool), APR_SUCCESS);
    assert_int_equal(sqlite3_open(copy, &db), SQLITE_OK);
    assert_int_equal(one(db, "SELECT count(*) FROM pragma_integrity_check "
                             "WHERE integrity_check <> 'ok'"), 0);
    return db;
}

static void test_file_name_through_uri(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/a?b%c#d.db", NULL);
    apr_finfo_t info;
    sqlite3 *w, *r;

    if (!have_vfs)
        skip();
    assert_string_equal(itsm_store_writer_params(file, pool),
                        apr_pstrcat(pool, "file:", dir, "/a%3Fb%25c%23d.db?vfs=itsm-wal", NULL));
    open_pair(file, &w, &r);
    exec(w, "INSERT INTO t (b) VALUES ('x')");
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 1);
    assert_int_equal(apr_stat(&info, file, APR_FINFO_SIZE, pool), APR_SUCCESS);
    assert_int_equal(apr_stat(&info, apr_pstrcat(pool, file, "-wal", NULL), APR_FINFO_SIZE,
                              pool), APR_SUCCESS);
    sqlite3_close(r);
    sqlite3_close(w);
}

static void test_commits_seen_when_made(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/seen.db", NULL);
    /* bytes of blob per transaction: one frame, several, more than one write of the unix
     * VFS (128 KiB), more than the buffer (1 MiB) */
    static const int sizes[] = { 10, 20000, 300000, 2500000, 100 };
    sqlite3_int64 rows = 0, bytes = 0;
    sqlite3 *w, *r, *again;
    size_t i;

    open_pair(file, &w, &r);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        exec(w, "BEGIN IMMEDIATE");
        exec(w, apr_psprintf(pool, "INSERT INTO t (b) VALUES (randomblob(%d))", sizes[i]));
        exec(w, "INSERT INTO t (b) VALUES (randomblob(7))");
        /* the reader's snapshot holds across the writer's commit, then moves */
        exec(r, "BEGIN");
        assert_int_equal(one(r, "SELECT count(*) FROM t"), rows);
        exec(w, "COMMIT");
        rows += 2;
        bytes += sizes[i] + 7;
        assert_int_equal(one(r, "SELECT count(*) FROM t"), rows - 2);
        exec(r, "COMMIT");
        assert_int_equal(one(r, "SELECT count(*) FROM t"), rows);
        assert_int_equal(one(r, "SELECT sum(length(b)) FROM t"), bytes);
        again = crash_copy(file, apr_psprintf(pool, "seen-copy%d.db", (int)i));
        assert_int_equal(one(again, "SELECT sum(length(b)) FROM t"), bytes);
        sqlite3_close(again);
    }
    /* the same bytes from the files alone, and whole */
    sqlite3_close(r);
    sqlite3_close(w);
    assert_int_equal(sqlite3_open(file, &again), SQLITE_OK);
    assert_int_equal(one(again, "SELECT count(*) FROM t"), rows);
    assert_int_equal(one(again, "SELECT sum(length(b)) FROM t"), bytes);
    assert_int_equal(one(again, "SELECT count(*) FROM pragma_integrity_check "
                                "WHERE integrity_check <> 'ok'"), 0);
    sqlite3_close(again);
}

/* A transaction larger than the writer's page cache spills pages into the WAL before its
 * commit, and SQLite rewrites the frame headers from the first page written again to the
 * commit frame's (walRewriteChecksums): writes below the WAL's end, made as they come. With
 * an exclusive lock (locking_mode, set before the WAL is used) SQLite keeps the WAL's index
 * in its own memory: no shared-memory barrier or lock then writes what might be pending. */
static void spilled_transaction(const char *name, const char *first, int readers)
{
    const char *file = apr_pstrcat(pool, dir, "/", name, ".db", NULL);
    sqlite3 *w, *r, *copy;

    open_writer(file, first, &w, &r);
    exec(w, "PRAGMA cache_size = 10");
    exec(w, "BEGIN IMMEDIATE");
    exec(w, ROWS(400) "INSERT INTO t (b) SELECT randomblob(900) FROM s");
    exec(w, "UPDATE t SET b = zeroblob(700) WHERE n % 7 = 0");
    exec(w, ROWS(100) "INSERT INTO t (b) SELECT randomblob(900) FROM s");
    exec(w, "COMMIT");
    if (readers) {
        assert_int_equal(one(r, "SELECT count(*) FROM t"), 500);
        assert_int_equal(one(r, "SELECT count(*) FROM t WHERE b = zeroblob(700)"), 57);
    }
    copy = crash_copy(file, apr_pstrcat(pool, name, "-copy.db", NULL));
    assert_int_equal(one(copy, "SELECT count(*) FROM t"), 500);
    assert_int_equal(one(copy, "SELECT count(*) FROM t WHERE b = zeroblob(700)"), 57);
    sqlite3_close(copy);
    sqlite3_close(r);
    sqlite3_close(w);
}

static void test_spilled_transaction(void **state)
{
    spilled_transaction("spill", NULL, 1);
}

static void test_spilled_transaction_exclusive(void **state)
{
    spilled_transaction("spill-excl", "PRAGMA locking_mode = EXCLUSIVE", 0);
}

/* The WAL copied back and begun again from its start (RESTART: the same file; TRUNCATE:
 * emptied), as the store's writer does once it is long: the next commits append from there. */
static void test_rewound_wal(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/rewind.db", NULL);
    static const int modes[] = {
        SQLITE_CHECKPOINT_RESTART, SQLITE_CHECKPOINT_TRUNCATE, SQLITE_CHECKPOINT_RESTART
    };
    sqlite3 *w, *r, *copy;
    int i, rows = 0;

    open_pair(file, &w, &r);
    for (i = 0; i < 3; i++) {
        exec(w, ROWS(50) "INSERT INTO t (b) SELECT randomblob(3000) FROM s");
        rows += 50;
        assert_int_equal(sqlite3_wal_checkpoint_v2(w, "main", modes[i], NULL, NULL),
                         SQLITE_OK);
        exec(w, "INSERT INTO t (b) VALUES (randomblob(10))");
        exec(w, ROWS(40) "INSERT INTO t (b) SELECT randomblob(5000) FROM s");
        rows += 41;
        assert_int_equal(one(r, "SELECT count(*) FROM t"), rows);
        copy = crash_copy(file, apr_psprintf(pool, "rewind-copy%d.db", i));
        assert_int_equal(one(copy, "SELECT count(*) FROM t"), rows);
        sqlite3_close(copy);
    }
    sqlite3_close(r);
    sqlite3_close(w);
}

/* The point of the shim: a commit's frames reach the file in a few writes (up to 128 KiB
 * each), not two a frame; and a database that asks for sectors padded (no powersafe
 * overwrite) keeps SQLite's own two writes a frame. */
static void commit_writes(const char *name, int psow, int most, int least)
{
    const char *file = apr_pstrcat(pool, dir, "/", name, NULL);
    sqlite3 *w, *r;

    if (psow)
        open_pair(file, &w, &r);
    else {
        assert_int_equal(sqlite3_open_v2(apr_pstrcat(pool, "file:", file,
                                                     "?vfs=itsm-wal&psow=0", NULL),
                                         &w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                         | SQLITE_OPEN_URI, NULL), SQLITE_OK);
        exec(w, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                "PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB)");
        r = NULL;
    }
    exec(w, "BEGIN IMMEDIATE");
    exec(w, ROWS(40) "INSERT INTO t (b) SELECT randomblob(3800) FROM s");
    hook_pwrite(1);
    exec(w, "COMMIT");                          /* ~42 frames, 173 kB */
    hook_pwrite(0);
    assert_in_range(writes, least, most);
    sqlite3_close(r);
    sqlite3_close(w);
}

static void test_commit_writes_gathered(void **state)
{
    commit_writes("gathered.db", 1, 2, 2);
}

static void test_no_gathering_without_powersafe_overwrite(void **state)
{
    if (!have_vfs)
        skip();
    commit_writes("padded.db", 0, 200, 80);
}

/* A commit whose gathered bytes could not be written fails, and those bytes are dropped: the
 * commits after it, one row each, are each in a copy of the files taken right after it. An
 * exclusive lock leaves no shared-memory barrier to write anything late. (The 1 MiB buffer
 * fails mid-frame here; either of the shim's two guards, the WAL's end put back and a commit
 * page known whichever way its header went, is enough for this case alone.) */
static void test_commits_after_a_failed_one(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/after-failed.db", NULL);
    sqlite3 *w, *r, *copy;
    int i;

    open_writer(file, "PRAGMA locking_mode = EXCLUSIVE", &w, &r);
    exec(w, "CREATE TABLE u (x); INSERT INTO u VALUES (0)");
    exec(w, "BEGIN IMMEDIATE");
    exec(w, ROWS(300) "INSERT INTO t (b) SELECT randomblob(3900) FROM s");  /* > 1 MiB */
    hook_pwrite(1);
    failing = 1;
    assert_int_not_equal(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    hook_pwrite(0);
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    for (i = 1; i <= 300; i++) {
        exec(w, apr_psprintf(pool, "UPDATE u SET x = %d", i));
        copy = crash_copy(file, "after-failed-copy.db");
        assert_int_equal(one(copy, "SELECT x FROM u"), i);
        assert_int_equal(one(copy, "SELECT count(*) FROM t"), 0);
        sqlite3_close(copy);
        apr_file_remove(apr_pstrcat(pool, dir, "/after-failed-copy.db", NULL), pool);
        apr_file_remove(apr_pstrcat(pool, dir, "/after-failed-copy.db-wal", NULL), pool);
    }
    sqlite3_close(r);
    sqlite3_close(w);
}

/* In a transaction of w, pages spilled into the WAL by spill (a cache of 10 pages); then
 * then_sql run while every write fails with a full disk: its result, and whether a write was
 * tried (the spilled frames were pending). */
static int spill_then_fail(sqlite3 *w, const char *spill, const char *then_sql)
{
    int rc;

    exec(w, "PRAGMA cache_size = 10");
    exec(w, "BEGIN IMMEDIATE");
    exec(w, spill);
    hook_pwrite(1);
    failing = 1;
    rc = sqlite3_exec(w, then_sql, NULL, NULL, NULL);
    hook_pwrite(0);
    assert_true(writes >= 1);
    return rc;
}

/* A write after a failed one: the shim fails it at most once more (deferred), then it goes. */
static void write_again(sqlite3 *w, const char *sql)
{
    if (sqlite3_exec(w, sql, NULL, NULL, NULL) != SQLITE_OK)
        exec(w, sql);
}

/* A transaction that spilled pages and rolled back leaves its frames pending in the
 * writer's WAL; they are written at the write lock's release, and when that write fails
 * (a full disk) they are dropped there: another connection writes the same offsets next,
 * which stale frames written later would overwrite (a corrupt database). The writer's next
 * transaction, with room on the disk again, writes at once. */
static void test_pending_never_outlives_the_write_lock(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/lock.db", NULL);
    sqlite3 *o, *w, *r;

    if (!have_vfs)
        skip();
    /* another connection made the database and emptied its WAL: page 1 is not in it */
    assert_int_equal(sqlite3_open(file, &o), SQLITE_OK);
    exec(o, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
            "CREATE TABLE t (n INTEGER PRIMARY KEY, b BLOB); CREATE TABLE u (x TEXT);"
            "INSERT INTO u VALUES ('first')");
    assert_int_equal(sqlite3_wal_checkpoint_v2(o, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL,
                                               NULL), SQLITE_OK);
    open_pair(file, &w, &r);
    spill_then_fail(w, ROWS(100) "INSERT INTO t (b) SELECT randomblob(900) FROM s", "ROLLBACK");

    exec(o, "UPDATE u SET x = 'second';"
            ROWS(20) "INSERT INTO t (b) SELECT zeroblob(900) FROM s");
    assert_int_equal(one(w, "SELECT x = 'second' FROM u"), 1);
    exec(w, "INSERT INTO t (b) VALUES ('w')");
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 21);
    assert_int_equal(one(w, "SELECT count(*) FROM pragma_integrity_check "
                            "WHERE integrity_check <> 'ok'"), 0);
    sqlite3_close(r);
    sqlite3_close(w);
    sqlite3_close(o);
    assert_int_equal(sqlite3_open(file, &o), SQLITE_OK);
    assert_int_equal(one(o, "SELECT count(*) FROM t"), 21);
    assert_int_equal(one(o, "SELECT x = 'second' FROM u"), 1);
    assert_int_equal(one(o, "SELECT count(*) FROM pragma_integrity_check "
                            "WHERE integrity_check <> 'ok'"), 0);
    sqlite3_close(o);
}

/* Spilled frames pending, a statement reads one of those pages back and the write before
 * the read fails (a full disk): SQLite fails that statement alone and the transaction goes
 * on, but it must not commit over the frames lost. Nothing of it is seen, anywhere; the
 * writer then writes again. */
static void test_no_commit_over_frames_lost_to_a_read(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/read-lost.db", NULL);
    sqlite3 *w, *r, *copy;

    open_pair(file, &w, &r);
    exec(w, "CREATE TABLE v (x); CREATE TABLE k (u UNIQUE, b BLOB)");
    assert_int_not_equal(spill_then_fail(w, ROWS(100) "INSERT INTO k (u, b) SELECT i, "
                                            "randomblob(900) FROM s",
                                         "INSERT INTO k (u, b) SELECT u + 100000, b FROM k "
                                         "WHERE rowid <= 3"), SQLITE_OK);
    sqlite3_exec(w, "INSERT INTO v VALUES ('after')", NULL, NULL, NULL);
    sqlite3_exec(w, "COMMIT", NULL, NULL, NULL);
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);

    assert_int_equal(one(r, "SELECT count(*) FROM k"), 0);
    assert_int_equal(one(r, "SELECT count(*) FROM v"), 0);
    write_again(w, "INSERT INTO v VALUES ('next')");
    assert_int_equal(one(r, "SELECT count(*) FROM v"), 1);
    assert_int_equal(one(r, "SELECT count(*) FROM pragma_integrity_check "
                            "WHERE integrity_check <> 'ok'"), 0);
    copy = crash_copy(file, "read-lost-copy.db");
    assert_int_equal(one(copy, "SELECT count(*) FROM k"), 0);
    assert_int_equal(one(copy, "SELECT count(*) FROM v"), 1);
    sqlite3_close(copy);
    sqlite3_close(r);
    sqlite3_close(w);
}

static void test_failed_write_fails_commit(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/full.db", NULL);
    struct rlimit was, limit;
    apr_finfo_t wal;
    sqlite3 *w, *r;
    int rc;

    open_pair(file, &w, &r);
    exec(w, "INSERT INTO t (b) VALUES (randomblob(5000))");
    assert_int_equal(apr_stat(&wal, apr_pstrcat(pool, file, "-wal", NULL), APR_FINFO_SIZE,
                              pool), APR_SUCCESS);

    /* the WAL may grow by 64 KiB: the transaction's 1 MB cannot be written */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
    limit = was;
    limit.rlim_cur = (rlim_t)wal.size + 65536;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    exec(w, "BEGIN IMMEDIATE");
    exec(w, "INSERT INTO t (b) VALUES (randomblob(1000000))");
    rc = sqlite3_exec(w, "COMMIT", NULL, NULL, NULL);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_not_equal(rc, SQLITE_OK);
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);

    /* nothing of it is seen, and the writer goes on */
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 1);
    exec(w, "INSERT INTO t (b) VALUES (randomblob(30000))");
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 2);
    assert_int_equal(one(r, "SELECT sum(length(b)) FROM t"), 35000);
    assert_int_equal(one(r, "SELECT count(*) FROM pragma_integrity_check "
                            "WHERE integrity_check <> 'ok'"), 0);
    sqlite3_close(r);
    sqlite3_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_name_through_uri),
        cmocka_unit_test(test_commits_seen_when_made),
        cmocka_unit_test(test_spilled_transaction),
        cmocka_unit_test(test_spilled_transaction_exclusive),
        cmocka_unit_test(test_rewound_wal),
        cmocka_unit_test(test_commit_writes_gathered),
        cmocka_unit_test(test_no_gathering_without_powersafe_overwrite),
        cmocka_unit_test(test_commits_after_a_failed_one),
        cmocka_unit_test(test_pending_never_outlives_the_write_lock),
        cmocka_unit_test(test_no_commit_over_frames_lost_to_a_read),
        cmocka_unit_test(test_failed_write_fails_commit),
    };

    return itsm_unit_main(tests, make_dir, remove_dir);
}
