/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A SQLite VFS shim, "itsm-wal", under the store's one writer connection per process
 * (core.c, writer_open): it gathers the writes of one commit to the WAL into a few.
 *
 * Why: SQLite writes each WAL frame as two writes, its 24-byte header and its page. A group
 * commit of a batch of problem creates carries ~75 frames, so 150 pwrite calls; on this
 * machine's ext4 that was 170 us a batch against 40 us for the same bytes in one pwrite
 * (docs/performance.md, "A commit's WAL writes gathered"), and the COMMIT was a third of the
 * writer's time. SQLite has no option for it (batch atomic writes are for rollback journals
 * on F2FS), so the store brings the shim below; everything else is the default VFS's.
 *
 * How, and why it is safe. Every method forwards to the default VFS's file (unix), which
 * keeps the locks, the shared memory and the reads. Only appends to the WAL of a database
 * opened through this VFS are gathered: a write at the end of what the WAL holds (or right
 * after the bytes pending) goes to a buffer. The buffer is written, in order, when the page
 * of a commit frame (a frame whose header names the database's size: the WAL format,
 * https://sqlite.org/fileformat2.html#walformat) has been appended, so the commit's bytes
 * are written inside the write call SQLite makes for that frame and a failure (a full disk)
 * is that call's, reported and rolled back by SQLite as without the shim; and before
 * anything else touches the WAL (a read, a write below the end such as SQLite's rewrite of
 * frame checksums in a transaction that spilled pages, a sync, a truncate, a size, close);
 * where such a write fails, the transaction's next write fails too, so that it cannot
 * commit over the frames lost (flush).
 * Readers see frames only after the writer publishes the new WAL index header in shared
 * memory, which comes after the commit frame. As a guard for a way of writing a commit this
 * shim does not know, the buffer is also written at the database's shared-memory barrier and
 * lock changes (what is pending there is at most the frames a transaction spilled before it
 * rolled back). Pending bytes never outlive the WAL's write lock: another connection may
 * write the same offsets next. A failure there cannot be returned to anyone, so the bytes
 * are dropped and the transaction's next write fails with it (a transaction still writing
 * fails; none does after the write lock's release, which ends the deferral); if they held a
 * commit frame (SQLite may have
 * published it), every later call on that WAL fails (the store logs each failed write; the
 * child's writer connection stays failing until httpd restarts its children). Not gathered:
 * a WAL whose database's device lacks powersafe overwrite (SQLite then pads a commit to the
 * sector and splits a frame at the sync point). A crash loses at most the pending commit,
 * as a crash during SQLite's own frame writes would: recovery reads the WAL by its
 * checksums. Files other than WALs are untouched. */
#include <string.h>
#include <sqlite3.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_strings.h>

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
    gather_file_t *wal;         /* a database: its open WAL's */
    gather_file_t *db;          /* a WAL: its database's, while both are open */
    int gather;                 /* a WAL whose appends are gathered */
    int commit_next;            /* the last write was a commit frame's header */
    int has_commit;             /* the pending bytes hold a commit frame's header */
    int error;                  /* a commit's write no caller could be told of failed */
    int deferred;               /* a flush no write was told of failed: the open
                                 * transaction's next write fails with it */
    unsigned char *buf;         /* bytes for off on, not yet written */
    int len;
    sqlite3_int64 off;
    sqlite3_int64 end;          /* the end of what the WAL holds, written or pending, since
                                 * its header was last written (offset 0) */
};

static sqlite3_vfs gather_vfs;
static const sqlite3_io_methods gather_io;

static int write_through(gather_file_t *f, const void *data, int amt, sqlite3_int64 off)
{
    int rc = f->real->pMethods->xWrite(f->real, data, amt, off);

    if (rc == SQLITE_OK && off + amt > f->end)
        f->end = off + amt;
    return rc;
}

