/* commands.h - the migprop commands, one file each under cli/; main.c
 * dispatches to them.  Each takes the arguments after its name and returns
 * the process exit status (0 ok, 1 a check failed, 2 usage, input or
 * infrastructure error).  cli/ is the top layer: it may include every
 * folder below it (base, solver, generators, db, runner, engine,
 * properties, runnercheck). */
#ifndef MP_COMMANDS_H
#define MP_COMMANDS_H

#include <stddef.h>

struct mp_property;

/* Usage text of `migprop migrate`. */
extern const char mp_migrate_usage[];

/* Run `migprop migrate` with the arguments after "migrate".  Returns the
 * exit status: 0 done, 1 a migration failed or a check found a problem
 * (nothing half-applied), 2 usage, configuration or connection error. */
int mp_cmd_migrate(int argc, char **argv);

/* `migprop schema --db URL [--table T] [--ignore a,b] [--names]`: print
 * the database's schema in migprop's canonical form (the case-file schema
 * syntax), tracking table left out.  0, or 2 on a connection error. */
int mp_cmd_schema(int argc, char **argv);

extern const char mp_plan_usage[];

/* `migprop plan --from FROM.sql --to TO.sql [--renames FILE]
 * --dialect sqlite|postgres [--format sql|dot|json] [--pg-url URL]`.
 * Loads each DDL file into a scratch database of the dialect (SQLite in
 * memory; a rolled-back schema of the disposable cluster or --pg-url),
 * introspects both, diffs them with the hints, plans, and prints the plan
 * on stdout.  Returns the exit status: 0, or 2 for bad input (the message
 * names the file and line, or the object) and unorderable change sets. */
int mp_cmd_plan(int argc, char **argv);

#include <stddef.h>

struct mp_property;

extern const char mp_bench_usage[];

/* The properties the trials suite runs (ordering_valid and
 * final_schema_equal), handed over by main. */
void mp_bench_set_properties(const struct mp_property *p, size_t n);

/* `migprop bench [--suite solver|all] [--repeat N] [--format table|json|csv]
 * [--max-ops N]`.  Returns the exit status (0, or 2 on bad usage or an
 * error while measuring). */
int mp_cmd_bench(int argc, char **argv);

/* `migprop selftest [--seed S] [--iterations N] [--backend B]`: every
 * property against deliberately broken variants of the solver and
 * executor (solver/fault.h); TAP, one point per fault and backend; exit 0
 * only when every fault was caught. */
int mp_cmd_selftest(int argc, char **argv);

/* `migprop replay CASE [--backend B] [--properties a,b] [--trace]`: run a
 * case file again (property, backend, solver and seed from its [meta]);
 * exit 1 when it still fails, 0 when it passes, 2 for a bad case file. */
int mp_cmd_replay(int argc, char **argv);

#endif
