/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The web portal: the same resources as HTML for browsers, and HTML forms that post the same
 * documents. A browser (Accept preferring text/html) gets the XML document the API answers,
 * transformed on the server by the suite's XSLT stylesheets: the core's layout and generic
 * pages (itsm-portal.xsl) imported first, then each loaded process's stylesheet
 * (itsm_process_t.stylesheet), compiled once in post_config into one stylesheet per schema
 * directory. Around the document the stylesheets read a context (p:context(): the caller,
 * the navigation, the banner views, the actions the caller may take on the ticket shown, a
 * refused form's values and message, the ticket's journal). A form post
 * (application/x-www-form-urlencoded) is checked for its CSRF token, mapped onto the kind's
 * XML document from its declared fields and goes through the API's own path (schema,
 * authorization, If-Match, process rules); success answers 303 to the ticket, a refusal shows
 * the page again with the message and the person's input. See docs/portal.md. */
#include <apr_optional.h>
#include <apr_ring.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_session.h>
#include <stdlib.h>
#include <string.h>

#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/transform.h>
#include <libxslt/extensions.h>
#include <libxslt/security.h>
#include <libxslt/xsltutils.h>
#include <libxslt/imports.h>
#include <libxml/xpathInternals.h>

#include "request.h"
#include "itsm_codec.h"
#include "itsm_store.h"
#include "itsm_html.h"

APLOG_USE_MODULE(itsm);

#define PORTAL_NS "urn:mod-itsm:portal"
#define PORTAL_XSL "itsm-portal.xsl"
#define CSRF_FIELD "itsm-csrf"
#define VERSION_FIELD "itsm-version"
#define NONCE_KEY "itsm-csrf-nonce"
#define REQ_KEY "itsm:req"
#define STATIC_PATH "/itsm-static"
#define LOGIN_PATH "/itsm-login"
#define LOGOUT_PATH "/itsm-logout"
#define AUTH_PATH "/itsm-auth"
/* How a page's document and its parts are parsed again: our own output, read-only from then on
 * (the transform's input, or copied into the context), so small text nodes may be compact. */
#define PAGE_PARSE (XML_PARSE_NONET | XML_PARSE_COMPACT)

/* The state of one request the portal answers (itsm_req_t.portal). */
struct portal_req_t {
    int html;                   /* answer HTML */
    int form;                   /* a form post being answered */
    const char *number;         /* the ticket a form posts to; NULL: a create */
    const char *action;         /* what the form does: "create", "update" or an action */
    const char *xml;            /* the form as the kind's document */
    apr_size_t xml_len;
    apr_array_header_t *posted; /* const char *: name, value, name, value... */
    const itsm_ticket_t *ticket;    /* the ticket the page shows */
    int refused_status;         /* a form's refusal shown on the page */
    xmlDocPtr refusal;
    int capturing;              /* send_typed keeps the document (a part of the page) */
    const char *captured;
    apr_size_t captured_len;
    int captured_status;
    int new_page;               /* the form of a new ticket */
    int step;                   /* its first step posted (POST .../new): offer what may answer it */
    int lookup;                 /* that step sent by the script while typing (lookup=1): the
                                 * search's own document is the answer, counted nothing */
    const char *refusal_body;   /* refusal's bytes */
    apr_size_t refusal_len;
    int uncached;               /* the transform read what its input does not hold */
};

static APR_OPTIONAL_FN_TYPE(ap_session_load) *session_load;
static APR_OPTIONAL_FN_TYPE(ap_session_get) *session_get;
static APR_OPTIONAL_FN_TYPE(ap_session_set) *session_set;
static unsigned char secret[32];    /* the CSRF key: random per start of the server */
static xsltSecurityPrefsPtr security;

/* ---- start-up: compile the stylesheets once ------------------------------------------- */

/* p:context(): the request's context document, for the stylesheets. */
static void context_fn(xmlXPathParserContextPtr ctxt, int nargs)
{
    xsltTransformContextPtr tctxt = xsltXPathGetTransformContext(ctxt);
    xmlDocPtr doc = tctxt ? tctxt->_private : NULL;

    if (nargs != 0) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    valuePush(ctxt, xmlXPathNewNodeSet(doc ? xmlDocGetRootElement(doc) : NULL));
}

/* p:words(s): a name as words for a label: "marketParticipantId" -> "Market participant
 * id", "request-info" -> "Request info" (the first letter upper case, camelCase humps and
 * hyphens to spaces). In C: the same in XSLT 1.0 recurses once per character. */
