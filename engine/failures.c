/* failures.c - a failure shrunk and written down: the minimal case file
 * and a standalone SQL script that reproduces it with psql or sqlite3. */
#include "engine_int.h"
#include "casefile.h"
#include "os.h"
#include "shrink.h"
#include "sql.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plan of case c for dialect d as a script, and its change set as text. */
static void describe_case(struct mp_arena *a, const struct mp_case *c, enum mp_dialect d,
                          const struct mp_plan_options *opt, uint64_t seed, struct mp_buf *changes,
                          struct mp_buf *script)
{
    struct mp_changeset cs;
    struct mp_error e = {0};
    struct mp_plan *p;
    bool diff_failed;
    int rc = mp_case_plan(a, c, d, opt, seed, &cs, &p, &diff_failed, &e);
    if (diff_failed) {
        mp_buf_printf(script, "-- the change set could not be computed: %s\n", e.msg);
        return;
    }
    for (size_t i = 0; i < cs.n; i++) {
        mp_op_describe(changes, &cs.ops[i]);
        mp_buf_addc(changes, '\n');
    }
    if (rc)
        mp_buf_printf(script, "-- the solver could not plan the change set: %s\n", e.msg);
    else
        mp_plan_script(script, p);
}

/* Shrink the failure just recorded in pt, write the case file and the
 * standalone SQL next to it, and point the report at the minimal case. */
void mp_failure_shrink_write(const struct mp_run_config *cfg, struct mp_point *pt, struct mp_trial *t,
                             const struct mp_property *prop, enum mp_dialect d, long trial_no)
{
    char kind[160];
    if (!t->applied[d])
        return;
    mp_trial_failure_kind(&t->res[d], prop->name, d, kind);
    struct mp_shrink_result sr;
    const struct mp_plan_options opt = {t->solver, t->fault};
    const struct mp_shrink_budget budget = {cfg->shrink_time > 0 ? cfg->shrink_time : 0,
                                            cfg->shrink_steps > 0 ? cfg->shrink_steps : 0}; /* 0: the defaults */
    mp_shrink(t->a, t->c, &t->data, t->seed, &opt, prop, cfg->backends, d, kind, &budget, &sr);
    const char *dir = cfg->out_dir ? cfg->out_dir : "migprop-failures";
    struct mp_error e = {0};
    if (mp_mkdir_p(dir, &e)) {
        fprintf(stderr, "migprop: %s\n", e.msg);
        return;
    }
    const char *base = trial_no >= 0 ? mp_arena_printf(t->a, "t%ld", trial_no)
                                     : (strrchr(t->label, '/') ? strrchr(t->label, '/') + 1 : t->label);
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".case") == 0)
        base = mp_arena_strndup(t->a, base, bl - 5);
    const char *path = mp_arena_printf(t->a, "%s/%s-%s-%016llx-%s.case", dir, prop->name, mp_dialect_name(d),
                                       (unsigned long long)cfg->seed, base);
    struct mp_casefile cf = {.c = sr.c, .data = sr.data, .has_rows = true};
    cf.meta.property = prop->name;
    cf.meta.backend = mp_dialect_name(d);
    cf.meta.solver = t->solver == MP_SOLVER_NAIVE ? "naive" : "default";
    cf.meta.seed = mp_arena_printf(t->a, "0x%016llx", (unsigned long long)cfg->seed);
    cf.meta.trial = trial_no;
    cf.meta.trial_seed = mp_arena_printf(t->a, "0x%016llx", (unsigned long long)t->seed);
    cf.meta.kind = kind;
    if (mp_casefile_write(path, &cf, &e)) {
        fprintf(stderr, "migprop: %s\n", e.msg);
        return;
    }
    /* standalone SQL: setup, rows, the failing migration */
    struct mp_buf sql = {0}, changes = {0}, script = {0};
    mp_buf_printf(&sql, "-- migprop repro of %s: %s on %s\n-- run: %s\n", path, prop->name, mp_dialect_name(d),
                  d == MP_SQLITE ? "sqlite3 :memory: < FILE" : "psql -v ON_ERROR_STOP=1 -f FILE");
    if (d == MP_POSTGRES)
        mp_buf_add(&sql, "DROP SCHEMA IF EXISTS migprop_repro CASCADE;\nCREATE SCHEMA migprop_repro;\n"
                         "SET search_path TO migprop_repro;\n");
    else
        mp_buf_add(&sql, ".bail on\n.dbconfig dqs_ddl off\n.dbconfig dqs_dml off\nPRAGMA foreign_keys=ON;\n");
    mp_sql_schema(&sql, sr.c.start, d, t->fault);
    mp_data_sql(&sql, &sr.data, d);
    describe_case(t->a, &sr.c, d, &opt, t->seed, &changes, &script);
    mp_buf_add(&sql, mp_buf_str(&script));
    /* what the property saw, for failures that are not an SQL error */
    mp_buf_add(&sql, "\n-- what migprop reported:\n");
    for (const char *q = sr.message[0] ? sr.message : pt->message; q && *q;) {
        const char *e2 = strchr(q, '\n');
        size_t n = e2 ? (size_t)(e2 - q) : strlen(q);
        mp_buf_printf(&sql, "--   %.*s\n", (int)n, q);
        q += n + (e2 ? 1 : 0);
    }
    const char *sql_path = mp_arena_printf(t->a, "%.*s.%s.sql", (int)(strlen(path) - 5), path,
                                           d == MP_SQLITE ? "sqlite" : "pg");
    FILE *f = fopen(sql_path, "w");
    if (f) {
        fputs(mp_buf_str(&sql), f);
        fclose(f);
    }
    /* the report shows the minimal case */
    struct mp_buf b = {0};
    free(pt->start);
    mp_schema_canonical(&b, sr.c.start, MP_CANON_NAMES);
    pt->start = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    free(pt->desired);
    mp_schema_canonical(&b, sr.c.desired, MP_CANON_NAMES);
    pt->desired = mp_xstrdup(mp_buf_str(&b));
    mp_buf_reset(&b);
    free(pt->renames);
    mp_renames_print(&b, &sr.c.renames);
    pt->renames = mp_xstrdup(mp_buf_str(&b));
    mp_buf_free(&b);
    free(pt->changes);
    pt->changes = mp_xstrdup(mp_buf_str(&changes));
    free(pt->sql);
    pt->sql = mp_xstrdup(mp_buf_str(&script));
    if (sr.message[0]) {
        free(pt->message);
        pt->message = mp_xstrdup(sr.message);
    }
    pt->case_path = mp_xstrdup(path);
    pt->shrunk_ops = sr.ops;
    pt->shrink_steps = sr.steps;
    pt->shrink_ms = sr.ms;
    mp_buf_free(&sql);
    mp_buf_free(&changes);
    mp_buf_free(&script);
}
