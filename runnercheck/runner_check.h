/* runner_check.h - `migprop runner-check`: property-test any migration
 * runner through its command line.
 *
 * An adapter says how to drive a runner: the file layout to write
 * (migdir.h styles), shell command templates for `up` and `down` (one
 * step), the database URL per backend, an optional configuration file to
 * write, and the runner's own tracking tables (left out of schema
 * comparisons).  Placeholders, substituted shell-quoted: {dir} migrations
 * directory, {url} database URL, {path} SQLite file, {dsn} libpq keyword
 * string, {host} {user} {db} PostgreSQL socket directory, user, database,
 * {config} the written configuration file, {dialect} sqlite|postgres,
 * {sqlm} sqlite3|postgres (sql-migrate's names), {migprop} this binary.
 * `up` and `down` are shell commands by design (run with /bin/sh -c, so an
 * adapter may use pipes or environment settings); every substituted value
 * is one single-quoted shell word.  Nothing else runner-check does goes
 * through a shell.  Failure is signalled by a non-zero exit status.
 * Adapter file syntax:
 * "key: value" lines (name, style, up, down, tracking, url-sqlite,
 * url-postgres, config with \n for new lines), '#' comments. */
#ifndef MP_RUNNER_CHECK_H
#define MP_RUNNER_CHECK_H

#include <stdint.h>

/* What mp_runner_check_run() checks and how; the caller sets every field
 * (`migprop runner-check`'s defaults live in cli/runner_check.c). */
struct mp_runner_check_config {
    const char *runner;        /* built-in profile: "migprop", "dbmate", "sql-migrate" */
    const char *adapter_file;  /* or an adapter file (wins over runner); one of the two */
    const char *backend;       /* "sqlite", "postgres" or "all" */
    unsigned long iterations;  /* random histories per backend */
    unsigned sequences;        /* random command sequences per backend */
    uint64_t seed;
    const char *expect_file;   /* accepted findings, lines "runner/backend/check"; NULL: none */
    const char *out_dir;       /* findings are written under here */
    const char *pg_url;        /* PostgreSQL: this server (libpq keywords); NULL: a disposable cluster */
};

/* Run every runner check of `cfg` and print TAP and the findings table on
 * stdout.  Returns the exit status: 0 when every finding is listed in
 * expect_file, 1 otherwise, 2 on setup errors (an unknown runner, an
 * unreadable adapter or expect file, a cluster that does not start). */
int mp_runner_check_run(const struct mp_runner_check_config *cfg);

/* `migprop replay FILE.runcase [--adapter FILE]`: run a shrunk runner
 * command sequence again (the runner named in it, or the adapter given).
 * Exit 1 while the runner still breaks the model, 0 once it keeps it. */
int mp_runner_replay(const char *path, const char *adapter_file);

#endif
