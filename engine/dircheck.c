/* dircheck.c - one trial over a migration history: fresh database, migrations, rows, read back (dircheck.h). */
#include "dircheck.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dataread.h"

/* The executor's tracking table in a trial: a bookkeeping name the catalog
 * readers leave out (backend.h). */
#define MP_DIR_TRACKING "_mp_migrations"

int mp_dir_begin(struct mp_dir_trial *t, struct mp_target **x, struct mp_error *err)
{
    *x = NULL;
    int rc = mp_backend_begin(t->b, err);
    if (rc)
        return rc;
    /* PostgreSQL: the trial is one transaction, so migrations run in savepoints */
    *x = mp_target_wrap(t->d, mp_backend_conn(t->b), t->d == MP_POSTGRES);
    return 0;
}

void mp_dir_end(struct mp_dir_trial *t, struct mp_target *x)
{
    mp_target_close(x);
    mp_backend_end(t->b);
}

struct mp_migset *mp_dir_set(struct mp_dir_trial *t, const size_t *idx, size_t n)
{
    struct mp_migset *s = mp_arena_alloc(t->a, sizeof *s);
    s->format = MP_MIGFMT_PAIRS;
    s->dir = t->h->dir;
    s->v = mp_arena_alloc(t->a, (n ? n : 1) * sizeof *s->v);
    s->n = s->cap = n;
    for (size_t i = 0; i < n; i++) {
        s->v[i] = *t->h->v[idx[i]].m;
        /* the executor orders and tracks by `version`; raw_version keeps the file's name for messages */
        s->v[i].version = mp_arena_printf(t->a, "%zu", i + 1);
    }
    return s;
}

int mp_dir_up(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
              long *failed, size_t *applied, struct mp_error *err)
{
    (void)t;
    struct mp_exec_config xc = {.table = MP_DIR_TRACKING};
    struct mp_exec_report rep = {.failed = -1};
    if (failed)
        *failed = -1;
    int rc = mp_exec_up_steps(x, set, &xc, steps, &rep, err);
    if (rc && failed)
        *failed = rep.failed;
    if (applied)
        *applied = rep.applied;
    return rc;
}

int mp_dir_down(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
                struct mp_error *err)
{
    (void)t;
    struct mp_exec_config xc = {.table = MP_DIR_TRACKING};
    struct mp_exec_report rep = {.failed = -1};
    return mp_exec_down(x, set, &xc, steps, &rep, err);
}

const char *mp_dir_mig_name(struct mp_arena *a, const struct mp_migration *m)
{
    return mp_arena_printf(a, "%s_%s", m->raw_version, m->name);
}

int mp_dir_apply(struct mp_dir_trial *t, struct mp_target *x, const struct mp_migset *set, size_t steps,
                 const char *kind, struct mp_error *err)
{
    long failed;
    struct mp_error e = {0};
    int rc = mp_dir_up(t, x, set, steps, &failed, NULL, &e);
    if (!rc)
        return 0;
    if (failed < 0) {
        *err = e;
        return rc;
    }
    const char *name = mp_dir_mig_name(t->a, &set->v[failed]);
    return mp_dir_fail(t, kind, name, "%s does not apply: %s", name, e.msg);
}

bool mp_dir_schema_same(const struct mp_schema *x, const struct mp_schema *y, struct mp_buf *diff)
{
    return mp_schema_diff(diff, x, y) == 0;
}

int mp_dir_snapshot(struct mp_dir_trial *t, struct mp_schema **s, struct mp_dataset *rows, struct mp_error *err)
{
    int rc = mp_backend_introspect(t->b, t->a, s, err);
    if (!rc && rows)
        rc = mp_data_read(t->a, t->d, mp_backend_conn(t->b), *s, rows, err);
    return rc;
}

