/* bench.c - `migprop bench`: planning, trial, executor, cluster and shrinking speed. */
#include "commands.h"
#include "cliopt.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
#include <pwd.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "diff.h"
#include "engine.h"
#include "executor.h"
#include "migdir.h"
#include "pgcluster.h"
#include "planmig.h"
#include "sql.h"
#include "gen.h"
#include "plan.h"
#include "properties.h"

#define MP_BENCH_DEFAULT_REPEAT 5
#define MP_BENCH_MAX_REPEAT 1000
#define MP_BENCH_DEFAULT_MAX_OPS 10000 /* the solver suite's largest change set */
#define MP_BENCH_MIN_MAX_OPS 10
#define MP_BENCH_MAX_MAX_OPS 100000
#define MP_BENCH_DEFAULT_SEED 1
#define MP_BENCH_DEFAULT_TRIALS 100 /* the trials suite's trials per figure */
#define MP_BENCH_MAX_TRIALS 100000

static const char usage[] =
    "usage: migprop bench [--suite solver|trials|executor|cluster|shrink|all] [--repeat N]\n"
    "                     [--format table|json|csv]\n"
    "                     [--max-ops N] [--seed S] [--out DIR]\n"
    "                     [--trials N] [--backend sqlite|postgres|all]\n"
    "\n"
    "options:\n"
    "  --suite NAME       one suite, or all (default all)\n"
    "  --repeat N         runs per figure, 1 .. " MP_STR(MP_BENCH_MAX_REPEAT) " (default " MP_STR(MP_BENCH_DEFAULT_REPEAT) ")\n"
    "  --format F         table, json or csv (default table; csv: RFC 4180, a header row)\n"
    "  --max-ops N        the solver suite's largest change set, " MP_STR(MP_BENCH_MIN_MAX_OPS) " .. "
    MP_STR(MP_BENCH_MAX_MAX_OPS) " operations\n"
    "                     (default " MP_STR(MP_BENCH_DEFAULT_MAX_OPS) ")\n"
    "  --seed S           generator seed, decimal or 0x-hex (default " MP_STR(MP_BENCH_DEFAULT_SEED) ")\n"
    "  --out DIR          also write DIR/bench.json and DIR/bench.svg\n"
    "  --trials N         the trials suite's trials per figure, 1 .. " MP_STR(MP_BENCH_MAX_TRIALS) " (default "
    MP_STR(MP_BENCH_DEFAULT_TRIALS) ")\n"
    "  --backend B        the trials and executor suites' backends: sqlite, postgres or all\n"
    "                     (default all)\n"
    "  -h, --help         print this help\n"
    "\n"
    "suites:\n"
    "  solver   planning time for generated change sets of 10 ... --max-ops operations,\n"
    "           with the growth exponent fitted on a log-log scale\n"
    "  trials   trials per second of `check` per backend at 1 and 2 jobs: the default\n"
    "           suite (every property) and ordering_valid + final_schema_equal, against\n"
    "           the same trials' SQL and introspection run raw in-process; then where the\n"
    "           default suite's time goes, per phase (generate, plan, execute, readback,\n"
    "           compare, shrink) and per property, each with its share of the run\n"
    "  executor `migrate up` of 10 and 100 generated migrations against executing the\n"
    "           same SQL raw in-process, and the command-line runners on the same files:\n"
    "           migprop (a commit each, and --group), dbmate and sql-migrate when installed;\n"
    "           on a new SQLite file and a new database of the disposable PostgreSQL\n"
    "           cluster for every run\n"
    "  cluster  time until a disposable PostgreSQL answers, cold (initdb) and from the\n"
    "           cached pristine data directory\n"
    "  shrink   the naive solver's failures over 10 seeds (SQLite), found and reported\n"
    "           as they are and shrunk to minimal cases: the difference is shrinking\n"
    "\n"
    "Each figure is the median, min and max of --repeat runs; bench.svg plots planning\n"
    "time and executor throughput against size (log-log, axes with units and a legend),\n"
    "one panel per suite run.\n";

static struct mp_arena *the_arena;

static struct mp_arena *bench_arena(void)
{
    if (!the_arena)
        the_arena = mp_arena_new();
    return the_arena;
}

/* The properties the trials and shrink suites run: planning and its
 * outcome, the ones every trial needs. */
static const struct mp_property *bench_properties(size_t *n)
{
    static struct mp_property p[2];
    p[0] = *mp_property_find("ordering_valid");
    p[1] = *mp_property_find("final_schema_equal");
    *n = 2;
    return p;
}

/* Whether `prog` is an executable file on $PATH (or at its path when it
 * has a slash): what the shell's `command -v` says for a program. */
static bool on_path(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    bool found = false;
    for (const char *p = path; !found;) {
        size_t len = strcspn(p, ":");
        struct mp_buf f = {0};
        /* an empty entry is the current directory */
        mp_buf_printf(&f, "%.*s%s%s", (int)len, len ? p : ".", "/", prog);
        struct stat st;
        found = stat(mp_buf_str(&f), &st) == 0 && S_ISREG(st.st_mode) && access(mp_buf_str(&f), X_OK) == 0;
        mp_buf_free(&f);
        if (!p[len])
            break;
        p += len + 1;
    }
    return found;
}

/* Run argv[0] (looked up on $PATH) with argv, stdout and stderr to
 * /dev/null, and wait for it.  True when it exited with status 0. */
static bool run_quiet(char *const argv[])
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa))
        return false;
    pid_t pid;
    bool ok = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) == 0 &&
              posix_spawn_file_actions_adddup2(&fa, 1, 2) == 0 && posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0;
    posix_spawn_file_actions_destroy(&fa);
    if (!ok)
        return false;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

struct stat3 {
    double median, min, max;
};

