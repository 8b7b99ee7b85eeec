/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The core's runtime (itsm_core_t): what it makes of the directives at start-up (the
 * schema composed of the loaded processes', the role table, the routes, service levels and
 * desks) and in each child (the directory pool, per database the schema set-up and the group
 * commit queue), kept apart from the directives (mod_itsm.c) so that the request handler and
 * the sweep depend on it and not the other way round. */
#include <apr_atomic.h>
#include <apr_optional.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <string.h>
#include <http_core.h>
#include <ap_provider.h>
#include <util_mutex.h>
#include <unixd.h>
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itsm_paths.h"       /* ITSM_DATADIR, ITSM_SYSCONFDIR: the build's (Makefile.am) */
#include "core.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

/* SQLite writers of all children queue on this lock (httpd's Mutex directive, type
 * itsm-store, chooses its mechanism). */
#define STORE_MUTEX "itsm-store"
static apr_global_mutex_t *store_mutex;
/* The searches' counts not yet written (store_search.c, "analytics"): a log per database in
 * anonymous shared memory made here in post_config, so that every child appends to it and
 * any child's flush writes what all of them counted; this lock (Mutex itsm-counts) guards
 * them, held only to append or take records, never during SQL. count_servers: one server
 * per database whose ITSMSearchCountDelay is not 0, for the timer and the exit flush. */
#define COUNTS_MUTEX "itsm-counts"
#define COUNTS_CAPACITY 4096    /* searches held; a search that fills the log writes it */
static apr_global_mutex_t *counts_mutex;
static apr_hash_t *count_segments;          /* db_key -> its segment (pconf) */
static apr_array_header_t *count_servers;   /* server_rec * */

ap_dbd_t *(*itsm_dbd_acquire)(request_rec *r);

static apr_status_t free_schema(void *schema)
{
    xmlSchemaFree(schema);
    return APR_SUCCESS;
}

/* The schema files of the core: the common types and documents, configuration files and
 * service levels. Each loaded process adds its own (itsm_process_t.schema). */
static const char *const core_schemas[] = { "itsm-common.xsd", "itsm-config.xsd", "itsm-sla.xsd" };

/* The files the loaded processes name, resolved against dir (ITSMSchemaDir), in
 * provider-list order: their schemas (itsm_process_t.schema: the core composes them into its
 * own) and their pages' stylesheets (.stylesheet: the portal imports them after its own).
 * NULL, or why a name does not resolve. */
static const char *process_files(apr_pool_t *p, const char *dir, apr_array_header_t **schemas,
                                 apr_array_header_t **stylesheets)
{
    apr_array_header_t *names = ap_list_provider_names(p, ITSM_PROCESS_GROUP,
                                                       ITSM_PROCESS_VERSION);
    apr_finfo_t fi;
    apr_status_t rv;
    int i, j;

    *schemas = apr_array_make(p, 4, sizeof(const char *));
    *stylesheets = apr_array_make(p, 4, sizeof(const char *));
    /* the directory itself first: libxml2 would only say that an included file does not
     * load (and print its own warning on stderr) */
    if ((rv = apr_stat(&fi, dir, APR_FINFO_TYPE, p)) != APR_SUCCESS)
        return apr_psprintf(p, "%s cannot be read: %pm", dir, &rv);
    if (fi.filetype != APR_DIR)
        return apr_psprintf(p, "%s is not a directory (the one holding itsm.xsd and sql/)", dir);
    for (i = 0; names && i < names->nelts; i++) {
        const itsm_process_t *proc = ap_lookup_provider(
            ITSM_PROCESS_GROUP, APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name,
            ITSM_PROCESS_VERSION);
        const char *named[2] = { NULL, NULL };
        apr_array_header_t *const into[2] = { *schemas, *stylesheets };

        if (proc != NULL) {
            named[0] = proc->schema;
            named[1] = proc->stylesheet;
        }
        for (j = 0; j < 2; j++) {
            char *path = NULL;

            if (named[j] == NULL)
                continue;
            if (apr_filepath_merge(&path, dir, named[j], 0, p) != APR_SUCCESS)
                return apr_psprintf(p, "process %s: bad %s path %s", proc->name,
                                    j == 0 ? "schema" : "stylesheet", named[j]);
            APR_ARRAY_PUSH(into[j], const char *) = path;
        }
    }
    return NULL;
}

/* The schema of the core and the loaded processes (their files from process_files), composed
 * once per schema directory and shared between the servers naming it. */
