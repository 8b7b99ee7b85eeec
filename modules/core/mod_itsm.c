/* mod_itsm: the core module's configuration and hooks. It finds the process modules through
 * the provider API at start-up, loads the schema and the role table once, and sets up the
 * per-child directory connection pool. Request handling is in handler.c. */
#include <apr_atomic.h>
#include <apr_optional.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_provider.h>
#include <http_core.h>
#include <util_mutex.h>

#include "mod_itsm.h"
#include "itsm_events.h"
#include "itsm_store.h"

/* SQLite writers of all children queue on this lock (httpd's Mutex directive, type
 * itsm-store, chooses its mechanism). */
#define STORE_MUTEX "itsm-store"
static apr_global_mutex_t *store_mutex;



ap_dbd_t *(*itsm_dbd_acquire)(request_rec *r);

static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    itsm_server_conf_t *c = apr_pcalloc(p, sizeof *c);

    c->ldap.user_attr = NULL;
    c->ldap.starttls = ITSM_UNSET;
    c->retry_after = ITSM_UNSET;
    c->sweep_interval = ITSM_UNSET;
    return c;
}

#define MERGE(field) c->field = add->field ? add->field : base->field
static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    itsm_server_conf_t *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);

    MERGE(schema_dir);
    MERGE(authz_file);
    MERGE(sla_file);
    MERGE(desks_file);
    MERGE(ldap.url);
    MERGE(ldap.bind_dn);
    MERGE(ldap.bind_pw);
    MERGE(ldap.base);
    MERGE(ldap.user_attr);
    MERGE(ldap.ca_file);
    c->ldap.starttls = add->ldap.starttls != ITSM_UNSET ? add->ldap.starttls : base->ldap.starttls;
    c->ldap.cache_ttl = add->ldap_ttl_set ? add->ldap.cache_ttl : base->ldap.cache_ttl;
    c->ldap_ttl_set = add->ldap_ttl_set || base->ldap_ttl_set;
    c->ldap.timeout_sec = add->ldap_timeout_set ? add->ldap.timeout_sec : base->ldap.timeout_sec;
    c->ldap_timeout_set = add->ldap_timeout_set || base->ldap_timeout_set;
    c->ldap.pool_max = add->ldap_pool_set ? add->ldap.pool_max : base->ldap.pool_max;
    c->ldap_pool_set = add->ldap_pool_set || base->ldap_pool_set;
    c->retry_after = add->retry_after != ITSM_UNSET ? add->retry_after : base->retry_after;
    c->sweep_interval = add->sweep_interval != ITSM_UNSET ? add->sweep_interval : base->sweep_interval;
    MERGE(escalate_role);
    MERGE(aged_bounds);
    return c;
}

static void *create_dir_conf(apr_pool_t *p, char *dir)
{
    itsm_dir_conf_t *c = apr_pcalloc(p, sizeof *c);

    c->max_body = ITSM_UNSET;
    c->page_size = ITSM_UNSET;
    return c;
}

static void *merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    itsm_dir_conf_t *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);

    c->base = add->base ? add->base : base->base;
    c->max_body = add->max_body != ITSM_UNSET ? add->max_body : base->max_body;
    c->page_size = add->page_size != ITSM_UNSET ? add->page_size : base->page_size;
    return c;
}

static itsm_server_conf_t *sconf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &itsm_module);
}

static const char *set_server_path(cmd_parms *cmd, void *dummy, const char *arg)
{
    itsm_server_conf_t *c = sconf(cmd);
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (path == NULL)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid path ", arg, NULL);
    if (cmd->info == (void *)0)
        c->schema_dir = path;
    else if (cmd->info == (void *)1)
        c->authz_file = path;
    else if (cmd->info == (void *)2)
        c->sla_file = path;
    else
        c->desks_file = path;
    return NULL;
}

static const char *set_ldap_string(cmd_parms *cmd, void *dummy, const char *arg)
{
    itsm_server_conf_t *c = sconf(cmd);

    switch ((int)(intptr_t)cmd->info) {
    case 0: c->ldap.url = arg; break;
    case 1: c->ldap.bind_dn = arg; break;
    case 2: c->ldap.bind_pw = arg; break;
    case 3: c->ldap.base = arg; break;
    default: c->ldap.user_attr = arg; break;
    }
    return NULL;
}

static const char *set_ldap_ca_file(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (path == NULL)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid path ", arg, NULL);
    sconf(cmd)->ldap.ca_file = path;
    return NULL;
}

