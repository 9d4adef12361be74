/* plan.c - the planner: identities, dependency graph, stable topological
 * sort with loop repair, then rendering and validation of every step. */
#include "plan.h"
#include "sql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- identities ---- */

struct col_id {
    const char *start, *final, *cur; /* start NULL: new; final NULL: dropped */
};

struct tab_id {
    const char *start, *final, *cur;
    const struct mp_table *st;       /* the start table, NULL when created */
    struct col_id *cols;
    size_t ncols, capcols;
    long create_node, drop_node;
};

/* ---- graph ---- */

enum role { ACQ, REL, MAKE, NEED, USE, KILL, WAITFREE };

struct ev {
    const char *key;  /* resource: "R:name" relation name, "N:t:name" column name,
                         "T:t" table, "C:t:c" column, "U:t:c,c" unique key */
    const char *what; /* for comments: table "post" */
    long node;
    enum role role;
};

struct edge {
    long from, to;
    char type;        /* first letter of the key */
    enum role from_role;
    const char *what;
};

struct node {
    long src;             /* change-set index, -1 for a repair step */
    enum mp_op_kind kind;
    int half;             /* renames: 0 whole, 1 old->tmp, 2 tmp->new */
    const char *tmp;
    long t;               /* table identity */
    long c;               /* column identity (column ops) */
    const struct mp_op *op; /* the change-set op in its vocabulary */
    struct mp_fk fk;      /* ADD/DROP FK, vocabulary of the kind */
    struct mp_table *def; /* CREATE TABLE: working copy */
    bool *detached;       /* DROP TABLE: start FKs already dropped by a repair step */
    const char *desc;
    long rank;
    bool split;           /* already repaired once */
    int prev_pos;         /* ADD COLUMN: position of the previous added column of the table, or -1 */
};

struct ctx {
    struct mp_arena *a;
    enum mp_dialect d;
    const struct mp_schema *start;
    struct mp_error *err;
    struct tab_id *tabs;
    size_t ntabs, captabs;
    struct node *nodes;
    size_t nnodes, capnodes;
    struct ev *evs;
    size_t nevs, capevs;
    struct edge *edges;
    size_t nedges, capedges;
    int tmp_counter;
    /* sorted (folded name, table identity) pairs for tab_by_start/final */
    struct name_ix *ix_start, *ix_final;
    size_t nix_start, nix_final;
};

struct name_ix {
    const char *key;
    long t;
};

