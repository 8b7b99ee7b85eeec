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

int itsm_call_query_known(itsm_call_t *c, const apr_table_t *args, const char *const *known)
{
    const apr_array_header_t *a = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    const char *const *k;
    int i;

    for (i = 0; i < a->nelts; i++) {
        for (k = known; k && *k && strcmp(*k, e[i].key) != 0; k++)
            ;
        if (k == NULL || *k == NULL)
            return itsm_call_fail(c, 400, "bad-query", "Unknown query parameter '%s'.",
                                  e[i].key);
    }
    return 0;
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

apr_size_t itsm_key_join(char *buf, apr_size_t size, ...)
{
    va_list ap;
    const char *s;
    apr_size_t n = 0;

    va_start(ap, size);
    while ((s = va_arg(ap, const char *)) != NULL) {
        apr_size_t len = strlen(s);

        if (n + 1 < size)
            memcpy(buf + n, s, len < size - 1 - n ? len : size - 1 - n);
        n += len;
    }
    va_end(ap);
    if (size)
        buf[n < size ? n : size - 1] = '\0';
    return n;
}

int itsm_list_has(const char *list, char sep, const char *item)
{
    apr_size_t n = strlen(item);
    const char *at;

    for (at = list; at && *item && (at = strstr(at, item)) != NULL; at += n)
        if ((at == list || at[-1] == sep) && (at[n] == sep || at[n] == '\0'))
            return 1;
    return 0;
}

/* Writes v as exactly n digits, from the right; returns the end. */
static char *put_digits(char *at, unsigned v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--, v /= 10)
        at[i] = (char)('0' + v % 10);
    return at + n;
}

/* The proleptic Gregorian date of a count of days since 1970-01-01 (Howard Hinnant's
 * algorithm, the inverse of days_from_civil below). */
