/* plan_graph.c - the planner's dependency graph: what each node acquires,
 * releases, makes, needs, uses and kills, and the edges that follow. */
#include "plan_int.h"

#include "index_def.h"
#include "sqlexpr.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys ---- */

/* Fold one byte as the dialect compares names (mp_name_eq(): SQLite
 * ignores ASCII case). */
static unsigned char fold_c(enum mp_dialect d, unsigned char c)
{
    return d == MP_SQLITE && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* The number of `name` among the names keys use; one number per name as
 * the dialect compares them.  New names are stored folded (in x->a). */
static uint32_t name_id(struct plan_ctx *x, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    size_t len = 0;
    for (; name[len]; len++)
        h = (h ^ fold_c(x->d, (unsigned char)name[len])) * 16777619u;
    if (2 * (x->nnames + 1) > x->nslots) {
        size_t ns = x->nslots ? 2 * x->nslots : 256;
        uint32_t *sl = mp_arena_alloc(x->a, ns * sizeof *sl);
        memset(sl, 0, ns * sizeof *sl);
        for (size_t i = 0; i < x->nslots; i++)
            if (x->slots[i]) {
                uint32_t g = 2166136261u;
                for (const unsigned char *p = (const unsigned char *)x->names[x->slots[i] - 1]; *p; p++)
                    g = (g ^ *p) * 16777619u;
                size_t k = g & (ns - 1);
                while (sl[k])
                    k = (k + 1) & (ns - 1);
                sl[k] = x->slots[i];
            }
        x->slots = sl;
        x->nslots = ns;
    }
    size_t k = h & (x->nslots - 1);
    for (; x->slots[k]; k = (k + 1) & (x->nslots - 1)) {
        const unsigned char *s = (const unsigned char *)x->names[x->slots[k] - 1];
        size_t i = 0;
        while (i < len && s[i] == fold_c(x->d, (unsigned char)name[i]))
            i++;
        if (i == len && !s[i])
            return x->slots[k] - 1;
    }
    char *f = mp_arena_alloc(x->a, len + 1);
    for (size_t i = 0; i <= len; i++)
        f[i] = (char)fold_c(x->d, (unsigned char)name[i]);
    *MP_PUSH(x->a, x->names, x->nnames, x->capnames) = f;
    x->slots[k] = (uint32_t)x->nnames;
    return (uint32_t)x->nnames - 1;
}

static struct plan_key key2(enum key_kind k, long t, long v)
{
    assert(t >= 0 && v >= 0);
    return (struct plan_key){.kind = k, .t = (uint32_t)t, .v = (uint32_t)v};
}

static struct plan_key k_col(long t, long c)
{
    return key2(K_COL, t, c);
}

static struct plan_key k_type(long t, long c)
{
    return key2(K_TYPE, t, c);
}

static struct plan_key k_pos(long t, long pos)
{
    return key2(K_POS, t, pos);
}

static struct plan_key k_table(long t)
{
    return key2(K_TABLE, t, 0);
}

static struct plan_key k_rel(struct plan_ctx *x, const char *name)
{
    return key2(K_REL, 0, name_id(x, name));
}

static struct plan_key k_colname(struct plan_ctx *x, long t, const char *name)
{
    return key2(K_COLNAME, t, name_id(x, name));
}

static int cmp_u32(const void *p, const void *q)
{
    uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;
    return (a > b) - (a < b);
}

/* The unique key over columns ids[0..n) of table t, in any order. */
static struct plan_key k_unique(struct plan_ctx *x, long t, const long *ids, size_t n)
{
    struct plan_key k = key2(K_UNIQUE, t, 0);
    k.cols = mp_arena_alloc(x->a, (n + 1) * sizeof *k.cols);
    for (size_t i = 0; i < n; i++) {
        assert(ids[i] >= 0);
        k.cols[i] = (uint32_t)ids[i];
    }
    qsort(k.cols, n, sizeof *k.cols, cmp_u32);
    k.n = (uint32_t)n;
    return k;
}

/* Key order.  Keys were once strings - "C:<t>:<c>", "N:<t>:<name>",
 * "P:<t>:<pos>", "R:<name>", "T:<t>", "U:<t>:<c>,<c>...", "Y:<t>:<c>" -
 * compared with strcmp, and that order decides the order of the reasons in
 * each step's comment.  It is kept without printing: numbers compare as
 * their decimal strings do, which is the order of a walk of the decimal
 * digit trie; a number followed by ':' (the table in every key but T) comes
 * after its own extensions, since ':' sorts after the digits ("C:12:0" <
 * "C:1:0"): post-order; a number at the end or before ',' comes before
 * them: pre-order.  Names compare with strcmp once folded.  order_keys()
 * turns every field into its rank in that order. */
static void trie_walk(uint32_t v, uint32_t m, uint32_t *pre, uint32_t *post, uint32_t *npre, uint32_t *npost)
{
    pre[v] = (*npre)++;
    for (uint32_t d = 0; v && d < 10 && (uint64_t)v * 10 + d < m; d++)
        trie_walk(v * 10 + d, m, pre, post, npre, npost);
    post[v] = (*npost)++;
}

struct name_rank {
    const char *name;
    uint32_t id;
};

static int cmp_name_rank(const void *p, const void *q)
{
    return strcmp(((const struct name_rank *)p)->name, ((const struct name_rank *)q)->name);
}

static void order_keys(struct plan_ctx *x)
{
    uint32_t m = 1;
    for (size_t i = 0; i < x->nevs; i++) {
        const struct plan_key *k = &x->evs[i].key;
        if (k->t >= m)
            m = k->t + 1;
        if (k->kind != K_REL && k->kind != K_COLNAME && k->kind != K_OBJ && k->kind != K_CONNAME && k->v >= m)
            m = k->v + 1;
        for (uint32_t j = 0; j < k->n; j++)
            if (k->cols[j] >= m)
                m = k->cols[j] + 1;
    }
    uint32_t *pre = malloc(m * sizeof *pre), *post = malloc(m * sizeof *post);
    uint32_t *rank = malloc((x->nnames + 1) * sizeof *rank);
    struct name_rank *nr = malloc((x->nnames + 1) * sizeof *nr);
    if (!pre || !post || !rank || !nr)
        mp_oom();
    uint32_t npre = 0, npost = 0;
    for (uint32_t d = 0; d < 10 && d < m; d++)
        trie_walk(d, m, pre, post, &npre, &npost);
    for (size_t i = 0; i < x->nnames; i++)
        nr[i] = (struct name_rank){x->names[i], (uint32_t)i};
    qsort(nr, x->nnames, sizeof *nr, cmp_name_rank);
    for (size_t i = 0; i < x->nnames; i++)
        rank[nr[i].id] = (uint32_t)i;
    for (size_t i = 0; i < x->nevs; i++) {
        struct plan_key *k = &x->evs[i].key;
        k->t = k->kind == K_TABLE ? pre[k->t] : post[k->t];
        k->v = k->kind == K_REL || k->kind == K_COLNAME || k->kind == K_OBJ || k->kind == K_CONNAME ? rank[k->v]
                                                                                                   : pre[k->v];
        for (uint32_t j = 0; j < k->n; j++)
            k->cols[j] = pre[k->cols[j]];
    }
    free(pre);
    free(post);
    free(rank);
    free(nr);
}

/* Keys once order_keys() ran: the order of their printed forms. */
static int cmp_key(const struct plan_key *a, const struct plan_key *b)
{
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    for (uint32_t i = 0; i < a->n && i < b->n; i++)
        if (a->cols[i] != b->cols[i])
            return a->cols[i] < b->cols[i] ? -1 : 1;
    return (a->n > b->n) - (a->n < b->n);
}

/* ---- events ---- */

/* Node `node` plays role r on the resource `key` (fields still identities
 * and name numbers); `name`: the name as written, for the comments, of a
 * K_REL, K_COLNAME or K_POS key (NULL for the others). */
static void ev(struct plan_ctx *x, long node, enum role r, struct plan_key key, const char *name)
{
    struct plan_ev *e = MP_PUSH(x->a, x->evs, x->nevs, x->capevs);
    e->key = key;
    e->res = (struct plan_res){key.kind, key.t, key.v, name};
    e->node = node;
    e->role = r;
}

void mp_plan_ev(struct plan_ctx *x, long node, enum role r, enum key_kind k, long t, long v, const char *name)
{
    ev(x, node, r, k == K_REL || k == K_OBJ ? key2(k, 0, name_id(x, name)) : key2(k, t, v), name);
}

void mp_plan_res_text(struct mp_buf *b, struct plan_ctx *x, const struct plan_res *r)
{
    const struct col_id *ci =
        r->kind == K_COL || r->kind == K_TYPE || r->kind == K_NOTNULL ? &x->tabs[r->t].cols[r->c] : NULL;
    switch (r->kind) {
    case K_TYPE:
    case K_NOTNULL:
        mp_buf_add(b, r->kind == K_TYPE ? "the new type of " : "NOT NULL of ");
        /* fall through */
    case K_COL:
        mp_buf_printf(b, "column \"%s\".\"%s\"", mp_plan_tname(x, r->t), ci->final ? ci->final : ci->start);
        break;
    case K_TABLE: mp_buf_printf(b, "table \"%s\"", mp_plan_tname(x, r->t)); break;
    case K_UNIQUE: mp_buf_printf(b, "the unique key of \"%s\"", mp_plan_tname(x, r->t)); break;
    case K_REL: mp_buf_printf(b, "name \"%s\"", r->name); break;
    case K_COLNAME: mp_buf_printf(b, "column name \"%s\"", r->name); break;
    case K_POS: mp_buf_printf(b, "the column before \"%s\"", r->name); break;
    case K_SHAPE: mp_buf_printf(b, "table \"%s\" as it is then", mp_plan_tname(x, r->t)); break;
    case K_OBJ: mp_buf_add(b, r->name); break;
    case K_CONNAME: mp_buf_printf(b, "constraint name \"%s\"", r->name); break;
    case K_PKEY: mp_buf_printf(b, "the new primary key of \"%s\"", mp_plan_tname(x, r->t)); break;
    }
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

/* Events of a foreign key on table t (vocabulary `final`) that a node adds
 * (need=true) or removes (need=false). */
static int fk_events(struct plan_ctx *x, long node, long t, const struct mp_fk *f, bool final, bool need,
                     bool target_needed)
{
    long rt = final ? mp_plan_tab_final(x, f->ref_table) : mp_plan_tab_start(x, f->ref_table);
    long *c = mp_arena_alloc(x->a, (f->cols.n + 1) * sizeof *c);
    if (rt < 0 && x->d == MP_SQLITE) {
        /* SQLite keeps a foreign key to a table that does not exist (it is
         * checked only when rows change, "Foreign Key Support" 3; real
         * histories pass through such states, e.g. after a rename-and-drop
         * rebuild): only its own columns order the step */
        if (!col_ids(x, t, &f->cols, final, c))
            return -1;
        for (size_t i = 0; i < f->cols.n; i++)
            ev(x, node, need ? NEED : USE, k_col(t, c[i]), NULL);
        return 0;
    }
    if (rt < 0)
        return -1;
    long *rc = mp_arena_alloc(x->a, (f->ref_cols.n + 1) * sizeof *rc);
    if (!col_ids(x, t, &f->cols, final, c) || !col_ids(x, rt, &f->ref_cols, final, rc))
        return -1;
    enum role r = need ? NEED : USE;
    /* a key added to a table whose primary key changes waits for the
     * change: PostgreSQL ties a foreign key to the index it found, and
     * DROP CONSTRAINT of that primary key would refuse then */
    if (need)
        ev(x, node, NEED, key2(K_PKEY, rt, 0), NULL);
    for (size_t i = 0; i < f->cols.n; i++)
        ev(x, node, r, k_col(t, c[i]), NULL);
    if (rt == t && need)
        return 0;
    if (!target_needed) {
        /* SQLite CREATE TABLE: the target need not exist, but a new target's
         * name must already be free, or the reference would follow the
         * table that still holds it when that one is renamed */
        if (x->tabs[rt].create_node >= 0)
            ev(x, node, WAITFREE, k_rel(x, x->tabs[rt].final),
               x->tabs[rt].final);
        return 0;
    }
    ev(x, node, r, k_table(rt), NULL);
    for (size_t i = 0; i < f->ref_cols.n; i++)
        ev(x, node, r, k_col(rt, rc[i]), NULL);
    ev(x, node, r, k_unique(x, rt, rc, f->ref_cols.n),
       NULL);
    return 0;
}

static void table_name_events(struct plan_ctx *x, long node, enum role r, const struct mp_table *t)
{
    ev(x, node, r, k_rel(x, t->name),
       t->name);
    for (size_t i = 0; i < t->nindexes; i++)
        ev(x, node, r, k_rel(x, t->indexes[i].name),
           t->indexes[i].name);
    if (x->d == MP_POSTGRES) {
        if (t->pk_name)
            ev(x, node, r, k_rel(x, t->pk_name),
               t->pk_name);
        for (size_t i = 0; i < t->nuniques; i++)
            if (t->uniques[i].name)
                ev(x, node, r, k_rel(x, t->uniques[i].name),
                   t->uniques[i].name);
    }
}

/* Role r on every column of table t (start or final names) that the
 * index `ix` or the expression `expr` uses: expression keys, predicates,
 * INCLUDE columns and CHECK expressions name columns inside their text. */
static void expr_col_events(struct plan_ctx *x, long ni, enum role r, long t, bool final,
                            const struct mp_index *ix, const char *expr)
{
    const struct tab_id *ti = &x->tabs[t];
    for (size_t j = 0; j < ti->ncols; j++) {
        const char *name = final ? ti->cols[j].final : ti->cols[j].start;
        if (name && (ix ? mp_index_uses(x->d, ix, name) : mp_expr_uses(x->d, expr, name)))
            ev(x, ni, r, k_col(t, (long)j), NULL);
    }
}

/* True when an index needs expr_col_events(): more than a column list. */
static bool index_has_text(const struct mp_index *ix)
{
    return !mp_index_keys_plain(ix) || ix->include.n;
}

static struct plan_key k_conname(struct plan_ctx *x, long t, const char *name)
{
    return key2(K_CONNAME, t, name_id(x, name));
}

/* Events of ALTER PRIMARY KEY on start table t: it uses the old key's
 * columns (dropped after it) and their NOT NULL (dropped after it), and
 * kills the old unique key (foreign keys on it are dropped first); it needs
 * the new key's columns, their NOT NULL, and makes the new unique key and
 * K_PKEY (foreign keys are added after it).  PostgreSQL: the old
 * constraint name is freed, the new one taken. */
static int pk_events(struct plan_ctx *x, long ni, long t, const struct mp_op *op)
{
    const struct mp_table *st = x->tabs[t].st;
    size_t n = st->pk.n > op->unique.cols.n ? st->pk.n : op->unique.cols.n;
    long *ids = mp_arena_alloc(x->a, (n + 1) * sizeof *ids);
    if (st->pk.n) {
        if (!col_ids(x, t, &st->pk, false, ids))
            return -1;
        for (size_t i = 0; i < st->pk.n; i++) {
            ev(x, ni, USE, k_col(t, ids[i]), NULL);
            ev(x, ni, USE, key2(K_NOTNULL, t, ids[i]), NULL);
        }
        ev(x, ni, KILL, k_unique(x, t, ids, st->pk.n), NULL);
        if (x->d == MP_POSTGRES && st->pk_name)
            ev(x, ni, REL, k_rel(x, st->pk_name), st->pk_name);
    }
    if (op->unique.cols.n) {
        if (!col_ids(x, t, &op->unique.cols, true, ids))
            return -1;
        for (size_t i = 0; i < op->unique.cols.n; i++) {
            ev(x, ni, NEED, k_col(t, ids[i]), NULL);
            ev(x, ni, NEED, key2(K_NOTNULL, t, ids[i]), NULL);
        }
        ev(x, ni, MAKE, k_unique(x, t, ids, op->unique.cols.n), NULL);
        if (x->d == MP_POSTGRES && op->unique.name)
            ev(x, ni, ACQ, k_rel(x, op->unique.name), op->unique.name);
    }
    ev(x, ni, MAKE, key2(K_PKEY, t, 0), NULL);
    return 0;
}

static int node_events(struct plan_ctx *x, long ni)
{
    struct plan_node *n = &x->nodes[ni];
    if (n->kind == MP_OP_CREATE_OBJECT || n->kind == MP_OP_DROP_OBJECT) {
        mp_plan_object_events(x, ni);
        return 0;
    }
    if (x->nobjnodes)
        mp_plan_shape_events(x, ni);
    const struct mp_op *op = n->op;
    struct plan_ctx *c = x;
    long t = n->t;
    switch (n->kind) {
    case MP_OP_CREATE_TABLE: {
        const struct mp_table *d = n->def;
        table_name_events(c, ni, ACQ, d);
        ev(c, ni, MAKE, k_table(t), NULL);
        long *ids = mp_arena_alloc(c->a, (d->ncols + 1) * sizeof *ids);
        for (size_t i = 0; i < d->ncols; i++) {
            ids[i] = mp_plan_col_final(c, t, d->cols[i].name);
            ev(c, ni, MAKE, k_col(t, ids[i]), NULL);
        }
        if (d->pk.n && col_ids(c, t, &d->pk, true, ids))
            ev(c, ni, MAKE, k_unique(c, t, ids, d->pk.n), NULL);
        for (size_t i = 0; i < d->nuniques; i++)
            if (col_ids(c, t, &d->uniques[i].cols, true, ids))
                ev(c, ni, MAKE, k_unique(c, t, ids, d->uniques[i].cols.n), NULL);
        for (size_t i = 0; i < d->nindexes; i++)
            if (d->indexes[i].unique && col_ids(c, t, &d->indexes[i].cols, true, ids))
                ev(c, ni, MAKE, k_unique(c, t, ids, d->indexes[i].cols.n), NULL);
        for (size_t i = 0; i < d->nfks; i++)
            if (fk_events(c, ni, t, &d->fks[i], true, true, c->d == MP_POSTGRES))
                return mp_plan_bad(c, op, "a foreign key names an unknown table or column");
        return 0;
    }
    case MP_OP_DROP_TABLE: {
        const struct mp_table *st = c->tabs[t].st;
        table_name_events(c, ni, REL, st);
        ev(c, ni, KILL, k_table(t), NULL);
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
        struct plan_key fk = tab ? k_rel(c, from) : k_colname(c, t, from);
        struct plan_key tk = tab ? k_rel(c, to) : k_colname(c, t, to);
        ev(c, ni, n->half == 2 ? NEED : REL, fk, from);
        ev(c, ni, n->half == 1 ? MAKE : ACQ, tk, to);
        return 0;
    }
    case MP_OP_ADD_COLUMN:
        /* added columns of one table keep the desired column order */
        ev(c, ni, MAKE, k_pos(t, op->position),
           op->column.name);
        if (n->prev_pos >= 0)
            ev(c, ni, NEED, k_pos(t, n->prev_pos),
               op->column.name);
        ev(c, ni, ACQ, k_colname(c, t, op->column.name),
           op->column.name);
        ev(c, ni, NEED, k_table(t), NULL);
        ev(c, ni, MAKE, k_col(t, n->c), NULL);
        return 0;
    case MP_OP_DROP_COLUMN:
        ev(c, ni, REL, k_colname(c, t, op->name),
           op->name);
        ev(c, ni, KILL, k_col(t, n->c), NULL);
        return 0;
    case MP_OP_ADD_FK:
        ev(c, ni, NEED, k_table(t), NULL);
        if (fk_events(c, ni, t, &n->fk, true, true, true))
            return mp_plan_bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_DROP_FK:
        if (fk_events(c, ni, t, &n->fk, false, false, true))
            return mp_plan_bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_ADD_INDEX: {
        const struct mp_index *ix = &op->index;
        if (index_has_text(ix)) {
            ev(c, ni, ACQ, k_rel(c, ix->name), ix->name);
            ev(c, ni, NEED, k_table(t), NULL);
            expr_col_events(c, ni, NEED, t, true, ix, NULL);
            return 0;
        }
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, true, ids))
            return mp_plan_bad(c, op, "the index names an unknown column");
        ev(c, ni, ACQ, k_rel(c, ix->name), ix->name);
        ev(c, ni, NEED, k_table(t), NULL);
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, NEED, k_col(t, ids[i]), NULL);
        if (ix->unique)
            ev(c, ni, MAKE, k_unique(c, t, ids, ix->cols.n),
               NULL);
        return 0;
    }
    case MP_OP_DROP_INDEX: {
        const struct mp_table *st = c->tabs[t].st;
        long xi = mp_table_find_index(st, c->d, op->name);
        if (xi < 0)
            return mp_plan_bad(c, op, "no such index in the start schema");
        const struct mp_index *ix = &st->indexes[xi];
        if (index_has_text(ix)) {
            ev(c, ni, REL, k_rel(c, ix->name), ix->name);
            expr_col_events(c, ni, USE, t, false, ix, NULL);
            return 0;
        }
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, false, ids))
            return mp_plan_bad(c, op, "the index names an unknown column");
        ev(c, ni, REL, k_rel(c, ix->name), ix->name);
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, USE, k_col(t, ids[i]), NULL);
        if (ix->unique)
            ev(c, ni, KILL, k_unique(c, t, ids, ix->cols.n),
               NULL);
        return 0;
    }
    case MP_OP_ALTER_TYPE:
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT:
    case MP_OP_ALTER_COLUMN_FEATURES:
        /* a start column altered in place: it only has to be there, which
         * it is from the start to the end (a dropped column is not altered) */
        ev(c, ni, USE, k_col(t, n->c), NULL);
        /* a new primary key needs its columns NOT NULL first; an old one
         * keeps them so until it goes (pk_events) */
        if (n->kind == MP_OP_SET_NOT_NULL || n->kind == MP_OP_DROP_NOT_NULL)
            ev(c, ni, n->kind == MP_OP_SET_NOT_NULL ? MAKE : KILL, key2(K_NOTNULL, t, n->c), NULL);
        /* a new default is checked against the column's new type */
        if (n->kind == MP_OP_ALTER_TYPE || n->kind == MP_OP_SET_DEFAULT)
            ev(c, ni, n->kind == MP_OP_ALTER_TYPE ? MAKE : NEED, k_type(t, n->c),
               NULL);
        return 0;
    case MP_OP_ADD_UNIQUE:
    case MP_OP_DROP_UNIQUE: {
        bool add = n->kind == MP_OP_ADD_UNIQUE;
        const struct mp_unique *u = &op->unique;
        long *ids = mp_arena_alloc(c->a, (u->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &u->cols, add, ids))
            return mp_plan_bad(c, op, "the unique constraint names an unknown column");
        if (c->d == MP_POSTGRES && u->name)
            ev(c, ni, add ? ACQ : REL, k_rel(c, u->name),
               u->name);
        if (add)
            ev(c, ni, NEED, k_table(t), NULL);
        for (size_t i = 0; i < u->cols.n; i++)
            ev(c, ni, add ? NEED : USE, k_col(t, ids[i]), NULL);
        ev(c, ni, add ? MAKE : KILL, k_unique(c, t, ids, u->cols.n),
           NULL);
        return 0;
    }
    case MP_OP_ADD_CHECK:
    case MP_OP_DROP_CHECK: {
        /* a check needs its columns (added first, dropped after) and, on
         * PostgreSQL, its name free among the table's constraints */
        bool add = n->kind == MP_OP_ADD_CHECK;
        if (add)
            ev(c, ni, NEED, k_table(t), NULL);
        expr_col_events(c, ni, add ? NEED : USE, t, add, NULL, op->check.expr);
        if (c->d == MP_POSTGRES && op->check.name)
            ev(c, ni, add ? ACQ : REL, k_conname(c, t, op->check.name), op->check.name);
        return 0;
    }
    case MP_OP_SET_TABLE_OPTIONS:
        ev(c, ni, NEED, k_table(t), NULL);
        return 0;
    case MP_OP_ALTER_PK:
        if (pk_events(c, ni, t, op))
            return mp_plan_bad(c, op, "the primary key names an unknown column");
        return 0;
    case MP_OP_CREATE_OBJECT:
    case MP_OP_DROP_OBJECT:
    case MP_OP_CREATE_SEQUENCE:
    case MP_OP_DROP_SEQUENCE:
    case MP_OP_ALTER_SEQUENCE: /* ordered apart from the graph (plan.c) */
    case MP_OP_CREATE_TYPE:
    case MP_OP_DROP_TYPE:
    case MP_OP_ADD_ENUM_VALUE:
    case MP_OP_RENAME_ENUM_VALUE:
    case MP_OP_REBUILD_ENUM:
    case MP_OP_ALTER_DOMAIN: /* plan_type.c */
    case MP_OP__COUNT:
        break;
    }
    return 0;
}

static int cmp_ev(const void *p, const void *q)
{
    const struct plan_ev *a = p, *b = q;
    int c = cmp_key(&a->key, &b->key);
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
    e->from_role = fe->role;
    e->res = fe->res;
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
    order_keys(x);
    if (x->nevs)
        qsort(x->evs, x->nevs, sizeof *x->evs, cmp_ev);
    for (size_t lo = 0; lo < x->nevs;) {
        size_t hi = lo;
        while (hi < x->nevs && cmp_key(&x->evs[hi].key, &x->evs[lo].key) == 0)
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
