/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The core's request handler: routes a path under the mount point to a collection, a view or
 * a process's resource, and the suite's URLs past httpd's filesystem walk. The work is in
 * request.c, document.c, views.c, tickets.c and respond.c; no process rule lives in any. */
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

/* ---- an outage met before the core ----------------------------------------------------- */

/* mod_authnz_ldap answers 500 when the directory cannot be reached for a user its cache
 * (LDAPCacheTTL) no longer holds: mod_auth_basic and mod_auth_form make any provider error
 * a 500, before the core is reached. A request of ours that httpd fails with 500 before our
 * handler ran gets, when the core cannot reach the directory either (an uncached lookup,
 * bounded by ITSMLDAPTimeout), the answer of a directory outage: 503 directory-unavailable
 * with Retry-After, as when the core finds the directory down itself. httpd writes an error
 * response as the request's custom response text under the status it had; the text and the
 * status are ours, and a one-shot filter ahead of the headers gives the text its type. */
static const char reached[] = "itsm-reached";

#define OUTAGE_TYPE "ITSM_OUTAGE_TYPE"

static apr_status_t outage_type(ap_filter_t *f, apr_bucket_brigade *bb)
{
    ap_set_content_type(f->r, "application/xml");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

static void directory_outage_answer(request_rec *r)
{
    itsm_server_conf_t *conf = ap_get_module_config(r->server->module_config, &itsm_module);
    const char *errmsg = NULL, *body;
    apr_size_t len;
    apr_status_t rv;

    if (r->status != HTTP_INTERNAL_SERVER_ERROR || r->assbackwards
        || ap_get_module_config(r->request_config, &itsm_module) != claimed
        || conf == NULL || conf->core == NULL || conf->core->directory == NULL)
        return;
    /* any login will do to ask whether the directory answers: "not found" is an answer */
    rv = itsm_ldap_person_exists(conf->core->directory, r->user && *r->user ? r->user : "-",
                                 NULL, &errmsg, r->pool);
    if (rv == APR_SUCCESS || rv == APR_NOTFOUND)
        return;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv == APR_EGENERAL ? 0 : rv, r, ITSMLOGNO(00300)
                  "directory unavailable authenticating %s (httpd's authentication answered "
                  "500): %s", r->user && *r->user ? r->user : "(no login)",
                  errmsg ? errmsg : "no answer");
    body = itsm_xml_out_end(itsm_resp_error_doc(r, conf->retry_after, HTTP_SERVICE_UNAVAILABLE,
                                                "directory-unavailable",
                                                "The identity directory is not available; "
                                                "try again later.", NULL, 0), &len);
    r->status = HTTP_SERVICE_UNAVAILABLE;
    r->status_line = NULL;
    ap_custom_response(r, HTTP_INTERNAL_SERVER_ERROR, apr_pstrmemdup(r->pool, body, len));
    ap_add_output_filter(OUTAGE_TYPE, NULL, r, r->connection);
}

void itsm_outage_register_hooks(apr_pool_t *p)
{
    ap_register_output_filter(OUTAGE_TYPE, outage_type, NULL, AP_FTYPE_CONTENT_SET);
    ap_hook_insert_error_filter(directory_outage_answer, NULL, NULL, APR_HOOK_MIDDLE);
}

/* A resource read with GET alone and no query (the service document, /me, /desks, a
 * public view, the feed, the aged view): OK, or the refusal answered (405, 400 bad-query). */
static int plain_get(itsm_req_t *q)
{
    if (q->r->method_number != M_GET)
        return itsm_resp_method_not_allowed(q, "GET");
    return itsm_req_no_query(q);
}

