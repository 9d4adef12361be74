/* migrate.c - `migprop migrate`: the executor's command line (executor.h). */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "executor.h"
#include "migdir.h"

/* The defaults and limits of `migprop migrate`, quoted by its help text and
 * always passed to the executor explicitly (executor.h's zero default is
 * the same, for library callers). */
#define MP_MIGRATE_DEFAULT_DIR "migrations"
#define MP_MIGRATE_DEFAULT_LOCK_TIMEOUT 60 /* seconds */
/* 0.001 .. 86400 s: a day is far below PostgreSQL's lock_timeout limit
 * (INT_MAX milliseconds, "Client Connection Defaults" in its docs) */
#define MP_MIGRATE_MIN_LOCK_TIMEOUT 0.001
#define MP_MIGRATE_MAX_LOCK_TIMEOUT 86400
#define MP_MIGRATE_MAX_DOWN 1000000000 /* `down N` */

static const char usage[] =
    "usage: migprop migrate [options] <command>\n"
    "\n"
    "commands:\n"
    "  up                 apply all pending migrations\n"
    "  down [N]           revert the newest N applied migrations (default 1)\n"
    "  to VERSION         apply or revert until VERSION is the newest applied (0: revert all)\n"
    "  status             list migrations with their state\n"
    "  verify             report changed, missing, out-of-order, failed and dirty migrations (exit 1 if any)\n"
    "  plan [up | down [N] | to VERSION]\n"
    "                     dry run: what would run, in order; nothing is executed\n"
    "  repair             clear failed and dirty records once the database is fixed by hand\n"
    "  new NAME           create the files of the next migration\n"
    "\n"
    "options:\n"
    "  --dir DIR                  migrations directory (default ./" MP_MIGRATE_DEFAULT_DIR ")\n"
    "  --db URL                   sqlite:PATH | postgresql://... | libpq keywords (default $DATABASE_URL)\n"
    "  --format auto|pairs|single|diesel\n"
    "                             directory format (default auto-detected; pairs when empty)\n"
    "  --table NAME               tracking table (default migprop_migrations)\n"
    "  --lock-timeout SECONDS     wait at most this long for another runner (default "
    MP_STR(MP_MIGRATE_DEFAULT_LOCK_TIMEOUT) ";\n"
    "                             " MP_STR(MP_MIGRATE_MIN_LOCK_TIMEOUT) " .. " MP_STR(MP_MIGRATE_MAX_LOCK_TIMEOUT) ")\n"
    "  --allow-out-of-order       apply pending migrations older than the newest applied one\n"
    "  --mark-applied             repair: record dirty/failed migrations as applied instead of clearing them\n"
    "  --quiet                    no progress lines\n"
    "  -h, --help                 print this help\n"
    "\n"
    "exit status: 0 done, 1 a migration failed or a check found a problem, 2 usage or connection error\n";

static int exit_for(int rc)
{
    return rc == MP_EINVAL || rc == MP_EIO || rc == MP_EINTERNAL ? 2 : 1;
}

/* Whether `cmd` with nargs - 1 arguments is a migrate command (`plan`
 * already taken off: plan=true). */
static bool known_command(const char *cmd, int nargs, bool plan)
{
    if (strcmp(cmd, "up") == 0)
        return nargs == 1;
    if (strcmp(cmd, "down") == 0)
        return nargs <= 2;
    if (strcmp(cmd, "to") == 0)
        return nargs == 2;
    if (strcmp(cmd, "status") == 0 || strcmp(cmd, "verify") == 0 || strcmp(cmd, "repair") == 0)
        return nargs == 1 && !plan;
    return strcmp(cmd, "new") == 0;
}

enum { OPT_DIR = 256, OPT_DB, OPT_FORMAT, OPT_TABLE, OPT_LOCK_TIMEOUT, OPT_OUT_OF_ORDER, OPT_MARK_APPLIED, OPT_QUIET };

