/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of SLA clocks on the shipped conf/itsm-sla.xml (validated by the real schema):
 * targets per kind and priority, due/elapsed/remaining/status with pauses, re-targeting,
 * warning, met and missed; the clocks of a ticket (started by events, own pauses, targets by
 * a class field in business days) and its timers; clocks whose target is the ticket's own
 * duration field; and configuration files that must be refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#include "unit_main.h"
#include "itsm.h"
#include "itsm_codec.h"
#include "itsm_sla.h"
#include "itsm_xml.h"
#include "config_file.h"

#define H 3600
#define M 60
static xmlSchemaPtr schema;
static itsm_sla_config_t *cfg;

static apr_time_t at(const char *rfc3339)
{
    apr_time_t t;

    if (rfc3339 == NULL)
        return 0;
    assert_int_equal(itsm_time_parse(&t, rfc3339), APR_SUCCESS);
    return t;
}

static const char *fmt(apr_time_t t)
{
    return itsm_time_format(pool, t);
}

static int setup(void **state)
{
    const char *err = NULL;

    if ((schema = config_schema(pool)) == NULL)
        return -1;
    if (itsm_sla_config_load(&cfg, ITSM_SRCDIR "/conf/itsm-sla.xml", schema, pool, &err)
        != APR_SUCCESS) {
        print_error("%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    xmlSchemaFree(schema);
    return 0;
}

/* PRODUCT.md "Service levels": the shipped targets. */
static void shipped_targets(void **state)
{
    static const struct {
        const char *kind, *prio, *clock;
        long secs;                      /* 0: no target */
        const char *calendar;
    } cases[] = {
        { "incident", "P1", "response", 15 * M, "24x7" },
        { "incident", "P1", "resolution", 6 * H, "24x7" },
        { "incident", "P2", "response", 30 * M, "business" },
        { "incident", "P2", "resolution", 10 * H, "business" },
        { "incident", "P3", "response", 30 * M, "business" },
        { "incident", "P3", "resolution", 50 * H, "business" },
        { "incident", "P4", "response", 30 * M, "business" },
        { "incident", "P4", "resolution", 200 * H, "business" },
        { "incident", "P5", "response", 0, NULL },
        { "incident", "P5", "resolution", 0, NULL },
        { "case", "P1", "resolution", 6 * H, "24x7" },
        { "case", "P2", "response", 30 * M, "business" },
        { "case", "P4", "resolution", 200 * H, "business" },
        { "case", "P5", "resolution", 0, NULL },
        { "problem", "P1", "resolution", 0, NULL },
        { "incident", "P6", "resolution", 0, NULL },
        { "incident", "P2", "lunch", 0, NULL },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        apr_interval_time_t d = -1;
        const itsm_calendar_t *cal = NULL;
        apr_status_t rv = itsm_sla_target(cfg, cases[i].kind, cases[i].prio, cases[i].clock,
                                          &d, &cal);

        print_message("  %s %s %s\n", cases[i].kind, cases[i].prio, cases[i].clock);
        if (cases[i].calendar == NULL) {
            assert_int_equal(rv, APR_NOTFOUND);
            continue;
        }
        assert_int_equal(rv, APR_SUCCESS);
        assert_int_equal(apr_time_sec(d), cases[i].secs);
        assert_string_equal(itsm_calendar_name(cal), cases[i].calendar);
    }
    assert_int_equal(itsm_sla_warning_percent(cfg), 75);
    assert_true(itsm_calendar_is_24x7(itsm_sla_calendar(cfg, "24x7")));
    assert_false(itsm_calendar_is_24x7(itsm_sla_calendar(cfg, "business")));
    assert_null(itsm_sla_calendar(cfg, "weekdays"));
}

#define MAXP 3
typedef struct clock_case_t {
    const char *why;
    const char *prio;                   /* incident resolution target of this priority ... */
    const char *clock;                  /* ... or of this clock (default "resolution") */
    const char *start;
    const char *pauses[MAXP][2];        /* from, to (NULL: still paused) */
    const char *stop;
    const char *now;
    const char *due;
    long elapsed, remaining;
    const char *status;
} clock_case_t;

static void run_clock_cases(const clock_case_t *cases, size_t n)
{
    size_t i;
    int j;

    for (i = 0; i < n; i++) {
        const clock_case_t *k = &cases[i];
        itsm_sla_pause_t pauses[MAXP];
        itsm_sla_clock_t c = { 0 };
        itsm_sla_eval_t e;

        print_message("  %s\n", k->why);
        assert_int_equal(itsm_sla_target(cfg, "incident", k->prio,
                                         k->clock ? k->clock : "resolution",
                                         &c.target, &c.calendar), APR_SUCCESS);
        c.start = at(k->start);
        for (j = 0; j < MAXP && k->pauses[j][0]; j++) {
            pauses[j].from = at(k->pauses[j][0]);
            pauses[j].to = at(k->pauses[j][1]);
        }
        c.pauses = pauses;
        c.npauses = j;
        c.stop = at(k->stop);
        c.warning_percent = itsm_sla_warning_percent(cfg);
        itsm_sla_evaluate(&e, &c, at(k->now));
        assert_string_equal(fmt(e.due), k->due);
        assert_int_equal(apr_time_sec(e.elapsed), k->elapsed);
        assert_int_equal(apr_time_sec(e.remaining), k->remaining);
        assert_string_equal(e.status_name, k->status);
    }
}

/* Every figure worked out by hand: the business calendar is Mon-Fri 08:00-18:00 London. */
static void clocks(void **state)
{
    static const clock_case_t cases[] = {
        /* Fri 16 Jan 2026 17:00 GMT: 1 h Friday + 9 h Monday -> Mon 19 Jan 17:00Z; at Mon
         * 10:00 3 h have elapsed */
        { "P2 logged Friday 17:00", "P2", NULL, "2026-01-16T17:00:00Z", { { NULL } }, NULL,
          "2026-01-19T10:00:00Z", "2026-01-19T17:00:00Z", 3 * H, 7 * H, "in-sla" },
        /* logged Saturday: nothing counts until Monday 08:00 */
        { "P2 logged Saturday", "P2", NULL, "2026-01-17T10:00:00Z", { { NULL } }, NULL,
          "2026-01-18T20:00:00Z", "2026-01-19T18:00:00Z", 0, 10 * H, "in-sla" },
        { "P2 response, logged Saturday", "P2", "response", "2026-01-17T10:00:00Z", { { NULL } },
          NULL, "2026-01-19T08:10:00Z", "2026-01-19T08:30:00Z", 10 * M, 20 * M, "in-sla" },
        /* Thu 24 Dec 10:00: 8 h; 25th and 28th are bank holidays; Tue 29th 08:00 + 2 h */
        { "P2 over Christmas", "P2", NULL, "2026-12-24T10:00:00Z", { { NULL } }, NULL,
          "2026-12-29T09:00:00Z", "2026-12-29T10:00:00Z", 9 * H, 1 * H, "warning" },
        /* Fri 27 Mar 12:00 GMT: 6 h; Mon 30 Mar 08:00 BST = 07:00Z + 4 h */
        { "P2 across BST start", "P2", NULL, "2026-03-27T12:00:00Z", { { NULL } }, NULL,
          "2026-03-30T08:00:00Z", "2026-03-30T11:00:00Z", 7 * H, 3 * H, "in-sla" },
        /* Fri 23 Oct 12:00 BST = 11:00Z: 6 h; Mon 26 Oct 08:00 GMT + 4 h */
        { "P2 across BST end", "P2", NULL, "2026-10-23T11:00:00Z", { { NULL } }, NULL,
          "2026-10-26T12:00:00Z", "2026-10-26T12:00:00Z", 10 * H, 0, "warning" },
        /* P1 on 24x7, over the night the clocks go forward: real hours */
        { "P1 6 h on 24x7", "P1", NULL, "2026-03-29T00:00:00Z", { { NULL } }, NULL,
          "2026-03-29T03:00:00Z", "2026-03-29T06:00:00Z", 3 * H, 3 * H, "in-sla" },
        { "P1 6 h at 75%", "P1", NULL, "2026-03-29T00:00:00Z", { { NULL } }, NULL,
          "2026-03-29T04:30:00Z", "2026-03-29T06:00:00Z", 4 * H + 30 * M, 90 * M, "warning" },
        { "P1 response 15 min", "P1", "response", "2026-12-25T10:00:00Z", { { NULL } }, NULL,
          "2026-12-25T10:20:00Z", "2026-12-25T10:15:00Z", 20 * M, -5 * M, "breached" },
        /* a 24x7 pause of 1 h moves a P1 out by 1 h */
        { "P1 paused 1 h", "P1", NULL, "2026-03-29T00:00:00Z",
          { { "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z" } }, NULL,
          "2026-03-29T03:00:00Z", "2026-03-29T07:00:00Z", 2 * H, 4 * H, "in-sla" },
        /* pause Mon 10:00-12:00 (2 business hours): Mon 18:00 + 2 h -> Tue 10:00 */
        { "P2 paused 2 business hours", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, NULL,
          "2026-01-19T12:00:00Z", "2026-01-20T10:00:00Z", 2 * H, 8 * H, "in-sla" },
        /* a pause entirely outside business hours (Mon 19:00 - Tue 07:30) moves nothing:
         * Mon 12:00 + 10 h is Tue 12:00 with or without it */
        { "P2 paused overnight only", "P2", NULL, "2026-01-19T12:00:00Z",
          { { "2026-01-19T19:00:00Z", "2026-01-20T07:30:00Z" } }, NULL,
          "2026-01-20T09:00:00Z", "2026-01-20T12:00:00Z", 7 * H, 3 * H, "in-sla" },
        /* a pause over the closing (Mon 17:00 - Tue 09:00) is 2 business hours */
        { "P2 paused over closing", "P2", NULL, "2026-01-19T12:00:00Z",
          { { "2026-01-19T17:00:00Z", "2026-01-20T09:00:00Z" } }, NULL,
          "2026-01-20T10:00:00Z", "2026-01-20T14:00:00Z", 6 * H, 4 * H, "in-sla" },
        /* still paused since Mon 10:00, now Mon 11:00: the pause counts as ending now, so
         * far 1 h -> Mon 18:00 + 1 h = Tue 09:00 */
        { "P2 still paused", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", NULL } }, NULL,
          "2026-01-19T11:00:00Z", "2026-01-20T09:00:00Z", 2 * H, 8 * H, "in-sla" },
        /* overlapping pauses count once: 10:00-13:00 is 3 h -> Tue 11:00 */
        { "P2 overlapping pauses", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T11:00:00Z", "2026-01-19T13:00:00Z" },
            { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, NULL,
          "2026-01-19T14:00:00Z", "2026-01-20T11:00:00Z", 3 * H, 7 * H, "in-sla" },
        /* two pauses given out of order: Mon 08:00-09:00 (1 h) and Fri 17:00 - Mon 09:00
         * (2 h); at Mon 26 10:00: 9 + 30 + 9 + 1 = 49 h; 50 h are reached at 11:00 */
        { "P3 two pauses", "P3", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-23T17:00:00Z", "2026-01-26T09:00:00Z" },
            { "2026-01-19T08:00:00Z", "2026-01-19T09:00:00Z" } }, NULL,
          "2026-01-26T10:00:00Z", "2026-01-26T11:00:00Z", 49 * H, 1 * H, "warning" },
        /* a pause on Monday across BST start, Mon 30 Mar 08:00-09:00 BST = 07:00-08:00Z */
        { "P2 paused after BST start", "P2", NULL, "2026-03-27T12:00:00Z",
          { { "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z" } }, NULL,
          "2026-03-30T08:00:00Z", "2026-03-30T12:00:00Z", 6 * H, 4 * H, "in-sla" },
        /* migration import: logged Wed 24 Dec 2025 10:00 (8 h; 25th, 26th holidays; weekend);
         * Mon 29 Dec 08:00 + 2 h; evaluated on Mon 5 Jan 2026 09:00 -> overrun by
         * Dec 29-31 (8 h + 20 h), Jan 2 (10 h; 1st is a holiday), Jan 5 (1 h) = 39 h */
        { "imported, long breached", "P2", NULL, "2025-12-24T10:00:00Z", { { NULL } }, NULL,
          "2026-01-05T09:00:00Z", "2025-12-29T10:00:00Z", 49 * H, -39 * H, "breached" },
    };

    run_clock_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Warning from 75% of the target; due itself is not yet breached (breached: now > due). */
static void warning_and_breach(void **state)
{
    static const clock_case_t cases[] = {
        { "74.99%", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } }, NULL,
          "2026-01-19T15:29:59Z", "2026-01-19T18:00:00Z", 7 * H + 29 * M + 59, 2 * H + 30 * M + 1,
          "in-sla" },
        { "75%", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } }, NULL,
          "2026-01-19T15:30:00Z", "2026-01-19T18:00:00Z", 7 * H + 30 * M, 2 * H + 30 * M,
          "warning" },
        { "at the due instant", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } }, NULL,
          "2026-01-19T18:00:00Z", "2026-01-19T18:00:00Z", 10 * H, 0, "warning" },
        { "one second past due", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } }, NULL,
          "2026-01-19T18:00:01Z", "2026-01-19T18:00:00Z", 10 * H, 0, "breached" },
        { "next morning", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } }, NULL,
          "2026-01-20T09:00:00Z", "2026-01-19T18:00:00Z", 11 * H, -1 * H, "breached" },
    };
    itsm_sla_clock_t c = { 0 };
    itsm_sla_eval_t e;

    run_clock_cases(cases, sizeof cases / sizeof cases[0]);
    /* warn_at: the instant the warning starts; and a clock's own threshold */
    assert_int_equal(itsm_sla_target(cfg, "incident", "P2", "resolution", &c.target,
                                     &c.calendar), APR_SUCCESS);
    c.start = at("2026-01-19T08:00:00Z");
    itsm_sla_evaluate(&e, &c, at("2026-01-19T09:00:00Z"));
    assert_string_equal(fmt(e.warn_at), "2026-01-19T15:30:00Z");
    c.warning_percent = 50;
    itsm_sla_evaluate(&e, &c, at("2026-01-19T13:00:00Z"));
    assert_string_equal(fmt(e.warn_at), "2026-01-19T13:00:00Z");
    assert_string_equal(e.status_name, "warning");
}

