/* The SLA sweep: a mod_watchdog singleton (one thread in one child process of the server)
 * that looks at every ticket with a running clock, and for each clock that newly reached
 * warning or breached writes a journal entry and notifications (the assignee, else the raiser;
 * on a breach also every holder of ITSMSLAEscalateRole), without any request arriving.
 * Why mod_watchdog: it is httpd's own single-runner timer, started and stopped with the server. */
#include <apr_optional.h>
#include <apr_strings.h>
#include <http_core.h>
#include <mod_watchdog.h>
#include <string.h>

#include "mod_itsm.h"
#include "itsm_codec.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

#define SWEEP_ACTOR "itsm-sla"
#define SWEEP_PAGE 500          /* tickets read per query */

static int announced(const char *notified, const char *event)
{
    apr_size_t n = strlen(event);
    const char *s = notified;

    while ((s = strstr(s, event)) != NULL) {
        if ((s == notified || s[-1] == ',') && (s[n] == ',' || s[n] == '\0'))
            return 1;
        s += n;
    }
    return 0;
}

/* Announce what changed on one ticket; returns 1 when something was written. */
static int sweep_ticket(server_rec *s, itsm_server_conf_t *c, itsm_store_t *st, itsm_ticket_t *t,
                        apr_time_t now, apr_pool_t *p)
{
    const itsm_kind_t *k = itsm_core_kind(c, t->kind);
    itsm_ticket_clock_t *clocks;
    itsm_journal_t j = { 0 };
    const char *notified = t->sla_notified ? t->sla_notified : "", *summary = "";
    const char *escalate = c->escalate_role ? c->escalate_role : k ? k->escalate_role : NULL;
    apr_status_t rv;
    int n, i, open = 0, breach = 0;

    if (k == NULL)
        return 0;
    n = itsm_ticket_clocks(&clocks, c->sla, k, t, now, p);
    j.changes = apr_array_make(p, 2, sizeof(itsm_change_t));
    for (i = 0; i < n; i++) {
        const itsm_ticket_clock_t *tc = &clocks[i];
        const char *event;

        if (tc->stopped)
            continue;
        open = 1;
        if (tc->eval.status != ITSM_SLA_WARNING && tc->eval.status != ITSM_SLA_BREACHED)
            continue;
        event = apr_pstrcat(p, tc->name, ":", tc->eval.status_name, NULL);
        if (announced(notified, event))
            continue;
        notified = *notified ? apr_pstrcat(p, notified, ",", event, NULL) : event;
        itsm_codec_change_add(j.changes, apr_pstrcat(p, "sla.", tc->name, NULL), NULL,
                              tc->eval.status_name);
        summary = apr_psprintf(p, "%s%s%s %s (due %s)", summary, *summary ? "; " : "", tc->name,
                               tc->eval.status_name, itsm_time_format(p, tc->eval.due));
        breach |= tc->eval.status == ITSM_SLA_BREACHED;
    }
    if (j.changes->nelts == 0 && open == t->sla_open)
        return 0;
    t->sla_open = open;
    t->sla_notified = notified;
    if (j.changes->nelts) {
        j.at = now;
        j.actor = SWEEP_ACTOR;
        j.action = breach ? "sla-breach" : "sla-warning";
        itsm_followers(p, k, t, SWEEP_ACTOR, breach ? escalate : NULL, &j);
        j.summary = summary;
    }
    rv = itsm_store_sla_mark(st, t, j.changes->nelts ? &j : NULL, p);
    if (rv == APR_EAGAIN)
        return 0;       /* changed meanwhile: the next sweep reads it again */
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00111) "SLA sweep: %s: %s",
                     t->number, itsm_store_error(st));
        return 0;
    }
    if (j.changes->nelts) {
        itsm_event_t e = { ITSM_EVENT_SLA, k, t, &j, NULL, s, p };

        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, ITSMLOGNO(00112) "SLA sweep: %s %s",
                     t->number, summary);
        itsm_event_run(&e);
    }
    return 1;
}

static apr_status_t sweep(int state, void *data, apr_pool_t *pool)
{
    server_rec *s = data;
    itsm_server_conf_t *c = ap_get_module_config(s->module_config, &itsm_module);
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    apr_array_header_t *rows;
    itsm_store_t *st;
    ap_dbd_t *dbd;
    const char *err = NULL;
    apr_time_t now = apr_time_now();
    int i, written = 0;

    if (state != AP_WATCHDOG_STATE_RUNNING || c->sla == NULL || !dbd_open || !dbd_close)
        return APR_SUCCESS;
    if ((dbd = dbd_open(pool, s)) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00113)
                     "SLA sweep: no database connection; next try in %d s", c->sweep_interval);
        return APR_SUCCESS;
    }
    if (itsm_core_bind(&st, s, dbd, pool, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00114) "SLA sweep: %s", err);
    }
    else {
        apr_pool_t *page;
        apr_int64_t after = 0;
        int seen = 0;

        /* page by page, each in a pool of its own: memory stays bounded however many
         * tickets have running clocks */
        apr_pool_create(&page, pool);
        do {
            apr_pool_clear(page);
            if (itsm_store_sla_open(st, &rows, after, SWEEP_PAGE, page) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, ITSMLOGNO(00115) "SLA sweep: %s",
                             itsm_store_error(st));
                break;
            }
            for (i = 0; i < rows->nelts; i++) {
                itsm_ticket_t *t = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);

                after = t->id;
                written += sweep_ticket(s, c, st, t, now, page);
            }
            seen += rows->nelts;
        } while (rows->nelts == SWEEP_PAGE);
        apr_pool_destroy(page);
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, ITSMLOGNO(00116)
                     "SLA sweep: %d tickets with running clocks, %d updated", seen, written);
    }
    dbd_close(s, dbd);
    return APR_SUCCESS;
}

void itsm_sweep_register(apr_pool_t *pconf, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    itsm_server_conf_t *c = ap_get_module_config(s->module_config, &itsm_module);
    ap_watchdog_t *wd;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG
        || c->sla == NULL || c->sweep_interval == 0)
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
        || (rv = register_callback(wd, apr_time_from_sec(c->sweep_interval), s, sweep))
           != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, ITSMLOGNO(00117)
                     "cannot register the SLA sweep with mod_watchdog");
}
