/* sql_type.c - SQL of enum types, domains and the steps on them (sql_type.h). */
#include "sql_type.h"

#include "model_check.h"

#include <string.h>

static void labels(struct mp_buf *b, const struct mp_names *n)
{
    mp_buf_addc(b, '(');
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            mp_buf_add(b, ", ");
        mp_buf_literal(b, n->v[i]);
    }
    mp_buf_addc(b, ')');
}

static void create_as(struct mp_buf *b, const struct mp_utype *t, const char *as_name)
{
    if (t->kind == MP_UTYPE_ENUM) {
        mp_buf_add(b, "CREATE TYPE ");
        mp_buf_ident(b, as_name);
        mp_buf_add(b, " AS ENUM ");
        labels(b, &t->labels);
        mp_buf_add(b, ";\n");
        return;
    }
    mp_buf_add(b, "CREATE DOMAIN ");
    mp_buf_ident(b, as_name);
    mp_buf_add(b, " AS ");
    mp_type_sql(b, &t->base, MP_POSTGRES);
    if (t->collation) {
        mp_buf_add(b, " COLLATE ");
        mp_buf_ident(b, t->collation);
    }
    if (t->default_sql)
        mp_buf_printf(b, " DEFAULT %s", t->default_sql);
    if (t->not_null)
        mp_buf_add(b, " NOT NULL");
    for (size_t i = 0; i < t->nchecks; i++) {
        mp_buf_addc(b, ' ');
        mp_check_sql(b, &t->checks[i]);
    }
    mp_buf_add(b, ";\n");
}

void mp_sql_create_utype(struct mp_buf *b, const struct mp_utype *t)
{
    create_as(b, t, t->name);
}

void mp_sql_utypes(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d)
{
    for (int k = 0; d == MP_POSTGRES && k < 2; k++)
        for (size_t i = 0; i < s->ntypes; i++)
            if ((int)s->types[i].kind == (k ? MP_UTYPE_DOMAIN : MP_UTYPE_ENUM))
                mp_sql_create_utype(b, &s->types[i]);
}

const char *mp_sql_rebuild_name(struct mp_arena *a, const char *name)
{
    return mp_arena_printf(a, "%.54s__mp_new", name);
}

static void alter_column(struct mp_buf *b, const char *table, const char *col)
{
    mp_buf_add(b, "ALTER TABLE ");
    mp_buf_ident(b, table);
    mp_buf_add(b, " ALTER COLUMN ");
    mp_buf_ident(b, col);
}

/* PostgreSQL 8.7.4: labels cannot be removed or reordered in place; a new
 * type takes the columns over through text (USING col::text::new, which
 * fails the step on a row that holds a removed label), the old type goes
 * and the new one takes its name.  Column defaults are dropped around the
 * retyping ("default for column cannot be cast automatically") and set
 * again by their text, which names the type by its (restored) name. */
static void rebuild(struct mp_buf *b, const struct mp_op *op, const struct mp_schema *after)
{
    struct mp_arena *a = mp_arena_new();
    const char *tmp = mp_sql_rebuild_name(a, op->name);
    create_as(b, op->utype.def, tmp);
    struct mp_utype probe = {.name = op->name};
    struct mp_schema one = {.types = &probe, .ntypes = 1};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < after->ntables; i++)
            for (size_t j = 0; j < after->tables[i]->ncols; j++) {
                const struct mp_column *c = &after->tables[i]->cols[j];
                if (!mp_type_utype(&one, &c->type))
                    continue;
                const char *tn = after->tables[i]->name;
                if (pass == 0) {
                    if (c->default_sql) {
                        alter_column(b, tn, c->name);
                        mp_buf_add(b, " DROP DEFAULT;\n");
                    }
                    alter_column(b, tn, c->name);
                    mp_buf_add(b, " TYPE ");
                    mp_buf_ident(b, tmp);
                    mp_buf_add(b, " USING ");
                    mp_buf_ident(b, c->name);
                    mp_buf_add(b, "::text::");
                    mp_buf_ident(b, tmp);
                    mp_buf_add(b, ";\n");
                } else if (c->default_sql) {
                    alter_column(b, tn, c->name);
                    mp_buf_printf(b, " SET DEFAULT %s;\n", c->default_sql);
                }
            }
        if (pass == 0) {
            mp_buf_add(b, "DROP TYPE ");
            mp_buf_ident(b, op->name);
            mp_buf_add(b, ";\nALTER TYPE ");
            mp_buf_ident(b, tmp);
            mp_buf_add(b, " RENAME TO ");
            mp_buf_ident(b, op->name);
            mp_buf_add(b, ";\n");
        }
    }
    mp_arena_free(a);
}

