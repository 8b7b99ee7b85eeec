/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Service levels: calendars (24x7, or weekly business hours in an IANA time zone with
 * holidays), SLA clocks evaluated as pure functions of their history, and the targets of
 * conf/itsm-sla.xml. APR and libxml2 only; everything here is immutable once loaded. */
#ifndef ITSM_SLA_H
#define ITSM_SLA_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_time.h>
#include <libxml/xmlschemas.h>

/* Where IANA zone files are read from: <dir>/<zone>, e.g. /usr/share/zoneinfo/Europe/London. */
#ifndef ITSM_ZONEINFO_DIR
#define ITSM_ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

#define ITSM_SLA_WARNING_DEFAULT 75     /* percent of the target */

/* ---- Calendars -------------------------------------------------------------------------
 * A calendar says which instants count. A 24x7 calendar counts every second of real time.
 * A business calendar counts the weekly open periods of its time zone's local (wall) time,
 * except on holidays. Built once at configuration time with the functions below, then
 * shared read-only between threads. All times are apr_time_t (UTC, microseconds) and all
 * arithmetic is done in whole seconds (sub-second parts are truncated). */
typedef struct itsm_calendar_t itsm_calendar_t;

/* A calendar that counts all time. Never fails. */
itsm_calendar_t *itsm_calendar_make_24x7(apr_pool_t *p, const char *name);

/* An empty business calendar (no open period yet) in the IANA zone `zone`, read from the
 * TZif file under ITSM_ZONEINFO_DIR. APR_EINVAL/APR_ENOENT and *err for an unknown,
 * unreadable or malformed zone. Memory and zone data live in p. */
apr_status_t itsm_calendar_make(itsm_calendar_t **cal, const char *name, const char *zone,
                                apr_pool_t *p, const char **err);

/* Open the calendar on weekday (0 = Sunday .. 6 = Saturday) from start to end, "HH:MM"
 * local time, end may be "24:00"; start < end; periods of one weekday must not overlap
 * (touching is fine). APR_EINVAL and *err otherwise. */
apr_status_t itsm_calendar_open_add(itsm_calendar_t *cal, int weekday, const char *start,
                                    const char *end, const char **err);

/* Close the whole local day "YYYY-MM-DD"; APR_EINVAL and *err if malformed or duplicate. */
apr_status_t itsm_calendar_holiday_add(itsm_calendar_t *cal, const char *date,
                                       const char **err);

/* Weekday number of "sun".."sat" (also "sunday".."saturday"), case-insensitive; -1 if none. */
int itsm_calendar_weekday(const char *name);

/* APR_EINVAL and *err if the calendar can never count time (a business calendar without any
 * open period). Call once when the calendar is complete: it then builds the calendar's index
 * of open time per day (2000 to 2079), which makes itsm_calendar_add and _elapsed take
 * constant time instead of a walk over every day between their instants. */
apr_status_t itsm_calendar_check(itsm_calendar_t *cal, const char **err);

const char *itsm_calendar_name(const itsm_calendar_t *cal);
int itsm_calendar_is_24x7(const itsm_calendar_t *cal);

/* A working day of the calendar: its weekly open time divided by the number of weekdays it
 * opens (10 hours for Monday-Friday 08:00-18:00); 24 hours for 24x7. What a target in
 * business days is multiplied by. */
apr_interval_time_t itsm_calendar_day_length(const itsm_calendar_t *cal);

/* Seconds east of UTC of the calendar's zone at t (0 for 24x7). */
long itsm_calendar_utc_offset(const itsm_calendar_t *cal, apr_time_t t);

/* The earliest instant at which the calendar time elapsed since start reaches duration.
 * A start outside open hours counts from the next opening; a duration that runs out
 * exactly at a closing is due at that closing. duration <= 0 gives start. A business
 * calendar without any open period (see itsm_calendar_check) gives APR_INT64_MAX. */
apr_time_t itsm_calendar_add(const itsm_calendar_t *cal, apr_time_t start,
                             apr_interval_time_t duration);

/* Calendar time between two instants (0 when to <= from). */
apr_interval_time_t itsm_calendar_elapsed(const itsm_calendar_t *cal, apr_time_t from,
                                          apr_time_t to);

/* ---- Clocks ------------------------------------------------------------------------------
 * A clock is its history: start, target, calendar, pauses, stop. Evaluation is a pure
 * function of that history and `now`, so a priority change is a new target on the same
 * history, and a migration import is a clock with an old start. */
typedef struct itsm_sla_pause_t {
    apr_time_t from;
    apr_time_t to;              /* 0 while still paused */
} itsm_sla_pause_t;

