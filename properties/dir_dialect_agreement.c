/* dir_dialect_agreement.c - the history ends in the same schema on SQLite and PostgreSQL, modulo type spellings. */
#include "dir_properties.h"

#include <string.h>

/* Apply the whole history on backend b; *s its schema, or *fail the message. */
static int run_on(struct mp_dir_trial *t, struct mp_backend *b, struct mp_schema **s, const char **fail,
                  struct mp_error *err)
{
    struct mp_backend *keep = t->b;
    enum mp_dialect kd = t->d;
    t->b = b;
    t->d = mp_backend_dialect(b);
    struct mp_target *x;
    int rc = mp_dir_begin(t, &x, err);
    if (!rc) {
        struct mp_migset *set = mp_dir_set(t, t->c.idx, t->c.n);
        long failed;
        struct mp_error e = {0};
        *fail = NULL;
        if (mp_dir_up(t, x, set, set->n, &failed, NULL, &e)) {
            if (failed < 0) {
                *err = e;
                rc = MP_EDB;
            } else {
                *fail = mp_arena_strdup(t->a, e.msg);
            }
        } else {
            rc = mp_dir_snapshot(t, s, NULL, err);
        }
        mp_dir_end(t, x);
    }
    t->b = keep;
    t->d = kd;
    return rc;
}

static int check(struct mp_dir_trial *t, struct mp_error *err)
{
    if (!t->other) {
        t->skip = "needs both backends (--backend all)";
        return 0;
    }
    struct mp_schema *mine = NULL, *theirs = NULL;
    const char *f1 = NULL, *f2 = NULL;
    int rc = run_on(t, t->b, &mine, &f1, err);
    if (!rc)
        rc = run_on(t, t->other, &theirs, &f2, err);
    if (rc)
        return rc;
    const char *od = mp_dialect_name(mp_backend_dialect(t->other));
    if (f1 || f2) {
        t->skip = mp_arena_printf(t->a, "the history does not apply on %s: %s", f1 ? mp_dialect_name(t->d) : od,
                                  f1 ? f1 : f2);
        for (char *p = (char *)t->skip; *p; p++)
            if (*p == '\n')
                *p = ' ';
        return 0;
    }
    /* compare logical types where both dialects map them; a database's own
     * spelling (MP_TYPE_RAW) on either side is listed, then left out */
    struct mp_schema *a = mp_schema_clone(t->a, mine), *b = mp_schema_clone(t->a, theirs);
    /* a primary key column is NOT NULL on PostgreSQL ("CREATE TABLE":
     * PRIMARY KEY implies NOT NULL); SQLite's catalog reports it nullable
     * (SQLite "CREATE TABLE" 3.5: NULLs allowed in most primary keys, a bug
     * kept for compatibility) — compared as NOT NULL on both sides */
    struct mp_schema *both[2] = {a, b};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < both[k]->ntables; i++) {
            struct mp_table *tb = both[k]->tables[i];
            for (size_t c = 0; c < tb->pk.n; c++) {
                struct mp_column *col = mp_table_column(tb, MP_SQLITE, tb->pk.v[c]);
                if (col)
                    col->not_null = true;
            }
        }
    for (size_t i = 0; i < a->ntables; i++) {
        struct mp_table *ta = a->tables[i], *tb = mp_schema_table(b, MP_POSTGRES, ta->name);
        if (!tb)
            continue;
        for (size_t c = 0; c < ta->ncols; c++) {
            struct mp_column *ca = &ta->cols[c], *cb = mp_table_column(tb, MP_POSTGRES, ca->name);
            if (!cb || (ca->type.kind != MP_TYPE_RAW && cb->type.kind != MP_TYPE_RAW))
                continue;
            struct mp_buf x = {0}, y = {0};
            mp_type_canonical(&x, &ca->type);
            mp_type_canonical(&y, &cb->type);
            if (strcmp(mp_buf_str(&x), mp_buf_str(&y)) != 0)
                mp_buf_printf(&t->notes, "types differ, not compared: \"%s\".\"%s\": %s %s, %s %s\n", ta->name,
                              ca->name, mp_dialect_name(t->d), mp_buf_str(&x), od, mp_buf_str(&y));
            mp_buf_free(&x);
            mp_buf_free(&y);
            cb->type = ca->type;
            /* defaults of such columns are spelled by each dialect too */
            if (!mp_default_eq(ca->default_sql, cb->default_sql))
                cb->default_sql = ca->default_sql;
        }
    }
    struct mp_buf diff = {0};
    if (!mp_dir_schema_same(a, b, &diff))
        rc = mp_dir_fail(t, "dialect", mp_buf_str(&diff), "the schemas differ (- %s, + %s):\n%s",
                         mp_dialect_name(t->d), od, mp_buf_str(&diff));
    mp_buf_free(&diff);
    return rc;
}

const struct mp_dir_property mp_dir_prop_dialect_agreement = {
    .name = "dialect_agreement",
    .doc = "the history ends in the same canonical schema on both backends (logical types)",
    .trial = check,
};
