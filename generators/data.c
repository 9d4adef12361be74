/* data.c - rows for a start schema (see data.h). */
#include "data.h"
#include "model_column.h"

#include "model_check.h"
#include "gen_types.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Canonical value of row r for a column of type t that must be distinct
 * per row when `uniq` (otherwise drawn at random). */
static const char *value(struct mp_arena *a, struct mp_rng *rng, const struct mp_type *t, size_t r, bool uniq)
{
    unsigned long k = uniq ? (unsigned long)r + 1 : (unsigned long)mp_rng_below(rng, 1000);
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT:
        return mp_arena_printf(a, "%lu", uniq ? k : k * 7 % 1000);
    case MP_TYPE_NUMERIC: {
        /* fits numeric(p,s): at most p-s integer digits */
        int idig = t->precision - t->scale;
        unsigned long cap = 1;
        for (int i = 0; i < idig && i < 9; i++)
            cap *= 10;
        unsigned long ip = cap > 1 ? k % cap : 0;
        if (t->scale > 0)
            return mp_arena_printf(a, "%lu.5", ip);
        return mp_arena_printf(a, "%lu", ip);
    }
    case MP_TYPE_DOUBLE:
        return mp_arena_printf(a, "%lu.25", k);
    case MP_TYPE_BOOLEAN:
        return (k % 2) ? "true" : "false";
    case MP_TYPE_DATE:
        return mp_arena_printf(a, "20%02lu-%02lu-%02lu", 10 + k / 336 % 80, 1 + k / 28 % 12, 1 + k % 28);
    case MP_TYPE_TIMESTAMP:
        return mp_arena_printf(a, "20%02lu-%02lu-%02lu %02lu:%02lu:00", 10 + k / 336 % 80, 1 + k / 28 % 12,
                               1 + k % 28, k % 24, k % 60);
    case MP_TYPE_BYTES:
        return mp_arena_printf(a, "%02lx%02lx", k & 0xff, (k >> 8) & 0xff);
    case MP_TYPE_VARCHAR: {
        /* a ';' and a quote now and then: statements must not be split */
        const char *s = uniq ? mp_arena_printf(a, "%lu", k)
                             : (k % 5 == 0 ? mp_arena_printf(a, "a;'%lu", k) : mp_arena_printf(a, "v%lu", k));
        return strlen(s) <= (size_t)t->len ? s : mp_arena_printf(a, "%.*s", t->len, s);
    }
    default:
        return uniq ? mp_arena_printf(a, "u%lu", k)
                    : (k % 5 == 0 ? mp_arena_printf(a, "it's; %lu", k) : mp_arena_printf(a, "t%lu", k));
    }
}

/* How many distinct non-NULL values a type offers (0: plenty). */
static size_t domain(const struct mp_type *t)
{
    if (t->kind == MP_TYPE_BOOLEAN)
        return 2;
    if (t->kind == MP_TYPE_VARCHAR && t->len < 4) {
        size_t n = 1;
        for (int i = 0; i < t->len; i++)
            n *= 10;
        return n - 1;
    }
    if (t->kind == MP_TYPE_NUMERIC && t->precision - t->scale < 4) {
        size_t n = 1;
        for (int i = 0; i < t->precision - t->scale; i++)
            n *= 10;
        return n;
    }
    return 0;
}

