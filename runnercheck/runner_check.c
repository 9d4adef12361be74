/* runner_check.c - the `migprop runner-check` command and the replay of a
 * shrunk command sequence (see runner_check.h): options, the adapter, a
 * scratch directory, the checks on each backend, the report and the table
 * of findings. */
#include "runner_check.h"
#include "runnercheck_int.h"
#include "os.h"
#include "pgcluster.h"
#include "fault.h"

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
    if (mp_rc_profile(runner, out))
        return mp_error_set(err, MP_EINVAL, "unknown runner '%s' (built-in: %s); or give --adapter FILE",
                            runner ? runner : "", mp_rc_profile_names());
    return 0;
}

/* --style and --fault: another file layout; the migprop profile's
 * commands with a planted fault (self-test only). */
static int adjust_adapter(struct mp_arena *a, const struct mp_runner_check_config *o, struct mp_rc_adapter *ad,
                          struct mp_error *err)
{
    if (o->style) {
        int st = mp_migstyle_parse(o->style);
        if (st < 0)
            return mp_error_set(err, MP_EINVAL, "unknown style '%s'", o->style);
        ad->style = (enum mp_migstyle)st;
        ad->up_file = ad->down_file = ad->up_marker = ad->down_marker = ad->notx_marker = NULL;
        ad->verfmt = MP_RC_VER_NUMBER;
        mp_rc_layout_defaults(ad);
    }
    if (o->fault) {
        if (strcmp(ad->name, "migprop") != 0)
            return mp_error_set(err, MP_EINVAL, "a fault is planted in the migprop profile only");
        if (mp_fault_parse(o->fault) <= 0)
            return mp_error_set(err, MP_EINVAL, "unknown fault '%s'", o->fault);
        const char *tpl[2] = {ad->up, ad->down};
        for (int i = 0; i < 2; i++) {
            const char *m = strstr(tpl[i], " migrate ");
            tpl[i] = mp_arena_printf(a, "%.*s migrate --fault %s %s", (int)(m - tpl[i]), tpl[i], o->fault, m + 9);
        }
        ad->up = tpl[0], ad->down = tpl[1];
    }
    return 0;
}

/* The default number of rounds of each concurrency check. */
#define MP_RC_DEFAULT_ROUNDS 20

static int run_history(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed)
{
    return mp_rc_check_histories(c, o->iterations, seed);
}
static int run_eo(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed)
{
    (void)o, (void)seed;
    return mp_rc_check_exactly_once(c, false);
}
static int run_eo_notx(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed)
{
    (void)o, (void)seed;
    return mp_rc_check_exactly_once(c, true);
}
#define SIMPLE(fn, call)                                                                                              \
    static int fn(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed)                            \
    {                                                                                                                  \
        (void)o, (void)seed;                                                                                           \
        return call;                                                                                                   \
    }
SIMPLE(run_failing, mp_rc_check_failing(c))
SIMPLE(run_edited, mp_rc_check_tamper(c, 0))
SIMPLE(run_deleted, mp_rc_check_tamper(c, 1))
SIMPLE(run_older, mp_rc_check_tamper(c, 2))
SIMPLE(run_duplicate, mp_rc_check_tamper(c, 3))
SIMPLE(run_semicolons, mp_rc_check_semicolons(c))
SIMPLE(run_irreversible, mp_rc_check_irreversible(c))
SIMPLE(run_versions, mp_rc_check_versions(c))
SIMPLE(run_noop, mp_rc_check_noop(c))
SIMPLE(run_long, mp_rc_check_long(c))
SIMPLE(run_exit_code, mp_rc_check_exit_code(c))
#undef SIMPLE
static int run_sequences(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed)
{
    return mp_rc_check_sequences(c, o->sequences, seed);
}

/* Every check, in the order they run; each reports one point. */
static const struct {
    const char *name, *what;
    int (*run)(struct mp_rc *c, const struct mp_runner_check_config *o, uint64_t seed);
} checks[] = {
    {"history", "random histories: up reaches the desired schema and the rows migprop's executor keeps; a second up "
                "changes nothing; down returns the start schema (canonical form) and rows", run_history},
    {"exactly_once", "4 runners released at once on one directory, --rounds times: each migration runs once, every "
                     "runner exits 0", run_eo},
    {"exactly_once_notx", "the same with every 5th migration outside a transaction", run_eo_notx},
    {"failing_migration", "a migration whose second statement fails exits non-zero and leaves schema and rows as "
                          "before; once fixed it is applied", run_failing},
    {"tamper_edited", "editing the up section of the oldest, a middle or the newest applied migration makes up fail",
     run_edited},
    {"tamper_deleted", "deleting the oldest, a middle or the newest applied migration makes up fail", run_deleted},
    {"tamper_out_of_order", "a new migration older than the newest applied one is not applied silently", run_older},
    {"tamper_duplicate", "two migrations with one version make up fail", run_duplicate},
    {"semicolons", "';' in strings, comments, dollar quotes, multi-line function, DO, trigger and BEGIN ATOMIC bodies "
                   "is not a statement boundary", run_semicolons},
    {"irreversible_down", "down of a migration with an empty down refuses (and keeps it applied) or restores the "
                          "previous schema and rows", run_irreversible},
    {"versions", "versions 0, 1, 02, 0003, 10, 100 and a timestamp apply once each, in numeric order", run_versions},
    {"noop_migration", "a migration with an empty up is applied (recorded) and the next one after it", run_noop},
    {"long_migration", "a migration of 10,000 statements is applied whole", run_long},
    {"exit_code", "a migration with a syntax error and a down that fails make the runner exit non-zero", run_exit_code},
    {"sequence", "random command sequences keep the database equal to a model of a correct runner; a failing one is "
                 "shrunk", run_sequences},
};

