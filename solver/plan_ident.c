/* plan_ident.c - the planner's identities: every table and column a change
 * set touches gets one number that survives its renames, and each operation
 * becomes a node naming those numbers. */
#include "plan_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *mp_plan_fold(struct plan_ctx *x, const char *name)
{
    if (x->d != MP_SQLITE)
        return name;
    char *s = mp_arena_strdup(x->a, name);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

static int cmp_ix(const void *p, const void *q)
{
    return strcmp(((const struct name_ix *)p)->key, ((const struct name_ix *)q)->key);
}

/* Binary search of a sorted name index; the probe is folded like the keys. */
static long ix_find(struct plan_ctx *x, const struct name_ix *v, size_t n, const char *name)
{
    if (!v)
        return -2; /* no index yet */
    char buf[256];
    size_t len = strlen(name);
    const char *key = name;
    if (x->d == MP_SQLITE) {
        char *k = len < sizeof buf ? buf : mp_arena_alloc(x->a, len + 1);
        for (size_t i = 0; i <= len; i++)
            k[i] = (char)tolower((unsigned char)name[i]);
        key = k;
    }
    struct name_ix probe = {key, 0};
    const struct name_ix *hit = bsearch(&probe, v, n, sizeof *v, cmp_ix);
    return hit ? hit->t : -1;
}

/* Build the index of start (which=0) or final (which=1) table names. */
static void build_ix(struct plan_ctx *x, int which)
{
    struct name_ix *v = mp_arena_alloc(x->a, (x->ntabs + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < x->ntabs; i++) {
        const char *nm = which ? x->tabs[i].final : x->tabs[i].start;
        if (nm)
            v[n++] = (struct name_ix){mp_plan_fold(x, nm), (long)i};
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_ix);
    if (which) {
        x->ix_final = v;
        x->nix_final = n;
    } else {
        x->ix_start = v;
        x->nix_start = n;
    }
}

long mp_plan_tab_start(struct plan_ctx *x, const char *name)
{
    long r = ix_find(x, x->ix_start, x->nix_start, name);
    if (r != -2)
        return r;
    for (size_t i = 0; i < x->ntabs; i++)
        if (x->tabs[i].start && mp_name_eq(x->d, x->tabs[i].start, name))
            return (long)i;
    return -1;
}

long mp_plan_tab_final(struct plan_ctx *x, const char *name)
{
    long r = ix_find(x, x->ix_final, x->nix_final, name);
    if (r != -2)
        return r;
    for (size_t i = 0; i < x->ntabs; i++)
        if (x->tabs[i].final && mp_name_eq(x->d, x->tabs[i].final, name))
            return (long)i;
    return -1;
}

long mp_plan_col_start(struct plan_ctx *x, long t, const char *name)
{
    struct tab_id *tb = &x->tabs[t];
    for (size_t i = 0; i < tb->ncols; i++)
        if (tb->cols[i].start && mp_name_eq(x->d, tb->cols[i].start, name))
            return (long)i;
    return -1;
}

long mp_plan_col_final(struct plan_ctx *x, long t, const char *name)
{
    struct tab_id *tb = &x->tabs[t];
    for (size_t i = 0; i < tb->ncols; i++)
        if (tb->cols[i].final && mp_name_eq(x->d, tb->cols[i].final, name))
            return (long)i;
    return -1;
}

const char *mp_plan_tname(struct plan_ctx *x, long t)
{
    const struct tab_id *tb = &x->tabs[t];
    return tb->final ? tb->final : tb->start;
}

static struct col_id *add_col(struct plan_ctx *x, long t, const char *start, const char *final)
{
    struct tab_id *tb = &x->tabs[t];
    struct col_id *c = MP_PUSH(x->a, tb->cols, tb->ncols, tb->capcols);
    c->start = start;
    c->final = final;
    c->cur = start;
    return c;
}

int mp_plan_bad(struct plan_ctx *x, const struct mp_op *op, const char *why)
{
    struct mp_buf b = {0};
    if (op)
        mp_op_describe(&b, op);
    else
        mp_buf_add(&b, "a repair step");
    mp_error_set(x->err, MP_EINVAL, "change set: %s: %s", mp_buf_str(&b), why);
    mp_buf_free(&b);
    return MP_EINVAL;
}

/* Build table and column identities from the start schema and the change
 * set (order-independent). */
int mp_plan_resolve(struct plan_ctx *x, const struct mp_changeset *cs)
{
    for (size_t i = 0; i < x->start->ntables; i++) {
        const struct mp_table *st = x->start->tables[i];
        struct tab_id *tb = MP_PUSH(x->a, x->tabs, x->ntabs, x->captabs);
        tb->start = tb->final = tb->cur = st->name;
        tb->st = st;
        tb->create_node = tb->drop_node = -1;
        for (size_t j = 0; j < st->ncols; j++)
            add_col(x, (long)x->ntabs - 1, st->cols[j].name, st->cols[j].name);
    }
    build_ix(x, 0);
    /* pass 1: what the start vocabulary names */
    for (size_t i = 0; i < cs->n; i++) {
        const struct mp_op *op = &cs->ops[i];
        long t;
        switch (op->kind) {
        case MP_OP_RENAME_TABLE:
        case MP_OP_DROP_TABLE:
            if ((t = mp_plan_tab_start(x, op->table)) < 0)
                return mp_plan_bad(x, op, "no such table in the start schema");
            if (!x->tabs[t].final || x->tabs[t].final != x->tabs[t].start)
                return mp_plan_bad(x, op, "the table is renamed or dropped twice");
            x->tabs[t].final = op->kind == MP_OP_RENAME_TABLE ? op->new_name : NULL;
            break;
        case MP_OP_RENAME_COLUMN:
        case MP_OP_DROP_COLUMN: {
            if ((t = mp_plan_tab_start(x, op->table)) < 0)
                return mp_plan_bad(x, op, "no such table in the start schema");
            long c = mp_plan_col_start(x, t, op->name);
            if (c < 0)
                return mp_plan_bad(x, op, "no such column in the start schema");
            struct col_id *ci = &x->tabs[t].cols[c];
            if (ci->final != ci->start)
                return mp_plan_bad(x, op, "the column is renamed or dropped twice");
            ci->final = op->kind == MP_OP_RENAME_COLUMN ? op->new_name : NULL;
            break;
        }
        case MP_OP_CREATE_TABLE: {
            if (!op->def)
                return mp_plan_bad(x, op, "no table definition");
            struct tab_id *tb = MP_PUSH(x->a, x->tabs, x->ntabs, x->captabs);
            tb->final = op->def->name;
            tb->create_node = tb->drop_node = -1;
            for (size_t j = 0; j < op->def->ncols; j++)
                add_col(x, (long)x->ntabs - 1, NULL, op->def->cols[j].name);
            break;
        }
        default:
            break;
        }
    }
    build_ix(x, 1);
    for (size_t i = 1; i < x->nix_final; i++)
        if (strcmp(x->ix_final[i - 1].key, x->ix_final[i].key) == 0)
            return mp_error_set(x->err, MP_EINVAL, "change set: two tables would be named \"%s\"",
                                x->tabs[x->ix_final[i].t].final);
    /* pass 2: added columns, named in the desired vocabulary */
    for (size_t i = 0; i < cs->n; i++) {
        const struct mp_op *op = &cs->ops[i];
        if (op->kind != MP_OP_ADD_COLUMN)
            continue;
        long t = mp_plan_tab_final(x, op->table);
        if (t < 0)
            return mp_plan_bad(x, op, "no such table in the desired schema");
        if (mp_plan_col_final(x, t, op->column.name) >= 0)
            return mp_plan_bad(x, op, "the column already exists in the desired schema");
        add_col(x, t, NULL, op->column.name);
    }
    return 0;
}

/* ---- nodes ---- */

struct plan_node *mp_plan_add_node(struct plan_ctx *x, enum mp_op_kind k, long src, const struct mp_op *op)
{
    struct plan_node *n = MP_PUSH(x->a, x->nodes, x->nnodes, x->capnodes);
    n->kind = k;
    n->src = src;
    n->op = op;
    n->t = n->c = -1;
    return n;
}

struct add_col {
    long t;
    int pos;
    size_t node;
};

static int cmp_add_col(const void *p, const void *q)
{
    const struct add_col *a = p, *b = q;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* Create the nodes of the change set, resolving each op's table/column. */
int mp_plan_make_nodes(struct plan_ctx *x, const struct mp_changeset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        const struct mp_op *op = &cs->ops[i];
        if (mp_op_is_sequence_op(op->kind) || mp_op_is_type_op(op->kind))
            continue; /* sequences: after the graph's steps (mp_plan_emit_sequences); types: plan_type.c */
        struct plan_node *n = mp_plan_add_node(x, op->kind, (long)i, op);
        long t;
        switch (op->kind) {
        case MP_OP_CREATE_OBJECT:
        case MP_OP_DROP_OBJECT:
            if (!op->object)
                return mp_plan_bad(x, op, "no object definition");
            t = -1; /* objects name their tables in their dependencies */
            x->nobjnodes++;
            break;
        case MP_OP_CREATE_TABLE:
            t = mp_plan_tab_final(x, op->def->name);
            n->def = mp_table_clone(x->a, op->def);
            x->tabs[t].create_node = (long)(x->nnodes - 1); /* a node index: ops planned apart have none */
            break;
        case MP_OP_ADD_COLUMN:
        case MP_OP_ADD_FK:
        case MP_OP_ADD_INDEX:
        case MP_OP_ADD_UNIQUE:
        case MP_OP_ADD_CHECK:
            t = mp_plan_tab_final(x, op->table);
            if (t < 0)
                return mp_plan_bad(x, op, "no such table in the desired schema");
            if (op->kind == MP_OP_ADD_COLUMN)
                n->c = mp_plan_col_final(x, t, op->column.name);
            break;
        default:
            t = mp_plan_tab_start(x, op->table);
            if (t < 0)
                return mp_plan_bad(x, op, "no such table in the start schema");
            if (op->kind == MP_OP_DROP_COLUMN || op->kind == MP_OP_RENAME_COLUMN || mp_op_alters_column(op->kind)) {
                n->c = mp_plan_col_start(x, t, op->name);
                if (n->c < 0)
                    return mp_plan_bad(x, op, "no such column in the start schema");
                if (mp_op_alters_column(op->kind) && !x->tabs[t].cols[n->c].final)
                    return mp_plan_bad(x, op, "the column is dropped by the same change set");
            }
            if (op->kind == MP_OP_RENAME_INDEX && mp_table_find_index(x->tabs[t].st, x->d, op->name) < 0)
                return mp_plan_bad(x, op, "no such index in the start schema");
            if (op->kind == MP_OP_DROP_TABLE) {
                x->tabs[t].drop_node = (long)(x->nnodes - 1);
                n->detached = mp_arena_alloc(x->a, (x->tabs[t].st->nfks + 1) * sizeof(bool));
            }
            break;
        }
        n->t = t;
        n->fk = op->fk;
    }
    /* previous added column of the same table, by desired position: the
     * ADD COLUMN nodes sorted by (table, position) */
    struct add_col *v = malloc((x->nnodes + 1) * sizeof *v);
    if (!v)
        mp_oom();
    size_t nv = 0;
    for (size_t i = 0; i < x->nnodes; i++) {
        x->nodes[i].prev_pos = -1;
        if (x->nodes[i].kind == MP_OP_ADD_COLUMN)
            v[nv++] = (struct add_col){x->nodes[i].t, x->nodes[i].op->position, i};
    }
    qsort(v, nv, sizeof *v, cmp_add_col);
    int prev = -1; /* the last position below the current run's, in this table */
    for (size_t i = 0; i < nv; i++) {
        if (i && v[i].t != v[i - 1].t)
            prev = -1;
        else if (i && v[i].pos != v[i - 1].pos && v[i - 1].pos >= 0)
            prev = v[i - 1].pos;
        x->nodes[v[i].node].prev_pos = prev;
    }
    free(v);
    return 0;
}