static const char *set_ldap_starttls(cmd_parms *cmd, void *dummy, int on)
{
    sconf(cmd)->ldap.starttls = on;
    return NULL;
}

static int is_ldaps(const char *url)
{
    return ap_cstr_casecmpn(url, "ldaps://", 8) == 0;
}

/* ITSMLDAPCACertFile checked at start-up: readable (by root here; that httpd's User can read it
 * too shows on the first connection, a 503 whose log line names the file) and holding a PEM
 * certificate. NULL when fine. */
static const char *check_ldap_ca_file(const char *path, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *buf;
    apr_status_t rv;

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p)) != APR_SUCCESS
        || (rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f)) != APR_SUCCESS)
        return apr_psprintf(p, "cannot be read: %pm", &rv);
    if (fi.filetype != APR_REG || fi.size <= 0 || fi.size > 16 * 1024 * 1024)
        return "is not a CA bundle (a regular file of PEM certificates, at most 16 MiB)";
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    if ((rv = apr_file_read_full(f, buf, n, &n)) != APR_SUCCESS)
        return apr_psprintf(p, "cannot be read: %pm", &rv);
    buf[n] = '\0';
    if (strstr(buf, "-----BEGIN CERTIFICATE-----") == NULL)
        return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
    return NULL;
}

static const char *parse_int(cmd_parms *cmd, const char *arg, long min, long max, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s takes a whole number from %ld to %ld, not '%s'",
                            cmd->cmd->name, min, max, arg);
    *out = v;
    return NULL;
}

static const char *set_ldap_number(cmd_parms *cmd, void *dummy, const char *arg)
{
    itsm_server_conf_t *c = sconf(cmd);
    const char *err;
    long v = 0;

    switch ((int)(intptr_t)cmd->info) {
    case 0:
        if ((err = parse_int(cmd, arg, 0, 86400, &v)) != NULL)
            return err;
        c->ldap.cache_ttl = apr_time_from_sec(v);
        c->ldap_ttl_set = 1;
        break;
    case 1:
        if ((err = parse_int(cmd, arg, 1, 300, &v)) != NULL)
            return err;
        c->ldap.timeout_sec = (int)v;
        c->ldap_timeout_set = 1;
        break;
    default:
        if ((err = parse_int(cmd, arg, 1, 1024, &v)) != NULL)
            return err;
        c->ldap.pool_max = (int)v;
        c->ldap_pool_set = 1;
        break;
    }
    return NULL;
}

static const char *set_retry_after(cmd_parms *cmd, void *dummy, const char *arg)
{
    long v = 0;
    const char *err = parse_int(cmd, arg, 1, 3600, &v);

    if (err == NULL)
        sconf(cmd)->retry_after = (int)v;
    return err;
}

static const char *set_sweep(cmd_parms *cmd, void *dummy, const char *arg)
{
    long v = 0;
    const char *err = parse_int(cmd, arg, 0, 86400, &v);

    if (err == NULL)
        sconf(cmd)->sweep_interval = (int)v;
    return err;
}

static const char *set_escalate(cmd_parms *cmd, void *dummy, const char *arg)
{
    sconf(cmd)->escalate_role = arg;
    return NULL;
}

/* ITSMAgedBuckets 14 30 60 90 120: the first day of each bucket after "under 14". */
static const char *set_aged_buckets(cmd_parms *cmd, void *dummy, const char *args)
{
    apr_array_header_t *bounds = apr_array_make(cmd->pool, 8, sizeof(int));
    const char *word, *err;
    long v, last = 0;

    while (*(word = ap_getword_white(cmd->temp_pool, &args)) != '\0') {
        if ((err = parse_int(cmd, word, 1, 36500, &v)) != NULL)
            return err;
        if (v <= last)
            return "ITSMAgedBuckets takes days in increasing order, e.g. 14 30 60 90 120";
        if (bounds->nelts == 20)
            return "ITSMAgedBuckets takes at most 20 numbers";
        APR_ARRAY_PUSH(bounds, int) = (int)(last = v);
    }
    if (bounds->nelts == 0)
        return "ITSMAgedBuckets takes one or more numbers of days, e.g. 14 30 60 90 120";
    sconf(cmd)->aged_bounds = bounds;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dirv, const char *arg)
{
    itsm_dir_conf_t *d = dirv;
    long v = 0;
    const char *err = parse_int(cmd, arg, 1024, 64L * 1024 * 1024, &v);

    if (err == NULL)
        d->max_body = v;
    return err;
}

