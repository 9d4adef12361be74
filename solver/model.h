/* model.h - the schema model: tables, ordered columns, keys, foreign keys,
 * indexes; logical types and their spelling per dialect; canonical form.
 *
 * All objects are allocated in a caller-supplied arena (arena.h) and are
 * released with it; nothing here frees individually.  Names are stored
 * exactly as the database knows them (no case folding).
 *
 * Identities: tables, columns and indexes carry an `id` that stays with the
 * object through clones (mp_schema_clone(), mp_table_clone()) and renames,
 * so two schemas can be matched object by object whatever the names.  0 is
 * "none".  Ids are unique within a schema and come from its counter
 * (mp_schema_new_id()), given out by whoever creates the object:
 *  - the generators (gen.h) give every object they make an id from the
 *    schema they build, so the desired schema, a clone of the start schema,
 *    keeps the start objects' ids and gives new objects higher ones;
 *  - the virtual schema (mp_vschema_apply()) gives fresh ids to what a step
 *    creates (CREATE TABLE, ADD COLUMN, ADD INDEX), whatever ids the
 *    definition carried: a created object is a new object;
 *  - schemas read from a database or parsed from text carry none; who needs
 *    to follow their objects calls mp_schema_assign_ids() on them (the
 *    engine does before replaying a plan part by part). */
#ifndef MP_MODEL_H
#define MP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "dialect.h"
#include "error.h"
#include "model_object.h"

/* Identifier equality in dialect `d`.  SQLite compares identifiers
 * case-insensitively for ASCII letters ("SQLite Keywords": identifiers are
 * not case sensitive, quoted or not); PostgreSQL compares quoted identifiers
 * exactly (manual 4.1.1). */
bool mp_name_eq(enum mp_dialect d, const char *a, const char *b);

/* Logical types of generated schemas (DESIGN.md); MP_TYPE_RAW keeps a
 * database's own type text for schemas read from a catalog or user DDL. */
enum mp_type_kind {
    MP_TYPE_INTEGER, MP_TYPE_BIGINT, MP_TYPE_TEXT, MP_TYPE_VARCHAR,
    MP_TYPE_BOOLEAN, MP_TYPE_DOUBLE, MP_TYPE_NUMERIC, MP_TYPE_DATE,
    MP_TYPE_TIMESTAMP, MP_TYPE_BYTES, MP_TYPE_RAW
};

struct mp_type {
    enum mp_type_kind kind;
    int len;            /* varchar(len) */
    int precision, scale; /* numeric(precision, scale) */
    const char *raw;    /* MP_TYPE_RAW: the type text as the database gave it */
};

/* Append the type as dialect `d` spells it in DDL (e.g. "double precision"
 * on PostgreSQL, "DOUBLE" on SQLite, "bytea" vs "BLOB"). */
void mp_type_sql(struct mp_buf *b, const struct mp_type *t, enum mp_dialect d);

/* Append the dialect-neutral canonical spelling ("varchar(20)", "raw 'x'"). */
void mp_type_canonical(struct mp_buf *b, const struct mp_type *t);

/* True when every value of type `from` converts to `to` and back without
 * loss: integer -> bigint, numeric(p,s) -> numeric(p',s') with s' >= s and
 * p'-s' >= p-s, integer/bigint -> numeric wide enough, varchar(n) ->
 * varchar(m >= n), varchar -> text, and equal types (date -> timestamp is
 * left out: SQLite would keep the text '2024-01-01' where PostgreSQL adds a
 * time).  The
 * casts PostgreSQL applies with ALTER COLUMN TYPE ... USING col::type
 * ("ALTER TABLE") and SQLite's rebuild copy ("Datatypes In SQLite" 3,
 * affinity) both keep these values. */
bool mp_type_widens(const struct mp_type *from, const struct mp_type *to);

/* mp_type_widens(), and on SQLite also any change between two types of
 * TEXT affinity when either is a database's own spelling (MP_TYPE_RAW,
 * e.g. CHAR(36) <-> TEXT): SQLite enforces no length, so the rebuild's
 * copy keeps every value as it is ("Datatypes In SQLite" 3.1: a declared
 * type without "INT" that contains "CHAR", "CLOB" or "TEXT" has TEXT
 * affinity). */
bool mp_type_widens_in(enum mp_dialect d, const struct mp_type *from, const struct mp_type *to);