static void met_and_missed(void **state)
{
    static const clock_case_t cases[] = {
        { "stopped at due", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } },
          "2026-01-19T18:00:00Z", "2026-02-01T00:00:00Z", "2026-01-19T18:00:00Z", 10 * H, 0,
          "met" },
        { "stopped early", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } },
          "2026-01-19T12:00:00Z", "2026-02-01T00:00:00Z", "2026-01-19T18:00:00Z", 4 * H, 6 * H,
          "met" },
        { "stopped next morning", "P2", NULL, "2026-01-19T08:00:00Z", { { NULL } },
          "2026-01-20T09:00:00Z", "2026-02-01T00:00:00Z", "2026-01-19T18:00:00Z", 11 * H, -1 * H,
          "missed" },
        /* due Fri 18:00, resolved Saturday: no business time was overrun, yet it is late */
        { "stopped on Saturday", "P2", NULL, "2026-01-16T08:00:00Z", { { NULL } },
          "2026-01-17T10:00:00Z", "2026-02-01T00:00:00Z", "2026-01-16T18:00:00Z", 10 * H, 0,
          "missed" },
        /* stopped while paused: the pause ends at the stop; Mon 18:00 + 1 h = Tue 09:00 */
        { "stopped while paused", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", NULL } }, "2026-01-19T11:00:00Z", "2026-02-01T00:00:00Z",
          "2026-01-20T09:00:00Z", 2 * H, 8 * H, "met" },
        /* a pause after the clock stopped (the ticket waited on its raiser later) moves
         * nothing: due Mon 18:00 as without it */
        { "a pause after the stop", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T13:00:00Z", "2026-01-19T15:00:00Z" } }, "2026-01-19T12:00:00Z",
          "2026-02-01T00:00:00Z", "2026-01-19T18:00:00Z", 4 * H, 6 * H, "met" },
        /* a pause spanning the stop counts to the stop, as an open one: Tue 09:00 */
        { "a pause across the stop", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T14:00:00Z" } }, "2026-01-19T11:00:00Z",
          "2026-02-01T00:00:00Z", "2026-01-20T09:00:00Z", 2 * H, 8 * H, "met" },
        /* the pause made it: without it, stopping Tue 09:30 would be missed */
        { "met thanks to a pause", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, "2026-01-20T09:30:00Z",
          "2026-02-01T00:00:00Z", "2026-01-20T10:00:00Z", 9 * H + 30 * M, 30 * M, "met" },
    };

    run_clock_cases(cases, sizeof cases / sizeof cases[0]);
}

