/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* One ticket's life through the API: create (with children, and tickets a process creates
 * in the same transaction), read, change and actions, links and their rules, journal,
 * versions; every write of a request committed as one set. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>
#include <string.h>

#include "request.h"
#include "itsm_codec.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

/* ---- the writes of a request -------------------------------------------------------- */

/* Everything a request writes (its ticket, a parent, a link), committed in one transaction
 * by itsm_store_apply, and the events announced once it is committed. */
typedef struct writes_t {
    apr_array_header_t *ops;        /* itsm_write_t */
    apr_array_header_t *events;     /* pending_t */
} writes_t;

typedef struct pending_t {
    const char *event;
    const itsm_ticket_t *t;
    const itsm_journal_t *j;
} pending_t;

static void writes_init(writes_t *w, apr_pool_t *p)
{
    w->ops = apr_array_make(p, 4, sizeof(itsm_write_t));
    w->events = apr_array_make(p, 2, sizeof(pending_t));
}

static itsm_write_t *write_add(writes_t *w, itsm_write_op_e op, itsm_ticket_t *t,
                               const itsm_journal_t *j, const char *event)
{
    itsm_write_t *op_ = apr_array_push(w->ops);

    memset(op_, 0, sizeof *op_);
    op_->op = op;
    op_->t = t;
    op_->j = j;
    if (event) {
        pending_t *e = apr_array_push(w->events);

        e->event = event;
        e->t = t;
        e->j = j;
    }
    return op_;
}

/* Commit w; on success announce its events. Returns the store's status and, in *failed, the
 * write that failed. */
static apr_status_t writes_commit(itsm_req_t *q, writes_t *w, int *failed)
{
    itsm_write_t *ops = (itsm_write_t *)w->ops->elts;
    itsm_search_flush_t flushed;
    apr_status_t rv;
    int i;

    /* a create of a deflection target counts its creator's last search: written first if it
     * still waits in the log of counts (never a reason to refuse the create) */
    for (i = 0; i < w->ops->nelts; i++)
        if (ops[i].op == ITSM_WRITE_CREATE
            && itsm_store_search_counts_before_create(q->store, ops[i].t, &flushed, q->r->pool)
               != APR_SUCCESS)
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00853)
                          "search counts, before the create of a %s: %s", ops[i].t->kind,
                          itsm_core_flush_failed(q->r->pool, &flushed,
                                                 itsm_store_error(q->store)));
    rv = itsm_store_apply(q->store, ops, w->ops->nelts, q->r->pool);

    *failed = ops[0].failed;
    for (i = 0; rv == APR_SUCCESS && i < w->events->nelts; i++) {
        const pending_t *e = &APR_ARRAY_IDX(w->events, i, pending_t);

        itsm_req_announce(q, e->event, e->t, e->j);
    }
    return rv;
}

/* A write set refused for want of numbers: the kind of the create that failed (a ticket a
 * process creates may be of another kind than the request's) is named. */
static int numbers_exhausted(itsm_req_t *q, const writes_t *w, int failed)
{
    const itsm_write_t *op = failed >= 0 && failed < w->ops->nelts
                             ? &((const itsm_write_t *)w->ops->elts)[failed] : NULL;
    const char *prefix = op && op->prefix ? op->prefix : q->route->kind->prefix;
    const char *kind = op && op->prefix ? op->t->kind : q->route->kind->kind;

    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00106)
                  "%s numbers are exhausted (7 digits)", prefix);
    return itsm_resp_fail(q, HTTP_CONFLICT, "conflict",
                apr_psprintf(q->r->pool, "No ticket numbers left for %s tickets (%s).", kind,
                             prefix));
}

/* A write set refused by the store because a unique field's value (ITSM_FIELD_UNIQUE) was
 * taken by a write that committed after our check (unique_ok in document.c) ran. */
static int duplicate_raced(itsm_req_t *q)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, ITSMLOGNO(00906)
                  "%s: a unique field's value was taken meanwhile (%s)", q->route->kind->kind,
                  itsm_store_error(q->store));
    return itsm_resp_fail(q, HTTP_CONFLICT, "duplicate",
                "Another ticket holds this value of a unique field already (written meanwhile).");
}

static int is_final(const itsm_kind_t *k, const char *state)
{
    return state && k->final_states && itsm_doc_is_one_of(state, k->final_states);
}

/* 409 when a link change would write t, which its kind k no longer changes (frozen_states):
 * one rule for every link type and kind. */
static int link_frozen(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *t, int adding)
{
    if (!t->state || !k->frozen_states || !itsm_doc_is_one_of(t->state, k->frozen_states))
        return OK;
    return itsm_resp_fail(q, HTTP_CONFLICT, "invalid-transition",
                apr_psprintf(q->r->pool, "%s is %s: it is not changed any more (no link is %s).",
                             t->number, t->state, adding ? "added to it" : "removed from it"));
}

static const itsm_route_t *route_of(itsm_req_t *q, const itsm_kind_t *k)
{
    return apr_hash_get(q->core->routes, k->collection, APR_HASH_KEY_STRING);
}

/* The parent a child ticket of kind k names (NULL when k has no parent field); read
 * whatever the caller's scope, as the core's own bookkeeping. */
static int load_parent(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *child,
                       itsm_ticket_t **parent)
{
    const char *number = k->parent_field ? apr_table_get(child->fields, k->parent_field) : NULL;
    apr_status_t rv;

    *parent = NULL;
    if (number == NULL)
        return OK;
    rv = itsm_store_get(q->store, parent, NULL, number, "*", q->r->pool);
    if (rv == APR_NOTFOUND)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "<%s>: no ticket %s.", k->parent_field, number));
    return rv == APR_SUCCESS ? OK : STORE_FAULT(q, 00142, "parent");
}

/* The parent's kind hears that child was created (old_state NULL) or changed state; what
 * its callback changes in the parent is written with the child, journaled on the parent. */
static int roll_up(itsm_req_t *q, writes_t *w, const itsm_ticket_t *child, const char *old_state,
                   itsm_ticket_t *parent)
{
    const itsm_kind_t *pk = itsm_core_kind(q->core, parent->kind);
    apr_pool_t *p = q->r->pool;
    itsm_ticket_t *pn;
    itsm_journal_t *j;
    itsm_call_t c;

    if (pk == NULL || pk->child_changed == NULL)
        return OK;
    itsm_req_init_call_for(q, &c, route_of(q, pk));
    pn = itsm_req_copy_ticket(p, parent);
    if (pk->child_changed(&c, child, old_state, parent, pn))
        return itsm_resp_fail_call(q, &c);
    j = apr_pcalloc(p, sizeof *j);
    j->changes = itsm_doc_diff(p, pk, parent, pn);
    if (j->changes->nelts == 0)
        return OK;
    pn->version = parent->version + 1;
    pn->updated = c.now;
    j->at = c.now;
    j->actor = q->who->uid;
    j->action = "child";
    /* the parent's readers may not see a child of another party: its kind only; nor read a
     * child of their own party whose kind they are not granted: its kind (and number, once
     * it has one), never its title (the children block lists only the kinds the reader may
     * read) */
    if (strcmp(child->party, parent->party) != 0)
        j->note = old_state ? apr_psprintf(p, "a %s of another party: %s -> %s", child->kind,
                                           old_state, child->state)
                            : apr_psprintf(p, "a %s of another party was created", child->kind);
    else
        j->note = old_state ? apr_psprintf(p, "%s %s: %s -> %s", child->kind, child->number,
                                           old_state, child->state)
                            : apr_psprintf(p, "a %s was created", child->kind);  /* no number yet */
    itsm_doc_address(q, pk, j, pn);
    pn->sla_open = itsm_ticket_sla_open(c.sla, pk, pn);
    write_add(w, ITSM_WRITE_UPDATE, pn, j, ITSM_EVENT_CHANGED);
    return OK;
}

