/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em16.c - 128-bit key exact-match table (IPv6 addresses; MAC+port+VLAN keys
 * packed by their user).
 *
 * Same scheme as em4.c (read that first): open addressing over 64-byte
 * buckets, CRC32 home bucket by multiply-shift, linear probing with a
 * per-home maxdist/ndisp so that a lookup reads one line unless a key of the
 * same home was pushed further. A 16-byte key and an 8-byte value take 24
 * bytes, so a line holds two entries:
 *
 *   keys[2] (32 B) | values[2] (16 B) | used | maxdist | ndisp (4 B) | pad
 *
 * Sizing: nb = max_keys / (2 x EM16_LOAD) with load 0.6: 53 bytes per key
 * per copy, 107 bytes both copies (bound: 128). With two slots a bucket,
 * load matters: measured at 1M keys (bench/tables_bench, same run as rte_hash
 * lock-free at about 85-95 cycles), load 0.75 gave 75 cycles per lookup and
 * 0.6 gives about 55, because fewer keys are pushed out of their home line.
 * Prefetching the next line for every key as well was slower (72): it doubles
 * the misses in flight. Keys that may sit in the next bucket get it
 * prefetched in stage 2 and compared in stage 3.
 */
#include "em16.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nmmintrin.h>
#include <rte_prefetch.h>

#include "mem.h"

#define EM16_USED_ALL ((1u << EM16_SLOTS) - 1)
#define EM16_LOAD_NUM 3 /* load factor at max_keys: 3/5 */
#define EM16_LOAD_DEN 5
#define EM16_MAXDIST 255

_Static_assert(sizeof(struct em16_bucket) == 64, "one bucket, one cache line");

/* r first: em16.h's inline read path sees a struct em16 as its struct em16_read */
struct em16 {
	struct em16_read r;
	uint32_t count;
	uint32_t max_keys;
	struct lpm_mem mem;
};

static inline void em16_words(const struct em16_key *key, uint64_t w[2])
{
	memcpy(w, key->b, 16);
}

static inline uint32_t em16_home_w(const struct em16 *t, const uint64_t w[2])
{
	return em16_home_of(&t->r, w);
}

static inline uint32_t em16_next(const struct em16 *t, uint32_t i)
{
	return i + 1 == t->r.nb ? 0 : i + 1;
}

static inline unsigned em16_match(const struct em16_bucket *b, const uint64_t w[2])
{
	return em16_bucket_match(b, w);
}

static struct em16_bucket *em16_find(const struct em16 *t, const uint64_t w[2], unsigned *slot,
				     unsigned *dist)
{
	uint32_t i = em16_home_w(t, w);
	unsigned maxdist = t->r.b[i].maxdist;

	for (unsigned d = 0; d <= maxdist; d++, i = em16_next(t, i)) {
		unsigned m = em16_match(&t->r.b[i], w);
		if (m != 0) {
			*slot = (unsigned)__builtin_ctz(m);
			*dist = d;
			return &t->r.b[i];
		}
	}
	return NULL;
}

