/* idempotent.c - once the plan is applied, there is nothing left to do:
 * re-planning from the database's schema to the desired one gives an empty
 * change set, and running the executor again applies nothing and changes
 * neither the schema nor the rows. */
#include "properties.h"

#include "dataread.h"

static bool same_data(const struct mp_dataset *x, const struct mp_dataset *y, struct mp_arena *a,
                      struct mp_buf *diag)
{
    if (x->n != y->n) {
        mp_buf_printf(diag, "%zu tables of rows before, %zu after", x->n, y->n);
        return false;
    }
    for (size_t i = 0; i < x->n; i++) {
        const struct mp_table_rows *p = &x->v[i], *q = &y->v[i];
        if (p->nrows != q->nrows) {
            mp_buf_printf(diag, "table \"%s\": %zu rows before the second run, %zu after", p->table, p->nrows,
                          q->nrows);
            return false;
        }
        for (size_t r = 0; r < p->nrows; r++) {
            const char *u = mp_row_text(a, p, r), *v = mp_row_text(a, q, r);
            if (strcmp(u, v) != 0) {
                mp_buf_printf(diag, "table \"%s\": row (%s) became (%s)", p->table, u, v);
                return false;
            }
        }
    }
    return true;
}

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got) {
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    struct mp_arena *a = mp_trial_arena(t);
    enum mp_dialect d = mp_backend_dialect(b);
    /* 1. re-planning gives nothing to do */
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    if (mp_diff(a, r->got, mp_trial_expected(t), NULL, d, &cs, &e)) {
        mp_buf_printf(diag, "re-planning from the database's schema failed: %s", e.msg);
        return MP_FAIL;
    }
    if (cs.n) {
        mp_buf_printf(diag, "re-planning from the database's schema to the desired one still finds %zu change%s:",
                      cs.n, cs.n == 1 ? "" : "s");
        for (size_t i = 0; i < cs.n && i < 10; i++) {
            mp_buf_add(diag, "\n  ");
            struct mp_buf o = {0};
            mp_op_describe(&o, &cs.ops[i]);
            mp_buf_add(diag, mp_buf_str(&o));
            mp_buf_free(&o);
        }
        return MP_FAIL;
    }
    /* 2. a second run of the executor does nothing */
    if (!r->rerun_done)
        return MP_DISCARD;
    if (r->rerun_rc) {
        mp_buf_printf(diag, "the second run of the executor failed: %s", r->rerun_err.msg);
        return MP_FAIL;
    }
    if (r->rerun_applied) {
        mp_buf_printf(diag, "the second run of the executor applied %zu migration%s again", r->rerun_applied,
                      r->rerun_applied == 1 ? "" : "s");
        return MP_FAIL;
    }
    struct mp_buf sd = {0};
    size_t changed = mp_schema_diff(&sd, r->got, r->rerun_schema);
    if (changed) {
        mp_buf_printf(diag, "the second run changed the schema (- before, + after):\n%s", mp_buf_str(&sd));
        mp_buf_free(&sd);
        return MP_FAIL;
    }
    mp_buf_free(&sd);
    if (r->data_after && r->rerun_data && !same_data(r->data_after, r->rerun_data, a, diag)) {
        mp_buf_add(diag, " (the second run changed the rows)");
        return MP_FAIL;
    }
    return MP_PASS;
}

const struct mp_property mp_prop_idempotent = {
    "idempotent",
    "after the plan, re-planning finds nothing to do and a second executor run applies nothing",
    check,
    MP_NEED_DATA | MP_NEED_RERUN,
};
