/* migprop/runner.h - migprop's migration runner as a C library.
 *
 * Apply versioned schema migrations to SQLite or PostgreSQL with a
 * tracking table, SHA-256 checksums, one transaction per migration, a
 * lock so that concurrent runners apply each migration once, and dirty
 * state detection; the same runner as `migprop migrate` (see migprop(1)).
 *
 *     #include <migprop/runner.h>
 *     cc app.c $(pkg-config --cflags --libs migprop-runner)
 *
 * Conventions (after libgit2):
 * - Objects are opaque and come from a constructor that writes them
 *   through its first parameter `out`; the caller owns them and releases
 *   them with the matching NULL-safe `_free` function.
 * - Functions that can fail return 0 (MP_RUNNER_OK) or a negative
 *   MP_RUNNER_E* code.  The message of the most recent failure on the
 *   calling thread is then mp_runner_error_last()->message; a successful
 *   call leaves it as it was.
 * - Option structs start with a `version` field: initialise them with
 *   their _INIT macro (or _init function) and set only the fields wanted,
 *   so that a program built against this header keeps working when later
 *   versions add fields.  A NULL options pointer means all defaults.
 * - Strings passed in are copied (except where a function says otherwise);
 *   strings handed out stay valid as long as the object they come from.
 * - A handle is used by one thread at a time; different handles may be
 *   used on different threads.
 *
 * The tracking table (default "migprop_migrations"): version, name,
 * checksum (SHA-256 hex), applied_at, execution_time_ms, status ('applied',
 * 'failed', 'running', 'dirty'), error_message, attempts (a table of the
 * first shape, with execution_ms and error, is upgraded in place).  A migration whose up text changes
 * after it was applied, an applied migration that is no longer in the set,
 * a pending migration older than the newest applied one (unless
 * allow_out_of_order) and a dirty record stop every run before anything
 * executes (MP_RUNNER_EPRECOND). */
