/* model.c - schema model, logical types per dialect, canonical form, diff. */
#include "model.h"
#include "model_column.h"
#include "model_type.h"

#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

#include <search.h>

#include <assert.h>
#include <stdarg.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool mp_name_eq(enum mp_dialect d, const char *a, const char *b)
{
    if (d == MP_SQLITE)
        return strcasecmp(a, b) == 0;
    return strcmp(a, b) == 0;
}

/* ---- types ---- */

/* True when SQLite's declared type `raw` can be written as it is: words
 * SQLite reads as a type name (letters, digits, _; none of them a
 * keyword that ends a column definition), optionally one "(N)" or "(N,M)".
 * SQLite drops the quotes of a quoted type name when it stores the
 * declared type ("Datatypes In SQLite" 3.1, the type name is any sequence
 * of names), so the catalog gives `order` for a column declared "order":
 * written back unquoted it is a syntax error. */
static bool sqlite_type_plain(const char *raw)
{
    /* the words that cannot stand in a type name: they start a constraint
     * or end the column (SQLite "column-constraint", "CREATE TABLE") */
    static const char *const stop[] = {"order", "select", "from", "where", "group", "table", "default", "null",
                                       "not", "primary", "references", "check", "constraint", "unique", "collate",
                                       "generated", "as", "on", "foreign", "key", "and", "or", "in", "is",
                                       "limit", "having", "values", "into", "create", "drop", "alter", "index",
                                       "union", "join", NULL};
    const char *p = raw;
    if (!*p)
        return false;
    while (*p && *p != '(') {
        if (*p == ' ') {
            p++;
            continue;
        }
        const char *w = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        size_t n = (size_t)(p - w);
        if (n == 0 || (w[0] >= '0' && w[0] <= '9'))
            return false;
        for (size_t k = 0; stop[k]; k++)
            if (strlen(stop[k]) == n && strncasecmp(stop[k], w, n) == 0)
                return false;
        if (*p && *p != ' ' && *p != '(')
            return false;
    }
    if (!*p)
        return true;
    /* "(N)" or "(N,M)", signed numbers, blanks */
    p++;
    for (int parts = 0; parts < 2; parts++) {
        while (*p == ' ')
            p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
        while (*p == ' ')
            p++;
        if (*p == ')')
            return p[1] == 0;
        if (*p != ',')
            return false;
        p++;
    }
    return false;
}

void mp_type_sql(struct mp_buf *b, const struct mp_type *t, enum mp_dialect d)
{
    bool pg = d == MP_POSTGRES;
    switch (t->kind) {
    case MP_TYPE_INTEGER: mp_buf_add(b, pg ? "integer" : "INTEGER"); break;
    case MP_TYPE_BIGINT: mp_buf_add(b, pg ? "bigint" : "BIGINT"); break;
    case MP_TYPE_TEXT: mp_buf_add(b, pg ? "text" : "TEXT"); break;
    case MP_TYPE_VARCHAR: mp_buf_printf(b, pg ? "varchar(%d)" : "VARCHAR(%d)", t->len); break;
    case MP_TYPE_BOOLEAN: mp_buf_add(b, pg ? "boolean" : "BOOLEAN"); break;
    case MP_TYPE_DOUBLE: mp_buf_add(b, pg ? "double precision" : "DOUBLE"); break;
    case MP_TYPE_NUMERIC:
        mp_buf_printf(b, pg ? "numeric(%d,%d)" : "NUMERIC(%d,%d)", t->precision, t->scale);
        break;
    case MP_TYPE_DATE: mp_buf_add(b, pg ? "date" : "DATE"); break;
    case MP_TYPE_TIMESTAMP: mp_buf_add(b, pg ? "timestamp" : "TIMESTAMP"); break;
    case MP_TYPE_BYTES: mp_buf_add(b, pg ? "bytea" : "BLOB"); break;
    case MP_TYPE_RAW:
        /* PostgreSQL's format_type() text is valid SQL as it is; SQLite's
         * stored declared type may need its quotes back */
        if (pg || sqlite_type_plain(t->raw ? t->raw : ""))
            mp_buf_add(b, t->raw ? t->raw : "");
        else
            mp_buf_ident(b, t->raw ? t->raw : "");
        break;
    }
}

void mp_type_canonical(struct mp_buf *b, const struct mp_type *t)
{
    switch (t->kind) {
    case MP_TYPE_INTEGER: mp_buf_add(b, "integer"); break;
    case MP_TYPE_BIGINT: mp_buf_add(b, "bigint"); break;
    case MP_TYPE_TEXT: mp_buf_add(b, "text"); break;
    case MP_TYPE_VARCHAR: mp_buf_printf(b, "varchar(%d)", t->len); break;
    case MP_TYPE_BOOLEAN: mp_buf_add(b, "boolean"); break;
    case MP_TYPE_DOUBLE: mp_buf_add(b, "double"); break;
    case MP_TYPE_NUMERIC: mp_buf_printf(b, "numeric(%d,%d)", t->precision, t->scale); break;
    case MP_TYPE_DATE: mp_buf_add(b, "date"); break;
    case MP_TYPE_TIMESTAMP: mp_buf_add(b, "timestamp"); break;
    case MP_TYPE_BYTES: mp_buf_add(b, "bytes"); break;
    case MP_TYPE_RAW:
        mp_buf_add(b, "raw ");
        mp_buf_literal(b, t->raw ? t->raw : "");
        break;
    }
}

