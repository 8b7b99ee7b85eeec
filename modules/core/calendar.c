/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Calendars: which instants count towards a service level. Owns the reading of IANA TZif
 * zone files (RFC 8536 with the POSIX TZ footer), local-to-UTC mapping and business-hours
 * arithmetic; never setenv("TZ")/localtime(), process-global and unsafe in threaded httpd. */
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "itsm_sla.h"

#define DAY 86400
#define TZIF_MAX_SIZE (1 << 20)     /* real zone files are a few kB */
#define NEVER INT64_MAX

/* ---- Zone data ----------------------------------------------------------------------- */

/* A POSIX TZ date rule: Jn (julian, no Feb 29), n (zero-based, with Feb 29) or Mm.w.d. */
typedef struct tz_date_t {
    char kind;                  /* 'J', 'N' or 'M' */
    int n, m, w, d;
    long time;                  /* seconds after local midnight, may be negative or > 24h */
} tz_date_t;

typedef struct tz_t {
    int ntrans;
    int64_t *times;             /* UTC seconds, ascending */
    unsigned char *idx;         /* type of each transition */
    int ntypes;
    long *utoff;                /* seconds east of UTC, per type */
    int footer;                 /* 0: none usable; 1: fixed offset; 2: with DST rule */
    long std_off, dst_off;      /* seconds east of UTC */
    tz_date_t start, end;
} tz_t;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of_days(int64_t z)
{
    int64_t era, doe, yoe, y, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    return mp >= 10 ? y + 1 : y;
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday_of_days(int64_t z)
{
    return (int)(((z % 7) + 11) % 7);
}

/* Local seconds (since the local epoch) at which a rule's change happens in year y. */
static int64_t tz_rule_local(const tz_date_t *r, int64_t y)
{
    int64_t day;

    if (r->kind == 'J')
        day = days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
    else if (r->kind == 'N')
        day = days_from_civil(y, 1, 1) + r->n;
    else {
        int64_t first = days_from_civil(y, r->m, 1);
        int dom = 1 + (r->d - weekday_of_days(first) + 7) % 7 + (r->w - 1) * 7;

        while (dom > month_days(y, r->m))
            dom -= 7;
        day = first + dom - 1;
    }
    return day * DAY + r->time;
}

static long tz_footer_offset(const tz_t *tz, int64_t t)
{
    int64_t y, s, e;
    int dst;

    if (tz->footer == 1)
        return tz->std_off;
    y = year_of_days(floor_div(t + tz->std_off, DAY));
    s = tz_rule_local(&tz->start, y) - tz->std_off;    /* DST starts, read in standard time */
    e = tz_rule_local(&tz->end, y) - tz->dst_off;      /* and ends, read in DST */
    dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    return dst ? tz->dst_off : tz->std_off;
}

static long tz_offset(const tz_t *tz, int64_t t)
{
    int lo = 0, hi = tz->ntrans - 1;

    if (tz->ntrans == 0)
        return tz->footer ? tz_footer_offset(tz, t) : tz->utoff[0];
    if (t < tz->times[0])
        return tz->utoff[0];
    if (t >= tz->times[hi] && tz->footer)
        return tz_footer_offset(tz, t);
    while (lo < hi) {           /* last transition at or before t */
        int mid = lo + (hi - lo + 1) / 2;

        if (tz->times[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return tz->utoff[tz->idx[lo]];
}

/* ---- POSIX TZ footer ("GMT0BST,M3.5.0/1,M10.5.0") ---------------------------------------- */

static int posix_name(const char **s)
{
    const char *p = *s;

    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return 0;
        *s = p + 1;
        return 1;
    }
    while (apr_isalpha(*p))
        p++;
    if (p - *s < 3)
        return 0;
    *s = p;
    return 1;
}

/* [+-]h[h][:mm[:ss]], hours up to 167 (RFC 8536 version 3); returns seconds. */
static int posix_time(const char **s, long *out)
{
    const char *p = *s;
    long sign = 1, h = 0, m = 0, sec = 0;
    int digits = 0;

    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    while (apr_isdigit(*p) && digits < 3) {
        h = h * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || h > 167)
        return 0;
    if (*p == ':') {
        if (!apr_isdigit(p[1]) || !apr_isdigit(p[2]))
            return 0;
        m = (p[1] - '0') * 10 + (p[2] - '0');
        p += 3;
        if (*p == ':') {
            if (!apr_isdigit(p[1]) || !apr_isdigit(p[2]))
                return 0;
            sec = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
        }
    }
    if (m > 59 || sec > 59)
        return 0;
    *out = sign * (h * 3600 + m * 60 + sec);
    *s = p;
    return 1;
}

static int posix_number(const char **s, int *out, int min, int max)
{
    const char *p = *s;
    int v = 0, digits = 0;

    while (apr_isdigit(*p) && digits < 4) {
        v = v * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || v < min || v > max)
        return 0;
    *out = v;
    *s = p;
    return 1;
}

static int posix_date(const char **s, tz_date_t *r)
{
    const char *p = *s;

    memset(r, 0, sizeof *r);
    if (*p == 'J') {
        p++;
        r->kind = 'J';
        if (!posix_number(&p, &r->n, 1, 365))
            return 0;
    }
    else if (*p == 'M') {
        p++;
        r->kind = 'M';
        if (!posix_number(&p, &r->m, 1, 12) || *p++ != '.' || !posix_number(&p, &r->w, 1, 5)
            || *p++ != '.' || !posix_number(&p, &r->d, 0, 6))
            return 0;
    }
    else {
        r->kind = 'N';
        if (!posix_number(&p, &r->n, 0, 365))
            return 0;
    }
    r->time = 7200;
    if (*p == '/') {
        p++;
        if (!posix_time(&p, &r->time))
            return 0;
    }
    *s = p;
    return 1;
}

/* Fill tz's footer from a POSIX TZ string; leaves tz->footer 0 if it cannot be used. */
static void posix_parse(tz_t *tz, const char *s)
{
    long off;

    if (!posix_name(&s) || !posix_time(&s, &off))
        return;
    tz->std_off = -off;         /* POSIX counts hours west of Greenwich */
    if (*s == '\0') {
        tz->footer = 1;
        return;
    }
    if (!posix_name(&s))
        return;
    tz->dst_off = tz->std_off + 3600;
    if (*s != ',') {
        if (!posix_time(&s, &off))
            return;
        tz->dst_off = -off;
    }
    /* A DST name without rules leaves the rules to the implementation: not usable. */
    if (*s++ != ',' || !posix_date(&s, &tz->start) || *s++ != ',' || !posix_date(&s, &tz->end)
        || *s != '\0')
        return;
    tz->footer = 2;
}

/* ---- TZif files ------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int64_t be64(const unsigned char *b)
{
    return (int64_t)(((uint64_t)be32(b) << 32) | be32(b + 4));
}

typedef struct tzif_counts_t {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts_t;

static int tzif_header(const unsigned char *b, apr_size_t len, tzif_counts_t *c)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0)
        return 0;
    c->isut = be32(b + 20);
    c->isstd = be32(b + 24);
    c->leap = be32(b + 28);
    c->time = be32(b + 32);
    c->type = be32(b + 36);
    c->chars = be32(b + 40);
    /* bounds far above any real zone keep the size sums below from overflowing */
    return c->time <= 65536 && c->type >= 1 && c->type <= 256 && c->chars <= 65536
           && c->leap <= 65536 && c->isut <= 256 && c->isstd <= 256;
}

static apr_size_t tzif_body(const tzif_counts_t *c, apr_size_t timesize)
{
    return c->time * timesize + c->time + c->type * 6 + c->chars
           + c->leap * (timesize + 4) + c->isstd + c->isut;
}

static const char *tzif_parse(tz_t *tz, const unsigned char *b, apr_size_t len, apr_pool_t *p)
{
    tzif_counts_t c;
    apr_size_t timesize = 4, body;
    const unsigned char *d;
    uint32_t i;

    if (!tzif_header(b, len, &c))
        return "not a TZif file";
    body = tzif_body(&c, 4);
    if (b[4] >= '2') {          /* skip the 32-bit block: use the 64-bit one that follows */
        if (len < 44 + body)
            return "truncated TZif file";
        b += 44 + body;
        len -= 44 + body;
        if (!tzif_header(b, len, &c))
            return "malformed TZif version 2 header";
        timesize = 8;
        body = tzif_body(&c, 8);
    }
    if (len < 44 + body)
        return "truncated TZif file";
    if (c.leap)
        return "zones with leap seconds (right/...) are not supported";
    d = b + 44;
    tz->ntrans = (int)c.time;
    tz->times = apr_palloc(p, sizeof(int64_t) * (c.time + 1));
    tz->idx = apr_palloc(p, c.time + 1);
    tz->ntypes = (int)c.type;
    tz->utoff = apr_palloc(p, sizeof(long) * c.type);
    for (i = 0; i < c.time; i++) {
        tz->times[i] = timesize == 8 ? be64(d + i * 8) : (int32_t)be32(d + i * 4);
        if (i > 0 && tz->times[i] <= tz->times[i - 1])
            return "transition times are not ascending";
    }
    d += c.time * timesize;
    for (i = 0; i < c.time; i++)
        if ((tz->idx[i] = d[i]) >= c.type)
            return "transition names a missing local time type";
    d += c.time;
    for (i = 0; i < c.type; i++) {
        int32_t off = (int32_t)be32(d + i * 6);

        if (off <= -25 * 3600 || off >= 26 * 3600)
            return "implausible UTC offset";
        tz->utoff[i] = off;
    }
    d += c.type * 6 + c.chars + c.isstd + c.isut;
    if (timesize == 8 && d < b + len && *d == '\n') {
        const unsigned char *nl = memchr(d + 1, '\n', (apr_size_t)(b + len - d - 1));

        if (nl)
            posix_parse(tz, apr_pstrmemdup(p, (const char *)d + 1, (apr_size_t)(nl - d - 1)));
    }
    return NULL;
}

static int zone_name_ok(const char *z)
{
    const char *s, *comp = z;

    if (*z == '\0' || *z == '/' || strlen(z) > 255)
        return 0;
    for (s = z;; s++) {
        if (*s == '/' || *s == '\0') {
            apr_size_t n = (apr_size_t)(s - comp);

            if (n == 0 || (n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.'))
                return 0;
            if (*s == '\0')
                return 1;
            comp = s + 1;
        }
        else if (!apr_isalnum(*s) && *s != '_' && *s != '-' && *s != '+' && *s != '.')
            return 0;
    }
}

static apr_status_t tz_load(tz_t **out, const char *zone, apr_pool_t *p, const char **err)
{
    const char *path;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    unsigned char *buf;
    const char *why;
    apr_status_t rv;
    tz_t *tz;

    if (!zone_name_ok(zone)) {
        *err = apr_psprintf(p, "'%s' is not a time zone name (expected e.g. Europe/London)",
                            zone);
        return APR_EINVAL;
    }
    path = apr_pstrcat(p, ITSM_ZONEINFO_DIR, "/", zone, NULL);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, APR_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "unknown time zone '%s' (cannot read %s: %pm)", zone, path, &rv);
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv != APR_SUCCESS || fi.filetype != APR_REG || fi.size < 44 || fi.size > TZIF_MAX_SIZE) {
        apr_file_close(f);
        *err = apr_psprintf(p, "unknown time zone '%s' (%s is not a zone file)", zone, path);
        return APR_EINVAL;
    }
    buf = apr_palloc(p, (apr_size_t)fi.size);
    rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "time zone '%s': cannot read %s: %pm", zone, path, &rv);
        return rv;
    }
    tz = apr_pcalloc(p, sizeof *tz);
    if ((why = tzif_parse(tz, buf, got, p)) != NULL) {
        *err = apr_psprintf(p, "time zone '%s': %s: %s", zone, path, why);
        return APR_EINVAL;
    }
    *out = tz;
    return APR_SUCCESS;
}

