/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route.c - LPM route tables: a small table, and rte_lpm / rte_lpm6 past a
 * threshold.
 *
 * Why two: a VPC route table holds a handful of routes, and there is one per
 * route table, twice (two generations). DIR24_8 (rte_lpm, rte_fib) and the
 * IPv6 tbl24 of rte_lpm6 / rte_fib6 take 2^24 x 4 B = 64 MB whatever they
 * hold, which 512 MB of --no-huge memory cannot afford per route table. So
 * every table starts as a small table: the routes sorted by depth, longest
 * first, scanned in order; the first match is the longest. Past
 * ROUTE_SMALL_MAX routes (and when the EAL is up: DPDK's tables need it) an
 * rte_lpm / rte_lpm6 is built beside it and lookups go there. The small
 * table stays the list of routes (to build from, and to check replaces and
 * deletes); the big table is kept once built. Without the EAL the small table
 * takes any number of routes, just more slowly.
 *
 * Why rte_lpm and not rte_fib: DPDK 22.11's rte_fib (DIR24_8) and rte_fib6
 * (TRIE) gave wrong answers in tests/tables/test_route.c (-DROUTE_TEST_EAL)
 * once a /0 was added over more specific routes (e.g. 0/4, 128/2, 192/2,
 * then 0/0: 10.4.213.165 answered the /0), and rte_fib6 also refused adds
 * with -ENOSPC after delete churn. rte_lpm and rte_lpm6 pass the same
 * reference tests. Neither takes a /0: the /0 route is kept in t->dflt and
 * answers every miss. rte_lpm's 24-bit next hops are ours; rte_lpm6's are 21
 * bits, so it stores a per-route slot and slot_nh[] maps it to the next hop.
 *
 * Cost (bench/tables_bench, same run, random addresses in 10/8, bursts of 32,
 * cycles per lookup, a /0 included): small table 3.7 / 5.8 / 10 at 4 / 8 /
 * 16 routes, against rte_lpm 4.9 / 3.4 / 7.0 and rte_fib 6.0 / 4.4 / 8.3;
 * past the threshold route4 over rte_lpm costs about 12-13 (rte_lpm's own
 * 4-wide lookup plus the byte swap). The small table grows by about 0.5
 * cycle per route, so at ROUTE_SMALL_MAX = 32 it is near rte_lpm's cost
 * through route4 and costs no 64 MB. IPv6: the small table beats rte_lpm6
 * up to 16 routes (19-27 against 22-28 cycles).
 *
 * Prefixes are stored with host bits cleared (as rte_lpm does, an add of
 * 10.0.0.1/8 means 10.0.0.0/8).
 */
#include "route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmintrin.h>
#include <tmmintrin.h>
#include <rte_byteorder.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "mem.h"

#define ROUTE_SMALL_MAX 32 /* routes a small table serves alone */

static unsigned route_name_seq; /* makes rte_lpm/rte_lpm6 names unique */

static void route_dpdk_name(char *buf, size_t len, const char *kind, const char *name)
{
	unsigned seq = __atomic_fetch_add(&route_name_seq, 1, __ATOMIC_RELAXED);
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
	/* the same routes split by field, for the SSE scan (see route4_small_sync) */
	uint32_t *k_pfx;
	uint32_t *k_msk;
	uint32_t *k_nh;
	uint32_t n;
	uint32_t cap;
	struct rte_lpm *lpm; /* non-NULL: lookups go here */
	uint32_t dflt;	     /* the /0 route's next hop, or ROUTE_MISS (rte_lpm has no /0) */
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
	size_t k = ((size_t)max_routes + 3) / 4 * 4;
	t->r = calloc(max_routes, sizeof(*t->r));
	t->k_pfx = aligned_alloc(16, k * sizeof(uint32_t));
	t->k_msk = aligned_alloc(16, k * sizeof(uint32_t));
	t->k_nh = calloc(k, sizeof(uint32_t));
	if (t->r == NULL || t->k_pfx == NULL || t->k_msk == NULL || t->k_nh == NULL) {
		route4_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->cap = max_routes;
	t->dflt = ROUTE_MISS;
	t->socket_id = socket_id;
	snprintf(t->name, sizeof(t->name), "%s", name != NULL ? name : "");
	return t;
}

void route4_free(struct route4 *t)
{
	if (t == NULL)
		return;
	rte_lpm_free(t->lpm);
	free(t->r);
	free(t->k_pfx);
	free(t->k_msk);
	free(t->k_nh);
	free(t);
}

/* Rewrite the lookup arrays from the route list: O(n), as the insert is. */
static void route4_small_sync(struct route4 *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		t->k_pfx[i] = t->r[i].prefix;
		t->k_msk[i] = t->r[i].mask;
		t->k_nh[i] = t->r[i].nh;
	}
}

static int route4_find(const struct route4 *t, uint32_t prefix, uint8_t depth)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->r[i].depth == depth && t->r[i].prefix == prefix)
			return (int)i;
	return -1;
}

