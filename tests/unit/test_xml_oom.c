/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* itsm_xml_element when its buffer cannot be allocated: the element is written all the same,
 * through libxml2's own writer, with the same bytes. This program replaces malloc (glibc lets
 * a program do so: it delegates to glibc's own allocator) to fail one allocation on demand;
 * under AddressSanitizer, which owns malloc, the test is skipped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <apr_strings.h>

#include "unit_main.h"
#include "itsm_xml.h"

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

static size_t fail_at_least;    /* 0: no failure; else the next malloc of this size or more fails */
static int failed;              /* how many mallocs were failed */

void *malloc(size_t size)
{
    if (fail_at_least && size >= fail_at_least) {
        fail_at_least = 0;
        failed++;
        return NULL;
    }
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
    return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
    __libc_free(ptr);
}
#endif

/* A document of one element, written by itsm_xml_element (ours) or by libxml2's own writer;
 * with ours, the first allocation of fail_size bytes or more fails (0: none). */
static const char *element_doc(int ours, const char *text, size_t fail_size)
{
    itsm_xml_out_t *o = itsm_xml_out_start(pool, "ticket");
    apr_size_t len;

    xmlTextWriterWriteAttribute(o->w, BAD_CAST "n", BAD_CAST "1");
    if (ours) {
#ifndef __SANITIZE_ADDRESS__
        fail_at_least = fail_size;
#endif
        itsm_xml_element(o->w, "description", text);
#ifndef __SANITIZE_ADDRESS__
        fail_at_least = 0;
#endif
    }
    else
        xmlTextWriterWriteElement(o->w, BAD_CAST "description", BAD_CAST text);
    return apr_pstrdup(pool, itsm_xml_out_end(o, &len));
}

static void element_written_when_its_buffer_fails(void **state)
{
#ifdef __SANITIZE_ADDRESS__
    skip();
#else
    size_t n = 6000;
    char *text = apr_palloc(pool, n + 1);
    const char *expect, *got;

    memset(text, 'x', n);
    text[10] = '<';
    text[n - 10] = '&';
    text[n] = '\0';
    expect = element_doc(0, text, 0);
    assert_non_null(strstr(expect, "<description>"));
    /* the element's buffer needs more than n bytes: the first such malloc is its own */
    failed = 0;
    got = element_doc(1, text, n);
    assert_int_equal(failed, 1);
    assert_string_equal(got, expect);
    /* and without a failure, the raw path writes the same */
    failed = 0;
    assert_string_equal(element_doc(1, text, 0), expect);
    assert_int_equal(failed, 0);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(element_written_when_its_buffer_fails),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