/* The earliest instant whose local time is wall (seconds since the local epoch). A wall time
 * that happens twice (clocks going back) maps to its first occurrence; one skipped by
 * clocks going forward maps to the instant of the change. The mapping never decreases, so
 * ordered, non-overlapping local periods stay ordered and non-overlapping in UTC. */
static int64_t tz_local_to_utc(const tz_t *tz, int64_t wall)
{
    long cand[3], lo_off, hi_off;
    int64_t best = NEVER, lo, hi;
    int i;

    cand[0] = tz_offset(tz, wall - DAY);
    cand[1] = tz_offset(tz, wall);
    cand[2] = tz_offset(tz, wall + DAY);
    lo_off = hi_off = cand[0];
    for (i = 0; i < 3; i++) {
        int64_t t = wall - cand[i];

        if (tz_offset(tz, t) == cand[i] && t < best)
            best = t;
        if (cand[i] < lo_off)
            lo_off = cand[i];
        if (cand[i] > hi_off)
            hi_off = cand[i];
    }
    if (best != NEVER)
        return best;
    /* In a gap: the change lies in (wall - hi_off, wall - lo_off]; find it by bisection. */
    lo = wall - hi_off;
    hi = wall - lo_off;
    lo_off = tz_offset(tz, lo);
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;

        if (tz_offset(tz, mid) == lo_off)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* ---- Calendars ------------------------------------------------------------------------- */

typedef struct period_t {
    int start, end;             /* minutes after local midnight, start < end <= 1440 */
} period_t;

struct itsm_calendar_t {
    apr_pool_t *pool;
    const char *name;
    const char *zone;           /* NULL for 24x7 */
    tz_t *tz;
    apr_array_header_t *week[7];    /* period_t, sorted by start */
    apr_hash_t *holidays;           /* local day number (int64_t) -> "" */
    int nperiods;
    /* The index built by itsm_calendar_check: cum[i] is the open time (seconds) of the local
     * days first .. first + i - 1, for i in 0 .. ndays, so that the open time between two
     * instants is a difference and a due instant a binary search, instead of a walk over
     * every day between them (months for an aged ticket). NULL: not built (walk). */
    int64_t *cum;
    int64_t first;
    int ndays;
    /* Built with the index: the open periods of each of its days in UTC seconds, so that
     * the arithmetic does not map local times to UTC again (six zone look-ups a bound) on
     * every question: spans[2k], spans[2k + 1] for k in span_at[i] .. span_at[i + 1] - 1
     * are day first + i's periods as day_period computes them (none on a holiday). */
    int64_t *spans;
    int *span_at;
};

/* The days the index covers: 2000-01-01 to 2079-12-31 (29,220 days, 234 kB per calendar).
 * Instants outside it are walked day by day as before. */
#define INDEX_FIRST_DAY 10957
#define INDEX_DAYS 29220

static const char *const weekdays[7] = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"
};

