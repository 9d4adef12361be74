/* catalog_pg_type.h - enum types and domains from the PostgreSQL catalogs
 * into the model (model_type.h): the catalog reader's queries for them and
 * the reading of their rows. */
#ifndef MP_CATALOG_PG_TYPE_H
#define MP_CATALOG_PG_TYPE_H

#include <libpq-fe.h>

#include "model_type.h"

/* The catalog reader's queries for types (catalog_pg.c sends them in its
 * one batch): MP_PG_TYPE_NRESULTS result sets, in this order -
 *  1. enums of the current schema: (typname, enumlabel or NULL for an enum
 *     without labels), by name then pg_enum.enumsortorder;
 *  2. domains: (typname, format_type(typbasetype, typtypmod), typnotnull,
 *     the default deparsed, the collation when it is not the base type's);
 *  3. the domains' CHECK constraints (pg_constraint.contypid): (typname,
 *     conname, pg_get_expr(conbin), convalidated).
 * Types an extension owns are left out (pg_depend deptype 'e'). */
extern const char mp_pg_type_queries[];
#define MP_PG_TYPE_NRESULTS 3

/* Add the types of the three result sets above to `s` (strings copied
 * into `a`, check expressions in normal form, sqlexpr.h). */
void mp_pg_read_types(struct mp_arena *a, struct mp_schema *s, PGresult *enums, PGresult *domains,
                      PGresult *checks);

#endif
