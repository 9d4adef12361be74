/* dir_ordering.c - the history applies, to the same schema, in every order its table dependencies allow. */
#include "dir_properties.h"

#include <stdlib.h>
#include <string.h>

/* c.at of a trial whose c.idx is the order to try (shrinking, replay). */
#define ORDER_PINNED (-2)

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* Apply `idx` (n) on a fresh database; *s the schema after. */
static int run_order(struct mp_dir_trial *t, const size_t *idx, size_t n, const char *kind, struct mp_schema **s,
                     struct mp_error *err)
{
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err);
    if (rc)
        return rc;
    struct mp_migset *set = mp_dir_set(t, idx, n);
    if (!(rc = mp_dir_apply(t, x, set, n, kind, err)))
        rc = mp_dir_snapshot(t, s, NULL, err);
    mp_dir_end(t, x);
    return rc;
}

/* The pair an order failure or difference names: the nearest migration
 * that the declared order puts before `f` and `order` after it (or the
 * other way round). */
static const char *pair_of(struct mp_dir_trial *t, const size_t *order, size_t n, size_t fpos)
{
    size_t f = order[fpos];
    long best = -1;
    for (size_t p = fpos + 1; p < n; p++) /* declared earlier, now later */
        if (order[p] < f && (best < 0 || order[p] > (size_t)best))
            best = (long)order[p];
    if (best < 0)
        for (size_t p = 0; p < fpos; p++) /* declared later, now earlier */
            if (order[p] > f && (best < 0 || order[p] < (size_t)best))
                best = (long)order[p];
    if (best < 0)
        return mp_dir_name(t, f);
    size_t lo = (size_t)best < f ? (size_t)best : f, hi = (size_t)best < f ? f : (size_t)best;
    return mp_arena_printf(t->a, "%s <-> %s", mp_dir_name(t, lo), mp_dir_name(t, hi));
}

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    size_t n = t->c.n;
    size_t *declared = mp_arena_alloc(t->a, (n ? n : 1) * sizeof *declared);
    memcpy(declared, t->c.idx, n * sizeof *declared);
    qsort(declared, n, sizeof *declared, cmp_size);
    if (t->c.at != ORDER_PINNED) {
        /* random adjacent swaps of independent pairs: every order the
         * dependencies allow is reachable this way */
        struct mp_rng rng;
        mp_rng_seed(&rng, t->seed);
        size_t nindep = 0;
        for (size_t i = 0; i + 1 < n; i++)
            nindep += mp_dir_independent(t->h, declared[i], declared[i + 1]);
        if (!nindep) {
            mp_buf_printf(&t->notes, "no two adjacent migrations touch disjoint tables: only the declared order\n");
        } else {
            for (size_t s = 0, swaps = 1 + (size_t)mp_rng_below(&rng, n); s < swaps; s++) {
                size_t p = (size_t)mp_rng_below(&rng, n - 1);
                if (mp_dir_independent(t->h, t->c.idx[p], t->c.idx[p + 1])) {
                    size_t tmp = t->c.idx[p];
                    t->c.idx[p] = t->c.idx[p + 1];
                    t->c.idx[p + 1] = tmp;
                }
            }
        }
        t->c.at = ORDER_PINNED;
    }
    struct mp_schema *want, *got;
    int rc = run_order(t, declared, n, "apply", &want, err);
    if (rc || memcmp(declared, t->c.idx, n * sizeof *declared) == 0)
        return rc;
    struct mp_error e = {0};
    struct mp_target *x;
    if ((rc = mp_dir_begin(t, &x, err)))
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, n);
    long failed;
    struct mp_buf diff = {0}, order = {0};
    for (size_t i = 0; i < n; i++)
        mp_buf_printf(&order, "  %s\n", mp_dir_name(t, t->c.idx[i]));
    if (mp_dir_up(t, x, set, n, &failed, NULL, &e)) {
        if (failed < 0) {
            *err = e;
            rc = e.code ? e.code : MP_EDB;
        } else {
            const char *pair = pair_of(t, t->c.idx, n, (size_t)failed);
            rc = mp_dir_fail(t, "order", pair,
                             "swapping %s: %s does not apply: %s\norder tried:\n%s", pair,
                             mp_dir_name(t, t->c.idx[failed]), e.msg, mp_buf_str(&order));
        }
    } else if (!(rc = mp_dir_snapshot(t, &got, NULL, err)) && !mp_dir_schema_same(want, got, &diff)) {
        rc = mp_dir_fail(t, "order-schema", mp_buf_str(&diff),
                         "an order the dependencies allow ends in another schema (- declared, + this order):\n%s"
                         "order tried:\n%s", mp_buf_str(&diff), mp_buf_str(&order));
    }
    mp_buf_free(&diff);
    mp_buf_free(&order);
    mp_dir_end(t, x);
    return rc;
}

const struct mp_dir_property mp_dir_prop_ordering = {
    .name = "ordering",
    .doc = "the history applies, to the same schema, with adjacent independent migrations swapped",
    .random = true,
    .trial = check,
};
