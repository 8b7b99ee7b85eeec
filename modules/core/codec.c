/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Text encodings of field maps and journal changes, RFC 3339 times, ticket numbers.
 * The stored encodings are line-based so that one column holds a whole map and a
 * journal entry is one row. */
#include <apr_strings.h>
#include <apr_lib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "itsm.h"
#include "itsm_codec.h"

int itsm_call_fail(itsm_call_t *c, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    c->message = apr_pvsprintf(c->pool, fmt, ap);
    va_end(ap);
    c->status = status;
    c->code = code;
    return status;
}

static void escape_into(char **dst, const char *s)
{
    char *d = *dst;

    if (s == NULL) {
        *d++ = '\\';
        *d++ = '-';
        *dst = d;
        return;
    }
    for (; *s; s++) {
        switch (*s) {
        case '\\': *d++ = '\\'; *d++ = '\\'; break;
        case '\t': *d++ = '\\'; *d++ = 't'; break;
        case '\n': *d++ = '\\'; *d++ = 'n'; break;
        case '\r': *d++ = '\\'; *d++ = 'r'; break;
        default: *d++ = *s;
        }
    }
    *dst = d;
}

/* Unescape one TAB/LF-delimited cell starting at *src in place; returns NULL for \- . */
static char *unescape_cell(char **src)
{
    char *s = *src, *d = s, *start = s;
    int absent = 0;

    while (*s && *s != '\t' && *s != '\n') {
        if (*s == '\\' && s[1]) {
            s++;
            switch (*s) {
            case 't': *d++ = '\t'; break;
            case 'n': *d++ = '\n'; break;
            case 'r': *d++ = '\r'; break;
            case '-': absent = 1; break;
            default: *d++ = *s;
            }
            s++;
        }
        else {
            *d++ = *s++;
        }
    }
    *src = *s ? s + 1 : s;
    *d = '\0';
    return absent ? NULL : start;
}

static apr_size_t escaped_len(const char *s)
{
    return s ? 2 * strlen(s) : 2;
}

const char *itsm_codec_fields_encode(apr_pool_t *p, const apr_table_t *fields)
{
    const apr_array_header_t *arr = apr_table_elts(fields);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t len = 1;
    char *out, *d;
    int i;

    for (i = 0; i < arr->nelts; i++)
        len += escaped_len(e[i].key) + escaped_len(e[i].val) + 2;
    out = d = apr_palloc(p, len);
    for (i = 0; i < arr->nelts; i++) {
        escape_into(&d, e[i].key);
        *d++ = '\t';
        escape_into(&d, e[i].val);
        *d++ = '\n';
    }
    *d = '\0';
    return out;
}

apr_table_t *itsm_codec_fields_decode(apr_pool_t *p, const char *text)
{
    apr_table_t *t = apr_table_make(p, 8);
    char *s = apr_pstrdup(p, text ? text : "");

    while (*s) {
        char *key = unescape_cell(&s);
        char *val = unescape_cell(&s);

        if (key && val)
            apr_table_setn(t, key, val);
    }
    return t;
}

const char *itsm_codec_changes_encode(apr_pool_t *p, const apr_array_header_t *changes)
{
    const itsm_change_t *c = (const itsm_change_t *)changes->elts;
    apr_size_t len = 1;
    char *out, *d;
    int i;

    for (i = 0; i < changes->nelts; i++)
        len += escaped_len(c[i].field) + escaped_len(c[i].old) + escaped_len(c[i].new) + 3;
    out = d = apr_palloc(p, len);
    for (i = 0; i < changes->nelts; i++) {
        escape_into(&d, c[i].field);
        *d++ = '\t';
        escape_into(&d, c[i].old);
        *d++ = '\t';
        escape_into(&d, c[i].new);
        *d++ = '\n';
    }
    *d = '\0';
    return out;
}

