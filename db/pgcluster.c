/* pgcluster.c - start, poll and remove a disposable PostgreSQL cluster. */
#include "pgcluster.h"
#include "os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/prctl.h>
#include <unistd.h>

struct mp_pgcluster {
    char dir[256];
    char conninfo[512];
    pid_t server;
    uid_t uid;
    gid_t gid;
    bool drop_privileges;
};

#define MAX_CLUSTERS 8
static struct mp_pgcluster *live[MAX_CLUSTERS];
static volatile sig_atomic_t interrupted;
static bool handlers_installed;

static void on_signal(int sig)
{
    interrupted = 1;
    for (int i = 0; i < MAX_CLUSTERS; i++)
        if (live[i] && live[i]->server > 0)
            kill(live[i]->server, SIGQUIT);
    (void)sig;
}

static void at_exit(void)
{
    for (int i = 0; i < MAX_CLUSTERS; i++)
        mp_pgcluster_stop(live[i]);
}

bool mp_pgcluster_interrupted(void)
{
    return interrupted != 0;
}

static bool is_exec(const char *path)
{
    return access(path, X_OK) == 0;
}

/* Directory holding initdb and postgres, into buf. */
static bool find_bindir(char *buf, size_t n)
{
    FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
    if (p) {
        char line[400] = "";
        if (fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = '\0';
            char probe[512];
            snprintf(probe, sizeof probe, "%s/initdb", line);
            if (is_exec(probe)) {
                pclose(p);
                snprintf(buf, n, "%s", line);
                return true;
            }
        }
        pclose(p);
    }
    /* /usr/lib/postgresql/<version>/bin, highest version first */
    DIR *d = opendir("/usr/lib/postgresql");
    int best = -1;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            int v = atoi(e->d_name);
            char probe[512];
            snprintf(probe, sizeof probe, "/usr/lib/postgresql/%s/bin/postgres", e->d_name);
            if (v > best && is_exec(probe))
                best = v;
        }
        closedir(d);
    }
    if (best >= 0) {
        snprintf(buf, n, "/usr/lib/postgresql/%d/bin", best);
        return true;
    }
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = strdup(path);
    if (!copy)
        return false;
    bool found = false;
    for (char *save = NULL, *tok = strtok_r(copy, ":", &save); tok && !found; tok = strtok_r(NULL, ":", &save)) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/initdb", tok);
        snprintf(b, sizeof b, "%s/postgres", tok);
        if (is_exec(a) && is_exec(b)) {
            snprintf(buf, n, "%s", tok);
            found = true;
        }
    }
    free(copy);
    return found;
}

/* fork + exec argv with stdout/stderr to `log`, as the cluster's user
 * (as migprop's own user when `as_self`).  Returns the child's pid or -1. */
static pid_t spawn_as(struct mp_pgcluster *c, char *const argv[], const char *log, bool as_self);

static pid_t spawn(struct mp_pgcluster *c, char *const argv[], const char *log)
{
    return spawn_as(c, argv, log, false);
}

