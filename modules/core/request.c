/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The request layer's groundwork: who the caller is and what they may see (identity, party
 * scope, role and relation grants), the store's connection, the body read and validated,
 * the query decoded, and the call a process's callbacks get. */
#include <apr_hash.h>
#include <apr_lib.h>
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

/* what a caller who may not see a linked ticket reads in its place */
const char itsm_not_visible[] = "(not visible)";
#define NOT_VISIBLE itsm_not_visible

APLOG_USE_MODULE(itsm);

#define DEFAULT_MAX_BODY (1024 * 1024)

/* ---- identity, store, body ------------------------------------------------------------- */

/* Does the caller read tickets of kind k as their published versions? (A versioned kind,
 * and the caller may not update it.) */
int itsm_req_reads_published(const itsm_req_t *q, const itsm_kind_t *k)
{
    return itsm_core_reads_published(q->core, q->who, k);
}

int itsm_req_resolve_caller(itsm_req_t *q)
{
    request_rec *r = q->r;
    const char *errmsg = NULL;
    itsm_identity_t *who;
    apr_status_t rv;

    if (r->user == NULL || *r->user == '\0')
        return itsm_resp_fail(q, HTTP_UNAUTHORIZED, "unauthenticated", "Authentication is required.");
    if (q->core->directory == NULL)     /* child_init failed: ITSM00007 */
        return itsm_resp_fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    rv = itsm_ldap_lookup_derived(&who, &q->scope, &errmsg, q->core->directory, r->user,
                                  r->pool);
    if (rv == APR_NOTFOUND)
        return itsm_resp_fail(q, HTTP_FORBIDDEN, "unknown-person",
                    "The authenticated login is not a person in the directory.");
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv == APR_EGENERAL ? 0 : rv, r, ITSMLOGNO(00102)
                      "directory unavailable looking up %s: %s", r->user,
                      errmsg ? errmsg : "no answer");
        return itsm_resp_fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    }
    q->who = who;
    q->sees_all = itsm_authz_sees_all(q->core->authz, who->roles);
    q->editor_kind = NULL;
    return OK;
}

static apr_status_t release_store(void *data)
{
    itsm_store_release(data);
    return APR_SUCCESS;
}

/* Acquire the connection, set the schema up once per process, bind the statements; a
 * failure is logged here (its caller answers 503). */
apr_status_t itsm_req_bind_store(itsm_req_t *q)
{
    request_rec *r = q->r;
    ap_dbd_t *dbd;
    const char *err = NULL;

    if (q->store)
        return APR_SUCCESS;
    dbd = itsm_dbd_acquire(r);

    if (dbd == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00103)
                      "no database connection from mod_dbd (DBDriver/DBDParams)");
        return APR_EGENERAL;
    }
    if (itsm_core_bind(&q->store, r->server, dbd, r->pool, &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00104) "%s", err);
        return APR_EGENERAL;
    }
    /* registered after ap_dbd_acquire's release, so it runs before the connection is back
     * in mod_dbd's pool */
    apr_pool_cleanup_register(r->pool, q->store, release_store, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

int itsm_req_open_store(itsm_req_t *q)
{
    if (itsm_req_bind_store(q) != APR_SUCCESS)
        return itsm_resp_fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                    "The ticket store is not available; try again later.");
    return OK;
}

static int xml_media_type(const char *ct)
{
    apr_size_t n;

    if (ct == NULL)
        return 0;
    n = strcspn(ct, "; \t");
    return (n == 15 && strncasecmp(ct, "application/xml", n) == 0)
           || (n == 8 && strncasecmp(ct, "text/xml", n) == 0)
           || (n > 16 && strncasecmp(ct, "application/", 12) == 0
               && strncasecmp(ct + n - 4, "+xml", 4) == 0);
}

int itsm_req_has_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return apr_table_get(r->headers_in, "Transfer-Encoding") != NULL
           || (cl != NULL && apr_atoi64(cl) > 0);
}

/* Read, parse and validate the body; *root is its root element, checked to be `element`.
 * With k (a PATCH), the empty elements of fields it may clear are taken out before the
 * schema sees them, their names in *cleared. */
