/* pgcluster.h - a disposable PostgreSQL cluster.
 *
 * initdb and postgres are found through `pg_config --bindir`, then
 * /usr/lib/postgresql/<newest>/bin, then PATH.  The data directory and the
 * unix socket live in a mkdtemp() directory (mode 0700) under /dev/shm when
 * it exists (tmpfs: 2-3x faster DDL than ext4) or $TMPDIR; the server
 * listens on no TCP address, runs with fsync off, and is started by exec and
 * polled with PQping.  The directory carries an owner lock (base/os.h), so
 * one left by a killed migprop is removed by the next.  The pristine data
 * directory cache is used only while it matches the manifest written when
 * it was made.  initdb refuses to run as root, so when euid is 0 both
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

/* The role trials run as (see mp_pgcluster_trial_conninfo()). */
#define MP_PGCLUSTER_TRIAL_ROLE "migprop_trial"

/* How long a starting server may take to answer. */
#define MP_PGCLUSTER_START_TIMEOUT_S 30.0

/* How long an immediate shutdown may take before the server is killed. */
#define MP_PGCLUSTER_STOP_TIMEOUT_S 5.0

/* libpq connection string for the cluster's "postgres" database as the
 * superuser "postgres": for the user's own commands (`migprop cluster`) and
 * for administration (creating databases for runner checks). */
const char *mp_pgcluster_conninfo(const struct mp_pgcluster *c);

/* libpq connection string for the same database as MP_PGCLUSTER_TRIAL_ROLE,
 * a role without superuser that may create schemas and databases: what
 * trials, case files and DDL files given to `plan` run as, so that COPY ...
 * PROGRAM, server-file access, untrusted languages and untrusted
 * extensions are refused by the server itself. */
const char *mp_pgcluster_trial_conninfo(const struct mp_pgcluster *c);

/* Stop the server, wait for it, remove the directory. NULL-safe, idempotent. */
void mp_pgcluster_stop(struct mp_pgcluster *c);

/* True once SIGINT or SIGTERM arrived; the signal handler has already sent
 * the running clusters an immediate shutdown. */
bool mp_pgcluster_interrupted(void);

/* The signal (SIGINT, SIGTERM) that interrupted, or 0. */
int mp_pgcluster_signal(void);

#endif
