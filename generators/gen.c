/* gen.c - random schemas and change sets. */
#include "gen.h"
#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"
#include "gen_features.h"
#include "gen_sequences.h"
#include "vschema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const table_pool[] = {
    "users", "posts", "comments", "tags", "orders", "items", "accounts", "projects",
    "tasks", "invoices", "events", "teams",
};
/* reserved words, mixed case, spaces, quotes, non-ASCII */
static const char *const odd_pool[] = {
    "user", "order", "select", "Group", "My Table", "it's", "a\"b", "Ünïcode", "TABLE",
    "check", "from", "Mixed Case", "where", "left",
};
static const char *const col_pool[] = {
    "name", "email", "title", "body", "amount", "status", "created", "score", "note",
    "price", "kind", "label",
};

struct g {
    struct mp_arena *a;
    struct mp_rng *r;
    const struct mp_schema *start; /* NULL while the start schema is built */
    struct mp_schema *s;   /* the schema being built/changed; its counter gives every new object its id */
    unsigned serial;       /* for fresh names */
    /* CHECK constraints and index definitions draw from a stream of their
     * own (seeded from the case's, which it does not advance) and name
     * checks from a counter of their own, so that adding them left the
     * rest of every generated case as it was */
    struct mp_rng fr;
    unsigned ck_serial;
};

static void features_on(struct g *g, struct mp_rng **saved)
{
    *saved = g->r;
    g->r = &g->fr;
}

static void add_check(struct g *g, struct mp_table *t);

static bool pick(struct g *g, unsigned num, unsigned den)
{
    return mp_rng_chance(g->r, num, den);
}

static size_t below(struct g *g, size_t n)
{
    return (size_t)mp_rng_below(g->r, n);
}

/* True when the object with identity `id` of the desired schema is a start
 * object (the start schema's ids are all at most its last_id; objects the
 * changes create get higher ones). */
static bool from_start(const struct g *g, uint32_t id)
{
    return g->start && id && id <= g->start->last_id;
}

/* The start table that desired table t is, or NULL when t is new. */
static const struct mp_table *start_table(const struct g *g, const struct mp_table *t)
{
    return from_start(g, t->id) ? mp_schema_table_by_id(g->start, t->id) : NULL;
}

/* Relation namespace taken (case-insensitive: valid on both dialects). */
static bool rel_taken(struct g *g, const char *name)
{
    if (strncasecmp(name, "sqlite_", 7) == 0 || strncasecmp(name, "_mp_", 4) == 0)
        return true;
    for (size_t i = 0; i < g->s->ntables; i++) {
        const struct mp_table *t = g->s->tables[i];
        if (strcasecmp(t->name, name) == 0 || mp_table_find_index(t, MP_SQLITE, name) >= 0)
            return true;
        for (size_t j = 0; j < t->nuniques; j++)
            if (t->uniques[j].name && strcasecmp(t->uniques[j].name, name) == 0)
                return true;
    }
    /* a new object never takes the name of a start object: without a rename
     * hint the diff would take it for that object */
    if (g->start)
        for (size_t i = 0; i < g->start->ntables; i++) {
            const struct mp_table *t = g->start->tables[i];
            if (strcasecmp(t->name, name) == 0 || mp_table_find_index(t, MP_SQLITE, name) >= 0)
                return true;
            for (size_t j = 0; j < t->nuniques; j++)
                if (t->uniques[j].name && strcasecmp(t->uniques[j].name, name) == 0)
                    return true;
        }
    return false;
}

static const char *fresh_rel(struct g *g, bool odd_ok)
{
    for (;;) {
        const char *base = odd_ok && pick(g, 1, 4) ? odd_pool[below(g, sizeof odd_pool / sizeof *odd_pool)]
                                                   : table_pool[below(g, sizeof table_pool / sizeof *table_pool)];
        const char *name = pick(g, 1, 2) ? base : mp_arena_printf(g->a, "%s%u", base, ++g->serial);
        if (!rel_taken(g, name))
            return name;
        name = mp_arena_printf(g->a, "%s_%u", base, ++g->serial);
        if (!rel_taken(g, name))
            return name;
    }
}

static bool col_taken(const struct g *g, const struct mp_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0)
            return true;
    /* nor the name of a column the table had at the start (see rel_taken) */
    const struct mp_table *st = start_table(g, t);
    if (st && mp_table_find_column(st, MP_SQLITE, name) >= 0)
        return true;
    return strncasecmp(name, "_mp_", 4) == 0;
}

static const char *fresh_col(struct g *g, const struct mp_table *t)
{
    for (;;) {
        const char *base = pick(g, 1, 5) ? odd_pool[below(g, sizeof odd_pool / sizeof *odd_pool)]
                                         : col_pool[below(g, sizeof col_pool / sizeof *col_pool)];
        const char *name = col_taken(g, t, base) ? mp_arena_printf(g->a, "%s%u", base, ++g->serial) : base;
        if (!col_taken(g, t, name))
            return name;
    }
}

