/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Calendar arithmetic, indexed (a checked calendar) against the day-by-day walk (the same
 * calendar not checked): the cost of evaluating one SLA clock of a ticket opened N days ago
 * on the shipped business calendar. Build and run from the top of a built tree:
 *   cc -O2 -Iinclude $(apr-1-config --includes) $(xml2-config --cflags) bench/calendar.c \
 *      .libs/libitsm_sdk.a $(apu-1-config --link-ld) $(apr-1-config --link-ld) \
 *      $(xml2-config --libs) -o /tmp/bench-calendar && /tmp/bench-calendar */
#include <stdio.h>
#include <apr_general.h>

#include "itsm_codec.h"
#include "itsm_sla.h"

static itsm_calendar_t *office(apr_pool_t *p, int check)
{
    static const char *const holidays[] = {
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28", NULL
    };
    itsm_calendar_t *cal;
    const char *err;
    int d, i;

    itsm_calendar_make(&cal, "business", "Europe/London", p, &err);
    for (d = 1; d <= 5; d++)
        itsm_calendar_open_add(cal, d, "08:00", "18:00", &err);
    for (i = 0; holidays[i]; i++)
        itsm_calendar_holiday_add(cal, holidays[i], &err);
    if (check)
        itsm_calendar_check(cal, &err);
    return cal;
}

int main(void)
{
    static const int ages[] = { 1, 30, 365 };
    apr_pool_t *p;
    apr_time_t now;
    int a, k, i, n = 20000;

    apr_initialize();
    apr_pool_create(&p, NULL);
    now = apr_time_now();
    office(p, 1);
    printf("building the index (itsm_calendar_check): %.1f ms\n",
           (double)(apr_time_now() - now) / 1000);
    itsm_time_parse(&now, "2026-12-02T10:00:00Z");
    for (k = 0; k < 2; k++) {
        itsm_calendar_t *cal = office(p, k == 0);

        for (a = 0; a < 3; a++) {
            apr_time_t opened = now - apr_time_from_sec((apr_int64_t)ages[a] * 86400), t0;
            volatile apr_int64_t sink = 0;

            t0 = apr_time_now();
            for (i = 0; i < n; i++) {
                sink += itsm_calendar_elapsed(cal, opened, now);
                sink += itsm_calendar_add(cal, opened, apr_time_from_sec(36000L * ages[a]));
            }
            printf("%-6s opened %3d days ago: %7.2f us per clock (elapsed + due)\n",
                   k == 0 ? "index" : "walk", ages[a],
                   (double)(apr_time_now() - t0) / n);
        }
    }
    apr_terminate();
    return 0;
}
