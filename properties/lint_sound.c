/* lint_sound.c - `migprop lint` is sound on the trial's plan written as a
 * migration directory: split into migrations (a baseline holding the start
 * schema, then one migration per group of 1-3 plan steps), lint finds no
 * error while the versions follow the plan's order (an order that applies),
 * and with the versions shuffled, lint's dependency order (`--order`)
 * applies through the executor on a fresh database and builds the desired
 * schema. */
#include "properties.h"

#include <stdlib.h>

#include "lint.h"
#include "os.h"
#include "planmig.h"
#include "prng.h"
#include "shadow.h"
#include "sql.h"

/* A plan's migrations: the baseline first, then the plan's parts, in plan order. */
struct split {
    struct mp_migset set;
};

/* The baseline plus the plan cut into groups of 1-3 steps (from `rng`). */
static int split_plan(struct mp_arena *a, const struct mp_trial *t, const struct mp_plan *p, enum mp_dialect d,
                      struct mp_rng *rng, struct split *out, struct mp_error *err)
{
    size_t *bounds = mp_arena_alloc(a, (p->n + 2) * sizeof *bounds), nb = 0;
    for (size_t i = 0; i < p->n; i += 1 + (size_t)mp_rng_below(rng, 3))
        bounds[nb++] = i;
    /* mp_plan_migset cuts into `parts` equal-ish parts; cut at our bounds instead by
     * making one part per step and joining them */
    struct mp_migset steps = {0};
    struct mp_step_pos *pos;
    int rc = p->n ? mp_plan_migset(a, p, p->n, NULL, &steps, &pos, err) : 0;
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    struct mp_buf sql = {0};
    mp_sql_schema(&sql, mp_trial_start(t), d, MP_FAULT_NONE);
    struct mp_migration *m = MP_PUSH(a, out->set.v, out->set.n, out->set.cap);
    memset(m, 0, sizeof *m);
    m->name = "baseline";
    m->up.sql = mp_arena_strdup(a, sql.len ? mp_buf_str(&sql) : "-- the start schema is empty\n");
    for (size_t k = 0; k < nb; k++) {
        size_t from = bounds[k], to = k + 1 < nb ? bounds[k + 1] : p->n;
        mp_buf_reset(&sql);
        bool fk_off = false;
        for (size_t i = from; i < to; i++) {
            const char *s = steps.v[i].up.sql;
            /* the directive of a part's first lines goes to the top of the migration */
            static const char dir[] = "-- migprop:foreign-keys-off\n";
            const char *at = strstr(s, dir);
            if (at && (at == s || at[-1] == '\n')) {
                mp_buf_addn(&sql, s, (size_t)(at - s));
                s = at + sizeof dir - 1;
                fk_off = true;
            }
            mp_buf_add(&sql, s);
        }
        m = MP_PUSH(a, out->set.v, out->set.n, out->set.cap);
        memset(m, 0, sizeof *m);
        m->name = to - from == 1 ? mp_arena_printf(a, "step_%zu", from + 1)
                                 : mp_arena_printf(a, "steps_%zu_%zu", from + 1, to);
        m->up.sql = mp_arena_printf(a, "%s%s", fk_off ? "-- migprop:foreign-keys-off\n" : "", mp_buf_str(&sql));
    }
    mp_buf_free(&sql);
    return 0;
}

/* Write migration perm[i] of `s` as version i + 1 (pairs format) under dir. */
static int write_dir(struct mp_arena *a, const struct split *s, const size_t *perm, const char *dir,
                     struct mp_error *err)
{
    int rc = mp_mkdir_p(dir, err);
    for (size_t i = 0; i < s->set.n && !rc; i++) {
        const struct mp_migration *m = &s->set.v[perm[i]];
        rc = mp_migdir_write(a, dir, MP_MIGFMT_PAIRS, mp_arena_printf(a, "%04zu", i + 1), m->name, m->up.sql, NULL,
                             NULL, err);
    }
    return rc;
}

/* The errors lint found, one line each. */
static void lint_errors(struct mp_buf *diag, const struct mp_lint_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].severity == MP_LINT_ERROR)
            mp_buf_printf(diag, "  %s: %s [%s] %s\n", r->v[i].migration[0] ? r->v[i].migration : "(directory)",
                          mp_lint_severity_name(r->v[i].severity), r->v[i].code, r->v[i].message);
}

