/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emit.h - stage 3: what happens to a packet whose verdict is TO_ENI or
 * TO_UPLINK: ENI state (D10), TTL, NAT with one incremental update per
 * checksum (nat4.h), Ethernet / VLAN rewrite, the packet queued on its
 * output port, delivery counters (D8).
 *
 * emit() is static inline: it is inlined into each stage's loop. Only the
 * rare VLAN rewrite (l2_write_vlan, emit.c) and packets over the egress
 * MTU (emit_big, frag.c) are real calls.
 */
#ifndef ENIMAP_EMIT_H
#define ENIMAP_EMIT_H

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "frag.h"
#include "nat4.h"
#include "pkt.h"
#include "punt.h"
#include "stage.h"

/*
 * What emit needs, read once per burst. As locals they stay in registers:
 * fields read through s or c would be reloaded after every packet write (a
 * byte store may alias anything). The upstream MAC is resolved once too.
 * A stage that gets one by pointer copies it into a local.
 */
struct emit_ctx {
	struct counters *c;
	struct counters_eni *ceni;
	const struct eni_fwd *enis;
	const struct fwd_port *ports;
	struct pipeline_tx *tx;
	struct frag_ctx *fr;		  /* over the egress MTU (emit_big, rare) */
	struct punt_q *pq;		  /* host side: for the router itself (punt.h); else NULL */
	const struct fwd_subnet *subnets; /* the router's own address toward a machine */
	uint32_t host_ports;		  /* bit p: port p exists and is a host port */
	uint16_t in_port;
	int16_t uplink; /* the uplink port, -1 when none or its upstream MAC is unknown */
	uint8_t up_mac[6];
};

static __rte_always_inline void emit_ctx_init(struct emit_ctx *e, struct counters *c,
					      struct frag_ctx *fr, const struct fwd_side *s,
					      uint16_t in_port, struct pipeline_tx *tx)
{
	e->c = c;
	e->ceni = c->eni;
	e->enis = s->enis;
	e->ports = s->ports;
	e->tx = tx;
	e->fr = fr;
	e->pq = NULL;
	e->subnets = s->subnets;
	e->host_ports = 0;
	for (unsigned p = 0; p < s->n_ports && p < FWD_MAX_PORTS; p++)
		if (s->ports[p].role == FWD_PORT_HOST)
			e->host_ports |= 1u << p;
	e->in_port = in_port;
	e->uplink = s->uplink;
	if (e->uplink >= 0 && !fwd_upstream_mac(s, (uint16_t)e->uplink, e->up_mac))
		e->uplink = -1;
}

/* Ethernet header for the next hop, adding, changing or removing the VLAN tag. 0 or -1. */
int l2_write_vlan(struct rte_mbuf *m, const struct pmeta *pm, const uint8_t *dst,
		  const uint8_t *src, uint16_t vlan);

/* The Ethernet rewrite; untagged in and out (the common case) is two 6-byte stores. */
static __rte_always_inline int l2_write(struct rte_mbuf *m, const struct pmeta *pm,
					const uint8_t *dst, const uint8_t *src, uint16_t vlan)
{
	if (likely(pm->l2_len == RTE_ETHER_HDR_LEN && vlan == 0)) {
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)(pm->l3 - RTE_ETHER_HDR_LEN);
		memcpy(&eth->dst_addr, dst, RTE_ETHER_ADDR_LEN);
		memcpy(&eth->src_addr, src, RTE_ETHER_ADDR_LEN);
		return 0;
	}
	return l2_write_vlan(m, pm, dst, src, vlan);
}

/* TTL / hop limit: true when the packet may be forwarded (> 1). */
static __rte_always_inline bool ttl_ok(const struct pmeta *pm)
{
	if (pm->kind == PK_V6)
		return ((const struct rte_ipv6_hdr *)pm->l3)->hop_limits > 1;
	return ((const struct rte_ipv4_hdr *)pm->l3)->time_to_live > 1;
}

/* The L3 rewrite: hop limit, or TTL and NAT with one update per checksum. */
static __rte_always_inline void l3_write(struct pmeta *pm)
{
	if (pm->kind == PK_V6)
		((struct rte_ipv6_hdr *)pm->l3)->hop_limits--;
	else
		nat4_forward(pm->l3, pm->seg_l3, pm->l4, pm->nat_src, pm->nat_dst);
}

