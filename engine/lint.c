/* lint.c - lint's checker: reads the directory, runs the dialect's extractor,
 * replays the facts in declared order, and orders the migrations by their
 * references. */
#include "lintfacts.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "os.h"

const char *mp_lint_severity_name(enum mp_lint_severity s)
{
    return s == MP_LINT_ERROR ? "error" : "warning";
}

const char *mp_lint_obj_name(enum mp_lint_obj o)
{
    static const char *const names[] = {
        [MP_LO_TABLE] = "table",           [MP_LO_VIEW] = "view",   [MP_LO_COLUMN] = "column",
        [MP_LO_INDEX] = "index",           [MP_LO_CONSTRAINT] = "constraint",
        [MP_LO_TYPE] = "type",             [MP_LO_FUNCTION] = "function",
        [MP_LO_TRIGGER] = "trigger",       [MP_LO_SEQUENCE] = "sequence",
    };
    return names[o];
}

const char *mp_lint_show(struct mp_arena *a, enum mp_lint_obj o, const char *name)
{
    const char *dot = (o == MP_LO_COLUMN || o == MP_LO_CONSTRAINT) ? strchr(name, '.') : NULL;
    if (dot)
        return mp_arena_printf(a, "%s \"%.*s\".\"%s\"", mp_lint_obj_name(o), (int)(dot - name), name, dot + 1);
    return mp_arena_printf(a, "%s \"%s\"", mp_lint_obj_name(o), name);
}

struct mp_lint_fact *mp_lint_fact_add(struct mp_lint_ctx *c, size_t mig, enum mp_lint_act act,
                                      enum mp_lint_obj obj, const char *name, long line)
{
    struct mp_lint_mig *m = &c->migs[mig];
    struct mp_lint_fact *f = MP_PUSH(c->a, m->f, m->n, m->cap);
    f->act = act;
    f->obj = obj;
    f->name = name;
    f->line = line;
    return f;
}

void mp_lint_report(struct mp_lint_ctx *c, long mig, const char *file, long line, const char *code,
                    enum mp_lint_severity sev, const char *fmt, ...)
{
    struct mp_lint_finding *f = MP_PUSH(c->a, c->res->v, c->res->n, c->res->cap);
    struct mp_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->message = mp_arena_strdup(c->a, mp_buf_str(&b));
    mp_buf_free(&b);
    f->file = file;
    f->line = line;
    f->code = code;
    f->severity = sev;
    f->mig = mig;
    f->migration = mig >= 0 ? c->migs[mig].label : "";
    if (sev == MP_LINT_ERROR)
        c->res->errors++;
    else
        c->res->warnings++;
}

long mp_lint_line(const struct mp_migration *m, size_t off)
{
    const char *s = m->up.sql;
    long line = m->up.line;
    for (size_t i = 0; i < off && s[i]; i++)
        line += s[i] == '\n';
    return line;
}

bool mp_lint_same_kind(enum mp_lint_obj want, enum mp_lint_obj have)
{
    /* a relation reference is satisfied by a table or a view */
    if (want == MP_LO_TABLE || want == MP_LO_VIEW)
        return have == MP_LO_TABLE || have == MP_LO_VIEW;
    return want == have;
}

long mp_lint_later_creator(const struct mp_lint_ctx *c, size_t mig, enum mp_lint_obj obj, const char *name)
{
    for (size_t j = mig + 1; j < c->res->set.n; j++)
        for (size_t k = 0; k < c->migs[j].n; k++) {
            const struct mp_lint_fact *f = &c->migs[j].f[k];
            if (!mp_lint_same_kind(obj, f->obj))
                continue;
            if ((f->act == MP_LA_CREATE && strcmp(f->name, name) == 0) ||
                (f->act == MP_LA_RENAME && strcmp(f->new_name, name) == 0))
                return (long)j;
        }
    return -1;
}

long mp_lint_later_line(const struct mp_lint_ctx *c, size_t mig, long line, enum mp_lint_obj obj, const char *name)
{
    for (size_t k = 0; k < c->migs[mig].n; k++) {
        const struct mp_lint_fact *f = &c->migs[mig].f[k];
        if (f->line > line && mp_lint_same_kind(obj, f->obj) &&
            ((f->act == MP_LA_CREATE && strcmp(f->name, name) == 0) ||
             (f->act == MP_LA_RENAME && strcmp(f->new_name, name) == 0)))
            return f->line;
    }
    return -1;
}

/* ---- the replay: which objects exist after each fact ---- */

struct live {
    enum mp_lint_obj obj;
    const char *name;
    size_t creator;   /* migration that created it */
    bool opaque;      /* a table whose columns are not all known */
    bool gone;
};

