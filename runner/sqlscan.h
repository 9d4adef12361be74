/* sqlscan.h - statement boundaries in a PostgreSQL script, for messages and
 * for statements that must run alone.
 *
 * migprop runs a script through the database's own multi-statement handling
 * (libpq's simple query protocol, sqlite3_prepare_v2's tail) and never splits
 * it to execute it inside a transaction.  This scanner exists for two
 * narrower needs: turning "the k-th statement failed" into a line number,
 * and running a migration that opted out of the transaction, where
 * PostgreSQL refuses some statements (CREATE INDEX CONCURRENTLY, VACUUM)
 * inside the implicit transaction block of a multi-statement query string
 * (PostgreSQL docs, "Protocol: Multiple Statements in a Simple Query"), so
 * each statement must be sent alone, as psql does.
 *
 * Lexical rules, after PostgreSQL's docs "Lexical Structure" (4.1): string
 * constants '...' with '' doubled, E'...' with backslash escapes, quoted
 * identifiers "..." with "" doubled, dollar-quoted strings $tag$...$tag$,
 * -- line comments and nested block comments; a ';' outside all of them ends
 * a statement.  A BEGIN ATOMIC ... END function body (SQL-standard bodies,
 * PostgreSQL 14+) is tracked by counting BEGIN/CASE ... END as psql does. */
#ifndef MP_SQLSCAN_H
#define MP_SQLSCAN_H

#include <stddef.h>

/* One statement: [start, end) in the script, `end` just past its ';' (or the
 * end of the script); `line` is the 1-based line of its first token. */
struct mp_sql_stmt {
    size_t start, end;
    long line;
};

/* Scan `sql` (len bytes) into *out (malloc'd, caller frees), skipping empty
 * statements and statements made only of comments, as the server does.
 * Returns the number of statements, or -1 when out of memory. */
long mp_sql_statements(const char *sql, size_t len, struct mp_sql_stmt **out);

/* 1-based line of byte offset `off` in `sql`. */
long mp_sql_line_of(const char *sql, size_t off);

#endif
