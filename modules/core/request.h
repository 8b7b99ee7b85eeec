/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the core module: the state of one request as handler.c builds it, and the
 * functions the request layer's files share (request.c, respond.c, document.c, views.c,
 * tickets.c), and services.c, which serves a process's calls back into the core. */
#ifndef ITSM_REQUEST_H
#define ITSM_REQUEST_H

#include "core.h"
#include "itsm_store.h"

/* Everything one request needs, built step by step. */
typedef struct itsm_req_t {
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
    apr_array_header_t *spawned;    /* itsm_spawn_t: tickets a process creates with the change */
    const itsm_ticket_t *current;   /* the ticket the request creates or changes (as it was;
                                     * id 0 on create): the source of spawned tickets' links */
    const char *action;         /* what the request does to it (create, update, an action): a
                                 * spawn's grant may be one through that action alone */
    apr_array_header_t *told;       /* itsm_told_t: linked tickets a process tells with the change
                                     * (linked_note) */
    struct portal_req_t *portal;    /* a browser's page or form post (portal.c); NULL: API */
    const itsm_kind_t *editor_kind; /* the kind whose update grant editor holds, once asked */
    int editor;                     /* (document.c, field_hidden: a list asks it per row) */
    int uncounted;                  /* its search counts nothing in the analytics (the
                                     * portal's lookups while typing) */
    int dry_run;                    /* a callback asked whether it would take a change (the
                                     * portal's offers, process_takes): linked_note reads and
                                     * tells nothing */
} itsm_req_t;

/* A linked ticket a process tells of the change (linked_note): written, with its journal
 * entry and notifications, in the change's transaction. */
typedef struct itsm_told_t {
    itsm_ticket_t *t;
    itsm_journal_t *j;
} itsm_told_t;

/* A ticket of another kind a process creates in the change's transaction. */
typedef struct itsm_spawn_t {
    itsm_ticket_t *t;
    const itsm_kind_t *kind;
    const char *link_type;      /* from the changed ticket, or NULL */
    itsm_journal_t *j;
} itsm_spawn_t;

/* Check t as a new ticket of its kind for the services' ticket_create and keep it in
 * q->spawned; refusals go through itsm_call_fail on c. */
int itsm_req_spawn(itsm_req_t *q, itsm_call_t *c, itsm_ticket_t *t, const char *link_type);

/* Journal note on the open tickets linked to t by type (NULL: any) and keep them in q->told
 * (the services' linked_note); *told: how many. A store fault is logged and returned. In a
 * dry run (q->dry_run) nothing is read or kept: a note refuses nothing, so the answer to
 * "would the change be taken" does not depend on it. */
apr_status_t itsm_req_tell_linked(itsm_req_t *q, itsm_call_t *c, const itsm_ticket_t *t,
                                  const char *type, const char *note, int *told);

/* The rule of a link of type from a ticket of kind fk to one of kind tk (tk may be NULL):
 * fk's own rule, or tk's rule for links from fk (from_kind); NULL for relates-to, child-of or
 * an undeclared type. *decl (may be NULL): the kind that declares it. */
const itsm_link_rule_t *itsm_link_rule_find(const itsm_kind_t *fk, const itsm_kind_t *tk,
                                            const char *type, const itsm_kind_t **decl);

/* Bind q->store to a connection of mod_dbd (once per request); a failure is logged. */
apr_status_t itsm_req_bind_store(itsm_req_t *q);

/* The services a call's c->svc points to (services.c); c->core is the request's itsm_req_t. */
extern const itsm_services_t itsm_services;

/* ---- shared by the request layer's files (one block per file) ---- */

/* What the document asks besides plain fields. */
typedef struct itsm_doc_extras_t {
    const char *note;
    const char *party;
    const char *opened;
    const char *state;          /* only with an import */
    /* a PATCH's fields to clear, its empty elements (itsm_doc_take_clears); NULL: none */
    const apr_array_header_t *cleared;
} itsm_doc_extras_t;

/* Log a failed database statement with the call site's own message number (so that the
 * log names the call site, file and line), answer 503. A GNU statement expression, as
 * ap_log_rerror is a statement. */
#define STORE_FAULT(q, logno, what) ({ \
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, (q)->r, ITSMLOGNO(logno) "store: %s: %s", (what), \
                  itsm_resp_store_error(q)); \
    itsm_resp_store_unavailable(q); })

