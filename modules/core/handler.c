/* The core's request handling: routes a path under the mount point to a collection, resolves
 * the caller, checks the role table, reads and validates XML, calls the kind's rules, stores
 * and renders. No process rule lives here: the kind's callbacks decide states and values. */
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>
#include <string.h>

#include "mod_itsm.h"
#include "itsm_codec.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_PAGE 50
#define MAX_PAGE 500

/* Everything one request needs, built step by step. */
typedef struct req_t {
    request_rec *r;
    itsm_server_conf_t *conf;
    itsm_dir_conf_t *dir;
    const itsm_identity_t *who;
    const char *scope;
    int sees_all;
    itsm_store_t *store;
    const itsm_route_t *route;
    const char *base;           /* mount point without trailing slash */
} req_t;

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
    apr_table_setn(q->r->err_headers_out, "Allow", allow);
    return fail(q, HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
                apr_psprintf(q->r->pool, "Allowed here: %s.", allow));
}

static int store_fault(req_t *q, int logno, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00101) "store (%d): %s: %s", logno,
                  what, q->store ? itsm_store_error(q->store) : "no connection");
    return fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                "The ticket store is not available; try again later.");
}

/* ---- identity, store, body ------------------------------------------------------------- */

static int resolve_caller(req_t *q)
{
    request_rec *r = q->r;
    const char *errmsg = NULL;
    itsm_identity_t *who;
    apr_status_t rv;

    if (r->user == NULL || *r->user == '\0')
        return fail(q, HTTP_UNAUTHORIZED, "unauthenticated", "Authentication is required.");
    if (q->conf->directory == NULL)     /* child_init failed: ITSM00007 */
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    rv = itsm_ldap_lookup(&who, &errmsg, q->conf->directory, r->user, r->pool);
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
    q->sees_all = itsm_authz_sees_all(q->conf->authz, who->roles);
    q->scope = itsm_store_scope(r->pool, q->sees_all, who->party, who->acts_for);
    return OK;
}

/* Acquire the connection, set the schema up once per process, bind the statements. */
static int open_store(req_t *q)
{
    request_rec *r = q->r;
    ap_dbd_t *dbd;
    const char *err = NULL;

    if (q->store)
        return OK;
    dbd = itsm_dbd_acquire(r);

    if (dbd == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00103)
                      "no database connection from mod_dbd (DBDriver/DBDParams)");
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                    "The ticket store is not available; try again later.");
    }
    if (itsm_core_bind(&q->store, r->server, dbd, r->pool, &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00104) "%s", err);
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                    "The ticket store is not available; try again later.");
    }
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
    if (itsm_xml_validate(&xe, q->conf->schema, doc, r->pool) != APR_SUCCESS)
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
        "number", "kind", "updated", "version", "createdBy", NULL
    };
    apr_hash_t *seen = apr_hash_make(c->pool);
    xmlNodePtr n;

    for (n = root->children; n; n = n->next) {
        const char *name = (const char *)n->name, *text;
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
        if (strcmp(name, "title") == 0)
            t->title = text;
        else if (strcmp(name, "description") == 0)
            apr_table_setn(t->fields, "description", text);
        else if (strcmp(name, "priority") == 0)
            t->priority = text;
        else if (strcmp(name, "assignee") == 0)
            t->assignee = text;
        else if (strcmp(name, "group") == 0)
            t->group = text;
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
            apr_table_setn(t->fields, f->name, text);
        }
        else {
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is not a field of %s", name, k->kind);
        }
    }
    return 0;
}

/* The <target> children of <sla>: each clock of the kind that has a target at the ticket's
 * priority, evaluated now. Returns how many were written. */
