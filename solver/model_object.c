/* model_object.c - schema-level objects: construction, normalization,
 * dependencies, creation order, canonical lines and their parser. */
#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *mp_object_kind_name(enum mp_object_kind k)
{
    static const char *const names[MP_OBJ__COUNT] = {
        [MP_OBJ_EXTENSION] = "extension", [MP_OBJ_FUNCTION] = "function", [MP_OBJ_PROCEDURE] = "procedure",
        [MP_OBJ_VIEW] = "view", [MP_OBJ_MATVIEW] = "materialized view", [MP_OBJ_TRIGGER] = "trigger",
    };
    return (unsigned)k < MP_OBJ__COUNT ? names[k] : "?";
}

bool mp_object_kind_is_relation(enum mp_object_kind k)
{
    return k == MP_OBJ_VIEW || k == MP_OBJ_MATVIEW;
}

struct mp_object *mp_schema_add_object(struct mp_arena *a, struct mp_schema *s, enum mp_object_kind k,
                                       const char *name)
{
    struct mp_object *o = MP_PUSH(a, s->objects, s->nobjects, s->capobjects);
    o->kind = k;
    o->name = mp_arena_strdup(a, name);
    return o;
}

static bool str_eq0(enum mp_dialect d, const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return mp_name_eq(d, x, y);
}

void mp_object_add_dep(struct mp_arena *a, struct mp_object *o, const char *table, const char *column)
{
    for (size_t i = 0; i < o->ndeps; i++)
        if (strcmp(o->deps[i].table, table) == 0 &&
            (o->deps[i].column ? column && strcmp(o->deps[i].column, column) == 0 : !column))
            return;
    struct mp_objdep *dp = MP_PUSH(a, o->deps, o->ndeps, o->capdeps);
    dp->table = mp_arena_strdup(a, table);
    dp->column = mp_arena_strdup(a, column);
}

bool mp_object_in(const struct mp_object *o, enum mp_dialect d)
{
    return !o->has_dialect || o->dialect == d;
}

bool mp_schema_has_dialect_objects(const struct mp_schema *s)
{
    for (size_t i = 0; i < s->nobjects; i++)
        if (s->objects[i].has_dialect)
            return true;
    return false;
}

void mp_schema_project_objects(struct mp_schema *s, enum mp_dialect d)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nobjects; i++)
        if (mp_object_in(&s->objects[i], d)) {
            s->objects[k] = s->objects[i];
            s->objects[k++].has_dialect = false;
        }
    s->nobjects = k;
}

struct mp_object mp_object_copy(struct mp_arena *a, const struct mp_object *o)
{
    struct mp_object c = {.kind = o->kind, .has_dialect = o->has_dialect, .dialect = o->dialect};
    c.name = mp_arena_strdup(a, o->name);
    c.args = mp_arena_strdup(a, o->args);
    c.table = mp_arena_strdup(a, o->table);
    c.sql = mp_arena_strdup(a, o->sql);
    for (size_t i = 0; i < o->ndeps; i++)
        mp_object_add_dep(a, &c, o->deps[i].table, o->deps[i].column);
    return c;
}

const struct mp_object *mp_schema_find_object(const struct mp_schema *s, enum mp_dialect d,
                                              const struct mp_object *o)
{
    for (size_t i = 0; i < s->nobjects; i++) {
        const struct mp_object *x = &s->objects[i];
        if (mp_object_in(x, d) && x->kind == o->kind && mp_name_eq(d, x->name, o->name) && str_eq0(d, x->args, o->args) &&
            (x->kind != MP_OBJ_TRIGGER || str_eq0(d, x->table, o->table)))
            return x;
    }
    return NULL;
}

const struct mp_object *mp_schema_relation_object(const struct mp_schema *s, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; i < s->nobjects; i++)
        if (mp_object_kind_is_relation(s->objects[i].kind) && mp_object_in(&s->objects[i], d) &&
            mp_name_eq(d, s->objects[i].name, name))
            return &s->objects[i];
    return NULL;
}

/* ---- normalization ---- */

/* The end of the quoted token at p ('..', "..", `..`, [..]), or p when it
 * is none. */
static const char *quoted_end(const char *p)
{
    char q = *p == '[' ? ']' : *p;
    if (q != '\'' && q != '"' && q != '`' && q != ']')
        return p;
    for (p++; *p; p++)
        if (*p == q) {
            if (p[1] != q || q == ']')
                return p + 1;
            p++;
        }
    return p;
}

