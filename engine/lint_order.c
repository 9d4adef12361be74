/* lint_order.c - lint's dependency order (`migprop lint --order`): the
 * migrations replayed on a model of the objects, each time taking the first
 * migration in declared order that can run next.
 *
 * The edges lint.c derives follow the declared order (who created what a
 * migration needs, in that order), which cannot see that a rename creates
 * its new name when the rename itself is declared too early, nor that a
 * migration still using an object must run before the one that drops it.
 * So the order is a simulation instead: a migration can run next when every
 * object its facts need exists at that point (its own earlier statements
 * included), every name it creates or renames to is free, and it drops or
 * renames away no object that another pending migration still needs while
 * no pending migration creates that name again (a name that is dropped and
 * created again is ambiguous, and the declared order decides).  When no
 * migration can run, the first pending one in declared order is taken, so
 * the order always holds every migration once. */
#include "lintfacts.h"

#include <stdlib.h>
#include <string.h>

struct obj {
    enum mp_lint_obj kind;
    const char *name;
    bool opaque;
    const char *table;   /* an index or a trigger: its table (dropped and renamed with it), or NULL */
    const struct mp_lint_fact *uses; /* the facts of the statement that created it: what it */
    size_t nuses;                    /* references (an index's columns, a foreign key's table) */
    /* SQLite: a foreign key's reference to its parent column, named
     * "<child>.\001fk" (dropped and renamed with its child table); `table`
     * is the parent table, followed through renames as SQLite's ALTER TABLE
     * RENAME rewrites the references of other tables */
    bool fk;
    const char *parent_col;
    /* a view: the tables and views it selects from, by their current names
     * (both databases make a view follow a table's rename); copied before a
     * rename changes them, as states share them */
    const char **deps;
    size_t ndeps;
    /* a trigger (SQLite): the columns its body names, "t.c" by their current
     * names (SQLite's ALTER TABLE RENAME rewrites them, and refuses DROP
     * COLUMN of one: "error in trigger"); copied before a rename changes them */
    const char **cols;
    size_t ncols;
    bool strict_table;   /* a SQLite STRICT table */
};

struct objs {
    struct obj *v;
    size_t n, cap;
};


static long find(const struct objs *s, enum mp_lint_obj kind, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->v[i].fk && mp_lint_same_kind(kind, s->v[i].kind) && strcmp(s->v[i].name, name) == 0)
            return (long)i;
    return -1;
}

static void del(struct objs *s, size_t i)
{
    s->v[i] = s->v[--s->n];
}

/* Does any migration of the directory create (or rename something to)
 * `name` of kind `kind` (a column: or rename a table to its table)? */
static bool created_anywhere(const struct mp_lint_ctx *c, enum mp_lint_obj kind, const char *name)
{
    /* a column also comes with a table renamed to its table's name */
    if (kind == MP_LO_COLUMN && strchr(name, '.'))
        for (size_t j = 0; j < c->res->set.n; j++)
            for (size_t k = 0; k < c->migs[j].n; k++) {
                const struct mp_lint_fact *f = &c->migs[j].f[k];
                if (f->act == MP_LA_RENAME && f->obj == MP_LO_TABLE && mp_lint_owned_by(name, f->new_name))
                    return true;
            }
    for (size_t j = 0; j < c->res->set.n; j++)
        for (size_t k = 0; k < c->migs[j].n; k++) {
            const struct mp_lint_fact *f = &c->migs[j].f[k];
            if (mp_lint_same_kind(kind, f->obj) && ((f->act == MP_LA_CREATE && strcmp(f->name, name) == 0) ||
                                               (f->act == MP_LA_RENAME && strcmp(f->new_name, name) == 0)))
                return true;
        }
    return false;
}

/* Is the object fact f needs present in s, or excused (a soft reference to
 * something no migration creates; a column of a table whose columns are not
 * all known; a column or constraint of a table no migration creates, which
 * the table's own fact answers for)? */
