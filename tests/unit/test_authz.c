/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the role table (authz.c) on files validated by the real schema: grants to
 * roles and to relations (raiser, assignee, group member, approver), the relations of a
 * caller to a ticket, the files and kinds the core refuses at start-up, and the defaults
 * of the shipped conf/itsm-authz.xml. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#include "unit_main.h"
#include "itsm.h"
#include "itsm_authz.h"
#include "itsm_xml.h"
#include "config_file.h"

#define HEAD "<authorization xmlns=\"urn:mod-itsm:xml:1\">\n" \
             " <role name=\"agent\" scope=\"all\"/>\n" \
             " <role name=\"user\" scope=\"party\"/>\n"
#define TAIL "</authorization>\n"
static xmlSchemaPtr schema;

static int setup(void **state)
{
    return (schema = config_schema(pool)) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    xmlSchemaFree(schema);
    return 0;
}

static const char *table_file(const char *text)
{
    return config_file(pool, text);
}

static itsm_authz_t *load(const char *text)
{
    const char *err = NULL;
    itsm_authz_t *az = itsm_authz_load(table_file(text), schema, pool, &err);

    if (az == NULL)
        fail_msg("%s", err);
    return az;
}

/* The names of s, separated by '|' (group names hold spaces). */
static apr_array_header_t *strings(const char *s)
{
    apr_array_header_t *a = apr_array_make(pool, 2, sizeof(const char *));
    char *copy = apr_pstrdup(pool, s), *tok, *last;

    for (tok = apr_strtok(copy, "|", &last); tok; tok = apr_strtok(NULL, "|", &last))
        APR_ARRAY_PUSH(a, const char *) = tok;
    return a;
}

static const char *const desk_actions[] = { "close", "resolve", "approve", NULL };
static const itsm_field_t desk_fields[] = {
    { "approvers", 0 },
    { NULL }
};
static const itsm_kind_t desk = {
    .kind = "desk", .actions = desk_actions, .fields = desk_fields,
    .approvers_field = "approvers",
};
static const itsm_kind_t plain = { .kind = "plain", .actions = desk_actions };

static const char *const table =
    HEAD
    " <grant kind=\"desk\" actions=\"create read update close\" roles=\"agent\"/>\n"
    " <grant kind=\"desk\" actions=\"read\" roles=\"user\"/>\n"
    " <grant kind=\"desk\" actions=\"resolve update\" relation=\"assignee group-member\"/>\n"
    " <grant kind=\"desk\" actions=\"close\" relation=\"raiser\"/>\n"
    " <grant kind=\"desk\" actions=\"approve\" relation=\"approver\"/>\n"
    TAIL;

