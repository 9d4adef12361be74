/* sqlexpr.h - SQL expression text as the schema model holds it: a tokenizer
 * for the SQL both dialects share, a normal form that two catalogs agree
 * on, column references and column renames inside an expression.
 *
 * CHECK constraints, partial-index predicates and index key expressions
 * come back from the catalogs in different spellings of one expression:
 * PostgreSQL's pg_get_constraintdef() / pg_get_indexdef() deparse the
 * stored tree (extra parentheses around every operator, casts such as
 * 'a'::text or (s)::text, IN lists as = ANY (ARRAY[...]), identifiers
 * quoted only where needed; ruleutils.c), SQLite keeps the text as written
 * (sqlite_schema.sql).  The normal form (mp_expr_norm()) is one spelling
 * valid in both dialects, the comparison form (mp_expr_compare_form()) the
 * normal form without casts, what the canonical form prints:
 *  - tokens joined by single spaces (no space inside parentheses, before a
 *    comma, or between a function name and its argument list), comments
 *    dropped;
 *  - bare words in lower case (PostgreSQL folds unquoted identifiers to
 *    lower case, keywords and SQLite identifiers are case-insensitive);
 *    a quoted identifier loses its quotes when it is a lower-case plain
 *    word that is not a keyword of the list in sqlexpr.c, and any word of
 *    that list is written quoted ("order", "user", ...);
 *  - (comparison form only) casts (`::type`) dropped; a quoted number cast
 *    to a numeric type ('-1'::integer) becomes the number: PostgreSQL adds
 *    casts the DDL did not write ('a'::text, (s)::text for a varchar);
 *  - `!=` is `<>`, `==` is `=`; `= ANY (ARRAY[a, b])` is `in (a, b)` and
 *    `<> ALL (ARRAY[a, b])` is `not in (a, b)`;
 *  - redundant parentheses dropped: around one token, around a group,
 *    around the whole expression, and around an AND / OR operand that has
 *    no AND / OR of its own.
 * The model stores the normal form (casts kept, so the SQL rendered from a
 * catalog's text means what it meant there); comparisons use the
 * comparison form, so an expression that differs only in a cast (a user's
 * own x::integer) compares equal, and the canonical form, which prints the
 * comparison form, parses back without its casts (the README says so).
 * Expressions are never evaluated. */
#ifndef MP_SQLEXPR_H
#define MP_SQLEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"
#include "dialect.h"

/* Raw token kinds of mp_sql_tokens(). */
enum mp_sqltok_kind {
    MP_TK_STR,    /* '...' (also X'...') */
    MP_TK_QID,    /* "...", `...`, [...] (SQLite) */
    MP_TK_WORD,   /* a bare word: keyword, identifier, function name */
    MP_TK_NUM,    /* a number, with its sign when it is a unary minus */
    MP_TK_OP,     /* an operator: :: <= >= <> != == || and one-character ones */
    MP_TK_LP, MP_TK_RP, MP_TK_COMMA, MP_TK_LB, MP_TK_RB, MP_TK_DOT
};

/* One token: its kind and its span [s, s+n) in the text tokenized. */
struct mp_sqltok {
    enum mp_sqltok_kind kind;
    const char *s;
    size_t n;
};

/* Tokenize `text` (whitespace and -- / C comments skipped) into *out, an
 * array malloc'd here that the caller frees; returns the token count.  An
 * unterminated string or quoted identifier runs to the end of the text. */
size_t mp_sql_tokens(const char *text, struct mp_sqltok **out);

/* The identifier a MP_TK_WORD or MP_TK_QID token names (quotes removed,
 * doubled quotes undoubled; a bare word as written), copied into `a`. */
char *mp_sqltok_ident(struct mp_arena *a, const struct mp_sqltok *t);

/* The index of the ')' that closes the '(' token t[i] (of n), or n. */
size_t mp_sqltok_match(const struct mp_sqltok *t, size_t n, size_t i);

/* True when the token is the bare word `w` (ASCII case-insensitive). */
bool mp_sqltok_is(const struct mp_sqltok *t, const char *w);

/* The end of the raw token at `p` (not at the end of the text): a quoted
 * string or identifier ('..', "..", `..`, [..]), a comment, a word, or one
 * character (SQLite "SQL Language Expressions", "SQLite Keywords"). */
const char *mp_sql_token_end(const char *p);

/* Given `p` at '(', the character after the matching ')', skipping
 * strings, quoted identifiers and comments; NULL when it does not close. */
const char *mp_sql_paren_end(const char *p);

/* The normal form (see above) of the `n` bytes at `expr`, appended to `b`.
 * With `from`/`to` (k pairs, else NULL and 0) every identifier that names
 * column from[i] (dialect d's name rule; not a function name) is written as
 * to[i]: a column rename applied to the expression. */
void mp_expr_normalize(struct mp_buf *b, const char *expr, size_t n, enum mp_dialect d,
                       const char *const *from, const char *const *to, size_t k);

/* The comparison form (the normal form without casts) of `expr`, appended. */
void mp_expr_compare_form(struct mp_buf *b, const char *expr);

/* The normal form of `expr` (NUL-terminated), copied into `a`; NULL for NULL. */
const char *mp_expr_norm(struct mp_arena *a, const char *expr);

/* `expr` with column `from` renamed to `to` (normal form, in `a`). */
const char *mp_expr_rename(struct mp_arena *a, enum mp_dialect d, const char *expr, const char *from,
                           const char *to);

/* True when `expr` names column `col` (an identifier token that is not a
 * function name, compared under dialect d's rule). */
bool mp_expr_uses(enum mp_dialect d, const char *expr, const char *col);

/* True when the comparison forms of x and y are equal; NULL equals only NULL. */
bool mp_expr_eq(const char *x, const char *y);

#endif