static bool present(const struct mp_lint_ctx *c, const struct objs *s, const struct mp_lint_fact *f)
{
    if (find(s, f->obj, f->name) >= 0 || f->nocheck)
        return true;
    if (f->obj == MP_LO_COLUMN || f->obj == MP_LO_CONSTRAINT) {
        const char *t = mp_lint_table_of(c->a, f->name);
        long ti = find(s, MP_LO_TABLE, t);
        /* a view's columns are not modelled, nor a table's that are not all known */
        if (ti >= 0 && (s->v[ti].opaque || s->v[ti].kind == MP_LO_VIEW))
            return true;
        if (ti < 0 && !created_anywhere(c, MP_LO_TABLE, t))
            return true;
    }
    return f->soft && !created_anywhere(c, f->obj, f->name);
}

/* SQLite's foreign-key check after a migration (the runner's, with
 * foreign_keys off) fails with "foreign key mismatch" when a parent table
 * exists without the referenced column ("SQLite Foreign Key Support", 3);
 * a parent that does not exist at all is no error until rows arrive.  Do
 * the foreign keys of s hold? */
static bool parents_hold(const struct objs *s, struct mp_arena *a)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].fk && find(s, MP_LO_TABLE, s->v[i].table) >= 0 &&
            find(s, MP_LO_COLUMN, mp_arena_printf(a, "%s.%s", s->v[i].table, s->v[i].parent_col)) < 0)
            return false;
    return true;
}

/* The table a statement of m acts on: its CREATE TABLE, else its first
 * table reference that is not a foreign key's parent (ALTER TABLE t ADD
 * COLUMN ... REFERENCES p). */
static const char *statement_table(const struct mp_lint_mig *m, long line)
{
    const char *ref = NULL;
    for (size_t k = 0; k < m->n; k++) {
        const struct mp_lint_fact *f = &m->f[k];
        if (f->line != line || f->obj != MP_LO_TABLE)
            continue;
        if (f->act == MP_LA_CREATE)
            return f->name;
        if (f->act == MP_LA_REF && !f->parent && !ref)
            ref = f->name;
    }
    return ref;
}

/* The table of the index or trigger fact k of m creates: both extractors
 * note the table of CREATE INDEX ... ON t (CREATE TRIGGER ... ON t) as a
 * reference of the same statement just before the index (NULL when there
 * is none). */
static const char *index_table(const struct mp_lint_mig *m, size_t k)
{
    if (m->f[k].obj != MP_LO_INDEX && m->f[k].obj != MP_LO_TRIGGER)
        return NULL;
    for (size_t q = k; q-- > 0 && m->f[q].line == m->f[k].line;)
        if (m->f[q].act == MP_LA_REF && m->f[q].obj == MP_LO_TABLE)
            return m->f[q].name;
    return NULL;
}

/* The object CREATE fact k of m makes, with the facts of its statement
 * (facts of one statement share its line). */
static struct obj statement_obj(struct mp_arena *a, const struct mp_lint_mig *m, size_t k)
{
    const struct mp_lint_fact *f = &m->f[k];
    size_t from = k, to = k + 1;
    while (from > 0 && m->f[from - 1].line == f->line)
        from--;
    while (to < m->n && m->f[to].line == f->line)
        to++;
    struct obj o = {f->obj, f->name, f->opaque, index_table(m, k), &m->f[from], to - from, false, NULL, NULL, 0,
                    NULL, 0, f->strict};
    /* a view: what it selects from; a trigger: the tables its body names
     * (its own table aside, which drops it) */
    if (f->obj == MP_LO_VIEW || f->obj == MP_LO_TRIGGER) {
        o.deps = mp_arena_alloc(a, (to - from + 1) * sizeof *o.deps);
        for (size_t q = from; q < to; q++)
            if (m->f[q].act == MP_LA_REF && m->f[q].obj == MP_LO_TABLE && !m->f[q].note &&
                !(o.table && strcmp(m->f[q].name, o.table) == 0))
                o.deps[o.ndeps++] = m->f[q].name;
    }
    if (f->obj == MP_LO_TRIGGER) {
        o.cols = mp_arena_alloc(a, (to - from + 1) * sizeof *o.cols);
        for (size_t q = from; q < to; q++)
            if (m->f[q].act == MP_LA_REF && m->f[q].obj == MP_LO_COLUMN && !m->f[q].note && !m->f[q].nocheck)
                o.cols[o.ncols++] = m->f[q].name;
    }
    return o;
}