static int read_document(itsm_req_t *q, const char *element, const itsm_kind_t *k,
                         xmlNodePtr *root, const apr_array_header_t **cleared)
{
    request_rec *r = q->r;
    apr_off_t limit = q->dir->max_body != ITSM_UNSET ? q->dir->max_body : DEFAULT_MAX_BODY;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    itsm_xml_error_t xe = {0};
    apr_size_t len = 0, cap;
    char *buf;
    xmlDocPtr doc;
    int rc;

    if (itsm_portal_form_body(q, (const char **)&buf, &len))   /* a form, as its document */
        goto parse;
    if (!xml_media_type(apr_table_get(r->headers_in, "Content-Type")))
        return itsm_resp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "The request body must be application/xml.");
    if (cl && apr_atoi64(cl) > limit)
        return itsm_resp_fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                    apr_psprintf(r->pool, "The request body is over %" APR_OFF_T_FMT " bytes.", limit));
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return itsm_resp_fail(q, rc, "malformed-xml", "The request body cannot be read.");
    cap = cl ? (apr_size_t)apr_atoi64(cl) + 1 : 8192;
    buf = apr_palloc(r->pool, cap);
    for (;;) {
        long n;

        if (len == cap) {
            char *bigger;

            cap *= 2;
            bigger = apr_palloc(r->pool, cap);
            memcpy(bigger, buf, len);
            buf = bigger;
        }
        n = ap_get_client_block(r, buf + len, cap - len);
        if (n < 0)
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "malformed-xml", "The request body cannot be read.");
        if (n == 0)
            break;
        len += (apr_size_t)n;
        if ((apr_off_t)len > limit) {
            /* Drain the rest so the connection stays usable, then refuse. */
            ap_discard_request_body(r);
            return itsm_resp_fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                        apr_psprintf(r->pool, "The request body is over %" APR_OFF_T_FMT " bytes.", limit));
        }
    }
parse:
    if (itsm_xml_parse(&doc, &xe, buf, len, r->pool) != APR_SUCCESS)
        return itsm_resp_fail_detail(q, HTTP_BAD_REQUEST, xe.code, xe.message, xe.detail, xe.line);
    if (k && itsm_xml_is(xmlDocGetRootElement(doc), element))
        *cleared = itsm_doc_take_clears(k, xmlDocGetRootElement(doc), r->pool);
    if (itsm_xml_validate(&xe, q->core->schema, doc, r->pool) != APR_SUCCESS)
        return itsm_resp_fail_detail(q, HTTP_BAD_REQUEST, xe.code, xe.message, xe.detail, xe.line);
    *root = xmlDocGetRootElement(doc);
    if (!itsm_xml_is(*root, element))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "wrong-root",
                    apr_psprintf(r->pool, "This resource takes a <%s> document.", element));
    return OK;
}

int itsm_req_read_document(itsm_req_t *q, const char *element, xmlNodePtr *root)
{
    return read_document(q, element, NULL, root, NULL);
}

int itsm_req_read_change(itsm_req_t *q, const itsm_kind_t *k, xmlNodePtr *root,
                         const apr_array_header_t **cleared)
{
    return read_document(q, k->element, k, root, cleared);
}

/* A call to the process serving route (the request's own unless another kind's rules run). */
void itsm_req_init_call_for(itsm_req_t *q, itsm_call_t *c, const itsm_route_t *route)
{
    memset(c, 0, sizeof *c);
    c->pool = q->r->pool;
    c->who = q->who;
    c->sla = q->core->sla;
    c->svc = &itsm_services;
    c->core = q;
    c->process_config = route->process->module
        ? ap_get_module_config(q->r->server->module_config,
                               (const module *)route->process->module) : NULL;
    c->now = apr_time_from_sec(apr_time_sec(q->r->request_time));
}

void itsm_req_init_call(itsm_req_t *q, itsm_call_t *c)
{
    itsm_req_init_call_for(q, c, q->route);
}

int itsm_req_allowed(itsm_req_t *q, const char *action)
{
    return itsm_authz_allows(q->core->authz, q->who->roles, q->route->kind->kind, action);
}

int itsm_req_forbidden(itsm_req_t *q, const char *action)
{
    return itsm_resp_fail(q, HTTP_FORBIDDEN, "forbidden",
                apr_psprintf(q->r->pool, "Your roles do not allow '%s' on %s tickets.", action,
                             q->route->kind->kind));
}

/* On an existing ticket, before it is loaded: may the caller's roles allow action, or a
 * relation to the ticket (raiser, assignee, ...)? load_ticket then decides on the ticket. */
int itsm_req_allowed_some(itsm_req_t *q, const char *action)
{
    return itsm_req_allowed(q, action)
           || itsm_authz_relations_for(q->core->authz, q->route->kind->kind, action) != 0;
}

