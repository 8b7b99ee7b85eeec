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

static void numbers(void **state)
{
    assert_string_equal(itsm_number_format(pool, "INC", 1), "INC0000001");
    assert_string_equal(itsm_number_format(pool, "CS", 9999999), "CS9999999");
    assert_null(itsm_number_format(pool, "INC", 10000000));
    assert_null(itsm_number_format(pool, "INC", 0));
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
    };

    return itsm_unit_main(tests, NULL, NULL);
}
