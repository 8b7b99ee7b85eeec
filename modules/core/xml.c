/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* libxml2 behind a narrow interface: parse request bodies safely (no network, no DTD, no
 * entity expansion; a DOCTYPE is refused outright), validate against the schema that was
 * parsed once at start-up, and write responses with a writer of our own (below). */
#include <apr_file_io.h>
#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include "itsm.h"
#include "itsm_xml.h"
#include "itsm_codec.h"
#include "xml_int.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING \
                       | XML_PARSE_NOBLANKS | XML_PARSE_NOCDATA)

void itsm_xml_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
}

static void silent(void *ctx, const char *msg, ...)
{
}

/* libxml2's message without its line end */
static const char *chomp(apr_pool_t *p, const char *msg)
{
    char *s = apr_pstrdup(p, msg ? msg : "");
    apr_size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    return s;
}

/* A schema parsed with libxml2's generic error handler silent: a file it includes that
 * cannot be read is reported by the parser libxml2 opens for it, through that handler (an
 * "I/O warning" on httpd's stderr); the caller's error says it, in one numbered line. The
 * handler before is put back. Start-up only: one thread. */
static xmlSchemaPtr parse_quietly(xmlSchemaParserCtxtPtr pc)
{
    xmlGenericErrorFunc before = xmlGenericError;
    void *before_ctx = xmlGenericErrorContext;
    xmlSchemaPtr schema;

    xmlSetGenericErrorFunc(NULL, silent);
    schema = xmlSchemaParse(pc);
    xmlSetGenericErrorFunc(before_ctx, before);
    return schema;
}

xmlSchemaPtr itsm_xml_schema_load(const char *path, apr_pool_t *p, const char **err)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr schema;
    const xmlError *e;

    if (pc == NULL) {
        *err = apr_psprintf(p, "cannot read schema %s", path);
        return NULL;
    }
    xmlSchemaSetParserErrors(pc, silent, silent, NULL);
    xmlResetLastError();
    schema = parse_quietly(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (schema == NULL) {
        e = xmlGetLastError();
        *err = apr_psprintf(p, "schema %s does not load: %s", path,
                            e && e->message ? chomp(p, e->message) : "unknown error");
    }
    return schema;
}

xmlSchemaPtr itsm_xml_schema_compose(const char *const *files, int n, apr_pool_t *p,
                                     const char **err)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    xmlSchemaParserCtxtPtr pc = NULL;
    xmlSchemaPtr schema = NULL;
    const xmlError *e;
    int i;

    if (w == NULL) {
        *err = "out of memory composing the schema";
        goto done;
    }
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElementNS(w, BAD_CAST "xs", BAD_CAST "schema",
                                BAD_CAST "http://www.w3.org/2001/XMLSchema");
    xmlTextWriterWriteAttribute(w, BAD_CAST "targetNamespace", BAD_CAST ITSM_NS);
    xmlTextWriterWriteAttribute(w, BAD_CAST "elementFormDefault", BAD_CAST "qualified");
    for (i = 0; i < n; i++) {
        xmlChar *uri = xmlPathToURI(BAD_CAST files[i]);

        xmlTextWriterStartElementNS(w, BAD_CAST "xs", BAD_CAST "include", NULL);
        xmlTextWriterWriteAttribute(w, BAD_CAST "schemaLocation", uri ? uri : BAD_CAST files[i]);
        xmlTextWriterEndElement(w);
        xmlFree(uri);
    }
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    w = NULL;
    pc = xmlSchemaNewMemParserCtxt((const char *)xmlBufferContent(buf), xmlBufferLength(buf));
    if (pc == NULL) {
        *err = "out of memory composing the schema";
        goto done;
    }
    xmlSchemaSetParserErrors(pc, silent, silent, NULL);
    xmlResetLastError();
    schema = parse_quietly(pc);
    if (schema == NULL) {
        const char *file;

        e = xmlGetLastError();
        file = e && e->file && strcmp(e->file, "in_memory_buffer") != 0 ? e->file : NULL;
        *err = apr_psprintf(p, "the schema composed of %d files does not load: %s%s%s", n,
                            file ? file : "", file ? ": " : "",
                            e && e->message ? chomp(p, e->message) : "unknown error");
    }
