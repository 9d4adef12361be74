/* plan_type.c - where the planner puts the steps on enum types and domains
 * (plan_int.h, mp_plan_emit_types): no table step of the graph depends on
 * another through a type, so the type steps run apart from the graph's:
 * creations and alterations before every table step (a table or column
 * that uses a type finds it created, and with its new labels), drops after
 * every table step (no column or domain uses the type any more then). */
#include "plan_int.h"
#include "vschema_int.h"

#include <stdlib.h>
#include <string.h>

/* Order of the type steps that run before the table steps: enums are
 * created and changed before domains (a domain may be over an enum);
 * labels before rebuilds; domains last.  After the table steps: drops of
 * domains before drops of enums. */
static int type_rank(const struct mp_op *op)
{
    bool domain = (op->utype.def && op->utype.def->kind == MP_UTYPE_DOMAIN) ||
                  (op->utype.from && op->utype.from->kind == MP_UTYPE_DOMAIN);
    switch (op->kind) {
    case MP_OP_CREATE_TYPE: return domain ? 4 : 0;
    case MP_OP_RENAME_ENUM_VALUE: return 1;
    case MP_OP_ADD_ENUM_VALUE: return 2;
    case MP_OP_REBUILD_ENUM: return 3;
    case MP_OP_ALTER_DOMAIN: return 5;
    case MP_OP_DROP_TYPE: return domain ? 6 : 7;
    default: return 8;
    }
}

static int cmp_str0(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "");
}

/* By rank, type name, the place of an added label in the desired enum
 * (diff_type.c), label, then change-set order: the input order of the
 * change set never matters (ops.h). */
static int cmp_type_op(const struct mp_changeset *cs, size_t i, size_t j)
{
    const struct mp_op *a = &cs->ops[i], *b = &cs->ops[j];
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb)
        return ra - rb;
    int c = cmp_str0(a->name, b->name);
    if (!c && a->kind == MP_OP_ADD_ENUM_VALUE && a->position != b->position)
        return a->position - b->position;
    if (!c)
        c = cmp_str0(a->utype.label, b->utype.label);
    return c ? c : (i > j) - (i < j);
}

int mp_plan_emit_types(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p, bool drops)
{
    size_t *v = malloc((cs->n + 1) * sizeof *v), n = 0;
    if (!v)
        mp_oom();
    for (size_t i = 0; i < cs->n; i++)
        if (mp_op_is_type_op(cs->ops[i].kind) && (cs->ops[i].kind == MP_OP_DROP_TYPE) == drops)
            v[n++] = i;
    for (size_t i = 1; i < n; i++) /* few: an insertion sort */
        for (size_t j = i; j > 0 && cmp_type_op(cs, v[j - 1], v[j]) > 0; j--) {
            size_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct mp_op op = cs->ops[v[i]];
        /* the type as the virtual schema has it: its checks' names are the
         * ones DROP CONSTRAINT needs */
        const struct mp_utype *cur = mp_schema_utype(p->final, x->d, op.name);
        if (cur && op.kind != MP_OP_CREATE_TYPE) {
            struct mp_utype *c = mp_arena_alloc(x->a, sizeof *c);
            *c = mp_utype_copy(x->a, cur);
            op.utype.from = c;
        }
        const char *why = op.kind == MP_OP_DROP_TYPE ? "after every table step: no column uses the type any more"
                          : op.kind == MP_OP_ADD_ENUM_VALUE
                              ? "before the table steps; PostgreSQL 12+ runs ALTER TYPE ... ADD VALUE in a "
                                "transaction, but the new label is usable only after it commits (\"ALTER TYPE\", Notes)"
                              : "before the table steps that use the type";
        rc = mp_plan_emit_op(x, p, op, (long)v[i], why);
    }
    free(v);
    return rc;
}

/* True when `sql` holds the string literal 'lab' (quotes doubled inside). */
static bool sql_has_literal(const char *sql, const char *lab)
{
    struct mp_buf b = {0};
    mp_buf_literal(&b, lab);
    bool r = strstr(sql, mp_buf_str(&b)) != NULL;
    mp_buf_free(&b);
    return r;
}

int mp_plan_check_new_labels(const struct mp_plan *p, struct mp_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct mp_op *op = &p->steps[i].op;
        if (op->kind != MP_OP_ADD_ENUM_VALUE && op->kind != MP_OP_RENAME_ENUM_VALUE)
            continue;
        const char *lab = op->kind == MP_OP_ADD_ENUM_VALUE ? op->utype.label : op->utype.new_label;
        if (op->kind == MP_OP_RENAME_ENUM_VALUE)
            continue; /* a renamed label is an old one: usable at once */
        for (size_t j = i + 1; j < p->n; j++)
            if (p->steps[j].sql && sql_has_literal(p->steps[j].sql, lab))
                return mp_error_set(err, MP_EINVAL,
                                    "enum \"%s\": label '%s' is added by ALTER TYPE ... ADD VALUE and used by "
                                    "step %zu of the same plan; PostgreSQL refuses a new label before the "
                                    "transaction that added it commits (\"ALTER TYPE\", Notes): add the label "
                                    "in a migration of its own first", op->name, lab, j + 1);
    }
    return 0;
}

const char *mp_plan_rebuild_loss(struct mp_arena *a, const struct mp_op *op)
{
    if (!op->utype.from || !op->utype.def)
        return NULL;
    struct mp_buf b = {0};
    size_t n = 0;
    for (size_t i = 0; i < op->utype.from->labels.n; i++) {
        const char *lab = op->utype.from->labels.v[i];
        bool kept = false;
        for (size_t j = 0; j < op->utype.def->labels.n && !kept; j++)
            kept = strcmp(op->utype.def->labels.v[j], lab) == 0;
        if (kept)
            continue;
        mp_buf_add(&b, n++ ? ", " : "");
        mp_buf_literal(&b, lab);
    }
    const char *r = n ? mp_arena_printf(a, "removes label%s %s of enum \"%s\" (a row holding %s fails the step)",
                                        n == 1 ? "" : "s", mp_buf_str(&b), op->name, n == 1 ? "it" : "one")
                      : NULL;
    mp_buf_free(&b);
    return r;
}
