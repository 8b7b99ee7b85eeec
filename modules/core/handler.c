/* The core's request handling: routes a path under the mount point to a collection, resolves
 * the caller, checks the role table, reads and validates XML, calls the kind's rules, stores
 * and renders. No process rule lives here: the kind's callbacks decide states and values. */
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

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_PAGE 50
#define MAX_PAGE 500


/* ---- responses ------------------------------------------------------------------------- */

static int send_typed(request_rec *r, int status, itsm_xml_out_t *o, const char *type)
{
    apr_size_t len;
    const char *body = itsm_xml_out_end(o, &len);

    r->status = status;
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        ap_rwrite(body, (int)len, r);
    return DONE;    /* the response is written: the handler's caller takes DONE as OK */
}

static int send_doc(request_rec *r, int status, itsm_xml_out_t *o)
{
    return send_typed(r, status, o, "application/xml");
}

/* An <error> document. Client errors are logged at info, server faults by the caller. */
static int fail_detail(req_t *q, int status, const char *code, const char *message,
                       const char *detail, int line)
{
    request_rec *r = q->r;
    itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "error");

    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, q->conf ? q->conf->retry_after : 10));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00100) "%d %s: %s%s%s", status,
                  code, message, detail ? " - " : "", detail ? detail : "");
    itsm_xml_element(o->w, "status", apr_itoa(r->pool, status));
    itsm_xml_element(o->w, "code", code);
    itsm_xml_element(o->w, "message", message);
    if (detail) {
        xmlTextWriterStartElement(o->w, BAD_CAST "detail");
        if (line > 0)
            xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "line", "%d", line);
        xmlTextWriterWriteString(o->w, BAD_CAST detail);
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, status, o);
}

static int fail(req_t *q, int status, const char *code, const char *message)
{
    return fail_detail(q, status, code, message, NULL, 0);
}

static int fail_call(req_t *q, const itsm_call_t *c)
{
    return fail(q, c->status, c->code ? c->code : "invalid-field",
                c->message ? c->message : "refused by the process");
}

static int not_found(req_t *q)
{
    return fail(q, HTTP_NOT_FOUND, "not-found", "No such resource.");
}

static int method_not_allowed(req_t *q, const char *allow)
{
    apr_table_setn(q->r->headers_out, "Allow", allow);
    return fail(q, HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
                apr_psprintf(q->r->pool, "Allowed here: %s.", allow));
}

/* 503 store-unavailable, after the call site logged the fault with its own number
 * (STORE_FAULT). */
static int store_unavailable(req_t *q)
{
    return fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                "The ticket store is not available; try again later.");
}

static const char *store_error(req_t *q)
{
    return q->store ? itsm_store_error(q->store) : "no connection";
}

/* Log a failed database statement with the call site's own message number (so that the
 * log names the call site, file and line), answer 503. A GNU statement expression, as
 * ap_log_rerror is a statement. */
#define STORE_FAULT(q, logno, what) ({ \
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, (q)->r, ITSMLOGNO(logno) "store: %s: %s", (what), \
                  store_error(q)); \
    store_unavailable(q); })

/* ---- identity, store, body ------------------------------------------------------------- */

/* Does the caller read tickets of kind k as their published versions? (A versioned kind,
 * and the caller may not update it.) */
static int reads_published(const req_t *q, const itsm_kind_t *k)
{
    return k->publish_action
           && !itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_UPDATE);
}

/* The caller's scope: their parties (all for roles that see all), their audience keys and
 * the versioned kinds they read as published. No query: the directory's identity and the
 * role table say it all. */
static const char *caller_scope(const req_t *q)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *published = NULL;
    int i;

    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);

        if (reads_published(q, k)) {
            if (published == NULL)
                published = apr_array_make(p, 2, sizeof(const char *));
            APR_ARRAY_PUSH(published, const char *) = k->kind;
        }
    }
    return itsm_store_scope_audience(p, itsm_store_scope(p, q->sees_all, q->who->party,
                                                         q->who->acts_for),
                                     itsm_store_audience_keys(p, q->who), published);
}

static int resolve_caller(req_t *q)
{
    request_rec *r = q->r;
    const char *errmsg = NULL;
    itsm_identity_t *who;
    apr_status_t rv;

    if (r->user == NULL || *r->user == '\0')
        return fail(q, HTTP_UNAUTHORIZED, "unauthenticated", "Authentication is required.");
    if (q->core->directory == NULL)     /* child_init failed: ITSM00007 */
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    rv = itsm_ldap_lookup(&who, &errmsg, q->core->directory, r->user, r->pool);
    if (rv == APR_NOTFOUND)
        return fail(q, HTTP_FORBIDDEN, "unknown-person",
                    "The authenticated login is not a person in the directory.");
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, ITSMLOGNO(00102)
                      "directory unavailable looking up %s: %s", r->user,
                      errmsg ? errmsg : "no answer");
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    }
    q->who = who;
    q->sees_all = itsm_authz_sees_all(q->core->authz, who->roles);
    q->scope = caller_scope(q);
    return OK;
}

/* Acquire the connection, set the schema up once per process, bind the statements; a
 * failure is logged here (its caller answers 503). */
apr_status_t itsm_req_bind_store(req_t *q)
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
    return APR_SUCCESS;
}

static int open_store(req_t *q)
{
    if (itsm_req_bind_store(q) != APR_SUCCESS)
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
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

static int has_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return apr_table_get(r->headers_in, "Transfer-Encoding") != NULL
           || (cl != NULL && apr_atoi64(cl) > 0);
}

/* Read, parse and validate the body; *root is its root element, checked to be `element`. */
static int read_document(req_t *q, const char *element, xmlNodePtr *root)
{
    request_rec *r = q->r;
    apr_off_t limit = q->dir->max_body != ITSM_UNSET ? q->dir->max_body : DEFAULT_MAX_BODY;
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    itsm_xml_error_t xe = {0};
    apr_size_t len = 0, cap;
    char *buf;
    xmlDocPtr doc;
    int rc;

    if (!xml_media_type(apr_table_get(r->headers_in, "Content-Type")))
        return fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "The request body must be application/xml.");
    if (cl && apr_atoi64(cl) > limit)
        return fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                    apr_psprintf(r->pool, "The request body is over %" APR_OFF_T_FMT " bytes.", limit));
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return fail(q, rc, "malformed-xml", "The request body cannot be read.");
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
            return fail(q, HTTP_BAD_REQUEST, "malformed-xml", "The request body cannot be read.");
        if (n == 0)
            break;
        len += (apr_size_t)n;
        if ((apr_off_t)len > limit) {
            /* Drain the rest so the connection stays usable, then refuse. */
            ap_discard_request_body(r);
            return fail(q, HTTP_REQUEST_ENTITY_TOO_LARGE, "body-too-large",
                        apr_psprintf(r->pool, "The request body is over %" APR_OFF_T_FMT " bytes.", limit));
        }
    }
    if (itsm_xml_parse(&doc, &xe, buf, len, r->pool) != APR_SUCCESS)
        return fail_detail(q, HTTP_BAD_REQUEST, xe.code, xe.message, xe.detail, xe.line);
    if (itsm_xml_validate(&xe, q->core->schema, doc, r->pool) != APR_SUCCESS)
        return fail_detail(q, HTTP_BAD_REQUEST, xe.code, xe.message, xe.detail, xe.line);
    *root = xmlDocGetRootElement(doc);
    if (!itsm_xml_is(*root, element))
        return fail(q, HTTP_BAD_REQUEST, "wrong-root",
                    apr_psprintf(r->pool, "This resource takes a <%s> document.", element));
    return OK;
}

/* ---- tickets in and out ---------------------------------------------------------------- */

