/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em.c - exact-match table, one implementation for every key width kw.
 *
 * Layout: open addressing over 64-byte buckets, one cache line each, holding
 * as many (key, value) slots as fit beside 4 bytes of bookkeeping:
 *
 *   kw 4:  keys[5] (20 B) | used | maxdist | ndisp (4 B) | values[5] (40 B)
 *   kw 8:  keys[3] (24 B) | used | maxdist | ndisp (4 B) | pad | values[3] (24 B) | pad
 *   kw 16: keys[2] (32 B) | used | maxdist | ndisp (4 B) | pad | values[2] (16 B) | pad
 *
 * A key's home bucket is chosen by CRC32 (the SSE4.2 instruction) reduced to
 * [0, nb) by a multiply-shift, so nb need not be a power of two and memory
 * follows max_keys closely. A key goes to the first bucket, from its home on,
 * with a free slot (linear probing). The home bucket records how far its
 * furthest displaced key went (maxdist) and how many are displaced (ndisp);
 * a lookup compares the home line's keys at once (kw 4: SSE; wider keys:
 * word XORs without a branch) and goes on to the next buckets only when
 * maxdist says some key of this home is there. So a hit in its home bucket
 * and most misses touch exactly one line. maxdist is reset when ndisp drops
 * to 0, so deletes do not leave long probes behind (no tombstones: a slot is
 * free when its "used" bit is clear, and the all-zero key is an ordinary key).
 *
 * Sizing: nb = max_keys / (slots x EM_LOAD), so a full table is EM_LOAD
 * full. kw 4: 64 / (5 x 0.6) = 21 bytes per key per copy, 43 bytes both
 * copies; kw 16: 53 per copy, 107 both (bound: 128). With two slots a bucket,
 * load matters: measured at 1M 16-byte keys (bench/tables_bench, same run as
 * rte_hash lock-free at about 85-95 cycles), load 0.75 gave 75 cycles per
 * lookup and 0.6 gives about 55, because fewer keys are pushed out of their
 * home line. 4-byte keys, same bench: about 27-32 cycles per lookup at 1M
 * keys where rte_hash takes 100-130, and 35-44 at 4M (rte_hash 140-150).
 *
 * Bulk lookups run in stages: hash and prefetch every key's home line, then
 * compare; the few keys whose home says they may have been pushed on get the
 * next line prefetched and are compared in a third stage, so the burst's
 * cache misses overlap. Prefetching the next line for every key as well was
 * slower (16-byte keys, 72 cycles instead of 55): it doubles the misses in
 * flight.
 *
 * Specialisation: the bodies below are always inlined and take kw as an
 * argument. The lookups are compiled four times, for kw = 4, 8, 16 (the
 * widths enimap uses: the compiler unrolls and folds the layout for them)
 * and for any kw at run time; em.h's inline em_lookup_words and
 * em_lookup_bulk pick the copy, at compile time when kw is a constant. Writes
 * (control thread) have the same four copies, picked here at run time.
 */
#include "em.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

#define EM_LOAD_NUM 3 /* load factor at max_keys: 3/5 = 0.6 */
#define EM_LOAD_DEN 5
#define EM_MAXDIST 255 /* fits the maxdist byte */

#define EM_INLINE static inline __attribute__((always_inline))

_Static_assert(sizeof(struct em_bucket) == 64, "one bucket, one cache line");
_Static_assert(sizeof(struct em_meta) == 4, "keys | 4 bytes of meta | values");

/* ---- the writer's view of a bucket (em.h has the reader's) ---- */

EM_INLINE struct em_meta *em_meta_w(struct em_bucket *b, unsigned kw)
{
	return (struct em_meta *)(void *)(b->line + em_meta_offset(kw));
}

EM_INLINE uint64_t *em_values_w(struct em_bucket *b, unsigned kw)
{
	return (uint64_t *)(void *)(b->line + em_values_offset(kw));
}

EM_INLINE unsigned char *em_key_w(struct em_bucket *b, unsigned kw, unsigned slot)
{
	return b->line + (size_t)slot * kw;
}

EM_INLINE unsigned em_used_all(unsigned kw)
{
	return (1u << em_slots(kw)) - 1;
}

EM_INLINE uint32_t em_next(const struct em *t, uint32_t i)
{
	return i + 1 == t->nb ? 0 : i + 1;
}

/* Find the key from its home bucket on: the bucket, its slot and its distance
 * from home, or NULL. */
EM_INLINE struct em_bucket *em_find(const struct em *t, unsigned kw, const struct em_words *k,
				    unsigned *slot, unsigned *dist)
{
	uint32_t i = em_home_of_words(t, kw, k);
	unsigned maxdist = em_bucket_meta(&t->b[i], kw)->maxdist;

	for (unsigned d = 0; d <= maxdist; d++, i = em_next(t, i)) {
		unsigned m = em_bucket_match(&t->b[i], kw, k);
		if (m != 0) {
			*slot = (unsigned)__builtin_ctz(m);
			*dist = d;
			return &t->b[i];
		}
	}
	return NULL;
}

