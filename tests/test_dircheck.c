/* test_dircheck.c - unit tests of check --dir's history reader: the table
 * scan that decides which migrations are independent, and the idempotency
 * declaration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dircheck.h"
#include "os.h"

/* A pairs directory in scratch space with these up sections (1..n). */
static char *make_dir(const char *const *ups, size_t n)
{
    char *dir = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_scratch_mkdtemp("dircheck-test", &dir, &e), 0);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%04zu_m%zu.up.sql", dir, i + 1, i + 1);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(ups[i], f);
        fclose(f);
    }
    return dir;
}

static void assert_tables(const struct mp_dir_mig *m, const char *want)
{
    char got[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < m->ntables; i++)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", i ? " " : "", m->tables[i]);
    assert_string_equal(got, want);
}

static void table_scan(void **state)
{
    (void)state;
    static const char *const ups[] = {
        /* names after the DDL keywords, quotes and schema prefixes dropped, lower-cased */
        "CREATE TABLE IF NOT EXISTS \"Accounts\" (id INTEGER PRIMARY KEY, org INTEGER REFERENCES public.orgs (id));",
        /* an index names its table; comments and strings are not names */
        "-- CREATE TABLE ghosts (x int);\nCREATE UNIQUE INDEX items_name ON items (name);\n"
        "INSERT INTO log (msg) VALUES ('DROP TABLE accounts');",
        /* a SELECT's FROM is not followed (dircheck.h) */
        "INSERT INTO audit (a) SELECT id FROM accounts; UPDATE settings SET v = 1; DELETE FROM tmp;",
        "ALTER TABLE attachments RENAME TO oldAttachments; DROP TABLE a, b;",
    };
    char *dir = make_dir(ups, 4);
    struct mp_arena *a = mp_arena_new();
    struct mp_dir_history h;
    struct mp_error e = {0};
    assert_int_equal(mp_dir_history_read(a, dir, &h, &e), 0);
    assert_int_equal(h.n, 4);
    assert_tables(&h.v[0], "accounts orgs");
    assert_tables(&h.v[1], "items items_name log");
    assert_tables(&h.v[2], "audit settings tmp");
    assert_tables(&h.v[3], "a attachments b oldattachments");
    assert_false(mp_dir_independent(&h, 0, 0));
    assert_true(mp_dir_independent(&h, 0, 2)); /* the hidden read of accounts */
    assert_true(mp_dir_independent(&h, 1, 3));
    assert_true(h.v[0].idempotent);
    assert_false(h.v[1].idempotent);
    mp_arena_free(a);
    mp_rmtree(dir, &e);
    free(dir);
}

static void idempotent_declarations(void **state)
{
    (void)state;
    static const char *const ups[] = {
        "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE OR REPLACE VIEW v AS SELECT 1;\nDROP INDEX IF EXISTS i;",
        "CREATE TABLE IF NOT EXISTS t (a int);\nCREATE TABLE u (a int);",
        "-- migprop:idempotent\nINSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
        "-- only a comment\n",
    };
    char *dir = make_dir(ups, 4);
    struct mp_arena *a = mp_arena_new();
    struct mp_dir_history h;
    struct mp_error e = {0};
    assert_int_equal(mp_dir_history_read(a, dir, &h, &e), 0);
    assert_true(h.v[0].idempotent);
    assert_false(h.v[1].idempotent); /* one unguarded statement is enough */
    assert_true(h.v[2].idempotent);
    assert_false(h.v[3].idempotent); /* no statement at all */
    mp_arena_free(a);
    mp_rmtree(dir, &e);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_scan),
        cmocka_unit_test(idempotent_declarations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