uint32_t route4_count(const struct route4 *t)
{
	return t->n;
}

int route4_get(const struct route4 *t, uint32_t i, uint32_t *prefix, uint8_t *depth,
	       uint32_t *next_hop)
{
	if (i >= t->n)
		return -ENOENT;
	*prefix = rte_cpu_to_be_32(t->r[i].prefix);
	*depth = t->r[i].depth;
	*next_hop = t->r[i].nh;
	return 0;
}

bool route4_holds(const struct route4 *t, uint32_t prefix, uint8_t depth)
{
	return depth <= 32 &&
	       route4_find(t, rte_be_to_cpu_32(prefix) & route4_mask(depth), depth) >= 0;
}

/* Build the rte_lpm from the route list; on failure lookups stay small. */
static void route4_lpm_build(struct route4 *t)
{
	char lname[24]; /* memzone names are short */
	struct rte_lpm_config conf = {
	    .max_rules = t->cap,
	    .number_tbl8s = t->cap < (1u << 16) ? t->cap : (1u << 16),
	};
	route_dpdk_name(lname, sizeof(lname), "r4-", t->name);
	struct rte_lpm *lpm = rte_lpm_create(lname, t->socket_id, &conf);
	if (lpm == NULL)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->r[i].depth == 0)
			continue; /* rte_lpm takes depths 1..32: /0 is t->dflt */
		if (rte_lpm_add(lpm, t->r[i].prefix, t->r[i].depth, t->r[i].nh) != 0) {
			rte_lpm_free(lpm);
			return;
		}
	}
	t->lpm = lpm;
}

int route4_add(struct route4 *t, uint32_t prefix, uint8_t depth, uint32_t next_hop)
{
	if (depth > 32 || next_hop >= ROUTE_NH_MAX)
		return -EINVAL;
	uint32_t p = rte_be_to_cpu_32(prefix) & route4_mask(depth);
	int i = route4_find(t, p, depth);
	if (i < 0 && t->n == t->cap)
		return -ENOSPC;
	if (t->lpm != NULL && depth > 0 && rte_lpm_add(t->lpm, p, depth, next_hop) != 0)
		return -ENOSPC;
	if (depth == 0)
		t->dflt = next_hop;
	if (i >= 0) {
		t->r[i].nh = next_hop;
		route4_small_sync(t);
		return 0;
	}
	/* insert keeping depth descending */
	uint32_t at = 0;
	while (at < t->n && t->r[at].depth >= depth)
		at++;
	memmove(&t->r[at + 1], &t->r[at], (t->n - at) * sizeof(t->r[0]));
	t->r[at] = (struct route4_entry){p, route4_mask(depth), next_hop, depth};
	t->n++;
	route4_small_sync(t);
	if (t->lpm == NULL && t->n > ROUTE_SMALL_MAX && lpm_mem_eal_up())
		route4_lpm_build(t);
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
	if (depth == 0)
		t->dflt = ROUTE_MISS;
	else if (t->lpm != NULL)
		(void)rte_lpm_delete(t->lpm, p, depth); /* the route is there: cannot fail */
	memmove(&t->r[i], &t->r[i + 1], (t->n - (uint32_t)i - 1) * sizeof(t->r[0]));
	t->n--;
	route4_small_sync(t);
	return 0;
}

/*
 * The small table's lookup, four addresses at a time with SSE: walk the
 * routes longest first; each address takes the next hop of the first route
 * that matches it and is then done; stop when all four are done. No branch
 * depends on which route matched, so random addresses cost no mispredicts.
 */
static inline void route4_small_lookup4(const struct route4 *t, __m128i a4, uint32_t nh[4])
{
	__m128i res = _mm_set1_epi32((int)ROUTE_MISS);
	__m128i done = _mm_setzero_si128();
	for (uint32_t j = 0; j < t->n; j++) {
		__m128i m = _mm_set1_epi32((int)t->k_msk[j]);
		__m128i p = _mm_set1_epi32((int)t->k_pfx[j]);
		__m128i hit = _mm_andnot_si128(done, _mm_cmpeq_epi32(_mm_and_si128(a4, m), p));
		res = _mm_blendv_epi8(res, _mm_set1_epi32((int)t->k_nh[j]), hit);
		done = _mm_or_si128(done, hit);
		if (_mm_movemask_ps(_mm_castsi128_ps(done)) == 0xf)
			break;
	}
	_mm_storeu_si128((__m128i *)nh, res);
}

