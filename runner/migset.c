/* migset.c - the public API's migration sets: read from a directory,
 * embedded in the program, or written as code; the connection that code
 * migrations get (see include/migprop/runner.h). */
#include "migprop/runner.h"
#include "runner_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

_Static_assert((int)MP_RUNNER_FORMAT_AUTO == (int)MP_MIGFMT_AUTO && (int)MP_RUNNER_FORMAT_PAIRS == (int)MP_MIGFMT_PAIRS &&
                   (int)MP_RUNNER_FORMAT_SINGLE == (int)MP_MIGFMT_SINGLE &&
                   (int)MP_RUNNER_FORMAT_DIESEL == (int)MP_MIGFMT_DIESEL,
               "public and internal directory formats agree");

static struct mp_runner_migrations *set_new(void)
{
    struct mp_runner_migrations *s = calloc(1, sizeof *s);
    if (!s)
        mp_oom();
    s->a = mp_arena_new();
    return s;
}

int mp_runner_migrations_new(struct mp_runner_migrations **out)
{
    struct mp_runner_migrations *s = set_new();
    s->set.format = MP_MIGFMT_AUTO; /* decided by the first version added */
    s->set.dir = "(migration set)";
    *out = s;
    return 0;
}

int mp_runner_migrations_load_dir(struct mp_runner_migrations **out, const char *dir, enum mp_runner_format format)
{
    struct mp_error err = {0};
    *out = NULL;
    if (!dir || (unsigned)format > MP_RUNNER_FORMAT_DIESEL) {
        mp_error_set(&err, MP_EINVAL, "mp_runner_migrations_load_dir: %s", !dir ? "no directory" : "unknown format");
        return mp_api_fail(&err);
    }
    struct mp_runner_migrations *s = set_new();
    int rc = mp_migdir_read(s->a, dir, (enum mp_migfmt)format, &s->set, &err);
    if (rc) {
        mp_runner_migrations_free(s);
        return mp_api_fail(&err);
    }
    *out = s;
    return 0;
}

size_t mp_runner_migrations_count(const struct mp_runner_migrations *set)
{
    return set ? set->set.n : 0;
}

void mp_runner_migrations_free(struct mp_runner_migrations *set)
{
    if (!set)
        return;
    mp_arena_free(set->a);
    free(set);
}

/* The set's format for a version written `raw`: numbers for a numeric
 * set, timestamps for a diesel one; an empty set takes the version's kind. */
static int check_version(const struct mp_migset *set, const char *raw, enum mp_migfmt *fmt, struct mp_error *err)
{
    struct mp_arena *tmp = mp_arena_new();
    bool numeric = mp_migversion_parse(tmp, MP_MIGFMT_PAIRS, raw) != NULL;
    bool diesel = !numeric && mp_migversion_parse(tmp, MP_MIGFMT_DIESEL, raw) != NULL;
    mp_arena_free(tmp);
    if (!numeric && !diesel)
        return mp_error_set(err, MP_EINVAL, "'%s' is not a migration version (digits, or YYYY-MM-DD-HHMMSS)", raw);
    enum mp_migfmt want = diesel ? MP_MIGFMT_DIESEL : MP_MIGFMT_PAIRS;
    if (set->n == 0 || set->format == MP_MIGFMT_AUTO) {
        *fmt = want;
        return 0;
    }
    bool set_diesel = set->format == MP_MIGFMT_DIESEL;
    if (set_diesel != diesel)
        return mp_error_set(err, MP_EINVAL, "version '%s' is %s, but the set's versions are %s", raw,
                            diesel ? "a timestamp" : "a number", set_diesel ? "timestamps" : "numbers");
    *fmt = set->format;
    return 0;
}

/* One new migration with version `raw` and `name` appended to `set` (not
 * sorted yet), after the checks; its strings copied into the set's arena. */
static int add_one(struct mp_runner_migrations *s, const char *raw, const char *name, const char *kind,
                   struct mp_migration **out, struct mp_error *err)
{
    if (!raw || !name)
        return mp_error_set(err, MP_EINVAL, "%s migration without %s", kind, !raw ? "a version" : "a name");
    enum mp_migfmt fmt = MP_MIGFMT_PAIRS;
    int rc = check_version(&s->set, raw, &fmt, err);
    if (rc)
        return rc;
    const char *ver = mp_migversion_parse(s->a, fmt, raw);
    for (size_t i = 0; i < s->set.n; i++)
        if (strcmp(s->set.v[i].version, ver) == 0)
            return mp_error_set(err, MP_EINVAL, "duplicate version %s: %s and %s migration %s_%s", raw,
                                s->set.v[i].up.path, kind, raw, name);
    if (s->set.n == 0)
        s->set.format = fmt;
    struct mp_migration *m = MP_PUSH(s->a, s->set.v, s->set.n, s->set.cap);
    m->version = ver;
    m->raw_version = mp_arena_strdup(s->a, raw);
    m->name = mp_arena_strdup(s->a, name);
    *out = m;
    return 0;
}

