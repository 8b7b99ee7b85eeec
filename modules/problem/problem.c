/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Problem management rules (LLSD 8): the state machine under the RACI of LLSD 8.6, the KPI
 * clocks of LLSD 8.5 (the core starts them; the process stops them), the known-error flag,
 * the incidents linked to a problem and its workaround published to the knowledge base.
 * Pure functions over the generic ticket and the core's services. */
#include <apr_strings.h>
#include <string.h>

#include "itsm_codec.h"
#include "itsm_xml.h"
#include "problem.h"

#define HTTP_FORBIDDEN 403
#define HTTP_CONFLICT 409
#define HTTP_UNPROCESSABLE 422
#define HTTP_SERVICE_UNAVAILABLE 503

/* The incidents counted as recurrences, their numbers between spaces (problem_linked). */
#define RECURRED "problem.recurred"

const char *const problem_finished[] = { "closed", "cancelled", NULL };

static const char *get(const itsm_ticket_t *t, const char *name)
{
    const char *v = apr_table_get(t->fields, name);

    return v && *v ? v : NULL;
}

/* A step's text (root cause, workaround, solution): NULL when absent or only white space,
 * which records nothing (docs/problem.md). */
static const char *text_of(const itsm_ticket_t *t, const char *name)
{
    const char *v = get(t, name);

    return itsm_text_blank(v) ? NULL : v;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static const char white[] = " \t\r\n\f\v";

/* Skips the run of ASCII white space at *s: 2 when it holds "\n\n" (a paragraph break, as
 * itsm_text_paragraphs splits a text), 1 when it is other white space, 0 when none. */
static int skip_white(const char **s)
{
    const char *at = *s;
    int brk = 0;

    for (; *at && strchr(white, *at); at++)
        brk |= at[0] == '\n' && at[1] == '\n';
    if (at == *s)
        return 0;
    *s = at;
    return brk ? 2 : 1;
}

/* Whether texts a and b hold the same words in the same paragraphs: a run of white space is
 * one space, a blank line one paragraph break, and none counts at either end (a revision
 * that adds trailing spaces or wraps a paragraph's lines again says nothing new; one that
 * splits a paragraph does). */
static int same_words(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    skip_white(&a);
    skip_white(&b);
    for (;;) {
        int ka, kb;

        if (*a == '\0' || *b == '\0')
            return *a == *b;
        while (*a && *a == *b && strchr(white, *a) == NULL)
            a++, b++;
        if ((*a && strchr(white, *a) == NULL) || (*b && strchr(white, *b) == NULL))
            return 0;           /* a word differs, or one goes on where the other ends */
        ka = skip_white(&a);
        kb = skip_white(&b);
        if (*a && *b && (ka == 2) != (kb == 2))
            return 0;           /* a paragraph break on one side only */
    }
}

static int in(const char *state, const char *const *states)
{
    for (; *states; states++)
        if (strcmp(state, *states) == 0)
            return 1;
    return 0;
}

/* A cancelled problem is withdrawn from the KEDB: its workaround, never revised again, is no
 * longer suggested nor listed as a known error (docs/problem.md). */
int problem_known_error(const itsm_ticket_t *t)
{
    return !same(t->state, "cancelled") && text_of(t, "rootCause") != NULL
           && text_of(t, "workaround") != NULL;
}

/* What every change derives: the known-error flag (indexed: GET ?knownError=true). */
static void derive(itsm_ticket_t *t)
{
    itsm_ticket_set_bool(t, "knownError", problem_known_error(t));
}

static const char *const problem_states[] = {
    "new", "under-investigation", "workaround-in-place", "root-cause-identified",
    "solution-identified", "resolved", "closed", "cancelled", NULL
};
/* The states after the long-term solution was identified, or without one to come. */
static const char *const solution_found[] = {
    "solution-identified", "resolved", "closed", "cancelled", NULL
};

static void stop(itsm_call_t *c, itsm_ticket_t *t, const char *clock, int cancelled);

int problem_create(itsm_call_t *c, itsm_ticket_t *t)
{
    static const char *const by_action[] = {
        "rootCause", "workaround", "solution", "solutionTimeframe", NULL
    };
    const char *const *f;

    if (!c->importing)
        for (f = by_action; *f; f++)
            if (get(t, *f))
                return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                      "<%s> is recorded with its action, after the problem "
                                      "is logged", *f);
    /* an import may bring the state the problem had in the old tool: one of ours; past
     * the solution's identification its KPI clocks stop at the import */
    if (t->state == NULL)
        t->state = "new";
    else if (!in(t->state, problem_states))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "'%s' is not a state of a problem", t->state);
    if (in(t->state, solution_found)) {
        stop(c, t, "root-cause", same(t->state, "cancelled"));
        stop(c, t, "solution", same(t->state, "cancelled"));
    }
    itsm_ticket_set_int(c->pool, t, "incidentCount", 0);
    itsm_ticket_set_int(c->pool, t, "recurrences", 0);
    derive(t);
    return 0;
}

