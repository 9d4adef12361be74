/* main.c - the migprop command line. */
#include "engine.h"
#include "commands.h"
#include "runner_check.h"
#include "pgcluster.h"
#include "properties.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: migprop <command> [options]\n"
    "\n"
    "commands:\n"
    "  check        run property trials (the main job)\n"
    "  bench        benchmarks (migprop bench --help)\n"
    "  runner-check property-test a migration runner: --runner migprop|dbmate|sql-migrate or\n"
    "               --adapter FILE (migprop runner-check --help)\n"
    "  replay CASE  run a (shrunk) case file again; exit 1 while it fails (migprop replay --help)\n"
    "  selftest     prove each property can fail: run them against broken variants of migprop\n"
    "  plan         plan the migration between two DDL files (migprop plan --help)\n"
    "  migrate      run migrations: up, down, to, status, verify, plan, repair, new\n"
    "               (migprop migrate --help)\n"
    "  cluster CMD  run CMD with a disposable PostgreSQL cluster (DATABASE_URL, PGHOST,\n"
    "               PGUSER, PGDATABASE set); the cluster is removed when CMD ends\n"
    "  schema       print a database's schema in canonical form (--db URL [--names])\n"
    "  properties   list the registered properties\n"
    "  version      print the version\n"
    "\n"
    "check options:\n"
    "  --backend sqlite|postgres|all   databases to run on (default all)\n"
    "  --iterations N                  random trials (default 100)\n"
    "  --seed S                        run seed, decimal or 0x-hex (default random, always printed)\n"
    "  --trial K                       run only random trial K of the seed (replay)\n"
    "  --properties a,b                properties to check (default all)\n"
    "  --solver default|naive          naive: the change set in the order given (a baseline)\n"
    "  --format tap|human|junit        report format (default tap; junit: JUnit XML for CI servers)\n"
    "  --pg-url URL                    use this PostgreSQL server instead of a disposable one\n"
    "                                  (also DATABASE_URL when it starts with postgres)\n"
    "  --scenarios DIR                 also run every *.case file in DIR first\n"
    "  --case FILE                     also run this case file first (repeatable)\n"
    "  --jobs N                        run trials in N worker processes (same report for any N)\n"
    "  --shard I/N                     run only trials k with k mod N = I-1 (a CI matrix of N machines)\n"
    "  --regressions DIR               also replay every *.case file in DIR first (repeatable)\n"
    "                                  (./scenarios is replayed by default when no case is given)\n"
    "  --out DIR                       write shrunk failing cases here (default migprop-failures)\n"
    "  --shrink-time S, --shrink-steps N  budget per failure (default 30 s, 5000 checks)\n"
    "  --no-shrink                     report failures as found\n"
    "  --keep-migrations DIR           write each trial's plan as a migration directory under DIR\n"
    "                                  (DIR/<trial>-<backend>-<solver>/) and run it from there\n"
    "\n"
    "exit status: 0 all properties hold, 1 a property failed, 2 usage or infrastructure error\n"
    "environment: MIGPROP_REQUIRE_POSTGRES=1 makes an unavailable PostgreSQL an error, not a skip\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "migprop: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see migprop help)\n");
    va_end(ap);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

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

