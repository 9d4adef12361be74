/* checks.c - the runner checks: random histories (up, a second up, down),
 * exactly-once under 4 concurrent runners, a failing migration, tampered
 * migrations, and ';' inside strings, comments and dollar quotes.  Each
 * reports one point per check (per tamper kind). */
#include "runnercheck_int.h"
#include "executor.h"
#include "planmig.h"
#include "sql.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* `up` with PRAGMA defer_foreign_keys=ON after its leading comment lines:
 * a runner that wraps the migration in its own transaction cannot turn
 * foreign keys off (the PRAGMA is a no-op inside a transaction, SQLite
 * "PRAGMA foreign_keys"), and deferring them to COMMIT lets the table
 * rebuild through.  After the comments, because the directives live there
 * (migdir.h: "in the leading comment lines") and a statement before them
 * would hide them. */
static const char *defer_fks(struct mp_arena *a, const char *up)
{
    const char *p = up;
    while (*p == '-' && p[1] == '-') {
        const char *e = strchr(p, '\n');
        p = e ? e + 1 : p + strlen(p);
    }
    return mp_arena_printf(a, "%.*sPRAGMA defer_foreign_keys=ON;\n%s", (int)(p - up), up, p);
}

/* A reference database: the same setup and migrations run by migprop's
 * own executor, in process (the properties hold it to the model). */
struct reference {
    struct mp_rc r;              /* a context of its own: another database */
    const struct mp_migset *set;
};

static int ref_open(struct mp_rc *c, struct reference *ref, const char *setup, const struct mp_migset *set,
                    struct mp_error *err)
{
    ref->r = *c;
    ref->r.setup = (struct mp_buf){0};
    ref->r.log = (struct mp_buf){0};
    ref->r.migs = NULL, ref->r.nmigs = ref->r.capmigs = 0;
    ref->set = set;
    int rc = mp_rc_fresh(&ref->r, err) || mp_rc_setup_sql(&ref->r, setup, err);
    c->n = ref->r.n;
    struct mp_target *t = NULL;
    struct mp_exec_report rep;
    struct mp_exec_config cfg = {0};
    if (!rc)
        rc = mp_target_open(c->d == MP_SQLITE ? mp_arena_printf(c->a, "sqlite:%s", ref->r.path) : ref->r.dsn, &t, err);
    if (!rc)
        rc = mp_exec_up(t, set, &cfg, NULL, &rep, err);
    mp_target_close(t);
    return rc ? MP_EDB : 0;
}

static int ref_down(struct mp_rc *c, struct reference *ref, size_t n, struct mp_error *err)
{
    struct mp_target *t = NULL;
    struct mp_exec_report rep;
    struct mp_exec_config cfg = {0};
    int rc = mp_target_open(c->d == MP_SQLITE ? mp_arena_printf(c->a, "sqlite:%s", ref->r.path) : ref->r.dsn, &t, err);
    if (!rc)
        rc = mp_exec_down(t, ref->set, &cfg, n, &rep, err);
    mp_target_close(t);
    return rc;
}

static const char *ref_state(struct mp_rc *c, struct reference *ref, struct mp_error *err)
{
    (void)c;
    return mp_rc_state(&ref->r, err);
}

static void ref_close(struct mp_rc *c, struct reference *ref)
{
    (void)c;
    mp_rc_drop_db(&ref->r);
    mp_buf_free(&ref->r.setup);
    mp_buf_free(&ref->r.log);
}

/* Random histories (the engine's generated cases, planned and split into
 * 1-3 migrations with downs): up reaches the desired schema, a second up
 * changes nothing, down (where every part has one) returns the start's
 * tables.  Stops at the first trial with a finding. */
