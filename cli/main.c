/* main.c - the migprop command line: one table of commands, and dispatch. */
#include "commands.h"
#include "cliopt.h"

#include <stdio.h>
#include <string.h>

#include "properties.h"

static int cmd_properties(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

/* Every command: its name, the function that runs it (commands.h) and the
 * line `migprop --help` prints for it, in that order. */
static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"check", mp_cmd_check, "run property trials (the main job)"},
    {"replay", mp_cmd_replay, "run a (shrunk) case file again; exit 1 while it fails"},
    {"failures", mp_cmd_failures, "the saved failures check replays first: list, show, rm"},
    {"selftest", mp_cmd_selftest, "prove each property can fail against broken variants of migprop"},
    {"plan", mp_cmd_plan, "plan the migration between two DDL files"},
    {"migrate", mp_cmd_migrate, "run migrations: up, down, to, status, verify, plan, repair, new"},
    {"lint", mp_cmd_lint, "check a migration directory: references, order, destructive and locking steps"},
    {"generate", mp_cmd_generate, "write a directory's next migration from a desired schema"},
    {"validate", mp_cmd_validate, "compare a live database's schema with its migrations or a schema file"},
    {"schema", mp_cmd_schema, "print a database's schema in canonical form"},
    {"runner-check", mp_cmd_runner_check, "property-test a migration runner through its command line"},
    {"differ-check", mp_cmd_differ_check, "property-test a schema-diff tool through its command line"},
    {"bench", mp_cmd_bench, "benchmarks: solver, trials, executor, cluster, shrink"},
    {"cluster", mp_cmd_cluster, "run a command with a disposable PostgreSQL cluster"},
    {"properties", cmd_properties, "list the registered properties"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "print this help, or a command's (migprop help CMD)"},
};

#define NCOMMANDS (sizeof commands / sizeof *commands)

static void print_usage(FILE *out)
{
    fputs("usage: migprop <command> [options]\n"
          "       migprop <command> --help\n"
          "       migprop --version\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-14s%s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options take their value as --opt VALUE or --opt=VALUE; -- ends the options.\n"
          "exit status: 0 ok, 1 a check or property failed, 2 usage or infrastructure error\n",
          out);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static const struct option help_only[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The parsing of a command without options: -h / --help prints `usage`
 * (*done set, returns 0); anything else is a usage error (2); no arguments
 * returns 0 with *done false. */
static int no_options(int argc, char **argv, const char *usage, bool *done)
{
    int c;
    *done = false;
    mp_cli_getopt_begin();
    while ((c = getopt_long(argc, argv, ":h", help_only, NULL)) != -1) {
        if (c != 'h')
            return mp_cli_bad_option(argv[0], c, argv, help_only);
        fputs(usage, stdout);
        *done = true;
        return 0;
    }
    if (optind < argc)
        return mp_cli_extra_argument(argv[0], argv[optind]);
    return 0;
}

static int cmd_properties(int argc, char **argv)
{
    bool done;
    int rc = no_options(argc, argv, "usage: migprop properties\n\nLists the registered properties.\n", &done);
    if (rc || done)
        return rc;
    size_t n;
    const struct mp_property *p = mp_properties(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-20s %s\n", p[i].name, p[i].summary);
    p = mp_properties_optin(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-20s (opt-in: --properties %s) %s\n", p[i].name, p[i].name, p[i].summary);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    bool done;
    int rc = no_options(argc, argv, "usage: migprop version\n       migprop --version\n\nPrints the version.\n", &done);
    if (rc || done)
        return rc;
    printf("migprop %s\n", MIGPROP_VERSION);
    return 0;
}

/* `migprop help [CMD]`: this help, or CMD's (CMD run with --help). */
static int cmd_help(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] != '-') {
        const struct command *c = find_command(argv[1]);
        if (!c)
            return mp_cli_error("help", "unknown command '%s' (see migprop --help)", argv[1]);
        if (argc > 2)
            return mp_cli_extra_argument("help", argv[2]);
        char *args[] = {argv[1], "--help", NULL};
        return c->run(2, args);
    }
    bool done;
    int rc = no_options(argc, argv, "usage: migprop help [CMD]\n\nPrints migprop's commands, or CMD's help.\n", &done);
    if (rc || done)
        return rc;
    print_usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    /* the spellings of help and version as options */
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        argv[1] = "help";
    else if (strcmp(argv[1], "--version") == 0)
        argv[1] = "version";
    const struct command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "migprop: unknown command '%s' (see migprop --help)\n", argv[1]);
        return 2;
    }
    /* the command's argv starts with its own name */
    return c->run(argc - 1, argv + 1);
}
