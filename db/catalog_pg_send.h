/* catalog_pg_send.h - how the PostgreSQL catalog reader sends its
 * statements: as prepared statements of the connection, prepared the first
 * time a connection reads a catalog and executed in one round trip
 * (libpq pipeline mode) every time, so that a connection that reads its
 * schema several times (a trial: after the plan, after the second run,
 * after the down migrations) parses and plans the reader's large queries
 * once, not at every read. */
#ifndef MP_CATALOG_PG_SEND_H
#define MP_CATALOG_PG_SEND_H

#include "error.h"

/* Run the statements of `sql` (several, separated by semicolons; split
 * with libpg_query's parser, pg_query_split_with_parser, once per process
 * and text) on `conn` (a PGconn * with nothing in flight) and store their
 * results, one PGresult * per statement in order, in res[0 .. *n - 1]
 * (at most `max`; results past `max` are cleared).  Each statement is a
 * prepared statement of the connection named mp_catalog_<k> (the protocol's
 * Parse, not SQL PREPARE: it survives a rolled-back transaction, and the
 * connection forgets it when it is reset or closed, PostgreSQL "Extended
 * Query"); the plan PostgreSQL caches for it is kept until the search path
 * or a schema changes (plancache.c: a statement without parameters always
 * uses its generic plan).  The results are what a simple query of `sql`
 * returns (text format), with the same error: 0, or MP_EDB with the first
 * failing statement's message and SQLSTATE (statements after it are not
 * run).  The caller PQclear()s the *n results, also on error.  `sql` must
 * stay the same text for the life of the process (the split is cached by
 * its address and checked by its content). */
int mp_pg_catalog_send(void *conn, const char *sql, void **res, int max, int *n, struct mp_error *err);

#endif