#ifndef MIGPROP_RUNNER_H
#define MIGPROP_RUNNER_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the library's API: the only symbols libmigprop-runner.so exports
 * (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#define MP_RUNNER_EXTERN __attribute__((visibility("default")))
#else
#define MP_RUNNER_EXTERN
#endif

/* The library's version, and the version of this header. */
#define MP_RUNNER_VERSION_MAJOR 0
#define MP_RUNNER_VERSION_MINOR 1
#define MP_RUNNER_VERSION_PATCH 0

/* "0.1.0": the version of the library actually linked. */
MP_RUNNER_EXTERN const char *mp_runner_version(void);

/* ---- errors ---- */

/* Return codes (the values of migprop's own MP_E* codes). */
enum {
    MP_RUNNER_OK = 0,
    MP_RUNNER_EINVAL = -1,    /* bad input: an option, a version, a migration set, a URL */
    MP_RUNNER_EPRECOND = -2,  /* the database's state forbids the run (changed, missing,
                               * out-of-order or dirty migrations; irreversible down) */
    MP_RUNNER_EDB = -4,       /* the database refused a statement: a migration failed */
    MP_RUNNER_EIO = -5,       /* a file or the connection could not be used */
    MP_RUNNER_EINTERNAL = -6  /* a bug in the library: an invariant failed */
};

/* The most recent failure on this thread. */
struct mp_runner_error {
    int code;            /* the MP_RUNNER_E* code returned, 0 when nothing failed yet */
    const char *message; /* what failed, naming the migration ("FILE:LINE: ..." for a failing
                          * statement) and the database's own message; "" when nothing failed */
    const char *sqlstate; /* the SQLSTATE (PostgreSQL) or the SQLite result code as text; ""
                           * when the failure was not a database error */
};

/* The last error of the calling thread; never NULL.  Valid until the next
 * failing call on this thread or mp_runner_error_clear(). */
MP_RUNNER_EXTERN const struct mp_runner_error *mp_runner_error_last(void);

/* Forget the last error (code 0, empty message). */
MP_RUNNER_EXTERN void mp_runner_error_clear(void);

/* ---- migration sets ---- */

/* An ordered set of migrations: read from a directory, embedded in the
 * program, written as code, or a mix of them.  Versions are decimal digits
 * ("1", "0042": ordered as numbers, "007" and "7" are the same version) or
 * diesel timestamps ("2024-05-01-120000"): one kind per set. */
struct mp_runner_migrations;

/* Directory layouts (mp_runner_migrations_load_dir). */
enum mp_runner_format {
    MP_RUNNER_FORMAT_AUTO = 0, /* detect; a directory mixing layouts is an error */
    MP_RUNNER_FORMAT_PAIRS,    /* V_name.up.sql + V_name.down.sql (golang-migrate, sqlx) */
    MP_RUNNER_FORMAT_SINGLE,   /* V_name.sql with "-- migrate:up" / "-- migrate:down" (dbmate),
                                * "-- +migrate Up" / "Down" (sql-migrate), "-- +goose Up" / "Down"
                                * (goose) or "-- UP" / "-- DOWN" */
    MP_RUNNER_FORMAT_DIESEL,   /* every NAME/ holding up.sql (+ down.sql, metadata.toml); version:
                                * NAME before the first '_', '-' removed (diesel's rule) */
    MP_RUNNER_FORMAT_SQLX,     /* V_name.sql (up only) and/or V_name.up.sql + .down.sql (sqlx) */
    MP_RUNNER_FORMAT_FLYWAY    /* V1.1__desc.sql, U1.1__desc.sql (its down), R__desc.sql (repeatable) */
};

/* A new empty set into *out.  Free with mp_runner_migrations_free(). */
MP_RUNNER_EXTERN int mp_runner_migrations_new(struct mp_runner_migrations **out);

/* Read directory `dir` in layout `format` into a new set *out.  A missing
 * directory is an empty set.  Directives in a section's leading comments:
 * "-- migprop:no-transaction", "-- migprop:foreign-keys-off" (SQLite).
 * MP_RUNNER_EINVAL (a file name that fits no layout, a duplicate version,
 * a single file without an up section; the message names the files) or
 * MP_RUNNER_EIO (an unreadable file); *out is then NULL. */
MP_RUNNER_EXTERN int mp_runner_migrations_load_dir(struct mp_runner_migrations **out, const char *dir,
                                                   enum mp_runner_format format);

/* One migration compiled into the program (a static array of them, for
 * mp_runner_migrations_add_embedded). */
struct mp_runner_embedded {
    const char *version;  /* "1", "0002", ... or a diesel timestamp */
    const char *name;     /* e.g. "create_users" */
    const char *up_sql;   /* one or more statements, run whole by the database's own parser */
    const char *down_sql; /* NULL, empty or comment-only: the migration is irreversible */
    int no_transaction;   /* non-zero: run outside a transaction, one statement at a time */
};

/* Add `n` embedded migrations (their strings are copied).  The checksum is
 * the SHA-256 of up_sql, as for a file.  MP_RUNNER_EINVAL for a NULL
 * version or up_sql, a version that is not a number or timestamp (or of
 * the other kind than the set's), or a version already in the set; the set
 * is then unchanged. */
MP_RUNNER_EXTERN int mp_runner_migrations_add_embedded(struct mp_runner_migrations *set,
                                                       const struct mp_runner_embedded *migrations, size_t n);

/* A connection handed to code migrations. */
struct mp_runner_conn;

/* An up or down step written in C.  It runs inside the migration's
 * transaction on the runner's connection (so its statements commit or roll
 * back with the migration's tracking record): use mp_runner_conn_exec()
 * or the native handle.  Return 0 on success; anything else fails the
 * migration, which is rolled back and recorded as failed, with the
 * message given to mp_runner_conn_fail() (or the failing statement's, or
 * "code migration V NAME returned N"). */
typedef int (*mp_runner_code_fn)(struct mp_runner_conn *conn, void *payload);

/* Add a migration written in code: `up` (required) and `down` (NULL:
 * irreversible), both called with `payload`.  Its checksum (which guards
 * against an applied migration being changed) is the SHA-256 of
 * `checksum` when given (say, a version string of the code), else of
 * "code:VERSION:NAME".  Errors as mp_runner_migrations_add_embedded(). */
MP_RUNNER_EXTERN int mp_runner_migrations_add_code(struct mp_runner_migrations *set, const char *version,
                                                   const char *name, mp_runner_code_fn up, mp_runner_code_fn down,
                                                   void *payload, const char *checksum);

/* The number of migrations in the set. */
MP_RUNNER_EXTERN size_t mp_runner_migrations_count(const struct mp_runner_migrations *set);

/* Release the set. NULL-safe. */
MP_RUNNER_EXTERN void mp_runner_migrations_free(struct mp_runner_migrations *set);

/* ---- the connection given to code migrations ---- */

enum mp_runner_dialect { MP_RUNNER_SQLITE = 0, MP_RUNNER_POSTGRES = 1 };

/* Run `sql` (one or more statements) on the connection.  On failure
 * MP_RUNNER_EDB, the message ("NAME:LINE: ...") becomes the migration's
 * error: return the code from the migration. */
MP_RUNNER_EXTERN int mp_runner_conn_exec(struct mp_runner_conn *conn, const char *sql);

/* Set the migration's error message; returns MP_RUNNER_EDB, so that a
 * migration fails in one line: return mp_runner_conn_fail(conn, "..."). */
MP_RUNNER_EXTERN int mp_runner_conn_fail(struct mp_runner_conn *conn, const char *message);

/* The native handle: a sqlite3 * or a PGconn *, owned by the runner (do not
 * close it, commit or roll back). */
MP_RUNNER_EXTERN void *mp_runner_conn_native(struct mp_runner_conn *conn);
MP_RUNNER_EXTERN enum mp_runner_dialect mp_runner_conn_dialect(const struct mp_runner_conn *conn);

/* ---- the runner ---- */

/* A database to migrate: a connection plus its options and hooks. */
struct mp_runner;

#define MP_RUNNER_OPTIONS_VERSION 1

struct mp_runner_options {
    unsigned int version;       /* MP_RUNNER_OPTIONS_VERSION */
    const char *table;          /* tracking table; NULL: "migprop_migrations" */
    const char *schema;         /* PostgreSQL: work in this schema (search_path); NULL: the connection's */
    long lock_timeout_ms;       /* wait at most this long for another runner; 0: 60000 */
    int allow_out_of_order;     /* non-zero: apply pending migrations older than the newest applied */
    FILE *log;                  /* progress lines as `migprop migrate` prints them; NULL: silent */
};

#define MP_RUNNER_OPTIONS_INIT {MP_RUNNER_OPTIONS_VERSION, NULL, NULL, 0, 0, NULL}

/* Fill *opts with the defaults of options version `version`.
 * MP_RUNNER_EINVAL for a version this library does not know. */
MP_RUNNER_EXTERN int mp_runner_options_init(struct mp_runner_options *opts, unsigned int version);

/* Connect to `url`: "sqlite:PATH", "sqlite::memory:" or a plain file path
 * (a path containing '=' needs the "sqlite:" prefix) for SQLite;
 * "postgresql://...", "postgres://..." or a libpq keyword string
 * ("host=/run/postgresql dbname=app") for PostgreSQL.  `opts` may be NULL.
 * MP_RUNNER_EINVAL (empty URL, unknown options version), MP_RUNNER_EIO
 * (the connection failed: the database's message).  *out is NULL on
 * failure; free it with mp_runner_free(). */
MP_RUNNER_EXTERN int mp_runner_open(struct mp_runner **out, const char *url, const struct mp_runner_options *opts);

/* Close the connection and release the runner. NULL-safe. */
MP_RUNNER_EXTERN void mp_runner_free(struct mp_runner *r);

MP_RUNNER_EXTERN enum mp_runner_dialect mp_runner_dialect(const struct mp_runner *r);

/* ---- hooks ---- */

enum mp_runner_direction { MP_RUNNER_DIR_UP = 0, MP_RUNNER_DIR_DOWN = 1 };

/* What a hook is told; valid during the call only. */
struct mp_runner_hook_info {
    const char *version;   /* as written ("0001"), or the file name's */
    const char *name;
    enum mp_runner_direction direction;
    double duration_ms;    /* time of the migration's statements; 0 in `before` */
    const char *error;     /* on_error: the message; NULL otherwise */
};

typedef void (*mp_runner_hook_fn)(const struct mp_runner_hook_info *info, void *payload);

#define MP_RUNNER_HOOKS_VERSION 1

/* The hook contract: for each migration a run executes, `before` is called
 * first (when the migration is known to be pending, under the lock, inside
 * its transaction), then exactly one of `after` (its record is committed)
 * or `on_error` (it failed: rolled back and recorded as failed, or dirty
 * when it ran outside a transaction).  A dry run calls none; a migration
 * that another runner applied meanwhile is skipped silently.  Hooks must
 * not use the runner (no re-entrant calls) and should be quick. */
struct mp_runner_hooks {
    unsigned int version;      /* MP_RUNNER_HOOKS_VERSION */
    mp_runner_hook_fn before;  /* each may be NULL */
    mp_runner_hook_fn after;
    mp_runner_hook_fn on_error;
    void *payload;             /* passed to every hook */
};

#define MP_RUNNER_HOOKS_INIT {MP_RUNNER_HOOKS_VERSION, NULL, NULL, NULL, NULL}

/* Use `hooks` (copied; NULL: none) for the runner's next runs.
 * MP_RUNNER_EINVAL for an unknown hooks version. */
MP_RUNNER_EXTERN int mp_runner_set_hooks(struct mp_runner *r, const struct mp_runner_hooks *hooks);

/* ---- running ---- */

enum mp_runner_strategy {
    MP_RUNNER_UP_ALL = 0, /* apply every pending migration */
    MP_RUNNER_UP_TO,      /* apply the pending migrations up to and including `target` */
    MP_RUNNER_UP_STEPS,   /* apply the first `steps` pending migrations */
    MP_RUNNER_DOWN_STEPS, /* revert the newest `steps` applied migrations, newest first */
    MP_RUNNER_GOTO        /* revert the applied migrations newer than `target`, then apply the pending
                           * ones up to it: `target` becomes the newest applied; "0" reverts all */
};

/* Version 2 added `group`; a version-1 struct (without it) is still read. */
#define MP_RUNNER_RUN_OPTIONS_VERSION 2

struct mp_runner_run_options {
    unsigned int version;             /* MP_RUNNER_RUN_OPTIONS_VERSION (1 or 2) */
    enum mp_runner_strategy strategy; /* default MP_RUNNER_UP_ALL */
    const char *target;               /* MP_RUNNER_UP_TO, MP_RUNNER_GOTO: a version of the set */
    size_t steps;                     /* MP_RUNNER_UP_STEPS, MP_RUNNER_DOWN_STEPS; 0 means 1 */
    int dry_run;                      /* non-zero: decide what would run, run nothing */
    FILE *plan;                       /* dry run: one "would apply VERSION NAME (SOURCE)" line per
                                       * migration, as `migprop migrate plan`; NULL: not printed */
    /* version 2: non-zero: the migrations applied (not reverted) go into one
     * transaction committed once, all or none (Flyway's `group`; `migrate
     * --group`).  A migration outside a transaction, or a SQLite one that
     * turns foreign keys off, is MP_RUNNER_EINVAL before anything runs; a
     * failure rolls back the whole group and is recorded on its migration. */
    int group;
};

#define MP_RUNNER_RUN_OPTIONS_INIT {MP_RUNNER_RUN_OPTIONS_VERSION, MP_RUNNER_UP_ALL, NULL, 0, 0, NULL, 0}

/* What a run did (also filled, as far as it got, when it failed). */
struct mp_runner_result {
    size_t applied;     /* migrations applied */
    size_t reverted;    /* migrations reverted */
    size_t planned;     /* dry run: migrations that would run */
    double ms;          /* time of their statements */
    const char *failed_version; /* the migration that failed (valid until the next run), or NULL */
    long failed_line;   /* line of its failing statement, 0 when not a statement's */
};

/* Run `set` against the database with `opts` (NULL: apply all).  Each
 * migration runs in its own transaction with its tracking record; when
 * one fails, it is rolled back (its failure recorded), the run stops with
 * MP_RUNNER_EDB and the migrations before it stay applied.
 * MP_RUNNER_EPRECOND before anything ran (see the top of this file, and
 * DOWN_STEPS/GOTO over an irreversible migration); MP_RUNNER_EINVAL for an unknown
 * target version or strategy.  *out (may be NULL) gets what was done. */
MP_RUNNER_EXTERN int mp_runner_run(struct mp_runner_result *out, struct mp_runner *r,
                                   const struct mp_runner_migrations *set, const struct mp_runner_run_options *opts);

/* ---- status, verify, repair ---- */

enum mp_runner_state {
    MP_RUNNER_PENDING = 0, /* not applied */
    MP_RUNNER_APPLIED,     /* applied, checksum matches */
    MP_RUNNER_CHANGED,     /* applied, but its up text (checksum) changed since */
    MP_RUNNER_FAILED,      /* failed and rolled back; the next run retries it */
    MP_RUNNER_RUNNING,     /* outside a transaction, started and not finished: dirty */
    MP_RUNNER_DIRTY,       /* outside a transaction, failed half-way: repair needed */
    MP_RUNNER_MISSING      /* recorded as applied, but no longer in the set */
};

/* "pending", "applied", "changed", "failed", "running", "dirty", "missing". */
MP_RUNNER_EXTERN const char *mp_runner_state_name(enum mp_runner_state s);

struct mp_runner_status_entry {
    const char *version;     /* as written; for MISSING the recorded version */
    const char *name;
    enum mp_runner_state state;
    const char *applied_at;  /* of the record, ISO-8601 UTC ("2024-05-01T12:00:00.123Z"); NULL if none */
    int checksum_match;      /* 1 the record's checksum is the migration's, 0 it differs, -1 no record
                              * or no migration */
    int reversible;          /* the migration has a down step */
    const char *error;       /* the record's error message (failed, dirty), else NULL */
};

/* A snapshot of the migrations' states. */
struct mp_runner_status;

/* Read the tracking table: one entry per migration of `set`, in version
 * order, then one per record whose migration is not in the set.  *out is
 * NULL on failure (MP_RUNNER_EDB, MP_RUNNER_EIO); free it with
 * mp_runner_status_free(). */
MP_RUNNER_EXTERN int mp_runner_status(struct mp_runner_status **out, struct mp_runner *r,
                                      const struct mp_runner_migrations *set);

MP_RUNNER_EXTERN size_t mp_runner_status_count(const struct mp_runner_status *st);

/* Entry i (0-based), owned by `st`; NULL when i is out of range. */
MP_RUNNER_EXTERN const struct mp_runner_status_entry *mp_runner_status_get(const struct mp_runner_status *st,
                                                                         size_t i);

MP_RUNNER_EXTERN void mp_runner_status_free(struct mp_runner_status *st);

/* Check without running anything: changed, missing, out-of-order, failed
 * and dirty migrations.  *problems gets their number; `report` (may be
 * NULL) one line per problem and a count line.  Returns 0 even when
 * problems were found; an error only when the check could not be made. */
MP_RUNNER_EXTERN int mp_runner_verify(size_t *problems, struct mp_runner *r, const struct mp_runner_migrations *set,
                                      FILE *report);

/* After a failed or dirty migration was fixed by hand: clear its record
 * (the next run applies it again) or, with `mark_applied`, record it as
 * applied with its current checksum.  *repaired (may be NULL) gets the
 * number of records changed; `report` (may be NULL) one line each. */
MP_RUNNER_EXTERN int mp_runner_repair(size_t *repaired, struct mp_runner *r, const struct mp_runner_migrations *set,
                                      int mark_applied, FILE *report);

#ifdef __cplusplus
}
#endif

#endif
