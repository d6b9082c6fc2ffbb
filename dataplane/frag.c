/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frag.c - packets bigger than their egress MTU (D7; see emit.h, frag.h).
 *
 * IPv4 with DF clear: translated as any packet (TTL, NAT, Ethernet for the
 * next hop), then cut by DPDK's rte_ipv4_fragment_packet into fragments
 * whose data points into the datagram's mbufs (indirect mbufs); each gets
 * the datagram's Ethernet header and its own IPv4 header checksum.
 *
 * DF set, or IPv6 (routers never fragment IPv6): dropped as frag-needed,
 * and the mbuf itself becomes the answer, in place as ARP/ND answers are:
 * an ICMP type 3 code 4 "fragmentation needed" with the next-hop MTU
 * (RFC 1191), or an ICMPv6 type 2 "packet too big" with the MTU
 * (RFC 4443), quoting the packet as it arrived (before any translation:
 * what its sender sent) up to 576 / 1280 bytes in all, back out of the
 * input port to the frame's source MAC, in its VLAN. Its source is the
 * router: on the uplink, the address the packet was sent to (the EIP, or
 * the instance's IPv6 address: the internet sees the router there); on a
 * host port, the router's address in the sender's subnet (IPv4: the
 * subnet's .1, as in EC2; IPv6: the link-local address made from the
 * port's MAC). The errors are rate-limited per worker (frag.h), and never
 * sent about an ICMP error, a later fragment or a group source.
 */
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "emit.h"
#include "neigh.h"

#define ICMP4_ERR_MAX 576  /* the biggest ICMP error datagram (RFC 1812 4.3.2.3) */
#define ICMP6_ERR_MAX 1280 /* ... ICMPv6 (RFC 4443 2.4 (c)) */
#define ICMP4_HDRS 28	   /* IPv4 header + ICMP header */
#define ICMP6_HDRS 48	   /* IPv6 header + ICMPv6 header */
#define ICMP_TTL 64

/* m cut to len bytes (it has at least that many), whatever its segments. */
static void trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t acc = 0;
	uint16_t segs = 1;

	if (m->pkt_len <= len)
		return;
	while (acc + s->data_len < len) {
		acc += s->data_len;
		s = s->next;
		segs++;
	}
	s->data_len = (uint16_t)(len - acc);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->pkt_len = len;
	m->nb_segs = segs;
}

/* The router's IPv4 address toward the sender of pm (see the top). */
static uint32_t router4(const struct emit_ctx *e, const struct pmeta *pm)
{
	if (e->ports[e->in_port].role == FWD_PORT_UPLINK)
		return pm->dst4;
	return e->subnets[e->enis[pm->eni_src].subnet].cidr4 | RTE_BE32(1);
}

/* ... its IPv6 address: the destination, or fe80::/64 + the port MAC's EUI-64. */
static void router6(const struct emit_ctx *e, const uint8_t *dst, uint8_t out[16])
{
	if (e->ports[e->in_port].role == FWD_PORT_UPLINK) {
		memcpy(out, dst, 16);
		return;
	}
	neigh_router_link_local(e->ports[e->in_port].mac, out);
}

/*
 * Whether an ICMP error may be sent about this packet: never about an ICMP
 * error, a later IPv4 fragment, or from a source that is not one host's
 * (RFC 1812 4.3.2.7, RFC 4443 2.4 (e)).
 */
static bool may_answer(const struct pmeta *pm)
{
	const uint8_t *ip = pm->l3;

	if (pm->kind == PK_V6) {
		static const uint8_t unspecified[16];

		if (v6_not_unicast(ip + 8) || memcmp(ip + 8, unspecified, 16) == 0)
			return false;
		/* ICMPv6 errors are types 0-127 (no extension headers looked through) */
		return !(ip[6] == IPPROTO_ICMPV6 && pm->seg_l3 > 40 && ip[40] < 128);
	}
	unsigned ihl = (ip[0] & 0xfu) * 4;
	uint32_t src = pkt_ld32(ip + 12);

	if (src == 0 || v4_multicast(src) ||
	    (pkt_ld16(ip + 6) & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)))
		return false;
	if (ip[9] != IPPROTO_ICMP || pm->seg_l3 <= ihl)
		return true;
	/* errors: destination unreachable, source quench, redirect, time exceeded,
	 * parameter problem */
	switch (ip[ihl]) {
	case 3:
	case 4:
	case 5:
	case 11:
	case 12:
		return false;
	default:
		return true;
	}
}

