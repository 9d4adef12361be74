/* test_engine.c - unit tests of the engine's shrink core (search order,
 * restarts, dead ends, budgets, ownership), of the reporter's three
 * formats, of --jobs auto's limits and of each backend's time charged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "engine_int.h"
#include "report.h"
#include "shrink_core.h"

/* ---- shrink core: a list of ints that fails while it holds a 7 and a 9 ---- */

struct ints {
    size_t n;
    int v[16];
};

struct env {
    long live;              /* candidates allocated and not yet freed */
    size_t first_len;       /* length of the first candidate checked */
    long checks;
    size_t dead_end_at;     /* tactic 1 gives a dead end for this i (SIZE_MAX: never) */
    bool no_halves;         /* tactic 0 has no variants */
};

static struct ints *ints_new(struct env *e)
{
    struct ints *p = calloc(1, sizeof *p);
    assert_non_null(p);
    e->live++;
    return p;
}

static void *ints_copy(const void *cand, void *env)
{
    struct ints *p = ints_new(env);
    *p = *(const struct ints *)cand;
    return p;
}

static void ints_free(void *cand, void *env)
{
    ((struct env *)env)->live--;
    free(cand);
}

/* tactic 0: drop the first (i = 0) or second (i = 1) half; tactic 1: drop element i */
static enum mp_shrink_res ints_shrink(const void *cand, size_t tactic, uint64_t i, void **out, void *env)
{
    const struct ints *c = cand;
    struct env *e = env;
    if (tactic == 0) {
        if (i > 1 || c->n < 2 || e->no_halves)
            return MP_SHRINK_NO_MORE;
        struct ints *p = ints_new(e);
        size_t h = c->n / 2, from = i ? 0 : h, to = i ? h : c->n;
        for (size_t k = from; k < to; k++)
            p->v[p->n++] = c->v[k];
        *out = p;
        return MP_SHRINK_OK;
    }
    if (i >= c->n)
        return MP_SHRINK_NO_MORE;
    if (i == e->dead_end_at)
        return MP_SHRINK_DEAD_END;
    struct ints *p = ints_new(e);
    for (size_t k = 0; k < c->n; k++)
        if (k != i)
            p->v[p->n++] = c->v[k];
    *out = p;
    return MP_SHRINK_OK;
}

static bool ints_fails(void *cand, void *env)
{
    const struct ints *c = cand;
    struct env *e = env;
    if (!e->checks++)
        e->first_len = c->n;
    bool seven = false, nine = false;
    for (size_t k = 0; k < c->n; k++) {
        seven = seven || c->v[k] == 7;
        nine = nine || c->v[k] == 9;
    }
    return seven && nine;
}

static const struct mp_shrink_type ints_type = {
    .ntactics = 2, .shrink = ints_shrink, .same_failure = ints_fails, .copy = ints_copy, .free = ints_free};

static void shrink_finds_the_minimum(void **state)
{
    (void)state;
    struct env e = {.dead_end_at = SIZE_MAX};
    struct ints start = {8, {1, 7, 3, 4, 5, 9, 2, 8}};
    struct mp_shrink_stats st;
    struct ints *best = mp_shrink_search(&ints_type, &start, NULL, &e, &st);
    assert_int_equal(best->n, 2);
    assert_int_equal(best->v[0], 7);
    assert_int_equal(best->v[1], 9);
    /* largest step first: the first candidate is a half */
    assert_int_equal(e.first_len, 4);
    assert_int_equal(st.steps, e.checks);
    assert_true(st.accepted >= 1 && st.accepted <= st.steps);
    assert_false(st.cut_short);
    assert_int_equal(start.n, 8); /* the start is never changed */
    ints_free(best, &e);
    assert_int_equal(e.live, 0); /* every candidate but the result was freed */
}

static void shrink_skips_dead_ends(void **state)
{
    (void)state;
    /* single elements only, and dropping the first is a dead end: the 1
     * stays, and dead ends are not steps (3 checks, then 2 after the
     * restart) */
    struct env e = {.dead_end_at = 0, .no_halves = true};
    struct ints start = {4, {1, 7, 9, 2}};
    struct mp_shrink_stats st;
    struct ints *best = mp_shrink_search(&ints_type, &start, NULL, &e, &st);
    assert_int_equal(best->n, 3);
    assert_int_equal(best->v[0], 1);
    assert_int_equal(st.steps, 5);
    assert_int_equal(st.accepted, 1);
    ints_free(best, &e);
    assert_int_equal(e.live, 0);
}

