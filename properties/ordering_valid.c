/* ordering_valid.c - every planned step is accepted by the virtual schema
 * and executed by the real database without error. */
#include "properties.h"

static void step_text(struct mp_buf *diag, const struct mp_plan *p, long i)
{
    struct mp_buf d = {0};
    mp_op_describe(&d, &p->steps[i].op);
    mp_buf_printf(diag, "step %ld (%s)", i + 1, mp_buf_str(&d));
    mp_buf_free(&d);
}

static enum mp_verdict check(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag)
{
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (r->plan_rc) {
        mp_buf_printf(diag, "the solver could not plan the change set: %s", r->plan_err.msg);
        return MP_FAIL;
    }
    if (r->invalid_step >= 0) {
        step_text(diag, r->plan, r->invalid_step);
        mp_buf_printf(diag, " violates a precondition: %s", r->plan->steps[r->invalid_step].invalid);
        if (r->failed_step >= 0)
            mp_buf_printf(diag, "\nthe database then failed: %s", r->db_err.msg);
        return MP_FAIL;
    }
    if (r->setup_failed) {
        mp_buf_printf(diag, "the start schema could not be created: %s", r->db_err.msg);
        return MP_FAIL;
    }
    if (r->failed_step >= 0) {
        if (r->failed_step < (long)r->plan->n)
            step_text(diag, r->plan, r->failed_step);
        else
            mp_buf_add(diag, "the end of the plan");
        mp_buf_printf(diag, " failed in the database [%s]: %s", r->db_err.sqlstate, r->db_err.msg);
        return MP_FAIL;
    }
    return MP_PASS;
}

const struct mp_property mp_prop_ordering_valid = {
    "ordering_valid",
    "every planned step passes the virtual schema and runs in the database without error",
    check,
    0,
};
