/* differ_check.c - `migprop differ-check`: the options of runnercheck/'s schema-diff tool checks. */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>

#include "differ.h"
#include "report.h"

#define MP_DIFFER_CHECK_DEFAULT_ITERATIONS 20
#define MP_DIFFER_CHECK_MAX_ITERATIONS 1000000
#define MP_DIFFER_CHECK_DEFAULT_SEED 1
#define MP_DIFFER_CHECK_DEFAULT_OUT "migprop-differ-findings"
#define MP_DIFFER_CHECK_DEFAULT_SHRINK_STEPS 200
#define MP_DIFFER_CHECK_MAX_SHRINK_STEPS 1000000
#define MP_DIFFER_CHECK_DEFAULT_SHRINK_SECONDS 120
#define MP_DIFFER_CHECK_MAX_SHRINK_SECONDS 86400

static const char usage[] =
    "usage: migprop differ-check (--differ NAME | --adapter FILE) [--backend sqlite|postgres|all]\n"
    "                            [--iterations N] [--seed S] [--checks A,B] [--expect FILE]\n"
    "                            [--out DIR] [--format tap|human|junit] [--shrink-steps N]\n"
    "                            [--shrink-seconds S] [--pg-url KEYWORDS]\n"
    "       migprop differ-check --list\n"
    "\n"
    "Property-tests a schema-diff tool, one that reads two schemas (two live databases or\n"
    "two DDL files) and prints the SQL from the first to the second.  Each trial makes a\n"
    "random FROM/TO pair with migprop's generators (renames included, given to the tool\n"
    "as hints where it takes them), creates FROM with random rows and TO in fresh\n"
    "databases, runs the tool and applies its SQL to FROM in one transaction, stopping at\n"
    "the first error.  Findings: the SQL fails, FROM afterwards differs from TO, rows of\n"
    "kept columns changed or vanished, a renamed table or column lost its data, the tool\n"
    "failed.  A change the tool says it cannot express is counted apart, never a finding.\n"
    "Each check's first failing pair is shrunk and kept under --out with FROM.sql, TO.sql,\n"
    "rows.sql, the tool's output and a repro.sh.  --expect FILE lists accepted findings\n"
    "(lines 'tool/backend/check'); exit 1 only for others.\n"
    "\n"
    "options:\n"
    "  --differ NAME                   a built-in profile: migra, migprop\n"
    "  --adapter FILE                  or an adapter file describing the tool (README)\n"
    "  --backend sqlite|postgres|all   databases to run on (default all the tool supports)\n"
    "  --iterations N                  random pairs per backend, 0 .. " MP_STR(MP_DIFFER_CHECK_MAX_ITERATIONS)
    " (default " MP_STR(MP_DIFFER_CHECK_DEFAULT_ITERATIONS) ")\n"
    "  --seed S                        decimal or 0x-hex (default " MP_STR(MP_DIFFER_CHECK_DEFAULT_SEED) ")\n"
    "  --checks A,B                    run only these checks (names from --list)\n"
    "  --expect FILE                   accepted findings\n"
    "  --out DIR                       where findings are written (default " MP_DIFFER_CHECK_DEFAULT_OUT ")\n"
    "  --format tap|human|junit        report format (default tap)\n"
    "  --shrink-steps N                candidate pairs tried when shrinking a finding, 0 .. "
    MP_STR(MP_DIFFER_CHECK_MAX_SHRINK_STEPS) "\n"
    "                                  (default " MP_STR(MP_DIFFER_CHECK_DEFAULT_SHRINK_STEPS) "; 0: keep the pair as found)\n"
    "  --shrink-seconds S              and at most S seconds per finding, 1 .. " MP_STR(MP_DIFFER_CHECK_MAX_SHRINK_SECONDS) "\n"
    "                                  (default " MP_STR(MP_DIFFER_CHECK_DEFAULT_SHRINK_SECONDS) ")\n"
    "  --pg-url KEYWORDS               use this PostgreSQL server (libpq keywords) instead of a\n"
    "                                  disposable cluster\n"
    "  --list                          print every check with a one-line description\n"
    "  -h, --help                      print this help\n"
    "\n"
    "exit status: 0 every finding expected, 1 an unexpected finding, 2 usage or setup error\n";