struct state {
    struct live *v;
    size_t n, cap;
};

static struct live *state_find(struct state *s, enum mp_lint_obj obj, const char *name)
{
    for (size_t i = s->n; i-- > 0;)
        if (!s->v[i].gone && mp_lint_same_kind(obj, s->v[i].obj) && strcmp(s->v[i].name, name) == 0)
            return &s->v[i];
    return NULL;
}

bool mp_lint_owned_by(const char *name, const char *table)
{
    size_t n = strlen(table);
    return strncmp(name, table, n) == 0 && name[n] == '.';
}

const char *mp_lint_table_of(struct mp_arena *a, const char *name)
{
    const char *dot = strchr(name, '.');
    return dot ? mp_arena_strndup(a, name, (size_t)(dot - name)) : name;
}

static void add_edge(bool *adj, size_t n, size_t from, size_t to)
{
    if (from != to)
        adj[from * n + to] = true;
}

/* Check that the object of fact f (in migration i) exists; report and add
 * the dependency edge.  Returns the live object, or NULL. */
static struct live *need(struct mp_lint_ctx *c, struct state *s, bool *adj, size_t i, const struct mp_lint_fact *f)
{
    size_t n = c->res->set.n;
    struct live *l = state_find(s, f->obj, f->name);
    if (l) {
        add_edge(adj, n, l->creator, i);
        return l;
    }
    if (f->nocheck)
        return NULL;
    if (f->obj == MP_LO_COLUMN) {
        /* a view's columns, like those of a table made by LIKE or AS, are not known */
        struct live *t = state_find(s, MP_LO_TABLE, mp_lint_table_of(c->a, f->name));
        if (t && (t->opaque || t->obj == MP_LO_VIEW))
            return NULL;
    }
    if ((f->obj == MP_LO_COLUMN || f->obj == MP_LO_CONSTRAINT) &&
        !state_find(s, MP_LO_TABLE, mp_lint_table_of(c->a, f->name)) &&
        mp_lint_later_creator(c, i, MP_LO_TABLE, mp_lint_table_of(c->a, f->name)) < 0)
        return NULL; /* the table itself is missing: reported on the table */
    long j = mp_lint_later_creator(c, i, f->obj, f->name);
    if (j >= 0)
        add_edge(adj, n, (size_t)j, i);
    /* SQLite's missing objects are reported by the shadow database, which
     * sees what a token scan cannot */
    if (c->d == MP_SQLITE)
        return NULL;
    const struct mp_migration *m = c->migs[i].m;
    if (j >= 0)
        mp_lint_report(c, (long)i, m->up.path, f->line, "depends-on-later", MP_LINT_ERROR,
                       "%s is created only by the later migration %s (%s)", mp_lint_show(c->a, f->obj, f->name),
                       c->migs[j].label, c->migs[j].m->up.path);
    else if (mp_lint_later_line(c, i, f->line, f->obj, f->name) > 0)
        mp_lint_report(c, (long)i, m->up.path, f->line, "missing-reference", MP_LINT_ERROR,
                       "%s is created only by a later statement of this migration (line %ld)",
                       mp_lint_show(c->a, f->obj, f->name), mp_lint_later_line(c, i, f->line, f->obj, f->name));
    else if (!f->soft)
        mp_lint_report(c, (long)i, m->up.path, f->line, "missing-reference", MP_LINT_ERROR,
                       "%s is not created by this or any earlier migration", mp_lint_show(c->a, f->obj, f->name));
    return NULL;
}

