/* plan.c - `migprop plan`: the migration between two DDL files or a case file. */
#include "commands.h"
#include "cliopt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "diff.h"
#include "engine.h"
#include "sql.h"
#include "executor.h"
#include "plan.h"
#include "shadow.h"
#include "text.h"

static const char usage[] =
    "usage: migprop plan --from FROM.sql --to TO.sql --dialect sqlite|postgres\n"
    "                    [--renames FILE] [--format sql|dot|json|from-ddl|to-ddl]\n"
    "                    [--pg-url URL] [--ignore-unmodelled] [--fail-on-data-loss]\n"
    "       migprop plan --case FILE.case --dialect sqlite|postgres [--format ...]\n"
    "\n"
    "Loads FROM and TO into scratch databases of the dialect (SQLite in memory;\n"
    "PostgreSQL: a disposable cluster, or --pg-url / DATABASE_URL, in a schema that\n"
    "is rolled back), reads both schemas back, and prints the migration from FROM\n"
    "to TO: a SQL script with a comment per step saying what it waits for (sql),\n"
    "the dependency graph for Graphviz (dot), or the plan as data (json);\n"
    "from-ddl / to-ddl print either schema as DDL of the dialect.  --case takes\n"
    "both schemas and the hints from a case file instead.\n"
    "\n"
    "options:\n"
    "  --from FILE, --to FILE      the DDL of the schema now and of the schema wanted\n"
    "  --case FILE                 both schemas and the rename hints from a case file\n"
    "  --renames FILE              rename hints (below)\n"
    "  --dialect sqlite|postgres   the database the plan is for (postgresql: the same)\n"
    "  --format F                  sql, dot, json, from-ddl or to-ddl (default sql)\n"
    "  --pg-url URL                the PostgreSQL server for the scratch schema (default\n"
    "                              DATABASE_URL when it names PostgreSQL, else a\n"
    "                              disposable cluster)\n"
    "  --ignore-unmodelled         plan although FROM or TO holds objects migprop does\n"
    "                              not model (CHECK, partitioned tables, partial indexes\n"
    "                              ...; README \"What migprop models\"): they are left\n"
    "                              out of the plan and listed as -- not modelled:\n"
    "                              comments; without it such a schema is refused (2)\n"
    "  --fail-on-data-loss         exit 1 when a step drops a table or a column (the\n"
    "                              script still prints; such steps carry a\n"
    "                              -- DATA LOSS: comment either way)\n"
    "  -h, --help                  print this help\n"
    "\n"
    "Rename hints (without one, a renamed object is a drop plus a create):\n"
    "    table <old> <new>\n"
    "    column <table as in FROM> <old> <new>\n"
    "    index <table as in FROM> <old> <new>\n"
    "names as SQL identifiers (double-quoted when needed), # comments.\n"
    "\n"
    "exit status: 0 planned, 1 data loss with --fail-on-data-loss, 2 bad input, objects migprop does not model, or a\n"
    "change set that cannot be ordered\n";

static void dot_string(struct mp_buf *b, const char *s)
{
    mp_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            mp_buf_addc(b, '\\');
        if (*s == '\n')
            mp_buf_add(b, "\\l");
        else
            mp_buf_addc(b, *s);
    }
    mp_buf_addc(b, '"');
}

static const char *step_line(struct mp_arena *a, const struct mp_step *st)
{
    struct mp_buf d = {0};
    mp_op_describe(&d, &st->op);
    char *nl = strchr(d.s, '\n');
    if (nl)
        *nl = 0;
    const char *r = mp_arena_strdup(a, d.s);
    mp_buf_free(&d);
    return r;
}