static const char *fold(struct ctx *x, const char *name)
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
static long ix_find(struct ctx *x, const struct name_ix *v, size_t n, const char *name)
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
static void build_ix(struct ctx *x, int which)
{
    struct name_ix *v = mp_arena_alloc(x->a, (x->ntabs + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < x->ntabs; i++) {
        const char *nm = which ? x->tabs[i].final : x->tabs[i].start;
        if (nm)
            v[n++] = (struct name_ix){fold(x, nm), (long)i};
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

static long tab_by_start(struct ctx *x, const char *name)
{
    long r = ix_find(x, x->ix_start, x->nix_start, name);
    if (r != -2)
        return r;
    for (size_t i = 0; i < x->ntabs; i++)
        if (x->tabs[i].start && mp_name_eq(x->d, x->tabs[i].start, name))
            return (long)i;
    return -1;
}

static long tab_by_final(struct ctx *x, const char *name)
{
    long r = ix_find(x, x->ix_final, x->nix_final, name);
    if (r != -2)
        return r;
    for (size_t i = 0; i < x->ntabs; i++)
        if (x->tabs[i].final && mp_name_eq(x->d, x->tabs[i].final, name))
            return (long)i;
    return -1;
}

static long col_by_start(struct ctx *x, long t, const char *name)
{
    struct tab_id *tb = &x->tabs[t];
    for (size_t i = 0; i < tb->ncols; i++)
        if (tb->cols[i].start && mp_name_eq(x->d, tb->cols[i].start, name))
            return (long)i;
    return -1;
}

static long col_by_final(struct ctx *x, long t, const char *name)
{
    struct tab_id *tb = &x->tabs[t];
    for (size_t i = 0; i < tb->ncols; i++)
        if (tb->cols[i].final && mp_name_eq(x->d, tb->cols[i].final, name))
            return (long)i;
    return -1;
}

static struct col_id *add_col(struct ctx *x, long t, const char *start, const char *final)
{
    struct tab_id *tb = &x->tabs[t];
    struct col_id *c = MP_PUSH(x->a, tb->cols, tb->ncols, tb->capcols);
    c->start = start;
    c->final = final;
    c->cur = start;
    return c;
}

static int bad(struct ctx *x, const struct mp_op *op, const char *why)
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
static int resolve(struct ctx *x, const struct mp_changeset *cs)
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
            if ((t = tab_by_start(x, op->table)) < 0)
                return bad(x, op, "no such table in the start schema");
            if (!x->tabs[t].final || x->tabs[t].final != x->tabs[t].start)
                return bad(x, op, "the table is renamed or dropped twice");
            x->tabs[t].final = op->kind == MP_OP_RENAME_TABLE ? op->new_name : NULL;
            break;
        case MP_OP_RENAME_COLUMN:
        case MP_OP_DROP_COLUMN: {
            if ((t = tab_by_start(x, op->table)) < 0)
                return bad(x, op, "no such table in the start schema");
            long c = col_by_start(x, t, op->name);
            if (c < 0)
                return bad(x, op, "no such column in the start schema");
            struct col_id *ci = &x->tabs[t].cols[c];
            if (ci->final != ci->start)
                return bad(x, op, "the column is renamed or dropped twice");
            ci->final = op->kind == MP_OP_RENAME_COLUMN ? op->new_name : NULL;
            break;
        }
        case MP_OP_CREATE_TABLE: {
            if (!op->def)
                return bad(x, op, "no table definition");
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
        long t = tab_by_final(x, op->table);
        if (t < 0)
            return bad(x, op, "no such table in the desired schema");
        if (col_by_final(x, t, op->column.name) >= 0)
            return bad(x, op, "the column already exists in the desired schema");
        add_col(x, t, NULL, op->column.name);
    }
    return 0;
}

/* ---- nodes and events ---- */

static struct node *add_node(struct ctx *x, enum mp_op_kind k, long src, const struct mp_op *op)
{
    struct node *n = MP_PUSH(x->a, x->nodes, x->nnodes, x->capnodes);
    n->kind = k;
    n->src = src;
    n->op = op;
    n->t = n->c = -1;
    return n;
}

static void ev(struct ctx *x, long node, enum role r, const char *key, const char *what)
{
    struct ev *e = MP_PUSH(x->a, x->evs, x->nevs, x->capevs);
    e->key = key;
    e->what = what;
    e->node = node;
    e->role = r;
}

static const char *tname(struct ctx *x, long t)
{
    const struct tab_id *tb = &x->tabs[t];
    return tb->final ? tb->final : tb->start;
}

static const char *what_table(struct ctx *x, long t)
{
    return mp_arena_printf(x->a, "table \"%s\"", tname(x, t));
}

static const char *what_col(struct ctx *x, long t, long c)
{
    const struct col_id *ci = &x->tabs[t].cols[c];
    return mp_arena_printf(x->a, "column \"%s\".\"%s\"", tname(x, t), ci->final ? ci->final : ci->start);
}

static int cmp_long(const void *p, const void *q)
{
    long a = *(const long *)p, b = *(const long *)q;
    return (a > b) - (a < b);
}

/* Resolve column names of table t (start or final vocabulary) into ids;
 * returns false when one is unknown. */
static bool col_ids(struct ctx *x, long t, const struct mp_names *n, bool final, long *out)
{
    for (size_t i = 0; i < n->n; i++) {
        out[i] = final ? col_by_final(x, t, n->v[i]) : col_by_start(x, t, n->v[i]);
        if (out[i] < 0)
            return false;
    }
    return true;
}

static const char *ukey(struct ctx *x, long t, const long *ids, size_t n)
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
static int fk_events(struct ctx *x, long node, long t, const struct mp_fk *f, bool final, bool need,
                     bool target_needed)
{
    long rt = final ? tab_by_final(x, f->ref_table) : tab_by_start(x, f->ref_table);
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
            ev(x, node, WAITFREE, mp_arena_printf(x->a, "R:%s", fold(x, x->tabs[rt].final)),
               mp_arena_printf(x->a, "name \"%s\"", x->tabs[rt].final));
        return 0;
    }
    ev(x, node, r, mp_arena_printf(x->a, "T:%ld", rt), what_table(x, rt));
    for (size_t i = 0; i < f->ref_cols.n; i++)
        ev(x, node, r, mp_arena_printf(x->a, "C:%ld:%ld", rt, rc[i]), what_col(x, rt, rc[i]));
    ev(x, node, r, ukey(x, rt, rc, f->ref_cols.n),
       mp_arena_printf(x->a, "the unique key of \"%s\"", tname(x, rt)));
    return 0;
}

static void table_name_events(struct ctx *x, long node, enum role r, const struct mp_table *t)
{
    ev(x, node, r, mp_arena_printf(x->a, "R:%s", fold(x, t->name)),
       mp_arena_printf(x->a, "name \"%s\"", t->name));
    for (size_t i = 0; i < t->nindexes; i++)
        ev(x, node, r, mp_arena_printf(x->a, "R:%s", fold(x, t->indexes[i].name)),
           mp_arena_printf(x->a, "name \"%s\"", t->indexes[i].name));
    if (x->d == MP_POSTGRES) {
        if (t->pk_name)
            ev(x, node, r, mp_arena_printf(x->a, "R:%s", fold(x, t->pk_name)),
               mp_arena_printf(x->a, "name \"%s\"", t->pk_name));
        for (size_t i = 0; i < t->nuniques; i++)
            if (t->uniques[i].name)
                ev(x, node, r, mp_arena_printf(x->a, "R:%s", fold(x, t->uniques[i].name)),
                   mp_arena_printf(x->a, "name \"%s\"", t->uniques[i].name));
    }
}

static int node_events(struct ctx *x, long ni)
{
    struct node *n = &x->nodes[ni];
    const struct mp_op *op = n->op;
    struct ctx *c = x;
    long t = n->t;
    switch (n->kind) {
    case MP_OP_CREATE_TABLE: {
        const struct mp_table *d = n->def;
        table_name_events(c, ni, ACQ, d);
        ev(c, ni, MAKE, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        long *ids = mp_arena_alloc(c->a, (d->ncols + 1) * sizeof *ids);
        for (size_t i = 0; i < d->ncols; i++) {
            ids[i] = col_by_final(c, t, d->cols[i].name);
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
                return bad(c, op, "a foreign key names an unknown table or column");
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
                return bad(c, op, "a foreign key of the dropped table names an unknown table");
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
        const char *fk = tab ? mp_arena_printf(c->a, "R:%s", fold(c, from))
                             : mp_arena_printf(c->a, "N:%ld:%s", t, fold(c, from));
        const char *tk = tab ? mp_arena_printf(c->a, "R:%s", fold(c, to))
                             : mp_arena_printf(c->a, "N:%ld:%s", t, fold(c, to));
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
        ev(c, ni, ACQ, mp_arena_printf(c->a, "N:%ld:%s", t, fold(c, op->column.name)),
           mp_arena_printf(c->a, "column name \"%s\"", op->column.name));
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        ev(c, ni, MAKE, mp_arena_printf(c->a, "C:%ld:%ld", t, n->c), what_col(c, t, n->c));
        return 0;
    case MP_OP_DROP_COLUMN:
        ev(c, ni, REL, mp_arena_printf(c->a, "N:%ld:%s", t, fold(c, op->name)),
           mp_arena_printf(c->a, "column name \"%s\"", op->name));
        ev(c, ni, KILL, mp_arena_printf(c->a, "C:%ld:%ld", t, n->c), what_col(c, t, n->c));
        return 0;
    case MP_OP_ADD_FK:
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        if (fk_events(c, ni, t, &n->fk, true, true, true))
            return bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_DROP_FK:
        if (fk_events(c, ni, t, &n->fk, false, false, true))
            return bad(c, op, "the foreign key names an unknown table or column");
        return 0;
    case MP_OP_ADD_INDEX: {
        const struct mp_index *ix = &op->index;
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, true, ids))
            return bad(c, op, "the index names an unknown column");
        ev(c, ni, ACQ, mp_arena_printf(c->a, "R:%s", fold(c, ix->name)), mp_arena_printf(c->a, "name \"%s\"", ix->name));
        ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, NEED, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        if (ix->unique)
            ev(c, ni, MAKE, ukey(c, t, ids, ix->cols.n),
               mp_arena_printf(c->a, "the unique key of \"%s\"", tname(c, t)));
        return 0;
    }
    case MP_OP_DROP_INDEX: {
        const struct mp_table *st = c->tabs[t].st;
        long xi = mp_table_find_index(st, c->d, op->name);
        if (xi < 0)
            return bad(c, op, "no such index in the start schema");
        const struct mp_index *ix = &st->indexes[xi];
        long *ids = mp_arena_alloc(c->a, (ix->cols.n + 1) * sizeof *ids);
        if (!col_ids(c, t, &ix->cols, false, ids))
            return bad(c, op, "the index names an unknown column");
        ev(c, ni, REL, mp_arena_printf(c->a, "R:%s", fold(c, ix->name)), mp_arena_printf(c->a, "name \"%s\"", ix->name));
        for (size_t i = 0; i < ix->cols.n; i++)
            ev(c, ni, USE, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        if (ix->unique)
            ev(c, ni, KILL, ukey(c, t, ids, ix->cols.n),
               mp_arena_printf(c->a, "the unique key of \"%s\"", tname(c, t)));
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
            return bad(c, op, "the unique constraint names an unknown column");
        if (c->d == MP_POSTGRES && u->name)
            ev(c, ni, add ? ACQ : REL, mp_arena_printf(c->a, "R:%s", fold(c, u->name)),
               mp_arena_printf(c->a, "name \"%s\"", u->name));
        if (add)
            ev(c, ni, NEED, mp_arena_printf(c->a, "T:%ld", t), what_table(c, t));
        for (size_t i = 0; i < u->cols.n; i++)
            ev(c, ni, add ? NEED : USE, mp_arena_printf(c->a, "C:%ld:%ld", t, ids[i]), what_col(c, t, ids[i]));
        ev(c, ni, add ? MAKE : KILL, ukey(c, t, ids, u->cols.n),
           mp_arena_printf(c->a, "the unique key of \"%s\"", tname(c, t)));
        return 0;
    }
    case MP_OP__COUNT:
        break;
    }
    return 0;
}

/* Create the nodes of the change set, resolving each op's table/column. */
static int make_nodes(struct ctx *x, const struct mp_changeset *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        const struct mp_op *op = &cs->ops[i];
        struct node *n = add_node(x, op->kind, (long)i, op);
        long t;
        switch (op->kind) {
        case MP_OP_CREATE_TABLE:
            t = tab_by_final(x, op->def->name);
            n->def = mp_table_clone(x->a, op->def);
            x->tabs[t].create_node = (long)i;
            break;
        case MP_OP_ADD_COLUMN:
        case MP_OP_ADD_FK:
        case MP_OP_ADD_INDEX:
        case MP_OP_ADD_UNIQUE:
            t = tab_by_final(x, op->table);
            if (t < 0)
                return bad(x, op, "no such table in the desired schema");
            if (op->kind == MP_OP_ADD_COLUMN)
                n->c = col_by_final(x, t, op->column.name);
            break;
        default:
            t = tab_by_start(x, op->table);
            if (t < 0)
                return bad(x, op, "no such table in the start schema");
            if (op->kind == MP_OP_DROP_COLUMN || op->kind == MP_OP_RENAME_COLUMN || mp_op_alters_column(op->kind)) {
                n->c = col_by_start(x, t, op->name);
                if (n->c < 0)
                    return bad(x, op, "no such column in the start schema");
                if (mp_op_alters_column(op->kind) && !x->tabs[t].cols[n->c].final)
                    return bad(x, op, "the column is dropped by the same change set");
            }
            if (op->kind == MP_OP_RENAME_INDEX && mp_table_find_index(x->tabs[t].st, x->d, op->name) < 0)
                return bad(x, op, "no such index in the start schema");
            if (op->kind == MP_OP_DROP_TABLE) {
                x->tabs[t].drop_node = (long)i;
                n->detached = mp_arena_alloc(x->a, (x->tabs[t].st->nfks + 1) * sizeof(bool));
            }
            break;
        }
        n->t = t;
        n->fk = op->fk;
    }
    /* previous added column of the same table, by desired position */
    for (size_t i = 0; i < x->nnodes; i++) {
        struct node *n = &x->nodes[i];
        n->prev_pos = -1;
        if (n->kind != MP_OP_ADD_COLUMN)
            continue;
        for (size_t j = 0; j < x->nnodes; j++) {
            const struct node *m = &x->nodes[j];
            if (m->kind == MP_OP_ADD_COLUMN && m->t == n->t && m->op->position < n->op->position &&
                m->op->position > n->prev_pos)
                n->prev_pos = m->op->position;
        }
    }
    return 0;
}

/* ---- ranking and sorting ---- */

static int kind_priority(enum mp_op_kind k)
{
    /* pg_dump-style pre-sort: removals first, then renames, then additions;
     * the topological sort departs from it only where an edge demands. */
    static const int prio[MP_OP__COUNT] = {
        [MP_OP_DROP_FK] = 0, [MP_OP_DROP_UNIQUE] = 1, [MP_OP_DROP_INDEX] = 2,
        [MP_OP_RENAME_INDEX] = 3, [MP_OP_RENAME_TABLE] = 4, [MP_OP_RENAME_COLUMN] = 5,
        [MP_OP_DROP_COLUMN] = 6, [MP_OP_DROP_TABLE] = 7, [MP_OP_CREATE_TABLE] = 8,
        [MP_OP_ADD_COLUMN] = 9, [MP_OP_DROP_DEFAULT] = 10, [MP_OP_DROP_NOT_NULL] = 11,
        [MP_OP_ALTER_TYPE] = 12, [MP_OP_SET_DEFAULT] = 13, [MP_OP_SET_NOT_NULL] = 14,
        [MP_OP_ADD_UNIQUE] = 15, [MP_OP_ADD_INDEX] = 16, [MP_OP_ADD_FK] = 17,
    };
    return prio[k];
}

static struct ctx *sort_ctx;

static int cmp_rank(const void *p, const void *q)
{
    const struct node *a = &sort_ctx->nodes[*(const long *)p], *b = &sort_ctx->nodes[*(const long *)q];
    int pa = kind_priority(a->kind), pb = kind_priority(b->kind);
    if (pa != pb)
        return pa - pb;
    int c = strcmp(a->desc, b->desc);
    if (c)
        return c;
    if (a->half != b->half)
        return a->half - b->half;
    return (a->src > b->src) - (a->src < b->src);
}

static void describe_node(struct ctx *x, struct node *n)
{
    struct mp_buf b = {0};
    struct mp_op tmp = n->op ? *n->op : (struct mp_op){0}; /* repair steps have no change-set op */
    tmp.kind = n->kind;
    tmp.fk = n->fk;
    if (n->kind == MP_OP_DROP_FK || n->kind == MP_OP_ADD_FK)
        tmp.table = n->kind == MP_OP_DROP_FK ? x->tabs[n->t].start : x->tabs[n->t].final;
    if (n->kind == MP_OP_CREATE_TABLE)
        tmp.table = n->def->name;
    mp_op_describe(&b, &tmp);
    if (n->half)
        mp_buf_printf(&b, " (part %d, through \"%s\")", n->half, n->tmp);
    n->desc = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
}

static int cmp_ev(const void *p, const void *q)
{
    const struct ev *a = p, *b = q;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    if (a->node != b->node)
        return (a->node > b->node) - (a->node < b->node);
    return (int)a->role - (int)b->role;
}

static void add_edge(struct ctx *x, long from, long to, const struct ev *fe)
{
    if (from == to)
        return;
    struct edge *e = MP_PUSH(x->a, x->edges, x->nedges, x->capedges);
    e->from = from;
    e->to = to;
    e->type = fe->key[0];
    e->from_role = fe->role;
    e->what = fe->what;
}

static int build_graph(struct ctx *x)
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
                const struct ev *p = &x->evs[i], *q = &x->evs[j];
                if ((p->role == REL && (q->role == ACQ || q->role == WAITFREE)) ||
                    (p->role == MAKE && q->role == NEED) || (p->role == USE && q->role == KILL))
                    add_edge(x, p->node, q->node, p);
            }
        lo = hi;
    }
    return 0;
}

