/* catalog_pg_feat.c - column features and standalone sequences from the
 * PostgreSQL catalog reader's rows (catalog_pg_feat.h). */
#include "catalog_pg_feat.h"

#include <stdlib.h>

static int64_t num(const char *s)
{
    return s ? (int64_t)strtoll(s, NULL, 10) : 0;
}

void mp_pg_read_column_features(struct mp_arena *a, struct mp_column *c, char identity, const char *start,
                                const char *increment, const char *collation, bool serial)
{
    struct mp_colfeat *f = &c->feat;
    f->identity = identity == 'a' ? MP_IDENTITY_ALWAYS : identity == 'd' ? MP_IDENTITY_BY_DEFAULT : MP_IDENTITY_NONE;
    if (f->identity) {
        f->ident_start = num(start) == 1 ? 0 : num(start);
        f->ident_increment = num(increment) == 1 ? 0 : num(increment);
    }
    f->collation = mp_arena_strdup(a, collation);
    if (serial) {
        f->serial = true;
        c->default_sql = NULL;
    }
}

void mp_pg_read_sequence(struct mp_arena *a, struct mp_schema *s, const char *name, const char *type,
                         const char *start, const char *increment, const char *min, const char *max, bool cycle)
{
    struct mp_sequence q = {
        .name = name, .type = type, .start = num(start), .increment = num(increment), .min = num(min),
        .max = num(max), .cycle = cycle,
    };
    mp_schema_put_sequence(a, s, &q);
}
