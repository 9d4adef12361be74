/* catalog_sqlite.c - the SQLite catalog reader: a database's schema into
 * the model through sqlite_schema and the pragma table-valued functions
 * (SQLite "PRAGMA Statements": table_xinfo, table_list, foreign_key_list,
 * index_list, index_xinfo) and the stored CREATE text: CHECK constraints
 * into the model (model_check.h), column COLLATE, AUTOINCREMENT,
 * generation expressions and FK DEFERRABLE / MATCH through sqlite_sql.c,
 * and index definitions (expressions, DESC, COLLATE, WHERE) from the
 * stored CREATE INDEX text (index_def.h); what the model cannot hold is
 * recorded by name on the schema (model.h, mp_unmodelled).
 * Views and triggers are schema-level objects (model_object.h) with their
 * sqlite_schema.sql text; a view's dependencies are the columns SQLite
 * itself reads for it (view_deps()), a trigger's are left to the
 * conservative name scan of mp_object_deps(). */
#include "backend.h"
#include "dberror.h"
#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"
#include "sqlite_sql.h"

#include <sqlite3.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *col_text(struct mp_arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? mp_arena_strdup(a, (const char *)v) : NULL;
}

static int prep(sqlite3 *db, const char *sql, const char *arg, sqlite3_stmt **st, struct mp_error *err)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return mp_sqlite_error(db, rc, err);
    if (arg)
        sqlite3_bind_text(*st, 1, arg, -1, SQLITE_STATIC);
    return 0;
}

/* The per-table queries of one introspection, prepared once for all its
 * tables (a prepare parses, resolves the pragma functions and plans; the
 * schema does not change meanwhile) and finalized at its end. */
struct table_queries {
    sqlite3_stmt *cols, *fks, *create, *indexes;
};

/* *slot prepared from `sql` the first time, reset after, bound to `arg`. */
static int prep_kept(sqlite3 *db, sqlite3_stmt **slot, const char *sql, const char *arg, struct mp_error *err)
{
    if (!*slot)
        return prep(db, sql, arg, slot, err);
    sqlite3_reset(*slot);
    sqlite3_bind_text(*slot, 1, arg, -1, SQLITE_STATIC);
    return 0;
}

static void table_queries_free(struct table_queries *q)
{
    sqlite3_finalize(q->cols);
    sqlite3_finalize(q->fks);
    sqlite3_finalize(q->create);
    sqlite3_finalize(q->indexes);
}

static enum mp_fk_action action(const char *s)
{
    if (!s) return MP_FK_NO_ACTION;
    if (strcmp(s, "CASCADE") == 0) return MP_FK_CASCADE;
    if (strcmp(s, "RESTRICT") == 0) return MP_FK_RESTRICT;
    if (strcmp(s, "SET NULL") == 0) return MP_FK_SET_NULL;
    if (strcmp(s, "SET DEFAULT") == 0) return MP_FK_SET_DEFAULT;
    return MP_FK_NO_ACTION;
}

static void names_push(struct mp_arena *a, struct mp_names *n, size_t *cap, const char *v)
{
    *MP_PUSH(a, n->v, n->n, *cap) = v;
}

/* Read what the table's CREATE text holds that the catalog pragmas do not
 * show: CHECK clauses, column-level or table-level, each with the name of
 * a `CONSTRAINT name` just before it (their text inside the balanced
 * parentheses, strings and quoted names skipped by the tokenizer), into
 * the model.  COLLATE, AUTOINCREMENT, generation expressions and
 * DEFERRABLE are read into the model by mp_sqlite_read_features()
 * (sqlite_sql.c). */
static void scan_create(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, const char *sql)
{
    const char *table = t->name;
    const char *cname = NULL; /* the name of a CONSTRAINT clause being read */
    for (const char *p = mp_sqlite_skip_space(sql); *p; p = mp_sqlite_skip_space(p)) {
        const char *e = mp_sql_token_end(p);
        if (mp_sqlite_is_word(p, e, "CONSTRAINT")) {
            const char *q = mp_sqlite_skip_space(e), *r = *q ? mp_sql_token_end(q) : q;
            struct mp_sqltok tk = {*q == '\'' ? MP_TK_STR : (*q == '"' || *q == '`' || *q == '[') ? MP_TK_QID : MP_TK_WORD,
                                   q, (size_t)(r - q)};
            cname = r > q ? mp_sqltok_ident(a, &tk) : NULL;
            p = r;
            continue;
        }
        if (mp_sqlite_is_word(p, e, "CHECK")) {
            const char *q = mp_sqlite_skip_space(e);
            const char *r = *q == '(' ? mp_sql_paren_end(q) : NULL;
            if (!r) {
                mp_schema_note_unmodelled(a, s, table, "table %s: CHECK constraint %s", table, q);
                break;
            }
            struct mp_check *c = mp_table_add_check(a, t);
            c->name = cname;
            c->expr = mp_expr_norm(a, mp_arena_strndup(a, q + 1, (size_t)(r - q) - 2));
            e = r;
        }
        cname = NULL;
        p = e;
    }
}

