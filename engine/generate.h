/* generate.h - incremental generation: the next migration of a directory,
 * from the schema its history builds (replayed in a shadow database) to a
 * desired schema, holding only the difference. */
#ifndef MP_GENERATE_H
#define MP_GENERATE_H

#include <stdbool.h>

#include "backend.h"
#include "diff.h"
#include "fault.h"
#include "migdir.h"

/* Options of mp_generate(). */
struct mp_generate_config {
    const char *dir;              /* the migration directory (any format migdir.h reads) */
    const char *desired;          /* the desired schema as a DDL file of the dialect */
    const struct mp_renames *hints; /* rename hints as `migprop plan --renames` reads them; may be NULL */
    /* optional */
    enum mp_fault fault;          /* `migprop selftest` only (fault.h): MP_FAULT_GENERATE_RECREATE
                                   * diffs from an empty schema instead of the history's */
};

/* What mp_generate() made.  All memory from the arena it was given. */
struct mp_generate_result {
    struct mp_migset set;         /* the directory as read (set.format: the format to write) */
    struct mp_schema *current;    /* the schema the history builds */
    struct mp_schema *desired;    /* the desired schema as the database reads it back */
    size_t steps;                 /* steps of the increment; 0: nothing to do */
    const char *up;               /* the increment's up section, each step with its
                                   * "-- step N:" comment; data-losing steps are preceded
                                   * by a "-- DATA LOSS: ..." line; NULL when steps is 0 */
    const char *down;             /* the down section (plan back, hints reversed), or NULL
                                   * when the increment cannot be reversed (it drops a table) */
    size_t data_loss;             /* steps that drop a table or column or narrow a type */
    const char *data_loss_text;   /* those steps, one "-- DATA LOSS: ..." line each, or "" */
    const char *version;          /* the version the new migration gets (mp_migdir_next_version()) */
};

/* Compute the next migration of cfg->dir for backend `b`'s dialect: replay
 * the history in a trial database (shadow.h), load cfg->desired in another,
 * diff them under the hints (narrowing type changes allowed, and counted as
 * data loss) and plan the difference (plan.h); the down is planned back from
 * the up plan's result to the history's schema (planmig.h's downs).
 * Nothing is written.  Errors: MP_EINVAL / MP_EIO for an unreadable directory
 * or file, MP_EDB for a migration or DDL statement the database refuses
 * ("FILE:LINE: message"), the diff's and planner's errors (MP_EINVAL,
 * MP_ECYCLE) naming the object. */
int mp_generate(struct mp_arena *a, struct mp_backend *b, const struct mp_generate_config *cfg,
                struct mp_generate_result *out, struct mp_error *err);

#endif
