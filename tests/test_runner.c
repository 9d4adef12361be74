/* test_runner.c - unit tests of the runner: the statement scanner,
 * directory discovery, and the public C API (include/migprop/runner.h) on
 * SQLite: embedded and code migrations, hooks, dry run, failure, status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "migdir.h"
#include "migprop/runner.h"
#include "os.h"
#include "runner_int.h"
#include "sqlscan.h"

/* ---- the statement scanner ---- */

/* The statements of `sql` as "LINE:TEXT" lines, for one assertion each. */
static char *scan(const char *sql)
{
    struct mp_sql_stmt *v = NULL;
    long n = mp_sql_statements(sql, strlen(sql), &v);
    assert_true(n >= 0);
    size_t cap = strlen(sql) + 32 * (size_t)n + 1, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = 0;
    for (long i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%ld:%.*s|", v[i].line, (int)(v[i].end - v[i].start),
                                sql + v[i].start);
    free(v);
    return out;
}

static void scanner_strings_and_quotes(void **state)
{
    (void)state;
    char *s = scan("INSERT INTO t VALUES ('a;b', 'it''s;');\nSELECT \"x;y\" FROM t;");
    assert_string_equal(s, "1:INSERT INTO t VALUES ('a;b', 'it''s;');|2:SELECT \"x;y\" FROM t;|");
    free(s);
    s = scan("SELECT E'\\';' AS a; SELECT 2");
    assert_string_equal(s, "1:SELECT E'\\';' AS a;|1:SELECT 2|");
    free(s);
}

static void scanner_dollar_quotes(void **state)
{
    (void)state;
    const char *fn = "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1; -- ;\nEND;\n$body$ LANGUAGE plpgsql;\n"
                     "SELECT $$a;b$$, $1;";
    char *s = scan(fn);
    assert_string_equal(s, "1:CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1; -- ;\nEND;\n$body$ "
                           "LANGUAGE plpgsql;|6:SELECT $$a;b$$, $1;|");
    free(s);
}

static void scanner_comments_and_lines(void **state)
{
    (void)state;
    /* comment-only statements are skipped; a statement's line is its first token's */
    char *s = scan("-- leading; comment\n/* block ; /* nested ; */ still */\n\nCREATE TABLE a (x int);\n;\n"
                   "  -- only a comment;\n\n  DROP TABLE a;");
    assert_string_equal(s, "4:CREATE TABLE a (x int);|8:DROP TABLE a;|");
    free(s);
    assert_int_equal(mp_sql_line_of("a\nb\nc", 0), 1);
    assert_int_equal(mp_sql_line_of("a\nb\nc", 4), 3);
    /* BEGIN ATOMIC bodies hold their ';' (PostgreSQL 14+) */
    s = scan("CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nSELECT 3;");
    assert_string_equal(s, "1:CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;|"
                           "2:SELECT 3;|");
    free(s);
}

static void scanner_lexer_corners(void **state)
{
    (void)state;
    /* '$' continuing an identifier is no dollar quote (PostgreSQL scan.l ident_cont) */
    char *s = scan("CREATE TABLE a$b$ (col$1 int, x$ int);\nSELECT $t$;$t$, $$;$$;\nSELECT 3;");
    assert_string_equal(s, "1:CREATE TABLE a$b$ (col$1 int, x$ int);|2:SELECT $t$;$t$, $$;$$;|3:SELECT 3;|");
    free(s);
    /* nested block comments, E'\'' strings, '' doubled after E */
    s = scan("/* a /* b; */ c; */ SELECT E'\\';', 'x''y;';\nSELECT e'a\\\\';\nSELECT 2");
    assert_string_equal(s, "1:SELECT E'\\';', 'x''y;';|2:SELECT e'a\\\\';|3:SELECT 2|");
    free(s);
    /* BEGIN ATOMIC with a CASE ... END inside */
    s = scan("CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n"
             "  SELECT 2;\nEND;\nSELECT 4;");
    assert_string_equal(s, "1:CREATE FUNCTION h(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 "
                           "THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;|6:SELECT 4;|");
    free(s);
    /* SQLite trigger bodies hold their ';' */
    s = scan("CREATE TEMP TRIGGER tg AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM u; END;\nSELECT 1;");
    assert_string_equal(s, "1:CREATE TEMP TRIGGER tg AFTER INSERT ON t BEGIN UPDATE t SET a = 1; DELETE FROM u; END;|"
                           "2:SELECT 1;|");
    free(s);
    /* unterminated quotes and comments end at the end of the script */
    s = scan("SELECT 'a;\n;");
    assert_string_equal(s, "1:SELECT 'a;\n;|");
    free(s);
    s = scan("SELECT 1; /* open ; ");
    assert_string_equal(s, "1:SELECT 1;|");
    free(s);
}

static enum mp_sql_txctl txk(const char *sql, int *val)
{
    struct mp_sql_stmt *v = NULL;
    long n = mp_sql_statements(sql, strlen(sql), &v);
    assert_int_equal(n, 1);
    enum mp_sql_txctl k = mp_sql_txctl(sql, &v[0], val);
    free(v);
    return k;
}

