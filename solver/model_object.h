/* model_object.h - schema-level objects of the model: views, materialized
 * views, triggers, functions, procedures and extensions, each carried by
 * name with its creating statement and the tables and columns it uses.
 *
 * An object's truth is its creating statement (`sql`), as the database
 * gives it back normalized (PostgreSQL: pg_get_viewdef(oid, true),
 * pg_get_triggerdef(oid, true), pg_get_functiondef(); SQLite: the text
 * sqlite_schema.sql holds).  Two objects are the same when kind, name
 * (functions: with their identity arguments), owning table and normalized
 * statement (mp_object_norm()) are; the dependencies are derived from the
 * statement by the reader and take no part in the comparison.
 *
 * Objects live in the schema's arena like everything in model.h. */
#ifndef MP_MODEL_OBJECT_H
#define MP_MODEL_OBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "dialect.h"

struct mp_schema;

/* In creation order: functions before the triggers that call them, views
 * after the tables (and views) they read, triggers last; the canonical form
 * sorts by this order, then by name. */
enum mp_object_kind {
    MP_OBJ_EXTENSION, MP_OBJ_FUNCTION, MP_OBJ_PROCEDURE, MP_OBJ_VIEW, MP_OBJ_MATVIEW, MP_OBJ_TRIGGER,
    MP_OBJ__COUNT
};

/* "view", "materialized view", "trigger", ... (the canonical keyword). */
const char *mp_object_kind_name(enum mp_object_kind k);

/* True for the kinds that take a name in the relation namespace of the
 * schema (views, materialized views: PostgreSQL pg_class, SQLite
 * sqlite_schema share it with tables and indexes). */
bool mp_object_kind_is_relation(enum mp_object_kind k);

/* A relation an object uses: `table` (a table or another view), and
 * `column` of it, or NULL for the relation as a whole (a trigger's own
 * table, a dependency whose columns are not known). */
struct mp_objdep {
    const char *table;
    const char *column;
};

struct mp_object {
    enum mp_object_kind kind;
    const char *name;
    const char *args;   /* functions, procedures: identity arguments ("integer, text"); NULL otherwise */
    const char *table;  /* triggers: the table they are on; NULL otherwise */
    const char *sql;    /* the creating statement, no trailing ';' */
    /* only in dialect `dialect` (a dialect-neutral schema, e.g. a generated
     * case, that holds a trigger as each dialect writes it); read-backs
     * never set it.  mp_object_in() tells; mp_schema_project_objects()
     * keeps what one dialect has. */
    bool has_dialect;
    enum mp_dialect dialect;
    struct mp_objdep *deps; /* what it uses; empty: unknown (mp_object_deps() scans `sql`) */
    size_t ndeps, capdeps;
};

/* Append a new object of kind `k` named `name` (copied) to `s`; returns it
 * (valid until the next append). */
struct mp_object *mp_schema_add_object(struct mp_arena *a, struct mp_schema *s, enum mp_object_kind k,
                                       const char *name);

/* Record that `o` uses `table`.`column` (column NULL: the whole relation);
 * duplicates are ignored.  Strings copied into `a`. */
void mp_object_add_dep(struct mp_arena *a, struct mp_object *o, const char *table, const char *column);

/* True when `o` exists in dialect `d` (it is not restricted to the other). */
bool mp_object_in(const struct mp_object *o, enum mp_dialect d);

/* True when `s` has an object restricted to one dialect. */
bool mp_schema_has_dialect_objects(const struct mp_schema *s);

/* Remove from `s` the objects not in dialect `d` and clear the others'
 * restriction: the objects as dialect d's DDL renders them. */
void mp_schema_project_objects(struct mp_schema *s, enum mp_dialect d);

/* Deep copy of `o` into `a`. */
struct mp_object mp_object_copy(struct mp_arena *a, const struct mp_object *o);

/* The object of `s` in dialect `d` (mp_object_in) of the same kind, name
 * and arguments as `o` (`o` may come from another schema), or NULL; names
 * compare by dialect `d`. */
const struct mp_object *mp_schema_find_object(const struct mp_schema *s, enum mp_dialect d,
                                              const struct mp_object *o);