/* A priority change re-targets from the logging time and keeps the pauses: the same history
 * evaluated with the new target. Start Mon 19 Jan 08:00, paused 10:00-12:00, now Tue 11:00:
 * 8 h on Monday + 3 h on Tuesday = 11 h elapsed. P3: 50 h + 2 h paused -> Mon 26 Jan 10:00.
 * P2: 10 h + 2 h -> Tue 20 Jan 10:00, already past. */
static void priority_change(void **state)
{
    static const clock_case_t cases[] = {
        { "as P3", "P3", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, NULL,
          "2026-01-20T11:00:00Z", "2026-01-26T10:00:00Z", 11 * H, 39 * H, "in-sla" },
        { "re-targeted to P2", "P2", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, NULL,
          "2026-01-20T11:00:00Z", "2026-01-20T10:00:00Z", 11 * H, -1 * H, "breached" },
        /* and to P4: 200 h + 2 h; Jan 19 - Feb 13 is 20 business days, + 2 h -> Mon 16 Feb */
        { "re-targeted to P4", "P4", NULL, "2026-01-19T08:00:00Z",
          { { "2026-01-19T10:00:00Z", "2026-01-19T12:00:00Z" } }, NULL,
          "2026-01-20T11:00:00Z", "2026-02-16T10:00:00Z", 11 * H, 189 * H, "in-sla" },
    };

    run_clock_cases(cases, sizeof cases / sizeof cases[0]);
}

static void status_names(void **state)
{
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_IN_SLA), "in-sla");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_WARNING), "warning");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_BREACHED), "breached");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_MET), "met");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_MISSED), "missed");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_NOT_STARTED), "not-started");
    assert_string_equal(itsm_sla_status_name(ITSM_SLA_CANCELLED), "cancelled");
}

/* ---- Configuration files that must be refused ---------------------------------------- */

#define DOC_HEAD "<serviceLevels xmlns=\"urn:mod-itsm:xml:1\">\n"
#define CAL_24X7 " <calendar name=\"24x7\"><always/></calendar>\n"
#define CAL_OPEN(zone, open) \
    " <calendar name=\"business\" zone=\"" zone "\">\n" open " </calendar>\n"
#define MON_FRI "  <open days=\"mon tue wed thu fri\" from=\"08:00\" to=\"18:00\"/>\n"
#define KIND(targets) \
    " <kind name=\"incident\">\n  <priority name=\"P2\">\n" targets \
    "  </priority>\n  <priority name=\"P5\"/>\n </kind>\n"
#define P2_TARGET "   <target clock=\"resolution\" duration=\"PT10H\" calendar=\"business\"/>\n"
#define DOC_TAIL "</serviceLevels>\n"

static const char *write_temp(const char *text)
{
    return config_file(pool, text);
}

static void config_ok(void **state)
{
    itsm_sla_config_t *c = NULL;
    const char *err = NULL;
    apr_interval_time_t d;
    const itsm_calendar_t *cal;
    const char *doc = DOC_HEAD
        " <calendar name=\"business\" zone=\"Europe/London\">\n"
        "  <open days=\"mon\" from=\"00:00\" to=\"12:00\"/>\n"
        "  <open days=\"mon\" from=\"12:00\" to=\"24:00\"/>\n"
        "  <holiday date=\"2026-12-25\" name=\"Christmas Day\"/>\n"
        " </calendar>\n"
        KIND(P2_TARGET) DOC_TAIL;

    if (itsm_sla_config_load(&c, write_temp(doc), schema, pool, &err) != APR_SUCCESS)
        fail_msg("%s", err);
    assert_int_equal(itsm_sla_target(c, "incident", "P2", "resolution", &d, &cal), APR_SUCCESS);
    assert_int_equal(itsm_sla_target(c, "incident", "P5", "resolution", &d, &cal), APR_NOTFOUND);
    assert_int_equal(itsm_sla_warning_percent(c), 75);
}

