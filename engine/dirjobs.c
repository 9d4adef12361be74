/* dirjobs.c - `check --dir --jobs N`: worker processes taking the history trials from one shared queue (dirjobs.h). */
#include "dirjobs.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_int.h"
#include "interrupt.h"
#include "os.h"
#include "pgcluster.h"

/* No unit stopped yet (the stop marks below). */
#define MP_DIRJOBS_NO_STOP ((unsigned long)-1)

/* Memory shared by the parent and its workers (mmap MAP_SHARED, made
 * before fork). */
struct shared {
    struct mp_work_queue q;        /* positions into the run's list of trials */
    _Atomic unsigned long done;    /* trials finished, all workers */
    _Atomic unsigned long stop_unit; /* the first unit with an infrastructure error */
    _Atomic unsigned long stop[];  /* per unit: its first trial that failed, skipped or erred */
};

struct mp_dirjobs {
    struct mp_arena *a;
    size_t nunits;
    const unsigned long *ntrials;
    struct mp_dirjobs_outcome **v; /* v[u][i] */
    unsigned long done;
};

/* *m = min(*m, v) */
static void atomic_min(_Atomic unsigned long *m, unsigned long v)
{
    unsigned long cur = atomic_load(m);
    while (v < cur && !atomic_compare_exchange_weak(m, &cur, v))
        ;
}

/* The signal that interrupts the run, or 0: ours, or the cluster's
 * handler's when it was installed after ours (run.c does the same). */
static int interrupted(void)
{
    int sig = mp_interrupt_signal();
    return sig ? sig : mp_pgcluster_interrupted() ? SIGINT : 0;
}

/* One outcome as a line of JSON (jansson escapes the notes' newlines). */
static void write_outcome(FILE *f, unsigned long pos, int rc, const struct mp_dir_trial *t, const char *errmsg,
                          double start, double end)
{
    /* s*: a NULL string leaves its key out */
    json_t *o = json_pack("{s:I, s:i, s:s*, s:s, s:s*, s:f, s:f}", "pos", (json_int_t)pos, "rc", rc, "skip", t->skip,
                          "notes", mp_buf_str(&t->notes), "err", errmsg, "start", start, "end", end);
    if (!o)
        mp_oom();
    /* flushed per trial: the outcomes of a worker killed later still count */
    if (json_dumpf(o, f, JSON_COMPACT) != 0 || fputc('\n', f) == EOF || fflush(f) != 0)
        mp_oom();
    json_decref(o);
}

/* The worker's loop: take positions until the queue is empty, run those
 * whose unit has not stopped before them, write each outcome to f. */
static void work(const struct mp_dirjobs_spec *s, struct shared *sh, const size_t *pos_unit,
                 const unsigned long *pos_trial, unsigned long npos, FILE *f)
{
    for (;;) {
        unsigned long p = atomic_fetch_add(&sh->q.next, 1);
        if (p >= npos || interrupted())
            return;
        size_t u = pos_unit[p];
        unsigned long i = pos_trial[p];
        if (u > atomic_load(&sh->stop_unit) || i > atomic_load(&sh->stop[u]))
            continue; /* the single process never gets here */
        struct mp_arena *a = mp_arena_new();
        struct mp_dir_trial t;
        struct mp_error e = {0};
        double start = mp_now();
        int rc = s->trial(s->ctx, u, i, &t, a, &e);
        if (rc != 0 || t.skip)
            atomic_min(&sh->stop[u], i);
        if (rc < 0)
            atomic_min(&sh->stop_unit, u);
        write_outcome(f, p, rc, &t, rc < 0 ? e.msg : NULL, start, mp_now());
        atomic_fetch_add(&sh->done, 1);
        mp_buf_free(&t.msg);
        mp_buf_free(&t.notes);
        mp_arena_free(a);
    }
}

/* Read a worker's outcomes from `path` into j.  A line cut short (a worker
 * killed while writing) ends the reading. */
static void read_outcomes(struct mp_dirjobs *j, const char *path, const size_t *pos_unit,
                          const unsigned long *pos_trial, unsigned long npos)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        json_int_t pos = -1;
        int rc = 0;
        const char *skip = NULL, *notes = NULL, *err = NULL;
        double start = 0, end = 0;
        if (!o || json_unpack(o, "{s:I, s:i, s?s, s:s, s?s, s:F, s:F}", "pos", &pos, "rc", &rc, "skip", &skip,
                              "notes", &notes, "err", &err, "start", &start, "end", &end) != 0 ||
            pos < 0 || (unsigned long)pos >= npos) {
            json_decref(o);
            break;
        }
        struct mp_dirjobs_outcome *out = &j->v[pos_unit[pos]][pos_trial[pos]];
        out->ran = true;
        out->rc = rc;
        out->skip = skip ? mp_arena_strdup(j->a, skip) : NULL;
        out->notes = mp_arena_strdup(j->a, notes);
        out->err = err ? mp_arena_strdup(j->a, err) : NULL;
        out->start = start;
        out->end = end;
        json_decref(o);
    }
    free(line);
    fclose(f);
}

