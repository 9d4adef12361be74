/* run.c - mp_run(): the trial loop over the fixed cases and the random
 * trials, each property on each active backend, failures recorded (and
 * shrunk), timing kept, and the report. */
#include "engine_int.h"
#include "interrupt.h"
#include "progress.h"
#include "os.h"
#include "pgcluster.h"
#include "text.h"
#include "gen_types.h"
#include "gen_pgindex.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
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

/* The signal that interrupts the run, or 0: ours, or the cluster's
 * handler's when it was installed after ours (then SIGINT, the usual one). */
static int interrupted(void)
{
    int sig = mp_interrupt_signal();
    return sig ? sig : mp_pgcluster_interrupted() ? SIGINT : 0;
}

/* Trial k of the run (a fixed case, then the random trials) as
 * mp_run_trials() runs it: *t with its case (in *gc for a random trial),
 * seed and rows, *label its name in the report (in lbuf, cap bytes, or the
 * fixed case's), *trial_no its random trial number or -1.  t->a is the
 * caller's to free, also on error.  0, or 2 when the case cannot be made
 * (reported on stderr). */
static int trial_make(const struct mp_run_config *cfg, unsigned long k, unsigned needs, struct mp_trial *t,
                      struct mp_case *gc, char *lbuf, size_t cap, const char **label, long *trial_no)
{
    *t = (struct mp_trial){.a = mp_arena_new(), .solver = cfg->solver, .fault = cfg->fault, .keep_dir = cfg->keep_dir,
                           .needs = needs, .backends = cfg->backends};
    if (k < cfg->nfixed) {
        t->c = &cfg->fixed[k].c;
        *label = cfg->fixed[k].name;
        *trial_no = -1;
        /* the rule `replay` follows too */
        const struct mp_casefile *file = cfg->fixed[k].file;
        t->seed = mp_case_trial_seed(file ? &file->meta : NULL, *label);
    } else {
        *trial_no = cfg->only_trial >= 0 ? cfg->only_trial : (long)(k - cfg->nfixed);
        t->seed = mp_trial_seed(cfg->seed, (uint64_t)*trial_no);
        struct mp_rng rng;
        mp_rng_seed(&rng, t->seed);
        struct mp_error e = {0};
        if (mp_gen_case(t->a, &rng, mp_gen_size((unsigned long)*trial_no), gc, &e)) {
            fprintf(stderr, "migprop: trial %ld: %s\n", *trial_no, e.msg);
            return 2;
        }
        /* enum types and domains: PostgreSQL-only (gen_types.h) */
        if (!cfg->backends[MP_SQLITE] && !(needs & MP_NEED_NO_TYPES))
            mp_gen_types(t->a, t->seed, gc);
        /* index methods, NULLS order, operator classes: PostgreSQL-only too */
        if (!cfg->backends[MP_SQLITE])
            mp_gen_pg_index_options(t->a, t->seed, gc);
        t->c = gc;
        snprintf(lbuf, cap, "trial %ld", *trial_no);
        *label = lbuf;
    }
    t->label = k < cfg->nfixed ? *label : mp_arena_printf(t->a, "trial-%ld", *trial_no);
    if (k < cfg->nfixed && cfg->fixed[k].file && cfg->fixed[k].file->has_rows) {
        t->data = cfg->fixed[k].file->data; /* the case's own rows, as replay runs it */
    } else if (!cfg->no_data) {
        /* rows from a stream of their own, so they never shift the case */
        struct mp_rng drng;
        mp_rng_seed(&drng, t->seed ^ 0xda7ada7ada7ada7aULL);
        size_t rows = *trial_no < 0 ? 4 : 1 + (size_t)(*trial_no / 10 < 11 ? *trial_no / 10 : 11);
        mp_data_gen(t->a, &drng, t->c->start, t->c->desired, &t->c->renames, rows, &t->data);
    }
    return 0;
}