static const char *fresh_index(struct g *g)
{
    for (;;) {
        const char *name = pick(g, 1, 5) ? mp_arena_printf(g->a, "Index %u", ++g->serial)
                                         : mp_arena_printf(g->a, "ix_%u", ++g->serial);
        if (!rel_taken(g, name))
            return name;
    }
}

static struct mp_type random_type(struct g *g)
{
    struct mp_type t = {0};
    switch (below(g, 10)) {
    case 0: t.kind = MP_TYPE_INTEGER; break;
    case 1: t.kind = MP_TYPE_BIGINT; break;
    case 2: t.kind = MP_TYPE_TEXT; break;
    case 3: t.kind = MP_TYPE_VARCHAR; t.len = 1 + (int)below(g, 200); break;
    case 4: t.kind = MP_TYPE_BOOLEAN; break;
    case 5: t.kind = MP_TYPE_DOUBLE; break;
    case 6: t.kind = MP_TYPE_NUMERIC; t.precision = 10; t.scale = (int)below(g, 4); break;
    case 7: t.kind = MP_TYPE_DATE; break;
    case 8: t.kind = MP_TYPE_TIMESTAMP; break;
    default: t.kind = MP_TYPE_BYTES; break;
    }
    return t;
}

static const char *random_default(struct g *g, const struct mp_type *t)
{
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT:
    case MP_TYPE_NUMERIC: return pick(g, 1, 2) ? "0" : "42";
    case MP_TYPE_TEXT:
    case MP_TYPE_VARCHAR:
        if (t->kind == MP_TYPE_VARCHAR && t->len < 4)
            return t->len < 3 ? NULL : "'n/a'"; /* a default must fit (PostgreSQL checks) */
        switch (below(g, 3)) {
        case 0: return "'n/a'";
        case 1: return "'it''s'";
        default: return "'a;b'"; /* a ';' inside a statement: scripts must not be split on it */
        }
    case MP_TYPE_BOOLEAN: return pick(g, 1, 2) ? "false" : "true";
    case MP_TYPE_DOUBLE: return "1.5";
    default: return NULL;
    }
}

/* A data column: nullable, or NOT NULL with a default (so it can be added). */
static void data_column(struct g *g, struct mp_table *t, const char *name)
{
    struct mp_type ty = mp_gen_feat_type(g->r, t, random_type(g));
    struct mp_column *c = mp_table_add_column(g->a, t, name, ty);
    c->id = mp_schema_new_id(g->s);
    const char *d = random_default(g, &ty);
    if (d && pick(g, 1, 2)) {
        c->default_sql = d;
        c->not_null = pick(g, 1, 2);
    }
    mp_gen_feat_collation(g->r, c);
    if (!c->default_sql)
        mp_gen_feat_generated(g->a, g->r, t, c);
}

static const char *fresh_constraint(struct g *g)
{
    for (;;) {
        const char *name = pick(g, 1, 5) ? mp_arena_printf(g->a, "Uq %u", ++g->serial)
                                         : mp_arena_printf(g->a, "uq_%u", ++g->serial);
        if (!rel_taken(g, name))
            return name;
    }
}

/* A named unique constraint on one or two columns of t (not the primary
 * key's columns alone). */
static void add_unique(struct g *g, struct mp_table *t)
{
    if (t->ncols < 2)
        return;
    size_t i = 1 + below(g, t->ncols - 1), j = below(g, t->ncols);
    const char *c[2] = {t->cols[i].name, t->cols[j].name};
    size_t nc = (i == j || pick(g, 1, 2)) ? 1 : 2;
    /* values the database makes or computes may repeat */
    if (mp_gen_feat_special(&t->cols[i]) || (nc == 2 && mp_gen_feat_special(&t->cols[j])))
        return;
    struct mp_names cols = mp_names_make(g->a, nc, c);
    if (mp_names_eq(MP_SQLITE, &cols, &t->pk))
        return;
    /* a column added with a default gives every existing row the same
     * value: no unique constraint over it alone in a table with rows */
    if (from_start(g, t->id))
        for (size_t k = 0; k < nc; k++) {
            const struct mp_column *col = &t->cols[k ? j : i];
            if (!from_start(g, col->id) && col->default_sql && (nc == 1 || !from_start(g, t->cols[k ? i : j].id)))
                return;
        }
    for (size_t k = 0; k < t->nuniques; k++)
        if (mp_names_eq(MP_SQLITE, &cols, &t->uniques[k].cols))
            return;
    struct mp_unique *u = mp_table_add_unique(g->a, t);
    u->name = fresh_constraint(g);
    u->cols = cols;
}

static const char *fk_name(struct g *g)
{
    return mp_arena_printf(g->a, "fk_%u", ++g->serial);
}

/* A new table: "id" primary key plus 1-3 data columns, sometimes a unique
 * index. Not added to the schema. */
