/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Incident management rules (LLSD 4, 6, 7; CPSD; Forum deck): priority from impact and
 * urgency, the incident and case state machines, SLA pauses and stops, major-incident
 * communications timing and the cross-party hold. Pure functions over the generic ticket. */
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "itsm_codec.h"
#include "incident.h"

#define HTTP_FORBIDDEN 403
#define HTTP_CONFLICT 409
#define HTTP_UNPROCESSABLE 422

/* Who works a case, its assignee and resolver group, is the desk's to say (triage and
 * routing): those not granted this action on cases (a participant raising or following up
 * their case) leave both as they are, so that they neither hand a case to another party's
 * person nor learn the directory's logins and groups from the answers (the core checks that
 * a named person or group exists after the process's callback). */
#define CASE_ASSIGN_ACTION "triage"

/* An incident's assignee and group are given by its assign action's holders (the desk and
 * incident management, LLSD 7.3); its assignee and group members, who may update and work
 * it by relation, do not hand it on in a PATCH or another action's document. */
#define INCIDENT_ASSIGN_ACTION "assign"

static const char *const levels[] = { "high", "medium", "low" };

void incident_conf_defaults(incident_conf_t *conf)
{
    static const char *const llsd[3][3] = {
        /* impact:  high   medium  low      urgency: */
        { "P1", "P2", "P3" },                   /* high */
        { "P2", "P3", "P4" },                   /* medium */
        { "P3", "P4", "P4" },                   /* low */
    };
    int u, i;

    for (u = 0; u < 3; u++)
        for (i = 0; i < 3; i++)
            conf->matrix[u][i] = llsd[u][i];
    conf->reopen_days = 10;
    conf->first_notice_min = 30;
    conf->update_min_p1 = 120;
    conf->update_min_p2 = 240;
    conf->review_days = 7;
}

int incident_level(const char *name)
{
    int i;

    for (i = 0; name && i < 3; i++)
        if (strcmp(name, levels[i]) == 0)
            return i;
    return -1;
}

const char *incident_priority(const incident_conf_t *conf, const char *impact, const char *urgency)
{
    int i = incident_level(impact), u = incident_level(urgency);

    return i < 0 || u < 0 ? NULL : conf->matrix[u][i];
}

static const char *get(const itsm_ticket_t *t, const char *name)
{
    return apr_table_get(t->fields, name);
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int in_state_name(const char *state, const char *const *states)
{
    for (; *states; states++)
        if (strcmp(state, *states) == 0)
            return 1;
    return 0;
}

static int in_state(const itsm_ticket_t *t, const char *const *states)
{
    return in_state_name(t->state, states);
}

/* Priority follows impact and urgency (LLSD 6.3); P5, the cross-party priority, is set
 * explicitly and has no SLA targets. An explicit P1-P4 must agree with the matrix. */
static int derive_priority(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                           itsm_ticket_t *t)
{
    const char *derived = incident_priority(conf, get(t, "impact"), get(t, "urgency"));
    int explicit = t->priority && (old == NULL || !same(old->priority, t->priority));

    if (t->priority && strcmp(t->priority, "P5") == 0
        && (explicit || (old && same(old->priority, "P5"))))
        return 0;
    if (explicit && !same(t->priority, derived))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "priority %s does not follow from impact %s and urgency %s "
                              "(%s); give P5 for cross-party work or change impact/urgency",
                              t->priority, get(t, "impact") ? get(t, "impact") : "(none)",
                              get(t, "urgency") ? get(t, "urgency") : "(none)",
                              derived ? derived : "no priority");
    t->priority = derived;
    return 0;
}

static int refuse(itsm_call_t *c, const char *action, const itsm_ticket_t *t)
{
    return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                          "'%s' is not allowed from state '%s'", action, t->state);
}

