/* model_type.h - PostgreSQL user-defined types of the model: enum types
 * (ordered labels) and domains (a base type with NOT NULL, DEFAULT, named
 * CHECKs and COLLATE); their canonical text, equality and the columns that
 * use them.
 *
 * A column has such a type by name: its struct mp_type is MP_TYPE_RAW
 * with `raw` the name as PostgreSQL's format_type() spells it (quoted
 * when it needs quotes, "Mood"; unqualified, the type lives in the schema
 * being read).  mp_type_utype() finds the type a column names.
 *
 * SQLite has neither enums nor domains: a schema that holds types is
 * PostgreSQL-only (the planner refuses it on SQLite, MP_EINVAL, and
 * MP_CANON_PORTABLE still prints the types, so no comparison across
 * dialects calls such schemas equal).
 *
 * Sources: PostgreSQL "CREATE TYPE" (enumerated types), 8.7 "Enumerated
 * Types", "CREATE DOMAIN", "ALTER TYPE", "ALTER DOMAIN"; catalogs pg_type,
 * pg_enum (enumsortorder), pg_constraint (contypid). */
#ifndef MP_MODEL_TYPE_H
#define MP_MODEL_TYPE_H

#include "model.h"

enum mp_utype_kind { MP_UTYPE_ENUM, MP_UTYPE_DOMAIN };

struct mp_utype {
    enum mp_utype_kind kind;
    const char *name;            /* as the database knows it (not quoted) */
    struct mp_names labels;      /* enum: the labels in sort order */
    struct mp_type base;         /* domain: the base type with its typmod */
    bool not_null;               /* domain: NOT NULL */
    const char *default_sql;     /* domain: DEFAULT expression, NULL: none */
    const char *collation;       /* domain: COLLATE name, NULL: the base type's */
    struct mp_check *checks;     /* domain: CHECK constraints (expr in normal form, VALUE for the value) */
    size_t nchecks, capchecks;
};

/* What a type step of a change set or a plan carries (ops.h, struct
 * mp_op.utype): the type as it is to be (`def`) and as it was (`from`),
 * and for label steps the label, its new name or its neighbour. */
struct mp_typeop {
    const struct mp_utype *def;  /* CREATE TYPE, REBUILD ENUM, ALTER DOMAIN: the type after */
    const struct mp_utype *from; /* DROP TYPE, REBUILD ENUM, ALTER DOMAIN: the type before */
    const char *label;           /* ADD / RENAME ENUM VALUE: the label (added, or its old name) */
    const char *new_label;       /* RENAME ENUM VALUE: the new name */
    const char *near;            /* ADD ENUM VALUE: the neighbour, NULL: after the last label
                                  * (op->position: the label's place among the desired labels) */
    bool before;                 /* ADD ENUM VALUE: BEFORE `near` (false: AFTER) */
};

/* "enum" or "domain". */
const char *mp_utype_kind_name(enum mp_utype_kind k);

/* The type of `s` named `name` (dialect d's identifier rules), or NULL. */
struct mp_utype *mp_schema_utype(const struct mp_schema *s, enum mp_dialect d, const char *name);

/* Append a deep copy of `t` to `s` (strings copied into `a`); returns it
 * (valid until the next append). */
struct mp_utype *mp_schema_put_utype(struct mp_arena *a, struct mp_schema *s, const struct mp_utype *t);

/* Remove type number `i` of `s`, keeping the order of the others. */
void mp_schema_remove_utype(struct mp_schema *s, size_t i);

/* Deep copy of `t` into `a`. */
struct mp_utype mp_utype_copy(struct mp_arena *a, const struct mp_utype *t);

/* Same kind and definition (names aside): labels in order; base type,
 * NOT NULL, default (mp_default_eq), collation and the set of check
 * expressions (their names aside). */
bool mp_utype_eq(const struct mp_utype *x, const struct mp_utype *y);

/* The check of domain `t` with expression `expr` (normal form), or -1. */
long mp_utype_find_check(const struct mp_utype *t, const char *expr);

/* The type of `s` that column type `ty` names (MP_TYPE_RAW whose text is
 * the type's name, bare or double-quoted), or NULL. */
struct mp_utype *mp_type_utype(const struct mp_schema *s, const struct mp_type *ty);

/* The type name as a column's MP_TYPE_RAW text: the name, double-quoted
 * unless it is lower-case letters, digits and '_' (format_type()'s
 * quote_ident, keywords aside); in `a`. */
struct mp_type mp_utype_column_type(struct mp_arena *a, const char *name);

/* True when a column of `s` has type `name` (the table and column are
 * set when not NULL), or a domain of `s` has it as its base type (*table
 * NULL, *col the domain's name). */
bool mp_utype_in_use(const struct mp_schema *s, const char *name, const char **table, const char **col);

/* True when a column type change from `from` (a type of `sf`) to `to` (a
 * type of `st`) is planned although mp_type_widens() says no: enum to
 * text or varchar (every label converts), text, varchar or another enum
 * to an enum (USING col::text::type; a row whose value is no label fails
 * the step, nothing is lost), a base type to a domain over it and a
 * domain to its base type (a row the domain's checks refuse fails the
 * step). */
bool mp_utype_change_ok(const struct mp_schema *sf, const struct mp_type *from, const struct mp_schema *st,
                        const struct mp_type *to);

/* Append the canonical lines of the types of `s`, sorted by name:
 *   enum "mood" ('sad', 'ok', 'happy')
 *   domain "posint" as integer collate "C" not null default 1
 *     check (VALUE > 0)
 * (the base type as mp_type_canonical() spells it; with MP_CANON_NAMES,
 * the form mp_schema_parse() reads, each check as `constraint "name"
 * check (...)`). */
void mp_types_canonical(struct mp_buf *b, const struct mp_schema *s, int flags);

#endif