static bool em_width_ok(unsigned kw)
{
	return kw >= 4 && kw <= EM_KEY_MAX && kw % 4 == 0;
}

struct em *em_create(const char *name, unsigned kw, uint32_t max_keys, int socket_id)
{
	(void)name;
	if (max_keys == 0 || !em_width_ok(kw)) {
		errno = EINVAL;
		return NULL;
	}
	struct em *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	uint64_t slots = ((uint64_t)max_keys * EM_LOAD_DEN + EM_LOAD_NUM - 1) / EM_LOAD_NUM;
	uint64_t nb = (slots + em_slots(kw) - 1) / em_slots(kw);
	if (nb > UINT32_MAX) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->nb = (uint32_t)nb;
	t->max_keys = max_keys;
	int rc = lpm_mem_alloc(&t->mem, nb * sizeof(struct em_bucket), socket_id);
	if (rc != 0) {
		free(t);
		errno = -rc;
		return NULL;
	}
	t->b = t->mem.ptr;
	return t;
}

void em_free(struct em *t)
{
	if (t == NULL)
		return;
	lpm_mem_free(&t->mem);
	free(t);
}

/* Put the key (not held yet) in the first bucket with a free slot from its home on. */
EM_INLINE int em_insert(struct em *t, unsigned kw, const void *key, const struct em_words *k,
			uint64_t value)
{
	uint32_t h = em_home_of_words(t, kw, k);
	uint32_t i = h;
	unsigned limit = t->nb - 1 < EM_MAXDIST ? t->nb - 1 : EM_MAXDIST;

	for (unsigned d = 0; d <= limit; d++, i = em_next(t, i)) {
		struct em_bucket *b = &t->b[i];
		struct em_meta *meta = em_meta_w(b, kw);
		if (meta->used == em_used_all(kw))
			continue;
		unsigned slot = (unsigned)__builtin_ctz(~(unsigned)meta->used & em_used_all(kw));
		memcpy(em_key_w(b, kw, slot), key, kw);
		em_values_w(b, kw)[slot] = value;
		meta->used |= (uint8_t)(1u << slot);
		if (d > 0) {
			struct em_meta *home = em_meta_w(&t->b[h], kw);
			home->ndisp++;
			if (d > home->maxdist)
				home->maxdist = (uint8_t)d;
		}
		t->count++;
		return 0;
	}
	return -ENOSPC; /* a cluster longer than EM_MAXDIST: not seen below the load bound */
}

EM_INLINE int em_add_w(struct em *t, unsigned kw, const void *key, uint64_t value)
{
	struct em_words k;
	unsigned slot, dist;

	em_words_of(&k, key, kw);
	struct em_bucket *b = em_find(t, kw, &k, &slot, &dist);
	if (b != NULL) {
		em_values_w(b, kw)[slot] = value;
		return 0;
	}
	if (t->count >= t->max_keys)
		return -ENOSPC;
	return em_insert(t, kw, key, &k, value);
}

EM_INLINE int em_delete_w(struct em *t, unsigned kw, const void *key)
{
	struct em_words k;
	unsigned slot, dist;

	em_words_of(&k, key, kw);
	struct em_bucket *b = em_find(t, kw, &k, &slot, &dist);
	if (b == NULL)
		return -ENOENT;
	em_meta_w(b, kw)->used &= (uint8_t) ~(1u << slot);
	memset(em_key_w(b, kw, slot), 0, kw);
	em_values_w(b, kw)[slot] = 0;
	if (dist > 0) {
		struct em_meta *home = em_meta_w(&t->b[em_home_of_words(t, kw, &k)], kw);
		if (--home->ndisp == 0)
			home->maxdist = 0;
	}
	t->count--;
	return 0;
}

/* Writes: the same copies (the builder adds a million keys at start). */
int em_add(struct em *t, unsigned kw, const void *key, uint64_t value)
{
	switch (kw) {
	case 4:
		return em_add_w(t, 4, key, value);
	case 8:
		return em_add_w(t, 8, key, value);
	case 16:
		return em_add_w(t, 16, key, value);
	default:
		return em_add_w(t, kw, key, value);
	}
}

int em_delete(struct em *t, unsigned kw, const void *key)
{
	switch (kw) {
	case 4:
		return em_delete_w(t, 4, key);
	case 8:
		return em_delete_w(t, 8, key);
	case 16:
		return em_delete_w(t, 16, key);
	default:
		return em_delete_w(t, kw, key);
	}
}

EM_INLINE int em_lookup_words_w(const struct em *t, unsigned kw, const struct em_words *k,
				uint64_t *value)
{
	unsigned slot, dist;
	const struct em_bucket *b = em_find(t, kw, k, &slot, &dist);

	if (b == NULL)
		return 0;
	*value = em_bucket_value(b, kw, slot);
	return 1;
}

/* One copy per width (em.h picks one). */
int em_lookup_words_4(const struct em *t, uint32_t key, uint64_t *value)
{
	const struct em_words k = {{key, 0}};
	return em_lookup_words_w(t, 4, &k, value);
}

