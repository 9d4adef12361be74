/* model_column.c - column and table features and standalone sequences in
 * the model (model_column.h). */
#include "model_column.h"

#include "index_def.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- sequences ---- */

static void type_range(const char *type, int64_t *lo, int64_t *hi)
{
    if (type && strcmp(type, "smallint") == 0) {
        *lo = INT16_MIN;
        *hi = INT16_MAX;
    } else if (type && strcmp(type, "integer") == 0) {
        *lo = INT32_MIN;
        *hi = INT32_MAX;
    } else {
        *lo = INT64_MIN;
        *hi = INT64_MAX;
    }
}

void mp_sequence_defaults(struct mp_sequence *s)
{
    int64_t lo, hi;
    type_range(s->type, &lo, &hi);
    if (!s->increment)
        s->increment = 1;
    s->min = s->increment > 0 ? 1 : lo;
    s->max = s->increment > 0 ? hi : -1;
    s->start = s->increment > 0 ? s->min : s->max;
}

struct mp_sequence *mp_schema_sequence(const struct mp_schema *s, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; i < s->nseqs; i++)
        if (mp_name_eq(d, s->seqs[i].name, name))
            return &s->seqs[i];
    return NULL;
}

struct mp_sequence *mp_schema_put_sequence(struct mp_arena *a, struct mp_schema *s, const struct mp_sequence *q)
{
    struct mp_sequence *n = MP_PUSH(a, s->seqs, s->nseqs, s->capseqs);
    *n = *q;
    n->name = mp_arena_strdup(a, q->name);
    n->type = mp_arena_strdup(a, q->type);
    return n;
}

void mp_schema_remove_sequence(struct mp_schema *s, size_t i)
{
    memmove(&s->seqs[i], &s->seqs[i + 1], (s->nseqs - i - 1) * sizeof s->seqs[0]);
    s->nseqs--;
}

static const char *seq_type(const struct mp_sequence *q)
{
    return q->type ? q->type : "bigint";
}

bool mp_sequence_eq(const struct mp_sequence *x, const struct mp_sequence *y)
{
    return strcmp(seq_type(x), seq_type(y)) == 0 && x->start == y->start && x->increment == y->increment &&
           x->min == y->min && x->max == y->max && x->cycle == y->cycle;
}

void mp_sequence_options(struct mp_buf *b, const struct mp_sequence *q)
{
    struct mp_sequence d = {.type = q->type, .increment = q->increment};
    mp_sequence_defaults(&d);
    if (strcmp(seq_type(q), "bigint") != 0)
        mp_buf_printf(b, " as %s", seq_type(q));
    if (q->increment != 1)
        mp_buf_printf(b, " increment %" PRId64, q->increment);
    if (q->min != d.min)
        mp_buf_printf(b, " minvalue %" PRId64, q->min);
    if (q->max != d.max)
        mp_buf_printf(b, " maxvalue %" PRId64, q->max);
    /* START defaults to the minimum (maximum when descending) actually in force */
    if (q->start != (q->increment > 0 ? q->min : q->max))
        mp_buf_printf(b, " start %" PRId64, q->start);
    if (q->cycle)
        mp_buf_add(b, " cycle");
}

void mp_sequence_canonical(struct mp_buf *b, const struct mp_sequence *q)
{
    mp_buf_add(b, "sequence ");
    mp_buf_ident(b, q->name);
    mp_sequence_options(b, q);
    mp_buf_addc(b, '\n');
}

/* ---- column features ---- */

void mp_colfeat_copy(struct mp_arena *a, struct mp_colfeat *f)
{
    f->generated_sql = mp_arena_strdup(a, f->generated_sql);
    f->collation = mp_arena_strdup(a, f->collation);
}

static bool expr_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    struct mp_buf p = {0}, q = {0};
    mp_expr_canonical(&p, x);
    mp_expr_canonical(&q, y);
    bool eq = strcmp(mp_buf_str(&p), mp_buf_str(&q)) == 0;
    mp_buf_free(&p);
    mp_buf_free(&q);
    return eq;
}

static bool coll_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return strcmp(x, y) == 0;
}

bool mp_colfeat_eq(const struct mp_colfeat *x, const struct mp_colfeat *y)
{
    return x->identity == y->identity && x->ident_start == y->ident_start &&
           x->ident_increment == y->ident_increment && x->serial == y->serial && x->generated == y->generated &&
           expr_eq(x->generated_sql, y->generated_sql) && coll_eq(x->collation, y->collation) &&
           x->autoincrement == y->autoincrement;
}

