/* plan_emit.c - the planner's output: each node in order rendered with the
 * names current at its position, checked against the virtual schema, turned
 * into SQL, with comments saying why it runs where it does. */
#include "plan_int.h"
#include "sql.h"

#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

#include <stdlib.h>
#include <string.h>

/* ---- concrete steps ---- */

/* Names as they are at the step being emitted (advance() moves them on). */
static const char *cur_table(struct plan_ctx *x, long t)
{
    return x->tabs[t].cur ? x->tabs[t].cur : x->tabs[t].final;
}

static const char *cur_col(struct plan_ctx *x, long t, long c)
{
    const struct col_id *ci = &x->tabs[t].cols[c];
    return ci->cur ? ci->cur : ci->final;
}

/* Names of an FK (vocabulary `final`) on table t turned into current names. */
static struct mp_fk concrete_fk(struct plan_ctx *x, long t, const struct mp_fk *f, bool final)
{
    struct mp_fk r = *f;
    long rt = final ? mp_plan_tab_final(x, f->ref_table) : mp_plan_tab_start(x, f->ref_table);
    r.cols.v = mp_arena_alloc(x->a, (f->cols.n + 1) * sizeof *r.cols.v);
    r.ref_cols.v = mp_arena_alloc(x->a, (f->ref_cols.n + 1) * sizeof *r.ref_cols.v);
    for (size_t i = 0; i < f->cols.n; i++) {
        long c = final ? mp_plan_col_final(x, t, f->cols.v[i]) : mp_plan_col_start(x, t, f->cols.v[i]);
        r.cols.v[i] = cur_col(x, t, c);
    }
    if (rt < 0) {
        /* SQLite: a reference to a table that does not exist (plan_graph.c
         * fk_events) keeps the names it was written with */
        r.ref_cols = mp_names_copy(x->a, &f->ref_cols);
        return r;
    }
    r.ref_table = cur_table(x, rt);
    for (size_t i = 0; i < f->ref_cols.n; i++) {
        long c = final ? mp_plan_col_final(x, rt, f->ref_cols.v[i]) : mp_plan_col_start(x, rt, f->ref_cols.v[i]);
        r.ref_cols.v[i] = cur_col(x, rt, c);
    }
    return r;
}

/* The column names of table t in the vocabulary `final` (or start) and as
 * they are now, for the renames inside expressions: *from and *to get
 * arrays in x->a; returns their length. */
static size_t col_map(struct plan_ctx *x, long t, bool final, const char ***from, const char ***to)
{
    const struct tab_id *ti = &x->tabs[t];
    *from = mp_arena_alloc(x->a, (ti->ncols + 1) * sizeof **from);
    *to = mp_arena_alloc(x->a, (ti->ncols + 1) * sizeof **to);
    size_t k = 0;
    for (size_t j = 0; j < ti->ncols; j++) {
        const char *name = final ? ti->cols[j].final : ti->cols[j].start;
        if (!name)
            continue;
        (*from)[k] = name;
        (*to)[k++] = cur_col(x, t, (long)j);
    }
    return k;
}

