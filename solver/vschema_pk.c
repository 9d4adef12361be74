/* vschema_pk.c - the virtual schema's rules for ALTER PRIMARY KEY (a
 * table's primary key changes, comes or goes).  Each rule cites the
 * documentation it models. */
#include "vschema_int.h"

#include <string.h>

/* Every call passes a literal format with two %s; a NULL stands for "". */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fail(struct mp_error *err, const char *fmt, const char *x, const char *y)
{
    return mp_error_set(err, MP_EPRECOND, fmt, x ? x : "", y ? y : "");
}
#pragma GCC diagnostic pop

/* A foreign key of `s` whose referenced columns are `t`'s (in any order,
 * as PostgreSQL matches a key to a unique index), or NULL. */
static const struct mp_table *fk_on_key(const struct mp_schema *s, enum mp_dialect d, const struct mp_table *t,
                                        const struct mp_names *key)
{
    struct mp_table only = {.pk = *key};
    for (size_t i = 0; key->n && i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++) {
            const struct mp_fk *f = &s->tables[i]->fks[j];
            if (mp_name_eq(d, f->ref_table, t->name) && mp_table_has_unique_key(&only, d, &f->ref_cols))
                return s->tables[i];
        }
    return NULL;
}

/* A foreign key to `t` whose referenced columns have no unique key in `t`. */
static const struct mp_table *fk_without_key(const struct mp_schema *s, enum mp_dialect d, const struct mp_table *t)
{
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++) {
            const struct mp_fk *f = &s->tables[i]->fks[j];
            if (mp_name_eq(d, f->ref_table, t->name) && !mp_table_has_unique_key(t, d, &f->ref_cols))
                return s->tables[i];
        }
    return NULL;
}

int mp_vschema_apply_pk(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, struct mp_table *t,
                        const struct mp_op *op, struct mp_error *err)
{
    const struct mp_names *key = &op->unique.cols;
    /* PostgreSQL "ALTER TABLE ... DROP CONSTRAINT" (RESTRICT): refused while
     * a foreign key depends on the key's index, even when another unique
     * constraint has the same columns (the key depends on the index it was
     * made against); such keys are dropped before and added again after.
     * SQLite, which checks keys only when rows change, is held to it too */
    const struct mp_table *o = fk_on_key(s, d, t, &t->pk);
    if (o)
        return fail(err, "cannot change the primary key of \"%s\": a foreign key of \"%s\" references it", t->name,
                    o->name);
    for (size_t i = 0; i < key->n; i++) {
        const struct mp_column *c = mp_table_column(t, d, key->v[i]);
        if (!c)
            return fail(err, "primary key column \"%s\" does not exist in \"%s\"", key->v[i], t->name);
        for (size_t j = 0; j < i; j++)
            if (mp_name_eq(d, key->v[j], key->v[i]))
                return fail(err, "primary key of \"%s\" names column \"%s\" twice", t->name, key->v[i]);
        /* PostgreSQL "ALTER TABLE ... ADD PRIMARY KEY" ("CREATE TABLE",
         * PRIMARY KEY: the columns are marked NOT NULL, and a NULL fails
         * the statement): the plan makes them NOT NULL in a step of its
         * own first.  SQLite lets a rowid table's key hold NULL ("CREATE
         * TABLE" 3.5, a long-standing bug kept for compatibility) */
        if (d == MP_POSTGRES && !c->not_null)
            return fail(err, "primary key column \"%s\" of \"%s\" is not NOT NULL", c->name, t->name);
    }
    struct mp_table saved = *t;
    const char *old_name = t->pk_name;
    if (d == MP_POSTGRES && old_name)
        mp_schema_rel_del(s, old_name);
    t->pk.n = 0;
    t->pk_name = NULL;
    const char *name = op->unique.name;
    /* PostgreSQL: the key's index is a relation of the schema ("CREATE
     * INDEX"), unnamed it is "<table>_pkey" (mp_pg_auto_pkey_name()) */
    if (d == MP_POSTGRES && key->n && name && mp_vschema_name_taken(s, d, name)) {
        *t = saved;
        if (old_name)
            mp_schema_rel_add(s, old_name, NULL);
        return fail(err, "cannot name the primary key of \"%s\" \"%s\": the name is already used by a relation",
                    t->name, name);
    }
    if (d == MP_POSTGRES && key->n && !name)
        name = mp_pg_auto_pkey_name(a, s, t->name);
    t->pk = mp_names_copy(a, key);
    t->pk_name = key->n ? mp_arena_strdup(a, name) : NULL;
    /* a foreign key's referenced columns keep a unique key (PostgreSQL
     * "CREATE TABLE" REFERENCES; SQLite "Foreign Key Support" 3: a
     * "foreign key mismatch" otherwise); WITHOUT ROWID needs a key and
     * AUTOINCREMENT the INTEGER PRIMARY KEY (vschema_column.c) */
    int rc = 0;
    o = fk_without_key(s, d, t);
    if (o)
        rc = fail(err, "cannot change the primary key of \"%s\": a foreign key of \"%s\" would lose its unique key",
                  t->name, o->name);
    if (!rc)
        rc = mp_vschema_check_table_features(t, d, err);
    if (rc) {
        *t = saved;
        if (d == MP_POSTGRES && old_name)
            mp_schema_rel_add(s, old_name, NULL);
        return rc;
    }
    if (d == MP_POSTGRES && t->pk_name)
        mp_schema_rel_add(s, t->pk_name, NULL);
    return 0;
}
