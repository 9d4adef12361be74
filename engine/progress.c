/* progress.c - the progress line of a human report on a terminal (see
 * progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The counters every worker adds to (MAP_SHARED, inherited over fork). */
struct shared {
    unsigned long done, failing;
};

static struct shared *sh;
static unsigned long total;
static pid_t owner;

void mp_progress_begin(bool show, unsigned long n)
{
    if (!show || sh)
        return;
    void *m = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return; /* no progress line: nothing else depends on it */
    sh = m;
    memset(sh, 0, sizeof *sh);
    total = n;
    owner = getpid();
}

/* The terminal's width: the TIOCGWINSZ answer, else $COLUMNS, else 80. */
static int width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *c = getenv("COLUMNS");
    int w = c ? atoi(c) : 0;
    return w > 0 ? w : 80;
}

bool mp_progress_shown(void)
{
    return sh != NULL;
}

void mp_progress_draw(void)
{
    if (!sh || getpid() != owner)
        return;
    unsigned long done = __atomic_load_n(&sh->done, __ATOMIC_RELAXED);
    unsigned long failing = __atomic_load_n(&sh->failing, __ATOMIC_RELAXED);
    char text[96];
    snprintf(text, sizeof text, " %lu/%lu trials, %lu failing", done, total, failing);
    /* one column less than the terminal: a line that fills the last
     * column wraps on some terminals */
    int room = width() - 1, tl = (int)strlen(text);
    if (room <= tl) {
        fprintf(stderr, "\r%.*s\033[K", room > 0 ? room : 0, text + 1);
    } else {
        int bar = room - tl - 2;
        if (bar > 30)
            bar = 30;
        int fill = total ? (int)((double)done / (double)total * bar) : bar;
        if (bar < 5)
            fprintf(stderr, "\r%s\033[K", text + 1);
        else
            fprintf(stderr, "\r[%.*s%*s]%s\033[K", fill, "##############################", bar - fill, "", text);
    }
    fflush(stderr);
}

void mp_progress_trial_done(unsigned long failing)
{
    if (!sh)
        return;
    __atomic_add_fetch(&sh->done, 1, __ATOMIC_RELAXED);
    /* the largest count any process knows of: each worker sees its own */
    unsigned long f = __atomic_load_n(&sh->failing, __ATOMIC_RELAXED);
    while (failing > f && !__atomic_compare_exchange_n(&sh->failing, &f, failing, false, __ATOMIC_RELAXED,
                                                       __ATOMIC_RELAXED))
        ;
    mp_progress_draw();
}

void mp_progress_end(void)
{
    if (!sh || getpid() != owner)
        return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    munmap(sh, sizeof *sh);
    sh = NULL;
}
