/* checks_edge.c - the runner checks of edge cases: an empty (irreversible)
 * down, versions that sort differently as text and as numbers, a no-op
 * migration, a 10,000-statement migration, and exit codes.  Each reports
 * one point. */
#include "runnercheck_int.h"

#include <stdio.h>
#include <string.h>

/* A fresh database with `sql` run on it; 0, or 2 after a message. */
static int fresh_with(struct mp_rc *c, const char *sql)
{
    struct mp_error e = {0};
    if (mp_rc_fresh(c, &e) || (sql && mp_rc_setup_sql(c, sql, &e))) {
        fprintf(stderr, "migprop runner-check: %s\n", e.msg);
        return 2;
    }
    return 0;
}

/* The state now, or a stand-in that matches no real state. */
static const char *state(struct mp_rc *c)
{
    struct mp_error e = {0};
    const char *s = mp_rc_state(c, &e);
    return s ? s : mp_arena_printf(c->a, "(cannot read the database: %s)", e.msg);
}

/* A migration with an empty down: `down` either refuses (exit non-zero,
 * the database as after up, the migration still applied: a second up runs
 * nothing) or restores the schema and rows from before up.  Exiting 0 with
 * the table still there (the tracking row removed, nothing undone) is the
 * finding this exists for. */
int mp_rc_check_irreversible(struct mp_rc *c)
{
    const char *check = "irreversible_down";
    size_t before = c->nf;
    if (!c->ad->down) {
        mp_reporter_point(c->rep, &(struct mp_report_point){.result = MP_POINT_SKIP, .name = check,
                                                             .where = mp_arena_printf(c->a, "%s %s", c->ad->name,
                                                                                      mp_dialect_name(c->d)),
                                                             .note = "the adapter has no down"});
        return 0;
    }
    if (fresh_with(c, "CREATE TABLE migprop_runs (v integer NOT NULL);\n"
                      "CREATE TABLE keep (id integer PRIMARY KEY, v text);\n"
                      "INSERT INTO keep VALUES (1, 'a'), (2, 'b');\n"))
        return 2;
    if (mp_rc_write_mig(c, 1, "first", "CREATE TABLE first (id integer PRIMARY KEY);\n", "DROP TABLE first;\n", false) ||
        mp_rc_write_mig(c, 2, "oneway",
                        "CREATE TABLE oneway (id integer PRIMARY KEY);\nINSERT INTO keep VALUES (3, 'c');\n"
                        "INSERT INTO migprop_runs VALUES (2);\n",
                        NULL, false))
        return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    if (st != 0) {
        mp_rc_finding(c, check, mp_arena_printf(c->a, "the setup's up failed (exit %d)", st), out);
        goto done;
    }
    const char *after_up = state(c);
    st = mp_rc_run(c, c->ad->down, &out);
    const char *now = state(c);
    if (st == 0) {
        long t = mp_rc_count(c, "SELECT count(*) FROM keep WHERE id = 3");
        const char *diff = mp_rc_state_diff(c, after_up, now);
        if (!diff)
            mp_rc_finding(c, check,
                          "down of a migration with an empty down exited 0 and undid nothing: its table and rows stay "
                          "while it is no longer recorded as applied",
                          out);
        else if (t != 0 || strstr(now, "\"oneway\""))
            mp_rc_finding(c, check,
                          mp_arena_printf(c->a, "down of a migration with an empty down exited 0 but left part of it "
                                                "(%s)", diff),
                          out);
    } else {
        const char *diff = mp_rc_state_diff(c, after_up, now);
        if (diff) {
            mp_rc_finding(c, check,
                          mp_arena_printf(c->a, "down refused (exit %d) but changed the database: %s", st, diff), out);
        } else {
            st = mp_rc_run(c, c->ad->up, &out);
            long runs = mp_rc_count(c, "SELECT count(*) FROM migprop_runs WHERE v = 2");
            if (st != 0 || runs != 1)
                mp_rc_finding(c, check,
                              mp_arena_printf(c->a, "down refused but the migration no longer counts as applied: the "
                                                    "next up %s",
                                              st ? mp_arena_printf(c->a, "exited %d", st)
                                                 : mp_arena_printf(c->a, "ran it again (%ld runs)", runs)),
                              out);
        }
    }
done:
    mp_rc_drop_db(c);
    mp_rc_point(c, check, before);
    return 0;
}

/* Versions 0, 1, 02, 0003, 10, 100 and a 14-digit timestamp, written in
 * an order where text and numbers disagree: each runs once, in numeric
 * order (each migration records its rank). */
