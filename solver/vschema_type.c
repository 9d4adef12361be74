/* vschema_type.c - the virtual schema's rules for enum types and domains
 * (mp_vschema_apply_type, vschema.h).  Each rule cites the PostgreSQL
 * page it models. */
#include "vschema.h"

#include "model_check.h"

#include <string.h>

#define PG_NAMEDATALEN 64

/* The label of enum `t` equal to `lab`, or -1. */
static long label_at(const struct mp_utype *t, const char *lab)
{
    for (size_t i = 0; lab && i < t->labels.n; i++)
        if (strcmp(t->labels.v[i], lab) == 0)
            return (long)i;
    return -1;
}

/* "CREATE DOMAIN": an unnamed check gets ChooseConstraintName(domain,
 * NULL, "check"): "<domain>_check", then "<domain>_check1", ... */
static void name_checks(struct mp_arena *a, struct mp_utype *u)
{
    for (size_t i = 0; i < u->nchecks; i++) {
        if (u->checks[i].name)
            continue;
        for (int n = 0; !u->checks[i].name; n++) {
            const char *cand = n ? mp_arena_printf(a, "%.50s_check%d", u->name, n)
                                 : mp_arena_printf(a, "%.56s_check", u->name);
            bool taken = false;
            for (size_t j = 0; j < u->nchecks && !taken; j++)
                taken = u->checks[j].name && strcmp(u->checks[j].name, cand) == 0;
            if (!taken)
                u->checks[i].name = cand;
        }
    }
}