/* The root cause, workaround and solution are recorded by their actions (each a step of
 * the process, journaled as such, with its clock): by no plain update, and by no other
 * action's document (an investigate bringing a root cause would make a known error whose
 * steps never happened, its root-cause clock never started). */
static const struct { const char *field, *action; } by_action[] = {
    { "rootCause", "identify-root-cause" },
    { "workaround", "record-workaround" },
    { "solution", "identify-solution" },
    { "solutionTimeframe", "identify-solution" },
    { NULL, NULL }
};

/* Refused (422) unless every text t records is as on old but those of action (NULL: a
 * plain update). */
static int only_own_texts(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                          const itsm_ticket_t *t)
{
    int i;

    for (i = 0; by_action[i].field; i++)
        if ((action == NULL || strcmp(action, by_action[i].action) != 0)
            && !itsm_ticket_same(old, t, by_action[i].field))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "<%s> is recorded with the action %s", by_action[i].field,
                                  by_action[i].action);
    return 0;
}

/* Refused (403) when t's level or service differs from old's and the caller may not
 * categorise (PROBLEM_CATEGORISE_ACTION): by a PATCH or by an action's document alike. */
static int categorised_by_management(itsm_call_t *c, const itsm_ticket_t *old,
                                     const itsm_ticket_t *t)
{
    static const char *const category[] = { "level", "service", NULL };

    if (itsm_call_keeps(c, "problem", PROBLEM_CATEGORISE_ACTION, old, t, category))
        return 0;
    return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                          "Categorising a problem (its level and service) is problem "
                          "management's (" PROBLEM_CATEGORISE_ACTION " on problem tickets)");
}

/* A plain update may change the rest of the statement, the level (which re-targets the
 * clocks), service and assignment. */
int problem_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    int rc;

    if (in(old->state, problem_finished))
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "%s is %s: it is not changed any more", old->number, old->state);
    if ((rc = only_own_texts(c, NULL, old, t)) != 0
        || (rc = categorised_by_management(c, old, t)) != 0)
        return rc;
    derive(t);
    return 0;
}

static int refuse(itsm_call_t *c, const char *action, const itsm_ticket_t *old)
{
    return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                          "'%s' is not allowed from state '%s'", action, old->state);
}

/* A step that records a text: the action's document must bring it, or the problem have it.
 * A text of white space only is none (and is not written over the one the problem has). */
static int need(itsm_call_t *c, const char *action, const itsm_ticket_t *t, const char *field)
{
    if (text_of(t, field))
        return 0;
    return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                          "'%s' needs <%s> in its document (not only white space)", action,
                          field);
}

/* cancelled: the problem is withdrawn, the clock ends as cancelled (neither met nor
 * missed) */
static void stop(itsm_call_t *c, itsm_ticket_t *t, const char *clock, int cancelled)
{
    if (strcmp(clock, "solution") != 0 && !itsm_ticket_clock_started(t, clock))
        return;
    if (cancelled)
        itsm_ticket_clock_cancel(c->pool, t, clock, c->now);
    else
        itsm_ticket_clock_stop(c->pool, t, clock, c->now);
}

