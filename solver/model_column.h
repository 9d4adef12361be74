/* model_column.h - column and table features beyond type, NOT NULL and
 * default (struct mp_colfeat: identity, serial, generated columns, COLLATE,
 * AUTOINCREMENT; SQLite STRICT / WITHOUT ROWID tables; foreign-key
 * DEFERRABLE / MATCH FULL) and standalone sequences: their canonical text,
 * equality, copying, and the projection of a dialect-neutral table onto one
 * dialect (what that dialect can hold).
 *
 * Sources: PostgreSQL "CREATE TABLE" (GENERATED ... AS IDENTITY, GENERATED
 * ALWAYS AS ... STORED, COLLATE, DEFERRABLE, MATCH FULL), "CREATE
 * SEQUENCE", 8.1.4 "Serial Types"; SQLite "CREATE TABLE" (3.2 AUTOINCREMENT,
 * "Generated Columns", "STRICT Tables", "WITHOUT ROWID Tables", "Datatypes
 * In SQLite" 7 collating sequences BINARY, NOCASE, RTRIM). */
#ifndef MP_MODEL_COLUMN_H
#define MP_MODEL_COLUMN_H

#include "model.h"

/* A standalone sequence (PostgreSQL CREATE SEQUENCE; a sequence owned by a
 * column is part of that column: serial, identity).  Every value is stored
 * as given; mp_sequence_defaults() says which are the defaults. */
struct mp_sequence {
    const char *name;
    const char *type;    /* "smallint", "integer" or "bigint" (the default) */
    int64_t start, increment, min, max;
    bool cycle;
};

/* Fill start/min/max of `s` with PostgreSQL's defaults for its type and
 * increment ("CREATE SEQUENCE": MINVALUE 1 and MAXVALUE the type's maximum
 * for an ascending sequence, the type's minimum and -1 for a descending
 * one; START the minimum, or the maximum when descending); increment 0
 * becomes 1. */
void mp_sequence_defaults(struct mp_sequence *s);

/* The sequence of `s` named `name` (dialect d's rules), or NULL; append a
 * copy of `q` (strings copied into `a`). */
struct mp_sequence *mp_schema_sequence(const struct mp_schema *s, enum mp_dialect d, const char *name);
struct mp_sequence *mp_schema_put_sequence(struct mp_arena *a, struct mp_schema *s, const struct mp_sequence *q);

/* Remove sequence number `i`, keeping the order of the others. */
void mp_schema_remove_sequence(struct mp_schema *s, size_t i);

/* Same sequence options (names aside). */
bool mp_sequence_eq(const struct mp_sequence *x, const struct mp_sequence *y);

/* Append the options of `q` that are not defaults (" start 5 increment
 * 2 cycle"), and the canonical line of a sequence ("sequence "s" ...\n"). */
void mp_sequence_options(struct mp_buf *b, const struct mp_sequence *q);
void mp_sequence_canonical(struct mp_buf *b, const struct mp_sequence *q);

/* Deep copy of the strings of `f` into `a` (the struct itself is copied by
 * the caller). */
void mp_colfeat_copy(struct mp_arena *a, struct mp_colfeat *f);

/* Same features; generation expressions compare in canonical form. */
bool mp_colfeat_eq(const struct mp_colfeat *x, const struct mp_colfeat *y);

/* Append the canonical text of the features of `c` that come before its
 * default (" collate "C" identity always start 5 serial autoincrement"),
 * and of its generation expression (" generated stored <expr>"), which like
 * a default runs to the end of the line.  MP_CANON_PORTABLE leaves out what
 * only one dialect has. */
void mp_colfeat_canonical(struct mp_buf *b, const struct mp_column *c, int flags);
void mp_colfeat_canonical_generated(struct mp_buf *b, const struct mp_column *c);

/* Append expression `e` in a form both catalogs' spellings of one
 * expression reduce to: whitespace outside literals dropped, double quotes
 * removed around lower-case plain identifiers, redundant outer parentheses
 * dropped (PostgreSQL's pg_get_expr() gives "(a * 2)" for "a" * 2). */
void mp_expr_canonical(struct mp_buf *b, const char *e);

/* True when collation `name` exists in every database of dialect d: SQLite
 * has BINARY, NOCASE and RTRIM built in; PostgreSQL has "C", "POSIX" and
 * "default" everywhere (others depend on the server's locales, but any
 * name other than SQLite's three is taken as PostgreSQL's). */
bool mp_collation_in_dialect(enum mp_dialect d, const char *name);

/* True when `t` may be the declared type of a column of a STRICT table
 * (SQLite "STRICT Tables" 2: INT, INTEGER, REAL, TEXT, BLOB, ANY): the
 * logical integer, text and bytes types, or such a raw type. */
bool mp_strict_type_ok(const struct mp_type *t);

/* Drop from `t` what dialect d cannot hold, as its DDL renders it
 * (sql.c leaves it out): on PostgreSQL STRICT, WITHOUT ROWID, AUTOINCREMENT
 * and SQLite's collations; on SQLite identity, serial and PostgreSQL's
 * collations, and the index options only PostgreSQL has (mp_index_project():
 * USING, operator classes, NULLS FIRST / LAST, INCLUDE).  An identity or
 * serial column is NOT NULL on PostgreSQL.  The table must be a copy
 * (mp_table_clone()): its index key arrays are changed in place. */
void mp_table_project(struct mp_table *t, enum mp_dialect d);
/* True when `t` or one of its columns has a feature of model_column.h, or
 * one of its indexes an option only PostgreSQL has (mp_index_pg_only()). */
bool mp_table_has_features(const struct mp_table *t);
void mp_column_project(struct mp_column *c, enum mp_dialect d);

/* True when column `col` appears in a generation expression of `t` (as
 * a word, quoted or not): what PostgreSQL refuses to drop or retype
 * ("cannot drop column ... because other objects depend on it") and SQLite
 * fails on ("no such column" after DROP COLUMN). */
bool mp_table_column_in_generated(const struct mp_table *t, const char *col);

/* `t` without its generated columns (a shallow copy in `a`; `t` itself
 * when it has none): the columns rows are written to and read from, since
 * a generated column's values are computed ("Generated Columns"; PostgreSQL
 * "cannot insert a non-DEFAULT value into column"). */
const struct mp_table *mp_table_stored_columns(struct mp_arena *a, const struct mp_table *t);

/* True when `t` has a GENERATED ALWAYS AS IDENTITY column: PostgreSQL
 * inserts explicit values into it only with OVERRIDING SYSTEM VALUE. */
bool mp_table_has_identity_always(const struct mp_table *t);

/* True when a foreign key of `s` is DEFERRABLE INITIALLY DEFERRED. */
bool mp_schema_has_deferred_fk(const struct mp_schema *s);

/* NULL when generation expression `e` is made only of column names
 * (bare words or double-quoted), unsigned integers, + - * / and
 * parentheses, with blanks between: the form a case file may hold, since
 * the expression is pasted into the DDL migprop runs; else why not. */
const char *mp_expr_refusal(const char *e);

/* A copy of expression `e` in `a` in which every whole word `old` (bare,
 * compared case-insensitively, or double-quoted, exactly) is `new_name`,
 * double-quoted: what RENAME COLUMN does to a generation expression
 * (SQLite "ALTER TABLE" 3 rewrites it; PostgreSQL stores it by attnum). */
const char *mp_genexpr_rename(struct mp_arena *a, const char *e, const char *old, const char *new_name);

#endif
