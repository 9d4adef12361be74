/* sql_type.h - the SQL of PostgreSQL enum types and domains: their
 * creating statements and the plan steps on them (model_type.h, ops.h). */
#ifndef MP_SQL_TYPE_H
#define MP_SQL_TYPE_H

#include "ops.h"

/* Append CREATE TYPE "t" AS ENUM ('a', ...) or CREATE DOMAIN "d" AS base
 * [COLLATE c] [DEFAULT x] [NOT NULL] [CONSTRAINT n] CHECK (...) ...,
 * ending ";\n" (PostgreSQL "CREATE TYPE", "CREATE DOMAIN"). */
void mp_sql_create_utype(struct mp_buf *b, const struct mp_utype *t);

/* Append the creating statements of every type of `s` in an order they
 * can run in: enums, then domains (a domain may be over an enum); nothing
 * on SQLite. */
void mp_sql_utypes(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d);

/* The name a rebuild of enum `name` creates its new type under (in `a`):
 * "<name>__mp_new", the name cut to stay under NAMEDATALEN. */
const char *mp_sql_rebuild_name(struct mp_arena *a, const char *name);

/* Append the SQL of concrete type step `op` (mp_op_is_type_op()); `after`
 * is the virtual schema after the step (a rebuild retypes the columns
 * that use the type there).  Statements end in ";\n".  ADD VALUE: on
 * PostgreSQL 12+ it runs in a transaction block, but the new label cannot
 * be used before the transaction commits ("ALTER TYPE", Notes; before
 * 12 it cannot run in a transaction block at all). */
void mp_sql_type_step(struct mp_buf *b, const struct mp_op *op, const struct mp_schema *after);

#endif
