/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* A test-only process: kind "test" in collection "tests" (TST numbers) on the generic
 * <ticket> element, with two states and two actions. It exists so that the core can be
 * exercised end to end without any real process module. It also listens to the core's
 * ticket_event hook and names each event of a request in an X-ITSM-Test-Event header.
 * Kind "probe" (TPR, its own <probe> element from itsm-test.xsd, which the process ships)
 * exercises the core's services: its action "probe" reads another ticket, its links and
 * the directory through c->svc. Its clocks fix and reply start on events ("work": the
 * action, and the state "working" it enters), one with pauses of its own ("hold", "unhold"),
 * both targeted by the field "tier"; its clock deliver runs from its logging on the target its
 * own "promise" holds; its timer "check" is due at the field "checkDue". The logins in its
 * <approvers> may read and update it (relation "approver" in tests/integration/authz-test.xml).
 * Kind "note" (TNT) is seen by an audience and versioned (publish, withdraw). Probes and notes
 * are searchable; "gloss" (TGL) defines search synonyms, "ask" (TAS) is a deflection target;
 * its resource "search-gaps" lists the search gaps, "probe-search" the search service. */
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <ap_provider.h>
#include <apr_strings.h>
#include <string.h>

#include "itsm.h"
#include "itsm_events.h"

static int test_create(itsm_call_t *c, itsm_ticket_t *t)
{
    t->state = "open";
    return 0;
}

static int test_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                       itsm_ticket_t *t)
{
    const char *from = strcmp(action, "close") == 0 ? "open" : "closed";

    if (strcmp(old->state, from) != 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "'%s' is not allowed from state '%s'", action, old->state);
    t->state = strcmp(action, "close") == 0 ? "closed" : "open";
    return 0;
}

static const char *const test_actions[] = { "close", "reopen", NULL };

/* A probe may name the test ticket it is tested by ("tested-by", declared here, by the
 * target's kind, for links made to it by probes: postable from either end, one per probe);
 * the probe shows that ticket's title, state and description while the probe is open. */
static const char *const test_shown[] = { "title", "state", "description", NULL };
static const itsm_link_rule_t test_links[] = {
    { "tested-by", NULL, 1, 0, .from_kind = "probe", .shows = test_shown },
    { NULL }
};

static const itsm_kind_t test_kind = {
    .kind = "test",
    .collection = "tests",
    .element = "ticket",
    .prefix = "TST",
    .fields = NULL,
    .actions = test_actions,
    .initial_state = "open",
    .create = test_create,
    .update = NULL,
    .action = test_action,
    .render = NULL,
    .link_rules = test_links,
};

static const char *yes_no(int v)
{
    return v ? "true" : "false";
}

/* The clock actions: work (open -> working; starts both clocks), hold and unhold (the fix
 * clock's own pause), done (stops both; final). */
static int probe_clock_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                              itsm_ticket_t *t)
{
    const char *from = strcmp(action, "work") == 0 ? "open" : "working";

    if (strcmp(old->state, from) != 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "'%s' is not allowed from state '%s'", action, old->state);
    if (strcmp(action, "work") == 0) {
        t->state = "working";
    }
    else if (strcmp(action, "hold") == 0) {
        itsm_ticket_clock_pause(c->pool, t, "fix", c->now);
    }
    else if (strcmp(action, "unhold") == 0) {
        itsm_ticket_clock_resume(c->pool, t, "fix", c->now);
    }
    else {
        itsm_ticket_clock_resume(c->pool, t, "fix", c->now);
        itsm_ticket_clock_stop(c->pool, t, "fix", c->now);
        itsm_ticket_clock_stop(c->pool, t, "reply", c->now);
        t->state = "done";
    }
    return 0;
}

/* The probe's own tasks (the children service), and the open probes of its votes that the
 * caller may list (the list service), which refuses a filter on a field that is not indexed
 * and one field given twice. */
