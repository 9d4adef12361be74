/* backend.c - dispatch of the backend interface. */
#include "backend.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int mp_backend_open(enum mp_dialect d, const struct mp_backend_config *cfg,
                    struct mp_backend **out, struct mp_error *err)
{
    static const struct mp_backend_config none = {0};
    if (!cfg)
        cfg = &none;
    return d == MP_POSTGRES ? mp_backend_pg_open(cfg, out, err) : mp_backend_sqlite_open(cfg, out, err);
}

void mp_backend_close(struct mp_backend *b)
{
    if (b)
        b->impl->close(b);
}

enum mp_dialect mp_backend_dialect(const struct mp_backend *b)
{
    return b->dialect;
}

int mp_backend_begin(struct mp_backend *b, struct mp_error *err)
{
    return b->impl->begin(b, err);
}

int mp_backend_exec(struct mp_backend *b, const char *sql, struct mp_error *err)
{
    return b->impl->exec(b, sql, err);
}

long mp_backend_query_rows(struct mp_backend *b, const char *sql, struct mp_buf *out,
                           struct mp_error *err)
{
    return b->impl->query_rows(b, sql, out, err);
}

/* Leave out migprop's own bookkeeping tables (the trials' tracking table
 * and run counter) and the ignored ones.  Temporary names of a rename
 * cycle (_mp_tmp_N) are real tables between two migrations and stay. */
static void drop_ignored(struct mp_schema *s, const char *const *ignore)
{
    for (size_t i = s->ntables; i-- > 0;) {
        const char *n = s->tables[i]->name;
        bool drop = strcmp(n, "_mp_migrations") == 0 || strcmp(n, "_mp_runs") == 0;
        for (size_t k = 0; ignore && ignore[k] && !drop; k++)
            drop = strcmp(ignore[k], n) == 0;
        if (drop) {
            mp_schema_forget_unmodelled(s, n);
            mp_schema_remove_table(s, i);
        }
    }
}

int mp_backend_introspect(struct mp_backend *b, struct mp_arena *a, struct mp_schema **out,
                          struct mp_error *err)
{
    int rc = b->impl->introspect(b, a, out, err);
    if (!rc)
        drop_ignored(*out, NULL);
    return rc;
}

int mp_introspect_conn(enum mp_dialect d, void *conn, const char *const *ignore, struct mp_arena *a,
                       struct mp_schema **out, struct mp_error *err)
{
    int rc = d == MP_POSTGRES ? mp_introspect_pg(conn, a, out, err) : mp_introspect_sqlite(conn, a, out, err);
    if (!rc)
        drop_ignored(*out, ignore);
    return rc;
}

void *mp_backend_conn(struct mp_backend *b)
{
    return b->impl->conn(b);
}

void mp_backend_end(struct mp_backend *b)
{
    b->impl->end(b);
}

const char *mp_process_token(void)
{
    static char token[17];
    static pid_t owner;
    if (owner != getpid()) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (uint32_t)(uintptr_t)&r;
        snprintf(token, sizeof token, "%08lx%08lx", (unsigned long)getpid() & 0xffffffffUL, (unsigned long)r);
        owner = getpid();
    }
    return token;
}
