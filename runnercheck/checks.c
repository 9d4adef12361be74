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
        struct mp_buf setup = {0};
        mp_sql_schema(&setup, cs.start, c->d, MP_FAULT_NONE);
        mp_data_sql(&setup, &data, c->d);
        size_t parts = 1 + (size_t)(ts % 3);
        struct mp_migset set;
        struct mp_step_pos *pos;
        size_t irr = 0;
        int rc = mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, mp_buf_str(&setup), &e) ||
                 mp_plan_migset(a, p, parts, NULL, &set, &pos, &e) ||
                 mp_plan_migset_downs(a, cs.start, cs.desired, &cs.renames, p, parts, MP_FAULT_NONE, &set, &irr, &e);
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
            if (set.v[i].up.fk_off && c->ad->style != MP_STYLE_PAIRS)
                up = mp_arena_printf(a, "PRAGMA defer_foreign_keys=ON;\n%s", up);
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
        if (c->nf != before) {
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
            const struct mp_schema *back = st == 0 ? mp_rc_schema_now(c, &e) : NULL;
            /* column order aside: a dropped column comes back at the end */
            if (st != 0)
                mp_rc_finding(c, "down", mp_arena_printf(a, "trial %lu: down failed (exit %d)", k, st), out);
            else if (!back || back->ntables != cs.start->ntables)
                mp_rc_finding(c, "down", mp_arena_printf(a, "trial %lu: down did not return the start's tables", k), out);
        }
        mp_rc_drop_db(c);
    }
    mp_rc_point(c, "history", before);
    return 0;
}

/* 4 runners started together on 20 migrations each recording its run:
 * every runner exits 0 and each migration ran once (`notx`: every 5th
 * migration outside a transaction). */
int mp_rc_check_exactly_once(struct mp_rc *c, bool notx)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e) || mp_rc_setup_sql(c, "CREATE TABLE migprop_runs (v integer NOT NULL);", &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    for (unsigned i = 1; i <= 20; i++)
        if (mp_rc_write_mig(c, i, "m", mp_arena_printf(c->a, "INSERT INTO migprop_runs VALUES (%u);\n", i), NULL,
                      notx && i % 5 == 0))
            return 2;
    pid_t pids[4];
    const char *cmd = mp_rc_expand(c, c->ad->up, true);
    for (int i = 0; i < 4; i++) {
        pids[i] = mp_rc_spawn(c, cmd, mp_arena_printf(c->a, "%s/eo%d.log", c->work, i), false);
    }
    int ok = 0;
    const char *failed_out = NULL;
    for (int i = 0; i < 4; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        bool good = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        ok += good;
        if (!good && !failed_out) {
            FILE *f = fopen(mp_arena_printf(c->a, "%s/eo%d.log", c->work, i), "r");
            char buf[1200] = "";
            size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
            if (f)
                fclose(f);
            buf[k] = 0;
            failed_out = mp_arena_printf(c->a, "$ %s\n(runner %d of 4 exited %d)\n%s", cmd, i + 1,
                                         WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), buf);
        }
    }
    long runs = mp_rc_count(c, "SELECT count(*) FROM migprop_runs");
    long distinct = mp_rc_count(c, "SELECT count(DISTINCT v) FROM migprop_runs");
    const char *name = notx ? "exactly_once_notx" : "exactly_once";
    if (ok != 4 || runs != 20 || distinct != 20)
        mp_rc_finding(c, name,
                mp_arena_printf(c->a, "4 runners at once%s: %d exited 0; 20 migrations ran %ld times (%ld distinct)",
                                notx ? " (every 5th migration outside a transaction)" : "", ok, runs, distinct),
                failed_out ? failed_out : cmd);
    mp_rc_drop_db(c);
    mp_rc_point(c, name, before);
    return 0;
}

/* A migration whose second statement fails leaves nothing behind, and
 * once fixed it is applied. */
int mp_rc_check_failing(struct mp_rc *c)
{
    size_t before = c->nf;
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e)) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    mp_rc_write_mig(c, 1, "a", "CREATE TABLE a (id integer PRIMARY KEY);\n", "DROP TABLE a;\n", false);
    mp_rc_write_mig(c, 2, "b", "CREATE TABLE b (id integer PRIMARY KEY);\nINSERT INTO missing VALUES (1);\n", "DROP TABLE b;\n",
              false);
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    const struct mp_schema *s = mp_rc_schema_now(c, &e);
    if (st == 0)
        mp_rc_finding(c, "failing_migration", "a migration whose second statement fails: up exited 0", out);
    else if (!s || mp_schema_table(s, c->d, "b"))
        mp_rc_finding(c, "failing_migration", "a migration whose second statement fails left its first statement's table", out);
    /* fix it and run again */
    char *f2 = NULL;
    struct mp_migset set;
    if (!mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e) && set.n == 2)
        f2 = (char *)set.v[1].up.path;
    if (f2) {
        unlink(f2);
        if (c->ad->style == MP_STYLE_PAIRS) {
            char *down = mp_arena_printf(c->a, "%.*s.down.sql", (int)(strlen(f2) - 7), f2);
            unlink(down);
        }
    }
    mp_rc_write_mig(c, 2, "b", "CREATE TABLE b (id integer PRIMARY KEY);\n", "DROP TABLE b;\n", false);
    st = mp_rc_run(c, c->ad->up, &out);
    s = st == 0 ? mp_rc_schema_now(c, &e) : NULL;
    if (c->nf == before && (st != 0 || !s || !mp_schema_table(s, c->d, "b")))
        mp_rc_finding(c, "failing_migration", "after fixing the failed migration, up does not apply it", out);
    mp_rc_drop_db(c);
    mp_rc_point(c, "failing_migration", before);
    return 0;
}

