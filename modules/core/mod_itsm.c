/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* mod_itsm: the core module's directives (per server and per directory), their merge and
 * their checks, and the module's hooks. What the core makes of the directives at start-up
 * and in each child (schema, role table, processes, store, directory) is core.c's; request
 * handling is handler.c's, the SLA sweep sweep.c's. */
#include <apr_atomic.h>
#include <apr_fnmatch.h>
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

#include "core.h"
#include "itsm_store.h"



static void *create_server_conf(apr_pool_t *p, server_rec *s)
{
    itsm_server_conf_t *c = apr_pcalloc(p, sizeof *c);

    c->set_at = apr_table_make(p, 4);
    c->ldap.user_attr = NULL;
    c->ldap.starttls = ITSM_UNSET;
    c->retry_after = ITSM_UNSET;
    c->sweep_interval = ITSM_UNSET;
    c->search_window = ITSM_UNSET;
    c->search_count_delay = ITSM_UNSET;
    c->search_ranked = ITSM_UNSET;
    c->session_cache = ITSM_UNSET;
    c->search_cache = ITSM_UNSET;
    c->search_cache_kb = ITSM_UNSET;
    c->portal_cache = ITSM_UNSET;
    c->portal_cache_kb = ITSM_UNSET;
    return c;
}

#define MERGE(field) c->field = add->field ? add->field : base->field
static void *merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    itsm_server_conf_t *base = basev, *add = addv, *c = apr_pcalloc(p, sizeof *c);

    c->set_at = apr_table_overlay(p, add->set_at, base->set_at);   /* add's first */
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
    c->search_window = add->search_window != ITSM_UNSET ? add->search_window : base->search_window;
    c->search_count_delay = add->search_count_delay != ITSM_UNSET ? add->search_count_delay
                                                                  : base->search_count_delay;
    c->search_ranked = add->search_ranked != ITSM_UNSET ? add->search_ranked : base->search_ranked;
    c->session_cache = add->session_cache != ITSM_UNSET ? add->session_cache : base->session_cache;
    c->search_cache = add->search_cache != ITSM_UNSET ? add->search_cache : base->search_cache;
    c->search_cache_kb = add->search_cache != ITSM_UNSET ? add->search_cache_kb
                                                         : base->search_cache_kb;
    c->portal_cache = add->portal_cache != ITSM_UNSET ? add->portal_cache : base->portal_cache;
    c->portal_cache_kb = add->portal_cache != ITSM_UNSET ? add->portal_cache_kb
                                                         : base->portal_cache_kb;
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

/* The server configuration a directive sets; every setter asks for it, and so it notes
 * where the directive was written (itsm_conf_where). */
static itsm_server_conf_t *sconf(cmd_parms *cmd)
{
    itsm_server_conf_t *c = ap_get_module_config(cmd->server->module_config, &itsm_module);

    if (cmd->directive && cmd->directive->filename)
        apr_table_setn(c->set_at, cmd->cmd->name, apr_psprintf(cmd->pool, "%s:%d",
                       cmd->directive->filename, cmd->directive->line_num));
    return c;
}

const char *itsm_conf_where(apr_pool_t *p, const itsm_server_conf_t *c, const server_rec *vs,
                            const char *directive)
{
    const char *at = directive ? apr_table_get(c->set_at, directive) : NULL;
    const char *host = NULL;

    if (vs->is_virtual)
        host = apr_psprintf(p, "in the <VirtualHost> %s of %s:%d",
                            vs->server_hostname ? vs->server_hostname : "",
                            vs->defn_name ? vs->defn_name : "?", vs->defn_line_number);
    if (at == NULL && host == NULL)
        return "";
    return apr_pstrcat(p, " (", at ? "set at " : "", at ? at : "", at && host ? ", " : "",
                       host ? host : "", ")", NULL);
}

/* Directives that set a member of the server configuration name it (cmd->info is its
 * offset), as httpd's ap_set_string_slot does for per-directory ones. */
#define SLOT(member) ((void *)APR_OFFSETOF(itsm_server_conf_t, member))

static const char **string_slot(cmd_parms *cmd)
{
    return (const char **)((char *)sconf(cmd) + (apr_size_t)cmd->info);
}

