/* index_def.c - the full definition of an index: canonical text, SQL,
 * parse, comparison, columns used (index_def.h). */
#include "index_def.h"

#include "sqlexpr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mp_index_copy_def(struct mp_arena *a, struct mp_index *to, const struct mp_index *from)
{
    to->keys = NULL;
    if (from->keys) {
        to->keys = mp_arena_alloc(a, (from->cols.n + 1) * sizeof *to->keys);
        for (size_t i = 0; i < from->cols.n; i++) {
            to->keys[i] = from->keys[i];
            to->keys[i].expr = mp_arena_strdup(a, from->keys[i].expr);
            to->keys[i].collate = mp_arena_strdup(a, from->keys[i].collate);
            to->keys[i].opclass = mp_arena_strdup(a, from->keys[i].opclass);
        }
    }
    to->method = mp_arena_strdup(a, from->method);
    to->where = mp_arena_strdup(a, from->where);
    to->include = mp_names_copy(a, &from->include);
    to->nulls_not_distinct = from->nulls_not_distinct;
}

bool mp_index_key_is_column(const struct mp_index *x, size_t i)
{
    return !x->keys || !x->keys[i].expr;
}

bool mp_index_keys_plain(const struct mp_index *x)
{
    for (size_t i = 0; i < x->cols.n; i++)
        if (!mp_index_key_is_column(x, i))
            return false;
    return !x->where && !x->method;
}

struct mp_index_key mp_index_key_at(const struct mp_index *x, size_t i)
{
    struct mp_index_key k = {0};
    if (x->keys)
        k = x->keys[i];
    return k;
}

struct mp_index_key *mp_index_keys_make(struct mp_arena *a, struct mp_index *x)
{
    if (!x->keys) {
        x->keys = mp_arena_alloc(a, (x->cols.n + 1) * sizeof *x->keys);
        memset(x->keys, 0, (x->cols.n + 1) * sizeof *x->keys);
    }
    return x->keys;
}

void mp_index_tidy(struct mp_index *x)
{
    if (x->method && strcasecmp(x->method, "btree") == 0)
        x->method = NULL;
    if (!x->keys)
        return;
    bool plain = true;
    for (size_t i = 0; i < x->cols.n; i++) {
        struct mp_index_key *k = &x->keys[i];
        /* ASC means NULLS LAST, DESC NULLS FIRST ("CREATE INDEX") */
        if ((k->nulls == MP_NULLS_LAST && !k->desc) || (k->nulls == MP_NULLS_FIRST && k->desc))
            k->nulls = MP_NULLS_DEFAULT;
        plain &= !k->expr && !k->desc && !k->nulls && !k->collate && !k->opclass;
    }
    if (plain)
        x->keys = NULL;
}

/* The key list and the clauses after it; `sql`: SQL spelling for dialect d
 * (upper-case keywords, bare operator class), else canonical. */
static void keys_text(struct mp_buf *b, const struct mp_index *x, bool sql, bool portable)
{
    if (x->method && !portable)
        mp_buf_printf(b, sql ? "USING %s " : "using %s ", x->method);
    mp_buf_addc(b, '(');
    for (size_t i = 0; i < x->cols.n; i++) {
        struct mp_index_key k = mp_index_key_at(x, i);
        if (i)
            mp_buf_add(b, ", ");
        if (k.expr) {
            mp_buf_addc(b, '(');
            if (sql)
                mp_buf_add(b, k.expr);
            else
                mp_expr_compare_form(b, k.expr);
            mp_buf_addc(b, ')');
        } else {
            mp_buf_ident(b, x->cols.v[i]);
        }
        if (k.collate) {
            mp_buf_add(b, sql ? " COLLATE " : " collate ");
            mp_buf_ident(b, k.collate);
        }
        if (k.opclass && !portable) {
            mp_buf_addc(b, ' ');
            mp_buf_ident(b, k.opclass);
        }
        if (k.desc)
            mp_buf_add(b, sql ? " DESC" : " desc");
        if (k.nulls && !portable)
            mp_buf_add(b, k.nulls == MP_NULLS_FIRST ? (sql ? " NULLS FIRST" : " nulls first")
                                                    : (sql ? " NULLS LAST" : " nulls last"));
    }
    mp_buf_addc(b, ')');
    if (x->include.n && !portable) {
        mp_buf_add(b, sql ? " INCLUDE " : " include ");
        mp_names_sql(b, &x->include);
    }
    if (x->nulls_not_distinct)
        mp_buf_add(b, sql ? " NULLS NOT DISTINCT" : " nulls not distinct");
    if (x->where) {
        mp_buf_add(b, sql ? " WHERE (" : " where (");
        if (sql)
            mp_buf_add(b, x->where);
        else
            mp_expr_compare_form(b, x->where);
        mp_buf_addc(b, ')');
    }
}