static const char *set_base(cmd_parms *cmd, void *dirv, const char *arg)
{
    itsm_dir_conf_t *d = dirv;

    if (arg[0] != '/')
        return "ITSMBase takes a URL path starting with /";
    d->base = arg;
    return NULL;
}

static const char *set_page_size(cmd_parms *cmd, void *dirv, const char *arg)
{
    itsm_dir_conf_t *d = dirv;
    long v = 0;
    const char *err = parse_int(cmd, arg, 1, 500, &v);

    if (err == NULL)
        d->page_size = (int)v;
    return err;
}

/* Every directive is documented in docs/directives.md. */
static const command_rec itsm_cmds[] = {
    AP_INIT_TAKE1("ITSMSchemaDir", set_server_path, (void *)0, RSRC_CONF,
                  "Directory holding itsm.xsd and sql/<driver>/ migrations"),
    AP_INIT_TAKE1("ITSMAuthzFile", set_server_path, (void *)1, RSRC_CONF,
                  "Role table (XML): which role may do which action on which kind"),
    AP_INIT_TAKE1("ITSMSLAFile", set_server_path, (void *)2, RSRC_CONF,
                  "Service levels (XML): calendars and SLA targets per kind and priority"),
    AP_INIT_TAKE1("ITSMDesksFile", set_server_path, (void *)3, RSRC_CONF,
                  "Directory of external desks (XML) that cross-party work may name"),
    AP_INIT_TAKE1("ITSMLDAPURL", set_ldap_string, (void *)0, RSRC_CONF,
                  "Directory holding people, parties, roles and resolver groups: ldap://host:port"),
    AP_INIT_TAKE1("ITSMLDAPBindDN", set_ldap_string, (void *)1, RSRC_CONF,
                  "DN the core binds as to read identities (default: anonymous)"),
    AP_INIT_TAKE1("ITSMLDAPBindPassword", set_ldap_string, (void *)2, RSRC_CONF,
                  "Password of ITSMLDAPBindDN"),
    AP_INIT_TAKE1("ITSMLDAPBase", set_ldap_string, (void *)3, RSRC_CONF,
                  "Subtree searched for people, parties and groups"),
    AP_INIT_TAKE1("ITSMLDAPUserAttribute", set_ldap_string, (void *)4, RSRC_CONF,
                  "Attribute matching the authenticated login (default uid)"),
    AP_INIT_TAKE1("ITSMLDAPCacheTTL", set_ldap_number, (void *)0, RSRC_CONF,
                  "Seconds an identity stays cached per process (default 60, 0 disables)"),
    AP_INIT_TAKE1("ITSMLDAPTimeout", set_ldap_number, (void *)1, RSRC_CONF,
                  "Network and operation timeout in seconds (default 5)"),
    AP_INIT_TAKE1("ITSMLDAPPoolSize", set_ldap_number, (void *)2, RSRC_CONF,
                  "Directory connections kept per process (default 4)"),
    AP_INIT_TAKE1("ITSMLDAPCACertFile", set_ldap_ca_file, NULL, RSRC_CONF,
                  "PEM file of the CAs the directory's certificate must chain to "
                  "(ldaps:// or StartTLS; default: libldap's)"),
    AP_INIT_FLAG("ITSMLDAPStartTLS", set_ldap_starttls, NULL, RSRC_CONF,
                 "StartTLS on the ldap:// connection before the bind (default off)"),
    AP_INIT_TAKE1("ITSMRetryAfter", set_retry_after, NULL, RSRC_CONF,
                  "Retry-After seconds on 503 (default 10)"),
    AP_INIT_TAKE1("ITSMBase", set_base, NULL, RSRC_CONF | ACCESS_CONF,
                  "URL path the handler is mounted at (default: the enclosing <Location>)"),
    AP_INIT_TAKE1("ITSMSLASweepInterval", set_sweep, NULL, RSRC_CONF,
                  "Seconds between SLA sweeps (mod_watchdog; default 60, 0 turns the sweep off)"),
    AP_INIT_TAKE1("ITSMSLAEscalateRole", set_escalate, NULL, RSRC_CONF,
                  "Role whose holders are notified of every SLA breach, for every kind (default: the role "
                  "each kind names, incident-manager for cases and incidents)"),
    AP_INIT_RAW_ARGS("ITSMAgedBuckets", set_aged_buckets, NULL, RSRC_CONF,
                     "First day of each age bucket of the aged view after the first "
                     "(default 14 30 60 90 120)"),
    AP_INIT_TAKE1("ITSMMaxBody", set_max_body, NULL, RSRC_CONF | ACCESS_CONF,
                  "Largest request body in bytes (default 1048576)"),
    AP_INIT_TAKE1("ITSMPageSize", set_page_size, NULL, RSRC_CONF | ACCESS_CONF,
                  "Tickets per page of a list when the client names no limit (default 50)"),
    { NULL }
};

