/* validate.c - a live schema compared with the expected one, object by
 * object, each difference a finding with a recommendation (validate.h). */
#include "validate.h"

#include <string.h>

#include "buf.h"
#include "model_check.h"

struct ctx {
    struct mp_arena *a;
    enum mp_dialect d;
    bool from_dir;
    struct mp_validate_result *out;
};

static void add(struct ctx *c, const char *kind, const char *object, const char *message, const char *fix)
{
    struct mp_validate_finding *f = MP_PUSH(c->a, c->out->v, c->out->n, c->out->cap);
    f->kind = kind;
    f->object = object;
    f->message = message;
    f->fix = fix;
}

static const char *run_up(const struct ctx *c)
{
    return c->from_dir ? "run `migprop migrate up`" : "apply the migration that creates it";
}

static const char *names_text(struct mp_arena *a, const struct mp_names *n)
{
    struct mp_buf b = {0};
    for (size_t i = 0; i < n->n; i++)
        mp_buf_printf(&b, "%s\"%s\"", i ? ", " : "", n->v[i]);
    const char *s = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return s;
}

static const char *column_text(struct mp_arena *a, const struct mp_column *col)
{
    struct mp_buf b = {0};
    mp_type_canonical(&b, &col->type);
    if (col->not_null)
        mp_buf_add(&b, " not null");
    if (col->default_sql)
        mp_buf_printf(&b, " default %s", col->default_sql);
    const char *s = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return s;
}

static const struct mp_index *find_index(const struct mp_table *t, enum mp_dialect d, const struct mp_index *want)
{
    for (size_t i = 0; i < t->nindexes; i++)
        if (mp_name_eq(d, t->indexes[i].name, want->name))
            return &t->indexes[i];
    return NULL;
}

static bool same_fk(enum mp_dialect d, const struct mp_fk *x, const struct mp_fk *y)
{
    return mp_names_eq(d, &x->cols, &y->cols) && mp_name_eq(d, x->ref_table, y->ref_table) &&
           mp_names_eq(d, &x->ref_cols, &y->ref_cols) && x->on_delete == y->on_delete;
}

static const char *fk_text(struct mp_arena *a, const struct mp_fk *f)
{
    return mp_arena_printf(a, "foreign key%s%s%s (%s) references \"%s\" (%s)", f->name ? " \"" : "",
                           f->name ? f->name : "", f->name ? "\"" : "", names_text(a, &f->cols), f->ref_table,
                           names_text(a, &f->ref_cols));
}

/* The first column of index ix that table t (NULL: no table) lacks, or NULL. */
static const char *orphan_column(const struct mp_table *t, enum mp_dialect d, const struct mp_index *ix)
{
    for (size_t k = 0; k < ix->cols.n; k++)
        if (!t || !mp_table_column(t, d, ix->cols.v[k]))
            return ix->cols.v[k];
    return NULL;
}

/* An index of the database that the expected schema does not have. */
static void extra_index(struct ctx *c, const struct mp_table *lt, const struct mp_table *et, const struct mp_index *ix)
{
    const char *obj = mp_arena_printf(c->a, "index \"%s\"", ix->name);
    const char *col = orphan_column(et, c->d, ix);
    const char *drop = mp_arena_printf(c->a, "DROP INDEX \"%s\"", ix->name);
    if (col)
        add(c, "orphaned-index", obj,
            et ? mp_arena_printf(c->a, "index \"%s\" on \"%s\" is built on column \"%s\", which the expected schema lacks",
                                 ix->name, lt->name, col)
               : mp_arena_printf(c->a, "index \"%s\" is on table \"%s\", which the expected schema lacks", ix->name,
                                 lt->name),
            drop);
    else
        add(c, "extra-index", obj,
            mp_arena_printf(c->a, "index \"%s\" on \"%s\" (%s) is not in the expected schema", ix->name, lt->name,
                            names_text(c->a, &ix->cols)),
            mp_arena_printf(c->a, "%s in a migration, or add the index to the migrations", drop));
}

/* The check of t with c's expression, NOT VALID or not (a NOT VALID one is
 * a finding of its own, not-valid), or -1. */
static long find_check(const struct mp_table *t, const struct mp_check *c)
{
    struct mp_check k = *c;
    k.not_valid = false;
    long i = mp_table_find_check(t, &k, NULL);
    k.not_valid = true;
    return i >= 0 ? i : mp_table_find_check(t, &k, NULL);
}

/* CHECK constraints match by expression (both sides read back from the
 * same dialect's catalogs, so in the same normal form); names do not
 * count, as in the canonical form. */
