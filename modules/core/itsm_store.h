/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The ticket store: tickets, numbering, journal and links on APR DBD. Everything that
 * differs between SQLite and PostgreSQL stays inside store.c (its dialect table and the
 * migration files under schemas/sql/<driver>/). No httpd header. Private to the core
 * (mod_itsm.so): process modules reach tickets through itsm_services_t. */
#ifndef ITSM_STORE_H
#define ITSM_STORE_H

#include <apr_dbd.h>
#include <apr_global_mutex.h>
#include <apr_hash.h>
#include <apr_thread_mutex.h>

#include "itsm.h"
#include "itsm_sla.h"

typedef struct itsm_store_t itsm_store_t;
/* The writers of one database in one process, whose writes are committed in groups. */
typedef struct itsm_write_queue_t itsm_write_queue_t;


/* A notification as the feed shows it. */
typedef struct itsm_notice_t {
    apr_int64_t id;
    apr_time_t at;
    const char *actor, *action, *summary;
    const char *number, *kind, *title;
    apr_array_header_t *changes;    /* its journal entry's (itsm_change_t); empty if unknown */
} itsm_notice_t;


/* List filter; NULL and 0 members do not filter. Every value is bound, never put into SQL. */
#define ITSM_FILTER_FIELDS 8
typedef enum {
    ITSM_SORT_NUMBER,           /* creation order (the default) */
    ITSM_SORT_OPENED,
    ITSM_SORT_UPDATED,
    ITSM_SORT_TITLE,            /* by title, ignoring case (a glossary) */
    ITSM_SORT_FIELD             /* by sort_field (ITSM_FIELD_SORTABLE), its stored text */
} itsm_sort_e;

#define ITSM_OPEN_CLOSED 2

/* (A field added here is a part of the search cache's key too: cache_key in store_search.c;
 * and, if it narrows a search, of views.c's narrowed(), which tells a knowledge gap.) */
typedef struct itsm_filter_t {
    const char *state, *priority, *party, *assignee, *group;
    int nfields;
    const char *field[ITSM_FILTER_FIELDS];  /* indexed fields of the kind equal to value */
    const char *value[ITSM_FILTER_FIELDS];
    int open;                           /* 1: leave out the kind's final states;
                                         * ITSM_OPEN_CLOSED: only those (open=false; and
                                         * one half of a merged list, list_sql) */
    apr_time_t opened_from, opened_to;  /* inclusive bounds (whole seconds); 0: none */
    const char *month;                  /* counts: "YYYY-MM" when opened_from and opened_to
                                         * are exactly that month (UTC), else NULL */
    apr_time_t updated_from, updated_to;
    const char *sla;                    /* a clock in this status (itsm_sla_status_name) at now */
    apr_time_t now;
    itsm_sort_e sort;
    int descending;
    int limit, offset;
    const char *sort_field;             /* ITSM_SORT_FIELD: a sortable field of the kind */
    /* keyset paging (lists only): the tickets after this one (its id, opening and update
     * times) in the list's order; 0: from the start */
    apr_int64_t after;
    apr_time_t after_opened, after_updated;
    /* searches only: the tickets whose id is within [id_from, id_to] (both set, e.g. by
     * itsm_store_field_span); 0: any */
    apr_int64_t id_from, id_to;
} itsm_filter_t;

/* One group of a count (itsm_store_count). */
typedef struct itsm_count_t {
    const char *key;            /* the group's value ("" for none); NULL when not grouped */
    apr_int64_t count;          /* tickets */
    apr_int64_t open;           /* of which not in a final state */
    apr_time_t mean_opened;     /* mean opening time of the open ones, 0 when none */
    apr_int64_t finished;       /* finished ones with the time they finished (schema 9) */
    apr_time_t mean_resolve;    /* their mean time from opened to finished, 0 when none */
} itsm_count_t;

/* The party scope of a query: "*" (every party) or ",ID1,ID2," (these parties). The store
 * binds the parties as a list, never searches the text. */
const char *itsm_store_scope(apr_pool_t *p, int all, const char *party,
                             const apr_array_header_t *acts_for);
/* scope with the caller's audience keys (itsm_store_audience_keys), which tickets of kinds
 * seen by an audience match besides their party's, and the versioned kinds the caller reads
 * as published (const char *; may be NULL): tickets of those are read as their current
 * published version, seen by its audience; never published (or withdrawn) ones are not
 * found. */