static xmlSchemaPtr load_schema(apr_pool_t *p, apr_hash_t *cache, const char *dir,
                                const apr_array_header_t *process_schemas, const char **err)
{
    xmlSchemaPtr schema = apr_hash_get(cache, dir, APR_HASH_KEY_STRING);
    apr_array_header_t *files;
    int i;

    if (schema != NULL)
        return schema;
    files = apr_array_make(p, 8, sizeof(const char *));
    for (i = 0; i < (int)(sizeof core_schemas / sizeof *core_schemas); i++)
        APR_ARRAY_PUSH(files, const char *) = apr_pstrcat(p, dir, "/", core_schemas[i], NULL);
    apr_array_cat(files, process_schemas);
    schema = itsm_xml_schema_compose((const char *const *)files->elts, files->nelts, p, err);
    if (schema != NULL) {
        apr_hash_set(cache, dir, APR_HASH_KEY_STRING, schema);
        apr_pool_cleanup_register(p, schema, free_schema, apr_pool_cleanup_null);
    }
    return schema;
}

/* Who httpd's child processes run as: the User and its groups when httpd starts as root,
 * otherwise the user running it. */
typedef struct {
    uid_t uid;
    gid_t groups[64];
    int ngroups;
    const char *name;
} child_user_t;

static void child_user(child_user_t *u, apr_pool_t *p)
{
    if (geteuid() == 0 && ap_unixd_config.user_name) {
        u->uid = ap_unixd_config.user_id;
        u->name = ap_unixd_config.user_name;
        u->ngroups = 64;
        if (getgrouplist(u->name, ap_unixd_config.group_id, u->groups, &u->ngroups) < 0) {
            u->groups[0] = ap_unixd_config.group_id;
            u->ngroups = 1;
        }
    }
    else {
        u->uid = geteuid();
        u->name = apr_psprintf(p, "uid %ld", (long)u->uid);
        u->ngroups = getgroups(63, u->groups);
        u->groups[u->ngroups < 0 ? 0 : u->ngroups] = getegid();
        u->ngroups = u->ngroups < 0 ? 1 : u->ngroups + 1;
    }
}

/* Whether the permission bits of st give u all of bits (4 read, 1 search); ACLs are not read. */
static int child_may(const child_user_t *u, const struct stat *st, unsigned bits)
{
    int i;

    if (u->uid == 0)
        return 1;
    if (st->st_uid == u->uid)
        return ((st->st_mode >> 6) & bits) == bits;
    for (i = 0; i < u->ngroups; i++)
        if (u->groups[i] == st->st_gid)
            return ((st->st_mode >> 3) & bits) == bits;
    return (st->st_mode & bits) == bits;
}

static const char *child_reads_tree(const child_user_t *u, const char *path, int depth,
                                    apr_pool_t *p)
{
    struct stat st;
    apr_dir_t *d;
    apr_finfo_t fi;
    const char *err = NULL;

    if (stat(path, &st) != 0)
        return apr_psprintf(p, "%s: %s", path, strerror(errno));
    if (!child_may(u, &st, S_ISDIR(st.st_mode) ? 5 : 4))
        return apr_psprintf(p, "%s (mode %04o, owner uid %ld, group gid %ld) cannot be read by "
                            "%s, whom httpd's child processes run as", path,
                            (unsigned)(st.st_mode & 07777), (long)st.st_uid, (long)st.st_gid,
                            u->name);
    if (!S_ISDIR(st.st_mode) || depth == 0 || apr_dir_open(&d, path, p) != APR_SUCCESS)
        return NULL;
    while (err == NULL && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS)
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0)
            err = child_reads_tree(u, apr_pstrcat(p, path, "/", fi.name, NULL), depth - 1, p);
    apr_dir_close(d);
    return err;
}

const char *itsm_core_child_reads(const char *path, int depth, apr_pool_t *p)
{
    child_user_t u;
    char *dir = apr_pstrdup(p, path), *slash;
    struct stat st;

    child_user(&u, p);
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && !child_may(&u, &st, 1))
            return apr_psprintf(p, "the directory %s (mode %04o) on the way to %s cannot be "
                                "entered by %s, whom httpd's child processes run as", dir,
                                (unsigned)(st.st_mode & 07777), path, u.name);
        *slash = '/';
    }
    return child_reads_tree(&u, path, depth, p);
}

/* The SQL migrations, which each child reads when it first uses a database. */
static const char *check_migrations(const char *dir, apr_pool_t *p)
{
    const char *sql = apr_pstrcat(p, dir, "/sql", NULL), *err;
    apr_finfo_t fi;

    if (apr_stat(&fi, sql, APR_FINFO_TYPE, p) != APR_SUCCESS || fi.filetype != APR_DIR)
        return apr_psprintf(p, "%s holds no sql/ directory of migrations", dir);
    if ((err = itsm_core_child_reads(sql, 2, p)) != NULL)
        return apr_pstrcat(p, "the SQL migrations: ", err, NULL);
    return NULL;
}

/* Every registered process was built against this core's contract (ITSM_ABI_VERSION and
 * the size of itsm_process_t): a process built against another would read and write the
 * core's structures at the wrong places, so httpd does not start with it. */
