/* plan_repair.c - the planner's loop repairs: a table of known loop shapes,
 * each with the function that breaks it, in the manner of pg_dump_sort.c's
 * repairDependencyLoop(). */
#include "plan_int.h"

#include <string.h>

static bool name_used(struct plan_ctx *x, const char *name)
{
    for (size_t i = 0; i < x->ntabs; i++) {
        const struct tab_id *tb = &x->tabs[i];
        if ((tb->start && mp_name_eq(x->d, tb->start, name)) || (tb->final && mp_name_eq(x->d, tb->final, name)))
            return true;
    }
    if (mp_vschema_name_taken(x->start, x->d, name))
        return true;
    for (size_t i = 0; i < x->nnodes; i++) {
        const struct plan_node *n = &x->nodes[i];
        if (n->tmp && mp_name_eq(x->d, n->tmp, name))
            return true;
        if (n->kind == MP_OP_ADD_INDEX && mp_name_eq(x->d, n->op->index.name, name))
            return true;
        if (n->kind == MP_OP_RENAME_INDEX && mp_name_eq(x->d, n->op->new_name, name))
            return true;
        if (n->kind == MP_OP_ADD_UNIQUE && n->op->unique.name && mp_name_eq(x->d, n->op->unique.name, name))
            return true;
        if (n->kind == MP_OP_CREATE_TABLE && mp_vschema_name_taken(
                &(struct mp_schema){.tables = (struct mp_table **)&n->def, .ntables = 1}, x->d, name))
            return true;
    }
    return false;
}

static const char *temp_name(struct plan_ctx *x, long t)
{
    for (;;) {
        const char *cand = mp_arena_printf(x->a, "_mp_tmp_%d", ++x->tmp_counter);
        if (t < 0 ? !name_used(x, cand)
                  : (mp_plan_col_start(x, t, cand) < 0 && mp_plan_col_final(x, t, cand) < 0))
            return cand;
    }
}

static bool in_loop(const long *loop, size_t len, long v)
{
    for (size_t i = 0; i < len; i++)
        if (loop[i] == v)
            return true;
    return false;
}

/* ---- the repairs ---- */

bool mp_plan_find_rename(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site)
{
    for (size_t i = 0; i < len; i++) {
        const struct plan_node *n = &x->nodes[loop[i]];
        if ((n->kind == MP_OP_RENAME_TABLE || n->kind == MP_OP_RENAME_COLUMN || n->kind == MP_OP_RENAME_INDEX) &&
            n->half == 0) {
            *site = (struct repair_site){loop[i], 0};
            return true;
        }
    }
    return false;
}

void mp_plan_repair_rename_cycle(struct plan_ctx *x, const struct repair_site *site)
{
    struct plan_node *n = &x->nodes[site->node];
    n->half = 1;
    n->tmp = temp_name(x, n->kind == MP_OP_RENAME_COLUMN ? n->t : -1);
    n->desc = NULL;
    struct plan_node copy = *n; /* n moves when the nodes grow */
    struct plan_node *m = mp_plan_add_node(x, copy.kind, copy.src, copy.op);
    *m = copy;
    m->half = 2;
}

bool mp_plan_find_fk_in_create(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site)
{
    for (size_t i = 0; i < len; i++) {
        const struct plan_node *n = &x->nodes[loop[i]];
        if (n->kind != MP_OP_CREATE_TABLE)
            continue;
        for (size_t j = 0; j < n->def->nfks; j++) {
            long rt = mp_plan_tab_final(x, n->def->fks[j].ref_table);
            if (rt < 0 || rt == n->t)
                continue;
            /* the target is created in the loop, or another member acts on it */
            bool needs_member = in_loop(loop, len, x->tabs[rt].create_node);
            for (size_t k = 0; k < len && !needs_member; k++)
                needs_member = x->nodes[loop[k]].t == rt && x->nodes[loop[k]].kind != MP_OP_CREATE_TABLE;
            if (needs_member) {
                *site = (struct repair_site){loop[i], j};
                return true;
            }
        }
    }
    return false;
}

void mp_plan_repair_fk_in_create_table(struct plan_ctx *x, const struct repair_site *site)
{
    struct plan_node *n = &x->nodes[site->node];
    size_t j = site->fk;
    struct mp_fk f = n->def->fks[j];
    memmove(&n->def->fks[j], &n->def->fks[j + 1], (n->def->nfks - j - 1) * sizeof f);
    n->def->nfks--;
    n->desc = NULL;
    long src = n->src, t = n->t;
    const struct mp_op *op = n->op;
    struct plan_node *m = mp_plan_add_node(x, MP_OP_ADD_FK, src, op);
    m->t = t;
    m->fk = f;
}

