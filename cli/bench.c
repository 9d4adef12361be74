/* bench.c - `migprop bench`: planning, trial, executor, cluster and shrinking speed. */
#include "commands.h"
#include "cliopt.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
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

static const char usage[] =
    "usage: migprop bench [--suite solver|trials|executor|cluster|shrink|all] [--repeat N]\n"
    "                     [--format table|json|csv]\n"
    "                     [--max-ops N] [--seed S] [--out DIR]\n"
    "\n"
    "options:\n"
    "  --suite NAME       one suite, or all (default all)\n"
    "  --repeat N         runs per figure, 1 .. " MP_STR(MP_BENCH_MAX_REPEAT) " (default " MP_STR(MP_BENCH_DEFAULT_REPEAT) ")\n"
    "  --format F         table, json or csv (default table)\n"
    "  --max-ops N        the solver suite's largest change set, " MP_STR(MP_BENCH_MIN_MAX_OPS) " .. "
    MP_STR(MP_BENCH_MAX_MAX_OPS) " operations\n"
    "                     (default " MP_STR(MP_BENCH_DEFAULT_MAX_OPS) ")\n"
    "  --seed S           generator seed, decimal or 0x-hex (default " MP_STR(MP_BENCH_DEFAULT_SEED) ")\n"
    "  --out DIR          also write DIR/bench.json and DIR/bench.svg\n"
    "  -h, --help         print this help\n"
    "\n"
    "suites:\n"
    "  solver   planning time for generated change sets of 10 ... --max-ops operations,\n"
    "           with the growth exponent fitted on a log-log scale\n"
    "  trials   trials per second of `check` (ordering_valid + final_schema_equal) per\n"
    "           backend, against the same trials' SQL and introspection run raw in-process\n"
    "  executor `migrate up` of 10 and 100 generated migrations against executing the\n"
    "           same SQL raw in-process (SQLite file database), and the command-line\n"
    "           runners on the same files: migprop, dbmate and sql-migrate when installed\n"
    "  cluster  time until a disposable PostgreSQL answers, cold (initdb) and from the\n"
    "           cached pristine data directory\n"
    "  shrink   the naive solver's failures over 10 seeds (SQLite), found and reported\n"
    "           as they are and shrunk to minimal cases: the difference is shrinking\n"
    "\n"
    "Each figure is the median, min and max of --repeat runs; bench.svg plots planning\n"
    "time and executor throughput against size.\n";

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

