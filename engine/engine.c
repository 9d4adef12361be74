/* engine.c - the trial loop. */
#include "engine.h"
#include "os.h"
#include "dataread.h"
#include "executor.h"
#include "planmig.h"
#include "pgcluster.h"
#include "report.h"
#include "shrink.h"
#include "sql.h"
#include "text.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

struct mp_trial {
    struct mp_arena *a;
    const struct mp_case *c;
    struct mp_dataset data;
    unsigned needs;
    struct mp_backend *const *backends;
    uint64_t seed;
    enum mp_solver_kind solver;
    enum mp_fault fault;    /* the run's planted self-test fault, MP_FAULT_NONE normally */
    bool applied[MP_NDIALECTS];
    struct mp_apply_result res[MP_NDIALECTS];
    bool infra_error;
    struct mp_error infra;
    const char *keep_dir;   /* write the trial's migrations under here, or NULL */
    const char *label;      /* "trial-<n>" or the case file's name */
};

struct mp_arena *mp_trial_arena(struct mp_trial *t)
{
    return t->a;
}

const struct mp_schema *mp_trial_expected(const struct mp_trial *t)
{
    return t->c->desired;
}

const struct mp_schema *mp_trial_start(const struct mp_trial *t)
{
    return t->c->start;
}

const struct mp_renames *mp_trial_renames(const struct mp_trial *t)
{
    return &t->c->renames;
}

uint64_t mp_trial_seed_of(const struct mp_trial *t)
{
    return t->seed;
}

struct mp_backend *mp_trial_backend(struct mp_trial *t, enum mp_dialect d)
{
    return t->backends ? t->backends[d] : NULL;
}

static size_t plan_parts(const struct mp_trial *t)
{
    return 1 + (size_t)(t->seed % 3);
}

/* Setup script: the start schema and its rows. */
static void setup_sql(const struct mp_trial *t, enum mp_dialect d, struct mp_buf *b)
{
    mp_sql_schema(b, t->c->start, d, t->fault);
    mp_data_sql(b, &t->data, d);
}

static void run_plan(struct mp_trial *t, struct mp_backend *b, struct mp_apply_result *r)
{
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_buf ddl = {0};
    setup_sql(t, d, &ddl);
    r->data_before = &t->data;
    struct mp_error e = {0};
    if (mp_backend_begin(b, &e)) {
        t->infra_error = true;
        t->infra = e;
        mp_buf_free(&ddl);
        return;
    }
    if (mp_backend_exec(b, mp_buf_str(&ddl), &r->db_err)) {
        r->setup_failed = true;
        goto done;
    }
    /* through the executor, as a user's migrations: the plan split into
     * 1-3 migrations (from the trial's seed), each in its own transaction
     * (PostgreSQL: a savepoint of the trial's transaction) with its
     * tracking row */
    const struct mp_plan *p = r->plan;
    size_t parts = plan_parts(t);
    struct mp_migset *setp = mp_arena_alloc(t->a, sizeof *setp);
    struct mp_migset set;
    struct mp_step_pos *pos;
    const char *dir = NULL;
    if (t->keep_dir) {
        const char *base = strrchr(t->label, '/') ? strrchr(t->label, '/') + 1 : t->label;
        dir = mp_arena_printf(t->a, "%s/%s-%s-%s", t->keep_dir, base, mp_dialect_name(d),
                              t->solver == MP_SOLVER_NAIVE ? "naive" : "default");
    }
    if (mp_plan_migset(t->a, p, parts, dir, &set, &pos, &e)) {
        t->infra_error = true;
        t->infra = e;
        goto done;
    }
    *setp = set;
    r->migrations = setp;
    r->parts = set.n;
    struct mp_target *x = mp_target_wrap(d, mp_backend_conn(b), d == MP_POSTGRES);
    struct mp_exec_config xc = {.table = "_mp_migrations", .fault = t->fault};
    struct mp_exec_report rep;
    int xrc = mp_exec_up(x, setp, &xc, NULL, &rep, &r->db_err);
    if (xrc) {
        if (rep.failed < 0) { /* the executor itself, not a migration */
            t->infra_error = true;
            t->infra = r->db_err;
            goto done;
        }
        long st = rep.failed_line ? mp_plan_step_at(p, pos, rep.failed, rep.failed_line) : -1;
        r->failed_step = st >= 0 ? st : (long)p->n;
        mp_target_close(x);
        goto done;
    }
    struct mp_schema *got = NULL;
    if (mp_backend_introspect(b, t->a, &got, &e)) {
        t->infra_error = true;
        t->infra = e;
        mp_target_close(x);
        goto done;
    }
    r->got = got;
    void *conn = mp_backend_conn(b);
    if ((t->needs & MP_NEED_DATA)) {
        struct mp_dataset *ds = mp_arena_alloc(t->a, sizeof *ds);
        if (mp_data_read(t->a, d, conn, got, ds, &e)) {
            t->infra_error = true;
            t->infra = e;
            mp_target_close(x);
            goto done;
        }
        r->data_after = ds;
    }
    if ((t->needs & MP_NEED_RERUN)) {
        r->rerun_done = true;
        r->rerun_rc = mp_exec_up(x, setp, &xc, NULL, &rep, &r->rerun_err);
        r->rerun_applied = rep.applied;
        struct mp_schema *s2 = NULL;
        struct mp_dataset *ds = mp_arena_alloc(t->a, sizeof *ds);
        if (!r->rerun_rc && !(r->rerun_rc = mp_backend_introspect(b, t->a, &s2, &r->rerun_err)) &&
            !(r->rerun_rc = mp_data_read(t->a, d, conn, s2, ds, &r->rerun_err))) {
            r->rerun_schema = s2;
            r->rerun_data = ds;
        }
    }
    if ((t->needs & MP_NEED_DOWN)) {
        r->down_done = true;
        r->down_rc = mp_plan_migset_downs(t->a, t->c->start, t->c->desired, &t->c->renames, p, parts, t->fault,
                                          setp, &r->down_irreversible, &r->down_err);
        if (!r->down_rc && !r->down_irreversible) {
            r->down_rc = mp_exec_down(x, setp, &xc, setp->n, &rep, &r->down_err);
            struct mp_schema *s3 = NULL;
            struct mp_dataset *ds = mp_arena_alloc(t->a, sizeof *ds);
            if (!r->down_rc && !(r->down_rc = mp_backend_introspect(b, t->a, &s3, &r->down_err)) &&
                !(r->down_rc = mp_data_read(t->a, d, conn, s3, ds, &r->down_err))) {
                r->down_schema = s3;
                r->down_data = ds;
            }
        }
    }
    mp_target_close(x);
done:
    mp_backend_end(b);
    mp_buf_free(&ddl);
}

