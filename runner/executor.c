/* executor.c - the migration runner (see executor.h). */
#include "executor.h"
#include "os.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "fault.h"
#include "sqlscan.h"

struct mp_target {
    enum mp_dialect d;
    sqlite3 *lite;
    PGconn *pg;
    bool owned, nested;
    char *path;          /* SQLite database file, NULL in memory */
    int lock_fd;         /* SQLite: flock'ed descriptor while locked, else -1 */
    bool pg_locked;
    char *table;         /* tracking table of the current command */
    long fail_line;      /* line of the statement that failed last, 0 if none */
    long nrun;           /* migrations this target has started (fault injection) */
    enum mp_fault fault; /* the planted self-test fault of the current command (cfg->fault) */
};

/* ---- connections ---- */

static int db_error(struct mp_target *t, struct mp_error *err, const char *what, PGresult *r);

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
        t->path = mem ? NULL : strdup(p);
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
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : db_error(t, err, "SET search_path", r);
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

int mp_target_introspect(struct mp_target *t, const char *table, const char *const *ignore, struct mp_arena *a,
                         struct mp_schema **out, struct mp_error *err)
{
    const char *ig[64];
    size_t n = 0;
    ig[n++] = table ? table : "migprop_migrations";
    for (size_t i = 0; ignore && ignore[i] && n < 63; i++)
        ig[n++] = ignore[i];
    ig[n] = NULL;
    return mp_introspect_conn(t->d, t->d == MP_SQLITE ? (void *)t->lite : (void *)t->pg, ig, a, out, err);
}

/* ---- statements ---- */

static int db_error(struct mp_target *t, struct mp_error *err, const char *what, PGresult *r)
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

/* Run internal SQL (no user text) with parameters $1..$n (text; written
 * ?1..?n for SQLite here). */
static int q(struct mp_target *t, const char *sql_in, int n, const char *const *vals, struct mp_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "%s", sql_in);
    if (t->d == MP_SQLITE)
        for (char *c = sql; *c; c++)
            if (*c == '$' && c[1] >= '1' && c[1] <= '9')
                *c = '?';
    if (t->d == MP_POSTGRES) {
        PGresult *r = n ? PQexecParams(t->pg, sql, n, NULL, vals, NULL, NULL, 0) : PQexec(t->pg, sql);
        ExecStatusType st = PQresultStatus(r);
        int rc = 0;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            rc = db_error(t, err, sql, r);
        PQclear(r);
        return rc;
    }
    if (!n) {
        if (sqlite3_exec(t->lite, sql, NULL, NULL, NULL) != SQLITE_OK)
            return db_error(t, err, sql, NULL);
        return 0;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(t, err, sql, NULL);
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, vals[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_error(t, err, sql, NULL);
    return 0;
}

/* Skip whitespace and comments: the offset of the first token at or after i. */
static size_t first_token(const char *s, size_t i)
{
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            i++;
        if (s[i] == '-' && s[i + 1] == '-') {
            while (s[i] && s[i] != '\n')
                i++;
        } else if (s[i] == '/' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            i = e ? (size_t)(e - s) + 2 : strlen(s);
        } else {
            return i;
        }
    }
}

/* Byte offset of the 1-based character position `pos` (PostgreSQL counts
 * characters of the query string; the client encoding here is UTF-8). */
static size_t char_to_byte(const char *s, long pos)
{
    size_t i = 0;
    for (long c = 1; c < pos && s[i]; c++) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* Run one section's SQL.  `alone`: one statement at a time (outside a
 * transaction).  Errors: MP_EDB "PATH:LINE: message". */
static int run_sql(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err);

/* Self-test fault: split the script on every ';' (what careless runners
 * do) and run the pieces one by one. */
static int run_split(struct mp_target *t, const struct mp_migsql *sec, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    int rc = 0;
    while (*sql && !rc) {
        const char *semi = strchr(sql, ';');
        size_t n = semi ? (size_t)(semi - sql) + 1 : strlen(sql);
        char *piece = strndup(sql, n);
        if (!piece)
            mp_oom();
        struct mp_migsql one = *sec;
        one.sql = piece;
        rc = run_sql(t, &one, true, err);
        free(piece);
        sql += n;
    }
    return rc;
}

