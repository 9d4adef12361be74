/* dir_step_roundtrip.c - up k, down k, up k again: the same schema and rows as the first up k. */
#include "dir_properties.h"

#include <string.h>

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    /* the irreversible ones, by name: reported, never silently skipped */
    size_t nrev = 0;
    for (size_t i = 0; i < t->c.n; i++) {
        const struct mp_migration *m = t->h->v[t->c.idx[i]].m;
        if (m->reversible)
            nrev++;
        else
            mp_buf_printf(&t->notes, "irreversible (no down): %s\n", mp_dir_name(t, t->c.idx[i]));
    }
    if (t->c.at < 0) {
        if (!nrev)
            return 0;
        struct mp_rng rng;
        mp_rng_seed(&rng, t->seed);
        size_t pick = (size_t)mp_rng_below(&rng, nrev);
        for (size_t i = 0; i < t->c.n; i++)
            if (t->h->v[t->c.idx[i]].m->reversible && pick-- == 0) {
                t->c.at = (long)i;
                break;
            }
    }
    size_t k = (size_t)t->c.at;
    if (k >= t->c.n || !t->h->v[t->c.idx[k]].m->reversible)
        return mp_error_set(err, MP_EINVAL, "step_roundtrip: position %zu is not a reversible migration", k);
    const char *name = mp_dir_name(t, t->c.idx[k]);
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err), res = 0;
    if (rc)
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, k + 1);
    struct mp_schema *s0, *s1, *sd, *s2;
    struct mp_dataset d0, d1, dd, d2;
    struct mp_buf diff = {0};
    struct mp_error e = {0};
    /* rows go in before up k: they satisfy the schema the migration starts from */
    if ((res = mp_dir_apply(t, x, set, k, "apply", err)) || (res = mp_dir_snapshot(t, &s0, NULL, err)) ||
        (res = mp_dir_insert_rows(t, s0, err)) || (res = mp_dir_snapshot(t, &s0, &d0, err)) ||
        (res = mp_dir_apply(t, x, set, 1, "apply", err)) || (res = mp_dir_snapshot(t, &s1, &d1, err)))
        goto out;
    if (mp_dir_down(t, x, set, 1, &e)) {
        res = mp_dir_fail(t, "down", name, "the down of %s fails: %s", name, e.msg);
        goto out;
    }
    if ((res = mp_dir_snapshot(t, &sd, &dd, err)))
        goto out;
    /* a down that does not restore the schema before it is worth a note: the
     * property itself asks only that up runs again to the same state */
    if (!mp_dir_schema_same(s0, sd, &diff)) {
        size_t lines = 0;
        for (const char *p = mp_buf_str(&diff); *p; p++)
            lines += *p == '\n' && (p[1] == '-' || p[1] == '+');
        mp_buf_printf(&t->notes, "down of %s does not restore the schema before it (%zu lines differ)\n", name,
                      lines + 1);
    }
    mp_buf_reset(&diff);
    if (mp_dir_up(t, x, set, 1, NULL, NULL, &e)) {
        res = mp_dir_fail(t, "reapply", name, "%s does not apply again after its down: %s", name, e.msg);
        goto out;
    }
    if ((res = mp_dir_snapshot(t, &s2, &d2, err)))
        goto out;
    if (!mp_dir_schema_same(s1, s2, &diff)) {
        res = mp_dir_fail(t, "schema", name, "up, down, up of %s leaves a schema other than its first up:\n%s", name,
                          mp_buf_str(&diff));
        goto out;
    }
    if (mp_dir_rows_diff(&diff, &d1, &d2))
        res = mp_dir_fail(t, "rows", name, "up, down, up of %s leaves rows other than its first up:\n%s", name,
                          mp_buf_str(&diff));
out:
    mp_buf_free(&diff);
    mp_dir_end(t, x);
    return res;
}

const struct mp_dir_property mp_dir_prop_step_roundtrip = {
    .name = "step_roundtrip",
    .doc = "for each migration with a down: up, down, up leaves the schema and rows of the first up",
    .random = true,
    .trial = check,
};
