/* migrate.c - `migprop migrate`: the executor's command line (executor.h). */
#include "commands.h"
#include "cliopt.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "backend.h"
#include "executor.h"
#include "fault.h"
#include "os.h"
#include "recover.h"
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
#define MP_MIGRATE_DEFAULT_RETRIES 3
#define MP_MIGRATE_MAX_RETRIES 100
#define MP_MIGRATE_DEFAULT_RETRY_MAX_MS 5000
#define MP_MIGRATE_MAX_RETRY_MAX_MS 600000 /* ten minutes */

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
    "  recover [--apply N]\n"
    "                     after a crash or a failed migration outside a transaction: compare the\n"
    "                     tracking table and the live schema with what the migrations produce on a\n"
    "                     scratch database and print a recovery plan; --apply N carries out step N\n"
    "  new NAME           create the files of the next migration\n"
    "\n"
    "options:\n"
    "  --dir DIR                  migrations directory (default ./" MP_MIGRATE_DEFAULT_DIR ")\n"
    "  --db URL                   sqlite:PATH | sqlite3:PATH | file:PATH?... | PATH | postgres://... |\n"
    "                             postgresql://... | libpq keywords (default $DATABASE_URL)\n"
    "  --format F                 directory format: auto (default; pairs when empty), pairs|golang-migrate,\n"
    "                             single|dbmate|sql-migrate|goose|updown, sqlx, diesel, flyway;\n"
    "                             --format json|text: the output of status and verify (default text)\n"
    "  --table NAME               tracking table (default migprop_migrations)\n"
    "  --lock-timeout SECONDS     wait at most this long for another runner (default "
    MP_STR(MP_MIGRATE_DEFAULT_LOCK_TIMEOUT) ";\n"
    "                             " MP_STR(MP_MIGRATE_MIN_LOCK_TIMEOUT) " .. " MP_STR(MP_MIGRATE_MAX_LOCK_TIMEOUT) ")\n"
    "  --allow-out-of-order, --out-of-order\n"
    "                             apply pending migrations older than the newest applied one\n"
    "  --group                    up, to: the pending migrations in one transaction, committed once (all\n"
    "                             or none; not with migrations outside a transaction or, on SQLite, ones\n"
    "                             that turn foreign keys off)\n"
    "  --mark-applied             repair: record dirty/failed migrations as applied instead of clearing them\n"
    "  --accept-edits             repair: record the current checksum of applied migrations edited since\n"
    "  --retries N                retry a migration that failed for a transient reason (deadlock,\n"
    "                             serialization failure, lock timeout, shutdown, lost connection,\n"
    "                             SQLITE_BUSY) up to N times (default " MP_STR(MP_MIGRATE_DEFAULT_RETRIES) "; 0 .. "
    MP_STR(MP_MIGRATE_MAX_RETRIES) ")\n"
    "  --retry-max-ms MS          longest wait between two tries (default " MP_STR(MP_MIGRATE_DEFAULT_RETRY_MAX_MS)
    "; 1 .. " MP_STR(MP_MIGRATE_MAX_RETRY_MAX_MS) ")\n"
    "  --apply N                  recover: carry out step N of the recovery plan\n"
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
    if (strcmp(cmd, "status") == 0 || strcmp(cmd, "verify") == 0 || strcmp(cmd, "repair") == 0 ||
        strcmp(cmd, "recover") == 0)
        return nargs == 1 && !plan;
    return strcmp(cmd, "new") == 0;
}

enum {
    OPT_DIR = 256,
    OPT_DB,
    OPT_FORMAT,
    OPT_TABLE,
    OPT_LOCK_TIMEOUT,
    OPT_OUT_OF_ORDER,
    OPT_GROUP,
    OPT_MARK_APPLIED,
    OPT_ACCEPT_EDITS,
    OPT_RETRIES,
    OPT_RETRY_MAX_MS,
    OPT_APPLY,
    OPT_QUIET,
    OPT_FAULT
};