/* respond.c */
/* Send body (a bucket) and the end of the response down the filter chain in one brigade, as
 * httpd's default handler does; for HEAD the end alone. Not ap_rwrite, whose OLD_WRITE filter
 * copies the body into a buffer of its own and passes it on only when the request is
 * finalised (about 0.5 k instructions of a read's 72 k). Returns DONE, the response being
 * written whatever the client did. */
int itsm_resp_pass(request_rec *r, apr_bucket *body);
int itsm_resp_send_typed(request_rec *r, int status, itsm_xml_out_t *o, const char *type);
/* The document body of len bytes (in r->pool) with status, type and Cache-Control cache: what
 * itsm_resp_send_typed sends when no page takes it ("private, no-cache"), and the portal's
 * lookups ("no-store"). */
int itsm_resp_send_bytes(request_rec *r, int status, const char *body, apr_size_t len,
                         const char *type, const char *cache);
int itsm_resp_send_doc(request_rec *r, int status, itsm_xml_out_t *o);
/* The <error> document (Retry-After set on a 503, the refusal logged with ITSM00100), not sent. */
itsm_xml_out_t *itsm_resp_error_doc(request_rec *r, int retry_after, int status,
                                    const char *code, const char *message, const char *detail,
                                    int line);
int itsm_resp_fail_detail(itsm_req_t *q, int status, const char *code, const char *message,
                       const char *detail, int line);
int itsm_resp_fail(itsm_req_t *q, int status, const char *code, const char *message);
int itsm_resp_fail_call(itsm_req_t *q, const itsm_call_t *c);
int itsm_resp_not_found(itsm_req_t *q);
int itsm_resp_method_not_allowed(itsm_req_t *q, const char *allow);
int itsm_resp_store_unavailable(itsm_req_t *q);
const char *itsm_resp_store_error(itsm_req_t *q);

/* request.c */
/* What a reader is shown of another ticket's text they may not read. */
extern const char itsm_not_visible[];

int itsm_req_reads_published(const itsm_req_t *q, const itsm_kind_t *k);
int itsm_req_resolve_caller(itsm_req_t *q);
int itsm_req_open_store(itsm_req_t *q);
int itsm_req_has_body(request_rec *r);
int itsm_req_read_document(itsm_req_t *q, const char *element, xmlNodePtr *root);
/* The same for a PATCH of a ticket of kind k: its empty elements clear fields (names in
 * *cleared, itsm_doc_take_clears). */
int itsm_req_read_change(itsm_req_t *q, const itsm_kind_t *k, xmlNodePtr *root,
                         const apr_array_header_t **cleared);
void itsm_req_init_call_for(itsm_req_t *q, itsm_call_t *c, const itsm_route_t *route);
void itsm_req_init_call(itsm_req_t *q, itsm_call_t *c);
int itsm_req_allowed(itsm_req_t *q, const char *action);
int itsm_req_forbidden(itsm_req_t *q, const char *action);
int itsm_req_allowed_some(itsm_req_t *q, const char *action);
/* OK when the API request carries no query (a browser's page takes its own: not asked);
 * else 400 bad-query, as a list answers an unknown parameter: for the resources that take
 * none (the service document, /me, /desks, a ticket, its journal, links and SLA). */
int itsm_req_no_query(itsm_req_t *q);
/* May the caller take action on t (of kind k): their roles' grant on the kind, or their
 * relation to t (raiser, assignee, ...). The one decision of "roles or relation" that
 * loading a ticket, the portal's offers and the banner's links ask; the party scope is
 * the caller's to check (the store's scoped read, itsm_req_party_visible). */
int itsm_req_allowed_on(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *t,
                        const char *action);
int itsm_req_party_visible(itsm_req_t *q, const char *party);
/* Does who (sees_all: their roles see every party) see tickets of party: their own, one they
 * act for, or every one? */
int itsm_identity_sees_party(const itsm_identity_t *who, int sees_all, const char *party);
/* The ticket number (of kind, or NULL: by its number) as the caller's own GET would see
 * it: read in their scope (a reader of a versioned kind: its published version) and, where
 * its kind is loaded (*kind, else NULL), of a kind they may read by role or by a relation to
 * it. APR_NOTFOUND where either fails; a store's fault as the store gave it (the caller logs
 * it, knowing what the read was for). The one "may the caller see this other ticket" read of
 * links, journals, a ticket's linked block and references. */
apr_status_t itsm_req_get_visible(itsm_ticket_t **out, const itsm_kind_t **kind, itsm_req_t *q,
                                  const char *of_kind, const char *number, apr_pool_t *p);