int mp_runner_migrations_add_embedded(struct mp_runner_migrations *set, const struct mp_runner_embedded *v, size_t n)
{
    struct mp_error err = {0};
    size_t n0 = set->set.n;
    enum mp_migfmt f0 = set->set.format;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        struct mp_migration *m;
        if (!v[i].up_sql) {
            rc = mp_error_set(&err, MP_EINVAL, "embedded migration %s has no up_sql", v[i].version ? v[i].version : "?");
            break;
        }
        if ((rc = add_one(set, v[i].version, v[i].name, "embedded", &m, &err)))
            break;
        m->up.path = mp_arena_printf(set->a, "embedded:%s_%s.up", v[i].version, v[i].name);
        m->up.sql = mp_arena_strdup(set->a, v[i].up_sql);
        m->up.line = 1;
        m->up.no_transaction = v[i].no_transaction != 0;
        if (v[i].down_sql) {
            m->down.path = mp_arena_printf(set->a, "embedded:%s_%s.down", v[i].version, v[i].name);
            m->down.sql = mp_arena_strdup(set->a, v[i].down_sql);
            m->down.line = 1;
            m->down.no_transaction = v[i].no_transaction != 0;
        }
        mp_migration_finish(m);
    }
    if (rc) {
        set->set.n = n0; /* all or nothing */
        set->set.format = f0;
        return mp_api_fail(&err);
    }
    mp_migset_sort(&set->set);
    return 0;
}

/* ---- code migrations ---- */

struct mp_runner_conn {
    struct mp_target *t;
    struct mp_error *err;
    const char *label; /* "code:V_NAME.up", for messages */
};

/* A code step as the executor sees it (mp_migfn), in the set's arena. */
struct code_step {
    mp_runner_code_fn fn;
    void *payload;
    const char *label;
};

static int run_code(struct mp_target *t, void *payload, struct mp_error *err)
{
    const struct code_step *c = payload;
    struct mp_runner_conn conn = {.t = t, .err = err, .label = c->label};
    memset(err, 0, sizeof *err);
    int rc = c->fn(&conn, c->payload);
    if (!rc) {
        memset(err, 0, sizeof *err); /* a failure it handled itself is no failure */
        return 0;
    }
    if (!err->msg[0])
        mp_error_set(err, MP_EDB, "%s: code migration returned %d", c->label, rc);
    return err->code < 0 ? err->code : MP_EDB;
}

int mp_runner_migrations_add_code(struct mp_runner_migrations *set, const char *version, const char *name,
                                  mp_runner_code_fn up, mp_runner_code_fn down, void *payload, const char *checksum)
{
    struct mp_error err = {0};
    struct mp_migration *m;
    if (!up) {
        mp_error_set(&err, MP_EINVAL, "code migration %s has no up function", version ? version : "?");
        return mp_api_fail(&err);
    }
    int rc = add_one(set, version, name, "code", &m, &err);
    if (rc)
        return mp_api_fail(&err);
    mp_runner_code_fn fns[2] = {up, down};
    struct mp_migsql *secs[2] = {&m->up, &m->down};
    for (int i = 0; i < 2; i++) {
        if (!fns[i])
            continue;
        struct code_step *c = mp_arena_alloc(set->a, sizeof *c);
        c->fn = fns[i];
        c->payload = payload;
        c->label = mp_arena_printf(set->a, "code:%s_%s.%s", version, name, i ? "down" : "up");
        secs[i]->path = c->label;
        secs[i]->line = 1;
        secs[i]->fn = run_code;
        secs[i]->fn_payload = c;
    }
    mp_migration_finish(m);
    const char *sum = checksum ? checksum : mp_arena_printf(set->a, "code:%s:%s", m->version, m->name);
    mp_sha256_hex(sum, strlen(sum), m->checksum);
    mp_migset_sort(&set->set);
    return 0;
}

int mp_runner_conn_exec(struct mp_runner_conn *conn, const char *sql)
{
    if (!sql)
        return mp_error_set(conn->err, MP_EINVAL, "%s: mp_runner_conn_exec without SQL", conn->label);
    return mp_target_exec(conn->t, conn->label, 1, sql, conn->err);
}

int mp_runner_conn_fail(struct mp_runner_conn *conn, const char *message)
{
    return mp_error_set(conn->err, MP_EDB, "%s: %s", conn->label, message ? message : "failed");
}

void *mp_runner_conn_native(struct mp_runner_conn *conn)
{
    return mp_target_conn(conn->t);
}

enum mp_runner_dialect mp_runner_conn_dialect(const struct mp_runner_conn *conn)
{
    return (enum mp_runner_dialect)mp_target_dialect(conn->t);
}
