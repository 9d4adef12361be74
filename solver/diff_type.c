/* diff_type.c - the diff of enum types and domains (mp_diff_types, diff.h). */
#include "diff.h"

#include <string.h>

/* True when every label of `x` is in `y`, in the same order. */
static bool labels_kept(const struct mp_names *x, const struct mp_names *y)
{
    size_t j = 0;
    for (size_t i = 0; i < x->n; i++) {
        while (j < y->n && strcmp(y->v[j], x->v[i]) != 0)
            j++;
        if (j == y->n)
            return false;
        j++;
    }
    return true;
}

static bool label_in(const struct mp_names *n, const char *lab)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->v[i], lab) == 0)
            return true;
    return false;
}

/* ADD VALUE for each label of `to` that `from` lacks: BEFORE the first
 * old label after it, appended when none follows.  A label added in the
 * plan's transaction cannot be named as another's neighbour there
 * (PostgreSQL "ALTER TYPE", Notes: "unsafe use of new value"), so only old
 * labels are; the steps of one type run in the order of `position`, the
 * label's place in `to` (plan_type.c), which makes a run of new labels
 * before one old label, or at the end, come out in order. */
static void add_values(struct mp_arena *a, const struct mp_utype *from, const struct mp_utype *to,
                       struct mp_changeset *out)
{
    for (size_t i = 0; i < to->labels.n; i++) {
        if (label_in(&from->labels, to->labels.v[i]))
            continue;
        struct mp_op *op = mp_changeset_add(a, out, MP_OP_ADD_ENUM_VALUE);
        op->name = from->name;
        op->utype.label = to->labels.v[i];
        op->utype.from = from;
        op->utype.def = to;
        op->position = (int)i;
        for (size_t j = i + 1; j < to->labels.n && !op->utype.near; j++)
            if (label_in(&from->labels, to->labels.v[j])) {
                op->utype.near = to->labels.v[j];
                op->utype.before = true;
            }
    }
}

int mp_diff_types(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                  enum mp_dialect d, struct mp_changeset *out, struct mp_error *err)
{
    if (!start->ntypes && !desired->ntypes)
        return 0;
    if (d != MP_POSTGRES) {
        const struct mp_utype *u = start->ntypes ? &start->types[0] : &desired->types[0];
        return mp_error_set(err, MP_EINVAL, "%s \"%s\": enum types and domains are PostgreSQL-only",
                            mp_utype_kind_name(u->kind), u->name);
    }
    for (size_t i = 0; i < start->ntypes; i++) {
        const struct mp_utype *f = &start->types[i], *t = mp_schema_utype(desired, d, f->name);
        struct mp_op *op;
        if (!t) {
            op = mp_changeset_add(a, out, MP_OP_DROP_TYPE);
            op->name = f->name;
            op->utype.from = f;
            continue;
        }
        if (mp_utype_eq(f, t))
            continue;
        if (f->kind != t->kind)
            return mp_error_set(err, MP_EINVAL, "type \"%s\": changing an %s into a %s is not planned (drop the "
                                "columns' use of it first)", f->name, mp_utype_kind_name(f->kind),
                                mp_utype_kind_name(t->kind));
        if (f->kind == MP_UTYPE_DOMAIN) {
            if (!mp_type_eq(&f->base, &t->base) ||
                !(f->collation == t->collation || (f->collation && t->collation && !strcmp(f->collation, t->collation))))
                return mp_error_set(err, MP_EINVAL, "domain \"%s\": changing the base type or the collation is not "
                                    "planned (ALTER DOMAIN cannot)", f->name);
            op = mp_changeset_add(a, out, MP_OP_ALTER_DOMAIN);
            op->name = f->name;
            op->utype.from = f;
            op->utype.def = t;
            continue;
        }
        if (labels_kept(&f->labels, &t->labels)) {
            add_values(a, f, t, out);
            continue;
        }
        for (size_t j = 0; j < start->ntypes; j++)
            if (start->types[j].kind == MP_UTYPE_DOMAIN && mp_type_utype(start, &start->types[j].base) == f)
                return mp_error_set(err, MP_EINVAL, "enum \"%s\": removing or reordering labels rebuilds the type, "
                                    "and domain \"%s\" is over it (not planned)", f->name, start->types[j].name);
        op = mp_changeset_add(a, out, MP_OP_REBUILD_ENUM);
        op->name = f->name;
        op->utype.from = f;
        op->utype.def = t;
    }
    for (size_t i = 0; i < desired->ntypes; i++)
        if (!mp_schema_utype(start, d, desired->types[i].name)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_CREATE_TYPE);
            op->name = desired->types[i].name;
            op->utype.def = &desired->types[i];
        }
    return 0;
}