/* Port tx counters are not counted here but once per burst (pipeline_burst). */
static __rte_always_inline void enqueue(struct counters *c, struct pipeline_tx *tx, uint16_t port,
					struct rte_mbuf *m, uint16_t in_port)
{
	if (unlikely(tx->n[port] >= PIPELINE_TX_MAX)) {
		drop(c, m, in_port, COUNTERS_DROP_TX_FULL);
		return;
	}
	tx->pkts[port][tx->n[port]++] = m;
}

/*
 * A packet whose frame is longer than the MTU of its egress port out
 * allows (frag.c, a real call: the rare case). IPv4 with DF clear: the
 * datagram is translated, then fragmented (fragments for dst_mac, vlan);
 * DF set, or IPv6: dropped (frag-needed) and answered with an ICMP
 * fragmentation needed / packet too big back out of the input port.
 * Returns false, having done nothing, when the IP packet fits after all
 * (the frame only had trailing bytes): emit goes on as usual.
 */
bool emit_big(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm, uint16_t out,
	      const uint8_t *dst_mac, uint16_t vlan);

/*
 * emit_big() given a copy of e: the stage's emit_ctx must not escape (its
 * address passed to a real call makes the compiler keep its fields in
 * memory: +2 instructions a packet on callgrind).
 */
static __rte_always_inline bool emit_big_copy(const struct emit_ctx *e, struct rte_mbuf *m,
					      struct pmeta *pm, uint16_t out,
					      const uint8_t *dst_mac, uint16_t vlan)
{
	struct emit_ctx copy = *e;

	return emit_big(&copy, m, pm, out, dst_mac, vlan);
}

/* The drop reason of a packet for an ENI that is not ENI_FWD_OK. */
static __rte_always_inline unsigned eni_state_drop(uint8_t state)
{
	return state == ENI_FWD_DETACHED  ? COUNTERS_DROP_ENI_DETACHED
	       : state == ENI_FWD_STOPPED ? COUNTERS_DROP_INSTANCE_STOPPED
					  : COUNTERS_DROP_UNKNOWN_DESTINATION;
}

/* pm->act is VERDICT_TO_ENI (slot pm->to) or VERDICT_TO_UPLINK. */
static __rte_always_inline void emit(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm)
{
	uint16_t out;

	if (likely(pm->act == VERDICT_TO_ENI)) {
		const struct eni_fwd *eni = &e->enis[pm->to];

		if (unlikely(eni->state != ENI_FWD_OK)) {
			drop(e->c, m, e->in_port, eni_state_drop(eni->state));
			return;
		}
		out = eni->port;
		if (unlikely(out >= FWD_MAX_PORTS || !(e->host_ports >> out & 1))) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_WRONG_PORT);
			return;
		}
		if (unlikely(!ttl_ok(pm))) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_TTL);
			return;
		}
		/* the one compare packets within the MTU pay (D7): frame length
		 * against MTU + 14 (a tagged frame near the MTU is checked again) */
		if (unlikely(m->pkt_len > e->ports[out].max_frame) &&
		    emit_big_copy(e, m, pm, out, eni->mac, eni->vlan))
			return;
		l3_write(pm);
		if (unlikely(l2_write(m, pm, eni->mac, e->ports[out].mac, eni->vlan) != 0)) {
			drop(e->c, m, e->in_port, COUNTERS_DROP_MALFORMED);
			return;
		}
		e->ceni[pm->to].packets++;
		e->ceni[pm->to].bytes += m->pkt_len;
		enqueue(e->c, e->tx, out, m, e->in_port);
		return;
	}
	/* VERDICT_TO_UPLINK */
	if (unlikely(e->uplink < 0)) {
		drop(e->c, m, e->in_port, COUNTERS_DROP_NO_UPLINK);
		return;
	}
	out = (uint16_t)e->uplink;
	if (unlikely(!ttl_ok(pm))) {
		drop(e->c, m, e->in_port, COUNTERS_DROP_TTL);
		return;
	}
	if (unlikely(m->pkt_len > e->ports[out].max_frame) &&
	    emit_big_copy(e, m, pm, out, e->up_mac, 0))
		return;
	l3_write(pm);
	l2_write(m, pm, e->up_mac, e->ports[out].mac, 0); /* untagged: cannot fail */
	enqueue(e->c, e->tx, out, m, e->in_port);
}

#endif
