/* runner_int.h - what the runner's files share: the target's state, the
 * internal query helper, transactions, the lock and the tracking table.
 *
 * Internal to runner/: never installed, never included above it (the
 * layers above use executor.h; programs use include/migprop/runner.h).
 * Files: target.c (connections, queries, transactions), statement.c
 * (running a section's SQL, and the checks of its transaction control and
 * SQLite table drops before it runs), lock.c (advisory lock / flock), tracking.c
 * (the tracking table, checksums), apply.c (the commands), migset.c and
 * api.c (the public API). */
#ifndef MP_RUNNER_INT_H
#define MP_RUNNER_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "buf.h"
#include "executor.h"

/* What a query string that began with the pending COMMIT of the
 * migration before did with it (struct mp_target.carry). */
enum mp_carry {
    MP_CARRY_NONE,    /* it carried none */
    MP_CARRY_OK,      /* the COMMIT succeeded: that migration is applied */
    MP_CARRY_FAILED,  /* the COMMIT failed (or its result was lost): the error is that migration's */
    MP_CARRY_NOT_RUN, /* the server refused the string before it ran any (a syntax error): that
                       * migration's transaction was aborted, nothing of it is committed */
};

struct mp_target {
    enum mp_dialect d;
    sqlite3 *lite;
    PGconn *pg;
    bool owned, nested;
    char *path;          /* SQLite database file, NULL in memory */
    int lock_fd;         /* SQLite: flock'ed descriptor while locked, else -1 */
    bool pg_locked;
    bool missing;        /* read-only SQLite whose file does not exist: an empty in-memory stand-in */
    char *table;         /* tracking table of the current command, quoted */
    char *table_name;    /* the same, as given (unquoted) */
    bool track_current;  /* this command found or made the table in its current shape */
    long fail_line;      /* line of the statement that failed last, 0 if none */
    long nrun;           /* migrations this target has started (fault injection) */
    long attempt;        /* the current migration's try, 1-based (its record's attempts) */
    enum mp_fault fault; /* the planted self-test fault of the current command (cfg->fault) */
    /* PostgreSQL, a run of migrations each in its own transaction
     * (apply.c): a migration's COMMIT goes at the head of the next one's
     * query string, one round trip a migration instead of two */
    bool defer_commit;       /* this run may leave a migration's COMMIT to the next one */
    bool commit_pending;     /* the last migration's statements and record ran, its transaction is open */
    enum mp_carry carry;     /* what the last query string did with a pending COMMIT it carried */
};

/* ---- target.c ---- */

/* Fill `err` (MP_EDB) with "WHAT: <the database's message>" and its
 * SQLSTATE / SQLite result code; `r` (PostgreSQL, may be NULL) is the
 * failed result.  Returns MP_EDB. */
int mp_target_db_error(struct mp_target *t, struct mp_error *err, const char *what, PGresult *r);

/* Run internal SQL (no user text) with text parameters $1..$n (rewritten
 * ?1..?n for SQLite); rows are discarded.  MP_EDB naming the SQL. */
int mp_target_q(struct mp_target *t, const char *sql, int n, const char *const *vals, struct mp_error *err);

/* The migration's transaction: BEGIN (SQLite: BEGIN IMMEDIATE), or a
 * savepoint when the target is nested in the caller's transaction.
 * Rollback never fails (it is the cleanup of a failure). */
int mp_target_tx_begin(struct mp_target *t, struct mp_error *err);
int mp_target_tx_commit(struct mp_target *t, struct mp_error *err);
void mp_target_tx_rollback(struct mp_target *t);

/* ---- statement.c ---- */

/* Run one section: its code callback when it has one, else its SQL, whole
 * through the database's own statement splitting or, `alone`, one
 * statement at a time (outside a transaction).  Errors: MP_EDB
 * "PATH:LINE: message", t->fail_line set to LINE. */
int mp_target_run_section(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err);

/* PostgreSQL: `prefix` (statements of ours, each ending in ";\n": BEGIN
 * or SAVEPOINT, after the COMMIT of the migration before when it carries
 * one), the section's SQL and `suffix` (the tracking record) sent as one
 * query string: one
 * round trip, where the statements one by one cost three (PostgreSQL "Multiple
 * Statements in a Simple Query": the server stops at the first error and
 * skips the rest).  An error in the section names its line as
 * mp_target_run_section() does; *ran tells whether the section's
 * statements all succeeded (false: the error is theirs or the prefix's;
 * true with an error: the suffix failed), *nok how many of the string's
 * statements succeeded, the prefix's first (the server parses the whole
 * string before it runs any, so a syntax error anywhere leaves 0).  After
 * any error the transaction is aborted: the caller rolls back.  Not for
 * code sections or ones that must run alone. */
