/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The SLA sweep: a mod_watchdog singleton (one thread in one child process of the server)
 * that looks at every ticket with a running clock or an armed timer, and for each clock that
 * newly reached warning or breached writes a journal entry and notifications (the assignee,
 * else the raiser; on a breach also every holder of ITSMSLAEscalateRole), and for each process
 * timer that came due one entry notifying whom the timer names, without any request arriving.
 * Why mod_watchdog: it is httpd's own single-runner timer, started and stopped with the server.
 * Also the timer of the searches' counts (below): a mod_watchdog instance in every child. */
#include <apr_atomic.h>
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_core.h>
#include <mod_watchdog.h>
#include <string.h>

#include "core.h"
#include "itsm_codec.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

#define SWEEP_ACTOR "itsm-sla"
#define SWEEP_PAGE 500          /* tickets read per query */

/* A child's exit and a running timer (the sweep, the counts' below): mod_watchdog joins its
 * thread only when the process pool goes, after the child pool (mod_dbd's connections, the
 * store's queue and locks) has gone. So a pre-cleanup of the child pool asks a running tick
 * to stop after the item at hand and waits for it. Static, not in a pool: a tick that starts
 * after the child pool is gone must still find stop set. */
typedef struct {
    volatile apr_uint32_t busy, stop;
} timer_guard_t;

static timer_guard_t sweep_guard, counts_guard;

/* A tick begins: 0 when the child is going (then the tick does nothing). */
static int guard_enter(timer_guard_t *g)
{
    apr_atomic_set32(&g->busy, 1);      /* before reading stop: see guard_stop */
    if (apr_atomic_read32(&g->stop)) {
        apr_atomic_set32(&g->busy, 0);
        return 0;
    }
    return 1;
}

static void guard_leave(timer_guard_t *g)
{
    apr_atomic_set32(&g->busy, 0);
}

static int guard_stopping(timer_guard_t *g)
{
    return apr_atomic_read32(&g->stop) != 0;
}

/* The child is going: no tick starts, and a running one is waited for. */
static void guard_stop(timer_guard_t *g)
{
    apr_atomic_set32(&g->stop, 1);
    while (apr_atomic_read32(&g->busy))
        apr_sleep(apr_time_from_msec(10));
}

/* The store of s on a connection of mod_dbd's, for a timer: NULL when there is none, with
 * *dbd NULL (no connection) or *why (the bind's error). Given back with timer_store_close. */
static itsm_store_t *timer_store_open(server_rec *s, apr_pool_t *pool, ap_dbd_t **dbd,
                                      const char **why)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    itsm_store_t *st = NULL;

    *why = NULL;
    if ((*dbd = dbd_open ? dbd_open(pool, s) : NULL) == NULL)
        return NULL;
    if (itsm_core_bind(&st, s, *dbd, pool, why) != APR_SUCCESS)
        return NULL;
    return st;
}

static void timer_store_close(server_rec *s, itsm_store_t *st, ap_dbd_t *dbd)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);

    itsm_store_release(st);     /* NULL when the bind failed */
    if (dbd && dbd_close)
        dbd_close(s, dbd);
}

static apr_status_t sweep_child_exit(void *data)
{
    guard_stop(&sweep_guard);
    return APR_SUCCESS;
}

void itsm_sweep_child_init(apr_pool_t *pchild)
{
    apr_pool_pre_cleanup_register(pchild, NULL, sweep_child_exit);
}

/* Write one ticket's announcement (j NULL: only its sla_open) in one transaction: the journal
 * entry, its notifications and t->sla_open/sla_notified. 1 when it was written. */
static int mark(server_rec *s, itsm_store_t *st, const itsm_kind_t *k, itsm_ticket_t *t,
                itsm_journal_t *j, apr_pool_t *p)
{
    apr_status_t rv = itsm_store_sla_mark(st, t, j, p);

    if (rv == APR_EAGAIN)
        return 0;       /* changed meanwhile: the next sweep reads it again */
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00111) "SLA sweep: %s: %s",
                     t->number, itsm_store_error(st));
        return 0;
    }
    if (j) {
        itsm_event_t e = { ITSM_EVENT_SLA, k, t, j, NULL, s, p };

        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, ITSMLOGNO(00112) "SLA sweep: %s %s",
                     t->number, j->summary);
        itsm_event_run(&e);
    }
    return 1;
}