static struct mp_table *new_table(struct g *g, const char *name)
{
    struct mp_table *t = mp_arena_alloc(g->a, sizeof *t);
    t->name = name;
    t->id = mp_schema_new_id(g->s);
    mp_gen_feat_table(g->r, t);
    struct mp_type idt = {.kind = pick(g, 3, 4) ? MP_TYPE_INTEGER : MP_TYPE_BIGINT};
    if (t->strict)
        idt.kind = MP_TYPE_INTEGER; /* STRICT has no BIGINT */
    struct mp_column *id = mp_table_add_column(g->a, t, pick(g, 4, 5) ? "id" : "Key", idt);
    id->id = mp_schema_new_id(g->s);
    id->not_null = true;
    mp_gen_feat_key(g->r, t, id);
    const char *pk[1] = {id->name};
    t->pk = mp_names_make(g->a, 1, pk);
    size_t n = 1 + below(g, 3);
    for (size_t i = 0; i < n; i++)
        data_column(g, t, fresh_col(g, t));
    if (pick(g, 1, 4))
        add_unique(g, t);
    struct mp_rng *main;
    features_on(g, &main);
    bool check = pick(g, 1, 3);
    g->r = main;
    if (check)
        add_check(g, t);
    return t;
}

/* Add to t a column referencing rt's primary key, with a foreign key. */
static void add_fk_column(struct g *g, struct mp_table *t, const struct mp_table *rt)
{
    const struct mp_column *rc = mp_table_column(rt, MP_SQLITE, rt->pk.v[0]);
    if (t->strict && !mp_strict_type_ok(&rc->type))
        return; /* a bigint key: STRICT has no such type */
    const char *name = fresh_col(g, t);
    if (!col_taken(g, t, mp_arena_printf(g->a, "%s_id", rt->name)) && strlen(rt->name) < 40)
        name = mp_arena_printf(g->a, "%s_id", rt->name);
    struct mp_type ty = rc->type;
    mp_table_add_column(g->a, t, name, ty)->id = mp_schema_new_id(g->s);
    struct mp_fk *f = mp_table_add_fk(g->a, t);
    f->name = fk_name(g);
    const char *c[1] = {name};
    f->cols = mp_names_make(g->a, 1, c);
    f->ref_table = rt->name;
    f->ref_cols = mp_names_copy(g->a, &rt->pk);
    static const enum mp_fk_action acts[] = {MP_FK_NO_ACTION, MP_FK_CASCADE, MP_FK_SET_NULL, MP_FK_RESTRICT};
    f->on_delete = acts[below(g, 4)];
    mp_gen_feat_fk(g->r, f);
    if (pick(g, 1, 2)) {
        const char *xname = fresh_index(g);
        struct mp_index *x = mp_table_add_index(g->a, t);
        x->name = xname;
        x->id = mp_schema_new_id(g->s);
        x->cols = mp_names_make(g->a, 1, c);
    }
}

/* A CHECK on a data column of t that every generated value passes (data.c:
 * numbers are not negative, dates from 2010, text short, and a text column
 * with an IN list gets its values from the list), or nothing. */
static void add_check(struct g *g, struct mp_table *t)
{
    struct mp_rng *main;
    features_on(g, &main);
    size_t i = t->ncols > 1 ? 1 + below(g, t->ncols - 1) : 0;
    const struct mp_column *c = &t->cols[i];
    bool fk = false;
    for (size_t j = 0; j < t->nfks; j++)
        fk |= mp_names_contains(MP_POSTGRES, &t->fks[j].cols, c->name);
    struct mp_buf e = {0};
    switch (fk || mp_names_contains(MP_POSTGRES, &t->pk, c->name) ? MP_TYPE_RAW : c->type.kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT:
    case MP_TYPE_NUMERIC:
    case MP_TYPE_DOUBLE:
        mp_buf_ident(&e, c->name);
        mp_buf_add(&e, pick(g, 1, 2) ? " >= 0" : " < 100000");
        break;
    case MP_TYPE_VARCHAR:
        mp_buf_add(&e, "length(");
        mp_buf_ident(&e, c->name);
        mp_buf_printf(&e, ") <= %d", c->type.len);
        break;
    case MP_TYPE_TEXT:
        if (!mp_table_column_in_unique_key(t, MP_POSTGRES, c->name) && pick(g, 1, 2)) {
            mp_buf_ident(&e, c->name);
            mp_buf_add(&e, " IN ('n/a', 'it''s', 'a;b', 't1', 't2')");
        } else {
            mp_buf_add(&e, "length(");
            mp_buf_ident(&e, c->name);
            mp_buf_add(&e, ") < 40");
        }
        break;
    case MP_TYPE_DATE:
    case MP_TYPE_TIMESTAMP:
        /* spelled as PostgreSQL prints the folded constant back */
        mp_buf_ident(&e, c->name);
        mp_buf_add(&e, c->type.kind == MP_TYPE_DATE ? " >= '2000-01-01'" : " >= '2000-01-01 00:00:00'");
        break;
    default:
        break;
    }
    if (e.len) {
        struct mp_check *k = mp_table_add_check(g->a, t);
        k->name = pick(g, 3, 4) ? mp_arena_printf(g->a, "ck_%u", ++g->ck_serial) : NULL;
        k->expr = mp_expr_norm(g->a, mp_buf_str(&e));
    }
    mp_buf_free(&e);
    g->r = main;
}