static void config_errors(void **state)
{
    static const struct { const char *why, *doc, *expect; } cases[] = {
        { "overlapping periods", DOC_HEAD CAL_OPEN("Europe/London",
              "  <open days=\"mon tue\" from=\"08:00\" to=\"12:00\"/>\n"
              "  <open days=\"tue\" from=\"11:00\" to=\"18:00\"/>\n") KIND(P2_TARGET) DOC_TAIL,
          ":4: <open>: calendar 'business': period 11:00-18:00 on tuesday overlaps 08:00-12:00" },
        { "start after end", DOC_HEAD CAL_OPEN("Europe/London",
              "  <open days=\"mon\" from=\"18:00\" to=\"08:00\"/>\n") KIND(P2_TARGET) DOC_TAIL,
          ":3: <open>: calendar 'business': period 18:00-08:00 on monday does not start" },
        { "malformed time", DOC_HEAD CAL_OPEN("Europe/London",
              "  <open days=\"mon\" from=\"8:00\" to=\"18:00\"/>\n") KIND(P2_TARGET) DOC_TAIL,
          ":3: does not validate" },
        { "bad holiday date", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI
              "  <holiday date=\"2026-02-30\"/>\n") KIND(P2_TARGET) DOC_TAIL,
          ":4: does not validate" },
        { "holiday not a date", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI
              "  <holiday date=\"25/12/2026\"/>\n") KIND(P2_TARGET) DOC_TAIL,
          ":4: does not validate" },
        { "duplicate holiday", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI
              "  <holiday date=\"2026-12-25\"/>\n  <holiday date=\"2026-12-25\"/>\n")
              KIND(P2_TARGET) DOC_TAIL,
          ":5: <holiday>: calendar 'business': holiday 2026-12-25 is listed twice" },
        { "unknown zone", DOC_HEAD CAL_OPEN("Mars/Olympus", MON_FRI) KIND(P2_TARGET) DOC_TAIL,
          ":2: <calendar>: calendar 'business': unknown time zone 'Mars/Olympus'" },
        { "zone path", DOC_HEAD CAL_OPEN("../etc/passwd", MON_FRI) KIND(P2_TARGET) DOC_TAIL,
          ":2: does not validate" },
        { "business calendar without zone", DOC_HEAD
              " <calendar name=\"business\">\n" MON_FRI " </calendar>\n" KIND(P2_TARGET) DOC_TAIL,
          ":2: <calendar>: calendar 'business' has open periods but no zone" },
        { "duplicate calendar", DOC_HEAD CAL_24X7 CAL_OPEN("Europe/London", MON_FRI)
              " <calendar name=\"24x7\"><always/></calendar>\n" KIND(P2_TARGET) DOC_TAIL,
          ":6: <calendar>: calendar '24x7' is defined twice" },
        { "unknown calendar", DOC_HEAD CAL_24X7 KIND(P2_TARGET) DOC_TAIL,
          ":5: <target>: resolution target for P2 of kind 'incident' names unknown calendar "
          "'business'" },
        { "duplicate target", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND(P2_TARGET "   <target clock=\"resolution\" duration=\"PT8H\" "
                   "calendar=\"business\"/>\n") DOC_TAIL,
          ":8: <target>: duplicate resolution target for P2 of kind 'incident'" },
        { "duplicate priority", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              " <kind name=\"incident\">\n  <priority name=\"P2\"/>\n  <priority name=\"P2\"/>\n"
              " </kind>\n" DOC_TAIL,
          ":7: <priority>: priority P2 of kind 'incident' is listed twice" },
        { "day duration", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" duration=\"P10D\" calendar=\"business\"/>\n")
              DOC_TAIL, ":7: does not validate" },
        { "empty duration", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" duration=\"PT\" calendar=\"business\"/>\n")
              DOC_TAIL, ":7: does not validate" },
        { "zero duration", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" duration=\"PT0H\" calendar=\"business\"/>\n")
              DOC_TAIL, ":7: <target>: duration 'PT0H' is not a positive PTnHnMnS" },
        { "duration and businessDays", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" duration=\"PT10H\" businessDays=\"1\" "
                   "calendar=\"business\"/>\n") DOC_TAIL,
          ":7: <target>: a target has either a duration or businessDays" },
        { "neither duration nor businessDays", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" calendar=\"business\"/>\n") DOC_TAIL,
          ":7: <target>: a target has either a duration or businessDays" },
        { "zero businessDays", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              KIND("   <target clock=\"resolution\" businessDays=\"0\" calendar=\"business\"/>\n")
              DOC_TAIL, ":7: does not validate" },
        { "class named as a priority", DOC_HEAD CAL_OPEN("Europe/London", MON_FRI)
              " <kind name=\"incident\">\n  <priority name=\"P2\"/>\n  <class name=\"P2\"/>\n"
              " </kind>\n" DOC_TAIL,
          ":7: <class>: class P2 of kind 'incident' is listed twice" },
        { "own target on an unknown calendar", DOC_HEAD CAL_24X7
              " <kind name=\"request\">\n  <ownTarget clock=\"fulfil\" calendar=\"business\"/>\n"
              " </kind>\n" DOC_TAIL,
          ":4: <ownTarget>: own target of clock fulfil of kind 'request' names unknown "
          "calendar 'business'" },
        { "own target named twice", DOC_HEAD CAL_24X7
              " <kind name=\"request\">\n  <ownTarget clock=\"fulfil\" calendar=\"24x7\"/>\n"
              "  <ownTarget clock=\"fulfil\" calendar=\"24x7\"/>\n </kind>\n" DOC_TAIL,
          ":5: <ownTarget>: clock fulfil of kind 'request' has its own target named twice" },
        { "own target with a duration", DOC_HEAD CAL_24X7
              " <kind name=\"request\">\n  <ownTarget clock=\"fulfil\" calendar=\"24x7\" "
              "duration=\"PT1H\"/>\n </kind>\n" DOC_TAIL, ":4: does not validate" },
        { "warning percent", "<serviceLevels xmlns=\"urn:mod-itsm:xml:1\" warningPercent=\"120\">\n"
              CAL_24X7 DOC_TAIL, ":1: does not validate" },
        { "DOCTYPE", "<?xml version=\"1.0\"?>\n<!DOCTYPE serviceLevels [<!ENTITY x \"y\">]>\n"
              DOC_HEAD CAL_24X7 DOC_TAIL, "a DOCTYPE is not accepted" },
        { "not well-formed", DOC_HEAD CAL_24X7, ":3: not well-formed XML: Premature end of data" },
        { "wrong root", "<authorization xmlns=\"urn:mod-itsm:xml:1\"/>\n",
          "the root element is not <serviceLevels>" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_sla_config_t *c = (itsm_sla_config_t *)&c;
        const char *err = NULL;

        print_message("  %s\n", cases[i].why);
        assert_int_equal(itsm_sla_config_load(&c, write_temp(cases[i].doc), schema, pool, &err),
                         APR_EINVAL);
        assert_null(c);
        print_message("    -> %s\n", err);
        assert_non_null(strstr(err, cases[i].expect));
    }
    {
        itsm_sla_config_t *c;
        const char *err = NULL;

        assert_int_not_equal(itsm_sla_config_load(&c, "/nonexistent/itsm-sla.xml", schema, pool,
                                                  &err), APR_SUCCESS);
        assert_non_null(strstr(err, "cannot open /nonexistent/itsm-sla.xml"));
    }
}

/* ---- Clocks and timers of a ticket ----------------------------------------------------- */

/* A problem-like kind: a solution clock from logging and a root-cause clock from the first
 * time the workaround is in place, with pauses of its own, both targeted by the level in
 * business days; an acceptance clock from the first "accept", by priority. */
static const char *const problem_final[] = { "closed", NULL };
static const itsm_clock_t problem_clocks[] = {
    { "solution", ITSM_CLOCK_AT_OPENED, NULL, 0, "level" },
    { "root-cause", ITSM_CLOCK_ON_STATE, "workaround", 1, "level" },
    { "accept", ITSM_CLOCK_ON_ACTION, "accept", 0, NULL },
    { NULL }
};
static const itsm_timer_t problem_timers[] = {
    { "review", "reviewDue", NULL, "reviewed", "problem-manager", 1 },
    { "report", "reportDue", (const char *const[]){ "closed", NULL }, NULL, NULL, 1 },
    { NULL }
};
static const itsm_kind_t problem = {
    .kind = "problem", .final_states = problem_final,
    .clocks = problem_clocks, .timers = problem_timers,
};

