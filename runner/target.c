/* target.c - the runner's connections: open a URL or wrap a caller's
 * connection, internal queries, transactions (see executor.h, runner_int.h). */
#include "runner_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "os.h"

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int mp_target_open(const char *url, struct mp_target **out, struct mp_error *err)
{
    struct mp_target *t = calloc(1, sizeof *t);
    if (!t)
        mp_oom();
    t->owned = true;
    t->lock_fd = -1;
    if (starts(url, "sqlite:")) {
        const char *p = url + 7;
        if (starts(p, "//"))
            p += 2;
        if (!*p) {
            free(t);
            return mp_error_set(err, MP_EINVAL, "%s: no database path after sqlite:", url);
        }
        t->d = MP_SQLITE;
        bool mem = strcmp(p, ":memory:") == 0;
        t->path = mem ? NULL : mp_xstrdup(p);
        if (sqlite3_open_v2(p, &t->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
            mp_error_set(err, MP_EIO, "%s: %s", p, t->lite ? sqlite3_errmsg(t->lite) : "cannot open");
            mp_target_close(t);
            return MP_EIO;
        }
        sqlite3_exec(t->lite, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
        /* "col" must name a column, never be a string (SQLite "Quirks" 8) */
        sqlite3_db_config(t->lite, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
        sqlite3_db_config(t->lite, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
        *out = t;
        return 0;
    }
    if (starts(url, "postgresql:") || starts(url, "postgres:") || strchr(url, '=')) {
        t->d = MP_POSTGRES;
        t->pg = PQconnectdb(url);
        if (!t->pg || PQstatus(t->pg) != CONNECTION_OK) {
            const char *m = t->pg ? PQerrorMessage(t->pg) : "out of memory";
            mp_error_set(err, MP_EIO, "connecting to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
            mp_target_close(t);
            return MP_EIO;
        }
        PQclear(PQexec(t->pg, "SET client_min_messages = warning")); /* NOTICEs of IF NOT EXISTS */
        *out = t;
        return 0;
    }
    free(t);
    return mp_error_set(err, MP_EINVAL,
                        "%s: not a database URL (sqlite:PATH, postgresql://..., or a libpq "
                        "keyword string)", url);
}

int mp_target_set_schema(struct mp_target *t, const char *schema, struct mp_error *err)
{
    if (t->d != MP_POSTGRES)
        return 0;
    struct mp_buf b = {0};
    mp_buf_add(&b, "SET search_path TO ");
    mp_buf_ident(&b, schema);
    PGresult *r = PQexec(t->pg, mp_buf_str(&b));
    mp_buf_free(&b);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : mp_target_db_error(t, err, "SET search_path", r);
    PQclear(r);
    return rc;
}

struct mp_target *mp_target_wrap(enum mp_dialect d, void *conn, bool nested)
{
    struct mp_target *t = calloc(1, sizeof *t);
    if (!t)
        mp_oom();
    t->d = d;
    t->lock_fd = -1;
    t->nested = nested;
    if (d == MP_SQLITE)
        t->lite = conn;
    else
        t->pg = conn;
    return t;
}

void mp_target_close(struct mp_target *t)
{
    if (!t)
        return;
    if (t->lock_fd >= 0)
        close(t->lock_fd);
    if (t->owned) {
        if (t->lite)
            sqlite3_close(t->lite);
        if (t->pg)
            PQfinish(t->pg);
    }
    free(t->path);
    free(t->table);
    free(t);
}

enum mp_dialect mp_target_dialect(const struct mp_target *t)
{
    return t->d;
}

void *mp_target_conn(struct mp_target *t)
{
    return t->d == MP_SQLITE ? (void *)t->lite : (void *)t->pg;
}

int mp_target_db_error(struct mp_target *t, struct mp_error *err, const char *what, PGresult *r)
{
    if (t->d == MP_SQLITE) {
        int rc = mp_error_set(err, MP_EDB, "%s: %s", what, sqlite3_errmsg(t->lite));
        snprintf(err->sqlstate, sizeof err->sqlstate, "%d", sqlite3_errcode(t->lite) & 0xff);
        return rc;
    }
    const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!m)
        m = PQerrorMessage(t->pg);
    int rc = mp_error_set(err, MP_EDB, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
    const char *ss = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", ss ? ss : "");
    return rc;
}

static int q_sqlite(struct mp_target *t, const char *sql, int n, const char *const *vals, struct mp_error *err)
{
    if (!n) {
        if (sqlite3_exec(t->lite, sql, NULL, NULL, NULL) != SQLITE_OK)
            return mp_target_db_error(t, err, sql, NULL);
        return 0;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return mp_target_db_error(t, err, sql, NULL);
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return mp_target_db_error(t, err, sql, NULL);
    return 0;
}

int mp_target_q(struct mp_target *t, const char *sql_in, int n, const char *const *vals, struct mp_error *err)
{
    if (t->d == MP_POSTGRES) {
        PGresult *r = n ? PQexecParams(t->pg, sql_in, n, NULL, vals, NULL, NULL, 0) : PQexec(t->pg, sql_in);
        ExecStatusType st = PQresultStatus(r);
        int rc = 0;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            rc = mp_target_db_error(t, err, sql_in, r);
        PQclear(r);
        return rc;
    }
    /* the same text with SQLite's ?N parameters */
    struct mp_buf b = {0};
    mp_buf_add(&b, sql_in);
    for (char *c = b.s; c && *c; c++)
        if (*c == '$' && c[1] >= '1' && c[1] <= '9')
            *c = '?';
    int rc = q_sqlite(t, mp_buf_str(&b), n, vals, err);
    mp_buf_free(&b);
    return rc;
}

int mp_target_query_long(struct mp_target *t, const char *sql, long *out, struct mp_error *err)
{
    *out = 0;
    if (t->d == MP_POSTGRES) {
        PGresult *r = PQexec(t->pg, sql);
        int rc = 0;
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            rc = mp_target_db_error(t, err, sql, r);
        else if (PQntuples(r) > 0)
            *out = atol(PQgetvalue(r, 0, 0));
        PQclear(r);
        return rc;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return mp_target_db_error(t, err, sql, NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mp_target_db_error(t, err, sql, NULL);
}

/* ---- transactions ---- */

int mp_target_tx_begin(struct mp_target *t, struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return 0; /* self-test fault: autocommit */
    if (t->nested)
        return mp_target_q(t, "SAVEPOINT migprop_migration", 0, NULL, err);
    return mp_target_q(t, t->d == MP_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", 0, NULL, err);
}

int mp_target_tx_commit(struct mp_target *t, struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return 0;
    if (t->nested)
        return mp_target_q(t, "RELEASE SAVEPOINT migprop_migration", 0, NULL, err);
    return mp_target_q(t, "COMMIT", 0, NULL, err);
}

void mp_target_tx_rollback(struct mp_target *t)
{
    struct mp_error e = {0};
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return;
    if (t->nested)
        mp_target_q(t, "ROLLBACK TO SAVEPOINT migprop_migration; RELEASE SAVEPOINT migprop_migration", 0, NULL, &e);
    else if (t->d == MP_POSTGRES || !sqlite3_get_autocommit(t->lite))
        mp_target_q(t, "ROLLBACK", 0, NULL, &e);
}
