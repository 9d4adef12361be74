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
    case MP_MIGFMT_SQLX: return "sqlx";
    case MP_MIGFMT_FLYWAY: return "flyway";
    default: return "auto";
    }
}

int mp_migfmt_parse(const char *s)
{
    static const struct {
        const char *name;
        enum mp_migfmt f;
    } names[] = {
        {"auto", MP_MIGFMT_AUTO},     {"pairs", MP_MIGFMT_PAIRS},         {"golang-migrate", MP_MIGFMT_PAIRS},
        {"single", MP_MIGFMT_SINGLE}, {"dbmate", MP_MIGFMT_SINGLE},       {"sql-migrate", MP_MIGFMT_SINGLE},
        {"goose", MP_MIGFMT_SINGLE},  {"updown", MP_MIGFMT_SINGLE},       {"diesel", MP_MIGFMT_DIESEL},
        {"sqlx", MP_MIGFMT_SQLX},     {"flyway", MP_MIGFMT_FLYWAY},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return (int)names[i].f;
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

static const char *canon_number(struct mp_arena *a, const char *s, size_t n)
{
    while (n > 1 && *s == '0')
        s++, n--;
    return mp_arena_strndup(a, s, n);
}

/* Flyway's version: numbers separated by '.' or '_' ("1.1", "1_1", "2");
 * canonical: the parts without leading zeros joined by '.', trailing zero
 * parts dropped ("1.0" is "1"), as Flyway's MigrationVersion compares
 * missing parts as 0.  NULL when `s` is not such a version. */
static const char *canon_dotted(struct mp_arena *a, const char *s, size_t n)
{
    struct mp_buf b = {0};
    const char *r = NULL;
    size_t keep = 0; /* b.len up to the last non-zero part */
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        while (i + k < n && isdigit((unsigned char)s[i + k]))
            k++;
        if (k == 0)
            goto out;
        const char *part = canon_number(a, s + i, k);
        if (b.len)
            mp_buf_addc(&b, '.');
        mp_buf_add(&b, part);
        if (strcmp(part, "0") != 0 || keep == 0)
            keep = b.len;
        i += k;
        if (i < n) {
            if (s[i] != '.' && s[i] != '_')
                goto out;
            if (++i == n)
                goto out; /* "1." */
        }
    }
    r = mp_arena_strndup(a, mp_buf_str(&b), keep);
out:
    mp_buf_free(&b);
    return r;
}

/* Compare one '.'-separated part of two canonical numbers: by length,
 * then digit by digit (no leading zeros, so that is numeric order). */
static int cmp_parts(const char *a, const char *b)
{
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        if (la != lb)
            return la < lb ? -1 : 1;
        int c = strncmp(a, b, la);
        if (c)
            return c;
        a += la;
        b += lb;
        if (!*a || !*b)
            return *a ? 1 : *b ? -1 : 0; /* "1.1" > "1" */
        a++, b++;
    }
}

int mp_migversion_cmp(enum mp_migfmt fmt, const char *a, const char *b)
{
    if (fmt == MP_MIGFMT_DIESEL)
        return strcmp(a, b);
    return cmp_parts(a, b);
}

bool mp_migversion_is_repeatable(const char *v)
{
    return strncmp(v, MP_REPEATABLE_PREFIX, strlen(MP_REPEATABLE_PREFIX)) == 0;
}

/* diesel's version of a directory name: the part before the first '_'
 * with every '-' removed (migrations_internals, version_from_string);
 * NULL when that leaves nothing. */
static const char *diesel_version(struct mp_arena *a, const char *s, size_t n)
{
    struct mp_buf b = {0};
    for (size_t i = 0; i < n; i++)
        if (s[i] != '-')
            mp_buf_addc(&b, s[i]);
    const char *r = b.len ? mp_arena_strndup(a, mp_buf_str(&b), b.len) : NULL;
    mp_buf_free(&b);
    return r;
}

