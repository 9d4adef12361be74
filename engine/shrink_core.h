/* shrink_core.h - the one shrinking search: given a failing candidate and a
 * table of callbacks for its type, find a smaller candidate that still
 * fails the same way.
 *
 * The shape is theft's (github.com/silentbicycle/theft, theft_types.h:
 * "theft_shrink_cb"): one table of callbacks per shrinkable type plus a
 * `void *env`, and a shrink callback that is asked for "this instance,
 * simplified by tactic #n".  Theft's contract: tactics are ordered by how
 * much they simplify, largest first; the callback writes a fresh simpler
 * instance to *output and returns THEFT_SHRINK_OK, returns
 * THEFT_SHRINK_DEAD_END when the tactic cannot simplify this instance, and
 * THEFT_SHRINK_NO_MORE_TACTICS when there is no such tactic; after every
 * simplification that still fails, the search starts again from the first
 * tactic.  Here a tactic is a kind of simplification ("drop a table",
 * "drop a command") and `i` enumerates its variants of the current
 * candidate ("the i-th table"): theft's single tactic number is our
 * (tactic, i) pair in that order, so MP_SHRINK_DEAD_END skips one variant
 * and MP_SHRINK_NO_MORE ends the tactic.
 *
 * The search:
 *     best = copy(start)
 *   again:
 *     for tactic = 0 .. ntactics-1, for i = 0, 1, ...:
 *       shrink(best, tactic, i) -> NO_MORE: next tactic; DEAD_END: next i;
 *       OK: candidate -> one step: same_failure(candidate)?
 *           yes: best = candidate, goto again;  no: free it, next i
 *   until every tactic is exhausted (a local minimum) or the budget is.
 * It is deterministic when the callbacks are; the budget can only cut it
 * short. */
#ifndef MP_SHRINK_CORE_H
#define MP_SHRINK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a shrink callback returns. */
enum mp_shrink_res {
    MP_SHRINK_OK,        /* *out is a new, simpler candidate */
    MP_SHRINK_DEAD_END,  /* variant i of this tactic gives nothing here; try i + 1 */
    MP_SHRINK_NO_MORE    /* this tactic has no variant i or later; next tactic */
};

/* One table of callbacks per shrinkable type.  `env` is the caller's, passed
 * to every callback. */
struct mp_shrink_type {
    /* Kinds of simplification, tried in order 0 .. ntactics-1: the largest
     * first. */
    size_t ntactics;
    /* Variant i of tactic `tactic` of `cand` into *out (a candidate the
     * search owns from then on, released with `free`).  Must not change
     * `cand`. */
    enum mp_shrink_res (*shrink)(const void *cand, size_t tactic, uint64_t i, void **out, void *env);
    /* Check a candidate again: does it still fail the same way?  It may
     * record in `cand` (or env) what it saw, e.g. the failure's message. */
    bool (*same_failure)(void *cand, void *env);
    /* Optional: a copy of the starting candidate for the search to own
     * (NULL: the search starts from `start` itself and never frees it). */
    void *(*copy)(const void *cand, void *env);
    /* Optional: release a candidate (NULL: candidates live in an arena). */
    void (*free)(void *cand, void *env);
};

/* Defaults of struct mp_shrink_budget. */
#define MP_SHRINK_DEFAULT_SECONDS 30.0
#define MP_SHRINK_DEFAULT_STEPS 5000L

/* How long a search may go on: 0 means the default above, a negative value
 * no limit. */
struct mp_shrink_budget {
    double seconds;  /* wall time, on the monotonic clock */
    long steps;      /* same_failure() calls */
};

/* What a search did. */
struct mp_shrink_stats {
    long steps;      /* candidates checked (same_failure() calls) */
    long accepted;   /* of which still failed the same way */
    double ms;       /* time spent */
    bool cut_short;  /* the budget ended it before a local minimum */
};

/* Shrink `start` (which fails) as far as `budget` allows (NULL: the
 * defaults) and return the smallest candidate found that fails the same
 * way: `start` itself when nothing smaller fails (or, with `copy`, its
 * copy).  The result belongs to the caller (release it with type->free
 * unless it is `start`).  `stats` may be NULL.  Never fails. */
void *mp_shrink_search(const struct mp_shrink_type *type, void *start, const struct mp_shrink_budget *budget,
                       void *env, struct mp_shrink_stats *stats);

#endif
