/* sqlscan.h - statement boundaries in a PostgreSQL script, for messages and
 * for statements that must run alone; the words of a statement, and which
 * statements control the transaction.
 *
 * migprop runs a script through the database's own multi-statement handling
 * (libpq's simple query protocol, sqlite3_prepare_v2's tail) and never splits
 * it to execute it inside a transaction.  This scanner exists for narrower
 * needs: turning "the k-th statement failed" into a line number; running a
 * migration that opted out of the transaction, where PostgreSQL refuses some
 * statements (CREATE INDEX CONCURRENTLY, VACUUM) inside the implicit
 * transaction block of a multi-statement query string (PostgreSQL docs,
 * "Protocol: Multiple Statements in a Simple Query"), so each statement must
 * be sent alone, as psql does; and finding the statements of a migration
 * that would end the runner's transaction (BEGIN, COMMIT, ...).
 *
 * Lexical rules, after PostgreSQL's docs "Lexical Structure" (4.1) and its
 * lexer (src/backend/parser/scan.l): string constants '...' with ''
 * doubled, E'...' with backslash escapes, quoted identifiers "..." with ""
 * doubled, dollar-quoted strings $tag$...$tag$ (a tag is an identifier
 * without '$', not starting with a digit; a '$' that continues an
 * identifier, as in a$b or col$1, starts no quote: identifiers may contain
 * '$'), -- line comments and nested block comments; a ';' outside all of
 * them ends a statement.  A BEGIN ATOMIC ... END function body (SQL-standard
 * bodies, PostgreSQL 14+) is tracked by counting BEGIN/CASE ... END as psql
 * does, and so is the BEGIN ... END body of SQLite's CREATE [TEMP] TRIGGER
 * (as sqlite3_complete() does).  One pass over the script: the scan is linear in its length. */
#ifndef MP_SQLSCAN_H
#define MP_SQLSCAN_H

#include <stdbool.h>
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

/* One token of a statement. */
enum mp_sql_tokkind {
    MP_SQL_TOK_WORD,   /* keyword or bare identifier (letters, digits, _, $, bytes >= 0x80) */
    MP_SQL_TOK_QIDENT, /* "quoted identifier" (also SQLite's `x` and [x]) */
    MP_SQL_TOK_STRING, /* 'string', E'string', $tag$string$tag$ */
    MP_SQL_TOK_NUMBER,
    MP_SQL_TOK_PUNCT   /* any other single byte */
};

struct mp_sql_tok {
    enum mp_sql_tokkind kind;
    size_t start, len; /* the token's bytes in the script, quotes included */
};

/* The token at or after *pos and before `end` (whitespace and comments
 * skipped) into *out, *pos moved past it.  False when none is left. */
bool mp_sql_next_token(const char *sql, size_t end, size_t *pos, struct mp_sql_tok *out);

/* Is token `t` the word `w` (ASCII case-insensitive)? */
bool mp_sql_tok_is(const char *sql, const struct mp_sql_tok *t, const char *w);

/* The identifier that token `t` names, unquoted ("a""b" gives a"b), into
 * out (cap bytes, NUL-terminated, cut to fit): a word or number as it is,
 * a quoted identifier or a '...' string without its quotes; "" for other
 * tokens. */
void mp_sql_tok_ident(const char *sql, const struct mp_sql_tok *t, char *out, size_t cap);

/* What a statement does to the transaction it runs in. */
enum mp_sql_txctl {
    MP_SQL_TX_NONE,
    MP_SQL_TX_BEGIN,     /* BEGIN [WORK | TRANSACTION | DEFERRED | IMMEDIATE | EXCLUSIVE ...], START TRANSACTION */
    MP_SQL_TX_COMMIT,    /* COMMIT, END [WORK | TRANSACTION] */
    MP_SQL_TX_ROLLBACK,  /* ROLLBACK, ABORT (not ROLLBACK TO) */
    MP_SQL_TX_SAVEPOINT, /* SAVEPOINT, RELEASE [SAVEPOINT], ROLLBACK [WORK | TRANSACTION] TO */
    MP_SQL_TX_PREPARED,  /* PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED */
    MP_SQL_TX_FK_PRAGMA  /* SQLite PRAGMA [schema.]foreign_keys: a no-op inside a transaction */
};

/* Classify statement `st` of `sql` (PostgreSQL "SQL Commands" and SQLite
 * "BEGIN TRANSACTION", "SAVEPOINT", "PRAGMA foreign_keys").  For
 * MP_SQL_TX_FK_PRAGMA, *fk_value (may be NULL) is 0 for OFF/FALSE/NO/0, 1
 * for ON/TRUE/YES/1, -1 for a query of the setting. */
enum mp_sql_txctl mp_sql_txctl(const char *sql, const struct mp_sql_stmt *st, int *fk_value);

/* "BEGIN", "COMMIT", ... for messages. */
const char *mp_sql_txctl_name(enum mp_sql_txctl k);

#endif
