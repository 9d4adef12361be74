/* runner_check.c - `migprop runner-check`: the options of runnercheck/'s checks. */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>

#include "runner_check.h"

#define MP_RUNNER_CHECK_DEFAULT_ITERATIONS 30
#define MP_RUNNER_CHECK_MAX_ITERATIONS 1000000
#define MP_RUNNER_CHECK_DEFAULT_SEQUENCES 10
#define MP_RUNNER_CHECK_MAX_SEQUENCES 1000000
#define MP_RUNNER_CHECK_DEFAULT_SEED 1
#define MP_RUNNER_CHECK_DEFAULT_OUT "migprop-runner-findings"

static const char usage[] =
    "usage: migprop runner-check (--runner migprop|dbmate|sql-migrate | --adapter FILE)\n"
    "                            [--backend sqlite|postgres|all] [--iterations N] [--seed S]\n"
    "                            [--expect FILE] [--out DIR] [--pg-url KEYWORDS] [--sequences N]\n"
    "\n"
    "Drives a migration runner through its command line against disposable databases and\n"
    "checks what a correct runner guarantees: random histories end at the desired schema with\n"
    "the rows kept, a second up does nothing, down returns to the start, 4 runners started\n"
    "together apply each migration once, a failing migration leaves everything as before,\n"
    "edited / deleted / out-of-order / duplicate migrations are reported, and ';' inside\n"
    "strings, comments and dollar quotes is not a statement boundary; and --sequences random\n"
    "command sequences (add, up, down, edit / delete an applied file, add an older version,\n"
    "two runners at once, kill a runner) keep the database equal to a model of a correct\n"
    "runner, a failing sequence shrunk to its fewest commands.  Findings are written\n"
    "with their migrations and commands under --out.  --expect FILE lists accepted findings\n"
    "(lines 'runner/backend/check'); exit 1 only for others.\n"
    "\n"
    "options:\n"
    "  --runner NAME                   a built-in profile: migprop, dbmate, sql-migrate\n"
    "  --adapter FILE                  or an adapter file describing the runner\n"
    "  --backend sqlite|postgres|all   databases to run on (default all)\n"
    "  --iterations N                  random histories per backend, 0 .. " MP_STR(MP_RUNNER_CHECK_MAX_ITERATIONS)
    "\n"
    "                                  (default " MP_STR(MP_RUNNER_CHECK_DEFAULT_ITERATIONS) ")\n"
    "  --sequences N                   random command sequences per backend, 0 .. " MP_STR(MP_RUNNER_CHECK_MAX_SEQUENCES)
    "\n"
    "                                  (default " MP_STR(MP_RUNNER_CHECK_DEFAULT_SEQUENCES) ")\n"
    "  --seed S                        decimal or 0x-hex (default " MP_STR(MP_RUNNER_CHECK_DEFAULT_SEED) ")\n"
    "  --expect FILE                   accepted findings\n"
    "  --out DIR                       where findings are written (default " MP_RUNNER_CHECK_DEFAULT_OUT ")\n"
    "  --pg-url KEYWORDS               use this PostgreSQL server (libpq keywords) instead of a\n"
    "                                  disposable cluster\n"
    "  -h, --help                      print this help\n"
    "\n"
    "exit status: 0 every finding expected, 1 an unexpected finding, 2 usage or setup error\n";

enum { OPT_RUNNER = 256, OPT_ADAPTER, OPT_BACKEND, OPT_ITERATIONS, OPT_SEQUENCES, OPT_SEED, OPT_EXPECT, OPT_OUT, OPT_PG_URL };

static const struct option longopts[] = {
    {"runner", required_argument, NULL, OPT_RUNNER},
    {"adapter", required_argument, NULL, OPT_ADAPTER},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"sequences", required_argument, NULL, OPT_SEQUENCES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"out", required_argument, NULL, OPT_OUT},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_runner_check(int argc, char **argv)
{
    struct mp_runner_check_config cfg = {
        .backend = "all",
        .iterations = MP_RUNNER_CHECK_DEFAULT_ITERATIONS,
        .sequences = MP_RUNNER_CHECK_DEFAULT_SEQUENCES,
        .seed = MP_RUNNER_CHECK_DEFAULT_SEED,
        .out_dir = MP_RUNNER_CHECK_DEFAULT_OUT,
    };
    bool want[MP_NDIALECTS];
    uint64_t u;
    int c;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_RUNNER:
            cfg.runner = optarg;
            break;
        case OPT_ADAPTER:
            cfg.adapter_file = optarg;
            break;
        case OPT_BACKEND:
            if (mp_cli_backend("runner-check", "--backend", optarg, want))
                return MP_CLI_USAGE;
            cfg.backend = optarg;
            break;
        case OPT_ITERATIONS:
            if (mp_cli_u64("runner-check", "--iterations", optarg, 0, MP_RUNNER_CHECK_MAX_ITERATIONS, &u))
                return MP_CLI_USAGE;
            cfg.iterations = (unsigned long)u;
            break;
        case OPT_SEQUENCES:
            if (mp_cli_u64("runner-check", "--sequences", optarg, 0, MP_RUNNER_CHECK_MAX_SEQUENCES, &u))
                return MP_CLI_USAGE;
            cfg.sequences = (unsigned)u;
            break;
        case OPT_SEED:
            if (mp_cli_u64("runner-check", "--seed", optarg, 0, UINT64_MAX, &cfg.seed))
                return MP_CLI_USAGE;
            break;
        case OPT_EXPECT:
            cfg.expect_file = optarg;
            break;
        case OPT_OUT:
            cfg.out_dir = optarg;
            break;
        case OPT_PG_URL:
            cfg.pg_url = optarg;
            break;
        default:
            return mp_cli_bad_option("runner-check", c, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("runner-check", argv[optind]);
    if (!cfg.runner && !cfg.adapter_file)
        return mp_cli_error("runner-check", "give --runner migprop|dbmate|sql-migrate or --adapter FILE");
    return mp_runner_check_run(&cfg);
}