static int suite_trials(struct results *res, unsigned repeat, uint64_t seed)
{
    const unsigned long n = 100;
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull)
        return 2;
    int rc = 0;
    for (int d = 0; d < MP_NDIALECTS && !rc; d++) {
        struct mp_backend *b = NULL;
        struct mp_backend_config bc = {.quiet = true};
        struct mp_error e = {0};
        if (mp_backend_open((enum mp_dialect)d, &bc, &b, &e)) {
            fprintf(stderr, "migprop bench: %s: %s (skipped)\n", mp_dialect_name((enum mp_dialect)d), e.msg);
            continue;
        }
        size_t nall;
        const struct mp_property *all = bench_properties(&nall);
        for (unsigned jobs = 1; jobs <= 2 && !rc; jobs++) {
            double *t = calloc(repeat, sizeof *t);
            for (unsigned i = 0; i < repeat; i++) {
                struct mp_run_config cfg = {.seed = seed, .iterations = n, .only_trial = -1, .props = all,
                                            .nprops = nall, .jobs = jobs, .no_data = false};
                cfg.backends[d] = b;
                double t0 = mp_now();
                if (mp_run(&cfg, devnull) == 2)
                    rc = 2;
                t[i] = mp_now() - t0;
            }
            struct row w = {.suite = "trials", .name = mp_arena_printf(bench_arena(), "check %s, %u job%s",
                                                                      mp_dialect_name((enum mp_dialect)d), jobs,
                                                                      jobs == 1 ? "" : "s"),
                            .x = (double)n, .t = stats(t, repeat), .unit = "trials"};
            w.per = w.t.median > 0 ? w.x / w.t.median : 0;
            add_row(res, w);
            free(t);
        }
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
        struct row w = {.suite = "trials", .name = mp_arena_printf(bench_arena(), "raw %s (the limit)",
                                                                  mp_dialect_name((enum mp_dialect)d)),
                        .x = (double)n, .t = stats(t, repeat), .unit = "trials"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
        free(t);
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

static int suite_executor(struct results *res, unsigned repeat)
{
    static const size_t sizes[] = {10, 100};
    int rc = 0;
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/migprop-bench-%ld", (long)getpid());
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
                char *path = mp_arena_printf(a, "%s/db%d.sqlite", dir, raw);
                unlink(path);
                struct mp_target *t;
                struct mp_error e = {0};
                if ((rc = mp_target_open(mp_arena_printf(a, "sqlite:%s", path), &t, &e)))
                    break;
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
                unlink(path);
                if (rc)
                    fprintf(stderr, "migprop bench: executor: %s\n", e.msg);
            }
        }
        rmdir(dir);
        struct row w = {.suite = "executor", .name = "migrate up (sqlite file)", .x = (double)nm,
                        .t = stats(tm, repeat), .unit = "migrations"};
        w.per = w.t.median > 0 ? w.x / w.t.median : 0;
        add_row(res, w);
        struct row v = {.suite = "executor", .name = "raw, 1 tx each (limit)", .x = (double)nm,
                        .t = stats(tr, repeat), .unit = "migrations"};
        v.per = v.t.median > 0 ? v.x / v.t.median : 0;
        add_row(res, v);
        /* the command-line runners on the same migrations, when installed:
         * migprop's own CLI, dbmate, sql-migrate (process start included) */
        static const struct {
            const char *name, *probe;
            enum mp_migstyle style;
        } peers[] = {
            {"migprop migrate (CLI)", NULL, MP_STYLE_PAIRS},
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
                char *db = mp_arena_printf(a, "%s/db.sqlite", dir);
                struct mp_error e = {0};
                if (mp_rmtree(dir, &e) || mp_mkdir_p(mdir, &e))
                    break;
                for (size_t i = 0; i < set.n && ok; i++)
                    ok = mp_migdir_write_style(a, mdir, peers[pi].style, mp_arena_printf(a, "%04zu", i + 1), "m",
                                               set.v[i].up.sql, NULL, false, &e) == 0;
                FILE *cf = fopen(mp_arena_printf(a, "%s/c.yml", dir), "w");
                if (cf) {
                    fprintf(cf, "b:\n  dialect: sqlite3\n  datasource: %s\n  dir: %s\n", db, mdir);
                    fclose(cf);
                }
                char self[1024];
                ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
                self[sl > 0 ? sl : 0] = 0;
                char *url = mp_arena_printf(a, "sqlite:%s", db);
                char *own[] = {self, "migrate", "--quiet", "--dir", mdir, "--db", url, "up", NULL};
                char *dbmate[] = {"dbmate", "--url", url, "--migrations-dir", mdir, "--no-dump-schema", "up", NULL};
                char *sqlm[] = {"sql-migrate", "up", mp_arena_printf(a, "-config=%s/c.yml", dir), "-env=b", NULL};
                char *const *cmd = pi == 0 ? own : pi == 1 ? dbmate : sqlm;
                double t0 = mp_now();
                ok = ok && run_quiet(cmd);
                tp[r] = mp_now() - t0;
            }
            if (ok) {
                struct row w2 = {.suite = "executor", .name = peers[pi].name, .x = (double)nm, .t = stats(tp, repeat),
                                 .unit = "migrations"};
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

/* One log-log panel of the SVG: a series per distinct name of `suite`. */
static void svg_panel(FILE *f, const struct results *res, const char *suite, const char *title, bool per, double ox,
                      double oy, double w, double h)
{
    double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0;
    for (size_t i = 0; i < res->n; i++) {
        const struct row *r = &res->v[i];
        double y = per ? r->per : r->t.median * 1e3;
        if (strcmp(r->suite, suite) != 0 || r->x <= 0 || y <= 0)
            continue;
        xmin = fmin(xmin, r->x), xmax = fmax(xmax, r->x), ymin = fmin(ymin, y), ymax = fmax(ymax, y);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\">%s</text>\n", ox, oy - 8, title);
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>\n", ox, oy, w, h);
    if (xmax <= 0)
        return;
    if (xmax <= xmin)
        xmax = xmin * 10;
    if (ymax <= ymin)
        ymax = ymin * 10;
    double lx0 = log10(xmin), lx1 = log10(xmax), ly0 = log10(ymin) - 0.1, ly1 = log10(ymax) + 0.1;
    static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    const char *names[8];
    size_t nn = 0;
    for (size_t i = 0; i < res->n; i++) {
        if (strcmp(res->v[i].suite, suite) != 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < nn; k++)
            seen = seen || strcmp(names[k], res->v[i].name) == 0;
        if (!seen && nn < 8)
            names[nn++] = res->v[i].name;
    }
    for (size_t k = 0; k < nn; k++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colors[k % 6]);
        for (size_t i = 0; i < res->n; i++) {
            const struct row *r = &res->v[i];
            double y = per ? r->per : r->t.median * 1e3;
            if (strcmp(r->suite, suite) != 0 || strcmp(r->name, names[k]) != 0 || r->x <= 0 || y <= 0)
                continue;
            double px = ox + (lx1 > lx0 ? (log10(r->x) - lx0) / (lx1 - lx0) : 0.5) * w;
            double py = oy + h - (log10(y) - ly0) / (ly1 - ly0) * h;
            fprintf(f, "%.1f,%.1f ", px, py);
        }
        fprintf(f, "\"/>\n<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"%s\">%s</text>\n", ox + 8,
                oy + 16 + 14 * (double)k, colors[k % 6], names[k]);
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">size %g .. %g (log)</text>\n", ox, oy + h + 14, xmin, xmax);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"10\">%s %.3g .. %.3g (log)</text>\n", ox + w / 2, oy + h + 14,
            per ? "per second" : "ms", ymin, ymax);
}

