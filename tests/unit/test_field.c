/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of typed fields (modules/core/field.c): each type's accepted values, their
 * canonical form and the reason given for a refused one; the typed reads and writes; and the
 * notification policy of a kind (modules/core/follow.c). */
#include <string.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_strings.h>

#include "unit_main.h"
#include "itsm.h"
#include "itsm_xml.h"

static const char *const colours[] = { "red", "green", "blue", NULL };

/* One case: a field, a text, and the canonical value (NULL: refused, why contains expect). */
typedef struct {
    itsm_field_t field;
    const char *text;
    const char *canonical;
    const char *why;
} field_case_t;

static const field_case_t cases[] = {
    { { "t", 0 }, "one line", "one line", NULL },
    { { "t", 0 }, "two\nlines", NULL, "one line" },
    { { "t", 0, .type = ITSM_TYPE_LONG_TEXT }, "two\nlines", "two\nlines", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "42", "42", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "-7", "-7", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "007", "7", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "4.2", NULL, "whole number" },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "", NULL, "whole number" },
    /* white space at the ends is no part of a typed value (the schemas' collapse) */
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, " 4", "4", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "\n\t 2 \r\n", "2", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "4 2", NULL, "whole number" },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "  ", NULL, "whole number" },
    { { "n", 0, .type = ITSM_TYPE_INTEGER, .min = 1, .max = 4 }, " 5 ", NULL, "from 1 to 4" },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, " true ", "true", NULL },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, "\u00a0true", NULL, "true or false" },
    { { "d", 0, .type = ITSM_TYPE_DATETIME }, " 2026-11-23T09:00:00Z\n", "2026-11-23T09:00:00Z", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, " PT1H ", "PT1H", NULL },
    { { "e", 0, .type = ITSM_TYPE_ENUM, .values = colours }, " red ", "red", NULL },
    { { "r", 0, "incident" }, " INC0000042 ", "INC0000042", NULL },
    { { "g", 0, .type = ITSM_TYPE_GROUP }, " SDS Team (Callisto) ", "SDS Team (Callisto)", NULL },
    { { "g", 0, .type = ITSM_TYPE_PERSON }, " ", NULL, "directory" },
    { { "t", 0 }, " Printer down\t", "Printer down", NULL },    /* a line's ends: no part of it */
    { { "t", 0, .type = ITSM_TYPE_LONG_TEXT }, "  indented\n", "  indented\n", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER }, "99999999999999999999", NULL, "whole number" },
    { { "n", 0, .type = ITSM_TYPE_INTEGER, .min = 1, .max = 4 }, "4", "4", NULL },
    { { "n", 0, .type = ITSM_TYPE_INTEGER, .min = 1, .max = 4 }, "5", NULL, "from 1 to 4" },
    { { "n", 0, .type = ITSM_TYPE_INTEGER, .min = 1, .max = 4 }, "0", NULL, "from 1 to 4" },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, "true", "true", NULL },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, "1", "true", NULL },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, "0", "false", NULL },
    { { "b", 0, .type = ITSM_TYPE_BOOLEAN }, "yes", NULL, "true or false" },
    { { "d", 0, .type = ITSM_TYPE_DATETIME }, "2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z", NULL },
    { { "d", 0, .type = ITSM_TYPE_DATETIME }, "2026-07-01T10:30:00+01:00", "2026-07-01T09:30:00Z", NULL },
    { { "d", 0, .type = ITSM_TYPE_DATETIME }, "2026-02-30T10:00:00Z", NULL, "RFC 3339" },
    { { "d", 0, .type = ITSM_TYPE_DATETIME }, "2026-11-23 09:00", NULL, "RFC 3339" },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT1H30M", "PT1H30M", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "P1DT2H", "PT26H", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT90M", "PT1H30M", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "-PT5M", "-PT5M", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT0S", "PT0S", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "P1M", NULL, "duration" },      /* months vary */
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT", NULL, "duration" },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "P", NULL, "duration" },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT5H1H", NULL, "duration" },   /* out of order */
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "1H", NULL, "duration" },
    /* the largest whose microseconds fit, and beyond (it overflowed before) */
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT2562047788H54S", "PT2562047788H54S", NULL },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "PT2562047788H55S", NULL, "duration" },
    { { "p", 0, .type = ITSM_TYPE_DURATION }, "P999999999999D", NULL, "duration" },
    { { "e", 0, .type = ITSM_TYPE_ENUM, .values = colours }, "green", "green", NULL },
    { { "e", 0, .type = ITSM_TYPE_ENUM, .values = colours }, "Green", NULL, "red, green, blue" },
    { { "r", 0, "incident" }, "INC0000042", "INC0000042", NULL },
    { { "r", 0, .type = ITSM_TYPE_TICKET }, "INC42", NULL, "ticket number" },
    { { "r", 0, "incident" }, "0000042", NULL, "ticket number" },
    { { "g", 0, .type = ITSM_TYPE_GROUP }, "SDS Team (Callisto)", "SDS Team (Callisto)", NULL },
    { { "g", 0, .type = ITSM_TYPE_PERSON }, "", NULL, "directory" },
    /* the safe XHTML subset: canonical form, and each refusal naming what it refuses */
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>Hello <em>DIP</em></p>", "<p>Hello <em>DIP</em></p>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>a &lt; b &amp; c</p>", "<p>a &lt; b &amp; c</p>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p><![CDATA[<b>x</b>]]></p>", "<p>&lt;b&gt;x&lt;/b&gt;</p>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "plain text", "plain text", NULL },
    /* text outside any element stays text: escaped as inside one */
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "&lt;p&gt;x&lt;/p&gt; a &amp; \"b\"", "&lt;p&gt;x&lt;/p&gt; a &amp; &quot;b&quot;", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<h2>T</h2><ul><li>one</li></ul><br/><table><tr><th>k</th><td>v</td></tr></table>", "<h2>T</h2><ul><li>one</li></ul><br/><table><tr><th>k</th><td>v</td></tr></table>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"https://example.org/x?a=1\">x</a></p>", "<p><a href=\"https://example.org/x?a=1\">x</a></p>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"mailto:desk@example.org\">m</a><a href=\"/itsm/articles\">r</a><a href=\"#s\">f</a>", "<a href=\"mailto:desk@example.org\">m</a><a href=\"/itsm/articles\">r</a><a href=\"#s\">f</a>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p/>", "<p></p>", NULL },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<script>alert(1)</script>", NULL, "<script>" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p onclick=\"x()\">a</p>", NULL, "onclick" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"javascript:alert(1)\">x</a>", NULL, "javascript:" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"JavaScript:alert(1)\">x</a>", NULL, "href" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"java&#9;script:alert(1)\">x</a>", NULL, "href" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"data:text/html,x\">x</a>", NULL, "href" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=\"http://x\" target=\"_blank\">x</a>", NULL, "target" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<!DOCTYPE p><p>x</p>", NULL, "DOCTYPE" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p style=\"color:red\">x</p>", NULL, "style" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<iframe src=\"http://x\"></iframe>", NULL, "<iframe>" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<style>p{}</style>", NULL, "<style>" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>&nbsp;</p>", NULL, "well-formed" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>unclosed", NULL, "well-formed" },
    /* an author's slips named in an author's words: the first error, its line, what to type */
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>&nbsp;</p>", NULL,
      "is not well-formed XHTML (line 1): &nbsp; is not known in XHTML: write the character "
      "itself, or its number (&#160; for a no-break space)" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>R&D</p>", NULL,
      "(line 1): an '&' that starts no character reference: write &amp; for the character" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>a\nb & c</p>", NULL,
      "(line 2): an '&' that starts no character reference" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>a < b</p>", NULL,
      "a '<' that starts no tag: write &lt; for the character" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>unclosed", NULL, "<p> (line 1) is not closed" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "x</p>", NULL, "</p> closes no open element" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p><b>x</p></b>", NULL,
      "<b> (line 1) is not closed before </p>" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href=x>y</a>", NULL,
      "an attribute's value must be in quotes" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<a href>y</a>", NULL,
      "the attribute href has no value (href=\"...\")" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p class=\"a\" class=\"b\">x</p>", NULL,
      "the attribute class is written twice" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p title=\"a<b\">x</p>", NULL,
      "a '<' in an attribute's value" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p>&#0;</p>", NULL,
      "a character that XML does not allow" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<!-- c --><p>x</p>", NULL, "comment" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<?php x?>", NULL, "processing instruction" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>", NULL, "namespace" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<p xml:lang=\"en\">x</p>", NULL, "lang" },
    { { "x", 0, .type = ITSM_TYPE_XHTML }, "<img src=\"x\"/>", NULL, "<img>" },
};