/* Parse "name(a)" or "name(a,b)" (spaces allowed) after a matched prefix. */
static int type_args(const char *p, int *x, int *y)
{
    *x = *y = -1;
    while (*p == ' ')
        p++;
    if (*p != '(')
        return *p == '\0' ? 0 : -1;
    char *end;
    *x = (int)strtol(p + 1, &end, 10);
    p = end;
    while (*p == ' ')
        p++;
    if (*p == ',') {
        *y = (int)strtol(p + 1, &end, 10);
        p = end;
        while (*p == ' ')
            p++;
    }
    if (*p != ')' || p[1] != '\0')
        return -1;
    return (*y >= 0) ? 2 : 1;
}

struct mp_type mp_type_from_sql(struct mp_arena *a, enum mp_dialect d,
                                const char *text)
{
    (void)d;
    struct mp_type t = {.kind = MP_TYPE_RAW};
    char low[128];
    size_t n = strlen(text);
    if (n >= sizeof low) {
        t.raw = mp_arena_strdup(a, text);
        return t;
    }
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)text[i]);
    static const struct { const char *name; enum mp_type_kind kind; } exact[] = {
        {"integer", MP_TYPE_INTEGER}, {"bigint", MP_TYPE_BIGINT},
        {"text", MP_TYPE_TEXT}, {"boolean", MP_TYPE_BOOLEAN},
        {"double precision", MP_TYPE_DOUBLE}, {"double", MP_TYPE_DOUBLE},
        {"date", MP_TYPE_DATE}, {"timestamp", MP_TYPE_TIMESTAMP},
        {"timestamp without time zone", MP_TYPE_TIMESTAMP},
        {"bytea", MP_TYPE_BYTES}, {"blob", MP_TYPE_BYTES},
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(low, exact[i].name) == 0) {
            t.kind = exact[i].kind;
            return t;
        }
    static const char *const vc[] = {"character varying", "varchar"};
    for (size_t i = 0; i < 2; i++) {
        size_t l = strlen(vc[i]);
        int x, y;
        if (strncmp(low, vc[i], l) == 0 && type_args(low + l, &x, &y) == 1 && x > 0) {
            t.kind = MP_TYPE_VARCHAR;
            t.len = x;
            return t;
        }
    }
    int x, y;
    if (strncmp(low, "numeric", 7) == 0 && type_args(low + 7, &x, &y) == 2) {
        t.kind = MP_TYPE_NUMERIC;
        t.precision = x;
        t.scale = y;
        return t;
    }
    t.raw = mp_arena_strdup(a, text);
    return t;
}

/* ---- name lists ---- */

bool mp_names_eq(enum mp_dialect d, const struct mp_names *x, const struct mp_names *y)
{
    if (x->n != y->n)
        return false;
    for (size_t i = 0; i < x->n; i++)
        if (!mp_name_eq(d, x->v[i], y->v[i]))
            return false;
    return true;
}

bool mp_names_contains(enum mp_dialect d, const struct mp_names *x, const char *name)
{
    for (size_t i = 0; i < x->n; i++)
        if (mp_name_eq(d, x->v[i], name))
            return true;
    return false;
}

struct mp_names mp_names_make(struct mp_arena *a, size_t n, const char *const *v)
{
    struct mp_names r = {NULL, n};
    if (n) {
        r.v = mp_arena_alloc(a, n * sizeof *r.v);
        for (size_t i = 0; i < n; i++)
            r.v[i] = mp_arena_strdup(a, v[i]);
    }
    return r;
}

struct mp_names mp_names_copy(struct mp_arena *a, const struct mp_names *x)
{
    return mp_names_make(a, x->n, x->v);
}

const char *mp_fk_action_sql(enum mp_fk_action a)
{
    switch (a) {
    case MP_FK_RESTRICT: return "RESTRICT";
    case MP_FK_CASCADE: return "CASCADE";
    case MP_FK_SET_NULL: return "SET NULL";
    case MP_FK_SET_DEFAULT: return "SET DEFAULT";
    case MP_FK_NO_ACTION: break;
    }
    return "NO ACTION";
}

/* ---- schema construction ---- */

struct mp_schema *mp_schema_new(struct mp_arena *a)
{
    return mp_arena_alloc(a, sizeof(struct mp_schema));
}

struct mp_table *mp_table_clone(struct mp_arena *a, const struct mp_table *t)
{
    struct mp_table *c = mp_arena_alloc(a, sizeof *c);
    c->name = mp_arena_strdup(a, t->name);
    c->id = t->id;
    c->pk_name = mp_arena_strdup(a, t->pk_name);
    c->pk = mp_names_copy(a, &t->pk);
    for (size_t i = 0; i < t->ncols; i++) {
        struct mp_column *col = MP_PUSH(a, c->cols, c->ncols, c->capcols);
        *col = t->cols[i];
        col->name = mp_arena_strdup(a, col->name);
        col->default_sql = mp_arena_strdup(a, col->default_sql);
        col->type.raw = mp_arena_strdup(a, col->type.raw);
        mp_colfeat_copy(a, &col->feat);
    }
    c->strict = t->strict;
    c->without_rowid = t->without_rowid;
    for (size_t i = 0; i < t->nuniques; i++) {
        struct mp_unique *u = MP_PUSH(a, c->uniques, c->nuniques, c->capuniques);
        u->name = mp_arena_strdup(a, t->uniques[i].name);
        u->cols = mp_names_copy(a, &t->uniques[i].cols);
    }
    for (size_t i = 0; i < t->nfks; i++) {
        struct mp_fk *f = MP_PUSH(a, c->fks, c->nfks, c->capfks);
        *f = t->fks[i];
        f->name = mp_arena_strdup(a, f->name);
        f->ref_table = mp_arena_strdup(a, f->ref_table);
        f->cols = mp_names_copy(a, &t->fks[i].cols);
        f->ref_cols = mp_names_copy(a, &t->fks[i].ref_cols);
    }
    for (size_t i = 0; i < t->nindexes; i++) {
        struct mp_index *x = MP_PUSH(a, c->indexes, c->nindexes, c->capindexes);
        x->name = mp_arena_strdup(a, t->indexes[i].name);
        x->unique = t->indexes[i].unique;
        x->cols = mp_names_copy(a, &t->indexes[i].cols);
        x->id = t->indexes[i].id;
        mp_index_copy_def(a, x, &t->indexes[i]);
    }
    mp_table_copy_checks(a, c, t);
    return c;
}