static void words_fn(xmlXPathParserContextPtr ctxt, int nargs)
{
    xmlChar *in, *out;
    int i, n = 0;

    if (nargs != 1) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    in = xmlXPathPopString(ctxt);
    if (in == NULL) {
        valuePush(ctxt, xmlXPathNewCString(""));
        return;
    }
    out = xmlMalloc(2 * (size_t)xmlStrlen(in) + 1);
    for (i = 0; in[i]; i++) {
        xmlChar ch = in[i];

        if (i == 0 && ch >= 'a' && ch <= 'z')
            ch = (xmlChar)(ch - 'a' + 'A');
        else if (ch == '-' || ch == '_')
            ch = ' ';
        else if (i > 0 && ch >= 'A' && ch <= 'Z') {
            out[n++] = ' ';
            ch = (xmlChar)(ch - 'A' + 'a');
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    valuePush(ctxt, xmlXPathWrapString(out));
    xmlFree(in);
}

/* p:worst-status(nodes): the worst of the SLA statuses given (a ticket's
 * i:sla/i:target/@status), in the order breached, missed, warning, in-sla, met, cancelled,
 * not-started;
 * "none" when there is none of them. In C: the same as a choose in XSLT evaluates seven node-set
 * comparisons per list row, about a fifth of a list page's transform. */
static void worst_status_fn(xmlXPathParserContextPtr ctxt, int nargs)
{
    static const char *const order[] = { "breached", "missed", "warning", "in-sla", "met",
                                         "cancelled", "not-started" };
    xmlNodeSetPtr nodes;
    int i, j, best = (int)(sizeof order / sizeof order[0]);

    if (nargs != 1) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    nodes = xmlXPathPopNodeSet(ctxt);
    if (xmlXPathCheckError(ctxt))
        return;
    for (i = 0; nodes && i < nodes->nodeNr; i++) {
        xmlChar *v = xmlXPathCastNodeToString(nodes->nodeTab[i]);

        for (j = 0; j < best; j++)
            if (xmlStrEqual(v, BAD_CAST order[j])) {
                best = j;
                break;
            }
        xmlFree(v);
    }
    xmlXPathFreeNodeSet(nodes);
    valuePush(ctxt, xmlXPathNewCString(best < (int)(sizeof order / sizeof order[0])
                                       ? order[best] : "none"));
}

static int stats_of(itsm_req_t *q, const char *query);
static xmlDocPtr capture(itsm_req_t *q, int (*get)(itsm_req_t *, const char *), const char *number);

static apr_status_t free_doc(void *doc)
{
    xmlFreeDoc(doc);
    return APR_SUCCESS;
}

/* p:stats(collection, by): the counts GET /{collection}/stats?by={by} answers the caller
 * (one grouped query of the store, the API's rules), as the node-set of its <stats>; empty
 * when the collection is not loaded or the caller may not count it. A stylesheet asks for
 * it where a page needs counts beside its document (the glossary's A-Z bar), so no other
 * page pays for them. The document lives until the request ends. */
static void stats_fn(xmlXPathParserContextPtr ctxt, int nargs)
{
    xsltTransformContextPtr tctxt = xsltXPathGetTransformContext(ctxt);
    xmlDocPtr ctxdoc = tctxt ? tctxt->_private : NULL, doc = NULL;
    itsm_req_t *q = ctxdoc ? ctxdoc->_private : NULL;
    const itsm_route_t *route, *other;
    xmlChar *collection, *by;

    if (nargs != 2) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    by = xmlXPathPopString(ctxt);
    collection = xmlXPathPopString(ctxt);
    if (q && q->portal)
        q->portal->uncached = 1;    /* the store's counts: not in the page's input */
    if (q && q->portal && collection && by
        && (other = apr_hash_get(q->core->routes, (const char *)collection,
                                 APR_HASH_KEY_STRING)) != NULL) {
        route = q->route;
        q->route = other;
        doc = capture(q, stats_of, apr_pstrcat(q->r->pool, "by=",
                                               ap_escape_urlencoded(q->r->pool, (const char *)by),
                                               NULL));
        q->route = route;
    }
    xmlFree(by);
    xmlFree(collection);
    if (doc)
        apr_pool_cleanup_register(q->r->pool, doc, free_doc, apr_pool_cleanup_null);
    valuePush(ctxt, xmlXPathNewNodeSet(doc ? xmlDocGetRootElement(doc) : NULL));
}

static apr_status_t free_stylesheet(void *style)
{
    xsltFreeStylesheet(style);
    return APR_SUCCESS;
}

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Collects libxslt's messages of a compilation for the log line. */
static void collect(void *ctx, const char *msg, ...)
{
    apr_array_header_t *lines = ctx;
    char buf[512];
    va_list ap;

    va_start(ap, msg);
    apr_vsnprintf(buf, sizeof buf, msg, ap);
    va_end(ap);
    if (lines->nelts < 8)
        APR_ARRAY_PUSH(lines, const char *) = apr_pstrdup(lines->pool, buf);
}

/* What the core knows of a compiled stylesheet (its _private). */
typedef struct portal_style_t {
    int reads_now;              /* the context's now is given: see style_names */
} portal_style_t;

static int name_char(xmlChar c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '-' || c == '_' || c == '.' || c == ':' || c >= 0x80;
}

/* Does an attribute of n or of an element below it hold word as a name (not a part of a
 * longer name)? */
static int node_names(xmlNodePtr n, const char *word)
{
    apr_size_t len = strlen(word);

    for (; n; n = n->next) {
        xmlAttrPtr a;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (a = n->properties; a; a = a->next) {
            xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
            const xmlChar *at;
            int found = 0;

            for (at = v; at && !found && (at = xmlStrstr(at, BAD_CAST word)) != NULL; at++)
                found = (at == v || !name_char(at[-1])) && !name_char(at[len]);
            xmlFree(v);
            if (found)
                return 1;
        }
        if (node_names(n->children, word))
            return 1;
    }
    return 0;
}

/* Does a stylesheet of style (its imports and includes too) name word in an attribute (an
 * XPath expression, a pattern, an attribute value template)? The context's now is given only
 * to stylesheets that name it: with it, a cached page (the page cache) would be used within
 * its second only. */
static int style_names(xsltStylesheetPtr style, const char *word)
{
    for (; style; style = style->next) {
        xsltDocumentPtr d;

        if (style->doc && node_names(xmlDocGetRootElement(style->doc), word))
            return 1;
        for (d = style->docList; d; d = d->next)
            if (d->doc && node_names(xmlDocGetRootElement(d->doc), word))
                return 1;
        if (style_names(style->imports, word))
            return 1;
    }
    return 0;
}

void *itsm_portal_compile(apr_pool_t *p, const char *dir, const apr_array_header_t *stylesheets,
                          const char **err)
{
    static int initialised;
    apr_array_header_t *msgs = apr_array_make(p, 8, sizeof(const char *));
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNsPtr xsl;
    xmlNodePtr root;
    xsltStylesheetPtr style;
    int i;

    if (!initialised) {
        initialised = 1;
        xsltInit();
        xsltRegisterExtModuleFunction(BAD_CAST "context", BAD_CAST PORTAL_NS, context_fn);
        xsltRegisterExtModuleFunction(BAD_CAST "words", BAD_CAST PORTAL_NS, words_fn);
        xsltRegisterExtModuleFunction(BAD_CAST "stats", BAD_CAST PORTAL_NS, stats_fn);
        xsltRegisterExtModuleFunction(BAD_CAST "worst-status", BAD_CAST PORTAL_NS,
                                      worst_status_fn);
        /* a transform reads nothing and writes nothing but its result */
        security = xsltNewSecurityPrefs();
        xsltSetSecurityPrefs(security, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
        xsltSetSecurityPrefs(security, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
        xsltSetSecurityPrefs(security, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
        xsltSetSecurityPrefs(security, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
        xsltSetSecurityPrefs(security, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
        apr_generate_random_bytes(secret, sizeof secret);
        session_load = APR_RETRIEVE_OPTIONAL_FN(ap_session_load);
        session_get = APR_RETRIEVE_OPTIONAL_FN(ap_session_get);
        session_set = APR_RETRIEVE_OPTIONAL_FN(ap_session_set);
    }
    /* <xsl:stylesheet> importing the core's, then each process's: a process's templates
     * take precedence over the core's generic ones */
    root = xmlNewDocNode(doc, NULL, BAD_CAST "stylesheet", NULL);
    xsl = xmlNewNs(root, BAD_CAST "http://www.w3.org/1999/XSL/Transform", BAD_CAST "xsl");
    xmlSetNs(root, xsl);
    xmlNewProp(root, BAD_CAST "version", BAD_CAST "1.0");
    xmlDocSetRootElement(doc, root);
    xmlNewProp(xmlNewChild(root, xsl, BAD_CAST "import", NULL), BAD_CAST "href",
               BAD_CAST apr_pstrcat(p, dir, "/" PORTAL_XSL, NULL));
    for (i = 0; i < stylesheets->nelts; i++)
        xmlNewProp(xmlNewChild(root, xsl, BAD_CAST "import", NULL), BAD_CAST "href",
                   BAD_CAST APR_ARRAY_IDX(stylesheets, i, const char *));
    doc->URL = xmlStrdup(BAD_CAST apr_pstrcat(p, dir, "/portal-composed.xsl", NULL));
    xsltSetGenericErrorFunc(msgs, collect);
    style = xsltParseStylesheetDoc(doc);
    xsltSetGenericErrorFunc(NULL, quiet);
    if (style == NULL || style->errors) {
        if (style)
            xsltFreeStylesheet(style);
        else
            xmlFreeDoc(doc);
        *err = apr_psprintf(p, "the portal's stylesheets in %s do not compile: %s", dir,
                            msgs->nelts ? apr_array_pstrcat(p, msgs, ' ') : "(no message)");
        return NULL;
    }
    apr_pool_cleanup_register(p, style, free_stylesheet, apr_pool_cleanup_null);
    style->_private = apr_pcalloc(p, sizeof(portal_style_t));
    ((portal_style_t *)style->_private)->reads_now = style_names(style, "now");
    return style;
}

/* ---- negotiation ---------------------------------------------------------------------- */

/* The q of one media range of an Accept header: 1000 for q=1. */
static int accept_q(const char *range, apr_size_t len)
{
    const char *q = NULL, *s;

    for (s = range; s < range + len; s++)
        if (*s == ';') {
            const char *t = s + 1;

            while (*t == ' ' || *t == '\t')
                t++;
            if ((t[0] == 'q' || t[0] == 'Q') && t[1] == '=')
                q = t + 2;
        }
    return q ? (int)(strtod(q, NULL) * 1000.0) : 1000;
}

/* Does the Accept header prefer HTML? Only an explicit text/html counts (not a wildcard), and it
 * must rank at least as high as application/xml: a browser, not an API client. */
int itsm_portal_wants_html(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept"), *s;
    int html = -1, xml = -1, any = -1;

    for (s = accept; s && *s;) {
        apr_size_t len = strcspn(s, ","), tlen;
        const char *t = s;

        while (*t == ' ' || *t == '\t')
            t++;
        tlen = strcspn(t, ";, \t");
        if (tlen == 9 && strncasecmp(t, "text/html", 9) == 0)
            html = accept_q(t, len - (apr_size_t)(t - s));
        else if ((tlen == 15 && strncasecmp(t, "application/xml", 15) == 0)
                 || (tlen == 8 && strncasecmp(t, "text/xml", 8) == 0))
            xml = accept_q(t, len - (apr_size_t)(t - s)) > xml
                  ? accept_q(t, len - (apr_size_t)(t - s)) : xml;
        else if (tlen == 3 && strncmp(t, "*/*", 3) == 0)
            any = accept_q(t, len - (apr_size_t)(t - s));
        s += len;
        if (*s == ',')
            s++;
    }
    if (xml < 0)
        xml = any;
    return html > 0 && html >= xml;
}

static int form_media_type(request_rec *r)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");

    return ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0
           && (ct[33] == '\0' || ct[33] == ';' || ct[33] == ' ');
}

/* ---- CSRF ----------------------------------------------------------------------------- */

/* HMAC-SHA1 (RFC 2104) of msg under the server's secret, in hex. */
static const char *hmac_hex(apr_pool_t *p, const char *msg)
{
    unsigned char k[APR_SHA1_DIGESTSIZE * 0 + 64] = {0}, inner[APR_SHA1_DIGESTSIZE],
                  outer[APR_SHA1_DIGESTSIZE], pad[64];
    apr_sha1_ctx_t c;
    char *hex = apr_palloc(p, 2 * APR_SHA1_DIGESTSIZE + 1);
    int i;

    memcpy(k, secret, sizeof secret);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    apr_sha1_init(&c);
    apr_sha1_update_binary(&c, pad, 64);
    apr_sha1_update_binary(&c, (const unsigned char *)msg, (unsigned int)strlen(msg));
    apr_sha1_final(inner, &c);
    for (i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    apr_sha1_init(&c);
    apr_sha1_update_binary(&c, pad, 64);
    apr_sha1_update_binary(&c, inner, sizeof inner);
    apr_sha1_final(outer, &c);
    ap_bin2hex(outer, APR_SHA1_DIGESTSIZE, hex);     /* apr_snprintf per byte: 24 k */
    return hex;
}

/* The token of a session of login whose nonce is nonce. */
static const char *session_token(apr_pool_t *p, const char *login, const char *nonce)
{
    return hmac_hex(p, apr_pstrcat(p, login, "\n", nonce, NULL));
}

/* The CSRF nonce of session z; create: made when it has none. NULL: none. */
static const char *session_nonce(request_rec *r, session_rec *z, int create)
{
    const char *nonce = NULL;

    session_get(r, z, NONCE_KEY, &nonce);
    if ((nonce == NULL || *nonce == '\0') && create) {
        unsigned char raw[16];
        char *hex = apr_palloc(r->pool, 33);

        if (apr_generate_random_bytes(raw, sizeof raw) != APR_SUCCESS)
            return NULL;
        ap_bin2hex(raw, sizeof raw, hex);
        nonce = hex;
        session_set(r, z, NONCE_KEY, nonce);
    }
    return nonce && *nonce ? nonce : NULL;
}

/* The token of the sign-out form of the session whose nonce is nonce: bound to the session
 * alone (the sign-out handler is outside the authenticated space and does not know the
 * login: mod_auth_form keeps it in the session under the AuthName's key). */
static const char *sign_out_token(apr_pool_t *p, const char *nonce)
{
    return hmac_hex(p, apr_pstrcat(p, "sign-out\n", nonce, NULL));
}

/* The sign-out token of the caller's session; NULL without a session or its nonce. */
static const char *page_sign_out_token(itsm_req_t *q)
{
    session_rec *z = NULL;
    const char *nonce;

    if (!session_load || !session_get || !session_set
        || session_load(q->r, &z) != APR_SUCCESS || z == NULL
        || (nonce = session_nonce(q->r, z, 0)) == NULL)
        return NULL;
    return sign_out_token(q->r->pool, nonce);
}

/* The CSRF token of the caller's session: HMAC of the login and a random nonce kept in the
 * session (mod_session; encrypted in the cookie by mod_session_crypto), under a key drawn at
 * each start of the server. create: make the nonce when the session has none. NULL without
 * a session. */
static const char *csrf_token(itsm_req_t *q, int create)
{
    session_rec *z = NULL;
    const char *nonce = NULL;

    /* Basic auth has no session: the token is bound to the login alone (a browser that
     * keeps Basic credentials; the cookie-less path costs no session encryption) */
    if (q->r->ap_auth_type && strcasecmp(q->r->ap_auth_type, "Basic") == 0)
        return hmac_hex(q->r->pool, apr_pstrcat(q->r->pool, "basic\n", q->who->uid, NULL));
    if (!session_load || !session_get || !session_set
        || session_load(q->r, &z) != APR_SUCCESS || z == NULL
        || (nonce = session_nonce(q->r, z, create)) == NULL)
        return NULL;
    return session_token(q->r->pool, q->who->uid, nonce);
}

static int same_token(const char *a, const char *b)
{
    apr_size_t i, n = strlen(a);
    unsigned diff = 0;

    if (n != strlen(b))
        return 0;
    for (i = 0; i < n; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
    return diff == 0;
}

/* ---- form posts ----------------------------------------------------------------------- */

static int common_input(const char *name)
{
    static const char *const names[] = { "title", "description", "priority", "assignee",
                                         "group", "note", "party", NULL };

    return itsm_doc_is_one_of(name, names);
}

/* Sub-resources of a ticket that take a form as well: the document each is and its inputs. */
static const struct {
    const char *path, *element;
    const char *const inputs[3];
} subs[] = {
    { "votes", "vote", { "helpful", NULL } },
    { "links", "link", { "type", "target", NULL } },
};

static int sub_of(const char *path)
{
    int i;

    for (i = 0; i < (int)(sizeof subs / sizeof subs[0]); i++)
        if (strcmp(subs[i].path, path) == 0)
            return i;
    return -1;
}

/* The value of a form's input, or NULL; the last of a repeated one, as the document made of
 * the form takes it (read_form). */
static const char *posted_value(const struct portal_req_t *pq, const char *name)
{
    const char *v = NULL;
    int i;

    for (i = 0; pq->posted && i + 1 < pq->posted->nelts; i += 2)
        if (strcmp(APR_ARRAY_IDX(pq->posted, i, const char *), name) == 0)
            v = APR_ARRAY_IDX(pq->posted, i + 1, const char *);
    return v;
}

/* The route of a searchable collection named by a form, or NULL. */
static const itsm_route_t *searchable(const itsm_req_t *q, const char *collection)
{
    const itsm_route_t *route = collection ? apr_hash_get(q->core->routes, collection,
                                                          APR_HASH_KEY_STRING) : NULL;

    return route && itsm_kind_searchable(route->kind) ? route : NULL;
}

static void count_searched(itsm_req_t *q);

/* Read the form, check its token, map it onto the kind's document (or the sub-resource's:
 * sub >= 0). */
/* A form value's line breaks as an XML document's: a browser sends a textarea's as CRLF
 * (HTML's form encoding), an XML parser reads CRLF and a lone CR as LF, so a text that came
 * through the API and is saved again untouched in a form is the same text (in place). */
static void xml_line_breaks(char *v)
{
    char *d = v;

    for (; *v; v++) {
        if (*v == '\r') {
            *d++ = '\n';
            if (v[1] == '\n')
                v++;
        }
        else {
            *d++ = *v;
        }
    }
    *d = '\0';
}

static int read_form(itsm_req_t *q, const char *number, int sub)
{
    request_rec *r = q->r;
    struct portal_req_t *pq = q->portal;
    const itsm_kind_t *k = q->route->kind;
    apr_off_t limit = q->dir->max_body != ITSM_UNSET ? q->dir->max_body : 1024 * 1024;
    apr_array_header_t *pairs = NULL;
    apr_table_t *values = apr_table_make(r->pool, 8);
    /* the details form (a PATCH): an input left blank clears its field (docs/portal.md) */
    int updating = number && sub < 0 && strcmp(pq->action, ITSM_ACTION_UPDATE) == 0;
    apr_array_header_t *blanks = apr_array_make(r->pool, 4, sizeof(const char *));
    const char *token = NULL, *want, *version = NULL;
    itsm_xml_out_t *o;
    const itsm_field_t *f;
    int i, rc;

    pq->form = 1;
    pq->number = number;
    pq->posted = apr_array_make(r->pool, 8, sizeof(const char *));
    if ((rc = ap_parse_form_data(r, NULL, &pairs, 64, (apr_size_t)limit)) != OK)
        return itsm_resp_fail(q, rc == HTTP_REQUEST_ENTITY_TOO_LARGE ? rc : HTTP_BAD_REQUEST,
                    "bad-form", "The form cannot be read.");
    for (i = 0; pairs && i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        apr_off_t len = 0;
        apr_size_t size;
        char *v;

        apr_brigade_length(pair->value, 1, &len);
        size = (apr_size_t)len;
        v = apr_palloc(r->pool, size + 1);
        apr_brigade_flatten(pair->value, v, &size);
        v[size] = '\0';
        xml_line_breaks(v);
        if (strcmp(pair->name, CSRF_FIELD) == 0)
            token = v;
        else if (pq->step && strcmp(pair->name, "lookup") == 0)
            pq->lookup = strcmp(v, "1") == 0;   /* answered as one even when refused below */
        else if (strcmp(pair->name, VERSION_FIELD) == 0)
            version = v;
        else if (*v) {
            apr_table_set(values, pair->name, v);
            APR_ARRAY_PUSH(pq->posted, const char *) = pair->name;
            APR_ARRAY_PUSH(pq->posted, const char *) = v;
        }
        else if (updating)
            APR_ARRAY_PUSH(blanks, const char *) = pair->name;
    }
    want = csrf_token(q, 0);
    if (token == NULL || want == NULL || !same_token(token, want)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00400)
                      "form post by %s without a valid CSRF token (%s)", q->who->uid,
                      token == NULL ? "none" : want == NULL ? "no session" : "wrong");
        pq->form = 0;       /* nothing to show again: refused as it stands */
        return itsm_resp_fail(q, HTTP_FORBIDDEN, "csrf",
                    "This form has expired or did not come from this site; "
                    "open the page again and resend it.");
    }
    if (version && apr_table_get(r->headers_in, "If-Match") == NULL)
        apr_table_setn(r->headers_in, "If-Match", apr_psprintf(r->pool, "\"%s\"", version));
    if (sub >= 0) {
        const char *const *in;

        o = itsm_xml_out_start(r->pool, subs[sub].element);
        for (in = subs[sub].inputs; *in; in++)
            itsm_xml_element(o, *in, apr_table_get(values, *in));
        pq->xml = itsm_xml_out_end(o, &pq->xml_len);
        return OK;
    }
    /* the kind's document, from its declared fields: common ones first, then the kind's */
    o = itsm_xml_out_start(r->pool, k->element);
    for (i = 0; i < pq->posted->nelts; i += 2) {
        const char *name = APR_ARRAY_IDX(pq->posted, i, const char *);

        if (common_input(name))
            itsm_xml_element(o, name, apr_table_get(values, name));
    }
    for (f = k->fields; f && f->name; f++) {
        const char *v = apr_table_get(values, f->name), *markup, *why;

        if ((f->flags & ITSM_FIELD_READONLY) || v == NULL)
            continue;
        if (itsm_field_type(f) != ITSM_TYPE_XHTML) {
            itsm_xml_element(o, f->name, v);
            continue;
        }
        /* a textarea of markup: taken as the markup it is when it is the safe subset,
         * refused as the API refuses it otherwise (never kept as text) */
        if (itsm_xhtml_check(r->pool, v, &markup, &why) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00404)
                          "form post by %s: <%s> refused: %s", q->who->uid, f->name, why);
            return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                        apr_psprintf(r->pool, "<%s> %s", f->name, why));
        }
        itsm_xml_start_element(o, f->name);
        itsm_xml_write_raw(o, markup);
        itsm_xml_full_end_element(o);
    }
    for (i = 0; i < blanks->nelts; i++) {
        const char *name = APR_ARRAY_IDX(blanks, i, const char *);

        /* a field a request may change (not the party, a note, a read-only or create-only
         * field: a blank note is no note), nor a field the caller is not shown: its input,
         * had a stylesheet offered one, could only be blank */
        if (apr_table_get(values, name) || !itsm_doc_field_settable(k, name)
            || itsm_doc_field_hidden(q, k, name))
            continue;
        apr_table_setn(values, name, "");       /* once, however often it was posted */
        itsm_xml_empty_element(o, name, NULL, 0);
    }
    pq->xml = itsm_xml_out_end(o, &pq->xml_len);
    return OK;
}

int itsm_portal_begin(itsm_req_t *q, const char *const *seg, int n)
{
    request_rec *r = q->r;
    int form, sub, rc;

    /* a browser's: an API client's form post stays refused as any non-XML body (415) */
    if (q->core->portal == NULL || !itsm_portal_wants_html(r))
        return OK;
    form = r->method_number == M_POST && form_media_type(r);
    q->portal = apr_pcalloc(r->pool, sizeof *q->portal);
    q->portal->html = 1;
    apr_pool_userdata_setn(q, REQ_KEY, NULL, r->pool);
    apr_table_mergen(r->headers_out, "Vary", "Accept");
    if (!form) {
        /* a filter form sends its empty inputs too: they mean "any" */
        if (r->args && *r->args) {
            char *args = apr_pstrdup(r->pool, r->args), *pair, *state;
            const char *kept = NULL;

            for (pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
                apr_size_t len = strlen(pair);

                if (len == 0 || pair[len - 1] == '=')
                    continue;
                kept = kept ? apr_pstrcat(r->pool, kept, "&", pair, NULL) : pair;
            }
            r->args = (char *)kept;
        }
        return OK;
    }
    /* forms post to a collection (create), a ticket (update), an action, or a ticket's
     * votes or links; and the first step of a new ticket's form to .../new */
    q->route = n >= 1 ? apr_hash_get(q->core->routes, seg[0], APR_HASH_KEY_STRING) : NULL;
    if (q->route && n == 2 && strcmp(seg[1], "new") == 0) {
        q->portal->action = ITSM_ACTION_CREATE;
        q->portal->step = 1;
        if ((rc = read_form(q, NULL, -1)) != OK)
            return rc;
        /* the inputs are shown again and the search runs (itsm_portal_new); nothing is
         * written, so no document and no 303 */
        q->portal->form = 0;
        q->portal->xml = NULL;
        return OK;
    }
    sub = n == 3 ? sub_of(seg[2]) : -1;
    if (q->route == NULL || (n == 3 && sub < 0) || n > 4
        || (n == 4 && strcmp(seg[2], "actions") != 0))
        return itsm_resp_not_found(q);
    q->portal->action = n == 4 ? seg[3] : n == 3 ? subs[sub].element
                        : n == 2 ? ITSM_ACTION_UPDATE : ITSM_ACTION_CREATE;
    if ((rc = read_form(q, n >= 2 ? seg[1] : NULL, sub)) != OK)
        return rc;
    if (n == 1)
        count_searched(q);
    return OK;
}

int itsm_portal_form_body(itsm_req_t *q, const char **xml, apr_size_t *len)
{
    if (q->portal == NULL || q->portal->xml == NULL)
        return 0;
    *xml = q->portal->xml;
    *len = q->portal->xml_len;
    return 1;
}

void itsm_portal_ticket(itsm_req_t *q, const itsm_ticket_t *t)
{
    if (q->portal)
        q->portal->ticket = t;
}

/* ---- the context of a page ------------------------------------------------------------ */

/* The context is made as a tape: the calls that build its tree (an element with its text, an
 * attribute, a part's document), each with its strings, in a buffer. The tape is the context's
 * whole content, so it is also the page cache's key (see "the page cache"); the tree is made
 * from the tape (ctx_tree) only when the page is rendered. Elements are numbered in the order
 * made, the root (p:context) 0. */
typedef struct ctx_t {
    char *buf;
    apr_size_t len, size;
    apr_pool_t *p;
    int nodes;
} ctx_t;
typedef int cnode_t;

static ctx_t *ctx_make(apr_pool_t *p)
{
    ctx_t *c = apr_palloc(p, sizeof *c);

    c->p = p;
    c->len = 0;
    c->size = 4096;
    c->buf = apr_palloc(p, c->size);
    c->nodes = 1;
    return c;
}

/* Room for n more bytes: where they go. */
static char *tape_room(ctx_t *c, apr_size_t n)
{
    char *at;

    if (c->len + n > c->size) {
        apr_size_t size = 2 * (c->len + n);
        char *buf = apr_palloc(c->p, size);

        memcpy(buf, c->buf, c->len);
        c->buf = buf;
        c->size = size;
    }
    at = c->buf + c->len;
    c->len += n;
    return at;
}

static void tape_put(ctx_t *c, const void *data, apr_size_t n)
{
    memcpy(tape_room(c, n), data, n);
}

/* n bytes as their length, the bytes and a NUL, at at */
static char *tape_str_at(char *at, const void *s, apr_size_t n)
{
    apr_uint32_t len = (apr_uint32_t)n;

    memcpy(at, &len, sizeof len);
    memcpy(at + sizeof len, s, n);
    at[sizeof len + n] = '\0';
    return at + sizeof len + n + 1;
}

static void tape_bytes(ctx_t *c, const void *s, apr_size_t n)
{
    tape_str_at(tape_room(c, sizeof(apr_uint32_t) + n + 1), s, n);
}

/* One call: op, node and one or two strings (b may be NULL). */
static void tape_op(ctx_t *c, char op, cnode_t node, const char *a, const char *b)
{
    apr_size_t na = strlen(a), nb = b ? strlen(b) : 0;
    char *at = tape_room(c, 1 + sizeof node + sizeof(apr_uint32_t) + na + 1
                         + (b ? sizeof(apr_uint32_t) + nb + 1 : 0));

    *at = op;
    memcpy(at + 1, &node, sizeof node);
    at = tape_str_at(at + 1 + sizeof node, a, na);
    if (b)
        tape_str_at(at, b, nb);
}

static cnode_t child(ctx_t *c, cnode_t parent, const char *name, const char *text)
{
    tape_op(c, text ? 'T' : 'E', parent, name, text);
    return c->nodes++;
}

static void prop(ctx_t *c, cnode_t node, const char *name, const char *value)
{
    if (value)
        tape_op(c, 'A', node, name, value);
}

/* A document's bytes, parsed into node when the tree is made; part: node is left out when
 * they do not parse. */
static void doc_into(ctx_t *c, cnode_t node, const char *bytes, apr_size_t len, int part)
{
    char *at = tape_room(c, 1 + sizeof node);

    *at = part ? 'P' : 'D';
    memcpy(at + 1, &node, sizeof node);
    tape_bytes(c, bytes, len);
}

static const char *tape_str(const char **at, apr_size_t *len)
{
    apr_uint32_t n;
    const char *s;

    memcpy(&n, *at, sizeof n);
    s = *at + sizeof n;
    *at = s + n + 1;
    if (len)
        *len = n;
    return s;
}

/* The context's tree, from the first len bytes of its tape. */
static xmlDocPtr ctx_tree(const ctx_t *c, apr_size_t len)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr *nodes = apr_palloc(c->p, sizeof(xmlNodePtr) * (apr_size_t)c->nodes);
    xmlNsPtr ns;
    const char *at = c->buf, *end = c->buf + len;
    int made = 1;

    nodes[0] = xmlNewDocNode(doc, NULL, BAD_CAST "context", NULL);
    ns = xmlNewNs(nodes[0], BAD_CAST PORTAL_NS, BAD_CAST "p");
    xmlSetNs(nodes[0], ns);
    xmlDocSetRootElement(doc, nodes[0]);
    while (at < end) {
        char op = *at;
        cnode_t node;
        const char *name, *text;
        apr_size_t n;
        xmlDocPtr part;

        memcpy(&node, at + 1, sizeof node);
        at += 1 + sizeof node;
        switch (op) {
        case 'E':
        case 'T':
            name = tape_str(&at, NULL);
            text = op == 'T' ? tape_str(&at, NULL) : NULL;
            nodes[made++] = xmlNewTextChild(nodes[node], ns, BAD_CAST name, BAD_CAST text);
            break;
        case 'A':
            name = tape_str(&at, NULL);
            xmlNewProp(nodes[node], BAD_CAST name, BAD_CAST tape_str(&at, NULL));
            break;
        default:    /* 'D', 'P' */
            text = tape_str(&at, &n);
            if ((part = xmlReadMemory(text, (int)n, NULL, NULL, PAGE_PARSE)) != NULL) {
                xmlAddChild(nodes[node], xmlDocCopyNode(xmlDocGetRootElement(part), doc, 1));
                xmlFreeDoc(part);
            }
            else if (op == 'P') {   /* nothing refers to a part's element after this */
                xmlUnlinkNode(nodes[node]);
                xmlFreeNode(nodes[node]);
            }
        }
    }
    return doc;
}

static const char *const type_names[] = { "text", "long-text", "integer", "boolean",
                                          "date-time", "duration", "enum", "ticket", "party",
                                          "person", "group", "xhtml" };

/* An integer field of at most this many values is a choice on a form, not a text input. */
#define INTEGER_CHOICES 10

/* The kind's fields as a form needs them, and its final states (a finished ticket is held
 * by nobody: the page's "Who holds it now"). */
static void describe_kind(itsm_req_t *q, ctx_t *c, cnode_t ctx, const itsm_kind_t *k)
{
    cnode_t kn = child(c, ctx, "kind", NULL);
    const itsm_field_t *f;
    const char *const *s, *finished = NULL;

    prop(c, kn, "name", k->kind);
    prop(c, kn, "element", k->element);
    prop(c, kn, "collection", k->collection);
    for (s = k->final_states; s && *s; s++)
        finished = finished ? apr_pstrcat(q->r->pool, finished, " ", *s, NULL) : *s;
    prop(c, kn, "final-states", finished);
    for (f = k->fields; f && f->name; f++) {
        cnode_t fn = child(c, kn, "field", NULL);
        itsm_field_type_e t = itsm_field_type(f);
        const char *const *v;

        prop(c, fn, "name", f->name);
        prop(c, fn, "type", type_names[t]);
        if (f->flags & ITSM_FIELD_REQUIRED)
            prop(c, fn, "required", "true");
        if (f->flags & ITSM_FIELD_READONLY)
            prop(c, fn, "read-only", "true");
        if (f->flags & ITSM_FIELD_CREATE_ONLY)
            prop(c, fn, "create-only", "true");
        for (v = t == ITSM_TYPE_ENUM ? f->values : NULL; v && *v; v++)
            child(c, fn, "value", *v);
        /* a few whole numbers (a problem's level, 1-4) are chosen, as an enumeration's */
        if (t == ITSM_TYPE_INTEGER && f->min < f->max
            && (apr_uint64_t)f->max - (apr_uint64_t)f->min < INTEGER_CHOICES) {
            apr_uint64_t i, span = (apr_uint64_t)f->max - (apr_uint64_t)f->min;

            for (i = 0; i <= span; i++)
                child(c, fn, "value", apr_psprintf(q->r->pool, "%" APR_INT64_T_FMT,
                                                   (apr_int64_t)((apr_uint64_t)f->min + i)));
        }
    }
}

/* The dry run of a process callback (docs/modules.md, Dry runs): its update (action NULL)
 * or that action, taking old to t (a copy: the page's; a GET's write set is never
 * committed, so nothing is written). Its answer: 0, or the refusal's status with the call's
 * message in *why. */
static int dry_run(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                   itsm_ticket_t *t, const char *action, const char **why)
{
    apr_array_header_t *spawned = q->spawned, *told = q->told;
    const char *doing = q->action;
    itsm_call_t call;
    int rc;

    itsm_req_init_call(q, &call);
    q->dry_run = 1;             /* linked_note reads and tells nothing */
    q->action = action ? action : ITSM_ACTION_UPDATE;   /* a spawn's grant through it */
    rc = action ? k->action(&call, action, old, t) : k->update(&call, old, t);
    q->dry_run = 0;
    q->action = doing;
    q->spawned = spawned;       /* a ticket_create's check stays the dry run's own */
    q->told = told;
    *why = call.message;
    return rc;
}

/* A dry run's refusal that means "not from this state" (409, 404) or "not yours" (403), as
 * against one that asks for input or another value (422). */
static int refused_outright(int rc)
{
    return rc == HTTP_CONFLICT || rc == HTTP_NOT_FOUND || rc == HTTP_FORBIDDEN;
}

/* Does the process take its update (action NULL) or that action on t from its state, run on
 * a copy with no input? A 409 or 404 is "not from this state"; anything else (422: "needs
 * input") offers it. */
static int process_takes(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *t,
                         const char *action)
{
    const char *why;
    int rc;

    if (action ? k->action == NULL : k->update == NULL)
        return action == NULL;
    rc = dry_run(q, k, t, itsm_req_copy_ticket(q->r->pool, t), action, &why);
    return rc != HTTP_CONFLICT && rc != HTTP_NOT_FOUND;
}

/* The inputs of the details form that the caller may not change on t, each as <p:fixed
 * name="..." status="...">why</p:fixed> under the update action (an): for each field the form
 * may offer (title, description, the kind's fields neither read-only nor create-only, and the
 * common priority, assignee and group, marked common="true": on the form only where the
 * kind's stylesheet offers them, mode update-common, as a problem's; an incident's come from
 * its actions), the update callback's dry run on a copy in which only that field holds
 * another value; a 403 (a problem's level and service are problem management's) or a 409 or
 * 404 (not in this state) fixes it, and the form shows it read-only. A 422 is about the
 * value (an incident's external reference without a desk), not the right: the field stays an
 * input. Run only for the form's page: a field per dry run. */
static void describe_fixed(itsm_req_t *q, ctx_t *c, cnode_t an, const itsm_kind_t *k,
                           const itsm_ticket_t *t)
{
    static const char *const common[] = { "title", "description", "priority", "assignee",
                                          "group" };
    enum { ALWAYS_OFFERED = 2 };    /* title and description: on every kind's form */
    apr_time_t now = apr_time_from_sec(apr_time_sec(q->r->request_time));
    size_t i, n_common = sizeof common / sizeof *common;
    const itsm_field_t *f = k->fields;

    for (i = 0; k->update && (i < n_common || (f && f->name)); i++) {
        const char *name = i < n_common ? common[i] : (f++)->name, *why = NULL;
        itsm_ticket_t *copy;
        cnode_t fn;
        int rc;

        if (itsm_doc_field_hidden(q, k, name))  /* not on the caller's form at all */
            continue;
        copy = itsm_doc_changed_copy(q->r->pool, k, t, name, now);
        if (copy == NULL || !refused_outright(rc = dry_run(q, k, t, copy, NULL, &why)))
            continue;
        fn = child(c, an, "fixed", why);
        prop(c, fn, "name", name);
        prop(c, fn, "status", apr_itoa(q->r->pool, rc));
        if (i >= ALWAYS_OFFERED && i < n_common)
            prop(c, fn, "common", "true");
    }
}

/* The actions the caller may take on t now: those their roles or relation to it allow, that
 * the process does not refuse from the ticket's state (process_takes). With details, the
 * page is the details form: which of its fields the caller may not change. */
static void describe_actions(itsm_req_t *q, ctx_t *c, cnode_t ctx, const itsm_ticket_t *t,
                             int details)
{
    const itsm_kind_t *k = q->route->kind;
    cnode_t an = child(c, ctx, "actions", NULL);
    const char *const *a;

    if (itsm_req_reads_published(q, k))
        return;
    if (itsm_req_allowed_on(q, k, t, ITSM_ACTION_UPDATE)) {
        /* offered where the process takes a change of the details in the ticket's state
         * (not a closed problem, an approved article) */
        if (process_takes(q, k, t, NULL)) {
            cnode_t un = child(c, an, "action", NULL);

            prop(c, un, "name", ITSM_ACTION_UPDATE);
            if (details)
                describe_fixed(q, c, un, k, t);
        }
    }
    /* a page's form that links another ticket to this one (a problem's "Link an incident") */
    if (itsm_req_allowed_on(q, k, t, ITSM_ACTION_LINK))
        prop(c, child(c, an, "action", NULL), "name", ITSM_ACTION_LINK);
    for (a = k->actions; a && *a && k->action; a++) {
        if (!itsm_req_allowed_on(q, k, t, *a))
            continue;
        if (process_takes(q, k, t, *a))
            prop(c, child(c, an, "action", NULL), "name", *a);
    }
}

/* May the caller open t's page (a banner row)? The grant to read its kind, by role or by a
 * relation to it, and its party in the caller's scope, decided on the row at hand (no read);
 * a kind read as published asks the store, as a linked number does. */
static int view_row_readable(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *t,
                             apr_hash_t *seen)
{
    if (k == NULL || !itsm_req_allowed_on(q, k, t, ITSM_ACTION_READ))
        return 0;
    if (itsm_req_reads_published(q, k))
        return itsm_req_shown_number(q, seen, t->number) != itsm_not_visible;
    return t->party && itsm_req_party_visible(q, t->party);
}

/* The tickets t names in its ticket-reference fields (a case closed with guidance names its
 * article), each that the caller may open as <p:ref name="article" number="KB0000030"
 * collection="articles"><p:title>..</p:title></p:ref>: read as the caller's own GET of it
 * reads it (in their scope; a reader of a versioned kind its published version) and the
 * grant to read it, by role or relation. The page links those by number and title; a
 * number the caller may not open stays text. One read per reference of the ticket shown. */
static void describe_refs(itsm_req_t *q, ctx_t *c, cnode_t ctx, const itsm_kind_t *k,
                          const itsm_ticket_t *t)
{
    const itsm_field_t *f;

    if (itsm_req_bind_store(q) != APR_SUCCESS)     /* ITSM00103 said why; numbers stay text */
        return;
    for (f = k->fields; f && f->name; f++) {
        const char *number = apr_table_get(t->fields, f->name);
        const itsm_kind_t *xk;
        itsm_ticket_t *x;
        apr_status_t rv;
        cnode_t rn;

        if (itsm_field_type(f) != ITSM_TYPE_TICKET || number == NULL || *number == '\0'
            || itsm_doc_field_hidden(q, k, f->name))
            continue;
        rv = itsm_req_get_visible(&x, &xk, q, f->refers_to, number, q->r->pool);
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND)  /* the page still shows the number */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00409)
                          "%s's <%s> %s not read for its link: %s", t->number, f->name, number,
                          itsm_resp_store_error(q));
        if (rv != APR_SUCCESS || xk == NULL)
            continue;
        rn = child(c, ctx, "ref", NULL);
        prop(c, rn, "name", f->name);
        prop(c, rn, "number", x->number);
        prop(c, rn, "collection", xk->collection);
        child(c, rn, "title", x->title);
    }
}

