/* report.c - the reporter's dispatch: numbering, counting and comment
 * lines shared by every format (see report.h). */
#include "report_int.h"
#include "arena.h"
#include "error.h"
#include "os.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int mp_reporter_open(struct mp_reporter **out, enum mp_format f, FILE *stream, const struct mp_report_meta *meta)
{
    static const struct mp_report_format *const formats[] = {
        [MP_FORMAT_TAP] = &mp_report_tap,
        [MP_FORMAT_HUMAN] = &mp_report_human,
        [MP_FORMAT_JUNIT] = &mp_report_junit,
    };
    *out = NULL;
    if ((unsigned)f >= sizeof formats / sizeof *formats)
        return MP_EINVAL;
    struct mp_reporter *r = calloc(1, sizeof *r);
    if (!r)
        mp_oom();
    r->fmt = formats[f];
    r->out = stream;
    r->meta = meta;
    if (r->fmt->open)
        r->fmt->open(r);
    *out = r;
    return 0;
}

void mp_reporter_plan(struct mp_reporter *r, size_t npoints)
{
    if (r->fmt->plan)
        r->fmt->plan(r, npoints);
}

void mp_reporter_point(struct mp_reporter *r, const struct mp_report_point *p)
{
    r->npoints++;
    if (p->result == MP_POINT_FAIL)
        r->nfailed++;
    else if (p->result == MP_POINT_SKIP)
        r->nskipped++;
    if (r->fmt->point)
        r->fmt->point(r, r->npoints, p);
}

void mp_reporter_comment(struct mp_reporter *r, const char *fmt, ...)
{
    struct mp_buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    /* one comment line per line of text; a final '\n' ends the last */
    const char *p = mp_buf_str(&b);
    do {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = mp_xstrndup(p, n);
        if (r->fmt->comment)
            r->fmt->comment(r, line);
        free(line);
        p += n + (nl ? 1 : 0);
    } while (*p);
    mp_buf_free(&b);
}

size_t mp_reporter_points(const struct mp_reporter *r)
{
    return r->npoints;
}

size_t mp_reporter_failed(const struct mp_reporter *r)
{
    return r->nfailed;
}

int mp_reporter_close(struct mp_reporter *r)
{
    if (!r)
        return 0;
    if (r->fmt->close)
        r->fmt->close(r);
    int rc = fflush(r->out) != 0 || ferror(r->out) ? MP_EIO : 0;
    mp_buf_free(&r->later);
    mp_buf_free(&r->notes);
    free(r);
    return rc;
}
