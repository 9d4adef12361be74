/* ops.c - change operations: construction and description. */
#include "ops.h"

#include "index_def.h"

#include <string.h>

const char *mp_op_kind_name(enum mp_op_kind k)
{
    static const char *const names[MP_OP__COUNT] = {
        "create table", "drop table", "rename table", "add column", "drop column",
        "rename column", "add foreign key", "drop foreign key", "add index", "drop index",
        "rename index", "alter column type", "set not null", "drop not null", "set default",
        "drop default", "add unique", "drop unique", "create object", "drop object", "add check", "drop check",
        "alter column features", "set table options", "create sequence", "drop sequence", "alter sequence",
        "create type", "drop type", "add enum value", "rename enum value", "rebuild enum type", "alter domain",
        "alter primary key",
    };
    return (unsigned)k < MP_OP__COUNT ? names[k] : "?";
}

bool mp_op_alters_column(enum mp_op_kind k)
{
    return k == MP_OP_ALTER_TYPE || k == MP_OP_SET_NOT_NULL || k == MP_OP_DROP_NOT_NULL ||
           k == MP_OP_SET_DEFAULT || k == MP_OP_DROP_DEFAULT || k == MP_OP_ALTER_COLUMN_FEATURES;
}

bool mp_op_is_type_op(enum mp_op_kind k)
{
    return k >= MP_OP_CREATE_TYPE && k <= MP_OP_ALTER_DOMAIN;
}

bool mp_op_is_sequence_op(enum mp_op_kind k)
{
    return k == MP_OP_CREATE_SEQUENCE || k == MP_OP_DROP_SEQUENCE || k == MP_OP_ALTER_SEQUENCE;
}

struct mp_op *mp_changeset_add(struct mp_arena *a, struct mp_changeset *cs,
                               enum mp_op_kind k)
{
    struct mp_op *op = MP_PUSH(a, cs->ops, cs->n, cs->cap);
    op->kind = k;
    return op;
}

static void names_list(struct mp_buf *b, const struct mp_names *n)
{
    mp_buf_addc(b, '(');
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            mp_buf_add(b, ", ");
        mp_buf_ident(b, n->v[i]);
    }
    mp_buf_addc(b, ')');
}

static void fk_text(struct mp_buf *b, const struct mp_fk *f)
{
    names_list(b, &f->cols);
    mp_buf_add(b, " references ");
    mp_buf_ident(b, f->ref_table);
    mp_buf_addc(b, ' ');
    names_list(b, &f->ref_cols);
}

