/* interrupt.c - SIGINT and SIGTERM during a run, recorded for the trial loop
 * (see interrupt.h). */
#include "interrupt.h"

#include <stdbool.h>
#include <string.h>

static volatile sig_atomic_t caught;
static const pid_t *volatile forward_pids;
static volatile unsigned forward_n;
static struct sigaction previous[2]; /* SIGINT, SIGTERM */
static bool installed;

static void on_signal(int sig)
{
    if (!caught)
        caught = sig;
    const pid_t *p = forward_pids;
    for (unsigned i = 0; p && i < forward_n; i++)
        if (p[i] > 0)
            kill(p[i], sig);
    /* the handler that was there before: the cluster's stops its servers */
    const struct sigaction *prev = &previous[sig == SIGTERM];
    if (!(prev->sa_flags & SA_SIGINFO) && prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN &&
        prev->sa_handler != on_signal)
        prev->sa_handler(sig);
}

void mp_interrupt_install(void)
{
    if (installed)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous[0]);
    sigaction(SIGTERM, &sa, &previous[1]);
    installed = true;
}

int mp_interrupt_signal(void)
{
    return caught;
}

void mp_interrupt_forward(const pid_t *pids, unsigned n)
{
    forward_n = 0;
    forward_pids = pids;
    forward_n = pids ? n : 0;
}