static const char *set_server_path(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (path == NULL)
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": invalid path ", arg, NULL);
    *string_slot(cmd) = path;
    return NULL;
}

static const char *set_server_string(cmd_parms *cmd, void *dummy, const char *arg)
{
    *string_slot(cmd) = arg;
    return NULL;
}

/* The first line PROGRAM prints (argv[0] is its full path), NULL when it cannot run, prints
 * nothing or fails (*failed: it ran and ended with another status than 0). As httpd's
 * ap_get_exec_line, but the program is waited for: a child left to the MPM to reap shows at
 * the next graceful restart as "AH00488: long lost child came home!". */
static const char *exec_line(apr_pool_t *p, const char *const *argv, int *failed)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_exit_why_e why;
    int code;
    char buf[1024], more[4096];
    apr_size_t n = 0, one = 1, rest, chunk;
    apr_status_t rv, done = APR_CHILD_NOTDONE;
    char c;

    if (apr_procattr_create(&attr, p) != APR_SUCCESS
        || apr_procattr_io_set(attr, APR_NO_PIPE, APR_FULL_BLOCK, APR_NO_PIPE) != APR_SUCCESS
        || apr_procattr_cmdtype_set(attr, APR_PROGRAM) != APR_SUCCESS
        || apr_proc_create(&proc, argv[0], argv, NULL, attr, p) != APR_SUCCESS)
        return NULL;
    while (n < sizeof buf - 1 && apr_file_read(proc.out, &c, &one) == APR_SUCCESS && one == 1
           && c != '\n' && c != '\r')
        buf[n++] = c;
    /* the rest read (64 KiB at most) while the program runs, so that one writing more after
     * the password does not fail on a closed pipe; not to the pipe's end, which a process it
     * left in the background may hold open for ever */
    apr_file_pipe_timeout_set(proc.out, apr_time_from_msec(100));
    for (rest = 0; rest < 64 * 1024;) {
        chunk = sizeof more;
        if ((rv = apr_file_read(proc.out, more, &chunk)) == APR_SUCCESS)
            rest += chunk;
        else if (!APR_STATUS_IS_TIMEUP(rv)
                 || (done = apr_proc_wait(&proc, &code, &why, APR_NOWAIT)) == APR_CHILD_DONE)
            break;
    }
    apr_file_close(proc.out);
    /* a program that fails (exit status, signal) may have printed anything: not taken */
    if (done != APR_CHILD_DONE)
        done = apr_proc_wait(&proc, &code, &why, APR_WAIT);
    *failed = done != APR_CHILD_DONE || !APR_PROC_CHECK_EXIT(why) || code != 0;
    return n && !*failed ? apr_pstrmemdup(p, buf, n) : NULL;
}

/* ITSMLDAPBindPassword "exec:/bin/cat /etc/mod_itsm/ldap-reader.secret": as
 * AuthLDAPBindPassword, the first line a program prints (run while the configuration is
 * read, as the user who starts httpd), so the password may live in a file only root reads. */
