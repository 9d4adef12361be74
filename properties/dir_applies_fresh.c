/* dir_applies_fresh.c - every migration of the history applies, in order, on an empty database. */
#include "dir_properties.h"

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err);
    if (rc)
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, t->c.n);
    rc = mp_dir_apply(t, x, set, set->n, "apply", err);
    mp_dir_end(t, x);
    return rc;
}

const struct mp_dir_property mp_dir_prop_applies_fresh = {
    .name = "applies_fresh",
    .doc = "every migration applies on an empty database (errors name FILE:LINE)",
    .trial = check,
};