static void civil_from_days(long z, int *y, unsigned *m, unsigned *d)
{
    long era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The digits by hand: gmtime_r and strftime cost ~2.5 k instructions a time, and a list of
 * 50 incidents writes 300 times (tests/unit/test_codec.c compares with strftime). */
const char *itsm_time_format(apr_pool_t *p, apr_time_t t)
{
    apr_int64_t secs = apr_time_sec(t), days = secs / 86400, rem = secs % 86400;
    char *buf = apr_palloc(p, 21), *at = buf;
    unsigned m, d;
    int y;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days((long)days, &y, &m, &d);
    if (y < 1000 || y > 9999) {     /* never a ticket's; as strftime writes it */
        time_t tt = (time_t)secs;
        struct tm tm;
        char wide[48];

        gmtime_r(&tt, &tm);
        strftime(wide, sizeof wide, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return apr_pstrdup(p, wide);
    }
    at = put_digits(at, (unsigned)y, 4);
    *at++ = '-';
    at = put_digits(at, m, 2);
    *at++ = '-';
    at = put_digits(at, d, 2);
    *at++ = 'T';
    at = put_digits(at, (unsigned)(rem / 3600), 2);
    *at++ = ':';
    at = put_digits(at, (unsigned)(rem / 60 % 60), 2);
    *at++ = ':';
    at = put_digits(at, (unsigned)(rem % 60), 2);
    *at++ = 'Z';
    *at = '\0';
    return buf;
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

/* Writes v in decimal followed by unit; returns the end. */
static char *put_part(char *at, apr_uint64_t v, char unit)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *at++ = tmp[--n];
    *at++ = unit;
    return at;
}

/* [-]P[nD][T[nH][nM][nS]]: no years or months, whose length varies. A total whose microseconds
 * would not fit an apr_interval_time_t (beyond some 290,000 years) is malformed too. */
apr_status_t itsm_duration_parse(apr_interval_time_t *out, const char *s)
{
    static const struct { char unit; apr_int64_t scale; int in_time; } parts[] = {
        { 'D', 86400, 0 }, { 'H', 3600, 1 }, { 'M', 60, 1 }, { 'S', 1, 1 }
    };
    apr_int64_t total = 0;
    int sign = 1, time = 0, i = 0, any = 0;

    if (*s == '-') {
        sign = -1;
        s++;
    }
    if (*s++ != 'P')
        return APR_EINVAL;
    while (*s) {
        apr_int64_t n = 0;
        int digits = 0;

        if (*s == 'T' && !time) {
            time = 1;
            s++;
            if (*s == '\0')
                return APR_EINVAL;      /* "PT" alone */
            continue;
        }
        while (*s >= '0' && *s <= '9' && digits < 12) {
            n = n * 10 + (*s++ - '0');
            digits++;
        }
        if (digits == 0)
            return APR_EINVAL;
        while (i < 4 && (parts[i].unit != *s || parts[i].in_time != time))
            i++;
        if (i == 4)
            return APR_EINVAL;
        total += n * parts[i++].scale;
        any = 1;
        s++;
    }
    if (!any || total > APR_INT64_MAX / APR_USEC_PER_SEC)
        return APR_EINVAL;
    *out = apr_time_from_sec(sign * total);
    return APR_SUCCESS;
}

/* By hand as itsm_time_format: apr_psprintf per part cost ~800 instructions a duration. */
const char *itsm_duration_format(apr_pool_t *p, apr_interval_time_t d)
{
    apr_int64_t secs = apr_time_sec(d);
    apr_uint64_t s = secs < 0 ? 0 - (apr_uint64_t)secs : (apr_uint64_t)secs, h, m;
    char *buf = apr_palloc(p, 48), *at = buf;

    h = s / 3600;
    m = s % 3600 / 60;
    s %= 60;
    if (secs < 0)
        *at++ = '-';
    *at++ = 'P';
    *at++ = 'T';
    if (h)
        at = put_part(at, h, 'H');
    if (m)
        at = put_part(at, m, 'M');
    if (s || (h == 0 && m == 0))
        at = put_part(at, s, 'S');
    *at = '\0';
    return buf;
}

const char *itsm_number_format(apr_pool_t *p, const char *prefix, apr_int64_t n)
{
    if (n < 1 || n > 9999999)
        return NULL;
    return apr_psprintf(p, "%s%07" APR_INT64_T_FMT, prefix, n);
}

/* ---- UTF-8 ------------------------------------------------------------------------------ */

long itsm_utf8_decode(const char *text, apr_size_t n, int *len)
{
    const unsigned char *s = (const unsigned char *)text;
    long cp;
    int need, i;

    *len = 1;
    if (s[0] < 0x80)
        return s[0];
    if ((s[0] & 0xE0) == 0xC0) { cp = s[0] & 0x1F; need = 1; }
    else if ((s[0] & 0xF0) == 0xE0) { cp = s[0] & 0x0F; need = 2; }
    else if ((s[0] & 0xF8) == 0xF0) { cp = s[0] & 0x07; need = 3; }
    else
        return -1;
    if ((apr_size_t)need >= n)
        return -1;
    for (i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000)
        || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = need + 1;
    return cp;
}

apr_size_t itsm_utf8_cut(const char *s, apr_size_t max)
{
    apr_size_t n = strnlen(s, max + 1);

    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A character is counted at each byte that is no continuation byte. */
const char *itsm_utf8_clip(apr_pool_t *p, const char *text, apr_size_t max, const char *mark)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t chars = 0, keep, cut = 0, i;

    for (keep = 0, i = 0; mark[i]; i++)
        keep += ((unsigned char)mark[i] & 0xC0) != 0x80;
    if (keep >= max) {
        mark = "";
        keep = max;
    }
    else
        keep = max - keep;
    for (i = 0; s[i]; i++)
        if ((s[i] & 0xC0) != 0x80) {
            if (chars == keep)
                cut = i;
            if (++chars > max)
                return apr_pstrcat(p, apr_pstrndup(p, text, cut), mark, NULL);
        }
    return text;
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

    itsm_key_join(key, sizeof key, PAUSES_FIELD ".", clock, NULL);
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

/* The reserved field of a clock's mark: "sla.<mark>.<clock>" ("start", "stop", "cancel"),
 * joined the same way wherever it is read, set or cleared. */
#define MARK_KEY(key, mark, clock) itsm_key_join(key, sizeof key, "sla.", mark, ".", clock, NULL)

/* The time a clock's mark records in t, 0 if none. */
static apr_time_t clock_mark(const itsm_ticket_t *t, const char *mark, const char *clock)
{
    char key[64];
    const char *v;

    MARK_KEY(key, mark, clock);
    v = apr_table_get(t->fields, key);
    return v ? apr_time_from_sec(apr_atoi64(v)) : 0;
}

/* Set a clock's mark at now, unless it is set already. */
static void set_clock_mark(apr_pool_t *p, itsm_ticket_t *t, const char *mark, const char *clock,
                           apr_time_t now)
{
    char key[64];

    MARK_KEY(key, mark, clock);
    if (apr_table_get(t->fields, key) == NULL)
        apr_table_set(t->fields, key, apr_psprintf(p, "%" APR_INT64_T_FMT,
                                                   (apr_int64_t)apr_time_sec(now)));
}

static void clear_clock_mark(itsm_ticket_t *t, const char *mark, const char *clock)
{
    char key[64];

    MARK_KEY(key, mark, clock);
    apr_table_unset(t->fields, key);
}

apr_time_t itsm_ticket_clock_started(const itsm_ticket_t *t, const char *clock)
{
    return clock_mark(t, "start", clock);
}

void itsm_ticket_clock_stop(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now)
{
    set_clock_mark(p, t, "stop", clock, now);
}

void itsm_ticket_clock_cancel(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now)
{
    if (itsm_ticket_clock_stopped(t, clock))
        return;
    set_clock_mark(p, t, "stop", clock, now);
    set_clock_mark(p, t, "cancel", clock, now);
}

void itsm_ticket_clock_restart(itsm_ticket_t *t, const char *clock)
{
    clear_clock_mark(t, "stop", clock);
    clear_clock_mark(t, "cancel", clock);
}

apr_time_t itsm_ticket_clock_stopped(const itsm_ticket_t *t, const char *clock)
{
    return clock_mark(t, "stop", clock);
}

int itsm_ticket_clock_cancelled(const itsm_ticket_t *t, const char *clock)
{
    return clock_mark(t, "cancel", clock) != 0;
}

int itsm_utf8_space(long cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0
           || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
           || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15): the
 * characters shown as nothing (zero-width space and joiners, direction marks, the byte order
 * mark, variation selectors, the Hangul fillers, the soft hyphen...), sorted ranges. */
static const struct { long from, to; } ignorable[] = {
    { 0xAD, 0xAD }, { 0x34F, 0x34F }, { 0x61C, 0x61C }, { 0x115F, 0x1160 },
    { 0x17B4, 0x17B5 }, { 0x180B, 0x180F }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
    { 0x2060, 0x206F }, { 0x3164, 0x3164 }, { 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF },
    { 0xFFA0, 0xFFA0 }, { 0xFFF0, 0xFFF8 }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
    { 0xE0000, 0xE0FFF },
};

int itsm_utf8_ignorable(long cp)
{
    size_t i;

    for (i = 0; i < sizeof ignorable / sizeof *ignorable && cp >= ignorable[i].from; i++)
        if (cp <= ignorable[i].to)
            return 1;
    return 0;
}

int itsm_text_blank(const char *text)
{
    const char *s = text;
    long cp;
    int len;

    while (s && *s) {
        /* stops at the NUL: no strlen a character */
        cp = itsm_utf8_decode(s, 4, &len);
        if (!itsm_utf8_space(cp) && !itsm_utf8_ignorable(cp))
            return 0;
        s += len;
    }
    return 1;
}
