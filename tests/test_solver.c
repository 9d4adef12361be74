/* test_solver.c - unit tests of the solver: model and canonical diff,
 * virtual-schema preconditions, planner (cycle repair, determinism), SQL
 * quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "diff.h"
#include "gen.h"
#include "plan.h"
#include "sql.h"
#include "text.h"
#include "vschema.h"

static struct mp_schema *parse(struct mp_arena *a, const char *text)
{
    struct mp_schema *s = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_schema_parse(a, text, "test", 1, &s, &e), 0);
    return s;
}

static const char *swap_start =
    "table \"a\"\n  column \"id\" integer not null\n  primary key (\"id\")\n"
    "table \"b\"\n  column \"id\" integer not null\n  column \"a_id\" integer\n  primary key (\"id\")\n"
    "  constraint \"fk\" foreign key (\"a_id\") references \"a\" (\"id\")\n";
static const char *swap_desired =
    "table \"b\"\n  column \"id\" integer not null\n  primary key (\"id\")\n"
    "table \"a\"\n  column \"id\" integer not null\n  column \"a_id\" integer\n  primary key (\"id\")\n"
    "  constraint \"fk\" foreign key (\"a_id\") references \"b\" (\"id\")\n";

static void canonical_roundtrip(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, swap_start);
    struct mp_buf b = {0};
    mp_schema_canonical(&b, s, MP_CANON_NAMES);
    struct mp_schema *s2 = parse(a, mp_buf_str(&b));
    struct mp_buf d = {0};
    assert_int_equal(mp_schema_diff(&d, s, s2), 0);
    /* a changed column shows as -/+ lines */
    s2->tables[0]->cols[0].not_null = false;
    assert_true(mp_schema_diff(&d, s, s2) == 2);
    assert_non_null(strstr(mp_buf_str(&d), "- "));
    assert_non_null(strstr(mp_buf_str(&d), "+ "));
    mp_buf_free(&b);
    mp_buf_free(&d);
    mp_arena_free(a);
}

static void parse_error_names_line(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_schema_parse(a, "table \"t\"\n  column \"x\" nosuchtype\n", "f.case", 10, &s, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "f.case:11"));
    mp_arena_free(a);
}

static void preconditions(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, swap_start);
    struct mp_error e = {0};
    struct mp_op drop = {.kind = MP_OP_DROP_TABLE, .table = "a"};
    /* a referenced table cannot be dropped before its foreign key */
    assert_int_equal(mp_vschema_apply(a, s, MP_POSTGRES, &drop, &e), MP_EPRECOND);
    assert_non_null(strstr(e.msg, "\"b\""));
    struct mp_op ren = {.kind = MP_OP_RENAME_TABLE, .table = "a", .new_name = "B"};
    /* SQLite names are case-insensitive: "B" is taken; on PostgreSQL it is free */
    assert_int_equal(mp_vschema_apply(a, s, MP_SQLITE, &ren, &e), MP_EPRECOND);
    assert_int_equal(mp_vschema_apply(a, s, MP_POSTGRES, &ren, &e), 0);
    /* and the foreign key followed the rename */
    assert_string_equal(mp_schema_table(s, MP_POSTGRES, "b")->fks[0].ref_table, "B");
    struct mp_op idx = {.kind = MP_OP_ADD_INDEX, .table = "b", .index = {.name = "B"}};
    const char *col[1] = {"id"};
    idx.index.cols = mp_names_make(a, 1, col);
    assert_int_equal(mp_vschema_apply(a, s, MP_POSTGRES, &idx, &e), MP_EPRECOND);
    mp_arena_free(a);
}

static void plan_swap(struct mp_arena *a, enum mp_dialect d, unsigned shuffle, struct mp_buf *script)
{
    struct mp_schema *s = parse(a, swap_start), *want = parse(a, swap_desired);
    struct mp_renames r = {0};
    mp_renames_add(a, &r, false, NULL, "a", "b");
    mp_renames_add(a, &r, false, NULL, "b", "a");
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, s, want, &r, d, &cs, &e), 0);
    struct mp_rng rng;
    mp_rng_seed(&rng, shuffle);
    mp_rng_shuffle(&rng, cs.ops, cs.n, sizeof cs.ops[0]);
    struct mp_plan *p = NULL;
    assert_int_equal(mp_plan_build(a, s, &cs, d, NULL, &p, &e), 0);
    struct mp_buf diff = {0};
    assert_int_equal(mp_schema_diff(&diff, want, p->final), 0);
    mp_buf_free(&diff);
    mp_plan_script(script, p);
    assert_non_null(strstr(mp_buf_str(script), "_mp_tmp_"));
}