/* The longest text a note to the incidents carries, and the schema's maxLength of a title
 * (schemas/itsm-common.xsd, Title): characters, "..." included when clipped. */
#define NOTE_TEXT_MAX 400
#define TITLE_MAX 200

/* text as a note to the incidents carries it */
static const char *note_text(apr_pool_t *p, const char *text)
{
    return itsm_utf8_clip(p, text, NOTE_TEXT_MAX, "...");
}

/* The workaround as a knowledge article (title, the workaround's text, the service),
 * created in this change's transaction and linked from the problem; the open incidents
 * linked to the problem are told, with the workaround. */
static int publish_workaround(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    itsm_ticket_t *a = apr_pcalloc(c->pool, sizeof *a);
    const char *workaround = text_of(t, "workaround"), *service = get(t, "service");
    apr_status_t rv;

    if (in(old->state, problem_finished))
        return refuse(c, "publish-workaround", old);
    if (workaround == NULL)
        return itsm_call_fail(c, HTTP_CONFLICT, "no-workaround",
                              "%s has no workaround to publish: record one first "
                              "(record-workaround)", old->number);
    if (get(old, "workaroundPublished"))
        return itsm_call_fail(c, HTTP_CONFLICT, "already-published",
                              "The workaround of %s was published on %s", old->number,
                              get(old, "workaroundPublished"));
    a->kind = PROBLEM_ARTICLE_KIND;
    a->party = t->party;
    a->title = itsm_utf8_clip(c->pool, apr_pstrcat(c->pool, "Workaround: ", t->title, NULL),
                              TITLE_MAX, "...");
    a->fields = apr_table_make(c->pool, 4);
    apr_table_setn(a->fields, "body", itsm_xhtml_from_text(c->pool, workaround));
    if (service)
        apr_table_setn(a->fields, "services", service);
    apr_table_setn(a->fields, "keywords",
                   apr_pstrcat(c->pool, "workaround known-error ", old->number, NULL));
    if ((rv = c->svc->ticket_create(c, a, PROBLEM_LINK_ARTICLE)) != APR_SUCCESS) {
        if (c->code && strcmp(c->code, "no-such-kind") == 0)
            return itsm_call_fail(c, HTTP_CONFLICT, "knowledge-not-loaded",
                                  "The knowledge process (mod_itsm_knowledge) is not loaded: "
                                  "the workaround of %s cannot be published", old->number);
        /* an article linked by hand (a link of type documented-in) already documents it */
        if (c->code && strcmp(c->code, "link-limit") == 0)
            return itsm_call_fail(c, HTTP_CONFLICT, "already-published",
                                  "%s is documented in an article already (its "
                                  PROBLEM_LINK_ARTICLE " link): revise that article, or "
                                  "remove the link to publish the workaround as a new one",
                                  old->number);
        return c->status;
    }
    itsm_ticket_set_time(c->pool, t, "workaroundPublished", c->now);
    rv = c->svc->linked_note(c, t, PROBLEM_LINK_CAUSED_BY,
                             apr_pstrcat(c->pool, "workaround published for '", t->title,
                                         "': ", note_text(c->pool, workaround), NULL), NULL);
    if (rv != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "The ticket store is not available; try again later.");
    return 0;
}