static apr_status_t free_schema(void *schema)
{
    xmlSchemaFree(schema);
    return APR_SUCCESS;
}

/* The schema files of the core: the common types and documents, configuration files and
 * service levels. Each loaded process adds its own (itsm_process_t.schema). */
static const char *const core_schemas[] = { "itsm-common.xsd", "itsm-config.xsd", "itsm-sla.xsd" };

/* The schema of the core and the loaded processes, composed once per schema directory and
 * shared between the servers naming it. */
static xmlSchemaPtr load_schema(apr_pool_t *p, apr_hash_t *cache, const char *dir, const char **err)
{
    xmlSchemaPtr schema = apr_hash_get(cache, dir, APR_HASH_KEY_STRING);
    apr_array_header_t *names, *files;
    int i;

    if (schema != NULL)
        return schema;
    files = apr_array_make(p, 8, sizeof(const char *));
    for (i = 0; i < (int)(sizeof core_schemas / sizeof *core_schemas); i++)
        APR_ARRAY_PUSH(files, const char *) = apr_pstrcat(p, dir, "/", core_schemas[i], NULL);
    names = ap_list_provider_names(p, ITSM_PROCESS_GROUP, ITSM_PROCESS_VERSION);
    for (i = 0; names && i < names->nelts; i++) {
        const itsm_process_t *proc = ap_lookup_provider(
            ITSM_PROCESS_GROUP, APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name,
            ITSM_PROCESS_VERSION);
        char *path = NULL;

        if (proc == NULL || proc->schema == NULL)
            continue;
        if (apr_filepath_merge(&path, dir, proc->schema, 0, p) != APR_SUCCESS) {
            *err = apr_psprintf(p, "process %s: bad schema path %s", proc->name, proc->schema);
            return NULL;
        }
        APR_ARRAY_PUSH(files, const char *) = path;
    }
    schema = itsm_xml_schema_compose((const char *const *)files->elts, files->nelts, p, err);
    if (schema != NULL) {
        apr_hash_set(cache, dir, APR_HASH_KEY_STRING, schema);
        apr_pool_cleanup_register(p, schema, free_schema, apr_pool_cleanup_null);
    }
    return schema;
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

/* Collections of every process module that registered itself. */
static const char *collect_routes(apr_pool_t *p, itsm_server_conf_t *c)
{
    apr_array_header_t *names = ap_list_provider_names(p, ITSM_PROCESS_GROUP,
                                                       ITSM_PROCESS_VERSION);
    int i;

    c->routes = apr_hash_make(p);
    c->views = apr_hash_make(p);
    c->resources = apr_hash_make(p);
    c->kinds = apr_array_make(p, 8, sizeof(const itsm_kind_t *));
    c->kind_names = apr_array_make(p, 8, sizeof(const char *));
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
            if (!itsm_authz_check_kind(c->authz, (*k)->kind, (*k)->actions, p, &err))
                return err;
            route->process = proc;
            route->kind = *k;
            apr_hash_set(c->routes, (*k)->collection, APR_HASH_KEY_STRING, route);
            APR_ARRAY_PUSH(c->kinds, const itsm_kind_t *) = *k;
            APR_ARRAY_PUSH(c->kind_names, const char *) = (*k)->kind;
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

/* The service levels, when a loaded kind keeps SLA clocks or timers (the sweep that announces
 * timers runs with the service levels). */
static const char *load_sla(apr_pool_t *p, itsm_server_conf_t *c)
{
    const char *path = c->sla_file ? c->sla_file : ITSM_SYSCONFDIR "/itsm-sla.xml", *err = NULL;
    int i;

    c->sla = NULL;
    for (i = 0; i < c->kinds->nelts; i++)
        if (APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->clocks
            || APR_ARRAY_IDX(c->kinds, i, const itsm_kind_t *)->timers)
            break;
    if (i == c->kinds->nelts && c->sla_file == NULL)
        return NULL;
    if (itsm_sla_config_load(&c->sla, path, c->schema, p, &err) != APR_SUCCESS)
        return err;
    return NULL;
}

const itsm_kind_t *itsm_core_kind(const itsm_server_conf_t *c, const char *kind)
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

apr_status_t itsm_core_bind(struct itsm_store_t **st, server_rec *s, ap_dbd_t *dbd,
                            apr_pool_t *p, const char **err)
{
    itsm_server_conf_t *conf = ap_get_module_config(s->module_config, &itsm_module);
    db_state_t *db = db_state(s);
    apr_status_t rv = APR_SUCCESS;

    if (db == NULL || !conf->process_ready) {
        *err = "the per-process state was not set up (see ITSM00007)";
        return APR_EGENERAL;
    }
    if (!apr_atomic_read32(&db->schema_ready)) {
        apr_thread_mutex_lock(db->schema_lock);
        if (!apr_atomic_read32(&db->schema_ready)) {
            rv = itsm_store_migrate(dbd->driver, dbd->handle,
                                    apr_pstrcat(p, conf->schema_dir, "/sql", NULL),
                                    conf->kinds, conf->sla, p, err);
            if (rv == APR_SUCCESS)
                apr_atomic_set32(&db->schema_ready, 1);
        }
        apr_thread_mutex_unlock(db->schema_lock);
        if (rv != APR_SUCCESS)
            return rv;
    }
    if (dbd->prepared == NULL)
        dbd->prepared = apr_hash_make(dbd->pool);
    rv = itsm_store_bind(st, dbd->driver, dbd->handle, dbd->prepared, dbd->pool, db->queue,
                         p, err);
    if (rv == APR_SUCCESS)
        itsm_store_use_kinds(*st, conf->kinds, conf->sla);
    return rv;
}

static int itsm_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
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
        itsm_server_conf_t *c = ap_get_module_config(vs->module_config, &itsm_module);
        const char *err = NULL, *dir, *table;

        dir = c->schema_dir ? c->schema_dir : ITSM_DATADIR "/schemas";
        table = c->authz_file ? c->authz_file : ITSM_SYSCONFDIR "/itsm-authz.xml";
        c->schema_dir = dir;
        if ((c->schema = load_schema(pconf, schemas, dir, &err)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00002)
                         "ITSMSchemaDir: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((c->authz = itsm_authz_load(table, c->schema, pconf, &err)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00003)
                         "ITSMAuthzFile: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = collect_routes(pconf, c)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00004)
                         "ITSMAuthzFile %s: %s", table, err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if ((err = load_sla(pconf, c)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00009) "ITSMSLAFile: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        c->desks = NULL;
        if (c->desks_file
            && itsm_desks_load(&c->desks, c->desks_file, c->schema, pconf, &err) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00010) "ITSMDesksFile: %s", err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (c->ldap.url == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00005)
                         "ITSMLDAPURL is not set: the core cannot resolve people to parties and roles");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (!c->ldap_ttl_set)
            c->ldap.cache_ttl = apr_time_from_sec(60);
        if (!c->ldap_timeout_set)
            c->ldap.timeout_sec = 5;
        if (!c->ldap_pool_set)
            c->ldap.pool_max = 4;
        if (c->ldap.user_attr == NULL)
            c->ldap.user_attr = "uid";
        if (c->ldap.starttls == ITSM_UNSET)
            c->ldap.starttls = 0;
        if (c->ldap.starttls && is_ldaps(c->ldap.url)) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00150)
                         "ITSMLDAPStartTLS on with the ldaps:// URL %s: ldaps:// is TLS from "
                         "the first byte; use an ldap:// URL with StartTLS, or ldaps:// without",
                         c->ldap.url);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (c->ldap.ca_file && (err = check_ldap_ca_file(c->ldap.ca_file, ptemp)) != NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00151)
                         "ITSMLDAPCACertFile %s %s", c->ldap.ca_file, err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (c->ldap.ca_file && !c->ldap.starttls && !is_ldaps(c->ldap.url))
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, ITSMLOGNO(00152)
                         "ITSMLDAPCACertFile is set but %s is neither ldaps:// nor used with "
                         "ITSMLDAPStartTLS on: the directory is read in clear text",
                         c->ldap.url);
        if (c->retry_after == ITSM_UNSET)
            c->retry_after = 10;
        if (c->sweep_interval == ITSM_UNSET)
            c->sweep_interval = 60;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, vs, ITSMLOGNO(00006)
                     "%d collections, schema %s, role table %s",
                     c->kinds->nelts, dir, table);
    }
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG
        && ap_global_mutex_create(&store_mutex, NULL, STORE_MUTEX, NULL, s, pconf, 0)
           != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;      /* ap_global_mutex_create logged why */
    {
        /* one sweep per database (see db_state_t) */
        apr_hash_t *seen = apr_hash_make(ptemp);

        for (vs = s; vs; vs = vs->next)
            if (db_add(seen, vs, vs, ptemp))
                itsm_sweep_register(pconf, vs);
    }
    return OK;
}