/* A name a CREATE or RENAME must find free: tables, views, indexes,
 * columns, triggers and sequences (constraint names PostgreSQL may choose itself; a
 * function may be created again OR REPLACE). */
static bool name_checked(enum mp_lint_obj o)
{
    return o == MP_LO_TABLE || o == MP_LO_VIEW || o == MP_LO_INDEX || o == MP_LO_COLUMN || o == MP_LO_TRIGGER ||
           o == MP_LO_SEQUENCE;
}

/* Is object o (an index, a table, a constraint) built on column "t.c" of
 * its own table: does the statement that made it name the column?  The
 * owner's name is current (an index's table, a constraint's "table."
 * prefix), the column is matched by its own part, so renames of the table
 * since do not hide it. */
static bool built_on(const struct obj *o, const char *column)
{
    const char *dot = strchr(column, '.');
    if (!dot || o->fk)
        return false;
    size_t tl = (size_t)(dot - column);
    const char *owner = o->kind == MP_LO_INDEX ? o->table : o->kind == MP_LO_TABLE ? o->name
                      : o->kind == MP_LO_CONSTRAINT ? o->name : NULL;
    if (!owner || strncmp(owner, column, tl) != 0 || (owner[tl] && (o->kind != MP_LO_CONSTRAINT || owner[tl] != '.')))
        return false;
    for (size_t q = 0; q < o->nuses; q++) {
        const struct mp_lint_fact *u = &o->uses[q];
        const char *ud = u->act == MP_LA_REF && u->obj == MP_LO_COLUMN && !u->parent ? strchr(u->name, '.') : NULL;
        if (ud && strcmp(ud + 1, dot + 1) == 0)
            return true;
    }
    return false;
}

/* SQLite refuses DROP COLUMN of a column an index or the table's own
 * foreign key is built on ("ALTER TABLE", 5. ALTER TABLE DROP COLUMN). */
static bool column_in_use(const struct objs *s, const char *column)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].kind != MP_LO_CONSTRAINT && built_on(&s->v[i], column))
            return true;
    return false;
}

/* PostgreSQL refuses DROP TABLE t (or DROP VIEW) while a view or another
 * table's foreign key depends on it (without CASCADE); SQLite drops it, but
 * the view is broken and every later ALTER TABLE RENAME fails ("error in
 * view"), so both are held to "drop the view first": does a view select
 * from t, or (PostgreSQL) a constraint of another table name it? */
static bool table_referenced(const struct objs *s, enum mp_dialect d, const char *table)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct obj *o = &s->v[i];
        for (size_t q = 0; q < o->ndeps; q++)
            if (strcmp(o->deps[q], table) == 0 && strcmp(o->name, table) != 0)
                return true;
        if (d != MP_POSTGRES || o->kind != MP_LO_CONSTRAINT || mp_lint_owned_by(o->name, table))
            continue;
        for (size_t q = 0; q < o->nuses; q++)
            if (o->uses[q].act == MP_LA_REF && o->uses[q].obj == MP_LO_TABLE && strcmp(o->uses[q].name, table) == 0 &&
                !o->uses[q].note)
                return true;
    }
    return false;
}

/* Does a view of s select column "t.c": a column it names (its table as
 * the view's statement named it, or as renamed since), or, for a view
 * whose columns the extractor did not see, any column of t? */
