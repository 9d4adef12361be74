/* statement.c - running a migration section on a target: its SQL through
 * the database's own statement splitting (or one statement at a time), or
 * its code callback; the failing statement's line; and, before it runs, the
 * checks of its transaction control and SQLite table drops (see
 * runner_int.h). */
#include "runner_int.h"

#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "os.h"
#include "sqlscan.h"

/* Skip whitespace and comments: the offset of the first token at or after i. */
static size_t first_token(const char *s, size_t i)
{
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
            i++;
        if (s[i] == '-' && s[i + 1] == '-') {
            while (s[i] && s[i] != '\n')
                i++;
        } else if (s[i] == '/' && s[i + 1] == '*') {
            const char *e = strstr(s + i + 2, "*/");
            i = e ? (size_t)(e - s) + 2 : strlen(s);
        } else {
            return i;
        }
    }
}

/* Byte offset of the 1-based character position `pos` (PostgreSQL counts
 * characters of the query string; the client encoding here is UTF-8). */
static size_t char_to_byte(const char *s, long pos)
{
    size_t i = 0;
    for (long c = 1; c < pos && s[i]; c++) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static int run_sql(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err);

/* Self-test fault: split the script on every ';' (what careless runners
 * do) and run the pieces one by one. */
static int run_split(struct mp_target *t, const struct mp_migsql *sec, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    int rc = 0;
    while (*sql && !rc) {
        const char *semi = strchr(sql, ';');
        size_t n = semi ? (size_t)(semi - sql) + 1 : strlen(sql);
        char *piece = mp_xstrndup(sql, n);
        struct mp_migsql one = *sec;
        one.sql = piece;
        rc = run_sql(t, &one, true, err);
        free(piece);
        sql += n;
    }
    return rc;
}

/* SQLite: statement after statement through sqlite3_prepare_v2's tail. */
static int run_sqlite(struct mp_target *t, const char *sql, const char *path, long base, struct mp_error *err)
{
    const char *p = sql;
    while (*p) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        size_t at = first_token(sql, (size_t)(p - sql));
        if (!sql[at])
            break;
        int rc = sqlite3_prepare_v2(t->lite, p, -1, &st, &tail);
        if (rc == SQLITE_OK && st) {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
        }
        if (rc != SQLITE_OK) {
            size_t off = at;
            int eo = sqlite3_error_offset(t->lite);
            if (eo >= 0 && !st)
                off = (size_t)(p - sql) + (size_t)eo;
            t->fail_line = base + mp_sql_line_of(sql, off) - 1;
            mp_error_set(err, MP_EDB, "%s:%ld: %s", path, t->fail_line, sqlite3_errmsg(t->lite));
            snprintf(err->sqlstate, sizeof err->sqlstate, "%d", sqlite3_extended_errcode(t->lite) & 0xff);
            sqlite3_finalize(st);
            return MP_EDB;
        }
        sqlite3_finalize(st);
        p = tail;
    }
    return 0;
}

/* The PostgreSQL error of result `r` for the statement at `line`. */
static int pg_fail(struct mp_target *t, PGresult *r, const char *path, long line, struct mp_error *err)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (!m)
        m = PQerrorMessage(t->pg);
    t->fail_line = line;
    int rc = mp_error_set(err, MP_EDB, "%s:%ld: %.*s", path, t->fail_line, (int)strcspn(m, "\n"), m);
    const char *ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(err->sqlstate, sizeof err->sqlstate, "%s", ss ? ss : "");
    return rc;
}

/* Byte offset `off` of a position in `sql`, or at its end (a syntax error
 * "at end of input") the last byte that is not white space: the line the
 * input ends on, as psql's "LINE n:" shows it, not the empty one after a
 * last newline. */
static size_t end_of_input(const char *sql, size_t off)
{
    if (sql[off] != 0)
        return off;
    while (off > 0 && isspace((unsigned char)sql[off - 1]))
        off--;
    return off > 0 ? off - 1 : 0;
}

