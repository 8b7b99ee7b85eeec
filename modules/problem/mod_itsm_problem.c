/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* mod_itsm_problem: the problem management process (LLSD 8). Registers the kind "problem"
 * (PRB, collection problems, element <problem>) with the core through the provider API and
 * binds the rules of problem.c to it: the problem statement of LLSD 8.3, levels 1-4 (LLSD
 * 8.4), the KPI clocks of LLSD 8.5 in business days (targets by level in ITSMSLAFile), the
 * incidents caused by a problem (links from either end), the known-error record and the
 * workaround published as a knowledge article (mod_itsm_knowledge, when loaded). */
#include <httpd.h>
#include <http_config.h>
#include <ap_provider.h>

#include "itsm.h"
#include "problem.h"

/* LLSD 8.5: root cause identified after the workaround is in place (5 / 10 / 20 / 60
 * business days by level), long-term solution identified after logging (30 / 45 / 60 / 120).
 * Each pauses only by name (never: the KPIs run on the business calendar alone). */
static const itsm_clock_t clocks[] = {
    { "root-cause", ITSM_CLOCK_ON_STATE, "workaround-in-place", 1, "level" },
    { "solution", ITSM_CLOCK_AT_OPENED, NULL, 1, "level" },
    { NULL }
};

static const char *const urgencies[] = { "high", "medium", "low", NULL };

#define LONG(name) { name, 0, .type = ITSM_TYPE_LONG_TEXT }
#define TIME(name) { name, ITSM_FIELD_READONLY, .type = ITSM_TYPE_DATETIME }

/* Types as in schemas/itsm-problem.xsd; the core checks them (itsm_field_check). */
static const itsm_field_t problem_fields[] = {
    /* LLSD 8.4: 1 (highest) to 4; picks the KPI targets */
    { "level", ITSM_FIELD_REQUIRED | ITSM_FIELD_INDEXED, .type = ITSM_TYPE_INTEGER,
      .min = 1, .max = 4 },
    { "service", ITSM_FIELD_INDEXED },
    /* the problem statement (LLSD 8.3) besides title and description */
    LONG("relatedReferences"),
    LONG("scopeAndImpact"),
    LONG("background"),
    { "urgency", 0, .type = ITSM_TYPE_ENUM, .values = urgencies },
    LONG("stakeholders"),
    LONG("expectedOutcome"),
    LONG("additionalDetails"),
    /* recorded by the actions */
    LONG("workaround"),
    LONG("rootCause"),
    LONG("solution"),
    { "solutionTimeframe", 0 },
    /* derived by the process */
    { "knownError", ITSM_FIELD_READONLY | ITSM_FIELD_INDEXED, .type = ITSM_TYPE_BOOLEAN },
    { "incidentCount", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "recurrences", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    TIME("workaroundRecorded"),
    TIME("rootCauseIdentified"),
    TIME("solutionIdentified"),
    TIME("workaroundPublished"),
    TIME("resolved"),
    { NULL }
};

static const char *const problem_actions[] = {
    "investigate", "record-workaround", "identify-root-cause", "identify-solution", "resolve",
    "close", "cancel", "publish-workaround", NULL
};

/* What an incident caused by a problem shows of it while the incident is open. */
static const char *const shown[] = { "title", "state", "workaround", NULL };

/* Incidents link to the problem that caused it (one problem each, any number of incidents
 * per problem), from either end; a problem links to the article of its workaround. */
static const itsm_link_rule_t problem_links[] = {
    { PROBLEM_LINK_CAUSED_BY, NULL, 1, 0, .from_kind = "incident", .shows = shown },
    { PROBLEM_LINK_ARTICLE, PROBLEM_ARTICLE_KIND, 1, 0 },
    { NULL }
};

/* Problems are found by their title and service first, then their texts; the known
 * errors among them are suggested to the agents of new cases and incidents. */
static const itsm_search_field_t problem_search_fields[] = {
    { "title", ITSM_SEARCH_TITLE },
    { "service", ITSM_SEARCH_KEYWORDS },
    { "description", ITSM_SEARCH_BODY },
    { "workaround", ITSM_SEARCH_BODY },
    { "rootCause", ITSM_SEARCH_BODY },
    { NULL }
};
static const itsm_search_t problem_search = { .fields = problem_search_fields };
static const itsm_suggest_t problem_suggest = {
    .for_kinds = (const char *const[]){ "case", "incident", NULL },
    .only_field = "knownError",
    .limit = 3,
};

static const itsm_kind_t problem_kind = {
    .kind = "problem",
    .collection = "problems",
    .element = "problem",
    .prefix = "PRB",
    .fields = problem_fields,
    .actions = problem_actions,
    .initial_state = "new",
    .final_states = problem_finished,
    .frozen_states = problem_finished,  /* closed or cancelled: not changed any more */
    .followers = ITSM_FOLLOW_RAISER | ITSM_FOLLOW_ASSIGNEE | ITSM_FOLLOW_GROUP,
    .clocks = clocks,
    .escalate_role = "problem-manager",
    .create = problem_create,
    .update = problem_update,
    .action = problem_action,
    .link_rules = problem_links,
    .linked = problem_linked,
    .search = &problem_search,
    .suggest = &problem_suggest,
};

static const itsm_kind_t *const kinds[] = { &problem_kind, NULL };

static const itsm_process_t problem_process = {
    ITSM_PROCESS_ABI,
    .name = "problem",
    .module = NULL,
    .schema = "itsm-problem.xsd",
    .stylesheet = "itsm-problem.xsl",
    .kinds = kinds,
};

ITSM_PROCESS_MODULE(problem, problem_process);
