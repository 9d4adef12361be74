/* gen_features.h - random column and table features for the generator
 * (gen.c): identity and serial keys, AUTOINCREMENT, STRICT and WITHOUT
 * ROWID tables, collations, generated columns, deferrable and MATCH FULL
 * foreign keys (model_column.h).  Features one dialect lacks are drawn all
 * the same: each dialect's DDL and read-back keep what it has
 * (mp_table_project()), so one case stays valid on both. */
#ifndef MP_GEN_FEATURES_H
#define MP_GEN_FEATURES_H

#include "model_column.h"
#include "prng.h"

/* A new table's options: STRICT (1 in 8), WITHOUT ROWID (1 in 8). */
void mp_gen_feat_table(struct mp_rng *r, struct mp_table *t);

/* The key column of a new table: an identity (1 in 5, ALWAYS or BY
 * DEFAULT, sometimes with START / INCREMENT), serial (1 in 6) or, for an
 * integer key of a rowid table, AUTOINCREMENT (1 in 6). */
void mp_gen_feat_key(struct mp_rng *r, const struct mp_table *t, struct mp_column *id);

/* A type a column of `t` may have (STRICT: integer, text or bytes),
 * `drawn` when it already may. */
struct mp_type mp_gen_feat_type(struct mp_rng *r, const struct mp_table *t, struct mp_type drawn);

/* A data column's collation: 1 in 5 text or varchar columns get "C",
 * "POSIX", NOCASE or RTRIM. */
void mp_gen_feat_collation(struct mp_rng *r, struct mp_column *c);

/* Turn the new nullable column `c` of `t` (no default) into a STORED
 * generated column over an integer column of t (1 in 6 when there is
 * one): `"x" + 1` or `"x" * 2`, of x's type.  Returns whether it did. */
bool mp_gen_feat_generated(struct mp_arena *a, struct mp_rng *r, const struct mp_table *t, struct mp_column *c);

/* A new foreign key's options: DEFERRABLE (1 in 5, half of those
 * INITIALLY DEFERRED), MATCH FULL (1 in 6). */
void mp_gen_feat_fk(struct mp_rng *r, struct mp_fk *f);

/* True when `c` holds values the database makes or computes (identity,
 * serial, generated): no ALTER of type, NOT NULL or default is drawn for
 * it, and no unique key over it. */
bool mp_gen_feat_special(const struct mp_column *c);

#endif