struct mp_schema *mp_schema_clone(struct mp_arena *a, const struct mp_schema *s)
{
    struct mp_schema *c = mp_schema_new(a);
    for (size_t i = 0; i < s->ntables; i++)
        *MP_PUSH(a, c->tables, c->ntables, c->captables) = mp_table_clone(a, s->tables[i]);
    c->last_id = s->last_id;
    for (size_t i = 0; i < s->nunmodelled; i++)
        *MP_PUSH(a, c->unmodelled, c->nunmodelled, c->capunmodelled) = s->unmodelled[i];
    for (size_t i = 0; i < s->nseqs; i++)
        mp_schema_put_sequence(a, c, &s->seqs[i]);
    for (size_t i = 0; i < s->ntypes; i++)
        mp_schema_put_utype(a, c, &s->types[i]);
    c->has_dialect = s->has_dialect;
    c->dialect = s->dialect;
    for (size_t i = 0; i < s->nobjects; i++)
        *MP_PUSH(a, c->objects, c->nobjects, c->capobjects) = mp_object_copy(a, &s->objects[i]);
    return c;
}

void mp_schema_note_unmodelled(struct mp_arena *a, struct mp_schema *s, const char *table, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct mp_unmodelled *u = MP_PUSH(a, s->unmodelled, s->nunmodelled, s->capunmodelled);
    u->table = table ? mp_arena_strdup(a, table) : NULL;
    u->what = mp_arena_vprintf(a, fmt, ap);
    va_end(ap);
}

void mp_schema_forget_unmodelled(struct mp_schema *s, const char *table)
{
    size_t k = 0;
    for (size_t i = 0; i < s->nunmodelled; i++)
        if (!s->unmodelled[i].table || strcmp(s->unmodelled[i].table, table) != 0)
            s->unmodelled[k++] = s->unmodelled[i];
    s->nunmodelled = k;
}

uint32_t mp_schema_new_id(struct mp_schema *s)
{
    assert(s->last_id < UINT32_MAX); /* 2^32 objects would not fit in memory */
    return ++s->last_id;
}

void mp_schema_assign_ids(struct mp_schema *s)
{
    for (size_t i = 0; i < s->ntables; i++) {
        struct mp_table *t = s->tables[i];
        t->id = mp_schema_new_id(s);
        for (size_t j = 0; j < t->ncols; j++)
            t->cols[j].id = mp_schema_new_id(s);
        for (size_t j = 0; j < t->nindexes; j++)
            t->indexes[j].id = mp_schema_new_id(s);
    }
}

struct mp_table *mp_schema_table_by_id(const struct mp_schema *s, uint32_t id)
{
    for (size_t i = 0; id && i < s->ntables; i++)
        if (s->tables[i]->id == id)
            return s->tables[i];
    return NULL;
}

long mp_table_find_column_id(const struct mp_table *t, uint32_t id)
{
    for (size_t i = 0; id && i < t->ncols; i++)
        if (t->cols[i].id == id)
            return (long)i;
    return -1;
}

long mp_table_find_index_id(const struct mp_table *t, uint32_t id)
{
    for (size_t i = 0; id && i < t->nindexes; i++)
        if (t->indexes[i].id == id)
            return (long)i;
    return -1;
}

struct mp_table *mp_schema_add_table(struct mp_arena *a, struct mp_schema *s,
                                     const char *name)
{
    struct mp_table *t = mp_arena_alloc(a, sizeof *t);
    t->name = mp_arena_strdup(a, name);
    *MP_PUSH(a, s->tables, s->ntables, s->captables) = t;
    return t;
}

/* ---- the relation-name index ---- */

struct rel_entry {
    char *key;            /* the name, folded for the dialect */
    int count;            /* relations of that name (1 in a valid schema) */
    struct mp_table *table;
};

struct mp_relindex {
    enum mp_dialect d;
    void *root;           /* tsearch tree of struct rel_entry * */
    struct rel_entry **all;
    size_t n, cap;
};

static int rel_cmp(const void *x, const void *y)
{
    return strcmp(((const struct rel_entry *)x)->key, ((const struct rel_entry *)y)->key);
}

static char *rel_key(enum mp_dialect d, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    char *k = n < cap ? buf : malloc(n + 1);
    if (!k)
        mp_oom();
    for (size_t i = 0; i <= n; i++)
        k[i] = d == MP_SQLITE ? (char)tolower((unsigned char)name[i]) : name[i];
    return k;
}