/* Kahn's algorithm with a binary min-heap on rank: among the ready nodes the
 * one earliest in the pre-sort goes first, so the result is stable.
 * Returns the number of nodes placed into order[]. */
static size_t topo_sort(struct ctx *x, long *order, long *indeg)
{
    size_t n = x->nnodes;
    long *heap = malloc((n + 1) * sizeof *heap);
    long *start = calloc(n + 1, sizeof *start);
    long *adj = malloc((x->nedges + 1) * sizeof *adj);
    if (!heap || !start || !adj)
        mp_oom();
    memset(indeg, 0, n * sizeof *indeg);
    for (size_t i = 0; i < x->nedges; i++) {
        start[x->edges[i].from + 1]++;
        indeg[x->edges[i].to]++;
    }
    for (size_t i = 0; i < n; i++)
        start[i + 1] += start[i];
    long *fill = malloc((n + 1) * sizeof *fill);
    if (!fill)
        mp_oom();
    memcpy(fill, start, n * sizeof *fill);
    for (size_t i = 0; i < x->nedges; i++)
        adj[fill[x->edges[i].from]++] = x->edges[i].to;
    free(fill);
    size_t hn = 0, placed = 0;
#define RANK(v) (x->nodes[v].rank)
#define PUSH(v)                                                                   \
    do {                                                                          \
        size_t k_ = hn++;                                                         \
        heap[k_] = (v);                                                           \
        while (k_ && RANK(heap[(k_ - 1) / 2]) > RANK(heap[k_])) {                 \
            long t_ = heap[k_]; heap[k_] = heap[(k_ - 1) / 2]; heap[(k_ - 1) / 2] = t_; \
            k_ = (k_ - 1) / 2;                                                    \
        }                                                                         \
    } while (0)
    for (size_t i = 0; i < n; i++)
        if (indeg[i] == 0)
            PUSH((long)i);
    while (hn) {
        long v = heap[0];
        heap[0] = heap[--hn];
        for (size_t k = 0;;) {
            size_t l = 2 * k + 1, r = l + 1, m = k;
            if (l < hn && RANK(heap[l]) < RANK(heap[m])) m = l;
            if (r < hn && RANK(heap[r]) < RANK(heap[m])) m = r;
            if (m == k) break;
            long t = heap[k]; heap[k] = heap[m]; heap[m] = t;
            k = m;
        }
        order[placed++] = v;
        for (long e = start[v]; e < start[v + 1]; e++)
            if (--indeg[adj[e]] == 0)
                PUSH(adj[e]);
    }
#undef PUSH
#undef RANK
    free(heap);
    free(start);
    free(adj);
    return placed;
}

