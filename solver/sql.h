/* sql.h - SQL rendering of concrete plan steps per dialect. */
#ifndef MP_SQL_H
#define MP_SQL_H

#include "fault.h"
#include "ops.h"

/* Append CREATE TABLE for `t` (columns, primary key, unique constraints and
 * foreign keys inline), then CREATE INDEX for each of its indexes, each
 * statement ending in ";\n".  With `skip_fks` the foreign keys are left out
 * (the caller adds them later).  `as_name` overrides the table name (NULL:
 * t->name); self-referencing foreign keys keep t->name.  `fault`: a planted
 * self-test fault (fault.h), MP_FAULT_NONE in every normal run; the same
 * parameter on the functions below. */
void mp_sql_create_table(struct mp_buf *b, const struct mp_table *t, enum mp_dialect d,
                         const char *as_name, bool skip_fks, enum mp_fault fault);

/* True when dialect `d` cannot run `op` with ALTER TABLE and needs SQLite's
 * table rebuild ("ALTER TABLE" 7, "Making Other Kinds Of Table Schema
 * Changes"): on SQLite, adding or dropping a foreign key, or dropping a
 * column that DROP COLUMN refuses (primary key, unique). Never on PostgreSQL. */
bool mp_sql_needs_rebuild(enum mp_dialect d, const struct mp_op *op);

/* Append the SQL of concrete step `op`.  `after` is the virtual schema after
 * the step; for a rebuild, `old` is the table as it was before the step
 * (NULL otherwise).  `tmp_name` is a free relation name for the rebuild's new
 * table.  Statements end in ";\n". */
void mp_sql_step(struct mp_buf *b, const struct mp_op *op, enum mp_dialect d,
                 const struct mp_schema *after, const struct mp_table *old,
                 const char *tmp_name, enum mp_fault fault);

/* Append the whole start schema as DDL: every table created without its
 * foreign keys, then the foreign keys (ALTER TABLE on PostgreSQL; on SQLite,
 * which cannot add them later and does not check targets at CREATE time,
 * inline), then the schema-level objects (mp_sql_objects()).
 * Deterministic: tables in schema order. */
void mp_sql_schema(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d, enum mp_fault fault);

/* ---- column and table features (sql_column.c) ---- */

/* The column's type, or serial / bigserial for a serial column on PostgreSQL. */
void mp_sql_column_type(struct mp_buf *b, const struct mp_column *c, enum mp_dialect d);
/* " COLLATE name" when the column has a collation dialect d has. */
void mp_sql_column_collate(struct mp_buf *b, const struct mp_column *c, enum mp_dialect d);
/* " GENERATED ALWAYS AS (expr) STORED|VIRTUAL" and, on PostgreSQL, the
 * identity clause: what follows NOT NULL and DEFAULT in a column definition. */
void mp_sql_column_features(struct mp_buf *b, const struct mp_column *c, enum mp_dialect d);
/* SQLite: " STRICT", " WITHOUT ROWID" after CREATE TABLE's parenthesis. */
void mp_sql_table_options(struct mp_buf *b, const struct mp_table *t, enum mp_dialect d);
/* True when column `col` of `t` carries the table's primary key inline as
 * SQLite's INTEGER PRIMARY KEY AUTOINCREMENT. */
bool mp_sql_autoincrement_pk(const struct mp_table *t, enum mp_dialect d, size_t col);
/* " MATCH FULL" (after the referenced columns) and " DEFERRABLE [INITIALLY
 * DEFERRED]" (after the actions) of a foreign key. */
void mp_sql_fk_match(struct mp_buf *b, const struct mp_fk *f);
void mp_sql_fk_deferrable(struct mp_buf *b, const struct mp_fk *f);
/* PostgreSQL statements (each ending ";\n") that take column op->name of
 * op->table from op->from_feat to op->column.feat: ALTER COLUMN TYPE ...
 * COLLATE, ADD / DROP / SET GENERATED ... IDENTITY, SET START / INCREMENT. */
void mp_sql_alter_column_features(struct mp_buf *b, const struct mp_op *op, enum mp_dialect d);
/* " AS type INCREMENT BY n MINVALUE n MAXVALUE n START WITH n [NO] CYCLE". */
void mp_sql_sequence_options(struct mp_buf *b, const struct mp_sequence *q);
/* PostgreSQL "ALTER TABLE": one statement that drops the primary key
 * op->name (when there is one) and adds op->unique as the new one (when it
 * has columns), "ALTER TABLE t DROP CONSTRAINT old, ADD [CONSTRAINT n]
 * PRIMARY KEY (...)", without the final ";\n" (sql_pk.c). */
void mp_sql_alter_pk(struct mp_buf *b, const struct mp_op *op);
/* Append the creating statement of object `o` (its `sql` and ";\n"), or
 * the DROP of its kind: DROP VIEW, DROP MATERIALIZED VIEW, DROP TRIGGER
 * (on PostgreSQL "... ON table"), DROP FUNCTION / PROCEDURE name(args),
 * DROP EXTENSION (sql_object.c). */
void mp_sql_object_create(struct mp_buf *b, const struct mp_object *o);
void mp_sql_object_drop(struct mp_buf *b, const struct mp_object *o, enum mp_dialect d);

/* Append the creating statements of every object of `s`, in an order they
 * can run in (mp_schema_object_order()). */
void mp_sql_objects(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d);

#endif
