/* test_solver.c - unit tests of the solver: model and canonical diff,
 * object identities, virtual-schema preconditions, planner (each loop
 * repair on its own, determinism), SQL quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "gen.h"
#include "plan.h"
#include "index_def.h"
#include "plan_int.h" /* the planner's phases, to run the repairs one at a time */
#include "sqlexpr.h"
#include "sql.h"
#include "text.h"
#include "vschema.h"
#include "model_type.h"

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

/* Column and table features and sequences (model_column.h): the canonical
 * form reads back to the same text, and each feature alone makes two
 * schemas differ. */
static const char *colfeat_text =
    "table \"p\"\n"
    "  strict\n"
    "  without rowid\n"
    "  column \"id\" integer not null identity always start 5 increment 2\n"
    "  column \"b\" bigint not null identity by default\n"
    "  column \"name\" text not null collate \"C\"\n"
    "  column \"n\" integer\n"
    "  column \"g\" integer generated stored n*2\n"
    "  column \"v\" integer generated virtual n+1\n"
    "  column \"s\" integer not null serial\n"
    "  column \"r\" integer autoincrement\n"
    "  primary key (\"id\")\n"
    "  foreign key (\"n\") references \"p\" (\"id\") on delete cascade match full deferrable initially deferred\n"
    "sequence \"s1\" as integer increment 3 start 10\n"
    "sequence \"s2\" increment -1 minvalue -100 cycle\n";

static void colfeat_roundtrip(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, colfeat_text);
    struct mp_buf b = {0}, d = {0};
    mp_schema_canonical(&b, s, MP_CANON_NAMES);
    assert_string_equal(mp_buf_str(&b), colfeat_text);
    struct mp_schema *s2 = parse(a, mp_buf_str(&b));
    assert_int_equal(mp_schema_diff(&d, s, s2), 0);
    /* each feature on its own makes the schemas differ */
    struct mp_table *t = s2->tables[0];
    bool *flags[] = {&t->strict, &t->without_rowid, &t->cols[6].feat.serial, &t->cols[7].feat.autoincrement,
                     &t->fks[0].deferrable, &t->fks[0].initially_deferred, &t->fks[0].match_full};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        *flags[i] = !*flags[i];
        assert_true(mp_schema_diff(&d, s, s2) > 0);
        *flags[i] = !*flags[i];
    }
    t->cols[0].feat.identity = MP_IDENTITY_BY_DEFAULT;
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    t->cols[0].feat.identity = MP_IDENTITY_ALWAYS;
    t->cols[0].feat.ident_start = 1;
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    t->cols[0].feat.ident_start = 5;
    t->cols[2].feat.collation = "POSIX";
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    t->cols[2].feat.collation = "C";
    t->cols[4].feat.generated_sql = "n * 3";
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    /* the catalogs' spellings of one expression compare equal */
    t->cols[4].feat.generated_sql = "(\"n\" * 2)";
    assert_int_equal(mp_schema_diff(&d, s, s2), 0);
    s2->seqs[0].start = 11;
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    s2->seqs[0].start = 10;
    /* the portable form leaves out what one dialect has */
    struct mp_buf p = {0};
    mp_schema_canonical(&p, s, MP_CANON_PORTABLE);
    assert_null(strstr(mp_buf_str(&p), "identity"));
    assert_null(strstr(mp_buf_str(&p), "strict"));
    assert_null(strstr(mp_buf_str(&p), "sequence"));
    assert_non_null(strstr(mp_buf_str(&p), "generated stored n*2"));
    mp_buf_free(&p);
    mp_buf_free(&b);
    mp_buf_free(&d);
    mp_arena_free(a);
}

/* The diff and the planner: a feature change is an operation the virtual
 * schema checks, rendered per dialect. */
static void colfeat_plan(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, "table \"t\"\n  column \"id\" integer not null\n  column \"x\" text\n"
                                   "  column \"n\" integer\n  primary key (\"id\")\n");
    struct mp_schema *w = parse(a, "table \"t\"\n  column \"id\" integer not null identity always\n"
                                   "  column \"x\" text collate \"C\"\n  column \"n\" integer\n"
                                   "  column \"g\" integer generated stored \"n\" + 1\n  primary key (\"id\")\n"
                                   "sequence \"q\" start 7\n");
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, s, w, NULL, MP_POSTGRES, &cs, &e), 0);
    struct mp_plan *p = NULL;
    assert_int_equal(mp_plan_build(a, s, &cs, MP_POSTGRES, NULL, &p, &e), 0);
    struct mp_buf b = {0}, d = {0};
    mp_plan_script(&b, p);
    assert_non_null(strstr(mp_buf_str(&b), "ALTER COLUMN \"id\" ADD GENERATED ALWAYS AS IDENTITY"));
    assert_non_null(strstr(mp_buf_str(&b), "ALTER COLUMN \"x\" TYPE text COLLATE \"C\""));
    assert_non_null(strstr(mp_buf_str(&b), "\"g\" integer GENERATED ALWAYS AS (\"n\" + 1) STORED"));
    assert_non_null(strstr(mp_buf_str(&b), "CREATE SEQUENCE \"q\""));
    assert_int_equal(mp_schema_diff(&d, w, p->final), 0);
    /* SQLite: the STORED column and the collation by rebuild; no identity, no sequence */
    struct mp_changeset cs2 = {0};
    assert_int_equal(mp_diff(a, s, w, NULL, MP_SQLITE, &cs2, &e), 0);
    assert_int_equal(mp_plan_build(a, s, &cs2, MP_SQLITE, NULL, &p, &e), 0);
    mp_buf_reset(&b);
    mp_plan_script(&b, p);
    assert_null(strstr(mp_buf_str(&b), "SEQUENCE"));
    assert_null(strstr(mp_buf_str(&b), "IDENTITY"));
    assert_null(strstr(mp_buf_str(&b), "ADD COLUMN \"g\""));
    /* a column a generation expression uses cannot be dropped */
    struct mp_op drop = {.kind = MP_OP_DROP_COLUMN, .table = "t", .name = "n"};
    struct mp_schema *f = mp_schema_clone(a, w);
    assert_int_equal(mp_vschema_apply(a, f, MP_POSTGRES, &drop, &e), MP_EPRECOND);
    /* turning a column into serial is refused by name */
    struct mp_schema *w2 = parse(a, "table \"t\"\n  column \"id\" integer not null serial\n  column \"x\" text\n"
                                    "  column \"n\" integer\n  primary key (\"id\")\n");
    struct mp_changeset cs3 = {0};
    assert_int_equal(mp_diff(a, s, w2, NULL, MP_POSTGRES, &cs3, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "serial"));
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

