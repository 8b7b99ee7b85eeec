/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A SQLite VFS shim, "itsm-wal", under the store's one writer connection per process
 * (core.c, writer_open): it gathers the writes of one commit to the WAL into one write.
 *
 * Why: SQLite writes each WAL frame as two writes, its 24-byte header and its page. A group
 * commit of a batch of problem creates carries ~75 frames, so 150 pwrite calls; on this
 * machine's ext4 that was 170 us a batch against 40 us for the same bytes in one pwrite
 * (docs/performance.md, "Writes of a commit gathered"), and the COMMIT was a third of the
 * writer's time. SQLite has no option for it (batch atomic writes are for rollback journals
 * on F2FS), so the store brings the ~200 lines below; everything else is the default VFS's.
 *
 * How, and why it is safe. Every method forwards to the default VFS's file (unix), which
 * keeps the locks, the shared memory and the reads. A write to a WAL file that continues the
 * pending bytes is appended to a buffer instead of made; the buffer is written, in order,
 * before anything else touches the WAL (a read, a write elsewhere, a sync, a truncate, a
 * size, a lock, close) and, above all, when the page of a commit frame (a frame whose header
 * names the database's size: the WAL format, https://sqlite.org/fileformat2.html#walformat)
 * has been appended: so the commit's write is made inside the write call SQLite makes for
 * that frame, and a failure (a full disk) is the commit's failure, reported and rolled back
 * by SQLite as without the shim. Readers see frames only after the writer publishes the new
 * WAL index header in shared memory, which comes after the commit frame; as a second guard
 * the buffer is also written at the database's shared-memory barrier and lock changes
 * (nothing is pending there unless SQLite ever wrote a commit differently). A crash loses
 * at most the pending commit, as a crash during SQLite's own frame writes would: recovery
 * reads the WAL by its checksums. Files other than WALs are untouched. */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include <apr_pools.h>

#include "store_int.h"

#if SQLITE_VERSION_NUMBER >= 3032000     /* sqlite3_database_file_object() */
#define GATHER_MAX (1 << 20)    /* bytes a WAL file gathers at most before writing */
#define WRITE_MAX 0x1ffff       /* the unix VFS writes at most this much a call (it masks
                                 * the count: seekAndWriteFd), so the gathered bytes go in
                                 * calls of up to this: 3 for a batch's 75 frames */
#define FRAME_HDR 24            /* WAL frame header; bytes 4-7 non-zero: a commit frame */

typedef struct gather_file_t gather_file_t;
struct gather_file_t {
    sqlite3_file base;          /* base.pMethods: gather_io */
    sqlite3_file *real;         /* the default VFS's file, allocated right after this */
    gather_file_t *wal;         /* a database: its open WAL's, if that is ours */
    gather_file_t *db;          /* a WAL: its database's */
    int is_wal;
    int commit_next;            /* the last write was a commit frame's header */
    unsigned char *buf;         /* a WAL: bytes from off not yet written */
    sqlite3_int64 off;
    int len;
};

static sqlite3_vfs gather_vfs;
static const sqlite3_io_methods gather_io;

static int flush(gather_file_t *f)
{
    int rc = SQLITE_OK, done, n;

    for (done = 0; rc == SQLITE_OK && done < f->len; done += n) {
        n = f->len - done < WRITE_MAX ? f->len - done : WRITE_MAX;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, n, f->off + done);
    }
    f->len = 0;
    return rc;
}

/* The pending bytes of the WAL of database file f, written before its shared memory moves. */
static void flush_wal_of(gather_file_t *f)
{
    if (f->wal && f->wal->len)
        flush(f->wal);
}

static int g_close(sqlite3_file *file)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f), rc2;

    if (f->db && f->db->wal == f)
        f->db->wal = NULL;
    if (f->wal && f->wal->db == f)
        f->wal->db = NULL;
    sqlite3_free(f->buf);
    f->buf = NULL;
    rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

static int g_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, out, amt, off);
}

static int g_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc, commit;

    if (!f->is_wal)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    if (f->len > 0 && (off != f->off + f->len || f->len + amt > GATHER_MAX)) {
        if ((rc = flush(f)) != SQLITE_OK)
            return rc;
    }
    if (amt > WRITE_MAX)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    if (f->buf == NULL && (f->buf = sqlite3_malloc(GATHER_MAX)) == NULL)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    if (f->len == 0)
        f->off = off;
    memcpy(f->buf + f->len, data, amt);
    f->len += amt;
    commit = f->commit_next;
    f->commit_next = amt == FRAME_HDR && memcmp((const unsigned char *)data + 4, "\0\0\0\0", 4);
    return commit ? flush(f) : SQLITE_OK;
}

static int g_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int g_sync(sqlite3_file *file, int flags)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int g_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int g_lock(sqlite3_file *file, int level)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xLock(f->real, level);
}

static int g_unlock(sqlite3_file *file, int level)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    flush_wal_of(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, level);
}

static int g_check_reserved(sqlite3_file *file, int *out)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int g_file_control(sqlite3_file *file, int op, void *arg)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    if (rc == SQLITE_OK && op == SQLITE_FCNTL_VFSNAME) {
        rc = f->real->pMethods->xFileControl(f->real, op, arg);
        if (rc == SQLITE_OK)
            *(char **)arg = sqlite3_mprintf("%s/%z", gather_vfs.zName, *(char **)arg);
        return rc;
    }
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int g_sector_size(sqlite3_file *file)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xSectorSize(f->real);
}

