/* test_freshpg.c - the PostgreSQL schema of the runs on fresh databases
 * (engine/fresh_pg.c) on a disposable cluster (run under `migprop
 * cluster`, which exports DATABASE_URL): one schema serves run after run,
 * emptied in place of every kind of object a trial makes; a schema it
 * cannot empty is dropped and the next run gets a new name; the process's
 * end drops it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "engine_int.h"
#include "executor.h"

static PGconn *conn; /* the test's own view of the server */
static const char *url;

static void sql(const char *q)
{
    PGresult *r = PQexec(conn, q);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fprintf(stderr, "# %s: %s", q, PQerrorMessage(conn));
    assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
    PQclear(r);
}

/* The first column of the first row of q, as a number; -1 without a row. */
static long num(const char *q)
{
    PGresult *r = PQexec(conn, q);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long n = PQntuples(r) ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

static long schema_oid(const char *name)
{
    char q[256];
    snprintf(q, sizeof q, "SELECT oid FROM pg_namespace WHERE nspname = '%s'", name);
    return num(q);
}

/* What is in the schema: relations, types, routines, extensions. */
static long objects(const char *name)
{
    char q[1024];
    snprintf(q, sizeof q,
             "WITH n AS (SELECT oid FROM pg_namespace WHERE nspname = '%s') SELECT "
             "(SELECT count(*) FROM pg_class, n WHERE relnamespace = n.oid) + "
             "(SELECT count(*) FROM pg_type, n WHERE typnamespace = n.oid) + "
             "(SELECT count(*) FROM pg_proc, n WHERE pronamespace = n.oid) + "
             "(SELECT count(*) FROM pg_extension, n WHERE extnamespace = n.oid)",
             name);
    return num(q);
}

/* One run's setup through the module on target x: create or reuse. */
static void run_setup(struct mp_target *x, const char *schema, const char *ddl)
{
    struct mp_buf q = {0};
    struct mp_error e = {0};
    mp_fresh_pg_setup(&q, url, schema);
    mp_buf_add(&q, ddl);
    if (mp_target_exec(x, "(setup)", 1, mp_buf_str(&q), &e) != 0)
        fprintf(stderr, "# setup: %s\n", e.msg);
    assert_int_equal(e.code, 0);
    mp_fresh_pg_created(url, schema);
    mp_buf_free(&q);
}

/* Every kind of object the generators and real migrations make. */
static const char every_kind[] =
    "CREATE TYPE mood AS ENUM ('a', 'b');\n"
    "CREATE DOMAIN pos AS integer CHECK (VALUE > 0);\n"
    "CREATE TYPE span AS RANGE (subtype = integer);\n"
    "CREATE TYPE pair AS (x integer, y text);\n"
    "CREATE SEQUENCE standalone_seq;\n"
    "CREATE TABLE t (id serial PRIMARY KEY, m mood, p pos, s span, n integer GENERATED ALWAYS AS IDENTITY);\n"
    "CREATE TABLE u (id integer PRIMARY KEY, t_id integer REFERENCES t (id));\n"
    "CREATE INDEX u_t ON u (t_id);\n"
    "CREATE TABLE parted (k integer) PARTITION BY RANGE (k);\n"
    "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);\n"
    "CREATE VIEW v AS SELECT id FROM t;\n"
    "CREATE MATERIALIZED VIEW mv AS SELECT id FROM u;\n"
    "CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a + 1';\n"
    "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
    "CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();\n"
    "CREATE PROCEDURE pr() LANGUAGE sql AS 'SELECT 1';\n"
    "CREATE AGGREGATE agg(integer) (sfunc = int4pl, stype = integer);\n"
    "CREATE TABLE \"_mp_migrations\" (version text PRIMARY KEY);\n"
    "INSERT INTO t (m, p) VALUES ('a', 1);\n";

static int setup(void **state)
{
    (void)state;
    url = getenv("DATABASE_URL");
    if (!url)
        return -1;
    conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK)
        return -1;
    sql("SET client_min_messages = warning");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    PQfinish(conn);
    return 0;
}

static void one_schema_emptied_in_place(void **state)
{
    (void)state;
    struct mp_target *x = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_target_open(url, &x, &e), 0);
    const char *s = mp_fresh_pg_schema();
    assert_int_equal(strncmp(s, "migprop_f_", 10), 0);
    char name[64];
    snprintf(name, sizeof name, "%s", s);
    assert_int_equal(schema_oid(name), -1);
    run_setup(x, name, every_kind);
    long oid = schema_oid(name);
    assert_true(oid > 0);
    assert_true(objects(name) > 20);
    mp_fresh_pg_release(x, url, name);
    assert_int_equal(objects(name), 0);
    assert_int_equal(schema_oid(name), oid); /* the same schema: not dropped and made again */
    assert_string_equal(mp_fresh_pg_schema(), name);
    /* the next run reuses it, and may make the same names again */
    run_setup(x, name, every_kind);
    assert_int_equal(schema_oid(name), oid);
    mp_fresh_pg_release(x, url, name);
    assert_int_equal(objects(name), 0);
    assert_int_equal(schema_oid(name), oid);
    mp_target_close(x);
}

static void a_schema_it_cannot_empty_is_dropped(void **state)
{
    (void)state;
    struct mp_target *x = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_target_open(url, &x, &e), 0);
    char name[64];
    snprintf(name, sizeof name, "%s", mp_fresh_pg_schema());
    /* an operator: a kind the in-place cleanup does not drop */
    run_setup(x, name,
              "CREATE TABLE t (i integer);\n"
              "CREATE OPERATOR === (leftarg = integer, rightarg = integer, function = int4eq);\n");
    assert_true(schema_oid(name) > 0);
    mp_fresh_pg_release(x, url, name);
    assert_int_equal(schema_oid(name), -1); /* dropped, operator and all */
    const char *next = mp_fresh_pg_schema();
    assert_string_not_equal(next, name); /* the next run makes a schema of a new name */
    char again[64];
    snprintf(again, sizeof again, "%s", next);
    run_setup(x, again, "CREATE TABLE t (i integer);\n");
    assert_true(schema_oid(again) > 0);
    /* the process's end drops it */
    mp_fresh_pg_cleanup(NULL);
    assert_int_equal(schema_oid(again), -1);
    mp_target_close(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_schema_emptied_in_place),
        cmocka_unit_test(a_schema_it_cannot_empty_is_dropped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
