/* buf.c - growable string buffer and SQL quoting. */
#include "buf.h"
#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct mp_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    char *ns = realloc(b->s, ncap);
    if (!ns)
        mp_oom();
    b->s = ns;
    b->cap = ncap;
}

void mp_buf_free(struct mp_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void mp_buf_reset(struct mp_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void mp_buf_addn(struct mp_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void mp_buf_add(struct mp_buf *b, const char *s)
{
    mp_buf_addn(b, s, strlen(s));
}

void mp_buf_addc(struct mp_buf *b, char c)
{
    mp_buf_addn(b, &c, 1);
}

void mp_buf_vprintf(struct mp_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *mp_buf_str(const struct mp_buf *b)
{
    return b->s ? b->s : "";
}

static void quoted(struct mp_buf *b, const char *s, char q)
{
    mp_buf_addc(b, q);
    for (const char *p = s; *p; p++) {
        if (*p == q)
            mp_buf_addc(b, q);
        mp_buf_addc(b, *p);
    }
    mp_buf_addc(b, q);
}

void mp_buf_ident(struct mp_buf *b, const char *name)
{
    quoted(b, name, '"');
}

void mp_buf_literal(struct mp_buf *b, const char *s)
{
    quoted(b, s, '\'');
}

/* ---- error context (error.h) ---- */
#include "error.h"

int mp_error_set(struct mp_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->sqlstate[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void mp_error_prefix(struct mp_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char pre[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t pl = strlen(pre), room = sizeof err->msg - 1;
    if (pl > room)
        pl = room;
    memcpy(err->msg, pre, pl);
    size_t ol = strnlen(old, sizeof old - 1);
    if (ol > room - pl)
        ol = room - pl;
    memcpy(err->msg + pl, old, ol);
    err->msg[pl + ol] = '\0';
}
