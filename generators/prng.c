/* prng.c - splitmix64 and xoshiro256**. */
#include "prng.h"

#include <string.h>

__extension__ typedef unsigned __int128 u128;

uint64_t mp_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mp_rng_seed(struct mp_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = mp_splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t mp_rng_next(struct mp_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t mp_rng_below(struct mp_rng *r, uint64_t n)
{
    u128 m = (u128)mp_rng_next(r) * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            m = (u128)mp_rng_next(r) * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

bool mp_rng_chance(struct mp_rng *r, unsigned num, unsigned den)
{
    return mp_rng_below(r, den) < num;
}

void mp_rng_shuffle(struct mp_rng *r, void *base, size_t n, size_t size)
{
    unsigned char *b = base, tmp[256];
    if (size > sizeof tmp)
        return;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)mp_rng_below(r, i);
        memcpy(tmp, b + (i - 1) * size, size);
        memcpy(b + (i - 1) * size, b + j * size, size);
        memcpy(b + j * size, tmp, size);
    }
}

uint64_t mp_trial_seed(uint64_t run_seed, uint64_t trial)
{
    uint64_t st = run_seed ^ (trial * 0xd1b54a32d192ed03ULL);
    return mp_splitmix64(&st);
}
