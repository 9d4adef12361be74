/* catalog_pg_type.c - enum types and domains from pg_type, pg_enum and
 * pg_constraint (catalog_pg_type.h; PostgreSQL manual chapter 53, "pg_type",
 * "pg_enum", "pg_constraint"). */
#include "catalog_pg_type.h"

#include "sqlexpr.h"

#include <string.h>

/* not a type an extension made */
#define MP_PG_NOT_EXTENSION_TYPE \
    "NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.classid = 'pg_type'::regclass AND dp.objid = t.oid " \
    "AND dp.deptype = 'e')"

const char mp_pg_type_queries[] =
    "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
    "LEFT JOIN pg_enum e ON e.enumtypid = t.oid "
    "WHERE n.nspname = current_schema() AND t.typtype = 'e' AND " MP_PG_NOT_EXTENSION_TYPE " "
    "ORDER BY t.typname, e.enumsortorder;"
    "SELECT t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull, "
    "       coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault), "
    "       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN "
    "         (SELECT collname FROM pg_collation WHERE oid = t.typcollation) END "
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype "
    "WHERE n.nspname = current_schema() AND t.typtype = 'd' AND " MP_PG_NOT_EXTENSION_TYPE " ORDER BY 1;"
    "SELECT t.typname, k.conname, pg_get_expr(k.conbin, 0), k.convalidated "
    "FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid JOIN pg_namespace n ON n.oid = t.typnamespace "
    "WHERE n.nspname = current_schema() AND k.contype = 'c' AND " MP_PG_NOT_EXTENSION_TYPE " ORDER BY 1, 2;";

static const char *val(struct mp_arena *a, PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : mp_arena_strdup(a, PQgetvalue(r, row, col));
}

void mp_pg_read_types(struct mp_arena *a, struct mp_schema *s, PGresult *enums, PGresult *domains,
                      PGresult *checks)
{
    struct mp_utype *u = NULL;
    for (int i = 0; i < PQntuples(enums); i++) {
        const char *name = PQgetvalue(enums, i, 0);
        if (!u || strcmp(u->name, name) != 0) {
            struct mp_utype e = {.kind = MP_UTYPE_ENUM, .name = name};
            u = mp_schema_put_utype(a, s, &e);
        }
        if (PQgetisnull(enums, i, 1))
            continue;
        const char **v = mp_arena_alloc(a, (u->labels.n + 1) * sizeof *v);
        if (u->labels.n)
            memcpy(v, u->labels.v, u->labels.n * sizeof *v);
        v[u->labels.n++] = mp_arena_strdup(a, PQgetvalue(enums, i, 1));
        u->labels.v = v;
    }
    for (int i = 0; i < PQntuples(domains); i++) {
        struct mp_utype dm = {.kind = MP_UTYPE_DOMAIN, .name = PQgetvalue(domains, i, 0)};
        dm.base = mp_type_from_sql(a, MP_POSTGRES, PQgetvalue(domains, i, 1));
        dm.not_null = PQgetvalue(domains, i, 2)[0] == 't';
        dm.default_sql = val(a, domains, i, 3);
        dm.collation = val(a, domains, i, 4);
        mp_schema_put_utype(a, s, &dm);
    }
    for (int i = 0; i < PQntuples(checks); i++) {
        u = mp_schema_utype(s, MP_POSTGRES, PQgetvalue(checks, i, 0));
        if (!u || u->kind != MP_UTYPE_DOMAIN)
            continue;
        struct mp_check *k = MP_PUSH(a, u->checks, u->nchecks, u->capchecks);
        k->name = mp_arena_strdup(a, PQgetvalue(checks, i, 1));
        k->expr = mp_expr_norm(a, PQgetvalue(checks, i, 2));
        k->not_valid = PQgetvalue(checks, i, 3)[0] != 't';
    }
}
