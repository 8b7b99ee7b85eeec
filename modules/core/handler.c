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

int itsm_handler(request_rec *r)
{
    itsm_req_t q0 = {0}, *q = &q0;
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
        return itsm_resp_not_found(q);
    rest = r->uri + blen;
    if ((n = split_path(r->pool, rest, seg)) < 0)
        return itsm_resp_not_found(q);

    if ((rc = itsm_req_resolve_caller(q)) != OK)
        return rc;
    if ((rc = itsm_portal_begin(q, seg, n)) != OK)     /* a browser's page or form */
        return rc;

    if (n == 0) {
        if (m != M_GET)
            return itsm_resp_method_not_allowed(q, "GET");
        return itsm_view_service(q);
    }
    if (n == 1 && strcmp(seg[0], "desks") == 0) {
        if (m != M_GET)
            return itsm_resp_method_not_allowed(q, "GET");
        return itsm_view_desks(q);
    }
    if (n == 1 && strcmp(seg[0], "me") == 0) {
        if (m != M_GET)
            return itsm_resp_method_not_allowed(q, "GET");
        return itsm_view_me(q);
    }
    if (n >= 1) {
        const itsm_view_t *v = itsm_view_find(q, rest[0] == '/' ? rest + 1 : rest);

        if (v) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_view_view(q, v);
        }
    }
    if (n == 2 && strcmp(seg[0], "feeds") == 0 && strcmp(seg[1], "me") == 0) {
        if (m != M_GET)
            return itsm_resp_method_not_allowed(q, "GET");
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
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_view_aged(q);
        }
        if (strcmp(seg[1], "stats") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_view_stats(q);
        }
        if (m == M_GET && q->portal && strcmp(seg[1], "new") == 0)
            return itsm_portal_new(q);
        if (m == M_GET)
            return itsm_tickets_get(q, seg[1]);
        if (m == M_PATCH || (m == M_POST && q->portal))    /* a form updates with POST */
            return itsm_tickets_change(q, seg[1], NULL);
        return itsm_resp_method_not_allowed(q, "GET, PATCH");
    case 3:
        if (strcmp(seg[2], "journal") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_tickets_journal(q, seg[1], NULL);
        }
        if (strcmp(seg[2], "sla") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_tickets_sla(q, seg[1], NULL);
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
                return itsm_tickets_links(q, seg[1], NULL);
            if (m == M_POST)
                return itsm_tickets_link(q, seg[1]);
            return itsm_resp_method_not_allowed(q, "GET, POST");
        }
        return itsm_resp_not_found(q);
    case 4:
        if (strcmp(seg[2], "sla") == 0) {
            if (m != M_GET)
                return itsm_resp_method_not_allowed(q, "GET");
            return itsm_tickets_sla(q, seg[1], seg[3]);
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
