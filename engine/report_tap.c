/* report_tap.c - the TAP format of the reporter
 * (testanything.org: tap-version-13-specification and
 * tap-version-14-specification), and the one writer of its YAML
 * diagnostics.  The dialect (the version line), the order of the lines and
 * the quoting of values are decided here and nowhere else.
 *
 * Every consumer takes the output: the version line, then the plan before
 * anything else, comments included (tappy refuses a comment before the
 * plan; TAP::Harness 3.44 refuses "TAP version 14", so 13 is the default).
 * A caller that plans up front streams its points; one that plans at the
 * end (or never) has its lines kept until then, so the plan still comes
 * first.  The YAML blocks are written by one quoting function
 * (yaml_field) in the subset both real YAML readers (libyaml, PyYAML) and
 * TAP::Harness's YAMLish reader take: plain numbers and identifiers,
 * single- and double-quoted strings, "|" literal blocks.  A value reads
 * back as it was given (a block value with one final newline). */
#include "report_int.h"
#include "arena.h"
#include "os.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The YAML block's indentation under a test point (TAP 13/14: "indented
 * by 2 spaces" relative to the test point). */
#define TAP_INDENT "  "

/* Whether a value may be written plain: numbers and identifiers only
 * ([-+.0-9A-Za-z_]), never a word YAML 1.1 reads as another type (true,
 * no, null, ...) and never "0x..." (an integer there), so a plain value
 * reads back as the same string or number in every YAML reader. */
static bool plain_ok(const char *v)
{
    static const char *const special[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", NULL};
    if (!*v)
        return false;
    for (const char *p = v; *p; p++)
        if (!strchr("+-._0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", *p))
            return false;
    for (const char *const *w = special; *w; w++)
        if (strcasecmp(v, *w) == 0)
            return false;
    return !(v[0] == '0' && (v[1] == 'x' || v[1] == 'X' || v[1] == 'o')) && strchr("+-.", v[0]) == NULL;
}

/* Whether a value fits a literal block ("|"): printable lines (tabs
 * allowed), the first not starting with a space (no indentation
 * indicator), no line of spaces only.  TAP::Harness's YAMLish reader knows
 * "|" but no chomping or indentation indicator, so nothing else is used. */
static bool block_ok(const char *v)
{
    if (!*v || *v == ' ' || *v == '\n')
        return false;
    bool blank = true; /* the current line has only spaces so far */
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '\n') {
            if (blank && len)
                return false;
            blank = true;
            len = 0;
            continue;
        }
        if (*p < 0x20 && *p != '\t')
            return false;
        if (*p == 0x7f)
            return false;
        if (*p != ' ')
            blank = false;
        len++;
    }
    return !(blank && len);
}

/* A double-quoted YAML scalar: '"' and '\' escaped, line breaks and the
 * other control characters as escapes both YAML 1.1/1.2 and TAP::Harness's
 * YAMLish reader know (\n \t \r \xNN), everything else as it is. */
static void dquoted(struct mp_buf *out, const char *v)
{
    mp_buf_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        switch (*p) {
        case '"': mp_buf_add(out, "\\\""); break;
        case '\\': mp_buf_add(out, "\\\\"); break;
        case '\n': mp_buf_add(out, "\\n"); break;
        case '\t': mp_buf_add(out, "\\t"); break;
        case '\r': mp_buf_add(out, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                mp_buf_printf(out, "\\x%02x", *p);
            else
                mp_buf_addc(out, (char)*p);
        }
    }
    mp_buf_addc(out, '"');
}

/* One "key: value" line (or a literal block) at `indent`.  The style asked
 * for is a wish: a value it cannot hold is written double-quoted. */
