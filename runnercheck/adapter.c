/* adapter.c - how runner-check drives a runner: the built-in profiles,
 * adapter files, placeholder substitution and running the commands.
 *
 * An adapter's `up` and `down` are shell command templates by design (a
 * user writes "dbmate --url {url} up" or a pipeline of their own), so they
 * run under /bin/sh -c; every value substituted into them is shell-quoted
 * by shell_quote(), the one quoting function for the shell.  Nothing
 * else in runner-check goes through a shell. */
#include "runner_check.h"
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

#define BOTH {true, true}
static const struct mp_rc_adapter profiles[] = {
    {.name = "migprop", .style = MP_STYLE_PAIRS, .up = "{migprop} migrate --quiet --dir {dir} --db {url} up",
     .down = "{migprop} migrate --quiet --dir {dir} --db {url} down 1", .tracking = "migprop_migrations",
     .url = {"sqlite:{path}", "{dsn}"}, .backend = BOTH},
    {.name = "dbmate", .style = MP_STYLE_DBMATE, .up = "dbmate --url {url} --migrations-dir {dir} --no-dump-schema up",
     .down = "dbmate --url {url} --migrations-dir {dir} --no-dump-schema rollback", .tracking = "schema_migrations",
     .url = {"sqlite:{path}", "postgres://{user}@/{db}?socket={host}&sslmode=disable"}, .backend = BOTH},
    {.name = "sql-migrate", .style = MP_STYLE_SQLMIGRATE, .up = "sql-migrate up -config={config} -env=migprop",
     .down = "sql-migrate down -config={config} -env=migprop -limit=1", .tracking = "gorp_migrations",
     .url = {"{path}", "{dsn} sslmode=disable"}, .config = "migprop:\n  dialect: {sqlm}\n  datasource: {url}\n  dir: {dir}\n",
     .backend = BOTH},
    /* postgrator-cli 9 (npm): NNN.do.name.sql / NNN.undo.name.sql; it
     * migrates to a version, so a one-step down has no fixed command */
    {.name = "postgrator", .style = MP_STYLE_PAIRS,
     .up = "postgrator --no-config --driver pg --host {host} --database {db} --username {user} "
           "--migration-pattern {dir}/'*' --validate-checksum",
     .tracking = "schemaversion", .url = {"{path}", "{dsn}"}, .up_file = "{version}.do.{name}.sql",
     .down_file = "{version}.undo.{name}.sql", .backend = {false, true}},
    /* node-pg-migrate 9 (npm): SQL migrations with section comments;
     * waits for the advisory lock instead of failing (its default) */
    {.name = "node-pg-migrate", .style = MP_STYLE_PAIRS,
     .up = "node-pg-migrate up -m {dir} --no-verbose --advisory-lock-mode wait",
     .down = "node-pg-migrate down -m {dir} --no-verbose --advisory-lock-mode wait", .tracking = "pgmigrations",
     .url = {"{path}", "postgres://{user}@/{db}?host={host}"}, .up_file = "{version}_{name}.sql",
     .down_file = "{version}_{name}.sql", .up_marker = "-- Up Migration", .down_marker = "-- Down Migration",
     .backend = {false, true}},
};
#undef BOTH

int mp_rc_profile(const char *name, struct mp_rc_adapter *out)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof *profiles; i++)
        if (strcmp(profiles[i].name, name) == 0) {
            *out = profiles[i];
            mp_rc_layout_defaults(out);
            return 0;
        }
    return -1;
}

