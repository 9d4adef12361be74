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
    for (size_t i = 0; i < set->nrep; i++)
        if (strcmp(set->rep[i].version, version) == 0)
            return &set->rep[i];
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
        if (mp_tracking_is_applied(&r->v[i]) && !mp_migversion_is_repeatable(r->v[i].version) &&
            (!hi || mp_migversion_cmp(set->format, r->v[i].version, hi) > 0))
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
        if (!m && cfg && cfg->fault == MP_FAULT_DELETED_IGNORED)
            continue; /* self-test fault */
        if (!m)
            add_problem(out, &n, "applied migration %s (%s) has no file in %s", w->version, w->name, set->dir);
        else if (!m->repeatable && strcmp(m->checksum, w->checksum) != 0 && !(cfg && cfg->fault == MP_FAULT_NO_CHECKSUM))
            add_problem(out, &n, "%s: changed after it was applied (applied checksum %s, file checksum %s)",
                        m->up.path, w->checksum, m->checksum);
    }
    const char *hi = newest_applied(set, r);
    if (hi && !(cfg && (cfg->allow_out_of_order || cfg->fault == MP_FAULT_OUT_OF_ORDER)))
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

/* Record m as failed with `msg` after its statements failed and their
 * transaction was rolled back: in a transaction of its own (a failure to
 * record is not the migration's error, which stays the one reported). */
