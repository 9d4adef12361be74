/* plan_objects.c - the planner's dependency events of schema-level
 * objects: a view, trigger or function is dropped before anything it uses
 * is dropped, renamed or changed, and created after (the order pg_dump
 * restores in: tables, then functions, views and triggers). */
#include "plan_int.h"

#include <string.h>

/* "view "v"": the object's key and its name in the comments. */
static const char *obj_key(struct plan_ctx *x, const struct mp_object *o)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "%s ", mp_object_kind_name(o->kind));
    mp_buf_ident(&b, o->name);
    if (o->args)
        mp_buf_printf(&b, "(%s)", o->args);
    if (o->kind == MP_OBJ_TRIGGER && o->table) {
        mp_buf_add(&b, " on ");
        mp_buf_ident(&b, o->table);
    }
    const char *k = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return k;
}

/* True when `name` is, under the dialect's rules, the name of table
 * identity t in the start (final=false) or desired vocabulary. */
static bool tab_named(struct plan_ctx *x, long t, const char *name, bool final)
{
    const char *n = final ? x->tabs[t].final : x->tabs[t].start;
    return n && mp_name_eq(x->d, n, name);
}

/* Is `name` mentioned as a word of `sql`?  The same scan mp_object_uses()
 * does for an object without known dependencies. */
static bool mentions(struct plan_ctx *x, const struct mp_object *o, const char *name)
{
    struct mp_object probe = *o;
    probe.table = NULL;
    probe.ndeps = 0;
    struct mp_schema one = {0};
    struct mp_table t = {.name = name};
    struct mp_table *tp = &t;
    one.tables = &tp;
    one.ntables = 1;
    return mp_object_uses(&one, x->d, &probe, name, NULL);
}

void mp_plan_object_events(struct plan_ctx *x, long ni)
{
    struct plan_node *n = &x->nodes[ni];
    const struct mp_object *o = n->op->object;
    bool create = n->kind == MP_OP_CREATE_OBJECT;
    const char *key = obj_key(x, o);
    mp_plan_ev(x, ni, create ? ACQ : REL, K_OBJ, 0, 0, key);
    mp_plan_ev(x, ni, create ? MAKE : KILL, K_OBJ, 0, 0, key);
    if (mp_object_kind_is_relation(o->kind))
        mp_plan_ev(x, ni, create ? ACQ : REL, K_REL, 0, 0, o->name);
    /* SQLite's trigger names are one namespace for the schema ("CREATE
     * TRIGGER": a trigger of that name exists), whatever their tables */
    if (o->kind == MP_OBJ_TRIGGER && x->d == MP_SQLITE)
        mp_plan_ev(x, ni, create ? ACQ : REL, K_OBJ, 0, 0, mp_arena_printf(x->a, "trigger name %s", o->name));
    enum role use = create ? NEED : USE;
    /* tables: its own (a trigger's), those it reads (known dependencies, or
     * every table whose name its statement mentions) */
    for (size_t t = 0; t < x->ntabs; t++) {
        const char *tn = create ? x->tabs[t].final : x->tabs[t].start;
        if (!tn)
            continue;
        bool used = o->table && mp_name_eq(x->d, o->table, tn);
        for (size_t i = 0; i < o->ndeps && !used; i++)
            used = tab_named(x, (long)t, o->deps[i].table, create);
        if (!used && !o->ndeps)
            used = mentions(x, o, tn);
        if (!used)
            continue;
        mp_plan_ev(x, ni, use, K_TABLE, (long)t, 0, NULL);
        mp_plan_ev(x, ni, use, K_SHAPE, (long)t, 0, NULL);
        for (size_t i = 0; i < o->ndeps; i++) {
            if (!o->deps[i].column || !tab_named(x, (long)t, o->deps[i].table, create))
                continue;
            long c = create ? mp_plan_col_final(x, (long)t, o->deps[i].column)
                            : mp_plan_col_start(x, (long)t, o->deps[i].column);
            if (c >= 0)
                mp_plan_ev(x, ni, use, K_COL, (long)t, c, NULL);
        }
    }
    /* other objects of the plan on the same side that it reads or calls */
    for (size_t j = 0; j < x->nnodes; j++) {
        const struct plan_node *m = &x->nodes[j];
        if ((long)j == ni || m->kind != n->kind || !m->op || !m->op->object)
            continue;
        if (mp_object_refers(x->d, o, m->op->object))
            mp_plan_ev(x, ni, use, K_OBJ, 0, 0, obj_key(x, m->op->object));
    }
}

void mp_plan_shape_events(struct plan_ctx *x, long ni)
{
    const struct plan_node *n = &x->nodes[ni];
    if (n->t < 0 || n->kind == MP_OP_ADD_INDEX || n->kind == MP_OP_DROP_INDEX || n->kind == MP_OP_RENAME_INDEX)
        return;
    mp_plan_ev(x, ni, KILL, K_SHAPE, n->t, 0, NULL);
    mp_plan_ev(x, ni, MAKE, K_SHAPE, n->t, 0, NULL);
}
