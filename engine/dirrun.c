/* dirrun.c - the `check --dir` loop: trials per property and backend, shrinking, DIR.case/ directories, replay (dircheck.h). */
#include "dircheck.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "casefile.h"
#include "dirjobs.h"
#include "interrupt.h"
#include "os.h"
#include "pgcluster.h"
#include "shrink_core.h"

#define MP_DIR_DEFAULT_OUT "migprop-failures"
/* rows per table at most: enough that a value cut to two characters shows ("u10") */
#define MP_DIR_DEFAULT_ROWS 20

/* ---- running one trial ---- */

struct trial_env {
    const struct mp_dir_property *p;
    struct mp_backend *b, *other;
    enum mp_dialect d;
    const struct mp_dir_history *h;
    const char *expect_schema;
    bool fail_on_drop;
    size_t max_rows;
};

static void trial_init(struct mp_dir_trial *t, const struct trial_env *env, struct mp_arena *a, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->a = a;
    t->b = env->b;
    t->d = env->d;
    t->other = env->other;
    t->h = env->h;
    t->seed = seed;
    t->max_rows = env->max_rows;
    t->expect_schema = env->expect_schema;
    t->fail_on_drop = env->fail_on_drop;
    t->c.at = -1;
}

static void trial_free(struct mp_dir_trial *t)
{
    mp_buf_free(&t->msg);
    mp_buf_free(&t->notes);
}

/* ---- shrinking: fewer migrations, fewer rows ---- */

struct cand {
    size_t *idx;
    size_t n;
    long at;
    struct mp_dataset rows;
    bool has_rows;
    const char *msg; /* the failure as last seen */
};

struct shrink_env {
    struct trial_env te;
    struct mp_arena *a; /* candidates live here */
    uint64_t seed;
    const char *kind, *subject;
};

static struct cand *cand_clone(struct mp_arena *a, const struct cand *c)
{
    struct cand *n = mp_arena_alloc(a, sizeof *n);
    *n = *c;
    n->idx = mp_arena_alloc(a, (c->n ? c->n : 1) * sizeof *n->idx);
    memcpy(n->idx, c->idx, c->n * sizeof *n->idx);
    n->rows.v = mp_arena_alloc(a, (c->rows.n ? c->rows.n : 1) * sizeof *n->rows.v);
    if (c->rows.n)
        memcpy(n->rows.v, c->rows.v, c->rows.n * sizeof *n->rows.v);
    return n;
}

static size_t total_rows(const struct cand *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->rows.n; i++)
        n += c->rows.v[i].nrows;
    return n;
}

/* Keep rows [from, to) of table ti (a new row array; the rows are shared). */
static void keep_rows(struct mp_arena *a, struct cand *c, size_t ti, size_t from, size_t to, size_t skip_one)
{
    struct mp_table_rows *t = &c->rows.v[ti];
    const char ***v = mp_arena_alloc(a, (t->nrows ? t->nrows : 1) * sizeof *v);
    size_t n = 0;
    for (size_t r = from; r < to; r++)
        if (r != skip_one)
            v[n++] = t->rows[r];
    t->rows = v;
    t->nrows = n;
}

/* Tactics, largest first: put an out-of-order adjacent pair back in the
 * declared order (an ordering failure with the fewest swaps); drop a
 * table's rows, or keep one half of them (rows first: on PostgreSQL every
 * check costs a trial, and halving gets there in log n checks); keep a
 * prefix of the migrations, drop one migration; drop one row. */
enum { T_UNSWAP, T_DROP_TABLE_ROWS, T_HALVE_ROWS, T_PREFIX, T_DROP_MIG, T_DROP_ROW, T_NTACTICS };