/* The public views (the major-incident banner) as their documents would show them. */
static void describe_views(itsm_req_t *q, ctx_t *c, cnode_t ctx)
{
    apr_hash_t *seen = apr_hash_make(q->r->pool);
    apr_hash_index_t *hi;

    if (itsm_req_bind_store(q) != APR_SUCCESS)
        return;
    for (hi = apr_hash_first(q->r->pool, q->core->views); hi; hi = apr_hash_next(hi)) {
        const itsm_view_t *v = apr_hash_this_val(hi);
        apr_array_header_t *rows;
        cnode_t vn;
        int i;

        if (itsm_store_tagged(q->store, &rows, v->kind, v->tag, q->r->pool) != APR_SUCCESS)
            continue;
        vn = child(c, ctx, "view", NULL);
        prop(c, vn, "name", v->path);
        prop(c, vn, "kind", v->kind);
        for (i = 0; i < rows->nelts; i++) {
            const itsm_ticket_t *t = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);
            const itsm_kind_t *k = itsm_core_kind(q->core, v->kind);
            cnode_t item = child(c, vn, "item", NULL);
            const char *const *f;

            prop(c, item, "number", t->number);
            prop(c, item, "priority", t->priority);
            prop(c, item, "collection", k ? k->collection : NULL);
            /* the banner shows a major incident to every reader; its page opens to those
             * who may read the ticket (else a link to "Page not found") */
            prop(c, item, "readable", view_row_readable(q, k, t, seen) ? "true" : NULL);
            child(c, item, "title", t->title);
            for (f = v->fields; f && *f; f++)
                if (apr_table_get(t->fields, *f) && !itsm_doc_field_hidden(q, k, *f))
                    prop(c, child(c, item, "field", apr_table_get(t->fields, *f)), "name", *f);
        }
    }
}