int itsm_calendar_weekday(const char *name)
{
    int i;

    if (name == NULL)
        return -1;
    for (i = 0; i < 7; i++)
        if (strcasecmp(name, weekdays[i]) == 0
            || (strlen(name) == 3 && strncasecmp(name, weekdays[i], 3) == 0))
            return i;
    return -1;
}

itsm_calendar_t *itsm_calendar_make_24x7(apr_pool_t *p, const char *name)
{
    itsm_calendar_t *cal = apr_pcalloc(p, sizeof *cal);

    cal->pool = p;
    cal->name = apr_pstrdup(p, name ? name : "24x7");
    return cal;
}

apr_status_t itsm_calendar_make(itsm_calendar_t **out, const char *name, const char *zone,
                                apr_pool_t *p, const char **err)
{
    itsm_calendar_t *cal = apr_pcalloc(p, sizeof *cal);
    apr_status_t rv;
    int i;

    *out = NULL;
    cal->pool = p;
    cal->name = apr_pstrdup(p, name ? name : "business");
    if (zone == NULL) {
        *err = apr_psprintf(p, "calendar '%s': a business calendar needs a time zone",
                            cal->name);
        return APR_EINVAL;
    }
    if ((rv = tz_load(&cal->tz, zone, p, err)) != APR_SUCCESS) {
        *err = apr_psprintf(p, "calendar '%s': %s", cal->name, *err);
        return rv;
    }
    cal->zone = apr_pstrdup(p, zone);
    for (i = 0; i < 7; i++)
        cal->week[i] = apr_array_make(p, 2, sizeof(period_t));
    cal->holidays = apr_hash_make(p);
    *out = cal;
    return APR_SUCCESS;
}

