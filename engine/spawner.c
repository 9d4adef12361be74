/* spawner.c - a process forked once that forks the run pool's executor
 * processes (runpool.c) for its owner and reaps them: the owner, which
 * grows and writes its memory trial after trial, then pays neither a fork
 * nor the copy-on-write faults after one each time a killed runner is
 * replaced. */
#include "engine_int.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t spawner_pid;   /* 0: none */
static int spawner_fd = -1; /* the owner's end of its socketpair */
static pid_t spawner_owner;

/* A request: 'S' fork a process, 'W' reap process `pid`. */
struct request {
    char op;
    pid_t pid;
};

/* The answer to 'S': the pid (the socket comes with it), to 'W' the
 * status; pid -1 when it failed. */
struct reply {
    pid_t pid;
    int status;
};

static int send_msg(int fd, const void *p, size_t n, int pass_fd)
{
    struct iovec iov = {(void *)p, n};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        memset(&u, 0, sizeof u);
        m.msg_control = u.b;
        m.msg_controllen = sizeof u.b;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    ssize_t w;
    while ((w = sendmsg(fd, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return w == (ssize_t)n ? 0 : -1;
}

/* One message of exactly n bytes; *got_fd the descriptor passed with it,
 * or -1. */
static int recv_msg(int fd, void *p, size_t n, int *got_fd)
{
    struct iovec iov = {p, n};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
    ssize_t r;
    while ((r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (got_fd) {
        *got_fd = -1;
        struct cmsghdr *c = r > 0 ? CMSG_FIRSTHDR(&m) : NULL;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(got_fd, CMSG_DATA(c), sizeof(int));
    }
    return r == (ssize_t)n ? 0 : -1;
}

/* The spawner's loop, until its owner goes. */
static void spawner_main(int ctl, void (*main_fn)(int fd))
{
    struct request q;
    while (recv_msg(ctl, &q, sizeof q, NULL) == 0) {
        struct reply a = {-1, 0};
        if (q.op == 'W') {
            while ((a.pid = waitpid(q.pid, &a.status, 0)) < 0 && errno == EINTR)
                ;
            if (send_msg(ctl, &a, sizeof a, -1))
                break;
            continue;
        }
        int sv[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
            pid_t me = getpid();
            a.pid = fork();
            if (a.pid == 0) {
                close(ctl);
                close(sv[0]);
                /* die with the spawner, which dies with its owner */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != me)
                    _exit(1);
                main_fn(sv[1]);
                _exit(0);
            }
            close(sv[1]);
        }
        int rc = send_msg(ctl, &a, sizeof a, a.pid > 0 ? sv[0] : -1);
        if (sv[0] >= 0)
            close(sv[0]);
        if (rc)
            break;
    }
    _exit(0);
}

/* Start the spawner; `keep_closed` (n of them, -1 skipped): the owner's
 * descriptors it must not hand on. */
static int spawner_start(void (*main_fn)(int fd), const int *keep_closed, size_t n, struct mp_error *err)
{
    int sv[2]; /* messages keep their bounds (SOCK_SEQPACKET) */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return mp_error_set(err, MP_EIO, "socketpair: %s", strerror(errno));
    fflush(NULL);
    pid_t owner = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return mp_error_set(err, MP_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        for (size_t k = 0; k < n; k++)
            if (keep_closed[k] >= 0)
                close(keep_closed[k]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != owner)
            _exit(1);
        /* what the owner's heap holds free goes back: fewer pages to map
         * into every process forked from here */
        malloc_trim(0);
        spawner_main(sv[1], main_fn);
    }
    close(sv[1]);
    spawner_pid = pid;
    spawner_fd = sv[0];
    spawner_owner = owner;
    return 0;
}

int mp_spawner_fork(void (*main_fn)(int fd), const int *keep_closed, size_t n, pid_t *pid, int *fd,
                    struct mp_error *err)
{
    *pid = 0;
    *fd = -1;
    if (spawner_pid && spawner_owner != getpid()) {
        close(spawner_fd); /* inherited through a fork: the parent's */
        spawner_pid = 0;
        spawner_fd = -1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc;
        if (!spawner_pid && (rc = spawner_start(main_fn, keep_closed, n, err)))
            return rc;
        struct request q = {'S', 0};
        struct reply a = {-1, 0};
        int got = -1;
        if (send_msg(spawner_fd, &q, sizeof q, -1) == 0 && recv_msg(spawner_fd, &a, sizeof a, &got) == 0 &&
            a.pid > 0 && got >= 0) {
            *pid = a.pid;
            *fd = got;
            return 0;
        }
        if (got >= 0)
            close(got);
        /* the spawner is gone or failed: one new one */
        close(spawner_fd);
        while (waitpid(spawner_pid, NULL, 0) < 0 && errno == EINTR)
            ;
        spawner_pid = 0;
        spawner_fd = -1;
    }
    return mp_error_set(err, MP_EIO, "the process that forks runners does not answer");
}

int mp_spawner_wait(pid_t pid, int *status)
{
    *status = 0;
    struct request q = {'W', pid};
    struct reply a = {-1, 0};
    if (!spawner_pid || spawner_owner != getpid() || send_msg(spawner_fd, &q, sizeof q, -1) ||
        recv_msg(spawner_fd, &a, sizeof a, NULL) || a.pid != pid)
        return -1;
    *status = a.status;
    return 0;
}
