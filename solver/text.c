/* text.c - parser for the schema and rename-hint text syntax (text.h). */
#include "text.h"
#include "model_column.h"
#include "model_type.h"

#include "index_def.h"
#include "model_check.h"
#include "sqlexpr.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lex {
    struct mp_arena *a;
    const char *p;      /* position in the current line */
    const char *file;
    int line;
    struct mp_error *err;
};

static void skip_ws(struct lex *l)
{
    while (*l->p == ' ' || *l->p == '\t' || *l->p == '\r')
        l->p++;
}

static int syntax(struct lex *l, const char *what)
{
    return mp_error_set(l->err, MP_EINVAL, "%s:%d: expected %s near \"%.20s\"", l->file, l->line,
                        what, l->p);
}

/* The text between the quote at l->p and its closing twin (the same
 * character, doubled inside to stand for itself: SQL's rule for "ident"
 * and 'literal'), in the arena; NULL when it is not closed. */
static const char *quoted(struct lex *l)
{
    char q = *l->p;
    struct mp_buf b = {0};
    for (l->p++; *l->p; l->p++) {
        if (*l->p == q) {
            if (l->p[1] != q)
                break;
            l->p++;
        }
        mp_buf_addc(&b, *l->p);
    }
    bool closed = *l->p == q;
    if (closed)
        l->p++;
    const char *v = closed ? mp_arena_strdup(l->a, mp_buf_str(&b)) : NULL;
    mp_buf_free(&b);
    return v;
}

/* An identifier: "quoted" or a bare word. NULL at end of line. */
static const char *ident(struct lex *l)
{
    skip_ws(l);
    if (*l->p == '"')
        return quoted(l);
    const char *s = l->p;
    while (isalnum((unsigned char)*l->p) || *l->p == '_' || (unsigned char)*l->p >= 0x80)
        l->p++;
    return l->p > s ? mp_arena_strndup(l->a, s, (size_t)(l->p - s)) : NULL;
}

/* Consume keyword `kw` (case-insensitive, whole word). */
static bool kw(struct lex *l, const char *k)
{
    skip_ws(l);
    size_t n = strlen(k);
    if (strncasecmp(l->p, k, n) == 0 && !isalnum((unsigned char)l->p[n]) && l->p[n] != '_') {
        l->p += n;
        return true;
    }
    return false;
}

static bool punct(struct lex *l, char c)
{
    skip_ws(l);
    if (*l->p == c) {
        l->p++;
        return true;
    }
    return false;
}

static int name_list(struct lex *l, struct mp_names *out)
{
    if (!punct(l, '('))
        return syntax(l, "'('");
    const char **v = NULL;
    size_t n = 0, cap = 0;
    do {
        const char *s = ident(l);
        if (!s)
            return syntax(l, "a column name");
        *MP_PUSH(l->a, v, n, cap) = s;
    } while (punct(l, ','));
    if (!punct(l, ')'))
        return syntax(l, "')'");
    out->v = v;
    out->n = n;
    return 0;
}

static int number(struct lex *l, int *out)
{
    skip_ws(l);
    char *end;
    long v = strtol(l->p, &end, 10);
    if (end == l->p || v < 0 || v > 100000)
        return syntax(l, "a number");
    l->p = end;
    *out = (int)v;
    return 0;
}

static bool at_end(struct lex *l);

/* A signed 64-bit number (sequence and identity options). */
static int number64(struct lex *l, int64_t *out)
{
    skip_ws(l);
    char *end;
    errno = 0;
    long long v = strtoll(l->p, &end, 10);
    if (end == l->p || errno == ERANGE)
        return syntax(l, "a number");
    l->p = end;
    *out = (int64_t)v;
    return 0;
}

/* Column features between NOT NULL and the default (model_column.h). */
static int column_features(struct lex *l, struct mp_column *c)
{
    int rc;
    for (;;) {
        if (kw(l, "collate")) {
            if (!(c->feat.collation = ident(l)))
                return syntax(l, "a collation name");
        } else if (kw(l, "identity")) {
            if (kw(l, "always"))
                c->feat.identity = MP_IDENTITY_ALWAYS;
            else if (kw(l, "by") && kw(l, "default"))
                c->feat.identity = MP_IDENTITY_BY_DEFAULT;
            else
                return syntax(l, "always or by default");
            if (kw(l, "start") && (rc = number64(l, &c->feat.ident_start)))
                return rc;
            if (kw(l, "increment") && (rc = number64(l, &c->feat.ident_increment)))
                return rc;
        } else if (kw(l, "serial")) {
            c->feat.serial = true;
        } else if (kw(l, "autoincrement")) {
            c->feat.autoincrement = true;
        } else {
            return 0;
        }
    }
}