/* Make index x more than a column list, sometimes: DESC, a partial index
 * (WHERE col IS NOT NULL: every row passes or is left out, both fine), an
 * expression key lower(col) on a text column.  Only non-unique indexes get
 * a predicate or an expression (a unique one must stay a key data.c keeps
 * distinct).  Both dialects have all of these; methods, INCLUDE, NULLS
 * FIRST/LAST and operator classes are PostgreSQL's only and stay out of
 * cases that run on both. */
static void index_features(struct g *g, const struct mp_table *t, struct mp_index *x)
{
    struct mp_rng *main;
    features_on(g, &main);
    if (pick(g, 1, 4))
        mp_index_keys_make(g->a, x)[below(g, x->cols.n)].desc = true;
    const struct mp_column *c0 = mp_table_column(t, MP_POSTGRES, x->cols.v[0]);
    if (!x->unique && c0 && pick(g, 1, 4)) {
        struct mp_buf e = {0};
        mp_buf_ident(&e, c0->name);
        mp_buf_add(&e, " IS NOT NULL");
        x->where = mp_expr_norm(g->a, mp_buf_str(&e));
        mp_buf_free(&e);
    }
    if (!x->unique && c0 && (c0->type.kind == MP_TYPE_TEXT || c0->type.kind == MP_TYPE_VARCHAR) && pick(g, 1, 3)) {
        struct mp_buf e = {0};
        mp_buf_add(&e, "lower(");
        mp_buf_ident(&e, c0->name);
        mp_buf_addc(&e, ')');
        mp_index_keys_make(g->a, x)[0].expr = mp_expr_norm(g->a, mp_buf_str(&e));
        x->cols.v[0] = x->keys[0].expr;
        mp_buf_free(&e);
    }
    mp_index_tidy(x);
    g->r = main;
}

static void add_index(struct g *g, struct mp_table *t)
{
    size_t ci = below(g, t->ncols);
    const char *name = fresh_index(g);
    struct mp_index *x = mp_table_add_index(g->a, t);
    x->name = name;
    x->id = mp_schema_new_id(g->s);
    x->unique = pick(g, 1, 4);
    size_t cj = below(g, t->ncols);
    const char *c[2] = {t->cols[ci].name, t->cols[cj].name};
    x->cols = mp_names_make(g->a, (c[0] == c[1] || pick(g, 1, 2)) ? 1 : 2, c);
    if (mp_gen_feat_special(&t->cols[ci]) || (x->cols.n == 2 && mp_gen_feat_special(&t->cols[cj])))
        x->unique = false; /* values the database makes or computes may repeat */
    /* a column the change set adds to a start table with a default holds
     * that default in every start row: a unique index over it would fail
     * on any two rows, whatever the plan */
    if (from_start(g, t->id) &&
        ((!from_start(g, t->cols[ci].id) && t->cols[ci].default_sql) ||
         (x->cols.n == 2 && !from_start(g, t->cols[cj].id) && t->cols[cj].default_sql)))
        x->unique = false;
    index_features(g, t, x);
}

static struct mp_schema *gen_start(struct g *g, unsigned size, size_t ntables)
{
    g->s = mp_schema_new(g->a);
    size_t n = ntables ? ntables : 1 + below(g, size < 6 ? size + 1 : 6);
    for (size_t i = 0; i < n; i++) {
        struct mp_table *t = new_table(g, fresh_rel(g, true));
        *MP_PUSH(g->a, g->s->tables, g->s->ntables, g->s->captables) = t;
        if (i && pick(g, 2, 3))
            add_fk_column(g, t, g->s->tables[below(g, i)]);
        if (pick(g, 1, 4))
            add_fk_column(g, t, t); /* self-reference */
        if (pick(g, 1, 3))
            add_index(g, t);
    }
    return g->s;
}

/* ---- changes on the desired schema ---- */

static struct mp_table *any_table(struct g *g)
{
    return g->s->ntables ? g->s->tables[below(g, g->s->ntables)] : NULL;
}

/* Foreign keys of every table that reference table `name` follow a rename. */
static void retarget(struct g *g, const char *old, const char *new_name)
{
    for (size_t i = 0; i < g->s->ntables; i++)
        for (size_t j = 0; j < g->s->tables[i]->nfks; j++)
            if (strcmp(g->s->tables[i]->fks[j].ref_table, old) == 0)
                g->s->tables[i]->fks[j].ref_table = new_name;
}

static void rename_table(struct g *g, struct mp_table *t, const char *to)
{
    const char *old = t->name;
    t->name = to;
    retarget(g, old, to);
}

static void ch_rename_table(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (t)
        rename_table(g, t, fresh_rel(g, true));
}