/* DF set or IPv6: drop, and answer with an ICMP too-big error (in place). */
static void answer_too_big(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm,
			   uint16_t mtu, uint32_t l3len)
{
	struct counters *c = e->c;
	bool v6 = pm->kind == PK_V6;
	unsigned hdrs = v6 ? ICMP6_HDRS : ICMP4_HDRS;
	unsigned q = RTE_MIN(RTE_MIN(l3len, (uint32_t)pm->seg_l3),
			     (v6 ? ICMP6_ERR_MAX : ICMP4_ERR_MAX) - hdrs);
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *), *eth, *ip, *icmp;
	uint8_t peer[RTE_ETHER_ADDR_LEN];

	count_drop(c, e->in_port, COUNTERS_DROP_FRAG_NEEDED);
	if (!may_answer(pm)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!frag_icmp_take(&e->fr->icmp, rte_get_tsc_cycles(), rte_get_tsc_hz())) {
		c->icmp_limited++;
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(peer, old + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	/* the new headers go between the frame's L2 header and the quote */
	eth = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hdrs);
	if (eth == NULL) {
		rte_pktmbuf_free(m); /* no headroom: no answer (counted as dropped) */
		return;
	}
	memmove(eth, old, pm->l2_len); /* the VLAN tag, if any, is kept: same segment */
	trim_to(m, pm->l2_len + hdrs + q);
	memcpy(eth, peer, RTE_ETHER_ADDR_LEN);
	memcpy(eth + RTE_ETHER_ADDR_LEN, e->ports[e->in_port].mac, RTE_ETHER_ADDR_LEN);
	ip = eth + pm->l2_len;
	icmp = ip + hdrs - 8;
	const uint8_t *quote = ip + hdrs;
	memset(ip, 0, hdrs);
	if (v6) {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)ip;
		uint8_t src[16];

		router6(e, quote + 24, src); /* the quote's destination */
		pkt_st32(&h->vtc_flow, RTE_BE32(0x60000000));
		pkt_st16(&h->payload_len, pkt_hton16((uint16_t)(8 + q)));
		h->proto = IPPROTO_ICMPV6;
		h->hop_limits = ICMP_TTL;
		memcpy(h->src_addr, src, 16);
		memcpy(h->dst_addr, quote + 8, 16); /* the quote's source */
		icmp[0] = 2;			    /* packet too big, code 0 */
		pkt_st32(icmp + 4, rte_cpu_to_be_32(mtu));
		pkt_st16(icmp + 2, rte_ipv6_udptcp_cksum(h, icmp));
	} else {
		uint32_t src = router4(e, pm);

		ip[0] = 0x45;
		ip[1] = 0xc0; /* precedence "internetwork control", as routers send errors */
		pkt_st16(ip + 2, pkt_hton16((uint16_t)(hdrs + q)));
		ip[8] = ICMP_TTL;
		ip[9] = IPPROTO_ICMP;
		pkt_st32(ip + 12, src);
		memcpy(ip + 16, quote + 12, 4); /* the quote's source */
		pkt_st16(ip + 10, (uint16_t)~rte_raw_cksum(ip, 20));
		icmp[0] = 3; /* destination unreachable */
		icmp[1] = 4; /* fragmentation needed and DF set */
		pkt_st16(icmp + 6, pkt_hton16(mtu));
		pkt_st16(icmp + 2, (uint16_t)~rte_raw_cksum(icmp, 8 + q));
	}
	c->icmp_too_big++;
	enqueue(c, e->tx, e->in_port, m, e->in_port);
}

/* IPv4, DF clear: translated, then fragmented for port out. */
static void fragment4(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm, uint16_t out,
		      const uint8_t *dst_mac, uint16_t vlan, uint16_t mtu, uint32_t l3len)
{
	struct rte_mbuf *frags[FRAG_MAX_OUT];
	struct counters *c = e->c;
	struct pipeline_tx *tx = e->tx;
	uint8_t l2[RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr)];
	uint64_t bytes = 0;
	uint16_t l2len;
	int n;

	if (e->fr->direct == NULL || e->fr->indirect == NULL) {
		drop(c, m, e->in_port, COUNTERS_DROP_FRAG_FAILED);
		return;
	}
	l3_write(pm);
	if (l2_write(m, pm, dst_mac, e->ports[out].mac, vlan) != 0) {
		drop(c, m, e->in_port, COUNTERS_DROP_MALFORMED);
		return;
	}
	/* the next hop's Ethernet header, copied onto every fragment */
	l2len = (uint16_t)(pm->l3 - rte_pktmbuf_mtod(m, uint8_t *));
	memcpy(l2, rte_pktmbuf_mtod(m, uint8_t *), l2len);
	trim_to(m, l2len + l3len); /* trailing bytes are no part of the datagram */
	rte_pktmbuf_adj(m, l2len); /* DPDK takes the IPv4 header first */
	n = rte_ipv4_fragment_packet(m, frags, FRAG_MAX_OUT, mtu, e->fr->direct, e->fr->indirect);
	rte_pktmbuf_free(m); /* the fragments hold their own references to its data */
	if (n <= 0) {
		count_drop(c, e->in_port, COUNTERS_DROP_FRAG_FAILED); /* no mbufs left */
		return;
	}
	if (tx->n[out] + (unsigned)n > PIPELINE_TX_MAX) {
		for (int i = 0; i < n; i++)
			rte_pktmbuf_free(frags[i]);
		count_drop(c, e->in_port, COUNTERS_DROP_TX_FULL);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (rte_pktmbuf_headroom(frags[i]) < l2len) { /* a direct pool without headroom */
			for (int j = 0; j < n; j++)
				rte_pktmbuf_free(frags[j]);
			count_drop(c, e->in_port, COUNTERS_DROP_FRAG_FAILED);
			return;
		}
	}
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(f, l2len);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2len);

		memcpy(p, l2, l2len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, rte_ipv4_hdr_len(ip));
		bytes += f->pkt_len;
		tx->pkts[out][tx->n[out]++] = f;
	}
	c->fragmented++;
	c->fragments += (uint64_t)n;
	if (pm->act == VERDICT_TO_ENI) {
		e->ceni[pm->to].packets += (uint64_t)n;
		e->ceni[pm->to].bytes += bytes;
	}
}

bool emit_big(const struct emit_ctx *e, struct rte_mbuf *m, struct pmeta *pm, uint16_t out,
	      const uint8_t *dst_mac, uint16_t vlan)
{
	uint16_t mtu = e->ports[out].mtu;
	uint32_t l3len;

	if (pm->kind == PK_V6) {
		l3len = pm->l3_len;
		if (l3len <= mtu)
			return false;
		answer_too_big(e, m, pm, mtu, l3len);
		return true;
	}
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)pm->l3;
	l3len = pkt_ntoh16(ip->total_length);
	if (l3len <= mtu)
		return false;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))
		answer_too_big(e, m, pm, mtu, l3len);
	else
		fragment4(e, m, pm, out, dst_mac, vlan, mtu, l3len);
	return true;
}
