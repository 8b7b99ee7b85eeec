/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the core module: its runtime. itsm_core_t is what the core makes of a server's
 * directives (mod_itsm.h) at start-up and in each child; the request handler, the services
 * and the sweep read it, and core.c alone writes it. */
#ifndef ITSM_CORE_H
#define ITSM_CORE_H

#include <apr_dbd.h>
#include <mod_dbd.h>

#include "mod_itsm.h"
#include "itsm.h"
#include "itsm_authz.h"
#include "itsm_desks.h"
#include "itsm_sla.h"
#include "itsm_xml.h"

/* A collection served by a process; with resource, a resource of the process's own. */
typedef struct itsm_route_t {
    const itsm_process_t *process;
    const itsm_kind_t *kind;
    const itsm_resource_t *resource;
} itsm_route_t;

typedef struct itsm_core_t {
    const itsm_server_conf_t *conf; /* the directives it was made from */

    /* made in post_config, shared read-only by all children */
    xmlSchemaPtr schema;            /* the core's and the loaded processes' schemas */
    itsm_authz_t *authz;
    itsm_sla_config_t *sla;         /* NULL when no loaded kind has clocks or timers */
    itsm_desks_t *desks;            /* NULL when no directory of desks */
    apr_hash_t *routes;             /* collection -> itsm_route_t */
    apr_hash_t *views;              /* path -> const itsm_view_t * */
    apr_hash_t *resources;          /* path -> itsm_route_t * (a process's own resources) */
    apr_array_header_t *kinds;      /* const itsm_kind_t *, in provider-list order */

    void *portal;                   /* xsltStylesheetPtr: the portal's stylesheets, compiled */

    /* made in child_init */
    itsm_ldap_t *directory;
    int process_ready;              /* per-process state set up (ITSM00007 otherwise) */
} itsm_core_t;

/* The runtime of server s (hosts without directives of their own share the main one's). */
itsm_core_t *itsm_core_of(server_rec *s);

/* The loaded kind named kind, NULL if none. */
const itsm_kind_t *itsm_core_kind(const itsm_core_t *c, const char *kind);

/* mod_dbd's acquire, looked up at start-up so that LoadModule order does not matter. */
extern ap_dbd_t *(*itsm_dbd_acquire)(request_rec *r);

struct itsm_store_t;
/* Bind the store to a mod_dbd connection, setting the schema up first when this process
 * has not yet (once per process, under the schema lock). */
apr_status_t itsm_core_bind(struct itsm_store_t **st, server_rec *s, ap_dbd_t *dbd,
                            apr_pool_t *p, const char **err);

/* Run the ticket_event hook (include/itsm_events.h) after a committed change. */
struct itsm_event_t;
void itsm_event_run(const struct itsm_event_t *e);

/* NULL when httpd's child processes (User, when httpd starts as root) may read path, enter
 * the directories on its way and, down depth levels, what a directory holds; else why not. */
const char *itsm_core_child_reads(const char *path, int depth, apr_pool_t *p);

/* The hooks mod_itsm.c registers. */
/* Does who read kind k as published (a versioned kind whose publishing they may not do)? */
int itsm_core_reads_published(const itsm_core_t *core, const itsm_identity_t *who,
                              const itsm_kind_t *k);
/* A person's scope under core (an itsm_core_t *), in p: the directory's derive function. */
const char *itsm_core_person_scope(apr_pool_t *p, const itsm_identity_t *who, void *core);
int itsm_core_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
int itsm_core_check_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
int itsm_core_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void itsm_core_child_init(apr_pool_t *pchild, server_rec *s);
int itsm_handler(request_rec *r);
/* translate_name and map_to_storage: the suite's requests skip the filesystem walk. */
int itsm_translate(request_rec *r);
int itsm_map_to_storage(request_rec *r);
void itsm_outage_register_hooks(apr_pool_t *p);

/* The portal (portal.c): its stylesheets compiled at start-up (an xsltStylesheetPtr, NULL
 * and *err on failure): the core's in dir, then the loaded processes' (const char *, their
 * paths) -- and the login page's handler (itsm-login). */
void *itsm_portal_compile(apr_pool_t *p, const char *dir, const apr_array_header_t *stylesheets,
                          const char **err);
int itsm_portal_login(request_rec *r);
/* The page cache (portal.c, ITSMPortalCache): at most entries pages and bytes per child (0:
 * none), made in child_init. */
apr_status_t itsm_portal_cache_init(apr_pool_t *pchild, int entries, apr_size_t bytes);
/* Its hooks: the login page and sign-out handlers, the guard on the login's redirect. */
void itsm_portal_register_hooks(apr_pool_t *p);

/* The session cache (session.c): decoded sessions of mod_session_crypto per child, keyed by
 * the cookie's SHA-256. pre_config registers its session_decode hooks; child_init makes a
 * cache of that many entries (0: none); forget drops the request's cookie (sign-out). */
void itsm_session_cache_pre_config(apr_pool_t *pconf);
void itsm_session_cache_child_init(apr_pool_t *pchild, server_rec *s, int entries);
void itsm_session_cache_forget(request_rec *r);

/* The SLA sweep (sweep.c): registered with mod_watchdog in post_config. */
void itsm_sweep_register(apr_pool_t *pconf, server_rec *s);
/* In child_init: a child's exit waits for a running sweep (mod_watchdog does not). */
void itsm_sweep_child_init(apr_pool_t *pchild);

/* The searches' counts not yet written (store_search.c): the log of s's database (NULL:
 * each search writes its count), and one server per database that has a log. */
struct itsm_search_counts_t;
struct itsm_search_flush_t;
struct itsm_search_counts_t *itsm_core_counts(server_rec *s);
const apr_array_header_t *itsm_core_count_servers(void);
/* What a failed flush did, for the log: its searches and rows, the error, kept and dropped. */
const char *itsm_core_flush_failed(apr_pool_t *p, const struct itsm_search_flush_t *f,
                                   const char *err);
/* Their timer (sweep.c): a mod_watchdog instance in every child that writes the log when it
 * is due, registered in post_config; and in child_init, the flush at the child's exit. */
void itsm_counts_register(apr_pool_t *pconf, server_rec *s);
void itsm_counts_child_init(apr_pool_t *pchild);

#endif
