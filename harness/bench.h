/* bench.h - `migprop bench`: how fast migprop and the migrations it runs are.
 *
 * Every figure is the median, min and max over --repeat runs, and every
 * comparison is measured side by side in the same run (the machines are
 * shared and noisy: ratios, not absolute times, are what carry over). */
#ifndef MP_BENCH_H
#define MP_BENCH_H

#include <stddef.h>

struct mp_property;

extern const char mp_bench_usage[];

/* The properties the trials suite runs (ordering_valid and
 * final_schema_equal), handed over by main. */
void mp_bench_set_properties(const struct mp_property *p, size_t n);

/* `migprop bench [--suite solver|all] [--repeat N] [--format table|json|csv]
 * [--max-ops N]`.  Returns the exit status (0, or 2 on bad usage or an
 * error while measuring). */
int mp_cmd_bench(int argc, char **argv);

#endif
