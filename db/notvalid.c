/* notvalid.c - NOT VALID constraints from pg_constraint (notvalid.h). */
#include "notvalid.h"

#include <libpq-fe.h>

int mp_pg_not_valid(void *pgconn, struct mp_arena *a, const char ***out, size_t *n, struct mp_error *err)
{
    /* pg_constraint.convalidated: "Has the constraint been validated?
     * Currently, can be false only for foreign keys and CHECK constraints"
     * (PostgreSQL documentation, "pg_constraint") */
    static const char q[] =
        "SELECT c.relname || '.' || k.conname FROM pg_catalog.pg_constraint k "
        "JOIN pg_catalog.pg_class c ON c.oid = k.conrelid "
        "WHERE NOT k.convalidated AND c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace "
        "WHERE nspname = pg_catalog.current_schema()) ORDER BY 1";
    *out = NULL;
    *n = 0;
    PGresult *r = PQexec(pgconn, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        int rc = mp_error_set(err, MP_EDB, "reading NOT VALID constraints: %s", PQerrorMessage(pgconn));
        PQclear(r);
        return rc;
    }
    int rows = PQntuples(r);
    const char **v = mp_arena_alloc(a, ((size_t)rows + 1) * sizeof *v);
    for (int i = 0; i < rows; i++)
        v[i] = mp_arena_strdup(a, PQgetvalue(r, i, 0));
    PQclear(r);
    *out = v;
    *n = (size_t)rows;
    return 0;
}
