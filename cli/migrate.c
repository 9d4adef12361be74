/* migrate_cli.c - `migprop migrate` (see migrate_cli.h, executor.h). */
#include "commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "executor.h"
#include "migdir.h"
#include "model.h"

const char mp_migrate_usage[] =
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
    "  --dir DIR                  migrations directory (default ./migrations)\n"
    "  --db URL                   sqlite:PATH | postgresql://... | libpq keywords (default $DATABASE_URL)\n"
    "  --format auto|pairs|single|diesel\n"
    "                             directory format (default auto-detected; pairs when empty)\n"
    "  --table NAME               tracking table (default migprop_migrations)\n"
    "  --lock-timeout SECONDS     wait at most this long for another runner (default 60)\n"
    "  --allow-out-of-order       apply pending migrations older than the newest applied one\n"
    "  --mark-applied             repair: record dirty/failed migrations as applied instead of clearing them\n"
    "  --quiet                    no progress lines\n"
    "\n"
    "exit status: 0 done, 1 a migration failed or a check found a problem, 2 usage or connection error\n";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "migprop migrate: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static int exit_for(int rc)
{
    return rc == MP_EINVAL || rc == MP_EIO || rc == MP_EINTERNAL ? 2 : 1;
}

static bool parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

int mp_cmd_migrate(int argc, char **argv)
{
    const char *dir = "migrations", *db = getenv("DATABASE_URL"), *fmt_s = "auto";
    struct mp_exec_config cfg = {.log = stderr};
    const char *args[4];
    int nargs = 0;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(mp_migrate_usage, stdout);
            return 0;
        }
        if (strcmp(o, "--allow-out-of-order") == 0) {
            cfg.allow_out_of_order = true;
            continue;
        }
        if (strcmp(o, "--mark-applied") == 0) {
            cfg.mark_applied = true;
            continue;
        }
        if (strcmp(o, "--quiet") == 0) {
            cfg.log = NULL;
            continue;
        }
        if (strncmp(o, "--", 2) == 0) {
            if (i + 1 >= argc)
                return fail(2, "option %s needs a value", o);
            const char *v = argv[++i];
            if (strcmp(o, "--dir") == 0)
                dir = v;
            else if (strcmp(o, "--db") == 0)
                db = v;
            else if (strcmp(o, "--format") == 0)
                fmt_s = v;
            else if (strcmp(o, "--table") == 0)
                cfg.table = v;
            else if (strcmp(o, "--lock-timeout") == 0) {
                char *end;
                double s = strtod(v, &end);
                if (end == v || *end || s < 0)
                    return fail(2, "--lock-timeout takes seconds, not '%s'", v);
                cfg.lock_timeout_ms = (long)(s * 1000.0) > 0 ? (long)(s * 1000.0) : 1;
            } else
                return fail(2, "unknown option '%s'", o);
            continue;
        }
        if (nargs == 4)
            return fail(2, "too many arguments ('%s')", o);
        args[nargs++] = o;
    }
    if (!nargs)
        return fail(2, "no command given (up, down, to, status, verify, plan, repair, new)");
    int fmt = mp_migfmt_parse(fmt_s);
    if (fmt < 0)
        return fail(2, "unknown --format '%s'", fmt_s);
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

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_migset set;
    int rc = mp_migdir_read(a, dir, (enum mp_migfmt)fmt, &set, &err);
    if (rc) {
        mp_arena_free(a);
        return fail(2, "%s", err.msg);
    }
    if (strcmp(cmd, "new") == 0) {
        if (nargs != 2 || !*args[1] || strpbrk(args[1], "/ \t\n"))
            return mp_arena_free(a), fail(2, "new takes one NAME (no spaces or slashes)");
        const char *ver = mp_migdir_next_version(a, &set);
        const char *path;
        rc = mp_migdir_write(a, dir, set.format, ver, args[1], "", NULL, &path, &err);
        if (!rc)
            printf("%s\n", path);
        else
            fprintf(stderr, "migprop migrate: %s\n", err.msg);
        mp_arena_free(a);
        return rc ? 2 : 0;
    }
    if (!db) {
        mp_arena_free(a);
        return fail(2, "no database: give --db URL or set DATABASE_URL");
    }
    struct mp_target *t = NULL;
    if ((rc = mp_target_open(db, &t, &err))) {
        mp_arena_free(a);
        return fail(2, "%s", err.msg);
    }
    struct mp_exec_report rep;
    int status = 0;
    if (strcmp(cmd, "up") == 0 && nargs == 1) {
        rc = mp_exec_up(t, &set, &cfg, NULL, &rep, &err);
        if (!rc && !plan && cfg.log)
            fprintf(cfg.log, "%zu migration%s applied\n", rep.applied, rep.applied == 1 ? "" : "s");
    } else if (strcmp(cmd, "down") == 0 && nargs <= 2) {
        size_t n = 1;
        if (nargs == 2 && !parse_count(args[1], &n)) {
            status = fail(2, "down takes a count, not '%s'", args[1]);
        } else {
            rc = mp_exec_down(t, &set, &cfg, n, &rep, &err);
            if (!rc && !plan && cfg.log)
                fprintf(cfg.log, "%zu migration%s reverted\n", rep.reverted, rep.reverted == 1 ? "" : "s");
        }
    } else if (strcmp(cmd, "to") == 0 && nargs == 2) {
        const char *v = mp_migversion_parse(a, set.format, args[1]);
        if (!v) {
            status = fail(2, "'%s' is not a version of this directory's format (%s)", args[1], mp_migfmt_name(set.format));
        } else {
            rc = mp_exec_to(t, &set, &cfg, v, &rep, &err);
            if (!rc && !plan && cfg.log)
                fprintf(cfg.log, "%zu applied, %zu reverted\n", rep.applied, rep.reverted);
        }
    } else if (strcmp(cmd, "status") == 0 && nargs == 1 && !plan) {
        rc = mp_exec_status(t, &set, &cfg, stdout, &err);
    } else if (strcmp(cmd, "verify") == 0 && nargs == 1 && !plan) {
        long n = mp_exec_verify(t, &set, &cfg, stdout, &err);
        if (n < 0)
            rc = (int)n;
        else
            status = n > 0;
    } else if (strcmp(cmd, "repair") == 0 && nargs == 1 && !plan) {
        rc = mp_exec_repair(t, &set, &cfg, stdout, &err);
    } else {
        status = fail(2, "unknown command or wrong arguments: '%s' (see migprop migrate --help)", cmd);
    }
    if (rc) {
        fprintf(stderr, "migprop migrate: %s\n", err.msg);
        status = exit_for(rc);
    }
    mp_target_close(t);
    mp_arena_free(a);
    return status;
}