const char *itsm_store_scope_audience(apr_pool_t *p, const char *scope,
                                      const apr_array_header_t *keys,
                                      const apr_array_header_t *published);
/* The audience keys of a person: "all", "party:" their party and each party they act for,
 * "market-role:" each market role of their party (lower case, spaces as '-'), "role:" each
 * ITSM role. */
apr_array_header_t *itsm_store_audience_keys(apr_pool_t *p, const itsm_identity_t *who);
/* The entries of an audience field's value, canonical (market roles as keys name them),
 * each once, at most max of them when max > 0 (a new value: ITSM_AUDIENCE_MAX, since a
 * value of 1 MiB would make tens of thousands, each compared with the others and looked up
 * in the directory; 0 for a stored value, which was checked when written): APR_SUCCESS and
 * *keys, or APR_EINVAL and *why (a human reason). */
#define ITSM_AUDIENCE_MAX 100
apr_status_t itsm_store_audience_parse(apr_pool_t *p, const char *value, int max,
                                       apr_array_header_t **keys, const char **why);

/* ITSM_VERSION_PUBLISHED (itsm.h): the current published version; and the highest version
 * number a versioned kind's ticket has published: */
#define ITSM_VERSION_LAST "version.last"

/* A published version as listed. */
typedef struct itsm_version_t {
    int n;
    apr_time_t at;
    const char *actor, *title, *state;
    int current;                /* the version readers see */
} itsm_version_t;

/* Once, before any database is opened (pre_config): SQLite's library settings. 0, or the
 * SQLite error code when the library was already initialised (by another module, or before a
 * restart: it keeps the settings it had). */
int itsm_store_library_init(void);
/* Per-process set-up (child_init): the lock that orders this process's SQLite writers;
 * processes, if not NULL, a lock (re-attached in this child) that orders the writers of all
 * processes of the server. */
apr_status_t itsm_store_child_init(apr_pool_t *pchild, apr_global_mutex_t *processes);
/* A group commit queue (per process and database: the core keeps one per virtual host). */
apr_status_t itsm_store_queue_create(itsm_write_queue_t **q, apr_pool_t *p);
/* What a queue did since it was made. busy near the time since: writes wait for the one
 * writer. */
typedef struct itsm_write_stats_t {
    apr_uint64_t writes;
    apr_uint64_t transactions;
    apr_interval_time_t busy;   /* the batches' time, from asking for the write lock to the
                                 * commit (with several children, waits for another's too) */
    apr_time_t since;           /* when the queue was made */
} itsm_write_stats_t;

void itsm_store_write_stats(itsm_write_queue_t *q, itsm_write_stats_t *out);
/* The store whose connection every batch of queue q runs on from now on (SQLite; a store of
 * a database without group commit is ignored). One connection for all of a process's
 * writes keeps its page cache: SQLite empties a connection's cache whenever another
 * connection wrote since its last transaction, so a batch led on whichever connection its
 * first writer held re-read most of the pages it touched, inside the write lock. */
void itsm_store_queue_writer(itsm_write_queue_t *q, itsm_store_t *writer);
/* The database file of a connection (SQLite), NULL for a server database or one in
 * memory. */
const char *itsm_store_file(const apr_dbd_driver_t *driver, apr_dbd_t *handle);
/* The process's writer connection to the SQLite file (itsm_store_file) of a request's: on
 * the VFS that gathers a commit's WAL writes (store_wal.c) where this SQLite has it, else on
 * the default VFS. itsm_store_writer_params: the URI that names the file and that VFS (the
 * file itself without the VFS). */
apr_status_t itsm_store_writer_open(const apr_dbd_driver_t *driver, const char *file,
                                    apr_pool_t *p, apr_dbd_t **handle, const char **err);
const char *itsm_store_writer_params(const char *file, apr_pool_t *p);

/* Create or upgrade the schema under sqldir/<driver>/ and the kinds' counters; serialised
 * between processes by a database lock, so any number of children may call it at start.
 * kinds holds const itsm_kind_t *; sla the service levels (NULL: none). What the kinds
 * declare indexed and their SLA clocks are back-filled for the tickets stored before. */