static const itsm_field_t *kind_field(const itsm_kind_t *k, const char *name)
{
    const itsm_field_t *f;

    for (f = k->fields; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* The fields every kind has that a document may carry as plain values, described as a
 * kind's own fields are: the core parses, checks, diffs and renders them with the same code.
 * Each lives in a member of itsm_ticket_t, or in t->fields (NO_MEMBER: description). */
#define NO_MEMBER ((size_t)-1)
typedef struct common_field_t {
    itsm_field_t f;
    size_t member;              /* offsetof(itsm_ticket_t, ...) or NO_MEMBER */
    int settable;               /* a request may set it (the others: the core or process) */
} common_field_t;

static const common_field_t common_fields[] = {
    { { "state", ITSM_FIELD_READONLY }, offsetof(itsm_ticket_t, state), 0 },
    { { "party", ITSM_FIELD_CREATE_ONLY, .type = ITSM_TYPE_PARTY },
      offsetof(itsm_ticket_t, party), 0 },
    { { "title", ITSM_FIELD_REQUIRED }, offsetof(itsm_ticket_t, title), 1 },
    { { "description", 0, .type = ITSM_TYPE_LONG_TEXT }, NO_MEMBER, 1 },
    { { "priority", 0 }, offsetof(itsm_ticket_t, priority), 1 },
    { { "assignee", 0, .type = ITSM_TYPE_PERSON }, offsetof(itsm_ticket_t, assignee), 1 },
    { { "group", 0, .type = ITSM_TYPE_GROUP }, offsetof(itsm_ticket_t, group), 1 },
};
#define N_COMMON (sizeof common_fields / sizeof *common_fields)

static const char *common_get(const itsm_ticket_t *t, const common_field_t *cf)
{
    return cf->member == NO_MEMBER ? apr_table_get(t->fields, cf->f.name)
                                   : *(const char *const *)((const char *)t + cf->member);
}

static void common_set(itsm_ticket_t *t, const common_field_t *cf, const char *v)
{
    if (cf->member == NO_MEMBER)
        apr_table_setn(t->fields, cf->f.name, v);
    else
        *(const char **)((char *)t + cf->member) = v;
}

static const common_field_t *common_field(const char *name)
{
    size_t i;

    for (i = 0; i < N_COMMON; i++)
        if (strcmp(common_fields[i].f.name, name) == 0)
            return &common_fields[i];
    return NULL;
}

/* The value of field f of t, common or the kind's own. */
static const char *field_value(const itsm_ticket_t *t, const itsm_field_t *f)
{
    const common_field_t *cf = common_field(f->name);

    return cf && &cf->f == f ? common_get(t, cf) : apr_table_get(t->fields, f->name);
}

/* Calls fn on each field of kind k, the common ones first; stops at a non-zero answer. */
static int each_field(const itsm_kind_t *k, int (*fn)(const itsm_field_t *f, void *baton),
                      void *baton)
{
    const itsm_field_t *f;
    size_t i;
    int rc;

    for (i = 0; i < N_COMMON; i++)
        if ((rc = fn(&common_fields[i].f, baton)) != 0)
            return rc;
    for (f = k->fields; f && f->name; f++)
        if ((rc = fn(f, baton)) != 0)
            return rc;
    return 0;
}

/* text as a value of f, in canonical form, into t; refuses a malformed one (422). */
static int set_checked(itsm_call_t *c, itsm_ticket_t *t, const itsm_field_t *f,
                       const char *text)
{
    const char *value, *why;
    const common_field_t *cf = common_field(f->name);

    if (itsm_field_check(f, text, c->pool, &value, &why) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s> %s",
                              f->name, why);
    if (cf && &cf->f == f)
        common_set(t, cf, value);
    else
        apr_table_setn(t->fields, f->name, value);
    return 0;
}

/* Stops each_field at the first required field the ticket (baton) lacks, kept in found. */
typedef struct missing_baton_t {
    const itsm_ticket_t *t;
    const itsm_field_t *found;
} missing_baton_t;

static int is_missing(const itsm_field_t *f, void *baton)
{
    missing_baton_t *b = baton;

    if ((f->flags & ITSM_FIELD_REQUIRED) && field_value(b->t, f) == NULL)
        b->found = f;
    return b->found != NULL;
}

/* The first required field t lacks, NULL when none. */
static const itsm_field_t *missing_field(const itsm_kind_t *k, const itsm_ticket_t *t)
{
    missing_baton_t b = { t, NULL };

    each_field(k, is_missing, &b);
    return b.found;
}

/* What the document asks besides plain fields. */
typedef struct doc_extras_t {
    const char *note;
    const char *party;
    const char *opened;
    const char *state;          /* only with an import */
} doc_extras_t;

static int is_one_of(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* Copy the document's fields into t; refuses read-only fields and repeats. */
static int apply_document(itsm_call_t *c, const itsm_kind_t *k, xmlNodePtr root,
                          itsm_ticket_t *t, int creating, doc_extras_t *x)
{
    static const char *const readonly[] = {
        "number", "kind", "updated", "version", "createdBy", "publishedVersion", NULL
    };
    apr_hash_t *seen = apr_hash_make(c->pool);
    xmlNodePtr n;

    for (n = root->children; n; n = n->next) {
        const char *name = (const char *)n->name, *text;
        const common_field_t *cf;
        const itsm_field_t *f;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (apr_hash_get(seen, name, APR_HASH_KEY_STRING))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> appears more than once", name);
        apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
        text = itsm_xml_text(c->pool, n);
        if (is_one_of(name, readonly))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is read-only", name);
        if ((cf = common_field(name)) != NULL && cf->settable) {
            if (set_checked(c, t, &cf->f, text))
                return c->status;
        }
        else if (strcmp(name, "note") == 0)
            x->note = text;
        else if (strcmp(name, "state") == 0) {
            if (!creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<state> is read-only: actions change it");
            x->state = text;
        }
        else if (strcmp(name, "party") == 0 || strcmp(name, "opened") == 0) {
            if (!creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is set only when the ticket is created", name);
            if (name[0] == 'p')
                x->party = text;
            else
                x->opened = text;
        }
        else if ((f = kind_field(k, name)) != NULL) {
            if (f->flags & ITSM_FIELD_READONLY)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is read-only", name);
            if ((f->flags & ITSM_FIELD_CREATE_ONLY) && !creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is set only when the ticket is created", name);
            if (set_checked(c, t, f, text))
                return c->status;
        }
        else {
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is not a field of %s", name, k->kind);
        }
    }
    return 0;
}

/* The <target> children of <sla>: each clock of the kind that has a target at the ticket's
 * class value, evaluated now; a clock not started yet has no due time. Returns how many were
 * written. */
static int render_sla_targets(itsm_call_t *c, xmlTextWriterPtr w, const itsm_sla_config_t *cfg,
                              const itsm_kind_t *k, const itsm_ticket_t *t)
{
    itsm_ticket_clock_t *clocks;
    int n = itsm_ticket_clocks(&clocks, cfg, k, t, c->now, c->pool), i;

    for (i = 0; i < n; i++) {
        const itsm_ticket_clock_t *tc = &clocks[i];

        xmlTextWriterStartElement(w, BAD_CAST "target");
        xmlTextWriterWriteAttribute(w, BAD_CAST "kind", BAD_CAST tc->name);
        if (tc->started)
            xmlTextWriterWriteAttribute(w, BAD_CAST "due",
                                        BAD_CAST itsm_time_format(c->pool, tc->eval.due));
        xmlTextWriterWriteAttribute(w, BAD_CAST "status", BAD_CAST tc->eval.status_name);
        xmlTextWriterWriteAttribute(w, BAD_CAST "target",
                                    BAD_CAST itsm_duration_format(c->pool, tc->target));
        xmlTextWriterWriteAttribute(w, BAD_CAST "remaining",
                                    BAD_CAST itsm_duration_format(c->pool, tc->eval.remaining));
        xmlTextWriterWriteAttribute(w, BAD_CAST "calendar",
                                    BAD_CAST itsm_calendar_name(tc->calendar));
        if (tc->started && tc->on_event)
            xmlTextWriterWriteAttribute(w, BAD_CAST "started",
                                        BAD_CAST itsm_time_format(c->pool, tc->started));
        if (tc->stopped)
            xmlTextWriterWriteAttribute(w, BAD_CAST "stopped",
                                        BAD_CAST itsm_time_format(c->pool, tc->stopped));
        else if (tc->paused)
            xmlTextWriterWriteAttribute(w, BAD_CAST "paused", BAD_CAST "true");
        xmlTextWriterEndElement(w);
    }
    return n;
}

static void render_ticket(itsm_call_t *c, xmlTextWriterPtr w, const itsm_kind_t *k,
                          const itsm_ticket_t *t, int nested)
{
    const itsm_field_t *f;
    size_t i;

    if (nested)
        xmlTextWriterStartElement(w, BAD_CAST k->element);
    itsm_xml_element(w, "number", t->number);
    itsm_xml_element(w, "kind", t->kind);
    for (i = 0; i < N_COMMON; i++)
        itsm_xml_element(w, common_fields[i].f.name, common_get(t, &common_fields[i]));
    itsm_xml_element(w, "opened", itsm_time_format(c->pool, t->opened));
    itsm_xml_element(w, "updated", itsm_time_format(c->pool, t->updated));
    itsm_xml_element(w, "version", apr_itoa(c->pool, t->version));
    itsm_xml_element(w, "createdBy", t->created_by);
    itsm_xml_element(w, "publishedVersion", apr_table_get(t->fields, ITSM_VERSION_PUBLISHED));
    for (f = k->fields; f && f->name; f++)
        itsm_xml_element(w, f->name, apr_table_get(t->fields, f->name));
    if (k->clocks) {
        xmlTextWriterStartElement(w, BAD_CAST "sla");
        render_sla_targets(c, w, c->sla, k, t);
        xmlTextWriterEndElement(w);
    }
    if (k->render)
        k->render(c, w, t);
    if (nested)
        xmlTextWriterEndElement(w);
}

static void set_etag(request_rec *r, const itsm_ticket_t *t)
{
    apr_table_setn(r->headers_out, "ETag", apr_psprintf(r->pool, "\"%d\"", t->version));
}

static int send_ticket(req_t *q, itsm_call_t *c, int status, const itsm_ticket_t *t)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, q->route->kind->element);

    render_ticket(c, o->w, q->route->kind, t, 0);
    set_etag(q->r, t);
    return send_doc(q->r, status, o);
}

/* A call to the process serving route (the request's own unless another kind's rules run). */
static void init_call_for(req_t *q, itsm_call_t *c, const itsm_route_t *route)
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

static void init_call(req_t *q, itsm_call_t *c)
{
    init_call_for(q, c, q->route);
}

/* Journal changes between two versions of a ticket (old NULL: a creation). */
static apr_array_header_t *diff(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *old,
                                const itsm_ticket_t *t)
{
    apr_array_header_t *ch = apr_array_make(p, 8, sizeof(itsm_change_t));
    const itsm_field_t *f;
    size_t i;

    for (i = 0; i < N_COMMON; i++)
        itsm_codec_change_add(ch, common_fields[i].f.name,
                              old ? common_get(old, &common_fields[i]) : NULL,
                              common_get(t, &common_fields[i]));
    for (f = k->fields; f && f->name; f++)
        itsm_codec_change_add(ch, f->name, old ? apr_table_get(old->fields, f->name) : NULL,
                              apr_table_get(t->fields, f->name));
    return ch;
}

/* Who hears of a change: the raiser (unless the raiser made it) and, for kinds whose party
 * follows them, every person of the ticket's party; the feed leaves out one's own changes. */
static void address(req_t *q, const itsm_kind_t *k, itsm_journal_t *j, const itsm_ticket_t *t)
{
    apr_pool_t *p = q->r->pool;
    const char *s = "";
    int i;

    itsm_followers(p, k, t, q->who->uid, NULL, j);
    for (i = 0; i < j->changes->nelts && strlen(s) < 300; i++) {
        const itsm_change_t *ch = &APR_ARRAY_IDX(j->changes, i, itsm_change_t);

        if (strncmp(ch->field, "link:", 5) == 0)     /* the target may be another party's */
            s = apr_psprintf(p, "%s%s%s", s, *s ? "; " : "", ch->field);
        else
            s = apr_psprintf(p, "%s%s%s: %s -> %s", s, *s ? "; " : "", ch->field,
                             ch->old ? ch->old : "(none)", ch->new ? ch->new : "(none)");
    }
    if (j->note)
        s = apr_psprintf(p, "%s%s%.200s", s, *s ? "; " : "", j->note);
    j->summary = s;
}

static int allowed(req_t *q, const char *action)
{
    return itsm_authz_allows(q->core->authz, q->who->roles, q->route->kind->kind, action);
}

static int forbidden(req_t *q, const char *action)
{
    return fail(q, HTTP_FORBIDDEN, "forbidden",
                apr_psprintf(q->r->pool, "Your roles do not allow '%s' on %s tickets.", action,
                             q->route->kind->kind));
}

/* On an existing ticket, before it is loaded: may the caller's roles allow action, or a
 * relation to the ticket (raiser, assignee, ...)? load_ticket then decides on the ticket. */
static int allowed_some(req_t *q, const char *action)
{
    return allowed(q, action)
           || itsm_authz_relations_for(q->core->authz, q->route->kind->kind, action) != 0;
}

static int party_visible(req_t *q, const char *party)
{
    const apr_array_header_t *af = q->who->acts_for;
    int i;

    if (q->sees_all || (q->who->party && strcmp(q->who->party, party) == 0))
        return 1;
    for (i = 0; af && i < af->nelts; i++)
        if (strcmp(APR_ARRAY_IDX(af, i, const char *), party) == 0)
            return 1;
    return 0;
}

typedef apr_status_t (*exists_fn)(itsm_ldap_t *ld, const char *value, const char **errmsg,
                                  apr_pool_t *p);

/* value must name an entry of the directory (a party, a resolver group, a person); a
 * refusal is put on c (its status returned). */
static int exists_in_directory(req_t *q, itsm_call_t *c, exists_fn exists, const char *field,
                               const char *what, const char *value)
{
    const char *errmsg = NULL;
    apr_status_t rv = exists(q->core->directory, value, &errmsg, q->r->pool);

    if (rv == APR_NOTFOUND)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<%s>: there is no %s %s in the directory.", field, what, value);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00107)
                      "directory unavailable checking %s %s: %s", what, value,
                      errmsg ? errmsg : "no answer");
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                              "The identity directory is not available; try again later.");
    }
    return 0;
}

/* A party named on create: one the caller acts for, or any existing party for a role that
 * sees all parties. */
static int check_party(req_t *q, const char *party)
{
    itsm_call_t c;

    if (!party_visible(q, party))
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "You cannot raise tickets for party %s.", party));
    if (q->who->party && strcmp(q->who->party, party) == 0)
        return OK;
    init_call(q, &c);
    return exists_in_directory(q, &c, itsm_ldap_party_exists, "party", "party", party)
           ? fail_call(q, &c) : OK;
}

