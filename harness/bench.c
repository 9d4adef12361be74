/* bench.c - `migprop bench` (see bench.h). */
#include "bench.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "gen.h"
#include "plan.h"

const char mp_bench_usage[] =
    "usage: migprop bench [--suite solver|all] [--repeat N] [--format table|json|csv]\n"
    "                     [--max-ops N] [--seed S]\n"
    "\n"
    "suites:\n"
    "  solver   planning time for generated change sets of 10 ... 10,000 operations,\n"
    "           with the growth exponent fitted on a log-log scale\n"
    "\n"
    "Each figure is the median, min and max of --repeat runs (default 5).\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
                double t0 = now_s();
                int rc = mp_plan_build(pa, c.start, &cs, (enum mp_dialect)d, MP_SOLVER_DEFAULT, &p, &err);
                t[i] = now_s() - t0;
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

static void header(FILE *out, const char *fmt_name, unsigned repeat)
{
    struct utsname u;
    uname(&u);
    fprintf(out, "# migprop %s bench on %s %s %s, %ld cpus; sqlite %s, libpq %d; repeat %u; %s\n", MIGPROP_VERSION,
            u.nodename, u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(), PQlibVersion(),
            repeat, fmt_name);
}

int mp_cmd_bench(int argc, char **argv)
{
    const char *suite = "all", *format = "table";
    unsigned repeat = 5;
    size_t max_ops = 10000;
    uint64_t seed = 1;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(mp_bench_usage, stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "migprop bench: option %s needs a value\n", o);
            return 2;
        }
        const char *v = argv[++i];
        if (strcmp(o, "--suite") == 0)
            suite = v;
        else if (strcmp(o, "--format") == 0)
            format = v;
        else if (strcmp(o, "--repeat") == 0)
            repeat = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(o, "--max-ops") == 0)
            max_ops = strtoul(v, NULL, 10);
        else if (strcmp(o, "--seed") == 0)
            seed = strtoull(v, NULL, 0);
        else {
            fprintf(stderr, "migprop bench: unknown option '%s'\n", o);
            return 2;
        }
    }
    if (repeat < 1 || repeat > 1000) {
        fprintf(stderr, "migprop bench: --repeat takes 1..1000\n");
        return 2;
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        fprintf(stderr, "migprop bench: unknown format '%s' (table, json, csv)\n", format);
        return 2;
    }
    bool all = strcmp(suite, "all") == 0;
    if (!all && strcmp(suite, "solver") != 0) {
        fprintf(stderr, "migprop bench: unknown suite '%s'\n", suite);
        return 2;
    }
    struct results res = {0};
    double solver_exp = 0;
    int rc = 0;
    if (all || strcmp(suite, "solver") == 0)
        rc = suite_solver(&res, repeat, max_ops, seed, &solver_exp);
    if (rc) {
        free(res.v);
        return rc;
    }
    if (strcmp(format, "json") == 0) {
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
        for (size_t i = 0; i < res.n; i++) {
            const struct row *w = &res.v[i];
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
        if (all || strcmp(suite, "solver") == 0)
            json_object_set_new(root, "solver_growth_exponent", json_real(solver_exp));
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text);
        free(text);
        json_decref(root);
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