void mp_data_gen(struct mp_arena *a, struct mp_rng *r, const struct mp_schema *start, const struct mp_schema *desired,
                 const struct mp_renames *hints, size_t max_rows, struct mp_dataset *out)
{
    const enum mp_dialect d = MP_POSTGRES; /* generated names are unique case-insensitively */
    size_t n = start->ntables;
    out->v = mp_arena_alloc(a, (n + 1) * sizeof *out->v);
    out->n = 0;
    bool *done = mp_arena_alloc(a, (n + 1) * sizeof *done);
    /* tables in an order where every FK target (other than itself) comes
     * first; tables in a reference cycle get rows with NULL references */
    for (size_t round = 0; out->n < n; round++) {
        bool progress = false;
        for (size_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            /* generated columns are computed: rows leave them out */
            const struct mp_table *t = mp_table_stored_columns(a, start->tables[i]);
            bool ready = true;
            for (size_t j = 0; j < t->nfks && ready && round < n + 1; j++) {
                long ti = mp_schema_find_table(start, d, t->fks[j].ref_table);
                ready = ti < 0 || (size_t)ti == i || done[ti];
            }
            if (!ready)
                continue;
            done[i] = progress = true;
            const struct mp_table *dt = desired ? mp_diff_table_target(desired, hints, d, t->name) : NULL;
            struct mp_table_rows *tr = &out->v[out->n++];
            tr->table = t->name;
            tr->overriding = mp_table_has_identity_always(t);
            tr->ncols = t->ncols;
            tr->cols = mp_arena_alloc(a, (t->ncols + 1) * sizeof *tr->cols);
            tr->types = mp_arena_alloc(a, (t->ncols + 1) * sizeof *tr->types);
            bool *uniq = mp_arena_alloc(a, (t->ncols + 1) * sizeof *uniq);
            bool *nonnull = mp_arena_alloc(a, (t->ncols + 1) * sizeof *nonnull);
            /* a column with a CHECK (col IN (...)) in the start or the
             * desired table takes its values from the list */
            const char ***in_v = mp_arena_alloc(a, (t->ncols + 1) * sizeof *in_v);
            size_t *in_n = mp_arena_alloc(a, (t->ncols + 1) * sizeof *in_n);
            size_t rows = max_rows;
            for (size_t c = 0; c < t->ncols; c++) {
                const struct mp_column *col = &t->cols[c];
                tr->cols[c] = col->name;
                ((struct mp_type *)tr->types)[c] = col->type;
                const char *fin = dt ? mp_diff_column_target(t, dt, hints, d, col->name) : NULL;
                const struct mp_column *dc = fin ? mp_table_column(dt, d, fin) : NULL;
                uniq[c] = mp_table_column_in_unique_key(t, d, col->name) || (dc ? mp_table_column_in_unique_key(dt, d, dc->name) : !desired);
                nonnull[c] = col->not_null || (dc ? dc->not_null : !desired);
                size_t dom = domain(&col->type);
                in_n[c] = 0;
                for (size_t k = 0; k < t->nchecks && !in_n[c]; k++)
                    in_n[c] = mp_check_in_values(a, d, t->checks[k].expr, col->name, &in_v[c]);
                for (size_t k = 0; dc && k < dt->nchecks && !in_n[c]; k++)
                    in_n[c] = mp_check_in_values(a, d, dt->checks[k].expr, dc->name, &in_v[c]);
                if (!in_n[c]) /* an enum column: its labels (gen_types.h) */
                    in_n[c] = mp_gen_type_labels(a, start, &col->type, desired, dc ? &dc->type : NULL, &in_v[c]);
                if (in_n[c])
                    dom = in_n[c];
                if (uniq[c] && dom && rows > dom && nonnull[c])
                    rows = dom;
            }
            /* foreign keys: values of the referenced column in its rows */
            size_t *fk_of = mp_arena_alloc(a, (t->ncols + 1) * sizeof *fk_of);
            const struct mp_table_rows **fk_rows = mp_arena_alloc(a, (t->ncols + 1) * sizeof *fk_rows);
            size_t *fk_col = mp_arena_alloc(a, (t->ncols + 1) * sizeof *fk_col);
            for (size_t c = 0; c < t->ncols; c++)
                fk_of[c] = (size_t)-1;
            /* references: the start schema's foreign keys, and those the
             * change set adds on start columns (their rows must already
             * point at existing rows, or hold NULL) */
            const char **ref_table = mp_arena_alloc(a, (t->ncols + 1) * sizeof *ref_table);
            const char **ref_col = mp_arena_alloc(a, (t->ncols + 1) * sizeof *ref_col);
            for (size_t j = 0; j < t->nfks; j++) {
                const struct mp_fk *f = &t->fks[j];
                long c = f->cols.n == 1 ? mp_table_find_column(t, d, f->cols.v[0]) : -1;
                if (c >= 0) {
                    ref_table[c] = f->ref_table;
                    ref_col[c] = f->ref_cols.v[0];
                }
            }
            for (size_t j = 0; dt && j < dt->nfks; j++) {
                const struct mp_fk *f = &dt->fks[j];
                if (f->cols.n != 1)
                    continue;
                for (size_t c = 0; c < t->ncols; c++) {
                    const char *fin = mp_diff_column_target(t, dt, hints, d, t->cols[c].name);
                    if (ref_table[c] || !fin || !mp_name_eq(d, fin, f->cols.v[0]))
                        continue;
                    /* the start table (and column) the desired target comes from */
                    ref_table[c] = "";
                    for (size_t k = 0; k < start->ntables; k++) {
                        const struct mp_table *sk = start->tables[k];
                        const struct mp_table *tk = mp_diff_table_target(desired, hints, d, sk->name);
                        if (!tk || !mp_name_eq(d, tk->name, f->ref_table))
                            continue;
                        for (size_t q = 0; q < sk->ncols; q++) {
                            const char *fq = mp_diff_column_target(sk, tk, hints, d, sk->cols[q].name);
                            if (fq && mp_name_eq(d, fq, f->ref_cols.v[0])) {
                                ref_table[c] = sk->name;
                                ref_col[c] = sk->cols[q].name;
                            }
                        }
                    }
                }
            }
            for (size_t c = 0; c < t->ncols; c++) {
                if (!ref_table[c])
                    continue;
                fk_of[c] = c;
                bool self = strcmp(ref_table[c], t->name) == 0;
                fk_rows[c] = NULL;
                for (size_t k = 0; k + 1 < out->n && !self; k++)
                    if (strcmp(out->v[k].table, ref_table[c]) == 0)
                        fk_rows[c] = &out->v[k];
                if (self)
                    fk_rows[c] = tr;
                const struct mp_table_rows *pr = fk_rows[c];
                fk_col[c] = 0;
                if (pr)
                    for (size_t k = 0; k < pr->ncols; k++)
                        if (strcmp(pr->cols[k], ref_col[c]) == 0)
                            fk_col[c] = k;
                /* a unique, NOT NULL reference needs a distinct parent per row */
                if (pr && !self && uniq[c] && nonnull[c] && rows > pr->nrows)
                    rows = pr->nrows;
                if (((!pr && !self) || (pr && !self && pr->nrows == 0)) && nonnull[c])
                    rows = 0;
            }
            tr->rows = mp_arena_alloc(a, (rows + 1) * sizeof *tr->rows);
            for (size_t row = 0; row < rows; row++) {
                const char **v = mp_arena_alloc(a, (t->ncols + 1) * sizeof *v);
                for (size_t c = 0; c < t->ncols; c++) {
                    const struct mp_column *col = &t->cols[c];
                    if (fk_of[c] != (size_t)-1) {
                        const struct mp_table_rows *pr = fk_rows[c];
                        bool self = pr == tr;
                        size_t avail = self ? row : (pr ? pr->nrows : 0);
                        /* a unique reference: each parent once (self: the row before) */
                        bool used_up = uniq[c] && !self && row >= avail;
                        if (avail == 0 || used_up || (!nonnull[c] && mp_rng_chance(r, 1, 4))) {
                            v[c] = NULL; /* first row of a self-reference, or a NULL reference */
                            if (nonnull[c] && self)
                                v[c] = value(a, r, mp_gen_type_value_type(start, &col->type), row, true); /* itself */
                        } else {
                            size_t pick = uniq[c] ? (self ? row - 1 : row) : (size_t)mp_rng_below(r, avail);
                            v[c] = self ? tr->rows[pick][fk_col[c]] : pr->rows[pick][fk_col[c]];
                            if (!v[c] && nonnull[c])
                                v[c] = value(a, r, mp_gen_type_value_type(start, &col->type), row, true);
                        }
                        continue;
                    }
                    size_t dom = in_n[c] ? in_n[c] : domain(&col->type);
                    if (!nonnull[c] && (mp_rng_chance(r, 1, 5) || (uniq[c] && dom && row >= dom))) {
                        v[c] = NULL;
                        continue;
                    }
                    if (in_n[c])
                        v[c] = in_v[c][uniq[c] ? row % in_n[c] : (size_t)mp_rng_below(r, in_n[c])];
                    else
                        v[c] = value(a, r, mp_gen_type_value_type(start, &col->type), row, uniq[c]);
                }
                tr->rows[tr->nrows++] = v;
            }
        }
        if (!progress) {
            /* a reference cycle: let the next round take any table */
            round = n + 1;
        }
    }
}