const char *mp_migversion_parse(struct mp_arena *a, enum mp_migfmt fmt, const char *s)
{
    size_t n = strlen(s);
    if (fmt == MP_MIGFMT_DIESEL) {
        if (strcmp(s, "0") == 0)
            return "0";
        if (strchr(s, '_') || strspn(s, "0123456789-") != n)
            return NULL;
        return diesel_version(a, s, n);
    }
    if (fmt == MP_MIGFMT_FLYWAY)
        return canon_dotted(a, s, n);
    return all_digits(s, n) ? canon_number(a, s, n) : NULL;
}

/* The whole file `path` into *out (in `a`) through mp_read_file(): a
 * directory, FIFO or device (a symbolic link to /dev/zero) is refused
 * without blocking, a NUL byte is FILE:LINE. */
static int read_file(struct mp_arena *a, const char *path, char **out, size_t *len, struct mp_error *err)
{
    char *text = NULL;
    size_t n = 0;
    int rc = mp_read_file(path, 0, &text, &n, err);
    if (rc)
        return rc;
    /* a UTF-8 byte order mark is no SQL (and never part of the checksum) */
    size_t skip = n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    *len = n - skip;
    *out = mp_arena_strndup(a, text + skip, *len);
    free(text);
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
        /* sqlx: a first line "-- no-transaction" */
        while (k && (line[k - 1] == '\r' || line[k - 1] == ' '))
            line[--k] = 0;
        if (strcmp(line, "-- no-transaction") == 0)
            m->no_transaction = true;
        s += n;
    }
}

/* Read the down file `dp` into m when it exists. */
static bool is_file(const char *p);
static bool exists(const char *p);

static int read_down(struct mp_arena *a, struct mp_migration *m, const char *dp, struct mp_error *err)
{
    /* a down.sql that is there but no regular file (a FIFO, a link to a
     * device) is read, and so refused by mp_read_file(), not skipped */
    if (!exists(dp))
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
    /* goose: "-- +goose Up" / "-- +goose Down" (its NO TRANSACTION and
     * StatementBegin/End lines are read by parse_single) */
    if (strcmp(line, "-- +goose Up") == 0 || strcmp(line, "-- +goose up") == 0)
        return MARK_UP;
    if (strcmp(line, "-- +goose Down") == 0 || strcmp(line, "-- +goose down") == 0)
        return MARK_DOWN;
    if (strcasecmp(line, "-- up") == 0)
        return MARK_UP;
    if (strcasecmp(line, "-- down") == 0)
        return MARK_DOWN;
    return MARK_NONE;
}

/* goose's other annotations: "-- +goose NO TRANSACTION" anywhere runs the
 * whole migration (both directions) outside a transaction;
 * "-- +goose StatementBegin" / "StatementEnd" must pair up.  The text
 * between them is one statement to goose, whose own splitter cuts at every
 * ';'; migprop leaves statement boundaries to the database's parser (and
 * sqlscan.h outside a transaction), which keeps such a block whole too. */
static int goose_lines(struct mp_migration *m, const char *path, const char *text, struct mp_error *err)
{
    long line = 1, open_at = 0;
    for (const char *s = text; *s; line++) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char buf[64];
        size_t k = n;
        while (k && (s[k - 1] == '\r' || s[k - 1] == ' ' || s[k - 1] == '\t'))
            k--;
        if (k < sizeof buf) {
            memcpy(buf, s, k);
            buf[k] = 0;
        } else {
            buf[0] = 0; /* longer than every annotation */
        }
        if (strcmp(buf, "-- +goose NO TRANSACTION") == 0) {
            m->up.no_transaction = m->down.no_transaction = true;
        } else if (strcmp(buf, "-- +goose StatementBegin") == 0) {
            if (open_at)
                return mp_error_set(err, MP_EINVAL, "%s:%ld: StatementBegin inside the block opened on line %ld",
                                    path, line, open_at);
            open_at = line;
        } else if (strcmp(buf, "-- +goose StatementEnd") == 0) {
            if (!open_at)
                return mp_error_set(err, MP_EINVAL, "%s:%ld: StatementEnd without a StatementBegin", path, line);
            open_at = 0;
        } else if (strncasecmp(buf, "-- +goose Up", 12) == 0 || strncasecmp(buf, "-- +goose Down", 14) == 0) {
            if (open_at)
                return mp_error_set(err, MP_EINVAL, "%s:%ld: the StatementBegin of line %ld is never ended", path,
                                    line, open_at);
        }
        if (!e)
            break;
        s = e + 1;
    }
    if (open_at)
        return mp_error_set(err, MP_EINVAL, "%s:%ld: StatementBegin is never ended", path, open_at);
    return 0;
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
                            "%s: no up section (expected a '-- migrate:up', '-- +migrate Up', '-- +goose Up' or "
                            "'-- UP' line)",
                            path);
    return goose_lines(m, path, text, err);
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

