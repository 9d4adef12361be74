/* casefile.c - reading and writing case files (fixed scenarios, regressions, shrunk failures), with a restricted grammar for column defaults. */
#include "casefile.h"
#include "model_column.h"
#include "num.h"
#include "text.h"
#include "os.h"
#include "sqlscan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *mp_read_text(const char *path, struct mp_error *err)
{
    char *text = NULL;
    if (mp_read_file(path, 0, &text, NULL, err))
        return NULL;
    return text;
}

/* [rows] parser: "table <ident> (<ident>, ...)" then "(<value>, ...)" lines. */
static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* A "double-quoted" identifier or 'single-quoted' value at p; *out in `a`.
 * Returns the position after it, or NULL. */
static const char *quoted(struct mp_arena *a, const char *p, char q, const char **out)
{
    if (*p != q)
        return NULL;
    struct mp_buf b = {0};
    for (p++; *p; p++) {
        if (*p == q) {
            if (p[1] == q) {
                mp_buf_addc(&b, q);
                p++;
                continue;
            }
            *out = mp_arena_strdup(a, mp_buf_str(&b));
            mp_buf_free(&b);
            return p + 1;
        }
        mp_buf_addc(&b, *p);
    }
    mp_buf_free(&b);
    return NULL;
}

static int parse_rows(struct mp_arena *a, const char *text, const char *path, int first,
                      const struct mp_schema *start, struct mp_dataset *out, struct mp_error *err)
{
    out->n = 0;
    out->v = mp_arena_alloc(a, (start->ntables + 1) * sizeof *out->v);
    struct mp_table_rows *cur = NULL;
    size_t cap = 0;
    int line = first - 1;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *l = mp_arena_strndup(a, p, n);
        p += n + (nl ? 1 : 0);
        line++;
        const char *q = skip_ws(l);
        if (!*q || *q == '#')
            continue;
        if (strncmp(q, "table ", 6) == 0) {
            const char *name;
            q = quoted(a, skip_ws(q + 6), '"', &name);
            const struct mp_table *t = q ? mp_schema_table(start, MP_POSTGRES, name) : NULL;
            if (!t)
                return mp_error_set(err, MP_EINVAL, "%s:%d: rows for a table that is not in [start]", path, line);
            if (out->n == start->ntables)
                return mp_error_set(err, MP_EINVAL, "%s:%d: rows for a table given twice", path, line);
            cur = &out->v[out->n++];
            memset(cur, 0, sizeof *cur);
            cap = 0;
            cur->table = t->name;
            q = skip_ws(q);
            if (*q++ != '(')
                return mp_error_set(err, MP_EINVAL, "%s:%d: expected ( and the column list", path, line);
            cur->cols = mp_arena_alloc(a, (t->ncols + 1) * sizeof *cur->cols);
            struct mp_type *ty = mp_arena_alloc(a, (t->ncols + 1) * sizeof *ty);
            cur->types = ty;
            for (;;) {
                const char *c;
                q = quoted(a, skip_ws(q), '"', &c);
                const struct mp_column *col = q ? mp_table_column(t, MP_POSTGRES, c) : NULL;
                if (!col || cur->ncols == t->ncols)
                    return mp_error_set(err, MP_EINVAL, "%s:%d: expected a column of \"%s\"", path, line, t->name);
                ty[cur->ncols] = col->type;
                cur->cols[cur->ncols++] = col->name;
                q = skip_ws(q);
                if (*q == ',') {
                    q++;
                    continue;
                }
                if (*q == ')')
                    break;
                return mp_error_set(err, MP_EINVAL, "%s:%d: expected , or )", path, line);
            }
            continue;
        }
        if (*q != '(' || !cur)
            return mp_error_set(err, MP_EINVAL, "%s:%d: expected a table line or a row", path, line);
        const char **v = mp_arena_alloc(a, (cur->ncols + 1) * sizeof *v);
        q++;
        for (size_t c = 0; c < cur->ncols; c++) {
            q = skip_ws(q);
            if (strncmp(q, "NULL", 4) == 0) {
                v[c] = NULL;
                q += 4;
            } else if (!(q = quoted(a, q, '\'', &v[c]))) {
                return mp_error_set(err, MP_EINVAL, "%s:%d: value %zu: expected 'text' or NULL", path, line, c + 1);
            }
            q = skip_ws(q);
            if (*q != (c + 1 < cur->ncols ? ',' : ')'))
                return mp_error_set(err, MP_EINVAL, "%s:%d: the row needs %zu values", path, line, cur->ncols);
            q++;
        }
        *MP_PUSH(a, cur->rows, cur->nrows, cap) = v;
    }
    return 0;
}

