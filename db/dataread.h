/* dataread.h - read a database's rows back in canonical form. */
#ifndef MP_DATAREAD_H
#define MP_DATAREAD_H

#include "data.h"

/* Read every row of every table of `s` (columns in the schema's order) from
 * the connection `conn` (a sqlite3 * or a PGconn *; PostgreSQL: the current
 * schema) into *out, values canonical for the column types
 * (mp_value_canonical), rows sorted by their canonical text so two reads
 * compare regardless of physical order.  MP_EDB with the database's
 * message on failure. */
int mp_data_read(struct mp_arena *a, enum mp_dialect d, void *conn, const struct mp_schema *s, struct mp_dataset *out,
                 struct mp_error *err);

/* Sort a table's rows by their canonical text (NULL first). */
void mp_rows_sort(struct mp_table_rows *t);

/* One line per row: values separated by " | ", NULL as "NULL". */
const char *mp_row_text(struct mp_arena *a, const struct mp_table_rows *t, size_t row);

#endif
