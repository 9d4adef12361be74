/* api.c - the public runner API over the executor: errors, runners,
 * hooks, runs, status, verify, repair (see include/migprop/runner.h). */
#include "migprop/runner.h"
#include "runner_int.h"

#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "os.h"

_Static_assert((int)MP_RUNNER_EINVAL == (int)MP_EINVAL && (int)MP_RUNNER_EPRECOND == (int)MP_EPRECOND &&
                   (int)MP_RUNNER_EDB == (int)MP_EDB && (int)MP_RUNNER_EIO == (int)MP_EIO &&
                   (int)MP_RUNNER_EINTERNAL == (int)MP_EINTERNAL,
               "public and internal error codes agree");
_Static_assert((int)MP_RUNNER_SQLITE == (int)MP_SQLITE && (int)MP_RUNNER_POSTGRES == (int)MP_POSTGRES,
               "public and internal dialects agree");

const char *mp_runner_version(void)
{
    return MIGPROP_VERSION;
}

/* ---- errors: one per thread ---- */

static _Thread_local struct {
    struct mp_error e;
    struct mp_runner_error pub;
} last;

const struct mp_runner_error *mp_runner_error_last(void)
{
    last.pub.code = last.e.code;
    last.pub.message = last.e.msg;
    last.pub.sqlstate = last.e.sqlstate;
    return &last.pub;
}

void mp_runner_error_clear(void)
{
    memset(&last.e, 0, sizeof last.e);
}

int mp_api_fail(const struct mp_error *e)
{
    last.e = *e;
    if (last.e.code >= 0)
        last.e.code = MP_EINTERNAL; /* a failure must carry a code */
    return last.e.code;
}

static int fail(int code, const char *what)
{
    struct mp_error e = {0};
    mp_error_set(&e, code, "%s", what);
    return mp_api_fail(&e);
}

/* ---- runners ---- */

struct mp_runner {
    struct mp_target *t;
    struct mp_exec_config cfg;  /* table, lock timeout, out-of-order, log, hooks */
    char *table;                /* cfg.table's copy */
    struct mp_runner_hooks hooks;
};

int mp_runner_options_init(struct mp_runner_options *opts, unsigned int version)
{
    if (version != MP_RUNNER_OPTIONS_VERSION)
        return fail(MP_EINVAL, "mp_runner_options_init: unknown options version");
    struct mp_runner_options d = MP_RUNNER_OPTIONS_INIT;
    *opts = d;
    return 0;
}

static bool starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

int mp_runner_open(struct mp_runner **out, const char *url, const struct mp_runner_options *opts)
{
    struct mp_error err = {0};
    struct mp_runner_options o = MP_RUNNER_OPTIONS_INIT;
    *out = NULL;
    if (opts) {
        if (opts->version != MP_RUNNER_OPTIONS_VERSION)
            return fail(MP_EINVAL, "mp_runner_open: unknown options version");
        o = *opts;
    }
    if (!url || !*url)
        return fail(MP_EINVAL, "mp_runner_open: no database URL or path");
    /* a plain path is a SQLite database */
    bool known = starts(url, "sqlite:") || starts(url, "postgresql:") || starts(url, "postgres:") || strchr(url, '=');
    char *full = NULL;
    if (!known) {
        size_t n = strlen(url) + sizeof "sqlite:";
        full = malloc(n);
        if (!full)
            mp_oom();
        snprintf(full, n, "sqlite:%s", url);
    }
    struct mp_target *t = NULL;
    int rc = mp_target_open(full ? full : url, &t, &err);
    free(full);
    if (!rc && o.schema)
        rc = mp_target_set_schema(t, o.schema, &err);
    if (rc) {
        mp_target_close(t);
        return mp_api_fail(&err);
    }
    struct mp_runner *r = calloc(1, sizeof *r);
    if (!r)
        mp_oom();
    r->t = t;
    r->table = o.table ? mp_xstrdup(o.table) : NULL;
    r->cfg.table = r->table;
    r->cfg.lock_timeout_ms = o.lock_timeout_ms;
    r->cfg.allow_out_of_order = o.allow_out_of_order != 0;
    r->cfg.log = o.log;
    *out = r;
    return 0;
}

void mp_runner_free(struct mp_runner *r)
{
    if (!r)
        return;
    mp_target_close(r->t);
    free(r->table);
    free(r);
}

enum mp_runner_dialect mp_runner_dialect(const struct mp_runner *r)
{
    return (enum mp_runner_dialect)mp_target_dialect(r->t);
}

/* ---- hooks ---- */