/* ---- what a case file may hold ----
 *
 * A case file's column defaults are pasted into the DDL migprop runs, so a
 * default is parsed with a small grammar and anything else is refused (a
 * default such as "0); COPY t TO PROGRAM 'sh'; --" must never reach a
 * database):
 *   expr    := ('-' | '+') expr | primary ('::' type)*
 *   primary := number | 'string' | X'hex' | TRUE | FALSE | NULL
 *            | '(' expr ')' | CAST '(' expr AS type ')'
 *            | CURRENT_TIMESTAMP | CURRENT_DATE | CURRENT_TIME | LOCALTIMESTAMP | LOCALTIME
 *            | fn '(' [expr (',' expr)*] ')'     fn in default_fns[]
 *   type    := type word ... ['(' number [',' number] ')']   words in type_words[]
 * with only blanks between tokens (no comments).  Identifiers longer than
 * 63 bytes are refused too (PostgreSQL truncates them to NAMEDATALEN - 1 =
 * 63 bytes: "Identifiers and Key Words", 4.1.1), and so is text that is
 * not UTF-8 (the encoding of migprop's databases and reports). */

static const char *const default_fns[] = {"now", "lower", "upper", "coalesce", "abs", "round", "length", "trim",
                                          "datetime", "date", "time", "julianday", "strftime", "gen_random_uuid",
                                          "random", "nullif", "to_char", "to_timestamp", "clock_timestamp",
                                          "statement_timestamp", "transaction_timestamp"};
static const char *const bare_fns[] = {"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP",
                                       "LOCALTIME"};
static const char *const type_words[] = {
    "integer", "int", "int2", "int4", "int8", "smallint", "bigint", "text", "varchar", "character", "varying",
    "char", "boolean", "bool", "double", "precision", "float", "float4", "float8", "real", "numeric", "decimal",
    "date", "timestamp", "timestamptz", "time", "timetz", "with", "without", "zone", "bytea", "blob", "uuid"};

struct dparse {
    const char *s;   /* the expression */
    size_t n, pos;   /* its length, the parse position */
    size_t last_end; /* end of the previous token */
    struct mp_sql_tok t;
    bool have;       /* t holds the next token */
    const char *why; /* the first refusal */
};

static bool in_list(const char *s, size_t n, const char *const *v, size_t nv)
{
    for (size_t i = 0; i < nv; i++)
        if (strlen(v[i]) == n && strncasecmp(s, v[i], n) == 0)
            return true;
    return false;
}

/* The next token (peeked, not consumed); false at the end or on a refusal. */
static bool dpeek(struct dparse *p)
{
    if (p->have)
        return true;
    if (p->why)
        return false;
    size_t at = p->pos;
    if (!mp_sql_next_token(p->s, p->n, &at, &p->t))
        return false;
    for (size_t i = p->last_end; i < p->t.start; i++)
        if (p->s[i] != ' ' && p->s[i] != '\t') {
            p->why = "a comment";
            return false;
        }
    p->pos = at;
    p->have = true;
    return true;
}

static void dtake(struct dparse *p)
{
    p->have = false;
    p->last_end = p->t.start + p->t.len;
}

static bool dpunct(struct dparse *p, char c)
{
    if (dpeek(p) && p->t.kind == MP_SQL_TOK_PUNCT && p->s[p->t.start] == c) {
        dtake(p);
        return true;
    }
    return false;
}