static const char *set_ldap_bind_pw(cmd_parms *cmd, void *dummy, const char *arg)
{
    char **argv = NULL;
    const char *pw;
    int failed = 0;

    if (ap_cstr_casecmpn(arg, "exec:", 5) != 0) {
        sconf(cmd)->ldap.bind_pw = arg;
        return NULL;
    }
    if (apr_tokenize_to_argv(arg + 5, &argv, cmd->temp_pool) != APR_SUCCESS || argv[0] == NULL)
        return "ITSMLDAPBindPassword exec: names no program";
    if (argv[0][0] != '/')      /* run as named: no search of PATH */
        return apr_psprintf(cmd->pool, "ITSMLDAPBindPassword exec: names the program '%s': "
                            "give its full path (exec:/bin/cat /etc/mod_itsm/ldap.secret)",
                            argv[0]);
    if ((pw = exec_line(cmd->pool, (const char *const *)argv, &failed)) == NULL && failed)
        return apr_psprintf(cmd->pool, "ITSMLDAPBindPassword: %s failed (its exit status was "
                            "not 0): its output is not taken as the password", argv[0]);
    if (pw == NULL)
        return apr_psprintf(cmd->pool, "ITSMLDAPBindPassword: %s printed no password (does it "
                            "run, and can the user starting httpd read what it reads?)", argv[0]);
    sconf(cmd)->ldap.bind_pw = pw;
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

/* ITSMLDAPCACertFile checked at start-up: readable, by httpd's User too, and holding a PEM
 * certificate. NULL when fine. */
static const char *check_ldap_ca_file(const char *path, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *buf;
    const char *err;
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
    /* libldap reads it in the children; the log line names the path before the answer,
     * which may begin with it too */
    if ((err = itsm_core_child_reads(path, 0, p)) != NULL && strncmp(err, path, strlen(path)) == 0)
        err += strlen(path) + (err[strlen(path)] == ' ');
    return err;
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

/* A whole-number directive: where it goes, its bounds, and how merge tells it was set. */
typedef struct int_slot_t {
    apr_size_t offset;          /* of an int, or with seconds of an apr_interval_time_t */
    long min, max;
    int seconds;                /* stored as an apr_interval_time_t of that many seconds */
    apr_size_t set_offset;      /* of its int "set" flag; NO_FLAG: ITSM_UNSET says it */
} int_slot_t;
#define NO_FLAG ((apr_size_t)-1)
#define OFF(member) APR_OFFSETOF(itsm_server_conf_t, member)

static const int_slot_t ldap_ttl = { OFF(ldap.cache_ttl), 0, 86400, 1, OFF(ldap_ttl_set) };
static const int_slot_t ldap_timeout = { OFF(ldap.timeout_sec), 1, 300, 0, OFF(ldap_timeout_set) };
static const int_slot_t ldap_pool = { OFF(ldap.pool_max), 1, 1024, 0, OFF(ldap_pool_set) };
static const int_slot_t retry_after = { OFF(retry_after), 1, 3600, 0, NO_FLAG };
static const int_slot_t sweep_interval = { OFF(sweep_interval), 0, 86400, 0, NO_FLAG };
static const int_slot_t search_window = { OFF(search_window), 0, 30 * 86400, 0, NO_FLAG };
static const int_slot_t search_count_delay = { OFF(search_count_delay), 0, 3600, 0, NO_FLAG };
static const int_slot_t search_ranked = { OFF(search_ranked), 20, 100000, 0, NO_FLAG };
static const int_slot_t session_cache = { OFF(session_cache), 0, 1048576, 0, NO_FLAG };

static const char *set_server_int(cmd_parms *cmd, void *dummy, const char *arg)
{
    const int_slot_t *slot = cmd->info;
    char *c = (char *)sconf(cmd);
    const char *err;
    long v = 0;

    if ((err = parse_int(cmd, arg, slot->min, slot->max, &v)) != NULL)
        return err;
    if (slot->seconds)
        *(apr_interval_time_t *)(c + slot->offset) = apr_time_from_sec(v);
    else
        *(int *)(c + slot->offset) = (int)v;
    if (slot->set_offset != NO_FLAG)
        *(int *)(c + slot->set_offset) = 1;
    return NULL;
}

/* A per-child cache's bounds, ENTRIES [KILOBYTES] (ITSMSearchCache, ITSMPortalCache): where
 * they go, and the kilobytes when only the entries are given. */
typedef struct cache_slot_t {
    apr_size_t entries, kb;     /* offsets of two ints */
    long default_kb;
} cache_slot_t;
static const cache_slot_t search_cache = { OFF(search_cache), OFF(search_cache_kb),
                                           ITSM_SEARCH_CACHE_KB };
static const cache_slot_t portal_cache = { OFF(portal_cache), OFF(portal_cache_kb),
                                           ITSM_PORTAL_CACHE_KB };

static const char *set_cache(cmd_parms *cmd, void *dummy, const char *entries, const char *kb)
{
    const cache_slot_t *slot = cmd->info;
    char *c = (char *)sconf(cmd);
    const char *err;
    long n = 0, size = slot->default_kb;

    if ((err = parse_int(cmd, entries, 0, 1048576, &n)) != NULL
        || (kb && (err = parse_int(cmd, kb, 0, 4194304, &size)) != NULL))
        return err;
    *(int *)(c + slot->entries) = (int)n;
    *(int *)(c + slot->kb) = (int)size;
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

/* Is path a or one below it under b ("/itsm/cases" under "/itsm" and "/itsm/", not under
 * "/it")? */
static int path_under(const char *a, const char *b)
{
    apr_size_t n = strlen(b);

    while (n > 0 && b[n - 1] == '/')
        n--;
    return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

static const char *set_base(cmd_parms *cmd, void *dirv, const char *arg)
{
    itsm_dir_conf_t *d = dirv;
    const ap_directive_t *up;

    if (arg[0] != '/')
        return "ITSMBase takes a URL path starting with /";
    /* in a <Location> (an <If> in it too), a mount point no request there is under, nor
     * above, would answer each of them 404 and log nothing: refused, naming the path */
    for (up = cmd->directive ? cmd->directive->parent : NULL; up; up = up->parent) {
        const char *args = up->args;
        char *loc, *end;

        if (strcasecmp(up->directive, "<Location") == 0 && args
            && (loc = ap_getword_conf(cmd->temp_pool, &args))[0] == '/') {
            if ((end = strrchr(loc, '>')) != NULL && end[1] == '\0')
                *end = '\0';
            /* a path with wildcards (an asterisk, a question mark) is a pattern: not judged */
            if (!apr_fnmatch_test(loc) && !path_under(loc, arg) && !path_under(arg, loc))
                return apr_psprintf(cmd->pool, "ITSMBase %s inside <Location %s>: no request "
                                    "there has a path under %s, each would be answered 404; "
                                    "name the Location's path (ITSMBase %s)", arg, loc, arg,
                                    loc);
            break;
        }
        if (strncasecmp(up->directive, "<Location", 9) == 0)
            break;              /* <LocationMatch>, a regex: not judged */
    }
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
    AP_INIT_TAKE1("ITSMSchemaDir", set_server_path, SLOT(schema_dir), RSRC_CONF,
                  "Directory holding itsm.xsd and sql/<driver>/ migrations"),
    AP_INIT_TAKE1("ITSMAuthzFile", set_server_path, SLOT(authz_file), RSRC_CONF,
                  "Role table (XML): which role may do which action on which kind"),
    AP_INIT_TAKE1("ITSMSLAFile", set_server_path, SLOT(sla_file), RSRC_CONF,
                  "Service levels (XML): calendars and SLA targets per kind and priority"),
    AP_INIT_TAKE1("ITSMDesksFile", set_server_path, SLOT(desks_file), RSRC_CONF,
                  "Directory of external desks (XML) that cross-party work may name"),
    AP_INIT_TAKE1("ITSMLDAPURL", set_server_string, SLOT(ldap.url), RSRC_CONF,
                  "Directory holding people, parties, roles and resolver groups: ldap://host:port"),
    AP_INIT_TAKE1("ITSMLDAPBindDN", set_server_string, SLOT(ldap.bind_dn), RSRC_CONF,
                  "DN the core binds as to read identities (default: anonymous)"),
    AP_INIT_TAKE1("ITSMLDAPBindPassword", set_ldap_bind_pw, NULL, RSRC_CONF,
                  "Password of ITSMLDAPBindDN, or exec:PROGRAM ARGS printing it"),
    AP_INIT_TAKE1("ITSMLDAPBase", set_server_string, SLOT(ldap.base), RSRC_CONF,
                  "Subtree searched for people, parties and groups"),
    AP_INIT_TAKE1("ITSMLDAPUserAttribute", set_server_string, SLOT(ldap.user_attr), RSRC_CONF,
                  "Attribute matching the authenticated login (default uid)"),
    AP_INIT_TAKE1("ITSMLDAPCacheTTL", set_server_int, (void *)&ldap_ttl, RSRC_CONF,
                  "Seconds an identity stays cached per process (default 60, 0 disables)"),
    AP_INIT_TAKE1("ITSMLDAPTimeout", set_server_int, (void *)&ldap_timeout, RSRC_CONF,
                  "Network and operation timeout in seconds (default 5)"),
    AP_INIT_TAKE1("ITSMLDAPPoolSize", set_server_int, (void *)&ldap_pool, RSRC_CONF,
                  "Directory connections kept per process (default 4)"),
    AP_INIT_TAKE1("ITSMLDAPCACertFile", set_ldap_ca_file, NULL, RSRC_CONF,
                  "PEM file of the CAs the directory's certificate must chain to "
                  "(ldaps:// or StartTLS; default: libldap's)"),
    AP_INIT_FLAG("ITSMLDAPStartTLS", set_ldap_starttls, NULL, RSRC_CONF,
                 "StartTLS on the ldap:// connection before the bind (default off)"),
    AP_INIT_TAKE1("ITSMRetryAfter", set_server_int, (void *)&retry_after, RSRC_CONF,
                  "Retry-After seconds on 503 (default 10)"),
    AP_INIT_TAKE1("ITSMBase", set_base, NULL, RSRC_CONF | ACCESS_CONF,
                  "URL path the handler is mounted at (default: the enclosing <Location>)"),
    AP_INIT_TAKE1("ITSMSLASweepInterval", set_server_int, (void *)&sweep_interval, RSRC_CONF,
                  "Seconds between SLA sweeps (mod_watchdog; default 60, 0 turns the sweep off)"),
    AP_INIT_TAKE1("ITSMSearchDeflectionWindow", set_server_int, (void *)&search_window, RSRC_CONF,
                  "Seconds after a search that found tickets within which a ticket of a "
                  "deflection target (cases) raised by the same person counts as a failed "
                  "deflection (default 3600, 0 counts none)"),
    AP_INIT_TAKE1("ITSMSearchCountDelay", set_server_int, (void *)&search_count_delay, RSRC_CONF,
                  "Seconds a search's count (knowledge gaps, failed deflections) may wait to be "
                  "written with others' (default 1, 0 writes it with each search)"),
    AP_INIT_TAKE1("ITSMSearchRanked", set_server_int, (void *)&search_ranked, RSRC_CONF,
                  "How many of a search's newest matches the caller may see are ranked "
                  "(the rank cut-off; default 500, 20 to 100000)"),
    AP_INIT_TAKE1("ITSMSessionCache", set_server_int, (void *)&session_cache, RSRC_CONF,
                  "Decoded session cookies kept per child process so that mod_session_crypto "
                  "does not derive its key on every request (default 1024, 0 turns it off)"),
    AP_INIT_TAKE12("ITSMSearchCache", set_cache, (void *)&search_cache, RSRC_CONF,
                  "Search answers kept per child process, and at most how many kilobytes of "
                  "them (default 2048 and 32768; 0 turns the cache off)"),
    AP_INIT_TAKE12("ITSMPortalCache", set_cache, (void *)&portal_cache, RSRC_CONF,
                  "Rendered portal pages kept per child process, and at most how many "
                  "kilobytes of them with their keys (default 1024 and 16384; 0 turns the "
                  "cache off)"),
    AP_INIT_TAKE1("ITSMSLAEscalateRole", set_server_string, SLOT(escalate_role), RSRC_CONF,
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

/* The directives of one server made whole: defaults for what is unset, and the checks
 * that need every directive read. Logs why and returns non-zero when httpd cannot start. */
static int finish_conf(itsm_server_conf_t *c, server_rec *vs, apr_pool_t *ptemp)
{
    const char *err;
    int urls, ldaps;

    if (c->ldap.url == NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00005)
                     "ITSMLDAPURL is not set: the core cannot resolve people to parties and "
                     "roles%s", itsm_conf_where(ptemp, c, vs, NULL));
        return 1;
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
    /* what the child's itsm_ldap_create would refuse, refused here: a start (or a
     * configtest before a graceful restart) would otherwise answer every request 503 */
    if ((err = itsm_ldap_conf_problem(&urls, &ldaps, &c->ldap, ptemp)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00153) "%s%s", err,
                     itsm_conf_where(ptemp, c, vs, NULL));
        return 1;
    }
    if (c->ldap.starttls && ldaps > 0) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00150)
                     "ITSMLDAPStartTLS on with the ldaps:// URL %s: ldaps:// is TLS from "
                     "the first byte; use ldap:// URLs with StartTLS, or ldaps:// without%s",
                     c->ldap.url, itsm_conf_where(ptemp, c, vs, "ITSMLDAPStartTLS"));
        return 1;
    }
    if (c->ldap.ca_file && (err = check_ldap_ca_file(c->ldap.ca_file, ptemp)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, vs, ITSMLOGNO(00151)
                     "ITSMLDAPCACertFile %s %s%s", c->ldap.ca_file, err,
                     itsm_conf_where(ptemp, c, vs, "ITSMLDAPCACertFile"));
        return 1;
    }
    if (c->ldap.ca_file && !c->ldap.starttls && ldaps == 0)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, ITSMLOGNO(00152)
                     "ITSMLDAPCACertFile is set but %s is neither ldaps:// nor used with "
                     "ITSMLDAPStartTLS on: the directory is read in clear text", c->ldap.url);
    if (!c->ldap.starttls && ldaps > 0 && ldaps < urls)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, vs, ITSMLOGNO(00154)
                     "ITSMLDAPURL %s mixes ldaps:// with other URLs: when an ldaps:// server "
                     "does not answer, the next is read in clear text, the bind password too",
                     c->ldap.url);
    if (c->retry_after == ITSM_UNSET)
        c->retry_after = 10;
    if (c->sweep_interval == ITSM_UNSET)
        c->sweep_interval = 60;
    if (c->search_window == ITSM_UNSET)
        c->search_window = 3600;
    if (c->search_count_delay == ITSM_UNSET)
        c->search_count_delay = 1;
    if (c->search_ranked == ITSM_UNSET)
        c->search_ranked = ITSM_SEARCH_RANKED;
    if (c->session_cache == ITSM_UNSET)
        c->session_cache = 1024;
    if (c->search_cache == ITSM_UNSET) {
        c->search_cache = ITSM_SEARCH_CACHE_ENTRIES;
        c->search_cache_kb = ITSM_SEARCH_CACHE_KB;
    }
    if (c->portal_cache == ITSM_UNSET) {
        c->portal_cache = ITSM_PORTAL_CACHE_ENTRIES;
        c->portal_cache_kb = ITSM_PORTAL_CACHE_KB;
    }
    return 0;
}