/* Node n as a concrete step: every name as it is when the step runs. */
static struct mp_op concrete(struct plan_ctx *x, const struct plan_node *n)
{
    struct mp_op op = {0};
    op.kind = n->kind;
    long t = n->t;
    switch (n->kind) {
    case MP_OP_CREATE_TABLE: {
        struct mp_table *d = mp_table_clone(x->a, n->def);
        for (size_t i = 0; i < d->nfks; i++)
            d->fks[i] = concrete_fk(x, t, &n->def->fks[i], true);
        /* self-references name the table itself */
        for (size_t i = 0; i < d->nfks; i++)
            if (mp_plan_tab_final(x, n->def->fks[i].ref_table) == t)
                d->fks[i].ref_table = d->name;
        op.def = d;
        op.table = d->name;
        break;
    }
    case MP_OP_DROP_TABLE:
        op.table = cur_table(x, t);
        break;
    case MP_OP_RENAME_TABLE:
        op.table = cur_table(x, t);
        op.new_name = n->half == 1 ? n->tmp : n->op->new_name;
        break;
    case MP_OP_ADD_COLUMN:
        op.table = cur_table(x, t);
        op.column = n->op->column;
        break;
    case MP_OP_DROP_COLUMN:
        op.table = cur_table(x, t);
        op.name = cur_col(x, t, n->c);
        break;
    case MP_OP_RENAME_COLUMN:
        op.table = cur_table(x, t);
        op.name = cur_col(x, t, n->c);
        op.new_name = n->half == 1 ? n->tmp : n->op->new_name;
        break;
    case MP_OP_ADD_FK:
    case MP_OP_DROP_FK:
        op.table = cur_table(x, t);
        op.fk = concrete_fk(x, t, &n->fk, n->kind == MP_OP_ADD_FK);
        break;
    case MP_OP_ADD_INDEX:
        op.table = cur_table(x, t);
        op.index = n->op->index;
        if (!mp_index_keys_plain(&op.index) || op.index.include.n) {
            const char **from, **to;
            size_t k = col_map(x, t, true, &from, &to);
            mp_index_translate(x->a, x->d, &op.index, k, from, to);
            break;
        }
        op.index.cols.v = mp_arena_alloc(x->a, (op.index.cols.n + 1) * sizeof(char *));
        for (size_t i = 0; i < op.index.cols.n; i++)
            op.index.cols.v[i] = cur_col(x, t, mp_plan_col_final(x, t, n->op->index.cols.v[i]));
        break;
    case MP_OP_DROP_INDEX:
        op.table = cur_table(x, t);
        op.name = n->op->name;
        break;
    case MP_OP_RENAME_INDEX:
        op.table = cur_table(x, t);
        op.name = n->half == 2 ? n->tmp : n->op->name;
        op.new_name = n->half == 1 ? n->tmp : n->op->new_name;
        break;
    case MP_OP_ALTER_TYPE:
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT:
    case MP_OP_ALTER_COLUMN_FEATURES:
        op.table = cur_table(x, t);
        op.name = cur_col(x, t, n->c);
        op.column = n->op->column;
        op.lossy = n->op->lossy;
        op.from_feat = n->op->from_feat;
        break;
    case MP_OP_SET_TABLE_OPTIONS:
        op.table = cur_table(x, t);
        op.strict = n->op->strict;
        op.without_rowid = n->op->without_rowid;
        break;
    case MP_OP_CREATE_SEQUENCE:
    case MP_OP_DROP_SEQUENCE:
    case MP_OP_ALTER_SEQUENCE:
    case MP_OP_CREATE_TYPE:
    case MP_OP_DROP_TYPE:
    case MP_OP_ADD_ENUM_VALUE:
    case MP_OP_RENAME_ENUM_VALUE:
    case MP_OP_REBUILD_ENUM:
    case MP_OP_ALTER_DOMAIN:
        op = *n->op;
        break;
    case MP_OP_CREATE_OBJECT:
    case MP_OP_DROP_OBJECT:
        /* created after every change of what it uses, dropped before: its
         * names are the desired / the start ones, which are current then */
        op.object = n->op->object;
        op.table = n->op->table;
        break;
    case MP_OP_ALTER_PK:
        /* the old key's constraint name: PostgreSQL named an unnamed one
         * after the table when it was created ("<table>_pkey") */
        if (x->tabs[t].st->pk.n)
            op.name = x->tabs[t].st->pk_name ? x->tabs[t].st->pk_name
                      : x->d == MP_POSTGRES ? mp_pg_auto_pkey_name(x->a, x->start, x->tabs[t].st->name)
                                            : NULL;
        /* fall through */
    case MP_OP_ADD_UNIQUE:
    case MP_OP_DROP_UNIQUE: {
        bool add = n->kind != MP_OP_DROP_UNIQUE;
        op.table = cur_table(x, t);
        op.unique = n->op->unique;
        op.unique.cols.v = mp_arena_alloc(x->a, (op.unique.cols.n + 1) * sizeof(char *));
        for (size_t i = 0; i < op.unique.cols.n; i++) {
            const char *cn = n->op->unique.cols.v[i];
            op.unique.cols.v[i] = cur_col(x, t, add ? mp_plan_col_final(x, t, cn) : mp_plan_col_start(x, t, cn));
        }
        break;
    }
    case MP_OP_ADD_CHECK:
    case MP_OP_DROP_CHECK: {
        const char **from, **to;
        size_t k = col_map(x, t, n->kind == MP_OP_ADD_CHECK, &from, &to);
        op.table = cur_table(x, t);
        op.check = n->op->check;
        struct mp_buf b = {0};
        mp_expr_normalize(&b, op.check.expr, strlen(op.check.expr), x->d, from, to, k);
        op.check.expr = mp_arena_strdup(x->a, mp_buf_str(&b));
        mp_buf_free(&b);
        break;
    }
    case MP_OP__COUNT:
        break;
    }
    return op;
}

