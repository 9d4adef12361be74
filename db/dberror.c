/* dberror.c - database errors as mp_error. */
#include "dberror.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

int mp_sqlite_error(void *db, int rc, struct mp_error *err)
{
    mp_error_set(err, MP_EDB, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (err)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%d", rc & 0xff);
    return MP_EDB;
}

int mp_pg_error(void *conn, const void *res, struct mp_error *err)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    char clean[1800];
    snprintf(clean, sizeof clean, "%s", msg && *msg ? msg : "unknown error");
    clean[strcspn(clean, "\n")] = '\0';
    mp_error_set(err, MP_EDB, "%s", clean);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (err && state)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    return MP_EDB;
}