/* A linked ticket's number, or "(not visible)" to a caller who may not see it; a linked
 * note's text likewise (request.c). seen: the answers of this request, by number. */
const char *itsm_req_shown_number(itsm_req_t *q, apr_hash_t *seen, const char *number);
/* May the caller see the other end of l, one of a ticket's links the store read in their
 * scope: of a kind they may read (itsm_req_shown_number's rule, the scope taken as applied). */
int itsm_req_shown_link(itsm_req_t *q, apr_hash_t *seen, const itsm_link_t *l);
const char *itsm_req_shown_note(itsm_req_t *q, apr_hash_t *seen, const char *action,
                                const char *note);
void itsm_req_form_args(request_rec *r, apr_table_t **args);
/* The first parameter of r's query given more than once (?state=a&state=b), or NULL. */
const char *itsm_req_repeated_arg(request_rec *r);
/* The API's query as itsm_req_form_args gives it, OK; or the refusal of a query with a
 * parameter given more than once (400 bad-query naming it): before 2026-12-06 the last
 * value was taken silently (ap_args_to_table keeps one a key). */
int itsm_req_query_args(itsm_req_t *q, apr_table_t **args);
int itsm_req_query_int(const char *v, int min, int max, int *out);
void itsm_req_announce(itsm_req_t *q, const char *event, const itsm_ticket_t *t,
                     const itsm_journal_t *j);
itsm_ticket_t *itsm_req_copy_ticket(apr_pool_t *p, const itsm_ticket_t *t);

/* document.c */
const itsm_field_t *itsm_doc_kind_field(const itsm_kind_t *k, const char *name);
/* The descriptor of a field every kind has (state, party, title, description, priority,
 * assignee, group), NULL for any other name. */
const itsm_field_t *itsm_doc_common_field(const char *name);
/* May a request set the field name of a ticket of k on update: a common field a request
 * sets (title, description, priority, assignee, group), or a field of the kind neither
 * read-only nor create-only? (The PATCH's clears, the details form's blanks and its
 * per-field dry runs ask this one rule.) */
int itsm_doc_field_settable(const itsm_kind_t *k, const char *name);
const itsm_field_t *itsm_doc_missing_field(const itsm_kind_t *k, const itsm_ticket_t *t);
int itsm_doc_is_one_of(const char *name, const char *const *names);
int itsm_doc_apply(itsm_call_t *c, const itsm_kind_t *k, xmlNodePtr root,
                          itsm_ticket_t *t, int creating, itsm_doc_extras_t *x);
/* A PATCH's empty elements of fields it may clear, taken out of root before the schema
 * sees it (the schema refuses an empty value, which a create must not send): their names,
 * for itsm_doc_extras_t.cleared. */
apr_array_header_t *itsm_doc_take_clears(const itsm_kind_t *k, xmlNodePtr root, apr_pool_t *p);
int itsm_doc_render_sla_targets(itsm_call_t *c, itsm_xml_out_t *w, const itsm_sla_config_t *cfg,
                              const itsm_kind_t *k, const itsm_ticket_t *t);
void itsm_doc_render_sla_target(itsm_call_t *c, itsm_xml_out_t *w, const itsm_ticket_clock_t *tc);
int itsm_doc_render_votes(itsm_req_t *q, itsm_xml_out_t *w, const itsm_ticket_t *t);
int itsm_doc_field_hidden(itsm_req_t *q, const itsm_kind_t *k, const char *name);
/* A copy of t (in p) in which only the field name holds another valid value: a field a
 * request may change on an existing ticket (title, description, priority, assignee, group, or
 * one of k's neither read-only nor create-only). The input of a dry run that asks the
 * process's update callback whether the caller may change that field (the portal's details
 * form). NULL for another name, or when no other value fits the field. */
itsm_ticket_t *itsm_doc_changed_copy(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *t,
                                     const char *name, apr_time_t now);
void itsm_doc_render_field(apr_pool_t *p, itsm_xml_out_t *w, const itsm_field_t *f,
                           const char *value);
/* how: ITSM_DOC_NESTED writes the kind's element around the ticket; ITSM_DOC_ITEM writes it
 * as a list item or search result, without its ITSM_FIELD_DETAIL fields. */
#define ITSM_DOC_NESTED 0x1
#define ITSM_DOC_ITEM   0x2
void itsm_doc_render_ticket(itsm_call_t *c, itsm_xml_out_t *w, const itsm_kind_t *k,
                          const itsm_ticket_t *t, int how);
