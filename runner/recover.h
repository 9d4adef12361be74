/* recover.h - the recovery manager: after a crash or a failed migration
 * outside a transaction, find out how much of it ran by comparing the live
 * schema with the schemas its statements produce on a scratch database,
 * and propose (and carry out) a plan: finish it, revert it, or mark it
 * applied, each with its risk and whether data would be lost. */
#ifndef MP_RECOVER_H
#define MP_RECOVER_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "error.h"
#include "executor.h"
#include "migdir.h"

/* A database's schema as comparable text (malloc'd into *out): the runner
 * cannot read schemas itself (db/ does), so its caller passes this.
 * `ignore` is the tracking table's name.  0 or a negative MP_E* code. */
typedef int (*mp_schema_text_fn)(struct mp_target *t, const char *ignore, char **out, void *payload,
                                 struct mp_error *err);

enum mp_recover_action {
    MP_RECOVER_FINISH,      /* run the statements that did not run, then record it applied */
    MP_RECOVER_FINISH_SKIP, /* the same, skipping the statements whose running left no trace */
    MP_RECOVER_RERUN,       /* clear the record and run the whole migration again */
    MP_RECOVER_MARK,        /* record it applied as it is */
    MP_RECOVER_CLEAR,       /* clear the record: the database is as before the migration */
    MP_RECOVER_REVERT       /* run its down section, then clear the record */
};

struct mp_recover_step {
    enum mp_recover_action action;
    const char *what;       /* one line for people */
    const char *risk;       /* "low", "medium", "high" */
    bool data_loss;         /* could data be lost */
};

/* What `recover` found (strings in the arena given to mp_recover_inspect). */
struct mp_recover_plan {
    const struct mp_migration *m; /* the migration to recover; NULL: nothing to do */
    const char *status;     /* its record's status: running, dirty, failed */
    long ran;               /* statements of its section that ran (schema evidence); -1 unknown */
    long nstmts;            /* statements in its section */
    long ambiguous;         /* statements after the first `ran` that change no schema (data, a
                             * query): whether they ran cannot be told from the schema */
    bool up;                /* it was being applied (not reverted) */
    const char *finding;    /* one paragraph: what the comparison showed */
    struct mp_recover_step steps[5];
    size_t n;
};

/* Inspect `t` (tracking table, dirty marker, live schema through `fn`)
 * against `set`, building the expected schemas on `scratch` (an empty
 * database of the same dialect the caller provides and drops: SQLite in
 * memory, or a scratch schema on the same PostgreSQL server).  Reads only:
 * `t` is not changed.  The first record that is not 'applied' is the one
 * recovered (several are refused: recover them one at a time). */
int mp_recover_inspect(struct mp_target *t, struct mp_target *scratch, const struct mp_migset *set,
                       const struct mp_exec_config *cfg, mp_schema_text_fn fn, void *payload, struct mp_arena *a,
                       struct mp_recover_plan *out, struct mp_error *err);

/* Print the plan, steps numbered from 1. */
void mp_recover_print(FILE *out, const struct mp_recover_plan *plan);

/* Carry out step `k` (1-based) of `plan` on `t`, under the run's lock.
 * MP_EINVAL for a step that does not exist; the database's error
 * otherwise ("FILE:LINE: ..."). */
int mp_recover_apply(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                     const struct mp_recover_plan *plan, size_t k, struct mp_error *err);

#endif
