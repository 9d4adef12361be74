/* shrink.c - the case shrinker: the tactics and the same-failure check of
 * a case, searched by the shrink core (see shrink.h, shrink_core.h). */
#include "shrink.h"
#include "model_object.h"
#include "os.h"

#include <string.h>

struct cand {
    struct mp_schema *start, *desired;
    struct mp_renames h;
    struct mp_dataset data;
};

static struct cand copy(struct mp_arena *a, const struct cand *c)
{
    struct cand n = {mp_schema_clone(a, c->start), mp_schema_clone(a, c->desired), {0}, {0}};
    for (size_t i = 0; i < c->h.n; i++) {
        mp_renames_add(a, &n.h, c->h.v[i].column, c->h.v[i].table, c->h.v[i].old_name, c->h.v[i].new_name);
        n.h.v[i].index = c->h.v[i].index;
    }
    n.data.n = c->data.n;
    n.data.v = mp_arena_alloc(a, (c->data.n + 1) * sizeof *n.data.v);
    memcpy(n.data.v, c->data.v, c->data.n * sizeof *n.data.v);
    return n;
}

static void del_hint(struct mp_renames *h, size_t i)
{
    memmove(&h->v[i], &h->v[i + 1], (h->n - i - 1) * sizeof h->v[0]);
    h->n--;
}

static void drop_fks_to(struct mp_schema *s, const char *table, const char *col)
{
    for (size_t i = 0; i < s->ntables; i++) {
        struct mp_table *t = s->tables[i];
        for (size_t j = t->nfks; j-- > 0;)
            if (strcmp(t->fks[j].ref_table, table) == 0 &&
                (!col || mp_names_contains(MP_POSTGRES, &t->fks[j].ref_cols, col))) {
                memmove(&t->fks[j], &t->fks[j + 1], (t->nfks - j - 1) * sizeof t->fks[0]);
                t->nfks--;
            }
    }
}

/* Drop the schema-level objects of `s` that use table `name` (column
 * `col`, or the table as a whole when NULL): a view over a removed table
 * or column would name what no longer exists. */
static void drop_objects_using(struct mp_schema *s, const char *name, const char *col)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nobjects; i++)
        if (!mp_object_uses(s, MP_POSTGRES, &s->objects[i], name, col))
            s->objects[k++] = s->objects[i];
    s->nobjects = k;
}

static void remove_table(struct mp_schema *s, const char *name)
{
    drop_objects_using(s, name, NULL);
    long i = mp_schema_find_table(s, MP_POSTGRES, name);
    if (i >= 0)
        mp_schema_remove_table(s, (size_t)i);
    drop_fks_to(s, name, NULL);
}

/* Drop a start table (and what it becomes) or a desired-only table. */
static void cand_drop_table(struct cand *c, const char *sname, const char *dname)
{
    if (sname) {
        remove_table(c->start, sname);
        for (size_t i = c->h.n; i-- > 0;)
            if ((!c->h.v[i].column && !c->h.v[i].index) ? strcmp(c->h.v[i].old_name, sname) == 0
                                                         : strcmp(c->h.v[i].table, sname) == 0)
                del_hint(&c->h, i);
        for (size_t i = 0; i < c->data.n; i++)
            if (strcmp(c->data.v[i].table, sname) == 0) {
                memmove(&c->data.v[i], &c->data.v[i + 1], (c->data.n - i - 1) * sizeof c->data.v[0]);
                c->data.n--;
                break;
            }
    }
    if (dname)
        remove_table(c->desired, dname);
}

/* Remove column `col` and everything on `t` that uses it; false when it is
 * in the primary key (the candidate is skipped). */