/* The plot: planning time and executor throughput against size. */
static void write_svg(const char *path, const struct results *res)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"380\" font-family=\"sans-serif\">\n");
    svg_panel(f, res, "solver", "planning time (ms) against operations", false, 40, 40, 380, 280);
    svg_panel(f, res, "executor", "migrations per second against history length", true, 480, 40, 380, 280);
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

enum { OPT_SUITE = 256, OPT_REPEAT, OPT_FORMAT, OPT_MAX_OPS, OPT_SEED, OPT_OUT };

static const struct option longopts[] = {
    {"suite", required_argument, NULL, OPT_SUITE},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"max-ops", required_argument, NULL, OPT_MAX_OPS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"out", required_argument, NULL, OPT_OUT},
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
        rc = suite_executor(&res, repeat);
    if (!rc && (all || strcmp(suite, "cluster") == 0))
        rc = suite_cluster(&res, repeat);
    if (!rc && (all || strcmp(suite, "trials") == 0))
        rc = suite_trials(&res, repeat, seed);
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
        header(stdout, "csv", repeat);
        printf("suite,name,size,median_s,min_s,max_s,per_s,unit\n");
        for (size_t i = 0; i < res.n; i++) {
            const struct row *w = &res.v[i];
            printf("%s,%s,%.0f,%.6f,%.6f,%.6f,%.1f,%s\n", w->suite, w->name, w->x, w->t.median, w->t.min, w->t.max,
                   w->per, w->unit);
        }
    } else {
        header(stdout, "table", repeat);
        printf("%-8s %-18s %10s %12s %12s %12s %14s\n", "suite", "name", "size", "median ms", "min ms", "max ms",
               "per second");
        for (size_t i = 0; i < res.n; i++) {
            const struct row *w = &res.v[i];
            printf("%-8s %-18s %10.0f %12.3f %12.3f %12.3f %14.0f %s\n", w->suite, w->name, w->x, w->t.median * 1e3,
                   w->t.min * 1e3, w->t.max * 1e3, w->per, w->unit);
        }
        if (all || strcmp(suite, "solver") == 0)
            printf("solver: planning time grows as size^%.2f (least squares on log-log; 1.0 is linear)\n",
                   solver_exp);
    }
    free(res.v);
    return 0;
}
