/* sql.c - SQL rendering per dialect.  Every identifier goes through
 * mp_buf_ident(); every statement ends in ";\n". */
#include "sql.h"

#include "index_def.h"
#include "model_check.h"
#include "sql_type.h"


#include <ctype.h>
#include <string.h>
#include <strings.h>

/* True when `e` is a literal SQLite accepts bare after DEFAULT: a signed
 * number, a string or blob literal, NULL, TRUE, FALSE, CURRENT_TIME,
 * CURRENT_DATE or CURRENT_TIMESTAMP ("CREATE TABLE" 3.2: any other
 * expression must be in parentheses). */
static bool sqlite_default_literal(const char *e)
{
    static const char *const words[] = {"NULL", "TRUE", "FALSE", "CURRENT_TIME", "CURRENT_DATE",
                                        "CURRENT_TIMESTAMP", NULL};
    for (size_t i = 0; words[i]; i++)
        if (strcasecmp(e, words[i]) == 0)
            return true;
    const char *p = e;
    if ((*p == 'x' || *p == 'X') && p[1] == '\'')
        p++;
    if (*p == '\'') {
        for (p++; *p; p++)
            if (*p == '\'' && *++p != '\'')
                break;
        return *p == '\0' && p[-1] == '\'';
    }
    if (*p == '+' || *p == '-')
        p++;
    bool digits = false;
    for (; isdigit((unsigned char)*p) || *p == '.'; p++)
        digits |= *p != '.';
    if (digits && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return digits && *p == '\0';
}

static void ident_list(struct mp_buf *b, const struct mp_names *n)
{
    mp_buf_addc(b, '(');
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            mp_buf_add(b, ", ");
        mp_buf_ident(b, n->v[i]);
    }
    mp_buf_addc(b, ')');
}

/* `pk`: the column-level PRIMARY KEY AUTOINCREMENT of a SQLite table
 * (pk_name: its constraint name, or NULL). */
static void column_def(struct mp_buf *b, const struct mp_column *c, enum mp_dialect d, enum mp_fault fault,
                       bool pk, const char *pk_name)
{
    mp_buf_ident(b, c->name);
    mp_buf_addc(b, ' ');
    if (fault == MP_FAULT_SQLITE_TEXT && d == MP_SQLITE && c->type.kind == MP_TYPE_VARCHAR)
        mp_buf_add(b, "TEXT"); /* self-test fault: the dialects disagree */
    else
        mp_sql_column_type(b, c, d);
    mp_sql_column_collate(b, c, d);
    if (pk) {
        if (pk_name) {
            mp_buf_add(b, " CONSTRAINT ");
            mp_buf_ident(b, pk_name);
        }
        mp_buf_add(b, " PRIMARY KEY AUTOINCREMENT");
    }
    if (c->not_null)
        mp_buf_add(b, " NOT NULL");
    if (c->default_sql && d == MP_SQLITE && !sqlite_default_literal(c->default_sql))
        mp_buf_printf(b, " DEFAULT (%s)", c->default_sql);
    else if (c->default_sql)
        mp_buf_printf(b, " DEFAULT %s", c->default_sql);
    mp_sql_column_features(b, c, d);
}

static void fk_clause(struct mp_buf *b, const struct mp_fk *f)
{
    if (f->name) {
        mp_buf_add(b, "CONSTRAINT ");
        mp_buf_ident(b, f->name);
        mp_buf_addc(b, ' ');
    }
    mp_buf_add(b, "FOREIGN KEY ");
    ident_list(b, &f->cols);
    mp_buf_add(b, " REFERENCES ");
    mp_buf_ident(b, f->ref_table);
    mp_buf_addc(b, ' ');
    ident_list(b, &f->ref_cols);
    mp_sql_fk_match(b, f);
    if (f->on_delete != MP_FK_NO_ACTION)
        mp_buf_printf(b, " ON DELETE %s", mp_fk_action_sql(f->on_delete));
    if (f->on_update != MP_FK_NO_ACTION)
        mp_buf_printf(b, " ON UPDATE %s", mp_fk_action_sql(f->on_update));
    mp_sql_fk_deferrable(b, f);
}

static void create_index(struct mp_buf *b, const struct mp_index *x, const char *table, enum mp_dialect d)
{
    mp_index_sql(b, x, table, d);
}

