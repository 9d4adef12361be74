/* replay.c - `migprop replay CASE`: run one case file again. */
#include "properties.h"
#include "commands.h"
#include "cliopt.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

#include "runner_check.h"

static const char usage[] =
    "usage: migprop replay CASE [--backend sqlite|postgres|all] [--properties a,b] [--trace]\n"
    "                      [--pg-url URL]\n"
    "       migprop replay FILE.runcase [--adapter FILE]\n"
    "\n"
    "Runs the case file again with the property and backend it records (or those given);\n"
    "exit 1 when it still fails, 0 when it passes, 2 on a bad case file.  A .runcase file\n"
    "(a shrunk runner-check sequence) runs again against the runner it names, or --adapter's.\n"
    "\n"
    "options:\n"
    "  --backend sqlite|postgres|all   databases to run on (default: the case's)\n"
    "  --properties a,b                properties to check (default: the case's)\n"
    "  --trace                         print every planned step with its verdict and SQL\n"
    "  --pg-url URL                    use this PostgreSQL server instead of a disposable one\n"
    "                                  (also DATABASE_URL when it starts with postgres)\n"
    "  --adapter FILE                  the runner adapter of a .runcase file\n"
    "  -h, --help                      print this help\n";

enum { OPT_BACKEND = 256, OPT_PROPERTIES, OPT_TRACE, OPT_PG_URL, OPT_ADAPTER };

static const struct option longopts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"properties", required_argument, NULL, OPT_PROPERTIES},
    {"trace", no_argument, NULL, OPT_TRACE},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"adapter", required_argument, NULL, OPT_ADAPTER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_replay(int argc, char **argv)
{
    const char *path = NULL, *backend = NULL, *props = NULL, *pg_url = getenv("DATABASE_URL"), *adapter = NULL;
    if (pg_url && strncmp(pg_url, "postgres", 8) != 0)
        pg_url = NULL;
    bool trace = false, want_unused[MP_NDIALECTS];
    int c;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        struct mp_property *check_props;
        size_t ncheck;
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_BACKEND:
            if (mp_cli_backend("replay", "--backend", optarg, want_unused))
                return MP_CLI_USAGE;
            backend = optarg;
            break;
        case OPT_PROPERTIES:
            /* checked here, so a typo is a usage error before the case is read */
            if (mp_cli_properties("replay", optarg, &check_props, &ncheck))
                return MP_CLI_USAGE;
            free(check_props);
            props = optarg;
            break;
        case OPT_TRACE:
            trace = true;
            break;
        case OPT_PG_URL:
            pg_url = optarg;
            break;
        case OPT_ADAPTER:
            adapter = optarg;
            break;
        default:
            return mp_cli_bad_option("replay", c, argv, longopts);
        }
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "migprop replay: one case file at a time ('%s')\n", argv[optind]);
        return 2;
    }
    if (!path) {
        fprintf(stderr, "migprop replay: which case file? (migprop replay CASE)\n");
        return 2;
    }
    size_t pl = strlen(path);
    if (pl > 8 && strcmp(path + pl - 8, ".runcase") == 0)
        return mp_runner_replay(path, adapter);
    struct mp_arena *a = mp_arena_new();
    struct mp_casefile cf;
    struct mp_error err = {0};
    if (mp_casefile_read_full(a, path, &cf, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        mp_arena_free(a);
        return 2;
    }
    if (!backend)
        backend = cf.meta.backend ? cf.meta.backend : "all";
    if (!props)
        props = cf.meta.property;
    bool want[MP_NDIALECTS] = {strcmp(backend, "postgres") != 0, strcmp(backend, "sqlite") != 0};
    const struct mp_plan_options plan = {
        .solver = cf.meta.solver && strcmp(cf.meta.solver, "naive") == 0 ? MP_SOLVER_NAIVE : MP_SOLVER_DEFAULT};
    uint64_t seed = cf.meta.trial_seed ? strtoull(cf.meta.trial_seed, NULL, 0) : 0;
    /* properties */
    size_t nall;
    const struct mp_property *all = mp_properties(&nall);
    const struct mp_property *sel[64];
    size_t nsel = 0;
    if (!props) {
        for (size_t i = 0; i < nall && nsel < 64; i++)
            sel[nsel++] = &all[i];
    } else {
        char *copy = strdup(props);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            const struct mp_property *p = mp_property_find(tok);
            if (!p) {
                fprintf(stderr, "migprop replay: unknown property '%s'\n", tok);
                free(copy);
                mp_arena_free(a);
                return 2;
            }
            if (nsel < 64)
                sel[nsel++] = p;
        }
        free(copy);
    }
    struct mp_backend *bk[MP_NDIALECTS] = {0};
    bool needs_both = false;
    for (size_t i = 0; i < nsel; i++)
        needs_both = needs_both || strcmp(sel[i]->name, "dialect_agreement") == 0;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        if (!want[d] && !needs_both)
            continue;
        struct mp_backend_config bc = {.pg_url = pg_url, .quiet = true};
        if (mp_backend_open((enum mp_dialect)d, &bc, &bk[d], &err)) {
            fprintf(stderr, "migprop replay: %s backend: %s\n", mp_dialect_name((enum mp_dialect)d), err.msg);
            for (int k = 0; k < d; k++)
                mp_backend_close(bk[k]);
            mp_arena_free(a);
            return 2;
        }
    }
    const struct mp_report_meta meta = {.title = mp_arena_printf(a, "migprop %s replay of %s", MIGPROP_VERSION, path)};
    struct mp_reporter *r;
    mp_reporter_open(&r, MP_FORMAT_TAP, stdout, &meta);
    size_t n = 0;
    for (int d = 0; d < MP_NDIALECTS; d++)
        for (size_t i = 0; i < nsel && want[d]; i++) {
            if (trace) {
                struct mp_buf tr = {0};
                mp_case_trace(&tr, &cf.c, (enum mp_dialect)d, &plan, seed);
                mp_reporter_comment(r, "%s", mp_buf_str(&tr));
                mp_buf_free(&tr);
            }
            struct mp_buf diag = {0};
            char kind[160];
            size_t nops = 0;
            enum mp_verdict v = mp_check_case(&cf.c, cf.has_rows ? &cf.data : NULL, seed, &plan, sel[i], bk,
                                              (enum mp_dialect)d, &diag, kind, &nops);
            n++;
            const struct mp_report_field fields[] = {
                {"kind", kind, MP_FIELD_PLAIN},
                {"operations", mp_arena_printf(a, "%zu", nops), MP_FIELD_PLAIN},
                {"message", mp_buf_str(&diag), MP_FIELD_BLOCK},
            };
            struct mp_report_point pt = {.name = sel[i]->name, .where = mp_dialect_name((enum mp_dialect)d),
                                         .message = mp_buf_str(&diag)};
            if (v == MP_FAIL) {
                pt.result = MP_POINT_FAIL;
                pt.diag = fields;
                pt.ndiag = sizeof fields / sizeof *fields;
            } else if (v == MP_DISCARD) {
                pt.result = MP_POINT_SKIP;
                pt.note = mp_arena_printf(a, "discarded: %s", mp_buf_str(&diag));
            }
            mp_reporter_point(r, &pt);
            mp_buf_free(&diag);
        }
    mp_reporter_plan(r, n); /* at the end: TAP 14 allows either end */
    size_t failed = mp_reporter_failed(r);
    mp_reporter_close(r);
    for (int d = 0; d < MP_NDIALECTS; d++)
        mp_backend_close(bk[d]);
    mp_arena_free(a);
    return failed ? 1 : 0;
}
