/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A portal page's result tree written as HTML (html.c). */
#ifndef ITSM_HTML_H
#define ITSM_HTML_H

#include <apr_pools.h>
#include <libxml/tree.h>

/* The bytes libxslt's xsltSaveResultTo writes for a result tree of <xsl:output method="html"
 * encoding="UTF-8" indent="no"/> (the Content-Type meta added to its head as libxslt adds
 * it: doc changes), in *html (in p, *len bytes). APR_EGENERAL for a tree with anything this
 * writer leaves to libxslt (not an HTML document in UTF-8 as libxslt makes one, a DTD, a comment or processing instruction, a namespace, an
 * attribute value with HTML's "&{" or "<!--" forms): write it with xsltSaveResultToString. */
apr_status_t itsm_html_write(apr_pool_t *p, xmlDocPtr doc, const char **html, apr_size_t *len);

#endif