const struct mp_apply_result *mp_trial_apply(struct mp_trial *t, struct mp_backend *b)
{
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_apply_result *r = &t->res[d];
    if (t->applied[d])
        return r;
    t->applied[d] = true;
    r->invalid_step = r->failed_step = -1;
    struct mp_changeset *cs = mp_arena_alloc(t->a, sizeof *cs);
    r->changes = cs;
    r->data_before = &t->data;
    struct mp_plan *p = NULL;
    const struct mp_plan_options opt = {t->solver, t->fault};
    r->plan_rc = mp_case_plan(t->a, t->c, d, &opt, t->seed, cs, &p, NULL, &r->plan_err);
    if (r->plan_rc)
        return r;
    r->plan = p;
    for (size_t i = 0; i < p->n; i++)
        if (p->steps[i].invalid) {
            r->invalid_step = (long)i;
            break;
        }
    run_plan(t, b, r);
    return r;
}

struct keyed {
    uint64_t key;
    struct mp_op op;
};

static int cmp_keyed(const void *p, const void *q)
{
    uint64_t a = ((const struct keyed *)p)->key, b = ((const struct keyed *)q)->key;
    return (a > b) - (a < b);
}

void mp_changeset_scramble(struct mp_arena *a, struct mp_changeset *cs, uint64_t seed)
{
    struct keyed *v = mp_arena_alloc(a, (cs->n + 1) * sizeof *v);
    for (size_t i = 0; i < cs->n; i++) {
        struct mp_buf d = {0};
        mp_op_describe(&d, &cs->ops[i]);
        uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a over the description, keyed by the seed */
        for (const char *c = mp_buf_str(&d); *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        mp_buf_free(&d);
        struct mp_rng r;
        mp_rng_seed(&r, h);
        v[i].key = mp_rng_next(&r);
        v[i].op = cs->ops[i];
    }
    if (cs->n)
        qsort(v, cs->n, sizeof *v, cmp_keyed);
    for (size_t i = 0; i < cs->n; i++)
        cs->ops[i] = v[i].op;
}

static void failure_kind(const struct mp_apply_result *r, const char *prop, enum mp_dialect d, char *out)
{
    char what[64];
    if (strcmp(prop, "ordering_valid") != 0)
        snprintf(what, sizeof what, "check"); /* the property's own comparison failed */
    else if (r->plan_rc)
        snprintf(what, sizeof what, "plan:%d", r->plan_rc);
    else if (r->invalid_step >= 0)
        snprintf(what, sizeof what, "invalid");
    else if (r->setup_failed)
        snprintf(what, sizeof what, "setup:%s", r->db_err.sqlstate);
    else if (r->failed_step >= 0)
        snprintf(what, sizeof what, "db:%s", r->db_err.sqlstate);
    else
        snprintf(what, sizeof what, "check");
    snprintf(out, 160, "%s/%s/%s", prop, mp_dialect_name(d), what);
}

enum mp_verdict mp_check_case(const struct mp_case *c, const struct mp_dataset *data, uint64_t seed,
                              const struct mp_plan_options *plan, const struct mp_property *prop,
                              struct mp_backend *const bk[MP_NDIALECTS], enum mp_dialect d, struct mp_buf *diag,
                              char *kind, size_t *nops)
{
    struct mp_trial t = {.a = mp_arena_new(), .c = c, .needs = prop->needs, .backends = bk, .seed = seed,
                         .solver = plan->solver, .fault = plan->fault, .label = "shrink"};
    if (data)
        t.data = *data;
    enum mp_verdict v = prop->check(&t, bk[d], diag);
    kind[0] = 0;
    *nops = t.applied[d] && t.res[d].changes ? t.res[d].changes->n : 0;
    if (t.infra_error) {
        v = MP_DISCARD;
        snprintf(kind, 160, "infra");
    } else if (v == MP_FAIL) {
        failure_kind(&t.res[d], prop->name, d, kind);
    }
    mp_arena_free(t.a);
    return v;
}

/* ---- shrinking and case files ---- */

int mp_case_plan(struct mp_arena *a, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                 uint64_t seed, struct mp_changeset *cs, struct mp_plan **out, bool *diff_failed, struct mp_error *err)
{
    static const struct mp_plan_options defaults = {0};
    if (!opt)
        opt = &defaults;
    if (diff_failed)
        *diff_failed = false;
    memset(cs, 0, sizeof *cs);
    int rc = mp_diff(a, c->start, c->desired, &c->renames, d, cs, err);
    if (rc) {
        if (diff_failed)
            *diff_failed = true;
        return rc;
    }
    /* the solver never sees the order the change set was made in */
    mp_changeset_scramble(a, cs, seed);
    /* the naive-order fault is the naive solver under the default's name */
    struct mp_plan_options o = *opt;
    if (o.fault == MP_FAULT_NAIVE_ORDER)
        o.solver = MP_SOLVER_NAIVE;
    return mp_plan_build(a, c->start, cs, d, &o, out, err);
}

/* The plan of case c for dialect d as a script, and its change set as text. */
static void describe_case(struct mp_arena *a, const struct mp_case *c, enum mp_dialect d,
                          const struct mp_plan_options *opt, uint64_t seed, struct mp_buf *changes,
                          struct mp_buf *script)
{
    struct mp_changeset cs;
    struct mp_error e = {0};
    struct mp_plan *p;
    bool diff_failed;
    int rc = mp_case_plan(a, c, d, opt, seed, &cs, &p, &diff_failed, &e);
    if (diff_failed) {
        mp_buf_printf(script, "-- the change set could not be computed: %s\n", e.msg);
        return;
    }
    for (size_t i = 0; i < cs.n; i++) {
        mp_op_describe(changes, &cs.ops[i]);
        mp_buf_addc(changes, '\n');
    }
    if (rc)
        mp_buf_printf(script, "-- the solver could not plan the change set: %s\n", e.msg);
    else
        mp_plan_script(script, p);
}

void mp_case_trace(FILE *out, const struct mp_case *c, enum mp_dialect d, const struct mp_plan_options *opt,
                   uint64_t seed)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_changeset cs;
    struct mp_error e = {0};
    struct mp_plan *p;
    bool diff_failed;
    if (mp_case_plan(a, c, d, opt, seed, &cs, &p, &diff_failed, &e)) {
        fprintf(out, "# trace: %s: %s\n",
                diff_failed ? "the change set could not be computed" : "the solver could not plan the change set",
                e.msg);
        mp_arena_free(a);
        return;
    }
    fprintf(out, "# trace: %zu step%s on %s%s\n", p->n, p->n == 1 ? "" : "s", mp_dialect_name(d),
            p->sqlite_fk_off ? " (foreign keys off around the transaction)" : "");
    for (size_t i = 0; i < p->n; i++) {
        const struct mp_step *st = &p->steps[i];
        struct mp_buf b = {0};
        mp_op_describe(&b, &st->op);
        char *nl = strchr(b.s, '\n');
        if (nl)
            *nl = 0;
        fprintf(out, "# step %zu: %s\n", i + 1, mp_buf_str(&b));
        mp_buf_free(&b);
        if (st->why)
            fprintf(out, "#   %s\n", st->why);
        fprintf(out, "#   preconditions: %s\n", st->invalid ? st->invalid : "hold");
        for (const char *q = st->sql; *q;) {
            const char *e2 = strchr(q, '\n');
            size_t n = e2 ? (size_t)(e2 - q) : strlen(q);
            fprintf(out, "#   | %.*s\n", (int)n, q);
            q += n + (e2 ? 1 : 0);
        }
    }
    mp_arena_free(a);
}

