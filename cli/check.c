/* check.c - `migprop check`: random property trials, the fixed cases first. */
#include "commands.h"
#include "cliopt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_dir.h"
#include "engine.h"
#include "faildb.h"
#include "num.h"
#include "os.h"
#include "properties.h"
#include "fault.h"

/* The defaults and limits of `migprop check`, quoted by its help text.  The
 * command always passes them to mp_run() explicitly (engine.h's zero
 * defaults are the same values, for library callers). */
#define MP_CHECK_DEFAULT_ITERATIONS 100
#define MP_CHECK_MAX_ITERATIONS 1000000000
#define MP_CHECK_DEFAULT_SHRINK_TIME 30 /* seconds per failure */
#define MP_CHECK_MAX_SHRINK_TIME 86400
#define MP_CHECK_DEFAULT_SHRINK_STEPS 5000 /* checks per failure */
#define MP_CHECK_MAX_SHRINK_STEPS 1000000000
#define MP_CHECK_DEFAULT_OUT "migprop-failures"
#define MP_CHECK_MAX_JOBS 64
#define MP_CHECK_MAX_SHARDS 1000
#define MP_CHECK_MAX_TRIAL 9223372036854775807 /* INT64_MAX: mp_run_config.only_trial is a long */
/* replayed by default when no case file is given */
#define MP_CHECK_SCENARIOS_DIR "scenarios"

/* The help text, in two parts: one string literal would pass the 4,095
 * characters C11 compilers must support (-Woverlength-strings). */
static const char usage[] =
    "usage: migprop check [options]\n"
    "\n"
    "Runs random property trials on SQLite and PostgreSQL, the fixed case files first.\n"
    "Every run prints its seed; every failure prints the command that replays it.\n"
    "\n"
    "options:\n"
    "  --backend sqlite|postgres|all   databases to run on (default all)\n"
    "  --iterations N                  random trials, 0 .. " MP_STR(MP_CHECK_MAX_ITERATIONS)
    " (default " MP_STR(MP_CHECK_DEFAULT_ITERATIONS) ")\n"
    "  --seed S                        run seed, decimal or 0x-hex (default random, always printed)\n"
    "  --trial K                       run only random trial K of the seed (replay)\n"
    "  --properties a,b                properties to check (default all; see migprop properties)\n"
    "  --solver default|naive          naive: the change set in the order given (a baseline)\n"
    "  --format tap|human|junit        report format (default tap; junit: JUnit XML for CI servers)\n"
    "  --tap-version 13|14             the TAP version line (default 13: prove 3.44 refuses 14)\n"
    "  --tap FILE                      also write the TAP report to FILE\n"
    "  --junit FILE                    also write the JUnit XML report to FILE\n"
    "  --color auto|always|never       colour the human report (default auto: a terminal, no NO_COLOR)\n"
    "  --stats                         also report what was tested: trials, discards by reason,\n"
    "                                  operation kinds and sizes, DDL features of the start schemas\n"
    "  --max-discard P                 health check: fail a property that discards more than P %\n"
    "                                  of its trials, 1 .. 100 (default " MP_STR(MP_MAX_DISCARD_DEFAULT) "; 100: off)\n"
    "  --pg-url URL                    use this PostgreSQL server instead of a disposable one\n"
    "                                  (also DATABASE_URL when it names PostgreSQL)\n"
    "  --scenarios DIR                 also run every *.case file in DIR first\n"
    "  --case FILE                     also run this case file first (repeatable)\n"
    "  --regressions DIR               also replay every *.case file in DIR first (repeatable)\n"
    "                                  (./" MP_CHECK_SCENARIOS_DIR " is replayed by default when no case is given)\n"
    "  --jobs N|auto                   run trials in N worker processes, 1 .. " MP_STR(MP_CHECK_MAX_JOBS)
    " (1: none; the same\n"
    "                                  report for any N); auto (default): one per CPU this process\n"
    "                                  may run on, at most " MP_STR(MP_JOBS_AUTO_MAX) " (" MP_STR(MP_JOBS_AUTO_MAX_PG) " with PostgreSQL) and at most\n"
    "                                  the trials to run\n"
    "  --shard I/N                     run only trials k with k mod N = I-1, N <= " MP_STR(MP_CHECK_MAX_SHARDS) "\n"
    "                                  (a CI matrix of N machines)\n"
    "  --out DIR                       write shrunk failing cases here (default " MP_CHECK_DEFAULT_OUT ")\n"
    "  --shrink-time S                 shrinking budget per failure in seconds, 0 .. " MP_STR(MP_CHECK_MAX_SHRINK_TIME)
    "\n"
    "                                  (default " MP_STR(MP_CHECK_DEFAULT_SHRINK_TIME) "; 0: no shrinking)\n"
    "  --shrink-steps N                shrinking budget per failure in checks, 0 .. " MP_STR(MP_CHECK_MAX_SHRINK_STEPS)
    "\n"
    "                                  (default " MP_STR(MP_CHECK_DEFAULT_SHRINK_STEPS) "; 0: no shrinking)\n"
    "  --no-shrink                     report failures as found\n"
    "  --failure-db DIR                save every shrunk failure here, keyed by its SHA-256, and replay\n"
    "                                  the saved ones first (default " MP_FAILDB_DEFAULT_DIR ")\n"
    "  --no-replay-saved               do not replay the saved failures first\n"
    "  --fixed-after N                 delete a saved failure once it passed N runs in a row, 1 .. 1000\n"
    "                                  (default " MP_STR(MP_FAILDB_FIXED_AFTER) ")\n"
    "  --keep-fixed                    never delete a saved failure\n"
    ;