static int run_sql(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    if (t->fault == MP_FAULT_SPLIT_SEMICOLON && !alone)
        return run_split(t, sec, err);
    if (t->d == MP_SQLITE) {
        const char *p = sql;
        while (*p) {
            sqlite3_stmt *st = NULL;
            const char *tail = NULL;
            size_t at = first_token(sql, (size_t)(p - sql));
            if (!sql[at])
                break;
            int rc = sqlite3_prepare_v2(t->lite, p, -1, &st, &tail);
            if (rc == SQLITE_OK && st) {
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                    ;
                if (rc == SQLITE_DONE)
                    rc = SQLITE_OK;
            }
            if (rc != SQLITE_OK) {
                size_t off = at;
                int eo = sqlite3_error_offset(t->lite);
                if (eo >= 0 && !st)
                    off = (size_t)(p - sql) + (size_t)eo;
                t->fail_line = base + mp_sql_line_of(sql, off) - 1;
                mp_error_set(err, MP_EDB, "%s:%ld: %s", path, t->fail_line,
                             sqlite3_errmsg(t->lite));
                snprintf(err->sqlstate, sizeof err->sqlstate, "%d", sqlite3_extended_errcode(t->lite) & 0xff);
                sqlite3_finalize(st);
                return MP_EDB;
            }
            sqlite3_finalize(st);
            p = tail;
        }
        return 0;
    }
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    int rc = 0;
    if (alone) {
        for (long i = 0; i < ns && !rc; i++) {
            char *one = strndup(sql + sv[i].start, sv[i].end - sv[i].start);
            if (!one)
                mp_oom();
            PGresult *r = PQexec(t->pg, one);
            ExecStatusType st = PQresultStatus(r);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
                const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
                if (!m)
                    m = PQerrorMessage(t->pg);
                t->fail_line = base + sv[i].line - 1;
                rc = mp_error_set(err, MP_EDB, "%s:%ld: %.*s", path, t->fail_line, (int)strcspn(m, "\n"), m);
                const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                snprintf(err->sqlstate, sizeof err->sqlstate, "%s", ss ? ss : "");
            }
            PQclear(r);
            free(one);
        }
        free(sv);
        return rc;
    }
    if (!PQsendQuery(t->pg, sql)) {
        free(sv);
        return db_error(t, err, path, NULL);
    }
    long done = 0;
    PGresult *r;
    while ((r = PQgetResult(t->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COPY_IN)
            PQputCopyEnd(t->pg, "migprop: COPY FROM STDIN is not supported in migrations");
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            done++;
        } else if (st != PGRES_EMPTY_QUERY && !rc) {
            const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            if (!m)
                m = PQerrorMessage(t->pg);
            const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
            long line = done < ns ? sv[done].line : mp_sql_line_of(sql, strlen(sql));
            if (pos)
                line = mp_sql_line_of(sql, char_to_byte(sql, atol(pos)));
            t->fail_line = base + line - 1;
            rc = mp_error_set(err, MP_EDB, "%s:%ld: %.*s", path, t->fail_line, (int)strcspn(m, "\n"), m);
            const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            snprintf(err->sqlstate, sizeof err->sqlstate, "%s", ss ? ss : "");
        }
        PQclear(r);
    }
    free(sv);
    return rc;
}

int mp_target_exec(struct mp_target *t, const char *path, long line, const char *sql, struct mp_error *err)
{
    struct mp_migsql sec = {.path = path, .sql = sql, .line = line};
    return run_sql(t, &sec, false, err);
}

/* ---- transactions and locks ---- */

