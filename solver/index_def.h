/* index_def.h - the full definition of an index in the schema model: key
 * expressions, DESC, NULLS FIRST / LAST, COLLATE, operator class, access
 * method, INCLUDE columns, NULLS NOT DISTINCT and a partial index's WHERE
 * (PostgreSQL "CREATE INDEX"; SQLite "CREATE INDEX", "Partial Indexes",
 * "Indexes On Expressions").  Its canonical text, its SQL, its parse from
 * CREATE INDEX text (SQLite's sqlite_schema.sql, PostgreSQL's
 * pg_get_indexdef()), comparison, and the columns it uses.
 *
 * struct mp_index (model.h) keeps `cols` as the key list: a key column's
 * name, or for an expression key its expression text (keys[i].expr says
 * which); `keys` is NULL for an index of plain ascending columns. */
#ifndef MP_INDEX_DEF_H
#define MP_INDEX_DEF_H

#include "model.h"

/* Copy the definition beyond name/unique/cols/id from `from` into `to`
 * (deep, in `a`). */
void mp_index_copy_def(struct mp_arena *a, struct mp_index *to, const struct mp_index *from);

/* True when key i is a plain column (no expression). */
bool mp_index_key_is_column(const struct mp_index *x, size_t i);

/* True when every key is a column and the index has no predicate and the
 * default access method: what can back a foreign key (PostgreSQL requires a
 * non-partial unique index without expressions, tablecmds.c
 * transformFkeyCheckAttrs()). */
bool mp_index_keys_plain(const struct mp_index *x);

/* The key of position i, defaults when x->keys is NULL. */
struct mp_index_key mp_index_key_at(const struct mp_index *x, size_t i);

/* Make x->keys exist (cols.n default keys), so key i can be set. */
struct mp_index_key *mp_index_keys_make(struct mp_arena *a, struct mp_index *x);

/* Drop the redundant parts: NULLS order equal to the direction's default,
 * x->keys when every key is a default ascending column, method "btree". */
void mp_index_tidy(struct mp_index *x);

/* Append the key list and what follows it as the canonical form prints
 * them: [using M ](KEY, ...)[ include (...)][ nulls not distinct][ where (P)]
 * with each KEY "col" or (expr), then [ collate "c"][ opclass "o"][ desc]
 * [ nulls first|last].  A plain index prints ("a", "b"), as always. */
void mp_index_canonical(struct mp_buf *b, const struct mp_index *x);
/* The same, without what SQLite cannot keep (mp_index_project()) when
 * `portable`: the form two dialects' read-backs compare in
 * (MP_CANON_PORTABLE). */
void mp_index_canonical_ex(struct mp_buf *b, const struct mp_index *x, bool portable);

/* Append CREATE [UNIQUE] INDEX "name" ON "table" ... ;\n in dialect d. */
void mp_index_sql(struct mp_buf *b, const struct mp_index *x, const char *table, enum mp_dialect d);

/* Same definition (all of it but the name and id) under dialect d's name
 * rules, expressions by normal form. */
bool mp_index_def_eq(enum mp_dialect d, const struct mp_index *x, const struct mp_index *y);

/* True when the index uses column `col`: as a key, in a key expression, in
 * its predicate or as an INCLUDE column. */
bool mp_index_uses(enum mp_dialect d, const struct mp_index *x, const char *col);

/* Rewrite column names by the k pairs from[i] -> to[i] everywhere in x (in
 * `a`): keys, expressions, predicate, INCLUDE.  A to[i] of NULL means the
 * column is gone: then returns false (the index cannot survive). */
bool mp_index_translate(struct mp_arena *a, enum mp_dialect d, struct mp_index *x, size_t k,
                        const char *const *from, const char *const *to);

/* Parse CREATE INDEX text into `out` (name, unique, keys, method,
 * INCLUDE, NULLS NOT DISTINCT, WHERE; the table name is skipped), in `a`.
 * MP_EINVAL with a message when the text is not one the parser knows (WITH
 * storage parameters, TABLESPACE, ...): the caller records the index as
 * not modelled. */
int mp_index_parse_sql(struct mp_arena *a, const char *sql, struct mp_index *out, struct mp_error *err);

/* The text parser's side (text.h): parse what follows the index name in a
 * canonical line at *p (advanced), into x. MP_EINVAL with `what` naming the
 * expected part. */
int mp_index_parse_canonical(struct mp_arena *a, const char **p, struct mp_index *x, const char **what);

/* ---- options only PostgreSQL has (index_portable.c) ---- */

/* True when `x` uses USING, an operator class, NULLS FIRST / LAST,
 * INCLUDE or NULLS NOT DISTINCT. */
bool mp_index_pg_only(const struct mp_index *x);

/* `x` as dialect d keeps it, in place (x's key array is changed: call it
 * on a copy, as mp_table_project() is): on SQLite USING, operator
 * classes, NULLS FIRST / LAST and INCLUDE are dropped (SQLite builds the
 * same keys as a B-tree; they never change which rows are accepted);
 * NULLS NOT DISTINCT is kept, for mp_index_sqlite_refusal().  PostgreSQL:
 * unchanged. */
void mp_index_project(struct mp_index *x, enum mp_dialect d);

/* Why SQLite cannot hold `x` (a unique index with NULLS NOT DISTINCT, which
 * SQLite's NULL-distinct unique indexes would weaken), or NULL. */
const char *mp_index_sqlite_refusal(const struct mp_index *x);

#endif
