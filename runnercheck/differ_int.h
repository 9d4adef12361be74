/* differ_int.h - what the files of `migprop differ-check` share: the
 * adapter (differ_adapter.c), one trial (differ_trial.c) and the command
 * (differ_check.c).  Not for other folders: they use differ.h. */
#ifndef MP_DIFFER_INT_H
#define MP_DIFFER_INT_H

#include "runnercheck_int.h"

#define MP_DC_MAX_EXIT_OK 16
#define MP_DC_MAX_UNSUPPORTED 8

/* How to drive a schema-diff tool (differ.h describes the keys). */
struct mp_dc_adapter {
    const char *name;
    const char *diff;            /* shell command template */
    int exit_ok[MP_DC_MAX_EXIT_OK];
    size_t nexit_ok;
    bool backend[MP_NDIALECTS];
    const char *renames;         /* hint arguments template, or NULL */
    const char *unsupported[MP_DC_MAX_UNSUPPORTED]; /* texts saying "cannot express" */
    size_t nunsupported;
    const char *prelude, *postlude; /* or NULL */
    const char *url[MP_NDIALECTS];
};

/* The built-in profile `name` into *out; -1 when there is none. */
int mp_dc_profile(const char *name, struct mp_dc_adapter *out);

/* The names of the built-in profiles, for messages. */
const char *mp_dc_profile_names(void);

/* Read an adapter file (differ.h) into *out, strings in a.  MP_EIO or
 * MP_EINVAL naming the file and line. */
int mp_dc_adapter_read(struct mp_arena *a, const char *path, struct mp_dc_adapter *out, struct mp_error *err);

/* The diff template with `renames` in place of {renames} (appended when
 * there is none; "" when the tool takes no hints), in a. */
const char *mp_dc_command(struct mp_arena *a, const struct mp_dc_adapter *ad);

/* Is `st` one of the adapter's successful exit statuses? */
bool mp_dc_exit_ok(const struct mp_dc_adapter *ad, int st);

/* Does the tool's stdout `out` or stderr `err` say that it cannot
 * express the change (one of the adapter's `unsupported` texts)? */
bool mp_dc_unsupported(const struct mp_dc_adapter *ad, const char *out, const char *err);

/* The tool's stdout without its prelude and postlude lines, in a. */
const char *mp_dc_strip(struct mp_arena *a, const struct mp_dc_adapter *ad, const char *out);

/* The checks, in the order a trial makes them. */
enum mp_dc_check { MP_DC_TOOL_ERROR, MP_DC_SQL_FAILS, MP_DC_SCHEMA_DIFFERS, MP_DC_ROWS_LOST, MP_DC_RENAME_LOSES,
                   MP_DC_NCHECKS };

/* A check's name ("sql_fails"). */
const char *mp_dc_check_name(enum mp_dc_check k);

/* What one trial found. */
struct mp_dc_result {
    bool found[MP_DC_NCHECKS];
    const char *what[MP_DC_NCHECKS];  /* the finding, several lines */
    const char *kind[MP_DC_NCHECKS];  /* what a shrunk pair must reproduce */
    bool unsupported;                 /* the tool said it cannot express the change */
    bool discarded;                   /* the pair could not be set up: no verdict */
    int exit;                         /* the tool's exit status */
    const char *cmd, *sql, *err;      /* the expanded command, its stdout (stripped) and stderr */
    const char *from_sql, *to_sql, *rows_sql, *renames_txt; /* what the trial was made of */
};

/* The context of a tool on one backend. */
struct mp_dc {
    struct mp_rc c;                   /* databases, placeholders, commands (runnercheck_int.h) */
    struct mp_rc_adapter rcad;        /* the database URL forms for mp_rc_fresh() */
    const struct mp_dc_adapter *ad;
    const char *cmd;                  /* mp_dc_command() */
};

/* Run the pair (cs, data) once: fresh FROM and TO databases, the tool, its
 * SQL applied to FROM, the checks; the databases are dropped afterwards.
 * Returns 0, or 2 on trouble of our own (with a message on stderr). */
int mp_dc_trial(struct mp_dc *x, const struct mp_case *cs, const struct mp_dataset *data, struct mp_dc_result *r);

#endif
