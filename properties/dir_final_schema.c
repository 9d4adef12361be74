/* dir_final_schema.c - the schema after the whole history equals the --expect-schema file. */
#include "dir_properties.h"

#include "shadow.h"

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    if (!t->expect_schema) {
        t->skip = "no --expect-schema FILE";
        return 0;
    }
    struct mp_schema *want, *got;
    int rc = mp_shadow_load_ddl(t->b, t->a, t->expect_schema, &want, err);
    if (rc)
        return rc;
    struct mp_target *x;
    if ((rc = mp_dir_begin(t, &x, err)))
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, t->c.n);
    struct mp_buf diff = {0};
    if (!(rc = mp_dir_apply(t, x, set, set->n, "apply", err)) && !(rc = mp_dir_snapshot(t, &got, NULL, err)) &&
        !mp_dir_schema_same(want, got, &diff))
        /* the diff is the subject: shrinking keeps exactly this difference */
        rc = mp_dir_fail(t, "schema", mp_buf_str(&diff),
                         "the schema after %zu migrations differs from %s (- expected, + got):\n%s", set->n,
                         t->expect_schema, mp_buf_str(&diff));
    mp_buf_free(&diff);
    mp_dir_end(t, x);
    return rc;
}

const struct mp_dir_property mp_dir_prop_final_schema = {
    .name = "final_schema",
    .doc = "the schema after all migrations equals --expect-schema FILE (canonical diff on failure)",
    .trial = check,
};
