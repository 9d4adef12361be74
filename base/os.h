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
 * with mkdtemp(3), owned by this process: it holds a lock file
 * (MP_SCRATCH_OWNER_FILE, the owner's pid, flock(2)ed for the life of the
 * process), so a later migprop can tell a directory whose owner was killed
 * (SIGKILL leaves no chance to clean up) from one in use, and remove it
 * (mp_scratch_sweep()).  The first call in a process sweeps first.  *out is
 * malloc'd, owned by the caller; remove the directory with mp_rmtree().
 * MP_EIO naming the path on failure (nothing is left behind). */
int mp_scratch_mkdtemp(const char *prefix, char **out, struct mp_error *err);

/* The owner lock file inside each scratch directory. */
#define MP_SCRATCH_OWNER_FILE ".migprop-owner"

/* Remove the scratch directories "<mp_scratch_dir()>/migprop-*" whose
 * owner is gone: those holding an owner file that nobody has locked.  A
 * directory without an owner file, or whose owner still runs, is left
 * alone, as is anything this user may not open.  Returns the number
 * removed. */
int mp_scratch_sweep(void);

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

/* Largest file mp_read_file() reads by default (MP_READ_MAX_DEFAULT). */
#define MP_READ_MAX_DEFAULT (256u * 1024 * 1024)

/* Read the whole regular file `path` as text: *out (malloc'd, owned by the
 * caller, NUL-terminated) and *len (may be NULL).  The file is opened with
 * O_NONBLOCK | O_NOCTTY and checked with fstat before anything is read, so
 * a directory, FIFO, socket or device (say a symbolic link to /dev/zero) is
 * refused without blocking or reading forever; files above `max` bytes (0:
 * MP_READ_MAX_DEFAULT) are refused; a NUL byte is refused naming the line
 * ("FILE:LINE: NUL byte"), since everything migprop reads is text and a
 * NUL would silently cut it short.  MP_EIO (open, read, type, size) or
 * MP_EINVAL (NUL), the message naming the path. */
int mp_read_file(const char *path, size_t max, char **out, size_t *len, struct mp_error *err);

/* strdup(3) that aborts on allocation failure (arena.h's policy); NULL
 * gives "".  The caller frees the result. */
char *mp_xstrdup(const char *s);

/* As mp_xstrdup() for the first `n` bytes of `s`. */
char *mp_xstrndup(const char *s, size_t n);

#endif
