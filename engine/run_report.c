/* run_report.c - a run's points (struct mp_point) as a report: the
 * diagnostics, replay commands and texts of `migprop check`, handed to the
 * reporter (report.h) in the run's format. */
#include "engine_int.h"
#include "os.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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
    for (size_t i = 0; i < p->nwhy; i++)
        free(p->why[i].reason);
    free(p->why);
}

void mp_point_discard(struct mp_point *p, const char *reason, unsigned long count)
{
    if (!reason || !*reason)
        reason = "(no reason given)";
    if (p->nwhy >= MP_MAX_DISCARD_REASONS)
        reason = MP_DISCARD_OTHER;
    for (size_t i = 0; i < p->nwhy; i++)
        if (strcmp(p->why[i].reason, reason) == 0) {
            p->why[i].count += count;
            return;
        }
    if (!p->why) {
        p->why = calloc(MP_MAX_DISCARD_REASONS + 1, sizeof *p->why);
        if (!p->why)
            mp_oom();
    }
    p->why[p->nwhy++] = (struct mp_discard_reason){mp_xstrdup(reason), count};
}

/* `s` as one word for a POSIX shell: as it is when it holds only safe
 * characters, else in single quotes with each ' written '\''.  Memory
 * from `a`. */
static const char *shell_word(struct mp_arena *a, const char *s)
{
    if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == strlen(s))
        return s;
    struct mp_buf b = {0};
    mp_buf_addc(&b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            mp_buf_add(&b, "'\\''");
        else
            mp_buf_addc(&b, *p);
    }
    mp_buf_addc(&b, '\'');
    char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* The command that runs point p's failing trial again. */
static const char *replay_cmd(struct mp_arena *a, const struct mp_run_config *cfg, const struct mp_point *p)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "migprop check --backend %s --seed 0x%016" PRIx64, mp_dialect_name(p->backend), cfg->seed);
    if (p->trial >= 0)
        mp_buf_printf(&b, " --trial %ld", p->trial);
    else
        mp_buf_printf(&b, " --iterations 0 --case %s", shell_word(a, p->label));
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
    FIELD("seed", mp_arena_printf(a, "0x%016" PRIx64, cfg->seed), MP_FIELD_DQUOTED);
    if (p->trial >= 0) {
        FIELD("trial", mp_arena_printf(a, "%ld", p->trial), MP_FIELD_PLAIN);
        FIELD("trial_seed", mp_arena_printf(a, "0x%016" PRIx64, p->trial_seed), MP_FIELD_DQUOTED);
    } else {
        FIELD("from_case", p->label, MP_FIELD_SQUOTED);
    }
    if (p->case_path) {
        FIELD("case", p->case_path, MP_FIELD_SQUOTED);
        FIELD("replay", mp_arena_printf(a, "migprop replay %s", shell_word(a, p->case_path)), MP_FIELD_DQUOTED);
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
        mp_buf_printf(&b, "case: %s\nreplay: migprop replay %s\n", p->case_path, shell_word(a, p->case_path));
    mp_buf_printf(&b, "%s\nchanges:\n%s", p->message ? p->message : "", p->changes ? p->changes : "");
    rp->junit_text = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_buf_printf(&b, "\n== %s on %s, %s ==\n%s\n", p->property, backend, p->label, p->message ? p->message : "");
    if (p->changes)
        mp_buf_printf(&b, "\nchange set:\n%s", p->changes);
    if (p->sql)
        mp_buf_printf(&b, "\nplan:\n%s", p->sql);
    if (p->case_path)
        mp_buf_printf(&b, "\ncase: %s\nreplay: migprop replay %s\nreplay the trial: %s\n", p->case_path,
                      shell_word(a, p->case_path), replay);
    else
        mp_buf_printf(&b, "\nreplay: %s\n", replay);
    rp->human_text = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    rp->human_line = mp_arena_printf(a, "at %s after %lu passing", p->label, p->pass);
    rp->message = p->message;
}

