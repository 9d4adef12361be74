/* run.c - mp_run(): the trial loop over the fixed cases and the random
 * trials, each property on each active backend, failures recorded (and
 * shrunk), timing kept, and the report. */
#include "engine_int.h"
#include "os.h"
#include "pgcluster.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned long mp_run_total(const struct mp_run_config *cfg)
{
    return cfg->nfixed + (cfg->only_trial >= 0 ? 1 : cfg->iterations);
}

static void record_failure(struct mp_point *pt, struct mp_trial *t, const char *label, long trial,
                           const char *diag, enum mp_dialect d)
{
    pt->label = mp_xstrdup(label);
    pt->trial = trial;
    pt->trial_seed = t->seed;
    pt->message = mp_xstrdup(diag);
    struct mp_buf b = {0};
    mp_schema_canonical(&b, t->c->start, MP_CANON_NAMES);
    pt->start = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_schema_canonical(&b, t->c->desired, MP_CANON_NAMES);
    pt->desired = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_renames_print(&b, &t->c->renames);
    pt->renames = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    const struct mp_apply_result *r = &t->res[d];
    if (t->applied[d] && r->changes) {
        for (size_t i = 0; i < r->changes->n; i++) {
            mp_op_describe(&b, &r->changes->ops[i]);
            mp_buf_addc(&b, '\n');
        }
        pt->changes = mp_xstrdup(mp_buf_str(&b));
        mp_buf_reset(&b);
    }
    if (t->applied[d] && r->plan) {
        mp_plan_script(&b, r->plan);
        pt->sql = mp_xstrdup(mp_buf_str(&b));
    }
    mp_buf_free(&b);
}

int mp_run_trials(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                  struct mp_timing *timing, unsigned worker, unsigned nw, char *log)
{
    int status = 0;
    unsigned long total = mp_run_total(cfg);
    unsigned long in_shard = 0, done = 0;
    /* the human format shows progress on a terminal (stderr, one line) */
    bool bar = cfg->format == MP_FORMAT_HUMAN && !log && isatty(2);
    for (unsigned long k = 0; k < total && status != 2; k++) {
        if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
            continue;
        if (in_shard++ % (nw ? nw : 1) != worker)
            continue;
        if (mp_pgcluster_interrupted()) {
            fprintf(stderr, "migprop: interrupted\n");
            status = 2;
            break;
        }
        struct mp_trial t = {.a = mp_arena_new(), .solver = cfg->solver, .fault = cfg->fault, .keep_dir = cfg->keep_dir,
                             .needs = needs, .backends = cfg->backends};
        struct mp_case gc;
        const char *label;
        long trial_no;
        char lbuf[64];
        if (k < cfg->nfixed) {
            t.c = &cfg->fixed[k].c;
            label = cfg->fixed[k].name;
            trial_no = -1;
            /* from the file's name, so adding a case shifts no other */
            const char *base = strrchr(label, '/') ? strrchr(label, '/') + 1 : label;
            uint64_t h = 1469598103934665603ULL;
            for (const char *q = base; *q; q++)
                h = (h ^ (unsigned char)*q) * 1099511628211ULL;
            t.seed = mp_trial_seed(h, 0);
        } else {
            trial_no = cfg->only_trial >= 0 ? cfg->only_trial : (long)(k - cfg->nfixed);
            t.seed = mp_trial_seed(cfg->seed, (uint64_t)trial_no);
            struct mp_rng rng;
            mp_rng_seed(&rng, t.seed);
            struct mp_error e = {0};
            if (mp_gen_case(t.a, &rng, mp_gen_size((unsigned long)trial_no), &gc, &e)) {
                fprintf(stderr, "migprop: trial %ld: %s\n", trial_no, e.msg);
                status = 2;
                mp_arena_free(t.a);
                break;
            }
            t.c = &gc;
            snprintf(lbuf, sizeof lbuf, "trial %ld", trial_no);
            label = lbuf;
        }
        t.label = k < cfg->nfixed ? label : mp_arena_printf(t.a, "trial-%ld", trial_no);
        if (!cfg->no_data) {
            /* rows from a stream of their own, so they never shift the case */
            struct mp_rng drng;
            mp_rng_seed(&drng, t.seed ^ 0xda7ada7ada7ada7aULL);
            size_t rows = trial_no < 0 ? 4 : 1 + (size_t)(trial_no / 10 < 11 ? trial_no / 10 : 11);
            mp_data_gen(t.a, &drng, t.c->start, t.c->desired, &t.c->renames, rows, &t.data);
        }
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_backend *b = cfg->backends[d];
            if (!b)
                continue;
            double t0 = mp_now();
            bool any = false;
            for (size_t i = 0; i < n; i++) {
                struct mp_point *pt = &pts[i];
                if (pt->backend != (enum mp_dialect)d || pt->skip || pt->fail)
                    continue;
                const struct mp_property *prop = NULL;
                for (size_t j = 0; j < cfg->nprops; j++)
                    if (cfg->props[j].name == pt->property)
                        prop = &cfg->props[j];
                struct mp_buf diag = {0};
                enum mp_verdict v = prop->check(&t, b, &diag);
                any = true;
                if (t.infra_error) {
                    fprintf(stderr, "migprop: %s on %s: %s\n", label, mp_dialect_name((enum mp_dialect)d), t.infra.msg);
                    status = 2;
                    mp_buf_free(&diag);
                    break;
                }
                if (log)
                    log[i * total + k] = v == MP_PASS ? 'p' : v == MP_DISCARD ? 'd' : 'f';
                if (v == MP_PASS)
                    pt->pass++;
                else if (v == MP_DISCARD)
                    pt->discard++;
                else {
                    pt->fail++;
                    record_failure(pt, &t, label, trial_no, mp_buf_str(&diag), (enum mp_dialect)d);
                    if (cfg->shrink)
                        mp_failure_shrink_write(cfg, pt, &t, prop, (enum mp_dialect)d, trial_no);
                    if (status == 0)
                        status = 1;
                }
                mp_buf_free(&diag);
            }
            if (any) {
                timing[d].trials++;
                timing[d].seconds += mp_now() - t0;
            }
        }
        mp_arena_free(t.a);
        if (bar) {
            size_t failing = 0;
            for (size_t i = 0; i < n; i++)
                failing += pts[i].fail ? 1 : 0;
            unsigned width = 30, fill = (unsigned)(++done * width / (total ? total : 1));
            fprintf(stderr, "\r[%.*s%*s] %lu/%lu trials, %zu failing", (int)fill, "##############################",
                    (int)(width - fill), "", done, total, failing);
            fflush(stderr);
        }
    }
    if (bar)
        fprintf(stderr, "\r%*s\r", 70, "");
    return status;
}

