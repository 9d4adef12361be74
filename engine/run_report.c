/* run_report.c - a run's points (struct mp_point) as a report: the
 * diagnostics, replay commands and texts of `migprop check`, handed to the
 * reporter (report.h) in the run's format. */
#include "engine_int.h"

#include <inttypes.h>
#include <stdlib.h>

void mp_point_free(struct mp_point *p)
{
    free(p->label);
    free(p->message);
    free(p->changes);
    free(p->sql);
    free(p->start);
    free(p->desired);
    free(p->renames);
    free(p->case_path);
}

/* The command that runs point p's failing trial again. */
static const char *replay_cmd(struct mp_arena *a, const struct mp_run_config *cfg, const struct mp_point *p)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "migprop check --backend %s --seed 0x%016" PRIx64, mp_dialect_name(p->backend), cfg->seed);
    if (p->trial >= 0)
        mp_buf_printf(&b, " --trial %ld", p->trial);
    else
        mp_buf_printf(&b, " --iterations 0 --case '%s'", p->label);
    mp_buf_printf(&b, " --properties %s%s", p->property, cfg->solver == MP_SOLVER_NAIVE ? " --solver naive" : "");
    char *s = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return s;
}

/* A failing point: its TAP diagnostics, its JUnit failure text and its
 * section of the human report.  Memory from `a`. */
static void failure_point(struct mp_arena *a, const struct mp_run_config *cfg, const struct mp_point *p,
                          struct mp_report_field *f, size_t *nf, struct mp_report_point *rp)
{
    const char *backend = mp_dialect_name(p->backend);
    const char *replay = replay_cmd(a, cfg, p);
    size_t n = 0;
#define FIELD(k, v, s) (f[n++] = (struct mp_report_field){(k), (v), (s)})
    FIELD("property", p->property, MP_FIELD_PLAIN);
    FIELD("backend", backend, MP_FIELD_PLAIN);
    FIELD("seed", mp_arena_printf(a, "0x%016" PRIx64, cfg->seed), MP_FIELD_PLAIN);
    if (p->trial >= 0) {
        FIELD("trial", mp_arena_printf(a, "%ld", p->trial), MP_FIELD_PLAIN);
        FIELD("trial_seed", mp_arena_printf(a, "0x%016" PRIx64, p->trial_seed), MP_FIELD_PLAIN);
    } else {
        FIELD("from_case", p->label, MP_FIELD_SQUOTED);
    }
    if (p->case_path) {
        FIELD("case", p->case_path, MP_FIELD_SQUOTED);
        FIELD("replay", mp_arena_printf(a, "migprop replay '%s'", p->case_path), MP_FIELD_DQUOTED);
        FIELD("replay_seed", replay, MP_FIELD_DQUOTED);
        FIELD("shrunk_ops", mp_arena_printf(a, "%zu", p->shrunk_ops), MP_FIELD_PLAIN);
        FIELD("shrink_steps", mp_arena_printf(a, "%ld", p->shrink_steps), MP_FIELD_PLAIN);
        FIELD("shrink_ms", mp_arena_printf(a, "%.0f", p->shrink_ms), MP_FIELD_PLAIN);
    } else {
        FIELD("replay", replay, MP_FIELD_DQUOTED);
    }
    FIELD("passed_before", mp_arena_printf(a, "%lu", p->pass), MP_FIELD_PLAIN);
    FIELD("message", p->message, MP_FIELD_BLOCK);
    FIELD("start", p->start, MP_FIELD_BLOCK);
    FIELD("desired", p->desired, MP_FIELD_BLOCK);
    FIELD("renames", p->renames, MP_FIELD_BLOCK);
    FIELD("changes", p->changes, MP_FIELD_BLOCK);
    FIELD("sql", p->sql, MP_FIELD_BLOCK);
#undef FIELD
    *nf = n;

    struct mp_buf b = {0};
    if (p->trial >= 0)
        mp_buf_printf(&b, "trial %ld (trial seed 0x%016" PRIx64 ")\n", p->trial, p->trial_seed);
    if (p->case_path)
        mp_buf_printf(&b, "case: %s\nreplay: migprop replay %s\n", p->case_path, p->case_path);
    mp_buf_printf(&b, "%s\nchanges:\n%s", p->message ? p->message : "", p->changes ? p->changes : "");
    rp->junit_text = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_buf_printf(&b, "\n== %s on %s, %s ==\n%s\n", p->property, backend, p->label, p->message ? p->message : "");
    if (p->changes)
        mp_buf_printf(&b, "\nchange set:\n%s", p->changes);
    if (p->sql)
        mp_buf_printf(&b, "\nplan:\n%s", p->sql);
    mp_buf_printf(&b, "\nreplay: %s\n", replay);
    rp->human_text = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    rp->human_line = mp_arena_printf(a, "at %s after %lu passing", p->label, p->pass);
    rp->message = p->message;
}

void mp_run_report(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                   const struct mp_timing *timing)
{
    struct mp_arena *a = mp_arena_new();
    const char *solver = cfg->solver == MP_SOLVER_NAIVE ? "naive" : "default";
    const char *header[2] = {
        cfg->shard_count > 1 ? mp_arena_printf(a, "shard %u/%u", cfg->shard_index, cfg->shard_count) : NULL, NULL};
    const struct mp_report_meta meta = {
        .title = mp_arena_printf(a, "migprop %s seed 0x%016" PRIx64 " iterations %lu solver %s", MIGPROP_VERSION,
                                 cfg->seed, cfg->iterations, solver),
        .header = header,
        .human_title = mp_arena_printf(a, "migprop %s: seed 0x%016" PRIx64 ", %lu iterations, %s solver",
                                       MIGPROP_VERSION, cfg->seed, cfg->iterations, solver),
        .suite = mp_arena_printf(a, "migprop check seed 0x%016" PRIx64, cfg->seed),
        .all_passed = "all properties passed",
    };
    struct mp_reporter *r;
    if (mp_reporter_open(&r, cfg->format, out, &meta)) {
        mp_arena_free(a);
        return;
    }
    mp_reporter_plan(r, n);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        struct mp_report_field diag[24];
        struct mp_report_point rp = {.name = p->property, .where = mp_dialect_name(p->backend)};
        if (p->skip) {
            rp.result = MP_POINT_SKIP;
            rp.note = p->skip;
        } else if (!p->fail) {
            rp.result = MP_POINT_PASS;
            rp.note = mp_arena_printf(a, "%lu passed, %lu discarded", p->pass, p->discard);
            rp.human_line = mp_arena_printf(a, "%lu trials, %lu discarded", p->pass, p->discard);
        } else {
            rp.result = MP_POINT_FAIL;
            rp.diag = diag;
            failure_point(a, cfg, p, diag, &rp.ndiag, &rp);
        }
        mp_reporter_point(r, &rp);
    }
    for (int d = 0; d < MP_NDIALECTS; d++)
        if (timing[d].trials)
            mp_reporter_comment(r, "%s: %lu trials in %.3f s (%.1f trials/s)", mp_dialect_name((enum mp_dialect)d),
                                timing[d].trials, timing[d].seconds,
                                timing[d].seconds > 0 ? timing[d].trials / timing[d].seconds : 0.0);
    mp_reporter_close(r);
    mp_arena_free(a);
}
