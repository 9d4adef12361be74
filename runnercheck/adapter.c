/* adapter.c - how runner-check drives a runner: the built-in profiles,
 * adapter files, placeholder substitution and running the commands.
 *
 * An adapter's `up` and `down` are shell command templates by design (a
 * user writes "dbmate --url {url} up" or a pipeline of their own), so they
 * run under /bin/sh -c; every value substituted into them is shell-quoted
 * by shell_quote(), the one quoting function for the shell.  Nothing
 * else in runner-check goes through a shell. */
#include "runnercheck_int.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long one runner command may run before it is killed (exit 124, as
 * timeout(1) reports it), and how often it is polled meanwhile. */
#define MP_RC_COMMAND_TIMEOUT_S 120.0
#define MP_RC_POLL_MS 5

static const struct mp_rc_adapter profiles[] = {
    {"migprop", MP_STYLE_PAIRS, "{migprop} migrate --quiet --dir {dir} --db {url} up",
     "{migprop} migrate --quiet --dir {dir} --db {url} down 1", "migprop_migrations", {"sqlite:{path}", "{dsn}"}, NULL},
    {"dbmate", MP_STYLE_DBMATE, "dbmate --url {url} --migrations-dir {dir} --no-dump-schema up",
     "dbmate --url {url} --migrations-dir {dir} --no-dump-schema rollback", "schema_migrations",
     {"sqlite:{path}", "postgres://{user}@/{db}?socket={host}&sslmode=disable"}, NULL},
    {"sql-migrate", MP_STYLE_SQLMIGRATE, "sql-migrate up -config={config} -env=migprop",
     "sql-migrate down -config={config} -env=migprop -limit=1", "gorp_migrations", {"{path}", "{dsn} sslmode=disable"},
     "migprop:\n  dialect: {sqlm}\n  datasource: {url}\n  dir: {dir}\n"},
};

const struct mp_rc_adapter *mp_rc_profile(const char *name)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof *profiles; i++)
        if (strcmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

char *mp_rc_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

int mp_rc_adapter_read(struct mp_arena *a, const char *path, struct mp_rc_adapter *out, struct mp_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    memset(out, 0, sizeof *out);
    out->style = MP_STYLE_PAIRS;
    char line[4096];
    int ln = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        ln++;
        char *l = mp_rc_trim(line);
        if (!*l || *l == '#')
            continue;
        char *colon = strchr(l, ':');
        if (!colon) {
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: expected 'key: value'", path, ln);
            break;
        }
        *colon = 0;
        char *k = mp_rc_trim(l), *v = mp_arena_strdup(a, mp_rc_trim(colon + 1));
        if (strcmp(k, "name") == 0)
            out->name = v;
        else if (strcmp(k, "style") == 0) {
            int st = mp_migstyle_parse(v);
            if (st < 0)
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown style '%s'", path, ln, v);
            out->style = (enum mp_migstyle)st;
        } else if (strcmp(k, "up") == 0)
            out->up = v;
        else if (strcmp(k, "down") == 0)
            out->down = v;
        else if (strcmp(k, "tracking") == 0)
            out->tracking = v;
        else if (strcmp(k, "url-sqlite") == 0)
            out->url[MP_SQLITE] = v;
        else if (strcmp(k, "url-postgres") == 0)
            out->url[MP_POSTGRES] = v;
        else if (strcmp(k, "config") == 0) {
            struct mp_buf b = {0};
            for (const char *p = v; *p; p++) {
                if (p[0] == '\\' && p[1] == 'n') {
                    mp_buf_addc(&b, '\n');
                    p++;
                } else {
                    mp_buf_addc(&b, *p);
                }
            }
            out->config = mp_arena_strdup(a, mp_buf_str(&b));
            mp_buf_free(&b);
        } else
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown key '%s'", path, ln, k);
    }
    fclose(f);
    if (!rc && (!out->up || !out->name))
        rc = mp_error_set(err, MP_EINVAL, "%s: an adapter needs at least 'name' and 'up'", path);
    if (!rc) {
        if (!out->url[MP_SQLITE])
            out->url[MP_SQLITE] = "sqlite:{path}";
        if (!out->url[MP_POSTGRES])
            out->url[MP_POSTGRES] = "{dsn}";
    }
    return rc;
}

/* Append `s` to b as one shell word: in single quotes, each ' written as
 * '\'' (close the quotes, an escaped quote, open them again; POSIX sh,
 * "Quoting", 2.2.2-2.2.3: nothing inside single quotes is special). */
static void shell_quote(struct mp_buf *b, const char *s)
{
    mp_buf_addc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            mp_buf_add(b, "'\\''");
        else
            mp_buf_addc(b, *s);
    }
    mp_buf_addc(b, '\'');
}

/* Substitute placeholders; `quote` shell-quotes the values. */
const char *mp_rc_expand(struct mp_rc *c, const char *tpl, bool quote)
{
    struct mp_buf b = {0};
    for (const char *p = tpl; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e) {
                size_t n = (size_t)(e - p - 1);
                const char *v = NULL;
#define KEY(k) (n == strlen(k) && strncmp(p + 1, k, n) == 0)
                if (KEY("dir")) v = c->dir;
                else if (KEY("url")) v = c->url;
                else if (KEY("path")) v = c->path;
                else if (KEY("dsn")) v = c->dsn;
                else if (KEY("host")) v = c->host;
                else if (KEY("user")) v = c->user;
                else if (KEY("db")) v = c->db;
                else if (KEY("config")) v = c->config;
                else if (KEY("dialect")) v = mp_dialect_name(c->d);
                else if (KEY("sqlm")) v = c->d == MP_SQLITE ? "sqlite3" : "postgres";
                else if (KEY("migprop")) v = c->self;
#undef KEY
                if (v) {
                    if (quote)
                        shell_quote(&b, v);
                    else
                        mp_buf_add(&b, v);
                    p = e + 1;
                    continue;
                }
            }
        }
        mp_buf_addc(&b, *p++);
    }
    const char *r = mp_arena_strdup(c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

/* Start `cmd` (already expanded) under /bin/sh with DATABASE_URL set and
 * its output to `log` (NULL: /dev/null); `group`: in a process group of its
 * own, so a kill reaches the runner and not only the shell. */
pid_t mp_rc_spawn(struct mp_rc *c, const char *cmd, const char *log, bool group)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (group)
            setpgid(0, 0);
        int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600) : open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        setenv("DATABASE_URL", c->url, 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

int mp_rc_run(struct mp_rc *c, const char *tpl, const char **output)
{
    const char *cmd = mp_rc_expand(c, tpl, true);
    const char *log = mp_arena_printf(c->a, "%s/cmd.log", c->work);
    pid_t pid = mp_rc_spawn(c, cmd, log, false);
    int st = 127 << 8; /* could not be started */
    double deadline = mp_now() + MP_RC_COMMAND_TIMEOUT_S;
    while (pid > 0) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            st = 1 << 8;
            break;
        }
        if (mp_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            st = 124 << 8;
            break;
        }
        struct timespec ts = {0, MP_RC_POLL_MS * 1000L * 1000L};
        nanosleep(&ts, NULL);
    }
    FILE *f = fopen(log, "r");
    char buf[1500] = "";
    size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[k] = 0;
    if (output)
        *output = mp_arena_printf(c->a, "$ %s\n%s", cmd, buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}
