/* planmig.c - a plan as a migration set (see planmig.h). */
#include "planmig.h"

#include <stdio.h>
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