static bool strip_column(struct mp_schema *s, struct mp_table *t, const char *col)
{
    long ci = mp_table_find_column(t, MP_POSTGRES, col);
    if (ci < 0)
        return true;
    if (mp_names_contains(MP_POSTGRES, &t->pk, col) || t->ncols < 2)
        return false;
    for (size_t j = t->nuniques; j-- > 0;)
        if (mp_names_contains(MP_POSTGRES, &t->uniques[j].cols, col)) {
            memmove(&t->uniques[j], &t->uniques[j + 1], (t->nuniques - j - 1) * sizeof t->uniques[0]);
            t->nuniques--;
        }
    for (size_t j = t->nindexes; j-- > 0;)
        if (mp_names_contains(MP_POSTGRES, &t->indexes[j].cols, col)) {
            memmove(&t->indexes[j], &t->indexes[j + 1], (t->nindexes - j - 1) * sizeof t->indexes[0]);
            t->nindexes--;
        }
    for (size_t j = t->nfks; j-- > 0;)
        if (mp_names_contains(MP_POSTGRES, &t->fks[j].cols, col)) {
            memmove(&t->fks[j], &t->fks[j + 1], (t->nfks - j - 1) * sizeof t->fks[0]);
            t->nfks--;
        }
    drop_fks_to(s, t->name, col);
    drop_objects_using(s, t->name, col);
    memmove(&t->cols[ci], &t->cols[ci + 1], (t->ncols - (size_t)ci - 1) * sizeof t->cols[0]);
    t->ncols--;
    return true;
}

static bool cand_drop_column(struct mp_arena *a, struct cand *c, const char *stable, const char *scol,
                             const char *dtable, const char *dcol)
{
    if (stable) {
        struct mp_table *t = mp_schema_table(c->start, MP_POSTGRES, stable);
        if (!t || !strip_column(c->start, t, scol))
            return false;
        for (size_t i = c->h.n; i-- > 0;)
            if (c->h.v[i].column && strcmp(c->h.v[i].table, stable) == 0 && strcmp(c->h.v[i].old_name, scol) == 0)
                del_hint(&c->h, i);
        for (size_t i = 0; i < c->data.n; i++) {
            struct mp_table_rows *r = &c->data.v[i];
            if (strcmp(r->table, stable) != 0)
                continue;
            size_t k = 0;
            while (k < r->ncols && strcmp(r->cols[k], scol) != 0)
                k++;
            if (k == r->ncols)
                break;
            struct mp_table_rows n = *r;
            n.ncols = r->ncols - 1;
            n.cols = mp_arena_alloc(a, (n.ncols + 1) * sizeof *n.cols);
            struct mp_type *ty = mp_arena_alloc(a, (n.ncols + 1) * sizeof *ty);
            n.rows = mp_arena_alloc(a, (r->nrows + 1) * sizeof *n.rows);
            for (size_t q = 0, w = 0; q < r->ncols; q++)
                if (q != k) {
                    n.cols[w] = r->cols[q];
                    ty[w++] = r->types[q];
                }
            n.types = ty;
            for (size_t row = 0; row < r->nrows; row++) {
                const char **v = mp_arena_alloc(a, (n.ncols + 1) * sizeof *v);
                for (size_t q = 0, w = 0; q < r->ncols; q++)
                    if (q != k)
                        v[w++] = r->rows[row][q];
                n.rows[row] = v;
            }
            *r = n;
            break;
        }
    }
    if (dtable && dcol) {
        struct mp_table *t = mp_schema_table(c->desired, MP_POSTGRES, dtable);
        if (!t || !strip_column(c->desired, t, dcol))
            return false;
    }
    return true;
}

static void del_at(void *base, size_t *n, size_t size, size_t i)
{
    char *b = base;
    memmove(b + i * size, b + (i + 1) * size, (*n - i - 1) * size);
    (*n)--;
}

static void rename_refs(struct mp_schema *s, const char *old, const char *new_name)
{
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++)
            if (strcmp(s->tables[i]->fks[j].ref_table, old) == 0)
                s->tables[i]->fks[j].ref_table = new_name;
}

/* Undo rename hint i in the desired schema (the object keeps its start
 * name); false when that name is taken there. */
