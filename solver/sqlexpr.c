/* sqlexpr.c - tokenizer, normal form, references and renames of SQL
 * expression text (sqlexpr.h). */
#include "sqlexpr.h"

#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- raw tokens ---- */

static bool word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* End of the quoted token that starts at p with quote q (closing quote
 * `close`; doubled quotes stay inside, except for [...]). */
static const char *quoted_end(const char *p, char close)
{
    for (p++; *p; p++)
        if (*p == close) {
            if (p[1] != close || close == ']')
                return p + 1;
            p++;
        }
    return p;
}

/* The end of the -- or C comment at p, or NULL when none starts there. */
static const char *comment_end(const char *p)
{
    if (p[0] == '-' && p[1] == '-') {
        while (*p && *p != '\n')
            p++;
        return p;
    }
    if (p[0] == '/' && p[1] == '*') {
        const char *e = strstr(p + 2, "*/");
        return e ? e + 2 : p + strlen(p);
    }
    return NULL;
}

const char *mp_sql_token_end(const char *p)
{
    if (*p == '\'' || *p == '"' || *p == '`' || *p == '[')
        return quoted_end(p, *p == '[' ? ']' : *p);
    const char *e = comment_end(p);
    if (e)
        return e;
    if (isalnum((unsigned char)*p) || *p == '_') {
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
            p++;
        return p;
    }
    return p + 1;
}

/* True when the token ends an operand (a following '[' is a subscript, a
 * following '-' is binary). */
static bool ends_operand(const struct mp_sqltok *t)
{
    return t && (t->kind == MP_TK_WORD || t->kind == MP_TK_QID || t->kind == MP_TK_RP || t->kind == MP_TK_RB ||
                 t->kind == MP_TK_NUM || t->kind == MP_TK_STR);
}

size_t mp_sqltok_match(const struct mp_sqltok *t, size_t n, size_t i)
{
    int depth = 0;
    for (size_t j = i; j < n; j++) {
        if (t[j].kind == MP_TK_LP)
            depth++;
        else if (t[j].kind == MP_TK_RP && --depth == 0)
            return j;
    }
    return n;
}

bool mp_sqltok_is(const struct mp_sqltok *t, const char *w)
{
    return t && t->kind == MP_TK_WORD && strlen(w) == t->n && strncasecmp(t->s, w, t->n) == 0;
}

/* Words after which a '-' is unary although they are words. */
static bool operator_word(const struct mp_sqltok *t)
{
    static const char *const w[] = {"and", "or", "not", "in", "is", "when", "then", "else", "case", "between",
                                    "like", "select", "where", "return", NULL};
    for (size_t i = 0; w[i]; i++)
        if (mp_sqltok_is(t, w[i]))
            return true;
    return false;
}