static int render_sla_targets(itsm_call_t *c, xmlTextWriterPtr w, const itsm_sla_config_t *cfg,
                              const itsm_kind_t *k, const itsm_ticket_t *t)
{
    itsm_ticket_clock_t *clocks;
    int n = itsm_ticket_clocks(&clocks, cfg, k, t, c->now, c->pool), i;

    for (i = 0; i < n; i++) {
        const itsm_ticket_clock_t *tc = &clocks[i];

        xmlTextWriterStartElement(w, BAD_CAST "target");
        xmlTextWriterWriteAttribute(w, BAD_CAST "kind", BAD_CAST tc->name);
        xmlTextWriterWriteAttribute(w, BAD_CAST "due", BAD_CAST itsm_time_format(c->pool, tc->eval.due));
        xmlTextWriterWriteAttribute(w, BAD_CAST "status", BAD_CAST tc->eval.status_name);
        xmlTextWriterWriteAttribute(w, BAD_CAST "target",
                                    BAD_CAST itsm_duration_format(c->pool, tc->target));
        xmlTextWriterWriteAttribute(w, BAD_CAST "remaining",
                                    BAD_CAST itsm_duration_format(c->pool, tc->eval.remaining));
        xmlTextWriterWriteAttribute(w, BAD_CAST "calendar",
                                    BAD_CAST itsm_calendar_name(tc->calendar));
        if (tc->stopped)
            xmlTextWriterWriteAttribute(w, BAD_CAST "stopped",
                                        BAD_CAST itsm_time_format(c->pool, tc->stopped));
        else if (tc->paused)
            xmlTextWriterWriteAttribute(w, BAD_CAST "paused", BAD_CAST "true");
        xmlTextWriterEndElement(w);
    }
    return n;
}

/* Did the change move the due times (a new priority, a clock started again)? */
static int clocks_retargeted(const itsm_kind_t *k, const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    const char *const *clock;

    if (!k->clocks)
        return 0;
    if ((old->priority == NULL) != (t->priority == NULL)
        || (old->priority && strcmp(old->priority, t->priority) != 0))
        return 1;
    for (clock = k->clocks; *clock; clock++)
        if (itsm_ticket_clock_stopped(old, *clock) && !itsm_ticket_clock_stopped(t, *clock))
            return 1;
    return 0;
}

static void render_ticket(itsm_call_t *c, xmlTextWriterPtr w, const itsm_kind_t *k,
                          const itsm_ticket_t *t, int nested)
{
    const itsm_field_t *f;

    if (nested)
        xmlTextWriterStartElement(w, BAD_CAST k->element);
    itsm_xml_element(w, "number", t->number);
    itsm_xml_element(w, "kind", t->kind);
    itsm_xml_element(w, "state", t->state);
    itsm_xml_element(w, "party", t->party);
    itsm_xml_element(w, "title", t->title);
    itsm_xml_element(w, "description", apr_table_get(t->fields, "description"));
    itsm_xml_element(w, "priority", t->priority);
    itsm_xml_element(w, "assignee", t->assignee);
    itsm_xml_element(w, "group", t->group);
    itsm_xml_element(w, "opened", itsm_time_format(c->pool, t->opened));
    itsm_xml_element(w, "updated", itsm_time_format(c->pool, t->updated));
    itsm_xml_element(w, "version", apr_itoa(c->pool, t->version));
    itsm_xml_element(w, "createdBy", t->created_by);
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

static void init_call(req_t *q, itsm_call_t *c)
{
    memset(c, 0, sizeof *c);
    c->pool = q->r->pool;
    c->who = q->who;
    c->sla = q->conf->sla;
    c->desks = q->conf->desks;
    c->module_config = q->r->server->module_config;
    c->now = apr_time_from_sec(apr_time_sec(q->r->request_time));
}

/* Journal changes between two versions of a ticket (old NULL: a creation). */
static apr_array_header_t *diff(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *old,
                                const itsm_ticket_t *t)
{
    apr_array_header_t *ch = apr_array_make(p, 8, sizeof(itsm_change_t));
    const itsm_field_t *f;

#define FIELD(name, member) itsm_codec_change_add(ch, name, old ? old->member : NULL, t->member)
    FIELD("state", state);
    FIELD("party", party);
    FIELD("title", title);
    FIELD("priority", priority);
    FIELD("assignee", assignee);
    FIELD("group", group);
#undef FIELD
    itsm_codec_change_add(ch, "description",
                          old ? apr_table_get(old->fields, "description") : NULL,
                          apr_table_get(t->fields, "description"));
    for (f = k->fields; f && f->name; f++)
        itsm_codec_change_add(ch, f->name, old ? apr_table_get(old->fields, f->name) : NULL,
                              apr_table_get(t->fields, f->name));
    return ch;
}

/* Who hears of a change: the raiser (unless the raiser made it) and, for kinds whose party
 * follows them, every person of the ticket's party; the feed leaves out one's own changes. */
static void address(req_t *q, itsm_journal_t *j, const itsm_ticket_t *t)
{
    apr_pool_t *p = q->r->pool;
    const char *s = "";
    int i;

    j->recipient = t->created_by && strcmp(t->created_by, q->who->uid) != 0 ? t->created_by : NULL;
    j->party = t->party;
    j->party_wide = q->route->kind->party_follows;
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
    return itsm_authz_allows(q->conf->authz, q->who->roles, q->route->kind->kind, action);
}

static int forbidden(req_t *q, const char *action)
{
    return fail(q, HTTP_FORBIDDEN, "forbidden",
                apr_psprintf(q->r->pool, "Your roles do not allow '%s' on %s tickets.", action,
                             q->route->kind->kind));
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

/* value must name an entry of the directory (a party, a resolver group, a person). */
static int check_exists(req_t *q, exists_fn exists, const char *what, const char *value)
{
    const char *errmsg = NULL;
    apr_status_t rv = exists(q->conf->directory, value, &errmsg, q->r->pool);

    if (rv == APR_NOTFOUND)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "There is no %s %s in the directory.", what, value));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00107)
                      "directory unavailable checking %s %s: %s", what, value,
                      errmsg ? errmsg : "no answer");
        return fail(q, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                    "The identity directory is not available; try again later.");
    }
    return OK;
}

