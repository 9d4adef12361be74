/* lint_sqlite.c - lint's SQLite extractor: a shadow database that replays
 * the history and prepares each statement of the next migration, and a
 * light token scan of the DDL for what each migration creates. */
#include "lintfacts.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sqlscan.h"

/* ---- tokens ---- */

struct tok {
    const char *v;  /* identifier (lower case, unquoted), keyword, or one punctuation char */
    bool ident;     /* a name: bare word or quoted identifier */
    bool quoted;
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

static void tokenize(struct mp_arena *a, const char *s, size_t n, struct toks *out)
{
    size_t i = 0;
    while (i < n) {
        char ch = s[i];
        if (isspace((unsigned char)ch)) {
            i++;
        } else if (ch == '-' && i + 1 < n && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (ch == '/' && i + 1 < n && s[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
                i++;
            i += 2;
        } else if (ch == '\'') {
            for (i++; i < n; i++)
                if (s[i] == '\'' && !(i + 1 < n && s[i + 1] == '\'' && ++i))
                    break;
            i++;
            struct tok *t = MP_PUSH(a, out->v, out->n, out->cap);
            t->v = "'";
        } else if (ch == '"' || ch == '`' || ch == '[') {
            /* a doubled quote inside is one quote character ("a""b" is a"b) */
            char close = ch == '[' ? ']' : ch;
            struct mp_buf id = {0};
            for (i++; i < n; i++) {
                if (s[i] == close && !(close != ']' && i + 1 < n && s[i + 1] == close))
                    break;
                if (s[i] == close)
                    i++;
                mp_buf_addc(&id, (char)tolower((unsigned char)s[i]));
            }
            struct tok *t = MP_PUSH(a, out->v, out->n, out->cap);
            t->v = mp_arena_strdup(a, mp_buf_str(&id));
            mp_buf_free(&id);
            t->ident = t->quoted = true;
            i++;
        } else if (isalnum((unsigned char)ch) || ch == '_' || (unsigned char)ch >= 0x80) {
            size_t st = i;
            while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '$' || (unsigned char)s[i] >= 0x80))
                i++;
            struct tok *t = MP_PUSH(a, out->v, out->n, out->cap);
            char *v = mp_arena_strndup(a, s + st, i - st);
            for (char *p = v; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            t->v = v;
            t->ident = !isdigit((unsigned char)ch);
        } else {
            struct tok *t = MP_PUSH(a, out->v, out->n, out->cap);
            t->v = mp_arena_strndup(a, s + i, 1);
            i++;
        }
    }
}

struct scan {
    struct mp_lint_ctx *c;
    size_t mig;
    long line;
    struct toks t;
    size_t i;
};

static bool is(struct scan *s, size_t k, const char *kw)
{
    return k < s->t.n && !s->t.v[k].quoted && strcmp(s->t.v[k].v, kw) == 0;
}

static bool accept(struct scan *s, const char *kw)
{
    if (!is(s, s->i, kw))
        return false;
    s->i++;
    return true;
}

/* A possibly schema-qualified name at the cursor: the last part. */
static const char *name_at(struct scan *s)
{
    if (s->i >= s->t.n || !s->t.v[s->i].ident)
        return NULL;
    const char *n = s->t.v[s->i++].v;
    while (s->i + 1 < s->t.n && strcmp(s->t.v[s->i].v, ".") == 0 && s->t.v[s->i + 1].ident) {
        n = s->t.v[s->i + 1].v;
        s->i += 2;
    }
    return n;
}

static struct mp_lint_fact *fact(struct scan *s, enum mp_lint_act act, enum mp_lint_obj obj, const char *name)
{
    return mp_lint_fact_add(s->c, s->mig, act, obj, name, s->line);
}

static const char *col(struct scan *s, const char *table, const char *name)
{
    return mp_arena_printf(s->c->a, "%s.%s", table, name);
}

static void skip_if_exists(struct scan *s)
{
    if (is(s, s->i, "if") && is(s, s->i + 1, "not") && is(s, s->i + 2, "exists"))
        s->i += 3;
    else if (is(s, s->i, "if") && is(s, s->i + 1, "exists"))
        s->i += 2;
}

/* REFERENCES t [(a, b)] from the cursor (just past REFERENCES). */
/* SQLite checks a foreign key's parent only when rows change ("SQLite
 * Foreign Key Support", 3. Required and Suggested Database Indexes: errors
 * in the parent key are reported at DML time), so REFERENCES to a table
 * created later, or mutual references, are no error: the facts are
 * dependencies only when the parent exists (nocheck), though lint's order
 * puts parents first where it can (parent): the runner's foreign-key check
 * after a migration that rebuilds tables wants them. */
static void references(struct scan *s)
{
    const char *t = name_at(s);
    if (!t)
        return;
    struct mp_lint_fact *f = fact(s, MP_LA_REF, MP_LO_TABLE, t);
    f->nocheck = f->parent = true;
    if (!accept(s, "("))
        return;
    while (s->i < s->t.n && !is(s, s->i, ")")) {
        if (s->t.v[s->i].ident) {
            f = fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, t, s->t.v[s->i].v));
            f->nocheck = f->parent = true;
        }
        s->i++;
    }
}

