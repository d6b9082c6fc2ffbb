/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route.c - LPM route tables: a small table, and rte_fib / rte_fib6 past a
 * threshold.
 *
 * Why two: a VPC route table holds a handful of routes, and there is one per
 * route table, twice (two generations). rte_fib's DIR24_8 takes 2^24 x 4 B =
 * 64 MB whatever it holds (rte_lpm the same), which 512 MB of --no-huge
 * memory cannot afford per route table. So every table starts as a small
 * table: the routes sorted by depth, longest first, scanned in order; the
 * first match is the longest. Past ROUTE_SMALL_MAX routes (and when the EAL
 * is up: rte_fib needs it) an rte_fib (DIR24_8) / rte_fib6 (TRIE) is built
 * beside it and lookups go to the fib. The small table stays the list of
 * routes (to build from and to check replaces and deletes), and the fib is
 * kept once built. Without the EAL the small table takes any number of
 * routes, just more slowly. Measured (bench/lpm_bench, same run, random
 * addresses, cycles per lookup in bursts of 32; see the report): the small
 * table costs a few cycles per route scanned; the break-even with
 * rte_fib is ROUTE_SMALL_MAX routes.
 *
 * Prefixes are stored in host order with host bits cleared (as rte_lpm does,
 * an add of 10.0.0.1/8 means 10.0.0.0/8).
 */
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_fib.h>
#include <rte_fib6.h>

#include "mem.h"

#define ROUTE_SMALL_MAX 32 /* routes a small table serves alone */

static unsigned route_fib_seq; /* makes rte_fib names unique */

static void route_fib_name(char *buf, size_t len, const char *kind, const char *name)
{
	unsigned seq = __atomic_fetch_add(&route_fib_seq, 1, __ATOMIC_RELAXED);
	snprintf(buf, len, "%s%u-%.8s", kind, seq, name != NULL ? name : "");
}

/* ---- IPv4 ---- */

struct route4_entry {
	uint32_t prefix; /* host order, host bits clear */
	uint32_t mask;
	uint32_t nh;
	uint8_t depth;
};

struct route4 {
	struct route4_entry *r; /* n entries, depth descending */
	uint32_t n;
	uint32_t cap;
	struct rte_fib *fib; /* non-NULL: lookups go here */
	int socket_id;
	char name[32];
};

static inline uint32_t route4_mask(uint8_t depth)
{
	return depth == 0 ? 0 : ~0u << (32 - depth);
}

struct route4 *route4_create(const char *name, uint32_t max_routes, int socket_id)
{
	if (max_routes == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct route4 *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->r = calloc(max_routes, sizeof(*t->r));
	if (t->r == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->cap = max_routes;
	t->socket_id = socket_id;
	snprintf(t->name, sizeof(t->name), "%s", name != NULL ? name : "");
	return t;
}

void route4_free(struct route4 *t)
{
	if (t == NULL)
		return;
	rte_fib_free(t->fib);
	free(t->r);
	free(t);
}

static int route4_find(const struct route4 *t, uint32_t prefix, uint8_t depth)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->r[i].depth == depth && t->r[i].prefix == prefix)
			return (int)i;
	return -1;
}

/* Build the fib from the small table; on failure lookups stay small. */
static void route4_fib_build(struct route4 *t)
{
	char fname[24]; /* memzone names are short: FIB_ + this < 32 */
	struct rte_fib_conf conf = {
	    .type = RTE_FIB_DIR24_8,
	    .default_nh = ROUTE_MISS,
	    .max_routes = (int)t->cap,
	    .dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_4B,
			.num_tbl8 = t->cap < (1u << 15) ? t->cap : (1u << 15)},
	};
	route_fib_name(fname, sizeof(fname), "r4-", t->name);
	struct rte_fib *fib = rte_fib_create(fname, t->socket_id, &conf);
	if (fib == NULL)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		if (rte_fib_add(fib, t->r[i].prefix, t->r[i].depth, t->r[i].nh) != 0) {
			rte_fib_free(fib);
			return;
		}
	}
	t->fib = fib;
}

