/* session.c - what one run of runner-check or differ-check sets up and
 * ends with: the scratch directory, the PostgreSQL server, the checks a
 * --checks list selects, the --expect baseline and the findings table. */
#include "runnercheck_int.h"
#include "os.h"
#include "pgcluster.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mp_rc_workspace(struct mp_arena *a, const char *prefix, char **work, const char **self, struct mp_error *err)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    *self = mp_arena_strndup(a, buf, n > 0 ? (size_t)n : 0);
    int rc = mp_scratch_mkdtemp(prefix, work, err);
    if (!rc)
        chmod(*work, 0755); /* the cluster's user reads nothing here, tools run as us */
    return rc;
}

int mp_rc_connect_pg(struct mp_rc *c, const char *pg_url, struct mp_pgcluster **cl, struct mp_error *err)
{
    if (pg_url) {
        c->pg_conninfo = pg_url;
    } else {
        int rc = mp_pgcluster_start(cl, true, err);
        if (rc)
            return rc;
        c->pg_conninfo = mp_pgcluster_conninfo(*cl);
    }
    /* host and user for the adapters' {host} and {user}: libpq's own
     * parser reads both the keyword form and a postgres:// URL (whose
     * host=%2F... query parameter it decodes) ("Connection Strings") */
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(c->pg_conninfo, &msg);
    if (!opts) {
        int rc = mp_error_set(err, MP_EINVAL, "--pg-url %s: %s", c->pg_conninfo,
                              msg ? msg : "not a connection string");
        PQfreemem(msg);
        return rc;
    }
    c->host = "/var/run/postgresql";
    for (const PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            c->host = mp_arena_strdup(c->a, o->val);
        else if (strcmp(o->keyword, "user") == 0)
            c->user = mp_arena_strdup(c->a, o->val);
    }
    PQconninfoFree(opts);
    return 0;
}

bool mp_rc_list_has(const char *list, const char *name)
{
    if (!list)
        return true;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

const char *mp_rc_list_unknown(struct mp_arena *a, const char *list, const char *const *names, size_t n)
{
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strlen(names[i]) == k && strncmp(names[i], p, k) == 0;
        if (!found)
            return mp_arena_strndup(a, p, k);
        p += k + (p[k] == ',');
    }
    return NULL;
}

int mp_rc_expect_read(struct mp_arena *a, const char *path, struct mp_rc_expect *out, struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        char *l = mp_rc_trim(line);
        if (*l && *l != '#')
            *MP_PUSH(a, out->keys, out->n, cap) = mp_arena_strdup(a, l);
    }
    fclose(f);
    return 0;
}

bool mp_rc_expected(const struct mp_rc_expect *e, const char *key)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->keys[i], key) == 0)
            return true;
    return false;
}

size_t mp_rc_findings_table(struct mp_reporter *rep, struct mp_arena *a, const char *tool,
                            const struct mp_rc_finding *f, const char *const *backend, size_t n,
                            const struct mp_rc_expect *e)
{
    size_t unexpected = 0;
    mp_reporter_comment(rep, "findings for %s: %zu", tool, n);
    for (size_t i = 0; i < n; i++) {
        bool ok = mp_rc_expected(e, mp_arena_printf(a, "%s/%s/%s", tool, backend[i], f[i].check));
        unexpected += !ok;
        mp_reporter_comment(rep, "%-10s %-8s %-20s %.*s%s\n           repro: %s", tool, backend[i], f[i].check,
                            (int)strcspn(f[i].what, "\n"), f[i].what, ok ? " (expected)" : "", f[i].repro);
    }
    return unexpected;
}
