/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The search query syntax (store_search.c, docs/api.md Search): words, "phrases" and
 * prefix*, everything else text; the normalised form the analytics count; the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "unit_main.h"
#include "itsm_store.h"

/* The normal form of text, asserting that it parses. */
static const char *normal(const char *text, int *terms)
{
    itsm_search_query_t *q;
    const char *why = NULL;

    assert_int_equal(itsm_search_parse(pool, text, 0, 0, &q, &why), APR_SUCCESS);
    if (terms)
        *terms = itsm_search_terms(q);
    return itsm_search_normal(q);
}

static void words_phrases_prefixes(void **state)
{
    int n;

    (void)state;
    assert_string_equal(normal("Meter  Reads\tMissing", &n), "meter reads missing");
    assert_int_equal(n, 3);
    assert_string_equal(normal("\"Data Integration  Platform\" outage", &n),
                        "\"data integration platform\" outage");
    assert_int_equal(n, 4);
    assert_string_equal(normal("integr* DIP", &n), "integr* dip");
    assert_string_equal(normal("\"one\"", NULL), "one");        /* a phrase of one word */
    assert_string_equal(normal("a* IF", &n), "a if");            /* a prefix takes 2 letters */
}

static void operators_are_text(void **state)
{
    int n;

    (void)state;
    assert_string_equal(normal("\"unbalanced quote", NULL), "unbalanced quote");
    assert_string_equal(normal("* - : ^ NEAR( x AND y OR NOT z", NULL),
                        "near x and y or not z");
    assert_string_equal(normal("title:foo -bar {body}: baz", NULL), "title foo bar body baz");
    assert_string_equal(normal("x'; DROP TABLE itsm_ticket; --", NULL), "x drop table itsm ticket");
    assert_string_equal(normal("\"a*\" b\"c\"d", NULL), "a b c d");
    assert_string_equal(normal("*\"*", &n), "");
    assert_int_equal(n, 0);
}

static void unicode(void **state)
{
    (void)state;
    /* letters of other scripts are words; typographic punctuation and emoji separate */
    assert_string_equal(normal("Stra\xc3\x9f" "e \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x94 "
                               "\xf0\x9f\x98\x80 x", NULL), "stra\xc3\x9f" "e quoted x");
    /* bytes that are no UTF-8 separate words too */
    assert_string_equal(normal("ab\xff\xfe" "cd", NULL), "ab cd");
}

static void limits(void **state)
{
    itsm_search_query_t *q;
    const char *why = NULL;
    char text[2048], *s = text;
    int i;

    (void)state;
    memset(text, 'x', 1025);
    text[1025] = '\0';
    assert_int_equal(itsm_search_parse(pool, text, 0, 0, &q, &why), APR_EINVAL);
    assert_non_null(strstr(why, "1024"));
    text[1024] = '\0';
    assert_int_equal(itsm_search_parse(pool, text, 0, 0, &q, &why), APR_SUCCESS);
    for (i = 0; i < 33; i++)
        s += sprintf(s, "w%d ", i);
    assert_int_equal(itsm_search_parse(pool, text, 0, 0, &q, &why), APR_EINVAL);
    assert_non_null(strstr(why, "33 terms"));
    /* the service's truncation takes the first 32 */
    assert_int_equal(itsm_search_parse(pool, text, 1, 1, &q, &why), APR_SUCCESS);
    assert_int_equal(itsm_search_terms(q), 32);
    assert_int_equal(itsm_search_parse(pool, "\"a b c d e f g h i j k l m n o p q r s t u v w "
                                       "x y z\" a1 a2 a3 a4 a5 a6 a7", 0, 0, &q, &why),
                     APR_EINVAL);   /* a phrase's words count */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_phrases_prefixes),
        cmocka_unit_test(operators_are_text),
        cmocka_unit_test(unicode),
        cmocka_unit_test(limits),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
