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

#include "buf.h"
#include "engine.h"

struct mp_pgcluster;
struct mp_target;

/* How to drive a runner (runner_check.h describes the fields and the
 * adapter file syntax). */
enum mp_rc_verfmt {
    MP_RC_VER_NUMBER,            /* 0010: decimal, zero-padded to 4 digits */
    MP_RC_VER_DIESEL,            /* 2024-01-01-000010 */
    MP_RC_VER_STAMP              /* 20240101000010: a 14-digit timestamp */
};

struct mp_rc_adapter {
    const char *name;
    enum mp_migstyle style;
    const char *up, *down;       /* shell command templates; down may be NULL */
    const char *tracking;        /* the runner's own tables, comma-separated */
    const char *url[MP_NDIALECTS];
    const char *config;          /* configuration file template, or NULL */
    /* the file layout (filled from `style` where an adapter leaves it out) */
    const char *up_file;         /* template with {version} {name}, relative to {dir} */
    const char *down_file;       /* NULL or equal to up_file: one file with both sections */
    const char *up_marker, *down_marker; /* lines opening the sections, or NULL */
    const char *notx_marker;     /* no-transaction: replaces up_marker, or is the up file's first line */
    enum mp_rc_verfmt verfmt;
    bool backend[MP_NDIALECTS];  /* backends the runner supports */
};

/* One migration written by runner-check, so that an edit or a delete
 * touches exactly its files and an edit lands inside its up section. */
struct mp_rc_mig {
    unsigned v;                  /* our number; the version text follows the adapter */
    const char *version, *name, *up, *down;
    bool notx;
    const char *up_path, *down_path; /* down_path NULL: in up_path (or none) */
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
    /* what the current database went through, for the repro folder */
    struct mp_rc_mig *migs;      /* migrations written, in writing order */
    size_t nmigs, capmigs;
    struct mp_buf setup;         /* SQL run through our own connection */
    struct mp_buf log;           /* runner commands (templates) and file changes, one a line */
    const char *start_sql, *rows_sql; /* the start schema and rows, when a check has them */
    unsigned rounds;             /* concurrency rounds */
    /* differ-check's placeholders ({from_url} ...; NULL: not substituted) */
    const char *from_url, *to_url, *from_file, *to_file, *renames_file;
};

/* ---- session.c: what a run of runner-check or differ-check sets up ---- */

/* The scratch directory (a new mp_scratch_mkdtemp() directory named from
 * `prefix`, *work malloc'd, the caller removes and frees it) and the path
 * of this binary (*self, in a: the {migprop} placeholder). */
int mp_rc_workspace(struct mp_arena *a, const char *prefix, char **work, const char **self, struct mp_error *err);

/* The PostgreSQL server of context c: `pg_url` (libpq keywords), or a
 * disposable cluster started into *cl (stopped by the caller); fills
 * c->pg_conninfo, c->host and c->user. */
int mp_rc_connect_pg(struct mp_rc *c, const char *pg_url, struct mp_pgcluster **cl, struct mp_error *err);

/* Is `name` in the comma-separated `list` (NULL: every name is)? */
bool mp_rc_list_has(const char *list, const char *name);

/* The first name of `list` that is none of names[0..n), or NULL (in a). */
const char *mp_rc_list_unknown(struct mp_arena *a, const char *list, const char *const *names, size_t n);

/* An --expect baseline: accepted findings as "tool/backend/check" lines. */
struct mp_rc_expect {
    char **keys;
    size_t n;
};

/* Read the baseline at `path` ('#' comments and blank lines skipped; NULL
 * path: empty) into *out (in a).  MP_EIO naming the file. */
int mp_rc_expect_read(struct mp_arena *a, const char *path, struct mp_rc_expect *out, struct mp_error *err);

/* Is "tool/backend/check" `key` in the baseline? */
bool mp_rc_expected(const struct mp_rc_expect *e, const char *key);

/* The findings table as report comments: "findings for TOOL: N", then one
 * line per finding (backend[i] its backend's name) with its repro folder,
 * "(expected)" when the baseline lists it.  Returns the number of findings
 * the baseline does not list. */