int mp_dir_insert_rows(struct mp_dir_trial *t, const struct mp_schema *s, struct mp_error *err)
{
    struct mp_buf sql = {0};
    int rc = 0;
    if (t->c.rows_sql) {
        mp_buf_add(&sql, t->c.rows_sql);
    } else {
        const struct mp_dataset *rows = t->c.rows;
        if (!rows) {
            struct mp_rng rng;
            mp_rng_seed(&rng, t->seed ^ 0x726f7773ULL); /* "rows": a stream apart from the property's */
            size_t max = t->max_rows ? t->max_rows : 20;
            mp_data_gen(t->a, &rng, s, NULL, NULL, 1 + (size_t)mp_rng_below(&rng, max), &t->gen);
            t->has_gen = true;
            rows = &t->gen;
        } else {
            t->gen = *rows;
            t->has_gen = true;
        }
        mp_data_sql(&sql, rows, t->d);
    }
    if (sql.len)
        rc = mp_backend_exec(t->b, mp_buf_str(&sql), err);
    if (rc)
        mp_error_prefix(err, "inserting the trial's rows: ");
    mp_buf_free(&sql);
    return rc;
}

size_t mp_dir_rows_diff(struct mp_buf *out, const struct mp_dataset *want, const struct mp_dataset *got)
{
    size_t ndiff = 0;
    struct mp_arena *a = mp_arena_new();
    for (size_t i = 0; i < want->n; i++) {
        const struct mp_table_rows *w = &want->v[i], *g = NULL;
        for (size_t j = 0; j < got->n && !g; j++)
            if (strcmp(got->v[j].table, w->table) == 0)
                g = &got->v[j];
        if (!g) {
            mp_buf_printf(out, "table \"%s\": gone (%zu rows)\n", w->table, w->nrows);
            ndiff++;
            continue;
        }
        /* both sorted by their text (mp_data_read): a merge */
        size_t p = 0, q = 0, only_w = 0, only_g = 0;
        struct mp_buf ex = {0};
        while (p < w->nrows || q < g->nrows) {
            const char *x = p < w->nrows ? mp_row_text(a, w, p) : NULL;
            const char *y = q < g->nrows ? mp_row_text(a, g, q) : NULL;
            int c = !x ? 1 : !y ? -1 : strcmp(x, y);
            if (c == 0) {
                p++, q++;
            } else if (c < 0) {
                if (only_w + only_g < 4)
                    mp_buf_printf(&ex, "  - (%s)\n", x);
                only_w++, p++;
            } else {
                if (only_w + only_g < 4)
                    mp_buf_printf(&ex, "  + (%s)\n", y);
                only_g++, q++;
            }
        }
        if (only_w || only_g || w->ncols != g->ncols) {
            mp_buf_printf(out, "table \"%s\": %zu rows before, %zu after; %zu only before, %zu only after\n%s",
                          w->table, w->nrows, g->nrows, only_w, only_g, mp_buf_str(&ex));
            ndiff++;
        }
        mp_buf_free(&ex);
    }
    for (size_t j = 0; j < got->n; j++) {
        bool found = false;
        for (size_t i = 0; i < want->n && !found; i++)
            found = strcmp(got->v[j].table, want->v[i].table) == 0;
        if (!found && got->v[j].nrows) {
            mp_buf_printf(out, "table \"%s\": new, %zu rows\n", got->v[j].table, got->v[j].nrows);
            ndiff++;
        }
    }
    mp_arena_free(a);
    return ndiff;
}

int mp_dir_fail(struct mp_dir_trial *t, const char *kind, const char *subject, const char *fmt, ...)
{
    t->kind = kind;
    t->subject = mp_arena_strdup(t->a, subject ? subject : "");
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(&t->msg, fmt, ap);
    va_end(ap);
    return 1;
}

const char *mp_dir_name(const struct mp_dir_trial *t, size_t i)
{
    const struct mp_migration *m = t->h->v[i].m;
    return mp_arena_printf(t->a, "%s_%s", m->raw_version, m->name);
}
