/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em16.h - exact-match table: 128-bit key (IPv6 address, or a packed
 * port+VLAN+MAC) -> 64-bit value. Thin typed wrappers over em.h with
 * kw = 16 (rules, memory and layout: em.h and em.c). A struct em16 is a
 * struct em seen through these functions.
 */
#ifndef ENIMAP_EM16_H
#define ENIMAP_EM16_H

#include <stddef.h>
#include <stdint.h>

#include "em.h"

#define EM16_KW 16 /* key width, bytes */

struct em16_key {
	uint8_t b[16];
} __attribute__((aligned(8)));

_Static_assert(sizeof(struct em16_key) == EM16_KW, "em16_lookup_bulk: keys EM16_KW bytes apart");

struct em16; /* never defined: a struct em */

static inline struct em *em16_em(struct em16 *t)
{
	return (struct em *)(void *)t;
}

static inline const struct em *em16_cem(const struct em16 *t)
{
	return (const struct em *)(const void *)t;
}

static inline struct em16 *em16_create(const char *name, uint32_t max_keys, int socket_id)
{
	return (struct em16 *)(void *)em_create(name, EM16_KW, max_keys, socket_id);
}

static inline void em16_free(struct em16 *t)
{
	em_free(em16_em(t));
}

static inline int em16_add(struct em16 *t, const struct em16_key *key, uint64_t value)
{
	return em_add(em16_em(t), EM16_KW, key->b, value);
}

static inline int em16_delete(struct em16 *t, const struct em16_key *key)
{
	return em_delete(em16_em(t), EM16_KW, key->b);
}

static inline int em16_lookup(const struct em16 *t, const struct em16_key *key, uint64_t *value)
{
	return em_lookup(em16_cem(t), EM16_KW, key->b, value);
}

static inline uint64_t em16_lookup_bulk(const struct em16 *t, const struct em16_key *keys,
					unsigned n, uint64_t *values)
{
	return em_lookup_bulk(em16_cem(t), EM16_KW, keys, n, values);
}

/* Prefetch the line where key lives (to start a lookup a stage ahead). */
static inline void em16_prefetch(const struct em16 *t, const struct em16_key *key)
{
	(void)em_prefetch_home(em16_cem(t), EM16_KW, key->b);
}

/* em16_lookup, inline for per-packet callers. */
static inline int em16_lookup_one(const struct em16 *t, const struct em16_key *key, uint64_t *value)
{
	return em_lookup_one(em16_cem(t), EM16_KW, key->b, value);
}

/* em_iterate: the next key and value from *cursor (0 first); 1, or 0 at the end. */
static inline int em16_iterate(const struct em16 *t, uint32_t *cursor, struct em16_key *key,
			       uint64_t *value)
{
	return em_iterate(em16_cem(t), EM16_KW, cursor, key->b, value);
}

static inline uint32_t em16_count(const struct em16 *t)
{
	return em_count(em16_cem(t));
}

static inline size_t em16_memory(const struct em16 *t)
{
	return em_memory(em16_cem(t));
}

#endif
