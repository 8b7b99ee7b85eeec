/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The store's SQL against the migrations it was written for: the warning class of an SLA
 * clock (store_int.h, SLA_SPAN_CLASS) is the expression of schema 19's index
 * itsm_sla_clock_span in each store's migration, character for character (a planner takes
 * an index on an expression only for the same expression), its bounds are ceil(2^(k/2)), and
 * SQLite's planner reads the clocks in warning from that index. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

#include <sqlite3.h>

#include "unit_main.h"
#include "store_int.h"

#ifndef ITSM_SRCDIR
#define ITSM_SRCDIR "."
#endif

#define MIGRATION "0019-sla-warning.sql"

static const struct {
    int k;
    apr_uint64_t b;
} classes[] = {
#define SLA_SPAN_ENTRY(k, b) { k, b },
    SLA_SPAN_BOUNDS(SLA_SPAN_ENTRY)
#undef SLA_SPAN_ENTRY
};

static const char *migration(const char *store)
{
    const char *path = apr_pstrcat(pool, ITSM_SRCDIR "/schemas/sql/", store, "/" MIGRATION,
                                   NULL);
    apr_file_t *f;
    apr_finfo_t info;
    char *text;
    apr_size_t n;

    assert_int_equal(apr_file_open(&f, path, APR_FOPEN_READ, 0, pool), APR_SUCCESS);
    assert_int_equal(apr_file_info_get(&info, APR_FINFO_SIZE, f), APR_SUCCESS);
    n = (apr_size_t)info.size;
    text = apr_palloc(pool, n + 1);
    assert_int_equal(apr_file_read_full(f, text, n, NULL), APR_SUCCESS);
    text[n] = '\0';
    apr_file_close(f);
    return text;
}

/* The store's class expression with its table's name "c." taken out, as the index writes
 * the columns. */
static const char *store_class(void)
{
    static const char text[] = SLA_SPAN_CLASS;
    const char *from = text;
    char *out = apr_palloc(pool, sizeof text), *o = out;

    while (*from) {
        if (strncmp(from, "c.", 2) == 0 && (from == text || from[-1] == ' '))
            from += 2;
        else
            *o++ = *from++;
    }
    *o = '\0';
    return out;
}

/* The expression "(CASE ... END)" of the migration's CREATE INDEX itsm_sla_clock_span. */
static const char *index_class(const char *store)
{
    const char *text = migration(store);
    const char *create = strstr(text, "CREATE INDEX IF NOT EXISTS itsm_sla_clock_span ON ");
    const char *from, *to;

    assert_non_null(create);
    from = strstr(create, "(CASE ");
    assert_non_null(from);
    to = strstr(from, " END)");
    assert_non_null(to);
    assert_true(to < strchr(create, ';'));
    return apr_pstrndup(pool, from, (apr_size_t)(to + 5 - from));
}

static void test_class_is_sqlite3_index(void **state)
{
    (void)state;
    assert_string_equal(store_class(), index_class("sqlite3"));
}

static void test_class_is_pgsql_index(void **state)
{
    (void)state;
    assert_string_equal(store_class(), index_class("pgsql"));
}

/* b(k) = ceil(2^(k/2)): the smallest b with b * b >= 2^k, classes 12 to 61 in order. */
static void test_bounds(void **state)
{
    size_t i;

    (void)state;
    assert_int_equal(sizeof classes / sizeof classes[0], 50);
    for (i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        apr_uint64_t b = classes[i].b, power = (apr_uint64_t)1 << classes[i].k;

        assert_int_equal(classes[i].k, 12 + (int)i);
        assert_true(b * b >= power);
        assert_true((b - 1) * (b - 1) < power);
    }
}

static int plan_row(void *data, int ncols, char **values, char **names)
{
    char **plan = data;

    (void)names;
    *plan = apr_pstrcat(pool, *plan, values[ncols - 1], "\n", NULL);
    return 0;
}

/* The store's set of the clocks in warning (SLA_WARNING_SET's shape) on schema 5's clock
 * table with schema 19's index: SQLite reads each class's range of itsm_sla_clock_span, the
 * class an equality on the index's expression. */
static void test_sqlite3_takes_index(void **state)
{
    sqlite3 *db;
    char *plan = "";

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE itsm_sla_clock (ticket_id INTEGER NOT NULL, "
                                  "clock VARCHAR(40) NOT NULL, kind VARCHAR(40) NOT NULL, "
                                  "settled VARCHAR(20) NOT NULL, warn_at BIGINT NOT NULL, "
                                  "due BIGINT NOT NULL, PRIMARY KEY (ticket_id, clock))",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, migration("sqlite3"), NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "EXPLAIN QUERY PLAN SELECT c.ticket_id FROM "
                                  SLA_SPAN_CLASSES " CROSS JOIN itsm_sla_clock c WHERE "
                                  "c.kind = 'incident' AND c.settled = '' AND " SLA_SPAN_CLASS
                                  " = k.n AND c.due >= 1000 AND c.due < 1000 + k.hi "
                                  "AND c.warn_at <= 1000", plan_row, &plan, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_non_null(strstr(plan, " INDEX itsm_sla_clock_span (kind=? AND settled=? AND <expr>=? "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_is_sqlite3_index),
        cmocka_unit_test(test_class_is_pgsql_index),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_sqlite3_takes_index),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