apr_status_t itsm_store_migrate(const apr_dbd_driver_t *driver, apr_dbd_t *handle,
                                const char *sqldir, const apr_array_header_t *kinds,
                                const itsm_sla_config_t *sla, apr_pool_t *p, const char **err);

/* Bind to a connection. Statements are prepared once per connection and kept in
 * conn_cache (allocated in conn_pool, which lives as long as the connection). Writes go
 * through queue (the queue of the connection's database; NULL: no group commit). On a
 * failed write, the ticket's number and id set by a create mean nothing. */
apr_status_t itsm_store_bind(itsm_store_t **st, const apr_dbd_driver_t *driver,
                             apr_dbd_t *handle, apr_hash_t *conn_cache, apr_pool_t *conn_pool,
                             itsm_write_queue_t *queue, apr_pool_t *p, const char **err);

/* The end of this binding's use of the connection, before it goes back to mod_dbd (a
 * request's pool cleanup registered after ap_dbd_acquire's, or before ap_dbd_close): a
 * read left before its last row (a bug) would keep a read transaction open on the
 * connection. Never from a cleanup that may run after the connection was released. */
void itsm_store_release(itsm_store_t *st);

/* The kinds (const itsm_kind_t *) and service levels whose indexed fields, final states and
 * SLA clocks the store's writes keep in its indexes (as itsm_store_migrate's). */
void itsm_store_use_kinds(itsm_store_t *st, const apr_array_header_t *kinds,
                          const itsm_sla_config_t *sla);

/* The last database error message, for the log. */
const char *itsm_store_error(itsm_store_t *st);

/* Whether the store's last failure was a read that failed after its first row (SQLite's
 * step, e.g. a corrupt page): the rows read so far are not the answer, and the failure is
 * the database's, not a busy or unreachable store's (respond.c answers 500, not 503). */
int itsm_store_cut_short(const itsm_store_t *st);

/* Number, insert and journal in one transaction; sets t->id, t->number, t->version. */
apr_status_t itsm_store_create(itsm_store_t *st, itsm_ticket_t *t, const char *prefix,
                               const itsm_journal_t *j, apr_pool_t *p);

/* By number within scope; kind NULL matches any kind. APR_NOTFOUND when absent or out of scope. */
apr_status_t itsm_store_get(itsm_store_t *st, itsm_ticket_t **t, const char *kind,
                            const char *number, const char *scope, apr_pool_t *p);
/* The tickets of kind among numbers within scope, by number (itsm_ticket_t *), in one
 * statement; a number absent or out of scope is not in *out. APR_EINVAL for kind NULL. */
apr_status_t itsm_store_get_numbers(itsm_store_t *st, apr_hash_t **out, const char *kind,
                                    const apr_array_header_t *numbers, const char *scope,
                                    apr_pool_t *p);

/* Write t (its version already the new one) if the stored version is still
 * t->version - 1, with its journal entry; APR_EAGAIN when stale. */
apr_status_t itsm_store_update(itsm_store_t *st, const itsm_ticket_t *t,
                               const itsm_journal_t *j, apr_pool_t *p);

/* Whether a list may ask for tickets with a clock in this SLA status (itsm_list_filter_t.sla):
 * in-sla, warning, breached, met, missed, cancelled; not not-started (no row to find). */
int itsm_store_sla_filterable(const char *status);

/* Tickets of a kind in scope in the filter's order; *more is set when another page follows.
 * The filter's fields must be indexed fields of the kind (the caller checks). */
apr_status_t itsm_store_list(itsm_store_t *st, apr_array_header_t **out, int *more,
                             const char *kind, const char *scope, const itsm_filter_t *f,
                             apr_pool_t *p);

/* Tickets of a kind in scope matching f (its sort, limit and offset unused), counted by
 * group: by NULL (one group), "state", "priority", "party", "group", "assignee", "month"
 * (of opening, UTC, "2026-11") or an indexed field of the kind. Groups in key order. */
apr_status_t itsm_store_count(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                              const char *scope, const itsm_filter_t *f, const char *by,
                              apr_pool_t *p);

/* Tickets of a kind in scope matching f counted by opening time in one pass: counts[i]
 * (0 <= i < n) those opened at or after edges[i] and before edges[i - 1]; counts[n] those
 * opened before edges[n - 1]. edges descend; counts has n + 1 places. */