/* The relation-kind object (view, materialized view) of `s` in dialect `d` named `name`, or NULL. */
const struct mp_object *mp_schema_relation_object(const struct mp_schema *s, enum mp_dialect d, const char *name);

/* Append the comparison text of a creating statement: runs of white space
 * and comments outside quotes become one blank, leading and trailing blanks
 * and a trailing ';' go, and letters outside quotes are folded to lower
 * case: keywords and unquoted identifiers are case-insensitive in both
 * dialects (SQLite "SQLite Keywords"; PostgreSQL 4.1.1 folds unquoted names
 * to lower case).  A double-quoted identifier of lower-case letters,
 * digits and '_' loses its quotes (PostgreSQL prints such names unquoted
 * unless they are keywords, so "id" and id compare alike; only the
 * comparison reads this text, never a database).  Quoted strings, other
 * quoted identifiers and PostgreSQL dollar-quoted bodies are kept byte for
 * byte. */
void mp_object_norm(struct mp_buf *b, const char *sql);

/* Same statement once normalized. */
bool mp_object_sql_eq(const char *x, const char *y);

/* The relations `o` uses in `s`: o->deps when known; otherwise every table
 * and view of `s` whose name appears as a word of o->sql, as whole-relation
 * dependencies (a conservative over-approximation); a trigger also uses its
 * own table.  *out is in `a`; returns the count. */
size_t mp_object_deps(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                      const struct mp_object *o, struct mp_objdep **out);

/* True when `o` (of schema `s`) uses table or view `table`, column
 * `column` of it (NULL: any column or the whole relation). */
bool mp_object_uses(const struct mp_schema *s, enum mp_dialect d, const struct mp_object *o, const char *table,
                    const char *column);

/* True when `o` refers to the other object `r`: reads view `r` (by its
 * dependencies, or a word of its statement when they are unknown), or
 * calls function or procedure `r` (a word of its statement). */
bool mp_object_refers(enum mp_dialect d, const struct mp_object *o, const struct mp_object *r);

/* Append "create view "v"", "drop trigger "t_ai" on "post"", "drop
 * function "f"(integer)" (create: the first word). */
void mp_object_describe(struct mp_buf *b, const struct mp_object *o, bool create);

/* The objects of `s` in an order they can be created in (extensions,
 * functions, views each after the views it reads, triggers), as indexes
 * into s->objects; malloc'd, the caller frees it.  NULL when there are none. */
size_t *mp_schema_object_order(const struct mp_schema *s, enum mp_dialect d);

/* Remove from `s` every object that uses a table, column or view `s` no
 * longer has (a trigger whose table is gone too), and then what used
 * those: for tools that cut schemas down (the shrinker).  Objects without
 * known dependencies are kept unless their own table is gone. */
void mp_schema_prune_objects(struct mp_schema *s, enum mp_dialect d);

/* Append one canonical line per object of `s`, sorted by (kind, name,
 * arguments):
 *   view "v" sql create view v as select ...
 *   trigger "tr" on "t" sql create trigger ...
 *   function "f" args 'integer' sql CREATE OR REPLACE FUNCTION ...
 * the statement normalized (mp_object_norm(), newlines and backslashes
 * escaped as \n, \\); with MP_CANON_NAMES (flags of model.h, the case-file
 * form) the statement as written instead, and the dependencies as
 * `uses ("t"."a", "u")` before `sql`.  An object of one dialect only says
 * so after its name and table: `trigger "tr" on "t" only postgres sql ...`.
 * MP_CANON_PORTABLE (two dialects' read-backs compared) leaves out the
 * kinds SQLite has not (functions, procedures, materialized views,
 * extensions) and prints a trigger without its statement (each dialect
 * writes its body in its own language): `trigger "tr" on "t"`. */
void mp_objects_canonical(struct mp_buf *b, const struct mp_schema *s, int flags);

/* Parse one line of the schema syntax (text.h) if it is an object line.
 * Returns 1 when it was one (the object appended to `s`), 0 when the line
 * is not an object line, -1 on a syntax error with *why set (static text). */
int mp_object_parse_line(struct mp_arena *a, struct mp_schema *s, const char *line, const char **why);

#endif