static int probe_lists(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    itsm_list_query_t same = { .open = 1, .limit = 500 }, unindexed = { .limit = 10 },
                      twice = { .limit = 10 };
    apr_array_header_t *tasks, *probes = NULL, *refused;
    apr_status_t rv;
    int more = 0;

    unindexed.field[0] = "remark";
    unindexed.value[0] = "x";
    twice.field[0] = twice.field[1] = "votes";
    twice.value[0] = twice.value[1] = "1";
    if (c->svc->ticket_list(c, &refused, NULL, "probe", &unindexed) != APR_EINVAL
        || c->svc->ticket_list(c, &refused, NULL, "probe", &twice) != APR_EINVAL)
        return itsm_call_fail(c, HTTP_INTERNAL_SERVER_ERROR, "contract",
                              "the list service took a field that is not indexed or twice");
    same.field[0] = "votes";
    same.value[0] = apr_table_get(old->fields, "votes");
    rv = c->svc->ticket_children(c, &tasks, old);
    if (rv == APR_SUCCESS && same.value[0])
        rv = c->svc->ticket_list(c, &probes, &more, "probe", &same);
    if (rv != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "the core could not list for the probe");
    itsm_ticket_set_int(c->pool, t, "childTasks", tasks->nelts);
    if (probes)
        itsm_ticket_set_int(c->pool, t, "sameVotes", probes->nelts);
    return 0;
}

/* The other ticket's state and links, and whether the assignee is in the ticket's group. */
static int probe_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                        itsm_ticket_t *t)
{
    const char *number = apr_table_get(t->fields, "other");
    apr_array_header_t *links;
    itsm_ticket_t *other;
    apr_status_t rv;
    int member = 0;

    if (strcmp(action, "probe") != 0)
        return probe_clock_action(c, action, old, t);
    if (number == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<other> names the ticket to probe");
    rv = c->svc->ticket_get(c, &other, NULL, number);
    if (rv == APR_NOTFOUND)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "%s is not a ticket you can see", number);
    if (rv == APR_SUCCESS)
        rv = c->svc->ticket_links(c, &links, other);
    if (rv == APR_SUCCESS && t->assignee && t->group)
        rv = c->svc->group_member(c, &member, t->assignee, t->group);
    if (rv != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "the core could not answer the probe");
    apr_table_setn(t->fields, "otherState", other->state);
    apr_table_setn(t->fields, "otherLinks", apr_itoa(c->pool, links->nelts));
    apr_table_setn(t->fields, "assigneeInGroup", yes_no(member));
    return probe_lists(c, old, t);
}

static const char *const colours[] = { "red", "green", "blue", NULL };
static const char *const tiers[] = { "gold", "silver", NULL };