static int tx_begin(struct mp_target *t, struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return 0; /* self-test fault: autocommit */
    if (t->nested)
        return q(t, "SAVEPOINT migprop_migration", 0, NULL, err);
    return q(t, t->d == MP_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", 0, NULL, err);
}

static int tx_commit(struct mp_target *t, struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return 0;
    if (t->nested)
        return q(t, "RELEASE SAVEPOINT migprop_migration", 0, NULL, err);
    return q(t, "COMMIT", 0, NULL, err);
}

static void tx_rollback(struct mp_target *t)
{
    struct mp_error e = {0};
    if (t->fault == MP_FAULT_NO_TRANSACTION && !t->nested)
        return;
    if (t->nested)
        q(t, "ROLLBACK TO SAVEPOINT migprop_migration; RELEASE SAVEPOINT migprop_migration", 0, NULL, &e);
    else if (t->d == MP_POSTGRES || !sqlite3_get_autocommit(t->lite))
        q(t, "ROLLBACK", 0, NULL, &e);
}

static const char *qtable(struct mp_target *t)
{
    return t->table;
}

/* The tracking table of this command (cfg->table or migprop_migrations),
 * quoted into t->table; returns its plain name. */
static const char *use_table(struct mp_target *t, const struct mp_exec_config *cfg)
{
    const char *table = cfg && cfg->table ? cfg->table : "migprop_migrations";
    struct mp_buf b = {0};
    mp_buf_ident(&b, table);
    free(t->table);
    t->table = strdup(mp_buf_str(&b));
    mp_buf_free(&b);
    if (!t->table)
        mp_oom();
    return table;
}

static int lock(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_error *err)
{
    long ms = cfg && cfg->lock_timeout_ms > 0 ? cfg->lock_timeout_ms : 60000;
    const char *table = use_table(t, cfg);
    if (t->nested || t->fault == MP_FAULT_NO_LOCK)
        return 0;
    if (t->d == MP_POSTGRES) {
        char set[64];
        snprintf(set, sizeof set, "SET lock_timeout = %ld", ms);
        const char *v[1] = {table};
        int rc = q(t, set, 0, NULL, err);
        if (!rc)
            rc = q(t, "SELECT pg_advisory_lock(1835626608, hashtext(current_schema() || '.' || $1))", 1, v, err);
        struct mp_error e = {0};
        q(t, "RESET lock_timeout", 0, NULL, &e);
        if (rc) {
            if (strcmp(err->sqlstate, "55P03") == 0)
                return mp_error_set(err, MP_EDB, "another runner has held the migration lock on %s for more than %ld ms",
                                    table, ms);
            return rc;
        }
        t->pg_locked = true;
        return 0;
    }
    sqlite3_busy_timeout(t->lite, (int)ms);
    if (!t->path)
        return 0;
    t->lock_fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (t->lock_fd < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", t->path, strerror(errno));
    double until = (mp_now() * 1e3) + (double)ms;
    while (flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return mp_error_set(err, MP_EIO, "flock %s: %s", t->path, strerror(errno));
        if ((mp_now() * 1e3) > until)
            return mp_error_set(err, MP_EDB, "another runner has held the migration lock on %s for more than %ld ms",
                                t->path, ms);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void unlock(struct mp_target *t)
{
    if (t->pg_locked) {
        struct mp_error e = {0};
        const char *v[1] = {t->table};
        (void)v;
        PGresult *r = PQexec(t->pg, "SELECT pg_advisory_unlock_all()");
        PQclear(r);
        (void)e;
        t->pg_locked = false;
    }
    if (t->lock_fd >= 0) {
        flock(t->lock_fd, LOCK_UN);
        close(t->lock_fd);
        t->lock_fd = -1;
    }
}

/* ---- the tracking table ---- */

struct row {
    char *version, *name, *checksum, *applied_at, *status, *error;
    long ms;
};

struct rows {
    struct row *v;
    size_t n;
};

static void rows_free(struct rows *r)
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

static int ensure_table(struct mp_target *t, struct mp_error *err)
{
    char sql[1024];
    if (t->d == MP_SQLITE)
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS %s (version TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
                 "checksum TEXT NOT NULL, applied_at TEXT NOT NULL, execution_ms INTEGER NOT NULL DEFAULT 0, "
                 "status TEXT NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error TEXT)",
                 qtable(t));
    else
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS %s (version text PRIMARY KEY, name text NOT NULL, "
                 "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp(), "
                 "execution_ms bigint NOT NULL DEFAULT 0, "
                 "status text NOT NULL CHECK (status IN ('applied','failed','running','dirty')), error text)",
                 qtable(t));
    int rc = q(t, sql, 0, NULL, err);
    if (rc)
        mp_error_prefix(err, "creating the tracking table %s: ", qtable(t));
    return rc;
}

static int load_rows(struct mp_target *t, struct rows *out, struct mp_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT version, name, checksum, %s, execution_ms, status, error FROM %s",
             t->d == MP_POSTGRES ? "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                                 : "applied_at",
             qtable(t));
    memset(out, 0, sizeof *out);
    if (t->d == MP_POSTGRES) {
        PGresult *r = PQexec(t->pg, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            int rc = db_error(t, err, "reading the tracking table", r);
            PQclear(r);
            return rc;
        }
        int n = PQntuples(r);
        out->v = calloc((size_t)n + 1, sizeof *out->v);
        if (!out->v)
            mp_oom();
        for (int i = 0; i < n; i++) {
            struct row *w = &out->v[out->n++];
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
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(t, err, "reading the tracking table", NULL);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            struct row *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv)
                mp_oom();
            out->v = nv;
        }
        struct row *w = &out->v[out->n++];
        w->version = mp_xstrdup((const char *)sqlite3_column_text(st, 0));
        w->name = mp_xstrdup((const char *)sqlite3_column_text(st, 1));
        w->checksum = mp_xstrdup((const char *)sqlite3_column_text(st, 2));
        w->applied_at = mp_xstrdup((const char *)sqlite3_column_text(st, 3));
        w->ms = (long)sqlite3_column_int64(st, 4);
        w->status = mp_xstrdup((const char *)sqlite3_column_text(st, 5));
        w->error = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : mp_xstrdup((const char *)sqlite3_column_text(st, 6));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rows_free(out);
        return db_error(t, err, "reading the tracking table", NULL);
    }
    return 0;
}

static struct row *find_row(const struct rows *r, const char *version)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].version, version) == 0)
            return &r->v[i];
    return NULL;
}

