/* vschema.h - the virtual schema: a schema model that concrete plan steps
 * are checked against and applied to, under each dialect's rules.
 *
 * The planner validates every step it emits here, the generators check the
 * schemas they make, and the engine replays plans on it; the rules and the
 * documentation each one follows are written at each check in vschema.c. */
#ifndef MP_VSCHEMA_H
#define MP_VSCHEMA_H

#include "ops.h"

/* Check the preconditions of the concrete step `op` against `s` under the
 * rules of dialect `d` and, when they hold, apply its effects to `s` (objects
 * allocated in `a`).  Returns 0, or MP_EPRECOND with err->msg naming the
 * object and the rule; `s` is left unchanged on error.  The rules and their
 * sources are documented at each check in vschema.c. */
int mp_vschema_apply(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d,
                     const struct mp_op *op, struct mp_error *err);

/* True when `name` is taken in the schema-wide relation namespace of `s`:
 * tables and indexes in both dialects, plus primary-key and unique constraint
 * names on PostgreSQL, whose backing indexes live in pg_class (PostgreSQL
 * "CREATE INDEX": the index name must be distinct from any other relation in
 * the schema; SQLite "CREATE TABLE" 2: a table name may not be that of an
 * existing table, index or view). */
bool mp_vschema_name_taken(const struct mp_schema *s, enum mp_dialect d, const char *name);

/* The objects' part of mp_vschema_apply() (vschema_object.c).
 * mp_vschema_object_apply(): CREATE / DROP OBJECT - a view's name must be
 * free in the relation namespace and the tables, columns and views it uses
 * must exist, a trigger's table must exist; an object that another object
 * reads or calls cannot be dropped (PostgreSQL "DROP VIEW" / "DROP
 * FUNCTION" refuse without CASCADE).  mp_vschema_object_guard(): a table
 * step that drops, renames or retypes what an object uses, or (SQLite)
 * rebuilds a table an object uses, is refused while the object exists (the
 * rules of diff_objects.c's touches()).  mp_vschema_forget_triggers(): the
 * triggers of a dropped table go with it (both databases).  MP_EPRECOND
 * naming the object. */
int mp_vschema_object_apply(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err);
int mp_vschema_object_guard(const struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err);
void mp_vschema_forget_triggers(struct mp_schema *s, enum mp_dialect d, const char *table);

/* The name PostgreSQL gives an unnamed primary key of table `table`:
 * ChooseRelationName(table, NULL, "pkey") - "<table>_pkey", the table part
 * truncated to fit NAMEDATALEN-1 = 63 bytes, then "<base>1", "<base>2"...
 * until free (src/backend/commands/indexcmds.c). */
const char *mp_pg_auto_pkey_name(struct mp_arena *a, const struct mp_schema *s,
                                 const char *table);

/* ---- column and table features, sequences (vschema_column.c) ---- */

/* The rules a column's features follow in table `t` under dialect d
 * (identity and serial on integer types without another default, generated
 * columns without a default, STORED only on PostgreSQL, STRICT tables'
 * types, AUTOINCREMENT on the INTEGER PRIMARY KEY only); 0 or MP_EPRECOND
 * naming the column and the rule.  The table form also checks WITHOUT
 * ROWID's primary key. */
int mp_vschema_check_column(const struct mp_table *t, const struct mp_column *c, enum mp_dialect d,
                            struct mp_error *err);
int mp_vschema_check_table_features(const struct mp_table *t, enum mp_dialect d, struct mp_error *err);

/* Apply ALTER COLUMN FEATURES or SET TABLE OPTIONS to table `t`; `t` is
 * unchanged on error (MP_EPRECOND). */
int mp_vschema_apply_features(struct mp_arena *a, struct mp_table *t, enum mp_dialect d, const struct mp_op *op,
                              struct mp_error *err);

/* Apply a schema-object step (mp_op_is_sequence_op(): CREATE, DROP,
 * ALTER SEQUENCE) to `s`; on SQLite, which has no sequences, it does
 * nothing.  MP_EPRECOND for a name in use or a sequence that is missing. */
int mp_vschema_apply_sequence(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err);

/* Apply a type step (mp_op_is_type_op(): CREATE / DROP TYPE, ADD /
 * RENAME ENUM VALUE, REBUILD ENUM, ALTER DOMAIN) to `s` (vschema_type.c).
 * MP_EPRECOND on SQLite (no such types), for a name in use, a missing
 * type or label, a label that exists, or a type a column or domain still
 * uses (DROP TYPE). */
int mp_vschema_apply_type(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                          struct mp_error *err);

/* On PostgreSQL, give every unnamed check of s the name the server gave
 * it when the tables were created in schema order (as mp_sql_schema()
 * creates them; AddRelationNewConstraints(): "<table>_<column>_check",
 * then a number when taken): a schema parsed from text or generated has
 * unnamed checks, and dropping one needs its name.  Call it on a start
 * schema before replaying steps on it, so that checks the steps add are
 * named after the start's, as the server names them.  No-op on SQLite. */
void mp_vschema_name_checks(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d);

#endif
