/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em8.h - exact-match table: 64-bit key -> 64-bit value. Thin typed wrappers
 * over em.h with kw = 8 (rules, memory and layout: em.h and em.c). enimap
 * keys it by {VPC slot, private IPv4} (fwd.h, fwd_priv_key): a private
 * address is unique inside its VPC only (SPEC R31). A struct em8 is a
 * struct em seen through these functions.
 */
#ifndef ENIMAP_EM8_H
#define ENIMAP_EM8_H

#include <stddef.h>
#include <stdint.h>

#include "em.h"

#define EM8_KW 8 /* key width, bytes */

struct em8; /* never defined: a struct em */

static inline struct em *em8_em(struct em8 *t)
{
	return (struct em *)(void *)t;
}

static inline const struct em *em8_cem(const struct em8 *t)
{
	return (const struct em *)(const void *)t;
}

/* A table for up to max_keys keys (memory is reserved up front). NULL + errno. */
static inline struct em8 *em8_create(const char *name, uint32_t max_keys, int socket_id)
{
	return (struct em8 *)(void *)em_create(name, EM8_KW, max_keys, socket_id);
}

static inline void em8_free(struct em8 *t)
{
	em_free(em8_em(t));
}

/* Insert or replace. 0, or -ENOSPC when max_keys keys are held. */
static inline int em8_add(struct em8 *t, uint64_t key, uint64_t value)
{
	return em_add(em8_em(t), EM8_KW, &key, value);
}

/* 0, or -ENOENT. */
static inline int em8_delete(struct em8 *t, uint64_t key)
{
	return em_delete(em8_em(t), EM8_KW, &key);
}

/* 1 and *value on a hit, 0 on a miss. */
static inline int em8_lookup(const struct em8 *t, uint64_t key, uint64_t *value)
{
	return em_lookup(em8_cem(t), EM8_KW, &key, value);
}

/* Look up n (<= EM_BULK_MAX) keys; values[i] is set for every hit. Returns the
 * hit mask (bit i set = keys[i] found). */
static inline uint64_t em8_lookup_bulk(const struct em8 *t, const uint64_t *keys, unsigned n,
				       uint64_t *values)
{
	return em_lookup_bulk(em8_cem(t), EM8_KW, keys, n, values);
}

/*
 * The per-packet read path, hashing once: em8_prefetch_home prefetches key's
 * line and returns its home bucket; em8_lookup_home is em8_lookup for a key
 * whose home came from em8_prefetch_home on the same table t (unchanged since).
 */
static inline uint32_t em8_prefetch_home(const struct em8 *t, uint64_t key)
{
	return em_prefetch_home(em8_cem(t), EM8_KW, &key);
}

static inline int em8_lookup_home(const struct em8 *t, uint64_t key, uint32_t home, uint64_t *value)
{
	return em_lookup_home(em8_cem(t), EM8_KW, &key, home, value);
}

/* em_iterate: the next key and value from *cursor (0 first); 1, or 0 at the end. */
static inline int em8_iterate(const struct em8 *t, uint32_t *cursor, uint64_t *key, uint64_t *value)
{
	return em_iterate(em8_cem(t), EM8_KW, cursor, key, value);
}

static inline uint32_t em8_count(const struct em8 *t)
{
	return em_count(em8_cem(t));
}

/* Bytes held. */
static inline size_t em8_memory(const struct em8 *t)
{
	return em_memory(em8_cem(t));
}

#endif