/* Append the *.case files of dir, sorted, to the list. */
static int add_scenarios(const char *dir, char ***files, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "migprop: --scenarios %s: %s\n", dir, strerror(errno));
        return 2;
    }
    size_t start = *n;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".case") != 0)
            continue;
        *files = realloc(*files, (*n + 1) * sizeof **files);
        size_t need = strlen(dir) + l + 2;
        char *p = malloc(need);
        if (!*files || !p)
            mp_oom();
        snprintf(p, need, "%s/%s", dir, e->d_name);
        (*files)[(*n)++] = p;
    }
    closedir(d);
    qsort(*files + start, *n - start, sizeof **files, cmp_str);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    struct mp_run_config cfg = {.iterations = 100, .only_trial = -1, .shrink = true};
    bool have_seed = false, want[MP_NDIALECTS] = {true, true}, explicit_backend = false, cases_given = false;
    const char *pg_url = NULL, *props_arg = NULL;
    char **files = NULL;
    size_t nfiles = 0;
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(o, "--no-shrink") == 0) {
            cfg.shrink = false;
            continue;
        }
        if (!v)
            return usage_error("option %s needs a value", o);
        i++;
        if (strcmp(o, "--backend") == 0) {
            explicit_backend = true;
            if (strcmp(v, "sqlite") == 0) want[MP_POSTGRES] = false;
            else if (strcmp(v, "postgres") == 0) want[MP_SQLITE] = false;
            else if (strcmp(v, "all") != 0) return usage_error("unknown backend '%s'", v);
            if (strcmp(v, "all") == 0)
                explicit_backend = false;
        } else if (strcmp(o, "--iterations") == 0) {
            if (!parse_u64(v, &u)) return usage_error("--iterations takes a number, not '%s'", v);
            cfg.iterations = (unsigned long)u;
        } else if (strcmp(o, "--seed") == 0) {
            if (!parse_u64(v, &cfg.seed)) return usage_error("--seed takes a number, not '%s'", v);
            have_seed = true;
        } else if (strcmp(o, "--trial") == 0) {
            if (!parse_u64(v, &u)) return usage_error("--trial takes a number, not '%s'", v);
            cfg.only_trial = (long)u;
        } else if (strcmp(o, "--properties") == 0) {
            props_arg = v;
        } else if (strcmp(o, "--solver") == 0) {
            if (strcmp(v, "naive") == 0) cfg.solver = MP_SOLVER_NAIVE;
            else if (strcmp(v, "default") == 0) cfg.solver = MP_SOLVER_DEFAULT;
            else return usage_error("unknown solver '%s'", v);
        } else if (strcmp(o, "--format") == 0) {
            if (strcmp(v, "tap") == 0) cfg.format = MP_FORMAT_TAP;
            else if (strcmp(v, "human") == 0) cfg.format = MP_FORMAT_HUMAN;
            else if (strcmp(v, "junit") == 0) cfg.format = MP_FORMAT_JUNIT;
            else return usage_error("unknown format '%s'", v);
        } else if (strcmp(o, "--pg-url") == 0) {
            pg_url = v;
        } else if (strcmp(o, "--scenarios") == 0) {
            cases_given = true;
            if ((rc = add_scenarios(v, &files, &nfiles)))
                return rc;
        } else if (strcmp(o, "--jobs") == 0) {
            if (!parse_u64(v, &u) || u < 1 || u > 64) return usage_error("--jobs takes 1..64, not '%s'", v);
            cfg.jobs = (unsigned)u;
        } else if (strcmp(o, "--shard") == 0) {
            unsigned a, b;
            char tail;
            if (sscanf(v, "%u/%u%c", &a, &b, &tail) != 2 || b < 1 || a < 1 || a > b)
                return usage_error("--shard takes I/N with 1 <= I <= N, not '%s'", v);
            cfg.shard_index = a;
            cfg.shard_count = b;
        } else if (strcmp(o, "--out") == 0) {
            cfg.out_dir = v;
        } else if (strcmp(o, "--shrink-time") == 0) {
            char *end;
            cfg.shrink_time = strtod(v, &end);
            if (end == v || *end || cfg.shrink_time < 0)
                return usage_error("--shrink-time takes seconds, not '%s'", v);
            if (cfg.shrink_time == 0)
                cfg.shrink = false;
        } else if (strcmp(o, "--shrink-steps") == 0) {
            if (!parse_u64(v, &u)) return usage_error("--shrink-steps takes a number, not '%s'", v);
            cfg.shrink_steps = (long)u;
            if (u == 0)
                cfg.shrink = false;
        } else if (strcmp(o, "--regressions") == 0) {
            cases_given = true;
            if ((rc = add_scenarios(v, &files, &nfiles)))
                return rc;
        } else if (strcmp(o, "--keep-migrations") == 0) {
            cfg.keep_dir = v;
        } else if (strcmp(o, "--case") == 0) {
            cases_given = true;
            files = realloc(files, (nfiles + 1) * sizeof *files);
            if (!files || !(files[nfiles++] = strdup(v)))
                mp_oom();
        } else {
            return usage_error("unknown option '%s'", o);
        }
    }
    /* the default suite replays the fixed cases of ./scenarios first */
    struct stat sb;
    if (!cases_given && stat("scenarios", &sb) == 0 && S_ISDIR(sb.st_mode) && (rc = add_scenarios("scenarios", &files, &nfiles)))
        return rc;
    if (!have_seed)
        cfg.seed = random_seed();
    if (!pg_url) {
        const char *env = getenv("DATABASE_URL");
        if (env && strncmp(env, "postgres", 8) == 0)
            pg_url = env;
    }
    /* properties */
    size_t nall;
    const struct mp_property *all = mp_properties(&nall);
    struct mp_property *sel = calloc(nall, sizeof *sel);
    if (!sel)
        mp_oom();
    if (!props_arg) {
        memcpy(sel, all, nall * sizeof *sel);
        cfg.nprops = nall;
    } else {
        char *copy = strdup(props_arg);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            const struct mp_property *p = mp_property_find(tok);
            if (!p) {
                free(copy);
                free(sel);
                return usage_error("unknown property '%s' (see migprop properties)", tok);
            }
            if (cfg.nprops < nall)
                sel[cfg.nprops++] = *p;
        }
        free(copy);
    }
    cfg.props = sel;
    /* fixed cases */
    struct mp_arena *case_arena = mp_arena_new();
    struct mp_fixed_case *fixed = calloc(nfiles + 1, sizeof *fixed);
    if (!fixed)
        mp_oom();
    for (size_t i = 0; i < nfiles && !rc; i++) {
        struct mp_error e = {0};
        fixed[i].name = files[i];
        if (mp_casefile_read(case_arena, files[i], &fixed[i].c, &e)) {
            fprintf(stderr, "migprop: %s\n", e.msg);
            rc = 2;
        }
    }
    cfg.fixed = fixed;
    cfg.nfixed = nfiles;
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
    if (!rc)
        rc = mp_run(&cfg, stdout);
    for (int d = 0; d < MP_NDIALECTS; d++)
        mp_backend_close(cfg.backends[d]);
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    free(fixed);
    free(sel);
    mp_arena_free(case_arena);
    return rc;
}

