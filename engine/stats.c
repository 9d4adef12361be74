/* stats.c - `check --stats`: what a run tested, as report comments: the
 * trials, the discards by reason, the operation kinds and sizes of the
 * change sets, the DDL features of the start schemas.  The figures come
 * from the trials' cases regenerated here (generation is deterministic and
 * cheap), so worker processes need not send them. */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Where the run's time went, per property and backend and in all: the
 * engine's phase timers (struct mp_phase_times: work the properties share
 * is charged to the first that needed it, so the figures add up). */
static void stats_phase_times(struct mp_reporter *r, const struct mp_point *pts, size_t n,
                              const struct mp_timing *timing)
{
    for (int d = 0; d < MP_NDIALECTS; d++) {
        if (!timing[d].trials)
            continue;
        struct mp_phase_times sum = {0};
        for (size_t i = 0; i < n; i++) {
            const struct mp_phase_times *p = &pts[i].phases;
            if (pts[i].backend != (enum mp_dialect)d)
                continue;
            double all = p->generate + p->plan + p->execute + p->readback + p->compare + p->shrink;
            if (all <= 0)
                continue;
            mp_reporter_comment(r,
                                "stats: phases %s [%s]: generate %.3f s, plan %.3f s, execute %.3f s, read back %.3f s, "
                                "compare %.3f s, shrink %.3f s",
                                pts[i].property, mp_dialect_name((enum mp_dialect)d), p->generate, p->plan, p->execute,
                                p->readback, p->compare, p->shrink);
            sum.generate += p->generate, sum.plan += p->plan, sum.execute += p->execute;
            sum.readback += p->readback, sum.compare += p->compare, sum.shrink += p->shrink;
        }
        double all = sum.generate + sum.plan + sum.execute + sum.readback + sum.compare + sum.shrink;
        if (all <= 0)
            all = 1;
        mp_reporter_comment(r,
                            "stats: phases [%s] over %lu trials: generate %.0f %%, plan %.0f %%, execute %.0f %%, "
                            "read back %.0f %%, compare %.0f %%, shrink %.0f %%",
                            mp_dialect_name((enum mp_dialect)d), timing[d].trials, 100 * sum.generate / all,
                            100 * sum.plan / all, 100 * sum.execute / all, 100 * sum.readback / all,
                            100 * sum.compare / all, 100 * sum.shrink / all);
    }
}

void mp_run_stats(struct mp_reporter *r, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                  const struct mp_timing *timing)
{
    struct mp_arena *a = mp_arena_new();
    unsigned long total = mp_run_total(cfg), trials = 0, fixed = 0;
    unsigned long kinds[MP_OP__COUNT] = {0};
    size_t *sizes = calloc(total + 1, sizeof *sizes), nsizes = 0, nodiff = 0;
    unsigned long tables = 0, cols = 0, fks = 0, selfref = 0, idx = 0, uniq = 0, maxtables = 0;
    if (!sizes)
        mp_oom();
    for (unsigned long k = 0; k < total; k++) {
        if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
            continue;
        struct mp_case gc;
        const struct mp_case *c;
        uint64_t seed;
        if (k < cfg->nfixed) {
            c = &cfg->fixed[k].c;
            seed = mp_case_trial_seed(cfg->fixed[k].file ? &cfg->fixed[k].file->meta : NULL, cfg->fixed[k].name);
            fixed++;
        } else {
            long trial_no = cfg->only_trial >= 0 ? cfg->only_trial : (long)(k - cfg->nfixed);
            seed = mp_trial_seed(cfg->seed, (uint64_t)trial_no);
            struct mp_rng rng;
            mp_rng_seed(&rng, seed);
            struct mp_error e = {0};
            if (mp_gen_case(a, &rng, mp_gen_size((unsigned long)trial_no), &gc, &e))
                continue;
            c = &gc;
        }
        trials++;
        for (size_t i = 0; i < c->start->ntables; i++) {
            const struct mp_table *t = c->start->tables[i];
            cols += t->ncols, idx += t->nindexes, uniq += t->nuniques, fks += t->nfks;
            for (size_t f = 0; f < t->nfks; f++)
                selfref += strcmp(t->fks[f].ref_table, t->name) == 0;
        }
        tables += c->start->ntables;
        maxtables = c->start->ntables > maxtables ? c->start->ntables : maxtables;
        struct mp_changeset cs = {0};
        struct mp_plan *p;
        struct mp_error e = {0};
        bool diff_failed = false;
        const struct mp_plan_options opt = {cfg->solver, cfg->fault};
        mp_case_plan(a, c, MP_SQLITE, &opt, seed, &cs, &p, &diff_failed, &e);
        if (diff_failed) {
            nodiff++;
            continue;
        }
        sizes[nsizes++] = cs.n;
        for (size_t i = 0; i < cs.n; i++)
            if ((unsigned)cs.ops[i].kind < MP_OP__COUNT)
                kinds[cs.ops[i].kind]++;
    }
    mp_reporter_comment(r, "stats: trials %lu (%lu fixed cases, %lu random)", trials, fixed, trials - fixed);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        if (p->skip || !p->discard)
            continue;
        struct mp_buf b = {0};
        for (size_t w = 0; w < p->nwhy; w++)
            mp_buf_printf(&b, "%s%lu x %s", w ? "; " : "", p->why[w].count, p->why[w].reason);
        mp_reporter_comment(r, "stats: discards %s [%s]: %lu of %lu: %s", p->property, mp_dialect_name(p->backend),
                            p->discard, p->pass + p->discard + p->fail, mp_buf_str(&b));
        mp_buf_free(&b);
    }
    qsort(sizes, nsizes, sizeof *sizes, cmp_size);
    size_t ops = 0;
    for (size_t i = 0; i < nsizes; i++)
        ops += sizes[i];
    mp_reporter_comment(r, "stats: change sets %zu, operations %zu (per set min %zu, median %zu, max %zu)%s", nsizes,
                        ops, nsizes ? sizes[0] : 0, nsizes ? sizes[nsizes / 2] : 0, nsizes ? sizes[nsizes - 1] : 0,
                        nodiff ? mp_arena_printf(a, ", %zu without a change set", nodiff) : "");
    struct mp_buf b = {0};
    for (int k = 0; k < MP_OP__COUNT; k++)
        if (kinds[k])
            mp_buf_printf(&b, "%s%s %lu", b.len ? ", " : "", mp_op_kind_name((enum mp_op_kind)k), kinds[k]);
    mp_reporter_comment(r, "stats: operation kinds: %s", b.len ? mp_buf_str(&b) : "none");
    mp_buf_free(&b);
    mp_reporter_comment(r,
                        "stats: start schemas: %lu tables (at most %lu in one), %lu columns, %lu foreign keys "
                        "(%lu self-referencing), %lu indexes, %lu unique constraints",
                        tables, maxtables, cols, fks, selfref, idx, uniq);
    stats_phase_times(r, pts, n, timing);
    free(sizes);
    mp_arena_free(a);
}
