/* migdir.c - migration directories (see migdir.h). */
#include "migdir.h"
#include "os.h"

#include "buf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

const char *mp_migfmt_name(enum mp_migfmt f)
{
    switch (f) {
    case MP_MIGFMT_PAIRS: return "pairs";
    case MP_MIGFMT_SINGLE: return "single";
    case MP_MIGFMT_DIESEL: return "diesel";
    default: return "auto";
    }
}

int mp_migfmt_parse(const char *s)
{
    if (strcmp(s, "auto") == 0)
        return MP_MIGFMT_AUTO;
    if (strcmp(s, "pairs") == 0)
        return MP_MIGFMT_PAIRS;
    if (strcmp(s, "single") == 0 || strcmp(s, "dbmate") == 0)
        return MP_MIGFMT_SINGLE;
    if (strcmp(s, "diesel") == 0)
        return MP_MIGFMT_DIESEL;
    return -1;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* YYYY-MM-DD-HHMMSS with an optional -NNNN (any digits) suffix. */
static bool diesel_version(const char *s, size_t n)
{
    static const char pat[] = "dddd-dd-dd-dddddd";
    size_t pl = sizeof pat - 1;
    if (n < pl)
        return false;
    for (size_t i = 0; i < pl; i++)
        if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
            return false;
    if (n == pl)
        return true;
    return s[pl] == '-' && all_digits(s + pl + 1, n - pl - 1);
}

static const char *canon_number(struct mp_arena *a, const char *s, size_t n)
{
    while (n > 1 && *s == '0')
        s++, n--;
    return mp_arena_strndup(a, s, n);
}

int mp_migversion_cmp(enum mp_migfmt fmt, const char *a, const char *b)
{
    if (fmt != MP_MIGFMT_DIESEL) {
        size_t la = strlen(a), lb = strlen(b);
        if (la != lb)
            return la < lb ? -1 : 1;
    }
    return strcmp(a, b);
}

const char *mp_migversion_parse(struct mp_arena *a, enum mp_migfmt fmt, const char *s)
{
    size_t n = strlen(s);
    if (all_digits(s, n) && (fmt != MP_MIGFMT_DIESEL || strspn(s, "0") == n))
        return canon_number(a, s, n);
    if (fmt == MP_MIGFMT_DIESEL && diesel_version(s, n))
        return mp_arena_strdup(a, s);
    return NULL;
}

static int read_file(struct mp_arena *a, const char *path, char **out, size_t *len, struct mp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    struct mp_buf b = {0};
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        mp_buf_addn(&b, chunk, k);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        mp_buf_free(&b);
        return mp_error_set(err, MP_EIO, "%s: read error", path);
    }
    *len = b.len;
    *out = mp_arena_strndup(a, mp_buf_str(&b), b.len);
    mp_buf_free(&b);
    if (strlen(*out) != *len)
        return mp_error_set(err, MP_EINVAL, "%s: contains a NUL byte", path);
    return 0;
}

/* Does the text hold a statement (anything but whitespace and comments)? */
static bool has_statement(const char *s)
{
    if (!s)
        return false;
    while (*s) {
        if (isspace((unsigned char)*s)) {
            s++;
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");
            if (!e)
                return false;
            s = e + 2;
        } else {
            return true;
        }
    }
    return false;
}

/* Directives in the leading comment lines of a section. */
static void directives(struct mp_migsql *m)
{
    const char *s = m->sql;
    while (s && *s) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (s[0] != '-' || s[1] != '-')
            break;
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char line[256];
        size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, s, k);
        line[k] = 0;
        if (strstr(line, "migprop:no-transaction"))
            m->no_transaction = true;
        if (strstr(line, "migprop:foreign-keys-off"))
            m->fk_off = true;
        s += n;
    }
}

/* Read the down file `dp` into m when it exists. */
static bool is_file(const char *p);

static int read_down(struct mp_arena *a, struct mp_migration *m, const char *dp, struct mp_error *err)
{
    if (!is_file(dp))
        return 0;
    char *text;
    size_t len;
    int rc = read_file(a, dp, &text, &len, err);
    if (rc)
        return rc;
    m->down.path = dp;
    m->down.sql = text;
    m->down.line = 1;
    return 0;
}

