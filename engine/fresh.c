/* fresh.c - runs of a trial's migrations on a fresh, committed database
 * by executor processes of the pool (runpool.c: exactly-once, killed
 * runners). */
#include "engine_int.h"
#include "os.h"
#include "executor.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *fresh_dir;     /* owner-locked scratch directory (base/os.h), made once */
static pid_t fresh_owner;   /* the process that made it: forked workers share it */
static unsigned long fresh_counter;

static PGconn *kept_pg;
static pid_t kept_owner;

void mp_fresh_cleanup(void)
{
    if (fresh_dir && getpid() == fresh_owner)
        mp_rmtree(fresh_dir, NULL);
    mp_fresh_pg_cleanup(kept_pg && kept_owner == getpid() ? kept_pg : NULL);
}

/* mp_fresh_cleanup() at exit, registered once (forked workers inherit
 * it; the cleanup looks at who owns what) */
static void cleanup_at_exit(void)
{
    static bool registered;
    if (!registered) {
        registered = true;
        atexit(mp_fresh_cleanup);
    }
}

/* A URL (and PostgreSQL schema) of a new empty database. */
static int fresh_db(struct mp_trial *t, struct mp_backend *b, const char **url, const char **schema,
                    struct mp_error *err)
{
    unsigned long n = ++fresh_counter;
    if (mp_backend_dialect(b) == MP_SQLITE) {
        if (!fresh_dir) {
            /* owner-locked: a run killed with SIGKILL leaves it to the
             * next migprop's sweep */
            int rc = mp_scratch_mkdtemp("migprop-db-", &fresh_dir, err);
            if (rc)
                return rc;
            fresh_owner = getpid();
            cleanup_at_exit();
        }
        /* the pid too: worker processes forked after a first run share
         * the directory and the counter */
        *url = mp_arena_printf(t->a, "sqlite:%s/f%ld-%lu.sqlite", fresh_dir, (long)getpid(), n);
        *schema = NULL;
        return 0;
    }
    *url = b->conninfo;
    *schema = mp_arena_strdup(t->a, mp_fresh_pg_schema());
    cleanup_at_exit();
    return 0;
}

/* Write the SQLite database image `img` (n bytes) as the file `path`:
 * the fresh database starts as the trial's did after its setup.  0, or
 * MP_EIO naming the file. */
