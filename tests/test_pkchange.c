/* test_pkchange.c - unit tests of primary-key changes (diff_pk.c,
 * vschema_pk.c, sql_pk.c, the planner's events for them) and of the
 * dialects' value-preserving type changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "index_def.h"
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

/* vaultwarden's devices pair (tests/realhist), with a table whose foreign
 * key references the old key and a new unique constraint it moves to */
static const char *pk_start =
    "table \"users\"\n  column \"uuid\" text not null\n  primary key (\"uuid\")\n"
    "table \"devices\"\n  column \"uuid\" text not null\n  column \"user_uuid\" text\n  column \"name\" text not null\n"
    "  constraint \"devices_pkey\" primary key (\"uuid\")\n"
    "  foreign key (\"user_uuid\") references \"users\" (\"uuid\")\n"
    "table \"logins\"\n  column \"id\" integer not null\n  column \"device\" text\n  primary key (\"id\")\n"
    "  foreign key (\"device\") references \"devices\" (\"uuid\")\n";
static const char *pk_desired =
    "table \"users\"\n  column \"uuid\" text not null\n  primary key (\"uuid\")\n"
    "table \"devices\"\n  column \"uuid\" text not null\n  column \"user_uuid\" text not null\n  column \"name\" text not null\n"
    "  constraint \"devices_pkey\" primary key (\"uuid\", \"user_uuid\")\n"
    "  unique (\"uuid\")\n"
    "  foreign key (\"user_uuid\") references \"users\" (\"uuid\")\n"
    "table \"logins\"\n  column \"id\" integer not null\n  column \"device\" text\n  primary key (\"id\")\n"
    "  foreign key (\"device\") references \"devices\" (\"uuid\")\n";

/* The step index of the first step of kind k on table `table`, or -1. */
static long step_of(const struct mp_plan *p, enum mp_op_kind k, const char *table)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->steps[i].op.kind == k && strcmp(p->steps[i].op.table, table) == 0)
            return (long)i;
    return -1;
}

/* True when the plan says step `to` waits for step `from`. */
static bool has_dep(const struct mp_plan *p, long from, long to)
{
    for (size_t i = 0; i < p->ndeps; i++)
        if ((long)p->deps[i].from == from && (long)p->deps[i].to == to)
            return true;
    return false;
}

/* A changed key is planned on both dialects: the foreign key on the old key
 * goes first, the new key's column becomes NOT NULL before the key, the
 * foreign key comes back after the unique key it then needs, and the plan
 * reaches the desired schema. */
static void pk_change_planned(void **state)
{
    (void)state;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_schema *s = parse(a, pk_start), *w = parse(a, pk_desired);
        struct mp_changeset cs = {0};
        struct mp_error e = {0};
        assert_int_equal(mp_diff(a, s, w, NULL, (enum mp_dialect)d, &cs, &e), 0);
        struct mp_plan *p = NULL;
        if (mp_plan_build(a, s, &cs, (enum mp_dialect)d, NULL, &p, &e))
            fail_msg("%s: %s", mp_dialect_name((enum mp_dialect)d), e.msg);
        struct mp_buf diff = {0};
        if (mp_schema_diff(&diff, w, p->final))
            fail_msg("%s: %s", mp_dialect_name((enum mp_dialect)d), mp_buf_str(&diff));
        mp_buf_free(&diff);
        long pk = step_of(p, MP_OP_ALTER_PK, "devices"), drop = step_of(p, MP_OP_DROP_FK, "logins");
        long add = step_of(p, MP_OP_ADD_FK, "logins"), nn = step_of(p, MP_OP_SET_NOT_NULL, "devices");
        long uq = step_of(p, MP_OP_ADD_UNIQUE, "devices");
        assert_true(pk >= 0 && drop >= 0 && add >= 0 && nn >= 0 && uq >= 0);
        assert_true(drop < pk && nn < pk && pk < add && uq < add);
        /* and for those reasons, not by the pre-sort's luck */
        assert_true(has_dep(p, drop, pk) && has_dep(p, nn, pk) && has_dep(p, pk, add) && has_dep(p, uq, add));
        /* the foreign key of devices to users is no key of devices': kept */
        assert_int_equal(step_of(p, MP_OP_DROP_FK, "devices"), -1);
        const char *sql = p->steps[pk].sql;
        if (d == MP_POSTGRES)
            assert_non_null(strstr(sql, "ALTER TABLE \"devices\" DROP CONSTRAINT \"devices_pkey\", ADD CONSTRAINT "
                                        "\"devices_pkey\" PRIMARY KEY (\"uuid\", \"user_uuid\");"));
        else
            assert_non_null(strstr(sql, "PRIMARY KEY (\"uuid\", \"user_uuid\")")); /* the rebuild */
        struct mp_buf t = {0};
        mp_plan_step_text(&t, p, (size_t)pk);
        assert_non_null(strstr(mp_buf_str(&t), "FAILS when two existing rows share a value of the new key"));
        mp_buf_free(&t);
        mp_arena_free(a);
    }
}