size_t mp_rc_findings_table(struct mp_reporter *rep, struct mp_arena *a, const char *tool,
                            const struct mp_rc_finding *f, const char *const *backend, size_t n,
                            const struct mp_rc_expect *e);

/* ---- adapter.c: built-in profiles, adapter files, placeholders, commands ---- */

/* The built-in adapter called `name` into *out, its layout filled in;
 * -1 when there is none. */
int mp_rc_profile(const char *name, struct mp_rc_adapter *out);

/* The names of the built-in profiles, for messages. */
const char *mp_rc_profile_names(void);

/* Read an adapter file into *out (strings in `a`).  MP_EIO or MP_EINVAL
 * naming the file and line. */
int mp_rc_adapter_read(struct mp_arena *a, const char *path, struct mp_rc_adapter *out, struct mp_error *err);

/* One "key: value" line of an adapter file. */
struct mp_rc_kv {
    char *key, *value;           /* trimmed, in the arena */
    int line;                    /* 1-based */
};

/* The "key: value" lines of the file at `path` ('#' comments and blank
 * lines skipped) into *out (*n of them, in a).  MP_EIO (unreadable, not a
 * regular file) or MP_EINVAL ("FILE:LINE: ..." for a line without ':' or a
 * NUL byte). */
int mp_rc_kv_read(struct mp_arena *a, const char *path, struct mp_rc_kv **out, size_t *n, struct mp_error *err);

/* A `backends:` value into backend[]: each dialect whose name it
 * contains.  -1 when it names none. */
int mp_rc_parse_backends(const char *v, bool backend[MP_NDIALECTS]);

/* `s` without leading and trailing blanks (in place). */
char *mp_rc_trim(char *s);

/* Template `tpl` with its placeholders substituted from c's current
 * database; with `quote` each value is shell-quoted (adapter.c has the one
 * quoting function for the shell).  In c->a. */
const char *mp_rc_expand(struct mp_rc *c, const char *tpl, bool quote);

/* Start the expanded command `cmd` under /bin/sh (see adapter.c); `gate`
 * a pipe whose write end's closing releases it, or NULL.  -1 when fork
 * fails. */
pid_t mp_rc_spawn(struct mp_rc *c, const char *cmd, const char *log, bool group, const int *gate);

/* Start `n` (at most 8) runners of the expanded `cmd` blocked on one pipe
 * and release them at once; wait for all.  *ok gets how many exited 0,
 * *failed_out (when not NULL) the output of the first that did not. */
void mp_rc_run_together(struct mp_rc *c, const char *cmd, int n, int *ok, const char **failed_out);

/* Run template `tpl`; its exit status (128+N for signal N, 124 after the
 * timeout), its output in *output when given. */
int mp_rc_run(struct mp_rc *c, const char *tpl, const char **output);

/* Run template `tpl` (logged in c->log) with its stdout and stderr kept
 * apart and whole: *out and *errout (in c->a), *cmd_out (may be NULL) the
 * expanded command.  Returns the exit status as mp_rc_run() does. */
int mp_rc_run_capture(struct mp_rc *c, const char *tpl, const char **out, const char **errout, const char **cmd_out);

/* ---- context.c: fresh databases, our view of them, findings ---- */

/* A new empty database and migrations directory; writes the config file. */
int mp_rc_fresh(struct mp_rc *c, struct mp_error *err);

/* Drop the current PostgreSQL database (SQLite files go with the work
 * directory). */
void mp_rc_drop_db(struct mp_rc *c);

/* Our own connection to the current database into *t (closed by the
 * caller with mp_target_close()). */
int mp_rc_open(struct mp_rc *c, struct mp_target **t, struct mp_error *err);

/* Run `sql` on the current database through our own connection. */
int mp_rc_setup_sql(struct mp_rc *c, const char *sql, struct mp_error *err);

/* The current database's schema, the runner's tracking tables left out;
 * NULL with err set. */
const struct mp_schema *mp_rc_schema_now(struct mp_rc *c, struct mp_error *err);