void route4_lookup_bulk(const struct route4 *t, const uint32_t *addrs, unsigned n,
			uint32_t *next_hops)
{
	const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	if (t->lpm != NULL) {
		/* rte_lpm's own 4-wide lookup; a miss gives the /0 route (or ROUTE_MISS) */
		unsigned i = 0;
		for (; i + 4 <= n; i += 4)
			rte_lpm_lookupx4(
			    t->lpm,
			    _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)&addrs[i]), bswap),
			    &next_hops[i], t->dflt);
		if (i < n) {
			uint32_t a[4] = {0, 0, 0, 0}, nh[4];
			memcpy(a, &addrs[i], (n - i) * sizeof(uint32_t));
			rte_lpm_lookupx4(
			    t->lpm, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)a), bswap),
			    nh, t->dflt);
			memcpy(&next_hops[i], nh, (n - i) * sizeof(uint32_t));
		}
		return;
	}
	unsigned i = 0;
	for (; i + 4 <= n; i += 4) {
		__m128i a4 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)&addrs[i]), bswap);
		route4_small_lookup4(t, a4, &next_hops[i]);
	}
	if (i < n) {
		uint32_t a[4] = {0, 0, 0, 0}, nh[4];
		memcpy(a, &addrs[i], (n - i) * sizeof(uint32_t));
		route4_small_lookup4(
		    t, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)a), bswap), nh);
		memcpy(&next_hops[i], nh, (n - i) * sizeof(uint32_t));
	}
}

const char *route4_impl(const struct route4 *t)
{
	return t->lpm != NULL ? "rte_lpm" : "small";
}

/* ---- IPv6 ---- */

/*
 * Past the threshold IPv6 uses rte_lpm6. Its next hops are 21 bits, ours 24,
 * so rte_lpm6 holds a slot number (one per route, < max_routes) and
 * slot_nh[slot] the next hop: a replace then only rewrites slot_nh.
 * rte_lpm6 takes depths 1..128; the /0 route is t->dflt.
 */
#define ROUTE6_LPM6_MAX_ROUTES (1u << 21)

struct route6_entry {
	uint64_t prefix[2]; /* host order: [0] the high 64 bits; host bits clear */
	uint64_t mask[2];
	uint32_t nh;
	uint32_t slot; /* index into slot_nh */
	uint8_t depth;
	uint8_t bytes[16]; /* the prefix in network order, masked: for rte_lpm6 */
};

struct route6 {
	struct route6_entry *r; /* n entries, depth descending */
	uint32_t n;
	uint32_t cap;
	struct rte_lpm6 *lpm6; /* non-NULL: lookups go here */
	uint32_t *slot_nh;     /* cap: next hop of each slot */
	uint32_t *free_slots;  /* stack of cap - n free slots */
	uint32_t nfree;
	uint32_t dflt; /* the /0 route's next hop, or ROUTE_MISS */
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
	t->slot_nh = calloc(max_routes, sizeof(*t->slot_nh));
	t->free_slots = calloc(max_routes, sizeof(*t->free_slots));
	if (t->r == NULL || t->slot_nh == NULL || t->free_slots == NULL) {
		route6_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < max_routes; i++)
		t->free_slots[i] = max_routes - 1 - i;
	t->nfree = max_routes;
	t->dflt = ROUTE_MISS;
	t->cap = max_routes;
	t->socket_id = socket_id;
	snprintf(t->name, sizeof(t->name), "%s", name != NULL ? name : "");
	return t;
}

void route6_free(struct route6 *t)
{
	if (t == NULL)
		return;
	rte_lpm6_free(t->lpm6);
	free(t->r);
	free(t->slot_nh);
	free(t->free_slots);
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

/* Build the rte_lpm6 from the route list; on failure lookups stay small. */
static void route6_lpm6_build(struct route6 *t)
{
	char lname[24]; /* memzone names are short */
	if (t->cap >= ROUTE6_LPM6_MAX_ROUTES)
		return;
	struct rte_lpm6_config conf = {
	    .max_rules = t->cap,
	    /* a /128 may need (128 - 24) / 8 = 13 tbl8s of 1 KB */
	    .number_tbl8s = t->cap * 14 < (1u << 15) ? t->cap * 14 : (1u << 15),
	};
	route_dpdk_name(lname, sizeof(lname), "r6-", t->name);
	struct rte_lpm6 *lpm6 = rte_lpm6_create(lname, t->socket_id, &conf);
	if (lpm6 == NULL)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->r[i].depth == 0)
			continue;
		if (rte_lpm6_add(lpm6, t->r[i].bytes, t->r[i].depth, t->r[i].slot) != 0) {
			rte_lpm6_free(lpm6);
			return;
		}
	}
	t->lpm6 = lpm6;
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

