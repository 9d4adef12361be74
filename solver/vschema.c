/* vschema.c - the virtual schema: preconditions and effects of concrete
 * steps, per dialect.  Each rule cites the documentation it models. */
#include "vschema.h"

#include "index_def.h"
#include "model_check.h"
#include "vschema_int.h"

#include <stdio.h>
#include <string.h>

#define PG_NAMEDATALEN 64

bool mp_vschema_name_taken(const struct mp_schema *s, enum mp_dialect d, const char *name)
{
    bool taken;
    /* PostgreSQL: a sequence is a relation (pg_class relkind 'S') */
    if (d == MP_POSTGRES && s->nseqs && mp_schema_sequence(s, d, name))
        return true;
    if (s->rel && mp_schema_rel_lookup(s, name, &taken, NULL) && mp_schema_rel_dialect(s) == d)
        return taken;
    if (mp_schema_relation_object(s, d, name))
        return true;
    for (size_t i = 0; i < s->ntables; i++) {
        const struct mp_table *t = s->tables[i];
        if (mp_name_eq(d, t->name, name))
            return true;
        if (mp_table_find_index(t, d, name) >= 0)
            return true;
        if (d == MP_POSTGRES) {
            if (t->pk_name && mp_name_eq(d, t->pk_name, name))
                return true;
            for (size_t j = 0; j < t->nuniques; j++)
                if (t->uniques[j].name && mp_name_eq(d, t->uniques[j].name, name))
                    return true;
        }
    }
    return false;
}

const char *mp_pg_auto_pkey_name(struct mp_arena *a, const struct mp_schema *s,
                                 const char *table)
{
    /* makeObjectName(): truncate the table name so "<t>_pkey[N]" fits in 63
     * bytes (clipping is byte-wise here; PostgreSQL clips at a character
     * boundary, which only differs for multi-byte names near the limit). */
    for (int pass = 0;; pass++) {
        char suffix[32];
        if (pass == 0)
            snprintf(suffix, sizeof suffix, "_pkey");
        else
            snprintf(suffix, sizeof suffix, "_pkey%d", pass);
        size_t tl = strlen(table), sl = strlen(suffix);
        if (tl + sl > PG_NAMEDATALEN - 1)
            tl = PG_NAMEDATALEN - 1 - sl;
        const char *cand = mp_arena_printf(a, "%.*s%s", (int)tl, table, suffix);
        if (!mp_vschema_name_taken(s, MP_POSTGRES, cand))
            return cand;
    }
}

/* Every call passes a literal format with two %s; a NULL stands for "". */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int fail(struct mp_error *err, const char *fmt, const char *x, const char *y)
{
    return mp_error_set(err, MP_EPRECOND, fmt, x ? x : "", y ? y : "");
}
#pragma GCC diagnostic pop

/* Types a foreign key may join: PostgreSQL requires the referencing and
 * referenced columns to have comparable types with a default btree operator
 * ("CREATE TABLE", REFERENCES); integer and bigint compare, text and varchar
 * compare.  We require the same family so that SQLite (which does not check)
 * is held to what PostgreSQL accepts. */
static int type_family(const struct mp_type *t)
{
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT: return 1;
    case MP_TYPE_TEXT:
    case MP_TYPE_VARCHAR: return 2;
    case MP_TYPE_RAW: return 100; /* unknown: accept */
    default: return 10 + (int)t->kind;
    }
}

/* Check that the columns of `fk` exist on `t`, that the referenced table
 * exists in `s` (or is `t` itself), that its referenced columns exist and
 * carry a primary key or unique constraint (PostgreSQL "CREATE TABLE":
 * "the referenced columns must be the columns of a non-deferrable unique or
 * primary key constraint"; SQLite "Foreign Key Support" 3: otherwise
 * "foreign key mismatch" at DML time), and that types are comparable. */