static enum mp_shrink_res cand_shrink(const void *cv, size_t tactic, uint64_t i, void **out, void *envp)
{
    const struct cand *c = cv;
    struct shrink_env *env = envp;
    struct cand *n;
    switch (tactic) {
    case T_UNSWAP:
        if (c->n < 2 || i >= c->n - 1)
            return MP_SHRINK_NO_MORE;
        if (c->idx[i] < c->idx[i + 1])
            return MP_SHRINK_DEAD_END;
        n = cand_clone(env->a, c);
        n->idx[i] = c->idx[i + 1];
        n->idx[i + 1] = c->idx[i];
        break;
    case T_PREFIX: /* keep only the first i+1 migrations, shortest first */
        if (c->n < 2 || i >= c->n - 1)
            return MP_SHRINK_NO_MORE;
        if (c->at >= 0 && (size_t)c->at >= i + 1)
            return MP_SHRINK_DEAD_END;
        n = cand_clone(env->a, c);
        n->n = (size_t)i + 1;
        break;
    case T_DROP_MIG: { /* drop one migration, the last first */
        if (i >= c->n || c->n < 2)
            return MP_SHRINK_NO_MORE;
        /* dropping the migration at `at` itself leaves `at` on the next one:
         * right for rows (they go in at the same point), and for a property
         * that looks at that migration the failure's subject changes */
        size_t j = c->n - 1 - (size_t)i;
        n = cand_clone(env->a, c);
        memmove(n->idx + j, n->idx + j + 1, (n->n - j - 1) * sizeof *n->idx);
        n->n--;
        if (n->at > 0 && (size_t)n->at > j)
            n->at--;
        break;
    }
    case T_DROP_TABLE_ROWS:
        if (!c->has_rows || i >= c->rows.n)
            return MP_SHRINK_NO_MORE;
        if (!c->rows.v[i].nrows)
            return MP_SHRINK_DEAD_END;
        n = cand_clone(env->a, c);
        keep_rows(env->a, n, (size_t)i, 0, 0, SIZE_MAX);
        break;
    case T_HALVE_ROWS: { /* variant 2t: table t's first half, 2t+1: its second half */
        size_t ti = (size_t)(i / 2);
        if (!c->has_rows || ti >= c->rows.n)
            return MP_SHRINK_NO_MORE;
        size_t nr = c->rows.v[ti].nrows;
        if (nr < 2)
            return MP_SHRINK_DEAD_END;
        n = cand_clone(env->a, c);
        if (i % 2 == 0)
            keep_rows(env->a, n, ti, 0, nr / 2, SIZE_MAX);
        else
            keep_rows(env->a, n, ti, nr / 2, nr, SIZE_MAX);
        break;
    }
    case T_DROP_ROW: {
        if (!c->has_rows || i >= total_rows(c))
            return MP_SHRINK_NO_MORE;
        size_t ti = 0, r = (size_t)i;
        while (r >= c->rows.v[ti].nrows)
            r -= c->rows.v[ti++].nrows;
        n = cand_clone(env->a, c);
        keep_rows(env->a, n, ti, 0, c->rows.v[ti].nrows, r);
        break;
    }
    default:
        return MP_SHRINK_NO_MORE;
    }
    *out = n;
    return MP_SHRINK_OK;
}

/* Run the property on candidate c; 1 when it fails as `kind`/`subject`. */
static int run_cand(struct shrink_env *env, struct cand *c, struct mp_dir_trial *t, struct mp_arena *a)
{
    trial_init(t, &env->te, a, env->seed);
    t->c.idx = c->idx;
    t->c.n = c->n;
    t->c.at = c->at;
    t->c.rows = c->has_rows ? &c->rows : NULL;
    struct mp_error e = {0};
    return env->te.p->trial(t, &e);
}

static bool cand_same(void *cv, void *envp)
{
    struct cand *c = cv;
    struct shrink_env *env = envp;
    struct mp_arena *a = mp_arena_new();
    struct mp_dir_trial t;
    int rc = run_cand(env, c, &t, a);
    bool same = rc == 1 && t.kind && strcmp(t.kind, env->kind) == 0 && strcmp(t.subject, env->subject) == 0;
    if (same)
        c->msg = mp_arena_strdup(env->a, mp_buf_str(&t.msg));
    trial_free(&t);
    mp_arena_free(a);
    return same;
}

static const struct mp_shrink_type cand_type = {
    .ntactics = T_NTACTICS,
    .shrink = cand_shrink,
    .same_failure = cand_same,
};

/* ---- DIR.case/ directories ---- */

static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

int mp_dir_write_text(const char *path, const char *text, struct mp_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    fputs(text, f);
    if (fclose(f) != 0)
        return mp_error_set(err, MP_EIO, "%s: write failed", path);
    return 0;
}

/* Write the case: migrations/ (the candidate's migrations in declared
 * order, numbered 1..n in the pairs format), rows.sql, expect.sql, meta
 * (key: value; `order` the application order as 1-based positions into
 * migrations/) and failure.txt.  *path_out in `a`. */