static const char usage_more[] =
    "  --keep-migrations DIR           write each trial's plan as a migration directory under DIR\n"
    "                                  (DIR/<trial>-<backend>-<solver>/) and run it from there\n"
    "  --dir DIR                       check this project's migration directory instead (any format;\n"
    "                                  properties applies_fresh, idempotent_rerun, step_roundtrip,\n"
    "                                  data_preserved, final_schema, ordering, dialect_agreement)\n"
    "  --expect-schema FILE            --dir: the schema the history must end in (DDL, e.g. schema.sql)\n"
    "  --fail-on-drop                  --dir: a dropped table or column is a failure, not a note\n"
    "                                  (--dir takes --shard I/N over each property's trials, and\n"
    "                                  --jobs N: the same report and case files for any N)\n"
    "  -h, --help                      print this help\n"
    "\n"
    "exit status: 0 all properties hold, 1 a property failed, 2 usage or infrastructure error,\n"
    "             130 interrupted by SIGINT, 143 by SIGTERM\n"
    "environment: MIGPROP_REQUIRE_POSTGRES=1 makes an unavailable PostgreSQL an error, not a skip;\n"
    "             MIGPROP_FAILURE_DB=DIR is the default of --failure-db, empty: no failure database;\n"
    "             MIGPROP_JOBS=N|auto is the default of --jobs (empty: auto)\n";

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &s, sizeof s) != (ssize_t)sizeof s)
            s = 0;
        close(fd);
    }
    if (!s)
        s = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case files to run first, in order. */
struct case_list {
    char **v;
    size_t n;
};

static void add_case(struct case_list *l, char *path)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        mp_oom();
    l->v = v;
    l->v[l->n++] = path;
}

/* Append the *.case files of dir, sorted.  0, or 2 with a message when the
 * directory cannot be read. */
static int add_scenarios(const char *opt, const char *dir, struct case_list *l)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "migprop check: %s %s: %s\n", opt, dir, strerror(errno));
        return 2;
    }
    size_t start = l->n;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".case") != 0)
            continue;
        struct mp_buf p = {0};
        mp_buf_printf(&p, "%s/%s", dir, e->d_name);
        add_case(l, mp_xstrdup(mp_buf_str(&p)));
        mp_buf_free(&p);
    }
    closedir(d);
    qsort(l->v + start, l->n - start, sizeof *l->v, cmp_str);
    return 0;
}