static bool cand_unrename(struct mp_arena *a, struct cand *c, size_t i)
{
    struct mp_rename h = c->h.v[i];
    if (h.index) {
        const struct mp_table *st = mp_schema_table(c->start, MP_POSTGRES, h.table);
        const struct mp_table *dt = st ? mp_diff_table_target(c->desired, &c->h, MP_POSTGRES, st->name) : NULL;
        if (!dt || mp_vschema_name_taken(c->desired, MP_POSTGRES, h.old_name))
            return false;
        long xi = mp_table_find_index(dt, MP_POSTGRES, h.new_name);
        if (xi < 0)
            return false;
        dt->indexes[xi].name = h.old_name;
    } else if (h.column) {
        const struct mp_table *st = mp_schema_table(c->start, MP_POSTGRES, h.table);
        struct mp_table *dt = st ? (struct mp_table *)mp_diff_table_target(c->desired, &c->h, MP_POSTGRES, st->name)
                                 : NULL;
        struct mp_column *col = dt ? mp_table_column(dt, MP_POSTGRES, h.new_name) : NULL;
        if (!col || mp_table_column(dt, MP_POSTGRES, h.old_name))
            return false;
        mp_schema_rename_column_refs(a, c->desired, dt, h.new_name, h.old_name);
        col->name = h.old_name;
    } else {
        struct mp_table *dt = mp_schema_table(c->desired, MP_POSTGRES, h.new_name);
        if (!dt || mp_vschema_name_taken(c->desired, MP_POSTGRES, h.old_name))
            return false;
        rename_refs(c->desired, dt->name, h.old_name);
        dt->name = h.old_name;
    }
    del_hint(&c->h, i);
    return true;
}

static bool valid(struct mp_arena *a, const struct cand *c, enum mp_dialect d)
{
    struct mp_error e = {0};
    if (mp_gen_check_schema(a, c->start, d, &e) || mp_gen_check_schema(a, c->desired, d, &e))
        return false;
    struct mp_changeset cs = {0};
    /* hints must still name existing objects (the diff checks them) */
    for (size_t i = 0; i < c->h.n; i++) {
        const struct mp_rename *h = &c->h.v[i];
        const struct mp_table *st = mp_schema_table(c->start, d, (h->column || h->index) ? h->table : h->old_name);
        if (!st)
            return false;
        if (h->column && !mp_table_column(st, d, h->old_name))
            return false;
        if (h->index && mp_table_find_index(st, d, h->old_name) < 0)
            return false;
    }
    (void)cs;
    /* reachable by ADD COLUMN: in each table the start columns keep their
     * order and come before the added ones (a case that only reorders
     * columns tests nothing the solver can do) */
    for (size_t i = 0; i < c->start->ntables; i++) {
        const struct mp_table *st = c->start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(c->desired, &c->h, d, st->name);
        if (!dt)
            continue;
        long last = -1;
        bool added_seen = false;
        for (size_t j = 0; j < dt->ncols; j++) {
            long from = -1;
            for (size_t k = 0; k < st->ncols && from < 0; k++) {
                const char *fin = mp_diff_column_target(st, dt, &c->h, d, st->cols[k].name);
                if (fin && mp_name_eq(d, fin, dt->cols[j].name))
                    from = (long)k;
            }
            if (from < 0) {
                added_seen = true;
                continue;
            }
            if (added_seen || from < last)
                return false;
            last = from;
        }
    }
    return true;
}

/* The search's context (the env of the shrink type). */
struct search {
    struct mp_arena *a;
    uint64_t seed;
    const struct mp_plan_options *plan;
    const struct mp_property *prop;
    struct mp_backend *const *bk;
    enum mp_dialect d;
    const char *kind;
    struct mp_shrink_result *out;
    const struct mp_case_check *check; /* mp_shrink_case(): the caller's check instead of a property's */
};

/* The tactics, largest first. */
enum {
    T_TABLES,       /* 1. whole tables: a start table with what it becomes, then new tables */
    T_OBJECTS,      /*    views, triggers, functions, sequences: a start one with what it becomes, then new ones */
    T_COLUMNS,      /* 2. columns: a start column with what it becomes, then added ones */
    T_CONSTRAINTS,  /* 3. foreign keys, indexes, unique constraints, on either side */
    T_UNCHANGED,    /* 4. changes undone: a dropped start table kept, an altered column left as it was */
    T_PRESENT,      /* 5. an added column that already exists at the start */
    T_UNRENAMED,    /* 6. renames undone */
    T_ROWS,         /* 7. rows: halves, then single rows */
    T_COUNT
};

static struct cand *new_cand(struct mp_arena *a, const struct cand *b)
{
    struct cand *c = mp_arena_alloc(a, sizeof *c);
    *c = copy(a, b);
    return c;
}

