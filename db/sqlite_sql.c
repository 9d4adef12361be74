/* sqlite_sql.c - column and foreign-key features from SQLite's stored
 * CREATE TABLE text (sqlite_sql.h). */
#include "sqlite_sql.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool mp_sqlite_is_word(const char *p, const char *e, const char *w)
{
    return (size_t)(e - p) == strlen(w) && strncasecmp(p, w, (size_t)(e - p)) == 0;
}

/* Past white space and comments. */
const char *mp_sqlite_skip_space(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*'))
            p = mp_sql_token_end(p);
        else
            return p;
    }
}

/* The identifier the token [p, e) spells, unquoted, in `a`. */
static const char *unquote(struct mp_arena *a, const char *p, const char *e)
{
    char q = *p == '[' ? ']' : *p;
    if (q != '"' && q != '`' && q != ']' && q != '\'')
        return mp_arena_strndup(a, p, (size_t)(e - p));
    struct mp_buf b = {0};
    for (const char *r = p + 1; r < e - 1; r++) {
        mp_buf_addc(&b, *r);
        if (*r == q && q != ']' && r + 1 < e - 1 && r[1] == q)
            r++;
    }
    const char *s = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return s;
}

struct cursor {
    const char *p; /* the current token */
    const char *e; /* its end */
};

static void next(struct cursor *c)
{
    c->p = mp_sqlite_skip_space(c->e);
    c->e = *c->p ? mp_sql_token_end(c->p) : c->p;
}

static bool at(const struct cursor *c, const char *w)
{
    return mp_sqlite_is_word(c->p, c->e, w);
}

/* At '(': move past the matching ')'; returns the text between them. */
static const char *group(struct mp_arena *a, struct cursor *c)
{
    const char *start = c->e;
    int depth = 0;
    const char *last = start;
    do {
        if (*c->p == '(')
            depth++;
        else if (*c->p == ')')
            depth--;
        last = c->p;
        next(c);
    } while (*c->p && depth > 0);
    const char *s = start, *e = depth == 0 ? last : c->p;
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    return mp_arena_strndup(a, s, (size_t)(e - s));
}

/* A parsed REFERENCES clause and the options the model keeps. */
struct fk_clause {
    struct mp_names cols;
    const char *ref_table;
    bool deferrable, initially_deferred, match_full;
};

/* At REFERENCES: the table, and the clause's options up to the end of
 * the item (a column definition or a table constraint). */
static void references(struct mp_arena *a, struct cursor *c, struct fk_clause *f)
{
    next(c);
    f->ref_table = unquote(a, c->p, c->e);
    next(c);
    if (*c->p == '(')
        group(a, c);
    while (*c->p && *c->p != ',' && *c->p != ')') {
        if (at(c, "MATCH")) {
            next(c);
            f->match_full = at(c, "FULL");
        } else if (at(c, "NOT")) {
            next(c); /* NOT DEFERRABLE: the default */
            if (at(c, "DEFERRABLE")) {
                next(c);
                continue;
            }
            return;
        } else if (at(c, "DEFERRABLE")) {
            f->deferrable = true;
        } else if (at(c, "INITIALLY")) {
            next(c);
            f->initially_deferred = at(c, "DEFERRED");
        } else if (at(c, "ON")) {
            next(c); /* ON DELETE|UPDATE action: the pragma has them */
        } else if (*c->p == '(') {
            group(a, c);
            continue;
        } else if (!at(c, "CASCADE") && !at(c, "RESTRICT") && !at(c, "SET") && !at(c, "NULL") &&
                   !at(c, "DEFAULT") && !at(c, "NO") && !at(c, "ACTION") && !at(c, "DELETE") &&
                   !at(c, "UPDATE")) {
            return; /* the next column constraint */
        }
        next(c);
    }
}

static void apply_fk(struct mp_table *t, const struct fk_clause *f)
{
    for (size_t i = 0; i < t->nfks; i++) {
        struct mp_fk *k = &t->fks[i];
        if (mp_names_eq(MP_SQLITE, &k->cols, &f->cols) && mp_name_eq(MP_SQLITE, k->ref_table, f->ref_table)) {
            k->deferrable = f->deferrable;
            k->initially_deferred = f->deferrable && f->initially_deferred;
            k->match_full = f->match_full;
        }
    }
}

