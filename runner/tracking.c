/* tracking.c - the tracking table (schema in executor.h): create, read,
 * record, change status; SHA-256 checksums (see runner_int.h, migdir.h). */
#include "runner_int.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "os.h"

void mp_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL))
        mp_oom();
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = 0;
}

const char *mp_tracking_use(struct mp_target *t, const struct mp_exec_config *cfg)
{
    const char *table = cfg && cfg->table ? cfg->table : "migprop_migrations";
    struct mp_buf b = {0};
    mp_buf_ident(&b, table);
    free(t->table);
    t->table = mp_xstrdup(mp_buf_str(&b));
    mp_buf_free(&b);
    return table;
}

/* Run the SQL printf'd from `fmt` (mp_target_q's parameters $1..$n); the
 * text is built in a growable buffer, as the tracking table's name, which
 * the caller chooses, can be long. */
static int tq(struct mp_target *t, int n, const char *const *vals, struct mp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int tq(struct mp_target *t, int n, const char *const *vals, struct mp_error *err, const char *fmt, ...)
{
    struct mp_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int rc = mp_target_q(t, mp_buf_str(&b), n, vals, err);
    mp_buf_free(&b);
    return rc;
}

int mp_tracking_ensure(struct mp_target *t, struct mp_error *err)
{
    int rc;
    if (t->d == MP_SQLITE)
        rc = tq(t, 0, NULL, err,
                "CREATE TABLE IF NOT EXISTS %s (version TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
                "checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL DEFAULT 0, "
                "status TEXT NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error TEXT)",
                t->table);
    else
        rc = tq(t, 0, NULL, err,
                "CREATE TABLE IF NOT EXISTS %s (version text PRIMARY KEY, name text NOT NULL, "
                "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
                "execution_ms bigint NOT NULL DEFAULT 0, "
                "status text NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error text)",
                t->table);
    if (rc)
        mp_error_prefix(err, "creating the tracking table %s: ", t->table);
    return rc;
}

void mp_tracking_free(struct mp_track_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].version);
        free(r->v[i].name);
        free(r->v[i].checksum);
        free(r->v[i].applied_at);
        free(r->v[i].status);
        free(r->v[i].error);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

static int load_pg(struct mp_target *t, const char *sql, struct mp_track_rows *out, struct mp_error *err)
{
    PGresult *r = PQexec(t->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = mp_target_db_error(t, err, "reading the tracking table", r);
        PQclear(r);
        return rc;
    }
    int n = PQntuples(r);
    out->v = calloc((size_t)n + 1, sizeof *out->v);
    if (!out->v)
        mp_oom();
    for (int i = 0; i < n; i++) {
        struct mp_track_row *w = &out->v[out->n++];
        w->version = mp_xstrdup(PQgetvalue(r, i, 0));
        w->name = mp_xstrdup(PQgetvalue(r, i, 1));
        w->checksum = mp_xstrdup(PQgetvalue(r, i, 2));
        w->applied_at = mp_xstrdup(PQgetvalue(r, i, 3));
        w->ms = atol(PQgetvalue(r, i, 4));
        w->status = mp_xstrdup(PQgetvalue(r, i, 5));
        w->error = PQgetisnull(r, i, 6) ? NULL : mp_xstrdup(PQgetvalue(r, i, 6));
    }
    PQclear(r);
    return 0;
}

static int load_sqlite(struct mp_target *t, const char *sql, struct mp_track_rows *out, struct mp_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return mp_target_db_error(t, err, "reading the tracking table", NULL);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            struct mp_track_row *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv)
                mp_oom();
            out->v = nv;
        }
        struct mp_track_row *w = &out->v[out->n++];
        w->version = mp_xstrdup((const char *)sqlite3_column_text(st, 0));
        w->name = mp_xstrdup((const char *)sqlite3_column_text(st, 1));
        w->checksum = mp_xstrdup((const char *)sqlite3_column_text(st, 2));
        w->applied_at = mp_xstrdup((const char *)sqlite3_column_text(st, 3));
        w->ms = (long)sqlite3_column_int64(st, 4);
        w->status = mp_xstrdup((const char *)sqlite3_column_text(st, 5));
        w->error = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL
                                                             : mp_xstrdup((const char *)sqlite3_column_text(st, 6));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        mp_tracking_free(out);
        return mp_target_db_error(t, err, "reading the tracking table", NULL);
    }
    return 0;
}