static struct stat3 stats(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    struct stat3 s = {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
    return s;
}

/* One row of results. */
struct row {
    const char *suite, *name;
    double x;            /* size (operations) */
    struct stat3 t;      /* seconds */
    const char *unit;    /* what `per` counts */
    double per;          /* units per second at the median */
};

struct results {
    struct row *v;
    size_t n, cap;
};

static void add_row(struct results *r, struct row w)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (!r->v)
            mp_oom();
    }
    r->v[r->n++] = w;
}

/* Least-squares slope of log(t) against log(x) over rows [lo, hi). */
static double growth(const struct results *r, size_t lo, size_t hi)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) {
        if (r->v[i].x <= 0 || r->v[i].t.median <= 0)
            continue;
        double x = log(r->v[i].x), y = log(r->v[i].t.median);
        sx += x, sy += y, sxx += x * x, sxy += x * y;
        n++;
    }
    if (n < 2)
        return 0;
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

static int suite_solver(struct results *res, unsigned repeat, size_t max_ops, uint64_t seed, double *exp_out)
{
    static const size_t targets[] = {10, 100, 1000, 10000, 100000};
    size_t first = res->n;
    for (size_t k = 0; k < sizeof targets / sizeof *targets && targets[k] <= max_ops; k++) {
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_arena *a = mp_arena_new();
            struct mp_rng rng;
            mp_rng_seed(&rng, seed + targets[k]);
            struct mp_case c;
            struct mp_error err = {0};
            size_t want = targets[k];
            /* calibrated: about 0.6 operations per random change */
            if (mp_gen_case_scaled(a, &rng, want / 6 + 2, want + want * 7 / 10 + 1, &c, &err)) {
                fprintf(stderr, "migprop bench: %s\n", err.msg);
                mp_arena_free(a);
                return 2;
            }
            struct mp_changeset cs = {0};
            if (mp_diff(a, c.start, c.desired, &c.renames, (enum mp_dialect)d, &cs, &err)) {
                fprintf(stderr, "migprop bench: diff: %s\n", err.msg);
                mp_arena_free(a);
                return 2;
            }
            double *t = calloc(repeat, sizeof *t);
            if (!t)
                mp_oom();
            for (unsigned i = 0; i < repeat; i++) {
                struct mp_arena *pa = mp_arena_new();
                struct mp_plan *p;
                double t0 = mp_now();
                int rc = mp_plan_build(pa, c.start, &cs, (enum mp_dialect)d, NULL, &p, &err);
                t[i] = mp_now() - t0;
                mp_arena_free(pa);
                if (rc) {
                    fprintf(stderr, "migprop bench: plan of %zu operations: %s\n", cs.n, err.msg);
                    free(t);
                    mp_arena_free(a);
                    return 2;
                }
            }
            struct row w = {.suite = "solver",
                            .name = d == MP_SQLITE ? "plan (sqlite)" : "plan (postgres)",
                            .x = (double)cs.n,
                            .t = stats(t, repeat),
                            .unit = "operations"};
            w.per = w.t.median > 0 ? w.x / w.t.median : 0;
            add_row(res, w);
            free(t);
            mp_arena_free(a);
        }
    }
    *exp_out = growth(res, first, res->n);
    return 0;
}

/* ---- cluster ---- */

static int suite_cluster(struct results *res, unsigned repeat)
{
    const char *modes[2] = {"start (cold: initdb)", "start (cached copy)"};
    for (int m = 0; m < 2; m++) {
        double *t = calloc(repeat, sizeof *t);
        if (!t)
            mp_oom();
        if (m == 0)
            setenv("MIGPROP_NO_CACHE", "1", 1);
        else
            unsetenv("MIGPROP_NO_CACHE");
        for (unsigned i = 0; i < repeat + (m == 1); i++) {
            struct mp_pgcluster *c;
            struct mp_error e = {0};
            double t0 = mp_now();
            if (mp_pgcluster_start(&c, true, &e)) {
                fprintf(stderr, "migprop bench: cluster: %s\n", e.msg);
                free(t);
                return 2;
            }
            double dt = mp_now() - t0;
            mp_pgcluster_stop(c);
            if (m == 1 && i == 0)
                continue; /* the first fills the cache */
            t[m == 1 ? i - 1 : i] = dt;
        }
        struct row w = {.suite = "cluster", .name = modes[m], .x = 1, .t = stats(t, repeat), .unit = "clusters"};
        w.per = w.t.median > 0 ? 1 / w.t.median : 0;
        add_row(res, w);
        free(t);
    }
    return 0;
}

/* ---- trials ---- */

/* One trial's work done raw: fresh database, setup, the plan's script,
 * introspection; no executor, no properties. */
static int raw_trial(enum mp_dialect d, const char *conninfo, const struct mp_case *c, uint64_t seed,
                     struct mp_error *err)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_changeset cs = {0};
    struct mp_plan *p = NULL;
    int rc = mp_diff(a, c->start, c->desired, &c->renames, d, &cs, err);
    if (!rc) {
        mp_changeset_scramble(a, &cs, seed);
        rc = mp_plan_build(a, c->start, &cs, d, NULL, &p, err);
    }
    struct mp_buf sql = {0};
    if (!rc) {
        if (d == MP_POSTGRES)
            mp_buf_printf(&sql, "BEGIN; CREATE SCHEMA raw_%ld; SET LOCAL search_path TO raw_%ld;\n", (long)getpid(),
                          (long)getpid());
        mp_sql_schema(&sql, c->start, d, MP_FAULT_NONE);
        struct mp_rng drng;
        mp_rng_seed(&drng, seed ^ 0xda7ada7ada7ada7aULL);
        struct mp_dataset data;
        mp_data_gen(a, &drng, c->start, c->desired, &c->renames, 4, &data);
        mp_data_sql(&sql, &data, d);
        if (d == MP_POSTGRES) {
            for (size_t i = 0; i < p->n; i++)
                mp_buf_add(&sql, p->steps[i].sql);
        } else {
            mp_plan_script(&sql, p);
        }
    }
    struct mp_target *t = NULL;
    if (!rc)
        rc = mp_target_open(d == MP_SQLITE ? "sqlite::memory:" : conninfo, &t, err);
    struct mp_schema *got;
    if (!rc)
        rc = mp_target_exec(t, "(raw)", 1, mp_buf_str(&sql), err);
    if (!rc)
        rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t),
                                (const char *const[]){"migprop_migrations", NULL}, a, &got, err);
    if (t && d == MP_POSTGRES) {
        struct mp_error e2 = {0};
        mp_target_exec(t, "(raw)", 1, "ROLLBACK", &e2);
    }
    mp_target_close(t);
    mp_buf_free(&sql);
    mp_arena_free(a);
    return rc;
}

