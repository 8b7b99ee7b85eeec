/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The core's services to process modules (itsm_services_t in include/itsm.h): what a kind's
 * callback may ask of the store and the directory while the core handles its request. Each
 * read carries the caller's party scope, as the request's own reads do. */
#include <string.h>

#include "request.h"
#include "itsm_authz.h"
#include "itsm_desks.h"
#include "itsm_ldap.h"

APLOG_USE_MODULE(itsm);

static apr_status_t svc_ticket_get(itsm_call_t *c, itsm_ticket_t **out, const char *kind,
                                   const char *number)
{
    itsm_req_t *q = c->core;
    apr_status_t rv = itsm_req_bind_store(q);

    if (rv != APR_SUCCESS)
        return rv;
    rv = itsm_store_get(q->store, out, kind, number, q->scope, c->pool);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00201)
                      "store: a process read %s: %s", number, itsm_store_error(q->store));
    return rv;
}

static apr_status_t svc_ticket_links(itsm_call_t *c, apr_array_header_t **out,
                                 const itsm_ticket_t *t)
{
    itsm_req_t *q = c->core;
    apr_status_t rv = itsm_req_bind_store(q);

    if (rv != APR_SUCCESS)
        return rv;
    rv = itsm_store_links(q->store, out, t->id, q->scope, c->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00202)
                      "store: a process read the links of %s: %s", t->number,
                      itsm_store_error(q->store));
    return rv;
}

static int has(const apr_array_header_t *a, const char *name)
{
    int i;

    for (i = 0; a && i < a->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), name) == 0)
            return 1;
    return 0;
}

static apr_status_t svc_group_member(itsm_call_t *c, int *member, const char *login,
                                 const char *group)
{
    itsm_req_t *q = c->core;
    itsm_identity_t *id;
    const char *errmsg = NULL;
    apr_status_t rv;

    *member = 0;
    if (strcmp(login, c->who->uid) == 0) {
        *member = has(c->who->groups, group);
        return APR_SUCCESS;
    }
    rv = itsm_ldap_lookup(&id, &errmsg, q->core->directory, login, c->pool);
    if (rv == APR_NOTFOUND)
        return APR_SUCCESS;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00203)
                      "directory unavailable looking up %s for a process: %s", login,
                      errmsg ? errmsg : "no answer");
        return rv;
    }
    *member = has(id->groups, group);
    return APR_SUCCESS;
}

static int svc_desk_known(const itsm_call_t *c, const char *name)
{
    const itsm_desks_t *desks = ((const itsm_req_t *)c->core)->core->desks;

    return desks == NULL || apr_hash_get(desks->by_name, name, APR_HASH_KEY_STRING) != NULL;
}

static apr_status_t svc_ticket_create(itsm_call_t *c, itsm_ticket_t *t, const char *link_type)
{
    return itsm_req_spawn(c->core, c, t, link_type) ? c->status : APR_SUCCESS;
}

static apr_status_t svc_linked_note(itsm_call_t *c, const itsm_ticket_t *t, const char *type,
                                    const char *note, int *told)
{
    return itsm_req_tell_linked(c->core, c, t, type, note, told);
}

static apr_status_t svc_search(itsm_call_t *c, const char *kind, const char *text, int limit,
                               apr_array_header_t **out)
{
    itsm_req_t *q = c->core;
    const itsm_kind_t *k = itsm_core_kind(q->core, kind);
    itsm_search_query_t *query;
    itsm_filter_t f = {0};
    apr_array_header_t *rows;
    const char *why;
    apr_status_t rv;
    int more, i;

    *out = apr_array_make(c->pool, 4, sizeof(itsm_search_hit_t));
    if (k == NULL || !itsm_kind_searchable(k) || limit < 1 || limit > 100)
        return APR_EINVAL;
    /* what the caller may not list, the search does not show either */
    if (!itsm_authz_allows(q->core->authz, c->who->roles, kind, ITSM_ACTION_READ))
        return APR_SUCCESS;
    if ((rv = itsm_req_bind_store(q)) != APR_SUCCESS)
        return rv;
    itsm_search_parse(c->pool, text ? text : "", 1, 1, &query, &why);
    f.limit = limit;
    f.now = c->now;
    rv = itsm_store_search(q->store, &rows, &more, kind, q->scope, &f, query, c->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00904)
                      "store: a process searched %s: %s", kind, itsm_store_error(q->store));
        return rv;
    }
    for (i = 0; i < rows->nelts; i++) {
        const itsm_search_row_t *row = &APR_ARRAY_IDX(rows, i, itsm_search_row_t);
        itsm_search_hit_t *h = apr_array_push(*out);

        h->number = row->t->number;
        h->title = row->t->title;
        h->rank = row->rank;
        h->ticket = row->t;
    }
    return APR_SUCCESS;
}