typedef struct itsm_sla_clock_t {
    apr_time_t start;
    apr_interval_time_t target;
    const itsm_calendar_t *calendar;
    const itsm_sla_pause_t *pauses;     /* any order, may overlap; may be NULL */
    int npauses;
    apr_time_t stop;            /* 0 while running */
    int warning_percent;        /* 0: ITSM_SLA_WARNING_DEFAULT */
} itsm_sla_clock_t;

typedef enum {
    ITSM_SLA_IN_SLA,            /* "in-sla" */
    ITSM_SLA_WARNING,           /* "warning": elapsed >= warning percent of target */
    ITSM_SLA_BREACHED,          /* "breached": running and now > due */
    ITSM_SLA_MET,               /* "met": stopped at or before due */
    ITSM_SLA_MISSED,            /* "missed": stopped after due */
    ITSM_SLA_NOT_STARTED,       /* "not-started": an event-started clock before its event */
    ITSM_SLA_CANCELLED          /* "cancelled": stopped with its ticket withdrawn (an
                                 * incident's or problem's cancel): neither met nor missed */
} itsm_sla_status_e;

typedef struct itsm_sla_eval_t {
    apr_time_t due;             /* earliest instant unpaused calendar time reaches target */
    apr_time_t warn_at;         /* earliest instant it reaches the warning percent */
    apr_interval_time_t elapsed;    /* unpaused calendar time from start to now (or stop) */
    apr_interval_time_t remaining;  /* target - elapsed; negative once overrun */
    itsm_sla_status_e status;
    const char *status_name;    /* static string, see itsm_sla_status_name */
} itsm_sla_eval_t;

/* Evaluate a clock at now. An open pause counts as ending at now (or at the stop of a
 * stopped clock); pauses are measured on the clock's calendar. */
void itsm_sla_evaluate(itsm_sla_eval_t *out, const itsm_sla_clock_t *clock, apr_time_t now);

/* "in-sla", "warning", "breached", "met", "missed", "not-started", "cancelled". */
const char *itsm_sla_status_name(itsm_sla_status_e status);

/* ---- Configuration (conf/itsm-sla.xml) ------------------------------------------------- */
typedef struct itsm_sla_config_t itsm_sla_config_t;

/* Parse (no network, DOCTYPE refused), validate against schema, then check the meaning:
 * zones, times, overlaps, holidays, calendars referenced by targets, duplicate targets.
 * APR_EINVAL and *err naming the file, line and element on failure. Lives in p. */
apr_status_t itsm_sla_config_load(itsm_sla_config_t **cfg, const char *path,
                                  xmlSchemaPtr schema, apr_pool_t *p, const char **err);

/* The target of a clock ("response", "resolution") for a kind and class value (the ticket's
 * priority, or the value of the clock's class_field: "L1"), from <priority name> or <class
 * name> of the kind; a target in business days is already multiplied out by its calendar's
 * working day. APR_NOTFOUND when there is none (a P5, an unknown kind or class): no SLA
 * applies. */
apr_status_t itsm_sla_target(const itsm_sla_config_t *cfg, const char *kind,
                             const char *class_value, const char *clock_name,
                             apr_interval_time_t *duration, const itsm_calendar_t **calendar);

/* The calendar of clock clock_name of kind when its target is the ticket's own
 * (itsm_clock_t.target_field): the one <ownTarget clock calendar> of the kind names, else a
 * 24x7 calendar. Never NULL. */
const itsm_calendar_t *itsm_sla_own_calendar(const itsm_sla_config_t *cfg, const char *kind,
                                             const char *clock_name);

/* The longest own target: 10,000 days on 24x7, 10,000 working days on a business calendar
 * (itsm_calendar_day_length: PT100000H on the shipped one; a longer span would end past the
 * calendar's index and cost a walk day by day at each evaluation). A longer value, like a
 * value that is not a positive duration, is no target. */
#define ITSM_SLA_OWN_TARGET_MAX APR_INT64_C(864000000000000)

/* A calendar by name, NULL if none. */
const itsm_calendar_t *itsm_sla_calendar(const itsm_sla_config_t *cfg, const char *name);

/* The configured warning threshold, percent of the target. */
int itsm_sla_warning_percent(const itsm_sla_config_t *cfg);

/* ---- Clocks and timers of a ticket ---------------------------------------------------- */

struct itsm_ticket_t;
struct itsm_kind_t;
struct itsm_timer_t;

/* One clock of a ticket that has a target at its class value, evaluated at some instant. */
typedef struct itsm_ticket_clock_t {
    const char *name;               /* "response", "resolution" */
    apr_interval_time_t target;
    const itsm_calendar_t *calendar;
    apr_time_t started;             /* 0: not started yet (status not-started, no due time) */
    int on_event;                   /* started by an event, not at opened */
    apr_time_t stopped;             /* 0 while running */
    int paused;
    itsm_sla_eval_t eval;
} itsm_ticket_clock_t;