static struct rel_entry *rel_find(const struct mp_relindex *x, const char *name)
{
    char buf[128];
    struct rel_entry probe = {.key = rel_key(x->d, name, buf, sizeof buf)};
    void *hit = tfind(&probe, &x->root, rel_cmp);
    if (probe.key != buf)
        free(probe.key);
    return hit ? *(struct rel_entry **)hit : NULL;
}

void mp_schema_rel_add(struct mp_schema *s, const char *name, struct mp_table *t)
{
    struct mp_relindex *x = s->rel;
    if (!x || !name)
        return;
    struct rel_entry *e = rel_find(x, name);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e)
            mp_oom();
        char buf[1];
        e->key = rel_key(x->d, name, buf, 0);
        if (!tsearch(e, &x->root, rel_cmp))
            mp_oom();
        if (x->n == x->cap) {
            x->cap = x->cap ? 2 * x->cap : 64;
            x->all = realloc(x->all, x->cap * sizeof *x->all);
            if (!x->all)
                mp_oom();
        }
        x->all[x->n++] = e;
    }
    e->count++;
    if (t)
        e->table = t;
}

void mp_schema_rel_del(struct mp_schema *s, const char *name)
{
    struct mp_relindex *x = s->rel;
    if (!x || !name)
        return;
    struct rel_entry *e = rel_find(x, name);
    if (e && e->count > 0 && --e->count == 0)
        e->table = NULL;
}

enum mp_dialect mp_schema_rel_dialect(const struct mp_schema *s)
{
    return s->rel ? s->rel->d : MP_SQLITE;
}

bool mp_schema_rel_lookup(const struct mp_schema *s, const char *name, bool *taken, struct mp_table **table)
{
    if (!s->rel)
        return false;
    struct rel_entry *e = rel_find(s->rel, name);
    if (taken)
        *taken = e && e->count > 0;
    if (table)
        *table = e && e->count > 0 ? e->table : NULL;
    return true;
}

void mp_schema_rel_table(struct mp_schema *s, struct mp_table *t, bool add)
{
    if (!s->rel)
        return;
    void (*f)(struct mp_schema *, const char *) = mp_schema_rel_del;
    if (add)
        mp_schema_rel_add(s, t->name, t);
    else
        f(s, t->name);
    for (size_t i = 0; i < t->nindexes; i++)
        add ? mp_schema_rel_add(s, t->indexes[i].name, NULL) : f(s, t->indexes[i].name);
    if (s->rel->d == MP_POSTGRES) {
        if (t->pk_name)
            add ? mp_schema_rel_add(s, t->pk_name, NULL) : f(s, t->pk_name);
        for (size_t i = 0; i < t->nuniques; i++)
            if (t->uniques[i].name)
                add ? mp_schema_rel_add(s, t->uniques[i].name, NULL) : f(s, t->uniques[i].name);
    }
}

void mp_schema_index_names(struct mp_schema *s, enum mp_dialect d)
{
    mp_schema_unindex_names(s);
    s->rel = calloc(1, sizeof *s->rel);
    if (!s->rel)
        mp_oom();
    s->rel->d = d;
    for (size_t i = 0; i < s->ntables; i++)
        mp_schema_rel_table(s, s->tables[i], true);
    for (size_t i = 0; i < s->nobjects; i++)
        if (mp_object_kind_is_relation(s->objects[i].kind) && mp_object_in(&s->objects[i], d))
            mp_schema_rel_add(s, s->objects[i].name, NULL);
}

void mp_schema_unindex_names(struct mp_schema *s)
{
    struct mp_relindex *x = s->rel;
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++) {
        tdelete(x->all[i], &x->root, rel_cmp);
        free(x->all[i]->key);
        free(x->all[i]);
    }
    free(x->all);
    free(x);
    s->rel = NULL;
}

struct mp_table *mp_schema_put_table(struct mp_arena *a, struct mp_schema *s,
                                     const struct mp_table *t)
{
    struct mp_table *c = mp_table_clone(a, t);
    *MP_PUSH(a, s->tables, s->ntables, s->captables) = c;
    mp_schema_rel_table(s, c, true);
    return c;
}

void mp_schema_remove_table(struct mp_schema *s, size_t i)
{
    mp_schema_rel_table(s, s->tables[i], false);
    memmove(&s->tables[i], &s->tables[i + 1], (s->ntables - i - 1) * sizeof s->tables[0]);
    s->ntables--;
}

long mp_schema_find_table(const struct mp_schema *s, enum mp_dialect d, const char *name)
{
    struct mp_table *t;
    if (s->rel && s->rel->d == d && mp_schema_rel_lookup(s, name, NULL, &t)) {
        if (!t)
            return -1;
        for (size_t i = 0; i < s->ntables; i++)
            if (s->tables[i] == t)
                return (long)i;
    }
    for (size_t i = 0; i < s->ntables; i++)
        if (mp_name_eq(d, s->tables[i]->name, name))
            return (long)i;
    return -1;
}

struct mp_table *mp_schema_table(const struct mp_schema *s, enum mp_dialect d,
                                 const char *name)
{
    long i = mp_schema_find_table(s, d, name);
    return i < 0 ? NULL : s->tables[i];
}

long mp_table_find_column(const struct mp_table *t, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (mp_name_eq(d, t->cols[i].name, name))
            return (long)i;
    return -1;
}

struct mp_column *mp_table_column(const struct mp_table *t, enum mp_dialect d,
                                  const char *name)
{
    long i = mp_table_find_column(t, d, name);
    return i < 0 ? NULL : &t->cols[i];
}

