/* registry.c - the one table of properties handed to the engine by main. */
#include "properties.h"

#include <string.h>

static const struct mp_property *table[] = {
    &mp_prop_ordering_valid,
    &mp_prop_final_schema_equal,
    &mp_prop_idempotent,
    &mp_prop_data_preserved,
    &mp_prop_rollback_roundtrip,
    &mp_prop_dialect_agreement,
    &mp_prop_exactly_once,
    &mp_prop_atomic_on_kill,
};

/* Checked only when named with --properties: each costs a default run more
 * time than it is worth there (README, "Properties"). */
static const struct mp_property *optin[] = {
    &mp_prop_lint_sound,
    &mp_prop_incremental_equals_fresh,
};

const struct mp_property *mp_properties(size_t *n)
{
    static struct mp_property copy[sizeof table / sizeof table[0]];
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        copy[i] = *table[i];
    *n = sizeof table / sizeof table[0];
    return copy;
}

const struct mp_property *mp_properties_optin(size_t *n)
{
    static struct mp_property copy[sizeof optin / sizeof optin[0]];
    for (size_t i = 0; i < sizeof optin / sizeof optin[0]; i++)
        copy[i] = *optin[i];
    *n = sizeof optin / sizeof optin[0];
    return copy;
}

const struct mp_property *mp_property_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    for (size_t i = 0; i < sizeof optin / sizeof optin[0]; i++)
        if (strcmp(optin[i]->name, name) == 0)
            return optin[i];
    return NULL;
}