/* Update current names after node n ran. */
static void advance(struct plan_ctx *x, const struct plan_node *n, const struct mp_op *op)
{
    long t = n->t;
    switch (n->kind) {
    case MP_OP_CREATE_TABLE:
        x->tabs[t].cur = x->tabs[t].final;
        for (size_t i = 0; i < x->tabs[t].ncols; i++)
            x->tabs[t].cols[i].cur = x->tabs[t].cols[i].final;
        break;
    case MP_OP_DROP_TABLE:
        x->tabs[t].cur = NULL;
        break;
    case MP_OP_RENAME_TABLE:
        x->tabs[t].cur = op->new_name;
        break;
    case MP_OP_ADD_COLUMN:
        x->tabs[t].cols[n->c].cur = x->tabs[t].cols[n->c].final;
        break;
    case MP_OP_DROP_COLUMN:
        x->tabs[t].cols[n->c].cur = NULL;
        break;
    case MP_OP_RENAME_COLUMN:
        x->tabs[t].cols[n->c].cur = op->new_name;
        break;
    default:
        break;
    }
}

static const char *rebuild_name(struct plan_ctx *x, const struct mp_schema *s, const char *table)
{
    const char *cand = mp_arena_printf(x->a, "_mp_new_%s", table);
    for (int i = 2; mp_vschema_name_taken(s, x->d, cand); i++)
        cand = mp_arena_printf(x->a, "_mp_new%d_%s", i, table);
    return cand;
}

/* "after step 3: needs table "post"": why edge e's target runs after step `step`. */
static const char *edge_reason(struct plan_ctx *x, const struct plan_edge *e, long step)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "after step %ld", step);
    if (e->from_role == MAKE && e->res.kind == K_POS) {
        mp_buf_add(&b, ": columns are added in the desired order");
    } else if (e->from_role == REL || e->from_role == MAKE || e->from_role == USE) {
        mp_buf_add(&b, e->from_role == REL ? ": it frees the " : e->from_role == MAKE ? ": needs " : ": it still uses ");
        mp_plan_res_text(&b, x, &e->res);
    }
    const char *r = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* Apply one concrete step to the virtual schema and render it. */
