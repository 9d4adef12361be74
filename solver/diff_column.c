/* diff_column.c - the diff of column features and standalone sequences
 * (model_column.h; diff.h). */
#include "diff.h"

#include <string.h>

int mp_diff_column_features(const struct mp_table *st, const struct mp_column *c, const struct mp_column *dc,
                            struct mp_error *err)
{
    const struct mp_colfeat *x = &c->feat, *y = &dc->feat;
    if (x->generated != y->generated ||
        (x->generated && !mp_colfeat_eq(&(struct mp_colfeat){.generated = x->generated, .generated_sql = x->generated_sql},
                                        &(struct mp_colfeat){.generated = y->generated, .generated_sql = y->generated_sql})))
        return 1;
    /* PostgreSQL 8.1.4: serial is a sequence the column owns, made with the
     * column; turning a column into one (or back) would name and drop that
     * sequence by hand, which this version does not plan */
    if (x->serial != y->serial)
        return mp_error_set(err, MP_EINVAL,
                            "column \"%s\".\"%s\": turning a column into serial or back is not supported by this "
                            "version (drop and add the column)",
                            st->name, c->name);
    return 0;
}

void mp_diff_sequences(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                       enum mp_dialect d, struct mp_changeset *out)
{
    if (d == MP_SQLITE)
        return; /* SQLite has no sequences */
    for (size_t i = 0; i < start->nseqs; i++) {
        const struct mp_sequence *q = &start->seqs[i];
        const struct mp_sequence *w = mp_schema_sequence(desired, d, q->name);
        if (!w) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_DROP_SEQUENCE);
            op->name = q->name;
        } else if (!mp_sequence_eq(q, w)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_ALTER_SEQUENCE);
            op->name = q->name;
            op->seq = w;
        }
    }
    for (size_t i = 0; i < desired->nseqs; i++)
        if (!mp_schema_sequence(start, d, desired->seqs[i].name)) {
            struct mp_op *op = mp_changeset_add(a, out, MP_OP_CREATE_SEQUENCE);
            op->name = desired->seqs[i].name;
            op->seq = &desired->seqs[i];
        }
}