/* One `check` figure: `repeat` runs of the n trials with props on backend
 * b at `jobs`, added as a row named `name`; with `ph` (nprops *
 * MP_NDIALECTS * repeat entries) each run's phase times are kept. */
static int trials_row(struct results *res, unsigned repeat, uint64_t seed, unsigned long n, struct mp_backend *b,
                      const struct mp_property *props, size_t nprops, unsigned jobs, const char *name,
                      struct mp_phase_times *ph, FILE *devnull)
{
    int rc = 0;
    enum mp_dialect d = mp_backend_dialect(b);
    double *t = calloc(repeat, sizeof *t);
    if (!t)
        mp_oom();
    for (unsigned i = 0; i < repeat && !rc; i++) {
        struct mp_run_config cfg = {.seed = seed, .iterations = n, .only_trial = -1, .props = props,
                                    .nprops = nprops, .jobs = jobs, .no_data = false,
                                    .phases = ph ? ph + (size_t)i * nprops * MP_NDIALECTS : NULL};
        cfg.backends[d] = b;
        double t0 = mp_now();
        if (mp_run(&cfg, devnull) == 2)
            rc = 2;
        t[i] = mp_now() - t0;
    }
    struct row w = {.suite = "trials", .name = name, .x = (double)n, .t = stats(t, repeat), .unit = "trials"};
    w.per = w.t.median > 0 ? w.x / w.t.median : 0;
    add_row(res, w);
    free(t);
    return rc;
}

/* The breakdown of the default suite's runs at one job: a row per phase
 * and per property, its seconds over the n trials (median of the runs)
 * and its share of the run in the name. */
