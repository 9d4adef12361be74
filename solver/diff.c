/* diff.c - schema diff with rename hints. */
#include "diff.h"

#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

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
        if (!h->v[i].index && h->v[i].column == column && mp_name_eq(d, h->v[i].old_name, old) &&
            (!column || mp_name_eq(d, h->v[i].table, table)))
            return &h->v[i];
    return NULL;
}

static const struct mp_rename *index_hint(const struct mp_renames *h, enum mp_dialect d, const char *table,
                                          const char *old, const char *new_name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (h->v[i].index && mp_name_eq(d, h->v[i].table, table) &&
            (!old || mp_name_eq(d, h->v[i].old_name, old)) && (!new_name || mp_name_eq(d, h->v[i].new_name, new_name)))
            return &h->v[i];
    return NULL;
}

static const struct mp_rename *hint_to(const struct mp_renames *h, enum mp_dialect d,
                                       bool column, const char *table, const char *new_name)
{
    for (size_t i = 0; h && i < h->n; i++)
        if (!h->v[i].index && h->v[i].column == column && mp_name_eq(d, h->v[i].new_name, new_name) &&
            (!column || mp_name_eq(d, h->v[i].table, table)))
            return &h->v[i];
    return NULL;
}

/* The desired table a start table becomes, or NULL when it is dropped. */
const struct mp_table *mp_diff_table_target(const struct mp_schema *desired,
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
const char *mp_diff_column_target(const struct mp_table *st, const struct mp_table *dt,
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
        out->v[i] = mp_diff_column_target(st, dt, h, d, in->v[i]);
        if (!out->v[i])
            return false;
    }
    return true;
}

/* Every column of start table st with its final name in dt (NULL when it
 * is dropped): the renames expressions and index definitions go through. */
static size_t col_targets(struct mp_arena *a, const struct mp_table *st, const struct mp_table *dt,
                          const struct mp_renames *h, enum mp_dialect d, const char ***from, const char ***to)
{
    *from = mp_arena_alloc(a, (st->ncols + 1) * sizeof **from);
    *to = mp_arena_alloc(a, (st->ncols + 1) * sizeof **to);
    for (size_t i = 0; i < st->ncols; i++) {
        (*from)[i] = st->cols[i].name;
        (*to)[i] = mp_diff_column_target(st, dt, h, d, st->cols[i].name);
    }
    return st->ncols;
}

/* Start index x as it reads in the desired vocabulary; false when it uses
 * a dropped column. */
static bool index_target(struct mp_arena *a, const struct mp_table *st, const struct mp_table *dt,
                         const struct mp_renames *h, enum mp_dialect d, const struct mp_index *x, struct mp_index *out)
{
    const char **from, **to;
    size_t k = col_targets(a, st, dt, h, d, &from, &to);
    *out = *x;
    return mp_index_translate(a, d, out, k, from, to);
}

/* CHECK constraints match by expression (translated into the desired
 * vocabulary) and NOT VALID; names do not count (they print only with
 * MP_CANON_NAMES).  Unmatched start checks are dropped, unmatched desired
 * ones added; a check whose column is dropped is dropped. */
static void diff_checks(struct mp_arena *a, const struct mp_renames *h, enum mp_dialect d, const struct mp_table *st,
                        const struct mp_table *dt, struct mp_changeset *out)
{
    const char **from, **to;
    size_t k = col_targets(a, st, dt, h, d, &from, &to);
    bool *taken = mp_arena_alloc(a, (dt->nchecks + 1) * sizeof *taken);
    memset(taken, 0, (dt->nchecks + 1) * sizeof *taken);
    for (size_t i = 0; i < st->nchecks; i++) {
        struct mp_check c = st->checks[i];
        bool gone = false;
        for (size_t j = 0; j < k; j++)
            gone |= !to[j] && mp_expr_uses(d, c.expr, from[j]);
        long found = -1;
        if (!gone) {
            struct mp_buf b = {0};
            mp_expr_normalize(&b, c.expr, strlen(c.expr), d, from, to, k);
            c.expr = mp_arena_strdup(a, mp_buf_str(&b));
            mp_buf_free(&b);
            found = mp_table_find_check(dt, &c, taken);
        }
        if (found >= 0) {
            taken[found] = true;
            continue;
        }
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_CHECK);
        op->table = st->name;
        op->check = st->checks[i];
    }
    for (size_t j = 0; j < dt->nchecks; j++)
        if (!taken[j]) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_CHECK);
            op->table = dt->name;
            op->check = dt->checks[j];
        }
}

