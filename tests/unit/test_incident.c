/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the incident rules (modules/incident/incident.c) without httpd: the priority
 * matrix (LLSD 6.3, and ITSMIncidentPriorityMatrix), every incident and case transition
 * allowed and refused, the reopen window, major-incident notices, the post-incident review,
 * the cross-party hold, review actions, ageing reasons and imports with a state. A call
 * reports through itsm_call_t what the user gets: HTTP status, error code, message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

#include "unit_main.h"
#include "itsm_codec.h"
#include "itsm_sla.h"
#include "incident.h"

#define M 60
#define H 3600
#define D 86400
#define GROUP "SDS Team (Callisto)"
static incident_conf_t llsd;

/* Every ticket is logged at T0 (Tue 17 Nov 2026 09:00Z); steps come minutes after. */
static apr_time_t T0;

static apr_time_t at(const char *rfc3339)
{
    apr_time_t t;

    assert_int_equal(itsm_time_parse(&t, rfc3339), APR_SUCCESS);
    return t;
}

static apr_time_t after(long secs)
{
    return T0 + apr_time_from_sec(secs);
}

static const char *fmt(apr_time_t t)
{
    return itsm_time_format(pool, t);
}

/* The core's desk_known service as a unit test answers it: c->core is the set of desk names
 * of the directory of desks (NULL: none configured, every desk is accepted). */
static int desk_known(const itsm_call_t *c, const char *name)
{
    apr_hash_t *desks = c->core;

    return desks == NULL || apr_hash_get(desks, name, APR_HASH_KEY_STRING) != NULL;
}

/* The caller of these tests is the desk, granted every action of cases (who may set a
 * case's assignee and group by the role table is the integration tests' to show). */
static int allows(itsm_call_t *c, const char *kind, const char *action)
{
    (void)c, (void)kind, (void)action;
    return 1;
}

static const itsm_services_t services = {
    .desk_known = desk_known,
    .allows = allows,
};

static itsm_call_t call_at(apr_time_t now)
{
    itsm_call_t c = { .pool = pool, .now = now, .svc = &services };

    return c;
}

/* Set name to value on t (NULL removes it); the common members by their element names. */
static void set(itsm_ticket_t *t, const char *name, const char *value)
{
    if (strcmp(name, "priority") == 0)
        t->priority = value;
    else if (strcmp(name, "group") == 0)
        t->group = value;
    else if (strcmp(name, "assignee") == 0)
        t->assignee = value;
    else if (value)
        apr_table_set(t->fields, name, value);
    else
        apr_table_unset(t->fields, name);
}

static void set_pairs(itsm_ticket_t *t, va_list ap)
{
    const char *name;

    while ((name = va_arg(ap, const char *)) != NULL)
        set(t, name, va_arg(ap, const char *));
}

/* A ticket as the core hands it to create: kind, state (NULL unless imported), fields as
 * name, value pairs ending with NULL. */
static itsm_ticket_t *ticket(const char *kind, const char *state, ...)
{
    itsm_ticket_t *t = apr_pcalloc(pool, sizeof *t);
    va_list ap;

    t->kind = kind;
    t->state = state;
    t->party = "ALPE";
    t->title = "Settlement run late";
    t->opened = T0;
    t->fields = apr_table_make(pool, 8);
    va_start(ap, state);
    set_pairs(t, ap);
    va_end(ap);
    return t;
}

/* The ticket of a change: old with the request's fields on it (NULL removes). */
static itsm_ticket_t *next(const itsm_ticket_t *old, ...)
{
    itsm_ticket_t *t = apr_pmemdup(pool, old, sizeof *t);
    va_list ap;

    t->fields = apr_table_copy(pool, old->fields);
    va_start(ap, old);
    set_pairs(t, ap);
    va_end(ap);
    return t;
}

static const char *field(const itsm_ticket_t *t, const char *name)
{
    return apr_table_get(t->fields, name);
}

static int do_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                     const itsm_ticket_t *old, itsm_ticket_t *t)
{
    if (strcmp(old->kind, "incident") == 0)
        return incident_action(c, conf, action, old, t);
    if (strcmp(old->kind, "case") == 0)
        return case_action(c, conf, action, old, t);
    return review_action_action(c, conf, action, old, t);
}

/* Run action on old at now, expecting success; the new ticket. */
static itsm_ticket_t *step(const incident_conf_t *conf, const itsm_ticket_t *old,
                           const char *action, apr_time_t now, itsm_ticket_t *t)
{
    itsm_call_t c = call_at(now);

    if (t == NULL)
        t = next(old, NULL);
    if (do_action(&c, conf, action, old, t) != 0)
        fail_msg("%s from %s: %d %s: %s", action, old->state, c.status, c.code, c.message);
    return t;
}

/* Run action expecting a refusal with status and code (and message containing text). */
static void refused(const incident_conf_t *conf, const itsm_ticket_t *old, const char *action,
                    apr_time_t now, itsm_ticket_t *t, int status, const char *code,
                    const char *text)
{
    itsm_call_t c = call_at(now);

    assert_int_equal(do_action(&c, conf, action, old, t ? t : next(old, NULL)), status);
    assert_int_equal(c.status, status);
    assert_string_equal(c.code, code);
    if (text && strstr(c.message, text) == NULL)
        fail_msg("%s from %s: message '%s' lacks '%s'", action, old->state, c.message, text);
}

static itsm_ticket_t *new_incident(const char *impact, const char *urgency)
{
    itsm_ticket_t *t = ticket("incident", NULL, "impact", impact, "urgency", urgency, NULL);
    itsm_call_t c = call_at(T0);

    assert_int_equal(incident_create(&c, &llsd, t), 0);
    return t;
}

static itsm_ticket_t *new_case(void)
{
    itsm_ticket_t *t = ticket("case", NULL, NULL);
    itsm_call_t c = call_at(T0);

    assert_int_equal(case_create(&c, &llsd, t), 0);
    return t;
}

/* The actions that take a new ticket to a state (a minute apart), with bodies that satisfy
 * the actions' own field rules, as a user would drive it. */
static const struct {
    const char *kind, *state, *path[3];
} paths[] = {
    { "incident", "new", { NULL } },
    { "incident", "assigned", { "assign" } },
    { "incident", "in-progress", { "start" } },
    { "incident", "awaiting-info", { "start", "await-info" } },
    { "incident", "resolved", { "start", "resolve" } },
    { "incident", "closed", { "start", "resolve", "close" } },
    { "incident", "cancelled", { "cancel" } },
    { "case", "new", { NULL } },
    { "case", "in-triage", { "triage" } },
    { "case", "awaiting-info", { "request-info" } },
    { "case", "routed", { "triage", "route" } },
    { "case", "closed", { "close" } },
};