int mp_rc_check_versions(struct mp_rc *c)
{
    const char *check = "versions";
    size_t before = c->nf;
    if (c->ad->verfmt == MP_RC_VER_DIESEL) {
        mp_reporter_point(c->rep, &(struct mp_report_point){.result = MP_POINT_SKIP, .name = check,
                                                             .where = mp_arena_printf(c->a, "%s %s", c->ad->name,
                                                                                      mp_dialect_name(c->d)),
                                                             .note = "diesel versions are timestamps"});
        return 0;
    }
    if (fresh_with(c, c->d == MP_POSTGRES ? "CREATE TABLE migprop_order (seq serial PRIMARY KEY, r integer NOT NULL);\n"
                                          : "CREATE TABLE migprop_order (seq integer PRIMARY KEY, r integer NOT NULL);\n"))
        return 2;
    static const char *const vers[] = {"100", "0003", "20240101000000", "02", "10", "0", "1"};
    static const int rank[] = {5, 3, 6, 2, 4, 0, 1};
    for (unsigned i = 0; i < 7; i++)
        if (mp_rc_write_mig_raw(c, i + 1, vers[i], mp_arena_printf(c->a, "v%s", vers[i]),
                                mp_arena_printf(c->a, "INSERT INTO migprop_order (r) VALUES (%d);\n", rank[i]),
                                mp_arena_printf(c->a, "DELETE FROM migprop_order WHERE r = %d;\n", rank[i]), false))
            return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    if (st == 0)
        st = mp_rc_run(c, c->ad->up, &out);
    long n = mp_rc_count(c, "SELECT count(*) FROM migprop_order");
    long distinct = mp_rc_count(c, "SELECT count(DISTINCT r) FROM migprop_order");
    long inversions =
        mp_rc_count(c, "SELECT count(*) FROM migprop_order a JOIN migprop_order b ON a.seq < b.seq AND a.r > b.r");
    if (st != 0)
        mp_rc_finding(c, check, mp_arena_printf(c->a, "versions 0, 1, 02, 0003, 10, 100, 20240101000000: up exited %d", st),
                      out);
    else if (n != 7 || distinct != 7)
        mp_rc_finding(c, check,
                      mp_arena_printf(c->a, "versions 0, 1, 02, 0003, 10, 100, 20240101000000: %ld runs of %ld "
                                            "distinct migrations, expected 7 of 7",
                                      n, distinct),
                      out);
    else if (inversions != 0)
        mp_rc_finding(c, check,
                      mp_arena_printf(c->a, "versions 0, 1, 02, 0003, 10, 100, 20240101000000 ran out of numeric order "
                                            "(%ld pairs inverted)",
                                      inversions),
                      out);
    mp_rc_drop_db(c);
    mp_rc_point(c, check, before);
    return 0;
}

/* A migration with an empty up is applied like any other: up exits 0, the
 * migration after it runs, a second up runs nothing. */
int mp_rc_check_noop(struct mp_rc *c)
{
    const char *check = "noop_migration";
    size_t before = c->nf;
    if (fresh_with(c, "CREATE TABLE migprop_runs (v integer NOT NULL);\n"))
        return 2;
    if (mp_rc_write_mig(c, 1, "nothing", "", "", false) ||
        mp_rc_write_mig(c, 2, "after", "CREATE TABLE after_noop (id integer PRIMARY KEY);\n"
                                       "INSERT INTO migprop_runs VALUES (2);\n",
                        "DROP TABLE after_noop;\nDELETE FROM migprop_runs WHERE v = 2;\n", false))
        return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    int st2 = st == 0 ? mp_rc_run(c, c->ad->up, &out) : 0;
    long runs = mp_rc_count(c, "SELECT count(*) FROM migprop_runs");
    if (st != 0 || st2 != 0)
        mp_rc_finding(c, check, mp_arena_printf(c->a, "a migration with an empty up: %s up exited %d",
                                                st ? "the first" : "the second", st ? st : st2),
                      out);
    else if (runs != 1)
        mp_rc_finding(c, check,
                      mp_arena_printf(c->a, "after a migration with an empty up, the next migration ran %ld times", runs),
                      out);
    mp_rc_drop_db(c);
    mp_rc_point(c, check, before);
    return 0;
}

/* One migration of 10,000 statements. */
int mp_rc_check_long(struct mp_rc *c)
{
    const char *check = "long_migration";
    size_t before = c->nf;
    if (fresh_with(c, NULL))
        return 2;
    struct mp_buf b = {0};
    mp_buf_add(&b, "CREATE TABLE big (id integer PRIMARY KEY);\n");
    for (int i = 1; i < 10000; i++)
        mp_buf_printf(&b, "INSERT INTO big VALUES (%d);\n", i);
    int rc = mp_rc_write_mig(c, 1, "long", mp_buf_str(&b), "DROP TABLE big;\n", false);
    mp_buf_free(&b);
    if (rc)
        return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    long n = st == 0 ? mp_rc_count(c, "SELECT count(*) FROM big") : -1;
    if (st != 0 || n != 9999)
        mp_rc_finding(c, check,
                      st ? mp_arena_printf(c->a, "a migration of 10,000 statements: up exited %d", st)
                         : mp_arena_printf(c->a, "a migration of 10,000 statements: %ld of 9999 rows", n),
                      out);
    mp_rc_drop_db(c);
    mp_rc_point(c, check, before);
    return 0;
}

/* A failing up and a failing down exit non-zero: a runner that fails and
 * exits 0 hides every error from a deploy script. */
int mp_rc_check_exit_code(struct mp_rc *c)
{
    const char *check = "exit_code";
    size_t before = c->nf;
    if (fresh_with(c, NULL))
        return 2;
    if (mp_rc_write_mig(c, 1, "broken", "CREATE TABLE fine (id integer PRIMARY KEY);\nCREAT TABLE oops (id integer);\n",
                        "DROP TABLE fine;\n", false))
        return 2;
    const char *out;
    int st = mp_rc_run(c, c->ad->up, &out);
    if (st == 0)
        mp_rc_finding(c, check, "a migration with a syntax error: up exited 0", out);
    mp_rc_drop_db(c);
    if (c->nf == before && c->ad->down) {
        if (fresh_with(c, NULL))
            return 2;
        if (mp_rc_write_mig(c, 1, "baddown", "CREATE TABLE fine (id integer PRIMARY KEY);\n",
                            "DROP TABLE fine;\nDROP TABLE no_such_table;\n", false))
            return 2;
        st = mp_rc_run(c, c->ad->up, &out);
        if (st != 0)
            mp_rc_finding(c, check, mp_arena_printf(c->a, "the setup's up failed (exit %d)", st), out);
        else if ((st = mp_rc_run(c, c->ad->down, &out)) == 0)
            mp_rc_finding(c, check, "a down whose second statement fails: down exited 0", out);
        mp_rc_drop_db(c);
    }
    mp_rc_point(c, check, before);
    return 0;
}