static void each_type_parses_to_canonical_form(void **state)
{
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const field_case_t *c = &cases[i];
        const char *value = NULL, *why = NULL;
        apr_status_t rv = itsm_field_check(&c->field, c->text, pool, &value, &why);

        if (c->canonical) {
            if (rv != APR_SUCCESS)
                fail_msg("case %u (%s): refused: %s", (unsigned)i, c->text, why);
            assert_string_equal(value, c->canonical);
        }
        else {
            if (rv != APR_EINVAL)
                fail_msg("case %u (%s): accepted as %s", (unsigned)i, c->text, value);
            if (why == NULL || strstr(why, c->why) == NULL)
                fail_msg("case %u (%s): reason '%s' lacks '%s'", (unsigned)i, c->text,
                         why ? why : "(none)", c->why);
        }
    }
}

static void refers_to_alone_makes_a_ticket_reference(void **state)
{
    const itsm_field_t plain = { "x", 0 }, ref = { "x", 0, "incident" };

    assert_int_equal(itsm_field_type(&plain), ITSM_TYPE_TEXT);
    assert_int_equal(itsm_field_type(&ref), ITSM_TYPE_TICKET);
}

/* itsm_ticket_same: the ticket's own assignee, group, priority and title, else a field; empty as absent; a
 * NULL old ticket holds nothing. */
