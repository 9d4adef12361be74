/* generate.c - `migprop generate`: the next migration of a directory, from
 * the schema its history builds to a desired schema. */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "generate.h"
#include "text.h"

static const char usage[] =
    "usage: migprop generate --dir DIR --to DESIRED.sql --dialect sqlite|postgres\n"
    "                        [--name NAME] [--renames FILE] [--allow-data-loss]\n"
    "                        [--dry-run] [--pg-url URL]\n"
    "\n"
    "Replays every migration of DIR in a shadow database (SQLite in memory;\n"
    "PostgreSQL: a scratch schema of the disposable cluster, or of --pg-url /\n"
    "DATABASE_URL, dropped afterwards), loads DESIRED.sql into another as\n"
    "`migprop plan` loads --to, and writes only the difference as the next\n"
    "migration of DIR, in DIR's own format (next integer version of the same\n"
    "width, or a UTC timestamp where DIR uses timestamps), with a down planned back\n"
    "from the desired schema.  Steps that drop a table or a column or narrow a type\n"
    "are marked -- DATA LOSS: and refused unless --allow-data-loss.  Nothing to\n"
    "do: prints \"no changes\" and writes nothing.\n"
    "\n"
    "options:\n"
    "  --dir DIR                   the migration directory (any format migrate reads)\n"
    "  --to FILE                   the DDL of the schema wanted\n"
    "  --dialect sqlite|postgres   the database the migrations are for\n"
    "  --name NAME                 the new migration's name (default generated;\n"
    "                              letters, digits, _ and -)\n"
    "  --renames FILE              rename hints, as for migprop plan (without one, a\n"
    "                              renamed object is a drop plus a create)\n"
    "  --allow-data-loss           write the migration even when it loses data\n"
    "  --dry-run                   print the migration instead of writing it\n"
    "  --pg-url URL                the PostgreSQL server for the shadow schema (default\n"
    "                              DATABASE_URL when it starts with postgres, else a\n"
    "                              disposable cluster)\n"
    "  -h, --help                  print this help\n"
    "\n"
    "exit status: 0 written, printed or no changes; 1 refused (data loss);\n"
    "             2 bad input, a failing migration or an unplannable change\n";

enum { OPT_DIR = 256, OPT_TO, OPT_DIALECT, OPT_NAME, OPT_RENAMES, OPT_ALLOW_LOSS, OPT_DRY_RUN, OPT_PG_URL };

static const struct option longopts[] = {
    {"dir", required_argument, NULL, OPT_DIR},
    {"to", required_argument, NULL, OPT_TO},
    {"dialect", required_argument, NULL, OPT_DIALECT},
    {"name", required_argument, NULL, OPT_NAME},
    {"renames", required_argument, NULL, OPT_RENAMES},
    {"allow-data-loss", no_argument, NULL, OPT_ALLOW_LOSS},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"pg-url", required_argument, NULL, OPT_PG_URL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool good_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-'))
            return false;
    return true;
}

/* The files mp_migdir_write() creates for this migration (migdir.h). */
static void print_dry_run(const struct mp_generate_result *r, const char *name)
{
    const char *dir = r->set.dir, *v = r->version;
    const char *down = r->down ? r->down : "";
    switch (r->set.format) {
    case MP_MIGFMT_SINGLE:
        printf("-- %s/%s_%s.sql\n-- migrate:up\n%s\n-- migrate:down\n%s", dir, v, name, r->up, down);
        break;
    case MP_MIGFMT_DIESEL:
        printf("-- %s/%s_%s/up.sql\n%s-- %s/%s_%s/down.sql\n%s", dir, v, name, r->up, dir, v, name, down);
        break;
    default:
        printf("-- %s/%s_%s.up.sql\n%s-- %s/%s_%s.down.sql\n%s", dir, v, name, r->up, dir, v, name, down);
        break;
    }
}

int mp_cmd_generate(int argc, char **argv)
{
    static const char *const dialects[] = {"sqlite", "postgres", "postgresql", NULL};
    const char *dir = NULL, *to = NULL, *name = "generated", *renames = NULL, *pg_url = NULL;
    bool have_dialect = false, allow_loss = false, dry_run = false;
    enum mp_dialect d = MP_SQLITE;
    int opt, k;
    mp_cli_getopt_begin();
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_TO:
            to = optarg;
            break;
        case OPT_DIALECT:
            if (mp_cli_choice("generate", "--dialect", optarg, dialects, &k))
                return MP_CLI_USAGE;
            d = k == 0 ? MP_SQLITE : MP_POSTGRES;
            have_dialect = true;
            break;
        case OPT_NAME:
            if (!good_name(optarg))
                return mp_cli_error("generate", "--name: '%s' is not a migration name (letters, digits, _ and -)",
                                    optarg);
            name = optarg;
            break;
        case OPT_RENAMES:
            renames = optarg;
            break;
        case OPT_ALLOW_LOSS:
            allow_loss = true;
            break;
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        case OPT_PG_URL:
            pg_url = optarg;
            break;
        default:
            return mp_cli_bad_option("generate", opt, argv, longopts);
        }
    }
    if (optind < argc)
        return mp_cli_extra_argument("generate", argv[optind]);
    if (!dir || !to || !have_dialect)
        return mp_cli_error("generate", "give --dir, --to and --dialect (see migprop generate --help)");
    if (!pg_url && getenv("DATABASE_URL") && strncmp(getenv("DATABASE_URL"), "postgres", 8) == 0)
        pg_url = getenv("DATABASE_URL");

    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_renames hints = {0};
    struct mp_backend *b = NULL;
    struct mp_generate_result r;
    int status = 2, rc = 0;
    if (renames) {
        char *text = mp_read_text(renames, &err);
        rc = text ? mp_renames_parse(a, text, renames, 1, &hints, &err) : MP_EIO;
        free(text);
    }
    struct mp_backend_config cfg = {.pg_url = pg_url, .quiet = true};
    if (!rc)
        rc = mp_backend_open(d, &cfg, &b, &err);
    struct mp_generate_config gc = {.dir = dir, .desired = to, .hints = &hints};
    if (!rc)
        rc = mp_generate(a, b, &gc, &r, &err);
    mp_backend_close(b);
    if (rc) {
        mp_cli_error("generate", "%s", err.msg);
        goto out;
    }
    if (!r.steps) {
        printf("no changes\n");
        status = 0;
        goto out;
    }
    if (r.data_loss && !allow_loss) {
        fprintf(stderr, "migprop generate: refused, the migration would lose data (--allow-data-loss to write it):\n%s",
                r.data_loss_text);
        status = 1;
        goto out;
    }
    if (dry_run) {
        print_dry_run(&r, name);
        status = 0;
        goto out;
    }
    const char *path;
    if (mp_migdir_write(a, dir, r.set.format, r.version, name, r.up, r.down, &path, &err)) {
        mp_cli_error("generate", "%s", err.msg);
        goto out;
    }
    printf("%s: %zu step%s%s%s\n", path, r.steps, r.steps == 1 ? "" : "s", r.down ? "" : " (irreversible: no down)",
           r.data_loss ? mp_arena_printf(a, ", %zu losing data", r.data_loss) : "");
    status = 0;
out:
    mp_arena_free(a);
    return status;
}