static int cmp_reason(const void *x, const void *y)
{
    const struct mp_discard_reason *a = x, *b = y;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->reason, b->reason);
}

/* A point that did not fail, judged by its discards (the health check, see
 * MP_CANNOT_APPLY in engine.h): PASS, SKIP when every trial was discarded
 * because the property cannot apply, FAIL when too many were discarded for
 * reasons that count.  Its YAML block gives the discards by reason, most
 * frequent first.  A partial (interrupted) run is not health-checked.
 * Memory from `a`. */
static void discard_point(struct mp_arena *a, const struct mp_run_config *cfg, const struct mp_point *p,
                          struct mp_report_field *f, size_t *nf, struct mp_report_point *rp, int interrupted)
{
    struct mp_discard_reason *why = mp_arena_alloc(a, (p->nwhy + 1) * sizeof *why);
    if (p->nwhy)
        memcpy(why, p->why, p->nwhy * sizeof *why);
    qsort(why, p->nwhy, sizeof *why, cmp_reason);
    unsigned long na = 0;
    struct mp_buf counts = {0};
    for (size_t i = 0; i < p->nwhy; i++) {
        if (strncmp(why[i].reason, MP_CANNOT_APPLY, strlen(MP_CANNOT_APPLY)) == 0)
            na += why[i].count;
        mp_buf_printf(&counts, "%lu\t%s\n", why[i].count, why[i].reason);
    }
    unsigned long counted = p->discard > na ? p->discard - na : 0, trials = p->pass + p->discard;
    unsigned pct = cfg->max_discard_pct ? cfg->max_discard_pct : MP_MAX_DISCARD_DEFAULT;
    const char *backend = mp_dialect_name(p->backend);
    rp->result = MP_POINT_PASS;
    rp->note = mp_arena_printf(a, "%lu passed, %lu discarded", p->pass, p->discard);
    rp->human_line = mp_arena_printf(a, "%lu trials, %lu discarded", p->pass, p->discard);
    if (p->pass == 0 && p->discard > 0 && counted == 0) {
        /* the property cannot apply to this run: the most frequent reason,
         * on one line */
        char *r = mp_arena_strdup(a, why[0].reason + strlen(MP_CANNOT_APPLY));
        for (char *q = r; *q; q++)
            if (*q == '\n' || *q == '#')
                *q = ' ';
        rp->result = MP_POINT_SKIP;
        rp->note = r;
        rp->human_line = mp_arena_printf(a, "skipped: %s", r);
    } else if (!interrupted && pct < 100 && counted >= MP_HEALTH_MIN_DISCARDS && counted * 100 > (unsigned long)pct * trials) {
        rp->result = MP_POINT_FAIL;
        rp->message = mp_arena_printf(a,
                                      "health check: %lu of %lu trials discarded (%.0f %%) for reasons that count, "
                                      "more than --max-discard %u %%: the property tests little of what is generated",
                                      counted, trials, 100.0 * (double)counted / (double)trials, pct);
        rp->junit_text = mp_arena_printf(a, "%s\ndiscards by reason:\n%s", rp->message, mp_buf_str(&counts));
        rp->human_text = mp_arena_printf(a, "\n== %s on %s: health check ==\n%s\ndiscards by reason:\n%s", p->property,
                                         backend, rp->message, mp_buf_str(&counts));
        rp->human_line = mp_arena_printf(a, "health check: %lu of %lu discarded", counted, trials);
        rp->note = NULL;
    }
    size_t n = 0;
    if (rp->result == MP_POINT_FAIL) {
        f[n++] = (struct mp_report_field){"property", p->property, MP_FIELD_PLAIN};
        f[n++] = (struct mp_report_field){"backend", backend, MP_FIELD_PLAIN};
        f[n++] = (struct mp_report_field){"seed", mp_arena_printf(a, "0x%016" PRIx64, cfg->seed), MP_FIELD_DQUOTED};
        f[n++] = (struct mp_report_field){"message", rp->message, MP_FIELD_DQUOTED};
    }
    if (p->discard) {
        f[n++] = (struct mp_report_field){"passed", mp_arena_printf(a, "%lu", p->pass), MP_FIELD_PLAIN};
        f[n++] = (struct mp_report_field){"discarded", mp_arena_printf(a, "%lu", p->discard), MP_FIELD_PLAIN};
        f[n++] = (struct mp_report_field){"discards", mp_arena_strdup(a, mp_buf_str(&counts)), MP_FIELD_COUNTS};
    }
    mp_buf_free(&counts);
    rp->diag = f;
    rp->ndiag = n;
    *nf = n;
}

