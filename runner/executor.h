/* executor.h - migprop's migration runner (`migprop migrate`).
 *
 * Applies the migrations of a directory (migdir.h) to a database and keeps a
 * tracking table, by default "migprop_migrations":
 *   version TEXT PRIMARY KEY  canonical version (migdir.h)
 *   name TEXT                 the migration's name
 *   checksum TEXT             SHA-256 of the up section's bytes, hex
 *   applied_at                when it finished (PostgreSQL timestamptz,
 *                             SQLite ISO-8601 text, UTC)
 *   execution_time_ms BIGINT  time its statements took (the last try)
 *   status TEXT               'applied'; 'failed' (a transactional migration
 *                             failed and was rolled back: the database is as
 *                             before it, the next `up` runs it again);
 *                             'running' / 'dirty' (a migration outside a
 *                             transaction started and did not finish, or
 *                             failed: later runs refuse until `repair`)
 *   error_message TEXT        the database's message for failed/dirty
 *   attempts INTEGER          tries the last run took: 1 + its retries
 * A table of the first shape (execution_ms, error, no attempts) is
 * upgraded in place by the first command that writes.
 *
 * Each transactional migration runs in one transaction with its tracking
 * row; its SQL goes to the database whole, split by the database's own
 * parser (libpq simple query protocol; sqlite3_prepare_v2 and its tail).
 * A migration outside a transaction commits a 'running' row first, runs its
 * statements one at a time (PostgreSQL refuses CREATE INDEX CONCURRENTLY in
 * a multi-statement query string; statement boundaries from sqlscan.h) and
 * turns the row 'applied' after.
 *
 * Concurrency: PostgreSQL takes a session advisory lock keyed on the
 * schema-qualified tracking table (pg_advisory_lock, waited for at most the
 * lock timeout through lock_timeout; PostgreSQL docs "Advisory Locks");
 * SQLite takes an flock(2) on the database file for the run and runs each
 * migration in BEGIN IMMEDIATE with a busy timeout, re-reading the applied
 * set under the lock (SQLite docs "BEGIN TRANSACTION").
 *
 * The code lives in target.c (connections), statement.c (running SQL),
 * lock.c, tracking.c (the tracking table, checksums) and apply.c (the
 * commands below); include/migprop/runner.h is the public API over them
 * (api.c, migset.c).  The runner includes base/ only: reading a target's
 * schema is db/'s job (mp_introspect_conn on mp_target_conn()). */
#ifndef MP_EXECUTOR_H
#define MP_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "dialect.h"
#include "error.h"
#include "fault.h"
#include "migdir.h"

struct mp_target;

/* How a target is opened: read-only commands (status, verify, plan,
 * schema) never create or change anything. */
enum mp_target_mode { MP_TARGET_READWRITE, MP_TARGET_READONLY };

/* The dialect `url` names (MP_SQLITE, MP_POSTGRES), or -1 when it is no
 * database URL.  SQLite: "sqlite:PATH", "sqlite3:PATH", "sqlite://PATH",
 * "sqlite:///ABS/PATH" (each with an optional "?query"), "file:..." URIs
 * (SQLite's own URI syntax) and a plain path; PostgreSQL: "postgres://...",
 * "postgresql://..." and libpq keyword strings (anything else holding '=').
 * Another "scheme://" is -1. */
int mp_target_url_dialect(const char *url);

/* Connect to `url` (forms: mp_target_url_dialect()).  SQLite opens through
 * SQLite's URI handling (SQLITE_OPEN_URI; "sqlite:app.db?x=y" is the file
 * app.db with query x=y, never a file of that literal name).  Read-only:
 * SQLite opens with SQLITE_OPEN_READONLY, and a file that does not exist is
 * an empty in-memory stand-in (mp_target_missing(), nothing created);
 * PostgreSQL sessions get default_transaction_read_only = on.  MP_EINVAL
 * for a URL of neither kind, MP_EIO when the connection fails (libpq's or
 * SQLite's message, naming the file).  *out is freed with
 * mp_target_close(). */
int mp_target_open_mode(const char *url, enum mp_target_mode mode, struct mp_target **out, struct mp_error *err);

/* mp_target_open_mode(url, MP_TARGET_READWRITE, ...): creates a missing
 * SQLite file. */
int mp_target_open(const char *url, struct mp_target **out, struct mp_error *err);

/* Was the target opened read-only on a SQLite file that does not exist? */
bool mp_target_missing(const struct mp_target *t);

/* PostgreSQL: work in schema `schema` from now on (SET search_path); the
 * tracking table and the lock key follow it.  No-op on SQLite. */
int mp_target_set_schema(struct mp_target *t, const char *schema, struct mp_error *err);