static int add_migration(struct mp_arena *a, struct mp_migset *set, const char *version, const char *raw,
                         const char *name, struct mp_error *err, struct mp_migration **out)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].version, version) == 0)
            return mp_error_set(err, MP_EINVAL, "duplicate version %s: %s and %s", raw,
                                set->v[i].up.path, mp_arena_printf(a, "%s/%s", set->dir, name));
    struct mp_migration *m = MP_PUSH(a, set->v, set->n, set->cap);
    m->version = version;
    m->raw_version = raw;
    *out = m;
    return 0;
}

enum { MARK_NONE, MARK_UP, MARK_DOWN };

/* Is line [s, s+n) a section marker?  Sets *notx for the no-transaction
 * options of dbmate and sql-migrate. */
static int marker(const char *s, size_t n, bool *notx)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char line[256];
    if (n >= sizeof line)
        return MARK_NONE;
    memcpy(line, s, n);
    line[n] = 0;
    *notx = false;
    if (strncmp(line, "-- migrate:up", 13) == 0 && (line[13] == 0 || line[13] == ' ')) {
        *notx = strstr(line, "transaction:false") != NULL;
        return MARK_UP;
    }
    if (strncmp(line, "-- migrate:down", 15) == 0 && (line[15] == 0 || line[15] == ' ')) {
        *notx = strstr(line, "transaction:false") != NULL;
        return MARK_DOWN;
    }
    if (strncmp(line, "-- +migrate Up", 14) == 0 && (line[14] == 0 || line[14] == ' ')) {
        *notx = strstr(line, "notransaction") != NULL;
        return MARK_UP;
    }
    if (strncmp(line, "-- +migrate Down", 16) == 0 && (line[16] == 0 || line[16] == ' ')) {
        *notx = strstr(line, "notransaction") != NULL;
        return MARK_DOWN;
    }
    if (strcasecmp(line, "-- up") == 0)
        return MARK_UP;
    if (strcasecmp(line, "-- down") == 0)
        return MARK_DOWN;
    return MARK_NONE;
}

static int parse_single(struct mp_arena *a, struct mp_migration *m, const char *path, const char *text,
                        struct mp_error *err)
{
    struct mp_migsql *cur = NULL;
    const char *sec_start = NULL;
    long line = 1;
    bool seen_up = false, seen_down = false;
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        bool notx;
        int mk = marker(s, n, &notx);
        if (mk != MARK_NONE) {
            if (cur)
                cur->sql = mp_arena_strndup(a, sec_start, (size_t)(s - sec_start));
            if ((mk == MARK_UP && seen_up) || (mk == MARK_DOWN && seen_down))
                return mp_error_set(err, MP_EINVAL, "%s:%ld: a second %s section", path, line,
                                    mk == MARK_UP ? "up" : "down");
            cur = mk == MARK_UP ? &m->up : &m->down;
            *(mk == MARK_UP ? &seen_up : &seen_down) = true;
            cur->path = path;
            cur->no_transaction = notx;
            cur->line = line + 1;
            sec_start = e ? e + 1 : s + n;
        } else if (!cur && has_statement(mp_arena_strndup(a, s, n))) {
            return mp_error_set(err, MP_EINVAL, "%s:%ld: SQL before the first up/down marker", path, line);
        }
        s = e ? e + 1 : s + n;
        line++;
    }
    if (cur)
        cur->sql = mp_arena_strdup(a, sec_start);
    if (!seen_up)
        return mp_error_set(err, MP_EINVAL,
                            "%s: no up section (expected a '-- migrate:up', '-- +migrate Up' or '-- UP' line)", path);
    return 0;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* qsort comparators, one per version order, so that no global carries the
 * format (mp_migversion_cmp: numbers by length then digits; diesel
 * timestamps as strings). */
static int cmp_mig_numeric(const void *x, const void *y)
{
    const struct mp_migration *a = x, *b = y;
    return mp_migversion_cmp(MP_MIGFMT_PAIRS, a->version, b->version);
}

