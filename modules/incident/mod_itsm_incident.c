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

static const incident_conf_t *conf_of(const itsm_call_t *c)
{
    return ap_get_module_config((ap_conf_vector_t *)c->module_config, &itsm_incident_module);
}

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

static const char *const clocks[] = { "response", "resolution", NULL };

static const itsm_field_t incident_fields[] = {
    { "impact", ITSM_FIELD_REQUIRED },
    { "urgency", ITSM_FIELD_REQUIRED },
    { "service", ITSM_FIELD_INDEXED },
    { "category", ITSM_FIELD_INDEXED },
    { "subcategory", ITSM_FIELD_INDEXED },
    { "contact", 0 },
    { "started", 0 },
    { "impactStatement", 0 },
    { "nextSteps", 0 },
    { "resolution", 0 },
    { "externalDesk", ITSM_FIELD_INDEXED },
    { "externalReference", 0 },
    { "externalState", 0 },
    { "resolved", ITSM_FIELD_READONLY },
    { "major", ITSM_FIELD_READONLY },
    { "majorDeclared", ITSM_FIELD_READONLY },
    { "majorStoodDown", ITSM_FIELD_READONLY },
    { "noticeCount", ITSM_FIELD_READONLY },
    { "noticesLate", ITSM_FIELD_READONLY },
    { "lastNotice", ITSM_FIELD_READONLY },
    { "nextNoticeDue", ITSM_FIELD_READONLY },
    { "reviewDue", ITSM_FIELD_READONLY },
    { "review", 0 },
    { "reviewPublished", ITSM_FIELD_READONLY },
    { "reviewLate", ITSM_FIELD_READONLY },
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
    .final_states = incident_finished,
    .ageing_reason = incident_ageing_reason,
    .clocks = clocks,
    .create = inc_create,
    .update = inc_update,
    .action = inc_action,
};

static const itsm_field_t case_fields[] = {
    { "organisation", ITSM_FIELD_CREATE_ONLY },
    { "marketParticipantId", ITSM_FIELD_INDEXED },
    { "marketRole", ITSM_FIELD_INDEXED },
    { "category", ITSM_FIELD_INDEXED },
    { "relatedUrl", 0 },
    { "recommendedPriority", 0 },
    { "impact", 0 },
    { "urgency", 0 },
    { "service", ITSM_FIELD_INDEXED },
    { "desk", ITSM_FIELD_INDEXED },
    { "route", ITSM_FIELD_INDEXED },
    { "guidance", 0 },
    { "externalDesk", ITSM_FIELD_INDEXED },
    { "externalReference", 0 },
    { "externalState", 0 },
    { "resolved", ITSM_FIELD_READONLY },
    { NULL }
};

static const char *const case_actions[] = {
    "triage", "request-info", "provide-info", "route", "close", "reopen", NULL
};

static const itsm_kind_t case_kind = {
    .kind = "case",
    .collection = "cases",
    .element = "case",
    .prefix = "CS",
    .fields = case_fields,
    .actions = case_actions,
    .final_states = case_finished,
    .ageing_reason = incident_ageing_reason,
    .party_follows = 1,
    .clocks = clocks,
    .create = cs_create,
    .update = cs_update,
    .action = cs_action,
};

static int ra_create(itsm_call_t *c, itsm_ticket_t *t)
{
    return review_action_create(c, conf_of(c), t);
}

static int ra_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return review_action_action(c, conf_of(c), action, old, t);
}

static const itsm_field_t review_action_fields[] = {
    { "incident", ITSM_FIELD_REQUIRED | ITSM_FIELD_CREATE_ONLY | ITSM_FIELD_INDEXED, "incident" },
    { "due", 0 },
    { "outcome", 0 },
    { "completed", ITSM_FIELD_READONLY },
    { NULL }
};

static const char *const review_action_actions[] = { "complete", "reopen", NULL };

/* Actions agreed in a post-incident review (LLSD 7), tracked to closure; link each to its
 * incident with POST /itsm/incidents/{number}/links. */
static const itsm_kind_t review_action_kind = {
    .kind = "review-action",
    .collection = "review-actions",
    .element = "reviewAction",
    .prefix = "PIA",
    .fields = review_action_fields,
    .actions = review_action_actions,
    .final_states = review_action_finished,
    .create = ra_create,
    .action = ra_action,
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

static const itsm_process_t incident_process = { "incident", kinds, views };

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

static void register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_provider(p, ITSM_PROCESS_GROUP, "incident", ITSM_PROCESS_VERSION, &incident_process);
}

AP_DECLARE_MODULE(itsm_incident) = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    create_conf,
    merge_conf,
    incident_cmds,
    register_hooks
};
