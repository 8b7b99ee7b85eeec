/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* mod_itsm_incident: the incident management process. Registers the kinds "case" (CS) and
 * "incident" (INC) with the core through the provider API and binds the rules of
 * incident.c to them; its directives tune the process (priority matrix, windows). */
#include <httpd.h>
#include <http_config.h>
#include <ap_provider.h>
#include <apr_strings.h>
#include <string.h>

#include "itsm.h"
#include "incident.h"

module AP_MODULE_DECLARE_DATA itsm_incident_module;

ITSM_PROCESS_CONFIG(incident_conf_t, conf_of)

static int inc_create(itsm_call_t *c, itsm_ticket_t *t)
{
    return incident_create(c, conf_of(c), t);
}

static int inc_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return incident_update(c, conf_of(c), old, t);
}

static int inc_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return incident_action(c, conf_of(c), action, old, t);
}

static int cs_create(itsm_call_t *c, itsm_ticket_t *t)
{
    return case_create(c, conf_of(c), t);
}

static int cs_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return case_update(c, conf_of(c), old, t);
}

static int cs_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return case_action(c, conf_of(c), action, old, t);
}

/* Both from logging, targets by priority, ticket-wide pauses (awaiting information). */
static const itsm_clock_t clocks[] = {
    { "response", ITSM_CLOCK_AT_OPENED },
    { "resolution", ITSM_CLOCK_AT_OPENED },
    { NULL }
};

/* Announced by the SLA sweep once due: the next notice of an open major incident (to the
 * incident managers and the incident's followers), and its post-incident review while it is
 * not published (to the incident managers). */
static const itsm_timer_t incident_timers[] = {
    { "next-notice", "nextNoticeDue", NULL, NULL, "incident-manager", 1 },
    { "review", "reviewDue", (const char *const[]){ "resolved", "closed", NULL },
      "reviewPublished", "incident-manager", 0 },
    { NULL }
};

/* Types as in schemas/itsm-incident.xsd; the core checks them (itsm_field_check). */
static const char *const levels[] = { "high", "medium", "low", NULL };
static const char *const external_states[] = { "open", "resolved", NULL };
static const char *const routes[] = { "incident", "request", "group", "guidance", "external", NULL };
static const char *const desk_kinds[] = { "service-desk", "help-desk", NULL };
static const char *const priorities[] = { "P1", "P2", "P3", "P4", "P5", NULL };

#define LEVEL(name, flags) { name, flags, .type = ITSM_TYPE_ENUM, .values = levels }
#define TIME(name, flags) { name, flags, .type = ITSM_TYPE_DATETIME }
#define LONG(name) { name, 0, .type = ITSM_TYPE_LONG_TEXT }
#define CROSS_PARTY \
    { "externalDesk", ITSM_FIELD_INDEXED }, \
    { "externalReference", 0 }, \
    { "externalState", 0, .type = ITSM_TYPE_ENUM, .values = external_states }