/* Rotate names among k tables: a <-> b (k=2) or a -> b -> c -> a (k=3). */
static void ch_rename_cycle(struct g *g, size_t k)
{
    /* start tables only: a new table taking a start table's name would read,
     * to the diff, as that table (there is no hint for it) */
    size_t cand[64], nc = 0;
    for (size_t i = 0; i < g->s->ntables && nc < 64; i++)
        if (from_start(g, g->s->tables[i]->id))
            cand[nc++] = i;
    if (nc < k)
        return;
    size_t idx[3];
    for (size_t i = 0; i < k; i++) {
    again:
        idx[i] = cand[below(g, nc)];
        for (size_t j = 0; j < i; j++)
            if (idx[j] == idx[i])
                goto again;
    }
    const char *names[3];
    for (size_t i = 0; i < k; i++)
        names[i] = g->s->tables[idx[i]]->name;
    /* through placeholder names so retargeting stays unambiguous */
    for (size_t i = 0; i < k; i++)
        rename_table(g, g->s->tables[idx[i]], mp_arena_printf(g->a, "\x01%zu", i));
    for (size_t i = 0; i < k; i++)
        rename_table(g, g->s->tables[idx[i]], names[(i + 1) % k]);
}

static bool col_used(const struct mp_schema *s, const struct mp_table *t, const char *c)
{
    if (mp_names_contains(MP_POSTGRES, &t->pk, c) || mp_table_column_in_generated(t, c))
        return true;
    for (size_t i = 0; i < t->nuniques; i++)
        if (mp_names_contains(MP_POSTGRES, &t->uniques[i].cols, c))
            return true;
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++) {
            const struct mp_fk *f = &s->tables[i]->fks[j];
            if ((s->tables[i] == t && mp_names_contains(MP_POSTGRES, &f->cols, c)) ||
                (strcmp(f->ref_table, t->name) == 0 && mp_names_contains(MP_POSTGRES, &f->ref_cols, c)))
                return true;
        }
    return false;
}

static void ch_rename_column(struct g *g, bool swap)
{
    struct mp_table *t = any_table(g);
    if (!t)
        return;
    size_t i = below(g, t->ncols);
    /* a generation expression keeps its text: its columns keep their names */
    if (mp_table_column_in_generated(t, t->cols[i].name))
        return;
    if (swap && t->ncols >= 2) {
        size_t j = below(g, t->ncols);
        /* swap start columns only: a new column taking a start column's
         * name would read, to the diff, as that column (no hint) */
        if (i == j || !from_start(g, t->cols[i].id) || !from_start(g, t->cols[j].id) ||
            col_used(g->s, t, t->cols[i].name) || col_used(g->s, t, t->cols[j].name))
            return;
        const char *a = t->cols[i].name, *b = t->cols[j].name;
        mp_schema_rename_column_refs(g->a, g->s, t, a, "\x01");
        mp_schema_rename_column_refs(g->a, g->s, t, b, a);
        mp_schema_rename_column_refs(g->a, g->s, t, "\x01", b);
        t->cols[i].name = b;
        t->cols[j].name = a;
        return;
    }
    const char *to = fresh_col(g, t);
    mp_schema_rename_column_refs(g->a, g->s, t, t->cols[i].name, to);
    t->cols[i].name = to;
}

static void ch_add_column(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (t)
        data_column(g, t, fresh_col(g, t));
}

/* Drop t's indexes and checks that use column c (keys, expressions,
 * predicates): they go with it. */
static void drop_uses(struct mp_table *t, const char *c)
{
    for (size_t k = t->nindexes; k-- > 0;)
        if (mp_index_uses(MP_POSTGRES, &t->indexes[k], c)) {
            memmove(&t->indexes[k], &t->indexes[k + 1], (t->nindexes - k - 1) * sizeof t->indexes[0]);
            t->nindexes--;
        }
    size_t which;
    while (mp_table_checks_use(t, MP_POSTGRES, c, &which)) {
        memmove(&t->checks[which], &t->checks[which + 1], (t->nchecks - which - 1) * sizeof t->checks[0]);
        t->nchecks--;
    }
}

static void ch_drop_column(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (!t || t->ncols < 2)
        return;
    size_t i = below(g, t->ncols);
    const char *c = t->cols[i].name;
    if (col_used(g->s, t, c))
        return;
    /* indexes and checks on it go too (the hard case: drop an indexed column) */
    drop_uses(t, c);
    memmove(&t->cols[i], &t->cols[i + 1], (t->ncols - i - 1) * sizeof t->cols[0]);
    t->ncols--;
}

static void drop_fks_to(struct g *g, const struct mp_table *target)
{
    for (size_t i = 0; i < g->s->ntables; i++) {
        struct mp_table *t = g->s->tables[i];
        if (t == target)
            continue;
        for (size_t j = t->nfks; j-- > 0;)
            if (strcmp(t->fks[j].ref_table, target->name) == 0) {
                memmove(&t->fks[j], &t->fks[j + 1], (t->nfks - j - 1) * sizeof t->fks[0]);
                t->nfks--;
            }
    }
}

static void ch_drop_table(struct g *g)
{
    if (g->s->ntables < 2)
        return;
    size_t i = below(g, g->s->ntables);
    drop_fks_to(g, g->s->tables[i]);
    mp_schema_remove_table(g->s, i);
}

static void ch_create_tables(struct g *g)
{
    struct mp_table *t = new_table(g, fresh_rel(g, true));
    *MP_PUSH(g->a, g->s->tables, g->s->ntables, g->s->captables) = t;
    if (g->s->ntables > 1 && pick(g, 2, 3))
        add_fk_column(g, t, g->s->tables[below(g, g->s->ntables - 1)]);
    if (pick(g, 1, 2)) {
        /* a second new table, the two referencing each other */
        struct mp_table *u = new_table(g, fresh_rel(g, true));
        *MP_PUSH(g->a, g->s->tables, g->s->ntables, g->s->captables) = u;
        add_fk_column(g, u, t);
        add_fk_column(g, t, u);
    }
}