static apr_status_t svc_search_gaps(itsm_call_t *c, const char *kind, int limit, int offset,
                                    apr_array_header_t **out)
{
    itsm_req_t *q = c->core;
    itsm_search_flush_t flushed;
    apr_status_t rv;

    *out = apr_array_make(c->pool, 1, sizeof(itsm_search_gap_t));
    if (limit < 1 || limit > 500 || offset < 0)
        return APR_EINVAL;
    if ((rv = itsm_req_bind_store(q)) != APR_SUCCESS)
        return rv;
    /* every search counted before this read, in any child, is in what it reads */
    if (itsm_store_search_counts_flush(q->store, 1, &flushed, c->pool) != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00852)
                      "search counts, before a read of the gaps: %s",
                      itsm_core_flush_failed(c->pool, &flushed, itsm_store_error(q->store)));
    rv = itsm_store_search_gaps(q->store, out, kind, q->scope, limit, offset, c->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00905)
                      "store: a process read the search gaps: %s", itsm_store_error(q->store));
    return rv;
}

/* Is name among the first n fields of f? */
static int has_field(const itsm_filter_t *f, int n, const char *name)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(f->field[i], name) == 0)
            return 1;
    return 0;
}

static apr_status_t svc_ticket_list(itsm_call_t *c, apr_array_header_t **out, int *more,
                                    const char *kind, const itsm_list_query_t *query)
{
    itsm_req_t *q = c->core;
    const itsm_kind_t *k = itsm_core_kind(q->core, kind);
    itsm_filter_t f = {0};
    const itsm_field_t *fd;
    apr_status_t rv;
    int i, next = 0;

    *out = apr_array_make(c->pool, 1, sizeof(itsm_ticket_t *));
    if (more)
        *more = 0;
    /* the list of an audience's kind, or of the published versions the caller reads, is
     * GET's (its filters would match the working copies: published_query, views.c) */
    if (k == NULL || query == NULL || k->visibility != ITSM_VISIBLE_PARTY
        || itsm_req_reads_published(q, k) || query->limit < 1
        || query->limit > 500 || query->offset < 0)
        return APR_EINVAL;
    for (i = 0; i < ITSM_LIST_FIELDS && query->field[i]; i++) {
        fd = itsm_doc_kind_field(k, query->field[i]);
        /* as parse_filter (views.c): indexed, not hidden from the caller, each field once */
        if (fd == NULL || !(fd->flags & ITSM_FIELD_INDEXED) || query->value[i] == NULL
            || itsm_doc_field_hidden(q, k, fd->name) || has_field(&f, i, fd->name))
            return APR_EINVAL;
        f.field[i] = fd->name;
        f.value[i] = query->value[i];
    }
    f.nfields = i;
    f.state = query->state;
    f.assignee = query->assignee;
    f.group = query->group;
    f.open = query->open ? 1 : 0;
    f.limit = query->limit;
    f.offset = query->offset;
    f.now = c->now;
    /* what the caller may not list, the service does not list either */
    if (!itsm_authz_allows(q->core->authz, c->who->roles, kind, ITSM_ACTION_READ))
        return APR_SUCCESS;
    if ((rv = itsm_req_bind_store(q)) != APR_SUCCESS)
        return rv;
    rv = itsm_store_list(q->store, out, more ? more : &next, kind, q->scope, &f, c->pool);
    if (rv != APR_SUCCESS)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00208)
                      "store: a process listed %s: %s", kind, itsm_store_error(q->store));
    return rv;
}

static apr_status_t svc_ticket_children(itsm_call_t *c, apr_array_header_t **out,
                                        const itsm_ticket_t *t)
{
    itsm_req_t *q = c->core;
    apr_array_header_t *children;
    apr_status_t rv;
    int i;

    *out = apr_array_make(c->pool, 2, sizeof(itsm_ticket_t *));
    if ((rv = itsm_req_bind_store(q)) != APR_SUCCESS)
        return rv;
    rv = itsm_store_children(q->store, &children, t->id, q->scope, c->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00209)
                      "store: a process read the children of %s: %s", t->number,
                      itsm_store_error(q->store));
        return rv;
    }
    for (i = 0; i < children->nelts; i++) {
        itsm_ticket_t *child = APR_ARRAY_IDX(children, i, itsm_ticket_t *);

        /* a child of a kind the caller may not read is left out, as the list leaves it */
        if (itsm_authz_allows(q->core->authz, c->who->roles, child->kind, ITSM_ACTION_READ))
            APR_ARRAY_PUSH(*out, itsm_ticket_t *) = child;
    }
    return APR_SUCCESS;
}

static int svc_allows(itsm_call_t *c, const char *kind, const char *action)
{
    itsm_req_t *q = c->core;

    return kind && action && itsm_authz_allows(q->core->authz, c->who->roles, kind, action);
}

const itsm_services_t itsm_services = {
    .ticket_get = svc_ticket_get,
    .ticket_links = svc_ticket_links,
    .group_member = svc_group_member,
    .desk_known = svc_desk_known,
    .ticket_create = svc_ticket_create,
    .linked_note = svc_linked_note,
    .search = svc_search,
    .search_gaps = svc_search_gaps,
    .ticket_list = svc_ticket_list,
    .ticket_children = svc_ticket_children,
    .allows = svc_allows,
};