static void shrink_keeps_to_its_budget(void **state)
{
    (void)state;
    struct env e = {.dead_end_at = SIZE_MAX};
    struct ints start = {8, {1, 7, 3, 4, 5, 9, 2, 8}};
    const struct mp_shrink_budget one = {0, 1};
    struct mp_shrink_stats st;
    struct ints *best = mp_shrink_search(&ints_type, &start, &one, &e, &st);
    assert_int_equal(st.steps, 1);
    assert_true(st.cut_short);
    assert_int_equal(best->n, 8); /* both halves pass: nothing smaller was found in one step */
    ints_free(best, &e);
    assert_int_equal(e.live, 0);
}

static void shrink_without_copy_returns_start(void **state)
{
    (void)state;
    struct env e = {.dead_end_at = SIZE_MAX};
    struct mp_shrink_type t = ints_type;
    t.copy = NULL;
    struct ints start = {2, {7, 9}};
    assert_ptr_equal(mp_shrink_search(&t, &start, NULL, &e, NULL), &start);
    assert_int_equal(e.live, 0);
}

/* ---- the reporter ---- */

/* The report the calls of `fn` make in format f. */
static char *report(enum mp_format f, const struct mp_report_meta *meta, void (*fn)(struct mp_reporter *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    struct mp_reporter *r;
    assert_int_equal(mp_reporter_open(&r, f, out, meta), 0);
    fn(r);
    assert_int_equal(mp_reporter_close(r), 0);
    fclose(out);
    return text;
}

static void some_points(struct mp_reporter *r)
{
    static const struct mp_report_field diag[] = {
        {"plain", "1", MP_FIELD_PLAIN},       {"single", "a b", MP_FIELD_SQUOTED},
        {"double", "x 'y'", MP_FIELD_DQUOTED}, {"block", "l1\nl2\n", MP_FIELD_BLOCK},
        {"empty", "", MP_FIELD_BLOCK},        {"none", NULL, MP_FIELD_PLAIN},
    };
    mp_reporter_plan(r, 3);
    mp_reporter_point(r, &(struct mp_report_point){.name = "p1", .where = "sqlite", .note = "2 passed"});
    mp_reporter_point(r, &(struct mp_report_point){.result = MP_POINT_SKIP, .name = "p2", .note = "no <db>"});
    mp_reporter_point(r, &(struct mp_report_point){.result = MP_POINT_FAIL, .name = "p3", .where = "postgres",
                                                    .diag = diag, .ndiag = 6, .message = "first & line\nsecond",
                                                    .human_line = "at trial 3", .human_text = "\ndetails\n"});
    mp_reporter_comment(r, "two\nlines");
}

static const struct mp_report_meta meta = {
    .title = "t 1", .header = (const char *const[]){"h", NULL}, .human_title = "T", .suite = "s<1>",
    .all_passed = "fine"};

static void tap_format(void **state)
{
    (void)state;
    char *t = report(MP_FORMAT_TAP, &meta, some_points);
    /* the plan first, then the title: tappy takes nothing before the plan */
    assert_string_equal(t, "TAP version 13\n1..3\n# t 1\n# h\n"
                           "ok 1 - p1 [sqlite]\n# 2 passed\n"
                           "ok 2 - p2 # SKIP no <db>\n"
                           "not ok 3 - p3 [postgres]\n  ---\n  plain: 1\n  single: 'a b'\n  double: \"x 'y'\"\n"
                           "  block: |\n    l1\n    l2\n  ...\n"
                           "# two\n# lines\n");
    free(t);
}

static void junit_format(void **state)
{
    (void)state;
    char *t = report(MP_FORMAT_JUNIT, &meta, some_points);
    assert_string_equal(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<testsuites name=\"migprop\" tests=\"3\" failures=\"1\" errors=\"0\" time=\"0.000\">\n"
                           "  <testsuite name=\"s&lt;1&gt;\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" "
                           "time=\"0.000\">\n"
                           "    <testcase classname=\"migprop.sqlite\" name=\"p1\" time=\"0.000\"><system-out>2 passed</system-out>"
                           "</testcase>\n"
                           "    <testcase classname=\"migprop\" name=\"p2\" time=\"0.000\"><skipped message=\"no &lt;db&gt;\"/>"
                           "</testcase>\n"
                           "    <testcase classname=\"migprop.postgres\" name=\"p3\" time=\"0.000\">\n"
                           "      <failure message=\"first &amp; line\" type=\"p3\">first &amp; line\nsecond</failure>\n"
                           "    </testcase>\n"
                           "  </testsuite>\n</testsuites>\n");
    free(t);
}

static void human_format(void **state)
{
    (void)state;
    char *t = report(MP_FORMAT_HUMAN, &meta, some_points);
    assert_string_equal(t, "T\n\n"
                           "  PASS  p1                   sqlite    2 passed\n"
                           "  SKIP  p2                             no <db>\n"
                           "  FAIL  p3                   postgres  at trial 3\n"
                           "\ndetails\n\ntwo\nlines\nFAILED\n");
    free(t);
}

static void only_passes(struct mp_reporter *r)
{
    mp_reporter_point(r, &(struct mp_report_point){.name = "p"});
    assert_int_equal(mp_reporter_points(r), 1);
    assert_int_equal(mp_reporter_failed(r), 0);
    mp_reporter_plan(r, 1);
}

static void plan_at_the_end_and_verdict(void **state)
{
    (void)state;
    char *t = report(MP_FORMAT_TAP, &(const struct mp_report_meta){0}, only_passes);
    /* planned at the end, written first */
    assert_string_equal(t, "TAP version 13\n1..1\nok 1 - p\n");
    free(t);
    t = report(MP_FORMAT_HUMAN, &meta, only_passes);
    assert_string_equal(t, "T\n\n  PASS  p                              \n\nfine\n");
    free(t);
}

/* Values no style can hold as asked are double-quoted with escapes; a
 * seed and a YAML 1.1 word never go plain; a block keeps one final
 * newline; an empty line of a block keeps the indentation. */
static void yaml_quoting(void **state)
{
    (void)state;
    const struct mp_report_field f[] = {
        {"seed", "0x0000000000000003", MP_FIELD_PLAIN}, {"word", "yes", MP_FIELD_PLAIN},
        {"path", "it's/a b", MP_FIELD_SQUOTED},          {"nl", "a\nb", MP_FIELD_SQUOTED},
        {"ctl", "q\"\\\x01", MP_FIELD_DQUOTED},         {"lead", " x\ny", MP_FIELD_BLOCK},
        {"block", "a\n\n  b\n\n", MP_FIELD_BLOCK},
    };
    struct mp_buf b = {0};
    assert_int_equal(mp_report_yaml(&b, f, sizeof f / sizeof *f), 0);
    assert_string_equal(mp_buf_str(&b), "  ---\n"
                                        "  seed: \"0x0000000000000003\"\n"
                                        "  word: \"yes\"\n"
                                        "  path: 'it''s/a b'\n"
                                        "  nl: \"a\\nb\"\n"
                                        "  ctl: \"q\\\"\\\\\\x01\"\n"
                                        "  lead: \" x\\ny\"\n"
                                        "  block: |\n    a\n    \n      b\n"
                                        "  ...\n");
    mp_buf_free(&b);
}

/* A pass over a read-back that holds what the model cannot represent is a
 * discard naming the object; other verdicts and clean read-backs stay. */
static void unmodelled_read_back_discards(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *got = mp_schema_new(a);
    struct mp_trial t = {.a = a};
    t.applied[MP_POSTGRES] = true;
    t.res[MP_POSTGRES].got = got;
    struct mp_buf diag = {0};
    assert_int_equal(mp_trial_unmodelled_discard(&t, MP_PASS, &diag), MP_PASS);
    mp_schema_note_unmodelled(a, got, "m", "table m: partitioned (PARTITION BY RANGE (d))");
    assert_int_equal(mp_trial_unmodelled_discard(&t, MP_FAIL, &diag), MP_FAIL);
    assert_int_equal(mp_trial_unmodelled_discard(&t, MP_PASS, &diag), MP_DISCARD);
    assert_string_equal(mp_buf_str(&diag), "read back on postgres: not modelled: table m: partitioned (PARTITION BY RANGE (d))");
    mp_buf_free(&diag);
    mp_arena_free(a);
}

/* ---- --jobs auto: the CPUs, capped, never more than the trials ---- */

static void jobs_auto_limits(void **state)
{
    (void)state;
    assert_int_equal(mp_jobs_auto_for(2, 100, false), 2);
    assert_int_equal(mp_jobs_auto_for(64, 100, false), MP_JOBS_AUTO_MAX);
    assert_int_equal(mp_jobs_auto_for(64, 100, true), MP_JOBS_AUTO_MAX_PG);
    assert_int_equal(mp_jobs_auto_for(3, 100, true), 3);
    assert_int_equal(mp_jobs_auto_for(8, 1, false), 1); /* --trial K: the serial path */
    assert_int_equal(mp_jobs_auto_for(8, 0, false), 1);
    assert_int_equal(mp_jobs_auto_for(0, 100, false), 1);
    assert_true(mp_jobs_cpus() >= 1);
}

/* ---- a check's time: another backend's work is that backend's ---- */

static void charge_to_the_backend_that_worked(void **state)
{
    (void)state;
    struct mp_point pts[3] = {
        {.property = "dialect_agreement", .backend = MP_SQLITE},
        {.property = "ordering_valid", .backend = MP_POSTGRES},
        {.property = "dialect_agreement", .backend = MP_POSTGRES},
    };
    struct mp_trial t = {0};
    struct mp_carry carry = {0};
    struct mp_charge c;
    /* dialect_agreement [sqlite]: 1 s of SQLite execution and 5 s of
     * PostgreSQL's by the timers, 10 ms by the clock: all of the clock's
     * time is PostgreSQL's, none is left to the point */
    mp_charge_begin(&c, &t);
    t.ph[MP_SQLITE].execute += 1;
    t.ph[MP_POSTGRES].plan += 0.5, t.ph[MP_POSTGRES].execute += 4, t.ph[MP_POSTGRES].readback += 0.5;
    usleep(10 * 1000);
    mp_charge_end(&c, &t, &pts[0], &carry);
    assert_true(pts[0].phases.execute == 1 && pts[0].phases.plan == 0 && pts[0].phases.readback == 0);
    assert_true(pts[0].phases.compare == 0 && pts[0].seconds == 0);
    assert_string_equal(carry.property[MP_POSTGRES], "dialect_agreement");
    /* ordering_valid [postgres], the first PostgreSQL point after it, reuses it */
    mp_charge_begin(&c, &t);
    mp_charge_end(&c, &t, &pts[1], &carry);
    assert_true(pts[1].phases.plan == 0.5 && pts[1].phases.execute == 4 && pts[1].phases.readback == 0.5);
    assert_true(pts[1].seconds >= 5);
    assert_null(carry.property[MP_POSTGRES]);
    mp_carry_settle(&carry, pts, 3);
    assert_true(pts[2].phases.execute == 0);
    /* nothing checked on PostgreSQL after it: the same property's point there */
    mp_charge_begin(&c, &t);
    t.ph[MP_POSTGRES].execute += 2;
    mp_charge_end(&c, &t, &pts[0], &carry);
    mp_carry_settle(&carry, pts, 3);
    assert_true(pts[2].phases.execute == 2 && pts[2].seconds >= 2);
    assert_null(carry.property[MP_POSTGRES]);
    /* the trials lines are the sums of the phases */
    struct mp_timing tm[MP_NDIALECTS] = {{0}};
    mp_timing_from_phases(tm, pts, 3);
    double pg = 0;
    for (int i = 1; i < 3; i++)
        pg += pts[i].phases.plan + pts[i].phases.execute + pts[i].phases.readback + pts[i].phases.compare;
    assert_true(tm[MP_POSTGRES].seconds == pg && tm[MP_POSTGRES].seconds >= 7);
    assert_true(tm[MP_SQLITE].seconds == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shrink_finds_the_minimum),
        cmocka_unit_test(shrink_skips_dead_ends),
        cmocka_unit_test(shrink_keeps_to_its_budget),
        cmocka_unit_test(shrink_without_copy_returns_start),
        cmocka_unit_test(tap_format),
        cmocka_unit_test(junit_format),
        cmocka_unit_test(human_format),
        cmocka_unit_test(plan_at_the_end_and_verdict),
        cmocka_unit_test(yaml_quoting),
        cmocka_unit_test(unmodelled_read_back_discards),
        cmocka_unit_test(jobs_auto_limits),
        cmocka_unit_test(charge_to_the_backend_that_worked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