static void same_values_empty_as_absent(void **state)
{
    itsm_ticket_t old = { 0 }, t = { 0 };

    (void)state;
    old.fields = apr_table_make(pool, 2);
    t.fields = apr_table_make(pool, 2);
    assert_true(itsm_ticket_same(&old, &t, "review"));
    apr_table_set(t.fields, "review", "");
    assert_true(itsm_ticket_same(&old, &t, "review"));
    assert_true(itsm_ticket_same(NULL, &t, "review"));
    apr_table_set(t.fields, "review", "Done");
    assert_false(itsm_ticket_same(&old, &t, "review"));
    assert_false(itsm_ticket_same(NULL, &t, "review"));
    apr_table_set(old.fields, "review", "Done");
    assert_true(itsm_ticket_same(&old, &t, "review"));
    old.assignee = "res1";
    assert_false(itsm_ticket_same(&old, &t, "assignee"));
    t.assignee = "res1";
    assert_true(itsm_ticket_same(&old, &t, "assignee"));
    t.group = "";
    assert_true(itsm_ticket_same(&old, &t, "group"));
    apr_table_set(t.fields, "assignee", "someone");     /* the ticket's own, not a field */
    assert_true(itsm_ticket_same(&old, &t, "assignee"));
    t.priority = "P5";                                  /* so are the priority and title */
    assert_false(itsm_ticket_same(&old, &t, "priority"));
    old.priority = "P5";
    apr_table_set(old.fields, "priority", "P1");
    assert_true(itsm_ticket_same(&old, &t, "priority"));
    old.title = "A";
    t.title = "B";
    assert_false(itsm_ticket_same(&old, &t, "title"));
}