static int cmd_properties(void)
{
    size_t n;
    const struct mp_property *p = mp_properties(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-20s %s\n", p[i].name, p[i].summary);
    return 0;
}

/* `migprop cluster [--] CMD ARGS...`: run CMD against a disposable
 * cluster; exit with CMD's status (2 when the cluster cannot start, 128+N
 * when CMD died of signal N). */
static int cmd_cluster(int argc, char **argv)
{
    if (argc && strcmp(argv[0], "--") == 0)
        argc--, argv++;
    if (!argc)
        return usage_error("cluster needs a command to run");
    struct mp_pgcluster *c;
    struct mp_error err = {0};
    if (mp_pgcluster_start(&c, true, &err)) {
        fprintf(stderr, "migprop cluster: %s\n", err.msg);
        return 2;
    }
    const char *ci = mp_pgcluster_conninfo(c);
    setenv("DATABASE_URL", ci, 1);
    /* the keyword string's parts for psql and other libpq programs */
    char host[1024] = "", user[128] = "", db[128] = "";
    const char *h = strstr(ci, "host="), *u = strstr(ci, "user="), *d = strstr(ci, "dbname=");
    if (h)
        snprintf(host, sizeof host, "%.*s", (int)strcspn(h + 5, " "), h + 5);
    if (u)
        snprintf(user, sizeof user, "%.*s", (int)strcspn(u + 5, " "), u + 5);
    if (d)
        snprintf(db, sizeof db, "%.*s", (int)strcspn(d + 7, " "), d + 7);
    if (*host)
        setenv("PGHOST", host, 1);
    if (*user)
        setenv("PGUSER", user, 1);
    if (*db)
        setenv("PGDATABASE", db, 1);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "migprop cluster: %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st = 0, rc = 2;
    if (pid > 0) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 2;
    } else {
        fprintf(stderr, "migprop cluster: fork: %s\n", strerror(errno));
    }
    mp_pgcluster_stop(c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "cluster") == 0)
        return cmd_cluster(argc - 2, argv + 2);
    if (strcmp(cmd, "runner-check") == 0)
        return mp_cmd_runner_check(argc - 2, argv + 2);
    if (strcmp(cmd, "replay") == 0)
        return mp_cmd_replay(argc - 2, argv + 2);
    if (strcmp(cmd, "selftest") == 0)
        return mp_cmd_selftest(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0) {
        static struct mp_property bp[2];
        bp[0] = *mp_property_find("ordering_valid");
        bp[1] = *mp_property_find("final_schema_equal");
        mp_bench_set_properties(bp, 2);
        return mp_cmd_bench(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "plan") == 0)
        return mp_cmd_plan(argc - 2, argv + 2);
    if (strcmp(cmd, "schema") == 0)
        return mp_cmd_schema(argc - 2, argv + 2);
    if (strcmp(cmd, "migrate") == 0)
        return mp_cmd_migrate(argc - 2, argv + 2);
    if (strcmp(cmd, "properties") == 0)
        return cmd_properties();
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("migprop %s\n", MIGPROP_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    fprintf(stderr, "migprop: unknown command '%s'\n%s", cmd, usage);
    return 2;
}
