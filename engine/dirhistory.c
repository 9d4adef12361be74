/* dirhistory.c - a project's migration history and the tables each migration touches (dircheck.h). */
#include "dircheck.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One token of an up section: a lower-cased word or identifier, or one
 * punctuation character ("." ";" "(" ","). */
struct tok {
    const char *s;
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

/* Split `sql` into tokens, skipping comments, string literals and numbers:
 * the scan looks only at keywords and names. */
static void tokenize(struct mp_arena *a, const char *sql, struct toks *out)
{
    const char *p = sql;
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else if (*p == '\'') {
            for (p++; *p; p++)
                if (*p == '\'') {
                    if (p[1] != '\'')
                        break;
                    p++;
                }
            if (*p)
                p++;
        } else if (*p == '"' || *p == '`' || *p == '[') {
            char close = *p == '[' ? ']' : *p;
            const char *s = ++p;
            while (*p && *p != close)
                p++;
            char *w = mp_arena_strndup(a, s, (size_t)(p - s));
            for (char *q = w; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            MP_PUSH(a, out->v, out->n, out->cap)->s = w;
            if (*p)
                p++;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *s = p;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == '$')
                p++;
            char *w = mp_arena_strndup(a, s, (size_t)(p - s));
            for (char *q = w; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            MP_PUSH(a, out->v, out->n, out->cap)->s = w;
        } else if (isdigit((unsigned char)*p)) {
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;
        } else {
            MP_PUSH(a, out->v, out->n, out->cap)->s = mp_arena_strndup(a, p, 1);
            p++;
        }
    }
}

static bool is(const struct toks *t, size_t i, const char *w)
{
    return i < t->n && strcmp(t->v[i].s, w) == 0;
}

/* Skip optional words at i (e.g. "if", "not", "exists"). */
static size_t skip(const struct toks *t, size_t i, const char *const *words)
{
    for (bool more = true; more;) {
        more = false;
        for (size_t k = 0; words[k]; k++)
            if (is(t, i, words[k])) {
                i++;
                more = true;
            }
    }
    return i;
}

/* The name at i, following "schema.name" to the last part; NULL at a
 * punctuation token.  *next gets the position after it. */
static const char *name_at(const struct toks *t, size_t i, size_t *next)
{
    if (i >= t->n || !(isalnum((unsigned char)t->v[i].s[0]) || t->v[i].s[0] == '_' || strlen(t->v[i].s) > 1))
        return NULL;
    const char *n = t->v[i].s;
    while (is(t, i + 1, ".") && i + 2 < t->n) {
        i += 2;
        n = t->v[i].s;
    }
    *next = i + 1;
    return n;
}

struct names {
    const char **v;
    size_t n, cap;
};

static void add_name(struct mp_arena *a, struct names *ns, const char *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], s) == 0)
            return;
    *MP_PUSH(a, ns->v, ns->n, ns->cap) = s;
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The scan of dircheck.h over one up section; *idem: every statement is
 * guarded by IF [NOT] EXISTS or is CREATE OR REPLACE. */