static void planner_repairs_swap_deterministically(void **state)
{
    (void)state;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_buf first = {0};
        plan_swap(a, (enum mp_dialect)d, 1, &first);
        for (unsigned k = 2; k < 10; k++) {
            struct mp_buf other = {0};
            plan_swap(a, (enum mp_dialect)d, k, &other);
            assert_string_equal(mp_buf_str(&first), mp_buf_str(&other));
            mp_buf_free(&other);
        }
        mp_buf_free(&first);
        mp_arena_free(a);
    }
}

static void naive_is_invalid(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, swap_start), *want = parse(a, swap_desired);
    struct mp_renames r = {0};
    mp_renames_add(a, &r, false, NULL, "a", "b");
    mp_renames_add(a, &r, false, NULL, "b", "a");
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, s, want, &r, MP_POSTGRES, &cs, &e), 0);
    struct mp_plan *p = NULL;
    assert_int_equal(mp_plan_build(a, s, &cs, MP_POSTGRES, &(struct mp_plan_options){.solver = MP_SOLVER_NAIVE}, &p, &e), 0);
    bool invalid = false;
    for (size_t i = 0; i < p->n; i++)
        invalid |= p->steps[i].invalid != NULL;
    assert_true(invalid);
    mp_arena_free(a);
}

static void quoting(void **state)
{
    (void)state;
    struct mp_buf b = {0};
    mp_buf_ident(&b, "a\"b");
    mp_buf_addc(&b, ' ');
    mp_buf_literal(&b, "it's");
    assert_string_equal(mp_buf_str(&b), "\"a\"\"b\" 'it''s'");
    mp_buf_free(&b);
}

static void generated_cases_plan(void **state)
{
    (void)state;
    /* every generated case of seed 7 plans, and the plan's virtual schema
     * ends at the desired schema, on both dialects */
    for (unsigned long trial = 0; trial < 200; trial++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_rng rng;
        mp_rng_seed(&rng, mp_trial_seed(7, trial));
        struct mp_case c;
        struct mp_error e = {0};
        assert_int_equal(mp_gen_case(a, &rng, mp_gen_size(trial), &c, &e), 0);
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_changeset cs = {0};
            assert_int_equal(mp_diff(a, c.start, c.desired, &c.renames, (enum mp_dialect)d, &cs, &e), 0);
            struct mp_plan *p = NULL;
            if (mp_plan_build(a, c.start, &cs, (enum mp_dialect)d, NULL, &p, &e))
                fail_msg("trial %lu: %s", trial, e.msg);
            struct mp_buf diff = {0};
            if (mp_schema_diff(&diff, c.desired, p->final))
                fail_msg("trial %lu: %s", trial, mp_buf_str(&diff));
            mp_buf_free(&diff);
        }
        mp_arena_free(a);
    }
}

static const char *alter_start =
    "table \"p\"\n  column \"id\" integer not null\n  column \"code\" varchar(5) not null\n"
    "  column \"n\" integer\n  primary key (\"id\")\n  constraint \"p_code\" unique (\"code\")\n"
    "  index \"ix\" (\"n\")\n"
    "table \"c\"\n  column \"id\" integer not null\n  column \"code\" varchar(5)\n  primary key (\"id\")\n"
    "  foreign key (\"code\") references \"p\" (\"code\")\n";

static struct mp_op col_op(enum mp_op_kind k, const char *t, const char *c)
{
    struct mp_op op = {.kind = k, .table = t, .name = c};
    return op;
}

/* The rules of the column, unique and index operations, each as the
 * PostgreSQL / SQLite documentation states it (vschema.c). */
static void alteration_rules(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_schema *s = parse(a, alter_start);
        struct mp_error e = {0};
        /* only value-preserving casts */
        struct mp_op op = col_op(MP_OP_ALTER_TYPE, "p", "n");
        op.column.type.kind = MP_TYPE_TEXT;
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        assert_non_null(strstr(e.msg, "value-preserving"));
        op.column.type.kind = MP_TYPE_BIGINT;
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), 0);
        /* the primary key stays NOT NULL */
        op = col_op(MP_OP_DROP_NOT_NULL, "p", "id");
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        /* a default must fit varchar(n) */
        op = col_op(MP_OP_SET_DEFAULT, "p", "code");
        op.column.default_sql = "'toolong'";
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        op.column.default_sql = "'it''s'";
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), 0);
        /* a unique key a foreign key relies on cannot go */
        op = (struct mp_op){.kind = MP_OP_DROP_UNIQUE, .table = "p", .unique = {.name = "p_code"}};
        const char *code[1] = {"code"};
        op.unique.cols = mp_names_make(a, 1, code);
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        assert_non_null(strstr(e.msg, "\"c\""));
        assert_int_equal(mp_schema_table(s, (enum mp_dialect)d, "p")->nuniques, 1);
        /* the FK column's type follows only within its family */
        op = col_op(MP_OP_ALTER_TYPE, "c", "code");
        op.column.type.kind = MP_TYPE_TEXT;
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), 0);
        /* index names live in the relation namespace */
        op = (struct mp_op){.kind = MP_OP_RENAME_INDEX, .table = "p", .name = "ix", .new_name = "c"};
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        op.new_name = "ix2";
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), 0);
        /* PostgreSQL: a constraint name is a relation name too; SQLite: not */
        op = (struct mp_op){.kind = MP_OP_ADD_UNIQUE, .table = "c", .unique = {.name = "ix2"}};
        const char *id[1] = {"id"};
        op.unique.cols = mp_names_make(a, 1, id);
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), d == MP_POSTGRES ? MP_EPRECOND : 0);
    }
    mp_arena_free(a);
}