/* A candidate made: offered when `ok` and still a valid pair of schemas. */
static enum mp_shrink_res offer(struct search *s, struct cand *c, bool ok, void **out)
{
    /* views and triggers over what the candidate left out go with it, and
     * the other dialect's objects (the failure is of dialect d) */
    if (ok) {
        struct mp_schema *both[2] = {c->start, c->desired};
        for (int k = 0; k < 2; k++)
            for (size_t i = both[k]->nobjects; i-- > 0;)
                if (!mp_object_in(&both[k]->objects[i], s->d))
                    del_at(both[k]->objects, &both[k]->nobjects, sizeof *both[k]->objects, i);
        mp_schema_prune_objects(c->start, s->d);
        mp_schema_prune_objects(c->desired, s->d);
    }
    if (!ok || !valid(s->a, c, s->d))
        return MP_SHRINK_DEAD_END;
    *out = c;
    return MP_SHRINK_OK;
}

/* Each tactic walks its variants of `b` in a fixed order and makes the
 * idx-th: `k` counts the variants passed. */

static enum mp_shrink_res drop_tables(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    struct mp_arena *a = s->a;
    enum mp_dialect d = s->d;
    uint64_t k = 0;
    for (size_t i = 0; i < b->start->ntables; i++) {
        if (k++ != idx)
            continue;
        const struct mp_table *st = b->start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(b->desired, &b->h, d, st->name);
        struct cand *c = new_cand(a, b);
        cand_drop_table(c, st->name, dt ? dt->name : NULL);
        return offer(s, c, true, out);
    }
    for (size_t i = 0; i < b->desired->ntables; i++) {
        const struct mp_table *dt = b->desired->tables[i];
        bool from_start = false;
        for (size_t j = 0; j < b->start->ntables && !from_start; j++)
            from_start = mp_diff_table_target(b->desired, &b->h, d, b->start->tables[j]->name) == dt;
        if (from_start || k++ != idx)
            continue;
        struct cand *c = new_cand(a, b);
        cand_drop_table(c, NULL, dt->name);
        return offer(s, c, true, out);
    }
    return MP_SHRINK_NO_MORE;
}

/* Remove object `o` (of another schema) from `s` when it has it. */
static void remove_object(struct mp_schema *s, enum mp_dialect d, const struct mp_object *o)
{
    const struct mp_object *x = mp_schema_find_object(s, d, o);
    if (x)
        del_at(s->objects, &s->nobjects, sizeof *s->objects, (size_t)(x - s->objects));
}

/* Remove standalone sequence `name` from `s` when it has it. */
static void remove_sequence(struct mp_schema *s, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; i < s->nseqs; i++)
        if (mp_name_eq(d, s->seqs[i].name, name)) {
            mp_schema_remove_sequence(s, i);
            return;
        }
}

static enum mp_shrink_res drop_objects(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    uint64_t k = 0;
    for (int side = 0; side < 2; side++) {
        const struct mp_schema *from = side ? b->desired : b->start;
        for (size_t i = 0; i < from->nobjects; i++) {
            const struct mp_object *o = &from->objects[i];
            if (side && mp_schema_find_object(b->start, s->d, o))
                continue; /* the start's, offered above */
            if (k++ != idx)
                continue;
            struct cand *c = new_cand(s->a, b);
            remove_object(c->start, s->d, o);
            remove_object(c->desired, s->d, o);
            return offer(s, c, true, out);
        }
    }
    /* standalone sequences: a start one with what it becomes, then new ones */
    for (int side = 0; side < 2; side++) {
        const struct mp_schema *from = side ? b->desired : b->start;
        for (size_t i = 0; i < from->nseqs; i++) {
            const char *name = from->seqs[i].name;
            if ((side && mp_schema_sequence(b->start, s->d, name)) || k++ != idx)
                continue;
            struct cand *c = new_cand(s->a, b);
            remove_sequence(c->start, s->d, name);
            remove_sequence(c->desired, s->d, name);
            return offer(s, c, true, out);
        }
    }
    return MP_SHRINK_NO_MORE;
}