static int check_processes(apr_pool_t *p, server_rec *s)
{
    apr_array_header_t *names = ap_list_provider_names(p, ITSM_PROCESS_GROUP,
                                                       ITSM_PROCESS_VERSION);
    int i, ok = 1;

    for (i = 0; names && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name;
        const itsm_process_t *proc = ap_lookup_provider(ITSM_PROCESS_GROUP, name,
                                                        ITSM_PROCESS_VERSION);

        if (proc && proc->abi == ITSM_ABI_VERSION && proc->size == sizeof(itsm_process_t))
            continue;
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, ITSMLOGNO(00050)
                     "process module '%s' was built against mod_itsm ABI %d (itsm_process_t of "
                     "%" APR_SIZE_T_FMT " bytes); this core is ABI %d (%" APR_SIZE_T_FMT
                     " bytes): rebuild the module against this core's headers", name,
                     proc ? proc->abi : -1, proc ? proc->size : 0, ITSM_ABI_VERSION,
                     sizeof(itsm_process_t));
        ok = 0;
    }
    return ok;
}

/* Paths below the mount point that the core answers itself. */
static int is_core_path(const char *path)
{
    static const char *const core_paths[] = { "me", "desks", "feeds", NULL };
    const char *const *c;

    for (c = core_paths; *c; c++)
        if (strcmp(*c, path) == 0)
            return 1;
    return 0;
}

static int provider_order(const void *a, const void *b)
{
    return strcmp(((const ap_list_provider_names_t *)a)->provider_name,
                  ((const ap_list_provider_names_t *)b)->provider_name);
}

/* What a kind declares of its own fields (ABI 17): derive with the name of its rules, and
 * the field sort=title orders by a sortable field of the kind. */
static const char *check_kind(const itsm_kind_t *k, apr_pool_t *p)
{
    const itsm_field_t *f;
    const char *err;

    if (itsm_clock_names_check(k, p, &err) != APR_SUCCESS)
        return err;
    if ((k->derive == NULL) != (k->derivation == NULL))
        return apr_psprintf(p, "kind '%s' declares one of derive and derivation: both or "
                            "neither", k->kind);
    if (k->title_sort_field == NULL)
        return NULL;
    for (f = k->fields; f && f->name && strcmp(f->name, k->title_sort_field) != 0; f++)
        ;
    if (f == NULL || f->name == NULL || (f->flags & ITSM_FIELD_SORTABLE) != ITSM_FIELD_SORTABLE)
        return apr_psprintf(p, "kind '%s' sorts titles by '%s', which is no sortable field of "
                            "it (ITSM_FIELD_SORTABLE)", k->kind, k->title_sort_field);
    /* every reader sorts by it: not a field some are not shown, nor a working copy's value
     * that readers of published versions would be ordered by */
    if ((f->flags & ITSM_FIELD_EDITORS_ONLY) || k->publish_action)
        return apr_psprintf(p, "kind '%s' sorts titles by '%s': a title's sort key is for a "
                            "kind that is not versioned, in a field every reader is shown",
                            k->kind, k->title_sort_field);
    return NULL;
}

/* Collections of every process module that registered itself, the processes in order of
 * their names and each one's kinds in its own order: httpd lists providers from a hash whose
 * order changes from one start to the next, and the portal's navigation follows this order.
 * *of_role_table: the error (if any) is the role table's disagreeing with a process, else the
 * processes' own declarations. */
static const char *collect_routes(apr_pool_t *p, itsm_core_t *c, int *of_role_table)
{
    apr_array_header_t *names = ap_list_provider_names(p, ITSM_PROCESS_GROUP,
                                                       ITSM_PROCESS_VERSION);
    int i;

    *of_role_table = 0;
    if (names)
        qsort(names->elts, names->nelts, names->elt_size, provider_order);

    c->routes = apr_hash_make(p);
    c->views = apr_hash_make(p);
    c->resources = apr_hash_make(p);
    c->kinds = apr_array_make(p, 8, sizeof(const itsm_kind_t *));
    for (i = 0; names && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name;
        const itsm_process_t *proc = ap_lookup_provider(ITSM_PROCESS_GROUP, name,
                                                        ITSM_PROCESS_VERSION);
        const itsm_kind_t *const *k;
        const itsm_view_t *const *v;

        for (v = proc ? proc->views : NULL; v && *v; v++)
            apr_hash_set(c->views, (*v)->path, APR_HASH_KEY_STRING, *v);
        for (k = proc ? proc->kinds : NULL; k && *k; k++) {
            itsm_route_t *route = apr_pcalloc(p, sizeof *route);
            const char *err = NULL;

            if (apr_hash_get(c->routes, (*k)->collection, APR_HASH_KEY_STRING))
                return apr_psprintf(p, "collection '%s' is registered twice (process %s)",
                                    (*k)->collection, name);
            if (!itsm_authz_check_kind(c->authz, *k, p, &err)) {
                *of_role_table = 1;
                return err;
            }
            if ((err = check_kind(*k, p)) != NULL)
                return apr_pstrcat(p, "process ", name, ": ", err, NULL);
            route->process = proc;
            route->kind = *k;
            apr_hash_set(c->routes, (*k)->collection, APR_HASH_KEY_STRING, route);
            APR_ARRAY_PUSH(c->kinds, const itsm_kind_t *) = *k;
        }
    }
    for (i = 0; names && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name;
        const itsm_process_t *proc = ap_lookup_provider(ITSM_PROCESS_GROUP, name,
                                                        ITSM_PROCESS_VERSION);
        const itsm_resource_t *const *res;

        for (res = proc ? proc->resources : NULL; res && *res; res++) {
            itsm_route_t *route = apr_pcalloc(p, sizeof *route);
            const itsm_kind_t *const *k;

            if (is_core_path((*res)->path) || apr_hash_get(c->routes, (*res)->path,
                                                           APR_HASH_KEY_STRING)
                || apr_hash_get(c->views, (*res)->path, APR_HASH_KEY_STRING)
                || apr_hash_get(c->resources, (*res)->path, APR_HASH_KEY_STRING)
                || strchr((*res)->path, '/'))
                return apr_psprintf(p, "process %s: resource path '%s' is taken or not one "
                                    "segment", name, (*res)->path);
            for (k = proc->kinds; k && *k && strcmp((*k)->kind, (*res)->kind) != 0; k++)
                ;
            if (k == NULL || *k == NULL || (*res)->get == NULL || (*res)->element == NULL)
                return apr_psprintf(p, "process %s: resource '%s' names no kind of its process, "
                                    "element or callback", name, (*res)->path);
            route->process = proc;
            route->kind = *k;
            route->resource = *res;
            apr_hash_set(c->resources, (*res)->path, APR_HASH_KEY_STRING, route);
        }
    }
    return NULL;
}