int mp_tracking_load(struct mp_target *t, struct mp_track_rows *out, struct mp_error *err)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "SELECT version, name, checksum, %s, execution_ms, status, error FROM %s",
                  t->d == MP_POSTGRES ? "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                                      : "applied_at",
                  t->table);
    memset(out, 0, sizeof *out);
    int rc = t->d == MP_POSTGRES ? load_pg(t, mp_buf_str(&b), out, err) : load_sqlite(t, mp_buf_str(&b), out, err);
    mp_buf_free(&b);
    return rc;
}

const struct mp_track_row *mp_tracking_find(const struct mp_track_rows *r, const char *version)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].version, version) == 0)
            return &r->v[i];
    return NULL;
}

bool mp_tracking_is_applied(const struct mp_track_row *w)
{
    return w && strcmp(w->status, "applied") == 0;
}

int mp_tracking_record(struct mp_target *t, const struct mp_migration *m, const char *status, long ms,
                       const char *error, struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_RECORD && strcmp(status, "applied") == 0)
        return 0; /* self-test fault */
    char msbuf[32];
    snprintf(msbuf, sizeof msbuf, "%ld", ms);
    const char *w[6] = {m->version, m->name, m->checksum, msbuf, status, error};
    /* one upsert (PostgreSQL "INSERT ... ON CONFLICT", SQLite 3.24+ "UPSERT") */
    struct mp_buf b = {0};
    mp_buf_printf(&b,
                  "INSERT INTO %s AS m (version, name, checksum, applied_at, execution_ms, status, error) "
                  "VALUES ($1, $2, $3, %s, $4, $5, $6) ON CONFLICT (version) DO UPDATE SET name = excluded.name, "
                  "checksum = excluded.checksum, applied_at = excluded.applied_at, "
                  "execution_ms = excluded.execution_ms, status = excluded.status, error = excluded.error",
                  t->table, t->d == MP_SQLITE ? "strftime('%Y-%m-%dT%H:%M:%fZ','now')" : "clock_timestamp()");
    int rc = mp_target_q(t, mp_buf_str(&b), 6, w, err);
    mp_buf_free(&b);
    return rc;
}

int mp_tracking_applied_now(struct mp_target *t, const char *version, bool *applied, struct mp_error *err)
{
    *applied = false;
    /* this version's record only: O(1) per migration, not O(n) */
    struct mp_buf b = {0};
    mp_buf_printf(&b, "SELECT count(*) FROM %s WHERE version = ?1 AND status = 'applied'", t->table);
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(t->lite, mp_buf_str(&b), -1, &st, NULL) != SQLITE_OK) {
        rc = mp_target_db_error(t, err, "reading the tracking table", NULL);
        goto out;
    }
    sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
    *applied = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
out:
    mp_buf_free(&b);
    return rc;
}

int mp_tracking_mark_running(struct mp_target *t, const char *version, struct mp_error *err)
{
    const char *v[1] = {version};
    return tq(t, 1, v, err, "UPDATE %s SET status = 'running' WHERE version = $1", t->table);
}

int mp_tracking_mark_dirty(struct mp_target *t, const char *version, const char *error, struct mp_error *err)
{
    const char *v[2] = {version, error};
    return tq(t, 2, v, err, "UPDATE %s SET status = 'dirty', error = $2 WHERE version = $1", t->table);
}

int mp_tracking_delete(struct mp_target *t, const char *version, struct mp_error *err)
{
    const char *v[1] = {version};
    return tq(t, 1, v, err, "DELETE FROM %s WHERE version = $1", t->table);
}

int mp_tracking_repair(struct mp_target *t, const char *version, const char *checksum, bool mark_applied,
                       struct mp_error *err)
{
    const char *v[2] = {version, checksum};
    if (mark_applied)
        return tq(t, 2, v, err, "UPDATE %s SET status = 'applied', error = NULL, checksum = $2 WHERE version = $1",
                  t->table);
    /* $2 named too: PostgreSQL wants every parameter of PQexecParams used */
    return tq(t, 2, v, err, "DELETE FROM %s WHERE version = $1 AND $2 = $2", t->table);
}

int mp_exec_records(struct mp_target *t, const struct mp_exec_config *cfg, size_t *applied, size_t *other,
                    struct mp_error *err)
{
    *applied = *other = 0;
    mp_tracking_use(t, cfg);
    struct mp_track_rows r;
    int rc = mp_tracking_load(t, &r, err);
    if (rc) {
        /* no tracking table yet: nothing recorded */
        memset(err, 0, sizeof *err);
        return 0;
    }
    for (size_t i = 0; i < r.n; i++)
        (*(mp_tracking_is_applied(&r.v[i]) ? applied : other))++;
    mp_tracking_free(&r);
    return 0;
}
