/* shadow.c - schemas read back from scratch databases (see shadow.h). */
#include "shadow.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sqlscan.h"

#include "engine.h"
#include "executor.h"

/* Blank out, in place (spaces, newlines kept so line numbers hold), what a
 * database's own dump holds that is no DDL to run: psql meta-commands at the
 * start of a line (pg_dump 15.14+/17.6+ writes \\restrict KEY and
 * \\unrestrict KEY), and in SQLite `.schema` output the internal tables
 * (CREATE TABLE sqlite_sequence / sqlite_stat*: "object name reserved for
 * internal use").  Each skip is noted on stderr. */
static void strip_dump(enum mp_dialect d, const char *path, char *sql)
{
    size_t len = strlen(sql);
    for (char *p = sql; *p;) {
        char *nl = strchr(p, '\n');
        char *e = nl ? nl : p + strlen(p);
        if (*p == '\\') {
            fprintf(stderr, "migprop: %s:%ld: skipped psql meta-command %.*s\n", path, mp_sql_line_of(sql, (size_t)(p - sql)),
                    (int)strcspn(p, " \t\n"), p);
            memset(p, ' ', (size_t)(e - p));
        }
        p = nl ? nl + 1 : e;
    }
    if (d != MP_SQLITE)
        return;
    struct mp_sql_stmt *st = NULL;
    long n = mp_sql_statements(sql, len, &st);
    for (long i = 0; i < n; i++) {
        char *p = sql + st[i].start;
        while (isspace((unsigned char)*p))
            p++;
        static const char create[] = "CREATE TABLE ";
        if (strncasecmp(p, create, sizeof create - 1) != 0)
            continue;
        const char *q = p + sizeof create - 1;
        while (isspace((unsigned char)*q))
            q++;
        if (*q == '"' || *q == '`' || *q == '[')
            q++;
        if (strncasecmp(q, "sqlite_sequence", 15) != 0 && strncasecmp(q, "sqlite_stat", 11) != 0)
            continue;
        fprintf(stderr, "migprop: %s:%ld: skipped SQLite's internal table %.*s\n", path, st[i].line,
                (int)strcspn(q, " \t\n(\"`]"), q);
        for (char *c = p; c < sql + st[i].end; c++)
            if (*c != '\n')
                *c = ' ';
    }
    free(st);
}

/* True when the PostgreSQL reader found relations the DDL created outside
 * the scratch schema (catalog_pg.c: "... created outside the schema being
 * read"): DDL that names its schema, as pg_dump's does. */
static bool names_other_schema(const struct mp_schema *s)
{
    for (size_t i = 0; i < s->nunmodelled; i++)
        if (strstr(s->unmodelled[i].what, ": created outside the schema being read") ||
            strncmp(s->unmodelled[i].what, "no schema: ", 11) == 0)
            return true;
    return false;
}

/* Load `sql` into a scratch database "mp_ddl_<token>" created on b's
 * server (the trial role has CREATEDB) and read back its schema `public`
 * from a fresh session (the DDL may have emptied its own search_path); the
 * database is dropped afterwards.  For DDL that names schema public. */
static int load_in_database(struct mp_backend *b, struct mp_arena *a, const char *path, const char *sql,
                            struct mp_schema **out, struct mp_error *err)
{
    struct mp_target *adm = NULL, *t = NULL;
    struct mp_buf name = {0}, q = {0};
    bool created = false;
    const char *raw = mp_arena_printf(a, "mp_ddl_%s", mp_process_token());
    mp_buf_ident(&name, raw);
    int rc = mp_target_open(b->conninfo, &adm, err);
    if (rc)
        goto out;
    mp_buf_printf(&q, "CREATE DATABASE %s", mp_buf_str(&name));
    if ((rc = mp_target_exec(adm, "(scratch database)", 1, mp_buf_str(&q), err)))
        goto out;
    created = true;
    /* libpq: a later dbname keyword overrides, in a URI as a query parameter */
    const char *ci = b->conninfo;
    const char *url = strncmp(ci, "postgres://", 11) == 0 || strncmp(ci, "postgresql://", 13) == 0
                          ? mp_arena_printf(a, "%s%sdbname=%s", ci, strchr(ci, '?') ? "&" : "?", raw)
                          : mp_arena_printf(a, "%s dbname=%s", ci, raw);
    if ((rc = mp_target_open(url, &t, err)))
        goto out;
    rc = mp_target_exec(t, path, 1, sql, err);
    mp_target_close(t);
    t = NULL;
    if (rc)
        goto out;
    if ((rc = mp_target_open(url, &t, err)))
        goto out;
    rc = mp_introspect_conn(MP_POSTGRES, mp_target_conn(t), NULL, a, out, err);
out:
    mp_target_close(t);
    if (created) {
        struct mp_error e2 = {0};
        mp_buf_reset(&q);
        mp_buf_printf(&q, "DROP DATABASE %s", mp_buf_str(&name));
        if (mp_target_exec(adm, "(scratch database)", 1, mp_buf_str(&q), &e2) && !rc)
            rc = mp_error_set(err, MP_EDB, "dropping the scratch database: %s", e2.msg);
    }
    mp_target_close(adm);
    mp_buf_free(&name);
    mp_buf_free(&q);
    return rc;
}