static void scanner_transaction_control(void **state)
{
    (void)state;
    int val = 99;
    assert_int_equal(txk("BEGIN;", NULL), MP_SQL_TX_BEGIN);
    assert_int_equal(txk("begin immediate transaction", NULL), MP_SQL_TX_BEGIN);
    assert_int_equal(txk("/* x */ START TRANSACTION ISOLATION LEVEL SERIALIZABLE;", NULL), MP_SQL_TX_BEGIN);
    assert_int_equal(txk("COMMIT WORK;", NULL), MP_SQL_TX_COMMIT);
    assert_int_equal(txk("END TRANSACTION;", NULL), MP_SQL_TX_COMMIT);
    assert_int_equal(txk("ROLLBACK;", NULL), MP_SQL_TX_ROLLBACK);
    assert_int_equal(txk("ABORT;", NULL), MP_SQL_TX_ROLLBACK);
    assert_int_equal(txk("ROLLBACK TRANSACTION TO SAVEPOINT s;", NULL), MP_SQL_TX_SAVEPOINT);
    assert_int_equal(txk("SAVEPOINT s;", NULL), MP_SQL_TX_SAVEPOINT);
    assert_int_equal(txk("RELEASE s;", NULL), MP_SQL_TX_SAVEPOINT);
    assert_int_equal(txk("PREPARE TRANSACTION 'x';", NULL), MP_SQL_TX_PREPARED);
    assert_int_equal(txk("COMMIT PREPARED 'x';", NULL), MP_SQL_TX_PREPARED);
    assert_int_equal(txk("PREPARE q AS SELECT 1;", NULL), MP_SQL_TX_NONE);
    assert_int_equal(txk("PRAGMA main.foreign_keys = OFF;", &val), MP_SQL_TX_FK_PRAGMA);
    assert_int_equal(val, 0);
    assert_int_equal(txk("pragma foreign_keys=1", &val), MP_SQL_TX_FK_PRAGMA);
    assert_int_equal(val, 1);
    assert_int_equal(txk("PRAGMA foreign_keys;", &val), MP_SQL_TX_FK_PRAGMA);
    assert_int_equal(val, -1);
    assert_int_equal(txk("PRAGMA foreign_key_check;", NULL), MP_SQL_TX_NONE);
    assert_int_equal(txk("CREATE TABLE commit_log (begin int);", NULL), MP_SQL_TX_NONE);
    assert_int_equal(txk("SELECT 'COMMIT';", NULL), MP_SQL_TX_NONE);
}

/* mp_section_txcheck on `sql`: its return code, and the body into *body. */
static int txcheck(const char *sql, enum mp_dialect d, bool in_tx, char **body, bool *fk, struct mp_error *err)
{
    struct mp_migsql sec = {.path = "m.sql", .sql = sql, .line = 1};
    return mp_section_txcheck(&sec, d, in_tx, body, fk, err);
}

