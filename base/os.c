/* os.c - clock, scratch directories, mkdir -p, rm -r, file copy, strdup. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "os.h"
#include "arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double mp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *mp_scratch_dir(void)
{
    const char *d = getenv("MIGPROP_TMPDIR");
    if (d && *d)
        return d;
    struct stat st;
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
        return "/dev/shm";
    d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

/* Claim directory `dir`: an owner file with our pid, locked for as long as
 * the process lives (the descriptor is kept, close-on-exec).  The lock is
 * taken on a temporary name and then renamed into place, so a sweeper never
 * sees an owner file that is not yet locked. */
static int claim(const char *dir, struct mp_error *err)
{
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/.migprop-owner-%ld", dir, (long)getpid());
    snprintf(final, sizeof final, "%s/%s", dir, MP_SCRATCH_OWNER_FILE);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", tmp, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || rename(tmp, final) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return mp_error_set(err, MP_EIO, "%s: %s", final, strerror(e));
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (write(fd, pid, (size_t)n) != n) {
        /* the pid is for people; the lock is what counts */
    }
    return 0; /* fd stays open: the lock lives as long as we do */
}

int mp_scratch_sweep(void)
{
    const char *base = mp_scratch_dir();
    DIR *d = opendir(base);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "migprop-", 8) != 0)
            continue;
        char dir[4096], owner[4200];
        snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
        snprintf(owner, sizeof owner, "%s/%s", dir, MP_SCRATCH_OWNER_FILE);
        int fd = open(owner, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
            continue;
        struct stat st;
        bool stale = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0;
        if (stale && mp_rmtree(dir, NULL) == 0)
            removed++;
        close(fd);
    }
    closedir(d);
    return removed;
}

int mp_scratch_mkdtemp(const char *prefix, char **out, struct mp_error *err)
{
    static bool swept;
    if (!swept) {
        swept = true;
        mp_scratch_sweep();
    }
    const char *base = mp_scratch_dir();
    size_t n = strlen(base) + strlen(prefix) + 8;
    char *p = malloc(n);
    if (!p)
        mp_oom();
    snprintf(p, n, "%s/%sXXXXXX", base, prefix);
    if (!mkdtemp(p)) {
        int e = errno;
        free(p);
        return mp_error_set(err, MP_EIO, "mkdtemp under %s: %s", base, strerror(e));
    }
    int rc = claim(p, err);
    if (rc) {
        mp_rmtree(p, NULL);
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int mp_mkdir_p(const char *dir, struct mp_error *err)
{
    char *p = mp_xstrdup(dir);
    int rc = 0;
    for (char *c = p + 1;; c++) {
        if (*c != '/' && *c)
            continue;
        char k = *c;
        *c = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            rc = mp_error_set(err, MP_EIO, "mkdir %s: %s", p, strerror(errno));
            break;
        }
        *c = k;
        if (!k)
            break;
    }
    struct stat st;
    if (!rc && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = mp_error_set(err, MP_EIO, "%s: not a directory", dir);
    free(p);
    return rc;
}

/* nftw passes no context: the failing path is kept here for the one call
 * in progress (nftw itself is not reentrant across threads either). */
static char rm_failed[4096];
static int rm_errno;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = flag == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT && !rm_failed[0]) {
        rm_errno = errno;
        snprintf(rm_failed, sizeof rm_failed, "%s", path);
    }
    return 0;
}

int mp_rmtree(const char *path, struct mp_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 || errno == ENOENT ? 0 : mp_error_set(err, MP_EIO, "rm %s: %s", path, strerror(errno));
    rm_failed[0] = 0;
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (rm_failed[0])
        return mp_error_set(err, MP_EIO, "rm %s: %s", rm_failed, strerror(rm_errno));
    return 0;
}

int mp_copy_file(const char *from, const char *to, struct mp_error *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return mp_error_set(err, MP_EIO, "%s: %s", to, strerror(e));
    }
    int rc = 0;
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = mp_error_set(err, MP_EIO, "%s: %s", from, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                rc = mp_error_set(err, MP_EIO, "%s: %s", to, strerror(errno));
                goto out;
            }
            w += k;
        }
    }
out:
    close(in);
    if (close(out) != 0 && !rc)
        rc = mp_error_set(err, MP_EIO, "%s: %s", to, strerror(errno));
    return rc;
}

int mp_copy_tree(const char *from, const char *to, struct mp_error *err)
{
    if (mkdir(to, 0777) != 0)
        return mp_error_set(err, MP_EIO, "mkdir %s: %s", to, strerror(errno));
    DIR *d = opendir(from);
    if (!d)
        return mp_error_set(err, MP_EIO, "%s: %s", from, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t nf = strlen(from) + strlen(e->d_name) + 2, nt = strlen(to) + strlen(e->d_name) + 2;
        char *f = malloc(nf), *t = malloc(nt);
        if (!f || !t)
            mp_oom();
        snprintf(f, nf, "%s/%s", from, e->d_name);
        snprintf(t, nt, "%s/%s", to, e->d_name);
        struct stat st;
        if (lstat(f, &st) != 0)
            rc = mp_error_set(err, MP_EIO, "%s: %s", f, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = mp_copy_tree(f, t, err);
        else if (S_ISREG(st.st_mode))
            rc = mp_copy_file(f, t, err);
        else
            rc = mp_error_set(err, MP_EIO, "%s: not a regular file or directory", f);
        free(f);
        free(t);
    }
    closedir(d);
    return rc;
}

int mp_read_file(const char *path, size_t max, char **out, size_t *len, struct mp_error *err)
{
    if (!max)
        max = MP_READ_MAX_DEFAULT;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = mp_error_set(err, MP_EIO, "%s: not a regular file (%s)", path,
                          S_ISDIR(st.st_mode)    ? "a directory"
                          : S_ISFIFO(st.st_mode) ? "a FIFO"
                          : S_ISSOCK(st.st_mode) ? "a socket"
                          : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                       : "not a file");
        goto out;
    }
    if ((unsigned long long)st.st_size > (unsigned long long)max) {
        rc = mp_error_set(err, MP_EIO, "%s: %lld bytes, more than the %zu this reads", path, (long long)st.st_size,
                          max);
        goto out;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    buf = malloc(cap);
    if (!buf)
        mp_oom();
    for (;;) {
        if (n + 1 >= cap) { /* the file grew while we read it */
            if (cap > max) {
                rc = mp_error_set(err, MP_EIO, "%s: more than the %zu bytes this reads", path, max);
                goto out;
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                mp_oom();
            buf = nb;
        }
        ssize_t k = read(fd, buf + n, cap - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    buf[n] = 0;
    const char *nul = memchr(buf, 0, n);
    if (nul) {
        long line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        rc = mp_error_set(err, MP_EINVAL, "%s:%ld: NUL byte in a text file", path, line);
        goto out;
    }
    *out = buf;
    buf = NULL;
    if (len)
        *len = n;
out:
    free(buf);
    close(fd);
    return rc;
}

char *mp_xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        mp_oom();
    return d;
}

char *mp_xstrndup(const char *s, size_t n)
{
    char *d = strndup(s ? s : "", n);
    if (!d)
        mp_oom();
    return d;
}
