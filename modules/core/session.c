/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The portal's session cache: decoded sessions of mod_session_crypto, kept per child so that
 * a logged-in browser's requests do not pay its key derivation every time.
 *
 * Why: mod_session_crypto (httpd 2.4) derives the AES key of every cookie it decrypts with
 * PBKDF2 (4096 iterations, the cookie's own random salt; encrypt_string/decrypt_string), i.e.
 * ~3.5-4 ms of CPU on every request that carries the cookie, more than a whole rendered page.
 * Nothing in its configuration turns that off.
 *
 * How: two session_decode hooks around mod_session_crypto's (mod_session runs the decode
 * hooks in order: ours first, mod_session_crypto's, ours second, then mod_session's own
 * decode of the name=value pairs, APR_HOOK_REALLY_LAST).
 *   - lookup (before mod_session_crypto): the SHA-256 of the exact cookie value
 *     (z->encoded, the base64 of MAC, salt, IV and ciphertext) is looked up in the child's
 *     cache; on a hit with an expiry not yet passed, z->encoded is emptied (mod_session_crypto
 *     has nothing to decrypt) and the cached plaintext is kept for the second hook.
 *   - fill (right after mod_session_crypto): on a hit, z->encoded becomes the cached
 *     plaintext, which mod_session decodes as it decodes what mod_session_crypto gives it.
 *     On a miss, only when mod_session_crypto returned OK *and* replaced z->encoded (it
 *     decrypted: its MAC over salt, IV and ciphertext matched under the passphrase, the
 *     decryption and its padding succeeded), the plaintext is stored under the cookie's hash.
 *     A cookie mod_session_crypto refuses stops the decode hooks (mod_session runs them with
 *     RUN_ALL): a forged or altered cookie is never stored, and its hash differs from every
 *     stored one, so it cannot hit.
 * What it trusts: SHA-256's collision resistance; that every location of the suite's mount
 * point (ITSMBase) decrypts the cookie with the same SessionCryptoPassphrase(s) and cipher
 * (the shipped itsm.conf names one key file); a location without ITSMBase neither reads nor
 * fills the cache. The cache holds what the cookie holds (mod_auth_form's login and password,
 * the CSRF nonce), as the request pool holds it for each request, in the child's memory until
 * the session's expiry passes or the entry is replaced (then wiped). Sign-out drops the entry
 * of the cookie it ends. mod_session still checks the decoded expiry (SessionMaxAge) itself.
 *
 * Bounded: ITSMSessionCache entries per child (default 1024, 0 turns it off), in sets of 4
 * ways replaced least recently used first. */
#include <dlfcn.h>
#include <string.h>

#include <apr_hooks.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <mod_session.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mod_itsm.h"
#include "core.h"

APLOG_USE_MODULE(itsm);

#define WAYS 4
#define HASH_LEN 32
#define MAX_PLAIN 8192              /* a cookie is at most a few kB: larger is not cached */
#define NOTE "itsm-session-cache"
#define SESSION_EXPIRY "expiry"     /* mod_session.c's name of the expiry pair */

typedef struct slot_t {
    unsigned char key[HASH_LEN];
    char *plain;                    /* malloc'd, NUL-terminated; NULL: a free slot */
    apr_size_t len;
    apr_time_t expiry;              /* the session's own (0: none) */
    apr_uint64_t used;              /* last use, for the replacement */
} slot_t;

static struct {
    slot_t *slots;
    unsigned sets;
    apr_uint64_t clock;
    apr_thread_mutex_t *lock;
} cache;

/* What the lookup hook hands to the fill hook, per session decoded in a request. */
typedef struct note_t {
    struct note_t *next;
    const session_rec *z;
    unsigned char key[HASH_LEN];
    const char *cookie;             /* z->encoded as mod_session_cookie loaded it */
    const char *plain;              /* a hit: the cached plaintext */
} note_t;

