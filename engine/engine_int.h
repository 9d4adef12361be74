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
    struct mp_phase_times ph[MP_NDIALECTS]; /* time spent so far per backend (plan, execute,
                                             * readback; run.c attributes it to properties) */
    /* SQLite: the trial's database right after its setup script, as
     * sqlite3_serialize() gives it (in `a`), for the runs on fresh
     * databases (fresh.c); NULL when the setup did not run or failed */
    const unsigned char *sqlite_setup;
    size_t sqlite_setup_size;
    /* the same with migprop's bookkeeping tables, in WAL format
     * (fresh_image.c), made the first time a run needs it; NULL before */
    const unsigned char *sqlite_fresh;
    size_t sqlite_fresh_size;
    /* SQLite, MP_NEED_FRESH or MP_NEED_RERUN: the schema text
     * (mp_sqlite_schema_text) of the trial's database when
     * res[MP_SQLITE].got was read; else NULL */
    const char *sqlite_got_text;
};

/* trial.c: the seconds since t0 (mp_now()) added to *acc; returns now. */
double mp_phase_add(double *acc, double t0);

/* trial.c: the setup script of trial t on dialect d (the start schema and
 * its rows), appended to b. */
void mp_trial_setup_sql(const struct mp_trial *t, enum mp_dialect d, struct mp_buf *b);

/* The start rows after a trial's setup (setup_rows.c): `gen`, the rows the
 * setup inserted, with the tables the start schema's triggers of dialect d
 * write to (an audit table) read back from `conn` instead, so that the rows
 * a trigger wrote while the start rows went in count as start rows, not as
 * rows from nowhere.  *out is `gen` itself when no trigger writes anywhere,
 * else in `a`.  MP_EDB from mp_data_read(). */
int mp_setup_rows(struct mp_arena *a, enum mp_dialect d, void *conn, const struct mp_schema *start,
                  const struct mp_dataset *gen, const struct mp_dataset **out, struct mp_error *err);

/* trial.c: a passing verdict of a trial whose read-back schemas hold an
 * object the model cannot represent (model.h, mp_unmodelled) proves
 * nothing: the comparison could not see it.  Returns MP_DISCARD with the
 * reason in `diag` ("read back on sqlite: not modelled: ...", naming the
 * object) for such a trial, else `v` unchanged. */
enum mp_verdict mp_trial_unmodelled_discard(const struct mp_trial *t, enum mp_verdict v, struct mp_buf *diag);

/* trial.c: the failure kind the shrinker must preserve (see
 * mp_check_case()), written to out (at least 160 bytes). */
void mp_trial_failure_kind(const struct mp_apply_result *r, const char *prop, enum mp_dialect d, char *out);

/* fresh.c: remove the fresh databases' directory if it is empty (also run
 * at exit); a worker process calls it before _exit. */
void mp_fresh_cleanup(void);

/* fresh_image.c: the bytes of the SQLite file a run on a fresh database
 * starts from (*img, *n bytes, in t's arena, made once per trial): the
 * trial's setup image (t->sqlite_setup) with the run counter "_mp_runs"
 * and the tracking table "_mp_migrations" (created by the executor, with
 * t's fault) added, its header saying WAL.  false, *img NULL, when there
 * is no setup image or SQLite could not build it: then the caller runs
 * the setup script instead. */
bool mp_fresh_image(struct mp_trial *t, const unsigned char **img, size_t *n);

/* fresh_same.c: the schema of the SQLite connection `conn` as text (in
 * `a`): every row of sqlite_schema (type, name, table, SQL text) but those
 * of migprop's bookkeeping tables, ordered.  Two databases with the same
 * text have the same schema, and so the same read-back: introspection
 * reads nothing else.  NULL when the query fails. */
const char *mp_sqlite_schema_text(void *conn, struct mp_arena *a);

/* fresh_same.c: does SQLite connection `conn` hold the schema the trial read back
 * (t->sqlite_got_text, set by its run of the plan)?  Then that read-back
 * is this database's too: the same text, the same read-back.  False when
 * the trial kept no text or the text cannot be read. */
bool mp_trial_schema_unchanged(struct mp_trial *t, void *conn);

/* fresh.c: open the fresh database at `url` (PostgreSQL: with `schema` as
 * the search path, on the process's kept connection, which closing *x
 * keeps for the next run); with `setup` (SQL) create it first and run setup
 * in it.  *x is the caller's (mp_target_close); on an error it is NULL. */
int mp_fresh_open(const char *url, const char *schema, const char *setup, struct mp_target **x,
                  struct mp_error *err);