/* A ticket entering a final state leaves no open child of a kind that blocks its parent. */
static int check_children(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                          const itsm_ticket_t *t)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *children;
    const char *shown = "";
    int i, open = 0;

    if (!is_final(k, t->state) || is_final(k, old->state))
        return OK;
    if (itsm_store_children(q->store, &children, t->id, "*", p) != APR_SUCCESS)
        return STORE_FAULT(q, 00143, "children");
    for (i = 0; i < children->nelts; i++) {
        const itsm_ticket_t *child = APR_ARRAY_IDX(children, i, const itsm_ticket_t *);
        const itsm_kind_t *ck = itsm_core_kind(q->core, child->kind);

        if (!ck || !ck->blocks_parent || is_final(ck, child->state))
            continue;
        open++;
        if (itsm_req_party_visible(q, child->party))
            shown = apr_pstrcat(p, shown, *shown ? ", " : " (", child->number, NULL);
    }
    if (open == 0)
        return OK;
    return itsm_resp_fail(q, HTTP_CONFLICT, "children-open",
                apr_psprintf(p, "%s cannot be %s while %d child ticket%s %s open%s%s.", t->number,
                             t->state, open, open == 1 ? "" : "s", open == 1 ? "is" : "are",
                             shown, *shown ? ")" : ""));
}

const itsm_link_rule_t *itsm_link_rule_find(const itsm_kind_t *fk, const itsm_kind_t *tk,
                                            const char *type, const itsm_kind_t **decl)
{
    const itsm_link_rule_t *rule;

    for (rule = fk->link_rules; rule && rule->type; rule++)
        if (rule->from_kind == NULL && strcmp(rule->type, type) == 0) {
            if (decl)
                *decl = fk;
            return rule;
        }
    for (rule = tk ? tk->link_rules : NULL; rule && rule->type; rule++)
        if (rule->from_kind && strcmp(rule->from_kind, fk->kind) == 0
            && strcmp(rule->type, type) == 0) {
            if (decl)
                *decl = tk;
            return rule;
        }
    return NULL;
}

/* The links of type among links (outgoing or incoming ones). */
static int count_links(const apr_array_header_t *links, const char *type, int outgoing)
{
    int i, n = 0;

    for (i = 0; i < links->nelts; i++)
        n += !APR_ARRAY_IDX(links, i, itsm_link_t).outgoing == !outgoing
             && strcmp(APR_ARRAY_IDX(links, i, itsm_link_t).type, type) == 0;
    return n;
}

/* Does links (a ticket's) hold its outgoing link of type to number? */
static int has_link(const apr_array_header_t *links, const char *type, const char *number)
{
    int i;

    for (i = 0; i < links->nelts; i++) {
        const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);

        if (l->outgoing && strcmp(l->type, type) == 0 && strcmp(l->number, number) == 0)
            return 1;
    }
    return 0;
}

/* May a ticket of kind fk (id from_id, 0 when it is being created; pending: links of type it
 * makes in this request already) link with type to a ticket of kind tk (id to_id, 0 when
 * it is being created)? adding: also within the rule's counts, counted over every party
 * (a limit holds whoever made the other links). A refusal goes on c; returns 0 or its
 * status. The one check of POST .../links and of the services' ticket_create. */
static int link_check(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *fk, apr_int64_t from_id,
                      int pending, const char *type, const itsm_kind_t *tk, apr_int64_t to_id,
                      const char *to_number, int adding)
{
    apr_pool_t *p = q->r->pool;
    const itsm_link_rule_t *rule;
    const char *known = ITSM_LINK_RELATES;
    apr_array_header_t *links;
    int out = pending, in = 0;

    if (strcmp(type, ITSM_LINK_RELATES) == 0)
        return 0;
    if (strcmp(type, ITSM_LINK_CHILD) == 0)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                              "child-of links are made by the core when a child ticket is "
                              "created.");
    if ((rule = itsm_link_rule_find(fk, tk, type, NULL)) == NULL) {
        for (rule = fk->link_rules; rule && rule->type; rule++)
            if (rule->from_kind == NULL)
                known = apr_pstrcat(p, known, ", ", rule->type, NULL);
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                              "%s tickets make no '%s' links%s%s; they make: %s.", fk->kind,
                              type, tk ? " to " : "", tk ? tk->kind : "", known);
    }
    if (rule->from_kind == NULL && rule->to_kind && strcmp(rule->to_kind, tk->kind) != 0)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                              "A '%s' link goes to a %s ticket, not a %s.", type,
                              rule->to_kind, tk->kind);
    if (!adding)
        return 0;
    if (from_id) {
        if (itsm_store_links(q->store, &links, from_id, "*", p) != APR_SUCCESS)
            goto fault;
        /* the link itself first: asked for again, it is no limit reached (and no "remove
         * one first"), nor a matter for the kind's linked callback, but the answer of a link
         * that exists (writes_commit's APR_EEXIST, which relates-to links get) */
        if (to_number && has_link(links, type, to_number))
            return itsm_call_fail(c, HTTP_CONFLICT, "conflict", "That link exists already.");
        out += count_links(links, type, 1);
    }
    if (rule->max_out == 0 && rule->max_in == 0)
        return 0;
    if (rule->max_in && to_id) {
        if (itsm_store_links(q->store, &links, to_id, "*", p) != APR_SUCCESS)
            goto fault;
        in = count_links(links, type, 0);
    }
    if (rule->max_out && out >= rule->max_out)
        return itsm_call_fail(c, HTTP_CONFLICT, "link-limit",
                              "%s tickets make at most %d '%s' link%s each: remove one first "
                              "(GET .../links lists them).", fk->kind,
                              rule->max_out, type, rule->max_out == 1 ? "" : "s");
    if (rule->max_in && in >= rule->max_in)
        return itsm_call_fail(c, HTTP_CONFLICT, "link-limit",
                              "%s already has %d '%s' link%s to it, the most it may.",
                              to_number, in, type, in == 1 ? "" : "s");
    return 0;
fault:
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00145) "store: link count: %s",
                  itsm_resp_store_error(q));
    return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                          "The ticket store is not available; try again later.");
}

/* The links of type the tickets spawned so far in this request make. */
static int spawned_links(const itsm_req_t *q, const char *type)
{
    int i, n = 0;

    for (i = 0; q->spawned && i < q->spawned->nelts; i++) {
        const itsm_spawn_t *sp = &APR_ARRAY_IDX(q->spawned, i, itsm_spawn_t);

        n += sp->link_type && strcmp(sp->link_type, type) == 0;
    }
    return n;
}

