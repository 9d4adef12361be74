/* buf.h - growable string buffer (heap-owned) and SQL quoting helpers. */
#ifndef MP_BUF_H
#define MP_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A NUL-terminated growable string. Zero-initialise ({0}) before use; the
 * caller owns `s` and releases it with mp_buf_free(). Allocation failure
 * aborts (see arena.h). */
struct mp_buf {
    char *s;
    size_t len, cap;
};

void mp_buf_free(struct mp_buf *b);
void mp_buf_reset(struct mp_buf *b);
void mp_buf_add(struct mp_buf *b, const char *s);
void mp_buf_addn(struct mp_buf *b, const char *s, size_t n);
void mp_buf_addc(struct mp_buf *b, char c);
void mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mp_buf_vprintf(struct mp_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The contents, never NULL ("" for an empty buffer). */
const char *mp_buf_str(const struct mp_buf *b);

/* Append `name` as a double-quoted SQL identifier, doubling embedded quotes.
 * Both PostgreSQL and SQLite accept this form ("Lexical Structure" 4.1.1 of
 * the PostgreSQL manual; SQLite "SQL Keywords" page). */
void mp_buf_ident(struct mp_buf *b, const char *name);

/* Append `s` as a single-quoted SQL string literal, doubling quotes. */
void mp_buf_literal(struct mp_buf *b, const char *s);

#endif
