/* engine.h - the trial engine: cases, properties, runs and their results.
 *
 * A run draws trials: first the fixed cases (case files, e.g. scenarios/),
 * then random ones, trial i seeded with mp_trial_seed(run seed, i).  Each
 * trial is checked by every selected property on every active backend.  The
 * engine knows properties only through struct mp_property (main hands it
 * the table), so the layering stays solver <- generators <- harness <-
 * properties <- main. */
#ifndef MP_ENGINE_H
#define MP_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "gen.h"
#include "plan.h"

enum mp_verdict { MP_PASS, MP_FAIL, MP_DISCARD };

struct mp_trial;

/* A property: a name, a one-line summary, and a check that returns a
 * verdict, writing a diagnostic into `diag` (plain text, several lines
 * allowed) when it fails or discards. */
struct mp_property {
    const char *name;
    const char *summary;
    enum mp_verdict (*check)(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag);
};

/* What happened when the trial's plan ran on one backend (memoised: every
 * property of a trial shares one application per backend). */
struct mp_apply_result {
    int plan_rc;                 /* 0, or the planner's error code */
    struct mp_error plan_err;
    const struct mp_changeset *changes; /* as given to the solver (shuffled) */
    const struct mp_plan *plan;  /* NULL when planning failed */
    long invalid_step;           /* first step the virtual schema refused, or -1 */
    bool setup_failed;           /* the start schema could not be created */
    long failed_step;            /* step the database refused, or -1; plan->n for the final FK check */
    struct mp_error db_err;
    const struct mp_schema *got; /* introspected after the plan; NULL if it did not complete */
};

/* Run the trial's plan on `b` (once per trial and backend). Never NULL. */
const struct mp_apply_result *mp_trial_apply(struct mp_trial *t, struct mp_backend *b);

/* The desired schema (what the database must look like after the plan). */
const struct mp_schema *mp_trial_expected(const struct mp_trial *t);

/* The trial's arena: property allocations live as long as the trial. */
struct mp_arena *mp_trial_arena(struct mp_trial *t);

enum mp_format { MP_FORMAT_TAP, MP_FORMAT_HUMAN };

/* A fixed case (case file). */
struct mp_fixed_case {
    const char *name;  /* file path */
    struct mp_case c;
};

/* Settings of mp_run(); zero means default where noted. */
struct mp_run_config {
    uint64_t seed;
    unsigned long iterations;     /* random trials */
    long only_trial;              /* >= 0: run only that random trial (replay) */
    enum mp_solver_kind solver;
    const struct mp_property *props;
    size_t nprops;
    struct mp_backend *backends[MP_NDIALECTS]; /* NULL: not run */
    const char *skip_reason[MP_NDIALECTS];    /* non-NULL: reported as SKIP */
    enum mp_format format;
    const struct mp_fixed_case *fixed;
    size_t nfixed;
    const char *cmdline_backend;  /* for replay commands: "sqlite", "postgres" */
    const char *keep_dir;         /* write each trial's migrations under this directory (one
                                   * directory per trial and backend) instead of in memory */
};

/* Run all trials and print the report to `out`.  Returns 0 when every
 * property passed, 1 when one failed, 2 on an infrastructure error (a
 * backend that stopped answering, interruption). */
int mp_run(const struct mp_run_config *cfg, FILE *out);

/* Read a case file: "[start]", "[desired]" and "[renames]" sections in the
 * syntax of text.h, '#' comments.  Errors name the file and line. */
int mp_casefile_read(struct mp_arena *a, const char *path, struct mp_case *out,
                     struct mp_error *err);

#endif