static void print_dot(struct mp_arena *a, const struct mp_plan *p)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "digraph plan {\n  // migprop plan, %s, %zu steps\n  rankdir=TB;\n"
                      "  node [shape=box, fontname=\"monospace\", fontsize=10];\n",
                  mp_dialect_name(p->dialect), p->n);
    for (size_t i = 0; i < p->n; i++) {
        mp_buf_printf(&b, "  s%zu [label=", i + 1);
        dot_string(&b, mp_arena_printf(a, "%zu: %s", i + 1, step_line(a, &p->steps[i])));
        mp_buf_add(&b, "];\n");
    }
    for (size_t i = 0; i < p->ndeps; i++) {
        mp_buf_printf(&b, "  s%zu -> s%zu [label=", p->deps[i].from + 1, p->deps[i].to + 1);
        dot_string(&b, p->deps[i].why);
        mp_buf_add(&b, ", fontsize=9];\n");
    }
    mp_buf_add(&b, "}\n");
    fputs(mp_buf_str(&b), stdout);
    mp_buf_free(&b);
}

static void print_json(struct mp_arena *a, const struct mp_plan *p)
{
    json_t *root = json_object();
    json_object_set_new(root, "dialect", json_string(mp_dialect_name(p->dialect)));
    json_object_set_new(root, "foreign_keys_off", json_boolean(p->dialect == MP_SQLITE && p->sqlite_fk_off));
    json_t *steps = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct mp_step *st = &p->steps[i];
        json_t *o = json_object();
        json_object_set_new(o, "step", json_integer((json_int_t)i + 1));
        json_object_set_new(o, "operation", json_string(mp_op_kind_name(st->op.kind)));
        json_object_set_new(o, "description", json_string(step_line(a, st)));
        json_object_set_new(o, "table", json_string(st->op.table ? st->op.table : ""));
        json_t *after = json_array();
        for (size_t k = 0; k < p->ndeps; k++)
            if (p->deps[k].to == i) {
                json_t *d = json_object();
                json_object_set_new(d, "step", json_integer((json_int_t)p->deps[k].from + 1));
                json_object_set_new(d, "reason", json_string(p->deps[k].why));
                json_array_append_new(after, d);
            }
        json_object_set_new(o, "after", after);
        json_object_set_new(o, "sql", json_string(st->sql));
        json_array_append_new(steps, o);
    }
    json_object_set_new(root, "steps", steps);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (!text)
        mp_oom();
    printf("%s\n", text);
    free(text);
    json_decref(root);
}

enum { OPT_FROM = 256, OPT_TO, OPT_RENAMES, OPT_DIALECT, OPT_FORMAT, OPT_PG_URL, OPT_CASE, OPT_IGNORE_UNMODELLED, OPT_FAIL_ON_DATA_LOSS };