/* Every FROM / JOIN / INTO / UPDATE target from the cursor to the end. */
static void table_refs(struct scan *s)
{
    for (; s->i < s->t.n; s->i++)
        if (is(s, s->i, "from") || is(s, s->i, "join") || is(s, s->i, "into") || is(s, s->i, "update")) {
            s->i++;
            const char *t = name_at(s);
            if (t && strncmp(t, "sqlite_", 7) != 0 && !is(s, s->i - 1, "select"))
                fact(s, MP_LA_REF, MP_LO_TABLE, t);
            s->i--;
        }
}

static bool constraint_word(struct scan *s, size_t k)
{
    return is(s, k, "constraint") || is(s, k, "primary") || is(s, k, "unique") || is(s, k, "check") ||
           is(s, k, "foreign");
}

/* One column definition or table constraint, up to the comma or ')' that
 * ends it at depth 0. */
static void table_element(struct scan *s, const char *table)
{
    if (!constraint_word(s, s->i) && s->i < s->t.n && s->t.v[s->i].ident)
        fact(s, MP_LA_CREATE, MP_LO_COLUMN, col(s, table, s->t.v[s->i].v));
    /* FOREIGN KEY (a, b): the table's own columns the key is built on (SQLite
     * refuses to drop them: lint's order drops the key first) */
    size_t k = s->i;
    if (is(s, k, "constraint"))
        k += 2;
    if (is(s, k, "foreign") && is(s, k + 1, "key") && k + 2 < s->t.n && strcmp(s->t.v[k + 2].v, "(") == 0)
        for (k += 3; k < s->t.n && strcmp(s->t.v[k].v, ")") != 0; k++)
            if (s->t.v[k].ident)
                fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, table, s->t.v[k].v));
    int depth = 0;
    for (; s->i < s->t.n; s->i++) {
        const char *v = s->t.v[s->i].v;
        if (strcmp(v, "(") == 0)
            depth++;
        else if (strcmp(v, ")") == 0 && depth-- == 0)
            return;
        else if (strcmp(v, ",") == 0 && depth == 0)
            return;
        else if (is(s, s->i, "references")) {
            s->i++;
            references(s);
            if (s->i < s->t.n && strcmp(s->t.v[s->i].v, ")") == 0 && depth > 0)
                depth--;
        }
    }
}

static void create_table(struct scan *s)
{
    bool if_not_exists = is(s, s->i, "if");
    skip_if_exists(s);
    const char *t = name_at(s);
    if (!t)
        return;
    if (accept(s, "as")) {
        table_refs(s);
        struct mp_lint_fact *f = fact(s, MP_LA_CREATE, MP_LO_TABLE, t);
        f->opaque = true;
        f->nocheck = if_not_exists;
        return;
    }
    size_t created = s->c->migs[s->mig].n;
    fact(s, MP_LA_CREATE, MP_LO_TABLE, t)->nocheck = if_not_exists;
    if (!accept(s, "("))
        return;
    while (s->i < s->t.n) {
        table_element(s, t);
        if (s->i >= s->t.n || strcmp(s->t.v[s->i].v, ")") == 0)
            break;
        s->i++; /* the comma */
    }
    /* the table options after the elements: STRICT, WITHOUT ROWID */
    for (size_t k = s->i + 1; k < s->t.n; k++)
        if (is(s, k, "strict"))
            s->c->migs[s->mig].f[created].strict = true;
}