static int cmp_mig_diesel(const void *x, const void *y)
{
    const struct mp_migration *a = x, *b = y;
    return mp_migversion_cmp(MP_MIGFMT_DIESEL, a->version, b->version);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Split "<version>_<name>" (numeric) at the first '_'. */
static bool split_numeric(struct mp_arena *a, const char *stem, size_t n, const char **ver, const char **raw,
                          const char **name)
{
    const char *us = memchr(stem, '_', n);
    size_t vl = us ? (size_t)(us - stem) : n;
    if (!all_digits(stem, vl))
        return false;
    *raw = mp_arena_strndup(a, stem, vl);
    *ver = canon_number(a, stem, vl);
    *name = us ? mp_arena_strndup(a, us + 1, n - vl - 1) : "";
    return true;
}

int mp_migdir_read(struct mp_arena *a, const char *dir, enum mp_migfmt fmt, struct mp_migset *out,
                   struct mp_error *err)
{
    memset(out, 0, sizeof *out);
    out->dir = mp_arena_strdup(a, dir);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            out->format = fmt == MP_MIGFMT_AUTO ? MP_MIGFMT_PAIRS : fmt;
            return 0;
        }
        return mp_error_set(err, MP_EIO, "%s: %s", dir, strerror(errno));
    }
    char **names = NULL;
    size_t nn = 0, capn = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            *MP_PUSH(a, names, nn, capn) = mp_arena_strdup(a, de->d_name);
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof *names, cmp_str);

    /* detect */
    bool any_pairs = false, any_single = false, any_diesel = false;
    for (size_t i = 0; i < nn; i++) {
        const char *p = mp_arena_printf(a, "%s/%s", dir, names[i]);
        if (is_dir(p) && diesel_version(names[i], strcspn(names[i], "_")))
            any_diesel = true;
        else if (ends_with(names[i], ".up.sql") || ends_with(names[i], ".down.sql"))
            any_pairs = true;
        else if (ends_with(names[i], ".sql"))
            any_single = true;
    }
    if (fmt == MP_MIGFMT_AUTO) {
        if (any_pairs + any_single + any_diesel > 1)
            return mp_error_set(err, MP_EINVAL,
                                "%s: holds migrations of several formats (%s%s%s); pick one with --format", dir,
                                any_pairs ? "pairs " : "", any_single ? "single-file " : "",
                                any_diesel ? "diesel" : "");
        fmt = any_diesel ? MP_MIGFMT_DIESEL : any_single ? MP_MIGFMT_SINGLE : MP_MIGFMT_PAIRS;
    }
    out->format = fmt;

    for (size_t i = 0; i < nn; i++) {
        const char *nm = names[i];
        const char *p = mp_arena_printf(a, "%s/%s", dir, nm);
        struct mp_migration *m;
        const char *ver, *raw, *name;
        char *text;
        size_t len;
        int rc;
        if (fmt == MP_MIGFMT_DIESEL) {
            if (!is_dir(p))
                continue;
            size_t vl = strcspn(nm, "_");
            if (!diesel_version(nm, vl)) {
                if (strcmp(nm, "00000000000000_diesel_initial_setup") == 0)
                    continue; /* diesel's own helper functions */
                return mp_error_set(err, MP_EINVAL, "%s: not a YYYY-MM-DD-HHMMSS_name migration directory", p);
            }
            ver = raw = mp_arena_strndup(a, nm, vl);
            name = nm[vl] ? nm + vl + 1 : "";
            if ((rc = add_migration(a, out, ver, raw, nm, err, &m)))
                return rc;
            m->name = name;
            m->up.path = mp_arena_printf(a, "%s/up.sql", p);
            if (!is_file(m->up.path))
                return mp_error_set(err, MP_EINVAL, "%s: missing up.sql", p);
            if ((rc = read_file(a, m->up.path, &text, &len, err)))
                return rc;
            m->up.sql = text;
            m->up.line = 1;
            if ((rc = read_down(a, m, mp_arena_printf(a, "%s/down.sql", p), err)))
                return rc;
            continue;
        }
        if (is_dir(p))
            continue;
        if (fmt == MP_MIGFMT_PAIRS) {
            bool up = ends_with(nm, ".up.sql");
            if (!up && ends_with(nm, ".down.sql"))
                continue; /* read with its up file */
            if (!up) {
                if (ends_with(nm, ".sql"))
                    return mp_error_set(err, MP_EINVAL, "%s: not a <version>_<name>.up.sql / .down.sql file", p);
                continue; /* README and the like */
            }
            size_t stem = strlen(nm) - 7;
            if (!split_numeric(a, nm, stem, &ver, &raw, &name))
                return mp_error_set(err, MP_EINVAL, "%s: the file name does not start with a numeric version", p);
            if ((rc = add_migration(a, out, ver, raw, nm, err, &m)))
                return rc;
            m->name = name;
            m->up.path = p;
            if ((rc = read_file(a, p, &text, &len, err)))
                return rc;
            m->up.sql = text;
            m->up.line = 1;
            if ((rc = read_down(a, m, mp_arena_printf(a, "%s/%.*s.down.sql", dir, (int)stem, nm), err)))
                return rc;
            continue;
        }
        /* single */
        if (!ends_with(nm, ".sql"))
            continue;
        if (!split_numeric(a, nm, strlen(nm) - 4, &ver, &raw, &name))
            return mp_error_set(err, MP_EINVAL, "%s: the file name does not start with a numeric version", p);
        if ((rc = add_migration(a, out, ver, raw, nm, err, &m)))
            return rc;
        m->name = name;
        if ((rc = read_file(a, p, &text, &len, err)) || (rc = parse_single(a, m, p, text, err)))
            return rc;
    }
    /* the pairs format also owes down files without an up file a word */
    if (fmt == MP_MIGFMT_PAIRS)
        for (size_t i = 0; i < nn; i++)
            if (ends_with(names[i], ".down.sql")) {
                const char *up = mp_arena_printf(a, "%.*s.up.sql", (int)(strlen(names[i]) - 9), names[i]);
                bool found = false;
                for (size_t j = 0; j < nn && !found; j++)
                    found = strcmp(names[j], up) == 0;
                if (!found)
                    return mp_error_set(err, MP_EINVAL, "%s/%s: a down file without its up file %s", dir, names[i], up);
            }
    for (size_t i = 0; i < out->n; i++)
        mp_migration_finish(&out->v[i]);
    mp_migset_sort(out);
    return 0;
}