/* Shrink the failure just recorded in pt, write the case file and the
 * standalone SQL next to it, and point the report at the minimal case. */
static void shrink_and_write(const struct mp_run_config *cfg, struct mp_point *pt, struct mp_trial *t,
                             const struct mp_property *prop, enum mp_dialect d, long trial_no)
{
    char kind[160];
    if (!t->applied[d])
        return;
    failure_kind(&t->res[d], prop->name, d, kind);
    struct mp_shrink_result sr;
    const struct mp_plan_options opt = {t->solver, t->fault};
    mp_shrink(t->a, t->c, &t->data, t->seed, &opt, prop, cfg->backends, d, kind,
              cfg->shrink_time > 0 ? cfg->shrink_time : 30.0, cfg->shrink_steps > 0 ? cfg->shrink_steps : 5000, &sr);
    const char *dir = cfg->out_dir ? cfg->out_dir : "migprop-failures";
    struct mp_error e = {0};
    if (mp_mkdir_p(dir, &e)) {
        fprintf(stderr, "migprop: %s\n", e.msg);
        return;
    }
    const char *base = trial_no >= 0 ? mp_arena_printf(t->a, "t%ld", trial_no)
                                     : (strrchr(t->label, '/') ? strrchr(t->label, '/') + 1 : t->label);
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".case") == 0)
        base = mp_arena_strndup(t->a, base, bl - 5);
    const char *path = mp_arena_printf(t->a, "%s/%s-%s-%016llx-%s.case", dir, prop->name, mp_dialect_name(d),
                                       (unsigned long long)cfg->seed, base);
    struct mp_casefile cf = {.c = sr.c, .data = sr.data, .has_rows = true};
    cf.meta.property = prop->name;
    cf.meta.backend = mp_dialect_name(d);
    cf.meta.solver = t->solver == MP_SOLVER_NAIVE ? "naive" : "default";
    cf.meta.seed = mp_arena_printf(t->a, "0x%016llx", (unsigned long long)cfg->seed);
    cf.meta.trial = trial_no;
    cf.meta.trial_seed = mp_arena_printf(t->a, "0x%016llx", (unsigned long long)t->seed);
    cf.meta.kind = kind;
    if (mp_casefile_write(path, &cf, &e)) {
        fprintf(stderr, "migprop: %s\n", e.msg);
        return;
    }
    /* standalone SQL: setup, rows, the failing migration */
    struct mp_buf sql = {0}, changes = {0}, script = {0};
    mp_buf_printf(&sql, "-- migprop repro of %s: %s on %s\n-- run: %s\n", path, prop->name, mp_dialect_name(d),
                  d == MP_SQLITE ? "sqlite3 :memory: < FILE" : "psql -v ON_ERROR_STOP=1 -f FILE");
    if (d == MP_POSTGRES)
        mp_buf_add(&sql, "DROP SCHEMA IF EXISTS migprop_repro CASCADE;\nCREATE SCHEMA migprop_repro;\n"
                         "SET search_path TO migprop_repro;\n");
    else
        mp_buf_add(&sql, ".bail on\n.dbconfig dqs_ddl off\n.dbconfig dqs_dml off\nPRAGMA foreign_keys=ON;\n");
    mp_sql_schema(&sql, sr.c.start, d, t->fault);
    mp_data_sql(&sql, &sr.data, d);
    describe_case(t->a, &sr.c, d, &opt, t->seed, &changes, &script);
    mp_buf_add(&sql, mp_buf_str(&script));
    /* what the property saw, for failures that are not an SQL error */
    mp_buf_add(&sql, "\n-- what migprop reported:\n");
    for (const char *q = sr.message[0] ? sr.message : pt->message; q && *q;) {
        const char *e2 = strchr(q, '\n');
        size_t n = e2 ? (size_t)(e2 - q) : strlen(q);
        mp_buf_printf(&sql, "--   %.*s\n", (int)n, q);
        q += n + (e2 ? 1 : 0);
    }
    const char *sql_path = mp_arena_printf(t->a, "%.*s.%s.sql", (int)(strlen(path) - 5), path,
                                           d == MP_SQLITE ? "sqlite" : "pg");
    FILE *f = fopen(sql_path, "w");
    if (f) {
        fputs(mp_buf_str(&sql), f);
        fclose(f);
    }
    /* the report shows the minimal case */
    struct mp_buf b = {0};
    free(pt->start);
    mp_schema_canonical(&b, sr.c.start, MP_CANON_NAMES);
    pt->start = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    free(pt->desired);
    mp_schema_canonical(&b, sr.c.desired, MP_CANON_NAMES);
    pt->desired = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    free(pt->renames);
    mp_renames_print(&b, &sr.c.renames);
    pt->renames = mp_xstrdup(mp_buf_str(&b));
    mp_buf_free(&b);
    free(pt->changes);
    pt->changes = mp_xstrdup(mp_buf_str(&changes));
    free(pt->sql);
    pt->sql = mp_xstrdup(mp_buf_str(&script));
    if (sr.message[0]) {
        free(pt->message);
        pt->message = mp_xstrdup(sr.message);
    }
    pt->case_path = mp_xstrdup(path);
    pt->shrunk_ops = sr.ops;
    pt->shrink_steps = sr.steps;
    pt->shrink_ms = sr.ms;
    mp_buf_free(&sql);
    mp_buf_free(&changes);
    mp_buf_free(&script);
}

