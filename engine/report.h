/* report.h - one reporting interface for every command that reports test
 * points (check, replay, selftest, runner-check), with three formats behind
 * it: TAP (13 by default, 14 on request), JUnit XML and a human-readable
 * table.
 *
 * A report is: open, then points (numbered 1, 2, ... in the order given),
 * comments anywhere, the plan before the first point or after the last,
 * close.  What each format makes of a call:
 *
 *   call      TAP                            JUnit XML               human
 *   open      "TAP version 13" (or 14)       nothing yet             "<human_title>" and a blank line
 *   plan      "1..N", then "# <title>",      (not shown)             (not shown)
 *             "# <header line>"... and what
 *             was kept until the plan
 *   point     "ok N - name [where]" (with    a <testcase> with its   a table row now; a failing
 *             " # SKIP note" when skipped),  time (written at close) point's `human_text` at close
 *             a YAML block of `diag`, then
 *             "# note"
 *   comment   "# line" for each line         (not shown)             the line, after the failures
 *   close     the plan if none was given     the whole document      "FAILED" or meta->all_passed
 *
 * TAP: the plan is always the line after the version line (tappy refuses
 * anything before it, even a comment), so a report planned at the end is
 * kept until then; test names never carry counts (they are the `# note`
 * line after the point).  The YAML is written in one place (report_tap.c,
 * through libyaml's emitter), so a change of dialect or quoting is a change
 * there.  JUnit follows the Jenkins xUnit plugin's junit-10.xsd
 * (tests/xsd/), the schema Jenkins, GitLab and GitHub report actions read.
 * Formats differ in what they show (the human table and the JUnit failure
 * text are not TAP's diagnostics), so a point carries per-format texts
 * where the reports differ. */
#ifndef MP_REPORT_H
#define MP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum mp_format { MP_FORMAT_TAP, MP_FORMAT_HUMAN, MP_FORMAT_JUNIT };

/* The TAP version a report declares when meta->tap_version is 0: 13,
 * because TAP::Harness (prove) 3.44 refuses "TAP version 14". */
#define MP_TAP_VERSION_DEFAULT 13

/* How a diagnostic value is written in TAP's YAML block: the style libyaml's
 * emitter is asked for.  The emitter escapes what the style needs and falls
 * back to a quoted style where the asked one cannot hold the value, so any
 * value reads back exactly.  Strings that could read as another type (a
 * seed "0x..." reads as an integer in YAML 1.1) are MP_FIELD_DQUOTED. */
enum mp_field_style {
    MP_FIELD_PLAIN,     /* key: value (numbers and identifiers) */
    MP_FIELD_SQUOTED,   /* key: 'value' */
    MP_FIELD_DQUOTED,   /* key: "value" */
    MP_FIELD_BLOCK,     /* key: |  then each line of the value, two spaces deeper */
    MP_FIELD_COUNTS     /* the value's lines are "COUNT<TAB>TEXT": written as a mapping
                         * under the key, "TEXT": COUNT two spaces deeper, TEXT quoted */
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
    double seconds;            /* JUnit: the testcase's time (0: unknown, written as 0) */
};

/* What a report is about. */
struct mp_report_meta {
    const char *title;         /* TAP: "# <title>" under the version line */
    const char *const *header; /* TAP only: more "# " lines under the title, NULL-terminated
                                * list, or NULL */
    const char *human_title;   /* human: the first line (NULL: title) */
    const char *suite;         /* JUnit: the <testsuite> name (NULL: title) */
    const char *all_passed;    /* human: the last line when no point failed (NULL: "all passed") */
    int tap_version;           /* TAP: 13 or 14 (0: MP_TAP_VERSION_DEFAULT) */
    bool color;                /* human: colour the verdict words (ANSI SGR) */
};

struct mp_reporter;
struct mp_buf;

/* Append the fields (those with a NULL value, or an empty
 * one in block style, left out) as a TAP YAML block: "  ---", one mapping
 * entry per field indented two spaces, "  ...".  Every value reads back as
 * given (a block value with exactly one final newline).  Returns 0. */
int mp_report_yaml(struct mp_buf *out, const struct mp_report_field *f, size_t n);

/* Start a report in format `f` on `stream` (never closed by the
 * reporter).  `meta` and its strings must live until mp_reporter_close().
 * *out belongs to the caller, who ends it with mp_reporter_close().
 * Returns 0, or MP_EINVAL (and *out NULL) for an unknown format. */
int mp_reporter_open(struct mp_reporter **out, enum mp_format f, FILE *stream, const struct mp_report_meta *meta);

/* The plan: `npoints` points in all.  Call it once, before the first point
 * or after the last; TAP writes it first either way (points reported
 * before it are kept until then). */
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