static int introspect_table(sqlite3 *db, struct mp_arena *a, struct mp_schema *s, struct mp_table *t,
                            struct table_queries *tq, struct mp_error *err)
{
    sqlite3_stmt *st;
    int rc;
    if ((rc = prep_kept(db, &tq->cols,
                        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid",
                        t->name, err)))
        return rc;
    st = tq->cols;
    const char *pk[64] = {0};
    size_t npk = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int hidden = sqlite3_column_int(st, 5);
        if (hidden != 0 && hidden != 2 && hidden != 3) {
            /* 1: hidden in a virtual table */
            mp_schema_note_unmodelled(a, s, t->name, "table %s: hidden column %s", t->name,
                                      (const char *)sqlite3_column_text(st, 0));
            continue;
        }
        const char *type = col_text(a, st, 1);
        struct mp_column *c = mp_table_add_column(a, t, col_text(a, st, 0),
                                                  mp_type_from_sql(a, MP_SQLITE, type ? type : ""));
        c->not_null = sqlite3_column_int(st, 2) != 0;
        c->default_sql = col_text(a, st, 3);
        /* 2, 3: a generated column, VIRTUAL or STORED; its expression comes
         * from the CREATE text (mp_sqlite_read_features) */
        c->feat.generated = hidden == 2 ? MP_GENERATED_VIRTUAL : hidden == 3 ? MP_GENERATED_STORED : MP_GENERATED_NONE;
        int k = sqlite3_column_int(st, 4);
        if (k > 0 && k <= 64) {
            pk[k - 1] = c->name;
            if ((size_t)k > npk)
                npk = (size_t)k;
        }
    }
    sqlite3_reset(st);
    t->pk = mp_names_make(a, npk, pk);

    if ((rc = prep_kept(db, &tq->fks,
                        "SELECT id, \"table\", \"from\", \"to\", on_delete, on_update, \"match\" "
                        "FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                        t->name, err)))
        return rc;
    st = tq->fks;
    int last = -1;
    struct mp_fk *f = NULL;
    size_t cap1 = 0, cap2 = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        if (id != last) {
            f = mp_table_add_fk(a, t);
            f->ref_table = col_text(a, st, 1);
            f->on_delete = action((const char *)sqlite3_column_text(st, 4));
            f->on_update = action((const char *)sqlite3_column_text(st, 5));
            cap1 = cap2 = 0;
            last = id;
        }
        names_push(a, &f->cols, &cap1, col_text(a, st, 2));
        /* NULL: REFERENCES p without a column list, p's primary key (resolved in resolve_fks) */
        names_push(a, &f->ref_cols, &cap2, col_text(a, st, 3));
    }
    sqlite3_reset(st);

    /* the CREATE text, for what the pragmas do not show (after the foreign
     * keys, whose options it completes; before the indexes, whose column
     * collations default to the columns') */
    if ((rc = prep_kept(db, &tq->create,
                        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1 AND sql IS NOT NULL", t->name,
                        err)))
        return rc;
    st = tq->create;
    if (sqlite3_step(st) == SQLITE_ROW)
        mp_sqlite_read_features(a, s, t, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);

    /* key columns of each index (xinfo "key" = 1), in order; cid -2 is an
     * expression, desc / coll the order and collation.  An index of CREATE
     * INDEX (origin "c") is read from its stored text (expressions, DESC,
     * COLLATE, WHERE: index_def.h), its column keys named as the table
     * names them; the automatic indexes of UNIQUE constraints hold columns */
    if ((rc = prep_kept(db, &tq->indexes,
                        "SELECT il.name, il.\"unique\", il.origin, il.partial, ii.name, ii.cid, ii.\"desc\", ii.coll, "
                        "ii.seqno, m.sql "
                        "FROM pragma_index_list(?1) AS il "
                        "JOIN pragma_index_xinfo(il.name) AS ii "
                        "LEFT JOIN sqlite_schema AS m ON m.type = 'index' AND m.name = il.name "
                        "WHERE ii.key = 1 ORDER BY il.name, ii.seqno",
                        t->name, err)))
        return rc;
    st = tq->indexes;
    const char *cur = NULL;
    struct mp_names *cols = NULL;
    struct mp_index *made = NULL;
    size_t cap = 0;
    bool skip = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *origin = (const char *)sqlite3_column_text(st, 2);
        if (!cur || strcmp(cur, name) != 0) {
            cur = mp_arena_strdup(a, name);
            cap = 0;
            cols = NULL;
            made = NULL;
            skip = false;
            if (strcmp(origin, "c") == 0) {
                const char *sql = (const char *)sqlite3_column_text(st, 9);
                struct mp_index def;
                struct mp_error perr = {0};
                if (!sql || mp_index_parse_sql(a, sql, &def, &perr)) {
                    mp_schema_note_unmodelled(a, s, t->name, "index %s: %s", cur, sql ? sql : "no SQL text");
                    skip = true;
                } else {
                    made = mp_table_add_index(a, t);
                    *made = def;
                    made->name = cur;
                    made->unique = sqlite3_column_int(st, 1) != 0;
                    /* collation names are case-insensitive in SQLite ("Collating Sequences") */
                    for (size_t k = 0; made->keys && k < made->cols.n; k++)
                        if (made->keys[k].collate) {
                            char *cn = mp_arena_strdup(a, made->keys[k].collate);
                            for (char *q = cn; *q; q++)
                                *q = (char)toupper((unsigned char)*q);
                            made->keys[k].collate = cn;
                        }
                }
            } else if (sqlite3_column_int(st, 3) != 0) {
                mp_schema_note_unmodelled(a, s, t->name, "index %s: partial (WHERE ...)", cur);
                skip = true;
            } else if (strcmp(origin, "u") == 0) {
                cols = &mp_table_add_unique(a, t)->cols;
            }
        }
        if (skip)
            continue;
        if (made) {
            /* a column key takes the table's spelling of the name */
            size_t k = (size_t)sqlite3_column_int(st, 8);
            int cid = sqlite3_column_int(st, 5);
            if (k >= made->cols.n || (cid >= 0) != mp_index_key_is_column(made, k)) {
                mp_schema_note_unmodelled(a, s, t->name, "index %s: keys not understood", cur);
                t->nindexes--;
                made = NULL;
                skip = true;
            } else if (cid >= 0) {
                made->cols.v[k] = col_text(a, st, 4);
            }
            continue;
        }
        const char *coll = (const char *)sqlite3_column_text(st, 7);
        if (sqlite3_column_int(st, 5) == -2) {
            mp_schema_note_unmodelled(a, s, t->name, "index %s: expression column", cur);
            skip = true;
            continue;
        }
        if (sqlite3_column_int(st, 6) != 0)
            mp_schema_note_unmodelled(a, s, t->name, "index %s: DESC column %s", cur,
                                      (const char *)sqlite3_column_text(st, 4));
        const struct mp_column *ic = mp_table_column(t, MP_SQLITE, (const char *)sqlite3_column_text(st, 4));
        const char *own = ic && ic->feat.collation ? ic->feat.collation : "BINARY"; /* the column's own */
        if (coll && strcasecmp(coll, own) != 0)
            mp_schema_note_unmodelled(a, s, t->name, "index %s: COLLATE %s column %s", cur, coll,
                                      (const char *)sqlite3_column_text(st, 4));
        if (cols)
            names_push(a, cols, &cap, col_text(a, st, 4));
    }
    sqlite3_reset(st);
    return 0;
}

