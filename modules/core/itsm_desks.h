/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The directory of external service desks and help desks (CPSD section 5): loaded once from
 * ITSMDesksFile, read-only afterwards. APR + libxml2 only. */
#ifndef ITSM_DESKS_H
#define ITSM_DESKS_H

#include <apr_hash.h>
#include <apr_tables.h>
#include <libxml/xmlschemas.h>

typedef struct itsm_desk_t {
    const char *name, *kind, *owner, *provider, *contact, *covers;
} itsm_desk_t;

typedef struct itsm_desks_t {
    apr_array_header_t *list;   /* itsm_desk_t, in file order */
    apr_hash_t *by_name;        /* name -> itsm_desk_t * */
} itsm_desks_t;

apr_status_t itsm_desks_load(itsm_desks_t **out, const char *path, xmlSchemaPtr schema,
                             apr_pool_t *p, const char **err);

#endif
