/* shadow.c - schemas read back from scratch databases (see shadow.h). */
#include "shadow.h"

#include <stdlib.h>

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

int mp_shadow_history(struct mp_backend *b, struct mp_arena *a, const struct mp_migset *set, struct mp_schema **out,
                      struct mp_error *err)
{
    int rc = mp_backend_begin(b, err);
    if (rc)
        return rc;
    struct mp_target *t = mp_target_wrap(mp_backend_dialect(b), mp_backend_conn(b), true);
    struct mp_exec_config cfg = {0};
    struct mp_exec_report rep;
    rc = mp_exec_up(t, set, &cfg, NULL, &rep, err);
    if (!rc)
        rc = mp_target_introspect(t, NULL, NULL, a, out, err);
    mp_target_close(t);
    mp_backend_end(b);
    return rc;
}
