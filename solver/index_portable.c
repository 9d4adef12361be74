/* index_portable.c - an index definition as SQLite keeps it: the options
 * only PostgreSQL has are turned into what SQLite builds, or refused when
 * they change what rows the table accepts (index_def.h). */
#include "index_def.h"

bool mp_index_pg_only(const struct mp_index *x)
{
    if (x->method || x->include.n || x->nulls_not_distinct)
        return true;
    for (size_t i = 0; x->keys && i < x->cols.n; i++)
        if (x->keys[i].nulls || x->keys[i].opclass)
            return true;
    return false;
}

void mp_index_project(struct mp_index *x, enum mp_dialect d)
{
    /* SQLite "CREATE INDEX": indexed-column is an expression with COLLATE
     * and ASC / DESC only, every index is a B-tree, and there is no
     * INCLUDE.  The access method (USING), the operator class, NULLS
     * FIRST / LAST and the INCLUDE columns choose how PostgreSQL stores and
     * scans the index, not which rows the table accepts: SQLite builds the
     * same keys as a plain B-tree.  NULLS NOT DISTINCT is kept, so that
     * mp_index_sqlite_refusal() refuses it. */
    if (d != MP_SQLITE)
        return;
    x->method = NULL;
    x->include.n = 0;
    for (size_t i = 0; x->keys && i < x->cols.n; i++) {
        x->keys[i].nulls = MP_NULLS_DEFAULT;
        x->keys[i].opclass = NULL;
    }
    mp_index_tidy(x);
}

const char *mp_index_sqlite_refusal(const struct mp_index *x)
{
    /* SQLite "CREATE INDEX" 1.2: a unique index treats NULLs as distinct,
     * always; PostgreSQL 15's NULLS NOT DISTINCT refuses a second row of
     * NULLs.  Turning it into a plain unique index would accept rows the
     * PostgreSQL key refuses. */
    if (x->unique && x->nulls_not_distinct)
        return "NULLS NOT DISTINCT is PostgreSQL's only: a SQLite unique index treats NULLs as distinct, so the key "
               "cannot be kept";
    return NULL;
}
