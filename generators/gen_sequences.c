/* gen_sequences.c - standalone sequences in a generated case (PostgreSQL:
 * SQLite has none, and its DDL, diff and read-back leave them out). */
#include "gen_sequences.h"
#include "vschema.h"

#include <string.h>

/* A name seq_N free in both schemas: as a relation of either dialect (a
 * sequence lives in pg_class beside tables, indexes and views), a sequence
 * or a schema-level object. */
static const char *fresh(struct mp_arena *a, const struct mp_case *c, unsigned *serial)
{
    for (;;) {
        const char *name = mp_arena_printf(a, "seq_%u", ++*serial);
        bool taken = false;
        const struct mp_schema *both[2] = {c->start, c->desired};
        for (int k = 0; k < 2 && !taken; k++) {
            for (int d = 0; d < MP_NDIALECTS && !taken; d++)
                taken = mp_vschema_name_taken(both[k], (enum mp_dialect)d, name) ||
                        mp_schema_sequence(both[k], (enum mp_dialect)d, name);
            for (size_t i = 0; i < both[k]->nobjects && !taken; i++)
                taken = mp_name_eq(MP_SQLITE, both[k]->objects[i].name, name);
        }
        if (!taken)
            return name;
    }
}

/* A sequence with PostgreSQL's defaults for a drawn type and direction,
 * then maybe a START inside its range and CYCLE. */
static struct mp_sequence draw(struct mp_rng *r, const char *name)
{
    static const char *const types[] = {"smallint", "integer", "bigint"};
    static const int64_t steps[] = {1, 1, 2, 5, -1, -3};
    struct mp_sequence q = {.name = name, .type = types[mp_rng_below(r, 3)]};
    q.increment = steps[mp_rng_below(r, 6)];
    mp_sequence_defaults(&q);
    if (mp_rng_chance(r, 1, 3))
        q.start = q.increment > 0 ? 100 + (int64_t)mp_rng_below(r, 900) : -100 - (int64_t)mp_rng_below(r, 900);
    q.cycle = mp_rng_chance(r, 1, 4);
    return q;
}

void mp_gen_sequences(struct mp_arena *a, const struct mp_rng *seed, struct mp_case *c)
{
    /* a stream of its own, so the rest of the case stays as it was */
    struct mp_rng r = *seed;
    r.s[0] ^= 0x73657175656e6365ULL; /* "sequence" */
    mp_rng_next(&r);
    unsigned serial = 0;
    if (mp_rng_chance(&r, 1, 4)) {
        struct mp_sequence q = draw(&r, fresh(a, c, &serial));
        mp_schema_put_sequence(a, c->start, &q);
        switch (mp_rng_below(&r, 4)) {
        case 0: /* dropped */
            break;
        case 1: /* altered in place: the step, CYCLE, a lower MAXVALUE
                 * (ascending) or higher MINVALUE (descending) */
            q.cycle = !q.cycle;
            if (q.increment > 0 && q.start < 10000 && mp_rng_chance(&r, 1, 2))
                q.max = 10000;
            else if (q.increment < 0 && q.start > -10000 && mp_rng_chance(&r, 1, 2))
                q.min = -10000;
            q.increment = q.increment > 0 ? q.increment + 1 : q.increment - 1;
            /* fall through */
        default:
            mp_schema_put_sequence(a, c->desired, &q);
            break;
        }
    }
    if (mp_rng_chance(&r, 1, 6)) {
        struct mp_sequence q = draw(&r, fresh(a, c, &serial));
        mp_schema_put_sequence(a, c->desired, &q);
    }
}
