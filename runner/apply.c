/* apply.c - the runner's commands: up, down, to, status, verify, repair;
 * the checks before a run and running one migration (see executor.h). */
#include "runner_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "os.h"

static const struct mp_migration *find_mig(const struct mp_migset *set, const char *version)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].version, version) == 0)
            return &set->v[i];
    return NULL;
}

/* ---- checks ---- */

static void add_problem(struct mp_buf *b, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_problem(struct mp_buf *b, size_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (b->len)
        mp_buf_addc(b, '\n');
    mp_buf_vprintf(b, fmt, ap);
    va_end(ap);
    (*n)++;
}

/* The newest applied version, or NULL. */
static const char *newest_applied(const struct mp_migset *set, const struct mp_track_rows *r)
{
    const char *hi = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (mp_tracking_is_applied(&r->v[i]) && (!hi || mp_migversion_cmp(set->format, r->v[i].version, hi) > 0))
            hi = r->v[i].version;
    return hi;
}

/* Dirty state, changed and missing applied migrations, out-of-order pending
 * ones (unless allowed); failed records too when `strict`. */
static size_t problems(const struct mp_migset *set, const struct mp_track_rows *r, const struct mp_exec_config *cfg,
                       bool strict, struct mp_buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct mp_track_row *w = &r->v[i];
        const struct mp_migration *m = find_mig(set, w->version);
        if (strcmp(w->status, "running") == 0 || strcmp(w->status, "dirty") == 0)
            add_problem(out, &n,
                        "the database is dirty: migration %s (%s) ran outside a transaction and did not finish%s%s; "
                        "fix the database by hand, then run `migprop migrate repair`",
                        w->version, m && m->up.path ? m->up.path : w->name, w->error ? ": " : "",
                        w->error ? w->error : "");
        else if (strict && strcmp(w->status, "failed") == 0)
            add_problem(out, &n, "migration %s (%s) failed and was rolled back: %s", w->version,
                        m && m->up.path ? m->up.path : w->name, w->error ? w->error : "");
        if (!mp_tracking_is_applied(w))
            continue;
        if (!m)
            add_problem(out, &n, "applied migration %s (%s) has no file in %s", w->version, w->name, set->dir);
        else if (strcmp(m->checksum, w->checksum) != 0)
            add_problem(out, &n, "%s: changed after it was applied (applied checksum %s, file checksum %s)",
                        m->up.path, w->checksum, m->checksum);
    }
    const char *hi = newest_applied(set, r);
    if (hi && !(cfg && cfg->allow_out_of_order))
        for (size_t i = 0; i < set->n; i++) {
            const struct mp_migration *m = &set->v[i];
            if (!mp_tracking_is_applied(mp_tracking_find(r, m->version)) &&
                mp_migversion_cmp(set->format, m->version, hi) < 0)
                add_problem(out, &n,
                            "%s: pending, but older than the newest applied migration %s "
                            "(apply it with --allow-out-of-order)",
                            m->up.path, hi);
        }
    return n;
}

/* ---- running one migration ---- */

