/* gen_objects.c - views over a generated case's tables: chosen on the start
 * schema by the identities of the tables and columns they read, carried to
 * the desired schema under the case's renames, cut down or dropped with
 * the columns its changes drop, and a new one now and then; so every
 * property meets views that must be dropped and created again around a
 * dropped, renamed or retyped column, on both backends. */
#include "gen.h"
#include "vschema.h"

#include <stdio.h>
#include <string.h>

/* A view as identities: SELECT cols FROM t [JOIN jt ON jt.jref = t.jcol]
 * [WHERE t.wcol IS NOT NULL], or, with `base` >= 0, SELECT base.bcol FROM
 * base (a view over view number `base`, reading its column from t.bcol). */
struct vspec {
    const char *name;
    uint32_t t, cols[3];
    size_t ncols;
    uint32_t wcol;           /* 0: no WHERE */
    uint32_t jt, jref, jcol; /* jt 0: no JOIN */
    long base;               /* -1: over a table */
    uint32_t bcol;
};

/* "t"."c" of the table and column with these identities in `s`, or NULL. */
static const char *col_name(const struct mp_schema *s, uint32_t t, uint32_t c, const struct mp_table **tab)
{
    const struct mp_table *x = mp_schema_table_by_id(s, t);
    long k = x ? mp_table_find_column_id(x, c) : -1;
    if (tab)
        *tab = x;
    return k >= 0 ? x->cols[k].name : NULL;
}

static void qual(struct mp_buf *b, const char *t, const char *c)
{
    mp_buf_ident(b, t);
    mp_buf_addc(b, '.');
    mp_buf_ident(b, c);
}

/* Add view `v` to `s` as it reads there: the columns that survive (none:
 * the view is left out, returns false); a WHERE or JOIN whose columns are
 * gone is left out.  Written as both databases accept it and as
 * pg_get_viewdef() prints it back (columns qualified by their table). */
static bool render(struct mp_arena *a, struct mp_schema *s, const struct vspec *v, const struct vspec *all,
                   const bool *placed)
{
    struct mp_buf b = {0};
    struct mp_object tmp = {0};
    const struct mp_table *t = NULL;
    bool ok = false;
    mp_buf_add(&b, "CREATE VIEW ");
    mp_buf_ident(&b, v->name);
    mp_buf_add(&b, " AS SELECT ");
    if (v->base >= 0) {
        const struct vspec *bv = &all[v->base];
        const char *c = placed[v->base] ? col_name(s, bv->t, v->bcol, NULL) : NULL;
        bool there = false;
        for (size_t i = 0; c && i < bv->ncols; i++)
            there |= bv->cols[i] == v->bcol;
        if (!c || !there || !mp_schema_relation_object(s, MP_POSTGRES, bv->name))
            goto out;
        qual(&b, bv->name, c);
        mp_buf_add(&b, " FROM ");
        mp_buf_ident(&b, bv->name);
        mp_object_add_dep(a, &tmp, bv->name, c);
        ok = true;
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0; i < v->ncols; i++) {
        const char *c = col_name(s, v->t, v->cols[i], &t);
        if (!c)
            continue;
        mp_buf_add(&b, n++ ? ", " : "");
        qual(&b, t->name, c);
        mp_object_add_dep(a, &tmp, t->name, c);
    }
    if (!n)
        goto out;
    mp_buf_add(&b, " FROM ");
    mp_buf_ident(&b, t->name);
    const struct mp_table *jt = NULL;
    const char *jc = v->jt ? col_name(s, v->t, v->jcol, NULL) : NULL;
    const char *jr = v->jt ? col_name(s, v->jt, v->jref, &jt) : NULL;
    if (jc && jr) {
        mp_buf_add(&b, " JOIN ");
        mp_buf_ident(&b, jt->name);
        mp_buf_add(&b, " ON ");
        qual(&b, jt->name, jr);
        mp_buf_add(&b, " = ");
        qual(&b, t->name, jc);
        mp_object_add_dep(a, &tmp, jt->name, jr);
        mp_object_add_dep(a, &tmp, t->name, jc);
    }
    const char *w = v->wcol ? col_name(s, v->t, v->wcol, NULL) : NULL;
    if (w) {
        mp_buf_add(&b, " WHERE ");
        qual(&b, t->name, w);
        mp_buf_add(&b, " IS NOT NULL");
        mp_object_add_dep(a, &tmp, t->name, w);
    }
    ok = true;
out:
    if (ok) {
        struct mp_object *o = mp_schema_add_object(a, s, MP_OBJ_VIEW, v->name);
        o->sql = mp_arena_strdup(a, mp_buf_str(&b));
        o->deps = tmp.deps;
        o->ndeps = tmp.ndeps;
        o->capdeps = tmp.capdeps;
    }
    mp_buf_free(&b);
    return ok;
}

