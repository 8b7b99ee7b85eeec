/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the core module: its directives (mod_itsm.c owns them). What the core makes
 * of them at start-up is core.h's itsm_core_t. */
#ifndef MOD_ITSM_H
#define MOD_ITSM_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

#include "itsm_ldap.h"

extern module AP_MODULE_DECLARE_DATA itsm_module;

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
    int search_window;              /* ITSMSearchDeflectionWindow (seconds) */
    int search_count_delay;         /* ITSMSearchCountDelay (seconds, 0 = with each search) */
    int search_ranked;              /* ITSMSearchRanked: the rank cut-off (matches ranked) */
    int session_cache;              /* ITSMSessionCache (entries per child, 0 = off) */
    int search_cache;               /* ITSMSearchCache: answers per child (0 = off) */
    int search_cache_kb;            /* ITSMSearchCache: their kilobytes per child */
    int portal_cache;               /* ITSMPortalCache: pages per child (0 = off) */
    int portal_cache_kb;            /* ITSMPortalCache: their kilobytes per child */

    apr_table_t *set_at;            /* directive name -> "file:line" it was written at */

    struct itsm_core_t *core;       /* what the core made of these at start-up (core.h) */
} itsm_server_conf_t;

/* Where a start-up error's directive was written, for its log line: " (set at FILE:LINE, in
 * the <VirtualHost> NAME of FILE:LINE)", either part alone, or "" (a default, in the main
 * server). directive NULL: the virtual host alone. Allocated in p. */
const char *itsm_conf_where(apr_pool_t *p, const itsm_server_conf_t *c, const server_rec *vs,
                            const char *directive);

#define ITSM_UNSET -1
#define ITSM_SEARCH_CACHE_ENTRIES 2048  /* ITSMSearchCache's defaults */
#define ITSM_SEARCH_CACHE_KB 32768
#define ITSM_PORTAL_CACHE_ENTRIES 1024  /* ITSMPortalCache's defaults */
#define ITSM_PORTAL_CACHE_KB 16384

typedef struct itsm_dir_conf_t {
    const char *base;               /* the <Location> path the handler is mounted at */
    apr_off_t max_body;             /* ITSMMaxBody */
    int page_size;                  /* ITSMPageSize */
} itsm_dir_conf_t;

#endif