/* The run's report in format `f` on `out`; the number of failing points. */
static size_t report_one(FILE *out, enum mp_format f, const struct mp_run_config *cfg, const struct mp_point *pts,
                       size_t n, const struct mp_timing *timing, int interrupted, double wall)
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
        .tap_version = cfg->tap_version,
        .color = cfg->color,
    };
    struct mp_reporter *r;
    if (mp_reporter_open(&r, f, out, &meta)) {
        mp_arena_free(a);
        return 0;
    }
    mp_reporter_plan(r, n);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        struct mp_report_field diag[24];
        struct mp_report_point rp = {.name = p->property, .where = mp_dialect_name(p->backend),
                                     .seconds = p->seconds};
        if (p->skip) {
            rp.result = MP_POINT_SKIP;
            rp.note = p->skip;
        } else if (!p->fail) {
            discard_point(a, cfg, p, diag, &rp.ndiag, &rp, interrupted);
        } else {
            rp.result = MP_POINT_FAIL;
            rp.diag = diag;
            failure_point(a, cfg, p, diag, &rp.ndiag, &rp);
        }
        mp_reporter_point(r, &rp);
    }
    if (interrupted) {
        /* the trials judged: those of the point that saw the most */
        unsigned long done = 0;
        for (size_t i = 0; i < n; i++)
            if (!pts[i].skip && pts[i].pass + pts[i].discard + pts[i].fail > done)
                done = pts[i].pass + pts[i].discard + pts[i].fail;
        mp_reporter_comment(r, "interrupted after %lu trial%s (%s): a partial report", done, done == 1 ? "" : "s",
                            interrupted == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    if (cfg->stats)
        mp_run_stats(r, cfg, pts, n, timing);
    unsigned long most = 0;
    int backends = 0;
    for (int d = 0; d < MP_NDIALECTS; d++)
        if (timing[d].trials) {
            mp_reporter_comment(r, "%s: %lu trials in %.3f s (%.1f trials/s)", mp_dialect_name((enum mp_dialect)d),
                                timing[d].trials, timing[d].seconds,
                                timing[d].seconds > 0 ? timing[d].trials / timing[d].seconds : 0.0);
            backends++;
            most = timing[d].trials > most ? timing[d].trials : most;
        }
    unsigned workers = cfg->jobs > 1 ? cfg->jobs : 1;
    if (most && wall > 0 && (backends > 1 || workers > 1))
        mp_reporter_comment(r, "%lu trials in %.3f s on the clock (%.1f trials/s), %u worker%s", most, wall,
                            most / wall, workers, workers == 1 ? "" : "s");
    size_t failed = mp_reporter_failed(r);
    mp_reporter_close(r);
    mp_arena_free(a);
    return failed;
}

size_t mp_run_report(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                     const struct mp_timing *timing, int interrupted, double wall)
{
    size_t failed = report_one(out, cfg->format, cfg, pts, n, timing, interrupted, wall);
    if (cfg->tap_file)
        report_one(cfg->tap_file, MP_FORMAT_TAP, cfg, pts, n, timing, interrupted, wall);
    if (cfg->junit_file)
        report_one(cfg->junit_file, MP_FORMAT_JUNIT, cfg, pts, n, timing, interrupted, wall);
    return failed;
}
