/* engine.c - the trial loop. */
#include "engine.h"
#include "executor.h"
#include "planmig.h"
#include "pgcluster.h"
#include "report.h"
#include "sql.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mp_trial {
    struct mp_arena *a;
    const struct mp_case *c;
    uint64_t seed;
    enum mp_solver_kind solver;
    bool applied[MP_NDIALECTS];
    struct mp_apply_result res[MP_NDIALECTS];
    bool infra_error;
    struct mp_error infra;
    const char *keep_dir;   /* write the trial's migrations under here, or NULL */
    const char *label;      /* "trial-<n>" or the case file's name */
};

struct mp_arena *mp_trial_arena(struct mp_trial *t)
{
    return t->a;
}

const struct mp_schema *mp_trial_expected(const struct mp_trial *t)
{
    return t->c->desired;
}

static void run_plan(struct mp_trial *t, struct mp_backend *b, struct mp_apply_result *r)
{
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_buf ddl = {0};
    mp_sql_schema(&ddl, t->c->start, d);
    struct mp_error e = {0};
    if (mp_backend_begin(b, &e)) {
        t->infra_error = true;
        t->infra = e;
        mp_buf_free(&ddl);
        return;
    }
    if (mp_backend_exec(b, mp_buf_str(&ddl), &r->db_err)) {
        r->setup_failed = true;
        goto done;
    }
    /* through the executor, as a user's migrations: the plan split into
     * 1-3 migrations (from the trial's seed), each in its own transaction
     * (PostgreSQL: a savepoint of the trial's transaction) with its
     * tracking row */
    const struct mp_plan *p = r->plan;
    size_t parts = 1 + (size_t)(t->seed % 3);
    struct mp_migset set;
    struct mp_step_pos *pos;
    const char *dir = NULL;
    if (t->keep_dir) {
        const char *base = strrchr(t->label, '/') ? strrchr(t->label, '/') + 1 : t->label;
        dir = mp_arena_printf(t->a, "%s/%s-%s-%s", t->keep_dir, base, mp_dialect_name(d),
                              t->solver == MP_SOLVER_NAIVE ? "naive" : "default");
    }
    if (mp_plan_migset(t->a, p, parts, dir, &set, &pos, &e)) {
        t->infra_error = true;
        t->infra = e;
        goto done;
    }
    struct mp_target *x = mp_target_wrap(d, mp_backend_conn(b), d == MP_POSTGRES);
    struct mp_exec_config xc = {.table = "_mp_migrations"};
    struct mp_exec_report rep;
    int xrc = mp_exec_up(x, &set, &xc, NULL, &rep, &r->db_err);
    mp_target_close(x);
    if (xrc) {
        if (rep.failed < 0) { /* the executor itself, not a migration */
            t->infra_error = true;
            t->infra = r->db_err;
            goto done;
        }
        long st = rep.failed_line ? mp_plan_step_at(p, pos, rep.failed, rep.failed_line) : -1;
        r->failed_step = st >= 0 ? st : (long)p->n;
        goto done;
    }
    struct mp_schema *got = NULL;
    if (mp_backend_introspect(b, t->a, &got, &e)) {
        t->infra_error = true;
        t->infra = e;
        goto done;
    }
    r->got = got;
done:
    mp_backend_end(b);
    mp_buf_free(&ddl);
}

const struct mp_apply_result *mp_trial_apply(struct mp_trial *t, struct mp_backend *b)
{
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_apply_result *r = &t->res[d];
    if (t->applied[d])
        return r;
    t->applied[d] = true;
    r->invalid_step = r->failed_step = -1;
    struct mp_changeset *cs = mp_arena_alloc(t->a, sizeof *cs);
    r->changes = cs;
    r->plan_rc = mp_diff(t->a, t->c->start, t->c->desired, &t->c->renames, d, cs, &r->plan_err);
    if (r->plan_rc)
        return r;
    /* the solver never sees the order the change set was made in */
    struct mp_rng rng;
    mp_rng_seed(&rng, t->seed ^ 0x5eed5eed5eed5eedULL);
    mp_rng_shuffle(&rng, cs->ops, cs->n, sizeof cs->ops[0]);
    struct mp_plan *p = NULL;
    r->plan_rc = mp_plan_build(t->a, t->c->start, cs, d, t->solver, &p, &r->plan_err);
    if (r->plan_rc)
        return r;
    r->plan = p;
    for (size_t i = 0; i < p->n; i++)
        if (p->steps[i].invalid) {
            r->invalid_step = (long)i;
            break;
        }
    run_plan(t, b, r);
    return r;
}

static char *dup_str(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        mp_oom();
    return d;
}

static void record_failure(struct mp_point *pt, struct mp_trial *t, const char *label, long trial,
                           const char *diag, enum mp_dialect d)
{
    pt->label = dup_str(label);
    pt->trial = trial;
    pt->trial_seed = t->seed;
    pt->message = dup_str(diag);
    struct mp_buf b = {0};
    mp_schema_canonical(&b, t->c->start, MP_CANON_NAMES);
    pt->start = dup_str(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_schema_canonical(&b, t->c->desired, MP_CANON_NAMES);
    pt->desired = dup_str(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_renames_print(&b, &t->c->renames);
    pt->renames = dup_str(mp_buf_str(&b));
    mp_buf_reset(&b);
    const struct mp_apply_result *r = &t->res[d];
    if (t->applied[d] && r->changes) {
        for (size_t i = 0; i < r->changes->n; i++) {
            mp_op_describe(&b, &r->changes->ops[i]);
            mp_buf_addc(&b, '\n');
        }
        pt->changes = dup_str(mp_buf_str(&b));
        mp_buf_reset(&b);
    }
    if (t->applied[d] && r->plan) {
        mp_plan_script(&b, r->plan);
        pt->sql = dup_str(mp_buf_str(&b));
    }
    mp_buf_free(&b);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int mp_run(const struct mp_run_config *cfg, FILE *out)
{
    size_t np = cfg->nprops * MP_NDIALECTS;
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
    int status = 0;
    unsigned long total = cfg->nfixed + (cfg->only_trial >= 0 ? 1 : cfg->iterations);
    for (unsigned long k = 0; k < total && status != 2; k++) {
        if (mp_pgcluster_interrupted()) {
            fprintf(stderr, "migprop: interrupted\n");
            status = 2;
            break;
        }
        struct mp_trial t = {.a = mp_arena_new(), .solver = cfg->solver, .keep_dir = cfg->keep_dir};
        struct mp_case gc;
        const char *label;
        long trial_no;
        char lbuf[64];
        if (k < cfg->nfixed) {
            t.c = &cfg->fixed[k].c;
            label = cfg->fixed[k].name;
            trial_no = -1;
            t.seed = mp_trial_seed(0, k);
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
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_backend *b = cfg->backends[d];
            if (!b)
                continue;
            double t0 = now();
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
                if (v == MP_PASS)
                    pt->pass++;
                else if (v == MP_DISCARD)
                    pt->discard++;
                else {
                    pt->fail++;
                    record_failure(pt, &t, label, trial_no, mp_buf_str(&diag), (enum mp_dialect)d);
                    if (status == 0)
                        status = 1;
                }
                mp_buf_free(&diag);
            }
            if (any) {
                timing[d].trials++;
                timing[d].seconds += now() - t0;
            }
        }
        mp_arena_free(t.a);
    }
    mp_report(out, cfg->format, cfg, pts, n, timing);
    for (size_t i = 0; i < n; i++)
        mp_point_free(&pts[i]);
    free(pts);
    return status;
}
