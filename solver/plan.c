/* plan.c - the planner's entry points: mp_plan_build() runs the phases of
 * plan_int.h in order, repairing loops until the sort places every node;
 * mp_plan_script() and mp_plan_step_text() print a plan. */
#include "plan_int.h"
#include "vschema_int.h"
#include "model_column.h"

#include <stdlib.h>
#include <string.h>

/* The default solver in rounds: rank, graph, sort; while the sort stalls,
 * repair every loop it found and go again (a limit of 2n + 8 rounds for n
 * operations stops a repair that does not converge); then emit. */
static int plan_build(struct mp_arena *a, const struct mp_schema *start, const struct mp_changeset *cs,
                      enum mp_dialect d, enum mp_solver_kind solver, struct mp_plan *p, struct mp_error *err)
{
    struct plan_ctx x = {.a = a, .d = d, .start = start, .err = err, .deferred_fks = -1};
    if (solver == MP_SOLVER_NAIVE)
        return mp_plan_emit_naive(&x, cs, p);
    int rc = mp_plan_resolve(&x, cs);
    if (!rc)
        rc = mp_plan_make_nodes(&x, cs);
    long *order = NULL, *indeg = NULL;
    for (size_t attempt = 0; !rc; attempt++) {
        mp_plan_rank(&x);
        if ((rc = mp_plan_build_graph(&x)))
            break;
        free(order);
        free(indeg);
        order = malloc((x.nnodes + 1) * sizeof *order);
        indeg = malloc((x.nnodes + 1) * sizeof *indeg);
        if (!order || !indeg)
            mp_oom();
        if (mp_plan_topo_sort(&x, order, indeg) == x.nnodes)
            break;
        /* repair every disjoint loop found now, then sort again (one
         * rebuild per round, not per loop) */
        long *loops = malloc((x.nnodes + 1) * sizeof *loops);
        size_t *lens = malloc((x.nnodes + 1) * sizeof *lens);
        if (!loops || !lens)
            mp_oom();
        size_t nl = mp_plan_find_loops(&x, indeg, loops, lens);
        if (attempt > 2 * cs->n + 8 || nl == 0)
            rc = mp_error_set(err, MP_ECYCLE, "change set cannot be ordered (repair did not converge)");
        for (size_t k = 0, off = 0; k < nl && !rc; off += lens[k], k++)
            rc = mp_plan_repair(&x, loops + off, lens[k]);
        free(loops);
        free(lens);
    }
    if (!rc)
        rc = mp_plan_emit_types(&x, cs, p, false);
    if (!rc)
        rc = mp_plan_emit_steps(&x, order, p);
    if (!rc)
        rc = mp_plan_emit_sequences(&x, cs, p);
    if (!rc)
        rc = mp_plan_emit_types(&x, cs, p, true);
    if (!rc)
        rc = mp_plan_check_new_labels(p, err);
    free(order);
    free(indeg);
    return rc;
}

int mp_plan_build(struct mp_arena *a, const struct mp_schema *start,
                  const struct mp_changeset *cs, enum mp_dialect d,
                  const struct mp_plan_options *opt, struct mp_plan **out, struct mp_error *err)
{
    static const struct mp_plan_options defaults = {0};
    if (!opt)
        opt = &defaults;
    enum mp_solver_kind solver = opt->solver;
    struct mp_plan *p = mp_arena_alloc(a, sizeof *p);
    p->dialect = d;
    p->fault = opt->fault;
    /* the virtual schema holds what dialect d keeps of the start schema
     * (model_column.h, mp_table_project) */
    p->final = mp_schema_clone(a, start);
    for (size_t i = 0; i < p->final->ntables; i++)
        mp_table_project(p->final->tables[i], d);
    if (d == MP_SQLITE)
        p->final->nseqs = 0;
    mp_schema_project_objects(p->final, d);
    /* enum types and domains are PostgreSQL-only (model_type.h) */
    for (size_t i = 0; d != MP_POSTGRES && i <= cs->n; i++)
        if (i < cs->n ? mp_op_is_type_op(cs->ops[i].kind) : start->ntypes > 0)
            return mp_error_set(err, MP_EINVAL, "enum types and domains are PostgreSQL-only (%s)",
                                i < cs->n ? cs->ops[i].name : start->types[0].name);
    p->final->has_dialect = true;
    p->final->dialect = d;
    mp_vschema_name_checks(a, p->final, d);
    /* every step checks names against the virtual schema: index them */
    mp_schema_index_names(p->final, d);
    int rc = plan_build(a, start, cs, d, solver, p, err);
    mp_schema_unindex_names(p->final);
    if (!rc)
        *out = p;
    return rc;
}

