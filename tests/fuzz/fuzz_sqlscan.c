/* fuzz_sqlscan.c - libFuzzer target: the statement scanner, its tokens and
 * the transaction-control rule on arbitrary text (runner/sqlscan.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner_int.h"
#include "sqlscan.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sql = malloc(size + 1);
    if (!sql)
        return 0;
    memcpy(sql, data, size);
    sql[size] = 0;
    size_t len = strlen(sql); /* what the runner sees: text up to a NUL */
    struct mp_sql_stmt *v = NULL;
    long n = mp_sql_statements(sql, len, &v);
    FUZZ_CHECK(n >= 0);
    size_t prev_end = 0;
    long prev_line = 1;
    for (long i = 0; i < n; i++) {
        /* in order, inside the text, lines non-decreasing and right */
        FUZZ_CHECK(v[i].start >= prev_end && v[i].start < v[i].end && v[i].end <= len);
        FUZZ_CHECK(v[i].line >= prev_line && v[i].line == mp_sql_line_of(sql, v[i].start));
        prev_end = v[i].end;
        prev_line = v[i].line;
        int val;
        enum mp_sql_txctl k = mp_sql_txctl(sql, &v[i], &val);
        FUZZ_CHECK(mp_sql_txctl_name(k) != NULL);
    }
    /* tokens cover the text in order */
    size_t pos = 0, last = 0;
    struct mp_sql_tok t;
    while (mp_sql_next_token(sql, len, &pos, &t)) {
        FUZZ_CHECK(t.start >= last && t.len > 0 && t.start + t.len <= len && pos == t.start + t.len);
        char ident[64];
        mp_sql_tok_ident(sql, &t, ident, sizeof ident);
        last = pos;
    }
    for (int d = 0; d < 2; d++) {
        struct mp_migsql sec = {.path = "fuzz.sql", .sql = sql, .line = 1};
        struct mp_error err = {0};
        char *body = NULL;
        bool fk;
        if (mp_section_txcheck(&sec, d ? MP_POSTGRES : MP_SQLITE, true, &body, &fk, &err) == 0 && body) {
            FUZZ_CHECK(strlen(body) == len); /* the wrapper is blanked, never cut */
            free(body);
        }
    }
    free(v);
    free(sql);
    return 0;
}