#define PROBLEM_SLA DOC_HEAD CAL_24X7 CAL_OPEN("Europe/London", MON_FRI) \
    " <kind name=\"problem\">\n" \
    "  <class name=\"L1\">\n" \
    "   <target clock=\"solution\" businessDays=\"10\" calendar=\"business\"/>\n" \
    "   <target clock=\"root-cause\" businessDays=\"5\" calendar=\"business\"/>\n" \
    "  </class>\n" \
    "  <class name=\"L2\">\n" \
    "   <target clock=\"root-cause\" businessDays=\"10\" calendar=\"business\"/>\n" \
    "   <target clock=\"solution\" businessDays=\"2\" calendar=\"24x7\"/>\n" \
    "  </class>\n" \
    "  <priority name=\"P3\">\n" \
    "   <target clock=\"accept\" duration=\"PT4H\" calendar=\"business\"/>\n" \
    "  </priority>\n" \
    " </kind>\n" DOC_TAIL

/* The service levels of doc, which must load. */
static itsm_sla_config_t *sla_of(const char *doc)
{
    itsm_sla_config_t *c = NULL;
    const char *err = NULL;

    if (itsm_sla_config_load(&c, write_temp(doc), schema, pool, &err) != APR_SUCCESS)
        print_error("%s\n", err);
    assert_non_null(c);
    return c;
}

static itsm_sla_config_t *problem_sla(void)
{
    return sla_of(PROBLEM_SLA);
}

static itsm_ticket_t *problem_ticket(const char *opened, const char *state, const char *level)
{
    itsm_ticket_t *t = apr_pcalloc(pool, sizeof *t);

    t->kind = "problem";
    t->state = state;
    t->priority = "P3";
    t->opened = at(opened);
    t->fields = apr_table_make(pool, 8);
    t->sla_notified = "";
    if (level)
        apr_table_set(t->fields, "level", level);
    return t;
}

/* The clock of t named name, evaluated at now (fails when it has no target). */
static itsm_ticket_clock_t clock_of(const itsm_sla_config_t *c, const itsm_ticket_t *t,
                                    const char *name, const char *now)
{
    itsm_ticket_clock_t *clocks;
    int n = itsm_ticket_clocks(&clocks, c, &problem, t, at(now), pool), i;

    for (i = 0; i < n; i++)
        if (strcmp(clocks[i].name, name) == 0)
            return clocks[i];
    fail_msg("no clock %s", name);
    return clocks[0];
}

static itsm_ticket_t *change(const itsm_ticket_t *old, const char *state, const char *action,
                             const char *when)
{
    itsm_ticket_t *t = apr_pmemdup(pool, old, sizeof *old);

    t->fields = apr_table_copy(pool, old->fields);
    if (state)
        t->state = state;
    itsm_ticket_clocks_start(pool, &problem, old, t, action, at(when));
    return t;
}

/* Business days are working days of the calendar: 10 h on Mon-Fri 08:00-18:00, 24 h on 24x7. */
static void business_days(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    apr_interval_time_t d;
    const itsm_calendar_t *cal;

    assert_int_equal(itsm_sla_target(c, "problem", "L1", "root-cause", &d, &cal), APR_SUCCESS);
    assert_int_equal(apr_time_sec(d), 50 * H);
    assert_int_equal(itsm_sla_target(c, "problem", "L2", "solution", &d, &cal), APR_SUCCESS);
    assert_int_equal(apr_time_sec(d), 48 * H);
    assert_string_equal(itsm_calendar_name(cal), "24x7");
    assert_int_equal(itsm_sla_target(c, "problem", "P3", "accept", &d, &cal), APR_SUCCESS);
    assert_int_equal(apr_time_sec(d), 4 * H);
    assert_int_equal(itsm_sla_target(c, "problem", "L3", "root-cause", &d, &cal), APR_NOTFOUND);
    assert_int_equal(apr_time_sec(itsm_calendar_day_length(itsm_sla_calendar(cfg, "business"))),
                     10 * H);
}

/* Logged Mon 19 Jan 2026 08:00 (GMT: London is UTC); the workaround is in place Tue 20 08:00. */
static void clock_started_by_state(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", "L1"), *w, *again;
    itsm_ticket_clock_t rc, sol;

    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    rc = clock_of(c, t, "root-cause", "2026-01-19T12:00:00Z");
    assert_string_equal(rc.eval.status_name, "not-started");
    assert_int_equal(rc.started, 0);
    assert_int_equal(rc.eval.due, 0);
    assert_int_equal(apr_time_sec(rc.target), 50 * H);
    sol = clock_of(c, t, "solution", "2026-01-19T12:00:00Z");
    assert_true(sol.started == t->opened && !sol.on_event);
    /* 10 business days from Mon 19 08:00: Fri 30 Jan 18:00 */
    assert_string_equal(fmt(sol.eval.due), "2026-01-30T18:00:00Z");
    /* only the solution clock runs: the sweep must look at it */
    assert_true(itsm_ticket_sla_open(c, &problem, t));

    w = change(t, "workaround", NULL, "2026-01-20T08:00:00Z");
    rc = clock_of(c, w, "root-cause", "2026-01-21T08:00:00Z");
    assert_string_equal(fmt(rc.started), "2026-01-20T08:00:00Z");
    assert_true(rc.on_event);
    /* 5 business days from Tue 20 08:00: Mon 26 18:00; 10 h elapsed by Wed 08:00 */
    assert_string_equal(fmt(rc.eval.due), "2026-01-26T18:00:00Z");
    assert_int_equal(apr_time_sec(rc.eval.elapsed), 10 * H);
    assert_string_equal(rc.eval.status_name, "in-sla");

    /* entered again later: the clock started once */
    again = change(change(w, "investigating", NULL, "2026-01-21T08:00:00Z"), "workaround", NULL,
                   "2026-01-22T08:00:00Z");
    assert_string_equal(fmt(clock_of(c, again, "root-cause", "2026-01-22T09:00:00Z").started),
                        "2026-01-20T08:00:00Z");

    /* a ticket created in the state starts the clock when it is logged */
    t = problem_ticket("2026-01-19T08:00:00Z", "workaround", "L1");
    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    assert_string_equal(fmt(clock_of(c, t, "root-cause", "2026-01-19T09:00:00Z").started),
                        "2026-01-19T08:00:00Z");
}

static void clock_started_by_action(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", "L1"), *a, *b;
    itsm_ticket_clock_t ck;

    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    a = change(t, NULL, "assign", "2026-01-19T09:00:00Z");
    assert_string_equal(clock_of(c, a, "accept", "2026-01-19T09:00:00Z").eval.status_name,
                        "not-started");
    a = change(a, NULL, "accept", "2026-01-19T10:00:00Z");
    b = change(a, NULL, "accept", "2026-01-19T11:00:00Z");
    ck = clock_of(c, b, "accept", "2026-01-19T12:00:00Z");
    /* the first accept: 4 business hours from 10:00 */
    assert_string_equal(fmt(ck.started), "2026-01-19T10:00:00Z");
    assert_string_equal(fmt(ck.eval.due), "2026-01-19T14:00:00Z");
    assert_string_equal(ck.eval.status_name, "in-sla");
    /* the class field picks the other clocks' targets, the priority this one's */
    b->priority = "P5";
    assert_int_equal(itsm_ticket_clocks(&(itsm_ticket_clock_t *){ NULL }, c, &problem, b,
                                        at("2026-01-19T12:00:00Z"), pool), 2);
}