static const struct option longopts[] = {
    {"dir", required_argument, NULL, OPT_DIR},
    {"db", required_argument, NULL, OPT_DB},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"table", required_argument, NULL, OPT_TABLE},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"allow-out-of-order", no_argument, NULL, OPT_OUT_OF_ORDER},
    {"mark-applied", no_argument, NULL, OPT_MARK_APPLIED},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_migrate(int argc, char **argv)
{
    const char *dir = MP_MIGRATE_DEFAULT_DIR, *db = getenv("DATABASE_URL");
    struct mp_exec_config cfg = {.log = stderr, .lock_timeout_ms = MP_MIGRATE_DEFAULT_LOCK_TIMEOUT * 1000L};
    int fmt = MP_MIGFMT_AUTO, c;
    double s;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_DB:
            db = optarg;
            break;
        case OPT_FORMAT:
            if ((fmt = mp_migfmt_parse(optarg)) < 0)
                return mp_cli_error("migrate", "--format: unknown value '%s' (auto, pairs, single, diesel)", optarg);
            break;
        case OPT_TABLE:
            cfg.table = optarg;
            break;
        case OPT_LOCK_TIMEOUT:
            if (mp_cli_double("migrate", "--lock-timeout", optarg, MP_MIGRATE_MIN_LOCK_TIMEOUT,
                              MP_MIGRATE_MAX_LOCK_TIMEOUT, &s))
                return MP_CLI_USAGE;
            cfg.lock_timeout_ms = (long)(s * 1000.0) > 0 ? (long)(s * 1000.0) : 1;
            break;
        case OPT_OUT_OF_ORDER:
            cfg.allow_out_of_order = true;
            break;
        case OPT_MARK_APPLIED:
            cfg.mark_applied = true;
            break;
        case OPT_QUIET:
            cfg.log = NULL;
            break;
        default:
            return mp_cli_bad_option("migrate", c, argv, longopts);
        }
    }
    /* the command and its arguments: getopt_long moved them to the end */
    const char *args[4];
    int nargs = 0;
    for (int i = optind; i < argc; i++) {
        if (nargs == 4)
            return mp_cli_error("migrate", "too many arguments ('%s')", argv[i]);
        args[nargs++] = argv[i];
    }
    if (!nargs)
        return mp_cli_error("migrate", "no command given (up, down, to, status, verify, plan, repair, new)");
    const char *cmd = args[0];
    bool plan = strcmp(cmd, "plan") == 0;
    if (plan) {
        cfg.dry_run = true;
        cfg.log = stdout;
        cmd = nargs > 1 ? args[1] : "up";
        memmove(args, args + 1, sizeof args - sizeof args[0]);
        nargs = nargs > 1 ? nargs - 1 : 1;
        args[0] = cmd;
    }
    /* a usage error must not open (and so create) a database */
    uint64_t down_n = 1;
    if (strcmp(cmd, "down") == 0 && nargs == 2 && mp_cli_u64("migrate", "down", args[1], 0, MP_MIGRATE_MAX_DOWN, &down_n))
        return MP_CLI_USAGE;
    if (!known_command(cmd, nargs, plan))
        return mp_cli_error("migrate", "unknown command or wrong arguments: '%s' (see migprop migrate --help)", cmd);

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_migset set;
    struct mp_target *t = NULL;
    int status = 0, rc = mp_migdir_read(a, dir, (enum mp_migfmt)fmt, &set, &err);
    if (rc) {
        status = mp_cli_error("migrate", "%s", err.msg);
        goto out;
    }
    if (strcmp(cmd, "new") == 0) {
        if (nargs != 2 || !*args[1] || strpbrk(args[1], "/ \t\n")) {
            status = mp_cli_error("migrate", "new takes one NAME (no spaces or slashes)");
            goto out;
        }
        const char *ver = mp_migdir_next_version(a, &set);
        const char *path;
        if (mp_migdir_write(a, dir, set.format, ver, args[1], "", NULL, &path, &err)) {
            status = mp_cli_error("migrate", "%s", err.msg);
            goto out;
        }
        printf("%s\n", path);
        goto out;
    }
    const char *to_version = NULL;
    if (strcmp(cmd, "to") == 0 && !(to_version = mp_migversion_parse(a, set.format, args[1]))) {
        status = mp_cli_error("migrate", "'%s' is not a version of this directory's format (%s)", args[1],
                              mp_migfmt_name(set.format));
        goto out;
    }
    if (!db) {
        status = mp_cli_error("migrate", "no database: give --db URL or set DATABASE_URL");
        goto out;
    }
    if (mp_target_open(db, &t, &err)) {
        status = mp_cli_error("migrate", "%s", err.msg);
        goto out;
    }
    struct mp_exec_report rep;
    if (strcmp(cmd, "up") == 0) {
        rc = mp_exec_up(t, &set, &cfg, NULL, &rep, &err);
        if (!rc && !plan && cfg.log)
            fprintf(cfg.log, "%zu migration%s applied\n", rep.applied, rep.applied == 1 ? "" : "s");
    } else if (strcmp(cmd, "down") == 0) {
        rc = mp_exec_down(t, &set, &cfg, (size_t)down_n, &rep, &err);
        if (!rc && !plan && cfg.log)
            fprintf(cfg.log, "%zu migration%s reverted\n", rep.reverted, rep.reverted == 1 ? "" : "s");
    } else if (strcmp(cmd, "to") == 0) {
        rc = mp_exec_to(t, &set, &cfg, to_version, &rep, &err);
        if (!rc && !plan && cfg.log)
            fprintf(cfg.log, "%zu applied, %zu reverted\n", rep.applied, rep.reverted);
    } else if (strcmp(cmd, "status") == 0) {
        rc = mp_exec_status(t, &set, &cfg, stdout, &err);
    } else if (strcmp(cmd, "verify") == 0) {
        long n = mp_exec_verify(t, &set, &cfg, stdout, &err);
        if (n < 0)
            rc = (int)n;
        else
            status = n > 0;
    } else { /* repair: known_command() let nothing else through */
        rc = mp_exec_repair(t, &set, &cfg, stdout, &err);
    }
    if (rc) {
        fprintf(stderr, "migprop migrate: %s\n", err.msg);
        status = exit_for(rc);
    }
out:
    mp_target_close(t);
    mp_arena_free(a);
    return status;
}