int mp_target_run_joined(struct mp_target *t, const struct mp_migsql *sec, const char *prefix, const char *suffix,
                         bool *ran, long *nok, struct mp_error *err);

/* Transaction control in section `sec` (SQL, not a callback), before it
 * runs; `in_tx`: it runs inside the runner's transaction (not a
 * no-transaction section).  The rule (README "Transactions"):
 *   - a no-transaction section may hold any statement;
 *   - a section that is one BEGIN; ...; COMMIT; script (what `migprop plan`
 *     prints; on SQLite also with PRAGMA foreign_keys=OFF before BEGIN and
 *     =ON after COMMIT) runs its body in the runner's transaction:
 *     *body gets the text with the wrapper statements blanked out (same
 *     length and lines, malloc'd, caller frees), and *fk_off is set when it
 *     turned foreign keys off (SQLite), as -- migprop:foreign-keys-off does;
 *   - SAVEPOINT, RELEASE and ROLLBACK TO of the migration's own
 *     savepoints run (they nest in the runner's transaction); those naming
 *     a migprop_* savepoint (the runner's) are refused;
 *   - any other BEGIN, COMMIT, END, ROLLBACK, ABORT, two-phase commit
 *     statement, or (SQLite) PRAGMA foreign_keys is
 *     refused: MP_EINVAL "FILE:LINE: ..." naming the statement and the
 *     -- migprop:no-transaction / -- migprop:foreign-keys-off directives,
 *     since a COMMIT inside would commit the runner's transaction before the
 *     migration's record (a kill or a later failure would then leave the
 *     tracking table wrong), and the PRAGMA is a no-op in a transaction.
 * Otherwise 0 with *body NULL (run the text as it is). */
int mp_section_txcheck(const struct mp_migsql *sec, enum mp_dialect d, bool in_tx, char **body, bool *fk_off,
                       struct mp_error *err);

/* SQLite, a section about to run with foreign keys on inside the runner's
 * transaction: a DROP TABLE of a table that another table (not dropped
 * before it in the section) references is refused, MP_EINVAL naming
 * FILE:LINE and the -- migprop:foreign-keys-off directive: with foreign
 * keys on, DROP TABLE deletes the table's rows first, which deletes the
 * children's rows through ON DELETE CASCADE (or fails), so the table
 * rebuild of SQLite "ALTER TABLE" 7 (CREATE new, INSERT ... SELECT, DROP
 * old, RENAME) silently empties every child table.  Reads the schema of
 * the target as it is now.  0 on PostgreSQL, and when foreign keys are
 * off. */
int mp_section_fkcheck(struct mp_target *t, const struct mp_migsql *sec, struct mp_error *err);

/* ---- lock.c ---- */

/* Take the run's lock (PostgreSQL advisory lock, SQLite flock + busy
 * timeout), after choosing the tracking table (mp_tracking_use).  No lock
 * when nested or under the no-lock self-test fault.  MP_EDB when another
 * runner holds it longer than the lock timeout, MP_EIO for the lock file. */
int mp_lock_acquire(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_error *err);

/* Release what mp_lock_acquire() took; a no-op when nothing is held. */
void mp_lock_release(struct mp_target *t);

/* ---- tracking.c ---- */

/* One record of the tracking table (strings malloc'd, owned by the rows). */
struct mp_track_row {
    char *version, *name, *checksum, *applied_at, *status, *error;
    long ms;
    long attempts; /* tries the last run took (1 + its retries) */
};

struct mp_track_rows {
    struct mp_track_row *v;
    size_t n;
};

/* The longest tracking-table name (PostgreSQL's NAMEDATALEN - 1). */
#define MP_TRACKING_NAME_MAX 63

/* MP_EINVAL when cfg's tracking-table name is empty, longer than
 * MP_TRACKING_NAME_MAX bytes or holds a control character. */
int mp_tracking_name_check(const struct mp_exec_config *cfg, struct mp_error *err);

/* Make cfg->table (NULL: "migprop_migrations") the target's tracking table
 * for this command; returns its plain name. */
const char *mp_tracking_use(struct mp_target *t, const struct mp_exec_config *cfg);

