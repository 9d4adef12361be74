/* dir_idempotent_rerun.c - a second `up` runs nothing, and a migration that declares itself idempotent may run again harmlessly. */
#include "dir_properties.h"

#include <string.h>

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err), res = 0;
    if (rc)
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, t->c.n);
    struct mp_schema *s1, *s2;
    struct mp_dataset d1, d2;
    struct mp_buf diff = {0};
    size_t applied = 0;
    if ((res = mp_dir_apply(t, x, set, set->n, "apply", err)))
        goto out;
    /* rows, so that a re-run that deletes or rewrites data shows */
    if ((res = mp_dir_snapshot(t, &s1, NULL, err)) || (res = mp_dir_insert_rows(t, s1, err)) ||
        (res = mp_dir_snapshot(t, &s1, &d1, err)))
        goto out;
    long failed;
    struct mp_error e = {0};
    if (mp_dir_up(t, x, set, set->n, &failed, &applied, &e)) {
        res = mp_dir_fail(t, "rerun", "up", "a second up fails: %s", e.msg);
        goto out;
    }
    if (applied) {
        res = mp_dir_fail(t, "rerun", "up", "a second up ran %zu migrations again", applied);
        goto out;
    }
    if ((res = mp_dir_snapshot(t, &s2, &d2, err)))
        goto out;
    if (!mp_dir_schema_same(s1, s2, &diff) || mp_dir_rows_diff(&diff, &d1, &d2)) {
        res = mp_dir_fail(t, "rerun", "up", "a second up changed the database:\n%s", mp_buf_str(&diff));
        goto out;
    }
    /* the migrations that say they can run again: run their SQL once more */
    struct mp_buf names = {0};
    for (size_t i = 0; i < set->n && !res; i++) {
        const struct mp_migration *m = &set->v[i];
        if (!t->h->v[t->c.idx[i]].idempotent || !m->up.sql || m->up.fn)
            continue;
        const char *name = mp_dir_mig_name(t->a, m);
        mp_buf_printf(&names, "%s%s", names.len ? ", " : "", name);
        if (mp_target_exec(x, m->up.path, m->up.line, m->up.sql, &e)) {
            res = mp_dir_fail(t, "idempotent", name, "%s declares itself idempotent but fails when run again: %s",
                              name, e.msg);
            break;
        }
        if ((res = mp_dir_snapshot(t, &s2, &d2, err)))
            break;
        mp_buf_reset(&diff);
        if (!mp_dir_schema_same(s1, s2, &diff) || mp_dir_rows_diff(&diff, &d1, &d2))
            res = mp_dir_fail(t, "idempotent", name,
                              "%s declares itself idempotent but running it again changed the database:\n%s", name,
                              mp_buf_str(&diff));
    }
    if (!res)
        mp_buf_printf(&t->notes, "idempotent migrations run again: %s\n", names.len ? mp_buf_str(&names) : "none");
    mp_buf_free(&names);
out:
    mp_buf_free(&diff);
    mp_dir_end(t, x);
    return res;
}

const struct mp_dir_property mp_dir_prop_idempotent_rerun = {
    .name = "idempotent_rerun",
    .doc = "a second up is a no-op; migrations declared idempotent change nothing when run again",
    .trial = check,
};
