/* notvalid.h - PostgreSQL constraints added NOT VALID and never validated. */
#ifndef MP_NOTVALID_H
#define MP_NOTVALID_H

#include <stddef.h>

#include "arena.h"
#include "error.h"

/* The constraints of the connection's current schema whose
 * pg_constraint.convalidated is false (ALTER TABLE ... ADD CONSTRAINT ...
 * NOT VALID, never followed by VALIDATE CONSTRAINT), as "table.constraint"
 * names sorted, in `a`; *out gets the array, *n its length.  `pgconn` is a
 * PGconn * the caller owns; the query only reads pg_catalog.  MP_EDB with
 * the server's message when it fails. */
int mp_pg_not_valid(void *pgconn, struct mp_arena *a, const char ***out, size_t *n, struct mp_error *err);

#endif
