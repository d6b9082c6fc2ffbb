/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em4.h - exact-match table: IPv4 address (32-bit key) -> 64-bit value.
 *
 * Single writer, any number of lock-free readers ONLY through gen.h: a
 * table is never written while a worker may read it (two copies are kept and
 * updated in turn, see gen.h). Reads never write shared memory.
 *
 * Layout and the measured choice of it are explained in em4.c.
 *
 * Memory: when the EAL is up and has hugepages, tables come from
 * rte_zmalloc_socket(socket_id); otherwise (no EAL at all, as in unit tests
 * and tools, or EAL with --no-huge) from aligned_alloc, 2 MB aligned and
 * advised MADV_HUGEPAGE. No EAL is needed to use these tables. A table made
 * while the EAL is up must be freed before rte_eal_cleanup.
 * Sizes: em4 43 bytes per key both copies counted, em16 107 (bound 128).
 */
#ifndef ENIMAP_EM4_H
#define ENIMAP_EM4_H

#include <stdint.h>
#include <stddef.h>

#include <nmmintrin.h>

#define EM_BULK_MAX 64 /* most keys per bulk lookup */

struct em4;

/* A table for up to max_keys keys (memory is reserved up front). NULL + errno. */
struct em4 *em4_create(const char *name, uint32_t max_keys, int socket_id);
void em4_free(struct em4 *t);

/* Insert or replace. 0, or -ENOSPC when max_keys keys are held. */
int em4_add(struct em4 *t, uint32_t key, uint64_t value);
/* 0, or -ENOENT. */
int em4_delete(struct em4 *t, uint32_t key);
/* 1 and *value on a hit, 0 on a miss. */
int em4_lookup(const struct em4 *t, uint32_t key, uint64_t *value);
/*
 * Look up n (<= EM_BULK_MAX) keys; values[i] is set for every hit. Returns the
 * hit mask (bit i set = keys[i] found).
 */
uint64_t em4_lookup_bulk(const struct em4 *t, const uint32_t *keys, unsigned n, uint64_t *values);
/* Prefetch the line where key lives (to start a lookup a stage ahead). */
void em4_prefetch(const struct em4 *t, uint32_t key);
/*
 * The same, hashing once: em4_prefetch_home (inline, below) prefetches key's
 * line and returns its home bucket; em4_lookup_bulk_homes is em4_lookup_bulk
 * and em4_lookup_home (inline, below) em4_lookup for keys whose homes came
 * from em4_prefetch_home on the same table t (unchanged since).
 */
uint64_t em4_lookup_bulk_homes(const struct em4 *t, const uint32_t *keys, const uint32_t *homes,
			       unsigned n, uint64_t *values);

/*
 * ---- the inline read path ----
 * Per-packet callers start a lookup a stage ahead and finish it one key at a
 * time, between other work, so the line has arrived; a function call per key
 * would cost as much as the lookup. The layout is explained in em4.c; only
 * em4.c writes these structures.
 */
#define EM4_SLOTS 5

struct em4_bucket {
	uint32_t keys[EM4_SLOTS];
	uint8_t used;	 /* bit i: slot i holds a key */
	uint8_t maxdist; /* furthest bucket (from here) holding a key whose home is here */
	uint16_t ndisp;	 /* keys whose home is here held in a later bucket */
	uint64_t values[EM4_SLOTS];
} __attribute__((aligned(64)));

/* The first member of struct em4 (em4.c): what the inline read path needs. */
struct em4_read {
	struct em4_bucket *b; /* nb buckets */
	uint32_t nb;
};

/* The home bucket of key: CRC32 reduced to [0, nb) by a multiply-shift. */
static inline uint32_t em4_home_of(const struct em4_read *r, uint32_t key)
{
	uint32_t h = _mm_crc32_u32(0x9e3779b9u, key);
	return (uint32_t)(((uint64_t)h * r->nb) >> 32);
}

/* Bit mask of the used slots of b that hold key (slots 0-3 in one SSE compare). */
static inline unsigned em4_bucket_match(const struct em4_bucket *b, uint32_t key)
{
	__m128i k = _mm_loadu_si128((const __m128i *)b->keys);
	__m128i eq = _mm_cmpeq_epi32(k, _mm_set1_epi32((int)key));
	unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(eq));
	m |= (unsigned)(b->keys[4] == key) << 4;
	return m & b->used;
}

static inline uint32_t em4_prefetch_home(const struct em4 *t, uint32_t key)
{
	const struct em4_read *r = (const struct em4_read *)(const void *)t;
	uint32_t h = em4_home_of(r, key);

	__builtin_prefetch(&r->b[h]);
	return h;
}

static inline int em4_lookup_home(const struct em4 *t, uint32_t key, uint32_t home, uint64_t *value)
{
	const struct em4_read *r = (const struct em4_read *)(const void *)t;
	const struct em4_bucket *b = &r->b[home];
	unsigned m = em4_bucket_match(b, key);

	if (__builtin_expect(m != 0, 1)) {
		*value = b->values[__builtin_ctz(m)];
		return 1;
	}
	/* not in its home line: a later one only if a key of this home was pushed on */
	return b->maxdist != 0 ? em4_lookup(t, key, value) : 0;
}
uint32_t em4_count(const struct em4 *t);
size_t em4_memory(const struct em4 *t); /* bytes held */

#endif
