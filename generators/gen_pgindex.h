/* gen_pgindex.h - PostgreSQL-only index options for generated cases:
 * USING hash, NULLS FIRST / LAST and the text_pattern_ops operator class
 * (PostgreSQL "CREATE INDEX", "Operator Classes and Operator Families").
 * PostgreSQL-only: the engine adds them to a case only when no SQLite
 * backend runs it, as it does enum types (gen_types.h). */
#ifndef MP_GEN_PGINDEX_H
#define MP_GEN_PGINDEX_H

#include "gen.h"

/* Give some indexes of case `c` options only PostgreSQL has, drawing from
 * a stream seeded with `seed` (the case's tables and columns do not
 * change): an index of the desired schema gets one option at times, and
 * the start's index of the same identity the same option half of those
 * times (else the plan rebuilds it), or an option of its own that the
 * desired schema drops.  Options go only where they reference nothing
 * new: hash on a one-column non-unique index of a plain ascending column,
 * NULLS FIRST (ascending) or NULLS LAST (descending) on a plain column key
 * of a B-tree index, text_pattern_ops on a plain text column key of a
 * B-tree index without a collation. */
void mp_gen_pg_index_options(struct mp_arena *a, uint64_t seed, struct mp_case *c);

#endif
