/* Private to the core module: configuration records and the pieces the glue files share.
 * mod_itsm.c owns configuration and hooks, handler.c owns request handling. */
#ifndef MOD_ITSM_H
#define MOD_ITSM_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <apr_thread_mutex.h>
#include <apr_dbd.h>
#include <mod_dbd.h>

#include "itsm.h"
#include "itsm_authz.h"
#include "itsm_ldap.h"
#include "itsm_sla.h"
#include "itsm_desks.h"
#include "itsm_xml.h"

/* Stable message numbers, as httpd's AH numbers: grep-able in logs and docs. */
#define ITSMLOGNO(n) "ITSM" #n ": "

extern module AP_MODULE_DECLARE_DATA itsm_module;

/* A collection served by a process; with resource, a resource of the process's own. */
typedef struct itsm_route_t {
    const itsm_process_t *process;
    const itsm_kind_t *kind;
    const itsm_resource_t *resource;
} itsm_route_t;

typedef struct itsm_server_conf_t {
    const char *schema_dir;         /* ITSMSchemaDir */
    const char *authz_file;         /* ITSMAuthzFile */
    const char *sla_file;           /* ITSMSLAFile */
    const char *desks_file;         /* ITSMDesksFile */
    itsm_ldap_conf_t ldap;          /* ITSMLDAP* */
    int ldap_ttl_set, ldap_timeout_set, ldap_pool_set;
    int retry_after;                /* ITSMRetryAfter (seconds) */
    int sweep_interval;             /* ITSMSLASweepInterval (seconds, 0 = off) */
    const char *escalate_role;      /* ITSMSLAEscalateRole */
    apr_array_header_t *aged_bounds;/* ITSMAgedBuckets: int first days of buckets 2..n, NULL: default */

    /* Set in post_config (shared read-only by all children) */
    xmlSchemaPtr schema;
    itsm_authz_t *authz;
    itsm_sla_config_t *sla;         /* NULL when no loaded kind has clocks */
    itsm_desks_t *desks;            /* NULL when no directory of desks */
    apr_hash_t *routes;             /* collection -> itsm_route_t */
    apr_hash_t *views;              /* path -> const itsm_view_t * */
    apr_hash_t *resources;          /* path -> itsm_route_t * (a process's own resources) */
    apr_array_header_t *kinds;      /* const itsm_kind_t *, in provider-list order */
    apr_array_header_t *kind_names; /* const char *, for counters */

    /* Set in child_init */
    itsm_ldap_t *directory;
    int process_ready;              /* per-process state set up (ITSM00007 otherwise) */
} itsm_server_conf_t;

#define ITSM_UNSET -1

typedef struct itsm_dir_conf_t {
    const char *base;               /* the <Location> path the handler is mounted at */
    apr_off_t max_body;             /* ITSMMaxBody */
    int page_size;                  /* ITSMPageSize */
} itsm_dir_conf_t;

/* mod_dbd's acquire, looked up at start-up so that LoadModule order does not matter. */
extern ap_dbd_t *(*itsm_dbd_acquire)(request_rec *r);

int itsm_handler(request_rec *r);

/* Run the ticket_event hook (include/itsm_events.h) after a committed change. */
struct itsm_event_t;
void itsm_event_run(const struct itsm_event_t *e);
/* translate_name and map_to_storage: the suite's requests skip the filesystem walk. */
int itsm_translate(request_rec *r);
int itsm_map_to_storage(request_rec *r);

/* The loaded kind named kind, NULL if none. */
const itsm_kind_t *itsm_core_kind(const itsm_server_conf_t *c, const char *kind);

struct itsm_store_t;
/* Bind the store to a mod_dbd connection, setting the schema up first when this process
 * has not yet (once per process, under the schema lock). */
apr_status_t itsm_core_bind(struct itsm_store_t **st, server_rec *s, ap_dbd_t *dbd,
                            apr_pool_t *p, const char **err);

/* The SLA sweep (sweep.c): registered with mod_watchdog in post_config. */
void itsm_sweep_register(apr_pool_t *pconf, server_rec *s);

#endif