int mp_rc_check_histories(struct mp_rc *c, unsigned long iterations, uint64_t seed)
{
    size_t before = c->nf;
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
        /* the engine's planning pipeline, as every trial of `migprop check` */
        struct mp_changeset ch;
        struct mp_plan *p;
        if (mp_case_plan(a, &cs, c->d, NULL, ts, &ch, &p, NULL, &e) || !p->n)
            continue;
        struct mp_rng drng;
        mp_rng_seed(&drng, ts ^ 0xda7ada7ada7ada7aULL);
        struct mp_dataset data;
        mp_data_gen(a, &drng, cs.start, cs.desired, &cs.renames, 3, &data);
        struct mp_buf setup = {0}, rows = {0};
        mp_sql_schema(&setup, cs.start, c->d, MP_FAULT_NONE);
        mp_data_sql(&rows, &data, c->d);
        const char *start_sql = mp_arena_strdup(a, mp_buf_str(&setup));
        const char *rows_sql = mp_arena_strdup(a, mp_buf_str(&rows));
        mp_buf_add(&setup, rows_sql);
        mp_buf_free(&rows);
        size_t parts = 1 + (size_t)(ts % 3);
        struct mp_migset set;
        struct mp_step_pos *pos;
        size_t irr = 0;
        int rc = mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, mp_buf_str(&setup), &e) ||
                 mp_plan_migset(a, p, parts, NULL, &set, &pos, &e) ||
                 mp_plan_migset_downs(a, cs.start, cs.desired, &cs.renames, p, parts, MP_FAULT_NONE, &set, &irr, &e);
        c->start_sql = start_sql, c->rows_sql = rows_sql;
        /* the reference: the same migrations through migprop's own executor */
        struct reference ref;
        if (!rc)
            rc = ref_open(c, &ref, mp_buf_str(&setup), &set, &e);
        mp_buf_free(&setup);
        if (rc) {
            fprintf(stderr, "migprop runner-check: trial %lu: %s\n", k, e.msg);
            mp_rc_drop_db(c);
            return 2;
        }
        for (size_t i = 0; i < set.n; i++) {
            /* a runner's own transaction wraps the migration: drop the
             * directive lines, keep the SQLite rebuild's requirements */
            const char *up = set.v[i].up.sql;
            if (set.v[i].up.fk_off && c->d == MP_SQLITE)
                up = defer_fks(a, up);
            if (mp_rc_write_mig(c, (unsigned)i + 1, "part", up, set.v[i].down.sql, false))
                return 2;
        }
        const char *out;
        int st = mp_rc_run(c, c->ad->up, &out);
        const struct mp_schema *got = st == 0 ? mp_rc_schema_now(c, &e) : NULL;
        struct mp_buf d = {0};
        if (st != 0)
            mp_rc_finding(c, "history",
                          mp_arena_printf(a, "trial %lu: up exited %d on a valid history of %zu migrations", k, st, set.n),
                          out);
        else if (!got || mp_schema_diff(&d, cs.desired, got))
            mp_rc_finding(c, "history",
                          mp_arena_printf(a, "trial %lu: after up the schema differs from the desired one:\n%s", k,
                                          mp_buf_str(&d)),
                          out);
        mp_buf_free(&d);
        if (c->nf == before) {
            const char *want = ref_state(c, &ref, &e);
            const char *now = mp_rc_state(c, &e);
            const char *diff = want && now ? mp_rc_state_diff(c, want, now) : NULL;
            if (diff)
                mp_rc_finding(c, "history",
                              mp_arena_printf(a, "trial %lu: after up the rows differ from migprop's executor's: %s", k,
                                              diff),
                              out);
        }
        if (c->nf != before) {
            ref_close(c, &ref);
            mp_rc_drop_db(c);
            break;
        }
        /* a second up does nothing */
        st = mp_rc_run(c, c->ad->up, &out);
        const struct mp_schema *again = st == 0 ? mp_rc_schema_now(c, &e) : NULL;
        if (st != 0 || !again || mp_schema_diff(&d, got, again))
            mp_rc_finding(c, "second_up",
                          mp_arena_printf(a, "trial %lu: a second up %s", k, st ? "failed" : "changed the schema"), out);
        mp_buf_free(&d);
        /* down to the start, where every part has a down */
        if (c->ad->down && !irr && c->nf == before) {
            for (size_t i = 0; i < set.n && st == 0; i++)
                st = mp_rc_run(c, c->ad->down, &out);
            if (st != 0) {
                mp_rc_finding(c, "down", mp_arena_printf(a, "trial %lu: down failed (exit %d)", k, st), out);
            } else if (!ref_down(c, &ref, set.n, &e)) {
                /* the full schema in canonical form and every row, against
                 * the same downs run by migprop's executor */
                const char *want = ref_state(c, &ref, &e);
                const char *now = mp_rc_state(c, &e);
                const char *diff = want && now ? mp_rc_state_diff(c, want, now) : NULL;
                if (diff)
                    mp_rc_finding(c, "down",
                                  mp_arena_printf(a, "trial %lu: after down the database differs from the start "
                                                     "(as migprop's executor leaves it): %s",
                                                  k, diff),
                                  out);
            }
        }
        ref_close(c, &ref);
        mp_rc_drop_db(c);
    }
    mp_rc_point(c, "history", before);
    return 0;
}

