/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The role table (conf/itsm-authz.xml): grants of actions on kinds to LDAP roles or to a
 * relation of the caller to the ticket (raiser, assignee, member of its resolver group,
 * approver), and the roles whose scope is every party. Parsed and validated once at
 * start-up; lookups are hash reads. */
#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>
#include <libxml/parser.h>

#include "itsm.h"
#include "itsm_authz.h"
#include "itsm_xml.h"

/* Who may do one action on one kind. */
typedef struct grant_t {
    apr_hash_t *roles;      /* role -> "" */
    unsigned relations;     /* ITSM_REL_* */
} grant_t;

struct itsm_authz_t {
    apr_hash_t *grants;     /* "kind\001action" -> grant_t */
    apr_hash_t *all_scope;  /* role -> "" */
    apr_hash_t *kinds;      /* kind -> apr_array_header_t of actions named in grants */
    apr_hash_t *approvers;  /* kind -> "" when a grant to relation approver names it */
    apr_hash_t *steps;      /* kind -> apr_array_header_t of its actions a through= names */
    apr_hash_t *kind_at;    /* kind -> the line of the first grant naming it */
    apr_hash_t *action_at;  /* "kind\001action" -> the line of the first grant of it */
    apr_array_header_t *notes;  /* warnings for the log (itsm_authz_notes) */
};

/* Remember the line where kind (and action on it) is first named. */
static void named_at(itsm_authz_t *az, apr_pool_t *p, const char *kind, const char *action,
                     const char *where)
{
    if (apr_hash_get(az->kind_at, kind, APR_HASH_KEY_STRING) == NULL)
        apr_hash_set(az->kind_at, kind, APR_HASH_KEY_STRING, where);
    if (action) {
        const char *key = apr_pstrcat(p, kind, "\001", action, NULL);

        if (apr_hash_get(az->action_at, key, APR_HASH_KEY_STRING) == NULL)
            apr_hash_set(az->action_at, key, APR_HASH_KEY_STRING, where);
    }
}

static const struct {
    const char *name;
    unsigned bit;
} relation_names[] = {
    { "raiser", ITSM_REL_RAISER },
    { "assignee", ITSM_REL_ASSIGNEE },
    { "group-member", ITSM_REL_GROUP_MEMBER },
    { "approver", ITSM_REL_APPROVER },
};

/* The grant of action on kind; through (NULL for none) the action of another kind ("kind:action")
 * the grant holds in alone (a create only as that action's step). */
static grant_t *grant_of(itsm_authz_t *az, apr_pool_t *p, const char *kind, const char *action,
                         const char *through)
{
    const char *key = apr_pstrcat(p, kind, "\001", action, through ? "\001" : "", through, NULL);
    grant_t *g = apr_hash_get(az->grants, key, APR_HASH_KEY_STRING);
    apr_array_header_t *named = apr_hash_get(az->kinds, kind, APR_HASH_KEY_STRING);

    if (g == NULL) {
        g = apr_pcalloc(p, sizeof *g);
        g->roles = apr_hash_make(p);
        apr_hash_set(az->grants, key, APR_HASH_KEY_STRING, g);
        if (named == NULL) {
            named = apr_array_make(p, 8, sizeof(const char *));
            apr_hash_set(az->kinds, kind, APR_HASH_KEY_STRING, named);
        }
        APR_ARRAY_PUSH(named, const char *) = action;
    }
    return g;
}

/* The ITSM_REL_* bit of a relation's name; 0 for a name the schema would have refused. */
static unsigned relation_bit(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof relation_names / sizeof relation_names[0]; i++)
        if (strcmp(relation_names[i].name, name) == 0)
            return relation_names[i].bit;
    return 0;
}

#define SEP " \t\r\n"