apr_status_t itsm_store_count_opened(itsm_store_t *st, apr_int64_t *counts, const char *kind,
                                    const char *scope, const itsm_filter_t *f,
                                    const apr_time_t *edges, int n, apr_pool_t *p);

apr_status_t itsm_store_journal(itsm_store_t *st, apr_array_header_t **out,
                                apr_int64_t ticket_id, apr_pool_t *p);

/* One write of a set committed together (itsm_store_apply). */
typedef enum itsm_write_op_e {
    ITSM_WRITE_CREATE,          /* t, prefix: number, insert, journal (sets t->id, number, version) */
    ITSM_WRITE_UPDATE,          /* t (version already the new one), as itsm_store_update */
    ITSM_WRITE_LINK,            /* t -> to of type, t's version bumped (APR_EAGAIN when stale,
                                 * APR_EEXIST when the link exists); plain: the link row alone */
    ITSM_WRITE_UNLINK,          /* the link t -> to of type removed, t's version bumped;
                                 * APR_NOTFOUND when there is none */
    ITSM_WRITE_PUBLISH,         /* t (written by an UPDATE of the set) snapshot as its version
                                 * t->fields[ITSM_VERSION_PUBLISHED], made current, with its
                                 * published audience; j gives the time and actor */
    ITSM_WRITE_WITHDRAW         /* t taken out of publication: no version current */
} itsm_write_op_e;

typedef struct itsm_write_t {
    itsm_write_op_e op;
    itsm_ticket_t *t;
    const char *prefix;         /* CREATE */
    const itsm_ticket_t *to;    /* LINK, UNLINK: may be a ticket created earlier in the set */
    const char *type;           /* LINK, UNLINK */
    const itsm_journal_t *j;    /* the entry journaled; for LINK, UNLINK also its time and actor */
    int plain;                  /* LINK, UNLINK: the link row alone (t is written by another
                                 * write of the set) */
    int journaled;              /* LINK, plain: and an entry "link" on each end (j's time and
                                 * actor, the change link:<type> naming the other end), made
                                 * in the transaction, where an end created earlier in the set
                                 * has its number; no notice (the ends' own entries tell) */
    int failed;                 /* set in ops[0]: the index of the write that failed, or -1 */
} itsm_write_t;

/* The writes ops[0..n) in order, in one transaction: all or nothing. The statuses of the
 * single writes (APR_EAGAIN stale, APR_EEXIST link exists, APR_NOTFOUND link absent,
 * APR_ENOSPC numbers exhausted); ops[0].failed says which write failed. */
apr_status_t itsm_store_apply(itsm_store_t *st, itsm_write_t *ops, int n, apr_pool_t *p);

/* Tickets of a kind carrying tag, whatever their party (public views only), oldest first. */
apr_status_t itsm_store_tagged(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                               const char *tag, apr_pool_t *p);

/* Tickets of kind with a running SLA clock (sla_open) and an id above after_id, by id, at
 * most limit: the sweep reads them kind by kind, page by page (itsm_ticket_running). */
apr_status_t itsm_store_sla_open(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                                 apr_int64_t after_id, int limit, apr_pool_t *p);

/* Record what the sweep announced (t->sla_notified, t->sla_open) with its journal entry and
 * notification, in one transaction; the ticket's version does not change. APR_EAGAIN when
 * the ticket changed since it was read (nothing written). */
apr_status_t itsm_store_sla_mark(itsm_store_t *st, const itsm_ticket_t *t,
                                 const itsm_journal_t *j, apr_pool_t *p);

/* The newest notifications for login: addressed to it, to one of the recipients it follows
 * (follows: "role:a", "group:g", ...), or party-wide for its party, not caused by login
 * itself, and about a ticket in scope; newest first, at most limit. */
apr_status_t itsm_store_feed(itsm_store_t *st, apr_array_header_t **out, const char *login,
                             const apr_array_header_t *follows, const char *party,
                             const char *scope, int limit, apr_pool_t *p);

/* Helpfulness votes on version n of ticket t (schema 8): login's vote (helpful 1 or 0)
 * recorded, replacing an earlier one of theirs on that version, and t's ITSM_FIELD_VOTES
 * fields' rows of the field index written anew in the same transaction. */