/* The timers of t whose due time has passed and that are not announced yet: one journal entry
 * each, written with the bookkeeping in its own transaction. *pending is set when an armed
 * timer is not due yet. Returns how many were written; stops at the first that is not. */
static int sweep_timers(server_rec *s, itsm_store_t *st, const itsm_kind_t *k, itsm_ticket_t *t,
                        int clocks_open, apr_time_t now, apr_pool_t *p)
{
    const itsm_timer_t *tm, *last = NULL;
    int written = 0, pending = 0;

    for (tm = k->timers; tm && tm->name; tm++) {
        apr_time_t due = itsm_ticket_timer_due(k, tm, t);

        if (due && !itsm_sla_announced(t->sla_notified, itsm_sla_timer_event(p, tm, due))) {
            if (due > now)
                pending = 1;
            else
                last = tm;
        }
    }
    for (tm = k->timers; last && tm <= last; tm++) {
        apr_time_t due = itsm_ticket_timer_due(k, tm, t);
        const char *event;
        itsm_journal_t j = { 0 };

        if (!due || due > now
            || itsm_sla_announced(t->sla_notified, event = itsm_sla_timer_event(p, tm, due)))
            continue;
        j.changes = apr_array_make(p, 1, sizeof(itsm_change_t));
        itsm_codec_change_add(j.changes, apr_pstrcat(p, "timer.", tm->name, NULL), NULL,
                              itsm_time_format(p, due));
        j.at = now;
        j.actor = SWEEP_ACTOR;
        j.action = "timer-due";
        if (tm->followers) {
            itsm_followers(p, k, t, SWEEP_ACTOR, tm->role, &j);
        }
        else {      /* the timer's role alone, named as itsm_followers names a role */
            apr_array_header_t *role = apr_array_make(p, 1, sizeof(const char *));

            if (tm->role)
                APR_ARRAY_PUSH(role, const char *) = tm->role;
            j.recipients = itsm_followed(p, role, NULL);
            j.party = t->party;
        }
        j.summary = apr_psprintf(p, "%s due %s", tm->name, itsm_time_format(p, due));
        t->sla_notified = itsm_sla_notified_add(p, t->sla_notified, event);
        /* the last write leaves the ticket to the sweep only while something is pending */
        t->sla_open = tm == last ? clocks_open || pending : 1;
        if (!mark(s, st, k, t, &j, p))
            return written;
        written++;
    }
    return written;
}

/* Announce what changed on one ticket: the clocks that newly reached warning or breached in
 * one entry, then each timer that came due; returns 1 when something was written. */
static int sweep_ticket(server_rec *s, const itsm_core_t *c, itsm_store_t *st, itsm_ticket_t *t,
                        apr_time_t now, apr_pool_t *p)
{
    const itsm_kind_t *k = itsm_core_kind(c, t->kind);
    itsm_ticket_clock_t *clocks;
    itsm_journal_t j = { 0 };
    const char *notified = t->sla_notified ? t->sla_notified : "", *summary = "";
    const char *escalate = c->conf->escalate_role ? c->conf->escalate_role
                                                  : k ? k->escalate_role : NULL;
    int n, i, open = 0, breach = 0, was_open = t->sla_open, written = 0;

    if (k == NULL)
        return 0;
    n = itsm_ticket_clocks(&clocks, c->sla, k, t, now, p);
    j.changes = apr_array_make(p, 2, sizeof(itsm_change_t));
    for (i = 0; i < n; i++) {
        const itsm_ticket_clock_t *tc = &clocks[i];
        const char *event;

        if (tc->stopped || !tc->started)
            continue;
        open = 1;
        if (tc->eval.status != ITSM_SLA_WARNING && tc->eval.status != ITSM_SLA_BREACHED)
            continue;
        event = apr_pstrcat(p, tc->name, ":", tc->eval.status_name, NULL);
        if (itsm_sla_announced(notified, event))
            continue;
        notified = itsm_sla_notified_add(p, notified, event);
        itsm_codec_change_add(j.changes, apr_pstrcat(p, "sla.", tc->name, NULL), NULL,
                              tc->eval.status_name);
        summary = apr_psprintf(p, "%s%s%s %s (due %s)", summary, *summary ? "; " : "", tc->name,
                               tc->eval.status_name, itsm_time_format(p, tc->eval.due));
        breach |= tc->eval.status == ITSM_SLA_BREACHED;
    }
    t->sla_notified = notified;
    /* without service levels itsm_ticket_sla_open looks at the timers only */
    t->sla_open = open || itsm_ticket_sla_open(NULL, k, t);
    if (j.changes->nelts) {
        j.at = now;
        j.actor = SWEEP_ACTOR;
        j.action = breach ? "sla-breach" : "sla-warning";
        itsm_followers(p, k, t, SWEEP_ACTOR, breach ? escalate : NULL, &j);
        j.summary = summary;
        if (!mark(s, st, k, t, &j, p))
            return 0;
        written = 1;
    }
    written += sweep_timers(s, st, k, t, open, now, p);
    if (!written && t->sla_open != was_open)
        written = mark(s, st, k, t, NULL, p);
    return written > 0;
}