static int check_fk(const struct mp_schema *s, enum mp_dialect d, const struct mp_table *t,
                    const struct mp_fk *fk, bool target_required, struct mp_error *err)
{
    if (fk->cols.n == 0 || fk->cols.n != fk->ref_cols.n)
        return fail(err, "foreign key on \"%s\" has mismatched column lists%s", t->name, NULL);
    for (size_t i = 0; i < fk->cols.n; i++)
        if (!mp_table_column(t, d, fk->cols.v[i]))
            return fail(err, "foreign key column \"%s\" does not exist in table \"%s\"",
                        fk->cols.v[i], t->name);
    const struct mp_table *rt =
        mp_name_eq(d, fk->ref_table, t->name) ? t : mp_schema_table(s, d, fk->ref_table);
    if (!rt) {
        if (!target_required)
            return 0;
        return fail(err, "foreign key references table \"%s\", which does not exist%s",
                    fk->ref_table, NULL);
    }
    for (size_t i = 0; i < fk->ref_cols.n; i++) {
        const struct mp_column *rc = mp_table_column(rt, d, fk->ref_cols.v[i]);
        if (!rc)
            return fail(err, "foreign key references column \"%s\" of \"%s\", which does not exist",
                        fk->ref_cols.v[i], rt->name);
        const struct mp_column *c = mp_table_column(t, d, fk->cols.v[i]);
        if (type_family(&c->type) != type_family(&rc->type) &&
            type_family(&c->type) != 100 && type_family(&rc->type) != 100)
            return fail(err, "foreign key column \"%s\" and referenced column \"%s\" have incompatible types",
                        c->name, rc->name);
    }
    if (!mp_table_has_unique_key(rt, d, &fk->ref_cols))
        return fail(err, "foreign key references columns of \"%s\" that have no primary key or unique constraint%s",
                    rt->name, NULL);
    return 0;
}

static bool fk_same(enum mp_dialect d, const struct mp_fk *x, const struct mp_fk *y)
{
    return mp_names_eq(d, &x->cols, &y->cols) && mp_name_eq(d, x->ref_table, y->ref_table) &&
           mp_names_eq(d, &x->ref_cols, &y->ref_cols);
}

/* Some other table's foreign key that references `t` (or its column `col`
 * when non-NULL); returns the referencing table or NULL. */
static const struct mp_table *referenced_by(const struct mp_schema *s, enum mp_dialect d,
                                            const struct mp_table *t, const char *col)
{
    for (size_t i = 0; i < s->ntables; i++) {
        const struct mp_table *o = s->tables[i];
        if (o == t)
            continue;
        for (size_t j = 0; j < o->nfks; j++)
            if (mp_name_eq(d, o->fks[j].ref_table, t->name) &&
                (!col || mp_names_contains(d, &o->fks[j].ref_cols, col)))
                return o;
    }
    return NULL;
}

/* Length of the string literal 'x''y' (characters, after undoubling), or
 * -1 when `sql` is not one. */
static long literal_length(const char *sql)
{
    if (!sql || sql[0] != '\'')
        return -1;
    long n = 0;
    const unsigned char *p = (const unsigned char *)sql + 1;
    for (; *p; p++) {
        if (*p == '\'') {
            if (p[1] != '\'')
                return p[1] ? -1 : n;
            p++;
        }
        if ((*p & 0xC0) != 0x80)
            n++;
    }
    return -1;
}

/* A default must fit its column: PostgreSQL coerces the default to the
 * column type when the table is created or the column added ("CREATE
 * TABLE" DEFAULT; varchar(n) raises "value too long").  SQLite does not
 * check lengths ("Datatypes In SQLite"); both are held to PostgreSQL's rule. */
static int check_default(const struct mp_table *t, const struct mp_column *c, const char *def, struct mp_error *err)
{
    long len = literal_length(def);
    if (c->type.kind == MP_TYPE_VARCHAR && len > c->type.len)
        return mp_error_set(err, MP_EPRECOND, "default %s of \"%s\".\"%s\" does not fit varchar(%d)", def,
                            t->name, c->name, c->type.len);
    return 0;
}

