/* jobs_auto.c - `--jobs auto`: the number of worker processes a run takes when the user names none. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "engine.h"

#include <sched.h>
#include <unistd.h>

unsigned mp_jobs_cpus(void)
{
    cpu_set_t set;
    long n = 0;
    /* the CPUs this process may run on (taskset, a container's cpuset),
     * else the ones online */
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n < 1)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 4096 ? 4096 : (unsigned)n;
}

unsigned mp_jobs_auto_for(unsigned cpus, unsigned long trials, bool postgres)
{
    unsigned n = cpus, most = postgres ? MP_JOBS_AUTO_MAX_PG : MP_JOBS_AUTO_MAX;
    if (n > most)
        n = most;
    if (n > trials)
        n = (unsigned)trials;
    return n < 1 ? 1 : n;
}

unsigned mp_jobs_auto(unsigned long trials, bool postgres)
{
    return mp_jobs_auto_for(mp_jobs_cpus(), trials, postgres);
}