static void section_transaction_rule(void **state)
{
    (void)state;
    struct mp_error err = {0};
    char *body;
    bool fk;
    /* plan's PostgreSQL output: the wrapper is blanked, lines kept */
    assert_int_equal(txcheck("-- plan\nBEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n", MP_POSTGRES, true, &body, &fk, &err), 0);
    assert_string_equal(body, "-- plan\n      \nCREATE TABLE a (x int);\n       \n");
    assert_false(fk);
    free(body);
    /* plan's SQLite output with the PRAGMAs around it: foreign keys off */
    assert_int_equal(txcheck("PRAGMA foreign_keys=OFF;\nBEGIN;\nDROP TABLE p;\nPRAGMA foreign_key_check;\nCOMMIT;\n"
                             "PRAGMA foreign_keys=ON;\n",
                             MP_SQLITE, true, &body, &fk, &err),
                     0);
    assert_string_equal(body, "                        \n      \nDROP TABLE p;\nPRAGMA foreign_key_check;\n       \n"
                              "                       \n");
    assert_true(fk);
    free(body);
    /* plain files run as they are */
    assert_int_equal(txcheck("CREATE TABLE a (x int);", MP_SQLITE, true, &body, &fk, &err), 0);
    assert_null(body);
    /* a bare COMMIT, a second transaction: refused with the line */
    assert_int_equal(txcheck("CREATE TABLE a (x int);\nCOMMIT;\nCREATE TABLE b (x int);", MP_POSTGRES, true, &body, &fk,
                             &err),
                     MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:2: COMMIT"));
    assert_non_null(strstr(err.msg, "-- migprop:no-transaction"));
    assert_int_equal(txcheck("BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;", MP_POSTGRES, true, &body, &fk, &err),
                     MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:3: COMMIT"));
    /* the migration's own savepoints nest in the runner's transaction; the runner's are its own */
    assert_int_equal(txcheck("BEGIN;\nSAVEPOINT s;\nCOMMIT;", MP_SQLITE, true, &body, &fk, &err), 0);
    free(body);
    assert_int_equal(txcheck("SAVEPOINT s;\nSELECT 1;\nROLLBACK TO SAVEPOINT s;\nRELEASE s;", MP_POSTGRES, true, &body,
                             &fk, &err),
                     0);
    assert_null(body);
    assert_int_equal(txcheck("SELECT 1;\nRELEASE SAVEPOINT migprop_migration;", MP_SQLITE, true, &body, &fk, &err),
                     MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:2: SAVEPOINT"));
    assert_int_equal(txcheck("ROLLBACK TO \"MIGPROP_migration\";", MP_POSTGRES, true, &body, &fk, &err), MP_EINVAL);
    assert_int_equal(txcheck("BEGIN;\nCREATE TABLE a (x int);", MP_SQLITE, true, &body, &fk, &err), MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:1: BEGIN"));
    assert_int_equal(txcheck("BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;", MP_POSTGRES, true, &body, &fk, &err), MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:3: COMMIT"));
    /* PRAGMA foreign_keys inside the transaction: a no-op, refused on SQLite */
    assert_int_equal(txcheck("PRAGMA foreign_keys=OFF;\nDROP TABLE p;", MP_SQLITE, true, &body, &fk, &err), MP_EINVAL);
    assert_non_null(strstr(err.msg, "m.sql:1: PRAGMA foreign_keys"));
    assert_non_null(strstr(err.msg, "-- migprop:foreign-keys-off"));
    /* outside a transaction everything goes */
    assert_int_equal(txcheck("BEGIN;\nSELECT 1;\nCOMMIT;\nVACUUM;", MP_SQLITE, false, &body, &fk, &err), 0);
    assert_null(body);
}

/* ---- directory discovery ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *tempdir(const char *prefix)
{
    char *d = NULL;
    struct mp_error e = {0};
    assert_int_equal(mp_scratch_mkdtemp(prefix, &d, &e), 0);
    return d;
}

static void migdir_pairs(void **state)
{
    (void)state;
    char *d = tempdir("test-runner-pairs-");
    write_file(d, "10_later.up.sql", "CREATE TABLE c (x int);\n");
    write_file(d, "10_later.down.sql", "DROP TABLE c;\n");
    write_file(d, "0002_second.up.sql", "-- migprop:no-transaction\nCREATE TABLE b (x int);\n");
    write_file(d, "0002_second.down.sql", "-- nothing to undo\n");
    write_file(d, "1_first.up.sql", "CREATE TABLE a (x int);\n");
    write_file(d, "1_first.down.sql", "DROP TABLE a;\n");
    write_file(d, "README", "not a migration\n");
    struct mp_arena *a = mp_arena_new();
    struct mp_migset set;
    struct mp_error e = {0};
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), 0);
    assert_int_equal(set.format, MP_MIGFMT_PAIRS);
    assert_int_equal(set.n, 3);
    /* numeric order, not the order of the names */
    assert_string_equal(set.v[0].version, "1");
    assert_string_equal(set.v[1].version, "2");
    assert_string_equal(set.v[1].raw_version, "0002");
    assert_string_equal(set.v[2].version, "10");
    assert_string_equal(set.v[0].name, "first");
    assert_true(set.v[0].reversible);
    assert_false(set.v[1].reversible); /* a comment-only down */
    assert_true(set.v[1].up.no_transaction);
    char sum[65];
    mp_sha256_hex("CREATE TABLE a (x int);\n", 24, sum);
    assert_string_equal(set.v[0].checksum, sum);
    /* "7" and "007" are one version */
    write_file(d, "007_x.up.sql", "SELECT 1;");
    write_file(d, "7_y.up.sql", "SELECT 2;");
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "duplicate version"));
    mp_arena_free(a);
    assert_int_equal(mp_rmtree(d, &e), 0);
    free(d);
}

static void migdir_single(void **state)
{
    (void)state;
    char *d = tempdir("test-runner-single-");
    write_file(d, "2_two.sql", "-- +migrate Up\nCREATE TABLE b (x int);\n-- +migrate Down\nDROP TABLE b;\n");
    write_file(d, "1_one.sql", "-- migrate:up\nCREATE TABLE a (x int);\n\n-- migrate:down\nDROP TABLE a;\n");
    write_file(d, "3_three.sql", "-- UP\nCREATE TABLE c (x int);\n");
    struct mp_arena *a = mp_arena_new();
    struct mp_migset set;
    struct mp_error e = {0};
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), 0);
    assert_int_equal(set.format, MP_MIGFMT_SINGLE);
    assert_int_equal(set.n, 3);
    assert_string_equal(set.v[0].version, "1");
    assert_string_equal(set.v[1].version, "2");
    assert_string_equal(set.v[2].version, "3");
    assert_string_equal(set.v[0].up.sql, "CREATE TABLE a (x int);\n\n");
    assert_int_equal(set.v[0].up.line, 2);
    assert_int_equal(set.v[0].down.line, 5);
    assert_true(set.v[1].reversible);
    assert_false(set.v[2].reversible); /* no down section */
    /* SQL before the first marker is an error naming the file and line */
    write_file(d, "4_bad.sql", "CREATE TABLE d (x int);\n-- migrate:up\n");
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "4_bad.sql:1:"));
    mp_arena_free(a);
    assert_int_equal(mp_rmtree(d, &e), 0);
    free(d);
}

/* diesel's rule: any NAME/ holding up.sql; version = NAME before the first
 * '_' without '-'; the setup migration is one; metadata.toml */
