/* check_dir.h - `migprop check --dir DIR` and `migprop replay DIR.case` (check_dir.c). */
#ifndef MP_CHECK_DIR_H
#define MP_CHECK_DIR_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

/* Run the directory properties named in `props` (comma list; NULL: all)
 * over the history in `dir` with the seed, iterations, format, shrink
 * budget, output directory and backends of `run` (check.c parsed and
 * opened them).  Exit status: 0 all held, 1 one failed, 2 usage or
 * infrastructure error. */
int mp_check_dir(const char *dir, const char *props, const char *expect_schema, bool fail_on_drop,
                 const struct mp_run_config *run, FILE *out);

/* `migprop replay DIR.case` for a case directory written by check --dir;
 * the exit status of mp_dircheck_replay(). */
int mp_replay_dir(const char *casedir, const char *pg_url);

#endif