done:
    if (pc)
        xmlSchemaFreeParserCtxt(pc);
    if (w)
        xmlFreeTextWriter(w);
    if (buf)
        xmlBufferFree(buf);
    return schema;
}

static apr_status_t doc_cleanup(void *doc)
{
    xmlFreeDoc(doc);
    return APR_SUCCESS;
}

/* SAX hook: the parser calls this on <!DOCTYPE, before the internal subset is read. */
static void refuse_doctype(void *vctxt, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    xmlParserCtxtPtr ctxt = vctxt;

    ctxt->_private = (void *)1;
    xmlStopParser(ctxt);
}

apr_status_t itsm_xml_parse(xmlDocPtr *doc, itsm_xml_error_t *err,
                            const char *buf, apr_size_t len, apr_pool_t *p)
{
    xmlParserCtxtPtr ctxt;
    int wellformed, doctype;

    *doc = NULL;
    if (len > INT_MAX) {
        err->code = "malformed-xml";
        err->message = "The request body is too large to parse.";
        return APR_EINVAL;
    }
    ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (ctxt == NULL) {
        err->code = "malformed-xml";
        err->message = "The request body is empty or cannot be parsed.";
        err->detail = NULL;
        err->line = 0;
        return APR_EINVAL;
    }
    xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->_private = NULL;
    xmlParseDocument(ctxt);
    doctype = ctxt->_private != NULL;
    wellformed = ctxt->wellFormed && !doctype;
    if (wellformed) {
        *doc = ctxt->myDoc;
        apr_pool_cleanup_register(p, *doc, doc_cleanup, apr_pool_cleanup_null);
    }
    else {
        const xmlError *e = xmlCtxtGetLastError(ctxt);

        if (doctype) {
            err->code = "doctype-forbidden";
            err->message = "Document type declarations and entities are not accepted.";
            err->detail = NULL;
            err->line = ctxt->input ? ctxt->input->line : 0;
        }
        else {
            err->code = "malformed-xml";
            err->message = "The request body is not well-formed XML.";
            err->detail = e ? chomp(p, e->message) : NULL;
            err->line = e ? e->line : 0;
        }
        if (ctxt->myDoc)
            xmlFreeDoc(ctxt->myDoc);
    }
    xmlFreeParserCtxt(ctxt);
    return wellformed ? APR_SUCCESS : APR_EINVAL;
}

#define TIMESTAMP_PATTERN ".*(Z|[+-]\\d\\d:\\d\\d)"
#define NOT_BLANK_PATTERN ".*\\S.*"      /* its Title and Text */
#define DATE_TIME_SAYS "is not a date and time with its zone (such as 2026-12-07T14:30:00Z)."

static int ends_with(const char *s, const char *end)
{
    apr_size_t n = strlen(s), m = strlen(end);

    return n >= m && strcmp(s + n - m, end) == 0;
}

struct first_error {
    apr_pool_t *p;
    itsm_xml_error_t *err;
};

/* The first error in words naming the element, for the errors of one value (a facet, a
 * type) of a leaf element of ours: "<title> is longer than the 200 characters allowed."
 * The portal puts the field's label in place of the name and links its input; an API
 * client gets the same message, libxml2's own text staying the detail. The value itself
 * is left out (it may be 10 KiB). Only an error of the element's own value: libxml2 reports
 * an attribute's on its element ("Element '{ns}link', attribute 'type': ...", str2 the
 * value's length, str3 the bound), which keeps the general message. For an element's value
 * str1 is the value or its length and str2 the facet's bound (xmlSchemaFacetErr, libxml2
 * 2.9.14). NULL for any other error (a child missing or not expected). */