/* ---- identities ---- */

static void ids_survive_clone_and_rename(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_schema *s = parse(a, alter_start);
        assert_int_equal(s->tables[0]->id, 0); /* parsed: none */
        mp_schema_assign_ids(s);
        const struct mp_table *p0 = mp_schema_table(s, (enum mp_dialect)d, "p");
        uint32_t tid = p0->id, cid = p0->cols[2].id, xid = p0->indexes[0].id, last = s->last_id;
        assert_true(tid && cid && xid && tid != cid && cid != xid);
        struct mp_schema *c = mp_schema_clone(a, s);
        assert_int_equal(c->last_id, last);
        assert_int_equal(mp_schema_table(c, (enum mp_dialect)d, "p")->id, tid);
        /* renames keep the ids */
        struct mp_error e = {0};
        struct mp_op op = {.kind = MP_OP_RENAME_TABLE, .table = "p", .new_name = "p2"};
        assert_int_equal(mp_vschema_apply(a, c, (enum mp_dialect)d, &op, &e), 0);
        op = (struct mp_op){.kind = MP_OP_RENAME_COLUMN, .table = "p2", .name = "n", .new_name = "m"};
        assert_int_equal(mp_vschema_apply(a, c, (enum mp_dialect)d, &op, &e), 0);
        op = (struct mp_op){.kind = MP_OP_RENAME_INDEX, .table = "p2", .name = "ix", .new_name = "ix9"};
        assert_int_equal(mp_vschema_apply(a, c, (enum mp_dialect)d, &op, &e), 0);
        const struct mp_table *p2 = mp_schema_table_by_id(c, tid);
        assert_non_null(p2);
        assert_string_equal(p2->name, "p2");
        assert_int_equal(mp_table_find_column_id(p2, cid), 2);
        assert_string_equal(p2->cols[2].name, "m");
        assert_string_equal(p2->indexes[mp_table_find_index_id(p2, xid)].name, "ix9");
        /* what a step creates is new, whatever ids its definition carries */
        struct mp_table *def = mp_table_clone(a, p0);
        def->name = "p3";
        def->pk_name = NULL;
        def->nuniques = 0;
        def->indexes[0].name = "ix3";
        op = (struct mp_op){.kind = MP_OP_CREATE_TABLE, .table = "p3", .def = def};
        assert_int_equal(mp_vschema_apply(a, c, (enum mp_dialect)d, &op, &e), 0);
        const struct mp_table *p3 = mp_schema_table(c, (enum mp_dialect)d, "p3");
        assert_true(p3->id > last && p3->cols[0].id > last && p3->indexes[0].id > last);
        op = (struct mp_op){.kind = MP_OP_ADD_COLUMN, .table = "p2", .column = {.name = "z", .id = cid}};
        assert_int_equal(mp_vschema_apply(a, c, (enum mp_dialect)d, &op, &e), 0);
        assert_int_equal(mp_table_find_column_id(p2, cid), 2); /* still the renamed one */
        assert_true(p2->cols[p2->ncols - 1].id > last);
        /* the original is untouched */
        assert_string_equal(mp_schema_table_by_id(s, tid)->name, "p");
    }
    mp_arena_free(a);
}

/* Generated cases: ids are unique per schema, start objects keep theirs
 * in the desired schema, and each rename hint joins two objects of one id. */
static void generated_ids_follow_objects(void **state)
{
    (void)state;
    for (unsigned long trial = 0; trial < 100; trial++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_rng rng;
        mp_rng_seed(&rng, mp_trial_seed(5, trial));
        struct mp_case c;
        struct mp_error e = {0};
        assert_int_equal(mp_gen_case(a, &rng, mp_gen_size(trial), &c, &e), 0);
        const struct mp_schema *sv[2] = {c.start, c.desired};
        for (int k = 0; k < 2; k++) {
            size_t n = 0;
            uint32_t *ids = malloc((sv[k]->last_id + 1) * sizeof *ids);
            assert_non_null(ids);
            for (size_t i = 0; i < sv[k]->ntables; i++) {
                const struct mp_table *t = sv[k]->tables[i];
                ids[n++] = t->id;
                for (size_t j = 0; j < t->ncols; j++)
                    ids[n++] = t->cols[j].id;
                for (size_t j = 0; j < t->nindexes; j++)
                    ids[n++] = t->indexes[j].id;
            }
            bool *seen = calloc(sv[k]->last_id + 1, sizeof *seen);
            assert_non_null(seen);
            for (size_t i = 0; i < n; i++) {
                assert_true(ids[i] > 0 && ids[i] <= sv[k]->last_id);
                assert_false(seen[ids[i]]);
                seen[ids[i]] = true;
            }
            free(ids);
            free(seen);
        }
        assert_true(c.desired->last_id >= c.start->last_id);
        for (size_t i = 0; i < c.renames.n; i++) {
            const struct mp_rename *h = &c.renames.v[i];
            if (h->column || h->index) {
                const struct mp_table *st = mp_schema_table(c.start, MP_POSTGRES, h->table);
                const struct mp_table *dt = mp_schema_table_by_id(c.desired, st->id);
                assert_non_null(dt);
                if (h->column)
                    assert_int_equal(mp_table_column(st, MP_POSTGRES, h->old_name)->id,
                                     mp_table_column(dt, MP_POSTGRES, h->new_name)->id);
                else
                    assert_int_equal(st->indexes[mp_table_find_index(st, MP_POSTGRES, h->old_name)].id,
                                     dt->indexes[mp_table_find_index(dt, MP_POSTGRES, h->new_name)].id);
            } else {
                assert_int_equal(mp_schema_table(c.start, MP_POSTGRES, h->old_name)->id,
                                 mp_schema_table(c.desired, MP_POSTGRES, h->new_name)->id);
            }
        }
        mp_arena_free(a);
    }
}