static void log_line(const struct mp_exec_config *cfg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(const struct mp_exec_config *cfg, const char *fmt, ...)
{
    if (!cfg || !cfg->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(cfg->log, fmt, ap);
    va_end(ap);
    fputc('\n', cfg->log);
    fflush(cfg->log);
}

static void hook(const struct mp_exec_config *cfg, enum mp_exec_event ev, const struct mp_migration *m, bool up,
                 double ms, const char *error)
{
    if (!cfg || !cfg->hook)
        return;
    struct mp_exec_event_info info = {.m = m, .up = up, .ms = ms, .error = error};
    cfg->hook(ev, &info, cfg->hook_payload);
}

/* SQLite, after a migration that ran with foreign keys off: the first
 * violation left behind is an error (SQLite "ALTER TABLE" 7, step 10). */
static int fk_check(struct mp_target *t, struct mp_error *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->lite, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return mp_target_db_error(t, err, "PRAGMA foreign_key_check", NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        mp_error_set(err, MP_EDB, "PRAGMA foreign_key_check: a row of %s violates a foreign key to %s",
                     (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 2));
        snprintf(err->sqlstate, sizeof err->sqlstate, "%d", SQLITE_CONSTRAINT);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? MP_EDB
           : rc == SQLITE_DONE ? 0
                               : mp_target_db_error(t, err, "PRAGMA foreign_key_check", NULL);
}

/* Run m up (`up`) or down.  On failure the error is recorded and MP_EDB
 * returned; `*skipped` when another runner applied it meanwhile.  The
 * hooks see BEFORE and then AFTER or ERROR, unless it was skipped. */
static int run_one(struct mp_target *t, const struct mp_exec_config *cfg, const struct mp_migration *m, bool up,
                   bool *skipped, double *ms_out, struct mp_error *err)
{
    const struct mp_migsql *sec = up ? &m->up : &m->down;
    bool notx = sec->no_transaction && !t->nested;
    bool fkoff = sec->fk_off && t->d == MP_SQLITE;
    bool began = false; /* the BEFORE hook was called */
    int rc;
    *skipped = false;
    *ms_out = 0;
    bool in_tx_fault = t->fault == MP_FAULT_PRAGMA_IN_TX;
    if (fkoff && !in_tx_fault && (rc = mp_target_q(t, "PRAGMA foreign_keys=OFF", 0, NULL, err)))
        goto out;
    if ((rc = mp_target_tx_begin(t, err)))
        goto out;
    /* self-test fault: inside the transaction the PRAGMA is a no-op (SQLite
     * "PRAGMA foreign_keys") */
    if (fkoff && in_tx_fault && (rc = mp_target_q(t, "PRAGMA foreign_keys=OFF", 0, NULL, err))) {
        mp_target_tx_rollback(t);
        goto out;
    }
    /* SQLite: re-read under BEGIN IMMEDIATE's lock, another runner may
     * have done it (PostgreSQL's runners hold the advisory lock for the
     * whole run, so what was read at the start is still true) */
    bool done = false;
    if (t->d == MP_SQLITE && t->fault != MP_FAULT_NO_LOCK) {
        bool applied;
        if ((rc = mp_tracking_applied_now(t, m->version, &applied, err))) {
            mp_target_tx_rollback(t);
            goto out;
        }
        done = up ? applied : !applied;
    }
    if (done) {
        *skipped = true;
        rc = mp_target_tx_commit(t, err);
        goto out;
    }
    if (notx) {
        /* the 'running' mark is committed before the statements run */
        if (up)
            rc = mp_tracking_record(t, m, "running", 0, NULL, err);
        else
            rc = mp_tracking_mark_running(t, m->version, err);
        if (rc || (rc = mp_target_tx_commit(t, err))) {
            mp_target_tx_rollback(t);
            goto out;
        }
    }
    hook(cfg, MP_EXEC_BEFORE, m, up, 0, NULL);
    began = true;
    long nrun = ++t->nrun;
    double t0 = (mp_now() * 1e3);
    rc = mp_target_run_section(t, sec, notx, err);
    if (!rc && fkoff)
        rc = fk_check(t, err);
    double ms = (mp_now() * 1e3) - t0;
    *ms_out = ms;
    if (rc) {
        struct mp_error e2 = {0};
        if (notx) {
            mp_tracking_mark_dirty(t, m->version, err->msg, &e2);
        } else {
            mp_target_tx_rollback(t);
            if (up && !mp_target_tx_begin(t, &e2)) {
                if (mp_tracking_record(t, m, "failed", (long)ms, err->msg, &e2))
                    mp_target_tx_rollback(t);
                else
                    mp_target_tx_commit(t, &e2);
            }
        }
        goto out;
    }
    /* fault injection: the migration's statements ran, its record is not
     * written, nothing is committed */
    if (cfg && cfg->kill_before_commit == nrun)
        raise(SIGKILL);
    if (notx && (rc = mp_target_tx_begin(t, err)))
        goto out;
    if (up)
        rc = mp_tracking_record(t, m, "applied", (long)ms, NULL, err);
    else
        rc = mp_tracking_delete(t, m->version, err);
    if (rc || (rc = mp_target_tx_commit(t, err)))
        mp_target_tx_rollback(t);
    else if (cfg && cfg->kill_after_commit == nrun)
        raise(SIGKILL);
out:
    if (fkoff) {
        struct mp_error e3 = {0};
        mp_target_q(t, "PRAGMA foreign_keys=ON", 0, NULL, &e3);
    }
    if (rc) {
        if (!began)
            hook(cfg, MP_EXEC_BEFORE, m, up, 0, NULL);
        hook(cfg, MP_EXEC_ERROR, m, up, *ms_out, err->msg);
    } else if (!*skipped) {
        hook(cfg, MP_EXEC_AFTER, m, up, *ms_out, NULL);
    }
    return rc;
}

/* ---- commands ---- */

static int start(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_track_rows *r,
                 struct mp_error *err)
{
    t->fault = cfg ? cfg->fault : MP_FAULT_NONE;
    int rc = mp_lock_acquire(t, cfg, err);
    if (!rc)
        rc = mp_tracking_ensure(t, err);
    if (!rc)
        rc = mp_tracking_load(t, r, err);
    if (rc)
        mp_lock_release(t);
    return rc;
}

static int apply_list(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                      const struct mp_migration *const *list, size_t n, bool up, struct mp_exec_report *rep,
                      struct mp_error *err)
{
    if (cfg && cfg->dry_run && n == 0)
        log_line(cfg, "nothing to %s", up ? "apply" : "revert");
    for (size_t i = 0; i < n; i++) {
        const struct mp_migration *m = list[i];
        if (cfg && cfg->dry_run) {
            log_line(cfg, "would %s %s %s (%s)%s", up ? "apply" : "revert", m->raw_version, m->name,
                     up ? m->up.path : m->down.path, (up ? m->up : m->down).no_transaction ? " [no transaction]" : "");
            rep->planned++;
            continue;
        }
        bool skipped;
        double ms = 0;
        t->fail_line = 0;
        int rc = run_one(t, cfg, m, up, &skipped, &ms, err);
        if (rc) {
            rep->failed = m - set->v;
            rep->failed_line = t->fail_line;
            return rc;
        }
        if (skipped)
            continue;
        rep->ms += ms;
        if (up)
            rep->applied++;
        else
            rep->reverted++;
        log_line(cfg, "%s %s %s (%.1f ms)", up ? "applied" : "reverted", m->raw_version, m->name, ms);
    }
    return 0;
}

/* Apply the pending migrations up to `target` (NULL: all), at most `max`
 * of them, after the safety checks. */
static int up_to(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                 const struct mp_track_rows *r, const char *target, size_t max, struct mp_exec_report *rep,
                 struct mp_error *err)
{
    struct mp_buf pb = {0};
    size_t np = problems(set, r, cfg, false, &pb);
    if (np) {
        mp_error_set(err, MP_EPRECOND, "%s", mp_buf_str(&pb));
        mp_buf_free(&pb);
        return MP_EPRECOND;
    }
    mp_buf_free(&pb);
    const struct mp_migration **list = calloc(set->n + 1, sizeof *list);
    if (!list)
        mp_oom();
    size_t n = 0;
    for (size_t i = 0; i < set->n && n < max; i++)
        if (!mp_tracking_is_applied(mp_tracking_find(r, set->v[i].version)) &&
            (!target || mp_migversion_cmp(set->format, set->v[i].version, target) <= 0))
            list[n++] = &set->v[i];
    int rc = apply_list(t, set, cfg, list, n, true, rep, err);
    free(list);
    return rc;
}

static void report_init(struct mp_exec_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->failed = -1;
}

static int up_command(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                      const char *target, size_t max, struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = up_to(t, set, cfg, &r, target, max, rep, err);
    mp_tracking_free(&r);
    mp_lock_release(t);
    return rc;
}

int mp_exec_up(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *target, struct mp_exec_report *rep, struct mp_error *err)
{
    return up_command(t, set, cfg, target, (size_t)-1, rep, err);
}

int mp_exec_up_steps(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, size_t n,
                     struct mp_exec_report *rep, struct mp_error *err)
{
    return up_command(t, set, cfg, NULL, n, rep, err);
}

/* Applied migrations newer than `floor` (NULL: all), newest first, at most
 * `max`; refuses irreversible and file-less ones.  *out is malloc'd. */
static int down_list(const struct mp_migset *set, const struct mp_track_rows *r, const char *floor, size_t max,
                     const struct mp_migration ***out, size_t *nout, struct mp_error *err)
{
    const struct mp_migration **list = calloc(r->n + 1, sizeof *list);
    if (!list)
        mp_oom();
    size_t n = 0;
    /* applied rows, newest first */
    const struct mp_track_row **rv = calloc(r->n + 1, sizeof *rv);
    if (!rv)
        mp_oom();
    size_t nr = 0;
    for (size_t i = 0; i < r->n; i++)
        if (mp_tracking_is_applied(&r->v[i]) &&
            (!floor || mp_migversion_cmp(set->format, r->v[i].version, floor) > 0))
            rv[nr++] = &r->v[i];
    for (size_t i = 1; i < nr; i++) /* insertion sort, descending */
        for (size_t j = i; j > 0 && mp_migversion_cmp(set->format, rv[j - 1]->version, rv[j]->version) < 0; j--) {
            const struct mp_track_row *x = rv[j];
            rv[j] = rv[j - 1];
            rv[j - 1] = x;
        }
    int rc = 0;
    for (size_t i = 0; i < nr && n < max; i++) {
        const struct mp_migration *m = find_mig(set, rv[i]->version);
        if (!m) {
            rc = mp_error_set(err, MP_EPRECOND, "applied migration %s (%s) has no file in %s; nothing was reverted",
                              rv[i]->version, rv[i]->name, set->dir);
            break;
        }
        if (!m->reversible) {
            rc = mp_error_set(err, MP_EPRECOND,
                              "migration %s (%s) is irreversible: it has no down statements; nothing was reverted",
                              m->raw_version, m->up.path);
            break;
        }
        list[n++] = m;
    }
    free(rv);
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *nout = n;
    return 0;
}

/* Revert applied migrations newer than `floor` (NULL: all), newest first,
 * at most `max` of them, after the safety checks. */
static int revert(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                  const struct mp_track_rows *r, const char *floor, size_t max, struct mp_exec_report *rep,
                  struct mp_error *err)
{
    struct mp_buf pb = {0};
    int rc = 0;
    if (problems(set, r, cfg, false, &pb)) {
        rc = mp_error_set(err, MP_EPRECOND, "%s", mp_buf_str(&pb));
    } else {
        const struct mp_migration **list;
        size_t nl;
        rc = down_list(set, r, floor, max, &list, &nl, err);
        if (!rc) {
            rc = apply_list(t, set, cfg, list, nl, false, rep, err);
            free(list);
        }
    }
    mp_buf_free(&pb);
    return rc;
}

int mp_exec_down(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, size_t n,
                 struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = revert(t, set, cfg, &r, NULL, n, rep, err);
    mp_tracking_free(&r);
    mp_lock_release(t);
    return rc;
}

int mp_exec_to(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
               const char *version, struct mp_exec_report *rep, struct mp_error *err)
{
    report_init(rep);
    bool zero = strcmp(version, "0") == 0;
    if (!zero && !find_mig(set, version))
        return mp_error_set(err, MP_EINVAL, "no migration with version %s in %s", version, set->dir);
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    rc = revert(t, set, cfg, &r, zero ? NULL : version, (size_t)-1, rep, err);
    if (!rc && !zero) {
        struct mp_track_rows r2;
        if (!(rc = mp_tracking_load(t, &r2, err))) {
            rc = up_to(t, set, cfg, &r2, version, (size_t)-1, rep, err);
            mp_tracking_free(&r2);
        }
    }
    mp_tracking_free(&r);
    mp_lock_release(t);
    return rc;
}

int mp_exec_entries(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                    struct mp_arena *a, struct mp_exec_entry **out, size_t *n, struct mp_error *err)
{
    *out = NULL;
    *n = 0;
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    struct mp_exec_entry *v = mp_arena_alloc(a, (set->n + r.n + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < set->n; i++) {
        const struct mp_migration *m = &set->v[i];
        const struct mp_track_row *w = mp_tracking_find(&r, m->version);
        struct mp_exec_entry *e = &v[k++];
        e->version = m->raw_version;
        e->name = m->name;
        e->m = m;
        e->applied = mp_tracking_is_applied(w);
        e->state = !w              ? "pending"
                   : !e->applied   ? mp_arena_strdup(a, w->status)
                   : strcmp(w->checksum, m->checksum) != 0 ? "changed"
                                                           : "applied";
        if (w) {
            e->applied_at = mp_arena_strdup(a, w->applied_at);
            e->checksum = mp_arena_strdup(a, w->checksum);
            e->error = mp_arena_strdup(a, w->error);
        }
    }
    for (size_t i = 0; i < r.n; i++)
        if (!find_mig(set, r.v[i].version)) {
            struct mp_exec_entry *e = &v[k++];
            e->version = mp_arena_strdup(a, r.v[i].version);
            e->name = mp_arena_strdup(a, r.v[i].name);
            e->state = "no file";
            e->applied_at = mp_arena_strdup(a, r.v[i].applied_at);
            e->checksum = mp_arena_strdup(a, r.v[i].checksum);
            e->error = mp_arena_strdup(a, r.v[i].error);
            e->applied = mp_tracking_is_applied(&r.v[i]);
        }
    mp_tracking_free(&r);
    mp_lock_release(t);
    *out = v;
    *n = k;
    return 0;
}

int mp_exec_status(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                   struct mp_error *err)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_exec_entry *v;
    size_t n;
    int rc = mp_exec_entries(t, set, cfg, a, &v, &n, err);
    if (rc)
        goto out;
    size_t napplied = 0, npending = 0;
    fprintf(out, "%-20s %-10s %-24s %s\n", "version", "state", "applied_at", "name");
    for (size_t i = 0; i < n; i++) {
        const struct mp_exec_entry *e = &v[i];
        if (!e->m) {
            fprintf(out, "%-20s %-10s %-24s %s\n", e->version, e->state, e->applied_at, e->name);
            continue;
        }
        if (e->applied)
            napplied++;
        else
            npending++;
        fprintf(out, "%-20s %-10s %-24s %s%s\n", e->version, e->state, e->applied_at ? e->applied_at : "-", e->name,
                e->m->reversible ? "" : " (irreversible)");
    }
    fprintf(out, "%zu applied, %zu pending\n", napplied, npending);
out:
    mp_arena_free(a);
    return rc;
}

long mp_exec_verify(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                    struct mp_error *err)
{
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    struct mp_buf pb = {0};
    size_t n = problems(set, &r, cfg, true, &pb);
    if (n && out)
        fprintf(out, "%s\n", mp_buf_str(&pb));
    if (out)
        fprintf(out, "%zu problem%s\n", n, n == 1 ? "" : "s");
    mp_buf_free(&pb);
    mp_tracking_free(&r);
    mp_lock_release(t);
    return (long)n;
}

int mp_exec_repair_n(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                     size_t *repaired, struct mp_error *err)
{
    if (repaired)
        *repaired = 0;
    struct mp_track_rows r;
    int rc = start(t, cfg, &r, err);
    if (rc)
        return rc;
    bool mark = cfg && cfg->mark_applied;
    size_t n = 0;
    for (size_t i = 0; i < r.n && !rc; i++) {
        const struct mp_track_row *w = &r.v[i];
        if (mp_tracking_is_applied(w))
            continue;
        const struct mp_migration *m = find_mig(set, w->version);
        if (!(rc = mp_tracking_repair(t, w->version, m ? m->checksum : w->checksum, mark, err))) {
            if (out)
                fprintf(out, "%s %s %s (was %s)\n", mark ? "marked applied" : "cleared", w->version, w->name,
                        w->status);
            n++;
        }
    }
    if (!rc && out)
        fprintf(out, "%zu record%s repaired\n", n, n == 1 ? "" : "s");
    if (repaired)
        *repaired = n;
    mp_tracking_free(&r);
    mp_lock_release(t);
    return rc;
}

int mp_exec_repair(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, FILE *out,
                   struct mp_error *err)
{
    return mp_exec_repair_n(t, set, cfg, out, NULL, err);
}
