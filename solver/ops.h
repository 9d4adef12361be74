/* ops.h - change operations, change sets, and the virtual schema.
 *
 * An operation is used in two roles:
 *
 *  - In a CHANGE SET (unordered, from the diff or a generator) names follow
 *    one rule: what an operation removes or renames is named as it is in the
 *    start schema; what it adds is named as it will be in the desired schema.
 *    So DROP TABLE / DROP COLUMN / DROP INDEX / DROP FOREIGN KEY and the old
 *    side of RENAME use start names (including the table's start name); CREATE
 *    TABLE, ADD COLUMN, ADD INDEX, ADD FOREIGN KEY and the new side of RENAME
 *    use desired names.  A change set therefore means the same thing in any
 *    order, and the planner (plan.h) is free to choose one.  Operations that
 *    alter a surviving object (column type, NOT NULL, default; RENAME INDEX)
 *    name it, and its table, as in the start schema.
 *
 *  - In a PLAN STEP every name is the object's name at the moment the step
 *    runs; mp_vschema_apply() (vschema.h) checks and applies such concrete
 *    steps.
 */
#ifndef MP_OPS_H
#define MP_OPS_H

#include "model.h"
#include "model_column.h"
#include "model_type.h"

enum mp_op_kind {
    MP_OP_CREATE_TABLE,
    MP_OP_DROP_TABLE,
    MP_OP_RENAME_TABLE,
    MP_OP_ADD_COLUMN,
    MP_OP_DROP_COLUMN,
    MP_OP_RENAME_COLUMN,
    MP_OP_ADD_FK,
    MP_OP_DROP_FK,
    MP_OP_ADD_INDEX,
    MP_OP_DROP_INDEX,
    MP_OP_RENAME_INDEX,   /* name -> new_name, on `table` */
    MP_OP_ALTER_TYPE,     /* column `name` gets column.type (value-preserving casts) */
    MP_OP_SET_NOT_NULL,   /* column `name` */
    MP_OP_DROP_NOT_NULL,  /* column `name` */
    MP_OP_SET_DEFAULT,    /* column `name` gets column.default_sql */
    MP_OP_DROP_DEFAULT,   /* column `name` */
    MP_OP_ADD_UNIQUE,     /* unique constraint `unique` */
    MP_OP_DROP_UNIQUE,    /* unique constraint `unique` (by name on PostgreSQL) */
    MP_OP_CREATE_OBJECT,  /* schema-level object `object` (desired schema's) */
    MP_OP_DROP_OBJECT,    /* schema-level object `object` (start schema's) */
    MP_OP_ADD_CHECK,      /* CHECK constraint `check` (expression in the desired vocabulary) */
    MP_OP_DROP_CHECK,     /* CHECK constraint `check` (start vocabulary; by name on PostgreSQL) */
    MP_OP_ALTER_COLUMN_FEATURES, /* column `name` goes from from_feat to column.feat
                                  * (collation, identity; SQLite: any, by rebuild) */
    MP_OP_SET_TABLE_OPTIONS,     /* SQLite: `table` becomes strict / without_rowid (rebuild) */
    MP_OP_CREATE_SEQUENCE,       /* standalone sequence `seq` (table: NULL) */
    MP_OP_DROP_SEQUENCE,         /* sequence `name` (table: NULL) */
    MP_OP_ALTER_SEQUENCE,        /* sequence `name` gets the options of `seq` (table: NULL) */
    /* PostgreSQL enum types and domains (model_type.h; table: NULL, `name`: the type) */
    MP_OP_CREATE_TYPE,           /* type utype.def */
    MP_OP_DROP_TYPE,             /* type `name` (utype.from: as it was) */
    MP_OP_ADD_ENUM_VALUE,        /* label utype.label, before or after utype.near (NULL: at the end) */
    MP_OP_RENAME_ENUM_VALUE,     /* label utype.label becomes utype.new_label */
    MP_OP_REBUILD_ENUM,          /* labels utype.from -> utype.def (removed or reordered labels) */
    MP_OP_ALTER_DOMAIN,          /* domain utype.from -> utype.def (NOT NULL, DEFAULT, CHECKs) */
    MP_OP_ALTER_PK,              /* `table`'s primary key becomes `unique` (name, columns; no
                                  * columns: none); as a plan step `name` is the key's
                                  * constraint name before (PostgreSQL), NULL for none */
    MP_OP__COUNT
};

/* "create table", "rename column", ... */
const char *mp_op_kind_name(enum mp_op_kind k);

struct mp_op {
    enum mp_op_kind kind;
    const char *table;          /* every kind: the table acted on */
    const char *name;           /* column (DROP/RENAME COLUMN old, column alterations),
                                 * index (DROP INDEX, RENAME INDEX old) */
    const char *new_name;       /* RENAME TABLE / COLUMN / INDEX: the new name */
    const struct mp_table *def; /* CREATE TABLE: the whole table, incl. FKs and indexes */
    struct mp_column column;    /* ADD COLUMN; ALTER TYPE (type), SET DEFAULT (default_sql) */
    int position;               /* ADD COLUMN: index of the column in the desired
                                 * table; columns of one table are added in this
                                 * order so the final column order matches */
    struct mp_fk fk;            /* ADD FK, DROP FK (cols on `table`) */
    struct mp_index index;      /* ADD INDEX */
    struct mp_unique unique;    /* ADD UNIQUE, DROP UNIQUE; ALTER PK: the key after */
    struct mp_check check;      /* ADD CHECK, DROP CHECK */
    bool lossy;                 /* ALTER TYPE: a narrowing cast is intended (down plans,
                                 * whose values came from the narrower type) */
    const struct mp_object *object; /* CREATE / DROP OBJECT: the view, trigger, ... (`table`:
                                 * a trigger's table, else the object's name) */
    struct mp_colfeat from_feat; /* ALTER COLUMN FEATURES: the features before */
    bool strict, without_rowid; /* SET TABLE OPTIONS: the options after */
    const struct mp_sequence *seq; /* CREATE / ALTER SEQUENCE: the sequence as desired */
    struct mp_typeop utype;     /* type steps (mp_op_is_type_op()) */
};

/* True for the kinds that act on a schema-level object rather than a table
 * (sequences): op->table is NULL, the planner orders them apart (plan.c). */
bool mp_op_is_sequence_op(enum mp_op_kind k);

/* True for the kinds that act on an enum type or a domain (op->table is
 * NULL, op->name the type); the planner orders them apart (plan_type.c). */
bool mp_op_is_type_op(enum mp_op_kind k);

/* True for the kinds that alter one existing column in place. */
bool mp_op_alters_column(enum mp_op_kind k);

/* An unordered set of operations (see the header comment for naming). */
struct mp_changeset {
    struct mp_op *ops;
    size_t n, cap;
};

/* Append a zeroed op of kind `k` to `cs`; returns it. */
struct mp_op *mp_changeset_add(struct mp_arena *a, struct mp_changeset *cs,
                               enum mp_op_kind k);

/* Append a one-line description of `op` ("rename table "a" to "b"").  CREATE
 * TABLE prints its definition on further lines, indented by four spaces. */
void mp_op_describe(struct mp_buf *b, const struct mp_op *op);

/* The tables an op touches, for reports ("on tables a, b"); writes up to 2
 * names into out and returns how many. */
size_t mp_op_tables(const struct mp_op *op, const char *out[2]);

#endif