/* Whether a is b but for one slip: a letter left out, added, changed, or two neighbours
 * swapped ("incidnet" for "incident"). */
static int one_slip(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i = 0;

    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (i == la && i == lb)
        return 1;
    if (la == lb)
        return strcmp(a + i + 1, b + i + 1) == 0         /* changed (or equal) */
               || (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i]
                   && strcmp(a + i + 2, b + i + 2) == 0);  /* swapped */
    if (la == lb + 1)
        return strcmp(a + i + 1, b + i) == 0;            /* added */
    if (lb == la + 1)
        return strcmp(a + i, b + i + 1) == 0;            /* left out */
    return 0;
}

/* Each kind a configuration file names (kinds: kind -> its line) that no loaded process
 * module defines is ignored, as a module not loaded must be; a name one slip from a loaded
 * kind ("incidnet") is taken for a misspelling and warned of (every incident would
 * otherwise run without its targets or grants, silently), any other noted. */
static void warn_unloaded(server_rec *vs, const itsm_core_t *c, const apr_hash_t *kinds,
                          const char *directive, const char *path, const char *what,
                          apr_pool_t *p)
{
    apr_hash_index_t *hi;
    int i;

    for (hi = apr_hash_first(p, (apr_hash_t *)kinds); hi; hi = apr_hash_next(hi)) {
        const void *kind;
        void *line;
        const char *like = NULL;

        apr_hash_this(hi, &kind, NULL, &line);
        if (itsm_core_kind(c, kind) != NULL)
            continue;
        for (i = 0; i < c->kinds->nelts && like == NULL; i++) {
            const char *k = APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->kind;

            if (strlen(k) >= 4 && strlen(kind) >= 4 && one_slip(kind, k))
                like = k;
        }
        if (like)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, ITSMLOGNO(00013)
                         "%s %s:%s: kind '%s' is no kind of a loaded process module: its %s "
                         "are ignored; did you mean '%s'?", directive, path,
                         (const char *)line, (const char *)kind, what, like);
        else
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, vs, ITSMLOGNO(00015)
                         "%s %s:%s: kind '%s' is no kind of a loaded process module: its %s "
                         "are ignored (load the module that brings it to use them)", directive,
                         path, (const char *)line, (const char *)kind, what);
    }
}

/* The service levels, when a loaded kind keeps SLA clocks or timers (the sweep that announces
 * timers runs with the service levels). */
static const char *sla_path(const itsm_core_t *c)
{
    return c->conf->sla_file ? c->conf->sla_file : ITSM_SYSCONFDIR "/itsm-sla.xml";
}

static const char *load_sla(apr_pool_t *p, itsm_core_t *c)
{
    const char *path = sla_path(c), *err = NULL;
    int i;

    c->sla = NULL;
    for (i = 0; i < c->kinds->nelts; i++)
        if (APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->clocks
            || APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->timers)
            break;
    if (i == c->kinds->nelts && c->conf->sla_file == NULL)
        return NULL;
    if (itsm_sla_config_load(&c->sla, path, c->schema, p, &err) != APR_SUCCESS)
        return err;
    for (i = 0; i < c->kinds->nelts; i++)
        if (itsm_sla_check_kind(c->sla, APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *), p, &err)
            != APR_SUCCESS)
            return apr_pstrcat(p, path, ": ", err, NULL);
    return NULL;
}