apr_array_header_t *itsm_codec_changes_decode(apr_pool_t *p, const char *text)
{
    apr_array_header_t *arr = apr_array_make(p, 4, sizeof(itsm_change_t));
    char *s = apr_pstrdup(p, text ? text : "");

    while (*s) {
        itsm_change_t *c = apr_array_push(arr);

        c->field = unescape_cell(&s);
        c->old = unescape_cell(&s);
        c->new = unescape_cell(&s);
        if (c->field == NULL)
            arr->nelts--;
    }
    return arr;
}

void itsm_codec_change_add(apr_array_header_t *changes, const char *field,
                           const char *old, const char *new)
{
    itsm_change_t *c;

    if (old == new || (old && new && strcmp(old, new) == 0))
        return;
    c = apr_array_push(changes);
    c->field = field;
    c->old = old;
    c->new = new;
}

const char *itsm_time_format(apr_pool_t *p, apr_time_t t)
{
    time_t secs = (time_t)apr_time_sec(t);
    struct tm tm;
    char buf[32];

    gmtime_r(&secs, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return apr_pstrdup(p, buf);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!apr_isdigit(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

apr_status_t itsm_time_parse(apr_time_t *out, const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int Y, M, D, h, m, sec, oh = 0, om = 0, sign = 0;
    long long total;

    if (s == NULL || strlen(s) < 20)
        return APR_EINVAL;
    if (!digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-'
        || !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't')
        || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &m)
        || s[16] != ':' || !digits(s + 17, 2, &sec))
        return APR_EINVAL;
    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || h > 23 || m > 59 || sec > 59)
        return APR_EINVAL;
    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0))
        return APR_EINVAL;
    s += 19;
    if (*s == '.') {
        s++;
        if (!apr_isdigit(*s))
            return APR_EINVAL;
        while (apr_isdigit(*s))
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    }
    else if (*s == '+' || *s == '-') {
        sign = *s == '+' ? 1 : -1;
        if (!digits(s + 1, 2, &oh) || s[3] != ':' || !digits(s + 4, 2, &om) || oh > 23 || om > 59)
            return APR_EINVAL;
        s += 6;
    }
    else {
        return APR_EINVAL;
    }
    if (*s)
        return APR_EINVAL;
    total = (long long)days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec
            - sign * (oh * 3600 + om * 60);
    *out = apr_time_from_sec(total);
    return APR_SUCCESS;
}

const char *itsm_duration_format(apr_pool_t *p, apr_interval_time_t d)
{
    apr_int64_t s = apr_time_sec(d), h, m;
    const char *sign = "";

    if (s < 0) {
        sign = "-";
        s = -s;
    }
    h = s / 3600;
    m = s % 3600 / 60;
    s %= 60;
    if (h == 0 && m == 0)
        return apr_psprintf(p, "%sPT%" APR_INT64_T_FMT "S", sign, s);
    return apr_pstrcat(p, sign, "PT",
                       h ? apr_psprintf(p, "%" APR_INT64_T_FMT "H", h) : "",
                       m ? apr_psprintf(p, "%" APR_INT64_T_FMT "M", m) : "",
                       s ? apr_psprintf(p, "%" APR_INT64_T_FMT "S", s) : "", NULL);
}

const char *itsm_number_format(apr_pool_t *p, const char *prefix, apr_int64_t n)
{
    if (n < 1 || n > 9999999)
        return NULL;
    return apr_psprintf(p, "%s%07" APR_INT64_T_FMT, prefix, n);
}

/* ---- SLA clock history ----------------------------------------------------------------- */

#define PAUSES_FIELD "sla.pauses"

int itsm_codec_pauses_decode(apr_pool_t *p, const char *text, apr_time_t **from, apr_time_t **to)
{
    int n = 0, cap = 1;
    const char *s;
    char *end;

    for (s = text ? text : ""; *s; s++)
        cap += *s == ',';
    *from = apr_pcalloc(p, sizeof(apr_time_t) * cap);
    *to = apr_pcalloc(p, sizeof(apr_time_t) * cap);
    s = text ? text : "";
    while (*s && n < cap) {
        apr_int64_t a = apr_strtoi64(s, &end, 10), b;

        if (*end != ':')
            break;
        b = apr_strtoi64(end + 1, &end, 10);
        (*from)[n] = apr_time_from_sec(a);
        (*to)[n] = b ? apr_time_from_sec(b) : 0;
        n++;
        if (*end != ',')
            break;
        s = end + 1;
    }
    return n;
}