/* Wrap a connection the caller keeps owning: a sqlite3 * or a PGconn *.
 * `nested`: the connection is inside a transaction the caller owns (a
 * trial's schema): migrations then run in savepoints and no lock is taken. */
struct mp_target *mp_target_wrap(enum mp_dialect d, void *conn, bool nested);

/* Close (the connection too, unless wrapped). NULL-safe. */
void mp_target_close(struct mp_target *t);

enum mp_dialect mp_target_dialect(const struct mp_target *t);

/* The target's connection: a sqlite3 * (MP_SQLITE) or a PGconn *
 * (MP_POSTGRES), still owned by the target (or by whoever wrapped it).  To
 * read the target's schema: mp_introspect_conn(mp_target_dialect(t),
 * mp_target_conn(t), ignore, ...) of db/backend.h, with the tracking table
 * in `ignore`. */
void *mp_target_conn(struct mp_target *t);

/* Run the SQL text `sql` (from file `path`, its first line being line
 * `line`) on the target, whole, through the database's own statement
 * splitting.  MP_EDB with "PATH:LINE: message" naming the failing
 * statement's line. */
int mp_target_exec(struct mp_target *t, const char *path, long line, const char *sql, struct mp_error *err);

/* What a hook is told (mp_exec_config.hook). */
enum mp_exec_event {
    MP_EXEC_BEFORE, /* a migration starts: it is pending under the lock, its statements come next */
    MP_EXEC_AFTER,  /* it finished and its record is committed */
    MP_EXEC_ERROR   /* it failed (rolled back, or dirty outside a transaction) */
};

struct mp_exec_event_info {
    const struct mp_migration *m;
    bool up;             /* applied (true) or reverted */
    double ms;           /* time of its statements; 0 for MP_EXEC_BEFORE */
    const char *error;   /* MP_EXEC_ERROR: the message ("FILE:LINE: ..."), else NULL */
};

/* Called by the executor for each migration it runs (never in a dry run,
 * never for one another runner applied meanwhile): BEFORE, then exactly
 * one of AFTER or ERROR.  Runs inside the migration's transaction (BEFORE)
 * or just after it (AFTER, ERROR): it must not use the connection. */
typedef void (*mp_exec_hook_fn)(enum mp_exec_event ev, const struct mp_exec_event_info *info, void *payload);

struct mp_exec_config {
    const char *table;          /* tracking table; NULL: "migprop_migrations" */
    long lock_timeout_ms;       /* 0: 60000 */
    bool allow_out_of_order;    /* apply a pending migration older than the newest applied */
    bool dry_run;               /* print what would run, run nothing */
    bool mark_applied;          /* repair: dirty/failed records become 'applied' instead of being cleared */
    bool accept_edits;          /* repair: applied migrations whose file changed get the file's checksum */
    /* up: the pending migrations in one transaction, committed once (all
     * or none; Flyway's `group`): one commit instead of one per migration.
     * A migration outside a transaction, or a SQLite one that turns
     * foreign keys off, is MP_EINVAL before anything runs; a failure rolls
     * back the whole group (MP_EDB, its record 'failed').  No retries. */
    bool group;
    /* Retries of a transactional migration that failed for a transient
     * reason (retry.c: serialization failure, deadlock, lock timeout,
     * shutdown, lost connection, SQLITE_BUSY): at most `retries` more
     * tries (0: none, the library's default; `migprop migrate` passes 3),
     * waiting exponentially longer with jitter, at most `retry_max_ms`
     * (0: 5000) each; `retry_seed` seeds the jitter.  A migration outside a
     * transaction is never retried (it may have half run). */
    unsigned retries;
    long retry_max_ms;
    uint64_t retry_seed;
    FILE *log;                  /* one line per migration run (NULL: silent) */
    /* Fault injection (the atomic_on_kill property): the process kills
     * itself with SIGKILL inside the k-th migration it runs (1-based; 0 =
     * never), after the migration's statements ran and before its tracking
     * row and commit (`kill_before_commit`), or right after the commit
     * (`kill_after_commit`). */
    long kill_before_commit, kill_after_commit;
    /* `migprop selftest` only: a planted runner fault (fault.h: no-lock,
     * split-semicolon, no-transaction, no-record, pragma-in-transaction);
     * MP_FAULT_NONE (0) in every normal run. */
    enum mp_fault fault;
    /* Optional: progress callbacks (the public API's hooks). */
    mp_exec_hook_fn hook;
    void *hook_payload;
};

/* What a run did. */
struct mp_exec_report {
    size_t applied, reverted;   /* migrations run up / down */
    long failed;                /* index in the set of the migration that failed, or -1 */
    long failed_line;           /* line (in its file) of the statement that failed; 0 when
                                 * the failure was not a statement's (commit, FK check, lock) */
    double ms;                  /* wall time of the migrations' SQL */
    size_t planned;             /* dry run: migrations that would run */
};

