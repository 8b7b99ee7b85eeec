/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Migrations: the schema under ITSMSchemaDir/sql/<driver>/ applied in order, once, under a
 * database lock taken in the migration's own transaction, and the kinds' counters and index
 * back-fill after it. */
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

/* ---- migrations ------------------------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Where the code of the line [b, e) ends: before a "--" comment outside quotes ('...' and
 * "...", their doubled quotes included: a quote opens and closes again). */
static const char *code_end(const char *b, const char *e)
{
    char quote = 0;

    for (; b < e; b++) {
        if (quote)
            quote = *b == quote ? 0 : quote;
        else if (*b == '\'' || *b == '"')
            quote = *b;
        else if (b[0] == '-' && b + 1 < e && b[1] == '-')
            return b;
    }
    return e;
}

/* Statements of a migration file: split at lines whose code ends in ';', so that a comment's
 * sentence ending in ';' (a comment line, or a comment after a statement's code on its line)
 * neither cuts a statement in two nor stands as a statement of its own. Code after the last
 * such line is a statement that no line ends: APR_EINCOMPLETE, rather than left out. */
static apr_status_t run_script(itsm_store_t *st, const char *text, apr_pool_t *p)
{
    char *s = apr_pstrdup(p, text), *start = s, *line;
    int code = 0;               /* the lines since start hold code */

    while (*s) {
        line = s;
        s = strchr(s, '\n');
        s = s ? s + 1 : line + strlen(line);
        {
            const char *e = code_end(line, s);

            while (e > line && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '
                                || e[-1] == '\t'))
                e--;
            code |= e > line + strspn(line, " \t");
            if (e > line && e[-1] == ';') {
                char *sql = apr_pstrndup(p, start, (apr_size_t)(e - 1 - start));

                if (strspn(sql, " \t\r\n") != strlen(sql) && plain(st, sql) != APR_SUCCESS)
                    return APR_EGENERAL;
                start = s;
                code = 0;
            }
        }
    }
    return code ? APR_EINCOMPLETE : APR_SUCCESS;
}

apr_status_t itsm_store_migrate(const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                                const char *sqldir, const apr_array_header_t *kinds,
                                const itsm_sla_config_t *sla, apr_pool_t *p, const char **err)
{
    itsm_store_t st0 = { driver, handle, dialect_of(driver), NULL, 0 }, *st = &st0;
    const char *dir;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_array_header_t *files = apr_array_make(p, 8, sizeof(const char *));
    apr_status_t rv;
    int attempt;

    if (st->dialect == NULL) {
        *err = apr_psprintf(p, "database driver %s is not supported (sqlite3, pgsql)",
                            apr_dbd_name(driver));
        return APR_ENOTIMPL;
    }
    st->kinds = kinds;
    st->sla = sla;
    dir = apr_pstrcat(p, sqldir, "/", st->dialect->driver, NULL);
    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot open migration directory %s", dir);
        return rv;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        size_t n = strlen(fi.name);

        /* a link is read through (a package may link the shipped files into its own
         * directory); one that leads nowhere fails as an unreadable migration */
        if ((fi.filetype == APR_REG || fi.filetype == APR_LNK)
            && n > 4 && strcmp(fi.name + n - 4, ".sql") == 0
            && fi.name[0] >= '0' && fi.name[0] <= '9')
            APR_ARRAY_PUSH(files, const char *) = apr_pstrdup(p, fi.name);
    }
    apr_dir_close(d);
    qsort(files->elts, (size_t)files->nelts, sizeof(const char *), cmp_names);

    if (strcmp(st->dialect->driver, "sqlite3") == 0) {
        /* WAL cannot be switched on inside a transaction; it is persistent once set. */
        drain_select(st, "PRAGMA journal_mode = WAL", p);
        drain_select(st, "PRAGMA busy_timeout = " APR_STRINGIFY(ITSM_SQLITE_BUSY_MS), p);
    }
    /* Another process may change the schema between this connection's prepare and step
     * (SQLite answers "database schema has changed" once): the whole step is retried. */
    if ((rv = lock_writes(st)) != APR_SUCCESS) {
        *err = st->error_text;
        return rv;
    }
    for (attempt = 0; attempt < 3; attempt++)
        if ((rv = migrate_locked(st, dir, files, kinds, p, err)) == APR_SUCCESS)
            break;
    unlock_writes(st->dialect);
    return rv;
}

