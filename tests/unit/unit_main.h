/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The main of a unit test program: APR initialised, `pool` for the tests' allocations, the
 * group of tests run with its setup and teardown (either may be NULL), then the pool destroyed.
 * Include after cmocka.h; main is then
 *     return itsm_unit_main(tests, setup, teardown);
 * over a `const struct CMUnitTest tests[]`. */
#ifndef ITSM_TEST_UNIT_MAIN_H
#define ITSM_TEST_UNIT_MAIN_H

#include <apr_general.h>
#include <apr_pools.h>

static apr_pool_t *pool;

static int itsm_unit_run(const char *name, const struct CMUnitTest *tests, size_t count,
                         CMFixtureFunction setup, CMFixtureFunction teardown)
{
    int rc;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    rc = _cmocka_run_group_tests(name, tests, count, setup, teardown);
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}

#define itsm_unit_main(tests, setup, teardown) \
    itsm_unit_run(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)

#endif