/* A key that comes and a key that goes. */
static void pk_added_and_dropped(void **state)
{
    (void)state;
    static const char *none = "table \"t\"\n  column \"a\" integer not null\n  column \"b\" integer\n";
    static const char *one = "table \"t\"\n  column \"a\" integer not null\n  column \"b\" integer\n  primary key (\"a\")\n";
    for (int d = 0; d < MP_NDIALECTS; d++)
        for (int dir = 0; dir < 2; dir++) {
            struct mp_arena *a = mp_arena_new();
            struct mp_schema *s = parse(a, dir ? one : none), *w = parse(a, dir ? none : one);
            struct mp_changeset cs = {0};
            struct mp_error e = {0};
            assert_int_equal(mp_diff(a, s, w, NULL, (enum mp_dialect)d, &cs, &e), 0);
            struct mp_plan *p = NULL;
            assert_int_equal(mp_plan_build(a, s, &cs, (enum mp_dialect)d, NULL, &p, &e), 0);
            assert_int_equal(p->n, 1);
            struct mp_buf diff = {0};
            assert_int_equal(mp_schema_diff(&diff, w, p->final), 0);
            mp_buf_free(&diff);
            if (d == MP_POSTGRES)
                assert_string_equal(p->steps[0].sql, dir ? "ALTER TABLE \"t\" DROP CONSTRAINT \"t_pkey\";\n"
                                                         : "ALTER TABLE \"t\" ADD PRIMARY KEY (\"a\");\n");
            mp_arena_free(a);
        }
}

/* The virtual schema's rules (vschema_pk.c). */
static void pk_rules(void **state)
{
    (void)state;
    const char *ab[2] = {"uuid", "user_uuid"}, *n1[1] = {"name"};
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_arena *a = mp_arena_new();
        struct mp_schema *s = parse(a, pk_start);
        mp_schema_table(s, (enum mp_dialect)d, "devices")->pk_name = "devices_pkey";
        struct mp_error e = {0};
        struct mp_op op = {.kind = MP_OP_ALTER_PK, .table = "devices", .name = "devices_pkey"};
        op.unique.cols = mp_names_make(a, 2, ab);
        /* a foreign key on the old key must go first (both dialects) */
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        assert_non_null(strstr(e.msg, "\"logins\""));
        struct mp_op drop = {.kind = MP_OP_DROP_FK, .table = "logins"};
        drop.fk = mp_schema_table(s, (enum mp_dialect)d, "logins")->fks[0];
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &drop, &e), 0);
        /* PostgreSQL: the new key's columns are NOT NULL first */
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), d == MP_POSTGRES ? MP_EPRECOND : 0);
        if (d == MP_POSTGRES) {
            assert_non_null(strstr(e.msg, "not NOT NULL"));
            struct mp_op nn = {.kind = MP_OP_SET_NOT_NULL, .table = "devices", .name = "user_uuid"};
            assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &nn, &e), 0);
            /* a relation's name is not free for the key */
            op.unique.name = "users";
            assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
            op.unique.name = NULL;
            assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), 0);
            /* unnamed, it takes the name the old key freed */
            assert_string_equal(mp_schema_table(s, (enum mp_dialect)d, "devices")->pk_name, "devices_pkey");
        }
        const struct mp_table *t = mp_schema_table(s, (enum mp_dialect)d, "devices");
        assert_int_equal(t->pk.n, 2);
        /* a column of the key keeps NOT NULL, a column that left it not */
        struct mp_op dn = {.kind = MP_OP_DROP_NOT_NULL, .table = "devices", .name = "user_uuid"};
        if (d == MP_POSTGRES)
            assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &dn, &e), MP_EPRECOND);
        /* a key over a missing column */
        op.unique.cols = mp_names_make(a, 1, n1);
        op.unique.cols.v[0] = "nosuch";
        assert_int_equal(mp_vschema_apply(a, s, (enum mp_dialect)d, &op, &e), MP_EPRECOND);
        assert_int_equal(t->pk.n, 2);
        mp_arena_free(a);
    }
}