long mp_table_find_index(const struct mp_table *t, enum mp_dialect d, const char *name)
{
    for (size_t i = 0; i < t->nindexes; i++)
        if (mp_name_eq(d, t->indexes[i].name, name))
            return (long)i;
    return -1;
}

struct mp_table *mp_schema_index_owner(const struct mp_schema *s, enum mp_dialect d,
                                       const char *name, size_t *idx)
{
    for (size_t i = 0; i < s->ntables; i++) {
        long j = mp_table_find_index(s->tables[i], d, name);
        if (j >= 0) {
            if (idx)
                *idx = (size_t)j;
            return s->tables[i];
        }
    }
    return NULL;
}

struct mp_column *mp_table_add_column(struct mp_arena *a, struct mp_table *t,
                                      const char *name, struct mp_type type)
{
    struct mp_column *c = MP_PUSH(a, t->cols, t->ncols, t->capcols);
    c->name = mp_arena_strdup(a, name);
    c->type = type;
    return c;
}

struct mp_fk *mp_table_add_fk(struct mp_arena *a, struct mp_table *t)
{
    return MP_PUSH(a, t->fks, t->nfks, t->capfks);
}

struct mp_unique *mp_table_add_unique(struct mp_arena *a, struct mp_table *t)
{
    return MP_PUSH(a, t->uniques, t->nuniques, t->capuniques);
}

struct mp_index *mp_table_add_index(struct mp_arena *a, struct mp_table *t)
{
    return MP_PUSH(a, t->indexes, t->nindexes, t->capindexes);
}

/* Same set of names, any order (key column order does not matter for
 * uniqueness). */
static bool same_set(enum mp_dialect d, const struct mp_names *x, const struct mp_names *y)
{
    if (x->n != y->n || x->n == 0)
        return false;
    for (size_t i = 0; i < x->n; i++)
        if (!mp_names_contains(d, y, x->v[i]))
            return false;
    return true;
}

bool mp_table_has_unique_key(const struct mp_table *t, enum mp_dialect d,
                             const struct mp_names *cols)
{
    if (same_set(d, &t->pk, cols))
        return true;
    for (size_t i = 0; i < t->nuniques; i++)
        if (same_set(d, &t->uniques[i].cols, cols))
            return true;
    for (size_t i = 0; i < t->nindexes; i++)
        if (t->indexes[i].unique && mp_index_keys_plain(&t->indexes[i]) && same_set(d, &t->indexes[i].cols, cols))
            return true;
    return false;
}

/* ---- canonical form ---- */

void mp_names_sql(struct mp_buf *b, const struct mp_names *n)
{
    mp_buf_addc(b, '(');
    for (size_t i = 0; i < n->n; i++) {
        if (i)
            mp_buf_add(b, ", ");
        mp_buf_ident(b, n->v[i]);
    }
    mp_buf_addc(b, ')');
}

/* Defaults as the catalogs give them differ by dialect: PostgreSQL's
 * pg_get_expr() adds casts ('x'::text, 'x'::character varying) and spells
 * booleans lower-case.  The canonical default drops a cast that follows a
 * quoted literal, outer parentheses, and folds TRUE/FALSE/NULL. */
