/* differ.h - `migprop differ-check`: property-test a schema-diff tool (one
 * that reads two schemas and prints the SQL from the first to the second)
 * through its command line.
 *
 * Each trial takes a random FROM/TO pair from migprop's generators (gen.h:
 * a start schema, a desired schema and the renames of its change set),
 * creates FROM with random rows (data.h) and TO in fresh databases of the
 * backend (both live at once), runs the tool, and applies the SQL it
 * printed to FROM in one transaction, stopping at the first error.  The
 * checks (mp_differ_check_list()) compare FROM afterwards with TO and with
 * FROM's rows before.  A failing pair is shrunk through the engine's case
 * shrinker (shrink.h: fewer tables, columns, constraints, changes, rows)
 * and kept under the output directory with FROM.sql, TO.sql, rows.sql,
 * renames.txt, the tool's output and a repro.sh.
 *
 * An adapter file is "key: value" lines ('#' comments):
 *   name        the tool's name (required)
 *   diff        the shell command template (required); its stdout is the SQL
 *   exit_ok     exit statuses that mean success, comma-separated (default 0;
 *               migra's Python original exits 2 when it printed changes)
 *   backends    postgres and/or sqlite (default both)
 *   renames     the template of the rename hint arguments, substituted for
 *               {renames} in `diff` (appended when `diff` has none); absent:
 *               the tool takes no hints
 *   unsupported text in the tool's stdout or stderr saying that it cannot
 *               express the change (with a failing exit: counted apart, no
 *               finding); up to 8 such lines
 *   prelude     output lines up to and including the first that starts with
 *               this text are no SQL (dropped)
 *   postlude    output lines from the first that starts with this text on
 *               are no SQL (dropped)
 *   url-postgres, url-sqlite  the {from_url} / {to_url} form, from {user}
 *               {host} {db} {path} (default postgresql://{user}@/{db}?host={host}
 *               and {path})
 * Placeholders (each value one single-quoted shell word): {from_url}
 * {to_url} the two databases, {from_file} {to_file} their DDL, {renames_file}
 * the hints (migprop plan's syntax: "table OLD NEW", "column TABLE OLD NEW"),
 * {dialect} sqlite|postgres, {migprop} this binary, {host} {user}; the
 * command runs under /bin/sh -c with DATABASE_URL set to {to_url}. */
#ifndef MP_DIFFER_H
#define MP_DIFFER_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"

/* What mp_differ_check_run() checks and how; the caller sets every field
 * (`migprop differ-check`'s defaults live in cli/differ_check.c). */
struct mp_differ_check_config {
    const char *differ;        /* built-in profile: "migra", "migprop" */
    const char *adapter_file;  /* or an adapter file (wins over differ); one of the two */
    const char *backend;       /* "sqlite", "postgres" or "all" */
    unsigned long iterations;  /* random FROM/TO pairs per backend */
    uint64_t seed;
    const char *expect_file;   /* accepted findings, lines "tool/backend/check"; NULL: none */
    const char *out_dir;       /* findings are written under here */
    const char *pg_url;        /* PostgreSQL: this server (libpq keywords); NULL: a disposable cluster */
    const char *checks;        /* comma-separated check names (differ-check --list); NULL: all */
    long shrink_steps;         /* candidates tried per finding (0: none; < 0: the core's default) */
    double shrink_seconds;     /* and the time each finding's shrinking may take (0: the core's 30 s) */
    int format;                /* enum mp_format (report.h): TAP, human or JUnit */
    FILE *out;                 /* the report (NULL: stdout) */
};

/* Print every check's name and one-line description on `out`. */
void mp_differ_check_list(FILE *out);

/* Run the checks of `cfg` and print the report and the findings table.
 * Returns the exit status: 0 when every finding is listed in expect_file,
 * 1 otherwise, 2 on setup errors (an unknown tool or check, an unreadable
 * adapter or expect file, a cluster that does not start). */
int mp_differ_check_run(const struct mp_differ_check_config *cfg);

#endif