int mp_run_trials(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                  struct mp_timing *timing, struct mp_work_queue *queue, char *log)
{
    int status = 0;
    /* a trial's verdicts are counted when it ends: an interrupted trial is
     * abandoned, not judged */
    char *verdict = calloc(n + 1, 1);
    char **why = calloc(n + 1, sizeof *why);
    if (!verdict || !why)
        mp_oom();
    unsigned long total = mp_run_total(cfg);
    unsigned long in_shard = 0, claim_lo = 0, claim_hi = 0;
    bool abandoned = false;
    for (unsigned long k = 0; k < total && status != 2 && !abandoned; k++) {
        if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
            continue;
        if (queue) {
            unsigned long pos = in_shard++;
            if (pos >= claim_hi) { /* take the next batch */
                claim_lo = atomic_fetch_add(&queue->next, queue->batch);
                claim_hi = claim_lo + queue->batch;
            }
            if (pos < claim_lo)
                continue;
        }
        if (interrupted()) {
            abandoned = true;
            break;
        }
        memset(verdict, 0, n);
        struct mp_trial t;
        struct mp_case gc;
        const char *label;
        long trial_no;
        char lbuf[64];
        double gen0 = mp_now();
        if (trial_make(cfg, k, needs, &t, &gc, lbuf, sizeof lbuf, &label, &trial_no)) {
            status = 2;
            mp_arena_free(t.a);
            break;
        }
        double gen = mp_now() - gen0; /* charged to the first property checked */
        struct mp_carry carry = {0};
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_backend *b = cfg->backends[d];
            if (!b)
                continue;
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
                struct mp_phase_times *pp = &pt->phases;
                struct mp_charge charge;
                mp_charge_begin(&charge, &t);
                enum mp_verdict v = mp_trial_unmodelled_discard(&t, prop->check(&t, b, &diag), &diag);
                mp_charge_end(&charge, &t, pt, &carry);
                pp->generate += gen, gen = 0;
                any = true;
                if (interrupted()) {
                    /* a check the signal cut short (the cluster's servers are
                     * gone) says nothing: the trial is abandoned */
                    abandoned = true;
                    mp_buf_free(&diag);
                    break;
                }
                if (t.infra_error) {
                    fprintf(stderr, "migprop: %s on %s: %s\n", label, mp_dialect_name((enum mp_dialect)d), t.infra.msg);
                    status = 2;
                    mp_buf_free(&diag);
                    break;
                }
                verdict[i] = v == MP_PASS ? 'p' : v == MP_DISCARD ? 'd' : 'f';
                if (v == MP_DISCARD)
                    why[i] = mp_xstrdup(mp_buf_str(&diag));
                if (v == MP_FAIL) {
                    if (log)
                        log[i * total + k] = 'f';
                    pt->fail++;
                    record_failure(pt, &t, label, trial_no, mp_buf_str(&diag), (enum mp_dialect)d);
                    if (cfg->shrink) {
                        double s0 = mp_now();
                        mp_failure_shrink_write(cfg, pt, &t, prop, (enum mp_dialect)d, trial_no);
                        mp_phase_add(&pp->shrink, s0);
                    }
                    if (status == 0)
                        status = 1;
                }
                mp_buf_free(&diag);
            }
            if (abandoned)
                break;
            if (any)
                timing[d].trials++;
        }
        mp_carry_settle(&carry, pts, n);
        mp_arena_free(t.a);
        for (size_t i = 0; i < n; i++) {
            if (!abandoned && (verdict[i] == 'p' || verdict[i] == 'd')) {
                if (log)
                    log[i * total + k] = verdict[i];
                if (verdict[i] == 'p')
                    pts[i].pass++;
                else {
                    pts[i].discard++;
                    mp_point_discard(&pts[i], why[i], 1);
                }
            }
            free(why[i]);
            why[i] = NULL;
        }
        if (!abandoned) {
            unsigned long failing = 0;
            for (size_t i = 0; i < n; i++)
                failing += pts[i].fail ? 1 : 0;
            mp_progress_trial_done(failing);
        }
    }
    free(verdict);
    free(why);
    if (abandoned || interrupted())
        status = MP_RUN_INTERRUPTED_BASE + interrupted();
    return status;
}