static apr_status_t sweep(int state, void *data, apr_pool_t *pool)
{
    server_rec *s = data;
    const itsm_core_t *c = itsm_core_of(s);
    apr_array_header_t *rows;
    itsm_store_t *st;
    ap_dbd_t *dbd;
    const char *err;
    apr_time_t now = apr_time_now();
    int i, written = 0;

    if (state != AP_WATCHDOG_STATE_RUNNING || c->sla == NULL || !guard_enter(&sweep_guard))
        return APR_SUCCESS;
    if ((st = timer_store_open(s, pool, &dbd, &err)) == NULL && dbd == NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00113)
                     "SLA sweep: no database connection; next try in %d s",
                     c->conf->sweep_interval);
    else if (st == NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00114) "SLA sweep: %s", err);
    else {
        apr_pool_t *page;
        apr_int64_t after;
        int seen = 0, failed = 0, kind;

        /* kind by kind (a ticket of a kind no loaded process declares is not swept: it has
         * no clocks to evaluate), page by page, each in a pool of its own: memory stays
         * bounded however many tickets have running clocks */
        apr_pool_create(&page, pool);
        for (kind = 0; kind < c->kinds->nelts && !failed && !guard_stopping(&sweep_guard);
             kind++) {
            const itsm_kind_t *k = APR_ARRAY_IDX(c->kinds, kind, const itsm_kind_t *);

            after = 0;
            do {
                apr_pool_clear(page);
                if (itsm_store_sla_open(st, &rows, k->kind, after, SWEEP_PAGE, page)
                    != APR_SUCCESS) {
                    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00115)
                                 "SLA sweep: %s", itsm_store_error(st));
                    failed = 1;
                    break;
                }
                for (i = 0; i < rows->nelts && !guard_stopping(&sweep_guard); i++) {
                    itsm_ticket_t *t = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);

                    after = t->id;
                    written += sweep_ticket(s, c, st, t, now, page);
                }
                seen += i;
            } while (rows->nelts == SWEEP_PAGE && !guard_stopping(&sweep_guard));
        }
        apr_pool_destroy(page);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, ITSMLOGNO(00116)
                     "SLA sweep: %d tickets with running clocks, %d updated", seen, written);
    }
    timer_store_close(s, st, dbd);
    guard_leave(&sweep_guard);
    return APR_SUCCESS;
}

void itsm_sweep_register(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    const itsm_core_t *c = itsm_core_of(s);
    ap_watchdog_t *wd;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || c->sla == NULL || c->conf->sweep_interval == 0)
        return;
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (!get_instance || !register_callback) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00110)
                     "mod_watchdog is not loaded: no SLA sweep (breaches are shown on "
                     "request only, never announced)");
        return;
    }
    if ((rv = get_instance(&wd, "itsm-sla", 0, 1, pconf)) != APR_SUCCESS
        || (rv = register_callback(wd, apr_time_from_sec(c->conf->sweep_interval), s, sweep))
           != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, ITSMLOGNO(00117)
                     "cannot register the SLA sweep with mod_watchdog");
}

