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

#endif
