/* engine.h - the trial engine: cases, properties, runs and their results.
 *
 * A run draws trials: first the fixed cases (case files, e.g. scenarios/),
 * then random ones, trial i seeded with mp_trial_seed(run seed, i).  Each
 * trial is checked by every selected property on every active backend.  The
 * engine knows properties only through struct mp_property (main hands it
 * the table), so the layering stays solver <- generators <- db <- runner <- engine <-
 * properties <- main. */
#ifndef MP_ENGINE_H
#define MP_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "backend.h"
#include "data.h"
#include "gen.h"
#include "migdir.h"
#include "plan.h"
/* case files (casefile.h) and the report formats (report.h) belong to the
 * engine's API: commands reach them through this header */
#include "casefile.h"
#include "report.h"

enum mp_verdict { MP_PASS, MP_FAIL, MP_DISCARD };

/* A discard whose diagnostic starts with this prefix says the property
 * cannot apply to the trial by design (it needs a second backend that is
 * not running; the change set cannot be reversed), not that the generator
 * missed: such discards never count toward the health check, and a point
 * whose trials are all discarded so is reported as SKIP with the reason.
 * Every other discard counts toward the health check (more than
 * mp_run_config.max_discard_pct percent of the trials: the point fails). */
#define MP_CANNOT_APPLY "cannot apply: "

struct mp_trial;

/* A property: a name, a one-line summary, and a check that returns a
 * verdict, writing a diagnostic into `diag` (plain text, several lines
 * allowed) when it fails or discards. */
struct mp_property {
    const char *name;
    const char *summary;
    enum mp_verdict (*check)(struct mp_trial *t, struct mp_backend *b, struct mp_buf *diag);
    unsigned needs;     /* MP_NEED_*: what mp_trial_apply() must also do for it */
};

/* What a property needs from the trial's application (mp_trial_apply). */
enum {
    MP_NEED_DATA = 1,   /* read the rows back after the plan */
    MP_NEED_RERUN = 2,  /* run the executor a second time, read schema and rows again */
    MP_NEED_DOWN = 4,   /* give the migrations down sections, revert them all, read again */
    MP_NEED_NO_TYPES = 8, /* holds no verdict on enum types and domains: random cases draw none (gen_types.h) */
    MP_NEED_FRESH = 16  /* runs on fresh databases (mp_trial_fresh_run): SQLite keeps the read-back's schema
                         * text, so that a fresh database with the same schema shares the read-back */
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
    const struct mp_dataset *data_before; /* the rows inserted before the plan */
    const struct mp_dataset *data_after;  /* read after the plan (MP_NEED_DATA), or NULL */
    size_t parts;                /* migrations the plan was split into */
    const struct mp_migset *migrations;   /* the plan as migrations */
    /* MP_NEED_RERUN: a second `up` right after the first */
    bool rerun_done;
    int rerun_rc;
    struct mp_error rerun_err;
    size_t rerun_applied;
    const struct mp_schema *rerun_schema;
    const struct mp_dataset *rerun_data;
    /* MP_NEED_DOWN: down sections, then `down` of every migration */
    bool down_done;
    size_t down_irreversible;    /* parts the solver could not reverse */
    int down_rc;
    struct mp_error down_err;
    const struct mp_schema *down_schema;
    const struct mp_dataset *down_data;
};

/* The start schema, the case's rename hints, the trial's seed. */
const struct mp_schema *mp_trial_start(const struct mp_trial *t);
const struct mp_renames *mp_trial_renames(const struct mp_trial *t);
uint64_t mp_trial_seed_of(const struct mp_trial *t);

/* The rows the trial's setup inserts (the generated ones), without those
 * the start schema's triggers write while they go in, which
 * mp_apply_result.data_before holds as well: what a property inserts to
 * set up a database of its own the way the trial's was.  The trial's. */
const struct mp_dataset *mp_trial_rows(const struct mp_trial *t);

/* The run's planted self-test fault (fault.h), for properties that carry it
 * into the engine code they exercise (lint, generate); MP_FAULT_NONE
 * normally. */
enum mp_fault mp_trial_fault(const struct mp_trial *t);

/* The other active backend of the run (for comparisons across dialects),
 * or NULL. */
struct mp_backend *mp_trial_backend(struct mp_trial *t, enum mp_dialect d);

/* Runs of the trial's migrations on a fresh, committed database (SQLite: a
 * file under a temporary directory; PostgreSQL: a new schema reached with
 * new connections), set up with the start schema and rows, by forked
 * executor processes.  `runners` processes run `up` at once (exactly-once);
 * with kill_at > 0 a single runner is killed with SIGKILL inside migration
 * kill_at, before its commit (after_commit false) or after it.  The result
 * tells what each process did and what the database holds afterwards. */
