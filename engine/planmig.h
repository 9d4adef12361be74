/* planmig.h - a plan as a migration set, so every trial runs through the
 * executor exactly as a user's migrations would. */
#ifndef MP_PLANMIG_H
#define MP_PLANMIG_H

#include "diff.h"
#include "migdir.h"
#include "plan.h"

/* Where a step landed: migration index and the 1-based line of its first
 * comment line in that migration's up section. */
struct mp_step_pos {
    long mig;
    long line;
};

/* Split plan `p` into `parts` (>= 1, at most p->n when p->n > 0)
 * consecutive migrations, versions 1..parts, named "plan_part_<i>"; each
 * starts with "-- migprop:foreign-keys-off" when p rebuilds tables on
 * SQLite (migdir.h).  With `dir` the migrations are written there (pairs
 * format; the directory must not exist) and *out is read back from it by
 * mp_migdir_read(), so discovery is exercised too; without, *out is built in
 * memory with identical content.  (*pos)[i] gives step i's place.
 * Memory from `a`.  MP_EIO naming the path when writing fails. */
int mp_plan_migset(struct mp_arena *a, const struct mp_plan *p, size_t parts, const char *dir, struct mp_migset *out,
                   struct mp_step_pos **pos, struct mp_error *err);

/* Give every migration of `set` (made by mp_plan_migset() from plan `p`
 * with `parts` parts, planned from `start`) a down section: the solver's
 * plan from the schema after the part back to the schema before it, with
 * rename hints that follow each table, column and index through the
 * part's steps, narrowing casts allowed (they undo widenings), and the
 * foreign-keys-off directive where it rebuilds SQLite tables.  A part that
 * cannot be reversed (a dropped NOT NULL column without a default, say)
 * keeps an empty down, which makes it irreversible; *irreversible counts
 * them.  `fault`: a planted self-test fault carried into the downs' SQL
 * (MP_FAULT_DOWN_FORGETS_INDEX leaves their ADD INDEX out); MP_FAULT_NONE
 * normally.  Memory from `a`. */
int mp_plan_migset_downs(struct mp_arena *a, const struct mp_schema *start, const struct mp_schema *desired,
                         const struct mp_renames *hints, const struct mp_plan *p, size_t parts, enum mp_fault fault,
                         struct mp_migset *set, size_t *irreversible, struct mp_error *err);

/* The step whose text holds line `line` of migration `mig`, or -1. */
long mp_plan_step_at(const struct mp_plan *p, const struct mp_step_pos *pos, long mig, long line);

#endif
