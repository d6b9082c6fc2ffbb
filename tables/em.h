/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em.h - exact-match table: a key of kw bytes -> 64-bit value, one
 * implementation for every key width (kw: a multiple of 4, from 4 to
 * EM_KEY_MAX). em4.h (IPv4 address) and em16.h (IPv6 address, or a packed
 * port+VLAN+MAC) are thin typed wrappers over it; use those.
 *
 * Every function takes the key width kw. Callers pass a compile-time
 * constant: the inline read path below is then specialised per width by the
 * compiler (loops over slots and key words unrolled, the layout offsets
 * folded), and the out-of-line lookups go to em.c's copy compiled for that
 * width (4 and 16; any other width runs a copy taking kw at run time).
 *
 * Single writer, any number of lock-free readers ONLY through gen.h: a
 * table is never written while a worker may read it (two copies are kept and
 * updated in turn, see gen.h). Reads never write shared memory.
 *
 * Layout and the measured choice of it are explained in em.c.
 *
 * Memory: when the EAL is up and has hugepages, tables come from
 * rte_zmalloc_socket(socket_id); otherwise (no EAL at all, as in unit tests
 * and tools, or EAL with --no-huge) from aligned_alloc, 2 MB aligned and
 * advised MADV_HUGEPAGE. No EAL is needed to use these tables. A table made
 * while the EAL is up must be freed before rte_eal_cleanup.
 * Sizes: kw 4 43 bytes per key both copies counted, kw 8 71, kw 16 107
 * (bound 128).
 */
#ifndef ENIMAP_EM_H
#define ENIMAP_EM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <nmmintrin.h>

#include "mem.h"

#define EM_BULK_MAX 64 /* most keys per bulk lookup */
#define EM_KEY_MAX 16  /* widest key, bytes */

/* One 64-byte line: em.c explains what it holds. Only em.c writes it. */
struct em_bucket {
	unsigned char line[64];
} __attribute__((aligned(64)));

/* Per-bucket bookkeeping, after the keys. */
struct em_meta {
	uint8_t used;	 /* bit i: slot i holds a key */
	uint8_t maxdist; /* furthest bucket (from here) holding a key whose home is here */
	uint16_t ndisp;	 /* keys whose home is here held in a later bucket */
};

/* A key as 64-bit words (em_words_of, below). */
struct em_words {
	uint64_t w[EM_KEY_MAX / 8];
};

/* Read only outside em.c. */
struct em {
	struct em_bucket *b; /* nb buckets */
	uint32_t nb;
	uint32_t count;
	uint32_t max_keys;
	struct lpm_mem mem;
};

/* A table for up to max_keys keys of kw bytes (memory is reserved up front).
 * NULL + errno (EINVAL: max_keys 0 or kw not a multiple of 4 in 4..16). */
struct em *em_create(const char *name, unsigned kw, uint32_t max_keys, int socket_id);
void em_free(struct em *t);
/* Insert or replace. 0, or -ENOSPC when max_keys keys are held. */
int em_add(struct em *t, unsigned kw, const void *key, uint64_t value);
/* 0, or -ENOENT. */
int em_delete(struct em *t, unsigned kw, const void *key);
/*
 * em.c's lookups, one copy per width: compiled for kw = 4, 8 and 16, and
 * for any kw at run time. em_lookup_words and em_lookup_bulk pick one; with
 * a constant kw the choice is made at compile time, so a call costs what a
 * call to a function for that width alone would.
 */
int em_lookup_words_4(const struct em *t, uint32_t key, uint64_t *value); /* the word, 32 bits */
int em_lookup_words_8(const struct em *t, uint64_t key, uint64_t *value);
int em_lookup_words_16(const struct em *t, uint64_t w0, uint64_t w1, uint64_t *value);
int em_lookup_words_any(const struct em *t, unsigned kw, uint64_t w0, uint64_t w1, uint64_t *value);
uint64_t em_lookup_bulk_4(const struct em *t, const void *keys, unsigned n, uint64_t *values);
uint64_t em_lookup_bulk_8(const struct em *t, const void *keys, unsigned n, uint64_t *values);
uint64_t em_lookup_bulk_16(const struct em *t, const void *keys, unsigned n, uint64_t *values);
uint64_t em_lookup_bulk_any(const struct em *t, unsigned kw, const void *keys, unsigned n,
			    uint64_t *values);

/*
 * em_lookup (below) for a key read as words (em_words_of): 1 and *value on a
 * hit, 0 on a miss, every bucket the key may be in. The two words go as two
 * arguments, in registers: a key passed by address (or a struct, which the
 * compiler builds in memory) would make every caller of the inline read path
 * keep its key in memory just for this rare fallback.
 */