/* Find a loop among the nodes still having in-degree > 0: walk back along
 * incoming edges from such nodes until a node repeats. Returns its length;
 * members go to loop[]. */
static size_t find_loop(struct ctx *x, const long *indeg, long *loop, const size_t *in_start,
                        const size_t *in_edges, bool *blocked)
{
    size_t n = x->nnodes;
    long first = -1;
    for (size_t i = 0; i < n; i++)
        if (indeg[i] > 0 && !blocked[i] && (first < 0 || x->nodes[i].rank < x->nodes[first].rank))
            first = (long)i;
    if (first < 0)
        return 0;
    long *seen = malloc(n * sizeof *seen);
    if (!seen)
        mp_oom();
    for (size_t i = 0; i < n; i++)
        seen[i] = -1;
    size_t len = 0;
    long v = first;
    for (;;) {
        while (v >= 0 && seen[v] < 0) {
            seen[v] = (long)len;
            loop[len++] = v;
            long pred = -1;
            for (size_t k = in_start[v]; k < in_start[v + 1]; k++) {
                long f = x->edges[in_edges[k]].from;
                if (indeg[f] > 0 && !blocked[f] && (pred < 0 || x->nodes[f].rank < x->nodes[pred].rank))
                    pred = f;
            }
            v = pred;
        }
        if (v >= 0 && seen[v] >= 0 && seen[v] != -2)
            break;
        /* the walk only leads into loops found before (or into a dead end):
         * its nodes wait on those, so skip them and walk from another node */
        for (size_t k = 0; k < len; k++) {
            blocked[loop[k]] = true;
            seen[loop[k]] = -2;
        }
        len = 0;
        v = -1;
        for (size_t i = 0; i < n; i++)
            if (indeg[i] > 0 && !blocked[i] && (v < 0 || x->nodes[i].rank < x->nodes[v].rank))
                v = (long)i;
        if (v < 0) {
            free(seen);
            return 0;
        }
    }
    size_t from = (size_t)seen[v];
    memmove(loop, loop + from, (len - from) * sizeof *loop);
    free(seen);
    return len - from;
}