/* PostgreSQL: a desired key over a column that may hold NULL is refused
 * by the diff with the column's name (the catalogs would say NOT NULL). */
static void pk_nullable_refused_on_postgres(void **state)
{
    (void)state;
    static const char *from = "table \"t\"\n  column \"a\" integer not null\n  column \"b\" integer\n  primary key (\"a\")\n";
    static const char *to = "table \"t\"\n  column \"a\" integer not null\n  column \"b\" integer\n  primary key (\"a\", \"b\")\n";
    struct mp_arena *a = mp_arena_new();
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, parse(a, from), parse(a, to), NULL, MP_POSTGRES, &cs, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "\"b\""));
    cs.n = 0;
    assert_int_equal(mp_diff(a, parse(a, from), parse(a, to), NULL, MP_SQLITE, &cs, &e), 0);
    mp_arena_free(a);
}

static struct mp_type raw(const char *text)
{
    return (struct mp_type){.kind = MP_TYPE_RAW, .raw = text};
}

/* PostgreSQL's value-preserving changes among its own spellings, each as
 * the manual states it (diff_cast.c), and the ones it is not. */
static void pg_casts(void **state)
{
    (void)state;
    struct mp_type text = {.kind = MP_TYPE_TEXT}, v40 = {.kind = MP_TYPE_VARCHAR, .len = 40};
    struct mp_type v20 = {.kind = MP_TYPE_VARCHAR, .len = 20}, i4 = {.kind = MP_TYPE_INTEGER};
    struct mp_type i8 = {.kind = MP_TYPE_BIGINT}, ts = {.kind = MP_TYPE_TIMESTAMP};
    struct mp_type c36 = raw("character(36)"), c40 = raw("character(40)"), vc = raw("character varying");
    struct mp_type i2 = raw("smallint"), tstz = raw("timestamp with time zone");
    assert_true(mp_type_widens_in(MP_POSTGRES, &c36, &text));
    assert_true(mp_type_widens_in(MP_POSTGRES, &c36, &v40));
    assert_true(mp_type_widens_in(MP_POSTGRES, &c36, &c40));
    assert_true(mp_type_widens_in(MP_POSTGRES, &c36, &vc));
    assert_true(mp_type_widens_in(MP_POSTGRES, &v20, &vc));
    assert_true(mp_type_widens_in(MP_POSTGRES, &vc, &text));
    assert_true(mp_type_widens_in(MP_POSTGRES, &i2, &i4));
    assert_true(mp_type_widens_in(MP_POSTGRES, &i2, &i8));
    assert_true(mp_type_widens_in(MP_POSTGRES, &i4, &i8));
    /* a shorter target may cut a value; timestamps move with TimeZone */
    assert_false(mp_type_widens_in(MP_POSTGRES, &c36, &v20));
    assert_false(mp_type_widens_in(MP_POSTGRES, &c40, &c36));
    assert_false(mp_type_widens_in(MP_POSTGRES, &text, &c36));
    assert_false(mp_type_widens_in(MP_POSTGRES, &vc, &v40));
    assert_false(mp_type_widens_in(MP_POSTGRES, &i8, &i2));
    assert_false(mp_type_widens_in(MP_POSTGRES, &ts, &tstz));
    assert_false(mp_type_widens_in(MP_POSTGRES, &tstz, &ts));
    struct mp_type bad = raw("character(36x)");
    assert_false(mp_type_widens_in(MP_POSTGRES, &bad, &text));
    /* the spellings are PostgreSQL's: not SQLite's rule */
    assert_false(mp_type_widens_in(MP_SQLITE, &i2, &i4));

    /* planned as ALTER COLUMN TYPE, not marked as a narrowing */
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, "table \"t\"\n  column \"id\" raw 'character(36)' not null\n  primary key (\"id\")\n");
    struct mp_schema *w = parse(a, "table \"t\"\n  column \"id\" text not null\n  primary key (\"id\")\n");
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, s, w, NULL, MP_POSTGRES, &cs, &e), 0);
    assert_int_equal(cs.n, 1);
    assert_int_equal(cs.ops[0].kind, MP_OP_ALTER_TYPE);
    assert_false(cs.ops[0].lossy);
    struct mp_plan *p = NULL;
    assert_int_equal(mp_plan_build(a, s, &cs, MP_POSTGRES, NULL, &p, &e), 0);
    assert_non_null(strstr(p->steps[0].sql, "ALTER COLUMN \"id\" TYPE text USING \"id\"::text"));
    assert_null(mp_plan_step_data_loss(a, p, 0));
    /* timestamp -> timestamptz stays refused, naming the column */
    s = parse(a, "table \"t\"\n  column \"at\" timestamp\n");
    w = parse(a, "table \"t\"\n  column \"at\" raw 'timestamp with time zone'\n");
    cs.n = 0;
    assert_int_equal(mp_diff(a, s, w, NULL, MP_POSTGRES, &cs, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "\"at\""));
    mp_arena_free(a);
}

