/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Ticket events: an optional hook that runs after every committed change, so that another
 * module (notifications, search indexing, a later process) can attach without the core
 * knowing it and whatever the LoadModule order. mod_status's status_hook is the model. */
#ifndef ITSM_EVENTS_H
#define ITSM_EVENTS_H

#include <httpd.h>                 /* first: apr_optional_hooks.h needs apu.h's APU_DECLARE */
#include <apr_optional_hooks.h>

#include "itsm.h"

#define ITSM_EVENT_CREATED "created"    /* a new ticket (create or import) */
#define ITSM_EVENT_CHANGED "changed"    /* an update or an action; entry->action says which */
#define ITSM_EVENT_LINKED "linked"      /* a link from this ticket; entry->changes names it */
#define ITSM_EVENT_UNLINKED "unlinked"  /* a link from this ticket removed; entry->changes names it */
#define ITSM_EVENT_SLA "sla"            /* the SLA sweep announced a warning or a breach */

/* Everything lives in pool, which lasts as long as the request (or the sweep's page). The
 * change is committed when the hook runs: a hook can add to the response of a request (a
 * header) or record the event elsewhere; it cannot undo the change. */
typedef struct itsm_event_t {
    const char *event;                  /* ITSM_EVENT_* */
    const itsm_kind_t *kind;
    const itsm_ticket_t *ticket;        /* as committed */
    const itsm_journal_t *entry;        /* the journal entry written with it */
    request_rec *r;                     /* the request; NULL for the SLA sweep */
    server_rec *s;
    apr_pool_t *pool;
} itsm_event_t;

#ifndef ITSM_DECLARE
#define ITSM_DECLARE(type) type
#define ITSM_DECLARE_NONSTD(type) type
#define ITSM_DECLARE_DATA
#endif

/* Attach in register_hooks:
 *     APR_OPTIONAL_HOOK(itsm, ticket_event, my_event, NULL, NULL, APR_HOOK_MIDDLE);
 * Return OK or DECLINED; anything else stops later hooks of that event (and is logged). */
APR_DECLARE_EXTERNAL_HOOK(itsm, ITSM, int, ticket_event, (const itsm_event_t *e))

#endif
