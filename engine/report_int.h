/* report_int.h - what the reporter's dispatch (report.c) and its three
 * formats (report_tap.c, report_junit.c, report_human.c) share; not for
 * other files. */
#ifndef MP_REPORT_INT_H
#define MP_REPORT_INT_H

#include "buf.h"
#include "report.h"

/* One format: each hook may be NULL (nothing to do). */
struct mp_report_format {
    void (*open)(struct mp_reporter *r);
    void (*plan)(struct mp_reporter *r, size_t npoints);
    void (*point)(struct mp_reporter *r, size_t number, const struct mp_report_point *p);
    void (*comment)(struct mp_reporter *r, const char *line); /* one line, no '\n' */
    void (*close)(struct mp_reporter *r);
};

struct mp_reporter {
    const struct mp_report_format *fmt;
    FILE *out;
    const struct mp_report_meta *meta;
    size_t npoints, nfailed, nskipped;
    struct mp_buf later;       /* what the format writes at close */
    struct mp_buf notes;       /* human: the comments, shown at the end */
};

extern const struct mp_report_format mp_report_tap;
extern const struct mp_report_format mp_report_junit;
extern const struct mp_report_format mp_report_human;

#endif