/* A document of the API the page shows beside its own (the ticket's journal), as the API
 * answers it (*bytes in the request's pool), or 0 when the caller may not read it. Nothing
 * of that answer stays on the request's own (its status, a refusal's Retry-After). */
static int capture_bytes(itsm_req_t *q, int (*get)(itsm_req_t *, const char *),
                         const char *number, const char **bytes, apr_size_t *len)
{
    struct portal_req_t *pq = q->portal;
    int retry_after = apr_table_get(q->r->err_headers_out, "Retry-After") != NULL;

    pq->capturing = 1;
    pq->captured = NULL;
    get(q, number);
    pq->capturing = 0;
    if (!retry_after)
        apr_table_unset(q->r->err_headers_out, "Retry-After");
    if (pq->captured == NULL || pq->captured_status != HTTP_OK)
        return 0;
    *bytes = pq->captured;
    *len = pq->captured_len;
    return 1;
}

/* The same as a tree, or NULL. */
static xmlDocPtr capture(itsm_req_t *q, int (*get)(itsm_req_t *, const char *), const char *number)
{
    const char *bytes;
    apr_size_t len;

    if (!capture_bytes(q, get, number, &bytes, &len))
        return NULL;
    return xmlReadMemory(bytes, (int)len, NULL, NULL, PAGE_PARSE);
}

