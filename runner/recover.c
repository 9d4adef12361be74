/* recover.c - the recovery manager: how much of an unfinished migration
 * ran, found by replaying its statements one by one on a scratch database
 * until the scratch schema equals the live one; a plan from that (see
 * recover.h). */
#include "recover.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "os.h"
#include "runner_int.h"
#include "sqlscan.h"

static void add_step(struct mp_recover_plan *p, enum mp_recover_action a, const char *what, const char *risk,
                     bool loss)
{
    if (p->n < sizeof p->steps / sizeof p->steps[0])
        p->steps[p->n++] = (struct mp_recover_step){a, what, risk, loss};
}

/* The schema text of `t` into *out (malloc'd). */
static int schema_of(struct mp_target *t, mp_schema_text_fn fn, void *payload, struct mp_error *err, char **out)
{
    *out = NULL;
    return fn(t, t->table_name ? t->table_name : "migprop_migrations", out, payload, err);
}

/* Whether statement `st` of `sql` is of a kind that changes no schema: a
 * data statement or a query (its first keyword: INSERT, UPDATE, DELETE,
 * MERGE, SELECT, WITH, VALUES, TABLE, COPY, SET, ANALYZE, NOTIFY).  A
 * SELECT may call a function that changes the schema; then, had it run,
 * the live schema would match a later state, so counting it is safe. */
static bool changes_no_schema(const char *sql, const struct mp_sql_stmt *st)
{
    static const char *const kinds[] = {"INSERT", "UPDATE", "DELETE", "MERGE", "SELECT",  "WITH",
                                        "VALUES", "TABLE",  "COPY",   "SET",   "ANALYZE", "NOTIFY"};
    size_t pos = st->start;
    struct mp_sql_tok t;
    if (!mp_sql_next_token(sql, st->end, &pos, &t))
        return false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (mp_sql_tok_is(sql, &t, kinds[i]))
            return true;
    return false;
}