static void replay(struct mp_lint_ctx *c, bool *adj)
{
    struct state s = {0};
    for (size_t i = 0; i < c->res->set.n; i++) {
        const struct mp_migration *m = c->migs[i].m;
        for (size_t k = 0; k < c->migs[i].n; k++) {
            const struct mp_lint_fact *f = &c->migs[i].f[k];
            struct live *l = NULL;
            if (f->act != MP_LA_CREATE && !f->note)
                l = need(c, &s, adj, i, f);
            if (f->warn_code) {
                bool on = true;
                if (f->warn_when == MP_WHEN_OLD_TABLE) {
                    struct live *t = state_find(&s, MP_LO_TABLE, mp_lint_table_of(c->a, f->name));
                    on = t && t->creator < i;
                } else if (f->warn_when == MP_WHEN_PRESENT) {
                    on = !f->nocheck || state_find(&s, f->obj, f->name);
                }
                if (on)
                    mp_lint_report(c, (long)i, m->up.path, f->line, f->warn_code, MP_LINT_WARNING, "%s", f->warn_msg);
            }
            switch (f->act) {
            case MP_LA_CREATE: {
                struct live *nl = MP_PUSH(c->a, s.v, s.n, s.cap);
                nl->obj = f->obj;
                nl->name = f->name;
                nl->creator = i;
                nl->opaque = f->opaque;
                break;
            }
            case MP_LA_DROP:
                if (!l)
                    break;
                l->gone = true;
                if (f->obj == MP_LO_TABLE)
                    for (size_t q = 0; q < s.n; q++)
                        if ((s.v[q].obj == MP_LO_COLUMN || s.v[q].obj == MP_LO_CONSTRAINT) &&
                            mp_lint_owned_by(s.v[q].name, f->name))
                            s.v[q].gone = true;
                break;
            case MP_LA_RENAME:
                if (!l)
                    break;
                if (f->obj == MP_LO_TABLE)
                    for (size_t q = 0; q < s.n; q++)
                        if (!s.v[q].gone && (s.v[q].obj == MP_LO_COLUMN || s.v[q].obj == MP_LO_CONSTRAINT) &&
                            mp_lint_owned_by(s.v[q].name, f->name))
                            s.v[q].name = mp_arena_printf(c->a, "%s%s", f->new_name, s.v[q].name + strlen(f->name));
                l->name = f->new_name;
                /* the new name is this migration's creation as far as order goes */
                l->creator = i;
                break;
            case MP_LA_REF:
                break;
            }
        }
    }
}

/* ---- the order ----
 * The solver's stable topological sort (solver/plan.c) is internal to the
 * planner and works on plan steps, so lint keeps this small one: Kahn's
 * algorithm with a min-heap on the declared position, which keeps the
 * declared order wherever the references allow (as pg_dump_sort.c does). */

static void heap_push(size_t *h, size_t *n, size_t v)
{
    size_t i = (*n)++;
    h[i] = v;
    while (i > 0 && h[(i - 1) / 2] > h[i]) {
        size_t p = (i - 1) / 2, t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
    }
}

static size_t heap_pop(size_t *h, size_t *n)
{
    size_t top = h[0];
    h[0] = h[--*n];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < *n && h[l] < h[m])
            m = l;
        if (r < *n && h[r] < h[m])
            m = r;
        if (m == i)
            break;
        size_t t = h[m];
        h[m] = h[i];
        h[i] = t;
        i = m;
    }
    return top;
}

static void order(struct mp_lint_ctx *c, const bool *adj)
{
    size_t n = c->res->set.n;
    struct mp_arena *a = c->a;
    size_t *indeg = mp_arena_alloc(a, (n + 1) * sizeof *indeg);
    size_t *heap = mp_arena_alloc(a, (n + 1) * sizeof *heap);
    size_t *out = mp_arena_alloc(a, (n + 1) * sizeof *out);
    bool *done = mp_arena_alloc(a, n + 1);
    size_t nh = 0, no = 0;
    for (size_t i = 0; i < n; i++) {
        indeg[i] = 0;
        done[i] = false;
        for (size_t j = 0; j < n; j++)
            indeg[i] += adj[j * n + i];
    }
    for (size_t i = 0; i < n; i++)
        if (!indeg[i])
            heap_push(heap, &nh, i);
    while (nh) {
        size_t v = heap_pop(heap, &nh);
        out[no++] = v;
        done[v] = true;
        for (size_t w = 0; w < n; w++)
            if (adj[v * n + w] && --indeg[w] == 0)
                heap_push(heap, &nh, w);
    }
    /* The order is the simulation's (lint_order.c), which also sees renames
     * and drops the edges above cannot order.  The edges above follow the
     * declared order, so they may loop where the simulation found an order
     * (a migration declared before the rename that creates its table): only
     * a loop the simulation could not get round is a cycle. */
    size_t *sim = mp_arena_alloc(a, (n + 1) * sizeof *sim);
    if (mp_lint_order_simulate(c, sim) == 0 || no == n) {
        c->res->order = sim;
        for (size_t i = 0; i < n; i++)
            c->res->order_differs |= sim[i] != i;
        return;
    }
    /* a loop: walk back through predecessors that are not done until one
     * repeats; the walk from its first visit is the loop */
    size_t *walk = mp_arena_alloc(a, (n + 1) * sizeof *walk);
    long *seen = mp_arena_alloc(a, (n + 1) * sizeof *seen);
    for (size_t i = 0; i < n; i++)
        seen[i] = -1;
    size_t cur = 0, nw = 0;
    while (done[cur])
        cur++;
    while (seen[cur] < 0) {
        seen[cur] = (long)nw;
        walk[nw++] = cur;
        size_t p = 0;
        while (p < n && (done[p] || !adj[p * n + cur]))
            p++;
        assert(p < n); /* every node Kahn left has a predecessor it left */
        cur = p;
    }
    size_t from = (size_t)seen[cur];
    c->res->ncycle = nw - from;
    c->res->cycle = mp_arena_alloc(a, c->res->ncycle * sizeof *c->res->cycle);
    /* the walk went backwards along the edges: reverse it into dependency order */
    for (size_t k = 0; k < c->res->ncycle; k++)
        c->res->cycle[k] = walk[nw - 1 - k];
    struct mp_buf b = {0};
    for (size_t k = 0; k < c->res->ncycle; k++)
        mp_buf_printf(&b, "%s%s", k ? " -> " : "", c->migs[c->res->cycle[k]].label);
    mp_buf_printf(&b, " -> %s", c->migs[c->res->cycle[0]].label);
    size_t first = c->res->cycle[0];
    mp_lint_report(c, (long)first, c->migs[first].m->up.path, c->migs[first].m->up.line, "cycle", MP_LINT_ERROR,
                   "migrations depend on each other's objects: %s", mp_buf_str(&b));
    mp_buf_free(&b);
}

