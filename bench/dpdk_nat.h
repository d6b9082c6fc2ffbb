/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk_nat.h - the baseline: the same translation and delivery written with
 * the plain DPDK libraries, as a competent user would write it: rte_hash
 * (lock-free read/write concurrency) for EIP -> {private, ENI}, private ->
 * {ENI, EIP}, {port, MAC} -> ENI and IPv6 -> ENI; rte_lpm for the routes
 * (10.0.0.0/8 local, 0/0 internet gateway: the route table of
 * scripts/gen-config.py); a burst at a time with rte_hash_lookup_bulk_data;
 * the same header rewrite (MACs, TTL, DNAT/SNAT with incremental IPv4 and
 * UDP/TCP checksums).
 */
#ifndef ENIMAP_BENCH_DPDK_NAT_H
#define ENIMAP_BENCH_DPDK_NAT_H

#include <stdint.h>

#include "bench_util.h"

struct rte_mbuf;
struct dpdk_nat;

#define DPDK_NAT_MAX_PORTS 4

struct dpdk_nat_tx {
	uint16_t n[DPDK_NAT_MAX_PORTS];
	struct rte_mbuf *pkts[DPDK_NAT_MAX_PORTS][64];
};

/* Tables for every mapping of v. NULL on failure. */
struct dpdk_nat *dpdk_nat_create(const struct bench_vpc *v);
void dpdk_nat_free(struct dpdk_nat *t);

/* Process n (<= 64) packets received on in_port; queue them on tx or free them. */
void dpdk_nat_burst(const struct dpdk_nat *t, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
		    struct dpdk_nat_tx *tx);

/* Bulk lookup of n EIPs (network order) in the EIP hash: hits. For the lookup-only figure. */
uint64_t dpdk_nat_eip_lookup(const struct dpdk_nat *t, const uint32_t *eips, unsigned n);

#endif