/* The other party's part is still open: the ticket waits for it (CPSD). */
static int external_open(const itsm_ticket_t *t)
{
    return get(t, "externalDesk") && !same(get(t, "externalState"), "resolved");
}

static int check_external(itsm_call_t *c, itsm_ticket_t *t)
{
    if ((get(t, "externalReference") || get(t, "externalState")) && !get(t, "externalDesk"))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "<externalReference> and <externalState> need an <externalDesk>");
    if (get(t, "externalDesk") && !itsm_call_desk_known(c, get(t, "externalDesk")))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "%s is not in the directory of desks (GET /itsm/desks)",
                              get(t, "externalDesk"));
    if (get(t, "externalDesk") && !get(t, "externalState"))
        apr_table_set(t->fields, "externalState", "open");
    return 0;
}

static int reopen_window(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old)
{
    apr_time_t resolved = itsm_ticket_time(old, "resolved");

    if (resolved && c->now - resolved > apr_time_from_sec((apr_int64_t)conf->reopen_days * 86400))
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "the reopen window of %d days after resolution has passed",
                              conf->reopen_days);
    return 0;
}

/* Reopened: the resolution clock runs again, the time it spent resolved not counting. */
static void reopen_clocks(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    apr_time_t resolved = itsm_ticket_time(old, "resolved");

    if (resolved) {
        itsm_ticket_pause(c->pool, t, resolved);
        itsm_ticket_resume(c->pool, t, c->now);
    }
    apr_table_unset(t->fields, "resolved");
    itsm_ticket_clock_restart(t, "resolution");
}

/* Waiting for the raiser (an incident's await-info, a case's request-info, an import in that
 * state): the clocks pause, and asking is a response, so the response clock stops for good;
 * resuming later restarts only the pause, never the response clock. */
static void await_info(itsm_call_t *c, itsm_ticket_t *t)
{
    t->state = "awaiting-info";
    itsm_ticket_pause(c->pool, t, c->now);
    itsm_ticket_clock_stop(c->pool, t, "response", c->now);
}

/* The ticket is finished: pauses end, clocks stop, the resolution time is kept. */
static void finish(itsm_call_t *c, itsm_ticket_t *t)
{
    itsm_ticket_resume(c->pool, t, c->now);
    itsm_ticket_clock_stop(c->pool, t, "response", c->now);
    itsm_ticket_clock_stop(c->pool, t, "resolution", c->now);
    itsm_ticket_set_time(c->pool, t, "resolved", c->now);
}

/* The ticket withdrawn (cancelled, or imported so): the clocks still running end as
 * cancelled, neither met nor missed (a response given before counts as it was). */
static void withdraw(itsm_call_t *c, itsm_ticket_t *t)
{
    itsm_ticket_clock_cancel(c->pool, t, "response", c->now);
    itsm_ticket_clock_cancel(c->pool, t, "resolution", c->now);
    finish(c, t);
}

/* An import may bring the state the ticket had in the old tool: it must be one of ours;
 * a finished one stops the clocks at the import (a cancelled one as cancelled). */
static int imported_state(itsm_call_t *c, itsm_ticket_t *t, const char *const *states,
                          const char *const *finished)
{
    if (t->state == NULL) {
        t->state = "new";
        return 0;
    }
    if (!in_state(t, states))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "'%s' is not a state of this kind", t->state);
    if (strcmp(t->state, "cancelled") == 0)
        withdraw(c, t);
    else if (in_state(t, finished))
        finish(c, t);
    else if (strcmp(t->state, "awaiting-info") == 0)
        await_info(c, t);
    return 0;
}

static const char *const incident_states[] = {
    "new", "assigned", "in-progress", "awaiting-info", "resolved", "closed", "cancelled", NULL
};
const char *const incident_finished[] = { "resolved", "closed", "cancelled", NULL };
static const char *const case_states[] = {
    "new", "in-triage", "awaiting-info", "routed", "closed", NULL
};
const char *const case_finished[] = { "closed", NULL };
const char *const review_action_finished[] = { "done", NULL };

