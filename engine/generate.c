/* generate.c - incremental generation through a shadow database (see
 * generate.h). */
#include "generate.h"

#include <string.h>
#include <time.h>

#include "buf.h"
#include "planmig.h"
#include "plan.h"
#include "shadow.h"

/* Does step `st` destroy data?  DROP TABLE and DROP COLUMN delete it; an
 * ALTER TYPE the diff marked lossy (not a value-preserving cast, model.h's
 * mp_type_widens()) may cut or refuse values. */
static const char *loses_data(const struct mp_step *st)
{
    switch (st->op.kind) {
    case MP_OP_DROP_TABLE:
        return "drops the table and its rows";
    case MP_OP_DROP_COLUMN:
        return "drops the column and its values";
    case MP_OP_ALTER_TYPE:
        return st->op.lossy ? "narrows the column's type: values may be cut or refused" : NULL;
    default:
        return NULL;
    }
}

/* The next version: mp_migdir_next_version(), except that a numeric
 * directory numbered by 14-digit UTC timestamps (YYYYMMDDHHMMSS, as dbmate,
 * golang-migrate -format and sql-migrate users do) gets the current UTC
 * time, or one more than the newest when the clock is behind it. */
static const char *next_version(struct mp_arena *a, const struct mp_migset *set)
{
    const char *v = mp_migdir_next_version(a, set);
    if (set->format == MP_MIGFMT_DIESEL || !set->n)
        return v;
    const char *last = set->v[set->n - 1].raw_version;
    if (strlen(last) != 14 || (strncmp(last, "19", 2) != 0 && strncmp(last, "20", 2) != 0))
        return v;
    time_t now = time(NULL);
    struct tm tm;
    char b[32];
    gmtime_r(&now, &tm);
    strftime(b, sizeof b, "%Y%m%d%H%M%S", &tm);
    return mp_migversion_cmp(set->format, b, set->v[set->n - 1].version) > 0 ? mp_arena_strdup(a, b) : v;
}

static const char *first_line(struct mp_arena *a, const struct mp_op *op)
{
    struct mp_buf d = {0};
    mp_op_describe(&d, op);
    const char *r = mp_arena_strndup(a, mp_buf_str(&d), strcspn(mp_buf_str(&d), "\n"));
    mp_buf_free(&d);
    return r;
}

int mp_generate(struct mp_arena *a, struct mp_backend *b, const struct mp_generate_config *cfg,
                struct mp_generate_result *out, struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->data_loss_text = "";
    enum mp_dialect d = mp_backend_dialect(b);
    struct mp_renames none = {0};
    const struct mp_renames *hints = cfg->hints ? cfg->hints : &none;
    int rc = mp_migdir_read(a, cfg->dir, MP_MIGFMT_AUTO, &out->set, err);
    if (rc)
        return rc;
    if ((rc = mp_shadow_history(b, a, &out->set, &out->current, err)))
        return rc;
    if ((rc = mp_shadow_load_ddl(b, a, cfg->desired, &out->desired, err)))
        return rc;
    struct mp_changeset cs = {0};
    struct mp_plan *p = NULL;
    if (cfg->fault == MP_FAULT_GENERATE_RECREATE)
        out->current = mp_schema_new(a);
    if ((rc = mp_diff_ex(a, out->current, out->desired, hints, d, MP_DIFF_ALLOW_NARROWING, &cs, err)) ||
        (rc = mp_plan_build(a, out->current, &cs, d, NULL, &p, err))) {
        mp_error_prefix(err, "%s -> %s: ", cfg->dir, cfg->desired);
        return rc;
    }
    out->steps = p->n;
    out->version = next_version(a, &out->set);
    if (!p->n)
        return 0;

    struct mp_buf up = {0}, loss = {0};
    mp_buf_printf(&up, "-- migprop generate: %zu step%s from the history of %s to %s\n", p->n, p->n == 1 ? "" : "s",
                  cfg->dir, cfg->desired);
    if (d == MP_SQLITE && p->sqlite_fk_off)
        mp_buf_add(&up, "-- migprop:foreign-keys-off\n");
    for (size_t i = 0; i < p->n; i++) {
        const char *why = loses_data(&p->steps[i]);
        if (why) {
            struct mp_buf line = {0};
            mp_buf_printf(&line, "-- DATA LOSS: step %zu, %s, %s\n", i + 1, first_line(a, &p->steps[i].op), why);
            mp_buf_add(&up, mp_buf_str(&line));
            mp_buf_add(&loss, mp_buf_str(&line));
            mp_buf_free(&line);
            out->data_loss++;
        }
        mp_plan_step_text(&up, p, i);
    }
    out->up = mp_arena_strndup(a, mp_buf_str(&up), up.len);
    out->data_loss_text = mp_arena_strndup(a, mp_buf_str(&loss), loss.len);
    mp_buf_free(&up);
    mp_buf_free(&loss);

    /* the down: the engine's reverse planning of one part, so generated
     * downs follow the same rules as every trial's */
    struct mp_migset one = {0};
    struct mp_migration *m = MP_PUSH(a, one.v, one.n, one.cap);
    m->version = m->raw_version = out->version;
    m->name = "generated";
    m->up.sql = out->up;
    size_t irreversible = 0;
    if ((rc = mp_plan_migset_downs(a, out->current, out->desired, hints, p, 1, MP_FAULT_NONE, &one, &irreversible,
                                   err)))
        return rc;
    out->down = one.v[0].reversible ? one.v[0].down.sql : NULL;
    return 0;
}