static const itsm_field_t probe_fields[] = {
    { "other", 0 },
    { "otherState", ITSM_FIELD_READONLY },
    { "otherLinks", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "assigneeInGroup", ITSM_FIELD_READONLY, .type = ITSM_TYPE_BOOLEAN },
    { "childTasks", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "sameVotes", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    /* one of each type, for the tests of the core's typed field checks */
    { "count", 0, .type = ITSM_TYPE_INTEGER, .min = 0, .max = 1000 },
    { "flag", 0, .type = ITSM_TYPE_BOOLEAN },
    { "when", 0, .type = ITSM_TYPE_DATETIME },
    { "within", 0, .type = ITSM_TYPE_DURATION },
    { "colour", ITSM_FIELD_CREATE_ONLY, .type = ITSM_TYPE_ENUM, .values = colours },
    { "watcher", 0, .type = ITSM_TYPE_PERSON },
    { "team", 0, .type = ITSM_TYPE_GROUP },
    { "client", 0, .type = ITSM_TYPE_PARTY },
    { "ref", 0, "test" },
    { "remark", 0, .type = ITSM_TYPE_LONG_TEXT },
    { "openTasks", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "blocking", ITSM_FIELD_READONLY, .type = ITSM_TYPE_TICKET },
    { "tier", 0, .type = ITSM_TYPE_ENUM, .values = tiers },
    { "checkDue", 0, .type = ITSM_TYPE_DATETIME },
    /* the target of the clock "deliver" (itsm_clock_t.target_field) */
    { "promise", 0, .type = ITSM_TYPE_DURATION },
    /* who may read and update the probe by relation "approver" (the role table's grant) */
    { "approvers", ITSM_FIELD_CREATE_ONLY },
    /* raises the probe's rank in a search (itsm_search_t.boost_field) */
    { "votes", ITSM_FIELD_INDEXED, .type = ITSM_TYPE_INTEGER, .min = 0, .max = 1000000 },
    /* lists sort on it (sort=label) */
    { "label", ITSM_FIELD_SORTABLE },
    /* the search gap it answers (itsm_search_t.gap_field): the gaps read names it */
    { "gap", ITSM_FIELD_INDEXED },
    { NULL }
};

static const char *const probe_actions[] = {
    "probe", "close", "spawn", "work", "hold", "unhold", "done", "tell", NULL
};
static const char *const probe_finished[] = { "closed", "done", NULL };

/* Targets by tier (ITSMSLAFile: <kind name="probe"><class name="gold">...); deliver's is the
 * probe's own "promise", from its logging. */
static const itsm_clock_t probe_clocks[] = {
    { "fix", ITSM_CLOCK_ON_STATE, "working", 1, "tier" },
    { "reply", ITSM_CLOCK_ON_ACTION, "work", 0, "tier" },
    { "deliver", ITSM_CLOCK_AT_OPENED, .target_field = "promise" },
    { NULL }
};

static const itsm_timer_t probe_timers[] = {
    { "check", "checkDue", NULL, NULL, "incident-manager", 1 },
    { NULL }
};

/* "spawn": a test ticket created and linked in the probe's transaction (without a title
 * when the probe's remark is "untitled", to show a refused creation); with the probe's flag
 * set, the probe then refuses its own change, and the created ticket must vanish with it. */
static int probe_spawn(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    itsm_ticket_t *n = apr_pcalloc(c->pool, sizeof *n);
    const char *remark = apr_table_get(t->fields, "remark");
    const char *link = ITSM_LINK_RELATES;

    n->kind = "test";
    n->party = t->party;
    if (remark == NULL || strcmp(remark, "untitled") != 0)
        n->title = apr_psprintf(c->pool, "Spawned by %s", old->number);
    /* the link rules hold for a created ticket's link as for POST .../links: "blocks" goes
     * to one test ticket at most, "duplicate-of" to a probe, not a test ticket */
    if (remark && (strcmp(remark, "blocks") == 0 || strcmp(remark, "duplicate-of") == 0))
        link = remark;
    /* a probe created in state "working": its clock "fix" starts at its creation */
    if (remark && strcmp(remark, "working") == 0) {
        n->kind = "probe";
        n->state = "working";
        n->fields = apr_table_make(c->pool, 2);
        apr_table_setn(n->fields, "tier", "gold");
    }
    if (c->svc->ticket_create(c, n, link) != APR_SUCCESS)
        return c->status;
    if (itsm_ticket_bool(t, "flag", 0))
        return itsm_call_fail(c, HTTP_CONFLICT, "refused-after-spawn",
                              "the probe refuses its change after spawning");
    itsm_ticket_set_int(c->pool, t, "count", itsm_ticket_int(t, "count", 0) + 1);
    return 0;
}

/* "close" a probe; the core refuses it while a task is open (tasks block their parent). */
static int probe_act(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                     itsm_ticket_t *t)
{
    if (strcmp(action, "spawn") == 0)
        return probe_spawn(c, old, t);
    if (strcmp(action, "tell") == 0) {
        int told = 0;

        /* the open tickets this probe blocks hear of it (linked_note) */
        if (c->svc->linked_note(c, t, "blocks", "the probe says hello", &told) != APR_SUCCESS)
            return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                                  "the core could not tell the linked tickets");
        itsm_ticket_set_int(c->pool, t, "count", told);
        return 0;
    }
    if (strcmp(action, "close") != 0)
        return probe_action(c, action, old, t);
    if (strcmp(old->state, "open") != 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "'close' is not allowed from state '%s'", old->state);
    t->state = "closed";
    return 0;
}

/* A probe may block one test ticket, and be the duplicate of one probe which no other probe
 * duplicates: the link rules the core enforces. */
static const itsm_link_rule_t probe_links[] = {
    { "blocks", "test", 1, 0 },
    { "duplicate-of", "probe", 1, 1 },
    { NULL }
};