struct em16 *em16_create(const char *name, uint32_t max_keys, int socket_id)
{
	(void)name;
	if (max_keys == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct em16 *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	uint64_t slots = ((uint64_t)max_keys * EM16_LOAD_DEN + EM16_LOAD_NUM - 1) / EM16_LOAD_NUM;
	uint64_t nb = (slots + EM16_SLOTS - 1) / EM16_SLOTS;
	if (nb > UINT32_MAX) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->r.nb = (uint32_t)nb;
	t->max_keys = max_keys;
	int rc = lpm_mem_alloc(&t->mem, nb * sizeof(struct em16_bucket), socket_id);
	if (rc != 0) {
		free(t);
		errno = -rc;
		return NULL;
	}
	t->r.b = t->mem.ptr;
	return t;
}

void em16_free(struct em16 *t)
{
	if (t == NULL)
		return;
	lpm_mem_free(&t->mem);
	free(t);
}

int em16_add(struct em16 *t, const struct em16_key *key, uint64_t value)
{
	uint64_t w[2];
	unsigned slot, dist;
	em16_words(key, w);
	struct em16_bucket *b = em16_find(t, w, &slot, &dist);
	if (b != NULL) {
		b->values[slot] = value;
		return 0;
	}
	if (t->count >= t->max_keys)
		return -ENOSPC;

	uint32_t h = em16_home_w(t, w);
	uint32_t i = h;
	unsigned limit = t->r.nb - 1 < EM16_MAXDIST ? t->r.nb - 1 : EM16_MAXDIST;
	for (unsigned d = 0; d <= limit; d++, i = em16_next(t, i)) {
		b = &t->r.b[i];
		if (b->used == EM16_USED_ALL)
			continue;
		slot = (unsigned)__builtin_ctz(~(unsigned)b->used & EM16_USED_ALL);
		b->keys[slot][0] = w[0];
		b->keys[slot][1] = w[1];
		b->values[slot] = value;
		b->used |= (uint8_t)(1u << slot);
		if (d > 0) {
			struct em16_bucket *home = &t->r.b[h];
			home->ndisp++;
			if (d > home->maxdist)
				home->maxdist = (uint8_t)d;
		}
		t->count++;
		return 0;
	}
	return -ENOSPC;
}

int em16_delete(struct em16 *t, const struct em16_key *key)
{
	uint64_t w[2];
	unsigned slot, dist;
	em16_words(key, w);
	struct em16_bucket *b = em16_find(t, w, &slot, &dist);
	if (b == NULL)
		return -ENOENT;
	b->used &= (uint8_t) ~(1u << slot);
	memset(b->keys[slot], 0, sizeof(b->keys[slot]));
	b->values[slot] = 0;
	if (dist > 0) {
		struct em16_bucket *home = &t->r.b[em16_home_w(t, w)];
		if (--home->ndisp == 0)
			home->maxdist = 0;
	}
	t->count--;
	return 0;
}

int em16_lookup(const struct em16 *t, const struct em16_key *key, uint64_t *value)
{
	uint64_t w[2];
	unsigned slot, dist;
	em16_words(key, w);
	const struct em16_bucket *b = em16_find(t, w, &slot, &dist);
	if (b == NULL)
		return 0;
	*value = b->values[slot];
	return 1;
}

uint64_t em16_lookup_bulk(const struct em16 *t, const struct em16_key *keys, unsigned n,
			  uint64_t *values)
{
	const struct em16_bucket *bk[EM_BULK_MAX];
	uint8_t later[EM_BULK_MAX];
	unsigned nlater = 0;
	uint64_t hits = 0;

	if (n > EM_BULK_MAX)
		n = EM_BULK_MAX;
	/* Stage 1: every home line in flight at once. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t w[2];
		em16_words(&keys[i], w);
		bk[i] = &t->r.b[em16_home_w(t, w)];
		rte_prefetch0(bk[i]);
	}
	/* Stage 2: compare in the home line; a key that may have been pushed
	 * to the next bucket has that line prefetched and waits for stage 3. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t w[2];
		em16_words(&keys[i], w);
		unsigned m = em16_match(bk[i], w);
		if (m != 0) {
			values[i] = bk[i]->values[__builtin_ctz(m)];
			hits |= 1ull << i;
		} else if (bk[i]->maxdist != 0) {
			uint32_t next = em16_next(t, (uint32_t)(bk[i] - t->r.b));
			rte_prefetch0(&t->r.b[next]);
			later[nlater++] = (uint8_t)i;
		}
	}
	/* Stage 3: the next bucket, then (rarely) further. */
	for (unsigned j = 0; j < nlater; j++) {
		unsigned i = later[j];
		uint64_t w[2];
		em16_words(&keys[i], w);
		const struct em16_bucket *b = &t->r.b[em16_next(t, (uint32_t)(bk[i] - t->r.b))];
		unsigned m = em16_match(b, w);
		if (m != 0) {
			values[i] = b->values[__builtin_ctz(m)];
			hits |= 1ull << i;
		} else if (bk[i]->maxdist > 1 && em16_lookup(t, &keys[i], &values[i])) {
			hits |= 1ull << i;
		}
	}
	return hits;
}

void em16_prefetch(const struct em16 *t, const struct em16_key *key)
{
	uint64_t w[2];
	em16_words(key, w);
	rte_prefetch0(&t->r.b[em16_home_w(t, w)]);
}

uint32_t em16_count(const struct em16 *t)
{
	return t->count;
}

size_t em16_memory(const struct em16 *t)
{
	return sizeof(*t) + (size_t)t->r.nb * sizeof(struct em16_bucket);
}