static bool dword(struct dparse *p, const char *w)
{
    if (dpeek(p) && mp_sql_tok_is(p->s, &p->t, w)) {
        dtake(p);
        return true;
    }
    return false;
}

static bool dfail(struct dparse *p, const char *why)
{
    if (!p->why)
        p->why = why;
    return false;
}

/* A '...' string with '' doubled, closed. */
static bool closed_string(const char *s, size_t n)
{
    if (n < 2 || s[0] != '\'')
        return false;
    size_t i = 1;
    while (i < n) {
        if (s[i] == '\'') {
            if (i + 1 < n && s[i + 1] == '\'')
                i += 2;
            else
                return i + 1 == n;
        } else {
            i++;
        }
    }
    return false;
}

static bool dtype(struct dparse *p)
{
    size_t words = 0;
    while (dpeek(p) && p->t.kind == MP_SQL_TOK_WORD && in_list(p->s + p->t.start, p->t.len, type_words,
                                                               sizeof type_words / sizeof *type_words)) {
        dtake(p);
        words++;
    }
    if (!words)
        return dfail(p, "a cast to a type that is not one of the model's types");
    if (dpunct(p, '(')) {
        for (int k = 0; k < 2; k++) {
            if (!dpeek(p) || p->t.kind != MP_SQL_TOK_NUMBER)
                return dfail(p, "a type modifier that is not a number");
            dtake(p);
            if (k == 1 || !dpunct(p, ','))
                break;
        }
        if (!dpunct(p, ')'))
            return dfail(p, "an unclosed type modifier");
    }
    return true;
}

static bool dexpr(struct dparse *p, int depth);

static bool dprimary(struct dparse *p, int depth)
{
    if (!dpeek(p))
        return dfail(p, "a missing value");
    const struct mp_sql_tok t = p->t;
    const char *w = p->s + t.start;
    if (t.kind == MP_SQL_TOK_NUMBER) {
        for (size_t i = 0; i < t.len; i++)
            if (!isdigit((unsigned char)w[i]) && w[i] != '.')
                return dfail(p, "a malformed number");
        dtake(p);
        return true;
    }
    if (t.kind == MP_SQL_TOK_STRING) {
        if (!closed_string(w, t.len))
            return dfail(p, "a string that is not a closed '...' literal");
        dtake(p);
        return true;
    }
    if (dpunct(p, '(')) {
        if (!dexpr(p, depth + 1))
            return false;
        return dpunct(p, ')') || dfail(p, "an unclosed parenthesis");
    }
    if (t.kind != MP_SQL_TOK_WORD)
        return dfail(p, "an operator or symbol that is not allowed");
    if (dword(p, "TRUE") || dword(p, "FALSE") || dword(p, "NULL"))
        return true;
    if ((t.len == 1 && (w[0] == 'X' || w[0] == 'x'))) {
        dtake(p);
        if (!dpeek(p) || p->t.kind != MP_SQL_TOK_STRING || p->t.start != t.start + 1 ||
            !closed_string(p->s + p->t.start, p->t.len))
            return dfail(p, "a name that is not an allowed function");
        for (size_t i = 1; i + 1 < p->t.len; i++)
            if (!isxdigit((unsigned char)p->s[p->t.start + i]))
                return dfail(p, "a blob literal that is not hexadecimal");
        dtake(p);
        return true;
    }
    if (dword(p, "CAST")) {
        if (!dpunct(p, '(') || !dexpr(p, depth + 1) || !dword(p, "AS") || !dtype(p) || !dpunct(p, ')'))
            return dfail(p, "a malformed CAST (x AS type)");
        return true;
    }
    if (in_list(w, t.len, bare_fns, sizeof bare_fns / sizeof *bare_fns)) {
        dtake(p);
        return true;
    }
    if (!in_list(w, t.len, default_fns, sizeof default_fns / sizeof *default_fns))
        return dfail(p, "a name that is not an allowed function");
    dtake(p);
    if (!dpunct(p, '('))
        return dfail(p, "a function name without its argument list");
    if (dpunct(p, ')'))
        return true;
    do {
        if (!dexpr(p, depth + 1))
            return false;
    } while (dpunct(p, ','));
    return dpunct(p, ')') || dfail(p, "an unclosed argument list");
}