void mp_colfeat_canonical(struct mp_buf *b, const struct mp_column *c, int flags)
{
    const struct mp_colfeat *f = &c->feat;
    if (flags & MP_CANON_PORTABLE)
        return;
    if (f->collation) {
        mp_buf_add(b, " collate ");
        mp_buf_ident(b, f->collation);
    }
    if (f->identity) {
        mp_buf_add(b, f->identity == MP_IDENTITY_ALWAYS ? " identity always" : " identity by default");
        if (f->ident_start && f->ident_start != 1)
            mp_buf_printf(b, " start %" PRId64, f->ident_start);
        if (f->ident_increment && f->ident_increment != 1)
            mp_buf_printf(b, " increment %" PRId64, f->ident_increment);
    }
    if (f->serial)
        mp_buf_add(b, " serial");
    if (f->autoincrement)
        mp_buf_add(b, " autoincrement");
}

void mp_colfeat_canonical_generated(struct mp_buf *b, const struct mp_column *c)
{
    if (!c->feat.generated)
        return;
    mp_buf_add(b, c->feat.generated == MP_GENERATED_STORED ? " generated stored " : " generated virtual ");
    mp_expr_canonical(b, c->feat.generated_sql ? c->feat.generated_sql : "");
}

/* Length of the quoted token at p ('..' or ".." with doubled quotes). */
static size_t quoted_len(const char *p)
{
    char q = *p;
    size_t i = 1;
    for (; p[i]; i++)
        if (p[i] == q) {
            if (p[i + 1] != q)
                return i + 1;
            i++;
        }
    return i;
}

static bool plain_lower_ident(const char *p, size_t n)
{
    if (n == 0 || !(islower((unsigned char)p[0]) || p[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) || p[i] == '_'))
            return false;
    return true;
}

/* True when the parentheses at e[0] and e[n-1] enclose all of e. */
static bool wrapped(const char *e, size_t n)
{
    if (n < 2 || e[0] != '(' || e[n - 1] != ')')
        return false;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i] == '\'') {
            i += quoted_len(e + i) - 1;
            continue;
        }
        if (e[i] == '(')
            depth++;
        else if (e[i] == ')' && --depth == 0 && i != n - 1)
            return false;
    }
    return true;
}

void mp_expr_canonical(struct mp_buf *b, const char *e)
{
    struct mp_buf t = {0};
    for (const char *p = e; *p;) {
        if (*p == '\'') {
            size_t n = quoted_len(p);
            mp_buf_addn(&t, p, n);
            p += n;
        } else if (*p == '"') {
            size_t n = quoted_len(p);
            if (n >= 2 && p[n - 1] == '"' && plain_lower_ident(p + 1, n - 2))
                mp_buf_addn(&t, p + 1, n - 2);
            else
                mp_buf_addn(&t, p, n);
            p += n;
        } else if (isspace((unsigned char)*p)) {
            p++;
        } else {
            mp_buf_addc(&t, (char)tolower((unsigned char)*p));
            p++;
        }
    }
    const char *s = mp_buf_str(&t);
    size_t n = strlen(s);
    while (wrapped(s, n)) {
        s++;
        n -= 2;
    }
    mp_buf_addn(b, s, n);
    mp_buf_free(&t);
}

bool mp_collation_in_dialect(enum mp_dialect d, const char *name)
{
    bool sqlite_builtin = strcasecmp(name, "BINARY") == 0 || strcasecmp(name, "NOCASE") == 0 ||
                          strcasecmp(name, "RTRIM") == 0;
    return d == MP_SQLITE ? sqlite_builtin : !sqlite_builtin;
}

bool mp_strict_type_ok(const struct mp_type *t)
{
    static const char *const raw[] = {"INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"};
    switch (t->kind) {
    case MP_TYPE_INTEGER:
    case MP_TYPE_TEXT:
    case MP_TYPE_BYTES:
        return true;
    case MP_TYPE_RAW:
        for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
            if (t->raw && strcasecmp(t->raw, raw[i]) == 0)
                return true;
        return false;
    default:
        return false;
    }
}

void mp_column_project(struct mp_column *c, enum mp_dialect d)
{
    struct mp_colfeat *f = &c->feat;
    if (f->collation && !mp_collation_in_dialect(d, f->collation))
        f->collation = NULL;
    if (d == MP_POSTGRES) {
        f->autoincrement = false;
        if (f->identity || f->serial)
            c->not_null = true;
    } else {
        f->identity = MP_IDENTITY_NONE;
        f->ident_start = f->ident_increment = 0;
        f->serial = false;
    }
}