static void record_failed(struct mp_target *t, const struct mp_migration *m, double ms, const char *msg)
{
    struct mp_error e2 = {0};
    if (mp_target_tx_begin(t, &e2))
        return;
    if (mp_tracking_record(t, m, "failed", (long)ms, msg, &e2))
        mp_target_tx_rollback(t);
    else
        mp_target_tx_commit(t, &e2);
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

/* Does section `sec` run on PostgreSQL with BEGIN, its statements and its
 * record in one query string (run_one())? */
static bool joinable(const struct mp_target *t, const struct mp_migsql *sec)
{
    return t->d == MP_POSTGRES && !sec->no_transaction && !sec->fn && sec->sql &&
           t->fault != MP_FAULT_NO_TRANSACTION && t->fault != MP_FAULT_SPLIT_SEMICOLON;
}

/* Run m up (`up`) or down.  On failure the error is recorded and MP_EDB
 * returned; `*skipped` when another runner applied it meanwhile.  The
 * hooks see BEFORE and then AFTER or ERROR, unless it was skipped. */
static int run_one(struct mp_target *t, const struct mp_exec_config *cfg, const struct mp_migration *m, bool up,
                   bool *skipped, double *ms_out, struct mp_error *err)
{
    const struct mp_migsql *orig = up ? &m->up : &m->down;
    bool notx = orig->no_transaction && !t->nested;
    bool began = false; /* the BEFORE hook was called */
    char *body = NULL;
    bool wrap_fkoff, fkoff = false;
    int rc;
    *skipped = false;
    *ms_out = 0;
    /* a BEGIN; ...; COMMIT; file runs its body in our transaction */
    struct mp_migsql wsec = *orig;
    const struct mp_migsql *sec = orig;
    if ((rc = mp_section_txcheck(orig, t->d, !notx, &body, &wrap_fkoff, err)))
        goto out;
    if (body) {
        wsec.sql = body;
        wsec.fk_off = wsec.fk_off || wrap_fkoff;
        sec = &wsec;
    }
    fkoff = sec->fk_off && t->d == MP_SQLITE;
    /* PostgreSQL: BEGIN, the statements and the record in one round trip
     * (mp_target_run_joined()), then COMMIT: not in the same string, so
     * that a runner killed while its statements run leaves a transaction
     * the server rolls back, as when each went alone, never one it commits
     * after the runner is gone.  A --group run (savepoints) and the
     * self-test faults that take the transaction or the statement
     * splitting away go the long way. */
    if (joinable(t, orig)) {
        hook(cfg, MP_EXEC_BEFORE, m, up, 0, NULL);
        began = true;
        long nrun = ++t->nrun;
        struct mp_buf suffix = {0};
        mp_tracking_record_sql(t, m, up, &suffix);
        bool ran = false;
        /* the COMMIT of the migration before, when it was left to this
         * string: it runs first, so that migration is committed before
         * this one's statements start (a kill while they run rolls back
         * this one alone), and the time of this one's statements is
         * taken after it (tracking.c) */
        bool carry = t->commit_pending;
        t->commit_pending = false;
        long nok = 0;
        double t0 = (mp_now() * 1e3);
        if (t->nested) {
            /* in the caller's transaction (--group): SAVEPOINT and the
             * statements, then the record and RELEASE, two round trips
             * where one by one they cost four.  Not one string: a syntax
             * error at the section's end would be reported at the glue,
             * and the caller's transaction, aborted, leaves no way to run
             * the section alone for its own message. */
            rc = mp_target_run_joined(t, sec,
                                      "SAVEPOINT migprop_migration;\n"
                                      "SELECT set_config('migprop.started', clock_timestamp()::text, true);\n",
                                      "", &ran, &nok, err);
            if (!rc) {
                mp_buf_add(&suffix, "RELEASE SAVEPOINT migprop_migration;\n");
                rc = mp_target_exec(t, "(tracking)", 1, mp_buf_str(&suffix), err);
            }
        } else {
            rc = mp_target_run_joined(t, sec,
                                      carry ? "COMMIT;\nBEGIN;\nSELECT set_config('migprop.started', "
                                              "clock_timestamp()::text, true);\n"
                                            : "BEGIN;\n",
                                      mp_buf_str(&suffix), &ran, &nok, err);
        }
        mp_buf_free(&suffix);
        double ms = (mp_now() * 1e3) - t0;
        *ms_out = ms;
        if (carry) {
            /* the COMMIT's fate first: the server refused the whole
             * string (its transaction, still open, is now aborted), or the
             * COMMIT itself failed, or it ran */
            PGTransactionStatusType ts = PQtransactionStatus(t->pg);
            t->carry = nok >= 1 ? MP_CARRY_OK : ts == PQTRANS_INERROR ? MP_CARRY_NOT_RUN : MP_CARRY_FAILED;
            if (t->carry != MP_CARRY_OK) {
                if (ts != PQTRANS_IDLE)
                    mp_target_tx_rollback(t);
                goto out; /* apply_list() sorts out both migrations */
            }
        }
        if (rc) {
            /* a string the server refused to parse began nothing (no
             * savepoint either: the rollback to it fails, and the
             * caller's aborted transaction is the caller's to end) */
            if (PQtransactionStatus(t->pg) != PQTRANS_IDLE)
                mp_target_tx_rollback(t);
            /* the statements failed: their failure is recorded, as below */
            if (!ran && up)
                record_failed(t, m, ms, err->msg);
            goto out;
        }
        if (t->nested)
            goto out; /* the caller commits */
        /* the statements and the record ran: the COMMIT is left to the
         * next migration's string (apply_list() commits the last) */
        if (t->defer_commit) {
            t->commit_pending = true;
            goto out;
        }
        /* fault injection: the statements and the record ran, nothing is
         * committed */
        if (cfg && cfg->kill_before_commit == nrun)
            raise(SIGKILL);
        if ((rc = mp_target_tx_commit(t, err)))
            mp_target_tx_rollback(t);
        else if (cfg && cfg->kill_after_commit == nrun)
            raise(SIGKILL);
        goto out;
    }
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
    /* (a repeatable migration runs again while recorded: its checksum
     * changed, and the run's flock keeps other runners out) */
    if (t->d == MP_SQLITE && t->fault != MP_FAULT_NO_LOCK && !m->repeatable) {
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
    if (!notx && !fkoff && (rc = mp_section_fkcheck(t, sec, err))) {
        mp_target_tx_rollback(t); /* refused before it ran: nothing to record */
        goto out;
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
            if (up)
                record_failed(t, m, ms, err->msg);
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
    free(body);
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

/* run_one(), tried again after a transient failure of a migration in a
 * transaction (rolled back, so nothing of it stayed) up to cfg->retries
 * times, each retry logged with its reason and wait (retry.c). */
static int run_with_retries(struct mp_target *t, const struct mp_exec_config *cfg, const struct mp_migration *m,
                            bool up, bool *skipped, double *ms, struct mp_error *err)
{
    unsigned retries = cfg ? cfg->retries : 0;
    uint64_t rng = cfg ? cfg->retry_seed : 0;
    bool notx = (up ? &m->up : &m->down)->no_transaction && !t->nested;
    int rc;
    for (t->attempt = 1;; t->attempt++) {
        t->fail_line = 0;
        rc = run_one(t, cfg, m, up, skipped, ms, err);
        /* a failed carried COMMIT is the migration before's (apply_list()) */
        if (t->carry == MP_CARRY_FAILED || t->carry == MP_CARRY_NOT_RUN)
            break;
        if (!rc || rc != MP_EDB || notx || t->nested || (unsigned)t->attempt > retries ||
            !mp_retry_is_transient(t, err))
            break;
        long wait = mp_retry_delay_ms((unsigned)t->attempt, cfg->retry_max_ms, &rng);
        log_line(cfg, "retry %ld/%u of %s %s in %ld ms: %s [%s]", t->attempt, retries, m->raw_version, m->name,
                 wait, err->msg, err->sqlstate);
        mp_retry_sleep_ms(wait);
        struct mp_error e2 = {0};
        if (mp_retry_reconnect(t, cfg, &e2)) {
            log_line(cfg, "retry of %s: %s", m->raw_version, e2.msg);
            continue; /* the next try fails fast and counts */
        }
        /* another runner may have applied it while this one waited */
        bool applied = false;
        if (up && !m->repeatable && !mp_tracking_applied_now(t, m->version, &applied, &e2) && applied) {
            *skipped = true;
            rc = 0;
            break;
        }
    }
    t->attempt = 0;
    return rc;
}

/* ---- commands ---- */

/* Take the lock and read the tracking table into *r.  `write`: the command
 * may change the database, so the table is created when missing; a
 * read-only one (status, verify, a dry run) creates nothing, and a missing
 * table means nothing applied. */
static int start_mode(struct mp_target *t, const struct mp_exec_config *cfg, bool write, struct mp_track_rows *r,
                      struct mp_error *err)
{
    memset(r, 0, sizeof *r);
    t->fault = cfg ? cfg->fault : MP_FAULT_NONE;
    bool exists = true;
    int rc = mp_tracking_name_check(cfg, err);
    if (rc)
        return rc;
    rc = mp_lock_acquire(t, cfg, err);
    if (!rc)
        rc = write ? mp_tracking_ensure(t, err) : mp_tracking_exists(t, &exists, err);
    if (!rc && exists)
        rc = mp_tracking_load(t, r, err);
    if (rc)
        mp_lock_release(t);
    return rc;
}

static int start(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_track_rows *r,
                 struct mp_error *err)
{
    return start_mode(t, cfg, !(cfg && cfg->dry_run), r, err);
}

/* --group: whether every migration of `list` can run inside the group's
 * transaction; MP_EINVAL naming the first that cannot (one outside a
 * transaction, or a SQLite one that turns foreign keys off, which is a
 * no-op inside a transaction: SQLite "PRAGMA foreign_keys"). */
static int group_check(const struct mp_target *t, const struct mp_migration *const *list, size_t n,
                       struct mp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct mp_migsql *sec = &list[i]->up;
        if (sec->no_transaction)
            return mp_error_set(err, MP_EINVAL,
                                "%s: --group: migration %s runs outside a transaction, so it cannot join the "
                                "group's; apply it without --group",
                                sec->path, list[i]->raw_version);
        char *body = NULL;
        bool wrap_fk = false;
        int rc = mp_section_txcheck(sec, t->d, true, &body, &wrap_fk, err);
        free(body);
        if (rc)
            return rc;
        if (t->d == MP_SQLITE && (sec->fk_off || wrap_fk))
            return mp_error_set(err, MP_EINVAL,
                                "%s: --group: migration %s turns foreign keys off, which SQLite can only do "
                                "outside a transaction (\"PRAGMA foreign_keys\" is a no-op inside one); apply it "
                                "without --group",
                                sec->path, list[i]->raw_version);
    }
    return 0;
}

/* --group (Flyway's `group`): whether the run's migrations go into one
 * transaction, each in a savepoint (the nested mode), committed once. */
static bool grouping(const struct mp_target *t, const struct mp_exec_config *cfg)
{
    return cfg && cfg->group && !cfg->dry_run && !t->nested;
}

static int group_begin(struct mp_target *t, struct mp_error *err)
{
    int rc = mp_target_tx_begin(t, err);
    if (!rc)
        t->nested = true;
    return rc;
}

/* End the group begun by group_begin() after its migrations returned
 * `rc`: commit it, or roll everything back, record the failure on the
 * migration that failed (rep->failed) and say that nothing was applied. */
static int group_end(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg, int rc,
                     struct mp_exec_report *rep, struct mp_error *err)
{
    t->nested = false;
    if (!rc && (rc = mp_target_tx_commit(t, err)))
        mp_error_prefix(err, "committing the group: ");
    if (!rc) {
        if (rep->applied)
            log_line(cfg, "committed the group of %zu migration%s", rep->applied, rep->applied == 1 ? "" : "s");
        return 0;
    }
    mp_target_tx_rollback(t);
    const struct mp_migration *m = rep->failed >= 0 ? &set->v[rep->failed] : NULL;
    struct mp_error e2 = {0};
    if (rc == MP_EDB && m && !mp_target_tx_begin(t, &e2)) {
        if (mp_tracking_record(t, m, "failed", 0, err->msg, &e2))
            mp_target_tx_rollback(t);
        else
            mp_target_tx_commit(t, &e2);
    }
    rep->applied = 0;
    rep->ms = 0;
    mp_error_prefix(err, "--group: nothing applied, the group was rolled back: ");
    return rc;
}

/* Count and log migration m, done (applied or reverted) in `ms`. */
static void done_one(struct mp_target *t, const struct mp_exec_config *cfg, struct mp_exec_report *rep,
                     const struct mp_migration *m, bool up, double ms)
{
    rep->ms += ms;
    if (up)
        rep->applied++;
    else
        rep->reverted++;
    log_line(cfg, "%s %s %s (%.1f ms)", up ? (t->nested && cfg && cfg->group ? "ran" : "applied") : "reverted",
             m->raw_version, m->name, ms);
}

/* m (one outside `set`, a repeatable, counts as -1) failed the run at
 * `line` (0: none). */
static void set_failed(struct mp_exec_report *rep, const struct mp_migset *set, const struct mp_migration *m,
                       long line)
{
    rep->failed = m >= set->v && m < set->v + set->n ? m - set->v : -1;
    rep->failed_line = line;
}

/* m's COMMIT failed with err: m is the run's failed migration. */
static void commit_failed(struct mp_exec_report *rep, const struct mp_migset *set, const struct mp_migration *m,
                          struct mp_error *err)
{
    mp_error_prefix(err, "committing %s %s: ", m->raw_version, m->name);
    set_failed(rep, set, m, 0);
}

/* COMMIT the transaction migration m left open (t->commit_pending).  On
 * failure it is rolled back and m is the run's failed migration. */
static int commit_pending(struct mp_target *t, const struct mp_migset *set, struct mp_exec_report *rep,
                          const struct mp_migration *m, struct mp_error *err)
{
    t->commit_pending = false;
    int rc = mp_target_tx_commit(t, err);
    if (rc) {
        if (PQtransactionStatus(t->pg) != PQTRANS_IDLE)
            mp_target_tx_rollback(t);
        commit_failed(rep, set, m, err);
    }
    return rc;
}

static int apply_list(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                      const struct mp_migration *const *list, size_t n, bool up, struct mp_exec_report *rep,
                      struct mp_error *err)
{
    if (cfg && cfg->group && up && !cfg->dry_run) {
        int rc = group_check(t, list, n, err);
        if (rc)
            return rc;
    }
    if (cfg && cfg->dry_run && n == 0)
        log_line(cfg, "nothing to %s", up ? "apply" : "revert");
    /* transaction control is refused before anything of the run is applied */
    for (size_t i = 0; i < n; i++) {
        const struct mp_migsql *sec = up ? &list[i]->up : &list[i]->down;
        char *body;
        bool fk;
        int rc = mp_section_txcheck(sec, t->d, !(sec->no_transaction && !t->nested), &body, &fk, err);
        free(body);
        if (rc) {
            rep->failed = list[i] - set->v;
            return rc;
        }
    }
    /* PostgreSQL: each migration's COMMIT rides at the head of the next
     * one's query string (run_one()), so a migration costs one round trip,
     * not two; a migration is counted and logged once its COMMIT is known
     * to have succeeded.  Not with hooks (AFTER promises a committed
     * record) or the kill faults, which stop at the COMMIT. */
    bool defer = t->d == MP_POSTGRES && !t->nested && !(cfg && (cfg->dry_run || cfg->hook ||
                                                               cfg->kill_before_commit || cfg->kill_after_commit));
    const struct mp_migration *pend = NULL; /* applied, its COMMIT pending */
    double pend_ms = 0;
    int rc = 0;
    t->defer_commit = defer;
    for (size_t i = 0; i < n && !rc; i++) {
        const struct mp_migration *m = list[i];
        if (cfg && cfg->dry_run) {
            log_line(cfg, "would %s %s %s (%s)%s", up ? "apply" : "revert", m->raw_version, m->name,
                     up ? m->up.path : m->down.path, (up ? m->up : m->down).no_transaction ? " [no transaction]" : "");
            rep->planned++;
            continue;
        }
        /* a migration that goes the long way commits the one before first */
        if (pend && !joinable(t, up ? &m->up : &m->down)) {
            rc = commit_pending(t, set, rep, pend, err);
            if (!rc)
                done_one(t, cfg, rep, pend, up, pend_ms);
            pend = NULL;
            if (rc)
                break;
        }
        bool skipped;
        double ms = 0;
        t->fail_line = 0;
        t->carry = MP_CARRY_NONE;
        rc = run_with_retries(t, cfg, m, up, &skipped, &ms, err);
        if (pend && t->carry == MP_CARRY_FAILED) {
            /* the COMMIT of the one before failed: that one is not applied */
            commit_failed(rep, set, pend, err);
            pend = NULL;
            break;
        }
        if (pend && t->carry == MP_CARRY_NOT_RUN) {
            /* the server refused this string before its COMMIT ran, and
             * the error aborted the one before's transaction: run that one
             * again alone, committed, then this one alone for its error */
            t->defer_commit = false;
            double ms2 = 0;
            t->fail_line = 0;
            t->carry = MP_CARRY_NONE;
            rc = run_with_retries(t, cfg, pend, up, &skipped, &ms2, err);
            if (rc) {
                set_failed(rep, set, pend, t->fail_line);
                pend = NULL;
                break;
            }
            if (!skipped)
                done_one(t, cfg, rep, pend, up, ms2);
            pend = NULL;
            t->fail_line = 0;
            rc = run_with_retries(t, cfg, m, up, &skipped, &ms, err);
            t->defer_commit = defer;
        } else if (pend && t->carry == MP_CARRY_OK) {
            done_one(t, cfg, rep, pend, up, pend_ms);
            pend = NULL;
        }
        if (rc) {
            set_failed(rep, set, m, t->fail_line);
            break;
        }
        if (skipped)
            continue;
        if (t->commit_pending) {
            pend = m;
            pend_ms = ms;
            continue;
        }
        done_one(t, cfg, rep, m, up, ms);
    }
    if (pend) {
        /* the last one's COMMIT; after a later migration failed before its
         * string went (so carried nothing), that failure stays the run's */
        struct mp_error e2 = {0};
        struct mp_exec_report r2 = *rep;
        int crc = commit_pending(t, set, rc ? &r2 : rep, pend, rc ? &e2 : err);
        if (!crc)
            done_one(t, cfg, rep, pend, up, pend_ms);
        else if (!rc)
            rc = crc;
        else
            log_line(cfg, "%s", e2.msg);
    }
    t->defer_commit = false;
    t->commit_pending = false;
    return rc;
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
            (!target || mp_migversion_cmp(set->format, set->v[i].version, target) <= 0) &&
            !(cfg && cfg->fault == MP_FAULT_SKIP_VERSION_0 && strcmp(set->v[i].version, "0") == 0)) /* self-test */
            list[n++] = &set->v[i];
    int rc = apply_list(t, set, cfg, list, n, true, rep, err);
    free(list);
    return rc;
}

/* Is repeatable migration m new or changed since it last ran? */
static bool outdated(const struct mp_track_rows *r, const struct mp_migration *m)
{
    const struct mp_track_row *w = mp_tracking_find(r, m->version);
    return !mp_tracking_is_applied(w) || strcmp(w->checksum, m->checksum) != 0;
}

/* Flyway's repeatable migrations, after every versioned one: each whose
 * checksum differs from the one recorded when it last ran (or that never
 * ran) runs again, in description order (Flyway docs, "Repeatable
 * migrations"). */
static int up_repeatables(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                          const struct mp_track_rows *r, struct mp_exec_report *rep, struct mp_error *err)
{
    const struct mp_migration **list = calloc(set->nrep + 1, sizeof *list);
    if (!list)
        mp_oom();
    size_t n = 0;
    for (size_t i = 0; i < set->nrep; i++)
        if (outdated(r, &set->rep[i]))
            list[n++] = &set->rep[i];
    int rc = n ? apply_list(t, set, cfg, list, n, true, rep, err) : 0;
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
    bool grp = grouping(t, cfg);
    if (grp && (rc = group_begin(t, err)))
        goto out;
    rc = up_to(t, set, cfg, &r, target, max, rep, err);
    if (!rc && !target && max == (size_t)-1 && set->nrep)
        rc = up_repeatables(t, set, cfg, &r, rep, err);
    if (grp)
        rc = group_end(t, set, cfg, rc, rep, err);
out:
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
static int down_list(const struct mp_migset *set, const struct mp_exec_config *cfg, const struct mp_track_rows *r,
                     const char *floor, size_t max, const struct mp_migration ***out, size_t *nout,
                     struct mp_error *err)
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
        if (mp_tracking_is_applied(&r->v[i]) && !mp_migversion_is_repeatable(r->v[i].version) &&
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
        if (!m->reversible && !(cfg && cfg->fault == MP_FAULT_EMPTY_DOWN_OK)) { /* self-test fault */
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
        rc = down_list(set, cfg, r, floor, max, &list, &nl, err);
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
    if (!rc && !zero && cfg && cfg->dry_run) {
        rc = up_to(t, set, cfg, &r, version, (size_t)-1, rep, err); /* the dry run reverted nothing */
    } else if (!rc && !zero) {
        struct mp_track_rows r2;
        if (!(rc = mp_tracking_load(t, &r2, err))) {
            bool grp = grouping(t, cfg);
            if (!grp || !(rc = group_begin(t, err))) {
                rc = up_to(t, set, cfg, &r2, version, (size_t)-1, rep, err);
                if (grp)
                    rc = group_end(t, set, cfg, rc, rep, err);
            }
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
    int rc = start_mode(t, cfg, false, &r, err);
    if (rc)
        return rc;
    struct mp_exec_entry *v = mp_arena_alloc(a, (set->n + set->nrep + r.n + 1) * sizeof *v);
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
            e->ms = w->ms;
            e->attempts = w->attempts;
        }
    }
    for (size_t i = 0; i < set->nrep; i++) {
        const struct mp_migration *m = &set->rep[i];
        const struct mp_track_row *w = mp_tracking_find(&r, m->version);
        struct mp_exec_entry *e = &v[k++];
        e->version = m->raw_version;
        e->name = m->name;
        e->m = m;
        e->applied = mp_tracking_is_applied(w);
        e->state = !w ? "pending" : !e->applied ? mp_arena_strdup(a, w->status) : outdated(&r, m) ? "outdated" : "applied";
        if (w) {
            e->applied_at = mp_arena_strdup(a, w->applied_at);
            e->checksum = mp_arena_strdup(a, w->checksum);
            e->error = mp_arena_strdup(a, w->error);
            e->ms = w->ms;
            e->attempts = w->attempts;
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
            e->ms = r.v[i].ms;
            e->attempts = r.v[i].attempts;
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
    int rc = start_mode(t, cfg, false, &r, err);
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
        const struct mp_migration *m = find_mig(set, w->version);
        if (mp_tracking_is_applied(w)) {
            /* --accept-edits: the edited file's checksum becomes the record's */
            if (cfg && cfg->accept_edits && m && !m->repeatable && strcmp(m->checksum, w->checksum) != 0) {
                if (!(rc = mp_tracking_repair(t, w->version, m->checksum, true, err))) {
                    if (out)
                        fprintf(out, "accepted the edit of %s %s (checksum %.12s -> %.12s)\n", w->version, w->name,
                                w->checksum, m->checksum);
                    n++;
                }
            }
            continue;
        }
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
