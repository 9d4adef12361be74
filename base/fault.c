/* fault.c - deliberate faults for the self-test (see fault.h). */
#include "fault.h"

#include <string.h>

static const char *const names[MP_FAULT__COUNT] = {
    NULL, "naive-order", "no-lock", "split-semicolon", "no-transaction", "no-record",
    "down-forgets-index", "truncating-type", "pragma-in-transaction", "sqlite-text-types",
    "no-checksum", "empty-down-accepted", "deleted-file-ignored", "out-of-order-applied", "version-0-skipped",
    "exit-0-on-failure",
    "lint-order-swap", "generate-recreates-tables",
};

const char *mp_fault_name(enum mp_fault f)
{
    return (unsigned)f < MP_FAULT__COUNT ? names[f] : NULL;
}

int mp_fault_parse(const char *name)
{
    for (int i = 1; i < MP_FAULT__COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}