void mp_run_shrink_found(const struct mp_run_config *cfg, struct mp_point *pt, unsigned needs, unsigned long k)
{
    const struct mp_property *prop = NULL;
    for (size_t j = 0; j < cfg->nprops; j++)
        if (cfg->props[j].name == pt->property)
            prop = &cfg->props[j];
    struct mp_backend *b = cfg->backends[pt->backend];
    if (!prop || !b)
        return;
    double s0 = mp_now();
    struct mp_trial t;
    struct mp_case gc;
    const char *label;
    long trial_no;
    char lbuf[64];
    if (trial_make(cfg, k, needs, &t, &gc, lbuf, sizeof lbuf, &label, &trial_no) == 0) {
        /* the check again, so the trial holds what the worker's did */
        struct mp_buf diag = {0};
        enum mp_verdict v = mp_trial_unmodelled_discard(&t, prop->check(&t, b, &diag), &diag);
        if (v == MP_FAIL && !t.infra_error && !interrupted())
            mp_failure_shrink_write(cfg, pt, &t, prop, pt->backend, trial_no);
        mp_buf_free(&diag);
    }
    mp_arena_free(t.a);
    mp_phase_add(&pt->phases.shrink, s0);
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
    mp_interrupt_install();
    /* the human format shows progress on a terminal (stderr, one line;
     * with --jobs the workers count and this process draws) */
    unsigned long trials = mp_run_total(cfg);
    if (cfg->shard_count > 1)
        trials = trials / cfg->shard_count + (trials % cfg->shard_count >= cfg->shard_index ? 1 : 0);
    /* --jobs auto: the CPUs, no more workers than trials (every option
     * works with workers: the report, case files and failure database do
     * not depend on their number) */
    struct mp_run_config jc = *cfg;
    if (cfg->jobs_auto)
        jc.jobs = mp_jobs_auto(trials, cfg->backends[MP_POSTGRES] != NULL);
    jc.jobs_auto = false;
    /* on stderr: the report is the same for any number of workers */
    if (cfg->stats && cfg->jobs_auto)
        fprintf(stderr, "migprop: jobs %u (auto: %u CPUs, %lu trials)\n", jc.jobs, mp_jobs_cpus(), trials);
    else if (cfg->stats)
        fprintf(stderr, "migprop: jobs %u\n", jc.jobs > 1 ? jc.jobs : 1);
    cfg = &jc;
    mp_progress_begin(cfg->format == MP_FORMAT_HUMAN && isatty(STDERR_FILENO), trials);
    double w0 = mp_now();
    int status = cfg->jobs > 1 ? mp_run_jobs(cfg, pts, n, needs, timing)
                               : mp_run_trials(cfg, pts, n, needs, timing, NULL, NULL);
    double wall = mp_now() - w0;
    mp_progress_end();
    mp_timing_from_phases(timing, pts, n);
    if (cfg->phases) {
        memset(cfg->phases, 0, cfg->nprops * MP_NDIALECTS * sizeof *cfg->phases);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < cfg->nprops; j++)
                if (cfg->props[j].name == pts[i].property)
                    cfg->phases[j * MP_NDIALECTS + pts[i].backend] = pts[i].phases;
    }
    /* a point that fails only its health check fails the run too */
    if (interrupted()) {
        status = MP_RUN_INTERRUPTED_BASE + interrupted();
        fprintf(stderr, "migprop: interrupted by %s\n", interrupted() == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    if (mp_run_report(out, cfg, pts, n, timing, interrupted(), wall) && status == 0)
        status = 1;
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