static const struct option longopts[] = {
    {"dir", required_argument, NULL, OPT_DIR},
    {"db", required_argument, NULL, OPT_DB},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"table", required_argument, NULL, OPT_TABLE},
    {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
    {"allow-out-of-order", no_argument, NULL, OPT_OUT_OF_ORDER},
    {"out-of-order", no_argument, NULL, OPT_OUT_OF_ORDER},
    {"group", no_argument, NULL, OPT_GROUP},
    {"accept-edits", no_argument, NULL, OPT_ACCEPT_EDITS},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"retry-max-ms", required_argument, NULL, OPT_RETRY_MAX_MS},
    {"apply", required_argument, NULL, OPT_APPLY},
    {"mark-applied", no_argument, NULL, OPT_MARK_APPLIED},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"fault", required_argument, NULL, OPT_FAULT}, /* self-test only: not in --help */
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One entry as JSON: version, name, state, checksum match (null when
 * not applied), checksums, applied_at, duration_ms, attempts, error. */
static json_t *entry_json(const struct mp_exec_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(e->version));
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "state", json_string(e->state));
    json_object_set_new(o, "applied", json_boolean(e->applied));
    json_object_set_new(o, "checksum_match", e->checksum && e->m ? json_boolean(strcmp(e->checksum, e->m->checksum) == 0)
                                                                 : json_null());
    json_object_set_new(o, "checksum", e->m ? json_string(e->m->checksum) : json_null());
    json_object_set_new(o, "recorded_checksum", e->checksum ? json_string(e->checksum) : json_null());
    json_object_set_new(o, "applied_at", e->applied_at ? json_string(e->applied_at) : json_null());
    json_object_set_new(o, "duration_ms", e->applied_at ? json_integer(e->ms) : json_null());
    json_object_set_new(o, "attempts", e->attempts ? json_integer(e->attempts) : json_null());
    json_object_set_new(o, "error", e->error ? json_string(e->error) : json_null());
    json_object_set_new(o, "file", e->m && e->m->up.path ? json_string(e->m->up.path) : json_null());
    json_object_set_new(o, "reversible", e->m ? json_boolean(e->m->reversible) : json_null());
    return o;
}

/* `status --format json` / `verify --format json` on stdout: every entry,
 * the counts, and for verify the problems (one string each).  Returns what
 * the text commands return: 0, the number of problems (verify), or a
 * negative error. */
static long status_json(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                        bool verify, struct mp_error *err)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_exec_entry *v;
    size_t n;
    long rc = mp_exec_entries(t, set, cfg, a, &v, &n, err);
    json_t *root = json_object(), *list = json_array();
    size_t napplied = 0, npending = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_array_append_new(list, entry_json(&v[i]));
        if (v[i].m)
            (*(v[i].applied ? &napplied : &npending))++;
    }
    json_object_set_new(root, "database_exists", json_boolean(!mp_target_missing(t)));
    json_object_set_new(root, "format", json_string(mp_migfmt_name(set->format)));
    json_object_set_new(root, "migrations", list);
    json_object_set_new(root, "applied", json_integer((json_int_t)napplied));
    json_object_set_new(root, "pending", json_integer((json_int_t)npending));
    if (!rc && verify) {
        /* the problems as verify words them, one per line */
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem)
            mp_oom();
        rc = mp_exec_verify(t, set, cfg, mem, err);
        fclose(mem);
        json_t *probs = json_array();
        for (char *s = text, *e; rc > 0 && s && *s; s = e ? e + 1 : NULL) {
            e = strchr(s, '\n');
            if (e)
                *e = 0;
            if (e && *s) /* the last line is the count */
                json_array_append_new(probs, json_string(s));
        }
        free(text);
        json_object_set_new(root, "problems", probs);
        json_object_set_new(root, "problem_count", json_integer(rc > 0 ? rc : 0));
    }
    if (rc >= 0) {
        char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(out);
        free(out);
    }
    json_decref(root);
    mp_arena_free(a);
    return rc;
}