/* Where a statement of a query string failed. */
enum pg_where { PG_IN_PREFIX, PG_IN_SECTION, PG_IN_SUFFIX };

/* "\n;": a last line comment of the section, or a statement without its
 * semicolon, must not swallow or join the suffix */
static const char glue[] = "\n;\n";

/* PostgreSQL: `prefix` (empty, or statements of ours, each ending in
 * ";\n"), the section's SQL (ns statements sv) and `suffix` (empty, or
 * statements after the glue) as one query string, its results read to
 * the end.  The first error is set in err, naming the section's line when
 * it is the section's; *where says whose it is, *glue_error that the
 * server pointed at the glue, *nok how many statements succeeded (the
 * prefix's first). */
static int pg_run_string(struct mp_target *t, const struct mp_migsql *sec, const struct mp_sql_stmt *sv, long ns,
                         const char *prefix, const char *suffix, enum pg_where *where, bool *glue_error, long *nok,
                         struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    size_t np = strlen(prefix), nsql = strlen(sql);
    long npre = 0;
    for (const char *c = prefix; *c; c++)
        npre += *c == ';';
    bool has_suffix = suffix[0] != 0;
    struct mp_buf q = {0};
    mp_buf_add(&q, prefix);
    mp_buf_add(&q, sql);
    if (has_suffix) {
        mp_buf_add(&q, glue);
        mp_buf_add(&q, suffix);
    }
    const char *full = mp_buf_str(&q);
    int rc = 0;
    *where = PG_IN_SECTION;
    *glue_error = false;
    *nok = 0;
    if (!PQsendQuery(t->pg, full)) {
        rc = mp_target_db_error(t, err, path, NULL);
        mp_buf_free(&q);
        return rc;
    }
    long done = 0; /* statements that succeeded, the prefix's first */
    PGresult *r;
    while ((r = PQgetResult(t->pg))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COPY_IN)
            PQputCopyEnd(t->pg, "migprop: COPY FROM STDIN is not supported in migrations");
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            done++;
        } else if (st != PGRES_EMPTY_QUERY && !rc) {
            /* the statement the server names, else the first not done */
            const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
            long line = 0, idx = done - npre;
            if (pos) {
                size_t at = char_to_byte(full, atol(pos));
                /* the glue is the section's: its syntax error at the end
                 * of input points there */
                if (at < np)
                    *where = PG_IN_PREFIX;
                else if (at - np > nsql + (has_suffix ? sizeof glue - 1 : 0))
                    *where = PG_IN_SUFFIX;
                else
                    line = mp_sql_line_of(sql, end_of_input(sql, at - np < nsql ? at - np : nsql));
                *glue_error = has_suffix && at >= np + nsql && *where == PG_IN_SECTION;
            } else if (idx < 0) {
                *where = PG_IN_PREFIX;
            } else if (idx < ns) {
                line = sv[idx].line;
            } else if (has_suffix) {
                *where = PG_IN_SUFFIX;
            } else {
                line = mp_sql_line_of(sql, end_of_input(sql, nsql));
            }
            if (*where == PG_IN_SECTION) {
                rc = pg_fail(t, r, path, base + line - 1, err);
            } else if (*where == PG_IN_SUFFIX) {
                rc = mp_target_db_error(t, err, "recording the migration", r);
            } else {
                /* the prefix's statement that failed, one a line: its
                 * `done`-th, without its ";" (all of it when the server
                 * named no position and nothing ran) */
                const char *ps = prefix;
                for (long k = 0; k < done && strchr(ps, '\n'); k++)
                    ps = strchr(ps, '\n') + 1;
                char *what = mp_xstrndup(ps, strcspn(ps, ";\n"));
                rc = mp_target_db_error(t, err, what, r);
                free(what);
            }
        }
        PQclear(r);
    }
    *nok = done;
    mp_buf_free(&q);
    return rc;
}

