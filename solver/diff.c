/* diff.c - schema diff with rename hints. */
#include "diff.h"

#include <string.h>

void mp_renames_add(struct mp_arena *a, struct mp_renames *r, bool column,
                    const char *table, const char *old_name, const char *new_name)
{
    struct mp_rename *h = MP_PUSH(a, r->v, r->n, r->cap);
    h->column = column;
    h->table = mp_arena_strdup(a, table);
    h->old_name = mp_arena_strdup(a, old_name);
    h->new_name = mp_arena_strdup(a, new_name);
}

static const struct mp_rename *hint_from(const struct mp_renames *h, enum mp_dialect d,
                                         bool column, const char *table, const char *old)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (h->v[i].column == column && mp_name_eq(d, h->v[i].old_name, old) &&
            (!column || mp_name_eq(d, h->v[i].table, table)))
            return &h->v[i];
    return NULL;
}

static const struct mp_rename *hint_to(const struct mp_renames *h, enum mp_dialect d,
                                       bool column, const char *table, const char *new_name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (h->v[i].column == column && mp_name_eq(d, h->v[i].new_name, new_name) &&
            (!column || mp_name_eq(d, h->v[i].table, table)))
            return &h->v[i];
    return NULL;
}

/* The desired table a start table becomes, or NULL when it is dropped. */
static const struct mp_table *table_target(const struct mp_schema *desired,
                                           const struct mp_renames *h, enum mp_dialect d,
                                           const char *start_name)
{
    const struct mp_rename *r = hint_from(h, d, false, NULL, start_name);
    if (r)
        return mp_schema_table(desired, d, r->new_name);
    if (hint_to(h, d, false, NULL, start_name))
        return NULL; /* the name now belongs to another (renamed) table */
    return mp_schema_table(desired, d, start_name);
}

/* Final name of column `col` of start table `st` (NULL when dropped). */
static const char *column_target(const struct mp_table *st, const struct mp_table *dt,
                                 const struct mp_renames *h, enum mp_dialect d, const char *col)
{
    if (!dt)
        return NULL;
    const struct mp_rename *r = hint_from(h, d, true, st->name, col);
    const char *name = r ? r->new_name : col;
    if (!r && hint_to(h, d, true, st->name, col))
        return NULL;
    const struct mp_column *c = mp_table_column(dt, d, name);
    return c ? c->name : NULL;
}

/* Translate a list of start column names of `st` into final names; false
 * when one is dropped. */
static bool translate_cols(struct mp_arena *a, const struct mp_table *st, const struct mp_table *dt,
                           const struct mp_renames *h, enum mp_dialect d,
                           const struct mp_names *in, struct mp_names *out)
{
    out->n = in->n;
    out->v = mp_arena_alloc(a, (in->n + 1) * sizeof *out->v);
    for (size_t i = 0; i < in->n; i++) {
        out->v[i] = column_target(st, dt, h, d, in->v[i]);
        if (!out->v[i])
            return false;
    }
    return true;
}

static bool fk_in(enum mp_dialect d, const struct mp_table *t, const struct mp_fk *f)
{
    for (size_t i = 0; i < t->nfks; i++)
        if (mp_names_eq(d, &t->fks[i].cols, &f->cols) &&
            mp_name_eq(d, t->fks[i].ref_table, f->ref_table) &&
            mp_names_eq(d, &t->fks[i].ref_cols, &f->ref_cols) &&
            t->fks[i].on_delete == f->on_delete)
            return true;
    return false;
}

static bool same_type(const struct mp_type *x, const struct mp_type *y)
{
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case MP_TYPE_VARCHAR: return x->len == y->len;
    case MP_TYPE_NUMERIC: return x->precision == y->precision && x->scale == y->scale;
    case MP_TYPE_RAW: return strcmp(x->raw ? x->raw : "", y->raw ? y->raw : "") == 0;
    default: return true;
    }
}