static bool view_on_column(const struct objs *s, struct mp_arena *a, const char *column)
{
    const char *dot = strchr(column, '.');
    if (!dot)
        return false;
    const char *t = mp_lint_table_of(a, column);
    for (size_t i = 0; i < s->n; i++) {
        const struct obj *o = &s->v[i];
        if (o->kind != MP_LO_VIEW)
            continue;
        bool on_t = false, columns = false;
        for (size_t q = 0; q < o->ndeps; q++)
            on_t |= strcmp(o->deps[q], t) == 0;
        for (size_t q = 0; q < o->nuses; q++) {
            const struct mp_lint_fact *u = &o->uses[q];
            const char *ud = u->act == MP_LA_REF && u->obj == MP_LO_COLUMN ? strchr(u->name, '.') : NULL;
            if (!ud)
                continue;
            columns = true;
            if (strcmp(ud + 1, dot + 1) == 0 && (on_t || strcmp(u->name, column) == 0))
                return true;
        }
        if (on_t && !columns)
            return true;
    }
    return false;
}

/* Does a trigger's body name column "t.c" (SQLite refuses to drop it:
 * "error in trigger ... after drop column")? */
static bool trigger_on_column(const struct objs *s, const char *column)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t q = 0; q < s->v[i].ncols; q++)
            if (strcmp(s->v[i].cols[q], column) == 0)
                return true;
    return false;
}

/* PostgreSQL refuses DROP FUNCTION while a trigger executes it ("DROP
 * FUNCTION": the trigger depends on it): does an object of s use function
 * `fn`? */
static bool function_used(const struct objs *s, const char *fn)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t q = 0; s->v[i].kind != MP_LO_FUNCTION && q < s->v[i].nuses; q++)
            if (s->v[i].uses[q].act == MP_LA_REF && s->v[i].uses[q].obj == MP_LO_FUNCTION &&
                strcmp(s->v[i].uses[q].name, fn) == 0)
                return true;
    return false;
}

/* A trigger's body follows the rename of column (or, with `table`, of
 * every column of table) `from` to `to`. */
static void follow_column_rename(struct mp_arena *a, struct obj *o, const char *from, const char *to, bool table)
{
    for (size_t q = 0; q < o->ncols; q++) {
        const char *c = o->cols[q], *now = NULL;
        if (!table && strcmp(c, from) == 0)
            now = to;
        else if (table && mp_lint_owned_by(c, from))
            now = mp_arena_printf(a, "%s%s", to, c + strlen(from));
        if (!now)
            continue;
        const char **v = mp_arena_alloc(a, o->ncols * sizeof *v);
        memcpy(v, o->cols, o->ncols * sizeof *v);
        v[q] = now;
        o->cols = v;
    }
}

/* A view selecting from `from` follows its rename to `to`. */
static void follow_rename(struct mp_arena *a, struct obj *o, const char *from, const char *to)
{
    for (size_t q = 0; q < o->ndeps; q++)
        if (strcmp(o->deps[q], from) == 0) {
            const char **v = mp_arena_alloc(a, o->ndeps * sizeof *v);
            memcpy(v, o->deps, o->ndeps * sizeof *v);
            v[q] = to;
            o->deps = v;
        }
}

/* Apply the facts of migration i to s.  With `strict`, stop at the first
 * fact that cannot hold there (or when its foreign keys' parents do not
 * hold at its end) and return false. */