/* Foreign keys after every table is read: `REFERENCES p` without a column
 * list means p's primary key (SQLite "Foreign Key Support" 3); one whose
 * columns cannot be resolved that way (p missing, or a key of another
 * width) is recorded as unmodelled and left out.  A key to a table that
 * does not exist (legal in SQLite until it is used) with its columns named
 * stays in the model as it is. */
static void resolve_fks(struct mp_arena *a, struct mp_schema *s)
{
    for (size_t i = 0; i < s->ntables; i++) {
        struct mp_table *t = s->tables[i];
        size_t k = 0;
        for (size_t j = 0; j < t->nfks; j++) {
            struct mp_fk *f = &t->fks[j];
            const struct mp_table *p = mp_schema_table(s, MP_SQLITE, f->ref_table);
            bool ok = true, implicit = false;
            for (size_t c = 0; c < f->ref_cols.n; c++)
                implicit |= f->ref_cols.v[c] == NULL;
            /* a key to a missing table with its columns named is modelled as
             * it is (the model holds names; migrations pass through such
             * states); without columns nothing says what it references */
            if (implicit && !p) {
                mp_schema_note_unmodelled(a, s, t->name, "table %s: foreign key to missing table %s without columns",
                                          t->name, f->ref_table);
                ok = false;
            } else if (implicit) {
                if (p->pk.n == f->cols.n) {
                    f->ref_cols = mp_names_copy(a, &p->pk);
                } else {
                    mp_schema_note_unmodelled(a, s, t->name,
                                              "table %s: foreign key to %s whose primary key does not match",
                                              t->name, f->ref_table);
                    ok = false;
                }
            }
            if (ok)
                t->fks[k++] = *f;
        }
        t->nfks = k;
    }
}

