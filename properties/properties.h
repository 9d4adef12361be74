/* properties.h - the registered properties. */
#ifndef MP_PROPERTIES_H
#define MP_PROPERTIES_H

#include "engine.h"

#include <string.h>

/* The table of all properties, in report order; *n receives its length. */
const struct mp_property *mp_properties(size_t *n);

/* The opt-in properties (run only when --properties names them), in
 * report order; *n receives their number. */
const struct mp_property *mp_properties_optin(size_t *n);

/* Look a property up by name, default or opt-in; NULL when unknown. */
const struct mp_property *mp_property_find(const char *name);


extern const struct mp_property mp_prop_ordering_valid;
extern const struct mp_property mp_prop_final_schema_equal;
extern const struct mp_property mp_prop_idempotent;
extern const struct mp_property mp_prop_data_preserved;
extern const struct mp_property mp_prop_rollback_roundtrip;
extern const struct mp_property mp_prop_dialect_agreement;
extern const struct mp_property mp_prop_exactly_once;
extern const struct mp_property mp_prop_atomic_on_kill;
extern const struct mp_property mp_prop_lint_sound;
extern const struct mp_property mp_prop_incremental_equals_fresh;

#endif
