/* sqlscan.c - statement boundaries in a PostgreSQL script (see sqlscan.h). */
#include "sqlscan.h"

#include <ctype.h>
#include <stdbool.h>
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

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* The length of a dollar-quote tag starting at s[0] == '$' ("$tag$"), or 0. */
static size_t dollar_tag(const char *s, size_t n)
{
    size_t i = 1;
    if (i < n && isdigit((unsigned char)s[i]))
        return 0; /* $1 is a parameter */
    while (i < n && ident_char((unsigned char)s[i]))
        i++;
    return i < n && s[i] == '$' ? i + 1 : 0;
}

static bool word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

long mp_sql_statements(const char *sql, size_t len, struct mp_sql_stmt **out)
{
    size_t cap = 16, n = 0;
    struct mp_sql_stmt *v = malloc(cap * sizeof *v);
    if (!v)
        return -1;
    size_t i = 0;
    bool content = false;     /* a token other than comments since start */
    size_t first_tok = 0;
    int depth = 0;            /* BEGIN ATOMIC / CASE ... END nesting */
    char prev_word[16] = "";  /* the previous keyword, for BEGIN ATOMIC */
    while (i <= len) {
        bool at_end = i == len;
        char c = at_end ? ';' : sql[i];
        if (!at_end && c == '-' && i + 1 < len && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                i++;
            continue;
        }
        if (!at_end && c == '/' && i + 1 < len && sql[i + 1] == '*') {
            int nest = 0;
            while (i < len) {
                if (sql[i] == '/' && i + 1 < len && sql[i + 1] == '*') {
                    nest++;
                    i += 2;
                } else if (sql[i] == '*' && i + 1 < len && sql[i + 1] == '/') {
                    i += 2;
                    if (--nest == 0)
                        break;
                } else {
                    i++;
                }
            }
            continue;
        }
        if (!at_end && isspace((unsigned char)c)) {
            i++;
            continue;
        }
        if (c == ';' && (depth == 0 || at_end)) {
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
                v[n].start = first_tok;
                v[n].end = at_end ? len : i + 1;
                v[n].line = mp_sql_line_of(sql, first_tok);
                n++;
            }
            content = false;
            prev_word[0] = 0;
            i++;
            continue;
        }
        if (!content) {
            content = true;
            first_tok = i;
        }
        if (c == '\'' || c == '"') {
            bool esc = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                       (i < 2 || !ident_char((unsigned char)sql[i - 2]));
            char q = c;
            i++;
            while (i < len) {
                if (esc && sql[i] == '\\' && i + 1 < len) {
                    i += 2;
                } else if (sql[i] == q) {
                    if (i + 1 < len && sql[i + 1] == q) {
                        i += 2;
                    } else {
                        i++;
                        break;
                    }
                } else {
                    i++;
                }
            }
            continue;
        }
        if (c == '$') {
            size_t t = dollar_tag(sql + i, len - i);
            if (t) {
                const char *tag = sql + i;
                i += t;
                while (i < len && !(sql[i] == '$' && i + t <= len && memcmp(sql + i, tag, t) == 0))
                    i++;
                i = i + t <= len ? i + t : len;
                continue;
            }
            i++;
            continue;
        }
        if (ident_char((unsigned char)c)) {
            size_t s = i;
            while (i < len && ident_char((unsigned char)sql[i]))
                i++;
            size_t wl = i - s;
            if (word_is(sql + s, wl, "ATOMIC") && strcmp(prev_word, "BEGIN") == 0)
                depth++;
            else if (depth > 0 && word_is(sql + s, wl, "CASE"))
                depth++;
            else if (depth > 0 && word_is(sql + s, wl, "END"))
                depth--;
            if (wl < sizeof prev_word) {
                for (size_t k = 0; k < wl; k++)
                    prev_word[k] = (char)toupper((unsigned char)sql[s + k]);
                prev_word[wl] = 0;
            } else {
                prev_word[0] = 0;
            }
            continue;
        }
        i++;
    }
    *out = v;
    return (long)n;
}
