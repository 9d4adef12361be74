/* runner_check.c - the `migprop runner-check` command and the replay of a
 * shrunk command sequence (see runner_check.h): options, the adapter, a
 * scratch directory, the checks on each backend, the report and the table
 * of findings. */
#include "runner_check.h"
#include "runnercheck_int.h"
#include "os.h"
#include "pgcluster.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int runner_check(const struct mp_runner_check_config *o);

int mp_runner_check_run(const struct mp_runner_check_config *cfg)
{
    return runner_check(cfg);
}

/* The adapter: from `adapter_file` if given, else the profile `runner`. */
static int load_adapter(struct mp_arena *a, const char *adapter_file, const char *runner, struct mp_rc_adapter *out,
                        struct mp_error *err)
{
    if (adapter_file)
        return mp_rc_adapter_read(a, adapter_file, out, err);
    const struct mp_rc_adapter *p = mp_rc_profile(runner);
    if (!p)
        return mp_error_set(err, MP_EINVAL, "give --runner migprop|dbmate|sql-migrate or --adapter FILE");
    *out = *p;
    return 0;
}

/* The scratch directory runners work in, and the path of this binary (the
 * {migprop} placeholder).  *work is malloc'd. */
static int workspace(char **work, const char **self, struct mp_arena *a, struct mp_error *err)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    *self = mp_arena_strndup(a, buf, n > 0 ? (size_t)n : 0);
    int rc = mp_scratch_mkdtemp("migprop-rc-", work, err);
    if (!rc)
        chmod(*work, 0755); /* the cluster's user reads nothing here, runners run as us */
    return rc;
}

/* The PostgreSQL server of context c: `pg_url`, or a disposable cluster
 * started into *cl (stopped by the caller). */
static int connect_pg(struct mp_rc *c, const char *pg_url, struct mp_pgcluster **cl, struct mp_error *err)
{
    if (pg_url) {
        c->pg_conninfo = pg_url;
    } else {
        int rc = mp_pgcluster_start(cl, true, err);
        if (rc)
            return rc;
        c->pg_conninfo = mp_pgcluster_conninfo(*cl);
    }
    const char *h = strstr(c->pg_conninfo, "host=");
    c->host = h ? mp_arena_strndup(c->a, h + 5, strcspn(h + 5, " ")) : "/var/run/postgresql";
    const char *u = strstr(c->pg_conninfo, "user=");
    if (u)
        c->user = mp_arena_strndup(c->a, u + 5, strcspn(u + 5, " "));
    return 0;
}

static bool expected(char **exp, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(exp[i], key) == 0)
            return true;
    return false;
}

static int runner_check(const struct mp_runner_check_config *o)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct mp_rc_adapter ad;
    struct mp_reporter *rep = NULL;
    char *work = NULL;
    const char *self;
    int status = 0;
    size_t total_unexpected = 0;
    char **exp = NULL;
    size_t nexp = 0, capexp = 0;
    if (load_adapter(a, o->adapter_file, o->runner, &ad, &err)) {
        fprintf(stderr, "migprop runner-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    if (o->expect_file) {
        FILE *f = fopen(o->expect_file, "r");
        if (!f) {
            fprintf(stderr, "migprop runner-check: %s: %s\n", o->expect_file, strerror(errno));
            status = 2;
            goto out;
        }
        char line[512];
        while (fgets(line, sizeof line, f)) {
            char *l = mp_rc_trim(line);
            if (*l && *l != '#')
                *MP_PUSH(a, exp, nexp, capexp) = mp_arena_strdup(a, l);
        }
        fclose(f);
    }
    if (workspace(&work, &self, a, &err)) {
        fprintf(stderr, "migprop runner-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    const struct mp_report_meta meta = {
        .title = mp_arena_printf(a, "migprop %s runner-check of %s, seed 0x%016" PRIx64 ", %lu histories",
                                 MIGPROP_VERSION, ad.name, o->seed, o->iterations)};
    mp_reporter_open(&rep, MP_FORMAT_TAP, stdout, &meta);
    struct mp_rc_finding *all = NULL;
    size_t nall = 0, capall = 0;
    const char **all_backend = NULL;
    size_t capb = 0, nb = 0;
    for (int d = 0; d < MP_NDIALECTS && status != 2; d++) {
        if ((d == MP_SQLITE && strcmp(o->backend, "postgres") == 0) ||
            (d == MP_POSTGRES && strcmp(o->backend, "sqlite") == 0))
            continue;
        struct mp_rc c = {.a = a, .ad = &ad, .d = (enum mp_dialect)d, .work = work, .out_dir = o->out_dir,
                          .self = self, .user = "postgres", .rep = rep};
        struct mp_pgcluster *cl = NULL;
        if (d == MP_POSTGRES && connect_pg(&c, o->pg_url, &cl, &err)) {
            fprintf(stderr, "migprop runner-check: %s\n", err.msg);
            status = 2;
            break;
        }
        int rc = mp_rc_check_histories(&c, o->iterations, o->seed);
        if (!rc) rc = mp_rc_check_exactly_once(&c, false);
        if (!rc) rc = mp_rc_check_exactly_once(&c, true);
        if (!rc) rc = mp_rc_check_failing(&c);
        if (!rc) rc = mp_rc_check_tamper(&c);
        if (!rc) rc = mp_rc_check_semicolons(&c);
        if (!rc) rc = mp_rc_check_sequences(&c, o->sequences, o->seed);
        if (rc)
            status = 2;
        for (size_t i = 0; i < c.nf; i++) {
            *MP_PUSH(a, all, nall, capall) = c.f[i];
            *MP_PUSH(a, all_backend, nb, capb) = mp_dialect_name((enum mp_dialect)d);
        }
        mp_pgcluster_stop(cl);
    }
    mp_reporter_plan(rep, mp_reporter_points(rep));
    /* the findings table */
    mp_reporter_comment(rep, "findings for %s: %zu", ad.name, nall);
    for (size_t i = 0; i < nall; i++) {
        const char *key = mp_arena_printf(a, "%s/%s/%s", ad.name, all_backend[i], all[i].check);
        bool ok = expected(exp, nexp, key);
        if (!ok)
            total_unexpected++;
        mp_reporter_comment(rep, "%-10s %-8s %-20s %.*s%s\n           repro: %s", ad.name, all_backend[i],
                            all[i].check, (int)strcspn(all[i].what, "\n"), all[i].what, ok ? " (expected)" : "",
                            all[i].repro);
    }
out:
    mp_reporter_close(rep);
    if (work && mp_rmtree(work, &err))
        fprintf(stderr, "migprop runner-check: could not remove %s: %s\n", work, err.msg);
    free(work);
    mp_arena_free(a);
    if (status == 2)
        return 2;
    return total_unexpected ? 1 : 0;
}

/* A .runcase file's lines: "runner:", "backend:", "seed:", "commands:". */
struct runcase {
    const char *runner, *backend, *commands;
    uint64_t seed;
};

static int read_runcase(struct mp_arena *a, const char *path, struct runcase *out, struct mp_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    *out = (struct runcase){.backend = "sqlite"};
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *l = mp_rc_trim(line);
        if (strncmp(l, "runner:", 7) == 0)
            out->runner = mp_arena_strdup(a, mp_rc_trim(l + 7));
        else if (strncmp(l, "backend:", 8) == 0)
            out->backend = mp_arena_strdup(a, mp_rc_trim(l + 8));
        else if (strncmp(l, "seed:", 5) == 0)
            out->seed = strtoull(mp_rc_trim(l + 5), NULL, 0);
        else if (strncmp(l, "commands:", 9) == 0)
            out->commands = mp_arena_strdup(a, mp_rc_trim(l + 9));
    }
    fclose(f);
    if (!out->commands)
        return mp_error_set(err, MP_EINVAL, "%s: no 'commands:' line", path);
    return 0;
}

