/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A portal page's result tree written as HTML: the same bytes as libxslt's xsltSaveResultTo for
 * <xsl:output method="html" encoding="UTF-8" indent="no"/> (libxml2's
 * htmlDocContentDumpFormatOutput after htmlSetMetaEncoding), written straight into a buffer
 * without libxml2's per-node copies (each attribute value and text node escaped into a fresh
 * string, tag and boolean attribute names looked up by string compares): about a quarter of
 * its instructions. A tree with anything else (a DTD, comments, namespaces, HTML's "&{" and "<!--"
 * forms in attribute values) is refused, and the caller writes it with libxslt. libxml2 + APR,
 * no httpd header; tests/unit/test_html.c compares it with libxml2's output. */
#include <apr_strings.h>
#include <string.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/parserInternals.h>

#include "itsm_html.h"

typedef struct {
    apr_pool_t *p;
    char *b;
    apr_size_t n, cap;
    /* names seen, by pointer (a result tree's names come from one dictionary) */
    struct { const xmlChar *name; const htmlElemDesc *info; } tags[64];
    struct { const xmlChar *name; int boolean; } attrs[64];
} out_t;

#define SLOT(name) (((apr_uintptr_t)(name) >> 3) & 63)

static void grow(out_t *o, apr_size_t more)
{
    char *b;

    while (o->n + more > o->cap)
        o->cap *= 2;
    b = apr_palloc(o->p, o->cap);
    memcpy(b, o->b, o->n);
    o->b = b;
}

static inline void put(out_t *o, const char *s, apr_size_t len)
{
    char *d;

    if (o->n + len > o->cap)
        grow(o, len);
    d = o->b + o->n;
    o->n += len;
    if (len > 16)
        memcpy(d, s, len);
    else
        while (len--)
            *d++ = *s++;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_str(out_t *o, const xmlChar *s)
{
    put(o, (const char *)s, strlen((const char *)s));
}

/* Is c kept as it is by xmlURIEscapeStr(s, "@/:=?;#%&,+"): letters, digits, -_.!~*'() and
 * those? */
static int uri_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '?' && c <= 'Z') || (c >= '0' && c <= ';')
           || (c >= '%' && c <= '/') || c == '!' || c == '#' || c == '=' || c == '_'
           || c == '~';
}

/* Text as libxml2 escapes it in an HTML document (xmlEncodeEntitiesReentrant): <, > and &
 * escaped, other control bytes than tab, newline and return left out, the rest as it is. An
 * attribute's value is escaped so too, then either URI-escaped (uri: a link, its leading
 * blanks dropped) or with its double quotes as &quot; (quot: both kinds of quotes in it). */
static void put_value(out_t *o, const xmlChar *s, int uri, int quot)
{
    static const char hex[] = "0123456789ABCDEF";
    const xmlChar *run;

    if (uri)
        while (IS_BLANK_CH(*s))
            s++;
    for (run = s; *s; s++) {
        const char *e;
        char pct[3];
        apr_size_t elen;

        if (*s == '<')
            e = "&lt;", elen = 4;
        else if (*s == '>')
            e = "&gt;", elen = 4;
        else if (*s == '&')
            e = "&amp;", elen = 5;
        else if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
            e = "", elen = 0;
        else if (uri && !uri_safe(*s)) {
            pct[0] = '%';
            pct[1] = hex[*s >> 4];
            pct[2] = hex[*s & 0xF];
            e = pct, elen = 3;
        }
        else if (quot && *s == '"')
            e = "&quot;", elen = 6;
        else
            continue;
        put(o, (const char *)run, (apr_size_t)(s - run));
        put(o, e, elen);
        run = s + 1;
    }
    put(o, (const char *)run, (apr_size_t)(s - run));
}

/* Is a the attribute libxml2 writes as a link: href, action, src, or the name of an a? */
static int link_attr(xmlAttrPtr a)
{
    const xmlChar *n = a->name;

    switch (n[0] | 0x20) {
    case 'h': return !xmlStrcasecmp(n, BAD_CAST "href");
    case 'a': return !xmlStrcasecmp(n, BAD_CAST "action");
    case 's': return !xmlStrcasecmp(n, BAD_CAST "src");
    case 'n':
        return !xmlStrcasecmp(n, BAD_CAST "name") && !xmlStrcasecmp(a->parent->name, BAD_CAST "a");
    default: return 0;
    }
}

static const htmlElemDesc *tag_info(out_t *o, const xmlChar *name)
{
    int i = SLOT(name);

    if (o->tags[i].name != name) {
        o->tags[i].name = name;
        o->tags[i].info = htmlTagLookup(name);
    }
    return o->tags[i].info;
}

