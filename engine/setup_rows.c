/* setup_rows.c - the start rows as the database holds them after the setup
 * of a trial: the generated rows, and those the start schema's triggers
 * wrote while they went in (an audit table's), read back. */
#include "engine_int.h"
#include "dataread.h"

#include <string.h>

/* True when `o` is a trigger of dialect d, or a function one of them
 * executes (PostgreSQL: the body is the function's). */
static bool fires(const struct mp_schema *s, enum mp_dialect d, const struct mp_object *o, const char **own)
{
    if (!mp_object_in(o, d))
        return false;
    if (o->kind == MP_OBJ_TRIGGER) {
        *own = o->table;
        return true;
    }
    for (size_t i = 0; o->kind == MP_OBJ_FUNCTION && i < s->nobjects; i++) {
        const struct mp_object *t = &s->objects[i];
        if (t->kind == MP_OBJ_TRIGGER && mp_object_in(t, d) && mp_object_refers(d, t, o)) {
            *own = t->table;
            return true;
        }
    }
    return false;
}

int mp_setup_rows(struct mp_arena *a, enum mp_dialect d, void *conn, const struct mp_schema *start,
                  const struct mp_dataset *gen, const struct mp_dataset **out, struct mp_error *err)
{
    *out = gen;
    /* the tables a trigger writes to: what it (or its function) uses
     * beyond its own table */
    struct mp_schema *w = mp_schema_new(a);
    for (size_t i = 0; i < start->nobjects; i++) {
        const struct mp_object *o = &start->objects[i];
        const char *own = NULL;
        if (!fires(start, d, o, &own))
            continue;
        struct mp_objdep *deps = NULL;
        size_t n = mp_object_deps(a, start, d, o, &deps);
        for (size_t k = 0; k < n; k++) {
            const struct mp_table *t = mp_schema_table(start, d, deps[k].table);
            if (t && !(own && mp_name_eq(d, own, t->name)) && mp_schema_find_table(w, d, t->name) < 0)
                mp_schema_put_table(a, w, t);
        }
    }
    if (!w->ntables)
        return 0;
    struct mp_dataset got = {0};
    int rc = mp_data_read(a, d, conn, w, &got, err);
    if (rc)
        return rc;
    /* the generated rows, those tables' as read back */
    struct mp_dataset *ds = mp_arena_alloc(a, sizeof *ds);
    ds->v = mp_arena_alloc(a, (gen->n + got.n + 1) * sizeof *ds->v);
    for (size_t i = 0; i < gen->n; i++)
        if (mp_schema_find_table(w, d, gen->v[i].table) < 0)
            ds->v[ds->n++] = gen->v[i];
    for (size_t i = 0; i < got.n; i++)
        ds->v[ds->n++] = got.v[i];
    *out = ds;
    return 0;
}
