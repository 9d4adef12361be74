/* jobs.c - worker processes (--jobs): each runs its share of the trials
 * and writes its results to a file; the parent merges them in trial order,
 * so the report is the one a single process makes. */
#include "engine_int.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A new temporary file for a worker's results, under the scratch
 * directory (tmpfs where there is one); its descriptor, or -1. */
static int fresh_tmpfile(char *path, size_t cap)
{
    if ((size_t)snprintf(path, cap, "%s/migprop-job-XXXXXX", mp_scratch_dir()) >= cap) {
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
    fflush(NULL);
    double t0 = mp_now();
    for (unsigned j = 0; j < nw; j++) {
        int fd = fresh_tmpfile(paths[j], sizeof paths[j]);
        if (fd < 0) {
            fprintf(stderr, "migprop: temporary file: %s\n", strerror(errno));
            nw = j;
            break;
        }
        pids[j] = fork();
        if (pids[j] == 0) {
            char *log = calloc(loglen + 1, 1);
            struct mp_timing tm[MP_NDIALECTS] = {{0}};
            int st = mp_run_trials(cfg, pts, n, needs, tm, j, cfg->jobs, log);
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
    int status = 0;
    char *logs = calloc((size_t)nw * loglen + 1, 1);
    struct mp_point *wp = calloc((size_t)nw * n + 1, sizeof *wp);
    if (!logs || !wp)
        mp_oom();
    for (unsigned j = 0; j < nw; j++) {
        int st = 0;
        while (waitpid(pids[j], &st, 0) < 0 && errno == EINTR)
            ;
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
    double wall = mp_now() - t0;
    for (int d = 0; d < MP_NDIALECTS; d++)
        timing[d].seconds = timing[d].trials ? wall : 0;
    /* merge in trial order: the report is the one a single process makes */
    for (size_t i = 0; i < n; i++) {
        struct mp_point *pt = &pts[i];
        if (pt->skip)
            continue;
        unsigned long in_shard = 0;
        for (unsigned long k = 0; k < total && !pt->fail; k++) {
            if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
                continue;
            unsigned j = (unsigned)(in_shard++ % cfg->jobs);
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
            }
        }
    }
    for (size_t i = 0; i < (size_t)nw * n; i++)
        mp_point_free(&wp[i]);
    free(wp);
    free(logs);
    free(paths);
    free(pids);
    return status;
}
