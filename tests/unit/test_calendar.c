/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the calendar arithmetic against hand-computed cases: the business calendar
 * of PRODUCT.md (Mon-Fri 08:00-18:00 Europe/London, bank holidays) across weekends, bank
 * holidays and both 2026 clock changes; zone offsets from TZif files; creation errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_strings.h>
#include <string.h>

#include "unit_main.h"
#include "itsm_codec.h"
#include "itsm_sla.h"

#define H 3600
#define M 60
static itsm_calendar_t *business, *always;

static apr_time_t at(const char *rfc3339)
{
    apr_time_t t;

    assert_int_equal(itsm_time_parse(&t, rfc3339), APR_SUCCESS);
    return t;
}

static const char *fmt(apr_time_t t)
{
    return itsm_time_format(pool, t);
}

static int setup(void **state)
{
    static const char *const holidays[] = {
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28", "2027-01-01", NULL
    };
    const char *err = NULL;
    int d, i;

    if (itsm_calendar_make(&business, "business", "Europe/London", pool, &err) != APR_SUCCESS) {
        print_error("%s\n", err);
        return -1;
    }
    for (d = 1; d <= 5; d++)
        if (itsm_calendar_open_add(business, d, "08:00", "18:00", &err) != APR_SUCCESS)
            return -1;
    for (i = 0; holidays[i]; i++)
        if (itsm_calendar_holiday_add(business, holidays[i], &err) != APR_SUCCESS)
            return -1;
    if (itsm_calendar_check(business, &err) != APR_SUCCESS)
        return -1;
    always = itsm_calendar_make_24x7(pool, "24x7");
    return 0;
}