/* At child exit: how well group commit batched each database's writes. */
static apr_status_t log_write_stats(void *data)
{
    server_rec *s = data;
    apr_hash_index_t *hi;
    apr_uint64_t writes, transactions;

    for (hi = apr_hash_first(NULL, db_states); hi; hi = apr_hash_next(hi)) {
        db_state_t *db = apr_hash_this_val(hi);

        itsm_store_write_stats(db->queue, &writes, &transactions);
        if (transactions)
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, ITSMLOGNO(00011)
                         "%" APR_UINT64_T_FMT " writes in %" APR_UINT64_T_FMT " transactions",
                         writes, transactions);
    }
    return APR_SUCCESS;
}

static apr_status_t db_state_create(db_state_t **out, apr_pool_t *p)
{
    db_state_t *db = apr_pcalloc(p, sizeof *db);
    apr_status_t rv = apr_thread_mutex_create(&db->schema_lock, APR_THREAD_MUTEX_DEFAULT, p);

    if (rv == APR_SUCCESS)
        rv = itsm_store_queue_create(&db->queue, p);
    *out = db;
    return rv;
}

static int itsm_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return ap_mutex_register(pconf, STORE_MUTEX, NULL, APR_LOCK_DEFAULT, 0) == APR_SUCCESS
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static void itsm_child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *vs;

    if (store_mutex && apr_global_mutex_child_init(&store_mutex,
                                                   apr_global_mutex_lockfile(store_mutex),
                                                   pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, ITSMLOGNO(00008) "cannot attach the store lock");
        store_mutex = NULL;
    }
    if (itsm_store_child_init(pchild, store_mutex) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, ITSMLOGNO(00051) "cannot create the store lock");
    db_states = apr_hash_make(pchild);
    for (vs = s; vs; vs = vs->next) {
        itsm_server_conf_t *c = ap_get_module_config(vs->module_config, &itsm_module);
        db_state_t *db = NULL;
        apr_status_t rv = APR_SUCCESS;

        if (db_state(vs) == NULL && (rv = db_state_create(&db, pchild)) == APR_SUCCESS)
            db_add(db_states, vs, db, pchild);
        if (rv == APR_SUCCESS && !c->process_ready) {   /* hosts may share c */
            if ((rv = itsm_ldap_create(&c->directory, &c->ldap, pchild)) == APR_SUCCESS)
                c->process_ready = 1;
        }
        if (rv != APR_SUCCESS)
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, vs, ITSMLOGNO(00007)
                         "cannot set up the per-process state");
    }
    apr_pool_cleanup_register(pchild, s, log_write_stats, apr_pool_cleanup_null);
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

static void itsm_register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };
    static const char *const before_watchdog[] = { "mod_watchdog.c", NULL };
    static const char *const rewrite_and_alias[] = {
        "mod_rewrite.c", "mod_alias.c", "mod_userdir.c", "mod_vhost_alias.c", "mod_proxy.c", NULL
    };

    /* The sweep registers with mod_watchdog before mod_watchdog's own post_config runs. */
    ap_hook_pre_config(itsm_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(itsm_post_config, after_dbd, before_watchdog, APR_HOOK_MIDDLE);
    ap_hook_child_init(itsm_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(itsm_translate, rewrite_and_alias, NULL, APR_HOOK_LAST);
    ap_hook_map_to_storage(itsm_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(itsm_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(itsm) = {
    STANDARD20_MODULE_STUFF,
    create_dir_conf,
    merge_dir_conf,
    create_server_conf,
    merge_server_conf,
    itsm_cmds,
    itsm_register_hooks
};
