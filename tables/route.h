/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route.h - longest-prefix-match route tables, IPv4 and IPv6: prefix ->
 * 24-bit next hop. One table per VPC route table. Same reader rules as
 * em4.h (written only through gen.h's two copies).
 *
 * The implementation behind it (rte_lpm, rte_fib, rte_fib6 or a small table
 * for the few routes a VPC route table has) is chosen by measurement; see
 * route.c: a small table (no EAL needed) up to 32 routes, then rte_lpm /
 * rte_lpm6 when the EAL is up (without it the small table serves any
 * number of routes, more slowly).
 */
#ifndef ENIMAP_ROUTE_H
#define ENIMAP_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTE_NH_MAX ((1u << 24) - 1) /* next hops are 0 .. ROUTE_NH_MAX - 1 */
#define ROUTE_MISS ROUTE_NH_MAX	      /* what a lookup gives when no route covers the address */

struct route4;
struct route6;

struct route4 *route4_create(const char *name, uint32_t max_routes, int socket_id);
void route4_free(struct route4 *t);
/* prefix in network order; depth 0..32; add replaces. 0, -EINVAL, -ENOSPC. */
int route4_add(struct route4 *t, uint32_t prefix, uint8_t depth, uint32_t next_hop);
int route4_delete(struct route4 *t, uint32_t prefix, uint8_t depth); /* 0 or -ENOENT */
/* addrs in network order; next_hops[i] = ROUTE_MISS where nothing matches. */
void route4_lookup_bulk(const struct route4 *t, const uint32_t *addrs, unsigned n,
			uint32_t *next_hops);

struct route6 *route6_create(const char *name, uint32_t max_routes, int socket_id);
void route6_free(struct route6 *t);
int route6_add(struct route6 *t, const uint8_t prefix[16], uint8_t depth, uint32_t next_hop);
int route6_delete(struct route6 *t, const uint8_t prefix[16], uint8_t depth);
void route6_lookup_bulk(const struct route6 *t, const uint8_t (*addrs)[16], unsigned n,
			uint32_t *next_hops);

/*
 * Writer-side queries, for a room check before a change: the routes held, and
 * whether (prefix, depth) is one of them (an add would replace it, not grow).
 */
uint32_t route4_count(const struct route4 *t);
bool route4_holds(const struct route4 *t, uint32_t prefix, uint8_t depth); /* network order */
uint32_t route6_count(const struct route6 *t);
bool route6_holds(const struct route6 *t, const uint8_t prefix[16], uint8_t depth);

/*
 * The routes held, one per call: i from 0 to route4_count() - 1 gives the
 * i-th (in depth-descending order; the list lookups are built from). prefix
 * in network order, host bits clear. 0, or -ENOENT past the end. Same
 * reader rules as a lookup.
 */
int route4_get(const struct route4 *t, uint32_t i, uint32_t *prefix, uint8_t *depth,
	       uint32_t *next_hop);
int route6_get(const struct route6 *t, uint32_t i, uint8_t prefix[16], uint8_t *depth,
	       uint32_t *next_hop);

/* The implementation serving lookups now: "small" or "rte_lpm" / "rte_lpm6" (see route.c). */
const char *route4_impl(const struct route4 *t);
const char *route6_impl(const struct route6 *t);

#endif
