/* context.c - the context of one runner on one backend: a fresh database
 * and migrations directory per check, our own view of that database, and
 * findings kept with their migrations. */
#include "runnercheck_int.h"
#include "executor.h"
#include "dataread.h"
#include "os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mp_rc_fresh(struct mp_rc *c, struct mp_error *err)
{
    c->n++;
    c->nmigs = 0;
    mp_buf_reset(&c->setup);
    mp_buf_reset(&c->log);
    c->start_sql = c->rows_sql = NULL;
    const char *dn = mp_dialect_name(c->d);
    c->dir = mp_arena_printf(c->a, "%s/m-%s-%lu", c->work, dn, c->n);
    if (c->d == MP_SQLITE) {
        c->path = mp_arena_printf(c->a, "%s/db-%s-%lu.sqlite", c->work, dn, c->n);
        c->db = c->path;
        c->dsn = c->path;
    } else {
        /* numbered per process, not per check: one process runs many
         * checks (selftest), and a database a check could not drop must
         * not be the next check's name */
        static unsigned long seq;
        c->db = mp_arena_printf(c->a, "rc_%s_%lu", mp_process_token(), ++seq);
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
    /* FORCE ends the runners' sessions left behind, but may not end an
     * autovacuum worker's (not our role's: "must be a member of the role
     * whose process is being terminated"); a plain DROP DATABASE makes
     * autovacuum leave by itself (PostgreSQL "DROP DATABASE") */
    if (mp_target_exec(t, "(cleanup)", 1, mp_buf_str(&q), &e)) {
        mp_buf_reset(&q);
        mp_buf_add(&q, "DROP DATABASE IF EXISTS ");
        mp_buf_ident(&q, c->db);
        if (mp_target_exec(t, "(cleanup)", 1, mp_buf_str(&q), &e))
            fprintf(stderr, "migprop runner-check: could not drop database %s: %s\n", c->db, e.msg);
    }
    mp_buf_free(&q);
    mp_target_close(t);
}

int mp_rc_open(struct mp_rc *c, struct mp_target **t, struct mp_error *err)
{
    return mp_target_open(c->d == MP_SQLITE ? mp_arena_printf(c->a, "sqlite:%s", c->path) : c->dsn, t, err);
}

const struct mp_schema *mp_rc_schema_now(struct mp_rc *c, struct mp_error *err)
{
    struct mp_target *t;
    if (mp_rc_open(c, &t, err))
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

const char *mp_rc_state(struct mp_rc *c, struct mp_error *err)
{
    const struct mp_schema *s = mp_rc_schema_now(c, err);
    if (!s)
        return NULL;
    struct mp_target *t;
    if (mp_rc_open(c, &t, err))
        return NULL;
    struct mp_dataset ds;
    int rc = mp_data_read(c->a, c->d, mp_target_conn(t), s, &ds, err);
    mp_target_close(t);
    if (rc)
        return NULL;
    struct mp_buf b = {0};
    mp_schema_canonical(&b, s, 0);
    for (size_t i = 0; i < ds.n; i++) {
        mp_buf_printf(&b, "rows of \"%s\":\n", ds.v[i].table);
        for (size_t r = 0; r < ds.v[i].nrows; r++)
            mp_buf_printf(&b, "  %s\n", mp_row_text(c->a, &ds.v[i], r));
    }
    const char *r = mp_arena_strdup(c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    return r;
}

const char *mp_rc_state_diff(struct mp_rc *c, const char *want, const char *got)
{
    /* the first line that differs, with its neighbours */
    size_t line = 1, i = 0;
    while (want[i] && want[i] == got[i]) {
        if (want[i] == '\n')
            line++;
        i++;
    }
    if (!want[i] && !got[i])
        return NULL;
    size_t s0 = i;
    while (s0 > 0 && want[s0 - 1] != '\n')
        s0--;
    return mp_arena_printf(c->a, "line %zu: expected \"%.*s\", found \"%.*s\"", line, (int)strcspn(want + s0, "\n"),
                           want + s0, (int)strcspn(got + s0, "\n"), got + s0);
}

long mp_rc_count(struct mp_rc *c, const char *sql)
{
    struct mp_target *t;
    struct mp_error e = {0};
    long v = -1;
    if (!mp_rc_open(c, &t, &e)) {
        if (mp_target_query_long(t, sql, &v, &e))
            v = -1;
        mp_target_close(t);
    }
    return v;
}

int mp_rc_write_text(const char *path, const char *text, struct mp_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

void mp_rc_sh_template(struct mp_buf *b, const char *tpl)
{
    static const char *const keys[] = {"dir", "url", "path", "dsn", "host", "user", "db", "config", "dialect",
                                       "sqlm", "migprop", "from_url", "to_url", "from_file", "to_file",
                                       "renames_file"};
    for (const char *p = tpl; *p;) {
        bool done = false;
        for (size_t k = 0; *p == '{' && k < sizeof keys / sizeof *keys && !done; k++) {
            size_t n = strlen(keys[k]);
            if (strncmp(p + 1, keys[k], n) == 0 && p[n + 1] == '}') {
                mp_buf_printf(b, "\"${%s}\"", keys[k]);
                p += n + 2;
                done = true;
            }
        }
        if (!done)
            mp_buf_addc(b, *p++);
    }
}

/* The same for a value assigned inside double quotes. */
static void sh_value(struct mp_buf *b, const char *tpl)
{
    struct mp_buf t = {0};
    mp_rc_sh_template(&t, tpl);
    /* sh_template quoted each reference: inside one double-quoted word
     * the quotes go */
    for (const char *p = mp_buf_str(&t); *p; p++)
        if (*p != '"')
            mp_buf_addc(b, *p);
    mp_buf_free(&t);
}

/* repro.sh: a fresh database, the setup SQL, then the runner's commands in
 * the order runner-check ran them (file changes as comments). */
static int write_repro_sh(struct mp_rc *c, const char *repro, struct mp_error *err)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "#!/bin/sh\n# Re-run by hand what runner-check did to %s on %s: a fresh database,\n"
                      "# setup.sql, then the runner's commands in order.  migrations/ holds the files as\n"
                      "# the failing run left them; the lines starting with '# runner-check' say where it\n"
                      "# changed them between commands.\nset -u\nhere=$(cd \"$(dirname \"$0\")\" && pwd)\n"
                      "dir=\"$here/migrations\"\ndialect=%s\nsqlm=%s\nmigprop=\"${MIGPROP:-migprop}\"\n",
                  c->ad->name, mp_dialect_name(c->d), mp_dialect_name(c->d), c->d == MP_SQLITE ? "sqlite3" : "postgres");
    if (c->d == MP_SQLITE) {
        mp_buf_add(&b, "path=\"$here/repro.sqlite\"\ndb=\"$path\"\ndsn=\"$path\"\nhost=\nuser=\nrm -f \"$path\"\n"
                       "sqlite3 \"$path\" <\"$here/setup.sql\" || exit 2\n");
    } else {
        mp_buf_add(&b, "host=\"${PGHOST:-/var/run/postgresql}\"\nuser=\"${PGUSER:-postgres}\"\ndb=migprop_repro\n"
                       "path=\ndsn=\"host=$host user=$user dbname=$db\"\n"
                       "psql -X -q -h \"$host\" -U \"$user\" -d postgres -c \"DROP DATABASE IF EXISTS $db\" "
                       "-c \"CREATE DATABASE $db\" || exit 2\n"
                       "psql -X -q -v ON_ERROR_STOP=1 -h \"$host\" -U \"$user\" -d \"$db\" -f \"$here/setup.sql\" || exit 2\n");
    }
    mp_buf_add(&b, "url=\"");
    sh_value(&b, c->ad->url[c->d]);
    mp_buf_add(&b, "\"\n");
    if (c->ad->config) {
        const char *slash = strrchr(c->config, '/');
        mp_buf_printf(&b, "config=\"$here/%s\"\n", slash ? slash + 1 : c->config);
    } else {
        mp_buf_add(&b, "config=\n");
    }
    mp_buf_add(&b, "export DATABASE_URL=\"$url\"\n");
    for (const char *p = mp_buf_str(&c->log); *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *line = mp_arena_strndup(c->a, p, n);
        if (*line == '#') {
            mp_buf_printf(&b, "%s\n", line);
        } else {
            mp_buf_add(&b, "echo \"+ exit $?\"; ");
            mp_rc_sh_template(&b, line);
            mp_buf_addc(&b, '\n');
        }
        p += n + (e ? 1 : 0);
    }
    mp_buf_add(&b, "echo \"+ exit $?\"\n");
    const char *path = mp_arena_printf(c->a, "%s/repro.sh", repro);
    int rc = mp_rc_write_text(path, mp_buf_str(&b), err);
    mp_buf_free(&b);
    if (!rc)
        chmod(path, 0755);
    return rc;
}

/* Keep what reproduces a finding under `repro`: the migrations directory
 * (as migrations/) as the failing run left it, the configuration file,
 * the setup SQL (and the start schema and rows apart when the check has
 * them), the SQLite database as the runner left it, and repro.sh.  A
 * stale directory of the same name from an earlier run is replaced. */
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
    if (!rc)
        rc = mp_rc_write_text(mp_arena_printf(c->a, "%s/setup.sql", repro), mp_buf_str(&c->setup), err);
    if (!rc && c->start_sql)
        rc = mp_rc_write_text(mp_arena_printf(c->a, "%s/start.sql", repro), c->start_sql, err);
    if (!rc && c->rows_sql)
        rc = mp_rc_write_text(mp_arena_printf(c->a, "%s/rows.sql", repro), c->rows_sql, err);
    if (!rc && c->d == MP_SQLITE && access(c->path, F_OK) == 0)
        rc = mp_copy_file(c->path, mp_arena_printf(c->a, "%s/after.sqlite", repro), err);
    if (!rc)
        rc = write_repro_sh(c, repro, err);
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
    int rc = mp_rc_open(c, &t, err);
    mp_buf_printf(&c->setup, "%s%s", sql, *sql && sql[strlen(sql) - 1] != '\n' ? "\n" : "");
    if (!rc) {
        rc = mp_target_exec(t, "(setup)", 1, sql, err);
        mp_target_close(t);
    }
    return rc;
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
