/* plan_cli.h - `migprop plan`: the solver on its own, from two DDL files. */
#ifndef MP_PLAN_CLI_H
#define MP_PLAN_CLI_H

extern const char mp_plan_usage[];

/* `migprop plan --from FROM.sql --to TO.sql [--renames FILE]
 * --dialect sqlite|postgres [--format sql|dot|json] [--pg-url URL]`.
 * Loads each DDL file into a scratch database of the dialect (SQLite in
 * memory; a rolled-back schema of the disposable cluster or --pg-url),
 * introspects both, diffs them with the hints, plans, and prints the plan
 * on stdout.  Returns the exit status: 0, or 2 for bad input (the message
 * names the file and line, or the object) and unorderable change sets. */
int mp_cmd_plan(int argc, char **argv);

#endif