/* May a STRICT table hold a column of the type at the cursor ("STRICT
 * Tables", 2: INT, INTEGER, REAL, TEXT, BLOB or ANY, and no column without
 * one)? */
static bool strict_type(struct scan *s)
{
    static const char *const ok[] = {"int", "integer", "real", "text", "blob", "any"};
    bool more = s->i + 1 >= s->t.n || !s->t.v[s->i + 1].ident || constraint_word(s, s->i + 1) ||
                is(s, s->i + 1, "not") || is(s, s->i + 1, "default") || is(s, s->i + 1, "references") ||
                is(s, s->i + 1, "collate") || is(s, s->i + 1, "generated") || is(s, s->i + 1, "as") ||
                is(s, s->i + 1, "null");
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++)
        if (is(s, s->i, ok[k]) && more)
            return true;
    return false;
}

static void create_index(struct scan *s)
{
    bool if_not_exists = is(s, s->i, "if");
    skip_if_exists(s);
    const char *idx = name_at(s);
    if (!idx || !accept(s, "on"))
        return;
    const char *t = name_at(s);
    if (!t)
        return;
    fact(s, MP_LA_REF, MP_LO_TABLE, t);
    if (accept(s, "(")) {
        int depth = 0;
        bool start = true;
        for (; s->i < s->t.n; s->i++) {
            const char *v = s->t.v[s->i].v;
            if (strcmp(v, "(") == 0)
                depth++;
            else if (strcmp(v, ")") == 0 && depth-- == 0)
                break;
            else if (strcmp(v, ",") == 0 && depth == 0)
                start = true;
            else if (start && depth == 0 && s->t.v[s->i].ident && !is(s, s->i + 1, "(")) {
                fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, t, v));
                start = false;
            } else {
                start = false;
            }
        }
    }
    fact(s, MP_LA_CREATE, MP_LO_INDEX, idx)->nocheck = if_not_exists;
}

static void alter_table(struct scan *s)
{
    const char *t = name_at(s);
    if (!t)
        return;
    fact(s, MP_LA_REF, MP_LO_TABLE, t);
    if (accept(s, "rename")) {
        if (accept(s, "to")) {
            const char *nn = name_at(s);
            if (nn)
                fact(s, MP_LA_RENAME, MP_LO_TABLE, t)->new_name = nn;
            return;
        }
        accept(s, "column");
        const char *from = name_at(s);
        if (from && accept(s, "to")) {
            const char *to = name_at(s);
            if (to)
                fact(s, MP_LA_RENAME, MP_LO_COLUMN, col(s, t, from))->new_name = col(s, t, to);
        }
    } else if (accept(s, "add")) {
        accept(s, "column");
        const char *c = name_at(s);
        if (!c)
            return;
        fact(s, MP_LA_CREATE, MP_LO_COLUMN, col(s, t, c))->loose_type = !strict_type(s);
        for (; s->i < s->t.n; s->i++)
            if (is(s, s->i, "references")) {
                s->i++;
                references(s);
            }
    } else if (accept(s, "drop")) {
        accept(s, "column");
        const char *c = name_at(s);
        if (!c)
            return;
        struct mp_lint_fact *w = fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, t, c));
        w->note = true;
        w->warn_when = MP_WHEN_PRESENT;
        w->warn_code = "destructive";
        w->warn_msg = mp_arena_printf(s->c->a, "DROP COLUMN \"%s\".\"%s\" deletes its data", t, c);
        fact(s, MP_LA_DROP, MP_LO_COLUMN, col(s, t, c));
    }
}

static void drop(struct scan *s)
{
    enum mp_lint_obj o;
    if (accept(s, "table"))
        o = MP_LO_TABLE;
    else if (accept(s, "index"))
        o = MP_LO_INDEX;
    else if (accept(s, "view"))
        o = MP_LO_VIEW;
    else if (accept(s, "trigger"))
        o = MP_LO_TRIGGER;
    else
        return;
    bool if_exists = is(s, s->i, "if");
    skip_if_exists(s);
    const char *n = name_at(s);
    if (!n)
        return;
    if (o == MP_LO_TABLE) {
        struct mp_lint_fact *w = fact(s, MP_LA_REF, MP_LO_TABLE, n);
        w->note = true;
        w->nocheck = if_exists;
        w->warn_when = MP_WHEN_PRESENT;
        w->warn_code = "destructive";
        w->warn_msg = mp_arena_printf(s->c->a, "DROP TABLE \"%s\" deletes the table and its data", n);
    }
    fact(s, MP_LA_DROP, o, n)->nocheck = if_exists;
}

