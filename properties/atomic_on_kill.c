/* atomic_on_kill.c - an executor killed with SIGKILL inside migration k
 * (chosen from the trial's seed, as is whether it dies just before or just
 * after that migration's commit) leaves the database at a migration
 * boundary that the tracking table describes, and the next run completes
 * the migrations. */
#include "properties.h"

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got || !r->parts) {
        mp_buf_add(diag, "the plan did not complete");
        return MP_DISCARD;
    }
    uint64_t s = mp_trial_seed_of(t);
    long k = 1 + (long)((s >> 16) % r->parts);
    bool after = (s >> 32) & 1;
    struct mp_fresh_result f;
    if (mp_trial_fresh_run(t, b, 1, k, after, &f)) {
        mp_buf_printf(diag, "could not run the executor: %s", f.err.msg);
        return MP_FAIL;
    }
    if (f.skipped)
        return MP_DISCARD;
    const char *where = after ? "after" : "before";
    if (f.nkilled != 1) {
        mp_buf_printf(diag, "the runner meant to die %s the commit of migration %ld %s: %s", where, k,
                      f.nfailed ? "failed instead" : "was not killed", f.first_failure);
        return MP_FAIL;
    }
    if (f.bad_rows) {
        mp_buf_printf(diag, "killed %s the commit of migration %ld: %zu tracking records are not 'applied'", where,
                      k, f.bad_rows);
        return MP_FAIL;
    }
    struct mp_buf sd = {0};
    size_t changed = mp_schema_diff(&sd, f.expected, f.schema);
    if (changed) {
        mp_buf_printf(diag,
                      "killed %s the commit of migration %ld: the tracking table records %zu applied, but the "
                      "schema is not at that boundary (- expected, + database):\n%s",
                      where, k, f.applied_rows, mp_buf_str(&sd));
        mp_buf_free(&sd);
        return MP_FAIL;
    }
    if (!f.completed || !f.final) {
        mp_buf_printf(diag, "killed %s the commit of migration %ld; %s", where, k, f.first_failure);
        return MP_FAIL;
    }
    changed = mp_schema_diff(&sd, mp_trial_expected(t), f.final);
    if (changed)
        mp_buf_printf(diag, "after the kill and a new run the schema differs from the desired one:\n%s",
                      mp_buf_str(&sd));
    mp_buf_free(&sd);
    return changed ? MP_FAIL : MP_PASS;
}

const struct mp_property mp_prop_atomic_on_kill = {
    "atomic_on_kill",
    "an executor killed inside a migration leaves a recorded boundary, and the next run completes",
    check,
    MP_NEED_FRESH,
};