int route4_add(struct route4 *t, uint32_t prefix, uint8_t depth, uint32_t next_hop)
{
	if (depth > 32 || next_hop >= ROUTE_NH_MAX)
		return -EINVAL;
	uint32_t p = rte_be_to_cpu_32(prefix) & route4_mask(depth);
	int i = route4_find(t, p, depth);
	if (i < 0 && t->n == t->cap)
		return -ENOSPC;
	if (t->fib != NULL && rte_fib_add(t->fib, p, depth, next_hop) != 0)
		return -ENOSPC;
	if (i >= 0) {
		t->r[i].nh = next_hop;
		return 0;
	}
	/* insert keeping depth descending */
	uint32_t at = 0;
	while (at < t->n && t->r[at].depth >= depth)
		at++;
	memmove(&t->r[at + 1], &t->r[at], (t->n - at) * sizeof(t->r[0]));
	t->r[at] = (struct route4_entry){p, route4_mask(depth), next_hop, depth};
	t->n++;
	if (t->fib == NULL && t->n > ROUTE_SMALL_MAX && lpm_mem_eal_up())
		route4_fib_build(t);
	return 0;
}

int route4_delete(struct route4 *t, uint32_t prefix, uint8_t depth)
{
	if (depth > 32)
		return -ENOENT;
	uint32_t p = rte_be_to_cpu_32(prefix) & route4_mask(depth);
	int i = route4_find(t, p, depth);
	if (i < 0)
		return -ENOENT;
	if (t->fib != NULL)
		(void)rte_fib_delete(t->fib, p, depth); /* the route is there: cannot fail */
	memmove(&t->r[i], &t->r[i + 1], (t->n - (uint32_t)i - 1) * sizeof(t->r[0]));
	t->n--;
	return 0;
}

void route4_lookup_bulk(const struct route4 *t, const uint32_t *addrs, unsigned n,
			uint32_t *next_hops)
{
	if (t->fib != NULL) {
		uint32_t ips[64];
		uint64_t nh[64];
		for (unsigned base = 0; base < n; base += 64) {
			unsigned k = n - base < 64 ? n - base : 64;
			for (unsigned i = 0; i < k; i++)
				ips[i] = rte_be_to_cpu_32(addrs[base + i]);
			rte_fib_lookup_bulk(t->fib, ips, nh, (int)k);
			for (unsigned i = 0; i < k; i++)
				next_hops[base + i] = (uint32_t)nh[i];
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = rte_be_to_cpu_32(addrs[i]);
		uint32_t nh = ROUTE_MISS;
		for (uint32_t j = 0; j < t->n; j++) {
			if ((a & t->r[j].mask) == t->r[j].prefix) {
				nh = t->r[j].nh;
				break;
			}
		}
		next_hops[i] = nh;
	}
}

/* ---- IPv6 ---- */

struct route6_entry {
	uint64_t prefix[2]; /* host order: [0] the high 64 bits; host bits clear */
	uint64_t mask[2];
	uint32_t nh;
	uint8_t depth;
	uint8_t bytes[16]; /* the prefix as given, masked: for rte_fib6 */
};

struct route6 {
	struct route6_entry *r;
	uint32_t n;
	uint32_t cap;
	struct rte_fib6 *fib;
	int socket_id;
	char name[32];
};

static void route6_mask(uint8_t depth, uint64_t mask[2])
{
	mask[0] = depth == 0 ? 0 : depth >= 64 ? ~0ull : ~0ull << (64 - depth);
	mask[1] = depth <= 64 ? 0 : depth == 128 ? ~0ull : ~0ull << (128 - depth);
}

static void route6_words(const uint8_t a[16], uint64_t w[2])
{
	uint64_t hi, lo;
	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	w[0] = rte_be_to_cpu_64(hi);
	w[1] = rte_be_to_cpu_64(lo);
}

struct route6 *route6_create(const char *name, uint32_t max_routes, int socket_id)
{
	if (max_routes == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct route6 *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->r = calloc(max_routes, sizeof(*t->r));
	if (t->r == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->cap = max_routes;
	t->socket_id = socket_id;
	snprintf(t->name, sizeof(t->name), "%s", name != NULL ? name : "");
	return t;
}

void route6_free(struct route6 *t)
{
	if (t == NULL)
		return;
	rte_fib6_free(t->fib);
	free(t->r);
	free(t);
}

static int route6_find(const struct route6 *t, const uint64_t p[2], uint8_t depth)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->r[i].depth == depth && t->r[i].prefix[0] == p[0] &&
		    t->r[i].prefix[1] == p[1])
			return (int)i;
	return -1;
}

static void route6_fib_build(struct route6 *t)
{
	char fname[24];
	struct rte_fib6_conf conf = {
	    .type = RTE_FIB6_TRIE,
	    .default_nh = ROUTE_MISS,
	    .max_routes = (int)t->cap,
	    .trie = {.nh_sz = RTE_FIB6_TRIE_4B,
		     .num_tbl8 = t->cap * 4 < (1u << 16) ? t->cap * 4 : (1u << 16)},
	};
	route_fib_name(fname, sizeof(fname), "r6-", t->name);
	struct rte_fib6 *fib = rte_fib6_create(fname, t->socket_id, &conf);
	if (fib == NULL)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		if (rte_fib6_add(fib, t->r[i].bytes, t->r[i].depth, t->r[i].nh) != 0) {
			rte_fib6_free(fib);
			return;
		}
	}
	t->fib = fib;
}