static bool fk_in(enum mp_dialect d, const struct mp_table *t, const struct mp_fk *f)
{
    for (size_t i = 0; i < t->nfks; i++)
        if (mp_names_eq(d, &t->fks[i].cols, &f->cols) &&
            mp_name_eq(d, t->fks[i].ref_table, f->ref_table) &&
            mp_names_eq(d, &t->fks[i].ref_cols, &f->ref_cols) &&
            t->fks[i].on_delete == f->on_delete && t->fks[i].on_update == f->on_update &&
            t->fks[i].deferrable == f->deferrable && t->fks[i].initially_deferred == f->initially_deferred &&
            t->fks[i].match_full == f->match_full)
            return true;
    return false;
}


static int diff_table(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                      const struct mp_renames *h, enum mp_dialect d, unsigned flags, const struct mp_table *st,
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
        const struct mp_table *drt = srt ? mp_diff_table_target(desired, h, d, srt->name) : NULL;
        bool keep = drt && translate_cols(a, st, dt, h, d, &f->cols, &tf.cols) &&
                    translate_cols(a, srt, drt, h, d, &f->ref_cols, &tf.ref_cols);
        if (keep) {
            tf.ref_table = drt->name;
            keep = fk_in(d, dt, &tf) && !mp_diff_fk_on_changed_pk(start, desired, h, d, f);
        }
        if (!keep) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_FK);
            op->table = st->name;
            op->fk = *f;
        }
    }
    for (size_t i = 0; i < st->nindexes; i++) {
        const struct mp_index *x = &st->indexes[i];
        struct mp_index tx;
        const struct mp_rename *ih = index_hint(h, d, st->name, x->name, NULL);
        long di = mp_table_find_index(dt, d, ih ? ih->new_name : x->name);
        if (!ih && index_hint(h, d, st->name, NULL, x->name))
            di = -1; /* the name now belongs to another (renamed) index */
        /* a changed definition is a drop and a create (an index rebuild) */
        bool keep = di >= 0 && index_target(a, st, dt, h, d, x, &tx) && mp_index_def_eq(d, &dt->indexes[di], &tx);
        if (keep && ih) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_RENAME_INDEX);
            op->table = st->name;
            op->name = x->name;
            op->new_name = dt->indexes[di].name;
        }
        if (!keep) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_INDEX);
            op->table = st->name;
            op->name = x->name;
        }
    }
    /* features compare as dialect d keeps them (mp_table_project) */
    if (d == MP_SQLITE && (st->strict != dt->strict || st->without_rowid != dt->without_rowid)) {
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_SET_TABLE_OPTIONS);
        op->table = st->name;
        op->strict = dt->strict;
        op->without_rowid = dt->without_rowid;
    }
    for (size_t i = 0; i < st->ncols; i++) {
        const struct mp_column *c = &st->cols[i];
        const char *fin = mp_diff_column_target(st, dt, h, d, c->name);
        struct mp_column pc = *c, pdc = {0};
        mp_column_project(&pc, d);
        if (fin) {
            pdc = *mp_table_column(dt, d, fin);
            mp_column_project(&pdc, d);
        }
        int frc = fin ? mp_diff_column_features(st, &pc, &pdc, err) : 0;
        if (frc < 0)
            return frc;
        if (frc == 1) {
            /* a generation expression that comes or goes or changes: the
             * column is dropped and added again (its values are computed) */
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_COLUMN);
            op->table = st->name;
            op->name = c->name;
            op = mp_changeset_add(a, out, MP_OP_ADD_COLUMN);
            op->table = dt->name;
            op->column = *mp_table_column(dt, d, fin);
            op->position = (int)mp_table_find_column(dt, d, fin);
            continue;
        }
        if (!fin) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_COLUMN);
            op->table = st->name;
            op->name = c->name;
            continue;
        }
        const struct mp_column *dc = mp_table_column(dt, d, fin);
        /* alterations in place, named as in the start schema */
        bool narrow = !mp_type_eq(&c->type, &dc->type) && !mp_type_widens_in(d, &c->type, &dc->type) &&
                      !mp_utype_change_ok(start, &c->type, desired, &dc->type);
        if (narrow && !(flags & MP_DIFF_ALLOW_NARROWING)) {
            struct mp_buf f = {0}, g = {0};
            mp_type_canonical(&f, &c->type);
            mp_type_canonical(&g, &dc->type);
            mp_error_set(err, MP_EINVAL,
                         "column \"%s\".\"%s\": changing the type from %s to %s is not a value-preserving cast "
                         "(planned: integer to bigint or a wide numeric, varchar to a longer varchar or text, "
                         "numeric to a wider numeric; PostgreSQL also smallint to integer or bigint, "
                         "character(n) to text or a varchar as long)",
                         st->name, c->name, mp_buf_str(&f), mp_buf_str(&g));
            mp_buf_free(&f);
            mp_buf_free(&g);
            return MP_EINVAL;
        }
        if (!mp_type_eq(&c->type, &dc->type)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ALTER_TYPE);
            op->table = st->name;
            op->name = c->name;
            op->column = *dc;
            op->lossy = narrow;
        }
        if (c->not_null != dc->not_null) {
            struct mp_op *op = mp_changeset_add(a, out, dc->not_null ? MP_OP_SET_NOT_NULL : MP_OP_DROP_NOT_NULL);
            op->table = st->name;
            op->name = c->name;
        }
        if (c->default_sql && !dc->default_sql) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_DEFAULT);
            op->table = st->name;
            op->name = c->name;
        } else if (dc->default_sql && !mp_default_eq(c->default_sql, dc->default_sql)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_SET_DEFAULT);
            op->table = st->name;
            op->name = c->name;
            op->column = *dc;
        }
        if (!mp_colfeat_eq(&pc.feat, &pdc.feat)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ALTER_COLUMN_FEATURES);
            op->table = st->name;
            op->name = c->name;
            op->column = *dc;
            op->from_feat = pc.feat;
        }
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
    int prc = mp_diff_pk(a, st, dt, h, d, out, err);
    if (prc)
        return prc;
    /* unique constraints match by their (translated) columns */
    bool *matched = mp_arena_alloc(a, (dt->nuniques + 1) * sizeof *matched);
    for (size_t i = 0; i < st->nuniques; i++) {
        struct mp_names cols;
        long found = -1;
        if (translate_cols(a, st, dt, h, d, &st->uniques[i].cols, &cols))
            for (size_t j = 0; j < dt->nuniques && found < 0; j++)
                if (!matched[j] && mp_names_eq(d, &dt->uniques[j].cols, &cols))
                    found = (long)j;
        if (found >= 0) {
            matched[found] = true;
            continue;
        }
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_UNIQUE);
        op->table = st->name;
        op->unique = st->uniques[i];
    }
    for (size_t j = 0; j < dt->nuniques; j++)
        if (!matched[j]) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_UNIQUE);
            op->table = dt->name;
            op->unique = dt->uniques[j];
        }
    diff_checks(a, h, d, st, dt, out);
    for (size_t i = 0; i < dt->nfks; i++) {
        const struct mp_fk *f = &dt->fks[i];
        /* Is it a surviving start FK?  Translate every start FK and compare. */
        bool found = false;
        for (size_t j = 0; j < st->nfks && !found; j++) {
            struct mp_fk tf = st->fks[j];
            const struct mp_table *srt = mp_schema_table(start, d, tf.ref_table);
            const struct mp_table *drt = srt ? mp_diff_table_target(desired, h, d, srt->name) : NULL;
            if (drt && translate_cols(a, st, dt, h, d, &st->fks[j].cols, &tf.cols) &&
                translate_cols(a, srt, drt, h, d, &st->fks[j].ref_cols, &tf.ref_cols)) {
                tf.ref_table = drt->name;
                struct mp_table one = {0};
                one.fks = &tf;
                one.nfks = 1;
                found = fk_in(d, &one, f) && !mp_diff_fk_on_changed_pk(start, desired, h, d, &st->fks[j]);
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
        const struct mp_rename *ih = index_hint(h, d, st->name, NULL, x->name);
        long si = mp_table_find_index(st, d, ih ? ih->old_name : x->name);
        if (!ih && index_hint(h, d, st->name, x->name, NULL))
            si = -1; /* the start index of that name was renamed away */
        struct mp_index tx;
        bool same = si >= 0 && index_target(a, st, dt, h, d, &st->indexes[si], &tx) && mp_index_def_eq(d, x, &tx);
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
    return mp_diff_ex(a, start, desired, hints, d, 0, out, err);
}

int mp_diff_ex(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
               const struct mp_renames *hints, enum mp_dialect d, unsigned flags, struct mp_changeset *out,
               struct mp_error *err)
{
    for (size_t i = 0; hints && i < hints->n; i++) {
        const struct mp_rename *r = &hints->v[i];
        bool in_table = r->column || r->index;
        const struct mp_table *st = mp_schema_table(start, d, in_table ? r->table : r->old_name);
        if (!st)
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: table \"%s\" is not in the start schema",
                                i + 1, in_table ? r->table : r->old_name);
        if (r->index && mp_table_find_index(st, d, r->old_name) < 0)
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: index \"%s\" is not on table \"%s\" in the start schema",
                                i + 1, r->old_name, r->table);
        if (r->column && !mp_table_column(st, d, r->old_name))
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: column \"%s\".\"%s\" is not in the start schema",
                                i + 1, r->table, r->old_name);
        if (!in_table && !mp_schema_table(desired, d, r->new_name))
            return mp_error_set(err, MP_EINVAL, "rename hint %zu: table \"%s\" is not in the desired schema",
                                i + 1, r->new_name);
        for (size_t j = 0; j < i; j++) {
            const struct mp_rename *o = &hints->v[j];
            if (o->column == r->column && o->index == r->index && (!in_table || mp_name_eq(d, o->table, r->table)) &&
                (mp_name_eq(d, o->old_name, r->old_name) || mp_name_eq(d, o->new_name, r->new_name)))
                return mp_error_set(err, MP_EINVAL, "rename hints %zu and %zu name the same object", j + 1, i + 1);
        }
    }
    /* what SQLite cannot hold is refused by name, before any plan */
    for (int side = 0; d == MP_SQLITE && side < 2; side++) {
        const struct mp_schema *s = side ? desired : start;
        for (size_t i = 0; i < s->ntables; i++)
            for (size_t j = 0; j < s->tables[i]->nindexes; j++) {
                const char *why = mp_index_sqlite_refusal(&s->tables[i]->indexes[j]);
                if (why)
                    return mp_error_set(err, MP_EINVAL, "table \"%s\": index \"%s\": %s", s->tables[i]->name,
                                        s->tables[i]->indexes[j].name, why);
            }
    }
    int trc = mp_diff_types(a, start, desired, d, out, err);
    if (trc)
        return trc;
    /* Tables of the start schema: dropped, or diffed against their target. */
    for (size_t i = 0; i < start->ntables; i++) {
        const struct mp_table *st = start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(desired, hints, d, st->name);
        if (!dt) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_TABLE);
            op->table = st->name;
            continue;
        }
        int rc = diff_table(a, start, desired, hints, d, flags, st, dt, out, err);
        if (rc)
            return rc;
    }
    mp_diff_sequences(a, start, desired, d, out);
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
    return mp_diff_objects(a, start, desired, hints, d, out);
}