/* One round: 4 runners released at once on 20 migrations, each recording
 * its run in the database (migprop_runs).  Returns 0 (and *bad, *double_
 * apply, *what, *out when the round broke the contract), or 2. */
static int eo_round(struct mp_rc *c, bool notx, bool *bad, bool *double_apply, const char **what, const char **out)
{
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, "CREATE TABLE migprop_runs (v integer NOT NULL);", &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    for (unsigned i = 1; i <= 20; i++)
        if (mp_rc_write_mig(c, i, "m", mp_arena_printf(c->a, "INSERT INTO migprop_runs VALUES (%u);\n", i), NULL,
                            notx && i % 5 == 0))
            return 2;
    const char *cmd = mp_rc_expand(c, c->ad->up, true);
    for (int i = 0; i < 4; i++)
        mp_buf_printf(&c->log, "%s%s\n", c->ad->up, i < 3 ? " &" : "");
    int ok;
    const char *failed_out;
    mp_rc_run_together(c, cmd, 4, &ok, &failed_out);
    long runs = mp_rc_count(c, "SELECT count(*) FROM migprop_runs");
    long distinct = mp_rc_count(c, "SELECT count(DISTINCT v) FROM migprop_runs");
    *double_apply = runs > distinct;
    *bad = ok != 4 || runs != 20 || distinct != 20;
    *what = mp_arena_printf(c->a, "%d of 4 exited 0; 20 migrations ran %ld times (%ld distinct)", ok, runs, distinct);
    *out = failed_out ? failed_out : cmd;
    return 0;
}

/* Exactly once under concurrency, c->rounds rounds (`notx`: every 5th
 * migration outside a transaction): a finding if any round double-applies,
 * leaves a migration out or has a runner fail; the finding gives the rate
 * and keeps the first broken round's files. */
int mp_rc_check_exactly_once(struct mp_rc *c, bool notx)
{
    size_t before = c->nf;
    const char *name = notx ? "exactly_once_notx" : "exactly_once";
    unsigned rounds = c->rounds ? c->rounds : 1, nbad = 0, ndouble = 0;
    long first = -1;
    for (unsigned r = 0; r < rounds; r++) {
        bool bad, dbl;
        const char *what, *out;
        if (eo_round(c, notx, &bad, &dbl, &what, &out))
            return 2;
        nbad += bad;
        ndouble += dbl;
        if (bad && first < 0) {
            first = (long)c->nf;
            mp_rc_finding(c, name, mp_arena_printf(c->a, "round %u: %s", r + 1, what), out);
        }
        mp_rc_drop_db(c);
    }
    if (first >= 0)
        c->f[first].what = mp_arena_printf(c->a, "4 runners at once%s: double apply in %u/%u rounds, broken in %u/%u "
                                                 "(first, %s)",
                                           notx ? " (every 5th migration outside a transaction)" : "", ndouble,
                                           rounds, nbad, rounds, c->f[first].what);
    mp_rc_point(c, name, before);
    return 0;
}

/* A migration whose second statement fails leaves nothing behind, and
 * once fixed it is applied. */