static int write_case(struct mp_arena *a, const struct mp_dir_config *cfg, const struct trial_env *te, long trial,
                      uint64_t seed, const struct cand *c, const char *kind, const char *subject, const char *msg,
                      const char **path_out, struct mp_error *err)
{
    const char *outd = cfg->out_dir ? cfg->out_dir : MP_DIR_DEFAULT_OUT;
    const char *dir = mp_arena_printf(a, "%s/%s-%s-%016" PRIx64 "-t%ld.case", outd, te->p->name,
                                      mp_dialect_name(te->d), cfg->seed, trial);
    int rc = mp_rmtree(dir, err);
    if (!rc)
        rc = mp_mkdir_p(dir, err);
    if (rc)
        return rc;
    size_t *sorted = mp_arena_alloc(a, (c->n ? c->n : 1) * sizeof *sorted);
    memcpy(sorted, c->idx, c->n * sizeof *sorted);
    qsort(sorted, c->n, sizeof *sorted, cmp_size);
    const char *mdir = mp_arena_printf(a, "%s/migrations", dir);
    if ((rc = mp_mkdir_p(mdir, err)))
        return rc;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const struct mp_migration *m = te->h->v[sorted[i]].m;
        rc = mp_migdir_write(a, mdir, MP_MIGFMT_PAIRS, mp_arena_printf(a, "%04zu", i + 1), m->name,
                             m->up.sql ? m->up.sql : "", m->reversible ? m->down.sql : NULL, NULL, err);
    }
    struct mp_buf b = {0};
    mp_buf_printf(&b, "property: %s\nbackend: %s\nseed: 0x%016" PRIx64 "\ntrial: %ld\ntrial_seed: 0x%016" PRIx64
                      "\nat: %ld\nmax_rows: %zu\nfail_on_drop: %d\nkind: %s\nsubject: %s\nsource: %s\norder:",
                  te->p->name, mp_dialect_name(te->d), cfg->seed, trial, seed, c->at, te->max_rows,
                  te->fail_on_drop ? 1 : 0, kind, subject, te->h->dir);
    for (size_t i = 0; i < c->n; i++) {
        size_t pos = 0;
        while (sorted[pos] != c->idx[i])
            pos++;
        mp_buf_printf(&b, "%s%zu", i ? "," : " ", pos + 1);
    }
    mp_buf_addc(&b, '\n');
    if (!rc)
        rc = mp_dir_write_text(mp_arena_printf(a, "%s/meta", dir), mp_buf_str(&b), err);
    mp_buf_reset(&b);
    if (!rc && c->has_rows) {
        mp_data_sql(&b, &c->rows, te->d);
        rc = mp_dir_write_text(mp_arena_printf(a, "%s/rows.sql", dir), mp_buf_str(&b), err);
    }
    mp_buf_free(&b);
    if (!rc && te->expect_schema)
        rc = mp_copy_file(te->expect_schema, mp_arena_printf(a, "%s/expect.sql", dir), err);
    if (!rc)
        rc = mp_dir_write_text(mp_arena_printf(a, "%s/failure.txt", dir), msg, err);
    *path_out = dir;
    return rc;
}

/* ---- the report ---- */