static inline int em_lookup_words(const struct em *t, unsigned kw, uint64_t w0, uint64_t w1,
				  uint64_t *value)
{
	switch (kw) {
	case 4:
		return em_lookup_words_4(t, (uint32_t)w0, value);
	case 8:
		return em_lookup_words_8(t, w0, value);
	case 16:
		return em_lookup_words_16(t, w0, w1, value);
	default:
		return em_lookup_words_any(t, kw, w0, w1, value);
	}
}

/*
 * Look up n (<= EM_BULK_MAX) keys, kw bytes apart; values[i] is set for every
 * hit. Returns the hit mask (bit i set = key i found).
 */
static inline uint64_t em_lookup_bulk(const struct em *t, unsigned kw, const void *keys, unsigned n,
				      uint64_t *values)
{
	switch (kw) {
	case 4:
		return em_lookup_bulk_4(t, keys, n, values);
	case 8:
		return em_lookup_bulk_8(t, keys, n, values);
	case 16:
		return em_lookup_bulk_16(t, keys, n, values);
	default:
		return em_lookup_bulk_any(t, kw, keys, n, values);
	}
}

static inline uint32_t em_count(const struct em *t)
{
	return t->count;
}

/*
 * Walk every key: start with *cursor = 0; each call copies the next key (kw
 * bytes) to key and its value to *value and returns 1, then 0 at the end.
 * In bucket order (no key order). The same reader rules as a lookup: on a
 * table no writer changes meanwhile (gen.h's published side, read by the
 * writer's own thread, or under its lock).
 */
int em_iterate(const struct em *t, unsigned kw, uint32_t *cursor, void *key, uint64_t *value);

/* Bytes held. */
static inline size_t em_memory(const struct em *t)
{
	return sizeof(*t) + (size_t)t->nb * sizeof(struct em_bucket);
}

/*
 * ---- the bucket layout, as a function of kw ----
 * A slot is a key (kw bytes) and a value (8 bytes); a bucket holds as many as
 * fit beside the 4-byte em_meta: keys | meta | values (8-byte aligned).
 * kw 4: 5 slots, keys 0-19, meta 20, values 24; kw 8: 3 slots, keys 0-23, meta
 * 24, values 32; kw 16: 2 slots, keys 0-31,
 * meta 32, values 40.
 */
static inline unsigned em_slots(unsigned kw)
{
	return (unsigned)((sizeof(struct em_bucket) - sizeof(struct em_meta)) /
			  (kw + sizeof(uint64_t)));
}

static inline size_t em_meta_offset(unsigned kw)
{
	return (size_t)em_slots(kw) * kw;
}

static inline size_t em_values_offset(unsigned kw)
{
	return (em_meta_offset(kw) + sizeof(struct em_meta) + 7) & ~(size_t)7;
}

static inline const struct em_meta *em_bucket_meta(const struct em_bucket *b, unsigned kw)
{
	return (const struct em_meta *)(const void *)(b->line + em_meta_offset(kw));
}

static inline uint64_t em_bucket_value(const struct em_bucket *b, unsigned kw, unsigned slot)
{
	const uint64_t *v = (const uint64_t *)(const void *)(b->line + em_values_offset(kw));
	return v[slot];
}

/*
 * ---- keys as 64-bit words ----
 * A key is read as (kw + 7) / 8 words, the last one zero-extended when kw is
 * not a multiple of 8, and the words past them zero; memcpy, so a key needs
 * no alignment.
 */
static inline unsigned em_nwords(unsigned kw)
{
	return (kw + 7) / 8;
}

static inline void em_words_of(struct em_words *k, const void *key, unsigned kw)
{
	const unsigned char *p = key;

	for (unsigned i = 0; i < EM_KEY_MAX / 8; i++)
		k->w[i] = 0; /* the words past the key too: em_lookup_words passes them */
	for (unsigned i = 0; i < em_nwords(kw); i++)
		memcpy(&k->w[i], p + 8 * i, kw - 8 * i < 8 ? kw - 8 * i : 8);
}

/* The home bucket of a key: CRC32 (SSE4.2) of its words, reduced to [0, nb)
 * by a multiply-shift, so nb need not be a power of two. */
static inline uint32_t em_home_of_words(const struct em *t, unsigned kw, const struct em_words *k)
{
	uint64_t h = 0x9e3779b9u;

	for (unsigned i = 0; i < em_nwords(kw); i++)
		h = kw - 8 * i < 8 ? _mm_crc32_u32((uint32_t)h, (uint32_t)k->w[i])
				   : _mm_crc32_u64(h, k->w[i]);
	return (uint32_t)((h * t->nb) >> 32);
}