int itsm_req_spawn(itsm_req_t *q, itsm_call_t *c, itsm_ticket_t *t, const char *link_type)
{
    apr_pool_t *p = q->r->pool;
    const itsm_kind_t *k = t->kind ? itsm_core_kind(q->core, t->kind) : NULL;
    const itsm_route_t *route = k ? route_of(q, k) : NULL;
    const itsm_field_t *f;
    itsm_call_t kc;
    itsm_spawn_t *sp;

    if (route == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "no-such-kind",
                              "No process serving kind '%s' is loaded.",
                              t->kind ? t->kind : "(none)");
    /* a role's grant of create, or one through the action that spawns it alone */
    if (!itsm_authz_allows_through(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_CREATE,
                                   q->route->kind->kind, q->action))
        return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                              "Your roles do not allow 'create' on %s tickets.", k->kind);
    if (link_type
        && link_check(q, c, q->route->kind, q->current ? q->current->id : 0,
                      spawned_links(q, link_type), link_type, k, 0, NULL, 1))
        return c->status;
    if (t->fields == NULL)
        t->fields = apr_table_make(p, 8);
    if (t->party == NULL)
        t->party = q->who->party;
    if (t->party && !itsm_req_party_visible(q, t->party))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "the new %s is for party %s, which you cannot raise tickets for",
                              k->kind, t->party);
    t->opened = t->updated = c->now;
    t->created_by = q->who->uid;
    itsm_req_init_call_for(q, &kc, route);
    if (k->create && k->create(&kc, t)) {
        c->status = kc.status;
        c->code = kc.code;
        c->message = apr_psprintf(p, "the new %s: %s", k->kind, kc.message);
        return c->status;
    }
    if (t->state == NULL)
        t->state = k->initial_state;
    if ((f = itsm_doc_missing_field(k, t)) != NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "the new %s lacks <%s>", k->kind, f->name);
    if (t->state == NULL || t->party == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "the new %s has no %s", k->kind, t->state ? "party" : "state");
    if (!itsm_doc_references_ok(q, c, k, NULL, t))
        return c->status;
    sp = apr_array_push(q->spawned ? q->spawned
                        : (q->spawned = apr_array_make(p, 2, sizeof(itsm_spawn_t))));
    sp->t = t;
    sp->kind = k;
    sp->link_type = link_type;
    sp->j = apr_pcalloc(p, sizeof *sp->j);
    sp->j->at = c->now;
    sp->j->actor = q->who->uid;
    sp->j->action = ITSM_ACTION_CREATE;
    sp->j->changes = itsm_doc_diff(p, k, NULL, t);
    itsm_doc_address(q, k, sp->j, t);
    itsm_ticket_clocks_start(p, k, NULL, t, NULL, t->opened);
    t->sla_open = itsm_ticket_sla_open(c->sla, k, t);
    return 0;
}

/* Is the ticket id told of this change already (linked to it twice)? */
static int told_already(const itsm_req_t *q, apr_int64_t id)
{
    int i;

    for (i = 0; q->told && i < q->told->nelts; i++)
        if (APR_ARRAY_IDX(q->told, i, itsm_told_t).t->id == id)
            return 1;
    return 0;
}

apr_status_t itsm_req_tell_linked(itsm_req_t *q, itsm_call_t *c, const itsm_ticket_t *t,
                                  const char *type, const char *note, int *told)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *links;
    apr_status_t rv;
    int i, n = 0;

    if (told)
        *told = 0;
    if (t->id == 0 || q->dry_run)   /* a ticket being created has no links yet */
        return APR_SUCCESS;
    if ((rv = itsm_req_bind_store(q)) != APR_SUCCESS)
        return rv;
    if ((rv = itsm_store_links(q->store, &links, t->id, "*", p)) != APR_SUCCESS)
        goto fault;
    for (i = 0; i < links->nelts; i++) {
        const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);
        const itsm_kind_t *lk = itsm_core_kind(q->core, l->kind);
        itsm_ticket_t *old, *x;
        itsm_told_t *tl;

        if ((type && strcmp(l->type, type) != 0) || lk == NULL)
            continue;
        if ((rv = itsm_store_get(q->store, &old, l->kind, l->number, "*", p)) != APR_SUCCESS)
            goto fault;
        if (is_final(lk, old->state) || told_already(q, old->id))
            continue;
        x = itsm_req_copy_ticket(p, old);
        x->version = old->version + 1;
        x->updated = c->now;
        tl = apr_array_push(q->told ? q->told : (q->told = apr_array_make(p, 4, sizeof(itsm_told_t))));
        tl->t = x;
        tl->j = apr_pcalloc(p, sizeof *tl->j);
        tl->j->at = c->now;
        tl->j->actor = q->who->uid;
        tl->j->action = ITSM_ACTION_LINKED_NOTE;
        tl->j->changes = apr_array_make(p, 1, sizeof(itsm_change_t));
        tl->j->note = apr_pstrcat(p, t->number, ": ", note, NULL);
        itsm_doc_address(q, lk, tl->j, x);
        n++;
    }
    if (told)
        *told = n;
    return APR_SUCCESS;
fault:
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00470)
                  "store: a process told the tickets linked to %s: %s", t->number,
                  itsm_store_error(q->store));
    return rv;
}

/* The tickets the process created during the change of t, created (and linked from t) in
 * its transaction; each link journaled on both ends as a link posted through the API is
 * (beside t's entry and the new ticket's create entry: the new number is known only in the
 * transaction). */
static void add_spawned(itsm_req_t *q, writes_t *w, itsm_ticket_t *t, const itsm_journal_t *j)
{
    int i;

    for (i = 0; q->told && i < q->told->nelts; i++) {
        itsm_told_t *tl = &APR_ARRAY_IDX(q->told, i, itsm_told_t);

        if (tl->t->id != t->id)     /* the changed ticket itself is written already */
            write_add(w, ITSM_WRITE_UPDATE, tl->t, tl->j, ITSM_EVENT_CHANGED);
    }

    for (i = 0; q->spawned && i < q->spawned->nelts; i++) {
        itsm_spawn_t *sp = &APR_ARRAY_IDX(q->spawned, i, itsm_spawn_t);

        write_add(w, ITSM_WRITE_CREATE, sp->t, sp->j, ITSM_EVENT_CREATED)->prefix =
            sp->kind->prefix;
        if (sp->link_type) {
            itsm_write_t *link = write_add(w, ITSM_WRITE_LINK, t, j, NULL);

            link->to = sp->t;
            link->type = sp->link_type;
            link->plain = 1;
            link->journaled = 1;
        }
    }
}

