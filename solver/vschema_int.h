/* vschema_int.h - the virtual schema's rule files share these (vschema.c,
 * vschema_check.c); not part of the solver's interface (vschema.h is). */
#ifndef MP_VSCHEMA_INT_H
#define MP_VSCHEMA_INT_H

#include "vschema.h"

/* The name PostgreSQL gives an unnamed CHECK on table t with expression
 * `expr` (heap.c AddRelationNewConstraints, ChooseConstraintName), in `a`. */
const char *mp_pg_auto_check_name(struct mp_arena *a, const struct mp_schema *s, const struct mp_table *t,
                                  const char *expr);

/* ADD CHECK / DROP CHECK of concrete step `op` on table t of s: check and
 * apply; MP_EPRECOND naming the rule, s unchanged on error. */
int mp_vschema_check_op(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, struct mp_table *t,
                        const struct mp_op *op, struct mp_error *err);

/* The checks and index definitions of table t being created in s: with
 * `a` NULL only checked (INCLUDE columns exist, checks have an expression;
 * t is not changed), with `a` (t then the schema's own copy) also given
 * what the database gives: on PostgreSQL unnamed checks the name the
 * server would choose. */
int mp_vschema_check_create(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                            struct mp_table *t, struct mp_error *err);

/* ALTER PRIMARY KEY of concrete step `op` on table t of s: the key
 * op->unique replaces t's (none when it has no columns).  MP_EPRECOND
 * naming the rule, s unchanged on error (vschema_pk.c). */
int mp_vschema_apply_pk(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, struct mp_table *t,
                        const struct mp_op *op, struct mp_error *err);

#endif