static int run_sql(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    if (t->fault == MP_FAULT_SPLIT_SEMICOLON && !alone)
        return run_split(t, sec, err);
    if (t->d == MP_SQLITE)
        return run_sqlite(t, sql, path, base, err);
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    int rc = 0;
    if (alone) {
        /* one statement per query string: PostgreSQL refuses CREATE INDEX
         * CONCURRENTLY and the like inside a multi-statement one */
        for (long i = 0; i < ns && !rc; i++) {
            char *one = mp_xstrndup(sql + sv[i].start, sv[i].end - sv[i].start);
            PGresult *r = PQexec(t->pg, one);
            ExecStatusType st = PQresultStatus(r);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
                rc = pg_fail(t, r, path, base + sv[i].line - 1, err);
            PQclear(r);
            free(one);
        }
    } else {
        enum pg_where where;
        bool glue_error;
        long nok;
        rc = pg_run_string(t, sec, sv, ns, "", "", &where, &glue_error, &nok, err);
    }
    free(sv);
    return rc;
}

int mp_target_run_joined(struct mp_target *t, const struct mp_migsql *sec, const char *prefix, const char *suffix,
                         bool *ran, long *nok, struct mp_error *err)
{
    const char *sql = sec->sql ? sec->sql : "";
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    enum pg_where where;
    bool glue_error;
    int rc = pg_run_string(t, sec, sv, ns, prefix, suffix, &where, &glue_error, nok, err);
    free(sv);
    if (rc && glue_error && strcmp(err->sqlstate, "42601") == 0 && PQtransactionStatus(t->pg) == PQTRANS_IDLE) {
        /* a syntax error at the section's end (an unclosed parenthesis...)
         * is reported "at or near" the glue, and the server ran nothing
         * of the string: the section alone, in its transaction, gives
         * the message it gives without us */
        struct mp_error e2 = {0};
        PGresult *b = PQexec(t->pg, prefix);
        bool began = PQresultStatus(b) == PGRES_COMMAND_OK;
        PQclear(b);
        if (began && run_sql(t, sec, false, &e2) != 0) {
            *err = e2;
            rc = e2.code;
        } else if (began) {
            /* alone it ran: the record then, as the suffix would have */
            where = PG_IN_SUFFIX;
            rc = mp_target_exec(t, "(tracking)", 1, suffix, err);
        }
    }
    *ran = !rc || where == PG_IN_SUFFIX;
    return rc;
}

int mp_target_run_section(struct mp_target *t, const struct mp_migsql *sec, bool alone, struct mp_error *err)
{
    if (sec->fn)
        return sec->fn(t, sec->fn_payload, err);
    return run_sql(t, sec, alone, err);
}

int mp_target_exec(struct mp_target *t, const char *path, long line, const char *sql, struct mp_error *err)
{
    struct mp_migsql sec = {.path = path, .sql = sql, .line = line};
    return run_sql(t, &sec, false, err);
}

/* ---- transaction control and foreign keys, before a section runs ---- */

static const char txcheck_hint[] =
    "a migration runs in migprop's own transaction, and this would end it before the migration's record is "
    "written (a kill or a later failure would leave the tracking table wrong); write the file as one "
    "BEGIN; ... COMMIT; script (its body then runs in migprop's transaction), or run it outside a "
    "transaction with a leading -- migprop:no-transaction line";

/* Does savepoint statement `st` (SAVEPOINT n, RELEASE [SAVEPOINT] n,
 * ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] n) name one of migprop's own
 * savepoints (migprop_*, target.c)?  The savepoint's name is the
 * statement's last identifier.  A migration's savepoints of its own nest in
 * the runner's transaction (PostgreSQL "SAVEPOINT"; SQLite "SAVEPOINT":
 * inside BEGIN, RELEASE of a savepoint never commits), so they are
 * allowed; releasing or rolling back to the runner's would undo its
 * bookkeeping. */