int mp_recover_inspect(struct mp_target *t, struct mp_target *scratch, const struct mp_migset *set,
                       const struct mp_exec_config *cfg, mp_schema_text_fn fn, void *payload, struct mp_arena *a,
                       struct mp_recover_plan *out, struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->ran = -1;
    struct mp_track_rows r = {0};
    struct mp_sql_stmt *sv = NULL;
    char *live = NULL, *cur = NULL;
    bool exists = false;
    mp_tracking_use(t, cfg);
    int rc = mp_tracking_exists(t, &exists, err);
    if (rc || !exists)
        goto out;
    if ((rc = mp_tracking_load(t, &r, err)))
        goto out;
    const struct mp_track_row *w = NULL;
    for (size_t i = 0; i < r.n; i++)
        if (!mp_tracking_is_applied(&r.v[i])) {
            if (w) {
                rc = mp_error_set(err, MP_EPRECOND,
                                  "records %s and %s are both unfinished; recover one at a time (migrate repair "
                                  "clears a record)",
                                  w->version, r.v[i].version);
                goto out;
            }
            w = &r.v[i];
        }
    if (!w)
        goto out; /* clean */
    size_t k = 0;
    while (k < set->n && strcmp(set->v[k].version, w->version) != 0)
        k++;
    if (k == set->n) {
        rc = mp_error_set(err, MP_EPRECOND, "the unfinished migration %s (%s) has no file in %s", w->version, w->name,
                          set->dir);
        goto out;
    }
    const struct mp_migration *m = &set->v[k];
    out->m = m;
    out->up = true;
    out->status = mp_arena_strdup(a, w->status);
    if (strcmp(w->status, "failed") == 0) {
        /* a migration in a transaction: rolled back, nothing of it stayed */
        out->ran = 0;
        out->finding = mp_arena_printf(a,
                                       "migration %s (%s) failed inside its transaction and was rolled back: "
                                       "the database is as before it.  Its error: %s",
                                       m->raw_version, m->up.path, w->error ? w->error : "(none recorded)");
        add_step(out, MP_RECOVER_RERUN, mp_arena_printf(a, "run migration %s again (after fixing it)", m->raw_version),
                 "low", false);
        add_step(out, MP_RECOVER_CLEAR, "clear the failed record, run nothing", "low", false);
        goto out;
    }
    /* the scratch database: every migration before m, then m statement by statement */
    struct mp_exec_config sc = {.table = cfg ? cfg->table : NULL, .lock_timeout_ms = 1000};
    struct mp_exec_report rep;
    if (k > 0 && (rc = mp_exec_up(scratch, set, &sc, set->v[k - 1].version, &rep, err))) {
        mp_error_prefix(err, "building the scratch database: ");
        goto out;
    }
    mp_tracking_use(scratch, &sc);
    if ((rc = schema_of(t, fn, payload, err, &live)) || (rc = schema_of(scratch, fn, payload, err, &cur)))
        goto out;
    const char *sql = m->up.sql ? m->up.sql : "";
    long ns = m->up.fn ? 0 : mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    out->nstmts = ns;
    long ran = strcmp(live, cur) == 0 ? 0 : -1;
    for (long i = 0; i < ns && ran < 0; i++) {
        char *one = mp_xstrndup(sql + sv[i].start, sv[i].end - sv[i].start);
        rc = mp_target_exec(scratch, m->up.path, m->up.line + sv[i].line - 1, one, err);
        free(one);
        if (rc) {
            mp_error_prefix(err, "replaying on the scratch database: ");
            goto out;
        }
        char *next;
        if ((rc = schema_of(scratch, fn, payload, err, &next)))
            goto out;
        free(cur);
        cur = next;
        if (strcmp(live, cur) == 0)
            ran = i + 1;
    }
    /* statements that change no schema (data, SELECT) cannot be told ran
     * or not: the first state that matches is `ran`, and the data
     * statements right after it are counted as ambiguous.  They are told
     * by their kind, not replayed: the statement that was running at the
     * kill may be a long backfill. */
    out->ran = ran;
    for (long i = ran; ran >= 0 && i < ns && changes_no_schema(sql, &sv[i]); i++)
        out->ambiguous++;
    if (ran == ns) {
        out->finding = mp_arena_printf(a,
                                       "the live schema equals the schema after all %ld statements of %s: it ran "
                                       "to its end, but its record still says '%s'",
                                       ns, m->up.path, w->status);
        add_step(out, MP_RECOVER_MARK, mp_arena_printf(a, "mark migration %s applied", m->raw_version), "low", false);
        if (m->reversible)
            add_step(out, MP_RECOVER_REVERT,
                     mp_arena_printf(a, "revert it: run its down (%s) and clear the record", m->down.path), "medium",
                     true);
    } else if (ran >= 0) {
        long amb = out->ambiguous, skip_to = ran + amb; /* 0-based index of the first statement after them */
        const char *why = "";
        if (amb == 1)
            why = mp_arena_printf(a,
                                  "; statement %ld (line %ld) changes no schema (data, a query), so whether it ran "
                                  "cannot be told",
                                  ran + 1, m->up.line + sv[ran].line - 1);
        else if (amb > 1)
            why = mp_arena_printf(a,
                                  "; statements %ld..%ld (lines %ld..%ld) change no schema (data, a query), so "
                                  "whether they ran cannot be told",
                                  ran + 1, skip_to, m->up.line + sv[ran].line - 1,
                                  m->up.line + sv[skip_to - 1].line - 1);
        out->finding = mp_arena_printf(
            a, "the live schema equals the schema after statement %ld of %ld of %s (line %ld is the first that %s)%s",
            ran, ns, m->up.path, m->up.line + sv[ran].line - 1, amb > 0 ? "may not have finished" : "did not finish",
            why);
        add_step(out, MP_RECOVER_FINISH,
                 mp_arena_printf(a, "finish it: run statements %ld..%ld (from line %ld), then record it applied%s",
                                 ran + 1, ns, m->up.line + sv[ran].line - 1,
                                 amb > 0 ? " (those that had run run twice)" : ""),
                 ran == 0 && amb == 0 ? "low" : "medium", false);
        if (ran == 0)
            add_step(out, MP_RECOVER_CLEAR,
                     amb > 0 ? "clear the record: nothing of it changed the schema (the statements that change "
                               "none may have run)"
                             : "clear the record: nothing of it ran, the database is as before it",
                     amb > 0 ? "medium" : "low", false);
        if (amb > 0 && skip_to < ns)
            add_step(out, MP_RECOVER_FINISH_SKIP,
                     mp_arena_printf(a,
                                     "finish it, taking %s as run: run statements %ld..%ld (from line %ld), then "
                                     "record it applied (if %s had not run, %s changes are missing)",
                                     amb == 1 ? mp_arena_printf(a, "statement %ld", ran + 1)
                                              : mp_arena_printf(a, "statements %ld..%ld", ran + 1, skip_to),
                                     skip_to + 1, ns, m->up.line + sv[skip_to].line - 1, amb == 1 ? "it" : "they",
                                     amb == 1 ? "its" : "their"),
                     "medium", true);
        if (ran > 0 && m->reversible)
            add_step(out, MP_RECOVER_REVERT,
                     mp_arena_printf(a, "revert it: run its down (%s), written for the whole migration, and clear "
                                        "the record", m->down.path),
                     "high", true);
        if (amb > 0 && skip_to == ns)
            add_step(out, MP_RECOVER_MARK,
                     "mark it applied as it is (its schema is complete; if the statements that change none had "
                     "not run, their changes are missing)",
                     "medium", true);
        else
            add_step(out, MP_RECOVER_MARK,
                     "mark it applied as it is (the schema then differs from what the migrations produce)", "high",
                     false);
    } else {
        out->finding = mp_arena_printf(a,
                                       "the live schema matches no state of %s (before it, after any of its %ld "
                                       "statements): it was changed by something else too",
                                       m->up.path, ns);
        add_step(out, MP_RECOVER_MARK, "mark it applied as it is, after fixing the schema by hand", "high", false);
        add_step(out, MP_RECOVER_CLEAR, "clear the record, after undoing its changes by hand", "high", true);
    }
out:
    free(live);
    free(cur);
    free(sv);
    mp_tracking_free(&r);
    return rc;
}

