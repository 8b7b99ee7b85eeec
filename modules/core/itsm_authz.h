/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The role table: which ITSM role, or which relation to the ticket, may do which action on
 * which kind of ticket, and which roles see every party. Loaded from XML at start-up,
 * read-only afterwards. */
#ifndef ITSM_AUTHZ_H
#define ITSM_AUTHZ_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <libxml/xmlschemas.h>

#include "itsm.h"

typedef struct itsm_authz_t itsm_authz_t;

/* Core actions every kind has; a kind adds its own (transitions). */
#define ITSM_ACTION_CREATE "create"
#define ITSM_ACTION_READ   "read"
#define ITSM_ACTION_UPDATE "update"
#define ITSM_ACTION_LINK   "link"
#define ITSM_ACTION_IMPORT "import"

/* Relations of a caller to a ticket (<grant relation="...">), as a bit mask. */
#define ITSM_REL_RAISER       0x1u  /* raised it: t->created_by */
#define ITSM_REL_ASSIGNEE     0x2u  /* t->assignee */
#define ITSM_REL_GROUP_MEMBER 0x4u  /* a member of its resolver group t->group */
#define ITSM_REL_APPROVER     0x8u  /* named in the kind's approvers field */

/* Parse and validate path against schema. NULL and *err (allocated in p) on failure: besides
 * the schema, a <grant> names exactly one of roles= and relation=, and a relation grant
 * names no create or import (there is no ticket yet to be related to). */
itsm_authz_t *itsm_authz_load(const char *path, xmlSchemaPtr schema, apr_pool_t *p,
                              const char **err);

/* Each <grant> for kind k must name only actions k has (core ones are implied), and a grant
 * to relation approver needs a kind that declares its approvers field; grants for kinds not
 * checked are ignored (their process is not loaded). */
int itsm_authz_check_kind(const itsm_authz_t *az, const itsm_kind_t *k, apr_pool_t *p,
                          const char **err);

/* The kinds the table's grants name, each to the line of its first grant: the core warns
 * of those no loaded process module defines (a misspelt kind would be ignored silently). */
const apr_hash_t *itsm_authz_kinds_at(const itsm_authz_t *az);
/* Warnings of the load, for the log (const char *): roles granted but never declared. */
const apr_array_header_t *itsm_authz_notes(const itsm_authz_t *az);

/* May someone holding roles (const char *) do action on kind, whatever the ticket? */
int itsm_authz_allows(const itsm_authz_t *az, const apr_array_header_t *roles,
                      const char *kind, const char *action);

/* itsm_authz_allows, or a grant of action on kind through by_kind's action by_action
 * (<grant through="problem:publish-workaround">: the ticket that action creates as its step,
 * itsm_req_spawn; by_kind/by_action NULL: none). */
int itsm_authz_allows_through(const itsm_authz_t *az, const apr_array_header_t *roles,
                              const char *kind, const char *action, const char *by_kind,
                              const char *by_action);

/* The relations that some grant allows action on kind to (0: roles alone decide). */
unsigned itsm_authz_relations_for(const itsm_authz_t *az, const char *kind, const char *action);

/* May someone holding roles and standing in relations (ITSM_REL_*) to a ticket of kind do
 * action on it? The caller has already found the ticket within the caller's party scope:
 * a relation never makes another party's ticket visible. */
int itsm_authz_allows_on(const itsm_authz_t *az, const apr_array_header_t *roles,
                         unsigned relations, const char *kind, const char *action);

/* The relations of who to ticket t of kind k (ITSM_REL_* bits). Logins and group names are
 * compared ignoring ASCII case, as the directory matches uid and cn (a ticket keeps a name
 * as it was given); who->groups holds the identity's resolver groups, resolved with the
 * identity through the directory cache, so this asks the directory nothing. */
unsigned itsm_authz_relations(const itsm_identity_t *who, const itsm_ticket_t *t,
                              const itsm_kind_t *k);

/* Does one of roles see every party's tickets? */
int itsm_authz_sees_all(const itsm_authz_t *az, const apr_array_header_t *roles);

#endif
