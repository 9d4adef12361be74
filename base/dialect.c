/* dialect.c - dialect names (see dialect.h). */
#include "dialect.h"

const char *mp_dialect_name(enum mp_dialect d)
{
    return d == MP_POSTGRES ? "postgres" : "sqlite";
}