static bool exists(const char *p)
{
    struct stat sb;
    return lstat(p, &sb) == 0;
}

/* qsort comparators, one per version order, so that no global carries the
 * format (mp_migversion_cmp: numbers part by part; diesel versions as
 * strings). */
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

/* Does the text hold a section marker line of a single-file format? */
static bool has_marker(const char *text)
{
    for (const char *s = text; *s;) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        bool notx;
        if (marker(s, n, &notx) != MARK_NONE)
            return true;
        if (!e)
            break;
        s = e + 1;
    }
    return false;
}

/* Flyway's file names (Flyway docs, "Migrations: Naming"):
 * V<version>__<description>.sql, U<version>__<description>.sql (the undo of
 * V<version>) and R__<description>.sql (repeatable).  Returns 'V', 'U',
 * 'R' or 0, with the version and description split out. */
static int flyway_name(struct mp_arena *a, const char *nm, const char **ver, const char **raw, const char **desc)
{
    if ((nm[0] != 'V' && nm[0] != 'U' && nm[0] != 'R') || !ends_with(nm, ".sql"))
        return 0;
    const char *sep = strstr(nm + 1, "__");
    if (!sep)
        return 0;
    size_t vl = (size_t)(sep - nm - 1);
    *desc = mp_arena_strndup(a, sep + 2, strlen(sep + 2) - 4);
    if (nm[0] == 'R') {
        if (vl != 0)
            return 0;
        *raw = *ver = mp_arena_printf(a, MP_REPEATABLE_PREFIX "%s", *desc);
        return 'R';
    }
    *raw = mp_arena_strndup(a, nm + 1, vl);
    *ver = canon_dotted(a, nm + 1, vl);
    return *ver ? nm[0] : 0;
}

/* diesel's metadata.toml: "run_in_transaction = false" runs both sections
 * outside a transaction (diesel_migrations, TomlMetadata).  Only that key
 * is read; other keys are diesel's own. */