static void ch_add_fk(struct g *g)
{
    struct mp_table *t = any_table(g), *rt = any_table(g);
    if (t && rt)
        add_fk_column(g, t, rt);
}

static void ch_drop_fk(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (t && t->nfks) {
        size_t j = below(g, t->nfks);
        memmove(&t->fks[j], &t->fks[j + 1], (t->nfks - j - 1) * sizeof t->fks[0]);
        t->nfks--;
    }
}

static void ch_add_index(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (t)
        add_index(g, t);
}

static void ch_drop_index(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (!t || !t->nindexes)
        return;
    size_t j = below(g, t->nindexes);
    if (t->indexes[j].unique)
        return; /* a foreign key may rely on it */
    memmove(&t->indexes[j], &t->indexes[j + 1], (t->nindexes - j - 1) * sizeof t->indexes[0]);
    t->nindexes--;
}

/* A start column of t that no key or foreign key uses, or NULL. */
static struct mp_column *plain_start_column(struct g *g, struct mp_table *t)
{
    if (!t || !from_start(g, t->id) || !t->ncols)
        return NULL;
    size_t i = below(g, t->ncols);
    struct mp_column *c = &t->cols[i];
    if (!from_start(g, c->id) || col_used(g->s, t, c->name) || mp_gen_feat_special(c))
        return NULL;
    return c;
}

/* Change a start column's type along a value-preserving cast
 * (mp_type_widens): integer -> bigint, varchar(n) -> varchar(m) or text,
 * numeric(p,s) -> numeric(p+k,s). */
static struct mp_column *ch_alter_type(struct g *g, struct mp_table *tab)
{
    struct mp_column *c = plain_start_column(g, tab);
    if (!c)
        return NULL;
    struct mp_type t = c->type;
    switch (t.kind) {
    case MP_TYPE_INTEGER: t.kind = MP_TYPE_BIGINT; break;
    case MP_TYPE_VARCHAR:
        if (pick(g, 1, 2))
            t.kind = MP_TYPE_TEXT;
        else
            t.len += 1 + (int)below(g, 100);
        break;
    case MP_TYPE_NUMERIC: t.precision += 1 + (int)below(g, 8); break;
    default: return NULL;
    }
    if (tab->strict && !mp_strict_type_ok(&t))
        return NULL;
    c->type = t;
    return c;
}

/* Toggle NOT NULL on a start column (never the primary key's). */
static void ch_not_null(struct g *g)
{
    struct mp_table *t = any_table(g);
    struct mp_column *c = plain_start_column(g, t);
    if (c)
        c->not_null = !c->not_null;
}

/* Set, change or drop a start column's default. */
static void ch_default(struct g *g)
{
    struct mp_column *c = plain_start_column(g, any_table(g));
    if (!c)
        return;
    if (c->default_sql && pick(g, 1, 2)) {
        c->default_sql = NULL;
        return;
    }
    const char *d = random_default(g, &c->type);
    if (d)
        c->default_sql = d;
}

static void ch_add_unique(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (t)
        add_unique(g, t);
}

static bool unique_relied_on(const struct g *g, const struct mp_table *t, const struct mp_unique *u)
{
    for (size_t i = 0; i < g->s->ntables; i++)
        for (size_t j = 0; j < g->s->tables[i]->nfks; j++) {
            const struct mp_fk *f = &g->s->tables[i]->fks[j];
            if (strcmp(f->ref_table, t->name) == 0 && mp_names_eq(MP_SQLITE, &f->ref_cols, &u->cols))
                return true;
        }
    return false;
}

static void ch_drop_unique(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (!t || !t->nuniques)
        return;
    size_t j = below(g, t->nuniques);
    if (unique_relied_on(g, t, &t->uniques[j]))
        return;
    memmove(&t->uniques[j], &t->uniques[j + 1], (t->nuniques - j - 1) * sizeof t->uniques[0]);
    t->nuniques--;
}

/* Rename a start index, or swap the names of two (a rename cycle in the
 * relation namespace). */
static void ch_rename_index(struct g *g)
{
    struct mp_index *v[64];
    size_t n = 0;
    for (size_t i = 0; i < g->s->ntables; i++)
        if (from_start(g, g->s->tables[i]->id))
            for (size_t j = 0; j < g->s->tables[i]->nindexes && n < 64; j++)
                if (from_start(g, g->s->tables[i]->indexes[j].id))
                    v[n++] = &g->s->tables[i]->indexes[j];
    if (!n)
        return;
    struct mp_index *x = v[below(g, n)];
    if (n >= 2 && pick(g, 1, 2)) {
        struct mp_index *y = v[below(g, n)];
        const char *tmp = x->name;
        x->name = y->name;
        y->name = tmp;
        return;
    }
    x->name = fresh_index(g);
}

