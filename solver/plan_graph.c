/* plan_graph.c - the planner's dependency graph: what each node acquires,
 * releases, makes, needs, uses and kills, and the edges that follow. */
#include "plan_int.h"

#include <stdlib.h>
#include <string.h>

static void ev(struct plan_ctx *x, long node, enum role r, const char *key, const char *what)
{
    struct plan_ev *e = MP_PUSH(x->a, x->evs, x->nevs, x->capevs);
    e->key = key;
    e->what = what;
    e->node = node;
    e->role = r;
}

static const char *what_table(struct plan_ctx *x, long t)
{
    return mp_arena_printf(x->a, "table \"%s\"", mp_plan_tname(x, t));
}

static const char *what_col(struct plan_ctx *x, long t, long c)
{
    const struct col_id *ci = &x->tabs[t].cols[c];
    return mp_arena_printf(x->a, "column \"%s\".\"%s\"", mp_plan_tname(x, t), ci->final ? ci->final : ci->start);
}

static int cmp_long(const void *p, const void *q)
{
    long a = *(const long *)p, b = *(const long *)q;
    return (a > b) - (a < b);
}

/* Resolve column names of table t (start or final vocabulary) into ids;
 * returns false when one is unknown. */
static bool col_ids(struct plan_ctx *x, long t, const struct mp_names *n, bool final, long *out)
{
    for (size_t i = 0; i < n->n; i++) {
        out[i] = final ? mp_plan_col_final(x, t, n->v[i]) : mp_plan_col_start(x, t, n->v[i]);
        if (out[i] < 0)
            return false;
    }
    return true;
}

static const char *ukey(struct plan_ctx *x, long t, const long *ids, size_t n)
{
    long *s = mp_arena_alloc(x->a, (n + 1) * sizeof *s);
    memcpy(s, ids, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_long);
    struct mp_buf b = {0};
    mp_buf_printf(&b, "U:%ld:", t);
    for (size_t i = 0; i < n; i++)
        mp_buf_printf(&b, "%s%ld", i ? "," : "", s[i]);
    const char *k = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return k;
}

/* Events of a foreign key on table t (vocabulary `final`) that a node adds
 * (need=true) or removes (need=false). */
static int fk_events(struct plan_ctx *x, long node, long t, const struct mp_fk *f, bool final, bool need,
                     bool target_needed)
{
    long rt = final ? mp_plan_tab_final(x, f->ref_table) : mp_plan_tab_start(x, f->ref_table);
    if (rt < 0)
        return -1;
    long *c = mp_arena_alloc(x->a, (f->cols.n + 1) * sizeof *c);
    long *rc = mp_arena_alloc(x->a, (f->ref_cols.n + 1) * sizeof *rc);
    if (!col_ids(x, t, &f->cols, final, c) || !col_ids(x, rt, &f->ref_cols, final, rc))
        return -1;
    enum role r = need ? NEED : USE;
    for (size_t i = 0; i < f->cols.n; i++)
        ev(x, node, r, mp_arena_printf(x->a, "C:%ld:%ld", t, c[i]), what_col(x, t, c[i]));
    if (rt == t && need)
        return 0;
    if (!target_needed) {
        /* SQLite CREATE TABLE: the target need not exist, but a new target's
         * name must already be free, or the reference would follow the
         * table that still holds it when that one is renamed */
        if (x->tabs[rt].create_node >= 0)
            ev(x, node, WAITFREE, mp_arena_printf(x->a, "R:%s", mp_plan_fold(x, x->tabs[rt].final)),
               mp_arena_printf(x->a, "name \"%s\"", x->tabs[rt].final));
        return 0;
    }
    ev(x, node, r, mp_arena_printf(x->a, "T:%ld", rt), what_table(x, rt));
    for (size_t i = 0; i < f->ref_cols.n; i++)
        ev(x, node, r, mp_arena_printf(x->a, "C:%ld:%ld", rt, rc[i]), what_col(x, rt, rc[i]));
    ev(x, node, r, ukey(x, rt, rc, f->ref_cols.n),
       mp_arena_printf(x->a, "the unique key of \"%s\"", mp_plan_tname(x, rt)));
    return 0;
}

