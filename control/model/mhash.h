/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mhash.h - a small open-addressing (linear probing) hash map from a key to a
 * uint32_t value, for the model's indexes (id -> object, address -> owner,
 * MAC -> ENI). No EAL needed.
 *
 * Two kinds of key:
 * - inline keys of a fixed size (key_size > 0): the map stores a copy
 *   (IPv4 addresses, IPv6 addresses, MACs);
 * - external keys (key_size == 0): the map stores only the value and the
 *   key's hash; the key lives in the object the value names, and the caller's
 *   eq() callback compares it (ids: no second copy of every id string).
 *
 * Deletion shifts entries back (no tombstones), so lookups stay short after
 * any amount of churn. mhash_reserve() makes room beforehand so that the next
 * n inserts cannot fail: the model reserves before it mutates, which keeps
 * every operation all-or-nothing even when memory runs out.
 */
#ifndef ENIMAP_MHASH_H
#define ENIMAP_MHASH_H

#include <stddef.h>
#include <stdint.h>

#define MHASH_EMPTY UINT32_MAX /* reserved: never a value */

/* External-key comparison: does the object named by val have this key? */
typedef int (*mhash_eq_fn)(const void *ctx, uint32_t val, const void *key, size_t len);

struct mhash {
	/*
	 * One array of slots, each {uint32_t val (MHASH_EMPTY = free), uint32_t
	 * hash (cached), key bytes (inline keys only)}: a probe touches one
	 * cache line, not three.
	 */
	uint8_t *slots;
	size_t stride;	 /* bytes per slot */
	size_t key_size; /* 0 = external keys */
	size_t mask;	 /* slots - 1 (slots is a power of two), 0 before first use */
	size_t n;	 /* entries */
	mhash_eq_fn eq;
	const void *ctx;
};

/* Initialise an empty map (no memory until the first reserve/insert). */
void mhash_init(struct mhash *h, size_t key_size, mhash_eq_fn eq, const void *ctx);
void mhash_fini(struct mhash *h);

/* Make room so that `more` further inserts need no memory. 0 or -ENOMEM. */
int mhash_reserve(struct mhash *h, size_t more);
/* Lookup: 0 and *val, or -ENOENT. */
int mhash_get(const struct mhash *h, const void *key, size_t len, uint32_t *val);
/* Insert or replace. 0 or -ENOMEM (only when not reserved). */
int mhash_put(struct mhash *h, const void *key, size_t len, uint32_t val);
/* Remove: 0, or -ENOENT. */
int mhash_del(struct mhash *h, const void *key, size_t len);
/* Start loading the slot where key's lookup begins (a hint: changes nothing). */
void mhash_prefetch(const struct mhash *h, const void *key, size_t len);
/* Heap bytes held. */
size_t mhash_bytes(const struct mhash *h);
/* dst = a copy of src, slot for slot, comparing with ctx: 0, or -ENOMEM with dst empty. */
int mhash_clone(struct mhash *dst, const struct mhash *src, const void *ctx);

#endif
