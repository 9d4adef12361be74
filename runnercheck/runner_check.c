/* runner_check.c - `migprop runner-check` (see runner_check.h). */
#include "runner_check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "data.h"
#include "engine.h"
#include "executor.h"
#include "gen.h"
#include "migdir.h"
#include "os.h"
#include "pgcluster.h"
#include "planmig.h"
#include "sql.h"

struct adapter {
    const char *name;
    enum mp_migstyle style;
    const char *up, *down;
    const char *tracking;        /* comma-separated */
    const char *url[MP_NDIALECTS];
    const char *config;          /* template, or NULL */
};

static const struct adapter profiles[] = {
    {"migprop", MP_STYLE_PAIRS, "{migprop} migrate --quiet --dir {dir} --db {url} up",
     "{migprop} migrate --quiet --dir {dir} --db {url} down 1", "migprop_migrations", {"sqlite:{path}", "{dsn}"}, NULL},
    {"dbmate", MP_STYLE_DBMATE, "dbmate --url {url} --migrations-dir {dir} --no-dump-schema up",
     "dbmate --url {url} --migrations-dir {dir} --no-dump-schema rollback", "schema_migrations",
     {"sqlite:{path}", "postgres://{user}@/{db}?socket={host}&sslmode=disable"}, NULL},
    {"sql-migrate", MP_STYLE_SQLMIGRATE, "sql-migrate up -config={config} -env=migprop",
     "sql-migrate down -config={config} -env=migprop -limit=1", "gorp_migrations", {"{path}", "{dsn} sslmode=disable"},
     "migprop:\n  dialect: {sqlm}\n  datasource: {url}\n  dir: {dir}\n"},
};

/* ---- adapter files ---- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Read the adapter file `path` (through mp_read_file(): regular files
 * only, NUL refused with FILE:LINE) into *out, strings in `a`. */
