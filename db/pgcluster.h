/* pgcluster.h - a disposable PostgreSQL cluster.
 *
 * initdb and postgres are found through `pg_config --bindir`, then
 * /usr/lib/postgresql/<newest>/bin, then PATH.  The data directory and the
 * unix socket live in a mkdtemp() directory (mode 0700) under /dev/shm when
 * it exists (tmpfs: 2-3x faster DDL than ext4) or $TMPDIR; the server
 * listens on no TCP address, runs with fsync off, and is started by exec and
 * polled with PQping.  initdb refuses to run as root, so when euid is 0 both
 * run as the `postgres` system user.  The cluster is stopped (SIGQUIT,
 * immediate shutdown) and its directory removed by mp_pgcluster_stop(), at
 * exit, and after SIGINT/SIGTERM (mp_pgcluster_interrupted()). */
#ifndef MP_PGCLUSTER_H
#define MP_PGCLUSTER_H

#include "error.h"

#include <stdbool.h>

struct mp_pgcluster;

/* Start a cluster. *out is the caller's, released by mp_pgcluster_stop().
 * On failure MP_EIO with a message that includes the tail of the server log;
 * nothing is left on disk. */
int mp_pgcluster_start(struct mp_pgcluster **out, bool quiet, struct mp_error *err);

/* libpq connection string for the cluster's "postgres" database. */
const char *mp_pgcluster_conninfo(const struct mp_pgcluster *c);

/* Stop the server, wait for it, remove the directory. NULL-safe, idempotent. */
void mp_pgcluster_stop(struct mp_pgcluster *c);

/* True once SIGINT or SIGTERM arrived; the signal handler has already sent
 * the running clusters an immediate shutdown. */
bool mp_pgcluster_interrupted(void);

#endif