/* Drop a column that an index and its table's own foreign key use (the FK
 * and the indexes go too), when nothing else relies on it. */
static void ch_drop_fk_column(struct g *g)
{
    struct mp_table *t = any_table(g);
    if (!t || !t->nfks)
        return;
    size_t k = below(g, t->nfks);
    if (t->fks[k].cols.n != 1)
        return;
    const char *c = t->fks[k].cols.v[0];
    long ci = mp_table_find_column(t, MP_SQLITE, c);
    if (ci < 0 || t->ncols < 2 || mp_names_contains(MP_SQLITE, &t->pk, c))
        return;
    for (size_t i = 0; i < t->nuniques; i++)
        if (mp_names_contains(MP_SQLITE, &t->uniques[i].cols, c))
            return;
    for (size_t i = 0; i < g->s->ntables; i++)
        for (size_t j = 0; j < g->s->tables[i]->nfks; j++) {
            const struct mp_fk *f = &g->s->tables[i]->fks[j];
            if (strcmp(f->ref_table, t->name) == 0 && mp_names_contains(MP_SQLITE, &f->ref_cols, c))
                return;
        }
    for (size_t j = t->nfks; j-- > 0;)
        if (mp_names_contains(MP_SQLITE, &t->fks[j].cols, c)) {
            memmove(&t->fks[j], &t->fks[j + 1], (t->nfks - j - 1) * sizeof t->fks[0]);
            t->nfks--;
        }
    drop_uses(t, c);
    memmove(&t->cols[ci], &t->cols[ci + 1], (t->ncols - (size_t)ci - 1) * sizeof t->cols[0]);
    t->ncols--;
}

/* Changes to CHECKs and index definitions, drawn from g->fr after the
 * other changes: add a check (existing rows pass it: add_check), drop one,
 * or change a non-unique index's definition (a drop and a create under
 * the same name). */
static void feature_changes(struct g *g)
{
    struct mp_rng *main;
    features_on(g, &main);
    struct mp_table *t = any_table(g);
    bool add = t && pick(g, 1, 4), drop = t && t->nchecks && pick(g, 1, 4);
    bool change = t && t->nindexes && pick(g, 1, 4);
    size_t which = drop ? below(g, t->nchecks) : 0, xi = change ? below(g, t->nindexes) : 0;
    g->r = main;
    if (drop) {
        memmove(&t->checks[which], &t->checks[which + 1], (t->nchecks - which - 1) * sizeof t->checks[0]);
        t->nchecks--;
    }
    if (add)
        add_check(g, t);
    if (change && !t->indexes[xi].unique) {
        struct mp_index *x = &t->indexes[xi];
        features_on(g, &main);
        if (x->where && pick(g, 1, 2)) {
            x->where = NULL;
        } else {
            struct mp_index_key *k = mp_index_keys_make(g->a, x);
            k[0].desc = !k[0].desc;
            mp_index_tidy(x);
        }
        g->r = main;
    }
}

/* ADD COLUMN appends in both dialects, so in a desired schema reachable
 * without table rebuilds the surviving columns come first, in their start
 * order, then the new ones (stable partition). */
static void new_columns_last(struct g *g)
{
    for (size_t i = 0; i < g->s->ntables; i++) {
        struct mp_table *t = g->s->tables[i];
        if (!from_start(g, t->id))
            continue;
        struct mp_column *v = mp_arena_alloc(g->a, (t->ncols + 1) * sizeof *v);
        size_t n = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j < t->ncols; j++)
                if (from_start(g, t->cols[j].id) == (pass == 0))
                    v[n++] = t->cols[j];
        memcpy(t->cols, v, n * sizeof *v);
    }
}

/* Rename hints: every start object of the desired schema whose name
 * differs from its name in the start schema (matched by id). */
static void renames_from_ids(struct g *g, struct mp_renames *out)
{
    for (size_t i = 0; i < g->s->ntables; i++) {
        const struct mp_table *t = g->s->tables[i];
        const struct mp_table *st = start_table(g, t);
        if (!st)
            continue;
        if (strcmp(st->name, t->name) != 0)
            mp_renames_add(g->a, out, false, NULL, st->name, t->name);
        for (size_t j = 0; j < t->ncols; j++) {
            long k = from_start(g, t->cols[j].id) ? mp_table_find_column_id(st, t->cols[j].id) : -1;
            if (k >= 0 && strcmp(st->cols[k].name, t->cols[j].name) != 0)
                mp_renames_add(g->a, out, true, st->name, st->cols[k].name, t->cols[j].name);
        }
        for (size_t j = 0; j < t->nindexes; j++) {
            long k = from_start(g, t->indexes[j].id) ? mp_table_find_index_id(st, t->indexes[j].id) : -1;
            if (k >= 0 && strcmp(st->indexes[k].name, t->indexes[j].name) != 0) {
                mp_renames_add(g->a, out, false, st->name, st->indexes[k].name, t->indexes[j].name);
                out->v[out->n - 1].index = true;
            }
        }
    }
}