static enum mp_shrink_res drop_columns(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    struct mp_arena *a = s->a;
    enum mp_dialect d = s->d;
    uint64_t k = 0;
    for (size_t i = 0; i < b->start->ntables; i++) {
        const struct mp_table *st = b->start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(b->desired, &b->h, d, st->name);
        for (size_t j = 0; j < st->ncols; j++) {
            if (k++ != idx)
                continue;
            const char *fin = dt ? mp_diff_column_target(st, dt, &b->h, d, st->cols[j].name) : NULL;
            struct cand *c = new_cand(a, b);
            return offer(s, c, cand_drop_column(a, c, st->name, st->cols[j].name, dt ? dt->name : NULL, fin), out);
        }
    }
    for (size_t i = 0; i < b->desired->ntables; i++) {
        const struct mp_table *dt = b->desired->tables[i];
        for (size_t j = 0; j < dt->ncols; j++) {
            if (k++ != idx)
                continue;
            struct cand *c = new_cand(a, b);
            return offer(s, c, cand_drop_column(a, c, NULL, NULL, dt->name, dt->cols[j].name), out);
        }
    }
    return MP_SHRINK_NO_MORE;
}

static enum mp_shrink_res drop_constraints(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    struct mp_arena *a = s->a;
    uint64_t k = 0;
    for (int side = 0; side < 2; side++) {
        const struct mp_schema *sc = side ? b->desired : b->start;
        for (size_t i = 0; i < sc->ntables; i++) {
            const struct mp_table *t = sc->tables[i];
            for (size_t j = 0; j < t->nfks; j++) {
                if (k++ != idx)
                    continue;
                struct cand *c = new_cand(a, b);
                struct mp_table *ct = (side ? c->desired : c->start)->tables[i];
                del_at(ct->fks, &ct->nfks, sizeof *ct->fks, j);
                return offer(s, c, true, out);
            }
            for (size_t j = 0; j < t->nindexes; j++) {
                if (k++ != idx)
                    continue;
                struct cand *c = new_cand(a, b);
                struct mp_table *ct = (side ? c->desired : c->start)->tables[i];
                for (size_t h = c->h.n; h-- > 0;)
                    if (c->h.v[h].index && strcmp(side ? c->h.v[h].new_name : c->h.v[h].old_name, t->indexes[j].name) == 0)
                        del_hint(&c->h, h);
                del_at(ct->indexes, &ct->nindexes, sizeof *ct->indexes, j);
                return offer(s, c, true, out);
            }
            for (size_t j = 0; j < t->nuniques; j++) {
                if (k++ != idx)
                    continue;
                struct cand *c = new_cand(a, b);
                struct mp_table *ct = (side ? c->desired : c->start)->tables[i];
                del_at(ct->uniques, &ct->nuniques, sizeof *ct->uniques, j);
                return offer(s, c, true, out);
            }
            for (size_t j = 0; j < t->nchecks; j++) {
                if (k++ != idx)
                    continue;
                struct cand *c = new_cand(a, b);
                struct mp_table *ct = (side ? c->desired : c->start)->tables[i];
                del_at(ct->checks, &ct->nchecks, sizeof *ct->checks, j);
                return offer(s, c, true, out);
            }
        }
    }
    return MP_SHRINK_NO_MORE;
}

static enum mp_shrink_res undo_changes(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    struct mp_arena *a = s->a;
    enum mp_dialect d = s->d;
    uint64_t k = 0;
    for (size_t i = 0; i < b->start->ntables; i++) {
        const struct mp_table *st = b->start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(b->desired, &b->h, d, st->name);
        if (!dt) {
            if (mp_vschema_name_taken(b->desired, d, st->name) || k++ != idx)
                continue;
            struct cand *c = new_cand(a, b);
            struct mp_table *kept = mp_table_clone(a, st);
            /* its foreign keys may point at tables the desired schema lacks */
            for (size_t j = kept->nfks; j-- > 0;)
                if (!mp_schema_table(c->desired, d, kept->fks[j].ref_table) &&
                    strcmp(kept->fks[j].ref_table, kept->name) != 0)
                    del_at(kept->fks, &kept->nfks, sizeof *kept->fks, j);
            *MP_PUSH(a, c->desired->tables, c->desired->ntables, c->desired->captables) = kept;
            return offer(s, c, true, out);
        }
        for (size_t j = 0; j < st->ncols; j++) {
            const char *fin = mp_diff_column_target(st, dt, &b->h, d, st->cols[j].name);
            const struct mp_column *dc = fin ? mp_table_column(dt, d, fin) : NULL;
            if (!dc || (mp_type_eq(&dc->type, &st->cols[j].type) && dc->not_null == st->cols[j].not_null &&
                        mp_default_eq(dc->default_sql, st->cols[j].default_sql)))
                continue;
            if (k++ != idx)
                continue;
            struct cand *c = new_cand(a, b);
            struct mp_column *cc = mp_table_column(mp_schema_table(c->desired, d, dt->name), d, fin);
            cc->type = st->cols[j].type;
            cc->not_null = st->cols[j].not_null;
            cc->default_sql = st->cols[j].default_sql;
            return offer(s, c, true, out);
        }
    }
    return MP_SHRINK_NO_MORE;
}

