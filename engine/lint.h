/* lint.h - static checks over a migration directory: what each migration
 * creates, alters, drops and references, checked in the declared order, and
 * the dependency order the references imply.
 *
 * Every directory format the runner reads (migdir.h) is accepted.  Each up
 * section is analysed per statement:
 *  - PostgreSQL: parsed by PostgreSQL's own parser (libpg_query's
 *    pg_query_parse(), a JSON parse tree with statement locations); objects
 *    are read from the tree, and references are checked against the objects
 *    the earlier migrations (and the earlier statements of the same
 *    migration) created.
 *  - SQLite: the earlier migrations are applied to an in-memory shadow
 *    database and each statement of the next one is prepared
 *    (sqlite3_prepare_v2) and run there, so SQLite itself names a missing
 *    object; a light token scan of CREATE / ALTER / DROP statements finds
 *    the objects each migration creates, for "created later by" and for the
 *    dependency graph.
 *
 * Findings (code, severity):
 *   missing-reference  error    an object no earlier migration creates
 *   depends-on-later   error    ... that a later migration creates (named)
 *   cycle              error    migrations that reference each other's objects
 *   duplicate-version  error    two migrations with one version
 *   gap                error    a hole in an integer sequence 1, 2, 3, ...
 *   syntax-error       error    PostgreSQL's parser refused a statement
 *   sql-error          error    SQLite refused a statement in the shadow database
 *   destructive        warning  DROP TABLE, DROP COLUMN, a narrowing ALTER TYPE
 *   index-not-concurrent warning PostgreSQL: CREATE INDEX without CONCURRENTLY
 *                                on a table an earlier migration created
 *   volatile-default   warning  PostgreSQL: ADD COLUMN with a volatile default
 *   set-not-null       warning  PostgreSQL: SET NOT NULL without a validated
 *                                CHECK (col IS NOT NULL)
 * The lock rules follow the PostgreSQL documentation ("CREATE INDEX":
 * Building Indexes Concurrently; "ALTER TABLE": Notes) as squawk and Atlas
 * lint apply them. */
#ifndef MP_LINT_H
#define MP_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "error.h"
#include "fault.h"
#include "migdir.h"
#include "model.h"

enum mp_lint_severity { MP_LINT_ERROR, MP_LINT_WARNING };

/* "error", "warning". */
const char *mp_lint_severity_name(enum mp_lint_severity s);

struct mp_lint_finding {
    const char *file;      /* the file holding the statement (the up section's file) */
    long line;             /* 1-based line of the statement in `file` */
    const char *code;      /* "missing-reference", ... (the table above) */
    enum mp_lint_severity severity;
    const char *message;   /* one line, naming the objects and migrations */
    const char *migration; /* "<version as written>_<name>", or "" for the directory */
    long mig;              /* index in set.v, -1 for the directory */
};

struct mp_lint_result {
    struct mp_migset set;             /* the migrations, in declared (version) order */
    struct mp_lint_finding *v;        /* findings ordered by (migration, line) */
    size_t n, cap;
    size_t errors, warnings;
    size_t *order;                    /* dependency order: indices into set.v, set.n of them */
    bool order_differs;               /* order differs from the declared one */
    size_t *cycle;                    /* when the references form a loop: its members in */
    size_t ncycle;                    /* dependency order, and order is NULL */
};

/* Options of mp_lint_dir(); NULL or all zero: the defaults. */
struct mp_lint_options {
    enum mp_fault fault;   /* `migprop selftest` only (fault.h): MP_FAULT_LINT_ORDER_SWAP
                            * swaps the first adjacent pair of the order that depend on
                            * each other; MP_FAULT_NONE normally */
};

/* Lint directory `dir` (format detected as migdir.h does) for dialect `d`
 * with options `opt` (may be NULL) into *out, every allocation from `a`.  A duplicate version is a finding,
 * not a failure: the directory is then read from a scratch copy without the
 * second file, so the rest is still checked.  Returns 0 (findings or not),
 * or MP_EINVAL / MP_EIO when the directory is missing or cannot be read at
 * all (the message names the file). */
int mp_lint_dir(struct mp_arena *a, const char *dir, enum mp_dialect d, const struct mp_lint_options *opt,
                struct mp_lint_result *out, struct mp_error *err);

#endif