/* "sequence <name> [as type] [increment N] [minvalue N] [maxvalue N] [start N] [cycle]" */
static int sequence_line(struct lex *l, struct mp_schema *s)
{
    struct mp_sequence q = {0};
    int rc;
    if (!(q.name = ident(l)))
        return syntax(l, "a sequence name");
    if (kw(l, "as")) {
        static const char *const types[] = {"smallint", "integer", "bigint"};
        for (size_t i = 0; i < 3 && !q.type; i++)
            if (kw(l, types[i]))
                q.type = types[i];
        if (!q.type)
            return syntax(l, "smallint, integer or bigint");
    }
    if (kw(l, "increment") && (rc = number64(l, &q.increment)))
        return rc;
    mp_sequence_defaults(&q);
    if (kw(l, "minvalue") && (rc = number64(l, &q.min)))
        return rc;
    if (kw(l, "maxvalue") && (rc = number64(l, &q.max)))
        return rc;
    q.start = q.increment > 0 ? q.min : q.max;
    if (kw(l, "start") && (rc = number64(l, &q.start)))
        return rc;
    q.cycle = kw(l, "cycle");
    if (mp_schema_sequence(s, MP_POSTGRES, q.name))
        return mp_error_set(l->err, MP_EINVAL, "%s:%d: sequence \"%s\" appears twice", l->file, l->line, q.name);
    mp_schema_put_sequence(l->a, s, &q);
    return at_end(l) ? 0 : syntax(l, "end of line");
}

static int type(struct lex *l, struct mp_type *t)
{
    memset(t, 0, sizeof *t);
    static const struct { const char *k; enum mp_type_kind kind; } simple[] = {
        {"integer", MP_TYPE_INTEGER}, {"bigint", MP_TYPE_BIGINT}, {"text", MP_TYPE_TEXT},
        {"boolean", MP_TYPE_BOOLEAN}, {"double", MP_TYPE_DOUBLE}, {"date", MP_TYPE_DATE},
        {"timestamp", MP_TYPE_TIMESTAMP}, {"bytes", MP_TYPE_BYTES},
    };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (kw(l, simple[i].k)) {
            t->kind = simple[i].kind;
            return 0;
        }
    int rc;
    if (kw(l, "varchar")) {
        t->kind = MP_TYPE_VARCHAR;
        if (!punct(l, '(') || (rc = number(l, &t->len)) || !punct(l, ')'))
            return syntax(l, "varchar(N)");
        return 0;
    }
    if (kw(l, "numeric")) {
        t->kind = MP_TYPE_NUMERIC;
        if (!punct(l, '(') || (rc = number(l, &t->precision)) || !punct(l, ',') ||
            (rc = number(l, &t->scale)) || !punct(l, ')'))
            return syntax(l, "numeric(P,S)");
        return 0;
    }
    if (kw(l, "raw")) {
        skip_ws(l);
        if (*l->p != '\'')
            return syntax(l, "a quoted type after raw");
        struct mp_buf b = {0};
        for (l->p++; *l->p; l->p++) {
            if (*l->p == '\'') {
                if (l->p[1] != '\'')
                    break;
                l->p++;
            }
            mp_buf_addc(&b, *l->p);
        }
        if (*l->p == '\'')
            l->p++;
        t->kind = MP_TYPE_RAW;
        t->raw = mp_arena_strdup(l->a, mp_buf_str(&b));
        mp_buf_free(&b);
        return 0;
    }
    return syntax(l, "a type");
}

static bool at_end(struct lex *l)
{
    skip_ws(l);
    return *l->p == '\0';
}

