/* faildb.c - the failure database: shrunk cases kept by content hash,
 * replayed first, deleted once fixed (see faildb.h). */
#include "faildb.h"
#include "buf.h"
#include "casefile.h"
#include "migdir.h"
#include "os.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The hash of a case file's text without its [meta] section (from the
 * "[meta]" line to the next section line) but its property and backend. */
static void case_hash(const char *text, char out[65])
{
    struct mp_buf b = {0};
    bool in_meta = false;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (*p == '[')
            in_meta = strncmp(p, "[meta]", 6) == 0;
        /* of the metadata, only what failed where: the same case failing
         * two properties is two entries, found by two runs it is one */
        if (!in_meta || strncmp(p, "property:", 9) == 0 || strncmp(p, "backend:", 8) == 0)
            mp_buf_addn(&b, p, len);
        p += len;
    }
    mp_sha256_hex(mp_buf_str(&b), strlen(mp_buf_str(&b)), out);
    mp_buf_free(&b);
}

/* "<case path without .case>.passes" */
static char *streak_path(const char *case_path)
{
    struct mp_buf b = {0};
    size_t n = strlen(case_path);
    if (n > 5 && strcmp(case_path + n - 5, ".case") == 0)
        n -= 5;
    mp_buf_printf(&b, "%.*s.passes", (int)n, case_path);
    char *s = mp_xstrdup(mp_buf_str(&b));
    mp_buf_free(&b);
    return s;
}

int mp_faildb_save(const char *dir, const char *path, char *hash, struct mp_error *err)
{
    char h[65];
    char *text = mp_read_text(path, err);
    if (!text)
        return MP_EIO;
    case_hash(text, h);
    int rc = mp_mkdir_p(dir, err);
    struct mp_buf dst = {0};
    mp_buf_printf(&dst, "%s/%s.case", dir, h);
    struct stat st;
    if (!rc && stat(mp_buf_str(&dst), &st) != 0) {
        /* write beside it, then rename: a reader never sees half a case */
        struct mp_buf tmp = {0};
        mp_buf_printf(&tmp, "%s.tmp.%ld", mp_buf_str(&dst), (long)getpid());
        FILE *f = fopen(mp_buf_str(&tmp), "w");
        if (!f || fputs(text, f) == EOF || fclose(f) != 0 || rename(mp_buf_str(&tmp), mp_buf_str(&dst)) != 0) {
            rc = mp_error_set(err, MP_EIO, "%s: %s", mp_buf_str(&dst), strerror(errno));
            unlink(mp_buf_str(&tmp));
        }
        mp_buf_free(&tmp);
    }
    if (!rc && hash)
        memcpy(hash, h, sizeof h);
    mp_buf_free(&dst);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mp_faildb_list(const char *dir, char ***out, size_t *n, struct mp_error *err)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : mp_error_set(err, MP_EIO, "%s: %s", dir, strerror(errno));
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len != 64 + 5 || strcmp(e->d_name + 64, ".case") != 0)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 8;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv)
                mp_oom();
            v = nv;
        }
        struct mp_buf p = {0};
        mp_buf_printf(&p, "%s/%s", dir, e->d_name);
        v[cnt++] = mp_xstrdup(mp_buf_str(&p));
        mp_buf_free(&p);
    }
    closedir(d);
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_str);
    *out = v;
    *n = cnt;
    return 0;
}

void mp_faildb_list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

unsigned long mp_faildb_streak(const char *case_path)
{
    char *sp = streak_path(case_path);
    unsigned long n = 0;
    FILE *f = fopen(sp, "r");
    if (f) {
        if (fscanf(f, "%lu", &n) != 1)
            n = 0;
        fclose(f);
    }
    free(sp);
    return n;
}

int mp_faildb_remove(const char *case_path, struct mp_error *err)
{
    char *sp = streak_path(case_path);
    int rc = 0;
    if (unlink(case_path) != 0 && errno != ENOENT)
        rc = mp_error_set(err, MP_EIO, "%s: %s", case_path, strerror(errno));
    unlink(sp);
    free(sp);
    return rc;
}

int mp_faildb_record(const char *case_path, bool passed, unsigned fixed_after, bool keep, struct mp_error *err)
{
    unsigned long n = passed ? mp_faildb_streak(case_path) + 1 : 0;
    if (passed && n >= (fixed_after ? fixed_after : MP_FAILDB_FIXED_AFTER) && !keep)
        return mp_faildb_remove(case_path, err) ? MP_EIO : 1;
    char *sp = streak_path(case_path);
    int rc = 0;
    FILE *f = fopen(sp, "w");
    if (!f || fprintf(f, "%lu\n", n) < 0 || fclose(f) != 0)
        rc = mp_error_set(err, MP_EIO, "%s: %s", sp, strerror(errno));
    free(sp);
    return rc;
}
