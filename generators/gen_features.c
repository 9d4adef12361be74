/* gen_features.c - random column and table features (gen_features.h). */
#include "gen_features.h"

#include <string.h>

void mp_gen_feat_table(struct mp_rng *r, struct mp_table *t)
{
    t->strict = mp_rng_chance(r, 1, 8);
    t->without_rowid = mp_rng_chance(r, 1, 8);
}

void mp_gen_feat_key(struct mp_rng *r, const struct mp_table *t, struct mp_column *id)
{
    struct mp_colfeat *f = &id->feat;
    if (mp_rng_chance(r, 1, 5)) {
        f->identity = mp_rng_chance(r, 1, 2) ? MP_IDENTITY_ALWAYS : MP_IDENTITY_BY_DEFAULT;
        if (mp_rng_chance(r, 1, 3))
            f->ident_start = 1000 + (int64_t)mp_rng_below(r, 1000);
        if (mp_rng_chance(r, 1, 3))
            f->ident_increment = 2 + (int64_t)mp_rng_below(r, 9);
    } else if (mp_rng_chance(r, 1, 6)) {
        f->serial = true;
    }
    /* SQLite "CREATE TABLE" 3.5: the INTEGER PRIMARY KEY of a rowid table */
    if (id->type.kind == MP_TYPE_INTEGER && !t->without_rowid && mp_rng_chance(r, 1, 6))
        f->autoincrement = true;
}

struct mp_type mp_gen_feat_type(struct mp_rng *r, const struct mp_table *t, struct mp_type drawn)
{
    if (!t->strict || mp_strict_type_ok(&drawn))
        return drawn;
    static const enum mp_type_kind kinds[] = {MP_TYPE_INTEGER, MP_TYPE_TEXT, MP_TYPE_BYTES};
    return (struct mp_type){.kind = kinds[mp_rng_below(r, 3)]};
}

void mp_gen_feat_collation(struct mp_rng *r, struct mp_column *c)
{
    static const char *const names[] = {"C", "POSIX", "NOCASE", "RTRIM"};
    if ((c->type.kind == MP_TYPE_TEXT || c->type.kind == MP_TYPE_VARCHAR) && mp_rng_chance(r, 1, 5))
        c->feat.collation = names[mp_rng_below(r, 4)];
}

bool mp_gen_feat_generated(struct mp_arena *a, struct mp_rng *r, const struct mp_table *t, struct mp_column *c)
{
    const struct mp_column *src[16];
    size_t n = 0;
    for (size_t i = 0; i < t->ncols && n < 16; i++) {
        const struct mp_column *x = &t->cols[i];
        if (x != c && !x->feat.generated && (x->type.kind == MP_TYPE_INTEGER || x->type.kind == MP_TYPE_BIGINT))
            src[n++] = x;
    }
    if (!n || !mp_rng_chance(r, 1, 6))
        return false;
    const struct mp_column *x = src[mp_rng_below(r, n)];
    struct mp_buf b = {0};
    mp_buf_ident(&b, x->name);
    mp_buf_add(&b, mp_rng_chance(r, 1, 2) ? " + 1" : " * 2");
    c->type = (struct mp_type){.kind = x->type.kind};
    c->not_null = false;
    c->default_sql = NULL;
    c->feat.collation = NULL;
    c->feat.generated = MP_GENERATED_STORED;
    c->feat.generated_sql = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return true;
}

void mp_gen_feat_fk(struct mp_rng *r, struct mp_fk *f)
{
    if (mp_rng_chance(r, 1, 5)) {
        f->deferrable = true;
        f->initially_deferred = mp_rng_chance(r, 1, 2);
    }
    f->match_full = mp_rng_chance(r, 1, 6);
}

bool mp_gen_feat_special(const struct mp_column *c)
{
    return c->feat.identity || c->feat.serial || c->feat.generated;
}
