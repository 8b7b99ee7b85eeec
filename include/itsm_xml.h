/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Safe XML in and out: parsing with network, DTDs and entities refused, validation against
 * the schema parsed once at start-up, and writers for response documents. libxml2 + APR. */
#ifndef ITSM_XML_H
#define ITSM_XML_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

/* Why a body was refused: stable code, human message, libxml2's detail and line. */
typedef struct itsm_xml_error_t {
    const char *code;       /* "malformed-xml", "doctype-forbidden", "schema-invalid" */
    const char *message;
    const char *detail;     /* may be NULL */
    int line;               /* 0 when unknown */
} itsm_xml_error_t;

/* Process-wide libxml2 set-up: parser init and the no-network entity loader. */
void itsm_xml_init(void);

/* Load a schema file (its includes resolved next to it); NULL and *err on failure. At
 * start-up only, as itsm_xml_schema_compose: both silence libxml2's generic error handler
 * while they parse (a process-wide setting in the main thread). */
xmlSchemaPtr itsm_xml_schema_load(const char *path, apr_pool_t *p, const char **err);

/* The schema made of the files named (absolute paths, each a schema of our namespace: the
 * core's common types and the schema each loaded process ships), composed in memory at
 * start-up; NULL and *err on failure. */
xmlSchemaPtr itsm_xml_schema_compose(const char *const *files, int n, apr_pool_t *p,
                                     const char **err);

/* Parse a request body. A DOCTYPE stops the parser before any entity is declared.
 * The document is freed with the pool p. */
apr_status_t itsm_xml_parse(xmlDocPtr *doc, itsm_xml_error_t *err,
                            const char *buf, apr_size_t len, apr_pool_t *p);

/* Validate against a schema (a fresh validation context per call: thread-safe). */
apr_status_t itsm_xml_validate(itsm_xml_error_t *err, xmlSchemaPtr schema, xmlDocPtr doc,
                               apr_pool_t *p);

/* Read, parse (as safely as a request body), validate a configuration file and check its
 * root element; the document lives as long as p. *err names the file and line. */
apr_status_t itsm_xml_config_load(xmlNodePtr *root, const char *path, xmlSchemaPtr schema,
                                  const char *element, apr_pool_t *p, const char **err);

/* The text of an element, "" for an empty one, in p. */
const char *itsm_xml_text(apr_pool_t *p, xmlNodePtr node);
/* An attribute's value in p, NULL when absent. */
char *itsm_xml_attr(apr_pool_t *p, xmlNodePtr node, const char *name);
/* Is node an element of our namespace named name (name NULL: any)? */
int itsm_xml_is(xmlNodePtr node, const char *name);

/* A response document being written: our own writer, not libxml2's xmlTextWriter (whose
 * writer, node and namespace lists, document and output buffer cost about 15 % of the
 * instructions of a ticket read: docs/performance.md). It writes the bytes xmlTextWriter
 * writes for the same calls (tests/unit/test_xml_out.c compares them), with one difference:
 * it never writes invalid UTF-8. In text and attribute values (plain or formatted), each
 * byte that starts no valid UTF-8 sequence (a character cut short, a stray continuation
 * byte, an overlong form, a surrogate) and each character past ASCII that XML does not
 * allow (U+FFFE, U+FFFF) is written as U+FFFD, the replacement character ("&#xFFFD;" in an
 * attribute), so that text stored by an older build, cut inside a character, still makes a
 * well-formed document. Text is read once, ASCII in runs copied whole. Raw markup is not
 * checked. The text goes into one growing buffer in the pool, the open elements as a stack.
 * Memory comes from the pool given to itsm_xml_out_start and lives as long as it; a document
 * is written by one thread. */
typedef struct itsm_xml_out_t itsm_xml_out_t;

#if defined(__GNUC__)
#define ITSM_XML_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ITSM_XML_PRINTF(f, a)
#endif

/* The declaration line and the root element, of our namespace (ITSM_NS, declared on the root
 * as xmlns="..." when its start tag closes, after any attribute written on it). */
itsm_xml_out_t *itsm_xml_out_start(apr_pool_t *p, const char *root);
/* The same in another namespace (the Atom feed, the portal's login); ns NULL: none. */
itsm_xml_out_t *itsm_xml_out_start_ns(apr_pool_t *p, const char *root, const char *ns);
/* End the document: every open element closed and a newline, as xmlTextWriterEndDocument
 * does. The text (NUL-terminated, *len bytes without the NUL) lives as long as the pool. */
const char *itsm_xml_out_end(itsm_xml_out_t *o, apr_size_t *len);

