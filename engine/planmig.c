/* planmig.c - a plan as a migration set (see planmig.h). */
#include "planmig.h"

#include "diff.h"
#include "vschema.h"

#include <stdlib.h>
#include <string.h>

static long count_lines(const char *s, size_t n)
{
    long k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            k++;
    return k;
}

int mp_plan_migset(struct mp_arena *a, const struct mp_plan *p, size_t parts, const char *dir, struct mp_migset *out,
                   struct mp_step_pos **pos, struct mp_error *err)
{
    if (parts < 1)
        parts = 1;
    if (p->n && parts > p->n)
        parts = p->n;
    bool fk_off = p->dialect == MP_SQLITE && p->sqlite_fk_off;
    struct mp_step_pos *sp = mp_arena_alloc(a, (p->n + 1) * sizeof *sp);
    memset(out, 0, sizeof *out);
    out->format = MP_MIGFMT_PAIRS;
    out->dir = dir ? dir : "(plan)";
    size_t lo = 0;
    for (size_t k = 0; k < parts; k++) {
        size_t hi = p->n * (k + 1) / parts;
        struct mp_buf b = {0};
        mp_buf_printf(&b, "-- migprop plan, part %zu of %zu: steps %zu-%zu\n", k + 1, parts, lo + 1, hi);
        if (fk_off)
            mp_buf_add(&b, "-- migprop:foreign-keys-off\n");
        for (size_t i = lo; i < hi; i++) {
            sp[i].mig = (long)k;
            sp[i].line = 1 + count_lines(b.s, b.len);
            mp_plan_step_text(&b, p, i);
        }
        const char *name = mp_arena_printf(a, "plan_part_%zu", k + 1);
        const char *ver = mp_arena_printf(a, "%zu", k + 1);
        if (dir) {
            int rc = mp_migdir_write(a, dir, MP_MIGFMT_PAIRS, ver, name, mp_buf_str(&b), NULL, NULL, err);
            mp_buf_free(&b);
            if (rc)
                return rc;
        } else {
            struct mp_migration *m = MP_PUSH(a, out->v, out->n, out->cap);
            m->version = m->raw_version = ver;
            m->name = name;
            m->up.path = mp_arena_printf(a, "%s_%s.up.sql", ver, name);
            m->up.sql = mp_arena_strndup(a, mp_buf_str(&b), b.len);
            m->up.line = 1;
            m->up.fk_off = fk_off;
            mp_sha256_hex(m->up.sql, b.len, m->checksum);
            mp_buf_free(&b);
        }
        lo = hi;
    }
    *pos = sp;
    if (dir)
        return mp_migdir_read(a, dir, MP_MIGFMT_PAIRS, out, err);
    return 0;
}

long mp_plan_step_at(const struct mp_plan *p, const struct mp_step_pos *pos, long mig, long line)
{
    long best = -1;
    for (size_t i = 0; i < p->n; i++)
        if (pos[i].mig == mig && pos[i].line <= line)
            best = (long)i;
    return best;
}

/* ---- down sections ---- */

/* Hints from `after` back to `before`: each table, column and index of
 * `after` that is an object of `before` (the same id: renames keep ids,
 * and objects a part creates get fresh ones from the virtual schema) and
 * was renamed by the part. */
static void back_hints(struct mp_arena *a, const struct mp_schema *after, const struct mp_schema *before,
                       struct mp_renames *h)
{
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < after->ntables; i++) {
        const struct mp_table *t = after->tables[i];
        const struct mp_table *b = mp_schema_table_by_id(before, t->id);
        if (!b)
            continue;
        if (strcmp(t->name, b->name) != 0)
            mp_renames_add(a, h, false, NULL, t->name, b->name);
        for (size_t j = 0; j < t->ncols; j++) {
            long k = mp_table_find_column_id(b, t->cols[j].id);
            if (k >= 0 && strcmp(t->cols[j].name, b->cols[k].name) != 0)
                mp_renames_add(a, h, true, t->name, t->cols[j].name, b->cols[k].name);
        }
        for (size_t j = 0; j < t->nindexes; j++) {
            long k = mp_table_find_index_id(b, t->indexes[j].id);
            if (k >= 0 && strcmp(t->indexes[j].name, b->indexes[k].name) != 0) {
                mp_renames_add(a, h, false, t->name, t->indexes[j].name, b->indexes[k].name);
                h->v[h->n - 1].index = true;
            }
        }
    }
}