/* One operation fewer: existing rows hold NULL or the column's default. */
static enum mp_shrink_res add_at_start(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    struct mp_arena *a = s->a;
    enum mp_dialect d = s->d;
    uint64_t k = 0;
    for (size_t i = 0; i < b->start->ntables; i++) {
        const struct mp_table *st = b->start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(b->desired, &b->h, d, st->name);
        if (!dt)
            continue;
        for (size_t j = 0; j < dt->ncols; j++) {
            bool derived = false;
            for (size_t q = 0; q < st->ncols && !derived; q++) {
                const char *fin = mp_diff_column_target(st, dt, &b->h, d, st->cols[q].name);
                derived = fin && mp_name_eq(d, fin, dt->cols[j].name);
            }
            if (derived || mp_table_column(st, d, dt->cols[j].name) || k++ != idx)
                continue;
            struct cand *c = new_cand(a, b);
            struct mp_table *ct = c->start->tables[i];
            struct mp_column *nc = mp_table_add_column(a, ct, dt->cols[j].name, dt->cols[j].type);
            nc->not_null = dt->cols[j].not_null;
            nc->default_sql = dt->cols[j].default_sql;
            const char *fill = mp_default_canonical(a, &nc->type, nc->default_sql);
            if (nc->not_null && !fill)
                return MP_SHRINK_DEAD_END;
            for (size_t r = 0; r < c->data.n; r++) {
                struct mp_table_rows *tr = &c->data.v[r];
                if (strcmp(tr->table, ct->name) != 0)
                    continue;
                struct mp_table_rows nt = *tr;
                nt.ncols = tr->ncols + 1;
                nt.cols = mp_arena_alloc(a, (nt.ncols + 1) * sizeof *nt.cols);
                memcpy(nt.cols, tr->cols, tr->ncols * sizeof *nt.cols);
                nt.cols[tr->ncols] = nc->name;
                struct mp_type *ty = mp_arena_alloc(a, (nt.ncols + 1) * sizeof *ty);
                memcpy(ty, tr->types, tr->ncols * sizeof *ty);
                ty[tr->ncols] = nc->type;
                nt.types = ty;
                nt.rows = mp_arena_alloc(a, (tr->nrows + 1) * sizeof *nt.rows);
                for (size_t q = 0; q < tr->nrows; q++) {
                    const char **v = mp_arena_alloc(a, (nt.ncols + 1) * sizeof *v);
                    memcpy(v, tr->rows[q], tr->ncols * sizeof *v);
                    v[tr->ncols] = fill;
                    nt.rows[q] = v;
                }
                *tr = nt;
            }
            return offer(s, c, true, out);
        }
    }
    return MP_SHRINK_NO_MORE;
}

static enum mp_shrink_res undo_renames(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    if (idx >= b->h.n)
        return MP_SHRINK_NO_MORE;
    struct cand *c = new_cand(s->a, b);
    return offer(s, c, cand_unrename(s->a, c, (size_t)idx), out);
}

static enum mp_shrink_res drop_rows(struct search *s, const struct cand *b, uint64_t idx, void **out)
{
    uint64_t k = 0;
    for (size_t i = 0; i < b->data.n; i++) {
        const struct mp_table_rows *r = &b->data.v[i];
        for (size_t len = r->nrows; len >= 1; len /= 2)
            for (size_t from = 0; from + len <= r->nrows; from += len) {
                if (k++ == idx) {
                    struct cand *c = new_cand(s->a, b);
                    struct mp_table_rows *cr = &c->data.v[i];
                    cr->rows = mp_arena_alloc(s->a, (r->nrows + 1) * sizeof *cr->rows);
                    cr->nrows = 0;
                    for (size_t q = 0; q < r->nrows; q++)
                        if (q < from || q >= from + len)
                            cr->rows[cr->nrows++] = r->rows[q];
                    return offer(s, c, true, out);
                }
                if (len == 1 && r->nrows > 16)
                    break; /* single rows only for small tables */
            }
    }
    return MP_SHRINK_NO_MORE;
}

