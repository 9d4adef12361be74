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

int mp_tracking_name_check(const struct mp_exec_config *cfg, struct mp_error *err)
{
    const char *table = cfg && cfg->table ? cfg->table : "migprop_migrations";
    size_t n = strlen(table);
    /* PostgreSQL keeps at most NAMEDATALEN - 1 = 63 bytes of an identifier
     * and cuts the rest silently ("Identifiers and Key Words", 4.1.1): a
     * longer name would name another table than the one asked for; the
     * same limit holds on SQLite so a directory moves between them */
    if (n == 0)
        return mp_error_set(err, MP_EINVAL, "the tracking table's name is empty");
    if (n > MP_TRACKING_NAME_MAX)
        return mp_error_set(err, MP_EINVAL, "the tracking table's name is %zu bytes long, more than the %d PostgreSQL keeps",
                            n, MP_TRACKING_NAME_MAX);
    for (const unsigned char *c = (const unsigned char *)table; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return mp_error_set(err, MP_EINVAL, "the tracking table's name holds a control character (byte %u)", *c);
    return 0;
}

int mp_exec_check_table(const char *table, struct mp_error *err)
{
    const struct mp_exec_config c = {.table = table};
    return mp_tracking_name_check(&c, err);
}

const char *mp_tracking_use(struct mp_target *t, const struct mp_exec_config *cfg)
{
    const char *table = cfg && cfg->table ? cfg->table : "migprop_migrations";
    struct mp_buf b = {0};
    mp_buf_ident(&b, table);
    free(t->table);
    t->table = mp_xstrdup(mp_buf_str(&b));
    free(t->table_name);
    t->table_name = mp_xstrdup(table);
    t->track_current = false;
    mp_buf_free(&b);
    return table;
}

int mp_tracking_exists(struct mp_target *t, bool *exists, struct mp_error *err)
{
    *exists = false;
    if (t->d == MP_SQLITE) {
        /* a query, which re-checks the schema cookie (see has_columns) */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(t->lite, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", -1, &st,
                               NULL) != SQLITE_OK)
            return mp_error_set(err, MP_EDB, "reading the schema: %s", sqlite3_errmsg(t->lite));
        sqlite3_bind_text(st, 1, t->table_name, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        *exists = r == SQLITE_ROW;
        sqlite3_finalize(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return mp_error_set(err, MP_EDB, "reading the schema: %s", sqlite3_errmsg(t->lite));
        return 0;
    }
    /* PostgreSQL: the quoted name resolved on the search path, as every
     * query of the table resolves it */
    const char *v[1] = {t->table};
    PGresult *r = PQexecParams(t->pg, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, v, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = mp_target_db_error(t, err, "looking for the tracking table", r);
    else
        *exists = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return rc;
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

/* Which of the columns named in `cols` (n of them) the tracking table has,
 * into has[] -- one query for all of them. */
static int has_columns(struct mp_target *t, const char *const *cols, bool *has, size_t n, struct mp_error *err)
{
    for (size_t i = 0; i < n; i++)
        has[i] = false;
    if (t->d == MP_SQLITE) {
        /* a query, not sqlite3_table_column_metadata(): that one answers
         * from the connection's cached schema, which is stale when another
         * connection created the table since (a connection kept open while
         * other runners work); a prepared statement re-checks the schema
         * cookie first (SQLite "PRAGMA table_info", "The Schema Cookie") */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(t->lite, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) != SQLITE_OK)
            return mp_error_set(err, MP_EDB, "reading the tracking table's columns: %s", sqlite3_errmsg(t->lite));
        sqlite3_bind_text(st, 1, t->table_name, -1, SQLITE_STATIC);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            for (size_t i = 0; i < n; i++)
                has[i] = has[i] || (name && strcmp(name, cols[i]) == 0);
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return mp_error_set(err, MP_EDB, "reading the tracking table's columns: %s", sqlite3_errmsg(t->lite));
        return 0;
    }
    const char *v[1] = {t->table};
    PGresult *r = PQexecParams(t->pg,
                               "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 "
                               "AND NOT attisdropped",
                               1, NULL, v, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rc = mp_target_db_error(t, err, "reading the tracking table's columns", r);
    else
        for (int k = 0; k < PQntuples(r); k++)
            for (size_t i = 0; i < n; i++)
                has[i] = has[i] || strcmp(PQgetvalue(r, k, 0), cols[i]) == 0;
    PQclear(r);
    return rc;
}

/* The columns the upgrade looks at (the first three), and "version",
 * which every shape has: found, the table is there. */
static const char *const upgrade_cols[] = {"execution_ms", "error", "attempts", "version"};

/* A tracking table of the first shape (execution_ms, error; no attempts)
 * becomes the current one in place: two renames and a column with its
 * default (ALTER TABLE ... RENAME COLUMN: SQLite 3.25+, PostgreSQL).  Each
 * step only when still needed, so running it twice changes nothing.
 * has[]: which of upgrade_cols[0..2] the table has (has_columns()). */
static int upgrade_from(struct mp_target *t, const bool has[3], struct mp_error *err)
{
    static const char *const renames[][2] = {{"execution_ms", "execution_time_ms"}, {"error", "error_message"}};
    int rc = 0;
    for (size_t i = 0; i < 2 && !rc; i++)
        if (has[i])
            rc = tq(t, 0, NULL, err, "ALTER TABLE %s RENAME COLUMN %s TO %s", t->table, renames[i][0], renames[i][1]);
    if (!rc && !has[2])
        rc = tq(t, 0, NULL, err, "ALTER TABLE %s ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1", t->table);
    return rc;
}

/* The upgrade after reading the columns. */
static int upgrade(struct mp_target *t, struct mp_error *err)
{
    bool has[3];
    int rc = has_columns(t, upgrade_cols, has, 3, err);
    return rc ? rc : upgrade_from(t, has, err);
}

int mp_tracking_ensure(struct mp_target *t, struct mp_error *err)
{
    int rc = 0;
    bool has[4] = {false, false, false, false};
    /* SQLite: the columns first.  A table that is there (it has a version
     * column) needs no CREATE ... IF NOT EXISTS, and its columns tell the
     * upgrade what to do: one query, where the statement and the upgrade's
     * own column query would be two */
    if (t->d == MP_SQLITE && (rc = has_columns(t, upgrade_cols, has, 4, err)))
        goto out;
    if (has[3])
        rc = upgrade_from(t, has, err);
    else if (t->d == MP_SQLITE)
        rc = tq(t, 0, NULL, err,
                "CREATE TABLE IF NOT EXISTS %s (version TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
                "checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_time_ms INTEGER NOT NULL DEFAULT 0, "
                "status TEXT NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error_message TEXT, "
                "attempts INTEGER NOT NULL DEFAULT 1)",
                t->table);
    else
        rc = tq(t, 0, NULL, err,
                "CREATE TABLE IF NOT EXISTS %s (version text PRIMARY KEY, name text NOT NULL, "
                "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
                "execution_time_ms bigint NOT NULL DEFAULT 0, "
                "status text NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error_message text, "
                "attempts integer NOT NULL DEFAULT 1)",
                t->table);
    if (!rc && !has[3])
        rc = upgrade(t, err);
out:
    t->track_current = !rc;
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
        w->attempts = PQnfields(r) > 7 ? atol(PQgetvalue(r, i, 7)) : 1;
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
        w->attempts = sqlite3_column_count(st) > 7 ? (long)sqlite3_column_int64(st, 7) : 1;
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
    /* a table of the first shape (read-only commands do not upgrade it) */
    bool current = true;
    if (!t->track_current) {
        static const char *const attempts[] = {"attempts"};
        int rc0 = has_columns(t, attempts, &current, 1, err);
        if (rc0)
            return rc0;
    }
    mp_buf_printf(&b, "SELECT version, name, checksum, %s, %s FROM %s",
                  t->d == MP_POSTGRES ? "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                                      : "applied_at",
                  current ? "execution_time_ms, status, error_message, attempts" : "execution_ms, status, error",
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
    char msbuf[32], abuf[32];
    snprintf(msbuf, sizeof msbuf, "%ld", ms);
    snprintf(abuf, sizeof abuf, "%ld", t->attempt > 0 ? t->attempt : 1L);
    const char *w[7] = {m->version, m->name, m->checksum, msbuf, status, error, abuf};
    /* one upsert (PostgreSQL "INSERT ... ON CONFLICT", SQLite 3.24+ "UPSERT") */
    struct mp_buf b = {0};
    mp_buf_printf(&b,
                  "INSERT INTO %s AS m (version, name, checksum, applied_at, execution_time_ms, status, "
                  "error_message, attempts) "
                  "VALUES ($1, $2, $3, %s, $4, $5, $6, $7) ON CONFLICT (version) DO UPDATE SET name = excluded.name, "
                  "checksum = excluded.checksum, applied_at = excluded.applied_at, "
                  "execution_time_ms = excluded.execution_time_ms, status = excluded.status, "
                  "error_message = excluded.error_message, attempts = excluded.attempts",
                  t->table, t->d == MP_SQLITE ? "strftime('%Y-%m-%dT%H:%M:%fZ','now')" : "clock_timestamp()");
    int rc = mp_target_q(t, mp_buf_str(&b), 7, w, err);
    mp_buf_free(&b);
    return rc;
}

/* `s` as a PostgreSQL literal for t's connection (PQescapeLiteral: right
 * whatever standard_conforming_strings says). */
static void pg_literal(struct mp_target *t, struct mp_buf *out, const char *s)
{
    char *q = PQescapeLiteral(t->pg, s, strlen(s));
    if (!q)
        mp_oom();
    mp_buf_add(out, q);
    PQfreemem(q);
}

void mp_tracking_record_sql(struct mp_target *t, const struct mp_migration *m, bool up, struct mp_buf *out)
{
    if (!up) {
        mp_buf_printf(out, "DELETE FROM %s WHERE version = ", t->table);
        pg_literal(t, out, m->version);
        mp_buf_add(out, ";\n");
        return;
    }
    if (t->fault == MP_FAULT_NO_RECORD)
        return; /* self-test fault, as mp_tracking_record() */
    /* the statements' time as the server saw it: from migprop.started
     * when the string set it (after the COMMIT of the migration before it
     * carried, apply.c), else from statement_timestamp(), when the query
     * string arrived, for all its statements (PostgreSQL "Current
     * Date/Time", "set_config") */
    mp_buf_printf(out,
                  "INSERT INTO %s AS m (version, name, checksum, applied_at, execution_time_ms, status, "
                  "error_message, attempts) VALUES (",
                  t->table);
    pg_literal(t, out, m->version);
    mp_buf_add(out, ", ");
    pg_literal(t, out, m->name ? m->name : "");
    mp_buf_add(out, ", ");
    pg_literal(t, out, m->checksum);
    mp_buf_printf(out,
                  ", clock_timestamp(), "
                  "(extract(epoch FROM clock_timestamp() - coalesce(nullif(current_setting('migprop.started', true), "
                  "'')::timestamptz, statement_timestamp())) * 1000)::bigint, 'applied', NULL, %ld) "
                  "ON CONFLICT (version) DO UPDATE SET name = excluded.name, "
                  "checksum = excluded.checksum, applied_at = excluded.applied_at, "
                  "execution_time_ms = excluded.execution_time_ms, status = excluded.status, "
                  "error_message = excluded.error_message, attempts = excluded.attempts;\n",
                  t->attempt > 0 ? t->attempt : 1L);
}

int mp_tracking_applied_now(struct mp_target *t, const char *version, bool *applied, struct mp_error *err)
{
    *applied = false;
    if (t->d == MP_POSTGRES) {
        const char *v[1] = {version};
        struct mp_buf q = {0};
        mp_buf_printf(&q, "SELECT count(*) FROM %s WHERE version = $1 AND status = 'applied'", t->table);
        PGresult *r = PQexecParams(t->pg, mp_buf_str(&q), 1, NULL, v, NULL, NULL, 0);
        mp_buf_free(&q);
        int prc = 0;
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            prc = mp_target_db_error(t, err, "reading the tracking table", r);
        else
            *applied = atoi(PQgetvalue(r, 0, 0)) > 0;
        PQclear(r);
        return prc;
    }
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
    return tq(t, 2, v, err, "UPDATE %s SET status = 'dirty', error_message = $2 WHERE version = $1", t->table);
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
        return tq(t, 2, v, err,
                  "UPDATE %s SET status = 'applied', error_message = NULL, checksum = $2 WHERE version = $1",
                  t->table);
    /* $2 named too: PostgreSQL wants every parameter of PQexecParams used */
    return tq(t, 2, v, err, "DELETE FROM %s WHERE version = $1 AND $2 = $2", t->table);
}

/* SQLite: the status column alone, counted by the database (every shape
 * of the table has it, so no column query first); -1 when there is no
 * table to count. */
static int records_sqlite(struct mp_target *t, size_t *applied, size_t *other)
{
    struct mp_buf q = {0};
    mp_buf_printf(&q, "SELECT count(*), count(*) FILTER (WHERE status = 'applied') FROM %s", t->table);
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(t->lite, mp_buf_str(&q), -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 all = sqlite3_column_int64(st, 0), ok = sqlite3_column_int64(st, 1);
        *applied = (size_t)ok;
        *other = (size_t)(all - ok);
        rc = 0;
    }
    sqlite3_finalize(st);
    mp_buf_free(&q);
    return rc;
}

int mp_exec_records(struct mp_target *t, const struct mp_exec_config *cfg, size_t *applied, size_t *other,
                    struct mp_error *err)
{
    *applied = *other = 0;
    mp_tracking_use(t, cfg);
    if (t->d == MP_SQLITE) {
        if (records_sqlite(t, applied, other))
            *applied = *other = 0; /* no tracking table yet: nothing recorded */
        return 0;
    }
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
