/* prng.h - seeded pseudo-random numbers: splitmix64 for seeding and
 * xoshiro256** for streams (Blackman & Vigna, "Scrambled Linear
 * Pseudorandom Number Generators", 2021).  One explicit state per trial;
 * no global state, no time-based seeds. */
#ifndef MP_PRNG_H
#define MP_PRNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mp_rng {
    uint64_t s[4];
};

/* One step of splitmix64 on *state; returns the output. */
uint64_t mp_splitmix64(uint64_t *state);

/* Seed the stream from a 64-bit seed (through splitmix64, as the authors
 * recommend, so that close seeds give unrelated streams). */
void mp_rng_seed(struct mp_rng *r, uint64_t seed);

uint64_t mp_rng_next(struct mp_rng *r);

/* Uniform integer in [0, n); n > 0.  Lemire's multiply-shift with rejection
 * ("Fast Random Integer Generation in an Interval", 2019): no modulo bias. */
uint64_t mp_rng_below(struct mp_rng *r, uint64_t n);

/* True with probability num/den. */
bool mp_rng_chance(struct mp_rng *r, unsigned num, unsigned den);

/* Fisher-Yates shuffle of n elements of `size` bytes. */
void mp_rng_shuffle(struct mp_rng *r, void *base, size_t n, size_t size);

/* The seed of trial `trial` of a run seeded with `run_seed`: any trial can be
 * regenerated alone from the pair. */
uint64_t mp_trial_seed(uint64_t run_seed, uint64_t trial);

#endif