static int run_wait(struct mp_pgcluster *c, char *const argv[], const char *log, bool as_self)
{
    pid_t pid = spawn_as(c, argv, log, as_self);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* The pristine data directory cache: initdb takes ~0.7 s, a copy of its
 * result ~0.05 s (PERFORMANCE.md).  $MIGPROP_CACHE_DIR, else
 * $XDG_CACHE_HOME/migprop, else $HOME/.cache/migprop; MIGPROP_NO_CACHE=1
 * turns it off.  The key names the server binary and its mtime, so an
 * upgraded PostgreSQL gets a fresh copy. */
static bool cache_path(const char *bindir, char *out, size_t cap)
{
    if (getenv("MIGPROP_NO_CACHE") && strcmp(getenv("MIGPROP_NO_CACHE"), "1") == 0)
        return false;
    char root[512];
    if (getenv("MIGPROP_CACHE_DIR"))
        snprintf(root, sizeof root, "%s", getenv("MIGPROP_CACHE_DIR"));
    else if (getenv("XDG_CACHE_HOME"))
        snprintf(root, sizeof root, "%s/migprop", getenv("XDG_CACHE_HOME"));
    else if (getenv("HOME"))
        snprintf(root, sizeof root, "%s/.cache/migprop", getenv("HOME"));
    else
        return false;
    char bin[600];
    snprintf(bin, sizeof bin, "%s/postgres", bindir);
    struct stat sb;
    if (stat(bin, &sb) != 0)
        return false;
    char key[300];
    size_t k = 0;
    for (const char *p = bindir; *p && k < 200; p++)
        key[k++] = (*p == '/' || *p == ' ') ? '_' : *p;
    key[k] = 0;
    snprintf(out, cap, "%s/pgdata%s-%lld", root, key, (long long)sb.st_mtime);
    /* mkdir -p root */
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", root);
    for (char *c = tmp + 1;; c++)
        if (*c == '/' || !*c) {
            char keep = *c;
            *c = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return false;
            *c = keep;
            if (!keep)
                break;
        }
    return true;
}
static pid_t spawn_as(struct mp_pgcluster *c, char *const argv[], const char *log, bool as_self)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setpgid(0, 0); /* a terminal's Ctrl-C goes to us, and we stop the server */
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    if (!as_self && c->drop_privileges && (setgid(c->gid) != 0 || setuid(c->uid) != 0)) {
        perror("migprop: cannot switch to the postgres user");
        _exit(126);
    }
    /* if migprop dies without stopping it (a crash, SIGKILL), the server
     * gets SIGQUIT, PostgreSQL's immediate shutdown (prctl(2)
     * PR_SET_PDEATHSIG; set after setuid, which clears it) */
    prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (getppid() != parent)
        _exit(125);
    execv(argv[0], argv);
    perror("migprop: exec");
    _exit(127);
}

static void log_tail(struct mp_error *err, const char *dir, const char *file, const char *what)
{
    char path[512], tail[1200] = "";
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (f) {
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size > 1000 ? size - 1000 : 0, SEEK_SET);
        size_t n = fread(tail, 1, sizeof tail - 1, f);
        tail[n] = '\0';
        fclose(f);
    }
    mp_error_set(err, MP_EIO, "%s; last lines of %s:\n%s", what, file, tail);
}