int mp_shadow_load_ddl(struct mp_backend *b, struct mp_arena *a, const char *path, struct mp_schema **out,
                       struct mp_error *err)
{
    char *sql = mp_read_text(path, err);
    if (!sql)
        return MP_EIO;
    strip_dump(mp_backend_dialect(b), path, sql);
    int rc = mp_backend_begin(b, err);
    if (!rc) {
        struct mp_target *t = mp_target_wrap(mp_backend_dialect(b), mp_backend_conn(b), true);
        rc = mp_target_exec(t, path, 1, sql, err);
        mp_target_close(t);
        if (!rc)
            rc = mp_backend_introspect(b, a, out, err);
        mp_backend_end(b);
    }
    /* DDL that names schema public (a pg_dump) built nothing in the scratch
     * schema: load it into a scratch database instead */
    if (!rc && mp_backend_dialect(b) == MP_POSTGRES && b->conninfo && names_other_schema(*out))
        rc = load_in_database(b, a, path, sql, out, err);
    free(sql);
    return rc;
}

/* The history runs on a connection of its own, outside any transaction of
 * ours, so migrations that opt out of the transaction (CREATE INDEX
 * CONCURRENTLY) run exactly as `migprop migrate up` runs them: SQLite in a
 * fresh in-memory database; PostgreSQL in a new schema named after this
 * process (mp_process_token()) on the backend's server, dropped afterwards. */
int mp_shadow_history(struct mp_backend *b, struct mp_arena *a, const struct mp_migset *set, struct mp_schema **out,
                      struct mp_error *err)
{
    bool pg = mp_backend_dialect(b) == MP_POSTGRES;
    struct mp_target *t = NULL;
    struct mp_buf schema = {0}, sql = {0};
    bool created = false;
    int rc = mp_target_open(pg ? b->conninfo : "sqlite::memory:", &t, err);
    if (rc)
        goto out;
    if (pg) {
        mp_buf_ident(&schema, mp_arena_printf(a, "mp_shadow_%s", mp_process_token()));
        mp_buf_printf(&sql, "CREATE SCHEMA %s", mp_buf_str(&schema));
        if ((rc = mp_target_exec(t, "(shadow schema)", 1, mp_buf_str(&sql), err)))
            goto out;
        created = true;
        if ((rc = mp_target_set_schema(t, mp_arena_printf(a, "mp_shadow_%s", mp_process_token()), err)))
            goto out;
    }
    struct mp_exec_config cfg = {0};
    struct mp_exec_report rep;
    if ((rc = mp_exec_up(t, set, &cfg, NULL, &rep, err)))
        goto out;
    rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), (const char *const[]){"migprop_migrations", NULL},
                            a, out, err);
out:
    if (created) {
        struct mp_error e2 = {0};
        mp_buf_reset(&sql);
        mp_buf_printf(&sql, "DROP SCHEMA %s CASCADE", mp_buf_str(&schema));
        if (mp_target_exec(t, "(shadow schema)", 1, mp_buf_str(&sql), &e2) && !rc)
            rc = mp_error_set(err, MP_EDB, "dropping the shadow schema: %s", e2.msg);
    }
    mp_target_close(t);
    mp_buf_free(&schema);
    mp_buf_free(&sql);
    return rc;
}
