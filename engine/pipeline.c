/* pipeline.c - the one planning pipeline (diff, scramble, plan) every
 * trial, shrink candidate, trace, case description and benchmark shares,
 * and the trace `migprop replay --trace` prints of it. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

struct keyed {
    uint64_t key;
    struct mp_op op;
};

static int cmp_keyed(const void *p, const void *q)
{
    uint64_t a = ((const struct keyed *)p)->key, b = ((const struct keyed *)q)->key;
    return (a > b) - (a < b);
}

void mp_changeset_scramble(struct mp_arena *a, struct mp_changeset *cs, uint64_t seed)
{
    struct keyed *v = mp_arena_alloc(a, (cs->n + 1) * sizeof *v);
    for (size_t i = 0; i < cs->n; i++) {
        struct mp_buf d = {0};
        mp_op_describe(&d, &cs->ops[i]);
        uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a over the description, keyed by the seed */
        for (const char *c = mp_buf_str(&d); *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        mp_buf_free(&d);
        struct mp_rng r;
        mp_rng_seed(&r, h);
        v[i].key = mp_rng_next(&r);
        v[i].op = cs->ops[i];
    }
    if (cs->n)
        qsort(v, cs->n, sizeof *v, cmp_keyed);
    for (size_t i = 0; i < cs->n; i++)
        cs->ops[i] = v[i].op;
}

int mp_case_plan(struct mp_arena *a, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                 uint64_t seed, struct mp_changeset *cs, struct mp_plan **out, bool *diff_failed, struct mp_error *err)
{
    static const struct mp_plan_options defaults = {0};
    if (!opt)
        opt = &defaults;
    if (diff_failed)
        *diff_failed = false;
    memset(cs, 0, sizeof *cs);
    int rc = mp_diff(a, c->start, c->desired, &c->renames, d, cs, err);
    if (rc) {
        if (diff_failed)
            *diff_failed = true;
        return rc;
    }
    /* the solver never sees the order the change set was made in */
    mp_changeset_scramble(a, cs, seed);
    /* the naive-order fault is the naive solver under the default's name */
    struct mp_plan_options o = *opt;
    if (o.fault == MP_FAULT_NAIVE_ORDER)
        o.solver = MP_SOLVER_NAIVE;
    return mp_plan_build(a, c->start, cs, d, &o, out, err);
}

void mp_case_trace(struct mp_buf *out, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                   uint64_t seed)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_changeset cs;
    struct mp_error e = {0};
    struct mp_plan *p;
    bool diff_failed;
    if (mp_case_plan(a, c, d, opt, seed, &cs, &p, &diff_failed, &e)) {
        mp_buf_printf(out, "trace: %s: %s\n",
                      diff_failed ? "the change set could not be computed" : "the solver could not plan the change set",
                      e.msg);
        mp_arena_free(a);
        return;
    }
    mp_buf_printf(out, "trace: %zu step%s on %s%s\n", p->n, p->n == 1 ? "" : "s", mp_dialect_name(d),
                  p->sqlite_fk_off ? " (foreign keys off around the transaction)" : "");
    for (size_t i = 0; i < p->n; i++) {
        const struct mp_step *st = &p->steps[i];
        struct mp_buf b = {0};
        mp_op_describe(&b, &st->op);
        char *nl = strchr(b.s, '\n');
        if (nl)
            *nl = 0;
        mp_buf_printf(out, "step %zu: %s\n", i + 1, mp_buf_str(&b));
        mp_buf_free(&b);
        if (st->why)
            mp_buf_printf(out, "  %s\n", st->why);
        mp_buf_printf(out, "  preconditions: %s\n", st->invalid ? st->invalid : "hold");
        for (const char *q = st->sql; *q;) {
            const char *e2 = strchr(q, '\n');
            size_t n = e2 ? (size_t)(e2 - q) : strlen(q);
            mp_buf_printf(out, "  | %.*s\n", (int)n, q);
            q += n + (e2 ? 1 : 0);
        }
    }
    mp_arena_free(a);
}
