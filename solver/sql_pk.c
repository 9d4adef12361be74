/* sql_pk.c - SQL of a primary-key change on PostgreSQL (sql.h); SQLite
 * changes a primary key by the table rebuild (sql.c). */
#include "sql.h"

void mp_sql_alter_pk(struct mp_buf *b, const struct mp_op *op)
{
    /* PostgreSQL "ALTER TABLE": several actions in one statement run as
     * one; DROP CONSTRAINT runs before ADD (the drop pass comes first), so
     * the new key may take the old key's name.  ADD PRIMARY KEY builds a
     * unique index over the rows: it fails (and the statement changes
     * nothing) when two rows share a key or a key column holds NULL. */
    mp_buf_add(b, "ALTER TABLE ");
    mp_buf_ident(b, op->table);
    const char *sep = " ";
    if (op->name) {
        mp_buf_add(b, " DROP CONSTRAINT ");
        mp_buf_ident(b, op->name);
        sep = ", ";
    }
    if (op->unique.cols.n) {
        mp_buf_add(b, sep);
        mp_buf_add(b, "ADD ");
        if (op->unique.name) {
            mp_buf_add(b, "CONSTRAINT ");
            mp_buf_ident(b, op->unique.name);
            mp_buf_addc(b, ' ');
        }
        mp_buf_add(b, "PRIMARY KEY ");
        mp_names_sql(b, &op->unique.cols);
    }
}