void mp_migration_finish(struct mp_migration *m)
{
    if (!m->name)
        m->name = "";
    if (!m->up.sql)
        m->up.sql = "";
    directives(&m->up);
    directives(&m->down);
    m->reversible = m->down.fn || has_statement(m->down.sql);
    mp_sha256_hex(m->up.sql, strlen(m->up.sql), m->checksum);
}

void mp_migset_sort(struct mp_migset *set)
{
    if (set->n)
        qsort(set->v, set->n, sizeof *set->v, set->format == MP_MIGFMT_DIESEL ? cmp_mig_diesel : cmp_mig_numeric);
}

static int write_text(const char *path, const char *text, struct mp_error *err)
{
    FILE *f = fopen(path, "wx");
    if (!f)
        return mp_error_set(err, MP_EIO, "%s: %s", path, strerror(errno));
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : mp_error_set(err, MP_EIO, "%s: write error", path);
}

int mp_migdir_write(struct mp_arena *a, const char *dir, enum mp_migfmt fmt, const char *version,
                    const char *name, const char *up, const char *down, const char **path_out,
                    struct mp_error *err)
{
    int rc = mp_mkdir_p(dir, err);
    if (rc)
        return rc;
    const char *p;
    switch (fmt) {
    case MP_MIGFMT_DIESEL: {
        const char *sub = mp_arena_printf(a, "%s/%s_%s", dir, version, name);
        if ((rc = mp_mkdir_p(sub, err)))
            return rc;
        p = mp_arena_printf(a, "%s/up.sql", sub);
        if ((rc = write_text(p, up, err)) ||
            (rc = write_text(mp_arena_printf(a, "%s/down.sql", sub), down ? down : "", err)))
            return rc;
        break;
    }
    case MP_MIGFMT_SINGLE: {
        p = mp_arena_printf(a, "%s/%s_%s.sql", dir, version, name);
        const char *text = mp_arena_printf(a, "-- migrate:up\n%s%s\n-- migrate:down\n%s", up,
                                           (*up && up[strlen(up) - 1] != '\n') ? "\n" : "", down ? down : "");
        if ((rc = write_text(p, text, err)))
            return rc;
        break;
    }
    default:
        p = mp_arena_printf(a, "%s/%s_%s.up.sql", dir, version, name);
        if ((rc = write_text(p, up, err)) ||
            (rc = write_text(mp_arena_printf(a, "%s/%s_%s.down.sql", dir, version, name), down ? down : "", err)))
            return rc;
        break;
    }
    if (path_out)
        *path_out = p;
    return 0;
}

