/* diff.h - compute the change set that turns a start schema into a desired
 * one, given rename hints. */
#ifndef MP_DIFF_H
#define MP_DIFF_H

#include "ops.h"

/* A rename hint: table old -> new; or column (column=true) or index
 * (index=true) old -> new of the table named `table` in the start schema. */
struct mp_rename {
    bool column;
    bool index;
    const char *table;
    const char *old_name;
    const char *new_name;
};

struct mp_renames {
    struct mp_rename *v;
    size_t n, cap;
};

void mp_renames_add(struct mp_arena *a, struct mp_renames *r, bool column,
                    const char *table, const char *old_name, const char *new_name);

/* What a start table becomes in `desired` under the hints (NULL: dropped),
 * and the final name of column `col` of start table `st` in desired table
 * `dt` (NULL: dropped).  The same mapping mp_diff() uses. */
const struct mp_table *mp_diff_table_target(const struct mp_schema *desired, const struct mp_renames *h,
                                            enum mp_dialect d, const char *start_name);
const char *mp_diff_column_target(const struct mp_table *st, const struct mp_table *dt, const struct mp_renames *h,
                                  enum mp_dialect d, const char *col);

/* Compute into `out` (appending, in a deterministic order) the change set
 * from `start` to `desired` under dialect `d`'s identifier rules.  Without a
 * hint an object whose name changed is a drop plus a create, as Alembic's
 * autogenerate and migra do.  Names follow the change-set rule of ops.h.
 * Column changes become ALTER TYPE / SET|DROP NOT NULL / SET|DROP DEFAULT;
 * unique constraints are matched by their columns; an index hinted as
 * renamed and otherwise equal becomes RENAME INDEX.
 * A primary key that changes, comes or goes is one ALTER PRIMARY KEY
 * (mp_diff_pk()).
 * Errors (MP_EINVAL): a hint naming a table, column or index that does not
 * exist, two hints for one object, a type change that is not a
 * value-preserving cast (without MP_DIFF_ALLOW_NARROWING), a desired
 * PostgreSQL primary key over a column without NOT NULL, each naming the
 * object. */
/* Flags of mp_diff_ex(). */
enum {
    MP_DIFF_ALLOW_NARROWING = 1 /* type changes may narrow (a down plan undoing a widening) */
};

int mp_diff_ex(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
               const struct mp_renames *hints, enum mp_dialect d, unsigned flags, struct mp_changeset *out,
               struct mp_error *err);

/* The objects' part of mp_diff_ex(), run after the tables' part (whose ops
 * are already in `out`): a start object that is gone, whose statement
 * changed, or that uses a table or column an op of `out` drops, renames,
 * retypes or (SQLite) rebuilds is dropped (DROP OBJECT), and created again
 * from the desired schema when it is there; so is each object that reads or
 * calls one that goes.  New objects are created.  Appends to `out`;
 * returns 0 (diff_objects.c). */
int mp_diff_objects(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                    const struct mp_renames *hints, enum mp_dialect d, struct mp_changeset *out);

int mp_diff(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
            const struct mp_renames *hints, enum mp_dialect d, struct mp_changeset *out,
            struct mp_error *err);

/* ---- primary keys (diff_pk.c) ---- */

/* True when start table `st`'s primary key, its columns translated under
 * the hints, is not desired table `dt`'s (other columns, order, or a key
 * that comes or goes; a change of the constraint name alone is not one). */
bool mp_diff_pk_changes(const struct mp_table *st, const struct mp_table *dt, const struct mp_renames *h,
                        enum mp_dialect d);

/* True when start foreign key `f` references the primary key of a table
 * whose key changes: PostgreSQL's DROP CONSTRAINT of the key refuses while
 * the foreign key depends on its index, so the diff drops it and adds it
 * again (its desired form) around the change.  SQLite is held to the same
 * rule: its rebuild of the table would leave the key without a unique
 * key between the steps that make one ("foreign key mismatch"). */
bool mp_diff_fk_on_changed_pk(const struct mp_schema *start, const struct mp_schema *desired,
                              const struct mp_renames *h, enum mp_dialect d, const struct mp_fk *f);

/* Append ALTER PRIMARY KEY (table: st's name; unique: dt's key name and
 * columns) when the key changes.  MP_EINVAL naming the column when a
 * PostgreSQL desired key has a column without NOT NULL. */
int mp_diff_pk(struct mp_arena *a, const struct mp_table *st, const struct mp_table *dt, const struct mp_renames *h,
               enum mp_dialect d, struct mp_changeset *out, struct mp_error *err);

/* ---- column features and sequences (diff_column.c) ---- */

/* How start column `c` of table `st` and its target `dc` differ in their
 * features: 0 none or in place (ALTER COLUMN FEATURES), 1 a generation
 * expression that comes, goes or changes (drop and add the column),
 * MP_EINVAL (naming the column) for a change that is not planned (a column
 * turned into serial or back). */
int mp_diff_column_features(const struct mp_table *st, const struct mp_column *c, const struct mp_column *dc,
                            struct mp_error *err);

/* Append CREATE / DROP / ALTER SEQUENCE for the standalone sequences of
 * `start` and `desired`, matched by name (none on SQLite, which has no
 * sequences). */
void mp_diff_sequences(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                       enum mp_dialect d, struct mp_changeset *out);

/* ---- enum types and domains (diff_type.c) ---- */

/* Append the type steps from `start` to `desired`, types matched by name:
 * DROP TYPE, CREATE TYPE; an enum whose labels only grow: ADD VALUE for
 * each new label (BEFORE / AFTER its neighbour); one that loses or
 * reorders labels: REBUILD ENUM (a label renamed without a hint is a
 * removal and an addition); a domain's default, NOT NULL or checks:
 * ALTER DOMAIN.  MP_EINVAL (naming the type) on SQLite, which has no such
 * types, for an enum that becomes a domain or back, a domain whose base
 * type or collation changes, and a rebuild of an enum a domain is over. */
int mp_diff_types(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                  enum mp_dialect d, struct mp_changeset *out, struct mp_error *err);

#endif