static int diesel_metadata(struct mp_arena *a, struct mp_migration *m, const char *dir, struct mp_error *err)
{
    const char *p = mp_arena_printf(a, "%s/metadata.toml", dir);
    if (!is_file(p))
        return 0;
    char *text;
    size_t len;
    int rc = read_file(a, p, &text, &len, err);
    if (rc)
        return rc;
    long line = 1;
    for (char *s = text; *s; line++) {
        char *e = strchr(s, '\n');
        if (e)
            *e = 0;
        char *k = s + strspn(s, " \t");
        if (strncmp(k, "run_in_transaction", 18) == 0) {
            char *v = k + 18 + strspn(k + 18, " \t");
            if (*v != '=')
                return mp_error_set(err, MP_EINVAL, "%s:%ld: expected 'run_in_transaction = true|false'", p, line);
            v++;
            v += strspn(v, " \t");
            size_t vl = strcspn(v, " \t\r#");
            if (vl == 5 && strncmp(v, "false", 5) == 0)
                m->up.no_transaction = m->down.no_transaction = true;
            else if (!(vl == 4 && strncmp(v, "true", 4) == 0))
                return mp_error_set(err, MP_EINVAL, "%s:%ld: run_in_transaction must be true or false", p, line);
        }
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

/* The layouts a directory's entries belong to (detection). */
enum { LAY_PAIRS, LAY_SINGLE, LAY_PLAIN, LAY_DIESEL, LAY_FLYWAY, LAY_N };
static const char *const lay_name[LAY_N] = {
    [LAY_PAIRS] = "up/down file pairs", [LAY_SINGLE] = "single files with up/down markers",
    [LAY_PLAIN] = "up-only .sql files", [LAY_DIESEL] = "diesel directories", [LAY_FLYWAY] = "Flyway files"};

/* Which layout entry `nm` (path `p`) belongs to, or -1 for entries that are
 * no migration (README, a directory without up.sql).  A directory named
 * like a migration file is an error: it would be skipped silently
 * otherwise. */
static int entry_layout(struct mp_arena *a, const char *p, const char *nm, struct mp_error *err, int *layout)
{
    *layout = -1;
    if (is_dir(p)) {
        if (ends_with(nm, ".sql"))
            return mp_error_set(err, MP_EINVAL, "%s: a directory named like a migration file", p);
        /* diesel: any sub-directory holding up.sql is a migration (an
         * up.sql that is no regular file too: reading it refuses it) */
        if (exists(mp_arena_printf(a, "%s/up.sql", p)))
            *layout = LAY_DIESEL;
        return 0;
    }
    if (!ends_with(nm, ".sql"))
        return 0;
    const char *v, *r, *d;
    if (ends_with(nm, ".up.sql") || ends_with(nm, ".down.sql")) {
        *layout = LAY_PAIRS;
        return 0;
    }
    if (flyway_name(a, nm, &v, &r, &d)) {
        *layout = LAY_FLYWAY;
        return 0;
    }
    char *text;
    size_t len;
    int rc = read_file(a, p, &text, &len, err);
    if (rc)
        return rc;
    *layout = has_marker(text) ? LAY_SINGLE : LAY_PLAIN;
    return 0;
}

/* Choose the format from the layouts seen (first[i]: the first entry of
 * layout i, NULL when none); a mix no format reads is an error naming one
 * file of each of two layouts. */
static int detect(const char *dir, const char *const first[LAY_N], enum mp_migfmt *fmt, struct mp_error *err)
{
    unsigned seen = 0;
    for (int i = 0; i < LAY_N; i++)
        if (first[i])
            seen |= 1u << i;
    static const struct {
        unsigned layouts;
        enum mp_migfmt f;
    } ok[] = {
        {1u << LAY_PAIRS, MP_MIGFMT_PAIRS},
        {1u << LAY_SINGLE, MP_MIGFMT_SINGLE},
        {1u << LAY_PLAIN, MP_MIGFMT_SQLX},
        {1u << LAY_PAIRS | 1u << LAY_PLAIN, MP_MIGFMT_SQLX},
        {1u << LAY_DIESEL, MP_MIGFMT_DIESEL},
        {1u << LAY_FLYWAY, MP_MIGFMT_FLYWAY},
    };
    if (!seen) {
        *fmt = MP_MIGFMT_PAIRS;
        return 0;
    }
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i].layouts == seen) {
            *fmt = ok[i].f;
            return 0;
        }
    int x = -1, y = -1;
    for (int i = 0; i < LAY_N; i++)
        if (first[i]) {
            if (x < 0)
                x = i;
            else if (y < 0)
                y = i;
        }
    return mp_error_set(err, MP_EINVAL,
                        "%s: holds migrations of several formats: %s (%s) and %s (%s); pick one with --format", dir,
                        first[x], lay_name[x], first[y], lay_name[y]);
}

/* One diesel migration directory `p` (name `nm`). */
static int read_diesel(struct mp_arena *a, struct mp_migset *out, const char *p, const char *nm,
                       struct mp_error *err)
{
    size_t vl = strcspn(nm, "_");
    const char *ver = diesel_version(a, nm, vl);
    if (!ver)
        return mp_error_set(err, MP_EINVAL, "%s: no version before the first '_' of the name", p);
    struct mp_migration *m;
    char *text;
    size_t len;
    int rc = add_migration(a, out, ver, mp_arena_strndup(a, nm, vl), nm, err, &m);
    if (rc)
        return rc;
    m->name = nm[vl] ? nm + vl + 1 : "";
    m->up.path = mp_arena_printf(a, "%s/up.sql", p);
    if ((rc = read_file(a, m->up.path, &text, &len, err)))
        return rc;
    m->up.sql = text;
    m->up.line = 1;
    if ((rc = read_down(a, m, mp_arena_printf(a, "%s/down.sql", p), err)))
        return rc;
    return diesel_metadata(a, m, p, err);
}

