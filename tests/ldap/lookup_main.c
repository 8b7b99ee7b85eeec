/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Driver for modules/core/ldap.c against a real slapd (tests/ldap/smoke.sh):
 *   lookup_main URL BINDDN|- BINDPW BASE LOGIN...   prints each identity; exit 0 all found,
 *   2 if one was not found, 1 on a directory error. Among the logins, --clear empties the cache
 *   and --wait=FILE waits (up to 60 s) until FILE exists, --parties=ID,ID... prints the Party
 *   IDs the directory holds among them (itsm_ldap_party_ids). lookup_main --escape: escaping
 *   check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "itsm_ldap.h"

static void print_list(const char *name, const apr_array_header_t *a)
{
    int i;

    printf("%s=", name);
    for (i = 0; i < a->nelts; i++)
        printf("%s%s", i ? "," : "", APR_ARRAY_IDX(a, i, const char *));
    printf("\n");
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int escape_check(apr_pool_t *p)
{
    static const char raw[] = "a*b(c)d\\e\0f";
    const char *esc = itsm_ldap_filter_escape(p, raw, sizeof(raw) - 1);
    const char *want = "a\\2ab\\28c\\29d\\5ce\\00f";

    printf("escape=%s\n", esc ? esc : "(null)");
    return esc != NULL && strcasecmp(esc, want) == 0 ? 0 : 1;
}

/* The derive function: the party and the roles, and how often it ran (the cache keeps its
 * string with the identity: once per cached identity). */
static int derives;

static const char *derive(apr_pool_t *p, const itsm_identity_t *who, void *ctx)
{
    (void)ctx;
    derives++;
    return apr_psprintf(p, "%s:%s", who->party ? who->party : "",
                        apr_array_pstrcat(p, who->roles, ','));
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    itsm_ldap_t *ld;
    itsm_ldap_conf_t conf = { 0 };
    int i, rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    apr_app_initialize(&argc, (const char *const **)&argv, NULL);
    apr_pool_create(&p, NULL);
    if (argc == 2 && strcmp(argv[1], "--escape") == 0)
        return escape_check(p);
    if (argc < 6) {
        fprintf(stderr, "usage: %s URL BINDDN|- BINDPW BASE LOGIN...\n", argv[0]);
        return 64;
    }
    conf.url = argv[1];
    conf.bind_dn = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
    conf.bind_pw = argv[3];
    conf.base = argv[4];
    conf.user_attr = "uid";
    conf.cache_ttl = apr_time_from_sec(60);
    conf.timeout_sec = 3;
    conf.pool_max = 2;
    if (itsm_ldap_create(&ld, &conf, p) != APR_SUCCESS) {
        fprintf(stderr, "itsm_ldap_create failed\n");
        return 1;
    }
    itsm_ldap_set_derive(ld, derive, NULL);
    for (i = 5; i < argc; i++) {
        itsm_identity_t *id;
        const char *err = NULL, *derived = NULL;
        apr_status_t rv;

        if (strcmp(argv[i], "--clear") == 0) {
            itsm_ldap_cache_clear(ld);
            continue;
        }
        if (strncmp(argv[i], "--parties=", 10) == 0) {
            apr_array_header_t *ids = apr_array_make(p, 4, sizeof(const char *)), *found;
            char *list = apr_pstrdup(p, argv[i] + 10), *tok, *state;

            for (tok = apr_strtok(list, ",", &state); tok; tok = apr_strtok(NULL, ",", &state))
                APR_ARRAY_PUSH(ids, const char *) = tok;
            if (itsm_ldap_party_ids(ld, ids, &found, &err, p) != APR_SUCCESS) {
                printf("parties ERROR (%s)\n", err ? err : "");
                rc = 1;
                continue;
            }
            qsort(found->elts, found->nelts, sizeof(const char *), by_text);   /* any order */
            print_list("parties", found);
            continue;
        }
        if (strncmp(argv[i], "--wait=", 7) == 0) {
            for (int t = 0; t < 600 && access(argv[i] + 7, F_OK) != 0; t++)
                usleep(100000);
            continue;
        }
        rv = itsm_ldap_lookup_derived(&id, &derived, &err, ld, argv[i], p);

        if (rv == APR_NOTFOUND) {
            printf("login=%s NOTFOUND (%s)\n", argv[i], err ? err : "");
            rc = rc ? rc : 2;
            continue;
        }
        if (rv != APR_SUCCESS) {
            printf("login=%s ERROR (%s)\n", argv[i], err ? err : "");
            rc = 1;
            continue;
        }
        printf("login=%s\ndn=%s\ncn=%s\nmail=%s\nparty=%s\nparty_name=%s\n", id->uid, id->dn,
               id->display_name, id->email ? id->email : "", id->party ? id->party : "",
               id->party_name ? id->party_name : "");
        print_list("acts_for", id->acts_for);
        print_list("roles", id->roles);
        print_list("groups", id->groups);
        printf("derived=%s derives=%d\n", derived ? derived : "(null)", derives);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
