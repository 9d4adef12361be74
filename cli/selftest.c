/* selftest.c - `migprop selftest`: proof that every property can fail.
 *
 * Each point runs one deliberately broken variant of migprop's own solver
 * or executor (solver/fault.h) against the properties meant to catch that
 * kind of bug, on one backend, for at most --iterations trials, and is `ok`
 * when one of them failed, with the number of trials it took.  Then each
 * runner defect planted in the executor (runner_cases) must be caught by
 * `runner-check --runner migprop` on every one of 3 seeds. */
#include "properties.h"
#include "commands.h"
#include "cliopt.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

#include "fault.h"
#include "os.h"
#include "runner_check.h"

#define MP_SELFTEST_DEFAULT_SEED 1
#define MP_SELFTEST_DEFAULT_ITERATIONS 300 /* trials per point */
#define MP_SELFTEST_MAX_ITERATIONS 1000000000

static const char usage[] =
    "usage: migprop selftest [--seed S] [--iterations N] [--backend sqlite|postgres|all] [--pg-url URL]\n"
    "\n"
    "Runs each property against deliberately broken variants of migprop's own\n"
    "solver and executor; exit 0 only when every fault was caught within N trials.\n"
    "\n"
    "options:\n"
    "  --seed S                        run seed, decimal or 0x-hex (default " MP_STR(MP_SELFTEST_DEFAULT_SEED) ")\n"
    "  --iterations N                  trials per fault, 1 .. " MP_STR(MP_SELFTEST_MAX_ITERATIONS)
    " (default " MP_STR(MP_SELFTEST_DEFAULT_ITERATIONS) ")\n"
    "  --backend sqlite|postgres|all   databases to run on (default all)\n"
    "  --pg-url URL                    use this PostgreSQL server instead of a disposable one\n"
    "                                  (also DATABASE_URL when it names PostgreSQL)\n"
    "  -h, --help                      print this help\n";

enum { OPT_SEED = 256, OPT_ITERATIONS, OPT_BACKEND, OPT_PG_URL };