static int table_line(struct lex *l, struct mp_table *t)
{
    int rc;
    if (kw(l, "column")) {
        const char *name = ident(l);
        if (!name)
            return syntax(l, "a column name");
        struct mp_type ty;
        if ((rc = type(l, &ty)))
            return rc;
        struct mp_column *c = mp_table_add_column(l->a, t, name, ty);
        if (kw(l, "not")) {
            if (!kw(l, "null"))
                return syntax(l, "null");
            c->not_null = true;
        }
        if ((rc = column_features(l, c)))
            return rc;
        if (kw(l, "generated")) {
            if (kw(l, "stored"))
                c->feat.generated = MP_GENERATED_STORED;
            else if (kw(l, "virtual"))
                c->feat.generated = MP_GENERATED_VIRTUAL;
            else
                return syntax(l, "stored or virtual");
            skip_ws(l);
            if (!*l->p)
                return syntax(l, "a generation expression");
            c->feat.generated_sql = mp_arena_strdup(l->a, l->p);
            l->p += strlen(l->p);
        } else if (kw(l, "default")) {
            skip_ws(l);
            if (!*l->p)
                return syntax(l, "a default expression");
            c->default_sql = mp_arena_strdup(l->a, l->p);
            l->p += strlen(l->p);
        }
        return at_end(l) ? 0 : syntax(l, "end of line");
    }
    const char *cname = NULL;
    if (kw(l, "constraint") && !(cname = ident(l)))
        return syntax(l, "a constraint name");
    if (kw(l, "check")) {
        skip_ws(l);
        const char *e = *l->p == '(' ? mp_sql_paren_end(l->p) : NULL;
        if (!e)
            return syntax(l, "check (expression)");
        struct mp_check *c = mp_table_add_check(l->a, t);
        c->name = cname;
        c->expr = mp_expr_norm(l->a, mp_arena_strndup(l->a, l->p + 1, (size_t)(e - l->p) - 2));
        l->p = e;
        if (kw(l, "not")) {
            if (!kw(l, "valid"))
                return syntax(l, "valid");
            c->not_valid = true;
        }
    } else if (kw(l, "primary")) {
        if (!kw(l, "key"))
            return syntax(l, "key");
        t->pk_name = cname;
        if ((rc = name_list(l, &t->pk)))
            return rc;
    } else if (kw(l, "foreign")) {
        if (!kw(l, "key"))
            return syntax(l, "key");
        struct mp_fk *f = mp_table_add_fk(l->a, t);
        f->name = cname;
        if ((rc = name_list(l, &f->cols)))
            return rc;
        if (!kw(l, "references") || !(f->ref_table = ident(l)))
            return syntax(l, "references <table>");
        if ((rc = name_list(l, &f->ref_cols)))
            return rc;
        while (kw(l, "on")) {
            bool del = kw(l, "delete");
            if (!del && !kw(l, "update"))
                return syntax(l, "delete or update");
            enum mp_fk_action *act = del ? &f->on_delete : &f->on_update;
            if (kw(l, "cascade")) *act = MP_FK_CASCADE;
            else if (kw(l, "restrict")) *act = MP_FK_RESTRICT;
            else if (kw(l, "set") && kw(l, "null")) *act = MP_FK_SET_NULL;
            else if (kw(l, "default")) *act = MP_FK_SET_DEFAULT;
            else if (kw(l, "no") && kw(l, "action")) *act = MP_FK_NO_ACTION;
            else return syntax(l, del ? "an ON DELETE action" : "an ON UPDATE action");
        }
        if (kw(l, "match")) {
            if (!kw(l, "full"))
                return syntax(l, "full");
            f->match_full = true;
        }
        if (kw(l, "deferrable")) {
            f->deferrable = true;
            if (kw(l, "initially")) {
                if (!kw(l, "deferred"))
                    return syntax(l, "deferred");
                f->initially_deferred = true;
            }
        }
    } else if (!cname && kw(l, "strict")) {
        t->strict = true;
    } else if (!cname && kw(l, "without")) {
        if (!kw(l, "rowid"))
            return syntax(l, "rowid");
        t->without_rowid = true;
    } else {
        return syntax(l, "column, primary key, unique, foreign key or index");
    }
    return at_end(l) ? 0 : syntax(l, "end of line");
}