/* PostgreSQL's value-preserving changes among its own spellings
 * (diff_cast.c): character(n) to text, character varying, varchar(m >= n)
 * or character(m >= n) (the trailing blanks PostgreSQL removes are padding,
 * "semantically insignificant", manual 8.3: not data loss); varchar(n) or
 * text to character varying without a length and back; smallint to
 * integer, bigint or a numeric with 5 integer digits (8.1.1).  Not
 * timestamp to timestamp with time zone or back (8.5.1.3: the conversion
 * takes the value as local time of the session's TimeZone).  mp_type_widens_in()
 * on PostgreSQL adds these to mp_type_widens(). */
bool mp_type_widens_pg(const struct mp_type *from, const struct mp_type *to);

/* Same default expression once each dialect's decoration is dropped
 * ('x'::text and 'x', TRUE and true); NULL equals only NULL. */
bool mp_default_eq(const char *x, const char *y);

/* Same logical type (kind and parameters). */
bool mp_type_eq(const struct mp_type *x, const struct mp_type *y);

/* Map a catalog's type text (PostgreSQL format_type(), SQLite declared type)
 * back to a logical type; unknown spellings give MP_TYPE_RAW with the text
 * copied into `a`. */
struct mp_type mp_type_from_sql(struct mp_arena *a, enum mp_dialect d,
                                const char *text);

/* An ordered list of column names. */
struct mp_names {
    const char **v;
    size_t n;
};

bool mp_names_eq(enum mp_dialect d, const struct mp_names *x,
                 const struct mp_names *y);
bool mp_names_contains(enum mp_dialect d, const struct mp_names *x,
                       const char *name);
struct mp_names mp_names_copy(struct mp_arena *a, const struct mp_names *x);
/* Append the list as SQL: ("a", "b"), every name double-quoted. */
void mp_names_sql(struct mp_buf *b, const struct mp_names *n);
/* Build a list from `n` C strings (copied). */
struct mp_names mp_names_make(struct mp_arena *a, size_t n, const char *const *v);

/* Column features beyond type, NOT NULL and default (model_column.h has
 * their rules, canonical text and dialect projection).  All zero: none. */
enum mp_identity { MP_IDENTITY_NONE, MP_IDENTITY_ALWAYS, MP_IDENTITY_BY_DEFAULT };
enum mp_generated { MP_GENERATED_NONE, MP_GENERATED_STORED, MP_GENERATED_VIRTUAL };

struct mp_colfeat {
    enum mp_identity identity;   /* PostgreSQL GENERATED ALWAYS / BY DEFAULT AS IDENTITY */
    int64_t ident_start;         /* identity sequence START WITH; 0: the default (1) */
    int64_t ident_increment;     /* identity sequence INCREMENT BY; 0: the default (1) */
    bool serial;                 /* PostgreSQL serial / bigserial: a sequence owned by the
                                  * column and DEFAULT nextval() of it (default_sql stays NULL) */
    enum mp_generated generated; /* GENERATED ALWAYS AS (generated_sql) STORED / VIRTUAL */
    const char *generated_sql;   /* the generation expression as written or read back */
    const char *collation;       /* COLLATE name; NULL: the type's default */
    bool autoincrement;          /* SQLite INTEGER PRIMARY KEY AUTOINCREMENT */
};

struct mp_column {
    const char *name;
    struct mp_type type;
    bool not_null;
    const char *default_sql; /* SQL expression text, NULL for none */
    uint32_t id;             /* identity (see the top of this file), 0: none */
    struct mp_colfeat feat;  /* identity, serial, generated, collation, AUTOINCREMENT */
};

/* ON DELETE and ON UPDATE actions (PostgreSQL "CREATE TABLE", SQLite "Foreign Key Support" 4.3). */
enum mp_fk_action {
    MP_FK_NO_ACTION, MP_FK_RESTRICT, MP_FK_CASCADE, MP_FK_SET_NULL, MP_FK_SET_DEFAULT
};
const char *mp_fk_action_sql(enum mp_fk_action a);

struct mp_fk {
    const char *name;        /* constraint name; NULL when unknown (SQLite catalogs) */
    struct mp_names cols;
    const char *ref_table;
    struct mp_names ref_cols;
    enum mp_fk_action on_delete;
    enum mp_fk_action on_update; /* ON UPDATE, the same actions (NO ACTION: 0, the default) */
    bool deferrable;         /* DEFERRABLE (default NOT DEFERRABLE) */
    bool initially_deferred; /* INITIALLY DEFERRED (only with deferrable) */
    bool match_full;         /* MATCH FULL (default MATCH SIMPLE) */
};

