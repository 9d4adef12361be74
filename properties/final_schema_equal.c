/* final_schema_equal.c - after the plan, the database's schema (read back
 * from its catalogs) equals the desired schema in canonical form. */
#include "properties.h"

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got) {
        /* the plan did not complete: ordering_valid reports why */
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    struct mp_buf d = {0};
    size_t changed = mp_schema_diff(&d, mp_trial_expected(t), r->got);
    if (changed) {
        mp_buf_printf(diag, "the schema after the plan differs from the desired one in %zu line%s "
                            "(- desired, + database):\n%s",
                      changed, changed == 1 ? "" : "s", mp_buf_str(&d));
    }
    mp_buf_free(&d);
    return changed ? MP_FAIL : MP_PASS;
}

const struct mp_property mp_prop_final_schema_equal = {
    "final_schema_equal",
    "the schema read back from the database equals the desired schema (canonical form)",
    check,
    0,
};
