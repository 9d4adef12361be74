/* context.c - the context of one runner on one backend: a fresh database
 * and migrations directory per check, our own view of that database, and
 * findings kept with their migrations. */
#include "runnercheck_int.h"
#include "executor.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mp_rc_fresh(struct mp_rc *c, struct mp_error *err)
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
        struct mp_buf q = {0};
        mp_buf_add(&q, "CREATE DATABASE ");
        mp_buf_ident(&q, c->db);
        int rc = mp_target_open(c->pg_conninfo, &t, err);
        if (!rc) {
            rc = mp_target_exec(t, "(setup)", 1, mp_buf_str(&q), err);
            mp_target_close(t);
        }
        mp_buf_free(&q);
        if (rc)
            return rc;
        c->path = "";
        c->dsn = mp_arena_printf(c->a, "host=%s user=%s dbname=%s", c->host, c->user, c->db);
    }
    c->url = mp_rc_expand(c, c->ad->url[c->d], false);
    int rc = mp_mkdir_p(c->dir, err);
    if (rc)
        return rc;
    if (c->ad->config) {
        c->config = mp_arena_printf(c->a, "%s/config-%s-%lu.yml", c->work, dn, c->n);
        FILE *f = fopen(c->config, "w");
        if (!f)
            return mp_error_set(err, MP_EIO, "%s: %s", c->config, strerror(errno));
        fputs(mp_rc_expand(c, c->ad->config, false), f);
        fclose(f);
    } else {
        c->config = "";
    }
    return 0;
}

void mp_rc_drop_db(struct mp_rc *c)
{
    if (c->d != MP_POSTGRES || !c->db)
        return;
    struct mp_target *t;
    struct mp_error e = {0};
    if (mp_target_open(c->pg_conninfo, &t, &e))
        return;
    struct mp_buf q = {0};
    mp_buf_add(&q, "DROP DATABASE IF EXISTS ");
    mp_buf_ident(&q, c->db);
    mp_buf_add(&q, " WITH (FORCE)");
    mp_target_exec(t, "(cleanup)", 1, mp_buf_str(&q), &e);
    mp_buf_free(&q);
    mp_target_close(t);
}

/* Our own connection to the current database. */
static int open_db(struct mp_rc *c, struct mp_target **t, struct mp_error *err)
{
    return mp_target_open(c->d == MP_SQLITE ? mp_arena_printf(c->a, "sqlite:%s", c->path) : c->dsn, t, err);
}

const struct mp_schema *mp_rc_schema_now(struct mp_rc *c, struct mp_error *err)
{
    struct mp_target *t;
    if (open_db(c, &t, err))
        return NULL;
    const char *ig[17];
    size_t n = 0;
    char *list = mp_arena_strdup(c->a, c->ad->tracking ? c->ad->tracking : "");
    for (char *sv = NULL, *tok = strtok_r(list, ",", &sv); tok && n < 14; tok = strtok_r(NULL, ",", &sv))
        ig[n++] = mp_rc_trim(tok);
    ig[n++] = "migprop_runs";
    ig[n++] = "migprop_migrations";
    ig[n] = NULL;
    struct mp_schema *s = NULL;
    int rc = mp_introspect_conn(mp_target_dialect(t), mp_target_conn(t), ig, c->a, &s, err);
    mp_target_close(t);
    return rc ? NULL : s;
}

long mp_rc_count(struct mp_rc *c, const char *sql)
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

/* Keep what reproduces a finding under `repro`: the migrations directory
 * (as migrations/), the configuration file, and nothing else.  A stale
 * directory of the same name from an earlier run is replaced. */
static int keep_repro(struct mp_rc *c, const char *repro, struct mp_error *err)
{
    int rc = mp_rmtree(repro, err);
    if (!rc)
        rc = mp_mkdir_p(repro, err);
    if (!rc)
        rc = mp_copy_tree(c->dir, mp_arena_printf(c->a, "%s/migrations", repro), err);
    if (!rc && *c->config) {
        const char *slash = strrchr(c->config, '/');
        rc = mp_copy_file(c->config, mp_arena_printf(c->a, "%s/%s", repro, slash ? slash + 1 : c->config), err);
    }
    return rc;
}

void mp_rc_finding(struct mp_rc *c, const char *check, const char *what, const char *output)
{
    const char *repro = mp_arena_printf(c->a, "%s/%s-%s-%s-%zu", c->out_dir, c->ad->name, mp_dialect_name(c->d),
                                        check, c->nf + 1);
    struct mp_error e = {0};
    if (keep_repro(c, repro, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        repro = "(could not be kept)";
    } else {
        FILE *f = fopen(mp_arena_printf(c->a, "%s/README", repro), "w");
        if (f) {
            fprintf(f, "runner: %s\nbackend: %s\ncheck: %s\nfinding: %s\n\nup: %s\ndown: %s\n\nlast runner output:\n%s\n",
                    c->ad->name, mp_dialect_name(c->d), check, what, c->ad->up, c->ad->down ? c->ad->down : "-",
                    output ? output : "");
            fclose(f);
        }
    }
    struct mp_rc_finding *fd = MP_PUSH(c->a, c->f, c->nf, c->capf);
    fd->check = check;
    fd->what = mp_arena_strdup(c->a, what);
    fd->repro = repro;
    fd->output = output ? mp_arena_strdup(c->a, output) : "";
}

int mp_rc_setup_sql(struct mp_rc *c, const char *sql, struct mp_error *err)
{
    struct mp_target *t;
    int rc = open_db(c, &t, err);
    if (!rc) {
        rc = mp_target_exec(t, "(setup)", 1, sql, err);
        mp_target_close(t);
    }
    return rc;
}

int mp_rc_write_mig(struct mp_rc *c, unsigned v, const char *name, const char *up, const char *down, bool notx)
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

void mp_rc_point(struct mp_rc *c, const char *check, size_t before)
{
    size_t n = c->nf - before;
    struct mp_report_point p = {
        .result = n ? MP_POINT_FAIL : MP_POINT_PASS,
        .name = check,
        .where = mp_arena_printf(c->a, "%s %s", c->ad->name, mp_dialect_name(c->d)),
        .note = n ? mp_arena_printf(c->a, "%zu finding%s", n, n == 1 ? "" : "s") : NULL,
    };
    mp_reporter_point(c->rep, &p);
}
