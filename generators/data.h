/* data.h - rows for a start schema, and their canonical values.
 *
 * Values are kept in canonical text form (mp_value_canonical) so that rows
 * read back from either database compare by string equality.  Rows satisfy
 * the start schema's primary key, unique constraints, NOT NULL and foreign
 * keys (self-references point at earlier rows), and stay compatible with
 * the change set: a column that becomes NOT NULL holds no NULL, a column
 * that joins a unique constraint holds distinct values, and every value fits
 * its column's type. */
#ifndef MP_DATA_H
#define MP_DATA_H

#include "diff.h"
#include "prng.h"

/* One table's rows: rows[r][c] is the canonical value of column c (NULL for
 * SQL NULL), columns in `cols` order. */
struct mp_table_rows {
    const char *table;
    const char **cols;
    const struct mp_type *types;
    size_t ncols;
    const char ***rows;
    size_t nrows;
    bool overriding;   /* PostgreSQL: INSERT ... OVERRIDING SYSTEM VALUE (an identity ALWAYS column) */
};

struct mp_dataset {
    struct mp_table_rows *v;
    size_t n;
};

/* Generate up to `max_rows` rows per table of `start` (fewer where a unique
 * or foreign key leaves no more valid rows), in an order that satisfies the
 * foreign keys, compatible with the change to `desired` under `hints`
 * (desired may be NULL: then every column is treated as becoming NOT NULL
 * and unique).  Deterministic for a given rng state.  Memory from `a`. */
void mp_data_gen(struct mp_arena *a, struct mp_rng *r, const struct mp_schema *start, const struct mp_schema *desired,
                 const struct mp_renames *hints, size_t max_rows, struct mp_dataset *out);

/* INSERT statements for `data` in dialect d (one multi-row INSERT per
 * table, in the dataset's order). */
void mp_data_sql(struct mp_buf *b, const struct mp_dataset *data, enum mp_dialect d);

/* Canonical text of a value read back from a database as text, for a
 * column of type t: integers as digits, numerics without trailing zeros,
 * doubles through %.17g, booleans "true"/"false" (from t/f/1/0), bytes as
 * lower-case hex (PostgreSQL's "\x" prefix dropped), text as is.  NULL in,
 * NULL out.  Result in `a`. */
const char *mp_value_canonical(struct mp_arena *a, const struct mp_type *t, const char *text);

/* Canonical value of a column default's SQL ('it''s', 42, true, 1.5), or
 * NULL when it is not a plain literal. */
const char *mp_default_canonical(struct mp_arena *a, const struct mp_type *t, const char *default_sql);

#endif