/* The tsearch name index answers exactly like the scan, through every step
 * of generated plans. */
static void name_index_agrees(void **state)
{
    (void)state;
    for (unsigned long trial = 0; trial < 60; trial++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_rng rng;
        mp_rng_seed(&rng, mp_trial_seed(11, trial));
        struct mp_case c;
        struct mp_error e = {0};
        assert_int_equal(mp_gen_case(a, &rng, mp_gen_size(trial + 60), &c, &e), 0);
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_changeset cs = {0};
            assert_int_equal(mp_diff(a, c.start, c.desired, &c.renames, (enum mp_dialect)d, &cs, &e), 0);
            struct mp_plan *p = NULL;
            assert_int_equal(mp_plan_build(a, c.start, &cs, (enum mp_dialect)d, NULL, &p, &e), 0);
            struct mp_schema *plain = mp_schema_clone(a, c.start), *ix = mp_schema_clone(a, c.start);
            mp_schema_index_names(ix, (enum mp_dialect)d);
            for (size_t i = 0; i < p->n; i++) {
                assert_int_equal(mp_vschema_apply(a, plain, (enum mp_dialect)d, &p->steps[i].op, &e), 0);
                assert_int_equal(mp_vschema_apply(a, ix, (enum mp_dialect)d, &p->steps[i].op, &e), 0);
                /* every name either schema knows, and some it does not */
                for (size_t t = 0; t < plain->ntables; t++) {
                    const struct mp_table *tb = plain->tables[t];
                    const char *names[4] = {tb->name, tb->pk_name ? tb->pk_name : "nope",
                                            tb->nindexes ? tb->indexes[0].name : "x",
                                            tb->nuniques && tb->uniques[0].name ? tb->uniques[0].name : "y"};
                    for (int k = 0; k < 4; k++)
                        assert_int_equal(mp_vschema_name_taken(plain, (enum mp_dialect)d, names[k]),
                                         mp_vschema_name_taken(ix, (enum mp_dialect)d, names[k]));
                    assert_int_equal(mp_schema_find_table(ix, (enum mp_dialect)d, tb->name), (long)t);
                }
            }
            mp_schema_unindex_names(ix);
        }
        mp_arena_free(a);
    }
}

/* A large generated change set plans and ends at the desired schema (the
 * benchmark's shape, checked for correctness rather than time). */
static void large_change_set_plans(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_rng rng;
    mp_rng_seed(&rng, 1234);
    struct mp_case c;
    struct mp_error e = {0};
    assert_int_equal(mp_gen_case_scaled(a, &rng, 150, 1500, &c, &e), 0);
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_changeset cs = {0};
        assert_int_equal(mp_diff(a, c.start, c.desired, &c.renames, (enum mp_dialect)d, &cs, &e), 0);
        assert_true(cs.n > 500);
        struct mp_plan *p = NULL;
        if (mp_plan_build(a, c.start, &cs, (enum mp_dialect)d, NULL, &p, &e))
            fail_msg("%s", e.msg);
        struct mp_buf diff = {0};
        if (mp_schema_diff(&diff, c.desired, p->final))
            fail_msg("%s", mp_buf_str(&diff));
        mp_buf_free(&diff);
    }
    mp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_roundtrip),
        cmocka_unit_test(parse_error_names_line),
        cmocka_unit_test(preconditions),
        cmocka_unit_test(planner_repairs_swap_deterministically),
        cmocka_unit_test(naive_is_invalid),
        cmocka_unit_test(quoting),
        cmocka_unit_test(generated_cases_plan),
        cmocka_unit_test(alteration_rules),
        cmocka_unit_test(name_index_agrees),
        cmocka_unit_test(large_change_set_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
