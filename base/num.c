/* num.c - strict number parsing. */
#include "num.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mp_parse_u64(const char *s, uint64_t max, const char *what, uint64_t *out, struct mp_error *err)
{
    uint64_t v = 0;
    const char *p = s ? s : "";
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    if (hex) {
        p += 2;
        size_t n = 0;
        for (; isxdigit((unsigned char)p[n]); n++)
            v = v * 16 + (uint64_t)(isdigit((unsigned char)p[n]) ? p[n] - '0' : (tolower((unsigned char)p[n]) - 'a' + 10));
        if (n == 0 || n > 16 || p[n])
            goto bad;
    } else {
        size_t n = 0;
        for (; isdigit((unsigned char)p[n]); n++) {
            uint64_t d = (uint64_t)(p[n] - '0');
            if (v > (UINT64_MAX - d) / 10)
                return mp_error_set(err, MP_EINVAL, "%s: '%s' is too large (at most %llu)", what, s,
                                    (unsigned long long)max);
            v = v * 10 + d;
        }
        if (n == 0 || p[n] || (p[0] == '0' && n > 1))
            goto bad;
    }
    if (v > max)
        return mp_error_set(err, MP_EINVAL, "%s: '%s' is too large (at most %llu)", what, s, (unsigned long long)max);
    *out = v;
    return 0;
bad:
    return mp_error_set(err, MP_EINVAL, "%s: '%s' is not a number (decimal without leading zeros, or 0x-hex)", what,
                        s ? s : "");
}

int mp_parse_double(const char *s, double min, double max, const char *what, double *out, struct mp_error *err)
{
    const char *p = s ? s : "";
    for (const char *c = p; *c; c++)
        if (!(isdigit((unsigned char)*c) || *c == '.' || *c == 'e' || *c == 'E' || *c == '-' || *c == '+'))
            return mp_error_set(err, MP_EINVAL, "%s: '%s' is not a decimal number", what, p);
    char *end = NULL;
    errno = 0;
    double v = strtod(p, &end);
    if (!*p || !end || *end || errno == ERANGE || !isfinite(v))
        return mp_error_set(err, MP_EINVAL, "%s: '%s' is not a decimal number", what, p);
    if (v < min || v > max)
        return mp_error_set(err, MP_EINVAL, "%s: %s is out of range (%g to %g)", what, p, min, max);
    *out = v;
    return 0;
}
