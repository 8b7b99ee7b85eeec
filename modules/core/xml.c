/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* libxml2 behind a narrow interface: parse request bodies safely (no network, no DTD, no
 * entity expansion; a DOCTYPE is refused outright), validate against the schema that was
 * parsed once at start-up, and write responses with xmlTextWriter. */
#include <apr_file_io.h>
#include <apr_strings.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include "itsm.h"
#include "itsm_xml.h"

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
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (schema == NULL) {
        e = xmlGetLastError();
        *err = apr_psprintf(p, "schema %s does not load: %s", path,
                            e && e->message ? e->message : "unknown error");
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
    schema = xmlSchemaParse(pc);
    if (schema == NULL) {
        e = xmlGetLastError();
        *err = apr_psprintf(p, "the schema composed of %d files does not load: %s%s%s", n,
                            e && e->file ? e->file : "", e && e->file ? ": " : "",
                            e && e->message ? e->message : "unknown error");
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

static const char *chomp(apr_pool_t *p, const char *msg)
{
    char *s = apr_pstrdup(p, msg ? msg : "");
    apr_size_t n = strlen(s);

    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
    return s;
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

struct first_error {
    apr_pool_t *p;
    itsm_xml_error_t *err;
};

static void keep_first_error(void *data, xmlErrorPtr e)
{
    struct first_error *fe = data;

    if (fe->err->detail == NULL) {
        fe->err->detail = chomp(fe->p, e->message);
        fe->err->line = e->line;
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
    err->line = 0;
    xmlSchemaSetValidStructuredErrors(vc, keep_first_error, &fe);
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (rc != 0) {
        err->code = "schema-invalid";
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

static apr_status_t out_cleanup(void *data)
{
    itsm_xml_out_t *o = data;

    if (o->w)
        xmlFreeTextWriter(o->w);
    if (o->buf)
        xmlBufferFree(o->buf);
    return APR_SUCCESS;
}

itsm_xml_out_t *itsm_xml_out_start(apr_pool_t *p, const char *root)
{
    return itsm_xml_out_start_ns(p, root, ITSM_NS);
}

itsm_xml_out_t *itsm_xml_out_start_ns(apr_pool_t *p, const char *root, const char *ns)
{
    itsm_xml_out_t *o = apr_pcalloc(p, sizeof *o);

    o->buf = xmlBufferCreateSize(1024);
    o->w = xmlNewTextWriterMemory(o->buf, 0);
    apr_pool_cleanup_register(p, o, out_cleanup, apr_pool_cleanup_null);
    /* The declaration xmlTextWriterStartDocument writes, without the UTF-8 "encoder" it sets
     * up, which copies every byte written once more (our text is UTF-8 already). */
    xmlTextWriterWriteRaw(o->w, BAD_CAST "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xmlTextWriterStartElementNS(o->w, NULL, BAD_CAST root, BAD_CAST ns);
    return o;
}

const char *itsm_xml_out_end(itsm_xml_out_t *o, apr_size_t *len)
{
    xmlTextWriterEndDocument(o->w);
    xmlTextWriterFlush(o->w);
    *len = (apr_size_t)xmlBufferLength(o->buf);
    return (const char *)xmlBufferContent(o->buf);
}

/* The escape of c in element content as xmlTextWriterWriteString writes it
 * (xmlEncodeSpecialChars), NULL for a byte written as it is. */
static const char *content_escape(unsigned char c)
{
    switch (c) {
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '&': return "&amp;";
    case '"': return "&quot;";
    case '\r': return "&#13;";
    default: return NULL;
    }
}

/* The same bytes as xmlTextWriterWriteElement, written as one raw piece: the writer's start,
 * write-string and end each take its node stack and output buffer, about four times the
 * instructions of the escape itself for the short elements of a ticket. */
void itsm_xml_element(xmlTextWriterPtr w, const char *name, const char *text)
{
    static const char specials[] = "<>&\"\r";
    char small[512], *buf = small, *o;
    const char *s;
    size_t nl, need, run;

    if (text == NULL)
        return;
    nl = strlen(name);
    need = 2 * nl + 6;
    /* runs without a byte to escape are counted and copied whole (strcspn, strlen and
     * memcpy are vectorised): a byte at a time cost ten instructions a byte */
    for (s = text;; s++) {
        run = strcspn(s, specials);
        need += run;
        s += run;
        if (*s == '\0')
            break;
        need += strlen(content_escape((unsigned char)*s));
    }
    /* no buffer: libxml2's own writer writes the same bytes (tests/unit/test_xml_oom.c) */
    if (need > INT_MAX || (need > sizeof small && (buf = malloc(need)) == NULL)) {
        xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
        return;
    }
    o = buf;
    *o++ = '<';
    memcpy(o, name, nl);
    o += nl;
    *o++ = '>';
    for (s = text;; s++) {
        const char *e;

        run = strcspn(s, specials);
        memcpy(o, s, run);
        o += run;
        s += run;
        if (*s == '\0')
            break;
        e = content_escape((unsigned char)*s);
        memcpy(o, e, strlen(e));
        o += strlen(e);
    }
    *o++ = '<';
    *o++ = '/';
    memcpy(o, name, nl);
    o += nl;
    *o++ = '>';
    xmlTextWriterWriteRawLen(w, BAD_CAST buf, (int)(o - buf));
    if (buf != small)
        free(buf);
}

/* The escape of c in an attribute's value as xmlTextWriterWriteAttribute writes it
 * (xmlBufAttrSerializeTxtContent), NULL for a byte written as it is. */
static const char *attribute_escape(unsigned char c)
{
    switch (c) {
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '&': return "&amp;";
    case '"': return "&quot;";
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    case '\t': return "&#9;";
    default: return NULL;
    }
}

/* Append s to the buffer at *o (room checked by the caller), escaped for an attribute. */
static void put_attribute(char **o, const char *s)
{
    const char *e;

    for (; *s; s++) {
        if ((e = attribute_escape((unsigned char)*s)) != NULL) {
            size_t el = strlen(e);

            memcpy(*o, e, el);
            *o += el;
        }
        else
            *(*o)++ = *s;
    }
}

void itsm_xml_empty_element(xmlTextWriterPtr w, const char *name, const char *const *attrs,
                            int n)
{
    char small[512], *o = small;
    size_t need = strlen(name) + 4;
    const unsigned char *s;
    const char *e;
    int i;

    for (i = 0; i < n; i++) {
        if (attrs[2 * i + 1] == NULL)
            continue;
        need += strlen(attrs[2 * i]) + 4;
        for (s = (const unsigned char *)attrs[2 * i + 1]; *s && need <= sizeof small; s++) {
            if (*s >= 0x80)     /* libxml2 writes it as a character reference */
                need = sizeof small + 1;
            need += (e = attribute_escape(*s)) ? strlen(e) : 1;
        }
    }
    if (need > sizeof small) {
        xmlTextWriterStartElement(w, BAD_CAST name);
        for (i = 0; i < n; i++)
            if (attrs[2 * i + 1])
                xmlTextWriterWriteAttribute(w, BAD_CAST attrs[2 * i], BAD_CAST attrs[2 * i + 1]);
        xmlTextWriterEndElement(w);
        return;
    }
    *o++ = '<';
    memcpy(o, name, strlen(name));
    o += strlen(name);
    for (i = 0; i < n; i++) {
        if (attrs[2 * i + 1] == NULL)
            continue;
        *o++ = ' ';
        memcpy(o, attrs[2 * i], strlen(attrs[2 * i]));
        o += strlen(attrs[2 * i]);
        *o++ = '=';
        *o++ = '"';
        put_attribute(&o, attrs[2 * i + 1]);
        *o++ = '"';
    }
    *o++ = '/';
    *o++ = '>';
    xmlTextWriterWriteRawLen(w, BAD_CAST small, (int)(o - small));
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
