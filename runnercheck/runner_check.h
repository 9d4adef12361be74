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

extern const char mp_runner_check_usage[];

/* `migprop runner-check (--runner NAME | --adapter FILE) [--backend B]
 * [--iterations N] [--seed S] [--expect FILE] [--out DIR]`.  Exit 0 when
 * every finding is listed in --expect, 1 otherwise, 2 on usage or setup
 * errors. */
int mp_cmd_runner_check(int argc, char **argv);

/* `migprop replay FILE.runcase [--adapter FILE]`: run a shrunk runner
 * command sequence again (the runner named in it, or the adapter given).
 * Exit 1 while the runner still breaks the model, 0 once it keeps it. */
int mp_runner_replay(const char *path, const char *adapter_file);

#endif