int em_lookup_words_8(const struct em *t, uint64_t key, uint64_t *value)
{
	const struct em_words k = {{key, 0}};
	return em_lookup_words_w(t, 8, &k, value);
}

int em_lookup_words_16(const struct em *t, uint64_t w0, uint64_t w1, uint64_t *value)
{
	const struct em_words k = {{w0, w1}};
	return em_lookup_words_w(t, 16, &k, value);
}

int em_lookup_words_any(const struct em *t, unsigned kw, uint64_t w0, uint64_t w1, uint64_t *value)
{
	const struct em_words k = {{w0, w1}};
	return em_lookup_words_w(t, kw, &k, value);
}

/*
 * Stages 2 and 3 of a bulk lookup (stage 1 has put every home line bk[i] in
 * flight): compare in the home line; a key that may have been pushed to the
 * next bucket has that line prefetched and waits for stage 3.
 */
EM_INLINE uint64_t em_bulk_compare(const struct em *t, unsigned kw, const unsigned char *keys,
				   const struct em_bucket *const *bk, unsigned n, uint64_t *values)
{
	uint8_t later[EM_BULK_MAX];
	unsigned nlater = 0;
	uint64_t hits = 0;

	for (unsigned i = 0; i < n; i++) {
		struct em_words k;
		em_words_of(&k, keys + (size_t)i * kw, kw);
		unsigned m = em_bucket_match(bk[i], kw, &k);
		if (likely(m != 0)) {
			values[i] = em_bucket_value(bk[i], kw, (unsigned)__builtin_ctz(m));
			hits |= 1ull << i;
		} else if (em_bucket_meta(bk[i], kw)->maxdist != 0) {
			rte_prefetch0(&t->b[em_next(t, (uint32_t)(bk[i] - t->b))]);
			later[nlater++] = (uint8_t)i;
		}
	}
	/* Stage 3: the next bucket, then (rarely) further. */
	for (unsigned j = 0; j < nlater; j++) {
		/* later[0, nlater) was written in stage 2 (cppcheck cannot see it) */
		// cppcheck-suppress uninitvar
		unsigned i = later[j];
		const unsigned char *key = keys + (size_t)i * kw;
		const struct em_bucket *b = &t->b[em_next(t, (uint32_t)(bk[i] - t->b))];
		struct em_words k;
		em_words_of(&k, key, kw);
		unsigned m = em_bucket_match(b, kw, &k);
		if (m != 0) {
			values[i] = em_bucket_value(b, kw, (unsigned)__builtin_ctz(m));
			hits |= 1ull << i;
		} else if (em_bucket_meta(bk[i], kw)->maxdist > 1 &&
			   em_lookup_words_w(t, kw, &k, &values[i])) {
			hits |= 1ull << i;
		}
	}
	return hits;
}

EM_INLINE uint64_t em_lookup_bulk_w(const struct em *t, unsigned kw, const unsigned char *keys,
				    unsigned n, uint64_t *values)
{
	const struct em_bucket *bk[EM_BULK_MAX];

	if (n > EM_BULK_MAX)
		n = EM_BULK_MAX;
	/* Stage 1: every home line in flight at once. */
	for (unsigned i = 0; i < n; i++) {
		bk[i] = &t->b[em_home(t, kw, keys + (size_t)i * kw)];
		rte_prefetch0(bk[i]);
	}
	return em_bulk_compare(t, kw, keys, bk, n, values);
}

uint64_t em_lookup_bulk_4(const struct em *t, const void *keys, unsigned n, uint64_t *values)
{
	return em_lookup_bulk_w(t, 4, keys, n, values);
}

uint64_t em_lookup_bulk_8(const struct em *t, const void *keys, unsigned n, uint64_t *values)
{
	return em_lookup_bulk_w(t, 8, keys, n, values);
}

uint64_t em_lookup_bulk_16(const struct em *t, const void *keys, unsigned n, uint64_t *values)
{
	return em_lookup_bulk_w(t, 16, keys, n, values);
}

uint64_t em_lookup_bulk_any(const struct em *t, unsigned kw, const void *keys, unsigned n,
			    uint64_t *values)
{
	return em_lookup_bulk_w(t, kw, keys, n, values);
}

int em_iterate(const struct em *t, unsigned kw, uint32_t *cursor, void *key, uint64_t *value)
{
	unsigned ns = em_slots(kw);

	/* cursor = bucket * slots + slot of the next place to look at */
	for (uint64_t c = *cursor; c < (uint64_t)t->nb * ns; c++) {
		const struct em_bucket *b = &t->b[c / ns];
		unsigned slot = (unsigned)(c % ns);

		if (!(em_bucket_meta(b, kw)->used & (1u << slot)))
			continue;
		memcpy(key, b->line + (size_t)slot * kw, kw);
		*value = em_bucket_value(b, kw, slot);
		*cursor = (uint32_t)(c + 1);
		return 1;
	}
	*cursor = UINT32_MAX;
	return 0;
}