static const struct mp_migration *find_mig(const struct mp_migset *set, const char *version)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].version, version) == 0)
            return &set->v[i];
    return NULL;
}

static bool is_applied(const struct row *w)
{
    return w && strcmp(w->status, "applied") == 0;
}

static int record(struct mp_target *t, const struct mp_migration *m, const char *status, long ms, const char *error,
                  struct mp_error *err)
{
    if (t->fault == MP_FAULT_NO_RECORD && strcmp(status, "applied") == 0)
        return 0; /* self-test fault */
    char sql[768];
    char msbuf[32];
    snprintf(msbuf, sizeof msbuf, "%ld", ms);
    const char *w[6] = {m->version, m->name, m->checksum, msbuf, status, error};
    /* one upsert (PostgreSQL "INSERT ... ON CONFLICT", SQLite 3.24+ "UPSERT") */
    snprintf(sql, sizeof sql,
             "INSERT INTO %s AS m (version, name, checksum, applied_at, execution_ms, status, error) "
             "VALUES ($1, $2, $3, %s, $4, $5, $6) ON CONFLICT (version) DO UPDATE SET name = excluded.name, "
             "checksum = excluded.checksum, applied_at = excluded.applied_at, "
             "execution_ms = excluded.execution_ms, status = excluded.status, error = excluded.error",
             qtable(t),
             t->d == MP_SQLITE ? "strftime('%Y-%m-%dT%H:%M:%fZ','now')" : "clock_timestamp()");
    return q(t, sql, 6, w, err);
}

/* ---- checks ---- */