/* ---- runs on a fresh, committed database by forked executors ---- */

static char fresh_dir[256];
static unsigned long fresh_counter;

static void fresh_cleanup(void)
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
            atexit(fresh_cleanup);
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
    setup_sql(t, d, &setup);
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

static void record_failure(struct mp_point *pt, struct mp_trial *t, const char *label, long trial,
                           const char *diag, enum mp_dialect d)
{
    pt->label = mp_xstrdup(label);
    pt->trial = trial;
    pt->trial_seed = t->seed;
    pt->message = mp_xstrdup(diag);
    struct mp_buf b = {0};
    mp_schema_canonical(&b, t->c->start, MP_CANON_NAMES);
    pt->start = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_schema_canonical(&b, t->c->desired, MP_CANON_NAMES);
    pt->desired = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    mp_renames_print(&b, &t->c->renames);
    pt->renames = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    const struct mp_apply_result *r = &t->res[d];
    if (t->applied[d] && r->changes) {
        for (size_t i = 0; i < r->changes->n; i++) {
            mp_op_describe(&b, &r->changes->ops[i]);
            mp_buf_addc(&b, '\n');
        }
        pt->changes = mp_xstrdup(mp_buf_str(&b));
        mp_buf_reset(&b);
    }
    if (t->applied[d] && r->plan) {
        mp_plan_script(&b, r->plan);
        pt->sql = mp_xstrdup(mp_buf_str(&b));
    }
    mp_buf_free(&b);
}

