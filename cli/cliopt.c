/* cliopt.c - getopt_long set-up, one error style, strict values (cliopt.h). */
#include "cliopt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "executor.h"
#include "num.h"
#include "properties.h"

void mp_cli_getopt_begin(void)
{
    optind = 0;
    opterr = 0;
}

int mp_cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "migprop %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return MP_CLI_USAGE;
}

/* How many long options start with the `len` bytes of `name`; *exact is
 * set to the one spelled exactly so, if any. */
static int prefix_matches(const struct option *lo, const char *name, size_t len, const struct option **exact)
{
    int n = 0;
    *exact = NULL;
    for (; lo->name; lo++)
        if (strncmp(lo->name, name, len) == 0) {
            n++;
            if (strlen(lo->name) == len)
                *exact = lo;
        }
    return n;
}

int mp_cli_bad_option(const char *cmd, int c, char **argv, const struct option *longopts)
{
    /* A long option is the token getopt_long just stepped over; a short
     * one is optopt (the token may still be in progress: "-xh").  Every
     * long option that has a short form uses that letter as its val, so a
     * token naming a long option whose val is optopt is that option. */
    const char *tok = optind > 0 ? argv[optind - 1] : NULL;
    bool is_long = tok && strncmp(tok, "--", 2) == 0 && tok[2];
    if (is_long && optopt) {
        const struct option *exact;
        size_t len = strcspn(tok + 2, "=");
        int n = prefix_matches(longopts, tok + 2, len, &exact);
        const struct option *o = exact;
        if (!o && n == 1)
            for (o = longopts; strncmp(o->name, tok + 2, len) != 0; o++)
                ;
        is_long = o && o->val == optopt;
    }
    if (!is_long) {
        if (c == ':')
            return mp_cli_error(cmd, "option '-%c' needs a value (see migprop %s --help)", optopt, cmd);
        return mp_cli_error(cmd, "unknown option '-%c' (see migprop %s --help)", optopt ? optopt : '?', cmd);
    }
    size_t len = strcspn(tok + 2, "=");
    int ilen = (int)len;
    if (c == ':')
        return mp_cli_error(cmd, "option '--%.*s' needs a value (see migprop %s --help)", ilen, tok + 2, cmd);
    const struct option *exact;
    int n = prefix_matches(longopts, tok + 2, len, &exact);
    if ((exact || n == 1) && tok[2 + len] == '=')
        return mp_cli_error(cmd, "option '--%.*s' takes no value (see migprop %s --help)", ilen, tok + 2, cmd);
    if (n > 1 && !exact) {
        struct mp_buf b = {0};
        for (const struct option *o = longopts; o->name; o++)
            if (strncmp(o->name, tok + 2, len) == 0)
                mp_buf_printf(&b, "%s--%s", b.len ? ", " : "", o->name);
        mp_cli_error(cmd, "ambiguous option '--%.*s' (%s; see migprop %s --help)", ilen, tok + 2, mp_buf_str(&b), cmd);
        mp_buf_free(&b);
        return MP_CLI_USAGE;
    }
    return mp_cli_error(cmd, "unknown option '--%.*s' (see migprop %s --help)", ilen, tok + 2, cmd);
}

int mp_cli_extra_argument(const char *cmd, const char *arg)
{
    return mp_cli_error(cmd, "unexpected argument '%s' (see migprop %s --help)", arg, cmd);
}

int mp_cli_u64(const char *cmd, const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
    struct mp_error err = {0};
    uint64_t u;
    if (mp_parse_u64(v, max, opt, &u, &err))
        return mp_cli_error(cmd, "%s", err.msg);
    if (u < min)
        return mp_cli_error(cmd, "%s: '%s' is too small (at least %llu)", opt, v, (unsigned long long)min);
    *out = u;
    return 0;
}

int mp_cli_double(const char *cmd, const char *opt, const char *v, double min, double max, double *out)
{
    struct mp_error err = {0};
    if (mp_parse_double(v, min, max, opt, out, &err))
        return mp_cli_error(cmd, "%s", err.msg);
    return 0;
}