void mp_runner_check_list(FILE *out)
{
    for (size_t k = 0; k < sizeof checks / sizeof *checks; k++)
        fprintf(out, "%-20s %s\n", checks[k].name, checks[k].what);
}

/* The names of the checks, for mp_rc_list_unknown(). */
static const char *unknown_check(struct mp_arena *a, const char *list)
{
    const char *names[sizeof checks / sizeof *checks];
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++)
        names[i] = checks[i].name;
    return mp_rc_list_unknown(a, list, names, sizeof checks / sizeof *checks);
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
    struct mp_rc_expect exp = {0};
    if (load_adapter(a, o->adapter_file, o->runner, &ad, &err) || adjust_adapter(a, o, &ad, &err)) {
        fprintf(stderr, "migprop runner-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    const char *bad_check = unknown_check(a, o->checks);
    if (bad_check) {
        fprintf(stderr, "migprop runner-check: unknown check '%s' (see --list)\n", bad_check);
        status = 2;
        goto out;
    }
    if (mp_rc_expect_read(a, o->expect_file, &exp, &err)) {
        fprintf(stderr, "migprop runner-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    if (mp_rc_workspace(a, "migprop-rc-", &work, &self, &err)) {
        fprintf(stderr, "migprop runner-check: %s\n", err.msg);
        status = 2;
        goto out;
    }
    const struct mp_report_meta meta = {
        .title = mp_arena_printf(a, "migprop %s runner-check of %s, seed 0x%016" PRIx64 ", %lu histories",
                                 MIGPROP_VERSION, ad.name, o->seed, o->iterations)};
    mp_reporter_open(&rep, MP_FORMAT_TAP, o->out ? o->out : stdout, &meta);
    struct mp_rc_finding *all = NULL;
    size_t nall = 0, capall = 0;
    const char **all_backend = NULL;
    size_t capb = 0, nb = 0;
    for (int d = 0; d < MP_NDIALECTS && status != 2; d++) {
        if ((d == MP_SQLITE && strcmp(o->backend, "postgres") == 0) ||
            (d == MP_POSTGRES && strcmp(o->backend, "sqlite") == 0) || !ad.backend[d])
            continue;
        struct mp_rc c = {.a = a, .ad = &ad, .d = (enum mp_dialect)d, .work = work, .out_dir = o->out_dir,
                          .self = self, .user = "postgres", .rep = rep};
        struct mp_pgcluster *cl = NULL;
        if (d == MP_POSTGRES && mp_rc_connect_pg(&c, o->pg_url, &cl, &err)) {
            fprintf(stderr, "migprop runner-check: %s\n", err.msg);
            status = 2;
            break;
        }
        int rc = 0;
        c.rounds = o->rounds ? o->rounds : MP_RC_DEFAULT_ROUNDS;
        for (unsigned rep_i = 0; rep_i < (o->repeat ? o->repeat : 1) && !rc; rep_i++)
            for (size_t k = 0; k < sizeof checks / sizeof *checks && !rc; k++)
                if (mp_rc_list_has(o->checks, checks[k].name))
                    rc = checks[k].run(&c, o, o->seed + rep_i);
        if (rc)
            status = 2;
        for (size_t i = 0; i < c.nf; i++) {
            *MP_PUSH(a, all, nall, capall) = c.f[i];
            *MP_PUSH(a, all_backend, nb, capb) = mp_dialect_name((enum mp_dialect)d);
        }
        mp_buf_free(&c.setup);
        mp_buf_free(&c.log);
        mp_pgcluster_stop(cl);
    }
    mp_reporter_plan(rep, mp_reporter_points(rep));
    total_unexpected = mp_rc_findings_table(rep, a, ad.name, all, all_backend, nall, &exp);
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
    if (mp_rc_workspace(a, "migprop-rc-", &work, &self, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        status = 2;
        goto out;
    }
    enum mp_dialect d = strcmp(rcase.backend, "postgres") == 0 ? MP_POSTGRES : MP_SQLITE;
    struct mp_rc c = {.a = a, .ad = &ad, .d = d, .work = work, .out_dir = work, .self = self, .user = "postgres"};
    if (d == MP_POSTGRES && mp_rc_connect_pg(&c, NULL, &cl, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        status = 2;
        goto out;
    }
    size_t at = 0;
    const char *output = "";
    /* a sequence with runners at once: MP_RC_DEFAULT_ROUNDS runs, the rate */
    unsigned runs = mp_rc_seq_racy(cmds, n) ? MP_RC_DEFAULT_ROUNDS : 1, nfail = 0;
    const char *bad = NULL;
    for (unsigned k = 0; k < runs; k++) {
        size_t at1;
        const char *out1;
        const char *b1 = mp_rc_sequence_run(&c, cmds, n, rcase.seed, &at1, &out1, false);
        if (b1) {
            nfail++;
            if (!bad)
                bad = b1, at = at1, output = out1;
        }
    }
    if (bad && runs > 1)
        bad = mp_arena_printf(a, "%s (failed in %u/%u rounds)", bad, nfail, runs);
    mp_buf_free(&c.setup);
    mp_buf_free(&c.log);
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