/* fresh_pg.c: the PostgreSQL schema of this process's runs on fresh
 * databases, one name for all its runs (static storage), so that no run
 * creates or drops a schema: that resets every backend's cached plans.
 * mp_fresh_pg_setup() appends to q the SQL that makes `schema` the search
 * path, creating it first unless it already exists on `url`;
 * mp_fresh_pg_created() records that it does (after that SQL ran);
 * mp_fresh_pg_release() empties it on x after a run, or drops it (any
 * error: the next run makes a new one); mp_fresh_pg_cleanup() drops it at
 * the process's end, on `conn` (a PGconn *, idle) or a new connection. */
const char *mp_fresh_pg_schema(void);
void mp_fresh_pg_setup(struct mp_buf *q, const char *url, const char *schema);
void mp_fresh_pg_created(const char *url, const char *schema);
void mp_fresh_pg_release(struct mp_target *x, const char *url, const char *schema);
void mp_fresh_pg_cleanup(void *conn);

/* runpool.c: executor processes kept from trial to trial for the runs on
 * fresh databases; at most MP_RUNPOOL_MAX run one job at once. */
#define MP_RUNPOOL_MAX 16

/* One run of `up` by each of n pool processes on the fresh database `url`
 * (PostgreSQL: `schema`): tracking table `table`, fault `fault`, killed
 * with SIGKILL inside migration kill_at (> 0) before or after its commit.
 * `set` is copied to the processes (code migrations cannot be). */
struct mp_runpool_job {
    const char *url, *schema, *table;
    const struct mp_migset *set;
    enum mp_fault fault;
    long kill_at;
    bool after_commit;
};

/* Start the processes missing of the first n (forked from this process:
 * call it before opening connections they must not inherit). */
int mp_runpool_start(int n, struct mp_error *err);

/* Run `job` on the first n processes (1 .. MP_RUNPOOL_MAX), held at a
 * barrier until each has read the job, then started together (each opens
 * its own connection after the start: opened before it, the no-lock fault's
 * duplicate runs showed in 4-15 % of trials instead of ~50 %); counts into out->nexited_ok,
 * nfailed (first_failure: the first failing one's error, in process order)
 * and nkilled (died of SIGKILL; replaced at the next run).  Returns 0, or
 * a negative MP_E* code with `err` set when the processes cannot run. */
int mp_runpool_run(int n, const struct mp_runpool_job *job, struct mp_fresh_result *out, struct mp_error *err);

/* Discards of one reason (the property's diagnostic, identical text
 * grouped) on a point. */
struct mp_discard_reason {
    char *reason;              /* heap-owned */
    unsigned long count;
};

/* At most this many distinct reasons are kept per point; the others are
 * counted under MP_DISCARD_OTHER. */
#define MP_MAX_DISCARD_REASONS 16
#define MP_DISCARD_OTHER "(other reasons)"

/* The outcome of one property on one backend over a run.  Strings are
 * heap-owned (freed by mp_point_free). */
struct mp_point {
    const char *property;
    enum mp_dialect backend;
    const char *skip;          /* non-NULL: not run, with this reason */
    unsigned long pass, fail, discard;
    struct mp_discard_reason *why; /* the discards by reason (heap-owned), in order of first sight */
    size_t nwhy;
    double seconds;            /* time in this point's checks */
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
    struct mp_phase_times phases; /* where this point's time went (engine.h) */
};

/* run_report.c: free the point's strings (not the point). */
void mp_point_free(struct mp_point *p);

/* run_report.c: count `count` discards of `reason` on p (identical
 * reasons are one entry; past MP_MAX_DISCARD_REASONS, MP_DISCARD_OTHER).
 * Does not touch p->discard. */
void mp_point_discard(struct mp_point *p, const char *reason, unsigned long count);

/* Timing of one backend, printed as comments after the points (the only
 * part of a report that differs between two runs with the same seed). */
struct mp_timing {
    unsigned long trials; /* trials in which a property was checked on it */
    double seconds;       /* the work charged to it (mp_timing_from_phases()) */
};

/* run_charge.c: where a check's time goes.  A check on one backend may do
 * work on another (dialect_agreement [sqlite] applies the plan on
 * PostgreSQL too, and the PostgreSQL points then reuse it): that work is
 * the other backend's, charged to the first of its points checked after it
 * in the same trial (the one that would have done it), else to the same
 * property's point there, so each backend's figures are its own and add up
 * (struct mp_phase_times, the "trials in X s" lines, JUnit time). */
struct mp_charge {
    struct mp_phase_times before[MP_NDIALECTS]; /* the trial's t->ph when the check began */
    double t0;                                  /* mp_now() then */
};
/* Work done for a backend by another backend's check, not yet charged to a
 * point of its own (one per trial, zeroed before its first check). */