/* ---- loop repairs, one at a time ---- */

/* Rank, build the graph and sort once: returns the number of loops the
 * sort stalled on (0: it placed every node), their members into *loops and
 * lengths into *lens (both malloc'd). */
static size_t sort_once(struct plan_ctx *x, long **loops, size_t **lens)
{
    mp_plan_rank(x);
    assert_int_equal(mp_plan_build_graph(x), 0);
    long *order = malloc((x->nnodes + 1) * sizeof *order), *indeg = malloc((x->nnodes + 1) * sizeof *indeg);
    *loops = malloc((x->nnodes + 1) * sizeof **loops);
    *lens = malloc((x->nnodes + 1) * sizeof **lens);
    assert_true(order && indeg && *loops && *lens);
    size_t nl = 0;
    if (mp_plan_topo_sort(x, order, indeg) < x->nnodes)
        nl = mp_plan_find_loops(x, indeg, *loops, *lens);
    free(order);
    free(indeg);
    return nl;
}

/* A planner context for the change set from `from` to `to` (schema text,
 * `hints` may be NULL), its identities and nodes made. */
static void start_ctx(struct plan_ctx *x, struct mp_arena *a, enum mp_dialect d, const char *from, const char *to,
                      const struct mp_renames *hints, struct mp_error *e)
{
    struct mp_schema *s = parse(a, from), *want = parse(a, to);
    struct mp_changeset *cs = mp_arena_alloc(a, sizeof *cs);
    assert_int_equal(mp_diff(a, s, want, hints, d, cs, e), 0);
    *x = (struct plan_ctx){.a = a, .d = d, .start = s, .err = e};
    assert_int_equal(mp_plan_resolve(x, cs), 0);
    assert_int_equal(mp_plan_make_nodes(x, cs), 0);
}

/* The loop the sort stalls on has the shape `shape` (index in
 * mp_plan_loop_shapes, the first that fits), `repair` breaks it, and the
 * sort then places every node. */
static void repair_breaks_loop(struct plan_ctx *x, size_t shape, void (*repair)(struct plan_ctx *, const struct repair_site *))
{
    long *loops;
    size_t *lens;
    size_t nodes = x->nnodes;
    assert_int_equal(sort_once(x, &loops, &lens), 1);
    struct repair_site site;
    for (size_t k = 0; k < shape; k++)
        assert_false(mp_plan_loop_shapes[k].find(x, loops, lens[0], &site));
    assert_true(mp_plan_loop_shapes[shape].find(x, loops, lens[0], &site));
    assert_ptr_equal(mp_plan_loop_shapes[shape].repair, repair);
    repair(x, &site);
    assert_int_equal(x->nnodes, nodes + 1);
    free(loops);
    free(lens);
    assert_int_equal(sort_once(x, &loops, &lens), 0);
    free(loops);
    free(lens);
}

static void repair_rename_swap(void **state)
{
    (void)state;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_renames r = {0};
        mp_renames_add(a, &r, false, NULL, "a", "b");
        mp_renames_add(a, &r, false, NULL, "b", "a");
        struct mp_error e = {0};
        struct plan_ctx x;
        start_ctx(&x, a, (enum mp_dialect)d, swap_start, swap_desired, &r, &e);
        repair_breaks_loop(&x, 0, mp_plan_repair_rename_cycle);
        /* one rename now goes through a temporary name, in two parts */
        size_t halves = 0;
        for (size_t i = 0; i < x.nnodes; i++)
            if (x.nodes[i].half) {
                halves++;
                assert_non_null(strstr(x.nodes[i].tmp, "_mp_tmp_"));
            }
        assert_int_equal(halves, 2);
        mp_arena_free(a);
    }
}

static const char *mutual_desired =
    "table \"p\"\n  column \"id\" integer not null\n  column \"q_id\" integer\n  primary key (\"id\")\n"
    "  constraint \"fk_pq\" foreign key (\"q_id\") references \"q\" (\"id\")\n"
    "table \"q\"\n  column \"id\" integer not null\n  column \"p_id\" integer\n  primary key (\"id\")\n"
    "  constraint \"fk_qp\" foreign key (\"p_id\") references \"p\" (\"id\")\n";
static const char *lonely = "table \"z\"\n  column \"id\" integer not null\n  primary key (\"id\")\n";