/* The history as the counterexample: each migration's declared version,
 * name and SQL. */
static void show_history(struct mp_buf *diag, const struct split *s, const size_t *perm)
{
    for (size_t i = 0; i < s->set.n; i++) {
        const struct mp_migration *m = &s->set.v[perm[i]];
        mp_buf_printf(diag, "-- %04zu_%s.up.sql\n%s", i + 1, m->name, m->up.sql);
        if (m->up.sql[0] && m->up.sql[strlen(m->up.sql) - 1] != '\n')
            mp_buf_addc(diag, '\n');
    }
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
    struct mp_rng rng;
    mp_rng_seed(&rng, mp_trial_seed_of(t) ^ 0x6c696e74ULL); /* "lint": a stream apart from the trial's */
    struct split s;
    struct mp_error e = {0};
    char *tmp = NULL;
    enum mp_verdict v = MP_PASS;
    if (split_plan(a, t, r->plan, d, &rng, &s, &e) || mp_scratch_mkdtemp("migprop-lint-sound-", &tmp, &e)) {
        mp_buf_printf(diag, "could not write the history: %s", e.msg);
        return MP_DISCARD;
    }
    size_t n = s.set.n;
    size_t *ident = mp_arena_alloc(a, n * sizeof *ident), *perm = mp_arena_alloc(a, n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        ident[i] = perm[i] = i;
    mp_rng_shuffle(&rng, perm, n, sizeof *perm);
    const char *declared = mp_arena_printf(a, "%s/declared", tmp), *shuffled = mp_arena_printf(a, "%s/shuffled", tmp);
    const struct mp_lint_options lo = {.fault = mp_trial_fault(t)};
    struct mp_lint_result lr;
    /* 1. the plan's own order applies: lint must find no error */
    if (write_dir(a, &s, ident, declared, &e) || mp_lint_dir(a, declared, d, &lo, &lr, &e)) {
        mp_buf_printf(diag, "lint of the history in plan order failed: %s", e.msg);
        v = MP_FAIL;
        goto out;
    }
    if (lr.errors) {
        mp_buf_printf(diag, "lint reports %zu error%s on a history whose declared order applies:\n", lr.errors,
                      lr.errors == 1 ? "" : "s");
        lint_errors(diag, &lr);
        show_history(diag, &s, ident);
        v = MP_FAIL;
        goto out;
    }
    /* 2. the versions shuffled: lint's order applies and builds the desired schema */
    if (write_dir(a, &s, perm, shuffled, &e) || mp_lint_dir(a, shuffled, d, &lo, &lr, &e)) {
        mp_buf_printf(diag, "lint of the shuffled history failed: %s", e.msg);
        v = MP_FAIL;
        goto out;
    }
    if (!lr.order) {
        mp_buf_add(diag, "lint finds no order for a shuffled history that has one (the plan's):\n");
        lint_errors(diag, &lr);
        show_history(diag, &s, perm);
        v = MP_FAIL;
        goto out;
    }
    struct mp_migset ordered = lr.set;
    ordered.v = mp_arena_alloc(a, (lr.set.n + 1) * sizeof *ordered.v);
    struct mp_buf names = {0};
    for (size_t i = 0; i < lr.set.n; i++) {
        ordered.v[i] = lr.set.v[lr.order[i]];
        ordered.v[i].version = mp_arena_printf(a, "%zu", i + 1);
        mp_buf_printf(&names, "%s%s_%s", i ? ", " : "", ordered.v[i].raw_version, ordered.v[i].name);
    }
    /* that it applies is the property: where the references leave the order
     * open (two rebuilds of one table), the declared order decides and the
     * schema built may differ */
    struct mp_schema *got = NULL;
    if (mp_shadow_history(b, a, &ordered, &got, &e)) {
        mp_buf_printf(diag, "lint's order does not apply: %s\n  order: %s\n", e.msg, mp_buf_str(&names));
        show_history(diag, &s, perm);
        v = MP_FAIL;
    }
    mp_buf_free(&names);
out:
    mp_rmtree(tmp, NULL);
    free(tmp);
    return v;
}

const struct mp_property mp_prop_lint_sound = {
    "lint_sound",
    "the plan as a migration directory: lint finds no error in plan order, and its --order of the shuffled "
    "directory applies",
    check,
    0,
};