static void alter_domain(struct mp_buf *b, const char *name)
{
    mp_buf_add(b, "ALTER DOMAIN ");
    mp_buf_ident(b, name);
}

/* PostgreSQL "ALTER DOMAIN": SET / DROP DEFAULT, SET / DROP NOT NULL
 * (SET scans the columns of the domain and fails on a NULL), DROP
 * CONSTRAINT, ADD CONSTRAINT (checks every column of the domain). */
static void domain_changes(struct mp_buf *b, const struct mp_utype *from, const struct mp_utype *to)
{
    if (!mp_default_eq(from->default_sql, to->default_sql)) {
        alter_domain(b, to->name);
        if (to->default_sql)
            mp_buf_printf(b, " SET DEFAULT %s;\n", to->default_sql);
        else
            mp_buf_add(b, " DROP DEFAULT;\n");
    }
    for (size_t i = 0; i < from->nchecks; i++)
        if (mp_utype_find_check(to, from->checks[i].expr) < 0) {
            alter_domain(b, to->name);
            mp_buf_add(b, " DROP CONSTRAINT ");
            mp_buf_ident(b, from->checks[i].name ? from->checks[i].name : "?unnamed domain check?");
            mp_buf_add(b, ";\n");
        }
    if (from->not_null != to->not_null) {
        alter_domain(b, to->name);
        mp_buf_add(b, to->not_null ? " SET NOT NULL;\n" : " DROP NOT NULL;\n");
    }
    for (size_t i = 0; i < to->nchecks; i++)
        if (mp_utype_find_check(from, to->checks[i].expr) < 0) {
            alter_domain(b, to->name);
            mp_buf_add(b, " ADD ");
            mp_check_sql(b, &to->checks[i]);
            mp_buf_add(b, ";\n");
        }
}

void mp_sql_type_step(struct mp_buf *b, const struct mp_op *op, const struct mp_schema *after)
{
    switch (op->kind) {
    case MP_OP_CREATE_TYPE:
        mp_sql_create_utype(b, op->utype.def);
        return;
    case MP_OP_DROP_TYPE:
        mp_buf_add(b, op->utype.from && op->utype.from->kind == MP_UTYPE_DOMAIN ? "DROP DOMAIN " : "DROP TYPE ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, ";\n");
        return;
    case MP_OP_ADD_ENUM_VALUE:
        mp_buf_add(b, "ALTER TYPE ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " ADD VALUE ");
        mp_buf_literal(b, op->utype.label);
        if (op->utype.near) {
            mp_buf_add(b, op->utype.before ? " BEFORE " : " AFTER ");
            mp_buf_literal(b, op->utype.near);
        }
        mp_buf_add(b, ";\n");
        return;
    case MP_OP_RENAME_ENUM_VALUE:
        mp_buf_add(b, "ALTER TYPE ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " RENAME VALUE ");
        mp_buf_literal(b, op->utype.label);
        mp_buf_add(b, " TO ");
        mp_buf_literal(b, op->utype.new_label);
        mp_buf_add(b, ";\n");
        return;
    case MP_OP_REBUILD_ENUM:
        rebuild(b, op, after);
        return;
    case MP_OP_ALTER_DOMAIN:
        domain_changes(b, op->utype.from, op->utype.def);
        return;
    default:
        return;
    }
}