static void migdir_diesel(void **state)
{
    (void)state;
    char *d = tempdir("test-runner-diesel-");
    char p[4096];
    const char *dirs[] = {"00000000000000_diesel_initial_setup", "2024-03-13_170000_sso", "2018-01-14-171611_create",
                          "notes"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", d, dirs[i]);
        assert_int_equal(mkdir(p, 0700), 0);
        if (i < 3)
            write_file(p, "up.sql", "SELECT 1;\n");
    }
    snprintf(p, sizeof p, "%s/%s", d, dirs[2]);
    write_file(p, "metadata.toml", "run_in_transaction = false\n");
    struct mp_arena *a = mp_arena_new();
    struct mp_migset set;
    struct mp_error e = {0};
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), 0);
    assert_int_equal(set.format, MP_MIGFMT_DIESEL);
    assert_int_equal(set.n, 3); /* "notes" holds no up.sql */
    assert_string_equal(set.v[0].version, "00000000000000");
    assert_string_equal(set.v[1].version, "20180114171611");
    assert_true(set.v[1].up.no_transaction);
    assert_string_equal(set.v[2].version, "20240313");
    assert_false(set.v[2].up.no_transaction);
    assert_string_equal(mp_migversion_parse(a, MP_MIGFMT_DIESEL, "2018-01-14-171611"), "20180114171611");
    /* a directory named like a file is an error naming it */
    snprintf(p, sizeof p, "%s/002_x.up.sql", d);
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(mp_migdir_read(a, d, MP_MIGFMT_AUTO, &set, &e), MP_EINVAL);
    assert_non_null(strstr(e.msg, "002_x.up.sql: a directory named like a migration file"));
    mp_arena_free(a);
    assert_int_equal(mp_rmtree(d, &e), 0);
    free(d);
}

/* Flyway versions: numbers part by part, '_' as '.', trailing zeros dropped */
static void migversion_flyway(void **state)
{
    (void)state;
    struct mp_arena *a = mp_arena_new();
    assert_string_equal(mp_migversion_parse(a, MP_MIGFMT_FLYWAY, "1_1"), "1.1");
    assert_string_equal(mp_migversion_parse(a, MP_MIGFMT_FLYWAY, "01.0"), "1");
    assert_string_equal(mp_migversion_parse(a, MP_MIGFMT_FLYWAY, "2.010"), "2.10");
    assert_null(mp_migversion_parse(a, MP_MIGFMT_FLYWAY, "1..2"));
    assert_null(mp_migversion_parse(a, MP_MIGFMT_FLYWAY, "1.a"));
    assert_true(mp_migversion_cmp(MP_MIGFMT_FLYWAY, "1.9", "1.10") < 0);
    assert_true(mp_migversion_cmp(MP_MIGFMT_FLYWAY, "1.1", "1") > 0);
    assert_true(mp_migversion_cmp(MP_MIGFMT_FLYWAY, "10", "9.9") > 0);
    assert_int_equal(mp_migversion_cmp(MP_MIGFMT_FLYWAY, "2.3", "2.3"), 0);
    /* CRLF and LF hash alike */
    char x[65], y[65];
    mp_migration_checksum("a;\r\nb;\r\n", x);
    mp_migration_checksum("a;\nb;\n", y);
    assert_string_equal(x, y);
    mp_arena_free(a);
}

/* ---- the C API ---- */

/* What the hooks saw, one "EVENT VERSION NAME DIR" line each. */
struct trace {
    char text[4096];
    size_t len;
    int errors;
};

static void note(struct trace *t, const char *ev, const struct mp_runner_hook_info *i)
{
    t->len += (size_t)snprintf(t->text + t->len, sizeof t->text - t->len, "%s %s %s %s\n", ev, i->version, i->name,
                               i->direction == MP_RUNNER_DIR_UP ? "up" : "down");
}

static void on_before(const struct mp_runner_hook_info *i, void *p)
{
    assert_null(i->error);
    assert_true(i->duration_ms == 0);
    note(p, "before", i);
}

static void on_after(const struct mp_runner_hook_info *i, void *p)
{
    assert_null(i->error);
    assert_true(i->duration_ms >= 0);
    note(p, "after", i);
}

static void on_error(const struct mp_runner_hook_info *i, void *p)
{
    struct trace *t = p;
    assert_non_null(i->error);
    t->errors++;
    note(p, "error", i);
}

static const struct mp_runner_embedded three[] = {
    {"1", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);", "DROP TABLE users;", 0},
    {"0002", "create_posts", "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));",
     "DROP TABLE posts;", 0},
    {"3", "seed", "INSERT INTO users (email) VALUES ('a;b@example.org');", NULL, 0},
};

/* A fresh SQLite database file in a scratch directory. */
struct db {
    char *dir;
    char url[4200];
};

static void db_new(struct db *d)
{
    d->dir = tempdir("test-runner-api-");
    snprintf(d->url, sizeof d->url, "%s/app.db", d->dir); /* a plain path: SQLite */
}

static void db_free(struct db *d)
{
    struct mp_error e = {0};
    mp_rmtree(d->dir, &e);
    free(d->dir);
}

/* SELECT of one integer on the database file through a connection of its
 * own, which sees only what the runner committed. */