/* What a field of t names outside the ticket (a ticket in the store; a party, person or
 * resolver group in the directory) must exist and, for a ticket, be one the caller may see,
 * as for a link target. Checked when the value is new; a ticket's own party is checked on
 * create by check_party. */
typedef struct refs_baton_t {
    req_t *q;
    itsm_call_t *c;
    const itsm_ticket_t *old, *t;
} refs_baton_t;

static int check_reference(const itsm_field_t *f, void *baton)
{
    refs_baton_t *b = baton;
    req_t *q = b->q;
    const char *v = field_value(b->t, f), *was = b->old ? field_value(b->old, f) : NULL;
    itsm_ticket_t *to;
    apr_status_t rv;

    if (v == NULL || (was && strcmp(was, v) == 0) || f == &common_field("party")->f)
        return 0;
    switch (itsm_field_type(f)) {
    case ITSM_TYPE_TICKET:
        rv = b->c->svc->ticket_get(b->c, &to, f->refers_to, v);
        if (rv == APR_NOTFOUND)
            return itsm_call_fail(b->c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s>: %s is not a ticket%s%s that you can see.", f->name, v,
                                  f->refers_to ? " of kind " : "",
                                  f->refers_to ? f->refers_to : "");
        if (rv != APR_SUCCESS)      /* logged by the service */
            return itsm_call_fail(b->c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                                  "The ticket store is not available; try again later.");
        return 0;
    case ITSM_TYPE_PARTY:
        return exists_in_directory(q, b->c, itsm_ldap_party_exists, f->name, "party", v);
    case ITSM_TYPE_PERSON:
        return exists_in_directory(q, b->c, itsm_ldap_person_exists, f->name, "person", v);
    case ITSM_TYPE_GROUP:
        return exists_in_directory(q, b->c, itsm_ldap_group_exists, f->name, "resolver group",
                                   v);
    default:
        return 0;
    }
}

/* The references of t (a ticket of kind k) checked; a refusal is put on c. */
static int references_ok(req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                         const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    refs_baton_t b = { q, c, old, t };
    apr_array_header_t *keys;
    const char *why;

    if (each_field(k, check_reference, &b) != 0)
        return 0;
    if (k->visibility == ITSM_VISIBLE_AUDIENCE && k->audience_field
        && itsm_store_audience_parse(c->pool, apr_table_get(t->fields, k->audience_field),
                                     &keys, &why) != APR_SUCCESS) {
        itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s>: %s",
                       k->audience_field, why);
        return 0;
    }
    return 1;
}

static int check_references(req_t *q, const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    itsm_call_t c;

    init_call(q, &c);
    return references_ok(q, &c, q->route->kind, old, t) ? OK : fail_call(q, &c);
}

/* ---- collection: list and create ------------------------------------------------------- */

/* The query as a table, form-encoded: '+' is a space (ap_args_to_table decodes only %XX). */
static void form_args(request_rec *r, apr_table_t **args)
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

static int query_int(const char *v, int min, int max, int *out)
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

/* The SLA status named name (itsm_sla_status_name)? */
static int sla_status_named(const char *name)
{
    itsm_sla_status_e s;

    for (s = ITSM_SLA_IN_SLA; s <= ITSM_SLA_MISSED; s++)
        if (strcmp(itsm_sla_status_name(s), name) == 0)
            return 1;
    return 0;
}

/* An RFC 3339 time parameter as bounds in whole seconds: *from the first second at or after
 * it, *to the last second before it. 0 when malformed. */
static int query_time(const char *v, apr_time_t *from, apr_time_t *to)
{
    apr_time_t t;
    apr_int64_t up;

    if (v == NULL)
        return 1;
    if (itsm_time_parse(&t, v) != APR_SUCCESS || t < apr_time_from_sec(2))
        return 0;
    up = apr_time_sec(t + APR_USEC_PER_SEC - 1);
    if (from)
        *from = apr_time_from_sec(up);
    if (to)
        *to = apr_time_from_sec(up - 1);
    return 1;
}

/* "2026-11": its first and last second (UTC). 0 when malformed. */
static int query_month(apr_pool_t *p, const char *v, apr_time_t *from, apr_time_t *to)
{
    apr_time_t next;
    int y = 0, m = 0;

    if (v == NULL)
        return 1;
    if (strlen(v) != 7 || v[4] != '-' || !query_int(apr_pstrndup(p, v, 4), 1970, 9998, &y)
        || !query_int(v + 5, 1, 12, &m)
        || itsm_time_parse(from, apr_psprintf(p, "%04d-%02d-01T00:00:00Z", y, m)) != APR_SUCCESS
        || itsm_time_parse(&next, apr_psprintf(p, "%04d-%02d-01T00:00:00Z", m == 12 ? y + 1 : y,
                                              m == 12 ? 1 : m + 1)) != APR_SUCCESS)
        return 0;
    *to = next - apr_time_from_sec(1);
    return 1;
}

/* Parameters that are not filters: of lists, of counts. */
static const char *const list_params[] = { "limit", "offset", "sort", NULL };
static const char *const count_params[] = { "by", "month", NULL };

static const struct {
    const char *name;
    itsm_sort_e sort;
} sorts[] = {
    { "number", ITSM_SORT_NUMBER }, { "opened", ITSM_SORT_OPENED },
    { "updated", ITSM_SORT_UPDATED },
};

/* The query of a list (others: list_params) or a count (count_params) into f: common
 * filters, indexed fields of the kind, times. Anything else is refused: a filter that were
 * silently ignored would answer more than was asked. Returns OK or the error sent. */
static int parse_filter(req_t *q, apr_table_t *args, const char *const *others, itsm_filter_t *f)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    const apr_array_header_t *a = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    static const char *const common[] = {
        "state", "priority", "party", "assignee", "group", "open", "min_age_days", "sla",
        "opened_after", "opened_before", "updated_after", "updated_before", NULL
    };
    const char *v;
    int i, age = 0;

    for (i = 0; i < a->nelts; i++) {
        const itsm_field_t *fd;

        if (is_one_of(e[i].key, common) || is_one_of(e[i].key, others))
            continue;
        if ((fd = kind_field(k, e[i].key)) == NULL)
            return fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "Unknown query parameter '%s'.", e[i].key));
        if (!(fd->flags & ITSM_FIELD_INDEXED))
            return fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "The field '%s' is not indexed: lists cannot "
                                     "filter on it.", e[i].key));
        if (f->nfields == ITSM_FILTER_FIELDS || apr_table_get(args, e[i].key) != e[i].val)
            return fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "Filter on each field once, on at most %d.",
                                     ITSM_FILTER_FIELDS));
        f->field[f->nfields] = fd->name;
        f->value[f->nfields++] = e[i].val;
    }
    f->state = apr_table_get(args, "state");
    f->priority = apr_table_get(args, "priority");
    f->party = apr_table_get(args, "party");
    f->assignee = apr_table_get(args, "assignee");
    f->group = apr_table_get(args, "group");
    if ((v = apr_table_get(args, "open")) != NULL) {
        if (strcmp(v, "true") != 0 || !k->final_states)
            return fail(q, HTTP_BAD_REQUEST, "bad-query", "open takes true (kinds with final states).");
        f->open = 1;
    }
    if (!query_int(apr_table_get(args, "min_age_days"), 0, 100000, &age))
        return fail(q, HTTP_BAD_REQUEST, "bad-query", "min_age_days takes a whole number of days.");
    if (age > 0)
        f->opened_to = r->request_time - apr_time_from_sec((apr_int64_t)age * 86400);
    if (!query_time(apr_table_get(args, "opened_after"), &f->opened_from, NULL)
        || !query_time(apr_table_get(args, "opened_before"), NULL,
                       apr_table_get(args, "min_age_days") ? NULL : &f->opened_to)
        || !query_time(apr_table_get(args, "updated_after"), &f->updated_from, NULL)
        || !query_time(apr_table_get(args, "updated_before"), NULL, &f->updated_to))
        return fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "opened_after, opened_before, updated_after and updated_before take an "
                    "RFC 3339 time (2026-11-23T09:00:00Z); opened_before does not go with "
                    "min_age_days.");
    if (apr_table_get(args, "opened_before") && apr_table_get(args, "min_age_days"))
        return fail(q, HTTP_BAD_REQUEST, "bad-query", "opened_before does not go with min_age_days.");
    if ((v = apr_table_get(args, "sla")) != NULL) {
        if (!k->clocks || !sla_status_named(v))
            return fail(q, HTTP_BAD_REQUEST, "bad-query",
                        "sla takes in-sla, warning, breached, met or missed (kinds with SLA clocks).");
        f->sla = v;
    }
    f->now = r->request_time;
    return OK;
}

/* The Forum deck's aged view: open tickets in scope by age bucket, with why each is ageing.
 * The buckets start at 0 and at each day of ITSMAgedBuckets (the deck's 14 30 60 90 120 by
 * default): "under 14", "14-29", ..., "120+". The counts are exact (one indexed pass over the
 * open tickets in scope, bucketed by opening time in SQL); each bucket lists its AGED_ITEMS
 * oldest tickets. */