/* Integer sequences (1, 2, 3 or 001, 002, ...): a hole is a finding.
 * Timestamps and other sparse numbering are left alone: a version longer
 * than 8 digits is taken for a date. */
static void gaps(struct mp_lint_ctx *c)
{
    const struct mp_migset *set = &c->res->set;
    if (set->format == MP_MIGFMT_DIESEL || set->n < 2)
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->v[i].version) > 8)
            return;
    for (size_t i = 1; i < set->n; i++) {
        unsigned long p = strtoul(set->v[i - 1].version, NULL, 10), v = strtoul(set->v[i].version, NULL, 10);
        if (v != p + 1)
            mp_lint_report(c, (long)i, set->v[i].up.path, 1, "gap", MP_LINT_ERROR,
                           "version %s follows %s: %s", set->v[i].raw_version, set->v[i - 1].raw_version,
                           v - p == 2 ? mp_arena_printf(c->a, "version %lu is missing", p + 1)
                                      : mp_arena_printf(c->a, "versions %lu to %lu are missing", p + 1, v - 1));
    }
}

/* ---- reading, with duplicate versions as findings ---- */

static const char *unprefix(struct mp_arena *a, const char *path, const char *scratch, const char *dir)
{
    size_t n = strlen(scratch);
    if (path && strncmp(path, scratch, n) == 0 && (path[n] == '/' || !path[n]))
        return mp_arena_printf(a, "%s%s", dir, path + n);
    return path;
}

/* mp_migdir_read() refuses a directory with a duplicate version, naming both
 * files ("duplicate version V: FIRST and SECOND").  Lint reports it and reads
 * on from a scratch copy without SECOND (and its down file), as often as
 * needed. */
