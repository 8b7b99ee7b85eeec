/* The role table (conf/itsm-authz.xml): grants of actions on kinds to LDAP roles, and the
 * roles whose scope is every party. Parsed and validated once at start-up; lookups are
 * hash reads. */
#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>
#include <libxml/parser.h>

#include "itsm.h"
#include "itsm_authz.h"
#include "itsm_xml.h"

struct itsm_authz_t {
    apr_hash_t *grants;     /* "kind\001action" -> apr_hash_t of role -> "" */
    apr_hash_t *all_scope;  /* role -> "" */
    apr_hash_t *kinds;      /* kind -> apr_array_header_t of actions named in grants */
};

static void add_grant(itsm_authz_t *az, apr_pool_t *p, const char *kind, const char *action,
                      const char *role)
{
    const char *key = apr_pstrcat(p, kind, "\001", action, NULL);
    apr_hash_t *roles = apr_hash_get(az->grants, key, APR_HASH_KEY_STRING);
    apr_array_header_t *named = apr_hash_get(az->kinds, kind, APR_HASH_KEY_STRING);

    if (roles == NULL) {
        roles = apr_hash_make(p);
        apr_hash_set(az->grants, key, APR_HASH_KEY_STRING, roles);
        if (named == NULL) {
            named = apr_array_make(p, 8, sizeof(const char *));
            apr_hash_set(az->kinds, kind, APR_HASH_KEY_STRING, named);
        }
        APR_ARRAY_PUSH(named, const char *) = action;
    }
    apr_hash_set(roles, role, APR_HASH_KEY_STRING, "");
}

itsm_authz_t *itsm_authz_load(const char *path, xmlSchemaPtr schema, apr_pool_t *p,
                              const char **err)
{
    itsm_authz_t *az = apr_pcalloc(p, sizeof *az);
    xmlNodePtr root, n;

    if (itsm_xml_config_load(&root, path, schema, "authorization", p, err) != APR_SUCCESS)
        return NULL;
    az->grants = apr_hash_make(p);
    az->all_scope = apr_hash_make(p);
    az->kinds = apr_hash_make(p);
    for (n = root->children; n; n = n->next) {
        if (itsm_xml_is(n, "role")) {
            char *scope = itsm_xml_attr(p, n, "scope");

            if (scope && strcmp(scope, "all") == 0)
                apr_hash_set(az->all_scope, itsm_xml_attr(p, n, "name"), APR_HASH_KEY_STRING, "");
        }
        else if (itsm_xml_is(n, "grant")) {
            char *kind = itsm_xml_attr(p, n, "kind"), *actions = itsm_xml_attr(p, n, "actions");
            char *roles = itsm_xml_attr(p, n, "roles"), *a, *r, *s1, *s2;

            for (a = apr_strtok(actions, " \t\r\n", &s1); a; a = apr_strtok(NULL, " \t\r\n", &s1)) {
                char *rl = apr_pstrdup(p, roles);

                for (r = apr_strtok(rl, " \t\r\n", &s2); r; r = apr_strtok(NULL, " \t\r\n", &s2))
                    add_grant(az, p, kind, a, r);
            }
        }
    }
    return az;
}

static int core_action(const char *a)
{
    return strcmp(a, ITSM_ACTION_CREATE) == 0 || strcmp(a, ITSM_ACTION_READ) == 0
           || strcmp(a, ITSM_ACTION_UPDATE) == 0 || strcmp(a, ITSM_ACTION_LINK) == 0
           || strcmp(a, ITSM_ACTION_IMPORT) == 0;
}

int itsm_authz_check_kind(const itsm_authz_t *az, const char *kind,
                          const char *const *actions, apr_pool_t *p, const char **err)
{
    const apr_array_header_t *named = apr_hash_get(az->kinds, kind, APR_HASH_KEY_STRING);
    int i;

    for (i = 0; named && i < named->nelts; i++) {
        const char *a = APR_ARRAY_IDX(named, i, const char *);
        const char *const *k;
        int known = core_action(a);

        for (k = actions; !known && k && *k; k++)
            known = strcmp(*k, a) == 0;
        if (!known) {
            *err = apr_psprintf(p, "grant of unknown action '%s' on kind '%s'", a, kind);
            return 0;
        }
    }
    return 1;
}

int itsm_authz_allows(const itsm_authz_t *az, const apr_array_header_t *roles,
                      const char *kind, const char *action)
{
    char key[256];
    apr_hash_t *granted;
    int i;

    if (apr_snprintf(key, sizeof key, "%s\001%s", kind, action) >= (int)sizeof key)
        return 0;
    granted = apr_hash_get(az->grants, key, APR_HASH_KEY_STRING);
    for (i = 0; granted && roles && i < roles->nelts; i++)
        if (apr_hash_get(granted, APR_ARRAY_IDX(roles, i, const char *), APR_HASH_KEY_STRING))
            return 1;
    return 0;
}

int itsm_authz_sees_all(const itsm_authz_t *az, const apr_array_header_t *roles)
{
    int i;

    for (i = 0; roles && i < roles->nelts; i++)
        if (apr_hash_get(az->all_scope, APR_ARRAY_IDX(roles, i, const char *), APR_HASH_KEY_STRING))
            return 1;
    return 0;
}