static void repair_fk_in_mutual_create_tables(void **state)
{
    (void)state;
    /* PostgreSQL resolves an inline REFERENCES when CREATE TABLE runs, so
     * two new tables referencing each other wait on each other (SQLite
     * does not: its CREATE TABLE takes a missing target) */
    struct mp_arena *a = mp_arena_new();
    struct mp_buf b = {0};
    mp_buf_add(&b, mutual_desired);
    mp_buf_add(&b, lonely);
    struct mp_error e = {0};
    struct plan_ctx x;
    start_ctx(&x, a, MP_POSTGRES, lonely, mp_buf_str(&b), NULL, &e);
    repair_breaks_loop(&x, 1, mp_plan_repair_fk_in_create_table);
    const struct plan_node *m = &x.nodes[x.nnodes - 1];
    assert_int_equal(m->kind, MP_OP_ADD_FK);
    assert_int_equal(x.nodes[m->src].kind, MP_OP_CREATE_TABLE);
    assert_int_equal(x.nodes[m->src].def->nfks, 0); /* moved, not copied */
    /* the whole planner: one table without its key, the other, the key */
    struct mp_schema *s = parse(a, lonely), *want = parse(a, mp_buf_str(&b));
    struct mp_changeset cs = {0};
    assert_int_equal(mp_diff(a, s, want, NULL, MP_POSTGRES, &cs, &e), 0);
    struct mp_plan *p = NULL;
    assert_int_equal(mp_plan_build(a, s, &cs, MP_POSTGRES, NULL, &p, &e), 0);
    assert_int_equal(p->n, 3);
    assert_int_equal(p->steps[2].op.kind, MP_OP_ADD_FK);
    struct mp_buf diff = {0};
    assert_int_equal(mp_schema_diff(&diff, want, p->final), 0);
    mp_buf_free(&diff);
    mp_buf_free(&b);
    mp_arena_free(a);
}

static void repair_fk_around_drop_table(void **state)
{
    (void)state;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_buf b = {0};
        mp_buf_add(&b, mutual_desired);
        mp_buf_add(&b, lonely);
        struct mp_error e = {0};
        struct plan_ctx x;
        /* each dropped table's foreign key keeps the other alive */
        start_ctx(&x, a, (enum mp_dialect)d, mp_buf_str(&b), lonely, NULL, &e);
        repair_breaks_loop(&x, 2, mp_plan_repair_fk_around_drop);
        const struct plan_node *m = &x.nodes[x.nnodes - 1];
        assert_int_equal(m->kind, MP_OP_DROP_FK);
        assert_int_equal(m->src, -1);
        /* the whole planner: the key, then both tables */
        struct mp_schema *s = parse(a, mp_buf_str(&b)), *want = parse(a, lonely);
        struct mp_changeset cs = {0};
        assert_int_equal(mp_diff(a, s, want, NULL, (enum mp_dialect)d, &cs, &e), 0);
        struct mp_plan *p = NULL;
        assert_int_equal(mp_plan_build(a, s, &cs, (enum mp_dialect)d, NULL, &p, &e), 0);
        assert_int_equal(p->n, 3);
        assert_int_equal(p->steps[0].op.kind, MP_OP_DROP_FK);
        assert_int_equal(p->steps[0].source, -1);
        struct mp_buf diff = {0};
        assert_int_equal(mp_schema_diff(&diff, want, p->final), 0);
        mp_buf_free(&diff);
        mp_buf_free(&b);
        mp_arena_free(a);
    }
}

/* No change set the planner accepts forms a loop of no known shape (see
 * plan_repair.c), so the error is shown on a loop made by hand: two
 * nodes that no shape knows, reported by their descriptions. */
static void unknown_loop_names_members(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    const char *from = "table \"t\"\n  column \"id\" integer not null\n  column \"x\" integer\n  primary key (\"id\")\n";
    const char *to = "table \"t\"\n  column \"id\" integer not null\n  column \"y\" integer\n  primary key (\"id\")\n";
    struct mp_error e = {0};
    struct plan_ctx x;
    start_ctx(&x, a, MP_SQLITE, from, to, NULL, &e);
    assert_int_equal(x.nnodes, 2);
    mp_plan_rank(&x);
    long loop[2] = {0, 1};
    struct repair_site site;
    for (size_t k = 0; k < mp_plan_nloop_shapes; k++)
        assert_false(mp_plan_loop_shapes[k].find(&x, loop, 2, &site));
    assert_int_equal(mp_plan_repair(&x, loop, 2), MP_ECYCLE);
    assert_int_equal(e.code, MP_ECYCLE);
    assert_non_null(strstr(e.msg, "wait on each other"));
    assert_non_null(strstr(e.msg, "[drop column \"t\".\"x\"]"));
    assert_non_null(strstr(e.msg, "[add column \"t\".\"y\""));
    mp_arena_free(a);
}

static int cmp_dep(const void *p, const void *q)
{
    const struct mp_plan_dep *x = p, *y = q;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

/* A plan as the shuffles must leave it: each step's description and SQL,
 * and the set of its dependencies. */
static void plan_text(struct mp_buf *b, const struct mp_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        mp_op_describe(b, &p->steps[i].op);
        mp_buf_printf(b, "\n%s", p->steps[i].sql);
    }
    struct mp_plan_dep *v = malloc((p->ndeps + 1) * sizeof *v);
    assert_non_null(v);
    if (p->ndeps) {
        memcpy(v, p->deps, p->ndeps * sizeof *v);
        qsort(v, p->ndeps, sizeof *v, cmp_dep);
    }
    for (size_t i = 0; i < p->ndeps; i++)
        mp_buf_printf(b, "step %zu after %zu\n", v[i].to + 1, v[i].from + 1);
    free(v);
}

/* Generated change sets of the largest size, each in 9 orders: the same
 * steps, the same SQL, the same dependencies.  (The order in which a
 * step's comment lists its reasons can still follow the change set's
 * order: created tables and added columns are numbered in it, and the
 * reasons are sorted by those numbers.  The swap test above pins whole
 * scripts, comments included.) */