static int active(request_rec *r)
{
    const itsm_dir_conf_t *d = ap_get_module_config(r->per_dir_config, &itsm_module);

    return cache.slots != NULL && d != NULL && d->base != NULL;
}

static int hash_of(const char *s, unsigned char *out)
{
    unsigned int n = 0;

    return EVP_Digest(s, strlen(s), out, &n, EVP_sha256(), NULL) == 1 && n == HASH_LEN;
}

static note_t *note_of(request_rec *r, const session_rec *z)
{
    note_t *n = NULL;

    apr_pool_userdata_get((void **)&n, NOTE, r->pool);
    for (; n; n = n->next)
        if (n->z == z)
            return n;
    return NULL;
}

/* The session's expiry as mod_session encodes it ("expiry=<µs>" among the pairs). */
static apr_time_t expiry_of(const char *plain)
{
    const char *p = plain;

    while (p && *p) {
        if (strncmp(p, SESSION_EXPIRY "=", sizeof SESSION_EXPIRY) == 0)
            return (apr_time_t)apr_atoi64(p + sizeof SESSION_EXPIRY);
        if ((p = strchr(p, '&')) != NULL)
            p++;
    }
    return 0;
}

static void wipe(slot_t *s)
{
    if (s->plain) {
        OPENSSL_cleanse(s->plain, s->len);
        free(s->plain);
    }
    memset(s, 0, sizeof *s);
}

static slot_t *set_of(const unsigned char *key)
{
    apr_uint64_t h;

    memcpy(&h, key, sizeof h);
    return cache.slots + (h % cache.sets) * WAYS;
}

static apr_status_t lookup(request_rec *r, session_rec *z)
{
    note_t *n;
    slot_t *set;
    apr_time_t now;
    int i;

    if (cache.slots == NULL || z->encoded == NULL || *z->encoded == '\0' || note_of(r, z))
        return OK;
    n = apr_pcalloc(r->pool, sizeof *n);
    if (!hash_of(z->encoded, n->key))
        return OK;
    n->z = z;
    n->cookie = z->encoded;
    apr_pool_userdata_get((void **)&n->next, NOTE, r->pool);
    apr_pool_userdata_setn(n, NOTE, NULL, r->pool);    /* sign-out forgets it (any location) */
    if (!active(r))
        return OK;
    now = apr_time_now();
    set = set_of(n->key);
    apr_thread_mutex_lock(cache.lock);
    for (i = 0; i < WAYS; i++) {
        slot_t *s = set + i;

        if (s->plain == NULL || CRYPTO_memcmp(s->key, n->key, HASH_LEN) != 0)
            continue;
        if (s->expiry && s->expiry < now) {
            wipe(s);            /* mod_session would refuse it: decrypt and let it say so */
            break;
        }
        s->used = ++cache.clock;
        n->plain = apr_pstrmemdup(r->pool, s->plain, s->len);
        break;
    }
    apr_thread_mutex_unlock(cache.lock);
    if (n->plain) {
        z->encoded = NULL;      /* nothing left for mod_session_crypto to decrypt */
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, ITSMLOGNO(00602)
                      "session cache: hit, mod_session_crypto skipped");
    }
    return OK;
}

static void store(request_rec *r, const note_t *n, const char *plain)
{
    apr_size_t len = strlen(plain);
    apr_time_t expiry = expiry_of(plain);
    slot_t *set = set_of(n->key), *victim = NULL;
    char *copy;
    int i, replaced;

    if (len > MAX_PLAIN || (expiry && expiry < apr_time_now()) || (copy = malloc(len + 1)) == NULL)
        return;
    memcpy(copy, plain, len + 1);
    apr_thread_mutex_lock(cache.lock);
    for (i = 0; i < WAYS; i++) {
        slot_t *s = set + i;

        if (s->plain && CRYPTO_memcmp(s->key, n->key, HASH_LEN) == 0) {
            victim = s;         /* another thread stored it meanwhile */
            break;
        }
        if (victim == NULL || (victim->plain && (s->plain == NULL || s->used < victim->used)))
            victim = s;
    }
    replaced = victim->plain != NULL && CRYPTO_memcmp(victim->key, n->key, HASH_LEN) != 0;
    wipe(victim);
    memcpy(victim->key, n->key, HASH_LEN);
    victim->plain = copy;
    victim->len = len;
    victim->expiry = expiry;
    victim->used = ++cache.clock;
    apr_thread_mutex_unlock(cache.lock);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, ITSMLOGNO(00603)
                  "session cache: stored the session mod_session_crypto decrypted");
    if (replaced)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, ITSMLOGNO(00601)
                      "session cache: a set of %d is full, the least recently used session "
                      "replaced (ITSMSessionCache %u)", WAYS, cache.sets * WAYS);
}

