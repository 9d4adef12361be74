/* dircheck.h - property trials over a project's own migration history
 * (`migprop check --dir DIR`): the history, one trial's machinery (apply
 * migrations 1..k to a fresh database, insert rows, go on, read back), the
 * run loop with shrinking and DIR.case/ directories, and their replay.
 *
 * A history is the directory's migrations as mp_migdir_read() gives them,
 * each with the tables its up section names.  A trial applies a selection
 * of them (`struct mp_dir_case`: history indexes in application order) as a
 * fresh migration set numbered 1..n, so any order and any subset runs
 * through the executor with its tracking table ("_mp_migrations", which the
 * catalog readers leave out). */
#ifndef MP_DIRCHECK_H
#define MP_DIRCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "data.h"
#include "executor.h"
#include "report.h"

/* One migration of a history and what the table scan found in its up. */
struct mp_dir_mig {
    const struct mp_migration *m;
    const char **tables;  /* lower-cased table names, sorted, unique */
    size_t ntables;
    bool idempotent;      /* every statement IF [NOT] EXISTS / CREATE OR REPLACE,
                           * or a "-- migprop:idempotent" line */
};

struct mp_dir_history {
    const char *dir;
    struct mp_migset set;  /* as read, in version order */
    struct mp_dir_mig *v;  /* v[i].m == &set.v[i] */
    size_t n;
};

/* Read `dir` (any format of migdir.h) into *out, memory from `a`, and scan
 * each up section for the tables it touches: the identifier after CREATE
 * [UNIQUE] INDEX ... ON, CREATE/ALTER/DROP TABLE [IF [NOT] EXISTS],
 * REFERENCES, INSERT INTO, UPDATE, DELETE FROM and ALTER TABLE ... RENAME TO
 * (both names), quotes and a schema prefix dropped, lower-cased.  Words in
 * comments and string literals are skipped.  A plain SELECT's FROM is not a
 * dependency: views and INSERT ... SELECT that read another table are what
 * the ordering property's swaps expose.  Errors of mp_migdir_read(). */
int mp_dir_history_read(struct mp_arena *a, const char *dir, struct mp_dir_history *out, struct mp_error *err);

/* True when migrations i and j of `h` name no table in common. */
bool mp_dir_independent(const struct mp_dir_history *h, size_t i, size_t j);

/* A trial's input, pinned for shrinking and replay. */
struct mp_dir_case {
    size_t *idx;             /* history indexes in application order */
    size_t n;
    long at;                 /* the position rows go in at (after idx[0..at-1]) or the
                              * migration a property looks at; -1: the property picks */
    const struct mp_dataset *rows; /* fixed rows; NULL: generated from the seed */
    const char *rows_sql;    /* replay: the rows as SQL (takes precedence over rows) */
};

/* One trial of a directory property.  The run loop fills the input part;
 * the property fills the result. */
struct mp_dir_trial {
    struct mp_arena *a;      /* the trial's memory */
    struct mp_backend *b;
    enum mp_dialect d;
    struct mp_backend *other; /* the other dialect's backend, or NULL */
    const struct mp_dir_history *h;
    struct mp_dir_case c;    /* the property may set c.at (and reorder c.idx) */
    uint64_t seed;           /* the trial's own seed */
    size_t max_rows;         /* rows per table, at most */
    const char *expect_schema; /* --expect-schema FILE or NULL */
    bool fail_on_drop;
    /* result */
    const char *kind;        /* failure kind: two failures are the same when kind and subject are */
    const char *subject;     /* the migration(s) or pair the failure names */
    struct mp_buf msg;       /* the failure's diagnostic */
    struct mp_buf notes;     /* lines for the report (irreversible migrations, intentional drops) */
    struct mp_dataset gen;   /* rows the trial generated and inserted */
    bool has_gen;
    const char *skip;        /* the property cannot run here: why */
};

/* A property over a history.  `trial` returns 0 when the property held,
 * 1 when it failed (kind, subject and msg set), a negative MP_E* code for an
 * infrastructure error (err set). */
struct mp_dir_property {
    const char *name;
    const char *doc;
    bool random;             /* trials differ by seed: run --iterations of them */
    int (*trial)(struct mp_dir_trial *t, struct mp_error *err);
};

