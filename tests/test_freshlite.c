/* test_freshlite.c - the SQLite side of the runs on fresh databases: the
 * image they start from (engine/fresh_image.c) is in WAL format with the
 * bookkeeping tables in it, the schema text (engine/fresh_same.c) tells
 * two schemas apart and ignores only the bookkeeping tables, and the
 * runner counts tracking records by status (mp_exec_records). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "engine_int.h"
#include "executor.h"
#include "os.h"

static sqlite3 *mem(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fprintf(stderr, "# %s: %s\n", sql, msg);
    assert_null(msg);
    return db;
}

static long num(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    long v = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static void test_image_is_wal_with_bookkeeping(void **state)
{
    (void)state;
    sqlite3 *setup = mem("CREATE TABLE a (id integer PRIMARY KEY, v text); INSERT INTO a VALUES (1, 'x');");
    sqlite3_int64 n = 0;
    unsigned char *bytes = sqlite3_serialize(setup, "main", &n, 0);
    assert_non_null(bytes);
    struct mp_trial t = {.a = mp_arena_new(), .sqlite_setup = bytes, .sqlite_setup_size = (size_t)n};
    const unsigned char *img = NULL;
    size_t len = 0;
    assert_true(mp_fresh_image(&t, &img, &len));
    /* file format write and read versions: 2, WAL ("Database File Format" 1.3.3) */
    assert_int_equal(img[18], 2);
    assert_int_equal(img[19], 2);
    /* made once per trial */
    const unsigned char *again = NULL;
    size_t len2 = 0;
    assert_true(mp_fresh_image(&t, &again, &len2));
    assert_ptr_equal(again, img);

    char *dir = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_scratch_mkdtemp("migprop-test-", &dir, &e), 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/f.sqlite", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len, f), len);
    fclose(f);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(num(db, "SELECT v = 'x' FROM a WHERE id = 1"), 1);
    assert_int_equal(num(db, "SELECT count(*) FROM \"_mp_runs\""), 0);
    /* the tracking table in its current shape, empty */
    assert_int_equal(num(db, "SELECT count(*) FROM \"_mp_migrations\""), 0);
    assert_int_equal(num(db, "SELECT count(*) FROM pragma_table_info('_mp_migrations') WHERE name = 'attempts'"), 1);
    sqlite3_close(db);
    mp_rmtree(dir, NULL);
    free(dir);
    mp_arena_free(t.a);
    sqlite3_free(bytes);
    sqlite3_close(setup);
}

static void test_image_needs_a_setup(void **state)
{
    (void)state;
    struct mp_trial t = {.a = mp_arena_new()};
    const unsigned char *img = (const unsigned char *)"";
    size_t len = 1;
    assert_false(mp_fresh_image(&t, &img, &len));
    assert_null(img);
    assert_int_equal(len, 0);
    mp_arena_free(t.a);
}

static const char *text(struct mp_arena *a, const char *sql)
{
    sqlite3 *db = mem(sql);
    const char *s = mp_sqlite_schema_text(db, a);
    sqlite3_close(db);
    assert_non_null(s);
    return s;
}

#define BASE                                                                                                   \
    "CREATE TABLE p (id integer PRIMARY KEY, name text NOT NULL);"                                             \
    "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text UNIQUE);"                  \
    "CREATE INDEX c_v ON c (v);"

static void test_schema_text(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    const char *base = text(a, BASE);
    /* the same schema made in another order, with rows and the bookkeeping
     * tables: the same text */
    assert_string_equal(text(a, "CREATE TABLE \"_mp_runs\" (v text NOT NULL);"
                                "CREATE TABLE \"_mp_migrations\" (version TEXT PRIMARY KEY NOT NULL);"
                                "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text UNIQUE);"
                                "CREATE TABLE p (id integer PRIMARY KEY, name text NOT NULL);"
                                "INSERT INTO p VALUES (1, 'a');"
                                "CREATE INDEX c_v ON c (v);"),
                        base);
    /* any difference of a table, a column, an index, a view or a trigger shows */
    const char *other[] = {
        BASE "CREATE TABLE d (x);",
        "CREATE TABLE p (id integer PRIMARY KEY, name text);"
        "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text UNIQUE);"
        "CREATE INDEX c_v ON c (v);",
        "CREATE TABLE p (id integer PRIMARY KEY, name text NOT NULL);"
        "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text UNIQUE);"
        "CREATE INDEX c_v ON c (v DESC);",
        "CREATE TABLE p (id integer PRIMARY KEY, name text NOT NULL);"
        "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text UNIQUE);"
        "CREATE INDEX c_w ON c (v);",
        "CREATE TABLE p (id integer PRIMARY KEY, name text NOT NULL);"
        "CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id), v text);"
        "CREATE INDEX c_v ON c (v);",
        BASE "CREATE VIEW pv AS SELECT name FROM p;",
        BASE "CREATE TRIGGER pt AFTER INSERT ON p BEGIN SELECT 1; END;",
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (strcmp(text(a, other[i]), base) == 0)
            fail_msg("schema %zu reads as the base schema", i);
    mp_arena_free(a);
}

static void test_records_by_status(void **state)
{
    (void)state;
    sqlite3 *db = mem("CREATE TABLE t (x);");
    struct mp_target *x = mp_target_wrap(MP_SQLITE, db, false);
    struct mp_exec_config xc = {.table = "_mp_migrations"};
    struct mp_error e = {0};
    size_t ok = 9, other = 9;
    /* no table: nothing recorded */
    assert_int_equal(mp_exec_records(x, &xc, &ok, &other, &e), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(other, 0);
    struct mp_migset none = {0};
    struct mp_exec_report rep;
    assert_int_equal(mp_exec_up(x, &none, &xc, NULL, &rep, &e), 0);
    char *msg = NULL;
    sqlite3_exec(db,
                 "INSERT INTO \"_mp_migrations\" (version, name, checksum, applied_at, status) VALUES "
                 "('1', 'a', '', '', 'applied'), ('2', 'b', '', '', 'failed'), ('3', 'c', '', '', 'applied'), "
                 "('4', 'd', '', '', 'dirty'), ('5', 'e', '', '', 'running')",
                 NULL, NULL, &msg);
    assert_null(msg);
    assert_int_equal(mp_exec_records(x, &xc, &ok, &other, &e), 0);
    assert_int_equal(ok, 2);
    assert_int_equal(other, 3);
    mp_target_close(x);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_is_wal_with_bookkeeping),
        cmocka_unit_test(test_image_needs_a_setup),
        cmocka_unit_test(test_schema_text),
        cmocka_unit_test(test_records_by_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
