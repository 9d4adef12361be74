/* diff_cast.c - PostgreSQL's value-preserving type changes among the
 * database's own type spellings (model.h, mp_type_widens_in()). */
#include "model.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Character types as format_type() spells them (PostgreSQL 8.3
 * "Character Types"): character(n) is blank-padded, character varying(n)
 * and text are not; a length of 0 stands for none. */
enum str_kind { STR_NONE, STR_CHAR, STR_VARCHAR, STR_TEXT };

static enum str_kind str_kind(const struct mp_type *t, int *len)
{
    *len = 0;
    if (t->kind == MP_TYPE_TEXT)
        return STR_TEXT;
    if (t->kind == MP_TYPE_VARCHAR) {
        *len = t->len;
        return STR_VARCHAR;
    }
    if (t->kind != MP_TYPE_RAW || !t->raw)
        return STR_NONE;
    if (strcasecmp(t->raw, "character varying") == 0)
        return STR_VARCHAR;
    /* "bpchar" is character without a length (any length, blank-padded
     * to none); "character" alone is character(1) */
    if (strcasecmp(t->raw, "bpchar") == 0)
        return STR_CHAR;
    if (strcasecmp(t->raw, "character") == 0) {
        *len = 1;
        return STR_CHAR;
    }
    int n = 0;
    char close = 0;
    if (sscanf(t->raw, "character(%d%c", &n, &close) == 2 && close == ')' && n > 0 &&
        strchr(t->raw, ')')[1] == '\0') {
        *len = n;
        return STR_CHAR;
    }
    return STR_NONE;
}

/* 2, 4 or 8 for smallint, integer, bigint; 0 for other types. */
static int int_width(const struct mp_type *t)
{
    if (t->kind == MP_TYPE_INTEGER)
        return 4;
    if (t->kind == MP_TYPE_BIGINT)
        return 8;
    return t->kind == MP_TYPE_RAW && t->raw && strcasecmp(t->raw, "smallint") == 0 ? 2 : 0;
}

bool mp_type_widens_pg(const struct mp_type *from, const struct mp_type *to)
{
    int fl, tl;
    enum str_kind fs = str_kind(from, &fl), ts = str_kind(to, &tl);
    if (fs != STR_NONE && ts != STR_NONE) {
        /* the target's length (0: none) holds every source value: a
         * character(n) or varchar(n) value has at most n characters */
        bool fits = tl == 0 || (fl != 0 && tl >= fl);
        /* 8.3: character(n) -> text, varchar(m), character(m): "trailing
         * spaces are removed when converting a character value to one of
         * the other string types", and they are padding, "treated as
         * semantically insignificant": the value is kept.  To character(m)
         * a value gains padding only, also insignificant */
        return fits;
    }
    /* 8.1.1 "Integer Types": smallint -> integer -> bigint hold every
     * value of the narrower type */
    int fw = int_width(from), tw = int_width(to);
    if (fw && tw)
        return tw >= fw;
    if (fw == 2 && to->kind == MP_TYPE_NUMERIC)
        return to->precision - to->scale >= 5;
    /* timestamp <-> timestamp with time zone is not one: 8.5.1.3 "Time
     * Stamps", conversions "assume that the timestamp without time zone
     * value should be taken or given as timezone local time" - the result
     * depends on the session's TimeZone, and local times that a daylight
     * saving shift skips or repeats do not come back as they were */
    return false;
}
