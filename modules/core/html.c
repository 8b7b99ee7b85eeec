/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A portal page's result tree written as HTML: the same bytes as libxslt's xsltSaveResultTo for
 * <xsl:output method="html" encoding="UTF-8" indent="no"/> (libxml2's
 * htmlDocContentDumpFormatOutput after htmlSetMetaEncoding), written straight into a buffer
 * without libxml2's per-node copies (each attribute value and text node escaped into a fresh
 * string, tag and boolean attribute names looked up by string compares): about half of its
 * instructions. A tree with anything else (a DTD, comments, namespaces, HTML's "&{" and "<!--"
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
    struct { const xmlChar *name; const htmlElemDesc *info; } tags[32];
    struct { const xmlChar *name; int boolean; } attrs[32];
    int ntags, nattrs;
} out_t;

static void grow(out_t *o, apr_size_t more)
{
    char *b;

    if (o->n + more <= o->cap)
        return;
    while (o->n + more > o->cap)
        o->cap *= 2;
    b = apr_palloc(o->p, o->cap);
    memcpy(b, o->b, o->n);
    o->b = b;
}

static void put(out_t *o, const char *s, apr_size_t len)
{
    grow(o, len);
    memcpy(o->b + o->n, s, len);
    o->n += len;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_str(out_t *o, const xmlChar *s)
{
    put(o, (const char *)s, strlen((const char *)s));
}

/* libxml2's escape of text in an HTML document (xmlEncodeEntitiesReentrant): <, > and &
 * escaped, other control bytes than tab, newline and return left out, the rest as it is. */
static void put_escaped(out_t *o, const xmlChar *s)
{
    const xmlChar *run = s;

    for (; *s; s++) {
        const char *e;

        if (*s == '<')
            e = "&lt;";
        else if (*s == '>')
            e = "&gt;";
        else if (*s == '&')
            e = "&amp;";
        else if (*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
            continue;
        else
            e = "";
        put(o, (const char *)run, (apr_size_t)(s - run));
        put(o, e, strlen(e));
        run = s + 1;
    }
    put(o, (const char *)run, (apr_size_t)(s - run));
}

/* xmlURIEscapeStr(s, "@/:=?;#%&,+") of the escaped value: every byte but letters, digits,
 * -_.!~*'() and those as %XX. */
static void put_uri_escaped(out_t *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || strchr("-_.!~*'()@/:=?;#%&,+", c))
            put(o, s, 1);
        else {
            char pct[3] = { '%', hex[c >> 4], hex[c & 0xF] };

            put(o, pct, 3);
        }
    }
}

static const htmlElemDesc *tag_info(out_t *o, const xmlChar *name)
{
    const htmlElemDesc *info;
    int i;

    for (i = 0; i < o->ntags; i++)
        if (o->tags[i].name == name)
            return o->tags[i].info;
    info = htmlTagLookup(name);
    if (o->ntags < (int)(sizeof o->tags / sizeof o->tags[0])) {
        o->tags[o->ntags].name = name;
        o->tags[o->ntags++].info = info;
    }
    return info;
}

static int boolean_attr(out_t *o, const xmlChar *name)
{
    int i, b;

    for (i = 0; i < o->nattrs; i++)
        if (o->attrs[i].name == name)
            return o->attrs[i].boolean;
    b = htmlIsBooleanAttr(name);
    if (o->nattrs < (int)(sizeof o->attrs / sizeof o->attrs[0])) {
        o->attrs[o->nattrs].name = name;
        o->attrs[o->nattrs++].boolean = b;
    }
    return b;
}

/* One attribute as htmlAttrDumpOutput writes it; APR_EGENERAL for a form it leaves to libxml2. */
static apr_status_t put_attr(out_t *o, xmlAttrPtr a)
{
    xmlNodePtr t = a->children;
    const xmlChar *v;
    apr_size_t mark;
    char *value;

    if (a->ns != NULL || (t && (t->type != XML_TEXT_NODE || t->next != NULL)))
        return APR_EGENERAL;
    PUTS(o, " ");
    put_str(o, a->name);
    if (t == NULL || boolean_attr(o, a->name))
        return APR_SUCCESS;
    v = t->content ? t->content : BAD_CAST "";
    if (strstr((const char *)v, "&{") || strstr((const char *)v, "<!--"))
        return APR_EGENERAL;
    /* the value escaped as text, then quoted (or URI-escaped for a link) */
    mark = o->n;
    put_escaped(o, v);
    value = apr_pstrmemdup(o->p, o->b + mark, o->n - mark);
    o->n = mark;
    PUTS(o, "=");
    if (a->parent && a->parent->ns == NULL
        && (!xmlStrcasecmp(a->name, BAD_CAST "href") || !xmlStrcasecmp(a->name, BAD_CAST "action")
            || !xmlStrcasecmp(a->name, BAD_CAST "src")
            || (!xmlStrcasecmp(a->name, BAD_CAST "name")
                && !xmlStrcasecmp(a->parent->name, BAD_CAST "a")))) {
        while (IS_BLANK_CH(*value))
            value++;
        PUTS(o, "\"");
        put_uri_escaped(o, value);
        PUTS(o, "\"");
    }
    else if (strchr(value, '"') == NULL) {
        PUTS(o, "\"");
        put(o, value, strlen(value));
        PUTS(o, "\"");
    }
    else if (strchr(value, '\'') == NULL) {
        PUTS(o, "'");
        put(o, value, strlen(value));
        PUTS(o, "'");
    }
    else {
        const char *s;

        PUTS(o, "\"");
        for (s = value; *s; s++)
            if (*s == '"')
                PUTS(o, "&quot;");
            else
                put(o, s, 1);
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
            && (n->parent == NULL || (xmlStrcasecmp(n->parent->name, BAD_CAST "script")
                                      && xmlStrcasecmp(n->parent->name, BAD_CAST "style"))))
            put_escaped(o, n->content);
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
