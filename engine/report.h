/* report.h - TAP 14 and human-readable reports of a run. */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include "engine.h"

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

void mp_point_free(struct mp_point *p);

/* Timing of one backend, printed as comments after the points (the only
 * part of a report that differs between two runs with the same seed). */
struct mp_timing {
    unsigned long trials;
    double seconds;
};

void mp_report(FILE *out, enum mp_format f, const struct mp_run_config *cfg,
               const struct mp_point *pts, size_t n, const struct mp_timing *timing);

#endif