/* Does the tracking table exist? (*exists false, 0 returned, when not;
 * MP_EDB when the database cannot be asked.) */
int mp_tracking_exists(struct mp_target *t, bool *exists, struct mp_error *err);

/* CREATE TABLE IF NOT EXISTS the tracking table (schema in executor.h). */
int mp_tracking_ensure(struct mp_target *t, struct mp_error *err);

/* Read every record into *out (freed with mp_tracking_free(), also on
 * error).  MP_EDB when the table cannot be read (e.g. does not exist). */
int mp_tracking_load(struct mp_target *t, struct mp_track_rows *out, struct mp_error *err);
void mp_tracking_free(struct mp_track_rows *r);

/* The record of `version`, or NULL. */
const struct mp_track_row *mp_tracking_find(const struct mp_track_rows *r, const char *version);

/* Does the record (NULL: none) say 'applied'? */
bool mp_tracking_is_applied(const struct mp_track_row *w);

/* Insert or replace m's record with `status`, execution time `ms` and
 * `error` (NULL: none); applied_at is now.  The no-record self-test fault
 * skips 'applied' records. */
int mp_tracking_record(struct mp_target *t, const struct mp_migration *m, const char *status, long ms,
                       const char *error, struct mp_error *err);

/* PostgreSQL: append to `out` the statement, ending in ";\n", that
 * mp_tracking_record(t, m, "applied", ...) runs (up) or
 * mp_tracking_delete(t, m->version) (down), with literal values, for a
 * query string of several statements (mp_target_run_joined()); its
 * execution time is measured by the server from the string's arrival.
 * Nothing for the no-record self-test fault (up). */
void mp_tracking_record_sql(struct mp_target *t, const struct mp_migration *m, bool up, struct mp_buf *out);

/* Re-read under the lock: is `version` recorded as applied now? */
int mp_tracking_applied_now(struct mp_target *t, const char *version, bool *applied, struct mp_error *err);

/* Status changes of an existing record: 'running' (before a migration
 * outside a transaction reverts), 'dirty' with the error, or gone. */
int mp_tracking_mark_running(struct mp_target *t, const char *version, struct mp_error *err);
int mp_tracking_mark_dirty(struct mp_target *t, const char *version, const char *error, struct mp_error *err);
int mp_tracking_delete(struct mp_target *t, const char *version, struct mp_error *err);

/* Repair one failed/dirty record: delete it, or (`mark_applied`) make it
 * 'applied' with checksum `checksum`. */
int mp_tracking_repair(struct mp_target *t, const char *version, const char *checksum, bool mark_applied,
                       struct mp_error *err);

/* ---- retry.c ---- */

/* The first wait before a retry, and the longest by default. */
#define MP_RETRY_BASE_MS 100
#define MP_RETRY_DEFAULT_MAX_MS 5000

/* Is the failure in `err` (its SQLSTATE / SQLite result code) transient:
 * PostgreSQL 40001 serialization failure, 40P01 deadlock, 55P03 lock
 * timeout, 57P01-57P03 shutdown, class 08 or a lost connection; SQLite
 * SQLITE_BUSY beyond the busy timeout or SQLITE_LOCKED?  Anything else (a
 * statement's own error) is never retried. */
bool mp_retry_is_transient(const struct mp_target *t, const struct mp_error *err);

/* Milliseconds to wait after failed try `attempt` (1-based): exponential
 * from MP_RETRY_BASE_MS, capped at `max_ms` (<= 0: the default), with
 * jitter drawn from *rng (a splitmix64 state the caller seeds). */
long mp_retry_delay_ms(unsigned attempt, long max_ms, uint64_t *rng);

void mp_retry_sleep_ms(long ms);

/* PostgreSQL: when the session is gone, reset it (PQreset) and take the
 * run's lock again; a no-op on SQLite or a live session.  MP_EDB when the
 * server cannot be reached or the connection is the caller's. */
int mp_retry_reconnect(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_error *err);

/* ---- migset.c, api.c: the public API (include/migprop/runner.h) ---- */

/* A public migration set: the executor's set and the arena it lives in. */
struct mp_runner_migrations {
    struct mp_arena *a;
    struct mp_migset set;
};

/* Make `e` the calling thread's last error (mp_runner_error_last()) and
 * return its code (MP_EINTERNAL when `e` holds none). */
int mp_api_fail(const struct mp_error *e);

#endif