static int check_labels(const struct mp_utype *u, struct mp_error *err)
{
    for (size_t i = 0; i < u->labels.n; i++) {
        /* 8.7.4: a label is at most NAMEDATALEN - 1 bytes, and labels are distinct */
        if (strlen(u->labels.v[i]) >= PG_NAMEDATALEN || !u->labels.v[i][0])
            return mp_error_set(err, MP_EPRECOND, "enum \"%s\": label '%s' is empty or longer than 63 bytes",
                                u->name, u->labels.v[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(u->labels.v[i], u->labels.v[j]) == 0)
                return mp_error_set(err, MP_EPRECOND, "enum \"%s\": label '%s' appears twice", u->name,
                                    u->labels.v[i]);
    }
    return 0;
}

int mp_vschema_apply_type(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                          struct mp_error *err)
{
    if (d != MP_POSTGRES)
        return mp_error_set(err, MP_EPRECOND, "type \"%s\": enum types and domains are PostgreSQL-only",
                            op->name ? op->name : "?");
    struct mp_utype *u = mp_schema_utype(s, d, op->name);
    const char *ut = NULL, *uc = NULL;
    int rc;
    if (op->kind != MP_OP_CREATE_TYPE && !u)
        return mp_error_set(err, MP_EPRECOND, "type \"%s\" does not exist", op->name);
    switch (op->kind) {
    case MP_OP_CREATE_TYPE: {
        /* "CREATE TYPE": the name must be distinct from every type of the
         * schema, a table's row type included */
        if (!op->utype.def)
            return mp_error_set(err, MP_EINTERNAL, "create type \"%s\" without a definition", op->name);
        if (u || mp_schema_table(s, d, op->name) || mp_schema_relation_object(s, d, op->name))
            return mp_error_set(err, MP_EPRECOND, "cannot create type \"%s\": a type or table of that name exists",
                                op->name);
        if ((rc = check_labels(op->utype.def, err)))
            return rc;
        struct mp_utype *n = mp_schema_put_utype(a, s, op->utype.def);
        n->name = mp_arena_strdup(a, op->name);
        name_checks(a, n);
        return 0;
    }
    case MP_OP_DROP_TYPE:
        /* "DROP TYPE" / "DROP DOMAIN" refuse (without CASCADE) while a
         * column or a domain uses the type */
        if (mp_utype_in_use(s, u->name, &ut, &uc))
            return mp_error_set(err, MP_EPRECOND, "cannot drop type \"%s\": %s%s%s\"%s\" uses it", u->name,
                                ut ? "column \"" : "domain ", ut ? ut : "", ut ? "\"." : "", uc);
        mp_schema_remove_utype(s, (size_t)(u - s->types));
        return 0;
    case MP_OP_ADD_ENUM_VALUE: {
        /* "ALTER TYPE ... ADD VALUE [BEFORE | AFTER neighbor]": the label must
         * be new, the neighbour must exist */
        if (u->kind != MP_UTYPE_ENUM)
            return mp_error_set(err, MP_EPRECOND, "\"%s\" is not an enum", u->name);
        if (label_at(u, op->utype.label) >= 0)
            return mp_error_set(err, MP_EPRECOND, "enum label '%s' already exists in \"%s\"", op->utype.label,
                                u->name);
        long at = (long)u->labels.n;
        if (op->utype.near) {
            long k = label_at(u, op->utype.near);
            if (k < 0)
                return mp_error_set(err, MP_EPRECOND, "'%s' is not an existing enum label of \"%s\"",
                                    op->utype.near, u->name);
            at = op->utype.before ? k : k + 1;
        }
        const char **v = mp_arena_alloc(a, (u->labels.n + 1) * sizeof *v);
        for (long i = 0, j = 0; i <= (long)u->labels.n; i++)
            v[i] = i == at ? mp_arena_strdup(a, op->utype.label) : u->labels.v[j++];
        struct mp_names old = u->labels;
        u->labels.v = v;
        u->labels.n++;
        if ((rc = check_labels(u, err)))
            u->labels = old;
        return rc;
    }
    case MP_OP_RENAME_ENUM_VALUE: {
        /* "ALTER TYPE ... RENAME VALUE" (PostgreSQL 10): the old label must
         * exist, the new one must not */
        long k = u->kind == MP_UTYPE_ENUM ? label_at(u, op->utype.label) : -1;
        if (k < 0)
            return mp_error_set(err, MP_EPRECOND, "'%s' is not an existing enum label of \"%s\"",
                                op->utype.label ? op->utype.label : "", u->name);
        if (label_at(u, op->utype.new_label) >= 0)
            return mp_error_set(err, MP_EPRECOND, "enum label '%s' already exists in \"%s\"", op->utype.new_label,
                                u->name);
        struct mp_names n = mp_names_copy(a, &u->labels);
        n.v[k] = mp_arena_strdup(a, op->utype.new_label);
        struct mp_names old = u->labels;
        u->labels = n;
        if ((rc = check_labels(u, err)))
            u->labels = old;
        return rc;
    }
    case MP_OP_REBUILD_ENUM: {
        /* the rebuild drops the old type: a domain over it would hold it */
        if (u->kind != MP_UTYPE_ENUM || !op->utype.def || op->utype.def->kind != MP_UTYPE_ENUM)
            return mp_error_set(err, MP_EPRECOND, "\"%s\" is not an enum", u->name);
        for (size_t i = 0; i < s->ntypes; i++)
            if (s->types[i].kind == MP_UTYPE_DOMAIN && mp_type_utype(s, &s->types[i].base) == u)
                return mp_error_set(err, MP_EPRECOND, "cannot rebuild enum \"%s\": domain \"%s\" is over it",
                                    u->name, s->types[i].name);
        if ((rc = check_labels(op->utype.def, err)))
            return rc;
        u->labels = mp_names_copy(a, &op->utype.def->labels);
        return 0;
    }
    case MP_OP_ALTER_DOMAIN: {
        /* "ALTER DOMAIN" changes the default, NOT NULL and constraints, not
         * the base type or the collation */
        const struct mp_utype *to = op->utype.def;
        if (u->kind != MP_UTYPE_DOMAIN || !to || to->kind != MP_UTYPE_DOMAIN)
            return mp_error_set(err, MP_EPRECOND, "\"%s\" is not a domain", u->name);
        if (!mp_type_eq(&u->base, &to->base) ||
            !(u->collation == to->collation || (u->collation && to->collation && !strcmp(u->collation, to->collation))))
            return mp_error_set(err, MP_EPRECOND, "domain \"%s\": ALTER DOMAIN cannot change the base type or collation",
                                u->name);
        struct mp_utype n = mp_utype_copy(a, to);
        n.name = u->name;
        /* kept checks keep their names */
        for (size_t i = 0; i < n.nchecks; i++) {
            long k = mp_utype_find_check(u, n.checks[i].expr);
            if (k >= 0 && u->checks[k].name)
                n.checks[i].name = u->checks[k].name;
        }
        *u = n;
        name_checks(a, u);
        return 0;
    }
    default:
        return mp_error_set(err, MP_EINTERNAL, "not a type operation: %s", mp_op_kind_name(op->kind));
    }
}