int mp_gen_check_schema(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                        struct mp_error *err)
{
    struct mp_schema *v = mp_schema_new(a);
    for (size_t i = 0; i < s->ntables; i++) {
        struct mp_table *t = mp_table_clone(a, s->tables[i]);
        t->nfks = 0;
        struct mp_op op = {.kind = MP_OP_CREATE_TABLE, .table = t->name, .def = t};
        int rc = mp_vschema_apply(a, v, d, &op, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++) {
            struct mp_op op = {.kind = MP_OP_ADD_FK, .table = s->tables[i]->name, .fk = s->tables[i]->fks[j]};
            int rc = mp_vschema_apply(a, v, d, &op, err);
            if (rc)
                return rc;
        }
    /* then the views, triggers, ... in an order they can be created in */
    size_t *order = mp_schema_object_order(s, d);
    int rc = 0;
    for (size_t i = 0; i < s->nobjects && !rc; i++) {
        const struct mp_object *o = &s->objects[order[i]];
        if (!mp_object_in(o, d))
            continue;
        struct mp_op op = {.kind = MP_OP_CREATE_OBJECT, .table = o->table ? o->table : o->name, .object = o};
        rc = mp_vschema_apply(a, v, d, &op, err);
    }
    free(order);
    return rc;
}

unsigned mp_gen_size(unsigned long trial)
{
    unsigned long s = 1 + trial / 10;
    return s > 12 ? 12 : (unsigned)s;
}

static int gen_case(struct mp_arena *a, struct mp_rng *r, unsigned size, size_t ntables, size_t nchanges,
                    struct mp_case *out, struct mp_error *err)
{
    struct mp_error e = {0};
    for (int attempt = 0; attempt < 20; attempt++) {
        struct g g = {.a = a, .r = r, .fr = *r};
        mp_rng_seed(&g.fr, mp_rng_next(&g.fr) ^ 0x636865636b696478u); /* "checkidx" */
        struct mp_schema *start = gen_start(&g, size, ntables);
        g.s = mp_schema_clone(a, start);
        g.start = start;
        size_t n = nchanges ? nchanges : 1 + below(&g, size + 2);
        for (size_t i = 0; i < n; i++) {
            switch (below(&g, 22)) {
            case 0: ch_rename_table(&g); break;
            case 1: ch_rename_cycle(&g, 2); break;
            case 2: ch_rename_cycle(&g, 3); break;
            case 3: ch_rename_column(&g, false); break;
            case 4: ch_rename_column(&g, true); break;
            case 5: ch_add_column(&g); break;
            case 6: ch_drop_column(&g); break;
            case 7: ch_drop_table(&g); break;
            case 8: ch_create_tables(&g); break;
            case 9: ch_add_fk(&g); break;
            case 10: ch_drop_fk(&g); break;
            case 11: ch_add_index(&g); break;
            case 12: ch_drop_index(&g); break;
            case 13: ch_rename_table(&g); ch_add_fk(&g); break;
            case 14: ch_alter_type(&g, any_table(&g)); break;
            case 15: { /* a column renamed and retyped in one change set */
                struct mp_table *t = any_table(&g);
                struct mp_column *c = ch_alter_type(&g, t);
                if (c) {
                    const char *to = fresh_col(&g, t);
                    mp_schema_rename_column_refs(a, g.s, t, c->name, to);
                    c->name = to;
                }
                break;
            }
            case 16: ch_not_null(&g); break;
            case 17: ch_default(&g); break;
            case 18: ch_add_unique(&g); break;
            case 19: ch_drop_unique(&g); break;
            case 20:
                if (pick(&g, 1, 2))
                    ch_rename_index(&g);
                else
                    ch_drop_fk_column(&g);
                break;
            default: /* FK on a table renamed in the same change set */
                ch_rename_table(&g);
                ch_add_fk(&g);
                break;
            }
        }
        feature_changes(&g);
        new_columns_last(&g);
        out->start = start;
        out->desired = g.s;
        memset(&out->renames, 0, sizeof out->renames);
        renames_from_ids(&g, &out->renames);
        if (mp_gen_check_schema(a, start, MP_POSTGRES, &e) || mp_gen_check_schema(a, start, MP_SQLITE, &e) ||
            mp_gen_check_schema(a, g.s, MP_POSTGRES, &e) || mp_gen_check_schema(a, g.s, MP_SQLITE, &e))
            continue;
        return 0;
    }
    return mp_error_set(err, MP_EINTERNAL, "generator: no valid case in 20 attempts; last: %s", e.msg);
}

int mp_gen_case(struct mp_arena *a, struct mp_rng *r, unsigned size, struct mp_case *out,
                struct mp_error *err)
{
    struct mp_rng views = *r;
    int rc = gen_case(a, r, size, 0, 0, out, err);
    if (!rc) {
        mp_gen_views(a, &views, out);
        mp_gen_triggers(a, &views, out);
        mp_gen_sequences(a, &views, out);
    }
    return rc;
}

int mp_gen_case_scaled(struct mp_arena *a, struct mp_rng *r, size_t ntables, size_t nchanges,
                       struct mp_case *out, struct mp_error *err)
{
    return gen_case(a, r, 12, ntables ? ntables : 1, nchanges ? nchanges : 1, out, err);
}