static bool dexpr(struct dparse *p, int depth)
{
    if (depth > 32)
        return dfail(p, "nesting deeper than 32");
    if (dpunct(p, '-') || dpunct(p, '+'))
        return dexpr(p, depth + 1);
    if (!dprimary(p, depth))
        return false;
    while (dpeek(p) && p->t.kind == MP_SQL_TOK_PUNCT && p->s[p->t.start] == ':') {
        dtake(p);
        if (!dpunct(p, ':'))
            return dfail(p, "a ':' that is not a '::' cast");
        if (!dtype(p))
            return false;
    }
    return true;
}

/* NULL when `sql` is an allowed default (grammar above), else why not. */
static const char *default_refusal(const char *sql)
{
    struct dparse p = {.s = sql, .n = strlen(sql)};
    if (!dexpr(&p, 0))
        return p.why ? p.why : "a malformed expression";
    if (dpeek(&p))
        return "text after the expression (only one value, cast or allowed function call)";
    if (p.why)
        return p.why;
    for (size_t i = p.last_end; i < p.n; i++)
        if (sql[i] != ' ' && sql[i] != '\t')
            return "a comment";
    return NULL;
}

/* The line (of the section starting at line `first`) that holds `needle`,
 * else `first`. */
static int line_with(const char *sec, int first, const char *needle)
{
    int line = first;
    for (const char *p = sec; p && *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t k = strlen(needle);
        for (size_t i = 0; k && i + k <= n; i++)
            if (memcmp(p + i, needle, k) == 0)
                return line;
        p = nl ? nl + 1 : NULL;
    }
    return first;
}

#define MP_PG_NAME_MAX 63 /* NAMEDATALEN - 1 */

static int check_name(const char *path, const char *sec, int first, const char *name, struct mp_error *err)
{
    if (!name || strlen(name) <= MP_PG_NAME_MAX)
        return 0;
    return mp_error_set(err, MP_EINVAL,
                        "%s:%d: identifier of %zu bytes: PostgreSQL keeps at most 63 bytes of a name "
                        "(NAMEDATALEN - 1) and would silently cut it: %.40s...",
                        path, line_with(sec, first, name), strlen(name), name);
}

/* Every default of schema `s` (section text `sec`, first line `first`)
 * in the grammar, every name at most 63 bytes. */
static int check_schema(const char *path, const char *sec, int first, const struct mp_schema *s, struct mp_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < s->ntables && !rc; i++) {
        const struct mp_table *t = s->tables[i];
        rc = check_name(path, sec, first, t->name, err);
        if (!rc)
            rc = check_name(path, sec, first, t->pk_name, err);
        for (size_t c = 0; c < t->ncols && !rc; c++) {
            const struct mp_column *col = &t->cols[c];
            rc = check_name(path, sec, first, col->name, err);
            const char *why = !rc && col->default_sql ? default_refusal(col->default_sql) : NULL;
            const char *gwhy = !rc && col->feat.generated_sql ? mp_expr_refusal(col->feat.generated_sql) : NULL;
            if (gwhy)
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: column \"%s\": generation expression %s is refused: %s",
                                  path, line_with(sec, first, col->feat.generated_sql), col->name,
                                  col->feat.generated_sql, gwhy);
            if (why && !rc)
                rc = mp_error_set(err, MP_EINVAL,
                                  "%s:%d: column \"%s\": default %s is refused: %s (a default may be a number, "
                                  "string, boolean or NULL literal, CURRENT_TIMESTAMP and the like, now(), "
                                  "lower() and a few other functions, a cast to a type of the model, unary "
                                  "minus, parentheses)",
                                  path, line_with(sec, first, col->default_sql), col->name, col->default_sql, why);
        }
        for (size_t k = 0; k < t->nuniques && !rc; k++)
            rc = check_name(path, sec, first, t->uniques[k].name, err);
        for (size_t k = 0; k < t->nfks && !rc; k++)
            rc = check_name(path, sec, first, t->fks[k].name, err);
        for (size_t k = 0; k < t->nindexes && !rc; k++)
            rc = check_name(path, sec, first, t->indexes[k].name, err);
    }
    return rc;
}