const itsm_kind_t *itsm_core_kind(const itsm_core_t *c, const char *kind)
{
    int i;

    for (i = 0; i < c->kinds->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->kind, kind) == 0)
            return APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *);
    return NULL;
}

/* Per process and database: whether its schema is set up, and its group commit queue.
 * Virtual hosts without ITSM or DBD directives of their own share the main server's module
 * configurations, so the key is mod_dbd's configuration of the server: hosts that share
 * it share a database. (Hosts with equal DBD directives of their own get separate states
 * for one database; that costs a second look at the schema and less grouping, nothing
 * else, as every SQLite writer of the process takes the store's write lock.) */
typedef struct {
    apr_thread_mutex_t *schema_lock;
    volatile apr_uint32_t schema_ready;     /* apr_atomic */
    itsm_write_queue_t *queue;
    apr_pool_t *pool;                       /* the child's */
    server_rec *s;                          /* whose mod_dbd configuration it is */
    ap_dbd_t *writer;                       /* SQLite: the connection the queue writes on */
    itsm_search_counts_t *counts;           /* NULL: each search writes its count */
} db_state_t;

static module *dbd_module_ptr;     /* mod_dbd, found by name: no link to its symbols */
static apr_hash_t *db_states;       /* mod_dbd server config -> db_state_t; read-only after child_init */

static const void *db_key(server_rec *s)
{
    const void *cfg = dbd_module_ptr ? ap_get_module_config(s->module_config, dbd_module_ptr) : NULL;

    return cfg ? cfg : (const void *)s;
}

static db_state_t *db_state(server_rec *s)
{
    const void *key = db_key(s);

    return db_states ? apr_hash_get(db_states, &key, sizeof key) : NULL;
}

/* Remember val for the database of vs in h; 0 when h had that database already. */
static int db_add(apr_hash_t *h, server_rec *vs, void *val, apr_pool_t *p)
{
    const void *key = db_key(vs), **kp;

    if (apr_hash_get(h, &key, sizeof key))
        return 0;
    kp = apr_palloc(p, sizeof *kp);
    *kp = key;
    apr_hash_set(h, kp, sizeof *kp, val);
    return 1;
}

static apr_status_t bind_store(struct itsm_store_t **st, const itsm_core_t *core, ap_dbd_t *dbd,
                               itsm_write_queue_t *queue, itsm_search_counts_t *counts,
                               apr_pool_t *p, const char **err)
{
    apr_status_t rv;

    if (dbd->prepared == NULL)
        dbd->prepared = apr_hash_make(dbd->pool);
    rv = itsm_store_bind(st, dbd->driver, dbd->handle, dbd->prepared, dbd->pool, queue, p, err);
    if (rv == APR_SUCCESS) {
        itsm_store_use_kinds(*st, core->kinds, core->sla);
        itsm_store_use_search(*st, core->conf->search_window, core->conf->search_ranked, counts);
    }
    return rv;
}

static apr_status_t writer_close(void *data)
{
    db_state_t *db = data;

    if (db->writer)
        apr_dbd_close(db->writer->driver, db->writer->handle);
    db->writer = NULL;
    return APR_SUCCESS;
}

/* Once per process and database, when its schema is ready (under schema_lock): a connection
 * of its own to the SQLite file of dbd, on which the group commit queue runs every batch
 * (itsm_store_queue_writer says why). Not one of mod_dbd's: held for the child's life, it
 * would take a place of DBDMax from the requests (and with DBDMax 1 wait for ever); the
 * store's own set-up (busy timeout, WAL settings) is run on it as on every connection,
 * DBDInitSQL is not. If it cannot be had, batches run on their leaders' connections. */
static void writer_open(db_state_t *db, const itsm_core_t *core, const ap_dbd_t *dbd)
{
    struct itsm_store_t *w = NULL;
    const char *file = itsm_store_file(dbd->driver, dbd->handle), *err = NULL;
    apr_pool_t *wp = NULL;
    apr_dbd_t *handle = NULL;

    if (file == NULL)
        return;
    if (apr_pool_create(&wp, db->pool) != APR_SUCCESS
        || itsm_store_writer_open(dbd->driver, file, wp, &handle, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, db->s, ITSMLOGNO(00880)
                     "cannot open %s for the store's writer (%s): writes run on the "
                     "requests' connections", file, err ? err : "no memory");
        return;
    }
    db->writer = apr_pcalloc(wp, sizeof *db->writer);
    db->writer->driver = dbd->driver;
    db->writer->handle = handle;
    db->writer->pool = wp;
    apr_pool_cleanup_register(wp, db, writer_close, apr_pool_cleanup_null);
    if (bind_store(&w, core, db->writer, db->queue, NULL, wp, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, db->s, ITSMLOGNO(00881)
                     "the store's writer connection: %s; writes run on the requests' "
                     "connections", err ? err : "cannot be bound");
        return;
    }
    itsm_store_queue_writer(db->queue, w);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, db->s, ITSMLOGNO(00882)
                 "this process writes %s on a connection of its own", file);
}

