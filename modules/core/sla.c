/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* SLA clocks and targets: evaluation of a clock (due, elapsed, remaining, status) as a pure
 * function of its history, the loading of conf/itsm-sla.xml into calendars and a
 * (kind, class value, clock) -> target table that is read-only once loaded, and the clocks and
 * timers of a ticket (their starts, pauses and announcements bookkeeping). */
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>

#include "itsm.h"
#include "itsm_codec.h"
#include "itsm_sla.h"
#include "itsm_xml.h"


/* ---- Clocks ------------------------------------------------------------------------------ */

/* The next paused stretch at or after cursor: the union of the pauses that reach beyond
 * cursor, clipped to start there. An open pause ends at end. 0 when there is none. Pauses
 * may come in any order and overlap; a clock has few, so quadratic is fine. */
static int next_paused(const itsm_sla_clock_t *c, apr_time_t cursor, apr_time_t end,
                       apr_time_t *ps, apr_time_t *pe)
{
    int i, found = 0, grown;

    for (i = 0; i < c->npauses; i++) {
        apr_time_t f = c->pauses[i].from, t = c->pauses[i].to ? c->pauses[i].to : end;

        if (t <= cursor || t <= f)
            continue;
        if (f < cursor)
            f = cursor;
        if (!found || f < *ps) {
            *ps = f;
            *pe = t;
            found = 1;
        }
    }
    if (!found)
        return 0;
    do {
        grown = 0;
        for (i = 0; i < c->npauses; i++) {
            apr_time_t f = c->pauses[i].from, t = c->pauses[i].to ? c->pauses[i].to : end;

            if (t > f && f <= *pe && t > *pe) {
                *pe = t;
                grown = 1;
            }
        }
    } while (grown);
    return 1;
}

/* The earliest instant at which unpaused calendar time since the start reaches amount,
 * counting the pauses before end alone: a stopped clock keeps the due time it stopped against
 * (a pause of the ticket after it stopped, or the part of one after the stop, moves nothing). */
static apr_time_t reach(const itsm_sla_clock_t *c, apr_time_t end, apr_interval_time_t amount)
{
    apr_time_t cursor = c->start, ps, pe;
    apr_interval_time_t avail;

    if (amount <= 0)
        return c->start;
    while (next_paused(c, cursor, end, &ps, &pe) && ps < end) {
        if (pe > end)
            pe = end;
        avail = itsm_calendar_elapsed(c->calendar, cursor, ps);
        if (amount <= avail)
            return itsm_calendar_add(c->calendar, cursor, amount);
        amount -= avail;
        cursor = pe;
    }
    return itsm_calendar_add(c->calendar, cursor, amount);
}

static apr_interval_time_t unpaused(const itsm_sla_clock_t *c, apr_time_t end)
{
    apr_time_t cursor = c->start, ps, pe;
    apr_interval_time_t sum = 0;

    while (cursor < end && next_paused(c, cursor, end, &ps, &pe)) {
        sum += itsm_calendar_elapsed(c->calendar, cursor, ps < end ? ps : end);
        cursor = pe;
    }
    if (cursor < end)
        sum += itsm_calendar_elapsed(c->calendar, cursor, end);
    return sum;
}

const char *itsm_sla_status_name(itsm_sla_status_e status)
{
    switch (status) {
    case ITSM_SLA_IN_SLA: return "in-sla";
    case ITSM_SLA_WARNING: return "warning";
    case ITSM_SLA_BREACHED: return "breached";
    case ITSM_SLA_MET: return "met";
    case ITSM_SLA_MISSED: return "missed";
    case ITSM_SLA_NOT_STARTED: return "not-started";
    case ITSM_SLA_CANCELLED: return "cancelled";
    }
    return "in-sla";
}