static int diff_table(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                      const struct mp_renames *h, enum mp_dialect d, const struct mp_table *st,
                      const struct mp_table *dt, struct mp_changeset *out, struct mp_error *err)
{
    if (strcmp(st->name, dt->name) != 0) {
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_RENAME_TABLE);
        op->table = st->name;
        op->new_name = dt->name;
    }
    /* FKs of the start table that do not survive are dropped (start names). */
    for (size_t i = 0; i < st->nfks; i++) {
        const struct mp_fk *f = &st->fks[i];
        struct mp_fk tf = *f;
        const struct mp_table *srt = mp_schema_table(start, d, f->ref_table);
        const struct mp_table *drt = srt ? table_target(desired, h, d, srt->name) : NULL;
        bool keep = drt && translate_cols(a, st, dt, h, d, &f->cols, &tf.cols) &&
                    translate_cols(a, srt, drt, h, d, &f->ref_cols, &tf.ref_cols);
        if (keep) {
            tf.ref_table = drt->name;
            keep = fk_in(d, dt, &tf);
        }
        if (!keep) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_FK);
            op->table = st->name;
            op->fk = *f;
        }
    }
    for (size_t i = 0; i < st->nindexes; i++) {
        const struct mp_index *x = &st->indexes[i];
        struct mp_names cols;
        long di = mp_table_find_index(dt, d, x->name);
        bool keep = di >= 0 && translate_cols(a, st, dt, h, d, &x->cols, &cols) &&
                    dt->indexes[di].unique == x->unique &&
                    mp_names_eq(d, &dt->indexes[di].cols, &cols);
        if (!keep) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_INDEX);
            op->table = st->name;
            op->name = x->name;
        }
    }
    for (size_t i = 0; i < st->ncols; i++) {
        const struct mp_column *c = &st->cols[i];
        const char *fin = column_target(st, dt, h, d, c->name);
        if (!fin) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_COLUMN);
            op->table = st->name;
            op->name = c->name;
            continue;
        }
        const struct mp_column *dc = mp_table_column(dt, d, fin);
        if (!same_type(&c->type, &dc->type) || c->not_null != dc->not_null ||
            (c->default_sql == NULL) != (dc->default_sql == NULL) ||
            (c->default_sql && strcmp(c->default_sql, dc->default_sql) != 0))
            return mp_error_set(err, MP_EINVAL,
                                "column \"%s\".\"%s\": changing a column's type, NOT NULL or default is not supported by this version",
                                dt->name, dc->name);
        if (strcmp(fin, c->name) != 0) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_RENAME_COLUMN);
            op->table = st->name;
            op->name = c->name;
            op->new_name = fin;
        }
    }
    for (size_t i = 0; i < dt->ncols; i++) {
        const struct mp_column *c = &dt->cols[i];
        const struct mp_rename *r = hint_to(h, d, true, st->name, c->name);
        bool existed = r ? mp_table_column(st, d, r->old_name) != NULL
                         : (mp_table_column(st, d, c->name) && !hint_from(h, d, true, st->name, c->name));
        if (!existed) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_COLUMN);
            op->table = dt->name;
            op->column = *c;
            op->position = (int)i;
        }
    }
    struct mp_names pk;
    if (!translate_cols(a, st, dt, h, d, &st->pk, &pk) || !mp_names_eq(d, &pk, &dt->pk))
        return mp_error_set(err, MP_EINVAL,
                            "table \"%s\": changing the primary key is not supported by this version", dt->name);
    if (st->nuniques != dt->nuniques)
        return mp_error_set(err, MP_EINVAL,
                            "table \"%s\": changing unique constraints is not supported by this version", dt->name);
    for (size_t i = 0; i < dt->nfks; i++) {
        const struct mp_fk *f = &dt->fks[i];
        /* Is it a surviving start FK?  Translate every start FK and compare. */
        bool found = false;
        for (size_t j = 0; j < st->nfks && !found; j++) {
            struct mp_fk tf = st->fks[j];
            const struct mp_table *srt = mp_schema_table(start, d, tf.ref_table);
            const struct mp_table *drt = srt ? table_target(desired, h, d, srt->name) : NULL;
            if (drt && translate_cols(a, st, dt, h, d, &st->fks[j].cols, &tf.cols) &&
                translate_cols(a, srt, drt, h, d, &st->fks[j].ref_cols, &tf.ref_cols)) {
                tf.ref_table = drt->name;
                struct mp_table one = {0};
                one.fks = &tf;
                one.nfks = 1;
                found = fk_in(d, &one, f);
            }
        }
        if (!found) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_FK);
            op->table = dt->name;
            op->fk = *f;
        }
    }
    for (size_t i = 0; i < dt->nindexes; i++) {
        const struct mp_index *x = &dt->indexes[i];
        long si = mp_table_find_index(st, d, x->name);
        struct mp_names cols;
        bool same = si >= 0 && translate_cols(a, st, dt, h, d, &st->indexes[si].cols, &cols) &&
                    st->indexes[si].unique == x->unique && mp_names_eq(d, &cols, &x->cols);
        if (!same) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_INDEX);
            op->table = dt->name;
            op->index = *x;
        }
    }
    return 0;
}

int mp_diff(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
            const struct mp_renames *hints, enum mp_dialect d, struct mp_changeset *out,
            struct mp_error *err)
{
    for (size_t i = 0; hints && i < hints->n; i++) {
        const struct mp_rename *r = &hints->v[i];
        const struct mp_table *st = mp_schema_table(start, d, r->column ? r->table : r->old_name);
        if (!st)
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: table \"%s\" is not in the start schema",
                                i + 1, r->column ? r->table : r->old_name);
        if (r->column && !mp_table_column(st, d, r->old_name))
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: column \"%s\".\"%s\" is not in the start schema",
                                i + 1, r->table, r->old_name);
        if (!r->column && !mp_schema_table(desired, d, r->new_name))
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: table \"%s\" is not in the desired schema",
                                i + 1, r->new_name);
        for (size_t j = 0; j < i; j++) {
            const struct mp_rename *o = &hints->v[j];
            if (o->column == r->column && (!r->column || mp_name_eq(d, o->table, r->table)) &&
                (mp_name_eq(d, o->old_name, r->old_name) || mp_name_eq(d, o->new_name, r->new_name)))
                return mp_error_set(err, MP_EINVAL, "rename hints %zu and %zu name the same object", j + 1, i + 1);
        }
    }
    /* Tables of the start schema: dropped, or diffed against their target. */
    for (size_t i = 0; i < start->ntables; i++) {
        const struct mp_table *st = start->tables[i];
        const struct mp_table *dt = table_target(desired, hints, d, st->name);
        if (!dt) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_TABLE);
            op->table = st->name;
            continue;
        }
        int rc = diff_table(a, start, desired, hints, d, st, dt, out, err);
        if (rc)
            return rc;
    }
    /* FKs of surviving tables that point at dropped tables were handled in
     * diff_table (their target has no translation).  New tables: */
    for (size_t i = 0; i < desired->ntables; i++) {
        const struct mp_table *dt = desired->tables[i];
        const struct mp_rename *r = hint_to(hints, d, false, NULL, dt->name);
        bool existed = r ? true
                         : (mp_schema_table(start, d, dt->name) && !hint_from(hints, d, false, NULL, dt->name));
        if (!existed) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_CREATE_TABLE);
            op->table = dt->name;
            op->def = dt;
        }
    }
    return 0;
}