apr_status_t itsm_core_bind(struct itsm_store_t **st, server_rec *s, ap_dbd_t *dbd,
                            apr_pool_t *p, const char **err)
{
    const itsm_core_t *core = itsm_core_of(s);
    db_state_t *db = db_state(s);
    apr_status_t rv = APR_SUCCESS;

    if (db == NULL || core == NULL || !core->process_ready) {
        *err = "the per-process state was not set up (see ITSM00007)";
        return APR_EGENERAL;
    }
    if (!apr_atomic_read32(&db->schema_ready)) {
        apr_thread_mutex_lock(db->schema_lock);
        if (!apr_atomic_read32(&db->schema_ready)) {
            rv = itsm_store_migrate(dbd->driver, dbd->handle,
                                    apr_pstrcat(p, core->conf->schema_dir, "/sql", NULL),
                                    core->kinds, core->sla, p, err);
            if (rv == APR_SUCCESS) {
                writer_open(db, core, dbd);
                apr_atomic_set32(&db->schema_ready, 1);
            }
        }
        apr_thread_mutex_unlock(db->schema_lock);
        if (rv != APR_SUCCESS)
            return rv;
    }
    return bind_store(st, core, dbd, db->queue, db->counts, p, err);
}

itsm_search_counts_t *itsm_core_counts(server_rec *s)
{
    db_state_t *db = db_state(s);

    return db ? db->counts : NULL;
}

const apr_array_header_t *itsm_core_count_servers(void)
{
    return count_servers;
}

const char *itsm_core_flush_failed(apr_pool_t *p, const itsm_search_flush_t *f, const char *err)
{
    return apr_psprintf(p, "writing the counts of %d searches (%d rows) failed: %s; %d rows "
                        "kept for one more try, %d dropped", f->searches, f->rows,
                        err ? err : "?", f->kept, f->dropped);
}

/* In post_config: a log of the searches' counts per database whose server counts with a
 * delay, and the lock they share. Without them (no shared memory, no lock) each search
 * writes its count, as with ITSMSearchCountDelay 0. */
static void counts_create(apr_pool_t *pconf, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(pconf);
    apr_size_t size = itsm_store_search_counts_size(COUNTS_CAPACITY);
    apr_status_t rv;
    server_rec *vs;

    count_segments = apr_hash_make(pconf);
    count_servers = apr_array_make(pconf, 1, sizeof(server_rec *));
    counts_mutex = NULL;
    for (vs = s; vs; vs = vs->next) {
        const itsm_core_t *c = itsm_core_of(vs);
        apr_shm_t *shm;

        if (c == NULL || c->conf->search_count_delay <= 0 || !db_add(seen, vs, vs, pconf))
            continue;
        if (counts_mutex == NULL
            && (rv = ap_global_mutex_create(&counts_mutex, NULL, COUNTS_MUTEX, NULL, s, pconf,
                                            0)) != APR_SUCCESS) {
            counts_mutex = NULL;    /* ap_global_mutex_create logged why */
            break;
        }
        if ((rv = apr_shm_create(&shm, size, NULL, pconf)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, vs, ITSMLOGNO(00856)
                         "cannot make the shared memory of the search counts (%" APR_SIZE_T_FMT
                         " bytes): each search writes its count", size);
            continue;
        }
        itsm_store_search_counts_format(apr_shm_baseaddr_get(shm), COUNTS_CAPACITY);
        db_add(count_segments, vs, apr_shm_baseaddr_get(shm), pconf);
        APR_ARRAY_PUSH(count_servers, server_rec *) = vs;
    }
}

/* In check_config, which httpd -t (apachectl configtest) runs too: every file and directory
 * the directives name is read and checked here, so that a bad one fails the configuration
 * test with the message a start would give, before a graceful restart takes the server
 * down. Process modules registered their providers (and schemas) at LoadModule, whatever
 * the order, so the schema composed here is the one the server will run with. */