static void shuffled_change_sets_plan_alike(void **state)
{
    (void)state;
    for (unsigned long trial = 100; trial < 160; trial++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_rng rng;
        mp_rng_seed(&rng, mp_trial_seed(3, trial));
        struct mp_case c;
        struct mp_error e = {0};
        assert_int_equal(mp_gen_case(a, &rng, 12, &c, &e), 0);
        for (int d = 0; d < MP_NDIALECTS; d++) {
            struct mp_changeset cs = {0};
            assert_int_equal(mp_diff(a, c.start, c.desired, &c.renames, (enum mp_dialect)d, &cs, &e), 0);
            struct mp_buf first = {0};
            for (unsigned k = 0; k < 9; k++) {
                struct mp_changeset sh = {0};
                for (size_t i = 0; i < cs.n; i++)
                    *mp_changeset_add(a, &sh, cs.ops[i].kind) = cs.ops[i];
                struct mp_rng r2;
                mp_rng_seed(&r2, k + 1);
                mp_rng_shuffle(&r2, sh.ops, sh.n, sizeof sh.ops[0]);
                struct mp_plan *p = NULL;
                assert_int_equal(mp_plan_build(a, c.start, &sh, (enum mp_dialect)d, NULL, &p, &e), 0);
                struct mp_buf b = {0};
                plan_text(&b, p);
                if (k == 0) {
                    first = b;
                    continue;
                }
                if (strcmp(mp_buf_str(&first), mp_buf_str(&b)) != 0)
                    fail_msg("trial %lu, %s, order %u: another plan", trial, mp_dialect_name((enum mp_dialect)d), k);
                mp_buf_free(&b);
            }
            mp_buf_free(&first);
        }
        mp_arena_free(a);
    }
}

/* The catalogs' spellings of one expression share one comparison form:
 * PostgreSQL's deparse (casts, ANY (ARRAY[...]), parentheses), SQLite's
 * text as written (quotes, case, !=). */
static void expr_normal_form(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"((n > 0))", "n>0"},
        {"((length((s)::text) <= 20))", "LENGTH(\"s\") <= 20"},
        {"((s)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))", "s IN ('a','b')"},
        {"(k = ANY (ARRAY['a'::text, 'b'::text]))", "\"k\" in ( 'a' , 'b' )"},
        {"((n > 0) AND (n < 10))", "n > 0 AND n < 10"},
        {"(\"Group\" >= '-1'::integer)", "\"Group\" >= -1"},
        {"(n <> ALL (ARRAY[1, 2]))", "n NOT IN (1, 2)"},
        {"(n <> 7)", "n != 7 -- a comment"},
        {"(\"order\" = 1)", "[order] == 1"},
        {"(m >= (0.5)::numeric)", "m >= 0.5"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (!mp_expr_eq(pairs[i][0], pairs[i][1]))
            fail_msg("%s and %s should compare equal", pairs[i][0], pairs[i][1]);
    }
    /* different expressions stay different; grouping that matters stays */
    assert_false(mp_expr_eq("n > 0", "n >= 0"));
    assert_false(mp_expr_eq("(a OR b) AND c", "a OR b AND c"));
    assert_false(mp_expr_eq("k = 'A'", "k = 'a'"));
    assert_false(mp_expr_eq("\"Group\" > 0", "\"group\" > 0"));
    struct mp_buf b = {0};
    mp_expr_compare_form(&b, "(((s)::text = ANY ((ARRAY['a'::character varying])::text[])) AND (\"order\" > 0))");
    assert_string_equal(mp_buf_str(&b), "s in ('a') and \"order\" > 0");
    mp_buf_free(&b);
    /* the normal form is a fixed point, and renames leave function names and strings alone */
    struct mp_arena *a = mp_arena_new();
    const char *n1 = mp_expr_norm(a, "LOWER( s )  =  's' AND s::text <> ''");
    assert_string_equal(mp_expr_norm(a, n1), n1);
    assert_string_equal(mp_expr_rename(a, MP_POSTGRES, "lower(s) = 's' and s > ''", "s", "My S"),
                        "lower(\"My S\") = 's' and \"My S\" > ''");
    assert_true(mp_expr_uses(MP_SQLITE, "length(\"Name\") > 0", "name"));
    assert_false(mp_expr_uses(MP_POSTGRES, "lower(x) = 'name'", "name"));
    mp_arena_free(a);
}

/* CHECKs and full index definitions print, parse back and print alike;
 * a definition parsed from CREATE INDEX text (both catalogs' spelling). */