void mp_index_canonical(struct mp_buf *b, const struct mp_index *x)
{
    keys_text(b, x, false, false);
}

void mp_index_canonical_ex(struct mp_buf *b, const struct mp_index *x, bool portable)
{
    keys_text(b, x, false, portable);
}

void mp_index_sql(struct mp_buf *b, const struct mp_index *x, const char *table, enum mp_dialect d)
{
    /* one spelling serves both, less on SQLite what it does not keep
     * (mp_index_project()); NULLS NOT DISTINCT fails there as written */
    mp_buf_add(b, x->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    mp_buf_ident(b, x->name);
    mp_buf_add(b, " ON ");
    mp_buf_ident(b, table);
    mp_buf_addc(b, ' ');
    keys_text(b, x, true, d == MP_SQLITE);
    mp_buf_add(b, ";\n");
}

static bool str_eq_ci(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return strcasecmp(x, y) == 0;
}

bool mp_index_def_eq(enum mp_dialect d, const struct mp_index *x, const struct mp_index *y)
{
    /* SQLite keeps neither USING, INCLUDE, NULLS FIRST / LAST nor operator
     * classes (mp_index_project()): they do not tell its indexes apart */
    bool pg = d == MP_POSTGRES;
    if (x->unique != y->unique || x->cols.n != y->cols.n || x->nulls_not_distinct != y->nulls_not_distinct ||
        (pg && !str_eq_ci(x->method, y->method)) || !mp_expr_eq(x->where, y->where) ||
        (pg && !mp_names_eq(d, &x->include, &y->include)))
        return false;
    for (size_t i = 0; i < x->cols.n; i++) {
        struct mp_index_key p = mp_index_key_at(x, i), q = mp_index_key_at(y, i);
        if (!p.expr != !q.expr || p.desc != q.desc || (pg && p.nulls != q.nulls))
            return false;
        if (p.expr ? !mp_expr_eq(p.expr, q.expr) : !mp_name_eq(d, x->cols.v[i], y->cols.v[i]))
            return false;
        /* SQLite collation names are case-insensitive; PostgreSQL's are
         * identifiers ("C" and "c" differ) */
        if (d == MP_SQLITE ? !str_eq_ci(p.collate, q.collate)
                           : (!p.collate != !q.collate || (p.collate && strcmp(p.collate, q.collate) != 0)))
            return false;
        if (pg && !str_eq_ci(p.opclass, q.opclass))
            return false;
    }
    return true;
}

bool mp_index_uses(enum mp_dialect d, const struct mp_index *x, const char *col)
{
    for (size_t i = 0; i < x->cols.n; i++) {
        if (mp_index_key_is_column(x, i) ? mp_name_eq(d, x->cols.v[i], col) : mp_expr_uses(d, x->keys[i].expr, col))
            return true;
    }
    return mp_names_contains(d, &x->include, col) || mp_expr_uses(d, x->where, col);
}

/* `expr` with the k renames applied; NULL when it uses a column whose to[] is NULL. */
static const char *expr_translate(struct mp_arena *a, enum mp_dialect d, const char *expr, size_t k,
                                  const char *const *from, const char *const *to)
{
    for (size_t i = 0; i < k; i++)
        if (!to[i] && mp_expr_uses(d, expr, from[i]))
            return NULL;
    struct mp_buf b = {0};
    mp_expr_normalize(&b, expr, strlen(expr), d, from, to, k);
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

static bool names_translate(struct mp_arena *a, enum mp_dialect d, struct mp_names *n, size_t k,
                            const char *const *from, const char *const *to, const struct mp_index *x)
{
    const char **v = mp_arena_alloc(a, (n->n + 1) * sizeof *v);
    for (size_t i = 0; i < n->n; i++) {
        v[i] = n->v[i];
        if (x && !mp_index_key_is_column(x, i))
            continue;
        for (size_t j = 0; j < k; j++)
            if (mp_name_eq(d, n->v[i], from[j])) {
                if (!to[j])
                    return false;
                v[i] = to[j];
                break;
            }
    }
    n->v = v;
    return true;
}

bool mp_index_translate(struct mp_arena *a, enum mp_dialect d, struct mp_index *x, size_t k,
                        const char *const *from, const char *const *to)
{
    if (!names_translate(a, d, &x->cols, k, from, to, x) || !names_translate(a, d, &x->include, k, from, to, NULL))
        return false;
    if (x->keys) {
        struct mp_index_key *keys = mp_arena_alloc(a, (x->cols.n + 1) * sizeof *keys);
        for (size_t i = 0; i < x->cols.n; i++) {
            keys[i] = x->keys[i];
            if (keys[i].expr && !(keys[i].expr = expr_translate(a, d, keys[i].expr, k, from, to)))
                return false;
            if (keys[i].expr)
                x->cols.v[i] = keys[i].expr;
        }
        x->keys = keys;
    }
    if (x->where && !(x->where = expr_translate(a, d, x->where, k, from, to)))
        return false;
    return true;
}

/* ---- parsing ---- */

struct ip {
    struct mp_arena *a;
    struct mp_sqltok *t;
    size_t n, i;
    const char *text;
};

static bool word(struct ip *p, const char *w)
{
    if (p->i < p->n && mp_sqltok_is(&p->t[p->i], w)) {
        p->i++;
        return true;
    }
    return false;
}

static bool is_name(const struct ip *p, size_t i)
{
    return i < p->n && (p->t[i].kind == MP_TK_WORD || p->t[i].kind == MP_TK_QID);
}

/* A possibly qualified name; the last part into *out. */
static bool qname(struct ip *p, const char **out)
{
    if (!is_name(p, p->i))
        return false;
    *out = mp_sqltok_ident(p->a, &p->t[p->i++]);
    while (p->i + 1 < p->n && p->t[p->i].kind == MP_TK_DOT && is_name(p, p->i + 1)) {
        *out = mp_sqltok_ident(p->a, &p->t[p->i + 1]);
        p->i += 2;
    }
    return true;
}

/* The token index of the ')' matching the '(' at i, or p->n. */
static size_t close_of(const struct ip *p, size_t i)
{
    return mp_sqltok_match(p->t, p->n, i);
}

static const char *span(struct ip *p, size_t from, size_t to)
{
    const char *s = p->t[from].s, *e = p->t[to - 1].s + p->t[to - 1].n;
    return mp_arena_strndup(p->a, s, (size_t)(e - s));
}

static bool ends_operand_tok(const struct mp_sqltok *t)
{
    static const char *const kw[] = {"is", "not", "and", "or", "null", "in", "collate", "like", NULL};
    for (size_t i = 0; kw[i]; i++)
        if (mp_sqltok_is(t, kw[i]))
            return false;
    return t->kind == MP_TK_WORD || t->kind == MP_TK_QID || t->kind == MP_TK_RP || t->kind == MP_TK_NUM ||
           t->kind == MP_TK_STR;
}

/* One key, tokens [s, e). */
static int parse_key(struct ip *p, size_t s, size_t e, const char **col, struct mp_index_key *k)
{
    memset(k, 0, sizeof *k);
    if (e >= s + 3 && mp_sqltok_is(&p->t[e - 2], "nulls")) {
        if (mp_sqltok_is(&p->t[e - 1], "first"))
            k->nulls = MP_NULLS_FIRST;
        else if (mp_sqltok_is(&p->t[e - 1], "last"))
            k->nulls = MP_NULLS_LAST;
        else
            return -1;
        e -= 2;
    }
    if (e >= s + 2 && (mp_sqltok_is(&p->t[e - 1], "desc") || mp_sqltok_is(&p->t[e - 1], "asc"))) {
        k->desc = mp_sqltok_is(&p->t[e - 1], "desc");
        e--;
    }
    /* an operator class is a name right after an operand (a column, a
     * call's ')', a COLLATE's name): two operands never touch in SQL */
    if (e >= s + 2 && is_name(p, e - 1) && !mp_sqltok_is(&p->t[e - 2], "collate") && ends_operand_tok(&p->t[e - 2])) {
        k->opclass = mp_sqltok_ident(p->a, &p->t[e - 1]);
        e--;
    }
    if (e >= s + 3 && mp_sqltok_is(&p->t[e - 2], "collate") && is_name(p, e - 1)) {
        k->collate = mp_sqltok_ident(p->a, &p->t[e - 1]);
        e -= 2;
    }
    if (e <= s)
        return -1;
    if (e == s + 1 && is_name(p, s)) {
        *col = mp_sqltok_ident(p->a, &p->t[s]);
        return 0;
    }
    k->expr = mp_expr_norm(p->a, span(p, s, e));
    *col = k->expr;
    return 0;
}

/* A parenthesized name list at p->i. */
static int name_list(struct ip *p, struct mp_names *out)
{
    if (p->i >= p->n || p->t[p->i].kind != MP_TK_LP)
        return -1;
    size_t e = close_of(p, p->i);
    if (e >= p->n)
        return -1;
    const char **v = mp_arena_alloc(p->a, (e - p->i + 1) * sizeof *v);
    size_t n = 0;
    for (size_t j = p->i + 1; j < e; j++) {
        if (p->t[j].kind == MP_TK_COMMA)
            continue;
        if (!is_name(p, j))
            return -1;
        v[n++] = mp_sqltok_ident(p->a, &p->t[j]);
    }
    out->v = v;
    out->n = n;
    p->i = e + 1;
    return 0;
}

/* [USING m] (keys) [INCLUDE (...)] [NULLS [NOT] DISTINCT] [WHERE pred] */
static int parse_tail(struct ip *p, struct mp_index *x, const char **what)
{
    if (word(p, "using")) {
        if (!is_name(p, p->i))
            return *what = "an access method", -1;
        x->method = mp_sqltok_ident(p->a, &p->t[p->i++]);
        for (char *m = (char *)x->method; *m; m++)
            *m = (char)(*m >= 'A' && *m <= 'Z' ? *m - 'A' + 'a' : *m);
    }
    if (p->i >= p->n || p->t[p->i].kind != MP_TK_LP)
        return *what = "'(' and the index keys", -1;
    size_t e = close_of(p, p->i);
    if (e >= p->n)
        return *what = "')' after the index keys", -1;
    size_t nkeys = 1;
    int depth = 0;
    for (size_t j = p->i + 1; j < e; j++) {
        enum mp_sqltok_kind k = p->t[j].kind;
        depth += (k == MP_TK_LP || k == MP_TK_LB) - (k == MP_TK_RP || k == MP_TK_RB);
        nkeys += depth == 0 && k == MP_TK_COMMA;
    }
    x->cols.v = mp_arena_alloc(p->a, (nkeys + 1) * sizeof *x->cols.v);
    x->cols.n = nkeys;
    x->keys = mp_arena_alloc(p->a, (nkeys + 1) * sizeof *x->keys);
    size_t s = p->i + 1, ki = 0;
    depth = 0;
    for (size_t j = p->i + 1; j <= e; j++) {
        enum mp_sqltok_kind k = p->t[j].kind;
        if (j < e)
            depth += (k == MP_TK_LP || k == MP_TK_LB) - (k == MP_TK_RP || k == MP_TK_RB);
        if (j == e || (depth == 0 && k == MP_TK_COMMA)) {
            if (parse_key(p, s, j, &x->cols.v[ki], &x->keys[ki]))
                return *what = "an index key", -1;
            ki++;
            s = j + 1;
        }
    }
    p->i = e + 1;
    if (word(p, "include") && name_list(p, &x->include))
        return *what = "INCLUDE (columns)", -1;
    if (word(p, "nulls")) {
        bool not = word(p, "not");
        if (!word(p, "distinct"))
            return *what = "NULLS [NOT] DISTINCT", -1;
        x->nulls_not_distinct = not;
    }
    if (word(p, "where")) {
        size_t end = p->n;
        while (end > p->i && p->t[end - 1].kind == MP_TK_OP && p->t[end - 1].s[0] == ';')
            end--;
        if (end <= p->i)
            return *what = "a WHERE predicate", -1;
        x->where = mp_expr_norm(p->a, span(p, p->i, end));
        p->i = end;
    }
    while (p->i < p->n && p->t[p->i].kind == MP_TK_OP && p->t[p->i].s[0] == ';')
        p->i++;
    if (p->i < p->n)
        return *what = "the end of the index definition", -1;
    mp_index_tidy(x);
    return 0;
}

int mp_index_parse_sql(struct mp_arena *a, const char *sql, struct mp_index *out, struct mp_error *err)
{
    struct ip p = {.a = a, .text = sql};
    p.n = mp_sql_tokens(sql, &p.t);
    const char *what = "CREATE";
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (!word(&p, "create")) {
        rc = -1;
        goto out;
    }
    out->unique = word(&p, "unique");
    what = "INDEX";
    if (!word(&p, "index")) {
        rc = -1;
        goto out;
    }
    word(&p, "concurrently");
    if (word(&p, "if") && !(word(&p, "not") && word(&p, "exists"))) {
        rc = -1;
        goto out;
    }
    what = "the index name and ON table";
    const char *table;
    if (!qname(&p, &out->name) || !word(&p, "on")) {
        rc = -1;
        goto out;
    }
    word(&p, "only");
    if (!qname(&p, &table)) {
        rc = -1;
        goto out;
    }
    rc = parse_tail(&p, out, &what);
out:
    free(p.t);
    if (rc)
        return mp_error_set(err, MP_EINVAL, "index definition not understood (expected %s): %s", what, sql);
    return 0;
}

int mp_index_parse_canonical(struct mp_arena *a, const char **text, struct mp_index *x, const char **what)
{
    struct ip p = {.a = a, .text = *text};
    p.n = mp_sql_tokens(*text, &p.t);
    int rc = parse_tail(&p, x, what);
    free(p.t);
    if (!rc)
        *text += strlen(*text);
    return rc ? MP_EINVAL : 0;
}