static void trials_breakdown(struct results *res, unsigned repeat, unsigned long n, enum mp_dialect d,
                             const struct mp_property *props, size_t nprops, const struct mp_phase_times *ph)
{
    static const char *const phase[] = {"generate", "plan", "execute", "readback", "compare", "shrink"};
    enum { NPH = 6 };
    double *v = calloc((size_t)repeat * (NPH + nprops) + 1, sizeof *v);
    if (!v)
        mp_oom();
    for (unsigned r = 0; r < repeat; r++)
        for (size_t i = 0; i < nprops; i++) {
            const struct mp_phase_times *p = &ph[((size_t)r * nprops + i) * MP_NDIALECTS + d];
            double x[NPH] = {p->generate, p->plan, p->execute, p->readback, p->compare, p->shrink};
            for (int k = 0; k < NPH; k++) {
                v[(size_t)k * repeat + r] += x[k];
                v[(size_t)(NPH + i) * repeat + r] += x[k];
            }
        }
    double all = 0; /* the phases' medians: the shares add up to 100 % */
    for (size_t k = 0; k < NPH; k++) {
        double *c = malloc(repeat * sizeof *c);
        if (!c)
            mp_oom();
        memcpy(c, v + k * repeat, repeat * sizeof *c);
        all += stats(c, repeat).median;
        free(c);
    }
    for (size_t k = 0; k < NPH + nprops; k++) {
        struct stat3 st = stats(v + k * repeat, repeat);
        const char *what = k < NPH ? phase[k] : props[k - NPH].name;
        struct row w = {.suite = "trials",
                        .name = mp_arena_printf(bench_arena(), "%s default suite: %s %s (%.0f%%)",
                                                mp_dialect_name(d), k < NPH ? "phase" : "property", what,
                                                all > 0 ? 100 * st.median / all : 0),
                        .x = (double)n, .t = st, .unit = "trials"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
    }
    free(v);
}

static int suite_trials(struct results *res, unsigned repeat, uint64_t seed, unsigned long n, int only)
{
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 2;
    int rc = 0;
    for (int d = 0; d < MP_NDIALECTS && !rc; d++) {
        if (only >= 0 && d != only)
            continue;
        struct mp_backend *b = NULL;
        struct mp_backend_config bc = {.quiet = true};
        struct mp_error e = {0};
        if (mp_backend_open((enum mp_dialect)d, &bc, &b, &e)) {
            fprintf(stderr, "migprop bench: %s: %s (skipped)\n", mp_dialect_name((enum mp_dialect)d), e.msg);
            continue;
        }
        const char *dn = mp_dialect_name((enum mp_dialect)d);
        size_t ntwo, nall;
        const struct mp_property *two = bench_properties(&ntwo), *all = mp_properties(&nall);
        /* what users run: every property, as `check --backend` does */
        struct mp_phase_times *ph = calloc((size_t)repeat * nall * MP_NDIALECTS, sizeof *ph);
        if (!ph)
            mp_oom();
        for (unsigned jobs = 1; jobs <= 2 && !rc; jobs++)
            rc = trials_row(res, repeat, seed, n, b, all, nall, jobs,
                            mp_arena_printf(bench_arena(), "check %s, default suite, %u job%s", dn, jobs,
                                            jobs == 1 ? "" : "s"),
                            jobs == 1 ? ph : NULL, devnull);
        for (unsigned jobs = 1; jobs <= 2 && !rc; jobs++)
            rc = trials_row(res, repeat, seed, n, b, two, ntwo, jobs,
                            mp_arena_printf(bench_arena(), "check %s, ordering_valid + final_schema_equal, %u job%s",
                                            dn, jobs, jobs == 1 ? "" : "s"),
                            NULL, devnull);
        /* raw: the same trials' SQL and introspection in-process */
        double *t = calloc(repeat, sizeof *t);
        for (unsigned i = 0; i < repeat && !rc; i++) {
            double t0 = mp_now();
            for (unsigned long k = 0; k < n && !rc; k++) {
                struct mp_arena *a = mp_arena_new();
                struct mp_rng rng;
                uint64_t ts = mp_trial_seed(seed, k);
                mp_rng_seed(&rng, ts);
                struct mp_case c;
                if (mp_gen_case(a, &rng, mp_gen_size(k), &c, &e) ||
                    raw_trial((enum mp_dialect)d, b->conninfo, &c, ts, &e)) {
                    fprintf(stderr, "migprop bench: raw trial %lu: %s\n", k, e.msg);
                    rc = 2;
                }
                mp_arena_free(a);
            }
            t[i] = mp_now() - t0;
        }
        struct row w = {.suite = "trials", .name = mp_arena_printf(bench_arena(), "raw %s (the limit)", dn),
                        .x = (double)n, .t = stats(t, repeat), .unit = "trials"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
        free(t);
        if (!rc)
            trials_breakdown(res, repeat, n, (enum mp_dialect)d, all, nall, ph);
        free(ph);
        mp_backend_close(b);
    }
    fclose(devnull);
    return rc;
}

/* ---- shrink ---- */

/* Naive-solver failures found with and without shrinking, seed by seed:
 * the difference is the time spent shrinking them to minimal cases. */
static int suite_shrink(struct results *res, unsigned repeat, uint64_t seed)
{
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 2;
    struct mp_backend *b = NULL;
    struct mp_backend_config bc = {.quiet = true};
    struct mp_error e = {0};
    if (mp_backend_open(MP_SQLITE, &bc, &b, &e)) {
        fclose(devnull);
        return 2;
    }
    size_t np;
    const struct mp_property *props = bench_properties(&np);
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/migprop-bench-shrink-%ld", (long)getpid());
    const unsigned seeds = 10;
    for (int shrink = 0; shrink < 2; shrink++) {
        double *t = calloc(repeat, sizeof *t);
        for (unsigned r = 0; r < repeat; r++) {
            double t0 = mp_now();
            for (unsigned k = 0; k < seeds; k++) {
                struct mp_run_config cfg = {.seed = seed + k, .iterations = 300, .only_trial = -1, .props = props,
                                            .nprops = np, .solver = MP_SOLVER_NAIVE, .shrink = shrink, .out_dir = dir};
                cfg.backends[MP_SQLITE] = b;
                mp_run(&cfg, devnull);
            }
            t[r] = mp_now() - t0;
        }
        struct row w = {.suite = "shrink", .name = shrink ? "naive failures, shrunk" : "naive failures, as found",
                        .x = seeds * 2.0, .t = stats(t, repeat), .unit = "failures"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
        free(t);
    }
    int rc = 0;
    if (mp_rmtree(dir, &e)) {
        fprintf(stderr, "migprop bench: %s\n", e.msg);
        rc = 2;
    }
    mp_backend_close(b);
    fclose(devnull);
    return rc;
}

/* ---- executor ---- */

/* Where the executor suite's runs go: a new SQLite file, or a new database
 * on the disposable PostgreSQL cluster, for every run.  `url` is what
 * migprop and dbmate take, `sqlm` sql-migrate's dialect and datasource. */
struct exec_db {
    enum mp_dialect d;
    const char *dir;          /* scratch directory (migration files; SQLite: the database) */
    struct mp_target *admin;  /* PostgreSQL: a connection to the cluster's own database */
    const char *host, *port, *user;
};

/* A new empty database for one run; its URL for migprop and dbmate in
 * *url, sql-migrate's config entry in *sqlm.  0, or an error. */
static int exec_db_fresh(struct mp_arena *a, const struct exec_db *x, const char *tag, const char **url,
                         const char **sqlm, struct mp_error *e)
{
    if (x->d == MP_SQLITE) {
        char *path = mp_arena_printf(a, "%s/%s.sqlite", x->dir, tag);
        unlink(path);
        *url = mp_arena_printf(a, "sqlite:%s", path);
        *sqlm = mp_arena_printf(a, "  dialect: sqlite3\n  datasource: %s\n", path);
        return 0;
    }
    /* CREATE DATABASE runs outside a transaction block: one statement each */
    char *name = mp_arena_printf(a, "mp_bench_%s", tag);
    int rc = mp_target_exec(x->admin, "(bench)", 1, mp_arena_printf(a, "DROP DATABASE IF EXISTS %s", name), e);
    if (!rc)
        rc = mp_target_exec(x->admin, "(bench)", 1, mp_arena_printf(a, "CREATE DATABASE %s", name), e);
    *url = mp_arena_printf(a, "postgres://%s@/%s?host=%s&port=%s&sslmode=disable", x->user, name, x->host, x->port);
    *sqlm = mp_arena_printf(a, "  dialect: postgres\n  datasource: host=%s port=%s dbname=%s user=%s sslmode=disable\n",
                            x->host, x->port, name, x->user);
    return rc;
}

/* `migrate up` in-process, the same SQL raw in-process, and the runners'
 * command lines, on fresh databases of one dialect; rows named with
 * `where` ("sqlite file", "postgres"). */
static int executor_rows(struct results *res, unsigned repeat, const struct exec_db *x, const char *where)
{
    static const size_t sizes[] = {10, 100};
    int rc = 0;
    const char *dir = x->dir;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes && !rc; si++) {
        size_t nm = sizes[si];
        struct mp_arena *a = mp_arena_new();
        struct mp_migset set = {.format = MP_MIGFMT_PAIRS, .dir = "(bench)"};
        /* realistic mixed DDL and data: a table per 4 migrations, columns,
         * indexes, rows, updates */
        for (size_t i = 0; i < nm; i++) {
            size_t tb = i / 4;
            const char *up;
            switch (i % 4) {
            case 0: up = mp_arena_printf(a, "CREATE TABLE t%zu (id integer PRIMARY KEY, name text NOT NULL, n integer);\n"
                                            "INSERT INTO t%zu (id, name, n) VALUES (1, 'a', 1), (2, 'b;c', 2), (3, 'it''s', 3);\n",
                                         tb, tb);
                break;
            case 1: up = mp_arena_printf(a, "ALTER TABLE t%zu ADD COLUMN note text;\nCREATE INDEX t%zu_name ON t%zu (name);\n",
                                         tb, tb, tb);
                break;
            case 2: up = mp_arena_printf(a, "UPDATE t%zu SET note = name || '!';\nINSERT INTO t%zu (id, name) VALUES (4, 'd');\n",
                                         tb, tb);
                break;
            default: up = mp_arena_printf(a, "ALTER TABLE t%zu RENAME COLUMN n TO qty;\n", tb);
            }
            struct mp_migration *m = MP_PUSH(a, set.v, set.n, set.cap);
            m->version = m->raw_version = mp_arena_printf(a, "%zu", i + 1);
            m->name = "bench";
            m->up.sql = up;
            m->up.path = "(bench)";
            m->up.line = 1;
            mp_sha256_hex(up, strlen(up), m->checksum);
        }
        double *tm = calloc(repeat, sizeof *tm), *tr = calloc(repeat, sizeof *tr);
        for (unsigned r = 0; r < repeat && !rc; r++) {
            for (int raw = 0; raw < 2 && !rc; raw++) {
                mkdir(dir, 0700);
                const char *url, *sqlm;
                struct mp_target *t;
                struct mp_error e = {0};
                if ((rc = exec_db_fresh(a, x, raw ? "raw" : "up", &url, &sqlm, &e)) ||
                    (rc = mp_target_open(url, &t, &e))) {
                    fprintf(stderr, "migprop bench: executor: %s\n", e.msg);
                    break;
                }
                double t0 = mp_now();
                if (raw) {
                    for (size_t i = 0; i < set.n && !rc; i++)
                        rc = mp_target_exec(t, "(raw)", 1, mp_arena_printf(a, "BEGIN;\n%sCOMMIT;\n", set.v[i].up.sql), &e);
                } else {
                    struct mp_exec_report rep;
                    rc = mp_exec_up(t, &set, NULL, NULL, &rep, &e);
                }
                (raw ? tr : tm)[r] = mp_now() - t0;
                mp_target_close(t);
                if (x->d == MP_SQLITE)
                    unlink(url + 7);
                if (rc)
                    fprintf(stderr, "migprop bench: executor: %s\n", e.msg);
            }
        }
        rmdir(dir);
        struct row w = {.suite = "executor", .name = mp_arena_printf(bench_arena(), "migrate up (%s)", where),
                        .x = (double)nm, .t = stats(tm, repeat), .unit = "migrations"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
        struct row v = {.suite = "executor",
                        .name = x->d == MP_SQLITE ? "raw, 1 tx each (limit)"
                                                  : mp_arena_printf(bench_arena(), "raw, 1 tx each (limit, %s)", where),
                        .x = (double)nm, .t = stats(tr, repeat), .unit = "migrations"};
        v.per = v.t.median > 0 ? v.x / v.t.median : 0;
        add_row(res, v);
        /* the command-line runners on the same migrations, when installed:
         * migprop's own CLI (a commit per migration, and --group: one
         * commit), dbmate, sql-migrate (process start included) */
        static const struct {
            const char *name, *probe;
            enum mp_migstyle style;
        } peers[] = {
            {"migprop migrate (CLI)", NULL, MP_STYLE_PAIRS},
            {"migprop migrate --group (CLI)", NULL, MP_STYLE_PAIRS},
            {"dbmate up", "dbmate", MP_STYLE_DBMATE},
            {"sql-migrate up", "sql-migrate", MP_STYLE_SQLMIGRATE},
        };
        for (size_t pi = 0; pi < sizeof peers / sizeof *peers && !rc; pi++) {
            if (peers[pi].probe && !on_path(peers[pi].probe))
                continue;
            double *tp = calloc(repeat, sizeof *tp);
            bool ok = true;
            for (unsigned r = 0; r < repeat && ok; r++) {
                char *mdir = mp_arena_printf(a, "%s/m", dir);
                struct mp_error e = {0};
                const char *url, *sqlm;
                if (mp_rmtree(dir, &e) || mp_mkdir_p(mdir, &e) || exec_db_fresh(a, x, "cli", &url, &sqlm, &e)) {
                    fprintf(stderr, "migprop bench: executor: %s\n", e.msg);
                    ok = false;
                    break;
                }
                for (size_t i = 0; i < set.n && ok; i++)
                    ok = mp_migdir_write_style(a, mdir, peers[pi].style, mp_arena_printf(a, "%04zu", i + 1), "m",
                                               set.v[i].up.sql, NULL, false, &e) == 0;
                FILE *cf = fopen(mp_arena_printf(a, "%s/c.yml", dir), "w");
                if (cf) {
                    fprintf(cf, "b:\n%s  dir: %s\n", sqlm, mdir);
                    fclose(cf);
                }
                char self[1024];
                ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
                self[sl > 0 ? sl : 0] = 0;
                char *curl = mp_arena_strdup(a, url);
                char *own[] = {self, "migrate", "--quiet", "--dir", mdir, "--db", curl, "up", NULL, NULL};
                if (pi == 1)
                    own[8] = "--group"; /* one commit for the whole run */
                char *dbmate[] = {"dbmate", "--url", curl, "--migrations-dir", mdir, "--no-dump-schema", "up", NULL};
                char *sqlmig[] = {"sql-migrate", "up", mp_arena_printf(a, "-config=%s/c.yml", dir), "-env=b", NULL};
                char *const *cmd = pi <= 1 ? own : pi == 2 ? dbmate : sqlmig;
                double t0 = mp_now();
                ok = ok && run_quiet(cmd);
                tp[r] = mp_now() - t0;
            }
            if (ok) {
                struct row w2 = {.suite = "executor",
                                 .name = x->d == MP_SQLITE ? peers[pi].name
                                                           : mp_arena_printf(bench_arena(), "%s (%s)", peers[pi].name, where),
                                 .x = (double)nm, .t = stats(tp, repeat), .unit = "migrations"};
                w2.per = w2.t.median > 0 ? w2.x / w2.t.median : 0;
                add_row(res, w2);
            }
            free(tp);
        }
        struct mp_error e = {0};
        if (mp_rmtree(dir, &e)) {
            fprintf(stderr, "migprop bench: %s\n", e.msg);
            rc = 2;
        }
        free(tm);
        free(tr);
        mp_arena_free(a);
    }
    return rc;
}

/* The executor suite on SQLite files, then on the disposable PostgreSQL
 * cluster (skipped, saying so, when it cannot start); `only`: one dialect
 * (--backend), or -1. */
static int suite_executor(struct results *res, unsigned repeat, int only)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/migprop-bench-%ld", (long)getpid());
    int rc = 0;
    if (only < 0 || only == MP_SQLITE) {
        struct exec_db x = {.d = MP_SQLITE, .dir = dir};
        rc = executor_rows(res, repeat, &x, "sqlite file");
    }
    if (rc || (only >= 0 && only != MP_POSTGRES))
        return rc;
    struct mp_backend *b = NULL;
    struct mp_backend_config bc = {.quiet = true};
    struct mp_error e = {0};
    if (mp_backend_open(MP_POSTGRES, &bc, &b, &e)) {
        fprintf(stderr, "migprop bench: executor on postgres: %s (skipped)\n", e.msg);
        return 0;
    }
    PQconninfoOption *opts = PQconninfoParse(b->conninfo, NULL);
    struct exec_db x = {.d = MP_POSTGRES, .dir = dir, .host = "", .port = "5432", .user = ""};
    struct mp_arena *a = mp_arena_new();
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            x.host = mp_arena_strdup(a, o->val);
        else if (strcmp(o->keyword, "port") == 0)
            x.port = mp_arena_strdup(a, o->val);
        else if (strcmp(o->keyword, "user") == 0)
            x.user = mp_arena_strdup(a, o->val);
    }
    PQconninfoFree(opts);
    if (!x.user[0]) {
        struct passwd *pw = getpwuid(geteuid());
        x.user = mp_arena_strdup(a, pw ? pw->pw_name : "postgres");
    }
    if ((rc = mp_target_open(b->conninfo, &x.admin, &e))) {
        fprintf(stderr, "migprop bench: executor on postgres: %s\n", e.msg);
        rc = 2;
    } else {
        rc = executor_rows(res, repeat, &x, "postgres");
        mp_target_close(x.admin);
    }
    mp_arena_free(a);
    mp_backend_close(b);
    return rc;
}

static void write_json(FILE *out, const struct results *res, unsigned repeat, bool solver, double solver_exp)
{
    json_t *root = json_object();
    struct utsname u;
    uname(&u);
    json_object_set_new(root, "migprop", json_string(MIGPROP_VERSION));
    json_object_set_new(root, "machine", json_string(u.nodename));
    json_object_set_new(root, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(root, "sqlite", json_string(sqlite3_libversion()));
    json_object_set_new(root, "libpq", json_integer(PQlibVersion()));
    json_object_set_new(root, "repeat", json_integer(repeat));
    json_t *rows = json_array();
    for (size_t i = 0; i < res->n; i++) {
        const struct row *w = &res->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "suite", json_string(w->suite));
        json_object_set_new(o, "name", json_string(w->name));
        json_object_set_new(o, "size", json_real(w->x));
        json_object_set_new(o, "median_s", json_real(w->t.median));
        json_object_set_new(o, "min_s", json_real(w->t.min));
        json_object_set_new(o, "max_s", json_real(w->t.max));
        json_object_set_new(o, "per_s", json_real(w->per));
        json_object_set_new(o, "unit", json_string(w->unit));
        json_array_append_new(rows, o);
    }
    json_object_set_new(root, "results", rows);
    if (solver)
        json_object_set_new(root, "solver_growth_exponent", json_real(solver_exp));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fprintf(out, "%s\n", text);
    free(text);
    json_decref(root);
}

/* One field of RFC 4180 CSV: as it is, or in double quotes (a '"'
 * doubled) when it holds a comma, a quote, a line break or edge spaces. */
static void csv_field(FILE *out, const char *v)
{
    size_t n = strlen(v);
    if (strcspn(v, ",\"\r\n") == n && !(n && (v[0] == ' ' || v[n - 1] == ' '))) {
        fputs(v, out);
        return;
    }
    fputc('"', out);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* Text for SVG character data or an attribute. */
static void svg_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* The figure a panel plots for row r (0: none). */
static double svg_y(const struct row *r, bool per)
{
    return per ? r->per : r->t.median * 1e3;
}

/* Whether the run measured anything for `suite` that a panel can plot. */
static bool svg_has(const struct results *res, const char *suite, bool per)
{
    for (size_t i = 0; i < res->n; i++)
        if (strcmp(res->v[i].suite, suite) == 0 && res->v[i].x > 0 && svg_y(&res->v[i], per) > 0)
            return true;
    return false;
}

/* Tick values of a log axis over [lo, hi] (log10 values): the decades, and
 * 2 and 5 times them when the range spans less than two decades.  Returns
 * how many were written to v (at most cap). */
static size_t log_ticks(double lo, double hi, double *v, size_t cap)
{
    size_t n = 0;
    bool fine = hi - lo < 2;
    for (int e = (int)floor(lo); e <= (int)ceil(hi) && n < cap; e++) {
        static const double mult[] = {1, 2, 5};
        for (size_t m = 0; m < (fine ? 3u : 1u) && n < cap; m++) {
            double t = log10(mult[m]) + e;
            if (t >= lo - 1e-9 && t <= hi + 1e-9)
                v[n++] = t;
        }
    }
    return n;
}

/* One log-log panel of the SVG at (ox, oy), plot area w x h: a series per
 * distinct name of `suite` (a line with a marker at each point), both axes
 * with ticks, tick labels and a title with the unit, and a legend. */
static void svg_panel(FILE *f, const struct results *res, const char *suite, const char *title, const char *xlabel,
                      const char *ylabel, bool per, double ox, double oy, double w, double h)
{
    double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0;
    for (size_t i = 0; i < res->n; i++) {
        const struct row *r = &res->v[i];
        double y = svg_y(r, per);
        if (strcmp(r->suite, suite) != 0 || r->x <= 0 || y <= 0)
            continue;
        xmin = fmin(xmin, r->x), xmax = fmax(xmax, r->x), ymin = fmin(ymin, y), ymax = fmax(ymax, y);
    }
    /* a little room around the data, on whole-ish log steps */
    double lx0 = log10(xmin) - 0.05, lx1 = log10(xmax) + 0.05, ly0 = log10(ymin) - 0.1, ly1 = log10(ymax) + 0.1;
    /* at least two x ticks whatever the one size measured: two steps of
     * 1-2-5 span at most log10(2.5) + log10(2) < 0.75 */
    if (lx1 - lx0 < 0.75) {
        double mid = (lx0 + lx1) / 2;
        lx0 = mid - 0.375, lx1 = mid + 0.375;
    }
    if (ly1 - ly0 < 0.5)
        ly0 -= 0.25, ly1 += 0.25;
#define PX(lx) (ox + ((lx) - lx0) / (lx1 - lx0) * w)
#define PY(ly) (oy + h - ((ly) - ly0) / (ly1 - ly0) * h)
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\">", ox, oy - 10);
    svg_text(f, title);
    fprintf(f, "</text>\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", ox,
            oy, w, h);
    double t[64];
    size_t nt = log_ticks(lx0, lx1, t, 64);
    for (size_t i = 0; i < nt; i++)
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#333\"/>"
                "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"middle\">%g</text>\n",
                PX(t[i]), oy + h, PX(t[i]), oy + h + 5, PX(t[i]), oy + h + 17, pow(10, t[i]));
    nt = log_ticks(ly0, ly1, t, 64);
    for (size_t i = 0; i < nt; i++)
        fprintf(f,
                "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#333\"/>"
                "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%g</text>\n",
                ox - 5, PY(t[i]), ox, PY(t[i]), ox - 7, PY(t[i]) + 3, pow(10, t[i]));
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">", ox + w / 2, oy + h + 34);
    svg_text(f, xlabel);
    fprintf(f, " (log scale)</text>\n<text transform=\"translate(%.0f %.0f) rotate(-90)\" font-size=\"11\" "
               "text-anchor=\"middle\">",
            ox - 48, oy + h / 2);
    svg_text(f, ylabel);
    fputs(" (log scale)</text>\n", f);
    static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    const char *names[8];
    size_t nn = 0;
    for (size_t i = 0; i < res->n; i++) {
        if (strcmp(res->v[i].suite, suite) != 0 || res->v[i].x <= 0 || svg_y(&res->v[i], per) <= 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < nn; k++)
            seen = seen || strcmp(names[k], res->v[i].name) == 0;
        if (!seen && nn < 8)
            names[nn++] = res->v[i].name;
    }
    for (size_t k = 0; k < nn; k++) {
        const char *c = colors[k % 6];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
        for (size_t i = 0; i < res->n; i++) {
            const struct row *r = &res->v[i];
            if (strcmp(r->suite, suite) == 0 && strcmp(r->name, names[k]) == 0 && r->x > 0 && svg_y(r, per) > 0)
                fprintf(f, "%.1f,%.1f ", PX(log10(r->x)), PY(log10(svg_y(r, per))));
        }
        fputs("\"/>\n", f);
        for (size_t i = 0; i < res->n; i++) {
            const struct row *r = &res->v[i];
            if (strcmp(r->suite, suite) == 0 && strcmp(r->name, names[k]) == 0 && r->x > 0 && svg_y(r, per) > 0)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", PX(log10(r->x)),
                        PY(log10(svg_y(r, per))), c);
        }
        /* the legend: a swatch and the series' name, top left inside the plot */
        double ly = oy + 14 + 15 * (double)k;
        fprintf(f,
                "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"3\"/>"
                "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\">",
                ox + 8, ly - 4, ox + 26, ly - 4, c, ox + 30, ly);
        svg_text(f, names[k]);
        fputs("</text>\n", f);
    }
