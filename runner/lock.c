/* lock.c - one runner at a time: a PostgreSQL session advisory lock keyed
 * on the schema-qualified tracking table, or an flock(2) on the SQLite
 * database file plus a busy timeout (see executor.h, runner_int.h). */
#define _GNU_SOURCE /* gettid, SIGEV_THREAD_ID */
#include "runner_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid /* timer_create(2) */
#endif

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

static void on_alarm(int sig)
{
    (void)sig; /* only interrupts the blocking flock */
}

/* Wait for the flock in the kernel (woken the moment the holder lets go),
 * interrupted after `ms` by a SIGALRM timer aimed at this thread alone.
 * Only when the process leaves SIGALRM at its default: returns 1 (not
 * tried) otherwise, 0 when locked, -1 with errno (EINTR: timed out). */
static int flock_wait(int fd, long ms)
{
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_alarm; /* no SA_RESTART: the signal ends flock() */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, NULL, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
        return 1;
    sigset_t alrm, prev;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    if (pthread_sigmask(SIG_BLOCK, &alrm, &prev) != 0)
        return 1;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev.sigev_notify_thread_id = gettid();
    timer_t tm;
    if (timer_create(CLOCK_MONOTONIC, &ev, &tm) != 0) {
        pthread_sigmask(SIG_SETMASK, &prev, NULL);
        return 1;
    }
    sigaction(SIGALRM, &sa, NULL);
    struct itimerspec its = {{0, 0}, {ms / 1000, (ms % 1000) * 1000000L}};
    timer_settime(tm, 0, &its, NULL);
    sigset_t open = prev;
    sigdelset(&open, SIGALRM);
    pthread_sigmask(SIG_SETMASK, &open, NULL);
    int rc = flock(fd, LOCK_EX);
    int e = errno;
    /* disarm, then drop a signal that came too late, before SIG_DFL is back */
    pthread_sigmask(SIG_BLOCK, &alrm, NULL);
    timer_delete(tm);
    const struct timespec zero = {0, 0};
    while (sigtimedwait(&alrm, NULL, &zero) == SIGALRM)
        ;
    sigaction(SIGALRM, &old, NULL);
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
    errno = e;
    return rc;
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
    if (flock(t->lock_fd, LOCK_EX | LOCK_NB) == 0 || (errno == EWOULDBLOCK && flock_wait(t->lock_fd, ms) == 0))
        return 0;
    /* timed out (the loop says so at once), or SIGALRM belongs to the
     * program, or another signal ended the wait: poll */
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