static inline uint32_t em_home(const struct em *t, unsigned kw, const void *key)
{
	struct em_words k;

	em_words_of(&k, key, kw);
	return em_home_of_words(t, kw, &k);
}

/* kw 4: slots 0-3 in one SSE compare, the rest one by one. */
static inline unsigned em_match_4(const struct em_bucket *b, uint32_t key)
{
	__m128i k = _mm_loadu_si128((const __m128i *)(const void *)b->line);
	__m128i eq = _mm_cmpeq_epi32(k, _mm_set1_epi32((int)key));
	unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(eq));

	for (unsigned s = 4; s < em_slots(4); s++) {
		uint32_t x;
		memcpy(&x, b->line + 4 * s, 4);
		m |= (unsigned)(x == key) << s;
	}
	return m;
}

/* kw 8: slots 0-1 in one SSE4.1 compare, slot 2 alone (em_slots(8) is 3). */
static inline unsigned em_match_8(const struct em_bucket *b, uint64_t key)
{
	__m128i k = _mm_loadu_si128((const __m128i *)(const void *)b->line);
	__m128i eq = _mm_cmpeq_epi64(k, _mm_set1_epi64x((long long)key));
	unsigned m = (unsigned)_mm_movemask_pd(_mm_castsi128_pd(eq));
	uint64_t x;

	memcpy(&x, b->line + 16, 8);
	return m | (unsigned)(x == key) << 2;
}

/* Any width: each slot's words XORed with the key's, no branch (which slot
 * holds a random key is unpredictable: && would cost a mispredict per lookup). */
static inline unsigned em_match_words(const struct em_bucket *b, unsigned kw,
				      const struct em_words *k)
{
	unsigned m = 0;

	for (unsigned s = 0; s < em_slots(kw); s++) {
		struct em_words x;
		uint64_t diff = 0;

		em_words_of(&x, b->line + (size_t)s * kw, kw);
		for (unsigned i = 0; i < em_nwords(kw); i++)
			diff |= x.w[i] ^ k->w[i];
		m |= (unsigned)(diff == 0) << s;
	}
	return m;
}

/* Bit mask of the used slots of b that hold the key (whose words are k). */
static inline unsigned em_bucket_match(const struct em_bucket *b, unsigned kw,
				       const struct em_words *k)
{
	unsigned m = kw == 4   ? em_match_4(b, (uint32_t)k->w[0])
		     : kw == 8 ? em_match_8(b, k->w[0])
			       : em_match_words(b, kw, k);

	return m & em_bucket_meta(b, kw)->used;
}

/*
 * ---- the inline read path ----
 * Per-packet callers start a lookup a stage ahead (em_prefetch_home) and
 * finish it one key at a time (em_lookup_home), between other work, so the
 * line has arrived; a function call per key would cost as much as the lookup.
 */

/* Prefetch the key's home line; returns the home, for em_lookup_home. */
static inline uint32_t em_prefetch_home(const struct em *t, unsigned kw, const void *key)
{
	uint32_t h = em_home(t, kw, key);

	__builtin_prefetch(&t->b[h]);
	return h;
}

static inline int em_lookup_home_words(const struct em *t, unsigned kw, const struct em_words *k,
				       uint32_t home, uint64_t *value)
{
	const struct em_bucket *b = &t->b[home];
	unsigned m = em_bucket_match(b, kw, k);

	if (__builtin_expect(m != 0, 1)) {
		*value = em_bucket_value(b, kw, (unsigned)__builtin_ctz(m));
		return 1;
	}
	/* not in its home line: a later one only if a key of this home was pushed on */
	if (__builtin_expect(em_bucket_meta(b, kw)->maxdist == 0, 1))
		return 0;
	return em_lookup_words(t, kw, k->w[0], k->w[1], value);
}

/* em_lookup for a key whose home came from em_prefetch_home on the same table
 * t (unchanged since). */
static inline int em_lookup_home(const struct em *t, unsigned kw, const void *key, uint32_t home,
				 uint64_t *value)
{
	struct em_words k;

	em_words_of(&k, key, kw);
	return em_lookup_home_words(t, kw, &k, home, value);
}

/* em_lookup, with its first bucket inline (the key is read once). */
static inline int em_lookup_one(const struct em *t, unsigned kw, const void *key, uint64_t *value)
{
	struct em_words k;

	em_words_of(&k, key, kw);
	return em_lookup_home_words(t, kw, &k, em_home_of_words(t, kw, &k), value);
}

/* 1 and *value on a hit, 0 on a miss. */
static inline int em_lookup(const struct em *t, unsigned kw, const void *key, uint64_t *value)
{
	struct em_words k;

	em_words_of(&k, key, kw);
	return em_lookup_words(t, kw, k.w[0], k.w[1], value);
}

#endif