void itsm_sla_evaluate(itsm_sla_eval_t *out, const itsm_sla_clock_t *c, apr_time_t now)
{
    apr_time_t end = c->stop ? c->stop : now;
    apr_int64_t target = apr_time_sec(c->target), pct, warn;

    pct = c->warning_percent > 0 ? c->warning_percent : ITSM_SLA_WARNING_DEFAULT;
    warn = (target * pct + 99) / 100;
    out->due = reach(c, end, apr_time_from_sec(target));
    out->warn_at = reach(c, end, apr_time_from_sec(warn));
    out->elapsed = unpaused(c, end);
    out->remaining = apr_time_from_sec(target) - out->elapsed;
    if (c->stop)
        out->status = c->stop <= out->due ? ITSM_SLA_MET : ITSM_SLA_MISSED;
    else if (now > out->due)
        out->status = ITSM_SLA_BREACHED;
    else if (apr_time_sec(out->elapsed) * 100 >= target * pct)
        out->status = ITSM_SLA_WARNING;
    else
        out->status = ITSM_SLA_IN_SLA;
    out->status_name = itsm_sla_status_name(out->status);
}

/* ---- Configuration ------------------------------------------------------------------------ */

typedef struct sla_target_t {
    apr_interval_time_t duration;
    const itsm_calendar_t *calendar;
} sla_target_t;

struct itsm_sla_config_t {
    apr_hash_t *calendars;      /* name -> itsm_calendar_t */
    apr_hash_t *targets;        /* "kind\001class value\001clock" -> sla_target_t */
    apr_hash_t *own;            /* "kind\001clock" -> itsm_calendar_t: <ownTarget>, the
                                 * calendar of a clock whose target is the ticket's own */
    const itsm_calendar_t *always;  /* such a clock's calendar when no <ownTarget> names one */
    int warning_percent;
    apr_hash_t *kind_at;        /* kind -> the line of its <kind> (itsm_sla_kinds_at) */
};

typedef struct loader_t {
    apr_pool_t *p;
    const char *path;
    itsm_sla_config_t *cfg;
    const char *err;
} loader_t;

static apr_status_t fail(loader_t *ld, xmlNodePtr n, const char *msg)
{
    ld->err = apr_psprintf(ld->p, "%s:%ld: <%s>: %s", ld->path, xmlGetLineNo(n),
                           (const char *)n->name, msg);
    return APR_EINVAL;
}

/* "PT10H", "PT15M", "PT1H30M", "PT90S": hours, minutes and seconds only, since a "day" of a
 * business calendar is ambiguous. -1 if malformed. */
static apr_int64_t parse_duration(const char *s)
{
    apr_int64_t total = 0, v;
    int parts = 0;
    const char *units = "HMS", *u;

    if (s == NULL || strncmp(s, "PT", 2) != 0)
        return -1;
    s += 2;
    for (u = units; *s; parts++) {
        if (!apr_isdigit(*s))
            return -1;
        for (v = 0; apr_isdigit(*s); s++) {
            v = v * 10 + (*s - '0');
            if (v > 1000000)
                return -1;
        }
        while (*u && *u != *s)
            u++;
        if (*u == '\0')
            return -1;
        total += v * (*u == 'H' ? 3600 : *u == 'M' ? 60 : 1);
        u++;
        s++;
    }
    return parts ? total : -1;
}

static apr_status_t load_calendar(loader_t *ld, xmlNodePtr el)
{
    char *name = itsm_xml_attr(ld->p, el, "name"), *zone = itsm_xml_attr(ld->p, el, "zone");
    itsm_calendar_t *cal = NULL;
    xmlNodePtr n;
    const char *err;

    if (apr_hash_get(ld->cfg->calendars, name, APR_HASH_KEY_STRING))
        return fail(ld, el, apr_psprintf(ld->p, "calendar '%s' is defined twice", name));
    for (n = el->children; n; n = n->next)
        if (itsm_xml_is(n, "always"))
            cal = itsm_calendar_make_24x7(ld->p, name);
    if (cal == NULL) {
        if (zone == NULL)
            return fail(ld, el, apr_psprintf(ld->p, "calendar '%s' has open periods but no "
                                             "zone attribute", name));
        if (itsm_calendar_make(&cal, name, zone, ld->p, &err) != APR_SUCCESS)
            return fail(ld, el, err);
    }
    for (n = el->children; n; n = n->next) {
        if (itsm_xml_is(n, "open")) {
            char *days = itsm_xml_attr(ld->p, n, "days"), *from = itsm_xml_attr(ld->p, n, "from");
            char *to = itsm_xml_attr(ld->p, n, "to"), *d, *st;

            for (d = apr_strtok(days, " \t\r\n", &st); d; d = apr_strtok(NULL, " \t\r\n", &st)) {
                int wd = itsm_calendar_weekday(d);

                if (wd < 0)
                    return fail(ld, n, apr_psprintf(ld->p, "'%s' is not a weekday", d));
                if (itsm_calendar_open_add(cal, wd, from, to, &err) != APR_SUCCESS)
                    return fail(ld, n, err);
            }
        }
        else if (itsm_xml_is(n, "holiday")) {
            if (itsm_calendar_holiday_add(cal, itsm_xml_attr(ld->p, n, "date"), &err) != APR_SUCCESS)
                return fail(ld, n, err);
        }
    }
    if (itsm_calendar_check(cal, &err) != APR_SUCCESS)
        return fail(ld, el, err);
    apr_hash_set(ld->cfg->calendars, name, APR_HASH_KEY_STRING, cal);
    return APR_SUCCESS;
}