/* INSERT INTO x [(cols)] SELECT a, b FROM t (a table rebuild's copy, SQLite
 * "ALTER TABLE", 7. Making Other Kinds Of Table Schema Changes): the
 * columns of t it reads.  Other SELECTs are left to the shadow database. */
static void insert_select(struct scan *s)
{
    if (!accept(s, "into") || !name_at(s))
        return;
    if (accept(s, "("))
        while (s->i < s->t.n && !is(s, s->i++, ")"))
            ;
    if (!accept(s, "select"))
        return;
    size_t from = s->i, end;
    while (s->i < s->t.n && !is(s, s->i, "from")) {
        if (!s->t.v[s->i].ident || (s->i + 1 < s->t.n && !is(s, s->i + 1, ",") && !is(s, s->i + 1, "from")))
            return; /* not a plain column list */
        s->i++;
        if (is(s, s->i, ","))
            s->i++;
    }
    end = s->i;
    if (!accept(s, "from"))
        return;
    const char *t = name_at(s);
    if (!t || (s->i < s->t.n && strcmp(s->t.v[s->i].v, ";") != 0))
        return;
    for (size_t k = from; k < end; k += 2)
        fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, t, s->t.v[k].v));
}

/* A view's qualified columns, "t"."c" where t is a table its FROM / JOIN
 * names (facts from `first` on): so the order sees the columns a view
 * needs, as SQLite checks them when any table is renamed after it. */
static void view_columns(struct scan *s, size_t first)
{
    const struct mp_lint_mig *m = &s->c->migs[s->mig];
    size_t nfacts = m->n;
    for (size_t k = 0; k + 2 < s->t.n; k++) {
        if (!s->t.v[k].ident || strcmp(s->t.v[k + 1].v, ".") != 0 || !s->t.v[k + 2].ident)
            continue;
        for (size_t q = first; q < nfacts; q++)
            if (m->f[q].act == MP_LA_REF && m->f[q].obj == MP_LO_TABLE && strcmp(m->f[q].name, s->t.v[k].v) == 0) {
                fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, s->t.v[k].v, s->t.v[k + 2].v));
                break;
            }
    }
}

/* What the body of a trigger on `table` names, from the cursor on: the
 * tables it writes and reads, the columns of NEW and OLD (its table's) and
 * of an INSERT's column list.  SQLite resolves none of them when the
 * trigger is created, but every later ALTER TABLE fails while one is
 * missing ("error in trigger"), and DROP COLUMN of one is refused: the
 * facts are soft (checked when the directory creates the object), so
 * lint's order creates the trigger after them and drops it first. */
static void trigger_body(struct scan *s, const char *table)
{
    size_t first = s->c->migs[s->mig].n, body = s->i;
    for (size_t k = body; k + 2 < s->t.n; k++) {
        if ((is(s, k, "new") || is(s, k, "old")) && strcmp(s->t.v[k + 1].v, ".") == 0 && s->t.v[k + 2].ident)
            fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, table, s->t.v[k + 2].v));
        if (!is(s, k, "into"))
            continue;
        s->i = k + 1;
        const char *into = name_at(s);
        if (into && accept(s, "("))
            for (; s->i < s->t.n && !is(s, s->i, ")"); s->i++)
                if (s->t.v[s->i].ident)
                    fact(s, MP_LA_REF, MP_LO_COLUMN, col(s, into, s->t.v[s->i].v));
    }
    s->i = body;
    table_refs(s);
    for (size_t k = first; k < s->c->migs[s->mig].n; k++)
        s->c->migs[s->mig].f[k].soft = true;
}

