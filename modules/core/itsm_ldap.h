/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Identity lookup in LDAP: per-child connection pool and TTL cache. No httpd headers; APR + libldap only.
 * Resolves a login to the person, their party (Party ID, acts-for parties), ITSM roles and resolver
 * groups held in the directory (schema: schemas/ldap/itsm.schema, docs/ldap.md). */
#ifndef ITSM_LDAP_H
#define ITSM_LDAP_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "itsm.h"


typedef struct itsm_ldap_conf_t {
    const char *url;            /* ldap://host:port or ldaps://host:port */
    const char *bind_dn;        /* NULL: anonymous */
    const char *bind_pw;
    const char *base;           /* subtree searched for people, parties and groups */
    const char *user_attr;      /* default "uid" */
    apr_interval_time_t cache_ttl;  /* identity cache TTL, 0 disables the cache */
    int timeout_sec;            /* network and operation timeout */
    int pool_max;               /* connections kept per process */
    const char *ca_file;        /* PEM bundle of the CAs the server certificate must chain to;
                                 * NULL: libldap's default (TLS_CACERT of ldap.conf) */
    int starttls;               /* 1: StartTLS on an ldap:// URL before the bind; 0 (or below,
                                 * an unset sentinel): none. Not with ldaps://. The server
                                 * certificate is always verified (and its name checked) when
                                 * TLS is used, whatever ldap.conf says. */
} itsm_ldap_conf_t;

typedef struct itsm_ldap_t itsm_ldap_t;

/* What makes conf unusable, naming the directive and what to write (NULL: nothing): no URL,
 * a URL libldap does not take, no base, a bad user attribute, a bind DN without a password
 * (StartTLS with ldaps:// is check_config's ITSM00150). For check_config, so that httpd -t
 * refuses what a child's itsm_ldap_create would: it parses the URL only (no libldap set-up
 * in the parent: no ldap.conf read, no SASL plugin loaded; no connection). *urls, *ldaps:
 * how many URLs the list holds and how many of them are ldaps://, from the same parse (0
 * when it stops before). */
const char *itsm_ldap_conf_problem(int *urls, int *ldaps, const itsm_ldap_conf_t *conf,
                                   apr_pool_t *p);


/* Create the per-process state (pool of handles via apr_reslist, cache with its own mutex). p: process/child pool.
 * The configuration is copied. APR_EINVAL on an unusable configuration (no url or base, bad user_attr,
 * bind_dn without password, StartTLS with ldaps://). No connection is opened here: handles are made
 * on first use, each with its own TLS context when TLS is used. */
apr_status_t itsm_ldap_create(itsm_ldap_t **out, const itsm_ldap_conf_t *conf, apr_pool_t *p);

/* Resolve a login to an identity, its uid the login as the directory spells it (a person
 * who logs in as AGENT1 acts as agent1). out is allocated in p (copied out of the cache).
 * APR_SUCCESS; APR_NOTFOUND when no person has that login (or it is ambiguous);
 * APR_EGENERAL (or another non-success status) when the directory cannot be reached or answers with an error: the caller answers 503. errmsg (may be NULL) receives a human message allocated in p. Never grants on a guess: on error nothing is returned. */
apr_status_t itsm_ldap_lookup(itsm_identity_t **out, const char **errmsg, itsm_ldap_t *ld, const char *login, apr_pool_t *p);

/* A string the core derives from an identity alone (the person's scope), kept beside the
 * identity in the cache so that a request reads it instead of deriving it again. fn runs in
 * the pool it is given, once per cached identity (per lookup when the cache is off); set
 * before the first lookup (child_init). */
typedef const char *itsm_ldap_derive_fn(apr_pool_t *p, const itsm_identity_t *who, void *ctx);
void itsm_ldap_set_derive(itsm_ldap_t *ld, itsm_ldap_derive_fn *fn, void *ctx);
/* itsm_ldap_lookup, and in *derived what the derive function made of the identity (in p or in
 * the cache: read-only; NULL without a derive function). */
apr_status_t itsm_ldap_lookup_derived(itsm_identity_t **out, const char **derived,
                                      const char **errmsg, itsm_ldap_t *ld, const char *login,
                                      apr_pool_t *p);

/* Is there exactly one party with this Party ID, spelt as the directory spells it (its
 * matching ignores case; a party "alpe" would be no one's)? APR_SUCCESS, APR_NOTFOUND, or
 * another status (and *errmsg) when the directory cannot be asked. Not cached: used when a
 * ticket is raised for a party other than the caller's own. */
apr_status_t itsm_ldap_party_exists(itsm_ldap_t *ld, const char *party, const char **errmsg,
                                    apr_pool_t *p);

/* Which of ids (const char *: Party IDs, as written) the directory holds: *found, each as the
 * directory spells it (the directory matches them ignoring case: a caller comparing exactly
 * compares with *found). One search for them all, not cached: used when an audience naming
 * parties is written. APR_SUCCESS, or another status (and *errmsg) when the directory cannot
 * be asked. */
apr_status_t itsm_ldap_party_ids(itsm_ldap_t *ld, const apr_array_header_t *ids,
                                 apr_array_header_t **found, const char **errmsg, apr_pool_t *p);

/* Is there exactly one resolver group with this cn / one person with this login? Same
 * statuses as itsm_ldap_party_exists; on APR_SUCCESS *spelt (when spelt is not NULL) is the
 * name as the directory spells it (its matching ignores case: RES1 is res1), so that what is
 * stored compares exactly with what a login or another ticket names. */
apr_status_t itsm_ldap_group_exists(itsm_ldap_t *ld, const char *group, const char **spelt,
                                    const char **errmsg, apr_pool_t *p);
apr_status_t itsm_ldap_person_exists(itsm_ldap_t *ld, const char *login, const char **spelt,
                                     const char **errmsg, apr_pool_t *p);

/* Drop every cached identity (tests, reload). */
void itsm_ldap_cache_clear(itsm_ldap_t *ld);

/* value[0..len) escaped for use inside an LDAP search filter (RFC 4515: * ( ) \ and NUL become \2a \28 \29
 * \5c \00), allocated in p; NULL if libldap cannot escape it. Used for every value put into a filter. */
const char *itsm_ldap_filter_escape(apr_pool_t *p, const char *value, apr_size_t len);

#endif /* ITSM_LDAP_H */
