/* interrupt.h - SIGINT and SIGTERM during a run: the signal is recorded,
 * worker processes are told, and the handler that was there before (the
 * disposable cluster's, which shuts its servers down at once) still runs.
 * The trial loop polls mp_interrupt_signal() and abandons the trial in
 * progress; mp_run() then prints a partial report and returns
 * MP_RUN_INTERRUPTED_BASE + the signal (130 for SIGINT, 143 for SIGTERM,
 * the shell's convention). */
#ifndef MP_INTERRUPT_H
#define MP_INTERRUPT_H

#include <signal.h>
#include <sys/types.h>

/* mp_run()'s status for an interrupted run is this plus the signal. */
#define MP_RUN_INTERRUPTED_BASE 128

/* Install the handler for SIGINT and SIGTERM (once per process; later
 * calls do nothing).  Calls interrupted by the signal are restarted; loops
 * poll mp_interrupt_signal(). */
void mp_interrupt_install(void);

/* 0, or the first of SIGINT / SIGTERM that arrived. */
int mp_interrupt_signal(void);

/* The worker processes to pass a signal on to (the parent's handler sends
 * them the same signal), or NULL and 0 for none.  `pids` must live until it
 * is replaced. */
void mp_interrupt_forward(const pid_t *pids, unsigned n);

#endif
