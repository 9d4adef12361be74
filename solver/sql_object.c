/* sql_object.c - SQL of the schema-level objects: their creating
 * statements as the model holds them, and the DROP that matches each kind. */
#include "sql.h"

#include <stdlib.h>

void mp_sql_object_create(struct mp_buf *b, const struct mp_object *o)
{
    mp_buf_add(b, o->sql);
    mp_buf_add(b, ";\n");
}

void mp_sql_object_drop(struct mp_buf *b, const struct mp_object *o, enum mp_dialect d)
{
    static const char *const what[MP_OBJ__COUNT] = {
        [MP_OBJ_EXTENSION] = "EXTENSION", [MP_OBJ_FUNCTION] = "FUNCTION", [MP_OBJ_PROCEDURE] = "PROCEDURE",
        [MP_OBJ_VIEW] = "VIEW", [MP_OBJ_MATVIEW] = "MATERIALIZED VIEW", [MP_OBJ_TRIGGER] = "TRIGGER",
    };
    mp_buf_printf(b, "DROP %s ", what[o->kind]);
    mp_buf_ident(b, o->name);
    /* PostgreSQL names a routine by its argument types ("DROP FUNCTION") and
     * a trigger by its table ("DROP TRIGGER name ON table"); SQLite's
     * trigger names are schema-wide ("DROP TRIGGER") */
    if (o->args)
        mp_buf_printf(b, "(%s)", o->args);
    if (o->kind == MP_OBJ_TRIGGER && d == MP_POSTGRES && o->table) {
        mp_buf_add(b, " ON ");
        mp_buf_ident(b, o->table);
    }
    mp_buf_add(b, ";\n");
}

void mp_sql_objects(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d)
{
    size_t *order = mp_schema_object_order(s, d);
    for (size_t i = 0; i < s->nobjects; i++)
        if (mp_object_in(&s->objects[order[i]], d))
            mp_sql_object_create(b, &s->objects[order[i]]);
    free(order);
}
