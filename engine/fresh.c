/* fresh.c - runs of a trial's migrations on a fresh, committed database
 * by forked executor processes (exactly-once, killed runners). */
#include "engine_int.h"
#include "os.h"
#include "executor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char fresh_dir[256];
static unsigned long fresh_counter;

void mp_fresh_cleanup(void)
{
    if (fresh_dir[0])
        rmdir(fresh_dir);
}

/* A URL (and PostgreSQL schema) of a new empty database. */
static int fresh_db(struct mp_trial *t, struct mp_backend *b, const char **url, const char **schema,
                    struct mp_error *err)
{
    unsigned long n = ++fresh_counter;
    if (mp_backend_dialect(b) == MP_SQLITE) {
        if (!fresh_dir[0]) {
            const char *base = mp_scratch_dir();
            snprintf(fresh_dir, sizeof fresh_dir, "%s/migprop-db-XXXXXX", base);
            if (!mkdtemp(fresh_dir)) {
                fresh_dir[0] = 0;
                return mp_error_set(err, MP_EIO, "mkdtemp under %s: %s", base, strerror(errno));
            }
            atexit(mp_fresh_cleanup);
        }
        *url = mp_arena_printf(t->a, "sqlite:%s/f%lu.sqlite", fresh_dir, n);
        *schema = NULL;
        return 0;
    }
    *url = b->conninfo;
    *schema = mp_arena_printf(t->a, "migprop_f_%s_%lu", mp_process_token(), n);
    return 0;
}

static void fresh_drop(struct mp_trial *t, const char *url, const char *schema)
{
    if (!schema) {
        const char *path = url + 7;
        unlink(path);
        unlink(mp_arena_printf(t->a, "%s-journal", path));
        return;
    }
    struct mp_target *x;
    struct mp_error e = {0};
    if (mp_target_open(url, &x, &e))
        return;
    struct mp_buf q = {0};
    mp_buf_add(&q, "DROP SCHEMA IF EXISTS ");
    mp_buf_ident(&q, schema);
    mp_buf_add(&q, " CASCADE");
    mp_target_exec(x, "(cleanup)", 1, mp_buf_str(&q), &e);
    mp_buf_free(&q);
    mp_target_close(x);
}

static int fresh_open(const char *url, const char *schema, bool create, struct mp_target **x, struct mp_error *err)
{
    int rc = mp_target_open(url, x, err);
    if (rc)
        return rc;
    if (schema && create) {
        struct mp_buf q = {0};
        mp_buf_add(&q, "CREATE SCHEMA ");
        mp_buf_ident(&q, schema);
        rc = mp_target_exec(*x, "(setup)", 1, mp_buf_str(&q), err);
        mp_buf_free(&q);
    }
    if (!rc && schema)
        rc = mp_target_set_schema(*x, schema, err);
    if (rc) {
        mp_target_close(*x);
        *x = NULL;
    }
    return rc;
}

int mp_trial_fresh_run(struct mp_trial *t, struct mp_backend *b, int runners, long kill_at, bool after_commit,
                       struct mp_fresh_result *out)
{
    memset(out, 0, sizeof *out);
    const struct mp_apply_result *r = mp_trial_apply(t, b);
    if (!r->got || !r->migrations) {
        out->skipped = true;
        return 0;
    }
    enum mp_dialect d = mp_backend_dialect(b);
    /* the same migrations; with several runners each also counts its runs */
    struct mp_migset set = *r->migrations;
    set.v = mp_arena_alloc(t->a, (set.n + 1) * sizeof *set.v);
    memcpy(set.v, r->migrations->v, set.n * sizeof *set.v);
    if (runners > 1)
        for (size_t i = 0; i < set.n; i++) {
            set.v[i].up.sql = mp_arena_printf(t->a, "%s\nINSERT INTO \"_mp_runs\" (v) VALUES ('%s');\n", set.v[i].up.sql,
                                              set.v[i].version);
            mp_sha256_hex(set.v[i].up.sql, strlen(set.v[i].up.sql), set.v[i].checksum);
        }
    const char *url = NULL, *schema = NULL;
    struct mp_error *err = &out->err;
    if ((out->rc = fresh_db(t, b, &url, &schema, err)))
        return out->rc;
    struct mp_target *x = NULL;
    struct mp_buf setup = {0};
    mp_trial_setup_sql(t, d, &setup);
    if (runners > 1)
        mp_buf_add(&setup, "CREATE TABLE \"_mp_runs\" (v text NOT NULL);\n");
    if ((out->rc = fresh_open(url, schema, true, &x, err)) ||
        (out->rc = mp_target_exec(x, "(setup)", 1, mp_buf_str(&setup), err))) {
        mp_buf_free(&setup);
        mp_target_close(x);
        fresh_drop(t, url, schema);
        return out->rc;
    }
    mp_buf_free(&setup);
    mp_target_close(x);
    x = NULL;

