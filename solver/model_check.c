/* model_check.c - CHECK constraints in the schema model (model_check.h). */
#include "model_check.h"

#include "sqlexpr.h"

#include <stdlib.h>
#include <string.h>

struct mp_check *mp_table_add_check(struct mp_arena *a, struct mp_table *t)
{
    return MP_PUSH(a, t->checks, t->nchecks, t->capchecks);
}

void mp_table_copy_checks(struct mp_arena *a, struct mp_table *to, const struct mp_table *from)
{
    for (size_t i = 0; i < from->nchecks; i++) {
        struct mp_check *c = mp_table_add_check(a, to);
        c->name = mp_arena_strdup(a, from->checks[i].name);
        c->expr = mp_arena_strdup(a, from->checks[i].expr);
        c->not_valid = from->checks[i].not_valid;
    }
}

static int cmp_line(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

void mp_table_canonical_checks(struct mp_buf *b, const struct mp_table *t, int flags)
{
    if (!t->nchecks)
        return;
    char **lines = malloc(t->nchecks * sizeof *lines);
    if (!lines)
        mp_oom();
    for (size_t i = 0; i < t->nchecks; i++) {
        const struct mp_check *c = &t->checks[i];
        struct mp_buf l = {0};
        mp_buf_add(&l, "  ");
        if ((flags & MP_CANON_NAMES) && c->name) {
            mp_buf_add(&l, "constraint ");
            mp_buf_ident(&l, c->name);
            mp_buf_addc(&l, ' ');
        }
        mp_buf_add(&l, "check (");
        const char *e = c->expr ? c->expr : "";
        mp_expr_compare_form(&l, e);
        mp_buf_addc(&l, ')');
        if (c->not_valid)
            mp_buf_add(&l, " not valid");
        mp_buf_addc(&l, '\n');
        lines[i] = l.s;
    }
    qsort(lines, t->nchecks, sizeof *lines, cmp_line);
    for (size_t i = 0; i < t->nchecks; i++) {
        mp_buf_add(b, lines[i]);
        free(lines[i]);
    }
    free(lines);
}

long mp_table_find_check(const struct mp_table *t, const struct mp_check *c, const bool *taken)
{
    for (size_t i = 0; i < t->nchecks; i++)
        if (!(taken && taken[i]) && t->checks[i].not_valid == c->not_valid && mp_expr_eq(t->checks[i].expr, c->expr))
            return (long)i;
    return -1;
}

long mp_table_find_check_named(const struct mp_table *t, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; name && i < t->nchecks; i++)
        if (t->checks[i].name && mp_name_eq(d, t->checks[i].name, name))
            return (long)i;
    return -1;
}

bool mp_table_checks_use(const struct mp_table *t, enum mp_dialect d, const char *col, size_t *which)
{
    for (size_t i = 0; i < t->nchecks; i++)
        if (mp_expr_uses(d, t->checks[i].expr, col)) {
            if (which)
                *which = i;
            return true;
        }
    return false;
}

void mp_table_rename_in_checks(struct mp_arena *a, enum mp_dialect d, struct mp_table *t, const char *old,
                               const char *to)
{
    for (size_t i = 0; i < t->nchecks; i++)
        if (mp_expr_uses(d, t->checks[i].expr, old))
            t->checks[i].expr = mp_expr_rename(a, d, t->checks[i].expr, old, to);
}

void mp_check_sql(struct mp_buf *b, const struct mp_check *c)
{
    if (c->name) {
        mp_buf_add(b, "CONSTRAINT ");
        mp_buf_ident(b, c->name);
        mp_buf_addc(b, ' ');
    }
    mp_buf_printf(b, "CHECK (%s)", c->expr ? c->expr : "");
}

size_t mp_check_in_values(struct mp_arena *a, enum mp_dialect d, const char *expr, const char *col,
                          const char ***out)
{
    struct mp_buf b = {0};
    mp_expr_compare_form(&b, expr);
    struct mp_sqltok *t;
    size_t n = mp_sql_tokens(mp_buf_str(&b), &t), k = 0;
    const char **v = mp_arena_alloc(a, (n + 1) * sizeof *v);
    bool ok = n >= 5 && (t[0].kind == MP_TK_WORD || t[0].kind == MP_TK_QID) && mp_sqltok_is(&t[1], "in") &&
              t[2].kind == MP_TK_LP && t[n - 1].kind == MP_TK_RP && mp_name_eq(d, mp_sqltok_ident(a, &t[0]), col);
    for (size_t i = 3; ok && i + 1 < n; i++) {
        if ((i - 3) % 2 == 1) {
            ok = t[i].kind == MP_TK_COMMA;
            continue;
        }
        ok = t[i].kind == MP_TK_STR && t[i].s[0] == '\'';
        if (!ok)
            break;
        struct mp_buf s = {0};
        for (size_t j = 1; j + 1 < t[i].n; j++) {
            mp_buf_addc(&s, t[i].s[j]);
            if (t[i].s[j] == '\'')
                j++;
        }
        v[k++] = mp_arena_strdup(a, mp_buf_str(&s));
        mp_buf_free(&s);
    }
    free(t);
    mp_buf_free(&b);
    *out = v;
    return ok ? k : 0;
}