/* A target's duration: "duration" (PTnHnMnS) or "businessDays", working days of its
 * calendar (itsm_calendar_day_length), exactly one of them. */
static apr_status_t target_duration(loader_t *ld, xmlNodePtr tn, sla_target_t *t)
{
    char *dur = itsm_xml_attr(ld->p, tn, "duration"), *days = itsm_xml_attr(ld->p, tn, "businessDays");
    apr_int64_t secs;

    if ((dur == NULL) == (days == NULL))
        return fail(ld, tn, "a target has either a duration or businessDays");
    if (days) {
        char *end;
        apr_int64_t n = apr_strtoi64(days, &end, 10);

        if (*days == '\0' || *end != '\0' || n <= 0 || n > 10000)
            return fail(ld, tn, apr_psprintf(ld->p, "businessDays '%s' is not a positive "
                                             "number of days", days));
        t->duration = n * itsm_calendar_day_length(t->calendar);
        return APR_SUCCESS;
    }
    if ((secs = parse_duration(dur)) <= 0)
        return fail(ld, tn, apr_psprintf(ld->p, "duration '%s' is not a positive "
                                         "PTnHnMnS", dur));
    t->duration = apr_time_from_sec(secs);
    return APR_SUCCESS;
}

/* <ownTarget clock calendar>: the calendar of a clock of the kind whose target is the
 * ticket's own (itsm_clock_t.target_field). */
static apr_status_t load_own_target(loader_t *ld, xmlNodePtr n, const char *kind)
{
    char *clock = itsm_xml_attr(ld->p, n, "clock"), *calname = itsm_xml_attr(ld->p, n, "calendar");
    const char *key = apr_pstrcat(ld->p, kind, "\001", clock, NULL);
    const itsm_calendar_t *cal = apr_hash_get(ld->cfg->calendars, calname, APR_HASH_KEY_STRING);

    if (apr_hash_get(ld->cfg->own, key, APR_HASH_KEY_STRING))
        return fail(ld, n, apr_psprintf(ld->p, "clock %s of kind '%s' has its own target "
                                        "named twice", clock, kind));
    if (cal == NULL)
        return fail(ld, n, apr_psprintf(ld->p, "own target of clock %s of kind '%s' names "
                                        "unknown calendar '%s'", clock, kind, calname));
    apr_hash_set(ld->cfg->own, key, APR_HASH_KEY_STRING, cal);
    return APR_SUCCESS;
}

/* <priority name> and <class name> of a kind: one table, keyed by the value a clock's class
 * field (the priority by default) takes; and its <ownTarget>s. */