/* Directives first, then the runtime the core makes of them (core.c): in check_config, so
 * that httpd -t (apachectl configtest) fails on what a start would fail on. */
static int itsm_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next)
        if (finish_conf(ap_get_module_config(vs->module_config, &itsm_module), vs, ptemp))
            return HTTP_INTERNAL_SERVER_ERROR;
    return itsm_core_check_config(pconf, ptemp, s);
}

static int itsm_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    return itsm_core_post_config(pconf, ptemp, s);
}

/* The core's presence to a process module (include/itsm.h, ITSM_PROCESS_MODULE). */
static int itsm_core_abi(void)
{
    return ITSM_ABI_VERSION;
}

static void itsm_register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };
    static const char *const before_watchdog[] = { "mod_watchdog.c", NULL };
    static const char *const rewrite_and_alias[] = {
        "mod_rewrite.c", "mod_alias.c", "mod_userdir.c", "mod_vhost_alias.c", "mod_proxy.c", NULL
    };

    /* The sweep registers with mod_watchdog before mod_watchdog's own post_config runs. */
    APR_REGISTER_OPTIONAL_FN(itsm_core_abi);
    ap_hook_pre_config(itsm_core_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(itsm_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(itsm_post_config, after_dbd, before_watchdog, APR_HOOK_MIDDLE);
    ap_hook_child_init(itsm_core_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(itsm_translate, rewrite_and_alias, NULL, APR_HOOK_LAST);
    ap_hook_map_to_storage(itsm_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(itsm_handler, NULL, NULL, APR_HOOK_MIDDLE);
    itsm_portal_register_hooks(p);     /* the login page, sign-out, the login's guard */
    itsm_outage_register_hooks(p);     /* a directory outage met by httpd's authentication */
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