/* An applied migration edited or deleted, an older version added, a
 * version used twice: each must make up fail.  One point per kind. */
int mp_rc_check_tamper(struct mp_rc *c)
{
    static const char *const kinds[4] = {"edited", "deleted", "out_of_order", "duplicate"};
    for (int k = 0; k < 4; k++) {
        size_t before = c->nf;
        struct mp_error e = {0};
        if (mp_rc_fresh(c, &e)) {
            fprintf(stderr, "migprop runner-check: %s\n", e.msg);
            return 2;
        }
        mp_rc_write_mig(c, 10, "a", "CREATE TABLE a (id integer PRIMARY KEY);\n", "DROP TABLE a;\n", false);
        mp_rc_write_mig(c, 20, "b", "CREATE TABLE b (id integer PRIMARY KEY);\n", "DROP TABLE b;\n", false);
        const char *out;
        int st = mp_rc_run(c, c->ad->up, &out);
        if (st != 0) {
            mp_rc_finding(c, mp_arena_printf(c->a, "tamper_%s", kinds[k]), "the setup's up failed", out);
            mp_rc_drop_db(c);
            mp_rc_point(c, mp_arena_printf(c->a, "tamper_%s", kinds[k]), before);
            continue;
        }
        struct mp_migset set;
        mp_migdir_read(c->a, c->dir, MP_MIGFMT_AUTO, &set, &e);
        const char *first = set.n ? set.v[0].up.path : "";
        if (k == 0) {
            FILE *f = fopen(first, "a");
            if (f) {
                fputs("\n-- edited after it was applied\n", f);
                fclose(f);
            }
            /* dbmate-style single files: the edit must be inside the up section */
        } else if (k == 1) {
            unlink(first);
            if (c->ad->style == MP_STYLE_PAIRS)
                unlink(mp_arena_printf(c->a, "%.*s.down.sql", (int)(strlen(first) - 7), first));
        } else if (k == 2) {
            mp_rc_write_mig(c, 15, "older", "CREATE TABLE older (id integer PRIMARY KEY);\n", "DROP TABLE older;\n", false);
        } else {
            mp_rc_write_mig(c, 30, "c", "CREATE TABLE c (id integer PRIMARY KEY);\n", "DROP TABLE c;\n", false);
            mp_rc_write_mig(c, 30, "c_again", "CREATE TABLE c2 (id integer PRIMARY KEY);\n", "DROP TABLE c2;\n", false);
        }
        st = mp_rc_run(c, c->ad->up, &out);
        const char *check = mp_arena_printf(c->a, "tamper_%s", kinds[k]);
        static const char *const what[4] = {
            "an applied migration was edited; up exited 0 without a word",
            "an applied migration's file was deleted; up exited 0 without a word",
            "a new migration older than the newest applied one was applied silently",
            "two migrations share a version; up exited 0",
        };
        if (st == 0)
            mp_rc_finding(c, check, what[k], out);
        mp_rc_drop_db(c);
        mp_rc_point(c, check, before);
    }
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
    const char *up =
        c->d == MP_POSTGRES
            ? "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN 'a;b'; END; $body$;\n"
              "INSERT INTO t VALUES (1, f()), (2, 'x;y'); -- a comment; with a semicolon\n"
              "/* block; comment */ INSERT INTO t VALUES (3, $$it's; ok$$);\n"
            : "CREATE TABLE t (id integer PRIMARY KEY, s text);\n"
              "CREATE TRIGGER trg AFTER INSERT ON t WHEN new.id = 9 BEGIN UPDATE t SET s = 'a;b' WHERE id = 9; END;\n"
              "INSERT INTO t VALUES (1, 'a;b'), (2, 'x;y'); -- a comment; with a semicolon\n"
              "/* block; comment */ INSERT INTO t VALUES (3, 'it''s; ok'), (9, NULL);\n";
    mp_rc_write_mig(c, 1, "semicolons", up, "DROP TABLE t;\n", false);
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    long n = st == 0 ? mp_rc_count(c, "SELECT count(*) FROM t WHERE s LIKE '%;%'") : -1;
    long want = c->d == MP_POSTGRES ? 3 : 4;
    if (st != 0 || n != want)
        mp_rc_finding(c, "semicolons",
                mp_arena_printf(c->a, "';' inside a string, a comment, %s: %s", c->d == MP_POSTGRES ? "a dollar quote" : "a trigger",
                                st ? "up failed" : mp_arena_printf(c->a, "%ld of %ld rows intact", n, want)),
                out);
    mp_rc_drop_db(c);
    mp_rc_point(c, "semicolons", before);
    return 0;
}
