/* shrink_core.c - the one shrinking search (see shrink_core.h). */
#include "shrink_core.h"
#include "os.h"

void *mp_shrink_search(const struct mp_shrink_type *type, void *start, const struct mp_shrink_budget *budget,
                       void *env, struct mp_shrink_stats *stats)
{
    struct mp_shrink_stats st = {0};
    double t0 = mp_now();
    double seconds = budget && budget->seconds ? budget->seconds : MP_SHRINK_DEFAULT_SECONDS;
    long max_steps = budget && budget->steps ? budget->steps : MP_SHRINK_DEFAULT_STEPS;
    double deadline = seconds < 0 ? -1 : t0 + seconds;
    void *best = type->copy ? type->copy(start, env) : start;
    bool progress = true;
    while (progress && !st.cut_short) {
        progress = false;
        /* largest tactic first; after a success, from the top again */
        for (size_t tactic = 0; tactic < type->ntactics && !progress && !st.cut_short; tactic++) {
            for (uint64_t i = 0;; i++) {
                void *cand = NULL;
                enum mp_shrink_res res = type->shrink(best, tactic, i, &cand, env);
                if (res == MP_SHRINK_NO_MORE)
                    break;
                if (res == MP_SHRINK_DEAD_END)
                    continue;
                if ((deadline >= 0 && mp_now() > deadline) || (max_steps >= 0 && st.steps >= max_steps)) {
                    if (type->free)
                        type->free(cand, env);
                    st.cut_short = true;
                    break;
                }
                st.steps++;
                if (type->same_failure(cand, env)) {
                    st.accepted++;
                    if (type->free && (type->copy || best != start))
                        type->free(best, env);
                    best = cand;
                    progress = true;
                    break;
                }
                if (type->free)
                    type->free(cand, env);
            }
        }
    }
    st.ms = (mp_now() - t0) * 1e3;
    if (stats)
        *stats = st;
    return best;
}
