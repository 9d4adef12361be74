/* cluster.c - `migprop cluster CMD`: run a command with a disposable PostgreSQL. */
#include "commands.h"
#include "cliopt.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "os.h"
#include "pgcluster.h"

static const char usage[] =
    "usage: migprop cluster [--] CMD [ARGS...]\n"
    "\n"
    "Starts a disposable PostgreSQL cluster, runs CMD with DATABASE_URL (a postgres:// URL,\n"
    "the socket directory percent-encoded in host=), PGHOST, PGPORT, PGUSER and PGDATABASE\n"
    "set, and removes the cluster when CMD ends.  Options end at CMD, so CMD's own options\n"
    "are passed on as they are.\n"
    "\n"
    "options:\n"
    "  -h, --help   print this help\n"
    "\n"
    "exit status: CMD's; 128+N when CMD died of signal N, 2 when the cluster cannot start\n";

static const struct option longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The value of `key=` in the libpq keyword string `ci` (the cluster's own
 * string: values hold no spaces or quotes), malloc'd; NULL when absent. */
static char *keyword(const char *ci, const char *key)
{
    size_t kn = strlen(key);
    for (const char *p = ci; *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n > kn && strncmp(p, key, kn) == 0 && p[kn] == '=')
            return mp_xstrndup(p + kn + 1, n - kn - 1);
        p += n;
    }
    return NULL;
}

/* Append `s` percent-encoded as a URI component (RFC 3986: unreserved
 * characters stay, every other byte is %XX), as libpq's URI parser
 * decodes it (PostgreSQL docs, "Connection URIs"). */
static void add_encoded(struct mp_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
            mp_buf_addc(b, (char)c);
        else
            mp_buf_printf(b, "%%%02X", c);
    }
}

/* Export DATABASE_URL as a postgres:// URL (the form every tool reads:
 * postgres://USER@/DB?host=%2Fsocket%2Fdir[&port=N]) and PGHOST, PGPORT,
 * PGUSER, PGDATABASE for psql and other libpq programs. */
static void export_cluster(const char *ci)
{
    char *host = keyword(ci, "host"), *port = keyword(ci, "port"), *user = keyword(ci, "user"),
         *db = keyword(ci, "dbname");
    struct mp_buf b = {0};
    mp_buf_add(&b, "postgres://");
    if (user) {
        add_encoded(&b, user);
        mp_buf_addc(&b, '@');
    }
    mp_buf_addc(&b, '/');
    if (db)
        add_encoded(&b, db);
    char sep = '?';
    if (host) {
        mp_buf_printf(&b, "%chost=", sep);
        add_encoded(&b, host);
        sep = '&';
    }
    if (port && strcmp(port, "5432") != 0)
        mp_buf_printf(&b, "%cport=%s", sep, port);
    setenv("DATABASE_URL", mp_buf_str(&b), 1);
    const char *vars[4][2] = {{"PGHOST", host}, {"PGPORT", port}, {"PGUSER", user}, {"PGDATABASE", db}};
    for (int i = 0; i < 4; i++)
        if (vars[i][1] && *vars[i][1])
            setenv(vars[i][0], vars[i][1], 1);
    mp_buf_free(&b);
    free(host);
    free(port);
    free(user);
    free(db);
}

/* While CMD runs, SIGINT and SIGTERM go on to it; migprop then stops the
 * cluster and exits 128 + the signal (README, "Signals"). */
static volatile sig_atomic_t got_signal;
static volatile pid_t child_pid;

static void forward(int sig)
{
    got_signal = sig;
    if (child_pid > 0)
        kill(child_pid, sig);
}

int mp_cmd_cluster(int argc, char **argv)
{
    int c;
    mp_cli_getopt_begin();
    /* '+': stop at CMD, whose options are its own */
    while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        return mp_cli_bad_option("cluster", c, argv, longopts);
    }
    if (optind >= argc)
        return mp_cli_error("cluster", "which command? (migprop cluster [--] CMD [ARGS...])");
    char **cmd = argv + optind;
    struct mp_pgcluster *cl;
    struct mp_error err = {0};
    if (mp_pgcluster_start(&cl, true, &err)) {
        fprintf(stderr, "migprop cluster: %s\n", err.msg);
        return mp_pgcluster_signal() ? 128 + mp_pgcluster_signal() : 2;
    }
    export_cluster(mp_pgcluster_conninfo(cl));
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cmd[0], cmd);
        fprintf(stderr, "migprop cluster: %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    int st = 0, rc = 2;
    if (pid > 0) {
        child_pid = pid;
        struct sigaction sa = {0};
        sa.sa_handler = forward;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 2;
        if (got_signal)
            rc = 128 + got_signal;
    } else {
        fprintf(stderr, "migprop cluster: fork: %s\n", strerror(errno));
    }
    mp_pgcluster_stop(cl);
    return rc;
}