static int boolean_attr(out_t *o, const xmlChar *name)
{
    int i = SLOT(name);

    if (o->attrs[i].name != name) {
        o->attrs[i].name = name;
        o->attrs[i].boolean = htmlIsBooleanAttr(name);
    }
    return o->attrs[i].boolean;
}

/* One attribute as htmlAttrDumpOutput writes it; APR_EGENERAL for a form it leaves to libxml2. */
static apr_status_t put_attr(out_t *o, xmlAttrPtr a)
{
    xmlNodePtr t = a->children;
    const xmlChar *v, *c;
    int dq = 0, sq = 0;

    if (a->ns != NULL || (t && (t->type != XML_TEXT_NODE || t->next != NULL)))
        return APR_EGENERAL;
    PUTS(o, " ");
    put_str(o, a->name);
    if (t == NULL || boolean_attr(o, a->name))
        return APR_SUCCESS;
    v = t->content ? t->content : BAD_CAST "";
    for (c = v; *c; c++)
        if (*c == '"')
            dq = 1;
        else if (*c == '\'')
            sq = 1;
        else if ((*c == '&' && c[1] == '{')
                 || (*c == '<' && c[1] == '!' && c[2] == '-' && c[3] == '-'))
            return APR_EGENERAL;    /* HTML 4's forms libxml2 keeps as they are */
    /* escaping adds no quote: the quotes are chosen on the value as it is */
    if (link_attr(a)) {
        PUTS(o, "=\"");
        put_value(o, v, 1, 0);
        PUTS(o, "\"");
    }
    else if (dq && !sq) {
        PUTS(o, "='");
        put_value(o, v, 0, 0);
        PUTS(o, "'");
    }
    else {
        PUTS(o, "=\"");
        put_value(o, v, 0, dq);
        PUTS(o, "\"");
    }
    return APR_SUCCESS;
}

/* One node as htmlNodeDumpFormatOutput writes it unindented. */
static apr_status_t put_node(out_t *o, xmlNodePtr n)
{
    const htmlElemDesc *info;
    xmlAttrPtr a;
    xmlNodePtr c;

    if (n->type == XML_TEXT_NODE) {
        if (n->content == NULL)
            return APR_SUCCESS;
        if (n->name != xmlStringTextNoenc
            && (n->parent == NULL || (n->parent->name[0] | 0x20) != 's'
                || (xmlStrcasecmp(n->parent->name, BAD_CAST "script")
                    && xmlStrcasecmp(n->parent->name, BAD_CAST "style"))))
            put_value(o, n->content, 0, 0);
        else
            put_str(o, n->content);
        return APR_SUCCESS;
    }
    if (n->type != XML_ELEMENT_NODE || n->ns != NULL || n->nsDef != NULL)
        return APR_EGENERAL;
    info = tag_info(o, n->name);
    PUTS(o, "<");
    put_str(o, n->name);
    for (a = n->properties; a; a = a->next)
        if (put_attr(o, a) != APR_SUCCESS)
            return APR_EGENERAL;
    if (info && info->empty) {
        PUTS(o, ">");
        return APR_SUCCESS;
    }
    if (n->children == NULL) {
        if (info && info->saveEndTag && strcmp(info->name, "html") && strcmp(info->name, "body"))
            PUTS(o, ">");
        else {
            PUTS(o, "></");
            put_str(o, n->name);
            PUTS(o, ">");
        }
        return APR_SUCCESS;
    }
    PUTS(o, ">");
    for (c = n->children; c; c = c->next)
        if (put_node(o, c) != APR_SUCCESS)
            return APR_EGENERAL;
    PUTS(o, "</");
    put_str(o, n->name);
    PUTS(o, ">");
    return APR_SUCCESS;
}

apr_status_t itsm_html_write(apr_pool_t *p, xmlDocPtr doc, const char **html, apr_size_t *len)
{
    out_t o;
    xmlNodePtr n;

    /* libxslt's result of method="html" encoding="UTF-8": other bytes than ASCII as they are */
    if (doc == NULL || doc->children == NULL || doc->intSubset != NULL
        || doc->type != XML_HTML_DOCUMENT_NODE || doc->encoding == NULL
        || xmlStrcasecmp(doc->encoding, BAD_CAST "UTF-8") != 0)
        return APR_EGENERAL;
    memset(&o, 0, sizeof o);
    o.p = p;
    o.cap = 16384;
    o.b = apr_palloc(p, o.cap);
    htmlSetMetaEncoding(doc, BAD_CAST "UTF-8");
    for (n = doc->children; n; n = n->next)
        if (put_node(&o, n) != APR_SUCCESS)
            return APR_EGENERAL;
    PUTS(&o, "\n");
    *html = o.b;
    *len = o.n;
    return APR_SUCCESS;
}