/* The authorizer of view_deps(): every column read on behalf of the view
 * being analysed (the innermost view, the callback's 4th argument), as
 * SQLite compiles it ("Compile-Time Authorization Callbacks",
 * SQLITE_READ: table and column names). */
struct view_reads {
    struct mp_arena *a;
    struct mp_object *o;
};

static int on_read(void *ctx, int action, const char *table, const char *column, const char *db,
                   const char *inner)
{
    struct view_reads *r = ctx;
    (void)db;
    if (action == SQLITE_READ && table && inner && strcmp(inner, r->o->name) == 0)
        mp_object_add_dep(r->a, r->o, table, column && *column ? column : NULL);
    return SQLITE_OK;
}

/* The tables, views and columns view `o` reads: what SQLite's authorizer
 * reports while it compiles SELECT * FROM the view - the select list,
 * WHERE, JOIN and GROUP BY alike, precise to the column.  A view SQLite
 * cannot compile keeps no dependencies (the name scan stands in).  The
 * connection's authorizer is replaced for the time of the read and left
 * unset after it. */
static void view_deps(sqlite3 *db, struct mp_arena *a, struct mp_object *o)
{
    struct view_reads r = {a, o};
    struct mp_buf q = {0};
    mp_buf_add(&q, "SELECT * FROM ");
    mp_buf_ident(&q, o->name);
    sqlite3_stmt *st = NULL;
    sqlite3_set_authorizer(db, on_read, &r);
    if (sqlite3_prepare_v2(db, mp_buf_str(&q), -1, &st, NULL) != SQLITE_OK)
        o->ndeps = 0;
    sqlite3_finalize(st);
    sqlite3_set_authorizer(db, NULL, NULL);
    mp_buf_free(&q);
}

int mp_introspect_sqlite(void *db, struct mp_arena *a, struct mp_schema **out, struct mp_error *err)
{
    struct {
        sqlite3 *db;
    } ss = {db}, *s = &ss;
    sqlite3_stmt *st;
    int rc;
    /* table_list (3.37) has strict and wr (WITHOUT ROWID) */
    if ((rc = prep(s->db, "SELECT m.type, m.name, m.tbl_name, m.sql, coalesce(l.strict, 0), coalesce(l.wr, 0) "
                          "FROM sqlite_schema AS m LEFT JOIN pragma_table_list AS l "
                          "ON l.schema = 'main' AND l.name = m.name AND m.type = 'table' "
                          "WHERE m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.type, m.name",
                   NULL, &st, err)))
        return rc;
    struct mp_schema *sc = mp_schema_new(a);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *tbl = (const char *)sqlite3_column_text(st, 2);
        const char *sql = (const char *)sqlite3_column_text(st, 3);
        if (strcmp(type, "table") == 0) {
            if (sql && strncasecmp(sql, "CREATE VIRTUAL", 14) == 0) {
                mp_schema_note_unmodelled(a, sc, name, "table %s: virtual table", name);
                continue;
            }
            struct mp_table *t = mp_schema_add_table(a, sc, name);
            t->strict = sqlite3_column_int(st, 4) != 0;
            t->without_rowid = sqlite3_column_int(st, 5) != 0;
            if (sql)
                scan_create(a, sc, t, sql);
        } else if (strcmp(type, "view") == 0 || strcmp(type, "trigger") == 0) {
            bool view = type[0] == 'v';
            struct mp_object *o = mp_schema_add_object(a, sc, view ? MP_OBJ_VIEW : MP_OBJ_TRIGGER, name);
            o->table = view ? NULL : mp_arena_strdup(a, tbl);
            o->sql = mp_arena_strdup(a, sql ? sql : "");
        }
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < sc->nobjects; i++)
        if (sc->objects[i].kind == MP_OBJ_VIEW)
            view_deps(s->db, a, &sc->objects[i]);
    struct table_queries q = {0};
    for (size_t i = 0; i < sc->ntables && !rc; i++)
        rc = introspect_table(s->db, a, sc, sc->tables[i], &q, err);
    table_queries_free(&q);
    if (rc)
        return rc;

    resolve_fks(a, sc);
    sc->has_dialect = true;
    sc->dialect = MP_SQLITE;
    *out = sc;
    return 0;
}