static bool run(const struct mp_lint_ctx *c, struct objs *s, size_t i, bool strict)
{
    const struct mp_lint_mig *m = &c->migs[i];
    for (size_t k = 0; k < m->n; k++) {
        const struct mp_lint_fact *f = &m->f[k];
        if (f->note)
            continue;
        long at = f->act == MP_LA_CREATE ? -1 : find(s, f->obj, f->name);
        if (strict && f->act != MP_LA_CREATE && !present(c, s, f))
            return false;
        switch (f->act) {
        case MP_LA_CREATE:
            if (find(s, f->obj, f->name) >= 0) {
                if (strict && name_checked(f->obj) && !f->nocheck)
                    return false;
                /* CREATE OR REPLACE FUNCTION: the new body's references */
                if (f->obj == MP_LO_FUNCTION)
                    s->v[find(s, f->obj, f->name)] = statement_obj(c->a, m, k);
                break;
            }
            /* SQLite refuses ADD COLUMN of another type to a STRICT table */
            if (strict && f->loose_type && find(s, MP_LO_TABLE, mp_lint_table_of(c->a, f->name)) >= 0 &&
                s->v[find(s, MP_LO_TABLE, mp_lint_table_of(c->a, f->name))].strict_table)
                return false;
            *MP_PUSH(c->a, s->v, s->n, s->cap) = statement_obj(c->a, m, k);
            break;
        case MP_LA_DROP:
            if (strict && c->d == MP_SQLITE && f->obj == MP_LO_COLUMN && column_in_use(s, f->name))
                return false;
            /* a view selecting the column: PostgreSQL refuses to drop it,
             * SQLite fails "error in view" */
            if (strict && f->obj == MP_LO_COLUMN && view_on_column(s, c->a, f->name))
                return false;
            if (strict && c->d == MP_SQLITE && f->obj == MP_LO_COLUMN && trigger_on_column(s, f->name))
                return false;
            if (strict && f->obj == MP_LO_FUNCTION && function_used(s, f->name))
                return false;
            /* PostgreSQL: DROP TRIGGER tr ON t finds tr on t only (its
             * table as renamed since) */
            if (strict && f->obj == MP_LO_TRIGGER && at >= 0 && s->v[at].table && index_table(m, k) &&
                strcmp(s->v[at].table, index_table(m, k)) != 0)
                return false;
            if (strict && (f->obj == MP_LO_TABLE || f->obj == MP_LO_VIEW) && table_referenced(s, c->d, f->name))
                return false;
            if (at < 0)
                break;
            if (f->obj == MP_LO_TABLE)
                for (size_t q = s->n; q-- > 0;)
                    if (((s->v[q].kind == MP_LO_COLUMN || s->v[q].kind == MP_LO_CONSTRAINT) &&
                         mp_lint_owned_by(s->v[q].name, f->name)) ||
                        (s->v[q].table && strcmp(s->v[q].table, f->name) == 0))
                        del(s, q);
            /* PostgreSQL drops the indexes and constraints built on a dropped
             * column with it ("ALTER TABLE", DROP COLUMN) */
            if (f->obj == MP_LO_COLUMN && c->d == MP_POSTGRES)
                for (size_t q = s->n; q-- > 0;)
                    if ((s->v[q].kind == MP_LO_INDEX || s->v[q].kind == MP_LO_CONSTRAINT) && built_on(&s->v[q], f->name))
                        del(s, q);
            at = find(s, f->obj, f->name);
            if (at >= 0)
                del(s, (size_t)at);
            break;
        case MP_LA_RENAME:
            if (strict && name_checked(f->obj) && find(s, f->obj, f->new_name) >= 0)
                return false;
            if (at < 0)
                break;
            if (f->obj == MP_LO_TABLE)
                for (size_t q = 0; q < s->n; q++) {
                    if ((s->v[q].kind == MP_LO_COLUMN || s->v[q].kind == MP_LO_CONSTRAINT) &&
                        mp_lint_owned_by(s->v[q].name, f->name))
                        s->v[q].name = mp_arena_printf(c->a, "%s%s", f->new_name, s->v[q].name + strlen(f->name));
                    if (s->v[q].table && strcmp(s->v[q].table, f->name) == 0)
                        s->v[q].table = f->new_name;
                    follow_rename(c->a, &s->v[q], f->name, f->new_name);
                    follow_column_rename(c->a, &s->v[q], f->name, f->new_name, true);
                }
            if (f->obj == MP_LO_VIEW)
                for (size_t q = 0; q < s->n; q++)
                    follow_rename(c->a, &s->v[q], f->name, f->new_name);
            if (f->obj == MP_LO_COLUMN) {
                const char *od = strchr(f->name, '.'), *nd = strchr(f->new_name, '.');
                for (size_t q = 0; q < s->n && od && nd; q++)
                    if (s->v[q].fk && mp_lint_owned_by(f->name, s->v[q].table) && strcmp(s->v[q].parent_col, od + 1) == 0)
                        s->v[q].parent_col = nd + 1;
                for (size_t q = 0; q < s->n; q++)
                    follow_column_rename(c->a, &s->v[q], f->name, f->new_name, false);
            }
            s->v[at].name = f->new_name;
            break;
        case MP_LA_REF:
            if (strict && f->retype && view_on_column(s, c->a, f->name))
                return false;
            if (f->parent && f->obj == MP_LO_COLUMN && statement_table(m, f->line)) {
                const char *dot = strchr(f->name, '.');
                struct obj *o = MP_PUSH(c->a, s->v, s->n, s->cap);
                o->kind = MP_LO_CONSTRAINT;
                o->name = mp_arena_printf(c->a, "%s.\001fk", statement_table(m, f->line));
                o->fk = true;
                o->table = mp_lint_table_of(c->a, f->name);
                o->parent_col = dot ? dot + 1 : f->name;
            }
            break;
        }
    }
    return !strict || c->d != MP_SQLITE || parents_hold(s, c->a);
}