static const itsm_field_t incident_fields[] = {
    LEVEL("impact", ITSM_FIELD_REQUIRED),
    LEVEL("urgency", ITSM_FIELD_REQUIRED),
    { "service", ITSM_FIELD_INDEXED },
    { "category", ITSM_FIELD_INDEXED },
    { "subcategory", ITSM_FIELD_INDEXED },
    { "contact", 0 },
    TIME("started", 0),
    LONG("impactStatement"),
    LONG("nextSteps"),
    LONG("resolution"),
    CROSS_PARTY,
    TIME("resolved", ITSM_FIELD_READONLY),
    { "major", ITSM_FIELD_READONLY, .type = ITSM_TYPE_BOOLEAN },
    TIME("majorDeclared", ITSM_FIELD_READONLY),
    TIME("majorStoodDown", ITSM_FIELD_READONLY),
    { "noticeCount", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "noticesLate", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    TIME("lastNotice", ITSM_FIELD_READONLY),
    TIME("nextNoticeDue", ITSM_FIELD_READONLY),
    TIME("reviewDue", ITSM_FIELD_READONLY),
    LONG("review"),
    TIME("reviewPublished", ITSM_FIELD_READONLY),
    { "reviewLate", ITSM_FIELD_READONLY, .type = ITSM_TYPE_BOOLEAN },
    { "openReviewActions", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { NULL }
};

static const char *const incident_actions[] = {
    "assign", "start", "await-info", "resume", "resolve", "close", "reopen", "cancel",
    "declare-major", "stand-down", "notice", "publish-review", NULL
};

static const itsm_kind_t incident_kind = {
    .kind = "incident",
    .collection = "incidents",
    .element = "incident",
    .prefix = "INC",
    .fields = incident_fields,
    .actions = incident_actions,
    .initial_state = "new",
    .final_states = incident_finished,
    .ageing_reason = incident_ageing_reason,
    .clocks = clocks,
    .followers = ITSM_FOLLOW_RAISER | ITSM_FOLLOW_ASSIGNEE,
    .timers = incident_timers,
    .escalate_role = "incident-manager",
    .create = inc_create,
    .update = inc_update,
    .action = inc_action,
    .child_changed = incident_review_action_changed,
};

static const itsm_field_t case_fields[] = {
    { "organisation", ITSM_FIELD_CREATE_ONLY },
    { "marketParticipantId", ITSM_FIELD_INDEXED },
    { "marketRole", ITSM_FIELD_INDEXED },
    { "category", ITSM_FIELD_INDEXED },
    { "relatedUrl", 0 },
    { "recommendedPriority", 0, .type = ITSM_TYPE_ENUM, .values = priorities },
    LEVEL("impact", 0),
    LEVEL("urgency", 0),
    { "service", ITSM_FIELD_INDEXED },
    { "desk", ITSM_FIELD_INDEXED, .type = ITSM_TYPE_ENUM, .values = desk_kinds },
    { "route", ITSM_FIELD_INDEXED, .type = ITSM_TYPE_ENUM, .values = routes },
    { "guidance", 0 },
    /* closed with guidance: a published knowledge article the raiser can read (the core
     * checks it; without mod_itsm_knowledge there is no article to name) */
    { "article", ITSM_FIELD_RAISER_READS, "article" },
    CROSS_PARTY,
    TIME("resolved", ITSM_FIELD_READONLY),
    { NULL }
};

static const char *const case_actions[] = {
    "triage", "request-info", "provide-info", "route", "close", "reopen", NULL
};

/* Cases are the deflection target of self-help: a case raised within the hour after a
 * search that found tickets (knowledge articles) counts as a failed deflection of it. */
static const itsm_search_t case_search = { .deflection_target = 1 };

static const itsm_kind_t case_kind = {
    .kind = "case",
    .collection = "cases",
    .element = "case",
    .prefix = "CS",
    .fields = case_fields,
    .actions = case_actions,
    .initial_state = "new",
    .final_states = case_finished,
    .ageing_reason = incident_ageing_reason,
    .followers = ITSM_FOLLOW_RAISER | ITSM_FOLLOW_PARTY | ITSM_FOLLOW_ASSIGNEE,
    .clocks = clocks,
    .escalate_role = "incident-manager",
    .create = cs_create,
    .update = cs_update,
    .action = cs_action,
    .search = &case_search,
};

static int ra_create(itsm_call_t *c, itsm_ticket_t *t)
{
    return review_action_create(c, conf_of(c), t);
}

static int ra_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return review_action_update(c, conf_of(c), old, t);
}

static int ra_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return review_action_action(c, conf_of(c), action, old, t);
}

static const itsm_field_t review_action_fields[] = {
    { "incident", ITSM_FIELD_REQUIRED | ITSM_FIELD_CREATE_ONLY | ITSM_FIELD_INDEXED, "incident" },
    TIME("due", 0),
    LONG("outcome"),
    TIME("completed", ITSM_FIELD_READONLY),
    { NULL }
};

static const char *const review_action_actions[] = { "complete", "reopen", NULL };

/* Actions agreed in a post-incident review (LLSD 7), tracked to closure: children of their
 * incident, which counts those still open (openReviewActions). They do not hold the
 * incident open: a review is published after the incident is resolved. */
static const itsm_kind_t review_action_kind = {
    .kind = "review-action",
    .collection = "review-actions",
    .element = "reviewAction",
    .prefix = "PIA",
    .fields = review_action_fields,
    .actions = review_action_actions,
    .initial_state = "open",
    .final_states = review_action_finished,
    .create = ra_create,
    .update = ra_update,
    .action = ra_action,
    .parent_field = "incident",
};

static const itsm_kind_t *const kinds[] = { &case_kind, &incident_kind, &review_action_kind, NULL };

/* The portal banner (LLSD 7): open major incidents, to every person whatever their party. */
static const char *const banner_fields[] = {
    "service", "impactStatement", "nextSteps", "majorDeclared", "lastNotice", "nextNoticeDue", NULL
};

static const itsm_view_t banner = {
    .path = "major-incidents/active",
    .kind = "incident",
    .tag = "major",
    .element = "banner",
    .fields = banner_fields,
};

static const itsm_view_t *const views[] = { &banner, NULL };