/* Adds a captured document to the context as <p:part name="...">. */
static void add_part(itsm_req_t *q, ctx_t *c, cnode_t ctx, const char *name,
                     int (*get)(itsm_req_t *, const char *), const char *arg)
{
    const char *bytes;
    apr_size_t len;
    cnode_t part;

    if (!capture_bytes(q, get, arg, &bytes, &len))
        return;
    part = child(c, ctx, "part", NULL);
    prop(c, part, "name", name);
    doc_into(c, part, bytes, len, 1);
}

/* Runs a GET of the request's route with query as its query string (the route and query
 * are the request's while it runs). */
static int with_query(itsm_req_t *q, const char *query, int (*run)(itsm_req_t *))
{
    request_rec *r = q->r;
    char *saved = r->args;
    int rc;

    r->args = (char *)query;
    rc = run(q);
    r->args = saved;
    return rc;
}

static int list_of(itsm_req_t *q)
{
    int rc = itsm_req_open_store(q);

    return rc == OK ? itsm_view_list(q) : rc;
}

/* The list a search of another collection answers the caller. */
static int search_list(itsm_req_t *q, const char *query)
{
    return with_query(q, query, list_of);
}

/* The counts GET /{collection}/stats?{query} answers the caller. */
static int stats_of(itsm_req_t *q, const char *query)
{
    return with_query(q, query, itsm_view_stats);
}

/* The query of a search of collection for a new ticket's subject (the form's title), and
 * collection's route in *other; NULL when collection is not searchable or there is no
 * subject. */
static const char *suggest_query(itsm_req_t *q, const char *collection,
                                 const itsm_route_t **other)
{
    const char *title = posted_value(q->portal, "title");

    if (title == NULL || (*other = searchable(q, collection)) == NULL)
        return NULL;
    return apr_pstrcat(q->r->pool, "limit=5&q=", ap_escape_urlencoded(q->r->pool, title), NULL);
}

/* The first step of a new ticket's form, posted to .../new with suggest=COLLECTION and the
 * inputs (a POST: what a person writes about their problem stays out of URLs, logs, history
 * and Referer): the search of that collection for the title, as the caller may read it (its
 * own visibility and search analytics: one search per step sent), for the page to offer
 * before the ticket is raised. A GET of .../new never searches. */
static void suggestions(itsm_req_t *q, ctx_t *c, cnode_t ctx)
{
    const itsm_route_t *route = q->route, *other;
    const char *query = suggest_query(q, posted_value(q->portal, "suggest"), &other);

    if (query == NULL)
        return;
    q->route = other;
    add_part(q, c, ctx, "suggestions", search_list, query);
    q->route = route;
}

/* The same step sent by itsm-suggest.js after a pause in typing the subject (lookup=1): the
 * search's own document (the API's <list>) is the answer, and the search is counted nothing
 * in the analytics (a subject typed in three pauses is not three gaps); the ticket raised
 * from the form counts it once (searched=COLLECTION, count_searched). A POST with the
 * session's token as the step, so the subject stays out of URLs and logs here too. */