const char *mp_rc_profile_names(void)
{
    return "migprop, dbmate, sql-migrate, postgrator, node-pg-migrate";
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

/* `v` with each "\\n" a new line (multi-line values on one line). */
static const char *unescape(struct mp_arena *a, const char *v)
{
    struct mp_buf b = {0};
    for (const char *p = v; *p; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            mp_buf_addc(&b, '\n');
            p++;
        } else {
            mp_buf_addc(&b, *p);
        }
    }
    const char *r = mp_arena_strdup(a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

int mp_rc_kv_read(struct mp_arena *a, const char *path, struct mp_rc_kv **out, size_t *n, struct mp_error *err)
{
    /* mp_read_file(): regular files only, never blocking, NUL refused
     * with FILE:LINE */
    char *text = NULL;
    int rc = mp_read_file(path, 0, &text, NULL, err);
    if (rc)
        return rc;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int ln = 0;
    for (char *line = text, *next; line && !rc; line = next) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        next = nl ? nl + 1 : NULL;
        if (!nl && !*line)
            break;
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
        struct mp_rc_kv *kv = MP_PUSH(a, *out, *n, cap);
        kv->key = mp_arena_strdup(a, mp_rc_trim(l));
        kv->value = mp_arena_strdup(a, mp_rc_trim(colon + 1));
        kv->line = ln;
    }
    free(text);
    return rc;
}

int mp_rc_parse_backends(const char *v, bool backend[MP_NDIALECTS])
{
    backend[MP_SQLITE] = strstr(v, "sqlite") != NULL;
    backend[MP_POSTGRES] = strstr(v, "postgres") != NULL;
    return backend[MP_SQLITE] || backend[MP_POSTGRES] ? 0 : -1;
}

int mp_rc_adapter_read(struct mp_arena *a, const char *path, struct mp_rc_adapter *out, struct mp_error *err)
{
    struct mp_rc_kv *kvs;
    size_t nkv;
    int rc = mp_rc_kv_read(a, path, &kvs, &nkv, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->style = MP_STYLE_PAIRS;
    int nbackends = 0;
    for (size_t i = 0; i < nkv && !rc; i++) {
        const char *k = kvs[i].key;
        char *v = kvs[i].value;
        int ln = kvs[i].line;
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
        else if (strcmp(k, "up_file") == 0)
            out->up_file = v;
        else if (strcmp(k, "down_file") == 0)
            out->down_file = v;
        else if (strcmp(k, "up_marker") == 0)
            out->up_marker = unescape(a, v);
        else if (strcmp(k, "down_marker") == 0)
            out->down_marker = unescape(a, v);
        else if (strcmp(k, "no_transaction") == 0)
            out->notx_marker = unescape(a, v);
        else if (strcmp(k, "version") == 0) {
            if (strcmp(v, "number") == 0)
                out->verfmt = MP_RC_VER_NUMBER;
            else if (strcmp(v, "diesel") == 0)
                out->verfmt = MP_RC_VER_DIESEL;
            else if (strcmp(v, "timestamp") == 0)
                out->verfmt = MP_RC_VER_STAMP;
            else
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: version is number, diesel or timestamp, not '%s'", path, ln, v);
        } else if (strcmp(k, "backends") == 0) {
            nbackends = 1;
            if (mp_rc_parse_backends(v, out->backend))
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: backends lists sqlite and/or postgres", path, ln);
        } else if (strcmp(k, "config") == 0) {
            out->config = unescape(a, v);
        } else
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown key '%s'", path, ln, k);
    }
    if (!rc && (!out->up || !out->name))
        rc = mp_error_set(err, MP_EINVAL, "%s: an adapter needs at least 'name' and 'up'", path);
    if (!rc) {
        if (!nbackends)
            out->backend[MP_SQLITE] = out->backend[MP_POSTGRES] = true;
        mp_rc_layout_defaults(out);
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
                else if (KEY("from_url")) v = c->from_url;
                else if (KEY("to_url")) v = c->to_url;
                else if (KEY("from_file")) v = c->from_file;
                else if (KEY("to_file")) v = c->to_file;
                else if (KEY("renames_file")) v = c->renames_file;
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
 * own, so a kill reaches the runner and not only the shell; `gate` (a
 * pipe, or NULL): the child waits until its write end is closed, so that
 * several runners start at the same moment. */
/* mp_rc_spawn() with stdout to `log` and stderr to `errlog` (NULL: to
 * `log` as well). */
static pid_t spawn_split(struct mp_rc *c, const char *cmd, const char *log, const char *errlog, bool group,
                         const int *gate)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (group)
            setpgid(0, 0);
        if (gate) {
            /* the barrier: wait for end-of-file, when the parent closes
             * the write end after starting every runner */
            char ch;
            close(gate[1]);
            while (read(gate[0], &ch, 1) > 0 || errno == EINTR)
                ;
            close(gate[0]);
        }
        int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600) : open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (errlog && (fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        setenv("DATABASE_URL", c->url, 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

pid_t mp_rc_spawn(struct mp_rc *c, const char *cmd, const char *log, bool group, const int *gate)
{
    return spawn_split(c, cmd, log, NULL, group, gate);
}

/* Wait for `pid` at most MP_RC_COMMAND_TIMEOUT_S, then kill it: its wait
 * status (124 << 8 after the timeout, 127 << 8 when it never started). */
static int wait_deadline(pid_t pid)
{
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
    return st;
}

/* The exit status of wait status `st` (128+N for signal N). */
static int exit_status(int st)
{
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* The whole file at `path` in c->a ("" when unreadable). */
static const char *slurp(struct mp_rc *c, const char *path)
{
    char *text = NULL;
    struct mp_error e = {0};
    if (mp_read_file(path, 0, &text, NULL, &e))
        return "";
    const char *r = mp_arena_strdup(c->a, text);
    free(text);
    return r;
}

int mp_rc_run_capture(struct mp_rc *c, const char *tpl, const char **out, const char **errout, const char **cmd_out)
{
    const char *cmd = mp_rc_expand(c, tpl, true);
    const char *log = mp_arena_printf(c->a, "%s/cmd.out", c->work);
    const char *errlog = mp_arena_printf(c->a, "%s/cmd.err", c->work);
    mp_buf_printf(&c->log, "%s\n", tpl);
    int st = wait_deadline(spawn_split(c, cmd, log, errlog, false, NULL));
    *out = slurp(c, log);
    *errout = slurp(c, errlog);
    if (cmd_out)
        *cmd_out = cmd;
    return exit_status(st);
}

int mp_rc_run(struct mp_rc *c, const char *tpl, const char **output)
{
    const char *cmd = mp_rc_expand(c, tpl, true);
    const char *log = mp_arena_printf(c->a, "%s/cmd.log", c->work);
    mp_buf_printf(&c->log, "%s\n", tpl);
    int st = wait_deadline(mp_rc_spawn(c, cmd, log, false, NULL));
    FILE *f = fopen(log, "r");
    char buf[1500] = "";
    size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[k] = 0;
    if (output)
        *output = mp_arena_printf(c->a, "$ %s\n%s", cmd, buf);
    return exit_status(st);
}

void mp_rc_run_together(struct mp_rc *c, const char *cmd, int n, int *ok, const char **failed_out)
{
    pid_t pids[8];
    int gate[2];
    bool gated = pipe(gate) == 0;
    if (n > 8)
        n = 8;
    for (int i = 0; i < n; i++)
        pids[i] = mp_rc_spawn(c, cmd, mp_arena_printf(c->a, "%s/together%d.log", c->work, i), false,
                              gated ? gate : NULL);
    if (gated) {
        close(gate[0]);
        close(gate[1]); /* release them */
    }
    *ok = 0;
    if (failed_out)
        *failed_out = NULL;
    for (int i = 0; i < n; i++) {
        int st = 0;
        if (pids[i] > 0)
            waitpid(pids[i], &st, 0);
        bool good = pids[i] > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
        *ok += good;
        if (!good && failed_out && !*failed_out) {
            FILE *f = fopen(mp_arena_printf(c->a, "%s/together%d.log", c->work, i), "r");
            char buf[1200] = "";
            size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
            if (f)
                fclose(f);
            buf[k] = 0;
            *failed_out = mp_arena_printf(c->a, "$ %s\n(runner %d of %d exited %d)\n%s", cmd, i + 1, n,
                                          WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), buf);
        }
    }
}

int mp_runner_adapter_check(const char *path, struct mp_error *err)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_rc_adapter ad;
    int rc = mp_rc_adapter_read(a, path, &ad, err);
    mp_arena_free(a);
    return rc;
}