/* One <grant>: every action to every role, or to every relation. NULL, or why not. */
static const char *add_grant(itsm_authz_t *az, apr_pool_t *p, const char *path, xmlNodePtr n)
{
    char *kind = itsm_xml_attr(p, n, "kind"), *actions = itsm_xml_attr(p, n, "actions");
    char *roles = itsm_xml_attr(p, n, "roles"), *relation = itsm_xml_attr(p, n, "relation");
    char *through = itsm_xml_attr(p, n, "through");
    char *a, *r, *s1, *s2, *colon;
    const char *where = apr_psprintf(p, "%ld", xmlGetLineNo(n));
    unsigned bits = 0;

    /* XSD 1.0 cannot say "exactly one of two attributes": checked here. */
    if ((roles == NULL) == (relation == NULL))
        return apr_psprintf(p, "%s:%ld: <grant kind=\"%s\">: name exactly one of roles= and "
                            "relation=, not %s", path, xmlGetLineNo(n), kind,
                            roles ? "both" : "neither");
    for (r = relation ? apr_strtok(relation, SEP, &s2) : NULL; r; r = apr_strtok(NULL, SEP, &s2)) {
        unsigned bit = relation_bit(r);

        if (bit == 0)
            return apr_psprintf(p, "%s:%ld: <grant>: unknown relation '%s'", path,
                                xmlGetLineNo(n), r);
        bits |= bit;
    }
    for (a = apr_strtok(actions, SEP, &s1); a; a = apr_strtok(NULL, SEP, &s1)) {
        grant_t *g;

        if (bits && (strcmp(a, ITSM_ACTION_CREATE) == 0 || strcmp(a, ITSM_ACTION_IMPORT) == 0))
            return apr_psprintf(p, "%s:%ld: <grant>: '%s' cannot be granted by relation: there "
                                "is no ticket yet to be related to (grant it to roles)", path,
                                xmlGetLineNo(n), a);
        if (through && (bits || strcmp(a, ITSM_ACTION_CREATE) != 0))
            return apr_psprintf(p, "%s:%ld: <grant through=\"%s\">: grants 'create' alone, to "
                                "roles: the ticket that action's step creates, not '%s'%s",
                                path, xmlGetLineNo(n), through, a,
                                bits ? " to a relation" : "");
        if (through && (colon = strchr(through, ':')) != NULL) {
            const char *by = apr_pstrmemdup(p, through, (apr_size_t)(colon - through));
            apr_array_header_t *steps = apr_hash_get(az->steps, by, APR_HASH_KEY_STRING);

            if (steps == NULL)
                apr_hash_set(az->steps, by, APR_HASH_KEY_STRING,
                             steps = apr_array_make(p, 2, sizeof(const char *)));
            APR_ARRAY_PUSH(steps, const char *) = colon + 1;
            named_at(az, p, by, colon + 1, where);
        }
        named_at(az, p, kind, a, where);
        g = grant_of(az, p, kind, a, through);
        g->relations |= bits;
        if (bits & ITSM_REL_APPROVER)
            apr_hash_set(az->approvers, kind, APR_HASH_KEY_STRING, "");
        if (roles) {
            char *rl = apr_pstrdup(p, roles);

            for (r = apr_strtok(rl, SEP, &s2); r; r = apr_strtok(NULL, SEP, &s2))
                apr_hash_set(g->roles, r, APR_HASH_KEY_STRING, "");
        }
    }
    return NULL;
}

/* A note for each role a grant names that no <role> declares: it works (its holders see
 * their own party and those they act for), but a misspelt role would grant nobody, silently. */