/* The ticket a probe blocks, kept in its own field with the link (same transaction). */
static int probe_linked(itsm_call_t *c, const char *type, int added, const itsm_ticket_t *old,
                        itsm_ticket_t *t, const itsm_ticket_t *other)
{
    if (strcmp(type, "blocks") != 0)
        return 0;
    if (added)
        apr_table_setn(t->fields, "blocking", other->number);
    else
        apr_table_unset(t->fields, "blocking");
    return 0;
}

static int is_open(const itsm_ticket_t *t)
{
    return strcmp(t->state, "open") == 0;
}

/* The probe counts its open tasks: one more when a task is created, one less when it is
 * done, one more when it is reopened. */
static int probe_child_changed(itsm_call_t *c, const itsm_ticket_t *child,
                               const char *old_state, const itsm_ticket_t *parent_old,
                               itsm_ticket_t *parent)
{
    apr_int64_t n = itsm_ticket_int(parent_old, "openTasks", 0);

    if (old_state == NULL || strcmp(old_state, "open") != 0)
        n += is_open(child);
    else if (!is_open(child))
        n--;
    itsm_ticket_set_int(c->pool, parent, "openTasks", n);
    return 0;
}

/* Probes are searchable: title heaviest, then the remark, then the description. */
static const itsm_search_field_t probe_search_fields[] = {
    { "title", ITSM_SEARCH_TITLE },
    { "remark", ITSM_SEARCH_KEYWORDS },
    { "description", ITSM_SEARCH_BODY },
    { NULL }
};
static const itsm_search_t probe_search = {
    .fields = probe_search_fields,
    .boost_field = "votes",
    .gap_field = "gap",
};

static const itsm_kind_t probe_kind = {
    .kind = "probe",
    .collection = "probes",
    .element = "probe",
    .prefix = "TPR",
    .fields = probe_fields,
    .actions = probe_actions,
    .initial_state = "open",
    .final_states = probe_finished,
    .clocks = probe_clocks,
    .timers = probe_timers,
    .followers = ITSM_FOLLOW_ASSIGNEE | ITSM_FOLLOW_GROUP | ITSM_FOLLOW_APPROVERS,
    .follow_role = "knowledge-manager",
    .approvers_field = "approvers",
    .action = probe_act,
    .link_rules = probe_links,
    .linked = probe_linked,
    .child_changed = probe_child_changed,
    .search = &probe_search,
};

static const itsm_field_t task_fields[] = {
    { "probe", ITSM_FIELD_REQUIRED | ITSM_FIELD_CREATE_ONLY, "probe" },
    { NULL }
};

static const char *const task_actions[] = { "done", "reopen", NULL };
static const char *const done[] = { "done", NULL };

static int task_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                       itsm_ticket_t *t)
{
    int finishing = strcmp(action, "done") == 0;

    if (strcmp(old->state, finishing ? "open" : "done") != 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "'%s' is not allowed from state '%s'", action, old->state);
    t->state = finishing ? "done" : "open";
    return 0;
}

static const itsm_kind_t task_kind = {
    .kind = "task",
    .collection = "tasks",
    .element = "task",
    .prefix = "TTK",
    .fields = task_fields,
    .actions = task_actions,
    .initial_state = "open",
    .final_states = done,
    .action = task_action,
    .parent_field = "probe",
    .blocks_parent = 1,
};

/* Kind "note" (TNT, element <testNote>): seen by the audience in its field "audience" and
 * versioned, like a knowledge article; its field "editorial" is shown to its editors only. "publish" (from draft, published or withdrawn) makes
 * the core snapshot it as its next published version; "withdraw" (from published) takes it
 * out of publication. */
static const itsm_field_t note_fields[] = {
    { "audience", 0 },
    { "body", 0, .type = ITSM_TYPE_LONG_TEXT },
    /* markup of the safe XHTML subset, read with the note alone: not in its list items
     * and search results (ITSM_FIELD_DETAIL) */
    { "page", ITSM_FIELD_DETAIL, .type = ITSM_TYPE_XHTML },
    { "keywords", 0 },
    /* the editors' remark: only those who may update notes see it (or filter on it) */
    { "editorial", ITSM_FIELD_EDITORS_ONLY | ITSM_FIELD_INDEXED },
    /* the net helpful votes, kept by the core (ITSM_FIELD_VOTES), raise a note's rank */
    { "netVotes", ITSM_FIELD_VOTES, .type = ITSM_TYPE_INTEGER },
    { NULL }
};

