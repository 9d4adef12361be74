/* commands.h - the migprop commands, one file each under cli/; main.c
 * dispatches to them.
 *
 * Each takes its own argument vector: argv[0] is the command's name
 * ("check"), the options and arguments follow, argv[argc] is NULL.  Each
 * parses it with getopt_long (cliopt.h: `--opt VALUE` and `--opt=VALUE`,
 * `--` ends the options, -h / --help prints the command's help on stdout
 * and returns 0) and returns the process exit status: 0 ok, 1 a check
 * failed, 2 usage, input or infrastructure error.  cli/ is the top layer: it
 * may include every folder below it (base, solver, generators, db, runner,
 * engine, properties, runnercheck). */
#ifndef MP_COMMANDS_H
#define MP_COMMANDS_H

/* `migprop check [options]` (check.c): random property trials, the fixed
 * case files first; exit 1 when a property failed. */
int mp_cmd_check(int argc, char **argv);

/* `migprop failures list|show HASH|rm HASH...|--all [--failure-db DIR]`
 * (failures.c): the failure database check keeps (faildb.h). */
int mp_cmd_failures(int argc, char **argv);

/* `migprop replay CASE [--backend B] [--properties a,b] [--trace]`
 * (replay.c): run a case file again (property, backend, solver and seed
 * from its [meta]); exit 1 when it still fails, 0 when it passes, 2 for a
 * bad case file.  A .runcase file goes to runnercheck/'s replay. */
int mp_cmd_replay(int argc, char **argv);

/* `migprop selftest [--seed S] [--iterations N] [--backend B]`
 * (selftest.c): every property against deliberately broken variants of
 * the solver and executor (fault.h); TAP, one point per fault and backend;
 * exit 0 only when every fault was caught. */
int mp_cmd_selftest(int argc, char **argv);

/* `migprop plan --from FROM.sql --to TO.sql --dialect D [--renames FILE]
 * [--format F] [--pg-url URL]` or `--case FILE` (plan.c): print the plan
 * between two schemas; exit 2 for bad input (the message names the file
 * and line, or the object) and unorderable change sets. */
int mp_cmd_plan(int argc, char **argv);

/* `migprop migrate [options] COMMAND [ARGS]` (migrate.c): the executor;
 * exit 1 when a migration failed or a check found a problem (nothing
 * half-applied), 2 on usage, configuration or connection errors. */
int mp_cmd_migrate(int argc, char **argv);

/* `migprop schema [--db URL] [--table T] [--ignore a,b] [--names]`
 * (schema.c): print a database's schema in canonical form, tracking table
 * left out; exit 2 on a connection error. */
int mp_cmd_schema(int argc, char **argv);

/* `migprop runner-check (--runner NAME | --adapter FILE) [options]`
 * (runner_check.c): parse the options into a struct mp_runner_check_config
 * and run runnercheck/'s checks; exit 1 for an unexpected finding. */
int mp_cmd_runner_check(int argc, char **argv);

/* `migprop differ-check`: property-test a schema-diff tool (runnercheck/differ.h). */
int mp_cmd_differ_check(int argc, char **argv);

/* `migprop bench [--suite S] [--repeat N] [--format F] [--max-ops N]
 * [--seed S] [--out DIR]` (bench.c): exit 2 on bad usage or an error while
 * measuring. */
int mp_cmd_bench(int argc, char **argv);

/* `migprop cluster [--] CMD [ARGS...]` (cluster.c): run CMD with a
 * disposable PostgreSQL cluster; CMD's exit status, 128+N when it died of
 * signal N, 2 when the cluster cannot start.  Options stop at CMD. */
int mp_cmd_cluster(int argc, char **argv);

/* `migprop lint DIR [--dialect D] [--format text|json] [--order]` (lint.c):
 * static checks over a migration directory (engine/lint.h); exit 1 when a
 * check found an error (--order: a cycle), 2 for an unreadable directory. */
int mp_cmd_lint(int argc, char **argv);

/* `migprop generate --dir DIR --to DESIRED.sql --dialect D [--name N]
 * [--renames FILE] [--allow-data-loss] [--dry-run] [--pg-url URL]`
 * (generate.c): write the next migration of DIR (engine/generate.h); exit 1
 * when it would lose data without --allow-data-loss, 2 for bad input. */
int mp_cmd_generate(int argc, char **argv);

/* `migprop validate`: a live database's schema against a directory or a schema file (validate.c). */
int mp_cmd_validate(int argc, char **argv);

#endif