int itsm_req_no_query(itsm_req_t *q)
{
    const char *args = q->r->args, *end;

    if (q->portal || args == NULL || *args == '\0')
        return OK;
    end = strpbrk(args, "=&");
    return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                apr_psprintf(q->r->pool, "%s takes no query parameters ('%s' given).",
                             q->r->uri, end ? apr_pstrmemdup(q->r->pool, args,
                                                             (apr_size_t)(end - args))
                                            : args));
}

int itsm_req_allowed_on(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *t,
                        const char *action)
{
    /* the roles first: the relations are worked out only where they decide */
    return itsm_authz_allows(q->core->authz, q->who->roles, k->kind, action)
           || itsm_authz_allows_on(q->core->authz, NULL, itsm_authz_relations(q->who, t, k),
                                   k->kind, action);
}

int itsm_identity_sees_party(const itsm_identity_t *who, int sees_all, const char *party)
{
    const apr_array_header_t *af = who->acts_for;
    int i;

    if (sees_all || (who->party && strcmp(who->party, party) == 0))
        return 1;
    for (i = 0; af && i < af->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(af, i, const char *), party) == 0)
            return 1;
    return 0;
}

int itsm_req_party_visible(itsm_req_t *q, const char *party)
{
    return itsm_identity_sees_party(q->who, q->sees_all, party);
}

/* The kind whose prefix numbers number (prefix and digits), or NULL. */
static const itsm_kind_t *kind_numbering(const itsm_core_t *core, const char *number)
{
    int i;

    for (i = 0; i < core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(core->kinds, i, const itsm_kind_t *);
        apr_size_t n = k->prefix ? strlen(k->prefix) : 0;

        if (n && strncmp(number, k->prefix, n) == 0 && apr_isdigit(number[n]))
            return k;
    }
    return NULL;
}

apr_status_t itsm_req_get_visible(itsm_ticket_t **out, const itsm_kind_t **kind, itsm_req_t *q,
                                  const char *of_kind, const char *number, apr_pool_t *p)
{
    apr_status_t rv = itsm_req_bind_store(q);
    const itsm_kind_t *k;

    if (rv == APR_SUCCESS)
        rv = itsm_store_get(q->store, out, of_kind, number, q->scope, p);
    if (rv != APR_SUCCESS)
        return rv;
    k = itsm_core_kind(q->core, (*out)->kind);
    if (k && !itsm_req_allowed_on(q, k, *out, ITSM_ACTION_READ)) {
        *out = NULL;            /* nothing of it reaches the caller */
        return APR_NOTFOUND;
    }
    if (kind)
        *kind = k;
    return APR_SUCCESS;
}

/* A linked ticket's number is shown only to those who may see that ticket, as its fields
 * are (document.c, render_shown): another party's number, one of a kind the caller may not
 * read (by role, or by a relation to that ticket: a knowledge author is granted no incident),
 * or one of a kind the caller reads as published that has no published version, reads
 * "(not visible)". k: the ticket's kind (NULL: of no loaded kind, shown); scoped: the caller's
 * scope applied already (a ticket's links, as the store read them). Answers kept in seen, one
 * read per number; none where the role decides (a scoped number, or a caller who sees every
 * party) or no relation could grant the kind. */
static const char *shown_of_kind(itsm_req_t *q, apr_hash_t *seen, const itsm_kind_t *k,
                                 const char *number, int scoped)
{
    const char *shown;
    itsm_ticket_t *x;
    int by_role;

    by_role = k == NULL
              || itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_READ);
    if (by_role && (scoped || (q->sees_all && (k == NULL || !itsm_req_reads_published(q, k)))))
        return number;
    if ((shown = apr_hash_get(seen, number, APR_HASH_KEY_STRING)) == NULL) {
        if (!by_role && itsm_authz_relations_for(q->core->authz, k->kind, ITSM_ACTION_READ) == 0)
            shown = NOT_VISIBLE;        /* no relation could grant it: nothing to read */
        else {
            apr_status_t rv = itsm_req_get_visible(&x, NULL, q, NULL, number, q->r->pool);

            if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00146)
                              "store: reading the linked %s, shown as not visible: %s",
                              number, itsm_resp_store_error(q));
            shown = rv == APR_SUCCESS ? number : NOT_VISIBLE;
        }
        apr_hash_set(seen, number, APR_HASH_KEY_STRING, shown);
    }
    return shown;
}

