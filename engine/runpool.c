/* runpool.c - long-lived executor processes for the runs on fresh
 * databases (fresh.c): forked once and reused from trial to trial, so a
 * run costs no fork, no copy-on-write faults of the trial process's memory
 * and no exit; a runner that dies (killed on purpose) is replaced at the
 * next run. */
#include "engine_int.h"
#include "executor.h"
#include "os.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* One executor process; pid 0: none.  fd: this side of its socketpair. */
struct pool_worker {
    pid_t pid;
    int fd;
};

static struct pool_worker pool[MP_RUNPOOL_MAX];
static pid_t pool_owner; /* the process whose workers these are */

/* ---- framing: a job is one frame (u64 length, bytes); replies are a
 * byte ('R' ready, 'D' done) and for 'D' an int rc and a message ---- */

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void put_u64(struct mp_buf *b, uint64_t v)
{
    mp_buf_addn(b, (const char *)&v, sizeof v);
}

/* NULL is UINT64_MAX, else the length and the bytes */
static void put_str(struct mp_buf *b, const char *s)
{
    put_u64(b, s ? strlen(s) : UINT64_MAX);
    if (s)
        mp_buf_addn(b, s, strlen(s));
}

static void put_sec(struct mp_buf *b, const struct mp_migsql *s)
{
    put_str(b, s->path);
    put_str(b, s->sql);
    put_u64(b, (uint64_t)s->line);
    put_u64(b, (uint64_t)s->no_transaction | (uint64_t)s->fk_off << 1);
}

static void put_mig(struct mp_buf *b, const struct mp_migration *m)
{
    put_str(b, m->version);
    put_str(b, m->raw_version);
    put_str(b, m->name);
    put_sec(b, &m->up);
    put_sec(b, &m->down);
    put_u64(b, (uint64_t)m->reversible | (uint64_t)m->repeatable << 1);
    put_str(b, m->checksum);
}

/* A reader of one frame; `bad` once it ran past the end. */
struct cursor {
    const char *p, *end;
    struct mp_arena *a;
    bool bad;
};

static uint64_t get_u64(struct cursor *c)
{
    uint64_t v = 0;
    if ((size_t)(c->end - c->p) < sizeof v) {
        c->bad = true;
        return 0;
    }
    memcpy(&v, c->p, sizeof v);
    c->p += sizeof v;
    return v;
}

static const char *get_str(struct cursor *c)
{
    uint64_t n = get_u64(c);
    if (n == UINT64_MAX || c->bad)
        return NULL;
    if (n > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        return NULL;
    }
    const char *s = mp_arena_strndup(c->a, c->p, (size_t)n);
    c->p += n;
    return s;
}

static void get_sec(struct cursor *c, struct mp_migsql *s)
{
    s->path = get_str(c);
    s->sql = get_str(c);
    s->line = (long)get_u64(c);
    uint64_t f = get_u64(c);
    s->no_transaction = f & 1;
    s->fk_off = (f >> 1) & 1;
}

static void get_mig(struct cursor *c, struct mp_migration *m)
{
    m->version = get_str(c);
    m->raw_version = get_str(c);
    m->name = get_str(c);
    get_sec(c, &m->up);
    get_sec(c, &m->down);
    uint64_t f = get_u64(c);
    m->reversible = f & 1;
    m->repeatable = (f >> 1) & 1;
    const char *sum = get_str(c);
    snprintf(m->checksum, sizeof m->checksum, "%s", sum ? sum : "");
}

static int encode(const struct mp_runpool_job *j, struct mp_buf *b, struct mp_error *err)
{
    const struct mp_migset *set = j->set;
    for (size_t i = 0; i < set->n + set->nrep; i++) {
        const struct mp_migration *m = i < set->n ? &set->v[i] : &set->rep[i - set->n];
        if (m->up.fn || m->down.fn)
            return mp_error_set(err, MP_EINTERNAL, "migration %s is code, which a runner process cannot receive",
                                m->version);
    }
    put_u64(b, 0); /* the frame's length, filled in below */
    put_str(b, j->url);
    put_str(b, j->schema);
    put_str(b, j->table);
    put_u64(b, (uint64_t)j->fault);
    put_u64(b, (uint64_t)j->kill_at);
    put_u64(b, j->after_commit);
    put_u64(b, (uint64_t)set->format);
    put_str(b, set->dir);
    put_u64(b, set->n);
    put_u64(b, set->nrep);
    for (size_t i = 0; i < set->n; i++)
        put_mig(b, &set->v[i]);
    for (size_t i = 0; i < set->nrep; i++)
        put_mig(b, &set->rep[i]);
    uint64_t len = b->len - sizeof len;
    memcpy(b->s, &len, sizeof len);
    return 0;
}