static void statement(struct scan *s)
{
    s->i = 0;
    if (accept(s, "create")) {
        if (!accept(s, "temp"))
            accept(s, "temporary");
        bool unique = accept(s, "unique");
        accept(s, "virtual");
        if (!unique && accept(s, "table")) {
            create_table(s);
        } else if (accept(s, "index")) {
            create_index(s);
        } else if (accept(s, "view")) {
            skip_if_exists(s);
            const char *v = name_at(s);
            size_t first = s->c->migs[s->mig].n;
            table_refs(s);
            view_columns(s, first);
            if (v)
                fact(s, MP_LA_CREATE, MP_LO_VIEW, v);
        } else if (accept(s, "trigger")) {
            skip_if_exists(s);
            const char *tr = name_at(s);
            while (s->i < s->t.n && !is(s, s->i, "on"))
                s->i++;
            s->i++;
            const char *t = name_at(s);
            if (t)
                fact(s, MP_LA_REF, MP_LO_TABLE, t);
            if (tr)
                fact(s, MP_LA_CREATE, MP_LO_TRIGGER, tr);
            if (t && tr)
                trigger_body(s, t);
        }
    } else if (accept(s, "alter")) {
        if (accept(s, "table"))
            alter_table(s);
    } else if (accept(s, "drop")) {
        drop(s);
    } else if (accept(s, "insert")) {
        insert_select(s);
        s->i = 0;
        table_refs(s);
    } else if (!is(s, 0, "pragma")) {
        table_refs(s);
    }
}

/* ---- the shadow database ---- */

/* What SQLite's message says is missing: "no such table: main.t",
 * "no such column: c" / "t.c" / "\"c\"", "table t has no column named c",
 * "no such index: i", "no such view: v", "no such trigger: x".  Returns
 * false for other messages. */
static bool missing_object(struct mp_arena *a, const char *msg, enum mp_lint_obj *obj, const char **name,
                           const char **table)
{
    static const struct { const char *prefix; enum mp_lint_obj obj; } kinds[] = {
        {"no such table: ", MP_LO_TABLE}, {"no such column: ", MP_LO_COLUMN}, {"no such index: ", MP_LO_INDEX},
        {"no such view: ", MP_LO_VIEW},   {"no such trigger: ", MP_LO_TRIGGER},
    };
    *table = NULL;
    const char *rest = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds && !rest; k++)
        if (strncmp(msg, kinds[k].prefix, strlen(kinds[k].prefix)) == 0) {
            rest = msg + strlen(kinds[k].prefix);
            *obj = kinds[k].obj;
        }
    if (!rest && strncmp(msg, "table ", 6) == 0 && strstr(msg, " has no column named ")) {
        const char *h = strstr(msg, " has no column named ");
        *table = mp_arena_strndup(a, msg + 6, (size_t)(h - msg - 6));
        rest = h + strlen(" has no column named ");
        *obj = MP_LO_COLUMN;
    }
    if (!rest)
        return false;
    char *n = mp_arena_strdup(a, rest);
    size_t len = strlen(n);
    if (len >= 2 && n[0] == '"' && n[len - 1] == '"') {
        n[len - 1] = 0;
        n++;
    }
    for (char *p = n; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (strncmp(n, "main.", 5) == 0)
        n += 5;
    char *dot = strchr(n, '.');
    if (dot && *obj == MP_LO_COLUMN && !*table) {
        *table = mp_arena_strndup(a, n, (size_t)(dot - n));
        n = dot + 1;
    }
    *name = n;
    return true;
}

/* The statement refused by SQLite in migration `mig` names a missing object:
 * report it as created by a later migration (the first that creates it), or
 * by none.  A column's table, when SQLite does not say, is the statement's
 * first table. */
static void report_missing(struct mp_lint_ctx *c, size_t mig, long line, size_t first_fact, enum mp_lint_obj obj,
                           const char *name, const char *table)
{
    const struct mp_migration *m = c->migs[mig].m;
    if (obj == MP_LO_COLUMN && !table)
        for (size_t k = first_fact; k < c->migs[mig].n && !table; k++)
            if (c->migs[mig].f[k].obj == MP_LO_TABLE)
                table = c->migs[mig].f[k].name;
    const char *full = obj == MP_LO_COLUMN && table ? mp_arena_printf(c->a, "%s.%s", table, name) : name;
    long j = mp_lint_later_creator(c, mig, obj, full);
    if (j >= 0)
        mp_lint_report(c, (long)mig, m->up.path, line, "depends-on-later", MP_LINT_ERROR,
                       "%s is created only by the later migration %s (%s)", mp_lint_show(c->a, obj, full),
                       c->migs[j].label, c->migs[j].m->up.path);
    else if (mp_lint_later_line(c, mig, line, obj, full) > 0)
        mp_lint_report(c, (long)mig, m->up.path, line, "missing-reference", MP_LINT_ERROR,
                       "%s is created only by a later statement of this migration (line %ld)",
                       mp_lint_show(c->a, obj, full), mp_lint_later_line(c, mig, line, obj, full));
    else
        mp_lint_report(c, (long)mig, m->up.path, line, "missing-reference", MP_LINT_ERROR,
                       "%s is not created by this or any earlier migration", mp_lint_show(c->a, obj, full));
}

