/* casefile.c - reading and writing case files (fixed scenarios, regressions, shrunk failures). */
#include "casefile.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *mp_read_text(const char *path, struct mp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct mp_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mp_buf_addn(&b, chunk, n);
    fclose(f);
    if (!b.s)
        mp_buf_add(&b, "");
    return b.s;
}

/* [rows] parser: "table <ident> (<ident>, ...)" then "(<value>, ...)" lines. */
static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* A "double-quoted" identifier or 'single-quoted' value at p; *out in `a`.
 * Returns the position after it, or NULL. */
static const char *quoted(struct mp_arena *a, const char *p, char q, const char **out)
{
    if (*p != q)
        return NULL;
    struct mp_buf b = {0};
    for (p++; *p; p++) {
        if (*p == q) {
            if (p[1] == q) {
                mp_buf_addc(&b, q);
                p++;
                continue;
            }
            *out = mp_arena_strdup(a, mp_buf_str(&b));
            mp_buf_free(&b);
            return p + 1;
        }
        mp_buf_addc(&b, *p);
    }
    mp_buf_free(&b);
    return NULL;
}

static int parse_rows(struct mp_arena *a, const char *text, const char *path, int first,
                      const struct mp_schema *start, struct mp_dataset *out, struct mp_error *err)
{
    out->n = 0;
    out->v = mp_arena_alloc(a, (start->ntables + 1) * sizeof *out->v);
    struct mp_table_rows *cur = NULL;
    size_t cap = 0;
    int line = first - 1;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *l = mp_arena_strndup(a, p, n);
        p += n + (nl ? 1 : 0);
        line++;
        const char *q = skip_ws(l);
        if (!*q || *q == '#')
            continue;
        if (strncmp(q, "table ", 6) == 0) {
            const char *name;
            q = quoted(a, skip_ws(q + 6), '"', &name);
            const struct mp_table *t = q ? mp_schema_table(start, MP_POSTGRES, name) : NULL;
            if (!t)
                return mp_error_set(err, MP_EINVAL, "%s:%d: rows for a table that is not in [start]", path, line);
            if (out->n == start->ntables)
                return mp_error_set(err, MP_EINVAL, "%s:%d: rows for a table given twice", path, line);
            cur = &out->v[out->n++];
            memset(cur, 0, sizeof *cur);
            cap = 0;
            cur->table = t->name;
            q = skip_ws(q);
            if (*q++ != '(')
                return mp_error_set(err, MP_EINVAL, "%s:%d: expected ( and the column list", path, line);
            cur->cols = mp_arena_alloc(a, (t->ncols + 1) * sizeof *cur->cols);
            struct mp_type *ty = mp_arena_alloc(a, (t->ncols + 1) * sizeof *ty);
            cur->types = ty;
            for (;;) {
                const char *c;
                q = quoted(a, skip_ws(q), '"', &c);
                const struct mp_column *col = q ? mp_table_column(t, MP_POSTGRES, c) : NULL;
                if (!col || cur->ncols == t->ncols)
                    return mp_error_set(err, MP_EINVAL, "%s:%d: expected a column of \"%s\"", path, line, t->name);
                ty[cur->ncols] = col->type;
                cur->cols[cur->ncols++] = col->name;
                q = skip_ws(q);
                if (*q == ',') {
                    q++;
                    continue;
                }
                if (*q == ')')
                    break;
                return mp_error_set(err, MP_EINVAL, "%s:%d: expected , or )", path, line);
            }
            continue;
        }
        if (*q != '(' || !cur)
            return mp_error_set(err, MP_EINVAL, "%s:%d: expected a table line or a row", path, line);
        const char **v = mp_arena_alloc(a, (cur->ncols + 1) * sizeof *v);
        q++;
        for (size_t c = 0; c < cur->ncols; c++) {
            q = skip_ws(q);
            if (strncmp(q, "NULL", 4) == 0) {
                v[c] = NULL;
                q += 4;
            } else if (!(q = quoted(a, q, '\'', &v[c]))) {
                return mp_error_set(err, MP_EINVAL, "%s:%d: value %zu: expected 'text' or NULL", path, line, c + 1);
            }
            q = skip_ws(q);
            if (*q != (c + 1 < cur->ncols ? ',' : ')'))
                return mp_error_set(err, MP_EINVAL, "%s:%d: the row needs %zu values", path, line, cur->ncols);
            q++;
        }
        *MP_PUSH(a, cur->rows, cur->nrows, cap) = v;
    }
    return 0;
}

static const char *meta_value(struct mp_arena *a, const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = skip_ws(line + k + 1);
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\r'))
        n--;
    return mp_arena_strndup(a, v, n);
}

