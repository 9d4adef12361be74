/* jobs.c - worker processes (--jobs): each takes small batches of trials
 * from a shared queue and writes its results to a file; the parent merges
 * them in trial order and shrinks each point's first failure, so the
 * report, the case files and the failure database are those a single
 * process makes. */
#include "engine_int.h"
#include "interrupt.h"
#include "progress.h"
#include "os.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Trials per batch: small, so the last batches spread over the workers
 * (a trial takes 10-100 ms; taking a batch is one atomic add). */
#define MP_JOBS_BATCH 2

static void put(FILE *f, const void *p, size_t n)
{
    if (fwrite(p, 1, n, f) != n)
        mp_oom();
}

static void put_str(FILE *f, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0;
    put(f, &n, sizeof n);
    if (n)
        put(f, s, n);
}

static bool get(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n;
}

static char *get_str(FILE *f)
{
    uint32_t n;
    if (!get(f, &n, sizeof n) || !n)
        return NULL;
    char *s = malloc(n);
    if (!s)
        mp_oom();
    if (!get(f, s, n)) {
        free(s);
        return NULL;
    }
    s[n - 1] = 0;
    return s;
}

/* A worker's results: status, timing, the verdict log, each point's first
 * failure. */
static void write_results(FILE *f, int status, const struct mp_timing *timing, const char *log, size_t loglen,
                          const struct mp_point *pts, size_t n)
{
    put(f, &status, sizeof status);
    put(f, timing, MP_NDIALECTS * sizeof *timing);
    put(f, log, loglen);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        put(f, &p->phases, sizeof p->phases);
        /* the point's time and discard reasons (the health check) */
        put(f, &p->seconds, sizeof p->seconds);
        put(f, &p->nwhy, sizeof p->nwhy);
        for (size_t k = 0; k < p->nwhy; k++) {
            put_str(f, p->why[k].reason);
            put(f, &p->why[k].count, sizeof p->why[k].count);
        }
        put(f, &p->fail, sizeof p->fail);
        if (!p->fail)
            continue;
        put(f, &p->trial, sizeof p->trial);
        put(f, &p->trial_seed, sizeof p->trial_seed);
        put(f, &p->shrunk_ops, sizeof p->shrunk_ops);
        put(f, &p->shrink_steps, sizeof p->shrink_steps);
        put(f, &p->shrink_ms, sizeof p->shrink_ms);
        const char *strs[9] = {p->label, p->message, p->changes, p->sql, p->start, p->desired, p->renames,
                               p->case_path, NULL};
        for (int k = 0; k < 8; k++)
            put_str(f, strs[k]);
    }
}

/* A new temporary file for a worker's results in `dir`, the run's
 * owner-locked scratch directory; its descriptor, or -1. */
