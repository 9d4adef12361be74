/* dataread.c - read rows back in canonical form (see dataread.h). */
#include "dataread.h"
#include "model_column.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static size_t sort_ncols;

static int cmp_row(const void *p, const void *q)
{
    const char *const *a = *(const char *const *const *)p, *const *b = *(const char *const *const *)q;
    for (size_t c = 0; c < sort_ncols; c++) {
        if (!a[c] || !b[c]) {
            if (a[c] != b[c])
                return a[c] ? 1 : -1;
            continue;
        }
        int r = strcmp(a[c], b[c]);
        if (r)
            return r;
    }
    return 0;
}

void mp_rows_sort(struct mp_table_rows *t)
{
    sort_ncols = t->ncols;
    if (t->nrows > 1)
        qsort(t->rows, t->nrows, sizeof *t->rows, cmp_row);
}

const char *mp_row_text(struct mp_arena *a, const struct mp_table_rows *t, size_t row)
{
    struct mp_buf b = {0};
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            mp_buf_add(&b, " | ");
        const char *v = t->rows[row][c];
        if (v)
            mp_buf_literal(&b, v);
        else
            mp_buf_add(&b, "NULL");
    }
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

static const char *hex(struct mp_arena *a, const unsigned char *p, int n)
{
    char *s = mp_arena_alloc(a, (size_t)n * 2 + 1);
    for (int i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = 0;
    return s;
}

static void select_sql(struct mp_buf *b, const struct mp_table *t)
{
    mp_buf_add(b, "SELECT ");
    for (size_t c = 0; c < t->ncols; c++) {
        mp_buf_add(b, c ? ", " : "");
        mp_buf_ident(b, t->cols[c].name);
    }
    mp_buf_add(b, " FROM ");
    mp_buf_ident(b, t->name);
}

int mp_data_read(struct mp_arena *a, enum mp_dialect d, void *conn, const struct mp_schema *s, struct mp_dataset *out,
                 struct mp_error *err)
{
    out->n = 0;
    out->v = mp_arena_alloc(a, (s->ntables + 1) * sizeof *out->v);
    for (size_t i = 0; i < s->ntables; i++) {
        /* generated columns hold no data of their own (data.h) */
        const struct mp_table *t = mp_table_stored_columns(a, s->tables[i]);
        struct mp_table_rows *tr = &out->v[out->n++];
        tr->table = t->name;
        tr->ncols = t->ncols;
        tr->cols = mp_arena_alloc(a, (t->ncols + 1) * sizeof *tr->cols);
        struct mp_type *types = mp_arena_alloc(a, (t->ncols + 1) * sizeof *types);
        for (size_t c = 0; c < t->ncols; c++) {
            tr->cols[c] = t->cols[c].name;
            types[c] = t->cols[c].type;
        }
        tr->types = types;
        struct mp_buf q = {0};
        select_sql(&q, t);
        size_t cap = 0;
        if (d == MP_SQLITE) {
            sqlite3_stmt *st;
            if (sqlite3_prepare_v2(conn, mp_buf_str(&q), -1, &st, NULL) != SQLITE_OK) {
                mp_error_set(err, MP_EDB, "reading %s: %s", t->name, sqlite3_errmsg(conn));
                mp_buf_free(&q);
                return MP_EDB;
            }
            int rc;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char **v = mp_arena_alloc(a, (t->ncols + 1) * sizeof *v);
                for (size_t c = 0; c < t->ncols; c++) {
                    int ty = sqlite3_column_type(st, (int)c);
                    if (ty == SQLITE_NULL)
                        v[c] = NULL;
                    else if (ty == SQLITE_BLOB)
                        v[c] = hex(a, sqlite3_column_blob(st, (int)c), sqlite3_column_bytes(st, (int)c));
                    else
                        v[c] = mp_value_canonical(a, &types[c], (const char *)sqlite3_column_text(st, (int)c));
                }
                *MP_PUSH(a, tr->rows, tr->nrows, cap) = v;
            }
            sqlite3_finalize(st);
            if (rc != SQLITE_DONE) {
                mp_error_set(err, MP_EDB, "reading %s: %s", t->name, sqlite3_errmsg(conn));
                mp_buf_free(&q);
                return MP_EDB;
            }
        } else {
            PGresult *r = PQexec(conn, mp_buf_str(&q));
            if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                mp_error_set(err, MP_EDB, "reading %s: %s", t->name, PQresultErrorMessage(r));
                PQclear(r);
                mp_buf_free(&q);
                return MP_EDB;
            }
            int nr = PQntuples(r);
            for (int row = 0; row < nr; row++) {
                const char **v = mp_arena_alloc(a, (t->ncols + 1) * sizeof *v);
                for (size_t c = 0; c < t->ncols; c++)
                    v[c] = PQgetisnull(r, row, (int)c) ? NULL
                                                        : mp_value_canonical(a, &types[c], PQgetvalue(r, row, (int)c));
                *MP_PUSH(a, tr->rows, tr->nrows, cap) = v;
            }
            PQclear(r);
        }
        mp_buf_free(&q);
        mp_rows_sort(tr);
    }
    return 0;
}
