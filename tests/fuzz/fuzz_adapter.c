/* fuzz_adapter.c - libFuzzer target: runner-check adapter files
 * (runnercheck/runner_check.h, mp_runner_adapter_check()). */
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "fuzz_util.h"
#include "runner_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *root = fuzz_scratch();
    struct mp_arena *a = mp_arena_new();
    const char *path = mp_arena_printf(a, "%s/in.adapter", root);
    fuzz_write(path, data, size);
    struct mp_error err = {0};
    mp_runner_adapter_check(path, &err);
    mp_arena_free(a);
    return 0;
}