int mp_run(const struct mp_run_config *cfg, FILE *out)
{
    size_t np = cfg->nprops * MP_NDIALECTS;
    unsigned needs = 0;
    for (size_t i = 0; i < cfg->nprops; i++)
        needs |= cfg->props[i].needs;
    struct mp_point *pts = calloc(np ? np : 1, sizeof *pts);
    if (!pts)
        mp_oom();
    size_t n = 0;
    /* points: property-major, sqlite then postgres */
    for (size_t i = 0; i < cfg->nprops; i++)
        for (int d = 0; d < MP_NDIALECTS; d++) {
            if (!cfg->backends[d] && !cfg->skip_reason[d])
                continue;
            pts[n].property = cfg->props[i].name;
            pts[n].backend = (enum mp_dialect)d;
            pts[n].skip = cfg->backends[d] ? NULL : cfg->skip_reason[d];
            n++;
        }
    struct mp_timing timing[MP_NDIALECTS] = {{0}};
    int status = cfg->jobs > 1 ? mp_run_jobs(cfg, pts, n, needs, timing)
                               : mp_run_trials(cfg, pts, n, needs, timing, 0, 1, NULL);
    mp_run_report(out, cfg, pts, n, timing);
    if (cfg->first_failure) {
        *cfg->first_failure = -1;
        for (size_t i = 0; i < n; i++)
            if (pts[i].fail && (*cfg->first_failure < 0 || pts[i].trial + 1 < *cfg->first_failure))
                *cfg->first_failure = pts[i].trial + 1;
    }
    for (size_t i = 0; i < n; i++)
        mp_point_free(&pts[i]);
    free(pts);
    return status;
}