int mp_cli_choice(const char *cmd, const char *opt, const char *v, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v) == 0) {
            *out = i;
            return 0;
        }
    struct mp_buf b = {0};
    for (int i = 0; names[i]; i++)
        mp_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    mp_cli_error(cmd, "%s: unknown value '%s' (%s)", opt, v, mp_buf_str(&b));
    mp_buf_free(&b);
    return MP_CLI_USAGE;
}

int mp_cli_backend(const char *cmd, const char *opt, const char *v, bool want[MP_NDIALECTS])
{
    static const char *const names[] = {"sqlite", "postgres", "all", NULL};
    int k;
    if (mp_cli_choice(cmd, opt, v, names, &k))
        return MP_CLI_USAGE;
    want[MP_SQLITE] = k != 1;
    want[MP_POSTGRES] = k != 0;
    return 0;
}

int mp_cli_list(const char *cmd, const char *opt, const char *v, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count = 1, len = strlen(v);
    for (const char *p = v; *p; p++)
        count += *p == ',';
    /* one block: count + 1 pointers, then the names with their NULs */
    char **list = malloc((count + 1) * sizeof *list + len + 1);
    if (!list)
        mp_oom();
    char *s = (char *)(list + count + 1);
    memcpy(s, v, len + 1);
    for (size_t i = 0; i < count; i++) {
        list[i] = s;
        s += strcspn(s, ",");
        *s++ = 0;
    }
    list[count] = NULL;
    int rc = 0;
    if (strspn(v, ",") == len)
        rc = mp_cli_error(cmd, "%s: empty list", opt);
    for (size_t i = 0; i < count && !rc; i++) {
        if (!*list[i])
            rc = mp_cli_error(cmd, "%s: empty name in '%s'", opt, v);
        for (size_t k = 0; k < i && !rc; k++)
            if (strcmp(list[k], list[i]) == 0)
                rc = mp_cli_error(cmd, "%s: '%s' is listed twice", opt, list[i]);
    }
    if (rc) {
        free(list);
        return rc;
    }
    *out = list;
    *n = count;
    return 0;
}

int mp_cli_properties(const char *cmd, const char *v, struct mp_property **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char **names;
    size_t nn;
    if (mp_cli_list(cmd, "--properties", v, &names, &nn))
        return MP_CLI_USAGE;
    struct mp_property *sel = calloc(nn, sizeof *sel);
    if (!sel)
        mp_oom();
    int rc = 0;
    for (size_t i = 0; i < nn && !rc; i++) {
        const struct mp_property *p = mp_property_find(names[i]);
        if (p) {
            sel[i] = *p;
            continue;
        }
        size_t nall;
        const struct mp_property *all = mp_properties(&nall);
        struct mp_buf known = {0};
        for (size_t k = 0; k < nall; k++)
            mp_buf_printf(&known, "%s%s", k ? ", " : "", all[k].name);
        rc = mp_cli_error(cmd, "--properties: unknown property '%s' (known: %s)", names[i], mp_buf_str(&known));
        mp_buf_free(&known);
    }
    free(names);
    if (rc) {
        free(sel);
        return rc;
    }
    *out = sel;
    *n = nn;
    return 0;
}

const char *mp_cli_pg_env(void)
{
    const char *env = getenv("DATABASE_URL");
    return env && mp_target_url_dialect(env) == MP_POSTGRES ? env : NULL;
}

bool mp_cli_color(int choice, int fd)
{
    if (choice != 0)
        return choice == 1;
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(fd) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

int mp_cli_refuse_unmodelled(const char *cmd, const char *label, const struct mp_schema *s, bool ignore)
{
    if (ignore || !s || !s->nunmodelled)
        return 0;
    fprintf(stderr, "migprop %s: %s has %zu object%s migprop does not model (a plan or comparison would be wrong; "
                    "--ignore-unmodelled to go on without them):\n",
            cmd, label, s->nunmodelled, s->nunmodelled == 1 ? "" : "s");
    for (size_t i = 0; i < s->nunmodelled; i++)
        fprintf(stderr, "  not modelled: %s\n", s->unmodelled[i].what);
    return MP_CLI_USAGE;
}

void mp_cli_unmodelled_comments(struct mp_buf *b, const struct mp_schema *s)
{
    for (size_t i = 0; s && i < s->nunmodelled; i++)
        mp_buf_printf(b, "-- not modelled: %s\n", s->unmodelled[i].what);
}