static itsm_ticket_t *with_body(const itsm_ticket_t *old)
{
    return next(old, "group", GROUP, "resolution", "Fixed", "route", "group", NULL);
}

static itsm_ticket_t *ticket_in(const char *kind, const char *state)
{
    size_t i;
    int j;

    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        itsm_ticket_t *t;

        if (strcmp(paths[i].kind, kind) != 0 || strcmp(paths[i].state, state) != 0)
            continue;
        t = strcmp(kind, "incident") == 0 ? new_incident("medium", "medium") : new_case();
        for (j = 0; j < 3 && paths[i].path[j]; j++)
            t = step(&llsd, t, paths[i].path[j], after((j + 1) * M), with_body(t));
        assert_string_equal(t->state, state);
        return t;
    }
    fail_msg("no path to %s %s", kind, state);
    return NULL;
}

/* ---- priority ----------------------------------------------------------------------- */

static void levels(void **state)
{
    static const struct {
        const char *name;
        int level;
    } cases[] = {
        { "high", 0 }, { "medium", 1 }, { "low", 2 },
        { "High", -1 }, { "severe", -1 }, { "", -1 }, { NULL, -1 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(incident_level(cases[i].name), cases[i].level);
}

/* LLSD 6.3, cell by cell, through incident_priority and through a create. */
static void llsd_matrix(void **state)
{
    static const struct {
        const char *impact, *urgency, *priority;
    } cases[] = {
        { "high", "high", "P1" }, { "medium", "high", "P2" }, { "low", "high", "P3" },
        { "high", "medium", "P2" }, { "medium", "medium", "P3" }, { "low", "medium", "P4" },
        { "high", "low", "P3" }, { "medium", "low", "P4" }, { "low", "low", "P4" },
        { "severe", "high", NULL }, { "high", NULL, NULL }, { NULL, "low", NULL },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("  impact %s urgency %s\n", cases[i].impact, cases[i].urgency);
        if (cases[i].priority == NULL) {
            assert_null(incident_priority(&llsd, cases[i].impact, cases[i].urgency));
            continue;
        }
        assert_string_equal(incident_priority(&llsd, cases[i].impact, cases[i].urgency),
                            cases[i].priority);
        assert_string_equal(new_incident(cases[i].impact, cases[i].urgency)->priority,
                            cases[i].priority);
    }
}

/* ITSMIncidentPriorityMatrix gives nine priorities: urgency high (impact high, medium, low),
 * then urgency medium, then urgency low; mod_itsm_incident.c fills matrix[n / 3][n % 3]. */
static void custom_matrix(void **state)
{
    static const char *const directive[9] = {
        "P1", "P1", "P2",           /* urgency high */
        "P2", "P3", "P3",           /* urgency medium */
        "P4", "P4", "P4",           /* urgency low */
    };
    static const char *const impacts[] = { "high", "medium", "low" };
    incident_conf_t conf;
    itsm_ticket_t *t;
    itsm_call_t c;
    int n;

    incident_conf_defaults(&conf);
    for (n = 0; n < 9; n++)
        conf.matrix[n / 3][n % 3] = directive[n];
    for (n = 0; n < 9; n++) {
        const char *impact = impacts[n % 3], *urgency = impacts[n / 3];

        print_message("  impact %s urgency %s -> %s\n", impact, urgency, directive[n]);
        assert_string_equal(incident_priority(&conf, impact, urgency), directive[n]);
        t = ticket("incident", NULL, "impact", impact, "urgency", urgency, NULL);
        c = call_at(T0);
        assert_int_equal(incident_create(&c, &conf, t), 0);
        assert_string_equal(t->priority, directive[n]);
    }
    /* medium impact, high urgency: P1 here where the LLSD says P2 */
    t = ticket("incident", NULL, "impact", "medium", "urgency", "high", "priority", "P1", NULL);
    c = call_at(T0);
    assert_int_equal(incident_create(&c, &conf, t), 0);
    assert_string_equal(t->priority, "P1");
    t = ticket("incident", NULL, "impact", "medium", "urgency", "high", "priority", "P2", NULL);
    c = call_at(T0);
    assert_int_equal(incident_create(&c, &conf, t), 422);
    assert_string_equal(c.code, "invalid-field");
    assert_non_null(strstr(c.message, "priority P2 does not follow from impact medium and "
                                      "urgency high (P1)"));
    /* a case triaged under the custom matrix */
    {
        itsm_ticket_t *cs = new_case();

        t = step(&conf, cs, "triage", after(M), next(cs, "impact", "low", "urgency", "high", NULL));
        assert_string_equal(t->priority, "P2");
    }
}

/* An explicit priority must agree with the matrix, except P5 (cross-party, no targets). */
static void explicit_priority(void **state)
{
    static const struct {
        const char *why, *impact, *urgency, *priority;
        int status;
        const char *result;
    } cases[] = {
        { "agrees", "high", "high", "P1", 0, "P1" },
        { "derived when absent", "low", "low", NULL, 0, "P4" },
        { "P5 with any levels", "high", "high", "P5", 0, "P5" },
        { "P5 with low levels", "low", "low", "P5", 0, "P5" },
        { "contradicts the matrix", "high", "high", "P2", 422, NULL },
        { "P4 for P3", "medium", "medium", "P4", 422, NULL },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *t = ticket("incident", NULL, "impact", cases[i].impact, "urgency",
                                  cases[i].urgency, "priority", cases[i].priority, NULL);
        itsm_call_t c = call_at(T0);

        print_message("  %s\n", cases[i].why);
        assert_int_equal(incident_create(&c, &llsd, t), cases[i].status);
        if (cases[i].status) {
            assert_string_equal(c.code, "invalid-field");
            assert_non_null(strstr(c.message, "give P5 for cross-party work"));
        }
        else
            assert_string_equal(t->priority, cases[i].result);
    }
}

/* On update: a P5 stays P5 while impact and urgency change; a new explicit priority must
 * agree; changed levels re-derive an ordinary priority. */
static void priority_on_update(void **state)
{
    itsm_ticket_t *old = ticket("incident", "in-progress", "impact", "high", "urgency", "high",
                                "priority", "P5", NULL);
    itsm_ticket_t *t;
    itsm_call_t c;

    c = call_at(T0);
    assert_int_equal(incident_create(&c, &llsd, old), 0);
    assert_string_equal(old->priority, "P5");
    t = next(old, "impact", "low", NULL);
    c = call_at(after(M));
    assert_int_equal(incident_update(&c, &llsd, old, t), 0);
    assert_string_equal(t->priority, "P5");
    t = next(old, "priority", "P2", "impact", "high", "urgency", "medium", NULL);
    assert_int_equal(incident_update(&c, &llsd, old, t), 0);
    assert_string_equal(t->priority, "P2");
    old = t;
    t = next(old, "impact", "low", NULL);
    assert_int_equal(incident_update(&c, &llsd, old, t), 0);
    assert_string_equal(t->priority, "P4");
    t = next(old, "priority", "P1", NULL);
    assert_int_equal(incident_update(&c, &llsd, old, t), 422);
    assert_string_equal(c.code, "invalid-field");
    /* cases: no priority until impact and urgency are known; a lone priority is refused */
    {
        itsm_ticket_t *cs = new_case();

        assert_null(cs->priority);
        c = call_at(after(M));
        t = next(cs, "impact", "medium", "urgency", "low", NULL);
        assert_int_equal(case_update(&c, &llsd, cs, t), 0);
        assert_string_equal(t->priority, "P4");
        t = ticket("case", NULL, "priority", "P2", NULL);
        assert_int_equal(case_create(&c, &llsd, t), 422);
        assert_string_equal(c.code, "invalid-field");
        assert_non_null(strstr(c.message, "no priority"));
    }
}

/* ---- transitions ------------------------------------------------------------------------ */

typedef struct {
    const char *action, *from, *to;
    int response_stopped, paused, resolution_stopped;   /* the clocks after */
} move_t;

static const char *const incident_states[] = {
    "new", "assigned", "in-progress", "awaiting-info", "resolved", "closed", "cancelled", NULL
};
static const char *const incident_actions[] = {
    "assign", "start", "await-info", "resume", "resolve", "close", "reopen", "cancel", NULL
};

/* Every allowed move; everything else of actions x states is refused. */
static const move_t incident_moves[] = {
    { "assign", "new", "assigned", 1, 0, 0 },
    { "assign", "assigned", "assigned", 1, 0, 0 },
    { "assign", "in-progress", "in-progress", 1, 0, 0 },
    { "start", "new", "in-progress", 1, 0, 0 },
    { "start", "assigned", "in-progress", 1, 0, 0 },
    { "await-info", "assigned", "awaiting-info", 1, 1, 0 },
    { "await-info", "in-progress", "awaiting-info", 1, 1, 0 },
    { "resume", "awaiting-info", "in-progress", 1, 0, 0 },
    { "resolve", "new", "resolved", 1, 0, 1 },
    { "resolve", "assigned", "resolved", 1, 0, 1 },
    { "resolve", "in-progress", "resolved", 1, 0, 1 },
    { "resolve", "awaiting-info", "resolved", 1, 0, 1 },
    { "close", "resolved", "closed", 1, 0, 1 },
    { "reopen", "resolved", "in-progress", 1, 0, 0 },
    { "reopen", "closed", "in-progress", 1, 0, 0 },
    { "cancel", "new", "cancelled", 1, 0, 1 },
    { "cancel", "assigned", "cancelled", 1, 0, 1 },
    { "cancel", "in-progress", "cancelled", 1, 0, 1 },
    { "cancel", "awaiting-info", "cancelled", 1, 0, 1 },
    { NULL }
};

static const char *const case_states[] = {
    "new", "in-triage", "awaiting-info", "routed", "closed", NULL
};
static const char *const case_actions[] = {
    "triage", "request-info", "provide-info", "route", "close", "reopen", NULL
};

static const move_t case_moves[] = {
    { "triage", "new", "in-triage", 1, 0, 0 },
    { "triage", "in-triage", "in-triage", 1, 0, 0 },
    { "request-info", "new", "awaiting-info", 1, 1, 0 },
    { "request-info", "in-triage", "awaiting-info", 1, 1, 0 },
    { "provide-info", "awaiting-info", "in-triage", 1, 0, 0 },
    { "route", "in-triage", "routed", 1, 0, 0 },
    { "close", "new", "closed", 1, 0, 1 },
    { "close", "in-triage", "closed", 1, 0, 1 },
    { "close", "awaiting-info", "closed", 1, 0, 1 },
    { "close", "routed", "closed", 1, 0, 1 },
    { "reopen", "closed", "in-triage", 1, 0, 0 },
    { NULL }
};

static const move_t *allowed(const move_t *moves, const char *action, const char *from)
{
    for (; moves->action; moves++)
        if (strcmp(moves->action, action) == 0 && strcmp(moves->from, from) == 0)
            return moves;
    return NULL;
}

static void transition_grid(const char *kind, const char *const *states,
                            const char *const *actions, const move_t *moves,
                            const char *locked_state, const char *locked_text)
{
    const char *const *s, *const *a;
    int n_allowed = 0, n_refused = 0;

    for (s = states; *s; s++)
        for (a = actions; *a; a++) {
            const itsm_ticket_t *old = ticket_in(kind, *s);
            itsm_ticket_t *t = with_body(old);
            const move_t *m = allowed(moves, *a, *s);
            apr_time_t now = after(H);

            print_message("  %s %s from %s: %s\n", kind, *a, *s, m ? m->to : "refused");
            if (m == NULL) {
                /* a closed ticket takes nothing but a reopen: said in its own words */
                int locked = locked_state && (strcmp(*s, locked_state) == 0
                                              || strcmp(*s, "cancelled") == 0);
                refused(&llsd, old, *a, now, t, 409, "invalid-transition",
                        locked && locked_text ? locked_text
                        : apr_psprintf(pool, "'%s' is not allowed from state '%s'", *a, *s));
                n_refused++;
                continue;
            }
            t = step(&llsd, old, *a, now, t);
            assert_string_equal(t->state, m->to);
            assert_int_equal(itsm_ticket_clock_stopped(t, "response") != 0, m->response_stopped);
            assert_int_equal(itsm_ticket_paused(t), m->paused);
            assert_int_equal(itsm_ticket_clock_stopped(t, "resolution") != 0,
                             m->resolution_stopped);
            /* finished at now; reopened: no resolution time any more */
            if (m->resolution_stopped && !itsm_ticket_clock_stopped(old, "resolution")) {
                assert_string_equal(field(t, "resolved"), fmt(now));
                assert_int_equal(itsm_ticket_clock_stopped(t, "resolution"), now);
            }
            if (strcmp(*a, "reopen") == 0)
                assert_null(field(t, "resolved"));
            n_allowed++;
        }
    print_message("  %s: %d allowed, %d refused\n", kind, n_allowed, n_refused);
    for (; moves->action; moves++)
        n_allowed--;
    assert_int_equal(n_allowed, 0);     /* every row of the table was reached */
}

static void incident_transitions(void **state)
{
    transition_grid("incident", incident_states, incident_actions, incident_moves, NULL, NULL);
}

static void case_transitions(void **state)
{
    transition_grid("case", case_states, case_actions, case_moves, "closed",
                    "a closed case cannot be changed; reopen it first");
}

static void unknown_action(void **state)
{
    static const char *const kinds[] = { "incident", "case", "review-action" };
    size_t i;

    for (i = 0; i < 3; i++) {
        itsm_ticket_t *old = strcmp(kinds[i], "review-action") == 0
            ? ticket("review-action", "open", "incident", "INC0000001", NULL)
            : ticket_in(kinds[i], "new");

        refused(&llsd, old, "escalate", after(M), NULL, 404, "not-found", "no action 'escalate'");
    }
}

/* A closed or cancelled incident, a closed case: no change but by reopening. */
static void finished_tickets_are_locked(void **state)
{
    static const char *const states[] = { "closed", "cancelled" };
    itsm_ticket_t *old, *t;
    itsm_call_t c;
    size_t i;

    for (i = 0; i < 2; i++) {
        old = ticket_in("incident", states[i]);
        t = next(old, "category", "Network", NULL);
        c = call_at(after(H));
        assert_int_equal(incident_update(&c, &llsd, old, t), 409);
        assert_string_equal(c.code, "invalid-transition");
        assert_non_null(strstr(c.message, apr_psprintf(pool, "a %s incident cannot be changed",
                                                       states[i])));
    }
    old = ticket_in("incident", "resolved");
    t = next(old, "category", "Network", NULL);
    c = call_at(after(H));
    assert_int_equal(incident_update(&c, &llsd, old, t), 0);
    old = ticket_in("case", "closed");
    t = next(old, "category", "Registration", NULL);
    assert_int_equal(case_update(&c, &llsd, old, t), 409);
    assert_string_equal(c.code, "invalid-transition");
}

/* The actions' own field rules: 422 invalid-field, whatever the state allows. */
static void action_fields(void **state)
{
    static const struct {
        const char *kind, *from, *action, *why, *text;
        const char *set[6];             /* name, value pairs on the request (NULL removes) */
    } cases[] = {
        { "incident", "new", "assign", "no group, no assignee", "<group> or an <assignee>",
          { "group", NULL } },
        { "incident", "in-progress", "resolve", "no resolution", "needs a <resolution>",
          { "resolution", NULL } },
        { "case", "in-triage", "route", "no route", "route needs a <route>", { "route", NULL } },
        { "case", "in-triage", "route", "external without desk", "needs an <externalDesk>",
          { "route", "external" } },
        { "case", "in-triage", "route", "group without group", "needs a <group>",
          { "route", "group", "group", NULL } },
        { "case", "in-triage", "route", "guidance without article", "an <article> or a <guidance>",
          { "route", "guidance" } },
        { "incident", "new", "assign", "reference without desk", "need an <externalDesk>",
          { "externalReference", "EXT-1" } },
        { "case", "new", "triage", "state without desk", "need an <externalDesk>",
          { "externalState", "resolved" } },
    };
    size_t i;
    int j;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *old = ticket_in(cases[i].kind, cases[i].from);
        itsm_ticket_t *t = with_body(old);

        print_message("  %s %s: %s\n", cases[i].kind, cases[i].action, cases[i].why);
        for (j = 0; j < 6 && cases[i].set[j]; j += 2)
            set(t, cases[i].set[j], cases[i].set[j + 1]);
        refused(&llsd, old, cases[i].action, after(H), t, 422, "invalid-field", cases[i].text);
    }
    /* the rules met: an assignee alone assigns; guidance with an article routes */
    {
        itsm_ticket_t *old = ticket_in("incident", "new");
        itsm_ticket_t *t = step(&llsd, old, "assign", after(H),
                                next(old, "assignee", "res1", NULL));

        assert_string_equal(t->state, "assigned");
        old = ticket_in("case", "in-triage");
        t = step(&llsd, old, "route", after(H),
                 next(old, "route", "guidance", "guidance", "KB0000012", NULL));
        assert_string_equal(t->state, "routed");
    }
}

/* ---- reopen window ---------------------------------------------------------------------- */

static void reopen_window(void **state)
{
    static const struct {
        const char *kind, *from;
        int days;                       /* the window (ITSMIncidentReopenDays) */
        long since;                     /* seconds since resolution */
        int ok;
    } cases[] = {
        { "incident", "resolved", 10, 10L * D, 1 },
        { "incident", "resolved", 10, 10L * D + 1, 0 },
        { "incident", "closed", 10, 10L * D, 1 },
        { "incident", "closed", 10, 10L * D + 1, 0 },
        { "incident", "resolved", 3, 3L * D, 1 },
        { "incident", "resolved", 3, 3L * D + 1, 0 },
        { "incident", "resolved", 3, 1, 1 },
        { "case", "closed", 10, 10L * D, 1 },
        { "case", "closed", 10, 10L * D + 1, 0 },
        { "case", "closed", 1, D, 1 },
        { "case", "closed", 1, D + 1, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *old = ticket_in(cases[i].kind, cases[i].from);
        apr_time_t resolved = itsm_ticket_clock_stopped(old, "resolution");
        apr_time_t now = resolved + apr_time_from_sec(cases[i].since);
        incident_conf_t conf = llsd;

        print_message("  %s %s, window %d days, %ld s after\n", cases[i].kind, cases[i].from,
                      cases[i].days, cases[i].since);
        assert_string_equal(field(old, "resolved"), fmt(resolved));
        conf.reopen_days = cases[i].days;
        if (cases[i].ok) {
            itsm_ticket_t *t = step(&conf, old, "reopen", now, NULL);

            assert_string_equal(t->state, strcmp(cases[i].kind, "case") == 0 ? "in-triage"
                                                                              : "in-progress");
        }
        else
            refused(&conf, old, "reopen", now, NULL, 409, "invalid-transition",
                    apr_psprintf(pool, "reopen window of %d days", cases[i].days));
    }
}

/* Reopened: the resolution clock runs again from its history, the time spent resolved
 * counted as a pause; the response stays met. Evaluated on a 24x7 calendar. */
static const char *clock_status(const itsm_ticket_t *t, const char *clock, long target,
                                apr_time_t now, apr_time_t *due)
{
    itsm_sla_clock_t ck = { 0 };
    itsm_sla_eval_t e;
    itsm_sla_pause_t *pauses;
    apr_time_t *from, *to;
    int i, n = itsm_codec_pauses_decode(pool, field(t, "sla.pauses"), &from, &to);

    pauses = apr_pcalloc(pool, sizeof *pauses * (n ? n : 1));
    for (i = 0; i < n; i++) {
        pauses[i].from = from[i];
        pauses[i].to = to[i];
    }
    ck.start = t->opened;
    ck.target = apr_time_from_sec(target);
    ck.calendar = itsm_calendar_make_24x7(pool, "24x7");
    ck.pauses = pauses;
    ck.npauses = n;
    ck.stop = itsm_ticket_clock_stopped(t, clock);
    itsm_sla_evaluate(&e, &ck, now);
    if (due)
        *due = e.due;
    return e.status_name;
}

static void reopen_clocks(void **state)
{
    itsm_ticket_t *old = ticket_in("incident", "resolved");     /* started T0+1m, resolved +2m */
    apr_time_t resolved = after(2 * M), reopened = after(5 * H), due;
    itsm_ticket_t *t = step(&llsd, old, "reopen", reopened, NULL);
    apr_time_t *from, *to;

    assert_int_equal(itsm_codec_pauses_decode(pool, field(t, "sla.pauses"), &from, &to), 1);
    assert_int_equal(from[0], resolved);
    assert_int_equal(to[0], reopened);
    assert_false(itsm_ticket_paused(t));
    assert_int_equal(itsm_ticket_clock_stopped(t, "response"), after(M));
    assert_int_equal(itsm_ticket_clock_stopped(t, "resolution"), 0);
    assert_null(field(t, "resolved"));
    /* a P1-like 6 h resolution target: 2 min ran before, the rest after the reopen */
    assert_string_equal(clock_status(t, "resolution", 6 * H, after(6 * H), &due), "in-sla");
    assert_int_equal(due, reopened + apr_time_from_sec(6 * H - 2 * M));
    assert_string_equal(clock_status(t, "response", 15 * M, after(6 * H), NULL), "met");
    /* resolved again: a new resolution time */
    t = step(&llsd, t, "resolve", after(6 * H), next(t, "resolution", "Fixed again", NULL));
    assert_string_equal(field(t, "resolved"), fmt(after(6 * H)));
}

/* ---- awaiting info ---------------------------------------------------------------------- */

/* The three ways into awaiting-info and out again: the clocks pause, the response clock
 * stops where the wait began and stays stopped once the wait ends. */
static void awaiting_info(void **state)
{
    static const struct {
        const char *why, *kind, *from, *enter, *leave, *back;
    } cases[] = {
        { "incident await-info", "incident", "in-progress", "await-info", "resume",
          "in-progress" },
        { "incident await-info from assigned", "incident", "assigned", "await-info", "resume",
          "in-progress" },
        { "case request-info", "case", "new", "request-info", "provide-info", "in-triage" },
        { "case request-info after triage", "case", "in-triage", "request-info",
          "provide-info", "in-triage" },
        { "incident imported awaiting-info", "incident", NULL, NULL, "resume", "in-progress" },
        { "case imported awaiting-info", "case", NULL, NULL, "provide-info", "in-triage" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        apr_time_t entered = after(10 * M), left = after(3 * H), due;
        itsm_ticket_t *t, *old;
        apr_time_t *from, *to;

        print_message("  %s\n", cases[i].why);
        if (cases[i].from) {
            old = ticket_in(cases[i].kind, cases[i].from);
            t = step(&llsd, old, cases[i].enter, entered, NULL);
        }
        else {
            /* a migration import: logged at T0 in the old tool, imported when waiting */
            itsm_call_t c = call_at(entered);

            c.importing = 1;
            t = ticket(cases[i].kind, "awaiting-info", "impact", "high", "urgency", "high", NULL);
            assert_int_equal(strcmp(cases[i].kind, "case") == 0 ? case_create(&c, &llsd, t)
                                                                : incident_create(&c, &llsd, t),
                             0);
        }
        assert_string_equal(t->state, "awaiting-info");
        assert_true(itsm_ticket_paused(t));
        assert_int_equal(itsm_ticket_clock_stopped(t, "response"),
                         cases[i].from && strcmp(cases[i].from, "new") != 0
                         ? after(M) : entered);
        assert_int_equal(itsm_ticket_clock_stopped(t, "resolution"), 0);
        assert_string_equal(incident_ageing_reason(t), "awaiting the participant");

        old = t;
        t = step(&llsd, old, cases[i].leave, left, NULL);
        assert_string_equal(t->state, cases[i].back);
        assert_false(itsm_ticket_paused(t));
        assert_int_equal(itsm_ticket_clock_stopped(t, "response"),
                         itsm_ticket_clock_stopped(old, "response"));
        assert_int_equal(itsm_ticket_clock_stopped(t, "resolution"), 0);
        assert_int_equal(itsm_codec_pauses_decode(pool, field(t, "sla.pauses"), &from, &to), 1);
        assert_int_equal(from[0], entered);
        assert_int_equal(to[0], left);
        /* what the <sla> shows hours later (P1 targets, 24x7): the response met, the
         * resolution due later by the wait */
        assert_string_equal(clock_status(t, "response", 15 * M, after(5 * H), NULL), "met");
        assert_string_equal(clock_status(t, "resolution", 6 * H, after(5 * H), &due), "in-sla");
        assert_int_equal(due, after(6 * H) + (left - entered));
    }
}

/* ---- imports with a state --------------------------------------------------------------- */

static void import_states(void **state)
{
    static const struct {
        const char *kind, *state;
        int status;
        int stopped;                    /* both clocks stopped and resolved set at the import */
    } cases[] = {
        { "incident", NULL, 0, 0 },
        { "incident", "new", 0, 0 },
        { "incident", "assigned", 0, 0 },
        { "incident", "in-progress", 0, 0 },
        { "incident", "resolved", 0, 1 },
        { "incident", "closed", 0, 1 },
        { "incident", "cancelled", 0, 1 },
        { "incident", "routed", 422, 0 },
        { "incident", "in-triage", 422, 0 },
        { "incident", "bogus", 422, 0 },
        { "case", NULL, 0, 0 },
        { "case", "in-triage", 0, 0 },
        { "case", "routed", 0, 0 },
        { "case", "closed", 0, 1 },
        { "case", "in-progress", 422, 0 },
        { "case", "resolved", 422, 0 },
        { "review-action", NULL, 0, 0 },
        { "review-action", "open", 0, 0 },
        { "review-action", "done", 0, 1 },
        { "review-action", "closed", 422, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        apr_time_t now = after(30 * M);
        itsm_call_t c = call_at(now);
        itsm_ticket_t *t = ticket(cases[i].kind, cases[i].state, "impact", "low", "urgency",
                                  "low", "resolution", "old tool", "incident", "INC0000001",
                                  NULL);
        int rc;

        print_message("  %s imported %s\n", cases[i].kind, cases[i].state);
        c.importing = 1;
        rc = strcmp(cases[i].kind, "incident") == 0 ? incident_create(&c, &llsd, t)
            : strcmp(cases[i].kind, "case") == 0 ? case_create(&c, &llsd, t)
            : review_action_create(&c, &llsd, t);
        assert_int_equal(rc, cases[i].status);
        if (rc) {
            assert_string_equal(c.code, "invalid-field");
            assert_non_null(strstr(c.message, apr_psprintf(pool, "'%s' is not a state of this kind",
                                                           cases[i].state)));
            continue;
        }
        assert_string_equal(t->state, cases[i].state ? cases[i].state
                            : strcmp(cases[i].kind, "review-action") == 0 ? "open" : "new");
        if (strcmp(cases[i].kind, "review-action") == 0)
            continue;                   /* no clocks */
        assert_false(itsm_ticket_paused(t));
        assert_int_equal(itsm_ticket_clock_stopped(t, "response"), cases[i].stopped ? now : 0);
        assert_int_equal(itsm_ticket_clock_stopped(t, "resolution"), cases[i].stopped ? now : 0);
        if (cases[i].stopped)
            assert_string_equal(field(t, "resolved"), fmt(now));
        else
            assert_null(field(t, "resolved"));
    }
}

/* ---- major incidents --------------------------------------------------------------------- */

/* Declared, then notices on time, at the due instant, and late, by priority and with the
 * directives' values. */
static void major_notices(void **state)
{
    static const struct {
        const char *impact, *urgency, *priority;
        int first, p1, p2;              /* the conf; 0 keeps the LLSD default */
        long every;                     /* expected interval of updates, seconds */
    } cases[] = {
        { "high", "high", "P1", 0, 0, 0, 2 * H },
        { "high", "medium", "P2", 0, 0, 0, 4 * H },
        { "medium", "medium", "P3", 0, 0, 0, 4 * H },
        { "high", "high", "P1", 10, 60, 90, 1 * H },
        { "medium", "high", "P2", 10, 60, 90, 90 * M },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        incident_conf_t conf = llsd;
        itsm_ticket_t *t = new_incident(cases[i].impact, cases[i].urgency);
        apr_time_t declared = after(5 * M), first, second, third;
        long first_after;

        print_message("  %s first %d p1 %d p2 %d\n", cases[i].priority, cases[i].first,
                      cases[i].p1, cases[i].p2);
        if (cases[i].first) {
            conf.first_notice_min = cases[i].first;
            conf.update_min_p1 = cases[i].p1;
            conf.update_min_p2 = cases[i].p2;
        }
        first_after = (long)conf.first_notice_min * M;
        assert_string_equal(t->priority, cases[i].priority);
        t = step(&conf, t, "start", after(M), NULL);
        assert_string_equal(t->tags, "");
        t = step(&conf, t, "declare-major", declared, NULL);
        assert_string_equal(t->state, "in-progress");
        assert_string_equal(field(t, "major"), "true");
        assert_string_equal(t->tags, "major");
        assert_string_equal(field(t, "majorDeclared"), fmt(declared));
        assert_string_equal(field(t, "noticeCount"), "0");
        assert_string_equal(field(t, "noticesLate"), "0");
        assert_null(field(t, "lastNotice"));
        first = declared + apr_time_from_sec(first_after);
        assert_string_equal(field(t, "nextNoticeDue"), fmt(first));
        assert_string_equal(incident_ageing_reason(t), "major incident in progress");

        /* the first notice exactly when due: on time */
        t = step(&conf, t, "notice", first, NULL);
        assert_string_equal(field(t, "noticeCount"), "1");
        assert_string_equal(field(t, "noticesLate"), "0");
        assert_string_equal(field(t, "lastNotice"), fmt(first));
        second = first + apr_time_from_sec(cases[i].every);
        assert_string_equal(field(t, "nextNoticeDue"), fmt(second));
        /* the second a second late */
        t = step(&conf, t, "notice", second + apr_time_from_sec(1), NULL);
        assert_string_equal(field(t, "noticeCount"), "2");
        assert_string_equal(field(t, "noticesLate"), "1");
        third = second + apr_time_from_sec(1 + cases[i].every);
        assert_string_equal(field(t, "nextNoticeDue"), fmt(third));
        /* the third early: still one late */
        t = step(&conf, t, "notice", third - apr_time_from_sec(M), NULL);
        assert_string_equal(field(t, "noticeCount"), "3");
        assert_string_equal(field(t, "noticesLate"), "1");
        assert_string_equal(t->tags, "major");
    }
}

static void major_stand_down_and_refusals(void **state)
{
    itsm_ticket_t *t = ticket_in("incident", "in-progress"), *old;
    apr_time_t down = after(2 * H);

    refused(&llsd, t, "notice", after(H), NULL, 409, "invalid-transition",
            "notices are sent for major incidents only");
    refused(&llsd, t, "stand-down", after(H), NULL, 409, "invalid-transition",
            "not a major incident");
    t = step(&llsd, t, "declare-major", after(H), NULL);
    refused(&llsd, t, "declare-major", after(H), NULL, 409, "invalid-transition",
            "a major incident already");
    t = step(&llsd, t, "notice", after(H + 10 * M), NULL);
    t = step(&llsd, t, "stand-down", down, NULL);
    assert_string_equal(field(t, "major"), "false");
    assert_string_equal(field(t, "majorStoodDown"), fmt(down));
    assert_null(field(t, "nextNoticeDue"));
    assert_string_equal(field(t, "majorDeclared"), fmt(after(H)));
    assert_string_equal(t->tags, "");
    assert_string_equal(t->state, "in-progress");
    refused(&llsd, t, "notice", after(3 * H), NULL, 409, "invalid-transition", NULL);
    /* declared again: a fresh count */
    old = t;
    t = step(&llsd, old, "declare-major", after(4 * H), NULL);
    assert_null(field(t, "majorStoodDown"));
    assert_null(field(t, "lastNotice"));
    assert_string_equal(field(t, "noticeCount"), "0");
    assert_string_equal(field(t, "majorDeclared"), fmt(after(4 * H)));
    assert_string_equal(field(t, "nextNoticeDue"), fmt(after(4 * H + 30 * M)));
    /* only an open incident */
    {
        static const char *const finished[] = { "resolved", "closed", "cancelled" };
        size_t i;

        for (i = 0; i < 3; i++)
            refused(&llsd, ticket_in("incident", finished[i]), "declare-major", after(H), NULL,
                    409, "invalid-transition",
                    i == 0 ? "only an open incident can be declared major" : NULL);
    }
    /* resolving a major incident takes it off the banner */
    t = step(&llsd, t, "resolve", after(5 * H), next(t, "resolution", "Failed over", NULL));
    assert_string_equal(field(t, "major"), "true");
    assert_string_equal(t->tags, "");
    /* reopened: back on the banner, its notices start again (not at the due time it had
     * before its resolution) */
    t = step(&llsd, t, "reopen", after(6 * H), NULL);
    assert_string_equal(t->state, "in-progress");
    assert_string_equal(t->tags, "major");
    assert_string_equal(field(t, "nextNoticeDue"), fmt(after(6 * H + 30 * M)));
    t = step(&llsd, t, "notice", after(6 * H + 20 * M), NULL);
    assert_string_equal(field(t, "noticesLate"), "0");
}

/* ---- post-incident review ---------------------------------------------------------------- */

static void review_due(void **state)
{
    static const struct {
        const char *why;
        int declare, stand_down, days;
        long due_after;                 /* seconds after resolution; -1: no review */
    } cases[] = {
        { "major", 1, 0, 0, 7L * D },
        { "stood down before resolving", 1, 1, 0, 7L * D },
        { "never major", 0, 0, 0, -1 },
        { "ITSMReviewDays 3", 1, 0, 3, 3L * D },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        incident_conf_t conf = llsd;
        itsm_ticket_t *t = ticket_in("incident", "in-progress");
        apr_time_t resolved = after(6 * H);

        print_message("  %s\n", cases[i].why);
        if (cases[i].days)
            conf.review_days = cases[i].days;
        if (cases[i].declare)
            t = step(&conf, t, "declare-major", after(H), NULL);
        if (cases[i].stand_down)
            t = step(&conf, t, "stand-down", after(2 * H), NULL);
        t = step(&conf, t, "resolve", resolved, next(t, "resolution", "Failed over", NULL));
        if (cases[i].due_after < 0) {
            assert_null(field(t, "reviewDue"));
            refused(&conf, t, "publish-review", after(7 * H), next(t, "review", "x", NULL), 409,
                    "invalid-transition", "for a resolved major incident");
            continue;
        }
        assert_string_equal(field(t, "reviewDue"),
                            fmt(resolved + apr_time_from_sec(cases[i].due_after)));
    }
}

static void publish_review(void **state)
{
    static const struct {
        const char *why, *state;
        long when;                      /* seconds after the review was due */
        const char *late;
    } cases[] = {
        { "early", "resolved", -D, "false" },
        { "exactly when due", "resolved", 0, "false" },
        { "a second late", "resolved", 1, "true" },
        { "from closed, late", "closed", 3 * D, "true" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *t = ticket_in("incident", "in-progress"), *p;
        apr_time_t due, now;

        print_message("  %s\n", cases[i].why);
        t = step(&llsd, t, "declare-major", after(H), NULL);
        t = step(&llsd, t, "resolve", after(2 * H), next(t, "resolution", "Failed over", NULL));
        if (strcmp(cases[i].state, "closed") == 0)
            t = step(&llsd, t, "close", after(3 * H), NULL);
        assert_int_equal(itsm_time_parse(&due, field(t, "reviewDue")), APR_SUCCESS);
        now = due + apr_time_from_sec(cases[i].when);
        refused(&llsd, t, "publish-review", now, NULL, 422, "invalid-field",
                "publish-review needs the <review>");
        p = step(&llsd, t, "publish-review", now,
                 next(t, "review", "Root cause: expired certificate", NULL));
        assert_string_equal(p->state, cases[i].state);
        assert_string_equal(field(p, "reviewPublished"), fmt(now));
        assert_string_equal(field(p, "reviewLate"), cases[i].late);
        refused(&llsd, p, "publish-review", now, next(p, "review", "again", NULL), 409,
                "invalid-transition", "published already");
    }
    /* an open major incident has no review yet; a cancelled one never */
    {
        itsm_ticket_t *t = step(&llsd, ticket_in("incident", "in-progress"), "declare-major",
                                after(H), NULL);

        refused(&llsd, t, "publish-review", after(2 * H), next(t, "review", "early", NULL), 409,
                "invalid-transition", NULL);
        t = step(&llsd, t, "cancel", after(2 * H), NULL);
        refused(&llsd, t, "publish-review", after(3 * H), next(t, "review", "x", NULL), 409,
                "invalid-transition", NULL);
    }
}

/* ---- cross-party hold ------------------------------------------------------------------- */

static void cross_party_hold(void **state)
{
    static const struct {
        const char *kind, *from, *action, *ext_state;
        int status;
    } cases[] = {
        { "incident", "in-progress", "resolve", "open", 409 },
        { "incident", "awaiting-info", "resolve", "open", 409 },
        { "incident", "in-progress", "resolve", "resolved", 0 },
        { "case", "routed", "close", "open", 409 },
        { "case", "new", "close", "open", 409 },
        { "case", "routed", "close", "resolved", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *old = ticket_in(cases[i].kind, cases[i].from);
        itsm_ticket_t *t = next(old, "externalDesk", "DCC Service Desk", "externalState",
                                cases[i].ext_state, "priority", "P5", "resolution", "Fixed",
                                NULL);

        print_message("  %s %s with the external part %s\n", cases[i].kind, cases[i].action,
                      cases[i].ext_state);
        if (cases[i].status) {
            refused(&llsd, old, cases[i].action, after(H), t, 409, "external-open",
                    "DCC Service Desk");
            continue;
        }
        t = step(&llsd, old, cases[i].action, after(H), t);
        assert_string_equal(t->state, strcmp(cases[i].kind, "case") == 0 ? "closed" : "resolved");
    }
    /* the hold is the ageing reason while it lasts */
    {
        itsm_ticket_t *t = ticket("case", "routed", "externalDesk", "DCC Service Desk",
                                  "externalState", "open", NULL);

        assert_string_equal(incident_ageing_reason(t), "with another party's desk");
    }
}

/* The directory of desks (ITSMDesksFile): a desk must be in it when there is one; a desk
 * given without a state is "open". */
static void external_desks(void **state)
{
    apr_hash_t *desks = apr_hash_make(pool);
    static const struct {
        const char *why, *kind, *desk;
        int directory, status;
    } cases[] = {
        { "known desk", "incident", "DCC Service Desk", 1, 0 },
        { "unknown desk", "incident", "Acme Widgets Desk", 1, 422 },
        { "any desk without a directory", "incident", "Acme Widgets Desk", 0, 0 },
        { "case, known desk", "case", "DCC Service Desk", 1, 0 },
        { "case, unknown desk", "case", "Acme Widgets Desk", 1, 422 },
    };
    size_t i;

    apr_hash_set(desks, "DCC Service Desk", APR_HASH_KEY_STRING, "service-desk");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *t = ticket(cases[i].kind, NULL, "impact", "low", "urgency", "low",
                                  "externalDesk", cases[i].desk, "externalReference", "EXT-7",
                                  NULL);
        itsm_call_t c = call_at(T0);
        int rc;

        print_message("  %s\n", cases[i].why);
        c.core = cases[i].directory ? desks : NULL;
        rc = strcmp(cases[i].kind, "case") == 0 ? case_create(&c, &llsd, t)
                                                : incident_create(&c, &llsd, t);
        assert_int_equal(rc, cases[i].status);
        if (rc) {
            assert_string_equal(c.code, "invalid-field");
            assert_non_null(strstr(c.message, cases[i].desk));
            assert_non_null(strstr(c.message, "directory of desks"));
            continue;
        }
        assert_string_equal(field(t, "externalState"), "open");
    }
    /* on an update and a route too */
    {
        itsm_ticket_t *old = ticket_in("case", "in-triage");
        itsm_call_t c = call_at(after(H));

        c.core = desks;
        assert_int_equal(case_action(&c, &llsd, "route", old,
                                     next(old, "route", "external", "externalDesk",
                                          "Acme Widgets Desk", NULL)), 422);
        assert_string_equal(c.code, "invalid-field");
        old = ticket_in("incident", "in-progress");
        c = call_at(after(H));
        c.core = desks;
        assert_int_equal(incident_update(&c, &llsd, old,
                                         next(old, "externalDesk", "Acme Widgets Desk", NULL)),
                         422);
        assert_string_equal(c.code, "invalid-field");
    }
}

/* ---- review actions --------------------------------------------------------------------- */

static void review_actions(void **state)
{
    itsm_ticket_t *t = ticket("review-action", NULL, "incident", "INC0000001", NULL), *done;
    itsm_call_t c = call_at(T0);

    assert_int_equal(review_action_create(&c, &llsd, t), 0);
    assert_string_equal(t->state, "open");
    refused(&llsd, t, "complete", after(H), NULL, 422, "invalid-field", "needs an <outcome>");
    refused(&llsd, t, "reopen", after(H), NULL, 409, "invalid-transition",
            "'reopen' is not allowed from state 'open'");
    done = step(&llsd, t, "complete", after(H), next(t, "outcome", "Renewal automated", NULL));
    assert_string_equal(done->state, "done");
    assert_string_equal(field(done, "completed"), fmt(after(H)));
    assert_string_equal(field(done, "outcome"), "Renewal automated");
    refused(&llsd, done, "complete", after(2 * H), next(done, "outcome", "again", NULL), 409,
            "invalid-transition", "'complete' is not allowed from state 'done'");
    t = step(&llsd, done, "reopen", after(3 * H), NULL);
    assert_string_equal(t->state, "open");
    assert_null(field(t, "completed"));
}

/* The incident counts its open review actions as the core tells it of each child's
 * creation and change of state. */
static void review_actions_rolled_up(void **state)
{
    static const struct {
        const char *old_state, *new_state, *before, *after;
    } cases[] = {
        { NULL, "open", NULL, "1" },            /* created */
        { NULL, "open", "2", "3" },
        { NULL, "done", "2", "2" },             /* imported as done */
        { "open", "done", "3", "2" },           /* completed */
        { "done", "open", "2", "3" },           /* reopened */
        { "open", "open", "1", "1" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *ra = ticket("review-action", cases[i].new_state, NULL);
        itsm_ticket_t *old = ticket("incident", "resolved", "openReviewActions",
                                    cases[i].before, NULL);
        itsm_ticket_t *inc = ticket("incident", "resolved", "openReviewActions",
                                    cases[i].before, NULL);
        itsm_call_t c = call_at(T0);

        print_message("  %s -> %s\n", cases[i].old_state ? cases[i].old_state : "(new)",
                      cases[i].new_state);
        assert_int_equal(incident_review_action_changed(&c, ra, cases[i].old_state, old, inc), 0);
        assert_string_equal(field(inc, "openReviewActions"), cases[i].after);
    }
}

/* ---- ageing reasons --------------------------------------------------------------------- */

static void ageing_reasons(void **state)
{
    static const struct {
        const char *kind, *state, *group, *assignee, *ext_desk, *ext_state, *major, *reason;
    } cases[] = {
        { "case", "new", NULL, NULL, NULL, NULL, NULL, "not yet triaged" },
        { "case", "new", GROUP, NULL, NULL, NULL, NULL, "not yet triaged" },
        { "case", "in-triage", NULL, NULL, NULL, NULL, NULL, "with the service desk" },
        { "case", "awaiting-info", NULL, NULL, NULL, NULL, NULL, "awaiting the participant" },
        { "case", "routed", GROUP, NULL, NULL, NULL, NULL, "with the resolver group" },
        { "case", "routed", NULL, NULL, "DCC Service Desk", "open", NULL,
          "with another party's desk" },
        { "case", "awaiting-info", NULL, NULL, "DCC Service Desk", "open", NULL,
          "with another party's desk" },
        { "case", "awaiting-info", NULL, NULL, "DCC Service Desk", "resolved", NULL,
          "awaiting the participant" },
        { "incident", "assigned", NULL, "res1", NULL, NULL, NULL, "with the resolver group" },
        { "incident", "in-progress", GROUP, NULL, NULL, NULL, "true",
          "major incident in progress" },
        { "incident", "in-progress", GROUP, NULL, NULL, NULL, "false", "with the resolver group" },
        { "incident", "in-progress", NULL, NULL, NULL, NULL, NULL, "with the service desk" },
        { "incident", "awaiting-info", NULL, NULL, NULL, NULL, "true", "awaiting the participant" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        itsm_ticket_t *t = ticket(cases[i].kind, cases[i].state, "group", cases[i].group,
                                  "assignee", cases[i].assignee, "externalDesk",
                                  cases[i].ext_desk, "externalState", cases[i].ext_state,
                                  "major", cases[i].major, NULL);

        print_message("  %s %s -> %s\n", cases[i].kind, cases[i].state, cases[i].reason);
        assert_string_equal(incident_ageing_reason(t), cases[i].reason);
    }
}

static int setup(void **state)
{
    incident_conf_defaults(&llsd);
    T0 = at("2026-11-17T09:00:00Z");
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels),
        cmocka_unit_test(llsd_matrix),
        cmocka_unit_test(custom_matrix),
        cmocka_unit_test(explicit_priority),
        cmocka_unit_test(priority_on_update),
        cmocka_unit_test(incident_transitions),
        cmocka_unit_test(case_transitions),
        cmocka_unit_test(unknown_action),
        cmocka_unit_test(finished_tickets_are_locked),
        cmocka_unit_test(action_fields),
        cmocka_unit_test(reopen_window),
        cmocka_unit_test(reopen_clocks),
        cmocka_unit_test(awaiting_info),
        cmocka_unit_test(import_states),
        cmocka_unit_test(major_notices),
        cmocka_unit_test(major_stand_down_and_refusals),
        cmocka_unit_test(review_due),
        cmocka_unit_test(publish_review),
        cmocka_unit_test(cross_party_hold),
        cmocka_unit_test(external_desks),
        cmocka_unit_test(review_actions),
        cmocka_unit_test(review_actions_rolled_up),
        cmocka_unit_test(ageing_reasons),
    };

    return itsm_unit_main(tests, setup, NULL);
}
