/* fresh_pg.c - the PostgreSQL schema of a process's runs on fresh
 * databases: created once, emptied in place after each run, dropped when
 * the process ends.
 *
 * Why not a new schema per run: CREATE SCHEMA and DROP SCHEMA change
 * pg_namespace, and every backend of the server that sees the committed
 * change resets all its cached plans (PostgreSQL's plan cache: its
 * PlanCacheSysCallback on NAMESPACEOID calls ResetPlanCache()).  The
 * catalog reader's prepared statements (catalog_pg_send.h) were then
 * planned again at the next read: 4-11 ms a read, against 0.2-0.4 ms from
 * the cache, measured with log_min_duration_statement on the disposable
 * cluster.  Dropping the objects inside a schema changes pg_class, pg_type
 * and pg_proc, which invalidate only the plans that depend on those very
 * objects (PlanCacheRelCallback, PlanCacheObjectCallback): none of the
 * catalog reader's. */
#include "engine_int.h"
#include "os.h"
#include "executor.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pid_t owner;      /* the process the state below is of (a fork has its own) */
static unsigned gen;     /* a new name after a schema that could not be emptied */
static char name[64];    /* the schema's name */
static char *made_url;   /* the server it exists on, once created; NULL: not yet */

static void own(void)
{
    if (owner == getpid())
        return;
    /* inherited through fork(): the parent's schema stays the parent's */
    owner = getpid();
    gen = 0;
    free(made_url); /* this process's copy of the parent's string */
    made_url = NULL;
    name[0] = 0;
}

const char *mp_fresh_pg_schema(void)
{
    own();
    if (!name[0])
        snprintf(name, sizeof name, "migprop_f_%s_%u", mp_process_token(), gen);
    return name;
}

void mp_fresh_pg_setup(struct mp_buf *q, const char *url, const char *schema)
{
    own();
    if (!made_url || strcmp(made_url, url) != 0 || strcmp(schema, name) != 0) {
        mp_buf_add(q, "CREATE SCHEMA ");
        mp_buf_ident(q, schema);
        mp_buf_add(q, "; ");
    }
    mp_buf_add(q, "SET search_path TO ");
    mp_buf_ident(q, schema);
    mp_buf_add(q, ";\n");
}

void mp_fresh_pg_created(const char *url, const char *schema)
{
    own();
    if (strcmp(schema, name) != 0)
        return;
    if (!made_url || strcmp(made_url, url) != 0) {
        free(made_url);
        made_url = mp_xstrdup(url);
    }
}

/* Empty the schema in one statement, or fail.  Every kind of object a
 * trial or a migration under test creates in it is dropped by name with
 * CASCADE (IF EXISTS: an earlier CASCADE may have taken it); the check at
 * the end raises when anything is left, of a kind this list misses
 * (operators, collations, text search objects...) or a dependency of one
 * it has: the caller then drops the whole schema.  Types go before
 * routines: a range type's constructors are its own (an internal
 * dependency, skipped), and CASCADE takes a routine of a dropped type.  PostgreSQL 11 or later
 * (pg_proc.prokind); on an older server the block fails and the caller
 * drops the schema as before. */