int mp_casefile_read_full(struct mp_arena *a, const char *path, struct mp_casefile *out, struct mp_error *err)
{
    char *text = mp_read_text(path, err);
    if (!text)
        return MP_EIO;
    memset(out, 0, sizeof *out);
    out->meta.trial = -1;
    enum { START, DESIRED, RENAMES, META, ROWS, NSEC };
    static const char *const names[NSEC] = {"[start]", "[desired]", "[renames]", "[meta]", "[rows]"};
    struct mp_buf sec[NSEC] = {{0}};
    int first[NSEC] = {0};
    int cur = -1, line = 0, rc = 0;
    for (char *p = text; *p && !rc;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n && p[0] == '[') {
            cur = -1;
            for (int i = 0; i < NSEC; i++)
                if (strlen(names[i]) == n && strncmp(p, names[i], n) == 0)
                    cur = i;
            if (cur < 0)
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown section %.*s", path, line, (int)n, p);
            else
                first[cur] = line + 1;
        } else if (cur >= 0) {
            mp_buf_addn(&sec[cur], p, n);
            mp_buf_addc(&sec[cur], '\n');
        } else if (n && p[0] != '#' && strspn(p, " \t\r") < n) {
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: text before the first section", path, line);
        }
        p += n + (nl ? 1 : 0);
    }
    if (!rc && (!first[START] || !first[DESIRED]))
        rc = mp_error_set(err, MP_EINVAL, "%s: a case needs [start] and [desired] sections", path);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[START]), path, first[START], &out->c.start, err);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[DESIRED]), path, first[DESIRED], &out->c.desired, err);
    if (!rc && first[RENAMES])
        rc = mp_renames_parse(a, mp_buf_str(&sec[RENAMES]), path, first[RENAMES], &out->c.renames, err);
    if (!rc && first[ROWS]) {
        rc = parse_rows(a, mp_buf_str(&sec[ROWS]), path, first[ROWS], out->c.start, &out->data, err);
        out->has_rows = !rc;
    }
    if (!rc && first[META]) {
        int ml = first[META] - 1;
        for (char *p = sec[META].s; p && *p;) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            ml++;
            const char *v;
            const char *l = skip_ws(p);
            if ((v = meta_value(a, l, "property")))
                out->meta.property = v;
            else if ((v = meta_value(a, l, "backend")))
                out->meta.backend = v;
            else if ((v = meta_value(a, l, "solver")))
                out->meta.solver = v;
            else if ((v = meta_value(a, l, "seed")))
                out->meta.seed = v;
            else if ((v = meta_value(a, l, "trial_seed")))
                out->meta.trial_seed = v;
            else if ((v = meta_value(a, l, "trial")))
                out->meta.trial = strtol(v, NULL, 10);
            else if ((v = meta_value(a, l, "migprop")))
                out->meta.version = v;
            else if ((v = meta_value(a, l, "kind")))
                out->meta.kind = v;
            else if (*l && *l != '#' && !meta_value(a, l, "dialect"))
                rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown meta key: %s", path, ml, l);
            p = nl ? nl + 1 : NULL;
        }
    }
    for (int i = 0; i < NSEC; i++)
        mp_buf_free(&sec[i]);
    free(text);
    return rc;
}

int mp_casefile_read(struct mp_arena *a, const char *path, struct mp_case *out, struct mp_error *err)
{
    struct mp_casefile cf;
    int rc = mp_casefile_read_full(a, path, &cf, err);
    if (!rc)
        *out = cf.c;
    return rc;
}

int mp_casefile_write(const char *path, const struct mp_casefile *cf, struct mp_error *err)
{
    struct mp_buf b = {0};
    mp_buf_add(&b, "# migprop case file: the start schema, the desired schema, the rename hints\n"
                   "# and the rows; `migprop replay FILE` runs it again.\n[meta]\n");
    const struct mp_case_meta *m = &cf->meta;
    if (m->property)
        mp_buf_printf(&b, "property: %s\n", m->property);
    if (m->backend)
        mp_buf_printf(&b, "backend: %s\ndialect: %s\n", m->backend, m->backend);
    if (m->solver)
        mp_buf_printf(&b, "solver: %s\n", m->solver);
    if (m->seed)
        mp_buf_printf(&b, "seed: %s\n", m->seed);
    if (m->trial >= 0)
        mp_buf_printf(&b, "trial: %ld\n", m->trial);
    if (m->trial_seed)
        mp_buf_printf(&b, "trial_seed: %s\n", m->trial_seed);
    if (m->kind)
        mp_buf_printf(&b, "kind: %s\n", m->kind);
    mp_buf_printf(&b, "migprop: %s\n[start]\n", m->version ? m->version : MIGPROP_VERSION);
    mp_schema_canonical(&b, cf->c.start, MP_CANON_NAMES);
    mp_buf_add(&b, "[desired]\n");
    mp_schema_canonical(&b, cf->c.desired, MP_CANON_NAMES);
    if (cf->c.renames.n) {
        mp_buf_add(&b, "[renames]\n");
        mp_renames_print(&b, &cf->c.renames);
    }
    if (cf->has_rows) {
        mp_buf_add(&b, "[rows]\n");
        for (size_t i = 0; i < cf->data.n; i++) {
            const struct mp_table_rows *t = &cf->data.v[i];
            if (!t->nrows)
                continue;
            mp_buf_add(&b, "table ");
            mp_buf_ident(&b, t->table);
            mp_buf_add(&b, " (");
            for (size_t c = 0; c < t->ncols; c++) {
                mp_buf_add(&b, c ? ", " : "");
                mp_buf_ident(&b, t->cols[c]);
            }
            mp_buf_add(&b, ")\n");
            for (size_t r = 0; r < t->nrows; r++) {
                mp_buf_add(&b, "  (");
                for (size_t c = 0; c < t->ncols; c++) {
                    mp_buf_add(&b, c ? ", " : "");
                    if (t->rows[r][c])
                        mp_buf_literal(&b, t->rows[r][c]);
                    else
                        mp_buf_add(&b, "NULL");
                }
                mp_buf_add(&b, ")\n");
            }
        }
    }
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fputs(mp_buf_str(&b), f) < 0)
        rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    if (f && fclose(f) != 0 && !rc)
        rc = mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    mp_buf_free(&b);
    return rc;
}
