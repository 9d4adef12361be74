/* diff_pk.c - the diff of primary keys: a changed key is one ALTER
 * PRIMARY KEY, and on PostgreSQL the foreign keys on the old key are
 * dropped and added again around it (diff.h). */
#include "diff.h"

#include <string.h>

bool mp_diff_pk_changes(const struct mp_table *st, const struct mp_table *dt, const struct mp_renames *h,
                        enum mp_dialect d)
{
    if (st->pk.n != dt->pk.n)
        return true;
    for (size_t i = 0; i < st->pk.n; i++) {
        const char *fin = mp_diff_column_target(st, dt, h, d, st->pk.v[i]);
        if (!fin || !mp_name_eq(d, fin, dt->pk.v[i]))
            return true;
    }
    return false;
}

bool mp_diff_fk_on_changed_pk(const struct mp_schema *start, const struct mp_schema *desired,
                              const struct mp_renames *h, enum mp_dialect d, const struct mp_fk *f)
{
    const struct mp_table *srt = mp_schema_table(start, d, f->ref_table);
    const struct mp_table *drt = srt ? mp_diff_table_target(desired, h, d, srt->name) : NULL;
    if (!drt || !srt->pk.n)
        return false;
    struct mp_table key = {.pk = srt->pk};
    return mp_table_has_unique_key(&key, d, &f->ref_cols) && mp_diff_pk_changes(srt, drt, h, d);
}

int mp_diff_pk(struct mp_arena *a, const struct mp_table *st, const struct mp_table *dt, const struct mp_renames *h,
               enum mp_dialect d, struct mp_changeset *out, struct mp_error *err)
{
    if (!mp_diff_pk_changes(st, dt, h, d))
        return 0;
    /* PostgreSQL marks a key's columns NOT NULL ("CREATE TABLE", PRIMARY
     * KEY), and its catalogs say so: a desired key over a column that may
     * hold NULL cannot be reached there */
    for (size_t i = 0; d == MP_POSTGRES && i < dt->pk.n; i++) {
        const struct mp_column *c = mp_table_column(dt, d, dt->pk.v[i]);
        if (c && !c->not_null)
            return mp_error_set(err, MP_EINVAL,
                                "table \"%s\": primary key column \"%s\" is not NOT NULL in the desired schema "
                                "(PostgreSQL makes every primary key column NOT NULL)",
                                dt->name, c->name);
    }
    struct mp_op *op = mp_changeset_add(a, out, MP_OP_ALTER_PK);
    op->table = st->name;
    op->unique.name = dt->pk_name;
    op->unique.cols = dt->pk;
    return 0;
}
