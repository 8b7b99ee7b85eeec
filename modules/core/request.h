/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the core module: the state of one request as handler.c builds it, and the
 * functions the request layer's files share (request.c, respond.c, document.c, views.c,
 * tickets.c), and services.c, which serves a process's calls back into the core. */
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
    const itsm_ticket_t *current;   /* the ticket the request creates or changes (as it was;
                                     * id 0 on create): the source of spawned tickets' links */
    apr_array_header_t *told;       /* told_t: linked tickets a process tells with the change
                                     * (linked_note) */
    struct portal_req_t *portal;    /* a browser's page or form post (portal.c); NULL: API */
} req_t;

/* A linked ticket a process tells of the change (linked_note): written, with its journal
 * entry and notifications, in the change's transaction. */
typedef struct told_t {
    itsm_ticket_t *t;
    itsm_journal_t *j;
} told_t;

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

/* Journal note on the open tickets linked to t by type (NULL: any) and keep them in q->told
 * (the services' linked_note); *told: how many. A store fault is logged and returned. */
apr_status_t itsm_req_tell_linked(req_t *q, itsm_call_t *c, const itsm_ticket_t *t,
                                  const char *type, const char *note, int *told);

/* The rule of a link of type from a ticket of kind fk to one of kind tk (tk may be NULL):
 * fk's own rule, or tk's rule for links from fk (from_kind); NULL for relates-to, child-of or
 * an undeclared type. *decl (may be NULL): the kind that declares it. */
const itsm_link_rule_t *itsm_link_rule_find(const itsm_kind_t *fk, const itsm_kind_t *tk,
                                            const char *type, const itsm_kind_t **decl);

/* Bind q->store to a connection of mod_dbd (once per request); a failure is logged. */
apr_status_t itsm_req_bind_store(req_t *q);

/* The services a call's c->svc points to (services.c); c->core is the request's req_t. */
extern const itsm_services_t itsm_services;

/* ---- shared by the request layer's files (one block per file) ---- */

/* What the document asks besides plain fields. */
typedef struct doc_extras_t {
    const char *note;
    const char *party;
    const char *opened;
    const char *state;          /* only with an import */
} doc_extras_t;

/* Log a failed database statement with the call site's own message number (so that the
 * log names the call site, file and line), answer 503. A GNU statement expression, as
 * ap_log_rerror is a statement. */
#define STORE_FAULT(q, logno, what) ({ \
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, (q)->r, ITSMLOGNO(logno) "store: %s: %s", (what), \
                  store_error(q)); \
    store_unavailable(q); })

/* respond.c */
int send_typed(request_rec *r, int status, itsm_xml_out_t *o, const char *type);
int send_doc(request_rec *r, int status, itsm_xml_out_t *o);
int fail_detail(req_t *q, int status, const char *code, const char *message,
                       const char *detail, int line);
int fail(req_t *q, int status, const char *code, const char *message);
int fail_call(req_t *q, const itsm_call_t *c);
int not_found(req_t *q);
int method_not_allowed(req_t *q, const char *allow);
int store_unavailable(req_t *q);
const char *store_error(req_t *q);

/* request.c */
int reads_published(const req_t *q, const itsm_kind_t *k);
const char *person_scope(const req_t *q, const itsm_identity_t *who);
int resolve_caller(req_t *q);
int open_store(req_t *q);
int has_body(request_rec *r);
int read_document(req_t *q, const char *element, xmlNodePtr *root);
void init_call_for(req_t *q, itsm_call_t *c, const itsm_route_t *route);
void init_call(req_t *q, itsm_call_t *c);
int allowed(req_t *q, const char *action);
int forbidden(req_t *q, const char *action);
int allowed_some(req_t *q, const char *action);
int party_visible(req_t *q, const char *party);
void form_args(request_rec *r, apr_table_t **args);
int query_int(const char *v, int min, int max, int *out);
void announce(req_t *q, const char *event, const itsm_ticket_t *t,
                     const itsm_journal_t *j);
itsm_ticket_t *copy_ticket(apr_pool_t *p, const itsm_ticket_t *t);

