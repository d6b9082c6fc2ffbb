/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em16.h - exact-match table: 128-bit key (IPv6 address, or a packed
 * port+VLAN+MAC) -> 64-bit value. Same rules as em4.h.
 */
#ifndef ENIMAP_EM16_H
#define ENIMAP_EM16_H

#include <stdint.h>
#include <stddef.h>

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

#endif