static void compare_checks(struct ctx *c, const struct mp_table *et, const struct mp_table *lt)
{
    struct mp_arena *a = c->a;
    for (size_t i = 0; i < et->nchecks; i++)
        if (find_check(lt, &et->checks[i]) < 0)
            add(c, "missing-constraint", mp_arena_printf(a, "check constraint of \"%s\"", et->name),
                mp_arena_printf(a, "CHECK (%s) on \"%s\" is missing", et->checks[i].expr, et->name), run_up(c));
    for (size_t i = 0; i < lt->nchecks; i++) {
        const struct mp_check *k = &lt->checks[i];
        if (find_check(et, k) >= 0)
            continue;
        /* SQLite has no DROP CONSTRAINT ("ALTER TABLE" 1): the table is
         * rebuilt without it (7) */
        const char *fix = c->d == MP_POSTGRES && k->name
                              ? mp_arena_printf(a, "ALTER TABLE \"%s\" DROP CONSTRAINT \"%s\" in a migration, or add "
                                                   "the check to the migrations", lt->name, k->name)
                              : "rebuild the table without it in a migration (`migprop generate` writes one), or add "
                                "the check to the migrations";
        add(c, "extra-constraint",
            mp_arena_printf(a, "check constraint%s%s%s of \"%s\"", k->name ? " \"" : "", k->name ? k->name : "",
                            k->name ? "\"" : "", lt->name),
            mp_arena_printf(a, "CHECK (%s) on \"%s\" is not in the expected schema: rows the migrations allow may "
                               "be refused", k->expr, lt->name),
            fix);
    }
}

static void compare_table(struct ctx *c, const struct mp_table *et, const struct mp_table *lt)
{
    struct mp_arena *a = c->a;
    enum mp_dialect d = c->d;
    for (size_t i = 0; i < et->ncols; i++) {
        const struct mp_column *ec = &et->cols[i], *lc = mp_table_column(lt, d, ec->name);
        const char *obj = mp_arena_printf(a, "column \"%s\".\"%s\"", et->name, ec->name);
        if (!lc) {
            add(c, "missing-column", obj, mp_arena_printf(a, "%s (%s) is missing", obj, column_text(a, ec)), run_up(c));
            continue;
        }
        if (!mp_type_eq(&ec->type, &lc->type) || ec->not_null != lc->not_null ||
            !((!ec->default_sql && !lc->default_sql) ||
              (ec->default_sql && lc->default_sql && mp_default_eq(ec->default_sql, lc->default_sql))))
            add(c, "column-differs", obj,
                mp_arena_printf(a, "%s is %s in the database, %s expected", obj, column_text(a, lc), column_text(a, ec)),
                "write a migration that alters it (`migprop generate` writes one)");
    }
    for (size_t i = 0; i < lt->ncols; i++)
        if (!mp_table_column(et, d, lt->cols[i].name)) {
            const char *obj = mp_arena_printf(a, "column \"%s\".\"%s\"", lt->name, lt->cols[i].name);
            add(c, "extra-column", obj,
                mp_arena_printf(a, "%s (%s) is not in the expected schema", obj, column_text(a, &lt->cols[i])),
                "drop it in a migration, or add it to the migrations");
        }
    if (!mp_names_eq(d, &et->pk, &lt->pk))
        add(c, et->pk.n ? "missing-constraint" : "extra-constraint", mp_arena_printf(a, "primary key of \"%s\"", et->name),
            mp_arena_printf(a, "primary key of \"%s\" is (%s) in the database, (%s) expected", et->name,
                            names_text(a, &lt->pk), names_text(a, &et->pk)),
            "write a migration that rebuilds the primary key");
    for (size_t i = 0; i < et->nindexes; i++) {
        const struct mp_index *ei = &et->indexes[i], *li = find_index(lt, d, ei);
        const char *obj = mp_arena_printf(a, "index \"%s\"", ei->name);
        if (!li)
            add(c, "missing-index", obj,
                mp_arena_printf(a, "%sindex \"%s\" on \"%s\" (%s) is missing", ei->unique ? "unique " : "", ei->name,
                                et->name, names_text(a, &ei->cols)),
                c->from_dir ? mp_arena_printf(a, "run `migprop migrate up`, or CREATE %sINDEX \"%s\" ON \"%s\" (%s)",
                                              ei->unique ? "UNIQUE " : "", ei->name, et->name, names_text(a, &ei->cols))
                            : mp_arena_printf(a, "CREATE %sINDEX \"%s\" ON \"%s\" (%s)", ei->unique ? "UNIQUE " : "",
                                              ei->name, et->name, names_text(a, &ei->cols)));
        else if (li->unique != ei->unique || !mp_names_eq(d, &li->cols, &ei->cols))
            add(c, "missing-index", obj,
                mp_arena_printf(a, "index \"%s\" on \"%s\" is %s(%s) in the database, %s(%s) expected", ei->name,
                                et->name, li->unique ? "unique " : "", names_text(a, &li->cols),
                                ei->unique ? "unique " : "", names_text(a, &ei->cols)),
                "write a migration that re-creates it");
    }
    for (size_t i = 0; i < lt->nindexes; i++)
        if (!find_index(et, d, &lt->indexes[i]))
            extra_index(c, lt, et, &lt->indexes[i]);
    for (size_t i = 0; i < et->nuniques; i++) {
        bool found = false;
        for (size_t k = 0; k < lt->nuniques && !found; k++)
            found = mp_names_eq(d, &et->uniques[i].cols, &lt->uniques[k].cols);
        if (!found)
            add(c, "missing-constraint", mp_arena_printf(a, "unique constraint of \"%s\"", et->name),
                mp_arena_printf(a, "unique constraint on \"%s\" (%s) is missing", et->name,
                                names_text(a, &et->uniques[i].cols)),
                run_up(c));
    }
    for (size_t i = 0; i < lt->nuniques; i++) {
        bool found = false;
        for (size_t k = 0; k < et->nuniques && !found; k++)
            found = mp_names_eq(d, &lt->uniques[i].cols, &et->uniques[k].cols);
        if (!found)
            add(c, "extra-constraint", mp_arena_printf(a, "unique constraint of \"%s\"", lt->name),
                mp_arena_printf(a, "unique constraint on \"%s\" (%s) is not in the expected schema", lt->name,
                                names_text(a, &lt->uniques[i].cols)),
                "drop it in a migration, or add it to the migrations");
    }
    for (size_t i = 0; i < et->nfks; i++) {
        bool found = false;
        for (size_t k = 0; k < lt->nfks && !found; k++)
            found = same_fk(d, &et->fks[i], &lt->fks[k]);
        if (!found)
            add(c, "missing-constraint", mp_arena_printf(a, "%s on \"%s\"", fk_text(a, &et->fks[i]), et->name),
                mp_arena_printf(a, "%s on \"%s\" is missing", fk_text(a, &et->fks[i]), et->name), run_up(c));
    }
    for (size_t i = 0; i < lt->nfks; i++) {
        bool found = false;
        for (size_t k = 0; k < et->nfks && !found; k++)
            found = same_fk(d, &lt->fks[i], &et->fks[k]);
        if (!found)
            add(c, "extra-constraint", mp_arena_printf(a, "%s on \"%s\"", fk_text(a, &lt->fks[i]), lt->name),
                mp_arena_printf(a, "%s on \"%s\" is not in the expected schema", fk_text(a, &lt->fks[i]), lt->name),
                "drop it in a migration, or add it to the migrations");
    }
    compare_checks(c, et, lt);
}

