/* Private to the core module: the state of one request as handler.c builds it, shared with
 * services.c, which serves a process's calls back into the core during that request. */
#ifndef ITSM_REQUEST_H
#define ITSM_REQUEST_H

#include "core.h"
#include "itsm_store.h"

/* Everything one request needs, built step by step. */
typedef struct req_t {
    request_rec *r;
    itsm_server_conf_t *conf;       /* the directives */
    const itsm_core_t *core;        /* what the core made of them */
    itsm_dir_conf_t *dir;
    const itsm_identity_t *who;
    const char *scope;
    int sees_all;
    itsm_store_t *store;
    const itsm_route_t *route;
    const char *base;           /* mount point without trailing slash */
    apr_array_header_t *spawned;    /* spawn_t: tickets a process creates with the change */
} req_t;

/* A ticket of another kind a process creates in the change's transaction. */
typedef struct spawn_t {
    itsm_ticket_t *t;
    const itsm_kind_t *kind;
    const char *link_type;      /* from the changed ticket, or NULL */
    itsm_journal_t *j;
} spawn_t;

/* Check t as a new ticket of its kind for the services' ticket_create and keep it in
 * q->spawned; refusals go through itsm_call_fail on c. */
int itsm_req_spawn(req_t *q, itsm_call_t *c, itsm_ticket_t *t, const char *link_type);

/* Bind q->store to a connection of mod_dbd (once per request); a failure is logged. */
apr_status_t itsm_req_bind_store(req_t *q);

/* The services a call's c->svc points to (services.c); c->core is the request's req_t. */
extern const itsm_services_t itsm_services;

#endif
