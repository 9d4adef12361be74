/* arena.c - region allocator: bump allocation in growing chunks. */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t size, used;
    max_align_t data[];
};

struct mp_arena {
    struct chunk *head;
    size_t next_size;
};

void mp_oom(void)
{
    fputs("migprop: out of memory\n", stderr);
    abort();
}

struct mp_arena *mp_arena_new(void)
{
    struct mp_arena *a = calloc(1, sizeof *a);
    if (!a)
        mp_oom();
    a->next_size = 16 * 1024;
    return a;
}

void mp_arena_free(struct mp_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *mp_arena_alloc(struct mp_arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t csize = a->next_size;
        if (csize < size)
            csize = size;
        if (a->next_size < 4u * 1024 * 1024)
            a->next_size *= 2;
        c = malloc(sizeof *c + csize);
        if (!c)
            mp_oom();
        c->size = csize;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *mp_arena_strndup(struct mp_arena *a, const char *s, size_t n)
{
    char *d = mp_arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mp_arena_strdup(struct mp_arena *a, const char *s)
{
    return s ? mp_arena_strndup(a, s, strlen(s)) : NULL;
}

char *mp_arena_vprintf(struct mp_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    char *d = mp_arena_alloc(a, (size_t)n + 1);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *mp_arena_printf(struct mp_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = mp_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

void *mp_arena_reserve(struct mp_arena *a, void *v, size_t *cap, size_t need,
                       size_t elem)
{
    if (need <= *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 4;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem)
        mp_oom();
    void *nv = mp_arena_alloc(a, ncap * elem);
    if (v && *cap)
        memcpy(nv, v, *cap * elem);
    *cap = ncap;
    return nv;
}