static void table_name_events(struct plan_ctx *x, long node, enum role r, const struct mp_table *t)
{
    ev(x, node, r, mp_arena_printf(x->a, "R:%s", mp_plan_fold(x, t->name)),
       mp_arena_printf(x->a, "name \"%s\"", t->name));
    for (size_t i = 0; i < t->nindexes; i++)
        ev(x, node, r, mp_arena_printf(x->a, "R:%s", mp_plan_fold(x, t->indexes[i].name)),
           mp_arena_printf(x->a, "name \"%s\"", t->indexes[i].name));
    if (x->d == MP_POSTGRES) {
        if (t->pk_name)
            ev(x, node, r, mp_arena_printf(x->a, "R:%s", mp_plan_fold(x, t->pk_name)),
               mp_arena_printf(x->a, "name \"%s\"", t->pk_name));
        for (size_t i = 0; i < t->nuniques; i++)
            if (t->uniques[i].name)
                ev(x, node, r, mp_arena_printf(x->a, "R:%s", mp_plan_fold(x, t->uniques[i].name)),
                   mp_arena_printf(x->a, "name \"%s\"", t->uniques[i].name));
    }
}

static int node_events(struct plan_ctx *x, long ni)
{
    struct plan_node *n = &x->nodes[ni];
    const struct mp_op *op = n->op;
    struct plan_ctx *c = x;
    long t = n->t;
    switch (n->kind) {
    case MP_OP_CREATE_TABLE: {
        const struct mp_table *d = n->def;
        table_name_events(c, ni, ACQ, d);
        ev(c, ni, MAKE, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        long *ids = mp_arena_alloc(c->a, (d->ncols + 1) * sizeof *ids);
        for (size_t i = 0; i < d->ncols; i++) {
            ids[i] = mp_plan_col_final(c, t, d->cols[i].name);
            ev(c, ni, MAKE, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        }
        const char *uw = mp_arena_printf(c->a, "the unique key of \"%s\"", d->name);
        if (d->pk.n && col_ids(c, t, &d->pk, true, ids))
            ev(c, ni, MAKE, ukey(c, t, ids, d->pk.n), uw);
        for (size_t i = 0; i < d->nuniques; i++)
            if (col_ids(c, t, &d->uniques[i].cols, true, ids))
                ev(c, ni, MAKE, ukey(c, t, ids, d->uniques[i].cols.n), uw);
        for (size_t i = 0; i < d->nindexes; i++)
            if (d->indexes[i].unique && col_ids(c, t, &d->indexes[i].cols, true, ids))
                ev(c, ni, MAKE, ukey(c, t, ids, d->indexes[i].cols.n), uw);
        for (size_t i = 0; i < d->nfks; i++)
            if (fk_events(c, ni, t, &d->fks[i], true, true, c->d == MP_POSTGRES))
                return mp_plan_bad(c, op, "a foreign key names an unknown table or column");
        return 0;
    }
    case MP_OP_DROP_TABLE: {
        const struct mp_table *st = c->tabs[t].st;
        table_name_events(c, ni, REL, st);
        ev(c, ni, KILL, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        /* the table's own foreign keys keep their targets alive until it goes */
        for (size_t i = 0; i < st->nfks; i++)
            if (!(n->detached && n->detached[i]) &&
                fk_events(c, ni, t, &st->fks[i], false, false, true))
                return mp_plan_bad(c, op, "a foreign key of the dropped table names an unknown table");
        return 0;
    }
    case MP_OP_RENAME_TABLE:
    case MP_OP_RENAME_INDEX:
    case MP_OP_RENAME_COLUMN: {
        /* A temporary name is free before part 1 and after part 2: part 1
         * makes it, part 2 needs it.  The real names are held at the start
         * (old) or wanted at the end (new).  Tables and indexes share the
         * relation namespace. */
        bool tab = n->kind != MP_OP_RENAME_COLUMN;
        const char *from = n->half == 2 ? n->tmp : n->kind == MP_OP_RENAME_TABLE ? op->table : op->name;
        const char *to = n->half == 1 ? n->tmp : op->new_name;
        const char *fk = tab ? mp_arena_printf(c->a, "R:%s", mp_plan_fold(c, from))
                             : mp_arena_printf(c->a, "N:%ld:%s", t, mp_plan_fold(c, from));
        const char *tk = tab ? mp_arena_printf(c->a, "R:%s", mp_plan_fold(c, to))
                             : mp_arena_printf(c->a, "N:%ld:%s", t, mp_plan_fold(c, to));
        const char *kind = tab ? "name" : "column name";
        ev(c, ni, n->half == 2 ? NEED : REL, fk, mp_arena_printf(c->a, "%s \"%s\"", kind, from));
        ev(c, ni, n->half == 1 ? MAKE : ACQ, tk, mp_arena_printf(c->a, "%s \"%s\"", kind, to));
        return 0;
    }
    case MP_OP_ADD_COLUMN:
        /* added columns of one table keep the desired column order */
        ev(c, ni, MAKE, mp_arena_printf(c->a, "P:%ld:%d", t, op->position),
           mp_arena_printf(c->a, "the column before \"%s\"", op->column.name));
        if (n->prev_pos >= 0)
            ev(c, ni, NEED, mp_arena_printf(c->a, "P:%ld:%d", t, n->prev_pos),
               mp_arena_printf(c->a, "the column before \"%s\"", op->column.name));
        ev(c, ni, ACQ, mp_arena_printf(c->a, "N:%ld:%s", t, mp_plan_fold(c, op->column.name)),
           mp_arena_printf(c->a, "column name \"%s\"", op->column.name));
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        ev(c, ni, MAKE, mp_arena_printf(c->a, "C:%ld:%ld", t, n->c), what_col(c, t, n->c));
        return 0;
    case MP_OP_DROP_COLUMN:
        ev(c, ni, REL, mp_arena_printf(c->a, "N:%ld:%s", t, mp_plan_fold(c, op->name)),
           mp_arena_printf(c->a, "column name \"%s\"", op->name));
        ev(c, ni, KILL, mp_arena_printf(c->a, "C:%ld:%ld", t, n->c), what_col(c, t, n->c));
        return 0;
    case MP_OP_ADD_FK:
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        if (fk_events(c, ni, t, &n->fk, true, true, true))
            return mp_plan_bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_DROP_FK:
        if (fk_events(c, ni, t, &n->fk, false, false, true))
            return mp_plan_bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_ADD_INDEX: {
        const struct mp_index *ix = &op->index;
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, true, ids))
            return mp_plan_bad(c, op, "the index names an unknown column");
        ev(c, ni, ACQ, mp_arena_printf(c->a, "R:%s", mp_plan_fold(c, ix->name)), mp_arena_printf(c->a, "name \"%s\"", ix->name));
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, NEED, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        if (ix->unique)
            ev(c, ni, MAKE, ukey(c, t, ids, ix->cols.n),
               mp_arena_printf(c->a, "the unique key of \"%s\"", mp_plan_tname(c, t)));
        return 0;
    }
    case MP_OP_DROP_INDEX: {
        const struct mp_table *st = c->tabs[t].st;
        long xi = mp_table_find_index(st, c->d, op->name);
        if (xi < 0)
            return mp_plan_bad(c, op, "no such index in the start schema");
        const struct mp_index *ix = &st->indexes[xi];
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, false, ids))
            return mp_plan_bad(c, op, "the index names an unknown column");
        ev(c, ni, REL, mp_arena_printf(c->a, "R:%s", mp_plan_fold(c, ix->name)), mp_arena_printf(c->a, "name \"%s\"", ix->name));
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, USE, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        if (ix->unique)
            ev(c, ni, KILL, ukey(c, t, ids, ix->cols.n),
               mp_arena_printf(c->a, "the unique key of \"%s\"", mp_plan_tname(c, t)));
        return 0;
    }
    case MP_OP_ALTER_TYPE:
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT:
        /* a start column altered in place: it only has to be there, which
         * it is from the start to the end (a dropped column is not altered) */
        ev(c, ni, USE, mp_arena_printf(c->a, "C:%ld:%ld", t, n->c), what_col(c, t, n->c));
        /* a new default is checked against the column's new type */
        if (n->kind == MP_OP_ALTER_TYPE || n->kind == MP_OP_SET_DEFAULT)
            ev(c, ni, n->kind == MP_OP_ALTER_TYPE ? MAKE : NEED, mp_arena_printf(c->a, "Y:%ld:%ld", t, n->c),
               mp_arena_printf(c->a, "the new type of %s", what_col(c, t, n->c)));
        return 0;
    case MP_OP_ADD_UNIQUE:
    case MP_OP_DROP_UNIQUE: {
        bool add = n->kind == MP_OP_ADD_UNIQUE;
        const struct mp_unique *u = &op->unique;
        long *ids = mp_arena_alloc(c->a, (u->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &u->cols, add, ids))
            return mp_plan_bad(c, op, "the unique constraint names an unknown column");
        if (c->d == MP_POSTGRES && u->name)
            ev(c, ni, add ? ACQ : REL, mp_arena_printf(c->a, "R:%s", mp_plan_fold(c, u->name)),
               mp_arena_printf(c->a, "name \"%s\"", u->name));
        if (add)
            ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        for (size_t i = 0; i < u->cols.n; i++)
            ev(c, ni, add ? NEED : USE, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        ev(c, ni, add ? MAKE : KILL, ukey(c, t, ids, u->cols.n),
           mp_arena_printf(c->a, "the unique key of \"%s\"", mp_plan_tname(c, t)));
        return 0;
    }
    case MP_OP__COUNT:
        break;
    }
    return 0;
}

