/* vschema_object.c - the virtual schema's rules for schema-level objects:
 * creating and dropping them, and the table steps they forbid while they
 * exist. */
#include "vschema.h"
#include "sql.h"

#include <string.h>
#include <strings.h>

int mp_vschema_object_apply(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err)
{
    const struct mp_object *o = op->object;
    const char *kind = mp_object_kind_name(o->kind);
    if (op->kind == MP_OP_DROP_OBJECT) {
        const struct mp_object *x = mp_schema_find_object(s, d, o);
        if (!x)
            return mp_error_set(err, MP_EPRECOND, "%s \"%s\" does not exist", kind, o->name);
        for (size_t i = 0; i < s->nobjects; i++)
            if (mp_object_in(&s->objects[i], d) && mp_object_refers(d, &s->objects[i], x))
                return mp_error_set(err, MP_EPRECOND, "cannot drop %s \"%s\": %s \"%s\" depends on it", kind,
                                    o->name, mp_object_kind_name(s->objects[i].kind), s->objects[i].name);
        size_t k = (size_t)(x - s->objects);
        if (mp_object_kind_is_relation(x->kind))
            mp_schema_rel_del(s, x->name);
        memmove(&s->objects[k], &s->objects[k + 1], (s->nobjects - k - 1) * sizeof *s->objects);
        s->nobjects--;
        return 0;
    }
    const struct mp_object *had = mp_schema_find_object(s, d, o);
    /* PostgreSQL "CREATE FUNCTION": OR REPLACE replaces one of the same
     * name and arguments */
    if (had && (o->kind == MP_OBJ_FUNCTION || o->kind == MP_OBJ_PROCEDURE) &&
        strncasecmp(o->sql, "CREATE OR REPLACE ", 18) == 0) {
        s->objects[had - s->objects] = mp_object_copy(a, o);
        if (s->has_dialect)
            s->objects[had - s->objects].has_dialect = false;
        return 0;
    }
    if (had)
        return mp_error_set(err, MP_EPRECOND, "%s \"%s\" already exists", kind, o->name);
    /* SQLite "CREATE TRIGGER": trigger names are schema-wide */
    for (size_t i = 0; d == MP_SQLITE && o->kind == MP_OBJ_TRIGGER && i < s->nobjects; i++)
        if (s->objects[i].kind == MP_OBJ_TRIGGER && mp_object_in(&s->objects[i], d) &&
            mp_name_eq(d, s->objects[i].name, o->name))
            return mp_error_set(err, MP_EPRECOND, "trigger \"%s\" already exists (on table \"%s\")", o->name,
                                s->objects[i].table ? s->objects[i].table : "");
    /* PostgreSQL "CREATE VIEW": the name must be distinct from any relation
     * of the schema; SQLite "CREATE VIEW" likewise (tables, indexes, views) */
    if (mp_object_kind_is_relation(o->kind) && mp_vschema_name_taken(s, d, o->name))
        return mp_error_set(err, MP_EPRECOND, "cannot create %s \"%s\": the name is already used", kind, o->name);
    if (o->table && mp_schema_find_table(s, d, o->table) < 0 && !mp_schema_relation_object(s, d, o->table))
        return mp_error_set(err, MP_EPRECOND, "cannot create %s \"%s\": table \"%s\" does not exist", kind, o->name,
                            o->table);
    for (size_t i = 0; i < o->ndeps; i++) {
        const struct mp_objdep *dp = &o->deps[i];
        const struct mp_table *t = mp_schema_table(s, d, dp->table);
        if (!t && mp_schema_relation_object(s, d, dp->table))
            continue;
        if (!t || (dp->column && !mp_table_column(t, d, dp->column)))
            return mp_error_set(err, MP_EPRECOND, "cannot create %s \"%s\": it uses %s \"%s%s%s\", which does not exist",
                                kind, o->name, dp->column && t ? "column" : "table", dp->table,
                                dp->column && t ? "\".\"" : "", dp->column && t ? dp->column : "");
    }
    struct mp_object *no = MP_PUSH(a, s->objects, s->nobjects, s->capobjects);
    *no = mp_object_copy(a, o);
    if (s->has_dialect)
        no->has_dialect = false; /* a virtual schema of one dialect holds its objects as that dialect's */
    if (mp_object_kind_is_relation(o->kind))
        mp_schema_rel_add(s, s->objects[s->nobjects - 1].name, NULL);
    return 0;
}

int mp_vschema_object_guard(const struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err)
{
    if (!s->nobjects || op->kind == MP_OP_CREATE_TABLE)
        return 0;
    bool rebuild = mp_sql_needs_rebuild(d, op);
    bool col = op->kind == MP_OP_DROP_COLUMN || op->kind == MP_OP_RENAME_COLUMN || op->kind == MP_OP_ALTER_TYPE ||
               op->kind == MP_OP_ALTER_COLUMN_FEATURES; /* a collation: ALTER COLUMN TYPE */
    bool whole = op->kind == MP_OP_DROP_TABLE || op->kind == MP_OP_RENAME_TABLE || rebuild;
    if (!col && !whole)
        return 0;
    for (size_t i = 0; i < s->nobjects; i++) {
        const struct mp_object *o = &s->objects[i];
        if (!mp_object_in(o, d))
            continue; /* the other dialect's (a dialect-neutral schema replayed) */
        /* PostgreSQL records no dependency of a function on what its body
         * uses ("CREATE FUNCTION": the body is checked when it is created) */
        if (o->kind == MP_OBJ_FUNCTION || o->kind == MP_OBJ_PROCEDURE)
            continue;
        /* DROP TABLE takes the table's own triggers with it */
        if (op->kind == MP_OP_DROP_TABLE && o->kind == MP_OBJ_TRIGGER && o->table && mp_name_eq(d, o->table, op->table))
            continue;
        if (!mp_object_uses(s, d, o, op->table, whole ? NULL : op->name))
            continue;
        const char *what = op->kind == MP_OP_DROP_TABLE ? "drop table" : op->kind == MP_OP_RENAME_TABLE ? "rename table"
                           : rebuild ? "rebuild table" : op->kind == MP_OP_DROP_COLUMN ? "drop a column of"
                           : op->kind == MP_OP_RENAME_COLUMN ? "rename a column of" : "change a column type of";
        return mp_error_set(err, MP_EPRECOND, "cannot %s \"%s\" while %s \"%s\" uses %s (drop it first, create it after)",
                            what, op->table, mp_object_kind_name(o->kind), o->name,
                            col && !whole ? "the column" : "the table");
    }
    return 0;
}

void mp_vschema_forget_triggers(struct mp_schema *s, enum mp_dialect d, const char *table)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nobjects; i++)
        if (!(s->objects[i].kind == MP_OBJ_TRIGGER && s->objects[i].table && mp_name_eq(d, s->objects[i].table, table)))
            s->objects[k++] = s->objects[i];
    s->nobjects = k;
}
