/* fresh_image.c - the SQLite file a run on a fresh database (fresh.c)
 * starts from: the trial's setup image with migprop's bookkeeping tables
 * in it, already in write-ahead-log format. */
#include "engine_int.h"
#include "executor.h"

#include <sqlite3.h>
#include <string.h>

/* Bytes 18 and 19 of a SQLite database file: the file format write and
 * read versions, 1 for a rollback journal, 2 for WAL ("The SQLite
 * Database File Format" 1.3.3).  A file that says 2 opens in WAL mode, so
 * no connection has to switch it (PRAGMA journal_mode=WAL takes an
 * exclusive lock, rewrites the header and syncs). */
#define MP_SQLITE_HDR_WRITE_VERSION 18
#define MP_SQLITE_HDR_READ_VERSION 19
#define MP_SQLITE_HDR_WAL 2
#define MP_SQLITE_HDR_SIZE 100

/* Add the run counter and the tracking table to the in-memory database
 * `db`: the counter as exactly_once's runners write to it, the tracking
 * table through the executor's own path (an `up` of no migrations
 * creates it and nothing else). */
static int add_bookkeeping(sqlite3 *db, const struct mp_trial *t, struct mp_error *err)
{
    struct mp_target *x = mp_target_wrap(MP_SQLITE, db, false);
    int rc = mp_target_exec(x, "(setup)", 1, "CREATE TABLE \"_mp_runs\" (v text NOT NULL);", err);
    if (!rc) {
        struct mp_migset none = {0};
        struct mp_exec_config xc = {.table = "_mp_migrations", .fault = t->fault};
        struct mp_exec_report rep;
        rc = mp_exec_up(x, &none, &xc, NULL, &rep, err);
    }
    mp_target_close(x);
    return rc;
}

bool mp_fresh_image(struct mp_trial *t, const unsigned char **img, size_t *n)
{
    *img = NULL;
    *n = 0;
    if (t->sqlite_fresh) {
        *img = t->sqlite_fresh;
        *n = t->sqlite_fresh_size;
        return true;
    }
    if (!t->sqlite_setup || t->sqlite_setup_size < MP_SQLITE_HDR_SIZE)
        return false;
    sqlite3 *db = NULL;
    unsigned char *copy = NULL, *out = NULL;
    sqlite3_int64 size = 0;
    bool ok = false;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto out;
    /* SQLite owns the copy from here (FREEONCLOSE), also when it fails */
    copy = sqlite3_malloc64(t->sqlite_setup_size);
    if (!copy)
        goto out;
    memcpy(copy, t->sqlite_setup, t->sqlite_setup_size);
    if (sqlite3_deserialize(db, "main", copy, (sqlite3_int64)t->sqlite_setup_size,
                            (sqlite3_int64)t->sqlite_setup_size,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK)
        goto out;
    struct mp_error e = {0};
    if (add_bookkeeping(db, t, &e))
        goto out;
    out = sqlite3_serialize(db, "main", &size, 0);
    if (!out || size < MP_SQLITE_HDR_SIZE)
        goto out;
    unsigned char *keep = mp_arena_alloc(t->a, (size_t)size);
    memcpy(keep, out, (size_t)size);
    keep[MP_SQLITE_HDR_WRITE_VERSION] = keep[MP_SQLITE_HDR_READ_VERSION] = MP_SQLITE_HDR_WAL;
    t->sqlite_fresh = keep;
    t->sqlite_fresh_size = (size_t)size;
    *img = keep;
    *n = (size_t)size;
    ok = true;
out:
    sqlite3_free(out);
    sqlite3_close(db);
    return ok;
}