static bool listed(const struct mp_schema *s, const char *what)
{
    for (size_t i = 0; i < s->nunmodelled; i++)
        if (strcmp(s->unmodelled[i].what, what) == 0)
            return true;
    return false;
}

void mp_validate_compare(struct mp_arena *a, enum mp_dialect d, const struct mp_schema *expected,
                         const struct mp_schema *live, bool from_dir, const char *const *not_valid, size_t n,
                         struct mp_validate_result *out)
{
    struct ctx c = {a, d, from_dir, out};
    for (size_t i = 0; i < expected->ntables; i++) {
        const struct mp_table *et = expected->tables[i], *lt = mp_schema_table(live, d, et->name);
        const char *obj = mp_arena_printf(a, "table \"%s\"", et->name);
        if (!lt)
            add(&c, "missing-table", obj, mp_arena_printf(a, "%s is missing", obj), run_up(&c));
        else
            compare_table(&c, et, lt);
    }
    for (size_t i = 0; i < live->ntables; i++) {
        const struct mp_table *lt = live->tables[i];
        if (mp_schema_table(expected, d, lt->name))
            continue;
        const char *obj = mp_arena_printf(a, "table \"%s\"", lt->name);
        add(&c, "extra-table", obj, mp_arena_printf(a, "%s is not in the expected schema", obj),
            "drop it in a migration, or add it to the migrations");
        for (size_t k = 0; k < lt->nindexes; k++)
            extra_index(&c, lt, NULL, &lt->indexes[k]);
    }
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(not_valid[i], '.');
        const char *table = dot ? mp_arena_strndup(a, not_valid[i], (size_t)(dot - not_valid[i])) : "";
        const char *name = dot ? dot + 1 : not_valid[i];
        add(&c, "not-valid", mp_arena_printf(a, "constraint \"%s\"", name),
            mp_arena_printf(a, "constraint \"%s\" on \"%s\" is NOT VALID: rows written before it was added are not "
                               "checked", name, table),
            mp_arena_printf(a, "ALTER TABLE \"%s\" VALIDATE CONSTRAINT \"%s\"", table, name));
    }
    /* what neither side's model holds: listed, and a finding where they differ */
    out->unmodelled = mp_arena_alloc(a, (live->nunmodelled + 1) * sizeof *out->unmodelled);
    for (size_t i = 0; i < live->nunmodelled; i++) {
        out->unmodelled[out->nunmodelled++] = live->unmodelled[i].what;
        if (!listed(expected, live->unmodelled[i].what))
            add(&c, "unmodelled", live->unmodelled[i].what,
                mp_arena_printf(a, "%s is in the database only (not modelled: compared by its description)",
                                live->unmodelled[i].what),
                "drop it in a migration, or add it to the migrations");
    }
    for (size_t i = 0; i < expected->nunmodelled; i++)
        if (!listed(live, expected->unmodelled[i].what))
            add(&c, "unmodelled", expected->unmodelled[i].what,
                mp_arena_printf(a, "%s is missing (not modelled: compared by its description)",
                                expected->unmodelled[i].what),
                run_up(&c));
}