static int check_create(const struct mp_schema *s, enum mp_dialect d, const struct mp_table *t,
                        struct mp_error *err)
{
    if (mp_vschema_name_taken(s, d, t->name))
        return fail(err, "cannot create table \"%s\": the name is already used by a table or index%s",
                    t->name, NULL);
    if (t->ncols == 0)
        return fail(err, "table \"%s\" has no columns%s", t->name, NULL);
    for (size_t i = 0; i < t->ncols; i++)
        for (size_t j = 0; j < i; j++)
            if (mp_name_eq(d, t->cols[i].name, t->cols[j].name))
                return fail(err, "table \"%s\" has two columns named \"%s\"", t->name, t->cols[i].name);
    for (size_t i = 0; i < t->ncols; i++) {
        int rc = check_default(t, &t->cols[i], t->cols[i].default_sql, err);
        if (rc)
            return rc;
    }
    /* features, as the dialect renders them (mp_table_project) */
    int frc = mp_vschema_check_table_features(t, d, err);
    if (frc)
        return frc;
    for (size_t i = 0; i < t->pk.n; i++)
        if (!mp_table_column(t, d, t->pk.v[i]))
            return fail(err, "primary key column \"%s\" does not exist in \"%s\"", t->pk.v[i], t->name);
    for (size_t u = 0; u < t->nuniques; u++)
        for (size_t i = 0; i < t->uniques[u].cols.n; i++)
            if (!mp_table_column(t, d, t->uniques[u].cols.v[i]))
                return fail(err, "unique column \"%s\" does not exist in \"%s\"",
                            t->uniques[u].cols.v[i], t->name);
    if (d == MP_POSTGRES && t->pk_name && mp_vschema_name_taken(s, d, t->pk_name))
        return fail(err, "primary key name \"%s\" of table \"%s\" is already a relation name",
                    t->pk_name, t->name);
    /* Inline foreign keys: PostgreSQL resolves the referenced table when the
     * CREATE TABLE runs; SQLite only when rows are written ("Foreign Key
     * Support" 3: the parent table need not exist when the child is
     * created), so there a missing target is allowed. */
    for (size_t i = 0; i < t->nfks; i++) {
        int rc = check_fk(s, d, t, &t->fks[i], d == MP_POSTGRES, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < t->nindexes; i++) {
        const struct mp_index *x = &t->indexes[i];
        if (mp_vschema_name_taken(s, d, x->name) || mp_name_eq(d, x->name, t->name))
            return fail(err, "index name \"%s\" is already used by a relation%s", x->name, NULL);
        for (size_t j = 0; j < i; j++)
            if (mp_name_eq(d, x->name, t->indexes[j].name))
                return fail(err, "two indexes named \"%s\"%s", x->name, NULL);
        for (size_t j = 0; j < x->cols.n; j++)
            if (mp_index_key_is_column(x, j) && !mp_table_column(t, d, x->cols.v[j]))
                return fail(err, "index column \"%s\" does not exist in \"%s\"", x->cols.v[j], t->name);
        if (d == MP_SQLITE && mp_index_sqlite_refusal(x))
            return fail(err, "index \"%s\": %s", x->name, mp_index_sqlite_refusal(x));
    }
    return mp_vschema_check_create(NULL, s, d, (struct mp_table *)t, err);
}

static void rename_in(struct mp_arena *a, enum mp_dialect d, struct mp_names *n,
                      const char *old, const char *new_name)
{
    for (size_t i = 0; i < n->n; i++)
        if (mp_name_eq(d, n->v[i], old))
            n->v[i] = mp_arena_strdup(a, new_name);
}

static int apply_table_op(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d, const struct mp_op *op,
                          struct mp_error *err)
{
    struct mp_table *t = NULL;
    long ti = -1;
    if (mp_op_is_sequence_op(op->kind))
        return mp_vschema_apply_sequence(a, s, d, op, err);
    if (mp_op_is_type_op(op->kind))
        return mp_vschema_apply_type(a, s, d, op, err);
    if (op->kind != MP_OP_CREATE_TABLE) {
        ti = mp_schema_find_table(s, d, op->table);
        if (ti < 0)
            return fail(err, "table \"%s\" does not exist%s", op->table, NULL);
        t = s->tables[ti];
    }
    int rc;
    switch (op->kind) {
    case MP_OP_CREATE_TABLE: {
        const struct mp_table *def = op->def;
        if (mp_table_has_features(def)) {
            struct mp_table *proj = mp_table_clone(a, def);
            mp_table_project(proj, d);
            def = proj;
        }
        if ((rc = check_create(s, d, def, err)))
            return rc;
        t = mp_schema_put_table(a, s, def);
        /* a created table is a new object, whatever ids its definition had */
        t->id = mp_schema_new_id(s);
        for (size_t i = 0; i < t->ncols; i++)
            t->cols[i].id = mp_schema_new_id(s);
        for (size_t i = 0; i < t->nindexes; i++)
            t->indexes[i].id = mp_schema_new_id(s);
        if (d == MP_POSTGRES && t->pk.n && !t->pk_name) {
            t->pk_name = mp_pg_auto_pkey_name(a, s, t->name);
            mp_schema_rel_add(s, t->pk_name, NULL);
        }
        return mp_vschema_check_create(a, s, d, t, err);
    }

    case MP_OP_DROP_TABLE: {
        /* PostgreSQL "DROP TABLE": refuses while another table's foreign key
         * references it (RESTRICT).  SQLite allows it but leaves the
         * reference dangling, which fails later DML ("Foreign Key Support"
         * 5, DROP TABLE); we hold both to the safe rule. */
        const struct mp_table *o = referenced_by(s, d, t, NULL);
        if (o)
            return fail(err, "cannot drop table \"%s\": table \"%s\" has a foreign key referencing it",
                        t->name, o->name);
        mp_schema_remove_table(s, (size_t)ti);
        return 0;
    }

    case MP_OP_RENAME_TABLE:
        if (mp_vschema_name_taken(s, d, op->new_name) &&
            !(d == MP_POSTGRES && strcmp(op->new_name, t->name) == 0))
            return fail(err, "cannot rename table \"%s\" to \"%s\": the name is already used",
                        t->name, op->new_name);
        /* Foreign keys follow the table: PostgreSQL references by OID;
         * SQLite >= 3.26 rewrites REFERENCES clauses of other tables
         * ("ALTER TABLE" 4, legacy_alter_table=OFF). */
        for (size_t i = 0; i < s->ntables; i++)
            for (size_t j = 0; j < s->tables[i]->nfks; j++)
                if (mp_name_eq(d, s->tables[i]->fks[j].ref_table, t->name))
                    s->tables[i]->fks[j].ref_table = mp_arena_strdup(a, op->new_name);
        mp_schema_rel_del(s, t->name);
        t->name = mp_arena_strdup(a, op->new_name);
        mp_schema_rel_add(s, t->name, t);
        return 0;

    case MP_OP_ADD_COLUMN: {
        const struct mp_column *c = &op->column;
        if (mp_table_column(t, d, c->name))
            return fail(err, "column \"%s\" already exists in \"%s\"", c->name, t->name);
        /* SQLite "ALTER TABLE" 5 (ADD COLUMN): a NOT NULL column needs a
         * non-NULL default.  PostgreSQL accepts it only on an empty table
         * (the default fills existing rows); the rule is kept on both so the
         * plan works on tables with data. */
        if ((rc = check_default(t, c, c->default_sql, err)))
            return rc;
        struct mp_column pc = *c;
        mp_column_project(&pc, d);
        /* an identity or serial column fills itself (PostgreSQL "ALTER TABLE
         * ... ADD COLUMN"); a generated one computes its values */
        if (pc.not_null && !pc.default_sql && !pc.feat.identity && !pc.feat.serial)
            return fail(err, "cannot add NOT NULL column \"%s\" to \"%s\" without a default",
                        c->name, t->name);
        if ((rc = mp_vschema_check_column(t, &pc, d, err)))
            return rc;
        /* SQLite "ALTER TABLE" 5: the added column may not be a PRIMARY KEY */
        if (pc.feat.autoincrement)
            return fail(err, "cannot add AUTOINCREMENT column \"%s\" to \"%s\": it would be the primary key",
                        c->name, t->name);
        struct mp_column *nc = mp_table_add_column(a, t, c->name, c->type);
        nc->not_null = pc.not_null;
        nc->default_sql = mp_arena_strdup(a, c->default_sql);
        nc->type.raw = mp_arena_strdup(a, c->type.raw);
        nc->feat = pc.feat;
        mp_colfeat_copy(a, &nc->feat);
        nc->id = mp_schema_new_id(s);
        return 0;
    }

    case MP_OP_DROP_COLUMN: {
        long ci = mp_table_find_column(t, d, op->name);
        if (ci < 0)
            return fail(err, "column \"%s\" does not exist in \"%s\"", op->name, t->name);
        /* SQLite "ALTER TABLE" 6 (DROP COLUMN) fails when the column is part
         * of the primary key, a UNIQUE constraint, an index, a foreign key,
         * or is the only column.  PostgreSQL would instead drop the index or
         * constraint silently ("ALTER TABLE ... DROP COLUMN") and refuses
         * only foreign keys of other tables; the planner drops dependents
         * explicitly, so both dialects use SQLite's stricter rule. */
        if (t->ncols == 1)
            return fail(err, "cannot drop column \"%s\": it is the only column of \"%s\"", op->name, t->name);
        /* PostgreSQL: "cannot drop column ... because other objects depend
         * on it" (a generation expression); SQLite fails the same DROP */
        if (mp_table_column_in_generated(t, op->name))
            return fail(err, "cannot drop column \"%s\": a generated column of \"%s\" uses it", op->name, t->name);
        if (mp_names_contains(d, &t->pk, op->name))
            return fail(err, "cannot drop column \"%s\": it is part of the primary key of \"%s\"",
                        op->name, t->name);
        for (size_t i = 0; i < t->nuniques; i++)
            if (mp_names_contains(d, &t->uniques[i].cols, op->name))
                return fail(err, "cannot drop column \"%s\": a unique constraint of \"%s\" uses it",
                            op->name, t->name);
        for (size_t i = 0; i < t->nindexes; i++)
            if (mp_index_uses(d, &t->indexes[i], op->name))
                return fail(err, "cannot drop column \"%s\": index \"%s\" uses it", op->name,
                            t->indexes[i].name);
        /* SQLite "ALTER TABLE" 6: DROP COLUMN fails while a CHECK names the
         * column; PostgreSQL drops such checks with it.  Both are held to
         * SQLite's rule: the plan drops the check first */
        if (mp_table_checks_use(t, d, op->name, NULL))
            return fail(err, "cannot drop column \"%s\": a check constraint of \"%s\" uses it", op->name, t->name);
        for (size_t i = 0; i < t->nfks; i++)
            if (mp_names_contains(d, &t->fks[i].cols, op->name))
                return fail(err, "cannot drop column \"%s\": a foreign key of \"%s\" uses it",
                            op->name, t->name);
        const struct mp_table *o = referenced_by(s, d, t, op->name);
        if (o)
            return fail(err, "cannot drop column \"%s\": a foreign key of \"%s\" references it",
                        op->name, o->name);
        for (size_t i = 0; i < t->nfks; i++) /* self-reference */
            if (mp_name_eq(d, t->fks[i].ref_table, t->name) &&
                mp_names_contains(d, &t->fks[i].ref_cols, op->name))
                return fail(err, "cannot drop column \"%s\": a foreign key of \"%s\" references it",
                            op->name, t->name);
        memmove(&t->cols[ci], &t->cols[ci + 1], (t->ncols - (size_t)ci - 1) * sizeof t->cols[0]);
        t->ncols--;
        return 0;
    }

    case MP_OP_RENAME_COLUMN: {
        if (!mp_table_column(t, d, op->name))
            return fail(err, "column \"%s\" does not exist in \"%s\"", op->name, t->name);
        if (mp_table_column(t, d, op->new_name))
            return fail(err, "cannot rename column to \"%s\": it already exists in \"%s\"",
                        op->new_name, t->name);
        /* The new name appears in the table, its keys and indexes, and in
         * foreign keys of any table that reference it (SQLite "ALTER TABLE"
         * 3: RENAME COLUMN rewrites references in indexes, triggers, views
         * and foreign keys; PostgreSQL references by attnum). */
        struct mp_column *c = mp_table_column(t, d, op->name);
        const char *old = c->name;
        c->name = mp_arena_strdup(a, op->new_name);
        rename_in(a, d, &t->pk, old, op->new_name);
        for (size_t i = 0; i < t->nuniques; i++)
            rename_in(a, d, &t->uniques[i].cols, old, op->new_name);
        for (size_t i = 0; i < t->nindexes; i++) {
            if (t->indexes[i].keys || t->indexes[i].where || t->indexes[i].include.n)
                mp_index_translate(a, d, &t->indexes[i], 1, &old, (const char *const *)&c->name);
            else
                rename_in(a, d, &t->indexes[i].cols, old, op->new_name);
        }
        mp_table_rename_in_checks(a, d, t, old, op->new_name);
        for (size_t i = 0; i < t->nfks; i++)
            rename_in(a, d, &t->fks[i].cols, old, op->new_name);
        for (size_t i = 0; i < t->ncols; i++)
            if (t->cols[i].feat.generated_sql)
                t->cols[i].feat.generated_sql = mp_genexpr_rename(a, t->cols[i].feat.generated_sql, old, op->new_name);
        for (size_t i = 0; i < s->ntables; i++)
            for (size_t j = 0; j < s->tables[i]->nfks; j++)
                if (mp_name_eq(d, s->tables[i]->fks[j].ref_table, t->name))
                    rename_in(a, d, &s->tables[i]->fks[j].ref_cols, old, op->new_name);
        return 0;
    }

    case MP_OP_ADD_FK: {
        /* SQLite adds a key by rebuilding the table, and CREATE TABLE takes
         * a key to a table that does not exist (as for CREATE TABLE above) */
        if ((rc = check_fk(s, d, t, &op->fk, d == MP_POSTGRES, err)))
            return rc;
        for (size_t i = 0; i < t->nfks; i++) {
            if (fk_same(d, &t->fks[i], &op->fk))
                return fail(err, "table \"%s\" already has this foreign key%s", t->name, NULL);
            /* PostgreSQL: constraint names are unique per table. */
            if (d == MP_POSTGRES && op->fk.name && t->fks[i].name &&
                mp_name_eq(d, t->fks[i].name, op->fk.name))
                return fail(err, "constraint \"%s\" already exists on \"%s\"", op->fk.name, t->name);
        }
        struct mp_fk *f = mp_table_add_fk(a, t);
        f->name = mp_arena_strdup(a, op->fk.name);
        f->cols = mp_names_copy(a, &op->fk.cols);
        f->ref_table = mp_arena_strdup(a, op->fk.ref_table);
        f->ref_cols = mp_names_copy(a, &op->fk.ref_cols);
        f->on_delete = op->fk.on_delete;
        f->on_update = op->fk.on_update;
        f->deferrable = op->fk.deferrable;
        f->initially_deferred = op->fk.initially_deferred;
        f->match_full = op->fk.match_full;
        return 0;
    }

    case MP_OP_DROP_FK:
        for (size_t i = 0; i < t->nfks; i++)
            if (fk_same(d, &t->fks[i], &op->fk)) {
                memmove(&t->fks[i], &t->fks[i + 1], (t->nfks - i - 1) * sizeof t->fks[0]);
                t->nfks--;
                return 0;
            }
        return fail(err, "table \"%s\" has no such foreign key (to \"%s\")", t->name, op->fk.ref_table);

    case MP_OP_ADD_INDEX: {
        const struct mp_index *x = &op->index;
        if (mp_vschema_name_taken(s, d, x->name))
            return fail(err, "cannot create index \"%s\": the name is already used by a relation%s",
                        x->name, NULL);
        if (x->cols.n == 0)
            return fail(err, "index \"%s\" has no columns%s", x->name, NULL);
        for (size_t i = 0; i < x->cols.n; i++)
            if (mp_index_key_is_column(x, i) && !mp_table_column(t, d, x->cols.v[i]))
                return fail(err, "index column \"%s\" does not exist in \"%s\"", x->cols.v[i], t->name);
        for (size_t i = 0; i < x->include.n; i++)
            if (!mp_table_column(t, d, x->include.v[i]))
                return fail(err, "INCLUDE column \"%s\" does not exist in \"%s\"", x->include.v[i], t->name);
        if (d == MP_SQLITE && mp_index_sqlite_refusal(x))
            return fail(err, "index \"%s\": %s", x->name, mp_index_sqlite_refusal(x));
        struct mp_index *nx = mp_table_add_index(a, t);
        nx->name = mp_arena_strdup(a, x->name);
        nx->unique = x->unique;
        nx->cols = mp_names_copy(a, &x->cols);
        mp_index_copy_def(a, nx, x);
        mp_index_project(nx, d); /* what SQLite keeps of it (sql.c renders the same) */
        nx->id = mp_schema_new_id(s);
        mp_schema_rel_add(s, nx->name, NULL);
        return 0;
    }

    case MP_OP_DROP_INDEX: {
        long xi = mp_table_find_index(t, d, op->name);
        if (xi < 0)
            return fail(err, "index \"%s\" does not exist on \"%s\"", op->name, t->name);
        struct mp_index *x = &t->indexes[xi];
        /* A unique index that a foreign key relies on cannot go first
         * (PostgreSQL: "cannot drop index ... because constraint ... requires
         * it"). */
        if (x->unique) {
            for (size_t i = 0; i < s->ntables; i++)
                for (size_t j = 0; j < s->tables[i]->nfks; j++) {
                    const struct mp_fk *f = &s->tables[i]->fks[j];
                    if (!mp_name_eq(d, f->ref_table, t->name))
                        continue;
                    /* still unique without this index? */
                    struct mp_index saved = *x;
                    x->unique = false;
                    bool still = mp_table_has_unique_key(t, d, &f->ref_cols);
                    *x = saved;
                    if (!still)
                        return fail(err, "cannot drop index \"%s\": a foreign key of \"%s\" relies on it",
                                    op->name, s->tables[i]->name);
                }
        }
        mp_schema_rel_del(s, x->name);
        memmove(&t->indexes[xi], &t->indexes[xi + 1],
                (t->nindexes - (size_t)xi - 1) * sizeof t->indexes[0]);
        t->nindexes--;
        return 0;
    }

    case MP_OP_RENAME_INDEX: {
        /* PostgreSQL "ALTER INDEX ... RENAME TO"; SQLite has no such
         * statement ("ALTER TABLE" 1) and drops and re-creates the index.
         * Either way the new name must be free in the schema's relation
         * namespace ("CREATE INDEX": the name must be distinct from any
         * other relation in that schema; SQLite: index and table names share
         * sqlite_schema). */
        long xi = mp_table_find_index(t, d, op->name);
        if (xi < 0)
            return fail(err, "index \"%s\" does not exist on \"%s\"", op->name, t->name);
        if (mp_vschema_name_taken(s, d, op->new_name))
            return fail(err, "cannot rename index \"%s\" to \"%s\": the name is already used by a relation",
                        op->name, op->new_name);
        mp_schema_rel_del(s, t->indexes[xi].name);
        t->indexes[xi].name = mp_arena_strdup(a, op->new_name);
        mp_schema_rel_add(s, t->indexes[xi].name, NULL);
        return 0;
    }

    case MP_OP_ALTER_TYPE:
    case MP_OP_SET_NOT_NULL:
    case MP_OP_DROP_NOT_NULL:
    case MP_OP_SET_DEFAULT:
    case MP_OP_DROP_DEFAULT: {
        struct mp_column *c = mp_table_column(t, d, op->name);
        if (!c)
            return fail(err, "column \"%s\" does not exist in \"%s\"", op->name, t->name);
        switch (op->kind) {
        case MP_OP_ALTER_TYPE: {
            /* PostgreSQL "ALTER TABLE ... ALTER COLUMN ... TYPE ... USING":
             * rewrites the column, rebuilding its indexes and constraints;
             * SQLite needs the 12-step rebuild ("ALTER TABLE" 7).  Only
             * value-preserving casts are planned (mp_type_widens). */
            /* PostgreSQL: "cannot alter type of a column used by a
             * generated column"; SQLite "STRICT Tables" types */
            if (mp_table_column_in_generated(t, c->name))
                return fail(err, "cannot change the type of \"%s\": a generated column of \"%s\" uses it",
                            c->name, t->name);
            if (d == MP_SQLITE && t->strict && !mp_strict_type_ok(&op->column.type))
                return fail(err, "cannot change the type of \"%s\": STRICT table \"%s\" refuses the new type",
                            c->name, t->name);
            if (!mp_type_widens_in(d, &c->type, &op->column.type) && !op->lossy &&
                !mp_utype_change_ok(s, &c->type, s, &op->column.type)) {
                struct mp_buf f = {0}, g = {0};
                mp_type_canonical(&f, &c->type);
                mp_type_canonical(&g, &op->column.type);
                mp_error_set(err, MP_EPRECOND,
                             "cannot change \"%s\".\"%s\" from %s to %s: not a value-preserving cast",
                             t->name, c->name, mp_buf_str(&f), mp_buf_str(&g));
                mp_buf_free(&f);
                mp_buf_free(&g);
                return MP_EPRECOND;
            }
            struct mp_type saved = c->type;
            c->type = op->column.type;
            c->type.raw = mp_arena_strdup(a, op->column.type.raw);
            /* foreign keys on or to the column must still join comparable
             * types (check_fk) */
            for (size_t i = 0; i < s->ntables; i++)
                for (size_t j = 0; j < s->tables[i]->nfks; j++) {
                    const struct mp_fk *f = &s->tables[i]->fks[j];
                    bool on = s->tables[i] == t && mp_names_contains(d, &f->cols, c->name);
                    bool to = mp_name_eq(d, f->ref_table, t->name) && mp_names_contains(d, &f->ref_cols, c->name);
                    if ((on || to) && (rc = check_fk(s, d, s->tables[i], f, true, err))) {
                        c->type = saved;
                        return rc;
                    }
                }
            return 0;
        }
        case MP_OP_SET_NOT_NULL:
            /* PostgreSQL "ALTER COLUMN ... SET NOT NULL" scans the table and
             * fails on a NULL; the data generator keeps NULLs out of such
             * columns.  SQLite: rebuild. */
            if (c->not_null)
                return fail(err, "column \"%s\" of \"%s\" is already NOT NULL", c->name, t->name);
            c->not_null = true;
            return 0;
        case MP_OP_DROP_NOT_NULL:
            /* PostgreSQL "ALTER COLUMN ... DROP NOT NULL": refused on a
             * primary-key column ("column is in a primary key"). */
            if (!c->not_null)
                return fail(err, "column \"%s\" of \"%s\" is not NOT NULL", c->name, t->name);
            if (mp_names_contains(d, &t->pk, c->name))
                return fail(err, "cannot drop NOT NULL of \"%s\": it is in the primary key of \"%s\"",
                            c->name, t->name);
            c->not_null = false;
            return 0;
        case MP_OP_SET_DEFAULT:
            /* PostgreSQL: "column ... is an identity column" / "is a
             * generated column" refuse SET DEFAULT */
            if ((d == MP_POSTGRES && (c->feat.identity || c->feat.serial)) || c->feat.generated)
                return fail(err, "cannot set a default on \"%s\" of \"%s\": it is an identity, serial or generated column",
                            c->name, t->name);
            if (!op->column.default_sql)
                return fail(err, "set default on \"%s\".\"%s\" without a default expression", t->name, c->name);
            if ((rc = check_default(t, c, op->column.default_sql, err)))
                return rc;
            c->default_sql = mp_arena_strdup(a, op->column.default_sql);
            return 0;
        default:
            if (!c->default_sql)
                return fail(err, "column \"%s\" of \"%s\" has no default", c->name, t->name);
            c->default_sql = NULL;
            return 0;
        }
    }

    case MP_OP_ADD_UNIQUE: {
        /* PostgreSQL "ALTER TABLE ... ADD CONSTRAINT ... UNIQUE" creates a
         * constraint-backed index whose name shares the relation namespace
         * ("CREATE INDEX"); SQLite has no ADD CONSTRAINT and rebuilds. */
        const struct mp_unique *u = &op->unique;
        if (u->cols.n == 0)
            return fail(err, "unique constraint on \"%s\" has no columns%s", t->name, NULL);
        for (size_t i = 0; i < u->cols.n; i++)
            if (!mp_table_column(t, d, u->cols.v[i]))
                return fail(err, "unique column \"%s\" does not exist in \"%s\"", u->cols.v[i], t->name);
        if (d == MP_POSTGRES && u->name && mp_vschema_name_taken(s, d, u->name))
            return fail(err, "cannot add unique constraint \"%s\": the name is already used by a relation%s",
                        u->name, NULL);
        for (size_t i = 0; i < t->nuniques; i++)
            if (u->name && t->uniques[i].name && mp_name_eq(d, t->uniques[i].name, u->name))
                return fail(err, "constraint \"%s\" already exists on \"%s\"", u->name, t->name);
        struct mp_unique *nu = mp_table_add_unique(a, t);
        nu->name = mp_arena_strdup(a, u->name);
        nu->cols = mp_names_copy(a, &u->cols);
        if (d == MP_POSTGRES)
            mp_schema_rel_add(s, nu->name, NULL);
        return 0;
    }

    case MP_OP_DROP_UNIQUE: {
        /* PostgreSQL "ALTER TABLE ... DROP CONSTRAINT": refused while a
         * foreign key depends on its index (unless another unique key
         * remains).  Named constraints match by name, unnamed ones by
         * columns. */
        long ui = -1;
        for (size_t i = 0; i < t->nuniques && ui < 0; i++) {
            const struct mp_unique *u = &t->uniques[i];
            if (op->unique.name && u->name ? mp_name_eq(d, u->name, op->unique.name)
                                           : mp_names_eq(d, &u->cols, &op->unique.cols))
                ui = (long)i;
        }
        if (ui < 0)
            return fail(err, "table \"%s\" has no such unique constraint%s", t->name, NULL);
        struct mp_unique saved = t->uniques[ui];
        memmove(&t->uniques[ui], &t->uniques[ui + 1], (t->nuniques - (size_t)ui - 1) * sizeof t->uniques[0]);
        t->nuniques--;
        for (size_t i = 0; i < s->ntables; i++)
            for (size_t j = 0; j < s->tables[i]->nfks; j++) {
                const struct mp_fk *f = &s->tables[i]->fks[j];
                if (mp_name_eq(d, f->ref_table, t->name) && mp_names_eq(d, &f->ref_cols, &saved.cols) &&
                    !mp_table_has_unique_key(t, d, &f->ref_cols)) {
                    struct mp_unique *back = mp_table_add_unique(a, t);
                    *back = saved;
                    /* restore the order */
                    memmove(&t->uniques[ui + 1], &t->uniques[ui], (t->nuniques - (size_t)ui - 1) * sizeof t->uniques[0]);
                    t->uniques[ui] = saved;
                    return fail(err, "cannot drop the unique constraint of \"%s\": a foreign key of \"%s\" relies on it",
                                t->name, s->tables[i]->name);
                }
            }
        if (d == MP_POSTGRES)
            mp_schema_rel_del(s, saved.name);
        return 0;
    }

    case MP_OP_ADD_CHECK:
    case MP_OP_DROP_CHECK:
        return mp_vschema_check_op(a, s, d, t, op, err);

    case MP_OP_ALTER_COLUMN_FEATURES:
    case MP_OP_SET_TABLE_OPTIONS:
        return mp_vschema_apply_features(a, t, d, op, err);

    case MP_OP_ALTER_PK:
        return mp_vschema_apply_pk(a, s, d, t, op, err);

    case MP_OP_CREATE_OBJECT:
    case MP_OP_DROP_OBJECT:
    case MP_OP_CREATE_SEQUENCE:
    case MP_OP_DROP_SEQUENCE:
    case MP_OP_ALTER_SEQUENCE:
    case MP_OP_CREATE_TYPE:
    case MP_OP_DROP_TYPE:
    case MP_OP_ADD_ENUM_VALUE:
    case MP_OP_RENAME_ENUM_VALUE:
    case MP_OP_REBUILD_ENUM:
    case MP_OP_ALTER_DOMAIN:
    case MP_OP__COUNT:
        break;
    }
    return mp_error_set(err, MP_EINTERNAL, "unknown operation kind %d", (int)op->kind);
}

int mp_vschema_apply(struct mp_arena *a, struct mp_schema *s, enum mp_dialect d,
                     const struct mp_op *op, struct mp_error *err)
{
    if (op->kind == MP_OP_CREATE_OBJECT || op->kind == MP_OP_DROP_OBJECT)
        return mp_vschema_object_apply(a, s, d, op, err);
    int rc = mp_vschema_object_guard(s, d, op, err);
    if (!rc)
        rc = apply_table_op(a, s, d, op, err);
    if (!rc && op->kind == MP_OP_DROP_TABLE)
        mp_vschema_forget_triggers(s, d, op->table);
    return rc;
}