int mp_cmd_schema(int argc, char **argv)
{
    const char *db = getenv("DATABASE_URL"), *table = NULL;
    const char *ignore[65]; /* up to 63 --ignore names, the tracking table, NULL */
    size_t ni = 0;
    int flags = 0;
    char *ignore_copy = NULL;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--names") == 0) {
            flags |= MP_CANON_NAMES;
            continue;
        }
        if (i + 1 >= argc)
            return fail(2, "unknown option or missing value: '%s'", o);
        const char *v = argv[++i];
        if (strcmp(o, "--db") == 0)
            db = v;
        else if (strcmp(o, "--table") == 0)
            table = v;
        else if (strcmp(o, "--ignore") == 0) {
            free(ignore_copy);
            ignore_copy = strdup(v);
            if (!ignore_copy)
                mp_oom();
            for (char *tok = strtok(ignore_copy, ","); tok && ni < 63; tok = strtok(NULL, ","))
                ignore[ni++] = tok;
        } else
            return fail(2, "unknown option '%s'", o);
    }
    ignore[ni++] = table ? table : "migprop_migrations";
    ignore[ni] = NULL;
    if (!db)
        return free(ignore_copy), fail(2, "no database: give --db URL or set DATABASE_URL");
    struct mp_error err = {0};
    struct mp_target *t;
    if (mp_target_open(db, &t, &err))
        return free(ignore_copy), fail(2, "%s", err.msg);
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s;
    int rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), ignore, a, &s, &err);
    if (!rc) {
        struct mp_buf b = {0};
        mp_schema_canonical(&b, s, flags);
        fputs(mp_buf_str(&b), stdout);
        mp_buf_free(&b);
    } else {
        fprintf(stderr, "migprop schema: %s\n", err.msg);
    }
    mp_arena_free(a);
    mp_target_close(t);
    free(ignore_copy);
    return rc ? 2 : 0;
}