struct mp_fresh_result {
    bool skipped;                /* the plan did not apply in the first place */
    int nexited_ok, nfailed, nkilled;
    char first_failure[512];
    size_t applied_rows;         /* tracking rows with status applied */
    size_t bad_rows;             /* tracking rows in another status */
    long runs_counted, runs_distinct; /* exactly-once counter table */
    const struct mp_schema *schema;   /* afterwards (tracking tables left out) */
    const struct mp_schema *expected; /* kill: the schema at the recorded boundary */
    bool completed;              /* kill: the next run finished the migrations */
    const struct mp_schema *final;    /* kill: after that next run */
    struct mp_error err;         /* infrastructure trouble */
    int rc;
};
int mp_trial_fresh_run(struct mp_trial *t, struct mp_backend *b, int runners, long kill_at, bool after_commit,
                       struct mp_fresh_result *out);

/* Run the trial's plan on `b` (once per trial and backend). Never NULL. */
const struct mp_apply_result *mp_trial_apply(struct mp_trial *t, struct mp_backend *b);

/* The desired schema (what the database must look like after the plan). */
const struct mp_schema *mp_trial_expected(const struct mp_trial *t);

/* The trial's arena: property allocations live as long as the trial. */
struct mp_arena *mp_trial_arena(struct mp_trial *t);

/* A fixed case (case file). */
struct mp_fixed_case {
    const char *name;  /* file path */
    struct mp_case c;
    /* optional (NULL: none): the file's rows and metadata; with them the
     * trial runs on the file's rows (when it has some) and with
     * mp_case_trial_seed(&file->meta, name), exactly as `replay` does */
    const struct mp_casefile *file;
};

/* Where a run's time went, in seconds, for one property on one backend.
 * Work the properties share (one generated case per trial; one plan, one
 * execution and one read-back per trial and backend, see mp_trial_apply)
 * is charged to the property that first needed it in the trial, so the
 * figures of all points add up to the run's time: generate (the case and
 * its rows), plan (diff and solver), execute (setup, the executor, the
 * forked runners of exactly_once / atomic_on_kill), readback (catalog
 * introspection and rows read back), compare (the property's own checks:
 * whatever its check took besides the phases above), shrink (shrinking a
 * failure and writing its case file). */
struct mp_phase_times {
    double generate, plan, execute, readback, compare, shrink;
};

/* The health check's defaults (Hypothesis's filter_too_much: a property
 * that discards most of its trials tests little): more than half of the
 * trials discarded fails the point, once at least 10 discards count. */
#define MP_MAX_DISCARD_DEFAULT 50
#define MP_HEALTH_MIN_DISCARDS 10

/* Settings of mp_run(); zero means default where noted. */
struct mp_run_config {
    uint64_t seed;
    unsigned long iterations;     /* random trials */
    long only_trial;              /* >= 0: run only that random trial (replay) */
    enum mp_solver_kind solver;
    enum mp_fault fault;          /* `migprop selftest` only: the planted fault (fault.h) every
                                   * trial's solver, SQL and runner carry; MP_FAULT_NONE (0) */
    const struct mp_property *props;
    size_t nprops;
    struct mp_backend *backends[MP_NDIALECTS]; /* NULL: not run */
    const char *skip_reason[MP_NDIALECTS];    /* non-NULL: reported as SKIP */
    enum mp_format format;
    int tap_version;              /* TAP: 13 or 14 (0: MP_TAP_VERSION_DEFAULT, 13) */
    FILE *tap_file, *junit_file;  /* non-NULL: also write the TAP / JUnit report there (the
                                   * caller's streams, not closed) */
    bool color;                   /* human format: colour the verdicts */
    bool stats;                   /* add the --stats comments to the report (stats.c) */
    unsigned max_discard_pct;     /* health check: a point fails when more than this percentage of
                                   * its trials are discarded for reasons that count (see
                                   * MP_CANNOT_APPLY) and at least MP_HEALTH_MIN_DISCARDS are;
                                   * 1 .. 100 (100: never); 0: MP_MAX_DISCARD_DEFAULT (50) */
    const struct mp_fixed_case *fixed;
    size_t nfixed;
    const char *cmdline_backend;  /* for replay commands: "sqlite", "postgres" */
    const char *keep_dir;         /* write each trial's migrations under this directory (one
                                   * directory per trial and backend) instead of in memory */
    bool no_data;                 /* insert no rows before the plan */
    unsigned jobs;                /* worker processes (0, 1: none); the report does not depend on it */
    bool jobs_auto;               /* instead of `jobs`: mp_jobs_auto() of the trials to run (run.c) */
    unsigned shard_index, shard_count; /* run only trials k with k % count == index - 1 (count 0: all) */
    bool shrink;                  /* shrink each first failure and write it as a case file */
    double shrink_time;           /* seconds per failure (0: MP_SHRINK_DEFAULT_SECONDS, 30) */
    long shrink_steps;            /* checks per failure (0: MP_SHRINK_DEFAULT_STEPS, 5000) */
    const char *out_dir;          /* where case files go (NULL: "migprop-failures") */
    const char *failure_db;       /* also save each shrunk case here (faildb.h), or NULL */
    long *first_failure;          /* out, optional: number of trials run when the first
                                   * property failed (k + 1 for trial k), or -1 */
    struct mp_phase_times *phases; /* out, optional: nprops * MP_NDIALECTS entries owned by the
                                   * caller, entry [i * MP_NDIALECTS + d] for props[i] on dialect
                                   * d (all zero when not run); summed over the workers with --jobs */
};

