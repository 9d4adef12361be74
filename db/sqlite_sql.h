/* sqlite_sql.h - a reader of SQLite's stored CREATE TABLE text for what the
 * pragmas do not show: a column's COLLATE, AUTOINCREMENT and generation
 * expression, and a foreign key's DEFERRABLE / INITIALLY DEFERRED / MATCH
 * (SQLite "CREATE TABLE" syntax diagrams; "PRAGMA foreign_key_list" has
 * `match` but no deferrability). */
#ifndef MP_SQLITE_SQL_H
#define MP_SQLITE_SQL_H

#include "model.h"
#include "sqlexpr.h" /* mp_sql_token_end(): the tokenizer of stored SQL text */

/* True when [p, e) is the keyword `w` (ASCII case-insensitive). */
bool mp_sqlite_is_word(const char *p, const char *e, const char *w);

/* `p` past white space. */
const char *mp_sqlite_skip_space(const char *p);

/* Fill the features of table `t` (already read through the pragmas, its
 * foreign keys included) from its CREATE TABLE text `sql`: per column
 * feat.collation, feat.autoincrement and feat.generated_sql (feat.generated
 * itself comes from table_xinfo), per foreign key deferrable,
 * initially_deferred and match_full (matched by columns and referenced
 * table).  A COLLATE inside a table constraint, which the model cannot
 * hold, is recorded on `s` as unmodelled.  Strings are copied into `a`. */
void mp_sqlite_read_features(struct mp_arena *a, struct mp_schema *s, struct mp_table *t, const char *sql);

#endif