void itsm_doc_set_etag(request_rec *r, const itsm_ticket_t *t);
int itsm_doc_send_ticket(itsm_req_t *q, itsm_call_t *c, int status, const itsm_ticket_t *t);
void itsm_doc_render_linked(itsm_call_t *c, itsm_xml_out_t *w, const itsm_kind_t *k,
                   const itsm_ticket_t *t);
/* Suggestions at triage (itsm_suggest_t): found when a ticket of a kind others suggest to is
 * written in its initial state with new words (old NULL: created), kept in t's reserved field
 * ITSM_SUGGESTED ("kind:number ...", best first), dropped when it leaves that state; the
 * store must be open. A store fault is logged and leaves none. */
#define ITSM_SUGGESTED "suggest.found"
/* The journal action of the news of another ticket written into the tickets linked to it
 * (itsm_req_tell_linked); its note is shown only to those who may see that ticket
 * (itsm_req_shown_note). A journal entry's action, not a grant of the role table. */
#define ITSM_ACTION_LINKED_NOTE "linked-note"
/* The reserved field of a linking ticket holding the numbers of the targets it links to with
 * a type whose rule shows their fields (itsm_link_rule_t.shows): "linked.<type>". */
#define ITSM_SHOWN_PREFIX "linked."
void itsm_doc_find_suggestions(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                      itsm_ticket_t *t, apr_time_t now);
apr_array_header_t *itsm_doc_diff(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *old,
                                const itsm_ticket_t *t);
void itsm_doc_address(itsm_req_t *q, const itsm_kind_t *k, itsm_journal_t *j, const itsm_ticket_t *t);
int itsm_doc_check_party(itsm_req_t *q, const char *party);
/* The references of t checked (a refusal put on c / answered): each ticket, party, person and
 * group it names exists (and may be named); a person's or group's name is set on t as the
 * directory spells it. */
int itsm_doc_references_ok(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                         const itsm_ticket_t *old, itsm_ticket_t *t);
int itsm_doc_check_references(itsm_req_t *q, const itsm_ticket_t *old, itsm_ticket_t *t);

/* views.c */
int itsm_view_aged(itsm_req_t *q);
int itsm_view_stats(itsm_req_t *q);
int itsm_view_list(itsm_req_t *q);
int itsm_view_service(itsm_req_t *q);
int itsm_view_me(itsm_req_t *q);
int itsm_view_feed(itsm_req_t *q);
int itsm_view_view(itsm_req_t *q, const itsm_view_t *v);
const itsm_view_t *itsm_view_find(itsm_req_t *q, const char *path);
int itsm_view_resource(itsm_req_t *q, const char *rest);
int itsm_view_desks(itsm_req_t *q);

/* tickets.c */
int itsm_tickets_create(itsm_req_t *q);
int itsm_tickets_load(itsm_req_t *q, const char *number, const char *action, itsm_ticket_t **t);
int itsm_tickets_change(itsm_req_t *q, const char *number, const char *action);
int itsm_tickets_get(itsm_req_t *q, const char *number);
int itsm_tickets_sla(itsm_req_t *q, const char *number, const char *clock);
/* The journal and the links of a ticket; read: the ticket when the caller read it already
 * (itsm_tickets_load, as the portal's page of it does), NULL to read it here. */
int itsm_tickets_journal(itsm_req_t *q, const char *number, const itsm_ticket_t *read);
int itsm_tickets_versions(itsm_req_t *q, const char *number, const char *which);
int itsm_tickets_vote(itsm_req_t *q, const char *number);
int itsm_tickets_links(itsm_req_t *q, const char *number, const itsm_ticket_t *read);
int itsm_tickets_link(itsm_req_t *q, const char *number);
int itsm_tickets_unlink(itsm_req_t *q, const char *number, const char *type, const char *target);

/* portal.c: HTML pages and form posts for browsers */
int itsm_portal_wants_html(request_rec *r);
int itsm_portal_begin(itsm_req_t *q, const char *const *seg, int n);
int itsm_portal_form_body(itsm_req_t *q, const char **xml, apr_size_t *len);
void itsm_portal_ticket(itsm_req_t *q, const itsm_ticket_t *t);
int itsm_portal_new(itsm_req_t *q);
int itsm_portal_send(request_rec *r, int status, const char *body, apr_size_t len);

#endif
