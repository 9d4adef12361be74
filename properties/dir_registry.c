/* dir_registry.c - the one table of directory properties (`check --dir`). */
#include "dir_properties.h"

#include <string.h>

static const struct mp_dir_property *const table[] = {
    &mp_dir_prop_applies_fresh, &mp_dir_prop_idempotent_rerun, &mp_dir_prop_step_roundtrip,
    &mp_dir_prop_data_preserved, &mp_dir_prop_final_schema, &mp_dir_prop_ordering,
    &mp_dir_prop_dialect_agreement,
};

const struct mp_dir_property *const *mp_dir_properties(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const struct mp_dir_property *mp_dir_property_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}