bool mp_plan_find_fk_around_drop(struct plan_ctx *x, const long *loop, size_t len, struct repair_site *site)
{
    for (size_t i = 0; i < len; i++) {
        const struct plan_node *n = &x->nodes[loop[i]];
        if (n->kind != MP_OP_DROP_TABLE)
            continue;
        const struct mp_table *st = x->tabs[n->t].st;
        for (size_t j = 0; j < st->nfks; j++) {
            long rt = mp_plan_tab_start(x, st->fks[j].ref_table);
            if (!n->detached[j] && rt != n->t && rt >= 0 && in_loop(loop, len, x->tabs[rt].drop_node)) {
                *site = (struct repair_site){loop[i], j};
                return true;
            }
        }
    }
    return false;
}

void mp_plan_repair_fk_around_drop(struct plan_ctx *x, const struct repair_site *site)
{
    struct plan_node *n = &x->nodes[site->node];
    n->detached[site->fk] = true;
    long t = n->t;
    struct mp_fk f = x->tabs[t].st->fks[site->fk];
    struct plan_node *m = mp_plan_add_node(x, MP_OP_DROP_FK, -1, NULL);
    m->t = t;
    m->fk = f;
}

/* Why these three shapes are all there is.  An edge u -> v (v waits on u)
 * runs from REL to ACQ or WAITFREE, MAKE to NEED, USE to KILL (plan_int.h).
 * Removals (DROP TABLE, COLUMN, INDEX, UNIQUE, FOREIGN KEY) play only REL,
 * USE and KILL; additions (CREATE TABLE, ADD COLUMN, INDEX, UNIQUE, FOREIGN
 * KEY) only ACQ, WAITFREE, MAKE and NEED; so no edge runs from an addition
 * to a removal.  An in-place alteration waits on nothing (ALTER TYPE) or
 * only on an ALTER TYPE (SET DEFAULT), so it is in no loop.
 *  - Removals: DROP FOREIGN KEY waits on nothing; DROP COLUMN makes no
 *    removal wait; DROP INDEX and DROP UNIQUE make only DROP COLUMNs wait.
 *    A loop of removals is DROP TABLEs each keeping the next one's table
 *    alive through a foreign key: the third shape.
 *  - Additions: within one table they wait on its creation and on columns
 *    added before them, which is no loop; across tables an addition waits
 *    on another table only as a CREATE TABLE's or an ADD FOREIGN KEY's
 *    reference, and ADD FOREIGN KEY makes nothing wait: the second shape.
 *  - A whole rename plays REL and ACQ; only removals and renames make it
 *    wait, and it makes only additions and renames wait, so its loop is
 *    renames only: the first shape.  Its halves are in no loop (part 1
 *    waits on nothing, part 2 makes nothing wait).
 * The error below remains for a rule added to the graph without a repair. */
const struct loop_shape mp_plan_loop_shapes[] = {
    {"a rename waits on what it frees", mp_plan_find_rename, mp_plan_repair_rename_cycle},
    {"a CREATE TABLE's foreign key needs a table the loop creates or changes", mp_plan_find_fk_in_create,
     mp_plan_repair_fk_in_create_table},
    {"DROP TABLEs whose foreign keys reference each other", mp_plan_find_fk_around_drop,
     mp_plan_repair_fk_around_drop},
};
const size_t mp_plan_nloop_shapes = sizeof mp_plan_loop_shapes / sizeof *mp_plan_loop_shapes;

int mp_plan_repair(struct plan_ctx *x, const long *loop, size_t len)
{
    for (size_t k = 0; k < mp_plan_nloop_shapes; k++) {
        struct repair_site site;
        if (mp_plan_loop_shapes[k].find(x, loop, len, &site)) {
            mp_plan_loop_shapes[k].repair(x, &site);
            return 0;
        }
    }
    struct mp_buf b = {0};
    mp_buf_add(&b, "change set cannot be ordered: these operations wait on each other:");
    for (size_t i = 0; i < len; i++)
        mp_buf_printf(&b, " [%s]", x->nodes[loop[i]].desc);
    mp_error_set(x->err, MP_ECYCLE, "%s", mp_buf_str(&b));
    mp_buf_free(&b);
    return MP_ECYCLE;
}