static void typed_reads_and_writes(void **state)
{
    itsm_ticket_t t = { 0 };
    apr_time_t at = apr_time_from_sec(1795424400);     /* 2026-11-23T09:00:00Z */

    t.fields = apr_table_make(pool, 4);
    assert_int_equal(itsm_ticket_int(&t, "count", -1), -1);
    itsm_ticket_set_int(pool, &t, "count", 12);
    assert_string_equal(apr_table_get(t.fields, "count"), "12");
    assert_int_equal(itsm_ticket_int(&t, "count", -1), 12);
    apr_table_set(t.fields, "count", "twelve");
    assert_int_equal(itsm_ticket_int(&t, "count", -1), -1);

    assert_int_equal(itsm_ticket_bool(&t, "flag", 0), 0);
    itsm_ticket_set_bool(&t, "flag", 1);
    assert_string_equal(apr_table_get(t.fields, "flag"), "true");
    assert_int_equal(itsm_ticket_bool(&t, "flag", 0), 1);

    assert_true(itsm_ticket_time(&t, "when") == 0);
    itsm_ticket_set_time(pool, &t, "when", at);
    assert_string_equal(apr_table_get(t.fields, "when"), "2026-11-23T09:00:00Z");
    assert_true(itsm_ticket_time(&t, "when") == at);
}

/* The followers a kind declares, for an entry made by actor. */
static const char *recipients(const itsm_kind_t *k, const itsm_ticket_t *t, const char *actor,
                              const char *escalate, int *party_wide)
{
    itsm_journal_t j = { 0 };
    const char *out = "";
    int i;

    itsm_followers(pool, k, t, actor, escalate, &j);
    for (i = 0; i < j.recipients->nelts; i++)
        out = apr_pstrcat(pool, out, i ? " " : "", APR_ARRAY_IDX(j.recipients, i, const char *),
                          NULL);
    *party_wide = j.party_wide;
    assert_string_equal(j.party, "ALPE");
    return out;
}

static void followers_by_policy(void **state)
{
    itsm_ticket_t t = { 0 };
    itsm_kind_t plain = { .kind = "k" };
    itsm_kind_t all = { .kind = "k", .followers = ITSM_FOLLOW_RAISER | ITSM_FOLLOW_PARTY
                        | ITSM_FOLLOW_ASSIGNEE | ITSM_FOLLOW_GROUP, .follow_role = "manager" };
    int wide;

    t.party = "ALPE";
    t.created_by = "alice";
    /* no policy declared: the raiser, unless the raiser made the change */
    assert_string_equal(recipients(&plain, &t, "agent1", NULL, &wide), "alice");
    assert_false(wide);
    assert_string_equal(recipients(&plain, &t, "alice", NULL, &wide), "");
    /* everyone the policy names; an assignee who is the raiser is named once */
    t.assignee = "res1";
    t.group = "SDS Team";
    assert_string_equal(recipients(&all, &t, "agent1", "incident-manager", &wide),
                        "alice res1 group:SDS Team role:manager role:incident-manager");
    assert_true(wide);
    t.assignee = "alice";
    assert_string_equal(recipients(&all, &t, "res1", NULL, &wide),
                        "alice group:SDS Team role:manager");
    /* the actor never hears of their own change, group and role notices say who is meant */
    assert_string_equal(recipients(&all, &t, "alice", NULL, &wide),
                        "group:SDS Team role:manager");
}

/* A kind that follows its approvers: each login its approvers field names, as written and
 * once, but not the actor (in any case); no field, no approvers; a kind without the flag,
 * none; a field of separators alone, none. */