/* The end of a PostgreSQL dollar-quoted string at p ($tag$ ... $tag$), or
 * p when it is none (PostgreSQL 4.1.2.4). */
static const char *dollar_end(const char *p)
{
    if (*p != '$')
        return p;
    const char *t = p + 1;
    while (isalnum((unsigned char)*t) || *t == '_')
        t++;
    if (*t != '$' || (t > p + 1 && isdigit((unsigned char)p[1])))
        return p;
    size_t taglen = (size_t)(t - p) + 1;
    for (const char *q = t + 1; *q; q++)
        if (*q == '$' && strncmp(q, p, taglen) == 0)
            return q + taglen;
    return p + strlen(p);
}

/* True when the quoted identifier's text s[0..n) reads the same unquoted
 * once folded: lower-case ASCII letters, digits and '_', not starting with
 * a digit (PostgreSQL's quote_identifier() quotes exactly these when they
 * are not keywords; pg_get_viewdef() therefore prints "select" where the
 * DDL said "select" and id where it said "id"). */
static bool plain_ident(const char *s, size_t n)
{
    if (!n || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

void mp_object_norm(struct mp_buf *b, const char *sql)
{
    size_t start = b->len;
    bool blank = false;
    for (const char *p = sql ? sql : ""; *p;) {
        const char *e = quoted_end(p);
        if (e == p)
            e = dollar_end(p);
        if (e == p && p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            blank = true;
            continue;
        }
        if (e == p && p[0] == '/' && p[1] == '*') {
            const char *c = strstr(p + 2, "*/");
            p = c ? c + 2 : p + strlen(p);
            blank = true;
            continue;
        }
        if (e == p && isspace((unsigned char)*p)) {
            p++;
            blank = true;
            continue;
        }
        if (blank && b->len > start)
            mp_buf_addc(b, ' ');
        blank = false;
        if (e != p) {
            if (*p == '"' && plain_ident(p + 1, (size_t)(e - p) - 2))
                mp_buf_addn(b, p + 1, (size_t)(e - p) - 2);
            else
                mp_buf_addn(b, p, (size_t)(e - p));
            p = e;
        } else {
            mp_buf_addc(b, (char)tolower((unsigned char)*p));
            p++;
        }
    }
    /* a trailing ';' (and the blank before it) */
    while (b->len > start && (b->s[b->len - 1] == ';' || b->s[b->len - 1] == ' '))
        b->s[--b->len] = '\0';
}

bool mp_object_sql_eq(const char *x, const char *y)
{
    struct mp_buf p = {0}, q = {0};
    mp_object_norm(&p, x);
    mp_object_norm(&q, y);
    bool eq = strcmp(mp_buf_str(&p), mp_buf_str(&q)) == 0;
    mp_buf_free(&p);
    mp_buf_free(&q);
    return eq;
}

/* ---- dependencies ---- */

/* True when `name` occurs in `sql` as a word or a quoted identifier. */
static bool sql_mentions(enum mp_dialect d, const char *sql, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = sql ? sql : ""; *p;) {
        const char *e = quoted_end(p);
        if (e != p) {
            if ((*p == '"' || *p == '`' || *p == '[') && (size_t)(e - p) == n + 2 &&
                (d == MP_SQLITE ? strncasecmp(p + 1, name, n) : strncmp(p + 1, name, n)) == 0)
                return true;
            p = e;
            continue;
        }
        if (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
            const char *w = p;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80)
                p++;
            if ((size_t)(p - w) == n && strncasecmp(w, name, n) == 0)
                return true;
            continue;
        }
        p++;
    }
    return false;
}

size_t mp_object_deps(struct mp_arena *a, const struct mp_schema *s, enum mp_dialect d,
                      const struct mp_object *o, struct mp_objdep **out)
{
    struct mp_object tmp = {0};
    if (o->table)
        mp_object_add_dep(a, &tmp, o->table, NULL);
    for (size_t i = 0; i < o->ndeps; i++)
        mp_object_add_dep(a, &tmp, o->deps[i].table, o->deps[i].column);
    if (!o->ndeps) {
        for (size_t i = 0; i < s->ntables; i++)
            if (sql_mentions(d, o->sql, s->tables[i]->name))
                mp_object_add_dep(a, &tmp, s->tables[i]->name, NULL);
        for (size_t i = 0; i < s->nobjects; i++)
            if (&s->objects[i] != o && mp_object_kind_is_relation(s->objects[i].kind) &&
                sql_mentions(d, o->sql, s->objects[i].name))
                mp_object_add_dep(a, &tmp, s->objects[i].name, NULL);
    }
    *out = tmp.deps;
    return tmp.ndeps;
}