static void canonical_default(struct mp_buf *b, const char *d)
{
    size_t n = strlen(d);
    while (n >= 2 && d[0] == '(' && d[n - 1] == ')') {
        d++;
        n -= 2;
    }
    if (n && d[0] == '\'') {
        size_t i = 1;
        while (i < n) {
            if (d[i] == '\'') {
                if (i + 1 < n && d[i + 1] == '\'') {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i < n && i + 2 < n && d[i + 1] == ':' && d[i + 2] == ':')
            n = i + 1;
    }
    if ((n == 4 && strncasecmp(d, "true", 4) == 0) || (n == 5 && strncasecmp(d, "false", 5) == 0) ||
        (n == 4 && strncasecmp(d, "null", 4) == 0)) {
        for (size_t i = 0; i < n; i++)
            mp_buf_addc(b, (char)tolower((unsigned char)d[i]));
        return;
    }
    mp_buf_addn(b, d, n);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static int cmp_table(const void *x, const void *y)
{
    const struct mp_table *a = *(const struct mp_table *const *)x;
    const struct mp_table *b = *(const struct mp_table *const *)y;
    return strcmp(a->name, b->name);
}

static void constraint_name(struct mp_buf *b, const char *name, int flags)
{
    if ((flags & MP_CANON_NAMES) && name) {
        mp_buf_add(b, "constraint ");
        mp_buf_ident(b, name);
        mp_buf_addc(b, ' ');
    }
}

/* Lines of a group, rendered, sorted and appended. */
static void add_sorted(struct mp_buf *b, char **lines, size_t n)
{
    qsort(lines, n, sizeof *lines, cmp_str);
    for (size_t i = 0; i < n; i++) {
        mp_buf_add(b, lines[i]);
        free(lines[i]);
    }
    free(lines);
}

static char *take(struct mp_buf *t)
{
    char *s = t->s ? t->s : strdup("");
    if (!s)
        mp_oom();
    t->s = NULL;
    t->len = t->cap = 0;
    return s;
}

static int cmp_column(const void *x, const void *y)
{
    return strcmp((*(const struct mp_column *const *)x)->name, (*(const struct mp_column *const *)y)->name);
}

static void canonical_table(struct mp_buf *b, const struct mp_table *t, int flags)
{
    mp_buf_add(b, "table ");
    mp_buf_ident(b, t->name);
    mp_buf_addc(b, '\n');
    if (t->strict && !(flags & MP_CANON_PORTABLE))
        mp_buf_add(b, "  strict\n");
    if (t->without_rowid && !(flags & MP_CANON_PORTABLE))
        mp_buf_add(b, "  without rowid\n");
    const struct mp_column **order = malloc((t->ncols ? t->ncols : 1) * sizeof *order);
    if (!order)
        mp_oom();
    for (size_t i = 0; i < t->ncols; i++)
        order[i] = &t->cols[i];
    if (flags & MP_CANON_ANY_COLUMN_ORDER)
        qsort(order, t->ncols, sizeof *order, cmp_column);
    for (size_t i = 0; i < t->ncols; i++) {
        const struct mp_column *c = order[i];
        mp_buf_add(b, "  column ");
        mp_buf_ident(b, c->name);
        mp_buf_addc(b, ' ');
        mp_type_canonical(b, &c->type);
        if (c->not_null)
            mp_buf_add(b, " not null");
        mp_colfeat_canonical(b, c, flags);
        if (c->default_sql) {
            mp_buf_add(b, " default ");
            canonical_default(b, c->default_sql);
        }
        mp_colfeat_canonical_generated(b, c);
        mp_buf_addc(b, '\n');
    }
    free(order);
    if (t->pk.n) {
        mp_buf_add(b, "  ");
        constraint_name(b, t->pk_name, flags);
        mp_buf_add(b, "primary key ");
        mp_names_sql(b, &t->pk);
        mp_buf_addc(b, '\n');
    }
    size_t n = t->nuniques + t->nfks + t->nindexes;
    char **lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines)
        mp_oom();
    struct mp_buf tmp = {0};
    for (size_t i = 0; i < t->nuniques; i++) {
        mp_buf_add(&tmp, "  ");
        constraint_name(&tmp, t->uniques[i].name, flags);
        mp_buf_add(&tmp, "unique ");
        mp_names_sql(&tmp, &t->uniques[i].cols);
        mp_buf_addc(&tmp, '\n');
        lines[i] = take(&tmp);
    }
    add_sorted(b, lines, t->nuniques);
    mp_table_canonical_checks(b, t, flags);
    lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines)
        mp_oom();
    for (size_t i = 0; i < t->nfks; i++) {
        const struct mp_fk *f = &t->fks[i];
        mp_buf_add(&tmp, "  ");
        constraint_name(&tmp, f->name, flags);
        mp_buf_add(&tmp, "foreign key ");
        mp_names_sql(&tmp, &f->cols);
        mp_buf_add(&tmp, " references ");
        mp_buf_ident(&tmp, f->ref_table);
        mp_buf_addc(&tmp, ' ');
        mp_names_sql(&tmp, &f->ref_cols);
        if (f->on_delete != MP_FK_NO_ACTION) {
            mp_buf_add(&tmp, " on delete ");
            const char *act = mp_fk_action_sql(f->on_delete);
            for (const char *p = act; *p; p++)
                mp_buf_addc(&tmp, (char)tolower((unsigned char)*p));
        }
        if (f->on_update != MP_FK_NO_ACTION) {
            mp_buf_add(&tmp, " on update ");
            for (const char *p = mp_fk_action_sql(f->on_update); *p; p++)
                mp_buf_addc(&tmp, (char)tolower((unsigned char)*p));
        }
        if (f->match_full)
            mp_buf_add(&tmp, " match full");
        if (f->deferrable)
            mp_buf_add(&tmp, f->initially_deferred ? " deferrable initially deferred" : " deferrable");
        mp_buf_addc(&tmp, '\n');
        lines[i] = take(&tmp);
    }
    add_sorted(b, lines, t->nfks);
    lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines)
        mp_oom();
    for (size_t i = 0; i < t->nindexes; i++) {
        const struct mp_index *x = &t->indexes[i];
        mp_buf_add(&tmp, x->unique ? "  unique index " : "  index ");
        mp_buf_ident(&tmp, x->name);
        mp_buf_addc(&tmp, ' ');
        mp_index_canonical_ex(&tmp, x, flags & MP_CANON_PORTABLE);
        mp_buf_addc(&tmp, '\n');
        lines[i] = take(&tmp);
    }
    add_sorted(b, lines, t->nindexes);
    mp_buf_free(&tmp);
}

/* The unmodelled objects, sorted, one "# not modelled: " line each. */
static void canonical_unmodelled(struct mp_buf *b, const struct mp_schema *s)
{
    if (!s->nunmodelled)
        return;
    const char **v = malloc(s->nunmodelled * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < s->nunmodelled; i++)
        v[i] = s->unmodelled[i].what;
    qsort(v, s->nunmodelled, sizeof *v, cmp_str);
    for (size_t i = 0; i < s->nunmodelled; i++)
        mp_buf_printf(b, "# not modelled: %s\n", v[i]);
    free(v);
}

static const struct mp_table **sorted_tables(const struct mp_schema *s)
{
    const struct mp_table **v = malloc((s->ntables + 1) * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < s->ntables; i++)
        v[i] = s->tables[i];
    qsort(v, s->ntables, sizeof *v, cmp_table);
    return v;
}

static int cmp_seq(const void *x, const void *y)
{
    return strcmp((*(const struct mp_sequence *const *)x)->name, (*(const struct mp_sequence *const *)y)->name);
}

