/* report_junit.c - the JUnit XML format of the reporter (the schema
 * Jenkins, GitLab and GitHub report actions read): one <testcase> per
 * point, kept until close because <testsuites> opens with the counts. */
#include "report_int.h"

#include <inttypes.h>
#include <string.h>

/* Append `s` as XML character data or attribute text. */
static void xml_text(struct mp_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': mp_buf_add(b, "&lt;"); break;
        case '>': mp_buf_add(b, "&gt;"); break;
        case '&': mp_buf_add(b, "&amp;"); break;
        case '"': mp_buf_add(b, "&quot;"); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                mp_buf_addc(b, ' '); /* XML 1.0 has no other control characters */
            else
                mp_buf_addc(b, *s);
        }
    }
}

static void junit_point(struct mp_reporter *r, size_t number, const struct mp_report_point *p)
{
    (void)number;
    struct mp_buf *b = &r->later;
    mp_buf_add(b, "    <testcase classname=\"migprop");
    if (p->where) {
        mp_buf_addc(b, '.');
        xml_text(b, p->where);
    }
    mp_buf_add(b, "\" name=\"");
    xml_text(b, p->name);
    mp_buf_add(b, "\">");
    if (p->result == MP_POINT_SKIP) {
        mp_buf_add(b, "<skipped message=\"");
        xml_text(b, p->note);
        mp_buf_add(b, "\"/>");
    } else if (p->result == MP_POINT_FAIL) {
        /* the message attribute: the first line, at most 500 bytes when
         * there is only one, 511 in any case */
        const char *m = p->message ? p->message : "";
        const char *nl = strchr(m, '\n');
        char first[512];
        snprintf(first, sizeof first, "%.*s", nl ? (int)(nl - m) : 500, m);
        mp_buf_add(b, "\n      <failure message=\"");
        xml_text(b, first);
        mp_buf_add(b, "\" type=\"");
        xml_text(b, p->name);
        mp_buf_add(b, "\">");
        xml_text(b, p->junit_text ? p->junit_text : p->message);
        mp_buf_add(b, "</failure>\n    ");
    } else {
        mp_buf_add(b, "<system-out>");
        xml_text(b, p->note);
        mp_buf_add(b, "</system-out>");
    }
    mp_buf_add(b, "</testcase>\n");
}

static void junit_close(struct mp_reporter *r)
{
    struct mp_buf name = {0};
    const char *suite = r->meta ? (r->meta->suite ? r->meta->suite : r->meta->title) : NULL;
    xml_text(&name, suite ? suite : "migprop");
    fprintf(r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(r->out, "<testsuites name=\"migprop\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", r->npoints,
            r->nfailed, r->nskipped);
    fprintf(r->out, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n", mp_buf_str(&name),
            r->npoints, r->nfailed, r->nskipped);
    fputs(mp_buf_str(&r->later), r->out);
    fprintf(r->out, "  </testsuite>\n</testsuites>\n");
    mp_buf_free(&name);
}

const struct mp_report_format mp_report_junit = {
    .point = junit_point,
    .close = junit_close,
};