static long query(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = (long)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static void api_embedded_up_status_down(void **state)
{
    (void)state;
    struct db d;
    db_new(&d);
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, three, 3), 0);
    assert_int_equal(mp_runner_migrations_count(set), 3);
    struct mp_runner *r;
    assert_int_equal(mp_runner_open(&r, d.url, NULL), 0);
    assert_int_equal(mp_runner_dialect(r), MP_RUNNER_SQLITE);
    struct trace t = {0};
    struct mp_runner_hooks h = MP_RUNNER_HOOKS_INIT;
    h.before = on_before;
    h.after = on_after;
    h.on_error = on_error;
    h.payload = &t;
    assert_int_equal(mp_runner_set_hooks(r, &h), 0);

    /* two steps, then the rest */
    struct mp_runner_run_options o = MP_RUNNER_RUN_OPTIONS_INIT;
    o.strategy = MP_RUNNER_UP_STEPS;
    o.steps = 2;
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, &o), 0);
    assert_int_equal(res.applied, 2);
    assert_string_equal(t.text, "before 1 create_users up\nafter 1 create_users up\n"
                                "before 0002 create_posts up\nafter 0002 create_posts up\n");
    assert_int_equal(mp_runner_run(&res, r, set, NULL), 0);
    assert_int_equal(res.applied, 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM users WHERE email = 'a;b@example.org'"), 1);

    struct mp_runner_status *st;
    assert_int_equal(mp_runner_status(&st, r, set), 0);
    assert_int_equal(mp_runner_status_count(st), 3);
    for (size_t i = 0; i < 3; i++) {
        const struct mp_runner_status_entry *e = mp_runner_status_get(st, i);
        assert_int_equal(e->state, MP_RUNNER_APPLIED);
        assert_int_equal(e->checksum_match, 1);
        assert_non_null(e->applied_at);
        assert_null(e->error);
    }
    assert_string_equal(mp_runner_status_get(st, 1)->version, "0002");
    assert_false(mp_runner_status_get(st, 2)->reversible);
    assert_null(mp_runner_status_get(st, 3));
    mp_runner_status_free(st);

    /* the newest is irreversible: down refuses, nothing reverted */
    o.strategy = MP_RUNNER_DOWN_STEPS;
    o.steps = 1;
    assert_int_equal(mp_runner_run(&res, r, set, &o), MP_RUNNER_EPRECOND);
    assert_non_null(strstr(mp_runner_error_last()->message, "irreversible"));
    /* going back to version 1 passes over the irreversible 3: refused too */
    o.strategy = MP_RUNNER_GOTO;
    o.target = "1";
    assert_int_equal(mp_runner_run(&res, r, set, &o), MP_RUNNER_EPRECOND);
    o.target = "99";
    assert_int_equal(mp_runner_run(&res, r, set, &o), MP_RUNNER_EINVAL);
    mp_runner_free(r);
    mp_runner_migrations_free(set);

    /* a set with only the first two: 3 is applied but missing, and blocks */
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, three, 2), 0);
    assert_int_equal(mp_runner_open(&r, d.url, NULL), 0);
    assert_int_equal(mp_runner_status(&st, r, set), 0);
    assert_int_equal(mp_runner_status_count(st), 3);
    assert_int_equal(mp_runner_status_get(st, 2)->state, MP_RUNNER_MISSING);
    assert_int_equal(mp_runner_status_get(st, 2)->checksum_match, -1);
    mp_runner_status_free(st);
    size_t problems;
    assert_int_equal(mp_runner_verify(&problems, r, set, NULL), 0);
    assert_int_equal(problems, 1);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    db_free(&d);
}

static void api_down_and_dry_run(void **state)
{
    (void)state;
    struct db d;
    db_new(&d);
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, three, 2), 0);
    struct mp_runner_options ro;
    assert_int_equal(mp_runner_options_init(&ro, MP_RUNNER_OPTIONS_VERSION), 0);
    ro.table = "app_migrations";
    struct mp_runner *r;
    assert_int_equal(mp_runner_open(&r, d.url, &ro), 0);
    struct trace t = {0};
    struct mp_runner_hooks h = MP_RUNNER_HOOKS_INIT;
    h.before = on_before;
    h.after = on_after;
    h.on_error = on_error;
    h.payload = &t;
    assert_int_equal(mp_runner_set_hooks(r, &h), 0);

    /* a dry run plans both, runs nothing, calls no hook */
    char plan[1024] = "";
    FILE *pf = fmemopen(plan, sizeof plan, "w");
    assert_non_null(pf);
    struct mp_runner_run_options o = MP_RUNNER_RUN_OPTIONS_INIT;
    o.dry_run = 1;
    o.plan = pf;
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, &o), 0);
    fclose(pf);
    assert_int_equal(res.planned, 2);
    assert_int_equal(res.applied, 0);
    assert_string_equal(t.text, "");
    assert_non_null(strstr(plan, "would apply 1 create_users (embedded:1_create_users.up)\n"));
    assert_non_null(strstr(plan, "would apply 0002 create_posts"));
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name IN ('users', 'posts')"), 0);

    /* up to 1, then everything, then one down */
    o = (struct mp_runner_run_options)MP_RUNNER_RUN_OPTIONS_INIT;
    o.strategy = MP_RUNNER_UP_TO;
    o.target = "001";
    assert_int_equal(mp_runner_run(&res, r, set, &o), 0);
    assert_int_equal(res.applied, 1);
    assert_int_equal(mp_runner_run(&res, r, set, NULL), 0);
    assert_int_equal(res.applied, 1);
    o.strategy = MP_RUNNER_DOWN_STEPS;
    o.steps = 1;
    t.len = 0;
    assert_int_equal(mp_runner_run(&res, r, set, &o), 0);
    assert_int_equal(res.reverted, 1);
    assert_string_equal(t.text, "before 0002 create_posts down\nafter 0002 create_posts down\n");
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name = 'posts'"), 0);
    assert_int_equal(query(d.url, "SELECT count(*) FROM app_migrations WHERE status = 'applied'"), 1);
    /* GOTO 0 reverts the rest */
    o.strategy = MP_RUNNER_GOTO;
    o.target = "0";
    assert_int_equal(mp_runner_run(&res, r, set, &o), 0);
    assert_int_equal(res.reverted, 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM app_migrations"), 0);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    db_free(&d);
}