/* MP_EINVAL with a message when `table` (NULL: the default) cannot name
 * the tracking table: empty, more than 63 bytes (PostgreSQL keeps no more
 * of an identifier) or holding a control character.  Every run checks it;
 * a command line checks it before it opens the database. */
int mp_exec_check_table(const char *table, struct mp_error *err);

/* Apply pending migrations in version order, up to and including
 * `target` (NULL: all).  Before anything runs: dirty state, changed and
 * missing applied migrations, and out-of-order pending ones are errors
 * (MP_EPRECOND naming the file and, for a change, both checksums).  A
 * failing migration: MP_EDB with "FILE:LINE: message" (the line of the
 * failing statement), its work rolled back and the failure recorded;
 * earlier migrations of the run stay applied.  A migration whose own
 * transaction control would end the runner's transaction (a COMMIT that
 * is not the end of a whole BEGIN; ...; COMMIT; file, SAVEPOINT, SQLite
 * PRAGMA foreign_keys inside the transaction) is MP_EINVAL "FILE:LINE: ..."
 * before anything of the run is applied; a SQLite DROP TABLE of a table
 * another table references, with foreign keys on, is MP_EINVAL when its
 * migration's turn comes, nothing of it run or recorded (rules in
 * runner_int.h, mp_section_txcheck() and mp_section_fkcheck()). */
int mp_exec_up(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *target, struct mp_exec_report *rep, struct mp_error *err);

/* As mp_exec_up() with no target, applying at most the first `n` pending
 * migrations (in version order). */
int mp_exec_up_steps(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, size_t n,
                     struct mp_exec_report *rep, struct mp_error *err);

/* Revert the newest `n` applied migrations, newest first.  Refuses (MP_EPRECOND,
 * nothing reverted) when one of them is irreversible or has no file. */
int mp_exec_down(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                 size_t n, struct mp_exec_report *rep, struct mp_error *err);

/* Move to `version`: revert applied migrations newer than it, apply pending
 * ones up to it.  "0" reverts everything.  MP_EINVAL for an unknown version. */
int mp_exec_to(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *version, struct mp_exec_report *rep, struct mp_error *err);

/* One line of `status`: a migration of the set, or a record whose
 * migration is gone (m NULL).  Strings belong to the arena given to
 * mp_exec_entries(). */
struct mp_exec_entry {
    const char *version;    /* the migration's raw_version, or the record's version */
    const char *name;
    const char *state;      /* "pending", "applied", "changed" (applied, checksum differs), "failed",
                             * "running", "dirty", or "no file" */
    const char *applied_at; /* the record's (ISO-8601 UTC), NULL when there is none */
    const char *checksum;   /* the record's, NULL when there is none */
    const char *error;      /* the record's error, NULL when none */
    long ms;                /* the record's execution time (ms), 0 when none */
    long attempts;          /* the record's tries, 0 when none */
    bool applied;           /* the record says 'applied' (also for "changed" and "no file") */
    const struct mp_migration *m;
};

/* The migrations of `set` in order, then the records without a migration,
 * into *out (n entries, in `a`).  Takes and releases the lock as every
 * command does; errors are those of reading the tracking table. */
int mp_exec_entries(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                    struct mp_arena *a, struct mp_exec_entry **out, size_t *n, struct mp_error *err);

/* Print one line per migration (version, name, state, applied_at) and the
 * applied records whose file is gone.  Returns 0, or the error of
 * mp_exec_entries(). */
int mp_exec_status(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                   FILE *out, struct mp_error *err);

/* Print every problem (changed, missing, out-of-order, failed, dirty) to
 * `out` (NULL: print nothing), running nothing; returns the number of
 * problems, or a negative error code (err set). */
long mp_exec_verify(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                    FILE *out, struct mp_error *err);

/* Count the tracking table's records: *applied with status 'applied',
 * *other in any other status (0 and 0 when the table does not exist). */
int mp_exec_records(struct mp_target *t, const struct mp_exec_config *cfg, size_t *applied, size_t *other,
                    struct mp_error *err);

/* Run a query returning one integer (first row, first column) into *out. */
int mp_target_query_long(struct mp_target *t, const char *sql, long *out, struct mp_error *err);

/* Clear failed and dirty records (or, with cfg->mark_applied, record them
 * as applied with the file's current checksum), printing each to `out`. */
int mp_exec_repair(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                   FILE *out, struct mp_error *err);

/* As mp_exec_repair(); `out` may be NULL (nothing printed) and *repaired
 * (when not NULL) gets the number of records repaired. */
int mp_exec_repair_n(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                     FILE *out, size_t *repaired, struct mp_error *err);

#endif
