/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the knowledge rules (modules/knowledge/knowledge.c): the article state
 * machine, the audience the core applies, and the glossary's letters, keys and sort keys. */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_strings.h>

#include "unit_main.h"
#include "itsm_codec.h"
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
        { "publish", "approved", "published", 0 }, { "retire", "published", "retired", 0 },
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

/* Each allowed action with a changed body: taken (the body checked) where the article is
 * edited or becomes a draft, else 409 not-editable; the same action without fields taken. */
static void article_action_bodies(void **state)
{
    static const struct { const char *action, *from; int takes; } cases[] = {
        { "submit", "draft", 1 }, { "approve", "in-review", 1 }, { "reject", "in-review", 1 },
        { "reject", "approved", 1 }, { "revise", "published", 1 }, { "revise", "retired", 1 },
        { "publish", "approved", 0 }, { "retire", "published", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        itsm_call_t c = { .pool = pool };
        itsm_ticket_t *old = ticket(cases[i].from), *t = ticket(cases[i].from);
        int rc;

        apr_table_set(old->fields, "body", "<p>reviewed</p>");
        apr_table_set(t->fields, "body", "<p>changed</p>");
        rc = article_action(&c, cases[i].action, old, t);
        if (cases[i].takes ? rc != 0 : rc != 409)
            fail_msg("%s from %s with a new body: %d", cases[i].action, cases[i].from, rc);
        if (!cases[i].takes)
            assert_string_equal(c.code, "not-editable");
        t = ticket(cases[i].from);
        apr_table_set(t->fields, "body", "<p>reviewed</p>");
        assert_int_equal(article_action(&c, cases[i].action, old, t), 0);
    }
}

/* The words internal and all in any case; another word without a colon refused. */
static void audience_words(void **state)
{
    static const struct { const char *given, *stored; } cases[] = {
        { "Internal", "internal" }, { " INTERNAL ", "internal" }, { "ALL", "all" },
        { "All  role:x", "all role:x" }, { "all  role:x", "all  role:x" },
        { "role:internal-audit", "role:internal-audit" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        itsm_call_t c = { .pool = pool };
        itsm_ticket_t *old = ticket("draft"), *t = ticket("draft");

        apr_table_set(t->fields, "body", "<p>text</p>");
        apr_table_set(t->fields, "audience", cases[i].given);
        assert_int_equal(article_update(&c, old, t), 0);
        assert_string_equal(apr_table_get(t->fields, "audience"), cases[i].stored);
    }
    {
        itsm_call_t c = { .pool = pool };
        itsm_ticket_t *old = ticket("draft"), *t = ticket("draft");

        apr_table_set(t->fields, "body", "<p>text</p>");
        apr_table_set(t->fields, "audience", "everyone");
        assert_int_equal(article_update(&c, old, t), 422);
        assert_string_equal(c.code, "invalid-field");
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
    static const struct { const char *term, *letter; } letters[] = {
        { "acceptance", "A" }, { "Zebra", "Z" }, { "15-minute", "0-9" }, { "(t)", "0-9" },
        { "\xc3\x89" "clair", "E" },                 /* Éclair */
        { "\xc3\xa9" "clair", "E" },                 /* éclair */
        { "\xc3\xa5" "ngstr\xc3\xb6m", "A" },        /* ångström */
        { "\xc3\x98" "re", "O" }, { "\xc3\x9f" "x", "S" }, { "\xc3\xbf", "Y" },
        { "\xc3\x97" "2", "0-9" },                   /* × */
        { "\xc3\xb7", "0-9" },                       /* ÷ */
        { "\xc4\x8c" "ech", "C" },                   /* Čech: Latin Extended-A */
        { "\xc5\x81\xc3\xb3" "d\xc5\xba", "L" },     /* Łódź */
        { "\xc5\xbf", "S" },                         /* ſ, the last of Latin Extended-A */
        { "\xc6\x80", "0-9" },                       /* ƀ, past it */
        { "\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1", "0-9" },    /* Σοφία */
        { "e\xcc\x81" "clair", "E" },                /* é typed as e and U+0301 */
        { "\xc3", "0-9" },                           /* cut short */
        { "", "0-9" },
    };
    size_t i;

    for (i = 0; i < sizeof letters / sizeof *letters; i++)
        if (strcmp(term_letter(pool, letters[i].term), letters[i].letter) != 0)
            fail_msg("%s: %s, not %s", letters[i].term, term_letter(pool, letters[i].term),
                     letters[i].letter);
}

/* The code points of s, each a valid UTF-8 sequence to its end. */
static int valid_utf8(const char *s)
{
    int len;

    for (; *s; s += len)
        if (itsm_utf8_decode(s, 4, &len) < 0)
            return 0;
    return 1;
}

/* The unique key: lower case over Unicode, white space collapsed; what folds alike. */
static void keys(void **state)
{
    static const struct { const char *term, *key; } keys[] = {
        { "Accepted  Bid-Offer\tVolume ", "accepted bid-offer volume" },
        { "DIP", "dip" },
        { "\xc3\x89" "clair window", "\xc3\xa9" "clair window" },   /* Éclair */
        { "\xc3\x98" "resund LINK", "\xc3\xb8" "resund link" },     /* Øresund */
        { "\xd0\x9f\xd0\x98\xd0\x9a", "\xd0\xbf\xd0\xb8\xd0\xba" }, /* ПИК */
        /* ΟΔΟΣ and οδος: the final sigma folds with σ */
        { "\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83" },
        { "\xce\xbf\xce\xb4\xce\xbf\xcf\x82", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83" },
        { "\xe1\xba\x9e", "\xc3\x9f" },                 /* ẞ to ß */
        { "\xe2\x84\xaa" "W", "kw" },                   /* the Kelvin sign, three bytes, to k */
        /* Ⱥ (two bytes) to ⱥ (three): the key outgrows the term */
        { "\xc8\xba\xc8\xba\xc8\xba", "\xe2\xb1\xa5\xe2\xb1\xa5\xe2\xb1\xa5" },
        { "\xf0\x90\x90\x80", "\xf0\x90\x90\xa8" },     /* Deseret, four bytes */
        /* Unicode's white space collapses too: no-break and ideographic spaces */
        { "Acceptance\xc2\xa0\xc2\xa0" "Data\xe3\x80\x80", "acceptance data" },
        { "\xc2\xa0", "" },
        { "e\xcc\x81", "e\xcc\x81" },       /* no normalisation: not the key of é */
        { "A\xff" "B", "a\xff" "b" },       /* a byte that is not UTF-8 stays */
    };
    size_t i;

    for (i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *key = term_key(pool, keys[i].term);

        if (strcmp(key, keys[i].key) != 0)
            fail_msg("key of %s: %s, not %s", keys[i].term, key, keys[i].key);
        if (valid_utf8(keys[i].term) && !valid_utf8(key))
            fail_msg("key of %s is not UTF-8", keys[i].term);
    }
    /* the tester's duplicates */
    assert_string_equal(term_key(pool, "\xc3\x89" "clair window"),
                        term_key(pool, "\xc3\xa9" "clair window"));
    assert_string_equal(term_key(pool, "\xc3\x98" "resund link"),
                        term_key(pool, "\xc3\xb8" "resund LINK"));
    /* shown as nothing: no part of the key (a zero-width space, U+FEFF, a soft hyphen) */
    assert_string_equal(term_key(pool, "Clearing\xe2\x80\x8b run\xef\xbb\xbf"), "clearing run");
    assert_string_equal(term_key(pool, "Sett\xc2\xad" "lement"), "settlement");
    assert_string_equal(term_key(pool, "\xe2\x80\x8b\xe3\x85\xa4"), "");
    assert_string_not_equal(term_key(pool, "\xc3\x89" "clair"), term_key(pool, "Eclair"));
}

/* The sort key: base letters of Latin-1 and Latin Extended-A, the A-Z order by bytes. */
static void sort_keys(void **state)
{
    static const struct { const char *term, *sort; } sorts[] = {
        { "\xc3\x89" "clair Window", "eclair window" },
        { "Stra\xc3\x9f" "e", "strasse" },
        { "\xc3\x86" "ther", "aether" },
        { "\xc5\x92" "uvre", "oeuvre" },
        { "\xc3\x9e" "ing", "thing" },
        { "\xc4\xb2" "ssel", "ijssel" },
        { "\xc5\x81\xc3\xb3" "d\xc5\xba", "lodz" },
        { "\xc5\xbd" "ilina \xc5\xb0" "r", "zilina ur" },
        { "e\xcc\x81" "clair", "eclair" },                  /* the combining accent left out */
        { "\xc3\x97" "2", "\xc3\x97" "2" },                 /* × is no letter */
        { "\xce\xa3\xce\xbf\xcf\x86", "\xcf\x83\xce\xbf\xcf\x86" },   /* Σοφ: folded only */
    };
    static const char *const az[] = {    /* in the glossary's order */
        "Earth", "\xc3\x89" "clair window", "Elexon Central Services", "\xc3\x89" "mile",
        "Ocean", "\xc3\x98" "resund link", "Orsted", "Zebra", "\xce\xb1",
    };
    size_t i;

    for (i = 0; i < sizeof sorts / sizeof *sorts; i++) {
        const char *sort = term_sort_key(pool, term_key(pool, sorts[i].term));

        if (strcmp(sort, sorts[i].sort) != 0)
            fail_msg("sort key of %s: %s, not %s", sorts[i].term, sort, sorts[i].sort);
    }
    for (i = 1; i < sizeof az / sizeof *az; i++)
        if (strcmp(term_sort_key(pool, term_key(pool, az[i - 1])),
                   term_sort_key(pool, term_key(pool, az[i]))) >= 0)
            fail_msg("%s sorts after %s", az[i - 1], az[i]);
}

/* A term as written: trimmed, its fields derived; a title of white space alone is none. */
static void terms(void **state)
{
    itsm_call_t c = { .pool = pool };
    itsm_ticket_t *t = ticket("active");

    t->title = " \xc3\x89" "clair  Window\t";
    assert_int_equal(term_create(&c, t), 0);
    assert_string_equal(t->title, "\xc3\x89" "clair  Window");
    assert_string_equal(apr_table_get(t->fields, "key"), "\xc3\xa9" "clair window");
    assert_string_equal(apr_table_get(t->fields, "sortKey"), "eclair window");
    assert_string_equal(apr_table_get(t->fields, "letter"), "E");
    assert_string_equal(apr_table_get(t->fields, "audience"), "all");
    t = ticket("active");
    t->title = " \xc2\xa0 ";
    assert_int_equal(term_create(&c, t), 422);
    assert_string_equal(c.code, "invalid-field");
}

/* Once made, the locale stays: a second call is harmless. */
static int fold_init(void **state)
{
    return term_fold_init(pool) != APR_SUCCESS || term_fold_init(pool) != APR_SUCCESS;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(article_transitions),
        cmocka_unit_test(article_action_bodies),
        cmocka_unit_test(audience_words),
        cmocka_unit_test(audiences),
        cmocka_unit_test(letters_and_keys),
        cmocka_unit_test(keys),
        cmocka_unit_test(sort_keys),
        cmocka_unit_test(terms),
    };

    return itsm_unit_main(tests, fold_init, NULL);
}