/* One Flyway file; U files are matched with their V file afterwards. */
static int read_flyway(struct mp_arena *a, struct mp_migset *out, const char *p, const char *nm,
                       struct mp_error *err)
{
    const char *ver, *raw, *desc;
    int kind = flyway_name(a, nm, &ver, &raw, &desc);
    char *text;
    size_t len;
    int rc;
    if (!kind)
        return mp_error_set(err, MP_EINVAL, "%s: not a Flyway V<version>__<description>.sql, U... or R__... file",
                            p);
    if (kind == 'U')
        return 0;
    if ((rc = read_file(a, p, &text, &len, err)))
        return rc;
    struct mp_migration *m;
    if (kind == 'R') {
        for (size_t i = 0; i < out->nrep; i++)
            if (strcmp(out->rep[i].version, ver) == 0)
                return mp_error_set(err, MP_EINVAL, "duplicate repeatable migration %s: %s and %s", desc,
                                    out->rep[i].up.path, p);
        m = MP_PUSH(a, out->rep, out->nrep, out->caprep);
        m->version = m->raw_version = ver;
        m->repeatable = true;
    } else if ((rc = add_migration(a, out, ver, raw, nm, err, &m))) {
        return rc;
    }
    m->name = desc;
    m->up.path = p;
    m->up.sql = text;
    m->up.line = 1;
    return 0;
}

