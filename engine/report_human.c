/* report_human.c - the human-readable format of the reporter: a table of
 * the points, then each failure's section, the comments, and a verdict. */
#include "report_int.h"

static void human_open(struct mp_reporter *r)
{
    const char *title = r->meta ? (r->meta->human_title ? r->meta->human_title : r->meta->title) : NULL;
    if (title)
        fprintf(r->out, "%s\n\n", title);
}

static void human_point(struct mp_reporter *r, size_t number, const struct mp_report_point *p)
{
    (void)number;
    static const char *const word[] = {[MP_POINT_PASS] = "PASS", [MP_POINT_FAIL] = "FAIL", [MP_POINT_SKIP] = "SKIP"};
    const char *last = p->human_line ? p->human_line : p->note;
    fprintf(r->out, "  %s  %-20s %-9s %s\n", word[p->result], p->name, p->where ? p->where : "", last ? last : "");
    if (p->result == MP_POINT_FAIL && p->human_text)
        mp_buf_add(&r->later, p->human_text);
}

static void human_comment(struct mp_reporter *r, const char *line)
{
    mp_buf_printf(&r->notes, "%s\n", line);
}

static void human_close(struct mp_reporter *r)
{
    const char *passed = r->meta && r->meta->all_passed ? r->meta->all_passed : "all passed";
    fprintf(r->out, "%s\n%s%s\n", mp_buf_str(&r->later), mp_buf_str(&r->notes), r->nfailed ? "FAILED" : passed);
}

const struct mp_report_format mp_report_human = {
    .open = human_open,
    .point = human_point,
    .comment = human_comment,
    .close = human_close,
};