/* ---- the searches' counts: a timer in every child, and a flush at a child's exit ---- */

/* The counts of a search wait in a log shared by the children (store_search.c) until a
 * search finds the oldest older than ITSMSearchCountDelay; this timer writes them when no
 * search comes. Every child has one (a mod_watchdog instance that is not a singleton), so
 * that a child that stops getting requests while the others are gone still writes them.
 * The same guard as the sweep's against a child's exit (counts_guard). */

/* Write the log of s's database on a connection of mod_dbd's: all of it (force: at the
 * child's exit) or what is due (the timer). */
static void counts_write(server_rec *s, int force, apr_pool_t *pool)
{
    const char *when = force ? " at the child's exit" : " by the timer";
    itsm_search_flush_t f = { 0 };
    ap_dbd_t *dbd;
    const char *err;
    itsm_store_t *st = timer_store_open(s, pool, &dbd, &err);

    if (st == NULL && dbd == NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00855) "search counts%s: no "
                     "database connection; they wait for the next try", when);
    else if (st == NULL)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00861) "search counts%s: %s",
                     when, err);
    else if (itsm_store_search_counts_flush(st, force, &f, pool) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00854) "search counts%s: %s",
                     when, itsm_core_flush_failed(pool, &f, itsm_store_error(st)));
    else if (f.searches)
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, ITSMLOGNO(00858) "search counts: %d "
                     "searches written in %d rows%s", f.searches, f.rows, when);
    timer_store_close(s, st, dbd);
}

static apr_status_t counts_tick(int state, void *data, apr_pool_t *pool)
{
    server_rec *s = data;

    if (state != AP_WATCHDOG_STATE_RUNNING || !guard_enter(&counts_guard))
        return APR_SUCCESS;
    if (itsm_store_search_counts_due(itsm_core_counts(s), apr_time_now()))
        counts_write(s, 0, pool);
    guard_leave(&counts_guard);
    return APR_SUCCESS;
}

/* At a child's exit (a pre-cleanup of its pool, while mod_dbd's connections are there):
 * stop the timer, then write what the log holds, best effort. The other children, if any,
 * would write it too; the last to go leaves nothing behind. */
static apr_status_t counts_child_exit(void *data)
{
    const apr_array_header_t *servers = itsm_core_count_servers();
    apr_pool_t *p;
    int i;

    guard_stop(&counts_guard);
    if (servers == NULL || apr_pool_create(&p, NULL) != APR_SUCCESS)
        return APR_SUCCESS;
    for (i = 0; i < servers->nelts; i++) {
        server_rec *s = APR_ARRAY_IDX(servers, i, server_rec *);

        if (itsm_store_search_counts_due(itsm_core_counts(s), APR_INT64_MAX))
            counts_write(s, 1, p);
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return APR_SUCCESS;
}

void itsm_counts_child_init(apr_pool_t *pchild)
{
    apr_pool_pre_cleanup_register(pchild, NULL, counts_child_exit);
}

void itsm_counts_register(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    const apr_array_header_t *servers = itsm_core_count_servers();
    ap_watchdog_t *wd;
    apr_status_t rv = APR_ENOTIMPL;     /* mod_watchdog is not loaded */
    int i;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG || servers == NULL
        || servers->nelts == 0)
        return;
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (get_instance && register_callback)
        rv = get_instance(&wd, "itsm-counts", 0, 0, pconf);
    for (i = 0; rv == APR_SUCCESS && i < servers->nelts; i++) {
        server_rec *vs = APR_ARRAY_IDX(servers, i, server_rec *);

        rv = register_callback(wd, apr_time_from_sec(itsm_core_of(vs)->conf->search_count_delay),
                               vs, counts_tick);
    }
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, ITSMLOGNO(00859)
                     "no timer for the searches' counts (%s): they are written by the searches, "
                     "the reads of the gaps, the creates that need them and at a child's exit",
                     get_instance ? "mod_watchdog refused it" : "mod_watchdog is not loaded");
}
