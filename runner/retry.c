/* retry.c - the recovery manager's first job: which failures are transient,
 * how long to wait before the next try, and getting a lost PostgreSQL
 * session back (see runner_int.h). */
#include "runner_int.h"

#include <string.h>
#include <time.h>

#include "os.h"

/* PostgreSQL SQLSTATEs worth another try (PostgreSQL docs, Appendix A
 * "PostgreSQL Error Codes"): the transaction was rolled back for a reason
 * that is not the migration's. */
static const char *const pg_transient[] = {
    "40001", /* serialization_failure */
    "40P01", /* deadlock_detected */
    "55P03", /* lock_not_available (lock_timeout) */
    "57P01", /* admin_shutdown */
    "57P02", /* crash_shutdown */
    "57P03", /* cannot_connect_now */
};

bool mp_retry_is_transient(const struct mp_target *t, const struct mp_error *err)
{
    if (t->d == MP_SQLITE) {
        /* SQLITE_BUSY (5) after the busy timeout, SQLITE_LOCKED (6) */
        return strcmp(err->sqlstate, "5") == 0 || strcmp(err->sqlstate, "6") == 0;
    }
    for (size_t i = 0; i < sizeof pg_transient / sizeof pg_transient[0]; i++)
        if (strcmp(err->sqlstate, pg_transient[i]) == 0)
            return true;
    /* class 08: connection exceptions; or the session is simply gone */
    return strncmp(err->sqlstate, "08", 2) == 0 || (t->pg && PQstatus(t->pg) == CONNECTION_BAD);
}

/* splitmix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number
 * generators", OOPSLA 2014): the jitter's generator, seeded by the caller. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

long mp_retry_delay_ms(unsigned attempt, long max_ms, uint64_t *rng)
{
    if (max_ms <= 0)
        max_ms = MP_RETRY_DEFAULT_MAX_MS;
    /* "full jitter" (AWS Architecture Blog, "Exponential Backoff And
     * Jitter", 2015): uniform in [cap/2, cap], cap = min(max, base * 2^k) */
    long cap = MP_RETRY_BASE_MS;
    for (unsigned k = 1; k < attempt && cap < max_ms; k++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    long half = cap / 2;
    return half + (long)(next_random(rng) % (uint64_t)(cap - half + 1));
}

void mp_retry_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int mp_retry_reconnect(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_error *err)
{
    if (t->d != MP_POSTGRES || PQstatus(t->pg) == CONNECTION_OK)
        return 0;
    if (!t->owned)
        return mp_error_set(err, MP_EDB, "the PostgreSQL connection was lost and belongs to the caller");
    PQreset(t->pg);
    if (PQstatus(t->pg) != CONNECTION_OK) {
        const char *m = PQerrorMessage(t->pg);
        return mp_error_set(err, MP_EDB, "reconnecting to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
    }
    PQclear(PQexec(t->pg, "SET client_min_messages = warning"));
    /* the session's advisory lock went with the session */
    t->pg_locked = false;
    return mp_lock_acquire(t, cfg, err);
}