static int fresh_tmpfile(const char *dir, char *path, size_t cap)
{
    if ((size_t)snprintf(path, cap, "%s/worker-XXXXXX", dir) >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkstemp(path);
}

int mp_run_jobs(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                struct mp_timing *timing)
{
    unsigned nw = cfg->jobs;
    unsigned long total = mp_run_total(cfg);
    size_t loglen = n * total;
    char (*paths)[256] = calloc(nw, sizeof *paths);
    pid_t *pids = calloc(nw, sizeof *pids);
    if (!paths || !pids)
        mp_oom();
    struct mp_work_queue *q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED)
        mp_oom();
    atomic_init(&q->next, 0);
    q->batch = MP_JOBS_BATCH;
    fflush(NULL);
    pid_t parent = getpid();
    /* the workers' result files, in a directory whose owner lock (held by
     * this process and its workers) tells a later run's sweep whether they
     * are stale: a run killed with SIGKILL leaves them to that sweep */
    char *dir = NULL;
    struct mp_error de = {0};
    if (mp_scratch_mkdtemp("migprop-jobs-", &dir, &de)) {
        fprintf(stderr, "migprop: %s\n", de.msg);
        nw = 0;
    }
    for (unsigned j = 0; j < nw; j++) {
        int fd = fresh_tmpfile(dir, paths[j], sizeof paths[j]);
        if (fd < 0) {
            fprintf(stderr, "migprop: temporary file: %s\n", strerror(errno));
            nw = j;
            break;
        }
        pids[j] = fork();
        if (pids[j] == 0) {
            /* die with the parent; it may have died before the prctl */
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
                _exit(2);
            char *log = calloc(loglen + 1, 1);
            if (!log)
                mp_oom();
            struct mp_timing tm[MP_NDIALECTS] = {{0}};
            /* the first failures are shrunk by the parent once it knows
             * which are first (mp_run_shrink_found()) */
            struct mp_run_config wc = *cfg;
            wc.shrink = false;
            int st = mp_run_trials(&wc, pts, n, needs, tm, q, log);
            FILE *f = fdopen(fd, "wb");
            if (f) {
                write_results(f, st, tm, log, loglen, pts, n);
                fclose(f);
            }
            mp_fresh_cleanup();
            _exit(0);
        }
        close(fd);
    }
    /* a signal to the parent (SIGTERM from a CI runner) reaches the workers */
    mp_interrupt_forward(pids, nw);
    int status = nw ? 0 : 2; /* no worker started: an infrastructure error */
    char *logs = calloc((size_t)nw * loglen + 1, 1);
    struct mp_point *wp = calloc((size_t)nw * n + 1, sizeof *wp);
    if (!logs || !wp)
        mp_oom();
    for (unsigned j = 0; j < nw; j++) {
        int st = 0;
        pid_t got;
        /* poll while a progress line is shown, so it moves as the workers run */
        int flags = mp_progress_shown() ? WNOHANG : 0;
        while ((got = waitpid(pids[j], &st, flags)) == 0 || (got < 0 && errno == EINTR)) {
            mp_progress_draw();
            if (got == 0)
                usleep(100 * 1000);
        }
        FILE *f = fopen(paths[j], "rb");
        int ws = 2;
        struct mp_timing tm[MP_NDIALECTS];
        if (!f || !get(f, &ws, sizeof ws) || !get(f, tm, sizeof tm) || !get(f, logs + (size_t)j * loglen, loglen)) {
            fprintf(stderr, "migprop: worker %u did not report\n", j + 1);
            ws = 2;
        } else {
            for (int d = 0; d < MP_NDIALECTS; d++)
                timing[d].trials += tm[d].trials;
            for (size_t i = 0; i < n; i++) {
                struct mp_point *p = &wp[(size_t)j * n + i];
                struct mp_phase_times ph;
                if (get(f, &ph, sizeof ph)) {
                    struct mp_phase_times *t = &pts[i].phases;
                    t->generate += ph.generate, t->plan += ph.plan, t->execute += ph.execute;
                    t->readback += ph.readback, t->compare += ph.compare, t->shrink += ph.shrink;
                }
                size_t nwhy = 0;
                get(f, &p->seconds, sizeof p->seconds);
                get(f, &nwhy, sizeof nwhy);
                for (size_t w = 0; w < nwhy && w <= MP_MAX_DISCARD_REASONS; w++) {
                    char *reason = get_str(f);
                    unsigned long count = 0;
                    get(f, &count, sizeof count);
                    mp_point_discard(p, reason, count);
                    free(reason);
                }
                if (!get(f, &p->fail, sizeof p->fail) || !p->fail)
                    continue;
                get(f, &p->trial, sizeof p->trial);
                get(f, &p->trial_seed, sizeof p->trial_seed);
                get(f, &p->shrunk_ops, sizeof p->shrunk_ops);
                get(f, &p->shrink_steps, sizeof p->shrink_steps);
                get(f, &p->shrink_ms, sizeof p->shrink_ms);
                char **strs[8] = {&p->label, &p->message, &p->changes, &p->sql, &p->start, &p->desired, &p->renames,
                                  &p->case_path};
                for (int k = 0; k < 8; k++)
                    *strs[k] = get_str(f);
            }
        }
        if (f)
            fclose(f);
        unlink(paths[j]);
        if (ws > status)
            status = ws;
    }
    mp_interrupt_forward(NULL, 0);
    /* merge in trial order: the report is the one a single process makes */
    for (size_t i = 0; i < n; i++) {
        struct mp_point *pt = &pts[i];
        if (pt->skip)
            continue;
        for (unsigned j = 0; j < nw; j++) {
            const struct mp_point *src = &wp[(size_t)j * n + i];
            pt->seconds += src->seconds;
            for (size_t w = 0; w < src->nwhy; w++)
                mp_point_discard(pt, src->why[w].reason, src->why[w].count);
        }
        for (unsigned long k = 0; k < total && !pt->fail; k++) {
            if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
                continue;
            /* the worker that ran trial k (none when the run stopped) */
            unsigned j = 0;
            while (j < nw && !logs[(size_t)j * loglen + i * total + k])
                j++;
            if (j >= nw)
                continue;
            char v = logs[(size_t)j * loglen + i * total + k];
            if (v == 'p')
                pt->pass++;
            else if (v == 'd')
                pt->discard++;
            else if (v == 'f') {
                struct mp_point *src = &wp[(size_t)j * n + i];
                pt->fail = 1;
                pt->trial = src->trial;
                pt->trial_seed = src->trial_seed;
                pt->shrunk_ops = src->shrunk_ops;
                pt->shrink_steps = src->shrink_steps;
                pt->shrink_ms = src->shrink_ms;
                pt->label = src->label, src->label = NULL;
                pt->message = src->message, src->message = NULL;
                pt->changes = src->changes, src->changes = NULL;
                pt->sql = src->sql, src->sql = NULL;
                pt->start = src->start, src->start = NULL;
                pt->desired = src->desired, src->desired = NULL;
                pt->renames = src->renames, src->renames = NULL;
                pt->case_path = src->case_path, src->case_path = NULL;
                if (status == 0)
                    status = 1;
                if (cfg->shrink)
                    mp_run_shrink_found(cfg, pt, needs, k);
            }
        }
    }
    for (size_t i = 0; i < (size_t)nw * n; i++)
        mp_point_free(&wp[i]);
    if (dir)
        mp_rmtree(dir, NULL);
    free(dir);
    free(wp);
    free(logs);
    free(paths);
    free(pids);
    munmap(q, sizeof *q);
    return status;
}
