/* The contract between the mod_itsm core and its process modules: the generic ticket, the
 * kinds a process declares, and the provider a process module registers. No httpd header:
 * process rules written against this header can be unit-tested alone. */
#ifndef ITSM_H
#define ITSM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <libxml/xmlwriter.h>

#include "itsm_ldap.h"

#define ITSM_NS "urn:mod-itsm:xml:1"

/* Process modules register under this provider group, e.g.
 * ap_register_provider(p, ITSM_PROCESS_GROUP, "incident", ITSM_PROCESS_VERSION, &incident_process); */
#define ITSM_PROCESS_GROUP "itsm_process"
#define ITSM_PROCESS_VERSION "1"

/* A ticket of any kind. Strings live in the request pool. */
typedef struct itsm_ticket_t {
    apr_int64_t id;
    const char *number;         /* prefix + 7 digits, set by the core on create */
    const char *kind;
    const char *party;          /* Party ID owning the ticket: the isolation key */
    const char *state;
    const char *title;
    const char *priority;       /* "P1".."P5" or NULL */
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

typedef struct itsm_sla_config_t itsm_sla_config_t;

/* What a process callback sees of the request, and where it reports a refusal. */
typedef struct itsm_call_t {
    apr_pool_t *pool;
    const itsm_identity_t *who;
    apr_time_t now;
    const itsm_sla_config_t *sla;   /* service levels (ITSMSLAFile), NULL if none */
    const void *module_config;      /* the server's ap_conf_vector_t, for a process's own directives */
    const struct itsm_desks_t *desks;   /* directory of external desks, NULL if none configured */
    int importing;              /* the create carries an <opened> time (migration import);
                                 * t->state is then the imported state or NULL */
    int status;                 /* set by itsm_call_fail */
    const char *code;
    const char *message;
} itsm_call_t;

/* Refuse the call with an HTTP status, a stable error code and a human message; returns status. */
int itsm_call_fail(itsm_call_t *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A field of a kind besides the common ones; its element name is its key in ticket->fields. */
#define ITSM_FIELD_REQUIRED    0x1  /* must be present on create */
#define ITSM_FIELD_READONLY    0x2  /* set by the process, refused in requests */
#define ITSM_FIELD_CREATE_ONLY 0x4  /* settable on create, refused on update */
#define ITSM_FIELD_INDEXED     0x8  /* kept in the store's field index: lists filter and count on it */
typedef struct itsm_field_t {
    const char *name;
    unsigned flags;
    const char *refers_to;      /* the field holds a ticket number of this kind, which the core
                                 * checks exists and is visible to the caller; NULL: plain text */
} itsm_field_t;

/* A kind of ticket. Callbacks return 0 to go on, or the status of itsm_call_fail. They change
 * only the ticket they are given; the core stores, journals and renders. */
typedef struct itsm_kind_t {
    const char *kind;           /* key in the store and the role table: "incident" */
    const char *collection;     /* path segment: "incidents" */
    const char *element;        /* root element of its documents: "incident" */
    const char *prefix;         /* number prefix: "INC" */
    const itsm_field_t *fields; /* terminated by a {NULL} entry; may be NULL */
    const char *const *actions; /* process actions (transitions), NULL-terminated */
    const char *const *final_states;    /* states in which the ticket is finished (open=, aged view) */
    /* optional: why an open ticket is ageing, for the aged view ("awaiting participant") */
    const char *(*ageing_reason)(const itsm_ticket_t *t);
    int party_follows;          /* every person of the ticket's party is notified of changes
                                 * (the raiser always is) */
    const char *const *clocks;  /* SLA clocks ("response", "resolution"), NULL-terminated;
                                 * targets come from ITSMSLAFile by kind and priority */
    int (*create)(itsm_call_t *c, itsm_ticket_t *t);
    int (*update)(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);
    int (*action)(itsm_call_t *c, const char *action, const itsm_ticket_t *old, itsm_ticket_t *t);
    /* optional: extra children after the fields (e.g. <sla>) */
    void (*render)(itsm_call_t *c, xmlTextWriterPtr w, const itsm_ticket_t *t);
} itsm_kind_t;

/* Is name a desk of the directory (ITSMDesksFile)? True when no directory is configured. */
int itsm_call_desk_known(const itsm_call_t *c, const char *name);

/* SLA clock history kept with the ticket (reserved fields "sla.*", never rendered as
 * elements). Clocks start at t->opened; the core evaluates them on every representation. */
void itsm_ticket_pause(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now);
void itsm_ticket_resume(apr_pool_t *p, itsm_ticket_t *t, apr_time_t now);
int itsm_ticket_paused(const itsm_ticket_t *t);
/* Stop a clock unless it is stopped already; restart clears its stop. */
void itsm_ticket_clock_stop(apr_pool_t *p, itsm_ticket_t *t, const char *clock, apr_time_t now);
void itsm_ticket_clock_restart(itsm_ticket_t *t, const char *clock);
/* When a clock stopped, 0 while it runs. */
apr_time_t itsm_ticket_clock_stopped(const itsm_ticket_t *t, const char *clock);

/* A public view: tickets of a kind carrying a tag, shown to every authenticated person
 * whatever their party, with only the listed fields (a portal banner). */
typedef struct itsm_view_t {
    const char *path;           /* below the mount point: "major-incidents/active" */
    const char *kind;
    const char *tag;
    const char *element;        /* element of each item: "banner" */
    const char *const *fields;  /* shown fields besides number, title, priority */
} itsm_view_t;

typedef struct itsm_process_t {
    const char *name;
    const itsm_kind_t *const *kinds;    /* NULL-terminated */
    const itsm_view_t *const *views;    /* NULL-terminated, may be NULL */
} itsm_process_t;

#endif