static apr_status_t load_kind(loader_t *ld, xmlNodePtr el, apr_hash_t *kinds)
{
    char *kind = itsm_xml_attr(ld->p, el, "name");
    apr_hash_t *classes = apr_hash_make(ld->p);
    xmlNodePtr pn, tn;

    if (apr_hash_get(kinds, kind, APR_HASH_KEY_STRING))
        return fail(ld, el, apr_psprintf(ld->p, "kind '%s' is listed twice", kind));
    apr_hash_set(kinds, kind, APR_HASH_KEY_STRING, apr_psprintf(ld->p, "%ld", xmlGetLineNo(el)));
    for (pn = el->children; pn; pn = pn->next) {
        const char *what;
        char *cls;

        if (itsm_xml_is(pn, "ownTarget") && load_own_target(ld, pn, kind) != APR_SUCCESS)
            return APR_EINVAL;
        if (!itsm_xml_is(pn, "priority") && !itsm_xml_is(pn, "class"))
            continue;
        what = (const char *)pn->name;
        cls = itsm_xml_attr(ld->p, pn, "name");
        if (apr_hash_get(classes, cls, APR_HASH_KEY_STRING))
            return fail(ld, pn, apr_psprintf(ld->p, "%s %s of kind '%s' is listed twice",
                                             what, cls, kind));
        apr_hash_set(classes, cls, APR_HASH_KEY_STRING, "");
        for (tn = pn->children; tn; tn = tn->next) {
            char *clock, *calname, *key;
            sla_target_t *t;

            if (!itsm_xml_is(tn, "target"))
                continue;
            clock = itsm_xml_attr(ld->p, tn, "clock");
            calname = itsm_xml_attr(ld->p, tn, "calendar");
            key = apr_pstrcat(ld->p, kind, "\001", cls, "\001", clock, NULL);
            if (apr_hash_get(ld->cfg->targets, key, APR_HASH_KEY_STRING))
                return fail(ld, tn, apr_psprintf(ld->p, "duplicate %s target for %s of kind '%s'",
                                                 clock, cls, kind));
            t = apr_pcalloc(ld->p, sizeof *t);
            t->calendar = apr_hash_get(ld->cfg->calendars, calname, APR_HASH_KEY_STRING);
            if (t->calendar == NULL)
                return fail(ld, tn, apr_psprintf(ld->p, "%s target for %s of kind '%s' names "
                                                 "unknown calendar '%s'", clock, cls, kind,
                                                 calname));
            if (target_duration(ld, tn, t) != APR_SUCCESS)
                return APR_EINVAL;
            apr_hash_set(ld->cfg->targets, key, APR_HASH_KEY_STRING, t);
        }
    }
    return APR_SUCCESS;
}

apr_status_t itsm_sla_config_load(itsm_sla_config_t **out, const char *path,
                                  xmlSchemaPtr schema, apr_pool_t *p, const char **err)
{
    loader_t ld = { p, path, NULL, NULL };
    apr_hash_t *kinds = apr_hash_make(p);
    xmlNodePtr root, n;
    char *pct;
    apr_status_t rv;

    *out = NULL;
    if ((rv = itsm_xml_config_load(&root, path, schema, "serviceLevels", p, err)) != APR_SUCCESS)
        return rv;
    ld.cfg = apr_pcalloc(p, sizeof *ld.cfg);
    ld.cfg->calendars = apr_hash_make(p);
    ld.cfg->targets = apr_hash_make(p);
    ld.cfg->own = apr_hash_make(p);
    ld.cfg->always = itsm_calendar_make_24x7(p, "24x7");
    pct = itsm_xml_attr(p, root, "warningPercent");
    ld.cfg->warning_percent = pct ? atoi(pct) : ITSM_SLA_WARNING_DEFAULT;
    /* calendars first, so that a target may name a calendar defined after it */
    for (n = root->children; n; n = n->next)
        if (itsm_xml_is(n, "calendar") && load_calendar(&ld, n) != APR_SUCCESS) {
            *err = ld.err;
            return APR_EINVAL;
        }
    for (n = root->children; n; n = n->next)
        if (itsm_xml_is(n, "kind") && load_kind(&ld, n, kinds) != APR_SUCCESS) {
            *err = ld.err;
            return APR_EINVAL;
        }
    ld.cfg->kind_at = kinds;
    *out = ld.cfg;
    return APR_SUCCESS;
}

const apr_hash_t *itsm_sla_kinds_at(const itsm_sla_config_t *cfg)
{
    return cfg->kind_at;
}

apr_status_t itsm_sla_target(const itsm_sla_config_t *cfg, const char *kind,
                             const char *class_value, const char *clock_name,
                             apr_interval_time_t *duration, const itsm_calendar_t **calendar)
{
    char key[256];
    const sla_target_t *t;

    if (kind == NULL || class_value == NULL || clock_name == NULL
        || itsm_key_join(key, sizeof key, kind, "\001", class_value, "\001", clock_name, NULL)
           >= sizeof key - 1)
        return APR_NOTFOUND;
    t = apr_hash_get(cfg->targets, key, APR_HASH_KEY_STRING);
    if (t == NULL)
        return APR_NOTFOUND;
    *duration = t->duration;
    *calendar = t->calendar;
    return APR_SUCCESS;
}