/* A column's collation as the model keeps it: SQLite's built-in names
 * (compared case-insensitively, "Datatypes In SQLite" 7.1) upper-case,
 * BINARY (the default) as none. */
static const char *collation_name(struct mp_arena *a, const char *name)
{
    if (strcasecmp(name, "BINARY") == 0)
        return NULL;
    if (strcasecmp(name, "NOCASE") == 0 || strcasecmp(name, "RTRIM") == 0) {
        char *u = mp_arena_strdup(a, name);
        for (char *p = u; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        return u;
    }
    return name;
}

/* One column definition, the cursor on its name. */
static void column_def(struct mp_arena *a, struct mp_table *t, struct cursor *c)
{
    const char *name = unquote(a, c->p, c->e);
    struct mp_column *col = mp_table_column(t, MP_SQLITE, name);
    next(c);
    while (*c->p && *c->p != ',' && *c->p != ')') {
        if (*c->p == '(') {
            group(a, c); /* type arguments, a DEFAULT or CHECK expression */
            continue;
        }
        if (at(c, "COLLATE")) {
            next(c);
            if (col)
                col->feat.collation = collation_name(a, unquote(a, c->p, c->e));
        } else if (at(c, "AUTOINCREMENT")) {
            if (col)
                col->feat.autoincrement = true;
        } else if (at(c, "AS")) {
            next(c);
            if (*c->p == '(') {
                const char *e = group(a, c);
                if (col)
                    col->feat.generated_sql = e;
                continue;
            }
        } else if (at(c, "REFERENCES")) {
            struct fk_clause f = {.cols = mp_names_make(a, 1, &name)};
            references(a, c, &f);
            apply_fk(t, &f);
            continue;
        }
        next(c);
    }
}

/* One table constraint, the cursor on its first word. */
static void table_constraint(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, struct cursor *c)
{
    while (*c->p && *c->p != ',' && *c->p != ')') {
        if (at(c, "FOREIGN")) {
            next(c); /* KEY */
            next(c);
            struct fk_clause f = {0};
            if (*c->p == '(') {
                struct cursor in = *c;
                const char *list = group(a, c);
                (void)list;
                const char **v = NULL;
                size_t n = 0, cap = 0;
                for (next(&in); *in.p && *in.p != ')'; next(&in))
                    if (*in.p != ',')
                        *MP_PUSH(a, v, n, cap) = unquote(a, in.p, in.e);
                f.cols.v = v;
                f.cols.n = n;
            }
            if (at(c, "REFERENCES")) {
                references(a, c, &f);
                apply_fk(t, &f);
            }
            continue;
        }
        if (*c->p == '(') {
            struct cursor in = *c;
            group(a, c);
            /* a COLLATE on a key column: the model keeps key columns by name */
            for (next(&in); *in.p && in.p < c->p; next(&in))
                if (at(&in, "COLLATE")) {
                    next(&in);
                    mp_schema_note_unmodelled(a, s, t->name, "table %s: COLLATE %.*s in a key constraint", t->name,
                                              (int)(in.e - in.p), in.p);
                }
            continue;
        }
        next(c);
    }
}

void mp_sqlite_read_features(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, const char *sql)
{
    struct cursor c = {.e = sql};
    next(&c);
    /* CREATE [TEMP] TABLE [IF NOT EXISTS] name ( */
    while (*c.p && *c.p != '(')
        next(&c);
    if (!*c.p)
        return;
    next(&c);
    while (*c.p && *c.p != ')') {
        if (at(&c, "CONSTRAINT") || at(&c, "PRIMARY") || at(&c, "UNIQUE") || at(&c, "CHECK") || at(&c, "FOREIGN"))
            table_constraint(a, s, t, &c);
        else
            column_def(a, t, &c);
        if (*c.p == ',')
            next(&c);
    }
}