static const struct option longopts[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"renames", required_argument, NULL, OPT_RENAMES},
    {"dialect", required_argument, NULL, OPT_DIALECT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"case", required_argument, NULL, OPT_CASE},
    {"ignore-unmodelled", no_argument, NULL, OPT_IGNORE_UNMODELLED},
    {"fail-on-data-loss", no_argument, NULL, OPT_FAIL_ON_DATA_LOSS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int mp_cmd_plan(int argc, char **argv)
{
    static const char *const dialects[] = {"sqlite", "postgres", "postgresql", NULL};
    static const char *const formats[] = {"sql", "dot", "json", "from-ddl", "to-ddl", NULL};
    const char *from = NULL, *to = NULL, *renames = NULL, *format = "sql", *pg_url = NULL;
    const char *casefile = NULL;
    bool have_dialect = false, ignore_unmodelled = false, fail_on_loss = false;
    enum mp_dialect d = MP_SQLITE;
    int opt, k;
    mp_cli_getopt_begin();
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_FROM:
            from = optarg;
            break;
        case OPT_TO:
            to = optarg;
            break;
        case OPT_RENAMES:
            renames = optarg;
            break;
        case OPT_DIALECT:
            if (mp_cli_choice("plan", "--dialect", optarg, dialects, &k))
                return MP_CLI_USAGE;
            d = k == 0 ? MP_SQLITE : MP_POSTGRES;
            have_dialect = true;
            break;
        case OPT_FORMAT:
            if (mp_cli_choice("plan", "--format", optarg, formats, &k))
                return MP_CLI_USAGE;
            format = formats[k];
            break;
        case OPT_PG_URL:
            pg_url = optarg;
            break;
        case OPT_CASE:
            casefile = optarg;
            break;
        case OPT_IGNORE_UNMODELLED:
            ignore_unmodelled = true;
            break;
        case OPT_FAIL_ON_DATA_LOSS:
            fail_on_loss = true;
            break;
        default:
            return mp_cli_bad_option("plan", opt, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("plan", argv[optind]);
    if (!have_dialect || (casefile ? (from || to || renames) : (!from || !to)))
        return mp_cli_error("plan", "give --from, --to (and --renames) or --case, and --dialect (see migprop plan --help)");
    if (!pg_url)
        pg_url = mp_cli_pg_env();

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_renames hints = {0};
    int rc = 0;
    if (renames) {
        char *text = mp_read_text(renames, &err);
        rc = text ? mp_renames_parse(a, text, renames, 1, &hints, &err) : MP_EIO;
        free(text);
    }
    struct mp_schema *s_from = NULL, *s_to = NULL;
    if (casefile) {
        struct mp_case c;
        if (!(rc = mp_casefile_read(a, casefile, &c, &err))) {
            s_from = c.start;
            s_to = c.desired;
            hints = c.renames;
            from = mp_arena_printf(a, "%s [start]", casefile);
            to = mp_arena_printf(a, "%s [desired]", casefile);
        }
    } else {
        struct mp_backend *b = NULL;
        struct mp_backend_config cfg = {.pg_url = pg_url, .quiet = true};
        if (!rc)
            rc = mp_backend_open(d, &cfg, &b, &err);
        if (!rc)
            rc = mp_shadow_load_ddl(b, a, from, &s_from, &err);
        if (!rc)
            rc = mp_shadow_load_ddl(b, a, to, &s_to, &err);
        mp_backend_close(b);
    }
    if (rc) {
        mp_cli_error("plan", "%s", err.msg);
        mp_arena_free(a);
        return 2;
    }
    if (mp_cli_refuse_unmodelled("plan", from, s_from, ignore_unmodelled) ||
        mp_cli_refuse_unmodelled("plan", to, s_to, ignore_unmodelled)) {
        mp_arena_free(a);
        return 2;
    }
    if (!rc && (strcmp(format, "from-ddl") == 0 || strcmp(format, "to-ddl") == 0)) {
        struct mp_buf out = {0};
        mp_sql_schema(&out, strcmp(format, "from-ddl") == 0 ? s_from : s_to, d, MP_FAULT_NONE);
        fputs(mp_buf_str(&out), stdout);
        mp_buf_free(&out);
        mp_arena_free(a);
        return 0;
    }
    struct mp_changeset cs = {0};
    struct mp_plan *p = NULL;
    if (!rc && (rc = mp_diff(a, s_from, s_to, &hints, d, &cs, &err)))
        mp_error_prefix(&err, "%s -> %s: ", from, to);
    if (!rc && (rc = mp_plan_build(a, s_from, &cs, d, NULL, &p, &err)))
        mp_error_prefix(&err, "%s -> %s: ", from, to);
    if (rc) {
        mp_cli_error("plan", "%s", err.msg);
        mp_arena_free(a);
        return 2;
    }
    if (strcmp(format, "dot") == 0) {
        print_dot(a, p);
    } else if (strcmp(format, "json") == 0) {
        print_json(a, p);
    } else {
        struct mp_buf out = {0};
        if (casefile)
            mp_buf_printf(&out, "-- migprop plan --case %s --dialect %s\n", casefile, mp_dialect_name(d));
        else
            mp_buf_printf(&out, "-- migprop plan --from %s --to %s%s%s --dialect %s\n", from, to,
                          renames ? " --renames " : "", renames ? renames : "", mp_dialect_name(d));
        mp_cli_unmodelled_comments(&out, s_from);
        mp_cli_unmodelled_comments(&out, s_to);
        mp_plan_script(&out, p);
        fputs(mp_buf_str(&out), stdout);
        mp_buf_free(&out);
    }
    int status = 0;
    for (size_t i = 0; fail_on_loss && i < p->n; i++) {
        const char *loss = mp_plan_step_data_loss(a, p, i);
        if (loss) {
            fprintf(stderr, "migprop plan: step %zu loses data: %s\n", i + 1, loss);
            status = 1;
        }
    }
    mp_arena_free(a);
    return status;
}