/* The root-cause clock pauses only through its own pauses; the solution clock only through
 * the ticket-wide ones. */
static void own_pauses(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", "L1");

    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    t = change(t, "workaround", NULL, "2026-01-20T08:00:00Z");
    itsm_ticket_clock_pause(pool, t, "root-cause", at("2026-01-21T10:00:00Z"));
    assert_true(itsm_ticket_clock_paused(t, "root-cause"));
    assert_false(itsm_ticket_paused(t));
    assert_true(clock_of(c, t, "root-cause", "2026-01-21T11:00:00Z").paused);
    assert_false(clock_of(c, t, "solution", "2026-01-21T11:00:00Z").paused);
    itsm_ticket_clock_resume(pool, t, "root-cause", at("2026-01-21T12:00:00Z"));
    assert_false(itsm_ticket_clock_paused(t, "root-cause"));
    /* 2 business hours paused: Mon 26 18:00 -> Tue 27 10:00; the solution clock unmoved */
    assert_string_equal(fmt(clock_of(c, t, "root-cause", "2026-01-23T12:00:00Z").eval.due),
                        "2026-01-27T10:00:00Z");
    assert_string_equal(fmt(clock_of(c, t, "solution", "2026-01-23T12:00:00Z").eval.due),
                        "2026-01-30T18:00:00Z");
    /* a ticket-wide pause of 1 h moves the solution clock only */
    itsm_ticket_pause(pool, t, at("2026-01-22T10:00:00Z"));
    itsm_ticket_resume(pool, t, at("2026-01-22T11:00:00Z"));
    assert_string_equal(fmt(clock_of(c, t, "solution", "2026-01-23T12:00:00Z").eval.due),
                        "2026-02-02T09:00:00Z");
    assert_string_equal(fmt(clock_of(c, t, "root-cause", "2026-01-23T12:00:00Z").eval.due),
                        "2026-01-27T10:00:00Z");
}

/* A clock cancelled with its ticket reads "cancelled" (neither met nor missed, its due and
 * stop kept); one stopped before keeps its outcome; restart clears the mark. */
static void cancelled_clocks(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", "L1");
    itsm_ticket_clock_t k;

    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    t = change(t, "workaround", NULL, "2026-01-20T08:00:00Z");
    itsm_ticket_clock_stop(pool, t, "root-cause", at("2026-01-21T08:00:00Z"));
    itsm_ticket_clock_cancel(pool, t, "root-cause", at("2026-01-22T08:00:00Z"));
    itsm_ticket_clock_cancel(pool, t, "solution", at("2026-03-02T08:00:00Z"));
    assert_string_equal(clock_of(c, t, "root-cause", "2026-03-03T08:00:00Z").eval.status_name,
                        "met");                         /* stopped before: kept */
    k = clock_of(c, t, "solution", "2026-03-03T08:00:00Z");
    assert_int_equal(k.eval.status, ITSM_SLA_CANCELLED);  /* past its due: not missed */
    assert_string_equal(fmt(k.stopped), "2026-03-02T08:00:00Z");
    assert_string_equal(fmt(k.eval.due), "2026-01-30T18:00:00Z");
    itsm_ticket_clock_restart(t, "solution");
    assert_null(apr_table_get(t->fields, "sla.cancel.solution"));
    assert_int_equal(clock_of(c, t, "solution", "2026-03-03T08:00:00Z").eval.status,
                     ITSM_SLA_BREACHED);
}

/* A class change re-targets on the same history and forgets the clock announcements, but not
 * the timers' whose due time is unchanged. */
static void class_change(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", "L1"), *l2;

    itsm_ticket_clocks_start(pool, &problem, NULL, t, NULL, t->opened);
    t = change(t, "workaround", NULL, "2026-01-20T08:00:00Z");
    itsm_ticket_clock_pause(pool, t, "root-cause", at("2026-01-21T10:00:00Z"));
    itsm_ticket_clock_resume(pool, t, "root-cause", at("2026-01-21T12:00:00Z"));
    itsm_ticket_set_time(pool, t, "reviewDue", at("2026-01-21T00:00:00Z"));
    t->sla_notified = "root-cause:warning,timer:review@1768953600,timer:review@1";
    l2 = change(t, NULL, NULL, "2026-01-23T12:00:00Z");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &problem, t, l2),
                        "root-cause:warning,timer:review@1768953600");
    apr_table_set(l2->fields, "level", "L2");
    /* 10 business days from Tue 20 08:00 + 2 h paused: Mon 2 Feb 18:00 -> Tue 3 Feb 10:00;
     * the solution clock is now 48 h on 24x7 from Mon 19 08:00 */
    assert_string_equal(fmt(clock_of(c, l2, "root-cause", "2026-01-23T12:00:00Z").eval.due),
                        "2026-02-03T10:00:00Z");
    assert_string_equal(clock_of(c, l2, "solution", "2026-01-23T12:00:00Z").eval.status_name,
                        "breached");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &problem, t, l2), "timer:review@1768953600");
    /* no class: no target, no clock */
    apr_table_unset(l2->fields, "level");
    assert_int_equal(itsm_ticket_clocks(&(itsm_ticket_clock_t *){ NULL }, c, &problem, l2,
                                        at("2026-01-23T12:00:00Z"), pool), 1);
}

static void timers(void **state)
{
    itsm_sla_config_t *c = problem_sla();
    itsm_ticket_t *t = problem_ticket("2026-01-19T08:00:00Z", "new", NULL);
    const itsm_timer_t *review = &problem_timers[0], *report = &problem_timers[1];
    const char *ev;

    /* not armed: no due time; no clock runs (no level, P5): nothing for the sweep */
    t->priority = "P5";
    assert_int_equal(itsm_ticket_timer_due(&problem, review, t), 0);
    assert_false(itsm_ticket_sla_open(c, &problem, t));
    itsm_ticket_set_time(pool, t, "reviewDue", at("2026-01-21T00:00:00Z"));
    itsm_ticket_set_time(pool, t, "reportDue", at("2026-01-22T00:00:00Z"));
    assert_string_equal(fmt(itsm_ticket_timer_due(&problem, review, t)), "2026-01-21T00:00:00Z");
    /* report runs only when closed */
    assert_int_equal(itsm_ticket_timer_due(&problem, report, t), 0);
    assert_true(itsm_ticket_sla_open(c, &problem, t));
    ev = itsm_sla_timer_event(pool, review, at("2026-01-21T00:00:00Z"));
    assert_string_equal(ev, "timer:review@1768953600");
    t->sla_notified = itsm_sla_notified_add(pool, "resolution:warning", ev);
    assert_string_equal(t->sla_notified, "resolution:warning,timer:review@1768953600");
    assert_true(itsm_sla_announced(t->sla_notified, ev));
    assert_false(itsm_sla_announced(t->sla_notified, "timer:review@176895360"));
    /* announced: the sweep no longer needs the ticket */
    assert_false(itsm_ticket_sla_open(c, &problem, t));
    /* a new due time arms it again, and its event replaces the old one */
    itsm_ticket_set_time(pool, t, "reviewDue", at("2026-01-28T00:00:00Z"));
    assert_true(itsm_ticket_sla_open(c, &problem, t));
    t->sla_notified = itsm_sla_notified_add(pool, t->sla_notified,
                                            itsm_sla_timer_event(pool, review,
                                                                 at("2026-01-28T00:00:00Z")));
    assert_string_equal(t->sla_notified, "resolution:warning,timer:review@1769558400");
    /* settled, or in a final state (by default): not armed */
    apr_table_set(t->fields, "reviewed", "2026-01-27T00:00:00Z");
    assert_int_equal(itsm_ticket_timer_due(&problem, review, t), 0);
    apr_table_unset(t->fields, "reviewed");
    t->state = "closed";
    assert_int_equal(itsm_ticket_timer_due(&problem, review, t), 0);
    assert_string_equal(fmt(itsm_ticket_timer_due(&problem, report, t)), "2026-01-22T00:00:00Z");
}

