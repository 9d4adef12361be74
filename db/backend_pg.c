/* backend_pg.c - PostgreSQL backend: one connection kept for many
 * trials, one transaction per trial in a schema of the connection's own,
 * rolled back at the end; its catalog reader is catalog_pg.c. */
#include "backend.h"
#include "dberror.h"
#include "pgcluster.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Trials one connection serves before a new one replaces it.  A new
 * connection per trial costs a backend start and cold catalog caches
 * (the first catalog read of a new connection takes 5-10 times a later
 * one), a connection kept for ever slows down (PERFORMANCE.md, lesson 3:
 * every foreign-key check caches a plan that is never freed, and every
 * invalidation walks them): a few dozen trials keep most of both gains. */
#define MP_PG_TRIALS_PER_CONN 25

struct pg_backend {
    struct mp_backend base;
    struct mp_pgcluster *cluster;
    char *conninfo;
    PGconn *conn;
    pid_t conn_owner;          /* the process that opened conn (forked workers open their own) */
    unsigned long conn_trials; /* trials begun on conn */
    bool in_trial;             /* between pg_begin and pg_end */
    char schema[64];           /* the disposable cluster: conn's schema, committed and empty between trials */
    unsigned long trial;
};

static int pg_exec(struct mp_backend *b, const char *sql, struct mp_error *err)
{
    struct pg_backend *p = (struct pg_backend *)b;
    PGresult *res = PQexec(p->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = mp_pg_error(p->conn, res, err);
    PQclear(res);
    return rc;
}

/* Forget conn: on the disposable cluster drop its schema first (a
 * --pg-url server never holds one: its trials make theirs inside the
 * rolled-back transaction).  A connection inherited through fork() is the
 * parent's: its socket is closed here without a word to the server. */
static void conn_retire(struct pg_backend *p)
{
    if (!p->conn)
        return;
    if (p->conn_owner != getpid()) {
        close(PQsocket(p->conn));
    } else if (p->schema[0] && PQstatus(p->conn) == CONNECTION_OK) {
        char sql[128];
        if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            PQclear(PQexec(p->conn, "ROLLBACK"));
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", p->schema);
        PQclear(PQexec(p->conn, sql));
    }
    PQfinish(p->conn);
    p->conn = NULL;
    p->schema[0] = 0;
}

/* A connection for the next trial: the kept one while it is healthy and
 * young (MP_PG_TRIALS_PER_CONN), else a new one, on the disposable cluster
 * with a new committed schema of its own (the same schema and search path
 * for all its trials, so the catalog reader's cached plans stay valid:
 * catalog_pg_send.h). */
static int conn_get(struct pg_backend *p, struct mp_error *err)
{
    if (p->conn && (p->conn_owner != getpid() || PQstatus(p->conn) != CONNECTION_OK ||
                    PQtransactionStatus(p->conn) != PQTRANS_IDLE || p->conn_trials >= MP_PG_TRIALS_PER_CONN))
        conn_retire(p);
    if (p->conn)
        return 0;
    p->conn = PQconnectdb(p->conninfo);
    p->conn_owner = getpid();
    p->conn_trials = 0;
    if (PQstatus(p->conn) != CONNECTION_OK) {
        int rc = mp_pg_error(p->conn, NULL, err);
        PQfinish(p->conn);
        p->conn = NULL;
        return rc;
    }
    char sql[256];
    if (p->cluster) {
        snprintf(p->schema, sizeof p->schema, "migprop_%s_%lu", mp_process_token(), p->trial++);
        snprintf(sql, sizeof sql, "SET client_min_messages=warning; CREATE SCHEMA \"%s\"; SET search_path TO \"%s\";",
                 p->schema, p->schema);
    } else {
        snprintf(sql, sizeof sql, "SET client_min_messages=warning;");
    }
    int rc = pg_exec(&p->base, sql, err);
    if (rc)
        conn_retire(p);
    return rc;
}

static int pg_begin(struct mp_backend *b, struct mp_error *err)
{
    struct pg_backend *p = (struct pg_backend *)b;
    int rc = conn_get(p, err);
    if (rc)
        return rc;
    p->conn_trials++;
    char sql[256];
    if (p->schema[0]) {
        snprintf(sql, sizeof sql, "BEGIN;");
    } else {
        /* a schema name of our own, so concurrent runs on one server never meet */
        snprintf(sql, sizeof sql,
                 "BEGIN; CREATE SCHEMA \"migprop_%s_%lu\"; SET LOCAL search_path TO \"migprop_%s_%lu\";",
                 mp_process_token(), p->trial, mp_process_token(), p->trial);
        p->trial++;
    }
    rc = pg_exec(b, sql, err);
    p->in_trial = true; /* pg_end rolls back whatever began */
    return rc;
}

static long pg_query_rows(struct mp_backend *b, const char *sql, struct mp_buf *out,
                          struct mp_error *err)
{
    struct pg_backend *p = (struct pg_backend *)b;
    PGresult *res = PQexec(p->conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        int rc = mp_pg_error(p->conn, res, err);
        PQclear(res);
        return rc;
    }
    long n = PQntuples(res);
    for (long i = 0; i < n; i++) {
        mp_buf_add(out, PQgetisnull(res, (int)i, 0) ? "NULL" : PQgetvalue(res, (int)i, 0));
        mp_buf_addc(out, '\n');
    }
    PQclear(res);
    return n;
}

static int pg_introspect(struct mp_backend *b, struct mp_arena *a, struct mp_schema **out,
                         struct mp_error *err)
{
    return mp_introspect_pg(((struct pg_backend *)b)->conn, a, out, err);
}

static void pg_end(struct mp_backend *b)
{
    struct pg_backend *p = (struct pg_backend *)b;
    if (!p->conn || !p->in_trial || p->conn_owner != getpid())
        return;
    p->in_trial = false;
    /* a transaction that ended before its time (a COMMIT in the trial's
     * SQL) may have left objects in the schema: the connection goes */
    if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
        conn_retire(p);
    else
        PQclear(PQexec(p->conn, "ROLLBACK"));
}

static void pg_close(struct mp_backend *b)
{
    struct pg_backend *p = (struct pg_backend *)b;
    pg_end(b);
    conn_retire(p);
    mp_pgcluster_stop(p->cluster);
    free(p->conninfo);
    free(p);
}

static void *pg_conn(struct mp_backend *b)
{
    return ((struct pg_backend *)b)->conn;
}

static const struct mp_backend_impl pg_impl = {
    pg_begin, pg_exec, pg_query_rows, pg_introspect, pg_end, pg_close, pg_conn,
};

int mp_backend_pg_open(const struct mp_backend_config *cfg, struct mp_backend **out,
                       struct mp_error *err)
{
    struct pg_backend *p = calloc(1, sizeof *p);
    if (!p)
        mp_oom();
    p->base.impl = &pg_impl;
    p->base.dialect = MP_POSTGRES;
    const char *url = cfg->pg_url;
    if (url) {
        p->conninfo = strdup(url);
    } else {
        int rc = mp_pgcluster_start(&p->cluster, cfg->quiet, err);
        if (rc) {
            free(p);
            return rc;
        }
        p->conninfo = strdup(mp_pgcluster_trial_conninfo(p->cluster));
    }
    p->base.conninfo = p->conninfo;
    if (!p->conninfo)
        mp_oom();
    /* check the server answers now, so an unreachable --pg-url is an
     * infrastructure error before any trial */
    PGconn *c = PQconnectdb(p->conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        mp_pg_error(c, NULL, err);
        mp_error_prefix(err, "cannot connect to PostgreSQL: ");
        PQfinish(c);
        pg_close(&p->base);
        return MP_EDB;
    }
    PQfinish(c);
    *out = &p->base;
    return 0;
}
