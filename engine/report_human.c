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
    /* ANSI SGR: green, bold red, yellow */
    static const char *const sgr[] = {[MP_POINT_PASS] = "\033[32m", [MP_POINT_FAIL] = "\033[1;31m",
                                      [MP_POINT_SKIP] = "\033[33m"};
    bool color = r->meta && r->meta->color;
    const char *last = p->human_line ? p->human_line : p->note;
    fprintf(r->out, "  %s%s%s  %-20s %-9s %s\n", color ? sgr[p->result] : "", word[p->result], color ? "\033[0m" : "",
            p->name, p->where ? p->where : "", last ? last : "");
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
    bool color = r->meta && r->meta->color;
    fprintf(r->out, "%s\n%s%s%s%s\n", mp_buf_str(&r->later), mp_buf_str(&r->notes),
            color ? (r->nfailed ? "\033[1;31m" : "\033[32m") : "", r->nfailed ? "FAILED" : passed, color ? "\033[0m" : "");
}

const struct mp_report_format mp_report_human = {
    .open = human_open,
    .point = human_point,
    .comment = human_comment,
    .close = human_close,
};