static void roles_and_relations(void **state)
{
    itsm_authz_t *az = load(table);
    const apr_array_header_t *agent = strings("agent"), *user = strings("user"),
                             *none = strings("");
    const char *err = NULL;
    static const struct {
        const char *action;
        unsigned relations;             /* that some grant allows it to */
    } by_action[] = {
        { "create", 0 }, { "read", 0 }, { "update", ITSM_REL_ASSIGNEE | ITSM_REL_GROUP_MEMBER },
        { "resolve", ITSM_REL_ASSIGNEE | ITSM_REL_GROUP_MEMBER }, { "close", ITSM_REL_RAISER },
        { "approve", ITSM_REL_APPROVER }, { "explode", 0 },
    };
    size_t i;

    assert_true(itsm_authz_check_kind(az, &desk, pool, &err));
    for (i = 0; i < sizeof by_action / sizeof by_action[0]; i++)
        assert_int_equal(itsm_authz_relations_for(az, "desk", by_action[i].action),
                         by_action[i].relations);
    /* roles alone, whatever the relation */
    assert_true(itsm_authz_allows(az, agent, "desk", "close"));
    assert_true(itsm_authz_allows_on(az, agent, 0, "desk", "close"));
    assert_false(itsm_authz_allows(az, user, "desk", "close"));
    assert_false(itsm_authz_allows(az, user, "desk", "resolve"));
    /* a relation allows what its grant names, and nothing else */
    assert_true(itsm_authz_allows_on(az, user, ITSM_REL_ASSIGNEE, "desk", "resolve"));
    assert_true(itsm_authz_allows_on(az, none, ITSM_REL_GROUP_MEMBER, "desk", "update"));
    assert_true(itsm_authz_allows_on(az, NULL, ITSM_REL_RAISER, "desk", "close"));
    assert_true(itsm_authz_allows_on(az, NULL, ITSM_REL_APPROVER, "desk", "approve"));
    assert_false(itsm_authz_allows_on(az, user, ITSM_REL_RAISER, "desk", "resolve"));
    assert_false(itsm_authz_allows_on(az, user, ITSM_REL_ASSIGNEE, "desk", "close"));
    assert_false(itsm_authz_allows_on(az, user, ITSM_REL_APPROVER, "desk", "close"));
    assert_false(itsm_authz_allows_on(az, user, 0, "desk", "resolve"));
    assert_false(itsm_authz_allows_on(az, agent, ITSM_REL_ASSIGNEE, "desk", "approve"));
    /* every relation at once still grants no action no grant names, nor another kind */
    assert_false(itsm_authz_allows_on(az, user, ~0u, "desk", "create"));
    assert_false(itsm_authz_allows_on(az, user, ~0u, "other", "resolve"));
    assert_false(itsm_authz_allows_on(az, agent, ~0u, "other", "read"));
    /* scope stays with the roles */
    assert_true(itsm_authz_sees_all(az, agent));
    assert_false(itsm_authz_sees_all(az, user));
}

static itsm_ticket_t *ticket(const char *created_by, const char *assignee, const char *group,
                             const char *approvers)
{
    itsm_ticket_t *t = apr_pcalloc(pool, sizeof *t);

    t->created_by = created_by;
    t->assignee = assignee;
    t->group = group;
    t->fields = apr_table_make(pool, 2);
    if (approvers)
        apr_table_set(t->fields, "approvers", approvers);
    return t;
}

static const itsm_identity_t *person(const char *uid, const char *groups)
{
    itsm_identity_t *id = apr_pcalloc(pool, sizeof *id);

    id->uid = uid;
    id->groups = strings(groups);
    id->roles = strings("user");
    return id;
}