static void add_problem(struct mp_buf *b, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_problem(struct mp_buf *b, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (b->len)
        mp_buf_addc(b, '\n');
    mp_buf_vprintf(b, fmt, ap);
    va_end(ap);
    (*n)++;
}

/* The newest applied version, or NULL. */
static const char *newest_applied(const struct mp_migset *set, const struct rows *r)
{
    const char *hi = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (is_applied(&r->v[i]) && (!hi || mp_migversion_cmp(set->format, r->v[i].version, hi) > 0))
            hi = r->v[i].version;
    return hi;
}

/* Dirty state, changed and missing applied migrations, out-of-order pending
 * ones (unless allowed); failed records too when `strict`. */
static size_t problems(const struct mp_migset *set, const struct rows *r, const struct mp_exec_config *cfg,
                       bool strict, struct mp_buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct row *w = &r->v[i];
        const struct mp_migration *m = find_mig(set, w->version);
        if (strcmp(w->status, "running") == 0 || strcmp(w->status, "dirty") == 0)
            add_problem(out, &n,
                        "the database is dirty: migration %s (%s) ran outside a transaction and did not finish%s%s; "
                        "fix the database by hand, then run `migprop migrate repair`",
                        w->version, m && m->up.path ? m->up.path : w->name, w->error ? ": " : "",
                        w->error ? w->error : "");
        else if (strict && strcmp(w->status, "failed") == 0)
            add_problem(out, &n, "migration %s (%s) failed and was rolled back: %s", w->version,
                        m && m->up.path ? m->up.path : w->name, w->error ? w->error : "");
        if (!is_applied(w))
            continue;
        if (!m)
            add_problem(out, &n, "applied migration %s (%s) has no file in %s", w->version, w->name, set->dir);
        else if (strcmp(m->checksum, w->checksum) != 0)
            add_problem(out, &n, "%s: changed after it was applied (applied checksum %s, file checksum %s)",
                        m->up.path, w->checksum, m->checksum);
    }
    const char *hi = newest_applied(set, r);
    if (hi && !(cfg && cfg->allow_out_of_order))
        for (size_t i = 0; i < set->n; i++) {
            const struct mp_migration *m = &set->v[i];
            if (!is_applied(find_row(r, m->version)) && mp_migversion_cmp(set->format, m->version, hi) < 0)
                add_problem(out, &n,
                            "%s: pending, but older than the newest applied migration %s "
                            "(apply it with --allow-out-of-order)",
                            m->up.path, hi);
        }
    return n;
}

/* ---- running one migration ---- */

