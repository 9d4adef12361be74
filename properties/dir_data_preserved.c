/* dir_data_preserved.c - rows that fit the schema at version k survive migrations k+1..n in every kept or renamed column. */
#include "dir_properties.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* char(n): PostgreSQL pads with spaces and drops them again on a cast to
 * varchar or text ("Character Types": trailing spaces are insignificant),
 * so values of such a column compare without them. */
static bool is_char_type(const struct mp_type *t)
{
    if (t->kind != MP_TYPE_RAW || !t->raw)
        return false;
    return strncasecmp(t->raw, "character(", 10) == 0 || strncasecmp(t->raw, "char(", 5) == 0 ||
           strcasecmp(t->raw, "character") == 0 || strncasecmp(t->raw, "bpchar", 6) == 0;
}

static const char *norm(struct mp_arena *a, const char *v, bool trim)
{
    if (!v || !trim)
        return v;
    size_t n = strlen(v);
    while (n && v[n - 1] == ' ')
        n--;
    return mp_arena_strndup(a, v, n);
}

static int cmp_val(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    if (!a || !b)
        return !a && !b ? 0 : !a ? -1 : 1;
    return strcmp(a, b);
}

/* Column c of t's rows, normalised and sorted (in a). */
static const char **column(struct mp_arena *a, const struct mp_table_rows *t, size_t c, bool trim)
{
    const char **v = mp_arena_alloc(a, (t->nrows ? t->nrows : 1) * sizeof *v);
    for (size_t r = 0; r < t->nrows; r++)
        v[r] = norm(a, t->rows[r][c], trim);
    qsort(v, t->nrows, sizeof *v, cmp_val);
    return v;
}

/* How many of the n values in `was` (sorted) are missing from `now` (m,
 * sorted), as a multiset. *ex: one missing value. */
static size_t missing(const char **was, size_t n, const char **now, size_t m, const char **ex)
{
    size_t p = 0, q = 0, miss = 0;
    while (p < n) {
        int c = q < m ? cmp_val(&was[p], &now[q]) : -1;
        if (c == 0)
            p++, q++;
        else if (c < 0) {
            if (!miss)
                *ex = was[p];
            miss++, p++;
        } else
            q++;
    }
    return miss;
}

static size_t nulls(const char **v, size_t n)
{
    size_t k = 0;
    while (k < n && !v[k])
        k++;
    return k;
}

static const struct mp_table_rows *rows_of(const struct mp_dataset *d, const char *table)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->v[i].table, table) == 0)
            return &d->v[i];
    return NULL;
}

static long col_of(enum mp_dialect dl, const struct mp_table_rows *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (mp_name_eq(dl, t->cols[c], name))
            return (long)c;
    return -1;
}

/* Compare table `was` before migration `mig` with `now` after it: 1 with a
 * failure recorded, 0 (renames and drops noted). */
static int compare_table(struct mp_dir_trial *t, const char *mig, const struct mp_table_rows *was,
                         const struct mp_table_rows *now, const char *now_name)
{
    struct mp_arena *a = t->a;
    if (now->nrows < was->nrows)
        return mp_dir_fail(t, "rows-deleted", mp_arena_printf(a, "%s: %s", mig, was->table),
                           "%s deletes %zu of the %zu rows of table \"%s\"", mig, was->nrows - now->nrows, was->nrows,
                           was->table);
    bool *used = mp_arena_alloc(a, (now->ncols ? now->ncols : 1) * sizeof *used);
    for (size_t c = 0; c < was->ncols; c++) {
        long nc = col_of(t->d, now, was->cols[c]);
        bool trim = is_char_type(&was->types[c]);
        if (nc < 0) {
            /* a rename: a new column of the same type holding the same values */
            const char **wv = column(a, was, c, trim);
            for (size_t k = 0; k < now->ncols && nc < 0; k++) {
                if (used[k] || col_of(t->d, was, now->cols[k]) >= 0 || !mp_type_eq(&was->types[c], &now->types[k]))
                    continue;
                const char *ex = NULL;
                const char **nv = column(a, now, k, trim);
                if (!missing(wv, was->nrows, nv, now->nrows, &ex))
                    nc = (long)k;
            }
            if (nc >= 0) {
                mp_buf_printf(&t->notes, "%s renames column \"%s\".\"%s\" to \"%s\".\"%s\"\n", mig, was->table,
                              was->cols[c], now_name, now->cols[nc]);
                used[nc] = true;
                continue;
            }
            const char *what = mp_arena_printf(a, "%s drops column \"%s\".\"%s\"", mig, was->table, was->cols[c]);
            if (t->fail_on_drop)
                return mp_dir_fail(t, "drop", mp_arena_printf(a, "%s: %s.%s", mig, was->table, was->cols[c]),
                                   "%s (%zu rows; --fail-on-drop)", what, was->nrows);
            mp_buf_printf(&t->notes, "intentional data loss: %s\n", what);
            continue;
        }
        used[nc] = true;
        trim = trim || is_char_type(&now->types[nc]);
        const char **wv = column(a, was, c, trim), **nv = column(a, now, (size_t)nc, trim);
        const char *ex = NULL;
        size_t miss = missing(wv, was->nrows, nv, now->nrows, &ex);
        if (!miss)
            continue;
        const char *how = "changed";
        if (nulls(nv, now->nrows) > nulls(wv, was->nrows))
            how = "NULLed";
        else if (ex)
            for (size_t r = 0; r < now->nrows; r++)
                if (nv[r] && strlen(nv[r]) < strlen(ex) && strncmp(nv[r], ex, strlen(nv[r])) == 0)
                    how = "truncated";
        return mp_dir_fail(t, "value-lost", mp_arena_printf(a, "%s: %s.%s", mig, was->table, was->cols[c]),
                           "%s: column \"%s\".\"%s\": %zu of %zu rows %s (e.g. %s%s%s no longer there)", mig,
                           was->table, was->cols[c], miss, was->nrows, how, ex ? "'" : "", ex ? ex : "NULL",
                           ex ? "'" : "");
    }
    return 0;
}