    /* the runners: forked, each with its own connection */
    fflush(NULL);
    pid_t pids[16];
    int fds[16];
    int nr = runners < 1 ? 1 : runners > 16 ? 16 : runners;
    for (int i = 0; i < nr; i++) {
        int pfd[2];
        if (pipe(pfd) != 0) {
            nr = i;
            break;
        }
        pids[i] = fork();
        if (pids[i] == 0) {
            close(pfd[0]);
            struct mp_target *cx;
            struct mp_error ce = {0};
            int rc = fresh_open(url, schema, false, &cx, &ce);
            if (!rc) {
                struct mp_exec_config cc = {.table = "_mp_migrations", .fault = t->fault};
                if (kill_at > 0)
                    *(after_commit ? &cc.kill_after_commit : &cc.kill_before_commit) = kill_at;
                struct mp_exec_report rep;
                rc = mp_exec_up(cx, &set, &cc, NULL, &rep, &ce);
                mp_target_close(cx);
            }
            if (rc) {
                ssize_t w = write(pfd[1], ce.msg, strlen(ce.msg));
                (void)w;
            }
            _exit(rc ? 1 : 0);
        }
        close(pfd[1]);
        fds[i] = pfd[0];
        if (pids[i] < 0) {
            close(fds[i]);
            nr = i;
            break;
        }
    }
    for (int i = 0; i < nr; i++) {
        int st = 0;
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
            ;
        char msg[512];
        ssize_t k = read(fds[i], msg, sizeof msg - 1);
        close(fds[i]);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
            out->nkilled++;
        else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            out->nexited_ok++;
        else {
            out->nfailed++;
            if (!out->first_failure[0])
                snprintf(out->first_failure, sizeof out->first_failure, "%.*s", k > 0 ? (int)k : 0, msg);
        }
    }

    /* what the database holds now */
    struct mp_exec_config xc = {.table = "_mp_migrations", .fault = t->fault};
    struct mp_schema *s = NULL;
    if ((out->rc = fresh_open(url, schema, false, &x, err)) ||
        (out->rc = mp_exec_records(x, &xc, &out->applied_rows, &out->bad_rows, err)) ||
        (out->rc = mp_introspect_conn(mp_target_dialect(x), mp_target_conn(x),
                                      (const char *const[]){"_mp_migrations", NULL}, t->a, &s, err)))
        goto end;
    out->schema = s;
    if (runners > 1 &&
        ((out->rc = mp_target_query_long(x, "SELECT count(*) FROM \"_mp_runs\"", &out->runs_counted, err)) ||
         (out->rc = mp_target_query_long(x, "SELECT count(DISTINCT v) FROM \"_mp_runs\"", &out->runs_distinct, err))))
        goto end;
    if (kill_at > 0) {
        /* the schema at the boundary the tracking table records */
        const struct mp_plan *p = r->plan;
        size_t parts = r->parts ? r->parts : 1;
        size_t j = out->applied_rows < parts ? out->applied_rows : parts;
        size_t hi = p->n * j / parts;
        struct mp_schema *e = mp_schema_clone(t->a, t->c->start);
        for (size_t i = 0; i < hi; i++)
            if (mp_vschema_apply(t->a, e, d, &p->steps[i].op, err)) {
                out->rc = MP_EINTERNAL;
                goto end;
            }
        out->expected = e;
        /* and the next run completes the migrations */
        struct mp_exec_report rep;
        struct mp_error e2 = {0};
        out->completed = mp_exec_up(x, &set, &xc, NULL, &rep, &e2) == 0;
        if (!out->completed)
            snprintf(out->first_failure, sizeof out->first_failure, "the run after the kill failed: %.400s", e2.msg);
        struct mp_schema *f = NULL;
        if (out->completed && !mp_introspect_conn(mp_target_dialect(x), mp_target_conn(x),
                                                  (const char *const[]){"_mp_migrations", NULL}, t->a, &f, &e2))
            out->final = f;
    }
end:
    mp_target_close(x);
    fresh_drop(t, url, schema);
    return out->rc;
}