static int read_adapter(struct mp_arena *a, const char *path, struct adapter *out, struct mp_error *err)
{
    char *text = NULL;
    int rc = mp_read_file(path, 0, &text, NULL, err);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    out->style = MP_STYLE_PAIRS;
    int ln = 0;
    for (char *line = text, *next; line && !rc; line = next) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        next = nl ? nl + 1 : NULL;
        if (!nl && !*line)
            break;
        ln++;
        char *l = trim(line);
        if (!*l || *l == '#')
            continue;
        char *colon = strchr(l, ':');
        if (!colon) {
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: expected 'key: value'", path, ln);
            break;
        }
        *colon = 0;
        char *k = trim(l), *v = mp_arena_strdup(a, trim(colon + 1));
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
    free(text);
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

int mp_runner_adapter_check(const char *path, struct mp_error *err)
{
    struct mp_arena *a = mp_arena_new();
    struct adapter ad;
    int rc = read_adapter(a, path, &ad, err);
    mp_arena_free(a);
    return rc;
}

/* ---- the context of one runner on one backend ---- */

struct finding {
    const char *check, *what, *repro, *output;
};

struct rc {
    struct mp_arena *a;
    const struct adapter *ad;
    enum mp_dialect d;
    const char *work;            /* scratch directory */
    const char *out_dir;         /* findings */
    const char *pg_conninfo;     /* server (keyword string) */
    const char *host, *user;
    const char *self;            /* this binary */
    unsigned long n;             /* fresh databases made */
    /* the current database */
    const char *db, *path, *dsn, *url, *dir, *config;
    struct finding *f;
    size_t nf, capf;
    size_t tap;
};

static void shq(struct mp_buf *b, const char *s)
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
static const char *expand(struct rc *c, const char *tpl, bool quote)
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
                        shq(&b, v);
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
static pid_t spawn_runner(struct rc *c, const char *cmd, const char *log, bool group)
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

/* Run a runner command; returns its exit status (128+N for signal N, 124
 * after the 120 s timeout) and keeps its output in *output. */
static int run_cmd(struct rc *c, const char *tpl, const char **output)
{
    const char *cmd = expand(c, tpl, true);
    const char *log = mp_arena_printf(c->a, "%s/cmd.log", c->work);
    pid_t pid = spawn_runner(c, cmd, log, false);
    int st = 0;
    for (int i = 0; i < 24000; i++) { /* 120 s */
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (i == 23999) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            st = 124 << 8;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
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

/* A new empty database and migrations directory; writes the config file. */
static int fresh(struct rc *c, struct mp_error *err)
{
    c->n++;
    const char *dn = mp_dialect_name(c->d);
    c->dir = mp_arena_printf(c->a, "%s/m-%s-%lu", c->work, dn, c->n);
    if (c->d == MP_SQLITE) {
        c->path = mp_arena_printf(c->a, "%s/db-%s-%lu.sqlite", c->work, dn, c->n);
        c->db = c->path;
        c->dsn = c->path;
    } else {
        c->db = mp_arena_printf(c->a, "rc_%s_%lu", mp_process_token(), c->n);
        struct mp_target *t;
        int rc = mp_target_open(c->pg_conninfo, &t, err);
        if (!rc) {
            rc = mp_target_exec(t, "(setup)", 1, mp_arena_printf(c->a, "CREATE DATABASE %s", c->db), err);
            mp_target_close(t);
        }
        if (rc)
            return rc;
        c->path = "";
        c->dsn = mp_arena_printf(c->a, "host=%s user=%s dbname=%s", c->host, c->user, c->db);
    }
    c->url = expand(c, c->ad->url[c->d], false);
    mkdir(c->dir, 0700);
    if (c->ad->config) {
        c->config = mp_arena_printf(c->a, "%s/config-%s-%lu.yml", c->work, dn, c->n);
        FILE *f = fopen(c->config, "w");
        if (!f)
            return mp_error_set(err, MP_EIO, "%s: %s", c->config, strerror(errno));
        fputs(expand(c, c->ad->config, false), f);
        fclose(f);
    } else {
        c->config = "";
    }
    return 0;
}

static void drop_db(struct rc *c)
{
    if (c->d != MP_POSTGRES || !c->db)
        return;
    struct mp_target *t;
    struct mp_error e = {0};
    if (mp_target_open(c->pg_conninfo, &t, &e))
        return;
    mp_target_exec(t, "(cleanup)", 1, mp_arena_printf(c->a, "DROP DATABASE IF EXISTS %s WITH (FORCE)", c->db), &e);
    mp_target_close(t);
}

/* Our own connection to the current database. */
static int open_db(struct rc *c, struct mp_target **t, struct mp_error *err)
{
    return mp_target_open(c->d == MP_SQLITE ? mp_arena_printf(c->a, "sqlite:%s", c->path) : c->dsn, t, err);
}

static const struct mp_schema *schema_now(struct rc *c, struct mp_error *err)
{
    struct mp_target *t;
    if (open_db(c, &t, err))
        return NULL;
    const char *ig[17];
    size_t n = 0;
    char *list = mp_arena_strdup(c->a, c->ad->tracking ? c->ad->tracking : "");
    for (char *sv = NULL, *tok = strtok_r(list, ",", &sv); tok && n < 14; tok = strtok_r(NULL, ",", &sv))
        ig[n++] = trim(tok);
    ig[n++] = "migprop_runs";
    ig[n++] = "migprop_migrations";
    ig[n] = NULL;
    struct mp_schema *s = NULL;
    int rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), ig, c->a, &s, err);
    mp_target_close(t);
    return rc ? NULL : s;
}

static long count_sql(struct rc *c, const char *sql)
{
    struct mp_target *t;
    struct mp_error e = {0};
    long v = -1;
    if (!open_db(c, &t, &e)) {
        if (mp_target_query_long(t, sql, &v, &e))
            v = -1;
        mp_target_close(t);
    }
    return v;
}

/* Keep the migrations and the commands of a finding. */
static void finding(struct rc *c, const char *check, const char *what, const char *output)
{
    const char *repro = mp_arena_printf(c->a, "%s/%s-%s-%s-%zu", c->out_dir, c->ad->name, mp_dialect_name(c->d),
                                        check, c->nf + 1);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -r '%s' '%s/migrations' 2>/dev/null%s%s%s%s", repro, c->dir, repro,
             *c->config ? " && cp '" : "", c->config, *c->config ? "' " : "", *c->config ? repro : "");
    if (system(cmd) != 0)
        repro = "(could not be kept)";
    else {
        FILE *f = fopen(mp_arena_printf(c->a, "%s/README", repro), "w");
        if (f) {
            fprintf(f, "runner: %s\nbackend: %s\ncheck: %s\nfinding: %s\n\nup: %s\ndown: %s\n\nlast runner output:\n%s\n",
                    c->ad->name, mp_dialect_name(c->d), check, what, c->ad->up, c->ad->down ? c->ad->down : "-",
                    output ? output : "");
            fclose(f);
        }
    }
    struct finding *fd = MP_PUSH(c->a, c->f, c->nf, c->capf);
    fd->check = check;
    fd->what = mp_arena_strdup(c->a, what);
    fd->repro = repro;
    fd->output = output ? mp_arena_strdup(c->a, output) : "";
}

static int setup_sql(struct rc *c, const char *sql, struct mp_error *err)
{
    struct mp_target *t;
    int rc = open_db(c, &t, err);
    if (!rc) {
        rc = mp_target_exec(t, "(setup)", 1, sql, err);
        mp_target_close(t);
    }
    return rc;
}

