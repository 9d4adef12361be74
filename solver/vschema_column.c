/* vschema_column.c - the virtual schema's rules for column and table
 * features (model_column.h) and standalone sequences (vschema.h).  Each
 * rule cites the documentation it models. */
#include "vschema.h"

#include <string.h>

/* Every call passes a literal format with two %s; a NULL stands for "". */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fail(struct mp_error *err, const char *fmt, const char *x, const char *y)
{
    return mp_error_set(err, MP_EPRECOND, fmt, x ? x : "", y ? y : "");
}
#pragma GCC diagnostic pop

int mp_vschema_check_column(const struct mp_table *t, const struct mp_column *c, enum mp_dialect d,
                            struct mp_error *err)
{
    const struct mp_colfeat *f = &c->feat;
    bool integral = c->type.kind == MP_TYPE_INTEGER || c->type.kind == MP_TYPE_BIGINT;
    /* PostgreSQL "CREATE TABLE": an identity column is smallint, integer or
     * bigint and has no default; the same for serial (8.1.4) */
    if (d == MP_POSTGRES && (f->identity || f->serial) && !integral)
        return fail(err, "column \"%s\" of \"%s\": identity and serial columns are integer or bigint", c->name, t->name);
    if (d == MP_POSTGRES && (f->identity || f->serial) && c->default_sql)
        return fail(err, "column \"%s\" of \"%s\": an identity or serial column has no other default", c->name,
                    t->name);
    if (f->identity && f->serial)
        return fail(err, "column \"%s\" of \"%s\" cannot be both identity and serial", c->name, t->name);
    /* "CREATE TABLE": a generated column has no default (both dialects) and
     * is no identity; PostgreSQL 15 has STORED ones only */
    if (f->generated && (c->default_sql || f->identity || f->serial || f->autoincrement))
        return fail(err, "generated column \"%s\" of \"%s\" cannot have a default or be an identity", c->name, t->name);
    if (f->generated && (!f->generated_sql || !*f->generated_sql))
        return fail(err, "generated column \"%s\" of \"%s\" has no expression", c->name, t->name);
    if (d == MP_POSTGRES && f->generated == MP_GENERATED_VIRTUAL)
        return fail(err, "column \"%s\" of \"%s\": PostgreSQL has STORED generated columns only", c->name, t->name);
    /* SQLite "STRICT Tables" 2: INT, INTEGER, REAL, TEXT, BLOB, ANY */
    if (d == MP_SQLITE && t->strict && !mp_strict_type_ok(&c->type))
        return fail(err, "column \"%s\" of STRICT table \"%s\" has a type STRICT refuses", c->name, t->name);
    /* SQLite "CREATE TABLE" 3.5: AUTOINCREMENT on the INTEGER PRIMARY KEY of
     * a rowid table only */
    if (d == MP_SQLITE && f->autoincrement &&
        (c->type.kind != MP_TYPE_INTEGER || t->pk.n != 1 || !mp_name_eq(d, t->pk.v[0], c->name) || t->without_rowid))
        return fail(err, "AUTOINCREMENT on \"%s\" of \"%s\": only the INTEGER PRIMARY KEY of a rowid table", c->name,
                    t->name);
    return 0;
}

int mp_vschema_check_table_features(const struct mp_table *t, enum mp_dialect d, struct mp_error *err)
{
    /* SQLite "WITHOUT ROWID Tables" 2: a PRIMARY KEY is required */
    if (d == MP_SQLITE && t->without_rowid && !t->pk.n)
        return fail(err, "WITHOUT ROWID table \"%s\" has no primary key%s", t->name, NULL);
    for (size_t i = 0; i < t->ncols; i++) {
        int rc = mp_vschema_check_column(t, &t->cols[i], d, err);
        if (rc)
            return rc;
    }
    return 0;
}