static const struct option longopts[] = {
    {"seed", required_argument, NULL, OPT_SEED},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct fault_case {
    enum mp_fault fault;
    const char *props[3];   /* any of these failing catches the fault */
    bool sqlite, postgres;  /* where the fault exists */
    bool both;              /* needs both backends at once (dialect agreement) */
};

static const struct fault_case cases[] = {
    {MP_FAULT_NAIVE_ORDER, {"ordering_valid", "final_schema_equal"}, true, true, false},
    {MP_FAULT_NO_LOCK, {"exactly_once"}, true, true, false},
    {MP_FAULT_SPLIT_SEMICOLON, {"ordering_valid", "data_preserved"}, true, true, false},
    {MP_FAULT_NO_TRANSACTION, {"atomic_on_kill"}, true, true, false},
    {MP_FAULT_NO_RECORD, {"idempotent"}, true, true, false},
    {MP_FAULT_DOWN_FORGETS_INDEX, {"rollback_roundtrip"}, true, true, false},
    {MP_FAULT_TRUNCATING_TYPE, {"data_preserved"}, true, true, false},
    {MP_FAULT_PRAGMA_IN_TX, {"data_preserved", "ordering_valid"}, true, false, false},
    {MP_FAULT_SQLITE_TEXT, {"dialect_agreement"}, true, false, true},
    {MP_FAULT_LINT_ORDER_SWAP, {"lint_sound"}, true, true, false},
    {MP_FAULT_GENERATE_RECREATE, {"incremental_equals_fresh"}, true, true, false},
};

/* Runner defects planted in migprop's own executor (through `migprop
 * migrate --fault NAME`, the migprop profile) that runner-check's checks
 * must catch on each of MP_SELFTEST_RUNNER_SEEDS seeds. */
#define MP_SELFTEST_RUNNER_SEEDS 3
struct runner_fault_case {
    enum mp_fault fault;
    const char *checks; /* runner-check --checks */
};

static const struct runner_fault_case runner_cases[] = {
    {MP_FAULT_NO_LOCK, "exactly_once"},
    {MP_FAULT_NO_CHECKSUM, "tamper_edited"},
    {MP_FAULT_EMPTY_DOWN_OK, "irreversible_down"},
    {MP_FAULT_DELETED_IGNORED, "tamper_deleted"},
    {MP_FAULT_OUT_OF_ORDER, "tamper_out_of_order"},
    {MP_FAULT_SKIP_VERSION_0, "versions"},
    {MP_FAULT_SPLIT_SEMICOLON, "semicolons"},
    {MP_FAULT_EXIT_ZERO, "exit_code"},
};

/* Rounds of the concurrency check for the no-lock fault: with 5, a loaded
 * machine let all runners of a round serialise by chance on 1 seed of 3. */
#define MP_SELFTEST_RACE_ROUNDS 20

/* One point: runner-check of the migprop profile with `rf`'s fault on
 * backend d finds something on every seed.  *caught counts the points
 * that pass. */
static void runner_point(struct mp_reporter *r, const struct runner_fault_case *rf, enum mp_dialect d, uint64_t seed,
                         const char *pg_conninfo, FILE *devnull, size_t *caught)
{
    char *out_dir = NULL;
    struct mp_error e = {0};
    unsigned found = 0, err = 0;
    if (mp_scratch_mkdtemp("migprop-selftest-rc-", &out_dir, &e)) {
        err = MP_SELFTEST_RUNNER_SEEDS;
    } else {
        for (unsigned k = 0; k < MP_SELFTEST_RUNNER_SEEDS; k++) {
            struct mp_runner_check_config cfg = {
                .runner = "migprop",
                .backend = mp_dialect_name(d),
                .seed = seed + k,
                .out_dir = out_dir,
                .pg_url = pg_conninfo,
                .checks = rf->checks,
                /* a missing lock shows as a race: enough rounds that
                 * a correct verdict does not depend on the machine's load */
                .rounds = rf->fault == MP_FAULT_NO_LOCK ? MP_SELFTEST_RACE_ROUNDS : 5,
                .fault = mp_fault_name(rf->fault),
                .out = devnull,
            };
            int rc = mp_runner_check_run(&cfg);
            found += rc == 1;
            err += rc == 2;
        }
        mp_rmtree(out_dir, &e);
        free(out_dir);
    }
    char name[160], note[64], why[96];
    snprintf(name, sizeof name, "%s caught by runner-check %s", mp_fault_name(rf->fault), rf->checks);
    struct mp_report_point pt = {.name = name, .where = mp_dialect_name(d)};
    if (found == MP_SELFTEST_RUNNER_SEEDS) {
        (*caught)++;
        snprintf(note, sizeof note, "on %u of %u seeds", found, MP_SELFTEST_RUNNER_SEEDS);
        pt.note = note;
        mp_reporter_point(r, &pt);
        return;
    }
    snprintf(why, sizeof why, "%s: caught on %u of %u seeds", err ? "infrastructure error" : "not caught", found,
             MP_SELFTEST_RUNNER_SEEDS);
    const struct mp_report_field diag[] = {{"message", why, MP_FIELD_DQUOTED}};
    pt.result = MP_POINT_FAIL;
    pt.message = why;
    pt.diag = diag;
    pt.ndiag = 1;
    mp_reporter_point(r, &pt);
}

int mp_cmd_selftest(int argc, char **argv)
{
    uint64_t seed = MP_SELFTEST_DEFAULT_SEED, u;
    unsigned long budget = MP_SELFTEST_DEFAULT_ITERATIONS;
    const char *pg_url = mp_cli_pg_env();
    bool want[MP_NDIALECTS] = {true, true};
    int c;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_SEED:
            if (mp_cli_u64("selftest", "--seed", optarg, 0, UINT64_MAX, &seed))
                return MP_CLI_USAGE;
            break;
        case OPT_ITERATIONS:
            if (mp_cli_u64("selftest", "--iterations", optarg, 1, MP_SELFTEST_MAX_ITERATIONS, &u))
                return MP_CLI_USAGE;
            budget = (unsigned long)u;
            break;
        case OPT_BACKEND:
            if (mp_cli_backend("selftest", "--backend", optarg, want))
                return MP_CLI_USAGE;
            break;
        case OPT_PG_URL:
            pg_url = optarg;
            break;
        default:
            return mp_cli_bad_option("selftest", c, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("selftest", argv[optind]);
    struct mp_backend *bk[MP_NDIALECTS] = {0};
    for (int d = 0; d < MP_NDIALECTS; d++) {
        if (!want[d])
            continue;
        struct mp_backend_config bc = {.pg_url = pg_url, .quiet = true};
        struct mp_error e = {0};
        if (mp_backend_open((enum mp_dialect)d, &bc, &bk[d], &e)) {
            fprintf(stderr, "migprop selftest: %s backend: %s\n", mp_dialect_name((enum mp_dialect)d), e.msg);
            for (int k = 0; k < d; k++)
                mp_backend_close(bk[k]);
            return 2;
        }
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("/dev/null");
        return 2;
    }
    char title[160];
    snprintf(title, sizeof title, "migprop %s selftest, seed 0x%016llx, budget %lu trials per point", MIGPROP_VERSION,
             (unsigned long long)seed, budget);
    const struct mp_report_meta meta = {.title = title};
    struct mp_reporter *r;
    mp_reporter_open(&r, MP_FORMAT_TAP, stdout, &meta);
    size_t npoints = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int d = 0; d < MP_NDIALECTS; d++)
            if (bk[d] && (d == MP_SQLITE ? cases[i].sqlite : cases[i].postgres) &&
                (!cases[i].both || (bk[MP_SQLITE] && bk[MP_POSTGRES])))
                npoints++;
    for (int d = 0; d < MP_NDIALECTS; d++)
        if (bk[d])
            npoints += sizeof runner_cases / sizeof *runner_cases;
    mp_reporter_plan(r, npoints);
    size_t n = 0, caught = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct fault_case *fc = &cases[i];
        for (int d = 0; d < MP_NDIALECTS; d++) {
            if (!bk[d] || !(d == MP_SQLITE ? fc->sqlite : fc->postgres) ||
                (fc->both && !(bk[MP_SQLITE] && bk[MP_POSTGRES])))
                continue;
            struct mp_property props[3];
            size_t np = 0;
            for (size_t k = 0; k < 3 && fc->props[k]; k++)
                props[np++] = *mp_property_find(fc->props[k]);
            long first = -1;
            struct mp_run_config cfg = {
                .seed = seed,
                .iterations = budget,
                .only_trial = -1,
                .props = props,
                .nprops = np,
                .format = MP_FORMAT_TAP,
                .first_failure = &first,
                .fault = fc->fault,
            };
            cfg.backends[d] = bk[d];
            if (fc->both)
                cfg.backends[d == MP_SQLITE ? MP_POSTGRES : MP_SQLITE] = bk[d == MP_SQLITE ? MP_POSTGRES : MP_SQLITE];
            int rc = mp_run(&cfg, devnull);
            n++;
            const char *names = fc->props[1] ? "its properties" : fc->props[0];
            char name[160], note[64];
            snprintf(name, sizeof name, "%s caught by %s", mp_fault_name(fc->fault), names);
            const char *why = rc == 2 ? "infrastructure error" : "not caught within the budget";
            const struct mp_report_field diag[] = {{"message", why, MP_FIELD_DQUOTED}};
            struct mp_report_point pt = {.name = name, .where = mp_dialect_name((enum mp_dialect)d)};
            if (rc == 1 && first > 0) {
                caught++;
                snprintf(note, sizeof note, "after %ld trial%s", first, first == 1 ? "" : "s");
                pt.note = note;
            } else {
                pt.result = MP_POINT_FAIL;
                pt.message = why;
                pt.diag = diag;
                pt.ndiag = 1;
            }
            mp_reporter_point(r, &pt);
        }
    }
    for (size_t i = 0; i < sizeof runner_cases / sizeof *runner_cases; i++)
        for (int d = 0; d < MP_NDIALECTS; d++)
            if (bk[d]) {
                n++;
                runner_point(r, &runner_cases[i], (enum mp_dialect)d, seed, bk[d]->conninfo, devnull, &caught);
            }
    mp_reporter_comment(r, "%zu of %zu faults caught", caught, n);
    mp_reporter_close(r);
    fclose(devnull);
    for (int d = 0; d < MP_NDIALECTS; d++)
        mp_backend_close(bk[d]);
    return caught == n ? 0 : 1;
}
