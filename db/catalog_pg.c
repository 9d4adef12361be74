/* catalog_pg.c - the PostgreSQL catalog reader: the current schema into
 * the model through pg_catalog in one round trip (PostgreSQL manual,
 * chapter 53 "System Catalogs"; pg_catalog is 5-8 times faster than
 * information_schema and has the index details: PERFORMANCE.md, lesson 6). */
#include "backend.h"
#include "dberror.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Three result sets in one round trip: columns, constraints (one row per
 * key column), and indexes that back no constraint (one row per column). */
static const char *const introspect_sql =
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "       pg_get_expr(d.adbin, d.adrelid) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') "
    "ORDER BY c.relname, a.attnum;"
    "SELECT c.relname, k.conname, k.contype, u.ord, a.attname, rc.relname, ra.attname, k.confdeltype "
    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, fattnum, ord) "
    "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum "
    "LEFT JOIN pg_class rc ON rc.oid = k.confrelid "
    "LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.fattnum "
    "WHERE n.nspname = current_schema() AND k.contype IN ('p','u','f') "
    "ORDER BY c.relname, k.contype, k.conname, u.ord;"
    "SELECT c.relname, i.relname, x.indisunique, u.ord, a.attname "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS u(attnum, ord) "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum "
    "WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
    "  WHERE k.conindid = x.indexrelid AND k.contype IN ('p','u','x')) "
    "ORDER BY c.relname, i.relname, u.ord;";

static enum mp_fk_action action(char c)
{
    switch (c) {
    case 'r': return MP_FK_RESTRICT;
    case 'c': return MP_FK_CASCADE;
    case 'n': return MP_FK_SET_NULL;
    case 'd': return MP_FK_SET_DEFAULT;
    default: return MP_FK_NO_ACTION;
    }
}

static const char *val(struct mp_arena *a, PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : mp_arena_strdup(a, PQgetvalue(r, row, col));
}

static void push(struct mp_arena *a, struct mp_names *n, const char *v)
{
    size_t cap = n->n; /* arrays here are rebuilt on every push: lists are short */
    const char **nv = mp_arena_alloc(a, (cap + 1) * sizeof *nv);
    if (n->n)
        memcpy(nv, n->v, n->n * sizeof *nv);
    nv[n->n++] = v;
    n->v = nv;
}

int mp_introspect_pg(void *pgconn, struct mp_arena *a, struct mp_schema **out, struct mp_error *err)
{
    struct {
        PGconn *conn;
    } pp = {pgconn}, *p = &pp;
    if (!PQsendQuery(p->conn, introspect_sql))
        return mp_pg_error(p->conn, NULL, err);
    PGresult *res[3] = {0};
    PGresult *r;
    int n = 0, rc = 0;
    while ((r = PQgetResult(p->conn))) {
        if (PQresultStatus(r) != PGRES_TUPLES_OK && !rc)
            rc = mp_pg_error(p->conn, r, err);
        if (n < 3)
            res[n++] = r;
        else
            PQclear(r);
    }
    if (!rc && n != 3)
        rc = mp_error_set(err, MP_EDB, "introspection returned %d result sets", n);
    struct mp_schema *s = mp_schema_new(a);
    struct mp_table *t = NULL;
    for (int i = 0; !rc && i < PQntuples(res[0]); i++) {
        const char *tn = PQgetvalue(res[0], i, 0);
        if (!t || strcmp(t->name, tn) != 0)
            t = mp_schema_add_table(a, s, tn);
        struct mp_column *c = mp_table_add_column(a, t, PQgetvalue(res[0], i, 1),
                                                  mp_type_from_sql(a, MP_POSTGRES, PQgetvalue(res[0], i, 2)));
        c->not_null = PQgetvalue(res[0], i, 3)[0] == 't';
        c->default_sql = val(a, res[0], i, 4);
    }
    /* constraints: rows grouped by (table, type, name), ordered by key position */
    const char *last_t = NULL, *last_k = NULL;
    struct mp_names *cols = NULL, *ref_cols = NULL;
    for (int i = 0; !rc && i < PQntuples(res[1]); i++) {
        const char *tn = PQgetvalue(res[1], i, 0), *kn = PQgetvalue(res[1], i, 1);
        char type = PQgetvalue(res[1], i, 2)[0];
        if (!last_t || strcmp(last_t, tn) != 0 || strcmp(last_k, kn) != 0) {
            last_t = tn;
            last_k = kn;
            t = mp_schema_table(s, MP_POSTGRES, tn);
            if (!t)
                continue;
            ref_cols = NULL;
            if (type == 'p') {
                t->pk_name = mp_arena_strdup(a, kn);
                t->pk.n = 0;
                cols = &t->pk;
            } else if (type == 'u') {
                struct mp_unique *u = mp_table_add_unique(a, t);
                u->name = mp_arena_strdup(a, kn);
                cols = &u->cols;
            } else {
                struct mp_fk *f = mp_table_add_fk(a, t);
                f->name = mp_arena_strdup(a, kn);
                f->ref_table = val(a, res[1], i, 5);
                f->on_delete = action(PQgetvalue(res[1], i, 7)[0]);
                cols = &f->cols;
                ref_cols = &f->ref_cols;
            }
        }
        if (!t)
            continue;
        push(a, cols, mp_arena_strdup(a, PQgetvalue(res[1], i, 4)));
        if (ref_cols)
            push(a, ref_cols, val(a, res[1], i, 6));
    }
    last_t = last_k = NULL;
    for (int i = 0; !rc && i < PQntuples(res[2]); i++) {
        const char *tn = PQgetvalue(res[2], i, 0), *xn = PQgetvalue(res[2], i, 1);
        if (!last_t || strcmp(last_t, tn) != 0 || strcmp(last_k, xn) != 0) {
            last_t = tn;
            last_k = xn;
            t = mp_schema_table(s, MP_POSTGRES, tn);
            if (!t)
                continue;
            struct mp_index *x = mp_table_add_index(a, t);
            x->name = mp_arena_strdup(a, xn);
            x->unique = PQgetvalue(res[2], i, 2)[0] == 't';
            cols = &x->cols;
        }
        if (t)
            push(a, cols, mp_arena_strdup(a, PQgetvalue(res[2], i, 4)));
    }
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    if (rc)
        return rc;
    *out = s;
    return 0;
}