const itsm_calendar_t *itsm_sla_own_calendar(const itsm_sla_config_t *cfg, const char *kind,
                                             const char *clock_name)
{
    char key[256];
    const itsm_calendar_t *cal = NULL;

    if (kind && clock_name
        && itsm_key_join(key, sizeof key, kind, "\001", clock_name, NULL) < sizeof key - 1)
        cal = apr_hash_get(cfg->own, key, APR_HASH_KEY_STRING);
    return cal ? cal : cfg->always;
}

const itsm_calendar_t *itsm_sla_calendar(const itsm_sla_config_t *cfg, const char *name)
{
    return name ? apr_hash_get(cfg->calendars, name, APR_HASH_KEY_STRING) : NULL;
}

int itsm_sla_warning_percent(const itsm_sla_config_t *cfg)
{
    return cfg->warning_percent;
}

/* ---- Clocks and timers of a ticket ------------------------------------------------------- */

/* The value that decides the clock's target: its own target field's, its class field's, or
 * the priority. */
static const char *clock_class(const itsm_clock_t *ck, const itsm_ticket_t *t)
{
    if (ck->target_field)
        return apr_table_get(t->fields, ck->target_field);
    return ck->class_field ? apr_table_get(t->fields, ck->class_field) : t->priority;
}

/* The longest own target on cal: ITSM_SLA_OWN_TARGET_MAX, in working days on a business
 * calendar. */
static apr_interval_time_t own_target_max(const itsm_calendar_t *cal)
{
    return itsm_calendar_is_24x7(cal)
           ? ITSM_SLA_OWN_TARGET_MAX
           : ITSM_SLA_OWN_TARGET_MAX / apr_time_from_sec(86400) * itsm_calendar_day_length(cal);
}

/* An own target on cal: a positive duration of at most own_target_max(cal). */
static int own_target_parse(const char *value, const itsm_calendar_t *cal,
                            apr_interval_time_t *duration)
{
    return value && itsm_duration_parse(duration, value) == APR_SUCCESS && *duration > 0
           && *duration <= own_target_max(cal);
}

/* Whether a valid duration names days ("P1DT2H"; not "P0DT5H"). */
static int has_days(const char *text)
{
    const char *s = text + (*text == '-') + 1;      /* after the P */
    apr_size_t n = strspn(s, "0123456789");

    return s[n] == 'D' && strspn(s, "0") < n;
}

/* The clock's target on t: the value of its target field on its own calendar, or the one
 * ITSMSLAFile gives its class value. APR_NOTFOUND: no service level applies. */
static apr_status_t clock_target(const itsm_sla_config_t *cfg, const itsm_kind_t *k,
                                 const itsm_clock_t *ck, const itsm_ticket_t *t,
                                 apr_interval_time_t *duration, const itsm_calendar_t **calendar)
{
    if (ck->target_field == NULL)
        return itsm_sla_target(cfg, k->kind, clock_class(ck, t), ck->name, duration, calendar);
    *calendar = itsm_sla_own_calendar(cfg, k->kind, ck->name);
    return own_target_parse(clock_class(ck, t), *calendar, duration) ? APR_SUCCESS
                                                                     : APR_NOTFOUND;
}

