/* model_type.c - enum types and domains of the model (model_type.h). */
#include "model_type.h"

#include "model_check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *mp_utype_kind_name(enum mp_utype_kind k)
{
    return k == MP_UTYPE_ENUM ? "enum" : "domain";
}

struct mp_utype *mp_schema_utype(const struct mp_schema *s, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; name && i < s->ntypes; i++)
        if (mp_name_eq(d, s->types[i].name, name))
            return &s->types[i];
    return NULL;
}

struct mp_utype mp_utype_copy(struct mp_arena *a, const struct mp_utype *t)
{
    struct mp_utype c = *t;
    c.name = mp_arena_strdup(a, t->name);
    c.labels = mp_names_copy(a, &t->labels);
    c.base.raw = mp_arena_strdup(a, t->base.raw);
    c.default_sql = mp_arena_strdup(a, t->default_sql);
    c.collation = mp_arena_strdup(a, t->collation);
    c.checks = NULL;
    c.nchecks = c.capchecks = 0;
    for (size_t i = 0; i < t->nchecks; i++) {
        struct mp_check *k = MP_PUSH(a, c.checks, c.nchecks, c.capchecks);
        k->name = mp_arena_strdup(a, t->checks[i].name);
        k->expr = mp_arena_strdup(a, t->checks[i].expr);
        k->not_valid = t->checks[i].not_valid;
    }
    return c;
}

struct mp_utype *mp_schema_put_utype(struct mp_arena *a, struct mp_schema *s, const struct mp_utype *t)
{
    struct mp_utype c = mp_utype_copy(a, t);
    struct mp_utype *p = MP_PUSH(a, s->types, s->ntypes, s->captypes);
    *p = c;
    return p;
}

void mp_schema_remove_utype(struct mp_schema *s, size_t i)
{
    if (i >= s->ntypes)
        return;
    memmove(&s->types[i], &s->types[i + 1], (s->ntypes - i - 1) * sizeof s->types[0]);
    s->ntypes--;
}