/* The clocks of t (kind k) with a target in cfg, evaluated at now: the clock history is the
 * ticket's (opened or "sla.start.<clock>", "sla.pauses" or "sla.pauses.<clock>",
 * "sla.stop.<clock>"). Returns how many (0 for P5 or no priority); *out is allocated in p. */
int itsm_ticket_clocks(itsm_ticket_clock_t **out, const itsm_sla_config_t *cfg,
                       const struct itsm_kind_t *k, const struct itsm_ticket_t *t,
                       apr_time_t now, apr_pool_t *p);

/* Record the start of t's event-started clocks whose event this change is: state entered
 * (old NULL for a creation) or action taken (NULL for none), at the instant at. A clock starts
 * once; its start is kept in t->fields ("sla.start.<clock>") and stored with the change. */
void itsm_ticket_clocks_start(apr_pool_t *p, const struct itsm_kind_t *k,
                              const struct itsm_ticket_t *old, struct itsm_ticket_t *t,
                              const char *action, apr_time_t at);

/* The kinds cfg's <kind> elements name, each to the line it is on: the core warns at start-up
 * of those no loaded process module defines (a misspelt kind would run without targets). */
const apr_hash_t *itsm_sla_kinds_at(const itsm_sla_config_t *cfg);

/* Check at start-up that each of k's clocks has a name of 1 to ITSM_CLOCK_NAME_MAX
 * lower-case letters, digits and hyphens (its marks' reserved fields are joined in 64 bytes,
 * and '.', ':' and ',' separate them). APR_EINVAL and *err (in p) otherwise. */
apr_status_t itsm_clock_names_check(const struct itsm_kind_t *k, apr_pool_t *p,
                                    const char **err);

/* Check at start-up that k's clocks with a target_field name a duration field of k (and no
 * class field), and that each <ownTarget> of cfg (may be NULL) for k names such a clock.
 * APR_EINVAL and *err (in p) otherwise. */
apr_status_t itsm_sla_check_kind(const itsm_sla_config_t *cfg, const struct itsm_kind_t *k,
                                 apr_pool_t *p, const char **err);

/* Whether text, a value given for field of kind k (already a valid duration), may be the
 * target of each of k's clocks that take their target from field: a positive duration of at
 * most ITSM_SLA_OWN_TARGET_MAX (in working days on a business calendar), without days unless
 * that clock's calendar is 24x7 (a day of a
 * business calendar is ambiguous, as in ITSMSLAFile). APR_EINVAL and *why (in p) otherwise;
 * APR_SUCCESS for a field that is no clock's target or when cfg is NULL. */
apr_status_t itsm_sla_own_target_check(const itsm_sla_config_t *cfg,
                                       const struct itsm_kind_t *k, const char *field,
                                       const char *text, apr_pool_t *p, const char **why);

/* Whether the sweep must look at t: a started clock with a target in cfg still runs, or a
 * timer is armed and not yet announced (see itsm_ticket_timer_due). Nothing is evaluated. */
int itsm_ticket_sla_open(const itsm_sla_config_t *cfg, const struct itsm_kind_t *k,
                         const struct itsm_ticket_t *t);

/* The announcements bookkeeping (t->sla_notified) after a change from old to t: a clock's
 * events are forgotten when its due time moved (the clock stopped and started again, or a new
 * value of its class field, priority or own target field whose target in cfg differs; with
 * cfg NULL, any new value), so that they are announced anew; the other clocks' are kept, and
 * the timer events while their due time is unchanged. Allocated in p. */
const char *itsm_ticket_sla_rearm(apr_pool_t *p, const itsm_sla_config_t *cfg,
                                  const struct itsm_kind_t *k, const struct itsm_ticket_t *old,
                                  const struct itsm_ticket_t *t);

/* The due time of timer tm of t (kind k) when it is armed: a value in its field, the ticket
 * in one of its states (not final, by default) and not settled. 0 otherwise. */
apr_time_t itsm_ticket_timer_due(const struct itsm_kind_t *k, const struct itsm_timer_t *tm,
                                 const struct itsm_ticket_t *t);

/* The event of timer tm with due time due in t->sla_notified: "timer:<name>@<seconds>". */
const char *itsm_sla_timer_event(apr_pool_t *p, const struct itsm_timer_t *tm, apr_time_t due);

/* Whether event ("response:warning", a timer event) is in notified (comma-separated). */
int itsm_sla_announced(const char *notified, const char *event);

/* notified with event added; a timer event replaces the same timer's earlier one. In p. */
const char *itsm_sla_notified_add(apr_pool_t *p, const char *notified, const char *event);

#endif
