/* A test-only process: kind "test" in collection "tests" (TST numbers) on the generic
 * <ticket> element, with two states and two actions. It exists so that the core can be
 * exercised end to end without any real process module. It also listens to the core's
 * ticket_event hook and names each event of a request in an X-ITSM-Test-Event header. */
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
    .create = test_create,
    .update = NULL,
    .action = test_action,
    .render = NULL,
};

static const itsm_kind_t *const test_kinds[] = { &test_kind, NULL };

static const itsm_process_t test_process = { "test", test_kinds };

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
