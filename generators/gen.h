/* gen.h - random schemas and change sets.
 *
 * A case is a start schema, a desired schema and the rename hints that link
 * them.  The generator builds the desired schema by applying random changes,
 * in its own order, to a copy of the start schema; it favours the shapes
 * that break migration tools: rename swaps (a <-> b) and 3-cycles, a foreign
 * key added to a table renamed in the same change set, self-referencing
 * foreign keys on renamed tables, mutual foreign keys between new tables,
 * drops of referenced tables and of indexed columns, and adversarial
 * identifiers (reserved words, mixed case, spaces, quotes, non-ASCII).
 * Generated names are unique case-insensitively, so one case is valid on
 * both PostgreSQL and SQLite. */
#ifndef MP_GEN_H
#define MP_GEN_H

#include "diff.h"
#include "prng.h"

struct mp_case {
    struct mp_schema *start;
    struct mp_schema *desired;
    struct mp_renames renames;
};

/* Generate a case of the given size (>= 1; number of tables and changes grow
 * with it) from `r` into `a`.  Deterministic for a given rng state.  The
 * desired schema is checked against the virtual schema of both dialects;
 * returns 0, or MP_EINTERNAL if no valid case came out of 20 attempts (a
 * generator bug). */
int mp_gen_case(struct mp_arena *a, struct mp_rng *r, unsigned size, struct mp_case *out,
                struct mp_error *err);

/* Add views to case `c` (gen_objects.c): up to two over start tables (a
 * column list, maybe a WHERE and a JOIN along a foreign key) and maybe one
 * over the first of them, carried to the desired schema by the identities
 * of what they read (renamed columns renamed in them, dropped ones cut out,
 * a view left with nothing dropped), and maybe one new view in the desired
 * schema.  Draws from a copy of `seed`, so the case's tables do not change.
 * mp_gen_case() calls it; the scaled cases of benchmarks stay without. */
void mp_gen_views(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c);

/* Add triggers, functions and materialized views to case `c`
 * (gen_triggers.c), each as the dialect that has it writes it (objects
 * restricted to one dialect, model_object.h): maybe an AFTER INSERT trigger
 * on a start table that copies the new row's key into an audit table added
 * for it (SQLite: the trigger; PostgreSQL: a plpgsql function and the
 * trigger), the audit table dropped (and the trigger with it) or renamed in
 * the desired schema now and then; maybe a SQL function counting a table's
 * rows and a materialized view over a table (PostgreSQL only).  Carried to
 * the desired schema by the identities of what they use, like the views.
 * Draws from a copy of `seed`; a case either dialect cannot build is left
 * as it was.  mp_gen_case() calls it after mp_gen_views(). */
void mp_gen_triggers(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c);

/* A case of a chosen scale, for benchmarks: `ntables` start tables and
 * `nchanges` random changes (each of the kinds above; one change may yield
 * several operations, e.g. a swap).  Same validity checks and errors as
 * mp_gen_case(). */
int mp_gen_case_scaled(struct mp_arena *a, struct mp_rng *r, size_t ntables, size_t nchanges,
                       struct mp_case *out, struct mp_error *err);

/* Size for trial number `trial`: grows from 1 by one every 10 trials, up to 12. */
unsigned mp_gen_size(unsigned long trial);

/* Check that `s` can be built from nothing in dialect d (tables, then
 * foreign keys, then its schema-level objects) under the virtual schema's
 * rules. */
int mp_gen_check_schema(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                        struct mp_error *err);

#endif