/* `--shard I/N`: 1 <= I <= N <= MP_CHECK_MAX_SHARDS, both strict numbers. */
static int parse_shard(const char *v, unsigned *index, unsigned *count)
{
    const char *slash = strchr(v, '/');
    uint64_t i = 0, n = 0;
    char *left = mp_xstrndup(v, slash ? (size_t)(slash - v) : strlen(v));
    struct mp_error e1 = {0}, e2 = {0};
    bool ok = slash && mp_parse_u64(left, MP_CHECK_MAX_SHARDS, "--shard", &i, &e1) == 0 &&
              mp_parse_u64(slash + 1, MP_CHECK_MAX_SHARDS, "--shard", &n, &e2) == 0 && i >= 1 && i <= n;
    free(left);
    if (!ok)
        return mp_cli_error("check", "--shard: '%s' is not I/N with 1 <= I <= N <= %d", v, MP_CHECK_MAX_SHARDS);
    *index = (unsigned)i;
    *count = (unsigned)n;
    return 0;
}

/* `--jobs N|auto` (and MIGPROP_JOBS, named `what`): N worker processes,
 * 1 .. MP_CHECK_MAX_JOBS (1: none), or auto (engine.h, mp_jobs_auto()). */
static int parse_jobs(const char *what, const char *v, struct mp_run_config *cfg)
{
    uint64_t u;
    if (strcmp(v, "auto") == 0) {
        cfg->jobs_auto = true;
        return 0;
    }
    int rc = mp_cli_u64("check", what, v, 1, MP_CHECK_MAX_JOBS, &u);
    if (!rc) {
        cfg->jobs = (unsigned)u;
        cfg->jobs_auto = false;
    }
    return rc;
}

/* Judge the saved failure at `path` as `migprop replay` does (its
 * property on its backend, its rows, its trial seed; this run's solver):
 * MP_PASS, MP_FAIL, or
 * MP_DISCARD when it cannot be judged in this run (its backend is not
 * running, its property is not selected); -1 when the file cannot be read
 * (reported).  *cf gets the file, memory from `a`. */
static int judge_saved(struct mp_arena *a, const char *path, struct mp_casefile *cf, const struct mp_run_config *cfg)
{
    struct mp_error e = {0};
    if (mp_casefile_read_full(a, path, cf, &e)) {
        fprintf(stderr, "migprop: failure database: %s\n", e.msg);
        return -1;
    }
    const struct mp_property *prop = NULL;
    for (size_t i = 0; i < cfg->nprops && cf->meta.property; i++)
        if (strcmp(cfg->props[i].name, cf->meta.property) == 0)
            prop = &cfg->props[i];
    int d = cf->meta.backend && strcmp(cf->meta.backend, "postgres") == 0 ? MP_POSTGRES : MP_SQLITE;
    if (!prop || !cfg->backends[d])
        return MP_DISCARD;
    /* this run's solver, not the recorded one: the question is whether
     * the code under test still fails the case */
    const struct mp_plan_options plan = {.solver = cfg->solver};
    struct mp_buf diag = {0};
    char kind[160];
    size_t nops = 0;
    enum mp_verdict v = mp_check_case(&cf->c, cf->has_rows ? &cf->data : NULL, mp_case_trial_seed(&cf->meta, path),
                                      &plan, prop, cfg->backends, (enum mp_dialect)d, &diag, kind, &nops);
    mp_buf_free(&diag);
    return (int)v;
}

enum {
    OPT_BACKEND = 256,
    OPT_ITERATIONS,
    OPT_SEED,
    OPT_TRIAL,
    OPT_PROPERTIES,
    OPT_SOLVER,
    OPT_FORMAT,
    OPT_PG_URL,
    OPT_SCENARIOS,
    OPT_CASE,
    OPT_REGRESSIONS,
    OPT_JOBS,
    OPT_SHARD,
    OPT_OUT,
    OPT_SHRINK_TIME,
    OPT_SHRINK_STEPS,
    OPT_NO_SHRINK,
    OPT_KEEP_MIGRATIONS,
    OPT_DIR,
    OPT_EXPECT_SCHEMA,
    OPT_FAIL_ON_DROP,
    OPT_TAP_VERSION,
    OPT_TAP_FILE,
    OPT_JUNIT_FILE,
    OPT_COLOR,
    OPT_MAX_DISCARD,
    OPT_FAILURE_DB,
    OPT_NO_REPLAY_SAVED,
    OPT_FIXED_AFTER,
    OPT_KEEP_FIXED,
    OPT_STATS,
    OPT_FAULT,
};