/* The pauses of field key (ticket-wide or a clock's own): "from:to,..." in seconds, an open
 * pause last with to 0. */
static int paused_in(const itsm_ticket_t *t, const char *key)
{
    const char *v = apr_table_get(t->fields, key);
    size_t n = v ? strlen(v) : 0;

    return n >= 2 && v[n - 1] == '0' && v[n - 2] == ':';
}

static void pause_in(apr_pool_t *p, itsm_ticket_t *t, const char *key, apr_time_t now)
{
    const char *v = apr_table_get(t->fields, key);
    const char *open = apr_psprintf(p, "%" APR_INT64_T_FMT ":0", (apr_int64_t)apr_time_sec(now));

    if (paused_in(t, key))
        return;
    apr_table_set(t->fields, key, v && *v ? apr_pstrcat(p, v, ",", open, NULL) : open);
}

static void resume_in(apr_pool_t *p, itsm_ticket_t *t, const char *key, apr_time_t now)
{
    const char *v = apr_table_get(t->fields, key);

    if (!paused_in(t, key))
        return;
    apr_table_set(t->fields, key,
                  apr_psprintf(p, "%.*s%" APR_INT64_T_FMT, (int)(strlen(v) - 1), v,
                               (apr_int64_t)apr_time_sec(now)));
}

int itsm_ticket_paused(const itsm_ticket_t *t)
{
    return paused_in(t, PAUSES_FIELD);
}

void itsm_ticket_pause(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now)
{
    pause_in(p, t, PAUSES_FIELD, now);
}

void itsm_ticket_resume(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now)
{
    resume_in(p, t, PAUSES_FIELD, now);
}

int itsm_ticket_clock_paused(const itsm_ticket_t *t, const char *clock)
{
    char key[64];

    apr_snprintf(key, sizeof key, PAUSES_FIELD ".%s", clock);
    return paused_in(t, key);
}

void itsm_ticket_clock_pause(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now)
{
    pause_in(p, t, apr_pstrcat(p, PAUSES_FIELD ".", clock, NULL), now);
}

void itsm_ticket_clock_resume(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now)
{
    resume_in(p, t, apr_pstrcat(p, PAUSES_FIELD ".", clock, NULL), now);
}

/* The time a clock's mark ("start", "stop") records in t, 0 if none. */
static apr_time_t clock_mark(const itsm_ticket_t *t, const char *mark, const char *clock)
{
    char key[64];
    const char *v;

    apr_snprintf(key, sizeof key, "sla.%s.%s", mark, clock);
    v = apr_table_get(t->fields, key);
    return v ? apr_time_from_sec(apr_atoi64(v)) : 0;
}

apr_time_t itsm_ticket_clock_started(const itsm_ticket_t *t, const char *clock)
{
    return clock_mark(t, "start", clock);
}

void itsm_ticket_clock_stop(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now)
{
    const char *key = apr_pstrcat(p, "sla.stop.", clock, NULL);

    if (apr_table_get(t->fields, key) == NULL)
        apr_table_set(t->fields, key, apr_psprintf(p, "%" APR_INT64_T_FMT,
                                                   (apr_int64_t)apr_time_sec(now)));
}

void itsm_ticket_clock_restart(itsm_ticket_t *t, const char *clock)
{
    char key[64];

    apr_snprintf(key, sizeof key, "sla.stop.%s", clock);
    apr_table_unset(t->fields, key);
}

apr_time_t itsm_ticket_clock_stopped(const itsm_ticket_t *t, const char *clock)
{
    return clock_mark(t, "stop", clock);
}