int mp_vschema_apply_features(struct mp_arena *a, struct mp_table *t, enum mp_dialect d, const struct mp_op *op,
                              struct mp_error *err)
{
    int rc;
    if (op->kind == MP_OP_SET_TABLE_OPTIONS) {
        /* SQLite: by the 12-step rebuild ("ALTER TABLE" 7); PostgreSQL has
         * neither option and keeps the table as it is */
        if (d != MP_SQLITE)
            return 0;
        struct mp_table saved = *t;
        t->strict = op->strict;
        t->without_rowid = op->without_rowid;
        if ((rc = mp_vschema_check_table_features(t, d, err))) {
            *t = saved;
            return rc;
        }
        return 0;
    }
    struct mp_column *c = mp_table_column(t, d, op->name);
    if (!c)
        return fail(err, "column \"%s\" does not exist in \"%s\"", op->name, t->name);
    struct mp_column saved = *c;
    c->feat = op->column.feat;
    mp_colfeat_copy(a, &c->feat);
    mp_column_project(c, d);
    /* PostgreSQL "ALTER TABLE ... ADD GENERATED ... AS IDENTITY": the column
     * must be NOT NULL and have no default; serial and generated columns
     * are not made by ALTER (the diff refuses those changes) */
    if (d == MP_POSTGRES && c->feat.identity && !saved.feat.identity && (!saved.not_null || saved.default_sql)) {
        *c = saved;
        return fail(err, "cannot make \"%s\".\"%s\" an identity column: it needs NOT NULL and no default", t->name,
                    op->name);
    }
    if (d == MP_POSTGRES && (c->feat.serial != saved.feat.serial || c->feat.generated != saved.feat.generated)) {
        *c = saved;
        return fail(err, "column \"%s\" of \"%s\": serial and generated columns are made by ADD COLUMN only",
                    op->name, t->name);
    }
    if ((rc = mp_vschema_check_column(t, c, d, err))) {
        *c = saved;
        return rc;
    }
    return 0;
}

int mp_vschema_apply_sequence(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                            struct mp_error *err)
{
    const char *name = op->seq ? op->seq->name : op->name;
    struct mp_sequence *q = name ? mp_schema_sequence(s, d, name) : NULL;
    /* SQLite has no sequences: the steps do nothing there */
    if (d == MP_SQLITE)
        return 0;
    /* "CREATE SEQUENCE": START must lie within MINVALUE .. MAXVALUE */
    if (op->seq && (op->seq->start < op->seq->min || op->seq->start > op->seq->max || op->seq->increment == 0))
        return fail(err, "sequence \"%s\": START WITH is outside MINVALUE .. MAXVALUE, or INCREMENT is 0%s", name,
                    NULL);
    switch (op->kind) {
    case MP_OP_CREATE_SEQUENCE:
        /* PostgreSQL "CREATE SEQUENCE": the name is a relation name of the schema */
        if (!op->seq)
            return fail(err, "create sequence without a definition%s%s", NULL, NULL);
        if (q || mp_vschema_name_taken(s, d, name))
            return fail(err, "cannot create sequence \"%s\": the name is already used by a relation%s", name, NULL);
        mp_schema_put_sequence(a, s, op->seq);
        return 0;
    case MP_OP_DROP_SEQUENCE:
        if (!q)
            return fail(err, "sequence \"%s\" does not exist%s", name, NULL);
        mp_schema_remove_sequence(s, (size_t)(q - s->seqs));
        return 0;
    case MP_OP_ALTER_SEQUENCE:
        if (!q || !op->seq)
            return fail(err, "sequence \"%s\" does not exist%s", name, NULL);
        *q = *op->seq;
        q->name = mp_arena_strdup(a, op->seq->name);
        q->type = mp_arena_strdup(a, op->seq->type);
        return 0;
    default:
        return mp_error_set(err, MP_EINTERNAL, "not a schema-object operation: %s", mp_op_kind_name(op->kind));
    }
}