struct mp_unique {
    const char *name;        /* constraint name; NULL when unknown or auto-named */
    struct mp_names cols;
};

/* NULLS FIRST / LAST of an index key (PostgreSQL "CREATE INDEX"); the
 * default of the key's direction (LAST for ASC, FIRST for DESC) is
 * MP_NULLS_DEFAULT, whichever way it was spelled. */
enum mp_nulls { MP_NULLS_DEFAULT, MP_NULLS_FIRST, MP_NULLS_LAST };

/* One key of an index beyond a plain ascending column (index_def.h). */
struct mp_index_key {
    const char *expr;        /* NULL: the column cols.v[i]; else the expression (normal form, sqlexpr.h) */
    bool desc;
    enum mp_nulls nulls;
    const char *collate;     /* NULL: the column's collation */
    const char *opclass;     /* NULL: the default operator class (PostgreSQL) */
};

struct mp_index {
    const char *name;
    bool unique;
    /* key columns in order; an expression key holds its expression text
     * here too (never a column name), and keys[i].expr says so */
    struct mp_names cols;
    uint32_t id;             /* identity, 0: none */
    struct mp_index_key *keys; /* NULL: every key a plain ascending column; else cols.n entries */
    const char *method;      /* access method (PostgreSQL USING), NULL: btree */
    const char *where;       /* partial index predicate (normal form), NULL: none */
    struct mp_names include; /* INCLUDE columns (PostgreSQL 11) */
    bool nulls_not_distinct; /* NULLS NOT DISTINCT (PostgreSQL 15) */
};

/* A CHECK constraint, column-level or table-level (the model holds both
 * as the table's; check.h).  Compared by expression; names only print
 * with MP_CANON_NAMES. */
struct mp_check {
    const char *name;        /* constraint name; NULL: unnamed (SQLite) or database-chosen */
    const char *expr;        /* the expression in normal form (sqlexpr.h), without CHECK and parentheses */
    bool not_valid;          /* PostgreSQL NOT VALID: existing rows were not checked */
};

struct mp_table {
    const char *name;
    uint32_t id;             /* identity, 0: none */
    struct mp_column *cols;
    size_t ncols, capcols;
    const char *pk_name;     /* NULL: unnamed (database picks, e.g. "<table>_pkey") */
    struct mp_names pk;      /* empty: no primary key */
    struct mp_unique *uniques;
    size_t nuniques, capuniques;
    struct mp_fk *fks;
    size_t nfks, capfks;
    struct mp_index *indexes;
    size_t nindexes, capindexes;
    struct mp_check *checks;
    size_t nchecks, capchecks;
    bool strict;             /* SQLite STRICT table ("STRICT Tables") */
    bool without_rowid;      /* SQLite WITHOUT ROWID table */
};

struct mp_relindex;

/* One object a catalog reader found but the model cannot represent (a
 * CHECK constraint, a partitioned table, a partial index ...; views,
 * triggers, functions and extensions are objects, model_object.h).  The reader
 * records it rather than dropping it so that no comparison calls two
 * schemas equal while it does not know (the "not modelled" policy,
 * README "What migprop models").  `table`: the owning table, NULL for a
 * schema-level object (sequence, type, aggregate);
 * `what`: a description naming the object, e.g. "table t: CHECK
 * constraint t_x_check (x > 0)". */
struct mp_unmodelled {
    const char *table;
    const char *what;
};

struct mp_schema {
    struct mp_table **tables;
    size_t ntables, captables;
    struct mp_relindex *rel; /* optional name index (mp_schema_index_names), NULL when off */
    uint32_t last_id;        /* the highest id given out in this schema (mp_schema_new_id) */
    struct mp_unmodelled *unmodelled; /* what the reader saw but the model cannot hold */
    size_t nunmodelled, capunmodelled;
    struct mp_object *objects; /* views, triggers, functions, ... (model_object.h) */
    size_t nobjects, capobjects;
    struct mp_sequence *seqs;         /* standalone sequences (model_column.h), any order */
    size_t nseqs, capseqs;
    struct mp_utype *types;           /* PostgreSQL enum types and domains (model_type.h), any order */
    size_t ntypes, captypes;
    bool has_dialect;                 /* read from a database of `dialect` (catalog readers); */
    enum mp_dialect dialect;          /* false: dialect-neutral (generators, parsed text) */
};

