/* pgcluster.c - start, poll and remove a disposable PostgreSQL cluster. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "pgcluster.h"
#include "os.h"
#include "arena.h"
#include "buf.h"

#include <openssl/sha.h>

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
    char *dir;            /* the scratch directory (base/os.h: owner-locked), NULL once removed */
    char conninfo[512];   /* as the superuser "postgres" */
    char trial_conninfo[600]; /* as MP_PGCLUSTER_TRIAL_ROLE */
    pid_t server;
    uid_t uid;
    gid_t gid;
    bool drop_privileges;
};

#define MAX_CLUSTERS 8
static struct mp_pgcluster *live[MAX_CLUSTERS];
static volatile sig_atomic_t interrupted; /* the signal number, 0 before one came */
static bool handlers_installed;

static void on_signal(int sig)
{
    interrupted = sig;
    for (int i = 0; i < MAX_CLUSTERS; i++)
        if (live[i] && live[i]->server > 0)
            kill(live[i]->server, SIGQUIT);
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

int mp_pgcluster_signal(void)
{
    return interrupted;
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
    if (pid < 0)
        return -1;
    /* a signal (Ctrl-C) must not make us give up on the child while it
     * still writes into the directory: wait until it has really exited */
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (!WIFEXITED(status))
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
    if (mp_mkdir_p(root, NULL) != 0)
        return false;
    /* the cache is trusted only where nobody else can write */
    struct stat rs;
    return stat(root, &rs) == 0 && rs.st_uid == geteuid() && (rs.st_mode & 022) == 0;
}

/* The cache's manifest (CACHE.manifest beside CACHE): one line per entry of
 * the pristine directory, sorted by path: type, mode, owner, size, and for
 * every regular file up to 1 MiB its SHA-256 (the configuration files a
 * planted setting would hide in: postgresql.conf, postgresql.auto.conf,
 * pg_hba.conf, pg_ident.conf, PG_VERSION).  Larger files (relation data)
 * are checked by size.  Written when the cache is filled, compared before
 * each copy: any difference and the cache is rebuilt. */
struct manifest_ctx {
    struct mp_buf *out;
    size_t skip;     /* length of the root path plus the slash */
};

static struct manifest_ctx *manifest_cur; /* nftw passes no context */

static int manifest_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw;
    struct manifest_ctx *m = manifest_cur;
    const char *rel = strlen(path) > m->skip ? path + m->skip : ".";
    char kind = flag == FTW_D || flag == FTW_DP ? 'd' : flag == FTW_SL ? 'l' : S_ISREG(sb->st_mode) ? 'f' : '?';
    mp_buf_printf(m->out, "%c %o %ld:%ld %lld %s", kind, (unsigned)(sb->st_mode & 07777), (long)sb->st_uid,
                  (long)sb->st_gid, kind == 'f' ? (long long)sb->st_size : 0LL, rel);
    if (kind == 'f' && sb->st_size <= 1024 * 1024) {
        unsigned char md[SHA256_DIGEST_LENGTH];
        char *text = NULL;
        size_t len = 0;
        FILE *f = fopen(path, "rb");
        if (f) {
            text = malloc((size_t)sb->st_size + 1);
            if (!text)
                mp_oom();
            len = fread(text, 1, (size_t)sb->st_size, f);
            fclose(f);
        }
        SHA256((const unsigned char *)(text ? text : ""), len, md);
        free(text);
        mp_buf_add(m->out, " ");
        for (size_t i = 0; i < sizeof md; i++)
            mp_buf_printf(m->out, "%02x", md[i]);
    }
    mp_buf_addc(m->out, '\n');
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The manifest of directory `dir` into `out` (sorted lines). */
static void manifest(const char *dir, struct mp_buf *out)
{
    struct mp_buf raw = {0};
    struct manifest_ctx m = {&raw, strlen(dir) + 1};
    manifest_cur = &m;
    nftw(dir, manifest_entry, 16, FTW_PHYS);
    manifest_cur = NULL;
    size_t n = 0, cap = 0;
    char **lines = NULL;
    for (char *l = raw.s, *nl; l && *l; l = nl + 1) {
        nl = strchr(l, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            lines = realloc(lines, cap * sizeof *lines);
            if (!lines)
                mp_oom();
        }
        lines[n++] = l;
    }
    qsort(lines, n, sizeof *lines, cmp_lines);
    for (size_t i = 0; i < n; i++) {
        mp_buf_add(out, lines[i]);
        mp_buf_addc(out, '\n');
    }
    free(lines);
    mp_buf_free(&raw);
}

/* True when the cached directory `cache` is the one migprop made: owned as
 * expected, private (0700), and equal to its manifest. */
static bool cache_trusted(const char *cache, const struct mp_pgcluster *c)
{
    struct stat st;
    if (lstat(cache, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0 ||
        st.st_uid != (c->drop_privileges ? c->uid : geteuid()))
        return false;
    size_t n = strlen(cache) + 16;
    char *mpath = malloc(n);
    if (!mpath)
        mp_oom();
    snprintf(mpath, n, "%s.manifest", cache);
    struct mp_buf want = {0}, got = {0};
    bool ok = false;
    FILE *f = fopen(mpath, "r");
    if (f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 022) == 0) {
        char chunk[8192];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
            mp_buf_addn(&want, chunk, k);
        manifest(cache, &got);
        ok = want.len > 0 && strcmp(mp_buf_str(&want), mp_buf_str(&got)) == 0;
    }
    if (f)
        fclose(f);
    free(mpath);
    mp_buf_free(&want);
    mp_buf_free(&got);
    return ok;
}

/* Write the manifest of the just-filled cache `cache`. */
static void cache_seal(const char *cache)
{
    size_t n = strlen(cache) + 16;
    char *mpath = malloc(n), *tmp = malloc(n + 24);
    if (!mpath || !tmp)
        mp_oom();
    snprintf(mpath, n, "%s.manifest", cache);
    snprintf(tmp, n + 24, "%s.tmp%ld", mpath, (long)getpid());
    struct mp_buf m = {0};
    manifest(cache, &m);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        bool ok = write(fd, m.s ? m.s : "", m.len) == (ssize_t)m.len;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, mpath) != 0)
            unlink(tmp);
    }
    mp_buf_free(&m);
    free(mpath);
    free(tmp);
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
     * gets SIGKILL (prctl(2) PR_SET_PDEATHSIG; set after setuid, which
     * clears it).  Not SIGQUIT: a postmaster still starting up blocks it
     * and went on running, orphaned, in a directory the next migprop then
     * removed under it.  Its children exit when they see it gone, and the
     * cluster is disposable: nothing needs a clean shutdown. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
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

