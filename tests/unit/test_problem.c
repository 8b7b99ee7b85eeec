/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the problem rules (modules/problem/problem.c) without httpd: every step
 * allowed and refused by state, the texts each step needs, the KPI clocks each step stops,
 * the known-error flag, a plain update that may not record the steps' texts, the incidents
 * counted with their recurrences. The steps that call the core back (resolve, publish-
 * workaround) are tested through a server (tests/integration/test_problem_*.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_strings.h>
#include <string.h>

#include "unit_main.h"
#include "problem.h"

static const apr_time_t T0 = APR_INT64_C(1795000000) * APR_USEC_PER_SEC;

static itsm_call_t call(void)
{
    itsm_call_t c = { .pool = pool, .now = T0 };

    return c;
}

static itsm_ticket_t *problem(const char *state)
{
    itsm_ticket_t *t = apr_pcalloc(pool, sizeof *t);

    t->kind = "problem";
    t->number = "PRB0000001";
    t->title = "DIP adapter drops big files";
    t->state = state;
    t->fields = apr_table_make(pool, 8);
    apr_table_setn(t->fields, "level", "2");
    return t;
}

static itsm_ticket_t *copy(const itsm_ticket_t *t)
{
    itsm_ticket_t *n = apr_pmemdup(pool, t, sizeof *t);

    n->fields = apr_table_copy(pool, t->fields);
    return n;
}

/* Take action on a problem in state from with the field (may be NULL) set; the status and,
 * in *out, the problem as the action leaves it. */
static int step(const char *from, const char *action, const char *field, const char *value,
                itsm_ticket_t **out)
{
    itsm_ticket_t *old = problem(from), *t;
    itsm_call_t c = call();

    apr_table_setn(old->fields, "sla.start.root-cause", "1795000000");
    t = copy(old);
    if (field)
        apr_table_setn(t->fields, field, value);
    *out = t;
    return problem_action(&c, action, old, t) ? c.status : 0;
}

static const char *const states[] = {
    "new", "under-investigation", "workaround-in-place", "root-cause-identified",
    "solution-identified", "resolved", "closed", "cancelled", NULL
};

static const struct {
    const char *action, *field, *allowed, *to;
} cases[] = {
    { "investigate", NULL, " new ", "under-investigation" },
    { "record-workaround", "workaround",
      " under-investigation workaround-in-place root-cause-identified solution-identified ",
      NULL },
    { "identify-root-cause", "rootCause", " under-investigation workaround-in-place ",
      "root-cause-identified" },
    { "identify-solution", "solution", " root-cause-identified ", "solution-identified" },
    { "close", NULL, " resolved ", "closed" },
    { "cancel", NULL,
      " new under-investigation workaround-in-place root-cause-identified solution-identified ",
      "cancelled" },
};

static void every_step_from_every_state(void **state)
{
    size_t i;
    int s;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (s = 0; states[s]; s++) {
            itsm_ticket_t *t;
            int rc = step(states[s], cases[i].action, cases[i].field, "text", &t);
            int allowed = strstr(cases[i].allowed, apr_pstrcat(pool, " ", states[s], " ", NULL))
                          != NULL;

            if (!allowed) {
                assert_int_equal(rc, 409);
                continue;
            }
            assert_int_equal(rc, 0);
            if (cases[i].to)
                assert_string_equal(t->state, cases[i].to);
            else if (strcmp(states[s], "under-investigation") == 0)
                assert_string_equal(t->state, "workaround-in-place");
            else
                assert_string_equal(t->state, states[s]);   /* a revised workaround */
        }
}

static void steps_need_their_texts(void **state)
{
    itsm_ticket_t *t;

    assert_int_equal(step("under-investigation", "record-workaround", NULL, NULL, &t), 422);
    assert_int_equal(step("workaround-in-place", "identify-root-cause", NULL, NULL, &t), 422);
    assert_int_equal(step("root-cause-identified", "identify-solution", NULL, NULL, &t), 422);
    /* an empty text is none */
    assert_int_equal(step("workaround-in-place", "identify-root-cause", "rootCause", "", &t),
                     422);
}

static void steps_stamp_and_stop_their_clocks(void **state)
{
    itsm_ticket_t *t;

    assert_int_equal(step("workaround-in-place", "identify-root-cause", "rootCause", "x", &t), 0);
    assert_true(itsm_ticket_clock_stopped(t, "root-cause") == T0);
    assert_true(itsm_ticket_clock_stopped(t, "solution") == 0);
    assert_true(itsm_ticket_time(t, "rootCauseIdentified") == T0);
    assert_int_equal(step("root-cause-identified", "identify-solution", "solution", "x", &t), 0);
    assert_true(itsm_ticket_clock_stopped(t, "solution") == T0);
    assert_int_equal(step("workaround-in-place", "cancel", NULL, NULL, &t), 0);
    assert_true(itsm_ticket_clock_stopped(t, "solution") == T0);
    assert_true(itsm_ticket_clock_stopped(t, "root-cause") == T0);
}

static void root_cause_clock_not_started_is_not_stopped(void **state)
{
    itsm_ticket_t *old = problem("under-investigation"), *t = copy(old);
    itsm_call_t c = call();

    apr_table_setn(t->fields, "rootCause", "found without a workaround");
    assert_int_equal(problem_action(&c, "identify-root-cause", old, t), 0);
    assert_true(itsm_ticket_clock_stopped(t, "root-cause") == 0);
    assert_string_equal(apr_table_get(t->fields, "knownError"), "false");
}

static void known_error_needs_root_cause_and_workaround(void **state)
{
    itsm_ticket_t *t = problem("new");

    assert_false(problem_known_error(t));
    apr_table_setn(t->fields, "workaround", "retry");
    assert_false(problem_known_error(t));
    apr_table_setn(t->fields, "rootCause", "");
    assert_false(problem_known_error(t));
    apr_table_setn(t->fields, "rootCause", "the adapter");
    assert_true(problem_known_error(t));
    t->state = "cancelled";
    assert_false(problem_known_error(t));
    t->state = "new";
    /* derived by each step */
    assert_int_equal(step("workaround-in-place", "identify-root-cause", "rootCause", "x", &t), 0);
    assert_string_equal(apr_table_get(t->fields, "knownError"), "false");
}

static void update_may_not_record_the_steps_texts(void **state)
{
    static const char *const fields[] = { "rootCause", "workaround", "solution",
                                          "solutionTimeframe", NULL };
    int i;

    for (i = 0; fields[i]; i++) {
        itsm_ticket_t *old = problem("under-investigation"), *t = copy(old);
        itsm_call_t c = call();

        apr_table_setn(t->fields, fields[i], "by PATCH");
        assert_int_equal(problem_update(&c, old, t), 422);
        assert_non_null(strstr(c.message, fields[i]));
    }
    {
        itsm_ticket_t *old = problem("closed"), *t = copy(old);
        itsm_call_t c = call();

        apr_table_setn(t->fields, "service", "DIP");
        assert_int_equal(problem_update(&c, old, t), 409);
    }
}

static void create_starts_new_and_counts_nothing(void **state)
{
    itsm_ticket_t *t = problem(NULL);
    itsm_call_t c = call();

    assert_int_equal(problem_create(&c, t), 0);
    assert_string_equal(t->state, "new");
    assert_string_equal(apr_table_get(t->fields, "incidentCount"), "0");
    assert_string_equal(apr_table_get(t->fields, "knownError"), "false");
    t = problem(NULL);
    apr_table_setn(t->fields, "workaround", "given on create");
    assert_int_equal(problem_create(&c, t), 422);
    /* an import brings its known error along */
    t = problem("root-cause-identified");
    apr_table_setn(t->fields, "workaround", "w");
    apr_table_setn(t->fields, "rootCause", "r");
    c.importing = 1;
    assert_int_equal(problem_create(&c, t), 0);
    assert_string_equal(apr_table_get(t->fields, "knownError"), "true");
}

static void incidents_and_recurrences_are_counted(void **state)
{
    itsm_ticket_t *old = problem("workaround-in-place"), *t, *incident = problem("new");
    itsm_call_t c = call();

    incident->kind = "incident";
    t = copy(old);
    assert_int_equal(problem_linked(&c, "caused-by", 1, old, t, incident), 0);
    assert_string_equal(apr_table_get(t->fields, "incidentCount"), "1");
    assert_null(apr_table_get(t->fields, "recurrences"));
    old = t;
    apr_table_setn(old->fields, "workaroundPublished", "2026-11-30T10:00:00Z");
    apr_table_setn(old->fields, "recurrences", "0");
    t = copy(old);
    assert_int_equal(problem_linked(&c, "caused-by", 1, old, t, incident), 0);
    assert_string_equal(apr_table_get(t->fields, "incidentCount"), "2");
    assert_string_equal(apr_table_get(t->fields, "recurrences"), "1");
    old = t;
    t = copy(old);
    assert_int_equal(problem_linked(&c, "caused-by", 0, old, t, incident), 0);
    assert_string_equal(apr_table_get(t->fields, "incidentCount"), "1");
    assert_string_equal(apr_table_get(t->fields, "recurrences"), "1");   /* kept */
    /* a finished problem takes no new incident: refused by the core before the callback
     * (frozen_states; test_problem_process.py) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_step_from_every_state),
        cmocka_unit_test(steps_need_their_texts),
        cmocka_unit_test(steps_stamp_and_stop_their_clocks),
        cmocka_unit_test(root_cause_clock_not_started_is_not_stopped),
        cmocka_unit_test(known_error_needs_root_cause_and_workaround),
        cmocka_unit_test(update_may_not_record_the_steps_texts),
        cmocka_unit_test(create_starts_new_and_counts_nothing),
        cmocka_unit_test(incidents_and_recurrences_are_counted),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
