/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em4.c - IPv4 exact-match table.
 *
 * Layout: open addressing over 64-byte buckets, one cache line each:
 *
 *   keys[5] (20 B) | used (1 B) | maxdist (1 B) | ndisp (2 B) | values[5] (40 B)
 *
 * A key's home bucket is chosen by CRC32 (the SSE4.2 instruction) reduced to
 * [0, nb) by a multiply-shift, so nb need not be a power of two and memory
 * follows max_keys closely. A key goes to the first bucket, from its home on,
 * with a free slot (linear probing). The home bucket records how far its
 * furthest displaced key went (maxdist) and how many are displaced (ndisp);
 * a lookup compares the home line's five keys at once (SSE) and goes on to
 * the next buckets only when maxdist says some key of this home is there.
 * So a hit in its home bucket and most misses touch exactly one line.
 * maxdist is reset when ndisp drops to 0, so deletes do not leave long
 * probes behind (no tombstones: a slot is free when its "used" bit is clear,
 * and key 0.0.0.0 is an ordinary key).
 *
 * Sizing: nb = max_keys / (5 x EM4_LOAD), so a full table is EM4_LOAD full:
 * 64 / (5 x 0.6) = 21 bytes per key per copy, 43 bytes both copies (bound:
 * 128). Measured with bench/tables_bench (bulk of 32, random present keys,
 * same run): about 27-32 cycles per lookup at 1M keys where rte_hash in
 * lock-free mode takes 100-130, and 35-44 at 4M (rte_hash 140-150).
 *
 * Bulk lookups run in stages: hash and prefetch every key's home line, then
 * compare; the few keys whose home says they may have been pushed on get the
 * next line prefetched and are compared in a third stage, so the burst's
 * cache misses overlap.
 */
#include "em4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nmmintrin.h>
#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

#include "mem.h"

#define EM4_USED_ALL ((1u << EM4_SLOTS) - 1)
#define EM4_LOAD_NUM 3 /* load factor at max_keys: 3/5 = 0.6 */
#define EM4_LOAD_DEN 5
#define EM4_MAXDIST 255 /* fits the maxdist byte */

_Static_assert(sizeof(struct em4_bucket) == 64, "one bucket, one cache line");

/* r first: em4.h's inline read path sees a struct em4 as its struct em4_read */
struct em4 {
	struct em4_read r;
	uint32_t count;
	uint32_t max_keys;
	struct lpm_mem mem;
};

static inline uint32_t em4_home(const struct em4 *t, uint32_t key)
{
	return em4_home_of(&t->r, key);
}

static inline uint32_t em4_next(const struct em4 *t, uint32_t i)
{
	return i + 1 == t->r.nb ? 0 : i + 1;
}

static inline unsigned em4_match(const struct em4_bucket *b, uint32_t key)
{
	return em4_bucket_match(b, key);
}

/* Find key from its home bucket on: the bucket and slot, or NULL. */
static struct em4_bucket *em4_find(const struct em4 *t, uint32_t key, unsigned *slot,
				   unsigned *dist)
{
	uint32_t i = em4_home(t, key);
	const struct em4_bucket *home = &t->r.b[i];
	unsigned maxdist = home->maxdist;

	for (unsigned d = 0; d <= maxdist; d++, i = em4_next(t, i)) {
		unsigned m = em4_match(&t->r.b[i], key);
		if (m != 0) {
			*slot = (unsigned)__builtin_ctz(m);
			*dist = d;
			return &t->r.b[i];
		}
	}
	return NULL;
}

