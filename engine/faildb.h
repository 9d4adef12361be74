/* faildb.h - the failure database (after Hypothesis's example database):
 * every shrunk failing case is kept under one directory, by default
 * .migprop/failures/, as <sha256>.case, the SHA-256 of the case file
 * without its [meta] section but for the property and backend lines (so
 * the same minimal case found by two runs, with two run seeds, is one
 * entry; failing two properties, two).  `check` replays the saved cases
 * first; a case that passes MP_FAILDB_FIXED_AFTER runs in a row is
 * deleted.  The streak lives next to the case in <sha256>.passes (one
 * decimal number). */
#ifndef MP_FAILDB_H
#define MP_FAILDB_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define MP_FAILDB_DEFAULT_DIR ".migprop/failures"
#define MP_FAILDB_FIXED_AFTER 3 /* passing runs in a row before a saved case is deleted */

/* Copy the case file at `path` into `dir` (made if missing) as
 * <hash>.case unless a case with that hash is there.  `hash` (optional,
 * 65 bytes) gets the hash.  Returns 0, or MP_EIO with `err` naming the
 * file. */
int mp_faildb_save(const char *dir, const char *path, char *hash, struct mp_error *err);

/* The saved cases' paths ("dir/<hash>.case"), sorted: *out is a malloc'd
 * array of *n malloc'd strings, freed with mp_faildb_list_free().  A
 * missing directory is an empty list.  Returns 0, or MP_EIO. */
int mp_faildb_list(const char *dir, char ***out, size_t *n, struct mp_error *err);
void mp_faildb_list_free(char **v, size_t n);

/* Passing runs in a row recorded for the saved case at `case_path`. */
unsigned long mp_faildb_streak(const char *case_path);

/* Record one run's verdict of a saved case: a pass adds one to the
 * streak, and when it reaches `fixed_after` (0: MP_FAILDB_FIXED_AFTER) the
 * case is deleted unless `keep`; a failure sets the streak to 0.  Returns
 * 1 when the case was deleted, 0 when not, MP_EIO on a file error. */
int mp_faildb_record(const char *case_path, bool passed, unsigned fixed_after, bool keep, struct mp_error *err);

/* Delete a saved case and its streak.  Returns 0, or MP_EIO. */
int mp_faildb_remove(const char *case_path, struct mp_error *err);

#endif
