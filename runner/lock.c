/* lock.c - one runner at a time: a PostgreSQL session advisory lock keyed
 * on the schema-qualified tracking table, or an flock(2) on the SQLite
 * database file plus a busy timeout (see executor.h, runner_int.h). */
#include "runner_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "os.h"

/* The advisory lock's first key (the bytes "mipp"); the second is a hash of
 * the schema-qualified tracking table, so runners of different tables or
 * schemas do not wait for each other. */
#define MP_LOCK_KEY "1835626608"

/* How long to sleep between two flock attempts. */
#define MP_LOCK_POLL_NS (5 * 1000 * 1000)

static int lock_pg(struct mp_target *t, const char *table, long ms, struct mp_error *err)
{
    char set[64];
    snprintf(set, sizeof set, "SET lock_timeout = %ld", ms);
    const char *v[1] = {table};
    int rc = mp_target_q(t, set, 0, NULL, err);
    if (!rc)
        rc = mp_target_q(t, "SELECT pg_advisory_lock(" MP_LOCK_KEY ", hashtext(current_schema() || '.' || $1))", 1,
                         v, err);
    struct mp_error e = {0};
    mp_target_q(t, "RESET lock_timeout", 0, NULL, &e);
    if (rc) {
        /* lock_not_available: the lock timeout passed (PostgreSQL docs,
         * "Advisory Locks" and "lock_timeout") */
        if (strcmp(err->sqlstate, "55P03") == 0)
            return mp_error_set(err, MP_EDB, "another runner has held the migration lock on %s for more than %ld ms",
                                table, ms);
        return rc;
    }
    t->pg_locked = true;
    return 0;
}

static int lock_sqlite(struct mp_target *t, long ms, struct mp_error *err)
{
    sqlite3_busy_timeout(t->lite, (int)ms);
    if (!t->path)
        return 0; /* in memory: nobody else can see the database */
    t->lock_fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (t->lock_fd < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", t->path, strerror(errno));
    double until = (mp_now() * 1e3) + (double)ms;
    while (flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return mp_error_set(err, MP_EIO, "flock %s: %s", t->path, strerror(errno));
        if ((mp_now() * 1e3) > until)
            return mp_error_set(err, MP_EDB, "another runner has held the migration lock on %s for more than %ld ms",
                                t->path, ms);
        struct timespec ts = {0, MP_LOCK_POLL_NS};
        nanosleep(&ts, NULL);
    }
    return 0;
}

int mp_lock_acquire(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_error *err)
{
    long ms = cfg && cfg->lock_timeout_ms > 0 ? cfg->lock_timeout_ms : 60000;
    const char *table = mp_tracking_use(t, cfg);
    if (t->nested || t->fault == MP_FAULT_NO_LOCK)
        return 0;
    if (t->d == MP_POSTGRES)
        return lock_pg(t, table, ms, err);
    return lock_sqlite(t, ms, err);
}

void mp_lock_release(struct mp_target *t)
{
    if (t->pg_locked) {
        PQclear(PQexec(t->pg, "SELECT pg_advisory_unlock_all()"));
        t->pg_locked = false;
    }
    if (t->lock_fd >= 0) {
        flock(t->lock_fd, LOCK_UN);
        close(t->lock_fd);
        t->lock_fd = -1;
    }
}