#define AGED_ITEMS 100
static int do_aged(req_t *q)
{
    static const int deck[] = { 14, 30, 60, 90, 120 };
    const apr_array_header_t *set = q->conf->aged_bounds;
    const int *bounds = set ? (const int *)set->elts : deck;
    int nb = set ? set->nelts : (int)(sizeof deck / sizeof deck[0]), b, complete = 1;
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    apr_int64_t now = apr_time_sec(r->request_time);
    apr_array_header_t **rows;
    apr_int64_t *count;
    apr_time_t *edges;
    itsm_filter_t open = {0};
    itsm_xml_out_t *o;
    int rc, more, i;

    if (!k->final_states)
        return not_found(q);
    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if (reads_published(q, k))  /* counts of working copies: its editors' */
        return forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = open_store(q)) != OK)
        return rc;
    rows = apr_pcalloc(r->pool, sizeof(*rows) * (nb + 1));
    count = apr_pcalloc(r->pool, sizeof(*count) * (nb + 1));
    edges = apr_pcalloc(r->pool, sizeof(*edges) * (nb + 1));
    /* age in whole days from lo to hi: opened in (now - (hi + 1) days, now - lo days] */
    for (b = 0; b < nb; b++)
        edges[b] = apr_time_from_sec(now - (apr_int64_t)bounds[b] * 86400 + 1);
    open.open = 1;
    if (itsm_store_count_opened(q->store, count, k->kind, q->scope, &open, edges, nb, r->pool)
        != APR_SUCCESS)
        return STORE_FAULT(q, 00140, "aged");
    for (b = 0; b <= nb; b++) {
        itsm_filter_t f = {0};

        f.open = 1;
        f.sort = ITSM_SORT_OPENED;
        f.limit = AGED_ITEMS;
        f.opened_to = apr_time_from_sec(now - (apr_int64_t)(b ? bounds[b - 1] : 0) * 86400);
        f.opened_from = b < nb ? edges[b] : 0;
        if (count[b] > 0
            && itsm_store_list(q->store, &rows[b], &more, k->kind, q->scope, &f, r->pool)
               != APR_SUCCESS)
            return STORE_FAULT(q, 00160, "aged bucket");
        if (count[b] == 0)
            rows[b] = apr_array_make(r->pool, 1, sizeof(itsm_ticket_t *));
        complete = complete && count[b] <= AGED_ITEMS;
    }
    o = itsm_xml_out_start(r->pool, "aged");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "collection", BAD_CAST k->collection);
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "at", BAD_CAST itsm_time_format(r->pool, r->request_time));
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "complete", BAD_CAST (complete ? "true" : "false"));
    for (b = 0; b <= nb; b++) {
        xmlTextWriterStartElement(o->w, BAD_CAST "bucket");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "days", BAD_CAST
            (b == 0 ? apr_psprintf(r->pool, "under %d", bounds[0])
             : b == nb ? apr_psprintf(r->pool, "%d+", bounds[b - 1])
             : apr_psprintf(r->pool, "%d-%d", bounds[b - 1], bounds[b] - 1)));
        xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "count", "%" APR_INT64_T_FMT, count[b]);
        for (i = 0; i < rows[b]->nelts; i++) {
            const itsm_ticket_t *t = APR_ARRAY_IDX(rows[b], i, itsm_ticket_t *);

            xmlTextWriterStartElement(o->w, BAD_CAST "item");
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "number", BAD_CAST t->number);
            xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "age", "%d",
                (int)((r->request_time - t->opened) / apr_time_from_sec(86400)));
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "state", BAD_CAST t->state);
            if (t->priority)
                xmlTextWriterWriteAttribute(o->w, BAD_CAST "priority", BAD_CAST t->priority);
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "reason",
                                        BAD_CAST (k->ageing_reason ? k->ageing_reason(t) : t->state));
            xmlTextWriterEndElement(o->w);
        }
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

/* Counts of the tickets in scope matching the filters, by a common column, the month of
 * opening or an indexed field: GET /{collection}/stats?by=priority&month=2026-11. */
static int do_stats(req_t *q)
{
    static const char *const keys[] = {
        "state", "priority", "party", "group", "assignee", "month", NULL
    };
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    apr_table_t *args = NULL;
    itsm_filter_t f = {0};
    apr_array_header_t *groups;
    itsm_xml_out_t *o;
    const char *by;
    int rc, i;

    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if (reads_published(q, k))
        return forbidden(q, ITSM_ACTION_UPDATE);
    form_args(r, &args);
    if ((rc = parse_filter(q, args, count_params, &f)) != OK)
        return rc;
    by = apr_table_get(args, "by");
    if (by && !is_one_of(by, keys)
        && (kind_field(k, by) == NULL || !(kind_field(k, by)->flags & ITSM_FIELD_INDEXED)))
        return fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "by takes state, priority, party, group, assignee, month or an indexed "
                    "field of the kind.");
    if (apr_table_get(args, "month")
        && (f.opened_from || f.opened_to
            || !query_month(r->pool, apr_table_get(args, "month"), &f.opened_from, &f.opened_to)))
        return fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "month takes YYYY-MM and goes without opened_after, opened_before and "
                    "min_age_days.");
    if ((rc = open_store(q)) != OK)
        return rc;
    if (itsm_store_count(q->store, &groups, k->kind, q->scope, &f, by, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00161, "stats");
    o = itsm_xml_out_start(r->pool, "stats");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "collection", BAD_CAST k->collection);
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "at", BAD_CAST itsm_time_format(r->pool, r->request_time));
    if (by)
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "by", BAD_CAST by);
    for (i = 0; i < groups->nelts; i++) {
        const itsm_count_t *g = &APR_ARRAY_IDX(groups, i, itsm_count_t);

        xmlTextWriterStartElement(o->w, BAD_CAST "group");
        if (g->key)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "key", BAD_CAST g->key);
        xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "count", "%" APR_INT64_T_FMT, g->count);
        xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "open", "%" APR_INT64_T_FMT, g->open);
        if (g->open > 0)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "meanOpenAge", BAD_CAST
                itsm_duration_format(r->pool, apr_time_from_sec(apr_time_sec(r->request_time)
                                                                - apr_time_sec(g->mean_opened))));
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

/* Readers of a versioned kind list its published versions by state and in number or
 * opening order only: the other filters and the update order are of the working copy. */
static int published_query(req_t *q, apr_table_t *args)
{
    static const char *const taken[] = { "limit", "offset", "sort", "state", NULL };
    const apr_array_header_t *a = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    const char *sort = apr_table_get(args, "sort");
    int i;

    for (i = 0; i < a->nelts; i++)
        if (!is_one_of(e[i].key, taken))
            break;
    if (i < a->nelts || (sort && strstr(sort, "updated")))
        return fail(q, HTTP_BAD_REQUEST, "bad-query",
                    apr_psprintf(q->r->pool, "Published %s tickets are listed by state, limit, "
                                 "offset and sort (number or opened) only.",
                                 q->route->kind->kind));
    return OK;
}

static int do_list(req_t *q)
{
    request_rec *r = q->r;
    apr_table_t *args = NULL;
    itsm_filter_t f = {0};
    apr_array_header_t *rows;
    itsm_xml_out_t *o;
    itsm_call_t c;
    const char *sort;
    int more, i, rc;

    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    form_args(r, &args);
    f.limit = q->dir->page_size != ITSM_UNSET ? q->dir->page_size : DEFAULT_PAGE;
    if (!query_int(apr_table_get(args, "limit"), 1, MAX_PAGE, &f.limit)
        || !query_int(apr_table_get(args, "offset"), 0, 1 << 30, &f.offset))
        return fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "limit takes 1 to 500 and offset a whole number from 0.");
    if ((sort = apr_table_get(args, "sort")) != NULL) {
        f.descending = *sort == '-';
        for (i = 0; i < (int)(sizeof sorts / sizeof sorts[0]); i++)
            if (strcmp(sort + f.descending, sorts[i].name) == 0)
                break;
        if (i == (int)(sizeof sorts / sizeof sorts[0]))
            return fail(q, HTTP_BAD_REQUEST, "bad-query",
                        "sort takes number, opened or updated, each with a leading - for "
                        "the newest first.");
        f.sort = sorts[i].sort;
    }
    if ((rc = parse_filter(q, args, list_params, &f)) != OK)
        return rc;
    if (reads_published(q, q->route->kind) && (rc = published_query(q, args)) != OK)
        return rc;
    init_call(q, &c);
    if (itsm_store_list(q->store, &rows, &more, q->route->kind->kind, q->scope, &f,
                        r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00130, "list");
    o = itsm_xml_out_start(r->pool, "list");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "collection", BAD_CAST q->route->kind->collection);
    xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "offset", "%d", f.offset);
    xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "limit", "%d", f.limit);
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "more", BAD_CAST (more ? "true" : "false"));
    for (i = 0; i < rows->nelts; i++)
        render_ticket(&c, o->w, q->route->kind, APR_ARRAY_IDX(rows, i, itsm_ticket_t *), 1);
    return send_doc(r, HTTP_OK, o);
}

/* Tell the modules attached to the ticket_event hook about a committed change. */
static void announce(req_t *q, const char *event, const itsm_ticket_t *t,
                     const itsm_journal_t *j)
{
    const itsm_kind_t *k = strcmp(t->kind, q->route->kind->kind) == 0
                           ? q->route->kind : itsm_core_kind(q->core, t->kind);
    itsm_event_t e = { event, k, t, j, q->r, q->r->server, q->r->pool };

    itsm_event_run(&e);
}

static itsm_ticket_t *copy_ticket(apr_pool_t *p, const itsm_ticket_t *t)
{
    itsm_ticket_t *n = apr_pmemdup(p, t, sizeof *t);

    n->fields = apr_table_copy(p, t->fields);
    return n;
}

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
static apr_status_t writes_commit(req_t *q, writes_t *w, int *failed)
{
    apr_status_t rv = itsm_store_apply(q->store, (itsm_write_t *)w->ops->elts, w->ops->nelts,
                                       q->r->pool);
    int i;

    *failed = ((itsm_write_t *)w->ops->elts)[0].failed;
    for (i = 0; rv == APR_SUCCESS && i < w->events->nelts; i++) {
        const pending_t *e = &APR_ARRAY_IDX(w->events, i, pending_t);

        announce(q, e->event, e->t, e->j);
    }
    return rv;
}

static int is_final(const itsm_kind_t *k, const char *state)
{
    return state && k->final_states && is_one_of(state, k->final_states);
}

static const itsm_route_t *route_of(req_t *q, const itsm_kind_t *k)
{
    return apr_hash_get(q->core->routes, k->collection, APR_HASH_KEY_STRING);
}

/* The parent a child ticket of kind k names (NULL when k has no parent field); read
 * whatever the caller's scope, as the core's own bookkeeping. */
static int load_parent(req_t *q, const itsm_kind_t *k, const itsm_ticket_t *child,
                       itsm_ticket_t **parent)
{
    const char *number = k->parent_field ? apr_table_get(child->fields, k->parent_field) : NULL;
    apr_status_t rv;

    *parent = NULL;
    if (number == NULL)
        return OK;
    rv = itsm_store_get(q->store, parent, NULL, number, "*", q->r->pool);
    if (rv == APR_NOTFOUND)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "<%s>: no ticket %s.", k->parent_field, number));
    return rv == APR_SUCCESS ? OK : STORE_FAULT(q, 00142, "parent");
}