/* Due instants: every expected value below is worked out by hand in its comment. */
static void add_business(void **state)
{
    static const struct {
        const char *why, *start;
        long secs;
        const char *due;
    } cases[] = {
        /* Fri 16 Jan 17:00 GMT: 1 h on Friday, 9 h on Monday from 08:00 -> Mon 17:00 GMT */
        { "P2 logged Friday 17:00 (GMT)", "2026-01-16T17:00:00Z", 10 * H, "2026-01-19T17:00:00Z" },
        /* Fri 12 Jun 17:00 BST = 16:00Z; Mon 15 Jun 17:00 BST = 16:00Z */
        { "P2 logged Friday 17:00 (BST)", "2026-06-12T16:00:00Z", 10 * H, "2026-06-15T16:00:00Z" },
        /* Saturday: counting starts Monday 08:00; 10 h run out at Monday 18:00 exactly */
        { "logged Saturday, 10 h", "2026-01-17T10:00:00Z", 10 * H, "2026-01-19T18:00:00Z" },
        { "logged Saturday, 1 s", "2026-01-17T10:00:00Z", 1, "2026-01-19T08:00:01Z" },
        { "logged Saturday, 30 min", "2026-01-17T10:00:00Z", 30 * M, "2026-01-19T08:30:00Z" },
        /* Sun 14 Jun 23:30 BST; Mon 08:00 BST = 07:00Z, + 1 h */
        { "logged Sunday night (BST)", "2026-06-14T22:30:00Z", 1 * H, "2026-06-15T08:00:00Z" },
        /* Thu 24 Dec 10:00: 8 h that day; 25th holiday, weekend, 28th (substitute Boxing Day)
         * holiday; Tue 29th 08:00 + 2 h */
        { "across Christmas 2026", "2026-12-24T10:00:00Z", 10 * H, "2026-12-29T10:00:00Z" },
        /* Fri 27 Mar 12:00 GMT: 6 h; clocks go forward Sun 29th 01:00Z; Mon 30th 08:00 BST =
         * 07:00Z, + 4 h = 11:00Z */
        { "across BST start", "2026-03-27T12:00:00Z", 10 * H, "2026-03-30T11:00:00Z" },
        /* Sun 29 Mar 00:30Z (GMT, before the change): opening is Mon 08:00 BST = 07:00Z */
        { "logged on BST-start night", "2026-03-29T00:30:00Z", 1 * H, "2026-03-30T08:00:00Z" },
        /* Fri 23 Oct 12:00 BST = 11:00Z: 6 h; clocks go back Sun 25th 01:00Z; Mon 26th
         * 08:00 GMT + 4 h = 12:00Z */
        { "across BST end", "2026-10-23T11:00:00Z", 10 * H, "2026-10-26T12:00:00Z" },
        /* targets running out at closing are due at 18:00, not at the next opening */
        { "ends 18:00 GMT", "2026-01-19T08:00:00Z", 10 * H, "2026-01-19T18:00:00Z" },
        { "ends 18:00 BST", "2026-06-15T07:00:00Z", 10 * H, "2026-06-15T17:00:00Z" },
        { "ends Friday 18:00", "2026-01-16T09:00:00Z", 9 * H, "2026-01-16T18:00:00Z" },
        /* one second more goes to Monday 08:00:01 */
        { "Friday 18:00 + 1 s", "2026-01-16T09:00:00Z", 9 * H + 1, "2026-01-19T08:00:01Z" },
        /* P3: five business days from Monday 08:00 -> Friday 18:00 */
        { "P3 50 h", "2026-01-19T08:00:00Z", 50 * H, "2026-01-23T18:00:00Z" },
        /* P4 from Mon 23 Mar 08:00 GMT: Mar 23-27 (5 days), Mar 30-Apr 2 (4, Good Friday),
         * Apr 7-10 (4, Easter Monday), Apr 13-17 (5), Apr 20-21 (2) = 20 days -> Tue 21 Apr
         * 18:00 BST = 17:00Z */
        { "P4 200 h over Easter and BST", "2026-03-23T08:00:00Z", 200 * H, "2026-04-21T17:00:00Z" },
        /* logged during opening hours but on New Year's Day (Thursday): Fri 2 Jan 08:00 */
        { "logged on a bank holiday", "2026-01-01T10:00:00Z", 2 * H, "2026-01-02T10:00:00Z" },
        /* zero duration: due at once, even outside hours */
        { "zero duration", "2026-01-17T10:00:00Z", 0, "2026-01-17T10:00:00Z" },
        /* beyond the transitions of the zone file (2037): the footer rule. Last Sunday of
         * March 2040 is the 25th: Fri 23rd 12:00 GMT + 10 h -> Mon 26th 12:00 BST = 11:00Z */
        { "BST start 2040 (footer rule)", "2040-03-23T12:00:00Z", 10 * H, "2040-03-26T11:00:00Z" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        apr_time_t due = itsm_calendar_add(business, at(cases[i].start),
                                           apr_time_from_sec(cases[i].secs));

        print_message("  %s\n", cases[i].why);
        assert_string_equal(fmt(due), cases[i].due);
        /* the due instant is the earliest: exactly the duration has elapsed by then */
        assert_int_equal(apr_time_sec(itsm_calendar_elapsed(business, at(cases[i].start), due)),
                         cases[i].secs);
    }
}

static void add_24x7(void **state)
{
    static const struct { const char *start; long secs; const char *due; } cases[] = {
        { "2026-01-17T22:00:00Z", 6 * H, "2026-01-18T04:00:00Z" },     /* P1 over a weekend */
        { "2026-03-29T00:00:00Z", 6 * H, "2026-03-29T06:00:00Z" },     /* real time, not wall */
        { "2026-10-25T00:00:00Z", 6 * H, "2026-10-25T06:00:00Z" },
        { "2026-12-25T10:00:00Z", 15 * M, "2026-12-25T10:15:00Z" },    /* holidays count */
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        apr_time_t due = itsm_calendar_add(always, at(cases[i].start),
                                           apr_time_from_sec(cases[i].secs));

        assert_string_equal(fmt(due), cases[i].due);
        assert_int_equal(apr_time_sec(itsm_calendar_elapsed(always, at(cases[i].start), due)),
                         cases[i].secs);
    }
}

static void elapsed_business(void **state)
{
    static const struct { const char *from, *to; long secs; } cases[] = {
        { "2026-01-16T17:00:00Z", "2026-01-19T09:00:00Z", 2 * H },     /* Fri 1 h + Mon 1 h */
        { "2026-01-17T00:00:00Z", "2026-01-18T23:59:59Z", 0 },         /* a weekend */
        { "2026-01-19T00:00:00Z", "2026-01-26T00:00:00Z", 50 * H },    /* a whole week */
        { "2026-03-27T12:00:00Z", "2026-03-30T11:00:00Z", 10 * H },    /* BST starts */
        { "2026-10-23T11:00:00Z", "2026-10-26T12:00:00Z", 10 * H },    /* BST ends */
        { "2026-12-24T00:00:00Z", "2026-12-29T00:00:00Z", 10 * H },    /* Christmas */
        { "2026-06-15T07:30:00Z", "2026-06-15T08:00:00Z", 30 * M },    /* 08:30-09:00 BST */
        { "2026-06-15T06:00:00Z", "2026-06-15T07:00:00Z", 0 },         /* 07:00-08:00 BST */
        { "2026-01-19T12:00:00Z", "2026-01-19T12:00:00Z", 0 },
        { "2026-01-19T13:00:00Z", "2026-01-19T12:00:00Z", 0 },         /* backwards */
        /* over the clock change: 9 business days x 10 h, whatever the wall clock did */
        { "2026-03-23T00:00:00Z", "2026-04-02T23:00:00Z", 90 * H },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(apr_time_sec(itsm_calendar_elapsed(business, at(cases[i].from),
                                                            at(cases[i].to))), cases[i].secs);
}

static void zone_offsets(void **state)
{
    static const struct { const char *zone, *at; long off; } cases[] = {
        { "Europe/London", "2026-03-29T00:59:59Z", 0 },
        { "Europe/London", "2026-03-29T01:00:00Z", H },
        { "Europe/London", "2026-10-25T00:59:59Z", H },
        { "Europe/London", "2026-10-25T01:00:00Z", 0 },
        /* after the last transition of the file: the POSIX TZ footer rule */
        { "Europe/London", "2050-03-27T00:59:59Z", 0 },     /* last Sunday of March 2050 */
        { "Europe/London", "2050-03-27T01:00:00Z", H },
        { "Europe/London", "2050-10-30T00:59:59Z", H },     /* last Sunday of October */
        { "Europe/London", "2050-10-30T01:00:00Z", 0 },
        { "Australia/Sydney", "2045-01-15T00:00:00Z", 11 * H },    /* southern summer */
        { "Australia/Sydney", "2045-07-15T00:00:00Z", 10 * H },
        { "America/New_York", "2045-07-04T12:00:00Z", -4 * H },
        { "America/New_York", "2045-12-25T12:00:00Z", -5 * H },
        { "Asia/Kolkata", "2026-01-01T00:00:00Z", 5 * H + 30 * M },
        { "UTC", "2026-06-01T00:00:00Z", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_calendar_t *cal;
        const char *err = NULL;

        assert_int_equal(itsm_calendar_make(&cal, "z", cases[i].zone, pool, &err), APR_SUCCESS);
        print_message("  %s at %s\n", cases[i].zone, cases[i].at);
        assert_int_equal(itsm_calendar_utc_offset(cal, at(cases[i].at)), cases[i].off);
    }
}

/* Local periods map to UTC on the day itself: an office in New York opening 09:00-17:00. */
static void other_zone(void **state)
{
    itsm_calendar_t *ny;
    const char *err = NULL;
    int d;

    assert_int_equal(itsm_calendar_make(&ny, "ny", "America/New_York", pool, &err), APR_SUCCESS);
    for (d = 1; d <= 5; d++)
        assert_int_equal(itsm_calendar_open_add(ny, d, "09:00", "17:00", &err), APR_SUCCESS);
    /* Fri 6 Mar 2026 16:00 EST = 21:00Z: 1 h; US DST starts Sun 8 Mar; Mon 9 Mar 09:00 EDT
     * = 13:00Z + 7 h = 20:00Z */
    assert_string_equal(fmt(itsm_calendar_add(ny, at("2026-03-06T21:00:00Z"),
                                              apr_time_from_sec(8 * H))),
                        "2026-03-09T20:00:00Z");
}

/* Periods touching midnight, split days and clock changes in the middle of the night. */
static void odd_periods(void **state)
{
    itsm_calendar_t *c;
    const char *err = NULL;

    assert_int_equal(itsm_calendar_make(&c, "nights", "Europe/London", pool, &err), APR_SUCCESS);
    /* Saturday 00:00-24:00 and Sunday split around lunch */
    assert_int_equal(itsm_calendar_open_add(c, 6, "00:00", "24:00", &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_open_add(c, 0, "13:00", "24:00", &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_open_add(c, 0, "00:00", "12:00", &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_check(c, &err), APR_SUCCESS);
    /* Sun 29 Mar 2026 lost an hour (01:00-02:00 local does not exist): 00:00-12:00 local
     * is 00:00Z-11:00Z, 11 h; 13:00-24:00 BST is 11 h: 22 h that day */
    assert_int_equal(apr_time_sec(itsm_calendar_elapsed(c, at("2026-03-29T00:00:00Z"),
                                                        at("2026-03-30T00:00:00Z"))), 22 * H);
    /* Sun 25 Oct 2026 gained one: 00:00 BST (24 Oct 23:00Z) to 12:00 GMT is 13 h */
    assert_int_equal(apr_time_sec(itsm_calendar_elapsed(c, at("2026-10-24T23:00:00Z"),
                                                        at("2026-10-25T12:00:00Z"))), 13 * H);
    /* Saturday 24 Oct 2026 is open all day from 00:00 BST = 23 Oct 23:00Z; from Friday
     * 22:00Z, 3 h reach Saturday 03:00 BST = 02:00Z */
    assert_string_equal(fmt(itsm_calendar_add(c, at("2026-10-23T22:00:00Z"),
                                              apr_time_from_sec(3 * H))),
                        "2026-10-24T02:00:00Z");
}

static void weekday_names(void **state)
{
    assert_int_equal(itsm_calendar_weekday("sun"), 0);
    assert_int_equal(itsm_calendar_weekday("Mon"), 1);
    assert_int_equal(itsm_calendar_weekday("saturday"), 6);
    assert_int_equal(itsm_calendar_weekday("sa"), -1);
    assert_int_equal(itsm_calendar_weekday("monday "), -1);
    assert_int_equal(itsm_calendar_weekday(NULL), -1);
}

/* Each bad calendar is refused with a message that names the problem. */
static void creation_errors(void **state)
{
    static const struct {
        const char *zone;
        int day;
        const char *start, *end;        /* added after a valid Monday 08:00-12:00 */
        const char *holiday;            /* added after 2026-12-25 */
        const char *expect;
    } cases[] = {
        { "Mars/Olympus", 1, NULL, NULL, NULL, "unknown time zone 'Mars/Olympus'" },
        { "../../etc/passwd", 1, NULL, NULL, NULL, "not a time zone name" },
        { "/etc/localtime", 1, NULL, NULL, NULL, "not a time zone name" },
        { "Europe", 1, NULL, NULL, NULL, "not a zone file" },
        { "", 1, NULL, NULL, NULL, "not a time zone name" },
        { "Europe/London", 1, "8:00", "18:00", NULL, "malformed time '8:00'" },
        { "Europe/London", 1, "13:00", "18:60", NULL, "malformed time '18:60'" },
        { "Europe/London", 1, "13:00", "24:30", NULL, "malformed time '24:30'" },
        { "Europe/London", 1, "24:00", "24:00", NULL, "malformed time '24:00'" },
        { "Europe/London", 1, "13:00", "1pm", NULL, "malformed time '1pm'" },
        { "Europe/London", 2, "18:00", "08:00", NULL, "does not start before it ends" },
        { "Europe/London", 2, "09:00", "09:00", NULL, "does not start before it ends" },
        { "Europe/London", 1, "11:00", "13:00", NULL, "overlaps 08:00-12:00" },
        { "Europe/London", 1, "07:00", "08:01", NULL, "overlaps 08:00-12:00" },
        { "Europe/London", 1, "00:00", "24:00", NULL, "overlaps 08:00-12:00" },
        { "Europe/London", 7, "08:00", "12:00", NULL, "weekday 7" },
        { "Europe/London", 1, NULL, NULL, "2026-02-30", "malformed holiday date '2026-02-30'" },
        { "Europe/London", 1, NULL, NULL, "2026-13-01", "malformed holiday date" },
        { "Europe/London", 1, NULL, NULL, "2026-1-01", "malformed holiday date" },
        { "Europe/London", 1, NULL, NULL, "2026-01-01Z", "malformed holiday date" },
        { "Europe/London", 1, NULL, NULL, "2026-12-25", "holiday 2026-12-25 is listed twice" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_calendar_t *c;
        const char *err = NULL;
        apr_status_t rv;

        print_message("  %s %s-%s %s\n", cases[i].zone, cases[i].start ? cases[i].start : "",
                      cases[i].end ? cases[i].end : "", cases[i].holiday ? cases[i].holiday : "");
        rv = itsm_calendar_make(&c, "test", cases[i].zone, pool, &err);
        if (rv == APR_SUCCESS) {
            assert_int_equal(itsm_calendar_open_add(c, 1, "08:00", "12:00", &err), APR_SUCCESS);
            assert_int_equal(itsm_calendar_holiday_add(c, "2026-12-25", &err), APR_SUCCESS);
            if (cases[i].start)
                rv = itsm_calendar_open_add(c, cases[i].day, cases[i].start, cases[i].end, &err);
            else
                rv = itsm_calendar_holiday_add(c, cases[i].holiday, &err);
        }
        assert_int_not_equal(rv, APR_SUCCESS);
        assert_non_null(err);
        print_message("    -> %s\n", err);
        assert_non_null(strstr(err, cases[i].expect));
        assert_non_null(strstr(err, "calendar 'test'"));
    }
}

static void touching_periods_and_empty(void **state)
{
    itsm_calendar_t *c;
    const char *err = NULL;

    assert_int_equal(itsm_calendar_make(&c, "split", "Europe/London", pool, &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_check(c, &err), APR_EINVAL);
    assert_non_null(strstr(err, "has no open period"));
    assert_int_equal(itsm_calendar_open_add(c, 1, "12:00", "18:00", &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_open_add(c, 1, "08:00", "12:00", &err), APR_SUCCESS);
    assert_int_equal(itsm_calendar_check(c, &err), APR_SUCCESS);
    /* touching periods behave as one: Mon 08:00 + 10 h is Mon 18:00 */
    assert_string_equal(fmt(itsm_calendar_add(c, at("2026-01-19T08:00:00Z"),
                                              apr_time_from_sec(10 * H))),
                        "2026-01-19T18:00:00Z");
    /* a 24x7 calendar takes neither periods nor holidays */
    assert_int_equal(itsm_calendar_open_add(always, 1, "08:00", "18:00", &err), APR_EINVAL);
    assert_int_equal(itsm_calendar_holiday_add(always, "2026-12-25", &err), APR_EINVAL);
    assert_true(itsm_calendar_is_24x7(always));
    assert_false(itsm_calendar_is_24x7(business));
    assert_string_equal(itsm_calendar_name(business), "business");
}

/* A calendar twice: checked (answering from its index of open time per day) and not checked
 * (walking day by day); both must give the same instant and time for any question. */
static void make_pair(itsm_calendar_t *pair[2], const char *zone, const char *const *periods,
                      const char *const *holidays)
{
    const char *err = NULL;
    int k, i;

    for (k = 0; k < 2; k++) {
        assert_int_equal(itsm_calendar_make(&pair[k], zone, zone, pool, &err), APR_SUCCESS);
        for (i = 0; periods[i]; i += 3)
            assert_int_equal(itsm_calendar_open_add(pair[k], itsm_calendar_weekday(periods[i]),
                                                    periods[i + 1], periods[i + 2], &err),
                             APR_SUCCESS);
        for (i = 0; holidays && holidays[i]; i++)
            assert_int_equal(itsm_calendar_holiday_add(pair[k], holidays[i], &err), APR_SUCCESS);
    }
    assert_int_equal(itsm_calendar_check(pair[0], &err), APR_SUCCESS);
}

static void index_matches_walk(void **state)
{
    static const char *const office[] = {
        "mon", "08:00", "18:00", "tue", "08:00", "18:00", "wed", "08:00", "18:00",
        "thu", "08:00", "18:00", "fri", "08:00", "12:00", "fri", "13:00", "17:30", NULL
    };
    static const char *const nights[] = {
        "sat", "00:00", "24:00", "sun", "00:00", "02:30", "sun", "13:00", "24:00",
        "wed", "01:00", "03:00", NULL
    };
    static const char *const holidays[] = { "2026-12-25", "2026-12-28", "2027-01-01",
                                            "2079-12-31", NULL };
    static const struct {
        const char *zone;
        const char *const *periods;
    } cals[] = {
        { "Europe/London", office }, { "Europe/London", nights },
        { "America/New_York", nights }, { "Australia/Lord_Howe", office },
    };
    /* spans: 2025-2028 (inside the index), either end of the index (fallback seams) */
    static const char *const from[] = { "2025-01-01T00:00:00Z", "1999-12-20T00:00:00Z",
                                        "2079-12-01T00:00:00Z" };
    uint64_t seed = 42;
    unsigned c, f, i;

    for (c = 0; c < sizeof cals / sizeof cals[0]; c++) {
        itsm_calendar_t *pair[2];

        make_pair(pair, cals[c].zone, cals[c].periods, holidays);
        for (f = 0; f < sizeof from / sizeof from[0]; f++)
            for (i = 0; i < 400; i++) {
                apr_time_t a, b;
                apr_interval_time_t d;

                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                a = at(from[f]) + apr_time_from_sec((apr_int64_t)((seed >> 20) % (f ? 40 : 1400) * 86400
                                                                  + (seed >> 8) % 86400));
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                d = apr_time_from_sec((apr_int64_t)((seed >> 16) % (90 * 86400)));
                b = a + apr_time_from_sec((apr_int64_t)((seed >> 24) % (200 * 86400)));
                if (itsm_calendar_add(pair[0], a, d) != itsm_calendar_add(pair[1], a, d))
                    fail_msg("%s: %s + %" APR_INT64_T_FMT " s: index %s, walk %s",
                             cals[c].zone, fmt(a), apr_time_sec(d),
                             fmt(itsm_calendar_add(pair[0], a, d)),
                             fmt(itsm_calendar_add(pair[1], a, d)));
                assert_int_equal(itsm_calendar_elapsed(pair[0], a, b),
                                 itsm_calendar_elapsed(pair[1], a, b));
            }
    }
}

/* The periods a checked calendar keeps per day of its index answer short questions (the
 * walk over a few days, a list's SLA targets) around the changes of offset exactly as they
 * are computed; a period or holiday added after the check drops them (until checked again). */
static void kept_periods_match_computed(void **state)
{
    static const char *const office[] = {
        "mon", "08:00", "18:00", "tue", "08:00", "18:00", "wed", "08:00", "18:00",
        "thu", "08:00", "18:00", "fri", "08:00", "12:00", "fri", "13:00", "17:30",
        "sun", "00:30", "03:00", NULL
    };
    static const char *const changes[] = { "2026-03-27T00:00:00Z", "2026-10-23T00:00:00Z",
                                           "2027-03-26T00:00:00Z", "2026-12-23T00:00:00Z" };
    static const char *const zones[] = { "Europe/London", "America/New_York",
                                         "Australia/Lord_Howe" };
    const char *err = NULL;
    unsigned z, c, i, j;

    (void)state;
    for (z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        itsm_calendar_t *pair[2];

        make_pair(pair, zones[z], office, NULL);
        for (c = 0; c < sizeof changes / sizeof changes[0]; c++)
            for (i = 0; i < 4 * 96; i++)            /* every quarter hour of four days */
                for (j = 0; j < 6; j++) {
                    apr_time_t a = at(changes[c]) + apr_time_from_sec((apr_int64_t)i * 900);
                    apr_interval_time_t d = apr_time_from_sec((apr_int64_t)j * 7 * 3600 + 60);

                    assert_int_equal(itsm_calendar_add(pair[0], a, d),
                                     itsm_calendar_add(pair[1], a, d));
                    assert_int_equal(itsm_calendar_elapsed(pair[0], a, a + d * 3),
                                     itsm_calendar_elapsed(pair[1], a, a + d * 3));
                }
        /* a holiday added after the check: the kept periods are not used any more */
        assert_int_equal(itsm_calendar_holiday_add(pair[0], "2026-12-24", &err), APR_SUCCESS);
        assert_int_equal(itsm_calendar_holiday_add(pair[1], "2026-12-24", &err), APR_SUCCESS);
        assert_int_equal(itsm_calendar_add(pair[0], at("2026-12-24T09:00:00Z"), apr_time_from_sec(3600)),
                         itsm_calendar_add(pair[1], at("2026-12-24T09:00:00Z"), apr_time_from_sec(3600)));
        assert_int_equal(itsm_calendar_elapsed(pair[0], at("2026-12-23T00:00:00Z"), at("2026-12-26T00:00:00Z")),
                         itsm_calendar_elapsed(pair[1], at("2026-12-23T00:00:00Z"), at("2026-12-26T00:00:00Z")));
        if (z == 0)     /* London: Thursday 24th is closed, 10 h open on the 23rd */
            assert_int_equal(itsm_calendar_elapsed(pair[0], at("2026-12-23T00:00:00Z"), at("2026-12-25T00:00:00Z")),
                             apr_time_from_sec(10 * 3600));
        /* checked again: kept again, the holiday among them */
        assert_int_equal(itsm_calendar_check(pair[0], &err), APR_SUCCESS);
        assert_int_equal(itsm_calendar_elapsed(pair[0], at("2026-12-23T00:00:00Z"), at("2026-12-26T00:00:00Z")),
                         itsm_calendar_elapsed(pair[1], at("2026-12-23T00:00:00Z"), at("2026-12-26T00:00:00Z")));
        assert_int_equal(itsm_calendar_add(pair[0], at("2026-12-24T09:00:00Z"), apr_time_from_sec(3600)),
                         itsm_calendar_add(pair[1], at("2026-12-24T09:00:00Z"), apr_time_from_sec(3600)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_business),
        cmocka_unit_test(add_24x7),
        cmocka_unit_test(elapsed_business),
        cmocka_unit_test(zone_offsets),
        cmocka_unit_test(other_zone),
        cmocka_unit_test(odd_periods),
        cmocka_unit_test(weekday_names),
        cmocka_unit_test(creation_errors),
        cmocka_unit_test(touching_periods_and_empty),
        cmocka_unit_test(index_matches_walk),
        cmocka_unit_test(kept_periods_match_computed),
    };

    return itsm_unit_main(tests, setup, NULL);
}
