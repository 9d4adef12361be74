/* gen_sequences.h - standalone sequences for generated cases (PostgreSQL
 * only: every SQLite path leaves sequences out, so a case holding one stays
 * valid on both). */
#ifndef MP_GEN_SEQUENCES_H
#define MP_GEN_SEQUENCES_H

#include "gen.h"

/* Add standalone sequences to case `c` (model_column.h, struct
 * mp_sequence): 1 in 4 cases get one in the start schema (smallint,
 * integer or bigint; ascending by 1, 2 or 5, descending by 1 or 3; maybe a START
 * and CYCLE), which the desired schema drops (1 in 4), alters in place (1
 * in 4: the step, CYCLE, MAXVALUE or MINVALUE) or keeps; 1 in 6 get a new
 * one in the desired schema.  Names seq_N, free as relations and objects
 * in both schemas.  Draws from a copy of `seed`, so the tables and other
 * objects of the case stay as they were.  mp_gen_case() calls it last. */
void mp_gen_sequences(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c);

#endif
