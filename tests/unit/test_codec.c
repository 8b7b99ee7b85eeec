/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the stored encodings, RFC 3339 times and ticket numbers (the XML writer's
 * are in test_xml_out.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <apr_strings.h>

#include "unit_main.h"
#include "itsm_codec.h"

static void fields_round_trip(void **state)
{
    apr_table_t *t = apr_table_make(pool, 4), *back;

    apr_table_set(t, "description", "line one\nline two\twith tab \\ and backslash");
    apr_table_set(t, "empty", "");
    apr_table_set(t, "sql", "'; DROP TABLE itsm_ticket; --");
    back = itsm_codec_fields_decode(pool, itsm_codec_fields_encode(pool, t));
    assert_string_equal(apr_table_get(back, "description"),
                        "line one\nline two\twith tab \\ and backslash");
    assert_string_equal(apr_table_get(back, "empty"), "");
    assert_string_equal(apr_table_get(back, "sql"), "'; DROP TABLE itsm_ticket; --");
    assert_int_equal(apr_table_elts(back)->nelts, 3);
}

static void changes_keep_absent_apart_from_empty(void **state)
{
    apr_array_header_t *ch = apr_array_make(pool, 4, sizeof(itsm_change_t)), *back;
    const itsm_change_t *c;

    itsm_codec_change_add(ch, "title", NULL, "new\ttitle");
    itsm_codec_change_add(ch, "same", "x", "x");
    itsm_codec_change_add(ch, "cleared", "was", "");
    itsm_codec_change_add(ch, "removed", "was", NULL);
    assert_int_equal(ch->nelts, 3);
    back = itsm_codec_changes_decode(pool, itsm_codec_changes_encode(pool, ch));
    assert_int_equal(back->nelts, 3);
    c = (const itsm_change_t *)back->elts;
    assert_string_equal(c[0].field, "title");
    assert_null(c[0].old);
    assert_string_equal(c[0].new, "new\ttitle");
    assert_string_equal(c[1].new, "");
    assert_null(c[2].new);
    assert_string_equal(c[2].old, "was");
}

static void times(void **state)
{
    static const struct { const char *in; long long secs; } ok[] = {
        { "1970-01-01T00:00:00Z", 0 },
        { "2026-03-29T01:00:00Z", 1774746000LL },
        { "2026-03-29T02:00:00+01:00", 1774746000LL },
        { "2024-02-29T12:30:15.250Z", 1709209815LL },
        { "2026-10-25T01:59:59-00:30", 1792895399LL },
    };
    static const char *const bad[] = {
        "", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-01-01 00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00Zjunk",
        "2026-01-01T00:00:00+1:00",
    };
    apr_time_t t;
    size_t i;

    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(itsm_time_parse(&t, ok[i].in), APR_SUCCESS);
        assert_int_equal(apr_time_sec(t), ok[i].secs);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(itsm_time_parse(&t, bad[i]), APR_EINVAL);
    assert_string_equal(itsm_time_format(pool, apr_time_from_sec(1774746000LL)),
                        "2026-03-29T01:00:00Z");
}

/* The hand-written formatter against gmtime_r and strftime: every day from 1900 to 2200 at a
 * moving time of day, the edges of the four-digit years, and times before 1970. */
static void times_as_strftime(void **state)
{
    static const long long edges[] = {
        0, -1, 86399, 86400, -86400, -86401, 951782400LL /* 2000-02-29 */, 4107542399LL,
        -62167219200LL /* 0000-01-01 */, 253402300799LL /* 9999-12-31T23:59:59 */,
        253402300800LL /* 10000-01-01: beyond four digits */, -62167219201LL,
    };
    long long secs;
    size_t i;

    for (secs = -2208988800LL; secs < 7258118400LL; secs += 86400 + 3607) {
        time_t tt = (time_t)secs;
        struct tm tm;
        char want[48];

        gmtime_r(&tt, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(itsm_time_format(pool, apr_time_from_sec(secs)), want);
    }
    for (i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        time_t tt = (time_t)edges[i];
        struct tm tm;
        char want[48];

        gmtime_r(&tt, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        assert_string_equal(itsm_time_format(pool, apr_time_from_sec(edges[i])), want);
    }
}

static void durations(void **state)
{
    static const struct { long long secs; const char *text; } cases[] = {
        { 0, "PT0S" }, { 1, "PT1S" }, { 59, "PT59S" }, { 60, "PT1M" }, { 61, "PT1M1S" },
        { 3600, "PT1H" }, { 3601, "PT1H1S" }, { 3660, "PT1H1M" }, { 720000, "PT200H" },
        { 90061, "PT25H1M1S" }, { -1, "-PT1S" }, { -1800, "-PT30M" }, { -5400, "-PT1H30M" },
        { 9223372036LL, "PT2562047H47M16S" }, { -9223372036LL, "-PT2562047H47M16S" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(itsm_duration_format(pool, apr_time_from_sec(cases[i].secs)),
                            cases[i].text);
    /* what is below a second is not written */
    assert_string_equal(itsm_duration_format(pool, 1500000), "PT1S");
}

static void keys_joined_and_cut(void **state)
{
    char buf[8];

    assert_int_equal(itsm_key_join(buf, sizeof buf, "sla.", "stop", NULL), 8);
    assert_string_equal(buf, "sla.sto");            /* cut, terminated */
    assert_int_equal(itsm_key_join(buf, sizeof buf, "a", "", "bc", NULL), 3);
    assert_string_equal(buf, "abc");
    assert_int_equal(itsm_key_join(buf, sizeof buf, "1234567", NULL), 7);
    assert_string_equal(buf, "1234567");            /* exactly fits */
    assert_int_equal(itsm_key_join(buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, "");
    assert_int_equal(itsm_key_join(buf, 0, "x", NULL), 1);   /* nothing written */
}

/* An entry of a list is a whole entry: not a part of one, at either end or between. */
static void list_entries(void **state)
{
    assert_true(itsm_list_has("INC0000010 INC0000001", ' ', "INC0000001"));
    assert_true(itsm_list_has("INC0000010 INC0000001", ' ', "INC0000010"));
    assert_false(itsm_list_has("INC00000101 XINC0000010", ' ', "INC0000010"));
    assert_false(itsm_list_has("INC0000010", ',', "INC000001"));
    assert_true(itsm_list_has("response:warning,response:breached", ',', "response:breached"));
    assert_false(itsm_list_has("response:warning,response:breached", ',', "response"));
    assert_false(itsm_list_has(NULL, ',', "a"));
    assert_false(itsm_list_has("", ',', ""));
    assert_false(itsm_list_has("a,,b", ',', ""));
}

static void numbers(void **state)
{
    assert_string_equal(itsm_number_format(pool, "INC", 1), "INC0000001");
    assert_string_equal(itsm_number_format(pool, "CS", 9999999), "CS9999999");
    assert_null(itsm_number_format(pool, "INC", 10000000));
    assert_null(itsm_number_format(pool, "INC", 0));
}

/* UTF-8: decoding (invalid sequences a byte at a time), cutting at a byte limit and clipping
 * at a character limit, never inside a character. */
static void utf8_decoded(void **state)
{
    static const struct { const char *s; long cp; int len; } cases[] = {
        { "a", 'a', 1 }, { "\xc3\xa9", 0xE9, 2 }, { "\xe2\x82\xac", 0x20AC, 3 },
        { "\xf0\x9f\x98\x80", 0x1F600, 4 }, { "\xc3", -1, 1 }, { "\xc3x", -1, 1 },
        { "\x80", -1, 1 }, { "\xc0\x80", -1, 1 }, { "\xed\xa0\x80", -1, 1 },
        { "\xf4\x90\x80\x80", -1, 1 }, { "\xff", -1, 1 }, { "\xe2\x82", -1, 1 },
    };
    size_t i;
    int len;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(itsm_utf8_decode(cases[i].s, strlen(cases[i].s), &len), cases[i].cp);
        assert_int_equal(len, cases[i].len);
    }
    /* n ends the sequence before its last byte */
    assert_int_equal(itsm_utf8_decode("\xc3\xa9", 1, &len), -1);
}

static void utf8_cut_and_clipped(void **state)
{
    char *long_text = apr_pstrcat(pool, apr_psprintf(pool, "%0399d", 0),
                                  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL);
    const char *c;

    assert_int_equal(itsm_utf8_cut("abc", 3), 3);
    assert_int_equal(itsm_utf8_cut("abc", 10), 3);
    assert_int_equal(itsm_utf8_cut("ab\xc3\xa9", 3), 2);       /* not inside the é */
    assert_int_equal(itsm_utf8_cut("ab\xc3\xa9", 4), 4);
    assert_int_equal(itsm_utf8_cut("\xf0\x9f\x98\x80z", 3), 0);
    assert_int_equal(itsm_utf8_cut(long_text, 400), 399);
    /* characters, not bytes: 404 characters clipped to 400 with the mark inside */
    c = itsm_utf8_clip(pool, long_text, 400, "...");
    assert_int_equal(strlen(c), 397 + 3);
    assert_memory_equal(c, long_text, 397);
    assert_string_equal(c + 397, "...");
    assert_ptr_equal(itsm_utf8_clip(pool, long_text, 404, "..."), long_text);
    c = itsm_utf8_clip(pool, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, "\xe2\x80\xa6");
    assert_string_equal(c, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    assert_string_equal(itsm_utf8_clip(pool, "abcdef", 2, "..."), "ab");
    assert_string_equal(itsm_utf8_clip(pool, "abcdef", 0, "..."), "");
    assert_string_equal(itsm_utf8_clip(pool, "", 0, "..."), "");
}

static void blank_texts(void **state)
{
    assert_true(itsm_text_blank(NULL));
    assert_true(itsm_text_blank(""));
    assert_true(itsm_text_blank(" \t\r\n\v\f"));
    assert_true(itsm_text_blank("\xc2\xa0 \xe2\x80\x83\xe3\x80\x80"));   /* U+00A0, U+2003, U+3000 */
    assert_false(itsm_text_blank(" x "));
    assert_false(itsm_text_blank("\xc2\xa0\xc3\xa9"));          /* an e acute */
    /* shown as nothing, though not White_Space: U+200B, U+FEFF, U+2060 */
    assert_true(itsm_text_blank("\xe2\x80\x8b"));
    assert_true(itsm_text_blank(" \xef\xbb\xbf\xe2\x81\xa0\n"));
    assert_false(itsm_text_blank("\xe2\x80\x8bx"));
    assert_true(itsm_text_blank("\xe2\x80\x8e\xc2\xad"));         /* U+200E, the soft hyphen */
    assert_true(itsm_text_blank("\xe3\x85\xa4\xef\xb8\x8f"));     /* U+3164, U+FE0F */
    assert_true(itsm_text_blank("\xf3\xa0\x80\x81"));             /* U+E0001, a tag */
    assert_false(itsm_text_blank("\xe2\x80\x90"));                /* U+2010, a hyphen */
    assert_false(itsm_text_blank("\xef\xbf\xb9"));                /* U+FFF9, shown */
    assert_false(itsm_text_blank(" \xff "));                       /* not UTF-8: something */
    {   /* a megabyte of spaces, then a character: read once (a strlen a character was a
         * minute of CPU), blank and not */
        char *big = apr_palloc(pool, (1 << 20) + 2);

        memset(big, ' ', 1 << 20);
        big[1 << 20] = '\0';
        assert_true(itsm_text_blank(big));
        big[1 << 20] = 'x';
        big[(1 << 20) + 1] = '\0';
        assert_false(itsm_text_blank(big));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_round_trip),
        cmocka_unit_test(changes_keep_absent_apart_from_empty),
        cmocka_unit_test(times),
        cmocka_unit_test(times_as_strftime),
        cmocka_unit_test(durations),
        cmocka_unit_test(keys_joined_and_cut),
        cmocka_unit_test(numbers),
        cmocka_unit_test(utf8_decoded),
        cmocka_unit_test(utf8_cut_and_clipped),
        cmocka_unit_test(blank_texts),
        cmocka_unit_test(list_entries),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