/* Record an unmodelled object of `s` (table: its owner or NULL; the text
 * is formatted printf-style and copied into `a`). */
void mp_schema_note_unmodelled(struct mp_arena *a, struct mp_schema *s, const char *table,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Drop the unmodelled records owned by table `table` (exact name): for a
 * table that is left out of the comparison (the tracking table). */
void mp_schema_forget_unmodelled(struct mp_schema *s, const char *table);

/* Index the relation namespace of `s` under dialect `d`: table and index
 * names, and on PostgreSQL primary-key and unique constraint names (one
 * namespace per schema, "CREATE INDEX"); also table name -> table.  While on,
 * mp_schema_put_table(), mp_schema_remove_table() and mp_vschema_apply() keep
 * it current, and mp_vschema_name_taken() / mp_schema_find_table() answer
 * in O(log n) (a POSIX tsearch tree) instead of scanning every table.  For
 * the planner's working schema, whose every change goes through those
 * functions; writing names directly into an indexed schema makes the index
 * stale.  Owns malloc'd memory: mp_schema_unindex_names() frees it. */
void mp_schema_index_names(struct mp_schema *s, enum mp_dialect d);
void mp_schema_unindex_names(struct mp_schema *s);

/* Index maintenance (no-ops when the index is off): one relation named
 * `name` appears (t: the table, when it is one) or disappears. */
void mp_schema_rel_add(struct mp_schema *s, const char *name, struct mp_table *t);
void mp_schema_rel_del(struct mp_schema *s, const char *name);

/* The dialect the index was built for (only meaningful when s->rel). */
enum mp_dialect mp_schema_rel_dialect(const struct mp_schema *s);

/* With the index on: sets *taken and returns true. Off: returns false. */
bool mp_schema_rel_lookup(const struct mp_schema *s, const char *name, bool *taken, struct mp_table **table);

/* Add or remove every relation name a table brings (itself, its indexes,
 * and on PostgreSQL its primary-key and unique constraint names). */
void mp_schema_rel_table(struct mp_schema *s, struct mp_table *t, bool add);

/* A new empty schema in `a`. */
struct mp_schema *mp_schema_new(struct mp_arena *a);

/* A fresh identity for an object that is to be part of `s`: one more than
 * any given out in `s` (or a schema it was cloned from). */
uint32_t mp_schema_new_id(struct mp_schema *s);

/* Give every table, column and index of `s` a fresh id (schema order:
 * each table, then its columns, then its indexes), replacing any it had:
 * for a schema read from a database or a file, or one whose objects are to
 * be followed from here on. */
void mp_schema_assign_ids(struct mp_schema *s);

/* The table of `s` with identity `id` (not 0), or NULL; the column or index
 * of `t` with identity `id`, or -1. */
struct mp_table *mp_schema_table_by_id(const struct mp_schema *s, uint32_t id);
long mp_table_find_column_id(const struct mp_table *t, uint32_t id);
long mp_table_find_index_id(const struct mp_table *t, uint32_t id);

/* Deep copy of `s` into `a`, ids and the id counter included. */
struct mp_schema *mp_schema_clone(struct mp_arena *a, const struct mp_schema *s);
struct mp_table *mp_table_clone(struct mp_arena *a, const struct mp_table *t); /* ids kept */

/* Append a new empty table named `name` (copied); returns it. */
struct mp_table *mp_schema_add_table(struct mp_arena *a, struct mp_schema *s,
                                     const char *name);
/* Append a copy of `t` (deep, ids kept). */
struct mp_table *mp_schema_put_table(struct mp_arena *a, struct mp_schema *s,
                                     const struct mp_table *t);
/* Remove table number `i`, keeping the order of the others. */
void mp_schema_remove_table(struct mp_schema *s, size_t i);

/* Index of the table/column/index named `name` under dialect `d`'s identifier
 * rules, or -1. */
long mp_schema_find_table(const struct mp_schema *s, enum mp_dialect d,
                          const char *name);
struct mp_table *mp_schema_table(const struct mp_schema *s, enum mp_dialect d,
                                 const char *name);
long mp_table_find_column(const struct mp_table *t, enum mp_dialect d,
                          const char *name);
struct mp_column *mp_table_column(const struct mp_table *t, enum mp_dialect d,
                                  const char *name);
long mp_table_find_index(const struct mp_table *t, enum mp_dialect d,
                         const char *name);
/* The table that owns index `name`, or NULL; *idx receives its position. */
struct mp_table *mp_schema_index_owner(const struct mp_schema *s, enum mp_dialect d,
                                       const char *name, size_t *idx);

struct mp_column *mp_table_add_column(struct mp_arena *a, struct mp_table *t,
                                      const char *name, struct mp_type type);
struct mp_fk *mp_table_add_fk(struct mp_arena *a, struct mp_table *t);
struct mp_unique *mp_table_add_unique(struct mp_arena *a, struct mp_table *t);
struct mp_index *mp_table_add_index(struct mp_arena *a, struct mp_table *t);
struct mp_check *mp_table_add_check(struct mp_arena *a, struct mp_table *t);

/* Point every reference to column `old` of table `t` at `to` (pointer
 * kept, not copied): t's primary key, unique constraints, indexes and
 * foreign keys, and other tables' foreign keys into t; CHECK and index
 * expressions are rewritten (new text in `a`).  Names compare
 * exactly; the column itself is not renamed.  For generators and the
 * shrinker, which edit schemas they own (the virtual schema renames
 * through mp_vschema_apply, with the dialect's name rules). */
void mp_schema_rename_column_refs(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, const char *old,
                                  const char *to);

/* True when column `col` is in t's primary key, a unique constraint or a
 * unique index. */
bool mp_table_column_in_unique_key(const struct mp_table *t, enum mp_dialect d, const char *col);

/* True when columns `cols` of `t` are exactly its primary key or one of its
 * unique constraints or unique indexes (in any order): what a foreign key's
 * referenced columns need (PostgreSQL "CREATE TABLE ... REFERENCES"; SQLite
 * "Foreign Key Support" 3, "foreign key mismatch"). */
bool mp_table_has_unique_key(const struct mp_table *t, enum mp_dialect d,
                             const struct mp_names *cols);

/* Flags of mp_schema_canonical(). */
enum {
    MP_CANON_NAMES = 1, /* also print constraint names (case files); comparison leaves them out */
    /* columns sorted by name instead of in table order: the planner can only
     * append a column (ALTER TABLE ADD COLUMN), so a correct plan may leave
     * the columns in another order (`migprop schema` prints this form unless
     * --strict-column-order) */
    MP_CANON_ANY_COLUMN_ORDER = 2,
    /* leave out what only one dialect has (STRICT, WITHOUT ROWID,
     * AUTOINCREMENT, identity, serial, collations, sequences): the form two
     * backends' read-backs of one trial are compared in (dialect_agreement) */
    MP_CANON_PORTABLE = 4
};

/* Append the canonical text form of `s`: tables sorted by name, columns in
 * order, keys, foreign keys (sorted) and indexes (sorted by name), one object
 * a line, identifiers double-quoted; then the schema-level objects
 * (mp_objects_canonical(), model_object.h); then, sorted, one "# not modelled: X"
 * line per unmodelled object, so that two schemas that differ only there
 * never print alike (the schema parser reads these lines as comments).  Two schemas are equal for migprop when
 * their canonical forms (flags 0) are equal.  The same text, with
 * MP_CANON_NAMES, is the schema syntax read by mp_schema_parse() (text.h). */
void mp_schema_canonical(struct mp_buf *b, const struct mp_schema *s, int flags);

/* Append a line-oriented diff of the canonical forms of `want` and `got`
 * ("- " only in want, "+ " only in got, "  " context), limited to the
 * tables that differ.  Returns the number of differing lines (0: equal). */
size_t mp_schema_diff(struct mp_buf *b, const struct mp_schema *want,
                      const struct mp_schema *got);
/* The same with mp_schema_canonical() flags.  Schemas read from databases
 * of two dialects compare in MP_CANON_PORTABLE form; a dialect-neutral
 * `want` (a generated desired schema) compared with a read-back `got` is
 * first projected onto got's dialect (mp_table_project(): what that
 * dialect's DDL keeps of it). */
size_t mp_schema_diff_ex(struct mp_buf *b, const struct mp_schema *want,
                         const struct mp_schema *got, int flags);

#endif
