/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline.c - the per-burst packet logic (see pipeline.h, SPEC section 3).
 *
 * A burst goes through stages, each over the whole burst (l3fwd style):
 *
 *   1. here: parse every packet (parse.h; prefetching the next ones):
 *      a frame for another unicast MAC is dropped ('not-for-us': ports
 *      may hear other hosts' frames), the headers are validated against
 *      the bytes really present, and the lookup keys collected; ARP and
 *      ICMPv6 ND (rare) are answered or dropped right there (neigh.h);
 *   2. lookups, one file per side (stage.h): uplink: EIP (IPv4) or IPv6
 *      owner (stage_uplink.c); host (the source ENI by {port, VLAN, MAC}
 *      found in stage 1; it fixes the VPC every private IPv4 lookup is
 *      keyed by, D13): source owner (anti-spoofing), route, destination
 *      owner or EIP for hairpin (stage_host4.c, stage_host6.c);
 *   3. emit (emit.h): TTL, NAT with incremental checksums (nat4.h),
 *      Ethernet/VLAN rewrite, and the packet appended to its output port.
 *
 * Every stage's decision about a packet is a struct verdict (verdict.h).
 *
 * Choices where SPEC.md is silent:
 *   - every forwarded IP packet is routed by the engine and has its TTL or
 *     hop limit decremented; TTL <= 1 is dropped as 'ttl', no ICMP time
 *     exceeded is generated;
 *   - the IPv4 header checksum of every packet is verified (bad: 'malformed');
 *   - IPv6 duplicate address detection probes (source ::) are never answered,
 *     nor are ND messages other than solicitations ('nd-unanswered'); a
 *     router solicitation goes to the guest services (D14);
 *   - a machine's ARP/NS is answered only when the asking ENI is known by
 *     {port, VLAN, source MAC}; the target must be in the ENI's subnet and not
 *     owned by that ENI;
 *   - an IPv4 packet from a machine to an associated EIP (hairpin, D11) is
 *     recognised when its route is 'igw': its source becomes the sender's EIP
 *     when it has one (else it stays private), its destination the EIP's
 *     private address.
 */
#include "pipeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "emit.h"
#include "frag.h"
#include "neigh.h"
#include "parse.h"
#include "punt.h"
#include "stage.h"
#include "stage_host.h"
#include "stage_uplink.h"

#define PREFETCH_AHEAD 4

struct pipeline_worker {
	unsigned id;
	struct counters *c;
	struct frag_ctx frag; /* packets over their egress MTU (D7) */
	struct punt_q punt;   /* for the router itself (D16) */
} __attribute__((aligned(64)));

struct pipeline_worker *pipeline_worker_create(unsigned id, uint32_t max_enis)
{
	struct pipeline_worker *w = aligned_alloc(64, sizeof(*w));

	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->c = counters_create(max_enis);
	if (w->c == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

void pipeline_worker_free(struct pipeline_worker *w)
{
	if (w == NULL)
		return;
	counters_free(w->c);
	free(w);
}

const struct counters *pipeline_worker_counters(const struct pipeline_worker *w)
{
	return w->c;
}

void pipeline_worker_set_punt(struct pipeline_worker *w, struct rte_ring *ring, uint32_t rate,
			      uint32_t burst)
{
	punt_q_init(&w->punt, ring, rate, burst);
}

void pipeline_worker_set_frag_pools(struct pipeline_worker *w, struct rte_mempool *direct,
				    struct rte_mempool *indirect)
{
	w->frag.direct = direct;
	w->frag.indirect = indirect;
}

/* ARP / ND: answered in place (back out of in_port), punted (a router solicitation) or dropped. */
static void answer_neigh(struct counters *c, struct punt_q *pq, const struct fwd_side *side,
			 uint16_t in_port, struct rte_mbuf *m, const struct pmeta *pm,
			 struct pipeline_tx *tx)
{
	struct verdict vd = pm->kind == PK_ARP
				? neigh_arp(side, in_port, m, pm->l2_len, pm->vlan)
				: neigh_nd(side, in_port, m, pm->l2_len, pm->vlan, pm->l3_len);

	if (vd.kind == VERDICT_PUNT) {
		punt(c, pq, m, in_port);
		return;
	}
	if (vd.kind != VERDICT_ANSWERED) {
		drop(c, m, in_port, vd.reason);
		return;
	}
	if (pm->kind == PK_ARP)
		c->arp_replies++;
	else
		c->nd_replies++;
	enqueue(c, tx, in_port, m, in_port);
}

/* What the decision of a packet keeps of its struct pmeta (set or not: keep_init's marks). */
static __rte_always_inline void keep_init(struct pmeta *pm)
{
	pm->kind = PK_NONE;
	pm->act = VERDICT_PENDING;
	pm->vlan = 0;
	pm->eni_src = pm->vpc = pm->to = pm->nh = PIPELINE_NONE;
	pm->eip_src = pm->nat_src = pm->nat_dst = 0;
}

static __rte_always_inline void keep_copy(const struct pmeta *pm, struct pipeline_decision *d)
{
	d->kind = pm->kind;
	d->act = pm->act;
	d->vlan = pm->vlan;
	d->eni_src = pm->eni_src;
	d->vpc = pm->vpc;
	d->to = pm->to;
	d->nh = pm->nh;
	d->eip_src = pm->eip_src;
	d->nat_src = pm->nat_src;
	d->nat_dst = pm->nat_dst;
}

/*
 * The burst. keep is NULL (a constant) in pipeline_burst, which then has no
 * trace of it; pipeline_burst_keep's copy fills it (the observed path, a
 * packet at a time: its cost does not matter).
 */
static __rte_always_inline void burst(struct pipeline_worker *w, const struct fwd_side *side,
				      uint16_t in_port, struct rte_mbuf **pkts, uint16_t n,
				      struct pipeline_tx *tx, struct pipeline_decision *keep)
{
	struct pmeta meta[PIPELINE_BURST_MAX];
	uint8_t live[PIPELINE_BURST_MAX];
	struct uplink_keys uk;
	struct counters *c = w->c;
	unsigned n_live = 0;
	uint64_t own;
	bool uplink;

	if (in_port >= side->n_ports) {
		rte_pktmbuf_free_bulk(pkts, n);
		c->drop[COUNTERS_DROP_WRONG_PORT] += n;
		return;
	}
	c->port[in_port].rx += n;
	uplink = side->ports[in_port].role == FWD_PORT_UPLINK;
	own = mac_word(side->ports[in_port].mac); /* frames for other MACs: not-for-us */
	/* port tx counters: what this burst appends to tx, counted at the end */
	uint16_t tx_before[FWD_MAX_PORTS];
	memcpy(tx_before, tx->n, sizeof(tx_before));
	uk.n4 = uk.n6 = 0;

	/* stage 1: parse; the sending ENI (host side); the next stage's keys
	 * gathered, their lookups started */
	for (unsigned i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned i = 0; i < n; i++) {
		struct pmeta *pm = &meta[i];
		struct verdict vd;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		if (keep != NULL)
			keep_init(pm);
		vd = parse(pkts[i], pm, own);
		if (vd.kind == VERDICT_DROP) {
			drop(c, pkts[i], in_port, vd.reason);
			continue;
		}
		pm->act = VERDICT_PENDING;
		pm->nat_src = pm->nat_dst = 0; /* meta lives on the stack: nothing stale */
		if (unlikely(pm->kind == PK_ARP || pm->kind == PK_ND)) {
			answer_neigh(c, &w->punt, side, in_port, pkts[i], pm, tx);
		} else if (!uplink) {
			/* the sending ENI by {port, VLAN, source MAC} (D4; a small
			 * table, in cache): it fixes the packet's VPC (D13), which
			 * keys the source check; that lookup misses the cache
			 * (random over 1M keys): started now, a stage ahead */
			const struct rte_ether_hdr *eth =
			    rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
			struct em16_key mk;
			uint64_t v;

			fwd_mac_key(&mk, in_port, pm->vlan, (const uint8_t *)&eth->src_addr);
			if (unlikely(!em16_lookup_one(side->mac, &mk, &v))) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_SOURCE);
				continue;
			}
			pm->eni_src = fwd_mac_slot(v);
			pm->vpc = fwd_mac_vpc(v);
			c->eni[pm->eni_src].sent_packets++;
			c->eni[pm->eni_src].sent_bytes += pkts[i]->pkt_len;
			if (pm->kind == PK_V4)
				pm->home =
				    em8_prefetch_home(side->priv4, fwd_priv_key(pm->vpc, pm->src4));
			live[n_live++] = (uint8_t)i;
		} else if (pm->kind == PK_V4) {
			/* the uplink's keys are gathered here, their lookups started */
			if (unlikely(v4_multicast(pm->dst4))) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
				continue;
			}
			uk.k4[uk.n4] = pm->dst4;
			uk.h4[uk.n4] = em4_prefetch_home(side->eip4, pm->dst4);
			uk.i4[uk.n4++] = (uint8_t)i;
		} else {
			const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)pm->l3;

			if (unlikely(v6_not_unicast(ip6->dst_addr))) {
				drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
				continue;
			}
			memcpy(uk.k6[uk.n6].b, ip6->dst_addr, 16); /* l3 is not 8-byte aligned */
			em16_prefetch(side->ip6, &uk.k6[uk.n6]);
			uk.i6[uk.n6++] = (uint8_t)i;
		}
	}
	/* stages 2 and 3, per side; each stage twice, with the security groups'
	 * step (sg_stage.h) and without: a constant argument of always-inline
	 * functions, so the copy without has no trace of them (one branch per
	 * burst, not one per packet) */
	if (uplink && uk.n4 + uk.n6 != 0) {
		if (unlikely(side->sg != NULL))
			stage_uplink(c, &w->frag, side, in_port, pkts, meta, &uk, tx, true);
		else
			stage_uplink(c, &w->frag, side, in_port, pkts, meta, &uk, tx, false);
	} else if (n_live != 0) {
		if (unlikely(side->sg != NULL))
			stage_host(c, &w->frag, &w->punt, side, in_port, pkts, meta, live, n_live,
				   tx, true);
		else
			stage_host(c, &w->frag, &w->punt, side, in_port, pkts, meta, live, n_live,
				   tx, false);
	}
	for (unsigned p = 0; p < side->n_ports; p++)
		c->port[p].tx += (uint16_t)(tx->n[p] - tx_before[p]);
	if (keep != NULL)
		for (unsigned i = 0; i < n; i++)
			keep_copy(&meta[i], &keep[i]);
}