static int write_mig(struct rc *c, unsigned v, const char *name, const char *up, const char *down, bool notx)
{
    struct mp_error e = {0};
    const char *ver = c->ad->style == MP_STYLE_DIESEL ? mp_arena_printf(c->a, "2024-01-01-%06u", v)
                                                      : mp_arena_printf(c->a, "%04u", v);
    if (mp_migdir_write_style(c->a, c->dir, c->ad->style, ver, name, up, down, notx, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    return 0;
}

static void point(struct rc *c, const char *check, size_t before)
{
    c->tap++;
    if (c->nf == before)
        printf("ok %zu - %s [%s %s]\n", c->tap, check, c->ad->name, mp_dialect_name(c->d));
    else
        printf("not ok %zu - %s [%s %s] # %zu finding%s\n", c->tap, check, c->ad->name, mp_dialect_name(c->d),
               c->nf - before, c->nf - before == 1 ? "" : "s");
    fflush(stdout);
}

/* ---- the checks ---- */

static int check_histories(struct rc *c, unsigned long iterations, uint64_t seed)
{
    size_t before = c->nf;
    bool down_done = false;
    for (unsigned long k = 0; k < iterations && c->nf == before; k++) {
        struct mp_arena *a = c->a;
        uint64_t ts = mp_trial_seed(seed, k);
        struct mp_rng rng;
        mp_rng_seed(&rng, ts);
        struct mp_case cs;
        struct mp_error e = {0};
        if (mp_gen_case(a, &rng, mp_gen_size(k), &cs, &e)) {
            fprintf(stderr, "migprop runner-check: %s\n", e.msg);
            return 2;
        }
        struct mp_changeset ch = {0};
        struct mp_plan *p;
        if (mp_diff(a, cs.start, cs.desired, &cs.renames, c->d, &ch, &e))
            continue;
        mp_changeset_scramble(a, &ch, ts);
        if (mp_plan_build(a, cs.start, &ch, c->d, NULL, &p, &e) || !p->n)
            continue;
        struct mp_rng drng;
        mp_rng_seed(&drng, ts ^ 0xda7ada7ada7ada7aULL);
        struct mp_dataset data;
        mp_data_gen(a, &drng, cs.start, cs.desired, &cs.renames, 3, &data);
        struct mp_buf setup = {0};
        mp_sql_schema(&setup, cs.start, c->d, MP_FAULT_NONE);
        mp_data_sql(&setup, &data, c->d);
        size_t parts = 1 + (size_t)(ts % 3);
        struct mp_migset set;
        struct mp_step_pos *pos;
        size_t irr = 0;
        int rc = fresh(c, &e) || setup_sql(c, mp_buf_str(&setup), &e) ||
                 mp_plan_migset(a, p, parts, NULL, &set, &pos, &e) ||
                 mp_plan_migset_downs(a, cs.start, cs.desired, &cs.renames, p, parts, MP_FAULT_NONE, &set, &irr, &e);
        mp_buf_free(&setup);
        if (rc) {
            fprintf(stderr, "migprop runner-check: trial %lu: %s\n", k, e.msg);
            drop_db(c);
            return 2;
        }
        for (size_t i = 0; i < set.n; i++) {
            /* a runner's own transaction wraps the migration: drop the
             * directive lines, keep the SQLite rebuild's requirements */
            const char *up = set.v[i].up.sql;
            if (set.v[i].up.fk_off && c->ad->style != MP_STYLE_PAIRS)
                up = mp_arena_printf(a, "PRAGMA defer_foreign_keys=ON;\n%s", up);
            if (write_mig(c, (unsigned)i + 1, "part", up, set.v[i].down.sql, false))
                return 2;
        }
        const char *out;
        int st = run_cmd(c, c->ad->up, &out);
        const struct mp_schema *got = st == 0 ? schema_now(c, &e) : NULL;
        struct mp_buf d = {0};
        if (st != 0)
            finding(c, "history", mp_arena_printf(a, "trial %lu: up exited %d on a valid history of %zu migrations", k, st,
                                                  set.n), out);
        else if (!got || mp_schema_diff(&d, cs.desired, got))
            finding(c, "history", mp_arena_printf(a, "trial %lu: after up the schema differs from the desired one:\n%s",
                                                  k, mp_buf_str(&d)), out);
        mp_buf_free(&d);
        if (c->nf != before) {
            drop_db(c);
            break;
        }
        /* a second up does nothing */
        st = run_cmd(c, c->ad->up, &out);
        const struct mp_schema *again = st == 0 ? schema_now(c, &e) : NULL;
        if (st != 0 || !again || mp_schema_diff(&d, got, again))
            finding(c, "second_up", mp_arena_printf(a, "trial %lu: a second up %s", k,
                                                    st ? "failed" : "changed the schema"), out);
        mp_buf_free(&d);
        /* down to the start, where every part has a down */
        if (c->ad->down && !irr && c->nf == before) {
            down_done = true;
            for (size_t i = 0; i < set.n && st == 0; i++)
                st = run_cmd(c, c->ad->down, &out);
            const struct mp_schema *back = st == 0 ? schema_now(c, &e) : NULL;
            /* column order aside: a dropped column comes back at the end */
            if (st != 0)
                finding(c, "down", mp_arena_printf(a, "trial %lu: down failed (exit %d)", k, st), out);
            else if (!back || back->ntables != cs.start->ntables)
                finding(c, "down", mp_arena_printf(a, "trial %lu: down did not return the start's tables", k), out);
        }
        drop_db(c);
    }
    point(c, "history", before);
    (void)down_done;
    return 0;
}

static int check_exactly_once(struct rc *c, bool notx)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (fresh(c, &e) || setup_sql(c, "CREATE TABLE migprop_runs (v integer NOT NULL);", &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    for (unsigned i = 1; i <= 20; i++)
        if (write_mig(c, i, "m", mp_arena_printf(c->a, "INSERT INTO migprop_runs VALUES (%u);\n", i), NULL,
                      notx && i % 5 == 0))
            return 2;
    pid_t pids[4];
    const char *cmd = expand(c, c->ad->up, true);
    for (int i = 0; i < 4; i++) {
        pids[i] = spawn_runner(c, cmd, mp_arena_printf(c->a, "%s/eo%d.log", c->work, i), false);
    }
    int ok = 0;
    const char *failed_out = NULL;
    for (int i = 0; i < 4; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        bool good = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        ok += good;
        if (!good && !failed_out) {
            FILE *f = fopen(mp_arena_printf(c->a, "%s/eo%d.log", c->work, i), "r");
            char buf[1200] = "";
            size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
            if (f)
                fclose(f);
            buf[k] = 0;
            failed_out = mp_arena_printf(c->a, "$ %s\n(runner %d of 4 exited %d)\n%s", cmd, i + 1,
                                         WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), buf);
        }
    }
    long runs = count_sql(c, "SELECT count(*) FROM migprop_runs");
    long distinct = count_sql(c, "SELECT count(DISTINCT v) FROM migprop_runs");
    const char *name = notx ? "exactly_once_notx" : "exactly_once";
    if (ok != 4 || runs != 20 || distinct != 20)
        finding(c, name,
                mp_arena_printf(c->a, "4 runners at once%s: %d exited 0; 20 migrations ran %ld times (%ld distinct)",
                                notx ? " (every 5th migration outside a transaction)" : "", ok, runs, distinct),
                failed_out ? failed_out : cmd);
    drop_db(c);
    point(c, name, before);
    return 0;
}

static int check_failing(struct rc *c)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (fresh(c, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    write_mig(c, 1, "a", "CREATE TABLE a (id integer PRIMARY KEY);\n", "DROP TABLE a;\n", false);
    write_mig(c, 2, "b", "CREATE TABLE b (id integer PRIMARY KEY);\nINSERT INTO missing VALUES (1);\n", "DROP TABLE b;\n",
              false);
    const char *out;
    int st = run_cmd(c, c->ad->up, &out);
    const struct mp_schema *s = schema_now(c, &e);
    if (st == 0)
        finding(c, "failing_migration", "a migration whose second statement fails: up exited 0", out);
    else if (!s || mp_schema_table(s, c->d, "b"))
        finding(c, "failing_migration", "a migration whose second statement fails left its first statement's table", out);
    /* fix it and run again */
    char *f2 = NULL;
    struct mp_migset set;
    if (!mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e) && set.n == 2)
        f2 = (char *)set.v[1].up.path;
    if (f2) {
        unlink(f2);
        if (c->ad->style == MP_STYLE_PAIRS) {
            char *down = mp_arena_printf(c->a, "%.*s.down.sql", (int)(strlen(f2) - 7), f2);
            unlink(down);
        }
    }
    write_mig(c, 2, "b", "CREATE TABLE b (id integer PRIMARY KEY);\n", "DROP TABLE b;\n", false);
    st = run_cmd(c, c->ad->up, &out);
    s = st == 0 ? schema_now(c, &e) : NULL;
    if (c->nf == before && (st != 0 || !s || !mp_schema_table(s, c->d, "b")))
        finding(c, "failing_migration", "after fixing the failed migration, up does not apply it", out);
    drop_db(c);
    point(c, "failing_migration", before);
    return 0;
}

static int check_tamper(struct rc *c)
{
    static const char *const kinds[4] = {"edited", "deleted", "out_of_order", "duplicate"};
    for (int k = 0; k < 4; k++) {
        size_t before = c->nf;
        struct mp_error e = {0};
        if (fresh(c, &e)) {
            fprintf(stderr, "migprop runner-check: %s\n", e.msg);
            return 2;
        }
        write_mig(c, 10, "a", "CREATE TABLE a (id integer PRIMARY KEY);\n", "DROP TABLE a;\n", false);
        write_mig(c, 20, "b", "CREATE TABLE b (id integer PRIMARY KEY);\n", "DROP TABLE b;\n", false);
        const char *out;
        int st = run_cmd(c, c->ad->up, &out);
        if (st != 0) {
            finding(c, mp_arena_printf(c->a, "tamper_%s", kinds[k]), "the setup's up failed", out);
            drop_db(c);
            point(c, mp_arena_printf(c->a, "tamper_%s", kinds[k]), before);
            continue;
        }
        struct mp_migset set;
        mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e);
        const char *first = set.n ? set.v[0].up.path : "";
        if (k == 0) {
            FILE *f = fopen(first, "a");
            if (f) {
                fputs("\n-- edited after it was applied\n", f);
                fclose(f);
            }
            /* dbmate-style single files: the edit must be inside the up section */
        } else if (k == 1) {
            unlink(first);
            if (c->ad->style == MP_STYLE_PAIRS)
                unlink(mp_arena_printf(c->a, "%.*s.down.sql", (int)(strlen(first) - 7), first));
        } else if (k == 2) {
            write_mig(c, 15, "older", "CREATE TABLE older (id integer PRIMARY KEY);\n", "DROP TABLE older;\n", false);
        } else {
            write_mig(c, 30, "c", "CREATE TABLE c (id integer PRIMARY KEY);\n", "DROP TABLE c;\n", false);
            write_mig(c, 30, "c_again", "CREATE TABLE c2 (id integer PRIMARY KEY);\n", "DROP TABLE c2;\n", false);
        }
        st = run_cmd(c, c->ad->up, &out);
        const char *check = mp_arena_printf(c->a, "tamper_%s", kinds[k]);
        static const char *const what[4] = {
            "an applied migration was edited; up exited 0 without a word",
            "an applied migration's file was deleted; up exited 0 without a word",
            "a new migration older than the newest applied one was applied silently",
            "two migrations share a version; up exited 0",
        };
        if (st == 0)
            finding(c, check, what[k], out);
        drop_db(c);
        point(c, check, before);
    }
    return 0;
}

static int check_semicolons(struct rc *c)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (fresh(c, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    const char *up =
        c->d == MP_POSTGRES
            ? "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN 'a;b'; END; $body$;\n"
              "INSERT INTO t VALUES (1, f()), (2, 'x;y'); -- a comment; with a semicolon\n"
              "/* block; comment */ INSERT INTO t VALUES (3, $$it's; ok$$);\n"
            : "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE TRIGGER trg AFTER INSERT ON t WHEN new.id = 9 BEGIN UPDATE t SET s = 'a;b' WHERE id = 9; END;\n"
              "INSERT INTO t VALUES (1, 'a;b'), (2, 'x;y'); -- a comment; with a semicolon\n"
              "/* block; comment */ INSERT INTO t VALUES (3, 'it''s; ok'), (9, NULL);\n";
    write_mig(c, 1, "semicolons", up, "DROP TABLE t;\n", false);
    const char *out;
    int st = run_cmd(c, c->ad->up, &out);
    long n = st == 0 ? count_sql(c, "SELECT count(*) FROM t WHERE s LIKE '%;%'") : -1;
    long want = c->d == MP_POSTGRES ? 3 : 4;
    if (st != 0 || n != want)
        finding(c, "semicolons",
                mp_arena_printf(c->a, "';' inside a string, a comment, %s: %s", c->d == MP_POSTGRES ? "a dollar quote" : "a trigger",
                                st ? "up failed" : mp_arena_printf(c->a, "%ld of %ld rows intact", n, want)),
                out);
    drop_db(c);
    point(c, "semicolons", before);
    return 0;
}

/* ---- stateful testing: random command sequences against a model ---- */

enum seq_cmd { S_ADD, S_UP, S_DOWN, S_EDIT, S_DELETE, S_OLDER, S_CONCURRENT, S_KILL, S__COUNT };
static const char *const seq_names[S__COUNT] = {"add", "up", "down", "edit-applied", "delete-applied",
                                                 "add-older", "two-runners", "kill-runner"};

struct seq_state {
    unsigned versions[64];       /* files present, ascending */
    size_t nfiles;
    size_t applied;              /* the model: the first `applied` files are applied */
    unsigned next;               /* next version to add */
};

static const char *mig_path(struct rc *c, unsigned v)
{
    struct mp_migset set;
    struct mp_error e = {0};
    if (mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e))
        return NULL;
    const char *want = mp_arena_printf(c->a, "%u", v);
    for (size_t i = 0; i < set.n; i++)
        if (strcmp(set.v[i].version, want) == 0)
            return set.v[i].up.path;
    return NULL;
}

/* Remove every file of version v (up, down, or its directory). */
static void remove_mig(struct rc *c, unsigned v)
{
    const char *f = mig_path(c, v);
    if (!f)
        return;
    unlink(f);
    size_t n = strlen(f);
    if (n > 7 && strcmp(f + n - 7, ".up.sql") == 0)
        unlink(mp_arena_printf(c->a, "%.*s.down.sql", (int)(n - 7), f));
    if (c->ad->style == MP_STYLE_DIESEL) {
        const char *slash = strrchr(f, '/');
        const char *dir = mp_arena_strndup(c->a, f, slash ? (size_t)(slash - f) : n);
        unlink(mp_arena_printf(c->a, "%s/down.sql", dir));
        rmdir(dir);
    }
}

static int add_file(struct rc *c, unsigned v)
{
    return write_mig(c, v, "s", mp_arena_printf(c->a, "CREATE TABLE t%u (id integer PRIMARY KEY);\n"
                                                      "INSERT INTO migprop_runs VALUES (%u);\n", v, v),
                     mp_arena_printf(c->a, "DROP TABLE t%u;\nDELETE FROM migprop_runs WHERE v = %u;\n", v, v), false);
}

/* Does the database match the model?  Returns a description of the first
 * difference, or NULL. */
static const char *model_check(struct rc *c, const struct seq_state *m)
{
    struct mp_error e = {0};
    const struct mp_schema *s = schema_now(c, &e);
    if (!s)
        return mp_arena_printf(c->a, "cannot read the schema: %s", e.msg);
    for (size_t i = 0; i < m->nfiles; i++) {
        bool there = mp_schema_table(s, c->d, mp_arena_printf(c->a, "t%u", m->versions[i])) != NULL;
        if (there != (i < m->applied))
            return mp_arena_printf(c->a, "migration %u should be %s but its table %s", m->versions[i],
                                   i < m->applied ? "applied" : "pending", there ? "exists" : "is missing");
    }
    long runs = count_sql(c, "SELECT count(*) FROM migprop_runs");
    long distinct = count_sql(c, "SELECT count(DISTINCT v) FROM migprop_runs");
    if (runs != (long)m->applied || distinct != (long)m->applied)
        return mp_arena_printf(c->a, "%zu migrations applied, but they ran %ld times (%ld distinct)", m->applied, runs,
                               distinct);
    return NULL;
}

/* Run `cmds` from scratch on a fresh database; NULL when the runner kept to
 * the model, else the violation (and *at the failing command). */
static const char *run_sequence(struct rc *c, const enum seq_cmd *cmds, size_t n, uint64_t seed, size_t *at,
                                const char **output)
{
    struct mp_error e = {0};
    *output = "";
    if (fresh(c, &e) || setup_sql(c, "CREATE TABLE migprop_runs (v integer NOT NULL);", &e))
        return mp_arena_printf(c->a, "setup: %s", e.msg);
    struct seq_state m = {.next = 10};
    struct mp_rng rng;
    mp_rng_seed(&rng, seed);
    const char *bad = NULL;
    for (size_t i = 0; i < n && !bad; i++) {
        *at = i;
        int st;
        switch (cmds[i]) {
        case S_ADD:
            if (m.nfiles < 60 && !add_file(c, m.next))
                m.versions[m.nfiles++] = m.next;
            m.next += 10;
            break;
        case S_UP:
            if (!m.nfiles)
                break; /* runners differ on an empty directory; not a finding */
            st = run_cmd(c, c->ad->up, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "up exited %d", st);
            m.applied = m.nfiles;
            break;
        case S_DOWN:
            if (!c->ad->down || !m.applied)
                break;
            st = run_cmd(c, c->ad->down, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "down exited %d", st);
            m.applied--;
            break;
        case S_EDIT:
        case S_DELETE: {
            if (!m.applied)
                break;
            const char *f = mig_path(c, m.versions[mp_rng_below(&rng, m.applied)]);
            if (!f)
                break;
            const char *saved = mp_arena_printf(c->a, "%s.saved", c->work);
            if (system(mp_arena_printf(c->a, "cp '%s' '%s'", f, saved)) != 0)
                break;
            if (cmds[i] == S_EDIT) {
                FILE *fp = fopen(f, "a");
                if (fp) {
                    fputs("\n-- edited after it was applied\n", fp);
                    fclose(fp);
                }
            } else {
                unlink(f);
            }
            st = run_cmd(c, c->ad->up, output);
            if (system(mp_arena_printf(c->a, "mv '%s' '%s'", saved, f)) != 0)
                bad = "could not restore the file";
            if (st == 0 && !bad)
                bad = cmds[i] == S_EDIT ? "an applied migration was edited and up exited 0"
                                        : "an applied migration's file was deleted and up exited 0";
            break;
        }
        case S_OLDER: {
            if (!m.applied || m.versions[m.applied - 1] < 20 || m.applied < m.nfiles)
                break;
            unsigned v = m.versions[m.applied - 1] - 5;
            add_file(c, v);
            st = run_cmd(c, c->ad->up, output);
            remove_mig(c, v);
            if (st == 0)
                bad = mp_arena_printf(c->a, "migration %u, older than the newest applied one, was applied silently", v);
            break;
        }
        case S_CONCURRENT: {
            const char *cmd = expand(c, c->ad->up, true);
            pid_t p[2];
            for (int k = 0; k < 2; k++)
                p[k] = spawn_runner(c, cmd, NULL, false);
            int okc = 0;
            for (int k = 0; k < 2; k++) {
                int ws = 0;
                waitpid(p[k], &ws, 0);
                okc += WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
            }
            *output = mp_arena_printf(c->a, "$ (two at once) %s", cmd);
            if (okc != 2)
                bad = mp_arena_printf(c->a, "two runners at once: %d exited 0", okc);
            m.applied = m.nfiles;
            break;
        }
        case S_KILL: {
            if (m.applied == m.nfiles)
                break;
            const char *cmd = expand(c, c->ad->up, true);
            pid_t p = spawn_runner(c, cmd, NULL, true);
            struct timespec ts = {0, (long)mp_rng_below(&rng, 30) * 1000 * 1000};
            nanosleep(&ts, NULL);
            kill(-p, SIGKILL);
            kill(p, SIGKILL);
            waitpid(p, NULL, 0);
            /* whatever the kill interrupted, the next run must finish the job */
            st = run_cmd(c, c->ad->up, output);
            if (st != 0)
                bad = mp_arena_printf(c->a, "after a runner was killed, up exited %d", st);
            m.applied = m.nfiles;
            break;
        }
        default:
            break;
        }
        if (!bad && cmds[i] != S_ADD)
            bad = model_check(c, &m);
    }
    drop_db(c);
    return bad;
}

static const char *seq_text(struct rc *c, const enum seq_cmd *cmds, size_t n)
{
    struct mp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        mp_buf_printf(&b, "%s%s", i ? " " : "", seq_names[cmds[i]]);
    const char *r = mp_arena_strdup(c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

static int check_sequences(struct rc *c, unsigned rounds, uint64_t seed)
{
    size_t before = c->nf;
    for (unsigned r = 0; r < rounds && c->nf == before; r++) {
        struct mp_rng rng;
        uint64_t s = mp_trial_seed(seed ^ 0x5e9u, r);
        mp_rng_seed(&rng, s);
        size_t n = 8 + (size_t)mp_rng_below(&rng, 12);
        enum seq_cmd *cmds = mp_arena_alloc(c->a, (n + 1) * sizeof *cmds);
        for (size_t i = 0; i < n; i++) {
            /* adds and ups most often, everything else now and then */
            static const enum seq_cmd weights[] = {S_ADD, S_ADD, S_ADD, S_UP, S_UP, S_DOWN, S_EDIT, S_DELETE,
                                                   S_OLDER, S_CONCURRENT, S_KILL};
            cmds[i] = weights[mp_rng_below(&rng, sizeof weights / sizeof *weights)];
        }
        size_t at;
        const char *out;
        const char *bad = run_sequence(c, cmds, n, s, &at, &out);
        if (!bad)
            continue;
        /* shrink: drop commands while the same kind of violation remains */
        size_t len = at + 1;
        const char *kind = mp_arena_strndup(c->a, bad, strcspn(bad, "0123456789"));
        for (bool progress = true; progress;) {
            progress = false;
            for (size_t k = 0; k + 1 < len; k++) {
                enum seq_cmd *t = mp_arena_alloc(c->a, (len + 1) * sizeof *t);
                memcpy(t, cmds, k * sizeof *t);
                memcpy(t + k, cmds + k + 1, (len - k - 1) * sizeof *t);
                size_t at2;
                const char *out2;
                const char *bad2 = run_sequence(c, t, len - 1, s, &at2, &out2);
                if (bad2 && strncmp(bad2, kind, strlen(kind)) == 0) {
                    cmds = t;
                    len = at2 + 1;
                    bad = bad2;
                    out = out2;
                    progress = true;
                    break;
                }
            }
        }
        /* keep it replayable */
        const char *seq = seq_text(c, cmds, len);
        finding(c, "sequence", mp_arena_printf(c->a, "%s after: %s", bad, seq), out);
        const char *casefile = mp_arena_printf(c->a, "%s/sequence.runcase", c->f[c->nf - 1].repro);
        FILE *f = fopen(casefile, "w");
        if (f) {
            fprintf(f, "# migprop runner sequence: migprop replay FILE re-runs it\nrunner: %s\nbackend: %s\n"
                       "seed: 0x%016llx\ncommands: %s\n",
                    c->ad->name, mp_dialect_name(c->d), (unsigned long long)s, seq);
            fclose(f);
        }
    }
    point(c, "sequence", before);
    return 0;
}

/* ---- the command ---- */

static bool expected(char **exp, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(exp[i], key) == 0)
            return true;
    return false;
}

int mp_runner_check_run(const struct mp_runner_check_config *cfg)
{
    const char *runner = cfg->runner, *adapter_file = cfg->adapter_file, *backend = cfg->backend;
    const char *expect_file = cfg->expect_file, *out_dir = cfg->out_dir, *pg_url = cfg->pg_url;
    unsigned long iterations = cfg->iterations;
    unsigned sequences = cfg->sequences;
    uint64_t seed = cfg->seed;
    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct adapter ad;
    if (adapter_file) {
        if (read_adapter(a, adapter_file, &ad, &err)) {
            fprintf(stderr, "migprop runner-check: %s\n", err.msg);
            mp_arena_free(a);
            return 2;
        }
    } else {
        bool found = false;
        for (size_t i = 0; i < sizeof profiles / sizeof *profiles && runner; i++)
            if (strcmp(profiles[i].name, runner) == 0) {
                ad = profiles[i];
                found = true;
            }
        if (!found) {
            fprintf(stderr, "migprop runner-check: give --runner migprop|dbmate|sql-migrate or --adapter FILE\n");
            mp_arena_free(a);
            return 2;
        }
    }
    char **exp = NULL;
    size_t nexp = 0, capexp = 0;
    if (expect_file) {
        FILE *f = fopen(expect_file, "r");
        if (!f) {
            fprintf(stderr, "migprop runner-check: %s: %s\n", expect_file, strerror(errno));
            mp_arena_free(a);
            return 2;
        }
        char line[512];
        while (fgets(line, sizeof line, f)) {
            char *l = trim(line);
            if (*l && *l != '#')
                *MP_PUSH(a, exp, nexp, capexp) = mp_arena_strdup(a, l);
        }
        fclose(f);
    }
    char self[1024];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = 0;
    char work[256];
    snprintf(work, sizeof work, "%s/migprop-rc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(work)) {
        fprintf(stderr, "migprop runner-check: mkdtemp: %s\n", strerror(errno));
        mp_arena_free(a);
        return 2;
    }
    chmod(work, 0755); /* the cluster's user reads nothing here, runners run as us */
    printf("TAP version 14\n# migprop %s runner-check of %s, seed 0x%016llx, %lu histories\n", MIGPROP_VERSION, ad.name,
           (unsigned long long)seed, iterations);
    int status = 0;
    size_t tap = 0, total_unexpected = 0;
    struct finding *all = NULL;
    size_t nall = 0, capall = 0;
    const char **all_backend = NULL;
    size_t capb = 0, nb = 0;
    for (int d = 0; d < MP_NDIALECTS && status != 2; d++) {
        if ((d == MP_SQLITE && strcmp(backend, "postgres") == 0) || (d == MP_POSTGRES && strcmp(backend, "sqlite") == 0))
            continue;
        struct rc c = {.a = a, .ad = &ad, .d = (enum mp_dialect)d, .work = work, .out_dir = out_dir, .self = self,
                       .user = "postgres", .tap = tap};
        struct mp_pgcluster *cl = NULL;
        if (d == MP_POSTGRES) {
            if (pg_url) {
                c.pg_conninfo = pg_url;
            } else if (mp_pgcluster_start(&cl, true, &err)) {
                fprintf(stderr, "migprop runner-check: %s\n", err.msg);
                status = 2;
                break;
            } else {
                c.pg_conninfo = mp_pgcluster_conninfo(cl);
            }
            const char *h = strstr(c.pg_conninfo, "host=");
            c.host = h ? mp_arena_strndup(a, h + 5, strcspn(h + 5, " ")) : "/var/run/postgresql";
            const char *u = strstr(c.pg_conninfo, "user=");
            if (u)
                c.user = mp_arena_strndup(a, u + 5, strcspn(u + 5, " "));
        }
        int rc = check_histories(&c, iterations, seed);
        if (!rc) rc = check_exactly_once(&c, false);
        if (!rc) rc = check_exactly_once(&c, true);
        if (!rc) rc = check_failing(&c);
        if (!rc) rc = check_tamper(&c);
        if (!rc) rc = check_semicolons(&c);
        if (!rc) rc = check_sequences(&c, sequences, seed);
        if (rc)
            status = 2;
        tap = c.tap;
        for (size_t i = 0; i < c.nf; i++) {
            *MP_PUSH(a, all, nall, capall) = c.f[i];
            *MP_PUSH(a, all_backend, nb, capb) = mp_dialect_name((enum mp_dialect)d);
        }
        mp_pgcluster_stop(cl);
    }
    printf("1..%zu\n", tap);
    /* the findings table */
    printf("# findings for %s: %zu\n", ad.name, nall);
    for (size_t i = 0; i < nall; i++) {
        const char *key = mp_arena_printf(a, "%s/%s/%s", ad.name, all_backend[i], all[i].check);
        bool ok = expected(exp, nexp, key);
        if (!ok)
            total_unexpected++;
        printf("# %-10s %-8s %-20s %s%s\n#            repro: %s\n", ad.name, all_backend[i], all[i].check,
               strtok(mp_arena_strdup(a, all[i].what), "\n"), ok ? " (expected)" : "", all[i].repro);
    }
    char rmcmd[600];
    snprintf(rmcmd, sizeof rmcmd, "rm -rf '%s'", work);
    if (system(rmcmd) != 0)
        fprintf(stderr, "migprop runner-check: could not remove %s\n", work);
    mp_arena_free(a);
    if (status == 2)
        return 2;
    return total_unexpected ? 1 : 0;
}

int mp_runner_replay(const char *path, const char *adapter_file)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "migprop replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    struct mp_arena *a = mp_arena_new();
    char line[4096];
    const char *runner = NULL, *backend = "sqlite", *commands = NULL;
    uint64_t seed = 0;
    while (fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (strncmp(l, "runner:", 7) == 0)
            runner = mp_arena_strdup(a, trim(l + 7));
        else if (strncmp(l, "backend:", 8) == 0)
            backend = mp_arena_strdup(a, trim(l + 8));
        else if (strncmp(l, "seed:", 5) == 0)
            seed = strtoull(trim(l + 5), NULL, 0);
        else if (strncmp(l, "commands:", 9) == 0)
            commands = mp_arena_strdup(a, trim(l + 9));
    }
    fclose(f);
    struct adapter ad;
    bool found = false;
    struct mp_error err = {0};
    if (adapter_file) {
        found = read_adapter(a, adapter_file, &ad, &err) == 0;
    } else {
        for (size_t i = 0; i < sizeof profiles / sizeof *profiles && runner; i++)
            if (strcmp(profiles[i].name, runner) == 0) {
                ad = profiles[i];
                found = true;
            }
    }
    if (!found || !commands) {
        fprintf(stderr, "migprop replay: %s: %s\n", path,
                !commands ? "no 'commands:' line" : "unknown runner (give its adapter with --adapter)");
        mp_arena_free(a);
        return 2;
    }
    enum seq_cmd cmds[256];
    size_t n = 0;
    char *list = mp_arena_strdup(a, commands);
    for (char *sv = NULL, *tok = strtok_r(list, " ", &sv); tok && n < 256; tok = strtok_r(NULL, " ", &sv)) {
        int k = -1;
        for (int i = 0; i < S__COUNT; i++)
            if (strcmp(seq_names[i], tok) == 0)
                k = i;
        if (k < 0) {
            fprintf(stderr, "migprop replay: %s: unknown command '%s'\n", path, tok);
            mp_arena_free(a);
            return 2;
        }
        cmds[n++] = (enum seq_cmd)k;
    }
    char work[256];
    snprintf(work, sizeof work, "%s/migprop-rc-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(work)) {
        mp_arena_free(a);
        return 2;
    }
    enum mp_dialect d = strcmp(backend, "postgres") == 0 ? MP_POSTGRES : MP_SQLITE;
    char self[1024];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = 0;
    struct rc c = {.a = a, .ad = &ad, .d = d, .work = work, .out_dir = work, .self = self, .user = "postgres"};
    struct mp_pgcluster *cl = NULL;
    int status = 0;
    if (d == MP_POSTGRES) {
        if (mp_pgcluster_start(&cl, true, &err)) {
            fprintf(stderr, "migprop replay: %s\n", err.msg);
            status = 2;
        } else {
            c.pg_conninfo = mp_pgcluster_conninfo(cl);
            const char *h = strstr(c.pg_conninfo, "host=");
            c.host = h ? mp_arena_strndup(a, h + 5, strcspn(h + 5, " ")) : "/var/run/postgresql";
        }
    }
    if (!status) {
        size_t at = 0;
        const char *out;
        const char *bad = run_sequence(&c, cmds, n, seed, &at, &out);
        printf("TAP version 14\n1..1\n");
        if (bad) {
            printf("not ok 1 - sequence [%s %s]\n  ---\n  message: \"%s at command %zu (%s)\"\n  ...\n", ad.name, backend, bad,
                   at + 1, seq_names[cmds[at]]);
            printf("# runner output:\n");
            for (const char *q = out; *q;) {
                const char *e = strchr(q, '\n');
                size_t len = e ? (size_t)(e - q) : strlen(q);
                printf("#   %.*s\n", (int)len, q);
                q += len + (e ? 1 : 0);
            }
            status = 1;
        } else {
            printf("ok 1 - sequence [%s %s]\n", ad.name, backend);
        }
    }
    mp_pgcluster_stop(cl);
    char rmcmd[600];
    snprintf(rmcmd, sizeof rmcmd, "rm -rf '%s'", work);
    if (system(rmcmd) != 0)
        status = status ? status : 2;
    mp_arena_free(a);
    return status;
}
