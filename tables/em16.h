/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em16.h - exact-match table: 128-bit key (IPv6 address, or a packed
 * port+VLAN+MAC) -> 64-bit value. Same rules as em4.h.
 */
#ifndef ENIMAP_EM16_H
#define ENIMAP_EM16_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include <nmmintrin.h>

#include "em4.h" /* EM_BULK_MAX */

struct em16_key {
	uint8_t b[16];
} __attribute__((aligned(8)));

struct em16;

struct em16 *em16_create(const char *name, uint32_t max_keys, int socket_id);
void em16_free(struct em16 *t);
int em16_add(struct em16 *t, const struct em16_key *key, uint64_t value);
int em16_delete(struct em16 *t, const struct em16_key *key);
int em16_lookup(const struct em16 *t, const struct em16_key *key, uint64_t *value);
uint64_t em16_lookup_bulk(const struct em16 *t, const struct em16_key *keys, unsigned n,
			  uint64_t *values);
void em16_prefetch(const struct em16 *t, const struct em16_key *key);
uint32_t em16_count(const struct em16 *t);
size_t em16_memory(const struct em16 *t);

/*
 * ---- the inline read path (see em4.h): em16_lookup_one is em16_lookup,
 * inline for per-packet callers. The layout is explained in em16.c; only
 * em16.c writes these structures.
 */
#define EM16_SLOTS 2

struct em16_bucket {
	uint64_t keys[EM16_SLOTS][2];
	uint64_t values[EM16_SLOTS];
	uint8_t used;
	uint8_t maxdist;
	uint16_t ndisp;
} __attribute__((aligned(64)));

/* The first member of struct em16 (em16.c): what the inline read path needs. */
struct em16_read {
	struct em16_bucket *b;
	uint32_t nb;
};

static inline uint32_t em16_home_of(const struct em16_read *r, const uint64_t w[2])
{
	uint64_t h = _mm_crc32_u64(0x9e3779b9u, w[0]);
	h = _mm_crc32_u64(h, w[1]);
	return (uint32_t)((h * r->nb) >> 32);
}

/* Bit mask of the used slots of b that hold w; no branch (which slot holds a
 * random key is unpredictable: && would cost a mispredict per lookup). */
static inline unsigned em16_bucket_match(const struct em16_bucket *b, const uint64_t w[2])
{
	unsigned m = (unsigned)(((b->keys[0][0] ^ w[0]) | (b->keys[0][1] ^ w[1])) == 0);
	m |= (unsigned)(((b->keys[1][0] ^ w[0]) | (b->keys[1][1] ^ w[1])) == 0) << 1;
	return m & b->used;
}

static inline int em16_lookup_one(const struct em16 *t, const struct em16_key *key, uint64_t *value)
{
	const struct em16_read *r = (const struct em16_read *)(const void *)t;
	uint64_t w[2];

	memcpy(w, key->b, 16);
	const struct em16_bucket *b = &r->b[em16_home_of(r, w)];
	unsigned m = em16_bucket_match(b, w);
	if (__builtin_expect(m != 0, 1)) {
		*value = b->values[__builtin_ctz(m)];
		return 1;
	}
	/* not in its home line: a later one only if a key of this home was pushed on */
	return b->maxdist != 0 ? em16_lookup(t, key, value) : 0;
}

#endif
