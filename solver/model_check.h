/* model_check.h - CHECK constraints in the schema model: construction,
 * copies, canonical lines, matching by expression, column references.
 *
 * A check's expression is held in the normal form of sqlexpr.h, so two
 * catalogs' spellings of one expression compare equal; every function here
 * that takes an expression normalizes it first. */
#ifndef MP_MODEL_CHECK_H
#define MP_MODEL_CHECK_H

#include "model.h"

/* Copy the checks of `from` into `to` (deep, in `a`); `to` has none yet. */
void mp_table_copy_checks(struct mp_arena *a, struct mp_table *to, const struct mp_table *from);

/* Append t's checks as canonical lines, sorted: "  check (x > 0)\n", with
 * MP_CANON_NAMES "  constraint "c" check (x > 0)\n" for named ones, and
 * " not valid" before the newline when NOT VALID. */
void mp_table_canonical_checks(struct mp_buf *b, const struct mp_table *t, int flags);

/* The position of the check of `t` whose expression (and NOT VALID) equals
 * c's, or -1.  `taken` (t->nchecks entries, or NULL) skips checks already
 * matched. */
long mp_table_find_check(const struct mp_table *t, const struct mp_check *c, const bool *taken);

/* The position of t's check named `name` (dialect d's rule), or -1. */
long mp_table_find_check_named(const struct mp_table *t, enum mp_dialect d, const char *name);

/* True when a check of `t` names column `col`; *which receives the first
 * such check's position when which is not NULL. */
bool mp_table_checks_use(const struct mp_table *t, enum mp_dialect d, const char *col, size_t *which);

/* Rewrite column `old` as `to` in every check expression of `t` (a column
 * rename: PostgreSQL references columns by number, SQLite's RENAME COLUMN
 * rewrites CHECK text, "ALTER TABLE" 3). */
void mp_table_rename_in_checks(struct mp_arena *a, enum mp_dialect d, struct mp_table *t, const char *old,
                               const char *to);

/* Append " CHECK (expr)" clause text, "CONSTRAINT "n" CHECK (expr)" when
 * named (both dialects' CREATE TABLE / ADD CONSTRAINT syntax). */
void mp_check_sql(struct mp_buf *b, const struct mp_check *c);

/* When `expr` is exactly `col IN ('v1', 'v2', ...)` (string literals,
 * column `col` under dialect d's rule; comparison form, so PostgreSQL's
 * = ANY (ARRAY[...]) counts): the values, unquoted, into *out (in `a`) and
 * their number; else 0.  For data that must satisfy such a check. */
size_t mp_check_in_values(struct mp_arena *a, enum mp_dialect d, const char *expr, const char *col,
                          const char ***out);

#endif
