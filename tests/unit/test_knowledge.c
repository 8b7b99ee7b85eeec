/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the knowledge rules (modules/knowledge/knowledge.c): the article state
 * machine, the audience the core applies, and the glossary's letters and keys. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_strings.h>

#include "unit_main.h"
#include "knowledge.h"

static itsm_ticket_t *ticket(const char *state)
{
    itsm_ticket_t *t = apr_pcalloc(pool, sizeof *t);

    t->state = state;
    t->title = "A title";
    t->fields = apr_table_make(pool, 4);
    return t;
}

/* Each action from each state, with and without a published version: where it leads, or
 * 409. */
static void article_transitions(void **state)
{
    static const char *const states[] = {
        "draft", "in-review", "approved", "published", "retired", NULL
    };
    /* shown: taken only while a version is published (retire: what it takes down) */
    static const struct { const char *action, *from, *to; int shown; } allowed[] = {
        { "submit", "draft", "in-review", 0 }, { "reject", "in-review", "draft", 0 },
        { "reject", "approved", "draft", 0 }, { "approve", "in-review", "approved", 0 },
        { "publish", "approved", "published", 0 }, { "retire", "published", "retired", 1 },
        { "retire", "draft", "retired", 1 }, { "retire", "in-review", "retired", 1 },
        { "retire", "approved", "retired", 1 },
        { "revise", "published", "draft", 0 }, { "revise", "retired", "draft", 0 },
    };
    const char *const *a, *const *s;
    size_t i;
    int shown;

    for (shown = 0; shown < 2; shown++)
        for (a = article_actions; *a; a++)
            for (s = states; *s; s++) {
                itsm_call_t c = { .pool = pool };
                itsm_ticket_t *old = ticket(*s), *t = ticket(*s);
                const char *to = NULL;
                int rc;

                if (shown)
                    apr_table_set(old->fields, ITSM_VERSION_PUBLISHED, "1");
                rc = article_action(&c, *a, old, t);
                for (i = 0; i < sizeof allowed / sizeof *allowed; i++)
                    if (strcmp(allowed[i].action, *a) == 0 && strcmp(allowed[i].from, *s) == 0
                        && (shown || !allowed[i].shown))
                        to = allowed[i].to;
                if (to) {
                    if (rc != 0)
                        fail_msg("%s from %s (%s published version) refused", *a, *s,
                                 shown ? "a" : "no");
                    assert_string_equal(t->state, to);
                }
                else {
                    if (rc != 409)
                        fail_msg("%s from %s (%s published version) taken", *a, *s,
                                 shown ? "a" : "no");
                    assert_string_equal(c.code, "invalid-transition");
                }
            }
}

static void audiences(void **state)
{
    assert_null(article_readers(pool, "internal"));
    assert_null(article_readers(pool, NULL));
    assert_string_equal(article_readers(pool, "all"), "all");
    assert_string_equal(article_readers(pool, "party:ALPE role:resolver"),
                        "party:ALPE role:resolver");
}

static void letters_and_keys(void **state)
{
    assert_string_equal(term_letter(pool, "acceptance"), "A");
    assert_string_equal(term_letter(pool, "Zebra"), "Z");
    assert_string_equal(term_letter(pool, "15-minute"), "0-9");
    assert_string_equal(term_letter(pool, "(t)"), "0-9");
    assert_string_equal(term_letter(pool, "\xc3\x89" "clair"), "E");      /* Éclair */
    assert_string_equal(term_letter(pool, "\xc3\xa5" "ngstr\xc3\xb6m"), "A"); /* ångström */
    assert_string_equal(term_letter(pool, "\xc3\x98" "re"), "O");
    assert_string_equal(term_letter(pool, "\xc3\x9f" "x"), "S");
    assert_string_equal(term_letter(pool, "\xc3\xbf"), "Y");
    assert_string_equal(term_letter(pool, "\xc3\x97" "2"), "0-9");        /* × */
    assert_string_equal(term_letter(pool, "\xc3\xb7"), "0-9");            /* ÷ */
    assert_string_equal(term_letter(pool, "\xc4\x8c" "ech"), "0-9");      /* beyond Latin-1 */
    assert_string_equal(term_letter(pool, "\xc3"), "0-9");                 /* cut short */
    assert_string_equal(term_key(pool, "Accepted  Bid-Offer\tVolume "), "accepted bid-offer volume");
    assert_string_equal(term_key(pool, "DIP"), "dip");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(article_transitions),
        cmocka_unit_test(audiences),
        cmocka_unit_test(letters_and_keys),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