/* The standalone sequences, sorted by name, one line each. */
static void canonical_sequences(struct mp_buf *b, const struct mp_schema *s, int flags)
{
    if (!s->nseqs || (flags & MP_CANON_PORTABLE))
        return;
    const struct mp_sequence **v = malloc(s->nseqs * sizeof *v);
    if (!v)
        mp_oom();
    for (size_t i = 0; i < s->nseqs; i++)
        v[i] = &s->seqs[i];
    qsort(v, s->nseqs, sizeof *v, cmp_seq);
    for (size_t i = 0; i < s->nseqs; i++)
        mp_sequence_canonical(b, v[i]);
    free(v);
}

void mp_schema_canonical(struct mp_buf *b, const struct mp_schema *s, int flags)
{
    const struct mp_table **v = sorted_tables(s);
    for (size_t i = 0; i < s->ntables; i++)
        canonical_table(b, v[i], flags);
    free(v);
    mp_types_canonical(b, s, flags);
    canonical_sequences(b, s, flags);
    mp_objects_canonical(b, s, flags);
    canonical_unmodelled(b, s);
}

/* ---- diff ---- */

struct lines {
    const char **v;
    size_t n;
};

static struct lines split_lines(char *text)
{
    struct lines l = {0};
    size_t cap = 0;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (l.n == cap) {
            cap = cap ? cap * 2 : 16;
            l.v = realloc(l.v, cap * sizeof *l.v);
            if (!l.v)
                mp_oom();
        }
        l.v[l.n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return l;
}

/* Longest-common-subsequence line diff (tables are small: tens of lines). */
static size_t diff_lines(struct mp_buf *b, char *x_text, char *y_text)
{
    struct lines x = split_lines(x_text), y = split_lines(y_text);
    size_t w = y.n + 1;
    unsigned *L = calloc((x.n + 1) * w, sizeof *L);
    if (!L)
        mp_oom();
    for (size_t i = x.n; i-- > 0;)
        for (size_t j = y.n; j-- > 0;)
            L[i * w + j] = strcmp(x.v[i], y.v[j]) == 0
                               ? L[(i + 1) * w + j + 1] + 1
                               : (L[(i + 1) * w + j] > L[i * w + j + 1] ? L[(i + 1) * w + j]
                                                                         : L[i * w + j + 1]);
    size_t i = 0, j = 0, changed = 0;
    while (i < x.n || j < y.n) {
        if (i < x.n && j < y.n && strcmp(x.v[i], y.v[j]) == 0) {
            mp_buf_printf(b, "  %s\n", x.v[i]);
            i++, j++;
        } else if (j < y.n && (i == x.n || L[i * w + j + 1] >= L[(i + 1) * w + j])) {
            mp_buf_printf(b, "+ %s\n", y.v[j++]);
            changed++;
        } else {
            mp_buf_printf(b, "- %s\n", x.v[i++]);
            changed++;
        }
    }
    free(L);
    free(x.v);
    free(y.v);
    return changed;
}

size_t mp_schema_diff(struct mp_buf *b, const struct mp_schema *want,
                      const struct mp_schema *got)
{
    return mp_schema_diff_ex(b, want, got, 0);
}

size_t mp_schema_diff_ex(struct mp_buf *b, const struct mp_schema *want,
                         const struct mp_schema *got, int flags)
{
    if (want->has_dialect && got->has_dialect && want->dialect != got->dialect)
        flags |= MP_CANON_PORTABLE;
    bool project = false;
    if (!want->has_dialect && got->has_dialect) {
        project = (got->dialect == MP_SQLITE && want->nseqs) || mp_schema_has_dialect_objects(want);
        for (size_t i = 0; i < want->ntables && !project; i++)
            project = mp_table_has_features(want->tables[i]);
    }
    if (project) {
        struct mp_arena *pa = mp_arena_new();
        struct mp_schema *p = mp_schema_clone(pa, want);
        for (size_t i = 0; i < p->ntables; i++)
            mp_table_project(p->tables[i], got->dialect);
        if (got->dialect == MP_SQLITE)
            p->nseqs = 0; /* SQLite has no sequences */
        mp_schema_project_objects(p, got->dialect);
        p->has_dialect = true;
        p->dialect = got->dialect;
        size_t n = mp_schema_diff_ex(b, p, got, flags);
        mp_arena_free(pa);
        return n;
    }
    const struct mp_table **x = sorted_tables(want), **y = sorted_tables(got);
    size_t i = 0, j = 0, changed = 0;
    struct mp_buf tx = {0}, ty = {0};
    while (i < want->ntables || j < got->ntables) {
        int c = i == want->ntables ? 1 : j == got->ntables ? -1 : strcmp(x[i]->name, y[j]->name);
        mp_buf_reset(&tx);
        mp_buf_reset(&ty);
        if (c <= 0)
            canonical_table(&tx, x[i++], flags);
        if (c >= 0)
            canonical_table(&ty, y[j++], flags);
        if (strcmp(mp_buf_str(&tx), mp_buf_str(&ty)) == 0)
            continue;
        if (tx.s == NULL)
            mp_buf_add(&tx, "");
        if (ty.s == NULL)
            mp_buf_add(&ty, "");
        changed += diff_lines(b, tx.s, ty.s);
    }
    /* schema-level objects by their canonical lines; objects the model
     * cannot hold by their descriptions: never "equal" while they differ */
    mp_buf_reset(&tx);
    mp_buf_reset(&ty);
    mp_types_canonical(&tx, want, flags);
    mp_types_canonical(&ty, got, flags);
    canonical_sequences(&tx, want, flags);
    canonical_sequences(&ty, got, flags);
    mp_objects_canonical(&tx, want, flags & MP_CANON_PORTABLE);
    mp_objects_canonical(&ty, got, flags & MP_CANON_PORTABLE);
    canonical_unmodelled(&tx, want);
    canonical_unmodelled(&ty, got);
    if (strcmp(mp_buf_str(&tx), mp_buf_str(&ty)) != 0) {
        if (tx.s == NULL)
            mp_buf_add(&tx, "");
        if (ty.s == NULL)
            mp_buf_add(&ty, "");
        changed += diff_lines(b, tx.s, ty.s);
    }
    mp_buf_free(&tx);
    mp_buf_free(&ty);
    free(x);
    free(y);
    return changed;
}

bool mp_type_eq(const struct mp_type *x, const struct mp_type *y)
{
    if (x->kind != y->kind)
        return false;
    switch (x->kind) {
    case MP_TYPE_VARCHAR: return x->len == y->len;
    case MP_TYPE_NUMERIC: return x->precision == y->precision && x->scale == y->scale;
    case MP_TYPE_RAW: return strcmp(x->raw ? x->raw : "", y->raw ? y->raw : "") == 0;
    default: return true;
    }
}

bool mp_type_widens(const struct mp_type *from, const struct mp_type *to)
{
    if (mp_type_eq(from, to))
        return true;
    switch (from->kind) {
    case MP_TYPE_INTEGER:
        return to->kind == MP_TYPE_BIGINT || (to->kind == MP_TYPE_NUMERIC && to->precision - to->scale >= 10);
    case MP_TYPE_BIGINT:
        return to->kind == MP_TYPE_NUMERIC && to->precision - to->scale >= 19;
    case MP_TYPE_NUMERIC:
        return to->kind == MP_TYPE_NUMERIC && to->scale >= from->scale &&
               to->precision - to->scale >= from->precision - from->scale;
    case MP_TYPE_VARCHAR:
        return to->kind == MP_TYPE_TEXT || (to->kind == MP_TYPE_VARCHAR && to->len >= from->len);
    default:
        return false;
    }
}

static bool has_word(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++)
        if (strncasecmp(s, w, n) == 0)
            return true;
    return false;
}