/* Lines that begin with "unique" or "index" need one token of look-ahead. */
static int index_or_unique(struct lex *l, struct mp_table *t, bool *handled)
{
    const char *save = l->p;
    const char *cname = NULL;
    int rc;
    *handled = true;
    if (kw(l, "constraint") && !(cname = ident(l)))
        return syntax(l, "a constraint name");
    bool uniq = kw(l, "unique");
    if (kw(l, "index")) {
        struct mp_index *x = mp_table_add_index(l->a, t);
        x->unique = uniq;
        if (!(x->name = ident(l)))
            return syntax(l, "an index name");
        const char *what = NULL;
        if (mp_index_parse_canonical(l->a, &l->p, x, &what))
            return syntax(l, what);
        return at_end(l) ? 0 : syntax(l, "end of line");
    }
    if (uniq) {
        struct mp_unique *u = mp_table_add_unique(l->a, t);
        u->name = cname;
        if ((rc = name_list(l, &u->cols)))
            return rc;
        return at_end(l) ? 0 : syntax(l, "end of line");
    }
    l->p = save;
    *handled = false;
    return 0;
}

/* Iterate lines: calls fn for each non-blank, non-comment line. */
static int each_line(struct mp_arena *a, const char *text, const char *file, int first_line,
                     struct mp_error *err, int (*fn)(struct lex *, void *), void *ctx)
{
    struct lex l = {.a = a, .file = file, .err = err};
    int line = first_line;
    for (const char *p = text; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *s = mp_arena_strndup(a, p, n);
        p += n + (nl ? 1 : 0);
        l.p = s;
        l.line = line;
        skip_ws(&l);
        if (!*l.p || *l.p == '#')
            continue;
        int rc = fn(&l, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

struct schema_ctx {
    struct mp_schema *s;
    struct mp_table *t;
    long dom; /* the domain whose check lines follow, or -1 */
};

/* A single-quoted literal, quotes doubled inside; NULL when there is none. */
static const char *literal(struct lex *l)
{
    skip_ws(l);
    return *l->p == '\'' ? quoted(l) : NULL;
}

/* "enum <name> ('a', 'b')" and "domain <name> as <type> [collate <c>]
 * [not null] [default <sql to the end of the line>]" (model_type.h);
 * a domain's checks follow on lines of their own (domain_check_line). */
static int type_line(struct lex *l, struct schema_ctx *c, bool is_enum)
{
    struct mp_utype u = {.kind = is_enum ? MP_UTYPE_ENUM : MP_UTYPE_DOMAIN};
    int rc;
    if (!(u.name = ident(l)))
        return syntax(l, "a type name");
    if (mp_schema_utype(c->s, MP_POSTGRES, u.name))
        return mp_error_set(l->err, MP_EINVAL, "%s:%d: type \"%s\" appears twice", l->file, l->line, u.name);
    c->t = NULL;
    c->dom = -1;
    if (is_enum) {
        if (!punct(l, '('))
            return syntax(l, "'('");
        const char **v = NULL;
        size_t n = 0, cap = 0;
        if (!punct(l, ')')) {
            do {
                const char *lab = literal(l);
                if (!lab)
                    return syntax(l, "a quoted label");
                *MP_PUSH(l->a, v, n, cap) = lab;
            } while (punct(l, ','));
            if (!punct(l, ')'))
                return syntax(l, "')'");
        }
        u.labels.v = v;
        u.labels.n = n;
    } else {
        if (!kw(l, "as"))
            return syntax(l, "as <type>");
        if ((rc = type(l, &u.base)))
            return rc;
        if (kw(l, "collate") && !(u.collation = ident(l)))
            return syntax(l, "a collation name");
        if (kw(l, "not")) {
            if (!kw(l, "null"))
                return syntax(l, "null");
            u.not_null = true;
        }
        if (kw(l, "default")) {
            skip_ws(l);
            if (!*l->p)
                return syntax(l, "a default expression");
            u.default_sql = mp_arena_strdup(l->a, l->p);
            l->p += strlen(l->p);
        }
        c->dom = (long)c->s->ntypes;
    }
    mp_schema_put_utype(l->a, c->s, &u);
    return at_end(l) ? 0 : syntax(l, "end of line");
}

/* "[constraint <name>] check (<expr>) [not valid]" under a domain line. */
static int domain_check_line(struct lex *l, struct mp_utype *u)
{
    const char *cname = NULL;
    if (kw(l, "constraint") && !(cname = ident(l)))
        return syntax(l, "a constraint name");
    if (!kw(l, "check"))
        return syntax(l, "check");
    skip_ws(l);
    const char *e = *l->p == '(' ? mp_sql_paren_end(l->p) : NULL;
    if (!e)
        return syntax(l, "check (expression)");
    struct mp_check *k = MP_PUSH(l->a, u->checks, u->nchecks, u->capchecks);
    k->name = cname;
    k->expr = mp_expr_norm(l->a, mp_arena_strndup(l->a, l->p + 1, (size_t)(e - l->p) - 2));
    l->p = e;
    if (kw(l, "not")) {
        if (!kw(l, "valid"))
            return syntax(l, "valid");
        k->not_valid = true;
    }
    return at_end(l) ? 0 : syntax(l, "end of line");
}

static int schema_line(struct lex *l, void *vctx)
{
    struct schema_ctx *c = vctx;
    if (kw(l, "table")) {
        const char *name = ident(l);
        if (!name)
            return syntax(l, "a table name");
        if (mp_schema_find_table(c->s, MP_POSTGRES, name) >= 0)
            return mp_error_set(l->err, MP_EINVAL, "%s:%d: table \"%s\" appears twice", l->file, l->line, name);
        c->t = mp_schema_add_table(l->a, c->s, name);
        c->dom = -1;
        return at_end(l) ? 0 : syntax(l, "end of line");
    }
    if (kw(l, "sequence")) {
        c->t = NULL;
        c->dom = -1;
        return sequence_line(l, c->s);
    }
    bool is_enum = kw(l, "enum");
    if (is_enum || kw(l, "domain"))
        return type_line(l, c, is_enum);
    if (c->dom >= 0)
        return domain_check_line(l, &c->s->types[c->dom]);
    const char *why = NULL;
    int orc = mp_object_parse_line(l->a, c->s, l->p, &why);
    if (orc < 0)
        return mp_error_set(l->err, MP_EINVAL, "%s:%d: %s", l->file, l->line, why);
    if (orc > 0) {
        c->t = NULL; /* the lines of a table come before the objects */
        c->dom = -1;
        return 0;
    }
    if (!c->t)
        return syntax(l, "table");
    bool handled;
    int rc = index_or_unique(l, c->t, &handled);
    if (rc || handled)
        return rc;
    return table_line(l, c->t);
}

int mp_schema_parse(struct mp_arena *a, const char *text, const char *file, int first_line,
                    struct mp_schema **out, struct mp_error *err)
{
    struct schema_ctx c = {.s = mp_schema_new(a), .dom = -1};
    int rc = each_line(a, text, file, first_line, err, schema_line, &c);
    if (rc)
        return rc;
    *out = c.s;
    return 0;
}

static int rename_line(struct lex *l, void *vctx)
{
    struct mp_renames *r = vctx;
    if (kw(l, "table")) {
        const char *o = ident(l), *n = o ? ident(l) : NULL;
        if (!n)
            return syntax(l, "table <old> <new>");
        mp_renames_add(l->a, r, false, NULL, o, n);
    } else if (kw(l, "column")) {
        const char *t = ident(l), *o = t ? ident(l) : NULL, *n = o ? ident(l) : NULL;
        if (!n)
            return syntax(l, "column <table> <old> <new>");
        mp_renames_add(l->a, r, true, t, o, n);
    } else if (kw(l, "index")) {
        const char *t = ident(l), *o = t ? ident(l) : NULL, *n = o ? ident(l) : NULL;
        if (!n)
            return syntax(l, "index <table> <old> <new>");
        mp_renames_add(l->a, r, false, t, o, n);
        r->v[r->n - 1].index = true;
    } else {
        return syntax(l, "table, column or index");
    }
    return at_end(l) ? 0 : syntax(l, "end of line");
}

int mp_renames_parse(struct mp_arena *a, const char *text, const char *file, int first_line,
                     struct mp_renames *out, struct mp_error *err)
{
    return each_line(a, text, file, first_line, err, rename_line, out);
}

void mp_renames_print(struct mp_buf *b, const struct mp_renames *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct mp_rename *h = &r->v[i];
        if (h->column || h->index) {
            mp_buf_add(b, h->index ? "index " : "column ");
            mp_buf_ident(b, h->table);
            mp_buf_addc(b, ' ');
        } else {
            mp_buf_add(b, "table ");
        }
        mp_buf_ident(b, h->old_name);
        mp_buf_addc(b, ' ');
        mp_buf_ident(b, h->new_name);
        mp_buf_addc(b, '\n');
    }
}
