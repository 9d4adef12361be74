/* fuzz_migdir.c - libFuzzer target: directory discovery and file parsing
 * (runner/migdir.h).  The input is cut at "\n--8<--\n" lines into files,
 * written into a scratch directory in the layout of the format the first
 * byte picks (pairs, single, diesel, or a mixed directory), then read back
 * in every format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fuzz_util.h"
#include "migdir.h"
#include "runner_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const layouts[4][4] = {
    {"1_a.up.sql", "1_a.down.sql", "2_b.up.sql", "0002_c.down.sql"},
    {"1_a.sql", "2_b.sql", "003_c.sql", "README"},
    {"2024-01-01-000000_a/up.sql", "2024-01-01-000000_a/down.sql", "2024-01-02-000000-0001_b/up.sql",
     "2024-01-02-000000-0001_b/down.sql"},
    {"1_a.up.sql", "2_b.sql", "2024-01-01-000000_c/up.sql", "x_y.sql"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *root = fuzz_scratch();
    struct mp_arena *a = mp_arena_new();
    const char *dir = mp_arena_printf(a, "%s/m", root);
    mp_rmtree(dir, NULL);
    struct mp_error err = {0};
    if (mp_mkdir_p(dir, &err))
        abort();
    int lay = data[0] % 4;
    const uint8_t *p = data + 1, *end = data + size;
    static const char sep[] = "\n--8<--\n";
    for (int f = 0; f < 4 && p <= end; f++) {
        const uint8_t *cut = NULL;
        for (const uint8_t *q = p; q + sizeof sep - 1 <= end && !cut; q++)
            if (memcmp(q, sep, sizeof sep - 1) == 0)
                cut = q;
        size_t n = cut ? (size_t)(cut - p) : (size_t)(end - p);
        const char *path = mp_arena_printf(a, "%s/%s", dir, layouts[lay][f]);
        const char *sub = mp_arena_strndup(a, path, (size_t)(strrchr(path, '/') - path));
        if (mp_mkdir_p(sub, &err))
            abort();
        fuzz_write(path, p, n);
        if (!cut)
            break;
        p = cut + sizeof sep - 1;
    }
    static const enum mp_migfmt fmts[] = {MP_MIGFMT_AUTO, MP_MIGFMT_PAIRS, MP_MIGFMT_SINGLE, MP_MIGFMT_DIESEL};
    for (size_t k = 0; k < sizeof fmts / sizeof *fmts; k++) {
        struct mp_migset set;
        struct mp_error e = {0};
        if (mp_migdir_read(a, dir, fmts[k], &set, &e) != 0)
            continue;
        for (size_t i = 0; i < set.n; i++) {
            const struct mp_migration *m = &set.v[i];
            if (strlen(m->checksum) != 64)
                abort();
            for (int s = 0; s < 2; s++) {
                const struct mp_migsql *sec = s ? &m->down : &m->up;
                char *body = NULL;
                bool fk;
                struct mp_error e2 = {0};
                mp_section_txcheck(sec, MP_SQLITE, !sec->no_transaction, &body, &fk, &e2);
                free(body);
            }
        }
        /* the next version is one past the highest */
        const char *next = mp_migdir_next_version(a, &set);
        if (set.n && set.format != MP_MIGFMT_DIESEL && mp_migversion_cmp(set.format, mp_migversion_parse(a, set.format, next), set.v[set.n - 1].version) <= 0)
            abort();
    }
    mp_arena_free(a);
    return 0;
}
