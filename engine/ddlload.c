/* ddlload.c - a DDL file loaded into a scratch database, its schema read back (ddlload.h). */
#include "ddlload.h"

#include <stdlib.h>

#include "casefile.h"
#include "executor.h"

int mp_schema_load_file(struct mp_backend *b, struct mp_arena *a, const char *path, struct mp_schema **out,
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
