/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The contract between the mod_itsm core and its process modules: the generic ticket, the
 * kinds a process declares, the provider a process module registers, and the services the
 * core offers a process during a call. No httpd header: process rules written against this
 * header can be unit-tested alone. A process module links only the SDK (libitsm_sdk: codec,
 * calendar and SLA arithmetic, XML helpers); everything stateful (store, directory, role
 * table) stays in mod_itsm.so and is reached through itsm_services_t. */
#ifndef ITSM_H
#define ITSM_H

#include <apr_optional.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "itsm_xml.h"

#define ITSM_NS "urn:mod-itsm:xml:1"

/* Process modules register under this provider group, e.g.
 * ap_register_provider(p, ITSM_PROCESS_GROUP, "incident", ITSM_PROCESS_VERSION, &incident_process);
 * The provider version names the group's protocol and never moves, so that the core sees a
 * process built against another contract and can refuse it by its ABI (below) with a reason,
 * instead of not seeing it at all. */
#define ITSM_PROCESS_GROUP "itsm_process"
#define ITSM_PROCESS_VERSION "1"

/* Stable message numbers of the core's and the processes' log lines, as httpd's AH numbers:
 * grep-able in logs and docs (docs/directives.md); one number, one call site. */
#define ITSMLOGNO(n) "ITSM" #n ": "

/* The version of this contract: it moves with every change of a public struct (this header,
 * itsm_codec.h, itsm_sla.h, itsm_xml.h, itsm_events.h). A process records the version and the
 * size of itsm_process_t it was built with (ITSM_PROCESS_ABI, first in itsm_process_t); the
 * core refuses to start with a process of another version (ITSM00050). */
