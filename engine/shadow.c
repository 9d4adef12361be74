/* shadow.c - schemas read back from scratch databases (see shadow.h). */
#include "shadow.h"

#include <stdlib.h>

#include "buf.h"

#include "engine.h"
#include "executor.h"

int mp_shadow_load_ddl(struct mp_backend *b, struct mp_arena *a, const char *path, struct mp_schema **out,
                       struct mp_error *err)
{
    char *sql = mp_read_text(path, err);
    if (!sql)
        return MP_EIO;
    int rc = mp_backend_begin(b, err);
    if (!rc) {
        struct mp_target *t = mp_target_wrap(mp_backend_dialect(b), mp_backend_conn(b), true);
        rc = mp_target_exec(t, path, 1, sql, err);
        mp_target_close(t);
        if (!rc)
            rc = mp_backend_introspect(b, a, out, err);
        mp_backend_end(b);
    }
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