/* The role trials run as: it may create schemas and databases and nothing
 * that reaches outside the server.  Without superuser (or the predefined
 * roles pg_execute_server_program, pg_read_server_files,
 * pg_write_server_files) the server itself refuses COPY ... TO/FROM PROGRAM,
 * server-side COPY to files, lo_import/lo_export of server files, untrusted
 * procedural languages and untrusted extensions (PostgreSQL manual: COPY,
 * "Large Objects" 35.4, CREATE LANGUAGE, CREATE EXTENSION, 22.5 "Predefined
 * Roles"). */
static int make_trial_role(struct mp_pgcluster *c, struct mp_error *err)
{
    PGconn *conn = PQconnectdb(c->conninfo);
    int rc = 0;
    if (PQstatus(conn) != CONNECTION_OK) {
        rc = mp_error_set(err, MP_EIO, "connecting to the new cluster: %s", PQerrorMessage(conn));
        goto out;
    }
    PGresult *r = PQexec(conn, "SET client_min_messages=warning; "
                               "CREATE ROLE " MP_PGCLUSTER_TRIAL_ROLE " LOGIN NOSUPERUSER CREATEDB NOCREATEROLE "
                               "NOREPLICATION NOBYPASSRLS; "
                               "GRANT CREATE, TEMPORARY ON DATABASE postgres TO " MP_PGCLUSTER_TRIAL_ROLE "; "
                               "GRANT ALL ON SCHEMA public TO " MP_PGCLUSTER_TRIAL_ROLE ";");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = mp_error_set(err, MP_EIO, "creating the trial role: %s", PQresultErrorMessage(r));
    PQclear(r);
out:
    PQfinish(conn);
    return rc;
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
    if (mp_scratch_mkdtemp("migprop-pg-", &c->dir, err)) {
        free(c);
        return MP_EIO;
    }
    if (c->drop_privileges && chown(c->dir, c->uid, c->gid) != 0) {
        int e = errno;
        mp_rmtree(c->dir, NULL);
        mp_error_set(err, MP_EIO, "chown %s: %s", c->dir, strerror(e));
        free(c->dir);
        free(c);
        return MP_EIO;
    }
    if (!handlers_installed) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        /* restart interrupted calls: the handler only records the signal
         * and stops the servers; each wait loop checks `interrupted` */
        sa.sa_flags = SA_RESTART;
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

    char initdb[512], postgres[512], data[600], log[600];
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
        if (cache_trusted(cache, c)) {
            /* a copy of the pristine directory (cp -a keeps owner and modes) */
            char *cargv[] = {cp, "-a", cache, data, NULL};
            copied = run_wait(c, cargv, log, true) == 0;
        } else {
            /* not what migprop left there (or from an older migprop without
             * a manifest): rebuilt below, never used */
            if (!quiet)
                fprintf(stderr, "# migprop: the cached PostgreSQL data directory %s does not match its manifest; "
                                "making a new one\n", cache);
            mp_rmtree(cache, NULL);
        }
    }
    if (interrupted) {
        mp_error_set(err, MP_EIO, "interrupted while the PostgreSQL cluster was being created");
        mp_pgcluster_stop(c);
        return MP_EIO;
    }
    if (!copied) {
        /* a copy cut short leaves a partial data directory: start afresh */
        mp_rmtree(data, NULL);
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
            if (run_wait(c, cargv, log, true) == 0 && !interrupted && rename(tmp, cache) == 0)
                cache_seal(cache);
            else
                mp_rmtree(tmp, NULL);
        }
    }
    if (interrupted) {
        mp_error_set(err, MP_EIO, "interrupted while the PostgreSQL cluster was being created");
        mp_pgcluster_stop(c);
        return MP_EIO;
    }
    snprintf(log, sizeof log, "%s/server.log", c->dir);
    char sockopt[700];
    snprintf(sockopt, sizeof sockopt, "unix_socket_directories=%s", c->dir);
    /* autovacuum_naptime=1: a check commits DDL all the time (the runs on
     * fresh databases), which leaves dead rows in pg_class, pg_attribute
     * and pg_depend that every catalog read then wades through; with the
     * default of a minute autovacuum never came round during a run, and two
     * workers took 60-65 s for 300 two-backend trials against 32-43 s with
     * it (PostgreSQL "Automatic Vacuuming": autovacuum_naptime) */
    char *sargv[] = {postgres, "-D", data, "-c", "listen_addresses=", "-c", sockopt,
                     "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                     "-c", "autovacuum_naptime=1", "-c", "max_connections=40", "-c", "shared_buffers=32MB",
                     "-p", "5432", NULL};
    c->server = spawn(c, sargv, log);
    if (c->server < 0) {
        log_tail(err, c->dir, "server.log", "cannot start postgres");
        mp_pgcluster_stop(c);
        return MP_EIO;
    }
    snprintf(c->conninfo, sizeof c->conninfo, "host=%s port=5432 user=postgres dbname=postgres", c->dir);
    snprintf(c->trial_conninfo, sizeof c->trial_conninfo, "host=%s port=5432 user=%s dbname=postgres", c->dir,
             MP_PGCLUSTER_TRIAL_ROLE);
    struct timespec ts = {0, 5 * 1000 * 1000};
    double deadline = mp_now() + MP_PGCLUSTER_START_TIMEOUT_S;
    while (mp_now() < deadline) {
        if (PQping(c->conninfo) == PQPING_OK) {
            if (make_trial_role(c, err)) {
                mp_pgcluster_stop(c);
                return MP_EIO;
            }
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

const char *mp_pgcluster_trial_conninfo(const struct mp_pgcluster *c)
{
    return c->trial_conninfo;
}

void mp_pgcluster_stop(struct mp_pgcluster *c)
{
    if (!c)
        return;
    if (c->server > 0) {
        /* SIGQUIT is PostgreSQL's immediate shutdown; a postmaster that is
         * still starting may not act on it yet (it blocks signals while it
         * sets up): repeat it, then SIGKILL after MP_PGCLUSTER_STOP_TIMEOUT_S */
        double deadline = mp_now() + MP_PGCLUSTER_STOP_TIMEOUT_S, next = 0;
        struct timespec ts = {0, 2 * 1000 * 1000};
        for (;;) {
            if (mp_now() >= next) {
                kill(c->server, mp_now() < deadline ? SIGQUIT : SIGKILL);
                next = mp_now() + 0.2;
            }
            pid_t w = waitpid(c->server, NULL, WNOHANG);
            if (w == c->server || (w < 0 && errno != EINTR))
                break;
            nanosleep(&ts, NULL);
        }
        c->server = 0;
    }
    if (c->dir) {
        mp_rmtree(c->dir, NULL);
        free(c->dir);
        c->dir = NULL;
    }
    for (int i = 0; i < MAX_CLUSTERS; i++)
        if (live[i] == c)
            live[i] = NULL;
    free(c);
}