/* Run the trials k of [0, total) that `mine` selects (worker j of `nw`:
 * the j-th, (j+nw)-th, ... of the shard's trials), filling pts, timing and,
 * when `log` is given, log[point * total + k] with 'p', 'd' or 'f'. */
static int run_trials(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                      struct mp_timing *timing, unsigned worker, unsigned nw, char *log)
{
    int status = 0;
    unsigned long total = cfg->nfixed + (cfg->only_trial >= 0 ? 1 : cfg->iterations);
    unsigned long in_shard = 0, done = 0;
    /* the human format shows progress on a terminal (stderr, one line) */
    bool bar = cfg->format == MP_FORMAT_HUMAN && !log && isatty(2);
    for (unsigned long k = 0; k < total && status != 2; k++) {
        if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
            continue;
        if (in_shard++ % (nw ? nw : 1) != worker)
            continue;
        if (mp_pgcluster_interrupted()) {
            fprintf(stderr, "migprop: interrupted\n");
            status = 2;
            break;
        }
        struct mp_trial t = {.a = mp_arena_new(), .solver = cfg->solver, .fault = cfg->fault, .keep_dir = cfg->keep_dir,
                             .needs = needs, .backends = cfg->backends};
        struct mp_case gc;
        const char *label;
        long trial_no;
        char lbuf[64];
        if (k < cfg->nfixed) {
            t.c = &cfg->fixed[k].c;
            label = cfg->fixed[k].name;
            trial_no = -1;
            /* from the file's name, so adding a case shifts no other */
            const char *base = strrchr(label, '/') ? strrchr(label, '/') + 1 : label;
            uint64_t h = 1469598103934665603ULL;
            for (const char *q = base; *q; q++)
                h = (h ^ (unsigned char)*q) * 1099511628211ULL;
            t.seed = mp_trial_seed(h, 0);
        } else {
            trial_no = cfg->only_trial >= 0 ? cfg->only_trial : (long)(k - cfg->nfixed);
            t.seed = mp_trial_seed(cfg->seed, (uint64_t)trial_no);
            struct mp_rng rng;
            mp_rng_seed(&rng, t.seed);
            struct mp_error e = {0};
            if (mp_gen_case(t.a, &rng, mp_gen_size((unsigned long)trial_no), &gc, &e)) {
                fprintf(stderr, "migprop: trial %ld: %s\n", trial_no, e.msg);
                status = 2;
                mp_arena_free(t.a);
                break;
            }
            t.c = &gc;
            snprintf(lbuf, sizeof lbuf, "trial %ld", trial_no);
            label = lbuf;
        }
        t.label = k < cfg->nfixed ? label : mp_arena_printf(t.a, "trial-%ld", trial_no);
        if (!cfg->no_data) {
            /* rows from a stream of their own, so they never shift the case */
            struct mp_rng drng;
            mp_rng_seed(&drng, t.seed ^ 0xda7ada7ada7ada7aULL);
            size_t rows = trial_no < 0 ? 4 : 1 + (size_t)(trial_no / 10 < 11 ? trial_no / 10 : 11);
            mp_data_gen(t.a, &drng, t.c->start, t.c->desired, &t.c->renames, rows, &t.data);
        }
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_backend *b = cfg->backends[d];
            if (!b)
                continue;
            double t0 = mp_now();
            bool any = false;
            for (size_t i = 0; i < n; i++) {
                struct mp_point *pt = &pts[i];
                if (pt->backend != (enum mp_dialect)d || pt->skip || pt->fail)
                    continue;
                const struct mp_property *prop = NULL;
                for (size_t j = 0; j < cfg->nprops; j++)
                    if (cfg->props[j].name == pt->property)
                        prop = &cfg->props[j];
                struct mp_buf diag = {0};
                enum mp_verdict v = prop->check(&t, b, &diag);
                any = true;
                if (t.infra_error) {
                    fprintf(stderr, "migprop: %s on %s: %s\n", label, mp_dialect_name((enum mp_dialect)d), t.infra.msg);
                    status = 2;
                    mp_buf_free(&diag);
                    break;
                }
                if (log)
                    log[i * total + k] = v == MP_PASS ? 'p' : v == MP_DISCARD ? 'd' : 'f';
                if (v == MP_PASS)
                    pt->pass++;
                else if (v == MP_DISCARD)
                    pt->discard++;
                else {
                    pt->fail++;
                    record_failure(pt, &t, label, trial_no, mp_buf_str(&diag), (enum mp_dialect)d);
                    if (cfg->shrink)
                        shrink_and_write(cfg, pt, &t, prop, (enum mp_dialect)d, trial_no);
                    if (status == 0)
                        status = 1;
                }
                mp_buf_free(&diag);
            }
            if (any) {
                timing[d].trials++;
                timing[d].seconds += mp_now() - t0;
            }
        }
        mp_arena_free(t.a);
        if (bar) {
            size_t failing = 0;
            for (size_t i = 0; i < n; i++)
                failing += pts[i].fail ? 1 : 0;
            unsigned width = 30, fill = (unsigned)(++done * width / (total ? total : 1));
            fprintf(stderr, "\r[%.*s%*s] %lu/%lu trials, %zu failing", (int)fill, "##############################",
                    (int)(width - fill), "", done, total, failing);
            fflush(stderr);
        }
    }
    if (bar)
        fprintf(stderr, "\r%*s\r", 70, "");
    return status;
}