/* The first byte of `s` that is not well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or NULL. */
static const char *bad_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (n == 9 || c == 0xC0 || c == 0xC1 || c > 0xF4)
            return (const char *)p;
        unsigned cp = n == 0 ? c : c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((p[k] & 0xC0) != 0x80)
                return (const char *)p;
            cp = (cp << 6) | (p[k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return (const char *)p;
        p += n + 1;
    }
    return NULL;
}

static const char *meta_value(struct mp_arena *a, const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = skip_ws(line + k + 1);
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\r'))
        n--;
    return mp_arena_strndup(a, v, n);
}

int mp_casefile_read_full(struct mp_arena *a, const char *path, struct mp_casefile *out, struct mp_error *err)
{
    char *text = mp_read_text(path, err);
    if (!text)
        return MP_EIO;
    const char *bad = bad_utf8(text);
    if (bad) {
        long line = 1;
        for (const char *q = text; q < bad; q++)
            line += *q == '\n';
        mp_error_set(err, MP_EINVAL, "%s:%ld: not UTF-8 (byte 0x%02x)", path, line, (unsigned char)*bad);
        free(text);
        return MP_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->meta.trial = -1;
    enum { START, DESIRED, RENAMES, META, ROWS, NSEC };
    static const char *const names[NSEC] = {"[start]", "[desired]", "[renames]", "[meta]", "[rows]"};
    struct mp_buf sec[NSEC] = {{0}};
    int first[NSEC] = {0};
    int cur = -1, line = 0, rc = 0;
    for (char *p = text; *p && !rc;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n && p[0] == '[') {
            cur = -1;
            for (int i = 0; i < NSEC; i++)
                if (strlen(names[i]) == n && strncmp(p, names[i], n) == 0)
                    cur = i;
            if (cur < 0)
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown section %.*s", path, line, (int)n, p);
            else
                first[cur] = line + 1;
        } else if (cur >= 0) {
            mp_buf_addn(&sec[cur], p, n);
            mp_buf_addc(&sec[cur], '\n');
        } else if (n && p[0] != '#' && strspn(p, " \t\r") < n) {
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: text before the first section", path, line);
        }
        p += n + (nl ? 1 : 0);
    }
    if (!rc && (!first[START] || !first[DESIRED]))
        rc = mp_error_set(err, MP_EINVAL, "%s: a case needs [start] and [desired] sections", path);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[START]), path, first[START], &out->c.start, err);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[DESIRED]), path, first[DESIRED], &out->c.desired, err);
    if (!rc)
        rc = check_schema(path, mp_buf_str(&sec[START]), first[START], out->c.start, err);
    if (!rc)
        rc = check_schema(path, mp_buf_str(&sec[DESIRED]), first[DESIRED], out->c.desired, err);
    if (!rc && first[RENAMES])
        rc = mp_renames_parse(a, mp_buf_str(&sec[RENAMES]), path, first[RENAMES], &out->c.renames, err);
    if (!rc && first[ROWS]) {
        rc = parse_rows(a, mp_buf_str(&sec[ROWS]), path, first[ROWS], out->c.start, &out->data, err);
        out->has_rows = !rc;
    }
    if (!rc && first[META]) {
        int ml = first[META] - 1;
        for (char *p = sec[META].s; p && *p;) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            ml++;
            const char *v;
            const char *l = skip_ws(p);
            if ((v = meta_value(a, l, "property")))
                out->meta.property = v;
            else if ((v = meta_value(a, l, "backend")))
                out->meta.backend = v;
            else if ((v = meta_value(a, l, "solver")))
                out->meta.solver = v;
            else if ((v = meta_value(a, l, "seed")))
                out->meta.seed = v;
            else if ((v = meta_value(a, l, "trial_seed")))
                out->meta.trial_seed = v;
            else if ((v = meta_value(a, l, "trial")))
                out->meta.trial = strtol(v, NULL, 10);
            else if ((v = meta_value(a, l, "migprop")))
                out->meta.version = v;
            else if ((v = meta_value(a, l, "kind")))
                out->meta.kind = v;
            else if (*l && *l != '#' && !meta_value(a, l, "dialect"))
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown meta key: %s", path, ml, l);
            p = nl ? nl + 1 : NULL;
        }
    }
    for (int i = 0; i < NSEC; i++)
        mp_buf_free(&sec[i]);
    free(text);
    return rc;
}