int mp_runner_replay(const char *path, const char *adapter_file)
{
    struct mp_arena *a = mp_arena_new();
    struct mp_error err = {0};
    struct runcase rcase = {0};
    struct mp_rc_adapter ad;
    enum mp_rc_cmd cmds[256];
    size_t n = 0;
    char *work = NULL;
    const char *self;
    struct mp_pgcluster *cl = NULL;
    int status = 0;
    if (read_runcase(a, path, &rcase, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        status = 2;
        goto out;
    }
    if (adapter_file ? mp_rc_adapter_read(a, adapter_file, &ad, &err) : load_adapter(a, NULL, rcase.runner, &ad, &err)) {
        fprintf(stderr, "migprop replay: %s: %s\n", path,
                adapter_file ? err.msg : "unknown runner (give its adapter with --adapter)");
        status = 2;
        goto out;
    }
    char *list = mp_arena_strdup(a, rcase.commands);
    for (char *sv = NULL, *tok = strtok_r(list, " ", &sv); tok && n < 256; tok = strtok_r(NULL, " ", &sv)) {
        int k = mp_rc_cmd_parse(tok);
        if (k < 0) {
            fprintf(stderr, "migprop replay: %s: unknown command '%s'\n", path, tok);
            status = 2;
            goto out;
        }
        cmds[n++] = (enum mp_rc_cmd)k;
    }
    if (workspace(&work, &self, a, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        status = 2;
        goto out;
    }
    enum mp_dialect d = strcmp(rcase.backend, "postgres") == 0 ? MP_POSTGRES : MP_SQLITE;
    struct mp_rc c = {.a = a, .ad = &ad, .d = d, .work = work, .out_dir = work, .self = self, .user = "postgres"};
    if (d == MP_POSTGRES && connect_pg(&c, NULL, &cl, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        status = 2;
        goto out;
    }
    size_t at = 0;
    const char *output;
    const char *bad = mp_rc_sequence_run(&c, cmds, n, rcase.seed, &at, &output);
    struct mp_reporter *rep;
    mp_reporter_open(&rep, MP_FORMAT_TAP, stdout, &(const struct mp_report_meta){0});
    mp_reporter_plan(rep, 1);
    const char *where = mp_arena_printf(a, "%s %s", ad.name, rcase.backend);
    if (bad) {
        const struct mp_report_field diag[] = {
            {"message", mp_arena_printf(a, "%s at command %zu (%s)", bad, at + 1, mp_rc_cmd_name(cmds[at])),
             MP_FIELD_DQUOTED}};
        mp_reporter_point(rep, &(struct mp_report_point){.result = MP_POINT_FAIL, .name = "sequence", .where = where,
                                                          .message = diag[0].value, .diag = diag, .ndiag = 1});
        mp_reporter_comment(rep, "runner output:");
        for (const char *q = output; *q;) {
            const char *e = strchr(q, '\n');
            size_t len = e ? (size_t)(e - q) : strlen(q);
            mp_reporter_comment(rep, "  %.*s", (int)len, q);
            q += len + (e ? 1 : 0);
        }
        status = 1;
    } else {
        mp_reporter_point(rep, &(struct mp_report_point){.name = "sequence", .where = where});
    }
    mp_reporter_close(rep);
out:
    mp_pgcluster_stop(cl);
    if (work && mp_rmtree(work, &err) && !status)
        status = 2;
    free(work);
    mp_arena_free(a);
    return status;
}
