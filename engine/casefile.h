/* casefile.h - case files: a case (start schema, desired schema, rename
 * hints), its rows and metadata, as the text `migprop replay` and the
 * fixed scenarios read and the shrinker writes. */
#ifndef MP_CASEFILE_H
#define MP_CASEFILE_H

#include <stdbool.h>

#include "arena.h"
#include "data.h"
#include "error.h"
#include "gen.h"

/* The whole file at `path` as a NUL-terminated malloc'd string, or NULL
 * with MP_EIO naming the path. */
char *mp_read_text(const char *path, struct mp_error *err);

/* A case file's metadata ([meta], "key: value" lines): what failed where. */
struct mp_case_meta {
    const char *property;   /* the property that failed, or NULL */
    const char *backend;    /* "sqlite" / "postgres", or NULL */
    const char *solver;     /* "default" / "naive", or NULL */
    const char *seed;       /* run seed, as printed */
    const char *trial_seed; /* the trial's own seed (orders the change set), as printed */
    long trial;             /* random trial number, -1 if none */
    const char *version;    /* migprop version that wrote it */
    const char *kind;       /* failure kind the shrinker kept */
};

/* A whole case file: the case, its rows ([rows], optional) and metadata. */
struct mp_casefile {
    struct mp_case c;
    struct mp_dataset data;
    bool has_rows;
    struct mp_case_meta meta;
};

/* Read a case file: "[start]", "[desired]" and "[renames]" sections in the
 * syntax of text.h, optional "[meta]" (key: value) and "[rows]" sections,
 * '#' comments.  Rows:
 *     table "t" ("a", "b")
 *       ('1', NULL)
 * values in canonical form (data.h), single-quoted, or NULL.  Errors name
 * the file and line. */
int mp_casefile_read_full(struct mp_arena *a, const char *path, struct mp_casefile *out, struct mp_error *err);

/* Write `cf` to `path` in the format above (the file is replaced).
 * MP_EIO naming the path. */
int mp_casefile_write(const char *path, const struct mp_casefile *cf, struct mp_error *err);

/* As mp_casefile_read_full(), keeping only the case. */
int mp_casefile_read(struct mp_arena *a, const char *path, struct mp_case *out,
                     struct mp_error *err);

#endif