/* ---- worker processes (--jobs) ---- */

static void put(FILE *f, const void *p, size_t n)
{
    if (fwrite(p, 1, n, f) != n)
        mp_oom();
}

static void put_str(FILE *f, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0;
    put(f, &n, sizeof n);
    if (n)
        put(f, s, n);
}

static bool get(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n;
}

static char *get_str(FILE *f)
{
    uint32_t n;
    if (!get(f, &n, sizeof n) || !n)
        return NULL;
    char *s = malloc(n);
    if (!s)
        mp_oom();
    if (!get(f, s, n)) {
        free(s);
        return NULL;
    }
    s[n - 1] = 0;
    return s;
}

/* A worker's results: status, timing, the verdict log, each point's first
 * failure. */
static void write_results(FILE *f, int status, const struct mp_timing *timing, const char *log, size_t loglen,
                          const struct mp_point *pts, size_t n)
{
    put(f, &status, sizeof status);
    put(f, timing, MP_NDIALECTS * sizeof *timing);
    put(f, log, loglen);
    for (size_t i = 0; i < n; i++) {
        const struct mp_point *p = &pts[i];
        put(f, &p->fail, sizeof p->fail);
        if (!p->fail)
            continue;
        put(f, &p->trial, sizeof p->trial);
        put(f, &p->trial_seed, sizeof p->trial_seed);
        put(f, &p->shrunk_ops, sizeof p->shrunk_ops);
        put(f, &p->shrink_steps, sizeof p->shrink_steps);
        put(f, &p->shrink_ms, sizeof p->shrink_ms);
        const char *strs[9] = {p->label, p->message, p->changes, p->sql, p->start, p->desired, p->renames,
                               p->case_path, NULL};
        for (int k = 0; k < 8; k++)
            put_str(f, strs[k]);
    }
}

