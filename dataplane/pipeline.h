/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline.h - the per-burst packet logic (SPEC section 3, D1-D11).
 *
 * pipeline_burst() takes a burst received on one port and one table side,
 * and for each packet either rewrites it in place and appends it to
 * tx->pkts[out_port] (ARP/ND answers go back out of the port they came
 * from), or frees it and counts the drop by reason (worker counters) and by
 * port. It never blocks, never reads past a packet's data (malformed
 * packets are dropped as 'malformed'), and allocates only the fragments of
 * an IPv4 datagram over its egress MTU, from the worker's own pools (D7,
 * frag.h).
 *
 * The burst is processed in stages (parse + prefetch, bulk lookups,
 * rewrite); see pipeline.c.
 *
 * Choices where SPEC is silent (see pipeline.c for the details):
 *   - every forwarded IP packet has its TTL / hop limit decremented; a packet
 *     arriving with TTL <= 1 is dropped as 'ttl' and no ICMP time exceeded is
 *     sent;
 *   - the upstream MAC, when not configured, is learned from any ARP packet
 *     on the uplink whose sender is the configured upstream IPv4
 *     (pipeline_arp_request() builds the request that asks for it).
 */
#ifndef ENIMAP_PIPELINE_H
#define ENIMAP_PIPELINE_H

#include <stdint.h>

#include "counters.h"
#include "fwd.h"

struct rte_mbuf;
struct rte_mempool;

#define PIPELINE_BURST_MAX 64
/* An output queue holds more than a burst: a datagram fragmented for its
 * egress MTU (D7) leaves as several packets. */
#define PIPELINE_TX_MAX (4 * PIPELINE_BURST_MAX)

/* Output queues, one per port; the caller tx-bursts and resets n[]. */
struct pipeline_tx {
	uint16_t n[FWD_MAX_PORTS];
	struct rte_mbuf *pkts[FWD_MAX_PORTS][PIPELINE_TX_MAX];
};

struct pipeline_worker;

/* A worker's context and counters for max_enis ENI slots. NULL + errno. */
struct pipeline_worker *pipeline_worker_create(unsigned id, uint32_t max_enis);
void pipeline_worker_free(struct pipeline_worker *w);
/* The worker's own counters (read them through counters_sum from other threads). */
const struct counters *pipeline_worker_counters(const struct pipeline_worker *w);
/*
 * The mempools the worker makes IPv4 fragments from (D7): direct mbufs for
 * the fragments' headers (room for an Ethernet + VLAN + IPv4 header with
 * options after the headroom), indirect ones (no data room) for their
 * data. Until set (or NULL), a DF-clear datagram over its egress MTU is
 * dropped as frag-failed. Before the worker runs.
 */
void pipeline_worker_set_frag_pools(struct pipeline_worker *w, struct rte_mempool *direct,
				    struct rte_mempool *indirect);

/*
 * The exception path (D16, punt.h): packets for the router itself go to
 * ring (single producer: this worker), at most rate a second and burst at
 * once; the rest, or all of them while no ring is set, are dropped as
 * punt-overflow. Before the worker runs.
 */
struct rte_ring;
void pipeline_worker_set_punt(struct pipeline_worker *w, struct rte_ring *ring, uint32_t rate,
			      uint32_t burst);

/*
 * Process n (<= PIPELINE_BURST_MAX) packets received on in_port. Drain tx
 * after every burst: a packet that finds its queue full (PIPELINE_TX_MAX)
 * is dropped as tx-full, a fragmented datagram whole when its fragments do
 * not all fit.
 */
void pipeline_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
		    struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx);

/* A field of struct pipeline_decision the pipeline did not set. */
#define PIPELINE_NONE UINT32_MAX

/*
 * What the pipeline decided about one packet (its internal struct pmeta at
 * the end of the burst): for the packet trace and the ENI capture
 * (observe.h). Slots are those of the tables (fwd.h).
 */
struct pipeline_decision {
	uint8_t kind;	  /* 0 not parsed, 1 IPv4, 2 IPv6, 3 ARP, 4 ND (stage.h enum pk_kind) */
	uint8_t act;	  /* enum verdict_kind: 0 pending, 1 to an ENI, 2 to the uplink, ... */
	uint16_t vlan;	  /* VLAN id of the received frame, 0 untagged */
	uint32_t eni_src; /* host side: the sending ENI's slot */
	uint32_t vpc;	  /* host side: its VPC slot */
	uint32_t to;	  /* to an ENI: the destination ENI's slot */
	uint32_t nh;	  /* host side: the route's next hop (fwd.h) */
	uint32_t eip_src; /* host IPv4: the source's EIP, 0 none (network order) */
	uint32_t nat_src; /* new IPv4 source, 0 unchanged (network order) */
	uint32_t nat_dst; /* new IPv4 destination, 0 unchanged */
};

/*
 * pipeline_burst() that also says what it decided: keep[i] for pkts[i]
 * (n <= PIPELINE_BURST_MAX; more are not processed). Fields the pipeline
 * did not reach are PIPELINE_NONE (slots) or 0. A drop's reason is not in
 * it: the caller sees it in the worker's counters (observe.c passes one
 * packet at a time). The same code as pipeline_burst, compiled apart.
 */
void pipeline_burst_keep(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
			 struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx,
			 struct pipeline_decision *keep);

/*
 * Turn m into an ARP request from the uplink port for its upstream IPv4
 * (sender: the port's MAC and sender_ip), to learn the upstream MAC.
 * 0, -EINVAL (no upstream IP on that port), -ENOSPC (mbuf too small).
 */
int pipeline_arp_request(const struct fwd_side *side, uint16_t port, uint32_t sender_ip,
			 struct rte_mbuf *m);

#endif
