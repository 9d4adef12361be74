/* report.h - one reporting interface for every command that reports test
 * points (check, replay, selftest, runner-check), with three formats behind
 * it: TAP 14, JUnit XML and a human-readable table.
 *
 * A report is: open, then points (numbered 1, 2, ... in the order given),
 * comments anywhere, the plan before the first point or after the last,
 * close.  What each format makes of a call:
 *
 *   call      TAP 14                         JUnit XML               human
 *   open      "TAP version 14", "# <title>", nothing yet             "<human_title>" and a blank line
 *             "# <header line>"...
 *   plan      "1..N" where it is called      (not shown)             (not shown)
 *   point     "ok N - name [where] # note",  a <testcase>            a table row now; a failing
 *             a YAML block of `diag`         (written at close)      point's `human_text` at close
 *   comment   "# line" for each line         (not shown)             the line, after the failures
 *   close     nothing more                   the whole document      "FAILED" or meta->all_passed
 *
 * TAP follows testanything.org/tap-version-14-specification (the plan at
 * either end; YAML diagnostics indented two spaces between "---" and
 * "..."); the YAML is written in one place (report_tap.c), so a change of
 * dialect or quoting is a change there.  JUnit is the schema Jenkins,
 * GitLab and GitHub report actions read.  Formats differ in what they show
 * (the human table and the JUnit failure text are not TAP's diagnostics), so
 * a point carries per-format texts where the existing reports differ. */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum mp_format { MP_FORMAT_TAP, MP_FORMAT_HUMAN, MP_FORMAT_JUNIT };

/* How a diagnostic value is written in TAP's YAML block.  The quoted
 * styles put the value between the quotes as it is (no escaping: values
 * migprop writes hold no quote of the same kind). */
enum mp_field_style {
    MP_FIELD_PLAIN,     /* key: value */
    MP_FIELD_SQUOTED,   /* key: 'value' */
    MP_FIELD_DQUOTED,   /* key: "value" */
    MP_FIELD_BLOCK      /* key: |  then each line of the value, two spaces deeper */
};

/* One diagnostic: a key and its value.  A NULL value leaves the field out;
 * so does an empty one in MP_FIELD_BLOCK style. */
struct mp_report_field {
    const char *key;
    const char *value;
    enum mp_field_style style;
};

enum mp_point_result { MP_POINT_PASS, MP_POINT_FAIL, MP_POINT_SKIP };

/* One test point.  Only `result` and `name` are required; the strings are
 * the caller's and are copied where a format keeps them until close. */
struct mp_report_point {
    enum mp_point_result result;
    const char *name;          /* "ordering_valid", "semicolons" */
    const char *where;         /* shown in brackets after the name ("sqlite"), or NULL;
                                * JUnit: the classname "migprop.<where>" */
    const char *note;          /* one line.  TAP: after " # " (" # SKIP " for a skipped
                                * point); JUnit: a passing point's <system-out>, a
                                * skipped one's message; human: the table's last
                                * column.  NULL: none */
    const struct mp_report_field *diag; /* TAP: the YAML block under a failing point */
    size_t ndiag;
    const char *message;       /* a failing point's message; JUnit: its first line is
                                * the <failure> message */
    const char *junit_text;    /* JUnit: the <failure> element's text (NULL: message) */
    const char *human_line;    /* human: the table's last column when it differs from
                                * `note` */
    const char *human_text;    /* human: a failing point's section after the table */
};

/* What a report is about. */
struct mp_report_meta {
    const char *title;         /* TAP: "# <title>" under the version line */
    const char *const *header; /* TAP only: more "# " lines under the title, NULL-terminated
                                * list, or NULL */
    const char *human_title;   /* human: the first line (NULL: title) */
    const char *suite;         /* JUnit: the <testsuite> name (NULL: title) */
    const char *all_passed;    /* human: the last line when no point failed (NULL: "all passed") */
};

struct mp_reporter;

/* Start a report in format `f` on `stream` (never closed by the
 * reporter).  `meta` and its strings must live until mp_reporter_close().
 * *out belongs to the caller, who ends it with mp_reporter_close().
 * Returns 0, or MP_EINVAL (and *out NULL) for an unknown format. */
int mp_reporter_open(struct mp_reporter **out, enum mp_format f, FILE *stream, const struct mp_report_meta *meta);

/* The plan: `npoints` points in all.  Call it once, before the first point
 * or after the last (TAP 14 allows either end). */
void mp_reporter_plan(struct mp_reporter *r, size_t npoints);

/* Report the next point (numbered from 1). */
void mp_reporter_point(struct mp_reporter *r, const struct mp_report_point *p);

/* A comment, printf-style; a text of several lines gives several comment
 * lines. */
void mp_reporter_comment(struct mp_reporter *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Points, and failing points, reported so far. */
size_t mp_reporter_points(const struct mp_reporter *r);
size_t mp_reporter_failed(const struct mp_reporter *r);

/* Finish the report (JUnit and human write what they kept), flush the
 * stream and free `r`; NULL is fine.  Returns 0, or MP_EIO when the stream
 * reported a write error. */
int mp_reporter_close(struct mp_reporter *r);

#endif