const char *mp_migdir_next_version(struct mp_arena *a, const struct mp_migset *set)
{
    if (set->format == MP_MIGFMT_DIESEL) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char b[32];
        strftime(b, sizeof b, "%Y-%m-%d-%H%M%S", &tm);
        const char *v = mp_arena_strdup(a, b);
        /* two in the same second: add a counter suffix */
        for (unsigned k = 1; set->n && mp_migversion_cmp(set->format, v, set->v[set->n - 1].version) <= 0; k++)
            v = mp_arena_printf(a, "%s-%04u", b, k);
        return v;
    }
    size_t width = 4;
    if (set->n)
        width = strlen(set->v[set->n - 1].raw_version);
    /* decimal increment of the highest canonical version, as a string */
    const char *hi = set->n ? set->v[set->n - 1].version : "0";
    size_t n = strlen(hi);
    char *v = mp_arena_alloc(a, n + 2);
    memcpy(v + 1, hi, n + 1);
    v[0] = '0';
    for (size_t i = n; i > 0; i--) {
        if (v[i] == '9') {
            v[i] = '0';
        } else {
            v[i]++;
            break;
        }
        if (i == 1)
            v[0] = '1';
    }
    const char *r = v[0] == '0' ? v + 1 : v;
    return strlen(r) < width ? mp_arena_printf(a, "%0*d%s", (int)(width - strlen(r)), 0, r) : r;
}

int mp_migstyle_parse(const char *s)
{
    static const char *const names[] = {"pairs", "dbmate", "sql-migrate", "updown", "diesel"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

int mp_migdir_write_style(struct mp_arena *a, const char *dir, enum mp_migstyle style, const char *version,
                          const char *name, const char *up, const char *down, bool no_tx, struct mp_error *err)
{
    int rc = mp_mkdir_p(dir, err);
    if (rc)
        return rc;
    const char *nl = (*up && up[strlen(up) - 1] != '\n') ? "\n" : "";
    const char *d = down ? down : "";
    const char *directive = no_tx ? "-- migprop:no-transaction\n" : "";
    switch (style) {
    case MP_STYLE_DBMATE:
        return write_text(mp_arena_printf(a, "%s/%s_%s.sql", dir, version, name),
                          mp_arena_printf(a, "-- migrate:up%s\n%s%s\n-- migrate:down\n%s", no_tx ? " transaction:false" : "",
                                          up, nl, d),
                          err);
    case MP_STYLE_SQLMIGRATE:
        return write_text(mp_arena_printf(a, "%s/%s_%s.sql", dir, version, name),
                          mp_arena_printf(a, "-- +migrate Up%s\n%s%s\n-- +migrate Down\n%s", no_tx ? " notransaction" : "",
                                          up, nl, d),
                          err);
    case MP_STYLE_UPDOWN:
        return write_text(mp_arena_printf(a, "%s/%s_%s.sql", dir, version, name),
                          mp_arena_printf(a, "-- UP\n%s%s%s\n-- DOWN\n%s", directive, up, nl, d), err);
    case MP_STYLE_DIESEL:
        return mp_migdir_write(a, dir, MP_MIGFMT_DIESEL, version, name, mp_arena_printf(a, "%s%s", directive, up), down,
                               NULL, err);
    default:
        return mp_migdir_write(a, dir, MP_MIGFMT_PAIRS, version, name, mp_arena_printf(a, "%s%s", directive, up), down,
                               NULL, err);
    }
}
