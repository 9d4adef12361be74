/* run_charge.c - a check's time charged to the backend that did the work, even when a check on one backend runs the plan on another. */
#include "engine_int.h"
#include "os.h"

#include <string.h>

static double phase_work(const struct mp_phase_times *p)
{
    return p->plan + p->execute + p->readback;
}

static double phase_total(const struct mp_phase_times *p)
{
    return p->generate + p->plan + p->execute + p->readback + p->compare + p->shrink;
}

/* *acc += the plan, execute and read-back times of `p` */
static void phase_work_add(struct mp_phase_times *acc, const struct mp_phase_times *p)
{
    acc->plan += p->plan, acc->execute += p->execute, acc->readback += p->readback;
}

void mp_charge_begin(struct mp_charge *c, const struct mp_trial *t)
{
    memcpy(c->before, t->ph, sizeof c->before);
    c->t0 = mp_now();
}

void mp_charge_end(const struct mp_charge *c, const struct mp_trial *t, struct mp_point *pt, struct mp_carry *carry)
{
    enum mp_dialect d = pt->backend;
    double spent = mp_now() - c->t0, foreign = 0;
    struct mp_phase_times own = {0};
    for (int o = 0; o < MP_NDIALECTS; o++) {
        struct mp_phase_times delta = {
            .plan = t->ph[o].plan - c->before[o].plan,
            .execute = t->ph[o].execute - c->before[o].execute,
            .readback = t->ph[o].readback - c->before[o].readback,
        };
        if (o == (int)d) {
            own = delta;
            continue;
        }
        if (phase_work(&delta) <= 0)
            continue;
        phase_work_add(&carry->ph[o], &delta);
        if (!carry->property[o])
            carry->property[o] = pt->property;
        foreign += phase_work(&delta);
    }
    spent = spent > foreign ? spent - foreign : 0;
    struct mp_phase_times *pp = &pt->phases;
    phase_work_add(pp, &own);
    pp->compare += spent > phase_work(&own) ? spent - phase_work(&own) : 0;
    pt->seconds += spent;
    /* the work an earlier check of this trial did here: this point is the
     * first of this backend to use it */
    if (carry->property[d]) {
        phase_work_add(pp, &carry->ph[d]);
        pt->seconds += phase_work(&carry->ph[d]);
        carry->ph[d] = (struct mp_phase_times){0};
        carry->property[d] = NULL;
    }
}

void mp_carry_settle(struct mp_carry *carry, struct mp_point *pts, size_t n)
{
    for (int o = 0; o < MP_NDIALECTS; o++) {
        if (!carry->property[o])
            continue;
        for (size_t i = 0; i < n; i++)
            if (pts[i].backend == (enum mp_dialect)o && pts[i].property == carry->property[o]) {
                phase_work_add(&pts[i].phases, &carry->ph[o]);
                pts[i].seconds += phase_work(&carry->ph[o]);
                break;
            }
        carry->ph[o] = (struct mp_phase_times){0};
        carry->property[o] = NULL;
    }
}

void mp_timing_from_phases(struct mp_timing *timing, const struct mp_point *pts, size_t n)
{
    for (int d = 0; d < MP_NDIALECTS; d++)
        timing[d].seconds = 0;
    for (size_t i = 0; i < n; i++)
        if (!pts[i].skip)
            timing[pts[i].backend].seconds += phase_total(&pts[i].phases);
}