int itsm_tickets_create(itsm_req_t *q)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    const char *party;
    itsm_ticket_t *t = apr_pcalloc(r->pool, sizeof *t), *parent;
    writes_t w;
    int failed;
    itsm_doc_extras_t x = {0};
    itsm_journal_t j = {0};
    xmlNodePtr root;
    itsm_call_t c;
    const itsm_field_t *f;
    apr_status_t rv;
    int rc;

    if (!itsm_req_allowed(q, ITSM_ACTION_CREATE))
        return itsm_req_forbidden(q, ITSM_ACTION_CREATE);
    if ((rc = itsm_req_read_document(q, k->element, &root)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    t->kind = k->kind;
    t->fields = apr_table_make(r->pool, 8);
    t->opened = t->updated = c.now;
    t->created_by = q->who->uid;
    t->party = q->who->party;
    q->current = t;
    q->action = ITSM_ACTION_CREATE;
    if (itsm_doc_apply(&c, k, root, t, 1, &x))
        return itsm_resp_fail_call(q, &c);
    if (x.party) {
        if ((rc = itsm_doc_check_party(q, x.party)) != OK)
            return rc;
        t->party = x.party;
    }
    if (t->party == NULL)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    "You belong to no party: name the <party> the ticket is for.");
    if (x.opened) {
        if (!itsm_req_allowed(q, ITSM_ACTION_IMPORT))
            return itsm_req_forbidden(q, ITSM_ACTION_IMPORT);
        if (itsm_time_parse(&t->opened, x.opened) != APR_SUCCESS)
            return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        "<opened> must be an RFC 3339 time with its offset, e.g. "
                        "2026-11-23T09:00:00Z (hours 00 to 23).");
        /* after the epoch: a clock's start of 0 is none (a clock not started), and the
         * epoch itself is many an export's "no date" */
        if (t->opened <= 0 || t->opened > c.now)
            return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        "<opened> must be a past time after 1970-01-01T00:00:00Z.");
        c.importing = 1;
    }
    if (x.state && !c.importing)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    "<state> is set by actions; only an import (with <opened>) brings its own.");
    t->state = x.state;
    if ((f = itsm_doc_missing_field(k, t)) != NULL)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(r->pool, "<%s> is required.", f->name));
    party = t->party;
    if (k->create && k->create(&c, t))
        return itsm_resp_fail_call(q, &c);
    if ((f = itsm_doc_missing_field(k, t)) != NULL)      /* the callback may have cleared one */
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(r->pool, "<%s> is required.", f->name));
    if (t->party != party && (t->party == NULL || (rc = itsm_doc_check_party(q, t->party)) != OK))
        return t->party ? rc : itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                    "The ticket belongs to no party.");
    if ((rc = itsm_doc_check_references(q, NULL, t)) != OK)
        return rc;
    if (t->state == NULL && (t->state = k->initial_state) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00204)
                      "kind %s gave a new ticket no state and declares no initial_state",
                      k->kind);
        return itsm_resp_fail(q, HTTP_INTERNAL_SERVER_ERROR, "process-error",
                    "The process module did not set the ticket's state.");
    }
    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = c.importing ? ITSM_ACTION_IMPORT : ITSM_ACTION_CREATE;
    j.changes = itsm_doc_diff(r->pool, k, NULL, t);
    j.note = x.note;
    itsm_doc_address(q, k, &j, t);
    itsm_ticket_clocks_start(r->pool, k, NULL, t, NULL, t->opened);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    itsm_doc_find_suggestions(q, k, NULL, t, c.now);
    writes_init(&w, r->pool);
    write_add(&w, ITSM_WRITE_CREATE, t, &j, ITSM_EVENT_CREATED)->prefix = k->prefix;
    if ((rc = load_parent(q, k, t, &parent)) != OK)
        return rc;
    if (parent) {
        itsm_write_t *link = write_add(&w, ITSM_WRITE_LINK, t, &j, NULL);

        link->to = parent;
        link->type = ITSM_LINK_CHILD;
        link->plain = 1;
        if ((rc = roll_up(q, &w, t, NULL, parent)) != OK)
            return rc;
    }
    add_spawned(q, &w, t, &j);  /* after every callback that may create one */
    if ((rv = writes_commit(q, &w, &failed)) != APR_SUCCESS) {
        if (rv == APR_ENOSPC)
            return numbers_exhausted(q, &w, failed);
        if (rv == APR_EEXIST)
            return duplicate_raced(q);
        if (rv == APR_EAGAIN)   /* the parent changed since it was read */
            return itsm_resp_fail(q, HTTP_CONFLICT, "conflict",
                        "The parent ticket changed meanwhile; send the request again.");
        return STORE_FAULT(q, 00131, "create");
    }
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/", k->collection,
                                                         "/", t->number, NULL), r));
    return itsm_doc_send_ticket(q, &c, HTTP_CREATED, t);
}

/* ---- one ticket ------------------------------------------------------------------------ */

/* The ticket, within the caller's party scope (404 outside it, whatever the caller's relation
 * to it), and 403 unless the caller's roles or relation to it allow action. */
int itsm_tickets_load(itsm_req_t *q, const char *number, const char *action, itsm_ticket_t **t)
{
    const itsm_kind_t *k = q->route->kind;
    apr_status_t rv;
    int rc;

    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    rv = itsm_store_get(q->store, t, k->kind, number, q->scope, q->r->pool);
    if (rv == APR_NOTFOUND)
        return itsm_resp_not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00132, "get");
    if (!itsm_req_allowed_on(q, k, *t, action))
        return itsm_resp_fail(q, HTTP_FORBIDDEN, "forbidden",
                    apr_psprintf(q->r->pool, "Neither your roles nor your relation to %s allow "
                                 "'%s'.", (*t)->number, action));
    return OK;
}

/* 428 without If-Match, 412 when it names another version. */
static int check_if_match(itsm_req_t *q, const itsm_ticket_t *t)
{
    const char *im = apr_table_get(q->r->headers_in, "If-Match");
    char *list, *tag, *state;
    const char *want;

    if (im == NULL)
        return itsm_resp_fail(q, HTTP_PRECONDITION_REQUIRED, "precondition-required",
                    "Changes need If-Match with the ticket's current ETag.");
    want = apr_psprintf(q->r->pool, "\"%d\"", t->version);
    list = apr_pstrdup(q->r->pool, im);
    for (tag = apr_strtok(list, ", \t", &state); tag; tag = apr_strtok(NULL, ", \t", &state))
        if (strcmp(tag, "*") == 0 || strcmp(tag, want) == 0)
            return OK;
    return itsm_resp_fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                "The ticket has changed since that ETag; GET it again.");
}

/* The publish or withdraw action of a versioned kind k taken on old (t as it will be
 * written): the version numbers kept in t's reserved fields, the change journaled; returns
 * the write that goes with t's (ITSM_WRITE_PUBLISH, ITSM_WRITE_WITHDRAW), -1 for any other
 * change. */
static int publication_change(const itsm_kind_t *k, const char *action, const itsm_ticket_t *old,
                              itsm_ticket_t *t, apr_array_header_t *changes, apr_pool_t *p)
{
    const char *was = apr_table_get(old->fields, ITSM_VERSION_PUBLISHED), *n = NULL;
    int publish = action && k->publish_action && strcmp(action, k->publish_action) == 0;

    if (!publish && !(action && k->withdraw_action && strcmp(action, k->withdraw_action) == 0))
        return -1;
    if (publish) {
        n = apr_itoa(p, (int)itsm_ticket_int(old, ITSM_VERSION_LAST, 0) + 1);
        apr_table_setn(t->fields, ITSM_VERSION_LAST, n);
        apr_table_setn(t->fields, ITSM_VERSION_PUBLISHED, n);
    }
    else
        apr_table_unset(t->fields, ITSM_VERSION_PUBLISHED);
    itsm_codec_change_add(changes, "publishedVersion", was, n);
    return publish ? ITSM_WRITE_PUBLISH : ITSM_WRITE_WITHDRAW;
}

/* What a process's update or action may not do to a ticket: leave it without a state, or
 * move it to another party (out of its raiser's scope). A process bug: 500, logged. */
static int process_kept_ticket(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                               const itsm_ticket_t *t)
{
    const char *why = NULL;

    if (t->state == NULL)
        why = "left the ticket without a state";
    else if ((t->party == NULL) != (old->party == NULL)
             || (t->party && strcmp(t->party, old->party) != 0))
        why = "moved the ticket to another party";
    if (why == NULL)
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00205) "kind %s %s (%s)", k->kind,
                  why, old->number);
    return itsm_resp_fail(q, HTTP_INTERNAL_SERVER_ERROR, "process-error",
                "The process module changed the ticket in a way the core refuses.");
}