static void approvers_follow(void **state)
{
    itsm_ticket_t t = { 0 };
    itsm_kind_t k = { .kind = "k", .followers = ITSM_FOLLOW_APPROVERS,
                      .approvers_field = "approvers" };
    itsm_kind_t without = { .kind = "k", .followers = ITSM_FOLLOW_ASSIGNEE,
                            .approvers_field = "approvers" };
    int wide;

    (void)state;
    t.party = "ALPE";
    t.created_by = "alice";
    assert_string_equal(recipients(&k, &t, "agent1", NULL, &wide), "");
    t.fields = apr_table_make(pool, 1);
    apr_table_set(t.fields, "approvers", " pm1, km1 cm1,,pm1 ");
    assert_string_equal(recipients(&k, &t, "agent1", NULL, &wide), "pm1 km1 cm1");
    assert_string_equal(recipients(&k, &t, "KM1", NULL, &wide), "pm1 cm1");
    assert_false(wide);
    assert_string_equal(recipients(&without, &t, "agent1", NULL, &wide), "");
    apr_table_set(t.fields, "approvers", " ,, ");
    assert_string_equal(recipients(&k, &t, "agent1", NULL, &wide), "");
}

/* The recipients a person is among are named as itsm_followers names them: the feed finds
 * by these what was written to a role or a resolver group. */
static void followed_as_followers_name_them(void **state)
{
    itsm_ticket_t t = { 0 };
    itsm_kind_t k = { .kind = "k", .followers = ITSM_FOLLOW_GROUP, .follow_role = "manager" };
    itsm_journal_t j = { 0 };
    apr_array_header_t *roles = apr_array_make(pool, 2, sizeof(const char *));
    apr_array_header_t *groups = apr_array_make(pool, 1, sizeof(const char *));
    apr_array_header_t *keys;

    t.party = "ALPE";
    t.group = "SDS Team";
    itsm_followers(pool, &k, &t, "agent1", NULL, &j);
    APR_ARRAY_PUSH(roles, const char *) = "agent";
    APR_ARRAY_PUSH(roles, const char *) = "manager";
    APR_ARRAY_PUSH(groups, const char *) = "SDS Team";
    keys = itsm_followed(pool, roles, groups);
    assert_int_equal(keys->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(keys, 0, const char *), "role:agent");
    /* both recipients of the entry are among the keys */
    assert_int_equal(j.recipients->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(keys, 1, const char *),
                        APR_ARRAY_IDX(j.recipients, 1, const char *));
    assert_string_equal(APR_ARRAY_IDX(keys, 2, const char *),
                        APR_ARRAY_IDX(j.recipients, 0, const char *));
    assert_int_equal(itsm_followed(pool, NULL, NULL)->nelts, 0);
}

/* The plain text of an XHTML value (for search), its blocks (for diffs), and plain text as
 * paragraphs (a problem's workaround as an article's body). */
static void xhtml_text_blocks_and_paragraphs(void **state)
{
    const char *v = "<h2>DIP</h2><p>The <em>Data Integration Platform</em>.</p>loose <code>x</code>"
                    "<ul><li>one</li><li>two</li></ul><table><tr><th>k</th><td>v</td></tr></table>";
    apr_array_header_t *b = itsm_xhtml_blocks(pool, v);

    assert_string_equal(itsm_xhtml_text(pool, v),
                        "DIP\nThe Data Integration Platform.\nloose x\none\ntwo\nk v");
    assert_string_equal(itsm_xhtml_text(pool, NULL), "");
    assert_int_equal(b->nelts, 5);
    assert_string_equal(APR_ARRAY_IDX(b, 0, const char *), "<h2>DIP</h2>");
    assert_string_equal(APR_ARRAY_IDX(b, 2, const char *), "loose <code>x</code>");
    assert_string_equal(APR_ARRAY_IDX(b, 3, const char *), "<ul><li>one</li><li>two</li></ul>");
    assert_string_equal(itsm_xhtml_from_text(pool, "Restart the adapter.\n\nIf a < b & c,\ncall."),
                        "<p>Restart the adapter.</p><p>If a &lt; b &amp; c,\ncall.</p>");
    assert_string_equal(itsm_xhtml_from_text(pool, "\n\n"), "");
}

