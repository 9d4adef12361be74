/* catalog_pg_feat.h - column features and standalone sequences from the
 * PostgreSQL catalog reader's rows (catalog_pg.c) into the model
 * (model_column.h).  Text in, model out: no libpq here. */
#ifndef MP_CATALOG_PG_FEAT_H
#define MP_CATALOG_PG_FEAT_H

#include "model_column.h"

/* Fill c->feat from pg_attribute and the column's sequences: `identity`
 * attidentity ('a', 'd' or '\0'), `start` / `increment` the identity
 * sequence's seqstart / seqincrement (NULL without one), `collation` the
 * collation name when it is not the type's default (NULL otherwise),
 * `serial` whether the column owns a serial-shaped sequence that its
 * nextval() default draws from (the default is then dropped: serial
 * stands for it).  Strings are copied into `a`. */
void mp_pg_read_column_features(struct mp_arena *a, struct mp_column *c, char identity, const char *start,
                                const char *increment, const char *collation, bool serial);

/* Append standalone sequence `name` (format_type `type`, the pg_sequence
 * values as text) to `s`. */
void mp_pg_read_sequence(struct mp_arena *a, struct mp_schema *s, const char *name, const char *type,
                         const char *start, const char *increment, const char *min, const char *max, bool cycle);

#endif