static void scan(struct mp_arena *a, const char *sql, struct names *ns, bool *idem)
{
    static const char *const opt_if[] = {"if", "not", "exists", "only", "concurrently", NULL};
    static const char *const opt_create[] = {"unique", "temp", "temporary", "unlogged", "virtual", NULL};
    struct toks t = {0};
    tokenize(a, sql, &t);
    bool stmt_guarded = false, any_stmt = false, all_guarded = true, in_stmt = false;
    for (size_t i = 0; i < t.n; i++) {
        const char *w = t.v[i].s;
        size_t nx = 0;
        if (strcmp(w, ";") == 0) {
            if (in_stmt && !stmt_guarded)
                all_guarded = false;
            in_stmt = stmt_guarded = false;
            continue;
        }
        if (!in_stmt) {
            in_stmt = any_stmt = true;
            if (strcmp(w, "create") == 0 && is(&t, i + 1, "or") && is(&t, i + 2, "replace"))
                stmt_guarded = true;
        }
        if (strcmp(w, "if") == 0 && (is(&t, i + 1, "exists") || (is(&t, i + 1, "not") && is(&t, i + 2, "exists"))))
            stmt_guarded = true;
        if (strcmp(w, "create") == 0 || strcmp(w, "alter") == 0 || strcmp(w, "drop") == 0) {
            size_t j = skip(&t, i + 1, opt_create);
            if (is(&t, j, "or") && is(&t, j + 1, "replace"))
                j += 2;
            if (is(&t, j, "table") || is(&t, j, "view") || is(&t, j, "index") || is(&t, j, "trigger")) {
                bool index = is(&t, j, "index"), trigger = is(&t, j, "trigger");
                j = skip(&t, j + 1, opt_if);
                const char *n = name_at(&t, j, &nx);
                add_name(a, ns, n);
                /* CREATE INDEX name ON table; CREATE TRIGGER name ... ON table */
                if (n && (index || trigger) && strcmp(w, "create") == 0) {
                    size_t k = nx;
                    while (k < t.n && !is(&t, k, "on") && !is(&t, k, ";"))
                        k++;
                    if (is(&t, k, "on"))
                        add_name(a, ns, name_at(&t, skip(&t, k + 1, opt_if), &nx));
                }
                /* DROP TABLE a, b */
                while (n && strcmp(w, "drop") == 0 && is(&t, nx, ",")) {
                    n = name_at(&t, nx + 1, &nx);
                    add_name(a, ns, n);
                }
            }
        } else if (strcmp(w, "references") == 0 || (strcmp(w, "into") == 0 && i > 0 && is(&t, i - 1, "insert")) ||
                   (strcmp(w, "from") == 0 && i > 0 && is(&t, i - 1, "delete")) ||
                   (strcmp(w, "update") == 0 && (i == 0 || is(&t, i - 1, ";") || is(&t, i - 1, "(") ||
                                                 is(&t, i - 1, "begin"))) ||
                   (strcmp(w, "to") == 0 && i > 0 && is(&t, i - 1, "rename"))) {
            add_name(a, ns, name_at(&t, skip(&t, i + 1, opt_if), &nx));
        }
    }
    if (in_stmt && !stmt_guarded)
        all_guarded = false;
    *idem = any_stmt && all_guarded;
}

int mp_dir_history_read(struct mp_arena *a, const char *dir, struct mp_dir_history *out, struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->dir = mp_arena_strdup(a, dir);
    int rc = mp_migdir_read(a, dir, MP_MIGFMT_AUTO, &out->set, err);
    if (rc)
        return rc;
    out->n = out->set.n;
    out->v = mp_arena_alloc(a, (out->n ? out->n : 1) * sizeof *out->v);
    for (size_t i = 0; i < out->n; i++) {
        struct mp_dir_mig *dm = &out->v[i];
        dm->m = &out->set.v[i];
        const char *sql = dm->m->up.sql ? dm->m->up.sql : "";
        struct names ns = {0};
        bool idem = false;
        scan(a, sql, &ns, &idem);
        if (ns.n)
            qsort(ns.v, ns.n, sizeof *ns.v, cmp_cstr);
        dm->tables = ns.v;
        dm->ntables = ns.n;
        dm->idempotent = idem || strstr(sql, "-- migprop:idempotent") != NULL;
    }
    return 0;
}

bool mp_dir_independent(const struct mp_dir_history *h, size_t i, size_t j)
{
    const struct mp_dir_mig *x = &h->v[i], *y = &h->v[j];
    for (size_t p = 0, q = 0; p < x->ntables && q < y->ntables;) {
        int c = strcmp(x->tables[p], y->tables[q]);
        if (c == 0)
            return false;
        if (c < 0)
            p++;
        else
            q++;
    }
    return true;
}