apr_status_t migrate_locked(itsm_store_t *st, const char *dir,
                                   const apr_array_header_t *files,
                                   const apr_array_header_t *kinds, apr_pool_t *p,
                                   const char **err)
{
    const apr_dbd_driver_t *driver = st->driver;
    apr_dbd_t *handle = st->handle;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    apr_dbd_prepared_t *counter = NULL;
    apr_status_t rv;
    int current = 0, i;

    if (plain(st, st->dialect->begin_migration) != APR_SUCCESS)
        goto failed;
    if (st->dialect->lock_migration) {
        res = NULL;
        if (apr_dbd_select(driver, p, handle, &res, st->dialect->lock_migration, 0) != 0)
            goto failed_tx;
        row = NULL;
        while (dbd_next_row(driver, p, res, &row))
            ;
    }
    if (plain(st, "CREATE TABLE IF NOT EXISTS itsm_schema (version INTEGER PRIMARY KEY, "
                  "name VARCHAR(200) NOT NULL)") != APR_SUCCESS)
        goto failed_tx;
    res = NULL;
    if (apr_dbd_select(driver, p, handle, &res, "SELECT MAX(version) FROM itsm_schema", 0) != 0)
        goto failed_tx;
    row = NULL;
    while (dbd_next_row(driver, p, res, &row)) {
        const char *v = apr_dbd_get_entry(driver, row, 0);

        current = v ? atoi(v) : 0;
    }
    for (i = 0; i < files->nelts; i++) {
        const char *name = APR_ARRAY_IDX(files, i, const char *);
        int version = atoi(name);
        apr_file_t *f;
        apr_finfo_t finfo;
        char *text;
        apr_size_t len;
        apr_dbd_prepared_t *mark = NULL;
        const char *args[2];
        int rows;

        if (version <= current)
            continue;
        if (apr_file_open(&f, apr_pstrcat(p, dir, "/", name, NULL), APR_FOPEN_READ,
                          APR_OS_DEFAULT, p) != APR_SUCCESS
            || apr_file_info_get(&finfo, APR_FINFO_SIZE, f) != APR_SUCCESS) {
            *err = apr_psprintf(p, "cannot read migration %s/%s", dir, name);
            plain(st, "ROLLBACK");
            return APR_EGENERAL;
        }
        len = (apr_size_t)finfo.size;
        text = apr_palloc(p, len + 1);
        apr_file_read_full(f, text, len, &len);
        text[len] = '\0';
        apr_file_close(f);
        if ((rv = run_script(st, text, p)) != APR_SUCCESS) {
            *err = rv == APR_EINCOMPLETE
                   ? apr_psprintf(p, "migration %s ends in a statement that no line ends: "
                                  "its last line of code must end in ';'", name)
                   : apr_psprintf(p, "migration %s failed: %s", name,
                                  apr_dbd_error(driver, handle, st->error));
            plain(st, "ROLLBACK");
            return APR_EGENERAL;
        }
        /* One-off statements go unnamed: pgsql keeps named ones for the whole session. */
        if ((st->error = apr_dbd_prepare(driver, p, handle,
                            "INSERT INTO itsm_schema (version, name) VALUES (CAST(%s AS INTEGER), %s)",
                            NULL, &mark)) != 0)
            goto failed_tx;
        args[0] = apr_itoa(p, version);
        args[1] = name;
        if ((st->error = apr_dbd_pquery(driver, p, handle, &rows, mark, 2, args)) != 0)
            goto failed_tx;
    }
    /* One counter row per kind; numbers are drawn from it inside each create. */
    if ((st->error = apr_dbd_prepare(driver, p, handle,
                                     "INSERT INTO itsm_counter (kind, next_value) VALUES (%s, 0) "
                                     "ON CONFLICT DO NOTHING", NULL, &counter)) != 0)
        goto failed_tx;
    for (i = 0; i < kinds->nelts; i++) {
        const char *args[1] = { APR_ARRAY_IDX(kinds, i, const itsm_kind_t *)->kind };
        int rows;

        if ((st->error = apr_dbd_pquery(driver, p, handle, &rows, counter, 1, args)) != 0)
            goto failed_tx;
    }
    i = backfill(st, kinds, current < 5, p) != APR_SUCCESS
        || (current < 10 && backfill_finished(st, p) != APR_SUCCESS);
    st->stmt = NULL;
    if (i)
        goto failed_tx;
    if (plain(st, "COMMIT") == APR_SUCCESS)
        return APR_SUCCESS;
    goto failed_tx;     /* SQLite keeps the transaction open after a failed COMMIT */
failed:
    *err = apr_psprintf(p, "schema set-up failed: %s", apr_dbd_error(driver, handle, st->error));
    return APR_EGENERAL;
failed_tx:
    *err = apr_psprintf(p, "schema set-up failed: %s", apr_dbd_error(driver, handle, st->error));
    plain(st, "ROLLBACK");
    return APR_EGENERAL;
}