void mp_recover_print(FILE *out, const struct mp_recover_plan *p)
{
    if (!p->m) {
        fprintf(out, "nothing to recover: every record is applied\n");
        return;
    }
    fprintf(out, "migration %s %s: record '%s'\n%s\n", p->m->raw_version, p->m->name, p->status, p->finding);
    fprintf(out, "recovery plan (migrate recover --apply N):\n");
    for (size_t i = 0; i < p->n; i++)
        fprintf(out, "  %zu. %s [risk: %s; data loss: %s]\n", i + 1, p->steps[i].what, p->steps[i].risk,
                p->steps[i].data_loss ? "possible" : "none");
}

/* Run statements [from, n) of m's up section on t, one at a time. */
static int finish(struct mp_target *t, const struct mp_migration *m, long from, struct mp_error *err)
{
    const char *sql = m->up.sql ? m->up.sql : "";
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    int rc = 0;
    for (long i = from; i < ns && !rc; i++) {
        char *one = mp_xstrndup(sql + sv[i].start, sv[i].end - sv[i].start);
        rc = mp_target_exec(t, m->up.path, m->up.line + sv[i].line - 1, one, err);
        free(one);
    }
    free(sv);
    return rc;
}

int mp_recover_apply(struct mp_target *t, const struct mp_migset *set, const struct mp_exec_config *cfg,
                     const struct mp_recover_plan *p, size_t k, struct mp_error *err)
{
    if (!p->m || k < 1 || k > p->n)
        return mp_error_set(err, MP_EINVAL, "no step %zu in the recovery plan (it has %zu)", k, p->n);
    const struct mp_migration *m = p->m;
    enum mp_recover_action act = p->steps[k - 1].action;
    int rc = mp_lock_acquire(t, cfg, err);
    if (rc)
        return rc;
    t->fault = MP_FAULT_NONE;
    switch (act) {
    case MP_RECOVER_FINISH:
    case MP_RECOVER_FINISH_SKIP:
        if (!(rc = finish(t, m, p->ran + (act == MP_RECOVER_FINISH_SKIP ? p->ambiguous : 0), err)))
            rc = mp_tracking_record(t, m, "applied", 0, NULL, err);
        break;
    case MP_RECOVER_MARK:
        rc = mp_tracking_repair(t, m->version, m->checksum, true, err);
        break;
    case MP_RECOVER_REVERT:
        if (!(rc = mp_target_run_section(t, &m->down, true, err)))
            rc = mp_tracking_delete(t, m->version, err);
        break;
    case MP_RECOVER_CLEAR:
    case MP_RECOVER_RERUN:
        rc = mp_tracking_delete(t, m->version, err);
        break;
    }
    mp_lock_release(t);
    if (!rc && act == MP_RECOVER_RERUN) {
        struct mp_exec_report rep;
        rc = mp_exec_up(t, set, cfg, m->version, &rep, err);
    }
    return rc;
}
