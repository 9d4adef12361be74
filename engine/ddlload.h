/* ddlload.h - load a file of DDL into a scratch database and read its schema back. */
#ifndef MP_DDLLOAD_H
#define MP_DDLLOAD_H

#include "backend.h"

/* Run the SQL file at `path` (a schema.sql / structure.sql, pg_dump -s,
 * sqlite3 .schema) in a fresh trial database of `b`, whole, through the
 * database's own statement splitting, and read the resulting schema into
 * *out (memory from `a`).  The trial is ended either way.  MP_EIO naming
 * the path when it cannot be read; MP_EDB with "PATH:LINE: message". */
int mp_schema_load_file(struct mp_backend *b, struct mp_arena *a, const char *path, struct mp_schema **out,
                        struct mp_error *err);

#endif