static const struct option longopts[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"iterations", required_argument, NULL, OPT_ITERATIONS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"trial", required_argument, NULL, OPT_TRIAL},
    {"properties", required_argument, NULL, OPT_PROPERTIES},
    {"solver", required_argument, NULL, OPT_SOLVER},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"scenarios", required_argument, NULL, OPT_SCENARIOS},
    {"case", required_argument, NULL, OPT_CASE},
    {"regressions", required_argument, NULL, OPT_REGRESSIONS},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"out", required_argument, NULL, OPT_OUT},
    {"shrink-time", required_argument, NULL, OPT_SHRINK_TIME},
    {"shrink-steps", required_argument, NULL, OPT_SHRINK_STEPS},
    {"no-shrink", no_argument, NULL, OPT_NO_SHRINK},
    {"keep-migrations", required_argument, NULL, OPT_KEEP_MIGRATIONS},
    {"dir", required_argument, NULL, OPT_DIR},
    {"expect-schema", required_argument, NULL, OPT_EXPECT_SCHEMA},
    {"fail-on-drop", no_argument, NULL, OPT_FAIL_ON_DROP},
    {"tap-version", required_argument, NULL, OPT_TAP_VERSION},
    {"tap", required_argument, NULL, OPT_TAP_FILE},
    {"junit", required_argument, NULL, OPT_JUNIT_FILE},
    {"color", required_argument, NULL, OPT_COLOR},
    {"max-discard", required_argument, NULL, OPT_MAX_DISCARD},
    {"failure-db", required_argument, NULL, OPT_FAILURE_DB},
    {"no-replay-saved", no_argument, NULL, OPT_NO_REPLAY_SAVED},
    {"fixed-after", required_argument, NULL, OPT_FIXED_AFTER},
    {"keep-fixed", no_argument, NULL, OPT_KEEP_FIXED},
    {"stats", no_argument, NULL, OPT_STATS},
    {"fault", required_argument, NULL, OPT_FAULT}, /* self-test only (fault.h): not in --help */
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_check(int argc, char **argv)
{
    static const char *const solvers[] = {"default", "naive", NULL};
    static const enum mp_solver_kind solver_kinds[] = {MP_SOLVER_DEFAULT, MP_SOLVER_NAIVE};
    static const char *const formats[] = {"tap", "human", "junit", NULL};
    static const enum mp_format format_kinds[] = {MP_FORMAT_TAP, MP_FORMAT_HUMAN, MP_FORMAT_JUNIT};
    struct mp_run_config cfg = {
        .iterations = MP_CHECK_DEFAULT_ITERATIONS,
        .only_trial = -1,
        .shrink = true,
        .shrink_time = MP_CHECK_DEFAULT_SHRINK_TIME,
        .shrink_steps = MP_CHECK_DEFAULT_SHRINK_STEPS,
        .out_dir = MP_CHECK_DEFAULT_OUT,
        .failure_db = MP_FAILDB_DEFAULT_DIR,
        .jobs_auto = true,
    };
    bool jobs_given = false;
    bool have_seed = false, want[MP_NDIALECTS] = {true, true}, explicit_backend = false, cases_given = false;
    const char *pg_url = NULL, *dir = NULL, *expect_schema = NULL, *props_arg = NULL;
    bool fail_on_drop = false;
    static const char *const colors[] = {"auto", "always", "never", NULL};
    const char *tap_path = NULL, *junit_path = NULL;
    int color = 0;
    bool replay_saved = true, keep_fixed = false;
    unsigned fixed_after = MP_FAILDB_FIXED_AFTER;
    char **saved = NULL;
    size_t nsaved = 0;
    struct mp_property *sel = NULL;
    struct case_list files = {0};
    struct mp_arena *case_arena = NULL;
    struct mp_fixed_case *fixed = NULL;
    struct mp_casefile *casefiles = NULL, *saved_files = NULL;
    int rc = 0, c, k;
    uint64_t u;
    double s;

    /* MIGPROP_FAILURE_DB: the database's directory, or empty for none */
    const char *db_env = getenv("MIGPROP_FAILURE_DB");
    if (db_env)
        cfg.failure_db = *db_env ? db_env : NULL;
    mp_cli_getopt_begin();
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            fputs(usage_more, stdout);
            goto out;
        case OPT_BACKEND:
            rc = mp_cli_backend("check", "--backend", optarg, want);
            /* an explicit single backend makes an unavailable one an error */
            explicit_backend = strcmp(optarg, "all") != 0;
            break;
        case OPT_ITERATIONS:
            if (!(rc = mp_cli_u64("check", "--iterations", optarg, 0, MP_CHECK_MAX_ITERATIONS, &u)))
                cfg.iterations = (unsigned long)u;
            break;
        case OPT_SEED:
            if (!(rc = mp_cli_u64("check", "--seed", optarg, 0, UINT64_MAX, &cfg.seed)))
                have_seed = true;
            break;
        case OPT_TRIAL:
            if (!(rc = mp_cli_u64("check", "--trial", optarg, 0, MP_CHECK_MAX_TRIAL, &u)))
                cfg.only_trial = (long)u;
            break;
        case OPT_FAULT: {
            /* the tests plant a fault for one property, as `migprop selftest` does */
            int f = mp_fault_parse(optarg);
            if (f <= 0) {
                rc = mp_cli_error("check", "--fault: unknown fault '%s'", optarg);
                break;
            }
            cfg.fault = (enum mp_fault)f;
            break;
        }
        case OPT_PROPERTIES: /* resolved after the loop: --dir has properties of its own */
            props_arg = optarg;
            break;
        case OPT_SOLVER:
            if (!(rc = mp_cli_choice("check", "--solver", optarg, solvers, &k)))
                cfg.solver = solver_kinds[k];
            break;
        case OPT_FORMAT:
            if (!(rc = mp_cli_choice("check", "--format", optarg, formats, &k)))
                cfg.format = format_kinds[k];
            break;
        case OPT_PG_URL:
            pg_url = optarg;
            break;
        case OPT_SCENARIOS:
        case OPT_REGRESSIONS:
            cases_given = true;
            rc = add_scenarios(c == OPT_SCENARIOS ? "--scenarios" : "--regressions", optarg, &files);
            break;
        case OPT_CASE:
            cases_given = true;
            add_case(&files, mp_xstrdup(optarg));
            break;
        case OPT_JOBS:
            rc = parse_jobs("--jobs", optarg, &cfg);
            jobs_given = true;
            break;
        case OPT_SHARD:
            rc = parse_shard(optarg, &cfg.shard_index, &cfg.shard_count);
            break;
        case OPT_OUT:
            cfg.out_dir = optarg;
            break;
        case OPT_SHRINK_TIME:
            if (!(rc = mp_cli_double("check", "--shrink-time", optarg, 0, MP_CHECK_MAX_SHRINK_TIME, &s))) {
                cfg.shrink_time = s;
                if (s == 0)
                    cfg.shrink = false;
            }
            break;
        case OPT_SHRINK_STEPS:
            if (!(rc = mp_cli_u64("check", "--shrink-steps", optarg, 0, MP_CHECK_MAX_SHRINK_STEPS, &u))) {
                cfg.shrink_steps = (long)u;
                if (u == 0)
                    cfg.shrink = false;
            }
            break;
        case OPT_NO_SHRINK:
            cfg.shrink = false;
            break;
        case OPT_KEEP_MIGRATIONS:
            cfg.keep_dir = optarg;
            break;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_EXPECT_SCHEMA:
            expect_schema = optarg;
            break;
        case OPT_FAIL_ON_DROP:
            fail_on_drop = true;
            break;
        case OPT_TAP_FILE:
            tap_path = optarg;
            break;
        case OPT_JUNIT_FILE:
            junit_path = optarg;
            break;
        case OPT_COLOR:
            rc = mp_cli_choice("check", "--color", optarg, colors, &color);
            break;
        case OPT_MAX_DISCARD:
            if (!(rc = mp_cli_u64("check", "--max-discard", optarg, 1, 100, &u)))
                cfg.max_discard_pct = (unsigned)u;
            break;
        case OPT_FAILURE_DB:
            cfg.failure_db = optarg;
            break;
        case OPT_NO_REPLAY_SAVED:
            replay_saved = false;
            break;
        case OPT_FIXED_AFTER:
            if (!(rc = mp_cli_u64("check", "--fixed-after", optarg, 1, 1000, &u)))
                fixed_after = (unsigned)u;
            break;
        case OPT_KEEP_FIXED:
            keep_fixed = true;
            break;
        case OPT_STATS:
            cfg.stats = true;
            break;
        case OPT_TAP_VERSION:
            if (!(rc = mp_cli_u64("check", "--tap-version", optarg, 13, 14, &u)))
                cfg.tap_version = (int)u;
            break;
        default:
            rc = mp_cli_bad_option("check", c, argv, longopts);
        }
    }
    if (!rc && optind < argc)
        rc = mp_cli_extra_argument("check", argv[optind]);
    /* MIGPROP_JOBS: the default of --jobs (empty: auto) */
    const char *jobs_env = getenv("MIGPROP_JOBS");
    if (!rc && !jobs_given && jobs_env && *jobs_env)
        rc = parse_jobs("MIGPROP_JOBS", jobs_env, &cfg);
    if (!rc && !dir && (expect_schema || fail_on_drop))
        rc = mp_cli_error("check", "%s needs --dir", expect_schema ? "--expect-schema" : "--fail-on-drop");
    /* the history trials read no case files */
    if (!rc && dir && (cfg.only_trial >= 0 || cases_given || cfg.keep_dir))
        rc = mp_cli_error("check", "--dir: --trial, --case, --scenarios, --regressions and "
                                   "--keep-migrations are options of the random suite");
    if (!rc && props_arg && !dir)
        rc = mp_cli_properties("check", props_arg, &sel, &cfg.nprops);
    if (rc)
        goto out;
    /* the default suite replays the fixed cases of ./scenarios first */
    struct stat sb;
    if (!dir && !cases_given && stat(MP_CHECK_SCENARIOS_DIR, &sb) == 0 && S_ISDIR(sb.st_mode) &&
        (rc = add_scenarios("--scenarios", MP_CHECK_SCENARIOS_DIR, &files)))
        goto out;
    /* the report files, opened before anything runs so a bad path costs nothing */
    if (tap_path && !(cfg.tap_file = fopen(tap_path, "w"))) {
        rc = mp_cli_error("check", "--tap %s: %s", tap_path, strerror(errno));
        goto out;
    }
    if (junit_path && !(cfg.junit_file = fopen(junit_path, "w"))) {
        rc = mp_cli_error("check", "--junit %s: %s", junit_path, strerror(errno));
        goto out;
    }
    cfg.color = mp_cli_color(color, STDOUT_FILENO);
    if (!have_seed)
        cfg.seed = random_seed();
    if (!pg_url)
        pg_url = mp_cli_pg_env();
    if (!sel) {
        size_t nall;
        const struct mp_property *all = mp_properties(&nall);
        sel = calloc(nall, sizeof *sel);
        if (!sel)
            mp_oom();
        memcpy(sel, all, nall * sizeof *sel);
        cfg.nprops = nall;
    }
    cfg.props = sel;
    /* fixed cases */
    case_arena = mp_arena_new();
    fixed = calloc(files.n + 1, sizeof *fixed);
    if (!fixed)
        mp_oom();
    casefiles = calloc(files.n + 1, sizeof *casefiles);
    if (!casefiles)
        mp_oom();
    for (size_t i = 0; i < files.n && !rc; i++) {
        struct mp_error e = {0};
        fixed[i].name = files.v[i];
        if (mp_casefile_read_full(case_arena, files.v[i], &casefiles[i], &e)) {
            fprintf(stderr, "migprop: %s\n", e.msg);
            rc = 2;
        }
        fixed[i].c = casefiles[i].c;
        fixed[i].file = &casefiles[i];
    }
    cfg.fixed = fixed;
    cfg.nfixed = files.n;
    /* backends */
    bool require_pg = getenv("MIGPROP_REQUIRE_POSTGRES") && strcmp(getenv("MIGPROP_REQUIRE_POSTGRES"), "1") == 0;
    static char skip[MP_NDIALECTS][600];
    for (int d = 0; d < MP_NDIALECTS && !rc; d++) {
        if (!want[d])
            continue;
        struct mp_backend_config bc = {.pg_url = pg_url};
        struct mp_error e = {0};
        if (mp_backend_open((enum mp_dialect)d, &bc, &cfg.backends[d], &e)) {
            if (d == MP_POSTGRES && !require_pg && !explicit_backend) {
                snprintf(skip[d], sizeof skip[d], "no PostgreSQL: %.500s", e.msg);
                for (char *p = skip[d]; *p; p++)
                    if (*p == '\n')
                        *p = ' ';
                cfg.skip_reason[d] = skip[d];
                fprintf(stderr, "migprop: PostgreSQL unavailable, skipped: %s\n", e.msg);
            } else {
                fprintf(stderr, "migprop: %s backend: %s\n", mp_dialect_name((enum mp_dialect)d), e.msg);
                rc = 2;
            }
        }
    }
    /* the saved failures first: each judged as replay judges it (its
     * property, its backend), its streak recorded, then run with the rest */
    if (!rc && replay_saved && cfg.failure_db) {
        struct mp_error e = {0};
        if (mp_faildb_list(cfg.failure_db, &saved, &nsaved, &e)) {
            fprintf(stderr, "migprop: failure database: %s\n", e.msg);
            rc = 2;
        }
        struct mp_fixed_case *all = calloc(nsaved + cfg.nfixed + 1, sizeof *all);
        struct mp_casefile *cfs = calloc(nsaved + 1, sizeof *cfs);
        if (!all || !cfs)
            mp_oom();
        size_t kept = 0;
        for (size_t i = 0; i < nsaved && !rc; i++) {
            int v = judge_saved(case_arena, saved[i], &cfs[kept], &cfg);
            if (v < 0)
                continue; /* unreadable: left alone, reported */
            int del = v == MP_DISCARD ? 0 : mp_faildb_record(saved[i], v == MP_PASS, fixed_after, keep_fixed, &e);
            if (del < 0)
                fprintf(stderr, "migprop: failure database: %s\n", e.msg);
            fprintf(stderr, "migprop: saved failure %s: %s\n", saved[i],
                    v == MP_FAIL ? "still fails"
                    : del == 1   ? "passed, removed (fixed)"
                    : v == MP_PASS ? "passes"
                                   : "not judged here");
            if (del == 1)
                continue;
            all[kept].name = saved[i];
            all[kept].c = cfs[kept].c;
            all[kept].file = &cfs[kept];
            kept++;
        }
        memcpy(all + kept, fixed, cfg.nfixed * sizeof *all);
        free(fixed);
        fixed = all;
        saved_files = cfs;
        cfg.fixed = fixed;
        cfg.nfixed += kept;
    }
    if (!rc)
        rc = dir ? mp_check_dir(dir, props_arg, expect_schema, fail_on_drop, &cfg, stdout) : mp_run(&cfg, stdout);
out:
    for (int d = 0; d < MP_NDIALECTS; d++)
        mp_backend_close(cfg.backends[d]);
    if (cfg.tap_file && fclose(cfg.tap_file) != 0 && rc < 2)
        rc = mp_cli_error("check", "--tap %s: %s", tap_path, strerror(errno));
    if (cfg.junit_file && fclose(cfg.junit_file) != 0 && rc < 2)
        rc = mp_cli_error("check", "--junit %s: %s", junit_path, strerror(errno));
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    free(fixed);
    free(casefiles);
    free(saved_files);
    mp_faildb_list_free(saved, nsaved);
    free(sel);
    mp_arena_free(case_arena);
    return rc;
}