static int cmp_ev(const void *p, const void *q)
{
    const struct plan_ev *a = p, *b = q;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    if (a->node != b->node)
        return (a->node > b->node) - (a->node < b->node);
    return (int)a->role - (int)b->role;
}

static void add_edge(struct plan_ctx *x, long from, long to, const struct plan_ev *fe)
{
    if (from == to)
        return;
    struct plan_edge *e = MP_PUSH(x->a, x->edges, x->nedges, x->capedges);
    e->from = from;
    e->to = to;
    e->type = fe->key[0];
    e->from_role = fe->role;
    e->what = fe->what;
}

int mp_plan_build_graph(struct plan_ctx *x)
{
    x->nevs = 0;
    x->nedges = 0;
    for (size_t i = 0; i < x->nnodes; i++) {
        int rc = node_events(x, (long)i);
        if (rc)
            return rc;
    }
    if (x->nevs)
        qsort(x->evs, x->nevs, sizeof *x->evs, cmp_ev);
    for (size_t lo = 0; lo < x->nevs;) {
        size_t hi = lo;
        while (hi < x->nevs && strcmp(x->evs[hi].key, x->evs[lo].key) == 0)
            hi++;
        for (size_t i = lo; i < hi; i++)
            for (size_t j = lo; j < hi; j++) {
                const struct plan_ev *p = &x->evs[i], *q = &x->evs[j];
                if ((p->role == REL && (q->role == ACQ || q->role == WAITFREE)) ||
                    (p->role == MAKE && q->role == NEED) || (p->role == USE && q->role == KILL))
                    add_edge(x, p->node, q->node, p);
            }
        lo = hi;
    }
    return 0;
}

/* Incoming edges of every node as CSR: edges into v are
 * in_edges[in_start[v] .. in_start[v+1]).  Both malloc'd. */
void mp_plan_incoming(const struct plan_ctx *x, size_t **start_out, size_t **edges_out)
{
    size_t *in_start = calloc(x->nnodes + 2, sizeof *in_start);
    size_t *in_edges = malloc((x->nedges + 1) * sizeof *in_edges);
    size_t *fill = malloc((x->nnodes + 1) * sizeof *fill);
    if (!in_start || !in_edges || !fill)
        mp_oom();
    for (size_t e = 0; e < x->nedges; e++)
        in_start[x->edges[e].to + 1]++;
    for (size_t i = 0; i < x->nnodes; i++)
        in_start[i + 1] += in_start[i];
    memcpy(fill, in_start, x->nnodes * sizeof *fill);
    for (size_t e = 0; e < x->nedges; e++)
        in_edges[fill[x->edges[e].to]++] = e;
    free(fill);
    *start_out = in_start;
    *edges_out = in_edges;
}
