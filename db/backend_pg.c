/* backend_pg.c - PostgreSQL backend: a new connection per trial, one
 * transaction per trial with a private schema, rolled back at the end; its
 * catalog reader is catalog_pg.c. */
#include "backend.h"
#include "dberror.h"
#include "pgcluster.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pg_backend {
    struct mp_backend base;
    struct mp_pgcluster *cluster;
    char *conninfo;
    PGconn *conn;
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

static int pg_begin(struct mp_backend *b, struct mp_error *err)
{
    struct pg_backend *p = (struct pg_backend *)b;
    p->conn = PQconnectdb(p->conninfo);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        int rc = mp_pg_error(p->conn, NULL, err);
        PQfinish(p->conn);
        p->conn = NULL;
        return rc;
    }
    char sql[256];
    /* a schema name of our own, so concurrent runs on one server never meet */
    snprintf(sql, sizeof sql,
             "SET client_min_messages=warning; BEGIN; CREATE SCHEMA \"migprop_%s_%lu\"; "
             "SET LOCAL search_path TO \"migprop_%s_%lu\";",
             mp_process_token(), p->trial, mp_process_token(), p->trial);
    p->trial++;
    return pg_exec(b, sql, err);
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
    if (!p->conn)
        return;
    PGresult *res = PQexec(p->conn, "ROLLBACK");
    PQclear(res);
    PQfinish(p->conn);
    p->conn = NULL;
}

static void pg_close(struct mp_backend *b)
{
    struct pg_backend *p = (struct pg_backend *)b;
    pg_end(b);
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