/* A party named on create: one the caller acts for, or any existing party for a role that
 * sees all parties. */
static int check_party(req_t *q, const char *party)
{
    if (!party_visible(q, party))
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "You cannot raise tickets for party %s.", party));
    if (q->who->party && strcmp(q->who->party, party) == 0)
        return OK;
    return check_exists(q, itsm_ldap_party_exists, "party", party);
}

/* Fields that name another ticket (itsm_field_t.refers_to): it must exist, be of that kind
 * and be one the caller may see, as for a link target. */
static int check_ticket_refs(req_t *q, const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    const itsm_field_t *f;
    apr_pool_t *p = q->r->pool;

    for (f = q->route->kind->fields; f && f->name; f++) {
        const char *v, *was;
        itsm_ticket_t *to;
        apr_status_t rv;
        int rc;

        if (f->refers_to == NULL || (v = apr_table_get(t->fields, f->name)) == NULL)
            continue;
        was = old ? apr_table_get(old->fields, f->name) : NULL;
        if (was && strcmp(was, v) == 0)
            continue;
        if ((rc = open_store(q)) != OK)
            return rc;
        rv = itsm_store_get(q->store, &to, f->refers_to, v, q->scope, p);
        if (rv == APR_NOTFOUND)
            return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        apr_psprintf(p, "<%s>: %s is not a ticket of kind %s that you can see.",
                                     f->name, v, f->refers_to));
        if (rv != APR_SUCCESS)
            return store_fault(q, 12, "reference");
    }
    return OK;
}

/* What a ticket names outside itself: resolver group and assignee in the directory, tickets
 * in the store. */
static int check_references(req_t *q, const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    int rc;

    if ((rc = check_ticket_refs(q, old, t)) != OK)
        return rc;

    if (t->group && (old == NULL || !old->group || strcmp(old->group, t->group) != 0)
        && (rc = check_exists(q, itsm_ldap_group_exists, "resolver group", t->group)) != OK)
        return rc;
    if (t->assignee && (old == NULL || !old->assignee || strcmp(old->assignee, t->assignee) != 0)
        && (rc = check_exists(q, itsm_ldap_person_exists, "person", t->assignee)) != OK)
        return rc;
    return OK;
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
        return store_fault(q, 11, "aged");
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
            return store_fault(q, 14, "aged");
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
        return store_fault(q, 13, "stats");
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
    init_call(q, &c);
    if (itsm_store_list(q->store, &rows, &more, q->route->kind->kind, q->scope, &f,
                        r->pool) != APR_SUCCESS)
        return store_fault(q, 1, "list");
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
    itsm_event_t e = { event, q->route->kind, t, j, q->r, q->r->server, q->r->pool };

    itsm_event_run(&e);
}

static int do_create(req_t *q)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *t = apr_pcalloc(r->pool, sizeof *t);
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
    if (t->title == NULL)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<title> is required.");
    for (f = k->fields; f && f->name; f++)
        if ((f->flags & ITSM_FIELD_REQUIRED) && apr_table_get(t->fields, f->name) == NULL)
            return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        apr_psprintf(r->pool, "<%s> is required.", f->name));
    if (k->create && k->create(&c, t))
        return fail_call(q, &c);
    if ((rc = check_references(q, NULL, t)) != OK)
        return rc;
    if (t->state == NULL)
        t->state = "new";
    if ((rc = open_store(q)) != OK)
        return rc;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = c.importing ? ITSM_ACTION_IMPORT : ITSM_ACTION_CREATE;
    j.changes = diff(r->pool, k, NULL, t);
    j.note = x.note;
    address(q, &j, t);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    if ((rv = itsm_store_create(q->store, t, k->prefix, &j, r->pool)) != APR_SUCCESS) {
        if (rv == APR_ENOSPC) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00106)
                          "%s numbers are exhausted (7 digits)", k->prefix);
            return fail(q, HTTP_CONFLICT, "conflict", "No ticket numbers left for this kind.");
        }
        return store_fault(q, 2, "create");
    }
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/", k->collection,
                                                         "/", t->number, NULL), r));
    announce(q, ITSM_EVENT_CREATED, t, &j);
    return send_ticket(q, &c, HTTP_CREATED, t);
}