static int lookup(itsm_req_t *q)
{
    const itsm_route_t *other;
    const char *query = suggest_query(q, posted_value(q->portal, "suggest"), &other);

    if (query == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, ITSMLOGNO(00408)
                      "lookup by %s without a searchable collection (suggest) or a subject "
                      "(title)", q->who->uid);
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-form", "A lookup names a searchable "
                              "collection (suggest) and a subject (title).");
    }
    q->route = other;
    q->uncounted = 1;
    return search_list(q, query);
}

/* A ticket raised from a form whose script offered a search while the subject was typed
 * (the form's suggest input renamed searched): that search, counted nothing while typing,
 * is counted now, once, as the first step's is (a miss, or the caller's last search, which
 * this create then takes as a failed deflection). Before the create, as the step comes
 * before it without script; a caller who may not create counts nothing. */
static void count_searched(itsm_req_t *q)
{
    const itsm_route_t *route = q->route, *other;
    const char *in = posted_value(q->portal, "searched"), *query, *bytes;
    apr_size_t len;

    if (in == NULL || !itsm_req_allowed(q, ITSM_ACTION_CREATE)
        || (query = suggest_query(q, in, &other)) == NULL)
        return;
    q->route = other;
    capture_bytes(q, search_list, query, &bytes, &len);
    q->route = route;
}

/* The ticket a GET's page shows, as that GET read it for the caller (itsm_tickets_get: the
 * caller may read it); NULL after a write (read again, as GET .../journal would). */
static const itsm_ticket_t *read_for_page(itsm_req_t *q)
{
    return q->r->method_number == M_GET ? q->portal->ticket : NULL;
}

/* The journal and the links of the ticket the page shows (the same checks of the caller's
 * roles as their GETs; no second read of the ticket). */
static int journal_of_page(itsm_req_t *q, const char *number)
{
    return itsm_tickets_journal(q, number, read_for_page(q));
}

static int links_of_page(itsm_req_t *q, const char *number)
{
    return itsm_tickets_links(q, number, read_for_page(q));
}

static ctx_t *make_context(itsm_req_t *q, int status)
{
    request_rec *r = q->r;
    struct portal_req_t *pq = q->portal;
    ctx_t *c = ctx_make(r->pool);
    cnode_t ctx = 0, who, nav;
    apr_table_t *args = NULL;
    const apr_array_header_t *arr;
    const char *token;
    int i;

    prop(c, ctx, "base", q->base);
    prop(c, ctx, "static", STATIC_PATH);
    prop(c, ctx, "logout", LOGOUT_PATH);
    prop(c, ctx, "path", r->uri);
    prop(c, ctx, "status", apr_itoa(r->pool, status));
    if (((const portal_style_t *)((xsltStylesheetPtr)q->core->portal)->_private)->reads_now)
        prop(c, ctx, "now", itsm_time_format(r->pool,
                                          apr_time_from_sec(apr_time_sec(r->request_time))));
    if (q->route)
        prop(c, ctx, "collection", q->route->kind->collection);
    if (pq->new_page)
        prop(c, ctx, "page", "new");
    if ((token = csrf_token(q, 1)) != NULL)
        prop(c, ctx, "csrf", token);
    if ((token = page_sign_out_token(q)) != NULL)
        prop(c, ctx, "sign-out-token", token);
    who = child(c, ctx, "who", NULL);
    prop(c, who, "login", q->who->uid);
    prop(c, who, "name", q->who->display_name);
    prop(c, who, "party", q->who->party);
    prop(c, who, "party-name", q->who->party_name);
    for (i = 0; q->who->roles && i < q->who->roles->nelts; i++)
        child(c, who, "role", APR_ARRAY_IDX(q->who->roles, i, const char *));
    nav = child(c, ctx, "nav", NULL);
    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);
        int read = itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_READ);
        cnode_t cn;

        if (!read && itsm_authz_relations_for(q->core->authz, k->kind, ITSM_ACTION_READ) == 0)
            continue;
        cn = child(c, nav, "collection", NULL);
        prop(c, cn, "name", k->collection);
        prop(c, cn, "kind", k->kind);
        if (itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_CREATE))
            prop(c, cn, "create", "true");
        if (!read)
            prop(c, cn, "related-only", "true");
    }
    itsm_req_form_args(r, &args);
    arr = apr_table_elts(args);
    {
        /* the query without paging, for the links to the next and previous page */
        const char *keep = "";

        for (i = 0; i < arr->nelts; i++) {
            const apr_table_entry_t *e = &APR_ARRAY_IDX(arr, i, apr_table_entry_t);

            prop(c, child(c, ctx, "arg", e->val), "name", e->key);
            if (strcmp(e->key, "offset") != 0 && strcmp(e->key, "limit") != 0)
                keep = apr_pstrcat(r->pool, keep, ap_escape_urlencoded(r->pool, e->key), "=",
                                   ap_escape_urlencoded(r->pool, e->val), "&", NULL);
        }
        prop(c, ctx, "query-without-offset", keep);
    }
    describe_views(q, c, ctx);
    if (q->route)
        describe_kind(q, c, ctx, q->route->kind);
    if (pq->ticket && q->route && strcmp(pq->ticket->kind, q->route->kind->kind) == 0) {
        const char *edit = apr_table_get(args, "edit");

        describe_actions(q, c, ctx, pq->ticket,
                         (edit && strcmp(edit, "details") == 0)
                         || (pq->refusal && pq->action && strcmp(pq->action, "update") == 0));
        describe_refs(q, c, ctx, q->route->kind, pq->ticket);
        add_part(q, c, ctx, "journal", journal_of_page, pq->ticket->number);
        add_part(q, c, ctx, "links", links_of_page, pq->ticket->number);
    }
    if (pq->new_page && q->route && pq->step) {
        prop(c, ctx, "step", "suggestions");
        for (i = 0; i + 1 < pq->posted->nelts; i += 2)
            prop(c, child(c, ctx, "posted", APR_ARRAY_IDX(pq->posted, i + 1, const char *)),
                 "name", APR_ARRAY_IDX(pq->posted, i, const char *));
        suggestions(q, c, ctx);
    }
    if (pq->refusal) {
        cnode_t rn = child(c, ctx, "refusal", NULL);

        prop(c, rn, "status", apr_itoa(r->pool, pq->refused_status));
        doc_into(c, rn, pq->refusal_body, pq->refusal_len, 0);
        for (i = 0; pq->posted && i + 1 < pq->posted->nelts; i += 2)
            prop(c, child(c, rn, "value", APR_ARRAY_IDX(pq->posted, i + 1, const char *)),
                 "name", APR_ARRAY_IDX(pq->posted, i, const char *));
        prop(c, rn, "action", pq->action);
    }
    return c;
}

/* ---- answers -------------------------------------------------------------------------- */

static void security_headers(request_rec *r)
{
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                   "form-action 'self'; base-uri 'none'");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Referrer-Policy", "same-origin");
}

/* Is the page's output what the core's HTML writer writes (itsm_html_write): method html,
 * UTF-8, not indented, as itsm-portal.xsl declares it? */
static int plain_html(xsltStylesheetPtr style)
{
    const xmlChar *method, *encoding;
    int indent;

    XSLT_GET_IMPORT_PTR(method, style, method)
    XSLT_GET_IMPORT_PTR(encoding, style, encoding)
    XSLT_GET_IMPORT_INT(indent, style, indent)
    return method && xmlStrEqual(method, BAD_CAST "html")
           && encoding && xmlStrcasecmp(encoding, BAD_CAST "UTF-8") == 0 && indent == 0;
}

/* ---- the page cache ------------------------------------------------------------------- */

/* Rendered pages per httpd child (ITSMPortalCache; docs/portal.md, "The page cache"). A page
 * is a function of its whole input: the compiled stylesheet, the status, the document's
 * bytes and the context: the caller and roles, the CSRF token of the session, the navigation,
 * the banner's rows, the actions, the query, the parts' bytes (the journal, the links, the
 * suggestions), all that p:context() gives. The context is made as a tape (ctx_t) from which
 * alone its tree is made, so the tape followed by the stylesheet, the status and the document
 * is the key, compared whole (apr_hash: the hash, then memcmp of the key): a page is used again
 * only for the very same input, and a change of anything a page shows changes its input. Not
 * in the input, so never kept: a page whose transform called p:stats() (the store's counts);
 * nor kept: a form's refusal, a status other than 200, a method other than GET. The context's
 * now is given only to stylesheets that name it (style_names). The document and the context
 * are still made per request (the same queries, the same checks of the caller's roles and
 * their side effects such as search analytics); a hit saves the context's tree, the parses,
 * the transform, the freeing and the HTML writer. Bounded by entries and bytes (the key and
 * the page); the least recently used page goes first; 0 entries turns it off. */

typedef struct page_entry_t {
    APR_RING_ENTRY(page_entry_t) link;  /* most recently used first */
    apr_pool_t *pool;                   /* the entry's; a subpool of the cache's */
    const char *key, *page;
    apr_size_t key_len, page_len, bytes;
} page_entry_t;

static struct {
    child_keep_t keep;          /* its lock guards everything below, also keep.pool's use */
    apr_hash_t *map;            /* key -> page_entry_t */
    APR_RING_HEAD(page_ring_t, page_entry_t) ring;
    int entries, max_entries;
    apr_size_t bytes, max_bytes;
    apr_uint64_t hits, misses;
} pcache;

/* FNV-1a over 8-byte words: apr_hash's own function takes a multiply per byte of keys of
 * kilobytes. The table compares the whole key after the hash. */
static unsigned int page_hash(const char *key, apr_ssize_t *klen)
{
    apr_uint64_t h = APR_UINT64_C(14695981039346656037), w;
    apr_ssize_t i = 0;

    for (; i + 8 <= *klen; i += 8) {
        memcpy(&w, key + i, 8);
        h = (h ^ w) * APR_UINT64_C(1099511628211);
    }
    for (; i < *klen; i++)
        h = (h ^ (unsigned char)key[i]) * APR_UINT64_C(1099511628211);
    return (unsigned int)(h ^ (h >> 32));
}

apr_status_t itsm_portal_cache_init(apr_pool_t *pchild, int entries, apr_size_t bytes)
{
    apr_status_t rv = APR_SUCCESS;

    memset(&pcache, 0, sizeof pcache);
    if (entries > 0 && bytes > 0 && (rv = child_keep_open(&pcache.keep, pchild)) == APR_SUCCESS) {
        pcache.map = apr_hash_make_custom(pcache.keep.pool, page_hash);
        APR_RING_INIT(&pcache.ring, page_entry_t, link);
        pcache.max_entries = entries;
        pcache.max_bytes = bytes;
    }
    return rv;
}

