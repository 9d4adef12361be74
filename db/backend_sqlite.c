/* backend_sqlite.c - SQLite backend: a new in-memory database per trial,
 * PRAGMA foreign_keys=ON; its catalog reader is catalog_sqlite.c. */
#include "backend.h"
#include "dberror.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqlite_backend {
    struct mp_backend base;
    sqlite3 *db;
    unsigned long step_limit; /* in 1000-step units, 0: none */
    unsigned long steps_left;
};

static int sl_progress(void *payload)
{
    struct sqlite_backend *s = payload;
    if (s->steps_left == 0)
        return 1;
    s->steps_left--;
    return 0;
}

static int sl_begin(struct mp_backend *b, struct mp_error *err)
{
    struct sqlite_backend *s = (struct sqlite_backend *)b;
    int rc = sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    /* no double-quoted string literals: "col" must name a column, or a
     * CREATE INDEX on a missing column silently indexes a constant
     * (SQLite "Quirks" 8) */
    if (rc == SQLITE_OK) {
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
        sqlite3_db_config(s->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
        /* a trial database is a scratch database in memory: ATTACH (and
         * VACUUM INTO, which attaches) would open or create a file beside
         * it, which no trial, and no read-only command loading a user's DDL
         * (plan --from FILE), may do ("Run-Time Limits", LIMIT_ATTACHED) */
        sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 0);
        if (s->step_limit) {
            s->steps_left = s->step_limit;
            sqlite3_progress_handler(s->db, 1000, sl_progress, s);
        }
    }
    if (rc != SQLITE_OK) {
        mp_sqlite_error(s->db, rc, err);
        sqlite3_close(s->db);
        s->db = NULL;
        return MP_EDB;
    }
    return b->impl->exec(b, "PRAGMA foreign_keys=ON;", err);
}

static int sl_exec(struct mp_backend *b, const char *sql, struct mp_error *err)
{
    struct sqlite_backend *s = (struct sqlite_backend *)b;
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK)
            return mp_sqlite_error(s->db, rc, err);
        if (!st)
            continue; /* whitespace or a comment */
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        if (rc != SQLITE_DONE) {
            mp_sqlite_error(s->db, rc, err);
            sqlite3_finalize(st);
            return MP_EDB;
        }
        sqlite3_finalize(st);
    }
    return 0;
}

static long sl_query_rows(struct mp_backend *b, const char *sql, struct mp_buf *out,
                          struct mp_error *err)
{
    struct sqlite_backend *s = (struct sqlite_backend *)b;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return mp_sqlite_error(s->db, rc, err);
    long n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        mp_buf_add(out, v ? (const char *)v : "NULL");
        mp_buf_addc(out, '\n');
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mp_sqlite_error(s->db, rc, err);
    return n;
}

static int sl_introspect(struct mp_backend *b, struct mp_arena *a, struct mp_schema **out,
                         struct mp_error *err)
{
    return mp_introspect_sqlite(((struct sqlite_backend *)b)->db, a, out, err);
}

static void sl_end(struct mp_backend *b)
{
    struct sqlite_backend *s = (struct sqlite_backend *)b;
    sqlite3_close(s->db);
    s->db = NULL;
}

static void sl_close(struct mp_backend *b)
{
    sl_end(b);
    free(b);
}

static void *sl_conn(struct mp_backend *b)
{
    return ((struct sqlite_backend *)b)->db;
}

static const struct mp_backend_impl sqlite_impl = {
    sl_begin, sl_exec, sl_query_rows, sl_introspect, sl_end, sl_close, sl_conn,
};

int mp_backend_sqlite_open(const struct mp_backend_config *cfg, struct mp_backend **out,
                           struct mp_error *err)
{
    (void)err;
    /* Before the library's first use in the process (later calls are
     * refused with SQLITE_MISUSE and change nothing): no memory statistics
     * (a mutex and two counters on every allocation; migprop reads none)
     * and a larger lookaside per connection (256-byte slots, 500 of them:
     * the parser's many small objects come from it instead of malloc;
     * Debian's build has none, SQLITE_OMIT_LOOKASIDE, and there the call
     * changes nothing: see MIGPROP_TCMALLOC); and no mutexes, as migprop runs
     * one thread per process ("Configuration Options",
     * SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_LOOKASIDE,
     * SQLITE_CONFIG_SINGLETHREAD). */
    sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 256, 500);
    struct sqlite_backend *s = calloc(1, sizeof *s);
    if (!s)
        mp_oom();
    s->step_limit = cfg ? (cfg->step_limit + 999) / 1000 : 0;
    s->base.impl = &sqlite_impl;
    s->base.dialect = MP_SQLITE;
    *out = &s->base;
    return 0;
}
