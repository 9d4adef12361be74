/* dialect_agreement.c - the same trial applied to SQLite and to PostgreSQL
 * yields equal canonical schemas and equal canonical rows.
 *
 * The canonical form already absorbs the real differences between the
 * dialects, which are therefore not reported:
 *   - type spelling: each dialect's catalog type maps back to one logical
 *     type (double precision / DOUBLE, bytea / BLOB, ...);
 *   - names PostgreSQL generates (t_pkey, t_col_key, t_col_fkey) and SQLite
 *     does not keep: constraint names are left out of the comparison;
 *   - value representation: booleans (t/f vs 1/0), numerics (1.50 vs 1.5),
 *     bytes (\x0a vs blob) are canonicalised per logical type.
 * Anything else that differs is a finding.  A trial with PostgreSQL enum
 * types or domains, which SQLite has not, is discarded. */
#include "properties.h"

#include "dataread.h"

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    enum mp_dialect d = mp_backend_dialect(b), o = d == MP_SQLITE ? MP_POSTGRES : MP_SQLITE;
    struct mp_backend *ob = mp_trial_backend(t, o);
    if (!ob) {
        mp_buf_printf(diag, MP_CANNOT_APPLY "needs both backends (%s is not running)", mp_dialect_name(o));
        return MP_DISCARD;
    }
    /* enum types and domains are PostgreSQL-only (model_type.h): SQLite
     * cannot hold the trial, so the dialects cannot agree on it */
    if (mp_trial_start(t)->ntypes || mp_trial_expected(t)->ntypes) {
        mp_buf_add(diag, MP_CANNOT_APPLY "enum types and domains are PostgreSQL-only");
        return MP_DISCARD;
    }
    const struct mp_apply_result *x = mp_trial_apply(t, b), *y = mp_trial_apply(t, ob);
    if (!x->got || !y->got) {
        mp_buf_add(diag, "the plan did not complete on both backends");
        return MP_DISCARD;
    }
    struct mp_buf sd = {0};
    size_t changed = mp_schema_diff(&sd, x->got, y->got);
    if (changed) {
        mp_buf_printf(diag, "the schemas differ (- %s, + %s):\n%s", mp_dialect_name(d), mp_dialect_name(o),
                      mp_buf_str(&sd));
        mp_buf_free(&sd);
        return MP_FAIL;
    }
    mp_buf_free(&sd);
    if (!x->data_after || !y->data_after)
        return MP_PASS;
    struct mp_arena *a = mp_trial_arena(t);
    for (size_t i = 0; i < x->data_after->n && i < y->data_after->n; i++) {
        const struct mp_table_rows *p = &x->data_after->v[i], *q = &y->data_after->v[i];
        for (size_t r = 0; r < p->nrows || r < q->nrows; r++) {
            const char *u = r < p->nrows ? mp_row_text(a, p, r) : "(none)";
            const char *v = r < q->nrows ? mp_row_text(a, q, r) : "(none)";
            if (strcmp(u, v) != 0) {
                mp_buf_printf(diag, "table \"%s\": %s has (%s) where %s has (%s)", p->table, mp_dialect_name(d), u,
                              mp_dialect_name(o), v);
                return MP_FAIL;
            }
        }
    }
    return MP_PASS;
}

const struct mp_property mp_prop_dialect_agreement = {
    "dialect_agreement",
    "SQLite and PostgreSQL end with the same canonical schema and rows",
    check,
    MP_NEED_DATA,
};
