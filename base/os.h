/* os.h - small operating-system helpers every layer shares: a monotonic
 * clock, scratch directories, mkdir -p, rm -r, copying files, strdup that
 * cannot fail.  None of them runs a shell. */
#ifndef MP_OS_H
#define MP_OS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Seconds on the monotonic clock (CLOCK_MONOTONIC), for durations and
 * deadlines; never goes backwards, unrelated to the time of day. */
double mp_now(void);

/* The directory scratch files go under: $MIGPROP_TMPDIR, else /dev/shm when
 * it is a writable directory (tmpfs: PERFORMANCE.md, lesson 1), else
 * $TMPDIR, else /tmp.  A static string; never NULL. */
const char *mp_scratch_dir(void);

/* Create a new private (0700) directory "<mp_scratch_dir()>/<prefix>XXXXXX"
 * with mkdtemp(3).  *out is malloc'd, owned by the caller.  MP_EIO naming
 * the path on failure. */
int mp_scratch_mkdtemp(const char *prefix, char **out, struct mp_error *err);

/* mkdir -p: create `dir` and its missing parents with mode 0777 (less the
 * umask).  An existing directory is fine; an existing non-directory is
 * MP_EIO naming it. */
int mp_mkdir_p(const char *dir, struct mp_error *err);

/* rm -r: remove `path` and everything under it, never following symbolic
 * links (nftw with FTW_PHYS | FTW_DEPTH).  A missing path is fine.
 * MP_EIO naming the first entry that could not be removed. */
int mp_rmtree(const char *path, struct mp_error *err);

/* Copy the regular file `from` to `to` (created or truncated, mode 0644).
 * MP_EIO naming the path that failed. */
int mp_copy_file(const char *from, const char *to, struct mp_error *err);

/* cp -r: copy the directory tree `from` to `to` (created; must not exist
 * yet), regular files and directories only; symbolic links and other
 * entries are MP_EIO naming them.  On failure `to` may be partly written. */
int mp_copy_tree(const char *from, const char *to, struct mp_error *err);

/* strdup(3) that aborts on allocation failure (arena.h's policy); NULL
 * gives "".  The caller frees the result. */
char *mp_xstrdup(const char *s);

/* As mp_xstrdup() for the first `n` bytes of `s`. */
char *mp_xstrndup(const char *s, size_t n);

#endif
