/* dialect.h - the two SQL dialects migprop speaks, named once for every layer. */
#ifndef MP_DIALECT_H
#define MP_DIALECT_H

/* The values are part of the runner's public API too (include/migprop/
 * runner.h, enum mp_runner_dialect, asserted equal in runner/api.c). */
enum mp_dialect { MP_SQLITE = 0, MP_POSTGRES = 1 };
#define MP_NDIALECTS 2

/* "sqlite" / "postgres". */
const char *mp_dialect_name(enum mp_dialect d);

#endif