/* The parent's kind hears that child was created (old_state NULL) or changed state; what
 * its callback changes in the parent is written with the child, journaled on the parent. */
static int roll_up(req_t *q, writes_t *w, const itsm_ticket_t *child, const char *old_state,
                   itsm_ticket_t *parent)
{
    const itsm_kind_t *pk = itsm_core_kind(q->core, parent->kind);
    apr_pool_t *p = q->r->pool;
    itsm_ticket_t *pn;
    itsm_journal_t *j;
    itsm_call_t c;

    if (pk == NULL || pk->child_changed == NULL)
        return OK;
    init_call_for(q, &c, route_of(q, pk));
    pn = copy_ticket(p, parent);
    if (pk->child_changed(&c, child, old_state, parent, pn))
        return fail_call(q, &c);
    j = apr_pcalloc(p, sizeof *j);
    j->changes = diff(p, pk, parent, pn);
    if (j->changes->nelts == 0)
        return OK;
    pn->version = parent->version + 1;
    pn->updated = c.now;
    j->at = c.now;
    j->actor = q->who->uid;
    j->action = "child";
    j->note = old_state ? apr_psprintf(p, "%s %s: %s -> %s", child->kind, child->number,
                                       old_state, child->state)
                        : apr_psprintf(p, "%s created: %s", child->kind, child->title);
    address(q, pk, j, pn);
    pn->sla_open = itsm_ticket_sla_open(c.sla, pk, pn);
    write_add(w, ITSM_WRITE_UPDATE, pn, j, ITSM_EVENT_CHANGED);
    return OK;
}

/* A ticket entering a final state leaves no open child of a kind that blocks its parent. */
static int check_children(req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                          const itsm_ticket_t *t)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *links;
    const char *shown = "";
    int i, open = 0;

    if (!is_final(k, t->state) || is_final(k, old->state))
        return OK;
    if (itsm_store_links(q->store, &links, t->id, "*", p) != APR_SUCCESS)
        return STORE_FAULT(q, 00143, "children");
    for (i = 0; i < links->nelts; i++) {
        const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);
        const itsm_kind_t *ck = itsm_core_kind(q->core, l->kind);
        itsm_ticket_t *child;

        if (l->outgoing || strcmp(l->type, ITSM_LINK_CHILD) != 0 || !ck || !ck->blocks_parent)
            continue;
        if (itsm_store_get(q->store, &child, l->kind, l->number, "*", p) != APR_SUCCESS)
            return STORE_FAULT(q, 00144, "child");
        if (is_final(ck, child->state))
            continue;
        open++;
        if (party_visible(q, child->party))
            shown = apr_pstrcat(p, shown, *shown ? ", " : " (", child->number, NULL);
    }
    if (open == 0)
        return OK;
    return fail(q, HTTP_CONFLICT, "children-open",
                apr_psprintf(p, "%s cannot be %s while %d child ticket%s %s open%s%s.", t->number,
                             t->state, open, open == 1 ? "" : "s", open == 1 ? "is" : "are",
                             shown, *shown ? ")" : ""));
}

/* The rule of a link type a kind declares; NULL for relates-to (every kind's) or none. */
static const itsm_link_rule_t *link_rule(const itsm_kind_t *k, const char *type)
{
    const itsm_link_rule_t *rule;

    for (rule = k->link_rules; rule && rule->type; rule++)
        if (strcmp(rule->type, type) == 0)
            return rule;
    return NULL;
}

int itsm_req_spawn(req_t *q, itsm_call_t *c, itsm_ticket_t *t, const char *link_type)
{
    apr_pool_t *p = q->r->pool;
    const itsm_kind_t *k = t->kind ? itsm_core_kind(q->core, t->kind) : NULL;
    const itsm_route_t *route = k ? route_of(q, k) : NULL;
    const itsm_field_t *f;
    itsm_call_t kc;
    spawn_t *sp;

    if (route == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "no-such-kind",
                              "No process serving kind '%s' is loaded.",
                              t->kind ? t->kind : "(none)");
    if (!itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_CREATE))
        return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                              "Your roles do not allow 'create' on %s tickets.", k->kind);
    if (link_type && strcmp(link_type, ITSM_LINK_RELATES) != 0
        && !link_rule(q->route->kind, link_type))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                              "%s tickets make no '%s' links.", q->route->kind->kind, link_type);
    if (t->fields == NULL)
        t->fields = apr_table_make(p, 8);
    if (t->party == NULL)
        t->party = q->who->party;
    t->opened = t->updated = c->now;
    t->created_by = q->who->uid;
    init_call_for(q, &kc, route);
    if (k->create && k->create(&kc, t)) {
        c->status = kc.status;
        c->code = kc.code;
        c->message = apr_psprintf(p, "the new %s: %s", k->kind, kc.message);
        return c->status;
    }
    if (t->state == NULL)
        t->state = k->initial_state;
    if ((f = missing_field(k, t)) != NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "the new %s lacks <%s>", k->kind, f->name);
    if (t->state == NULL || t->party == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "the new %s has no %s", k->kind, t->state ? "party" : "state");
    if (!references_ok(q, c, k, NULL, t))
        return c->status;
    sp = apr_array_push(q->spawned ? q->spawned
                        : (q->spawned = apr_array_make(p, 2, sizeof(spawn_t))));
    sp->t = t;
    sp->kind = k;
    sp->link_type = link_type;
    sp->j = apr_pcalloc(p, sizeof *sp->j);
    sp->j->at = c->now;
    sp->j->actor = q->who->uid;
    sp->j->action = ITSM_ACTION_CREATE;
    sp->j->changes = diff(p, k, NULL, t);
    address(q, k, sp->j, t);
    t->sla_open = itsm_ticket_sla_open(c->sla, k, t);
    return 0;
}

/* The tickets the process created during the change of t, created (and linked from t) in
 * its transaction. */
static void add_spawned(req_t *q, writes_t *w, itsm_ticket_t *t, const itsm_journal_t *j)
{
    int i;

    for (i = 0; q->spawned && i < q->spawned->nelts; i++) {
        spawn_t *sp = &APR_ARRAY_IDX(q->spawned, i, spawn_t);

        write_add(w, ITSM_WRITE_CREATE, sp->t, sp->j, ITSM_EVENT_CREATED)->prefix =
            sp->kind->prefix;
        if (sp->link_type) {
            itsm_write_t *link = write_add(w, ITSM_WRITE_LINK, t, j, NULL);

            link->to = sp->t;
            link->type = sp->link_type;
            link->plain = 1;
        }
    }
}

static int do_create(req_t *q)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *t = apr_pcalloc(r->pool, sizeof *t), *parent;
    writes_t w;
    int failed;
    doc_extras_t x = {0};
    itsm_journal_t j = {0};
    xmlNodePtr root;
    itsm_call_t c;
    const itsm_field_t *f;
    apr_status_t rv;
    int rc;

    if (!allowed(q, ITSM_ACTION_CREATE))
        return forbidden(q, ITSM_ACTION_CREATE);
    if ((rc = read_document(q, k->element, &root)) != OK)
        return rc;
    init_call(q, &c);
    t->kind = k->kind;
    t->fields = apr_table_make(r->pool, 8);
    t->opened = t->updated = c.now;
    t->created_by = q->who->uid;
    t->party = q->who->party;
    if (apply_document(&c, k, root, t, 1, &x))
        return fail_call(q, &c);
    if (x.party) {
        if ((rc = check_party(q, x.party)) != OK)
            return rc;
        t->party = x.party;
    }
    if (t->party == NULL)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    "You belong to no party: name the <party> the ticket is for.");
    if (x.opened) {
        if (!allowed(q, ITSM_ACTION_IMPORT))
            return forbidden(q, ITSM_ACTION_IMPORT);
        if (itsm_time_parse(&t->opened, x.opened) != APR_SUCCESS || t->opened > c.now)
            return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        "<opened> must be a past RFC 3339 time.");
        c.importing = 1;
    }
    if (x.state && !c.importing)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    "<state> is set by actions; only an import (with <opened>) brings its own.");
    t->state = x.state;
    if ((f = missing_field(k, t)) != NULL)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(r->pool, "<%s> is required.", f->name));
    if (k->create && k->create(&c, t))
        return fail_call(q, &c);
    if ((rc = check_references(q, NULL, t)) != OK)
        return rc;
    if (t->state == NULL && (t->state = k->initial_state) == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00204)
                      "kind %s gave a new ticket no state and declares no initial_state",
                      k->kind);
        return fail(q, HTTP_INTERNAL_SERVER_ERROR, "process-error",
                    "The process module did not set the ticket's state.");
    }
    if ((rc = open_store(q)) != OK)
        return rc;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = c.importing ? ITSM_ACTION_IMPORT : ITSM_ACTION_CREATE;
    j.changes = diff(r->pool, k, NULL, t);
    j.note = x.note;
    address(q, k, &j, t);
    itsm_ticket_clocks_start(r->pool, k, NULL, t, NULL, t->opened);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    writes_init(&w, r->pool);
    write_add(&w, ITSM_WRITE_CREATE, t, &j, ITSM_EVENT_CREATED)->prefix = k->prefix;
    add_spawned(q, &w, t, &j);
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
    if ((rv = writes_commit(q, &w, &failed)) != APR_SUCCESS) {
        if (rv == APR_ENOSPC) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00106)
                          "%s numbers are exhausted (7 digits)", k->prefix);
            return fail(q, HTTP_CONFLICT, "conflict", "No ticket numbers left for this kind.");
        }
        if (rv == APR_EAGAIN)   /* the parent changed since it was read */
            return fail(q, HTTP_CONFLICT, "conflict",
                        "The parent ticket changed meanwhile; send the request again.");
        return STORE_FAULT(q, 00131, "create");
    }
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/", k->collection,
                                                         "/", t->number, NULL), r));
    return send_ticket(q, &c, HTTP_CREATED, t);
}

/* ---- one ticket ------------------------------------------------------------------------ */

/* The ticket, within the caller's party scope (404 outside it, whatever the caller's relation
 * to it), and 403 unless the caller's roles or relation to it allow action. */
static int load_ticket(req_t *q, const char *number, const char *action, itsm_ticket_t **t)
{
    const itsm_kind_t *k = q->route->kind;
    apr_status_t rv;
    int rc;

    if ((rc = open_store(q)) != OK)
        return rc;
    rv = itsm_store_get(q->store, t, k->kind, number, q->scope, q->r->pool);
    if (rv == APR_NOTFOUND)
        return not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00132, "get");
    if (!allowed(q, action)
        && !itsm_authz_allows_on(q->core->authz, NULL, itsm_authz_relations(q->who, *t, k),
                                 k->kind, action))
        return fail(q, HTTP_FORBIDDEN, "forbidden",
                    apr_psprintf(q->r->pool, "Neither your roles nor your relation to %s allow "
                                 "'%s'.", (*t)->number, action));
    return OK;
}