/* Notes are searchable (readers: the published versions; editors: the working copies). */
static const itsm_search_field_t note_search_fields[] = {
    { "title", ITSM_SEARCH_TITLE },
    { "keywords", ITSM_SEARCH_KEYWORDS },
    { "body", ITSM_SEARCH_BODY },
    { NULL }
};
/* its rows in the prefix index (itsm_search_t.prefix_index; the probe's in the other); its
 * votes raise its rank (itsm_search_t.boost_field of an ITSM_FIELD_VOTES field) */
static const itsm_search_t note_search = { .fields = note_search_fields,
                                           .boost_field = "netVotes", .prefix_index = 1 };

static const char *const note_actions[] = { "publish", "withdraw", NULL };

static int note_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                       itsm_ticket_t *t)
{
    int publishing = strcmp(action, "publish") == 0;

    if (!publishing && strcmp(old->state, "published") != 0)
        return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                              "'%s' is not allowed from state '%s'", action, old->state);
    t->state = publishing ? "published" : "withdrawn";
    return 0;
}

static const itsm_kind_t note_kind = {
    .kind = "note",
    .collection = "notes",
    .element = "testNote",
    .prefix = "TNT",
    .fields = note_fields,
    .actions = note_actions,
    .initial_state = "draft",
    .action = note_action,
    .visibility = ITSM_VISIBLE_AUDIENCE,
    .audience_field = "audience",
    .publish_action = "publish",
    .withdraw_action = "withdraw",
    .search = &note_search,
};

/* Kind "gloss" (TGL, element <testGloss>): a glossary entry whose title and acronym are
 * synonyms in every search; not searchable itself. */
static const itsm_field_t gloss_fields[] = {
    { "acronym", 0 },
    { NULL }
};
static const itsm_search_t gloss_search = { .synonym_field = "acronym" };

static const itsm_kind_t gloss_kind = {
    .kind = "gloss",
    .collection = "glosses",
    .element = "testGloss",
    .prefix = "TGL",
    .fields = gloss_fields,
    .initial_state = "open",
    .search = &gloss_search,
};

/* Kind "ask" (TAS, the generic <ticket>): a deflection target, as cases are: asked within the
 * deflection window after a search that found tickets, it counts a failed deflection. */
static const itsm_search_t ask_search = { .deflection_target = 1 };

static const itsm_kind_t ask_kind = {
    .kind = "ask",
    .collection = "asks",
    .element = "ticket",
    .prefix = "TAS",
    .initial_state = "open",
    .search = &ask_search,
};

static const itsm_kind_t *const test_kinds[] = {
    &test_kind, &probe_kind, &task_kind, &note_kind, &gloss_kind, &ask_kind, NULL
};

/* GET /itsm/probe-report[/{number}]: a resource of the process's own, read with the grant
 * "read" on probes; it names the caller and the query's "say", and with a number the state
 * of that probe, read through the core's services (404 when the caller cannot see it). */
static int probe_report(itsm_call_t *c, const char *rest, const apr_table_t *args,
                        itsm_xml_out_t *w)
{
    itsm_ticket_t *t;
    apr_status_t rv;

    if (rest) {
        rv = c->svc->ticket_get(c, &t, "probe", rest);
        if (rv == APR_NOTFOUND)
            return itsm_call_fail(c, HTTP_NOT_FOUND, "not-found", "No such probe.");
        if (rv != APR_SUCCESS)
            return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                                  "The ticket store is not available; try again later.");
    }
    itsm_xml_element(w, "caller", c->who->uid);
    if (apr_table_get(args, "say"))
        itsm_xml_element(w, "said", apr_table_get(args, "say"));
    if (rest) {
        itsm_xml_element(w, "number", t->number);
        itsm_xml_element(w, "state", t->state);
    }
    return 0;
}

static const itsm_resource_t report = {
    .path = "probe-report",
    .kind = "probe",
    .action = "read",
    .element = "probeReport",
    .get = probe_report,
};