#undef PX
#undef PY
}

/* The plot: planning time and executor throughput against size, one
 * panel per suite the run measured (none measured: a note). */
static void write_svg(const char *path, const struct results *res)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    bool solver = svg_has(res, "solver", false), executor = svg_has(res, "executor", true);
    int panels = (solver ? 1 : 0) + (executor ? 1 : 0);
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"400\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            panels > 1 ? 960 : 480);
    double ox = 70;
    if (solver) {
        svg_panel(f, res, "solver", "planning time against change set size", "operations", "time (ms)", false, ox, 40,
                  380, 290);
        ox += 480;
    }
    if (executor)
        svg_panel(f, res, "executor", "migrate up throughput against history length", "migrations",
                  "migrations per second", true, ox, 40, 380, 290);
    if (!panels)
        fputs("<text x=\"20\" y=\"40\" font-size=\"14\">no solver or executor figures in this run</text>\n", f);
    fprintf(f, "</svg>\n");
    fclose(f);
}

static void header(FILE *out, const char *fmt_name, unsigned repeat)
{
    struct utsname u;
    uname(&u);
    fprintf(out, "# migprop %s bench on %s %s %s, %ld cpus; sqlite %s, libpq %d; repeat %u; %s\n", MIGPROP_VERSION,
            u.nodename, u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(), PQlibVersion(),
            repeat, fmt_name);
}