int mp_pgcluster_start(struct mp_pgcluster **out, bool quiet, struct mp_error *err)
{
    struct mp_pgcluster *c = calloc(1, sizeof *c);
    if (!c)
        return mp_error_set(err, MP_EIO, "out of memory");
    char bindir[400];
    if (!find_bindir(bindir, sizeof bindir)) {
        free(c);
        return mp_error_set(err, MP_EIO, "no PostgreSQL server found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH): install the postgresql package");
    }
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            free(c);
            return mp_error_set(err, MP_EIO, "running as root and there is no 'postgres' user to run the cluster as (initdb refuses root)");
        }
        c->uid = pw->pw_uid;
        c->gid = pw->pw_gid;
        c->drop_privileges = true;
    }
    const char *base = mp_scratch_dir();
    snprintf(c->dir, sizeof c->dir, "%s/migprop-pg-XXXXXX", base);
    if (!mkdtemp(c->dir)) {
        int e = errno;
        free(c);
        return mp_error_set(err, MP_EIO, "mkdtemp under %s: %s", base, strerror(e));
    }
    chmod(c->dir, 0700);
    if (c->drop_privileges && chown(c->dir, c->uid, c->gid) != 0) {
        int e = errno;
        rmdir(c->dir);
        mp_error_set(err, MP_EIO, "chown %s: %s", c->dir, strerror(e));
        free(c);
        return MP_EIO;
    }
    if (!handlers_installed) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        atexit(at_exit);
        handlers_installed = true;
    }
    for (int i = 0; i < MAX_CLUSTERS; i++)
        if (!live[i]) {
            live[i] = c;
            break;
        }

    char initdb[512], postgres[512], data[300], log[300];
    snprintf(initdb, sizeof initdb, "%s/initdb", bindir);
    snprintf(postgres, sizeof postgres, "%s/postgres", bindir);
    snprintf(data, sizeof data, "%s/data", c->dir);
    snprintf(log, sizeof log, "%s/initdb.log", c->dir);
    if (!quiet)
        fprintf(stderr, "# migprop: starting a disposable PostgreSQL cluster in %s\n", c->dir);
    char *iargv[] = {initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync", "--no-instructions", NULL};
    int status = 0;
    char cache[1024], version[1100];
    bool cached = cache_path(bindir, cache, sizeof cache);
    snprintf(version, sizeof version, "%s/PG_VERSION", cache);
    char cp[] = "/bin/cp";
    bool copied = false;
    if (cached && access(version, R_OK) == 0) {
        /* a copy of the pristine directory (cp -a keeps owner and modes) */
        char *cargv[] = {cp, "-a", cache, data, NULL};
        copied = run_wait(c, cargv, log, true) == 0;
    }
    if (!copied) {
        if (run_wait(c, iargv, log, false) != 0) {
            log_tail(err, c->dir, "initdb.log", "initdb failed");
            mp_pgcluster_stop(c);
            return MP_EIO;
        }
        if (cached) {
            /* fill the cache: copy aside, then rename into place (atomic) */
            char tmp[1100];
            snprintf(tmp, sizeof tmp, "%s.tmp%ld", cache, (long)getpid());
            char *cargv[] = {cp, "-a", data, tmp, NULL};
            if (run_wait(c, cargv, log, true) == 0 && rename(tmp, cache) != 0) {
                char rm[] = "/bin/rm", rf[] = "-rf";
                char *rargv[] = {rm, rf, tmp, NULL};
                run_wait(c, rargv, log, true);
            }
        }
    }
    snprintf(log, sizeof log, "%s/server.log", c->dir);
    char sockopt[300];
    snprintf(sockopt, sizeof sockopt, "unix_socket_directories=%s", c->dir);
    char *sargv[] = {postgres, "-D", data, "-c", "listen_addresses=", "-c", sockopt,
                     "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                     "-c", "max_connections=40", "-c", "shared_buffers=32MB", "-p", "5432", NULL};
    c->server = spawn(c, sargv, log);
    if (c->server < 0) {
        log_tail(err, c->dir, "server.log", "cannot start postgres");
        mp_pgcluster_stop(c);
        return MP_EIO;
    }
    snprintf(c->conninfo, sizeof c->conninfo, "host=%s port=5432 user=postgres dbname=postgres", c->dir);
    struct timespec ts = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 6000; i++) { /* 30 s */
        if (PQping(c->conninfo) == PQPING_OK) {
            *out = c;
            return 0;
        }
        if (waitpid(c->server, &status, WNOHANG) == c->server) {
            c->server = 0;
            break;
        }
        if (interrupted)
            break;
        nanosleep(&ts, NULL);
    }
    log_tail(err, c->dir, "server.log", interrupted ? "interrupted while PostgreSQL was starting" : "PostgreSQL did not start");
    mp_pgcluster_stop(c);
    return MP_EIO;
}

const char *mp_pgcluster_conninfo(const struct mp_pgcluster *c)
{
    return c->conninfo;
}

void mp_pgcluster_stop(struct mp_pgcluster *c)
{
    if (!c)
        return;
    if (c->server > 0) {
        kill(c->server, SIGQUIT);
        waitpid(c->server, NULL, 0);
        c->server = 0;
    }
    if (c->dir[0]) {
        mp_rmtree(c->dir, NULL);
        c->dir[0] = '\0';
    }
    for (int i = 0; i < MAX_CLUSTERS; i++)
        if (live[i] == c)
            live[i] = NULL;
    free(c);
}
