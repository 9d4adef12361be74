/* error.h - error codes and the error context every fallible call fills. */
#ifndef MP_ERROR_H
#define MP_ERROR_H

/* Return codes: 0 is success, the rest are negative. */
enum {
    MP_OK = 0,
    MP_EINVAL = -1,    /* bad input: a file, a line, an option */
    MP_EPRECOND = -2,  /* an operation's precondition does not hold */
    MP_ECYCLE = -3,    /* a change set that cannot be ordered */
    MP_EDB = -4,       /* the database refused a statement */
    MP_EIO = -5,       /* a file or process could not be used */
    MP_EINTERNAL = -6  /* a migprop bug: an invariant failed */
};

/* Filled by the function that failed; `msg` names the object, file or line
 * and, for database errors, carries the database's own message.  `sqlstate`
 * is the SQLSTATE (PostgreSQL) or the SQLite primary result code as text,
 * empty when not a database error. */
struct mp_error {
    int code;
    char sqlstate[8];
    char msg[2048];
};

/* Record an error and return `code`, so callers write
 * `return mp_error_set(err, MP_EINVAL, "...")`. `err` may be NULL. */
int mp_error_set(struct mp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in `err` with more context ("step 3: ..."). */
void mp_error_prefix(struct mp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