#define STATES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* The steps of LLSD 8 (docs/problem.md): from which states, to which (NULL: the state stays),
 * the text the step records (required: in the action's document or already on the problem),
 * the time it stamps (once), the KPI clocks it stops. record-workaround from under
 * investigation puts the workaround in place (the core starts the root-cause clock); later
 * it revises the workaround without moving the problem. */
static const struct step_t {
    const char *action;
    const char *const *from;
    const char *to;
    const char *needs, *stamp;
    const char *stops[2];
} steps[] = {
    { "investigate", STATES("new"), "under-investigation" },
    { "record-workaround", STATES("under-investigation"), "workaround-in-place", "workaround",
      "workaroundRecorded" },
    { "record-workaround",
      STATES("workaround-in-place", "root-cause-identified", "solution-identified"), NULL,
      "workaround", "workaroundRecorded" },
    { "identify-root-cause", STATES("under-investigation", "workaround-in-place"),
      "root-cause-identified", "rootCause", "rootCauseIdentified", { "root-cause" } },
    { "identify-solution", STATES("root-cause-identified"), "solution-identified", "solution",
      "solutionIdentified", { "solution" } },
    { "resolve", STATES("solution-identified"), "resolved", NULL, "resolved" },
    { "close", STATES("resolved"), "closed" },
    { "cancel", STATES("new", "under-investigation", "workaround-in-place",
                       "root-cause-identified", "solution-identified"),
      "cancelled", NULL, NULL, { "root-cause", "solution" } },
};

/* Resolved: the open incidents the problem caused are told, with its solution. */
static int tell_resolved(itsm_call_t *c, const itsm_ticket_t *t)
{
    const char *solution = get(t, "solution");

    if (c->svc->linked_note(c, t, PROBLEM_LINK_CAUSED_BY,
                            apr_pstrcat(c->pool, "the problem '", t->title,
                                        "' that caused this ticket is resolved",
                                        solution ? ": " : "",
                                        solution ? note_text(c->pool, solution) : "", NULL),
                            NULL) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "The ticket store is not available; try again later.");
    return 0;
}

int problem_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                   itsm_ticket_t *t)
{
    const struct step_t *st;
    size_t i;
    int rc;

    if ((rc = only_own_texts(c, action, old, t)) != 0
        || (rc = categorised_by_management(c, old, t)) != 0)
        return rc;
    if (strcmp(action, "publish-workaround") == 0) {
        if ((rc = publish_workaround(c, old, t)) == 0)
            derive(t);
        return rc;
    }
    for (i = 0, st = NULL; i < sizeof steps / sizeof steps[0] && st == NULL; i++)
        if (strcmp(steps[i].action, action) == 0 && in(old->state, steps[i].from))
            st = &steps[i];
    if (st == NULL)
        return refuse(c, action, old);
    if (st->needs && (rc = need(c, action, t, st->needs)) != 0)
        return rc;
    /* a step that keeps the state revises its text: the same text would record nothing */
    if (st->to == NULL && st->needs && same_words(get(old, st->needs), get(t, st->needs)))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "'%s' on a %s problem revises its <%s>: send the new text",
                              action, old->state, st->needs);
    if (st->to)
        t->state = st->to;
    if (st->stamp && get(old, st->stamp) == NULL)
        itsm_ticket_set_time(c->pool, t, st->stamp, c->now);
    for (i = 0; i < 2 && st->stops[i]; i++)
        stop(c, t, st->stops[i], strcmp(action, "cancel") == 0);
    if (strcmp(action, "resolve") == 0 && (rc = tell_resolved(c, t)) != 0)
        return rc;
    derive(t);
    return 0;
}

/* Incidents linked to the problem are counted; those linked after its workaround was
 * published are recurrences of a known error, each incident once (kept when it is unlinked,
 * not counted again when linked again: RECURRED keeps their numbers, never rendered: the
 * kind does not declare it). */
int problem_linked(itsm_call_t *c, const char *type, int added, const itsm_ticket_t *old,
                   itsm_ticket_t *t, const itsm_ticket_t *incident)
{
    apr_int64_t n = itsm_ticket_int(old, "incidentCount", 0);
    const char *recurred = get(old, RECURRED);

    /* a closed or cancelled problem hears of no link: the core refuses those
     * (itsm_kind_t.frozen_states) */
    if (strcmp(type, PROBLEM_LINK_CAUSED_BY) != 0)
        return 0;
    itsm_ticket_set_int(c->pool, t, "incidentCount", added ? n + 1 : (n > 0 ? n - 1 : 0));
    if (added && get(old, "workaroundPublished") && !itsm_list_has(recurred, ' ', incident->number)) {
        itsm_ticket_set_int(c->pool, t, "recurrences",
                            itsm_ticket_int(old, "recurrences", 0) + 1);
        apr_table_setn(t->fields, RECURRED, recurred ? apr_pstrcat(c->pool, recurred, " ",
                                                                  incident->number, NULL)
                                                     : incident->number);
    }
    return 0;
}