static void literal(struct mp_buf *b, const struct mp_type *t, const char *v, enum mp_dialect d)
{
    if (!v) {
        mp_buf_add(b, "NULL");
        return;
    }
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT:
    case MP_TYPE_NUMERIC:
    case MP_TYPE_DOUBLE:
        mp_buf_add(b, v);
        return;
    case MP_TYPE_BOOLEAN:
        mp_buf_add(b, d == MP_POSTGRES ? v : (strcmp(v, "true") == 0 ? "1" : "0"));
        return;
    case MP_TYPE_BYTES:
        mp_buf_printf(b, d == MP_POSTGRES ? "'\\x%s'::bytea" : "X'%s'", v);
        return;
    default:
        mp_buf_literal(b, v);
        return;
    }
}

void mp_data_sql(struct mp_buf *b, const struct mp_dataset *data, enum mp_dialect d)
{
    for (size_t i = 0; i < data->n; i++) {
        const struct mp_table_rows *tr = &data->v[i];
        if (!tr->nrows)
            continue;
        mp_buf_add(b, "INSERT INTO ");
        mp_buf_ident(b, tr->table);
        mp_buf_add(b, " (");
        for (size_t c = 0; c < tr->ncols; c++) {
            mp_buf_add(b, c ? ", " : "");
            mp_buf_ident(b, tr->cols[c]);
        }
        mp_buf_add(b, tr->overriding && d == MP_POSTGRES ? ") OVERRIDING SYSTEM VALUE VALUES\n" : ") VALUES\n");
        for (size_t r = 0; r < tr->nrows; r++) {
            mp_buf_add(b, r ? ",\n  (" : "  (");
            for (size_t c = 0; c < tr->ncols; c++) {
                mp_buf_add(b, c ? ", " : "");
                literal(b, &tr->types[c], tr->rows[r][c], d);
            }
            mp_buf_addc(b, ')');
        }
        mp_buf_add(b, ";\n");
    }
}