/* Options of mp_dircheck_run(); 0/NULL is the default. */
struct mp_dir_config {
    const char *dir;
    struct mp_backend *backends[MP_NDIALECTS]; /* NULL: not run */
    const char *skip_reason[MP_NDIALECTS];     /* a backend wanted but unavailable */
    const struct mp_dir_property *const *props;
    size_t nprops;
    uint64_t seed;
    unsigned long iterations; /* random trials per property and backend (0: 1) */
    size_t max_rows;          /* 0: 20 */
    const char *expect_schema;
    bool fail_on_drop;
    enum mp_format format;
    bool shrink;
    double shrink_time;       /* seconds per failure */
    long shrink_steps;
    const char *out_dir;      /* DIR.case/ directories go here (NULL: "migprop-failures") */
    /* run only the trials i (0-based, per property and backend, the numbering
     * of an unsharded run) with i % shard_count == shard_index - 1; 0: all.
     * The convention of the random suite's --shard (run.c). */
    unsigned shard_index, shard_count;
    /* worker processes (0, 1: none, the trials run in this process); the
     * report and the case files do not depend on it (dirjobs.h) */
    unsigned jobs;
};

/* Run every property of cfg on every backend given, one report point per
 * property and backend, on `out`.  Returns 0 when all held, 1 when one
 * failed, 2 on an infrastructure error (message on stderr); with --jobs,
 * MP_RUN_INTERRUPTED_BASE + the signal after SIGINT or SIGTERM (the points
 * decided before it, then an "interrupted after N trials" comment; no case
 * written after the signal). */
int mp_dircheck_run(const struct mp_dir_config *cfg, FILE *out);

/* `migprop replay DIR.case`: run the case directory's property again on
 * the backend it records (`backends` as mp_dircheck_run; NULL entries are
 * opened here).  Same exit codes. */
int mp_dircheck_replay(const char *casedir, const struct mp_dir_property *const *props, size_t nprops,
                       const char *pg_url, FILE *out);

/* ---- the machinery properties use ---- */

/* A fresh database for the trial with an executor wrapped around it
 * (*x, closed by mp_dir_end()). */
int mp_dir_begin(struct mp_dir_trial *t, struct mp_target **x, struct mp_error *err);
void mp_dir_end(struct mp_dir_trial *t, struct mp_target *x);

/* The migrations idx[0..n-1] as a set numbered 1..n in that order (in t->a). */
struct mp_migset *mp_dir_set(struct mp_dir_trial *t, const size_t *idx, size_t n);

/* Apply the next `steps` pending migrations of `set`.  A migration's
 * failure: MP_EDB, err holding "FILE:LINE: message", *failed (when not NULL)
 * its position in the set (-1: not a migration's failure); *applied (when
 * not NULL) how many ran. */
int mp_dir_up(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
              long *failed, size_t *applied, struct mp_error *err);

/* Revert the newest `steps` applied migrations of `set` (mp_exec_down()). */
int mp_dir_down(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
                struct mp_error *err);

/* As mp_dir_up(), a migration's failure recorded as failure `kind` naming
 * the migration (returns 1); other errors as mp_dir_up(). */
int mp_dir_apply(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
                 const char *kind, struct mp_error *err);

/* "<raw_version>_<name>" of a migration, in a. */
const char *mp_dir_mig_name(struct mp_arena *a, const struct mp_migration *m);

/* Equal canonical forms; otherwise mp_schema_diff(x, y) is appended to diff. */
bool mp_dir_schema_same(const struct mp_schema *x, const struct mp_schema *y, struct mp_buf *diff);

/* The schema and every row of the trial's database (in t->a). */
int mp_dir_snapshot(struct mp_dir_trial *t, struct mp_schema **s, struct mp_dataset *rows, struct mp_error *err);

/* Insert the trial's rows for schema `s`: the case's rows_sql or rows, else
 * rows generated from t->seed (1 .. max_rows per table), kept in t->gen. */
int mp_dir_insert_rows(struct mp_dir_trial *t, const struct mp_schema *s, struct mp_error *err);

/* Compare two reads of the same tables: 0 when equal; else appends to `out`
 * what differs (table, rows only in one) and returns the number of tables
 * that differ. */
size_t mp_dir_rows_diff(struct mp_buf *out, const struct mp_dataset *want, const struct mp_dataset *got);

/* Record a failure: kind, subject (copied) and a printf message. */
int mp_dir_fail(struct mp_dir_trial *t, const char *kind, const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write `text` to the file `path` (created or truncated).  MP_EIO naming
 * the path. */
int mp_dir_write_text(const char *path, const char *text, struct mp_error *err);

/* The display name of history migration i ("<raw_version>_<name>"). */
const char *mp_dir_name(const struct mp_dir_trial *t, size_t i);

#endif
