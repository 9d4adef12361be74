/* target.c - the runner's connections: open a URL or wrap a caller's
 * connection, internal queries, transactions (see executor.h, runner_int.h). */
#include "runner_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "os.h"

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* "scheme://" with an RFC 3986 scheme: a URL of some kind. */
static bool has_scheme(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    return s[n] == ':' && s[n + 1] == '/' && s[n + 2] == '/';
}

int mp_target_url_dialect(const char *url)
{
    if (starts(url, "sqlite:") || starts(url, "sqlite3:") || starts(url, "file:"))
        return MP_SQLITE;
    if (starts(url, "postgresql:") || starts(url, "postgres:"))
        return MP_POSTGRES;
    if (has_scheme(url) || !*url)
        return -1;
    /* a libpq keyword string ("host=/tmp dbname=app"), else a file path */
    return strchr(url, '=') ? MP_POSTGRES : MP_SQLITE;
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* The SQLite form of `url`: *uri (malloc'd) to open with SQLITE_OPEN_URI
 * ("file:PATH?QUERY", or ":memory:") and *file (malloc'd, NULL for a
 * database in memory), the file system path it names.  SQLite's URI rules
 * (SQLite docs, "Uniform Resource Identifiers"): "file:" then an optional
 * "//" authority (empty or "localhost"), the path percent-encoded, then
 * the query; unknown query parameters are ignored by SQLite. */
static int sqlite_url(const char *url, char **uri, char **file, struct mp_error *err)
{
    *uri = *file = NULL;
    struct mp_buf u = {0}, f = {0};
    int rc = 0;
    if (starts(url, "file:")) {
        const char *p = url + 5;
        if (starts(p, "//")) {
            p += 2;
            size_t an = strcspn(p, "/");
            if (an && !(an == 9 && strncmp(p, "localhost", 9) == 0)) {
                rc = mp_error_set(err, MP_EINVAL, "%s: a file: URI names a host ('%.*s'); only local files open",
                                  url, (int)an, p);
                goto out;
            }
            p += an;
        }
        size_t pn = strcspn(p, "?#");
        for (size_t i = 0; i < pn; i++) {
            int h, l;
            if (p[i] == '%' && i + 2 < pn + 1 && (h = hexval((unsigned char)p[i + 1])) >= 0 &&
                (l = hexval((unsigned char)p[i + 2])) >= 0) {
                mp_buf_addc(&f, (char)(h * 16 + l));
                i += 2;
            } else {
                mp_buf_addc(&f, p[i]);
            }
        }
        mp_buf_add(&u, url);
        bool mem = strcmp(mp_buf_str(&f), ":memory:") == 0 || f.len == 0 || strstr(p + pn, "mode=memory");
        *file = mem ? NULL : mp_xstrdup(mp_buf_str(&f));
        *uri = mp_xstrdup(mp_buf_str(&u));
        goto out;
    }
    /* sqlite:PATH, sqlite3:PATH, sqlite://PATH, sqlite:///ABS, or a plain path */
    const char *p = url;
    if (starts(p, "sqlite:"))
        p += 7;
    else if (starts(p, "sqlite3:"))
        p += 8;
    if (p != url && starts(p, "//"))
        p += 2;
    size_t pn = strcspn(p, "?");
    if (pn == 0) {
        rc = mp_error_set(err, MP_EINVAL, "%s: no database path", url);
        goto out;
    }
    if (pn == 8 && strncmp(p, ":memory:", 8) == 0) {
        *uri = mp_xstrdup(":memory:");
        goto out;
    }
    *file = mp_xstrndup(p, pn);
    mp_buf_add(&u, "file:");
    for (size_t i = 0; i < pn; i++) {
        if (p[i] == '%' || p[i] == '#' || p[i] == '?')
            mp_buf_printf(&u, "%%%02X", (unsigned char)p[i]);
        else
            mp_buf_addc(&u, p[i]);
    }
    mp_buf_add(&u, p + pn); /* the query, "?..." or "" */
    *uri = mp_xstrdup(mp_buf_str(&u));
out:
    mp_buf_free(&u);
    mp_buf_free(&f);
    return rc;
}

static int open_sqlite(struct mp_target *t, const char *url, enum mp_target_mode mode, struct mp_error *err)
{
    char *uri, *file;
    int rc = sqlite_url(url, &uri, &file, err);
    if (rc)
        return rc;
    t->d = MP_SQLITE;
    int flags = SQLITE_OPEN_URI |
                (mode == MP_TARGET_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    struct stat sb;
    if (mode == MP_TARGET_READONLY && file && stat(file, &sb) != 0 && errno == ENOENT) {
        /* nothing to read, and nothing may be created: an empty stand-in */
        t->missing = true;
        free(uri);
        uri = mp_xstrdup(":memory:");
        flags = SQLITE_OPEN_READWRITE;
    }
    if (sqlite3_open_v2(uri, &t->lite, flags, NULL) != SQLITE_OK) {
        rc = mp_error_set(err, MP_EIO, "%s: %s", file ? file : url, t->lite ? sqlite3_errmsg(t->lite) : "cannot open");
        goto out;
    }
    /* the file SQLite opened, absolute (the run's flock goes on it) */
    const char *fn = sqlite3_db_filename(t->lite, "main");
    t->path = fn && *fn ? mp_xstrdup(fn) : NULL;
    sqlite3_exec(t->lite, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    /* "col" must name a column, never be a string (SQLite "Quirks" 8) */
    sqlite3_db_config(t->lite, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
    sqlite3_db_config(t->lite, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
out:
    free(uri);
    free(file);
    return rc;
}

static int open_pg(struct mp_target *t, const char *url, enum mp_target_mode mode, struct mp_error *err)
{
    t->d = MP_POSTGRES;
    t->pg = PQconnectdb(url);
    if (!t->pg || PQstatus(t->pg) != CONNECTION_OK) {
        const char *m = t->pg ? PQerrorMessage(t->pg) : "out of memory";
        return mp_error_set(err, MP_EIO, "connecting to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
    }
    PQclear(PQexec(t->pg, "SET client_min_messages = warning")); /* NOTICEs of IF NOT EXISTS */
    /* a read-only command cannot change the database, whatever it runs
     * (PostgreSQL docs, "default_transaction_read_only") */
    if (mode == MP_TARGET_READONLY)
        return mp_target_q(t, "SET default_transaction_read_only = on", 0, NULL, err);
    return 0;
}

int mp_target_open_mode(const char *url, enum mp_target_mode mode, struct mp_target **out, struct mp_error *err)
{
    *out = NULL;
    int d = mp_target_url_dialect(url);
    if (d < 0)
        return mp_error_set(err, MP_EINVAL,
                            "%s: not a database URL (sqlite:PATH, sqlite3:PATH, file:PATH?..., a file path, "
                            "postgres://..., postgresql://... or a libpq keyword string)",
                            url);
    struct mp_target *t = calloc(1, sizeof *t);
    if (!t)
        mp_oom();
    t->owned = true;
    t->lock_fd = -1;
    int rc = d == MP_SQLITE ? open_sqlite(t, url, mode, err) : open_pg(t, url, mode, err);
    if (rc) {
        mp_target_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

int mp_target_open(const char *url, struct mp_target **out, struct mp_error *err)
{
    return mp_target_open_mode(url, MP_TARGET_READWRITE, out, err);
}

bool mp_target_missing(const struct mp_target *t)
{
    return t->missing;
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
    free(t->table_name);
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
    /* only outside quotes: a '$1' inside a quoted identifier (a tracking
     * table named "my$1table") or a string is text, not a parameter */
    char quote = 0;
    for (char *c = b.s; c && *c; c++) {
        if (quote) {
            if (*c == quote)
                quote = 0; /* a doubled quote closes and reopens: same state */
        } else if (*c == '"' || *c == '\'' || *c == '`') {
            quote = *c;
        } else if (*c == '$' && c[1] >= '1' && c[1] <= '9') {
            *c = '?';
        }
    }
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