#define ITSM_ABI_VERSION 17    /* 17: itsm_kind_t.derive, derivation and title_sort_field
                                 * (a core without them would keep the fields a process
                                 * derived by older rules, and sort titles as the database
                                 * lowers them), itsm_utf8_space;
                                 * 16: itsm_search_t.gap_field and itsm_search_gap_t.drafted
                                 * (a core without them answers no gap as drafted);
                                 * 15: itsm_kind_t.frozen_states (a core without it would
                                 * add links to a closed problem);
                                 * 14: ITSM_FIELD_VOTES (a core without it would index the
                                 * field from the ticket, never from the votes) and
                                 * itsm_services_t.allows;
                                 * 13: itsm_clock_t.target_field (a clock whose target is the
                                 * ticket's own duration field); 12: itsm_search_t.prefix_index; 11: itsm_services_t.ticket_list (itsm_list_query_t) and
                                 * ticket_children; 10: render and resource callbacks write with itsm_xml_out_t
                                 * (itsm_xml.h) instead of libxml2's xmlTextWriter, and
                                 * ITSM_FIELD_DETAIL; 9:
                                 * itsm_services_t without abi and size (the check above covers
                                 * the services table); 8: ITSM_FIELD_EDITORS_ONLY (a core
                                 * without it would show the field to every reader) */

/* A person as the directory knows them, resolved by the core for every call. */
typedef struct itsm_identity_t {
    const char *uid;            /* login, as the directory spells it */
    const char *dn;             /* person DN */
    const char *display_name;   /* cn */
    const char *email;          /* mail, may be NULL */
    const char *party;          /* itsmPartyId of the person's party, NULL if none */
    const char *party_name;     /* o of that party, NULL if none */
    apr_array_header_t *acts_for;   /* const char *: Party IDs the person's party acts for (itsmActsFor, resolved to itsmPartyId) */
    apr_array_header_t *roles;      /* const char *: cn of itsmRole groups the person is a member of */
    apr_array_header_t *groups;     /* const char *: cn of itsmResolverGroup groups the person is a member of */
    apr_array_header_t *market_roles;   /* const char *: itsmMarketRole of the person's party */
} itsm_identity_t;

/* A ticket of any kind. Strings live in the request pool. */
typedef struct itsm_ticket_t {
    apr_int64_t id;
    const char *number;         /* prefix + 7 digits, set by the core on create */
    const char *kind;
    const char *party;          /* Party ID owning the ticket: the isolation key */
    const char *state;
    const char *title;
    const char *priority;       /* on the process's own scale ("P1".."P5", "L1".."L4"), or NULL */
    const char *assignee;       /* login or NULL */
    const char *group;          /* resolver group or NULL */
    apr_time_t opened;
    apr_time_t updated;
    const char *created_by;
    int version;
    apr_table_t *fields;        /* "description" and the kind's own fields, name -> text */
    const char *tags;           /* set by the process: "major" or "", for public views */
    int sla_open;               /* set by the core: a clock with a target still runs */
    const char *sla_notified;   /* set by the sweep: "response:warning,..." announced */
} itsm_ticket_t;

/* A journal entry; changes holds itsm_change_t. */
typedef struct itsm_journal_t {
    apr_int64_t seq;
    apr_time_t at;
    const char *actor;
    const char *action;
    apr_array_header_t *changes;
    const char *note;           /* NULL when none */
    /* Notification written with the entry (the outbox), to its followers (itsm_followers): */
    apr_array_header_t *recipients; /* const char *: "login", "role:NAME", "group:NAME"; may
                                     * be NULL */
    const char *party;          /* the ticket's party */
    int party_wide;             /* every person of that party follows the ticket */
    const char *summary;        /* one line for the feed */
} itsm_journal_t;

typedef struct itsm_link_t {
    const char *type;
    int outgoing;               /* 1: this ticket -> number; 0: number -> this ticket */
    const char *number;
    const char *kind;
    apr_time_t at;
    const char *actor;
} itsm_link_t;

typedef struct itsm_sla_config_t itsm_sla_config_t;
typedef struct itsm_services_t itsm_services_t;

/* A match of the search service (itsm_services_t.search), best first. */
typedef struct itsm_search_hit_t {
    const char *number;
    const char *title;
    double rank;                /* higher is better; comparable within one answer only */
    const itsm_ticket_t *ticket;    /* as the caller reads it (a reader: its published version),
                                     * without its ITSM_FIELD_DETAIL fields (read it for them) */
} itsm_search_hit_t;

/* A search gap (itsm_services_t.search_gaps): a normalised query of one party on one kind
 * that found nothing (misses), or found tickets and was followed within the deflection
 * window by a ticket of a deflection target raised by the same person (deflections). */
typedef struct itsm_search_gap_t {
    const char *kind;           /* the kind searched */
    const char *query;          /* normalised: lower case words, "phrases", prefix* */
    const char *party;          /* the searchers' party ("" for people without one) */
    apr_int64_t misses;         /* searches that found nothing */
    apr_int64_t deflections;    /* failed deflections */
    apr_time_t first_seen, last_seen;
    /* The number of a ticket of the kind drafted from the gap (itsm_search_t.gap_field holds
     * the query): the first of those not in a final state whose party is in the caller's
     * scope; NULL when none (or the caller reads the kind as published, or the query is
     * longer than the field index holds, 200 bytes). ABI 16. */
    const char *drafted;
} itsm_search_gap_t;

/* What a process callback sees of the request, and where it reports a refusal. */
typedef struct itsm_call_t {
    apr_pool_t *pool;
    const itsm_identity_t *who;
    apr_time_t now;
    const itsm_services_t *svc;     /* the core's services for this call; never NULL */
    void *core;                     /* the core's own state of the call: opaque to processes */
    const void *process_config;     /* the calling process's server configuration (its module's
                                     * per-server record for the request's virtual host); read
                                     * it with the accessor ITSM_PROCESS_CONFIG declares */
    const itsm_sla_config_t *sla;   /* service levels (ITSMSLAFile), NULL if none */
    int importing;              /* the create carries an <opened> time (migration import);
                                 * t->state is then the imported state or NULL */
    int status;                 /* set by itsm_call_fail */
    const char *code;
    const char *message;
} itsm_call_t;

/* Declares `static const type *name(const itsm_call_t *c)`, the typed accessor of a process's
 * own configuration: the core puts the record of the module named in itsm_process_t.module
 * into every call, so the cast lives here once. */
#define ITSM_PROCESS_CONFIG(type, name) \
    static inline const type *name(const itsm_call_t *c) { return (const type *)c->process_config; }

/* What the list service (itsm_services_t.ticket_list) lists: the tickets of a kind that its
 * list (GET /{collection}) would show the caller with these filters, in creation order. */
#define ITSM_LIST_FIELDS 8
typedef struct itsm_list_query_t {
    const char *state, *assignee, *group;   /* NULL: any */
    int open;                   /* 1: only those not in a final state of the kind */
    const char *field[ITSM_LIST_FIELDS];    /* indexed fields of the kind (the first NULL ends
                                             * them) equal to the values beside them */
    const char *value[ITSM_LIST_FIELDS];
    int limit;                  /* 1..500 */
    int offset;                 /* from 0 */
} itsm_list_query_t;

/* Services of the core, reached through c->svc during a call. Every read is scoped to the
 * caller's parties as the request itself is; statuses are APR's: APR_SUCCESS, APR_NOTFOUND
 * (absent or not visible to the caller), anything else a fault of the store or directory
 * (the core logs it; a callback refuses the call with itsm_call_fail, usually 503).
 * The table carries no version of its own: a slot added later moves ITSM_ABI_VERSION, and
 * the core starts only with processes built against its own version (ITSM00050), so every
 * slot a process was compiled with is there, never NULL. */
struct itsm_services_t {
    /* A ticket of kind (NULL: any kind) by number, allocated in c->pool. */
    apr_status_t (*ticket_get)(itsm_call_t *c, itsm_ticket_t **out, const char *kind,
                               const char *number);
    /* The links from and to a ticket whose other end the caller may see (itsm_link_t). */
    apr_status_t (*ticket_links)(itsm_call_t *c, apr_array_header_t **out,
                                 const itsm_ticket_t *t);
    /* Is login a member of resolver group group? (directory, through the core's cache) */
    apr_status_t (*group_member)(itsm_call_t *c, int *member, const char *login,
                                 const char *group);
    /* Is name a desk of the directory of desks (ITSMDesksFile)? True when none is configured. */
    int (*desk_known)(const itsm_call_t *c, const char *name);
    /* A ticket of another kind (t->kind; title, party and fields filled in c->pool), created in
     * the transaction of the change being made (a problem's workaround published as a
     * knowledge article), and linked from the ticket being changed with link_type (NULL: not
     * linked; else "relates-to" or a type the calling kind declares). The core checks it as a
     * request's ticket: the caller's grant of create on that kind, that kind's create
     * callback, required and typed fields, what they name. On a refusal it returns the
     * refusal's status with c->status, c->code and c->message set (return c->status to pass
     * it on); APR_SUCCESS otherwise. t->number is set once the change commits. */
    apr_status_t (*ticket_create)(itsm_call_t *c, itsm_ticket_t *t, const char *link_type);
    /* The best matches (itsm_search_hit_t), at most limit (1..100), of the tickets of kind (a
     * kind declaring search) that the caller may read (none without the role table's grant
     * to read the kind; APR_EINVAL for a kind that is not searchable), for text: its words
     * (the first ITSM_SEARCH_MAX_TERMS; phrases and prefixes as in GET ?q=) are
     * alternatives, any of them matches (suggestions at triage: a new incident's title and description), ranked
     * as a list's search. Text without a word answers no matches. Not counted in the search
     * analytics. */
    apr_status_t (*search)(itsm_call_t *c, const char *kind, const char *text, int limit,
                           apr_array_header_t **out);
    /* Search gaps of kind (NULL: every kind) within the caller's parties (itsm_search_gap_t),
     * the most frequent first (misses + deflections, then the latest), at most limit
     * (1..500) from offset, each with the ticket of kind drafted from it if any
     * (itsm_search_gap_t.drafted; kind NULL: none). The caller's module checks who may see
     * them. */
    apr_status_t (*search_gaps)(itsm_call_t *c, const char *kind, int limit, int offset,
                                apr_array_header_t **out);
    /* Tell the tickets linked to t by links of type (either direction; NULL: any type) that
     * are still open (not in a final state of their kind): each gets a journal entry
     * (action "linked-note", the note) and its followers a notification, written in the
     * transaction of the change being made (a resolved problem tells its open incidents).
     * Every such ticket is told whatever the caller may see: the note goes to their own
     * followers. *told (may be NULL): how many. Store faults as for ticket_get. */
    apr_status_t (*linked_note)(itsm_call_t *c, const itsm_ticket_t *t, const char *type,
                                const char *note, int *told);
    /* The tickets of kind (itsm_ticket_t *, in c->pool) that match query, as the kind's list
     * would show them to the caller: at most query->limit from query->offset, *more (may be
     * NULL) set when more follow; none without the role table's grant to read kind.
     * APR_EINVAL for a kind that is not loaded, of audience visibility or versioned and read
     * by the caller as published (list those with GET), a field that is not an indexed field
     * of the kind, is hidden from the caller or comes twice, a limit outside 1..500 or an
     * offset below 0. */
    apr_status_t (*ticket_list)(itsm_call_t *c, apr_array_header_t **out, int *more,
                                const char *kind, const itsm_list_query_t *query);
    /* The child tickets of t (of the kinds whose parent_field names t's kind) that the caller
     * may read (the role table's grant to read their kind, their party in the caller's scope;
     * itsm_ticket_t *, in c->pool), in the order they were made. */
    apr_status_t (*ticket_children)(itsm_call_t *c, apr_array_header_t **out,
                                    const itsm_ticket_t *t);
    /* Whether the role table (ITSMAuthzFile) grants the caller's roles action on tickets of
     * kind, whatever ticket (a relation such as raiser is not a role's grant): for a process
     * that shows or takes something only the holders of a grant may see, as a resource's
     * action does for its GET (the knowledge gaps behind an article drafted from one). */
    int (*allows)(itsm_call_t *c, const char *kind, const char *action);
};

/* Refuse the call with an HTTP status, a stable error code and a human message; returns status. */
int itsm_call_fail(itsm_call_t *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The parameters of a query (args, as a resource's get receives them) against those the
 * resource takes (known, NULL-terminated; NULL: none): the first other one refuses the call
 * (400 bad-query naming it), as the core's lists do, for a parameter silently ignored would
 * answer more than was asked; 0 when every one is known. */
int itsm_call_query_known(itsm_call_t *c, const apr_table_t *args, const char *const *known);

/* The type of a field: the core parses, checks and writes its value in canonical form
 * (itsm_field_check), and checks what it names (a ticket, party, person or group exists and
 * may be named by the caller) before anything is written. */
typedef enum itsm_field_type_e {
    ITSM_TYPE_TEXT = 0,         /* one line (the default) */
    ITSM_TYPE_LONG_TEXT,        /* free text, line breaks kept */
    ITSM_TYPE_INTEGER,          /* decimal, within [min, max] when min < max */
    ITSM_TYPE_BOOLEAN,          /* "true"/"false" ("1"/"0" accepted) */
    ITSM_TYPE_DATETIME,         /* RFC 3339, written back in UTC ("...Z") */
    ITSM_TYPE_DURATION,         /* xs:duration of days, hours, minutes, seconds: "P1DT2H" */
    ITSM_TYPE_ENUM,             /* one of values */
    ITSM_TYPE_TICKET,           /* a ticket number of kind refers_to the caller may see */
    ITSM_TYPE_PARTY,            /* a Party ID of the directory */
    ITSM_TYPE_PERSON,           /* a login of the directory */
    ITSM_TYPE_GROUP,            /* a resolver group of the directory */
    ITSM_TYPE_XHTML             /* a safe subset of XHTML (itsm_xhtml_check in itsm_xml.h):
                                 * taken as markup in documents, refused beyond the subset,
                                 * stored and rendered in canonical form */
} itsm_field_type_e;

/* A field of a kind besides the common ones; its element name is its key in ticket->fields. */
#define ITSM_FIELD_REQUIRED    0x1  /* must be present on create */
#define ITSM_FIELD_READONLY    0x2  /* set by the process, refused in requests */
#define ITSM_FIELD_CREATE_ONLY 0x4  /* settable on create, refused on update */
#define ITSM_FIELD_INDEXED     0x8  /* kept in the store's field index: lists filter and count on it */
#define ITSM_FIELD_UNIQUE      0x10 /* with INDEXED: no two tickets of the kind, of any party,
                                     * hold the same value (409 duplicate) */
#define ITSM_FIELD_RAISER_READS 0x20 /* a ticket reference the ticket's raiser must be able
                                     * to read too (their party, audience and roles), not only
                                     * the caller: guidance given to a participant */
#define ITSM_FIELD_EDITORS_ONLY 0x40 /* shown only to those whose roles may update the kind
                                     * (its editors): left out of the ticket's document, its
                                     * versions, lists, searches, views, journal and version
                                     * differences for everyone else, who cannot filter on it */
#define ITSM_FIELD_SORTABLE (0x80 | ITSM_FIELD_INDEXED) /* lists sort on it (sort=FIELD, by
                                     * its stored text); carries INDEXED: the field is in the
                                     * store's field index */
#define ITSM_FIELD_DETAIL      0x100 /* read with its ticket alone: the ticket's document,
                                     * its versions and pages hold it; list items and search
                                     * results leave it out (an article's body: a result list
                                     * shows the snippet, and a cached search answer stays a
                                     * fraction of the size) */
#define ITSM_FIELD_VOTES (0x200 | ITSM_FIELD_READONLY | ITSM_FIELD_INDEXED) /* versioned
                                     * kinds: kept by the core from the helpfulness votes in
                                     * the field index, written in each vote's transaction,
                                     * so that itsm_search_t.boost_field can name it. No
                                     * request sets it (read-only) and the process leaves it
                                     * alone: the index holds it, not the ticket, whose
                                     * document does not show it. The value is the
                                     * ticket's net helpfulness: each voter's latest vote (on
                                     * the newest version they voted on), +1 helpful, -1 not
                                     * (docs/knowledge.md says why). Back-filled from the
                                     * stored votes at the start that first sees it. */
typedef struct itsm_field_t {
    const char *name;
    unsigned flags;
    const char *refers_to;      /* ITSM_TYPE_TICKET: the kind of ticket it names (a field with
                                 * refers_to and no type is a ticket reference too) */
    itsm_field_type_e type;
    const char *const *values;  /* ITSM_TYPE_ENUM: the allowed values, NULL-terminated */
    apr_int64_t min, max;       /* ITSM_TYPE_INTEGER: bounds, when min < max */
} itsm_field_t;

/* The field's type (a field declaring only refers_to is a ticket reference). */
itsm_field_type_e itsm_field_type(const itsm_field_t *f);
/* Parse text as a value of field f: APR_SUCCESS and *value, its canonical form (in p), or
 * APR_EINVAL and *why, a human reason (in p). What a value names (ticket, party, person,
 * group) is checked by the core, not here. */
apr_status_t itsm_field_check(const itsm_field_t *f, const char *text, apr_pool_t *p,
                              const char **value, const char **why);

/* Typed reads and writes of a ticket's fields, for process rules: a missing or unparsable
 * value reads as dflt (0 for a time). */
/* The reserved field of a versioned kind's ticket (itsm_kind_t.publish_action) holding the
 * number of its current published version, absent while none is: kept by the core, never
 * rendered as a field; a process reads it (itsm_ticket_int) to tell a working copy whose
 * earlier version readers still read from one never published or withdrawn. */
#define ITSM_VERSION_PUBLISHED "version.published"

/* Whether t holds the value of name as old does: "assignee", "group", "priority" and "title"
 * the ticket's own, any other name a field; an empty value is as none, and so is every value of old NULL (a
 * new ticket). For a process's rules on what a change may touch (a text only its action
 * records). */
int itsm_ticket_same(const itsm_ticket_t *old, const itsm_ticket_t *t, const char *name);
/* Whether the caller may leave t as it stands where some values are one role's to set
 * ("the service desk assigns"): 1 when t keeps every value of names (NULL-terminated) as
 * old has it (itsm_ticket_same), or when the role table grants the caller grant on kind
 * (itsm_services_t.allows); 0 otherwise, for the process to refuse (403) with its own
 * words. A PATCH and an action's document go through the same check. */
int itsm_call_keeps(itsm_call_t *c, const char *kind, const char *grant,
                    const itsm_ticket_t *old, const itsm_ticket_t *t, const char *const *names);
apr_int64_t itsm_ticket_int(const itsm_ticket_t *t, const char *name, apr_int64_t dflt);
int itsm_ticket_bool(const itsm_ticket_t *t, const char *name, int dflt);
apr_time_t itsm_ticket_time(const itsm_ticket_t *t, const char *name);
void itsm_ticket_set_int(apr_pool_t *p, itsm_ticket_t *t, const char *name, apr_int64_t v);
void itsm_ticket_set_bool(itsm_ticket_t *t, const char *name, int v);
void itsm_ticket_set_time(apr_pool_t *p, itsm_ticket_t *t, const char *name, apr_time_t v);

/* Who follows a ticket (itsm_kind_t.followers): they find its changes and the SLA sweep's
 * announcements in their feed. Nobody hears of their own changes. */
#define ITSM_FOLLOW_RAISER   0x1    /* the person who raised it */
#define ITSM_FOLLOW_PARTY    0x2    /* every person of its party */
#define ITSM_FOLLOW_ASSIGNEE 0x4    /* its assignee */
#define ITSM_FOLLOW_GROUP    0x8    /* every member of its resolver group */
#define ITSM_FOLLOW_APPROVERS 0x10  /* the logins its kind's approvers_field names */

/* The next login of a list (comma- or space-separated, as an approvers_field holds them) at
 * *s: its start, its length in *len, and *s moved past it; NULL when none is left. */
const char *itsm_login_next(const char **s, apr_size_t *len);

struct itsm_kind_t;
/* The followers of t (a ticket of kind k) for an entry j made by actor: fills j->recipients,
 * j->party and j->party_wide; escalate_role (or NULL) is added as a role, for SLA breaches. */
void itsm_followers(apr_pool_t *p, const struct itsm_kind_t *k, const itsm_ticket_t *t,
                    const char *actor, const char *escalate_role, itsm_journal_t *j);
/* The recipients, as itsm_followers names them ("role:NAME", "group:NAME"), that a person
 * with these roles and resolver groups (either NULL) is among: what their feed reads besides
 * their login and their party. */
apr_array_header_t *itsm_followed(apr_pool_t *p, const apr_array_header_t *roles,
                                  const apr_array_header_t *groups);

/* A type of link a kind's tickets may make (POST .../links), and how many. Every kind may
 * make ITSM_LINK_RELATES ("relates-to", to any kind, any number); any other type must be
 * declared by the linking ticket's kind, or the link is refused (422 invalid-link). */
#define ITSM_LINK_RELATES "relates-to"
#define ITSM_LINK_CHILD "child-of"     /* made by the core from a child to its parent */
typedef struct itsm_link_rule_t {
    const char *type;           /* "caused-by" */
    const char *to_kind;        /* the kind of the target; NULL: any kind */
    int max_out;                /* links of this type one ticket may make; 0: no limit */
    int max_in;                 /* links of this type one target may receive; 0: no limit
                                 * (many incidents caused by one problem: max_out 1, max_in 0) */
    /* A rule declared by the target's kind (ABI 6): links of this type made to this kind's
     * tickets by tickets of from_kind (to_kind is then this kind, and may be left NULL). The
     * link is always stored from the from_kind ticket to this kind's; it may be posted on
     * either end (POST .../links on this kind's ticket naming the from_kind ticket), and this
     * kind's `linked` callback hears of it (t: its ticket, other: the linking one). NULL: a
     * rule of the linking kind, as before. */
    const char *from_kind;
    /* Fields of the target shown in the linking ticket's own representation while that ticket
     * is open (not in a final state of its kind), to a reader who may see the target:
     * <linked type= number= kind=><field>value</field>...</linked> (an incident shows the
     * workaround of the problem that caused it). The linking ticket keeps the targets'
     * numbers with each link made through POST .../links (not with a ticket_create's link).
     * NULL-terminated; NULL: none. */
    const char *const *shows;
} itsm_link_rule_t;

/* When an SLA clock starts. */
typedef enum itsm_clock_start_e {
    ITSM_CLOCK_AT_OPENED = 0,   /* when the ticket was logged (t->opened) */
    ITSM_CLOCK_ON_STATE,        /* the first time the ticket enters state start_on */
    ITSM_CLOCK_ON_ACTION        /* the first time action start_on is taken */
} itsm_clock_start_e;

/* The longest name a clock may have: lower-case letters, digits and hyphens (its reserved
 * fields are "sla.<mark>.<name>"; httpd does not start with a longer or other name). */
#define ITSM_CLOCK_NAME_MAX 40

/* An SLA clock of a kind. The core records its start when the event happens (in the change's
 * transaction) and evaluates it on every representation; before its event it is "not
 * started" (no due time). Its target comes from ITSMSLAFile by kind, class value and name,
 * or, with target_field, from the ticket itself. */
typedef struct itsm_clock_t {
    const char *name;           /* "response", "resolution", "root-cause" (ITSM_CLOCK_NAME_MAX) */
    itsm_clock_start_e start;
    const char *start_on;       /* the state or action that starts it (ON_STATE, ON_ACTION) */
    int own_pauses;             /* 1: it pauses only through itsm_ticket_clock_pause(t, name);
                                 * 0: through the ticket-wide itsm_ticket_pause */
    const char *class_field;    /* the field whose value picks the target ("level");
                                 * NULL: the ticket's priority */
    const char *target_field;   /* an ITSM_TYPE_DURATION field of the kind whose value is the
                                 * target (a request's own fulfilment time), on the calendar
                                 * ITSMSLAFile's <ownTarget> names for the clock, else 24x7;
                                 * no value: no target. NULL: by class value (above), which it
                                 * excludes */
} itsm_clock_t;

/* A process timer: a due time the process keeps in a date-time field of the ticket ("the next
 * major-incident notice"). Once the due time has passed, the SLA sweep announces it once
 * (journal entry "timer-due" and notifications); a new due time arms it again. */
typedef struct itsm_timer_t {
    const char *name;           /* "next-notice"; the journal change is "timer.<name>" */
    const char *field;          /* the date-time field holding the due time; no value: unarmed */
    const char *const *states;  /* states in which it runs, NULL-terminated; NULL: every state
                                 * but the kind's final_states */
    const char *settled_by;     /* a field whose value settles it for good ("reviewPublished");
                                 * may be NULL */
    const char *role;           /* holders of this role are notified; may be NULL */
    int followers;              /* 1: the ticket's followers (the kind's policy,
                                 * itsm_followers) are notified as of a change */
} itsm_timer_t;

/* Who may see a kind's tickets (itsm_kind_t.visibility). Roles that see all parties see
 * every ticket either way. */
typedef enum itsm_visibility_e {
    ITSM_VISIBLE_PARTY = 0,     /* the ticket's party and the parties acting for it */
    ITSM_VISIBLE_AUDIENCE       /* those too, and the audience named in the field
                                 * audience_field: a space-separated list of "all" (every
                                 * authenticated person), "party:ID" (a party and those acting
                                 * for it), "market-role:NAME" (people whose party holds that
                                 * market role; spaces as '-', any case) and "role:NAME"
                                 * (holders of an ITSM role) */
} itsm_visibility_e;

/* Full-text search (GET /{collection}?q=TEXT, itsm_services_t.search). A searchable kind
 * names the fields its tickets are found by, each with a weight: a match in a heavier field
 * ranks higher (FTS5 bm25() column weights; PostgreSQL setweight A, B, D). The index is kept
 * in the transaction of every write; a versioned kind's readers search its current published
 * versions (indexed on publish, dropped on withdraw), its editors the working copies. */
typedef enum itsm_search_weight_e {
    ITSM_SEARCH_TITLE = 0,      /* heaviest: titles, terms (PostgreSQL weight A) */
    ITSM_SEARCH_KEYWORDS,       /* keywords, categories, services (B) */
    ITSM_SEARCH_BODY            /* description, body, workaround (D) */
} itsm_search_weight_e;

typedef struct itsm_search_field_t {
    const char *name;           /* "title", "description" or a field of the kind */
    itsm_search_weight_e weight;
} itsm_search_field_t;

/* Limits of a query (GET ?q=): longer queries are refused (400 bad-query); the search
 * service takes the first words of a longer text. */
#define ITSM_SEARCH_MAX_BYTES 1024
#define ITSM_SEARCH_MAX_TERMS 32

typedef struct itsm_search_t {
    const itsm_search_field_t *fields;  /* {NULL}-terminated; NULL: the kind is not searchable
                                         * (it may still define synonyms or be a target) */
    /* Synonyms (a glossary): each ticket's title and the value of this field (an acronym)
     * expand each other in every search of every kind: "DIP" also finds "Data Integration
     * Platform" and the reverse. A versioned kind's published versions define them, else its
     * tickets as they are. NULL: none. */
    const char *synonym_field;
    /* Deflection target (cases): a ticket of this kind created by a person within the
     * deflection window (ITSMSearchDeflectionWindow, an hour by default) after a search of
     * theirs that found tickets counts as a failed deflection of that search's query. */
    int deflection_target;
    /* An integer field of the kind, declared ITSM_FIELD_INDEXED, that raises a ticket's rank
     * (helpful votes: an ITSM_FIELD_VOTES field): the engine's rank times 1 + v / (v + 10)
     * for a value v > 0 (a ticket's rank at most doubles). NULL: none. A versioned kind's
     * must be an ITSM_FIELD_VOTES field: a published version is ranked by the ticket's
     * value, which a plain field would take from the working copy, a draft. */
    const char *boost_field;
    /* Prefix queries (`word*`) served from prefix indexes (SQLite: the kind's rows in a
     * second FTS5 index that also keeps the doclists of every prefix of 2 to 6 characters,
     * so that `in*` reads one doclist instead of merging those of every word starting with
     * "in"). Costs each write of the kind's tickets about three times the index work: for
     * kinds searched much and written little (articles). A kind that changes it is moved at the
     * next start. PostgreSQL: no effect (its GIN index serves prefixes). ABI 12. */
    int prefix_index;
    /* A field of the kind, declared ITSM_FIELD_INDEXED, holding the query of the search gap
     * a ticket was drafted from (an article made from a knowledge gap): the gaps read
     * (itsm_services_t.search_gaps) names such a ticket in each gap (drafted), in the same
     * statement. NULL: none. ABI 16. */
    const char *gap_field;
} itsm_search_t;

/* A kind of ticket. Callbacks return 0 to go on, or the status of itsm_call_fail. They change
 * only the ticket they are given; the core stores, journals and renders. */
typedef struct itsm_kind_t {
    const char *kind;           /* key in the store and the role table: "incident" */
    const char *collection;     /* path segment: "incidents" */
    const char *element;        /* root element of its documents: "incident" */
    const char *prefix;         /* number prefix: "INC" */
    const itsm_field_t *fields; /* terminated by a {NULL} entry; may be NULL */
    const char *const *actions; /* process actions (transitions), NULL-terminated */
    const char *initial_state;  /* state of a new ticket that create leaves without one */
    const char *const *final_states;    /* states in which the ticket is finished (open=, aged view) */
    /* optional: why an open ticket is ageing, for the aged view ("awaiting participant") */
    const char *(*ageing_reason)(const itsm_ticket_t *t);
    unsigned followers;         /* who hears of its changes and SLA announcements:
                                 * ITSM_FOLLOW_*; 0 is ITSM_FOLLOW_RAISER */
    const char *follow_role;    /* holders of this role follow every ticket of the kind */
    const itsm_clock_t *clocks; /* SLA clocks, terminated by a {NULL} entry; may be NULL.
                                 * Targets come from ITSMSLAFile by kind and class value */
    const itsm_timer_t *timers; /* process timers the sweep announces, terminated by a {NULL}
                                 * entry; may be NULL */
    const char *escalate_role;  /* holders of this role are notified of every SLA breach
                                 * (ITSMSLAEscalateRole overrides it for all kinds); NULL: none */
    const char *approvers_field;    /* a field of the kind holding the logins (comma- or
                                 * space-separated) of its approvers, for role table grants to
                                 * relation "approver"; NULL: none */
    int (*create)(itsm_call_t *c, itsm_ticket_t *t);
    int (*update)(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);
    int (*action)(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t);
    /* optional: extra children after the fields (e.g. <sla>) */
    void (*render)(itsm_call_t *c, itsm_xml_out_t *w, const itsm_ticket_t *t);

    /* Links: the types this kind's tickets may make besides "relates-to". */
    const itsm_link_rule_t *link_rules;     /* {NULL}-terminated; may be NULL */
    /* optional: a link of a declared type from t to other is being added (added 1) or
     * removed (0). t is the ticket as it will be written (old as it was): the callback may
     * derive fields, written with the link in one transaction, or refuse the link. */
    int (*linked)(itsm_call_t *c, const char *type, int added, const itsm_ticket_t *old,
                  itsm_ticket_t *t, const itsm_ticket_t *other);

    /* Children: a kind whose tickets belong to a ticket of another kind (the tasks of a
     * request, the review actions of an incident). */
    const char *parent_field;   /* the field naming the parent (a ticket reference, required
                                 * and create-only): the core links child -> parent
                                 * (ITSM_LINK_CHILD) in the create's transaction */
    int blocks_parent;          /* the parent cannot enter a final state while a child of this
                                 * kind is open (409 children-open) */
    /* optional, on the parent's kind: a child was created (old_state NULL) or changed state;
     * the callback may change the parent (parent, from parent_old), which is then written
     * in the child's transaction with a journal entry of its own, or refuse the child's
     * change. */
    int (*child_changed)(itsm_call_t *c, const itsm_ticket_t *child, const char *old_state,
                         const itsm_ticket_t *parent_old, itsm_ticket_t *parent);

    /* Visibility and published versions (knowledge articles). */
    itsm_visibility_e visibility;
    const char *audience_field; /* ITSM_VISIBLE_AUDIENCE: the field holding the audience */
    /* Versioned kinds: when this action succeeds the core snapshots the ticket (title,
     * state, fields) as its next published version, in the action's transaction. Those who
     * may not update the kind read the latest published version as the ticket, and the
     * earlier published versions whose audience names them (never a draft); its editors read
     * the working copy. NULL: not versioned. */
    const char *publish_action;
    const char *withdraw_action;    /* optional: takes the ticket out of publication (its
                                     * versions stay for its editors); the core keeps the
                                     * number of the current published version in the
                                     * ticket's reserved field ITSM_VERSION_PUBLISHED */

    /* Full-text search, synonyms and search analytics (itsm_search_t); NULL: none. */
    const struct itsm_search_t *search;

    /* Suggestions at triage (itsm_suggest_t, ABI 6): this kind's tickets offered to the agents
     * of new tickets of other kinds (known errors to a new incident); NULL: none. */
    const struct itsm_suggest_t *suggest;

    /* States in which a ticket is not changed any more by links (ABI 15), NULL-terminated;
     * NULL: none. The core refuses adding or removing a link of any type that would write
     * such a ticket (409 invalid-transition, nothing written): the ticket in the path, and
     * the other end when the link goes from it (posted on its target) or its kind declares
     * the type with a linked callback. A link from another ticket that only names it is
     * made (it writes the linking ticket alone). */
    const char *const *frozen_states;

    /* Fields the process derives from the ticket alone (ABI 17; a glossary term's key):
     * derive sets them in t->fields from t's own title and fields, as the kind's create and
     * update do on each write (pure: no call, no store; allocations in p). derivation names
     * the rules, and changes whenever what derive makes of a stored ticket would. At the
     * start that first sees a kind's derivation (itsm_derived, schema 29), the core derives
     * every stored ticket of the kind again and writes the fields that changed into it (no
     * journal entry, no new version: published versions keep their fields), then builds the
     * kind's field index and unique values anew from them: where two tickets now hold one
     * unique value, the lower number keeps it (as for a field made unique). The search index
     * is not rebuilt: derive sets no field the kind's search reads. NULL: none. */
    void (*derive)(apr_pool_t *p, itsm_ticket_t *t);
    const char *derivation;

    /* A field that lists order sort=title by (ABI 17): an ITSM_FIELD_SORTABLE field of the
     * kind holding a sort key the process derives from the title, compared as stored text
     * (a glossary's A-Z, its accented letters with their base letters). NULL: the title in
     * lower case as the database lowers it (ASCII letters only on SQLite). */
    const char *title_sort_field;
} itsm_kind_t;

/* Whether k's tickets are searched (GET /{collection}?q=): it names the fields to index. The
 * one test of it for the core's request side and its store. */
static inline int itsm_kind_searchable(const itsm_kind_t *k)
{
    return k->search != NULL && k->search->fields != NULL;
}

/* Suggestions at triage: when a ticket of a kind in for_kinds is created (or its title or
 * description changes while it is in its kind's initial state), the core finds the best
 * matches of its title and description among the tickets of the declaring kind (a
 * searchable kind) over every party and keeps them with it, three times limit of them (at
 * most 10); while it stays in its initial state its representation carries them, to readers
 * whom the role table grants update on its kind (those who triage it), each only if the
 * reader may read it and it still qualifies, the best first and at most limit of them:
 * <suggestions><suggestion number= kind= title=/>...</suggestions>. The matches kept beyond
 * limit stand in for those of parties a reader cannot see. */
typedef struct itsm_suggest_t {
    const char *const *for_kinds;   /* NULL-terminated: "case", "incident" */
    const char *only_field;     /* a boolean field the suggested tickets must have true
                                 * ("knownError"); NULL: any */
    int limit;                  /* at most this many shown to a reader (1..10; 0: 3) */
} itsm_suggest_t;

/* Is name a desk of the directory (ITSMDesksFile)? True when no directory is configured. */
static inline int itsm_call_desk_known(const itsm_call_t *c, const char *name)
{
    return c->svc->desk_known(c, name);
}

/* SLA clock history kept with the ticket (reserved fields "sla.*", never rendered as
 * elements): starts of event-started clocks ("sla.start.<clock>", recorded by the core),
 * ticket-wide pauses ("sla.pauses"), a clock's own pauses ("sla.pauses.<clock>") and stops
 * ("sla.stop.<clock>"). The core evaluates the clocks on every representation. */
void itsm_ticket_pause(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now);
void itsm_ticket_resume(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now);
int itsm_ticket_paused(const itsm_ticket_t *t);
/* The own pauses of a clock declared with own_pauses (the ticket-wide ones do not touch it). */
void itsm_ticket_clock_pause(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now);
void itsm_ticket_clock_resume(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now);
int itsm_ticket_clock_paused(const itsm_ticket_t *t, const char *clock);
/* When an event-started clock started, 0 before its event (or for a clock started at opened). */
apr_time_t itsm_ticket_clock_started(const itsm_ticket_t *t, const char *clock);
/* Stop a clock unless it is stopped already; restart clears its stop. */
void itsm_ticket_clock_stop(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now);
/* Stop a clock, unless it is stopped already, as cancelled: its ticket is withdrawn (an
 * incident's, a problem's cancel), and the clock reads "cancelled", neither met nor missed
 * ("sla.cancel.<clock>" beside its stop); restart clears both. */
void itsm_ticket_clock_cancel(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now);
void itsm_ticket_clock_restart(itsm_ticket_t *t, const char *clock);
/* When a clock stopped, 0 while it runs. */
apr_time_t itsm_ticket_clock_stopped(const itsm_ticket_t *t, const char *clock);
/* Was the clock stopped as cancelled (itsm_ticket_clock_cancel)? */
int itsm_ticket_clock_cancelled(const itsm_ticket_t *t, const char *clock);

/* A public view: tickets of a kind carrying a tag, shown to every authenticated person
 * whatever their party, with only the listed fields (a portal banner). */
typedef struct itsm_view_t {
    const char *path;           /* below the mount point: "major-incidents/active" */
    const char *kind;
    const char *tag;
    const char *element;        /* element of each item: "banner" */
    const char *const *fields;  /* shown fields besides number, title, priority */
} itsm_view_t;

/* A resource of a process's own under the mount point (a glossary, a calendar feed, a
 * report), read with GET. The core resolves the caller, checks the grant (kind, action) in
 * the role table (403), answers 405 to other methods and 404 past one more segment, and
 * renders a refusal as for every resource; the callback writes the document's children. */
typedef struct itsm_resource_t {
    const char *path;           /* below the mount point: "glossary" answers .../glossary and
                                 * .../glossary/{rest} */
    const char *kind;           /* a kind of the same process, and the action on it the */
    const char *action;         /* caller needs ("read") */
    const char *element;        /* root element of the response, in the process's schema */
    /* rest: the segment after path, or NULL; args: the query (form-decoded) */
    int (*get)(itsm_call_t *c, const char *rest, const apr_table_t *args, itsm_xml_out_t *w);
} itsm_resource_t;

/* First in itsm_process_t: what the process was built against. */
#define ITSM_PROCESS_ABI .abi = ITSM_ABI_VERSION, .size = sizeof(itsm_process_t)

typedef struct itsm_process_t {
    int abi;                    /* ITSM_ABI_VERSION; these two members never move */
    apr_size_t size;            /* sizeof(itsm_process_t) */
    const char *name;
    const void *module;         /* the process's httpd module (&my_module), whose per-server
                                 * configuration calls carry (process_config); may be NULL */
    const char *schema;         /* the XSD of its documents (elements of its kinds and views
                                 * in ITSM_NS): relative to ITSMSchemaDir, or absolute; the
                                 * core composes the schema of the loaded processes at start */
    const itsm_kind_t *const *kinds;    /* NULL-terminated */
    const itsm_view_t *const *views;    /* NULL-terminated, may be NULL */
    const itsm_resource_t *const *resources;    /* NULL-terminated, may be NULL */
    const char *stylesheet;     /* the XSLT stylesheet of its pages (docs/portal.md), relative
                                 * to ITSMSchemaDir or absolute, imported after the core's
                                 * itsm-portal.xsl; NULL: the core's generic pages */
} itsm_process_t;

/* The macros below expand in a process module's own file, after httpd's http_config.h: they
 * log with http_log.h, included here for such a file (a file of the process's rules, with no
 * httpd header, does not pull it in). */
#ifdef APACHE_HTTP_CONFIG_H
#include <http_log.h>
#endif

/* The core's presence, as an APR optional function the core registers (its value: the
 * core's ITSM_ABI_VERSION): what a process module's check_config asks, whatever the core's
 * module or source file is named. */
APR_DECLARE_OPTIONAL_FN(int, itsm_core_abi, (void));

/* The httpd module of a process, itsm_NAME_module (`LoadModule itsm_NAME_module ...`), whose
 * register_hooks registers process (an itsm_process_t) as the provider NAME of
 * ITSM_PROCESS_GROUP, and whose check_config refuses a start (and httpd -t) without the core
 * loaded (itsm_core_abi), which alone would read the provider: loaded alone the process
 * answered nothing and said nothing (ITSM00055). In a file that includes http_config.h and
 * ap_provider.h before this header:
 *     ITSM_PROCESS_MODULE(problem, problem_process);
 * A process with directives of its own names its per-server configuration's create and
 * merge functions, its command table and a function registering its other hooks (each may
 * be NULL):
 *     ITSM_PROCESS_MODULE_CONFIG(incident, incident_process, create_conf, merge_conf,
 *                                incident_cmds, incident_hooks); */
#define ITSM_PROCESS_MODULE_CONFIG(name, process, create_conf, merge_conf, cmds, hooks) \
    static int itsm_##name##_needs_core(apr_pool_t *pconf, apr_pool_t *plog, \
                                        apr_pool_t *ptemp, server_rec *s) \
    { \
        (void)pconf; (void)plog; (void)ptemp; \
        if (APR_RETRIEVE_OPTIONAL_FN(itsm_core_abi) != NULL \
            || ap_find_linked_module("mod_itsm.c") != NULL)   /* a core of before 2026-12-07 */ \
            return OK; \
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, ITSMLOGNO(00055) \
                     "mod_itsm_" #name " is loaded without mod_itsm, the core whose process " \
                     "it is: load it too (LoadModule itsm_module .../mod_itsm.so; on Debian " \
                     "a2enmod itsm)"); \
        return HTTP_INTERNAL_SERVER_ERROR; \
    } \
    static void itsm_##name##_register_hooks(apr_pool_t *p) \
    { \
        void (*const more)(apr_pool_t *) = hooks; \
\
        ap_register_provider(p, ITSM_PROCESS_GROUP, #name, ITSM_PROCESS_VERSION, &(process)); \
        ap_hook_check_config(itsm_##name##_needs_core, NULL, NULL, APR_HOOK_MIDDLE); \
        if (more) \
            more(p); \
    } \
    AP_DECLARE_MODULE(itsm_##name) = { \
        STANDARD20_MODULE_STUFF, NULL, NULL, create_conf, merge_conf, cmds, \
        itsm_##name##_register_hooks \
    }
#define ITSM_PROCESS_MODULE(name, process) \
    ITSM_PROCESS_MODULE_CONFIG(name, process, NULL, NULL, NULL, NULL)

#endif