/* PATCH and actions: one path, the action NULL for a plain update. */
int itsm_tickets_change(itsm_req_t *q, const char *number, const char *action)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *old, *t, *parent;
    writes_t w;
    int failed;
    itsm_doc_extras_t x = {0};
    itsm_journal_t j = {0};
    xmlNodePtr root = NULL;
    itsm_call_t c;
    apr_status_t rv;
    int rc, publication;

    if (action && !(k->actions && itsm_doc_is_one_of(action, k->actions) && k->action))
        return itsm_resp_not_found(q);
    if (!itsm_req_allowed_some(q, action ? action : ITSM_ACTION_UPDATE))
        return itsm_req_forbidden(q, action ? action : ITSM_ACTION_UPDATE);
    /* a versioned kind's working copy is its editors' alone: every change needs update */
    if (itsm_req_reads_published(q, k))
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    /* The body is read before a database connection is taken from the pool. */
    /* a PATCH's empty elements clear their fields; an action's body sets them only */
    if (action == NULL && (rc = itsm_req_read_change(q, k, &root, &x.cleared)) != OK)
        return rc;
    if (action && itsm_req_has_body(r) && (rc = itsm_req_read_document(q, k->element, &root)) != OK)
        return rc;
    if ((rc = itsm_tickets_load(q, number, action ? action : ITSM_ACTION_UPDATE, &old)) != OK)
        return rc;
    if ((rc = check_if_match(q, old)) != OK)
        return rc;
    q->current = old;
    q->action = action ? action : ITSM_ACTION_UPDATE;
    itsm_req_init_call(q, &c);
    t = itsm_req_copy_ticket(r->pool, old);
    if (root && itsm_doc_apply(&c, k, root, t, 0, &x))
        return itsm_resp_fail_call(q, &c);
    if (action) {
        if (k->action(&c, action, old, t))
            return itsm_resp_fail_call(q, &c);
    }
    else if (k->update && k->update(&c, old, t)) {
        return itsm_resp_fail_call(q, &c);
    }
    if ((rc = process_kept_ticket(q, k, old, t)) != OK)
        return rc;
    if ((rc = itsm_doc_check_references(q, old, t)) != OK)
        return rc;
    j.changes = itsm_doc_diff(r->pool, k, old, t);
    if (j.changes->nelts == 0 && x.note == NULL && action == NULL) {
        itsm_doc_set_etag(r, old);
        return itsm_doc_send_ticket(q, &c, HTTP_OK, old);
    }
    publication = publication_change(k, action, old, t, j.changes, r->pool);
    t->version = old->version + 1;
    t->updated = c.now;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = action ? action : ITSM_ACTION_UPDATE;
    j.note = x.note;
    itsm_doc_address(q, k, &j, t);
    itsm_ticket_clocks_start(r->pool, k, old, t, action, c.now);
    /* new due times: warnings, breaches and timers are announced anew */
    t->sla_notified = itsm_ticket_sla_rearm(r->pool, c.sla, k, old, t);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    itsm_doc_find_suggestions(q, k, old, t, c.now);
    writes_init(&w, r->pool);
    write_add(&w, ITSM_WRITE_UPDATE, t, &j, ITSM_EVENT_CHANGED);
    if (publication >= 0)
        write_add(&w, publication, t, &j, NULL);
    if (strcmp(old->state, t->state) != 0) {
        if ((rc = check_children(q, k, old, t)) != OK)
            return rc;
        if ((rc = load_parent(q, k, t, &parent)) != OK)
            return rc;
        if (parent && (rc = roll_up(q, &w, t, old->state, parent)) != OK)
            return rc;
    }
    add_spawned(q, &w, t, &j);  /* after every callback that may create one */
    rv = writes_commit(q, &w, &failed);
    if (rv == APR_ENOSPC)
        return numbers_exhausted(q, &w, failed);
    if (rv == APR_EAGAIN && failed > 0)
        return itsm_resp_fail(q, HTTP_CONFLICT, "conflict",
                    "A linked or parent ticket changed meanwhile; send the request again.");
    if (rv == APR_EEXIST)
        return duplicate_raced(q);
    if (rv == APR_EAGAIN)
        return itsm_resp_fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00133, "update");
    return itsm_doc_send_ticket(q, &c, HTTP_OK, t);
}

int itsm_tickets_get(itsm_req_t *q, const char *number)
{
    itsm_ticket_t *t;
    itsm_call_t c;
    int rc;

    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    return itsm_doc_send_ticket(q, &c, HTTP_OK, t);
}

/* GET .../sla: the SLA clocks alone; asking them of a ticket without targets (P5, no
 * priority yet) is refused so that a client never mistakes "no SLA" for "in SLA".
 * GET .../sla/{clock}: that clock alone; 409 while it has not started (a KPI has no value
 * before its event), 422 without a target, 404 for a clock the kind does not have. */
/* Whether a clock of k takes its target by the ticket's priority. */
static int by_priority(const itsm_kind_t *k)
{
    const itsm_clock_t *ck;

    for (ck = k->clocks; ck && ck->name; ck++)
        if (ck->class_field == NULL && ck->target_field == NULL)
            return 1;
    return 0;
}

int itsm_tickets_sla(itsm_req_t *q, const char *number, const char *clock)
{
    const itsm_kind_t *k = q->route->kind;
    const itsm_clock_t *kc = k->clocks;
    itsm_ticket_clock_t *clocks;
    itsm_ticket_t *t;
    itsm_xml_out_t *o;
    itsm_call_t c;
    int rc, n, i;

    while (clock && kc && kc->name && strcmp(kc->name, clock) != 0)
        kc++;
    if (kc == NULL || kc->name == NULL)
        return itsm_resp_not_found(q);
    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    n = itsm_ticket_clocks(&clocks, c.sla, k, t, c.now, q->r->pool);
    for (i = 0; clock && i < n && strcmp(clocks[i].name, clock) != 0; i++)
        ;
    if (n == 0 || i == n)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "no-sla",
                    clock ? apr_psprintf(q->r->pool, "%s has no target for its %s clock%s%s%s",
                                         t->number, clock,
                                         kc->target_field ? ": its <" : "",
                                         kc->target_field ? kc->target_field : "",
                                         kc->target_field ? "> holds no target" : "")
                          : apr_psprintf(q->r->pool, "%s has no SLA targets%s%s%s",
                                         t->number, by_priority(k) ? " (priority " : "",
                                         by_priority(k) ? (t->priority ? t->priority
                                                                       : "not set yet") : "",
                                         by_priority(k) ? ")" : ""));
    if (clock && clocks[i].started == 0)
        return itsm_resp_fail(q, HTTP_CONFLICT, "clock-not-started",
                    apr_psprintf(q->r->pool, "The %s clock of %s has not started: it starts %s "
                                 "'%s'.", clock, t->number,
                                 kc->start == ITSM_CLOCK_ON_STATE ? "when the ticket enters"
                                                                  : "with the action",
                                 kc->start_on));
    o = itsm_xml_out_start(q->r->pool, "sla");
    itsm_xml_write_attribute(o, "number", t->number);
    if (clock)
        itsm_doc_render_sla_target(&c, o, &clocks[i]);
    else
        for (i = 0; i < n; i++)
            itsm_doc_render_sla_target(&c, o, &clocks[i]);
    itsm_doc_set_etag(q->r, t);
    return itsm_resp_send_doc(q->r, HTTP_OK, o);
}