uint32_t route6_count(const struct route6 *t)
{
	return t->n;
}

int route6_get(const struct route6 *t, uint32_t i, uint8_t prefix[16], uint8_t *depth,
	       uint32_t *next_hop)
{
	if (i >= t->n)
		return -ENOENT;
	memcpy(prefix, t->r[i].bytes, 16);
	*depth = t->r[i].depth;
	*next_hop = t->r[i].nh;
	return 0;
}

bool route6_holds(const struct route6 *t, const uint8_t prefix[16], uint8_t depth)
{
	uint64_t p[2];
	uint8_t bytes[16];
	if (depth > 128)
		return false;
	route6_masked(prefix, depth, p, bytes);
	return route6_find(t, p, depth) >= 0;
}

int route6_add(struct route6 *t, const uint8_t prefix[16], uint8_t depth, uint32_t next_hop)
{
	if (depth > 128 || next_hop >= ROUTE_NH_MAX)
		return -EINVAL;
	uint64_t p[2];
	uint8_t bytes[16];
	route6_masked(prefix, depth, p, bytes);
	int i = route6_find(t, p, depth);
	if (i >= 0) { /* replace: the slot stays, its next hop changes */
		t->r[i].nh = next_hop;
		t->slot_nh[t->r[i].slot] = next_hop;
		if (depth == 0)
			t->dflt = next_hop;
		return 0;
	}
	if (t->n == t->cap)
		return -ENOSPC;
	uint32_t slot = t->free_slots[t->nfree - 1];
	if (t->lpm6 != NULL && depth > 0 && rte_lpm6_add(t->lpm6, bytes, depth, slot) != 0)
		return -ENOSPC;
	t->nfree--;
	t->slot_nh[slot] = next_hop;
	if (depth == 0)
		t->dflt = next_hop;
	uint32_t at = 0;
	while (at < t->n && t->r[at].depth >= depth)
		at++;
	memmove(&t->r[at + 1], &t->r[at], (t->n - at) * sizeof(t->r[0]));
	struct route6_entry *e = &t->r[at];
	e->prefix[0] = p[0];
	e->prefix[1] = p[1];
	route6_mask(depth, e->mask);
	e->nh = next_hop;
	e->slot = slot;
	e->depth = depth;
	memcpy(e->bytes, bytes, 16);
	t->n++;
	if (t->lpm6 == NULL && t->n > ROUTE_SMALL_MAX && lpm_mem_eal_up())
		route6_lpm6_build(t);
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
	if (depth == 0)
		t->dflt = ROUTE_MISS;
	int rc = depth > 0 && t->lpm6 != NULL ? rte_lpm6_delete(t->lpm6, bytes, depth) : 0;
	t->free_slots[t->nfree++] = t->r[i].slot;
	memmove(&t->r[i], &t->r[i + 1], (t->n - (uint32_t)i - 1) * sizeof(t->r[0]));
	t->n--;
	if (rc != 0) {
		/* not expected (the route is there), but never answer with a
		 * deleted route: rebuild from the list, or serve from it */
		struct rte_lpm6 *old = t->lpm6;
		t->lpm6 = NULL;
		route6_lpm6_build(t);
		rte_lpm6_free(old);
	}
	return 0;
}

void route6_lookup_bulk(const struct route6 *t, const uint8_t (*addrs)[16], unsigned n,
			uint32_t *next_hops)
{
	if (t->lpm6 != NULL) {
		uint8_t ips[64][RTE_LPM6_IPV6_ADDR_SIZE];
		int32_t res[64];
		for (unsigned base = 0; base < n; base += 64) {
			unsigned k = n - base < 64 ? n - base : 64;
			memcpy(ips, addrs[base], (size_t)k * 16);
			rte_lpm6_lookup_bulk_func(t->lpm6, ips, res, k);
			for (unsigned i = 0; i < k; i++)
				next_hops[base + i] = res[i] < 0 ? t->dflt : t->slot_nh[res[i]];
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

const char *route6_impl(const struct route6 *t)
{
	return t->lpm6 != NULL ? "rte_lpm6" : "small";
}