bool mp_object_uses(const struct mp_schema *s, enum mp_dialect d, const struct mp_object *o, const char *table,
                    const char *column)
{
    if (o->table && mp_name_eq(d, o->table, table))
        return true;
    if (!o->ndeps)
        return sql_mentions(d, o->sql, table) && (mp_schema_find_table(s, d, table) >= 0 ||
                                                   mp_schema_relation_object(s, d, table));
    for (size_t i = 0; i < o->ndeps; i++)
        if (mp_name_eq(d, o->deps[i].table, table) &&
            (!column || !o->deps[i].column || mp_name_eq(d, o->deps[i].column, column)))
            return true;
    return false;
}

bool mp_object_refers(enum mp_dialect d, const struct mp_object *o, const struct mp_object *r)
{
    if (o == r)
        return false;
    if (mp_object_kind_is_relation(r->kind)) {
        if (!o->ndeps)
            return sql_mentions(d, o->sql, r->name);
        for (size_t i = 0; i < o->ndeps; i++)
            if (mp_name_eq(d, o->deps[i].table, r->name))
                return true;
        return false;
    }
    return (r->kind == MP_OBJ_FUNCTION || r->kind == MP_OBJ_PROCEDURE) && o->kind != MP_OBJ_FUNCTION &&
           o->kind != MP_OBJ_PROCEDURE && sql_mentions(d, o->sql, r->name);
}

void mp_object_describe(struct mp_buf *b, const struct mp_object *o, bool create)
{
    mp_buf_printf(b, "%s %s ", create ? "create" : "drop", mp_object_kind_name(o->kind));
    mp_buf_ident(b, o->name);
    if (o->args)
        mp_buf_printf(b, "(%s)", o->args);
    if (o->table) {
        mp_buf_add(b, " on ");
        mp_buf_ident(b, o->table);
    }
}

/* Creation groups: extensions, routines, relations (views of either kind
 * read each other), triggers. */
static int group(enum mp_object_kind k)
{
    switch (k) {
    case MP_OBJ_EXTENSION: return 0;
    case MP_OBJ_FUNCTION:
    case MP_OBJ_PROCEDURE: return 1;
    case MP_OBJ_VIEW:
    case MP_OBJ_MATVIEW: return 2;
    default: return 3;
    }
}

size_t *mp_schema_object_order(const struct mp_schema *s, enum mp_dialect d)
{
    if (!s->nobjects)
        return NULL;
    size_t n = s->nobjects;
    size_t *order = malloc(n * sizeof *order);
    bool *done = calloc(n, sizeof *done);
    if (!order || !done)
        mp_oom();
    size_t k = 0;
    /* group by group; within one, repeatedly each object whose referents
     * of the group are placed (a loop, which no database allows, is placed
     * as it comes) */
    for (int g = 0; g < 4; g++) {
        bool progress = true;
        while (progress) {
            progress = false;
            for (size_t i = 0; i < n; i++) {
                const struct mp_object *o = &s->objects[i];
                if (done[i] || group(o->kind) != g)
                    continue;
                bool ready = true;
                for (size_t j = 0; j < n && ready; j++)
                    ready = done[j] || group(s->objects[j].kind) != g || !mp_object_refers(d, o, &s->objects[j]);
                if (ready) {
                    order[k++] = i;
                    done[i] = progress = true;
                }
            }
        }
        for (size_t i = 0; i < n; i++)
            if (!done[i] && group(s->objects[i].kind) == g) {
                order[k++] = i;
                done[i] = true;
            }
    }
    free(done);
    return order;
}