apr_status_t itsm_clock_names_check(const struct itsm_kind_t *k, apr_pool_t *p,
                                    const char **err)
{
    const itsm_clock_t *ck;

    for (ck = k->clocks; ck && ck->name; ck++) {
        apr_size_t n = strlen(ck->name);

        if (n == 0 || n > ITSM_CLOCK_NAME_MAX
            || strspn(ck->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) {
            *err = apr_psprintf(p, "clock '%s' of kind '%s': a clock's name is 1 to %d "
                                "lower-case letters, digits and hyphens", ck->name, k->kind,
                                ITSM_CLOCK_NAME_MAX);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

apr_status_t itsm_sla_check_kind(const itsm_sla_config_t *cfg, const struct itsm_kind_t *k,
                                 apr_pool_t *p, const char **err)
{
    const itsm_clock_t *ck;
    const itsm_field_t *f;
    apr_hash_index_t *hi;
    apr_size_t len = strlen(k->kind);

    for (ck = k->clocks; ck && ck->name; ck++) {
        if (ck->target_field == NULL)
            continue;
        for (f = k->fields; f && f->name && strcmp(f->name, ck->target_field) != 0; f++)
            ;
        if (f == NULL || f->name == NULL || itsm_field_type(f) != ITSM_TYPE_DURATION
            || ck->class_field) {
            *err = apr_psprintf(p, "clock %s of kind '%s' takes its target from '%s', which "
                                "is not a duration field of the kind%s", ck->name, k->kind,
                                ck->target_field, ck->class_field ? " or has a class field "
                                "too" : "");
            return APR_EINVAL;
        }
    }
    for (hi = cfg ? apr_hash_first(p, cfg->own) : NULL; hi; hi = apr_hash_next(hi)) {
        const char *key = apr_hash_this_key(hi), *clock = key + len + 1;

        if (strncmp(key, k->kind, len) != 0 || key[len] != '\001')
            continue;
        for (ck = k->clocks; ck && ck->name && strcmp(ck->name, clock) != 0; ck++)
            ;
        if (ck == NULL || ck->name == NULL || ck->target_field == NULL) {
            *err = apr_psprintf(p, "ITSMSLAFile names a calendar for the own target of clock "
                                "%s of kind '%s', which has no such clock taking its target "
                                "from a field", clock, k->kind);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

apr_status_t itsm_sla_own_target_check(const itsm_sla_config_t *cfg,
                                       const struct itsm_kind_t *k, const char *field,
                                       const char *text, apr_pool_t *p, const char **why)
{
    const itsm_clock_t *ck;
    apr_interval_time_t d;

    for (ck = k->clocks; cfg && ck && ck->name; ck++) {
        const itsm_calendar_t *cal;

        if (ck->target_field == NULL || strcmp(ck->target_field, field) != 0)
            continue;
        cal = itsm_sla_own_calendar(cfg, k->kind, ck->name);
        if (!own_target_parse(text, cal, &d)) {
            *why = apr_psprintf(p, "is the target of the %s clock: a positive duration of at "
                                "most %s", ck->name, itsm_duration_format(p, own_target_max(cal)));
            return APR_EINVAL;
        }
        if (has_days(text) && !itsm_calendar_is_24x7(cal)) {
            *why = apr_psprintf(p, "is the target of the %s clock, counted on the %s calendar, "
                                "where a day is ambiguous: give hours (one working day of it "
                                "is %s)", ck->name, itsm_calendar_name(cal),
                                itsm_duration_format(p, itsm_calendar_day_length(cal)));
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

/* When the clock started, 0 before its event. */
static apr_time_t clock_start(const itsm_clock_t *ck, const itsm_ticket_t *t)
{
    return ck->start == ITSM_CLOCK_AT_OPENED ? t->opened : itsm_ticket_clock_started(t, ck->name);
}

static const char *pauses_field(apr_pool_t *p, const itsm_clock_t *ck)
{
    return ck->own_pauses ? apr_pstrcat(p, "sla.pauses.", ck->name, NULL) : "sla.pauses";
}

static int decode_pauses(apr_pool_t *p, const char *text, itsm_sla_pause_t **out)
{
    apr_time_t *from, *to;
    int n = itsm_codec_pauses_decode(p, text, &from, &to), i;

    *out = apr_pcalloc(p, sizeof(**out) * (n ? n : 1));
    for (i = 0; i < n; i++) {
        (*out)[i].from = from[i];
        (*out)[i].to = to[i];
    }
    return n;
}

int itsm_ticket_clocks(itsm_ticket_clock_t **out, const itsm_sla_config_t *cfg,
                       const struct itsm_kind_t *k, const struct itsm_ticket_t *t,
                       apr_time_t now, apr_pool_t *p)
{
    const itsm_clock_t *ck;
    itsm_sla_pause_t *shared = NULL;
    int nshared = -1, count = 0;

    *out = NULL;
    if (cfg == NULL || k->clocks == NULL)
        return 0;
    for (ck = k->clocks; ck->name; ck++)
        count++;
    *out = apr_pcalloc(p, sizeof(**out) * (count ? count : 1));
    count = 0;
    for (ck = k->clocks; ck->name; ck++) {
        itsm_ticket_clock_t *tc = &(*out)[count];
        itsm_sla_clock_t c = { clock_start(ck, t), 0, NULL, NULL, 0, 0, cfg->warning_percent };

        if (clock_target(cfg, k, ck, t, &c.target, &c.calendar) != APR_SUCCESS)
            continue;
        tc->name = ck->name;
        tc->target = c.target;
        tc->calendar = c.calendar;
        tc->started = c.start;
        tc->on_event = ck->start != ITSM_CLOCK_AT_OPENED;
        count++;
        if (c.start == 0) {
            tc->eval.status = ITSM_SLA_NOT_STARTED;
            tc->eval.status_name = itsm_sla_status_name(ITSM_SLA_NOT_STARTED);
            tc->eval.remaining = c.target;
            continue;
        }
        if (ck->own_pauses) {
            itsm_sla_pause_t *own;

            c.npauses = decode_pauses(p, apr_table_get(t->fields, pauses_field(p, ck)), &own);
            c.pauses = own;
        }
        else {
            if (nshared < 0)
                nshared = decode_pauses(p, apr_table_get(t->fields, "sla.pauses"), &shared);
            c.pauses = shared;
            c.npauses = nshared;
        }
        c.stop = itsm_ticket_clock_stopped(t, ck->name);
        itsm_sla_evaluate(&tc->eval, &c, now);
        if (c.stop && itsm_ticket_clock_cancelled(t, ck->name)) {
            tc->eval.status = ITSM_SLA_CANCELLED;
            tc->eval.status_name = itsm_sla_status_name(ITSM_SLA_CANCELLED);
        }
        tc->stopped = c.stop;
        tc->paused = !c.stop && (ck->own_pauses ? itsm_ticket_clock_paused(t, ck->name)
                                                : itsm_ticket_paused(t));
    }
    return count;
}

static int is_in(const char *s, const char *const *list)
{
    for (; s && list && *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

void itsm_ticket_clocks_start(apr_pool_t *p, const struct itsm_kind_t *k,
                              const struct itsm_ticket_t *old, struct itsm_ticket_t *t,
                              const char *action, apr_time_t at)
{
    const itsm_clock_t *ck;

    for (ck = k->clocks; ck && ck->name; ck++) {
        int event;

        if (ck->start == ITSM_CLOCK_ON_STATE)
            event = t->state && ck->start_on && strcmp(t->state, ck->start_on) == 0
                    && !(old && old->state && strcmp(old->state, t->state) == 0);
        else if (ck->start == ITSM_CLOCK_ON_ACTION)
            event = action && ck->start_on && strcmp(action, ck->start_on) == 0;
        else
            event = 0;
        if (event && itsm_ticket_clock_started(t, ck->name) == 0)
            apr_table_set(t->fields, apr_pstrcat(p, "sla.start.", ck->name, NULL),
                          apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)apr_time_sec(at)));
    }
}

apr_time_t itsm_ticket_timer_due(const struct itsm_kind_t *k, const struct itsm_timer_t *tm,
                                 const struct itsm_ticket_t *t)
{
    if (tm->states ? !is_in(t->state, tm->states) : is_in(t->state, k->final_states))
        return 0;
    if (tm->settled_by && apr_table_get(t->fields, tm->settled_by))
        return 0;
    return itsm_ticket_time(t, tm->field);
}

static void timer_event(char *buf, apr_size_t size, const itsm_timer_t *tm, apr_time_t due)
{
    apr_snprintf(buf, size, "timer:%s@%" APR_INT64_T_FMT, tm->name, (apr_int64_t)apr_time_sec(due));
}

const char *itsm_sla_timer_event(apr_pool_t *p, const struct itsm_timer_t *tm, apr_time_t due)
{
    char buf[160];

    timer_event(buf, sizeof buf, tm, due);
    return apr_pstrdup(p, buf);
}

int itsm_sla_announced(const char *notified, const char *event)
{
    return itsm_list_has(notified, ',', event);
}

/* notified without the events keep() refuses; in p. */
static const char *notified_filter(apr_pool_t *p, const char *notified,
                                   int (*keep)(const char *event, const void *arg), const void *arg)
{
    char *copy = apr_pstrdup(p, notified ? notified : ""), *ev, *st;
    const char *out = "";

    for (ev = apr_strtok(copy, ",", &st); ev; ev = apr_strtok(NULL, ",", &st))
        if (keep(ev, arg))
            out = *out ? apr_pstrcat(p, out, ",", ev, NULL) : ev;
    return out;
}

/* A timer event of another timer than arg ("timer:<name>@"), or a clock event. */
static int other_timer(const char *event, const void *arg)
{
    return strncmp(event, arg, strlen(arg)) != 0;
}

const char *itsm_sla_notified_add(apr_pool_t *p, const char *notified, const char *event)
{
    const char *at = strchr(event, '@');

    if (strncmp(event, "timer:", 6) == 0 && at)
        notified = notified_filter(p, notified, other_timer,
                                   apr_pstrndup(p, event, (apr_size_t)(at - event) + 1));
    return notified && *notified ? apr_pstrcat(p, notified, ",", event, NULL) : event;
}

typedef struct rearm_t {
    apr_pool_t *p;
    const itsm_sla_config_t *cfg;
    const itsm_kind_t *k;
    const itsm_ticket_t *old, *t;
} rearm_t;

/* Did the change move ck's due time (the clock started again, or a new class value or own
 * target whose target differs: P3 and P4 may share a response target, PT2H is PT120M)? Each
 * clock on its own: a kind's clocks may take their targets from different fields. */
static int clock_retargeted(const rearm_t *r, const itsm_clock_t *ck)
{
    const char *was = clock_class(ck, r->old), *is = clock_class(ck, r->t);
    apr_interval_time_t before, after;
    const itsm_calendar_t *cal_before, *cal_after;

    if (itsm_ticket_clock_stopped(r->old, ck->name) && !itsm_ticket_clock_stopped(r->t, ck->name))
        return 1;
    if ((was == NULL) == (is == NULL) && (was == NULL || strcmp(was, is) == 0))
        return 0;
    /* the same start and pauses: the same duration on the same calendar keeps the due time */
    return r->cfg == NULL
           || clock_target(r->cfg, r->k, ck, r->old, &before, &cal_before) != APR_SUCCESS
           || clock_target(r->cfg, r->k, ck, r->t, &after, &cal_after) != APR_SUCCESS
           || before != after || cal_before != cal_after;
}

/* A timer event whose due time is still the timer's, or an event ("<clock>:<status>") of a
 * clock whose due time the change left alone. */
static int still_due(const char *event, const void *arg)
{
    const rearm_t *r = arg;
    const itsm_timer_t *tm;
    const itsm_clock_t *ck;

    if (strncmp(event, "timer:", 6) != 0) {
        apr_size_t n = strcspn(event, ":");

        for (ck = r->k->clocks; ck && ck->name; ck++)
            if (strlen(ck->name) == n && strncmp(ck->name, event, n) == 0)
                return !clock_retargeted(r, ck);
        return 1;
    }
    for (tm = r->k->timers; tm && tm->name; tm++) {
        apr_time_t due = itsm_ticket_timer_due(r->k, tm, r->t);

        if (due && strcmp(event, itsm_sla_timer_event(r->p, tm, due)) == 0)
            return 1;
    }
    return 0;
}

const char *itsm_ticket_sla_rearm(apr_pool_t *p, const itsm_sla_config_t *cfg,
                                  const struct itsm_kind_t *k, const struct itsm_ticket_t *old,
                                  const struct itsm_ticket_t *t)
{
    rearm_t r = { p, cfg, k, old, t };

    return notified_filter(p, t->sla_notified, still_due, &r);
}

int itsm_ticket_sla_open(const itsm_sla_config_t *cfg, const struct itsm_kind_t *k,
                         const struct itsm_ticket_t *t)
{
    const itsm_clock_t *ck;
    const itsm_timer_t *tm;
    apr_interval_time_t target;
    const itsm_calendar_t *calendar;

    for (ck = k->clocks; cfg && ck && ck->name; ck++)
        if (clock_start(ck, t) && !itsm_ticket_clock_stopped(t, ck->name)
            && clock_target(cfg, k, ck, t, &target, &calendar) == APR_SUCCESS)
            return 1;
    for (tm = k->timers; tm && tm->name; tm++) {
        apr_time_t due = itsm_ticket_timer_due(k, tm, t);
        char event[160];

        if (due == 0)
            continue;
        timer_event(event, sizeof event, tm, due);
        if (!itsm_sla_announced(t->sla_notified, event))
            return 1;
    }
    return 0;
}
