/* dberror.h - a database's own error as an mp_error, one helper per
 * dialect, shared by the backends and the catalog readers. */
#ifndef MP_DBERROR_H
#define MP_DBERROR_H

#include "error.h"

/* Fill `err` with SQLite's message for `db` (or, when db is NULL, for the
 * result code `rc`) and the primary result code as err->sqlstate; returns
 * MP_EDB.  `db` is a sqlite3 *. */
int mp_sqlite_error(void *db, int rc, struct mp_error *err);

/* Fill `err` with the first line of libpq's message for `res` (or, when res
 * is NULL, for the connection) and its SQLSTATE; returns MP_EDB.  `conn` is
 * a PGconn *, `res` a const PGresult * or NULL. */
int mp_pg_error(void *conn, const void *res, struct mp_error *err);

#endif
