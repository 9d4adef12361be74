/* engine_int.h - what the engine's own files share: the trial, the run's
 * points, and the steps of a run (trial.c, fresh.c, failures.c, run.c,
 * jobs.c, run_report.c).  Not for other folders: they use engine.h. */
#ifndef MP_ENGINE_INT_H
#define MP_ENGINE_INT_H

#include "engine.h"

/* A trial: one case with its rows, checked by the properties on the active
 * backends.  Everything it allocates lives in `a`, freed in one call by
 * whoever made the trial (run.c, mp_check_case). */
struct mp_trial {
    struct mp_arena *a;
    const struct mp_case *c;
    struct mp_dataset data;
    unsigned needs;
    struct mp_backend *const *backends;
    uint64_t seed;
    enum mp_solver_kind solver;
    enum mp_fault fault;    /* the run's planted self-test fault, MP_FAULT_NONE normally */
    bool applied[MP_NDIALECTS];
    struct mp_apply_result res[MP_NDIALECTS];
    bool infra_error;
    struct mp_error infra;
    const char *keep_dir;   /* write the trial's migrations under here, or NULL */
    const char *label;      /* "trial-<n>" or the case file's name */
};

/* trial.c: the setup script of trial t on dialect d (the start schema and
 * its rows), appended to b. */
void mp_trial_setup_sql(const struct mp_trial *t, enum mp_dialect d, struct mp_buf *b);

/* trial.c: the failure kind the shrinker must preserve (see
 * mp_check_case()), written to out (at least 160 bytes). */
void mp_trial_failure_kind(const struct mp_apply_result *r, const char *prop, enum mp_dialect d, char *out);

/* fresh.c: remove the fresh databases' directory if it is empty (also run
 * at exit); a worker process calls it before _exit. */
void mp_fresh_cleanup(void);

/* The outcome of one property on one backend over a run.  Strings are
 * heap-owned (freed by mp_point_free). */
struct mp_point {
    const char *property;
    enum mp_dialect backend;
    const char *skip;          /* non-NULL: not run, with this reason */
    unsigned long pass, fail, discard;
    /* the first failure */
    char *label;               /* "trial 12" or the case file */
    long trial;                /* -1 for a case file */
    uint64_t trial_seed;
    char *message, *changes, *sql, *start, *desired, *renames;
    /* shrinking (when on) */
    char *case_path;           /* the minimal case written, or NULL */
    size_t shrunk_ops;
    long shrink_steps;
    double shrink_ms;
};

/* run_report.c: free the point's strings (not the point). */
void mp_point_free(struct mp_point *p);

/* Timing of one backend, printed as comments after the points (the only
 * part of a report that differs between two runs with the same seed). */
struct mp_timing {
    unsigned long trials;
    double seconds;
};

/* run_report.c: the run's report in cfg->format on `out`, through the
 * reporter (report.h). */
void mp_run_report(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                   const struct mp_timing *timing);

/* failures.c: shrink the failure just recorded in pt (property prop on
 * dialect d of trial t, random trial number trial_no or -1), write the
 * minimal case file and its standalone SQL under cfg->out_dir, and point
 * pt at the minimal case.  Trouble writing the files is reported on stderr
 * and leaves pt as it was. */
void mp_failure_shrink_write(const struct mp_run_config *cfg, struct mp_point *pt, struct mp_trial *t,
                             const struct mp_property *prop, enum mp_dialect d, long trial_no);

/* run.c: run the trials k of [0, total) that worker `worker` of `nw`
 * takes (the worker-th, (worker+nw)-th, ... of the shard's trials),
 * filling pts, timing and, when `log` is given, log[point * total + k]
 * with 'p', 'd' or 'f'.  Returns 0, 1 (a property failed) or 2. */
int mp_run_trials(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                  struct mp_timing *timing, unsigned worker, unsigned nw, char *log);

/* The number of trials of a run: the fixed cases, then the random ones. */
unsigned long mp_run_total(const struct mp_run_config *cfg);

/* jobs.c: mp_run_trials() in cfg->jobs worker processes, their results
 * merged in trial order, so the points are those one process makes. */
int mp_run_jobs(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                struct mp_timing *timing);

#endif
