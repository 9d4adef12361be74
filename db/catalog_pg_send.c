/* catalog_pg_send.c - the catalog reader's statements as prepared
 * statements of each connection, run in one round trip (catalog_pg_send.h). */
#include "catalog_pg_send.h"
#include "dberror.h"
#include "arena.h"
#include "os.h"

#include <libpq-events.h>
#include <libpq-fe.h>
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statements of the last text split, and the text (a copy): the
 * catalog reader sends one text for the life of the process.  gen counts
 * the texts split, so that a connection prepared for an older text
 * prepares the new one under new names. */
struct split {
    char *text;
    char **stmts;
    int n;
    unsigned gen;
};

static struct split cached;

/* The split of `sql`, made (and cached) when it is not the cached one;
 * 0, or MP_EDB when libpg_query cannot parse it. */
static int split_text(const char *sql, struct mp_error *err)
{
    if (cached.text && strcmp(cached.text, sql) == 0)
        return 0;
    PgQuerySplitResult r = pg_query_split_with_parser(sql);
    if (r.error) {
        int rc = mp_error_set(err, MP_EDB, "the catalog query does not parse: %s", r.error->message);
        pg_query_free_split_result(r);
        return rc;
    }
    for (int i = 0; i < cached.n; i++)
        free(cached.stmts[i]);
    free(cached.stmts);
    free(cached.text);
    cached.text = mp_xstrdup(sql);
    cached.stmts = calloc((size_t)r.n_stmts + 1, sizeof *cached.stmts);
    if (!cached.stmts)
        mp_oom();
    for (int i = 0; i < r.n_stmts; i++) {
        /* stmt_location/stmt_len are byte offsets into the text (pg_query.h) */
        cached.stmts[i] = strndup(sql + r.stmts[i]->stmt_location, (size_t)r.stmts[i]->stmt_len);
        if (!cached.stmts[i])
            mp_oom();
    }
    cached.n = r.n_stmts;
    cached.gen++;
    pg_query_free_split_result(r);
    return 0;
}

/* What a connection has prepared: for the text of generation gen, which
 * statements (a statement whose Parse failed is prepared at the next read). */
struct conn_state {
    unsigned gen;
    int n;
    bool *prepared;
};

static void state_free(struct conn_state *s)
{
    if (s) {
        free(s->prepared);
        free(s);
    }
}

/* libpq's events for the connection's state: a reset connection has lost
 * its prepared statements, a closed one frees the state (libpq "Event
 * System"). */
static int on_event(PGEventId id, void *info, void *pass)
{
    (void)pass;
    if (id == PGEVT_CONNRESET) {
        struct conn_state *s = PQinstanceData(((PGEventConnReset *)info)->conn, on_event);
        if (s)
            memset(s->prepared, 0, (size_t)s->n * sizeof *s->prepared);
    } else if (id == PGEVT_CONNDESTROY) {
        state_free(PQinstanceData(((PGEventConnDestroy *)info)->conn, on_event));
    }
    return 1;
}

/* The connection's state for the cached split (a new one, registered with
 * the connection, at its first read); NULL when libpq refuses the event
 * procedure. */
static struct conn_state *conn_state(PGconn *c)
{
    struct conn_state *s = PQinstanceData(c, on_event);
    if (!s) {
        if (!PQregisterEventProc(c, on_event, "migprop catalog statements", NULL))
            return NULL;
        s = calloc(1, sizeof *s);
        if (!s)
            mp_oom();
        if (!PQsetInstanceData(c, on_event, s)) {
            free(s);
            return NULL;
        }
    }
    if (s->gen != cached.gen) {
        free(s->prepared);
        s->gen = cached.gen;
        s->n = cached.n;
        s->prepared = calloc((size_t)cached.n + 1, sizeof *s->prepared);
        if (!s->prepared)
            mp_oom();
    }
    return s;
}

/* The simple query, as the reader sent it before (a connection libpq will
 * not give a state to). */
/* Statement result r into res[*n] (cleared past `max`); the first that
 * is not rows sets *rc and `err`. */
static void keep_result(PGconn *c, PGresult *r, PGresult **res, int max, int *n, int *rc, struct mp_error *err)
{
    if (PQresultStatus(r) != PGRES_TUPLES_OK && !*rc)
        *rc = mp_pg_error(c, r, err);
    if (*n < max)
        res[(*n)++] = r;
    else
        PQclear(r);
}

static int send_simple(PGconn *c, const char *sql, PGresult **res, int max, int *n, struct mp_error *err)
{
    if (!PQsendQuery(c, sql))
        return mp_pg_error(c, NULL, err);
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(c)))
        keep_result(c, r, res, max, n, &rc, err);
    return rc;
}

/* The next command's result in the pipeline: its PGresult (NULL when the
 * connection broke), after which libpq returns NULL once. */
static PGresult *next_result(PGconn *c)
{
    PGresult *r = PQgetResult(c);
    if (r) {
        PGresult *end = PQgetResult(c);
        if (end) /* a command gives one result; more would be a protocol error */
            PQclear(end);
    }
    return r;
}

int mp_pg_catalog_send(void *conn, const char *sql, void **res, int max, int *n, struct mp_error *err)
{
    PGconn *c = conn;
    *n = 0;
    int rc = split_text(sql, err);
    if (rc)
        return rc;
    struct conn_state *s = conn_state(c);
    if (!s)
        return send_simple(c, sql, (PGresult **)res, max, n, err);
    if (!PQenterPipelineMode(c))
        return mp_pg_error(c, NULL, err);
    char name[48];
    bool *parsing = calloc((size_t)s->n + 1, sizeof *parsing);
    if (!parsing)
        mp_oom();
    bool sent = true;
    for (int i = 0; sent && i < s->n; i++)
        if (!s->prepared[i]) {
            snprintf(name, sizeof name, "mp_catalog_%u_%d", s->gen, i);
            sent = PQsendPrepare(c, name, cached.stmts[i], 0, NULL) != 0;
            parsing[i] = sent;
        }
    for (int i = 0; sent && i < s->n; i++) {
        snprintf(name, sizeof name, "mp_catalog_%u_%d", s->gen, i);
        sent = PQsendQueryPrepared(c, name, 0, NULL, NULL, NULL, 0) != 0;
    }
    if (!sent || !PQpipelineSync(c)) {
        /* nothing reached the server: libpq's own message */
        rc = mp_pg_error(c, NULL, err);
        free(parsing);
        PQexitPipelineMode(c);
        return rc;
    }
    /* the results in the order sent: the Parses', then the executions';
     * after an error the pipeline's remaining commands are aborted */
    for (int i = 0; i < s->n; i++) {
        if (!parsing[i])
            continue;
        PGresult *r = next_result(c);
        if (r && PQresultStatus(r) == PGRES_COMMAND_OK)
            s->prepared[i] = true;
        else if (!rc && r && PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
            rc = mp_pg_error(c, r, err);
        PQclear(r);
    }
    for (int i = 0; i < s->n; i++) {
        PGresult *r = next_result(c);
        if (!r) {
            if (!rc)
                rc = mp_pg_error(c, NULL, err);
            break;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED) {
            PQclear(r);
            continue; /* not run: after the error, as a simple query stops at it */
        }
        keep_result(c, r, (PGresult **)res, max, n, &rc, err);
    }
    /* the Sync's result, then the pipeline is idle and can be left */
    PGresult *r;
    while ((r = PQgetResult(c)) && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        PQclear(r);
    PQclear(r);
    if (!PQexitPipelineMode(c) && !rc)
        rc = mp_pg_error(c, NULL, err);
    free(parsing);
    return rc;
}
