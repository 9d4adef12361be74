/* statement.c - running a migration section on a target: its SQL through
 * the database's own statement splitting (or one statement at a time), or
 * its code callback; the failing statement's line (see runner_int.h). */
#include "runner_int.h"

#include <stdlib.h>
#include <string.h>

#include "os.h"
#include "sqlscan.h"

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
        char *piece = mp_xstrndup(sql, n);
        struct mp_migsql one = *sec;
        one.sql = piece;
        rc = run_sql(t, &one, true, err);
        free(piece);
        sql += n;
    }
    return rc;
}

/* SQLite: statement after statement through sqlite3_prepare_v2's tail. */
static int run_sqlite(struct mp_target *t, const char *sql, const char *path, long base, struct mp_error *err)
{
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
            mp_error_set(err, MP_EDB, "%s:%ld: %s", path, t->fail_line, sqlite3_errmsg(t->lite));
            snprintf(err->sqlstate, sizeof err->sqlstate, "%d", sqlite3_extended_errcode(t->lite) & 0xff);
            sqlite3_finalize(st);
            return MP_EDB;
        }
        sqlite3_finalize(st);
        p = tail;
    }
    return 0;
}

/* The PostgreSQL error of result `r` for the statement at `line`. */
static int pg_fail(struct mp_target *t, PGresult *r, const char *path, long line, struct mp_error *err)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (!m)
        m = PQerrorMessage(t->pg);
    t->fail_line = line;
    int rc = mp_error_set(err, MP_EDB, "%s:%ld: %.*s", path, t->fail_line, (int)strcspn(m, "\n"), m);
    const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", ss ? ss : "");
    return rc;
}

static int run_sql(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    if (t->fault == MP_FAULT_SPLIT_SEMICOLON && !alone)
        return run_split(t, sec, err);
    if (t->d == MP_SQLITE)
        return run_sqlite(t, sql, path, base, err);
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    int rc = 0;
    if (alone) {
        /* one statement per query string: PostgreSQL refuses CREATE INDEX
         * CONCURRENTLY and the like inside a multi-statement one */
        for (long i = 0; i < ns && !rc; i++) {
            char *one = mp_xstrndup(sql + sv[i].start, sv[i].end - sv[i].start);
            PGresult *r = PQexec(t->pg, one);
            ExecStatusType st = PQresultStatus(r);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
                rc = pg_fail(t, r, path, base + sv[i].line - 1, err);
            PQclear(r);
            free(one);
        }
        goto out;
    }
    if (!PQsendQuery(t->pg, sql)) {
        rc = mp_target_db_error(t, err, path, NULL);
        goto out;
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
            /* the statement the server names, else the first not done */
            const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
            long line = done < ns ? sv[done].line : mp_sql_line_of(sql, strlen(sql));
            if (pos)
                line = mp_sql_line_of(sql, char_to_byte(sql, atol(pos)));
            rc = pg_fail(t, r, path, base + line - 1, err);
        }
        PQclear(r);
    }
out:
    free(sv);
    return rc;
}

int mp_target_run_section(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err)
{
    if (sec->fn)
        return sec->fn(t, sec->fn_payload, err);
    return run_sql(t, sec, alone, err);
}

int mp_target_exec(struct mp_target *t, const char *path, long line, const char *sql, struct mp_error *err)
{
    struct mp_migsql sec = {.path = path, .sql = sql, .line = line};
    return run_sql(t, &sec, false, err);
}
