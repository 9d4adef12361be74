/* fuzz_ddl.c - libFuzzer target: loading DDL into SQLite in memory and
 * reading the schema back, the steps `migprop plan` takes for --from and
 * --to (cli/plan.c load_schema: mp_read_text, a scratch transaction,
 * mp_target_exec, mp_backend_introspect).  ATTACH is refused and every statement is bounded, so the
 * input can neither write files nor loop. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "backend.h"
#include "engine.h"
#include "executor.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mp_backend *backend;

static int no_attach(void *payload, int action, const char *a, const char *b, const char *c, const char *d)
{
    (void)payload, (void)a, (void)b, (void)c, (void)d;
    return action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK;
}

static int stop_long(void *payload)
{
    long *left = payload;
    return --*left < 0;
}

static long budget;

static void close_backend(void)
{
    mp_backend_close(backend);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_error err = {0};
    if (!backend) {
        struct mp_backend_config cfg = {.quiet = true};
        if (mp_backend_open(MP_SQLITE, &cfg, &backend, &err) != 0)
            abort();
        atexit(close_backend);
    }
    const char *root = fuzz_scratch();
    struct mp_arena *a = mp_arena_new();
    const char *path = mp_arena_printf(a, "%s/in.sql", root);
    fuzz_write(path, data, size);
    char *sql = mp_read_text(path, &err);
    if (sql && mp_backend_begin(backend, &err) == 0) {
        sqlite3 *db = mp_backend_conn(backend);
        sqlite3_set_authorizer(db, no_attach, NULL);
        budget = 2000; /* progress callbacks of 1000 VM steps: 2M steps per input */
        sqlite3_progress_handler(db, 1000, stop_long, &budget);
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 1 << 20);
        struct mp_target *t = mp_target_wrap(MP_SQLITE, db, true);
        struct mp_schema *s = NULL;
        int rc = mp_target_exec(t, path, 1, sql, &err);
        mp_target_close(t);
        if (!rc)
            rc = mp_backend_introspect(backend, a, &s, &err);
        mp_backend_end(backend);
        (void)rc;
    }
    free(sql);
    mp_arena_free(a);
    return 0;
}