/* The pending bytes, written (f->error once a commit's flush failed where nobody could be
 * told). On a failure they are dropped, the WAL's end goes back to where they began (the
 * next writes there are appends), and the next write fails with it (deferred): the bytes
 * were frames of the transaction still open (nothing is pending outside one), which SQLite
 * believes written. A failed read, sync or size does not always end SQLite's transaction
 * (a statement that read a spilled page fails alone, and the transaction may commit over
 * the hole); its next write, at the latest its commit's, now fails and rolls it back. A
 * write that is told of the failure itself clears the deferral (flush_told_writer). */
static int flush(gather_file_t *f)
{
    int rc = f->error, done;

    for (done = 0; rc == SQLITE_OK && done < f->len; done += WRITE_MAX)
        rc = f->real->pMethods->xWrite(f->real, f->buf + done,
                                       f->len - done < WRITE_MAX ? f->len - done : WRITE_MAX,
                                       f->off + done);
    if (rc != SQLITE_OK) {
        f->end = f->off;
        if (rc != f->error)
            f->deferred = rc;
    }
    f->len = f->has_commit = 0;
    return rc;
}

/* A flush made inside a write, which returns its error to SQLite as the write's own: SQLite
 * handles a failed write as without the shim (the pager's error state or a failed commit). */
static int flush_told_writer(gather_file_t *f)
{
    int rc = flush(f);

    if (rc != SQLITE_OK)
        f->deferred = 0;
    return rc;
}

/* The pending bytes of the WAL of database file f, written before its shared memory moves:
 * nothing is pending here when SQLite writes as the header comment says. */
static void flush_wal_of(gather_file_t *f)
{
    gather_file_t *w = f->wal;
    int rc, had_commit;

    if (w == NULL || w->len == 0 || w->error)
        return;
    had_commit = w->has_commit;
    if ((rc = flush(w)) == SQLITE_OK || !had_commit)
        return;                         /* dropped; the transaction's next write fails */
    w->error = rc;
    sqlite3_log(rc, "itsm-wal: a commit's WAL write failed outside any call that could "
                    "report it; the connection's WAL fails from now on");
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
    int rc, append, commit;

    if (!f->gather)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    if (f->error)
        return f->error;
    if (f->deferred) {
        rc = f->deferred;
        f->deferred = 0;
        return rc;
    }
    /* this write is a commit frame's page (the last write was its header), or such a header */
    commit = f->commit_next;
    f->commit_next = amt == FRAME_HDR && memcmp((const unsigned char *)data + 4, "\0\0\0\0", 4);
    if (off == 0) {                             /* the WAL's header: the log begins again */
        if ((rc = flush_told_writer(f)) != SQLITE_OK)
            return rc;
        f->end = 0;
    }
    append = f->len > 0 ? off == f->off + f->len : off >= f->end;
    if ((!append || f->len + amt > GATHER_MAX) && (rc = flush_told_writer(f)) != SQLITE_OK)
        return rc;
    if (!append || amt > GATHER_MAX
        || (f->buf == NULL && (f->buf = sqlite3_malloc(GATHER_MAX)) == NULL))
        return write_through(f, data, amt, off);
    if (f->len == 0)
        f->off = off;
    memcpy(f->buf + f->len, data, amt);
    f->len += amt;
    f->has_commit |= f->commit_next;
    if (off + amt > f->end)
        f->end = off + amt;
    return commit ? flush_told_writer(f) : SQLITE_OK;
}