void mp_plan_step_text(struct mp_buf *b, const struct mp_plan *p, size_t i)
{
    const struct mp_step *s = &p->steps[i];
    struct mp_buf d = {0};
    mp_op_describe(&d, &s->op);
    char *nl = strchr(d.s, '\n');
    if (nl)
        *nl = '\0';
    mp_buf_printf(b, "-- step %zu: %s\n", i + 1, d.s);
    mp_buf_free(&d);
    if (s->why)
        mp_buf_printf(b, "-- %s\n", s->why);
    if (s->invalid)
        mp_buf_printf(b, "-- INVALID: %s\n", s->invalid);
    if (s->op.kind == MP_OP_DROP_TABLE) {
        mp_buf_add(b, "-- DATA LOSS: drops table ");
        mp_buf_ident(b, s->op.table);
        mp_buf_add(b, " and its rows\n");
    } else if (s->op.kind == MP_OP_DROP_COLUMN) {
        mp_buf_add(b, "-- DATA LOSS: drops column ");
        mp_buf_ident(b, s->op.table);
        mp_buf_addc(b, '.');
        mp_buf_ident(b, s->op.name);
        mp_buf_add(b, " and its values\n");
    } else if (s->op.kind == MP_OP_REBUILD_ENUM) {
        struct mp_arena *a = mp_arena_new();
        const char *loss = mp_plan_rebuild_loss(a, &s->op);
        if (loss)
            mp_buf_printf(b, "-- DATA LOSS: %s\n", loss);
        mp_arena_free(a);
    } else if (s->op.kind == MP_OP_ADD_CHECK && !s->op.check.not_valid) {
        mp_buf_add(b, "-- FAILS when an existing row violates the check (nothing is changed then)\n");
    } else if (s->op.kind == MP_OP_ALTER_PK && s->op.unique.cols.n) {
        mp_buf_add(b, "-- FAILS when two existing rows share a value of the new key (nothing is changed then)\n");
    }
    mp_buf_add(b, s->sql);
}

const char *mp_plan_step_data_loss(struct mp_arena *a, const struct mp_plan *p, size_t i)
{
    const struct mp_step *s = &p->steps[i];
    if (s->op.kind == MP_OP_DROP_TABLE)
        return mp_arena_printf(a, "drops table \"%s\" and its rows", s->op.table);
    if (s->op.kind == MP_OP_DROP_COLUMN)
        return mp_arena_printf(a, "drops column \"%s\".\"%s\" and its values", s->op.table, s->op.name);
    if (s->op.kind == MP_OP_REBUILD_ENUM)
        return mp_plan_rebuild_loss(a, &s->op);
    return NULL;
}

void mp_plan_script(struct mp_buf *b, const struct mp_plan *p)
{
    bool fk_off = p->dialect == MP_SQLITE && p->sqlite_fk_off;
    mp_buf_printf(b, "-- migprop plan: %zu step%s, %s\n", p->n, p->n == 1 ? "" : "s",
                  mp_dialect_name(p->dialect));
    if (fk_off)
        mp_buf_add(b, "-- table rebuilds need foreign keys off, outside the transaction (SQLite ALTER TABLE 7)\n"
                      "PRAGMA foreign_keys=OFF;\n");
    mp_buf_add(b, "BEGIN;\n");
    for (size_t i = 0; i < p->n; i++) {
        mp_buf_addc(b, '\n');
        mp_plan_step_text(b, p, i);
    }
    /* PRAGMA foreign_key_check only prints: a row in pragma_foreign_key_check
     * must fail the script instead (sqlite3 -bail stops, the transaction is
     * not committed), through a CHECK on a temporary table */
    if (fk_off)
        mp_buf_add(b, "\n-- fail (and commit nothing) when a row violates a foreign key (ALTER TABLE 7, step 11)\n"
                      "CREATE TEMP TABLE _mp_fk_check(foreign_key_violations INTEGER "
                      "CHECK (foreign_key_violations = 0));\n"
                      "INSERT INTO _mp_fk_check SELECT count(*) FROM pragma_foreign_key_check;\n"
                      "DROP TABLE _mp_fk_check;\n");
    mp_buf_add(b, "COMMIT;\n");
    if (fk_off)
        mp_buf_add(b, "PRAGMA foreign_keys=ON;\n");
}