/* The canonical schema text of a target (recover.h's mp_schema_text_fn). */
static int schema_text(struct mp_target *t, const char *ignore, char **out, void *payload, struct mp_error *err)
{
    (void)payload;
    struct mp_arena *a = mp_arena_new();
    const char *ig[2] = {ignore, NULL};
    struct mp_schema *s;
    int rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), ig, a, &s, err);
    if (!rc) {
        struct mp_buf b = {0};
        mp_schema_canonical(&b, s, 0);
        *out = mp_xstrdup(mp_buf_str(&b));
        mp_buf_free(&b);
    }
    mp_arena_free(a);
    return rc;
}

/* `recover`: the plan on a scratch database (SQLite in memory, or a scratch
 * schema on the same PostgreSQL server, dropped after), printed, and with
 * `step` carried out.  Returns 0, 1 when there is something to recover and
 * no step was applied, or a negative error. */
static int recover(struct mp_target *t, const char *db, const struct mp_migset *set,
                   const struct mp_exec_config *cfg, size_t step, struct mp_error *err)
{
    struct mp_target *scratch = NULL;
    struct mp_arena *a = mp_arena_new();
    const char *schema = NULL;
    bool pg = mp_target_dialect(t) == MP_POSTGRES;
    int rc = mp_target_open(pg ? db : "sqlite::memory:", &scratch, err);
    if (!rc && pg) {
        schema = mp_arena_printf(a, "migprop_recover_%ld", (long)getpid());
        struct mp_buf q = {0};
        mp_buf_add(&q, "CREATE SCHEMA ");
        mp_buf_ident(&q, schema);
        rc = mp_target_exec(scratch, "(recover)", 1, mp_buf_str(&q), err);
        mp_buf_free(&q);
        if (!rc)
            rc = mp_target_set_schema(scratch, schema, err);
        else
            schema = NULL;
    }
    struct mp_recover_plan plan;
    if (!rc)
        rc = mp_recover_inspect(t, scratch, set, cfg, schema_text, NULL, a, &plan, err);
    if (schema) {
        struct mp_buf q = {0};
        struct mp_error e2 = {0};
        mp_buf_add(&q, "DROP SCHEMA ");
        mp_buf_ident(&q, schema);
        mp_buf_add(&q, " CASCADE");
        mp_target_exec(scratch, "(recover)", 1, mp_buf_str(&q), &e2);
        mp_buf_free(&q);
    }
    mp_target_close(scratch);
    if (!rc) {
        mp_recover_print(stdout, &plan);
        if (step) {
            if (!(rc = mp_recover_apply(t, set, cfg, &plan, step, err)))
                printf("step %zu done: %s\n", step, plan.steps[step - 1].what);
        } else if (plan.m) {
            rc = 1;
        }
    }
    mp_arena_free(a);
    return rc;
}