/* The current database's schema in canonical form followed by every
 * table's rows (sorted), the runner's tables left out: two states are
 * equal when the texts are.  In c->a; NULL with err set. */
const char *mp_rc_state(struct mp_rc *c, struct mp_error *err);

/* NULL when two mp_rc_state() texts are equal, else where they first
 * differ (in c->a). */
const char *mp_rc_state_diff(struct mp_rc *c, const char *want, const char *got);

/* The single number `sql` returns, or -1. */
long mp_rc_count(struct mp_rc *c, const char *sql);

/* ---- migfiles.c: migrations in the adapter's layout ---- */

/* Fill the layout fields `ad` leaves NULL from its style. */
void mp_rc_layout_defaults(struct mp_rc_adapter *ad);

/* Write migration number v (its version text in the adapter's format) in
 * the adapter's layout; down NULL: no down (an empty section or no down
 * file).  Returns 0, or 2 (the exit status) after a message on stderr. */
int mp_rc_write_mig(struct mp_rc *c, unsigned v, const char *name, const char *up, const char *down, bool notx);

/* The same with the version text given as is ("0", "02", "20240101000000"). */
int mp_rc_write_mig_raw(struct mp_rc *c, unsigned v, const char *version, const char *name, const char *up,
                        const char *down, bool notx);

/* The migration number v written last, or NULL. */
struct mp_rc_mig *mp_rc_mig_find(struct mp_rc *c, unsigned v);

/* Rewrite m with a comment line added at the end of its up section.  0 or 2. */
int mp_rc_mig_edit(struct mp_rc *c, struct mp_rc_mig *m);

/* Remove m's files (and its own directory, diesel style); m stays
 * recorded but no longer on disk (its paths become NULL). */
void mp_rc_mig_delete(struct mp_rc *c, struct mp_rc_mig *m);

/* Append template `tpl` for a shell script: each placeholder a
 * double-quoted reference to the script's variable of that name, every
 * other byte as is. */
void mp_rc_sh_template(struct mp_buf *b, const char *tpl);

/* Write `text` to the file at `path`.  MP_EIO naming it. */
int mp_rc_write_text(const char *path, const char *text, struct mp_error *err);

/* Record a finding of `check`, keeping the migrations, the configuration
 * and a README under c->out_dir. */
void mp_rc_finding(struct mp_rc *c, const char *check, const char *what, const char *output);

/* Report check `check`: failing when findings were added since `before`. */
void mp_rc_point(struct mp_rc *c, const char *check, size_t before);

/* ---- checks.c: each returns 0, or 2 on trouble of our own ---- */

int mp_rc_check_histories(struct mp_rc *c, unsigned long iterations, uint64_t seed);
int mp_rc_check_exactly_once(struct mp_rc *c, bool notx);
int mp_rc_check_failing(struct mp_rc *c);
int mp_rc_check_tamper(struct mp_rc *c, int kind); /* 0 edited, 1 deleted, 2 out of order, 3 duplicate */
int mp_rc_check_semicolons(struct mp_rc *c);
int mp_rc_check_irreversible(struct mp_rc *c);
int mp_rc_check_versions(struct mp_rc *c);
int mp_rc_check_noop(struct mp_rc *c);
int mp_rc_check_long(struct mp_rc *c);
int mp_rc_check_exit_code(struct mp_rc *c);

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
 * *output the runner's last output.  `keep`: leave the database for the
 * caller (mp_rc_drop_db) to keep as a finding. */
const char *mp_rc_sequence_run(struct mp_rc *c, const enum mp_rc_cmd *cmds, size_t n, uint64_t seed, size_t *at,
                               const char **output, bool keep);

/* Does the sequence run runners at once or kill one (an outcome that
 * varies from run to run)? */
bool mp_rc_seq_racy(const enum mp_rc_cmd *cmds, size_t n);

/* `msg` with every run of digits as "N" and every absolute path as "PATH"
 * (in a), so that two failures compare by their kind. */
const char *mp_rc_normalize(struct mp_arena *a, const char *msg);

#endif