/* Append `line` to notes unless it is there already. */
static void note_once(struct mp_buf *notes, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = mp_buf_str(notes); (p = strstr(p, line)); p += n)
        if ((p == notes->s || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
            return;
    mp_buf_add(notes, line);
    mp_buf_addc(notes, '\n');
}

static void merge_notes(struct mp_buf *into, const struct mp_buf *from)
{
    char *copy = mp_xstrdup(mp_buf_str(from));
    for (char *s = copy, *e; *s; s = e) {
        e = strchr(s, '\n');
        if (e)
            *e++ = '\0';
        else
            e = s + strlen(s);
        if (*s)
            note_once(into, s);
    }
    free(copy);
}

/* First line of s, in a. */
static const char *first_line(struct mp_arena *a, const char *s)
{
    const char *e = strchr(s, '\n');
    return e ? mp_arena_strndup(a, s, (size_t)(e - s)) : s;
}

/* The subject as one line: a multi-line subject (a canonical diff, which
 * the shrinker keeps whole) is summarised. */
static const char *subject_line(struct mp_arena *a, const char *s)
{
    if (!strchr(s, '\n'))
        return s;
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    return mp_arena_printf(a, "canonical diff, %zu lines", n);
}

/* run_property()'s result when the run was interrupted before the point
 * was decided (--jobs): no point, no case. */
#define DIR_STOPPED 3

/* The signal that interrupts a --jobs run, or 0 (dirjobs.c). */
static int interrupted(void)
{
    int sig = mp_interrupt_signal();
    return sig ? sig : mp_pgcluster_signal();
}

/* Trial i of unit u as a worker ran it (--jobs): its notes, skip and error
 * into t and e, as the trial itself would have left them.  A failure is run
 * again here, from the same seed, so the shrinker starts from the trial
 * itself (its rows, order and message) as without --jobs.  Returns as the
 * property's trial does, or DIR_STOPPED when the run was interrupted before
 * the trial's outcome was known (or before its case could be written). */
static int jobs_outcome(const struct mp_dirjobs *j, size_t u, unsigned long i, const struct trial_env *te,
                        struct mp_dir_trial *t, struct mp_error *e)
{
    const struct mp_dirjobs_outcome *o = mp_dirjobs_get(j, u, i);
    if (!o->ran || (o->rc == 1 && interrupted()))
        return interrupted() ? DIR_STOPPED
                             : mp_error_set(e, MP_EINTERNAL, "trial %lu was lost with its worker process", i);
    if (o->rc == 1) {
        int rc = te->p->trial(t, e);
        if (rc == 1 || rc < 0)
            return rc;
        return mp_error_set(e, MP_EINTERNAL, "trial %lu failed in a worker process but passed when run again", i);
    }
    mp_buf_add(&t->notes, o->notes);
    t->skip = o->skip;
    if (o->rc < 0)
        return mp_error_set(e, o->rc, "%s", o->err ? o->err : "unknown error");
    return o->rc;
}

/* The span of unit u's trials in the workers (mp_now() seconds): the first
 * start and the last end, for the report's rates. */
static void jobs_span(const struct mp_dirjobs *j, size_t u, unsigned long ntrials, double *t0, double *t1)
{
    bool any = false;
    for (unsigned long i = 0; i < ntrials; i++) {
        const struct mp_dirjobs_outcome *o = mp_dirjobs_get(j, u, i);
        if (!o->ran)
            continue;
        if (!any || o->start < *t0)
            *t0 = o->start;
        if (!any || o->end > *t1)
            *t1 = o->end;
        any = true;
    }
}

/* Run property p on one backend: trials until the first failure, which is
 * shrunk and written.  Reports one point.  With `jobs` the trials' outcomes
 * are unit u's of the workers' (mp_dirjobs_run()).  Returns 0, 1 (failed),
 * 2 or DIR_STOPPED. */
static int run_property(const struct mp_dir_config *cfg, struct mp_reporter *r, struct trial_env *te,
                        const struct mp_dirjobs *jobs, size_t u)
{
    struct mp_arena *ra = mp_arena_new();
    unsigned long ntrials = te->p->random ? (cfg->iterations ? cfg->iterations : 1) : 1, done = 0;
    struct mp_buf notes = {0};
    const char *skip = NULL;
    int result = 0;
    double t0 = mp_now(), t1 = 0;
    if (jobs)
        jobs_span(jobs, u, ntrials, &t0, &t1);
    for (unsigned long i = 0; i < ntrials; i++) {
        if (cfg->shard_count > 1 && i % cfg->shard_count != cfg->shard_index - 1)
            continue;
        struct mp_arena *a = mp_arena_new();
        struct mp_dir_trial t;
        uint64_t seed = mp_trial_seed(cfg->seed, i);
        trial_init(&t, te, a, seed);
        t.c.n = te->h->n;
        t.c.idx = mp_arena_alloc(a, (t.c.n ? t.c.n : 1) * sizeof *t.c.idx);
        for (size_t k = 0; k < t.c.n; k++)
            t.c.idx[k] = k;
        struct mp_error e = {0};
        int rc = jobs ? jobs_outcome(jobs, u, i, te, &t, &e) : te->p->trial(&t, &e);
        if (rc == DIR_STOPPED) {
            trial_free(&t);
            mp_arena_free(a);
            result = DIR_STOPPED;
            goto out;
        }
        done++;
        merge_notes(&notes, &t.notes);
        if (rc < 0) {
            fprintf(stderr, "migprop check: %s [%s]: %s\n", te->p->name, mp_dialect_name(te->d), e.msg);
            struct mp_report_point pt = {.result = MP_POINT_FAIL, .name = te->p->name,
                                         .where = mp_dialect_name(te->d), .message = e.msg};
            const struct mp_report_field f[] = {{"kind", "infrastructure", MP_FIELD_PLAIN},
                                                {"message", e.msg, MP_FIELD_BLOCK}};
            pt.diag = f;
            pt.ndiag = 2;
            mp_reporter_point(r, &pt);
            trial_free(&t);
            mp_arena_free(a);
            result = 2;
            goto out;
        }
        if (t.skip && !skip)
            skip = mp_arena_strdup(ra, t.skip);
        if (rc == 1) {
            double found = jobs ? t1 : mp_now(), shrink0 = mp_now();
            struct cand start = {.idx = t.c.idx, .n = t.c.n, .at = t.c.at, .has_rows = t.has_gen,
                                 .msg = mp_buf_str(&t.msg)};
            if (t.has_gen)
                start.rows = t.gen;
            struct shrink_env se = {.te = *te, .a = mp_arena_new(), .seed = seed,
                                    .kind = mp_arena_strdup(ra, t.kind), .subject = mp_arena_strdup(ra, t.subject)};
            struct cand *best = cand_clone(se.a, &start);
            best->msg = mp_arena_strdup(se.a, start.msg);
            struct mp_shrink_stats st = {0};
            if (cfg->shrink) {
                struct mp_shrink_budget bud = {.seconds = cfg->shrink_time, .steps = cfg->shrink_steps};
                best = mp_shrink_search(&cand_type, best, &bud, &se, &st);
            }
            if (jobs && interrupted()) { /* no case file from an interrupted run */
                mp_arena_free(se.a);
                trial_free(&t);
                mp_arena_free(a);
                result = DIR_STOPPED;
                goto out;
            }
            const char *path = NULL;
            struct mp_error we = {0};
            if (write_case(ra, cfg, te, (long)i, seed, best, se.kind, se.subject, best->msg, &path, &we))
                fprintf(stderr, "migprop check: writing the case: %s\n", we.msg);
            struct mp_buf names = {0};
            for (size_t k = 0; k < best->n; k++)
                mp_buf_printf(&names, "%s%s", k ? ", " : "", mp_dir_name(&t, best->idx[k]));
            const char *replay = mp_arena_printf(ra, "migprop replay %s", path ? path : "?");
            const char *rows = mp_arena_printf(ra, "%zu", total_rows(best));
            const char *nmig = mp_arena_printf(ra, "%zu of %zu", best->n, te->h->n);
            const struct mp_report_field f[] = {
                {"kind", se.kind, MP_FIELD_PLAIN},
                {"subject", subject_line(ra, se.subject), MP_FIELD_SQUOTED},
                {"seed", mp_arena_printf(ra, "0x%016" PRIx64, cfg->seed), MP_FIELD_PLAIN},
                {"trial", mp_arena_printf(ra, "%lu", i), MP_FIELD_PLAIN},
                {"migrations", nmig, MP_FIELD_PLAIN},
                {"shrunk_migrations", mp_buf_str(&names), MP_FIELD_DQUOTED},
                {"rows", rows, MP_FIELD_PLAIN},
                {"shrink_steps", mp_arena_printf(ra, "%ld", st.steps), MP_FIELD_PLAIN},
                {"case", path, MP_FIELD_PLAIN},
                {"replay", replay, MP_FIELD_PLAIN},
                {"notes", mp_buf_str(&notes), MP_FIELD_BLOCK},
                {"message", best->msg, MP_FIELD_BLOCK},
            };
            struct mp_buf human = {0};
            mp_buf_printf(&human, "%s [%s]: %s\n  migrations: %s\n  rows: %s\n  %s\n%s\n", te->p->name,
                          mp_dialect_name(te->d), se.kind, mp_buf_str(&names), rows, replay, best->msg);
            struct mp_report_point pt = {
                .result = MP_POINT_FAIL, .name = te->p->name, .where = mp_dialect_name(te->d),
                .diag = f, .ndiag = sizeof f / sizeof *f, .message = mp_arena_printf(ra, "%s: %s", se.kind,
                                                                                     first_line(ra, best->msg)),
                .junit_text = best->msg, .human_text = mp_buf_str(&human),
                .human_line = mp_arena_printf(ra, "%s: %s", se.kind, subject_line(ra, se.subject))};
            mp_reporter_point(r, &pt);
            mp_reporter_comment(r, "%s [%s]: found after %lu trials in %.2f s, shrunk in %.2f s; %s", te->p->name,
                                mp_dialect_name(te->d), done, found - t0, mp_now() - shrink0, replay);
            mp_buf_free(&human);
            mp_buf_free(&names);
            mp_arena_free(se.a);
            trial_free(&t);
            mp_arena_free(a);
            result = 1;
            goto out;
        }
        trial_free(&t);
        mp_arena_free(a);
        if (skip)
            break;
    }
    if (!done && cfg->shard_count > 1) /* every trial of the property is another shard's */
        skip = mp_arena_printf(ra, "no trial in shard %u/%u", cfg->shard_index, cfg->shard_count);
    double dt = (jobs ? t1 : mp_now()) - t0;
    const char *rate = mp_arena_printf(ra, "%lu trials, %.1f trials/s", done, dt > 0 ? (double)done / dt : 0.0);
    struct mp_report_point pt = {.result = skip ? MP_POINT_SKIP : MP_POINT_PASS, .name = te->p->name,
                                 .where = mp_dialect_name(te->d), .note = skip ? skip : rate};
    mp_reporter_point(r, &pt);
    if (notes.len)
        mp_reporter_comment(r, "%s [%s]:\n%s", te->p->name, mp_dialect_name(te->d), first_line(ra, mp_buf_str(&notes)));
    /* every note line as its own comment line, under the point */
    for (const char *s = strchr(mp_buf_str(&notes), '\n'); s && s[1]; s = strchr(s + 1, '\n')) {
        const char *e = strchr(s + 1, '\n');
        mp_reporter_comment(r, "%.*s", (int)(e ? (size_t)(e - s - 1) : strlen(s + 1)), s + 1);
    }
out:
    mp_buf_free(&notes);
    mp_arena_free(ra);
    return result;
}

/* The units of a --jobs run and what their trials need. */
struct jobs_ctx {
    const struct mp_dir_config *cfg;
    const struct trial_env *te; /* per unit */
};

/* mp_dirjobs_trial_fn: trial i of unit u, as run_property() starts it. */
static int jobs_trial(void *ctxp, size_t u, unsigned long i, struct mp_dir_trial *t, struct mp_arena *a,
                      struct mp_error *err)
{
    const struct jobs_ctx *ctx = ctxp;
    const struct trial_env *te = &ctx->te[u];
    trial_init(t, te, a, mp_trial_seed(ctx->cfg->seed, i));
    t->c.n = te->h->n;
    t->c.idx = mp_arena_alloc(a, (t->c.n ? t->c.n : 1) * sizeof *t->c.idx);
    for (size_t k = 0; k < t->c.n; k++)
        t->c.idx[k] = k;
    return te->p->trial(t, err);
}

int mp_dircheck_run(const struct mp_dir_config *cfg, FILE *out)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_dir_history h;
    struct mp_error err = {0};
    struct mp_reporter *r = NULL;
    struct mp_dirjobs *jobs = NULL;
    int result = 0, stopped = 0;
    if (mp_dir_history_read(a, cfg->dir, &h, &err)) {
        fprintf(stderr, "migprop check: --dir %s: %s\n", cfg->dir, err.msg);
        mp_arena_free(a);
        return 2;
    }
    /* the units: one point per property and backend, in report order */
    size_t nunits = 0;
    struct trial_env *te = mp_arena_alloc(a, (MP_NDIALECTS * cfg->nprops + 1) * sizeof *te);
    unsigned long *ntrials = mp_arena_alloc(a, (MP_NDIALECTS * cfg->nprops + 1) * sizeof *ntrials);
    for (int d = 0; d < MP_NDIALECTS; d++)
        for (size_t i = 0; i < cfg->nprops && cfg->backends[d]; i++) {
            te[nunits] = (struct trial_env){.p = cfg->props[i], .b = cfg->backends[d], .other = cfg->backends[!d],
                                            .d = (enum mp_dialect)d, .h = &h, .expect_schema = cfg->expect_schema,
                                            .fail_on_drop = cfg->fail_on_drop,
                                            .max_rows = cfg->max_rows ? cfg->max_rows : MP_DIR_DEFAULT_ROWS};
            ntrials[nunits++] = cfg->props[i]->random ? (cfg->iterations ? cfg->iterations : 1) : 1;
        }
    if (cfg->jobs > 1) {
        struct jobs_ctx ctx = {.cfg = cfg, .te = te};
        const struct mp_dirjobs_spec spec = {.jobs = cfg->jobs, .nunits = nunits, .ntrials = ntrials,
                                             .shard_index = cfg->shard_index, .shard_count = cfg->shard_count,
                                             .trial = jobs_trial, .ctx = &ctx};
        int rc = mp_dirjobs_run(&spec, &jobs, &err);
        if (rc < 0) {
            fprintf(stderr, "migprop check: --jobs %u: %s\n", cfg->jobs, err.msg);
            result = 2;
            goto out;
        }
        stopped = rc;
    }
    const char *header[4] = {mp_arena_printf(a, "seed 0x%016" PRIx64 " iterations %lu", cfg->seed, cfg->iterations),
                             mp_arena_printf(a, "history %s: %zu migrations (%s)", cfg->dir, h.n,
                                             mp_migfmt_name(h.set.format)),
                             NULL, NULL};
    if (cfg->shard_count > 1) /* the random suite's header line (run_report.c) */
        header[2] = mp_arena_printf(a, "shard %u/%u", cfg->shard_index, cfg->shard_count);
    const struct mp_report_meta meta = {
        .title = mp_arena_printf(a, "migprop %s check --dir %s", MIGPROP_VERSION, cfg->dir),
        .header = header,
        .suite = "migprop.dir",
    };
    if (mp_reporter_open(&r, cfg->format, out, &meta)) {
        result = 2;
        goto out;
    }
    size_t u = 0;
    for (int d = 0; d < MP_NDIALECTS && result != 2 && result != DIR_STOPPED; d++) {
        for (size_t i = 0; i < cfg->nprops && result != 2 && result != DIR_STOPPED; i++) {
            if (!cfg->backends[d]) {
                if (cfg->skip_reason[d]) {
                    struct mp_report_point pt = {.result = MP_POINT_SKIP, .name = cfg->props[i]->name,
                                                 .where = mp_dialect_name((enum mp_dialect)d),
                                                 .note = cfg->skip_reason[d]};
                    mp_reporter_point(r, &pt);
                }
                continue;
            }
            int rc = run_property(cfg, r, &te[u], jobs, u);
            u++;
            if (rc > result)
                result = rc;
        }
    }
    if (stopped || (jobs && interrupted())) { /* the points decided before the signal, then this */
        int sig = stopped ? stopped - MP_RUN_INTERRUPTED_BASE : interrupted();
        unsigned long done = mp_dirjobs_done(jobs);
        mp_reporter_comment(r, "interrupted after %lu trial%s (%s): a partial report", done, done == 1 ? "" : "s",
                            sig == SIGTERM ? "SIGTERM" : "SIGINT");
        result = MP_RUN_INTERRUPTED_BASE + sig;
    }
    mp_reporter_plan(r, mp_reporter_points(r));
    if (mp_reporter_close(r) && !result)
        result = 2;
out:
    mp_dirjobs_free(jobs);
    mp_arena_free(a);
    return result;
}

