/* progress.h - the one-line progress display of a human report on a
 * terminal: "[####      ] 12/100 trials, 1 failing", fitted to the
 * terminal's width so it never wraps, and shared by --jobs workers through
 * one counter in shared memory, drawn by the parent. */
#ifndef MP_PROGRESS_H
#define MP_PROGRESS_H

#include <stdbool.h>

/* Start showing progress of `total` trials on stderr when `show` (the
 * human format, stderr a terminal).  Call before forking workers: they
 * share the counter.  Without `show` every other call does nothing. */
void mp_progress_begin(bool show, unsigned long total);

/* One trial done (from any process); `failing` is the number of failing
 * points this process knows of.  In the process that began, the line is
 * redrawn. */
void mp_progress_trial_done(unsigned long failing);

/* Whether a line is shown (mp_progress_begin() with `show`, not ended). */
bool mp_progress_shown(void);

/* Redraw the line (the --jobs parent while it waits). */
void mp_progress_draw(void);

/* Clear the line and stop (the process that began). */
void mp_progress_end(void);

#endif