static const char *strip_zeros(struct mp_arena *a, const char *s)
{
    if (!strchr(s, '.'))
        return mp_arena_strdup(a, s);
    char *c = mp_arena_strdup(a, s);
    size_t n = strlen(c);
    while (n > 0 && c[n - 1] == '0')
        c[--n] = 0;
    if (n > 0 && c[n - 1] == '.')
        c[--n] = 0;
    if (strcmp(c, "-0") == 0 || n == 0)
        return "0";
    return c;
}

const char *mp_value_canonical(struct mp_arena *a, const struct mp_type *t, const char *text)
{
    if (!text)
        return NULL;
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_BIGINT:
    case MP_TYPE_NUMERIC: {
        /* SQLite's NUMERIC affinity may hand back 2.0 or 1.5e-05 */
        if (strchr(text, 'e') || strchr(text, 'E'))
            return strip_zeros(a, mp_arena_printf(a, "%.15f", strtod(text, NULL)));
        return strip_zeros(a, text);
    }
    case MP_TYPE_DOUBLE:
        return mp_arena_printf(a, "%.17g", strtod(text, NULL));
    case MP_TYPE_BOOLEAN:
        return (strcmp(text, "t") == 0 || strcmp(text, "1") == 0 || strcmp(text, "true") == 0) ? "true" : "false";
    case MP_TYPE_BYTES:
        return text[0] == '\\' && text[1] == 'x' ? mp_arena_strdup(a, text + 2) : mp_arena_strdup(a, text);
    default:
        return mp_arena_strdup(a, text);
    }
}

const char *mp_default_canonical(struct mp_arena *a, const struct mp_type *t, const char *def)
{
    if (!def)
        return NULL;
    /* PostgreSQL hands defaults back decorated: 'x'::text, '0'::numeric */
    const char *cast = strstr(def, "::");
    char *core = mp_arena_strndup(a, def, cast ? (size_t)(cast - def) : strlen(def));
    size_t n = strlen(core);
    if (n >= 2 && core[0] == '\'' && core[n - 1] == '\'') {
        struct mp_buf b = {0};
        for (size_t i = 1; i + 1 < n; i++) {
            mp_buf_addc(&b, core[i]);
            if (core[i] == '\'' && core[i + 1] == '\'')
                i++;
        }
        const char *r = mp_value_canonical(a, t, mp_buf_str(&b));
        mp_buf_free(&b);
        return r;
    }
    if (strcmp(core, "NULL") == 0)
        return NULL;
    if (t->kind == MP_TYPE_BOOLEAN)
        return (strcasecmp(core, "true") == 0 || strcmp(core, "1") == 0) ? "true" : "false";
    return mp_value_canonical(a, t, core);
}