/* Incoming edges of every node as CSR: edges into v are
 * in_edges[in_start[v] .. in_start[v+1]).  Both malloc'd. */
static void incoming(const struct ctx *x, size_t **start_out, size_t **edges_out)
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

static bool name_used(struct ctx *x, const char *name)
{
    for (size_t i = 0; i < x->ntabs; i++) {
        const struct tab_id *tb = &x->tabs[i];
        if ((tb->start && mp_name_eq(x->d, tb->start, name)) || (tb->final && mp_name_eq(x->d, tb->final, name)))
            return true;
    }
    if (mp_vschema_name_taken(x->start, x->d, name))
        return true;
    for (size_t i = 0; i < x->nnodes; i++) {
        const struct node *n = &x->nodes[i];
        if (n->tmp && mp_name_eq(x->d, n->tmp, name))
            return true;
        if (n->kind == MP_OP_ADD_INDEX && mp_name_eq(x->d, n->op->index.name, name))
            return true;
        if (n->kind == MP_OP_RENAME_INDEX && mp_name_eq(x->d, n->op->new_name, name))
            return true;
        if (n->kind == MP_OP_ADD_UNIQUE && n->op->unique.name && mp_name_eq(x->d, n->op->unique.name, name))
            return true;
        if (n->kind == MP_OP_CREATE_TABLE && mp_vschema_name_taken(
                &(struct mp_schema){.tables = (struct mp_table **)&n->def, .ntables = 1}, x->d, name))
            return true;
    }
    return false;
}

static const char *temp_name(struct ctx *x, long t)
{
    for (;;) {
        const char *cand = mp_arena_printf(x->a, "_mp_tmp_%d", ++x->tmp_counter);
        if (t < 0 ? !name_used(x, cand)
                  : (col_by_start(x, t, cand) < 0 && col_by_final(x, t, cand) < 0))
            return cand;
    }
}

static bool in_loop(const long *loop, size_t len, long v)
{
    for (size_t i = 0; i < len; i++)
        if (loop[i] == v)
            return true;
    return false;
}

