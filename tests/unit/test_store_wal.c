/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The writer's VFS (store_wal.c), on real SQLite files: what the writer commits, small or
 * larger than one gathered write, is what another connection of the default VFS reads, at
 * the moment of the commit and not before; a failed write of the WAL fails the COMMIT and
 * publishes nothing; the file name survives the URI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <sqlite3.h>

#include "unit_main.h"
#include "itsm_store.h"

static const char *dir;

static int make_dir(void **state)
{
    const char *tmp;

    assert_int_equal(apr_temp_dir_get(&tmp, pool), APR_SUCCESS);
    dir = apr_pstrcat(pool, tmp, "/itsm-wal-XXXXXX", NULL);
    assert_non_null(mkdtemp((char *)dir));
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

/* The process's writer as core.c opens it (through apr_dbd's sqlite3_open) and a reader
 * of the default VFS, as mod_dbd's connections are. */
static void open_pair(const char *file, sqlite3 **writer, sqlite3 **reader)
{
    char *vfs = NULL;

    assert_int_equal(sqlite3_open(itsm_store_writer_params(file, pool), writer), SQLITE_OK);
    assert_int_equal(sqlite3_file_control(*writer, "main", SQLITE_FCNTL_VFSNAME, &vfs),
                     SQLITE_OK);
    assert_string_equal(vfs, "itsm-wal/unix");
    sqlite3_free(vfs);
    exec(*writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                  "PRAGMA wal_autocheckpoint = 0;"
                  "CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, b BLOB)");
    assert_int_equal(sqlite3_open(file, reader), SQLITE_OK);
}

static void test_file_name_through_uri(void **state)
{
    const char *file = apr_pstrcat(pool, dir, "/a?b%c#d.db", NULL);
    apr_finfo_t info;
    sqlite3 *w, *r;

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
        cmocka_unit_test(test_failed_write_fails_commit),
    };

    return itsm_unit_main(tests, make_dir, remove_dir);
}
