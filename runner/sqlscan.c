/* sqlscan.c - statement boundaries, tokens and transaction-control statements in a SQL script (see sqlscan.h). */
#include "sqlscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

long mp_sql_line_of(const char *sql, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off && sql[i]; i++)
        if (sql[i] == '\n')
            line++;
    return line;
}

static bool ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* The length of a dollar-quote tag starting at s[0] == '$' ("$tag$"), or 0
 * (scan.l: dolqdelim = \$({dolq_start}{dolq_cont}*)?\$). */
static size_t dollar_tag(const char *s, size_t n)
{
    size_t i = 1;
    if (i < n && s[i] != '$' && !ident_start((unsigned char)s[i]))
        return 0; /* $1 is a parameter */
    while (i < n && ident_char((unsigned char)s[i]))
        i++;
    return i < n && s[i] == '$' ? i + 1 : 0;
}

/* The offset of the first byte at or after i (< end) that is neither
 * whitespace nor inside a comment. */
static size_t skip_blank(const char *sql, size_t end, size_t i)
{
    while (i < end) {
        unsigned char c = (unsigned char)sql[i];
        if (isspace(c)) {
            i++;
        } else if (c == '-' && i + 1 < end && sql[i + 1] == '-') {
            while (i < end && sql[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < end && sql[i + 1] == '*') {
            int nest = 0;
            while (i < end) {
                if (sql[i] == '/' && i + 1 < end && sql[i + 1] == '*') {
                    nest++;
                    i += 2;
                } else if (sql[i] == '*' && i + 1 < end && sql[i + 1] == '/') {
                    i += 2;
                    if (--nest == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else {
            break;
        }
    }
    return i;
}

/* Past the quoted text opened by sql[i] == q; `esc`: backslash escapes. */
static size_t skip_quoted(const char *sql, size_t end, size_t i, char q, bool esc)
{
    i++;
    while (i < end) {
        if (esc && sql[i] == '\\' && i + 1 < end) {
            i += 2;
        } else if (sql[i] == q) {
            if (i + 1 < end && sql[i + 1] == q)
                i += 2;
            else
                return i + 1;
        } else {
            i++;
        }
    }
    return end;
}

bool mp_sql_next_token(const char *sql, size_t end, size_t *pos, struct mp_sql_tok *out)
{
    size_t i = skip_blank(sql, end, *pos);
    if (i >= end) {
        *pos = end;
        return false;
    }
    size_t s = i;
    unsigned char c = (unsigned char)sql[i];
    enum mp_sql_tokkind k = MP_SQL_TOK_PUNCT;
    if (c == '\'') {
        k = MP_SQL_TOK_STRING;
        i = skip_quoted(sql, end, i, '\'', false);
    } else if (c == '"' || c == '`') {
        k = MP_SQL_TOK_QIDENT;
        i = skip_quoted(sql, end, i, (char)c, false);
    } else if (c == '$' && dollar_tag(sql + i, end - i)) {
        size_t t = dollar_tag(sql + i, end - i);
        const char *tag = sql + i;
        k = MP_SQL_TOK_STRING;
        i += t;
        while (i < end && !(sql[i] == '$' && i + t <= end && memcmp(sql + i, tag, t) == 0))
            i++;
        i = i + t <= end ? i + t : end;
    } else if (ident_start(c)) {
        /* identifiers continue with '$' too (scan.l ident_cont) */
        while (i < end && (ident_char((unsigned char)sql[i]) || sql[i] == '$'))
            i++;
        k = MP_SQL_TOK_WORD;
        if (i - s == 1 && (c == 'E' || c == 'e') && i < end && sql[i] == '\'') {
            k = MP_SQL_TOK_STRING; /* E'...': backslash escapes */
            i = skip_quoted(sql, end, i, '\'', true);
        }
    } else if (isdigit(c)) {
        while (i < end && (ident_char((unsigned char)sql[i]) || sql[i] == '.'))
            i++;
        k = MP_SQL_TOK_NUMBER;
    } else {
        i++;
    }
    out->kind = k;
    out->start = s;
    out->len = i - s;
    *pos = i;
    return true;
}

bool mp_sql_tok_is(const char *sql, const struct mp_sql_tok *t, const char *w)
{
    return t->kind == MP_SQL_TOK_WORD && strlen(w) == t->len && strncasecmp(sql + t->start, w, t->len) == 0;
}

void mp_sql_tok_ident(const char *sql, const struct mp_sql_tok *t, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return;
    if (t->kind == MP_SQL_TOK_WORD || t->kind == MP_SQL_TOK_NUMBER) {
        for (size_t i = 0; i < t->len && n + 1 < cap; i++)
            out[n++] = sql[t->start + i];
    } else if ((t->kind == MP_SQL_TOK_QIDENT || (t->kind == MP_SQL_TOK_STRING && sql[t->start] == '\'')) &&
               t->len >= 2) {
        char q = sql[t->start];
        for (size_t i = 1; i + 1 < t->len && n + 1 < cap; i++) {
            out[n++] = sql[t->start + i];
            if (sql[t->start + i] == q)
                i++; /* "" is one " */
        }
    }
    out[n] = 0;
}

long mp_sql_statements(const char *sql, size_t len, struct mp_sql_stmt **out)
{
    size_t cap = 16, n = 0;
    struct mp_sql_stmt *v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    bool content = false; /* a token since the statement's start */
    size_t first_tok = 0;
    int depth = 0;        /* BEGIN ATOMIC / CASE ... END nesting */
    bool prev_begin = false;
    int nwords = 0;       /* words of the statement so far (up to 4) */
    bool trigger = false; /* SQLite CREATE [TEMP] TRIGGER: BEGIN ... END holds ';' */
    /* line numbers counted as the scan moves on: linear, not per statement */
    long line = 1;
    size_t line_at = 0;
    size_t pos = 0;
    struct mp_sql_tok t, first_word = {0};
    for (;;) {
        bool more = mp_sql_next_token(sql, len, &pos, &t);
        bool ends = !more || (t.kind == MP_SQL_TOK_PUNCT && sql[t.start] == ';' && depth == 0);
        if (ends) {
            if (content) {
                if (n == cap) {
                    struct mp_sql_stmt *nv = realloc(v, 2 * cap * sizeof *v);
                    if (!nv) {
                        free(v);
                        return -1;
                    }
                    v = nv;
                    cap *= 2;
                }
                for (; line_at < first_tok; line_at++)
                    line += sql[line_at] == '\n';
                v[n].start = first_tok;
                v[n].end = more ? t.start + 1 : len;
                v[n].line = line;
                n++;
            }
            if (!more)
                break;
            content = false;
            prev_begin = false;
            nwords = 0;
            trigger = false;
            continue;
        }
        if (!content) {
            content = true;
            first_tok = t.start;
        }
        if (t.kind == MP_SQL_TOK_WORD) {
            if (nwords < 4) {
                if (nwords > 0 && mp_sql_tok_is(sql, &t, "TRIGGER") && mp_sql_tok_is(sql, &first_word, "CREATE"))
                    trigger = true;
                if (nwords == 0)
                    first_word = t;
                nwords++;
            }
            if (prev_begin && mp_sql_tok_is(sql, &t, "ATOMIC"))
                depth++;
            else if (trigger && depth == 0 && mp_sql_tok_is(sql, &t, "BEGIN"))
                depth++;
            else if (depth > 0 && mp_sql_tok_is(sql, &t, "CASE"))
                depth++;
            else if (depth > 0 && mp_sql_tok_is(sql, &t, "END"))
                depth--;
            prev_begin = mp_sql_tok_is(sql, &t, "BEGIN");
        } else {
            prev_begin = false;
        }
    }
    *out = v;
    return (long)n;
}

const char *mp_sql_txctl_name(enum mp_sql_txctl k)
{
    static const char *const names[] = {
        [MP_SQL_TX_NONE] = "a statement",
        [MP_SQL_TX_BEGIN] = "BEGIN",
        [MP_SQL_TX_COMMIT] = "COMMIT",
        [MP_SQL_TX_ROLLBACK] = "ROLLBACK",
        [MP_SQL_TX_SAVEPOINT] = "SAVEPOINT / RELEASE / ROLLBACK TO",
        [MP_SQL_TX_PREPARED] = "a two-phase commit statement",
        [MP_SQL_TX_FK_PRAGMA] = "PRAGMA foreign_keys",
    };
    return names[k];
}

enum mp_sql_txctl mp_sql_txctl(const char *sql, const struct mp_sql_stmt *st, int *fk_value)
{
    size_t pos = st->start;
    struct mp_sql_tok w[6];
    size_t nw = 0;
    while (nw < 6 && mp_sql_next_token(sql, st->end, &pos, &w[nw]))
        nw++;
    if (nw && w[nw - 1].kind == MP_SQL_TOK_PUNCT && sql[w[nw - 1].start] == ';')
        nw--;
    if (!nw)
        return MP_SQL_TX_NONE;
    /* the words after the first, skipping WORK / TRANSACTION */
    size_t k = 1;
    while (k < nw && (mp_sql_tok_is(sql, &w[k], "WORK") || mp_sql_tok_is(sql, &w[k], "TRANSACTION")))
        k++;
    const struct mp_sql_tok *w0 = &w[0], *wk = k < nw ? &w[k] : NULL;
    if (mp_sql_tok_is(sql, w0, "BEGIN"))
        return MP_SQL_TX_BEGIN; /* BEGIN ATOMIC only opens a function body, never a statement */
    if (mp_sql_tok_is(sql, w0, "START") && nw > 1 && mp_sql_tok_is(sql, &w[1], "TRANSACTION"))
        return MP_SQL_TX_BEGIN;
    if (mp_sql_tok_is(sql, w0, "COMMIT") || mp_sql_tok_is(sql, w0, "ROLLBACK")) {
        if (wk && mp_sql_tok_is(sql, wk, "PREPARED"))
            return MP_SQL_TX_PREPARED;
        if (mp_sql_tok_is(sql, w0, "ROLLBACK") && wk && mp_sql_tok_is(sql, wk, "TO"))
            return MP_SQL_TX_SAVEPOINT;
        return mp_sql_tok_is(sql, w0, "COMMIT") ? MP_SQL_TX_COMMIT : MP_SQL_TX_ROLLBACK;
    }
    if (mp_sql_tok_is(sql, w0, "END"))
        return MP_SQL_TX_COMMIT;
    if (mp_sql_tok_is(sql, w0, "ABORT"))
        return MP_SQL_TX_ROLLBACK;
    if (mp_sql_tok_is(sql, w0, "SAVEPOINT") || mp_sql_tok_is(sql, w0, "RELEASE"))
        return MP_SQL_TX_SAVEPOINT;
    if (mp_sql_tok_is(sql, w0, "PREPARE") && nw > 1 && mp_sql_tok_is(sql, &w[1], "TRANSACTION"))
        return MP_SQL_TX_PREPARED;
    if (mp_sql_tok_is(sql, w0, "PRAGMA") && nw > 1) {
        size_t p = 1;
        if (nw > 3 && w[2].kind == MP_SQL_TOK_PUNCT && sql[w[2].start] == '.')
            p = 3; /* schema.foreign_keys */
        char name[32];
        mp_sql_tok_ident(sql, &w[p], name, sizeof name);
        if (strcasecmp(name, "foreign_keys") != 0)
            return MP_SQL_TX_NONE;
        if (fk_value) {
            *fk_value = -1;
            size_t v = p + 1;
            if (v < nw && w[v].kind == MP_SQL_TOK_PUNCT && (sql[w[v].start] == '=' || sql[w[v].start] == '('))
                v++;
            if (v < nw) {
                char val[16];
                mp_sql_tok_ident(sql, &w[v], val, sizeof val);
                bool on = !strcasecmp(val, "on") || !strcasecmp(val, "true") || !strcasecmp(val, "yes") ||
                          !strcmp(val, "1");
                *fk_value = on ? 1 : 0;
            }
        }
        return MP_SQL_TX_FK_PRAGMA;
    }
    return MP_SQL_TX_NONE;
}