/* 428 without If-Match, 412 when it names another version. */
static int check_if_match(req_t *q, const itsm_ticket_t *t)
{
    const char *im = apr_table_get(q->r->headers_in, "If-Match");
    char *list, *tag, *state;
    const char *want;

    if (im == NULL)
        return fail(q, HTTP_PRECONDITION_REQUIRED, "precondition-required",
                    "Changes need If-Match with the ticket's current ETag.");
    want = apr_psprintf(q->r->pool, "\"%d\"", t->version);
    list = apr_pstrdup(q->r->pool, im);
    for (tag = apr_strtok(list, ", \t", &state); tag; tag = apr_strtok(NULL, ", \t", &state))
        if (strcmp(tag, "*") == 0 || strcmp(tag, want) == 0)
            return OK;
    return fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
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

/* PATCH and actions: one path, the action NULL for a plain update. */
static int do_change(req_t *q, const char *number, const char *action)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *old, *t, *parent;
    writes_t w;
    int failed;
    doc_extras_t x = {0};
    itsm_journal_t j = {0};
    xmlNodePtr root = NULL;
    itsm_call_t c;
    apr_status_t rv;
    int rc, publication;

    if (action && !(k->actions && is_one_of(action, k->actions) && k->action))
        return not_found(q);
    if (!allowed_some(q, action ? action : ITSM_ACTION_UPDATE))
        return forbidden(q, action ? action : ITSM_ACTION_UPDATE);
    /* a versioned kind's working copy is its editors' alone: every change needs update */
    if (reads_published(q, k))
        return forbidden(q, ITSM_ACTION_UPDATE);
    /* The body is read before a database connection is taken from the pool. */
    if ((action == NULL || has_body(r)) && (rc = read_document(q, k->element, &root)) != OK)
        return rc;
    if ((rc = load_ticket(q, number, action ? action : ITSM_ACTION_UPDATE, &old)) != OK)
        return rc;
    if ((rc = check_if_match(q, old)) != OK)
        return rc;
    init_call(q, &c);
    t = copy_ticket(r->pool, old);
    if (root && apply_document(&c, k, root, t, 0, &x))
        return fail_call(q, &c);
    if (action) {
        if (k->action(&c, action, old, t))
            return fail_call(q, &c);
    }
    else if (k->update && k->update(&c, old, t)) {
        return fail_call(q, &c);
    }
    if ((rc = check_references(q, old, t)) != OK)
        return rc;
    j.changes = diff(r->pool, k, old, t);
    if (j.changes->nelts == 0 && x.note == NULL && action == NULL) {
        set_etag(r, old);
        return send_ticket(q, &c, HTTP_OK, old);
    }
    publication = publication_change(k, action, old, t, j.changes, r->pool);
    t->version = old->version + 1;
    t->updated = c.now;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = action ? action : ITSM_ACTION_UPDATE;
    j.note = x.note;
    address(q, k, &j, t);
    itsm_ticket_clocks_start(r->pool, k, old, t, action, c.now);
    /* new due times: warnings, breaches and timers are announced anew */
    t->sla_notified = itsm_ticket_sla_rearm(r->pool, k, old, t);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    writes_init(&w, r->pool);
    write_add(&w, ITSM_WRITE_UPDATE, t, &j, ITSM_EVENT_CHANGED);
    if (publication >= 0)
        write_add(&w, publication, t, &j, NULL);
    add_spawned(q, &w, t, &j);
    if (strcmp(old->state, t->state) != 0) {
        if ((rc = check_children(q, k, old, t)) != OK)
            return rc;
        if ((rc = load_parent(q, k, t, &parent)) != OK)
            return rc;
        if (parent && (rc = roll_up(q, &w, t, old->state, parent)) != OK)
            return rc;
    }
    rv = writes_commit(q, &w, &failed);
    if (rv == APR_EAGAIN && failed > 0)
        return fail(q, HTTP_CONFLICT, "conflict",
                    "The parent ticket changed meanwhile; send the request again.");
    if (rv == APR_EAGAIN)
        return fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00133, "update");
    return send_ticket(q, &c, HTTP_OK, t);
}

static int do_get(req_t *q, const char *number)
{
    itsm_ticket_t *t;
    itsm_call_t c;
    int rc;

    if (!allowed_some(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    init_call(q, &c);
    return send_ticket(q, &c, HTTP_OK, t);
}

/* The SLA clocks alone; asking them of a ticket without targets (P5, no priority yet) is
 * refused so that a client never mistakes "no SLA" for "in SLA". */
static int do_sla(req_t *q, const char *number)
{
    itsm_ticket_t *t;
    itsm_xml_out_t *o;
    itsm_call_t c;
    int rc;

    if (!q->route->kind->clocks)
        return not_found(q);
    if (!allowed_some(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    init_call(q, &c);
    o = itsm_xml_out_start(q->r->pool, "sla");
    if (render_sla_targets(&c, o->w, c.sla, q->route->kind, t) == 0)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "no-sla",
                    apr_psprintf(q->r->pool, "%s has no SLA targets (priority %s)", t->number,
                                 t->priority ? t->priority : "not set yet"));
    set_etag(q->r, t);
    return send_doc(q->r, HTTP_OK, o);
}

/* A linked ticket's number is shown only to those who may see that ticket. */
/* The numbers of the tickets linked from t that the caller may see (one query, made at the
 * first link entry of a journal; NULL when the caller sees every party). */
static apr_hash_t *visible_links(req_t *q, const itsm_ticket_t *t)
{
    apr_hash_t *seen = apr_hash_make(q->r->pool);
    apr_array_header_t *links;
    int i;

    if (itsm_store_links(q->store, &links, t->id, q->scope, q->r->pool) == APR_SUCCESS)
        for (i = 0; i < links->nelts; i++) {
            const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);

            if (l->outgoing)
                apr_hash_set(seen, l->number, APR_HASH_KEY_STRING, "");
        }
    return seen;
}

static int do_journal(req_t *q, const char *number)
{
    request_rec *r = q->r;
    apr_array_header_t *entries;
    itsm_ticket_t *t;
    itsm_xml_out_t *o;
    apr_hash_t *visible = NULL;
    int rc, i, k;

    if (!allowed_some(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if (reads_published(q, q->route->kind))     /* the history of the working copy */
        return forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = load_ticket(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    if (itsm_store_journal(q->store, &entries, t->id, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00134, "journal");
    o = itsm_xml_out_start(r->pool, "journal");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "number", BAD_CAST t->number);
    for (i = 0; i < entries->nelts; i++) {
        const itsm_journal_t *e = &APR_ARRAY_IDX(entries, i, itsm_journal_t);

        xmlTextWriterStartElement(o->w, BAD_CAST "entry");
        xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "seq", "%" APR_INT64_T_FMT, e->seq);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "at", BAD_CAST itsm_time_format(r->pool, e->at));
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "actor", BAD_CAST e->actor);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "action", BAD_CAST e->action);
        for (k = 0; k < e->changes->nelts; k++) {
            const itsm_change_t *ch = &APR_ARRAY_IDX(e->changes, k, itsm_change_t);
            const char *new = ch->new;

            if (new && !q->sees_all && strncmp(ch->field, "link:", 5) == 0) {
                if (visible == NULL)
                    visible = visible_links(q, t);
                if (!apr_hash_get(visible, new, APR_HASH_KEY_STRING))
                    new = "(not visible)";
            }
            xmlTextWriterStartElement(o->w, BAD_CAST "change");
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "field", BAD_CAST ch->field);
            itsm_xml_element(o->w, "old", ch->old);
            itsm_xml_element(o->w, "new", new);
            xmlTextWriterEndElement(o->w);
        }
        itsm_xml_element(o->w, "note", e->note);
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

/* GET /{collection}/{number}/versions[/{n}]: a versioned kind's published versions. Its
 * editors list and read every version; its readers only the current one. */
static int do_versions(req_t *q, const char *number, const char *which)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    int reader = reads_published(q, k), rc, i, n = 0;
    apr_array_header_t *versions;
    itsm_ticket_t *t, *v;
    itsm_version_t info;
    itsm_xml_out_t *o;
    itsm_call_t c;
    apr_status_t rv;

    if (!k->publish_action)
        return not_found(q);
    if (!allowed_some(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    if (which) {
        if (!query_int(which, 1, 1 << 30, &n)
            || (reader && n != (int)itsm_ticket_int(t, ITSM_VERSION_PUBLISHED, 0)))
            return not_found(q);
        rv = itsm_store_version(q->store, &v, &info, t, n, r->pool);
        if (rv == APR_NOTFOUND)
            return not_found(q);
        if (rv != APR_SUCCESS)
            return STORE_FAULT(q, 00232, "version");
        init_call(q, &c);
        o = itsm_xml_out_start(r->pool, k->element);
        render_ticket(&c, o->w, k, v, 0);
        return send_doc(r, HTTP_OK, o);
    }
    if (itsm_store_versions(q->store, &versions, t->id, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00233, "versions");
    o = itsm_xml_out_start(r->pool, "versions");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "number", BAD_CAST t->number);
    for (i = 0; i < versions->nelts; i++) {
        const itsm_version_t *e = &APR_ARRAY_IDX(versions, i, itsm_version_t);

        if (reader && !e->current)
            continue;
        xmlTextWriterStartElement(o->w, BAD_CAST "version");
        xmlTextWriterWriteFormatAttribute(o->w, BAD_CAST "n", "%d", e->n);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "at", BAD_CAST itsm_time_format(r->pool, e->at));
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "actor", BAD_CAST e->actor);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "state", BAD_CAST e->state);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "current", BAD_CAST (e->current ? "true" : "false"));
        xmlTextWriterWriteString(o->w, BAD_CAST e->title);
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

static int do_links(req_t *q, const char *number)
{
    request_rec *r = q->r;
    apr_array_header_t *links;
    itsm_ticket_t *t;
    itsm_xml_out_t *o;
    int rc, i;

    if (!allowed_some(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, ITSM_ACTION_READ, &t)) != OK)
        return rc;
    if (itsm_store_links(q->store, &links, t->id, q->scope, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00135, "links");
    o = itsm_xml_out_start(r->pool, "links");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "number", BAD_CAST t->number);
    for (i = 0; i < links->nelts; i++) {
        const itsm_link_t *l = &APR_ARRAY_IDX(links, i, itsm_link_t);

        xmlTextWriterStartElement(o->w, BAD_CAST "link");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "type", BAD_CAST l->type);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "direction", BAD_CAST (l->outgoing ? "out" : "in"));
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "number", BAD_CAST l->number);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "kind", BAD_CAST l->kind);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "at", BAD_CAST itsm_time_format(r->pool, l->at));
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "actor", BAD_CAST l->actor);
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