/* ---- the worker ---- */

static void reply_done(int fd, int rc, const char *msg)
{
    uint32_t n = (uint32_t)strlen(msg);
    char k = 'D';
    if (send_all(fd, &k, 1) || send_all(fd, &rc, sizeof rc) || send_all(fd, &n, sizeof n) || send_all(fd, msg, n))
        _exit(1);
}

/* One job: read it, say ready, wait for the start, open the database,
 * run `up`, say done.  Returns false when the parent is gone. */
static bool serve(int fd)
{
    uint64_t len;
    if (recv_all(fd, &len, sizeof len))
        return false;
    char *frame = malloc(len + 1);
    if (!frame)
        mp_oom();
    if (recv_all(fd, frame, len)) {
        free(frame);
        return false;
    }
    struct mp_arena *a = mp_arena_new();
    struct cursor c = {frame, frame + len, a, false};
    struct mp_runpool_job j = {0};
    struct mp_migset set = {0};
    j.url = get_str(&c);
    j.schema = get_str(&c);
    j.table = get_str(&c);
    j.fault = (enum mp_fault)get_u64(&c);
    j.kill_at = (long)get_u64(&c);
    j.after_commit = get_u64(&c) != 0;
    set.format = (enum mp_migfmt)get_u64(&c);
    set.dir = get_str(&c);
    uint64_t n = get_u64(&c), nrep = get_u64(&c);
    if (!c.bad && n <= len && nrep <= len) {
        set.n = set.cap = (size_t)n;
        set.nrep = set.caprep = (size_t)nrep;
        set.v = mp_arena_alloc(a, (set.n + 1) * sizeof *set.v);
        set.rep = mp_arena_alloc(a, (set.nrep + 1) * sizeof *set.rep);
        for (size_t i = 0; i < set.n; i++)
            get_mig(&c, &set.v[i]);
        for (size_t i = 0; i < set.nrep; i++)
            get_mig(&c, &set.rep[i]);
    } else {
        c.bad = true;
    }
    struct mp_target *cx = NULL;
    struct mp_error ce = {0};
    char k = 'R', go;
    if (send_all(fd, &k, 1) || recv_all(fd, &go, 1)) {
        free(frame);
        mp_arena_free(a);
        return false;
    }
    int rc = c.bad || !j.url ? mp_error_set(&ce, MP_EINTERNAL, "a runner process received a malformed job")
                             : mp_fresh_open(j.url, j.schema, NULL, &cx, &ce);
    if (!rc) {
        struct mp_exec_config cc = {.table = j.table, .fault = j.fault};
        if (j.kill_at > 0)
            *(j.after_commit ? &cc.kill_after_commit : &cc.kill_before_commit) = j.kill_at;
        struct mp_exec_report rep;
        rc = mp_exec_up(cx, &set, &cc, NULL, &rep, &ce);
        mp_target_close(cx);
    }
    reply_done(fd, rc, rc ? ce.msg : "");
    free(frame);
    mp_arena_free(a);
    return true;
}

/* A pool process's heap stays at its high-water mark: each run opens a
 * connection, allocates SQLite's caches and frees them all at close, and
 * glibc would give the top of the heap back (brk) and fault it in anew,
 * zeroed, at the next run (mallopt(3): M_TRIM_THRESHOLD, M_TOP_PAD; and
 * M_MMAP_THRESHOLD, which would else no longer adapt: see its entry).
 * glibc's malloc only: tcmalloc (MIGPROP_TCMALLOC) ignores mallopt. */
static void keep_heap(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TOP_PAD, 1024 * 1024);
}