/* Repair one loop; 0 on success, MP_ECYCLE when no known shape applies. */
static int repair(struct ctx *x, const long *loop, size_t len)
{
    /* 1. a rename in the loop goes through a temporary name */
    for (size_t i = 0; i < len; i++) {
        struct node *n = &x->nodes[loop[i]];
        if ((n->kind == MP_OP_RENAME_TABLE || n->kind == MP_OP_RENAME_COLUMN || n->kind == MP_OP_RENAME_INDEX) &&
            n->half == 0) {
            n->half = 1;
            n->tmp = temp_name(x, n->kind == MP_OP_RENAME_COLUMN ? n->t : -1);
            n->desc = NULL;
            struct node copy = *n;
            struct node *m = add_node(x, copy.kind, copy.src, copy.op);
            *m = copy;
            m->half = 2;
            return 0;
        }
    }
    /* 2. a CREATE TABLE whose inline foreign key needs another loop member:
     * split the foreign key out into ADD FOREIGN KEY (pg_dump's repair) */
    for (size_t i = 0; i < len; i++) {
        struct node *n = &x->nodes[loop[i]];
        if (n->kind != MP_OP_CREATE_TABLE)
            continue;
        for (size_t j = 0; j < n->def->nfks; j++) {
            long rt = tab_by_final(x, n->def->fks[j].ref_table);
            if (rt < 0 || rt == n->t)
                continue;
            bool needs_member = in_loop(loop, len, x->tabs[rt].create_node);
            for (size_t k = 0; k < len && !needs_member; k++)
                needs_member = x->nodes[loop[k]].t == rt && x->nodes[loop[k]].kind != MP_OP_CREATE_TABLE;
            if (!needs_member)
                continue;
            struct mp_fk f = n->def->fks[j];
            memmove(&n->def->fks[j], &n->def->fks[j + 1], (n->def->nfks - j - 1) * sizeof f);
            n->def->nfks--;
            n->desc = NULL;
            long src = n->src, t = n->t;
            const struct mp_op *op = n->op;
            struct node *m = add_node(x, MP_OP_ADD_FK, src, op);
            m->t = t;
            m->fk = f;
            return 0;
        }
    }
    /* 3. DROP TABLEs whose foreign keys point at each other: drop one
     * foreign key first */
    for (size_t i = 0; i < len; i++) {
        struct node *n = &x->nodes[loop[i]];
        if (n->kind != MP_OP_DROP_TABLE)
            continue;
        const struct mp_table *st = x->tabs[n->t].st;
        for (size_t j = 0; j < st->nfks; j++) {
            long rt = tab_by_start(x, st->fks[j].ref_table);
            if (n->detached[j] || rt == n->t || rt < 0 || !in_loop(loop, len, x->tabs[rt].drop_node))
                continue;
            n->detached[j] = true;
            long src = n->src, t = n->t;
            struct node *m = add_node(x, MP_OP_DROP_FK, -1, NULL);
            m->t = t;
            m->fk = st->fks[j];
            (void)src;
            return 0;
        }
    }
    struct mp_buf b = {0};
    mp_buf_add(&b, "change set cannot be ordered: these operations wait on each other:");
    for (size_t i = 0; i < len; i++)
        mp_buf_printf(&b, " [%s]", x->nodes[loop[i]].desc);
    mp_error_set(x->err, MP_ECYCLE, "%s", mp_buf_str(&b));
    mp_buf_free(&b);
    return MP_ECYCLE;
}

/* ---- concrete steps ---- */

static const char *cur_table(struct ctx *x, long t)
{
    return x->tabs[t].cur ? x->tabs[t].cur : x->tabs[t].final;
}

static const char *cur_col(struct ctx *x, long t, long c)
{
    const struct col_id *ci = &x->tabs[t].cols[c];
    return ci->cur ? ci->cur : ci->final;
}

/* Names of an FK (vocabulary `final`) on table t turned into current names. */
static struct mp_fk concrete_fk(struct ctx *x, long t, const struct mp_fk *f, bool final)
{
    struct mp_fk r = *f;
    long rt = final ? tab_by_final(x, f->ref_table) : tab_by_start(x, f->ref_table);
    r.cols.v = mp_arena_alloc(x->a, (f->cols.n + 1) * sizeof *r.cols.v);
    r.ref_cols.v = mp_arena_alloc(x->a, (f->ref_cols.n + 1) * sizeof *r.ref_cols.v);
    for (size_t i = 0; i < f->cols.n; i++) {
        long c = final ? col_by_final(x, t, f->cols.v[i]) : col_by_start(x, t, f->cols.v[i]);
        r.cols.v[i] = cur_col(x, t, c);
    }
    r.ref_table = cur_table(x, rt);
    for (size_t i = 0; i < f->ref_cols.n; i++) {
        long c = final ? col_by_final(x, rt, f->ref_cols.v[i]) : col_by_start(x, rt, f->ref_cols.v[i]);
        r.ref_cols.v[i] = cur_col(x, rt, c);
    }
    return r;
}

