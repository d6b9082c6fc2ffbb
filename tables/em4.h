/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em4.h - exact-match table: IPv4 address (32-bit key, host order) -> 64-bit
 * value. Thin typed wrappers over em.h with kw = 4 (rules, memory and layout:
 * em.h and em.c). A struct em4 is a struct em seen through these functions.
 */
#ifndef ENIMAP_EM4_H
#define ENIMAP_EM4_H

#include <stddef.h>
#include <stdint.h>

#include "em.h"

#define EM4_KW 4 /* key width, bytes */

struct em4; /* never defined: a struct em */

static inline struct em *em4_em(struct em4 *t)
{
	return (struct em *)(void *)t;
}

static inline const struct em *em4_cem(const struct em4 *t)
{
	return (const struct em *)(const void *)t;
}

/* A table for up to max_keys keys (memory is reserved up front). NULL + errno. */
static inline struct em4 *em4_create(const char *name, uint32_t max_keys, int socket_id)
{
	return (struct em4 *)(void *)em_create(name, EM4_KW, max_keys, socket_id);
}

static inline void em4_free(struct em4 *t)
{
	em_free(em4_em(t));
}

/* Insert or replace. 0, or -ENOSPC when max_keys keys are held. */
static inline int em4_add(struct em4 *t, uint32_t key, uint64_t value)
{
	return em_add(em4_em(t), EM4_KW, &key, value);
}

/* 0, or -ENOENT. */
static inline int em4_delete(struct em4 *t, uint32_t key)
{
	return em_delete(em4_em(t), EM4_KW, &key);
}

/* 1 and *value on a hit, 0 on a miss. */
static inline int em4_lookup(const struct em4 *t, uint32_t key, uint64_t *value)
{
	return em_lookup(em4_cem(t), EM4_KW, &key, value);
}

/* Look up n (<= EM_BULK_MAX) keys; values[i] is set for every hit. Returns the
 * hit mask (bit i set = keys[i] found). */
static inline uint64_t em4_lookup_bulk(const struct em4 *t, const uint32_t *keys, unsigned n,
				       uint64_t *values)
{
	return em_lookup_bulk(em4_cem(t), EM4_KW, keys, n, values);
}

/*
 * The per-packet read path, hashing once: em4_prefetch_home prefetches key's
 * line and returns its home bucket; em4_lookup_home is em4_lookup for a key
 * whose home came from em4_prefetch_home on the same table t (unchanged since).
 */
static inline uint32_t em4_prefetch_home(const struct em4 *t, uint32_t key)
{
	return em_prefetch_home(em4_cem(t), EM4_KW, &key);
}

static inline int em4_lookup_home(const struct em4 *t, uint32_t key, uint32_t home, uint64_t *value)
{
	return em_lookup_home(em4_cem(t), EM4_KW, &key, home, value);
}

/* em_iterate: the next key and value from *cursor (0 first); 1, or 0 at the end. */
static inline int em4_iterate(const struct em4 *t, uint32_t *cursor, uint32_t *key, uint64_t *value)
{
	return em_iterate(em4_cem(t), EM4_KW, cursor, key, value);
}

static inline uint32_t em4_count(const struct em4 *t)
{
	return em_count(em4_cem(t));
}

/* Bytes held. */
static inline size_t em4_memory(const struct em4 *t)
{
	return em_memory(em4_cem(t));
}

#endif