/* Every table of `was` against `now` after migration `mig`. */
static int compare(struct mp_dir_trial *t, const char *mig, const struct mp_dataset *was, const struct mp_dataset *now)
{
    for (size_t i = 0; i < was->n; i++) {
        const struct mp_table_rows *w = &was->v[i], *n = rows_of(now, w->table);
        if (!n) {
            /* a renamed table: a new one with the same columns and as many rows */
            for (size_t j = 0; j < now->n && !n; j++) {
                const struct mp_table_rows *c = &now->v[j];
                if (rows_of(was, c->table) || c->ncols != w->ncols || c->nrows < w->nrows)
                    continue;
                bool same = true;
                for (size_t k = 0; k < c->ncols && same; k++)
                    same = col_of(t->d, c, w->cols[k]) >= 0;
                if (same)
                    n = c;
            }
            if (n) {
                mp_buf_printf(&t->notes, "%s renames table \"%s\" to \"%s\"\n", mig, w->table, n->table);
            } else {
                if (t->fail_on_drop && w->nrows)
                    return mp_dir_fail(t, "drop", mp_arena_printf(t->a, "%s: %s", mig, w->table),
                                       "%s drops table \"%s\" (%zu rows; --fail-on-drop)", mig, w->table, w->nrows);
                mp_buf_printf(&t->notes, "intentional data loss: %s drops table \"%s\"\n", mig, w->table);
                continue;
            }
        }
        if (!w->nrows)
            continue;
        int rc = compare_table(t, mig, w, n, n->table);
        if (rc)
            return rc;
    }
    return 0;
}

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    if (t->c.n < 2)
        return 0;
    if (t->c.at < 0) {
        struct mp_rng rng;
        mp_rng_seed(&rng, t->seed);
        t->c.at = 1 + (long)mp_rng_below(&rng, t->c.n - 1); /* 1 .. n-1: rows need a table, and a migration after */
    }
    size_t k = (size_t)t->c.at;
    if (k >= t->c.n)
        return mp_error_set(err, MP_EINVAL, "data_preserved: rows after %zu of %zu migrations", k, t->c.n);
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err), res = 0;
    if (rc)
        return rc;
    struct mp_migset *set = mp_dir_set(t, t->c.idx, t->c.n);
    struct mp_schema *s;
    struct mp_dataset was, now;
    if ((res = mp_dir_apply(t, x, set, k, "apply", err)) || (res = mp_dir_snapshot(t, &s, NULL, err)) ||
        (res = mp_dir_insert_rows(t, s, err)) || (res = mp_dir_snapshot(t, &s, &was, err)))
        goto out;
    for (size_t j = k; j < t->c.n && !res; j++) {
        const char *mig = mp_dir_name(t, t->c.idx[j]);
        if ((res = mp_dir_apply(t, x, set, 1, "apply-with-rows", err)) || (res = mp_dir_snapshot(t, &s, &now, err)))
            break;
        res = compare(t, mig, &was, &now);
        was = now;
    }
out:
    mp_dir_end(t, x);
    return res;
}

const struct mp_dir_property mp_dir_prop_data_preserved = {
    .name = "data_preserved",
    .doc = "rows that fit version k survive the later migrations in every kept or renamed column",
    .random = true,
    .trial = check,
};