/* ---- incidents ------------------------------------------------------------------------- */

/* Who works a ticket, its assignee and resolver group, is for the holders of one grant
 * on its kind (a case's: CASE_ASSIGN_ACTION; an incident's: INCIDENT_ASSIGN_ACTION). A
 * caller who may update the ticket by relation (its assignee, a member of its group) or
 * by another role leaves both as they are: otherwise an assignee could hand the work on
 * with a PATCH that the role table keeps for the desk. */
static int assignment(itsm_call_t *c, const char *kind, const char *grant,
                      const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    static const char *const worked_by[] = { "assignee", "group", NULL };
    int incident = strcmp(kind, "incident") == 0;

    if (itsm_call_keeps(c, kind, grant, old, t, worked_by))
        return 0;
    return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                          "<assignee> and <group> of %s are set by the service desk%s (those "
                          "granted %s on %ss)", incident ? "an incident" : "a case",
                          incident ? " and incident management" : "", grant, kind);
}

/* The post-incident review's text is what publish-review records (docs/incident.md): a
 * create (but an import's), a PATCH or another action's document that would change it is
 * refused, before or after it is published, as a problem's texts are refused outside their
 * actions. */
static int review_by_its_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                                const itsm_ticket_t *t)
{
    if ((action && strcmp(action, "publish-review") == 0) || itsm_ticket_same(old, t, "review"))
        return 0;
    return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                          "<review> is recorded with the action publish-review");
}

int incident_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t)
{
    int rc;

    if ((rc = assignment(c, "incident", INCIDENT_ASSIGN_ACTION, NULL, t)) != 0
        || (!c->importing && (rc = review_by_its_action(c, NULL, NULL, t)) != 0)
        || (rc = imported_state(c, t, incident_states, incident_finished)) != 0)
        return rc;
    if ((rc = derive_priority(c, conf, NULL, t)) != 0 || (rc = check_external(c, t)) != 0)
        return rc;
    return 0;
}

/* A text the action into old's state required (resolve: a resolution; complete: an
 * outcome) stays while the ticket is in states: an update may change it, not take it out
 * (a PATCH's empty element), or the ticket would stand resolved on nothing. */
static int keeps(itsm_call_t *c, const itsm_ticket_t *old, const itsm_ticket_t *t,
                 const char *const *states, const char *field, const char *what)
{
    const char *was = apr_table_get(old->fields, field), *now = apr_table_get(t->fields, field);

    if (!in_state(old, states) || was == NULL || itsm_text_blank(was)
        || (now && !itsm_text_blank(now)))
        return 0;
    return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                          "a %s %s keeps its <%s>: change it, or reopen the %s to take it "
                          "out", old->state, what, field, what);
}

/* A major incident raised to P1 between two notices: its next notice is due at the P1
 * rate from the last one when that is sooner (a P2's four hours would otherwise stand
 * until the next notice). Only a due time the last notice set (last + the P2 rate): before
 * the first notice, and after a reopening (its 30 minutes from the reopening; the last
 * notice is of before the resolution), the due time stands, and so it does for a lowered
 * priority (the next notice takes the new rate). Told by the value: a reopening to the second
 * at which its 30 minutes end where the last notice's P2 rate would is taken as the notice's,
 * and a P2 rate changed since the notice (a graceful restart) leaves the due time as it is. */
static void notice_cadence(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                           itsm_ticket_t *t)
{
    apr_time_t last = itsm_ticket_time(t, "lastNotice"), due = itsm_ticket_time(t, "nextNoticeDue");
    apr_time_t p1 = last + apr_time_from_sec((apr_int64_t)conf->update_min_p1 * 60);
    apr_time_t p2 = last + apr_time_from_sec((apr_int64_t)conf->update_min_p2 * 60);

    if (itsm_ticket_bool(t, "major", 0) && last && due == p2 && same(t->priority, "P1")
        && !same(old->priority, "P1") && p1 < due)
        itsm_ticket_set_time(c->pool, t, "nextNoticeDue", p1);
}