static void undeclared_roles(itsm_authz_t *az, apr_pool_t *p, const char *path, xmlNodePtr root)
{
    apr_hash_t *declared = apr_hash_make(p), *noted = apr_hash_make(p);
    xmlNodePtr n;
    char *r, *st;

    for (n = root->children; n; n = n->next)
        if (itsm_xml_is(n, "role"))
            apr_hash_set(declared, itsm_xml_attr(p, n, "name"), APR_HASH_KEY_STRING, "");
    for (n = root->children; n; n = n->next) {
        char *roles = itsm_xml_is(n, "grant") ? itsm_xml_attr(p, n, "roles") : NULL;

        for (r = roles ? apr_strtok(roles, SEP, &st) : NULL; r; r = apr_strtok(NULL, SEP, &st))
            if (!apr_hash_get(declared, r, APR_HASH_KEY_STRING)
                && !apr_hash_get(noted, r, APR_HASH_KEY_STRING)) {
                apr_hash_set(noted, r, APR_HASH_KEY_STRING, "");
                APR_ARRAY_PUSH(az->notes, const char *) = apr_psprintf(p,
                    "%s:%ld: <grant> names the role '%s', which no <role name=\"%s\"> declares: "
                    "its holders see their own party only; declare it (with scope=\"all\" for "
                    "a role of the provider's staff) or check its spelling", path,
                    xmlGetLineNo(n), r, r);
            }
    }
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
    az->approvers = apr_hash_make(p);
    az->steps = apr_hash_make(p);
    az->kind_at = apr_hash_make(p);
    az->action_at = apr_hash_make(p);
    az->notes = apr_array_make(p, 1, sizeof(const char *));
    for (n = root->children; n; n = n->next) {
        if (itsm_xml_is(n, "role")) {
            char *scope = itsm_xml_attr(p, n, "scope");

            if (scope && strcmp(scope, "all") == 0)
                apr_hash_set(az->all_scope, itsm_xml_attr(p, n, "name"), APR_HASH_KEY_STRING, "");
        }
        else if (itsm_xml_is(n, "grant") && (*err = add_grant(az, p, path, n)) != NULL) {
            return NULL;
        }
    }
    undeclared_roles(az, p, path, root);
    return az;
}

static int core_action(const char *a)
{
    return strcmp(a, ITSM_ACTION_CREATE) == 0 || strcmp(a, ITSM_ACTION_READ) == 0
           || strcmp(a, ITSM_ACTION_UPDATE) == 0 || strcmp(a, ITSM_ACTION_LINK) == 0
           || strcmp(a, ITSM_ACTION_IMPORT) == 0;
}

/* Is a one of k's actions (the core's or the kind's own)? */
static int known_action(const itsm_kind_t *k, const char *a)
{
    const char *const *ka;
    int known = core_action(a);

    for (ka = k->actions; !known && ka && *ka; ka++)
        known = strcmp(*ka, a) == 0;
    return known;
}

int itsm_authz_check_kind(const itsm_authz_t *az, const itsm_kind_t *k, apr_pool_t *p,
                          const char **err)
{
    const apr_array_header_t *named = apr_hash_get(az->kinds, k->kind, APR_HASH_KEY_STRING);
    const apr_array_header_t *steps = apr_hash_get(az->steps, k->kind, APR_HASH_KEY_STRING);
    const itsm_field_t *f;
    int i;

    for (i = 0; named && i < named->nelts; i++) {
        const char *a = APR_ARRAY_IDX(named, i, const char *);

        if (!known_action(k, a)) {
            *err = apr_psprintf(p, "line %s: grant of unknown action '%s' on kind '%s'",
                                (const char *)apr_hash_get(az->action_at,
                                                           apr_pstrcat(p, k->kind, "\001", a,
                                                                       NULL),
                                                           APR_HASH_KEY_STRING),
                                a, k->kind);
            return 0;
        }
    }
    for (i = 0; steps && i < steps->nelts; i++) {
        const char *a = APR_ARRAY_IDX(steps, i, const char *);

        /* an action whose callback may create a ticket: not read, link or import */
        if (!known_action(k, a) || strcmp(a, ITSM_ACTION_READ) == 0
            || strcmp(a, ITSM_ACTION_LINK) == 0 || strcmp(a, ITSM_ACTION_IMPORT) == 0) {
            *err = apr_psprintf(p, "grant through '%s:%s', not an action that creates a "
                                "ticket (create, update or one of the kind's own)", k->kind, a);
            return 0;
        }
    }
    if (k->approvers_field) {
        for (f = k->fields; f && f->name && strcmp(f->name, k->approvers_field) != 0; f++)
            ;
        if (f == NULL || f->name == NULL) {
            *err = apr_psprintf(p, "kind '%s' names '%s' as its approvers field but has no "
                                "such field", k->kind, k->approvers_field);
            return 0;
        }
    }
    else if (apr_hash_get(az->approvers, k->kind, APR_HASH_KEY_STRING)) {
        *err = apr_psprintf(p, "grant to relation 'approver' on kind '%s', which names no "
                            "approvers field", k->kind);
        return 0;
    }
    return 1;
}