/* document.c */
const itsm_field_t *kind_field(const itsm_kind_t *k, const char *name);
const itsm_field_t *missing_field(const itsm_kind_t *k, const itsm_ticket_t *t);
int is_one_of(const char *name, const char *const *names);
int apply_document(itsm_call_t *c, const itsm_kind_t *k, xmlNodePtr root,
                          itsm_ticket_t *t, int creating, doc_extras_t *x);
int render_sla_targets(itsm_call_t *c, xmlTextWriterPtr w, const itsm_sla_config_t *cfg,
                              const itsm_kind_t *k, const itsm_ticket_t *t);
void render_sla_target(itsm_call_t *c, xmlTextWriterPtr w, const itsm_ticket_clock_t *tc);
int render_votes(req_t *q, xmlTextWriterPtr w, const itsm_ticket_t *t);
int field_hidden(req_t *q, const itsm_kind_t *k, const char *name);
void render_field(apr_pool_t *p, xmlTextWriterPtr w, const itsm_field_t *f, const char *value);
void render_ticket(itsm_call_t *c, xmlTextWriterPtr w, const itsm_kind_t *k,
                          const itsm_ticket_t *t, int nested);
void set_etag(request_rec *r, const itsm_ticket_t *t);
int send_ticket(req_t *q, itsm_call_t *c, int status, const itsm_ticket_t *t);
void render_linked(itsm_call_t *c, xmlTextWriterPtr w, const itsm_kind_t *k,
                   const itsm_ticket_t *t);
/* Suggestions at triage (itsm_suggest_t): found when a ticket of a kind others suggest to is
 * written in its initial state with new words (old NULL: created), kept in t's reserved field
 * ITSM_SUGGESTED ("kind:number ...", best first), dropped when it leaves that state; the
 * store must be open. A store fault is logged and leaves none. */
#define ITSM_SUGGESTED "suggest.found"
/* The reserved field of a linking ticket holding the numbers of the targets it links to with
 * a type whose rule shows their fields (itsm_link_rule_t.shows): "linked.<type>". */
#define ITSM_SHOWN_PREFIX "linked."
void find_suggestions(req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                      itsm_ticket_t *t, apr_time_t now);
apr_array_header_t *diff(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *old,
                                const itsm_ticket_t *t);
void address(req_t *q, const itsm_kind_t *k, itsm_journal_t *j, const itsm_ticket_t *t);
int check_party(req_t *q, const char *party);
int references_ok(req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                         const itsm_ticket_t *old, const itsm_ticket_t *t);
int check_references(req_t *q, const itsm_ticket_t *old, const itsm_ticket_t *t);

/* views.c */
int do_aged(req_t *q);
int do_stats(req_t *q);
int do_list(req_t *q);
int do_service(req_t *q);
int do_me(req_t *q);
int do_feed(req_t *q);
int do_view(req_t *q, const itsm_view_t *v);
const itsm_view_t *find_view(req_t *q, const char *path);
int do_resource(req_t *q, const char *rest);
int do_desks(req_t *q);

/* tickets.c */
int do_create(req_t *q);
int load_ticket(req_t *q, const char *number, const char *action, itsm_ticket_t **t);
int do_change(req_t *q, const char *number, const char *action);
int do_get(req_t *q, const char *number);
int do_sla(req_t *q, const char *number, const char *clock);
int do_journal(req_t *q, const char *number);
int do_versions(req_t *q, const char *number, const char *which);
int do_vote(req_t *q, const char *number);
int do_links(req_t *q, const char *number);
int do_link(req_t *q, const char *number);
int do_unlink(req_t *q, const char *number, const char *type, const char *target);

/* portal.c: HTML pages and form posts for browsers */
int itsm_portal_wants_html(request_rec *r);
int itsm_portal_begin(req_t *q, const char *const *seg, int n);
int itsm_portal_form_body(req_t *q, const char **xml, apr_size_t *len);
void itsm_portal_ticket(req_t *q, const itsm_ticket_t *t);
int itsm_portal_new(req_t *q);
int itsm_portal_send(request_rec *r, int status, const char *body, apr_size_t len);

#endif
