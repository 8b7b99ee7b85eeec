/* SLA clocks and targets: evaluation of a clock (due, elapsed, remaining, status) as a pure
 * function of its history, and the loading of conf/itsm-sla.xml into calendars and a
 * (kind, priority, clock) -> target table that is read-only once loaded. */
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

/* The earliest instant at which unpaused calendar time since the start reaches amount. */
static apr_time_t reach(const itsm_sla_clock_t *c, apr_time_t end, apr_interval_time_t amount)
{
    apr_time_t cursor = c->start, ps, pe;

    if (amount <= 0)
        return c->start;
    while (next_paused(c, cursor, end, &ps, &pe)) {
        apr_interval_time_t avail = itsm_calendar_elapsed(c->calendar, cursor, ps);

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
    apr_hash_t *targets;        /* "kind\001priority\001clock" -> sla_target_t */
    int warning_percent;
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

static apr_status_t load_kind(loader_t *ld, xmlNodePtr el, apr_hash_t *kinds)
{
    char *kind = itsm_xml_attr(ld->p, el, "name");
    apr_hash_t *priorities = apr_hash_make(ld->p);
    xmlNodePtr pn, tn;

    if (apr_hash_get(kinds, kind, APR_HASH_KEY_STRING))
        return fail(ld, el, apr_psprintf(ld->p, "kind '%s' is listed twice", kind));
    apr_hash_set(kinds, kind, APR_HASH_KEY_STRING, "");
    for (pn = el->children; pn; pn = pn->next) {
        char *prio;

        if (!itsm_xml_is(pn, "priority"))
            continue;
        prio = itsm_xml_attr(ld->p, pn, "name");
        if (apr_hash_get(priorities, prio, APR_HASH_KEY_STRING))
            return fail(ld, pn, apr_psprintf(ld->p, "priority %s of kind '%s' is listed twice",
                                             prio, kind));
        apr_hash_set(priorities, prio, APR_HASH_KEY_STRING, "");
        for (tn = pn->children; tn; tn = tn->next) {
            char *clock, *calname, *dur, *key;
            sla_target_t *t;
            apr_int64_t secs;

            if (!itsm_xml_is(tn, "target"))
                continue;
            clock = itsm_xml_attr(ld->p, tn, "clock");
            calname = itsm_xml_attr(ld->p, tn, "calendar");
            dur = itsm_xml_attr(ld->p, tn, "duration");
            key = apr_pstrcat(ld->p, kind, "\001", prio, "\001", clock, NULL);
            if (apr_hash_get(ld->cfg->targets, key, APR_HASH_KEY_STRING))
                return fail(ld, tn, apr_psprintf(ld->p, "duplicate %s target for %s of kind '%s'",
                                                 clock, prio, kind));
            t = apr_pcalloc(ld->p, sizeof *t);
            t->calendar = apr_hash_get(ld->cfg->calendars, calname, APR_HASH_KEY_STRING);
            if (t->calendar == NULL)
                return fail(ld, tn, apr_psprintf(ld->p, "%s target for %s of kind '%s' names "
                                                 "unknown calendar '%s'", clock, prio, kind,
                                                 calname));
            if ((secs = parse_duration(dur)) <= 0)
                return fail(ld, tn, apr_psprintf(ld->p, "duration '%s' is not a positive "
                                                 "PTnHnMnS", dur ? dur : ""));
            t->duration = apr_time_from_sec(secs);
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
    *out = ld.cfg;
    return APR_SUCCESS;
}

apr_status_t itsm_sla_target(const itsm_sla_config_t *cfg, const char *kind,
                             const char *priority, const char *clock_name,
                             apr_interval_time_t *duration, const itsm_calendar_t **calendar)
{
    char key[256];
    const sla_target_t *t;

    if (kind == NULL || priority == NULL || clock_name == NULL
        || apr_snprintf(key, sizeof key, "%s\001%s\001%s", kind, priority, clock_name)
           >= (int)sizeof key - 1)
        return APR_NOTFOUND;
    t = apr_hash_get(cfg->targets, key, APR_HASH_KEY_STRING);
    if (t == NULL)
        return APR_NOTFOUND;
    *duration = t->duration;
    *calendar = t->calendar;
    return APR_SUCCESS;
}

const itsm_calendar_t *itsm_sla_calendar(const itsm_sla_config_t *cfg, const char *name)
{
    return name ? apr_hash_get(cfg->calendars, name, APR_HASH_KEY_STRING) : NULL;
}

int itsm_sla_warning_percent(const itsm_sla_config_t *cfg)
{
    return cfg->warning_percent;
}

int itsm_ticket_clocks(itsm_ticket_clock_t **out, const itsm_sla_config_t *cfg,
                       const struct itsm_kind_t *k, const struct itsm_ticket_t *t,
                       apr_time_t now, apr_pool_t *p)
{
    const char *const *clock;
    apr_time_t *from, *to;
    itsm_sla_pause_t *pauses;
    int n, i, count = 0;

    *out = NULL;
    if (cfg == NULL || k->clocks == NULL || t->priority == NULL)
        return 0;
    for (clock = k->clocks; *clock; clock++)
        count++;
    *out = apr_pcalloc(p, sizeof(**out) * count);
    n = itsm_codec_pauses_decode(p, apr_table_get(t->fields, "sla.pauses"), &from, &to);
    pauses = apr_pcalloc(p, sizeof(*pauses) * (n ? n : 1));
    for (i = 0; i < n; i++) {
        pauses[i].from = from[i];
        pauses[i].to = to[i];
    }
    count = 0;
    for (clock = k->clocks; *clock; clock++) {
        itsm_ticket_clock_t *tc = &(*out)[count];
        itsm_sla_clock_t ck = { t->opened, 0, NULL, pauses, n, 0, cfg->warning_percent };

        if (itsm_sla_target(cfg, k->kind, t->priority, *clock, &ck.target, &ck.calendar)
            != APR_SUCCESS)
            continue;
        ck.stop = itsm_ticket_clock_stopped(t, *clock);
        itsm_sla_evaluate(&tc->eval, &ck, now);
        tc->name = *clock;
        tc->target = ck.target;
        tc->calendar = ck.calendar;
        tc->stopped = ck.stop;
        tc->paused = !ck.stop && itsm_ticket_paused(t);
        count++;
    }
    return count;
}

int itsm_ticket_sla_open(const itsm_sla_config_t *cfg, const struct itsm_kind_t *k,
                         const struct itsm_ticket_t *t)
{
    const char *const *clock;
    apr_interval_time_t target;
    const itsm_calendar_t *calendar;

    if (cfg == NULL || k->clocks == NULL || t->priority == NULL)
        return 0;
    for (clock = k->clocks; *clock; clock++)
        if (!itsm_ticket_clock_stopped(t, *clock)
            && itsm_sla_target(cfg, k->kind, t->priority, *clock, &target, &calendar)
               == APR_SUCCESS)
            return 1;
    return 0;
}
