/* fuzz_casefile.c - libFuzzer target: case files (engine/casefile.c: the
 * sections, the schema text, rows, renames and the default grammar).  An
 * accepted case is written back and must read again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *root = fuzz_scratch();
    struct mp_arena *a = mp_arena_new();
    const char *path = mp_arena_printf(a, "%s/in.case", root);
    fuzz_write(path, data, size);
    struct mp_casefile cf;
    struct mp_error err = {0};
    if (mp_casefile_read_full(a, path, &cf, &err) == 0) {
        const char *again = mp_arena_printf(a, "%s/again.case", root);
        unlink(again);
        if (mp_casefile_write(again, &cf, &err) != 0)
            abort();
        struct mp_casefile cf2;
        if (mp_casefile_read_full(a, again, &cf2, &err) != 0) {
            fprintf(stderr, "a written case does not read again: %s\n", err.msg);
            abort();
        }
    }
    mp_arena_free(a);
    return 0;
}