int incident_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                    itsm_ticket_t *t)
{
    int rc;

    if (in_state(old, (const char *const[]){ "closed", "cancelled", NULL }))
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "a %s incident cannot be changed; reopen it first", old->state);
    if ((rc = assignment(c, "incident", INCIDENT_ASSIGN_ACTION, old, t)) != 0
        || (rc = review_by_its_action(c, NULL, old, t)) != 0)
        return rc;
    if ((rc = keeps(c, old, t, (const char *const[]){ "resolved", NULL }, "resolution",
                    "incident")) != 0)
        return rc;
    if ((rc = derive_priority(c, conf, old, t)) != 0 || (rc = check_external(c, t)) != 0)
        return rc;
    notice_cadence(c, conf, old, t);
    return 0;
}

static int major_notice(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t)
{
    apr_time_t due = itsm_ticket_time(t, "nextNoticeDue");
    apr_int64_t count = itsm_ticket_int(t, "noticeCount", 0);
    apr_int64_t late = itsm_ticket_int(t, "noticesLate", 0);
    int every = same(t->priority, "P1") ? conf->update_min_p1 : conf->update_min_p2;

    if (due && c->now > due)
        late++;
    itsm_ticket_set_int(c->pool, t, "noticeCount", count + 1);
    itsm_ticket_set_int(c->pool, t, "noticesLate", late);
    itsm_ticket_set_time(c->pool, t, "lastNotice", c->now);
    itsm_ticket_set_time(c->pool, t, "nextNoticeDue",
                         c->now + apr_time_from_sec((apr_int64_t)every * 60));
    return 0;
}

/* An open major incident carries the tag "major" (the banner lists it). */
static void tag_major(itsm_ticket_t *t)
{
    t->tags = itsm_ticket_bool(t, "major", 0) && !in_state(t, incident_finished) ? "major" : "";
}

static int incident_transition(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                               const itsm_ticket_t *old, itsm_ticket_t *t);

int incident_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                    const itsm_ticket_t *old, itsm_ticket_t *t)
{
    int rc = incident_transition(c, conf, action, old, t);

    if (rc == 0)
        tag_major(t);
    return rc;
}

