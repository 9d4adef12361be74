/* trial.c - a trial: its case applied through the executor on one backend
 * (memoised per backend, shared by every property), its accessors, and
 * mp_check_case() for the shrinker and `migprop replay`. */
#include "engine_int.h"
#include "dataread.h"
#include "executor.h"
#include "os.h"
#include "planmig.h"
#include "sql.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

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

const struct mp_dataset *mp_trial_rows(const struct mp_trial *t)
{
    return &t->data;
}

enum mp_fault mp_trial_fault(const struct mp_trial *t)
{
    return t->fault;
}

struct mp_backend *mp_trial_backend(struct mp_trial *t, enum mp_dialect d)
{
    return t->backends ? t->backends[d] : NULL;
}

double mp_phase_add(double *acc, double t0)
{
    double now = mp_now();
    *acc += now - t0;
    return now;
}

static size_t plan_parts(const struct mp_trial *t)
{
    return 1 + (size_t)(t->seed % 3);
}

void mp_trial_setup_sql(const struct mp_trial *t, enum mp_dialect d, struct mp_buf *b)
{
    mp_sql_schema(b, t->c->start, d, t->fault);
    mp_data_sql(b, &t->data, d);
}

/* Keep the SQLite database `db` as it is now (after the setup script) in
 * t->sqlite_setup: the fresh databases of exactly_once and atomic_on_kill
 * start from this image instead of running the script again (its pages,
 * as "The SQLite Database File Format" stores them, so a file with these
 * bytes is the same database).  Nothing is kept when SQLite cannot
 * serialize it (then the script runs). */
static void keep_setup_image(struct mp_trial *t, sqlite3 *db)
{
    sqlite3_int64 n = 0;
    unsigned char *img = sqlite3_serialize(db, "main", &n, 0);
    if (img && n > 0) {
        unsigned char *copy = mp_arena_alloc(t->a, (size_t)n);
        memcpy(copy, img, (size_t)n);
        t->sqlite_setup = copy;
        t->sqlite_setup_size = (size_t)n;
    }
    sqlite3_free(img);
}

/* The schema of b's database after a second run of the migrations: `got`
 * (the read-back after the first) when on SQLite its schema text is still
 * t->sqlite_got_text (fresh_same.c: the same text, the same read-back),
 * else read back.  Errors as mp_backend_introspect(). */
static int readback_again(struct mp_trial *t, struct mp_backend *b, const struct mp_schema *got,
                          const struct mp_schema **out, struct mp_error *err)
{
    if (mp_backend_dialect(b) == MP_SQLITE && mp_trial_schema_unchanged(t, mp_backend_conn(b))) {
        *out = got;
        return 0;
    }
    struct mp_schema *s = NULL;
    int rc = mp_backend_introspect(b, t->a, &s, err);
    *out = s;
    return rc;
}

