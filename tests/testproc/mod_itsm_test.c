/* A test-only process: kind "test" in collection "tests" (TST numbers) on the generic
 * <ticket> element, with two states and two actions. It exists so that the core can be
 * exercised end to end without any real process module. It also listens to the core's
 * ticket_event hook and names each event of a request in an X-ITSM-Test-Event header.
 * Kind "probe" (TPR, its own <probe> element from itsm-test.xsd, which the process ships)
 * exercises the core's services: its action "probe" reads another ticket, its links and
 * the directory through c->svc; the logins in its <approvers> may read and update it
 * (relation "approver" in tests/integration/authz-test.xml). */
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
};

static const char *yes_no(int v)
{
    return v ? "true" : "false";
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
    return 0;
}

static const char *const colours[] = { "red", "green", "blue", NULL };

static const itsm_field_t probe_fields[] = {
    { "other", 0 },
    { "otherState", ITSM_FIELD_READONLY },
    { "otherLinks", ITSM_FIELD_READONLY, .type = ITSM_TYPE_INTEGER },
    { "assigneeInGroup", ITSM_FIELD_READONLY, .type = ITSM_TYPE_BOOLEAN },
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
    /* who may read and update the probe by relation "approver" (the role table's grant) */
    { "approvers", ITSM_FIELD_CREATE_ONLY },
    { NULL }
};

static const char *const probe_actions[] = { "probe", NULL };

static const itsm_kind_t probe_kind = {
    .kind = "probe",
    .collection = "probes",
    .element = "probe",
    .prefix = "TPR",
    .fields = probe_fields,
    .actions = probe_actions,
    .initial_state = "open",
    .approvers_field = "approvers",
    .action = probe_action,
};

static const itsm_kind_t *const test_kinds[] = { &test_kind, &probe_kind, NULL };

static const itsm_process_t test_process = {
    ITSM_PROCESS_ABI,
    .name = "test",
    .schema = ITSM_TESTPROC_SCHEMA,     /* absolute, as a third-party module's would be */
    .kinds = test_kinds,
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

static void register_hooks(apr_pool_t *p)
{
    ap_register_provider(p, ITSM_PROCESS_GROUP, "test", ITSM_PROCESS_VERSION, &test_process);
    APR_OPTIONAL_HOOK(itsm, ticket_event, test_event, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(itsm_test) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks
};