/* May a ticket of kind k have a link of type to `to`? adding: also within the rule's counts. */
static int check_link_rule(req_t *q, const itsm_kind_t *k, const char *type,
                           const itsm_ticket_t *from, const itsm_ticket_t *to, int adding)
{
    apr_pool_t *p = q->r->pool;
    const itsm_link_rule_t *rule;
    const char *known = ITSM_LINK_RELATES;
    apr_array_header_t *links;
    int i, out = 0, in = 0;

    if (strcmp(type, ITSM_LINK_RELATES) == 0)
        return OK;
    if (strcmp(type, ITSM_LINK_CHILD) == 0)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                    "child-of links are made by the core when a child ticket is created.");
    if ((rule = link_rule(k, type)) == NULL) {
        for (rule = k->link_rules; rule && rule->type; rule++)
            known = apr_pstrcat(p, known, ", ", rule->type, NULL);
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                    apr_psprintf(p, "%s tickets make no '%s' links; they make: %s.", k->kind,
                                 type, known));
    }
    if (rule->to_kind && strcmp(rule->to_kind, to->kind) != 0)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-link",
                    apr_psprintf(p, "A '%s' link goes to a %s ticket, not a %s.", type,
                                 rule->to_kind, to->kind));
    if (!adding || (rule->max_out == 0 && rule->max_in == 0))
        return OK;
    /* counted over every party: a limit holds whoever made the other links */
    if (rule->max_out) {
        if (itsm_store_links(q->store, &links, from->id, "*", p) != APR_SUCCESS)
            return STORE_FAULT(q, 00145, "link count");
        for (i = 0; i < links->nelts; i++)
            out += APR_ARRAY_IDX(links, i, itsm_link_t).outgoing
                   && strcmp(APR_ARRAY_IDX(links, i, itsm_link_t).type, type) == 0;
    }
    if (rule->max_in) {
        if (itsm_store_links(q->store, &links, to->id, "*", p) != APR_SUCCESS)
            return STORE_FAULT(q, 00146, "link count");
        for (i = 0; i < links->nelts; i++)
            in += !APR_ARRAY_IDX(links, i, itsm_link_t).outgoing
                  && strcmp(APR_ARRAY_IDX(links, i, itsm_link_t).type, type) == 0;
    }
    if (rule->max_out && out >= rule->max_out)
        return fail(q, HTTP_CONFLICT, "link-limit",
                    apr_psprintf(p, "A %s ticket makes at most %d '%s' link%s.", k->kind,
                                 rule->max_out, type, rule->max_out == 1 ? "" : "s"));
    if (rule->max_in && in >= rule->max_in)
        return fail(q, HTTP_CONFLICT, "link-limit",
                    apr_psprintf(p, "%s already has %d '%s' link%s to it, the most it may.",
                                 to->number, in, type, in == 1 ? "" : "s"));
    return OK;
}

/* Add (adding 1) or remove a link of type from `number` to target: the kind's rules, its
 * callback, then the ticket (version bumped, journal entry) and the link in one transaction. */
static int change_link(req_t *q, const char *number, const char *type, const char *target,
                       int adding)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *from, *to, *t;
    itsm_journal_t *j = apr_pcalloc(r->pool, sizeof *j);
    itsm_write_t *link;
    itsm_change_t *ch;
    itsm_call_t c;
    writes_t w;
    apr_status_t rv;
    int rc, failed;

    if (reads_published(q, k))  /* links change the working copy */
        return forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = load_ticket(q, number, ITSM_ACTION_LINK, &from)) != OK)
        return rc;
    if ((rc = check_if_match(q, from)) != OK)
        return rc;
    rv = itsm_store_get(q->store, &to, NULL, target, q->scope, r->pool);
    if (rv == APR_NOTFOUND)
        return adding ? fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                             apr_psprintf(r->pool, "No ticket %s to link to.", target))
                      : not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00136, "link target");
    if (to->id == from->id)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "A ticket cannot link to itself.");
    if ((rc = check_link_rule(q, k, type, from, to, adding)) != OK)
        return rc;
    init_call(q, &c);
    t = copy_ticket(r->pool, from);
    if (link_rule(k, type) && k->linked && k->linked(&c, type, adding, from, t, to))
        return fail_call(q, &c);
    j->changes = diff(r->pool, k, from, t);
    ch = apr_array_push(j->changes);
    ch->field = apr_pstrcat(r->pool, "link:", type, NULL);
    ch->old = adding ? NULL : to->number;
    ch->new = adding ? to->number : NULL;
    t->version = from->version + 1;
    t->updated = c.now;
    j->at = c.now;
    j->actor = q->who->uid;
    j->action = adding ? ITSM_ACTION_LINK : "unlink";
    address(q, k, j, t);
    /* the link first: when it exists already (or not at all) nothing else is tried, not
     * even a journal number drawn (PostgreSQL sequences do not roll back) */
    writes_init(&w, r->pool);
    link = write_add(&w, adding ? ITSM_WRITE_LINK : ITSM_WRITE_UNLINK, t, j, NULL);
    link->to = to;
    link->type = type;
    link->plain = 1;
    write_add(&w, ITSM_WRITE_UPDATE, t, j, adding ? ITSM_EVENT_LINKED : ITSM_EVENT_UNLINKED);
    rv = writes_commit(q, &w, &failed);
    if (rv == APR_EAGAIN)
        return fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv == APR_EEXIST)
        return fail(q, HTTP_CONFLICT, "conflict", "That link exists already.");
    if (rv == APR_NOTFOUND)
        return not_found(q);
    if (rv != APR_SUCCESS)
        return STORE_FAULT(q, 00137, adding ? "link" : "unlink");
    set_etag(r, t);
    if (!adding) {
        r->status = HTTP_NO_CONTENT;
        return DONE;
    }
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/", k->collection,
                                                         "/", from->number, "/links", NULL), r));
    {
        itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "link");

        itsm_xml_element(o->w, "type", type);
        itsm_xml_element(o->w, "target", to->number);
        return send_doc(r, HTTP_CREATED, o);
    }
}

static int do_link(req_t *q, const char *number)
{
    const char *type = NULL, *target = NULL;
    xmlNodePtr root, n;
    int rc;

    if (!allowed_some(q, ITSM_ACTION_LINK))
        return forbidden(q, ITSM_ACTION_LINK);
    if ((rc = read_document(q, "link", &root)) != OK)
        return rc;
    for (n = root->children; n; n = n->next) {
        if (itsm_xml_is(n, "type"))
            type = itsm_xml_text(q->r->pool, n);
        else if (itsm_xml_is(n, "target"))
            target = itsm_xml_text(q->r->pool, n);
    }
    return change_link(q, number, type, target, 1);
}

/* DELETE /{collection}/{number}/links/{type}/{target} */
static int do_unlink(req_t *q, const char *number, const char *type, const char *target)
{
    if (!allowed_some(q, ITSM_ACTION_LINK))
        return forbidden(q, ITSM_ACTION_LINK);
    return change_link(q, number, type, target, 0);
}

/* ---- service and identity documents ---------------------------------------------------- */

static int do_service(req_t *q)
{
    request_rec *r = q->r;
    itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "service");
    int i;

    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);
        const itsm_route_t *route = apr_hash_get(q->core->routes, k->collection,
                                                 APR_HASH_KEY_STRING);

        xmlTextWriterStartElement(o->w, BAD_CAST "collection");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST k->collection);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "kind", BAD_CAST k->kind);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "prefix", BAD_CAST k->prefix);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "process", BAD_CAST route->process->name);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "href",
                                    BAD_CAST apr_pstrcat(r->pool, q->base, "/", k->collection, NULL));
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

static void write_list(xmlTextWriterPtr w, const char *name, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++)
        itsm_xml_element(w, name, APR_ARRAY_IDX(a, i, const char *));
}

static int do_me(req_t *q)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, "identity");
    const itsm_identity_t *who = q->who;

    itsm_xml_element(o->w, "login", who->uid);
    itsm_xml_element(o->w, "dn", who->dn);
    itsm_xml_element(o->w, "name", who->display_name);
    itsm_xml_element(o->w, "email", who->email);
    if (who->party) {
        xmlTextWriterStartElement(o->w, BAD_CAST "party");
        if (who->party_name)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST who->party_name);
        xmlTextWriterWriteString(o->w, BAD_CAST who->party);
        xmlTextWriterEndElement(o->w);
    }
    write_list(o->w, "actsFor", who->acts_for);
    write_list(o->w, "role", who->roles);
    write_list(o->w, "group", who->groups);
    itsm_xml_element(o->w, "allParties", q->sees_all ? "true" : "false");
    return send_doc(q->r, HTTP_OK, o);
}

/* The caller's notifications as an Atom feed (RFC 4287). */
static int do_feed(req_t *q)
{
    request_rec *r = q->r;
    apr_array_header_t *notices;
    itsm_xml_out_t *o;
    const char *self, *roles;
    int rc, i;

    if ((rc = open_store(q)) != OK)
        return rc;
    /* the roles and resolver groups whose followers the caller is among */
    roles = ",";
    for (i = 0; q->who->roles && i < q->who->roles->nelts; i++)
        roles = apr_pstrcat(r->pool, roles, "role:", APR_ARRAY_IDX(q->who->roles, i, const char *),
                            ",", NULL);
    for (i = 0; q->who->groups && i < q->who->groups->nelts; i++)
        roles = apr_pstrcat(r->pool, roles, "group:",
                            APR_ARRAY_IDX(q->who->groups, i, const char *), ",", NULL);
    if (itsm_store_feed(q->store, &notices, q->who->uid, roles, q->who->party, q->scope, 50,
                        r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00138, "feed");
    self = ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/feeds/me", NULL), r);
    o = itsm_xml_out_start_ns(r->pool, "feed", "http://www.w3.org/2005/Atom");
    itsm_xml_element(o->w, "id", apr_pstrcat(r->pool, "urn:mod-itsm:feed:",
                                             ap_escape_uri(r->pool, q->who->uid), NULL));
    itsm_xml_element(o->w, "title", apr_pstrcat(r->pool, "Ticket updates for ",
                                                q->who->display_name ? q->who->display_name
                                                                     : q->who->uid, NULL));
    itsm_xml_element(o->w, "updated", itsm_time_format(r->pool, notices->nelts
                     ? APR_ARRAY_IDX(notices, 0, itsm_notice_t).at : r->request_time));
    xmlTextWriterStartElement(o->w, BAD_CAST "author");
    itsm_xml_element(o->w, "name", "mod_itsm");
    xmlTextWriterEndElement(o->w);
    xmlTextWriterStartElement(o->w, BAD_CAST "link");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "rel", BAD_CAST "self");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "href", BAD_CAST self);
    xmlTextWriterEndElement(o->w);
    for (i = 0; i < notices->nelts; i++) {
        const itsm_notice_t *n = &APR_ARRAY_IDX(notices, i, itsm_notice_t);
        const itsm_kind_t *kd = itsm_core_kind(q->core, n->kind);
        const char *collection = kd ? kd->collection : n->kind;
        xmlTextWriterStartElement(o->w, BAD_CAST "entry");
        itsm_xml_element(o->w, "id", apr_psprintf(r->pool, "urn:mod-itsm:notice:%" APR_INT64_T_FMT, n->id));
        itsm_xml_element(o->w, "title", apr_psprintf(r->pool, "%s %s by %s: %s", n->number,
                                                      n->action, n->actor, n->title));
        itsm_xml_element(o->w, "updated", itsm_time_format(r->pool, n->at));
        xmlTextWriterStartElement(o->w, BAD_CAST "link");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "href",
                                    BAD_CAST ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/",
                                                              collection, "/", n->number, NULL), r));
        xmlTextWriterEndElement(o->w);
        itsm_xml_element(o->w, "summary", *n->summary ? n->summary : n->action);
        xmlTextWriterEndElement(o->w);
    }
    return send_typed(r, HTTP_OK, o, "application/atom+xml");
}

