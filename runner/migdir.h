/* migdir.h - migration directories: discovery, parsing and writing.
 *
 * Formats (auto-detected, or forced):
 *   MP_MIGFMT_PAIRS   <version>_<name>.up.sql + <version>_<name>.down.sql
 *                     (golang-migrate, sqlx); version = decimal digits.
 *   MP_MIGFMT_SINGLE  <version>_<name>.sql holding an up and a down section,
 *                     marked by "-- migrate:up" / "-- migrate:down" (dbmate),
 *                     "-- +migrate Up" / "-- +migrate Down" (sql-migrate) or
 *                     "-- UP" / "-- DOWN" lines.
 *   MP_MIGFMT_DIESEL  YYYY-MM-DD-HHMMSS[-NNNN]_<name>/up.sql + down.sql.
 * Numeric versions order as numbers ("007" and "7" are the same version, a
 * duplicate); diesel versions order as strings (the timestamp's order).
 *
 * Directives, in the leading comment lines of an up or down section:
 *   -- migprop:no-transaction   run outside a transaction (also dbmate's
 *                               "-- migrate:up transaction:false" and
 *                               sql-migrate's "-- +migrate Up notransaction");
 *   -- migprop:foreign-keys-off SQLite: run with PRAGMA foreign_keys=OFF set
 *                               outside the transaction and
 *                               PRAGMA foreign_key_check before COMMIT, as the
 *                               12-step table rebuild requires (SQLite docs,
 *                               "ALTER TABLE", section 7).
 * A missing, empty or comment-only down makes the migration irreversible. */
#ifndef MP_MIGDIR_H
#define MP_MIGDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "error.h"

enum mp_migfmt { MP_MIGFMT_AUTO, MP_MIGFMT_PAIRS, MP_MIGFMT_SINGLE, MP_MIGFMT_DIESEL };

struct mp_target;

/* A section written in code (the public API's code migrations,
 * include/migprop/runner.h): runs on the target inside the migration's
 * transaction; returns 0, or a negative MP_E* code with `err` set. */
typedef int (*mp_migfn)(struct mp_target *t, void *payload, struct mp_error *err);

/* One section (up or down) of a migration. */
struct mp_migsql {
    const char *path;     /* file it comes from; NULL when absent */
    const char *sql;      /* the section's bytes (NUL-terminated); NULL when absent */
    long line;            /* 1-based line in `path` where the section's text starts */
    bool no_transaction;
    bool fk_off;
    /* optional: when set, the section is this callback, `sql` is ignored */
    mp_migfn fn;
    void *fn_payload;
};

struct mp_migration {
    const char *version;  /* canonical: digits without leading zeros, or the diesel timestamp */
    const char *raw_version; /* as written in the file name */
    const char *name;
    struct mp_migsql up, down;
    bool reversible;      /* down has a statement */
    char checksum[65];    /* SHA-256 of the up section's bytes, lower-case hex */
};

struct mp_migset {
    enum mp_migfmt format;
    const char *dir;
    struct mp_migration *v; /* ordered by version */
    size_t n, cap;
};

/* Read directory `dir` in format `fmt` (MP_MIGFMT_AUTO: detect; a directory
 * mixing formats is an error) into *out, memory from `a`.  Errors (MP_EIO,
 * MP_EINVAL) name the file: unreadable file, a name that fits no format, an
 * up file without a name, a single file without an up marker, a duplicate
 * version (naming both files). An empty or missing directory is an empty set
 * (format PAIRS unless forced). */
int mp_migdir_read(struct mp_arena *a, const char *dir, enum mp_migfmt fmt, struct mp_migset *out,
                   struct mp_error *err);

/* Finish a migration built in memory the way mp_migdir_read() finishes
 * the ones it reads: a NULL name or up text becomes "", the directives of
 * both sections are read, `reversible` is set (a down statement or a down
 * callback) and `checksum` is the SHA-256 of the up text. */
void mp_migration_finish(struct mp_migration *m);

/* Order set->v by version in set->format's order (versions are unique:
 * the caller checked for duplicates). */
void mp_migset_sort(struct mp_migset *set);

/* Compare two canonical versions of one format: <0, 0, >0. */
int mp_migversion_cmp(enum mp_migfmt fmt, const char *a, const char *b);

/* Parse a version given on the command line into canonical form (in `a`);
 * NULL when it is not a version of format fmt. "0" is valid for every
 * format and means "before the first migration". */
const char *mp_migversion_parse(struct mp_arena *a, enum mp_migfmt fmt, const char *s);

/* SHA-256 of n bytes as 64 lower-case hex digits plus NUL (OpenSSL EVP;
 * in tracking.c, with the checksums it guards). */
void mp_sha256_hex(const void *data, size_t n, char out[65]);

/* Write one migration into `dir` (created if missing) in format `fmt`
 * (AUTO means PAIRS) with version `version` (decimal for PAIRS/SINGLE;
 * a diesel timestamp for DIESEL), name `name`, and the up/down text (down
 * NULL: an empty down file / section, i.e. irreversible).  *path_out, when
 * not NULL, gets the up file's path (in `a`).  MP_EIO naming the path. */
int mp_migdir_write(struct mp_arena *a, const char *dir, enum mp_migfmt fmt, const char *version,
                    const char *name, const char *up, const char *down, const char **path_out,
                    struct mp_error *err);

/* File layouts other runners read (runner-check adapters). */
enum mp_migstyle {
    MP_STYLE_PAIRS,      /* V_name.up.sql + V_name.down.sql */
    MP_STYLE_DBMATE,     /* V_name.sql, "-- migrate:up" / "-- migrate:down" */
    MP_STYLE_SQLMIGRATE, /* V_name.sql, "-- +migrate Up" / "-- +migrate Down" */
    MP_STYLE_UPDOWN,     /* V_name.sql, "-- UP" / "-- DOWN" */
    MP_STYLE_DIESEL      /* V_name/up.sql + down.sql (V a timestamp) */
};

/* "pairs", "dbmate", "sql-migrate", "updown", "diesel"; -1 if unknown. */
int mp_migstyle_parse(const char *s);

/* Write one migration in `style`; `no_tx` marks its up section to run
 * outside a transaction in the style's own way (dbmate
 * "transaction:false", sql-migrate "notransaction", migprop's directive
 * otherwise).  Same errors as mp_migdir_write(). */
int mp_migdir_write_style(struct mp_arena *a, const char *dir, enum mp_migstyle style, const char *version,
                          const char *name, const char *up, const char *down, bool no_tx, struct mp_error *err);

/* The version a new migration gets in `set`: for numeric formats one more
 * than the highest, zero-padded to the width the directory already uses
 * (4 when empty); for diesel the current UTC time YYYY-MM-DD-HHMMSS. */
const char *mp_migdir_next_version(struct mp_arena *a, const struct mp_migset *set);

const char *mp_migfmt_name(enum mp_migfmt f);

/* Parse "pairs", "single" (also "dbmate"), "diesel", "auto"; -1 if unknown. */
int mp_migfmt_parse(const char *s);

#endif
