/* validate.h - a live database's schema against the schema it should have
 * (`migprop validate`): what a migration directory builds in a shadow
 * database, or an expected DDL file, compared object by object, each
 * difference a finding with a recommendation.
 *
 * Findings (kind: what, recommendation):
 *   missing-table, missing-column, missing-index, missing-constraint
 *       in the expected schema, not in the database: run the migrations
 *   extra-table, extra-column, extra-index, extra-constraint
 *       in the database only: drop it in a migration, or add it to them
 *       (constraints: primary key, unique, foreign key, and CHECK matched
 *       by expression; an extra CHECK names its DROP CONSTRAINT on
 *       PostgreSQL, a rebuild on SQLite)
 *   orphaned-index  an index on a table or column the expected schema lacks
 *   column-differs  type, NOT NULL or default differ
 *   not-valid       PostgreSQL: a constraint added NOT VALID and never
 *                   validated (pg_constraint.convalidated = false)
 *   unmodelled      objects the model does not hold (CHECK constraints,
 *                   views, triggers ...) that differ between the two sides:
 *                   never called clean */
#ifndef MP_VALIDATE_H
#define MP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "error.h"
#include "model.h"

struct mp_validate_finding {
    const char *kind;     /* "missing-table", ... (above) */
    const char *object;   /* "table \"t\"", "column \"t\".\"c\"", ... */
    const char *message;  /* one line naming the object and what differs */
    const char *fix;      /* one line: what to do */
};

struct mp_validate_result {
    struct mp_validate_finding *v;
    size_t n, cap;
    const char **unmodelled;   /* what the database holds that the model cannot (its unmodelled list) */
    size_t nunmodelled;
};

/* Compare `live` (read from the database) with `expected`, dialect d,
 * appending findings to *out (zeroed by the caller): the expected tables in
 * their order (columns, primary key, indexes, unique constraints, foreign
 * keys, CHECK constraints), then the database's extra tables, the NOT VALID constraints and
 * the unmodelled objects that differ; memory from `a`.  `from_dir`: the expected schema is a migration
 * directory's (the recommendations name `migprop migrate up`).
 * `not_valid` (may be NULL): the database's NOT VALID constraints as
 * "table.constraint" names, n of them. */
void mp_validate_compare(struct mp_arena *a, enum mp_dialect d, const struct mp_schema *expected,
                         const struct mp_schema *live, bool from_dir, const char *const *not_valid, size_t n,
                         struct mp_validate_result *out);

#endif