static void run_plan(struct mp_trial *t, struct mp_backend *b, struct mp_apply_result *r)
{
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_phase_times *ph = &t->ph[d];
    double t0 = mp_now();
    struct mp_buf ddl = {0};
    mp_trial_setup_sql(t, d, &ddl);
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
    if (d == MP_SQLITE)
        keep_setup_image(t, mp_backend_conn(b));
    if ((t->needs & MP_NEED_DATA) && mp_setup_rows(t->a, d, mp_backend_conn(b), t->c->start, &t->data,
                                                   &r->data_before, &e)) {
        t->infra_error = true;
        t->infra = e;
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
    t0 = mp_phase_add(&ph->execute, t0);
    struct mp_schema *got = NULL;
    if (mp_backend_introspect(b, t->a, &got, &e)) {
        t->infra_error = true;
        t->infra = e;
        mp_target_close(x);
        goto done;
    }
    r->got = got;
    void *conn = mp_backend_conn(b);
    if (d == MP_SQLITE && (t->needs & (MP_NEED_FRESH | MP_NEED_RERUN)))
        t->sqlite_got_text = mp_sqlite_schema_text(conn, t->a);
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
    t0 = mp_phase_add(&ph->readback, t0);
    if ((t->needs & MP_NEED_RERUN)) {
        r->rerun_done = true;
        r->rerun_rc = mp_exec_up(x, setp, &xc, NULL, &rep, &r->rerun_err);
        r->rerun_applied = rep.applied;
        t0 = mp_phase_add(&ph->execute, t0);
        const struct mp_schema *s2 = NULL;
        struct mp_dataset *ds = mp_arena_alloc(t->a, sizeof *ds);
        if (!r->rerun_rc && !(r->rerun_rc = readback_again(t, b, r->got, &s2, &r->rerun_err)) &&
            !(r->rerun_rc = mp_data_read(t->a, d, conn, s2, ds, &r->rerun_err))) {
            r->rerun_schema = s2;
            r->rerun_data = ds;
        }
        t0 = mp_phase_add(&ph->readback, t0);
    }
    if ((t->needs & MP_NEED_DOWN)) {
        r->down_done = true;
        r->down_rc = mp_plan_migset_downs(t->a, t->c->start, t->c->desired, &t->c->renames, p, parts, t->fault,
                                          setp, &r->down_irreversible, &r->down_err);
        if (!r->down_rc && !r->down_irreversible) {
            r->down_rc = mp_exec_down(x, setp, &xc, setp->n, &rep, &r->down_err);
            t0 = mp_phase_add(&ph->execute, t0);
            struct mp_schema *s3 = NULL;
            struct mp_dataset *ds = mp_arena_alloc(t->a, sizeof *ds);
            if (!r->down_rc && !(r->down_rc = mp_backend_introspect(b, t->a, &s3, &r->down_err)) &&
                !(r->down_rc = mp_data_read(t->a, d, conn, s3, ds, &r->down_err))) {
                r->down_schema = s3;
                r->down_data = ds;
            }
            t0 = mp_phase_add(&ph->readback, t0);
        }
    }
    mp_target_close(x);
done:
    mp_backend_end(b);
    mp_buf_free(&ddl);
    mp_phase_add(&ph->execute, t0);
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
    double t0 = mp_now();
    r->plan_rc = mp_case_plan(t->a, t->c, d, &opt, t->seed, cs, &p, NULL, &r->plan_err);
    mp_phase_add(&t->ph[d].plan, t0);
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

enum mp_verdict mp_trial_unmodelled_discard(const struct mp_trial *t, enum mp_verdict v, struct mp_buf *diag)
{
    if (v != MP_PASS)
        return v;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        if (!t->applied[d])
            continue;
        const struct mp_apply_result *r = &t->res[d];
        const struct mp_schema *read[] = {r->got, r->rerun_schema, r->down_schema};
        for (size_t k = 0; k < sizeof read / sizeof read[0]; k++)
            if (read[k] && read[k]->nunmodelled) {
                mp_buf_reset(diag);
                mp_buf_printf(diag, "read back on %s: not modelled: %s", mp_dialect_name((enum mp_dialect)d),
                              read[k]->unmodelled[0].what);
                return MP_DISCARD;
            }
    }
    return v;
}

void mp_trial_failure_kind(const struct mp_apply_result *r, const char *prop, enum mp_dialect d, char *out)
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
    enum mp_verdict v = mp_trial_unmodelled_discard(&t, prop->check(&t, bk[d], diag), diag);
    kind[0] = 0;
    *nops = t.applied[d] && t.res[d].changes ? t.res[d].changes->n : 0;
    if (t.infra_error) {
        v = MP_DISCARD;
        snprintf(kind, 160, "infra");
    } else if (v == MP_FAIL) {
        mp_trial_failure_kind(&t.res[d], prop->name, d, kind);
    }
    mp_arena_free(t.a);
    return v;
}