static void empty_sql(struct mp_buf *q, const char *schema)
{
    mp_buf_add(q, "DO $mp$ DECLARE ns oid; r record; BEGIN\n"
                  "SELECT oid INTO ns FROM pg_catalog.pg_namespace WHERE nspname = ");
    mp_buf_literal(q, schema);
    mp_buf_add(q, ";\n"
                  "IF ns IS NULL THEN RAISE EXCEPTION 'migprop: no schema'; END IF;\n"
                  "FOR r IN SELECT format('%I', extname) AS n FROM pg_catalog.pg_extension\n"
                  "  WHERE extnamespace = ns LOOP\n"
                  "  EXECUTE 'DROP EXTENSION IF EXISTS ' || r.n || ' CASCADE'; END LOOP;\n"
                  "FOR r IN SELECT format('%I.%I', ");
    mp_buf_literal(q, schema);
    mp_buf_add(q, ", relname) AS n, CASE relkind WHEN 'v' THEN 'VIEW'\n"
                  "  WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'\n"
                  "  WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END AS k FROM pg_catalog.pg_class\n"
                  "  WHERE relnamespace = ns AND relkind IN ('r','p','v','m','f','S','c')\n"
                  "  ORDER BY relkind = 'S', relkind = 'c' LOOP\n"
                  "  EXECUTE 'DROP ' || r.k || ' IF EXISTS ' || r.n || ' CASCADE'; END LOOP;\n"
                  "FOR r IN SELECT format('%I.%I', ");
    mp_buf_literal(q, schema);
    mp_buf_add(q, ", typname) AS n, CASE typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS k\n"
                  "  FROM pg_catalog.pg_type WHERE typnamespace = ns AND typtype IN ('d','e','r','c')\n"
                  "  AND (typtype <> 'c' OR typrelid = 0) ORDER BY typtype <> 'd' LOOP\n"
                  "  EXECUTE 'DROP ' || r.k || ' IF EXISTS ' || r.n || ' CASCADE'; END LOOP;\n"
                  "FOR r IN SELECT format('%I.%I(%s)', ");
    mp_buf_literal(q, schema);
    mp_buf_add(q, ", proname, pg_catalog.pg_get_function_identity_arguments(oid)) AS n,\n"
                  "  CASE prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END AS k\n"
                  "  FROM pg_catalog.pg_proc p WHERE pronamespace = ns AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d\n"
                  "    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'i')\n"
                  "  ORDER BY prokind <> 'a' LOOP\n"
                  "  EXECUTE 'DROP ' || r.k || ' IF EXISTS ' || r.n || ' CASCADE'; END LOOP;\n"
                  "IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = ns)\n"
                  "  OR EXISTS (SELECT 1 FROM pg_catalog.pg_type WHERE typnamespace = ns)\n"
                  "  OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace = ns)\n"
                  "  OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend WHERE refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass\n"
                  "             AND refobjid = ns)\n"
                  "THEN RAISE EXCEPTION 'migprop: schema not empty'; END IF;\n"
                  "END $mp$");
}

void mp_fresh_pg_release(struct mp_target *x, const char *url, const char *schema)
{
    own();
    struct mp_buf q = {0};
    struct mp_error e = {0};
    bool kept = false;
    if (made_url && strcmp(made_url, url) == 0 && strcmp(schema, name) == 0) {
        empty_sql(&q, schema);
        kept = mp_target_exec(x, "(cleanup)", 1, mp_buf_str(&q), &e) == 0;
        mp_buf_reset(&q);
    }
    if (!kept) {
        /* what the block could not empty, or a schema of an earlier name */
        mp_buf_add(&q, "DROP SCHEMA IF EXISTS ");
        mp_buf_ident(&q, schema);
        mp_buf_add(&q, " CASCADE");
        mp_target_exec(x, "(cleanup)", 1, mp_buf_str(&q), &e);
        if (strcmp(schema, name) == 0) {
            /* the next run creates the schema again, under a new name in
             * case this one could not even be dropped */
            free(made_url);
            made_url = NULL;
            gen++;
            name[0] = 0;
        }
    }
    mp_buf_free(&q);
}

/* Notices dropped: at exit the disposable cluster may already be stopped,
 * and its "terminating connection" warning is no news to anyone. */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void mp_fresh_pg_cleanup(void *conn)
{
    if (owner != getpid() || !made_url)
        return;
    PGconn *c = conn;
    bool mine = false;
    if (!c || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) {
        c = PQconnectdb(made_url);
        mine = true;
    }
    if (PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, no_notices, NULL);
        struct mp_buf q = {0};
        mp_buf_add(&q, "DROP SCHEMA IF EXISTS ");
        mp_buf_ident(&q, name);
        mp_buf_add(&q, " CASCADE");
        PQclear(PQexec(c, mp_buf_str(&q)));
        mp_buf_free(&q);
    }
    if (mine)
        PQfinish(c);
    free(made_url);
    made_url = NULL;
}
