/* shrink.h - shrinking a failing case to a minimal one.
 *
 * Greedy delta debugging in the manner of Hypothesis and theft, searched by
 * the shrink core (shrink_core.h), whose tactics these are: candidate
 * simplifications are tried largest first (a whole table, then a column, a
 * foreign key, index or unique constraint, an altered column or dropped
 * table left as it was, an added column present from the start, a rename
 * undone, then rows), and
 * after every candidate that still fails the same way the search restarts
 * from the top.  "The same way" is the failure kind of mp_check_case(): the
 * same property on the same backend with the same SQLSTATE / SQLite code,
 * virtual-schema refusal, planning error or failed comparison.  Every
 * candidate must still be a valid pair of schemas for the dialect.  The
 * search is deterministic; the time budget can only cut it short. */
#ifndef MP_SHRINK_H
#define MP_SHRINK_H

#include "engine.h"
#include "shrink_core.h"

struct mp_shrink_result {
    struct mp_case c;          /* the smallest failing case found (in the arena given) */
    struct mp_dataset data;
    long steps;                /* candidates checked */
    long accepted;             /* candidates that still failed the same way */
    double ms;                 /* time spent */
    size_t ops;                /* operations in its change set */
    char message[2048];        /* the property's diagnostic for it */
};

/* Shrink the failing case (c, data) of property `prop` on backend `d`
 * (failure kind `kind`), within `budget` (NULL or zero fields: the core's
 * defaults, 30 s and 5000 checks).  Memory from `a`.  Never fails: at
 * worst the result is (a copy of) the input. */
void mp_shrink(struct mp_arena *a, const struct mp_case *c, const struct mp_dataset *data, uint64_t seed,
               const struct mp_plan_options *plan, const struct mp_property *prop, struct mp_backend *const bk[MP_NDIALECTS],
               enum mp_dialect d, const char *kind, const struct mp_shrink_budget *budget, struct mp_shrink_result *out);

/* A caller's own failure check for mp_shrink_case(): `fails` runs the
 * candidate (c, data; both in the shrinker's arena, valid for the dialect)
 * and says whether it still fails the same way.  `env` is the caller's. */
struct mp_case_check {
    bool (*fails)(const struct mp_case *c, const struct mp_dataset *data, void *env);
    void *env;
};

/* Shrink the failing case (c, data) with the same tactics as mp_shrink()
 * but `check` as the test of a candidate (runner-check's tool checks use
 * it).  out->ops and out->message are left 0 and empty: the check keeps
 * what it saw.  Memory from `a`; never fails. */
void mp_shrink_case(struct mp_arena *a, const struct mp_case *c, const struct mp_dataset *data, enum mp_dialect d,
                    const struct mp_case_check *check, const struct mp_shrink_budget *budget,
                    struct mp_shrink_result *out);

#endif