apr_status_t itsm_store_vote(itsm_store_t *st, const itsm_ticket_t *t, int n, const char *login,
                             int helpful, apr_time_t at, apr_pool_t *p);
/* The votes on version n: how many found it helpful and not, and login's own vote (1
 * helpful, 0 not, -1 none). */
apr_status_t itsm_store_votes(itsm_store_t *st, apr_int64_t ticket_id, int n, const char *login,
                              apr_int64_t *helpful, apr_int64_t *unhelpful, int *mine,
                              apr_pool_t *p);

/* The published versions of t (itsm_version_t), by number, that a reader within scope may
 * read: the current one, and each earlier one whose own audience names one of the scope's
 * keys or of t's party within the scope ("*": every version, for its editors). */
apr_status_t itsm_store_versions(itsm_store_t *st, apr_array_header_t **out,
                                 const itsm_ticket_t *t, const char *scope, apr_pool_t *p);
/* Version n of t: a copy of t with the version's title, state and fields (updated: when it
 * was published; version: t's version then), and *info; APR_NOTFOUND when there is none,
 * or when a reader within scope may not read it (as itsm_store_versions). */
apr_status_t itsm_store_version(itsm_store_t *st, itsm_ticket_t **out, itsm_version_t *info,
                                const itsm_ticket_t *t, int n, const char *scope,
                                apr_pool_t *p);

/* ---- full-text search (store_search.c) ---- */

/* A query parsed from our syntax (docs/api.md, Search): words, "phrases", prefix*; anything
 * else is text. any: the items are alternatives (else all must match), and an English
 * function word outside quotes not written in capitals ("the", "The"; not "IT"), or a lone
 * letter or digit, is left out. APR_EINVAL and *why
 * when it is over ITSM_SEARCH_MAX_BYTES or ITSM_SEARCH_MAX_TERMS, unless truncate (then the
 * first terms are taken). A query without a word matches nothing. */
typedef struct itsm_search_query_t itsm_search_query_t;
apr_status_t itsm_search_parse(apr_pool_t *p, const char *text, int any, int truncate,
                               itsm_search_query_t **q, const char **why);
int itsm_search_terms(const itsm_search_query_t *q);
/* The query normalised: lower case words, one space, "phrases" and prefix* as written. */
const char *itsm_search_normal(const itsm_search_query_t *q);

/* A match: the ticket as the caller reads it, its rank (higher is better) and a snippet of
 * its best matching field with each matched word between "\x01" and "\x02". */
typedef struct itsm_search_row_t {
    itsm_ticket_t *t;
    double rank;
    const char *snippet;
} itsm_search_row_t;

/* The lowest and highest id of the tickets of kind whose indexed field name has value; both
 * 0 when none has (two seeks in the field index, whatever the kind holds otherwise). */
apr_status_t itsm_store_field_span(itsm_store_t *st, const char *kind, const char *name,
                                   const char *value, apr_int64_t *first, apr_int64_t *last,
                                   apr_pool_t *p);

/* What a process (httpd child) keeps between requests (the search's result cache and the
 * ranking's counts in store_search.c, the portal's page cache in portal.c): a lock, and an
 * unmanaged pool used only under it; both made in the child's pool, and on its cleanup the
 * pool destroyed and *k zeroed (lock NULL: keep nothing). */
typedef struct child_keep_t {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;
} child_keep_t;
apr_status_t child_keep_open(child_keep_t *k, apr_pool_t *pchild);
/* Tickets of a searchable kind in scope matching f (its sort unused) and q, best first, one
 * page of f (*more when another follows). */
apr_status_t itsm_store_search(itsm_store_t *st, apr_array_header_t **out, int *more,
                               const char *kind, const char *scope, const itsm_filter_t *f,
                               const itsm_search_query_t *q, apr_pool_t *p);
/* The search result cache of this process (store_search.c): at most entries answers and
 * about bytes of them; 0 entries: none kept. Once per child, before any search. */
apr_status_t itsm_store_search_cache_init(apr_pool_t *pchild, int entries, apr_size_t bytes);
/* Its searches answered from the cache and not, and what it holds now. */
void itsm_store_search_cache_stats(apr_uint64_t *hits, apr_uint64_t *misses, int *entries,
                                   apr_size_t *bytes);
