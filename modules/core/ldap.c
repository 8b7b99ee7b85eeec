/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Identity lookup in LDAP (itsm_ldap.h): resolves a login to person, party, acts-for parties,
 * ITSM roles and resolver groups. Owns a per-process apr_reslist of bound libldap handles (over
 * ldaps:// or StartTLS with a TLS context per handle when configured) and a TTL cache of identities
 * in its own pool behind its own mutex. No httpd headers. */
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <sys/time.h>

#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include <ldap.h>

#include "itsm_ldap.h"

#if !APR_HAS_THREADS
#error "itsm_ldap needs APR with threads (apr_reslist, apr_thread_mutex)"
#endif

#define ITSM_LDAP_CACHE_MAX   10000   /* cache inserts between two resets: bounds its memory */
#define ITSM_LDAP_GROUP_LIMIT 1000    /* size limit of the role/group search */
#define ITSM_LDAP_LOGIN_MAX   256
#define ITSM_LDAP_REASON_MAX  400     /* bytes kept of the last connection failure's reason */

/* A handle constructor cannot return a message through apr_reslist_acquire, so it returns the
 * libldap result code (small, possibly negative) folded into the APR user error space. */
#define ITSM_LDAP_RC_BASE      (APR_OS_START_USERERR + 700)
#define ITSM_LDAP_STATUS(rc)   ((apr_status_t)(ITSM_LDAP_RC_BASE + (rc)))
#define ITSM_LDAP_IS_RC(s)     ((s) >= ITSM_LDAP_RC_BASE - 200 && (s) < ITSM_LDAP_RC_BASE + 200)

struct itsm_ldap_t {
    itsm_ldap_conf_t conf;         /* copied into the creation pool */
    apr_reslist_t *handles;
    volatile apr_uint32_t generation;  /* bumped when a handle finds the server gone */
    apr_thread_mutex_t *lock;      /* guards cache, cache_pool, cache_inserts, open_error */
    apr_pool_t *cache_pool;        /* own allocator; holds the hash and every cached identity */
    apr_hash_t *cache;             /* login -> cache_entry_t */
    unsigned cache_inserts;
    int tls;                       /* an ldaps:// URL or StartTLS: handles verify the server
                                    * certificate */
    itsm_ldap_derive_fn *derive;   /* itsm_ldap_set_derive */
    void *derive_ctx;
    char open_error[ITSM_LDAP_REASON_MAX];  /* why the last handle could not be opened */
};

typedef struct {
    LDAP *ld;
    apr_uint32_t generation;       /* ld->generation when this handle was bound */
} ldap_handle_t;                   /* malloc'd; freed by handle_close, which the reslist always runs */

typedef struct {
    itsm_identity_t *id;
    const char *derived;           /* ld->derive's string of id, in the cache pool */
    apr_time_t expires;
} cache_entry_t;

static int is_connection_error(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT;
}

const char *itsm_ldap_filter_escape(apr_pool_t *p, const char *value, apr_size_t len)
{
    struct berval in, out = { 0, NULL };
    const char *escaped;

    in.bv_val = (char *)value;
    in.bv_len = len;
    if (ldap_bv2escaped_filter_value(&in, &out) != LDAP_SUCCESS || out.bv_val == NULL)
        return NULL;
    escaped = apr_pstrmemdup(p, out.bv_val, out.bv_len);
    ber_memfree(out.bv_val);
    return escaped;
}

/* TLS options on handle h alone (never libldap's global options, which other modules such as
 * mod_ldap share): the server certificate must chain to conf->ca_file (or libldap's default CAs)
 * and name the URL's host, over TLS 1.2 or later. LDAP_OPT_X_TLS_NEWCTX then builds the handle's
 * own TLS context from them, which is where an unreadable CA file fails. */
static int tls_setup(LDAP *h, const itsm_ldap_conf_t *conf)
{
    int demand = LDAP_OPT_X_TLS_DEMAND, tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, client = 0;

    if (ldap_set_option(h, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS
        || ldap_set_option(h, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) != LDAP_OPT_SUCCESS
        || (conf->ca_file != NULL
            && ldap_set_option(h, LDAP_OPT_X_TLS_CACERTFILE, conf->ca_file) != LDAP_OPT_SUCCESS)
        || ldap_set_option(h, LDAP_OPT_X_TLS_NEWCTX, &client) != LDAP_OPT_SUCCESS)
        return LDAP_LOCAL_ERROR;
    return LDAP_SUCCESS;
}

/* Keeps why a handle could not be opened, for the message of the request that then gets a 503
 * (acquire_error). The handle's diagnostic message is libldap's word on a TLS failure; GnuTLS
 * builds of libldap say only "(unknown error code)" for a certificate that does not verify or
 * does not name the host, hence the hint. */
static void note_open_error(itsm_ldap_t *ld, LDAP *h, const char *step, int rc)
{
    char *diag = NULL;
    const char *ca = ld->conf.ca_file ? ld->conf.ca_file : "libldap's default CA certificates";
    const char *hint = "";

    if (h != NULL)
        ldap_get_option(h, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    if (ld->tls && diag != NULL && *diag != '\0' && rc < 0 && rc != LDAP_LOCAL_ERROR)
        hint = "; TLS failed: is the server certificate signed by a CA of the CA file, and "
               "does it name the URL's host?";
    apr_thread_mutex_lock(ld->lock);
    apr_snprintf(ld->open_error, sizeof(ld->open_error), "%s: %s%s%s%s%s%s%s", step,
                 ldap_err2string(rc), diag && *diag ? " (libldap: " : "", diag ? diag : "",
                 diag && *diag ? ")" : "", hint, ld->tls ? "; CA file: " : "",
                 ld->tls ? ca : "");
    apr_thread_mutex_unlock(ld->lock);
    if (diag != NULL)
        ldap_memfree(diag);
}

static apr_status_t handle_open(void **resource, void *params, apr_pool_t *pool)
{
    itsm_ldap_t *ld = params;
    ldap_handle_t *h;
    struct timeval tv = { ld->conf.timeout_sec, 0 };
    struct berval cred;
    int version = LDAP_VERSION3;
    int rc;
    const char *step = "connect/bind";

    (void)pool;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return APR_ENOMEM;
    h->generation = apr_atomic_read32(&ld->generation);
    rc = ldap_initialize(&h->ld, ld->conf.url);
    if (rc != LDAP_SUCCESS) {
        note_open_error(ld, NULL, "ldap_initialize", rc);
        free(h);
        return ITSM_LDAP_STATUS(rc);
    }
    if (ldap_set_option(h->ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS
        || ldap_set_option(h->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS
        || ldap_set_option(h->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS
        || ldap_set_option(h->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS) {
        rc = LDAP_LOCAL_ERROR;
        step = "setting connection options";
    }
    else if (ld->tls && (rc = tls_setup(h->ld, &ld->conf)) != LDAP_SUCCESS) {
        step = "TLS set-up (is the CA file readable by httpd's user and PEM?)";
    }
    else if (ld->conf.starttls > 0
             && (rc = ldap_start_tls_s(h->ld, NULL, NULL)) != LDAP_SUCCESS) {
        step = "StartTLS";
    }
    else {
        /* An anonymous configuration still binds (empty DN and password) so that the
         * connection is opened (and over ldaps:// the TLS handshake made) and checked here
         * rather than on the first search. */
        if (ld->tls && !ld->conf.starttls)     /* an ldaps:// URL of the list */
            step = "connect (TLS handshake if ldaps://)/bind";
        cred.bv_val = (char *)(ld->conf.bind_pw ? ld->conf.bind_pw : "");
        cred.bv_len = strlen(cred.bv_val);
        rc = ldap_sasl_bind_s(h->ld, ld->conf.bind_dn ? ld->conf.bind_dn : "",
                              LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    }
    if (rc != LDAP_SUCCESS) {
        note_open_error(ld, h->ld, step, rc);
        ldap_unbind_ext_s(h->ld, NULL, NULL);
        free(h);
        return ITSM_LDAP_STATUS(rc);
    }
    *resource = h;
    return APR_SUCCESS;
}

static apr_status_t handle_close(void *resource, void *params, apr_pool_t *pool)
{
    ldap_handle_t *h = resource;

    (void)params;
    (void)pool;
    ldap_unbind_ext_s(h->ld, NULL, NULL);
    free(h);
    return APR_SUCCESS;
}

static int valid_attr_name(const char *a)
{
    if (a == NULL || *a == '\0' || strlen(a) > 64)
        return 0;
    for (; *a; a++)
        if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') || (*a >= '0' && *a <= '9')
              || *a == '-' || *a == '.' || *a == ';'))
            return 0;
    return 1;
}

/* The number of URLs of url, one LDAP URL or a list of them (between spaces or commas, as
 * ldap_initialize reads it), each one ldap_url_parse takes; 0 when one is not. *ldaps: how
 * many of them are ldaps://. Parsing only (no libldap set-up). */
static int url_count(int *ldaps, apr_pool_t *p, const char *url)
{
    char *copy = apr_pstrdup(p, url), *one, *state;
    int n = 0;

    *ldaps = 0;
    for (one = apr_strtok(copy, " ,", &state); one; one = apr_strtok(NULL, " ,", &state)) {
        LDAPURLDesc *lud = NULL;
        int rc = ldap_url_parse(one, &lud);

        if (rc == LDAP_URL_SUCCESS && strcasecmp(lud->lud_scheme, "ldaps") == 0)
            ++*ldaps;
        if (lud != NULL)
            ldap_free_urldesc(lud);
        if (rc != LDAP_URL_SUCCESS)
            return 0;
        n++;
    }
    return n;
}

const char *itsm_ldap_conf_problem(int *urls, int *ldaps, const itsm_ldap_conf_t *conf,
                                   apr_pool_t *p)
{
    *urls = *ldaps = 0;
    if (conf->url == NULL)
        return "ITSMLDAPURL is not set: the core cannot resolve people to parties and roles";
    if ((*urls = url_count(ldaps, p, conf->url)) == 0)
        return apr_psprintf(p, "ITSMLDAPURL %s is not an LDAP URL: write ldap://host:port or "
                            "ldaps://host:port (several between spaces)", conf->url);
    if (conf->base == NULL)
        return "ITSMLDAPBase is not set: name the subtree that holds the people, parties and "
               "groups (e.g. dc=example,dc=org)";
    if (conf->user_attr != NULL && !valid_attr_name(conf->user_attr))
        return apr_psprintf(p, "ITSMLDAPUserAttribute %s is no attribute name: letters, digits, "
                            "'-', '.' and ';', at most 64 (e.g. uid)", conf->user_attr);
    if (conf->bind_dn != NULL && (conf->bind_pw == NULL || *conf->bind_pw == '\0'))
        return "ITSMLDAPBindDN is set without ITSMLDAPBindPassword: give its password, or "
               "leave both out to read the directory anonymously";
    return NULL;
}

apr_status_t itsm_ldap_create(itsm_ldap_t **out, const itsm_ldap_conf_t *conf, apr_pool_t *p)
{
    itsm_ldap_t *ld;
    apr_allocator_t *allocator;
    LDAP *probe = NULL;
    int version, urls, ldaps;
    apr_status_t rv;

    *out = NULL;
    if (conf == NULL || conf->url == NULL || conf->timeout_sec <= 0 || conf->pool_max <= 0
        || conf->cache_ttl < 0 || itsm_ldap_conf_problem(&urls, &ldaps, conf, p) != NULL)
        return APR_EINVAL;
    if (conf->starttls > 0 && ldaps > 0)
        return APR_EINVAL;

    /* First libldap call made here, single-threaded: initialises its global options. The
     * probe only parses the URL; it opens no connection. */
    ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &version);
    if (ldap_initialize(&probe, conf->url) != LDAP_SUCCESS) {
        if (probe != NULL)
            ldap_unbind_ext_s(probe, NULL, NULL);
        return APR_EINVAL;
    }
    /* The first TLS context initialises libldap's TLS layer (and GnuTLS), which is not safe
     * to do from two threads at once: make one here, before any request thread. Its failure
     * is not fatal here: every handle makes its own context and reports why it cannot. */
    if (conf->starttls > 0 || ldaps > 0)
        (void)tls_setup(probe, conf);
    ldap_unbind_ext_s(probe, NULL, NULL);

    ld = apr_pcalloc(p, sizeof(*ld));
    ld->conf.url = apr_pstrdup(p, conf->url);
    ld->conf.bind_dn = conf->bind_dn ? apr_pstrdup(p, conf->bind_dn) : NULL;
    ld->conf.bind_pw = conf->bind_pw ? apr_pstrdup(p, conf->bind_pw) : NULL;
    ld->conf.base = apr_pstrdup(p, conf->base);
    ld->conf.user_attr = apr_pstrdup(p, conf->user_attr ? conf->user_attr : "uid");
    ld->conf.cache_ttl = conf->cache_ttl;
    ld->conf.timeout_sec = conf->timeout_sec;
    ld->conf.pool_max = conf->pool_max;
    ld->conf.ca_file = conf->ca_file ? apr_pstrdup(p, conf->ca_file) : NULL;
    ld->conf.starttls = conf->starttls > 0;
    ld->tls = ld->conf.starttls || ldaps > 0;  /* any URL of the list: its handles verify */

    if ((rv = apr_thread_mutex_create(&ld->lock, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS)
        return rv;
    /* The cache pool has its own allocator: it is only ever touched under ld->lock, whatever
     * the thread-safety of p's allocator. */
    if ((rv = apr_allocator_create(&allocator)) != APR_SUCCESS)
        return rv;
    if ((rv = apr_pool_create_ex(&ld->cache_pool, p, NULL, allocator)) != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return rv;
    }
    apr_allocator_owner_set(allocator, ld->cache_pool);
    ld->cache = apr_hash_make(ld->cache_pool);

    /* min 0: no connection until the first lookup. The reslist's pool cleanup closes them all. */
    rv = apr_reslist_create(&ld->handles, 0, conf->pool_max, conf->pool_max, 0,
                            handle_open, handle_close, ld, p);
    if (rv != APR_SUCCESS)
        return rv;
    apr_reslist_timeout_set(ld->handles, apr_time_from_sec(conf->timeout_sec));
    *out = ld;
    return APR_SUCCESS;
}

void itsm_ldap_cache_clear(itsm_ldap_t *ld)
{
    apr_thread_mutex_lock(ld->lock);
    apr_pool_clear(ld->cache_pool);
    ld->cache = apr_hash_make(ld->cache_pool);
    ld->cache_inserts = 0;
    apr_thread_mutex_unlock(ld->lock);
}

static apr_array_header_t *copy_strings(apr_pool_t *p, const apr_array_header_t *src)
{
    apr_array_header_t *dst = apr_array_make(p, src->nelts > 0 ? src->nelts : 1, sizeof(const char *));
    int i;

    for (i = 0; i < src->nelts; i++)
        APR_ARRAY_PUSH(dst, const char *) = apr_pstrdup(p, APR_ARRAY_IDX(src, i, const char *));
    return dst;
}

static itsm_identity_t *copy_identity(apr_pool_t *p, const itsm_identity_t *src)
{
    itsm_identity_t *id = apr_palloc(p, sizeof(*id));

    id->uid = apr_pstrdup(p, src->uid);
    id->dn = apr_pstrdup(p, src->dn);
    id->display_name = apr_pstrdup(p, src->display_name);
    id->email = src->email ? apr_pstrdup(p, src->email) : NULL;
    id->party = src->party ? apr_pstrdup(p, src->party) : NULL;
    id->party_name = src->party_name ? apr_pstrdup(p, src->party_name) : NULL;
    id->acts_for = copy_strings(p, src->acts_for);
    id->roles = copy_strings(p, src->roles);
    id->groups = copy_strings(p, src->groups);
    id->market_roles = copy_strings(p, src->market_roles);
    return id;
}

/* A cached identity and its derived string, copied into p: cache_put may clear the cache
 * pool as soon as the lock is released. */
static int cache_get(itsm_ldap_t *ld, const char *login, apr_pool_t *p, itsm_identity_t **out,
                     const char **derived)
{
    cache_entry_t *e;

    if (ld->conf.cache_ttl <= 0)
        return 0;
    apr_thread_mutex_lock(ld->lock);
    e = apr_hash_get(ld->cache, login, APR_HASH_KEY_STRING);
    if (e != NULL && e->expires > apr_time_now()) {
        *out = copy_identity(p, e->id);
        if (derived)
            *derived = e->derived ? apr_pstrdup(p, e->derived) : NULL;
    }
    apr_thread_mutex_unlock(ld->lock);
    return *out != NULL;
}

/* Cache id under the login it was looked up by (its uid is the directory's spelling), and
 * the string derived from it (copied into the cache pool). */
static void cache_put(itsm_ldap_t *ld, const char *login, const itsm_identity_t *id,
                      const char *derived)
{
    cache_entry_t *e;

    if (ld->conf.cache_ttl <= 0)
        return;
    apr_thread_mutex_lock(ld->lock);
    /* Replaced and expired entries stay in the pool until the next reset: count inserts,
     * not keys, so the pool cannot grow without bound. */
    if (ld->cache_inserts >= ITSM_LDAP_CACHE_MAX) {
        apr_pool_clear(ld->cache_pool);
        ld->cache = apr_hash_make(ld->cache_pool);
        ld->cache_inserts = 0;
    }
    e = apr_palloc(ld->cache_pool, sizeof(*e));
    e->id = copy_identity(ld->cache_pool, id);
    e->derived = derived ? apr_pstrdup(ld->cache_pool, derived) : NULL;
    e->expires = apr_time_now() + ld->conf.cache_ttl;
    apr_hash_set(ld->cache, apr_pstrdup(ld->cache_pool, login), APR_HASH_KEY_STRING, e);
    ld->cache_inserts++;
    apr_thread_mutex_unlock(ld->lock);
}

/* ldap_search_ext_s with our timeout. *res is set only when the call returned entries to read
 * (LDAP_SUCCESS or LDAP_SIZELIMIT_EXCEEDED); the caller frees it with ldap_msgfree. */
static int search(itsm_ldap_t *ld, LDAP *h, const char *base, int scope, const char *filter,
                  const char **attrs, int sizelimit, LDAPMessage **res)
{
    struct timeval tv = { ld->conf.timeout_sec, 0 };
    int rc;

    *res = NULL;
    rc = ldap_search_ext_s(h, base, scope, filter, (char **)attrs, 0, NULL, NULL, &tv, sizelimit, res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED && *res != NULL) {
        ldap_msgfree(*res);
        *res = NULL;
    }
    return rc;
}

/* Values of attr on entry e, as NUL-terminated strings in p (empty array when absent). */
static apr_array_header_t *values(apr_pool_t *p, LDAP *h, LDAPMessage *e, const char *attr)
{
    struct berval **vals = ldap_get_values_len(h, e, attr);
    apr_array_header_t *arr = apr_array_make(p, 2, sizeof(const char *));
    int i;

    if (vals != NULL) {
        for (i = 0; vals[i] != NULL; i++)
            APR_ARRAY_PUSH(arr, const char *) = apr_pstrmemdup(p, vals[i]->bv_val, vals[i]->bv_len);
        ldap_value_free_len(vals);
    }
    return arr;
}

static const char *first_value(apr_pool_t *p, LDAP *h, LDAPMessage *e, const char *attr)
{
    apr_array_header_t *arr = values(p, h, e, attr);

    return arr->nelts > 0 ? APR_ARRAY_IDX(arr, 0, const char *) : NULL;
}

/* The values of attr in the first RDN of e's DN (a multi-valued RDN may hold several:
 * uid=a+uid=b), none without it. */
static apr_array_header_t *rdn_values(apr_pool_t *p, LDAP *h, LDAPMessage *e, const char *attr)
{
    apr_array_header_t *v = apr_array_make(p, 1, sizeof(const char *));
    char *dn = ldap_get_dn(h, e);
    LDAPDN parsed = NULL;
    int i;

    if (dn != NULL && ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS
        && parsed != NULL && parsed[0] != NULL)
        for (i = 0; parsed[0][i] != NULL; i++) {
            const LDAPAVA *ava = parsed[0][i];

            if (ava->la_attr.bv_len == strlen(attr)
                && strncasecmp(ava->la_attr.bv_val, attr, ava->la_attr.bv_len) == 0)
                APR_ARRAY_PUSH(v, const char *) = apr_pstrmemdup(p, ava->la_value.bv_val,
                                                                 ava->la_value.bv_len);
        }
    if (parsed != NULL)
        ldap_dnfree(parsed);
    if (dn != NULL)
        ldap_memfree(dn);
    return v;
}

/* The name entry e goes by in attr (a person's uid, a group's cn), whatever spelling or
 * other value of it a search matched (the directory's matching of a uid or a cn ignores
 * case, beyond ASCII too): its only value; of several (an alias login, a group's second
 * cn), the first one its DN's first RDN holds, else the first. One name for one entry, so
 * that a stored <group> and a member's list of groups agree. NULL without a value. The DN is
 * parsed once, and only for an entry of several values. */
static const char *entry_name(apr_pool_t *p, LDAP *h, LDAPMessage *e, const char *attr)
{
    apr_array_header_t *arr = values(p, h, e, attr), *rdn;
    int i, j;

    if (arr->nelts == 0)
        return NULL;
    if (arr->nelts > 1) {
        rdn = rdn_values(p, h, e, attr);
        for (j = 0; j < rdn->nelts; j++)       /* in the DN's order, not the server's */
            for (i = 0; i < arr->nelts; i++)
                if (strcasecmp(APR_ARRAY_IDX(arr, i, const char *),
                               APR_ARRAY_IDX(rdn, j, const char *)) == 0)
                    return APR_ARRAY_IDX(arr, i, const char *);
    }
    return APR_ARRAY_IDX(arr, 0, const char *);
}

static int has_value(const apr_array_header_t *arr, const char *v)
{
    int i;

    for (i = 0; i < arr->nelts; i++)
        if (strcasecmp(APR_ARRAY_IDX(arr, i, const char *), v) == 0)
            return 1;
    return 0;
}

/* Reads one party entry (base scope). *entry is NULL when dn names no itsmParty. */
static int read_party(itsm_ldap_t *ld, LDAP *h, const char *dn, const char **attrs,
                      LDAPMessage **res, LDAPMessage **entry)
{
    int rc = search(ld, h, dn, LDAP_SCOPE_BASE, "(objectClass=itsmParty)", attrs, 1, res);

    *entry = NULL;
    if (rc == LDAP_NO_SUCH_OBJECT)
        return LDAP_SUCCESS;
    if (rc != LDAP_SUCCESS) {
        if (*res != NULL)
            ldap_msgfree(*res);
        *res = NULL;
        return rc;
    }
    *entry = ldap_first_entry(h, *res);
    return LDAP_SUCCESS;
}

/* One resolution on handle h. Returns a libldap result code; with LDAP_SUCCESS, *out is the
 * identity or NULL when the login names no person or several. *what names the failed step. */
static int resolve(itsm_ldap_t *ld, LDAP *h, const char *login, apr_pool_t *p,
                   itsm_identity_t **out, const char **what)
{
    const char *person_attrs[] = { "cn", "mail", "itsmPartyRef", ld->conf.user_attr, NULL };
    static const char *party_attrs[] = { "itsmPartyId", "o", "itsmActsFor", "itsmMarketRole",
                                         NULL };
    static const char *partyid_attrs[] = { "itsmPartyId", NULL };
    static const char *group_attrs[] = { "cn", "objectClass", NULL };
    itsm_identity_t *id;
    LDAPMessage *res, *e;
    const char *esc, *party_ref;
    apr_array_header_t *acts_for_dns = NULL, *classes;
    char *dn;
    int rc, i;

    *out = NULL;
    *what = "person search";
    esc = itsm_ldap_filter_escape(p, login, strlen(login));
    if (esc == NULL)
        return LDAP_NO_MEMORY;
    /* Size limit 2: a second match is enough to call the login ambiguous. */
    rc = search(ld, h, ld->conf.base, LDAP_SCOPE_SUBTREE,
                apr_psprintf(p, "(&(objectClass=inetOrgPerson)(%s=%s))", ld->conf.user_attr, esc),
                person_attrs, 2, &res);
    if (rc == LDAP_SIZELIMIT_EXCEEDED) {
        ldap_msgfree(res);
        return LDAP_SUCCESS;
    }
    if (rc != LDAP_SUCCESS)
        return rc;
    if (ldap_count_entries(h, res) != 1 || (e = ldap_first_entry(h, res)) == NULL
        || (dn = ldap_get_dn(h, e)) == NULL) {
        ldap_msgfree(res);
        return LDAP_SUCCESS;
    }
    id = apr_pcalloc(p, sizeof(*id));
    if ((id->uid = entry_name(p, h, e, ld->conf.user_attr)) == NULL)   /* AGENT1: agent1 */
        id->uid = apr_pstrdup(p, login);
    id->dn = apr_pstrdup(p, dn);
    ldap_memfree(dn);
    id->display_name = first_value(p, h, e, "cn");
    if (id->display_name == NULL)
        id->display_name = id->uid;
    id->email = first_value(p, h, e, "mail");
    party_ref = first_value(p, h, e, "itsmPartyRef");
    ldap_msgfree(res);
    id->acts_for = apr_array_make(p, 2, sizeof(const char *));
    id->roles = apr_array_make(p, 4, sizeof(const char *));
    id->groups = apr_array_make(p, 2, sizeof(const char *));
    id->market_roles = apr_array_make(p, 1, sizeof(const char *));

    /* A reference to a missing party leaves the person without one: less access, not more. */
    if (party_ref != NULL) {
        *what = "party lookup";
        if ((rc = read_party(ld, h, party_ref, party_attrs, &res, &e)) != LDAP_SUCCESS)
            return rc;
        if (e != NULL) {
            id->party = first_value(p, h, e, "itsmPartyId");
            id->party_name = first_value(p, h, e, "o");
            acts_for_dns = values(p, h, e, "itsmActsFor");
            id->market_roles = values(p, h, e, "itsmMarketRole");
        }
        if (res != NULL)
            ldap_msgfree(res);
    }
    for (i = 0; id->party != NULL && acts_for_dns != NULL && i < acts_for_dns->nelts; i++) {
        const char *party_id;

        *what = "acts-for party lookup";
        rc = read_party(ld, h, APR_ARRAY_IDX(acts_for_dns, i, const char *), partyid_attrs, &res, &e);
        if (rc != LDAP_SUCCESS)
            return rc;
        if (e != NULL && (party_id = first_value(p, h, e, "itsmPartyId")) != NULL
            && !has_value(id->acts_for, party_id))
            APR_ARRAY_PUSH(id->acts_for, const char *) = party_id;
        if (res != NULL)
            ldap_msgfree(res);
    }

    *what = "role and group search";
    esc = itsm_ldap_filter_escape(p, id->dn, strlen(id->dn));
    if (esc == NULL)
        return LDAP_NO_MEMORY;
    rc = search(ld, h, ld->conf.base, LDAP_SCOPE_SUBTREE,
                apr_psprintf(p, "(&(|(objectClass=itsmRole)(objectClass=itsmResolverGroup))(member=%s))", esc),
                group_attrs, ITSM_LDAP_GROUP_LIMIT, &res);
    if (rc != LDAP_SUCCESS) {
        /* A truncated list of roles is not an answer: fail rather than guess. */
        if (res != NULL)
            ldap_msgfree(res);
        return rc;
    }
    for (e = ldap_first_entry(h, res); e != NULL; e = ldap_next_entry(h, e)) {
        const char *cn = entry_name(p, h, e, "cn");

        if (cn == NULL)
            continue;
        classes = values(p, h, e, "objectClass");
        if (has_value(classes, "itsmRole") && !has_value(id->roles, cn))
            APR_ARRAY_PUSH(id->roles, const char *) = cn;
        if (has_value(classes, "itsmResolverGroup") && !has_value(id->groups, cn))
            APR_ARRAY_PUSH(id->groups, const char *) = cn;
    }
    ldap_msgfree(res);
    *out = id;
    return LDAP_SUCCESS;
}

/* A pooled handle bound after the last "server gone": handles older than that are dropped. The
 * loop is bounded by the pool size; it never waits on the network beyond one bind per handle. */
static apr_status_t acquire_handle(itsm_ldap_t *ld, ldap_handle_t **out)
{
    void *res;
    apr_status_t rv;
    int i;

    for (i = 0; i <= ld->conf.pool_max; i++) {
        if ((rv = apr_reslist_acquire(ld->handles, &res)) != APR_SUCCESS)
            return rv;
        *out = res;
        if ((*out)->generation == apr_atomic_read32(&ld->generation))
            return APR_SUCCESS;
        apr_reslist_invalidate(ld->handles, res);
    }
    return apr_reslist_acquire(ld->handles, (void **)out);
}

static const char *acquire_error(itsm_ldap_t *ld, apr_status_t rv, apr_pool_t *p)
{
    char buf[120];
    const char *why;

    if (ITSM_LDAP_IS_RC(rv)) {
        apr_thread_mutex_lock(ld->lock);
        why = apr_pstrdup(p, ld->open_error);
        apr_thread_mutex_unlock(ld->lock);
        if (*why == '\0')
            why = apr_pstrcat(p, "connect/bind: ",
                              ldap_err2string((int)(rv - ITSM_LDAP_RC_BASE)), NULL);
        return apr_psprintf(p, "LDAP connection to %s failed in %s", ld->conf.url, why);
    }
    if (APR_STATUS_IS_TIMEUP(rv) || APR_STATUS_IS_EAGAIN(rv))
        return apr_psprintf(p, "no LDAP connection to %s free within %d s", ld->conf.url,
                            ld->conf.timeout_sec);
    return apr_psprintf(p, "no LDAP connection to %s: %s", ld->conf.url,
                        apr_strerror(rv, buf, sizeof(buf)));
}

/* Run op on a pooled handle. A pooled handle may have lost its server (restart, idle
 * timeout): one retry on a handle bound after the failure, then give up. Returns op's libldap
 * result code, or -1 with *errmsg set when no handle could be had. */
typedef int (*ldap_op_fn)(itsm_ldap_t *ld, LDAP *h, void *ctx, const char **what);

static int run_op(itsm_ldap_t *ld, ldap_op_fn op, void *ctx, const char **what,
                  const char **errmsg, apr_pool_t *p)
{
    ldap_handle_t *h;
    apr_status_t rv;
    int attempt, rc = LDAP_OTHER;

    for (attempt = 0; attempt < 2; attempt++) {
        if ((rv = acquire_handle(ld, &h)) != APR_SUCCESS) {
            if (errmsg != NULL)
                *errmsg = acquire_error(ld, rv, p);
            return -1;
        }
        rc = op(ld, h->ld, ctx, what);
        if (!is_connection_error(rc)) {
            apr_reslist_release(ld->handles, h);
            break;
        }
        apr_atomic_inc32(&ld->generation);
        apr_reslist_invalidate(ld->handles, h);
    }
    if (rc != LDAP_SUCCESS && errmsg != NULL)
        *errmsg = apr_psprintf(p, "LDAP %s on %s failed: %s", *what, ld->conf.url,
                               ldap_err2string(rc));
    return rc;
}

typedef struct lookup_ctx_t {
    const char *login;
    apr_pool_t *p;
    itsm_identity_t *id;
} lookup_ctx_t;

static int lookup_op(itsm_ldap_t *ld, LDAP *h, void *vctx, const char **what)
{
    lookup_ctx_t *c = vctx;

    return resolve(ld, h, c->login, c->p, &c->id, what);
}

void itsm_ldap_set_derive(itsm_ldap_t *ld, itsm_ldap_derive_fn *fn, void *ctx)
{
    ld->derive = fn;
    ld->derive_ctx = ctx;
}

apr_status_t itsm_ldap_lookup(itsm_identity_t **out, const char **errmsg, itsm_ldap_t *ld,
                              const char *login, apr_pool_t *p)
{
    return itsm_ldap_lookup_derived(out, NULL, errmsg, ld, login, p);
}

apr_status_t itsm_ldap_lookup_derived(itsm_identity_t **out, const char **derived,
                                      const char **errmsg, itsm_ldap_t *ld, const char *login,
                                      apr_pool_t *p)
{
    lookup_ctx_t c = { login, p, NULL };
    const char *what = "lookup", *made;

    *out = NULL;
    if (derived != NULL)
        *derived = NULL;
    if (errmsg != NULL)
        *errmsg = NULL;
    if (login == NULL || *login == '\0' || strlen(login) > ITSM_LDAP_LOGIN_MAX) {
        if (errmsg != NULL)
            *errmsg = "empty or overlong login";
        return APR_NOTFOUND;
    }
    if (cache_get(ld, login, p, out, derived))
        return APR_SUCCESS;
    if (run_op(ld, lookup_op, &c, &what, errmsg, p) != LDAP_SUCCESS)
        return APR_EGENERAL;
    if (c.id == NULL) {
        if (errmsg != NULL)
            *errmsg = apr_psprintf(p, "no single person with %s=%s", ld->conf.user_attr, login);
        return APR_NOTFOUND;
    }
    made = ld->derive ? ld->derive(p, c.id, ld->derive_ctx) : NULL;
    cache_put(ld, login, c.id, made);
    *out = c.id;
    if (derived != NULL)
        *derived = made;
    return APR_SUCCESS;
}

/* Is there exactly one entry matching filter under the base, and what name does it go by in
 * attr (entry_name)? */
typedef struct exists_ctx_t {
    const char *filter, *attr, *value, *spelt;
    apr_pool_t *p;
} exists_ctx_t;

static int exists_op(itsm_ldap_t *ld, LDAP *h, void *vctx, const char **what)
{
    exists_ctx_t *c = vctx;
    const char *attrs[] = { c->attr, NULL };
    LDAPMessage *res, *e;
    int rc;

    *what = "existence search";
    rc = search(ld, h, ld->conf.base, LDAP_SCOPE_SUBTREE, c->filter, attrs, 2, &res);
    if (rc == LDAP_SUCCESS && ldap_count_entries(h, res) == 1
        && (e = ldap_first_entry(h, res)) != NULL) {
        c->spelt = entry_name(c->p, h, e, c->attr);
        if (c->spelt == NULL)       /* matched by a value the reader may not read */
            c->spelt = c->value;
    }
    if (res != NULL)
        ldap_msgfree(res);
    return rc;
}

/* filter_fmt has one %s for the escaped value; *spelt (may be NULL) the name the entry goes
 * by in attr. */
static apr_status_t entry_exists(itsm_ldap_t *ld, const char *filter_fmt, const char *attr,
                                 const char *value, const char **spelt, const char **errmsg,
                                 apr_pool_t *p)
{
    const char *esc = itsm_ldap_filter_escape(p, value, strlen(value));
    exists_ctx_t c = { NULL, attr, value, NULL, p };
    const char *what = "existence search";

    if (errmsg != NULL)
        *errmsg = NULL;
    if (spelt != NULL)
        *spelt = NULL;
    if (esc == NULL)
        return APR_NOTFOUND;
    c.filter = apr_psprintf(p, filter_fmt, esc);
    if (run_op(ld, exists_op, &c, &what, errmsg, p) != LDAP_SUCCESS)
        return APR_EGENERAL;
    if (spelt != NULL)
        *spelt = c.spelt;
    return c.spelt ? APR_SUCCESS : APR_NOTFOUND;
}

apr_status_t itsm_ldap_party_exists(itsm_ldap_t *ld, const char *party, const char **errmsg,
                                    apr_pool_t *p)
{
    apr_array_header_t *ids = apr_array_make(p, 1, sizeof(const char *)), *found;
    apr_status_t rv;
    int i, same = 0;

    APR_ARRAY_PUSH(ids, const char *) = party;
    if ((rv = itsm_ldap_party_ids(ld, ids, &found, errmsg, p)) != APR_SUCCESS)
        return rv;
    /* spelt as the directory spells it: a ticket of party "alpe" is no ALPE person's */
    for (i = 0; i < found->nelts; i++)
        same += strcmp(APR_ARRAY_IDX(found, i, const char *), party) == 0;
    return same == 1 ? APR_SUCCESS : APR_NOTFOUND;
}

/* The Party IDs of the directory among ids, in one search (an OR of equality filters), each
 * as the directory spells it: itsmPartyId matches ignoring case. */
typedef struct party_ids_ctx_t {
    const char *filter;
    int limit;
    apr_pool_t *p;
    apr_array_header_t *found;
} party_ids_ctx_t;

static int party_ids_op(itsm_ldap_t *ld, LDAP *h, void *vctx, const char **what)
{
    static const char *attrs[] = { "itsmPartyId", NULL };
    party_ids_ctx_t *c = vctx;
    LDAPMessage *res, *e;
    const char *id;
    int rc;

    *what = "party search";
    c->found = apr_array_make(c->p, c->limit, sizeof(const char *));
    rc = search(ld, h, ld->conf.base, LDAP_SCOPE_SUBTREE, c->filter, attrs, c->limit, &res);
    if (rc == LDAP_SIZELIMIT_EXCEEDED)
        rc = LDAP_SUCCESS;      /* two parties of one ID: those found are enough to tell */
    for (e = rc == LDAP_SUCCESS && res ? ldap_first_entry(h, res) : NULL; e != NULL;
         e = ldap_next_entry(h, e))
        if ((id = first_value(c->p, h, e, "itsmPartyId")) != NULL)
            APR_ARRAY_PUSH(c->found, const char *) = id;
    if (res != NULL)
        ldap_msgfree(res);
    return rc;
}

apr_status_t itsm_ldap_party_ids(itsm_ldap_t *ld, const apr_array_header_t *ids,
                                 apr_array_header_t **found, const char **errmsg, apr_pool_t *p)
{
    party_ids_ctx_t c = { "", 0, p, NULL };
    apr_array_header_t *parts = apr_array_make(p, ids->nelts + 2, sizeof(const char *));
    const char *what = "party search";
    int i;

    *found = apr_array_make(p, 1, sizeof(const char *));
    if (errmsg != NULL)
        *errmsg = NULL;
    if (ids->nelts == 0)
        return APR_SUCCESS;
    APR_ARRAY_PUSH(parts, const char *) = "(&(objectClass=itsmParty)(|";
    for (i = 0; i < ids->nelts; i++) {      /* the filter made once, not copied per id */
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        const char *esc = itsm_ldap_filter_escape(p, id, strlen(id));

        if (esc == NULL)
            return APR_ENOMEM;
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p, "(itsmPartyId=", esc, ")", NULL);
    }
    APR_ARRAY_PUSH(parts, const char *) = "))";
    c.filter = apr_array_pstrcat(p, parts, '\0');
    c.limit = 2 * ids->nelts;
    if (run_op(ld, party_ids_op, &c, &what, errmsg, p) != LDAP_SUCCESS)
        return APR_EGENERAL;
    *found = c.found;
    return APR_SUCCESS;
}

apr_status_t itsm_ldap_group_exists(itsm_ldap_t *ld, const char *group, const char **spelt,
                                    const char **errmsg, apr_pool_t *p)
{
    return entry_exists(ld, "(&(objectClass=itsmResolverGroup)(cn=%s))", "cn", group, spelt,
                        errmsg, p);
}

apr_status_t itsm_ldap_person_exists(itsm_ldap_t *ld, const char *login, const char **spelt,
                                     const char **errmsg, apr_pool_t *p)
{
    const char *fmt = apr_pstrcat(p, "(&(objectClass=inetOrgPerson)(", ld->conf.user_attr,
                                  "=%s))", NULL);

    return entry_exists(ld, fmt, ld->conf.user_attr, login, spelt, errmsg, p);
}
