/* dirjobs.h - `check --dir --jobs N`: the trials of every property and
 * backend run by N worker processes sharing one queue; the parent reads
 * their outcomes back in trial order (dirrun.c), so the report is the one a
 * single process makes.
 *
 * A unit is one (backend, property) pair of the report, in report order;
 * its trials are numbered 0 .. ntrials-1 as an unsharded run numbers them.
 * The queue holds the shard's trials of all units, unit by unit, and hands
 * them out one at a time from an atomic counter in memory shared across
 * fork(), so no worker idles while a trial is left.  A unit stops at its
 * first trial that failed, was skipped or hit an infrastructure error (the
 * single process stops there too): its later trials are passed over once
 * that is known, and after an infrastructure error every later unit's. */
#ifndef MP_DIRJOBS_H
#define MP_DIRJOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "dircheck.h"

/* Run trial `i` of unit `u`: initialise *t in arena `a` and run the
 * property; the property's result (0, 1, or a negative MP_E* code with err
 * set).  Called in a worker process; the caller frees t's buffers. */
typedef int (*mp_dirjobs_trial_fn)(void *ctx, size_t u, unsigned long i, struct mp_dir_trial *t, struct mp_arena *a,
                                   struct mp_error *err);

/* What mp_dirjobs_run() runs; 0 is the default where it has one. */
struct mp_dirjobs_spec {
    unsigned jobs;                 /* worker processes, >= 2 */
    size_t nunits;
    const unsigned long *ntrials;  /* per unit, nunits of them */
    unsigned shard_index, shard_count; /* as struct mp_dir_config (0: all trials) */
    mp_dirjobs_trial_fn trial;
    void *ctx;
};

/* One trial's outcome as a worker saw it. */
struct mp_dirjobs_outcome {
    bool ran;                /* false: passed over (after its unit stopped) or lost with its worker */
    int rc;                  /* the property's result */
    const char *skip;        /* t->skip, or NULL */
    const char *notes;       /* t->notes ("" when none) */
    const char *err;         /* rc < 0: the error's message */
    double start, end;       /* mp_now() when the trial began and ended (one clock for all processes) */
};

struct mp_dirjobs;

/* Fork spec->jobs workers, each dying with this process (PR_SET_PDEATHSIG),
 * run the trials and collect the outcomes into *out (the caller's, freed
 * with mp_dirjobs_free()).  The workers inherit the backends (each trial is
 * a fresh database of its own: a new SQLite in-memory database; on
 * PostgreSQL a new connection and a schema named by the worker's
 * mp_process_token(), rolled back at the end).  Their result files live in
 * an owner-locked scratch directory (mp_scratch_mkdtemp()), removed before
 * returning.  Returns 0; MP_RUN_INTERRUPTED_BASE + the signal when SIGINT
 * or SIGTERM came (the workers passed it and are reaped; *out then holds
 * what finished); a negative MP_E* code with err set when no worker could
 * start. */
int mp_dirjobs_run(const struct mp_dirjobs_spec *spec, struct mp_dirjobs **out, struct mp_error *err);

/* The outcome of trial i of unit u (never NULL; i < ntrials[u]). */
const struct mp_dirjobs_outcome *mp_dirjobs_get(const struct mp_dirjobs *j, size_t u, unsigned long i);

/* Trials that finished, all units together. */
unsigned long mp_dirjobs_done(const struct mp_dirjobs *j);

void mp_dirjobs_free(struct mp_dirjobs *j);

#endif
