/* dir_properties.h - the properties of `migprop check --dir`, over a project's own migration history. */
#ifndef MP_DIR_PROPERTIES_H
#define MP_DIR_PROPERTIES_H

#include "dircheck.h"

/* The table of directory properties, in report order; *n receives its length. */
const struct mp_dir_property *const *mp_dir_properties(size_t *n);

/* Look one up by name; NULL when unknown. */
const struct mp_dir_property *mp_dir_property_find(const char *name);

extern const struct mp_dir_property mp_dir_prop_applies_fresh;
extern const struct mp_dir_property mp_dir_prop_idempotent_rerun;
extern const struct mp_dir_property mp_dir_prop_step_roundtrip;
extern const struct mp_dir_property mp_dir_prop_data_preserved;
extern const struct mp_dir_property mp_dir_prop_final_schema;
extern const struct mp_dir_property mp_dir_prop_ordering;
extern const struct mp_dir_property mp_dir_prop_dialect_agreement;

#endif