/* The executor's single hook, fanned out to the public ones. */
static void on_event(enum mp_exec_event ev, const struct mp_exec_event_info *x, void *payload)
{
    const struct mp_runner_hooks *h = payload;
    mp_runner_hook_fn fn = ev == MP_EXEC_BEFORE ? h->before : ev == MP_EXEC_AFTER ? h->after : h->on_error;
    if (!fn)
        return;
    struct mp_runner_hook_info info = {
        .version = x->m->raw_version,
        .name = x->m->name,
        .direction = x->up ? MP_RUNNER_DIR_UP : MP_RUNNER_DIR_DOWN,
        .duration_ms = x->ms,
        .error = x->error,
    };
    fn(&info, h->payload);
}

int mp_runner_set_hooks(struct mp_runner *r, const struct mp_runner_hooks *hooks)
{
    if (hooks && hooks->version != MP_RUNNER_HOOKS_VERSION)
        return fail(MP_EINVAL, "mp_runner_set_hooks: unknown hooks version");
    if (!hooks) {
        memset(&r->hooks, 0, sizeof r->hooks);
        r->cfg.hook = NULL;
        r->cfg.hook_payload = NULL;
        return 0;
    }
    r->hooks = *hooks;
    r->cfg.hook = on_event;
    r->cfg.hook_payload = &r->hooks;
    return 0;
}

/* ---- running ---- */

static const struct mp_migration *find_version(const struct mp_migset *set, const char *canon)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].version, canon) == 0)
            return &set->v[i];
    return NULL;
}

int mp_runner_run(struct mp_runner_result *out, struct mp_runner *r, const struct mp_runner_migrations *set,
                  const struct mp_runner_run_options *opts)
{
    struct mp_runner_run_options o = MP_RUNNER_RUN_OPTIONS_INIT;
    if (out)
        memset(out, 0, sizeof *out);
    if (opts) {
        if (opts->version == 1) /* the fields before `group` */
            memcpy(&o, opts, offsetof(struct mp_runner_run_options, group));
        else if (opts->version == MP_RUNNER_RUN_OPTIONS_VERSION)
            o = *opts;
        else
            return fail(MP_EINVAL, "mp_runner_run: unknown run options version");
    }
    if (!r || !set)
        return fail(MP_EINVAL, "mp_runner_run: no runner or no migration set");
    const struct mp_migset *ms = &set->set;
    struct mp_exec_config cfg = r->cfg;
    if (o.dry_run) {
        cfg.dry_run = true;
        cfg.log = o.plan;
    }
    cfg.group = o.group != 0;
    size_t steps = o.steps ? o.steps : 1;
    struct mp_exec_report rep = {.failed = -1};
    struct mp_error err = {0};
    struct mp_arena *a = mp_arena_new();
    const char *target = NULL;
    int rc = 0;
    if (o.strategy == MP_RUNNER_UP_TO || o.strategy == MP_RUNNER_GOTO) {
        target = o.target ? mp_migversion_parse(a, ms->format, o.target) : NULL;
        bool zero_ok = o.strategy == MP_RUNNER_GOTO && target && strcmp(target, "0") == 0;
        if (!target || (!zero_ok && !find_version(ms, target)))
            rc = mp_error_set(&err, MP_EINVAL, "no migration with version %s in %s", o.target ? o.target : "(none)",
                              ms->dir);
    }
    if (!rc) {
        switch (o.strategy) {
        case MP_RUNNER_UP_ALL: rc = mp_exec_up(r->t, ms, &cfg, NULL, &rep, &err); break;
        case MP_RUNNER_UP_TO: rc = mp_exec_up(r->t, ms, &cfg, target, &rep, &err); break;
        case MP_RUNNER_UP_STEPS: rc = mp_exec_up_steps(r->t, ms, &cfg, steps, &rep, &err); break;
        case MP_RUNNER_DOWN_STEPS: rc = mp_exec_down(r->t, ms, &cfg, steps, &rep, &err); break;
        case MP_RUNNER_GOTO: rc = mp_exec_to(r->t, ms, &cfg, target, &rep, &err); break;
        default: rc = mp_error_set(&err, MP_EINVAL, "mp_runner_run: unknown strategy %d", (int)o.strategy); break;
        }
    }
    mp_arena_free(a);
    if (out) {
        out->applied = rep.applied;
        out->reverted = rep.reverted;
        out->planned = rep.planned;
        out->ms = rep.ms;
        out->failed_version = rep.failed >= 0 && (size_t)rep.failed < ms->n ? ms->v[rep.failed].raw_version : NULL;
        out->failed_line = rep.failed_line;
    }
    return rc ? mp_api_fail(&err) : 0;
}