/* ---- one ticket ------------------------------------------------------------------------ */

static int load_ticket(req_t *q, const char *number, itsm_ticket_t **t)
{
    apr_status_t rv;
    int rc;

    if ((rc = open_store(q)) != OK)
        return rc;
    rv = itsm_store_get(q->store, t, q->route->kind->kind, number, q->scope, q->r->pool);
    if (rv == APR_NOTFOUND)
        return not_found(q);
    if (rv != APR_SUCCESS)
        return store_fault(q, 3, "get");
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

static itsm_ticket_t *copy_ticket(apr_pool_t *p, const itsm_ticket_t *t)
{
    itsm_ticket_t *n = apr_pmemdup(p, t, sizeof *t);

    n->fields = apr_table_copy(p, t->fields);
    return n;
}

/* PATCH and actions: one path, the action NULL for a plain update. */
static int do_change(req_t *q, const char *number, const char *action)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_ticket_t *old, *t;
    doc_extras_t x = {0};
    itsm_journal_t j = {0};
    xmlNodePtr root = NULL;
    itsm_call_t c;
    apr_status_t rv;
    int rc;

    if (action && !(k->actions && is_one_of(action, k->actions) && k->action))
        return not_found(q);
    if (!allowed(q, action ? action : ITSM_ACTION_UPDATE))
        return forbidden(q, action ? action : ITSM_ACTION_UPDATE);
    /* The body is read before a database connection is taken from the pool. */
    if ((action == NULL || has_body(r)) && (rc = read_document(q, k->element, &root)) != OK)
        return rc;
    if ((rc = load_ticket(q, number, &old)) != OK)
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
    t->version = old->version + 1;
    t->updated = c.now;
    j.at = c.now;
    j.actor = q->who->uid;
    j.action = action ? action : ITSM_ACTION_UPDATE;
    j.note = x.note;
    address(q, &j, t);
    t->sla_open = itsm_ticket_sla_open(c.sla, k, t);
    if (clocks_retargeted(k, old, t))
        t->sla_notified = "";   /* new due times: warnings and breaches are announced anew */
    rv = itsm_store_update(q->store, t, &j, r->pool);
    if (rv == APR_EAGAIN)
        return fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv != APR_SUCCESS)
        return store_fault(q, 4, "update");
    announce(q, ITSM_EVENT_CHANGED, t, &j);
    return send_ticket(q, &c, HTTP_OK, t);
}

static int do_get(req_t *q, const char *number)
{
    itsm_ticket_t *t;
    itsm_call_t c;
    int rc;

    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, &t)) != OK)
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
    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, &t)) != OK)
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

    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, &t)) != OK)
        return rc;
    if (itsm_store_journal(q->store, &entries, t->id, r->pool) != APR_SUCCESS)
        return store_fault(q, 5, "journal");
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

