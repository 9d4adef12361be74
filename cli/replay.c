/* replay.c - `migprop replay CASE`: run one case file again. */
#include "properties.h"
#include "commands.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

#include "runner_check.h"

int mp_cmd_replay(int argc, char **argv)
{
    const char *path = NULL, *backend = NULL, *props = NULL, *pg_url = getenv("DATABASE_URL"), *adapter = NULL;
    if (pg_url && strncmp(pg_url, "postgres", 8) != 0)
        pg_url = NULL;
    bool trace = false;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            printf("usage: migprop replay CASE [--backend sqlite|postgres] [--properties a,b] [--trace] [--pg-url URL]\n\n"
                   "Runs the case file again with the property and backend it records (or those given);\n"
                   "exit 1 when it still fails, 0 when it passes, 2 on a bad case file.\n");
            return 0;
        }
        if (strcmp(o, "--trace") == 0) {
            trace = true;
            continue;
        }
        if (o[0] == '-' && o[1] == '-') {
            if (i + 1 >= argc) {
                fprintf(stderr, "migprop replay: option %s needs a value\n", o);
                return 2;
            }
            const char *v = argv[++i];
            if (strcmp(o, "--backend") == 0)
                backend = v;
            else if (strcmp(o, "--properties") == 0)
                props = v;
            else if (strcmp(o, "--pg-url") == 0)
                pg_url = v;
            else if (strcmp(o, "--adapter") == 0)
                adapter = v;
            else {
                fprintf(stderr, "migprop replay: unknown option '%s'\n", o);
                return 2;
            }
            continue;
        }
        if (path) {
            fprintf(stderr, "migprop replay: one case file at a time ('%s')\n", o);
            return 2;
        }
        path = o;
    }
    if (!path) {
        fprintf(stderr, "migprop replay: which case file? (migprop replay CASE)\n");
        return 2;
    }
    size_t pl = strlen(path);
    if (pl > 8 && strcmp(path + pl - 8, ".runcase") == 0)
        return mp_runner_replay(path, adapter);
    struct mp_arena *a = mp_arena_new();
    struct mp_casefile cf;
    struct mp_error err = {0};
    if (mp_casefile_read_full(a, path, &cf, &err)) {
        fprintf(stderr, "migprop replay: %s\n", err.msg);
        mp_arena_free(a);
        return 2;
    }
    if (!backend)
        backend = cf.meta.backend ? cf.meta.backend : "all";
    if (!props)
        props = cf.meta.property;
    bool want[MP_NDIALECTS] = {strcmp(backend, "postgres") != 0, strcmp(backend, "sqlite") != 0};
    const struct mp_plan_options plan = {
        .solver = cf.meta.solver && strcmp(cf.meta.solver, "naive") == 0 ? MP_SOLVER_NAIVE : MP_SOLVER_DEFAULT};
    uint64_t seed = cf.meta.trial_seed ? strtoull(cf.meta.trial_seed, NULL, 0) : 0;
    /* properties */
    size_t nall;
    const struct mp_property *all = mp_properties(&nall);
    const struct mp_property *sel[64];
    size_t nsel = 0;
    if (!props) {
        for (size_t i = 0; i < nall && nsel < 64; i++)
            sel[nsel++] = &all[i];
    } else {
        char *copy = strdup(props);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            const struct mp_property *p = mp_property_find(tok);
            if (!p) {
                fprintf(stderr, "migprop replay: unknown property '%s'\n", tok);
                free(copy);
                mp_arena_free(a);
                return 2;
            }
            if (nsel < 64)
                sel[nsel++] = p;
        }
        free(copy);
    }
    struct mp_backend *bk[MP_NDIALECTS] = {0};
    bool needs_both = false;
    for (size_t i = 0; i < nsel; i++)
        needs_both = needs_both || strcmp(sel[i]->name, "dialect_agreement") == 0;
    for (int d = 0; d < MP_NDIALECTS; d++) {
        if (!want[d] && !needs_both)
            continue;
        struct mp_backend_config bc = {.pg_url = pg_url, .quiet = true};
        if (mp_backend_open((enum mp_dialect)d, &bc, &bk[d], &err)) {
            fprintf(stderr, "migprop replay: %s backend: %s\n", mp_dialect_name((enum mp_dialect)d), err.msg);
            for (int k = 0; k < d; k++)
                mp_backend_close(bk[k]);
            mp_arena_free(a);
            return 2;
        }
    }
    const struct mp_report_meta meta = {.title = mp_arena_printf(a, "migprop %s replay of %s", MIGPROP_VERSION, path)};
    struct mp_reporter *r;
    mp_reporter_open(&r, MP_FORMAT_TAP, stdout, &meta);
    size_t n = 0;
    for (int d = 0; d < MP_NDIALECTS; d++)
        for (size_t i = 0; i < nsel && want[d]; i++) {
            if (trace) {
                struct mp_buf tr = {0};
                mp_case_trace(&tr, &cf.c, (enum mp_dialect)d, &plan, seed);
                mp_reporter_comment(r, "%s", mp_buf_str(&tr));
                mp_buf_free(&tr);
            }
            struct mp_buf diag = {0};
            char kind[160];
            size_t nops = 0;
            enum mp_verdict v = mp_check_case(&cf.c, cf.has_rows ? &cf.data : NULL, seed, &plan, sel[i], bk,
                                              (enum mp_dialect)d, &diag, kind, &nops);
            n++;
            const struct mp_report_field fields[] = {
                {"kind", kind, MP_FIELD_PLAIN},
                {"operations", mp_arena_printf(a, "%zu", nops), MP_FIELD_PLAIN},
                {"message", mp_buf_str(&diag), MP_FIELD_BLOCK},
            };
            struct mp_report_point pt = {.name = sel[i]->name, .where = mp_dialect_name((enum mp_dialect)d),
                                         .message = mp_buf_str(&diag)};
            if (v == MP_FAIL) {
                pt.result = MP_POINT_FAIL;
                pt.diag = fields;
                pt.ndiag = sizeof fields / sizeof *fields;
            } else if (v == MP_DISCARD) {
                pt.result = MP_POINT_SKIP;
                pt.note = mp_arena_printf(a, "discarded: %s", mp_buf_str(&diag));
            }
            mp_reporter_point(r, &pt);
            mp_buf_free(&diag);
        }
    mp_reporter_plan(r, n); /* at the end: TAP 14 allows either end */
    size_t failed = mp_reporter_failed(r);
    mp_reporter_close(r);
    for (int d = 0; d < MP_NDIALECTS; d++)
        mp_backend_close(bk[d]);
    mp_arena_free(a);
    return failed ? 1 : 0;
}
