/* cluster.c - `migprop cluster CMD`: run a command with a disposable PostgreSQL. */
#include "commands.h"
#include "cliopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os.h"
#include "pgcluster.h"

static const char usage[] =
    "usage: migprop cluster [--] CMD [ARGS...]\n"
    "\n"
    "Starts a disposable PostgreSQL cluster, runs CMD with DATABASE_URL, PGHOST, PGUSER\n"
    "and PGDATABASE set, and removes the cluster when CMD ends.  Options end at CMD, so\n"
    "CMD's own options are passed on as they are.\n"
    "\n"
    "options:\n"
    "  -h, --help   print this help\n"
    "\n"
    "exit status: CMD's; 128+N when CMD died of signal N, 2 when the cluster cannot start\n";

static const struct option longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Set the environment variable `var` to the value of `key=` in the libpq
 * keyword string `ci`, when it has one. */
static void export_keyword(const char *ci, const char *key, const char *var)
{
    const char *p = strstr(ci, key);
    if (!p)
        return;
    p += strlen(key);
    char *v = mp_xstrndup(p, strcspn(p, " "));
    if (*v)
        setenv(var, v, 1);
    free(v);
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
        return 2;
    }
    const char *ci = mp_pgcluster_conninfo(cl);
    setenv("DATABASE_URL", ci, 1);
    /* the keyword string's parts for psql and other libpq programs */
    export_keyword(ci, "host=", "PGHOST");
    export_keyword(ci, "user=", "PGUSER");
    export_keyword(ci, "dbname=", "PGDATABASE");
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cmd[0], cmd);
        fprintf(stderr, "migprop cluster: %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    int st = 0, rc = 2;
    if (pid > 0) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 2;
    } else {
        fprintf(stderr, "migprop cluster: fork: %s\n", strerror(errno));
    }
    mp_pgcluster_stop(cl);
    return rc;
}