/* The whole input of a page (see above): the context's tape, then the stylesheet, the status
 * and the document. */
static void page_key(ctx_t *c, const void *style, int status, const char *body, apr_size_t len)
{
    tape_put(c, &style, sizeof style);
    tape_put(c, &status, sizeof status);
    tape_bytes(c, body, len);
}

static void pcache_drop(page_entry_t *e)
{
    APR_RING_REMOVE(e, link);
    apr_hash_set(pcache.map, e->key, (apr_ssize_t)e->key_len, NULL);
    pcache.entries--;
    pcache.bytes -= e->bytes;
    apr_pool_destroy(e->pool);
}

/* The page of key, copied into p (another thread may drop the entry meanwhile). */
static int pcache_get(const ctx_t *k, apr_pool_t *p, const char **page, apr_size_t *len)
{
    page_entry_t *e;

    apr_thread_mutex_lock(pcache.keep.lock);
    e = apr_hash_get(pcache.map, k->buf, (apr_ssize_t)k->len);
    if (e) {
        APR_RING_REMOVE(e, link);
        APR_RING_INSERT_HEAD(&pcache.ring, e, page_entry_t, link);
        *page = apr_pmemdup(p, e->page, e->page_len);
        *len = e->page_len;
        pcache.hits++;
    }
    else
        pcache.misses++;
    apr_thread_mutex_unlock(pcache.keep.lock);
    return e != NULL;
}

/* Keep page under key, the least recently used pages dropped to make room. */
static void pcache_put(const ctx_t *k, const char *page, apr_size_t len)
{
    page_entry_t *e;
    apr_pool_t *ep;

    apr_thread_mutex_lock(pcache.keep.lock);
    if ((e = apr_hash_get(pcache.map, k->buf, (apr_ssize_t)k->len)) != NULL)
        pcache_drop(e);     /* another thread rendered the same meanwhile */
    if (apr_pool_create(&ep, pcache.keep.pool) == APR_SUCCESS) {
        e = apr_palloc(ep, sizeof *e);
        e->pool = ep;
        e->key = apr_pmemdup(ep, k->buf, k->len);
        e->key_len = k->len;
        e->page = apr_pmemdup(ep, page, len);
        e->page_len = len;
        e->bytes = sizeof *e + k->len + len;
        if (e->bytes > pcache.max_bytes)
            apr_pool_destroy(ep);
        else {
            while (!APR_RING_EMPTY(&pcache.ring, page_entry_t, link)
                   && (pcache.entries >= pcache.max_entries
                       || pcache.bytes + e->bytes > pcache.max_bytes))
                pcache_drop(APR_RING_LAST(&pcache.ring));
            APR_RING_INSERT_HEAD(&pcache.ring, e, page_entry_t, link);
            apr_hash_set(pcache.map, e->key, (apr_ssize_t)e->key_len, e);
            pcache.entries++;
            pcache.bytes += e->bytes;
        }
    }
    apr_thread_mutex_unlock(pcache.keep.lock);
}

static void pcache_log(request_rec *r, const char *what)
{
    apr_uint64_t hits, misses;
    apr_size_t bytes;
    int entries;

    if (!APLOGrdebug(r))
        return;
    apr_thread_mutex_lock(pcache.keep.lock);
    hits = pcache.hits;
    misses = pcache.misses;
    entries = pcache.entries;
    bytes = pcache.bytes;
    apr_thread_mutex_unlock(pcache.keep.lock);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, ITSMLOGNO(00801)
                  "page %s: %s (cache: %" APR_UINT64_T_FMT " hits, %" APR_UINT64_T_FMT
                  " misses, %d entries, %" APR_SIZE_T_FMT " bytes)", r->uri, what, hits, misses,
                  entries, bytes);
}

/* Transform the document into the page and send it; the context c (its tape) is the
 * request's. */
static int render(request_rec *r, itsm_req_t *q, xsltStylesheetPtr style, ctx_t *c,
                  int status, const char *body, apr_size_t len)
{
    xmlDocPtr doc = NULL, res = NULL, ctxdoc;
    xsltTransformContextPtr tc = NULL;
    xmlChar *out = NULL;
    const char *page = NULL, *cc;
    apr_size_t page_len = 0, tape = c->len;
    int outlen = 0, keyed = 0;

    /* a page of the cache; else the context's tree made, the document parsed, transformed */
    if (q && q->portal && pcache.keep.lock && r->method_number == M_GET && status == HTTP_OK
        && q->portal->refusal == NULL) {
        keyed = 1;
        page_key(c, style, status, body, len);
        if (pcache_get(c, r->pool, &page, &page_len)) {
            pcache_log(r, "hit");
            goto send;
        }
    }
    ctxdoc = ctx_tree(c, tape);
    doc = xmlReadMemory(body, (int)len, NULL, NULL, PAGE_PARSE);
    if (doc && (tc = xsltNewTransformContext(style, doc)) != NULL) {
        tc->_private = ctxdoc;
        ctxdoc->_private = q;       /* for p:stats() */
        xsltSetCtxtSecurityPrefs(security, tc);
        res = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, tc);
        /* the page's bytes: by the core's writer, or libxslt's for what it leaves out */
        if (res && tc->state == XSLT_STATE_OK
            && (!plain_html(style) || itsm_html_write(r->pool, res, &page, &page_len) != APR_SUCCESS)
            && xsltSaveResultToString(&out, &outlen, res, style) == 0 && out) {
            page = (const char *)out;
            page_len = (apr_size_t)outlen;
        }
    }
    if (res)
        xmlFreeDoc(res);
    if (tc)
        xsltFreeTransformContext(tc);
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeDoc(ctxdoc);
    if (page == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, ITSMLOGNO(00401)
                      "the portal's stylesheet did not render %s", r->uri);
        r->status = HTTP_INTERNAL_SERVER_ERROR;
        ap_set_content_type(r, "text/plain; charset=utf-8");
        ap_rputs("The page cannot be shown.\n", r);
        (void)q;
        return DONE;
    }
    if (keyed) {
        if (!q->portal->uncached)
            pcache_put(c, page, page_len);
        pcache_log(r, q->portal->uncached ? "not kept (p:stats)" : "miss");
    }
send:
    r->status = status;
    security_headers(r);
    cc = apr_table_get(r->headers_out, "Cache-Control");
    /* an answer to a POST may show what was posted (a refused form's values): no browser
     * keeps it on disk; a GET's page may be kept, asked again before each use */
    if (r->method_number != M_GET)
        apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    else if (cc == NULL || strcmp(cc, "no-store") != 0)  /* sign-out's no-store stays */
        apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    apr_table_unset(r->headers_out, "Location");
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)page_len);
    /* the page is the cache's copy or the core's HTML in r->pool, or libxslt's text, which
     * the bucket takes over (xmlFree'd with it) */
    if (out && page != (const char *)out)
        xmlFree(out);
    return itsm_resp_pass(r, page == (const char *)out
                          ? apr_bucket_heap_create(page, page_len, xmlFree,
                                                   r->connection->bucket_alloc)
                          : apr_bucket_pool_create(page, page_len, r->pool,
                                                   r->connection->bucket_alloc));
}

/* 303 to the page of the ticket a form changed or made. */
static int see_other(itsm_req_t *q, const char *body, apr_size_t len)
{
    request_rec *r = q->r;
    const char *number = q->portal->number, *loc;

    if (number == NULL) {       /* created: the number is in the document */
        xmlDocPtr doc = xmlReadMemory(body, (int)len, NULL, NULL, XML_PARSE_NONET);
        xmlNodePtr n;

        for (n = doc ? xmlDocGetRootElement(doc)->children : NULL; n; n = n->next)
            if (itsm_xml_is(n, "number"))
                number = itsm_xml_text(r->pool, n);
        if (doc)
            xmlFreeDoc(doc);
    }
    loc = apr_pstrcat(r->pool, q->base, "/", q->route->kind->collection, "/", number, NULL);
    r->status = HTTP_SEE_OTHER;
    apr_table_setn(r->headers_out, "Location", ap_construct_url(r->pool, loc, r));
    apr_table_unset(r->headers_out, "ETag");
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_rprintf(r, "See %s\n", loc);
    return DONE;
}

int itsm_portal_new(itsm_req_t *q)
{
    itsm_xml_out_t *o;

    if (q->portal == NULL)
        return itsm_resp_not_found(q);
    if (q->r->method_number == M_POST && !q->portal->step && q->portal->refusal == NULL)
        return itsm_resp_fail(q, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "The first step of this form is posted as a form "
                    "(application/x-www-form-urlencoded).");
    if (!itsm_req_allowed(q, ITSM_ACTION_CREATE))
        return itsm_req_forbidden(q, ITSM_ACTION_CREATE);
    if (q->portal->lookup)
        return lookup(q);
    q->portal->new_page = 1;     /* the first step (a POST) is no-store, as every POST (render) */
    o = itsm_xml_out_start(q->r->pool, q->route->kind->element);
    return itsm_resp_send_doc(q->r, HTTP_OK, o);
}

/* send_typed's way out for the portal's requests; declines (returns -1) for the others. */
int itsm_portal_send(request_rec *r, int status, const char *body, apr_size_t len)
{
    itsm_req_t *q = NULL;
    struct portal_req_t *pq;

    apr_pool_userdata_get((void **)&q, REQ_KEY, r->pool);
    if (q == NULL || (pq = q->portal) == NULL)
        return -1;
    if (pq->capturing) {
        pq->captured_status = status;
        pq->captured = body;
        pq->captured_len = len;
        return DONE;
    }
    if (pq->lookup) {       /* the search's document, or its refusal, as the API's */
        security_headers(r);
        return itsm_resp_send_bytes(r, status, body, len, "application/xml", "no-store");
    }
    if (pq->form) {
        pq->form = 0;
        if (status < 300)
            return see_other(q, body, len);
        /* refused: the page again, with the message and the input kept */
        if (q->route && (pq->refusal = xmlReadMemory(body, (int)len, NULL, NULL,
                                                      XML_PARSE_NONET)) != NULL) {
            int rc;

            pq->refusal_body = body;
            pq->refusal_len = len;
            pq->refused_status = status;
            apr_table_unset(r->headers_out, "Location");
            if (pq->number)
                rc = itsm_tickets_get(q, pq->number);
            else
                rc = itsm_portal_new(q);
            xmlFreeDoc(pq->refusal);
            pq->refusal = NULL;
            return rc;
        }
    }
    if (pq->refusal && status == HTTP_OK)
        status = pq->refused_status;
    return render(r, q, q->core->portal, make_context(q, status), status, body, len);
}

