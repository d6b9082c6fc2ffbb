/* SPDX-License-Identifier: BSD-3-Clause */
#include "mhash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void mhash_init(struct mhash *h, size_t key_size, mhash_eq_fn eq, const void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->key_size = key_size;
	h->stride = 8 + ((key_size + 3) & ~(size_t)3);
	h->eq = eq;
	h->ctx = ctx;
}

void mhash_fini(struct mhash *h)
{
	free(h->slots);
	mhash_init(h, h->key_size, h->eq, h->ctx);
}

static inline uint32_t *sval(const struct mhash *h, size_t i)
{
	return (uint32_t *)(h->slots + i * h->stride);
}

static inline uint32_t *shash(const struct mhash *h, size_t i)
{
	return (uint32_t *)(h->slots + i * h->stride + 4);
}

static inline uint8_t *skey(const struct mhash *h, size_t i)
{
	return h->slots + i * h->stride + 8;
}

static uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static uint32_t mhash_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;

	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = fmix64(h ^ w);
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = fmix64(h ^ w ^ 0x5bd1e995);
	}
	return (uint32_t)h;
}

static size_t nslots(const struct mhash *h)
{
	return h->slots ? h->mask + 1 : 0;
}

static int key_eq(const struct mhash *h, size_t i, const void *key, size_t len)
{
	if (h->key_size)
		return memcmp(skey(h, i), key, h->key_size) == 0;
	return h->eq(h->ctx, *sval(h, i), key, len);
}

/* Find the slot holding key, or the empty slot where it would go. */
static size_t probe(const struct mhash *h, const void *key, size_t len, uint32_t hv, int *found)
{
	size_t i = hv & h->mask;

	for (;;) {
		if (*sval(h, i) == MHASH_EMPTY) {
			*found = 0;
			return i;
		}
		if (*shash(h, i) == hv && key_eq(h, i, key, len)) {
			*found = 1;
			return i;
		}
		i = (i + 1) & h->mask;
	}
}

/* Place an entry known to be absent (rehash). */
static void place(struct mhash *h, uint32_t hv, const uint8_t *key, uint32_t val)
{
	size_t i = hv & h->mask;

	while (*sval(h, i) != MHASH_EMPTY)
		i = (i + 1) & h->mask;
	*sval(h, i) = val;
	*shash(h, i) = hv;
	if (h->key_size)
		memcpy(skey(h, i), key, h->key_size);
}

/*
 * Slot arrays of a few MB and more (a million addresses: 16-24 MB each) on
 * transparent huge pages where the kernel offers them: lookups in them are
 * random, and with 4 KiB pages nearly every one also misses the TLB.
 */
#define HUGE_PAGE ((size_t)2 << 20)
static void *slots_alloc(size_t bytes)
{
	void *p;

	if (bytes < 2 * HUGE_PAGE)
		return malloc(bytes);
	bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (posix_memalign(&p, HUGE_PAGE, bytes))
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: 4 KiB pages work too */
	return p;
}

static int grow(struct mhash *h, size_t want_slots)
{
	struct mhash old = *h;
	size_t n = 16;

	while (n < want_slots)
		n <<= 1;
	h->slots = slots_alloc(n * h->stride);
	if (!h->slots) {
		*h = old;
		return -ENOMEM;
	}
	h->mask = n - 1;
	for (size_t i = 0; i < n; i++)
		*sval(h, i) = MHASH_EMPTY;
	for (size_t i = 0; i < nslots(&old); i++)
		if (*sval(&old, i) != MHASH_EMPTY)
			place(h, *shash(&old, i), skey(&old, i), *sval(&old, i));
	free(old.slots);
	return 0;
}

int mhash_reserve(struct mhash *h, size_t more)
{
	size_t need = h->n + more;

	/* keep the load at or below 3/4 */
	if (need * 4 <= nslots(h) * 3 && h->slots)
		return 0;
	return grow(h, need + need / 3 + 1);
}

int mhash_get(const struct mhash *h, const void *key, size_t len, uint32_t *val)
{
	int found;
	size_t i;

	if (!h->n) /* e.g. no EIP yet: no hashing, no cache miss in a reserved, empty table */
		return -ENOENT;
	i = probe(h, key, len, mhash_hash(key, len), &found);
	if (!found)
		return -ENOENT;
	*val = *sval(h, i);
	return 0;
}

int mhash_put(struct mhash *h, const void *key, size_t len, uint32_t val)
{
	uint32_t hv = mhash_hash(key, len);
	int found;
	size_t i;

	if (mhash_reserve(h, 1) < 0)
		return -ENOMEM;
	i = probe(h, key, len, hv, &found);
	*sval(h, i) = val;
	*shash(h, i) = hv;
	if (!found) {
		if (h->key_size)
			memcpy(skey(h, i), key, h->key_size);
		h->n++;
	}
	return 0;
}

int mhash_del(struct mhash *h, const void *key, size_t len)
{
	int found;
	size_t i, j;

	if (!h->slots)
		return -ENOENT;
	i = probe(h, key, len, mhash_hash(key, len), &found);
	if (!found)
		return -ENOENT;
	/* backward-shift deletion: pull later entries of the run into the hole */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & h->mask;
		if (*sval(h, j) == MHASH_EMPTY)
			break;
		home = *shash(h, j) & h->mask;
		/* entry j may move to i only if its home is not in (i, j] (cyclically) */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			memcpy(h->slots + i * h->stride, h->slots + j * h->stride, h->stride);
			i = j;
		}
	}
	*sval(h, i) = MHASH_EMPTY;
	h->n--;
	return 0;
}

void mhash_prefetch(const struct mhash *h, const void *key, size_t len)
{
	if (h->slots)
		__builtin_prefetch(sval(h, mhash_hash(key, len) & h->mask));
}

size_t mhash_bytes(const struct mhash *h)
{
	return nslots(h) * h->stride;
}

int mhash_clone(struct mhash *dst, const struct mhash *src, const void *ctx)
{
	*dst = *src;
	dst->ctx = ctx;
	if (!src->slots)
		return 0;
	dst->slots = slots_alloc(nslots(src) * src->stride);
	if (!dst->slots) {
		mhash_init(dst, src->key_size, src->eq, ctx);
		return -ENOMEM;
	}
	memcpy(dst->slots, src->slots, nslots(src) * src->stride);
	return 0;
}