/* Flyway's U<version> files: each is the down of the V file of its version. */
static int flyway_undos(struct mp_arena *a, struct mp_migset *out, char **names, size_t nn, struct mp_error *err)
{
    for (size_t i = 0; i < nn; i++) {
        const char *ver, *raw, *desc;
        if (flyway_name(a, names[i], &ver, &raw, &desc) != 'U')
            continue;
        const char *p = mp_arena_printf(a, "%s/%s", out->dir, names[i]);
        struct mp_migration *m = NULL;
        for (size_t j = 0; j < out->n && !m; j++)
            if (strcmp(out->v[j].version, ver) == 0)
                m = &out->v[j];
        if (!m)
            return mp_error_set(err, MP_EINVAL, "%s: an undo migration without its V%s__ migration", p, raw);
        int rc = read_down(a, m, p, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* One file of the numeric formats (pairs, single, sqlx). */
static int read_numeric(struct mp_arena *a, struct mp_migset *out, enum mp_migfmt fmt, const char *p, const char *nm,
                        struct mp_error *err)
{
    const char *dir = out->dir, *ver, *raw, *name;
    struct mp_migration *m;
    char *text;
    size_t len;
    int rc;
    bool up = ends_with(nm, ".up.sql");
    if (fmt != MP_MIGFMT_SINGLE && (up || ends_with(nm, ".down.sql"))) {
        if (!up)
            return 0; /* read with its up file */
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
        return read_down(a, m, mp_arena_printf(a, "%s/%.*s.down.sql", dir, (int)stem, nm), err);
    }
    if (fmt == MP_MIGFMT_PAIRS)
        return mp_error_set(err, MP_EINVAL, "%s: not a <version>_<name>.up.sql / .down.sql file", p);
    if (!split_numeric(a, nm, strlen(nm) - 4, &ver, &raw, &name))
        return mp_error_set(err, MP_EINVAL, "%s: the file name does not start with a numeric version", p);
    if ((rc = add_migration(a, out, ver, raw, nm, err, &m)))
        return rc;
    m->name = name;
    if ((rc = read_file(a, p, &text, &len, err)))
        return rc;
    if (fmt == MP_MIGFMT_SINGLE)
        return parse_single(a, m, p, text, err);
    /* sqlx: an up-only, irreversible migration (sqlx "simple" migration) */
    m->up.path = p;
    m->up.sql = text;
    m->up.line = 1;
    return 0;
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

    int *layout = mp_arena_alloc(a, (nn + 1) * sizeof *layout);
    const char *first[LAY_N] = {0};
    int rc;
    for (size_t i = 0; i < nn; i++) {
        const char *p = mp_arena_printf(a, "%s/%s", dir, names[i]);
        if ((rc = entry_layout(a, p, names[i], err, &layout[i])))
            return rc;
        if (layout[i] >= 0 && !first[layout[i]])
            first[layout[i]] = p;
    }
    if (fmt == MP_MIGFMT_AUTO && (rc = detect(dir, first, &fmt, err)))
        return rc;
    out->format = fmt;

    for (size_t i = 0; i < nn; i++) {
        const char *nm = names[i];
        const char *p = mp_arena_printf(a, "%s/%s", dir, nm);
        if (layout[i] < 0)
            continue;
        if (fmt == MP_MIGFMT_DIESEL) {
            if (layout[i] != LAY_DIESEL)
                return mp_error_set(err, MP_EINVAL, "%s: not a diesel migration directory (NAME/up.sql)", p);
            rc = read_diesel(a, out, p, nm, err);
        } else if (layout[i] == LAY_DIESEL) {
            return mp_error_set(err, MP_EINVAL, "%s: a diesel migration directory in a %s directory", p,
                                mp_migfmt_name(fmt));
        } else if (fmt == MP_MIGFMT_FLYWAY) {
            rc = read_flyway(a, out, p, nm, err);
        } else {
            rc = read_numeric(a, out, fmt, p, nm, err);
        }
        if (rc)
            return rc;
    }
    if (fmt == MP_MIGFMT_FLYWAY && (rc = flyway_undos(a, out, names, nn, err)))
        return rc;
    /* down files without an up file owe a word */
    if (fmt == MP_MIGFMT_PAIRS || fmt == MP_MIGFMT_SQLX)
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
    for (size_t i = 0; i < out->nrep; i++)
        mp_migration_finish(&out->rep[i]);
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
    mp_migration_checksum(m->up.sql, m->checksum);
}

void mp_migration_checksum(const char *text, char out[65])
{
    /* CRLF and LF are one text (as Flyway normalises line endings), so a
     * checkout with other line endings is no edit */
    if (!strchr(text, '\r')) {
        mp_sha256_hex(text, strlen(text), out);
        return;
    }
    struct mp_buf b = {0};
    for (const char *s = text; *s; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            mp_buf_addc(&b, *s);
    mp_sha256_hex(mp_buf_str(&b), b.len, out);
    mp_buf_free(&b);
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
    case MP_MIGFMT_FLYWAY:
        p = mp_arena_printf(a, "%s/V%s__%s.sql", dir, version, name);
        if ((rc = write_text(p, up, err)) ||
            (down && (rc = write_text(mp_arena_printf(a, "%s/U%s__%s.sql", dir, version, name), down, err))))
            return rc;
        break;
    case MP_MIGFMT_SQLX:
        if (!down) { /* sqlx's "simple", up-only migration; a reversible one is a pair */
            p = mp_arena_printf(a, "%s/%s_%s.sql", dir, version, name);
            if ((rc = write_text(p, up, err)))
                return rc;
            break;
        }
        p = mp_arena_printf(a, "%s/%s_%s.up.sql", dir, version, name);
        if ((rc = write_text(p, up, err)) ||
            (rc = write_text(mp_arena_printf(a, "%s/%s_%s.down.sql", dir, version, name), down, err)))
            return rc;
        break;
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
        for (unsigned k = 1;
             set->n && mp_migversion_cmp(set->format, mp_migversion_parse(a, MP_MIGFMT_DIESEL, v),
                                         set->v[set->n - 1].version) <= 0;
             k++)
            v = mp_arena_printf(a, "%s-%04u", b, k);
        return v;
    }
    size_t width = 4;
    if (set->n)
        width = strlen(set->v[set->n - 1].raw_version);
    /* decimal increment of the highest canonical version, as a string */
    const char *hi = set->n ? set->v[set->n - 1].version : "0";
    if (set->format == MP_MIGFMT_FLYWAY) /* "1.2" -> "2" */
        hi = mp_arena_strndup(a, hi, strcspn(hi, "."));
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