/* PostgreSQL-only index options planted in a dialect-neutral case: SQLite
 * builds the same keys as a plain B-tree (the plan's SQL and its virtual
 * schema say so, and the desired schema compares equal once projected),
 * PostgreSQL keeps them, the two read-backs agree in MP_CANON_PORTABLE
 * form, and a unique NULLS NOT DISTINCT index, which SQLite would weaken,
 * is refused there by name. */
static void pg_only_index_options(void **state)
{
    (void)state;
    static const char *start = "table \"t\"\n  column \"id\" integer not null\n  column \"k\" text\n"
                               "  column \"n\" integer\n  column \"tags\" text\n  primary key (\"id\")\n";
    static const char *idx = "  index \"t_g\" using gin (\"tags\")\n"
                             "  index \"t_o\" (\"k\" \"text_pattern_ops\" desc nulls last)\n"
                             "  unique index \"t_i\" (\"n\" nulls first) include (\"k\")\n";
    struct mp_arena *a = mp_arena_new();
    struct mp_schema *s = parse(a, start), *w = parse(a, mp_arena_printf(a, "%s%s", start, idx));
    struct mp_plan *p[MP_NDIALECTS] = {0};
    for (int d = 0; d < MP_NDIALECTS; d++) {
        struct mp_changeset cs = {0};
        struct mp_error e = {0};
        assert_int_equal(mp_diff(a, s, w, NULL, (enum mp_dialect)d, &cs, &e), 0);
        assert_int_equal(cs.n, 3);
        if (mp_plan_build(a, s, &cs, (enum mp_dialect)d, NULL, &p[d], &e))
            fail_msg("%s: %s", mp_dialect_name((enum mp_dialect)d), e.msg);
        struct mp_buf sql = {0}, diff = {0};
        mp_plan_script(&sql, p[d]);
        const char *text = mp_buf_str(&sql);
        if (d == MP_SQLITE) {
            assert_non_null(strstr(text, "CREATE INDEX \"t_g\" ON \"t\" (\"tags\");"));
            assert_non_null(strstr(text, "CREATE INDEX \"t_o\" ON \"t\" (\"k\" DESC);"));
            assert_non_null(strstr(text, "CREATE UNIQUE INDEX \"t_i\" ON \"t\" (\"n\");"));
            assert_null(strstr(text, "USING"));
            assert_null(strstr(text, "INCLUDE"));
            assert_null(strstr(text, "NULLS"));
            assert_null(strstr(text, "text_pattern_ops"));
        } else {
            assert_non_null(strstr(text, "CREATE INDEX \"t_g\" ON \"t\" USING gin (\"tags\");"));
            assert_non_null(strstr(text, "INCLUDE (\"k\")"));
            assert_non_null(strstr(text, "\"text_pattern_ops\" DESC NULLS LAST"));
        }
        /* the plan reaches the desired schema as the dialect keeps it */
        if (mp_schema_diff(&diff, w, p[d]->final))
            fail_msg("%s: %s", mp_dialect_name((enum mp_dialect)d), mp_buf_str(&diff));
        mp_buf_free(&sql);
        mp_buf_free(&diff);
        /* planning again from there is nothing: no index rebuilt each time */
        cs.n = 0;
        assert_int_equal(mp_diff(a, p[d]->final, w, NULL, (enum mp_dialect)d, &cs, &e), 0);
        assert_int_equal(cs.n, 0);
    }
    /* a start schema with them is created on SQLite as it keeps them */
    struct mp_buf ddl = {0};
    mp_sql_schema(&ddl, w, MP_SQLITE, MP_FAULT_NONE);
    assert_non_null(strstr(mp_buf_str(&ddl), "CREATE INDEX \"t_g\" ON \"t\" (\"tags\");"));
    assert_null(strstr(mp_buf_str(&ddl), "INCLUDE"));
    mp_buf_free(&ddl);
    /* the dialects agree in the portable form, not in the full one */
    struct mp_buf x = {0}, y = {0};
    mp_schema_canonical(&x, p[MP_POSTGRES]->final, MP_CANON_PORTABLE);
    mp_schema_canonical(&y, p[MP_SQLITE]->final, MP_CANON_PORTABLE);
    assert_string_equal(mp_buf_str(&x), mp_buf_str(&y));
    assert_null(strstr(mp_buf_str(&x), "gin"));
    x.len = y.len = 0;
    mp_schema_canonical(&x, p[MP_POSTGRES]->final, 0);
    mp_schema_canonical(&y, p[MP_SQLITE]->final, 0);
    assert_string_not_equal(mp_buf_str(&x), mp_buf_str(&y));
    mp_buf_free(&x);
    mp_buf_free(&y);
    /* NULLS NOT DISTINCT: kept on PostgreSQL, refused on SQLite by name */
    w = parse(a, mp_arena_printf(a, "%s  unique index \"t_z\" (\"k\") nulls not distinct\n", start));
    struct mp_changeset cs = {0};
    struct mp_error e = {0};
    assert_int_equal(mp_diff(a, s, w, NULL, MP_POSTGRES, &cs, &e), 0);
    cs.n = 0;
    assert_int_equal(mp_diff(a, s, w, NULL, MP_SQLITE, &cs, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "\"t_z\""));
    assert_non_null(strstr(e.msg, "NULLS NOT DISTINCT"));
    struct mp_op add = {.kind = MP_OP_ADD_INDEX, .table = "t", .index = w->tables[0]->indexes[0]};
    assert_int_equal(mp_vschema_apply(a, s, MP_SQLITE, &add, &e), MP_EPRECOND);
    mp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pk_change_planned),
        cmocka_unit_test(pk_added_and_dropped),
        cmocka_unit_test(pk_rules),
        cmocka_unit_test(pk_nullable_refused_on_postgres),
        cmocka_unit_test(pg_casts),
        cmocka_unit_test(pg_only_index_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