struct mp_carry {
    struct mp_phase_times ph[MP_NDIALECTS]; /* plan, execute, readback only */
    const char *property[MP_NDIALECTS];     /* the property whose check did it; NULL: none */
};
/* Before a check of trial t. */
void mp_charge_begin(struct mp_charge *c, const struct mp_trial *t);
/* After the check of point pt in trial t: its own backend's work and the
 * rest of its time (compare) to pt->phases and pt->seconds, other
 * backends' work to `carry`, and what `carry` holds for pt's backend to
 * pt. */
void mp_charge_end(const struct mp_charge *c, const struct mp_trial *t, struct mp_point *pt, struct mp_carry *carry);
/* At the end of a trial: what `carry` still holds (no later check on that
 * backend) to the point of the property that did it on that backend. */
void mp_carry_settle(struct mp_carry *carry, struct mp_point *pts, size_t n);
/* timing[d].seconds: the sum of the phase times of the points on d, so the
 * "trials in X s" lines add up with --stats (summed over the workers with
 * --jobs: work time, not wall time).  The trial counts are left as they are. */
void mp_timing_from_phases(struct mp_timing *timing, const struct mp_point *pts, size_t n);

/* run_report.c: the run's report in cfg->format on `out`, through the
 * reporter (report.h), and the same in TAP on cfg->tap_file and in JUnit
 * on cfg->junit_file when given.  Returns the number of failing points of
 * the report on `out` (the property failures and the health checks).
 * `interrupted` (a signal number, or 0) marks a partial report: the
 * health check is left out and a "interrupted after N trials" comment
 * follows the points.  `wall`: the seconds the trials took on the clock;
 * with workers or both backends a last comment gives the run's own rate
 * (the per-backend lines sum the work done, over every worker). */
size_t mp_run_report(FILE *out, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                     const struct mp_timing *timing, int interrupted, double wall);

/* stats.c: `check --stats`: report comments on what the run tested (the
 * trials, discards by reason, operation kinds and change-set sizes, the
 * start schemas' DDL features, and the phase times' place). */
void mp_run_stats(struct mp_reporter *r, const struct mp_run_config *cfg, const struct mp_point *pts, size_t n,
                  const struct mp_timing *timing);

/* failures.c: shrink the failure just recorded in pt (property prop on
 * dialect d of trial t, random trial number trial_no or -1), write the
 * minimal case file and its standalone SQL under cfg->out_dir, and point
 * pt at the minimal case.  Trouble writing the files is reported on stderr
 * and leaves pt as it was. */
void mp_failure_shrink_write(const struct mp_run_config *cfg, struct mp_point *pt, struct mp_trial *t,
                             const struct mp_property *prop, enum mp_dialect d, long trial_no);

/* A queue of a run's trials shared by worker processes (jobs.c): the
 * shard's trials, numbered 0, 1, ... in trial order, handed out in batches
 * of `batch` by an atomic counter in memory shared across fork(), so no
 * worker idles while another still has trials to take.  Each worker's
 * batches come in increasing trial order. */
struct mp_work_queue {
    _Atomic unsigned long next; /* the first position not yet handed out */
    unsigned long batch;
};

/* run.c: run the trials k of [0, total) of the shard (all of them when
 * `q` is NULL, else the batches this process takes from q), filling pts
 * (with their phase times), the trial counts of timing and, when `log` is given,
 * log[point * total + k] with 'p', 'd' or 'f' for the trials it ran.
 * Returns 0, 1 (a property failed) or 2. */
int mp_run_trials(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                  struct mp_timing *timing, struct mp_work_queue *q, char *log);

/* run.c: shrink and write the failure of point pt at trial k (the run's
 * k-th trial, as mp_run_trials() numbers them) as mp_run_trials() does
 * when it finds it, the trial made and checked again first: the --jobs
 * workers leave the shrinking of the first failures to the parent, so a
 * later failure one of them found is not shrunk or saved (a single process
 * never checks a point after its first failure).  Its time goes to
 * pt->phases.shrink.  Nothing is written when the check passes this time
 * or the run is interrupted. */
void mp_run_shrink_found(const struct mp_run_config *cfg, struct mp_point *pt, unsigned needs, unsigned long k);

/* The number of trials of a run: the fixed cases, then the random ones. */
unsigned long mp_run_total(const struct mp_run_config *cfg);

/* jobs.c: mp_run_trials() in cfg->jobs worker processes sharing one
 * mp_work_queue, their results merged in trial order and each point's
 * first failure shrunk here (mp_run_shrink_found()), so the points are
 * those one process makes.  Each worker dies with the parent
 * (PR_SET_PDEATHSIG). */
int mp_run_jobs(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                struct mp_timing *timing);

#endif