static bool names_own_savepoint(const char *sql, const struct mp_sql_stmt *st)
{
    size_t pos = st->start;
    struct mp_sql_tok t, last = {0};
    bool any = false;
    while (mp_sql_next_token(sql, st->end, &pos, &t))
        if (t.kind == MP_SQL_TOK_WORD || t.kind == MP_SQL_TOK_QIDENT)
            last = t, any = true;
    if (!any)
        return false;
    char name[64];
    mp_sql_tok_ident(sql, &last, name, sizeof name);
    return strncasecmp(name, "migprop_", 8) == 0;
}

int mp_section_txcheck(const struct mp_migsql *sec, enum mp_dialect d, bool in_tx, char **body, bool *fk_off,
                       struct mp_error *err)
{
    *body = NULL;
    *fk_off = false;
    if (sec->fn || !sec->sql || !in_tx)
        return 0;
    const char *sql = sec->sql;
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    enum mp_sql_txctl *k = calloc((size_t)ns + 1, sizeof *k);
    int *val = calloc((size_t)ns + 1, sizeof *val);
    if (!k || !val)
        mp_oom();
    for (long i = 0; i < ns; i++) {
        k[i] = mp_sql_txctl(sql, &sv[i], &val[i]);
        if (k[i] == MP_SQL_TX_FK_PRAGMA && d != MP_SQLITE)
            k[i] = MP_SQL_TX_NONE; /* not PostgreSQL: the server says so */
    }
    /* the wrapper: [PRAGMA foreign_keys=OFF;] BEGIN; ... COMMIT; [PRAGMA foreign_keys=ON;] */
    long lo = 0, hi = ns;
    bool lead_off = lo < hi && k[lo] == MP_SQL_TX_FK_PRAGMA && val[lo] == 0;
    if (lead_off)
        lo++;
    if (lead_off && hi > lo && k[hi - 1] == MP_SQL_TX_FK_PRAGMA && val[hi - 1] == 1)
        hi--;
    bool wrapped = hi - lo >= 2 && k[lo] == MP_SQL_TX_BEGIN && k[hi - 1] == MP_SQL_TX_COMMIT;
    if (!wrapped)
        lo = 0, hi = ns;
    else
        lo++, hi--;
    /* name the first statement that ends the transaction, else the first
     * other one: the COMMIT is what makes the tracking table lie */
    long bad = -1;
    for (long i = lo; i < hi && bad < 0; i++)
        if (k[i] == MP_SQL_TX_COMMIT || k[i] == MP_SQL_TX_ROLLBACK || k[i] == MP_SQL_TX_PREPARED)
            bad = i;
    for (long i = lo; i < hi && bad < 0; i++)
        if (k[i] != MP_SQL_TX_NONE && !(k[i] == MP_SQL_TX_SAVEPOINT && !names_own_savepoint(sql, &sv[i])))
            bad = i;
    int rc = 0;
    if (bad >= 0 && k[bad] == MP_SQL_TX_FK_PRAGMA)
        rc = mp_error_set(err, MP_EINVAL,
                          "%s:%ld: PRAGMA foreign_keys inside the migration's transaction does nothing "
                          "(SQLite \"PRAGMA foreign_keys\": it is a no-op within a transaction); to run the "
                          "migration with foreign keys off, use a leading -- migprop:foreign-keys-off line",
                          path, base + sv[bad].line - 1);
    else if (bad >= 0)
        rc = mp_error_set(err, MP_EINVAL, "%s:%ld: %s inside a migration: %s", path, base + sv[bad].line - 1,
                          mp_sql_txctl_name(k[bad]), txcheck_hint);
    if (!rc && wrapped) {
        char *b = mp_xstrdup(sql);
        for (long i = 0; i < ns; i++)
            if (i < lo || i >= hi)
                for (size_t j = sv[i].start; j < sv[i].end; j++)
                    if (b[j] != '\n')
                        b[j] = ' ';
        *body = b;
        *fk_off = lead_off;
    }
    free(k);
    free(val);
    free(sv);
    return rc;
}