static int write_image(const char *path, const unsigned char *img, size_t n, struct mp_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    while (n) {
        ssize_t w = write(fd, img, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int rc = mp_error_set(err, MP_EIO, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
            close(fd);
            return rc;
        }
        img += w;
        n -= (size_t)w;
    }
    if (close(fd) != 0)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

/* Remove the fresh database: the SQLite files, or the PostgreSQL schema
 * through `x` when it is open (else a new connection); closes x. */
static void fresh_drop(struct mp_trial *t, const char *url, const char *schema, struct mp_target *x)
{
    if (!schema) {
        mp_target_close(x);
        const char *path = url + 7;
        unlink(path);
        unlink(mp_arena_printf(t->a, "%s-journal", path));
        unlink(mp_arena_printf(t->a, "%s-wal", path));
        unlink(mp_arena_printf(t->a, "%s-shm", path));
        return;
    }
    struct mp_error e = {0};
    if (!x && mp_target_open(url, &x, &e))
        return;
    mp_fresh_pg_release(x, url, schema);
    mp_target_close(x);
}

/* Runs one PostgreSQL connection of this process serves before a new one
 * replaces it (backend_pg.c, MP_PG_TRIALS_PER_CONN, says why a few dozen). */
#define MP_FRESH_RUNS_PER_CONN 25

/* The process's PostgreSQL connection for the runs on fresh databases
 * (the trial process's, or a runner process's of the pool), kept from run
 * to run: a new connection costs a backend start and cold catalog caches.
 * Between two runs it is idle, outside any transaction, holding no
 * advisory lock. */
static char *kept_url;
static unsigned kept_runs;

static void kept_drop(void)
{
    if (!kept_pg)
        return;
    if (kept_owner != getpid())
        close(PQsocket(kept_pg)); /* the parent's (fork): not a word to its server */
    PQfinish(kept_pg);
    kept_pg = NULL;
    free(kept_url);
    kept_url = NULL;
}

/* A target on the kept connection to `url` (a new connection when there
 * is none, it is another server's, broken, in a transaction or has served
 * MP_FRESH_RUNS_PER_CONN runs); closing the target keeps the connection.
 * Errors as mp_target_open(). */
static int kept_open(const char *url, struct mp_target **x, struct mp_error *err)
{
    if (kept_pg && (kept_owner != getpid() || strcmp(kept_url, url) != 0 || PQstatus(kept_pg) != CONNECTION_OK ||
                    PQtransactionStatus(kept_pg) != PQTRANS_IDLE || kept_runs >= MP_FRESH_RUNS_PER_CONN))
        kept_drop();
    if (!kept_pg) {
        /* as mp_target_open() connects */
        PGconn *c = PQconnectdb(url);
        if (!c || PQstatus(c) != CONNECTION_OK) {
            const char *m = c ? PQerrorMessage(c) : "out of memory";
            int rc = mp_error_set(err, MP_EIO, "connecting to PostgreSQL: %.*s", (int)strcspn(m, "\n"), m);
            PQfinish(c);
            return rc;
        }
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        kept_pg = c;
        kept_owner = getpid();
        kept_url = mp_xstrdup(url);
        kept_runs = 0;
    } else {
        /* a lock a failed run left would be another schema's; drop it anyway */
        PQclear(PQexec(kept_pg, "SELECT pg_advisory_unlock_all()"));
    }
    kept_runs++;
    *x = mp_target_wrap(MP_POSTGRES, kept_pg, false);
    return 0;
}

/* Open the fresh database; with `setup` (SQL) create it first and run
 * setup in it, in one round trip on PostgreSQL (engine_int.h). */
int mp_fresh_open(const char *url, const char *schema, const char *setup, struct mp_target **x,
                  struct mp_error *err)
{
    int rc = schema ? kept_open(url, x, err) : mp_target_open(url, x, err);
    if (rc)
        return rc;
    if (!schema) {
        /* the harness's own scratch file on tmpfs, in a write-ahead log
         * (SQLite "WAL"), which survives a killed writer as the rollback
         * journal does, with fewer writes and syncs; journal_mode is
         * stored in the file.  The busy timeout covers the moments a
         * connection holds the log's shared index exclusively.  The file
         * is removed after the run, so a connection closing last need not
         * copy the log into it (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). */
        sqlite3 *db = mp_target_conn(*x);
        sqlite3_busy_timeout(db, 60000);
        sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
        if (setup) {
            /* no fsync (a killed process loses nothing the kernel has;
             * only a power cut would; synchronous is per connection), set
             * first so that the switch to WAL syncs nothing */
            rc = mp_target_exec(*x, "(setup)", 1, "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;", err);
            if (!rc)
                rc = mp_target_exec(*x, "(setup)", 1, setup, err);
        } else {
            /* a file already in WAL format (fresh_image.c): open its log
             * and shared index with a read of the header alone.  Nothing
             * that needs the schema (PRAGMA synchronous does): parsed
             * now, it would be parsed again once the runners changed it. */
            rc = mp_target_exec(*x, "(setup)", 1, "PRAGMA schema_version;", err);
        }
    } else if (setup) {
        struct mp_buf q = {0};
        mp_fresh_pg_setup(&q, url, schema);
        mp_buf_add(&q, setup);
        rc = mp_target_exec(*x, "(setup)", 1, mp_buf_str(&q), err);
        mp_buf_free(&q);
        if (!rc)
            mp_fresh_pg_created(url, schema);
    } else {
        rc = mp_target_set_schema(*x, schema, err);
    }
    if (rc) {
        mp_target_close(*x);
        *x = NULL;
    }
    return rc;
}

/* The schema the fresh database x holds now: on SQLite the trial's own
 * read-back when the schema text is the trial's (fresh_same.c), else read
 * back.  Errors as mp_introspect_conn(). */
static int fresh_schema(struct mp_trial *t, const struct mp_apply_result *r, struct mp_target *x,
                        const struct mp_schema **out, struct mp_error *err)
{
    if (mp_target_dialect(x) == MP_SQLITE && mp_trial_schema_unchanged(t, mp_target_conn(x))) {
        *out = r->got;
        return 0;
    }
    struct mp_schema *s = NULL;
    int rc = mp_introspect_conn(mp_target_dialect(x), mp_target_conn(x), (const char *const[]){"_mp_migrations", NULL},
                                t->a, &s, err);
    *out = s;
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
    struct mp_phase_times *ph = &t->ph[d];
    double t0 = mp_now();
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
    const unsigned char *img = NULL;
    size_t img_n = 0;
    bool from_image = d == MP_SQLITE && mp_fresh_image(t, &img, &img_n);
    if (from_image) {
        /* the start schema and rows from the trial's own setup, the run
         * counter and the tracking table, as bytes (fresh_image.c) */
        if ((out->rc = write_image(url + 7, img, img_n, err)))
            return out->rc;
    } else {
        mp_trial_setup_sql(t, d, &setup);
        if (runners > 1)
            mp_buf_add(&setup, "CREATE TABLE \"_mp_runs\" (v text NOT NULL);\n");
    }
    /* the runner processes, before the connection they must not inherit */
    int nr = runners < 1 ? 1 : runners > MP_RUNPOOL_MAX ? MP_RUNPOOL_MAX : runners;
    if ((out->rc = mp_runpool_start(nr, err))) {
        mp_buf_free(&setup);
        return out->rc;
    }
    if ((out->rc = mp_fresh_open(url, schema, from_image ? NULL : mp_buf_str(&setup), &x, err))) {
        mp_buf_free(&setup);
        fresh_drop(t, url, schema, NULL);
        return out->rc;
    }
    mp_buf_free(&setup);
    /* x stays open, idle, for the read-back (one connection less; SQLite:
     * the log's shared index stays live, so the runners do not race to
     * rebuild it); the runners never touch it */

    /* the runners: processes of the pool (runpool.c), each with its own
     * connection, started together */
    struct mp_runpool_job job = {url, schema, "_mp_migrations", &set, t->fault, kill_at, after_commit};
    if ((out->rc = mp_runpool_run(nr, &job, out, err))) {
        fresh_drop(t, url, schema, x);
        return out->rc;
    }

    /* what the database holds now */
    t0 = mp_phase_add(&ph->execute, t0);
    struct mp_exec_config xc = {.table = "_mp_migrations", .fault = t->fault};
    if ((out->rc = mp_exec_records(x, &xc, &out->applied_rows, &out->bad_rows, err)) ||
        (out->rc = fresh_schema(t, r, x, &out->schema, err)))
        goto end;
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
        t0 = mp_phase_add(&ph->readback, t0);
        /* and the next run completes the migrations */
        struct mp_exec_report rep;
        struct mp_error e2 = {0};
        out->completed = mp_exec_up(x, &set, &xc, NULL, &rep, &e2) == 0;
        t0 = mp_phase_add(&ph->execute, t0);
        if (!out->completed)
            snprintf(out->first_failure, sizeof out->first_failure, "the run after the kill failed: %.400s", e2.msg);
        const struct mp_schema *f = NULL;
        if (out->completed && !fresh_schema(t, r, x, &f, &e2))
            out->final = f;
    }
end:
    fresh_drop(t, url, schema, x);
    mp_phase_add(&ph->readback, t0);
    return out->rc;
}
