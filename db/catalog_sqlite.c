/* catalog_sqlite.c - the SQLite catalog reader: a database's schema into
 * the model through sqlite_schema and the pragma table-valued functions
 * (SQLite "PRAGMA Statements": table_info, foreign_key_list, index_list,
 * index_info). */
#include "backend.h"
#include "dberror.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int introspect_table(sqlite3 *db, struct mp_arena *a, struct mp_table *t, struct mp_error *err)
{
    sqlite3_stmt *st;
    int rc;
    if ((rc = prep(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
                   t->name, &st, err)))
        return rc;
    const char *pk[64] = {0};
    size_t npk = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *type = col_text(a, st, 1);
        struct mp_column *c = mp_table_add_column(a, t, col_text(a, st, 0),
                                                  mp_type_from_sql(a, MP_SQLITE, type ? type : ""));
        c->not_null = sqlite3_column_int(st, 2) != 0;
        c->default_sql = col_text(a, st, 3);
        int k = sqlite3_column_int(st, 4);
        if (k > 0 && k <= 64) {
            pk[k - 1] = c->name;
            if ((size_t)k > npk)
                npk = (size_t)k;
        }
    }
    sqlite3_finalize(st);
    t->pk = mp_names_make(a, npk, pk);

    if ((rc = prep(db, "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
                   t->name, &st, err)))
        return rc;
    int last = -1;
    struct mp_fk *f = NULL;
    size_t cap1 = 0, cap2 = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        if (id != last) {
            f = mp_table_add_fk(a, t);
            f->ref_table = col_text(a, st, 1);
            f->on_delete = action((const char *)sqlite3_column_text(st, 4));
            cap1 = cap2 = 0;
            last = id;
        }
        names_push(a, &f->cols, &cap1, col_text(a, st, 2));
        const char *to = col_text(a, st, 3);
        names_push(a, &f->ref_cols, &cap2, to ? to : "?");
    }
    sqlite3_finalize(st);

    if ((rc = prep(db, "SELECT il.name, il.\"unique\", il.origin, ii.name FROM pragma_index_list(?1) AS il "
                       "JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno",
                   t->name, &st, err)))
        return rc;
    const char *cur = NULL;
    struct mp_names *cols = NULL;
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *origin = (const char *)sqlite3_column_text(st, 2);
        if (!cur || strcmp(cur, name) != 0) {
            cur = mp_arena_strdup(a, name);
            cap = 0;
            cols = NULL;
            if (strcmp(origin, "c") == 0) {
                struct mp_index *x = mp_table_add_index(a, t);
                x->name = cur;
                x->unique = sqlite3_column_int(st, 1) != 0;
                cols = &x->cols;
            } else if (strcmp(origin, "u") == 0) {
                cols = &mp_table_add_unique(a, t)->cols;
            }
        }
        if (cols)
            names_push(a, cols, &cap, col_text(a, st, 3));
    }
    sqlite3_finalize(st);
    return 0;
}

int mp_introspect_sqlite(void *db, struct mp_arena *a, struct mp_schema **out, struct mp_error *err)
{
    struct {
        sqlite3 *db;
    } ss = {db}, *s = &ss;
    sqlite3_stmt *st;
    int rc;
    if ((rc = prep(s->db, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                   NULL, &st, err)))
        return rc;
    struct mp_schema *sc = mp_schema_new(a);
    while (sqlite3_step(st) == SQLITE_ROW)
        mp_schema_add_table(a, sc, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (size_t i = 0; i < sc->ntables; i++)
        if ((rc = introspect_table(s->db, a, sc->tables[i], err)))
            return rc;
    *out = sc;
    return 0;
}