static void checks_and_indexes_roundtrip(void **state)
{
    (void)state;
    const char *text = "table \"t\"\n"
                       "  column \"k\" text\n"
                       "  column \"n\" integer\n"
                       "  check (k in ('a', 'b')) not valid\n"
                       "  constraint \"t_n\" check (n > 0)\n"
                       "  index \"t_b\" using brin (\"n\")\n"
                       "  index \"t_d\" (\"n\" desc nulls last, \"k\" collate \"C\" \"text_pattern_ops\")\n"
                       "  index \"t_e\" ((lower(k))) where (n > 1)\n"
                       "  unique index \"t_u\" (\"n\") include (\"k\") nulls not distinct\n";
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, text);
    struct mp_buf b = {0};
    mp_schema_canonical(&b, s, MP_CANON_NAMES);
    assert_string_equal(mp_buf_str(&b), text);
    const struct mp_table *t = s->tables[0];
    assert_int_equal(t->nchecks, 2);
    assert_true(t->checks[0].not_valid);
    assert_string_equal(t->indexes[1].keys[1].opclass, "text_pattern_ops");
    assert_int_equal(t->indexes[1].keys[0].nulls, MP_NULLS_LAST);
    /* names leave the comparison form; a changed check or index does not */
    mp_buf_reset(&b);
    mp_schema_canonical(&b, s, 0);
    assert_null(strstr(mp_buf_str(&b), "t_n\""));
    struct mp_index x;
    struct mp_error e = {0};
    assert_int_equal(mp_index_parse_sql(a, "CREATE UNIQUE INDEX t_x ON public.t USING btree (lower((k)::text) DESC, n "
                                           "NULLS FIRST) INCLUDE (z) WHERE (n > 0)", &x, &e), 0);
    assert_true(x.unique);
    assert_null(x.method);
    assert_string_equal(x.name, "t_x");
    assert_int_equal(x.cols.n, 2);
    assert_true(x.keys[0].desc && x.keys[0].expr);
    assert_int_equal(x.keys[1].nulls, MP_NULLS_FIRST);
    assert_string_equal(x.cols.v[1], "n");
    assert_string_equal(x.include.v[0], "z");
    assert_true(mp_expr_eq(x.where, "n > 0"));
    struct mp_index y;
    assert_int_equal(mp_index_parse_sql(a, "CREATE INDEX \"t_x\" ON \"t\" (LOWER(k) DESC, \"n\" NULLS FIRST) INCLUDE (z) WHERE n>0",
                                        &y, &e), 0);
    y.unique = true;
    assert_true(mp_index_def_eq(MP_POSTGRES, &x, &y));
    y.keys[0].desc = false;
    assert_false(mp_index_def_eq(MP_POSTGRES, &x, &y));
    /* ASC NULLS LAST is the default: tidied away */
    assert_int_equal(mp_index_parse_sql(a, "CREATE INDEX i ON t (n ASC NULLS LAST)", &y, &e), 0);
    assert_null(y.keys);
    assert_int_not_equal(mp_index_parse_sql(a, "CREATE INDEX i ON t (n) WITH (fillfactor = 70) TABLESPACE x", &y, &e), 0);
    mp_buf_free(&b);
    mp_arena_free(a);
}

/* Views and triggers: read back from their canonical lines, planned
 * around a dropped and a retyped column they use in any change-set order
 * (the drop before, the create after), refused by the virtual schema in
 * the wrong order, pruned with the table they read. */
static const char *objects_start =
    "table \"t\"\n  column \"id\" integer not null\n  column \"a\" varchar(5)\n  column \"b\" integer\n"
    "  primary key (\"id\")\n"
    "view \"v\" uses (\"t\".\"a\", \"t\".\"b\") sql CREATE VIEW \"v\" AS SELECT \"t\".\"a\", \"t\".\"b\" FROM \"t\"\n"
    "view \"w\" uses (\"v\".\"a\") sql CREATE VIEW \"w\" AS SELECT \"v\".\"a\" FROM \"v\"\n"
    "view \"u\" uses (\"t\".\"id\") sql CREATE VIEW \"u\" AS SELECT \"t\".\"id\" FROM \"t\"\n"
    "trigger \"tr\" on \"t\" sql CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END\n";
static const char *objects_desired =
    "table \"t\"\n  column \"id\" integer not null\n  column \"a\" varchar(9)\n  primary key (\"id\")\n"
    "view \"v\" uses (\"t\".\"a\") sql CREATE VIEW \"v\" AS SELECT \"t\".\"a\" FROM \"t\"\n"
    "view \"w\" uses (\"v\".\"a\") sql CREATE VIEW \"w\" AS SELECT \"v\".\"a\" FROM \"v\"\n"
    "view \"u\" uses (\"t\".\"id\") sql CREATE VIEW \"u\" AS SELECT \"t\".\"id\" FROM \"t\"\n"
    "trigger \"tr\" on \"t\" sql CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END\n";

static void objects_roundtrip_and_plan(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, objects_start), *want = parse(a, objects_desired);
    assert_int_equal(s->nobjects, 4);
    struct mp_buf b = {0}, d = {0};
    mp_schema_canonical(&b, s, MP_CANON_NAMES);
    assert_int_equal(mp_schema_diff(&d, s, parse(a, mp_buf_str(&b))), 0);
    /* a body that differs only in case, blanks and plain quotes is equal; another is not */
    assert_true(mp_object_sql_eq("CREATE VIEW \"v\" AS\n  SELECT \"t\".\"a\" FROM t;", "create view v as select t.a from t"));
    assert_false(mp_object_sql_eq("create view v as select t.a from t", "create view v as select t.b from t"));
    assert_false(mp_object_sql_eq("create view v as select 'A' from t", "create view v as select 'a' from t"));
    for (int d2 = 0; d2 < MP_NDIALECTS; d2++) {
        enum mp_dialect dl = (enum mp_dialect)d2;
        for (unsigned shuffle = 0; shuffle < 4; shuffle++) {
            struct mp_changeset cs = {0};
            struct mp_error e = {0};
            assert_int_equal(mp_diff(a, s, want, NULL, dl, &cs, &e), 0);
            struct mp_rng rng;
            mp_rng_seed(&rng, shuffle);
            mp_rng_shuffle(&rng, cs.ops, cs.n, sizeof cs.ops[0]);
            struct mp_plan *p = NULL;
            assert_int_equal(mp_plan_build(a, s, &cs, dl, NULL, &p, &e), 0);
            mp_buf_reset(&d);
            assert_int_equal(mp_schema_diff(&d, want, p->final), 0);
            mp_buf_reset(&b);
            mp_plan_script(&b, p);
            const char *sc = mp_buf_str(&b);
            const char *dv = strstr(sc, "DROP VIEW \"v\""), *dw = strstr(sc, "DROP VIEW \"w\"");
            const char *dc = strstr(sc, "-- step"), *cv = strstr(sc, "CREATE VIEW \"v\""), *cw = strstr(sc, "CREATE VIEW \"w\"");
            dc = strstr(sc, dl == MP_SQLITE ? "_mp_new_t" : "DROP COLUMN \"b\"");
            assert_non_null(dv);
            assert_non_null(dw);
            assert_non_null(dc);
            assert_true(dw < dv && dv < dc && dc < cv && cv < cw);
            /* PostgreSQL keeps u (it reads only id), the SQLite rebuild of t
             * takes it down and back; a trigger uses its whole table */
            assert_true((strstr(sc, "DROP VIEW \"u\"") != NULL) == (dl == MP_SQLITE));
            assert_non_null(strstr(sc, "DROP TRIGGER \"tr\""));
        }
    }
    /* the virtual schema refuses the column's drop under the view */
    struct mp_schema *v = mp_schema_clone(a, s);
    struct mp_op op = {.kind = MP_OP_DROP_COLUMN, .table = "t", .name = "b"};
    struct mp_error e = {0};
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &op, &e), MP_EPRECOND);
    assert_non_null(strstr(e.msg, "view \"v\" uses the column"));
    /* ... and the drop of a view another reads */
    struct mp_op dv = {.kind = MP_OP_DROP_OBJECT, .table = "v", .object = &s->objects[0]};
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &dv, &e), MP_EPRECOND);
    assert_non_null(strstr(e.msg, "view \"w\" depends on it"));
    /* without the table, its views (and the view over them) and trigger go */
    mp_schema_remove_table(v, 0);
    mp_schema_prune_objects(v, MP_POSTGRES);
    assert_int_equal(v->nobjects, 0);
    mp_buf_free(&b);
    mp_buf_free(&d);
    mp_arena_free(a);
}