size_t mp_sql_tokens(const char *text, struct mp_sqltok **out)
{
    size_t n = 0, cap = 16;
    struct mp_sqltok *v = malloc(cap * sizeof *v);
    if (!v)
        mp_oom();
    const char *p = text;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (isspace(c)) {
            p++;
            continue;
        }
        const char *after = comment_end(p);
        if (after) {
            p = after;
            continue;
        }
        const struct mp_sqltok *prev = n ? &v[n - 1] : NULL;
        struct mp_sqltok t = {MP_TK_OP, p, 1};
        const char *e = p + 1;
        if (c == '\'') {
            t.kind = MP_TK_STR;
            e = quoted_end(p, '\'');
        } else if ((c == 'x' || c == 'X' || c == 'e' || c == 'E') && p[1] == '\'') {
            t.kind = MP_TK_STR;
            e = quoted_end(p + 1, '\'');
        } else if (c == '"' || c == '`') {
            t.kind = MP_TK_QID;
            e = quoted_end(p, (char)c);
        } else if (c == '[') {
            /* ARRAY[...] and subscripts (PostgreSQL) follow an operand;
             * SQLite's [identifier] stands where an operand starts */
            if (ends_operand(prev) && !operator_word(prev)) {
                t.kind = MP_TK_LB;
            } else {
                t.kind = MP_TK_QID;
                e = quoted_end(p, ']');
            }
        } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)p[1])) ||
                   (c == '-' && (isdigit((unsigned char)p[1]) || (p[1] == '.' && isdigit((unsigned char)p[2]))) &&
                    (!ends_operand(prev) || operator_word(prev)))) {
            t.kind = MP_TK_NUM;
            e = p + (c == '-');
            while (isdigit((unsigned char)*e) || *e == '.')
                e++;
            if ((*e == 'e' || *e == 'E') &&
                (isdigit((unsigned char)e[1]) || ((e[1] == '+' || e[1] == '-') && isdigit((unsigned char)e[2])))) {
                e += 2;
                while (isdigit((unsigned char)*e))
                    e++;
            }
        } else if (word_char(c)) {
            t.kind = MP_TK_WORD;
            while (word_char((unsigned char)*e))
                e++;
        } else if (c == '(') {
            t.kind = MP_TK_LP;
        } else if (c == ')') {
            t.kind = MP_TK_RP;
        } else if (c == ',') {
            t.kind = MP_TK_COMMA;
        } else if (c == ']') {
            t.kind = MP_TK_RB;
        } else if (c == '.') {
            t.kind = MP_TK_DOT;
        } else {
            static const char *const two[] = {"::", "<=", ">=", "<>", "!=", "==", "||", "<<", ">>", NULL};
            for (size_t i = 0; two[i]; i++)
                if (p[0] == two[i][0] && p[1] == two[i][1])
                    e = p + 2;
        }
        t.n = (size_t)(e - p);
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                mp_oom();
        }
        v[n++] = t;
        p = e;
    }
    *out = v;
    return n;
}

