/* exactly_once.c - four executor processes started at once on one fresh
 * database apply each migration once and all exit 0.  Each migration also
 * inserts its version into a counter table in its own transaction, so a
 * migration run twice shows as a duplicate even where its DDL would not
 * fail. */
#include "properties.h"

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    struct mp_fresh_result f;
    if (mp_trial_fresh_run(t, b, 4, 0, false, &f)) {
        mp_buf_printf(diag, "could not run the executors: %s", f.err.msg);
        return MP_FAIL;
    }
    if (f.skipped) {
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (f.nexited_ok != 4) {
        mp_buf_printf(diag, "%d of 4 runners exited 0 (%d failed, %d killed); first failure: %s", f.nexited_ok,
                      f.nfailed, f.nkilled, f.first_failure);
        return MP_FAIL;
    }
    if (f.runs_counted != (long)r->parts || f.runs_distinct != (long)r->parts) {
        mp_buf_printf(diag, "%zu migrations ran %ld times in all (%ld distinct)", r->parts, f.runs_counted,
                      f.runs_distinct);
        return MP_FAIL;
    }
    if (f.applied_rows != r->parts || f.bad_rows) {
        mp_buf_printf(diag, "the tracking table holds %zu applied and %zu other records for %zu migrations",
                      f.applied_rows, f.bad_rows, r->parts);
        return MP_FAIL;
    }
    struct mp_buf sd = {0};
    size_t changed = mp_schema_diff(&sd, mp_trial_expected(t), f.schema);
    if (changed)
        mp_buf_printf(diag, "after the runners the schema differs from the desired one:\n%s", mp_buf_str(&sd));
    mp_buf_free(&sd);
    return changed ? MP_FAIL : MP_PASS;
}

const struct mp_property mp_prop_exactly_once = {
    "exactly_once",
    "4 executors started together on a fresh database apply each migration once and all exit 0",
    check,
    MP_NEED_FRESH,
};
