/* test_pgcatalog.c - the PostgreSQL catalog reader's prepared statements
 * (db/catalog_pg_send.c) on a disposable cluster (run under `migprop
 * cluster`, which exports DATABASE_URL): a connection prepares them once
 * and reads the same schema each time, an error is the one a simple query
 * gives, and a reset connection prepares them again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "backend.h"

static PGconn *conn;

static void sql(const char *q)
{
    PGresult *r = PQexec(conn, q);
    ExecStatusType st = PQresultStatus(r);
    assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
    PQclear(r);
}

/* The catalog statements the connection has prepared. */
static long prepared(void)
{
    PGresult *r = PQexec(conn, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'mp\\_catalog\\_%'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return n;
}

/* The schema read through the connection, in canonical form (malloc'd),
 * or NULL with *e set. */
static char *read_schema(struct mp_error *e)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = NULL;
    memset(e, 0, sizeof *e);
    char *out = NULL;
    if (mp_introspect_pg(conn, a, &s, e) == 0) {
        struct mp_buf b = {0};
        mp_schema_canonical(&b, s, MP_CANON_NAMES);
        out = strdup(mp_buf_str(&b));
        mp_buf_free(&b);
    }
    mp_arena_free(a);
    return out;
}

static int setup(void **state)
{
    (void)state;
    const char *url = getenv("DATABASE_URL");
    if (!url)
        return -1;
    conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK)
        return -1;
    sql("SET client_min_messages = warning; DROP SCHEMA IF EXISTS pgcatalog CASCADE; CREATE SCHEMA pgcatalog; "
        "SET search_path TO pgcatalog; "
        "CREATE TABLE a (id int PRIMARY KEY, x text NOT NULL DEFAULT 'q', y int UNIQUE); "
        "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id), z numeric(10,2) CHECK (z > 0)); "
        "CREATE INDEX b_a ON b (a_id);");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sql("DROP SCHEMA pgcatalog CASCADE");
    PQfinish(conn);
    return 0;
}

static void reads_are_prepared_once(void **state)
{
    (void)state;
    struct mp_error e;
    assert_int_equal(prepared(), 0);
    char *first = read_schema(&e);
    assert_non_null(first);
    assert_non_null(strstr(first, "b_a"));
    long n = prepared();
    assert_true(n >= 8); /* one per statement of the reader */
    char *second = read_schema(&e);
    assert_non_null(second);
    assert_string_equal(first, second);
    assert_int_equal(prepared(), n); /* nothing prepared twice */
    /* a change in a transaction is seen by the cached statements */
    sql("BEGIN; CREATE TABLE c (i int)");
    char *third = read_schema(&e);
    assert_non_null(third);
    assert_non_null(strstr(third, "table \"c\""));
    sql("ROLLBACK");
    free(first);
    free(second);
    free(third);
}

static void errors_are_the_simple_querys(void **state)
{
    (void)state;
    struct mp_error e;
    char *before = read_schema(&e);
    assert_non_null(before);
    PQclear(PQexec(conn, "BEGIN; SELECT 1/0"));
    char *none = read_schema(&e);
    assert_null(none);
    assert_string_equal(e.sqlstate, "25P02"); /* in_failed_sql_transaction, as a simple query */
    assert_non_null(strstr(e.msg, "current transaction is aborted"));
    sql("ROLLBACK");
    char *after = read_schema(&e);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void a_reset_connection_prepares_again(void **state)
{
    (void)state;
    struct mp_error e;
    char *before = read_schema(&e);
    assert_non_null(before);
    PQreset(conn);
    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    assert_int_equal(prepared(), 0);
    sql("SET search_path TO pgcatalog");
    char *after = read_schema(&e);
    assert_non_null(after);
    assert_string_equal(before, after);
    assert_true(prepared() >= 8);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_are_prepared_once),
        cmocka_unit_test(errors_are_the_simple_querys),
        cmocka_unit_test(a_reset_connection_prepares_again),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