/* A text itsm_xhtml_canonical takes is a fixed point of the full check (parse, check,
 * serialise): taken unchanged. Over texts strung from pieces that a canonical body and the
 * usual ways of not being one are made of, so that both sides are met; the fast path must
 * also take what the full check writes, or it would never serve a stored value. */
static void xhtml_canonical_is_what_the_full_check_writes(void **state)
{
    static const char *const pieces[] = {
        "<p>", "</p>", "<h2>", "</h2>", "<ul>", "</ul>", "<li>", "</li>", "<pre>", "</pre>",
        "<td>", "</td>", "<code>", "</code>", "<br/>", "<br>", "<p/>", "<a>", "</a>",
        "<a href=\"https://example.org/x?a=1&amp;b=2\">", "<a href=\"/kb/1\">",
        "<a href=\"javascript:alert(1)\">", "<a href=\"java&#9;script:x\">",
        "<a href='x'>", "<a href=\"x\" title=\"y\">", "<a href=\"caf\xc3\xa9\">",
        "<a href=\"a&lt;b\">", "<a href=\"a b\">", "<script>", "</script>", "<P>",
        "<p xmlns=\"http://www.w3.org/1999/xhtml\">", "<!-- c -->", "<![CDATA[x]]>", "<?pi x?>",
        "text", " ", "\n", "\t", "\r", "\r\n", "&lt;", "&gt;", "&amp;", "&quot;", "&#13;",
        "&#65;", "&apos;", "&nbsp;", "&", ">", "\"", "'", "]]>", "caf\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xef\xbf\xbe", "\x01", "\x7f",
        "<br/ >", "</p >", "<p >", "<em>", "</em>", "<table>", "<tr>", "</tr>", "</table>",
    };
    const size_t n_pieces = sizeof pieces / sizeof *pieces;
    unsigned int seed = 20261203, taken = 0, round;

    for (round = 0; round < 40000; round++) {
        char text[512] = "";
        int i, len = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
        const char *value = NULL, *why = NULL;
        apr_status_t rv;

        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            strcat(text, pieces[(seed >> 16) % n_pieces]);
        }
        rv = itsm_xhtml_check_tree(pool, text, &value, &why);
        if (itsm_xhtml_canonical(text)) {
            taken++;
            if (rv != APR_SUCCESS || strcmp(value, text) != 0)
                fail_msg("taken as canonical but the full check %s: [%s] -> [%s]",
                         rv == APR_SUCCESS ? "changes it" : "refuses it", text,
                         rv == APR_SUCCESS ? value : why);
        }
        if (rv == APR_SUCCESS && !itsm_xhtml_canonical(value))
            fail_msg("the full check's own output is not taken: [%s] -> [%s]", text, value);
        /* and itsm_xhtml_check answers as the full check does, on either path */
        {
            const char *v2 = NULL, *why2 = NULL;

            assert_int_equal(itsm_xhtml_check(pool, text, &v2, &why2), rv);
            if (rv == APR_SUCCESS)
                assert_string_equal(v2, value);
            else
                assert_string_equal(why2, why);
        }
    }
    assert_true(taken > 1000);      /* the fast path was met, not only the fallback */
    assert_true(itsm_xhtml_canonical(""));
    assert_false(itsm_xhtml_canonical("<p>unclosed"));
    assert_false(itsm_xhtml_canonical("</p>"));
    assert_false(itsm_xhtml_canonical("<p><em></p></em>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_type_parses_to_canonical_form),
        cmocka_unit_test(refers_to_alone_makes_a_ticket_reference),
        cmocka_unit_test(same_values_empty_as_absent),
        cmocka_unit_test(typed_reads_and_writes),
        cmocka_unit_test(followers_by_policy),
        cmocka_unit_test(approvers_follow),
        cmocka_unit_test(followed_as_followers_name_them),
        cmocka_unit_test(xhtml_text_blocks_and_paragraphs),
        cmocka_unit_test(xhtml_canonical_is_what_the_full_check_writes),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