static struct mp_op concrete(struct ctx *x, const struct node *n)
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
            if (tab_by_final(x, n->def->fks[i].ref_table) == t)
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
        op.index.cols.v = mp_arena_alloc(x->a, (op.index.cols.n + 1) * sizeof(char *));
        for (size_t i = 0; i < op.index.cols.n; i++)
            op.index.cols.v[i] = cur_col(x, t, col_by_final(x, t, n->op->index.cols.v[i]));
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
        op.table = cur_table(x, t);
        op.name = cur_col(x, t, n->c);
        op.column = n->op->column;
        op.lossy = n->op->lossy;
        break;
    case MP_OP_ADD_UNIQUE:
    case MP_OP_DROP_UNIQUE: {
        bool add = n->kind == MP_OP_ADD_UNIQUE;
        op.table = cur_table(x, t);
        op.unique = n->op->unique;
        op.unique.cols.v = mp_arena_alloc(x->a, (op.unique.cols.n + 1) * sizeof(char *));
        for (size_t i = 0; i < op.unique.cols.n; i++) {
            const char *cn = n->op->unique.cols.v[i];
            op.unique.cols.v[i] = cur_col(x, t, add ? col_by_final(x, t, cn) : col_by_start(x, t, cn));
        }
        break;
    }
    case MP_OP__COUNT:
        break;
    }
    return op;
}

/* Update current names after node n ran. */
static void advance(struct ctx *x, const struct node *n, const struct mp_op *op)
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

static const char *rebuild_name(struct ctx *x, const struct mp_schema *s, const char *table)
{
    const char *cand = mp_arena_printf(x->a, "_mp_new_%s", table);
    for (int i = 2; mp_vschema_name_taken(s, x->d, cand); i++)
        cand = mp_arena_printf(x->a, "_mp_new%d_%s", i, table);
    return cand;
}

static const char *edge_reason(struct ctx *x, const struct edge *e, long step)
{
    switch (e->from_role) {
    case REL: return mp_arena_printf(x->a, "after step %ld: it frees the %s", step, e->what);
    case MAKE:
        if (e->type == 'P')
            return mp_arena_printf(x->a, "after step %ld: columns are added in the desired order", step);
        return mp_arena_printf(x->a, "after step %ld: needs %s", step, e->what);
    case USE: return mp_arena_printf(x->a, "after step %ld: it still uses %s", step, e->what);
    default: return mp_arena_printf(x->a, "after step %ld", step);
    }
}