const struct mp_table *mp_table_stored_columns(struct mp_arena *a, const struct mp_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ncols; i++)
        n += t->cols[i].feat.generated != MP_GENERATED_NONE;
    if (!n)
        return t;
    struct mp_table *c = mp_arena_alloc(a, sizeof *c);
    *c = *t;
    c->cols = mp_arena_alloc(a, (t->ncols - n + 1) * sizeof *c->cols);
    c->ncols = c->capcols = 0;
    for (size_t i = 0; i < t->ncols; i++)
        if (!t->cols[i].feat.generated)
            c->cols[c->ncols++] = t->cols[i];
    c->capcols = c->ncols;
    return c;
}

bool mp_schema_has_deferred_fk(const struct mp_schema *s)
{
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++)
            if (s->tables[i]->fks[j].initially_deferred)
                return true;
    return false;
}

bool mp_table_has_identity_always(const struct mp_table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].feat.identity == MP_IDENTITY_ALWAYS)
            return true;
    return false;
}

bool mp_table_has_features(const struct mp_table *t)
{
    static const struct mp_colfeat none = {0};
    if (t->strict || t->without_rowid)
        return true;
    for (size_t i = 0; i < t->ncols; i++)
        if (memcmp(&t->cols[i].feat, &none, sizeof none) != 0)
            return true;
    for (size_t i = 0; i < t->nindexes; i++)
        if (mp_index_pg_only(&t->indexes[i]))
            return true;
    return false;
}

void mp_table_project(struct mp_table *t, enum mp_dialect d)
{
    for (size_t i = 0; i < t->ncols; i++)
        mp_column_project(&t->cols[i], d);
    for (size_t i = 0; i < t->nindexes; i++)
        mp_index_project(&t->indexes[i], d);
    if (d == MP_POSTGRES)
        t->strict = t->without_rowid = false;
}

/* Walk the words of `e` (bare or double-quoted; literals skipped): `fn`
 * gets each word's text and length (quotes included) and whether it names
 * `col`; returns true as soon as fn does. */
static bool each_word(const char *e, const char *col, bool (*fn)(void *, const char *, size_t, bool), void *ctx)
{
    size_t n = strlen(col);
    for (const char *p = e; *p;) {
        const char *s = p;
        bool is = false, word = true;
        if (*p == '\'') {
            p += quoted_len(p);
            word = false;
        } else if (*p == '"') {
            size_t q = quoted_len(p);
            is = q == n + 2 && strncmp(p + 1, col, n) == 0;
            p += q;
        } else if (isalnum((unsigned char)*p) || *p == '_') {
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            is = (size_t)(p - s) == n && strncasecmp(s, col, n) == 0;
        } else {
            p++;
            word = false;
        }
        if (fn(ctx, s, (size_t)(p - s), word && is))
            return true;
    }
    return false;
}

static bool found(void *ctx, const char *s, size_t n, bool is)
{
    (void)ctx, (void)s, (void)n;
    return is;
}

static bool expr_mentions(const char *e, const char *col)
{
    return each_word(e, col, found, NULL);
}

struct rename_ctx {
    struct mp_buf b;
    const char *to;
};

static bool rewrite(void *vctx, const char *s, size_t n, bool is)
{
    struct rename_ctx *r = vctx;
    if (is)
        mp_buf_ident(&r->b, r->to);
    else
        mp_buf_addn(&r->b, s, n);
    return false;
}

const char *mp_genexpr_rename(struct mp_arena *a, const char *e, const char *old, const char *new_name)
{
    struct rename_ctx r = {.to = new_name};
    each_word(e, old, rewrite, &r);
    const char *out = mp_arena_strdup(a, mp_buf_str(&r.b));
    mp_buf_free(&r.b);
    return out;
}

const char *mp_expr_refusal(const char *e)
{
    int depth = 0;
    for (const char *p = e; *p;) {
        if (*p == '"') {
            size_t n = quoted_len(p);
            if (p[n - 1] != '"' || n < 2)
                return "an unterminated quoted name";
            p += n;
        } else if (isalnum((unsigned char)*p) || *p == '_') {
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
        } else if (*p == '(') {
            depth++, p++;
        } else if (*p == ')') {
            if (--depth < 0)
                return "an unbalanced ')'";
            p++;
        } else if (*p == ' ' || *p == '+' || (*p == '*' && p[1] != '/') || (*p == '/' && p[1] != '*') ||
                   (*p == '-' && p[1] != '-')) {
            p++;
        } else {
            return "a character other than names, integers, + - * / and parentheses";
        }
    }
    return depth ? "an unbalanced '('" : NULL;
}

bool mp_table_column_in_generated(const struct mp_table *t, const char *col)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].feat.generated && t->cols[i].feat.generated_sql &&
            expr_mentions(t->cols[i].feat.generated_sql, col))
            return true;
    return false;
}