/* ---- the login page (handler itsm-login, outside the authenticated space) -------------- */

/* A local path to return to after login: "/..." but not "//..." (another host), and no
 * control character, space or backslash anywhere: browsers drop tabs and newlines from a
 * URL and read "\\" as "/", so "/<TAB>/evil.example/" would go to another host. */
static const char *local_path(request_rec *r, const char *to)
{
    const unsigned char *s;

    if (to == NULL || to[0] != '/' || to[1] == '/')
        return NULL;
    for (s = (const unsigned char *)to; *s; s++)
        if (*s <= 0x20 || *s == 0x7f || *s == '\\')
            return NULL;
    return apr_pstrdup(r->pool, to);
}

/* mod_auth_form sends a successful login to the httpd_location the form posted, as given:
 * a form elsewhere could post another site's URL, to the login handler (/itsm-auth) or to any
 * URL under AuthType form (its inline login). The answers of both pass this filter, which lets
 * only a local path ("/...", not "//...") or an absolute URL of this server through; anything
 * else goes home. */
#define LOGIN_GUARD "ITSM_LOGIN_GUARD"
#define HOME_PATH "/itsm/"

static const char *local_path(request_rec *r, const char *to);

static int own_location(request_rec *r, const char *loc)
{
    const char *self = ap_construct_url(r->pool, "/", r);
    apr_size_t n = strlen(self) - 1;        /* up to the path's "/" */

    return local_path(r, loc) != NULL
           || (strncmp(loc, self, n) == 0 && local_path(r, loc + n) != NULL);
}

static void guard_location(request_rec *r, apr_table_t *t)
{
    const char *loc = apr_table_get(t, "Location");

    if (loc && !own_location(r, loc)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00403)
                      "login: return address %s is not a local path; sent home", loc);
        apr_table_setn(t, "Location", HOME_PATH);
    }
}

static apr_status_t login_guard(ap_filter_t *f, apr_bucket_brigade *bb)
{
    guard_location(f->r, f->r->headers_out);
    guard_location(f->r, f->r->err_headers_out);
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* On the login handler, and on a POST under AuthType form (the inline login is a POST; a
 * GET's answer may be mod_auth_form's own redirect to AuthFormLoginRequiredLocation, which an
 * estate may point at a login host of its own: guarded, it would loop). */
static void insert_login_guard(request_rec *r)
{
    const char *type = ap_auth_type(r);

    if ((r->handler && strcmp(r->handler, "form-login-handler") == 0)
        || (r->method_number == M_POST && type && strcasecmp(type, "form") == 0))
        ap_add_output_filter(LOGIN_GUARD, NULL, r, r->connection);
}

/* A login posted from another site (login CSRF: a page elsewhere signs the person in as
 * the attacker, whose account then receives what they type): mod_auth_form takes the
 * credentials of any POST under AuthType form, on /itsm-auth and inline on every page. The
 * browser says where a request comes from (Sec-Fetch-Site, which no page can set); a
 * cross-site POST there is refused before authentication. Same-site requests, and clients
 * that send no such header, pass: the portal's own forms carry their CSRF token besides. */
static int posted_cross_site(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    return r->method_number == M_POST && site && strcasecmp(site, "cross-site") == 0;
}

static int refuse_cross_site_login(request_rec *r)
{
    const char *type = ap_auth_type(r);

    if (type == NULL || strcasecmp(type, "form") != 0 || !posted_cross_site(r))
        return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00405)
                  "login: a form posted from another site to %s refused", r->uri);
    return HTTP_FORBIDDEN;
}

void itsm_portal_register_hooks(apr_pool_t *p)
{
    ap_hook_header_parser(refuse_cross_site_login, NULL, NULL, APR_HOOK_FIRST);
    ap_register_output_filter(LOGIN_GUARD, login_guard, NULL, AP_FTYPE_CONTENT_SET);
    ap_hook_insert_filter(insert_login_guard, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(insert_login_guard, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(itsm_portal_login, NULL, NULL, APR_HOOK_MIDDLE);
}

static int login_page(request_rec *r, itsm_core_t *core, int signed_out);
static int sign_out(request_rec *r, itsm_core_t *core);

int itsm_portal_login(request_rec *r)
{
    int out;
    itsm_core_t *core;

    if (r->handler == NULL || ((out = strcmp(r->handler, "itsm-logout") == 0) == 0
                               && strcmp(r->handler, "itsm-login") != 0))
        return DECLINED;
    core = itsm_core_of(r->server);
    if (out)
        ap_allow_methods(r, REPLACE_ALLOW, "GET", "POST", NULL);   /* a 405's Allow */
    else
        ap_allow_methods(r, REPLACE_ALLOW, "GET", NULL);
    if (r->method_number != M_GET && !(out && r->method_number == M_POST))
        return HTTP_METHOD_NOT_ALLOWED;
    if (core == NULL || core->portal == NULL)
        return HTTP_NOT_FOUND;
    return out ? sign_out(r, core) : login_page(r, core, 0);
}

/* The page of the sign-out button (a GET of the sign-out URL, or a sign-out refused for its
 * token): a form posting to the sign-out with the session's token. */
static int sign_out_page(request_rec *r, itsm_core_t *core, int status, const char *token)
{
    itsm_xml_out_t *o = itsm_xml_out_start_ns(r->pool, "logout", PORTAL_NS);
    const char *body;
    apr_size_t len;
    ctx_t *c;

    itsm_xml_element(o, "action", LOGOUT_PATH);
    if (status != HTTP_OK)
        itsm_xml_element(o, "refused", "true");
    body = itsm_xml_out_end(o, &len);
    c = ctx_make(r->pool);
    prop(c, 0, "static", STATIC_PATH);
    prop(c, 0, "logout", LOGOUT_PATH);
    prop(c, 0, "home", HOME_PATH);
    prop(c, 0, "path", r->uri);
    prop(c, 0, "status", apr_itoa(r->pool, status));
    if (token)
        prop(c, 0, "sign-out-token", token);
    return render(r, NULL, core->portal, c, status, body, len) == DONE ? OK : DONE;
}

/* Sign-out: a POST only, from the portal's own pages (their form carries the session's
 * CSRF token); a GET answers the page of the button, so that a link or an image elsewhere
 * cannot end a session. The session is emptied (the login mod_auth_form keeps in it, the
 * CSRF nonce) and its cookie expires. Every answer is no-store. */
static int sign_out(request_rec *r, itsm_core_t *core)
{
    session_rec *z = NULL;
    apr_array_header_t *pairs = NULL;
    const char *nonce, *token = NULL, *posted = NULL;
    int i;

    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (posted_cross_site(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00406)
                      "sign-out: a form posted from another site refused");
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        return HTTP_FORBIDDEN;
    }
    if (!session_load || !session_get || !session_set || session_load(r, &z) != APR_SUCCESS
        || z == NULL || apr_is_empty_table(z->entries))     /* no session: nothing to end */
        return login_page(r, core, 1);
    if ((nonce = session_nonce(r, z, r->method_number == M_GET)) != NULL)
        token = sign_out_token(r->pool, nonce);
    if (r->method_number == M_GET)
        return sign_out_page(r, core, HTTP_OK, token);
    if (ap_parse_form_data(r, NULL, &pairs, 8, 8192) == OK)
        for (i = 0; pairs && i < pairs->nelts; i++) {
            ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
            apr_size_t size = 2 * APR_SHA1_DIGESTSIZE + 1;
            char v[2 * APR_SHA1_DIGESTSIZE + 2];

            if (strcmp(pair->name, CSRF_FIELD) != 0)
                continue;
            apr_brigade_flatten(pair->value, v, &size);
            v[size] = '\0';
            posted = apr_pstrdup(r->pool, v);
        }
    if (posted == NULL || token == NULL || !same_token(posted, token)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00407)
                      "sign-out without a valid CSRF token (%s); the session is kept",
                      posted == NULL ? "none" : token == NULL ? "no nonce" : "wrong");
        if (token == NULL && (nonce = session_nonce(r, z, 1)) != NULL)
            token = sign_out_token(r->pool, nonce);
        return sign_out_page(r, core, HTTP_FORBIDDEN, token);
    }
    itsm_session_cache_forget(r);
    apr_table_clear(z->entries);
    z->maxage = 1;
    z->dirty = 1;
    return login_page(r, core, 1);
}

static int login_page(request_rec *r, itsm_core_t *core, int signed_out)
{
    itsm_xml_out_t *o;
    const char *to, *body;
    apr_table_t *args = NULL;
    apr_size_t len;
    ctx_t *c;

    itsm_req_form_args(r, &args);
    /* the page asked for: the path after the login page's own (as
     * AuthFormLoginRequiredLocation "/itsm-login%{REQUEST_URI}?%{QUERY_STRING}" sends it) */
    to = signed_out ? NULL : strncmp(r->uri, LOGIN_PATH, sizeof LOGIN_PATH - 1) == 0
         && r->uri[sizeof LOGIN_PATH - 1] == '/' ? r->uri + sizeof LOGIN_PATH - 1 : NULL;
    if (to && r->args && *r->args)
        to = apr_pstrcat(r->pool, to, "?", r->args, NULL);
    else if (to == NULL && !signed_out)
        to = apr_table_get(args, "to");
    to = local_path(r, to);
    o = itsm_xml_out_start_ns(r->pool, "login", PORTAL_NS);
    /* the page asked for rides on the form's action as well: mod_auth_form answers a wrong
     * password with a redirect to AuthFormLoginRequiredLocation, which gets the action's
     * query ("/itsm-login?failed=1&%{QUERY_STRING}"), not the posted httpd_location */
    itsm_xml_element(o, "action", to ? apr_pstrcat(r->pool, AUTH_PATH, "?to=",
                                                   ap_escape_urlencoded(r->pool, to), NULL)
                                     : AUTH_PATH);
    itsm_xml_element(o, "return", to);
    if (apr_table_get(args, "failed"))
        itsm_xml_element(o, "failed", "true");
    if (signed_out)
        itsm_xml_element(o, "signed-out", "true");
    body = itsm_xml_out_end(o, &len);
    c = ctx_make(r->pool);
    prop(c, 0, "static", STATIC_PATH);
    prop(c, 0, "path", r->uri);
    prop(c, 0, "status", "200");
    return render(r, NULL, core->portal, c, HTTP_OK, body, len) == DONE ? OK : DONE;
}
