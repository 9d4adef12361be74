/* arena.h - region allocator for everything a trial owns.
 *
 * A trial's schemas, change sets, plans and diagnostics live in one arena and
 * are released by a single mp_arena_free().  Allocation failure aborts the
 * process with a message (the xmalloc policy of git): a harness that runs out
 * of memory cannot report anything trustworthy anyway. */
#ifndef MP_ARENA_H
#define MP_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct mp_arena;

/* Create an empty arena. Never returns NULL. Free with mp_arena_free(). */
struct mp_arena *mp_arena_new(void);

/* Release the arena and every block allocated from it. NULL-safe. */
void mp_arena_free(struct mp_arena *a);

/* Return `size` zeroed bytes aligned for any object, owned by the arena. */
void *mp_arena_alloc(struct mp_arena *a, size_t size);

/* Copy of NUL-terminated `s` in the arena; NULL gives NULL. */
char *mp_arena_strdup(struct mp_arena *a, const char *s);

/* Copy of the first `n` bytes of `s`, NUL-terminated, in the arena. */
char *mp_arena_strndup(struct mp_arena *a, const char *s, size_t n);

/* printf into a string owned by the arena. */
char *mp_arena_printf(struct mp_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *mp_arena_vprintf(struct mp_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Make room for at least `need` elements of `elem` bytes in the array `v`
 * whose capacity is `*cap` elements; returns the (possibly moved) array with
 * its old contents and updates *cap.  The old block stays in the arena. */
void *mp_arena_reserve(struct mp_arena *a, void *v, size_t *cap, size_t need,
                       size_t elem);

/* Append one element to an arena array: MP_PUSH(arena, v, n, cap) returns a
 * pointer to the new slot v[n-1], zeroed even when a removal left old
 * contents there. */
#define MP_PUSH(arena, v, n, cap)                                              \
    ((v) = mp_arena_reserve((arena), (v), &(cap), (n) + 1, sizeof *(v)),       \
     memset(&(v)[(n)], 0, sizeof *(v)), &(v)[(n)++])

/* Abort with a message; used for allocation failure only. */
void mp_oom(void) __attribute__((noreturn));

#endif