struct stmt_span {
    size_t start, end;
    long line;
    size_t first_fact, nfacts;
};

/* Statements of an up section: the scanner's boundaries, merged until
 * sqlite3_complete() agrees (a trigger body holds semicolons). */
static size_t split(struct mp_arena *a, const struct mp_migration *m, struct stmt_span **out)
{
    const char *sql = m->up.sql ? m->up.sql : "";
    struct mp_sql_stmt *st = NULL;
    long n = mp_sql_statements(sql, strlen(sql), &st);
    if (n < 0)
        mp_oom();
    struct stmt_span *v = NULL;
    size_t nv = 0, cap = 0;
    for (long i = 0; i < n; i++) {
        struct stmt_span *sp = MP_PUSH(a, v, nv, cap);
        sp->start = st[i].start;
        sp->line = m->up.line + st[i].line - 1;
        sp->end = st[i].end;
        while (i + 1 < n && !sqlite3_complete(mp_arena_strndup(a, sql + sp->start, sp->end - sp->start)))
            sp->end = st[++i].end;
    }
    free(st);
    *out = v;
    return nv;
}

int mp_lint_extract_sqlite(struct mp_lint_ctx *c, struct mp_error *err)
{
    size_t n = c->res->set.n;
    struct stmt_span **spans = mp_arena_alloc(c->a, (n + 1) * sizeof *spans);
    size_t *nspans = mp_arena_alloc(c->a, (n + 1) * sizeof *nspans);
    /* facts first, for every migration: "created later by" needs them all */
    for (size_t i = 0; i < n; i++) {
        const struct mp_migration *m = c->migs[i].m;
        nspans[i] = split(c->a, m, &spans[i]);
        for (size_t k = 0; k < nspans[i]; k++) {
            struct stmt_span *sp = &spans[i][k];
            struct scan s = {.c = c, .mig = i, .line = sp->line};
            tokenize(c->a, m->up.sql + sp->start, sp->end - sp->start, &s.t);
            sp->first_fact = c->migs[i].n;
            statement(&s);
            sp->nfacts = c->migs[i].n - sp->first_fact;
        }
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
        int rc = mp_error_set(err, MP_EINTERNAL, "sqlite3_open(:memory:): %s", db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        return rc;
    }
    /* the shadow stays in memory: no ATTACH (nor VACUUM INTO, which attaches)
     * may make it write a file */
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    for (size_t i = 0; i < n; i++) {
        const struct mp_migration *m = c->migs[i].m;
        for (size_t k = 0; k < nspans[i]; k++) {
            const struct stmt_span *sp = &spans[i][k];
            const char *text = mp_arena_strndup(c->a, m->up.sql + sp->start, sp->end - sp->start);
            sqlite3_stmt *st = NULL;
            int rc = sqlite3_prepare_v2(db, text, -1, &st, NULL);
            if (rc == SQLITE_OK && st) {
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                    ;
                if (rc == SQLITE_DONE)
                    rc = SQLITE_OK;
            }
            if (rc != SQLITE_OK) {
                const char *msg = mp_arena_strdup(c->a, sqlite3_errmsg(db));
                enum mp_lint_obj obj;
                const char *name, *table;
                if (missing_object(c->a, msg, &obj, &name, &table))
                    report_missing(c, i, sp->line, sp->first_fact, obj, name, table);
                else
                    mp_lint_report(c, (long)i, m->up.path, sp->line, "sql-error", MP_LINT_ERROR,
                                   "SQLite refuses the statement after the earlier migrations: %s", msg);
            }
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return 0;
}