int mp_rc_check_failing(struct mp_rc *c)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, "CREATE TABLE keep (id integer PRIMARY KEY, v text);\n"
                                                 "INSERT INTO keep VALUES (1, 'a'), (2, 'b');\n", &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    mp_rc_write_mig(c, 1, "a", "CREATE TABLE a (id integer PRIMARY KEY);\nUPDATE keep SET v = 'a1' WHERE id = 1;\n",
                    "DROP TABLE a;\n", false);
    mp_rc_write_mig(c, 2, "b",
                    "CREATE TABLE b (id integer PRIMARY KEY);\nDELETE FROM keep WHERE id = 2;\n"
                    "INSERT INTO missing VALUES (1);\n",
                    "DROP TABLE b;\n", false);
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    const struct mp_schema *s = mp_rc_schema_now(c, &e);
    long kept = mp_rc_count(c, "SELECT count(*) FROM keep WHERE (id = 1 AND v = 'a1') OR (id = 2 AND v = 'b')");
    if (st == 0)
        mp_rc_finding(c, "failing_migration", "a migration whose second statement fails: up exited 0", out);
    else if (!s || mp_schema_table(s, c->d, "b"))
        mp_rc_finding(c, "failing_migration", "a migration whose second statement fails left its first statement's table", out);
    else if (kept != 2)
        mp_rc_finding(c, "failing_migration",
                      "after a failed migration the rows are not those the migrations before it left (a row it "
                      "deleted is gone, or the one before it was undone)",
                      out);
    /* fix it and run again */
    struct mp_rc_mig *m2 = mp_rc_mig_find(c, 2);
    if (m2)
        mp_rc_mig_delete(c, m2);
    mp_rc_write_mig(c, 2, "b", "CREATE TABLE b (id integer PRIMARY KEY);\n", "DROP TABLE b;\n", false);
    st = mp_rc_run(c, c->ad->up, &out);
    s = st == 0 ? mp_rc_schema_now(c, &e) : NULL;
    if (c->nf == before && (st != 0 || !s || !mp_schema_table(s, c->d, "b")))
        mp_rc_finding(c, "failing_migration", "after fixing the failed migration, up does not apply it", out);
    mp_rc_drop_db(c);
    mp_rc_point(c, "failing_migration", before);
    return 0;
}

/* One tamper case on a fresh database: migrations 10, 20, 30 applied,
 * then `kind` done to the one at `pos` (0 oldest, 1 middle, 2 newest); up
 * must fail.  Returns 0, or 2. */
static int tamper_once(struct mp_rc *c, int kind, int pos, const char *check)
{
    static const char *const where[3] = {"the oldest", "a middle", "the newest"};
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    for (unsigned v = 10; v <= 30; v += 10)
        if (mp_rc_write_mig(c, v, mp_arena_printf(c->a, "m%u", v),
                            mp_arena_printf(c->a, "CREATE TABLE t%u (id integer PRIMARY KEY);\n", v),
                            mp_arena_printf(c->a, "DROP TABLE t%u;\n", v), false))
            return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    if (st != 0) {
        mp_rc_finding(c, check, mp_arena_printf(c->a, "the setup's up failed (exit %d)", st), out);
        mp_rc_drop_db(c);
        return 0;
    }
    struct mp_rc_mig *m = mp_rc_mig_find(c, 10 + 10 * (unsigned)pos);
    const char *what = NULL;
    if (kind == 0) {
        /* inside the up section: a runner may checksum only that */
        if (mp_rc_mig_edit(c, m))
            return 2;
        what = mp_arena_printf(c->a, "the up section of %s applied migration was edited; up exited 0 without a word",
                               where[pos]);
    } else if (kind == 1) {
        mp_rc_mig_delete(c, m);
        what = mp_arena_printf(c->a, "the files of %s applied migration were deleted; up exited 0 without a word",
                               where[pos]);
    } else if (kind == 2) {
        mp_rc_write_mig(c, 15, "older", "CREATE TABLE older (id integer PRIMARY KEY);\n", "DROP TABLE older;\n", false);
        what = "a new migration older than the newest applied one was applied silently";
    } else {
        mp_rc_write_mig(c, 40, "c", "CREATE TABLE c (id integer PRIMARY KEY);\n", "DROP TABLE c;\n", false);
        mp_rc_write_mig(c, 40, "c_again", "CREATE TABLE c2 (id integer PRIMARY KEY);\n", "DROP TABLE c2;\n", false);
        what = "two migrations share a version; up exited 0";
    }
    st = mp_rc_run(c, c->ad->up, &out);
    if (st == 0)
        mp_rc_finding(c, check, what, out);
    mp_rc_drop_db(c);
    return 0;
}