static int fresh_tmpfile(char *path, size_t cap)
{
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && access("/dev/shm", W_OK) == 0
                           ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    snprintf(path, cap, "%s/migprop-job-XXXXXX", base);
    return mkstemp(path);
}

static int run_jobs(const struct mp_run_config *cfg, struct mp_point *pts, size_t n, unsigned needs,
                    struct mp_timing *timing)
{
    unsigned nw = cfg->jobs;
    unsigned long total = cfg->nfixed + (cfg->only_trial >= 0 ? 1 : cfg->iterations);
    size_t loglen = n * total;
    char (*paths)[256] = calloc(nw, sizeof *paths);
    pid_t *pids = calloc(nw, sizeof *pids);
    if (!paths || !pids)
        mp_oom();
    fflush(NULL);
    double t0 = mp_now();
    for (unsigned j = 0; j < nw; j++) {
        int fd = fresh_tmpfile(paths[j], sizeof paths[j]);
        if (fd < 0) {
            fprintf(stderr, "migprop: temporary file: %s\n", strerror(errno));
            nw = j;
            break;
        }
        pids[j] = fork();
        if (pids[j] == 0) {
            char *log = calloc(loglen + 1, 1);
            struct mp_timing tm[MP_NDIALECTS] = {{0}};
            int st = run_trials(cfg, pts, n, needs, tm, j, cfg->jobs, log);
            FILE *f = fdopen(fd, "wb");
            if (f) {
                write_results(f, st, tm, log, loglen, pts, n);
                fclose(f);
            }
            fresh_cleanup();
            _exit(0);
        }
        close(fd);
    }
    int status = 0;
    char *logs = calloc((size_t)nw * loglen + 1, 1);
    struct mp_point *wp = calloc((size_t)nw * n + 1, sizeof *wp);
    if (!logs || !wp)
        mp_oom();
    for (unsigned j = 0; j < nw; j++) {
        int st = 0;
        while (waitpid(pids[j], &st, 0) < 0 && errno == EINTR)
            ;
        FILE *f = fopen(paths[j], "rb");
        int ws = 2;
        struct mp_timing tm[MP_NDIALECTS];
        if (!f || !get(f, &ws, sizeof ws) || !get(f, tm, sizeof tm) || !get(f, logs + (size_t)j * loglen, loglen)) {
            fprintf(stderr, "migprop: worker %u did not report\n", j + 1);
            ws = 2;
        } else {
            for (int d = 0; d < MP_NDIALECTS; d++)
                timing[d].trials += tm[d].trials;
            for (size_t i = 0; i < n; i++) {
                struct mp_point *p = &wp[(size_t)j * n + i];
                if (!get(f, &p->fail, sizeof p->fail) || !p->fail)
                    continue;
                get(f, &p->trial, sizeof p->trial);
                get(f, &p->trial_seed, sizeof p->trial_seed);
                get(f, &p->shrunk_ops, sizeof p->shrunk_ops);
                get(f, &p->shrink_steps, sizeof p->shrink_steps);
                get(f, &p->shrink_ms, sizeof p->shrink_ms);
                char **strs[8] = {&p->label, &p->message, &p->changes, &p->sql, &p->start, &p->desired, &p->renames,
                                  &p->case_path};
                for (int k = 0; k < 8; k++)
                    *strs[k] = get_str(f);
            }
        }
        if (f)
            fclose(f);
        unlink(paths[j]);
        if (ws > status)
            status = ws;
    }
    double wall = mp_now() - t0;
    for (int d = 0; d < MP_NDIALECTS; d++)
        timing[d].seconds = timing[d].trials ? wall : 0;
    /* merge in trial order: the report is the one a single process makes */
    for (size_t i = 0; i < n; i++) {
        struct mp_point *pt = &pts[i];
        if (pt->skip)
            continue;
        unsigned long in_shard = 0;
        for (unsigned long k = 0; k < total && !pt->fail; k++) {
            if (cfg->shard_count > 1 && k % cfg->shard_count != cfg->shard_index - 1)
                continue;
            unsigned j = (unsigned)(in_shard++ % cfg->jobs);
            if (j >= nw)
                continue;
            char v = logs[(size_t)j * loglen + i * total + k];
            if (v == 'p')
                pt->pass++;
            else if (v == 'd')
                pt->discard++;
            else if (v == 'f') {
                struct mp_point *src = &wp[(size_t)j * n + i];
                pt->fail = 1;
                pt->trial = src->trial;
                pt->trial_seed = src->trial_seed;
                pt->shrunk_ops = src->shrunk_ops;
                pt->shrink_steps = src->shrink_steps;
                pt->shrink_ms = src->shrink_ms;
                pt->label = src->label, src->label = NULL;
                pt->message = src->message, src->message = NULL;
                pt->changes = src->changes, src->changes = NULL;
                pt->sql = src->sql, src->sql = NULL;
                pt->start = src->start, src->start = NULL;
                pt->desired = src->desired, src->desired = NULL;
                pt->renames = src->renames, src->renames = NULL;
                pt->case_path = src->case_path, src->case_path = NULL;
                if (status == 0)
                    status = 1;
            }
        }
    }
    for (size_t i = 0; i < (size_t)nw * n; i++)
        mp_point_free(&wp[i]);
    free(wp);
    free(logs);
    free(paths);
    free(pids);
    return status;
}