int itsm_tickets_journal(itsm_req_t *q, const char *number, const itsm_ticket_t *read)
{
    request_rec *r = q->r;
    apr_array_header_t *entries;
    itsm_ticket_t *loaded;
    const itsm_ticket_t *t = read;
    itsm_xml_out_t *o;
    apr_hash_t *seen = apr_hash_make(r->pool);
    int rc, i, k;

    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if (itsm_req_reads_published(q, q->route->kind))     /* the history of the working copy */
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    if (t == NULL) {
        if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &loaded)) != OK)
            return rc;
        t = loaded;
    }
    if (itsm_store_journal(q->store, &entries, t->id, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00134, "journal");
    o = itsm_xml_out_start(r->pool, "journal");
    itsm_xml_write_attribute(o, "number", t->number);
    for (i = 0; i < entries->nelts; i++) {
        const itsm_journal_t *e = &APR_ARRAY_IDX(entries, i, itsm_journal_t);

        itsm_xml_start_element(o, "entry");
        itsm_xml_write_attributef(o, "seq", "%" APR_INT64_T_FMT, e->seq);
        itsm_xml_write_attribute(o, "at", itsm_time_format(r->pool, e->at));
        itsm_xml_write_attribute(o, "actor", e->actor);
        itsm_xml_write_attribute(o, "action", e->action);
        for (k = 0; k < e->changes->nelts; k++) {
            const itsm_change_t *ch = &APR_ARRAY_IDX(e->changes, k, itsm_change_t);
            int link = strncmp(ch->field, "link:", 5) == 0;

            if (itsm_doc_field_hidden(q, q->route->kind, ch->field))
                continue;

            itsm_xml_start_element(o, "change");
            itsm_xml_write_attribute(o, "field", ch->field);
            itsm_xml_element(o, "old", link ? itsm_req_shown_number(q, seen, ch->old) : ch->old);
            itsm_xml_element(o, "new", link ? itsm_req_shown_number(q, seen, ch->new) : ch->new);
            itsm_xml_end_element(o);
        }
        itsm_xml_element(o, "note", itsm_req_shown_note(q, seen, e->action, e->note));
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* ---- versions and their differences ----------------------------------------------------- */

/* The paragraphs of a value: an XHTML field's blocks (markup), or a long text's paragraphs
 * (separated by blank lines); a value of another type is one paragraph. */
static apr_array_header_t *paragraphs(apr_pool_t *p, const itsm_field_t *f, const char *v)
{
    apr_array_header_t *a;

    if (f && itsm_field_type(f) == ITSM_TYPE_XHTML)
        return itsm_xhtml_blocks(p, v);
    if (f && itsm_field_type(f) == ITSM_TYPE_LONG_TEXT)
        return itsm_text_paragraphs(p, v);
    a = apr_array_make(p, 1, sizeof(const char *));
    if (v)
        APR_ARRAY_PUSH(a, const char *) = v;
    return a;
}

static void write_block(itsm_xml_out_t *w, const char *tag, int markup, const char *block)
{
    itsm_xml_start_element(w, tag);
    if (markup)
        itsm_xml_write_raw(w, block);
    else
        itsm_xml_write_string(w, block);
    itsm_xml_full_end_element(w);
}

/* Beyond this many cells the longest common subsequence is not computed: the field is
 * shown as wholly removed and added. */
#define DIFF_CELLS_MAX (1 << 20)

/* <field name=...> with the paragraphs of a and b in order: a longest common subsequence
 * of the paragraphs is <same>, the rest of a <removed>, the rest of b <added>. */
static void write_field_diff(apr_pool_t *p, itsm_xml_out_t *w, const char *name,
                             const itsm_field_t *f, const char *va, const char *vb)
{
    apr_array_header_t *a = paragraphs(p, f, va), *b = paragraphs(p, f, vb);
    int markup = f && itsm_field_type(f) == ITSM_TYPE_XHTML;
    int n = a->nelts, m = b->nelts, i, j, *len = NULL;
#define A(i) APR_ARRAY_IDX(a, i, const char *)
#define B(j) APR_ARRAY_IDX(b, j, const char *)
#define L(i, j) len[(i) * (m + 1) + (j)]

    itsm_xml_start_element(w, "field");
    itsm_xml_write_attribute(w, "name", name);
    if ((apr_int64_t)(n + 1) * (m + 1) <= DIFF_CELLS_MAX) {
        len = apr_pcalloc(p, sizeof(int) * (apr_size_t)(n + 1) * (apr_size_t)(m + 1));
        for (i = n - 1; i >= 0; i--)
            for (j = m - 1; j >= 0; j--)
                L(i, j) = strcmp(A(i), B(j)) == 0 ? L(i + 1, j + 1) + 1
                          : L(i + 1, j) >= L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
    }
    for (i = 0, j = 0; len && i < n && j < m;) {
        if (strcmp(A(i), B(j)) == 0) {
            write_block(w, "same", markup, A(i));
            i++, j++;
        }
        else if (L(i + 1, j) >= L(i, j + 1))
            write_block(w, "removed", markup, A(i++));
        else
            write_block(w, "added", markup, B(j++));
    }
    for (; i < n; i++)
        write_block(w, "removed", markup, A(i));
    for (; j < m; j++)
        write_block(w, "added", markup, B(j));
    itsm_xml_end_element(w);
#undef A
#undef B
#undef L
}

static int same_value(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The fields of kind k that differ between a and b (two versions of a ticket). */
static void write_diff(itsm_req_t *q, apr_pool_t *p, itsm_xml_out_t *w, const itsm_kind_t *k,
                       const itsm_ticket_t *a, const itsm_ticket_t *b)
{
    static const itsm_field_t description = { "description", 0, .type = ITSM_TYPE_LONG_TEXT };
    const itsm_field_t *f;
    const char *va, *vb;

    if (!same_value(a->title, b->title))
        write_field_diff(p, w, "title", NULL, a->title, b->title);
    if (!same_value(a->state, b->state))
        write_field_diff(p, w, "state", NULL, a->state, b->state);
    va = apr_table_get(a->fields, "description");
    vb = apr_table_get(b->fields, "description");
    if (!same_value(va, vb))
        write_field_diff(p, w, "description", &description, va, vb);
    for (f = k->fields; f && f->name; f++) {
        va = apr_table_get(a->fields, f->name);
        vb = apr_table_get(b->fields, f->name);
        if (!same_value(va, vb) && !itsm_doc_field_hidden(q, k, f->name))
            write_field_diff(p, w, f->name, f, va, vb);
    }
}

/* Version which of t ("working": t itself, for its editors) into *v; 404 unknown, and for
 * a reader a version they may not read (itsm_store_version within their scope), as
 * unknown. */
static int load_version(itsm_req_t *q, itsm_ticket_t *t, const char *which, int reader,
                        itsm_ticket_t **v)
{
    itsm_version_t info;
    apr_status_t rv;
    int n;

    if (strcmp(which, "working") == 0 && !reader) {
        *v = t;
        return OK;
    }
    if (!itsm_req_query_int(which, 1, 1 << 30, &n)
        || (reader && n > (int)itsm_ticket_int(t, ITSM_VERSION_PUBLISHED, 0)))
        return itsm_resp_not_found(q);
    rv = itsm_store_version(q->store, v, &info, t, n, reader ? q->scope : "*", q->r->pool);
    if (rv == APR_NOTFOUND)
        return itsm_resp_not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00232, "version");
    return OK;
}

/* GET /{collection}/{number}/versions[/{n}[?diff=m]]: a versioned kind's published
 * versions. Its editors list and read every version, the working copy as "working", and
 * what changed between two of them; its readers (of the current published version) list
 * and read the published versions whose own audience names them, never a draft. */
int itsm_tickets_versions(itsm_req_t *q, const char *number, const char *which)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    int reader = itsm_req_reads_published(q, k), rc, i;
    apr_array_header_t *versions;
    apr_table_t *args;
    const char *from;
    itsm_ticket_t *t, *v, *base;
    itsm_xml_out_t *o;
    itsm_call_t c;

    if (!k->publish_action)
        return itsm_resp_not_found(q);
    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if ((rc = itsm_req_query_args(q, &args)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    if (itsm_call_query_known(&c, args, (const char *const[]){ "diff", NULL }))
        return itsm_resp_fail_call(q, &c);
    from = apr_table_get(args, "diff");
    if (which == NULL && from)
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "diff compares two versions: GET .../versions/{n}?diff={m}.");
    if (from && strcmp(from, "working") != 0 && !itsm_req_query_int(from, 1, 1 << 30, &i))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "diff takes a version: its number (from 1) or working.");
    if (from && reader)     /* the differences are the reviewers' */
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    if (which) {
        if ((rc = load_version(q, t, which, reader, &v)) != OK)
            return rc;
        if (from) {
            if ((rc = load_version(q, t, from, reader, &base)) != OK)
                return rc;
            o = itsm_xml_out_start(r->pool, "versionDiff");
            itsm_xml_write_attribute(o, "number", t->number);
            itsm_xml_write_attribute(o, "from", from);
            itsm_xml_write_attribute(o, "to", which);
            write_diff(q, r->pool, o, k, base, v);
            return itsm_resp_send_doc(r, HTTP_OK, o);
        }
        itsm_req_init_call(q, &c);
        o = itsm_xml_out_start(r->pool, k->element);
        itsm_doc_render_ticket(&c, o, k, v, 0);
        return itsm_resp_send_doc(r, HTTP_OK, o);
    }
    if (itsm_store_versions(q->store, &versions, t, reader ? q->scope : "*", r->pool)
        != APR_SUCCESS)
        return STORE_FAULT(q, 00233, "versions");
    o = itsm_xml_out_start(r->pool, "versions");
    itsm_xml_write_attribute(o, "number", t->number);
    for (i = 0; i < versions->nelts; i++) {
        const itsm_version_t *e = &APR_ARRAY_IDX(versions, i, itsm_version_t);

        itsm_xml_start_element(o, "version");
        itsm_xml_write_attributef(o, "n", "%d", e->n);
        itsm_xml_write_attribute(o, "at", itsm_time_format(r->pool, e->at));
        itsm_xml_write_attribute(o, "actor", e->actor);
        itsm_xml_write_attribute(o, "state", e->state);
        itsm_xml_write_attribute(o, "current", (e->current ? "true" : "false"));
        itsm_xml_write_string(o, e->title);
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* POST /{collection}/{number}/votes with <vote><helpful>true|false</helpful></vote>: the
 * caller's helpfulness vote on the current published version of a versioned kind's ticket
 * they may read, one per person and version (a second replaces the first). Answers the
 * counts. */
int itsm_tickets_vote(itsm_req_t *q, const char *number)
{
    static const itsm_field_t helpful = { "helpful", 0, .type = ITSM_TYPE_BOOLEAN };
    const itsm_kind_t *k = q->route->kind;
    xmlNodePtr root, n;
    const char *value = NULL, *why;
    itsm_ticket_t *t;
    itsm_call_t c;
    int rc, version;

    if (!k->publish_action)
        return itsm_resp_not_found(q);
    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if ((rc = itsm_req_read_document(q, "vote", &root)) != OK)
        return rc;
    for (n = root->children; n; n = n->next)
        if (itsm_xml_is(n, "helpful")
            && itsm_field_check(&helpful, itsm_xml_text(q->r->pool, n), q->r->pool, &value,
                                &why) != APR_SUCCESS)
            return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        apr_psprintf(q->r->pool, "<helpful> %s", why));
    if (value == NULL)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    "<helpful> (true or false) is required.");
    if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    if ((version = (int)itsm_ticket_int(t, ITSM_VERSION_PUBLISHED, 0)) == 0)
        return itsm_resp_fail(q, HTTP_CONFLICT, "not-published",
                    apr_psprintf(q->r->pool, "%s has no published version to vote on.",
                                 t->number));
    if (itsm_store_vote(q->store, t, version, q->who->uid, strcmp(value, "true") == 0,
                        apr_time_now(), q->r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00422, "vote");
    itsm_req_init_call(q, &c);
    return itsm_doc_send_ticket(q, &c, HTTP_OK, t);
}

int itsm_tickets_links(itsm_req_t *q, const char *number, const itsm_ticket_t *read)
{
    request_rec *r = q->r;
    apr_array_header_t *links;
    itsm_ticket_t *loaded;
    const itsm_ticket_t *t = read;
    itsm_xml_out_t *o;
    apr_hash_t *seen = apr_hash_make(r->pool);
    int rc, i;

    if (!itsm_req_allowed_some(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if (t == NULL) {
        if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_READ, &loaded)) != OK)
            return rc;
        t = loaded;
    }
    if (itsm_store_links(q->store, &links, t->id, q->scope, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00135, "links");
    o = itsm_xml_out_start(r->pool, "links");
    itsm_xml_write_attribute(o, "number", t->number);
    for (i = 0; i < links->nelts; i++) {
        const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);

        if (!itsm_req_shown_link(q, seen, l))
            continue;
        itsm_xml_start_element(o, "link");
        itsm_xml_write_attribute(o, "type", l->type);
        itsm_xml_write_attribute(o, "direction", (l->outgoing ? "out" : "in"));
        itsm_xml_write_attribute(o, "number", l->number);
        itsm_xml_write_attribute(o, "kind", l->kind);
        itsm_xml_write_attribute(o, "at", itsm_time_format(r->pool, l->at));
        itsm_xml_write_attribute(o, "actor", l->actor);
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* A ticket linking with a type whose rule shows the target's fields keeps the targets'
 * numbers in its reserved field ITSM_SHOWN_PREFIX<type> (space-separated), so that its
 * representation reads them without a query of its links (render_linked). */
static void keep_shown(apr_pool_t *p, itsm_ticket_t *t, const char *type, const char *number,
                       int adding)
{
    const char *key = apr_pstrcat(p, ITSM_SHOWN_PREFIX, type, NULL);
    const char *was = apr_table_get(t->fields, key), *kept = "";
    char *list = apr_pstrdup(p, was ? was : ""), *item, *state;

    for (item = apr_strtok(list, " ", &state); item; item = apr_strtok(NULL, " ", &state))
        if (strcmp(item, number) != 0)
            kept = apr_pstrcat(p, kept, *kept ? " " : "", item, NULL);
    if (adding)
        kept = apr_pstrcat(p, kept, *kept ? " " : "", number, NULL);
    if (*kept)
        apr_table_setn(t->fields, key, kept);
    else
        apr_table_unset(t->fields, key);
}

/* The journal entry of a link's change on one of its ends, t (old as it was), the other end
 * being other: t's own changes (a linked callback's) and the link's. */
static itsm_journal_t *link_entry(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                                  itsm_ticket_t *t, const char *type, const itsm_ticket_t *other,
                                  int adding, apr_time_t now)
{
    apr_pool_t *p = q->r->pool;
    itsm_journal_t *j = apr_pcalloc(p, sizeof *j);
    itsm_change_t *ch;

    j->changes = itsm_doc_diff(p, k, old, t);
    ch = apr_array_push(j->changes);
    ch->field = apr_pstrcat(p, "link:", type, NULL);
    ch->old = adding ? NULL : other->number;
    ch->new = adding ? other->number : NULL;
    t->version = old->version + 1;
    t->updated = now;
    j->at = now;
    j->actor = q->who->uid;
    j->action = adding ? ITSM_ACTION_LINK : "unlink";
    itsm_doc_address(q, k, j, t);
    return j;
}

/* Add (adding 1) or remove a link of type between the ticket `number` (u, the one in the
 * path, whose ETag the request names) and target (o). The link goes from u to o, unless u's
 * kind declares the type for links made to it by o's kind (from_kind): then from o to u.
 * The rules, the declaring kind's linked callback, then both ends (versions bumped, journal
 * entries) and the link in one transaction. */
static int change_link(itsm_req_t *q, const char *number, const char *type, const char *target,
                       int adding)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind, *ok, *decl = NULL, *src_kind;
    const itsm_link_rule_t *rule = NULL;
    itsm_ticket_t *u, *o, *un, *on, *src;
    const itsm_ticket_t *dst;
    itsm_journal_t *ju, *jo = NULL;
    itsm_write_t *link;
    itsm_call_t c, dc;
    writes_t w;
    apr_status_t rv;
    int rc, failed, reversed = 0, o_write = -1;

    if (itsm_req_reads_published(q, k))  /* links change the working copy */
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = itsm_tickets_load(q, number, ITSM_ACTION_LINK, &u)) != OK)
        return rc;
    if ((rc = check_if_match(q, u)) != OK)
        return rc;
    q->current = u;
    rv = itsm_store_get(q->store, &o, NULL, target, q->scope, r->pool);
    if (rv == APR_NOTFOUND)
        return adding ? itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                             apr_psprintf(r->pool, "No ticket %s to link to.", target))
                      : itsm_resp_not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00136, "link target");
    if (o->id == u->id)
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "A ticket cannot link to itself.");
    if ((ok = itsm_core_kind(q->core, o->kind)) == NULL)
        return itsm_resp_not_found(q);
    itsm_req_init_call(q, &c);
    if (strcmp(type, ITSM_LINK_RELATES) != 0
        && (rule = itsm_link_rule_find(k, ok, type, &decl)) == NULL) {
        /* u's kind may declare the links o's kind makes to it */
        rule = itsm_link_rule_find(ok, k, type, &decl);
        if (rule && decl == k)
            reversed = 1;
        else
            rule = NULL;
    }
    /* a link written onto a ticket changes it: the one in the path always, the other end
     * when the link goes from it or its kind hears of it (the linked callback) */
    if ((rc = link_frozen(q, k, u, adding)) != OK
        || ((reversed || (rule && decl == ok && decl->linked))
            && (rc = link_frozen(q, ok, o, adding)) != OK))
        return rc;
    src = reversed ? o : u;
    dst = reversed ? u : o;
    src_kind = reversed ? ok : k;
    if (link_check(q, &c, src_kind, src->id, 0, type, reversed ? k : ok, dst->id, dst->number,
                   adding))
        return itsm_resp_fail_call(q, &c);
    un = itsm_req_copy_ticket(r->pool, u);
    on = itsm_req_copy_ticket(r->pool, o);
    if (rule && decl->linked) {
        int mine = decl == k;   /* the declaring kind's ticket is u */

        itsm_req_init_call_for(q, &dc, route_of(q, decl));
        if (decl->linked(&dc, type, adding, mine ? u : o, mine ? un : on, mine ? o : u))
            return itsm_resp_fail_call(q, &dc);
    }
    if (rule && rule->shows)    /* the linking ticket keeps the numbers it shows */
        keep_shown(r->pool, reversed ? on : un, type, dst->number, adding);
    ju = link_entry(q, k, u, un, type, o, adding, c.now);
    /* the other end is written when the link goes from it, or the callback changed it */
    if (reversed || itsm_doc_diff(r->pool, ok, o, on)->nelts > 0)
        jo = link_entry(q, ok, o, on, type, u, adding, c.now);
    /* the link first: when it exists already (or not at all) nothing else is tried, not
     * even a journal number drawn (PostgreSQL sequences do not roll back) */
    writes_init(&w, r->pool);
    link = write_add(&w, adding ? ITSM_WRITE_LINK : ITSM_WRITE_UNLINK, reversed ? on : un, ju,
                     NULL);
    link->to = dst;
    link->type = type;
    link->plain = 1;
    write_add(&w, ITSM_WRITE_UPDATE, un, ju,
              reversed ? ITSM_EVENT_CHANGED : adding ? ITSM_EVENT_LINKED : ITSM_EVENT_UNLINKED);
    if (jo) {
        o_write = w.ops->nelts;
        write_add(&w, ITSM_WRITE_UPDATE, on, jo,
                  !reversed ? ITSM_EVENT_CHANGED : adding ? ITSM_EVENT_LINKED : ITSM_EVENT_UNLINKED);
    }
    add_spawned(q, &w, un, ju);     /* tickets the linked callback created */
    rv = writes_commit(q, &w, &failed);
    if (rv == APR_EAGAIN && failed == o_write)
        return itsm_resp_fail(q, HTTP_CONFLICT, "conflict",
                    apr_psprintf(r->pool, "%s changed meanwhile; send the request again.",
                                 o->number));
    if (rv == APR_EAGAIN)
        return itsm_resp_fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv == APR_EEXIST)
        return itsm_resp_fail(q, HTTP_CONFLICT, "conflict", "That link exists already.");
    if (rv == APR_NOTFOUND)
        return itsm_resp_not_found(q);
    if (rv == APR_ENOSPC)
        return numbers_exhausted(q, &w, failed);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00137, adding ? "link" : "unlink");
    itsm_doc_set_etag(r, un);
    if (!adding) {
        r->status = HTTP_NO_CONTENT;
        return DONE;
    }
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/", k->collection,
                                                         "/", u->number, "/links", NULL), r));
    {
        itsm_xml_out_t *o_ = itsm_xml_out_start(r->pool, "link");

        /* the link as stored: a reversed one goes from the other end to this ticket */
        itsm_xml_element(o_, "type", type);
        itsm_xml_element(o_, "target", dst->number);
        if (reversed)
            itsm_xml_element(o_, "from", src->number);
        return itsm_resp_send_doc(r, HTTP_CREATED, o_);
    }
}

int itsm_tickets_link(itsm_req_t *q, const char *number)
{
    const char *type = NULL, *target = NULL;
    xmlNodePtr root, n;
    int rc;

    if (!itsm_req_allowed_some(q, ITSM_ACTION_LINK))
        return itsm_req_forbidden(q, ITSM_ACTION_LINK);
    if ((rc = itsm_req_read_document(q, "link", &root)) != OK)
        return rc;
    /* tokens, as the schema reads them: " PRB0000003 " is PRB0000003 */
    for (n = root->children; n; n = n->next) {
        if (itsm_xml_is(n, "type"))
            type = itsm_text_trim(q->r->pool, itsm_xml_text(q->r->pool, n));
        else if (itsm_xml_is(n, "target"))
            target = itsm_text_trim(q->r->pool, itsm_xml_text(q->r->pool, n));
    }
    return change_link(q, number, type, target, 1);
}

/* DELETE /{collection}/{number}/links/{type}/{target} */
int itsm_tickets_unlink(itsm_req_t *q, const char *number, const char *type, const char *target)
{
    if (!itsm_req_allowed_some(q, ITSM_ACTION_LINK))
        return itsm_req_forbidden(q, ITSM_ACTION_LINK);
    return change_link(q, number, type, target, 0);
}