static bool str_eq(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

long mp_utype_find_check(const struct mp_utype *t, const char *expr)
{
    for (size_t i = 0; i < t->nchecks; i++)
        if (str_eq(t->checks[i].expr, expr))
            return (long)i;
    return -1;
}

bool mp_utype_eq(const struct mp_utype *x, const struct mp_utype *y)
{
    if (x->kind != y->kind)
        return false;
    if (x->kind == MP_UTYPE_ENUM)
        return mp_names_eq(MP_POSTGRES, &x->labels, &y->labels);
    if (!mp_type_eq(&x->base, &y->base) || x->not_null != y->not_null || !mp_default_eq(x->default_sql, y->default_sql) ||
        !str_eq(x->collation, y->collation) || x->nchecks != y->nchecks)
        return false;
    for (size_t i = 0; i < x->nchecks; i++)
        if (mp_utype_find_check(y, x->checks[i].expr) < 0)
            return false;
    return true;
}

/* PostgreSQL quote_ident() without the keyword list: lower-case letters,
 * digits and '_' (not first a digit) go bare. */
static bool plain_name(const char *n)
{
    if (!*n || isdigit((unsigned char)*n))
        return false;
    for (const char *p = n; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return false;
    return true;
}

struct mp_type mp_utype_column_type(struct mp_arena *a, const char *name)
{
    struct mp_type t = {.kind = MP_TYPE_RAW};
    if (plain_name(name)) {
        t.raw = mp_arena_strdup(a, name);
    } else {
        struct mp_buf b = {0};
        mp_buf_ident(&b, name);
        t.raw = mp_arena_strdup(a, mp_buf_str(&b));
        mp_buf_free(&b);
    }
    return t;
}

/* True when type text `raw` names `name`: bare, or double-quoted with
 * inner quotes doubled. */
static bool raw_names(const char *raw, const char *name)
{
    if (raw[0] != '"')
        return strcmp(raw, name) == 0;
    const char *p = raw + 1, *q = name;
    for (; *p; p++, q++) {
        if (*p == '"') {
            if (p[1] != '"')
                break;
            p++;
        }
        if (*q != *p)
            return false;
    }
    return *p == '"' && p[1] == '\0' && *q == '\0';
}

struct mp_utype *mp_type_utype(const struct mp_schema *s, const struct mp_type *ty)
{
    if (!s || ty->kind != MP_TYPE_RAW || !ty->raw)
        return NULL;
    for (size_t i = 0; i < s->ntypes; i++)
        if (raw_names(ty->raw, s->types[i].name))
            return &s->types[i];
    return NULL;
}

bool mp_utype_in_use(const struct mp_schema *s, const char *name, const char **table, const char **col)
{
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->ncols; j++) {
            const struct mp_type *ty = &s->tables[i]->cols[j].type;
            if (ty->kind == MP_TYPE_RAW && ty->raw && raw_names(ty->raw, name)) {
                if (table)
                    *table = s->tables[i]->name;
                if (col)
                    *col = s->tables[i]->cols[j].name;
                return true;
            }
        }
    for (size_t i = 0; i < s->ntypes; i++)
        if (s->types[i].kind == MP_UTYPE_DOMAIN && s->types[i].base.kind == MP_TYPE_RAW && s->types[i].base.raw &&
            raw_names(s->types[i].base.raw, name)) {
            if (table)
                *table = NULL;
            if (col)
                *col = s->types[i].name;
            return true;
        }
    return false;
}

static bool texty(const struct mp_type *t)
{
    return t->kind == MP_TYPE_TEXT || t->kind == MP_TYPE_VARCHAR;
}

bool mp_utype_change_ok(const struct mp_schema *sf, const struct mp_type *from, const struct mp_schema *st,
                        const struct mp_type *to)
{
    const struct mp_utype *f = mp_type_utype(sf, from), *t = mp_type_utype(st, to);
    if (f && f->kind == MP_UTYPE_ENUM && !t && texty(to))
        return true;
    if (t && t->kind == MP_UTYPE_ENUM && ((!f && texty(from)) || (f && f->kind == MP_UTYPE_ENUM)))
        return true;
    if (t && t->kind == MP_UTYPE_DOMAIN && !f && mp_type_eq(&t->base, from))
        return true;
    return f && f->kind == MP_UTYPE_DOMAIN && !t && mp_type_eq(&f->base, to);
}

static int cmp_utype(const void *x, const void *y)
{
    return strcmp((*(const struct mp_utype *const *)x)->name, (*(const struct mp_utype *const *)y)->name);
}

static void utype_canonical(struct mp_buf *b, const struct mp_utype *t, int flags)
{
    mp_buf_add(b, mp_utype_kind_name(t->kind));
    mp_buf_addc(b, ' ');
    mp_buf_ident(b, t->name);
    if (t->kind == MP_UTYPE_ENUM) {
        mp_buf_add(b, " (");
        for (size_t i = 0; i < t->labels.n; i++) {
            if (i)
                mp_buf_add(b, ", ");
            mp_buf_literal(b, t->labels.v[i]);
        }
        mp_buf_add(b, ")\n");
        return;
    }
    mp_buf_add(b, " as ");
    mp_type_canonical(b, &t->base);
    if (t->collation) {
        mp_buf_add(b, " collate ");
        mp_buf_ident(b, t->collation);
    }
    if (t->not_null)
        mp_buf_add(b, " not null");
    if (t->default_sql)
        mp_buf_printf(b, " default %s", t->default_sql);
    mp_buf_addc(b, '\n');
    /* checks by expression (their order in the catalog is not kept); few: an insertion sort */
    const struct mp_check **v = malloc((t->nchecks + 1) * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < t->nchecks; i++)
        v[i] = &t->checks[i];
    for (size_t i = 1; i < t->nchecks; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1]->expr, v[j]->expr) > 0; j--) {
            const struct mp_check *x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    for (size_t i = 0; i < t->nchecks; i++) {
        mp_buf_add(b, "  ");
        if ((flags & MP_CANON_NAMES) && v[i]->name) {
            mp_buf_add(b, "constraint ");
            mp_buf_ident(b, v[i]->name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_printf(b, "check (%s)%s\n", v[i]->expr, v[i]->not_valid ? " not valid" : "");
    }
    free(v);
}

void mp_types_canonical(struct mp_buf *b, const struct mp_schema *s, int flags)
{
    if (!s->ntypes)
        return;
    const struct mp_utype **v = malloc(s->ntypes * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < s->ntypes; i++)
        v[i] = &s->types[i];
    qsort(v, s->ntypes, sizeof *v, cmp_utype);
    for (size_t i = 0; i < s->ntypes; i++)
        utype_canonical(b, v[i], flags);
    free(v);
}
