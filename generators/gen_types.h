/* gen_types.h - random PostgreSQL enum types and domains for generated
 * cases and rows of them (model_type.h).  PostgreSQL-only: the engine adds
 * them to a case only when no SQLite backend runs it, since SQLite has
 * neither and a case is run on every backend of a run. */
#ifndef MP_GEN_TYPES_H
#define MP_GEN_TYPES_H

#include "gen.h"

/* Add types to case `c`, drawing from a stream seeded with `seed` (the
 * case's tables do not change): half the time an enum "mp_mood" (2 to 4
 * labels, one with a quote and a blank at times) used by a new nullable
 * start column "mp_e" of a start table, and a domain "mp_posint" (integer,
 * CHECK (VALUE >= 0), at times NOT NULL-free DEFAULT 0) used by "mp_d";
 * then in the desired schema some of: labels added before, between or
 * after the old ones (ALTER TYPE ... ADD VALUE), a text column "mp_t" of
 * the start turned into the enum (its rows hold labels), a new enum
 * "mp_level" with a new column of it, the domain's check tightened or
 * given a second one, the domain dropped with its column. */
void mp_gen_types(struct mp_arena *a, uint64_t seed, struct mp_case *c);

/* The labels a column of type `t` (start) whose target in the desired
 * schema has type `dt` (NULL: none) may hold so that both accept them:
 * the start enum's labels, or the desired enum's when only it is one; 0
 * when neither type is an enum.  *out in `a`. */
size_t mp_gen_type_labels(struct mp_arena *a, const struct mp_schema *start, const struct mp_type *t,
                          const struct mp_schema *desired, const struct mp_type *dt, const char ***out);

/* The type values of a column of type `t` are drawn as: a domain's base
 * type, `t` otherwise. */
const struct mp_type *mp_gen_type_value_type(const struct mp_schema *s, const struct mp_type *t);

#endif