void mp_schema_prune_objects(struct mp_schema *s, enum mp_dialect d)
{
    for (bool more = true; more;) {
        more = false;
        for (size_t i = 0; i < s->nobjects && !more; i++) {
            const struct mp_object *o = &s->objects[i];
            bool gone = o->table && mp_schema_find_table(s, d, o->table) < 0;
            for (size_t j = 0; j < o->ndeps && !gone; j++) {
                const struct mp_table *t = mp_schema_table(s, d, o->deps[j].table);
                if (t)
                    gone = o->deps[j].column && !mp_table_column(t, d, o->deps[j].column);
                else
                    gone = !mp_schema_relation_object(s, d, o->deps[j].table);
            }
            if (gone) {
                memmove(&s->objects[i], &s->objects[i + 1], (s->nobjects - i - 1) * sizeof *s->objects);
                s->nobjects--;
                more = true;
            }
        }
    }
}

/* ---- canonical form ---- */

static int cmp_obj(const void *x, const void *y)
{
    const struct mp_object *a = *(const struct mp_object *const *)x, *b = *(const struct mp_object *const *)y;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    c = strcmp(a->args ? a->args : "", b->args ? b->args : "");
    c = strcmp(a->table ? a->table : "", b->table ? b->table : "");
    return c ? c : (a->has_dialect ? 1 + (int)a->dialect : 0) - (b->has_dialect ? 1 + (int)b->dialect : 0);
}

void mp_objects_canonical(struct mp_buf *b, const struct mp_schema *s, int flags)
{
    if (!s->nobjects)
        return;
    const struct mp_object **v = malloc(s->nobjects * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < s->nobjects; i++)
        v[i] = &s->objects[i];
    qsort(v, s->nobjects, sizeof *v, cmp_obj);
    struct mp_buf n = {0};
    bool portable = (flags & MP_CANON_PORTABLE) != 0;
    for (size_t i = 0; i < s->nobjects; i++) {
        const struct mp_object *o = v[i];
        if (portable && o->kind != MP_OBJ_VIEW && o->kind != MP_OBJ_TRIGGER)
            continue;
        mp_buf_add(b, mp_object_kind_name(o->kind));
        mp_buf_addc(b, ' ');
        mp_buf_ident(b, o->name);
        if (o->args) {
            mp_buf_add(b, " args ");
            mp_buf_literal(b, o->args);
        }
        if (o->table) {
            mp_buf_add(b, " on ");
            mp_buf_ident(b, o->table);
        }
        if (o->has_dialect)
            mp_buf_printf(b, " only %s", mp_dialect_name(o->dialect));
        if (portable && o->kind == MP_OBJ_TRIGGER) {
            mp_buf_addc(b, '\n');
            continue;
        }
        if ((flags & MP_CANON_NAMES) && o->ndeps) {
            mp_buf_add(b, " uses (");
            for (size_t j = 0; j < o->ndeps; j++) {
                if (j)
                    mp_buf_add(b, ", ");
                mp_buf_ident(b, o->deps[j].table);
                if (o->deps[j].column) {
                    mp_buf_addc(b, '.');
                    mp_buf_ident(b, o->deps[j].column);
                }
            }
            mp_buf_addc(b, ')');
        }
        mp_buf_add(b, " sql ");
        mp_buf_reset(&n);
        /* the comparison form normalized; the case-file form (NAMES) as
         * written, so that it reads back as SQL that runs */
        if (flags & MP_CANON_NAMES)
            mp_buf_add(&n, o->sql);
        else
            mp_object_norm(&n, o->sql);
        for (const char *p = mp_buf_str(&n); *p; p++) {
            if (*p == '\n')
                mp_buf_add(b, "\\n");
            else if (*p == '\r')
                mp_buf_add(b, "\\r");
            else if (*p == '\\')
                mp_buf_add(b, "\\\\");
            else
                mp_buf_addc(b, *p);
        }
        mp_buf_addc(b, '\n');
    }
    mp_buf_free(&n);
    free(v);
}

/* ---- parser ---- */

