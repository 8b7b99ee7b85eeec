/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Who follows a ticket: the notification policy a kind declares (itsm_kind_t.followers,
 * follow_role), the same for the changes requests make and for the SLA sweep's
 * announcements. Part of the SDK: APR only, unit-tested in tests/unit/test_field.c. */
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

#include "itsm.h"

/* How a role's and a resolver group's followers are named as one recipient. */
#define ROLE "role:"
#define GROUP "group:"

static void add(apr_array_header_t *to, const char *who)
{
    int i;

    for (i = 0; i < to->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(to, i, const char *), who) == 0)
            return;
    APR_ARRAY_PUSH(to, const char *) = who;
}

const char *itsm_login_next(const char **s, apr_size_t *len)
{
    const char *at;

    if (*s == NULL)
        return NULL;
    at = *s + strspn(*s, ", \t\r\n");
    *len = strcspn(at, ", \t\r\n");
    *s = at + *len;
    return *len ? at : NULL;
}

void itsm_followers(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *t,
                    const char *actor, const char *escalate_role, itsm_journal_t *j)
{
    unsigned follow = k->followers ? k->followers : ITSM_FOLLOW_RAISER;
    const char *list, *login;
    apr_size_t len;

    j->recipients = apr_array_make(p, 4, sizeof(const char *));
    if ((follow & ITSM_FOLLOW_RAISER) && t->created_by && strcmp(t->created_by, actor) != 0)
        add(j->recipients, t->created_by);
    if ((follow & ITSM_FOLLOW_ASSIGNEE) && t->assignee && strcmp(t->assignee, actor) != 0)
        add(j->recipients, t->assignee);
    if ((follow & ITSM_FOLLOW_GROUP) && t->group)
        add(j->recipients, apr_pstrcat(p, GROUP, t->group, NULL));
    list = (follow & ITSM_FOLLOW_APPROVERS) && k->approvers_field && t->fields
           ? apr_table_get(t->fields, k->approvers_field) : NULL;
    /* as written (not looked up in the directory, docs/ldap.md): the feed matches a login
     * as the directory spells it, as the assignee and the raiser are stored */
    while ((login = itsm_login_next(&list, &len)) != NULL)
        if (strlen(actor) != len || strncasecmp(login, actor, len) != 0)
            add(j->recipients, apr_pstrmemdup(p, login, len));
    if (k->follow_role)
        add(j->recipients, apr_pstrcat(p, ROLE, k->follow_role, NULL));
    if (escalate_role)
        add(j->recipients, apr_pstrcat(p, ROLE, escalate_role, NULL));
    j->party = t->party;
    j->party_wide = (follow & ITSM_FOLLOW_PARTY) != 0;
}

apr_array_header_t *itsm_followed(apr_pool_t *p, const apr_array_header_t *roles,
                                  const apr_array_header_t *groups)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    int i;

    for (i = 0; roles && i < roles->nelts; i++)
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, ROLE, APR_ARRAY_IDX(roles, i, const char *), NULL);
    for (i = 0; groups && i < groups->nelts; i++)
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, GROUP, APR_ARRAY_IDX(groups, i, const char *), NULL);
    return out;
}