static int incident_transition(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                               const itsm_ticket_t *old, itsm_ticket_t *t)
{
    int major = itsm_ticket_bool(old, "major", 0), rc;

    /* A closed or cancelled incident changes only by reopening (or its review being published). */
    if (in_state(old, (const char *const[]){ "closed", "cancelled", NULL })
        && strcmp(action, "reopen") != 0 && strcmp(action, "publish-review") != 0)
        return refuse(c, action, old);

    if ((rc = assignment(c, "incident", INCIDENT_ASSIGN_ACTION, old, t)) != 0
        || (rc = review_by_its_action(c, action, old, t)) != 0
        || (rc = derive_priority(c, conf, old, t)) != 0 || (rc = check_external(c, t)) != 0)
        return rc;
    notice_cadence(c, conf, old, t);
    if (strcmp(action, "assign") == 0) {
        if (!in_state(old, (const char *const[]){ "new", "assigned", "in-progress", NULL }))
            return refuse(c, action, old);
        if (!t->group && !t->assignee)
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "assign needs a <group> or an <assignee>");
        if (strcmp(old->state, "new") == 0)
            t->state = "assigned";
        itsm_ticket_clock_stop(c->pool, t, "response", c->now);
    }
    else if (strcmp(action, "start") == 0) {
        if (!in_state(old, (const char *const[]){ "new", "assigned", NULL }))
            return refuse(c, action, old);
        t->state = "in-progress";
        itsm_ticket_clock_stop(c->pool, t, "response", c->now);
    }
    else if (strcmp(action, "await-info") == 0) {
        if (!in_state(old, (const char *const[]){ "assigned", "in-progress", NULL }))
            return refuse(c, action, old);
        await_info(c, t);
    }
    else if (strcmp(action, "resume") == 0) {
        if (strcmp(old->state, "awaiting-info") != 0)
            return refuse(c, action, old);
        t->state = "in-progress";
        itsm_ticket_resume(c->pool, t, c->now);
    }
    else if (strcmp(action, "resolve") == 0) {
        if (in_state(old, incident_finished))
            return refuse(c, action, old);
        if (external_open(t))   /* the state first (409), then the input (422): dry runs */
            return itsm_call_fail(c, HTTP_CONFLICT, "external-open",
                                  "the part at %s is not resolved yet", get(t, "externalDesk"));
        if (itsm_text_blank(get(t, "resolution")))     /* white space is no resolution */
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "resolve needs a <resolution>");
        t->state = "resolved";
        finish(c, t);
        if (major || get(t, "majorDeclared"))
            itsm_ticket_set_time(c->pool, t, "reviewDue",
                     c->now + apr_time_from_sec((apr_int64_t)conf->review_days * 86400));
    }
    else if (strcmp(action, "close") == 0) {
        if (strcmp(old->state, "resolved") != 0)
            return refuse(c, action, old);
        t->state = "closed";
    }
    else if (strcmp(action, "reopen") == 0) {
        if (!in_state(old, (const char *const[]){ "resolved", "closed", NULL }))
            return refuse(c, action, old);
        if ((rc = reopen_window(c, conf, old)) != 0)
            return rc;
        t->state = "in-progress";
        reopen_clocks(c, old, t);
        /* a major incident back: its notices start again (not at the due time it had
         * before its resolution, long past) */
        if (major)
            itsm_ticket_set_time(c->pool, t, "nextNoticeDue",
                     c->now + apr_time_from_sec((apr_int64_t)conf->first_notice_min * 60));
    }
    else if (strcmp(action, "cancel") == 0) {
        if (in_state(old, incident_finished))
            return refuse(c, action, old);
        t->state = "cancelled";
        withdraw(c, t);
    }
    else if (strcmp(action, "declare-major") == 0) {
        if (in_state(old, incident_finished) || major)
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  major ? "the incident is a major incident already"
                                        : "only an open incident can be declared major");
        itsm_ticket_set_bool(t, "major", 1);
        itsm_ticket_set_time(c->pool, t, "majorDeclared", c->now);
        apr_table_unset(t->fields, "majorStoodDown");
        apr_table_set(t->fields, "noticeCount", "0");
        apr_table_set(t->fields, "noticesLate", "0");
        apr_table_unset(t->fields, "lastNotice");
        itsm_ticket_set_time(c->pool, t, "nextNoticeDue",
                 c->now + apr_time_from_sec((apr_int64_t)conf->first_notice_min * 60));
    }
    else if (strcmp(action, "stand-down") == 0) {
        if (!major)
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "the incident is not a major incident");
        itsm_ticket_set_bool(t, "major", 0);
        itsm_ticket_set_time(c->pool, t, "majorStoodDown", c->now);
        apr_table_unset(t->fields, "nextNoticeDue");
    }
    else if (strcmp(action, "publish-review") == 0) {
        if (!in_state(old, (const char *const[]){ "resolved", "closed", NULL }) || !get(old, "reviewDue"))
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "a post-incident review is published for a resolved major incident");
        if (get(old, "reviewPublished"))
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "the post-incident review is published already");
        if (itsm_text_blank(get(t, "review")))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "publish-review needs the <review>");
        itsm_ticket_set_time(c->pool, t, "reviewPublished", c->now);
        itsm_ticket_set_bool(t, "reviewLate", c->now > itsm_ticket_time(old, "reviewDue"));
    }
    else if (strcmp(action, "notice") == 0) {
        if (!major)
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "notices are sent for major incidents only");
        return major_notice(c, conf, t);
    }
    else {
        return itsm_call_fail(c, 404, "not-found", "no action '%s'", action);
    }
    return 0;
}

