/* vschema_check.c - the virtual schema's rules for CHECK constraints and
 * for the parts of an index definition beyond its columns (vschema.h). */
#include "vschema_int.h"

#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

#include <string.h>

/* True when table t has a constraint named `name` (pg_constraint is unique
 * on the table and the name: "constraint ... already exists"). */
static bool table_constraint(const struct mp_table *t, const char *name)
{
    if (mp_table_find_check_named(t, MP_POSTGRES, name) >= 0 || (t->pk_name && strcmp(t->pk_name, name) == 0))
        return true;
    for (size_t j = 0; j < t->nuniques; j++)
        if (t->uniques[j].name && strcmp(t->uniques[j].name, name) == 0)
            return true;
    for (size_t j = 0; j < t->nfks; j++)
        if (t->fks[j].name && strcmp(t->fks[j].name, name) == 0)
            return true;
    return false;
}

/* True when `name` is a constraint name of schema s on PostgreSQL: checks,
 * primary keys, uniques and foreign keys share pg_constraint, and
 * ChooseConstraintName() avoids every constraint name of the namespace
 * (ConstraintNameExists()). */
static bool constraint_taken(const struct mp_schema *s, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (table_constraint(s->tables[i], name))
            return true;
    return false;
}

const char *mp_pg_auto_check_name(struct mp_arena *a, const struct mp_schema *s, const struct mp_table *t,
                                  const char *expr)
{
    /* AddRelationNewConstraints() (heap.c): "<table>_<column>_check" when
     * the expression names exactly one column, else "<table>_check";
     * ChooseConstraintName() appends 1, 2, ... until the name is free;
     * makeObjectName() truncates the longer part so the name fits 63 bytes */
    const char *col = NULL;
    size_t used = 0;
    for (size_t i = 0; i < t->ncols; i++)
        if (mp_expr_uses(MP_POSTGRES, expr, t->cols[i].name)) {
            col = t->cols[i].name;
            used++;
        }
    if (used != 1)
        col = NULL;
    for (int pass = 0;; pass++) {
        const char *suffix = pass ? mp_arena_printf(a, "check%d", pass) : "check";
        size_t tl = strlen(t->name), cl = col ? strlen(col) : 0, sl = strlen(suffix) + 1 + (col ? 1 : 0);
        while (tl + cl + sl > 63) {
            if (tl >= cl)
                tl--;
            else
                cl--;
        }
        const char *cand = col ? mp_arena_printf(a, "%.*s_%.*s_%s", (int)tl, t->name, (int)cl, col, suffix)
                               : mp_arena_printf(a, "%.*s_%s", (int)tl, t->name, suffix);
        if (!constraint_taken(s, cand))
            return cand;
    }
}

int mp_vschema_check_op(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, struct mp_table *t,
                        const struct mp_op *op, struct mp_error *err)
{
    const struct mp_check *c = &op->check;
    if (op->kind == MP_OP_ADD_CHECK) {
        /* PostgreSQL "ALTER TABLE ... ADD CONSTRAINT": the name must be
         * free among the table's constraints; SQLite rebuilds the table
         * with the check in its CREATE TABLE ("ALTER TABLE" 7) */
        if (!c->expr || !*c->expr)
            return mp_error_set(err, MP_EPRECOND, "check on \"%s\" has no expression", t->name);
        if (d == MP_POSTGRES && c->name && table_constraint(t, c->name))
            return mp_error_set(err, MP_EPRECOND, "constraint \"%s\" already exists on \"%s\"", c->name, t->name);
        struct mp_check *n = mp_table_add_check(a, t);
        n->name = mp_arena_strdup(a, c->name);
        n->expr = mp_expr_norm(a, c->expr);
        n->not_valid = c->not_valid && d == MP_POSTGRES;
        if (d == MP_POSTGRES && !n->name)
            n->name = mp_pg_auto_check_name(a, s, t, n->expr);
        return 0;
    }
    /* DROP CHECK: PostgreSQL drops by name ("DROP CONSTRAINT"); a
     * rebuild leaves the check out, found by its expression */
    long i = d == MP_POSTGRES && c->name ? mp_table_find_check_named(t, d, c->name) : -1;
    if (i < 0) {
        struct mp_check probe = *c;
        i = mp_table_find_check(t, &probe, NULL);
        if (i < 0) {
            probe.not_valid = !probe.not_valid;
            i = mp_table_find_check(t, &probe, NULL);
        }
    }
    if (i < 0)
        return mp_error_set(err, MP_EPRECOND, "table \"%s\" has no check (%s)", t->name, c->expr ? c->expr : "");
    if (d == MP_POSTGRES && !c->name && t->checks[i].name)
        return mp_error_set(err, MP_EPRECOND, "dropping a check of \"%s\" needs its name on PostgreSQL", t->name);
    memmove(&t->checks[i], &t->checks[i + 1], (t->nchecks - (size_t)i - 1) * sizeof t->checks[0]);
    t->nchecks--;
    return 0;
}

int mp_vschema_check_create(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                            struct mp_table *t, struct mp_error *err)
{
    for (size_t i = 0; i < t->nindexes; i++) {
        const struct mp_index *x = &t->indexes[i];
        for (size_t j = 0; j < x->include.n; j++)
            if (!mp_table_column(t, d, x->include.v[j]))
                return mp_error_set(err, MP_EPRECOND, "INCLUDE column \"%s\" of index \"%s\" does not exist in \"%s\"",
                                    x->include.v[j], x->name, t->name);
    }
    for (size_t i = 0; i < t->nchecks; i++)
        if (!t->checks[i].expr || !*t->checks[i].expr)
            return mp_error_set(err, MP_EPRECOND, "check on \"%s\" has no expression", t->name);
    if (!a)
        return 0;
    /* PostgreSQL names every unnamed check (AddRelationNewConstraints);
     * NOT VALID exists only there */
    for (size_t i = 0; i < t->nchecks; i++) {
        t->checks[i].not_valid = t->checks[i].not_valid && d == MP_POSTGRES;
        if (d == MP_POSTGRES && !t->checks[i].name)
            t->checks[i].name = mp_pg_auto_check_name(a, s, t, t->checks[i].expr);
    }
    return 0;
}

void mp_vschema_name_checks(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d)
{
    for (size_t i = 0; d == MP_POSTGRES && i < s->ntables; i++) {
        struct mp_table *t = s->tables[i];
        for (size_t j = 0; j < t->nchecks; j++)
            if (!t->checks[j].name)
                t->checks[j].name = mp_pg_auto_check_name(a, s, t, t->checks[j].expr);
    }
}