/* A name free in both schemas' relation namespaces on both dialects. */
static const char *fresh_view(struct mp_arena *a, struct mp_rng *r, const struct mp_case *c, unsigned *serial)
{
    static const char *const pool[] = {"report", "summary", "active", "select", "My View", "Ünïview"};
    for (;;) {
        const char *base = pool[mp_rng_below(r, sizeof pool / sizeof *pool)];
        const char *name = mp_arena_printf(a, "%s_v%u", base, ++*serial);
        bool taken = false;
        for (int d = 0; d < MP_NDIALECTS && !taken; d++)
            taken = mp_vschema_name_taken(c->start, (enum mp_dialect)d, name) ||
                    mp_vschema_name_taken(c->desired, (enum mp_dialect)d, name);
        if (!taken)
            return name;
    }
}

/* A view over a random table of `s` (with columns), or false. */
static bool pick_view(struct mp_rng *r, const struct mp_schema *s, struct vspec *v)
{
    if (!s->ntables)
        return false;
    const struct mp_table *t = s->tables[mp_rng_below(r, s->ntables)];
    if (!t->ncols || !t->id)
        return false;
    memset(v, 0, sizeof *v);
    v->base = -1;
    v->t = t->id;
    v->ncols = 1 + (size_t)mp_rng_below(r, t->ncols < 3 ? t->ncols : 3);
    for (size_t i = 0; i < v->ncols; i++) {
        uint32_t id = t->cols[mp_rng_below(r, t->ncols)].id;
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= v->cols[j] == id;
        if (dup) {
            v->ncols = i;
            break;
        }
        v->cols[i] = id;
    }
    if (mp_rng_chance(r, 1, 3))
        v->wcol = t->cols[mp_rng_below(r, t->ncols)].id;
    /* JOIN along a one-column foreign key to another table */
    if (t->nfks && mp_rng_chance(r, 1, 2)) {
        const struct mp_fk *f = &t->fks[mp_rng_below(r, t->nfks)];
        const struct mp_table *rt = mp_schema_table(s, MP_POSTGRES, f->ref_table);
        if (f->cols.n == 1 && rt && rt != t && rt->id) {
            long rc = mp_table_find_column(rt, MP_POSTGRES, f->ref_cols.v[0]);
            long fc = mp_table_find_column(t, MP_POSTGRES, f->cols.v[0]);
            if (rc >= 0 && fc >= 0) {
                v->jt = rt->id;
                v->jref = rt->cols[rc].id;
                v->jcol = t->cols[fc].id;
            }
        }
    }
    return v->ncols > 0;
}

void mp_gen_views(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c)
{
    /* a stream of its own, so the tables of every case stay as they were */
    struct mp_rng r = *seed;
    r.s[0] ^= 0x7669657773ULL;
    mp_rng_next(&r);
    struct vspec v[4];
    bool in_start[4] = {0}, in_desired[4] = {0};
    size_t n = 0;
    unsigned serial = 0;
    size_t want = (size_t)mp_rng_below(&r, 3);
    for (size_t i = 0; i < want; i++)
        if (pick_view(&r, c->start, &v[n])) {
            v[n].name = fresh_view(a, &r, c, &serial);
            n++;
        }
    /* a view over the first view, reading its first column */
    if (n && n < 4 && mp_rng_chance(&r, 1, 3)) {
        memset(&v[n], 0, sizeof v[n]);
        v[n].base = 0;
        v[n].t = v[0].t;
        v[n].bcol = v[0].cols[0];
        v[n].name = fresh_view(a, &r, c, &serial);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        in_start[i] = render(a, c->start, &v[i], v, in_start);
    for (size_t i = 0; i < n; i++)
        in_desired[i] = in_start[i] && render(a, c->desired, &v[i], v, in_desired);
    /* a new view in the desired schema */
    if (n < 4 && mp_rng_chance(&r, 1, 4) && pick_view(&r, c->desired, &v[n])) {
        v[n].name = fresh_view(a, &r, c, &serial);
        render(a, c->desired, &v[n], v, in_desired);
    }
}