static void log_line(const struct mp_exec_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(const struct mp_exec_config *cfg, const char *fmt, ...)
{
    if (!cfg || !cfg->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(cfg->log, fmt, ap);
    va_end(ap);
    fputc('\n', cfg->log);
    fflush(cfg->log);
}

static int fk_check(struct mp_target *t, struct mp_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return db_error(t, err, "PRAGMA foreign_key_check", NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        mp_error_set(err, MP_EDB, "PRAGMA foreign_key_check: a row of %s violates a foreign key to %s",
                     (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 2));
        snprintf(err->sqlstate, sizeof err->sqlstate, "%d", SQLITE_CONSTRAINT);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? MP_EDB : rc == SQLITE_DONE ? 0 : db_error(t, err, "PRAGMA foreign_key_check", NULL);
}

/* Run m up (`up`) or down.  On failure the error is recorded and MP_EDB
 * returned; `*skipped` when another runner applied it meanwhile. */
static int run_one(struct mp_target *t, const struct mp_exec_config *cfg, const struct mp_migration *m, bool up,
                   bool *skipped, double *ms_out, struct mp_error *err)
{
    const struct mp_migsql *sec = up ? &m->up : &m->down;
    bool notx = sec->no_transaction && !t->nested;
    bool fkoff = sec->fk_off && t->d == MP_SQLITE;
    const char *v[1] = {m->version};
    char sql[512];
    int rc;
    *skipped = false;
    bool in_tx_fault = t->fault == MP_FAULT_PRAGMA_IN_TX;
    if (fkoff && !in_tx_fault && (rc = q(t, "PRAGMA foreign_keys=OFF", 0, NULL, err)))
        return rc;
    if ((rc = tx_begin(t, err)))
        goto out;
    /* self-test fault: inside the transaction the PRAGMA is a no-op (SQLite
     * "PRAGMA foreign_keys") */
    if (fkoff && in_tx_fault && (rc = q(t, "PRAGMA foreign_keys=OFF", 0, NULL, err))) {
        tx_rollback(t);
        goto out;
    }
    /* SQLite: re-read under BEGIN IMMEDIATE's lock, another runner may
     * have done it (PostgreSQL's runners hold the advisory lock for the
     * whole run, so what was read at the start is still true) */
    bool done = false;
    if (t->d == MP_SQLITE && t->fault != MP_FAULT_NO_LOCK) {
        /* this version's record only: O(1) per migration, not O(n) */
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE version = ?1 AND status = 'applied'", qtable(t));
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK) {
            rc = db_error(t, err, "reading the tracking table", NULL);
            tx_rollback(t);
            goto out;
        }
        sqlite3_bind_text(st, 1, m->version, -1, SQLITE_STATIC);
        bool applied = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
        sqlite3_finalize(st);
        done = up ? applied : !applied;
    }
    if (done) {
        *skipped = true;
        rc = tx_commit(t, err);
        goto out;
    }
    if (notx) {
        /* the 'running' mark is committed before the statements run */
        if (up)
            rc = record(t, m, "running", 0, NULL, err);
        else {
            snprintf(sql, sizeof sql, "UPDATE %s SET status = 'running' WHERE version = $1", qtable(t));
            rc = q(t, sql, 1, v, err);
        }
        if (rc || (rc = tx_commit(t, err))) {
            tx_rollback(t);
            goto out;
        }
    }
    long nrun = ++t->nrun;
    double t0 = (mp_now() * 1e3);
    rc = run_sql(t, sec, notx, err);
    if (!rc && fkoff)
        rc = fk_check(t, err);
    double ms = (mp_now() * 1e3) - t0;
    *ms_out = ms;
    if (rc) {
        struct mp_error e2 = {0};
        if (notx) {
            snprintf(sql, sizeof sql, "UPDATE %s SET status = 'dirty', error = $2 WHERE version = $1", qtable(t));
            const char *w2[2] = {m->version, err->msg};
            q(t, sql, 2, w2, &e2);
        } else {
            tx_rollback(t);
            if (up && !tx_begin(t, &e2)) {
                if (record(t, m, "failed", (long)ms, err->msg, &e2))
                    tx_rollback(t);
                else
                    tx_commit(t, &e2);
            }
        }
        goto out;
    }
    /* fault injection: the migration's statements ran, its record is not
     * written, nothing is committed */
    if (cfg && cfg->kill_before_commit == nrun)
        raise(SIGKILL);
    if (notx && (rc = tx_begin(t, err)))
        goto out;
    if (up) {
        rc = record(t, m, "applied", (long)ms, NULL, err);
    } else {
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE version = $1", qtable(t));
        rc = q(t, sql, 1, v, err);
    }
    if (rc || (rc = tx_commit(t, err)))
        tx_rollback(t);
    else if (cfg && cfg->kill_after_commit == nrun)
        raise(SIGKILL);
out:
    if (fkoff) {
        struct mp_error e3 = {0};
        q(t, "PRAGMA foreign_keys=ON", 0, NULL, &e3);
    }
    return rc;
}

/* ---- commands ---- */

static int start(struct mp_target *t, const struct mp_exec_config *cfg, struct rows *r, struct mp_error *err)
{
    t->fault = cfg ? cfg->fault : MP_FAULT_NONE;
    int rc = lock(t, cfg, err);
    if (!rc)
        rc = ensure_table(t, err);
    if (!rc)
        rc = load_rows(t, r, err);
    if (rc)
        unlock(t);
    return rc;
}

static int apply_list(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                      const struct mp_migration *const *list, size_t n, bool up, struct mp_exec_report *rep,
                      struct mp_error *err)
{
    if (cfg && cfg->dry_run && n == 0)
        log_line(cfg, "nothing to %s", up ? "apply" : "revert");
    for (size_t i = 0; i < n; i++) {
        const struct mp_migration *m = list[i];
        if (cfg && cfg->dry_run) {
            log_line(cfg, "would %s %s %s (%s)%s", up ? "apply" : "revert", m->raw_version, m->name,
                     up ? m->up.path : m->down.path, (up ? m->up : m->down).no_transaction ? " [no transaction]" : "");
            continue;
        }
        bool skipped;
        double ms = 0;
        t->fail_line = 0;
        int rc = run_one(t, cfg, m, up, &skipped, &ms, err);
        if (rc) {
            rep->failed = m - set->v;
            rep->failed_line = t->fail_line;
            return rc;
        }
        if (skipped)
            continue;
        rep->ms += ms;
        if (up)
            rep->applied++;
        else
            rep->reverted++;
        log_line(cfg, "%s %s %s (%.1f ms)", up ? "applied" : "reverted", m->raw_version, m->name, ms);
    }
    return 0;
}

static int up_to(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                 const struct rows *r, const char *target, struct mp_exec_report *rep, struct mp_error *err)
{
    struct mp_buf pb = {0};
    size_t np = problems(set, r, cfg, false, &pb);
    if (np) {
        mp_error_set(err, MP_EPRECOND, "%s", mp_buf_str(&pb));
        mp_buf_free(&pb);
        return MP_EPRECOND;
    }
    mp_buf_free(&pb);
    const struct mp_migration **list = calloc(set->n + 1, sizeof *list);
    if (!list)
        mp_oom();
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!is_applied(find_row(r, set->v[i].version)) &&
            (!target || mp_migversion_cmp(set->format, set->v[i].version, target) <= 0))
            list[n++] = &set->v[i];
    int rc = apply_list(t, set, cfg, list, n, true, rep, err);
    free(list);
    return rc;
}

static void report_init(struct mp_exec_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->failed = -1;
}

int mp_exec_up(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *target, struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = up_to(t, set, cfg, &r, target, rep, err);
    rows_free(&r);
    unlock(t);
    return rc;
}

/* Applied migrations newer than `floor` (NULL: all), newest first, at most
 * `max`; refuses irreversible and file-less ones. */
static int down_list(const struct mp_migset *set, const struct rows *r, const char *floor, size_t max,
                     const struct mp_migration ***out, size_t *nout, struct mp_error *err)
{
    const struct mp_migration **list = calloc(r->n + 1, sizeof *list);
    if (!list)
        mp_oom();
    size_t n = 0;
    /* applied rows, newest first */
    const struct row **rv = calloc(r->n + 1, sizeof *rv);
    if (!rv)
        mp_oom();
    size_t nr = 0;
    for (size_t i = 0; i < r->n; i++)
        if (is_applied(&r->v[i]) && (!floor || mp_migversion_cmp(set->format, r->v[i].version, floor) > 0))
            rv[nr++] = &r->v[i];
    for (size_t i = 1; i < nr; i++) /* insertion sort, descending */
        for (size_t j = i; j > 0 && mp_migversion_cmp(set->format, rv[j - 1]->version, rv[j]->version) < 0; j--) {
            const struct row *x = rv[j];
            rv[j] = rv[j - 1];
            rv[j - 1] = x;
        }
    int rc = 0;
    for (size_t i = 0; i < nr && n < max; i++) {
        const struct mp_migration *m = find_mig(set, rv[i]->version);
        if (!m) {
            rc = mp_error_set(err, MP_EPRECOND, "applied migration %s (%s) has no file in %s; nothing was reverted",
                              rv[i]->version, rv[i]->name, set->dir);
            break;
        }
        if (!m->reversible) {
            rc = mp_error_set(err, MP_EPRECOND,
                              "migration %s (%s) is irreversible: it has no down statements; nothing was reverted",
                              m->raw_version, m->up.path);
            break;
        }
        list[n++] = m;
    }
    free(rv);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *nout = n;
    return 0;
}

/* Revert applied migrations newer than `floor` (NULL: all), newest first,
 * at most `max` of them, after the safety checks. */
static int revert(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                  const struct rows *r, const char *floor, size_t max, struct mp_exec_report *rep, struct mp_error *err)
{
    struct mp_buf pb = {0};
    int rc = 0;
    if (problems(set, r, cfg, false, &pb)) {
        rc = mp_error_set(err, MP_EPRECOND, "%s", mp_buf_str(&pb));
    } else {
        const struct mp_migration **list;
        size_t nl;
        rc = down_list(set, r, floor, max, &list, &nl, err);
        if (!rc) {
            rc = apply_list(t, set, cfg, list, nl, false, rep, err);
            free(list);
        }
    }
    mp_buf_free(&pb);
    return rc;
}

int mp_exec_down(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, size_t n,
                 struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = revert(t, set, cfg, &r, NULL, n, rep, err);
    rows_free(&r);
    unlock(t);
    return rc;
}

int mp_exec_to(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *version, struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    bool zero = strcmp(version, "0") == 0;
    if (!zero && !find_mig(set, version))
        return mp_error_set(err, MP_EINVAL, "no migration with version %s in %s", version, set->dir);
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = revert(t, set, cfg, &r, zero ? NULL : version, (size_t)-1, rep, err);
    if (!rc && !zero) {
        struct rows r2;
        if (!(rc = load_rows(t, &r2, err))) {
            rc = up_to(t, set, cfg, &r2, version, rep, err);
            rows_free(&r2);
        }
    }
    rows_free(&r);
    unlock(t);
    return rc;
}

int mp_exec_status(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                   struct mp_error *err)
{
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    size_t napplied = 0, npending = 0;
    fprintf(out, "%-20s %-10s %-24s %s\n", "version", "state", "applied_at", "name");
    for (size_t i = 0; i < set->n; i++) {
        const struct mp_migration *m = &set->v[i];
        const struct row *w = find_row(&r, m->version);
        const char *state = !w ? "pending" : !is_applied(w) ? w->status
                            : strcmp(w->checksum, m->checksum) != 0 ? "changed" : "applied";
        if (is_applied(w))
            napplied++;
        else
            npending++;
        fprintf(out, "%-20s %-10s %-24s %s%s\n", m->raw_version, state, w ? w->applied_at : "-", m->name,
                m->reversible ? "" : " (irreversible)");
    }
    for (size_t i = 0; i < r.n; i++)
        if (!find_mig(set, r.v[i].version))
            fprintf(out, "%-20s %-10s %-24s %s\n", r.v[i].version, "no file", r.v[i].applied_at, r.v[i].name);
    fprintf(out, "%zu applied, %zu pending\n", napplied, npending);
    rows_free(&r);
    unlock(t);
    return 0;
}

long mp_exec_verify(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                    struct mp_error *err)
{
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return -rc;
    struct mp_buf pb = {0};
    size_t n = problems(set, &r, cfg, true, &pb);
    if (n)
        fprintf(out, "%s\n", mp_buf_str(&pb));
    fprintf(out, "%zu problem%s\n", n, n == 1 ? "" : "s");
    mp_buf_free(&pb);
    rows_free(&r);
    unlock(t);
    return (long)n;
}

int mp_exec_repair(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                   struct mp_error *err)
{
    struct rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    size_t n = 0;
    for (size_t i = 0; i < r.n && !rc; i++) {
        const struct row *w = &r.v[i];
        if (is_applied(w))
            continue;
        const struct mp_migration *m = find_mig(set, w->version);
        char sql[512];
        const char *v[2] = {w->version, m ? m->checksum : w->checksum};
        if (cfg && cfg->mark_applied)
            snprintf(sql, sizeof sql,
                     "UPDATE %s SET status = 'applied', error = NULL, checksum = $2 WHERE version = $1", qtable(t));
        else
            snprintf(sql, sizeof sql, "DELETE FROM %s WHERE version = $1 AND $2 = $2", qtable(t));
        if (!(rc = q(t, sql, 2, v, err))) {
            fprintf(out, "%s %s %s (was %s)\n", cfg && cfg->mark_applied ? "marked applied" : "cleared", w->version,
                    w->name, w->status);
            n++;
        }
    }
    if (!rc)
        fprintf(out, "%zu record%s repaired\n", n, n == 1 ? "" : "s");
    rows_free(&r);
    unlock(t);
    return rc;
}

int mp_exec_records(struct mp_target *t, const struct mp_exec_config *cfg, size_t *applied, size_t *other,
                    struct mp_error *err)
{
    *applied = *other = 0;
    use_table(t, cfg);
    struct rows r;
    int rc = load_rows(t, &r, err);
    if (rc) {
        /* no tracking table yet: nothing recorded */
        memset(err, 0, sizeof *err);
        return 0;
    }
    for (size_t i = 0; i < r.n; i++)
        (*(is_applied(&r.v[i]) ? applied : other))++;
    rows_free(&r);
    return 0;
}

int mp_target_query_long(struct mp_target *t, const char *sql, long *out, struct mp_error *err)
{
    *out = 0;
    if (t->d == MP_POSTGRES) {
        PGresult *r = PQexec(t->pg, sql);
        int rc = 0;
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            rc = db_error(t, err, sql, r);
        else if (PQntuples(r) > 0)
            *out = atol(PQgetvalue(r, 0, 0));
        PQclear(r);
        return rc;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(t, err, sql, NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_error(t, err, sql, NULL);
}