static apr_status_t fill(request_rec *r, session_rec *z)
{
    note_t *n;

    if (!active(r) || (n = note_of(r, z)) == NULL)
        return OK;
    if (n->plain) {
        z->encoded = n->plain;  /* mod_session decodes the pairs, checks the expiry */
        n->plain = NULL;
    }
    else if (z->encoded && z->encoded != n->cookie)
        store(r, n, z->encoded);    /* mod_session_crypto decrypted and authenticated it */
    return OK;
}

void itsm_session_cache_forget(request_rec *r)
{
    note_t *n = NULL;
    int i;

    if (cache.slots == NULL)
        return;
    apr_pool_userdata_get((void **)&n, NOTE, r->pool);
    for (; n; n = n->next) {
        slot_t *set = set_of(n->key);

        apr_thread_mutex_lock(cache.lock);
        for (i = 0; i < WAYS; i++)
            if (set[i].plain && CRYPTO_memcmp(set[i].key, n->key, HASH_LEN) == 0)
                wipe(set + i);
        apr_thread_mutex_unlock(cache.lock);
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, ITSMLOGNO(00604)
                      "session cache: the signed-out session dropped");
    }
}

typedef void hook_fn_t(ap_HOOK_session_decode_t *pf, const char *const *pre,
                       const char *const *succ, int order);

/* mod_session may be loaded after mod_itsm (Debian includes mods-enabled/ alphabetically),
 * so its hook function is looked up once every module is loaded; httpd sorts the hooks
 * again after the configuration and deregisters them all on a restart. */
void itsm_session_cache_pre_config(apr_pool_t *pconf)
{
    static const char *const crypto[] = { "mod_session_crypto.c", NULL };
    hook_fn_t *hook;
    const char *current = apr_hook_debug_current;

    if (ap_find_linked_module("mod_session_crypto.c") == NULL
        || (hook = (hook_fn_t *)dlsym(RTLD_DEFAULT, "ap_hook_session_decode")) == NULL)
        return;
    apr_hook_debug_current = "mod_itsm.c";
    hook(lookup, NULL, crypto, APR_HOOK_FIRST);
    hook(fill, crypto, NULL, APR_HOOK_FIRST);
    apr_hook_debug_current = current;
}

static apr_status_t wipe_all(void *unused)
{
    unsigned i;

    for (i = 0; cache.slots && i < cache.sets * WAYS; i++)
        wipe(cache.slots + i);
    cache.slots = NULL;
    return APR_SUCCESS;
}

void itsm_session_cache_child_init(apr_pool_t *pchild, server_rec *s, int entries)
{
    memset(&cache, 0, sizeof cache);
    if (entries <= 0 || ap_find_linked_module("mod_session_crypto.c") == NULL)
        return;
    cache.sets = ((unsigned)entries + WAYS - 1) / WAYS;
    if (apr_thread_mutex_create(&cache.lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, ITSMLOGNO(00600)
                     "session cache: cannot create its lock; every request with a session "
                     "cookie is decrypted by mod_session_crypto");
        return;
    }
    cache.slots = apr_pcalloc(pchild, sizeof(slot_t) * cache.sets * WAYS);
    apr_pool_cleanup_register(pchild, NULL, wipe_all, apr_pool_cleanup_null);
}
