/* gen_types.c - random enum types and domains for generated cases (gen_types.h). */
#include "gen_types.h"

#include "model_check.h"
#include "sqlexpr.h"

#include <string.h>

static const char *const mood_labels[] = {"sad", "ok", "it's a b", "happy"};
static const char *const new_labels[] = {"meh", "glad", "x y"};

static bool name_free(const struct mp_schema *s, const char *name)
{
    return !mp_schema_utype(s, MP_POSTGRES, name) && !mp_schema_table(s, MP_POSTGRES, name) &&
           !mp_schema_relation_object(s, MP_POSTGRES, name);
}

/* Append column `name` of type `ty` to `t`, with id `id`. */
static struct mp_column *add_col(struct mp_arena *a, struct mp_table *t, const char *name, struct mp_type ty, uint32_t id)
{
    struct mp_column *c = mp_table_add_column(a, t, name, ty);
    c->id = id;
    return c;
}

/* Append column `name` of type `ty` with id `id` to desired table `dt`
 * after the last column it keeps of start table `t`: where ADD COLUMN of
 * the start's column left it, before the columns the desired adds. */
static void add_desired_col(struct mp_arena *a, struct mp_table *dt, const struct mp_table *t, const char *name,
                            struct mp_type ty, uint32_t id)
{
    size_t at = 0;
    for (size_t j = 0; j < dt->ncols; j++)
        if (dt->cols[j].id && mp_table_find_column_id(t, dt->cols[j].id) >= 0)
            at = j + 1;
    add_col(a, dt, name, ty, id);
    struct mp_column c = dt->cols[dt->ncols - 1];
    memmove(&dt->cols[at + 1], &dt->cols[at], (dt->ncols - 1 - at) * sizeof c);
    dt->cols[at] = c;
}

/* A start table and its desired target (NULL when dropped), neither
 * already holding `col`. */
static struct mp_table *pick_table(struct mp_rng *r, struct mp_case *c, const char *col, struct mp_table **dt)
{
    if (!c->start->ntables)
        return NULL;
    struct mp_table *t = c->start->tables[mp_rng_below(r, c->start->ntables)];
    if (mp_table_column(t, MP_POSTGRES, col))
        return NULL;
    *dt = t->id ? mp_schema_table_by_id(c->desired, t->id) : NULL;
    if (*dt && mp_table_column(*dt, MP_POSTGRES, col))
        return NULL;
    return t;
}

/* An id new in both schemas (the desired one has given out more). */
static uint32_t new_id(struct mp_case *c)
{
    if (c->start->last_id < c->desired->last_id)
        c->start->last_id = c->desired->last_id;
    uint32_t id = mp_schema_new_id(c->start);
    c->desired->last_id = id;
    return id;
}

static void gen_enum(struct mp_arena *a, struct mp_rng *r, struct mp_case *c)
{
    if (!name_free(c->start, "mp_mood") || !name_free(c->desired, "mp_mood"))
        return;
    struct mp_utype u = {.kind = MP_UTYPE_ENUM, .name = "mp_mood"};
    size_t n = 2 + (size_t)mp_rng_below(r, 3);
    u.labels = mp_names_make(a, n, mood_labels);
    mp_schema_put_utype(a, c->start, &u);
    struct mp_utype *du = mp_schema_put_utype(a, c->desired, &u);
    struct mp_table *dt = NULL, *t = pick_table(r, c, "mp_e", &dt);
    if (t) {
        uint32_t id = new_id(c);
        if (dt)
            add_desired_col(a, dt, t, "mp_e", mp_utype_column_type(a, "mp_mood"), id);
        add_col(a, t, "mp_e", mp_utype_column_type(a, "mp_mood"), id);
    }
    /* labels added: before the first, between two, after the last */
    if (mp_rng_chance(r, 1, 2)) {
        size_t k = 1 + (size_t)mp_rng_below(r, 2), m = du->labels.n;
        const char **v = mp_arena_alloc(a, (m + k) * sizeof *v);
        size_t at = (size_t)mp_rng_below(r, m + 1), j = 0;
        for (size_t i = 0; i < m + k; i++)
            v[i] = i >= at && i < at + k ? new_labels[i - at] : du->labels.v[j++];
        du->labels.v = v;
        du->labels.n = m + k;
    }
    /* a text column of the start becomes the enum */
    if (mp_rng_chance(r, 1, 3)) {
        t = pick_table(r, c, "mp_t", &dt);
        if (t && dt) {
            uint32_t id = new_id(c);
            add_desired_col(a, dt, t, "mp_t", mp_utype_column_type(a, "mp_mood"), id);
            add_col(a, t, "mp_t", (struct mp_type){.kind = MP_TYPE_TEXT}, id);
        }
    }
}

