/* lintfacts.h - what lint's extractors (lint_pg.c, lint_sqlite.c) hand to
 * its checker (lint.c): per migration, an ordered list of facts.  Internal to
 * engine/. */
#ifndef MP_LINTFACTS_H
#define MP_LINTFACTS_H

#include "lint.h"

enum mp_lint_obj { MP_LO_TABLE, MP_LO_VIEW, MP_LO_COLUMN, MP_LO_INDEX, MP_LO_CONSTRAINT, MP_LO_TYPE,
                   MP_LO_FUNCTION, MP_LO_TRIGGER, MP_LO_SEQUENCE };

enum mp_lint_act {
    MP_LA_CREATE, /* the statement creates the object */
    MP_LA_DROP,   /* ... drops it (it must exist) */
    MP_LA_RENAME, /* ... renames it to new_name (it must exist) */
    MP_LA_REF     /* ... needs it */
};

/* One fact.  Names: a table, view, index, type, function or trigger by its
 * name; a column or constraint as "table.name".  PostgreSQL names are as the
 * parser returns them (unquoted ones folded to lower case); SQLite names are
 * lower-cased (SQLite compares identifiers case-insensitively). */
struct mp_lint_fact {
    enum mp_lint_act act;
    enum mp_lint_obj obj;
    const char *name;
    const char *new_name;   /* RENAME */
    long line;              /* line in the migration's up file */
    bool soft;              /* REF/DROP/RENAME that is only checked when the directory
                             * creates the object (built-in types and functions,
                             * constraints PostgreSQL names itself, IF EXISTS) */
    bool opaque;            /* CREATE TABLE whose columns are not all known (LIKE,
                             * INHERITS, PARTITION OF, AS SELECT): its column
                             * references are not checked */
    bool nocheck;           /* IF EXISTS: never a finding, only an edge when it exists;
                             * on a CREATE: IF NOT EXISTS (the name may be taken) */
    bool note;              /* carries only the warning below: no existence check */
    bool parent;            /* SQLite REFERENCES (nocheck): the order checks the parent at the end */
    bool retype;            /* PostgreSQL ALTER COLUMN TYPE: refused under a view selecting it */
    bool strict;            /* SQLite CREATE TABLE ... STRICT */
    bool loose_type;        /* SQLite ADD COLUMN of a type a STRICT table refuses (not INT,
                             * INTEGER, REAL, TEXT, BLOB or ANY: "STRICT Tables", 2) */
    const char *warn_code;  /* a warning to report when the fact is checked, or NULL */
    const char *warn_msg;
    enum mp_lint_when {
        MP_WHEN_ALWAYS,
        MP_WHEN_OLD_TABLE,  /* only when the fact's table predates the migration */
        MP_WHEN_PRESENT     /* not when the object is absent and the fact is IF EXISTS (nocheck) */
    } warn_when;
};

struct mp_lint_mig {
    struct mp_migration *m;
    const char *label;      /* "<raw version>_<name>" */
    struct mp_lint_fact *f;
    size_t n, cap;
};

struct mp_lint_ctx {
    struct mp_arena *a;
    enum mp_dialect d;
    struct mp_lint_result *res;
    struct mp_lint_mig *migs; /* res->set.n of them */
};

/* Append a fact to migration `mig`; returns it (zeroed beyond the fields set). */
struct mp_lint_fact *mp_lint_fact_add(struct mp_lint_ctx *c, size_t mig, enum mp_lint_act act,
                                      enum mp_lint_obj obj, const char *name, long line);

/* Record a finding of migration `mig` (-1: the directory) at file:line. */
void mp_lint_report(struct mp_lint_ctx *c, long mig, const char *file, long line, const char *code,
                    enum mp_lint_severity sev, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* The first migration after `mig` that creates (or renames something to)
 * `name` of kind `obj` (tables also match views), or -1. */
long mp_lint_later_creator(const struct mp_lint_ctx *c, size_t mig, enum mp_lint_obj obj, const char *name);

/* The line of a statement of migration `mig` after line `line` that
 * creates (or renames something to) `name`, or -1. */
long mp_lint_later_line(const struct mp_lint_ctx *c, size_t mig, long line, enum mp_lint_obj obj, const char *name);

/* lint_order.c: the dependency order, out[0..set.n-1] (indices into
 * set.v): the facts replayed on a model of the objects, each time the first
 * pending migration in declared order that can run next (lint_order.c's
 * header says when one can).  Returns how many times no migration could
 * run and the first pending one was taken (0: the order is sound by the
 * model). */
size_t mp_lint_order_simulate(struct mp_lint_ctx *c, size_t *out);

/* A reference to `want` is satisfied by an object of kind `have` (a
 * relation by a table or a view). */
bool mp_lint_same_kind(enum mp_lint_obj want, enum mp_lint_obj have);

/* "t.c" belongs to table t. */
bool mp_lint_owned_by(const char *name, const char *table);

/* The table part of "t.c" (in `a`), or `name` itself when it has none. */
const char *mp_lint_table_of(struct mp_arena *a, const char *name);

/* "table", "column", ... for messages. */
const char *mp_lint_obj_name(enum mp_lint_obj o);

/* An object for messages: table "t", column "t"."c" (in `a`). */
const char *mp_lint_show(struct mp_arena *a, enum mp_lint_obj o, const char *name);

/* Line of byte `off` of migration `m`'s up section in its file. */
long mp_lint_line(const struct mp_migration *m, size_t off);

/* The extractors: fill c->migs[*] facts; report what only they can see
 * (syntax errors, SQLite's refusals, destructive statements).  MP_EINVAL /
 * MP_EINTERNAL only for failures that stop the analysis. */
int mp_lint_extract_pg(struct mp_lint_ctx *c, struct mp_error *err);
int mp_lint_extract_sqlite(struct mp_lint_ctx *c, struct mp_error *err);

#endif
