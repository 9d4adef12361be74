/* fuzz_ddl.c - libFuzzer target: loading DDL into SQLite in memory and
 * reading the schema back, the steps `migprop plan` takes for --from and
 * --to: mp_shadow_load_ddl() (engine/shadow.c), the loader cli/plan.c
 * calls.  The trial database refuses ATTACH (db/backend_sqlite.c) and the
 * backend's step limit bounds every trial, so the input can neither write
 * files nor loop. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "backend.h"
#include "engine.h"
#include "shadow.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mp_backend *backend;

static void close_backend(void)
{
    mp_backend_close(backend);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_error err = {0};
    if (!backend) {
        /* 2M virtual machine steps per trial, so no input loops */
        struct mp_backend_config cfg = {.quiet = true, .step_limit = 2000000};
        if (mp_backend_open(MP_SQLITE, &cfg, &backend, &err) != 0)
            abort();
        atexit(close_backend);
    }
    const char *root = fuzz_scratch();
    struct mp_arena *a = mp_arena_new();
    const char *path = mp_arena_printf(a, "%s/in.sql", root);
    fuzz_write(path, data, size);
    struct mp_schema *s = NULL;
    (void)mp_shadow_load_ddl(backend, a, path, &s, &err);
    mp_arena_free(a);
    return 0;
}
