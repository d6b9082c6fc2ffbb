/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * em4.h - exact-match table: IPv4 address (32-bit key) -> 64-bit value.
 *
 * Single writer, any number of lock-free readers ONLY through gen.h: a
 * table is never written while a worker may read it (two copies are kept and
 * updated in turn, see gen.h). Reads never write shared memory.
 *
 * Layout and the measured choice of it are explained in em4.c.
 *
 * Memory: when the EAL is up and has hugepages, tables come from
 * rte_zmalloc_socket(socket_id); otherwise (no EAL at all, as in unit tests
 * and tools, or EAL with --no-huge) from aligned_alloc, 2 MB aligned and
 * advised MADV_HUGEPAGE. No EAL is needed to use these tables. A table made
 * while the EAL is up must be freed before rte_eal_cleanup.
 * Sizes: em4 43 bytes per key both copies counted, em16 107 (bound 128).
 */
#ifndef ENIMAP_EM4_H
#define ENIMAP_EM4_H

#include <stdint.h>
#include <stddef.h>

#define EM_BULK_MAX 64 /* most keys per bulk lookup */

struct em4;

/* A table for up to max_keys keys (memory is reserved up front). NULL + errno. */
struct em4 *em4_create(const char *name, uint32_t max_keys, int socket_id);
void em4_free(struct em4 *t);

/* Insert or replace. 0, or -ENOSPC when max_keys keys are held. */
int em4_add(struct em4 *t, uint32_t key, uint64_t value);
/* 0, or -ENOENT. */
int em4_delete(struct em4 *t, uint32_t key);
/* 1 and *value on a hit, 0 on a miss. */
int em4_lookup(const struct em4 *t, uint32_t key, uint64_t *value);
/*
 * Look up n (<= EM_BULK_MAX) keys; values[i] is set for every hit. Returns the
 * hit mask (bit i set = keys[i] found).
 */
uint64_t em4_lookup_bulk(const struct em4 *t, const uint32_t *keys, unsigned n, uint64_t *values);
/* Prefetch the line where key lives (to start a lookup a stage ahead). */
void em4_prefetch(const struct em4 *t, uint32_t key);
/*
 * The same, hashing once: em4_prefetch_home prefetches key's line and returns
 * its home bucket; em4_lookup_bulk_homes is em4_lookup_bulk for keys whose
 * homes[i] came from em4_prefetch_home on the same table t (unchanged since).
 */
uint32_t em4_prefetch_home(const struct em4 *t, uint32_t key);
uint64_t em4_lookup_bulk_homes(const struct em4 *t, const uint32_t *keys, const uint32_t *homes,
			       unsigned n, uint64_t *values);
uint32_t em4_count(const struct em4 *t);
size_t em4_memory(const struct em4 *t); /* bytes held */

#endif