/* ---- Clocks whose target is the ticket's own ------------------------------------------- */

/* A request-like kind: its fulfilment clock takes the target its "promise" holds, on the
 * business calendar its <ownTarget> names; its call-back clock the one in "window", on 24x7
 * (no <ownTarget>, and no calendar of that name in the file). */
static const itsm_field_t request_fields[] = {
    { "promise", 0, .type = ITSM_TYPE_DURATION },
    { "window", 0, .type = ITSM_TYPE_DURATION },
    { "note", 0 },
    { NULL }
};
static const itsm_clock_t request_clocks[] = {
    { "fulfil", ITSM_CLOCK_AT_OPENED, .target_field = "promise" },
    { "callback", ITSM_CLOCK_AT_OPENED, .target_field = "window" },
    { NULL }
};
static const itsm_kind_t request = {
    .kind = "request", .fields = request_fields, .clocks = request_clocks,
};

#define REQUEST_SLA DOC_HEAD CAL_OPEN("Europe/London", MON_FRI \
    "  <holiday date=\"2026-12-25\"/>\n  <holiday date=\"2026-12-28\"/>\n") \
    " <kind name=\"request\">\n  <ownTarget clock=\"fulfil\" calendar=\"business\"/>\n" \
    " </kind>\n" DOC_TAIL

static itsm_sla_config_t *request_sla(void)
{
    return sla_of(REQUEST_SLA);
}

/* The clocks of a request (opened Thu 24 Dec 2026 15:00, GMT) holding promise and window. */
static int request_clocks_of(itsm_ticket_clock_t **out, const itsm_sla_config_t *c,
                             const char *promise, const char *window, const char *now)
{
    itsm_ticket_t *t = problem_ticket("2026-12-24T15:00:00Z", "new", NULL);

    t->kind = "request";
    if (promise)
        apr_table_set(t->fields, "promise", promise);
    if (window)
        apr_table_set(t->fields, "window", window);
    return itsm_ticket_clocks(out, c, &request, t, at(now), pool);
}

static void own_target(void **state)
{
    itsm_sla_config_t *c = request_sla();
    itsm_ticket_clock_t *ck;
    const char *const no_target[] = { "-PT1H", "PT0S", "P10001D", "soon", NULL };
    const char *const *v;

    assert_int_equal(request_clocks_of(&ck, c, "PT15H", "P1D", "2026-12-24T16:00:00Z"), 2);
    /* 15 business hours: Thu 24 15:00-18:00 (3), Fri 25 a holiday, the weekend, Mon 28 a
     * holiday, Tue 29 08:00-18:00 (10), Wed 30 08:00-10:00 (2) */
    assert_string_equal(ck[0].name, "fulfil");
    assert_string_equal(itsm_calendar_name(ck[0].calendar), "business");
    assert_int_equal(apr_time_sec(ck[0].target), 15 * H);
    assert_string_equal(fmt(ck[0].eval.due), "2026-12-30T10:00:00Z");
    assert_int_equal(apr_time_sec(ck[0].eval.elapsed), 1 * H);
    assert_string_equal(ck[0].eval.status_name, "in-sla");
    /* a day of real time on 24x7, though the file defines no calendar of that name */
    assert_string_equal(ck[1].name, "callback");
    assert_string_equal(itsm_calendar_name(ck[1].calendar), "24x7");
    assert_string_equal(fmt(ck[1].eval.due), "2026-12-25T15:00:00Z");
    /* 75 % of 15 business hours is 11 h 15 min: Tue 29 16:15 */
    assert_string_equal(fmt(ck[0].eval.warn_at), "2026-12-29T16:15:00Z");
    assert_int_equal(request_clocks_of(&ck, c, "PT15H", NULL, "2026-12-29T17:00:00Z"), 1);
    assert_string_equal(ck[0].eval.status_name, "warning");
    assert_int_equal(request_clocks_of(&ck, c, "PT15H", NULL, "2026-12-30T10:00:01Z"), 1);
    assert_string_equal(ck[0].eval.status_name, "breached");

    /* no value, or one that is no positive duration up to 10,000 (working) days: no target,
     * no clock */
    assert_int_equal(request_clocks_of(&ck, c, NULL, NULL, "2026-12-24T16:00:00Z"), 0);
    for (v = no_target; *v; v++)
        assert_int_equal(request_clocks_of(&ck, c, *v, NULL, "2026-12-24T16:00:00Z"), 0);
    /* at most 10,000 working days on the business calendar (PT100000H), 10,000 days on
     * 24x7 */
    assert_int_equal(request_clocks_of(&ck, c, "PT100000H", NULL, "2026-12-24T16:00:00Z"), 1);
    assert_int_equal(request_clocks_of(&ck, c, "PT100001H", NULL, "2026-12-24T16:00:00Z"), 0);
    assert_int_equal(request_clocks_of(&ck, c, NULL, "PT240000H", "2026-12-24T16:00:00Z"), 1);
    assert_int_equal(request_clocks_of(&ck, c, NULL, "PT240001H", "2026-12-24T16:00:00Z"), 0);
    /* without service levels, no clock at all */
    assert_int_equal(request_clocks_of(&ck, NULL, "PT15H", "P1D", "2026-12-24T16:00:00Z"), 0);
    assert_string_equal(itsm_calendar_name(itsm_sla_own_calendar(c, "request", "other")), "24x7");
}

/* A new value re-targets the clock on the same history, as a class change does: the clock
 * events are forgotten; the sweep looks at a ticket only while a clock with a target runs. */