const char *itsm_req_shown_number(itsm_req_t *q, apr_hash_t *seen, const char *number)
{
    return number ? shown_of_kind(q, seen, kind_numbering(q->core, number), number, 0) : number;
}

int itsm_req_shown_link(itsm_req_t *q, apr_hash_t *seen, const itsm_link_t *l)
{
    return shown_of_kind(q, seen, itsm_core_kind(q->core, l->kind), l->number, 1) != NOT_VISIBLE;
}

/* A linked note (ITSM_ACTION_LINKED_NOTE, itsm_req_tell_linked) is the news of another ticket, written into each
 * ticket linked to it: its note begins with that ticket's number ("PRB0000001: workaround
 * published for ..."), and that ticket's title and text are in it. Shown (in the journal,
 * and as the summary in the followers' feeds) only to those who may see that ticket, like
 * its fields in the linked block; to others "(not visible)". Other entries' notes as they
 * are. */
const char *itsm_req_shown_note(itsm_req_t *q, apr_hash_t *seen, const char *action,
                                const char *note)
{
    const char *colon;

    if (note == NULL || action == NULL || strcmp(action, ITSM_ACTION_LINKED_NOTE) != 0)
        return note;
    if ((colon = strstr(note, ": ")) == NULL || colon == note)
        return NOT_VISIBLE;     /* not a note the core wrote: of no ticket one may see */
    return itsm_req_shown_number(q, seen, apr_pstrmemdup(q->r->pool, note,
                                                         (apr_size_t)(colon - note)))
           == NOT_VISIBLE ? NOT_VISIBLE : note;
}

/* ---- collection: list and create ------------------------------------------------------- */

/* The query as a table, form-encoded: '+' is a space (ap_args_to_table decodes only %XX). */
void itsm_req_form_args(request_rec *r, apr_table_t **args)
{
    char *saved = r->args, *s;

    if (saved && strchr(saved, '+')) {
        r->args = apr_pstrdup(r->pool, saved);
        for (s = r->args; *s; s++)
            if (*s == '+')
                *s = ' ';
    }
    ap_args_to_table(r, args);
    r->args = saved;
}

const char *itsm_req_repeated_arg(request_rec *r)
{
    apr_hash_t *seen;
    char *s, *key, *last = NULL;

    if (r->args == NULL || strchr(r->args, '&') == NULL)
        return NULL;
    seen = apr_hash_make(r->pool);
    s = apr_pstrdup(r->pool, r->args);
    /* the keys as ap_args_to_table decodes them (it keeps the last value of each) */
    for (key = apr_strtok(s, "&", &last); key; key = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(key, '='), *c;

        if (eq)
            *eq = '\0';
        for (c = key; *c; c++)
            if (*c == '+')
                *c = ' ';
        ap_unescape_url(key);
        if (apr_hash_get(seen, key, APR_HASH_KEY_STRING))
            return key;
        apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
    }
    return NULL;
}

int itsm_req_query_args(itsm_req_t *q, apr_table_t **args)
{
    const char *key = itsm_req_repeated_arg(q->r);

    if (key != NULL)
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    apr_psprintf(q->r->pool, "The query parameter '%s' is given more than "
                                 "once: each is taken once.", key));
    /* decoded, a NUL ends the C string: the rest of the value would be dropped unsaid
     * (?q=jabber%00wock searched for jabber) */
    if (q->r->args && strstr(q->r->args, "%00"))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                              "The query holds a NUL character (%00): no value takes one.");
    itsm_req_form_args(q->r, args);
    return OK;
}

int itsm_req_query_int(const char *v, int min, int max, int *out)
{
    char *end;
    long n;

    if (v == NULL)
        return 1;
    n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < min || n > max)
        return 0;
    *out = (int)n;
    return 1;
}

/* Tell the modules attached to the ticket_event hook about a committed change. */
void itsm_req_announce(itsm_req_t *q, const char *event, const itsm_ticket_t *t,
                     const itsm_journal_t *j)
{
    const itsm_kind_t *k = strcmp(t->kind, q->route->kind->kind) == 0
                           ? q->route->kind : itsm_core_kind(q->core, t->kind);
    itsm_event_t e = { event, k, t, j, q->r, q->r->server, q->r->pool };

    itsm_event_run(&e);
}

itsm_ticket_t *itsm_req_copy_ticket(apr_pool_t *p, const itsm_ticket_t *t)
{
    itsm_ticket_t *n = apr_pmemdup(p, t, sizeof *t);

    n->fields = apr_table_copy(p, t->fields);
    return n;
}