static int read_dir(struct mp_lint_ctx *c, const char *dir, struct mp_error *err)
{
    struct mp_arena *a = c->a;
    struct mp_lint_result *res = c->res;
    char *tmp = NULL;
    const char *cur = dir, *copy = NULL;
    struct dup { const char *version, *first, *second; } *dups = NULL;
    size_t nd = 0, capd = 0;
    int rc;
    for (;;) {
        rc = mp_migdir_read(a, cur, MP_MIGFMT_AUTO, &res->set, err);
        static const char tag[] = "duplicate version ";
        if (rc != MP_EINVAL || strncmp(err->msg, tag, sizeof tag - 1) != 0)
            break;
        const char *v = err->msg + sizeof tag - 1;
        const char *colon = strstr(v, ": ");
        const char *and = NULL;
        for (const char *p = colon; p && (p = strstr(p, " and ")); p++)
            and = p;
        if (!colon || !and || nd > 10000)
            break;
        const char *from = cur; /* the directory the message's paths are in */
        size_t cl = strlen(from);
        const char *first = mp_arena_strndup(a, colon + 2, (size_t)(and - colon - 2)), *second = and + 5;
        if (strncmp(second, from, cl) != 0 || second[cl] != '/' || strncmp(first, from, cl) != 0)
            break;
        if (!copy) {
            if ((rc = mp_scratch_mkdtemp("migprop-lint-", &tmp, err)))
                goto out;
            copy = mp_arena_printf(a, "%s/d", tmp);
            if ((rc = mp_copy_tree(dir, copy, err)))
                goto out;
            cur = copy;
        }
        /* SECOND is removed from the copy, never from `dir` */
        struct dup *d = MP_PUSH(a, dups, nd, capd);
        d->version = mp_arena_strndup(a, v, (size_t)(colon - v));
        d->first = mp_arena_printf(a, "%s%s", dir, first + cl);
        d->second = mp_arena_printf(a, "%s%s", dir, second + cl);
        if (res->set.format == MP_MIGFMT_DIESEL) /* name the directory's up.sql, as its findings do */
            d->second = mp_arena_printf(a, "%s/up.sql", d->second);
        second = mp_arena_printf(a, "%s%s", copy, second + cl);
        /* the pairs format's down file goes with its up file */
        size_t sl = strlen(second);
        if (sl > 7 && strcmp(second + sl - 7, ".up.sql") == 0)
            mp_rmtree(mp_arena_printf(a, "%.*s.down.sql", (int)(sl - 7), second), NULL);
        if ((rc = mp_rmtree(second, err)))
            goto out;
    }
    if (rc)
        goto out;
    res->set.dir = mp_arena_strdup(a, dir);
    if (copy)
        for (size_t i = 0; i < res->set.n; i++) {
            struct mp_migration *m = &res->set.v[i];
            m->up.path = unprefix(a, m->up.path, copy, dir);
            m->down.path = unprefix(a, m->down.path, copy, dir);
        }
    c->migs = mp_arena_alloc(a, (res->set.n + 1) * sizeof *c->migs);
    memset(c->migs, 0, (res->set.n + 1) * sizeof *c->migs);
    for (size_t i = 0; i < res->set.n; i++) {
        c->migs[i].m = &res->set.v[i];
        c->migs[i].label = res->set.v[i].name[0]
                               ? mp_arena_printf(a, "%s_%s", res->set.v[i].raw_version, res->set.v[i].name)
                               : res->set.v[i].raw_version;
    }
    for (size_t k = 0; k < nd; k++) {
        long mig = -1;
        for (size_t i = 0; i < res->set.n && mig < 0; i++)
            if (strcmp(res->set.v[i].up.path, dups[k].first) == 0 ||
                strncmp(dups[k].first, res->set.v[i].up.path, strlen(dups[k].first)) == 0)
                mig = (long)i;
        mp_lint_report(c, mig, dups[k].second, 1, "duplicate-version", MP_LINT_ERROR,
                       "version %s is also the version of %s (versions must be unique; this migration was not "
                       "checked)", dups[k].version, dups[k].first);
    }
out:
    if (tmp) {
        mp_rmtree(tmp, NULL);
        free(tmp);
    }
    return rc;
}

/* Findings in (migration, line) order, the directory's own (-1) first. */
static bool finding_after(const struct mp_lint_finding *f, const struct mp_lint_finding *g)
{
    return f->mig != g->mig ? f->mig > g->mig : f->line > g->line;
}

/* The planted fault MP_FAULT_LINT_ORDER_SWAP: the first adjacent pair of
 * the order with an edge between them changes places. */
static void swap_fault(struct mp_lint_result *res, const bool *adj)
{
    size_t n = res->set.n;
    for (size_t k = 0; res->order && k + 1 < n; k++)
        if (adj[res->order[k] * n + res->order[k + 1]]) {
            size_t v = res->order[k];
            res->order[k] = res->order[k + 1];
            res->order[k + 1] = v;
            res->order_differs = true;
            return;
        }
}

int mp_lint_dir(struct mp_arena *a, const char *dir, enum mp_dialect d, const struct mp_lint_options *opt,
                struct mp_lint_result *out, struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    struct mp_lint_ctx c = {.a = a, .d = d, .res = out};
    /* the runner takes a missing directory for an empty one; lint was asked
     * about this one */
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return mp_error_set(err, MP_EIO, "%s: not a directory", dir);
    int rc = read_dir(&c, dir, err);
    if (rc)
        return rc;
    rc = d == MP_POSTGRES ? mp_lint_extract_pg(&c, err) : mp_lint_extract_sqlite(&c, err);
    if (rc)
        return rc;
    size_t n = out->set.n;
    bool *adj = mp_arena_alloc(a, n * n + 1);
    memset(adj, 0, n * n + 1);
    replay(&c, adj);
    gaps(&c);
    order(&c, adj);
    if (opt && opt->fault == MP_FAULT_LINT_ORDER_SWAP)
        swap_fault(out, adj);
    /* insertion sort: findings are few, and it keeps the order of discovery
     * among equals */
    for (size_t i = 1; i < out->n; i++) {
        struct mp_lint_finding f = out->v[i];
        size_t j = i;
        for (; j > 0 && finding_after(&out->v[j - 1], &f); j--)
            out->v[j] = out->v[j - 1];
        out->v[j] = f;
    }
    return 0;
}