static const grant_t *grant_get_through(const itsm_authz_t *az, const char *kind,
                                        const char *action, const char *through)
{
    char key[256];

    if (apr_snprintf(key, sizeof key, "%s\001%s%s%s", kind, action, through ? "\001" : "",
                     through ? through : "") >= (int)sizeof key)
        return NULL;
    return apr_hash_get(az->grants, key, APR_HASH_KEY_STRING);
}

static const grant_t *grant_get(const itsm_authz_t *az, const char *kind, const char *action)
{
    return grant_get_through(az, kind, action, NULL);
}

static int roles_allowed(const grant_t *g, const apr_array_header_t *roles)
{
    int i;

    for (i = 0; g && roles && i < roles->nelts; i++)
        if (apr_hash_get(g->roles, APR_ARRAY_IDX(roles, i, const char *), APR_HASH_KEY_STRING))
            return 1;
    return 0;
}

int itsm_authz_allows(const itsm_authz_t *az, const apr_array_header_t *roles,
                      const char *kind, const char *action)
{
    return roles_allowed(grant_get(az, kind, action), roles);
}

int itsm_authz_allows_through(const itsm_authz_t *az, const apr_array_header_t *roles,
                              const char *kind, const char *action, const char *by_kind,
                              const char *by_action)
{
    char through[128];

    if (roles_allowed(grant_get(az, kind, action), roles))
        return 1;
    if (by_kind == NULL || by_action == NULL
        || apr_snprintf(through, sizeof through, "%s:%s", by_kind, by_action)
           >= (int)sizeof through)
        return 0;
    return roles_allowed(grant_get_through(az, kind, action, through), roles);
}

unsigned itsm_authz_relations_for(const itsm_authz_t *az, const char *kind, const char *action)
{
    const grant_t *g = grant_get(az, kind, action);

    return g ? g->relations : 0;
}

int itsm_authz_allows_on(const itsm_authz_t *az, const apr_array_header_t *roles,
                         unsigned relations, const char *kind, const char *action)
{
    const grant_t *g = grant_get(az, kind, action);

    return g && ((g->relations & relations) != 0 || roles_allowed(g, roles));
}

/* Is login one of the logins of list ("a, b c")? Case is ignored, as by the directory. */
static int listed(const char *list, const char *login)
{
    size_t n = strlen(login);
    const char *at;
    apr_size_t len;

    while ((at = itsm_login_next(&list, &len)) != NULL)
        if (len == n && strncasecmp(at, login, n) == 0)
            return 1;
    return 0;
}

unsigned itsm_authz_relations(const itsm_identity_t *who, const itsm_ticket_t *t,
                              const itsm_kind_t *k)
{
    const char *approvers;
    unsigned rel = 0;
    int i;

    if (who == NULL || who->uid == NULL || *who->uid == '\0')
        return 0;
    if (t->created_by && strcasecmp(t->created_by, who->uid) == 0)
        rel |= ITSM_REL_RAISER;
    if (t->assignee && strcasecmp(t->assignee, who->uid) == 0)
        rel |= ITSM_REL_ASSIGNEE;
    for (i = 0; t->group && who->groups && i < who->groups->nelts; i++)
        if (strcasecmp(APR_ARRAY_IDX(who->groups, i, const char *), t->group) == 0)
            rel |= ITSM_REL_GROUP_MEMBER;
    if (k && k->approvers_field && t->fields
        && (approvers = apr_table_get(t->fields, k->approvers_field)) != NULL
        && listed(approvers, who->uid))
        rel |= ITSM_REL_APPROVER;
    return rel;
}

int itsm_authz_sees_all(const itsm_authz_t *az, const apr_array_header_t *roles)
{
    int i;

    for (i = 0; roles && i < roles->nelts; i++)
        if (apr_hash_get(az->all_scope, APR_ARRAY_IDX(roles, i, const char *), APR_HASH_KEY_STRING))
            return 1;
    return 0;
}

const apr_hash_t *itsm_authz_kinds_at(const itsm_authz_t *az)
{
    return az->kind_at;
}

const apr_array_header_t *itsm_authz_notes(const itsm_authz_t *az)
{
    return az->notes;
}