/* GET /itsm/search-gaps[?kind=K]: the core's search gaps within the caller's parties, each
 * with the probe drafted from it (drafted="TPR...": its gap field holds the query). */
static int search_gaps(itsm_call_t *c, const char *rest, const apr_table_t *args,
                       itsm_xml_out_t *w)
{
    apr_array_header_t *gaps;
    int i;

    if (c->svc->search_gaps(c, apr_table_get(args, "kind"), 100, 0, &gaps) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "The ticket store is not available; try again later.");
    for (i = 0; i < gaps->nelts; i++) {
        const itsm_search_gap_t *g = &APR_ARRAY_IDX(gaps, i, itsm_search_gap_t);
        char at[APR_RFC822_DATE_LEN];

        itsm_xml_start_element(w, "gap");
        itsm_xml_write_attribute(w, "kind", g->kind);
        itsm_xml_write_attribute(w, "query", g->query);
        itsm_xml_write_attribute(w, "party", g->party);
        itsm_xml_write_attributef(w, "misses", "%" APR_INT64_T_FMT, g->misses);
        itsm_xml_write_attributef(w, "deflections", "%" APR_INT64_T_FMT,
                                  g->deflections);
        apr_rfc822_date(at, g->first_seen);
        itsm_xml_write_attribute(w, "firstSeen", at);
        apr_rfc822_date(at, g->last_seen);
        itsm_xml_write_attribute(w, "lastSeen", at);
        if (g->drafted)
            itsm_xml_write_attribute(w, "drafted", g->drafted);
        itsm_xml_end_element(w);
    }
    return 0;
}

/* GET /itsm/probe-search?text=...[&kind=K]: the search service's best 5 probes (or tickets
 * of kind K) for the text. */
static int probe_search_get(itsm_call_t *c, const char *rest, const apr_table_t *args,
                        itsm_xml_out_t *w)
{
    const char *text = apr_table_get(args, "text"), *kind = apr_table_get(args, "kind");
    apr_array_header_t *hits;
    int i;

    if (c->svc->search(c, kind ? kind : "probe", text ? text : "", 5, &hits) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "The ticket store is not available; try again later.");
    for (i = 0; i < hits->nelts; i++) {
        const itsm_search_hit_t *h = &APR_ARRAY_IDX(hits, i, itsm_search_hit_t);

        itsm_xml_start_element(w, "hit");
        itsm_xml_write_attribute(w, "number", h->number);
        itsm_xml_write_attribute(w, "title", h->title);
        itsm_xml_write_attributef(w, "rank", "%g", h->rank);
        itsm_xml_end_element(w);
    }
    return 0;
}

static const itsm_resource_t gaps_resource = {
    .path = "search-gaps",
    .kind = "probe",
    .action = "read",
    .element = "searchGaps",
    .get = search_gaps,
};

static const itsm_resource_t search_resource = {
    .path = "probe-search",
    .kind = "probe",
    .action = "read",
    .element = "probeSearch",
    .get = probe_search_get,
};

static const itsm_resource_t *const test_resources[] = {
    &report, &gaps_resource, &search_resource, NULL
};

static const itsm_process_t test_process = {
    ITSM_PROCESS_ABI,
    .name = "test",
    .schema = ITSM_TESTPROC_SCHEMA,     /* absolute, as a third-party module's would be */
    .kinds = test_kinds,
    .resources = test_resources,
};

/* "created TST0000001 create agent1", one header per event */
static int test_event(const itsm_event_t *e)
{
    if (e->r == NULL)
        return DECLINED;
    apr_table_add(e->r->headers_out, "X-ITSM-Test-Event",
                  apr_psprintf(e->pool, "%s %s %s %s", e->event, e->ticket->number,
                               e->entry->action, e->entry->actor));
    return OK;
}

static void test_hooks(apr_pool_t *p)
{
    APR_OPTIONAL_HOOK(itsm, ticket_event, test_event, NULL, NULL, APR_HOOK_MIDDLE);
}

ITSM_PROCESS_MODULE_CONFIG(test, test_process, NULL, NULL, NULL, test_hooks);
