/* libxml2 behind a narrow interface: parse request bodies safely (no network, no DTD, no
 * entity expansion; a DOCTYPE is refused outright), validate against the schema that was
 * parsed once at start-up, and write responses with xmlTextWriter. */
#include <apr_strings.h>
#include <limits.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
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
    xmlTextWriterStartDocument(o->w, NULL, "UTF-8", NULL);
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

void itsm_xml_element(xmlTextWriterPtr w, const char *name, const char *text)
{
    if (text)
        xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text);
}