static void api_failure_rolls_back(void **state)
{
    (void)state;
    struct db d;
    db_new(&d);
    static const struct mp_runner_embedded bad[] = {
        {"1", "ok", "CREATE TABLE a (x int);", "DROP TABLE a;", 0},
        {"2", "broken", "CREATE TABLE b (x int);\nINSERT INTO b VALUES (1);\nINSERT INTO nosuch VALUES (1);", NULL, 0},
        {"3", "never", "CREATE TABLE c (x int);", NULL, 0},
    };
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, bad, 3), 0);
    struct mp_runner *r;
    assert_int_equal(mp_runner_open(&r, d.url, NULL), 0);
    struct trace t = {0};
    struct mp_runner_hooks h = MP_RUNNER_HOOKS_INIT;
    h.before = on_before;
    h.after = on_after;
    h.on_error = on_error;
    h.payload = &t;
    assert_int_equal(mp_runner_set_hooks(r, &h), 0);
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, NULL), MP_RUNNER_EDB);
    assert_int_equal(res.applied, 1);
    assert_string_equal(res.failed_version, "2");
    assert_int_equal(res.failed_line, 3);
    assert_int_equal(t.errors, 1);
    assert_string_equal(t.text, "before 1 ok up\nafter 1 ok up\nbefore 2 broken up\nerror 2 broken up\n");
    const struct mp_runner_error *e = mp_runner_error_last();
    assert_int_equal(e->code, MP_RUNNER_EDB);
    assert_non_null(strstr(e->message, "embedded:2_broken.up:3: no such table: nosuch"));
    /* rolled back: no table b, no applied record, a failed one */
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name IN ('b', 'c')"), 0);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'"), 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE version = '2' AND status = 'failed'"),
                     1);
    struct mp_runner_status *st;
    assert_int_equal(mp_runner_status(&st, r, set), 0);
    assert_int_equal(mp_runner_status_get(st, 1)->state, MP_RUNNER_FAILED);
    assert_non_null(strstr(mp_runner_status_get(st, 1)->error, "nosuch"));
    assert_int_equal(mp_runner_status_get(st, 2)->state, MP_RUNNER_PENDING);
    mp_runner_status_free(st);
    /* verify counts the failure; repair clears it */
    size_t n;
    assert_int_equal(mp_runner_verify(&n, r, set, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(mp_runner_repair(&n, r, set, 0, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations"), 1);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    db_free(&d);
}

/* group: all or none, in one transaction; a version-1 options struct is
 * still read (without the field) */
static void api_group_all_or_none(void **state)
{
    (void)state;
    struct db d;
    db_new(&d);
    static const struct mp_runner_embedded bad[] = {
        {"1", "ok", "CREATE TABLE a (x int);", "DROP TABLE a;", 0},
        {"2", "broken", "CREATE TABLE b (x int);\nINSERT INTO nosuch VALUES (1);", NULL, 0},
    };
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, bad, 2), 0);
    struct mp_runner *r;
    assert_int_equal(mp_runner_open(&r, d.url, NULL), 0);
    struct mp_runner_run_options o = MP_RUNNER_RUN_OPTIONS_INIT;
    o.group = 1;
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, &o), MP_RUNNER_EDB);
    assert_int_equal(res.applied, 0);
    assert_string_equal(res.failed_version, "2");
    assert_non_null(strstr(mp_runner_error_last()->message, "--group: nothing applied"));
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')"), 0);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'"), 0);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE version = '2' AND status = 'failed'"),
                     1);
    /* version 1: no group, so migration 1 stays applied */
    struct mp_runner_run_options v1 = MP_RUNNER_RUN_OPTIONS_INIT;
    v1.version = 1;
    v1.group = 1; /* not read: a version-1 caller has no such field */
    assert_int_equal(mp_runner_run(&res, r, set, &v1), MP_RUNNER_EDB);
    assert_int_equal(res.applied, 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'"), 1);
    v1.version = 3;
    assert_int_equal(mp_runner_run(&res, r, set, &v1), MP_RUNNER_EINVAL);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    db_free(&d);
}

/* Code migrations: count their calls, run SQL through the connection. */
struct calls {
    int up, down;
};

