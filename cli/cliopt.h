/* cliopt.h - what every migprop command's option parsing shares: getopt_long
 * started afresh with migprop's messages instead of getopt's, one error
 * style ("migprop CMD: ...", exit status 2), strict numbers, choices and
 * comma-separated lists.
 *
 * A command's argv starts with the command's own name (argv[0] = "check"),
 * so getopt_long scans from argv[1].  Every function that reports an error
 * prints one line to stderr and returns MP_CLI_USAGE, so a parser writes
 * `return mp_cli_u64(...)` or `if ((rc = mp_cli_u64(...))) goto out;`. */
#ifndef MP_CLIOPT_H
#define MP_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct mp_property;

/* The exit status of a usage error (bad option, value or argument). */
#define MP_CLI_USAGE 2

/* Stringify a numeric default or limit, so help texts quote the same
 * constant the parser uses: "default " MP_STR(MP_CHECK_DEFAULT_ITERATIONS). */
#define MP_STR_(x) #x
#define MP_STR(x) MP_STR_(x)

/* Prepare getopt_long for a new scan: optind = 0 (glibc's full
 * re-initialisation, so a leading '+' in the option string is honoured on
 * every scan) and opterr = 0 (no messages from getopt itself: a '?' or ':'
 * return goes to mp_cli_bad_option()).  Option strings start with ':'
 * (after '+' when present) so a missing value returns ':'. */
void mp_cli_getopt_begin(void);

/* The "not modelled" policy of `schema` and `plan` (README "What migprop
 * models"): when `s` holds objects the model cannot represent
 * (model.h, mp_unmodelled), print "migprop CMD: LABEL has objects migprop
 * does not model ..." and one line naming each to stderr and return
 * MP_CLI_USAGE, unless `ignore` (--ignore-unmodelled); then, or when there
 * are none, return 0. */
int mp_cli_refuse_unmodelled(const char *cmd, const char *label, const struct mp_schema *s, bool ignore);

/* Append one "-- not modelled: X" line per unmodelled object of `s`. */
void mp_cli_unmodelled_comments(struct mp_buf *b, const struct mp_schema *s);

/* Print "migprop CMD: <message>" and a newline to stderr.  Returns
 * MP_CLI_USAGE. */
/* $DATABASE_URL when it names a PostgreSQL server (a postgres:// or
 * postgresql:// URL or a libpq keyword string, as `migprop cluster`
 * exports it), else NULL: the default of every --pg-url. */
const char *mp_cli_pg_env(void);

int mp_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Report the option getopt_long just refused, `c` being what it returned
 * ('?' or ':'): "unknown option '--bogus'", "option '--seed' needs a
 * value", "option '--no-shrink' takes no value", "ambiguous option '--s'
 * (--seed, --shard)", each followed by "(see migprop CMD --help)".
 * `argv` and `longopts` are the ones given to getopt_long.  Returns
 * MP_CLI_USAGE. */
int mp_cli_bad_option(const char *cmd, int c, char **argv, const struct option *longopts);

/* "migprop CMD: unexpected argument 'ARG' (see migprop CMD --help)".
 * Returns MP_CLI_USAGE. */
int mp_cli_extra_argument(const char *cmd, const char *arg);

/* Parse the value `v` of option `opt` with mp_parse_u64() (decimal without
 * leading zeros, or 0x-hex) into *out, within [min, max].  0, or
 * MP_CLI_USAGE after printing "migprop CMD: --seed: 'abc' is not a number
 * ..." / "... is too large (at most N)" / "... is too small (at least N)". */
int mp_cli_u64(const char *cmd, const char *opt, const char *v, uint64_t min, uint64_t max, uint64_t *out);

/* As mp_cli_u64() for a finite decimal number with mp_parse_double(). */
int mp_cli_double(const char *cmd, const char *opt, const char *v, double min, double max, double *out);

/* *out = the index of `v` in the NULL-terminated `names`.  0, or
 * MP_CLI_USAGE after "migprop CMD: --format: unknown value 'x' (tap, human,
 * junit)". */
int mp_cli_choice(const char *cmd, const char *opt, const char *v, const char *const *names, int *out);

/* `--backend sqlite|postgres|all` into want[d] for each dialect.  0, or
 * MP_CLI_USAGE as mp_cli_choice(). */
int mp_cli_backend(const char *cmd, const char *opt, const char *v, bool want[MP_NDIALECTS]);

/* Split the comma-separated list `v` of option `opt` into *out, a
 * NULL-terminated array of *n non-empty names: one malloc'd block (the
 * pointers, then the strings) the caller frees with free(*out).  An empty
 * list, an empty name ("a,,b", "a,") or a name given twice is MP_CLI_USAGE
 * with a message; *out is NULL then. */
int mp_cli_list(const char *cmd, const char *opt, const char *v, char ***out, size_t *n);

/* Resolve the list `v` of property names (mp_cli_list() rules) against
 * the property table: *out is a malloc'd array of *n copies in the order
 * given, the caller frees it.  An unknown name is MP_CLI_USAGE with
 * "migprop CMD: --properties: unknown property 'x' (known: a, b, ...)";
 * *out is NULL then. */
int mp_cli_properties(const char *cmd, const char *v, struct mp_property **out, size_t *n);

/* Whether to colour output on descriptor `fd` for `--color auto|always|never`
 * (`choice` 0, 1, 2 in that order, as mp_cli_choice() gives it): auto is a
 * terminal, TERM not "dumb", and no NO_COLOR set to a non-empty value (the
 * convention of no-color.org); always and never are what they say. */
bool mp_cli_color(int choice, int fd);

#endif