/* Enum types and domains (model_type.h): the canonical form reads back to
 * the same text and tells every field apart; the diff and the planner put
 * type creations and label additions before the table steps, drops after
 * them, rebuild an enum that loses labels (a data-loss step) and refuse
 * what PostgreSQL would (SQLite, a new label used in the same plan). */
static const char *types_text =
    "table \"t\"\n"
    "  column \"id\" integer not null\n"
    "  column \"m\" raw 'mood' default 'ok'\n"
    "  primary key (\"id\")\n"
    "domain \"d\" as raw 'character varying(20)' collate \"C\" not null default 'x'\n"
    "  constraint \"d_check\" check (length(value) > 0)\n"
    "  constraint \"d_check1\" check (value <> 'y')\n"
    "enum \"mood\" ('sad', 'ok', 'it''s')\n";

static void types_roundtrip_and_plan(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, types_text);
    assert_int_equal(s->ntypes, 2);
    struct mp_buf b = {0}, d = {0};
    mp_schema_canonical(&b, s, MP_CANON_NAMES);
    assert_string_equal(mp_buf_str(&b), types_text);
    struct mp_schema *s2 = parse(a, mp_buf_str(&b));
    assert_int_equal(mp_schema_diff(&d, s, s2), 0);
    assert_ptr_equal(mp_type_utype(s2, &s2->tables[0]->cols[1].type), mp_schema_utype(s2, MP_POSTGRES, "mood"));
    /* each field on its own makes the schemas differ */
    struct mp_utype *dm = mp_schema_utype(s2, MP_POSTGRES, "d"), *en = mp_schema_utype(s2, MP_POSTGRES, "mood");
    const char *lab = en->labels.v[0];
    en->labels.v[0] = en->labels.v[1];
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    en->labels.v[0] = lab;
    dm->not_null = false;
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    dm->not_null = true;
    dm->default_sql = "'z'";
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    dm->default_sql = "'x'";
    dm->collation = NULL;
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    dm->collation = "C";
    dm->checks[1].expr = "value <> 'w'";
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    dm->checks[1].expr = "value <> 'y'";
    dm->base.raw = "text";
    assert_true(mp_schema_diff(&d, s, s2) > 0);
    dm->base.raw = "character varying(20)";
    assert_int_equal(mp_schema_diff(&d, s, s2), 0);
    /* the portable form keeps the types: no comparison across dialects
     * calls such schemas equal */
    mp_buf_reset(&b);
    mp_schema_canonical(&b, s, MP_CANON_PORTABLE);
    assert_non_null(strstr(mp_buf_str(&b), "enum \"mood\""));

    /* labels added in the middle and at the end, a new domain and a
     * column of it: types first, ADD VALUE next to the neighbour */
    struct mp_schema *start = parse(a, "table \"t\"\n  column \"id\" integer not null\n  column \"m\" raw 'mood'\n"
                                       "enum \"mood\" ('a', 'b')\n");
    struct mp_schema *want = parse(a, "table \"t\"\n  column \"id\" integer not null\n  column \"m\" raw 'mood'\n"
                                      "  column \"n\" raw 'pos'\n"
                                      "domain \"pos\" as integer\n  check (value > 0)\n"
                                      "enum \"mood\" ('x', 'w', 'a', 'y', 'b', 'c', 'd')\n");
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    struct mp_plan *p = NULL;
    assert_int_equal(mp_diff(a, start, want, NULL, MP_POSTGRES, &cs, &e), 0);
    /* the change set's order does not matter: reversed, the labels still
     * come out in the desired order */
    for (size_t i = 0; i < cs.n / 2; i++) {
        struct mp_op tmp = cs.ops[i];
        cs.ops[i] = cs.ops[cs.n - 1 - i];
        cs.ops[cs.n - 1 - i] = tmp;
    }
    assert_int_equal(mp_plan_build(a, start, &cs, MP_POSTGRES, NULL, &p, &e), 0);
    mp_buf_reset(&d);
    assert_int_equal(mp_schema_diff(&d, want, p->final), 0);
    mp_buf_reset(&b);
    mp_plan_script(&b, p);
    const char *sc = mp_buf_str(&b);
    const char *ax = strstr(sc, "ADD VALUE 'x' BEFORE 'a';"), *ay = strstr(sc, "ADD VALUE 'y' BEFORE 'b';");
    const char *ac = strstr(sc, "ADD VALUE 'c';"), *cd = strstr(sc, "CREATE DOMAIN \"pos\" AS integer");
    const char *add = strstr(sc, "ADD COLUMN \"n\" pos");
    assert_non_null(ax);
    assert_non_null(ay);
    assert_non_null(ac);
    assert_non_null(cd);
    assert_non_null(add);
    assert_true(ax < ay && ay < ac && ac < add && cd < add);
    assert_null(mp_plan_step_data_loss(a, p, 0));
    /* SQLite has no such types */
    struct mp_changeset cs2 = {0};
    assert_int_equal(mp_diff(a, start, want, NULL, MP_SQLITE, &cs2, &e), MP_EINVAL);
    /* a label used by a later step of the same plan is refused */
    struct mp_schema *want_d = mp_schema_clone(a, want);
    want_d->tables[0]->cols[1].default_sql = "'y'::mood";
    cs2 = (struct mp_changeset){0};
    assert_int_equal(mp_diff(a, start, want_d, NULL, MP_POSTGRES, &cs2, &e), 0);
    assert_int_equal(mp_plan_build(a, start, &cs2, MP_POSTGRES, NULL, &p, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "label 'y'"));

    /* a removed label rebuilds the type, a data-loss step */
    struct mp_schema *fewer = parse(a, "table \"t\"\n  column \"id\" integer not null\n  column \"m\" raw 'mood'\n"
                                       "enum \"mood\" ('b')\n");
    cs2 = (struct mp_changeset){0};
    assert_int_equal(mp_diff(a, start, fewer, NULL, MP_POSTGRES, &cs2, &e), 0);
    assert_int_equal(mp_plan_build(a, start, &cs2, MP_POSTGRES, NULL, &p, &e), 0);
    assert_int_equal(p->n, 1);
    assert_int_equal(p->steps[0].op.kind, MP_OP_REBUILD_ENUM);
    assert_non_null(strstr(p->steps[0].sql, "USING \"m\"::text::\"mood__mp_new\""));
    assert_non_null(mp_plan_step_data_loss(a, p, 0));
    mp_buf_reset(&d);
    assert_int_equal(mp_schema_diff(&d, fewer, p->final), 0);

    /* the type goes after the column that used it changes to text */
    struct mp_schema *gone = parse(a, "table \"t\"\n  column \"id\" integer not null\n  column \"m\" text\n");
    cs2 = (struct mp_changeset){0};
    assert_int_equal(mp_diff(a, start, gone, NULL, MP_POSTGRES, &cs2, &e), 0);
    assert_int_equal(mp_plan_build(a, start, &cs2, MP_POSTGRES, NULL, &p, &e), 0);
    assert_int_equal(p->n, 2);
    assert_int_equal(p->steps[0].op.kind, MP_OP_ALTER_TYPE);
    assert_int_equal(p->steps[1].op.kind, MP_OP_DROP_TYPE);
    /* ... which the virtual schema refuses while the column uses it */
    struct mp_schema *v = mp_schema_clone(a, start);
    struct mp_op drop = {.kind = MP_OP_DROP_TYPE, .name = "mood"};
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &drop, &e), MP_EPRECOND);
    assert_non_null(strstr(e.msg, "column \"t\".\"m\" uses it"));
    /* RENAME VALUE: the old label must exist and the new one must not */
    struct mp_op ren = {.kind = MP_OP_RENAME_ENUM_VALUE, .name = "mood", .utype = {.label = "a", .new_label = "b"}};
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &ren, &e), MP_EPRECOND);
    ren.utype.new_label = "z";
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &ren, &e), 0);
    assert_string_equal(mp_schema_utype(v, MP_POSTGRES, "mood")->labels.v[0], "z");
    mp_buf_reset(&b);
    mp_sql_step(&b, &ren, MP_POSTGRES, v, NULL, NULL, MP_FAULT_NONE);
    assert_string_equal(mp_buf_str(&b), "ALTER TYPE \"mood\" RENAME VALUE 'a' TO 'z';\n");
    /* an added label that exists is refused; on SQLite every type step is */
    struct mp_op addv = {.kind = MP_OP_ADD_ENUM_VALUE, .name = "mood", .utype = {.label = "z"}};
    assert_int_equal(mp_vschema_apply(a, v, MP_POSTGRES, &addv, &e), MP_EPRECOND);
    addv.utype.label = "q";
    assert_int_equal(mp_vschema_apply(a, v, MP_SQLITE, &addv, &e), MP_EPRECOND);
    mp_buf_free(&b);
    mp_buf_free(&d);
    mp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_roundtrip),
        cmocka_unit_test(expr_normal_form),
        cmocka_unit_test(checks_and_indexes_roundtrip),
        cmocka_unit_test(objects_roundtrip_and_plan),
        cmocka_unit_test(colfeat_roundtrip),
        cmocka_unit_test(types_roundtrip_and_plan),
        cmocka_unit_test(colfeat_plan),
        cmocka_unit_test(parse_error_names_line),
        cmocka_unit_test(preconditions),
        cmocka_unit_test(planner_repairs_swap_deterministically),
        cmocka_unit_test(naive_is_invalid),
        cmocka_unit_test(quoting),
        cmocka_unit_test(generated_cases_plan),
        cmocka_unit_test(alteration_rules),
        cmocka_unit_test(name_index_agrees),
        cmocka_unit_test(large_change_set_plans),
        cmocka_unit_test(ids_survive_clone_and_rename),
        cmocka_unit_test(generated_ids_follow_objects),
        cmocka_unit_test(repair_rename_swap),
        cmocka_unit_test(repair_fk_in_mutual_create_tables),
        cmocka_unit_test(repair_fk_around_drop_table),
        cmocka_unit_test(unknown_loop_names_members),
        cmocka_unit_test(shuffled_change_sets_plan_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
