/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* For the unit tests of configuration files (the SLA file, the role table): the real schema
 * (schemas/itsm.xsd of the source tree) and a file of given text. Include after cmocka.h. */
#ifndef ITSM_TEST_CONFIG_FILE_H
#define ITSM_TEST_CONFIG_FILE_H

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#include "itsm_xml.h"

#ifndef ITSM_SRCDIR
#define ITSM_SRCDIR "."
#endif

/* The schema every configuration file is validated against; NULL (and a message) if it
 * does not load. */
static inline xmlSchemaPtr config_schema(apr_pool_t *p)
{
    const char *err = NULL;
    xmlSchemaPtr schema;

    itsm_xml_init();
    schema = itsm_xml_schema_load(ITSM_SRCDIR "/schemas/itsm.xsd", p, &err);
    if (schema == NULL)
        print_error("%s\n", err);
    return schema;
}

/* A temporary file holding text, deleted when p closes it. */
static inline const char *config_file(apr_pool_t *p, const char *text)
{
    const char *dir = NULL;
    char *path;
    apr_file_t *f;

    assert_int_equal(apr_temp_dir_get(&dir, p), APR_SUCCESS);
    path = apr_pstrcat(p, dir, "/itsm-config-XXXXXX", NULL);
    assert_int_equal(apr_file_mktemp(&f, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                                     | APR_FOPEN_EXCL | APR_FOPEN_DELONCLOSE, p), APR_SUCCESS);
    assert_int_equal(apr_file_write_full(f, text, strlen(text), NULL), APR_SUCCESS);
    return path;
}

#endif
