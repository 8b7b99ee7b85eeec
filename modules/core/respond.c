/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The request layer's answers: XML documents and error documents (status, stable code,
 * message, detail), each refusal logged at info with ITSM00100. */
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

/* ---- responses ------------------------------------------------------------------------- */

int itsm_resp_pass(request_rec *r, apr_bucket *body)
{
    conn_rec *c = r->connection;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, c->bucket_alloc);
    apr_status_t rv;

    if (r->header_only)
        apr_bucket_destroy(body);
    else
        APR_BRIGADE_INSERT_TAIL(bb, body);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(c->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, bb);
    apr_brigade_cleanup(bb);
    if (rv != APR_SUCCESS && !c->aborted)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, ITSMLOGNO(00860)
                      "the filters did not take the response");
    return DONE;    /* the response is written: the handler's caller takes DONE as OK */
}

int itsm_resp_send_typed(request_rec *r, int status, itsm_xml_out_t *o, const char *type)
{
    apr_size_t len;
    const char *body = itsm_xml_out_end(o, &len);
    int rc;

    if ((rc = itsm_portal_send(r, status, body, len)) != -1)   /* a browser's page */
        return rc;
    return itsm_resp_send_bytes(r, status, body, len, type, "private, no-cache");
}

int itsm_resp_send_bytes(request_rec *r, int status, const char *body, apr_size_t len,
                         const char *type, const char *cache)
{
    r->status = status;
    apr_table_setn(r->headers_out, "Cache-Control", cache);
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)len);
    /* every response document is written in r->pool: a pool bucket, no copy */
    return itsm_resp_pass(r, apr_bucket_pool_create(body, len, r->pool,
                                                    r->connection->bucket_alloc));
}

int itsm_resp_send_doc(request_rec *r, int status, itsm_xml_out_t *o)
{
    return itsm_resp_send_typed(r, status, o, "application/xml");
}

/* An <error> document. Client errors are logged at info, server faults by the caller. */
itsm_xml_out_t *itsm_resp_error_doc(request_rec *r, int retry_after, int status,
                                    const char *code, const char *message, const char *detail,
                                    int line)
{
    itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "error");

    if (status == HTTP_SERVICE_UNAVAILABLE)
        apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, retry_after));
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00100) "%d %s: %s%s%s", status,
                  code, message, detail ? " - " : "", detail ? detail : "");
    itsm_xml_element(o, "status", apr_itoa(r->pool, status));
    itsm_xml_element(o, "code", code);
    itsm_xml_element(o, "message", message);
    if (detail) {
        itsm_xml_start_element(o, "detail");
        if (line > 0)
            itsm_xml_write_attributef(o, "line", "%d", line);
        itsm_xml_write_string(o, detail);
        itsm_xml_end_element(o);
    }
    return o;
}

int itsm_resp_fail_detail(itsm_req_t *q, int status, const char *code, const char *message,
                       const char *detail, int line)
{
    return itsm_resp_send_doc(q->r, status,
                              itsm_resp_error_doc(q->r, q->conf ? q->conf->retry_after : 10,
                                                  status, code, message, detail, line));
}

int itsm_resp_fail(itsm_req_t *q, int status, const char *code, const char *message)
{
    return itsm_resp_fail_detail(q, status, code, message, NULL, 0);
}

int itsm_resp_fail_call(itsm_req_t *q, const itsm_call_t *c)
{
    if (c->status < 400) {      /* a callback refused without saying why: a process bug */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00206)
                      "a process callback refused with status %d and no itsm_call_fail",
                      c->status);
        return itsm_resp_fail(q, HTTP_INTERNAL_SERVER_ERROR, "process-error",
                    "The process module refused without a reason.");
    }
    return itsm_resp_fail(q, c->status, c->code ? c->code : "invalid-field",
                c->message ? c->message : "refused by the process");
}

int itsm_resp_not_found(itsm_req_t *q)
{
    return itsm_resp_fail(q, HTTP_NOT_FOUND, "not-found", "No such resource.");
}

int itsm_resp_method_not_allowed(itsm_req_t *q, const char *allow)
{
    apr_table_setn(q->r->headers_out, "Allow", allow);
    return itsm_resp_fail(q, HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
                apr_psprintf(q->r->pool, "Allowed here: %s.", allow));
}

/* 503 store-unavailable, after the call site logged the fault with its own number
 * (STORE_FAULT); but 500 store-read-failed when the fault was a read that failed after its
 * first row (itsm_store_cut_short: a corrupt page, an I/O error), which waiting does not
 * mend and whose rows so far are no answer. */
int itsm_resp_store_unavailable(itsm_req_t *q)
{
    if (q->store && itsm_store_cut_short(q->store)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00850)
                      "store: a read failed after its first row, answered 500 rather than a "
                      "short result: %s", itsm_store_error(q->store));
        return itsm_resp_fail(q, HTTP_INTERNAL_SERVER_ERROR, "store-read-failed",
                    "The ticket store failed while reading the answer.");
    }
    return itsm_resp_fail(q, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                "The ticket store is not available; try again later.");
}

const char *itsm_resp_store_error(itsm_req_t *q)
{
    return q->store ? itsm_store_error(q->store) : "no connection";
}