/* Start an element: "<name", its start tag left open for attributes until content, a child
 * or its end. A NULL or empty name writes nothing. */
void itsm_xml_start_element(itsm_xml_out_t *o, const char *name);
/* The same with a default namespace declared on it (xmlns="ns"). */
void itsm_xml_start_element_ns(itsm_xml_out_t *o, const char *name, const char *ns);
/* End the innermost open element: "/>" while its start tag is still open, else "</name>". */
void itsm_xml_end_element(itsm_xml_out_t *o);
/* The same, always with an end tag ("<name></name>" for an empty element). */
void itsm_xml_full_end_element(itsm_xml_out_t *o);
/* An attribute of the element whose start tag is open (nothing otherwise), its value escaped
 * as libxml2 escapes one: < > & " tab, newline and carriage return as references, and every
 * UTF-8 sequence as a hexadecimal character reference (invalid UTF-8 as &#xFFFD;, above). A
 * NULL value is written as "". */
void itsm_xml_write_attribute(itsm_xml_out_t *o, const char *name, const char *value);
/* The same with a printf-formatted value (vsnprintf, as libxml2's). */
void itsm_xml_write_attributef(itsm_xml_out_t *o, const char *name, const char *fmt, ...)
    ITSM_XML_PRINTF(3, 4);
/* Text content, escaped: < > & " and carriage return; invalid UTF-8 as U+FFFD (above). NULL
 * writes nothing. (Outside every
 * element xmlTextWriter writes a string unescaped; this writer escapes it all the same.) */
void itsm_xml_write_string(itsm_xml_out_t *o, const char *text);
/* The same with printf-formatted text. */
void itsm_xml_write_stringf(itsm_xml_out_t *o, const char *fmt, ...) ITSM_XML_PRINTF(2, 3);
/* Markup written as it is (the caller vouches for it: checked XHTML, a cached piece). */
void itsm_xml_write_raw(itsm_xml_out_t *o, const char *markup);
void itsm_xml_write_raw_len(itsm_xml_out_t *o, const char *markup, apr_size_t len);
/* <name>text</name> unless text is NULL (<name></name> for ""). */
void itsm_xml_element(itsm_xml_out_t *o, const char *name, const char *text);
/* <name a="v" .../>: n attributes as (name, value) pairs in attrs, those whose value is NULL
 * left out. */
void itsm_xml_empty_element(itsm_xml_out_t *o, const char *name, const char *const *attrs,
                            int n);

/* XHTML fields (ITSM_TYPE_XHTML): a safe subset of XHTML, the elements p, h2, h3, h4, ul, ol,
 * li, a (href: http, https, mailto or relative, nothing else), code, pre, table, tr, th, td,
 * em, strong and br, and text. Anything else (another element, any other attribute, a
 * comment, a processing instruction, a DOCTYPE, an entity) is refused, never sanitised. */
/* text (a fragment: markup and text, no root element needed) checked: APR_SUCCESS and its
 * canonical form in *value (namespaces dropped, href the only attribute, text escaped), or
 * APR_EINVAL and *why naming the element or attribute refused. In p. */
apr_status_t itsm_xhtml_check(apr_pool_t *p, const char *text, const char **value,
                              const char **why);
/* Whether text is already in that canonical form (a quick scan, no tree): then
 * itsm_xhtml_check answers text itself. 0 says only that the scan does not know. */
int itsm_xhtml_canonical(const char *text);
/* itsm_xhtml_check always through libxml2's parser (what it does for a text that
 * itsm_xhtml_canonical does not take; the unit tests compare the two). */
apr_status_t itsm_xhtml_check_tree(apr_pool_t *p, const char *text, const char **value,
                                   const char **why);
/* The plain text of a checked value, a line per block (paragraph, heading, list item, row,
 * br), cells separated by a space: what a search index reads. In p; "" for NULL. */
const char *itsm_xhtml_text(apr_pool_t *p, const char *value);
/* The blocks of a checked value, each in canonical form (const char *): its top-level block
 * elements, and the inline content between them as one block each. For diffs by paragraph. */
apr_array_header_t *itsm_xhtml_blocks(apr_pool_t *p, const char *value);
/* The paragraphs of plain text (const char *): runs separated by a blank line, blank ones
 * left out. */
apr_array_header_t *itsm_text_paragraphs(apr_pool_t *p, const char *text);
/* Plain text as a checked value: a <p> per paragraph (separated by a blank line), escaped.
 * For a process that fills an XHTML field from a text field (a problem's workaround). */
const char *itsm_xhtml_from_text(apr_pool_t *p, const char *text);

#endif
