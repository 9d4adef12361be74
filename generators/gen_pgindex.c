/* gen_pgindex.c - PostgreSQL-only index options for generated cases (gen_pgindex.h). */
#include "gen_pgindex.h"

#include <string.h>

#include "index_def.h"
#include "prng.h"

enum pgopt { OPT_HASH, OPT_NULLS, OPT_PATTERN, OPT_N };

/* Key i of x is a plain column (no expression, collation or operator class). */
static bool plain_key(const struct mp_index *x, size_t i)
{
    return !x->keys || (!x->keys[i].expr && !x->keys[i].collate && !x->keys[i].opclass);
}

/* Whether option `o` fits index x of table t (gen_pgindex.h); *key: the key it goes on. */
static bool fits(const struct mp_table *t, const struct mp_index *x, enum pgopt o, size_t *key)
{
    if (x->method || x->nulls_not_distinct || x->include.n)
        return false;
    switch (o) {
    case OPT_HASH:
        *key = 0;
        return x->cols.n == 1 && !x->unique && plain_key(x, 0) && (!x->keys || !x->keys[0].desc) &&
               (!x->keys || x->keys[0].nulls == MP_NULLS_DEFAULT);
    case OPT_NULLS:
        for (size_t i = 0; i < x->cols.n; i++)
            if (plain_key(x, i) && (!x->keys || x->keys[i].nulls == MP_NULLS_DEFAULT)) {
                *key = i;
                return true;
            }
        return false;
    case OPT_PATTERN:
        for (size_t i = 0; i < x->cols.n; i++) {
            const struct mp_column *c = plain_key(x, i) ? mp_table_column(t, MP_POSTGRES, x->cols.v[i]) : NULL;
            if (c && c->type.kind == MP_TYPE_TEXT && !c->feat.collation) {
                *key = i;
                return true;
            }
        }
        return false;
    case OPT_N:
        break;
    }
    return false;
}

static void apply(struct mp_arena *a, struct mp_index *x, enum pgopt o, size_t key)
{
    if (o == OPT_HASH) {
        x->method = "hash";
        return;
    }
    struct mp_index_key *k = mp_index_keys_make(a, x);
    if (o == OPT_NULLS)
        k[key].nulls = k[key].desc ? MP_NULLS_LAST : MP_NULLS_FIRST;
    else
        k[key].opclass = "text_pattern_ops";
    mp_index_tidy(x);
}

/* The index of identity `id` in schema s, with its table. */
static struct mp_index *find_index(const struct mp_schema *s, uint32_t id, struct mp_table **tab)
{
    for (size_t i = 0; id && i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nindexes; j++)
            if (s->tables[i]->indexes[j].id == id) {
                *tab = s->tables[i];
                return &s->tables[i]->indexes[j];
            }
    return NULL;
}

void mp_gen_pg_index_options(struct mp_arena *a, uint64_t seed, struct mp_case *c)
{
    struct mp_rng r;
    mp_rng_seed(&r, seed ^ 0x1dc0b7e5ULL);
    for (size_t i = 0; i < c->desired->ntables; i++) {
        struct mp_table *t = c->desired->tables[i];
        for (size_t j = 0; j < t->nindexes; j++) {
            struct mp_index *x = &t->indexes[j];
            struct mp_table *st = NULL;
            struct mp_index *sx = find_index(c->start, x->id, &st);
            enum pgopt o = (enum pgopt)mp_rng_below(&r, OPT_N);
            size_t key = 0, skey = 0;
            if (mp_rng_chance(&r, 1, 4) && fits(t, x, o, &key)) {
                apply(a, x, o, key);
                /* the start's index alike half the time: unchanged, else rebuilt */
                if (sx && mp_rng_chance(&r, 1, 2) && fits(st, sx, o, &skey) && skey == key)
                    apply(a, sx, o, skey);
            } else if (sx && mp_rng_chance(&r, 1, 8) && fits(st, sx, o, &skey)) {
                apply(a, sx, o, skey); /* an option the desired schema drops */
            }
        }
    }
}