static void create_table(struct mp_buf *b, const struct mp_table *t, enum mp_dialect d,
                         const char *as_name, bool skip_fks, bool with_indexes, enum mp_fault fault)
{
    mp_buf_add(b, "CREATE TABLE ");
    mp_buf_ident(b, as_name ? as_name : t->name);
    mp_buf_add(b, " (");
    bool inline_pk = false;
    for (size_t i = 0; i < t->ncols; i++) {
        mp_buf_add(b, i ? ", " : "");
        bool pk = mp_sql_autoincrement_pk(t, d, i);
        inline_pk |= pk;
        column_def(b, &t->cols[i], d, fault, pk, t->pk_name);
    }
    if (t->pk.n && !inline_pk) {
        mp_buf_add(b, ", ");
        if (t->pk_name) {
            mp_buf_add(b, "CONSTRAINT ");
            mp_buf_ident(b, t->pk_name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "PRIMARY KEY ");
        ident_list(b, &t->pk);
    }
    for (size_t i = 0; i < t->nuniques; i++) {
        mp_buf_add(b, ", ");
        if (t->uniques[i].name) {
            mp_buf_add(b, "CONSTRAINT ");
            mp_buf_ident(b, t->uniques[i].name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "UNIQUE ");
        ident_list(b, &t->uniques[i].cols);
    }
    /* PostgreSQL validates a NOT VALID check of CREATE TABLE all the same
     * (the table is empty): such a check is added by ALTER TABLE after it */
    for (size_t i = 0; i < t->nchecks; i++) {
        if (t->checks[i].not_valid && d == MP_POSTGRES)
            continue;
        mp_buf_add(b, ", ");
        mp_check_sql(b, &t->checks[i]);
    }
    for (size_t i = 0; !skip_fks && i < t->nfks; i++) {
        mp_buf_add(b, ", ");
        fk_clause(b, &t->fks[i]);
    }
    mp_buf_addc(b, ')');
    mp_sql_table_options(b, t, d);
    mp_buf_add(b, ";\n");
    for (size_t i = 0; d == MP_POSTGRES && i < t->nchecks; i++)
        if (t->checks[i].not_valid) {
            mp_buf_add(b, "ALTER TABLE ");
            mp_buf_ident(b, as_name ? as_name : t->name);
            mp_buf_add(b, " ADD ");
            mp_check_sql(b, &t->checks[i]);
            mp_buf_add(b, " NOT VALID;\n");
        }
    for (size_t i = 0; with_indexes && i < t->nindexes; i++)
        create_index(b, &t->indexes[i], as_name ? as_name : t->name, d);
}

void mp_sql_create_table(struct mp_buf *b, const struct mp_table *t, enum mp_dialect d,
                         const char *as_name, bool skip_fks, enum mp_fault fault)
{
    create_table(b, t, d, as_name, skip_fks, true, fault);
}

bool mp_sql_needs_rebuild(enum mp_dialect d, const struct mp_op *op)
{
    /* SQLite "ALTER TABLE" 1: only RENAME TABLE, RENAME COLUMN, ADD COLUMN
     * and DROP COLUMN; constraints, types, NOT NULL and defaults change
     * through the 12-step rebuild (section 7). */
    if (d != MP_SQLITE)
        return false;
    /* ADD COLUMN refuses a default of CURRENT_TIME, CURRENT_DATE,
     * CURRENT_TIMESTAMP or an expression in parentheses on a table with
     * rows ("ALTER TABLE" 5, "Cannot add a column with non-constant
     * default"): such a column is added by the rebuild */
    if (op->kind == MP_OP_ADD_COLUMN && op->column.default_sql &&
        (!sqlite_default_literal(op->column.default_sql) || strncasecmp(op->column.default_sql, "CURRENT_", 8) == 0))
        return true;
    /* ADD COLUMN refuses a STORED generated column ("ALTER TABLE" 5,
     * "Generated Columns" 2.3) and a column COLLATE is fine; a new
     * AUTOINCREMENT would be a primary key, which ADD COLUMN refuses */
    if (op->kind == MP_OP_ADD_COLUMN && (op->column.feat.generated == MP_GENERATED_STORED || op->column.feat.autoincrement))
        return true;
    return op->kind == MP_OP_SET_TABLE_OPTIONS || op->kind == MP_OP_ADD_FK || op->kind == MP_OP_DROP_FK ||
           op->kind == MP_OP_ADD_UNIQUE || op->kind == MP_OP_DROP_UNIQUE || op->kind == MP_OP_ADD_CHECK ||
           op->kind == MP_OP_DROP_CHECK || op->kind == MP_OP_ALTER_PK || mp_op_alters_column(op->kind);
}

static void alter(struct mp_buf *b, const char *table)
{
    mp_buf_add(b, "ALTER TABLE ");
    mp_buf_ident(b, table);
    mp_buf_addc(b, ' ');
}

/* SQLite's 12-step rebuild, steps 4-8 ("ALTER TABLE" 7): the caller runs it
 * inside a transaction with PRAGMA foreign_keys=OFF set outside it, and runs
 * PRAGMA foreign_key_check before COMMIT (steps 1-2, 10-12). */
static void rebuild(struct mp_buf *b, const struct mp_table *old, const struct mp_table *now,
                    const char *tmp, enum mp_fault fault)
{
    /* indexes are created after the rename, under their own names */
    create_table(b, now, MP_SQLITE, tmp, false, false, fault);
    mp_buf_add(b, "INSERT INTO ");
    mp_buf_ident(b, tmp);
    struct mp_buf cols = {0};
    for (size_t i = 0, n = 0; i < now->ncols; i++) {
        long oi = mp_table_find_column(old, MP_SQLITE, now->cols[i].name);
        if (oi < 0 || now->cols[i].feat.generated || old->cols[oi].feat.generated)
            continue; /* a generated column is computed, never copied ("Generated Columns" 2.3) */
        mp_buf_add(&cols, n++ ? ", " : "");
        mp_buf_ident(&cols, now->cols[i].name);
    }
    if (fault == MP_FAULT_TRUNCATING_TYPE) {
        /* self-test fault: text loses all but its first character */
        struct mp_buf sel = {0};
        for (size_t i = 0, n = 0; i < now->ncols; i++) {
            const struct mp_column *oc = mp_table_column(old, MP_SQLITE, now->cols[i].name);
            if (!oc || now->cols[i].feat.generated || oc->feat.generated)
                continue;
            mp_buf_add(&sel, n++ ? ", " : "");
            bool text = now->cols[i].type.kind == MP_TYPE_TEXT || now->cols[i].type.kind == MP_TYPE_VARCHAR;
            if (text && !mp_type_eq(&oc->type, &now->cols[i].type)) {
                mp_buf_add(&sel, "substr(");
                mp_buf_ident(&sel, now->cols[i].name);
                mp_buf_add(&sel, ", 1, 1)");
            } else {
                mp_buf_ident(&sel, now->cols[i].name);
            }
        }
        mp_buf_printf(b, " (%s) SELECT %s FROM ", mp_buf_str(&cols), mp_buf_str(&sel));
        mp_buf_free(&sel);
    } else {
        mp_buf_printf(b, " (%s) SELECT %s FROM ", mp_buf_str(&cols), mp_buf_str(&cols));
    }
    mp_buf_free(&cols);
    mp_buf_ident(b, old->name);
    mp_buf_add(b, ";\nDROP TABLE ");
    mp_buf_ident(b, old->name);
    mp_buf_add(b, ";\n");
    alter(b, tmp);
    mp_buf_add(b, "RENAME TO ");
    mp_buf_ident(b, now->name);
    mp_buf_add(b, ";\n");
    for (size_t i = 0; i < now->nindexes; i++)
        create_index(b, &now->indexes[i], now->name, MP_SQLITE);
}

void mp_sql_step(struct mp_buf *b, const struct mp_op *op, enum mp_dialect d,
                 const struct mp_schema *after, const struct mp_table *old,
                 const char *tmp_name, enum mp_fault fault)
{
    if (old && mp_sql_needs_rebuild(d, op)) {
        const struct mp_table *now = mp_schema_table(after, d, op->table);
        if (now) {
            rebuild(b, old, now, tmp_name, fault);
            return;
        }
    }
    switch (op->kind) {
    case MP_OP_CREATE_TABLE:
        mp_sql_create_table(b, op->def, d, NULL, false, fault);
        return;
    case MP_OP_CREATE_OBJECT:
        mp_sql_object_create(b, op->object);
        return;
    case MP_OP_DROP_OBJECT:
        mp_sql_object_drop(b, op->object, d);
        return;
    case MP_OP_DROP_TABLE:
        mp_buf_add(b, "DROP TABLE ");
        mp_buf_ident(b, op->table);
        break;
    case MP_OP_RENAME_TABLE:
        alter(b, op->table);
        mp_buf_add(b, "RENAME TO ");
        mp_buf_ident(b, op->new_name);
        break;
    case MP_OP_ADD_COLUMN:
        alter(b, op->table);
        mp_buf_add(b, "ADD COLUMN ");
        column_def(b, &op->column, d, fault, false, NULL);
        break;
    case MP_OP_DROP_COLUMN:
        alter(b, op->table);
        mp_buf_add(b, "DROP COLUMN ");
        mp_buf_ident(b, op->name);
        break;
    case MP_OP_RENAME_COLUMN:
        alter(b, op->table);
        mp_buf_add(b, "RENAME COLUMN ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " TO ");
        mp_buf_ident(b, op->new_name);
        break;
    case MP_OP_ADD_FK:
        /* SQLite has no ADD CONSTRAINT: this text is only reached when the
         * table is missing (naive plans) and fails as SQLite would. */
        alter(b, op->table);
        mp_buf_add(b, "ADD ");
        fk_clause(b, &op->fk);
        break;
    case MP_OP_DROP_FK:
        alter(b, op->table);
        mp_buf_add(b, "DROP CONSTRAINT ");
        mp_buf_ident(b, op->fk.name ? op->fk.name : "?unnamed foreign key?");
        break;
    case MP_OP_ADD_INDEX:
        create_index(b, &op->index, op->table, d);
        return;
    case MP_OP_DROP_INDEX:
        mp_buf_add(b, "DROP INDEX ");
        mp_buf_ident(b, op->name);
        break;
    case MP_OP_RENAME_INDEX: {
        const struct mp_table *t = mp_schema_table(after, d, op->table);
        long xi = t ? mp_table_find_index(t, d, op->new_name) : -1;
        if (d == MP_SQLITE && xi >= 0) {
            /* no ALTER INDEX in SQLite: drop and re-create under the new name */
            mp_buf_add(b, "DROP INDEX ");
            mp_buf_ident(b, op->name);
            mp_buf_add(b, ";\n");
            create_index(b, &t->indexes[xi], t->name, d);
            return;
        }
        mp_buf_add(b, "ALTER INDEX ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " RENAME TO ");
        mp_buf_ident(b, op->new_name);
        break;
    }
    case MP_OP_ALTER_TYPE:
        /* PostgreSQL "ALTER TABLE": ALTER COLUMN c TYPE t USING c::t */
        alter(b, op->table);
        mp_buf_add(b, "ALTER COLUMN ");
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " TYPE ");
        mp_type_sql(b, &op->column.type, d);
        /* without COLLATE the column would take the new type's default */
        mp_sql_column_collate(b, &op->column, d);
        mp_buf_add(b, " USING ");
        if (fault == MP_FAULT_TRUNCATING_TYPE &&
            (op->column.type.kind == MP_TYPE_TEXT || op->column.type.kind == MP_TYPE_VARCHAR)) {
            mp_buf_add(b, "left("); /* self-test fault */
            mp_buf_ident(b, op->name);
            mp_buf_add(b, ", 1)::");
        } else {
            /* to an enum through text: no cast joins two enums, and text
             * converts to any enum by its input function (8.7.4) */
            const struct mp_utype *u = mp_type_utype(after, &op->column.type);
            mp_buf_ident(b, op->name);
            mp_buf_add(b, u && u->kind == MP_UTYPE_ENUM ? "::text::" : "::");
        }
        mp_type_sql(b, &op->column.type, d);
        break;
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT:
        alter(b, op->table);
        mp_buf_add(b, "ALTER COLUMN ");
        mp_buf_ident(b, op->name);
        if (op->kind == MP_OP_SET_NOT_NULL)
            mp_buf_add(b, " SET NOT NULL");
        else if (op->kind == MP_OP_DROP_NOT_NULL)
            mp_buf_add(b, " DROP NOT NULL");
        else if (op->kind == MP_OP_SET_DEFAULT)
            mp_buf_printf(b, " SET DEFAULT %s", op->column.default_sql ? op->column.default_sql : "NULL");
        else
            mp_buf_add(b, " DROP DEFAULT");
        break;
    case MP_OP_ADD_UNIQUE:
        alter(b, op->table);
        mp_buf_add(b, "ADD ");
        if (op->unique.name) {
            mp_buf_add(b, "CONSTRAINT ");
            mp_buf_ident(b, op->unique.name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "UNIQUE ");
        ident_list(b, &op->unique.cols);
        break;
    case MP_OP_DROP_UNIQUE:
        alter(b, op->table);
        mp_buf_add(b, "DROP CONSTRAINT ");
        mp_buf_ident(b, op->unique.name ? op->unique.name : "?unnamed unique constraint?");
        break;
    case MP_OP_ADD_CHECK:
        /* PostgreSQL "ALTER TABLE ... ADD table_constraint [NOT VALID]":
         * a named check on an existing table is added NOT VALID and then
         * validated, so the scan of its rows holds a weaker lock (SHARE
         * UPDATE EXCLUSIVE); a violating row fails the step either way */
        alter(b, op->table);
        mp_buf_add(b, "ADD ");
        mp_check_sql(b, &op->check);
        if (op->check.name || op->check.not_valid)
            mp_buf_add(b, " NOT VALID");
        if (op->check.name && !op->check.not_valid) {
            mp_buf_add(b, ";\n");
            alter(b, op->table);
            mp_buf_add(b, "VALIDATE CONSTRAINT ");
            mp_buf_ident(b, op->check.name);
        }
        break;
    case MP_OP_DROP_CHECK:
        alter(b, op->table);
        mp_buf_add(b, "DROP CONSTRAINT ");
        mp_buf_ident(b, op->check.name ? op->check.name : "?unnamed check constraint?");
        break;
    case MP_OP_ALTER_COLUMN_FEATURES:
        mp_sql_alter_column_features(b, op, d);
        return;
    case MP_OP_SET_TABLE_OPTIONS:
        /* reached only without a rebuild (naive plans, PostgreSQL): nothing to say in SQL */
        mp_buf_add(b, "SELECT 1");
        break;
    case MP_OP_CREATE_SEQUENCE:
    case MP_OP_ALTER_SEQUENCE:
        mp_buf_add(b, op->kind == MP_OP_CREATE_SEQUENCE ? "CREATE SEQUENCE " : "ALTER SEQUENCE ");
        mp_buf_ident(b, op->seq ? op->seq->name : op->name);
        if (op->seq)
            mp_sql_sequence_options(b, op->seq);
        break;
    case MP_OP_DROP_SEQUENCE:
        mp_buf_add(b, "DROP SEQUENCE ");
        mp_buf_ident(b, op->name);
        break;
    case MP_OP_CREATE_TYPE:
    case MP_OP_DROP_TYPE:
    case MP_OP_ADD_ENUM_VALUE:
    case MP_OP_RENAME_ENUM_VALUE:
    case MP_OP_REBUILD_ENUM:
    case MP_OP_ALTER_DOMAIN:
        mp_sql_type_step(b, op, after);
        return;
    case MP_OP_ALTER_PK:
        mp_sql_alter_pk(b, op);
        break;
    case MP_OP__COUNT:
        return;
    }
    mp_buf_add(b, ";\n");
}

void mp_sql_schema(struct mp_buf *b, const struct mp_schema *s, enum mp_dialect d, enum mp_fault fault)
{
    mp_sql_utypes(b, s, d);
    for (size_t i = 0; d == MP_POSTGRES && i < s->nseqs; i++) {
        mp_buf_add(b, "CREATE SEQUENCE ");
        mp_buf_ident(b, s->seqs[i].name);
        mp_sql_sequence_options(b, &s->seqs[i]);
        mp_buf_add(b, ";\n");
    }
    for (size_t i = 0; i < s->ntables; i++)
        mp_sql_create_table(b, s->tables[i], d, NULL, d == MP_POSTGRES, fault);
    for (size_t i = 0; d == MP_POSTGRES && i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++) {
            alter(b, s->tables[i]->name);
            mp_buf_add(b, "ADD ");
            fk_clause(b, &s->tables[i]->fks[j]);
            mp_buf_add(b, ";\n");
        }
    mp_sql_objects(b, s, d);
}
