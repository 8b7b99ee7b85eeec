/* The role table: which ITSM role may do which action on which kind of ticket, and which
 * roles see every party. Loaded from XML at start-up, read-only afterwards. */
#ifndef ITSM_AUTHZ_H
#define ITSM_AUTHZ_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <libxml/xmlschemas.h>

typedef struct itsm_authz_t itsm_authz_t;

/* Core actions every kind has; a kind adds its own (transitions). */
#define ITSM_ACTION_CREATE "create"
#define ITSM_ACTION_READ   "read"
#define ITSM_ACTION_UPDATE "update"
#define ITSM_ACTION_LINK   "link"
#define ITSM_ACTION_IMPORT "import"

/* Parse and validate path against schema. NULL and *err (allocated in p) on failure. */
itsm_authz_t *itsm_authz_load(const char *path, xmlSchemaPtr schema, apr_pool_t *p,
                              const char **err);

/* Each <grant> for kind must name only actions in valid (core ones are implied);
 * grants for kinds not in the hash are ignored (their process is not loaded). */
int itsm_authz_check_kind(const itsm_authz_t *az, const char *kind,
                          const char *const *actions, apr_pool_t *p, const char **err);

/* May someone holding roles (const char *) do action on kind? */
int itsm_authz_allows(const itsm_authz_t *az, const apr_array_header_t *roles,
                      const char *kind, const char *action);

/* Does one of roles see every party's tickets? */
int itsm_authz_sees_all(const itsm_authz_t *az, const apr_array_header_t *roles);

#endif