/* A public view (the major-incident banner): every person sees it, whatever their party,
 * with only the fields the view lists. */
static int do_view(req_t *q, const itsm_view_t *v)
{
    request_rec *r = q->r;
    apr_array_header_t *rows;
    itsm_xml_out_t *o;
    const char *const *f;
    int rc, i;

    if ((rc = open_store(q)) != OK)
        return rc;
    if (itsm_store_tagged(q->store, &rows, v->kind, v->tag, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00139, "view");
    o = itsm_xml_out_start(r->pool, "view");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST v->path);
    for (i = 0; i < rows->nelts; i++) {
        const itsm_ticket_t *t = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);

        xmlTextWriterStartElement(o->w, BAD_CAST v->element);
        itsm_xml_element(o->w, "number", t->number);
        itsm_xml_element(o->w, "title", t->title);
        itsm_xml_element(o->w, "priority", t->priority);
        for (f = v->fields; f && *f; f++)
            if (apr_table_get(t->fields, *f))
                itsm_xml_element(o->w, *f, apr_table_get(t->fields, *f));
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(r, HTTP_OK, o);
}

static const itsm_view_t *find_view(req_t *q, const char *path)
{
    return apr_hash_get(q->core->views, path, APR_HASH_KEY_STRING);
}

/* GET of a process's own resource: the grant its kind and action need, then its callback. */
static int do_resource(req_t *q, const char *rest)
{
    const itsm_resource_t *res = q->route->resource;
    itsm_xml_out_t *o;
    apr_table_t *args;
    itsm_call_t c;

    if (!allowed(q, res->action))
        return forbidden(q, res->action);
    form_args(q->r, &args);
    init_call(q, &c);
    o = itsm_xml_out_start(q->r->pool, res->element);
    if (res->get(&c, rest, args, o->w))
        return fail_call(q, &c);
    return send_doc(q->r, HTTP_OK, o);
}

/* The directory of external desks (an empty <desks/> when none is configured). */
static int do_desks(req_t *q)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, "desks");
    int i;

    for (i = 0; q->core->desks && i < q->core->desks->list->nelts; i++) {
        const itsm_desk_t *d = &APR_ARRAY_IDX(q->core->desks->list, i, itsm_desk_t);

        xmlTextWriterStartElement(o->w, BAD_CAST "desk");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST d->name);
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "kind", BAD_CAST d->kind);
        if (d->owner)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "owner", BAD_CAST d->owner);
        if (d->provider)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "provider", BAD_CAST d->provider);
        if (d->contact)
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "contact", BAD_CAST d->contact);
        xmlTextWriterWriteString(o->w, BAD_CAST d->covers);
        xmlTextWriterEndElement(o->w);
    }
    return send_doc(q->r, HTTP_OK, o);
}

/* ---- routing --------------------------------------------------------------------------- */

/* Split the path below the mount point into at most 5 segments; -1 when malformed. */
static int split_path(apr_pool_t *p, const char *rest, const char **seg)
{
    char *s = apr_pstrdup(p, rest), *tok, *state;
    int n = 0;

    for (tok = apr_strtok(s, "/", &state); tok; tok = apr_strtok(NULL, "/", &state)) {
        if (n == 5)
            return -1;
        seg[n++] = tok;
    }
    return n;
}

/* ITSMBase when set, else the path of the innermost section that matched: normally the
 * <Location> holding SetHandler itsm. */
/* Where the suite is mounted (ITSMBase, else the enclosing <Location>) in *base; returns its
 * length without trailing slashes. */
static apr_size_t mount_point(request_rec *r, const itsm_dir_conf_t *dir, const char **base)
{
    core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    apr_size_t n;

    *base = dir->base ? dir->base : core && core->d && core->d[0] == '/' ? core->d : "";
    n = strlen(*base);
    while (n && (*base)[n - 1] == '/')
        n--;
    return n;
}

/* The suite's URLs name no file, so its requests skip httpd's walk of the filesystem (a
 * stat of every path component and an .htaccess lookup in every directory), as mod_proxy's
 * do. Whether a request is ours is known from the <Location>'s SetHandler, which the first
 * location walk has applied by the time translate_name runs; the hook runs after the
 * modules that may rewrite or alias the URI, and claims it only while it still lies under
 * the mount point of that <Location>. */
static const char claimed[] = "itsm";

int itsm_translate(request_rec *r)
{
    core_dir_config *core = ap_get_core_module_config(r->per_dir_config);
    itsm_dir_conf_t *dir = ap_get_module_config(r->per_dir_config, &itsm_module);
    const char *err = NULL, *handler, *base;
    apr_size_t n;

    /* TRACE and OPTIONS stay httpd's (TraceEnable; OPTIONS *), as without this hook */
    if (r->proxyreq || r->method_number == M_TRACE || r->method_number == M_OPTIONS
        || core == NULL || core->expr_handler == NULL || dir == NULL)
        return DECLINED;
    handler = ap_expr_str_exec(r, core->expr_handler, &err);
    if (err || handler == NULL || strcasecmp(handler, "itsm") != 0)
        return DECLINED;
    n = mount_point(r, dir, &base);
    if (n == 0 || strncmp(r->uri, base, n) != 0 || (r->uri[n] != '\0' && r->uri[n] != '/'))
        return DECLINED;
    r->filename = apr_pstrcat(r->pool, "itsm:", r->uri, NULL);
    ap_set_module_config(r->request_config, &itsm_module, (void *)claimed);
    return OK;
}

int itsm_map_to_storage(request_rec *r)
{
    return ap_get_module_config(r->request_config, &itsm_module) == claimed ? OK : DECLINED;
}

int itsm_handler(request_rec *r)
{
    req_t q0 = {0}, *q = &q0;
    const char *seg[5] = {0}, *rest;
    apr_size_t blen;
    int n, m = r->method_number, rc;

    if (r->handler == NULL || strcmp(r->handler, "itsm") != 0)
        return DECLINED;
    q->r = r;
    q->conf = ap_get_module_config(r->server->module_config, &itsm_module);
    q->core = q->conf->core;
    q->dir = ap_get_module_config(r->per_dir_config, &itsm_module);
    blen = mount_point(r, q->dir, &q->base);
    q->base = apr_pstrndup(r->pool, q->base, blen);
    if (strncmp(r->uri, q->base, blen) != 0)
        return not_found(q);
    rest = r->uri + blen;
    if ((n = split_path(r->pool, rest, seg)) < 0)
        return not_found(q);

    if ((rc = resolve_caller(q)) != OK)
        return rc;

    if (n == 0) {
        if (m != M_GET)
            return method_not_allowed(q, "GET");
        return do_service(q);
    }
    if (n == 1 && strcmp(seg[0], "desks") == 0) {
        if (m != M_GET)
            return method_not_allowed(q, "GET");
        return do_desks(q);
    }
    if (n == 1 && strcmp(seg[0], "me") == 0) {
        if (m != M_GET)
            return method_not_allowed(q, "GET");
        return do_me(q);
    }
    if (n >= 1) {
        const itsm_view_t *v = find_view(q, rest[0] == '/' ? rest + 1 : rest);

        if (v) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_view(q, v);
        }
    }
    if (n == 2 && strcmp(seg[0], "feeds") == 0 && strcmp(seg[1], "me") == 0) {
        if (m != M_GET)
            return method_not_allowed(q, "GET");
        return do_feed(q);
    }
    if ((q->route = apr_hash_get(q->core->resources, seg[0], APR_HASH_KEY_STRING)) != NULL) {
        if (n > 2)
            return not_found(q);
        if (m != M_GET)
            return method_not_allowed(q, "GET");
        return do_resource(q, n == 2 ? seg[1] : NULL);
    }
    q->route = apr_hash_get(q->core->routes, seg[0], APR_HASH_KEY_STRING);
    if (q->route == NULL)
        return not_found(q);
    switch (n) {
    case 1:
        if (m == M_GET) {
            if ((rc = open_store(q)) != OK)
                return rc;
            return do_list(q);
        }
        if (m == M_POST)
            return do_create(q);
        return method_not_allowed(q, "GET, POST");
    case 2:
        if (strcmp(seg[1], "aged") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_aged(q);
        }
        if (strcmp(seg[1], "stats") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_stats(q);
        }
        if (m == M_GET)
            return do_get(q, seg[1]);
        if (m == M_PATCH)
            return do_change(q, seg[1], NULL);
        return method_not_allowed(q, "GET, PATCH");
    case 3:
        if (strcmp(seg[2], "journal") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_journal(q, seg[1]);
        }
        if (strcmp(seg[2], "sla") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_sla(q, seg[1]);
        }
        if (strcmp(seg[2], "versions") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_versions(q, seg[1], NULL);
        }
        if (strcmp(seg[2], "links") == 0) {
            if (m == M_GET)
                return do_links(q, seg[1]);
            if (m == M_POST)
                return do_link(q, seg[1]);
            return method_not_allowed(q, "GET, POST");
        }
        return not_found(q);
    case 4:
        if (strcmp(seg[2], "versions") == 0) {
            if (m != M_GET)
                return method_not_allowed(q, "GET");
            return do_versions(q, seg[1], seg[3]);
        }
        if (strcmp(seg[2], "actions") != 0)
            return not_found(q);
        if (m != M_POST)
            return method_not_allowed(q, "POST");
        return do_change(q, seg[1], seg[3]);
    case 5:
        if (strcmp(seg[2], "links") != 0)
            return not_found(q);
        if (m != M_DELETE)
            return method_not_allowed(q, "DELETE");
        return do_unlink(q, seg[1], seg[3], seg[4]);
    default:
        return not_found(q);
    }
}