/* An applied migration edited or deleted (the oldest, a middle one, the
 * newest), an older version added, a version used twice: each must make
 * up fail.  One point per kind. */
int mp_rc_check_tamper(struct mp_rc *c, int kind)
{
    static const char *const kinds[4] = {"edited", "deleted", "out_of_order", "duplicate"};
    const char *check = mp_arena_printf(c->a, "tamper_%s", kinds[kind]);
    size_t before = c->nf;
    int npos = kind < 2 ? 3 : 1;
    for (int pos = 0; pos < npos && c->nf == before; pos++)
        if (tamper_once(c, kind, kind < 2 ? pos : 0, check))
            return 2;
    mp_rc_point(c, check, before);
    return 0;
}

/* ';' inside strings, comments, dollar quotes (PostgreSQL) and trigger
 * bodies (SQLite) is not a statement boundary. */
int mp_rc_check_semicolons(struct mp_rc *c)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    /* every row of t must end up with a ';' in s; each statement ends a
     * line with a ';' that is not its end */
    const char *up =
        c->d == MP_POSTGRES
            ? "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$\n"
              "BEGIN\n"
              "  RETURN 'a;b';\n"
              "END;\n"
              "$body$;\n"
              "INSERT INTO t VALUES (1, f()), (2, 'x;\n"
              "y'); -- a comment ending with a semicolon;\n"
              "/* block;\n"
              "comment; */ INSERT INTO t VALUES (3, $$it's;\n"
              "ok$$);\n"
              "DO $$\n"
              "BEGIN\n"
              "  INSERT INTO t VALUES (4, 'do;');\n"
              "END;\n"
              "$$;\n"
              "CREATE FUNCTION trg_f() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
              "BEGIN\n"
              "  NEW.s := NEW.s || ';';\n"
              "  RETURN NEW;\n"
              "END;\n"
              "$fn$;\n"
              "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW WHEN (NEW.id = 5) EXECUTE FUNCTION trg_f();\n"
              "INSERT INTO t VALUES (5, 'trigger');\n"
              "CREATE FUNCTION g() RETURNS text LANGUAGE sql\n"
              "BEGIN ATOMIC\n"
              "  SELECT 'atomic;';\n"
              "END;\n"
              "INSERT INTO t VALUES (6, g());\n"
            : "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE TRIGGER trg AFTER INSERT ON t WHEN new.id = 9\n"
              "BEGIN\n"
              "  UPDATE t SET s = 'a;b' WHERE id = 9;\n"
              "  UPDATE t SET s = CASE WHEN s IS NULL THEN 'none;' ELSE s || ';' END WHERE id = 9;\n"
              "END;\n"
              "INSERT INTO t VALUES (1, 'a;\n"
              "b'), (2, 'x;y'); -- a comment ending with a semicolon;\n"
              "/* block;\n"
              "comment; */ INSERT INTO t VALUES (3, 'it''s;\n"
              "ok'), (9, NULL);\n"
              "CREATE TRIGGER trg2 BEFORE INSERT ON t WHEN new.id = 10 BEGIN\n"
              "  SELECT 1;\n"
              "END;\n"
              "INSERT INTO t VALUES (10, 'ten;');\n";
    mp_rc_write_mig(c, 1, "semicolons", up, "DROP TABLE t;\n", false);
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    long n = st == 0 ? mp_rc_count(c, "SELECT count(*) FROM t WHERE s LIKE '%;%'") : -1;
    long want = c->d == MP_POSTGRES ? 6 : 5;
    if (st != 0 || n != want)
        mp_rc_finding(c, "semicolons",
                mp_arena_printf(c->a, "';' at the end of a line inside a string, a comment, %s: %s",
                                c->d == MP_POSTGRES ? "a dollar-quoted function and DO body, BEGIN ATOMIC"
                                                    : "a multi-line trigger body",
                                st ? "up failed" : mp_arena_printf(c->a, "%ld of %ld rows intact", n, want)),
                out);
    mp_rc_drop_db(c);
    mp_rc_point(c, "semicolons", before);
    return 0;
}
