/* lint.c - `migprop lint DIR`: static checks over a migration directory,
 * and the order its references imply. */
#include "commands.h"
#include "cliopt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"

static const char usage[] =
    "usage: migprop lint DIR [--dialect sqlite|postgres] [--format text|json] [--order]\n"
    "\n"
    "Reads every migration of DIR (any format `migprop migrate` reads) and checks, in\n"
    "version order, what each up section creates, alters, drops and references:\n"
    "tables, columns, indexes, constraints, types, functions, views.  PostgreSQL: each\n"
    "statement through PostgreSQL's own parser (libpg_query).  SQLite: the earlier\n"
    "migrations are applied to an in-memory shadow database and each statement of the\n"
    "next one is prepared there.  Each finding is printed as FILE:LINE: severity:\n"
    "message [code].\n"
    "\n"
    "errors:   missing-reference, depends-on-later (created only by a later migration),\n"
    "          cycle, duplicate-version, gap (integer versions), syntax-error, sql-error\n"
    "warnings: destructive (DROP TABLE, DROP COLUMN, a narrowing ALTER TYPE);\n"
    "          PostgreSQL: index-not-concurrent, volatile-default, set-not-null\n"
    "\n"
    "options:\n"
    "  --dialect sqlite|postgres   the database the migrations are for (default postgres)\n"
    "  --format text|json          findings as lines (default) or as a JSON array of\n"
    "                              {file, line, code, severity, message, migration}\n"
    "  --order                     print the dependency order instead (the migrations\n"
    "                              replayed on a model of their objects, keeping the\n"
    "                              declared order where it can): one up file\n"
    "                              per line, then whether it differs from the declared\n"
    "                              order; or the migrations of a cycle\n"
    "  -h, --help                  print this help\n"
    "\n"
    "exit status: 0 no errors (warnings allowed), 1 errors (--order: a cycle), 2 bad input\n";

enum { OPT_DIALECT = 256, OPT_FORMAT, OPT_ORDER };

static const struct option longopts[] = {
    {"dialect", required_argument, NULL, OPT_DIALECT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"order", no_argument, NULL, OPT_ORDER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_json(const struct mp_lint_result *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct mp_lint_finding *f = &r->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "file", json_string(f->file));
        json_object_set_new(o, "line", json_integer(f->line));
        json_object_set_new(o, "code", json_string(f->code));
        json_object_set_new(o, "severity", json_string(mp_lint_severity_name(f->severity)));
        json_object_set_new(o, "message", json_string(f->message));
        json_object_set_new(o, "migration", json_string(f->migration));
        json_array_append_new(arr, o);
    }
    char *text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text)
        mp_oom();
    printf("%s\n", text);
    free(text);
    json_decref(arr);
}

static int print_order(const struct mp_lint_result *r)
{
    const struct mp_migset *set = &r->set;
    if (!r->order) {
        printf("cycle:");
        for (size_t k = 0; k < r->ncycle; k++)
            printf(" %s", set->v[r->cycle[k]].up.path);
        printf("\n");
        return 1;
    }
    for (size_t i = 0; i < set->n; i++)
        printf("%s\n", set->v[r->order[i]].up.path);
    printf(r->order_differs ? "(differs from the declared order)\n" : "(same as the declared order)\n");
    return 0;
}

int mp_cmd_lint(int argc, char **argv)
{
    static const char *const dialects[] = {"sqlite", "postgres", "postgresql", NULL};
    static const char *const formats[] = {"text", "json", NULL};
    enum mp_dialect d = MP_POSTGRES;
    bool json = false, want_order = false;
    const char *dir = NULL;
    int opt, k;
    mp_cli_getopt_begin();
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DIALECT:
            if (mp_cli_choice("lint", "--dialect", optarg, dialects, &k))
                return MP_CLI_USAGE;
            d = k == 0 ? MP_SQLITE : MP_POSTGRES;
            break;
        case OPT_FORMAT:
            if (mp_cli_choice("lint", "--format", optarg, formats, &k))
                return MP_CLI_USAGE;
            json = k == 1;
            break;
        case OPT_ORDER:
            want_order = true;
            break;
        default:
            return mp_cli_bad_option("lint", opt, argv, longopts);
        }
    }
    if (optind < argc)
        dir = argv[optind++];
    if (optind < argc)
        return mp_cli_extra_argument("lint", argv[optind]);
    if (!dir)
        return mp_cli_error("lint", "which directory? (migprop lint DIR, see migprop lint --help)");

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_lint_result r;
    int rc = mp_lint_dir(a, dir, d, NULL, &r, &err);
    if (rc) {
        mp_cli_error("lint", "%s", err.msg);
        mp_arena_free(a);
        return 2;
    }
    int status = r.errors ? 1 : 0;
    if (want_order) {
        status = print_order(&r);
    } else if (json) {
        print_json(&r);
    } else {
        for (size_t i = 0; i < r.n; i++) {
            const struct mp_lint_finding *f = &r.v[i];
            printf("%s:%ld: %s: %s [%s]\n", f->file, f->line, mp_lint_severity_name(f->severity), f->message,
                   f->code);
        }
        printf("%s: %zu migration%s, %zu error%s, %zu warning%s\n", dir, r.set.n, r.set.n == 1 ? "" : "s",
               r.errors, r.errors == 1 ? "" : "s", r.warnings, r.warnings == 1 ? "" : "s");
    }
    mp_arena_free(a);
    return status;
}
