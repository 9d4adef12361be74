/* validate.c - `migprop validate`: a live database's schema against what a
 * migration directory builds or an expected schema file, read-only. */
#include "commands.h"
#include "cliopt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "executor.h"
#include "migdir.h"
#include "notvalid.h"
#include "shadow.h"
#include "validate.h"

#define MP_VALIDATE_DEFAULT_TABLE "migprop_migrations"

static const char usage[] =
    "usage: migprop validate --db URL (--dir DIR | --expect-schema FILE) [--format text|json] [--table NAME]\n"
    "\n"
    "Reads the schema of the database at URL (a SQLite file path or sqlite: URL, or a\n"
    "postgres:// URL; read-only: nothing is created or changed there) and compares it with\n"
    "the schema DIR's migrations build (applied to a shadow database: in memory for SQLite,\n"
    "a disposable cluster for PostgreSQL) or with the schema FILE's DDL builds.  Each\n"
    "difference is one line naming the object, with a recommendation:\n"
    "\n"
    "  missing-table, missing-column, missing-index, missing-constraint, extra-table,\n"
    "  extra-column, extra-index, extra-constraint, orphaned-index (on a table or column\n"
    "  the expected schema lacks), column-differs (type, NOT NULL, default), not-valid\n"
    "  (PostgreSQL: a constraint never validated), unmodelled (objects the model does not\n"
    "  hold, compared by description)\n"
    "\n"
    "options:\n"
    "  --db URL                    the database to validate\n"
    "  --dir DIR                   the migrations it should be at (any format `migprop migrate` reads)\n"
    "  --expect-schema FILE        or: the schema it should have, as a DDL file of its dialect\n"
    "  --format text|json          lines (default) or one JSON object {findings, unmodelled, clean}\n"
    "  --table NAME                the migration runner's tracking table, left out\n"
    "                              (default " MP_VALIDATE_DEFAULT_TABLE ")\n"
    "  -h, --help                  print this help\n"
    "\n"
    "exit status: 0 the schemas agree, 1 findings, 2 bad input (the file or URL named)\n";

enum { OPT_DB = 256, OPT_DIR, OPT_EXPECT, OPT_FORMAT, OPT_TABLE };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"dir", required_argument, NULL, OPT_DIR},
    {"expect-schema", required_argument, NULL, OPT_EXPECT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"table", required_argument, NULL, OPT_TABLE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_json(const struct mp_validate_result *r)
{
    json_t *o = json_object(), *arr = json_array(), *um = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "kind", json_string(r->v[i].kind));
        json_object_set_new(f, "object", json_string(r->v[i].object));
        json_object_set_new(f, "message", json_string(r->v[i].message));
        json_object_set_new(f, "fix", json_string(r->v[i].fix));
        json_array_append_new(arr, f);
    }
    for (size_t i = 0; i < r->nunmodelled; i++)
        json_array_append_new(um, json_string(r->unmodelled[i]));
    json_object_set_new(o, "findings", arr);
    json_object_set_new(o, "unmodelled", um);
    json_object_set_new(o, "clean", json_boolean(r->n == 0));
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text)
        mp_oom();
    printf("%s\n", text);
    free(text);
    json_decref(o);
}

int mp_cmd_validate(int argc, char **argv)
{
    static const char *const formats[] = {"text", "json", NULL};
    const char *url = NULL, *dir = NULL, *expect = NULL, *table = MP_VALIDATE_DEFAULT_TABLE;
    bool json = false;
    int opt, k;
    mp_cli_getopt_begin();
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DB:
            url = optarg;
            break;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_EXPECT:
            expect = optarg;
            break;
        case OPT_FORMAT:
            if (mp_cli_choice("validate", "--format", optarg, formats, &k))
                return MP_CLI_USAGE;
            json = k == 1;
            break;
        case OPT_TABLE:
            table = optarg;
            break;
        default:
            return mp_cli_bad_option("validate", opt, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("validate", argv[optind]);
    if (!url)
        return mp_cli_error("validate", "which database? (--db URL, see migprop validate --help)");
    if (!dir == !expect)
        return mp_cli_error("validate", "give one of --dir DIR and --expect-schema FILE");
    int d = mp_target_url_dialect(url);
    if (d < 0)
        return mp_cli_error("validate", "--db %s: not a SQLite path or PostgreSQL URL", url);
    struct stat sb;
    if (dir && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        return mp_cli_error("validate", "--dir %s: not a directory", dir);
    if (expect && (stat(expect, &sb) != 0 || !S_ISREG(sb.st_mode)))
        return mp_cli_error("validate", "--expect-schema %s: no such file", expect);

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_target *x = NULL;
    struct mp_backend *b = NULL;
    int status = 2;
    /* the live schema first: read-only, nothing created */
    if (mp_target_open_mode(url, MP_TARGET_READONLY, &x, &err)) {
        mp_cli_error("validate", "--db %s: %s", url, err.msg);
        goto out;
    }
    if (mp_target_missing(x)) {
        mp_cli_error("validate", "--db %s: no such database file", url);
        goto out;
    }
    const char *ignore[] = {table, NULL};
    struct mp_schema *live = NULL, *want = NULL;
    const char **not_valid = NULL;
    size_t nnot = 0;
    if (mp_introspect_conn((enum mp_dialect)d, mp_target_conn(x), ignore, a, &live, &err) ||
        (d == MP_POSTGRES && mp_pg_not_valid(mp_target_conn(x), a, &not_valid, &nnot, &err))) {
        mp_cli_error("validate", "--db %s: %s", url, err.msg);
        goto out;
    }
    /* the expected schema in a shadow database of our own */
    struct mp_backend_config bc = {.quiet = true};
    if (mp_backend_open((enum mp_dialect)d, &bc, &b, &err)) {
        mp_cli_error("validate", "the shadow database: %s", err.msg);
        goto out;
    }
    if (dir) {
        struct mp_migset set;
        if (mp_migdir_read(a, dir, MP_MIGFMT_AUTO, &set, &err) || mp_shadow_history(b, a, &set, &want, &err)) {
            mp_cli_error("validate", "--dir %s: %s", dir, err.msg);
            goto out;
        }
    } else if (mp_shadow_load_ddl(b, a, expect, &want, &err)) {
        mp_cli_error("validate", "--expect-schema %s: %s", expect, err.msg);
        goto out;
    }
    struct mp_validate_result r = {0};
    mp_validate_compare(a, (enum mp_dialect)d, want, live, dir != NULL, not_valid, nnot, &r);
    if (json) {
        print_json(&r);
    } else {
        for (size_t i = 0; i < r.n; i++)
            printf("%s: %s; %s\n", r.v[i].kind, r.v[i].message, r.v[i].fix);
        for (size_t i = 0; i < r.nunmodelled; i++)
            printf("unmodelled object seen: %s\n", r.unmodelled[i]);
        if (r.n)
            printf("%s: %zu finding%s against %s\n", url, r.n, r.n == 1 ? "" : "s", dir ? dir : expect);
        else
            printf("%s: clean against %s (%zu table%s)\n", url, dir ? dir : expect, want->ntables,
                   want->ntables == 1 ? "" : "s");
    }
    status = r.n ? 1 : 0;
out:
    mp_backend_close(b);
    mp_target_close(x);
    mp_arena_free(a);
    return status;
}