static void route6_masked(const uint8_t prefix[16], uint8_t depth, uint64_t p[2], uint8_t bytes[16])
{
	uint64_t m[2];
	route6_words(prefix, p);
	route6_mask(depth, m);
	p[0] &= m[0];
	p[1] &= m[1];
	uint64_t hi = rte_cpu_to_be_64(p[0]), lo = rte_cpu_to_be_64(p[1]);
	memcpy(bytes, &hi, 8);
	memcpy(bytes + 8, &lo, 8);
}

int route6_add(struct route6 *t, const uint8_t prefix[16], uint8_t depth, uint32_t next_hop)
{
	if (depth > 128 || next_hop >= ROUTE_NH_MAX)
		return -EINVAL;
	uint64_t p[2];
	uint8_t bytes[16];
	route6_masked(prefix, depth, p, bytes);
	int i = route6_find(t, p, depth);
	if (i < 0 && t->n == t->cap)
		return -ENOSPC;
	if (t->fib != NULL && rte_fib6_add(t->fib, bytes, depth, next_hop) != 0)
		return -ENOSPC;
	if (i >= 0) {
		t->r[i].nh = next_hop;
		return 0;
	}
	uint32_t at = 0;
	while (at < t->n && t->r[at].depth >= depth)
		at++;
	memmove(&t->r[at + 1], &t->r[at], (t->n - at) * sizeof(t->r[0]));
	struct route6_entry *e = &t->r[at];
	e->prefix[0] = p[0];
	e->prefix[1] = p[1];
	route6_mask(depth, e->mask);
	e->nh = next_hop;
	e->depth = depth;
	memcpy(e->bytes, bytes, 16);
	t->n++;
	if (t->fib == NULL && t->n > ROUTE_SMALL_MAX && lpm_mem_eal_up())
		route6_fib_build(t);
	return 0;
}

int route6_delete(struct route6 *t, const uint8_t prefix[16], uint8_t depth)
{
	if (depth > 128)
		return -ENOENT;
	uint64_t p[2];
	uint8_t bytes[16];
	route6_masked(prefix, depth, p, bytes);
	int i = route6_find(t, p, depth);
	if (i < 0)
		return -ENOENT;
	if (t->fib != NULL)
		(void)rte_fib6_delete(t->fib, bytes, depth);
	memmove(&t->r[i], &t->r[i + 1], (t->n - (uint32_t)i - 1) * sizeof(t->r[0]));
	t->n--;
	return 0;
}

void route6_lookup_bulk(const struct route6 *t, const uint8_t (*addrs)[16], unsigned n,
			uint32_t *next_hops)
{
	if (t->fib != NULL) {
		uint8_t ips[64][RTE_FIB6_IPV6_ADDR_SIZE];
		uint64_t nh[64];
		for (unsigned base = 0; base < n; base += 64) {
			unsigned k = n - base < 64 ? n - base : 64;
			memcpy(ips, addrs[base], (size_t)k * 16);
			rte_fib6_lookup_bulk(t->fib, ips, nh, (int)k);
			for (unsigned i = 0; i < k; i++)
				next_hops[base + i] = (uint32_t)nh[i];
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t a[2];
		uint32_t nh = ROUTE_MISS;
		route6_words(addrs[i], a);
		for (uint32_t j = 0; j < t->n; j++) {
			const struct route6_entry *e = &t->r[j];
			if ((a[0] & e->mask[0]) == e->prefix[0] &&
			    (a[1] & e->mask[1]) == e->prefix[1]) {
				nh = e->nh;
				break;
			}
		}
		next_hops[i] = nh;
	}
}