static void yaml_field(struct mp_buf *out, const char *indent, const struct mp_report_field *f)
{
    const char *v = f->value;
    if (!v || (f->style == MP_FIELD_BLOCK && !*v))
        return;
    mp_buf_printf(out, "%s%s:%s", indent, f->key, f->style == MP_FIELD_COUNTS ? "\n" : " ");
    if (f->style == MP_FIELD_COUNTS) {
        for (const char *p = v; *p;) {
            const char *nl = strchr(p, '\n'), *tab = strchr(p, '\t');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            if (tab && tab < p + len) {
                char *text = mp_xstrndup(tab + 1, len - (size_t)(tab - p) - 1);
                mp_buf_printf(out, "%s  ", indent);
                dquoted(out, text);
                mp_buf_printf(out, ": %.*s\n", (int)(tab - p), p);
                free(text);
            }
            p += len + (nl ? 1 : 0);
        }
    } else if (f->style == MP_FIELD_PLAIN && plain_ok(v)) {
        mp_buf_printf(out, "%s\n", v);
    } else if (f->style == MP_FIELD_SQUOTED && block_ok(v) && !strchr(v, '\n') && !strchr(v, '\t')) {
        mp_buf_addc(out, '\'');
        for (const char *p = v; *p; p++) {
            if (*p == '\'')
                mp_buf_addc(out, '\''); /* YAML: '' inside single quotes */
            mp_buf_addc(out, *p);
        }
        mp_buf_add(out, "'\n");
    } else if (f->style == MP_FIELD_BLOCK && block_ok(v)) {
        /* its lines two spaces deeper than the key; an empty line carries
         * the indentation too, so YAMLish does not take it for the end */
        mp_buf_add(out, "|\n");
        size_t n = strlen(v);
        while (n && v[n - 1] == '\n')
            n--;
        for (size_t i = 0; i < n;) {
            const char *nl = memchr(v + i, '\n', n - i);
            size_t len = nl ? (size_t)(nl - (v + i)) : n - i;
            mp_buf_printf(out, "%s  %.*s\n", indent, (int)len, v + i);
            i += len + 1;
        }
    } else {
        dquoted(out, v);
        mp_buf_addc(out, '\n');
    }
}

int mp_report_yaml(struct mp_buf *out, const struct mp_report_field *f, size_t n)
{
    mp_buf_add(out, TAP_INDENT "---\n");
    for (size_t i = 0; i < n; i++)
        yaml_field(out, TAP_INDENT, &f[i]);
    mp_buf_add(out, TAP_INDENT "...\n");
    return 0;
}

/* Where a line goes: the stream once the plan is out, else kept. */
static void emit(struct mp_reporter *r, const char *s)
{
    if (r->planned)
        fputs(s, r->out);
    else
        mp_buf_add(&r->later, s);
}

static void tap_open(struct mp_reporter *r)
{
    int v = r->meta && r->meta->tap_version ? r->meta->tap_version : MP_TAP_VERSION_DEFAULT;
    fprintf(r->out, "TAP version %d\n", v);
    if (r->meta && r->meta->title)
        mp_buf_printf(&r->later, "# %s\n", r->meta->title);
    for (const char *const *h = r->meta ? r->meta->header : NULL; h && *h; h++)
        mp_buf_printf(&r->later, "# %s\n", *h);
}

/* The plan, then whatever was kept for after it. */
static void tap_plan(struct mp_reporter *r, size_t npoints)
{
    if (r->planned)
        return;
    fprintf(r->out, "1..%zu\n", npoints);
    fputs(mp_buf_str(&r->later), r->out);
    mp_buf_reset(&r->later);
    r->planned = true;
}

static void tap_point(struct mp_reporter *r, size_t number, const struct mp_report_point *p)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "%s %zu - %s", p->result == MP_POINT_FAIL ? "not ok" : "ok", number, p->name);
    if (p->where)
        mp_buf_printf(&b, " [%s]", p->where);
    if (p->result == MP_POINT_SKIP)
        mp_buf_printf(&b, " # SKIP %s", p->note ? p->note : "");
    mp_buf_addc(&b, '\n');
    if (p->ndiag)
        mp_report_yaml(&b, p->diag, p->ndiag);
    /* the note is a comment line under the point, never part of its name */
    if (p->result != MP_POINT_SKIP && p->note)
        mp_buf_printf(&b, "# %s\n", p->note);
    emit(r, mp_buf_str(&b));
    mp_buf_free(&b);
    fflush(r->out); /* a reader sees each point as soon as it is known */
}

static void tap_comment(struct mp_reporter *r, const char *line)
{
    struct mp_buf b = {0};
    mp_buf_printf(&b, "# %s\n", line);
    emit(r, mp_buf_str(&b));
    mp_buf_free(&b);
}

/* A report that never planned: the plan is the number of points. */
static void tap_close(struct mp_reporter *r)
{
    tap_plan(r, r->npoints);
}

const struct mp_report_format mp_report_tap = {
    .open = tap_open,
    .plan = tap_plan,
    .point = tap_point,
    .comment = tap_comment,
    .close = tap_close,
};
