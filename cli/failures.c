/* failures.c - `migprop failures list|show|rm`: the failure database that
 * `check` keeps (faildb.h). */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefile.h"
#include "faildb.h"

static const char usage[] =
    "usage: migprop failures list [--failure-db DIR]\n"
    "       migprop failures show HASH [--failure-db DIR]\n"
    "       migprop failures rm HASH...|--all [--failure-db DIR]\n"
    "\n"
    "The failure database: every shrunk failure `check` found, saved as DIR/<sha256>.case and\n"
    "replayed first by the next `check`; deleted once it passed " MP_STR(MP_FAILDB_FIXED_AFTER)
    " runs in a row.\n"
    "list prints one line per saved case: its hash, property, backend and passing streak.\n"
    "A HASH may be shortened to any unique prefix.\n"
    "\n"
    "options:\n"
    "  --failure-db DIR                the database (default $MIGPROP_FAILURE_DB, else " MP_FAILDB_DEFAULT_DIR ")\n"
    "  --all                           rm: every saved case\n"
    "  -h, --help                      print this help\n"
    "\n"
    "exit status: 0 done, 1 a HASH matches no saved case, 2 usage or file error\n";

enum { OPT_DB = 256, OPT_ALL };

static const struct option longopts[] = {
    {"failure-db", required_argument, NULL, OPT_DB},
    {"all", no_argument, NULL, OPT_ALL},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The hash of a saved case's path: its file name without ".case". */
static const char *hash_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* The one saved case whose hash starts with `prefix`, or NULL (reported). */
static const char *find(char **v, size_t n, const char *prefix)
{
    const char *hit = NULL;
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < n; i++)
        if (pl && strncmp(hash_of(v[i]), prefix, pl) == 0) {
            if (hit) {
                fprintf(stderr, "migprop failures: '%s' matches more than one saved case\n", prefix);
                return NULL;
            }
            hit = v[i];
        }
    if (!hit)
        fprintf(stderr, "migprop failures: no saved case '%s'\n", prefix);
    return hit;
}

int mp_cmd_failures(int argc, char **argv)
{
    const char *dir = getenv("MIGPROP_FAILURE_DB") && *getenv("MIGPROP_FAILURE_DB") ? getenv("MIGPROP_FAILURE_DB")
                                                                                     : MP_FAILDB_DEFAULT_DIR;
    bool all = false;
    int c, rc = 0;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_DB:
            dir = optarg;
            break;
        case OPT_ALL:
            all = true;
            break;
        default:
            return mp_cli_bad_option("failures", c, argv, longopts);
        }
    }
    if (optind >= argc)
        return mp_cli_error("failures", "which action? (list, show HASH, rm HASH...)");
    const char *action = argv[optind++];
    bool is_list = strcmp(action, "list") == 0, is_show = strcmp(action, "show") == 0,
         is_rm = strcmp(action, "rm") == 0;
    if (!is_list && !is_show && !is_rm)
        return mp_cli_error("failures", "unknown action '%s' (list, show, rm)", action);
    if ((is_list && optind < argc) || (is_show && argc - optind != 1) || (is_rm && (optind < argc) == all) ||
        (all && !is_rm))
        return mp_cli_error("failures", "%s: wrong arguments (see migprop failures --help)", action);
    char **v;
    size_t n;
    struct mp_error e = {0};
    if (mp_faildb_list(dir, &v, &n, &e)) {
        fprintf(stderr, "migprop failures: %s\n", e.msg);
        return 2;
    }
    if (is_list) {
        struct mp_arena *a = mp_arena_new();
        for (size_t i = 0; i < n; i++) {
            struct mp_casefile cf;
            const char *prop = "?", *backend = "?";
            if (mp_casefile_read_full(a, v[i], &cf, &e) == 0) {
                prop = cf.meta.property ? cf.meta.property : "?";
                backend = cf.meta.backend ? cf.meta.backend : "?";
            }
            printf("%.*s  %-20s %-9s passed %lu run%s in a row\n", 64, hash_of(v[i]), prop, backend,
                   mp_faildb_streak(v[i]), mp_faildb_streak(v[i]) == 1 ? "" : "s");
        }
        mp_arena_free(a);
    } else if (is_show) {
        const char *p = find(v, n, argv[optind]);
        char *text = p ? mp_read_text(p, &e) : NULL;
        if (text)
            fputs(text, stdout);
        else if (p)
            fprintf(stderr, "migprop failures: %s\n", e.msg);
        rc = !p ? 1 : text ? 0 : 2;
        free(text);
    } else {
        for (size_t i = 0; all && i < n; i++)
            if (mp_faildb_remove(v[i], &e)) {
                fprintf(stderr, "migprop failures: %s\n", e.msg);
                rc = 2;
            }
        for (int k = optind; !all && k < argc; k++) {
            const char *p = find(v, n, argv[k]);
            if (!p)
                rc = rc ? rc : 1;
            else if (mp_faildb_remove(p, &e)) {
                fprintf(stderr, "migprop failures: %s\n", e.msg);
                rc = 2;
            }
        }
    }
    mp_faildb_list_free(v, n);
    return rc;
}
