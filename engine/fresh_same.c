/* fresh_same.c - a SQLite database's schema as text, so that a fresh
 * database whose schema is the trial's own shares the trial's read-back
 * instead of being introspected again (fresh.c). */
#include "engine_int.h"

#include <sqlite3.h>
#include <string.h>

/* One field, length first: no text can run into the next. */
static void put_field(struct mp_buf *b, const unsigned char *v)
{
    if (!v) {
        mp_buf_add(b, "-;");
        return;
    }
    mp_buf_printf(b, "%zu:", strlen((const char *)v));
    mp_buf_add(b, (const char *)v);
}

const char *mp_sqlite_schema_text(void *conn, struct mp_arena *a)
{
    sqlite3 *db = conn;
    sqlite3_stmt *st = NULL;
    /* migprop's bookkeeping tables and their automatic indexes aside, as
     * every read-back leaves them out (db/backend.c) */
    if (sqlite3_prepare_v2(db,
                           "SELECT type, name, tbl_name, sql FROM sqlite_schema "
                           "WHERE tbl_name NOT IN ('_mp_migrations', '_mp_runs') ORDER BY type, name",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    struct mp_buf b = {0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        for (int i = 0; i < 4; i++)
            put_field(&b, sqlite3_column_text(st, i));
    sqlite3_finalize(st);
    const char *text = rc == SQLITE_DONE ? mp_arena_strdup(a, mp_buf_str(&b)) : NULL;
    mp_buf_free(&b);
    return text;
}

bool mp_trial_schema_unchanged(struct mp_trial *t, void *conn)
{
    if (!t->sqlite_got_text)
        return false;
    const char *now = mp_sqlite_schema_text(conn, t->a);
    return now && strcmp(now, t->sqlite_got_text) == 0;
}