/* ---- replay ---- */

/* The value of `key` in a meta file's text ("key: value" lines), in a. */
static const char *meta_get(struct mp_arena *a, const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (*v == ' ')
                v++;
            const char *e = strchr(v, '\n');
            return mp_arena_strndup(a, v, e ? (size_t)(e - v) : strlen(v));
        }
    return NULL;
}

int mp_dircheck_replay(const char *casedir, const struct mp_dir_property *const *props, size_t nprops,
                       const char *pg_url, FILE *out)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_backend *bk[MP_NDIALECTS] = {0};
    struct mp_reporter *r = NULL;
    int result = 2;
    char *meta = mp_read_text(mp_arena_printf(a, "%s/meta", casedir), &err);
    if (!meta) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        goto out;
    }
    const char *pname = meta_get(a, meta, "property"), *backend = meta_get(a, meta, "backend");
    const char *order = meta_get(a, meta, "order"), *at = meta_get(a, meta, "at");
    const char *tseed = meta_get(a, meta, "trial_seed"), *maxr = meta_get(a, meta, "max_rows");
    const char *fod = meta_get(a, meta, "fail_on_drop");
    free(meta);
    const struct mp_dir_property *p = NULL;
    for (size_t i = 0; i < nprops && pname; i++)
        if (strcmp(props[i]->name, pname) == 0)
            p = props[i];
    int d = backend && strcmp(backend, "postgres") == 0 ? MP_POSTGRES : MP_SQLITE;
    if (!p || !backend) {
        fprintf(stderr, "migprop replay: %s/meta: no known property and backend\n", casedir);
        goto out;
    }
    struct mp_dir_history h;
    if (mp_dir_history_read(a, mp_arena_printf(a, "%s/migrations", casedir), &h, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        goto out;
    }
    for (int k = 0; k < MP_NDIALECTS; k++) {
        if (k != d && strcmp(p->name, "dialect_agreement") != 0)
            continue;
        struct mp_backend_config bc = {.pg_url = pg_url, .quiet = true};
        if (mp_backend_open((enum mp_dialect)k, &bc, &bk[k], &err)) {
            fprintf(stderr, "migprop replay: %s backend: %s\n", mp_dialect_name((enum mp_dialect)k), err.msg);
            goto out;
        }
    }
    struct stat sb;
    const char *expect = mp_arena_printf(a, "%s/expect.sql", casedir);
    struct trial_env te = {.p = p, .b = bk[d], .other = bk[!d], .d = (enum mp_dialect)d, .h = &h,
                           .expect_schema = stat(expect, &sb) == 0 ? expect : NULL,
                           .fail_on_drop = fod && strcmp(fod, "1") == 0,
                           .max_rows = maxr ? strtoul(maxr, NULL, 10) : MP_DIR_DEFAULT_ROWS};
    struct mp_dir_trial t;
    trial_init(&t, &te, a, tseed ? strtoull(tseed, NULL, 0) : 0);
    t.c.idx = mp_arena_alloc(a, (h.n ? h.n : 1) * sizeof *t.c.idx);
    for (const char *s = order; s && *s;) {
        char *e;
        unsigned long v = strtoul(s, &e, 10);
        if (e == s || v < 1 || v > h.n || t.c.n >= h.n) {
            fprintf(stderr, "migprop replay: %s/meta: bad order '%s'\n", casedir, order);
            goto out;
        }
        t.c.idx[t.c.n++] = v - 1;
        s = *e == ',' ? e + 1 : e;
    }
    if (!order)
        for (; t.c.n < h.n; t.c.n++)
            t.c.idx[t.c.n] = t.c.n;
    t.c.at = at ? strtol(at, NULL, 10) : -1;
    const char *rows = mp_arena_printf(a, "%s/rows.sql", casedir);
    if (stat(rows, &sb) == 0) {
        char *sql = mp_read_text(rows, &err);
        if (!sql) {
            fprintf(stderr, "migprop replay: %s\n", err.msg);
            goto out;
        }
        t.c.rows_sql = mp_arena_strdup(a, sql);
        free(sql);
    }
    const struct mp_report_meta rm = {.title = mp_arena_printf(a, "migprop %s replay of %s", MIGPROP_VERSION, casedir)};
    mp_reporter_open(&r, MP_FORMAT_TAP, out, &rm);
    int rc = p->trial(&t, &err);
    struct mp_report_point pt = {.name = p->name, .where = mp_dialect_name((enum mp_dialect)d)};
    const struct mp_report_field f[] = {{"kind", t.kind, MP_FIELD_PLAIN},
                                        {"subject", t.subject ? subject_line(a, t.subject) : NULL, MP_FIELD_SQUOTED},
                                        {"message", rc < 0 ? err.msg : mp_buf_str(&t.msg), MP_FIELD_BLOCK}};
    if (rc) {
        pt.result = MP_POINT_FAIL;
        pt.diag = f;
        pt.ndiag = 3;
        pt.message = rc < 0 ? err.msg : mp_buf_str(&t.msg);
    } else if (t.skip) {
        pt.result = MP_POINT_SKIP;
        pt.note = t.skip;
    }
    mp_reporter_point(r, &pt);
    mp_reporter_plan(r, 1);
    result = rc < 0 ? 2 : rc;
    trial_free(&t);
out:
    mp_reporter_close(r);
    for (int k = 0; k < MP_NDIALECTS; k++)
        mp_backend_close(bk[k]);
    mp_arena_free(a);
    return result;
}