void mp_op_describe(struct mp_buf *b, const struct mp_op *op)
{
    if (op->kind == MP_OP_CREATE_OBJECT || op->kind == MP_OP_DROP_OBJECT) {
        mp_object_describe(b, op->object, op->kind == MP_OP_CREATE_OBJECT);
        return;
    }
    mp_buf_add(b, mp_op_kind_name(op->kind));
    mp_buf_addc(b, ' ');
    switch (op->kind) {
    case MP_OP_CREATE_TABLE: {
        mp_buf_ident(b, op->table);
        struct mp_schema one = {0};
        struct mp_table *t = (struct mp_table *)op->def;
        one.tables = &t;
        one.ntables = 1;
        struct mp_buf body = {0};
        mp_schema_canonical(&body, &one, MP_CANON_NAMES);
        /* skip the "table" line, indent the rest */
        const char *p = strchr(mp_buf_str(&body), '\n');
        for (p = p ? p + 1 : ""; *p;) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            mp_buf_add(b, "\n  ");
            mp_buf_addn(b, p, len);
            p += len + (nl ? 1 : 0);
        }
        mp_buf_free(&body);
        break;
    }
    case MP_OP_DROP_TABLE:
        mp_buf_ident(b, op->table);
        break;
    case MP_OP_RENAME_TABLE:
        mp_buf_ident(b, op->table);
        mp_buf_add(b, " to ");
        mp_buf_ident(b, op->new_name);
        break;
    case MP_OP_ADD_COLUMN: {
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, op->column.name);
        mp_buf_addc(b, ' ');
        mp_type_canonical(b, &op->column.type);
        if (op->column.not_null)
            mp_buf_add(b, " not null");
        mp_colfeat_canonical(b, &op->column, 0);
        if (op->column.default_sql)
            mp_buf_printf(b, " default %s", op->column.default_sql);
        mp_colfeat_canonical_generated(b, &op->column);
        break;
    }
    case MP_OP_DROP_COLUMN:
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, op->name);
        break;
    case MP_OP_RENAME_COLUMN:
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " to ");
        mp_buf_ident(b, op->new_name);
        break;
    case MP_OP_ADD_FK:
    case MP_OP_DROP_FK:
        if (op->fk.name) {
            mp_buf_ident(b, op->fk.name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "on ");
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, ' ');
        fk_text(b, &op->fk);
        if (op->kind == MP_OP_ADD_FK && op->fk.on_delete != MP_FK_NO_ACTION)
            mp_buf_printf(b, " on delete %s", mp_fk_action_sql(op->fk.on_delete));
        if (op->kind == MP_OP_ADD_FK && op->fk.on_update != MP_FK_NO_ACTION)
            mp_buf_printf(b, " on update %s", mp_fk_action_sql(op->fk.on_update));
        break;
    case MP_OP_ADD_INDEX:
        if (op->index.unique)
            mp_buf_add(b, "unique ");
        mp_buf_ident(b, op->index.name);
        mp_buf_add(b, " on ");
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, ' ');
        mp_index_canonical(b, &op->index);
        break;
    case MP_OP_DROP_INDEX:
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " on ");
        mp_buf_ident(b, op->table);
        break;
    case MP_OP_RENAME_INDEX:
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " on ");
        mp_buf_ident(b, op->table);
        mp_buf_add(b, " to ");
        mp_buf_ident(b, op->new_name);
        break;
    case MP_OP_ALTER_TYPE:
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT:
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, op->name);
        if (op->kind == MP_OP_ALTER_TYPE) {
            mp_buf_add(b, " to ");
            mp_type_canonical(b, &op->column.type);
        } else if (op->kind == MP_OP_SET_DEFAULT) {
            mp_buf_printf(b, " %s", op->column.default_sql ? op->column.default_sql : "NULL");
        }
        break;
    case MP_OP_CREATE_OBJECT:
    case MP_OP_DROP_OBJECT:
        break;
    case MP_OP_ADD_UNIQUE:
    case MP_OP_DROP_UNIQUE:
        if (op->unique.name) {
            mp_buf_ident(b, op->unique.name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "on ");
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, ' ');
        names_list(b, &op->unique.cols);
        break;
    case MP_OP_ADD_CHECK:
    case MP_OP_DROP_CHECK:
        if (op->check.name) {
            mp_buf_ident(b, op->check.name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "on ");
        mp_buf_ident(b, op->table);
        mp_buf_printf(b, " (%s)%s", op->check.expr ? op->check.expr : "", op->check.not_valid ? " not valid" : "");
        break;
    case MP_OP_ALTER_COLUMN_FEATURES: {
        mp_buf_ident(b, op->table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, op->name);
        mp_buf_add(b, " to");
        struct mp_buf f = {0};
        mp_colfeat_canonical(&f, &op->column, 0);
        mp_colfeat_canonical_generated(&f, &op->column);
        mp_buf_add(b, f.len ? mp_buf_str(&f) : " none");
        mp_buf_free(&f);
        break;
    }
    case MP_OP_SET_TABLE_OPTIONS:
        mp_buf_ident(b, op->table);
        mp_buf_add(b, op->strict ? " strict" : " not strict");
        mp_buf_add(b, op->without_rowid ? ", without rowid" : ", with rowid");
        break;
    case MP_OP_CREATE_SEQUENCE:
    case MP_OP_ALTER_SEQUENCE:
        mp_buf_ident(b, op->seq ? op->seq->name : op->name);
        if (op->seq)
            mp_sequence_options(b, op->seq);
        break;
    case MP_OP_DROP_SEQUENCE:
        mp_buf_ident(b, op->name);
        break;
    case MP_OP_CREATE_TYPE:
    case MP_OP_DROP_TYPE:
    case MP_OP_REBUILD_ENUM:
    case MP_OP_ALTER_DOMAIN: {
        const struct mp_utype *u = op->kind == MP_OP_DROP_TYPE ? op->utype.from : op->utype.def;
        if (u && (op->kind == MP_OP_CREATE_TYPE || op->kind == MP_OP_DROP_TYPE))
            mp_buf_printf(b, "%s ", mp_utype_kind_name(u->kind));
        mp_buf_ident(b, op->name);
        if (u && op->kind != MP_OP_DROP_TYPE) {
            struct mp_schema one = {.types = (struct mp_utype *)u, .ntypes = 1};
            struct mp_buf t = {0};
            mp_types_canonical(&t, &one, 0);
            const char *sp = strchr(mp_buf_str(&t), ' ');
            sp = sp ? strchr(sp + 1, ' ') : NULL; /* after "<kind> <name>" */
            if (sp) {
                size_t n = strcspn(sp, "\n");
                mp_buf_printf(b, "%s%.*s", op->kind == MP_OP_CREATE_TYPE ? "" : " to", (int)n, sp);
            }
            mp_buf_free(&t);
        }
        break;
    }
    case MP_OP_ADD_ENUM_VALUE:
    case MP_OP_RENAME_ENUM_VALUE:
        mp_buf_ident(b, op->name);
        mp_buf_addc(b, ' ');
        mp_buf_literal(b, op->utype.label ? op->utype.label : "");
        if (op->kind == MP_OP_RENAME_ENUM_VALUE) {
            mp_buf_add(b, " to ");
            mp_buf_literal(b, op->utype.new_label ? op->utype.new_label : "");
        } else if (op->utype.near) {
            mp_buf_add(b, op->utype.before ? " before " : " after ");
            mp_buf_literal(b, op->utype.near);
        }
        break;
    case MP_OP_ALTER_PK:
        mp_buf_add(b, "of ");
        mp_buf_ident(b, op->table);
        mp_buf_add(b, " to ");
        if (!op->unique.cols.n) {
            mp_buf_add(b, "none");
            break;
        }
        if (op->unique.name) {
            mp_buf_ident(b, op->unique.name);
            mp_buf_addc(b, ' ');
        }
        names_list(b, &op->unique.cols);
        break;
    case MP_OP__COUNT:
        break;
    }
}

size_t mp_op_tables(const struct mp_op *op, const char *out[2])
{
    if (mp_op_is_type_op(op->kind)) {
        out[0] = op->name;
        return 1;
    }
    if (mp_op_is_sequence_op(op->kind)) {
        out[0] = op->seq ? op->seq->name : op->name;
        return 1;
    }
    out[0] = op->table;
    if ((op->kind == MP_OP_ADD_FK || op->kind == MP_OP_DROP_FK) && op->fk.ref_table &&
        strcmp(op->fk.ref_table, op->table) != 0) {
        out[1] = op->fk.ref_table;
        return 2;
    }
    return 1;
}