static const itsm_process_t incident_process = {
    ITSM_PROCESS_ABI,
    .name = "incident",
    .module = &itsm_incident_module,
    .schema = "itsm-incident.xsd",
    .kinds = kinds,
    .views = views,
    .stylesheet = "itsm-incident.xsl",
};

/* ---- configuration --------------------------------------------------------------------- */

/* Unset values stay 0/NULL through the merge, so a virtual host inherits what it does not set;
 * post_config fills the LLSD defaults in. */
static void *create_conf(apr_pool_t *p, server_rec *s)
{
    return apr_pcalloc(p, sizeof(incident_conf_t));
}

/* Take from what c leaves unset (0/NULL) */
static void fill_unset(incident_conf_t *c, const incident_conf_t *from)
{
    if (c->matrix[0][0] == NULL)
        memcpy(c->matrix, from->matrix, sizeof c->matrix);
#define FILL(f) if (c->f == 0) c->f = from->f
    FILL(reopen_days);
    FILL(first_notice_min);
    FILL(update_min_p1);
    FILL(update_min_p2);
    FILL(review_days);
#undef FILL
}

static void *merge_conf(apr_pool_t *p, void *basev, void *addv)
{
    incident_conf_t *c = apr_pmemdup(p, addv, sizeof *c);

    fill_unset(c, basev);
    return c;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    incident_conf_t defaults;

    incident_conf_defaults(&defaults);
    for (; s; s = s->next)
        fill_unset(ap_get_module_config(s->module_config, &itsm_incident_module), &defaults);
    return OK;
}

static const char *set_matrix(cmd_parms *cmd, void *dummy, const char *args)
{
    incident_conf_t *conf = ap_get_module_config(cmd->server->module_config, &itsm_incident_module);
    const char *word;
    int n = 0;

    while (*(word = ap_getword_conf(cmd->pool, &args)) != '\0') {
        if (n == 9 || !(word[0] == 'P' && word[1] >= '1' && word[1] <= '4' && word[2] == '\0'))
            return "ITSMIncidentPriorityMatrix takes nine priorities P1..P4: urgency high "
                   "(impact high, medium, low), then urgency medium, then urgency low";
        conf->matrix[n / 3][n % 3] = word;
        n++;
    }
    return n == 9 ? NULL : "ITSMIncidentPriorityMatrix takes exactly nine priorities";
}

static const char *set_number(cmd_parms *cmd, void *dummy, const char *arg)
{
    incident_conf_t *conf = ap_get_module_config(cmd->server->module_config, &itsm_incident_module);
    char *end;
    long v = strtol(arg, &end, 10);
    int which = (int)(intptr_t)cmd->info;

    if (*arg == '\0' || *end != '\0' || v < 1 || v > 100000)
        return apr_psprintf(cmd->pool, "%s takes a whole number from 1 to 100000", cmd->cmd->name);
    switch (which) {
    case 0: conf->reopen_days = (int)v; break;
    case 1: conf->first_notice_min = (int)v; break;
    case 2: conf->update_min_p1 = (int)v; break;
    case 3: conf->update_min_p2 = (int)v; break;
    default: conf->review_days = (int)v; break;
    }
    return NULL;
}

/* Documented in docs/incident.md. */
static const command_rec incident_cmds[] = {
    AP_INIT_RAW_ARGS("ITSMIncidentPriorityMatrix", set_matrix, NULL, RSRC_CONF,
                     "Nine priorities: urgency high x impact high/medium/low, then medium, then low"),
    AP_INIT_TAKE1("ITSMIncidentReopenDays", set_number, (void *)0, RSRC_CONF,
                  "Days after resolution a case or incident may be reopened (default 10)"),
    AP_INIT_TAKE1("ITSMMajorFirstNoticeMinutes", set_number, (void *)1, RSRC_CONF,
                  "First major-incident notice due after declaration (default 30)"),
    AP_INIT_TAKE1("ITSMMajorUpdateMinutesP1", set_number, (void *)2, RSRC_CONF,
                  "Interval of major-incident updates for P1 (default 120)"),
    AP_INIT_TAKE1("ITSMMajorUpdateMinutesP2", set_number, (void *)3, RSRC_CONF,
                  "Interval of major-incident updates for P2 and lower (default 240)"),
    AP_INIT_TAKE1("ITSMReviewDays", set_number, (void *)4, RSRC_CONF,
                  "Post-incident review due this many days after resolution (default 7)"),
    { NULL }
};

static void incident_hooks(apr_pool_t *p)
{
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
}

ITSM_PROCESS_MODULE_CONFIG(incident, incident_process, create_conf, merge_conf, incident_cmds,
                           incident_hooks);