static enum mp_shrink_res case_shrink(const void *cand, size_t tactic, uint64_t i, void **out, void *env)
{
    static enum mp_shrink_res (*const tactics[T_COUNT])(struct search *, const struct cand *, uint64_t, void **) = {
        [T_TABLES] = drop_tables,     [T_OBJECTS] = drop_objects,   [T_COLUMNS] = drop_columns,   [T_CONSTRAINTS] = drop_constraints,
        [T_UNCHANGED] = undo_changes, [T_PRESENT] = add_at_start,   [T_UNRENAMED] = undo_renames,
        [T_ROWS] = drop_rows,
    };
    return tactics[tactic](env, cand, i, out);
}

/* Check a candidate: the same failure kind?  Keeps its diagnostic. */
static bool case_same_failure(void *cand, void *env)
{
    struct search *s = env;
    struct cand *c = cand;
    struct mp_case mc = {c->start, c->desired, c->h};
    if (s->check)
        return s->check->fails(&mc, &c->data, s->check->env);
    struct mp_buf diag = {0};
    char kind[160];
    size_t nops = 0;
    enum mp_verdict v = mp_check_case(&mc, &c->data, s->seed, s->plan, s->prop, s->bk, s->d, &diag, kind, &nops);
    bool same = v == MP_FAIL && strcmp(kind, s->kind) == 0;
    if (same) {
        s->out->ops = nops;
        snprintf(s->out->message, sizeof s->out->message, "%s", mp_buf_str(&diag));
    }
    mp_buf_free(&diag);
    return same;
}

static void *case_copy(const void *cand, void *env)
{
    return new_cand(((struct search *)env)->a, cand);
}

/* The search from `start` with the case tactics; the best candidate into
 * s->out, the time counted from t0. */
static void search_case(struct search *s, struct cand *start, const struct mp_shrink_budget *budget, double t0)
{
    static const struct mp_shrink_type type = {
        .ntactics = T_COUNT,
        .shrink = case_shrink,
        .same_failure = case_same_failure,
        .copy = case_copy, /* candidates live in `a`: no free */
    };
    struct mp_shrink_stats st;
    const struct cand *best = mp_shrink_search(&type, start, budget, s, &st);
    struct mp_shrink_result *out = s->out;
    out->c.start = best->start;
    out->c.desired = best->desired;
    out->c.renames = best->h;
    out->data = best->data;
    out->steps = st.steps;
    out->accepted = st.accepted;
    out->ms = (mp_now() - t0) * 1e3;
}

void mp_shrink(struct mp_arena *a, const struct mp_case *c, const struct mp_dataset *data, uint64_t seed,
               const struct mp_plan_options *plan, const struct mp_property *prop, struct mp_backend *const bk[MP_NDIALECTS],
               enum mp_dialect d, const char *kind, const struct mp_shrink_budget *budget, struct mp_shrink_result *out)
{
    memset(out, 0, sizeof *out);
    double t0 = mp_now();
    struct cand start = {(struct mp_schema *)c->start, (struct mp_schema *)c->desired, c->renames, {0}};
    if (data)
        start.data = *data;
    struct search s = {a, seed, plan, prop, bk, d, kind, out, NULL};
    /* the starting point's change-set size */
    {
        struct mp_buf diag = {0};
        char k[160];
        mp_check_case(c, data, seed, plan, prop, bk, d, &diag, k, &out->ops);
        snprintf(out->message, sizeof out->message, "%s", mp_buf_str(&diag));
        mp_buf_free(&diag);
    }
    search_case(&s, &start, budget, t0);
}

void mp_shrink_case(struct mp_arena *a, const struct mp_case *c, const struct mp_dataset *data, enum mp_dialect d,
                    const struct mp_case_check *check, const struct mp_shrink_budget *budget,
                    struct mp_shrink_result *out)
{
    memset(out, 0, sizeof *out);
    double t0 = mp_now();
    struct cand start = {(struct mp_schema *)c->start, (struct mp_schema *)c->desired, c->renames, {0}};
    if (data)
        start.data = *data;
    struct search s = {.a = a, .d = d, .out = out, .check = check};
    search_case(&s, &start, budget, t0);
}
