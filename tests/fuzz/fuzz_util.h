/* fuzz_util.h - what the fuzz targets share: a private scratch directory for
 * the process, and writing the fuzzer's bytes there as files. */
#ifndef MP_FUZZ_UTIL_H
#define MP_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"

/* An invariant that holds in every build (assert() may be compiled out):
 * a violation aborts, which libFuzzer reports as a crash with its input. */
#define FUZZ_CHECK(x)                                                                  \
    do {                                                                               \
        if (!(x)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #x); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

/* The process's scratch directory (created on first use, removed at exit). */
static char *fuzz_dir;

static inline void fuzz_cleanup(void)
{
    if (fuzz_dir)
        mp_rmtree(fuzz_dir, NULL);
    free(fuzz_dir);
    fuzz_dir = NULL;
}

static inline const char *fuzz_scratch(void)
{
    if (!fuzz_dir) {
        struct mp_error err = {0};
        if (mp_scratch_mkdtemp("migprop-fuzz-", &fuzz_dir, &err) != 0) {
            fprintf(stderr, "fuzz: %s\n", err.msg);
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

/* Write n bytes to `path` (truncated). */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (n && fwrite(data, 1, n, f) != n)
        abort();
    fclose(f);
}

#endif