/* SQLite "Datatypes In SQLite" 3.1, rules 1 and 2 */
static bool sqlite_text_affinity(const struct mp_type *t)
{
    if (t->kind == MP_TYPE_TEXT || t->kind == MP_TYPE_VARCHAR)
        return true;
    if (t->kind != MP_TYPE_RAW || !t->raw || has_word(t->raw, "INT"))
        return false;
    return has_word(t->raw, "CHAR") || has_word(t->raw, "CLOB") || has_word(t->raw, "TEXT");
}

bool mp_type_widens_in(enum mp_dialect d, const struct mp_type *from, const struct mp_type *to)
{
    if (mp_type_widens(from, to) || (d == MP_POSTGRES && mp_type_widens_pg(from, to)))
        return true;
    return d == MP_SQLITE && (from->kind == MP_TYPE_RAW || to->kind == MP_TYPE_RAW) && sqlite_text_affinity(from) &&
           sqlite_text_affinity(to);
}

bool mp_default_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    struct mp_buf p = {0}, q = {0};
    canonical_default(&p, x);
    canonical_default(&q, y);
    bool eq = strcmp(mp_buf_str(&p), mp_buf_str(&q)) == 0;
    mp_buf_free(&p);
    mp_buf_free(&q);
    return eq;
}

bool mp_table_column_in_unique_key(const struct mp_table *t, enum mp_dialect d, const char *col)
{
    if (mp_names_contains(d, &t->pk, col))
        return true;
    for (size_t i = 0; i < t->nuniques; i++)
        if (mp_names_contains(d, &t->uniques[i].cols, col))
            return true;
    for (size_t i = 0; i < t->nindexes; i++)
        if (t->indexes[i].unique && mp_index_keys_plain(&t->indexes[i]) && mp_names_contains(d, &t->indexes[i].cols, col))
            return true;
    return false;
}

static void rename_in_names(struct mp_names *n, const char *old, const char *to)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->v[i], old) == 0)
            n->v[i] = to;
}

void mp_schema_rename_column_refs(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, const char *old,
                                  const char *to)
{
    rename_in_names(&t->pk, old, to);
    for (size_t i = 0; i < t->nuniques; i++)
        rename_in_names(&t->uniques[i].cols, old, to);
    for (size_t i = 0; i < t->nindexes; i++) {
        if (t->indexes[i].keys || t->indexes[i].where || t->indexes[i].include.n)
            mp_index_translate(a, MP_POSTGRES, &t->indexes[i], 1, &old, &to);
        else
            rename_in_names(&t->indexes[i].cols, old, to);
    }
    for (size_t i = 0; i < t->nchecks; i++)
        if (mp_expr_uses(MP_POSTGRES, t->checks[i].expr, old))
            t->checks[i].expr = mp_expr_rename(a, MP_POSTGRES, t->checks[i].expr, old, to);
    for (size_t i = 0; i < t->nfks; i++)
        rename_in_names(&t->fks[i].cols, old, to);
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t j = 0; j < s->tables[i]->nfks; j++)
            if (strcmp(s->tables[i]->fks[j].ref_table, t->name) == 0)
                rename_in_names(&s->tables[i]->fks[j].ref_cols, old, to);
}