int itsm_core_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *schemas = apr_hash_make(ptemp);
    server_rec *vs;

    itsm_xml_init();
    itsm_dbd_acquire = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_module_ptr = ap_find_linked_module("mod_dbd.c");
    if (itsm_dbd_acquire == NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, ITSMLOGNO(00001)
                     "mod_dbd is not loaded: load it and configure DBDriver/DBDParams");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (!check_processes(ptemp, s))     /* before any of their structures is read */
        return HTTP_INTERNAL_SERVER_ERROR;
    for (vs = s; vs; vs = vs->next) {
        itsm_server_conf_t *conf = ap_get_module_config(vs->module_config, &itsm_module);
        const char *err = NULL, *dir, *table;
        apr_array_header_t *schema_files, *stylesheets;
        itsm_core_t *c;
        int i, of_role_table;

        if (conf->core)         /* a host without directives of its own shares the main's */
            continue;
        c = conf->core = apr_pcalloc(pconf, sizeof *c);
        c->conf = conf;
        dir = conf->schema_dir ? conf->schema_dir : ITSM_DATADIR "/schemas";
        table = conf->authz_file ? conf->authz_file : ITSM_SYSCONFDIR "/itsm-authz.xml";
        conf->schema_dir = dir;
        if ((err = process_files(pconf, dir, &schema_files, &stylesheets)) != NULL
            || (c->schema = load_schema(pconf, schemas, dir, schema_files, &err)) == NULL
            || (err = check_migrations(dir, ptemp)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00002)
                         "ITSMSchemaDir: %s%s", err,
                         itsm_conf_where(ptemp, conf, vs, "ITSMSchemaDir"));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((c->authz = itsm_authz_load(table, c->schema, pconf, &err)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00003)
                         "ITSMAuthzFile: %s%s", err,
                         itsm_conf_where(ptemp, conf, vs, "ITSMAuthzFile"));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = collect_routes(pconf, c, &of_role_table)) != NULL) {
            if (of_role_table)
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00004)
                             "ITSMAuthzFile %s: %s%s", table, err,
                             itsm_conf_where(ptemp, conf, vs, "ITSMAuthzFile"));
            else        /* a process module's declarations: no directive of this file */
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00016) "%s%s", err,
                             itsm_conf_where(ptemp, conf, vs, NULL));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = load_sla(pconf, c)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00009) "ITSMSLAFile: %s%s",
                         err, itsm_conf_where(ptemp, conf, vs, "ITSMSLAFile"));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        for (i = 0; i < itsm_authz_notes(c->authz)->nelts; i++)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, ITSMLOGNO(00014) "ITSMAuthzFile %s",
                         APR_ARRAY_IDX(itsm_authz_notes(c->authz), i, const char *));
        warn_unloaded(vs, c, itsm_authz_kinds_at(c->authz), "ITSMAuthzFile", table, "grants",
                      ptemp);
        if (c->sla)
            warn_unloaded(vs, c, itsm_sla_kinds_at(c->sla), "ITSMSLAFile", sla_path(c),
                          "targets", ptemp);
        if ((c->portal = itsm_portal_compile(pconf, dir, stylesheets, &err)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00402) "portal: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        c->desks = NULL;
        if (conf->desks_file
            && itsm_desks_load(&c->desks, conf->desks_file, c->schema, pconf, &err) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00010) "ITSMDesksFile: %s%s",
                         err, itsm_conf_where(ptemp, conf, vs, "ITSMDesksFile"));
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, ITSMLOGNO(00006)
                     "%d collections, schema %s, role table %s",
                     c->kinds->nelts, dir, table);
    }
    return OK;
}

int itsm_core_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG
        && ap_global_mutex_create(&store_mutex, NULL, STORE_MUTEX, NULL, s, pconf, 0)
           != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;      /* ap_global_mutex_create logged why */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        counts_create(pconf, s);
    {
        /* one sweep per database (see db_state_t) */
        apr_hash_t *seen = apr_hash_make(ptemp);

        for (vs = s; vs; vs = vs->next)
            if (db_add(seen, vs, vs, ptemp))
                itsm_sweep_register(pconf, vs);
        itsm_counts_register(pconf, s);
    }
    return OK;
}

/* At child exit: how well group commit batched each database's writes. */
static apr_status_t log_write_stats(void *data)
{
    server_rec *s = data;
    apr_hash_index_t *hi;
    itsm_write_stats_t w;
    apr_interval_time_t up;

    for (hi = apr_hash_first(NULL, db_states); hi; hi = apr_hash_next(hi)) {
        db_state_t *db = apr_hash_this_val(hi);

        itsm_store_write_stats(db->queue, &w);
        up = apr_time_now() - w.since;
        if (w.transactions)
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, ITSMLOGNO(00011)
                         "%" APR_UINT64_T_FMT " writes in %" APR_UINT64_T_FMT " transactions; "
                         "the writer busy %.1f s of %.1f s (%.0f %%)",
                         w.writes, w.transactions, w.busy / 1e6, up / 1e6,
                         up > 0 ? 100.0 * w.busy / up : 0.0);
    }
    return APR_SUCCESS;
}

static apr_status_t db_state_create(db_state_t **out, server_rec *s, apr_pool_t *p)
{
    db_state_t *db = apr_pcalloc(p, sizeof *db);
    apr_status_t rv = apr_thread_mutex_create(&db->schema_lock, APR_THREAD_MUTEX_DEFAULT, p);

    db->pool = p;
    db->s = s;

    if (rv == APR_SUCCESS)
        rv = itsm_store_queue_create(&db->queue, p);
    *out = db;
    return rv;
}

int itsm_core_reads_published(const itsm_core_t *core, const itsm_identity_t *who,
                              const itsm_kind_t *k)
{
    return k->publish_action
           && !itsm_authz_allows(core->authz, who->roles, k->kind, ITSM_ACTION_UPDATE);
}