char *mp_sqltok_ident(struct mp_arena *a, const struct mp_sqltok *t)
{
    if (t->kind != MP_TK_QID || t->n < 2)
        return mp_arena_strndup(a, t->s, t->n);
    char close = t->s[0] == '[' ? ']' : t->s[0];
    struct mp_buf b = {0};
    for (size_t i = 1; i + 1 < t->n || (i < t->n && t->s[i] != close); i++) {
        if (t->s[i] == close && close != ']' && i + 1 < t->n && t->s[i + 1] == close)
            i++;
        else if (t->s[i] == close)
            break;
        mp_buf_addc(&b, t->s[i]);
    }
    char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

const char *mp_sql_paren_end(const char *p)
{
    int depth = 0;
    while (*p) {
        char c = *p;
        if (c == '\'' || c == '"' || c == '`') {
            p = quoted_end(p, c);
            continue;
        }
        const char *after = comment_end(p);
        if (after) {
            p = after;
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

/* ---- the normal form ---- */

/* A token of the normal form: kind and its text (words lower-cased, quoted
 * identifiers without quotes). */
struct ntok {
    enum mp_sqltok_kind kind;
    const char *v;
};

struct nlist {
    struct ntok *v;
    size_t n, cap;
    struct mp_arena *a;
};

static void npush(struct nlist *l, enum mp_sqltok_kind k, const char *v)
{
    struct ntok *t = MP_PUSH(l->a, l->v, l->n, l->cap);
    t->kind = k;
    t->v = v;
}

static void nremove(struct nlist *l, size_t i, size_t count)
{
    memmove(&l->v[i], &l->v[i + count], (l->n - i - count) * sizeof l->v[0]);
    l->n -= count;
}

static bool nis(const struct nlist *l, size_t i, const char *w)
{
    return i < l->n && l->v[i].kind == MP_TK_WORD && strcmp(l->v[i].v, w) == 0;
}

static bool nop(const struct nlist *l, size_t i, const char *o)
{
    return i < l->n && l->v[i].kind == MP_TK_OP && strcmp(l->v[i].v, o) == 0;
}

/* Words written quoted whenever they name something: reserved words of
 * PostgreSQL (its quote_ident() quotes them) and SQLite that a column
 * could be called, none of which stands bare in an expression. */
static bool quote_word(const char *w)
{
    static const char *const k[] = {
        "all", "alter", "analyze", "asc", "check", "column", "constraint", "create", "cross", "default",
        "desc", "do", "drop", "except", "fetch", "for", "foreign", "from", "full", "grant", "group",
        "having", "index", "inner", "intersect", "into", "join", "key", "left", "limit", "natural",
        "offset", "on", "only", "order", "outer", "primary", "references", "right", "select", "table",
        "to", "union", "unique", "user", "using", "values", "where", "window", "with", NULL};
    for (size_t i = 0; k[i]; i++)
        if (strcmp(k[i], w) == 0)
            return true;
    return false;
}

/* Lower-case letters, digits and '_', not starting with a digit. */
static bool plain_word(const char *w)
{
    if (!*w || isdigit((unsigned char)*w))
        return false;
    for (const char *p = w; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

/* Keywords before a '(' that opens a group rather than an argument list. */
static bool group_opener(const struct nlist *l, size_t i)
{
    static const char *const w[] = {"and", "or", "not", "is", "when", "then", "else", "case", "between",
                                    "like", "ilike", "glob", "escape", NULL};
    for (size_t j = 0; w[j]; j++)
        if (nis(l, i, w[j]))
            return true;
    return false;
}

/* True when the '(' at i groups (no function name, IN, ANY ... before it). */
static bool grouping(const struct nlist *l, size_t i)
{
    if (i == 0)
        return true;
    const struct ntok *p = &l->v[i - 1];
    if (p->kind == MP_TK_WORD)
        return group_opener(l, i - 1);
    return p->kind != MP_TK_QID && p->kind != MP_TK_RB;
}

/* The index of the ')' matching the '(' at i, or l->n. */
static size_t match(const struct nlist *l, size_t i)
{
    int depth = 0;
    for (size_t j = i; j < l->n; j++) {
        if (l->v[j].kind == MP_TK_LP)
            depth++;
        else if (l->v[j].kind == MP_TK_RP && --depth == 0)
            return j;
    }
    return l->n;
}

/* True when tokens (i, j) hold, outside inner parentheses, an AND / OR /
 * comma (top-level `between ... and` counts as AND, conservatively). */
static bool has_top(const struct nlist *l, size_t i, size_t j)
{
    int depth = 0;
    for (size_t k = i + 1; k < j; k++) {
        enum mp_sqltok_kind kk = l->v[k].kind;
        if (kk == MP_TK_LP || kk == MP_TK_LB)
            depth++;
        else if (kk == MP_TK_RP || kk == MP_TK_RB)
            depth--;
        else if (depth == 0 && (kk == MP_TK_COMMA || nis(l, k, "and") || nis(l, k, "or")))
            return true;
    }
    return false;
}

/* A boundary an AND / OR operand may touch. */
static bool boundary(const struct nlist *l, size_t k, bool before)
{
    if (before ? k == (size_t)-1 : k >= l->n)
        return true;
    enum mp_sqltok_kind kk = l->v[k].kind;
    if (kk == MP_TK_COMMA || (before ? kk == MP_TK_LP : kk == MP_TK_RP))
        return true;
    return nis(l, k, "and") || nis(l, k, "or");
}

/* One pass of parenthesis removal; true when something went. */
static bool drop_parens(struct nlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].kind != MP_TK_LP || !grouping(l, i))
            continue;
        size_t j = match(l, i);
        if (j >= l->n)
            return false;
        bool single = j == i + 2;
        bool group = l->v[i + 1].kind == MP_TK_LP && grouping(l, i + 1) && match(l, i + 1) == j - 1;
        bool whole = i == 0 && j == l->n - 1;
        bool operand = !has_top(l, i, j) && boundary(l, i - 1, true) && boundary(l, j + 1, false);
        if (j > i + 1 && (single || group || whole || operand)) {
            nremove(l, j, 1);
            nremove(l, i, 1);
            return true;
        }
    }
    return false;
}

/* Casts: "::" and the type after it. */
static void drop_casts(struct nlist *l)
{
    static const char *const more[] = {"varying", "precision", "without", "with", "time", "zone", NULL};
    static const char *const numeric[] = {"integer", "bigint", "smallint", "numeric", "real", "double",
                                          "int", "int2", "int4", "int8", "decimal", "float4", "float8", NULL};
    for (size_t i = 0; i < l->n; i++) {
        if (!nop(l, i, "::") || i + 1 >= l->n)
            continue;
        size_t j = i + 1;
        bool num = false;
        for (size_t k = 0; numeric[k]; k++)
            num |= nis(l, j, numeric[k]);
        if (l->v[j].kind == MP_TK_WORD || l->v[j].kind == MP_TK_QID)
            j++;
        for (bool again = true; again;) {
            again = false;
            for (size_t k = 0; more[k]; k++)
                if (nis(l, j, more[k])) {
                    j++;
                    again = true;
                }
        }
        if (j < l->n && l->v[j].kind == MP_TK_LP) {
            size_t e = match(l, j);
            if (e < l->n)
                j = e + 1;
        }
        while (j + 1 < l->n && l->v[j].kind == MP_TK_LB && l->v[j + 1].kind == MP_TK_RB)
            j += 2;
        if (num && i > 0 && l->v[i - 1].kind == MP_TK_STR) {
            /* '-1'::integer is the number -1 */
            const char *s = l->v[i - 1].v;
            size_t sl = strlen(s);
            char *end = NULL;
            char *inner = mp_arena_strndup(l->a, s + 1, sl >= 2 ? sl - 2 : 0);
            (void)strtod(inner, &end);
            if (*inner && end && *end == '\0') {
                l->v[i - 1].kind = MP_TK_NUM;
                l->v[i - 1].v = inner;
            }
        }
        nremove(l, i, j - i);
        i--;
    }
}

/* = ANY (ARRAY[...]) -> in (...); <> ALL (ARRAY[...]) -> not in (...). */
static bool any_array(struct nlist *l)
{
    for (size_t i = 0; i + 5 < l->n; i++) {
        bool any = nop(l, i, "=") && nis(l, i + 1, "any");
        bool all = nop(l, i, "<>") && nis(l, i + 1, "all");
        if (!(any || all) || l->v[i + 2].kind != MP_TK_LP || !nis(l, i + 3, "array") ||
            l->v[i + 4].kind != MP_TK_LB)
            continue;
        size_t e = match(l, i + 2);
        if (e >= l->n || l->v[e - 1].kind != MP_TK_RB)
            continue;
        l->v[e - 1].kind = MP_TK_RP;
        l->v[e - 1].v = ")";
        nremove(l, e, 1);
        l->v[i + 4].kind = MP_TK_LP;
        l->v[i + 4].v = "(";
        nremove(l, i + 1, 3); /* any ( array */
        l->v[i].kind = MP_TK_WORD;
        l->v[i].v = "in";
        if (all) {
            npush(l, MP_TK_WORD, "");
            memmove(&l->v[i + 1], &l->v[i], (l->n - i - 1) * sizeof l->v[0]);
            l->v[i].v = "not";
        }
        return true;
    }
    return false;
}

static void emit_ident(struct mp_buf *b, const char *v)
{
    if (plain_word(v) && !quote_word(v))
        mp_buf_add(b, v);
    else
        mp_buf_ident(b, v);
}

static void normalize(struct mp_buf *b, const char *expr, size_t n, enum mp_dialect d, const char *const *from,
                      const char *const *to, size_t k, bool casts)
{
    struct mp_arena *a = mp_arena_new();
    char *text = mp_arena_strndup(a, expr, n);
    struct mp_sqltok *raw;
    size_t nraw = mp_sql_tokens(text, &raw);
    struct nlist l = {.a = a};
    for (size_t i = 0; i < nraw; i++) {
        const struct mp_sqltok *t = &raw[i];
        const char *v;
        if (t->kind == MP_TK_WORD) {
            char *w = mp_arena_strndup(a, t->s, t->n);
            for (char *p = w; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            v = w;
        } else if (t->kind == MP_TK_QID) {
            v = mp_sqltok_ident(a, t);
        } else if (t->kind == MP_TK_OP && t->n == 2 && memcmp(t->s, "!=", 2) == 0) {
            v = "<>";
        } else if (t->kind == MP_TK_OP && t->n == 2 && memcmp(t->s, "==", 2) == 0) {
            v = "=";
        } else {
            v = mp_arena_strndup(a, t->s, t->n);
        }
        npush(&l, t->kind, v);
    }
    free(raw);
    if (!casts)
        drop_casts(&l);
    while (drop_parens(&l))
        ;
    if (any_array(&l))
        while (any_array(&l) || drop_parens(&l))
            ;
    for (size_t i = 0; i < l.n; i++) {
        struct ntok *t = &l.v[i];
        const struct ntok *p = i ? &l.v[i - 1] : NULL;
        bool call = i + 1 < l.n && l.v[i + 1].kind == MP_TK_LP;
        /* renames: identifiers that are not function names */
        if ((t->kind == MP_TK_WORD || t->kind == MP_TK_QID) && !call)
            for (size_t j = 0; j < k; j++)
                if (mp_name_eq(d, t->v, from[j])) {
                    t->v = to[j];
                    t->kind = MP_TK_QID;
                    break;
                }
        bool space = p != NULL;
        if (p && (p->kind == MP_TK_LP || p->kind == MP_TK_LB || p->kind == MP_TK_DOT))
            space = false;
        if (t->kind == MP_TK_RP || t->kind == MP_TK_RB || t->kind == MP_TK_COMMA || t->kind == MP_TK_DOT)
            space = false;
        if (t->kind == MP_TK_LP && p && (p->kind == MP_TK_QID || (p->kind == MP_TK_WORD && !group_opener(&l, i - 1) &&
                                                                  strcmp(p->v, "in") != 0)))
            space = false;
        if (t->kind == MP_TK_LB || (t->kind == MP_TK_OP && strcmp(t->v, "::") == 0) ||
            (p && p->kind == MP_TK_OP && strcmp(p->v, "::") == 0))
            space = false;
        if (space)
            mp_buf_addc(b, ' ');
        if (t->kind == MP_TK_QID || (t->kind == MP_TK_WORD && quote_word(t->v)))
            emit_ident(b, t->v);
        else
            mp_buf_add(b, t->v);
    }
    mp_arena_free(a);
}

void mp_expr_normalize(struct mp_buf *b, const char *expr, size_t n, enum mp_dialect d,
                       const char *const *from, const char *const *to, size_t k)
{
    normalize(b, expr, n, d, from, to, k, true);
}

void mp_expr_compare_form(struct mp_buf *b, const char *expr)
{
    normalize(b, expr, strlen(expr), MP_POSTGRES, NULL, NULL, 0, false);
}

const char *mp_expr_norm(struct mp_arena *a, const char *expr)
{
    if (!expr)
        return NULL;
    struct mp_buf b = {0};
    mp_expr_normalize(&b, expr, strlen(expr), MP_POSTGRES, NULL, NULL, 0);
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

const char *mp_expr_rename(struct mp_arena *a, enum mp_dialect d, const char *expr, const char *from,
                           const char *to)
{
    struct mp_buf b = {0};
    mp_expr_normalize(&b, expr, strlen(expr), d, &from, &to, 1);
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

bool mp_expr_uses(enum mp_dialect d, const char *expr, const char *col)
{
    if (!expr)
        return false;
    struct mp_sqltok *v;
    size_t n = mp_sql_tokens(expr, &v);
    struct mp_arena *a = mp_arena_new();
    bool hit = false;
    for (size_t i = 0; i < n && !hit; i++) {
        if (v[i].kind != MP_TK_WORD && v[i].kind != MP_TK_QID)
            continue;
        if (i + 1 < n && v[i + 1].kind == MP_TK_LP)
            continue;
        hit = mp_name_eq(d == MP_POSTGRES && v[i].kind == MP_TK_WORD ? MP_SQLITE : d, mp_sqltok_ident(a, &v[i]), col);
    }
    free(v);
    mp_arena_free(a);
    return hit;
}

bool mp_expr_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    struct mp_buf p = {0}, q = {0};
    mp_expr_compare_form(&p, x);
    mp_expr_compare_form(&q, y);
    bool eq = strcmp(mp_buf_str(&p), mp_buf_str(&q)) == 0;
    mp_buf_free(&p);
    mp_buf_free(&q);
    return eq;
}