enum { OPT_SUITE = 256, OPT_REPEAT, OPT_FORMAT, OPT_MAX_OPS, OPT_SEED, OPT_OUT, OPT_TRIALS, OPT_BACKEND };

static const struct option longopts[] = {
    {"suite", required_argument, NULL, OPT_SUITE},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"max-ops", required_argument, NULL, OPT_MAX_OPS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"out", required_argument, NULL, OPT_OUT},
    {"trials", required_argument, NULL, OPT_TRIALS},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_bench(int argc, char **argv)
{
    static const char *const suites[] = {"all", "solver", "trials", "executor", "cluster", "shrink", NULL};
    static const char *const formats[] = {"table", "json", "csv", NULL};
    const char *suite = "all", *format = "table", *out_dir = NULL;
    unsigned repeat = MP_BENCH_DEFAULT_REPEAT;
    size_t max_ops = MP_BENCH_DEFAULT_MAX_OPS;
    uint64_t seed = MP_BENCH_DEFAULT_SEED, u;
    unsigned long trials = MP_BENCH_DEFAULT_TRIALS;
    int only = -1; /* the trials suite's backend, or -1: every one */
    static const char *const backends[] = {"sqlite", "postgres", "all", NULL};
    int c, k;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_SUITE:
            if (mp_cli_choice("bench", "--suite", optarg, suites, &k))
                return MP_CLI_USAGE;
            suite = suites[k];
            break;
        case OPT_FORMAT:
            if (mp_cli_choice("bench", "--format", optarg, formats, &k))
                return MP_CLI_USAGE;
            format = formats[k];
            break;
        case OPT_REPEAT:
            if (mp_cli_u64("bench", "--repeat", optarg, 1, MP_BENCH_MAX_REPEAT, &u))
                return MP_CLI_USAGE;
            repeat = (unsigned)u;
            break;
        case OPT_MAX_OPS:
            if (mp_cli_u64("bench", "--max-ops", optarg, MP_BENCH_MIN_MAX_OPS, MP_BENCH_MAX_MAX_OPS, &u))
                return MP_CLI_USAGE;
            max_ops = (size_t)u;
            break;
        case OPT_SEED:
            if (mp_cli_u64("bench", "--seed", optarg, 0, UINT64_MAX, &seed))
                return MP_CLI_USAGE;
            break;
        case OPT_OUT:
            out_dir = optarg;
            break;
        case OPT_TRIALS:
            if (mp_cli_u64("bench", "--trials", optarg, 1, MP_BENCH_MAX_TRIALS, &u))
                return MP_CLI_USAGE;
            trials = (unsigned long)u;
            break;
        case OPT_BACKEND:
            if (mp_cli_choice("bench", "--backend", optarg, backends, &k))
                return MP_CLI_USAGE;
            only = k == 0 ? MP_SQLITE : k == 1 ? MP_POSTGRES : -1;
            break;
        default:
            return mp_cli_bad_option("bench", c, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("bench", argv[optind]);
    bool all = strcmp(suite, "all") == 0;
    struct results res = {0};
    double solver_exp = 0;
    int rc = 0;
    if (all || strcmp(suite, "solver") == 0)
        rc = suite_solver(&res, repeat, max_ops, seed, &solver_exp);
    if (!rc && (all || strcmp(suite, "executor") == 0))
        rc = suite_executor(&res, repeat, only);
    if (!rc && (all || strcmp(suite, "cluster") == 0))
        rc = suite_cluster(&res, repeat);
    if (!rc && (all || strcmp(suite, "trials") == 0))
        rc = suite_trials(&res, repeat, seed, trials, only);
    if (!rc && (all || strcmp(suite, "shrink") == 0))
        rc = suite_shrink(&res, repeat, seed);
    if (rc) {
        free(res.v);
        return rc;
    }
    if (out_dir) {
        struct mp_error e = {0};
        if (mp_mkdir_p(out_dir, &e)) {
            fprintf(stderr, "migprop bench: --out: %s\n", e.msg);
            free(res.v);
            return 2;
        }
        write_svg(mp_arena_printf(bench_arena(), "%s/bench.svg", out_dir), &res);
        FILE *jf = fopen(mp_arena_printf(bench_arena(), "%s/bench.json", out_dir), "w");
        if (jf) {
            write_json(jf, &res, repeat, all || strcmp(suite, "solver") == 0, solver_exp);
            fclose(jf);
        }
    }
    if (strcmp(format, "json") == 0) {
        write_json(stdout, &res, repeat, all || strcmp(suite, "solver") == 0, solver_exp);
    } else if (strcmp(format, "csv") == 0) {
        /* RFC 4180: a header row, then records, every text field through
         * csv_field; no comment line (the machine is in --format json) */
        printf("suite,name,size,median_s,min_s,max_s,per_s,unit\r\n");
        for (size_t i = 0; i < res.n; i++) {
            const struct row *w = &res.v[i];
            csv_field(stdout, w->suite);
            putchar(',');
            csv_field(stdout, w->name);
            printf(",%.0f,%.6f,%.6f,%.6f,%.1f,", w->x, w->t.median, w->t.min, w->t.max, w->per);
            csv_field(stdout, w->unit);
            fputs("\r\n", stdout);
        }
    } else {
        header(stdout, "table", repeat);
        int nw = 18; /* the name column: as wide as the longest name */
        for (size_t i = 0; i < res.n; i++)
            if ((int)strlen(res.v[i].name) > nw)
                nw = (int)strlen(res.v[i].name);
        printf("%-8s %-*s %10s %12s %12s %12s %14s\n", "suite", nw, "name", "size", "median ms", "min ms", "max ms",
               "per second");
        for (size_t i = 0; i < res.n; i++) {
            const struct row *w = &res.v[i];
            printf("%-8s %-*s %10.0f %12.3f %12.3f %12.3f %14.0f %s\n", w->suite, nw, w->name, w->x,
                   w->t.median * 1e3, w->t.min * 1e3, w->t.max * 1e3, w->per, w->unit);
        }
        if (all || strcmp(suite, "solver") == 0)
            printf("solver: planning time grows as size^%.2f (least squares on log-log; 1.0 is linear)\n",
                   solver_exp);
    }
    free(res.v);
    return 0;
}