int mp_cmd_migrate(int argc, char **argv)
{
    const char *dir = MP_MIGRATE_DEFAULT_DIR, *db = getenv("DATABASE_URL");
    /* the jitter of retries differs between runners started together */
    struct mp_exec_config cfg = {.log = stderr,
                                 .lock_timeout_ms = MP_MIGRATE_DEFAULT_LOCK_TIMEOUT * 1000L,
                                 .retries = MP_MIGRATE_DEFAULT_RETRIES,
                                 .retry_max_ms = MP_MIGRATE_DEFAULT_RETRY_MAX_MS,
                                 .retry_seed = (uint64_t)getpid() << 32 ^ (uint64_t)(mp_now() * 1e6)};
    int fmt = MP_MIGFMT_AUTO, c;
    double s;
    uint64_t u, apply_step = 0;
    bool json = false;
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
            if (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0) {
                json = strcmp(optarg, "json") == 0; /* the output's format, never a directory's */
                break;
            }
            if ((fmt = mp_migfmt_parse(optarg)) < 0)
                return mp_cli_error("migrate", "--format: unknown value '%s' (auto, pairs, golang-migrate, single, dbmate, "
                                    "sql-migrate, goose, updown, sqlx, diesel, flyway)", optarg);
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
        case OPT_GROUP:
            cfg.group = true;
            break;
        case OPT_MARK_APPLIED:
            cfg.mark_applied = true;
            break;
        case OPT_ACCEPT_EDITS:
            cfg.accept_edits = true;
            break;
        case OPT_RETRIES:
            if (mp_cli_u64("migrate", "--retries", optarg, 0, MP_MIGRATE_MAX_RETRIES, &u))
                return MP_CLI_USAGE;
            cfg.retries = (unsigned)u;
            break;
        case OPT_APPLY:
            if (mp_cli_u64("migrate", "--apply", optarg, 1, 100, &apply_step))
                return MP_CLI_USAGE;
            break;
        case OPT_RETRY_MAX_MS:
            if (mp_cli_u64("migrate", "--retry-max-ms", optarg, 1, MP_MIGRATE_MAX_RETRY_MAX_MS, &u))
                return MP_CLI_USAGE;
            cfg.retry_max_ms = (long)u;
            break;
        case OPT_QUIET:
            cfg.log = NULL;
            break;
        case OPT_FAULT: {
            /* `migprop selftest` plants a runner fault through runner-check */
            int f = mp_fault_parse(optarg);
            if (f <= 0)
                return mp_cli_error("migrate", "--fault: unknown fault '%s'", optarg);
            cfg.fault = (enum mp_fault)f;
            break;
        }
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
        return mp_cli_error("migrate", "no command given (up, down, to, status, verify, plan, repair, recover, new)");
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
    int status = 0, rc = 0;
    /* a directory that is not there is a mistake, never "nothing to do"
     * (only `new` creates it) */
    struct stat sb;
    if (strcmp(cmd, "new") != 0 && stat(dir, &sb) != 0) {
        status = mp_cli_error("migrate", "%s: %s (the migrations directory; give --dir DIR)", dir, strerror(errno));
        goto out;
    }
    if (strcmp(cmd, "new") != 0 && !S_ISDIR(sb.st_mode)) {
        status = mp_cli_error("migrate", "%s: not a directory (the migrations directory; give --dir DIR)", dir);
        goto out;
    }
    rc = mp_migdir_read(a, dir, (enum mp_migfmt)fmt, &set, &err);
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
    /* a bad tracking-table name is refused before anything is opened or created */
    if (mp_exec_check_table(cfg.table, &err)) {
        status = mp_cli_error("migrate", "--table: %s", err.msg);
        goto out;
    }
    /* status, verify and plan only read: they never create or change the database */
    bool readonly = plan || strcmp(cmd, "status") == 0 || strcmp(cmd, "verify") == 0 ||
                    (strcmp(cmd, "recover") == 0 && !apply_step);
    if (mp_target_open_mode(db, readonly ? MP_TARGET_READONLY : MP_TARGET_READWRITE, &t, &err)) {
        status = mp_cli_error("migrate", "%s", err.msg);
        goto out;
    }
    if (mp_target_missing(t))
        fprintf(stderr, "migprop migrate: no database yet at %s: nothing applied (and nothing created)\n", db);
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
        rc = json ? (int)status_json(t, &set, &cfg, false, &err) : mp_exec_status(t, &set, &cfg, stdout, &err);
    } else if (strcmp(cmd, "verify") == 0) {
        long n = json ? status_json(t, &set, &cfg, true, &err) : mp_exec_verify(t, &set, &cfg, stdout, &err);
        if (n < 0)
            rc = (int)n;
        else
            status = n > 0;
    } else if (strcmp(cmd, "recover") == 0) {
        rc = recover(t, db, &set, &cfg, (size_t)apply_step, &err);
        if (rc > 0) {
            status = rc;
            rc = 0;
        }
    } else { /* repair: known_command() let nothing else through */
        rc = mp_exec_repair(t, &set, &cfg, stdout, &err);
    }
    if (rc) {
        fprintf(stderr, "migprop migrate: %s\n", err.msg);
        status = exit_for(rc);
        if (cfg.fault == MP_FAULT_EXIT_ZERO)
            status = 0; /* self-test fault */
    }
out:
    mp_target_close(t);
    mp_arena_free(a);
    return status;
}