static const char *value_message(apr_pool_t *p, const xmlError *e)
{
    xmlNodePtr n = e->node, c;
    const char *says, *own, *msg;           /* says: after the name; %s: the facet's bound */

    if (n == NULL || !itsm_xml_is(n, NULL) || e->message == NULL || e->str3 != NULL)
        return NULL;
    own = apr_pstrcat(p, "Element '{" ITSM_NS "}", (const char *)n->name, "': ", NULL);
    if (strncmp(e->message, own, strlen(own)) != 0)
        return NULL;
    for (c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return NULL;
    msg = chomp(p, e->message);
    switch (e->code) {
    case XML_SCHEMAV_CVC_MAXLENGTH_VALID:
        says = "is longer than the %s characters allowed.";
        break;
    case XML_SCHEMAV_CVC_MINLENGTH_VALID:
        says = e->str1 && strcmp(e->str1, "0") == 0 ? "is empty."
               : "is shorter than the %s characters required.";
        break;
    case XML_SCHEMAV_CVC_LENGTH_VALID:
        says = "must be exactly %s characters long.";
        break;
    case XML_SCHEMAV_CVC_MAXINCLUSIVE_VALID:
        says = "is more than %s, the highest allowed.";
        break;
    case XML_SCHEMAV_CVC_MININCLUSIVE_VALID:
        says = "is less than %s, the lowest allowed.";
        break;
    case XML_SCHEMAV_CVC_ENUMERATION_VALID:
        says = "is not one of the values allowed: %s.";
        break;
    case XML_SCHEMAV_CVC_PATTERN_VALID:
        /* itsm-common.xsd's Timestamp (a date and time with its zone), Title and Text */
        says = e->str2 == NULL ? "is not in the form allowed."
               : strcmp(e->str2, TIMESTAMP_PATTERN) == 0 ? DATE_TIME_SAYS
               : strcmp(e->str2, NOT_BLANK_PATTERN) == 0 ? "is empty (white space alone)."
               : "is not in the form allowed.";
        break;
    case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
        /* the type named at the message's end (the value, earlier, may hold any text) */
        says = ends_with(msg, "type 'xs:dateTime'.") || ends_with(msg, "}Timestamp'.")
               ? DATE_TIME_SAYS : "is not a valid value.";
        break;
    default:
        return NULL;
    }
    if (strstr(says, "%s") && e->str2 == NULL)
        return NULL;
    return apr_pstrcat(p, "<", (const char *)n->name, "> ",
                       apr_psprintf(p, says, e->str2), NULL);
}

static void keep_first_error(void *data, xmlErrorPtr e)
{
    struct first_error *fe = data;

    if (fe->err->detail == NULL) {
        fe->err->detail = chomp(fe->p, e->message);
        fe->err->line = e->line;
        fe->err->message = value_message(fe->p, e);
    }
}

apr_status_t itsm_xml_validate(itsm_xml_error_t *err, xmlSchemaPtr schema, xmlDocPtr doc,
                               apr_pool_t *p)
{
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    struct first_error fe = { p, err };
    int rc;

    if (vc == NULL)
        return APR_ENOMEM;
    err->detail = NULL;
    err->message = NULL;
    err->line = 0;
    xmlSchemaSetValidStructuredErrors(vc, keep_first_error, &fe);
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (rc != 0) {
        err->code = "schema-invalid";
        if (err->message == NULL)
            err->message = "The request body does not match the schema.";
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

const char *itsm_xml_text(apr_pool_t *p, xmlNodePtr node)
{
    xmlChar *s = xmlNodeGetContent(node);
    const char *out = apr_pstrdup(p, s ? (const char *)s : "");

    xmlFree(s);
    return out;
}

char *itsm_xml_attr(apr_pool_t *p, xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, BAD_CAST name);
    char *out = v ? apr_pstrdup(p, (const char *)v) : NULL;

    xmlFree(v);
    return out;
}

int itsm_xml_is(xmlNodePtr node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns
           && strcmp((const char *)node->ns->href, ITSM_NS) == 0
           && (name == NULL || strcmp((const char *)node->name, name) == 0);
}

/* ---- The response writer --------------------------------------------------------------
 * Our own rather than xmlTextWriter: for every document that one mallocs the writer, its
 * node and namespace lists, a document and an output buffer, and for every element a stack
 * entry and a copy of its name, and the finished text was copied once more into the pool:
 * 12.5 k of the 85 k instructions of a ticket read, 380 k of the 685 k of a cached search
 * page (callgrind, issue 8, docs/performance.md). Here the text grows in one buffer of the pool and an open element
 * is the offset and length of its name in that text. The bytes are those xmlTextWriter
 * writes for the same calls, escapes included (tests/unit/test_xml_out.c), but that no
 * invalid UTF-8 is written: where xmlTextWriter copies it (or a reference to a lead byte's
 * value), this writer puts U+FFFD, so that a text stored cut inside a character still makes
 * a well-formed document. */

typedef struct open_element_t {
    apr_size_t at, len;         /* the name, in buf */
} open_element_t;

struct itsm_xml_out_t {
    apr_pool_t *p;
    char *buf;                  /* the text so far: len bytes, room for size */
    apr_size_t len, size;
    open_element_t *open;       /* depth open elements, the innermost last; room for max */
    int depth, max;
    int tag_open;               /* the innermost element's start tag awaits ">" or "/>" */
    const char *ns;             /* its namespace, declared as its start tag closes */
};

/* A ticket's document fits the first buffer; a page of a list or a search (16-24 KB) grows
 * once: each growth copies the text so far (four doublings cost a cached search 18 k
 * instructions of memcpy). */
#define OUT_FIRST_SIZE 8192
#define OUT_GROWTH 4
#define OUT_FIRST_DEPTH 16

/* Room for n more bytes and a NUL: the buffer grown into a new piece of the pool (the old
 * pieces go with the pool: a third of the final size at the most). */
static void out_grow(itsm_xml_out_t *o, apr_size_t n)
{
    apr_size_t size = o->size * OUT_GROWTH;
    char *buf;

    while (size < o->len + n + 1)
        size *= OUT_GROWTH;
    buf = apr_palloc(o->p, size);
    memcpy(buf, o->buf, o->len);
    o->buf = buf;
    o->size = size;
}

static APR_INLINE char *out_room(itsm_xml_out_t *o, apr_size_t n)
{
    if (o->size - o->len <= n)
        out_grow(o, n);
    return o->buf + o->len;
}

static APR_INLINE void out_put(itsm_xml_out_t *o, const char *s, apr_size_t n)
{
    memcpy(out_room(o, n), s, n);
    o->len += n;
}

#define OUT_PUT_LITERAL(o, s) out_put((o), (s), sizeof(s) - 1)

/* The escape of c in element content as xmlTextWriterWriteString writes it
 * (xmlEncodeSpecialChars), NULL for a byte written as it is. */
static const char *content_escape(unsigned char c, apr_size_t *n)
{
    switch (c) {
    case '<': *n = 4; return "&lt;";
    case '>': *n = 4; return "&gt;";
    case '&': *n = 5; return "&amp;";
    case '"': *n = 6; return "&quot;";
    case '\r': *n = 5; return "&#13;";
    default: return NULL;
    }
}

#define REPLACEMENT "\xEF\xBF\xBD"   /* U+FFFD in UTF-8 */

/* libxml2's IS_CHAR: a character XML 1.0 allows. */
static int xml_char(unsigned int c)
{
    if (c < 0x100)
        return (c >= 0x9 && c <= 0xa) || c == 0xd || c >= 0x20;
    return (c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* The bytes a run of text stops at: its NUL, those escaped in content, and the first byte
 * of each UTF-8 sequence (checked where it occurs, ASCII being the bulk). */
static const unsigned char text_stop[256] = {
    [0] = 1, ['\r'] = 1, ['"'] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1,
    [0x80 ... 0xff] = 1,
};

/* The length of the UTF-8 sequence at s (s[0] >= 0x80, NUL-terminated) of a character XML
 * allows, 0 for any other: what itsm_utf8_decode and xml_char accept together, without the
 * decoding (tests/unit/test_xml_out.c compares them over every sequence of up to 3 bytes
 * and the edges of the 4-byte ones).
 * A byte after one that is no continuation byte (the NUL among them) is not read. */
static APR_INLINE apr_size_t utf8_xml_char(const unsigned char *s)
{
    unsigned int c = s[0];

#define CONT(b) (((b) & 0xC0u) == 0x80u)
    if (c < 0xC2)               /* a continuation byte, or the lead of an overlong form */
        return 0;
    if (c < 0xE0)
        return CONT(s[1]) ? 2 : 0;
    if (c < 0xF0) {
        if (!CONT(s[1]) || !CONT(s[2])
            || (c == 0xE0 && s[1] < 0xA0)                       /* overlong */
            || (c == 0xED && s[1] >= 0xA0)                      /* a surrogate */
            || (c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE))     /* U+FFFE, U+FFFF */
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (!CONT(s[1]) || !CONT(s[2]) || !CONT(s[3])
            || (c == 0xF0 && s[1] < 0x90)                       /* overlong */
            || (c == 0xF4 && s[1] >= 0x90))                     /* past U+10FFFF */
            return 0;
        return 4;
    }
    return 0;
#undef CONT
}

/* itsm_xml_text_span (xml_int.h), inlined in the writer. */
static APR_INLINE apr_size_t text_span(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t len;

    for (;;) {
        /* four bytes a turn: a byte costs a load, a look-up and a branch */
        for (;;) {
            if (text_stop[s[0]])
                break;
            if (text_stop[s[1]]) {
                s += 1;
                break;
            }
            if (text_stop[s[2]]) {
                s += 2;
                break;
            }
            if (text_stop[s[3]]) {
                s += 3;
                break;
            }
            s += 4;
        }
        if (*s < 0x80 || (len = utf8_xml_char(s)) == 0)
            return (apr_size_t)(s - (const unsigned char *)text);
        s += len;
    }
}

apr_size_t itsm_xml_text_span(const char *text)
{
    return text_span(text);
}

/* text escaped as element content: the runs of valid text copied whole (ASCII but the
 * escaped bytes, and valid UTF-8 of characters XML allows), each escaped byte as its
 * reference, and each byte that starts no valid UTF-8 sequence, or each sequence of a
 * character XML does not allow past ASCII (U+FFFE, U+FFFF), as U+FFFD: the document stays
 * well-formed whatever was stored. */
static void out_put_text(itsm_xml_out_t *o, const char *s)
{
    const char *e;
    apr_size_t run, n = 0;
    int len;

    for (;;) {
        run = text_span(s);
        out_put(o, s, run);
        s += run;
        if (*s == '\0')
            return;
        e = content_escape((unsigned char)*s, &n);
        if (e) {
            out_put(o, e, n);
            s++;
        }
        else {
            OUT_PUT_LITERAL(o, REPLACEMENT);
            itsm_utf8_decode(s, 4, &len);       /* the bytes replaced: 1, or 3; stops at NUL */
            s += len;
        }
    }
}

/* The bytes an attribute's value stops at: its NUL, those libxml2 escapes, and those of
 * UTF-8 sequences (xmlBufAttrSerializeTxtContent without a document encoding, as in the
 * writer's own document: xmlTextWriterStartDocument is not called). */
static const unsigned char attr_special[256] = {
    [0] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1,
    [0x80 ... 0xff] = 1,
};

/* The sequence at s (s[0] >= 0x80) as a hexadecimal character reference, as libxml2 writes
 * one in an attribute ("&#xE9;"); a byte that starts no valid UTF-8 sequence, or a character
 * XML does not allow, as "&#xFFFD;" (where libxml2 writes the lead byte's value, or the byte
 * itself at the end of the value). Answers the bytes taken. */
static apr_size_t out_put_char_ref(itsm_xml_out_t *o, const unsigned char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int len;
    long cp = itsm_utf8_decode((const char *)s, 5, &len); /* stops at the NUL */
    unsigned int val = cp >= 0 && xml_char((unsigned int)cp) ? (unsigned int)cp : 0xFFFDu;
    char ref[12], *r = ref + sizeof ref;

    *--r = ';';
    do
        *--r = hex[val & 0xf];
    while ((val >>= 4) != 0);
    *--r = 'x';
    *--r = '#';
    *--r = '&';
    out_put(o, r, (apr_size_t)(ref + sizeof ref - r));
    return (apr_size_t)len;
}

static void out_put_attribute_value(itsm_xml_out_t *o, const char *value)
{
    const unsigned char *s = (const unsigned char *)value, *base;

    for (;;) {
        for (base = s; !attr_special[*s]; s++)
            ;
        out_put(o, (const char *)base, (apr_size_t)(s - base));
        switch (*s) {
        case '\0': return;
        case '\t': OUT_PUT_LITERAL(o, "&#9;"); s++; break;
        case '\n': OUT_PUT_LITERAL(o, "&#10;"); s++; break;
        case '\r': OUT_PUT_LITERAL(o, "&#13;"); s++; break;
        case '"': OUT_PUT_LITERAL(o, "&quot;"); s++; break;
        case '&': OUT_PUT_LITERAL(o, "&amp;"); s++; break;
        case '<': OUT_PUT_LITERAL(o, "&lt;"); s++; break;
        case '>': OUT_PUT_LITERAL(o, "&gt;"); s++; break;
        default:
            s += out_put_char_ref(o, s);
        }
    }
}

static void out_put_attribute(itsm_xml_out_t *o, const char *name, const char *value)
{
    apr_size_t nl = strlen(name);
    char *d = out_room(o, nl + 3);

    *d++ = ' ';
    memcpy(d, name, nl);
    d[nl] = '=';
    d[nl + 1] = '"';
    o->len += nl + 3;
    if (value)
        out_put_attribute_value(o, value);
    OUT_PUT_LITERAL(o, "\"");
}

/* The innermost start tag closed with end (">" or "/>"), its namespace declared first. */
static void out_close_tag(itsm_xml_out_t *o, const char *end, apr_size_t n)
{
    if (o->ns) {
        out_put_attribute(o, "xmlns", o->ns);
        o->ns = NULL;
    }
    out_put(o, end, n);
    o->tag_open = 0;
}

#define OUT_CONTENT(o) do { if ((o)->tag_open) out_close_tag((o), ">", 1); } while (0)

itsm_xml_out_t *itsm_xml_out_start(apr_pool_t *p, const char *root)
{
    return itsm_xml_out_start_ns(p, root, ITSM_NS);
}

itsm_xml_out_t *itsm_xml_out_start_ns(apr_pool_t *p, const char *root, const char *ns)
{
    itsm_xml_out_t *o = apr_pcalloc(p, sizeof *o + OUT_FIRST_DEPTH * sizeof(open_element_t));

    o->p = p;
    o->open = (open_element_t *)(o + 1);
    o->max = OUT_FIRST_DEPTH;
    o->buf = apr_palloc(p, OUT_FIRST_SIZE);
    o->size = OUT_FIRST_SIZE;
    /* what xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) writes */
    OUT_PUT_LITERAL(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    itsm_xml_start_element_ns(o, root, ns);
    return o;
}

const char *itsm_xml_out_end(itsm_xml_out_t *o, apr_size_t *len)
{
    while (o->depth > 0)
        itsm_xml_end_element(o);
    OUT_PUT_LITERAL(o, "\n");
    o->buf[o->len] = '\0';      /* out_room keeps a byte for it */
    *len = o->len;
    return o->buf;
}

void itsm_xml_start_element(itsm_xml_out_t *o, const char *name)
{
    apr_size_t nl;
    char *d;

    if (name == NULL || *name == '\0')
        return;
    OUT_CONTENT(o);
    if (o->depth == o->max) {
        open_element_t *open = apr_palloc(o->p, 2 * (apr_size_t)o->max * sizeof *open);

        memcpy(open, o->open, (apr_size_t)o->max * sizeof *open);
        o->open = open;
        o->max *= 2;
    }
    nl = strlen(name);
    d = out_room(o, nl + 1);
    *d = '<';
    memcpy(d + 1, name, nl);
    o->open[o->depth].at = o->len + 1;
    o->open[o->depth].len = nl;
    o->depth++;
    o->len += nl + 1;
    o->tag_open = 1;
}

void itsm_xml_start_element_ns(itsm_xml_out_t *o, const char *name, const char *ns)
{
    if (name == NULL || *name == '\0')
        return;
    itsm_xml_start_element(o, name);
    o->ns = ns;
}

static void out_end_tag(itsm_xml_out_t *o)
{
    const open_element_t *e = &o->open[--o->depth];
    char *d = out_room(o, e->len + 3);  /* the name is copied from buf after it may move */

    d[0] = '<';
    d[1] = '/';
    memcpy(d + 2, o->buf + e->at, e->len);
    d[e->len + 2] = '>';
    o->len += e->len + 3;
}

void itsm_xml_end_element(itsm_xml_out_t *o)
{
    if (o->depth == 0)
        return;
    if (o->tag_open) {
        out_close_tag(o, "/>", 2);
        o->depth--;
    }
    else
        out_end_tag(o);
}

void itsm_xml_full_end_element(itsm_xml_out_t *o)
{
    if (o->depth == 0)
        return;
    OUT_CONTENT(o);
    out_end_tag(o);
}

void itsm_xml_write_attribute(itsm_xml_out_t *o, const char *name, const char *value)
{
    if (o->tag_open && name && *name)
        out_put_attribute(o, name, value);
}

/* fmt formatted with vsnprintf, as libxml2's writer does: in small when it fits, else in
 * the pool; NULL when vsnprintf fails (libxml2 then writes nothing either). */
static const char *out_vformat(itsm_xml_out_t *o, char *small, apr_size_t size,
                               const char *fmt, va_list ap)
{
    va_list aq;
    char *big;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(small, size, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    if ((apr_size_t)n < size)
        return small;
    big = apr_palloc(o->p, (apr_size_t)n + 1);
    vsnprintf(big, (apr_size_t)n + 1, fmt, ap);
    return big;
}

/* The formatted value written as the attribute name, or as text when name is NULL. */
static void out_formatted(itsm_xml_out_t *o, const char *name, const char *fmt, va_list ap)
{
    char small[128];
    const char *s = out_vformat(o, small, sizeof small, fmt, ap);

    if (s && name)
        itsm_xml_write_attribute(o, name, s);
    else if (s)
        itsm_xml_write_string(o, s);
}

void itsm_xml_write_attributef(itsm_xml_out_t *o, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (name == NULL)
        return;
    va_start(ap, fmt);
    out_formatted(o, name, fmt, ap);
    va_end(ap);
}

void itsm_xml_write_string(itsm_xml_out_t *o, const char *text)
{
    if (text == NULL)
        return;
    OUT_CONTENT(o);
    out_put_text(o, text);
}

void itsm_xml_write_stringf(itsm_xml_out_t *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    out_formatted(o, NULL, fmt, ap);
    va_end(ap);
}

void itsm_xml_write_raw_len(itsm_xml_out_t *o, const char *markup, apr_size_t len)
{
    if (markup == NULL)
        return;
    OUT_CONTENT(o);
    out_put(o, markup, len);
}

void itsm_xml_write_raw(itsm_xml_out_t *o, const char *markup)
{
    if (markup)
        itsm_xml_write_raw_len(o, markup, strlen(markup));
}

void itsm_xml_element(itsm_xml_out_t *o, const char *name, const char *text)
{
    apr_size_t nl;
    char *d;

    if (text == NULL)
        return;
    OUT_CONTENT(o);
    nl = strlen(name);
    d = out_room(o, nl + 2);
    d[0] = '<';
    memcpy(d + 1, name, nl);
    d[nl + 1] = '>';
    o->len += nl + 2;
    out_put_text(o, text);
    d = out_room(o, nl + 3);
    d[0] = '<';
    d[1] = '/';
    memcpy(d + 2, name, nl);
    d[nl + 2] = '>';
    o->len += nl + 3;
}

void itsm_xml_empty_element(itsm_xml_out_t *o, const char *name, const char *const *attrs,
                            int n)
{
    apr_size_t nl = strlen(name);
    char *d;
    int i;

    OUT_CONTENT(o);
    d = out_room(o, nl + 1);
    d[0] = '<';
    memcpy(d + 1, name, nl);
    o->len += nl + 1;
    for (i = 0; i < n; i++)
        if (attrs[2 * i + 1])
            out_put_attribute(o, attrs[2 * i], attrs[2 * i + 1]);
    OUT_PUT_LITERAL(o, "/>");
}

#define CONFIG_FILE_MAX (1024 * 1024)

static apr_status_t read_file(char **buf, apr_size_t *len, const char *path, apr_pool_t *p,
                              const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p))
        != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot open %s: %pm", path, &rv);
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && (fi.size <= 0 || fi.size > CONFIG_FILE_MAX))
        rv = APR_EINVAL;
    if (rv == APR_SUCCESS) {
        *buf = apr_palloc(p, (apr_size_t)fi.size);
        rv = apr_file_read_full(f, *buf, (apr_size_t)fi.size, len);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS)
        *err = apr_psprintf(p, "cannot read %s (empty, over 1 MB, or: %pm)", path, &rv);
    return rv;
}

apr_status_t itsm_xml_config_load(xmlNodePtr *root, const char *path, xmlSchemaPtr schema,
                                  const char *element, apr_pool_t *p, const char **err)
{
    itsm_xml_error_t xe = { 0 };
    xmlDocPtr doc;
    char *buf = NULL;
    apr_size_t len = 0;
    apr_status_t rv;

    *root = NULL;
    if ((rv = read_file(&buf, &len, path, p, err)) != APR_SUCCESS)
        return rv;
    if (itsm_xml_parse(&doc, &xe, buf, len, p) != APR_SUCCESS) {
        if (strcmp(xe.code, "doctype-forbidden") == 0)
            *err = apr_psprintf(p, "%s:%d: a DOCTYPE is not accepted", path, xe.line);
        else
            *err = apr_psprintf(p, "%s:%d: not well-formed XML: %s", path, xe.line,
                                xe.detail ? xe.detail : "cannot parse");
        return APR_EINVAL;
    }
    if (itsm_xml_validate(&xe, schema, doc, p) != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s:%d: does not validate: %s", path, xe.line,
                            xe.detail ? xe.detail : xe.message);
        return APR_EINVAL;
    }
    *root = xmlDocGetRootElement(doc);
    if (!itsm_xml_is(*root, element)) {
        *err = apr_psprintf(p, "%s: the root element is not <%s>", path, element);
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}