static void own_target_change(void **state)
{
    itsm_sla_config_t *c = request_sla();
    itsm_ticket_t *t = problem_ticket("2026-12-24T15:00:00Z", "new", NULL), *u;
    itsm_ticket_clock_t *ck;

    t->kind = "request";
    assert_false(itsm_ticket_sla_open(c, &request, t));
    apr_table_set(t->fields, "promise", "PT15H");
    assert_true(itsm_ticket_sla_open(c, &request, t));
    t->sla_notified = "fulfil:warning";
    u = apr_pmemdup(pool, t, sizeof *t);
    u->fields = apr_table_copy(pool, t->fields);
    apr_table_set(u->fields, "note", "unrelated");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u), "fulfil:warning");
    /* another spelling of the same 15 hours leaves the due time, and the events, alone;
     * without service levels any new value counts as a new target */
    apr_table_set(u->fields, "promise", "PT900M");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u), "fulfil:warning");
    assert_string_equal(itsm_ticket_sla_rearm(pool, NULL, &request, t, u), "");
    apr_table_set(u->fields, "promise", "PT5H");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u), "");
    /* 3 h on Thu 24, 2 h on Tue 29 */
    assert_int_equal(itsm_ticket_clocks(&ck, c, &request, u, at("2026-12-24T16:00:00Z"), pool), 1);
    assert_string_equal(fmt(ck[0].eval.due), "2026-12-29T10:00:00Z");
    /* emptied: the clock has no target any more, and the events are forgotten too */
    apr_table_unset(u->fields, "promise");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u), "");
    assert_false(itsm_ticket_sla_open(c, &request, u));
    /* each clock on its own: a new window re-arms callback, not fulfil; a new promise the
     * other way round; the events of no clock of the kind are kept */
    t->sla_notified = "fulfil:breached,callback:breached,gone:warning";
    u = apr_pmemdup(pool, t, sizeof *t);
    u->fields = apr_table_copy(pool, t->fields);
    apr_table_set(u->fields, "window", "PT9H");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u),
                        "fulfil:breached,gone:warning");
    u->fields = apr_table_copy(pool, t->fields);
    apr_table_set(u->fields, "promise", "PT7H");
    assert_string_equal(itsm_ticket_sla_rearm(pool, c, &request, t, u),
                        "callback:breached,gone:warning");
}

/* What a value given for a target field must be, and the declarations httpd refuses. */
static void own_target_checks(void **state)
{
    itsm_sla_config_t *c = request_sla();
    static const struct {
        const char *field, *text, *why;     /* why: NULL when accepted */
    } values[] = {
        { "promise", "PT30H", NULL },
        { "promise", "PT1H30M", NULL },
        { "promise", "P1D", "counted on the business calendar, where a day is ambiguous: give "
                            "hours (one working day of it is PT10H)" },
        { "promise", "-P1DT1H", "a positive duration" },
        { "promise", "PT0S", "is the target of the fulfil clock: a positive duration of at most "
                             "PT100000H" },
        { "promise", "PT100000H", NULL },
        { "promise", "PT100001H", "a positive duration of at most PT100000H" },
        { "promise", "P0DT5H", NULL },     /* no days, though it says D */
        { "promise", "P00DT1H", NULL },
        { "promise", "P10DT1H", "where a day is ambiguous" },
        { "window", "PT240000H", NULL },
        { "window", "PT240001H", "a positive duration of at most PT240000H" },
        { "window", "P2DT1H", NULL },
        { "window", "-PT1M", "is the target of the callback clock" },
        { "note", "-PT1M", NULL },      /* no clock's target */
    };
    static const itsm_field_t text_fields[] = { { "promise", 0 }, { NULL } };
    static const itsm_clock_t both[] = {
        { "fulfil", ITSM_CLOCK_AT_OPENED, NULL, 0, "promise", "promise" }, { NULL }
    };
    static const itsm_clock_t by_class[] = { { "fulfil", ITSM_CLOCK_AT_OPENED }, { NULL } };
    /* a name of 41 characters, an upper-case one, an empty one: their marks' fields
     * ("sla.cancel.<name>") would not be found again, or would read as another clock's */
    static const itsm_clock_t names[][2] = {
        { { "fulfil-and-then-some-more-words-beyond-40", ITSM_CLOCK_AT_OPENED }, { NULL } },
        { { "Fulfil", ITSM_CLOCK_AT_OPENED }, { NULL } },
        { { "fulfil.by", ITSM_CLOCK_AT_OPENED }, { NULL } },
        { { "", ITSM_CLOCK_AT_OPENED, .target_field = "fulfil" }, { NULL } },
    };
    static const itsm_clock_t longest[] = {
        { "fulfil-within-the-forty-characters-named", ITSM_CLOCK_AT_OPENED }, { NULL }
    };
    const itsm_kind_t longest_kind = { .kind = "request", .fields = request_fields,
                                       .clocks = longest };
    const itsm_kind_t bad[] = {
        { .kind = "request", .fields = text_fields, .clocks = request_clocks },
        { .kind = "request", .fields = request_fields + 1, .clocks = request_clocks },
        { .kind = "request", .fields = request_fields, .clocks = both },
        { .kind = "request", .fields = request_fields, .clocks = by_class },
    };
    const itsm_kind_t misnamed[] = {
        { .kind = "request", .fields = request_fields, .clocks = names[0] },
        { .kind = "request", .fields = request_fields, .clocks = names[1] },
        { .kind = "request", .fields = request_fields, .clocks = names[2] },
        { .kind = "request", .fields = request_fields, .clocks = names[3] },
    };
    size_t i;
    const char *why, *err;

    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        why = NULL;
        print_message("  %s %s\n", values[i].field, values[i].text);
        assert_int_equal(itsm_sla_own_target_check(c, &request, values[i].field, values[i].text,
                                                   pool, &why),
                         values[i].why ? APR_EINVAL : APR_SUCCESS);
        if (values[i].why)
            assert_non_null(strstr(why, values[i].why));
    }
    assert_int_equal(itsm_sla_own_target_check(NULL, &request, "promise", "P1D", pool, &why),
                     APR_SUCCESS);

    assert_int_equal(itsm_sla_check_kind(c, &request, pool, &err), APR_SUCCESS);
    assert_int_equal(itsm_sla_check_kind(NULL, &request, pool, &err), APR_SUCCESS);
    assert_int_equal(strlen(longest[0].name), ITSM_CLOCK_NAME_MAX);
    assert_int_equal(itsm_clock_names_check(&longest_kind, pool, &err), APR_SUCCESS);
    assert_int_equal(itsm_clock_names_check(&request, pool, &err), APR_SUCCESS);
    for (i = 0; i < sizeof misnamed / sizeof misnamed[0]; i++) {
        err = NULL;
        assert_int_equal(itsm_clock_names_check(&misnamed[i], pool, &err), APR_EINVAL);
        print_message("    -> %s\n", err);
        assert_non_null(strstr(err, "a clock's name is 1 to 40 lower-case"));
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        assert_int_equal(itsm_sla_check_kind(c, &bad[i], pool, &err), APR_EINVAL);
        print_message("    -> %s\n", err);
        assert_non_null(strstr(err, "fulfil"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_targets),
        cmocka_unit_test(clocks),
        cmocka_unit_test(warning_and_breach),
        cmocka_unit_test(met_and_missed),
        cmocka_unit_test(priority_change),
        cmocka_unit_test(status_names),
        cmocka_unit_test(config_ok),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(business_days),
        cmocka_unit_test(clock_started_by_state),
        cmocka_unit_test(clock_started_by_action),
        cmocka_unit_test(own_pauses),
        cmocka_unit_test(class_change),
        cmocka_unit_test(timers),
        cmocka_unit_test(own_target),
        cmocka_unit_test(own_target_change),
        cmocka_unit_test(own_target_checks),
        cmocka_unit_test(cancelled_clocks),
    };

    return itsm_unit_main(tests, setup, teardown);
}
