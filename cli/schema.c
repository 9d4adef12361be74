/* schema.c - `migprop schema`: a live database's schema in canonical form. */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "backend.h"
#include "executor.h"

static const char usage[] =
    "usage: migprop schema [--db URL] [--table NAME] [--ignore t1,t2] [--names]\n"
    "                     [--ignore-unmodelled] [--strict-column-order]\n"
    "\n"
    "Prints the database's schema in migprop's canonical form (the case-file schema\n"
    "syntax), the tracking table left out.\n"
    "\n"
    "options:\n"
    "  --db URL          sqlite:PATH | file:PATH?... | PATH | postgres://... | libpq keywords\n"
    "                    (default $DATABASE_URL); opened read-only\n"
    "  --table NAME      tracking table to leave out (default migprop_migrations)\n"
    "  --ignore t1,t2    also leave out these tables\n"
    "  --names           also print constraint names (as case files do)\n"
    "  --strict-column-order  print columns in table order (default: sorted by\n"
    "                    name, as the planner can only append a column; --names,\n"
    "                    a case file's schema, keeps table order)\n"
    "  --ignore-unmodelled  print the schema although it holds objects migprop\n"
    "                    does not model (then listed as # not modelled: lines);\n"
    "                    without it such a schema is refused (2), naming them\n"
    "  -h, --help        print this help\n"
    "\n"
    "exit status: 0 printed, 2 usage or connection error, or objects migprop does\n"
    "not model\n";

enum { OPT_DB = 256, OPT_TABLE, OPT_IGNORE, OPT_NAMES, OPT_IGNORE_UNMODELLED, OPT_STRICT_ORDER };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"table", required_argument, NULL, OPT_TABLE},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"names", no_argument, NULL, OPT_NAMES},
    {"ignore-unmodelled", no_argument, NULL, OPT_IGNORE_UNMODELLED},
    {"strict-column-order", no_argument, NULL, OPT_STRICT_ORDER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_schema(int argc, char **argv)
{
    const char *db = getenv("DATABASE_URL"), *table = NULL;
    char **ignore = NULL;
    size_t ni = 0;
    int flags = 0, rc = 0, c;
    bool ignore_unmodelled = false, strict_order = false;
    struct mp_target *t = NULL;
    struct mp_arena *a = NULL;
    mp_cli_getopt_begin();
    while (!rc && (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            goto out;
        case OPT_DB:
            db = optarg;
            break;
        case OPT_TABLE:
            table = optarg;
            break;
        case OPT_IGNORE:
            free(ignore);
            rc = mp_cli_list("schema", "--ignore", optarg, &ignore, &ni);
            break;
        case OPT_NAMES:
            flags |= MP_CANON_NAMES;
            break;
        case OPT_IGNORE_UNMODELLED:
            ignore_unmodelled = true;
            break;
        case OPT_STRICT_ORDER:
            strict_order = true;
            break;
        default:
            rc = mp_cli_bad_option("schema", c, argv, longopts);
        }
    }
    if (!rc && optind < argc)
        rc = mp_cli_extra_argument("schema", argv[optind]);
    if (!rc && !db)
        rc = mp_cli_error("schema", "no database: give --db URL or set DATABASE_URL");
    if (rc)
        goto out;
    struct mp_error err = {0};
    /* reading a schema creates nothing: a missing SQLite file is an error */
    if (mp_target_open_mode(db, MP_TARGET_READONLY, &t, &err)) {
        rc = mp_cli_error("schema", "%s", err.msg);
        goto out;
    }
    if (mp_target_missing(t)) {
        rc = mp_cli_error("schema", "%s: no such database file", db);
        goto out;
    }
    a = mp_arena_new();
    struct mp_schema *s;
    /* the tracking table is the runner's bookkeeping, never the user's schema */
    const char **ig = mp_arena_alloc(a, (ni + 2) * sizeof *ig);
    for (size_t i = 0; i < ni; i++)
        ig[i] = ignore[i];
    ig[ni] = table ? table : "migprop_migrations";
    ig[ni + 1] = NULL;
    if (mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), ig, a, &s, &err)) {
        fprintf(stderr, "migprop schema: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    if ((rc = mp_cli_refuse_unmodelled("schema", "the database", s, ignore_unmodelled)))
        goto out;
    struct mp_buf b = {0};
    mp_schema_canonical(&b, s, flags | (strict_order || (flags & MP_CANON_NAMES) ? 0 : MP_CANON_ANY_COLUMN_ORDER));
    fputs(mp_buf_str(&b), stdout);
    mp_buf_free(&b);
out:
    mp_arena_free(a);
    mp_target_close(t);
    free(ignore);
    return rc;
}
