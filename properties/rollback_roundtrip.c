/* rollback_roundtrip.c - the solver also writes the down migrations; up
 * then down returns the start schema, and the start rows wherever the
 * change set destroyed none (tables it dropped come back empty, columns it
 * dropped come back as their default or NULL, so those are left out, and in
 * a table that lost a column the column order is left out too).  Trials
 * whose change set cannot be reversed (a dropped NOT NULL column without a
 * default) are discarded. */
#include "properties.h"

#include <stdlib.h>

#include "dataread.h"

static const struct mp_table_rows *rows_of(const struct mp_dataset *ds, const char *table)
{
    for (size_t i = 0; i < ds->n; i++)
        if (strcmp(ds->v[i].table, table) == 0)
            return &ds->v[i];
    return NULL;
}

/* `rows` projected onto the columns named in keep[] (NULL entries skipped). */
static struct mp_table_rows project(struct mp_arena *a, const struct mp_table_rows *rows, const char *const *keep,
                                    size_t nkeep, enum mp_dialect d)
{
    struct mp_table_rows out = *rows;
    long *idx = mp_arena_alloc(a, (nkeep + 1) * sizeof *idx);
    out.cols = mp_arena_alloc(a, (nkeep + 1) * sizeof *out.cols);
    out.ncols = 0;
    for (size_t k = 0; k < nkeep; k++) {
        if (!keep[k])
            continue;
        idx[out.ncols] = -1;
        for (size_t c = 0; c < rows->ncols; c++)
            if (mp_name_eq(d, rows->cols[c], keep[k]))
                idx[out.ncols] = (long)c;
        out.cols[out.ncols++] = keep[k];
    }
    out.rows = mp_arena_alloc(a, (rows->nrows + 1) * sizeof *out.rows);
    for (size_t r = 0; r < rows->nrows; r++) {
        const char **v = mp_arena_alloc(a, (out.ncols + 1) * sizeof *v);
        for (size_t c = 0; c < out.ncols; c++)
            v[c] = idx[c] >= 0 ? rows->rows[r][idx[c]] : NULL;
        out.rows[r] = v;
    }
    mp_rows_sort(&out);
    return out;
}

static int cmp_col(const void *x, const void *y)
{
    return strcmp(((const struct mp_column *)x)->name, ((const struct mp_column *)y)->name);
}

/* A copy of s in which the tables named in `sorted` have their columns in
 * name order: a column the change set dropped comes back at the end (ADD
 * COLUMN appends; its old position would need a table rewrite), so for
 * those tables the comparison leaves column order out. */
static struct mp_schema *order_free(struct mp_arena *a, const struct mp_schema *s, const char *const *sorted,
                                    size_t n)
{
    struct mp_schema *c = mp_schema_clone(a, s);
    for (size_t i = 0; i < c->ntables; i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(c->tables[i]->name, sorted[k]) == 0 && c->tables[i]->ncols > 1)
                qsort(c->tables[i]->cols, c->tables[i]->ncols, sizeof *c->tables[i]->cols, cmp_col);
    return c;
}

/* The down sections, for the report. */
static void downs(struct mp_buf *diag, const struct mp_apply_result *r)
{
    for (size_t i = 0; r->migrations && i < r->migrations->n; i++)
        mp_buf_printf(diag, "\ndown of migration %s:\n%s", r->migrations->v[i].raw_version,
                      r->migrations->v[i].down.sql ? r->migrations->v[i].down.sql : "(none)");
}

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got || !r->down_done) {
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    if (r->down_irreversible) {
        mp_buf_printf(diag, MP_CANNOT_APPLY "%zu of %zu migrations cannot be reversed", r->down_irreversible, r->parts);
        return MP_DISCARD;
    }
    if (r->down_rc) {
        mp_buf_printf(diag, "the down migrations failed: %s", r->down_err.msg);
        downs(diag, r);
        return MP_FAIL;
    }
    const struct mp_schema *start = mp_trial_start(t);
    struct mp_arena *a = mp_trial_arena(t);
    enum mp_dialect d = mp_backend_dialect(b);
    const struct mp_schema *desired = mp_trial_expected(t);
    const struct mp_renames *h = mp_trial_renames(t);
    /* tables that lost a column to the change set */
    const char **lost = mp_arena_alloc(a, (start->ntables + 1) * sizeof *lost);
    size_t nlost = 0;
    for (size_t i = 0; i < start->ntables; i++) {
        const struct mp_table *st = start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(desired, h, d, st->name);
        for (size_t c = 0; dt && c < st->ncols; c++)
            if (!mp_diff_column_target(st, dt, h, d, st->cols[c].name)) {
                lost[nlost++] = st->name;
                break;
            }
    }
    struct mp_buf sd = {0};
    size_t changed = mp_schema_diff(&sd, order_free(a, start, lost, nlost), order_free(a, r->down_schema, lost, nlost));
    if (changed) {
        mp_buf_printf(diag, "up then down does not return the start schema (- start, + after down):\n%s",
                      mp_buf_str(&sd));
        mp_buf_free(&sd);
        downs(diag, r);
        return MP_FAIL;
    }
    mp_buf_free(&sd);
    for (size_t i = 0; i < r->data_before->n; i++) {
        const struct mp_table_rows *src = &r->data_before->v[i];
        const struct mp_table *st = mp_schema_table(start, d, src->table);
        const struct mp_table *dt = st ? mp_diff_table_target(desired, h, d, st->name) : NULL;
        if (!dt)
            continue;
        const struct mp_table_rows *back = rows_of(r->down_data, st->name);
        if (!back) {
            mp_buf_printf(diag, "table \"%s\" has no rows to read after down", st->name);
            return MP_FAIL;
        }
        const char **keep = mp_arena_alloc(a, (src->ncols + 1) * sizeof *keep);
        for (size_t c = 0; c < src->ncols; c++)
            keep[c] = mp_diff_column_target(st, dt, h, d, src->cols[c]) ? src->cols[c] : NULL;
        struct mp_table_rows x = project(a, src, keep, src->ncols, d), y = project(a, back, keep, src->ncols, d);
        for (size_t row = 0; row < x.nrows || row < y.nrows; row++) {
            const char *u = row < x.nrows ? mp_row_text(a, &x, row) : "(none)";
            const char *v = row < y.nrows ? mp_row_text(a, &y, row) : "(none)";
            if (strcmp(u, v) != 0) {
                mp_buf_printf(diag, "table \"%s\" after up and down: row (%s) came back as (%s)", st->name, u, v);
                downs(diag, r);
                return MP_FAIL;
            }
        }
    }
    return MP_PASS;
}

const struct mp_property mp_prop_rollback_roundtrip = {
    "rollback_roundtrip",
    "up then the solver's down returns the start schema and the rows the change set kept",
    check,
    MP_NEED_DATA | MP_NEED_DOWN,
};
