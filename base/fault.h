/* fault.h - the names of deliberate faults, for `migprop selftest` only.
 *
 * The self-test proves each property can fail by running it against a
 * deliberately broken variant of migprop's own solver or executor.  A fault
 * is never global state: it travels as a field of the configuration of the
 * layer that plants it (struct mp_plan_options for the solver, struct
 * mp_exec_config for the runner, struct mp_run_config for the engine),
 * and every normal run leaves those fields at MP_FAULT_NONE (0). */
#ifndef MP_FAULT_H
#define MP_FAULT_H

enum mp_fault {
    MP_FAULT_NONE,
    MP_FAULT_NAIVE_ORDER,        /* solver: the change set in the order given */
    MP_FAULT_NO_LOCK,            /* executor: no advisory lock / flock, no re-read under the lock */
    MP_FAULT_SPLIT_SEMICOLON,    /* executor: split scripts on every ';' */
    MP_FAULT_NO_TRANSACTION,     /* executor: migrations run in autocommit */
    MP_FAULT_NO_RECORD,          /* executor: applied migrations are not recorded */
    MP_FAULT_DOWN_FORGETS_INDEX, /* solver: down plans leave out ADD INDEX */
    MP_FAULT_TRUNCATING_TYPE,    /* solver: a type change keeps only the first character of text */
    MP_FAULT_PRAGMA_IN_TX,       /* SQLite rebuilds: PRAGMA foreign_keys=OFF inside the transaction */
    MP_FAULT_SQLITE_TEXT,        /* SQLite: varchar(n) columns created as text */
    MP_FAULT_NO_CHECKSUM,        /* executor: an applied migration's changed checksum goes unnoticed */
    MP_FAULT_EMPTY_DOWN_OK,      /* executor: down of an irreversible migration removes its record only */
    MP_FAULT_DELETED_IGNORED,    /* executor: an applied migration without a file goes unnoticed */
    MP_FAULT_OUT_OF_ORDER,       /* executor: pending migrations older than the newest applied run silently */
    MP_FAULT_SKIP_VERSION_0,     /* executor: a migration of version 0 is never applied */
    MP_FAULT_EXIT_ZERO,          /* migprop migrate: exit 0 when a migration failed */
    MP_FAULT_LINT_ORDER_SWAP,    /* lint: --order swaps the first adjacent pair that depends on each other */
    MP_FAULT_GENERATE_RECREATE,  /* generate: the increment diffs from an empty schema (CREATE TABLE again) */
    MP_FAULT__COUNT
};

/* "naive-order", "no-lock", ...; NULL for MP_FAULT_NONE or out of range. */
const char *mp_fault_name(enum mp_fault f);

/* Parse a fault name; -1 when unknown. */
int mp_fault_parse(const char *name);

#endif