/* Does pending migration j (not i) need object `name` of kind `kind` (or,
 * for a table, one of its columns or constraints) before creating it itself? */
static bool still_needs(const struct mp_lint_ctx *c, size_t j, enum mp_lint_obj kind, const char *name)
{
    const struct mp_lint_mig *m = &c->migs[j];
    for (size_t k = 0; k < m->n; k++) {
        const struct mp_lint_fact *f = &m->f[k];
        if (f->act == MP_LA_RENAME && mp_lint_same_kind(kind, f->obj) && strcmp(f->new_name, name) == 0)
            return false; /* renamed to it: its own object from here on */
        if ((kind == MP_LO_COLUMN || kind == MP_LO_CONSTRAINT) && f->obj == MP_LO_TABLE &&
            ((f->act == MP_LA_CREATE && mp_lint_owned_by(name, f->name)) || (f->act == MP_LA_RENAME && mp_lint_owned_by(name, f->new_name))))
            return false; /* a table of its own by the column's table's name */
        bool same = mp_lint_same_kind(kind, f->obj) && strcmp(f->name, name) == 0;
        bool part = kind == MP_LO_TABLE && (f->obj == MP_LO_COLUMN || f->obj == MP_LO_CONSTRAINT) &&
                    mp_lint_owned_by(f->name, name);
        if (!same && !part)
            continue;
        if (f->act == MP_LA_CREATE && same)
            return false; /* its own object from here on */
        if (f->act != MP_LA_CREATE && !f->note && !f->nocheck)
            return true;
    }
    return false;
}

/* Does a pending migration other than i and j create (or rename something
 * to) `name` of kind `kind` (for a column, or its table)?  Then the name is reused and the declared order
 * decides which of its objects j means. */
static bool made_again(const struct mp_lint_ctx *c, const bool *done, size_t i, size_t j, enum mp_lint_obj kind,
                       const char *name)
{
    /* a column or constraint comes back with a table of its table's name */
    if ((kind == MP_LO_COLUMN || kind == MP_LO_CONSTRAINT) && strchr(name, '.') &&
        made_again(c, done, i, j, MP_LO_TABLE, mp_lint_table_of(c->a, name)))
        return true;
    for (size_t k = 0; k < c->res->set.n; k++)
        if (k != i && k != j && !done[k])
            for (size_t q = 0; q < c->migs[k].n; q++) {
                const struct mp_lint_fact *g = &c->migs[k].f[q];
                if (mp_lint_same_kind(kind, g->obj) && ((g->act == MP_LA_CREATE && strcmp(g->name, name) == 0) ||
                                                   (g->act == MP_LA_RENAME && strcmp(g->new_name, name) == 0)))
                    return true;
            }
    return false;
}