void pipeline_burst(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
		    struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx)
{
	if (n > PIPELINE_BURST_MAX) {
		/* the contract says <= PIPELINE_BURST_MAX: take it in two calls */
		pipeline_burst(w, side, in_port, pkts, PIPELINE_BURST_MAX, tx);
		pipeline_burst(w, side, in_port, pkts + PIPELINE_BURST_MAX,
			       (uint16_t)(n - PIPELINE_BURST_MAX), tx);
		return;
	}
	burst(w, side, in_port, pkts, n, tx, NULL);
}

void pipeline_burst_keep(struct pipeline_worker *w, const struct fwd_side *side, uint16_t in_port,
			 struct rte_mbuf **pkts, uint16_t n, struct pipeline_tx *tx,
			 struct pipeline_decision *keep)
{
	if (n > PIPELINE_BURST_MAX)
		n = PIPELINE_BURST_MAX; /* the rest is the caller's: it passes one at a time */
	for (unsigned i = 0; i < n; i++)
		keep[i] = (struct pipeline_decision){.eni_src = PIPELINE_NONE,
						     .vpc = PIPELINE_NONE,
						     .to = PIPELINE_NONE,
						     .nh = PIPELINE_NONE};
	burst(w, side, in_port, pkts, n, tx, keep); /* a wrong port returns before keeping */
}

int pipeline_arp_request(const struct fwd_side *side, uint16_t port, uint32_t sender_ip,
			 struct rte_mbuf *m)
{
	return neigh_arp_request(side, port, sender_ip, m);
}
