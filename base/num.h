/* num.h - strict number parsing for options and files.
 *
 * strtoull(v, NULL, 0) reads "abc" as 0 and "010" as octal 8; these accept
 * exactly one number and nothing else, so a typo is an error, never a
 * silently different run. */
#ifndef MP_NUM_H
#define MP_NUM_H

#include <stdint.h>

#include "error.h"

/* Parse `s` as an unsigned 64-bit integer: decimal digits ("0", "42", no
 * leading zero unless the number is 0) or "0x" followed by 1-16 hex digits.
 * No sign, no spaces, no trailing characters; values above `max` are
 * refused.  `what` names the option or field in the error ("--seed").
 * MP_EINVAL with a message such as "--seed: '010' is not a number (decimal
 * without leading zeros, or 0x-hex)". */
int mp_parse_u64(const char *s, uint64_t max, const char *what, uint64_t *out, struct mp_error *err);

/* Parse `s` as a finite decimal number (strtod syntax, no hex, no
 * inf/nan) within [min, max].  MP_EINVAL naming `what` otherwise. */
int mp_parse_double(const char *s, double min, double max, const char *what, double *out, struct mp_error *err);

#endif
