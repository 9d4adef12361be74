/* data_preserved.c - every start row is still there after the migration,
 * followed through table and column renames and type changes: dropped
 * tables and columns aside, each row of a surviving table appears with the
 * same values (canonical form), added columns hold their default or NULL,
 * and no row appears from nowhere.  Rows compare as sorted multisets, so a
 * changed primary key shows as one row missing and one row unexpected. */
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

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got || !r->data_after) {
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    struct mp_arena *a = mp_trial_arena(t);
    enum mp_dialect d = mp_backend_dialect(b);
    const struct mp_schema *start = mp_trial_start(t), *desired = mp_trial_expected(t);
    const struct mp_renames *h = mp_trial_renames(t);
    size_t checked = 0;
    for (size_t i = 0; i < r->data_before->n; i++) {
        const struct mp_table_rows *src = &r->data_before->v[i];
        const struct mp_table *st = mp_schema_table(start, d, src->table);
        const struct mp_table *dt = st ? mp_diff_table_target(desired, h, d, st->name) : NULL;
        if (!dt)
            continue; /* dropped by the change set */
        const struct mp_table_rows *got = rows_of(r->data_after, dt->name);
        if (!got) {
            mp_buf_printf(diag, "table \"%s\" (\"%s\" at the start) is missing after the migration", dt->name,
                          st->name);
            return MP_FAIL;
        }
        /* expected rows, in the columns (and order) of the table read back */
        struct mp_table_rows want = *got;
        want.rows = mp_arena_alloc(a, (src->nrows + 1) * sizeof *want.rows);
        want.nrows = src->nrows;
        long *from = mp_arena_alloc(a, (got->ncols + 1) * sizeof *from);
        const char **fill = mp_arena_alloc(a, (got->ncols + 1) * sizeof *fill);
        for (size_t c = 0; c < got->ncols; c++) {
            from[c] = -1;
            for (size_t k = 0; k < src->ncols && from[c] < 0; k++) {
                const char *fin = mp_diff_column_target(st, dt, h, d, src->cols[k]);
                if (fin && mp_name_eq(d, fin, got->cols[c]))
                    from[c] = (long)k;
            }
            const struct mp_column *dc = mp_table_column(dt, d, got->cols[c]);
            fill[c] = from[c] < 0 && dc ? mp_default_canonical(a, &got->types[c], dc->default_sql) : NULL;
        }
        for (size_t row = 0; row < src->nrows; row++) {
            const char **v = mp_arena_alloc(a, (got->ncols + 1) * sizeof *v);
            for (size_t c = 0; c < got->ncols; c++)
                v[c] = from[c] >= 0 ? mp_value_canonical(a, &got->types[c], src->rows[row][from[c]]) : fill[c];
            want.rows[row] = v;
        }
        mp_rows_sort(&want);
        /* merge the two sorted lists */
        size_t p = 0, q = 0;
        while (p < want.nrows || q < got->nrows) {
            int c = p >= want.nrows ? 1 : q >= got->nrows ? -1
                    : strcmp(mp_row_text(a, &want, p), mp_row_text(a, got, q));
            if (c == 0) {
                p++, q++;
                continue;
            }
            mp_buf_printf(diag, "table \"%s\" (\"%s\" at the start), columns (", dt->name, st->name);
            for (size_t k = 0; k < got->ncols; k++)
                mp_buf_printf(diag, "%s\"%s\"", k ? ", " : "", got->cols[k]);
            mp_buf_add(diag, "):\n");
            if (c < 0)
                mp_buf_printf(diag, "  missing:    (%s)\n", mp_row_text(a, &want, p));
            if (c > 0)
                mp_buf_printf(diag, "  unexpected: (%s)\n", mp_row_text(a, got, q));
            if (c < 0 && q < got->nrows)
                mp_buf_printf(diag, "  nearest in the database: (%s)", mp_row_text(a, got, q));
            else if (c > 0 && p < want.nrows)
                mp_buf_printf(diag, "  nearest expected: (%s)", mp_row_text(a, &want, p));
            return MP_FAIL;
        }
        checked += src->nrows;
    }
    if (!checked) {
        mp_buf_add(diag, "no start rows survive the change set");
        return MP_DISCARD;
    }
    return MP_PASS;
}

const struct mp_property mp_prop_data_preserved = {
    "data_preserved",
    "every start row survives the migration, followed through renames and type changes",
    check,
    MP_NEED_DATA,
};