/* A person's scope: their parties (all for roles that see all), their audience keys and
 * the versioned kinds they read as published. No query: the directory's identity and the
 * role table say it all. The directory's cache keeps it with the identity (this is its
 * derive function): a request reads it from there. */
const char *itsm_core_person_scope(apr_pool_t *p, const itsm_identity_t *who, void *core_)
{
    const itsm_core_t *core = core_;
    apr_array_header_t *published = NULL;
    int i;

    for (i = 0; i < core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(core->kinds, i, const itsm_kind_t *);

        if (itsm_core_reads_published(core, who, k)) {
            if (published == NULL)
                published = apr_array_make(p, 2, sizeof(const char *));
            APR_ARRAY_PUSH(published, const char *) = k->kind;
        }
    }
    return itsm_store_scope_audience(p, itsm_store_scope(p, itsm_authz_sees_all(core->authz,
                                                                                who->roles),
                                                         who->party, who->acts_for),
                                     itsm_store_audience_keys(p, who), published);
}

int itsm_core_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    int rc = itsm_store_library_init();

    if (rc != 0)
        ap_log_perror(APLOG_MARK, APLOG_DEBUG, 0, plog, ITSMLOGNO(00883)
                      "SQLite was initialised before mod_itsm (code %d): its memory counts stay "
                      "on", rc);
    itsm_session_cache_pre_config(pconf);
    return ap_mutex_register(pconf, STORE_MUTEX, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           && ap_mutex_register(pconf, COUNTS_MUTEX, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

itsm_core_t *itsm_core_of(server_rec *s)
{
    return ((itsm_server_conf_t *)ap_get_module_config(s->module_config, &itsm_module))->core;
}

void itsm_core_child_init(apr_pool_t *pchild, server_rec *s)
{
    const itsm_server_conf_t *conf = ap_get_module_config(s->module_config, &itsm_module);
    server_rec *vs;

    if (store_mutex && apr_global_mutex_child_init(&store_mutex,
                                                   apr_global_mutex_lockfile(store_mutex),
                                                   pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, ITSMLOGNO(00008) "cannot attach the store lock");
        store_mutex = NULL;
    }
    if (counts_mutex && apr_global_mutex_child_init(&counts_mutex,
                                                    apr_global_mutex_lockfile(counts_mutex),
                                                    pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00857)
                     "cannot attach the lock of the search counts: each search writes its "
                     "count");
        counts_mutex = NULL;
    }
    if (itsm_store_child_init(pchild, store_mutex) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, ITSMLOGNO(00051) "cannot create the store lock");
    itsm_session_cache_child_init(pchild, s, conf->session_cache);
    if (itsm_store_search_cache_init(pchild, conf->search_cache,
                                     (apr_size_t)conf->search_cache_kb * 1024) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00700)
                     "search cache: cannot create its lock or pool; every search runs "
                     "its statement");
    if (itsm_portal_cache_init(pchild, conf->portal_cache,
                               (apr_size_t)conf->portal_cache_kb * 1024) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00800)
                     "page cache: cannot create its lock or pool; every page is rendered");
    db_states = apr_hash_make(pchild);
    for (vs = s; vs; vs = vs->next) {
        itsm_core_t *c = itsm_core_of(vs);
        db_state_t *db = NULL;
        apr_status_t rv = APR_SUCCESS;

        if (db_state(vs) == NULL && (rv = db_state_create(&db, vs, pchild)) == APR_SUCCESS) {
            const void *key = db_key(vs);
            void *segment = count_segments ? apr_hash_get(count_segments, &key, sizeof key)
                                           : NULL;

            if (segment && counts_mutex)
                db->counts = itsm_store_search_counts_attach(
                    segment, counts_mutex, apr_time_from_sec(c->conf->search_count_delay),
                    pchild);
            db_add(db_states, vs, db, pchild);
        }
        if (rv == APR_SUCCESS && !c->process_ready) {   /* hosts may share c */
            if ((rv = itsm_ldap_create(&c->directory, &c->conf->ldap, pchild)) == APR_SUCCESS) {
                itsm_ldap_set_derive(c->directory, itsm_core_person_scope, c);
                c->process_ready = 1;
            }
        }
        if (rv != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, vs, ITSMLOGNO(00007)
                         "cannot set up the per-process state");
    }
    apr_pool_cleanup_register(pchild, s, log_write_stats, apr_pool_cleanup_null);
    itsm_sweep_child_init(pchild);
    itsm_counts_child_init(pchild);
}

APR_IMPLEMENT_OPTIONAL_HOOK_RUN_ALL(itsm, ITSM, int, ticket_event, (const itsm_event_t *e), (e),
                                    OK, DECLINED)

void itsm_event_run(const itsm_event_t *e)
{
    int rc = itsm_run_ticket_event(e);

    if (rc != OK)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, e->s, ITSMLOGNO(00012)
                     "a ticket_event hook answered %d for %s %s (the change stands)",
                     rc, e->event, e->ticket->number);
}