/* ---- status ---- */

struct mp_runner_status {
    struct mp_arena *a;
    struct mp_runner_status_entry *v;
    size_t n;
};

const char *mp_runner_state_name(enum mp_runner_state s)
{
    static const char *const names[] = {
        [MP_RUNNER_PENDING] = "pending", [MP_RUNNER_APPLIED] = "applied", [MP_RUNNER_CHANGED] = "changed",
        [MP_RUNNER_FAILED] = "failed",   [MP_RUNNER_RUNNING] = "running", [MP_RUNNER_DIRTY] = "dirty",
        [MP_RUNNER_MISSING] = "missing",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

/* The state of an executor entry; a record without a migration is
 * MISSING when applied, else what its status says. */
static enum mp_runner_state state_of(const struct mp_exec_entry *e)
{
    const char *s = e->m ? e->state : e->applied ? "missing" : e->state;
    static const struct {
        const char *name;
        enum mp_runner_state state;
    } map[] = {
        {"pending", MP_RUNNER_PENDING}, {"applied", MP_RUNNER_APPLIED}, {"changed", MP_RUNNER_CHANGED},
        {"failed", MP_RUNNER_FAILED},   {"running", MP_RUNNER_RUNNING}, {"dirty", MP_RUNNER_DIRTY},
        {"missing", MP_RUNNER_MISSING},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, s) == 0)
            return map[i].state;
    return MP_RUNNER_DIRTY; /* a status the table's CHECK does not allow: treat as needing repair */
}

int mp_runner_status(struct mp_runner_status **out, struct mp_runner *r, const struct mp_runner_migrations *set)
{
    *out = NULL;
    if (!r || !set)
        return fail(MP_EINVAL, "mp_runner_status: no runner or no migration set");
    struct mp_error err = {0};
    struct mp_runner_status *st = calloc(1, sizeof *st);
    if (!st)
        mp_oom();
    st->a = mp_arena_new();
    struct mp_exec_entry *v;
    size_t n;
    int rc = mp_exec_entries(r->t, &set->set, &r->cfg, st->a, &v, &n, &err);
    if (rc) {
        mp_runner_status_free(st);
        return mp_api_fail(&err);
    }
    st->v = mp_arena_alloc(st->a, (n + 1) * sizeof *st->v);
    for (size_t i = 0; i < n; i++) {
        struct mp_runner_status_entry *p = &st->v[i];
        p->version = v[i].version;
        p->name = v[i].name;
        p->state = state_of(&v[i]);
        p->applied_at = v[i].applied_at;
        p->checksum_match = v[i].m && v[i].checksum ? strcmp(v[i].checksum, v[i].m->checksum) == 0 : -1;
        p->reversible = v[i].m ? v[i].m->reversible : 0;
        p->error = v[i].error;
    }
    st->n = n;
    *out = st;
    return 0;
}

size_t mp_runner_status_count(const struct mp_runner_status *st)
{
    return st ? st->n : 0;
}

const struct mp_runner_status_entry *mp_runner_status_get(const struct mp_runner_status *st, size_t i)
{
    return st && i < st->n ? &st->v[i] : NULL;
}

void mp_runner_status_free(struct mp_runner_status *st)
{
    if (!st)
        return;
    mp_arena_free(st->a);
    free(st);
}

/* ---- verify, repair ---- */

int mp_runner_verify(size_t *problems, struct mp_runner *r, const struct mp_runner_migrations *set, FILE *report)
{
    *problems = 0;
    if (!r || !set)
        return fail(MP_EINVAL, "mp_runner_verify: no runner or no migration set");
    struct mp_error err = {0};
    long n = mp_exec_verify(r->t, &set->set, &r->cfg, report, &err);
    if (n < 0)
        return mp_api_fail(&err);
    *problems = (size_t)n;
    return 0;
}

int mp_runner_repair(size_t *repaired, struct mp_runner *r, const struct mp_runner_migrations *set, int mark_applied,
                     FILE *report)
{
    if (repaired)
        *repaired = 0;
    if (!r || !set)
        return fail(MP_EINVAL, "mp_runner_repair: no runner or no migration set");
    struct mp_error err = {0};
    struct mp_exec_config cfg = r->cfg;
    cfg.mark_applied = mark_applied != 0;
    int rc = mp_exec_repair_n(r->t, &set->set, &cfg, report, repaired, &err);
    return rc ? mp_api_fail(&err) : 0;
}