/* The planning pipeline every trial, shrink candidate, trace, case
 * description and benchmark shares: the change set from c->start to
 * c->desired with the case's rename hints (mp_diff), put in the order fixed
 * by `seed` (mp_changeset_scramble) so the solver never sees the order it
 * was made in, then planned for dialect `d` with `opt` (NULL: the default
 * solver; the MP_FAULT_NAIVE_ORDER fault plans with the naive solver).
 * *cs gets the change set and *out the plan, memory from `a`.  Returns 0,
 * or the diff's or the planner's error code with `err` set; *diff_failed
 * (may be NULL) tells which of the two failed. */
int mp_case_plan(struct mp_arena *a, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                 uint64_t seed, struct mp_changeset *cs, struct mp_plan **out, bool *diff_failed, struct mp_error *err);

/* For `migprop replay --trace`: append to `out` case c's plan for dialect
 * d as mp_case_plan() makes it with `opt`: each step, why it is where it
 * is, its precondition verdict, and its SQL; plain lines, each ending in
 * '\n' (replay shows them as report comments). */
void mp_case_trace(struct mp_buf *out, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                   uint64_t seed);

/* Put the change set in an order fixed by the seed and by each operation's
 * own description, so the solver never sees the order it was made in, and
 * removing an operation (shrinking) leaves the others' order unchanged. */
void mp_changeset_scramble(struct mp_arena *a, struct mp_changeset *cs, uint64_t seed);

/* Check one case (with its rows) against one property on backend `d`
 * (`bk` holds every backend the property may need, e.g. both for
 * dialect_agreement).  Returns the verdict; on MP_FAIL, `diag` gets the
 * diagnostic and `kind` (at least 160 bytes) the failure kind the shrinker
 * must preserve: the property, the backend, and for ordering_valid the
 * database's SQLSTATE / SQLite code, "invalid" for a virtual-schema
 * refusal or "plan:<code>" for a planning error; "check" for the other
 * properties' comparisons.  *nops gets the size
 * of the change set (0 when planning failed).  Infrastructure trouble is
 * MP_DISCARD with kind "infra". */
enum mp_verdict mp_check_case(const struct mp_case *c, const struct mp_dataset *data, uint64_t seed,
                              const struct mp_plan_options *plan, const struct mp_property *prop,
                              struct mp_backend *const bk[MP_NDIALECTS], enum mp_dialect d, struct mp_buf *diag,
                              char *kind, size_t *nops);

/* `--jobs auto` takes at most this many workers: past it a run gains
 * little on a shared machine, and each worker holds memory, a trial
 * database and, with PostgreSQL, connections of its own. */
#define MP_JOBS_AUTO_MAX 8
/* ... and at most this many when PostgreSQL is in the run: a worker holds
 * up to 6 connections at once (its trials', its fresh runs' and the 4
 * runner processes' of exactly_once, each kept from trial to trial), and
 * the disposable cluster takes 40 (db/pgcluster.c, max_connections; 3 of
 * them reserved for superusers): 8 workers ran out of connections
 * ("remaining connection slots are reserved") and failed exactly_once
 * falsely, 6 did not; 4 leave room for the parent and a --pg-url
 * server's other clients. */
#define MP_JOBS_AUTO_MAX_PG 4

/* The CPUs this process may run on: sched_getaffinity(2)'s CPU_COUNT, else
 * sysconf(_SC_NPROCESSORS_ONLN); at least 1. */
unsigned mp_jobs_cpus(void);

/* `--jobs auto` with `cpus` CPUs for a run of `trials` trials (with
 * PostgreSQL in it or not): cpus, at most MP_JOBS_AUTO_MAX (with
 * PostgreSQL MP_JOBS_AUTO_MAX_PG) and at most `trials`, at least 1. */
unsigned mp_jobs_auto_for(unsigned cpus, unsigned long trials, bool postgres);

/* mp_jobs_auto_for() of mp_jobs_cpus(). */
unsigned mp_jobs_auto(unsigned long trials, bool postgres);

/* Run all trials and print the report to `out`.  Returns 0 when every
 * property passed, 1 when one failed (or failed its health check), 2 on an
 * infrastructure error (a backend that stopped answering), 128 + the
 * signal (130, 143) when SIGINT or SIGTERM interrupted the run: then the
 * trial in progress is abandoned and the report covers the trials done
 * (interrupt.h). */
int mp_run(const struct mp_run_config *cfg, FILE *out);

#endif