static int emit(struct plan_ctx *x, struct mp_plan *p, struct mp_op op, long src, const char *why,
                bool lenient)
{
    struct mp_step *st = MP_PUSH(x->a, p->steps, p->n, p->cap);
    st->op = op;
    st->source = src;
    st->why = why;
    const struct mp_table *old = NULL;
    const char *tmp = NULL;
    if (mp_sql_needs_rebuild(x->d, &op)) {
        const struct mp_table *t = mp_schema_table(p->final, x->d, op.table);
        if (t) {
            old = mp_table_clone(x->a, t);
            tmp = rebuild_name(x, p->final, op.table);
            p->sqlite_fk_off = true;
        }
    }
    /* SQLite "Foreign Key Support" 5: DROP TABLE runs an implicit DELETE
     * FROM with foreign keys enforced, and an ON DELETE RESTRICT
     * self-reference fails it as soon as a parent row goes before its
     * child; the drop then needs foreign keys off (outside the transaction). */
    if (x->d == MP_SQLITE && op.kind == MP_OP_DROP_TABLE) {
        const struct mp_table *t = mp_schema_table(p->final, x->d, op.table);
        for (size_t i = 0; t && i < t->nfks; i++)
            if (t->fks[i].on_delete == MP_FK_RESTRICT && mp_name_eq(x->d, t->fks[i].ref_table, t->name))
                p->sqlite_fk_off = true;
    }
    /* an unnamed check of the start schema has the name PostgreSQL gave it
     * (the virtual schema gives the same, mp_vschema_apply): DROP
     * CONSTRAINT needs it */
    if (x->d == MP_POSTGRES && op.kind == MP_OP_DROP_CHECK && !op.check.name) {
        const struct mp_table *t = mp_schema_table(p->final, x->d, op.table);
        long ci = t ? mp_table_find_check(t, &op.check, NULL) : -1;
        if (ci >= 0)
            op.check.name = t->checks[ci].name;
        st->op = op;
    }
    /* SQLite builds PostgreSQL-only index options as a plain B-tree
     * (mp_index_project()): the step says what it builds */
    if (x->d == MP_SQLITE && op.kind == MP_OP_ADD_INDEX && mp_index_pg_only(&op.index)) {
        struct mp_index px = op.index;
        mp_index_copy_def(x->a, &px, &op.index);
        mp_index_project(&px, x->d);
        op.index = px;
        st->op = op;
    }
    if (x->d == MP_SQLITE && op.kind == MP_OP_CREATE_TABLE) {
        bool pg_only = false;
        for (size_t i = 0; i < op.def->nindexes; i++)
            pg_only |= mp_index_pg_only(&op.def->indexes[i]);
        if (pg_only) {
            struct mp_table *def = mp_table_clone(x->a, op.def);
            for (size_t i = 0; i < def->nindexes; i++)
                mp_index_project(&def->indexes[i], x->d);
            op.def = def;
            st->op = op;
        }
    }
    struct mp_error e = {0};
    if (mp_vschema_apply(x->a, p->final, x->d, &op, &e)) {
        if (!lenient) {
            struct mp_buf b = {0};
            mp_op_describe(&b, &op);
            mp_error_set(x->err, MP_EINTERNAL, "planned step %zu (%s) fails the virtual schema: %s",
                         p->n, mp_buf_str(&b), e.msg);
            mp_buf_free(&b);
            return MP_EINTERNAL;
        }
        st->invalid = mp_arena_strdup(x->a, e.msg);
        old = NULL;
    }
    struct mp_buf b = {0};
    /* PostgreSQL "SET CONSTRAINTS": rows written earlier in the transaction
     * leave INITIALLY DEFERRED checks pending, and ALTER TABLE and CREATE
     * INDEX refuse a table with pending trigger events; checking them now
     * lets the step run */
    if (x->deferred_fks < 0)
        x->deferred_fks = x->d == MP_POSTGRES && mp_schema_has_deferred_fk(x->start);
    if (x->deferred_fks && !mp_op_is_sequence_op(op.kind) &&
        (!mp_op_is_type_op(op.kind) || op.kind == MP_OP_REBUILD_ENUM || op.kind == MP_OP_ALTER_DOMAIN))
        mp_buf_add(&b, "SET CONSTRAINTS ALL IMMEDIATE;\n");
    mp_sql_step(&b, &op, x->d, p->final, old, tmp, p->fault);
    st->sql = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return 0;
}

int mp_plan_emit_op(struct plan_ctx *x, struct mp_plan *p, struct mp_op op, long src, const char *why)
{
    return emit(x, p, op, src, why, false);
}