/* Whether st's last itsm_store_search was answered from the cache. */
int itsm_store_search_hit(const itsm_store_t *st);
/* The longest query (bytes, normalised) a knowledge gap may be: an article's <gap> holds 200
 * characters, the field index that names the gap's article 200 bytes. A miss of a longer query
 * is not counted, a deflection of one counts nothing, and the gaps read has none. */
#define ITSM_GAP_QUERY_MAX 200

/* The searches' counts of a server not yet written (store_search.c, "analytics"): a log of
 * at most capacity searches in a segment of itsm_store_search_counts_size(capacity) bytes
 * that every child shares (anonymous shared memory made by the parent, formatted once),
 * guarded by lock (a global mutex, attached in each child); written when its oldest search
 * is delay old, when it is full, and by the flushes below. */
typedef struct itsm_search_counts_t itsm_search_counts_t;
apr_size_t itsm_store_search_counts_size(int capacity);
void itsm_store_search_counts_format(void *segment, int capacity);
itsm_search_counts_t *itsm_store_search_counts_attach(void *segment, apr_global_mutex_t *lock,
                                                      apr_interval_time_t delay, apr_pool_t *p);
/* The deflection window (seconds) of the creates through st, 0: none counted; how many of
 * a search's newest matches are ranked (the rank cut-off, ITSMSearchRanked; 0: the store's
 * default, ITSM_SEARCH_RANKED); and where st's searches are counted (NULL or a delay of 0:
 * each written at once, in its search). */
#define ITSM_SEARCH_RANKED 500          /* ITSMSearchRanked's default */
void itsm_store_use_search(itsm_store_t *st, apr_int64_t window, int ranked,
                           itsm_search_counts_t *counts);
/* What a flush of the counts did: searches taken from the log, rows written (or not), and
 * after a failure how many rows went back into the log for one more try or were dropped
 * (a second failure, or no room). */
typedef struct itsm_search_flush_t {
    int searches, rows, kept, dropped;
} itsm_search_flush_t;
/* Count a search of kind by login of party: found nothing (a miss of the normalised
 * query), or found tickets (remembered as login's last search of the kind, for failed
 * deflections). Into the log, whose due flush it then runs (*flushed); at once (through the
 * write queue) without a log or when the log has no room for it. */
apr_status_t itsm_store_search_count(itsm_store_t *st, const char *kind, const char *party,
                                     const char *login, const char *query, int found,
                                     apr_time_t now, itsm_search_flush_t *flushed, apr_pool_t *p);
/* Whether the log holds counts older than its delay (or is full): the timer's question. */
int itsm_store_search_counts_due(itsm_search_counts_t *c, apr_time_t now);
/* Write the counts in the log through st in one transaction: all of them (force: waits for
 * a flush running elsewhere first), else only when due. APR_SUCCESS when nothing was due. */
apr_status_t itsm_store_search_counts_flush(itsm_store_t *st, int force,
                                            itsm_search_flush_t *out, apr_pool_t *p);
/* Before t is created: if it is of a deflection target and its creator has a search in the
 * log, write the log, so that the create's transaction sees that search. */
apr_status_t itsm_store_search_counts_before_create(itsm_store_t *st, const itsm_ticket_t *t,
                                                    itsm_search_flush_t *out, apr_pool_t *p);
/* Search gaps (itsm_search_gap_t) of kind (NULL: all) of the parties in scope, most frequent
 * first. */
apr_status_t itsm_store_search_gaps(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                                    const char *scope, int limit, int offset, apr_pool_t *p);

/* The children of a ticket (tickets linked to it by ITSM_LINK_CHILD) in scope, oldest
 * first, in one query; a child of a kind the scope reads as published as its published
 * version, left out if it has none. */
apr_status_t itsm_store_children(itsm_store_t *st, apr_array_header_t **out,
                                 apr_int64_t parent_id, const char *scope, apr_pool_t *p);

/* Links from and to a ticket whose other end is in scope, oldest first. */
apr_status_t itsm_store_links(itsm_store_t *st, apr_array_header_t **out,
                              apr_int64_t ticket_id, const char *scope, apr_pool_t *p);

#endif