static void relations_of_a_caller(void **state)
{
    static const struct {
        const char *uid, *groups;
        const char *created_by, *assignee, *group, *approvers;
        const itsm_kind_t *kind;
        unsigned expect;
    } cases[] = {
        { "res1", "", "agent1", "res1", NULL, NULL, &desk, ITSM_REL_ASSIGNEE },
        { "res2", "", "agent1", "res1", NULL, NULL, &desk, 0 },
        { "res1", "SDS", "agent1", NULL, "SDS", NULL, &desk, ITSM_REL_GROUP_MEMBER },
        { "res1", "DIP Monitoring Team|SDS", "agent1", NULL, "SDS", NULL, &desk, ITSM_REL_GROUP_MEMBER },
        { "res2", "DIP", "agent1", NULL, "SDS", NULL, &desk, 0 },
        { "res1", "SDS Team", "agent1", NULL, "SDS", NULL, &desk, 0 },    /* whole names */
        /* names compare as the directory compares uid and cn: ignoring case */
        { "res1", "sds", "agent1", NULL, "SDS", NULL, &desk, ITSM_REL_GROUP_MEMBER },
        { "RES1", "", "agent1", "res1", NULL, NULL, &desk, ITSM_REL_ASSIGNEE },
        { "Alice", "", "alice", NULL, NULL, NULL, &desk, ITSM_REL_RAISER },
        { "cm1", "", "agent1", NULL, NULL, "PM1 CM1", &desk, ITSM_REL_APPROVER },
        { "alice", "", "alice", NULL, NULL, NULL, &desk, ITSM_REL_RAISER },
        { "carol", "", "alice", NULL, NULL, NULL, &desk, 0 },
        { "res1", "SDS", "res1", "res1", "SDS", "res1", &desk,
          ITSM_REL_RAISER | ITSM_REL_ASSIGNEE | ITSM_REL_GROUP_MEMBER | ITSM_REL_APPROVER },
        /* approvers: a comma- or space-separated list of whole logins */
        { "cm1", "", "agent1", NULL, NULL, "cm1", &desk, ITSM_REL_APPROVER },
        { "cm1", "", "agent1", NULL, NULL, "pm1,cm1", &desk, ITSM_REL_APPROVER },
        { "cm1", "", "agent1", NULL, NULL, " pm1 ,  cm1 ", &desk, ITSM_REL_APPROVER },
        { "cm1", "", "agent1", NULL, NULL, "pm1\tcm1\nkm1", &desk, ITSM_REL_APPROVER },
        { "cm1", "", "agent1", NULL, NULL, "cm11,xcm1,cm", &desk, 0 },
        { "cm1", "", "agent1", NULL, NULL, "", &desk, 0 },
        { "cm1", "", "agent1", NULL, NULL, " , ", &desk, 0 },
        { "cm1", "", "agent1", NULL, NULL, NULL, &desk, 0 },
        /* a kind without an approvers field has no approvers, whatever its fields hold */
        { "cm1", "", "agent1", NULL, NULL, "cm1", &plain, 0 },
        /* no login, no relation (an empty assignee is no one) */
        { "", "SDS", "", "", "SDS", "", &desk, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const itsm_ticket_t *t = ticket(cases[i].created_by, cases[i].assignee, cases[i].group,
                                        cases[i].approvers);

        print_message("  case %zu: %s\n", i, cases[i].uid);
        assert_int_equal(itsm_authz_relations(person(cases[i].uid, cases[i].groups), t,
                                              cases[i].kind), cases[i].expect);
    }
    assert_int_equal(itsm_authz_relations(NULL, ticket("a", "a", "g", "a"), &desk), 0);
}

static void refused_tables(void **state)
{
    static const struct {
        const char *why, *doc, *expect;
    } cases[] = {
        { "both roles and relation",
          HEAD " <grant kind=\"desk\" actions=\"close\" roles=\"agent\" relation=\"raiser\"/>\n" TAIL,
          ":4: <grant kind=\"desk\">: name exactly one of roles= and relation=, not both" },
        { "neither roles nor relation",
          HEAD " <grant kind=\"desk\" actions=\"close\"/>\n" TAIL,
          ":4: <grant kind=\"desk\">: name exactly one of roles= and relation=, not neither" },
        { "unknown relation",
          HEAD " <grant kind=\"desk\" actions=\"close\" relation=\"owner\"/>\n" TAIL,
          ":4: " },
        { "empty relation",
          HEAD " <grant kind=\"desk\" actions=\"close\" relation=\"\"/>\n" TAIL, ":4: " },
        { "create by relation",
          HEAD " <grant kind=\"desk\" actions=\"read create\" relation=\"raiser\"/>\n" TAIL,
          ":4: <grant>: 'create' cannot be granted by relation" },
        { "import by relation",
          HEAD " <grant kind=\"desk\" actions=\"import\" relation=\"assignee\"/>\n" TAIL,
          ":4: <grant>: 'import' cannot be granted by relation" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *err = NULL;

        print_message("  %s\n", cases[i].why);
        assert_null(itsm_authz_load(table_file(cases[i].doc), schema, pool, &err));
        print_message("    -> %s\n", err);
        assert_non_null(err);
        assert_non_null(strstr(err, cases[i].expect));
    }
}

static void refused_kinds(void **state)
{
    static const itsm_field_t other_fields[] = { { "signers", 0 }, { NULL } };
    static const itsm_kind_t misnamed = {
        .kind = "desk", .actions = desk_actions, .fields = other_fields,
        .approvers_field = "approvers",
    };
    static const itsm_kind_t fieldless = {
        .kind = "desk", .actions = desk_actions, .approvers_field = "approvers",
    };
    static const struct {
        const char *why, *doc;
        const itsm_kind_t *kind;
        const char *expect;             /* NULL: accepted */
    } cases[] = {
        { "unknown action by relation",
          HEAD " <grant kind=\"desk\" actions=\"explode\" relation=\"assignee\"/>\n" TAIL, &desk,
          "line 4: grant of unknown action 'explode' on kind 'desk'" },  /* the grant's line */
        { "approver on a kind without approvers",
          HEAD " <grant kind=\"plain\" actions=\"approve\" relation=\"approver\"/>\n" TAIL, &plain,
          "grant to relation 'approver' on kind 'plain', which names no approvers field" },
        { "approvers field not declared",
          HEAD " <grant kind=\"desk\" actions=\"approve\" relation=\"approver\"/>\n" TAIL,
          &misnamed, "kind 'desk' names 'approvers' as its approvers field but has no such field" },
        { "approvers field of a kind without fields", HEAD TAIL, &fieldless,
          "kind 'desk' names 'approvers' as its approvers field but has no such field" },
        { "other relations on a kind without approvers",
          HEAD " <grant kind=\"plain\" actions=\"close\" relation=\"raiser assignee\"/>\n" TAIL,
          &plain, NULL },
        { "approver grant of another kind",
          HEAD " <grant kind=\"desk\" actions=\"approve\" relation=\"approver\"/>\n" TAIL, &plain,
          NULL },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *err = NULL;
        itsm_authz_t *az = load(cases[i].doc);
        int ok = itsm_authz_check_kind(az, cases[i].kind, pool, &err);

        print_message("  %s -> %s\n", cases[i].why, ok ? "accepted" : err);
        if (cases[i].expect == NULL) {
            assert_true(ok);
        }
        else {
            assert_false(ok);
            assert_string_equal(err, cases[i].expect);
        }
    }
}

/* The shipped defaults (LLSD 5.2, 6.6, 7.3): the assignee and members of the assigned
 * resolver group work the incident whatever their role (a service provider's person among
 * them); closing, cancelling and major incidents stay with the roles that own them. */
static void shipped_defaults(void **state)
{
    const char *err = NULL;
    itsm_authz_t *az = itsm_authz_load(ITSM_SRCDIR "/conf/itsm-authz.xml", schema, pool, &err);
    const apr_array_header_t *mp = strings("market-participant");
    const char *const works[] = { "read", "update", "start", "await-info", "resume", "resolve",
                                  "link" };
    const char *const owned[] = { "assign", "close", "reopen", "cancel", "declare-major",
                                  "stand-down", "notice", "publish-review" };
    size_t i;

    if (az == NULL)
        fail_msg("%s", err);
    assert_false(itsm_authz_allows(az, mp, "incident", "resolve"));
    for (i = 0; i < sizeof works / sizeof works[0]; i++) {
        assert_true(itsm_authz_allows_on(az, mp, ITSM_REL_ASSIGNEE, "incident", works[i]));
        assert_true(itsm_authz_allows_on(az, mp, ITSM_REL_GROUP_MEMBER, "incident", works[i]));
        assert_int_equal(itsm_authz_relations_for(az, "incident", works[i]) & ITSM_REL_RAISER, 0);
    }
    for (i = 0; i < sizeof owned / sizeof owned[0]; i++)
        assert_false(itsm_authz_allows_on(az, mp, ~0u, "incident", owned[i]));
    assert_true(itsm_authz_allows_on(az, NULL, ITSM_REL_ASSIGNEE, "review-action", "complete"));
    assert_false(itsm_authz_allows_on(az, NULL, ITSM_REL_ASSIGNEE, "review-action", "reopen"));
    /* the desk still triages every case: no relation grant on cases */
    assert_false(itsm_authz_allows_on(az, mp, ~0u, "case", "triage"));
    assert_true(itsm_authz_allows_on(az, mp, 0, "case", "provide-info"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(roles_and_relations),
        cmocka_unit_test(relations_of_a_caller),
        cmocka_unit_test(refused_tables),
        cmocka_unit_test(refused_kinds),
        cmocka_unit_test(shipped_defaults),
    };

    return itsm_unit_main(tests, setup, teardown);
}