int mp_plan_migset_downs(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                         const struct mp_renames *hints, const struct mp_plan *p, size_t parts, enum mp_fault fault,
                         struct mp_migset *set, size_t *irreversible, struct mp_error *err)
{
    if (parts < 1)
        parts = 1;
    if (p->n && parts > p->n)
        parts = p->n;
    *irreversible = 0;
    for (size_t i = 0; i < start->ntables; i++) {
        const struct mp_table *st = start->tables[i];
        const struct mp_table *dt = mp_diff_table_target(desired, hints, p->dialect, st->name);
        for (size_t c = 0; dt && c < st->ncols; c++)
            if (!mp_diff_column_target(st, dt, hints, p->dialect, st->cols[c].name) &&
                mp_table_column_in_unique_key(st, p->dialect, st->cols[c].name)) {
                for (size_t k = 0; k < set->n; k++) {
                    set->v[k].down.sql = NULL;
                    set->v[k].reversible = false;
                }
                *irreversible = set->n;
                return 0;
            }
    }
    /* fresh ids on every object, unique within the schema whatever `start`
     * carried (a schema read from a file has none) */
    struct mp_schema *before = mp_schema_clone(a, start);
    mp_schema_assign_ids(before);
    size_t lo = 0;
    for (size_t k = 0; k < parts && k < set->n; k++) {
        size_t hi = p->n * (k + 1) / parts;
        struct mp_schema *after = mp_schema_clone(a, before);
        /* the start's unnamed checks were named first (PostgreSQL): a check
         * a step adds gets the next free name, as on the server */
        mp_vschema_name_checks(a, after, p->dialect);
        for (size_t i = lo; i < hi; i++)
            if (mp_vschema_apply(a, after, p->dialect, &p->steps[i].op, err)) {
                mp_error_prefix(err, "down of part %zu: replaying step %zu: ", k + 1, i + 1);
                return MP_EINTERNAL;
            }
        /* a dropped table's rows cannot come back (and rows elsewhere may
         * still point at them): such a part is irreversible */
        bool drops_table = false;
        for (size_t i = lo; i < hi; i++)
            drops_table = drops_table || p->steps[i].op.kind == MP_OP_DROP_TABLE;
        if (drops_table) {
            (*irreversible)++;
            set->v[k].down.sql = NULL;
            set->v[k].reversible = false;
            before = after;
            lo = hi;
            continue;
        }
        struct mp_renames h;
        back_hints(a, after, before, &h);
        struct mp_changeset cs = {0};
        struct mp_plan *down = NULL;
        struct mp_error e = {0};
        int rc = mp_diff_ex(a, after, before, &h, p->dialect, MP_DIFF_ALLOW_NARROWING, &cs, &e);
        if (!rc && fault == MP_FAULT_DOWN_FORGETS_INDEX) {
            size_t w = 0; /* self-test fault: the down plan forgets its indexes */
            for (size_t i = 0; i < cs.n; i++)
                if (cs.ops[i].kind != MP_OP_ADD_INDEX)
                    cs.ops[w++] = cs.ops[i];
            cs.n = w;
        }
        if (!rc)
            rc = mp_plan_build(a, after, &cs, p->dialect, &(struct mp_plan_options){MP_SOLVER_DEFAULT, fault}, &down, &e);
        struct mp_migration *mg = &set->v[k];
        if (rc) {
            (*irreversible)++;
            mg->down.sql = NULL;
            mg->reversible = false;
        } else {
            struct mp_buf b = {0};
            mp_buf_printf(&b, "-- migprop down plan of part %zu: %zu step%s\n", k + 1, down->n, down->n == 1 ? "" : "s");
            if (p->dialect == MP_SQLITE && down->sqlite_fk_off)
                mp_buf_add(&b, "-- migprop:foreign-keys-off\n");
            for (size_t i = 0; i < down->n; i++)
                mp_plan_step_text(&b, down, i);
            mg->down.sql = mp_arena_strndup(a, mp_buf_str(&b), b.len);
            mg->down.path = mp_arena_printf(a, "%s_%s.down.sql", mg->raw_version, mg->name);
            mg->down.line = 1;
            mg->down.fk_off = p->dialect == MP_SQLITE && down->sqlite_fk_off;
            mg->reversible = down->n > 0;
            if (!down->n)
                (*irreversible)++;
            mp_buf_free(&b);
        }
        before = after;
        lo = hi;
    }
    return 0;
}