static int code_up(struct mp_runner_conn *c, void *p)
{
    struct calls *k = p;
    k->up++;
    assert_int_equal(mp_runner_conn_dialect(c), MP_RUNNER_SQLITE);
    assert_non_null(mp_runner_conn_native(c));
    int rc = mp_runner_conn_exec(c, "CREATE TABLE counters (n int); INSERT INTO counters VALUES (41);");
    if (rc)
        return rc;
    /* the native handle works inside the same transaction */
    return sqlite3_exec(mp_runner_conn_native(c), "UPDATE counters SET n = n + 1", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : mp_runner_conn_fail(c, "update failed");
}

static int code_down(struct mp_runner_conn *c, void *p)
{
    struct calls *k = p;
    k->down++;
    return mp_runner_conn_exec(c, "DROP TABLE counters");
}

static int code_refuses(struct mp_runner_conn *c, void *p)
{
    (void)p;
    mp_runner_conn_exec(c, "CREATE TABLE half (x int)");
    return mp_runner_conn_fail(c, "refusing on purpose");
}

static void api_code_migrations(void **state)
{
    (void)state;
    struct db d;
    db_new(&d);
    struct calls k = {0};
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, three, 1), 0);
    assert_int_equal(mp_runner_migrations_add_code(set, "2", "counters", code_up, code_down, &k, NULL), 0);
    /* a duplicate version, or a timestamp among numbers, is refused */
    assert_int_equal(mp_runner_migrations_add_code(set, "02", "again", code_up, NULL, &k, NULL), MP_RUNNER_EINVAL);
    assert_non_null(strstr(mp_runner_error_last()->message, "duplicate version"));
    assert_int_equal(mp_runner_migrations_add_code(set, "2024-01-01-000000", "ts", code_up, NULL, &k, NULL),
                     MP_RUNNER_EINVAL);
    assert_int_equal(mp_runner_migrations_count(set), 2);
    struct mp_runner *r;
    char url[4300];
    snprintf(url, sizeof url, "sqlite:%s", d.url);
    assert_int_equal(mp_runner_open(&r, url, NULL), 0);
    assert_int_equal(mp_runner_run(NULL, r, set, NULL), 0);
    assert_int_equal(k.up, 1);
    assert_int_equal(query(d.url, "SELECT n FROM counters"), 42);
    /* tracked like SQL: a second run does nothing; the checksum is of "code:2:counters" */
    assert_int_equal(mp_runner_run(NULL, r, set, NULL), 0);
    assert_int_equal(k.up, 1);
    struct mp_runner_status *st;
    assert_int_equal(mp_runner_status(&st, r, set), 0);
    assert_int_equal(mp_runner_status_get(st, 1)->state, MP_RUNNER_APPLIED);
    assert_int_equal(mp_runner_status_get(st, 1)->reversible, 1);
    mp_runner_status_free(st);
    char sum[65];
    mp_sha256_hex("code:2:counters", 15, sum);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM migprop_migrations WHERE version = '2' AND checksum = '%s'", sum);
    assert_int_equal(query(d.url, sql), 1);
    struct mp_runner_run_options o = MP_RUNNER_RUN_OPTIONS_INIT;
    o.strategy = MP_RUNNER_DOWN_STEPS;
    assert_int_equal(mp_runner_run(NULL, r, set, &o), 0);
    assert_int_equal(k.down, 1);
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name = 'counters'"), 0);

    /* a failing code migration rolls back what it did */
    assert_int_equal(mp_runner_migrations_add_code(set, "3", "refuses", code_refuses, NULL, NULL, "v1"), 0);
    assert_int_equal(mp_runner_run(NULL, r, set, NULL), MP_RUNNER_EDB);
    assert_string_equal(mp_runner_error_last()->message, "code:3_refuses.up: refusing on purpose");
    assert_int_equal(k.up, 2);
    assert_int_equal(query(d.url, "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
    assert_int_equal(query(d.url, "SELECT count(*) FROM migprop_migrations WHERE version = '3' AND status = 'applied'"),
                     0);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    db_free(&d);
}

static void api_errors_and_directories(void **state)
{
    (void)state;
    struct mp_runner *r = (struct mp_runner *)&r;
    assert_int_equal(mp_runner_open(&r, "", NULL), MP_RUNNER_EINVAL);
    assert_null(r);
    assert_int_equal(mp_runner_open(&r, "sqlite:/nonexistent-dir/x/app.db", NULL), MP_RUNNER_EIO);
    assert_null(r);
    assert_non_null(strstr(mp_runner_error_last()->message, "/nonexistent-dir/x/app.db"));
    struct mp_runner_options bad = MP_RUNNER_OPTIONS_INIT;
    bad.version = 99;
    assert_int_equal(mp_runner_open(&r, ":memory:", &bad), MP_RUNNER_EINVAL);
    mp_runner_error_clear();
    assert_int_equal(mp_runner_error_last()->code, 0);
    assert_string_equal(mp_runner_error_last()->message, "");
    assert_string_equal(mp_runner_version(), MIGPROP_VERSION);

    /* a directory through the API, in memory */
    char *dir = tempdir("test-runner-dir-");
    write_file(dir, "1_a.up.sql", "CREATE TABLE a (x int);");
    write_file(dir, "1_a.down.sql", "DROP TABLE a;");
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_load_dir(&set, dir, MP_RUNNER_FORMAT_AUTO), 0);
    assert_int_equal(mp_runner_migrations_count(set), 1);
    assert_int_equal(mp_runner_open(&r, "sqlite::memory:", NULL), 0);
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, NULL), 0);
    assert_int_equal(res.applied, 1);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
    write_file(dir, "01_b.up.sql", "SELECT 1;");
    assert_int_equal(mp_runner_migrations_load_dir(&set, dir, MP_RUNNER_FORMAT_AUTO), MP_RUNNER_EINVAL);
    assert_null(set);
    struct mp_error e = {0};
    mp_rmtree(dir, &e);
    free(dir);
    mp_runner_free(NULL);
    mp_runner_migrations_free(NULL);
    mp_runner_status_free(NULL);
}