int mp_dirjobs_run(const struct mp_dirjobs_spec *s, struct mp_dirjobs **out, struct mp_error *err)
{
    struct mp_dirjobs *j = calloc(1, sizeof *j);
    if (!j)
        mp_oom();
    j->a = mp_arena_new();
    j->nunits = s->nunits;
    j->ntrials = s->ntrials;
    j->v = mp_arena_alloc(j->a, (s->nunits ? s->nunits : 1) * sizeof *j->v);
    /* the queue: the shard's trials, unit by unit, in trial order */
    unsigned long npos = 0;
    for (size_t u = 0; u < s->nunits; u++) {
        j->v[u] = mp_arena_alloc(j->a, (s->ntrials[u] ? s->ntrials[u] : 1) * sizeof *j->v[u]);
        memset(j->v[u], 0, (s->ntrials[u] ? s->ntrials[u] : 1) * sizeof *j->v[u]);
        npos += s->ntrials[u];
    }
    size_t *pos_unit = mp_arena_alloc(j->a, (npos ? npos : 1) * sizeof *pos_unit);
    unsigned long *pos_trial = mp_arena_alloc(j->a, (npos ? npos : 1) * sizeof *pos_trial);
    npos = 0;
    for (size_t u = 0; u < s->nunits; u++)
        for (unsigned long i = 0; i < s->ntrials[u]; i++)
            if (s->shard_count <= 1 || i % s->shard_count == s->shard_index - 1) {
                pos_unit[npos] = u;
                pos_trial[npos++] = i;
            }
    size_t shsize = sizeof(struct shared) + (s->nunits ? s->nunits : 1) * sizeof(_Atomic unsigned long);
    struct shared *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        mp_oom();
    atomic_init(&sh->q.next, 0);
    sh->q.batch = 1; /* a trial applies a whole history (10-300 ms); taking one is an atomic add */
    atomic_init(&sh->done, 0);
    atomic_init(&sh->stop_unit, MP_DIRJOBS_NO_STOP);
    for (size_t u = 0; u < s->nunits; u++)
        atomic_init(&sh->stop[u], MP_DIRJOBS_NO_STOP);
    /* no more workers than trials: the others would only start and stop */
    unsigned nw = npos < s->jobs ? (unsigned)(npos ? npos : 1) : s->jobs;
    pid_t *pids = calloc(nw, sizeof *pids);
    const char **paths = calloc(nw, sizeof *paths);
    char *dir = NULL;
    int rc = 0;
    if (!pids || !paths)
        mp_oom();
    /* owner-locked: the files of a run killed with SIGKILL go with the next run's sweep */
    if ((rc = mp_scratch_mkdtemp("migprop-dirjobs-", &dir, err)))
        goto out;
    mp_interrupt_install();
    fflush(NULL);
    pid_t parent = getpid();
    for (unsigned w = 0; w < nw; w++) {
        paths[w] = mp_arena_printf(j->a, "%s/worker-%u.jsonl", dir, w + 1);
        FILE *f = fopen(paths[w], "w");
        if (f)
            pids[w] = fork();
        if (!f || pids[w] < 0) {
            rc = mp_error_set(err, MP_EIO, "worker %u: %s", w + 1, strerror(errno));
            if (f)
                fclose(f);
            pids[w] = 0;
            nw = w;
            break;
        }
        if (pids[w] == 0) {
            /* a signal ends the worker where it stands: its trial's database
             * is in memory or a transaction the server rolls back */
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            /* die with the parent; it may have died before the prctl */
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
                _exit(2);
            work(s, sh, pos_unit, pos_trial, npos, f);
            fclose(f);
            _exit(0); /* not exit(): the parent's atexit handlers (the cluster's) are the parent's */
        }
        fclose(f);
    }
    /* a signal to the parent (SIGTERM from a CI runner) reaches the workers */
    mp_interrupt_forward(pids, nw);
    if (nw) /* the workers started go on without those that could not */
        rc = 0;
    for (unsigned w = 0; w < nw; w++) {
        int st = 0;
        while (waitpid(pids[w], &st, 0) < 0 && errno == EINTR)
            ;
        if (!interrupted() && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fprintf(stderr, "migprop check: worker %u ended %s %d; its trials are lost\n", w + 1,
                    WIFSIGNALED(st) ? "by signal" : "with status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        read_outcomes(j, paths[w], pos_unit, pos_trial, npos);
    }
    mp_interrupt_forward(NULL, 0);
    j->done = atomic_load(&sh->done);
    if (!rc && interrupted())
        rc = MP_RUN_INTERRUPTED_BASE + interrupted();
out:
    if (dir)
        mp_rmtree(dir, NULL);
    free(dir);
    free(pids);
    free(paths);
    munmap(sh, shsize);
    if (rc < 0) {
        mp_dirjobs_free(j);
        j = NULL;
    }
    *out = j;
    return rc;
}

const struct mp_dirjobs_outcome *mp_dirjobs_get(const struct mp_dirjobs *j, size_t u, unsigned long i)
{
    return &j->v[u][i];
}

unsigned long mp_dirjobs_done(const struct mp_dirjobs *j)
{
    return j->done;
}

void mp_dirjobs_free(struct mp_dirjobs *j)
{
    if (!j)
        return;
    mp_arena_free(j->a);
    free(j);
}