enum { OPT_DIFFER = 256, OPT_ADAPTER, OPT_BACKEND, OPT_ITERATIONS, OPT_SEED, OPT_CHECKS, OPT_EXPECT, OPT_OUT,
       OPT_FORMAT, OPT_SHRINK_STEPS, OPT_SHRINK_SECONDS, OPT_PG_URL, OPT_LIST };

static const struct option longopts[] = {
    {"differ", required_argument, NULL, OPT_DIFFER},
    {"adapter", required_argument, NULL, OPT_ADAPTER},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"checks", required_argument, NULL, OPT_CHECKS},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"out", required_argument, NULL, OPT_OUT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"shrink-steps", required_argument, NULL, OPT_SHRINK_STEPS},
    {"shrink-seconds", required_argument, NULL, OPT_SHRINK_SECONDS},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"list", no_argument, NULL, OPT_LIST},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_differ_check(int argc, char **argv)
{
    static const char *const formats[] = {"tap", "human", "junit", NULL};
    static const enum mp_format format_kinds[] = {MP_FORMAT_TAP, MP_FORMAT_HUMAN, MP_FORMAT_JUNIT};
    struct mp_differ_check_config cfg = {
        .backend = "all",
        .iterations = MP_DIFFER_CHECK_DEFAULT_ITERATIONS,
        .seed = MP_DIFFER_CHECK_DEFAULT_SEED,
        .out_dir = MP_DIFFER_CHECK_DEFAULT_OUT,
        .shrink_steps = MP_DIFFER_CHECK_DEFAULT_SHRINK_STEPS,
        .shrink_seconds = MP_DIFFER_CHECK_DEFAULT_SHRINK_SECONDS,
        .format = MP_FORMAT_TAP,
    };
    bool want[MP_NDIALECTS];
    uint64_t u;
    int c, k;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DIFFER:
            cfg.differ = optarg;
            break;
        case OPT_ADAPTER:
            cfg.adapter_file = optarg;
            break;
        case OPT_BACKEND:
            if (mp_cli_backend("differ-check", "--backend", optarg, want))
                return MP_CLI_USAGE;
            cfg.backend = optarg;
            break;
        case OPT_ITERATIONS:
            if (mp_cli_u64("differ-check", "--iterations", optarg, 0, MP_DIFFER_CHECK_MAX_ITERATIONS, &u))
                return MP_CLI_USAGE;
            cfg.iterations = (unsigned long)u;
            break;
        case OPT_SEED:
            if (mp_cli_u64("differ-check", "--seed", optarg, 0, UINT64_MAX, &cfg.seed))
                return MP_CLI_USAGE;
            break;
        case OPT_CHECKS:
            cfg.checks = optarg;
            break;
        case OPT_EXPECT:
            cfg.expect_file = optarg;
            break;
        case OPT_OUT:
            cfg.out_dir = optarg;
            break;
        case OPT_FORMAT:
            if (mp_cli_choice("differ-check", "--format", optarg, formats, &k))
                return MP_CLI_USAGE;
            cfg.format = format_kinds[k];
            break;
        case OPT_SHRINK_STEPS:
            if (mp_cli_u64("differ-check", "--shrink-steps", optarg, 0, MP_DIFFER_CHECK_MAX_SHRINK_STEPS, &u))
                return MP_CLI_USAGE;
            cfg.shrink_steps = (long)u;
            break;
        case OPT_SHRINK_SECONDS:
            if (mp_cli_u64("differ-check", "--shrink-seconds", optarg, 1, MP_DIFFER_CHECK_MAX_SHRINK_SECONDS, &u))
                return MP_CLI_USAGE;
            cfg.shrink_seconds = (double)u;
            break;
        case OPT_PG_URL:
            cfg.pg_url = optarg;
            break;
        case OPT_LIST:
            mp_differ_check_list(stdout);
            return 0;
        default:
            return mp_cli_bad_option("differ-check", c, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("differ-check", argv[optind]);
    if (!cfg.differ && !cfg.adapter_file)
        return mp_cli_error("differ-check", "give --differ NAME or --adapter FILE");
    return mp_differ_check_run(&cfg);
}
