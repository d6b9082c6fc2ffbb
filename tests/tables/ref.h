/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ref.h - helpers shared by the lpm tests: a seeded PRNG and a plain
 * reference map over a universe of key indexes (present flag + value).
 */
#ifndef ENIMAP_TEST_LPM_REF_H
#define ENIMAP_TEST_LPM_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static inline uint32_t rng_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rng_next(s) >> 32) * n) >> 32);
}

struct ref_map {
	uint32_t universe;
	uint32_t count;
	bool *present;
	uint64_t *value;
};

static inline void ref_init(struct ref_map *r, uint32_t universe)
{
	r->universe = universe;
	r->count = 0;
	r->present = calloc(universe, sizeof(bool));
	r->value = calloc(universe, sizeof(uint64_t));
}

static inline void ref_fini(struct ref_map *r)
{
	free(r->present);
	free(r->value);
}

#endif