/* "HH:MM", 00:00 to 24:00, into minutes; -1 if malformed. */
static int parse_hhmm(const char *s)
{
    int h, m;

    if (s == NULL || strlen(s) != 5 || !apr_isdigit(s[0]) || !apr_isdigit(s[1]) || s[2] != ':'
        || !apr_isdigit(s[3]) || !apr_isdigit(s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

apr_status_t itsm_calendar_open_add(itsm_calendar_t *cal, int weekday, const char *start,
                                    const char *end, const char **err)
{
    apr_array_header_t *day;
    period_t np, *ps;
    int s = parse_hhmm(start), e = parse_hhmm(end), i;

    if (cal->tz == NULL) {
        *err = apr_psprintf(cal->pool, "calendar '%s' is 24x7 and has no open periods",
                            cal->name);
        return APR_EINVAL;
    }
    if (weekday < 0 || weekday > 6) {
        *err = apr_psprintf(cal->pool, "calendar '%s': weekday %d is not 0 (Sunday) to 6",
                            cal->name, weekday);
        return APR_EINVAL;
    }
    if (s < 0 || s == 24 * 60 || e < 0) {
        *err = apr_psprintf(cal->pool, "calendar '%s': malformed time '%s' on %s "
                            "(expected HH:MM from 00:00, end up to 24:00)", cal->name,
                            s < 0 || s == 24 * 60 ? start ? start : "" : end ? end : "",
                            weekdays[weekday]);
        return APR_EINVAL;
    }
    if (s >= e) {
        *err = apr_psprintf(cal->pool, "calendar '%s': period %s-%s on %s does not start "
                            "before it ends", cal->name, start, end, weekdays[weekday]);
        return APR_EINVAL;
    }
    day = cal->week[weekday];
    ps = (period_t *)day->elts;
    for (i = 0; i < day->nelts; i++)
        if (s < ps[i].end && ps[i].start < e) {
            *err = apr_psprintf(cal->pool, "calendar '%s': period %s-%s on %s overlaps "
                                "%02d:%02d-%02d:%02d", cal->name, start, end, weekdays[weekday],
                                ps[i].start / 60, ps[i].start % 60, ps[i].end / 60,
                                ps[i].end % 60);
            return APR_EINVAL;
        }
    np.start = s;
    np.end = e;
    APR_ARRAY_PUSH(day, period_t) = np;
    ps = (period_t *)day->elts;
    for (i = day->nelts - 1; i > 0 && ps[i - 1].start > ps[i].start; i--) {
        period_t t = ps[i];

        ps[i] = ps[i - 1];
        ps[i - 1] = t;
    }
    cal->nperiods++;
    cal->cum = NULL;       /* the index and its periods are built again by the check */
    cal->span_at = NULL;
    return APR_SUCCESS;
}

/* "YYYY-MM-DD" into days since 1970-01-01; 0 on failure. */
static int parse_date(const char *s, int64_t *days)
{
    int y = 0, m, d, i;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !apr_isdigit(s[i]))
            return 0;
    for (i = 0; i < 4; i++)
        y = y * 10 + (s[i] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

apr_status_t itsm_calendar_holiday_add(itsm_calendar_t *cal, const char *date,
                                       const char **err)
{
    int64_t *day = apr_palloc(cal->pool, sizeof *day);

    if (cal->tz == NULL) {
        *err = apr_psprintf(cal->pool, "calendar '%s' is 24x7 and has no holidays", cal->name);
        return APR_EINVAL;
    }
    if (!parse_date(date, day)) {
        *err = apr_psprintf(cal->pool, "calendar '%s': malformed holiday date '%s' "
                            "(expected an existing YYYY-MM-DD)", cal->name, date ? date : "");
        return APR_EINVAL;
    }
    if (apr_hash_get(cal->holidays, day, sizeof *day)) {
        *err = apr_psprintf(cal->pool, "calendar '%s': holiday %s is listed twice",
                            cal->name, date);
        return APR_EINVAL;
    }
    apr_hash_set(cal->holidays, day, sizeof *day, "");
    cal->cum = NULL;       /* the index and its periods are built again by the check */
    cal->span_at = NULL;
    return APR_SUCCESS;
}

static void index_build(itsm_calendar_t *cal);

apr_status_t itsm_calendar_check(itsm_calendar_t *cal, const char **err)
{
    if (cal->tz && cal->nperiods == 0) {
        *err = apr_psprintf(cal->pool, "calendar '%s' has no open period", cal->name);
        return APR_EINVAL;
    }
    if (cal->tz)
        index_build(cal);
    return APR_SUCCESS;
}

const char *itsm_calendar_name(const itsm_calendar_t *cal)
{
    return cal->name;
}

int itsm_calendar_is_24x7(const itsm_calendar_t *cal)
{
    return cal->tz == NULL;
}

apr_interval_time_t itsm_calendar_day_length(const itsm_calendar_t *cal)
{
    int64_t minutes = 0;
    int wd, i, days = 0;

    if (cal->tz == NULL)
        return apr_time_from_sec(DAY);
    for (wd = 0; wd < 7; wd++) {
        const apr_array_header_t *periods = cal->week[wd];

        for (i = 0; i < periods->nelts; i++)
            minutes += APR_ARRAY_IDX(periods, i, period_t).end
                       - APR_ARRAY_IDX(periods, i, period_t).start;
        days += periods->nelts > 0;
    }
    return days ? apr_time_from_sec(minutes * 60 / days) : 0;
}

static int64_t to_sec(apr_time_t t)
{
    return floor_div(t, APR_USEC_PER_SEC);
}

long itsm_calendar_utc_offset(const itsm_calendar_t *cal, apr_time_t t)
{
    return cal->tz ? tz_offset(cal->tz, to_sec(t)) : 0;
}

static int64_t local_day(const itsm_calendar_t *cal, int64_t t)
{
    return floor_div(t + tz_offset(cal->tz, t), DAY);
}

/* The i-th open period of a local day in UTC seconds: 0 once there is none. A holiday has
 * none; a period inside a skipped hour comes back empty (a == b). */
static int day_period(const itsm_calendar_t *cal, int64_t day, int i, int64_t *a, int64_t *b)
{
    const apr_array_header_t *periods;
    const period_t *ps;
    int64_t j = day - cal->first;

    if (cal->span_at && j >= 0 && j < cal->ndays) {
        int k = cal->span_at[j] + i;

        if (k >= cal->span_at[j + 1])
            return 0;
        *a = cal->spans[2 * k];
        *b = cal->spans[2 * k + 1];
        return 1;
    }
    if (i == 0 && apr_hash_get(cal->holidays, &day, sizeof day))
        return 0;
    periods = cal->week[weekday_of_days(day)];
    if (i >= periods->nelts)
        return 0;
    ps = &APR_ARRAY_IDX(periods, i, period_t);
    *a = tz_local_to_utc(cal->tz, day * DAY + ps->start * 60);
    *b = tz_local_to_utc(cal->tz, day * DAY + ps->end * 60);
    return 1;
}

/* Open time of local day `day` before instant t. */
static int64_t day_open_before(const itsm_calendar_t *cal, int64_t day, int64_t t)
{
    int64_t a, b, sum = 0;
    int i;

    for (i = 0; day_period(cal, day, i, &a, &b); i++)
        if (b > a && t > a)
            sum += (t < b ? t : b) - a;
    return sum;
}

static void index_build(itsm_calendar_t *cal)
{
    int64_t *cum = apr_palloc(cal->pool, (INDEX_DAYS + 1) * sizeof *cum), a, b;
    int *at = apr_palloc(cal->pool, (INDEX_DAYS + 1) * sizeof *at);
    apr_array_header_t *spans = apr_array_make(cal->pool, INDEX_DAYS, 2 * sizeof(int64_t));
    int i, k;

    /* the periods first (computed: no spans yet), then the sums from them */
    for (i = 0; i < INDEX_DAYS; i++) {
        at[i] = spans->nelts;
        for (k = 0; day_period(cal, INDEX_FIRST_DAY + i, k, &a, &b); k++) {
            int64_t *ab = apr_array_push(spans);

            ab[0] = a;
            ab[1] = b;
        }
    }
    at[INDEX_DAYS] = spans->nelts;
    cal->first = INDEX_FIRST_DAY;
    cal->ndays = INDEX_DAYS;
    cal->spans = (int64_t *)spans->elts;
    cal->span_at = at;
    cum[0] = 0;
    for (i = 0; i < INDEX_DAYS; i++)
        cum[i + 1] = cum[i] + day_open_before(cal, INDEX_FIRST_DAY + i, NEVER);
    cal->cum = cum;
}

/* The open time from the start of the index to t, in *out; 0 when t lies too near either
 * end of the index to answer from it. Periods of the local days before t's (and after)
 * lie wholly before (after) t, but a day's periods may reach into its neighbours' UTC span
 * across a change of offset: hence the days either side. */
static int index_at(const itsm_calendar_t *cal, int64_t t, int64_t *out)
{
    int64_t j = local_day(cal, t) - cal->first, d;

    if (cal->cum == NULL || j < 1 || j + 1 >= cal->ndays)
        return 0;
    *out = cal->cum[j - 1];
    for (d = j - 1; d <= j + 1; d++)
        *out += day_open_before(cal, cal->first + d, t);
    return 1;
}

/* The instant at which the open time counted from the start of the index reaches target,
 * in *out; 0 when it lies beyond the index. */
static int index_find(const itsm_calendar_t *cal, int64_t target, int64_t *out)
{
    int lo = 0, hi = cal->ndays, i;         /* the least day j with cum[j + 1] >= target */
    int64_t sum, a, b;

    if (cal->cum[cal->ndays] < target)
        return 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;

        if (cal->cum[mid + 1] >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    sum = cal->cum[lo];
    for (i = 0; day_period(cal, cal->first + lo, i, &a, &b); i++) {
        if (b <= a)
            continue;
        if (target - sum <= b - a) {
            *out = a + (target - sum);
            return 1;
        }
        sum += b - a;
    }
    return 0;                               /* unreachable: cum says the day holds it */
}

static int64_t business_add(const itsm_calendar_t *cal, int64_t start, int64_t dur)
{
    int64_t day, last, a, b, base, due;
    int i;

    if (cal->nperiods == 0)
        return NEVER;
    if (index_at(cal, start, &base) && index_find(cal, base + dur, &due))
        return due;
    day = local_day(cal, start) - 1;
    /* Each week opens at least one minute and holidays are finite, so the due instant lies
     * within this bound; it only guards against a calendar that was never checked. */
    last = day + (dur / 60 + (int64_t)apr_hash_count(cal->holidays) + 2) * 7;
    for (; day <= last; day++)
        for (i = 0; day_period(cal, day, i, &a, &b); i++) {
            if (a < start)
                a = start;
            if (b <= a)
                continue;
            if (dur <= b - a)
                return a + dur;
            dur -= b - a;
        }
    return NEVER;
}

static int64_t business_elapsed(const itsm_calendar_t *cal, int64_t from, int64_t to)
{
    int64_t day, last = local_day(cal, to) + 1, sum = 0, a, b, at_from, at_to;
    int i;

    /* a short span walks fewer days than the index reads (three at either end) */
    if (to - from > 4 * DAY && index_at(cal, from, &at_from) && index_at(cal, to, &at_to))
        return at_to - at_from;
    for (day = local_day(cal, from) - 1; day <= last; day++)
        for (i = 0; day_period(cal, day, i, &a, &b); i++) {
            if (a < from)
                a = from;
            if (b > to)
                b = to;
            if (b > a)
                sum += b - a;
        }
    return sum;
}

apr_time_t itsm_calendar_add(const itsm_calendar_t *cal, apr_time_t start,
                             apr_interval_time_t duration)
{
    int64_t s = to_sec(start), d = to_sec(duration), due;

    if (d <= 0)
        return start;
    due = cal->tz ? business_add(cal, s, d) : s + d;
    return due == NEVER ? APR_INT64_MAX : apr_time_from_sec(due);
}

apr_interval_time_t itsm_calendar_elapsed(const itsm_calendar_t *cal, apr_time_t from,
                                          apr_time_t to)
{
    int64_t f = to_sec(from), t = to_sec(to);

    if (t <= f)
        return 0;
    return apr_time_from_sec(cal->tz ? business_elapsed(cal, f, t) : t - f);
}
