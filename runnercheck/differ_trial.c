/* differ_trial.c - one differ-check trial: a FROM/TO pair in fresh
 * databases, the tool's SQL applied to FROM in one transaction, and the
 * checks of FROM afterwards against TO and against FROM's rows before. */
#include "differ_int.h"
#include "dataread.h"
#include "executor.h"
#include "sql.h"
#include "sqlscan.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How much of a failing statement a finding quotes. */
#define MP_DC_QUOTE_MAX 400

static const char *const check_names[MP_DC_NCHECKS] = {"tool_error", "sql_fails", "schema_differs", "rows_lost",
                                                      "rename_loses_data"};

const char *mp_dc_check_name(enum mp_dc_check k)
{
    return check_names[k];
}

static void found(struct mp_dc_result *r, enum mp_dc_check k, const char *what, const char *kind)
{
    if (r->found[k])
        return; /* the first of a kind per trial */
    r->found[k] = true;
    r->what[k] = what;
    r->kind[k] = kind;
}

/* A database message as a failure kind: digits and quoted names left out,
 * so that a shrunk pair with other names and numbers still counts. */
static const char *error_kind(struct mp_arena *a, const char *msg)
{
    struct mp_buf b = {0};
    for (const char *p = mp_rc_normalize(a, msg); *p && *p != '\n'; p++) {
        if (*p == '"' || *p == '\'') {
            char q = *p;
            const char *e = strchr(p + 1, q);
            if (e) {
                mp_buf_add(&b, "Q");
                p = e;
                continue;
            }
        }
        mp_buf_addc(&b, *p);
    }
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* Run one statement of the tool's script; 0 or the database's error. */
static int exec_stmt(struct mp_target *t, const char *sql, const struct mp_sql_stmt *st, struct mp_arena *a,
                     struct mp_error *err)
{
    return mp_target_exec(t, "tool output", st->line, mp_arena_strndup(a, sql + st->start, st->end - st->start), err);
}

/* Apply the tool's SQL to FROM as one transaction that stops at the first
 * error.  The script's own transaction control is absorbed into ours: a
 * leading BEGIN and a trailing COMMIT are ours, and SQLite's PRAGMA
 * foreign_keys before the first statement and after the last run outside
 * the transaction, where they take effect (SQLite "PRAGMA foreign_keys": a
 * no-op inside one), as the tool's script would have them.  NULL when it
 * applied; else what failed, with *kind. */
static const char *apply_sql(struct mp_rc *c, const char *sql, const char **kind)
{
    struct mp_arena *a = c->a;
    struct mp_sql_stmt *st = NULL;
    long n = mp_sql_statements(sql, strlen(sql), &st);
    struct mp_target *t = NULL;
    struct mp_error e = {0};
    const char *bad = NULL;
    if (n < 0)
        mp_oom();
    if (mp_rc_open(c, &t, &e)) {
        *kind = "connect";
        bad = mp_arena_printf(a, "cannot connect to FROM: %s", e.msg);
        goto out;
    }
    long p = 0, q = n;
    for (int fk; p < n; p++) {
        enum mp_sql_txctl k = mp_sql_txctl(sql, &st[p], &fk);
        if (k != MP_SQL_TX_BEGIN && k != MP_SQL_TX_FK_PRAGMA)
            break;
        if (k == MP_SQL_TX_FK_PRAGMA && exec_stmt(t, sql, &st[p], a, &e))
            goto failed;
    }
    for (int fk; q > p; q--) {
        enum mp_sql_txctl k = mp_sql_txctl(sql, &st[q - 1], &fk);
        if (k != MP_SQL_TX_COMMIT && k != MP_SQL_TX_FK_PRAGMA)
            break;
    }
    if (mp_target_exec(t, "(differ-check)", 1, "BEGIN", &e)) {
        *kind = "begin";
        bad = mp_arena_printf(a, "BEGIN failed: %s", e.msg);
        goto out;
    }
    for (long i = p; i < q; i++) {
        enum mp_sql_txctl k = mp_sql_txctl(sql, &st[i], NULL);
        if (k == MP_SQL_TX_BEGIN || k == MP_SQL_TX_COMMIT)
            continue; /* one transaction: ours */
        if (exec_stmt(t, sql, &st[i], a, &e)) {
            size_t len = st[i].end - st[i].start;
            bad = mp_arena_printf(a, "statement %ld of %ld (line %ld) failed: %s\n  %.*s%s", i + 1, n, st[i].line,
                                  e.msg, (int)(len > MP_DC_QUOTE_MAX ? MP_DC_QUOTE_MAX : len), sql + st[i].start,
                                  len > MP_DC_QUOTE_MAX ? " ..." : "");
            const char *colon = strstr(e.msg, ": ");
            *kind = error_kind(a, colon ? colon + 2 : e.msg);
            struct mp_error e2 = {0};
            mp_target_exec(t, "(differ-check)", 1, "ROLLBACK", &e2);
            goto out;
        }
    }
    if (mp_target_exec(t, "(differ-check)", 1, "COMMIT", &e)) {
        bad = mp_arena_printf(a, "COMMIT failed: %s", e.msg);
        *kind = error_kind(a, e.msg);
        goto out;
    }
    for (long i = q; i < n; i++)
        if (mp_sql_txctl(sql, &st[i], NULL) == MP_SQL_TX_FK_PRAGMA && exec_stmt(t, sql, &st[i], a, &e))
            goto failed;
    goto out;
failed:
    bad = mp_arena_printf(a, "a PRAGMA outside the transaction failed: %s", e.msg);
    *kind = error_kind(a, e.msg);
out:
    mp_target_close(t);
    free(st);
    return bad;
}

/* The schema and rows of c's database; -1 (with err) when unreadable. */
static int read_state(struct mp_rc *c, const struct mp_schema **s, struct mp_dataset *ds, struct mp_error *err)
{
    *s = mp_rc_schema_now(c, err);
    if (!*s)
        return -1;
    if (!ds)
        return 0;
    struct mp_target *t;
    if (mp_rc_open(c, &t, err))
        return -1;
    int rc = mp_data_read(c->a, c->d, mp_target_conn(t), *s, ds, err);
    mp_target_close(t);
    return rc ? -1 : 0;
}

static const struct mp_table_rows *rows_of(const struct mp_dataset *ds, enum mp_dialect d, const char *table)
{
    for (size_t i = 0; i < ds->n; i++)
        if (mp_name_eq(d, ds->v[i].table, table))
            return &ds->v[i];
    return NULL;
}

/* The rows of `src` projected on columns col_src[0..n) (re-canonicalized
 * for the types of the same columns in `got`, col_got[]), sorted texts. */
static const char **project(struct mp_arena *a, const struct mp_table_rows *t, const size_t *cols,
                            const struct mp_table_rows *types_of, const size_t *type_cols, size_t n)
{
    const char **v = mp_arena_alloc(a, (t->nrows + 1) * sizeof *v);
    for (size_t r = 0; r < t->nrows; r++) {
        struct mp_buf b = {0};
        for (size_t k = 0; k < n; k++) {
            const char *x = mp_value_canonical(a, &types_of->types[type_cols[k]], t->rows[r][cols[k]]);
            mp_buf_printf(&b, "%s%s", k ? " | " : "", x ? mp_arena_printf(a, "'%s'", x) : "NULL");
        }
        v[r] = mp_arena_strdup(a, mp_buf_str(&b));
        mp_buf_free(&b);
    }
    return v;
}

static int cmp_text(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The first row of `want` (a multiset) missing from `got`, or NULL. */
static const char *missing_row(const char **want, size_t nw, const char **got, size_t ng)
{
    qsort(want, nw, sizeof *want, cmp_text);
    qsort(got, ng, sizeof *got, cmp_text);
    size_t j = 0;
    for (size_t i = 0; i < nw; i++) {
        while (j < ng && strcmp(got[j], want[i]) < 0)
            j++;
        if (j >= ng || strcmp(got[j], want[i]) != 0)
            return want[i];
        j++;
    }
    return NULL;
}

/* `name` as a quoted SQL identifier, for messages (in a). */
static const char *ident(struct mp_arena *a, const char *name)
{
    struct mp_buf b = {0};
    mp_buf_ident(&b, name);
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* Column names cols[0..n) of t as a list for messages. */
static const char *col_list(struct mp_arena *a, const struct mp_table_rows *t, const size_t *cols, size_t n)
{
    struct mp_buf b = {0};
    for (size_t k = 0; k < n; k++)
        mp_buf_printf(&b, "%s%s", k ? ", " : "", ident(a, t->cols[cols[k]]));
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* rows_lost and rename_loses_data: each start table that the change set
 * keeps (mp_diff_table_target(): under its name or renamed by a hint),
 * projected on the columns it keeps, must have its rows after the SQL.
 * Columns kept under their name come first (rows_lost); then the renamed
 * ones, or any column of a renamed table (rename_loses_data). */
static void check_rows(struct mp_rc *c, const struct mp_case *cs, const struct mp_dataset *before, const struct mp_dataset *after, struct mp_dc_result *r)
{
    struct mp_arena *a = c->a;
    enum mp_dialect d = c->d;
    const struct mp_renames *h = &cs->renames;
    for (size_t i = 0; i < before->n; i++) {
        const struct mp_table_rows *src = &before->v[i];
        const struct mp_table *st = mp_schema_table(cs->start, d, src->table);
        const struct mp_table *dt = st ? mp_diff_table_target(cs->desired, h, d, st->name) : NULL;
        if (!dt || !src->nrows)
            continue;
        bool table_renamed = !mp_name_eq(d, st->name, dt->name);
        const struct mp_table_rows *got = rows_of(after, d, dt->name);
        if (!got) {
            if (table_renamed)
                found(r, MP_DC_RENAME_LOSES,
                      mp_arena_printf(a, "table %s renamed to %s: no table %s after the SQL, its %zu "
                                         "rows are gone",
                                      ident(a, st->name), ident(a, dt->name), ident(a, dt->name), src->nrows),
                      "table");
            else
                found(r, MP_DC_ROWS_LOST,
                      mp_arena_printf(a, "table %s is kept but gone after the SQL with its %zu rows", ident(a, st->name),
                                      src->nrows),
                      "table");
            continue;
        }
        size_t *sc = mp_arena_alloc(a, (src->ncols + 1) * sizeof *sc);
        size_t *gc = mp_arena_alloc(a, (src->ncols + 1) * sizeof *gc);
        size_t n0 = 0, n1 = 0;
        const char *renamed_col = NULL;
        /* plain columns first, then the renamed ones: [0, n0) and [n0, n1) */
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < src->ncols; k++) {
                const char *fin = mp_diff_column_target(st, dt, h, d, src->cols[k]);
                if (!fin || mp_name_eq(d, fin, src->cols[k]) != (pass == 0))
                    continue;
                long at = -1;
                for (size_t g = 0; g < got->ncols && at < 0; g++)
                    if (mp_name_eq(d, got->cols[g], fin))
                        at = (long)g;
                if (at < 0)
                    continue; /* a missing column: schema_differs says so */
                sc[n1] = k, gc[n1] = (size_t)at, n1++;
                if (pass == 0)
                    n0 = n1;
                else if (!renamed_col)
                    renamed_col = mp_arena_printf(a, "column %s.%s renamed to %s", ident(a, st->name),
                                                  ident(a, src->cols[k]), ident(a, fin));
            }
        for (int pass = 0; pass < 2; pass++) {
            size_t n = pass == 0 ? n0 : n1;
            if (pass == 1 && n1 == n0 && !table_renamed)
                break;
            const char **want = project(a, src, sc, got, gc, n);
            const char **have = project(a, got, gc, got, gc, n);
            const char *miss = missing_row(want, src->nrows, have, got->nrows);
            if (!miss)
                continue;
            const char *where = mp_arena_printf(a, "table %s%s, columns (%s): the row (%s) of FROM is not there "
                                                   "after the SQL (%zu rows before, %zu after)",
                                                ident(a, dt->name), table_renamed ? mp_arena_printf(a, " (%s in FROM)", ident(a, st->name)) : "",
                                                col_list(a, got, gc, n), miss, src->nrows, got->nrows);
            if (pass == 0 && !table_renamed)
                found(r, MP_DC_ROWS_LOST, where, "rows");
            else
                found(r, MP_DC_RENAME_LOSES,
                      mp_arena_printf(a, "%s: %s",
                                      renamed_col && pass == 1 && !table_renamed
                                          ? renamed_col
                                          : mp_arena_printf(a, "table %s renamed to %s", ident(a, st->name), ident(a, dt->name)),
                                      where),
                      table_renamed ? "table" : "column");
            break;
        }
    }
}

/* Write `text` to work/NAME; the path, or NULL (message on stderr). */
static const char *work_file(struct mp_rc *c, const char *name, const char *text)
{
    struct mp_error e = {0};
    const char *path = mp_arena_printf(c->a, "%s/%s", c->work, name);
    if (mp_rc_write_text(path, text, &e)) {
        fprintf(stderr, "migprop differ-check: %s\n", e.msg);
        return NULL;
    }
    return path;
}

/* A fresh database of x's backend in context *db (a copy of x->c). */
static int fresh(struct mp_dc *x, struct mp_rc *db, struct mp_error *err)
{
    *db = x->c;
    db->setup = (struct mp_buf){0};
    db->log = (struct mp_buf){0};
    int rc = mp_rc_fresh(db, err);
    x->c.n = db->n;
    return rc;
}

static void release(struct mp_rc *db)
{
    mp_rc_drop_db(db);
    if (db->d == MP_SQLITE && db->path && *db->path)
        unlink(db->path);
    mp_buf_free(&db->setup);
    mp_buf_free(&db->log);
}

int mp_dc_trial(struct mp_dc *x, const struct mp_case *cs, const struct mp_dataset *data, struct mp_dc_result *r)
{
    struct mp_rc *c = &x->c;
    struct mp_arena *a = c->a;
    enum mp_dialect d = c->d;
    struct mp_error e = {0};
    memset(r, 0, sizeof *r);
    struct mp_buf b = {0};
    mp_sql_schema(&b, cs->start, d, MP_FAULT_NONE);
    r->from_sql = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_sql_schema(&b, cs->desired, d, MP_FAULT_NONE);
    r->to_sql = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_data_sql(&b, data, d);
    r->rows_sql = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_renames_print(&b, &cs->renames);
    r->renames_txt = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    struct mp_rc from, to;
    bool have_from = false, have_to = false;
    int status = 0;
    int frc = fresh(x, &from, &e);
    have_from = frc == 0;
    if (!frc) {
        frc = fresh(x, &to, &e);
        have_to = frc == 0;
    }
    if (frc) {
        fprintf(stderr, "migprop differ-check: %s\n", e.msg);
        status = 2;
        goto out;
    }
    const struct mp_schema *before_s = NULL, *want_s = NULL, *got_s = NULL;
    struct mp_dataset before = {0}, after = {0};
    if (mp_rc_setup_sql(&from, mp_arena_printf(a, "%s%s", r->from_sql, r->rows_sql), &e) ||
        mp_rc_setup_sql(&to, r->to_sql, &e) || read_state(&from, &before_s, &before, &e) ||
        read_state(&to, &want_s, NULL, &e)) {
        /* a pair the backend refuses says nothing about the tool */
        r->discarded = true;
        r->err = mp_arena_strdup(a, e.msg);
        goto out;
    }
    /* the tool, with every placeholder of differ.h */
    struct mp_rc tool = from;
    tool.setup = (struct mp_buf){0};
    tool.log = (struct mp_buf){0};
    tool.from_url = from.url;
    tool.to_url = to.url;
    tool.url = to.url; /* DATABASE_URL */
    tool.from_file = work_file(c, "from.sql", r->from_sql);
    tool.to_file = work_file(c, "to.sql", r->to_sql);
    tool.renames_file = work_file(c, "renames.txt", r->renames_txt);
    if (!tool.from_file || !tool.to_file || !tool.renames_file) {
        status = 2;
        goto out;
    }
    const char *out = NULL, *err = NULL;
    r->exit = mp_rc_run_capture(&tool, x->cmd, &out, &err, &r->cmd);
    mp_buf_free(&tool.log);
    r->sql = mp_dc_strip(a, x->ad, out);
    r->err = err;
    if (!mp_dc_exit_ok(x->ad, r->exit)) {
        if (mp_dc_unsupported(x->ad, out, err))
            r->unsupported = true;
        else
            found(r, MP_DC_TOOL_ERROR,
                  mp_arena_printf(a, "the tool exited %d, not a status its adapter lists in exit_ok%s%.*s", r->exit,
                                  *err ? ": " : "", (int)strcspn(err, "\n"), err),
                  mp_arena_printf(a, "exit %d", r->exit));
        goto out;
    }
    const char *kind = NULL;
    const char *bad = apply_sql(&from, r->sql, &kind);
    if (bad) {
        found(r, MP_DC_SQL_FAILS, bad, kind);
        goto out;
    }
    if (read_state(&from, &got_s, &after, &e)) {
        found(r, MP_DC_SQL_FAILS, mp_arena_printf(a, "FROM cannot be read after the SQL: %s", e.msg), "read");
        goto out;
    }
    /* column order aside, as `migprop schema` compares (model.h,
     * MP_CANON_ANY_COLUMN_ORDER): ADD COLUMN can only append */
    struct mp_buf w = {0}, g = {0};
    mp_schema_canonical(&w, want_s, MP_CANON_ANY_COLUMN_ORDER);
    mp_schema_canonical(&g, got_s, MP_CANON_ANY_COLUMN_ORDER);
    if (strcmp(mp_buf_str(&w), mp_buf_str(&g)) != 0) {
        struct mp_buf df = {0};
        mp_schema_diff(&df, want_s, got_s);
        found(r, MP_DC_SCHEMA_DIFFERS,
              mp_arena_printf(a, "FROM after the SQL differs from TO (- TO, + FROM after):\n%s", mp_buf_str(&df)),
              "schema");
        mp_buf_free(&df);
    }
    mp_buf_free(&w);
    mp_buf_free(&g);
    check_rows(&from, cs, &before, &after, r);
out:
    if (have_from)
        release(&from);
    if (have_to)
        release(&to);
    return status;
}
