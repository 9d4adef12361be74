/* report_tap.c - the TAP 14 format of the reporter
 * (testanything.org/tap-version-14-specification), and the one writer of
 * its YAML diagnostics.  The dialect (the version line) and the quoting
 * of values are decided here and nowhere else. */
#include "report_int.h"

#include <string.h>

/* The YAML block's indentation under a test point (TAP 14: "indented by
 * 2 spaces" relative to the test point). */
#define TAP_INDENT "  "

/* One diagnostic as a YAML mapping entry, indented by `indent`. */
static void yaml_field(FILE *out, const char *indent, const struct mp_report_field *f)
{
    if (!f->value)
        return;
    switch (f->style) {
    case MP_FIELD_PLAIN:
        fprintf(out, "%s%s: %s\n", indent, f->key, f->value);
        break;
    case MP_FIELD_SQUOTED:
        fprintf(out, "%s%s: '%s'\n", indent, f->key, f->value);
        break;
    case MP_FIELD_DQUOTED:
        fprintf(out, "%s%s: \"%s\"\n", indent, f->key, f->value);
        break;
    case MP_FIELD_BLOCK:
        /* a literal block scalar, its lines two spaces deeper than the key */
        if (!*f->value)
            return;
        fprintf(out, "%s%s: |\n", indent, f->key);
        for (const char *p = f->value; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            fprintf(out, "%s  %.*s\n", indent, (int)n, p);
            p += n + (nl ? 1 : 0);
        }
        break;
    }
}

static void tap_open(struct mp_reporter *r)
{
    fprintf(r->out, "TAP version 14\n");
    if (r->meta && r->meta->title)
        fprintf(r->out, "# %s\n", r->meta->title);
    for (const char *const *h = r->meta ? r->meta->header : NULL; h && *h; h++)
        fprintf(r->out, "# %s\n", *h);
}

static void tap_plan(struct mp_reporter *r, size_t npoints)
{
    fprintf(r->out, "1..%zu\n", npoints);
}

static void tap_point(struct mp_reporter *r, size_t number, const struct mp_report_point *p)
{
    FILE *out = r->out;
    fprintf(out, "%s %zu - %s", p->result == MP_POINT_FAIL ? "not ok" : "ok", number, p->name);
    if (p->where)
        fprintf(out, " [%s]", p->where);
    if (p->result == MP_POINT_SKIP)
        fprintf(out, " # SKIP %s", p->note ? p->note : "");
    else if (p->note)
        fprintf(out, " # %s", p->note);
    fputc('\n', out);
    if (p->result == MP_POINT_FAIL && p->ndiag) {
        fprintf(out, TAP_INDENT "---\n");
        for (size_t i = 0; i < p->ndiag; i++)
            yaml_field(out, TAP_INDENT, &p->diag[i]);
        fprintf(out, TAP_INDENT "...\n");
    }
    fflush(out); /* a reader sees each point as soon as it is known */
}

static void tap_comment(struct mp_reporter *r, const char *line)
{
    fprintf(r->out, "# %s\n", line);
}

const struct mp_report_format mp_report_tap = {
    .open = tap_open,
    .plan = tap_plan,
    .point = tap_point,
    .comment = tap_comment,
};