int itsm_handler(request_rec *r)
{
    itsm_req_t q0 = {0}, *q = &q0;
    const char *seg[5] = {0}, *rest;
    apr_size_t blen;
    int n, m = r->method_number, rc;

    if (r->handler == NULL || strcmp(r->handler, "itsm") != 0)
        return DECLINED;
    /* past here an error is the core's own answer, never taken for the directory's outage */
    ap_set_module_config(r->request_config, &itsm_module, (void *)reached);
    q->r = r;
    q->conf = ap_get_module_config(r->server->module_config, &itsm_module);
    q->core = q->conf->core;
    q->dir = ap_get_module_config(r->per_dir_config, &itsm_module);
    blen = mount_point(r, q->dir, &q->base);
    q->base = apr_pstrndup(r->pool, q->base, blen);
    if (strncmp(r->uri, q->base, blen) != 0)
        return itsm_resp_not_found(q);
    rest = r->uri + blen;
    if ((n = split_path(r->pool, rest, seg)) < 0)
        return itsm_resp_not_found(q);

    if ((rc = itsm_req_resolve_caller(q)) != OK)
        return rc;
    if ((rc = itsm_portal_begin(q, seg, n)) != OK)     /* a browser's page or form */
        return rc;

    if (n == 0) {
        if ((rc = plain_get(q)) != OK)
            return rc;
        return itsm_view_service(q);
    }
    if (n == 1 && strcmp(seg[0], "desks") == 0) {
        if ((rc = plain_get(q)) != OK)
            return rc;
        return itsm_view_desks(q);
    }
    if (n == 1 && strcmp(seg[0], "me") == 0) {
        if ((rc = plain_get(q)) != OK)
            return rc;
        return itsm_view_me(q);
    }
    if (n >= 1) {
        const itsm_view_t *v = itsm_view_find(q, rest[0] == '/' ? rest + 1 : rest);

        if (v) {
            if ((rc = plain_get(q)) != OK)
                return rc;
            return itsm_view_view(q, v);
        }
    }
    if (n == 2 && strcmp(seg[0], "feeds") == 0 && strcmp(seg[1], "me") == 0) {
        if ((rc = plain_get(q)) != OK)
            return rc;
        return itsm_view_feed(q);
    }
    if ((q->route = apr_hash_get(q->core->resources, seg[0], APR_HASH_KEY_STRING)) != NULL) {
        if (n > 2)
            return itsm_resp_not_found(q);
        if (m != M_GET)
            return itsm_resp_method_not_allowed(q, "GET");
        return itsm_view_resource(q, n == 2 ? seg[1] : NULL);
    }
    q->route = apr_hash_get(q->core->routes, seg[0], APR_HASH_KEY_STRING);
    if (q->route == NULL)
        return itsm_resp_not_found(q);
    switch (n) {
    case 1:
        if (m == M_GET) {
            if ((rc = itsm_req_open_store(q)) != OK)
                return rc;
            return itsm_view_list(q);
        }
        if (m == M_POST)
            return itsm_tickets_create(q);
        return itsm_resp_method_not_allowed(q, "GET, POST");
    case 2:
        if (strcmp(seg[1], "aged") == 0) {
            if ((rc = plain_get(q)) != OK)
                return rc;
            return itsm_view_aged(q);
        }
        if (strcmp(seg[1], "stats") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_view_stats(q);
        }
        if ((m == M_GET || m == M_POST) && q->portal && strcmp(seg[1], "new") == 0)
            return itsm_portal_new(q);      /* the form, and its first step (a POST) */
        if (m == M_GET)
            return (rc = itsm_req_no_query(q)) != OK ? rc : itsm_tickets_get(q, seg[1]);
        if (m == M_PATCH || (m == M_POST && q->portal))    /* a form updates with POST */
            return itsm_tickets_change(q, seg[1], NULL);
        return itsm_resp_method_not_allowed(q, "GET, PATCH");
    case 3:
        if (strcmp(seg[2], "journal") == 0) {
            return (rc = plain_get(q)) != OK ? rc : itsm_tickets_journal(q, seg[1], NULL);
        }
        if (strcmp(seg[2], "sla") == 0) {
            return (rc = plain_get(q)) != OK ? rc : itsm_tickets_sla(q, seg[1], NULL);
        }
        if (strcmp(seg[2], "versions") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_tickets_versions(q, seg[1], NULL);
        }
        if (strcmp(seg[2], "votes") == 0) {
            if (m != M_POST)
                return itsm_resp_method_not_allowed(q, "POST");
            return itsm_tickets_vote(q, seg[1]);
        }
        if (strcmp(seg[2], "links") == 0) {
            if (m == M_GET)
                return (rc = itsm_req_no_query(q)) != OK ? rc
                                                         : itsm_tickets_links(q, seg[1], NULL);
            if (m == M_POST)
                return itsm_tickets_link(q, seg[1]);
            return itsm_resp_method_not_allowed(q, "GET, POST");
        }
        return itsm_resp_not_found(q);
    case 4:
        if (strcmp(seg[2], "sla") == 0) {
            return (rc = plain_get(q)) != OK ? rc : itsm_tickets_sla(q, seg[1], seg[3]);
        }
        if (strcmp(seg[2], "versions") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_tickets_versions(q, seg[1], seg[3]);
        }
        if (strcmp(seg[2], "actions") != 0)
            return itsm_resp_not_found(q);
        if (m != M_POST)
            return itsm_resp_method_not_allowed(q, "POST");
        return itsm_tickets_change(q, seg[1], seg[3]);
    case 5:
        if (strcmp(seg[2], "links") != 0)
            return itsm_resp_not_found(q);
        if (m != M_DELETE)
            return itsm_resp_method_not_allowed(q, "DELETE");
        return itsm_tickets_unlink(q, seg[1], seg[3], seg[4]);
    default:
        return itsm_resp_not_found(q);
    }
}