static const char *skip(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static bool word(const char **pp, const char *w)
{
    const char *p = skip(*pp);
    size_t n = strlen(w);
    if (strncasecmp(p, w, n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_') {
        *pp = p + n;
        return true;
    }
    return false;
}

/* A "quoted" identifier (doubled inner quotes) or a bare word, or NULL. */
static const char *ident(struct mp_arena *a, const char **pp)
{
    const char *p = skip(*pp);
    struct mp_buf b = {0};
    const char *r = NULL;
    if (*p == '"') {
        for (p++; *p; p++) {
            if (*p == '"') {
                if (p[1] != '"')
                    break;
                p++;
            }
            mp_buf_addc(&b, *p);
        }
        if (*p == '"') {
            r = mp_arena_strdup(a, mp_buf_str(&b));
            p++;
        }
    } else {
        const char *s = p;
        while (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80)
            p++;
        if (p > s)
            r = mp_arena_strndup(a, s, (size_t)(p - s));
    }
    mp_buf_free(&b);
    *pp = p;
    return r;
}

/* A 'single-quoted' literal (doubled inner quotes), or NULL. */
static const char *literal(struct mp_arena *a, const char **pp)
{
    const char *p = skip(*pp);
    if (*p != '\'')
        return NULL;
    struct mp_buf b = {0};
    for (p++; *p; p++) {
        if (*p == '\'') {
            if (p[1] != '\'')
                break;
            p++;
        }
        mp_buf_addc(&b, *p);
    }
    const char *r = *p == '\'' ? mp_arena_strdup(a, mp_buf_str(&b)) : NULL;
    mp_buf_free(&b);
    *pp = *p ? p + 1 : p;
    return r;
}

int mp_object_parse_line(struct mp_arena *a, struct mp_schema *s, const char *line, const char **why)
{
    const char *p = line;
    enum mp_object_kind k;
    if (word(&p, "view"))
        k = MP_OBJ_VIEW;
    else if (word(&p, "materialized")) {
        if (!word(&p, "view")) {
            *why = "expected view after materialized";
            return -1;
        }
        k = MP_OBJ_MATVIEW;
    } else if (word(&p, "trigger"))
        k = MP_OBJ_TRIGGER;
    else if (word(&p, "function"))
        k = MP_OBJ_FUNCTION;
    else if (word(&p, "procedure"))
        k = MP_OBJ_PROCEDURE;
    else if (word(&p, "extension"))
        k = MP_OBJ_EXTENSION;
    else
        return 0;
    const char *name = ident(a, &p);
    if (!name) {
        *why = "expected an object name";
        return -1;
    }
    struct mp_object o = {.kind = k, .name = name};
    if (word(&p, "args") && !(o.args = literal(a, &p))) {
        *why = "expected 'arguments' after args";
        return -1;
    }
    if (word(&p, "on") && !(o.table = ident(a, &p))) {
        *why = "expected a table name after on";
        return -1;
    }
    if (word(&p, "only")) {
        o.has_dialect = true;
        if (word(&p, "sqlite"))
            o.dialect = MP_SQLITE;
        else if (word(&p, "postgres"))
            o.dialect = MP_POSTGRES;
        else {
            *why = "expected sqlite or postgres after only";
            return -1;
        }
    }
    if (k == MP_OBJ_TRIGGER && !o.table) {
        *why = "expected on <table> after the trigger's name";
        return -1;
    }
    if (word(&p, "uses")) {
        p = skip(p);
        if (*p++ != '(') {
            *why = "expected '(' after uses";
            return -1;
        }
        do {
            const char *t = ident(a, &p), *c = NULL;
            bool dot = false;
            if (t && *p == '.') {
                p++;
                dot = true;
                c = ident(a, &p);
            }
            if (!t || (dot && !c)) {
                *why = "expected a dependency (\"table\" or \"table\".\"column\")";
                return -1;
            }
            mp_object_add_dep(a, &o, t, c);
            p = skip(p);
        } while (*p == ',' && p++);
        if (*p++ != ')') {
            *why = "expected ')' after the dependencies";
            return -1;
        }
    }
    if (!word(&p, "sql")) {
        *why = "expected sql <statement>";
        return -1;
    }
    p = skip(p);
    struct mp_buf b = {0};
    for (; *p; p++) {
        if (*p == '\\' && (p[1] == 'n' || p[1] == 'r' || p[1] == '\\')) {
            mp_buf_addc(&b, p[1] == 'n' ? '\n' : p[1] == 'r' ? '\r' : '\\');
            p++;
        } else {
            mp_buf_addc(&b, *p);
        }
    }
    o.sql = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    if (!*o.sql) {
        *why = "expected the creating statement after sql";
        return -1;
    }
    struct mp_object *no = mp_schema_add_object(a, s, k, name);
    *no = o;
    return 1;
}