/* The name a DROP TABLE statement drops, into name[cap]; false when `st`
 * is no DROP TABLE. */
static bool drop_table_name(const char *sql, const struct mp_sql_stmt *st, char *name, size_t cap)
{
    size_t pos = st->start;
    struct mp_sql_tok w;
    if (!mp_sql_next_token(sql, st->end, &pos, &w) || !mp_sql_tok_is(sql, &w, "DROP") ||
        !mp_sql_next_token(sql, st->end, &pos, &w) || !mp_sql_tok_is(sql, &w, "TABLE") ||
        !mp_sql_next_token(sql, st->end, &pos, &w))
        return false;
    if (mp_sql_tok_is(sql, &w, "IF")) {
        if (!mp_sql_next_token(sql, st->end, &pos, &w) || !mp_sql_next_token(sql, st->end, &pos, &w))
            return false; /* IF EXISTS */
    }
    mp_sql_tok_ident(sql, &w, name, cap);
    size_t at = pos;
    struct mp_sql_tok dot, n2;
    if (mp_sql_next_token(sql, st->end, &at, &dot) && dot.kind == MP_SQL_TOK_PUNCT && sql[dot.start] == '.' &&
        mp_sql_next_token(sql, st->end, &at, &n2))
        mp_sql_tok_ident(sql, &n2, name, cap); /* schema.table */
    return name[0] != 0;
}

int mp_section_fkcheck(struct mp_target *t, const struct mp_migsql *sec, struct mp_error *err)
{
    if (t->d != MP_SQLITE || sec->fn || !sec->sql)
        return 0;
    const char *sql = sec->sql;
    const char *path = sec->path ? sec->path : "(migration)";
    long base = sec->line > 0 ? sec->line : 1;
    long on = 0;
    int rc = mp_target_query_long(t, "PRAGMA foreign_keys", &on, err);
    if (rc || !on)
        return rc;
    struct mp_sql_stmt *sv = NULL;
    long ns = mp_sql_statements(sql, strlen(sql), &sv);
    if (ns < 0)
        mp_oom();
    sqlite3_stmt *q = NULL;
    char (*dropped)[256] = calloc((size_t)ns + 1, sizeof *dropped);
    if (!dropped)
        mp_oom();
    long nd = 0;
    if (sqlite3_prepare_v2(t->lite,
                           "SELECT m.name FROM sqlite_schema m, pragma_foreign_key_list(m.name) f "
                           "WHERE m.type = 'table' AND f.\"table\" = ?1 COLLATE NOCASE "
                           "AND m.name <> ?1 COLLATE NOCASE ORDER BY m.name",
                           -1, &q, NULL) != SQLITE_OK) {
        rc = mp_target_db_error(t, err, "reading the foreign keys", NULL);
        goto out;
    }
    for (long i = 0; i < ns && !rc; i++) {
        char *name = dropped[nd];
        if (!drop_table_name(sql, &sv[i], name, sizeof dropped[nd]))
            continue;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        while (!rc && sqlite3_step(q) == SQLITE_ROW) {
            const char *child = (const char *)sqlite3_column_text(q, 0);
            bool gone = false;
            for (long j = 0; j < nd && !gone; j++)
                gone = sqlite3_stricmp(dropped[j], child) == 0;
            if (!gone)
                rc = mp_error_set(err, MP_EINVAL,
                                  "%s:%ld: DROP TABLE \"%s\" with foreign keys on, while table \"%s\" references "
                                  "it: SQLite would first delete its rows, and ON DELETE CASCADE the rows of "
                                  "\"%s\" with them (a table rebuild, SQLite \"ALTER TABLE\" 7, must run with "
                                  "foreign keys off); add a leading -- migprop:foreign-keys-off line (migprop "
                                  "then checks PRAGMA foreign_key_check before COMMIT)",
                                  path, base + sv[i].line - 1, name, child, child);
        }
        nd++;
    }
out:
    sqlite3_finalize(q);
    free(dropped);
    free(sv);
    return rc;
}