int mp_run(const struct mp_run_config *cfg, FILE *out)
{
    size_t np = cfg->nprops * MP_NDIALECTS;
    unsigned needs = 0;
    for (size_t i = 0; i < cfg->nprops; i++)
        needs |= cfg->props[i].needs;
    struct mp_point *pts = calloc(np ? np : 1, sizeof *pts);
    if (!pts)
        mp_oom();
    size_t n = 0;
    /* points: property-major, sqlite then postgres */
    for (size_t i = 0; i < cfg->nprops; i++)
        for (int d = 0; d < MP_NDIALECTS; d++) {
            if (!cfg->backends[d] && !cfg->skip_reason[d])
                continue;
            pts[n].property = cfg->props[i].name;
            pts[n].backend = (enum mp_dialect)d;
            pts[n].skip = cfg->backends[d] ? NULL : cfg->skip_reason[d];
            n++;
        }
    struct mp_timing timing[MP_NDIALECTS] = {{0}};
    int status = cfg->jobs > 1 ? run_jobs(cfg, pts, n, needs, timing)
                               : run_trials(cfg, pts, n, needs, timing, 0, 1, NULL);
    mp_report(out, cfg->format, cfg, pts, n, timing);
    if (cfg->first_failure) {
        *cfg->first_failure = -1;
        for (size_t i = 0; i < n; i++)
            if (pts[i].fail && (*cfg->first_failure < 0 || pts[i].trial + 1 < *cfg->first_failure))
                *cfg->first_failure = pts[i].trial + 1;
    }
    for (size_t i = 0; i < n; i++)
        mp_point_free(&pts[i]);
    free(pts);
    return status;
}