static int g_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    gather_file_t *f = (gather_file_t *)file;
    int rc = flush(f);

    if (rc == SQLITE_OK && f->end > size)
        f->end = size;
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
    /* the WAL's write lock (lock 0) let go: the write transaction is over, committed or
     * rolled back; an error deferred for its writes must not fail the next one */
    if (f->wal && offset == 0 && flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE))
        f->wal->deferred = 0;
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
    sqlite3_file *db;
    int rc;

    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (f->real->pMethods == NULL)
        return rc;
    f->base.pMethods = &gather_io;
    if (rc != SQLITE_OK || !(flags & SQLITE_OPEN_WAL) || name == NULL)
        return rc;
    /* a WAL: gathered when its database is one of ours, without padding to sectors */
    db = sqlite3_database_file_object(name);
    if (db && db->pMethods == &gather_io) {
        f->db = (gather_file_t *)db;
        f->db->wal = f;
        f->gather = (db->pMethods->xDeviceCharacteristics(db)
                     & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
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

static apr_status_t gather_vfs_unregister(void *data)
{
    sqlite3_vfs_unregister(&gather_vfs);
    memset(&gather_vfs, 0, sizeof gather_vfs);
    return APR_SUCCESS;
}

/* Registered once per process, in child_init, before its threads, over SQLite's default
 * VFS when that is the plain unix one (whose files have the shared-memory and fetch
 * methods forwarded above); gone with pchild, before this module's code may be unloaded
 * (the writer's connection is closed before: its pool is a subpool of pchild). */
apr_status_t wal_vfs_child_init(apr_pool_t *pchild)
{
    sqlite3_vfs *r;

    if (sqlite3_initialize() != SQLITE_OK || (r = sqlite3_vfs_find(NULL)) == NULL
        || strcmp(r->zName, "unix") || r->iVersion < 2 || sqlite3_vfs_find("itsm-wal"))
        return APR_SUCCESS;             /* the writer stays on the default VFS */
    gather_vfs = (sqlite3_vfs){
        .iVersion = 2, .szOsFile = (int)sizeof(gather_file_t) + r->szOsFile,
        .mxPathname = r->mxPathname, .zName = "itsm-wal", .pAppData = r,
        .xOpen = g_open, .xDelete = g_delete, .xAccess = g_access,
        .xFullPathname = g_full_pathname, .xDlOpen = g_dlopen, .xDlError = g_dlerror,
        .xDlSym = g_dlsym, .xDlClose = g_dlclose, .xRandomness = g_randomness,
        .xSleep = g_sleep, .xCurrentTime = g_current_time, .xGetLastError = g_last_error,
        .xCurrentTimeInt64 = g_current_time_int64,
    };
    if (sqlite3_vfs_register(&gather_vfs, 0) != SQLITE_OK) {
        memset(&gather_vfs, 0, sizeof gather_vfs);
        return APR_SUCCESS;
    }
    apr_pool_cleanup_register(pchild, NULL, gather_vfs_unregister, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static const char *gather_vfs_name(void)
{
    return gather_vfs.zName;
}

#else
apr_status_t wal_vfs_child_init(apr_pool_t *pchild)
{
    return APR_SUCCESS;
}

static const char *gather_vfs_name(void)
{
    return NULL;
}
#endif

const char *itsm_store_writer_params(const char *file, apr_pool_t *p)
{
    const char *vfs = gather_vfs_name();
    char *path, *o;

    if (vfs == NULL)
        return file;
    o = path = apr_palloc(p, 3 * strlen(file) + 1);
    for (; *file; file++) {
        if (*file == '%' || *file == '?' || *file == '#') {
            *o++ = '%';
            *o++ = "0123456789ABCDEF"[(unsigned char)*file >> 4];
            *o++ = "0123456789ABCDEF"[*file & 15];
        }
        else
            *o++ = *file;
    }
    *o = '\0';
    return apr_pstrcat(p, "file:", path, "?vfs=", vfs, NULL);
}

apr_status_t itsm_store_writer_open(const apr_dbd_driver_t *driver, const char *file,
                                    apr_pool_t *p, apr_dbd_t **handle, const char **err)
{
    const char *params = itsm_store_writer_params(file, p), *opened;
    apr_finfo_t info;

    *handle = NULL;
    if (params != file && apr_dbd_open_ex(driver, p, params, handle, err) == APR_SUCCESS) {
        opened = itsm_store_file(driver, *handle);
        if (opened && strcmp(opened, file) == 0)
            return APR_SUCCESS;
        /* this SQLite reads no URI in sqlite3_open() (built without SQLITE_USE_URI): it
         * made an empty file of that name, which goes; the writer opens the file itself */
        apr_dbd_close(driver, *handle);
        *handle = NULL;
        if (opened && apr_stat(&info, opened, APR_FINFO_SIZE, p) == APR_SUCCESS
            && info.size == 0)
            apr_file_remove(opened, p);
    }
    return apr_dbd_open_ex(driver, p, file, handle, err);
}