/* Start worker i: a process that serves jobs until its parent goes. */
static int spawn(int i, struct mp_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return mp_error_set(err, MP_EIO, "socketpair: %s", strerror(errno));
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return mp_error_set(err, MP_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        for (int k = 0; k < MP_RUNPOOL_MAX; k++)
            if (pool[k].pid > 0)
                close(pool[k].fd); /* the other workers' ends: theirs alone */
        /* die with the parent; it may have died before the prctl */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(1);
        keep_heap();
        while (serve(sv[1]))
            ;
        _exit(0);
    }
    close(sv[1]);
    pool[i].pid = pid;
    pool[i].fd = sv[0];
    return 0;
}

/* Forget worker i, reaping it; *status: how it ended. */
static void reap(int i, int *status)
{
    close(pool[i].fd);
    int st = 0;
    while (waitpid(pool[i].pid, &st, 0) < 0 && errno == EINTR)
        ;
    pool[i].pid = 0;
    pool[i].fd = -1;
    if (status)
        *status = st;
}

int mp_runpool_start(int n, struct mp_error *err)
{
    if (pool_owner != getpid()) {
        /* inherited through a fork (a --jobs worker): the parent's */
        for (int k = 0; k < MP_RUNPOOL_MAX; k++)
            if (pool_owner && pool[k].pid > 0)
                close(pool[k].fd);
        memset(pool, 0, sizeof pool);
        pool_owner = getpid();
    }
    for (int i = 0; i < n && i < MP_RUNPOOL_MAX; i++)
        if (pool[i].pid <= 0) {
            int rc = spawn(i, err);
            if (rc)
                return rc;
        }
    return 0;
}

int mp_runpool_run(int n, const struct mp_runpool_job *job, struct mp_fresh_result *out, struct mp_error *err)
{
    if (n < 1)
        n = 1;
    if (n > MP_RUNPOOL_MAX)
        n = MP_RUNPOOL_MAX;
    struct mp_buf frame = {0};
    int rc = encode(job, &frame, err);
    if (!rc)
        rc = mp_runpool_start(n, err);
    /* hand out the job; a worker that died meanwhile is replaced once */
    for (int i = 0; !rc && i < n; i++)
        if (send_all(pool[i].fd, frame.s, frame.len)) {
            reap(i, NULL);
            if (!(rc = spawn(i, err)) && send_all(pool[i].fd, frame.s, frame.len))
                rc = mp_error_set(err, MP_EIO, "a runner process does not take jobs");
        }
    mp_buf_free(&frame);
    if (rc)
        return rc;
    /* the barrier: every runner has its job, then all start */
    bool alive[MP_RUNPOOL_MAX];
    for (int i = 0; i < n; i++) {
        char k = 0;
        alive[i] = recv_all(pool[i].fd, &k, 1) == 0 && k == 'R';
    }
    for (int i = 0; i < n; i++) {
        const char go = 'G';
        if (alive[i] && send_all(pool[i].fd, &go, 1))
            alive[i] = false;
    }
    for (int i = 0; i < n; i++) {
        char k = 0;
        int wrc = 0;
        uint32_t len = 0;
        if (alive[i] && !recv_all(pool[i].fd, &k, 1) && k == 'D' && !recv_all(pool[i].fd, &wrc, sizeof wrc) &&
            !recv_all(pool[i].fd, &len, sizeof len)) {
            char msg[512];
            size_t keep = len < sizeof msg - 1 ? len : sizeof msg - 1;
            bool got = !recv_all(pool[i].fd, msg, keep);
            for (size_t rest = len - keep; got && rest;) { /* the part past 511 bytes */
                char skip[256];
                size_t m = rest < sizeof skip ? rest : sizeof skip;
                got = !recv_all(pool[i].fd, skip, m);
                rest -= m;
            }
            if (got) {
                msg[keep] = 0;
                if (!wrc)
                    out->nexited_ok++;
                else if (out->nfailed++, !out->first_failure[0])
                    snprintf(out->first_failure, sizeof out->first_failure, "%s", msg);
                continue;
            }
        }
        /* it died: SIGKILL is a kill on purpose, anything else a failure */
        int st = 0;
        reap(i, &st);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
            out->nkilled++;
        else
            out->nfailed++;
    }
    return 0;
}
