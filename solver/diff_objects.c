/* diff_objects.c - the schema-level objects' part of the diff: which views,
 * triggers, functions and extensions are dropped, created, or dropped and
 * re-created around a change of what they use. */
#include "diff.h"
#include "sql.h"

#include <stdlib.h>
#include <string.h>

/* The start table whose desired name is `desired_name`, or NULL. */
static const struct mp_table *start_of(const struct mp_schema *start, const struct mp_schema *desired,
                                       const struct mp_renames *h, enum mp_dialect d, const char *desired_name)
{
    for (size_t i = 0; i < start->ntables; i++) {
        const struct mp_table *dt = mp_diff_table_target(desired, h, d, start->tables[i]->name);
        if (dt && mp_name_eq(d, dt->name, desired_name))
            return start->tables[i];
    }
    return NULL;
}

/* True when table operation `op` of the change set changes what start
 * object `o` sees, so that `o` has to be dropped before it and created
 * again after it:
 *  - the table goes or is renamed (PostgreSQL refuses DROP TABLE under a
 *    view, "DROP TABLE": use CASCADE; a rename rewrites the view's text on
 *    both databases, which then no longer reads as the desired one);
 *  - a column it uses is dropped, renamed or changes type (PostgreSQL
 *    "ALTER TABLE": cannot alter the type of a column used by a view; SQLite
 *    "ALTER TABLE" 5 refuses DROP COLUMN of a column a view uses);
 *  - on SQLite, the table is rebuilt ("ALTER TABLE" 7: the rebuild drops the
 *    table, and with it its triggers; views that name it must be dropped
 *    and re-created around it, step 2 and 10). */
static bool touches(const struct mp_schema *start, const struct mp_schema *desired, const struct mp_renames *h,
                    enum mp_dialect d, const struct mp_op *op, const struct mp_object *o)
{
    switch (op->kind) {
    case MP_OP_CREATE_TABLE:
    case MP_OP_CREATE_OBJECT:
    case MP_OP_DROP_OBJECT:
    case MP_OP_ADD_INDEX:
    case MP_OP_DROP_INDEX:
    case MP_OP_RENAME_INDEX:
        return false;
    case MP_OP_DROP_TABLE:
    case MP_OP_RENAME_TABLE:
        return mp_object_uses(start, d, o, op->table, NULL);
    case MP_OP_DROP_COLUMN:
    case MP_OP_RENAME_COLUMN:
    case MP_OP_ALTER_TYPE:
        if (mp_object_uses(start, d, o, op->table, op->name))
            return true;
        break;
    default:
        break;
    }
    if (!mp_sql_needs_rebuild(d, op))
        return false;
    /* ADD ... ops name the table as desired */
    const struct mp_table *st = mp_schema_table(start, d, op->table);
    if (op->kind == MP_OP_ADD_COLUMN || op->kind == MP_OP_ADD_FK || op->kind == MP_OP_ADD_UNIQUE)
        st = start_of(start, desired, h, d, op->table);
    return st && mp_object_uses(start, d, o, st->name, NULL);
}

int mp_diff_objects(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                    const struct mp_renames *hints, enum mp_dialect d, struct mp_changeset *out)
{
    size_t ntable_ops = out->n, n = start->nobjects;
    /* per start object: 0 kept, 1 dropped, 2 dropped and created again */
    int *fate = calloc(n + 1, sizeof *fate);
    if (!fate)
        mp_oom();
    for (size_t i = 0; i < n; i++) {
        const struct mp_object *o = &start->objects[i];
        const struct mp_object *w = mp_schema_find_object(desired, d, o);
        if (!mp_object_in(o, d))
            continue; /* the other dialect's */
        if (!w) {
            fate[i] = 1;
            continue;
        }
        if (!mp_object_sql_eq(o->sql, w->sql)) {
            fate[i] = 2;
            continue;
        }
        for (size_t k = 0; k < ntable_ops && !fate[i]; k++)
            if (touches(start, desired, hints, d, &out->ops[k], o))
                fate[i] = 2;
    }
    /* what reads or calls an object that goes goes first, and comes back
     * (PostgreSQL refuses to drop what another object depends on) */
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n && !fate[i] && mp_object_in(&start->objects[i], d); j++)
                if (fate[j] && mp_object_refers(d, &start->objects[i], &start->objects[j])) {
                    fate[i] = mp_schema_find_object(desired, d, &start->objects[i]) ? 2 : 1;
                    more = true;
                }
    }
    for (size_t i = 0; i < n; i++)
        if (fate[i]) {
            const struct mp_object *o = &start->objects[i];
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_OBJECT);
            op->object = o;
            op->table = o->table ? o->table : o->name;
        }
    for (size_t i = 0; i < desired->nobjects; i++) {
        const struct mp_object *w = &desired->objects[i];
        if (!mp_object_in(w, d))
            continue;
        const struct mp_object *o = mp_schema_find_object(start, d, w);
        if (o && !fate[o - start->objects])
            continue;
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_CREATE_OBJECT);
        op->object = w;
        op->table = w->table ? w->table : w->name;
    }
    free(fate);
    return 0;
}