/* Apply one concrete step to the virtual schema and render it. */
static int emit(struct ctx *x, struct mp_plan *p, struct mp_op op, long src, const char *why,
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
    mp_sql_step(&b, &op, x->d, p->final, old, tmp, p->fault);
    st->sql = mp_arena_strdup(x->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return 0;
}

static int plan_naive(struct ctx *x, const struct mp_changeset *cs, struct mp_plan *p)
{
    for (size_t i = 0; i < cs->n; i++) {
        struct mp_op op = cs->ops[i];
        if (op.kind == MP_OP_CREATE_TABLE)
            op.table = op.def->name;
        emit(x, p, op, (long)i, NULL, true);
    }
    return 0;
}

static int plan_build(struct mp_arena *a, const struct mp_schema *start, const struct mp_changeset *cs,
                      enum mp_dialect d, enum mp_solver_kind solver, struct mp_plan *p, struct mp_error *err);

int mp_plan_build(struct mp_arena *a, const struct mp_schema *start,
                  const struct mp_changeset *cs, enum mp_dialect d,
                  const struct mp_plan_options *opt, struct mp_plan **out, struct mp_error *err)
{
    static const struct mp_plan_options defaults = {0};
    if (!opt)
        opt = &defaults;
    enum mp_solver_kind solver = opt->solver;
    struct mp_plan *p = mp_arena_alloc(a, sizeof *p);
    p->dialect = d;
    p->fault = opt->fault;
    p->final = mp_schema_clone(a, start);
    /* every step checks names against the virtual schema: index them */
    mp_schema_index_names(p->final, d);
    int rc = plan_build(a, start, cs, d, solver, p, err);
    mp_schema_unindex_names(p->final);
    if (!rc)
        *out = p;
    return rc;
}

static int plan_build(struct mp_arena *a, const struct mp_schema *start, const struct mp_changeset *cs,
                      enum mp_dialect d, enum mp_solver_kind solver, struct mp_plan *p, struct mp_error *err)
{
    struct ctx x = {.a = a, .d = d, .start = start, .err = err};
    if (solver == MP_SOLVER_NAIVE)
        return plan_naive(&x, cs, p);
    int rc = resolve(&x, cs);
    if (!rc)
        rc = make_nodes(&x, cs);
    long *order = NULL, *indeg = NULL, *loop = NULL;
    size_t placed = 0;
    for (size_t attempt = 0; !rc; attempt++) {
        for (size_t i = 0; i < x.nnodes; i++)
            if (!x.nodes[i].desc)
                describe_node(&x, &x.nodes[i]);
        long *idx = malloc((x.nnodes + 1) * sizeof *idx);
        if (!idx)
            mp_oom();
        for (size_t i = 0; i < x.nnodes; i++)
            idx[i] = (long)i;
        sort_ctx = &x;
        qsort(idx, x.nnodes, sizeof *idx, cmp_rank);
        sort_ctx = NULL;
        for (size_t i = 0; i < x.nnodes; i++)
            x.nodes[idx[i]].rank = (long)i;
        free(idx);
        if ((rc = build_graph(&x)))
            break;
        free(order);
        free(indeg);
        free(loop);
        order = malloc((x.nnodes + 1) * sizeof *order);
        indeg = malloc((x.nnodes + 1) * sizeof *indeg);
        loop = malloc((x.nnodes + 1) * sizeof *loop);
        if (!order || !indeg || !loop)
            mp_oom();
        placed = topo_sort(&x, order, indeg);
        if (placed == x.nnodes)
            break;
        /* repair every disjoint loop found now, then sort again (one
         * rebuild per round, not per loop) */
        size_t *in_start, *in_edges;
        incoming(&x, &in_start, &in_edges);
        size_t nold = x.nnodes;
        bool *blocked = calloc(nold + 1, sizeof *blocked);
        long *loops = malloc((nold + 1) * sizeof *loops);
        size_t *lens = malloc((nold + 1) * sizeof *lens);
        if (!blocked || !loops || !lens)
            mp_oom();
        size_t nl = 0, used = 0;
        for (;;) {
            size_t len = find_loop(&x, indeg, loop, in_start, in_edges, blocked);
            if (!len)
                break;
            memcpy(loops + used, loop, len * sizeof *loop);
            lens[nl++] = len;
            used += len;
            for (size_t k = 0; k < len; k++)
                blocked[loop[k]] = true;
        }
        free(in_start);
        free(in_edges);
        if (attempt > 2 * cs->n + 8 || nl == 0)
            rc = mp_error_set(err, MP_ECYCLE, "change set cannot be ordered (repair did not converge)");
        for (size_t k = 0, off = 0; k < nl && !rc; off += lens[k], k++)
            rc = repair(&x, loops + off, lens[k]);
        free(blocked);
        free(loops);
        free(lens);
    }
    if (!rc) {
        /* step number of each node, for the comments; incoming edges of
         * each node (CSR), so this stays O(V + E) */
        long *pos = malloc((x.nnodes + 1) * sizeof *pos);
        size_t *in_start = calloc(x.nnodes + 2, sizeof *in_start);
        size_t *in_edges = malloc((x.nedges + 1) * sizeof *in_edges);
        if (!pos || !in_start || !in_edges)
            mp_oom();
        for (size_t i = 0; i < x.nnodes; i++)
            pos[order[i]] = (long)i + 1;
        for (size_t e = 0; e < x.nedges; e++)
            in_start[x.edges[e].to + 1]++;
        for (size_t i = 0; i < x.nnodes; i++)
            in_start[i + 1] += in_start[i];
        {
            size_t *fill = malloc((x.nnodes + 1) * sizeof *fill);
            if (!fill)
                mp_oom();
            memcpy(fill, in_start, x.nnodes * sizeof *fill);
            for (size_t e = 0; e < x.nedges; e++)
                in_edges[fill[x.edges[e].to]++] = e;
            free(fill);
        }
        for (size_t i = 0; i < x.nnodes && !rc; i++) {
            long v = order[i];
            struct mp_buf why = {0};
            int nwhy = 0;
            for (size_t k = in_start[v]; k < in_start[v + 1]; k++) {
                const struct edge *ed = &x.edges[in_edges[k]];
                const char *r = edge_reason(&x, ed, pos[ed->from]);
                bool dup = false;
                for (size_t q = p->ndeps; q-- > 0 && p->deps[q].to == i && !dup;)
                    dup = p->deps[q].from == (size_t)pos[ed->from] - 1;
                if (!dup) {
                    struct mp_plan_dep *dp = MP_PUSH(a, p->deps, p->ndeps, p->capdeps);
                    dp->from = (size_t)pos[ed->from] - 1;
                    dp->to = i;
                    dp->why = strchr(r, ':') ? strchr(r, ':') + 2 : r;
                }
                if (nwhy < 3 && !strstr(mp_buf_str(&why), r))
                    mp_buf_printf(&why, "%s%s", nwhy++ ? "; " : "", r);
            }
            struct mp_op op = concrete(&x, &x.nodes[v]);
            rc = emit(&x, p, op, x.nodes[v].src, nwhy ? mp_arena_strdup(a, why.s) : NULL, false);
            mp_buf_free(&why);
            if (!rc)
                advance(&x, &x.nodes[v], &op);
        }
        free(in_start);
        free(in_edges);
        free(pos);
    }
    free(order);
    free(indeg);
    free(loop);
    return rc;
}

void mp_plan_step_text(struct mp_buf *b, const struct mp_plan *p, size_t i)
{
    const struct mp_step *s = &p->steps[i];
    struct mp_buf d = {0};
    mp_op_describe(&d, &s->op);
    char *nl = strchr(d.s, '\n');
    if (nl)
        *nl = '\0';
    mp_buf_printf(b, "-- step %zu: %s\n", i + 1, d.s);
    mp_buf_free(&d);
    if (s->why)
        mp_buf_printf(b, "-- %s\n", s->why);
    if (s->invalid)
        mp_buf_printf(b, "-- INVALID: %s\n", s->invalid);
    mp_buf_add(b, s->sql);
}

void mp_plan_script(struct mp_buf *b, const struct mp_plan *p)
{
    bool fk_off = p->dialect == MP_SQLITE && p->sqlite_fk_off;
    mp_buf_printf(b, "-- migprop plan: %zu step%s, %s\n", p->n, p->n == 1 ? "" : "s",
                  mp_dialect_name(p->dialect));
    if (fk_off)
        mp_buf_add(b, "-- table rebuilds need foreign keys off, outside the transaction (SQLite ALTER TABLE 7)\n"
                      "PRAGMA foreign_keys=OFF;\n");
    mp_buf_add(b, "BEGIN;\n");
    for (size_t i = 0; i < p->n; i++) {
        mp_buf_addc(b, '\n');
        mp_plan_step_text(b, p, i);
    }
    if (fk_off)
        mp_buf_add(b, "\nPRAGMA foreign_key_check;\n");
    mp_buf_add(b, "COMMIT;\n");
    if (fk_off)
        mp_buf_add(b, "PRAGMA foreign_keys=ON;\n");
}