struct em4 *em4_create(const char *name, uint32_t max_keys, int socket_id)
{
	(void)name;
	if (max_keys == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct em4 *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	uint64_t slots = ((uint64_t)max_keys * EM4_LOAD_DEN + EM4_LOAD_NUM - 1) / EM4_LOAD_NUM;
	uint64_t nb = (slots + EM4_SLOTS - 1) / EM4_SLOTS;
	if (nb > UINT32_MAX) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->r.nb = (uint32_t)nb;
	t->max_keys = max_keys;
	int rc = lpm_mem_alloc(&t->mem, nb * sizeof(struct em4_bucket), socket_id);
	if (rc != 0) {
		free(t);
		errno = -rc;
		return NULL;
	}
	t->r.b = t->mem.ptr;
	return t;
}

void em4_free(struct em4 *t)
{
	if (t == NULL)
		return;
	lpm_mem_free(&t->mem);
	free(t);
}

int em4_add(struct em4 *t, uint32_t key, uint64_t value)
{
	unsigned slot, dist;
	struct em4_bucket *b = em4_find(t, key, &slot, &dist);
	if (b != NULL) {
		b->values[slot] = value;
		return 0;
	}
	if (t->count >= t->max_keys)
		return -ENOSPC;

	uint32_t h = em4_home(t, key);
	uint32_t i = h;
	unsigned limit = t->r.nb - 1 < EM4_MAXDIST ? t->r.nb - 1 : EM4_MAXDIST;
	for (unsigned d = 0; d <= limit; d++, i = em4_next(t, i)) {
		b = &t->r.b[i];
		if (b->used == EM4_USED_ALL)
			continue;
		slot = (unsigned)__builtin_ctz(~(unsigned)b->used & EM4_USED_ALL);
		b->keys[slot] = key;
		b->values[slot] = value;
		b->used |= (uint8_t)(1u << slot);
		if (d > 0) {
			struct em4_bucket *home = &t->r.b[h];
			home->ndisp++;
			if (d > home->maxdist)
				home->maxdist = (uint8_t)d;
		}
		t->count++;
		return 0;
	}
	return -ENOSPC; /* a cluster longer than EM4_MAXDIST: not seen below the load bound */
}

int em4_delete(struct em4 *t, uint32_t key)
{
	unsigned slot, dist;
	struct em4_bucket *b = em4_find(t, key, &slot, &dist);
	if (b == NULL)
		return -ENOENT;
	b->used &= (uint8_t) ~(1u << slot);
	b->keys[slot] = 0;
	b->values[slot] = 0;
	if (dist > 0) {
		struct em4_bucket *home = &t->r.b[em4_home(t, key)];
		if (--home->ndisp == 0)
			home->maxdist = 0;
	}
	t->count--;
	return 0;
}

int em4_lookup(const struct em4 *t, uint32_t key, uint64_t *value)
{
	unsigned slot, dist;
	const struct em4_bucket *b = em4_find(t, key, &slot, &dist);
	if (b == NULL)
		return 0;
	*value = b->values[slot];
	return 1;
}

/*
 * Stages 2 and 3 of a bulk lookup (stage 1 has put every home line bk[i] in
 * flight): compare in the home line; a key that may have been pushed to the
 * next bucket has that line prefetched and waits for stage 3.
 */
static inline uint64_t em4_bulk_compare(const struct em4 *t, const uint32_t *keys,
					const struct em4_bucket *const *bk, unsigned n,
					uint64_t *values)
{
	uint8_t later[EM_BULK_MAX];
	unsigned nlater = 0;
	uint64_t hits = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned m = em4_match(bk[i], keys[i]);
		if (likely(m != 0)) {
			values[i] = bk[i]->values[__builtin_ctz(m)];
			hits |= 1ull << i;
		} else if (bk[i]->maxdist != 0) {
			rte_prefetch0(&t->r.b[em4_next(t, (uint32_t)(bk[i] - t->r.b))]);
			later[nlater++] = (uint8_t)i;
		}
	}
	/* Stage 3: the next bucket, then (rarely) further. */
	for (unsigned j = 0; j < nlater; j++) {
		unsigned i = later[j];
		const struct em4_bucket *b = &t->r.b[em4_next(t, (uint32_t)(bk[i] - t->r.b))];
		unsigned m = em4_match(b, keys[i]);
		if (m != 0) {
			values[i] = b->values[__builtin_ctz(m)];
			hits |= 1ull << i;
		} else if (bk[i]->maxdist > 1 && em4_lookup(t, keys[i], &values[i])) {
			hits |= 1ull << i;
		}
	}
	return hits;
}

uint64_t em4_lookup_bulk(const struct em4 *t, const uint32_t *keys, unsigned n, uint64_t *values)
{
	const struct em4_bucket *bk[EM_BULK_MAX];

	if (n > EM_BULK_MAX)
		n = EM_BULK_MAX;
	/* Stage 1: every home line in flight at once. */
	for (unsigned i = 0; i < n; i++) {
		bk[i] = &t->r.b[em4_home(t, keys[i])];
		rte_prefetch0(bk[i]);
	}
	return em4_bulk_compare(t, keys, bk, n, values);
}

uint64_t em4_lookup_bulk_homes(const struct em4 *t, const uint32_t *keys, const uint32_t *homes,
			       unsigned n, uint64_t *values)
{
	const struct em4_bucket *bk[EM_BULK_MAX];

	if (n > EM_BULK_MAX)
		n = EM_BULK_MAX;
	/* stage 1 was em4_prefetch_home, a stage ahead */
	for (unsigned i = 0; i < n; i++)
		bk[i] = &t->r.b[homes[i]];
	return em4_bulk_compare(t, keys, bk, n, values);
}

void em4_prefetch(const struct em4 *t, uint32_t key)
{
	rte_prefetch0(&t->r.b[em4_home(t, key)]);
}

uint32_t em4_count(const struct em4 *t)
{
	return t->count;
}

size_t em4_memory(const struct em4 *t)
{
	return sizeof(*t) + (size_t)t->r.nb * sizeof(struct em4_bucket);
}
