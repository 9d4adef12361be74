/* runnercheck_int.h - what the files of `migprop runner-check` share: the
 * adapter (adapter.c), the context of one runner on one backend
 * (context.c), the checks (checks.c) and the command sequences
 * (sequences.c).  Not for other folders: they use runner_check.h. */
#ifndef MP_RUNNERCHECK_INT_H
#define MP_RUNNERCHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"

/* How to drive a runner (runner_check.h describes the fields and the
 * adapter file syntax). */
struct mp_rc_adapter {
    const char *name;
    enum mp_migstyle style;
    const char *up, *down;       /* shell command templates; down may be NULL */
    const char *tracking;        /* the runner's own tables, comma-separated */
    const char *url[MP_NDIALECTS];
    const char *config;          /* configuration file template, or NULL */
};

/* Something a runner got wrong, with where its migrations were kept. */
struct mp_rc_finding {
    const char *check, *what, *repro, *output;
};

/* The context of one runner on one backend.  Strings live in `a`. */
struct mp_rc {
    struct mp_arena *a;
    const struct mp_rc_adapter *ad;
    enum mp_dialect d;
    const char *work;            /* scratch directory */
    const char *out_dir;         /* findings */
    const char *pg_conninfo;     /* server (keyword string) */
    const char *host, *user;
    const char *self;            /* this binary */
    unsigned long n;             /* fresh databases made */
    /* the current database */
    const char *db, *path, *dsn, *url, *dir, *config;
    struct mp_rc_finding *f;
    size_t nf, capf;
    struct mp_reporter *rep;     /* one point per check */
};

/* ---- adapter.c: built-in profiles, adapter files, placeholders, commands ---- */

/* The built-in adapter called `name` (migprop, dbmate, sql-migrate), or NULL. */
const struct mp_rc_adapter *mp_rc_profile(const char *name);

/* Read an adapter file into *out (strings in `a`).  MP_EIO or MP_EINVAL
 * naming the file and line. */
int mp_rc_adapter_read(struct mp_arena *a, const char *path, struct mp_rc_adapter *out, struct mp_error *err);

/* `s` without leading and trailing blanks (in place). */
char *mp_rc_trim(char *s);

/* Template `tpl` with its placeholders substituted from c's current
 * database; with `quote` each value is shell-quoted (adapter.c has the one
 * quoting function for the shell).  In c->a. */
const char *mp_rc_expand(struct mp_rc *c, const char *tpl, bool quote);

/* Start the expanded command `cmd` under /bin/sh (see adapter.c); -1 when
 * fork fails. */
pid_t mp_rc_spawn(struct mp_rc *c, const char *cmd, const char *log, bool group);

/* Run template `tpl`; its exit status (128+N for signal N, 124 after the
 * timeout), its output in *output when given. */
int mp_rc_run(struct mp_rc *c, const char *tpl, const char **output);

/* ---- context.c: fresh databases, our view of them, findings ---- */

/* A new empty database and migrations directory; writes the config file. */
int mp_rc_fresh(struct mp_rc *c, struct mp_error *err);

/* Drop the current PostgreSQL database (SQLite files go with the work
 * directory). */
void mp_rc_drop_db(struct mp_rc *c);

/* Run `sql` on the current database through our own connection. */
int mp_rc_setup_sql(struct mp_rc *c, const char *sql, struct mp_error *err);

/* The current database's schema, the runner's tracking tables left out;
 * NULL with err set. */
const struct mp_schema *mp_rc_schema_now(struct mp_rc *c, struct mp_error *err);

/* The single number `sql` returns, or -1. */
long mp_rc_count(struct mp_rc *c, const char *sql);

/* Write migration version v in the adapter's layout.  Returns 0, or 2
 * (the exit status) after a message on stderr. */
int mp_rc_write_mig(struct mp_rc *c, unsigned v, const char *name, const char *up, const char *down, bool notx);

/* Record a finding of `check`, keeping the migrations, the configuration
 * and a README under c->out_dir. */
void mp_rc_finding(struct mp_rc *c, const char *check, const char *what, const char *output);

/* Report check `check`: failing when findings were added since `before`. */
void mp_rc_point(struct mp_rc *c, const char *check, size_t before);

/* ---- checks.c: each returns 0, or 2 on trouble of our own ---- */

int mp_rc_check_histories(struct mp_rc *c, unsigned long iterations, uint64_t seed);
int mp_rc_check_exactly_once(struct mp_rc *c, bool notx);
int mp_rc_check_failing(struct mp_rc *c);
int mp_rc_check_tamper(struct mp_rc *c);
int mp_rc_check_semicolons(struct mp_rc *c);

/* ---- sequences.c: stateful command sequences against a model ---- */

enum mp_rc_cmd { MP_RC_ADD, MP_RC_UP, MP_RC_DOWN, MP_RC_EDIT, MP_RC_DELETE, MP_RC_OLDER, MP_RC_CONCURRENT,
                 MP_RC_KILL, MP_RC_NCMDS };

/* `rounds` random sequences; a failing one is shrunk, kept as a finding
 * and written as a .runcase file.  0, or 2. */
int mp_rc_check_sequences(struct mp_rc *c, unsigned rounds, uint64_t seed);

/* The command named `name` ("add", "two-runners", ...), or -1. */
int mp_rc_cmd_parse(const char *name);

/* The name of command `cmd`. */
const char *mp_rc_cmd_name(enum mp_rc_cmd cmd);

/* Run `cmds` from scratch on a fresh database: NULL when the runner kept
 * to the model, else the violation, with *at the failing command and
 * *output the runner's last output. */
const char *mp_rc_sequence_run(struct mp_rc *c, const enum mp_rc_cmd *cmds, size_t n, uint64_t seed, size_t *at,
                               const char **output);

#endif
