/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Safe XML in and out: parsing with network, DTDs and entities refused, validation against
 * the schema parsed once at start-up, and writers for response documents. libxml2 + APR. */
#ifndef ITSM_XML_H
#define ITSM_XML_H

#include <apr_pools.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

/* Why a body was refused: stable code, human message, libxml2's detail and line. */
typedef struct itsm_xml_error_t {
    const char *code;       /* "malformed-xml", "doctype-forbidden", "schema-invalid" */
    const char *message;
    const char *detail;     /* may be NULL */
    int line;               /* 0 when unknown */
} itsm_xml_error_t;

/* Process-wide libxml2 set-up: parser init and the no-network entity loader. */
void itsm_xml_init(void);

/* Load a schema file (its includes resolved next to it); NULL and *err on failure. */
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

/* A response document being written; the buffer is freed with p. */
typedef struct itsm_xml_out_t {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
} itsm_xml_out_t;

itsm_xml_out_t *itsm_xml_out_start(apr_pool_t *p, const char *root);
/* The same in another namespace (the Atom feed). */
itsm_xml_out_t *itsm_xml_out_start_ns(apr_pool_t *p, const char *root, const char *ns);
/* End the document; *len receives its length; the text stays valid while p lives. */
const char *itsm_xml_out_end(itsm_xml_out_t *o, apr_size_t *len);
/* <name>text</name> unless text is NULL. */
void itsm_xml_element(xmlTextWriterPtr w, const char *name, const char *text);

#endif