static int g_device_characteristics(sqlite3_file *file)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int g_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int g_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    gather_file_t *f = (gather_file_t *)file;

    flush_wal_of(f);
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void g_shm_barrier(sqlite3_file *file)
{
    gather_file_t *f = (gather_file_t *)file;

    flush_wal_of(f);
    f->real->pMethods->xShmBarrier(f->real);
}

static int g_shm_unmap(sqlite3_file *file, int delete)
{
    gather_file_t *f = (gather_file_t *)file;

    flush_wal_of(f);
    return f->real->pMethods->xShmUnmap(f->real, delete);
}

static int g_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xFetch(f->real, off, amt, out);
}

static int g_unfetch(sqlite3_file *file, sqlite3_int64 off, void *page)
{
    gather_file_t *f = (gather_file_t *)file;

    return f->real->pMethods->xUnfetch(f->real, off, page);
}

static const sqlite3_io_methods gather_io = {
    3, g_close, g_read, g_write, g_truncate, g_sync, g_file_size, g_lock, g_unlock,
    g_check_reserved, g_file_control, g_sector_size, g_device_characteristics,
    g_shm_map, g_shm_lock, g_shm_barrier, g_shm_unmap, g_fetch, g_unfetch
};

static int g_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags)
{
    sqlite3_vfs *real_vfs = vfs->pAppData;
    gather_file_t *f = (gather_file_t *)file;
    int rc;

    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (f->real->pMethods == NULL)
        return rc;
    f->base.pMethods = &gather_io;
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_WAL) && name != NULL) {
        sqlite3_file *db = sqlite3_database_file_object(name);

        f->is_wal = 1;
        if (db && db->pMethods == &gather_io) {
            f->db = (gather_file_t *)db;
            f->db->wal = f;
        }
    }
    return rc;
}

/* The rest of the VFS is the default one's; these four carry pAppData over. */
static int g_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xDelete(r, name, sync_dir);
}

static int g_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xAccess(r, name, flags, out);
}

static int g_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xFullPathname(r, name, n, out);
}

static void *g_dlopen(sqlite3_vfs *vfs, const char *name)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xDlOpen(r, name);
}

static void g_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    r->xDlError(r, n, out);
}

static void (*g_dlsym(sqlite3_vfs *vfs, void *handle, const char *sym))(void)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xDlSym(r, handle, sym);
}

static void g_dlclose(sqlite3_vfs *vfs, void *handle)
{
    sqlite3_vfs *r = vfs->pAppData;
    r->xDlClose(r, handle);
}

static int g_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xRandomness(r, n, out);
}

static int g_sleep(sqlite3_vfs *vfs, int us)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xSleep(r, us);
}

static int g_current_time(sqlite3_vfs *vfs, double *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xCurrentTime(r, out);
}

static int g_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xGetLastError(r, n, out);
}

static int g_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    sqlite3_vfs *r = vfs->pAppData;
    return r->xCurrentTimeInt64(r, out);
}

/* The VFS's name once registered over the default one (a unix VFS: its files have the
 * shared-memory and fetch methods forwarded above); NULL where it cannot be. */
static const char *gather_vfs_name(void)
{
    static int registered = -1;     /* once per process, before its threads (child_init) */
    sqlite3_vfs *r;

    if (registered >= 0)
        return registered ? gather_vfs.zName : NULL;
    registered = 0;
    r = sqlite3_vfs_find(NULL);
    if (r == NULL || r->iVersion < 2 || strncmp(r->zName, "unix", 4)
        || sqlite3_vfs_find("itsm-wal"))
        return NULL;
    gather_vfs = (sqlite3_vfs){
        .iVersion = 2, .szOsFile = (int)sizeof(gather_file_t) + r->szOsFile,
        .mxPathname = r->mxPathname, .zName = "itsm-wal", .pAppData = r,
        .xOpen = g_open, .xDelete = g_delete, .xAccess = g_access,
        .xFullPathname = g_full_pathname, .xDlOpen = g_dlopen, .xDlError = g_dlerror,
        .xDlSym = g_dlsym, .xDlClose = g_dlclose, .xRandomness = g_randomness,
        .xSleep = g_sleep, .xCurrentTime = g_current_time, .xGetLastError = g_last_error,
        .xCurrentTimeInt64 = g_current_time_int64,
    };
    if (sqlite3_vfs_register(&gather_vfs, 0) != SQLITE_OK)
        return NULL;
    registered = 1;
    return gather_vfs.zName;
}

#else
static const char *gather_vfs_name(void)
{
    return NULL;
}
#endif

const char *itsm_store_writer_params(const char *file, apr_pool_t *p)
{
    const char *vfs;
    char *uri, *o;

    /* apr_dbd's driver opens with sqlite3_open(), which reads a URI only where SQLite was
     * built to (Debian's is); elsewhere the writer stays on the default VFS. */
    if (!sqlite3_compileoption_used("USE_URI") || (vfs = gather_vfs_name()) == NULL)
        return file;
    o = uri = apr_palloc(p, 3 * strlen(file) + strlen(vfs) + sizeof "file:?vfs=");
    o = stpcpy(o, "file:");
    for (; *file; file++) {
        if (*file == '%' || *file == '?' || *file == '#')
            o += sprintf(o, "%%%02X", (unsigned char)*file);
        else
            *o++ = *file;
    }
    stpcpy(stpcpy(o, "?vfs="), vfs);
    return uri;
}
