/* backend.h - one interface over the databases migprop drives.
 *
 * A backend is opened once per run and gives each trial a fresh, isolated
 * database: SQLite opens a new in-memory database per trial; PostgreSQL keeps
 * a connection for a few dozen trials (a new one costs cold catalog caches, a
 * long-lived one slows down as it caches foreign-key plans: backend_pg.c) and
 * runs each trial in one transaction that is rolled back at the end, in an
 * empty schema of the connection's own on the disposable cluster (dropped with
 * the connection), in a schema of the trial's own made inside that transaction
 * on a server given with --pg-url, so nothing is left behind there. */
#ifndef MP_BACKEND_H
#define MP_BACKEND_H

#include "model.h"

struct mp_backend;

/* Options of mp_backend_open(); 0/NULL fields mean the default. */
struct mp_backend_config {
    const char *pg_url;   /* PostgreSQL: use this server instead of a disposable cluster */
    bool quiet;           /* no progress messages on stderr */
    /* SQLite: stop a trial once its statements have run about this many
     * virtual machine steps in all (sqlite3_progress_handler, callbacks every 1000 steps;
     * SQLITE_INTERRUPT "interrupted"); 0: no limit.  For DDL nobody vouches
     * for (the fuzz targets), where a recursive CTE could run forever. */
    unsigned long step_limit;
};

/* Open a backend of dialect `d`.  For PostgreSQL without pg_url this starts
 * the disposable cluster (pgcluster.h).  *out belongs to the caller, freed
 * with mp_backend_close().  MP_EIO / MP_EDB with a message on failure. */
int mp_backend_open(enum mp_dialect d, const struct mp_backend_config *cfg,
                    struct mp_backend **out, struct mp_error *err);

/* Close the backend, stopping and removing a disposable cluster. NULL-safe. */
void mp_backend_close(struct mp_backend *b);

enum mp_dialect mp_backend_dialect(const struct mp_backend *b);

/* Start a trial: a fresh, empty database (or schema).  MP_EDB on failure. */
int mp_backend_begin(struct mp_backend *b, struct mp_error *err);

/* Execute `sql`, which may hold several statements, with the database's own
 * statement splitting (libpq simple query protocol; sqlite3_prepare_v2 and
 * its tail).  MP_EDB with the database's message and err->sqlstate (SQLSTATE,
 * or the SQLite primary result code) on failure. */
int mp_backend_exec(struct mp_backend *b, const char *sql, struct mp_error *err);

/* Run a query whose first column of each row is text; append each row's
 * first column and a newline to `out` (PRAGMA foreign_key_check and the
 * like).  Returns the number of rows or a negative code. */
long mp_backend_query_rows(struct mp_backend *b, const char *sql, struct mp_buf *out,
                           struct mp_error *err);

/* Read the trial's schema from the catalogs into a new model in `a`
 * (PostgreSQL: pg_catalog, one round trip; SQLite: sqlite_schema and the
 * pragma table-valued functions).  Primary-key and unique constraint names
 * are kept where the catalog has them. */
int mp_backend_introspect(struct mp_backend *b, struct mp_arena *a, struct mp_schema **out,
                          struct mp_error *err);

/* Introspect through a connection the caller owns (a sqlite3 * or a
 * PGconn *; PostgreSQL: the current schema), as mp_backend_introspect().
 * migprop's bookkeeping tables (`_mp_migrations`, `_mp_runs`) and those in
 * `ignore` (NULL-terminated, may be NULL) are left out. */
int mp_introspect_conn(enum mp_dialect d, void *conn, const char *const *ignore, struct mp_arena *a,
                       struct mp_schema **out, struct mp_error *err);
int mp_introspect_sqlite(void *db, struct mp_arena *a, struct mp_schema **out, struct mp_error *err);
int mp_introspect_pg(void *pgconn, struct mp_arena *a, struct mp_schema **out, struct mp_error *err);

/* A token naming this process's objects on a shared server (schemas,
 * databases): the pid and random bits, as 16 hex digits, so runs on many
 * machines sharing one PostgreSQL never pick the same name.  Stable for the
 * life of the process (fork()ed workers get their own). */
const char *mp_process_token(void);

/* The connection of the current trial (sqlite3 * or PGconn *), for the
 * executor; owned by the backend. */
void *mp_backend_conn(struct mp_backend *b);

/* End the trial, discarding everything it created. */
void mp_backend_end(struct mp_backend *b);

/* Implementation table (backend_sqlite.c, backend_pg.c). */
struct mp_backend_impl {
    int (*begin)(struct mp_backend *, struct mp_error *);
    int (*exec)(struct mp_backend *, const char *, struct mp_error *);
    long (*query_rows)(struct mp_backend *, const char *, struct mp_buf *, struct mp_error *);
    int (*introspect)(struct mp_backend *, struct mp_arena *, struct mp_schema **, struct mp_error *);
    void (*end)(struct mp_backend *);
    void (*close)(struct mp_backend *);
    void *(*conn)(struct mp_backend *);
};

struct mp_backend {
    const struct mp_backend_impl *impl;
    enum mp_dialect dialect;
    const char *conninfo;   /* PostgreSQL: how to reach the server (for extra sessions); NULL for SQLite */
};

int mp_backend_sqlite_open(const struct mp_backend_config *cfg, struct mp_backend **out,
                           struct mp_error *err);
int mp_backend_pg_open(const struct mp_backend_config *cfg, struct mp_backend **out,
                       struct mp_error *err);

#endif
