/* casefile.c - reading case files (fixed scenarios, regressions). */
#include "engine.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, struct mp_error *err)
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

int mp_casefile_read(struct mp_arena *a, const char *path, struct mp_case *out,
                     struct mp_error *err)
{
    char *text = slurp(path, err);
    if (!text)
        return MP_EIO;
    memset(out, 0, sizeof *out);
    struct mp_buf sec[3] = {{0}};
    int first[3] = {0, 0, 0};
    int cur = -1, line = 0, rc = 0;
    for (char *p = text; *p && !rc;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (n && p[0] == '[') {
            if (strncmp(p, "[start]", n) == 0 && n == 7) cur = 0;
            else if (strncmp(p, "[desired]", n) == 0 && n == 9) cur = 1;
            else if (strncmp(p, "[renames]", n) == 0 && n == 9) cur = 2;
            else rc = mp_error_set(err, MP_EINVAL, "%s:%d: unknown section %.*s", path, line, (int)n, p);
            if (cur >= 0)
                first[cur] = line + 1;
        } else if (cur >= 0) {
            mp_buf_addn(&sec[cur], p, n);
            mp_buf_addc(&sec[cur], '\n');
        } else if (n && p[0] != '#' && strspn(p, " \t\r") < n && !strchr(p, ':')) {
            rc = mp_error_set(err, MP_EINVAL, "%s:%d: text before the first section", path, line);
        }
        p += n + (nl ? 1 : 0);
    }
    if (!rc && (!first[0] || !first[1]))
        rc = mp_error_set(err, MP_EINVAL, "%s: a case needs [start] and [desired] sections", path);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[0]), path, first[0], &out->start, err);
    if (!rc)
        rc = mp_schema_parse(a, mp_buf_str(&sec[1]), path, first[1], &out->desired, err);
    if (!rc && first[2])
        rc = mp_renames_parse(a, mp_buf_str(&sec[2]), path, first[2], &out->renames, err);
    for (int i = 0; i < 3; i++)
        mp_buf_free(&sec[i]);
    free(text);
    return rc;
}