/* ---- cases ----------------------------------------------------------------------------- */

/* A case's priority is triage's (docs/incident.md): the raiser states impact and urgency when
 * raising it and recommends a priority (recommendedPriority); the priority itself, and impact
 * and urgency once the case is raised, are set by those granted triage. Without the rule a
 * participant could lower a triaged P1 or drop its targets with P5. */
static int priority_by_triage(itsm_call_t *c, const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    static const char *const raised[] = { "priority", NULL };
    static const char *const triaged[] = { "priority", "impact", "urgency", NULL };

    if (itsm_call_keeps(c, "case", CASE_ASSIGN_ACTION, old, t, old ? triaged : raised))
        return 0;
    return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                          old ? "<priority>, <impact> and <urgency> of a raised case are set by "
                                "the service desk (those granted triage on cases)"
                              : "<priority> of a case is set by the service desk's triage "
                                "(those granted triage on cases): recommend one with "
                                "<recommendedPriority>");
}

int case_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t)
{
    int rc;

    if ((rc = assignment(c, "case", CASE_ASSIGN_ACTION, NULL, t)) != 0
        || (rc = priority_by_triage(c, NULL, t)) != 0)
        return rc;
    if ((rc = imported_state(c, t, case_states, case_finished)) != 0)
        return rc;
    if ((t->priority || get(t, "impact") || get(t, "urgency"))
        && (rc = derive_priority(c, conf, NULL, t)) != 0)
        return rc;
    return check_external(c, t);
}

/* A raised case's priority: triage's to change (priority_by_triage), derived again from
 * what the change names. */
static int case_priority(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                         itsm_ticket_t *t)
{
    if (priority_by_triage(c, old, t))
        return c->status;
    if (!same(old->priority, t->priority) || !same(get(old, "impact"), get(t, "impact"))
        || !same(get(old, "urgency"), get(t, "urgency")))
        return derive_priority(c, conf, old, t) ? c->status : 0;
    return 0;
}

int case_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                itsm_ticket_t *t)
{
    if (strcmp(old->state, "closed") == 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "a closed case cannot be changed; reopen it first");
    if (assignment(c, "case", CASE_ASSIGN_ACTION, old, t) || case_priority(c, conf, old, t))
        return c->status;
    return check_external(c, t);
}

/* What a reopen's document may change of a closed case: its assignment and priority, as a
 * PATCH's. */
static int reopen_rules(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                        itsm_ticket_t *t)
{
    return assignment(c, "case", CASE_ASSIGN_ACTION, old, t)
           || case_priority(c, conf, old, t) ? c->status : 0;
}

