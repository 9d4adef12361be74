/* plan.h - the planner: orders a change set into a valid plan.
 *
 * Algorithm (after PostgreSQL's src/bin/pg_dump/pg_dump_sort.c): resolve
 * every operation's names to object identities (a table or column keeps its
 * identity across renames); derive dependency edges from what each
 * operation needs, frees, creates and removes; pre-sort by (kind priority,
 * description) so the input order never matters; run a heap-based stable
 * topological sort (Kahn); when it stalls, find the loop's members, repair a
 * known loop shape (a rename cycle through a temporary name, a foreign key
 * split out of CREATE TABLE, a foreign key dropped before a DROP TABLE) and
 * sort again; a loop of no known shape is an error naming its members.
 * Finally every step is rendered with the names current at its position,
 * applied to the virtual schema (which re-checks every precondition) and
 * turned into SQL. */
#ifndef MP_PLAN_H
#define MP_PLAN_H

#include "fault.h"
#include "ops.h"
#include "vschema.h" /* steps are concrete ops of the virtual schema; `final` is one */

enum mp_solver_kind {
    MP_SOLVER_DEFAULT, /* the planner above */
    MP_SOLVER_NAIVE    /* the change set in the order given, names as written:
                        * the baseline that properties must catch */
};

/* Options of mp_plan_build(); NULL or all zero: the default solver, no fault. */
struct mp_plan_options {
    enum mp_solver_kind solver;
    enum mp_fault fault;   /* `migprop selftest` only: a planted fault in the SQL it
                            * renders (fault.h); MP_FAULT_NONE in normal runs */
};

struct mp_step {
    struct mp_op op;       /* concrete: names as they are when the step runs */
    long source;           /* index in the change set; -1 for a repair step */
    const char *why;       /* "after step 3: step 3 creates table "post"", or NULL */
    const char *sql;       /* statements for the plan's dialect, each ending ";\n" */
    const char *invalid;   /* naive solver: the virtual schema's objection, or NULL */
};

/* A dependency between two steps (0-based): `to` runs after `from` because
 * of `why` ("it frees the name "users"", "needs table "post"", ...). */
struct mp_plan_dep {
    size_t from, to;
    const char *why;
};

struct mp_plan {
    enum mp_dialect dialect;
    struct mp_step *steps;
    size_t n, cap;
    struct mp_plan_dep *deps; /* the dependency graph, grouped by `to` in step order; empty for naive plans */
    size_t ndeps, capdeps;
    bool sqlite_fk_off;    /* SQLite: a rebuild needs PRAGMA foreign_keys=OFF around the plan */
    struct mp_schema *final; /* the virtual schema after the last step */
    enum mp_fault fault;     /* the planted fault it was rendered with (MP_FAULT_NONE) */
};

/* Plan change set `cs` against `start` for dialect `d`.  All memory comes
 * from `a`; *out is set on success.  `start` and `cs` are not modified.
 * Errors: MP_EINVAL for a change set that names unknown objects or
 * contradicts itself (the message names the operation), MP_ECYCLE for a
 * change set that cannot be ordered (the message lists the operations in the
 * loop), MP_EINTERNAL when a planned step fails the virtual schema (a
 * planner bug).  The naive solver never fails: it records objections in
 * step->invalid and renders what it can. */
int mp_plan_build(struct mp_arena *a, const struct mp_schema *start,
                  const struct mp_changeset *cs, enum mp_dialect d,
                  const struct mp_plan_options *opt, struct mp_plan **out, struct mp_error *err);

/* Append the plan as one SQL script with a comment per step (what it does
 * and why it is where it is), wrapped for the dialect: BEGIN/COMMIT, and on
 * SQLite with rebuilds PRAGMA foreign_keys=OFF before BEGIN,
 * before COMMIT a foreign-key check that fails the script when
 * pragma_foreign_key_check has rows, and foreign_keys=ON after.  A step
 * that destroys data carries a "-- DATA LOSS:" comment. */
void mp_plan_script(struct mp_buf *b, const struct mp_plan *p);

/* Append step i (0-based) of the plan: "-- step N: what" and "-- after
 * step M: why" comment lines, then its SQL. */
void mp_plan_step_text(struct mp_buf *b, const struct mp_plan *p, size_t i);

/* The rows or values step `i` of `p` destroys, as one line ("drops table
 * \"t\" and its rows"), or NULL when it keeps every value.  Drops of tables
 * and columns lose data; type changes are value-preserving casts only
 * (mp_type_widens) and lose none; the rebuild of an enum that loses labels
 * is one (plan_type.c).  The script prints it as a "-- DATA LOSS:"
 * comment on the step; `migprop plan --fail-on-data-loss` exits 1 on one.
 * The string is static or in the plan's arena. */
const char *mp_plan_step_data_loss(struct mp_arena *a, const struct mp_plan *p, size_t i);

#endif