static int do_links(req_t *q, const char *number)
{
    request_rec *r = q->r;
    apr_array_header_t *links;
    itsm_ticket_t *t;
    itsm_xml_out_t *o;
    int rc, i;

    if (!allowed(q, ITSM_ACTION_READ))
        return forbidden(q, ITSM_ACTION_READ);
    if ((rc = load_ticket(q, number, &t)) != OK)
        return rc;
    if (itsm_store_links(q->store, &links, t->id, q->scope, r->pool) != APR_SUCCESS)
        return store_fault(q, 6, "links");
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

static int do_link(req_t *q, const char *number)
{
    request_rec *r = q->r;
    itsm_ticket_t *from, *to, *bumped;
    itsm_journal_t j = {0};
    const char *type = NULL, *target = NULL;
    xmlNodePtr root, n;
    itsm_xml_out_t *o;
    itsm_change_t *ch;
    apr_status_t rv;
    int rc;

    if (!allowed(q, ITSM_ACTION_LINK))
        return forbidden(q, ITSM_ACTION_LINK);
    if ((rc = read_document(q, "link", &root)) != OK)
        return rc;
    if ((rc = load_ticket(q, number, &from)) != OK)
        return rc;
    if ((rc = check_if_match(q, from)) != OK)
        return rc;
    for (n = root->children; n; n = n->next) {
        if (itsm_xml_is(n, "type"))
            type = itsm_xml_text(r->pool, n);
        else if (itsm_xml_is(n, "target"))
            target = itsm_xml_text(r->pool, n);
    }
    rv = itsm_store_get(q->store, &to, NULL, target, q->scope, r->pool);
    if (rv == APR_NOTFOUND)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(r->pool, "No ticket %s to link to.", target));
    if (rv != APR_SUCCESS)
        return store_fault(q, 7, "link target");
    if (to->id == from->id)
        return fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "A ticket cannot link to itself.");
    bumped = copy_ticket(r->pool, from);
    bumped->version = from->version + 1;
    bumped->updated = apr_time_from_sec(apr_time_sec(r->request_time));
    j.at = bumped->updated;
    j.actor = q->who->uid;
    j.action = ITSM_ACTION_LINK;
    j.changes = apr_array_make(r->pool, 1, sizeof(itsm_change_t));
    ch = apr_array_push(j.changes);
    ch->field = apr_pstrcat(r->pool, "link:", type, NULL);
    ch->old = NULL;
    ch->new = to->number;
    address(q, &j, from);
    rv = itsm_store_link(q->store, bumped, to, type, &j, r->pool);
    if (rv == APR_EAGAIN)
        return fail(q, HTTP_PRECONDITION_FAILED, "precondition-failed",
                    "The ticket has changed since that ETag; GET it again.");
    if (rv == APR_EEXIST)
        return fail(q, HTTP_CONFLICT, "conflict", "That link exists already.");
    if (rv != APR_SUCCESS)
        return store_fault(q, 8, "link");
    announce(q, ITSM_EVENT_LINKED, bumped, &j);
    set_etag(r, bumped);
    apr_table_setn(r->headers_out, "Location",
                   ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/",
                                                         q->route->kind->collection, "/",
                                                         from->number, "/links", NULL), r));
    o = itsm_xml_out_start(r->pool, "link");
    itsm_xml_element(o->w, "type", type);
    itsm_xml_element(o->w, "target", to->number);
    return send_doc(r, HTTP_CREATED, o);
}

/* ---- service and identity documents ---------------------------------------------------- */

static int do_service(req_t *q)
{
    request_rec *r = q->r;
    itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "service");
    int i;

    for (i = 0; i < q->conf->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(q->conf->kinds, i, const itsm_kind_t *);
        const itsm_route_t *route = apr_hash_get(q->conf->routes, k->collection,
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
    roles = ",";
    for (i = 0; q->who->roles && i < q->who->roles->nelts; i++)
        roles = apr_pstrcat(r->pool, roles, "role:", APR_ARRAY_IDX(q->who->roles, i, const char *),
                            ",", NULL);
    if (itsm_store_feed(q->store, &notices, q->who->uid, roles, q->who->party, q->scope, 50,
                        r->pool) != APR_SUCCESS)
        return store_fault(q, 9, "feed");
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
        const itsm_kind_t *kd = itsm_core_kind(q->conf, n->kind);
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
        return store_fault(q, 10, "view");
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
    return apr_hash_get(q->conf->views, path, APR_HASH_KEY_STRING);
}

/* The directory of external desks (an empty <desks/> when none is configured). */
static int do_desks(req_t *q)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, "desks");
    int i;

    for (i = 0; q->conf->desks && i < q->conf->desks->list->nelts; i++) {
        const itsm_desk_t *d = &APR_ARRAY_IDX(q->conf->desks->list, i, itsm_desk_t);

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
    q->route = apr_hash_get(q->conf->routes, seg[0], APR_HASH_KEY_STRING);
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
        if (strcmp(seg[2], "links") == 0) {
            if (m == M_GET)
                return do_links(q, seg[1]);
            if (m == M_POST)
                return do_link(q, seg[1]);
            return method_not_allowed(q, "GET, POST");
        }
        return not_found(q);
    case 4:
        if (strcmp(seg[2], "actions") != 0)
            return not_found(q);
        if (m != M_POST)
            return method_not_allowed(q, "POST");
        return do_change(q, seg[1], seg[3]);
    default:
        return not_found(q);
    }
}