/* ---- the C API on PostgreSQL, when DATABASE_URL is a PostgreSQL URL or
 * libpq keyword string (ctest runs this under `migprop cluster`) ---- */

static int pg_code_up(struct mp_runner_conn *c, void *p)
{
    (void)p;
    assert_int_equal(mp_runner_conn_dialect(c), MP_RUNNER_POSTGRES);
    PGresult *r = PQexec(mp_runner_conn_native(c), "INSERT INTO api_t (x) VALUES (7)");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : mp_runner_conn_fail(c, "insert failed");
}

static long pg_query(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("DATABASE_URL"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *res = PQexec(c, sql);
    long v = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) ? atol(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    PQfinish(c);
    return v;
}

static void api_postgres(void **state)
{
    (void)state;
    const char *url = getenv("DATABASE_URL");
    if (!url || (strncmp(url, "postgres", 8) != 0 && !strchr(url, '='))) {
        skip();
        return;
    }
    static const struct mp_runner_embedded pg[] = {
        {"1", "table", "CREATE TABLE api_t (x int);\nCREATE FUNCTION api_f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;",
         "DROP FUNCTION api_f();\nDROP TABLE api_t;", 0},
        {"2", "index", "-- migprop:no-transaction\nCREATE INDEX CONCURRENTLY api_i ON api_t (x);", "DROP INDEX api_i;", 1},
        {"4", "broken", "INSERT INTO api_t VALUES (1);\nSELECT nosuch FROM api_t;", NULL, 0},
    };
    struct mp_runner_migrations *set;
    assert_int_equal(mp_runner_migrations_new(&set), 0);
    assert_int_equal(mp_runner_migrations_add_embedded(set, pg, 3), 0);
    assert_int_equal(mp_runner_migrations_add_code(set, "3", "seed", pg_code_up, NULL, NULL, NULL), 0);
    struct mp_runner_options o = MP_RUNNER_OPTIONS_INIT;
    o.table = "api_migrations";
    struct mp_runner *r;
    assert_int_equal(mp_runner_open(&r, url, &o), 0);
    assert_int_equal(mp_runner_dialect(r), MP_RUNNER_POSTGRES);
    struct trace t = {0};
    struct mp_runner_hooks h = MP_RUNNER_HOOKS_INIT;
    h.before = on_before;
    h.after = on_after;
    h.on_error = on_error;
    h.payload = &t;
    assert_int_equal(mp_runner_set_hooks(r, &h), 0);
    struct mp_runner_result res;
    assert_int_equal(mp_runner_run(&res, r, set, NULL), MP_RUNNER_EDB);
    assert_int_equal(res.applied, 3);
    assert_string_equal(res.failed_version, "4");
    assert_int_equal(res.failed_line, 2);
    assert_string_equal(mp_runner_error_last()->sqlstate, "42703");
    assert_string_equal(t.text, "before 1 table up\nafter 1 table up\nbefore 2 index up\nafter 2 index up\n"
                                "before 3 seed up\nafter 3 seed up\nbefore 4 broken up\nerror 4 broken up\n");
    assert_int_equal(pg_query("SELECT count(*) FROM api_t"), 1); /* the code's row; 4's was rolled back */
    assert_int_equal(pg_query("SELECT count(*) FROM api_migrations WHERE status = 'applied'"), 3);
    struct mp_runner_status *st;
    assert_int_equal(mp_runner_status(&st, r, set), 0);
    assert_int_equal(mp_runner_status_get(st, 3)->state, MP_RUNNER_FAILED);
    assert_non_null(mp_runner_status_get(st, 0)->applied_at);
    mp_runner_status_free(st);
    /* back to nothing: 3 is irreversible, so GOTO 0 is refused; clear and stop at 3 */
    struct mp_runner_run_options ro = MP_RUNNER_RUN_OPTIONS_INIT;
    ro.strategy = MP_RUNNER_GOTO;
    ro.target = "0";
    assert_int_equal(mp_runner_run(&res, r, set, &ro), MP_RUNNER_EPRECOND);
    size_t n;
    assert_int_equal(mp_runner_repair(&n, r, set, 0, NULL), 0);
    assert_int_equal(n, 1);
    mp_runner_free(r);
    mp_runner_migrations_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scanner_strings_and_quotes),
        cmocka_unit_test(scanner_dollar_quotes),
        cmocka_unit_test(scanner_comments_and_lines),
        cmocka_unit_test(scanner_lexer_corners),
        cmocka_unit_test(scanner_transaction_control),
        cmocka_unit_test(section_transaction_rule),
        cmocka_unit_test(migdir_pairs),
        cmocka_unit_test(migdir_single),
        cmocka_unit_test(migdir_diesel),
        cmocka_unit_test(migversion_flyway),
        cmocka_unit_test(api_embedded_up_status_down),
        cmocka_unit_test(api_down_and_dry_run),
        cmocka_unit_test(api_failure_rolls_back),
        cmocka_unit_test(api_group_all_or_none),
        cmocka_unit_test(api_code_migrations),
        cmocka_unit_test(api_errors_and_directories),
        cmocka_unit_test(api_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