static void gen_domain(struct mp_arena *a, struct mp_rng *r, struct mp_case *c)
{
    if (!name_free(c->start, "mp_posint") || !name_free(c->desired, "mp_posint"))
        return;
    struct mp_utype u = {.kind = MP_UTYPE_DOMAIN, .name = "mp_posint", .base = {.kind = MP_TYPE_INTEGER}};
    struct mp_check *k = MP_PUSH(a, u.checks, u.nchecks, u.capchecks);
    k->expr = mp_expr_norm(a, "VALUE >= 0");
    if (mp_rng_chance(r, 1, 3))
        u.default_sql = "0";
    mp_schema_put_utype(a, c->start, &u);
    struct mp_table *dt = NULL, *t = pick_table(r, c, "mp_d", &dt);
    bool drop = mp_rng_chance(r, 1, 5);
    if (t) {
        uint32_t id = new_id(c);
        if (dt && !drop)
            add_desired_col(a, dt, t, "mp_d", mp_utype_column_type(a, "mp_posint"), id);
        add_col(a, t, "mp_d", mp_utype_column_type(a, "mp_posint"), id);
    }
    if (drop)
        return;
    struct mp_utype *du = mp_schema_put_utype(a, c->desired, &u);
    switch (mp_rng_below(r, 4)) {
    case 0: /* a second check (the rows' values stay under 1000) */
        k = MP_PUSH(a, du->checks, du->nchecks, du->capchecks);
        k->expr = mp_expr_norm(a, "VALUE < 100000");
        break;
    case 1:
        du->default_sql = du->default_sql ? NULL : "1";
        break;
    default:
        break;
    }
}

/* A new enum in the desired schema, with a new column of it. */
static void gen_new_enum(struct mp_arena *a, struct mp_rng *r, struct mp_case *c)
{
    if (!name_free(c->start, "mp_level") || !name_free(c->desired, "mp_level") || !c->desired->ntables)
        return;
    struct mp_utype u = {.kind = MP_UTYPE_ENUM, .name = "mp_level"};
    static const char *const lv[] = {"low", "high"};
    u.labels = mp_names_make(a, 2, lv);
    mp_schema_put_utype(a, c->desired, &u);
    struct mp_table *dt = c->desired->tables[mp_rng_below(r, c->desired->ntables)];
    if (!mp_table_column(dt, MP_POSTGRES, "mp_l"))
        add_col(a, dt, "mp_l", mp_utype_column_type(a, "mp_level"), mp_schema_new_id(c->desired));
}

void mp_gen_types(struct mp_arena *a, uint64_t seed, struct mp_case *c)
{
    struct mp_rng r;
    mp_rng_seed(&r, seed ^ 0x7e57ab1e5eedULL);
    if (mp_rng_chance(&r, 1, 2))
        gen_enum(a, &r, c);
    if (mp_rng_chance(&r, 1, 3))
        gen_domain(a, &r, c);
    if (mp_rng_chance(&r, 1, 4))
        gen_new_enum(a, &r, c);
}

size_t mp_gen_type_labels(struct mp_arena *a, const struct mp_schema *start, const struct mp_type *t,
                          const struct mp_schema *desired, const struct mp_type *dt, const char ***out)
{
    const struct mp_utype *u = mp_type_utype(start, t);
    if (!u || u->kind != MP_UTYPE_ENUM) {
        /* a column that becomes an enum: labels the start has too, since a
         * label ADD VALUE brings cannot be used in the plan's transaction */
        u = dt ? mp_type_utype(desired, dt) : NULL;
        const struct mp_utype *su = u ? mp_schema_utype(start, MP_POSTGRES, u->name) : NULL;
        if (su && su->kind == MP_UTYPE_ENUM)
            u = su;
    }
    if (!u || u->kind != MP_UTYPE_ENUM || !u->labels.n)
        return 0;
    *out = mp_arena_alloc(a, u->labels.n * sizeof **out);
    memcpy(*out, u->labels.v, u->labels.n * sizeof **out);
    return u->labels.n;
}

const struct mp_type *mp_gen_type_value_type(const struct mp_schema *s, const struct mp_type *t)
{
    const struct mp_utype *u = mp_type_utype(s, t);
    return u && u->kind == MP_UTYPE_DOMAIN ? &u->base : t;
}