int case_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                const itsm_ticket_t *old, itsm_ticket_t *t)
{
    int rc;

    /* every action's document is checked as an update is; reopen's, which may change a
     * closed case, for its assignment and priority (a participant reopens her case) */
    if ((rc = strcmp(action, "reopen") == 0 ? reopen_rules(c, conf, old, t)
                                            : case_update(c, conf, old, t)) != 0)
        return rc;
    if (strcmp(action, "triage") == 0) {
        if (!in_state(old, (const char *const[]){ "new", "in-triage", NULL }))
            return refuse(c, action, old);
        t->state = "in-triage";
        itsm_ticket_clock_stop(c->pool, t, "response", c->now);
    }
    else if (strcmp(action, "request-info") == 0) {
        if (!in_state(old, (const char *const[]){ "new", "in-triage", NULL }))
            return refuse(c, action, old);
        await_info(c, t);
    }
    else if (strcmp(action, "provide-info") == 0) {
        if (strcmp(old->state, "awaiting-info") != 0)
            return refuse(c, action, old);
        t->state = "in-triage";
        itsm_ticket_resume(c->pool, t, c->now);
    }
    else if (strcmp(action, "route") == 0) {
        const char *route = get(t, "route");

        if (strcmp(old->state, "in-triage") != 0)
            return refuse(c, action, old);
        if (route == NULL)
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "route needs a <route>: incident, request, group, guidance or external");
        if (strcmp(route, "external") == 0 && !get(t, "externalDesk"))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "routing to another party's desk needs an <externalDesk>");
        if (strcmp(route, "group") == 0 && !t->group)
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "routing to a resolver group needs a <group>");
        if (strcmp(route, "guidance") == 0 && itsm_text_blank(get(t, "guidance"))
            && !get(t, "article"))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "closing with guidance needs an <article> or a <guidance>");
        t->state = "routed";        /* the external desk was checked by case_update */
        itsm_ticket_clock_stop(c->pool, t, "response", c->now);
    }
    else if (strcmp(action, "close") == 0) {      /* from any state: case_update refused "closed" */
        if (external_open(t))
            return itsm_call_fail(c, HTTP_CONFLICT, "external-open",
                                  "the case stays open until %s resolves its part",
                                  get(t, "externalDesk"));
        t->state = "closed";
        finish(c, t);
    }
    else if (strcmp(action, "reopen") == 0) {
        if (strcmp(old->state, "closed") != 0)
            return refuse(c, action, old);
        if ((rc = reopen_window(c, conf, old)) != 0)
            return rc;
        t->state = "in-triage";
        reopen_clocks(c, old, t);
    }
    else {
        return itsm_call_fail(c, 404, "not-found", "no action '%s'", action);
    }
    return 0;
}

const char *incident_ageing_reason(const itsm_ticket_t *t)
{
    if (external_open(t))
        return "with another party's desk";
    if (strcmp(t->state, "awaiting-info") == 0)
        return "awaiting the participant";
    if (itsm_ticket_bool(t, "major", 0))
        return "major incident in progress";
    if (strcmp(t->state, "new") == 0)
        return "not yet triaged";
    if (t->group || t->assignee)
        return "with the resolver group";
    return "with the service desk";
}

/* ---- post-incident review actions ------------------------------------------------------ */

int incident_review_action_changed(itsm_call_t *c, const itsm_ticket_t *action,
                                   const char *old_state, const itsm_ticket_t *old,
                                   itsm_ticket_t *t)
{
    apr_int64_t open = itsm_ticket_int(old, "openReviewActions", 0);
    int was_open = old_state && !in_state_name(old_state, review_action_finished);
    int is_open = !in_state(action, review_action_finished);

    itsm_ticket_set_int(c->pool, t, "openReviewActions", open + is_open - was_open);
    return 0;
}

int review_action_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t)
{
    static const char *const states[] = { "open", "done", NULL };

    if (t->state == NULL) {
        t->state = "open";
        return 0;
    }
    return imported_state(c, t, states, review_action_finished);
}

int review_action_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                         itsm_ticket_t *t)
{
    return keeps(c, old, t, review_action_finished, "outcome", "review action");
}

int review_action_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                         const itsm_ticket_t *old, itsm_ticket_t *t)
{
    if (strcmp(action, "complete") == 0) {
        if (strcmp(old->state, "open") != 0)
            return refuse(c, action, old);
        if (itsm_text_blank(get(t, "outcome")))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field", "complete needs an <outcome>");
        t->state = "done";
        itsm_ticket_set_time(c->pool, t, "completed", c->now);
        return 0;
    }
    if (strcmp(action, "reopen") == 0) {
        if (strcmp(old->state, "done") != 0)
            return refuse(c, action, old);
        t->state = "open";
        apr_table_unset(t->fields, "completed");
        return 0;
    }
    return itsm_call_fail(c, 404, "not-found", "no action '%s'", action);
}