int mp_casefile_read(struct mp_arena *a, const char *path, struct mp_case *out, struct mp_error *err)
{
    struct mp_casefile cf;
    int rc = mp_casefile_read_full(a, path, &cf, err);
    if (!rc)
        *out = cf.c;
    return rc;
}

int mp_casefile_write(const char *path, const struct mp_casefile *cf, struct mp_error *err)
{
    struct mp_buf b = {0};
    mp_buf_add(&b, "# migprop case file: the start schema, the desired schema, the rename hints\n"
                   "# and the rows; `migprop replay FILE` runs it again.\n[meta]\n");
    const struct mp_case_meta *m = &cf->meta;
    if (m->property)
        mp_buf_printf(&b, "property: %s\n", m->property);
    if (m->backend)
        mp_buf_printf(&b, "backend: %s\ndialect: %s\n", m->backend, m->backend);
    if (m->solver)
        mp_buf_printf(&b, "solver: %s\n", m->solver);
    if (m->seed)
        mp_buf_printf(&b, "seed: %s\n", m->seed);
    if (m->trial >= 0)
        mp_buf_printf(&b, "trial: %ld\n", m->trial);
    if (m->trial_seed)
        mp_buf_printf(&b, "trial_seed: %s\n", m->trial_seed);
    if (m->kind)
        mp_buf_printf(&b, "kind: %s\n", m->kind);
    mp_buf_printf(&b, "migprop: %s\n[start]\n", m->version ? m->version : MIGPROP_VERSION);
    mp_schema_canonical(&b, cf->c.start, MP_CANON_NAMES);
    mp_buf_add(&b, "[desired]\n");
    mp_schema_canonical(&b, cf->c.desired, MP_CANON_NAMES);
    if (cf->c.renames.n) {
        mp_buf_add(&b, "[renames]\n");
        mp_renames_print(&b, &cf->c.renames);
    }
    if (cf->has_rows) {
        mp_buf_add(&b, "[rows]\n");
        for (size_t i = 0; i < cf->data.n; i++) {
            const struct mp_table_rows *t = &cf->data.v[i];
            if (!t->nrows)
                continue;
            mp_buf_add(&b, "table ");
            mp_buf_ident(&b, t->table);
            mp_buf_add(&b, " (");
            for (size_t c = 0; c < t->ncols; c++) {
                mp_buf_add(&b, c ? ", " : "");
                mp_buf_ident(&b, t->cols[c]);
            }
            mp_buf_add(&b, ")\n");
            for (size_t r = 0; r < t->nrows; r++) {
                mp_buf_add(&b, "  (");
                for (size_t c = 0; c < t->ncols; c++) {
                    mp_buf_add(&b, c ? ", " : "");
                    if (t->rows[r][c])
                        mp_buf_literal(&b, t->rows[r][c]);
                    else
                        mp_buf_add(&b, "NULL");
                }
                mp_buf_add(&b, ")\n");
            }
        }
    }
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fputs(mp_buf_str(&b), f) < 0)
        rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    if (f && fclose(f) != 0 && !rc)
        rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    mp_buf_free(&b);
    return rc;
}

uint64_t mp_case_trial_seed(const struct mp_case_meta *m, const char *path)
{
    struct mp_error e = {0};
    uint64_t seed;
    if (m && m->trial_seed && mp_parse_u64(m->trial_seed, UINT64_MAX, "trial_seed", &seed, &e) == 0)
        return seed;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    uint64_t h = 1469598103934665603ULL;
    for (const char *q = base; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211ULL;
    return mp_trial_seed(h, 0);
}