/* Would running migration i (state `before`, `after` once it ran) take a
 * name away that another pending migration still needs (before making it
 * itself), with no third pending migration to make it again?  A name a
 * table rebuild drops and makes again is not taken away. */
static bool takes_away(const struct mp_lint_ctx *c, const struct objs *before, const struct objs *after,
                       const bool *done, size_t i)
{
    size_t n = c->res->set.n;
    for (size_t x = 0; x < before->n; x++) {
        const struct obj *o = &before->v[x];
        /* its name is gone (dropped, or renamed away): a pending migration may still name it */
        if (find(after, o->kind, o->name) < 0)
            for (size_t j = 0; j < n; j++)
                if (j != i && !done[j] && still_needs(c, j, o->kind, o->name) &&
                    !made_again(c, done, i, j, o->kind, o->name))
                    return true;
    }
    return false;
}

/* A depth-first search for an order in which every migration can run (see
 * the file's header), trying pending migrations in declared order at each
 * step, so the first order found is the one closest to the declared order.
 * `budget` bounds the migrations tried in all; when it runs out the search
 * gives up. */
struct search {
    const struct mp_lint_ctx *c;
    bool *done;
    size_t *out;
    size_t most;    /* the most facts of one migration: what one run can add */
    long budget;
};

/* Searches to this many migration runs before the greedy walk takes over. */
#define MP_LINT_ORDER_BUDGET 20000

static bool search(struct search *x, const struct objs *s, size_t depth)
{
    size_t n = x->c->res->set.n;
    if (depth == n)
        return true;
    /* large enough that a run never grows it (run() pushes at most `most`) */
    struct objs t = {malloc((s->n + x->most + 1) * sizeof *s->v), 0, s->n + x->most + 1};
    if (!t.v)
        mp_oom();
    bool ok = false;
    for (size_t i = 0; i < n && !ok && x->budget > 0; i++) {
        if (x->done[i])
            continue;
        x->budget--;
        t.n = s->n;
        if (s->n)
            memcpy(t.v, s->v, s->n * sizeof *s->v);
        if (!run(x->c, &t, i, true) || takes_away(x->c, s, &t, x->done, i))
            continue;
        x->done[i] = true;
        x->out[depth] = i;
        ok = search(x, &t, depth + 1);
        if (!ok)
            x->done[i] = false;
    }
    free(t.v);
    return ok;
}

size_t mp_lint_order_simulate(struct mp_lint_ctx *c, size_t *out)
{
    size_t forced = 0;
    size_t n = c->res->set.n;
    bool *done = mp_arena_alloc(c->a, n + 1);
    memset(done, 0, n + 1);
    size_t most = 0;
    for (size_t i = 0; i < n; i++)
        most = c->migs[i].n > most ? c->migs[i].n : most;
    struct objs s = {0};
    struct search x = {c, done, out, most, MP_LINT_ORDER_BUDGET};
    if (search(&x, &s, 0))
        return 0;
    /* no order by the model (or too many to try): a greedy walk, the first
     * pending migration in declared order taken where none can run */
    memset(done, 0, n + 1);
    for (size_t no = 0; no < n; no++) {
        size_t pick = n;
        struct objs trial = {mp_arena_alloc(c->a, (s.n + most + 1) * sizeof *s.v), 0, s.n + most + 1};
        for (size_t i = 0; i < n && pick == n; i++) {
            if (done[i])
                continue;
            trial.n = s.n;
            if (s.n)
                memcpy(trial.v, s.v, s.n * sizeof *s.v);
            if (run(c, &trial, i, true) && !takes_away(c, &s, &trial, done, i))
                pick = i;
        }
        for (size_t i = 0; i < n && pick == n; i++)
            if (!done[i]) {
                pick = i;
                forced++;
            }
        run(c, &s, pick, false);
        done[pick] = true;
        out[no] = pick;
    }
    return forced;
}