int mp_plan_emit_naive(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p)
{
    for (size_t i = 0; i < cs->n; i++) {
        struct mp_op op = cs->ops[i];
        if (op.kind == MP_OP_CREATE_TABLE)
            op.table = op.def->name;
        emit(x, p, op, (long)i, NULL, true);
    }
    return 0;
}

static int object_rank(enum mp_op_kind k)
{
    return k == MP_OP_DROP_SEQUENCE ? 0 : k == MP_OP_ALTER_SEQUENCE ? 1 : 2;
}

static const char *object_name(const struct mp_op *op)
{
    return op->seq ? op->seq->name : op->name ? op->name : "";
}

static int cmp_object(const void *p, const void *q, void *ctx)
{
    const struct mp_changeset *cs = ctx;
    const struct mp_op *a = &cs->ops[*(const size_t *)p], *b = &cs->ops[*(const size_t *)q];
    if (object_rank(a->kind) != object_rank(b->kind))
        return object_rank(a->kind) - object_rank(b->kind);
    int c = strcmp(object_name(a), object_name(b));
    return c ? c : (*(const size_t *)p > *(const size_t *)q) - (*(const size_t *)p < *(const size_t *)q);
}

int mp_plan_emit_sequences(struct plan_ctx *x, const struct mp_changeset *cs, struct mp_plan *p)
{
    size_t *v = malloc((cs->n + 1) * sizeof *v), n = 0;
    if (!v)
        mp_oom();
    for (size_t i = 0; i < cs->n; i++)
        if (mp_op_is_sequence_op(cs->ops[i].kind))
            v[n++] = i;
    /* few objects: an insertion sort with the change set as context */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp_object(&v[j - 1], &v[j], (void *)cs) > 0; j--) {
            size_t tmp = v[j];
            v[j] = v[j - 1];
            v[j - 1] = tmp;
        }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = emit(x, p, cs->ops[v[i]], (long)v[i], NULL, false);
    free(v);
    return rc;
}

int mp_plan_emit_steps(struct plan_ctx *x, const long *order, struct mp_plan *p)
{
    int rc = 0;
    /* step number of each node, for the comments; incoming edges of each
     * node (CSR), so this stays O(V + E) */
    long *pos = malloc((x->nnodes + 1) * sizeof *pos);
    if (!pos)
        mp_oom();
    /* steps already in p (the type steps, plan_type.c) come first */
    size_t base = p->n;
    for (size_t i = 0; i < x->nnodes; i++)
        pos[order[i]] = (long)(base + i) + 1;
    size_t *in_start, *in_edges;
    mp_plan_incoming(x, &in_start, &in_edges);
    for (size_t i = 0; i < x->nnodes && !rc; i++) {
        long v = order[i];
        struct mp_buf why = {0};
        int nwhy = 0;
        for (size_t k = in_start[v]; k < in_start[v + 1]; k++) {
            const struct plan_edge *ed = &x->edges[in_edges[k]];
            const char *r = edge_reason(x, ed, pos[ed->from]);
            bool dup = false;
            for (size_t q = p->ndeps; q-- > 0 && p->deps[q].to == base + i && !dup;)
                dup = p->deps[q].from == (size_t)pos[ed->from] - 1;
            if (!dup) {
                struct mp_plan_dep *dp = MP_PUSH(x->a, p->deps, p->ndeps, p->capdeps);
                dp->from = (size_t)pos[ed->from] - 1;
                dp->to = base + i;
                dp->why = strchr(r, ':') ? strchr(r, ':') + 2 : r;
            }
            if (nwhy < 3 && !strstr(mp_buf_str(&why), r))
                mp_buf_printf(&why, "%s%s", nwhy++ ? "; " : "", r);
        }
        struct mp_op op = concrete(x, &x->nodes[v]);
        rc = emit(x, p, op, x->nodes[v].src, nwhy ? mp_arena_strdup(x->a, why.s) : NULL, false);
        mp_buf_free(&why);
        if (!rc)
            advance(x, &x->nodes[v], &op);
    }
    free(in_start);
    free(in_edges);
    free(pos);
    return rc;
}
